//! Appendix 2 polling stations: CSV or XLSX; optional coordinates.

use super::{Intake, IoError};
use crate::model::Station;
use std::path::Path;

/// Reads an Appendix 2 table of polling stations. `crs` applies to coordinate columns
/// (default WGS84).
pub fn read_stations(
    path: &Path,
    crs: Option<&str>,
    intake: &mut Intake,
) -> Result<Vec<Station>, IoError> {
    let _ = (path, crs, intake);
    todo!("io::read_stations")
}
