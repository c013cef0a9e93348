//! The deterministic demo / national-scale data generator.
//!
//! [`generate`] plans a town (or, at national scale, a country of city-like regions) from a
//! seed, writes every input file of a run into a folder, and records what it planted: the
//! findings a correct `precincts check` must report ([`Expected`]) and the rows it must reject.
//! The generator uses its own PRNG (SplitMix64) so the output does not depend on crate versions.

pub mod borders;
pub mod sailau;

use crate::model::{IinSex, Kato, PrecinctNo, StationMark};
use chrono::NaiveDate;
use geo::{Coord, Polygon};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Voters (rows of `voters.csv`, before the planted bad rows).
    pub voters: usize,
    /// Precinct polygons (approximately: the grid is rounded to whole rows and columns).
    pub precincts: usize,
    /// Address points; `None` = one per ~6 voters.
    pub addresses: Option<usize>,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            voters: 60_000,
            precincts: 40,
            addresses: None,
            seed: 2026,
        }
    }
}

/// Why the demo could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("demo options: {0}")]
    Options(String),
}

/// One finding a correct check must report, keyed as in `CHECKS.md`: (code, precinct,
/// record, line). `line` is set only for address findings (`ADDRESS_IN_NO_PRECINCT`).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Expected {
    pub code: String,
    pub precinct: Option<String>,
    pub record: Option<String>,
    pub line: Option<u64>,
}

/// One row a correct check must reject: file basename, line, field key.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ExpectedReject {
    pub file: String,
    pub line: u64,
    pub field: String,
}

/// The contents of `expected.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ExpectedFile {
    pub findings: Vec<Expected>,
    pub rejects: Vec<ExpectedReject>,
}

/// An oblast-level unit (a city of republican significance in the demo).
#[derive(Debug, Clone)]
pub struct Region {
    pub kato: Kato,
    pub name_ru: String,
    pub name_kk: String,
    /// The locality written in addresses and voter records.
    pub locality: String,
    pub polygon: Polygon<f64>,
    /// Indices into [`Town::districts`].
    pub districts: Range<usize>,
}

/// A district-level unit.
#[derive(Debug, Clone)]
pub struct District {
    pub kato: Kato,
    pub name_ru: String,
    pub name_kk: String,
    pub region: usize,
    pub polygon: Polygon<f64>,
}

/// A precinct polygon (drawn by the "akimat").
#[derive(Debug, Clone)]
pub struct Precinct {
    pub no: PrecinctNo,
    pub polygon: Polygon<f64>,
    /// The district it is drawn in (`None`: planted outside every unit).
    pub district: Option<usize>,
    pub region: usize,
    /// Indices into [`Town::stations`] (none, one, or two for a planted duplicate).
    pub stations: Vec<usize>,
}

/// A street of a region's locality.
#[derive(Debug, Clone)]
pub struct Street {
    pub name: String,
    pub region: usize,
}

/// A house number: `12`, `12А`, `12/1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HouseNo {
    pub number: u16,
    pub suffix: HouseSuffix,
}

/// The part of a house number after the digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HouseSuffix {
    None,
    /// Cyrillic letter: `А`, `Б`, `В`.
    Letter(char),
    /// `/1`, `/2`.
    Slash(u8),
}

impl std::fmt::Display for HouseNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.suffix {
            HouseSuffix::None => write!(f, "{}", self.number),
            HouseSuffix::Letter(c) => write!(f, "{}{}", self.number, c),
            HouseSuffix::Slash(k) => write!(f, "{}/{}", self.number, k),
        }
    }
}

/// An address point (a building).
#[derive(Debug, Clone)]
pub struct Address {
    /// The region whose locality this is ([`Region::locality`]).
    pub region: u16,
    /// Index into [`Town::streets`].
    pub street: u32,
    pub house: HouseNo,
    /// Building (корпус) number; 0 = none.
    pub building: u8,
    pub coord: Coord<f64>,
    /// The precinct whose polygon holds the point (`None`: a planted gap).
    pub precinct: Option<u32>,
    /// 1-based line in `addresses.csv` (header = line 1).
    pub line: u64,
    /// The voters living here: `first_voter .. first_voter + voter_count`.
    pub first_voter: u32,
    pub voter_count: u32,
}

/// A polling station (Appendix 2 row).
#[derive(Debug, Clone)]
pub struct StationPlan {
    pub precinct: PrecinctNo,
    pub facility: String,
    pub locality: String,
    pub street: String,
    pub house: String,
    pub mark: Option<StationMark>,
    pub coord: Option<Coord<f64>>,
    /// 1-based line in `stations.csv`.
    pub line: u64,
}

/// Where a voter's record says they live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoterAddress {
    /// An address point (index into [`Town::addresses`]).
    Point(u32),
    /// A planted address that matches no point (street, house) in the region's locality.
    Unknown {
        region: u16,
        street: String,
        house: String,
    },
}

/// One voter, rebuilt on demand from the seed (12 million never sit in memory).
#[derive(Debug, Clone)]
pub struct Voter {
    /// Index in generation order.
    pub index: usize,
    /// The Appendix 1 record code ("Код").
    pub record: u64,
    /// The IIN as 12 ASCII digits, consistent with birth date and sex, valid check digit.
    pub iin: [u8; 12],
    pub surname: &'static str,
    pub name: &'static str,
    pub middle_name: &'static str,
    pub birth_date: NaiveDate,
    pub sex: IinSex,
    pub ethnicity: &'static str,
    pub address: VoterAddress,
    /// Apartment number (0 = private house).
    pub apartment: u16,
    /// Identity document number (9 digits).
    pub id_number: u32,
    pub id_issued: NaiveDate,
    /// The precinct the record lists (index into [`Town::precincts`]); `None` = empty code.
    pub listed: Option<u32>,
    /// Addition1/Addition3: changed on this date.
    pub changed_on: Option<NaiveDate>,
    /// Addition4: added.
    pub added: bool,
    /// 1-based line in `voters.csv`.
    pub line: u64,
}

impl Voter {
    /// The IIN digits as text.
    pub fn iin_str(&self) -> &str {
        std::str::from_utf8(&self.iin).expect("ASCII digits")
    }
}

/// A planted override of one voter's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoterOverride {
    /// Listed in this precinct (index) instead of the one their address lies in.
    ListedIn(u32),
    /// The precinct code is empty.
    NoPrecinct,
    /// The address written matches no point.
    Unknown { street: String, house: String },
}

/// A planted bad row appended to a file (rejected by the reader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// `voters.csv` or `addresses.csv`.
    pub file: String,
    pub line: u64,
    /// The field key the reader names.
    pub field: String,
    /// What is wrong, for people.
    pub what: String,
}

/// What was planted, by precinct number (region-wise lists at national scale).
#[derive(Debug, Clone, Default)]
pub struct Planted {
    pub over_cap: Vec<PrecinctNo>,
    pub crossing: Vec<PrecinctNo>,
    pub overlap: Vec<(PrecinctNo, PrecinctNo)>,
    /// Precincts with a hole (gap) and the address indices inside it.
    pub gap: Vec<(PrecinctNo, Vec<u32>)>,
    pub invalid: Vec<PrecinctNo>,
    pub station_outside: Vec<PrecinctNo>,
    pub missing_polygon: Vec<PrecinctNo>,
    pub missing_station: Vec<PrecinctNo>,
    pub duplicate_station: Vec<PrecinctNo>,
    pub eliminated_in_use: Vec<PrecinctNo>,
    pub outside_admin: Vec<PrecinctNo>,
    /// Voter overrides by voter index.
    pub voters: HashMap<u32, VoterOverride>,
    pub bad_rows: Vec<BadRow>,
}

/// The in-memory plan of the demo: everything written, and what was planted.
#[derive(Debug, Clone)]
pub struct Town {
    pub seed: u64,
    pub regions: Vec<Region>,
    pub districts: Vec<District>,
    pub precincts: Vec<Precinct>,
    pub streets: Vec<Street>,
    pub addresses: Vec<Address>,
    pub stations: Vec<StationPlan>,
    /// Number of good voters (rows before the planted bad rows).
    pub voter_count: usize,
    pub planted: Planted,
    /// The findings planted by this module (without the border lists').
    pub expected: Vec<Expected>,
    pub rejects: Vec<ExpectedReject>,
}

impl Town {
    /// Voter `i` (0-based, `i < voter_count`), rebuilt from the seed.
    pub fn voter(&self, i: usize) -> Voter {
        let _ = i;
        todo!("demo::Town::voter")
    }

    /// Every good voter in file order.
    pub fn voters(&self) -> impl Iterator<Item = Voter> + '_ {
        (0..self.voter_count).map(move |i| self.voter(i))
    }

    /// The locality of an address.
    pub fn locality(&self, a: &Address) -> &str {
        &self.regions[a.region as usize].locality
    }

    /// The street name of an address.
    pub fn street(&self, a: &Address) -> &str {
        &self.streets[a.street as usize].name
    }

    /// The building text of an address (`""` when none).
    pub fn building(a: &Address) -> String {
        if a.building == 0 {
            String::new()
        } else {
            a.building.to_string()
        }
    }
}

/// Generates the demo into `dir` (created if needed) and returns the plan.
pub fn generate(dir: &Path, opts: &DemoOptions) -> Result<Town, DemoError> {
    let _ = (dir, opts);
    todo!("demo::generate")
}
