//! Polygon layers: Shapefile (`.prj` in any CRS, reprojected to WGS84 with PROJ; `.cpg`
//! UTF-8, CP1251, CP866) and GeoJSON (RFC 7946, WGS84).

use super::{Intake, IoError};
use crate::model::{AdminUnit, Kato, PrecinctPolygon};
use std::collections::HashSet;
use std::path::Path;

/// Options of a polygon layer.
#[derive(Debug, Clone, Default)]
pub struct VectorOptions {
    /// The identifier attribute (KATO code or precinct number); `None` tries the defaults
    /// (`KATO`, `kato`, `KATO_CODE` for admin units; `precinct`, `PRECINCT`, `number`, `NUM`,
    /// `uchastok` for precincts).
    pub id_field: Option<String>,
    /// An attribute giving the admin level; `None` reads it from the KATO code.
    pub level_field: Option<String>,
    /// A name attribute to show.
    pub name_field: Option<String>,
    /// The CRS when the Shapefile has no `.prj` (e.g. `EPSG:32642`).
    pub crs: Option<String>,
}

/// Reads administrative units with their KATO codes.
pub fn read_admin(
    path: &Path,
    opts: &VectorOptions,
    intake: &mut Intake,
) -> Result<Vec<AdminUnit>, IoError> {
    let _ = (path, opts, intake);
    todo!("io::read_admin")
}

/// Reads precinct polygons with their numbers.
pub fn read_precincts(
    path: &Path,
    opts: &VectorOptions,
    intake: &mut Intake,
) -> Result<Vec<PrecinctPolygon>, IoError> {
    let _ = (path, opts, intake);
    todo!("io::read_precincts")
}

/// Reads the KATO classifier (CSV with a `kato` column).
pub fn read_classifier(path: &Path) -> Result<HashSet<Kato>, IoError> {
    let _ = path;
    todo!("io::read_classifier")
}
