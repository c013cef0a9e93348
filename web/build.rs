//! Embeds the web page: copies web/{index.html,app.js,style.css} and MapLibre GL JS (from
//! web/node_modules, installed from web/package-lock.json with `npm ci` when missing) into
//! OUT_DIR/web, where src/server/assets.rs includes them with `include_bytes!`.

use std::path::{Path, PathBuf};
use std::process::Command;

const PAGE: &[&str] = &["index.html", "app.js", "style.css"];
const MAPLIBRE: &[&str] = &[
    "maplibre-gl.mjs",
    "maplibre-gl-worker.mjs",
    "maplibre-gl.css",
];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = root.join("web");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("web");
    for f in PAGE
        .iter()
        .chain(["package.json", "package-lock.json"].iter())
    {
        println!("cargo:rerun-if-changed=web/{f}");
    }
    println!("cargo:rerun-if-changed=web/node_modules/maplibre-gl/package.json");
    println!("cargo:rerun-if-changed=build.rs");

    let dist = web.join("node_modules/maplibre-gl/dist");
    if !dist.join("maplibre-gl.mjs").exists() {
        npm_ci(&web);
    }
    std::fs::create_dir_all(&out).expect("create OUT_DIR/web");
    for f in PAGE {
        copy(&web.join(f), &out.join(f));
    }
    for f in MAPLIBRE {
        copy(&dist.join(f), &out.join(f));
    }
}

fn copy(from: &Path, to: &Path) {
    if let Err(e) = std::fs::copy(from, to) {
        panic!(
            "build.rs: cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        );
    }
}

fn npm_ci(web: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(web)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "build.rs: `npm ci` in {} failed ({s}); MapLibre GL JS is needed to embed the map page",
            web.display()
        ),
        Err(e) => panic!(
            "build.rs: npm is needed once to fetch MapLibre GL JS (web/package-lock.json) but could not be run ({e}). \
             Install Node.js and npm (Debian: apt-get install nodejs npm), or run `npm ci` in web/ yourself."
        ),
    }
}
