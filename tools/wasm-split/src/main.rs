//! Splits the client's wasm at the split points that Leptos' `#[lazy_route]` and `#[lazy]` leave
//! in it (the linker must have kept relocations: `-Clink-args=--emit-relocs`).
//!
//! Usage: `tournee-wasm-split INPUT.wasm MAIN_OUT.wasm PKG_DIR JS_NAME`
//!
//! Writes the main module (still to go through wasm-bindgen) to `MAIN_OUT.wasm`, and into
//! `PKG_DIR` the lazily loaded chunks, the loader `__wasm_split.______________________.js` and
//! `__wasm_split_manifest.json`, the names `leptos::HydrationScripts` looks for when file
//! hashing is off. `JS_NAME` is the wasm-bindgen module the loader imports (`tournee.js`).
//! cargo-leptos does the same in its `--split` mode; this keeps the hand pipeline of
//! `scripts/build-client.sh` free of it.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, main_out, pkg_dir, js_name] = args.as_slice() else {
        eprintln!("usage: tournee-wasm-split INPUT.wasm MAIN_OUT.wasm PKG_DIR JS_NAME");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(main_out), Path::new(pkg_dir), js_name) {
        Ok(chunks) => {
            eprintln!("wasm-split: {chunks} lazily loaded chunk(s) in {pkg_dir}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wasm-split failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, main_out: &Path, pkg_dir: &Path, js_name: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    std::fs::create_dir_all(pkg_dir)?;
    let main_module = format!("./{js_name}");
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = pkg_dir;
    opts.main_out_path = main_out;
    opts.main_module = &main_module;
    opts.link_name = "./__wasm_split.______________________.js";
    let out = wasm_split_cli_support::transform(opts).map_err(|e| format!("{e:#}"))?;
    let manifest = serde_json::to_string_pretty(&out.prefetch_map)?;
    std::fs::write(pkg_dir.join("__wasm_split_manifest.json"), manifest)?;
    Ok(out.split_modules.len())
}
