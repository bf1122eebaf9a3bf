#!/usr/bin/env bash
# Builds the browser bundle into target/site/pkg (and the service worker, target/site/sw.js): cargo (size profile) → split at the lazy
# routes → wasm-bindgen → wasm-opt, plus the stylesheet, each with a .gz beside it that the
# server sends as is.
#
# The split (tools/wasm-split) cuts the wasm at the `#[lazy_route]` split points into a main
# module (shell, Today, login, the framework) and one chunk per screen, loaded on demand; the
# linker must keep relocations for it (--emit-relocs), and wasm-bindgen must keep the exports
# the chunks import (--keep-lld-exports). The variable below replaces the rustflags of
# .cargo/config.toml for this build, so it repeats `--cfg erase_components` from there: the
# server's rendering and the browser's hydration must agree on it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/site/pkg
work=target/wasm-split
rm -rf "$out" "$work"
mkdir -p "$out" "$work"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs" \
  cargo build -p tournee-app --lib --target wasm32-unknown-unknown --features hydrate --profile wasm-release
cargo build -q -p tournee-wasm-split --release
target/release/tournee-wasm-split target/wasm32-unknown-unknown/wasm-release/app.wasm \
  "$work/app.wasm" "$out" tournee.js
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
  --out-dir "$out" --out-name tournee "$work/app.wasm"
for f in "$out"/*.wasm; do
  tests/e2e/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$f" -o "$f"
done
cp style/tournee.css "$out/tournee.css"
# What makes the app installable on a phone's home screen: the manifest and its icons.
cp app/public/manifest.webmanifest "$out/manifest.webmanifest"
mkdir -p "$out/icons" && cp app/public/icons/*.png "$out/icons/"
for f in "$out"/*.wasm "$out"/*.js "$out"/*.css "$out"/*.json; do
  gzip -9 -k -f "$f"
done
# The service worker, at the site's root (its scope is the whole app): this build's version and
# files, so that a phone keeps one consistent copy of the app for offline starts.
node -e '
  const fs = require("fs"), crypto = require("crypto"), [dir, template, target] = process.argv.slice(1);
  const files = fs.readdirSync(dir).filter((f) => !f.endsWith(".gz") && fs.statSync(`${dir}/${f}`).isFile()).sort();
  const hash = crypto.createHash("sha256");
  for (const f of files) hash.update(f).update(fs.readFileSync(`${dir}/${f}`));
  const sw = fs.readFileSync(template, "utf8")
    .replace("__VERSION__", hash.digest("hex").slice(0, 16))
    .replace("__BUNDLE__", JSON.stringify(files.map((f) => `/pkg/${f}`)));
  fs.writeFileSync(target, sw);
' "$out" app/public/sw.js target/site/sw.js
# What a phone downloads (gzip): the first load, and the first load plus each group of screens.
node -e '
  const fs = require("fs"), dir = process.argv[1];
  const gz = (f) => fs.statSync(`${dir}/${f}.wasm.gz`).size;
  const main = gz("tournee_bg");
  const manifest = JSON.parse(fs.readFileSync(`${dir}/__wasm_split_manifest.json`));
  const all = fs.readdirSync(dir).filter((f) => f.endsWith(".wasm.gz"))
    .reduce((n, f) => n + fs.statSync(`${dir}/${f}`).size, 0);
  console.log(`client bundle: ${fs.statSync(`${dir}/tournee_bg.wasm`).size} B wasm, ${main} B gzip at first load`);
  for (const [group, files] of Object.entries(manifest).sort())
    console.log(`  with ${group.replace(/_[0-9]+$/, "")}: ${main + files.reduce((n, f) => n + gz(f), 0)} B gzip in ${files.length + 1} files`);
  console.log(`  every screen: ${all} B gzip`);
' "$out"
