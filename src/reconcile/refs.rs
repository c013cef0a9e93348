//! The reference lists of the reconciliation, one file each in the `--refs` folder, CSV or
//! XLSX (`name.csv` or `name.xlsx`), headers in Russian, Kazakh or English:
//!
//! | file | what | columns |
//! | --- | --- | --- |
//! | `deceased` | died | iin, surname, name, middle_name, birth_date |
//! | `emigrated` | left Kazakhstan for permanent residence | same |
//! | `incapable` | recognised incapable by a court | same |
//! | `confined` | in confinement by a court sentence | same |
//! | `lost_citizenship` | lost citizenship of Kazakhstan | same |
//! | `non_citizens` | not citizens of Kazakhstan | same |
//! | `deregistered` | removed from address registration | same |
//! | `documents` | identity documents | number, status, valid_until (iin optional) |
//!
//! A person row matches a voter by IIN; a row without a usable IIN matches by folded surname,
//! name, middle name and date of birth (exact equality of the folded forms). A missing file
//! skips its check (the statistics say so). Rows that name neither a usable IIN nor a
//! surname, name and date of birth are rejected into the intake.

use super::ReconcileError;
use super::fold::{fold_into, fold_surname_into};
use crate::io::Intake;
use crate::io::table::{Column, read_table};
use crate::model::Iin;
use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The person lists, in the order of the categories they feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    Deregistered,
    Emigrated,
    NonCitizens,
    Incapable,
    Confined,
    Deceased,
    LostCitizenship,
}

impl RefKind {
    pub const ALL: [RefKind; 7] = [
        RefKind::Deregistered,
        RefKind::Emigrated,
        RefKind::NonCitizens,
        RefKind::Incapable,
        RefKind::Confined,
        RefKind::Deceased,
        RefKind::LostCitizenship,
    ];

    /// The file stem in the refs folder.
    pub fn stem(self) -> &'static str {
        match self {
            RefKind::Deregistered => "deregistered",
            RefKind::Emigrated => "emigrated",
            RefKind::NonCitizens => "non_citizens",
            RefKind::Incapable => "incapable",
            RefKind::Confined => "confined",
            RefKind::Deceased => "deceased",
            RefKind::LostCitizenship => "lost_citizenship",
        }
    }
}

/// How a reference row matched a voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RefHit {
    /// The row's line in its file.
    pub line: u64,
    /// True when matched by IIN, false when by folded name and date of birth.
    pub by_iin: bool,
}

/// One person list.
#[derive(Debug, Clone)]
pub struct RefList {
    pub kind: RefKind,
    pub file: Arc<str>,
    pub path: PathBuf,
    by_iin: FxHashMap<u64, u64>,
    by_name: FxHashMap<(i32, u64), u64>,
    dobs: FxHashSet<i32>,
}

impl RefList {
    /// The row for an IIN.
    pub fn by_iin(&self, iin: u64) -> Option<u64> {
        self.by_iin.get(&iin).copied()
    }

    /// Whether any name-keyed row has this date of birth (days since 1970).
    pub fn has_dob(&self, dob: i32) -> bool {
        self.dobs.contains(&dob)
    }

    /// The row for a folded name key and date of birth.
    pub fn by_name(&self, dob: i32, key: u64) -> Option<u64> {
        self.by_name.get(&(dob, key)).copied()
    }

    pub fn has_names(&self) -> bool {
        !self.by_name.is_empty()
    }
}

/// One identity document row.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub line: u64,
    /// The status as written (empty = valid).
    pub status: String,
    pub valid: bool,
    pub valid_until: Option<NaiveDate>,
}

/// The identity documents list.
#[derive(Debug, Clone)]
pub struct Documents {
    pub file: Arc<str>,
    pub path: PathBuf,
    rows: FxHashMap<String, DocumentRow>,
}

impl Documents {
    /// The row for a document number (compared without spaces, upper case).
    pub fn get(&self, number: &str) -> Option<&DocumentRow> {
        let plain = number
            .chars()
            .all(|c| !c.is_whitespace() && c != '-' && !c.is_lowercase());
        if plain {
            self.rows.get(number)
        } else {
            self.rows.get(&doc_key(number))
        }
    }
}

/// The comparison form of a document number.
pub fn doc_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Every reference list found in the folder.
#[derive(Debug, Clone, Default)]
pub struct References {
    pub lists: Vec<RefList>,
    pub documents: Option<Documents>,
}

impl References {
    pub fn list(&self, k: RefKind) -> Option<&RefList> {
        self.lists.iter().find(|l| l.kind == k)
    }

    /// The input files read, for the act.
    pub fn paths(&self) -> Vec<(&Path, &Arc<str>)> {
        let mut v: Vec<(&Path, &Arc<str>)> = self
            .lists
            .iter()
            .map(|l| (l.path.as_path(), &l.file))
            .collect();
        if let Some(d) = &self.documents {
            v.push((d.path.as_path(), &d.file));
        }
        v
    }
}

/// Days since 1970-01-01 of an ISO date (the form `io` normalises to), or of a `dd.mm.yyyy`.
pub fn dob_days(s: &str) -> Option<i32> {
    let d = super::iso_date(s).or_else(|| NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y").ok())?;
    Some(days(d))
}

/// Days since 1970-01-01.
pub fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// The hash of a person's folded surname stem + name + middle name (the name key).
pub fn name_key(surname: &str, name: &str, middle: &str, buf: &mut String) -> u64 {
    buf.clear();
    fold_surname_into(surname, buf);
    buf.push('|');
    fold_into(name, buf);
    buf.push('|');
    fold_into(middle, buf);
    let mut h = rustc_hash::FxHasher::default();
    buf.hash(&mut h);
    h.finish()
}

const IIN_ALIASES: &[&str] = &["ИИН", "ЖСН", "IIN", "Код избирателя", "iin"];
const SURNAME: &[&str] = &["Фамилия", "Тегі", "surname", "last name"];
const NAME: &[&str] = &["Имя", "Аты", "name", "first name", "given name"];
const MIDDLE: &[&str] = &["Отчество", "Әкесінің аты", "middle name", "patronymic"];
const DOB: &[&str] = &[
    "Дата рождения",
    "Туған күні",
    "birth date",
    "date of birth",
    "dob",
];

fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["csv", "xlsx", "CSV", "XLSX", "xls"]
        .iter()
        .map(|e| dir.join(format!("{stem}.{e}")))
        .find(|p| p.is_file())
}

/// Reads every list present in `dir`. Fails when `dir` is not a folder or a list is unreadable.
pub fn read_references(dir: &Path, intake: &mut Intake) -> Result<References, ReconcileError> {
    if !dir.is_dir() {
        return Err(ReconcileError::Input(format!(
            "{}: the reference lists folder does not exist",
            dir.display()
        )));
    }
    let mut refs = References::default();
    let mut buf = String::new();
    for kind in RefKind::ALL {
        let Some(path) = find(dir, kind.stem()) else {
            continue;
        };
        let file = crate::io::file_name(&path);
        let f = intake.open(&file, kind.stem());
        let columns = [
            Column {
                key: "iin",
                aliases: IIN_ALIASES,
                required: false,
            },
            Column {
                key: "surname",
                aliases: SURNAME,
                required: false,
            },
            Column {
                key: "name",
                aliases: NAME,
                required: false,
            },
            Column {
                key: "middle_name",
                aliases: MIDDLE,
                required: false,
            },
            Column {
                key: "birth_date",
                aliases: DOB,
                required: false,
            },
        ];
        let mut list = RefList {
            kind,
            file: file.clone(),
            path: path.clone(),
            by_iin: FxHashMap::default(),
            by_name: FxHashMap::default(),
            dobs: FxHashSet::default(),
        };
        let mut date = String::new();
        read_table(&path, &columns, &mut |r| {
            if let Ok(iin) = r.get(0).parse::<Iin>() {
                list.by_iin.entry(iin.as_u64()).or_insert(r.line);
                intake.accept(f);
                return;
            }
            date.clear();
            let dob = crate::io::normalize_date(r.get(4), &mut date)
                .then(|| dob_days(&date))
                .flatten();
            match dob {
                Some(dob) if !r.get(1).is_empty() && !r.get(2).is_empty() => {
                    let k = name_key(r.get(1), r.get(2), r.get(3), &mut buf);
                    list.by_name.entry((dob, k)).or_insert(r.line);
                    list.dobs.insert(dob);
                    intake.accept(f);
                }
                _ => intake.reject(
                    f,
                    r.line,
                    "iin",
                    "neither a valid IIN nor surname, name and date of birth",
                ),
            }
        })
        .map_err(ReconcileError::Io)?;
        refs.lists.push(list);
    }
    if let Some(path) = find(dir, "documents") {
        let file = crate::io::file_name(&path);
        let f = intake.open(&file, "documents");
        let columns = [
            Column {
                key: "number",
                aliases: &[
                    "Номер документа",
                    "Номер",
                    "Құжат нөмірі",
                    "Нөмірі",
                    "document number",
                    "id number",
                    "number",
                ],
                required: true,
            },
            Column {
                key: "status",
                aliases: &[
                    "Статус",
                    "Состояние",
                    "Мәртебесі",
                    "Күйі",
                    "status",
                    "state",
                ],
                required: false,
            },
            Column {
                key: "valid_until",
                aliases: &[
                    "Действителен до",
                    "Срок действия",
                    "Жарамдылық мерзімі",
                    "Дейін жарамды",
                    "valid until",
                    "expires",
                    "expiry date",
                ],
                required: false,
            },
        ];
        let mut rows: FxHashMap<String, DocumentRow> = FxHashMap::default();
        let mut date = String::new();
        read_table(&path, &columns, &mut |r| {
            let key = doc_key(r.get(0));
            if key.is_empty() {
                intake.reject(f, r.line, "number", "the document number is empty");
                return;
            }
            date.clear();
            let until = r.get(2);
            let valid_until = if until.is_empty() {
                None
            } else if crate::io::normalize_date(until, &mut date) {
                NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok()
            } else {
                intake.reject(f, r.line, "valid_until", "not a date");
                return;
            };
            let status = r.get(1).to_string();
            rows.entry(key).or_insert(DocumentRow {
                line: r.line,
                valid: status_is_valid(&status),
                status,
                valid_until,
            });
            intake.accept(f);
        })
        .map_err(ReconcileError::Io)?;
        refs.documents = Some(Documents { file, path, rows });
    }
    Ok(refs)
}

/// Whether a document status means "valid" (empty counts as valid: the expiry decides).
pub fn status_is_valid(s: &str) -> bool {
    let k: String = s
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        k.as_str(),
        "" | "valid"
            | "active"
            | "1"
            | "true"
            | "действителен"
            | "действительный"
            | "действующий"
            | "жарамды"
            | "жарамдықұжат"
            | "белсенді"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_statuses_in_three_languages_are_understood() {
        for s in ["", "Действителен", "жарамды", "VALID", "active"] {
            assert!(status_is_valid(s), "{s}");
        }
        for s in ["Недействителен", "утерян", "жарамсыз", "invalid", "stolen"]
        {
            assert!(!status_is_valid(s), "{s}");
        }
    }

    #[test]
    fn document_numbers_compare_without_spaces_and_case() {
        assert_eq!(doc_key(" n 0123-456 "), "N0123456");
    }

    #[test]
    fn name_keys_agree_across_scripts() {
        let mut b = String::new();
        let a = name_key("Ержанов", "Ержан", "Серікұлы", &mut b);
        let c = name_key("Yerzhanov", "Erzhan", "Serikuly", &mut b);
        assert_eq!(a, c);
        assert_ne!(a, name_key("Ержанов", "Ерлан", "Серікұлы", &mut b));
    }

    #[test]
    fn lists_are_read_by_iin_and_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("deceased.csv"),
            "ИИН,Фамилия,Имя,Отчество,Дата рождения\n900101300017,,,,\n,Ахметов,Ерлан,,05.03.1987\n123,,,,\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("documents.csv"),
            "number,status,valid_until\nN1,invalid,\nN2,valid,01.01.2020\n",
        )
        .unwrap();
        let mut intake = Intake::default();
        let r = read_references(dir.path(), &mut intake).unwrap();
        let l = r.list(RefKind::Deceased).unwrap();
        assert_eq!(l.by_iin(900101300017), Some(2));
        let dob = days(NaiveDate::from_ymd_opt(1987, 3, 5).unwrap());
        let mut b = String::new();
        assert_eq!(
            l.by_name(dob, name_key("Akhmetov", "Erlan", "", &mut b)),
            Some(3)
        );
        assert_eq!(intake.rejects.len(), 1);
        assert_eq!(intake.rejects[0].line, 4);
        let d = r.documents.as_ref().unwrap();
        assert!(!d.get("n1").unwrap().valid);
        assert_eq!(
            d.get("N2").unwrap().valid_until,
            NaiveDate::from_ymd_opt(2020, 1, 1)
        );
        assert!(r.list(RefKind::Emigrated).is_none());
    }
}
