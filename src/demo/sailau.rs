//! The AIS "Sailau" side of the demo (owned by the reconcile helper): from the town's voters
//! of the first region it writes `DIR/sailau/`:
//!
//! - `submission.csv`: the akimat's list (Appendix 1, Russian headers, `;`, dates
//!   `dd.mm.yyyy`);
//! - `register.csv`: the register extract (English headers, `,`, ISO dates);
//! - `refs/*.csv`: the reference lists (deceased, emigrated, incapable, confined,
//!   lost_citizenship, non_citizens, deregistered, documents);
//! - `expected.json`: per category and subcategory the exact record codes a correct
//!   `precincts reconcile` reports, the records only in the submission / only in the
//!   register, and the pairs that must be made by name (spelling variants).
//!
//! Every subcategory is planted on its own voter (so no unplanned overlap), including Latin
//! spellings of the same person (they must pair) and near-duplicates that are different
//! people (same surname and birth date but another name; same name but another birth date;
//! same name and birth date but another middle name and IIN): they must not pair.
//!
//! Controls that must *not* be reported, each on its own voter, with the spelling rule a
//! correct run lists them under in `spelling_variants.csv` (`expected.json`,
//! `spelling_variants`): case and ё, hyphen / space, Kazakh letters written as Russian ones
//! and back, a `?` left by a CP1251 export, passport Latin in capitals, the Kazakh Latin
//! of 2021 with and without diacritics; and twins (same surname and birth date, another
//! name, both without IIN in the list) and namesakes in one building (same full name,
//! another birth date), who must pair with themselves and raise nothing beyond the missing
//! IIN. The spellings are written here from tables of this file, never by the matcher.
//!
//! [`with_header`] rewrites a voter file with the regulation's English, Russian or Kazakh
//! header row; [`excel_copy`] writes it as Excel saves CSV on a Russian Windows (CP1251,
//! `;`, CRLF, Kazakh letters as Russian look-alikes or `?`).
//!
//! Reconcile it with `--date 2026-03-15 --region <first region's KATO>`.

use super::{Town, Voter, VoterAddress};
use crate::model::{Iin, IinSex, VOTER_FIELDS, VoterField};
use chrono::{Datelike, Days, NaiveDate};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

/// The reference date the expectations hold for.
pub const DATE: &str = "2026-03-15";

fn date() -> NaiveDate {
    NaiveDate::parse_from_str(DATE, "%Y-%m-%d").expect("valid date")
}

/// The contents of `sailau/expected.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SailauExpected {
    pub date: String,
    pub region: String,
    /// Category number → subcategory key → submission record codes.
    pub categories: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    pub submission_only: BTreeSet<String>,
    pub register_only: BTreeSet<String>,
    /// (submission code, register code) pairs that must be made by name and birth date.
    pub pairs_by_name: BTreeSet<(String, String)>,
    /// (submission code, field key, rule key) of the spelling controls: in
    /// `spelling_variants.csv`, never in category 1.
    #[serde(default)]
    pub spelling_variants: BTreeSet<(String, String, String)>,
    /// Submission codes of the controls (spellings, twins, namesakes): none may appear in
    /// category 1 except for the missing IIN the twins carry.
    #[serde(default)]
    pub controls: BTreeSet<String>,
}

impl SailauExpected {
    fn add(&mut self, cat: u8, sub: &str, code: &str) {
        self.categories
            .entry(cat.to_string())
            .or_default()
            .entry(sub.to_string())
            .or_default()
            .insert(code.to_string());
    }
}

type Row = [String; VOTER_FIELDS];

fn fmt_date(d: NaiveDate, iso: bool) -> String {
    if iso {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%d.%m.%Y").to_string()
    }
}

/// The Appendix 1 row of a voter (dates ISO; converted when written).
fn base_row(town: &Town, v: &Voter) -> Row {
    let mut r: Row = std::array::from_fn(|_| String::new());
    let mut set = |f: VoterField, s: String| r[f.index()] = s;
    set(VoterField::Code, v.record.to_string());
    set(VoterField::Iin, v.iin_str().to_string());
    set(VoterField::Surname, v.surname.to_string());
    set(VoterField::Name, v.name.to_string());
    set(VoterField::MiddleName, v.middle_name.to_string());
    let (region, street, house, building) = match &v.address {
        VoterAddress::Point(a) => {
            let ad = &town.addresses[*a as usize];
            (
                ad.region as usize,
                town.street(ad).to_string(),
                ad.house.to_string(),
                Town::building(ad),
            )
        }
        VoterAddress::Unknown {
            region,
            street,
            house,
        } => (
            *region as usize,
            street.clone(),
            house.clone(),
            String::new(),
        ),
    };
    if let Some(p) = v.listed {
        let p = &town.precincts[p as usize];
        set(VoterField::Precinct, p.no.as_str().to_string());
        if let Some(d) = p.district {
            set(VoterField::District, town.districts[d].name_ru.clone());
        }
    }
    let reg = &town.regions[region];
    set(VoterField::Oblast, reg.name_ru.clone());
    set(VoterField::BirthDate, fmt_date(v.birth_date, true));
    set(VoterField::Ethnicity, v.ethnicity.to_string());
    set(
        VoterField::Gender,
        match v.sex {
            IinSex::Male => "М",
            IinSex::Female => "Ж",
        }
        .to_string(),
    );
    set(VoterField::Residence, reg.locality.clone());
    set(VoterField::Street, street);
    set(VoterField::House, house);
    set(VoterField::Building, building);
    if v.apartment > 0 {
        set(VoterField::Apartment, v.apartment.to_string());
    }
    set(VoterField::IdNumber, format!("{:09}", v.id_number));
    set(VoterField::IdIssued, fmt_date(v.id_issued, true));
    r
}

/// An IIN for a birth date, sex and serial (century digit per the 1800s/1900s/2000s rule).
fn make_iin(dob: NaiveDate, sex: IinSex, serial: u16) -> Option<String> {
    let century = (dob.year() - 1800) / 100;
    let c = 1 + 2 * century as u8 + u8::from(sex == IinSex::Female);
    let s = format!(
        "{:02}{:02}{:02}{}{:04}",
        dob.year() % 100,
        dob.month(),
        dob.day(),
        c,
        serial
    );
    let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
    let first: [u8; 11] = d[..11].try_into().ok()?;
    let k = Iin::check_digit(&first)?;
    Some(format!("{s}{k}"))
}

/// A Kazakh/Russian Cyrillic name in passport (ICAO-style) Latin, Title case.
fn latin(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let t = match lower {
            'а' | 'ә' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ғ' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'і' | 'й' => "i",
            'к' | 'қ' => "k",
            'л' => "l",
            'м' => "m",
            'н' | 'ң' => "n",
            'о' | 'ө' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' => "u",
            'ф' => "f",
            'х' | 'һ' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ы' => "y",
            'ъ' | 'ь' => "",
            'ю' => "iu",
            'я' => "ia",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(t);
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => out,
    }
}

/// A one-letter typo in the middle of a word: a consonant no Kazakh letter stands for, so
/// the typo is never a mere Kazakh / Russian spelling.
fn typo(s: &str) -> String {
    let mut cs: Vec<char> = s.chars().collect();
    let k = cs.len() / 2;
    if let Some(c) = cs.get_mut(k) {
        *c = if *c == 'р' { 'т' } else { 'р' };
    }
    cs.into_iter().collect()
}

/// The Kazakh letters and their Russian look-alikes (how a CP1251 export or a Russian
/// keyboard writes them).
const KAZAKH_RUSSIAN: [(char, char); 18] = [
    ('ә', 'а'),
    ('ғ', 'г'),
    ('қ', 'к'),
    ('ң', 'н'),
    ('ө', 'о'),
    ('ұ', 'у'),
    ('ү', 'у'),
    ('һ', 'х'),
    ('і', 'и'),
    ('Ә', 'А'),
    ('Ғ', 'Г'),
    ('Қ', 'К'),
    ('Ң', 'Н'),
    ('Ө', 'О'),
    ('Ұ', 'У'),
    ('Ү', 'У'),
    ('Һ', 'Х'),
    ('І', 'И'),
];

fn has_kazakh(s: &str) -> bool {
    s.chars()
        .any(|c| KAZAKH_RUSSIAN.iter().any(|(k, _)| *k == c))
}

/// Kazakh letters written as their Russian look-alikes.
fn russified(s: &str) -> String {
    s.chars()
        .map(|c| {
            KAZAKH_RUSSIAN
                .iter()
                .find(|(k, _)| *k == c)
                .map_or(c, |(_, r)| *r)
        })
        .collect()
}

/// Kazakh letters other than `і` (which CP1251 has) turned into `?`.
fn question_marks(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c != 'і' && c != 'І' && KAZAKH_RUSSIAN.iter().any(|(k, _)| *k == c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// A name in the Kazakh Latin alphabet of 2021 (with diacritics), Title case.
fn kazakh_latin(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let t = match c {
            'а' => "a",
            'ә' => "ä",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'ғ' => "ğ",
            'д' => "d",
            'е' | 'э' => "e",
            'ё' => "io",
            'ж' => "j",
            'з' => "z",
            'и' | 'й' => "i",
            'і' => "ı",
            'к' => "k",
            'қ' => "q",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'ң' => "ñ",
            'о' => "o",
            'ө' => "ö",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ұ' => "ū",
            'ү' => "ü",
            'ф' => "f",
            'х' | 'һ' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "ş",
            'щ' => "şş",
            'ы' => "y",
            'ъ' | 'ь' => "",
            'ю' => "iu",
            'я' => "ia",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(t);
    }
    title(&out)
}

/// The 2021 Latin typed without its diacritics (`ä` → `a`, `ş` → `s`, `ı` → `i`, …).
fn strip_diacritics(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ä' => 'a',
            'ğ' => 'g',
            'ñ' => 'n',
            'ö' => 'o',
            'ū' | 'ü' => 'u',
            'ş' => 's',
            'ı' => 'i',
            'Ä' => 'A',
            'Ğ' => 'G',
            'Ñ' => 'N',
            'Ö' => 'O',
            'Ū' | 'Ü' => 'U',
            'Ş' => 'S',
            other => other,
        })
        .collect()
}

/// The rule a Latin spelling of `cyrillic` falls under, by what the text itself shows:
/// diacritics are the 2021 alphabet; plain text equal to the passport spelling is passport
/// Latin (`Omarov` is both: the passport reading wins); other plain text (`Jumabaev`,
/// `Qasym`) is the 2021 alphabet without diacritics.
fn latin_rule_of(text: &str, cyrillic: &str) -> &'static str {
    if !text.is_ascii() {
        "kazakh_latin_2021"
    } else if text.to_lowercase() == latin(cyrillic).to_lowercase() {
        "passport_latin"
    } else {
        "kazakh_latin_2021_plain"
    }
}

fn title(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What is planted on one voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plant {
    CheckDigit,
    NoIin,
    ShortIin,
    IinBirthDate,
    IinSex,
    IinDiffers,
    SurnameTypo,
    NameTypo,
    MiddleTypo,
    BirthDate,
    LatinNoIin,
    LatinWithIin,
    TwinOtherName,
    SameNameOtherDob,
    SameNameOtherMiddle,
    DocExpired,
    DocInvalid,
    DocMissing,
    DocInvalidExpired,
    TwiceByIin,
    TwiceByName,
    SeveralByIin,
    SeveralByLatinName,
    RegisterOtherRegion,
    ListedOtherRegion,
    Deregistered,
    NoAddress,
    EmigratedByIin,
    EmigratedByName,
    NonCitizen,
    Under18,
    Incapable,
    Confined,
    Deceased,
    LostCitizenship,
    SubmissionOnly,
    RegisterOnly,
    // Controls: nothing to report but a spelling variant (or the missing IIN of twins).
    CaseYo,
    HyphenSpace,
    KazakhAsRussian,
    RussianAsKazakh,
    QuestionMarks,
    PassportCapitals,
    KazakhLatin,
    KazakhLatinPlain,
    Twins,
    Namesakes,
}

/// Whether a plant needs a name with a Kazakh letter to mean anything.
fn needs_kazakh(p: Plant) -> bool {
    matches!(
        p,
        Plant::KazakhAsRussian
            | Plant::RussianAsKazakh
            | Plant::QuestionMarks
            | Plant::KazakhLatin
            | Plant::KazakhLatinPlain
    )
}

const PLANTS: [Plant; 47] = [
    Plant::CheckDigit,
    Plant::NoIin,
    Plant::ShortIin,
    Plant::IinBirthDate,
    Plant::IinSex,
    Plant::IinDiffers,
    Plant::SurnameTypo,
    Plant::NameTypo,
    Plant::MiddleTypo,
    Plant::BirthDate,
    Plant::LatinNoIin,
    Plant::LatinWithIin,
    Plant::TwinOtherName,
    Plant::SameNameOtherDob,
    Plant::SameNameOtherMiddle,
    Plant::DocExpired,
    Plant::DocInvalid,
    Plant::DocMissing,
    Plant::DocInvalidExpired,
    Plant::TwiceByIin,
    Plant::TwiceByName,
    Plant::SeveralByIin,
    Plant::SeveralByLatinName,
    Plant::RegisterOtherRegion,
    Plant::ListedOtherRegion,
    Plant::Deregistered,
    Plant::NoAddress,
    Plant::EmigratedByIin,
    Plant::EmigratedByName,
    Plant::NonCitizen,
    Plant::Under18,
    Plant::Incapable,
    Plant::Confined,
    Plant::Deceased,
    Plant::LostCitizenship,
    Plant::SubmissionOnly,
    Plant::RegisterOnly,
    Plant::CaseYo,
    Plant::HyphenSpace,
    Plant::KazakhAsRussian,
    Plant::RussianAsKazakh,
    Plant::QuestionMarks,
    Plant::PassportCapitals,
    Plant::KazakhLatin,
    Plant::KazakhLatinPlain,
    Plant::Twins,
    Plant::Namesakes,
];

/// Voters per round of plants (see [`write`]).
pub const PLANTS_PER_ROUND_VOTERS: usize = 4_000;

/// A person-list row: IIN (may be empty), surname, name, middle name, birth date.
type RefRow = [String; 5];

fn ref_row(iin: &str, r: &Row) -> RefRow {
    [
        iin.to_string(),
        r[VoterField::Surname.index()].clone(),
        r[VoterField::Name.index()].clone(),
        r[VoterField::MiddleName.index()].clone(),
        r[VoterField::BirthDate.index()].clone(),
    ]
}

/// The most voters the demo's submission and register carry.
pub const MAX_SUBMISSION: usize = 1_000_000;

/// Writes the demo's register extract, submission and reference lists into `dir/sailau`.
pub fn write(town: &Town, dir: &Path) -> std::io::Result<()> {
    let out = dir.join("sailau");
    let refs_dir = out.join("refs");
    std::fs::create_dir_all(&refs_dir)?;
    let day = date();
    // The voters of the first region (by their address point), with that point.
    let mut home: Vec<u32> = Vec::new();
    let mut at: HashMap<u32, u32> = HashMap::new();
    for (a, ad) in town.addresses.iter().enumerate() {
        if ad.region == 0 {
            for i in ad.first_voter..ad.first_voter + ad.voter_count {
                if (i as usize) < town.voter_count {
                    home.push(i);
                    at.insert(i, a as u32);
                }
            }
        }
    }
    // The rows are built in memory (26 strings a voter, twice): past a million voters that
    // would take gigabytes, so a very large first region contributes its first million.
    // National-scale reconciliation is measured by `benches/reconcile.rs` instead.
    home.sort_unstable();
    home.truncate(MAX_SUBMISSION);
    let voter = |i: u32| town.make_voter(i as usize, at[&i] as usize);
    // Namesakes (same birth date, surname and name): never chosen as a target.
    let mut namesakes: HashMap<(NaiveDate, &str, &str), u32> = HashMap::new();
    let mut used_iins: HashSet<String> = HashSet::new();
    // Document numbers the town gave to more than one voter: no document plant on them (a
    // registry row for the number would concern them all).
    let mut documents_of: HashMap<u32, u32> = HashMap::new();
    for &i in &home {
        let v = voter(i);
        *documents_of.entry(v.id_number).or_default() += 1;
        *namesakes
            .entry((v.birth_date, v.surname, v.name))
            .or_default() += 1;
        used_iins.insert(v.iin_str().to_string());
    }
    // Targets: spread over the list, skipping voters the town already planted something
    // on, voters with namesakes, without a precinct or a middle name.
    // One round of every plant per 4,000 voters, so that precision and recall are measured
    // over many records per subcategory in a large region.
    let rounds = (home.len() / PLANTS_PER_ROUND_VOTERS).max(1);
    let step = (home.len() / (PLANTS.len() * rounds + 1)).max(1);
    // Per target, its plant and round (odd rounds write the spelling controls into the
    // register instead of the list: both directions).
    let mut targets: HashMap<u32, (Plant, usize)> = HashMap::new();
    let mut k = 0usize;
    for (round, plant) in (0..rounds).flat_map(|r| PLANTS.map(|p| (r, p))) {
        loop {
            if k >= home.len() {
                return Err(std::io::Error::other(
                    "the town has too few voters for the Sailau demo",
                ));
            }
            let i = home[k];
            k += 1;
            let v = voter(i);
            let ok = !town.planted.voters.contains_key(&i)
                && namesakes[&(v.birth_date, v.surname, v.name)] == 1
                && v.listed.is_some()
                && !v.middle_name.is_empty()
                && v.surname.chars().count() >= 4
                && v.name.chars().count() >= 4
                && (!needs_kazakh(plant) || has_kazakh(v.surname) || has_kazakh(v.name))
                && documents_of[&v.id_number] == 1
                && matches!(v.address, VoterAddress::Point(_));
            if ok {
                targets.insert(i, (plant, round));
                k = k.max(((targets.len() + 1) * step).min(home.len().saturating_sub(1)));
                break;
            }
        }
    }
    // Another precinct of the region, for the several-precincts plants.
    let other_precinct = |listed: Option<u32>| -> (String, String) {
        let p = town
            .precincts
            .iter()
            .enumerate()
            .find(|(k, p)| p.region == 0 && Some(*k as u32) != listed && p.district.is_some())
            .map(|(_, p)| p)
            .expect("a region has two precincts");
        (
            p.no.as_str().to_string(),
            p.district
                .map(|d| town.districts[d].name_ru.clone())
                .unwrap_or_default(),
        )
    };
    let mut next_serial = 9000u16;
    let mut new_iin = |dob: NaiveDate, sex: IinSex, used: &mut HashSet<String>| -> String {
        loop {
            next_serial += 1;
            if let Some(s) = make_iin(dob, sex, next_serial)
                && used.insert(s.clone())
            {
                return s;
            }
        }
    };
    let mut next_code = town.voter_count as u64 + 100_001;
    let mut code = || {
        next_code += 1;
        next_code.to_string()
    };

    let mut exp = SailauExpected {
        date: DATE.to_string(),
        region: town.regions[0].kato.as_str().to_string(),
        ..Default::default()
    };
    let mut sub_rows: Vec<Row> = Vec::new();
    let mut reg_rows: Vec<Row> = Vec::new();
    let mut extra_sub: Vec<Row> = Vec::new();
    let mut extra_reg: Vec<Row> = Vec::new();
    let mut lists: BTreeMap<&'static str, Vec<RefRow>> = BTreeMap::new();
    let mut documents: Vec<[String; 3]> = Vec::new();
    let f = |x: VoterField| x.index();
    for (n, &i) in home.iter().enumerate() {
        let v = voter(i);
        let base = base_row(town, &v);
        let mut s = base.clone();
        let mut r = base.clone();
        let c = base[f(VoterField::Code)].clone();
        let iin = v.iin_str().to_string();
        // Noise: valid documents for every 50th voter.
        if n % 50 == 0 && !targets.contains_key(&i) {
            documents.push([
                base[f(VoterField::IdNumber)].clone(),
                "действителен".into(),
                fmt_date(day + Days::new(365 * 5), false),
            ]);
        }
        let mut in_sub = true;
        let mut in_reg = true;
        if let Some(&(plant, round)) = targets.get(&i) {
            let flip = round % 2 == 1;
            match plant {
                Plant::CheckDigit => {
                    let mut b: Vec<u8> = iin.bytes().collect();
                    b[11] = b'0' + (b[11] - b'0' + 1) % 10;
                    s[f(VoterField::Iin)] = String::from_utf8(b).expect("digits");
                    exp.add(1, "iin_check_digit", &c);
                    exp.pairs_by_name.insert((c.clone(), c.clone()));
                }
                Plant::NoIin => {
                    s[f(VoterField::Iin)].clear();
                    exp.add(1, "iin_format", &c);
                    exp.pairs_by_name.insert((c.clone(), c.clone()));
                }
                Plant::ShortIin => {
                    s[f(VoterField::Iin)] = iin[..11].to_string();
                    exp.add(1, "iin_format", &c);
                    exp.pairs_by_name.insert((c.clone(), c.clone()));
                }
                Plant::IinBirthDate => {
                    // Both sides agree on a date the IIN does not encode (legal since 2013).
                    let d = fmt_date(v.birth_date - Days::new(3), true);
                    s[f(VoterField::BirthDate)] = d.clone();
                    r[f(VoterField::BirthDate)] = d;
                    exp.add(1, "iin_birth_date", &c);
                }
                Plant::IinSex => {
                    let g = if v.sex == IinSex::Male { "Ж" } else { "М" };
                    s[f(VoterField::Gender)] = g.into();
                    r[f(VoterField::Gender)] = g.into();
                    exp.add(1, "iin_sex", &c);
                }
                Plant::IinDiffers => {
                    s[f(VoterField::Iin)] = new_iin(v.birth_date, v.sex, &mut used_iins);
                    exp.add(1, "iin_differs", &c);
                    exp.pairs_by_name.insert((c.clone(), c.clone()));
                }
                Plant::SurnameTypo => {
                    s[f(VoterField::Surname)] = typo(v.surname);
                    exp.add(1, "surname", &c);
                }
                Plant::NameTypo => {
                    s[f(VoterField::Name)] = typo(v.name);
                    exp.add(1, "name", &c);
                }
                Plant::MiddleTypo => {
                    s[f(VoterField::MiddleName)] = typo(v.middle_name);
                    exp.add(1, "middle_name", &c);
                }
                Plant::BirthDate => {
                    s[f(VoterField::BirthDate)] = fmt_date(v.birth_date + Days::new(1), true);
                    exp.add(1, "birth_date", &c);
                    exp.add(1, "iin_birth_date", &c);
                }
                Plant::LatinNoIin | Plant::LatinWithIin => {
                    // Passport Latin: the same person, a spelling variant.
                    s[f(VoterField::Surname)] = latin(v.surname);
                    s[f(VoterField::Name)] = latin(v.name);
                    s[f(VoterField::MiddleName)] = latin(v.middle_name);
                    for k in ["surname", "name", "middle_name"] {
                        exp.spelling_variants.insert((
                            c.clone(),
                            k.into(),
                            "passport_latin".into(),
                        ));
                    }
                    if plant == Plant::LatinNoIin {
                        s[f(VoterField::Iin)].clear();
                        exp.add(1, "iin_format", &c);
                        exp.pairs_by_name.insert((c.clone(), c.clone()));
                    }
                }
                Plant::TwinOtherName => {
                    // Same surname and birth date, another given name, no IIN: a twin.
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    t[f(VoterField::Iin)].clear();
                    let pool = match v.sex {
                        IinSex::Male => ["Тимур", "Марат", "Болат"],
                        IinSex::Female => ["Сауле", "Роза", "Меруерт"],
                    };
                    let first = v.name.chars().next();
                    let other = pool
                        .iter()
                        .find(|p| p.chars().next() != first)
                        .expect("a name with another first letter");
                    t[f(VoterField::Name)] = other.to_string();
                    t[f(VoterField::IdNumber)] = format!("8{:0>8}", nc);
                    extra_sub.push(t);
                    exp.add(1, "iin_format", &nc);
                    exp.submission_only.insert(nc);
                }
                Plant::SameNameOtherDob => {
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    t[f(VoterField::Iin)].clear();
                    t[f(VoterField::BirthDate)] = fmt_date(v.birth_date + Days::new(1), true);
                    t[f(VoterField::IdNumber)] = format!("8{:0>8}", nc);
                    extra_sub.push(t);
                    exp.add(1, "iin_format", &nc);
                    exp.submission_only.insert(nc);
                }
                Plant::SameNameOtherMiddle => {
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    t[f(VoterField::Iin)] = new_iin(v.birth_date, v.sex, &mut used_iins);
                    let other = if v.sex == IinSex::Male {
                        "Тимурович"
                    } else {
                        "Тимуровна"
                    };
                    t[f(VoterField::MiddleName)] = other.into();
                    t[f(VoterField::IdNumber)] = format!("8{:0>8}", nc);
                    extra_sub.push(t);
                    exp.submission_only.insert(nc);
                }
                Plant::DocExpired => {
                    documents.push([
                        base[f(VoterField::IdNumber)].clone(),
                        "действителен".into(),
                        fmt_date(day - Days::new(200), false),
                    ]);
                    exp.add(2, "expired", &c);
                }
                Plant::DocInvalid => {
                    documents.push([
                        base[f(VoterField::IdNumber)].clone(),
                        "недействителен".into(),
                        String::new(),
                    ]);
                    exp.add(2, "invalid", &c);
                }
                Plant::DocInvalidExpired => {
                    documents.push([
                        base[f(VoterField::IdNumber)].clone(),
                        "недействителен".into(),
                        fmt_date(day - Days::new(30), false),
                    ]);
                    exp.add(2, "invalid", &c);
                    exp.add(2, "expired", &c);
                }
                Plant::DocMissing => {
                    s[f(VoterField::IdNumber)].clear();
                    exp.add(2, "missing", &c);
                }
                Plant::TwiceByIin | Plant::TwiceByName => {
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    let key = if plant == Plant::TwiceByIin {
                        "by_iin"
                    } else {
                        t[f(VoterField::Iin)].clear();
                        exp.add(1, "iin_format", &nc);
                        exp.pairs_by_name.insert((nc.clone(), c.clone()));
                        "by_name_dob"
                    };
                    extra_sub.push(t);
                    exp.add(3, key, &c);
                    exp.add(3, key, &nc);
                }
                Plant::SeveralByIin | Plant::SeveralByLatinName => {
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    let (p, d) = other_precinct(v.listed);
                    t[f(VoterField::Precinct)] = p;
                    t[f(VoterField::District)] = d;
                    let key = if plant == Plant::SeveralByIin {
                        "by_iin"
                    } else {
                        t[f(VoterField::Iin)].clear();
                        t[f(VoterField::Surname)] = latin(v.surname);
                        t[f(VoterField::Name)] = latin(v.name);
                        t[f(VoterField::MiddleName)] = latin(v.middle_name);
                        exp.add(1, "iin_format", &nc);
                        for k in ["surname", "name", "middle_name"] {
                            exp.spelling_variants.insert((
                                nc.clone(),
                                k.into(),
                                "passport_latin".into(),
                            ));
                        }
                        exp.pairs_by_name.insert((nc.clone(), c.clone()));
                        "by_name_dob"
                    };
                    extra_sub.push(t);
                    exp.add(4, key, &c);
                    exp.add(4, key, &nc);
                }
                Plant::RegisterOtherRegion => {
                    r[f(VoterField::Oblast)] = "Карагандинская область".into();
                    exp.add(5, "register_other_region", &c);
                }
                Plant::ListedOtherRegion => {
                    s[f(VoterField::Oblast)] = "Қарағанды облысы".into();
                    exp.add(5, "listed_other_region", &c);
                }
                Plant::Deregistered => {
                    lists
                        .entry("deregistered")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(6, "deregistered", &c);
                }
                Plant::NoAddress => {
                    // The locality stays: without street and house there is no address.
                    for x in [
                        VoterField::Street,
                        VoterField::House,
                        VoterField::Building,
                        VoterField::Apartment,
                    ] {
                        s[f(x)].clear();
                    }
                    exp.add(6, "no_address", &c);
                }
                Plant::EmigratedByIin => {
                    lists
                        .entry("emigrated")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(7, "emigrated", &c);
                }
                Plant::EmigratedByName => {
                    lists
                        .entry("emigrated")
                        .or_default()
                        .push(ref_row("", &base));
                    exp.add(7, "emigrated", &c);
                }
                Plant::NonCitizen => {
                    lists
                        .entry("non_citizens")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(8, "non_citizen", &c);
                }
                Plant::Under18 => {
                    // A young person (17 on the date) in both files; the voter stays as is.
                    let dob = NaiveDate::from_ymd_opt(day.year() - 17, 6, 1).expect("date");
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    t[f(VoterField::Iin)] = new_iin(dob, v.sex, &mut used_iins);
                    t[f(VoterField::BirthDate)] = fmt_date(dob, true);
                    t[f(VoterField::MiddleName)].clear();
                    t[f(VoterField::IdNumber)] = format!("8{:0>8}", nc);
                    extra_sub.push(t.clone());
                    extra_reg.push(t);
                    exp.add(9, "under_18", &nc);
                }
                Plant::Incapable => {
                    lists
                        .entry("incapable")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(9, "incapable", &c);
                }
                Plant::Confined => {
                    lists
                        .entry("confined")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(9, "confined", &c);
                }
                Plant::Deceased => {
                    lists
                        .entry("deceased")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(9, "deceased", &c);
                }
                Plant::LostCitizenship => {
                    lists
                        .entry("lost_citizenship")
                        .or_default()
                        .push(ref_row(&iin, &base));
                    exp.add(9, "lost_citizenship", &c);
                }
                Plant::CaseYo => {
                    // Capitals, in the list or (odd rounds) in the register.
                    let side = if flip { &mut r } else { &mut s };
                    side[f(VoterField::Surname)] = v.surname.to_uppercase();
                    exp.spelling_variants
                        .insert((c.clone(), "surname".into(), "case_yo".into()));
                    exp.controls.insert(c.clone());
                }
                Plant::HyphenSpace => {
                    // `Серік ұлы` / `Серікұлы`; otherwise a hyphen inside the surname.
                    let m = v.middle_name;
                    let (field, value) = if let Some(stem) = m.strip_suffix("ұлы") {
                        ("middle_name", format!("{stem} ұлы"))
                    } else if let Some(stem) = m.strip_suffix("қызы") {
                        ("middle_name", format!("{stem} қызы"))
                    } else {
                        let cs: Vec<char> = v.surname.chars().collect();
                        let (a, b) = cs.split_at(cs.len() / 2);
                        (
                            "surname",
                            format!(
                                "{}-{}",
                                a.iter().collect::<String>(),
                                b.iter().collect::<String>()
                            ),
                        )
                    };
                    let k = if field == "surname" {
                        VoterField::Surname
                    } else {
                        VoterField::MiddleName
                    };
                    let side = if flip { &mut r } else { &mut s };
                    side[f(k)] = value;
                    exp.spelling_variants
                        .insert((c.clone(), field.into(), "hyphen_space".into()));
                    exp.controls.insert(c.clone());
                }
                Plant::KazakhAsRussian | Plant::RussianAsKazakh | Plant::QuestionMarks => {
                    // The list (or, the other way round, the register) writes the Kazakh
                    // letters of the surname and name as Russian ones or as `?`.
                    let rule = if plant == Plant::QuestionMarks {
                        "cp1251_damage"
                    } else {
                        "kazakh_russian_letters"
                    };
                    for (k, key, value) in [
                        (VoterField::Surname, "surname", v.surname),
                        (VoterField::Name, "name", v.name),
                    ] {
                        if !has_kazakh(value) {
                            continue;
                        }
                        let spelled = if plant == Plant::QuestionMarks {
                            question_marks(value)
                        } else {
                            russified(value)
                        };
                        if spelled == value {
                            // Only `і`, which CP1251 has: nothing lost.
                            continue;
                        }
                        match plant {
                            Plant::KazakhAsRussian => s[f(k)] = spelled,
                            Plant::RussianAsKazakh => r[f(k)] = spelled,
                            _ if flip => r[f(k)] = spelled,
                            _ => s[f(k)] = spelled,
                        }
                        exp.spelling_variants
                            .insert((c.clone(), key.into(), rule.into()));
                    }
                    exp.controls.insert(c.clone());
                }
                Plant::PassportCapitals | Plant::KazakhLatin | Plant::KazakhLatinPlain => {
                    let spell: fn(&str) -> String = match plant {
                        Plant::PassportCapitals => |x| latin(x).to_uppercase(),
                        Plant::KazakhLatin => kazakh_latin,
                        _ => |x| strip_diacritics(&kazakh_latin(x)),
                    };
                    for (k, key, value) in [
                        (VoterField::Surname, "surname", v.surname),
                        (VoterField::Name, "name", v.name),
                        (VoterField::MiddleName, "middle_name", v.middle_name),
                    ] {
                        let text = spell(value);
                        let rule = latin_rule_of(&text, value);
                        let side = if flip { &mut r } else { &mut s };
                        side[f(k)] = text;
                        exp.spelling_variants
                            .insert((c.clone(), key.into(), rule.into()));
                    }
                    exp.controls.insert(c.clone());
                }
                Plant::Twins => {
                    // A twin: same surname, birth date and address, another name and IIN.
                    // Neither carries an IIN in the list: each pairs with themself by name.
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    t[f(VoterField::Iin)] = new_iin(v.birth_date, v.sex, &mut used_iins);
                    let pool = match v.sex {
                        IinSex::Male => ["Тимур", "Марат", "Болат"],
                        IinSex::Female => ["Роза", "Меруерт", "Динара"],
                    };
                    let first = v.name.chars().next();
                    let other = pool
                        .iter()
                        .find(|p| p.chars().next() != first)
                        .expect("a name with another first letter");
                    t[f(VoterField::Name)] = other.to_string();
                    t[f(VoterField::IdNumber)] = format!("8{:0>8}", nc);
                    extra_reg.push(t.clone());
                    t[f(VoterField::Iin)].clear();
                    extra_sub.push(t);
                    s[f(VoterField::Iin)].clear();
                    for x in [&c, &nc] {
                        exp.add(1, "iin_format", x);
                        exp.pairs_by_name.insert((x.clone(), x.clone()));
                        exp.controls.insert(x.clone());
                    }
                }
                Plant::Namesakes => {
                    // A namesake in the same building: same full name, born 400 days earlier,
                    // another IIN; in both files, nothing to report.
                    let mut t = base.clone();
                    let nc = code();
                    t[f(VoterField::Code)] = nc.clone();
                    let dob = v.birth_date - Days::new(400);
                    t[f(VoterField::Iin)] = new_iin(dob, v.sex, &mut used_iins);
                    t[f(VoterField::BirthDate)] = fmt_date(dob, true);
                    t[f(VoterField::IdNumber)] = format!("8{:0>8}", nc);
                    if let Some(a) = t.get_mut(f(VoterField::Apartment))
                        && !a.is_empty()
                    {
                        *a = format!("{}1", a);
                    }
                    extra_sub.push(t.clone());
                    extra_reg.push(t);
                    exp.controls.insert(c.clone());
                    exp.controls.insert(nc);
                }
                Plant::SubmissionOnly => {
                    in_reg = false;
                    exp.submission_only.insert(c.clone());
                }
                Plant::RegisterOnly => {
                    in_sub = false;
                    exp.register_only.insert(c.clone());
                    // A reference row for someone not in the submission: no finding.
                    lists
                        .entry("deceased")
                        .or_default()
                        .push(ref_row(&iin, &base));
                }
            }
        }
        if in_sub {
            sub_rows.push(s);
        }
        if in_reg {
            reg_rows.push(r);
        }
    }
    sub_rows.extend(extra_sub);
    reg_rows.extend(extra_reg);
    // Reference rows for people nowhere in the lists (noise: no finding).
    let ghost_dob = NaiveDate::from_ymd_opt(1931, 2, 3).expect("date");
    for (k, list) in [
        "deceased",
        "emigrated",
        "incapable",
        "confined",
        "lost_citizenship",
        "non_citizens",
        "deregistered",
    ]
    .into_iter()
    .enumerate()
    {
        let ghost = new_iin(
            ghost_dob + Days::new(k as u64),
            IinSex::Male,
            &mut used_iins,
        );
        lists.entry(list).or_default().push([
            ghost,
            "Призраков".into(),
            "Иван".into(),
            String::new(),
            fmt_date(ghost_dob + Days::new(k as u64), true),
        ]);
    }

    write_voters(&out.join("submission.csv"), &sub_rows, false)?;
    write_voters(&out.join("register.csv"), &reg_rows, true)?;
    for (name, rows) in &lists {
        atomic(&refs_dir.join(format!("{name}.csv")), |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["ИИН", "Фамилия", "Имя", "Отчество", "Дата рождения"])?;
            for r in rows {
                let mut r = r.clone();
                if let Ok(d) = NaiveDate::parse_from_str(&r[4], "%Y-%m-%d") {
                    r[4] = fmt_date(d, false);
                }
                c.write_record(&r)?;
            }
            c.flush()
        })?;
    }
    atomic(&refs_dir.join("documents.csv"), |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(["Құжат нөмірі", "Статус", "Действителен до"])?;
        for r in &documents {
            c.write_record(r)?;
        }
        c.flush()
    })?;
    atomic(&out.join("expected.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &exp).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

/// Writes an Appendix 1 file: the register with English keys and ISO dates, the
/// submission with Russian headers, `;` and `dd.mm.yyyy` dates.
fn write_voters(path: &Path, rows: &[Row], register: bool) -> std::io::Result<()> {
    atomic(path, |w| {
        let mut c = csv::WriterBuilder::new()
            .delimiter(if register { b',' } else { b';' })
            .from_writer(w);
        let header: Vec<&str> = VoterField::ALL
            .iter()
            .map(|f| {
                if register {
                    f.key()
                } else {
                    crate::io::voter_aliases(*f)[0]
                }
            })
            .collect();
        c.write_record(&header)?;
        let dates = [
            VoterField::BirthDate.index(),
            VoterField::IdIssued.index(),
            VoterField::ChangedOn.index(),
        ];
        for r in rows {
            if register {
                c.write_record(r)?;
            } else {
                let mut r = r.clone();
                for k in dates {
                    if let Ok(d) = NaiveDate::parse_from_str(&r[k], "%Y-%m-%d") {
                        r[k] = fmt_date(d, false);
                    }
                }
                c.write_record(&r)?;
            }
        }
        c.flush()
    })
}

/// The language of a header row for [`with_header`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLanguage {
    /// The English names of the regulation's Appendix 1 (`Code`, `Voter code`, …, `ID`).
    English,
    Russian,
    Kazakh,
}

/// The 26 field names of Appendix 1 as an akimat's export writes them, by language
/// (written out here, not taken from the reader's alias tables).
pub fn header_row(lang: HeaderLanguage) -> [&'static str; VOTER_FIELDS] {
    match lang {
        HeaderLanguage::English => [
            "Code",
            "Voter code",
            "Surname",
            "Name",
            "Middle name",
            "Precinct code",
            "Republican precinct",
            "Oblast precinct",
            "District precinct",
            "Oblast",
            "District",
            "Date of birth",
            "Ethnicity",
            "Gender",
            "Residence",
            "Street",
            "House",
            "Building",
            "Apartment",
            "ID",
            "Date of issue",
            "Note",
            "Addition1",
            "Addition 2",
            "Addition 3",
            "Addition 4",
        ],
        HeaderLanguage::Russian => [
            "Код",
            "Код избирателя",
            "Фамилия",
            "Имя",
            "Отчество",
            "Код участка",
            "Республиканский участок",
            "Областной участок",
            "Районный участок",
            "Область",
            "Район",
            "Дата рождения",
            "Национальность",
            "Пол",
            "Место жительства",
            "Улица",
            "Дом",
            "Корпус",
            "Квартира",
            "Номер удостоверения личности",
            "Дата выдачи",
            "Примечание",
            "Дополнительно1",
            "Дополнительно2",
            "Доп3",
            "Дополнительно 4",
        ],
        HeaderLanguage::Kazakh => [
            "Коды",
            "Сайлаушының коды",
            "Тегі",
            "Аты",
            "Әкесінің аты",
            "Учаске коды",
            "Республикалық учаске",
            "Облыстық учаске",
            "Аудандық учаске",
            "Облыс",
            "Аудан",
            "Туған күні",
            "Ұлты",
            "Жынысы",
            "Тұрғылықты жері",
            "Көше",
            "Үй",
            "Ғимарат",
            "Пәтер",
            "Жеке куәлік нөмірі",
            "Берілген күні",
            "Ескертпе",
            "Қосымша1",
            "Қосымша 2",
            "Қосымша 3",
            "Қосымша 4",
        ],
    }
}

/// Copies a voter file written by [`write`] (`;`, one record a line, 26 columns in the
/// Appendix's order) with the header row replaced by `lang`'s names.
pub fn with_header(src: &Path, dst: &Path, lang: HeaderLanguage) -> std::io::Result<()> {
    let text = std::fs::read_to_string(src)?;
    let body = text.split_once('\n').map_or("", |(_, b)| b);
    let header = header_row(lang).join(";");
    std::fs::write(dst, format!("{header}\n{body}"))
}

/// Writes `src` (UTF-8) as Excel saves "CSV (разделители — запятые)" on a Russian Windows:
/// CP1251, `;`, CRLF. Characters CP1251 lacks are lost: the Kazakh letters become their
/// Russian look-alikes on even lines and `?` on odd ones (both happen, depending on how
/// the text was typed and saved), any other (Latin `ä`, `ş`, `ı`…) becomes `?`.
pub fn excel_copy(src: &Path, dst: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(src)?;
    let mut out = String::with_capacity(text.len());
    let mut fits: HashMap<char, bool> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        for c in line.chars() {
            let ok = *fits.entry(c).or_insert_with(|| {
                let mut b = [0u8; 4];
                !encoding_rs::WINDOWS_1251.encode(c.encode_utf8(&mut b)).2
            });
            if ok {
                out.push(c);
            } else if n % 2 == 0
                && let Some((_, r)) = KAZAKH_RUSSIAN.iter().find(|(k, _)| *k == c)
            {
                out.push(*r);
            } else {
                out.push('?');
            }
        }
        out.push_str("\r\n");
    }
    let (bytes, _, unmapped) = encoding_rs::WINDOWS_1251.encode(&out);
    debug_assert!(!unmapped);
    std::fs::write(dst, bytes)
}

fn atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    crate::report::write_atomic(path, fill).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_iins_carry_a_valid_check_digit_and_the_right_century() {
        let d = NaiveDate::from_ymd_opt(2009, 6, 1).unwrap();
        let s = make_iin(d, IinSex::Female, 9001).unwrap();
        assert_eq!(&s[..7], "0906016");
        let iin: Iin = s.parse().unwrap();
        assert_eq!(iin.birth_date(), Some(d));
        assert_eq!(iin.sex(), Some(IinSex::Female));
        // The published example: 1990-01-01, male, serial 0001 -> 900101300017.
        let d = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        assert_eq!(
            make_iin(d, IinSex::Male, 1).as_deref(),
            Some("900101300017")
        );
    }

    #[test]
    fn passport_latin_is_written_independently_of_the_folding() {
        assert_eq!(latin("Әбілқасымов"), "Abilkasymov");
        assert_eq!(latin("Шыңғыс"), "Shyngys");
        assert_eq!(latin("Юлия"), "Iuliia");
    }
}
