# SoulSpot developer recipes. Each is one line; the logic lives in cargo and xtask.

# List recipes.
default:
    @just --list

# Run the server on embedded SQLite (./data/soulspot.db), applying migrations.
serve:
    cargo run --release -p soulspot -- serve

# Run every test (PostgreSQL tests run when TEST_POSTGRES_URL is set; .ci/run sets it).
test:
    cargo nextest run --workspace --all-targets --no-fail-fast

# Everything CI runs, including a throwaway PostgreSQL.
ci:
    bash .ci/run

# Apply migrations to a database URL.
migrate url:
    cargo xtask migrate --database-url {{url}}

# Prove domain and application depend on no adapter.
check-layers:
    cargo xtask check-layers

# Database benchmarks (SQLite; PostgreSQL too with --postgres-url).
bench-db *args:
    cargo xtask bench db {{args}}

# Format and lint.
lint:
    cargo fmt --all && cargo clippy --workspace --all-targets -- -D warnings

# Regenerate docs/openapi.json from the code.
openapi:
    cargo xtask openapi

# HTTP API load benchmark (SQLite; PostgreSQL too with --postgres-url).
bench-api *args:
    cargo xtask bench api {{args}}
