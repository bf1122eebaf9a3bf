#!/usr/bin/env bash
# Installs what building and testing Tournée needs, when it is missing. Safe to rerun.
#   scripts/setup.sh          the build tools (wasm32 target, wasm-bindgen CLI, wasm-opt)
#   scripts/setup.sh --test   also PostgreSQL and Chromium (Debian packages) for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (about 4 minutes, once)"
  # Not --locked: the CLI's own lockfile names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$want"
fi

# wasm-opt from npm's binaryen: Debian's older build produces a bundle that fails to load.
if [ ! -x tests/e2e/node_modules/.bin/wasm-opt ] || [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/axe-core ]; then
  say "installing npm tools (binaryen, playwright-core, axe-core)"
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
  fi
fi
