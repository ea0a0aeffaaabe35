#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.
#   source .ci/postgres.sh start   # exports TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop
# Installs Debian's postgresql package when no server binaries are present.
set -euo pipefail
PGDATA=${PG_TEST_DATA:-/tmp/soulspot-pgdata}
PGPORT=${PG_TEST_PORT:-55432}

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

case "${1:-}" in
start)
    if [ -z "$(pg_bin)" ]; then
        echo "installing PostgreSQL from Debian's packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    PGBIN=$(pg_bin)
    if [ -f "$PGDATA/postmaster.pid" ]; then
        su postgres -c "$PGBIN/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    su postgres -c "$PGBIN/initdb -D $PGDATA -U postgres --auth=trust -E UTF8 --no-sync -N" >/dev/null
    su postgres -c "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -w -o \"-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >/dev/null
    export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
    echo "PostgreSQL running: $TEST_POSTGRES_URL"
    ;;
stop)
    PGBIN=$(pg_bin)
    if [ -n "$PGBIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
        su postgres -c "$PGBIN/pg_ctl -D $PGDATA -m fast -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$PGDATA"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
