#!/usr/bin/env bash
# Proves the testkit's fakes work with third-party clients, unchanged: installs spotipy and
# slskd-api into a throwaway virtualenv, starts `fake-upstreams` (built by the test run) and runs
# crates/soulspot-testkit/third-party/check_clients.py against it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$(mktemp -d)/venv"
if ! python3 -m venv "$venv" 2>/dev/null; then
    echo "python3 venv missing: installing python3-venv from Debian's packages"
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check spotipy slskd-api

cargo build --quiet -p soulspot-testkit --bin fake-upstreams
target_dir="${CARGO_TARGET_DIR:-target}"
urls_file="$(mktemp)"
"$target_dir/debug/fake-upstreams" --tracks 60 >"$urls_file" &
fakes=$!
trap 'kill "$fakes" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    [ -s "$urls_file" ] && break
    sleep 0.1
done
"$venv/bin/python" crates/soulspot-testkit/third-party/check_clients.py "$(head -n 1 "$urls_file")"
