//! Embeds the web page: copies web/{index.html,app.js,style.css} and MapLibre GL JS (from
//! web/node_modules, installed from web/package-lock.json with `npm ci` when missing) into
//! OUT_DIR/web, where src/server/assets.rs includes them with `include_bytes!`.
//!
//! Also copies PROJ's database (`proj.db`, built by proj-sys's bundled PROJ) to
//! OUT_DIR/proj.db, where src/io/crs.rs embeds it, so the binary needs no PROJ installation.

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
    println!("cargo:rerun-if-changed=web/build.rs");
    copy_proj_db(&PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")));

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

/// Finds the proj.db that proj-sys's bundled build installed (its build script runs before
/// ours because this crate depends on proj-sys directly and it declares `links = "proj"`) beside our own OUT_DIR, newest first.
fn copy_proj_db(out_dir: &Path) {
    let build = out_dir
        .parent()
        .and_then(Path::parent)
        .expect("OUT_DIR is target/<profile>/build/<pkg>/out");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(build)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("proj-sys-"))
        .map(|e| e.path().join("out/share/proj/proj.db"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    found.sort();
    match found.last() {
        Some((_, db)) => copy(db, &out_dir.join("proj.db")),
        None => panic!(
            "build.rs: PROJ's proj.db not found under {}; the proj crate's bundled build \
             (feature bundled_proj, needs cmake and a C++ compiler) should have made it",
            build.display()
        ),
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
