//! Reconciliation of an akimat's voter list (the submission, Appendix 1) with the AIS
//! "Sailau" register extract and the reference lists: the nine categories of paragraph 9 of
//! the CEC rules, each record with its explanation.
//!
//! # Matching
//! 1. **By IIN.** A submission record whose IIN is usable (12 digits, valid check digit)
//!    pairs with the register record of the same IIN (the first, if the register repeats it).
//! 2. **By name and date of birth.** A record left unpaired pairs with a register record of
//!    the same date of birth whose folded surname stem, folded name and (when both have one)
//!    folded middle name reach the Jaro-Winkler thresholds ([`Thresholds`]). Candidates are
//!    blocked on (date of birth, first letter of the folded surname stem). A record with a
//!    usable IIN considers only register records nobody paired by IIN (a usable IIN already
//!    taken is another person); a record without one considers every register record. The
//!    best candidate wins; two different candidates with the same best score leave the
//!    record unpaired (ambiguous).
//!
//! # Same voter (categories 3 and 4)
//! Two submission records are the same voter when they pair with the same register record,
//! or (unpaired) share a usable IIN, or (unpaired) share the folded name key (surname stem,
//! name, middle name) and date of birth without carrying two different usable IINs. Two
//! records with different usable IINs are never the same voter.
//!
//! # Other region (category 5)
//! See [`oblast_of`]: the register record's oblast field (`register_other_region`) and the
//! submission record's own oblast field (`listed_other_region`) are each compared with the
//! oblast prefix of the submitting body's KATO (`--region`).
//!
//! # Under 18 (category 9)
//! The date of birth of the submission record (or, when empty, the IIN's) plus 18 years is
//! after the reference date (a 29 February birthday counts as 28 February).

mod fold;
mod output;
mod refs;
mod region;

pub use fold::{
    NameComparison, SpellingRule, compare_names, fold, fold_into, fold_surname, fold_surname_into,
    literal_eq, similarity,
};
pub use output::{ActEntry, OutputSummary, XLSX_MAX_ROWS, write_outputs};
pub use refs::{
    DocumentRow, Documents, RefCheck, RefHit, RefKind, RefList, RefSource, References, blurred_key,
    checks_by_name, days, dob_days, doc_key, name_key, read_references, read_references_ignoring,
    recognise, status_is_valid,
};
pub use region::{oblast_of, region_code};

use crate::io::IoError;
use crate::model::{Iin, IinSex, Kato, VoterField, VoterRow, VoterTable};
use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Why the reconciliation could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("{0}")]
    Input(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The nine categories of paragraph 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Category {
    Identification = 1,
    Document = 2,
    TwiceInPrecinct = 3,
    SeveralPrecincts = 4,
    OtherRegion = 5,
    NoRegistration = 6,
    Emigrated = 7,
    NonCitizen = 8,
    NoSuffrage = 9,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Identification,
        Category::Document,
        Category::TwiceInPrecinct,
        Category::SeveralPrecincts,
        Category::OtherRegion,
        Category::NoRegistration,
        Category::Emigrated,
        Category::NonCitizen,
        Category::NoSuffrage,
    ];

    /// 1 ..= 9.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The file stem of the category's CSV (`cat1_identification`, ...).
    pub fn file_stem(self) -> &'static str {
        match self {
            Category::Identification => "cat1_identification",
            Category::Document => "cat2_documents",
            Category::TwiceInPrecinct => "cat3_twice_in_precinct",
            Category::SeveralPrecincts => "cat4_several_precincts",
            Category::OtherRegion => "cat5_other_region",
            Category::NoRegistration => "cat6_no_registration",
            Category::Emigrated => "cat7_emigrated",
            Category::NonCitizen => "cat8_non_citizens",
            Category::NoSuffrage => "cat9_no_suffrage",
        }
    }

    /// The title in Kazakh, Russian and English.
    pub fn title(self) -> [&'static str; 3] {
        match self {
            Category::Identification => [
                "Сайлаушының сәйкестендіру деректері дұрыс емес",
                "Некорректные идентификационные данные избирателя",
                "Incorrect identification data",
            ],
            Category::Document => [
                "Құжаттар өзекті емес",
                "Неактуальные документы",
                "Irrelevant identity documents",
            ],
            Category::TwiceInPrecinct => [
                "Бір учаскенің тізіміне қайта енгізу",
                "Повторное включение в список одного участка",
                "Twice in one precinct's list",
            ],
            Category::SeveralPrecincts => [
                "Бірнеше учаскенің тізіміне енгізу",
                "Включение в списки нескольких участков",
                "In the lists of several precincts",
            ],
            Category::OtherRegion => [
                "Басқа өңірлерде тіркелген азаматтар",
                "Граждане, зарегистрированные в других регионах",
                "Registered in another region",
            ],
            Category::NoRegistration => [
                "Мекенжайы бойынша тіркеуі жоқ азаматтар",
                "Граждане без регистрации по адресу (сняты с учёта)",
                "No address registration",
            ],
            Category::Emigrated => [
                "Тұрақты тұруға кеткен азаматтар",
                "Выехавшие на ПМЖ за пределы Республики Казахстан",
                "Left Kazakhstan for permanent residence",
            ],
            Category::NonCitizen => [
                "ҚР азаматы емес адамдар",
                "Лица, не являющиеся гражданами РК",
                "Not citizens of Kazakhstan",
            ],
            Category::NoSuffrage => [
                "Белсенді сайлау құқығы жоқ азаматтар",
                "Граждане без активного избирательного права",
                "No active suffrage",
            ],
        }
    }
}

/// Severity of a discrepancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Warning,
}

/// The subcategories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Sub {
    /// The IIN is empty or not 12 digits.
    IinFormat,
    /// 12 digits with a wrong check digit.
    IinCheckDigit,
    /// The IIN's date digits disagree with the date of birth (legal since 2013: warning).
    IinBirthDate,
    /// The IIN's century/sex digit disagrees with the gender (warning).
    IinSex,
    /// A usable IIN that differs from the IIN of the register record paired by name.
    IinDiffers,
    Surname,
    Name,
    MiddleName,
    BirthDate,
    DocumentMissing,
    DocumentInvalid,
    DocumentExpired,
    TwiceByIin,
    TwiceByNameDob,
    SeveralByIin,
    SeveralByNameDob,
    RegisterOtherRegion,
    ListedOtherRegion,
    Deregistered,
    NoAddress,
    Emigrated,
    NonCitizen,
    Under18,
    Incapable,
    Confined,
    Deceased,
    LostCitizenship,
}

impl Sub {
    pub const ALL: [Sub; 27] = [
        Sub::IinFormat,
        Sub::IinCheckDigit,
        Sub::IinBirthDate,
        Sub::IinSex,
        Sub::IinDiffers,
        Sub::Surname,
        Sub::Name,
        Sub::MiddleName,
        Sub::BirthDate,
        Sub::DocumentMissing,
        Sub::DocumentInvalid,
        Sub::DocumentExpired,
        Sub::TwiceByIin,
        Sub::TwiceByNameDob,
        Sub::SeveralByIin,
        Sub::SeveralByNameDob,
        Sub::RegisterOtherRegion,
        Sub::ListedOtherRegion,
        Sub::Deregistered,
        Sub::NoAddress,
        Sub::Emigrated,
        Sub::NonCitizen,
        Sub::Under18,
        Sub::Incapable,
        Sub::Confined,
        Sub::Deceased,
        Sub::LostCitizenship,
    ];

    pub fn category(self) -> Category {
        match self {
            Sub::IinFormat
            | Sub::IinCheckDigit
            | Sub::IinBirthDate
            | Sub::IinSex
            | Sub::IinDiffers
            | Sub::Surname
            | Sub::Name
            | Sub::MiddleName
            | Sub::BirthDate => Category::Identification,
            Sub::DocumentMissing | Sub::DocumentInvalid | Sub::DocumentExpired => {
                Category::Document
            }
            Sub::TwiceByIin | Sub::TwiceByNameDob => Category::TwiceInPrecinct,
            Sub::SeveralByIin | Sub::SeveralByNameDob => Category::SeveralPrecincts,
            Sub::RegisterOtherRegion | Sub::ListedOtherRegion => Category::OtherRegion,
            Sub::Deregistered | Sub::NoAddress => Category::NoRegistration,
            Sub::Emigrated => Category::Emigrated,
            Sub::NonCitizen => Category::NonCitizen,
            Sub::Under18
            | Sub::Incapable
            | Sub::Confined
            | Sub::Deceased
            | Sub::LostCitizenship => Category::NoSuffrage,
        }
    }

    /// The machine key written in the subcategory column and in the statistics.
    pub fn key(self) -> &'static str {
        match self {
            Sub::IinFormat => "iin_format",
            Sub::IinCheckDigit => "iin_check_digit",
            Sub::IinBirthDate => "iin_birth_date",
            Sub::IinSex => "iin_sex",
            Sub::IinDiffers => "iin_differs",
            Sub::Surname => "surname",
            Sub::Name => "name",
            Sub::MiddleName => "middle_name",
            Sub::BirthDate => "birth_date",
            Sub::DocumentMissing => "missing",
            Sub::DocumentInvalid => "invalid",
            Sub::DocumentExpired => "expired",
            Sub::TwiceByIin | Sub::SeveralByIin => "by_iin",
            Sub::TwiceByNameDob | Sub::SeveralByNameDob => "by_name_dob",
            Sub::RegisterOtherRegion => "register_other_region",
            Sub::ListedOtherRegion => "listed_other_region",
            Sub::Deregistered => "deregistered",
            Sub::NoAddress => "no_address",
            Sub::Emigrated => "emigrated",
            Sub::NonCitizen => "non_citizen",
            Sub::Under18 => "under_18",
            Sub::Incapable => "incapable",
            Sub::Confined => "confined",
            Sub::Deceased => "deceased",
            Sub::LostCitizenship => "lost_citizenship",
        }
    }

    pub fn level(self) -> Level {
        match self {
            Sub::IinBirthDate | Sub::IinSex => Level::Warning,
            Sub::IinFormat
            | Sub::IinCheckDigit
            | Sub::IinDiffers
            | Sub::Surname
            | Sub::Name
            | Sub::MiddleName
            | Sub::BirthDate
            | Sub::DocumentMissing
            | Sub::DocumentInvalid
            | Sub::DocumentExpired
            | Sub::TwiceByIin
            | Sub::TwiceByNameDob
            | Sub::SeveralByIin
            | Sub::SeveralByNameDob
            | Sub::RegisterOtherRegion
            | Sub::ListedOtherRegion
            | Sub::Deregistered
            | Sub::NoAddress
            | Sub::Emigrated
            | Sub::NonCitizen
            | Sub::Under18
            | Sub::Incapable
            | Sub::Confined
            | Sub::Deceased
            | Sub::LostCitizenship => Level::Error,
        }
    }

    /// The reference list behind a subcategory, if any.
    pub fn ref_kind(self) -> Option<RefKind> {
        match self {
            Sub::Deregistered => Some(RefKind::Deregistered),
            Sub::Emigrated => Some(RefKind::Emigrated),
            Sub::NonCitizen => Some(RefKind::NonCitizens),
            Sub::Incapable => Some(RefKind::Incapable),
            Sub::Confined => Some(RefKind::Confined),
            Sub::Deceased => Some(RefKind::Deceased),
            Sub::LostCitizenship => Some(RefKind::LostCitizenship),
            Sub::IinFormat
            | Sub::IinCheckDigit
            | Sub::IinBirthDate
            | Sub::IinSex
            | Sub::IinDiffers
            | Sub::Surname
            | Sub::Name
            | Sub::MiddleName
            | Sub::BirthDate
            | Sub::DocumentMissing
            | Sub::DocumentInvalid
            | Sub::DocumentExpired
            | Sub::TwiceByIin
            | Sub::TwiceByNameDob
            | Sub::SeveralByIin
            | Sub::SeveralByNameDob
            | Sub::RegisterOtherRegion
            | Sub::ListedOtherRegion
            | Sub::NoAddress
            | Sub::Under18 => None,
        }
    }

    fn for_ref(k: RefKind) -> Sub {
        match k {
            RefKind::Deregistered => Sub::Deregistered,
            RefKind::Emigrated => Sub::Emigrated,
            RefKind::NonCitizens => Sub::NonCitizen,
            RefKind::Incapable => Sub::Incapable,
            RefKind::Confined => Sub::Confined,
            RefKind::Deceased => Sub::Deceased,
            RefKind::LostCitizenship => Sub::LostCitizenship,
        }
    }
}

/// What supports a discrepancy (the values themselves are read from the tables when the
/// outputs are written, so nothing personal is copied here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// The record alone (format, missing field, age).
    Record,
    /// A field compared with the paired register record; for names, `score` is the
    /// Jaro-Winkler similarity of the folded values and `typo` says whether they are one
    /// edit apart once folded ([`compare_names`]).
    Field {
        field: VoterField,
        score: Option<f32>,
        typo: bool,
    },
    /// A row of a reference list.
    Reference { list: RefKind, hit: RefHit },
    /// A row of the documents list.
    Document { line: u64 },
    /// A group of records of the same voter (index into [`Reconciliation::groups`]).
    Group { group: u32 },
}

/// One record in one subcategory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discrepancy {
    pub sub: Sub,
    /// Index into the submission table.
    pub record: u32,
    pub evidence: Evidence,
}

/// A name field of a paired record written otherwise than in the register, in a spelling
/// [`compare_names`] explains (informational: `spelling_variants.csv`, not category 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpellingVariant {
    /// Index into the submission table.
    pub record: u32,
    pub field: VoterField,
    pub rule: SpellingRule,
}

/// How a pairing by name and date of birth scored.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NameMatch {
    pub surname: f32,
    pub name: f32,
    /// `None` when either middle name is empty (not compared).
    pub middle: Option<f32>,
    /// Register records in the block (same date of birth and first letter).
    pub candidates: u32,
}

/// The thresholds of the name pairing (Jaro-Winkler of folded forms, 0..1).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Thresholds {
    pub surname: f64,
    pub name: f64,
    pub middle: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            surname: 0.92,
            name: 0.92,
            middle: 0.88,
        }
    }
}

/// What a run needs besides the files.
#[derive(Debug, Clone)]
pub struct Options {
    /// Election day or submission date.
    pub date: NaiveDate,
    /// The submitting body's region.
    pub region: Kato,
    pub thresholds: Thresholds,
}

/// No pairing.
pub const NONE: u32 = u32::MAX;

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// Per submission record, the paired register record or [`NONE`].
    pub pair: Vec<u32>,
    /// Pairings made by name and date of birth (submission index → scores).
    pub name_matches: FxHashMap<u32, NameMatch>,
    /// Sorted by category, record, subcategory.
    pub discrepancies: Vec<Discrepancy>,
    /// Name fields that differ from the register only in spelling (by record, field).
    pub spelling_variants: Vec<SpellingVariant>,
    /// Groups of records of the same voter (submission indices, file order).
    pub groups: Vec<Vec<u32>>,
    /// Submission records with no register record.
    pub submission_only: Vec<u32>,
    /// Register records no submission record paired with.
    pub register_only: Vec<u32>,
    /// Submission records whose name pairing was ambiguous (two equal best candidates).
    pub ambiguous: Vec<u32>,
    /// Checks skipped for want of a reference list (file stems).
    pub skipped: Vec<&'static str>,
    pub options: Options,
}

/// The state of a record's IIN: a usable value or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IinState {
    Valid(u64),
    Format,
    CheckDigit,
}

const BAD_FORMAT: u64 = u64::MAX;
const BAD_CHECK: u64 = u64::MAX - 1;

fn iin_code(s: &str) -> u64 {
    match s.parse::<Iin>() {
        Ok(i) => i.as_u64(),
        Err(crate::model::IinError::Format) => BAD_FORMAT,
        Err(crate::model::IinError::CheckDigit) => BAD_CHECK,
    }
}

fn state(code: u64) -> IinState {
    match code {
        BAD_FORMAT => IinState::Format,
        BAD_CHECK => IinState::CheckDigit,
        v => IinState::Valid(v),
    }
}

fn valid(code: u64) -> Option<u64> {
    (code < BAD_CHECK).then_some(code)
}

/// The sex a gender field gives (`М`/`Ж`, `Е`/`Ә`, `M`/`F`, `1`/`2`, words in ru/kk/en).
pub fn gender(s: &str) -> Option<IinSex> {
    let c = s.trim().chars().next()?.to_lowercase().next()?;
    match c {
        'м' | 'm' | 'е' | '1' => Some(IinSex::Male),
        'ж' | 'f' | 'w' | 'ә' | '2' => Some(IinSex::Female),
        _ => None,
    }
}

/// The birth date and sex encoded in a usable IIN's digits (as a number).
fn iin_parts(v: u64) -> (Option<NaiveDate>, Option<IinSex>) {
    let at = |pow: u32, width: u64| (v / 10u64.pow(pow)) % width;
    let (yy, mm, dd, c) = (at(10, 100), at(8, 100), at(6, 100), at(5, 10));
    let century = match c {
        1 | 2 => 1800,
        3 | 4 => 1900,
        5 | 6 => 2000,
        _ => return (None, None),
    };
    let sex = if c % 2 == 1 {
        IinSex::Male
    } else {
        IinSex::Female
    };
    (
        NaiveDate::from_ymd_opt(century + yy as i32, mm as u32, dd as u32),
        Some(sex),
    )
}

/// Whether a person born on `dob` is under 18 on `date`.
pub fn under_18(dob: NaiveDate, date: NaiveDate) -> bool {
    match dob.checked_add_months(chrono::Months::new(12 * 18)) {
        Some(adult) => adult > date,
        None => false,
    }
}

/// Folded forms of one record for the name pairing.
struct Folded {
    dob: i32,
    first: char,
    surname: String,
    name: String,
    middle: String,
}

fn folded(r: &VoterRow<'_>) -> Option<Folded> {
    let dob = dob_days(r.field(VoterField::BirthDate))?;
    let mut surname = String::new();
    fold_surname_into(r.field(VoterField::Surname), &mut surname);
    let name = fold(r.field(VoterField::Name));
    if surname.is_empty() || name.is_empty() {
        return None;
    }
    Some(Folded {
        dob,
        first: surname.chars().next().unwrap_or('\0'),
        surname,
        name,
        middle: fold(r.field(VoterField::MiddleName)),
    })
}

/// Scores a pair; `None` when a threshold is not reached.
fn score(a: &Folded, b: &Folded, t: &Thresholds) -> Option<(f64, NameMatch)> {
    let s = similarity(&a.surname, &b.surname);
    if s < t.surname {
        return None;
    }
    let n = similarity(&a.name, &b.name);
    if n < t.name {
        return None;
    }
    let m = if a.middle.is_empty() || b.middle.is_empty() {
        None
    } else {
        let m = similarity(&a.middle, &b.middle);
        if m < t.middle {
            return None;
        }
        Some(m)
    };
    let total = (s + n + m.unwrap_or(1.0)) / 3.0;
    Some((
        total,
        NameMatch {
            surname: s as f32,
            name: n as f32,
            middle: m.map(|x| x as f32),
            candidates: 0,
        },
    ))
}

/// Stage timings on stderr when `PRECINCTS_RECONCILE_TIMING` is set (no personal data).
struct Stages {
    on: bool,
    at: std::time::Instant,
}

impl Stages {
    fn new() -> Self {
        Stages {
            on: std::env::var_os("PRECINCTS_RECONCILE_TIMING").is_some(),
            at: std::time::Instant::now(),
        }
    }
    fn mark(&mut self, what: &str) {
        if self.on {
            eprintln!(
                "reconcile stage {what}: {:.3} s",
                self.at.elapsed().as_secs_f64()
            );
            self.at = std::time::Instant::now();
        }
    }
}

/// Parses an ISO `YYYY-MM-DD` date quickly (the form `io` normalises dates to).
pub fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + (c - b'0') as u32)
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// Runs the reconciliation.
pub fn reconcile(
    sub: &VoterTable,
    reg: &VoterTable,
    refs: &References,
    opts: &Options,
) -> Reconciliation {
    let t = &opts.thresholds;
    let n = sub.len();
    let mut stages = Stages::new();
    // 1. IINs.
    let sub_iin: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| iin_code(sub.get(i).field(VoterField::Iin)))
        .collect();
    let mut reg_index: Vec<(u64, u32)> = (0..reg.len())
        .into_par_iter()
        .filter_map(|j| valid(iin_code(reg.get(j).field(VoterField::Iin))).map(|v| (v, j as u32)))
        .collect();
    reg_index.par_sort_unstable();
    reg_index.dedup_by_key(|p| p.0);
    // Sort-merge join (a binary search per record misses the cache at national size).
    let mut sub_index: Vec<(u64, u32)> = sub_iin
        .par_iter()
        .enumerate()
        .filter_map(|(i, &c)| valid(c).map(|v| (v, i as u32)))
        .collect();
    sub_index.par_sort_unstable();
    let mut pair: Vec<u32> = vec![NONE; n];
    let mut k = 0;
    for &(v, i) in &sub_index {
        while k < reg_index.len() && reg_index[k].0 < v {
            k += 1;
        }
        if k < reg_index.len() && reg_index[k].0 == v {
            pair[i as usize] = reg_index[k].1;
        }
    }
    drop(sub_index);
    drop(reg_index);
    stages.mark("pair by IIN");
    // 2. By name and date of birth.
    let mut claimed = vec![false; reg.len()];
    for &p in &pair {
        if p != NONE {
            claimed[p as usize] = true;
        }
    }
    let unpaired: Vec<u32> = (0..n as u32)
        .filter(|&i| pair[i as usize] == NONE)
        .collect();
    let left: Vec<(u32, Folded)> = unpaired
        .par_iter()
        .filter_map(|&i| folded(&sub.get(i as usize)).map(|f| (i, f)))
        .collect();
    let mut name_matches: FxHashMap<u32, NameMatch> = FxHashMap::default();
    let mut ambiguous = Vec::new();
    if !left.is_empty() {
        let dobs: rustc_hash::FxHashSet<i32> = left.iter().map(|(_, f)| f.dob).collect();
        let cands: Vec<(u32, Folded)> = (0..reg.len() as u32)
            .into_par_iter()
            .filter_map(|j| {
                let r = reg.get(j as usize);
                let d = dob_days(r.field(VoterField::BirthDate))?;
                if !dobs.contains(&d) {
                    return None;
                }
                folded(&r).map(|f| (j, f))
            })
            .collect();
        let mut blocks: FxHashMap<(i32, char), Vec<usize>> = FxHashMap::default();
        for (k, (_, f)) in cands.iter().enumerate() {
            blocks.entry((f.dob, f.first)).or_default().push(k);
        }
        // A surname whose first letter a CP1251 export turned into `?` could start with any
        // letter: its block is every candidate born that day.
        let mut by_dob: FxHashMap<i32, Vec<usize>> = FxHashMap::default();
        if left.iter().any(|(_, f)| f.first == '?') {
            for (k, (_, f)) in cands.iter().enumerate() {
                by_dob.entry(f.dob).or_default().push(k);
            }
        }
        // (record, pairing, ambiguous).
        type Found = (u32, Option<(u32, NameMatch)>, bool);
        let found: Vec<Found> = left
            .par_iter()
            .map(|(i, f)| {
                let usable = valid(sub_iin[*i as usize]).is_some();
                let block = if f.first == '?' {
                    by_dob.get(&f.dob)
                } else {
                    blocks.get(&(f.dob, f.first))
                };
                let Some(block) = block else {
                    return (*i, None, false);
                };
                let mut best: Option<(f64, u32, NameMatch)> = None;
                let mut tie = false;
                for &k in block {
                    let (j, g) = &cands[k];
                    if usable && claimed[*j as usize] {
                        continue;
                    }
                    if let Some((s, m)) = score(f, g, t) {
                        match &best {
                            Some((b, bj, _)) if s < *b || (s == *b && bj == j) => {}
                            Some((b, _, _)) if s == *b => tie = true,
                            _ => {
                                best = Some((s, *j, m));
                                tie = false;
                            }
                        }
                    }
                }
                match best {
                    Some((_, j, mut m)) if !tie => {
                        m.candidates = block.len() as u32;
                        (*i, Some((j, m)), false)
                    }
                    Some(_) => (*i, None, true),
                    None => (*i, None, false),
                }
            })
            .collect();
        for (i, m, amb) in found {
            if let Some((j, m)) = m {
                pair[i as usize] = j;
                name_matches.insert(i, m);
            } else if amb {
                ambiguous.push(i);
            }
        }
        for &p in &pair {
            if p != NONE {
                claimed[p as usize] = true;
            }
        }
    }
    let submission_only: Vec<u32> = (0..n as u32)
        .filter(|&i| pair[i as usize] == NONE)
        .collect();
    let register_only: Vec<u32> = (0..reg.len() as u32)
        .filter(|&j| !claimed[j as usize])
        .collect();

    stages.mark("pair by name");
    // 3. Region cache: distinct oblast fields.
    let home = opts.region.oblast_prefix().to_string();
    let mut oblasts: FxHashMap<&str, bool> = FxHashMap::default();
    for tbl in [sub, reg] {
        for r in tbl.iter() {
            let v = r.field(VoterField::Oblast);
            if !oblasts.contains_key(v) {
                let other = oblast_of(v).is_some_and(|p| p != home);
                oblasts.insert(v, other);
            }
        }
    }
    let other_region = |v: &str| oblasts.get(v).copied().unwrap_or(false);

    stages.mark("oblast names");
    let mut by_name = vec![false; n];
    for &i in name_matches.keys() {
        by_name[i as usize] = true;
    }
    // 4. Per-record checks.
    let date = opts.date;
    let name_refs: Vec<&RefList> = refs.lists.iter().filter(|l| l.has_names()).collect();
    let (mut discrepancies, mut spelling_variants): (Vec<Discrepancy>, Vec<SpellingVariant>) = (0
        ..n)
        .into_par_iter()
        .fold(
            || (Vec::new(), Vec::new(), String::new()),
            |(mut out, mut variants, mut buf), i| {
                let r = sub.get(i);
                let rec = i as u32;
                let mut push = |sub: Sub, evidence: Evidence| {
                    out.push(Discrepancy {
                        sub,
                        record: rec,
                        evidence,
                    })
                };
                let own = sub_iin[i];
                let p = pair[i];
                let paired = (p != NONE).then(|| reg.get(p as usize));
                let dob = iso_date(r.field(VoterField::BirthDate));
                // The register record's IIN (equal to our own when paired by IIN).
                let reg_v = match paired {
                    Some(q) if by_name[i] => valid(iin_code(q.field(VoterField::Iin))),
                    Some(_) => valid(own),
                    None => None,
                };
                // Category 1.
                match state(own) {
                    IinState::Format => push(Sub::IinFormat, Evidence::Record),
                    IinState::CheckDigit => push(Sub::IinCheckDigit, Evidence::Record),
                    IinState::Valid(v) => {
                        let (birth, sex) = iin_parts(v);
                        if let Some(d) = dob
                            && birth != Some(d)
                        {
                            push(Sub::IinBirthDate, Evidence::Record);
                        }
                        if let (Some(g), Some(s)) = (gender(r.field(VoterField::Gender)), sex)
                            && g != s
                        {
                            push(Sub::IinSex, Evidence::Record);
                        }
                        if let Some(rv) = reg_v
                            && rv != v
                        {
                            push(
                                Sub::IinDiffers,
                                Evidence::Field {
                                    field: VoterField::Iin,
                                    score: None,
                                    typo: false,
                                },
                            );
                        }
                    }
                }
                if let Some(q) = paired {
                    for (field, s, stem) in [
                        (VoterField::Surname, Sub::Surname, true),
                        (VoterField::Name, Sub::Name, false),
                        (VoterField::MiddleName, Sub::MiddleName, false),
                    ] {
                        let (a, b) = (r.field(field), q.field(field));
                        match compare_names(a, b) {
                            NameComparison::Same => {}
                            NameComparison::Variant(rule) => variants.push(SpellingVariant {
                                record: rec,
                                field,
                                rule,
                            }),
                            NameComparison::Differs { typo, .. } => {
                                let f = if stem { fold_surname } else { fold };
                                let score = similarity(&f(a), &f(b)) as f32;
                                push(
                                    s,
                                    Evidence::Field {
                                        field,
                                        score: Some(score),
                                        typo,
                                    },
                                );
                            }
                        }
                    }
                    if r.field(VoterField::BirthDate) != q.field(VoterField::BirthDate) {
                        push(
                            Sub::BirthDate,
                            Evidence::Field {
                                field: VoterField::BirthDate,
                                score: None,
                                typo: false,
                            },
                        );
                    }
                }
                // Category 2.
                let doc = r.field(VoterField::IdNumber);
                if doc.trim().is_empty() {
                    push(Sub::DocumentMissing, Evidence::Record);
                } else if let Some(d) = refs.documents.as_ref().and_then(|ds| ds.get(doc)) {
                    // An invalid document past its date is both.
                    if !d.valid {
                        push(Sub::DocumentInvalid, Evidence::Document { line: d.line });
                    }
                    if d.valid_until.is_some_and(|u| u < date) {
                        push(Sub::DocumentExpired, Evidence::Document { line: d.line });
                    }
                }
                // Category 5.
                if let Some(q) = paired
                    && other_region(q.field(VoterField::Oblast))
                {
                    push(Sub::RegisterOtherRegion, Evidence::Record);
                }
                if other_region(r.field(VoterField::Oblast)) {
                    push(Sub::ListedOtherRegion, Evidence::Record);
                }
                // Category 6 (address part): no street and no house, whatever the locality
                // says (a locality alone is no address registration).
                if r.field(VoterField::Street).is_empty() && r.field(VoterField::House).is_empty() {
                    push(Sub::NoAddress, Evidence::Record);
                }
                // Reference lists (6, 7, 8, 9).
                // A name with a `?` of a CP1251 export is looked up by its blurred key
                // (asked only for the few records born on a day a name-keyed row has).
                let blurred = || {
                    [
                        VoterField::Surname,
                        VoterField::Name,
                        VoterField::MiddleName,
                    ]
                    .iter()
                    .any(|&f| r.field(f).contains('?'))
                };
                let mut name_key_cache: Option<Option<(i32, u64)>> = None;
                for l in &refs.lists {
                    let by_iin = valid(own)
                        .and_then(|v| l.by_iin(v))
                        .or_else(|| reg_v.and_then(|v| l.by_iin(v)));
                    let hit = match by_iin {
                        Some(line) => Some(RefHit { line, by_iin: true }),
                        None if l.has_names() => {
                            let key = *name_key_cache.get_or_insert_with(|| {
                                let d = dob_days(r.field(VoterField::BirthDate))?;
                                if !name_refs.iter().any(|l| l.has_dob(d)) {
                                    return None;
                                }
                                let key = if blurred() { blurred_key } else { name_key };
                                Some((
                                    d,
                                    key(
                                        r.field(VoterField::Surname),
                                        r.field(VoterField::Name),
                                        r.field(VoterField::MiddleName),
                                        &mut buf,
                                    ),
                                ))
                            });
                            key.and_then(|(d, k)| {
                                if blurred() {
                                    l.by_blurred(d, k)
                                } else {
                                    l.by_name(d, k)
                                }
                            })
                            .map(|line| RefHit {
                                line,
                                by_iin: false,
                            })
                        }
                        None => None,
                    };
                    if let Some(hit) = hit {
                        push(
                            Sub::for_ref(l.kind),
                            Evidence::Reference { list: l.kind, hit },
                        );
                    }
                }
                // Under 18.
                let birth = dob.or_else(|| valid(own).and_then(|v| iin_parts(v).0));
                if birth.is_some_and(|b| under_18(b, date)) {
                    push(Sub::Under18, Evidence::Record);
                }
                (out, variants, buf)
            },
        )
        .map(|(v, w, _)| (v, w))
        .reduce(
            || (Vec::new(), Vec::new()),
            |(mut a, mut x), (mut b, mut y)| {
                a.append(&mut b);
                x.append(&mut y);
                (a, x)
            },
        );
    spelling_variants.par_sort_by_key(|v| (v.record, v.field));

    stages.mark("per-record checks");
    // 5. Same voter: categories 3 and 4.
    let groups = same_voter_groups(sub, &sub_iin, &pair);
    stages.mark("same-voter groups");
    for (g, members) in groups.iter().enumerate() {
        let prec = |i: u32| sub.get(i as usize).field(VoterField::Precinct);
        let several = members.iter().any(|&i| prec(i) != prec(members[0]));
        for &i in members {
            let shares = |pred: &dyn Fn(u32) -> bool| {
                valid(sub_iin[i as usize]).is_some_and(|v| {
                    members
                        .iter()
                        .any(|&k| k != i && pred(k) && sub_iin[k as usize] == v)
                })
            };
            let same_prec = |k: u32| prec(k) == prec(i);
            if members.iter().any(|&k| k != i && same_prec(k)) {
                let s = if shares(&same_prec) {
                    Sub::TwiceByIin
                } else {
                    Sub::TwiceByNameDob
                };
                discrepancies.push(Discrepancy {
                    sub: s,
                    record: i,
                    evidence: Evidence::Group { group: g as u32 },
                });
            }
            if several {
                let s = if shares(&|_| true) {
                    Sub::SeveralByIin
                } else {
                    Sub::SeveralByNameDob
                };
                discrepancies.push(Discrepancy {
                    sub: s,
                    record: i,
                    evidence: Evidence::Group { group: g as u32 },
                });
            }
        }
    }
    discrepancies.par_sort_by_key(|d| (d.sub.category(), d.record, d.sub));
    let skipped = RefKind::ALL
        .iter()
        .filter(|k| refs.list(**k).is_none())
        .map(|k| k.stem())
        .chain(refs.documents.is_none().then_some("documents"))
        .collect();
    Reconciliation {
        pair,
        name_matches,
        discrepancies,
        spelling_variants,
        groups,
        submission_only,
        register_only,
        ambiguous,
        skipped,
        options: opts.clone(),
    }
}

/// Groups of two or more submission records of the same voter (see the module doc).
fn same_voter_groups(sub: &VoterTable, sub_iin: &[u64], pair: &[u32]) -> Vec<Vec<u32>> {
    const REG: u64 = 1 << 62;
    const IIN: u64 = 2 << 62;
    const NAME: u64 = 3 << 62;
    let n = sub.len();
    let mut ids: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| {
            if pair[i] != NONE {
                REG | pair[i] as u64
            } else if let Some(v) = valid(sub_iin[i]) {
                IIN | v
            } else {
                0
            }
        })
        .collect();
    // Unpaired records: folded name key and date of birth, unless two different usable IINs.
    let mut by_name: FxHashMap<(i32, u64), Vec<u32>> = FxHashMap::default();
    let mut buf = String::new();
    for (i, &p) in pair.iter().enumerate() {
        if p != NONE {
            continue;
        }
        let r = sub.get(i);
        let Some(d) = dob_days(r.field(VoterField::BirthDate)) else {
            continue;
        };
        if r.field(VoterField::Surname).is_empty() || r.field(VoterField::Name).is_empty() {
            continue;
        }
        let k = name_key(
            r.field(VoterField::Surname),
            r.field(VoterField::Name),
            r.field(VoterField::MiddleName),
            &mut buf,
        );
        by_name.entry((d, k)).or_default().push(i as u32);
    }
    for ((d, k), members) in by_name {
        let mut iins: Vec<u64> = members
            .iter()
            .filter_map(|&i| valid(sub_iin[i as usize]))
            .collect();
        iins.sort_unstable();
        iins.dedup();
        let id = match iins.as_slice() {
            [] => NAME | ((k ^ (d as u64).rotate_left(40)) >> 2),
            [one] => IIN | one,
            // Different IINs: different people; records without an IIN join the first.
            [first, ..] => {
                for &i in &members {
                    if ids[i as usize] == 0 {
                        ids[i as usize] = IIN | first;
                    }
                }
                continue;
            }
        };
        for &i in &members {
            ids[i as usize] = id;
        }
    }
    let mut keyed: Vec<(u64, u32)> = ids
        .into_par_iter()
        .enumerate()
        .filter(|(_, id)| *id != 0)
        .map(|(i, id)| (id, i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut groups = Vec::new();
    let mut k = 0;
    while k < keyed.len() {
        let mut e = k + 1;
        while e < keyed.len() && keyed[e].0 == keyed[k].0 {
            e += 1;
        }
        if e - k >= 2 {
            groups.push(keyed[k..e].iter().map(|p| p.1).collect());
        }
        k = e;
    }
    groups
}

#[cfg(test)]
mod tests;
