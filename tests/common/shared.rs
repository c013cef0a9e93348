//! The real public data beside the project (`../shared/data`): read in place, never copied.

use std::path::{Path, PathBuf};

/// The path of `../shared/data/REL` when it exists. Missing, a test skips (saying so) on a
/// developer's machine; with `CI` set it fails, so CI never passes without the real data.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: with CI set, the real-data tests must run",
        p.display()
    );
    eprintln!("note: {} is absent; test skipped", p.display());
    None
}
