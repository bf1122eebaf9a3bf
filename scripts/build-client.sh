#!/usr/bin/env bash
# Builds the browser bundle into target/site/pkg: cargo (size profile) → wasm-bindgen → wasm-opt,
# plus the stylesheet, each with a .gz beside it that the server sends as is.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/site/pkg
mkdir -p "$out"
cargo build -p tournee-app --lib --target wasm32-unknown-unknown --features hydrate --profile wasm-release
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name tournee \
  target/wasm32-unknown-unknown/wasm-release/app.wasm
tests/e2e/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/tournee_bg.wasm" -o "$out/tournee_bg.wasm"
cp style/tournee.css "$out/tournee.css"
for f in "$out"/tournee_bg.wasm "$out"/tournee.js "$out"/tournee.css; do
  gzip -9 -k -f "$f"
done
printf 'client bundle: %s bytes wasm, %s bytes gzipped\n' \
  "$(stat -c %s "$out/tournee_bg.wasm")" "$(stat -c %s "$out/tournee_bg.wasm.gz")"
