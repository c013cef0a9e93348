//! Geometry engine: an R-tree over polygons to assign points, containment of precincts in
//! administrative units (areas in an equal-area projection), overlaps and validity.
//! Everything here takes and returns WGS84 lon/lat.

mod assign;
mod containment;
mod overlaps;
mod prepared;
mod synthetic;
mod validity;

pub use assign::PolygonIndex;
pub use containment::{AlbersEqualArea, Containment, area_m2, containment};
pub use overlaps::{Overlap, overlaps};
pub use prepared::PreparedRings;
pub use synthetic::synthetic_tiling;
pub use validity::validate;

#[cfg(test)]
mod kz_admin_tests;
