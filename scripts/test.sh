#!/usr/bin/env bash
# Runs every test: formatting and lints (server and client builds), the shared crate on
# wasm32, unit and property tests, the API suite on SQLite and on PostgreSQL, and the browser
# test in headless Chromium against the real server. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A one-off run gains nothing from incremental caches, and they take gigabytes of disk.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

say "setup"
scripts/setup.sh --test

say "format and lints"
cargo fmt --all -- --check
cargo clippy -p tournee-shared -p tournee-server -p tournee-wasm-split --all-targets -- -D warnings
cargo clippy -p tournee-app --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

say "shared/ builds for wasm32"
cargo build -p tournee-shared --target wasm32-unknown-unknown

say "unit, property and API tests on SQLite"
cargo test --workspace --exclude tournee-app
cargo test -p tournee-app --features ssr

say "API tests on PostgreSQL"
pgdir=$(mktemp -d /tmp/tournee-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pgdir"' EXIT
if ! pgurl=$(scripts/postgres.sh start "$pgdir"); then
  echo "FAILED: could not start PostgreSQL for the tests (see above); not skipping." >&2
  exit 1
fi
TOURNEE_TEST_POSTGRES_URL="$pgurl" cargo test -p tournee-server --test api

say "browser test (headless Chromium, real server, SQLite)"
scripts/build-client.sh
cargo build -p tournee-server
(cd tests/e2e && node --test --test-concurrency=1)

say "browser test on PostgreSQL"
# A database to connect through: each test server then makes a fresh one of its own
# (tests/e2e/helpers.mjs), as on SQLite, so no test file sees what another one wrote.
e2edb="tournee_e2e_$$"
psql "$pgurl" -qc "CREATE DATABASE $e2edb" >/dev/null
(cd tests/e2e && TOURNEE_E2E_DATABASE_URL="${pgurl%/*}/$e2edb" node --test --test-concurrency=1)

say "all tests passed (target/ holds $(du -sh target | cut -f1))"
