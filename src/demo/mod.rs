//! The deterministic demo / national-scale data generator.
//!
//! [`generate`] plans a town (or, at national scale, a country of city-like regions) from a
//! seed, writes every input file of a run into a folder, and records what it planted: the
//! findings a correct `precincts check` must report ([`Expected`]) and the rows it must reject.
//! The generator uses its own PRNG (SplitMix64) so the output does not depend on crate versions.
//!
//! Layout: one region (Almaty, KATO 750000000, three districts) up to 600 precincts; above
//! that one region per ~500 precincts (up to 20, each with its own KATO prefix; odd regions
//! write 4-digit precinct numbers with leading zeros). A region is a jittered grid of
//! precinct cells; districts are strips of columns; cells share bit-identical edges.
//!
//! Planted in each of the first five regions (see [`Planted`]; `CHECKS.md` semantics):
//!
//! | problem | expected findings |
//! | --- | --- |
//! | precinct with 3,200 residents listed there | `PRECINCT_OVER_CAP` |
//! | precinct with a hole (gap) holding 4 houses of 300 voters listed in it | `PRECINCT_OVER_CAP` (by list only), `ADDRESS_IN_NO_PRECINCT` ×4 |
//! | 2 voters of the gap houses with an empty precinct code | `VOTER_WITHOUT_PRECINCT` ×2 |
//! | precinct bulging ~15% of its area into the next district (neighbour ceded the area) | `PRECINCT_CROSSES_ADMIN_BOUNDARY` |
//! | precinct reaching into its neighbour (no address points in the overlap) | `PRECINCT_OVERLAP` (smaller number) |
//! | bow-tie twist in one ring, away from every address point | `INVALID_GEOMETRY` |
//! | 5 voters listed in the neighbouring precinct | `VOTER_IN_OTHER_PRECINCT` ×5 |
//! | 3 voters on renamed (Soviet-era) streets | `VOTER_ADDRESS_NOT_FOUND` ×3 |
//! | station standing in another precinct | `STATION_OUTSIDE_PRECINCT` |
//! | station of a number with no polygon and no voters (no coordinates) | `PRECINCT_MISSING_POLYGON`, `PRECINCT_MISSING_IN_VOTER_LIST` |
//! | polygon with voters and no station | `PRECINCT_MISSING_STATION` |
//! | two stations with one number | `DUPLICATE_PRECINCT_NO` |
//! | the only station marked eliminated, precinct still populated | `ELIMINATED_PRECINCT_IN_USE` |
//! | polygon outside every district, with a station, no voters | `PRECINCT_OUTSIDE_ADMIN`, `PRECINCT_MISSING_IN_VOTER_LIST` |
//! | voters.csv rows: date `31.02`, repeated code, empty code, 25 cells | rejects `birth_date`, `code`, `code`, `row` |
//! | addresses.csv row with longitude `н/д` | reject `lon` |
//!
//! Over-cap and missing/duplicate expectations are counted from the plan, not hard-coded.
//! The border lists ([`borders`]) and the register ([`sailau`]) add their own.

pub mod borders;
mod names;
mod plan;
mod rng;
pub mod sailau;
mod write;

pub use plan::CAP;

use crate::model::{Iin, IinSex, Kato, PrecinctNo, StationMark};
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
    /// Index into [`names::SPELLINGS`]: how else people write it.
    pub spelling: Option<u16>,
    /// A numbered microdistrict's name without its type (`Самал-2`).
    pub micro: Option<String>,
    /// Another street of the region has its name and another type ([`names::HOMONYM_GROUPS`]):
    /// written without its type, it is ambiguous.
    pub homonyms: bool,
}

/// How the voters of an address point write its street.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Written {
    /// As the address point does.
    #[default]
    AsPoint,
    /// Another spelling of the very street (index into its spellings).
    Same(u8),
    /// The name without its type word.
    Bare,
}

/// A house number: `12`, `12А`, `12/1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HouseNo {
    pub number: u32,
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
    /// The precinct its voters are listed in (= `precinct`, or the gap's neighbour).
    pub listed: Option<u32>,
    /// 1-based line in `addresses.csv` (header = line 1).
    pub line: u64,
    /// The voters living here: `first_voter .. first_voter + voter_count`.
    pub first_voter: u32,
    pub voter_count: u32,
    /// How its voters write the street.
    pub written: Written,
    /// How its voters write the city: 0 as the point does, `k` = [`names::LOCALITY_FORMS`]`[k - 1]`
    /// (for a village, [`names::VILLAGE_FORMS`]).
    pub locality_form: u8,
    /// In the region's village ([`names::VILLAGES`]: a name every district of the region
    /// has), not its city.
    pub village: bool,
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
    pub kind: BadRowKind,
    /// The record code written (voters), if any.
    pub record: Option<u64>,
    /// The identity index the row's personal data is built from (voters).
    pub identity: u64,
    /// The address the row is built from (an index into [`Town::addresses`]).
    pub address: u32,
}

/// What is wrong with a planted bad row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRowKind {
    /// Voter: birth date `31.02.yyyy`.
    MalformedDate,
    /// Voter: the record code of an earlier row.
    DuplicateCode,
    /// Voter: empty record code.
    MissingCode,
    /// Voter: 25 cells instead of 26.
    ShortRow,
    /// Address: the longitude is `н/д`.
    BadLongitude,
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
    /// Per region: its village as the address points write it (`с. Жанаталап`).
    pub villages: Vec<String>,
    /// The findings planted by this module (without the border lists').
    pub expected: Vec<Expected>,
    pub rejects: Vec<ExpectedReject>,
}

impl Town {
    /// Voter `i` (0-based, `i < voter_count`), rebuilt from the seed.
    pub fn voter(&self, i: usize) -> Voter {
        self.make_voter(i, self.voter_address_index(i))
    }

    /// The index of the address point voter `i` was generated at.
    pub fn voter_address_index(&self, i: usize) -> usize {
        self.addresses
            .partition_point(|a| (a.first_voter + a.voter_count) as usize <= i)
    }

    /// The region of voter `i`'s home address, without building the voter (cheap).
    pub fn voters_region_hint(&self, i: usize) -> Option<usize> {
        self.addresses
            .get(self.voter_address_index(i))
            .map(|a| a.region as usize)
    }

    /// Voter `i`, living at address `a` (callers walking addresses in order use this).
    pub(crate) fn make_voter(&self, i: usize, a: usize) -> Voter {
        let ad = &self.addresses[a];
        let id = identity(self.seed, i as u64);
        let j = i - ad.first_voter as usize;
        let apartment = if ad.voter_count >= 6 { 1 + j / 2 } else { 0 };
        let mut v = Voter {
            index: i,
            record: i as u64 + 1,
            iin: id.iin,
            surname: id.surname,
            name: id.name,
            middle_name: id.middle_name,
            birth_date: id.birth_date,
            sex: id.sex,
            ethnicity: id.ethnicity,
            address: VoterAddress::Point(a as u32),
            apartment: apartment.min(u16::MAX as usize) as u16,
            id_number: id.id_number,
            id_issued: id.id_issued,
            listed: ad.listed,
            changed_on: id.changed_on,
            added: id.added,
            line: i as u64 + 2,
        };
        if let Some(o) = self.planted.voters.get(&(i as u32)) {
            match o {
                VoterOverride::ListedIn(p) => v.listed = Some(*p),
                VoterOverride::NoPrecinct => v.listed = None,
                VoterOverride::Unknown { street, house } => {
                    v.address = VoterAddress::Unknown {
                        region: ad.region,
                        street: street.clone(),
                        house: house.clone(),
                    }
                }
            }
        }
        v
    }

    /// Every good voter in file order.
    pub fn voters(&self) -> impl Iterator<Item = Voter> + '_ {
        (0..self.voter_count).map(move |i| self.voter(i))
    }

    /// The locality of an address.
    pub fn locality(&self, a: &Address) -> &str {
        if a.village {
            &self.villages[a.region as usize]
        } else {
            &self.regions[a.region as usize].locality
        }
    }

    /// The street name of an address.
    pub fn street(&self, a: &Address) -> &str {
        &self.streets[a.street as usize].name
    }

    /// The street as the voters of an address write it.
    pub fn written_street(&self, a: &Address) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        let st = &self.streets[a.street as usize];
        let spelling = st.spelling.map(|k| &names::SPELLINGS[k as usize]);
        match (a.written, spelling, &st.micro) {
            (Written::Same(k), Some(sp), _) => Cow::Borrowed(sp.same[k as usize]),
            (Written::Bare, Some(sp), _) => Cow::Borrowed(sp.bare),
            (Written::Same(k), None, Some(m)) => Cow::Owned(
                names::MICRODISTRICT_FORMS[k as usize]
                    .replace("{U}", &m.to_uppercase())
                    .replace("{}", m),
            ),
            _ => Cow::Borrowed(&st.name),
        }
    }

    /// The city as the voters of an address write it.
    pub fn written_locality(&self, a: &Address) -> std::borrow::Cow<'_, str> {
        let l = self.locality(a);
        match (a.locality_form, a.village) {
            (0, _) => std::borrow::Cow::Borrowed(l),
            (k, true) => {
                let name = names::VILLAGES[a.region as usize % names::VILLAGES.len()];
                let form = names::VILLAGE_FORMS[k as usize % names::VILLAGE_FORMS.len()];
                std::borrow::Cow::Owned(form.replace("{}", name))
            }
            (k, false) => {
                std::borrow::Cow::Owned(names::LOCALITY_FORMS[k as usize - 1].replace("{}", l))
            }
        }
    }

    /// Whether the voters of an address write it so that it could be several streets (the
    /// bare name of a street whose name another street of the city bears with another type):
    /// a correct check places them nowhere and says so.
    pub fn written_ambiguously(&self, a: &Address) -> bool {
        a.written == Written::Bare && self.streets[a.street as usize].homonyms
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
///
/// Writes `admin.geojson`, `precincts.geojson`, `addresses.csv`, `voters.csv` (Appendix 1,
/// Russian headers, `;`, UTF-8 with BOM), `stations.csv` (Appendix 2), then the border lists
/// ([`borders::write`]) and the register ([`sailau::write`]), then `dataset.toml` and
/// `expected.json`. Every file is written atomically.
pub fn generate(dir: &Path, opts: &DemoOptions) -> Result<Town, DemoError> {
    let town = plan::plan(opts)?;
    std::fs::create_dir_all(dir).map_err(|e| write::err(dir, e))?;
    write::write_all(&town, dir)?;
    let mut findings = town.expected.clone();
    findings.extend(borders::write(&town, dir).map_err(|e| write::err(&dir.join("borders"), e))?);
    sailau::write(&town, dir).map_err(|e| write::err(&dir.join("sailau"), e))?;
    write::dataset_toml(&town, dir)?;
    findings.sort();
    let file = ExpectedFile {
        findings,
        rejects: town.rejects.clone(),
    };
    write::expected_json(dir, &file)?;
    Ok(town)
}

/// Days from 1930-01-01 to 2007-12-31 inclusive.
const N_DAYS: usize = 28_489;

/// How many people of each birth year there are, relative to the largest cohorts
/// (an ageing pyramid: few born in the 1930s, most in 1960–1999).
fn year_weight(year: i32) -> f64 {
    match year {
        ..=1939 => 0.12 + 0.02 * (year - 1930) as f64,
        1940..=1949 => 0.35 + 0.03 * (year - 1940) as f64,
        1950..=1959 => 0.7 + 0.03 * (year - 1950) as f64,
        1960..=1999 => 1.0,
        2000.. => 0.9,
    }
}

/// The birth-date table: identities `prefix[d] .. prefix[d + 1]` are born on day `d` and
/// get serials `0 ..` (at most 1000 per day), so every identity has its own IIN.
struct Births {
    prefix: Vec<u64>,
    /// A prime that does not divide the total: `k -> k * mul mod total` is a permutation.
    mul: u64,
}

impl Births {
    fn get() -> &'static Births {
        static B: std::sync::OnceLock<Births> = std::sync::OnceLock::new();
        B.get_or_init(|| {
            use chrono::Datelike;
            let epoch = NaiveDate::from_ymd_opt(1930, 1, 1).expect("valid date");
            let mut prefix = Vec::with_capacity(N_DAYS + 1);
            let mut at = 0u64;
            for d in 0..N_DAYS {
                prefix.push(at);
                let y = (epoch + chrono::Days::new(d as u64)).year();
                at += (1000.0 * year_weight(y)).round() as u64;
            }
            prefix.push(at);
            let mul = [1_000_003u64, 1_000_033, 1_000_037, 1_000_039]
                .into_iter()
                .find(|p| !at.is_multiple_of(*p))
                .expect("a total is not divisible by four primes");
            Births { prefix, mul }
        })
    }

    fn total(&self) -> u64 {
        self.prefix[N_DAYS]
    }

    /// (day since 1930-01-01, serial < 1000) of identity `idx`.
    fn of(&self, seed: u64, idx: u64) -> (u64, u64) {
        let t = self.total();
        let k = ((idx % t) as u128 * self.mul as u128 + (rng::mix(seed) % t) as u128) % t as u128;
        let k = k as u64;
        let day = self.prefix.partition_point(|&p| p <= k) - 1;
        (day as u64, k - self.prefix[day])
    }
}

/// How many identities (voters and planted rows) have distinct IINs.
pub(crate) fn identity_capacity() -> u64 {
    Births::get().total()
}

/// The personal data of identity `idx`: every index below [`identity_capacity`] gets a
/// distinct IIN (a distinct (birth date, serial) pair by construction).
pub(crate) struct Identity {
    pub iin: [u8; 12],
    pub surname: &'static str,
    pub name: &'static str,
    pub middle_name: &'static str,
    pub birth_date: NaiveDate,
    pub sex: IinSex,
    pub ethnicity: &'static str,
    pub id_number: u32,
    pub id_issued: NaiveDate,
    pub changed_on: Option<NaiveDate>,
    pub added: bool,
}

pub(crate) fn identity(seed: u64, idx: u64) -> Identity {
    use chrono::Datelike;
    let (day, serial) = Births::get().of(seed, idx);
    let epoch = NaiveDate::from_ymd_opt(1930, 1, 1).expect("valid date");
    let birth_date = epoch + chrono::Days::new(day);
    let mut r = rng::Rng::keyed(seed, &[21, idx]);
    let male = r.chance(0.5);
    let sex = if male { IinSex::Male } else { IinSex::Female };
    let p = names::pools();
    let sx =
        |pair: &'static (String, String)| -> &'static str { if male { &pair.0 } else { &pair.1 } };
    let people = r.f64();
    let (surname, name, middle_name, ethnicity): (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) = if people < 0.68 {
        let name = if male {
            *r.pick(names::KZ_MALE)
        } else {
            *r.pick(names::KZ_FEMALE)
        };
        let x = r.f64();
        let middle = if x < 0.78 {
            sx(r.pick(&p.kz_patronymics))
        } else if x < 0.95 {
            sx(r.pick(&p.kz_ru_patronymics))
        } else {
            ""
        };
        (sx(r.pick(&p.kz_surnames)), name, middle, "казах")
    } else if people < 0.88 {
        let name = if male {
            *r.pick(names::RU_MALE)
        } else {
            *r.pick(names::RU_FEMALE)
        };
        let (pm, pf) = *r.pick(names::RU_PATRONYMICS);
        let middle = if male { pm } else { pf };
        (sx(r.pick(&p.ru_surnames)), name, middle, "русский")
    } else if people < 0.94 {
        let name = if male {
            *r.pick(names::RU_MALE)
        } else {
            *r.pick(names::RU_FEMALE)
        };
        let (pm, pf) = *r.pick(names::RU_PATRONYMICS);
        let middle = if male { pm } else { pf };
        let (s, e) = *r.pick(names::FIXED_SURNAMES);
        (s, name, middle, e)
    } else {
        let name = if male {
            *r.pick(names::KZ_MALE)
        } else {
            *r.pick(names::KZ_FEMALE)
        };
        let o = r.pick(&p.other_surnames);
        let middle = sx(r.pick(&p.kz_ru_patronymics));
        (if male { &o.0 } else { &o.1 }, name, middle, o.2)
    };
    let iin = make_iin(birth_date, male, serial);
    let id_number = r.below(100_000_000) as u32;
    let sixteen =
        NaiveDate::from_ymd_opt(birth_date.year() + 16, birth_date.month(), 1).expect("valid date");
    let from = sixteen.max(NaiveDate::from_ymd_opt(2015, 1, 1).expect("valid date"));
    let to = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date");
    let span = (to - from).num_days().max(1) as u64;
    let id_issued = from + chrono::Days::new(r.below(span));
    let changed_on = r.chance(0.03).then(|| {
        NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date") + chrono::Days::new(r.below(365))
    });
    let added = r.chance(0.01);
    Identity {
        iin,
        surname,
        name,
        middle_name,
        birth_date,
        sex,
        ethnicity,
        id_number,
        id_issued,
        changed_on,
        added,
    }
}

/// An IIN for a birth date, sex and serial (< 1000): the serial's thousands digit is
/// raised until the number has a check digit (one of the first two always does).
fn make_iin(d: NaiveDate, male: bool, serial: u64) -> [u8; 12] {
    use chrono::Datelike;
    let y = d.year();
    let century = match (y >= 2000, male) {
        (false, true) => 3,
        (false, false) => 4,
        (true, true) => 5,
        (true, false) => 6,
    };
    let yy = (y % 100) as u8;
    let (mo, da) = (d.month() as u8, d.day() as u8);
    for j in 0..10u64 {
        let s = serial + 1000 * j;
        let digits: [u8; 11] = [
            yy / 10,
            yy % 10,
            mo / 10,
            mo % 10,
            da / 10,
            da % 10,
            century,
            (s / 1000 % 10) as u8,
            (s / 100 % 10) as u8,
            (s / 10 % 10) as u8,
            (s % 10) as u8,
        ];
        if let Some(k) = Iin::check_digit(&digits) {
            let mut out = [0u8; 12];
            for (o, x) in out.iter_mut().zip(digits.iter().chain(std::iter::once(&k))) {
                *o = b'0' + x;
            }
            return out;
        }
    }
    unreachable!("changing the 8th digit changes the first weighted sum, so one of two works")
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Contains;
    use std::collections::{BTreeSet, HashSet};

    fn small() -> DemoOptions {
        DemoOptions {
            voters: 15_000,
            precincts: 30,
            addresses: Some(3_000),
            seed: 7,
        }
    }

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_same_seed_gives_identical_bytes_and_another_seed_does_not() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        generate(a.path(), &small()).unwrap();
        generate(b.path(), &small()).unwrap();
        generate(c.path(), &DemoOptions { seed: 8, ..small() }).unwrap();
        let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
        let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "admin.geojson",
            "precincts.geojson",
            "addresses.csv",
            "voters.csv",
            "stations.csv",
            "dataset.toml",
            "expected.json",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert_eq!(fa, fb);
        let voters =
            |f: &[(String, Vec<u8>)]| f.iter().find(|(n, _)| n == "voters.csv").unwrap().1.clone();
        assert_ne!(voters(&fa), voters(&fc));
    }

    #[test]
    fn every_iin_is_valid_unique_and_agrees_with_birth_date_and_sex() {
        let town = plan::plan(&small()).unwrap();
        let mut seen = HashSet::new();
        for v in town.voters() {
            // The model's parser is the independent verifier of the check digit.
            let iin: Iin = v.iin_str().parse().expect("a valid IIN");
            assert_eq!(iin.birth_date(), Some(v.birth_date), "record {}", v.record);
            assert_eq!(iin.sex(), Some(v.sex), "record {}", v.record);
            assert!(
                seen.insert(iin.as_u64()),
                "IIN repeats at record {}",
                v.record
            );
            assert!((1930..=2007).contains(&chrono::Datelike::year(&v.birth_date)));
        }
        assert_eq!(seen.len(), 15_000);
    }

    #[test]
    fn only_the_planted_precincts_exceed_the_cap() {
        let town = plan::plan(&small()).unwrap();
        let n = town.precincts.len();
        let (mut by_poly, mut by_list) = (vec![0u32; n], vec![0u32; n]);
        for v in town.voters() {
            if let VoterAddress::Point(a) = v.address
                && let Some(p) = town.addresses[a as usize].precinct
            {
                by_poly[p as usize] += 1;
            }
            if let Some(p) = v.listed {
                by_list[p as usize] += 1;
            }
        }
        let over: BTreeSet<&str> = (0..n)
            .filter(|&i| by_poly[i] > CAP || by_list[i] > CAP)
            .map(|i| town.precincts[i].no.as_str())
            .collect();
        let planted: BTreeSet<&str> = town.planted.over_cap.iter().map(|p| p.as_str()).collect();
        assert_eq!(over, planted);
        assert_eq!(planted.len(), 2);
    }

    #[test]
    fn every_address_point_lies_in_exactly_its_own_precinct_or_in_the_gap() {
        let town = plan::plan(&small()).unwrap();
        let gap: HashSet<u32> = town
            .planted
            .gap
            .iter()
            .flat_map(|(_, a)| a.clone())
            .collect();
        for (i, a) in town.addresses.iter().enumerate() {
            let inside: Vec<usize> = town
                .precincts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.polygon.contains(&geo::Point::from(a.coord)))
                .map(|(k, _)| k)
                .collect();
            match a.precinct {
                Some(p) => assert_eq!(inside, vec![p as usize], "address line {}", a.line),
                None => {
                    assert!(inside.is_empty(), "gap address line {}", a.line);
                    assert!(gap.contains(&(i as u32)));
                }
            }
            let districts = town
                .districts
                .iter()
                .filter(|d| d.polygon.contains(&geo::Point::from(a.coord)))
                .count();
            assert_eq!(districts, 1, "address line {} in one district", a.line);
        }
    }

    #[test]
    fn stations_stand_in_their_precinct_unless_planted_outside() {
        let town = plan::plan(&small()).unwrap();
        let outside: HashSet<&PrecinctNo> = town.planted.station_outside.iter().collect();
        for s in &town.stations {
            let Some(c) = s.coord else { continue };
            let own = town.precincts.iter().find(|p| p.no == s.precinct).unwrap();
            assert_eq!(
                own.polygon.contains(&geo::Point::from(c)),
                !outside.contains(&s.precinct),
                "station of {}",
                s.precinct
            );
        }
    }

    #[test]
    fn every_kind_of_problem_is_planted_and_expected() {
        let town = plan::plan(&small()).unwrap();
        let codes: BTreeSet<&str> = town.expected.iter().map(|e| e.code.as_str()).collect();
        for c in [
            "PRECINCT_OVER_CAP",
            "PRECINCT_CROSSES_ADMIN_BOUNDARY",
            "PRECINCT_OUTSIDE_ADMIN",
            "PRECINCT_OVERLAP",
            "ADDRESS_IN_NO_PRECINCT",
            "INVALID_GEOMETRY",
            "VOTER_IN_OTHER_PRECINCT",
            "VOTER_ADDRESS_NOT_FOUND",
            "VOTER_WITHOUT_PRECINCT",
            "STATION_OUTSIDE_PRECINCT",
            "PRECINCT_MISSING_POLYGON",
            "PRECINCT_MISSING_STATION",
            "PRECINCT_MISSING_IN_VOTER_LIST",
            "ELIMINATED_PRECINCT_IN_USE",
            "DUPLICATE_PRECINCT_NO",
        ] {
            assert!(codes.contains(c), "{c} not planted");
        }
        let fields: BTreeSet<(&str, &str)> = town
            .rejects
            .iter()
            .map(|r| (r.file.as_str(), r.field.as_str()))
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from([
                ("addresses.csv", "lon"),
                ("voters.csv", "birth_date"),
                ("voters.csv", "code"),
                ("voters.csv", "row"),
            ])
        );
    }

    #[test]
    fn no_two_address_points_share_an_address_and_streets_of_one_name_differ_by_type() {
        let town = plan::plan(&small()).unwrap();
        // Distinct as written: (locality, street, house, building) of the plan.
        let mut seen = HashSet::new();
        for a in &town.addresses {
            let key = (
                town.locality(a).to_string(),
                town.street(a).to_string(),
                a.house.to_string(),
                Town::building(a),
            );
            assert!(
                seen.insert(key),
                "address line {} repeats an earlier one",
                a.line
            );
        }
        let houses: HashSet<String> = town.addresses.iter().map(|a| a.house.to_string()).collect();
        assert!(houses.iter().any(|h| h.contains('/')) && houses.iter().any(|h| h.ends_with('А')));
        assert!(town.addresses.iter().any(|a| a.building > 1));
        // Every homonym group is in the town, each street with houses.
        let streets: HashSet<&str> = town.addresses.iter().map(|a| town.street(a)).collect();
        for g in names::HOMONYM_GROUPS {
            for s in *g {
                assert!(streets.contains(s), "{s}");
            }
        }
    }

    #[test]
    fn a_village_of_one_name_lies_in_several_districts() {
        let town = plan::plan(&DemoOptions {
            voters: 60_000,
            precincts: 120,
            addresses: None,
            seed: 3,
        })
        .unwrap();
        let mut districts: HashSet<usize> = HashSet::new();
        for a in town.addresses.iter().filter(|a| a.village) {
            assert_eq!(town.locality(a), "с. Жанаталап", "region 0's village");
            let p = &town.precincts[a.precinct.unwrap() as usize];
            districts.insert(p.district.unwrap());
        }
        assert!(districts.len() >= 3, "{districts:?}");
    }

    #[test]
    fn voters_write_streets_and_cities_as_people_do_and_some_ambiguously() {
        let town = plan::plan(&small()).unwrap();
        let mut kinds: [usize; 3] = [0; 3];
        let mut ambiguous = 0;
        let mut kazakh_city = 0;
        for a in &town.addresses {
            kinds[match a.written {
                Written::AsPoint => 0,
                Written::Same(_) => 1,
                Written::Bare => 2,
            }] += 1;
            if town.written_ambiguously(a) {
                ambiguous += 1;
                let st = &town.streets[a.street as usize];
                let bare = names::SPELLINGS[st.spelling.unwrap() as usize].bare;
                assert_eq!(town.written_street(a), bare);
                assert!(st.homonyms);
            }
            if town.written_locality(a).ends_with(" қ.") {
                kazakh_city += 1;
            }
        }
        assert!(kinds.iter().all(|&k| k > 0), "{kinds:?}");
        assert!(
            ambiguous > 0 && kazakh_city > 0,
            "{ambiguous} {kazakh_city}"
        );
        // The expected findings name every voter of those addresses.
        let want: usize = town
            .addresses
            .iter()
            .filter(|a| town.written_ambiguously(a))
            .map(|a| a.voter_count as usize)
            .sum();
        let got = town
            .expected
            .iter()
            .filter(|e| e.code == "VOTER_ADDRESS_AMBIGUOUS")
            .count();
        assert_eq!(got, want);
        // Written forms of a numbered microdistrict (the national demo's), by hand.
        let mut town = town;
        town.streets.push(Street {
            name: "мкр. Самал-1".into(),
            region: 0,
            spelling: None,
            micro: Some("Самал-1".into()),
            homonyms: false,
        });
        let mut a = town.addresses[0].clone();
        a.street = town.streets.len() as u32 - 1;
        let forms: Vec<String> = (0..names::MICRODISTRICT_FORMS.len() as u8)
            .map(|k| {
                a.written = Written::Same(k);
                town.written_street(&a).into_owned()
            })
            .collect();
        assert_eq!(
            forms,
            [
                "Самал-1",
                "мкр-н Самал-1",
                "САМАЛ-1",
                "Самал-1 ш/а",
                "Самал-1 шағын ауданы"
            ]
        );
    }

    #[test]
    fn plans_of_many_sizes_keep_the_voter_total_and_plant_in_up_to_five_regions() {
        for (voters, precincts, regions) in [
            (12_000, 10, 1),
            (60_000, 40, 1),
            (250_000, 600, 1),
            (400_000, 601, 2),
            (900_000, 1_800, 3),
        ] {
            let town = plan::plan(&DemoOptions {
                voters,
                precincts,
                addresses: None,
                seed: 3,
            })
            .unwrap();
            assert_eq!(town.voter_count, voters);
            assert_eq!(town.regions.len(), regions, "{precincts} precincts");
            assert_eq!(town.planted.crossing.len(), regions.min(5));
            let over: BTreeSet<&str> = town
                .expected
                .iter()
                .filter(|e| e.code == "PRECINCT_OVER_CAP")
                .filter_map(|e| e.precinct.as_deref())
                .collect();
            let planted: BTreeSet<&str> =
                town.planted.over_cap.iter().map(|p| p.as_str()).collect();
            assert_eq!(over, planted, "{voters} voters, {precincts} precincts");
            let numbers: HashSet<&str> = town.precincts.iter().map(|p| p.no.as_str()).collect();
            assert_eq!(
                numbers.len(),
                town.precincts.len(),
                "polygon numbers are unique"
            );
        }
        assert!(matches!(
            plan::plan(&DemoOptions {
                voters: 5_000,
                ..small()
            }),
            Err(DemoError::Options(_))
        ));
    }

    #[test]
    fn precinct_polygons_are_valid_except_the_planted_twist() {
        use geo::Validation;
        let town = plan::plan(&small()).unwrap();
        let invalid: HashSet<&PrecinctNo> = town.planted.invalid.iter().collect();
        for p in &town.precincts {
            assert_eq!(
                p.polygon.is_valid(),
                !invalid.contains(&p.no),
                "precinct {}",
                p.no
            );
        }
        for d in &town.districts {
            assert!(d.polygon.is_valid(), "district {}", d.kato);
        }
    }
}
