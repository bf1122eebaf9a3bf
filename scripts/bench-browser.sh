#!/usr/bin/env bash
# Benchmark of the phone's replica in headless Chromium: first sync of a large agency and
# local search offline (docs/benchmarks.md, "the phone's replica"). Builds what it needs.
# BENCH_SIZES="10000 100000" by default; agencies are kept under target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/build-client.sh
cargo build --release -p tournee-server
cd tests/e2e && node bench/replica.mjs
