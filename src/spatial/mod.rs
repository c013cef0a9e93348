//! Geometry engine: an R-tree over polygons to assign points, containment of precincts in
//! administrative units (areas in an equal-area projection), overlaps and validity.
//! Everything here takes and returns WGS84 lon/lat.
//!
//! - [`PolygonIndex`]: which polygon holds a point (R-tree over part boxes, then a
//!   band-indexed crossing-number test, [`PreparedRings`]); a point on a shared edge goes to
//!   exactly one polygon (the one east of it; north of a horizontal edge).
//! - [`containment`], [`area_m2`]: precincts in admin units; areas in the Albers equal-area
//!   projection for Kazakhstan ([`AlbersEqualArea`]).
//! - [`overlaps`]: pairs of polygons sharing area. [`validate`]: what makes a polygon invalid,
//!   with the place.
//! - [`synthetic_tiling`]: a deterministic jittered tiling for benchmarks and the demo.

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
