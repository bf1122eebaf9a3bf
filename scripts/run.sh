#!/usr/bin/env bash
# Builds everything in release mode and serves Tournée on the embedded SQLite database with
# demo data: http://127.0.0.1:3000 (TOURNEE_LISTEN to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-client.sh
cargo build --release -p tournee-server
exec target/release/tournee serve --demo
