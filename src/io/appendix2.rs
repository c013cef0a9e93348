//! Appendix 2 polling stations: CSV or XLSX; optional coordinates.
//!
//! Columns (aliases in `data/FORMATS.md`): precinct number (required), facility, locality,
//! street, house, mark, and optionally `lon`/`lat` (or `x`/`y`) in the `crs` given (default
//! WGS84). The mark column holds any of "limited access", "newly created", "eliminated" in
//! Russian, Kazakh or English (several may be combined). A row with an empty precinct
//! number, an unknown mark, a half-given, non-numeric or out-of-range coordinate, or the
//! wrong number of cells is rejected.

use super::addresses::{parse_pair, to_lon_lat};
use super::crs::ToWgs84;
use super::table::{Column, read_table};
use super::{Intake, IoError, file_name};
use crate::model::{PrecinctNo, SourceRef, Station, StationMark};
use std::path::Path;

const COLUMNS: &[Column] = &[
    Column {
        key: "precinct",
        aliases: &[
            "Номер участка",
            "№ участка",
            "Номер избирательного участка",
            "Избирательный участок",
            "Участок",
            "Код участка",
            "Учаске нөмірі",
            "Сайлау учаскесі",
            "Сайлау учаскесінің нөмірі",
            "Учаске",
            "Учаске коды",
            "precinct number",
            "precinct no",
            "precinct code",
            "number",
        ],
        required: true,
    },
    Column {
        key: "facility",
        aliases: &[
            "Наименование",
            "Наименование объекта",
            "Место нахождения",
            "Место расположения",
            "Местонахождение",
            "Здание",
            "Помещение",
            "Объект",
            "Атауы",
            "Нысан атауы",
            "Ғимарат атауы",
            "Орналасқан жері",
            "facility",
            "venue",
            "building name",
            "name",
        ],
        required: false,
    },
    Column {
        key: "locality",
        aliases: &[
            "Населенный пункт",
            "Населённый пункт",
            "Город",
            "Село",
            "Елді мекен",
            "Қала",
            "Ауыл",
            "locality",
            "city",
            "settlement",
        ],
        required: false,
    },
    Column {
        key: "street",
        aliases: &["Улица", "Көше", "street"],
        required: false,
    },
    Column {
        key: "house",
        aliases: &[
            "Дом",
            "Номер дома",
            "№ дома",
            "Үй",
            "Үй нөмірі",
            "house",
            "house number",
        ],
        required: false,
    },
    Column {
        key: "mark",
        aliases: &[
            "Отметка",
            "Пометка",
            "Примечание",
            "Белгі",
            "Ескерту",
            "mark",
            "marks",
            "note",
            "remark",
        ],
        required: false,
    },
    Column {
        key: "lon",
        aliases: super::addresses::LON,
        required: false,
    },
    Column {
        key: "lat",
        aliases: super::addresses::LAT,
        required: false,
    },
    Column {
        key: "x",
        aliases: super::addresses::X,
        required: false,
    },
    Column {
        key: "y",
        aliases: super::addresses::Y,
        required: false,
    },
];

/// The marks named in a mark cell; `Err` when a non-empty cell names none of them.
///
/// # Examples
/// ```
/// use precincts::io::parse_marks;
/// use precincts::model::StationMark;
/// assert_eq!(parse_marks("Вновь созданный; ограниченный доступ").unwrap(),
///            vec![StationMark::LimitedAccess, StationMark::NewlyCreated]);
/// assert_eq!(parse_marks("таратылған").unwrap(), vec![StationMark::Eliminated]);
/// assert!(parse_marks("").unwrap().is_empty());
/// assert!(parse_marks("школа").is_err());
/// ```
pub fn parse_marks(cell: &str) -> Result<Vec<StationMark>, String> {
    let t = cell.trim().to_lowercase().replace('ё', "е");
    if t.is_empty() || t == "-" {
        return Ok(Vec::new());
    }
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let mut marks = Vec::new();
    if any(&["ограничен", "шектеулі", "шектеули", "limited"]) {
        marks.push(StationMark::LimitedAccess);
    }
    if any(&["вновь", "нов", "жаңа", "жана", "new"]) {
        marks.push(StationMark::NewlyCreated);
    }
    if any(&[
        "упраздн",
        "ликвид",
        "таратыл",
        "eliminat",
        "abolish",
        "closed",
    ]) {
        marks.push(StationMark::Eliminated);
    }
    if marks.is_empty() {
        let shown: String = cell.trim().chars().take(40).collect();
        return Err(format!(
            "unknown mark {shown:?} (limited access / newly created / eliminated)"
        ));
    }
    Ok(marks)
}

/// Reads an Appendix 2 table of polling stations. `crs` applies to coordinate columns
/// (default WGS84).
pub fn read_stations(
    path: &Path,
    crs: Option<&str>,
    intake: &mut Intake,
) -> Result<Vec<Station>, IoError> {
    let t = match crs {
        None => ToWgs84::wgs84(),
        Some(c) => ToWgs84::new(c).map_err(|e| IoError::Crs {
            path: path.display().to_string(),
            crs: c.to_string(),
            message: e.to_string(),
        })?,
    };
    let file = file_name(path);
    let mut out = Vec::new();
    let mut account = None;
    read_table(path, COLUMNS, &mut |r| {
        let f = *account.get_or_insert_with(|| intake.open(&file, "stations"));
        if intake.reject_ragged(f, r.line, r.width, r.header_width) {
            return;
        }
        let precinct: PrecinctNo = match r.get(0).parse() {
            Ok(p) => p,
            Err(_) => {
                intake.reject(f, r.line, "precinct", "the precinct number is empty");
                return;
            }
        };
        let marks = match parse_marks(r.get(5)) {
            Ok(m) => m,
            Err(reason) => {
                intake.reject(f, r.line, "mark", reason);
                return;
            }
        };
        let (a, b, names) = if !r.get(6).is_empty() || !r.get(7).is_empty() {
            (r.get(6), r.get(7), ("lon", "lat"))
        } else {
            (r.get(8), r.get(9), ("x", "y"))
        };
        let coord = if a.is_empty() && b.is_empty() {
            None
        } else {
            match parse_pair(a, b, names).and_then(|c| to_lon_lat(&t, c)) {
                Ok(c) => Some(c),
                Err((field, reason)) => {
                    intake.reject(f, r.line, field, reason);
                    return;
                }
            }
        };
        intake.accept(f);
        out.push(Station {
            precinct,
            facility: r.get(1).to_string(),
            locality: r.get(2).to_string(),
            street: r.get(3).to_string(),
            house: r.get(4).to_string(),
            marks,
            coord,
            source: SourceRef {
                file: file.clone(),
                line: r.line,
            },
        });
    })?;
    if account.is_none() {
        intake.open(&file, "stations");
    }
    Ok(out)
}
