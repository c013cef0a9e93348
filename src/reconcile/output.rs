//! The output files of a reconciliation, all written atomically (temporary file + rename)
//! into `OUT/reconciliation/` (and `OUT/report.geojson` when it exists):
//!
//! - `cat1_identification.csv` … `cat9_no_suffrage.csv`: one row per record and subcategory;
//! - `submission_only.csv`, `register_only.csv`: records with no counterpart;
//! - `reconciliation.xlsx`: a sheet per category, the two lists, and a statistics sheet;
//! - `reconciliation_stats.json`: counts per region, district and precinct;
//! - `act.txt`, `act.json`: the transfer-and-acceptance act (paragraph 5).
//!
//! CSV files are UTF-8 with a BOM (Excel opens them right), comma-separated, with one header
//! row whose cells name each column in Kazakh and Russian: `ЖСН / ИИН`. The columns of the
//! category files are listed in [`DISCREPANCY_COLUMNS`] (English keys in the README).

use super::{
    Category, Discrepancy, Evidence, Level, NONE, ReconcileError, Reconciliation, References,
    SpellingRule, SpellingVariant, Sub, literal_eq,
};
use crate::model::{Iin, VoterField, VoterRow, VoterTable};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The columns of a category file: (English key, Kazakh / Russian header).
pub const DISCREPANCY_COLUMNS: [(&str, &str); 25] = [
    ("category", "Санат / Категория"),
    ("subcategory", "Кіші санат / Подкатегория"),
    ("level", "Деңгейі / Уровень"),
    ("record", "Жазба коды / Код записи"),
    ("line", "Жол / Строка"),
    ("precinct", "Учаске / Участок"),
    ("district", "Аудан / Район"),
    ("iin", "ЖСН / ИИН"),
    ("surname", "Тегі / Фамилия"),
    ("name", "Аты / Имя"),
    ("middle_name", "Әкесінің аты / Отчество"),
    ("birth_date", "Туған күні / Дата рождения"),
    ("matched_by", "Сәйкестендіру тәсілі / Способ сопоставления"),
    ("pair_scores", "Сәйкестік бағалары / Оценки сопоставления"),
    ("register_record", "Тізілім жазбасы / Запись регистра"),
    ("register_line", "Тізілім жолы / Строка регистра"),
    ("field", "Өріс / Поле"),
    ("submission_value", "Тізімдегі мән / Значение в списке"),
    (
        "register_value",
        "Тізілімдегі (анықтамадағы) мән / Значение в регистре (справке)",
    ),
    ("score", "Ұқсастық / Сходство"),
    ("threshold", "Шегі / Порог"),
    ("agreed", "Сәйкес өрістер / Совпавшие поля"),
    ("differed", "Сәйкес емес өрістер / Различающиеся поля"),
    ("source", "Дереккөз / Источник"),
    ("explanation", "Түсініктеме / Пояснение"),
];

/// The columns of `submission_only.csv` / `register_only.csv`.
pub const LIST_COLUMNS: [(&str, &str); 10] = [
    ("record", "Жазба коды / Код записи"),
    ("line", "Жол / Строка"),
    ("precinct", "Учаске / Участок"),
    ("district", "Аудан / Район"),
    ("iin", "ЖСН / ИИН"),
    ("surname", "Тегі / Фамилия"),
    ("name", "Аты / Имя"),
    ("middle_name", "Әкесінің аты / Отчество"),
    ("birth_date", "Туған күні / Дата рождения"),
    ("explanation", "Түсініктеме / Пояснение"),
];

/// The columns of `spelling_variants.csv`: name fields written otherwise than in the
/// register in a spelling the folds explain (informational, not a discrepancy).
pub const SPELLING_COLUMNS: [(&str, &str); 12] = [
    ("record", "Жазба коды / Код записи"),
    ("line", "Жол / Строка"),
    ("precinct", "Учаске / Участок"),
    ("district", "Аудан / Район"),
    ("register_record", "Тізілім жазбасы / Запись регистра"),
    ("register_line", "Тізілім жолы / Строка регистра"),
    ("matched_by", "Сәйкестендіру тәсілі / Способ сопоставления"),
    ("field", "Өріс / Поле"),
    ("submission_value", "Тізімдегі мән / Значение в списке"),
    ("register_value", "Тізілімдегі мән / Значение в регистре"),
    ("rule", "Ереже / Правило"),
    ("explanation", "Түсініктеме / Пояснение"),
];

/// One file of the act.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActEntry {
    /// `submission`, `register`, `reference`, `output`.
    pub role: String,
    pub name: String,
    pub bytes: u64,
    pub records: u64,
    pub sha256: String,
    /// For a reference list: the check it served (`deceased`, `documents`, …).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub check: String,
}

/// What [`write_outputs`] wrote.
#[derive(Debug, Clone)]
pub struct OutputSummary {
    pub act: Vec<ActEntry>,
    /// True when `report.geojson` was found and updated.
    pub geojson_updated: bool,
}

/// An input file for the act: role, path, record count, and for a reference list the
/// check it served (empty otherwise).
pub type InputFile = (String, PathBuf, u64, String);

struct Ctx<'a> {
    sub: &'a VoterTable,
    reg: &'a VoterTable,
    refs: &'a References,
    res: &'a Reconciliation,
    /// Per group of the same voter (index as in [`Reconciliation::groups`]).
    groups: Vec<GroupLabels>,
}

/// A group's members as `code@precinct` (in the group's order), their total length, and
/// the number of distinct precincts.
struct GroupLabels {
    labels: Vec<String>,
    text: usize,
    precincts: usize,
}

impl<'a> Ctx<'a> {
    fn new(
        sub: &'a VoterTable,
        reg: &'a VoterTable,
        refs: &'a References,
        res: &'a Reconciliation,
    ) -> Self {
        let groups = res
            .groups
            .par_iter()
            .map(|members| {
                let mut labels = Vec::with_capacity(members.len());
                let mut precincts = std::collections::BTreeSet::new();
                for &k in members {
                    let o = sub.get(k as usize);
                    let p = o.field(VoterField::Precinct);
                    labels.push(format!("{}@{p}", o.code()));
                    precincts.insert(p);
                }
                GroupLabels {
                    text: labels.iter().map(|l| l.len() + 2).sum(),
                    labels,
                    precincts: precincts.len(),
                }
            })
            .collect();
        Ctx {
            sub,
            reg,
            refs,
            res,
            groups,
        }
    }
}

fn wr(path: &Path, e: impl std::fmt::Display) -> ReconcileError {
    ReconcileError::Write {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// A file written: its path, records, and the size and SHA-256 of the bytes written.
struct Written {
    path: PathBuf,
    records: u64,
    bytes: u64,
    sha256: String,
}

/// Passes bytes through to `inner`, counting and hashing them: the act's figures of an
/// output file come from the bytes as they are written, without reading the file again.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(2 * digest.len());
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Writes `path` atomically with `fill`; the size and SHA-256 are those of the bytes `fill`
/// wrote (which are the file's).
fn write_hashed(
    path: &Path,
    records: u64,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Written, ReconcileError> {
    let mut sum = None;
    crate::report::write_atomic(path, |w| {
        let mut h = Hashing {
            inner: w,
            hash: Sha256::new(),
            bytes: 0,
        };
        fill(&mut h)?;
        sum = Some((h.bytes, hex(&h.hash.finalize())));
        Ok(())
    })
    .map_err(|e| wr(path, e))?;
    let (bytes, sha256) = sum.expect("write_atomic ran fill");
    Ok(Written {
        path: path.to_path_buf(),
        records,
        bytes,
        sha256,
    })
}

/// Rows rendered by one task of a CSV file, and tasks rendered before their bytes are
/// written (bounds the memory of a file in flight).
const CHUNK_ROWS: usize = 2048;
const CHUNKS_PER_BATCH: usize = 16;

/// Renders one row into a CSV writer.
type RenderRow<'f, T> = dyn Fn(&T, &mut csv::Writer<Vec<u8>>) -> csv::Result<()> + Sync + 'f;

fn csv_error(e: csv::IntoInnerError<csv::Writer<Vec<u8>>>) -> std::io::Error {
    e.into_error()
}

/// Writes a CSV file's bytes: a BOM, the header, then the rows of `items` rendered in
/// parallel by chunks of `chunk` rows and written in order. The bytes are those of one
/// `csv::Writer` writing every row in turn (a row's quoting depends on that row alone).
fn stream_csv<T: Sync>(
    w: &mut dyn Write,
    header: &[&str],
    items: &[T],
    chunk: usize,
    render: &RenderRow<'_, T>,
) -> std::io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut c = csv::Writer::from_writer(Vec::new());
    c.write_record(header)?;
    w.write_all(&c.into_inner().map_err(csv_error)?)?;
    for batch in items.chunks(chunk * CHUNKS_PER_BATCH) {
        let parts = batch
            .par_chunks(chunk)
            .map(|rows| {
                let mut c = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(Vec::with_capacity(rows.len() * 320));
                for x in rows {
                    render(x, &mut c)?;
                }
                c.into_inner().map_err(csv_error)
            })
            .collect::<std::io::Result<Vec<Vec<u8>>>>()?;
        for p in parts {
            w.write_all(&p)?;
        }
    }
    Ok(())
}

fn write_row<const N: usize>(
    c: &mut csv::Writer<Vec<u8>>,
    row: &[Cow<'_, str>; N],
) -> csv::Result<()> {
    c.write_record(row.iter().map(|x| x.as_bytes()))
}

/// A category file's row, and a list file's.
type Row<'a> = [Cow<'a, str>; DISCREPANCY_COLUMNS.len()];
type ListRow<'a> = [Cow<'a, str>; LIST_COLUMNS.len()];

const CATEGORY_NUMBERS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// For each subset of [`PERSON_FIELDS`] that agreed (bit k = field k), the keys of the
/// agreed and the differing fields, space-separated.
fn agreement_table() -> &'static [(String, String); 32] {
    static T: std::sync::OnceLock<[(String, String); 32]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|m| {
            let pick = |agreed: bool| {
                PERSON_FIELDS
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| (m >> k & 1 == 1) == agreed)
                    .map(|(_, (_, key))| *key)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            (pick(true), pick(false))
        })
    })
}

const PERSON_FIELDS: [(VoterField, &str); 5] = [
    (VoterField::Iin, "iin"),
    (VoterField::Surname, "surname"),
    (VoterField::Name, "name"),
    (VoterField::MiddleName, "middle_name"),
    (VoterField::BirthDate, "birth_date"),
];

impl<'a> Ctx<'a> {
    fn title(s: Sub) -> &'static str {
        match s {
            Sub::IinFormat => "ЖСН 12 цифрдан тұрмайды / ИИН не из 12 цифр",
            Sub::IinCheckDigit => "ЖСН бақылау саны қате / неверная контрольная цифра ИИН",
            Sub::IinBirthDate => {
                "ЖСН-дағы күн туған күнмен сәйкес емес (2013 ж. бастап рұқсат) / дата в ИИН не совпадает с датой рождения (допустимо с 2013 г.)"
            }
            Sub::IinSex => {
                "ЖСН-дағы жыныс сәйкес емес (2013 ж. бастап рұқсат) / пол в ИИН не совпадает (допустимо с 2013 г.)"
            }
            Sub::IinDiffers => "ЖСН тізілімдегіден өзгеше / ИИН отличается от регистра",
            Sub::Surname => "Тегі тізілімдегіден өзгеше / фамилия отличается от регистра",
            Sub::Name => "Аты тізілімдегіден өзгеше / имя отличается от регистра",
            Sub::MiddleName => "Әкесінің аты өзгеше / отчество отличается от регистра",
            Sub::BirthDate => "Туған күні өзгеше / дата рождения отличается от регистра",
            Sub::DocumentMissing => "Құжат нөмірі жоқ / номер документа не указан",
            Sub::DocumentInvalid => "Құжат жарамсыз / документ недействителен",
            Sub::DocumentExpired => "Құжаттың мерзімі өткен / срок действия документа истёк",
            Sub::TwiceByIin | Sub::SeveralByIin => {
                "Сол ЖСН басқа жазбада / тот же ИИН в другой записи"
            }
            Sub::TwiceByNameDob | Sub::SeveralByNameDob => {
                "Сол аты-жөні мен туған күні / те же ФИО и дата рождения"
            }
            Sub::RegisterOtherRegion => {
                "Тізілім бойынша басқа өңірде тіркелген / по регистру зарегистрирован в другом регионе"
            }
            Sub::ListedOtherRegion => {
                "Тізімдегі облыс басқа өңір / в списке указана другая область"
            }
            Sub::Deregistered => "Тіркеуден шығарылған / снят с регистрационного учёта",
            Sub::NoAddress => "Мекенжай көрсетілмеген / адрес не указан",
            Sub::Emigrated => "ТТЖ-ға кеткен / выехал на ПМЖ",
            Sub::NonCitizen => "ҚР азаматы емес / не гражданин РК",
            Sub::Under18 => "Сайлау күніне 18 жасқа толмаған / нет 18 лет на дату",
            Sub::Incapable => "Сот әрекетке қабілетсіз деп таныған / признан недееспособным",
            Sub::Confined => "Бас бостандығынан айыру орнында / в местах лишения свободы",
            Sub::Deceased => "Қайтыс болған / умерший",
            Sub::LostCitizenship => "ҚР азаматтығын жоғалтқан / утратил гражданство РК",
        }
    }

    fn matched_by(&self, i: u32) -> &'static str {
        let p = self.res.pair[i as usize];
        if p == NONE {
            "none"
        } else if self.res.name_matches.contains_key(&i) {
            "name_dob"
        } else {
            "iin"
        }
    }

    fn pair_scores(&self, i: u32) -> Cow<'a, str> {
        let t = &self.res.options.thresholds;
        match self.res.name_matches.get(&i) {
            Some(m) => {
                let mid = match m.middle {
                    Some(x) => format!("{x:.3} ≥ {:.2}", t.middle),
                    None => "—".into(),
                };
                format!(
                    "тегі/фамилия {:.3} ≥ {:.2}; аты/имя {:.3} ≥ {:.2}; әкесінің аты/отчество {mid}; туған күні/дата рождения =; блок {} кандидат(ов)",
                    m.surname, t.surname, m.name, t.name, m.candidates
                )
                .into()
            }
            None if self.res.pair[i as usize] != NONE => "ЖСН = ИИН".into(),
            None => "".into(),
        }
    }

    /// The fields that agreed and those that differed with the paired register record.
    fn agreement(&self, r: &VoterRow<'_>, q: Option<VoterRow<'_>>) -> (Cow<'a, str>, Cow<'a, str>) {
        let Some(q) = q else {
            return ("".into(), "".into());
        };
        let mut agreed = 0usize;
        for (k, (f, _)) in PERSON_FIELDS.iter().enumerate() {
            if literal_eq(r.field(*f), q.field(*f)) {
                agreed |= 1 << k;
            }
        }
        let t = agreement_table();
        (t[agreed].0.as_str().into(), t[agreed].1.as_str().into())
    }

    fn row(&self, d: &Discrepancy) -> Row<'a> {
        let r = self.sub.get(d.record as usize);
        let p = self.res.pair[d.record as usize];
        let q = (p != NONE).then(|| self.reg.get(p as usize));
        let t = &self.res.options.thresholds;
        let (agreed, differed) = self.agreement(&r, q);
        let mut field: Cow<'a, str> = "".into();
        let mut sv: Cow<'a, str> = "".into();
        let mut rv: Cow<'a, str> = "".into();
        let mut score: Cow<'a, str> = "".into();
        let mut threshold: Cow<'a, str> = "".into();
        let mut source: Cow<'a, str> = "".into();
        let mut explanation: Cow<'a, str> = Self::title(d.sub).into();
        let qf = |f: VoterField| -> Cow<'a, str> { q.map(|q| q.field(f)).unwrap_or("").into() };
        match d.evidence {
            Evidence::Record => match d.sub {
                Sub::IinFormat | Sub::IinCheckDigit => {
                    field = "iin".into();
                    sv = r.field(VoterField::Iin).into();
                    rv = qf(VoterField::Iin);
                    if d.sub == Sub::IinCheckDigit
                        && let Ok(digits) = Iin::digits(&sv)
                    {
                        let first: [u8; 11] = digits[..11].try_into().expect("11 digits");
                        let want = Iin::check_digit(&first)
                            .map(|k| k.to_string())
                            .unwrap_or_else(|| "—".into());
                        explanation.to_mut().push_str(&format!(
                            "; бақылау саны / контрольная цифра {} ≠ {want}",
                            digits[11]
                        ));
                    }
                }
                Sub::IinBirthDate => {
                    field = "birth_date".into();
                    sv = r.field(VoterField::BirthDate).into();
                    rv = r
                        .field(VoterField::Iin)
                        .parse::<Iin>()
                        .ok()
                        .and_then(|i| i.birth_date())
                        .map(|d| d.to_string().into())
                        .unwrap_or_default();
                    source = "ЖСН / ИИН".into();
                }
                Sub::IinSex => {
                    field = "gender".into();
                    sv = r.field(VoterField::Gender).into();
                    rv = match r
                        .field(VoterField::Iin)
                        .parse::<Iin>()
                        .ok()
                        .and_then(|i| i.sex())
                    {
                        Some(crate::model::IinSex::Male) => "ер / муж".into(),
                        Some(crate::model::IinSex::Female) => "әйел / жен".into(),
                        None => "".into(),
                    };
                    source = "ЖСН / ИИН".into();
                }
                Sub::RegisterOtherRegion | Sub::ListedOtherRegion => {
                    field = "oblast".into();
                    sv = r.field(VoterField::Oblast).into();
                    rv = qf(VoterField::Oblast);
                    explanation
                        .to_mut()
                        .push_str(&format!("; өңір / регион {}", self.res.options.region));
                }
                Sub::Under18 => {
                    field = "birth_date".into();
                    sv = r.field(VoterField::BirthDate).into();
                    rv = qf(VoterField::BirthDate);
                    explanation
                        .to_mut()
                        .push_str(&format!("; күні / на дату {}", self.res.options.date));
                }
                Sub::DocumentMissing => field = "id_number".into(),
                Sub::NoAddress => field = "residence street house".into(),
                Sub::IinDiffers
                | Sub::Surname
                | Sub::Name
                | Sub::MiddleName
                | Sub::BirthDate
                | Sub::DocumentInvalid
                | Sub::DocumentExpired
                | Sub::TwiceByIin
                | Sub::TwiceByNameDob
                | Sub::SeveralByIin
                | Sub::SeveralByNameDob
                | Sub::Deregistered
                | Sub::Emigrated
                | Sub::NonCitizen
                | Sub::Incapable
                | Sub::Confined
                | Sub::Deceased
                | Sub::LostCitizenship => {}
            },
            Evidence::Field {
                field: f,
                score: s,
                typo,
            } => {
                field = f.key().into();
                sv = r.field(f).into();
                rv = qf(f);
                if let Some(s) = s {
                    score = format!("{s:.3}").into();
                    threshold = format!(
                        "{:.2}",
                        match f {
                            VoterField::Surname => t.surname,
                            VoterField::Name => t.name,
                            _ => t.middle,
                        }
                    )
                    .into();
                    explanation.to_mut().push_str(if typo {
                        "; ереже / правило: бүктеуден кейін бір әріп қатесі / опечатка: одна правка после свёрток; ұқсастық — бүктелген түрлердің Джаро-Винклері / сходство — Джаро-Винклер свёрнутых форм"
                    } else {
                        "; ереже / правило: басқа мән, бүктеу түсіндірмейді / другое значение, свёртки не объясняют; ұқсастық — бүктелген түрлердің Джаро-Винклері / сходство — Джаро-Винклер свёрнутых форм"
                    });
                }
            }
            Evidence::Reference { list, hit } => {
                let l = self.refs.list(list);
                field = if hit.by_iin {
                    "iin"
                } else {
                    "surname name middle_name birth_date"
                }
                .into();
                if hit.by_iin {
                    sv = r.field(VoterField::Iin).into();
                }
                if let Some(l) = l {
                    source = format!("{}:{}", l.file, hit.line).into();
                }
                rv = list.stem().into();
                explanation.to_mut().push_str(if hit.by_iin {
                    "; ЖСН бойынша / по ИИН"
                } else {
                    "; аты-жөні мен туған күні бойынша / по ФИО и дате рождения"
                });
            }
            Evidence::Document { line } => {
                field = "id_number".into();
                sv = r.field(VoterField::IdNumber).into();
                if let Some(ds) = &self.refs.documents {
                    source = format!("{}:{line}", ds.file).into();
                    if let Some(row) = ds.get(&sv) {
                        rv = format!(
                            "{} {}",
                            row.status,
                            row.valid_until.map(|d| d.to_string()).unwrap_or_default()
                        )
                        .trim()
                        .to_string()
                        .into();
                    }
                }
                explanation
                    .to_mut()
                    .push_str(&format!("; күні / на дату {}", self.res.options.date));
            }
            Evidence::Group { group } => {
                let members = &self.res.groups[group as usize];
                field = match d.sub {
                    Sub::TwiceByIin | Sub::SeveralByIin => "iin",
                    _ => "surname name middle_name birth_date",
                }
                .into();
                // The other members (`code@precinct`, from labels made once per group:
                // a group can hold hundreds of records, each listing all the others).
                let g = &self.groups[group as usize];
                let mut others = String::with_capacity(g.text);
                for (&k, label) in members.iter().zip(&g.labels) {
                    if k != d.record {
                        // A label is never empty (`code@precinct`).
                        if !others.is_empty() {
                            others.push_str("; ");
                        }
                        others.push_str(label);
                    }
                }
                rv = others.into();
                sv = format!("{}@{}", r.code(), r.field(VoterField::Precinct)).into();
                explanation.to_mut().push_str(&format!(
                    "; {} жазба, {} учаске / {} записей, {} участков",
                    members.len(),
                    g.precincts,
                    members.len(),
                    g.precincts
                ));
            }
        }
        let [
            code,
            line,
            precinct,
            district,
            iin,
            surname,
            name,
            middle_name,
            birth_date,
        ] = record_cells(r);
        [
            CATEGORY_NUMBERS[d.sub.category().number() as usize].into(),
            d.sub.key().into(),
            match d.sub.level() {
                Level::Error => "error".into(),
                Level::Warning => "warning".into(),
            },
            code,
            line,
            precinct,
            district,
            iin,
            surname,
            name,
            middle_name,
            birth_date,
            self.matched_by(d.record).into(),
            self.pair_scores(d.record),
            q.map(|q| q.code()).unwrap_or("").into(),
            q.map(|q| q.line().to_string().into()).unwrap_or_default(),
            field,
            sv,
            rv,
            score,
            threshold,
            agreed,
            differed,
            source,
            explanation,
        ]
    }

    fn list_row(&self, r: VoterRow<'a>, explanation: &'static str) -> ListRow<'a> {
        let [a, b, c, d, e, f, g, h, i] = record_cells(r);
        [a, b, c, d, e, f, g, h, i, explanation.into()]
    }
}

/// The record's own cells, shared by a category file's row and a list file's: code, line,
/// then [`RECORD_FIELDS`].
fn record_cells(r: VoterRow<'_>) -> [Cow<'_, str>; 2 + RECORD_FIELDS.len()] {
    std::array::from_fn(|k| match k {
        0 => r.code().into(),
        1 => r.line().to_string().into(),
        _ => r.field(RECORD_FIELDS[k - 2]).into(),
    })
}

const RECORD_FIELDS: [VoterField; 7] = [
    VoterField::Precinct,
    VoterField::District,
    VoterField::Iin,
    VoterField::Surname,
    VoterField::Name,
    VoterField::MiddleName,
    VoterField::BirthDate,
];

/// Per-category counts: category → (distinct records, records with an error, subcategory
/// key → rows).
type Counts = BTreeMap<u8, (u64, u64, BTreeMap<&'static str, u64>)>;

fn counts_json(c: &Counts, records_with: u64) -> Value {
    let mut cats = Map::new();
    for cat in Category::ALL {
        let (n, errors, subs) = c.get(&cat.number()).cloned().unwrap_or_default();
        let mut sm = Map::new();
        for s in Sub::ALL.iter().filter(|s| s.category() == cat) {
            sm.insert(
                s.key().into(),
                json!(subs.get(s.key()).copied().unwrap_or(0)),
            );
        }
        cats.insert(
            cat.number().to_string(),
            json!({
                "records": n,
                "records_with_errors": errors,
                "records_with_warnings_only": n - errors,
                "subcategories": sm,
            }),
        );
    }
    json!({"categories": cats, "records_with_discrepancies": records_with})
}

/// Counts over a set of discrepancies (sorted by category, record).
fn count(ds: &[&Discrepancy]) -> (Counts, u64) {
    let mut c: Counts = BTreeMap::new();
    // The last (category, record) seen, and whether it was counted with an error yet.
    let mut last: Option<(u8, u32, bool)> = None;
    let mut records = std::collections::BTreeSet::new();
    for d in ds {
        let cat = d.sub.category().number();
        let error = d.sub.level() == Level::Error;
        let e = c.entry(cat).or_default();
        match last {
            Some((lc, lr, counted)) if (lc, lr) == (cat, d.record) => {
                if error && !counted {
                    e.1 += 1;
                    last = Some((cat, d.record, true));
                }
            }
            _ => {
                e.0 += 1;
                if error {
                    e.1 += 1;
                }
                last = Some((cat, d.record, error));
            }
        }
        *e.2.entry(d.sub.key()).or_default() += 1;
        records.insert(d.record);
    }
    (c, records.len() as u64)
}

fn file_label(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// What a CSV file or a workbook sheet lists.
#[derive(Clone, Copy)]
enum List<'r> {
    Category(Category, &'r [Discrepancy]),
    SubmissionOnly(&'r [u32]),
    RegisterOnly(&'r [u32]),
    Spelling(&'r [SpellingVariant]),
}

impl List<'_> {
    fn len(&self) -> usize {
        match self {
            List::Category(_, ds) => ds.len(),
            List::SubmissionOnly(x) | List::RegisterOnly(x) => x.len(),
            List::Spelling(v) => v.len(),
        }
    }

    fn file_name(&self) -> String {
        match self {
            List::Category(c, _) => format!("{}.csv", c.file_stem()),
            List::SubmissionOnly(_) => "submission_only.csv".into(),
            List::RegisterOnly(_) => "register_only.csv".into(),
            List::Spelling(_) => "spelling_variants.csv".into(),
        }
    }

    /// The sheet's name, before [`write_xlsx`] cuts it to the 31 characters a sheet allows.
    fn sheet_name(&self) -> String {
        match self {
            List::Category(c, _) => format!("{} {}", c.number(), short_sheet(*c)),
            List::SubmissionOnly(_) => "Тек тізімде - Только в списке".into(),
            List::RegisterOnly(_) => "Тек тізілімде - Только в регистре".into(),
            List::Spelling(_) => "Жазылуы - Варианты написания".into(),
        }
    }

    fn header(&self) -> Vec<&'static str> {
        match self {
            List::Category(..) => DISCREPANCY_COLUMNS.iter().map(|c| c.1).collect(),
            List::Spelling(_) => SPELLING_COLUMNS.iter().map(|c| c.1).collect(),
            List::SubmissionOnly(_) | List::RegisterOnly(_) => {
                LIST_COLUMNS.iter().map(|c| c.1).collect()
            }
        }
    }
}

const WHY_AMBIGUOUS: &str = "тізілімде екі бірдей үміткер / в регистре два равных кандидата";
const WHY_NOT_FOUND: &str = "тізілімде ЖСН да, аты-жөні мен туған күні де табылмады / в регистре нет ни ИИН, ни ФИО с датой рождения";
const WHY_NOT_LISTED: &str = "тізімде жоқ / отсутствует в списке";

impl<'a> Ctx<'a> {
    /// The lists in file order: the nine categories, then the two lists. The discrepancies
    /// are sorted by category, so each category is one slice of them.
    fn lists(&self) -> Vec<List<'a>> {
        let ds: &'a [Discrepancy] = &self.res.discrepancies;
        let mut out = Vec::new();
        for cat in Category::ALL {
            let from = ds.partition_point(|d| d.sub.category() < cat);
            let to = ds.partition_point(|d| d.sub.category() <= cat);
            out.push(List::Category(cat, &ds[from..to]));
        }
        out.push(List::SubmissionOnly(&self.res.submission_only));
        out.push(List::RegisterOnly(&self.res.register_only));
        out.push(List::Spelling(&self.res.spelling_variants));
        out
    }

    /// A row of `spelling_variants.csv`.
    fn spelling_row(&self, v: &SpellingVariant) -> [Cow<'a, str>; SPELLING_COLUMNS.len()] {
        let r = self.sub.get(v.record as usize);
        let p = self.res.pair[v.record as usize];
        let q = (p != NONE).then(|| self.reg.get(p as usize));
        [
            r.code().into(),
            r.line().to_string().into(),
            r.field(VoterField::Precinct).into(),
            r.field(VoterField::District).into(),
            q.map(|q| q.code()).unwrap_or("").into(),
            q.map(|q| q.line().to_string().into()).unwrap_or_default(),
            self.matched_by(v.record).into(),
            v.field.key().into(),
            r.field(v.field).into(),
            q.map(|q| q.field(v.field)).unwrap_or("").into(),
            v.rule.key().into(),
            format!("{}; сәйкессіздік емес / не расхождение", v.rule.title()).into(),
        ]
    }

    /// The first `n` rows of `list` (for the workbook).
    fn rows(&self, list: List<'a>, amb: &FxHashSet<u32>, n: usize) -> Vec<Vec<Cow<'a, str>>> {
        match list {
            List::Category(_, ds) => ds[..n.min(ds.len())]
                .par_iter()
                .map(|d| self.row(d).into())
                .collect(),
            List::SubmissionOnly(x) => x[..n.min(x.len())]
                .par_iter()
                .map(|&i| self.submission_only_row(i, amb).into())
                .collect(),
            List::RegisterOnly(x) => x[..n.min(x.len())]
                .par_iter()
                .map(|&j| {
                    self.list_row(self.reg.get(j as usize), WHY_NOT_LISTED)
                        .into()
                })
                .collect(),
            List::Spelling(v) => v[..n.min(v.len())]
                .par_iter()
                .map(|x| self.spelling_row(x).into())
                .collect(),
        }
    }

    fn submission_only_row(&self, i: u32, amb: &FxHashSet<u32>) -> ListRow<'a> {
        let why = if amb.contains(&i) {
            WHY_AMBIGUOUS
        } else {
            WHY_NOT_FOUND
        };
        self.list_row(self.sub.get(i as usize), why)
    }

    /// Writes a list's CSV file (see [`stream_csv`]).
    fn write_list_csv(
        &self,
        path: &Path,
        list: List<'a>,
        amb: &FxHashSet<u32>,
        chunk: usize,
    ) -> Result<Written, ReconcileError> {
        let header = list.header();
        write_hashed(path, list.len() as u64, |w| match list {
            List::Category(_, ds) => {
                stream_csv(w, &header, ds, chunk, &|d, c| write_row(c, &self.row(d)))
            }
            List::SubmissionOnly(x) => stream_csv(w, &header, x, chunk, &|&i, c| {
                write_row(c, &self.submission_only_row(i, amb))
            }),
            List::RegisterOnly(x) => stream_csv(w, &header, x, chunk, &|&j, c| {
                write_row(c, &self.list_row(self.reg.get(j as usize), WHY_NOT_LISTED))
            }),
            List::Spelling(v) => stream_csv(w, &header, v, chunk, &|x, c| {
                write_row(c, &self.spelling_row(x))
            }),
        })
    }
}

/// The statistics of a run: the JSON document, the map's counts per precinct, and the
/// number of precincts (the statistics file's records).
struct Stats {
    json: Value,
    geo_counts: BTreeMap<String, Value>,
    precincts: u64,
}

fn statistics(sub: &VoterTable, reg: &VoterTable, res: &Reconciliation) -> Stats {
    let all: Vec<&Discrepancy> = res.discrepancies.iter().collect();
    let (total_counts, total_records) = count(&all);
    let mut by_precinct: BTreeMap<&str, Vec<&Discrepancy>> = BTreeMap::new();
    let mut by_district: BTreeMap<&str, Vec<&Discrepancy>> = BTreeMap::new();
    // Spelling variants, counted apart from the discrepancies: records per precinct and
    // district, rows per rule.
    let mut spelling_precinct: BTreeMap<&str, u64> = BTreeMap::new();
    let mut spelling_district: BTreeMap<&str, u64> = BTreeMap::new();
    let mut spelling_rules: BTreeMap<&'static str, u64> =
        SpellingRule::ALL.iter().map(|r| (r.key(), 0)).collect();
    let mut spelling_records = 0u64;
    let mut last = None;
    for v in &res.spelling_variants {
        *spelling_rules.entry(v.rule.key()).or_default() += 1;
        if last != Some(v.record) {
            let r = sub.get(v.record as usize);
            spelling_records += 1;
            *spelling_precinct
                .entry(r.field(VoterField::Precinct))
                .or_default() += 1;
            *spelling_district
                .entry(r.field(VoterField::District))
                .or_default() += 1;
        }
        last = Some(v.record);
    }
    for d in &res.discrepancies {
        let r = sub.get(d.record as usize);
        by_precinct
            .entry(r.field(VoterField::Precinct))
            .or_default()
            .push(d);
        by_district
            .entry(r.field(VoterField::District))
            .or_default()
            .push(d);
    }
    // Voters per precinct, and the precinct's district: that of its first record.
    let voters_by_precinct: FxHashMap<&str, (u64, usize)> = (0..sub.len())
        .into_par_iter()
        .fold(
            FxHashMap::default,
            |mut m: FxHashMap<&str, (u64, usize)>, i| {
                let e = m
                    .entry(sub.get(i).field(VoterField::Precinct))
                    .or_insert((0, i));
                e.0 += 1;
                m
            },
        )
        .reduce(FxHashMap::default, |mut a, b| {
            for (k, (n, first)) in b {
                let e = a.entry(k).or_insert((0, first));
                e.0 += n;
                e.1 = e.1.min(first);
            }
            a
        });
    let voters_by_precinct: BTreeMap<&str, (u64, &str)> = voters_by_precinct
        .into_iter()
        .map(|(p, (n, first))| (p, (n, sub.get(first).field(VoterField::District))))
        .collect();
    let mut precinct_stats = Vec::new();
    let mut geo_counts: BTreeMap<String, Value> = BTreeMap::new();
    for (p, (voters, district)) in &voters_by_precinct {
        let mut ds = by_precinct.get(p).cloned().unwrap_or_default();
        ds.sort_by_key(|d| (d.sub.category(), d.record));
        let (c, n) = count(&ds);
        let mut v = counts_json(&c, n);
        v["precinct"] = json!(p);
        v["district"] = json!(district);
        v["voters"] = json!(voters);
        v["spelling_variants"] = json!(spelling_precinct.get(p).copied().unwrap_or(0));
        let mut g = Map::new();
        for cat in Category::ALL {
            g.insert(
                cat.number().to_string(),
                json!(c.get(&cat.number()).map(|x| x.0).unwrap_or(0)),
            );
        }
        g.insert("total".into(), json!(n));
        geo_counts.insert(p.to_string(), Value::Object(g));
        precinct_stats.push(v);
    }
    let mut district_stats = Vec::new();
    for (dname, mut ds) in by_district {
        ds.sort_by_key(|d| (d.sub.category(), d.record));
        let (c, n) = count(&ds);
        let mut v = counts_json(&c, n);
        v["district"] = json!(dname);
        v["spelling_variants"] = json!(spelling_district.get(dname).copied().unwrap_or(0));
        district_stats.push(v);
    }
    for (dname, n) in &spelling_district {
        if !district_stats.iter().any(|v| v["district"] == json!(dname)) {
            let mut v = counts_json(&Counts::new(), 0);
            v["district"] = json!(dname);
            v["spelling_variants"] = json!(n);
            district_stats.push(v);
        }
    }
    let mut region = counts_json(&total_counts, total_records);
    region["region"] = json!(res.options.region.as_str());
    let by_iin = res
        .pair
        .iter()
        .filter(|&&p| p != NONE)
        .count()
        .saturating_sub(res.name_matches.len());
    let json = json!({
        "date": res.options.date.to_string(),
        "region": res.options.region.as_str(),
        "thresholds": res.options.thresholds,
        "records": {"submission": sub.len(), "register": reg.len()},
        "pairing": {
            "by_iin": by_iin,
            "by_name_dob": res.name_matches.len(),
            "ambiguous": res.ambiguous.len(),
            "submission_only": res.submission_only.len(),
            "register_only": res.register_only.len(),
        },
        "skipped_checks": res.skipped,
        "spelling_variants": {
            "records": spelling_records,
            "fields": res.spelling_variants.len(),
            "rules": spelling_rules,
            "note": "not discrepancies: the same name in another spelling (spelling_variants.csv)",
        },
        "totals": region,
        "districts": district_stats,
        "precincts": precinct_stats,
    });
    Stats {
        json,
        geo_counts,
        precincts: voters_by_precinct.len() as u64,
    }
}

/// The statistics sheet: a row per precinct.
fn statistics_sheet(stats: &Value) -> (Vec<&'static str>, Vec<Vec<Cow<'static, str>>>) {
    let mut rows = Vec::new();
    for v in stats["precincts"].as_array().into_iter().flatten() {
        let mut row: Vec<Cow<'static, str>> = vec![
            v["precinct"].as_str().unwrap_or("").to_string().into(),
            v["district"].as_str().unwrap_or("").to_string().into(),
            v["voters"].to_string().into(),
        ];
        for cat in Category::ALL {
            row.push(
                v["categories"][cat.number().to_string()]["records"]
                    .to_string()
                    .into(),
            );
        }
        row.push(v["records_with_discrepancies"].to_string().into());
        row.push(v["spelling_variants"].to_string().into());
        rows.push(row);
    }
    let header = vec![
        "Учаске / Участок",
        "Аудан / Район",
        "Сайлаушылар / Избиратели",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "Барлығы / Всего",
        "Жазылу нұсқалары (сәйкессіздік емес) / Варианты написания (не расхождения)",
    ];
    (header, rows)
}

/// Joins the per-precinct counts onto `report.geojson` (every feature gets its precinct's
/// counts, zeros when it has none); returns the file written, `None` when there is no report.
fn join_onto_report(
    geo_path: &Path,
    geo_counts: &BTreeMap<String, Value>,
) -> Result<Option<Written>, ReconcileError> {
    if !geo_path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(geo_path).map_err(|e| ReconcileError::Write {
        path: geo_path.display().to_string(),
        source: e,
    })?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| wr(geo_path, e))?;
    drop(text);
    let zero = {
        let mut g = Map::new();
        for cat in Category::ALL {
            g.insert(cat.number().to_string(), json!(0));
        }
        g.insert("total".into(), json!(0));
        Value::Object(g)
    };
    let mut features = 0u64;
    if let Some(fs) = v["features"].as_array_mut() {
        for f in fs {
            features += 1;
            let p = match &f["properties"]["precinct"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if let Some(props) = f["properties"].as_object_mut() {
                props.insert(
                    "reconciliation".into(),
                    geo_counts.get(&p).cloned().unwrap_or_else(|| zero.clone()),
                );
            }
        }
    }
    write_hashed(geo_path, features, |w| {
        let mut b = std::io::BufWriter::with_capacity(1 << 16, w);
        serde_json::to_writer(&mut b, &v)?;
        b.flush()
    })
    .map(Some)
}

/// Streams an input file through SHA-256: (bytes, hex digest).
fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut h = Hashing {
        inner: std::io::sink(),
        hash: Sha256::new(),
        bytes: 0,
    };
    std::io::copy(&mut std::fs::File::open(path)?, &mut h)?;
    Ok((h.bytes, hex(&h.hash.finalize())))
}

/// Writes every output file (see the module doc). `inputs` are the files read, for the act.
///
/// The files are written at the same time: the category and list CSV files (each rendered
/// by chunks on every core and written in order), the workbook, the statistics, the join
/// onto `report.geojson`, and the SHA-256 of the inputs; an output's size and SHA-256 are
/// computed from its bytes as they are written. The act lists the inputs in the order given,
/// then the statistics, the nine category files, the two lists, the workbook and the report.
pub fn write_outputs(
    out: &Path,
    sub: &VoterTable,
    reg: &VoterTable,
    refs: &References,
    res: &Reconciliation,
    inputs: &[InputFile],
) -> Result<OutputSummary, ReconcileError> {
    write_outputs_chunked(out, sub, reg, refs, res, inputs, CHUNK_ROWS)
}

/// [`write_outputs`] with the rows rendered per task of a CSV file (tests use small chunks).
pub(super) fn write_outputs_chunked(
    out: &Path,
    sub: &VoterTable,
    reg: &VoterTable,
    refs: &References,
    res: &Reconciliation,
    inputs: &[InputFile],
    chunk: usize,
) -> Result<OutputSummary, ReconcileError> {
    let ctx = Ctx::new(sub, reg, refs, res);
    let dir = out.join("reconciliation");
    std::fs::create_dir_all(&dir).map_err(|e| ReconcileError::Write {
        path: dir.display().to_string(),
        source: e,
    })?;
    let stages = std::sync::Mutex::new(super::Stages::new());
    let mark = |what: &str| {
        if let Ok(mut s) = stages.lock() {
            s.mark(what);
        }
    };
    let amb: FxHashSet<u32> = res.ambiguous.iter().copied().collect();
    let lists = ctx.lists();
    let geo_path = out.join("report.geojson");
    let (csvs, (rest, input_sums)) = rayon::join(
        || {
            let r = lists
                .par_iter()
                .with_max_len(1)
                .map(|l| ctx.write_list_csv(&dir.join(l.file_name()), *l, &amb, chunk))
                .collect::<Result<Vec<Written>, ReconcileError>>();
            mark("CSV files");
            r
        },
        || {
            rayon::join(
                || -> Result<_, ReconcileError> {
                    // The workbook's list sheets while the statistics are computed, then the
                    // statistics sheet, the statistics file and the map's counts.
                    let (sheets, stats) = rayon::join(
                        || {
                            lists
                                .iter()
                                .map(|l| {
                                    (
                                        l.sheet_name(),
                                        l.header(),
                                        ctx.rows(*l, &amb, XLSX_MAX_ROWS),
                                        l.len(),
                                    )
                                })
                                .collect::<Vec<_>>()
                        },
                        || statistics(sub, reg, res),
                    );
                    mark("statistics and workbook rows");
                    let (stat_header, stat_rows) = statistics_sheet(&stats.json);
                    let n = stat_rows.len();
                    let (xlsx, (json, geo)) = rayon::join(
                        || {
                            let mut all: Vec<XlsxSheet<'_>> = sheets
                                .iter()
                                .map(|(name, h, rows, len)| {
                                    (name.as_str(), h.as_slice(), rows.as_slice(), *len)
                                })
                                .collect();
                            all.push((
                                "Статистика",
                                stat_header.as_slice(),
                                stat_rows.as_slice(),
                                n,
                            ));
                            let r = write_xlsx(&dir.join("reconciliation.xlsx"), &all);
                            mark("workbook");
                            r
                        },
                        || {
                            rayon::join(
                                || {
                                    let path = dir.join("reconciliation_stats.json");
                                    write_hashed(&path, stats.precincts, |w| {
                                        let mut b = std::io::BufWriter::with_capacity(1 << 16, w);
                                        serde_json::to_writer_pretty(&mut b, &stats.json)?;
                                        b.flush()
                                    })
                                },
                                || {
                                    let r = join_onto_report(&geo_path, &stats.geo_counts);
                                    mark("map counts");
                                    r
                                },
                            )
                        },
                    );
                    Ok((json?, xlsx?, geo?))
                },
                || {
                    inputs
                        .par_iter()
                        .map(|(_, p, _, _)| {
                            sha256_file(p).map_err(|e| ReconcileError::Write {
                                path: p.display().to_string(),
                                source: e,
                            })
                        })
                        .collect::<Result<Vec<_>, ReconcileError>>()
                },
            )
        },
    );
    let csvs = csvs?;
    let (json, xlsx, geo) = rest?;
    let input_sums = input_sums?;
    let geojson_updated = geo.is_some();
    let mut act: Vec<ActEntry> = inputs
        .iter()
        .zip(input_sums)
        .map(|((role, p, n, check), (bytes, sha256))| ActEntry {
            role: role.clone(),
            name: file_label(p),
            bytes,
            records: *n,
            sha256,
            check: check.clone(),
        })
        .collect();
    for w in std::iter::once(json)
        .chain(csvs)
        .chain(std::iter::once(xlsx))
        .chain(geo)
    {
        act.push(ActEntry {
            role: "output".into(),
            name: file_label(&w.path),
            bytes: w.bytes,
            records: w.records,
            sha256: w.sha256,
            check: String::new(),
        });
    }
    write_act(&dir, res, &act)?;
    mark("act");
    Ok(OutputSummary {
        act,
        geojson_updated,
    })
}

fn short_sheet(c: Category) -> &'static str {
    match c {
        Category::Identification => "Сәйкестендіру - Идентификация",
        Category::Document => "Құжаттар - Документы",
        Category::TwiceInPrecinct => "Қайта енгізу - Повторно",
        Category::SeveralPrecincts => "Бірнеше учаске - Неск. участков",
        Category::OtherRegion => "Басқа өңір - Другой регион",
        Category::NoRegistration => "Тіркеусіз - Без регистрации",
        Category::Emigrated => "ТТЖ - ПМЖ",
        Category::NonCitizen => "Азамат емес - Не граждане",
        Category::NoSuffrage => "Құқықсыз - Без права",
    }
}

/// The most data rows a sheet of the workbook holds; longer lists end with a note row and
/// are complete in the CSV files (a national list of a million rows is not read in Excel,
/// and writing it would dominate the run's time and memory).
pub const XLSX_MAX_ROWS: usize = 50_000;

/// A workbook sheet: name, header, its first rows (at most [`XLSX_MAX_ROWS`]), and the
/// number of rows of the whole list.
type XlsxSheet<'s> = (&'s str, &'s [&'static str], &'s [Vec<Cow<'s, str>>], usize);

fn write_xlsx(path: &Path, sheets: &[XlsxSheet<'_>]) -> Result<Written, ReconcileError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    // The fastest deflate: the workbook is the largest output to compress, and level 1
    // makes it about a third larger in half the time or less.
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    let mut total = 0u64;
    for (name, header, rows, len) in sheets {
        let ws = wb.add_worksheet();
        let name: String = name.chars().take(31).collect();
        ws.set_name(&name).map_err(|e| wr(path, e))?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(|e| wr(path, e))?;
        }
        for (r, row) in rows.iter().take(XLSX_MAX_ROWS).enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, &**v)
                        .map_err(|e| wr(path, e))?;
                }
            }
        }
        total += (*len).min(XLSX_MAX_ROWS) as u64;
        if *len > XLSX_MAX_ROWS {
            ws.write_string(
                XLSX_MAX_ROWS as u32 + 1,
                0,
                format!(
                    "… тағы {0} жол: толық тізім CSV файлында / ещё {0} строк: полный список в CSV / {0} more rows: see the CSV",
                    len - XLSX_MAX_ROWS
                ),
            )
            .map_err(|e| wr(path, e))?;
        }
        ws.set_freeze_panes(1, 0).map_err(|e| wr(path, e))?;
    }
    let buf = wb.save_to_buffer().map_err(|e| wr(path, e))?;
    write_hashed(path, total, |w| w.write_all(&buf))
}

fn write_act(dir: &Path, res: &Reconciliation, act: &[ActEntry]) -> Result<(), ReconcileError> {
    let json_path = dir.join("act.json");
    let v = json!({
        "title": {
            "kk": "Қабылдау-тапсыру актісі",
            "ru": "Акт приёма-передачи",
            "en": "Transfer and acceptance act",
        },
        "basis": "CEC rules on reconciliation of voters and precinct borders, paragraph 5",
        "date": res.options.date.to_string(),
        "region": res.options.region.as_str(),
        "files": act,
        "spelling_variants": {
            "records": spelling_records(res),
            "note": "not discrepancies: counted apart, listed in spelling_variants.csv",
        },
        "skipped_checks": res.skipped,
    });
    crate::report::write_atomic(&json_path, |w| {
        serde_json::to_writer_pretty(&mut *w, &v)?;
        Ok(())
    })
    .map_err(|e| wr(&json_path, e))?;
    let txt_path = dir.join("act.txt");
    crate::report::write_atomic(&txt_path, |w| {
        writeln!(w, "ҚАБЫЛДАУ-ТАПСЫРУ АКТІСІ / АКТ ПРИЁМА-ПЕРЕДАЧИ / TRANSFER AND ACCEPTANCE ACT")?;
        writeln!(
            w,
            "(Сайлаушылар туралы мәліметтерді салыстыру қағидалары, 5-тармақ / Правила сверки сведений об избирателях, п. 5 / reconciliation rules, paragraph 5)"
        )?;
        writeln!(w)?;
        writeln!(w, "Күні / Дата / Date: {}", res.options.date)?;
        writeln!(w, "Өңір / Регион / Region (KATO): {}", res.options.region)?;
        writeln!(w)?;
        writeln!(
            w,
            "{:<10} {:<40} {:>14} {:>10}  SHA-256",
            "Рөлі/Роль", "Файл / File", "Байт / Bytes", "Жазба/Зап."
        )?;
        for a in act {
            writeln!(
                w,
                "{:<10} {:<40} {:>14} {:>10}  {}",
                a.role, a.name, a.bytes, a.records, a.sha256
            )?;
        }
        let served: Vec<&ActEntry> = act.iter().filter(|a| !a.check.is_empty()).collect();
        if !served.is_empty() || !res.skipped.is_empty() {
            writeln!(w)?;
            writeln!(w, "Анықтамалық тізімдер / Справочные списки / Reference lists:")?;
            for a in served {
                writeln!(w, "  {} → {}", a.name, a.check)?;
            }
            for s in &res.skipped {
                writeln!(
                    w,
                    "  {s}: тізім жоқ, тексеру өткізілді / списка нет, проверка пропущена / no list, check skipped"
                )?;
            }
        }
        writeln!(w)?;
        writeln!(
            w,
            "Жазылу нұсқалары (сәйкессіздік емес) / Варианты написания (не расхождения) / Spelling variants (not discrepancies): {} жазба / записей / records",
            spelling_records(res)
        )?;
        let total: u64 = act.iter().map(|a| a.records).sum();
        writeln!(w)?;
        writeln!(w, "Файлдар / Файлов / Files: {}; жазбалар / записей / records: {total}", act.len())?;
        writeln!(w)?;
        writeln!(w, "Тапсырды / Передал / Handed over (жергілікті атқарушы орган / МИО): ____________________")?;
        writeln!(w, "Қабылдады / Принял / Accepted (комиссия / комиссия): ____________________")?;
        Ok(())
    })
    .map_err(|e| wr(&txt_path, e))?;
    Ok(())
}

/// Records with at least one spelling variant.
fn spelling_records(res: &Reconciliation) -> u64 {
    let mut n = 0;
    let mut last = None;
    for v in &res.spelling_variants {
        if last != Some(v.record) {
            n += 1;
        }
        last = Some(v.record);
    }
    n
}

#[cfg(test)]
pub(super) type ListInMemory = (String, Vec<&'static str>, Vec<Vec<String>>);

/// Every CSV file's name, header and rows, rendered whole in memory (as the files were
/// written before they were streamed by chunks): the tests' reference.
#[cfg(test)]
pub(super) fn rows_in_memory(
    sub: &VoterTable,
    reg: &VoterTable,
    refs: &References,
    res: &Reconciliation,
) -> Vec<ListInMemory> {
    let ctx = Ctx::new(sub, reg, refs, res);
    let amb: FxHashSet<u32> = res.ambiguous.iter().copied().collect();
    ctx.lists()
        .into_iter()
        .map(|l| {
            let rows = ctx
                .rows(l, &amb, usize::MAX)
                .into_iter()
                .map(|r| r.into_iter().map(Cow::into_owned).collect())
                .collect();
            (l.file_name(), l.header(), rows)
        })
        .collect()
}
