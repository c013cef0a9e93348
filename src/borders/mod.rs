//! Appendix 3: precinct borders as address lists. Reads the table (CSV or XLSX, Russian,
//! Kazakh or English headers, or whole free-text border paragraphs), applies the lists to
//! every address point, checks them against the polygons, the administrative units and the
//! voter list, derives polygons from them when none are drawn, and writes them back.
//!
//! The house-list language is specified in `data/FORMATS.md (Appendix 3)` (grammar) and
//! implemented in [`parse_row`] / [`parse_houses`].
//!
//! # Findings and their keys
//! Key = (code, precinct, record, line), as in `notes/CHECKS.md`; fields not listed are null.
//! - `BORDER_PARSE_ERROR`: a row of the borders file whose address or house text does not
//!   parse; one per row, the message names the column and the 1-based character of every
//!   error. key (code, P of the row, null, line of the row in the borders file). The row
//!   covers nothing, not even the parts that did parse: an error never widens a precinct.
//! - `ADDRESS_IN_NO_LIST`: an address point of a locality the table covers (a locality named
//!   by some precinct row or settlement entry; every locality when a row has none) that no
//!   entry matches. key (code, null, null, line of the address in the addresses file).
//! - `ADDRESS_IN_SEVERAL_LISTS`: an address point matched by entries of two or more
//!   different precincts (entries of one precinct matching twice are fine). key (code, the
//!   smallest of those precinct numbers in string order, null, address line); the message
//!   names every precinct and entry (file:line).
//! - `BORDER_ENTRY_MATCHES_NOTHING`: a row whose entries (one, or several for a paragraph)
//!   match no address point; the message says whether the street is unknown or the houses
//!   lie beyond the known ones. One per row. key (code, P, null, line of the row).
//! - `BORDER_RANGE_BEYOND_LAST_HOUSE` (warning): a row with an entry that matches something
//!   and a range whose upper end lies past the last known house of its street (the last
//!   house of its side for an odd or even range): `1-99` where the last house is 29. One per
//!   row, naming each such range and the last known house. key (code, P, null, line).
//! - `BORDER_LIST_CROSSES_ADMIN`: a precinct whose listed addresses lie in two or more
//!   administrative units of the containment level. key (code, P).
//! - `BORDER_LIST_POLYGON_MISMATCH`: addresses listed for precinct A whose point lies in
//!   precinct B's polygon (B ≠ A), one finding per (A, B) pair with the count. key (code, A);
//!   B is named in the subject (`precinct A / polygon B`). Addresses in no polygon are not
//!   counted (that is `ADDRESS_IN_NO_PRECINCT`). Not produced for derived polygons.
//! - `VOTER_LIST_PRECINCT_MISMATCH`: a voter whose geocoded address is listed for one or
//!   more precincts, none of which is the voter's precinct code. key (code, P = the voter's
//!   precinct code, record code), with the voters file and line. Voters with an empty code or
//!   an address in no list get none.
//! - Voters by list (`BordersOutcome::voters_by_list`): per precinct, the voters whose address
//!   its list covers; an address in the lists of two precincts counts in both (the cap is
//!   about the worst case); the caller compares it to the cap.
//!   `voters_by_list_exclusive`: of those, the voters whose address no other list covers.

mod check;
mod derive;
mod grammar;
mod write;

pub use check::{BordersInput, BordersOutcome, check_borders};
pub use derive::derive_polygons;
pub use grammar::{
    Cell, HouseItem, HouseSet, Parity, ParseError, ParsedEntry, Target, parse_houses, parse_row,
};
pub use write::{
    Appendix3Row, Lang, appendix3_csv, appendix3_rows, appendix3_xlsx, compact_houses,
    write_appendix3,
};

use crate::address::{normalise_locality, normalise_street};
use crate::io::table::{Column, read_table};
use crate::io::{Intake, IoError, file_name};
use crate::model::{Finding, FindingCode, PrecinctNo, SourceRef};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Why a borders or aliases file could not be used, or the write-back failed.
#[derive(Debug, thiserror::Error)]
pub enum BordersError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write the workbook: {message}")]
    Xlsx { path: String, message: String },
}

/// The rows of one precinct in one locality.
#[derive(Debug, Clone)]
pub struct PrecinctBorders {
    pub no: PrecinctNo,
    /// As written (`город`, `село`, `қала`).
    pub locality_type: String,
    /// As written.
    pub locality: String,
    /// [`normalise_locality`] of it; empty = any locality.
    pub locality_key: String,
}

/// One parsed entry of the table.
#[derive(Debug, Clone)]
pub struct BorderEntry {
    /// Index into [`BorderTable::precincts`].
    pub precinct: usize,
    pub target: Target,
    pub houses: HouseSet,
    /// The row's text (`ул. Абая: 1-15`) for messages.
    pub text: String,
    pub source: SourceRef,
}

/// A parsed Appendix 3 table.
#[derive(Debug, Clone, Default)]
pub struct BorderTable {
    pub precincts: Vec<PrecinctBorders>,
    pub entries: Vec<BorderEntry>,
    /// (precinct, locality key) → index into `precincts`: a national table has 10,000
    /// precincts and 140,000 rows, so a linear search per row was quadratic.
    by_key: HashMap<(PrecinctNo, String), usize>,
}

impl BorderTable {
    /// The precinct number of an entry.
    pub fn precinct_of(&self, entry: usize) -> &PrecinctNo {
        &self.precincts[self.entries[entry].precinct].no
    }

    /// Adds the entries of one row (already parsed) under a precinct and locality.
    pub fn push_row(
        &mut self,
        no: &PrecinctNo,
        locality_type: &str,
        locality: &str,
        entries: Vec<ParsedEntry>,
        text: &str,
        source: SourceRef,
    ) {
        let key = normalise_locality(locality);
        let next = self.precincts.len();
        let p = *self.by_key.entry((no.clone(), key.clone())).or_insert(next);
        if p == next {
            self.precincts.push(PrecinctBorders {
                no: no.clone(),
                locality_type: locality_type.to_string(),
                locality: locality.to_string(),
                locality_key: key,
            });
        }
        for e in entries {
            self.entries.push(BorderEntry {
                precinct: p,
                target: e.target,
                houses: e.houses,
                text: text.to_string(),
                source: source.clone(),
            });
        }
    }
}

const BORDER_COLUMNS: &[Column] = &[
    Column {
        key: "precinct",
        aliases: &[
            "№ участка",
            "номер участка",
            "Номер избирательного участка",
            "Избирательный участок",
            "Учаске нөмірі",
            "Учаскенің нөмірі",
            "Сайлау учаскесінің нөмірі",
            "precinct_no",
            "Number of polling precinct",
        ],
        required: true,
    },
    Column {
        key: "locality_type",
        aliases: &[
            "Тип населенного пункта",
            "Елді мекен түрі",
            "Елді мекеннің түрі",
            "Type of locality",
        ],
        required: false,
    },
    Column {
        key: "locality",
        aliases: &[
            "Населенный пункт",
            "Елді мекен",
            "Populated locality",
            "settlement",
        ],
        required: false,
    },
    Column {
        key: "address_type",
        aliases: &[
            "Тип адреса",
            "Мекенжай түрі",
            "Мекенжайдың түрі",
            "Type of address",
        ],
        required: false,
    },
    Column {
        key: "address",
        aliases: &[
            "Адрес",
            "Мекенжай",
            "Границы",
            "Шекаралары",
            "borders",
            "street",
        ],
        required: true,
    },
    Column {
        key: "house",
        aliases: &[
            "Дом",
            "Дома",
            "Үй",
            "Үйлер",
            "Номера домов",
            "Үй нөмірлері",
            "houses",
        ],
        required: false,
    },
];

/// Reads an Appendix 3 table. Empty precinct / locality cells continue the row above (merged
/// cells of the printed form); a row of column numbers (`1 2 3 ...`) is skipped. A row with
/// no precinct at all is rejected (field `precinct`); a row whose text does not parse gives a
/// `BORDER_PARSE_ERROR` finding (and is counted as accepted: its parsed parts are used).
pub fn read_borders(
    path: &Path,
    intake: &mut Intake,
) -> Result<(BorderTable, Vec<Finding>), BordersError> {
    let file = file_name(path);
    let f = intake.open(&file, "borders");
    let mut table = BorderTable::default();
    let mut findings = Vec::new();
    let mut prev: Option<(PrecinctNo, String, String)> = None;
    read_table(path, BORDER_COLUMNS, &mut |row| {
        let cells: Vec<&str> = (0..6).map(|i| row.get(i)).collect();
        // The numbering row under the printed form's header.
        if cells
            .iter()
            .filter(|c| !c.is_empty())
            .all(|c| c.len() <= 2 && c.bytes().all(|b| b.is_ascii_digit()))
            && !cells[4].is_empty()
        {
            return;
        }
        let (no, ltype, loc) = match cells[0].parse::<PrecinctNo>() {
            Ok(no) => {
                let same = prev.as_ref().is_some_and(|p| p.0 == no);
                let (lt, l) = if cells[2].is_empty() && same {
                    let p = prev.as_ref().map(|p| (p.1.clone(), p.2.clone()));
                    p.unwrap_or_default()
                } else {
                    (cells[1].to_string(), cells[2].to_string())
                };
                (no, lt, l)
            }
            Err(_) => match &prev {
                Some((no, lt, l)) => {
                    if cells[2].is_empty() {
                        (no.clone(), lt.clone(), l.clone())
                    } else {
                        (no.clone(), cells[1].to_string(), cells[2].to_string())
                    }
                }
                None => {
                    intake.reject(
                        f,
                        row.line,
                        "precinct",
                        "no precinct number (and no row above)",
                    );
                    return;
                }
            },
        };
        intake.accept(f);
        let (entries, errors) = parse_row(cells[3], cells[4], cells[5]);
        let text = [cells[3], cells[4], cells[5]]
            .iter()
            .filter(|c| !c.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let source = SourceRef {
            file: file.clone(),
            line: row.line,
        };
        if !errors.is_empty() {
            let msg = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            findings.push(
                Finding::new(
                    FindingCode::BorderParseError,
                    format!("precinct {no}, borders row {}", row.line),
                    msg,
                )
                .precinct(&no)
                .at(&file, row.line),
            );
        }
        table.push_row(&no, &ltype, &loc, entries, &text, source);
        prev = Some((no, ltype, loc));
    })?;
    Ok((table, findings))
}

/// Street renamings: old name → new name, per locality (an empty locality = every one).
/// Keys are normalised, so any spelling of the old name is renamed.
#[derive(Debug, Clone, Default)]
pub struct StreetAliases {
    map: HashMap<(String, String), String>,
}

impl StreetAliases {
    /// Adds a renaming.
    pub fn insert(&mut self, locality: &str, old: &str, new: &str) {
        self.map.insert(
            (normalise_locality(locality), normalise_street(old)),
            normalise_street(new),
        );
    }

    /// The current key of a street key (itself when not renamed).
    pub fn resolve<'a>(&'a self, locality_key: &str, street_key: &'a str) -> &'a str {
        if self.map.is_empty() {
            return street_key;
        }
        let k = (locality_key.to_string(), street_key.to_string());
        if let Some(n) = self.map.get(&k) {
            return n;
        }
        let k = (String::new(), street_key.to_string());
        self.map.get(&k).map(String::as_str).unwrap_or(street_key)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

const ALIAS_COLUMNS: &[Column] = &[
    Column {
        key: "locality",
        aliases: &["Населенный пункт", "Елді мекен"],
        required: false,
    },
    Column {
        key: "old",
        aliases: &[
            "old_name",
            "Старое название",
            "Прежнее название",
            "Бұрынғы атауы",
            "Ескі атауы",
        ],
        required: true,
    },
    Column {
        key: "new",
        aliases: &["new_name", "Новое название", "Жаңа атауы"],
        required: true,
    },
];

/// Reads a street renamings table (columns locality, old, new; Russian / Kazakh headers
/// accepted). Rows without both names are rejected.
pub fn read_street_aliases(
    path: &Path,
    intake: &mut Intake,
) -> Result<StreetAliases, BordersError> {
    let file: Arc<str> = file_name(path);
    let f = intake.open(&file, "street_aliases");
    let mut out = StreetAliases::default();
    read_table(path, ALIAS_COLUMNS, &mut |row| {
        let (loc, old, new) = (row.get(0), row.get(1), row.get(2));
        if old.is_empty() {
            intake.reject(f, row.line, "old", "empty old name");
        } else if new.is_empty() {
            intake.reject(f, row.line, "new", "empty new name");
        } else {
            out.insert(loc, old, new);
            intake.accept(f);
        }
    })?;
    Ok(out)
}
