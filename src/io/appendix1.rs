//! Appendix 1 voter lists: CSV or XLSX with the Appendix's 26 fields, headers in Russian,
//! Kazakh or English (aliases in `data/FORMATS.md`).
//!
//! Dates become ISO `YYYY-MM-DD` (from `dd.mm.yyyy`, `yyyy-mm-dd`, `dd/mm/yyyy`, an Excel
//! serial number or a workbook date cell; a trailing time is dropped); logical fields
//! become `1` or empty. Everything else is kept as written (trimmed): IIN validity is
//! reconciliation's business, precinct codes are strings. Reject reasons never quote a
//! personal value.

use super::table::{Column, Prepare, RawRow, read_table_prepared};

use super::{Intake, IoError, file_name};
use crate::model::{VOTER_FIELDS, VoterField, VoterTable, VoterTableBuilder};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// The header aliases of each Appendix 1 field (besides its [`VoterField::key`]): the
/// regulation's Russian, Kazakh and English field names (`Code`, `Voter code`, …, `ID`,
/// `Addition 4`) and the variants Excel exports carry (`Дополнительно1`, `Доп1`,
/// `ID number`, `Номер удостоверения личности`…). No two fields share an alias.
pub fn voter_aliases(f: VoterField) -> &'static [&'static str] {
    match f {
        VoterField::Code => &[
            "Код",
            "Коды",
            "Код записи",
            "Жазба коды",
            "Счетчик",
            "Счётчик",
            "Санауыш",
            "Code",
            "record code",
            "record",
            "counter",
        ],
        VoterField::Iin => &[
            "ИИН",
            "Код избирателя",
            "ИИН избирателя",
            "ЖСН",
            "Сайлаушы коды",
            "Сайлаушының коды",
            "Сайлаушының ЖСН",
            "IIN",
            "voter code",
            "voter_code",
            "voter IIN",
        ],
        VoterField::Surname => &[
            "Фамилия",
            "Тегі",
            "Тегi",
            "surname",
            "last name",
            "family name",
        ],
        VoterField::Name => &["Имя", "Аты", "Есімі", "name", "first name", "given name"],
        VoterField::MiddleName => &[
            "Отчество",
            "Әкесінің аты",
            "Әкесiнiң аты",
            "Әкесінің есімі",
            "middle name",
            "patronymic",
        ],
        VoterField::Precinct => &[
            "Код участка",
            "Номер участка",
            "№ участка",
            "Участок",
            "Учаске коды",
            "Учаскенің коды",
            "Учаске нөмірі",
            "Учаске",
            "precinct code",
            "precinct number",
            "precinct no",
            "precinct",
        ],
        VoterField::RepublicanPrecinct => &[
            "Республиканский участок",
            "Республикалық учаске",
            "republican precinct",
        ],
        VoterField::OblastPrecinct => &[
            "Областной участок",
            "Облыстық учаске",
            "oblast precinct",
            "regional precinct",
        ],
        VoterField::DistrictPrecinct => {
            &["Районный участок", "Аудандық учаске", "district precinct"]
        }
        VoterField::Oblast => &["Область", "Облыс", "oblast", "region"],
        VoterField::District => &["Район", "Аудан", "district"],
        VoterField::BirthDate => &[
            "Дата рождения",
            "Туған күні",
            "Туған күнi",
            "Туылған күні",
            "date of birth",
            "birth date",
            "birthdate",
            "dob",
        ],
        VoterField::Ethnicity => &[
            "Национальность",
            "Этническая принадлежность",
            "Ұлты",
            "ethnicity",
            "nationality",
        ],
        VoterField::Gender => &["Пол", "Жынысы", "gender", "sex"],
        VoterField::Residence => &[
            "Место жительства",
            "Населенный пункт",
            "Населённый пункт",
            "Тұрғылықты жері",
            "Елді мекен",
            "residence",
            "place of residence",
            "locality",
        ],
        VoterField::Street => &["Улица", "Көше", "street"],
        VoterField::House => &["Дом", "Үй", "house", "house number"],
        VoterField::Building => &["Корпус", "Ғимарат", "building", "block"],
        VoterField::Apartment => &["Квартира", "Пәтер", "apartment", "flat"],
        VoterField::IdNumber => &[
            "Номер документа",
            "Удостоверение",
            "Удостоверение личности",
            "Номер удостоверения",
            "Номер удостоверения личности",
            "№ удостоверения",
            "Документ",
            "Құжат нөмірі",
            "Куәлік",
            "Жеке куәлік",
            "Жеке куәлік нөмірі",
            "Куәлік нөмірі",
            "ID",
            "id number",
            "ID No",
            "document number",
            "id document",
        ],
        VoterField::IdIssued => &[
            "Дата выдачи",
            "Дата выдачи документа",
            "Дата выдачи удостоверения",
            "Берілген күні",
            "Берілген күнi",
            "Құжат берілген күні",
            "id issued",
            "date of issue",
            "date of ID issue",
            "issue date",
            "issued",
        ],
        VoterField::Note => &[
            "Примечание",
            "Ескерту",
            "Ескертпе",
            "note",
            "notes",
            "remark",
        ],
        VoterField::Changed => &[
            "Дополнение1",
            "Дополнительно1",
            "Доп1",
            "Қосымша1",
            "addition1",
            "additional1",
            "changed",
        ],
        VoterField::Removed => &[
            "Дополнение2",
            "Дополнительно2",
            "Доп2",
            "Қосымша2",
            "addition2",
            "additional2",
            "removed",
        ],
        VoterField::ChangedOn => &[
            "Дополнение3",
            "Дополнительно3",
            "Доп3",
            "Қосымша3",
            "addition3",
            "additional3",
            "changed on",
            "date of change",
        ],
        VoterField::Added => &[
            "Дополнение4",
            "Дополнительно4",
            "Доп4",
            "Қосымша4",
            "addition4",
            "additional4",
            "added",
        ],
    }
}

/// Headers that could name more than one field (a bare "number", "date", "addition" or
/// "address"): refused with the fields they could be, rather than guessed.
const AMBIGUOUS: &[(&str, &[VoterField])] = &[
    (
        "Номер",
        &[VoterField::Code, VoterField::IdNumber, VoterField::Precinct],
    ),
    (
        "№",
        &[VoterField::Code, VoterField::IdNumber, VoterField::Precinct],
    ),
    (
        "Нөмір",
        &[VoterField::Code, VoterField::IdNumber, VoterField::Precinct],
    ),
    (
        "Нөмірі",
        &[VoterField::Code, VoterField::IdNumber, VoterField::Precinct],
    ),
    (
        "number",
        &[VoterField::Code, VoterField::IdNumber, VoterField::Precinct],
    ),
    (
        "no",
        &[VoterField::Code, VoterField::IdNumber, VoterField::Precinct],
    ),
    (
        "Дата",
        &[
            VoterField::BirthDate,
            VoterField::IdIssued,
            VoterField::ChangedOn,
        ],
    ),
    (
        "Күні",
        &[
            VoterField::BirthDate,
            VoterField::IdIssued,
            VoterField::ChangedOn,
        ],
    ),
    (
        "date",
        &[
            VoterField::BirthDate,
            VoterField::IdIssued,
            VoterField::ChangedOn,
        ],
    ),
    ("Дополнение", &ADDITIONS),
    ("Дополнительно", &ADDITIONS),
    ("Доп", &ADDITIONS),
    ("Қосымша", &ADDITIONS),
    ("addition", &ADDITIONS),
    ("additional", &ADDITIONS),
    ("Адрес", &ADDRESS),
    ("Мекенжай", &ADDRESS),
    ("Мекен-жайы", &ADDRESS),
    ("address", &ADDRESS),
];

const ADDITIONS: [VoterField; 4] = [
    VoterField::Changed,
    VoterField::Removed,
    VoterField::ChangedOn,
    VoterField::Added,
];
const ADDRESS: [VoterField; 4] = [
    VoterField::Residence,
    VoterField::Street,
    VoterField::House,
    VoterField::Apartment,
];

/// The field a header names, if any (by key or alias).
fn field_of(h: &str) -> Option<VoterField> {
    let k = super::table::header_key(h);
    VoterField::ALL.into_iter().find(|&f| {
        super::table::header_key(f.key()) == k
            || voter_aliases(f)
                .iter()
                .any(|a| super::table::header_key(a) == k)
    })
}

/// Checks an Appendix 1 header row: a header that could be two fields, or two columns for
/// one field, is an error naming them; a column that matches no field is a warning naming
/// it (returned; the column is not read). Headers are never personal data.
pub fn check_voter_header(path: &Path, header: &[String]) -> Result<Vec<String>, IoError> {
    let mut warnings = Vec::new();
    let mut seen: Vec<(VoterField, usize)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let col = i + 1;
        if h.trim().is_empty() {
            continue;
        }
        let k = super::table::header_key(h);
        if let Some((_, fields)) = AMBIGUOUS
            .iter()
            .find(|(a, _)| super::table::header_key(a) == k)
        {
            let names: Vec<&str> = fields.iter().map(|f| f.key()).collect();
            return Err(IoError::format(
                path,
                format!(
                    "column {col} {h:?} could be any of the fields {}: name it as one of them (see FORMATS.md)",
                    names.join(", ")
                ),
            ));
        }
        match field_of(h) {
            Some(f) => {
                if let Some(&(_, first)) = seen.iter().find(|(g, _)| *g == f) {
                    return Err(IoError::format(
                        path,
                        format!(
                            "columns {first} {:?} and {col} {h:?} both name the field {}: keep one",
                            header[first - 1],
                            f.key()
                        ),
                    ));
                }
                seen.push((f, col));
            }
            None => warnings.push(format!(
                "{}: column {col} {h:?} matches no Appendix 1 field and is not read",
                path.display()
            )),
        }
    }
    Ok(warnings)
}

/// What a field holds, for normalisation.
fn kind(f: VoterField) -> Kind {
    match f {
        VoterField::BirthDate | VoterField::IdIssued | VoterField::ChangedOn => Kind::Date,
        VoterField::Changed | VoterField::Removed | VoterField::Added => Kind::Logical,
        VoterField::Code
        | VoterField::Iin
        | VoterField::Surname
        | VoterField::Name
        | VoterField::MiddleName
        | VoterField::Precinct
        | VoterField::RepublicanPrecinct
        | VoterField::OblastPrecinct
        | VoterField::DistrictPrecinct
        | VoterField::Oblast
        | VoterField::District
        | VoterField::Ethnicity
        | VoterField::Gender
        | VoterField::Residence
        | VoterField::Street
        | VoterField::House
        | VoterField::Building
        | VoterField::Apartment
        | VoterField::IdNumber
        | VoterField::Note => Kind::Text,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Logical,
}

/// The columns `read_voters` asks `read_table` for, in [`VoterField::ALL`] order.
pub fn voter_columns() -> [Column; VOTER_FIELDS] {
    VoterField::ALL.map(|f| Column {
        key: f.key(),
        aliases: voter_aliases(f),
        required: matches!(f, VoterField::Code | VoterField::Iin),
    })
}

/// Normalises a date to ISO `YYYY-MM-DD` into `out`; `false` when it is not a date.
/// Accepts `dd.mm.yyyy`, `yyyy-mm-dd`, `dd/mm/yyyy`, `yyyy.mm.dd`, one-digit day/month,
/// a trailing time (`dd.mm.yyyy 0:00:00`, `yyyy-mm-ddT00:00:00`) and Excel serial numbers
/// (days since 1899-12-30, 1 ..= 2958465).
///
/// # Examples
/// ```
/// use precincts::io::normalize_date;
/// let mut s = String::new();
/// assert!(normalize_date("05.03.1987", &mut s));
/// assert_eq!(s, "1987-03-05");
/// s.clear();
/// assert!(normalize_date("32874", &mut s)); // an Excel serial
/// assert_eq!(s, "1990-01-01");
/// s.clear();
/// assert!(!normalize_date("31.02.1990", &mut s));
/// ```
pub fn normalize_date(v: &str, out: &mut String) -> bool {
    let v = v.trim();
    let b = v.as_bytes();
    let digit = |i: usize| b[i].wrapping_sub(b'0') as u32;
    // Fast path: `dd.mm.yyyy`, the form of nearly every date in a voter file.
    if b.len() == 10
        && b[2] == b'.'
        && b[5] == b'.'
        && [0, 1, 3, 4, 6, 7, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
    {
        let d = digit(0) * 10 + digit(1);
        let m = digit(3) * 10 + digit(4);
        let y = digit(6) * 1000 + digit(7) * 100 + digit(8) * 10 + digit(9);
        return push_iso(out, y as i32, m, d);
    }
    let end = b
        .iter()
        .position(|&c| c == b' ' || c == b'T')
        .unwrap_or(b.len());
    let date = &v[..end];
    let b = date.as_bytes();
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0u32, |a, &c| a * 10 + (c - b'0') as u32))
    };
    let (y, m, d) = if is_serial(date) {
        // An Excel serial number (possibly with a fractional time part).
        let days: f64 = match date.parse() {
            Ok(d) => d,
            Err(_) => return false,
        };
        if !(1.0..2_958_466.0).contains(&days) {
            return false;
        }
        let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid epoch");
        let Some(d) = base.checked_add_days(chrono::Days::new(days.floor() as u64)) else {
            return false;
        };
        use chrono::Datelike;
        (d.year(), d.month(), d.day())
    } else {
        let sep = match b.iter().find(|c| matches!(c, b'.' | b'-' | b'/')) {
            Some(&s) => s,
            None => return false,
        };
        let mut parts = b.split(|&c| c == sep);
        let (Some(p1), Some(p2), Some(p3), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let (Some(a), Some(m), Some(c)) = (num(p1), num(p2), num(p3)) else {
            return false;
        };
        if p1.len() == 4 {
            (a as i32, m, c)
        } else if p3.len() == 4 {
            (c as i32, m, a)
        } else {
            return false;
        }
    };
    push_iso(out, y, m, d)
}

/// Appends `YYYY-MM-DD` when the date exists (years 1800..=2200); `false` otherwise.
fn push_iso(out: &mut String, y: i32, m: u32, d: u32) -> bool {
    if !(1800..=2200).contains(&y) || chrono::NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return false;
    }
    let y = y as u32;
    let digits = [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (d / 10) as u8,
        b'0' + (d % 10) as u8,
    ];
    out.push_str(std::str::from_utf8(&digits).expect("ASCII digits"));
    true
}

/// An Excel serial day number: digits, optionally with a fractional part after at least
/// three integer digits (so `12.1990` stays a malformed date, not day 12).
fn is_serial(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    match s.split_once('.') {
        None => digits(s),
        Some((i, f)) => (3..=7).contains(&i.len()) && digits(i) && digits(f),
    }
}

/// Normalises a logical value to `Some(true)` / `Some(false)`; `None` when unknown.
/// True: `1`, `-1` (MS Access), `true`, `да`, `иә`, `yes`, `истина`, `y`, `t`, `x`;
/// false: empty, `0`, `false`, `нет`, `жоқ`, `no`, `ложь`, `n`, `f`.
///
/// # Examples
/// ```
/// use precincts::io::normalize_logical;
/// assert_eq!(normalize_logical("Истина"), Some(true));
/// assert_eq!(normalize_logical("-1"), Some(true));
/// assert_eq!(normalize_logical("жоқ"), Some(false));
/// assert_eq!(normalize_logical("maybe"), None);
/// ```
pub fn normalize_logical(v: &str) -> Option<bool> {
    let v = v.trim();
    match v {
        "" | "0" => return Some(false),
        "1" | "-1" => return Some(true),
        _ => {}
    }
    match v.to_lowercase().as_str() {
        "true" | "да" | "иә" | "ия" | "yes" | "истина" | "y" | "t" | "x" | "+" => {
            Some(true)
        }
        "false" | "нет" | "жоқ" | "жок" | "no" | "ложь" | "n" | "f" | "-" | "0.0" => {
            Some(false)
        }
        "1.0" | "-1.0" => Some(true),
        _ => None,
    }
}

/// A fast, deterministic hasher for record codes (the set holds millions of them).
#[derive(Default)]
struct CodeHasher(u64);

impl Hasher for CodeHasher {
    fn finish(&self) -> u64 {
        // Final mix so that the high bits the table uses depend on every input bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type FastSet<T> = HashSet<T, BuildHasherDefault<CodeHasher>>;

/// The record codes seen so far. Codes are usually a counter 1..N, so small numeric codes
/// (without leading zeros) go into a bitset; other numbers into a hash set of integers; any
/// other code as text, so `007` and `7` stay distinct.
#[derive(Default)]
struct SeenCodes {
    dense: Vec<u64>,
    numeric: FastSet<u64>,
    text: FastSet<Box<str>>,
}

/// Codes below this go to the bitset (at most 16 MB).
const DENSE_LIMIT: u64 = 1 << 27;

impl SeenCodes {
    /// True when the code is new.
    fn insert(&mut self, code: &str) -> bool {
        let b = code.as_bytes();
        if !b.is_empty()
            && b.len() <= 19
            && (b[0] != b'0' || b.len() == 1)
            && b.iter().all(u8::is_ascii_digit)
        {
            let n = b.iter().fold(0u64, |a, &c| a * 10 + (c - b'0') as u64);
            if n < DENSE_LIMIT {
                let (word, bit) = ((n / 64) as usize, 1u64 << (n % 64));
                if word >= self.dense.len() {
                    let want = (word + 1).max(self.dense.len() * 2);
                    self.dense.resize(want, 0);
                }
                let new = self.dense[word] & bit == 0;
                self.dense[word] |= bit;
                new
            } else {
                self.numeric.insert(n)
            }
        } else {
            if self.text.contains(code) {
                return false;
            }
            self.text.insert(code.into())
        }
    }
}

/// The normalised form of a date or logical cell into `out`; `false` when it is neither
/// empty nor valid. Run by the table reader on its parsing threads.
fn prepare_cell(i: usize, v: &str, out: &mut String) -> bool {
    match kind(VoterField::ALL[i]) {
        Kind::Text => {
            out.push_str(v);
            true
        }
        Kind::Date => v.is_empty() || normalize_date(v, out),
        Kind::Logical => match normalize_logical(v) {
            Some(true) => {
                out.push('1');
                true
            }
            Some(false) => true,
            None => false,
        },
    }
}

/// Reads an Appendix 1 voter list. Records with a missing or duplicate record code, a
/// malformed date or logical field, or the wrong number of cells are rejected into `intake`.
pub fn read_voters(path: &Path, intake: &mut Intake) -> Result<VoterTable, IoError> {
    let name = file_name(path);
    // The columns first: an ambiguous or doubled header stops here, an unknown one is a
    // warning. (A file without a header is refused by the reader below, in its words.)
    if let Ok(header) = super::table::read_header(path) {
        let warnings = check_voter_header(path, &header)?;
        intake.warnings.extend(warnings);
    }
    let columns = voter_columns();
    // The fields that are normalised (dates, logicals); the rest are kept as written.
    let special: Vec<(usize, Kind)> = VoterField::ALL
        .iter()
        .map(|&f| (f.index(), kind(f)))
        .filter(|&(_, k)| k != Kind::Text)
        .collect();
    let special_columns: Vec<usize> = special.iter().map(|&(i, _)| i).collect();
    let mut builder = VoterTableBuilder::new(name.clone());
    let mut seen = SeenCodes::default();
    // The accounting is opened only once the header is known to be usable.
    let mut account: Option<usize> = None;
    let mut on_row = |r: RawRow<'_>| {
        let f = *account.get_or_insert_with(|| intake.open(&name, "voters"));
        if intake.reject_ragged(f, r.line, r.width, r.header_width) {
            return;
        }
        let code = r.get(VoterField::Code.index());
        if code.is_empty() {
            intake.reject(
                f,
                r.line,
                VoterField::Code.key(),
                "the record code is empty",
            );
            return;
        }
        if !seen.insert(code) {
            intake.reject(
                f,
                r.line,
                VoterField::Code.key(),
                "the record code repeats an earlier record",
            );
            return;
        }
        let mut fields: [&str; VOTER_FIELDS] = std::array::from_fn(|i| r.get(i));
        for (n, &(i, k)) in special.iter().enumerate() {
            if let Some(p) = r.prepared(n) {
                fields[i] = p;
                continue;
            }
            let v = fields[i];
            match k {
                Kind::Text => {}
                Kind::Date => {
                    intake.reject(
                        f,
                        r.line,
                        VoterField::ALL[i].key(),
                        "not a date (dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy or an Excel serial)",
                    );
                    return;
                }
                Kind::Logical => {
                    let shown: String = v.chars().take(20).collect();
                    intake.reject(
                            f,
                            r.line,
                            VoterField::ALL[i].key(),
                            format!(
                                "not a logical value ({shown:?}; expected 1/0, true/false, да/нет, иә/жоқ, yes/no)"
                            ),
                        );
                    return;
                }
            }
        }
        match builder.push(fields, r.line) {
            Ok(()) => intake.accept(f),
            Err(reason) => intake.reject(f, r.line, "row", reason),
        }
    };
    // Dates and logicals are normalised where rows are parsed (on every core for a large
    // CSV); a refused cell comes back as `None`.
    let prepare = Prepare {
        columns: &special_columns,
        f: &prepare_cell,
    };
    read_table_prepared(path, &columns, &prepare, &mut on_row)?;
    if account.is_none() {
        intake.open(&name, "voters");
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<String> {
        let mut o = String::new();
        normalize_date(s, &mut o).then_some(o)
    }

    #[test]
    fn dates_in_every_accepted_form_become_iso() {
        assert_eq!(date("05.03.1987").as_deref(), Some("1987-03-05"));
        assert_eq!(date("5.3.1987").as_deref(), Some("1987-03-05"));
        assert_eq!(date("1987-03-05").as_deref(), Some("1987-03-05"));
        assert_eq!(date("05/03/1987").as_deref(), Some("1987-03-05"));
        assert_eq!(date("05.03.1987 0:00:00").as_deref(), Some("1987-03-05"));
        assert_eq!(date("1987-03-05T00:00:00").as_deref(), Some("1987-03-05"));
        // 1 Jan 2000 is Excel serial 36526 (Excel's own DATE(2000,1,1)).
        assert_eq!(date("36526").as_deref(), Some("2000-01-01"));
        assert_eq!(date("36526.5").as_deref(), Some("2000-01-01"));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for s in [
            "31.02.1990",
            "1990-13-01",
            "12.1990",
            "abc",
            "0",
            "1.2.3",
            "05.03.87",
        ] {
            assert_eq!(date(s), None, "{s}");
        }
    }

    #[test]
    fn logical_values_in_three_languages() {
        for t in ["1", "-1", "true", "TRUE", "Да", "иә", "Yes", "ИСТИНА"] {
            assert_eq!(normalize_logical(t), Some(true), "{t}");
        }
        for f in ["", "0", "false", "нет", "Жоқ", "no", "Ложь"] {
            assert_eq!(normalize_logical(f), Some(false), "{f}");
        }
        assert_eq!(normalize_logical("2"), None);
    }

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    /// The regulation's own names (field 1 `Code`, field 20 `ID`) and Excel's variants.
    #[test]
    fn the_regulations_field_names_and_excel_variants_name_their_fields() {
        for (h, f) in [
            ("Code", VoterField::Code),
            ("Voter code", VoterField::Iin),
            ("ID", VoterField::IdNumber),
            ("ID number", VoterField::IdNumber),
            ("Номер удостоверения личности", VoterField::IdNumber),
            ("Жеке куәлік нөмірі", VoterField::IdNumber),
            ("Date of issue", VoterField::IdIssued),
            ("Дополнительно1", VoterField::Changed),
            ("Доп2", VoterField::Removed),
            ("Addition 3", VoterField::ChangedOn),
            ("Қосымша 4", VoterField::Added),
            ("Middle name", VoterField::MiddleName),
            ("Ескертпе", VoterField::Note),
        ] {
            assert_eq!(field_of(h), Some(f), "{h}");
        }
    }

    /// No alias names two fields, and no ambiguous header is an alias.
    #[test]
    fn aliases_are_unique_across_fields() {
        use crate::io::table::header_key;
        let mut seen: std::collections::HashMap<String, VoterField> = Default::default();
        for f in VoterField::ALL {
            for a in std::iter::once(f.key()).chain(voter_aliases(f).iter().copied()) {
                if let Some(g) = seen.insert(header_key(a), f) {
                    assert_eq!(g, f, "{a} names {g:?} and {f:?}");
                }
            }
        }
        for (a, _) in AMBIGUOUS {
            assert!(!seen.contains_key(&header_key(a)), "{a}");
        }
    }

    #[test]
    fn an_unknown_column_is_a_warning_naming_it() {
        let p = Path::new("voters.csv");
        let w = check_voter_header(p, &header(&["Code", "IIN", "Телефон", "ID"])).unwrap();
        assert_eq!(
            w,
            vec![
                "voters.csv: column 3 \"Телефон\" matches no Appendix 1 field and is not read"
                    .to_string()
            ]
        );
    }

    #[test]
    fn a_header_that_could_be_two_fields_is_an_error_naming_them() {
        let p = Path::new("voters.csv");
        let e = check_voter_header(p, &header(&["Код", "ИИН", "Дата"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "voters.csv: column 3 \"Дата\" could be any of the fields birth_date, id_issued, changed_on: name it as one of them (see FORMATS.md)"
        );
        let e = check_voter_header(p, &header(&["Код", "ИИН", "Код избирателя"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "voters.csv: columns 2 \"ИИН\" and 3 \"Код избирателя\" both name the field iin: keep one"
        );
    }

    #[test]
    fn a_cp1251_excel_file_with_the_regulations_english_header_is_read_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("voters.csv");
        let text = "Code;Voter code;Surname;Name;ID;Date of birth\r\n1;900101300017;?асымов;Ерлан;N0123;01.01.1990\r\n";
        // Excel writes `?` for the Kazakh letters CP1251 lacks.
        let (bytes, _, unmapped) = encoding_rs::WINDOWS_1251.encode(text);
        assert!(!unmapped);
        std::fs::write(&p, &bytes).unwrap();
        let mut intake = Intake::default();
        let t = read_voters(&p, &mut intake).unwrap();
        assert!(intake.rejects.is_empty());
        assert!(intake.warnings.is_empty());
        let r = t.get(0);
        assert_eq!(r.field(VoterField::IdNumber), "N0123");
        assert_eq!(r.code(), "1");
        assert_eq!(r.field(VoterField::Surname), "?асымов");
        assert_eq!(r.field(VoterField::Name), "Ерлан");
        assert_eq!(r.field(VoterField::BirthDate), "1990-01-01");
    }

    #[test]
    fn codes_with_leading_zeros_are_not_the_same_as_without() {
        let mut s = SeenCodes::default();
        assert!(s.insert("7"));
        assert!(s.insert("007"));
        assert!(!s.insert("7"));
        assert!(!s.insert("007"));
        assert!(s.insert("A-7"));
        assert!(!s.insert("A-7"));
        assert!(s.insert("134217728")); // 2^27: past the bitset
        assert!(!s.insert("134217728"));
        assert!(s.insert("134217727"));
        assert!(!s.insert("134217727"));
        assert!(s.insert("0"));
        assert!(!s.insert("0"));
    }
}
