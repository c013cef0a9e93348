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
//! Files are recognised by name, in Russian, Kazakh or English (`deceased`, `умершие`,
//! `қайтыс болғандар`, `departed`, `выбывшие`, `confinement`, `лишенные свободы`, …: see
//! [`RefKind::name_stems`]), the name lower-cased with everything but letters and digits
//! dropped, so `Умершие 2026.xlsx` and `list_of_deceased.csv` are recognised; failing that,
//! by a header only that list has (`Дата смерти`, `Дата выезда`, `Статус` with a document
//! number…). A file recognised as nothing, as two lists, or a second file for one list stops
//! the run naming it (unless ignored with `--ignore-ref`).
//!
//! A person row matches a voter by IIN; a row without a usable IIN matches by folded surname,
//! name, middle name and date of birth (exact equality of the folded forms; a voter name
//! with a `?` of a CP1251 export matches with the letters `?` may stand for blurred). A
//! missing file skips its check (the console, the act and the statistics say so). Rows that
//! name neither a usable IIN nor a surname, name and date of birth are rejected into the
//! intake.

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

    /// Stems that recognise the list in a file name (compared with the name lower-cased,
    /// letters and digits only, `ё` as `е`): Russian, Kazakh and English.
    pub fn name_stems(self) -> &'static [&'static str] {
        match self {
            RefKind::Deregistered => &[
                "deregist",
                "unregist",
                "removedfromregist",
                "снятсучет",
                "снятыесучет",
                "снятыхсучет",
                "снятиесучет",
                "снятыесрегистрац",
                "выписан",
                "тіркеуденшығ",
                "тиркеуденшыг",
                "тіркеуденалын",
            ],
            RefKind::Emigrated => &[
                "emigra",
                "depart",
                "leftkazakhstan",
                "выбыв",
                "выехав",
                "эмигр",
                "пмж",
                "кеткен",
                "көшіпкет",
                "шетелгекет",
            ],
            RefKind::NonCitizens => &[
                "noncitizen",
                "notcitizen",
                "foreign",
                "stateless",
                "негражд",
                "неявляющиесягражд",
                "иностран",
                "безгражд",
                "азаматемес",
                "азаматыемес",
                "шетелдік",
                "азаматтығыжоқ",
            ],
            RefKind::Incapable => &[
                "incapab",
                "incapacit",
                "incompeten",
                "недееспособ",
                "әрекеткеқабілетсіз",
                "арекеткекабилетсиз",
            ],
            RefKind::Confined => &[
                "confin",
                "prison",
                "imprison",
                "incarcerat",
                "лишенсвобод",
                "лишенныесвобод",
                "лишенныхсвобод",
                "лишениясвобод",
                "заключен",
                "осужден",
                "бостандығынанайыр",
                "бостандыгынанайыр",
                "сотталған",
            ],
            RefKind::Deceased => &[
                "deceas",
                "dead",
                "died",
                "death",
                "умерш",
                "умерл",
                "смерт",
                "скончав",
                "қайтысбол",
                "кайтысбол",
                "өлген",
                "қайтқан",
            ],
            RefKind::LostCitizenship => &[
                "lostcitizen",
                "citizenshiplost",
                "renounc",
                "утратив",
                "утратагражд",
                "утратыгражд",
                "прекращениегражд",
                "азаматтығынжоғалт",
                "азаматтыгынжогалт",
                "азаматтықтанайырыл",
            ],
        }
    }

    /// Headers only this list carries (a fallback when the file name says nothing).
    fn header_hints(self) -> &'static [&'static str] {
        match self {
            RefKind::Deregistered => &[
                "Дата снятия с учета",
                "Дата снятия с регистрации",
                "Тіркеуден шыққан күні",
                "deregistration date",
                "date of deregistration",
            ],
            RefKind::Emigrated => &[
                "Дата выезда",
                "Страна выезда",
                "Страна назначения",
                "Кеткен күні",
                "Кеткен елі",
                "departure date",
                "date of departure",
                "destination country",
            ],
            RefKind::NonCitizens => &["Гражданство", "Азаматтығы", "citizenship"],
            RefKind::Incapable => &[
                "Дата признания недееспособным",
                "Әрекетке қабілетсіз деп танылған күні",
                "incapacity date",
            ],
            RefKind::Confined => &[
                "Дата освобождения",
                "Учреждение",
                "Мекеме",
                "Босатылған күні",
                "release date",
                "institution",
            ],
            RefKind::Deceased => &[
                "Дата смерти",
                "Қайтыс болған күні",
                "date of death",
                "death date",
            ],
            RefKind::LostCitizenship => &[
                "Дата утраты гражданства",
                "Азаматтығын жоғалтқан күні",
                "citizenship lost on",
                "date of loss of citizenship",
            ],
        }
    }
}

/// A check a file of the refs folder serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefCheck {
    List(RefKind),
    Documents,
}

impl RefCheck {
    pub const ALL: [RefCheck; 8] = [
        RefCheck::List(RefKind::Deregistered),
        RefCheck::List(RefKind::Emigrated),
        RefCheck::List(RefKind::NonCitizens),
        RefCheck::List(RefKind::Incapable),
        RefCheck::List(RefKind::Confined),
        RefCheck::List(RefKind::Deceased),
        RefCheck::List(RefKind::LostCitizenship),
        RefCheck::Documents,
    ];

    /// The canonical file stem, the check's key.
    pub fn stem(self) -> &'static str {
        match self {
            RefCheck::List(k) => k.stem(),
            RefCheck::Documents => "documents",
        }
    }

    fn name_stems(self) -> &'static [&'static str] {
        match self {
            RefCheck::List(k) => k.name_stems(),
            RefCheck::Documents => &[
                "document",
                "passport",
                "idcard",
                "документ",
                "удостоверен",
                "паспорт",
                "құжат",
                "куәлік",
                "куалик",
            ],
        }
    }

    /// The check in Kazakh / Russian / English, for the console and the act.
    pub fn title(self) -> &'static str {
        match self {
            RefCheck::List(RefKind::Deregistered) => {
                "тіркеуден шығарылғандар / снятые с учёта / deregistered (6)"
            }
            RefCheck::List(RefKind::Emigrated) => {
                "ТТЖ-ға кеткендер / выбывшие на ПМЖ / emigrated (7)"
            }
            RefCheck::List(RefKind::NonCitizens) => {
                "ҚР азаматы еместер / не граждане РК / non-citizens (8)"
            }
            RefCheck::List(RefKind::Incapable) => {
                "әрекетке қабілетсіздер / недееспособные / incapable (9)"
            }
            RefCheck::List(RefKind::Confined) => {
                "бас бостандығынан айырылғандар / лишённые свободы / confined (9)"
            }
            RefCheck::List(RefKind::Deceased) => "қайтыс болғандар / умершие / deceased (9)",
            RefCheck::List(RefKind::LostCitizenship) => {
                "азаматтығын жоғалтқандар / утратившие гражданство / lost citizenship (9)"
            }
            RefCheck::Documents => "құжаттар / документы / identity documents (2)",
        }
    }
}

/// Which file served which check, and how it was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSource {
    pub check: RefCheck,
    pub path: PathBuf,
    /// `file name` or `headers`.
    pub by: &'static str,
}

/// The checks a file name recognises (by [`RefCheck::name_stems`]).
pub fn checks_by_name(file_name: &str) -> Vec<RefCheck> {
    let stem = file_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(file_name);
    let key = crate::io::table::header_key(stem);
    RefCheck::ALL
        .into_iter()
        .filter(|c| c.name_stems().iter().any(|s| key.contains(s)))
        .collect()
}

/// The checks a header row recognises (by a header only that list carries; documents by a
/// number column with a status or validity column).
fn checks_by_header(header: &[String]) -> Vec<RefCheck> {
    use crate::io::table::header_key;
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    let has = |aliases: &[&str]| {
        aliases
            .iter()
            .any(|a| keys.iter().any(|k| *k == header_key(a)))
    };
    let mut out: Vec<RefCheck> = RefKind::ALL
        .into_iter()
        .filter(|k| has(k.header_hints()))
        .map(RefCheck::List)
        .collect();
    if has(DOC_NUMBER) && (has(DOC_STATUS) || has(DOC_UNTIL)) {
        out.push(RefCheck::Documents);
    }
    out
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
    /// The same rows by [`blurred_key`], for voter names with a `?` of a CP1251 export.
    by_blurred: FxHashMap<(i32, u64), u64>,
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

    /// The row for a blurred name key ([`blurred_key`]) and date of birth.
    pub fn by_blurred(&self, dob: i32, key: u64) -> Option<u64> {
        self.by_blurred.get(&(dob, key)).copied()
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
    /// Which file served which check (in the order of [`RefCheck::ALL`]).
    pub sources: Vec<RefSource>,
    /// Files of the folder left out with `--ignore-ref`.
    pub ignored: Vec<PathBuf>,
}

impl References {
    pub fn list(&self, k: RefKind) -> Option<&RefList> {
        self.lists.iter().find(|l| l.kind == k)
    }

    /// The input files read, for the act, with the check each served.
    pub fn paths(&self) -> Vec<(&Path, &Arc<str>, &'static str)> {
        let mut v: Vec<(&Path, &Arc<str>, &'static str)> = self
            .lists
            .iter()
            .map(|l| (l.path.as_path(), &l.file, l.kind.stem()))
            .collect();
        if let Some(d) = &self.documents {
            v.push((d.path.as_path(), &d.file, "documents"));
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

/// [`name_key`] with the letters a `?` of a CP1251 export may stand for (once folded: а г к
/// н о у х и) blurred into one, for voter names that carry a `?`.
pub fn blurred_key(surname: &str, name: &str, middle: &str, buf: &mut String) -> u64 {
    name_key(surname, name, middle, buf);
    let mut h = rustc_hash::FxHasher::default();
    for c in buf.chars() {
        let c = if matches!(c, 'а' | 'г' | 'к' | 'н' | 'о' | 'у' | 'х' | 'и' | '?') {
            '*'
        } else {
            c
        };
        c.hash(&mut h);
    }
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

const DOC_NUMBER: &[&str] = &[
    "Номер документа",
    "Номер",
    "Құжат нөмірі",
    "Нөмірі",
    "document number",
    "id number",
    "number",
];
const DOC_STATUS: &[&str] = &[
    "Статус",
    "Состояние",
    "Мәртебесі",
    "Күйі",
    "status",
    "state",
];
const DOC_UNTIL: &[&str] = &[
    "Действителен до",
    "Срок действия",
    "Жарамдылық мерзімі",
    "Дейін жарамды",
    "valid until",
    "expires",
    "expiry date",
];

/// Reads every list present in `dir` (see the module doc).
pub fn read_references(dir: &Path, intake: &mut Intake) -> Result<References, ReconcileError> {
    read_references_ignoring(dir, &[], intake)
}

/// Whether a file is one the user asked to leave out (`--ignore-ref`, by path or name).
fn ignored(path: &Path, ignore: &[PathBuf]) -> bool {
    ignore.iter().any(|i| {
        i == path
            || (i.components().count() == 1 && Some(i.as_os_str()) == path.file_name())
            || (i.canonicalize().ok().is_some()
                && i.canonicalize().ok() == path.canonicalize().ok())
    })
}

/// Recognises every file of the folder (see the module doc); unrecognised or doubled files
/// are an error naming them. Dot-files and Excel's `~$` lock files are system artefacts,
/// not lists, and folders are not looked into.
pub fn recognise(
    dir: &Path,
    ignore: &[PathBuf],
) -> Result<(Vec<RefSource>, Vec<PathBuf>), ReconcileError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        ReconcileError::Input(format!(
            "{}: cannot list the reference lists folder: {e}",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !n.starts_with('.') && !n.starts_with("~$")
        })
        .collect();
    files.sort();
    let mut sources: Vec<RefSource> = Vec::new();
    let mut skipped = Vec::new();
    for path in files {
        if ignored(&path, ignore) {
            skipped.push(path);
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (mut checks, by) = (checks_by_name(&name), "file name");
        let (checks, by) = if checks.is_empty() {
            // Unreadable as a table: no header, hence unrecognised (said below).
            let header = crate::io::table::read_header(&path).unwrap_or_default();
            (checks_by_header(&header), "headers")
        } else {
            checks.dedup();
            (checks, by)
        };
        match checks.as_slice() {
            [one] => {
                if let Some(other) = sources.iter().find(|s| s.check == *one) {
                    return Err(ReconcileError::Input(format!(
                        "{} and {} are both the {} list: keep one, or leave one out with --ignore-ref FILE",
                        other.path.display(),
                        path.display(),
                        one.stem()
                    )));
                }
                sources.push(RefSource {
                    check: *one,
                    path,
                    by,
                });
            }
            [] => {
                return Err(ReconcileError::Input(format!(
                    "{}: not recognised as a reference list by its name or its headers; name it after its list ({}) in Russian, Kazakh or English, or leave it out with --ignore-ref {}",
                    path.display(),
                    RefCheck::ALL.map(|c| c.stem()).join(", "),
                    name
                )));
            }
            several => {
                return Err(ReconcileError::Input(format!(
                    "{}: could be several reference lists ({}); rename it, or leave it out with --ignore-ref {}",
                    path.display(),
                    several
                        .iter()
                        .map(|c| c.stem())
                        .collect::<Vec<_>>()
                        .join(", "),
                    name
                )));
            }
        }
    }
    sources.sort_by_key(|s| s.check);
    Ok((sources, skipped))
}

/// [`read_references`], leaving out the files of `ignore`.
pub fn read_references_ignoring(
    dir: &Path,
    ignore: &[PathBuf],
    intake: &mut Intake,
) -> Result<References, ReconcileError> {
    if !dir.is_dir() {
        return Err(ReconcileError::Input(format!(
            "{}: the reference lists folder does not exist",
            dir.display()
        )));
    }
    let (sources, ignored) = recognise(dir, ignore)?;
    let find = |check: RefCheck| {
        sources
            .iter()
            .find(|s| s.check == check)
            .map(|s| s.path.clone())
    };
    let mut refs = References {
        sources: sources.clone(),
        ignored,
        ..References::default()
    };
    let mut buf = String::new();
    for kind in RefKind::ALL {
        let Some(path) = find(RefCheck::List(kind)) else {
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
            by_blurred: FxHashMap::default(),
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
                    let b = blurred_key(r.get(1), r.get(2), r.get(3), &mut buf);
                    list.by_blurred.entry((dob, b)).or_insert(r.line);
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
    if let Some(path) = find(RefCheck::Documents) {
        let file = crate::io::file_name(&path);
        let f = intake.open(&file, "documents");
        let columns = [
            Column {
                key: "number",
                aliases: DOC_NUMBER,
                required: true,
            },
            Column {
                key: "status",
                aliases: DOC_STATUS,
                required: false,
            },
            Column {
                key: "valid_until",
                aliases: DOC_UNTIL,
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

    /// File names as agencies write them, in three languages, each to its one list.
    #[test]
    fn list_files_are_recognised_by_name_in_three_languages() {
        use RefKind::*;
        for (name, want) in [
            ("deceased.csv", RefCheck::List(Deceased)),
            ("Умершие 2026.xlsx", RefCheck::List(Deceased)),
            ("список умерших.csv", RefCheck::List(Deceased)),
            ("қайтыс болғандар.csv", RefCheck::List(Deceased)),
            ("emigrated.csv", RefCheck::List(Emigrated)),
            ("departed.csv", RefCheck::List(Emigrated)),
            ("выбывшие.csv", RefCheck::List(Emigrated)),
            ("Выехавшие на ПМЖ.xlsx", RefCheck::List(Emigrated)),
            ("confined.csv", RefCheck::List(Confined)),
            ("confinement.csv", RefCheck::List(Confined)),
            ("лишенные свободы.csv", RefCheck::List(Confined)),
            ("Лишённые свободы.csv", RefCheck::List(Confined)),
            (
                "бас бостандығынан айырылғандар.csv",
                RefCheck::List(Confined),
            ),
            ("incapable.csv", RefCheck::List(Incapable)),
            ("недееспособные.csv", RefCheck::List(Incapable)),
            ("lost_citizenship.csv", RefCheck::List(LostCitizenship)),
            (
                "утратившие гражданство.csv",
                RefCheck::List(LostCitizenship),
            ),
            ("non_citizens.csv", RefCheck::List(NonCitizens)),
            ("Не граждане РК.csv", RefCheck::List(NonCitizens)),
            ("иностранцы.csv", RefCheck::List(NonCitizens)),
            ("deregistered.csv", RefCheck::List(Deregistered)),
            ("снятые с учёта.csv", RefCheck::List(Deregistered)),
            ("documents.csv", RefCheck::Documents),
            ("Реестр документов.xlsx", RefCheck::Documents),
            ("құжаттар.csv", RefCheck::Documents),
        ] {
            assert_eq!(checks_by_name(name), vec![want], "{name}");
        }
        for name in ["notes.csv", "export_0412.csv", "README.txt"] {
            assert_eq!(checks_by_name(name), vec![], "{name}");
        }
    }

    #[test]
    fn a_list_is_recognised_by_a_header_only_it_carries() {
        let h = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            checks_by_header(&h(&["ИИН", "Фамилия", "Дата смерти"])),
            vec![RefCheck::List(RefKind::Deceased)]
        );
        assert_eq!(
            checks_by_header(&h(&["IIN", "Departure date", "Destination country"])),
            vec![RefCheck::List(RefKind::Emigrated)]
        );
        assert_eq!(
            checks_by_header(&h(&["Номер документа", "Статус"])),
            vec![RefCheck::Documents]
        );
        assert_eq!(checks_by_header(&h(&["ИИН", "Фамилия", "Имя"])), vec![]);
    }

    #[test]
    fn two_files_for_one_list_or_an_unknown_file_stop_the_run_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str| std::fs::write(dir.path().join(n), "ИИН\n900101300017\n").unwrap();
        w("умершие.csv");
        w("deceased.csv");
        let e = recognise(dir.path(), &[]).unwrap_err().to_string();
        assert!(
            e.contains("deceased.csv") && e.contains("умершие.csv"),
            "{e}"
        );
        let (s, ignored) = recognise(dir.path(), &[PathBuf::from("умершие.csv")]).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(ignored.len(), 1);
        w("notes.csv");
        let e = recognise(dir.path(), &[PathBuf::from("умершие.csv")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("notes.csv") && e.contains("--ignore-ref"), "{e}");
        // System artefacts are no lists.
        w(".DS_Store");
        w("~$deceased.xlsx");
        let ignore = [PathBuf::from("умершие.csv"), PathBuf::from("notes.csv")];
        assert_eq!(recognise(dir.path(), &ignore).unwrap().0.len(), 1);
    }

    #[test]
    fn a_cp1251_name_with_question_marks_finds_its_row_by_the_blurred_key() {
        let mut b = String::new();
        let row = blurred_key("Қасымов", "Ерлан", "Серікұлы", &mut b);
        assert_eq!(row, blurred_key("?асымов", "Ерлан", "Сер?к?лы", &mut b));
        assert_ne!(row, blurred_key("?асымов", "Ерлан", "Маратұлы", &mut b));
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
