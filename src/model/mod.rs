//! Domain types only: no I/O, no formats. Identifiers are newtypes validated at the edge.

mod finding;
mod ids;
mod iin;
mod voter;

pub use finding::{Finding, FindingCode, Severity};
pub use ids::{AdminLevel, IdError, Kato, PrecinctNo};
pub use iin::{Iin, IinError, IinSex};
pub use voter::{VOTER_FIELDS, VoterField, VoterRow, VoterTable, VoterTableBuilder};

use geo::{Coord, MultiPolygon};
use std::sync::Arc;

/// Where a record came from: the file and its 1-based line (CSV), row (XLSX) or feature
/// number (Shapefile / GeoJSON, 1-based).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SourceRef {
    pub file: Arc<str>,
    pub line: u64,
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// An administrative-territorial unit (oblast, district, rural district, settlement).
#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub kato: Kato,
    pub level: AdminLevel,
    pub name: Option<String>,
    /// WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    pub source: SourceRef,
}

/// A precinct polygon as drawn by the akimat (or derived from address lists).
#[derive(Debug, Clone)]
pub struct PrecinctPolygon {
    pub no: PrecinctNo,
    /// WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    /// True when the polygon was derived (Voronoi of address points), not drawn.
    pub derived: bool,
    pub source: SourceRef,
}

/// A building with an address and a WGS84 coordinate.
#[derive(Debug, Clone)]
pub struct AddressPoint {
    pub locality: String,
    pub street: String,
    pub house: String,
    pub building: String,
    /// WGS84 lon (x) / lat (y).
    pub coord: Coord<f64>,
    pub source: SourceRef,
}

/// The mark of Appendix 2, column 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StationMark {
    LimitedAccess,
    NewlyCreated,
    Eliminated,
}

/// A polling station (Appendix 2).
#[derive(Debug, Clone)]
pub struct Station {
    pub precinct: PrecinctNo,
    pub facility: String,
    pub locality: String,
    pub street: String,
    pub house: String,
    pub marks: Vec<StationMark>,
    /// WGS84, when the file gives coordinates.
    pub coord: Option<Coord<f64>>,
    pub source: SourceRef,
}

/// Everything one run reads. Each part is optional: checks that need a missing part are
/// skipped (and the summary says so).
#[derive(Debug, Default)]
pub struct Dataset {
    pub admin: Vec<AdminUnit>,
    pub precincts: Vec<PrecinctPolygon>,
    pub addresses: Vec<AddressPoint>,
    pub voters: Option<VoterTable>,
    pub stations: Vec<Station>,
    /// KATO codes of the official classifier, when one was given.
    pub classifier: Option<std::collections::HashSet<Kato>>,
}
