//! Address points: CSV (`lon`,`lat` or `x`,`y` with a stated CRS) or GeoJSON / Shapefile
//! points, with locality, street, house and building fields.

use super::{Intake, IoError};
use crate::model::AddressPoint;
use std::path::Path;

/// Reads address points; every coordinate leaves here in WGS84.
pub fn read_addresses(
    path: &Path,
    crs: Option<&str>,
    intake: &mut Intake,
) -> Result<Vec<AddressPoint>, IoError> {
    let _ = (path, crs, intake);
    todo!("io::read_addresses")
}
