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
    Category, Discrepancy, Evidence, Level, NONE, ReconcileError, Reconciliation, References, Sub,
    literal_eq,
};
use crate::model::{Iin, VoterField, VoterRow, VoterTable};
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
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

/// One file of the act.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActEntry {
    /// `submission`, `register`, `reference`, `output`.
    pub role: String,
    pub name: String,
    pub bytes: u64,
    pub records: u64,
    pub sha256: String,
}

/// What [`write_outputs`] wrote.
#[derive(Debug, Clone)]
pub struct OutputSummary {
    pub act: Vec<ActEntry>,
    /// True when `report.geojson` was found and updated.
    pub geojson_updated: bool,
}

/// A workbook sheet: name, header, rows.
type Sheet<'a> = (String, Vec<&'a str>, Vec<Vec<String>>);

/// An input file for the act: role, path, record count.
pub type InputFile = (String, PathBuf, u64);

struct Ctx<'a> {
    sub: &'a VoterTable,
    reg: &'a VoterTable,
    refs: &'a References,
    res: &'a Reconciliation,
}

fn wr(path: &Path, e: impl std::fmt::Display) -> ReconcileError {
    ReconcileError::Write {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<(), ReconcileError> {
    crate::report::write_atomic(path, |w| {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut c = csv::Writer::from_writer(w);
        c.write_record(header)?;
        for r in rows {
            c.write_record(r)?;
        }
        c.flush()?;
        Ok(())
    })
    .map_err(|e| wr(path, e))
}

const PERSON_FIELDS: [(VoterField, &str); 5] = [
    (VoterField::Iin, "iin"),
    (VoterField::Surname, "surname"),
    (VoterField::Name, "name"),
    (VoterField::MiddleName, "middle_name"),
    (VoterField::BirthDate, "birth_date"),
];

impl Ctx<'_> {
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

    fn pair_scores(&self, i: u32) -> String {
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
            }
            None if self.res.pair[i as usize] != NONE => "ЖСН = ИИН".into(),
            None => String::new(),
        }
    }

    fn agreement(&self, r: &VoterRow<'_>, q: Option<VoterRow<'_>>) -> (String, String) {
        let Some(q) = q else {
            return (String::new(), String::new());
        };
        let mut agreed = Vec::new();
        let mut differed = Vec::new();
        for (f, k) in PERSON_FIELDS {
            if literal_eq(r.field(f), q.field(f)) {
                agreed.push(k);
            } else {
                differed.push(k);
            }
        }
        (agreed.join(" "), differed.join(" "))
    }

    fn row(&self, d: &Discrepancy) -> Vec<String> {
        let r = self.sub.get(d.record as usize);
        let p = self.res.pair[d.record as usize];
        let q = (p != NONE).then(|| self.reg.get(p as usize));
        let t = &self.res.options.thresholds;
        let (agreed, differed) = self.agreement(&r, q);
        let mut field = String::new();
        let mut sv = String::new();
        let mut rv = String::new();
        let mut score = String::new();
        let mut threshold = String::new();
        let mut source = String::new();
        let mut explanation = Self::title(d.sub).to_string();
        let qf = |f: VoterField| q.map(|q| q.field(f).to_string()).unwrap_or_default();
        match d.evidence {
            Evidence::Record => match d.sub {
                Sub::IinFormat | Sub::IinCheckDigit => {
                    field = "iin".into();
                    sv = r.field(VoterField::Iin).to_string();
                    rv = qf(VoterField::Iin);
                    if d.sub == Sub::IinCheckDigit
                        && let Ok(digits) = Iin::digits(sv.as_str())
                    {
                        let first: [u8; 11] = digits[..11].try_into().expect("11 digits");
                        let want = Iin::check_digit(&first)
                            .map(|k| k.to_string())
                            .unwrap_or_else(|| "—".into());
                        explanation.push_str(&format!(
                            "; бақылау саны / контрольная цифра {} ≠ {want}",
                            digits[11]
                        ));
                    }
                }
                Sub::IinBirthDate => {
                    field = "birth_date".into();
                    sv = r.field(VoterField::BirthDate).to_string();
                    rv = r
                        .field(VoterField::Iin)
                        .parse::<Iin>()
                        .ok()
                        .and_then(|i| i.birth_date())
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    source = "ЖСН / ИИН".into();
                }
                Sub::IinSex => {
                    field = "gender".into();
                    sv = r.field(VoterField::Gender).to_string();
                    rv = match r
                        .field(VoterField::Iin)
                        .parse::<Iin>()
                        .ok()
                        .and_then(|i| i.sex())
                    {
                        Some(crate::model::IinSex::Male) => "ер / муж".into(),
                        Some(crate::model::IinSex::Female) => "әйел / жен".into(),
                        None => String::new(),
                    };
                    source = "ЖСН / ИИН".into();
                }
                Sub::RegisterOtherRegion | Sub::ListedOtherRegion => {
                    field = "oblast".into();
                    sv = r.field(VoterField::Oblast).to_string();
                    rv = qf(VoterField::Oblast);
                    explanation.push_str(&format!("; өңір / регион {}", self.res.options.region));
                }
                Sub::Under18 => {
                    field = "birth_date".into();
                    sv = r.field(VoterField::BirthDate).to_string();
                    rv = qf(VoterField::BirthDate);
                    explanation.push_str(&format!("; күні / на дату {}", self.res.options.date));
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
            Evidence::Field { field: f, score: s } => {
                field = f.key().into();
                sv = r.field(f).to_string();
                rv = qf(f);
                if let Some(s) = s {
                    score = format!("{s:.3}");
                    threshold = format!(
                        "{:.2}",
                        match f {
                            VoterField::Surname => t.surname,
                            VoterField::Name => t.name,
                            _ => t.middle,
                        }
                    );
                    explanation.push_str(
                        "; ұқсастық — бүктелген түрлердің Джаро-Винклері / сходство — Джаро-Винклер свёрнутых форм",
                    );
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
                sv = if hit.by_iin {
                    r.field(VoterField::Iin).to_string()
                } else {
                    String::new()
                };
                if let Some(l) = l {
                    source = format!("{}:{}", l.file, hit.line);
                }
                rv = list.stem().into();
                explanation.push_str(if hit.by_iin {
                    "; ЖСН бойынша / по ИИН"
                } else {
                    "; аты-жөні мен туған күні бойынша / по ФИО и дате рождения"
                });
            }
            Evidence::Document { line } => {
                field = "id_number".into();
                sv = r.field(VoterField::IdNumber).to_string();
                if let Some(ds) = &self.refs.documents {
                    source = format!("{}:{line}", ds.file);
                    if let Some(row) = ds.get(&sv) {
                        rv = format!(
                            "{} {}",
                            row.status,
                            row.valid_until.map(|d| d.to_string()).unwrap_or_default()
                        )
                        .trim()
                        .to_string();
                    }
                }
                explanation.push_str(&format!("; күні / на дату {}", self.res.options.date));
            }
            Evidence::Group { group } => {
                let members = &self.res.groups[group as usize];
                field = match d.sub {
                    Sub::TwiceByIin | Sub::SeveralByIin => "iin",
                    _ => "surname name middle_name birth_date",
                }
                .into();
                rv = members
                    .iter()
                    .filter(|&&k| k != d.record)
                    .map(|&k| {
                        let o = self.sub.get(k as usize);
                        format!("{}@{}", o.code(), o.field(VoterField::Precinct))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                sv = format!("{}@{}", r.code(), r.field(VoterField::Precinct));
                let precincts: std::collections::BTreeSet<&str> = members
                    .iter()
                    .map(|&k| self.sub.get(k as usize).field(VoterField::Precinct))
                    .collect();
                explanation.push_str(&format!(
                    "; {} жазба, {} учаске / {} записей, {} участков",
                    members.len(),
                    precincts.len(),
                    members.len(),
                    precincts.len()
                ));
            }
        }
        vec![
            d.sub.category().number().to_string(),
            d.sub.key().to_string(),
            match d.sub.level() {
                Level::Error => "error".into(),
                Level::Warning => "warning".into(),
            },
            r.code().to_string(),
            r.line().to_string(),
            r.field(VoterField::Precinct).to_string(),
            r.field(VoterField::District).to_string(),
            r.field(VoterField::Iin).to_string(),
            r.field(VoterField::Surname).to_string(),
            r.field(VoterField::Name).to_string(),
            r.field(VoterField::MiddleName).to_string(),
            r.field(VoterField::BirthDate).to_string(),
            self.matched_by(d.record).to_string(),
            self.pair_scores(d.record),
            q.map(|q| q.code().to_string()).unwrap_or_default(),
            q.map(|q| q.line().to_string()).unwrap_or_default(),
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

    fn list_row(&self, r: VoterRow<'_>, explanation: &str) -> Vec<String> {
        vec![
            r.code().to_string(),
            r.line().to_string(),
            r.field(VoterField::Precinct).to_string(),
            r.field(VoterField::District).to_string(),
            r.field(VoterField::Iin).to_string(),
            r.field(VoterField::Surname).to_string(),
            r.field(VoterField::Name).to_string(),
            r.field(VoterField::MiddleName).to_string(),
            r.field(VoterField::BirthDate).to_string(),
            explanation.to_string(),
        ]
    }
}

/// Per-category counts: category → (distinct records, subcategory key → rows).
type Counts = BTreeMap<u8, (u64, BTreeMap<&'static str, u64>)>;

fn counts_json(c: &Counts, records_with: u64) -> Value {
    let mut cats = Map::new();
    for cat in Category::ALL {
        let (n, subs) = c.get(&cat.number()).cloned().unwrap_or_default();
        let mut sm = Map::new();
        for s in Sub::ALL.iter().filter(|s| s.category() == cat) {
            sm.insert(
                s.key().into(),
                json!(subs.get(s.key()).copied().unwrap_or(0)),
            );
        }
        cats.insert(
            cat.number().to_string(),
            json!({"records": n, "subcategories": sm}),
        );
    }
    json!({"categories": cats, "records_with_discrepancies": records_with})
}

/// Counts over a set of discrepancies (sorted by category, record).
fn count(ds: &[&Discrepancy]) -> (Counts, u64) {
    let mut c: Counts = BTreeMap::new();
    let mut last: Option<(u8, u32)> = None;
    let mut records = std::collections::BTreeSet::new();
    for d in ds {
        let cat = d.sub.category().number();
        let e = c.entry(cat).or_default();
        if last != Some((cat, d.record)) {
            e.0 += 1;
        }
        last = Some((cat, d.record));
        *e.1.entry(d.sub.key()).or_default() += 1;
        records.insert(d.record);
    }
    (c, records.len() as u64)
}

/// Streams a file through SHA-256; returns (bytes, hex digest).
pub fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((total, hex))
}

fn file_label(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Writes every output file (see the module doc). `inputs` are the files read, for the act.
pub fn write_outputs(
    out: &Path,
    sub: &VoterTable,
    reg: &VoterTable,
    refs: &References,
    res: &Reconciliation,
    inputs: &[InputFile],
) -> Result<OutputSummary, ReconcileError> {
    let ctx = Ctx {
        sub,
        reg,
        refs,
        res,
    };
    let dir = out.join("reconciliation");
    std::fs::create_dir_all(&dir).map_err(|e| ReconcileError::Write {
        path: dir.display().to_string(),
        source: e,
    })?;
    let mut written: Vec<(PathBuf, u64)> = Vec::new();
    let header: Vec<&str> = DISCREPANCY_COLUMNS.iter().map(|c| c.1).collect();
    let list_header: Vec<&str> = LIST_COLUMNS.iter().map(|c| c.1).collect();
    let mut sheets: Vec<Sheet<'_>> = Vec::new();
    let mut stages = super::Stages::new();
    // Category files (written below, beside the workbook: (path, sheet)).
    let mut csv_jobs: Vec<(PathBuf, usize)> = Vec::new();
    for cat in Category::ALL {
        let ds: Vec<&Discrepancy> = res
            .discrepancies
            .iter()
            .filter(|d| d.sub.category() == cat)
            .collect();
        let rows: Vec<Vec<String>> = ds.par_iter().map(|d| ctx.row(d)).collect();
        let path = dir.join(format!("{}.csv", cat.file_stem()));
        csv_jobs.push((path, sheets.len()));
        sheets.push((
            format!("{} {}", cat.number(), short_sheet(cat)),
            header.clone(),
            rows,
        ));
    }
    // Lists.
    let amb: std::collections::HashSet<u32> = res.ambiguous.iter().copied().collect();
    let sub_rows: Vec<Vec<String>> = res
        .submission_only
        .par_iter()
        .map(|&i| {
            let why = if amb.contains(&i) {
                "тізілімде екі бірдей үміткер / в регистре два равных кандидата"
            } else {
                "тізілімде ЖСН да, аты-жөні мен туған күні де табылмады / в регистре нет ни ИИН, ни ФИО с датой рождения"
            };
            ctx.list_row(sub.get(i as usize), why)
        })
        .collect();
    csv_jobs.push((dir.join("submission_only.csv"), sheets.len()));
    sheets.push((
        "Тек тізімде - Только в списке".into(),
        list_header.clone(),
        sub_rows,
    ));
    let reg_rows: Vec<Vec<String>> = res
        .register_only
        .par_iter()
        .map(|&j| ctx.list_row(reg.get(j as usize), "тізімде жоқ / отсутствует в списке"))
        .collect();
    csv_jobs.push((dir.join("register_only.csv"), sheets.len()));
    sheets.push((
        "Тек тізілімде - Только в регистре"
            .chars()
            .take(31)
            .collect(),
        list_header.clone(),
        reg_rows,
    ));

    stages.mark("output rows");
    // Statistics.
    let all: Vec<&Discrepancy> = res.discrepancies.iter().collect();
    let (total_counts, total_records) = count(&all);
    let mut by_precinct: BTreeMap<&str, Vec<&Discrepancy>> = BTreeMap::new();
    let mut by_district: BTreeMap<&str, Vec<&Discrepancy>> = BTreeMap::new();
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
    let mut voters_by_precinct: rustc_hash::FxHashMap<&str, (u64, &str)> =
        rustc_hash::FxHashMap::default();
    for r in sub.iter() {
        let e = voters_by_precinct
            .entry(r.field(VoterField::Precinct))
            .or_insert((0, r.field(VoterField::District)));
        e.0 += 1;
    }
    let voters_by_precinct: BTreeMap<&str, (u64, &str)> = voters_by_precinct.into_iter().collect();
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
        district_stats.push(v);
    }
    let mut region = counts_json(&total_counts, total_records);
    region["region"] = json!(res.options.region.as_str());
    let by_iin = res
        .pair
        .iter()
        .filter(|&&p| p != NONE)
        .count()
        .saturating_sub(res.name_matches.len());
    let stats = json!({
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
        "totals": region,
        "districts": district_stats,
        "precincts": precinct_stats,
    });
    let path = dir.join("reconciliation_stats.json");
    crate::report::write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &stats)?;
        Ok(())
    })
    .map_err(|e| wr(&path, e))?;
    written.push((path, voters_by_precinct.len() as u64));

    stages.mark("statistics");
    // Workbook.
    let mut stat_rows = Vec::new();
    for v in stats["precincts"].as_array().into_iter().flatten() {
        let mut row = vec![
            v["precinct"].as_str().unwrap_or("").to_string(),
            v["district"].as_str().unwrap_or("").to_string(),
            v["voters"].to_string(),
        ];
        for cat in Category::ALL {
            row.push(v["categories"][cat.number().to_string()]["records"].to_string());
        }
        row.push(v["records_with_discrepancies"].to_string());
        stat_rows.push(row);
    }
    let stat_header = vec![
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
    ];
    sheets.push(("Статистика".into(), stat_header, stat_rows));
    // The workbook and the CSV files at the same time (the workbook is the slow one).
    let path = dir.join("reconciliation.xlsx");
    let (xrows, csvs) = rayon::join(
        || write_xlsx(&path, &sheets),
        || {
            csv_jobs
                .iter()
                .map(|(p, k)| {
                    let (_, h, rows) = &sheets[*k];
                    write_csv(p, h, rows)?;
                    Ok((p.clone(), rows.len() as u64))
                })
                .collect::<Result<Vec<_>, ReconcileError>>()
        },
    );
    written.extend(csvs?);
    written.push((path, xrows?));

    stages.mark("workbook and CSV files");
    // Report GeoJSON.
    let geo_path = out.join("report.geojson");
    let mut geojson_updated = false;
    if geo_path.is_file() {
        let text = std::fs::read_to_string(&geo_path).map_err(|e| ReconcileError::Write {
            path: geo_path.display().to_string(),
            source: e,
        })?;
        let mut v: Value = serde_json::from_str(&text).map_err(|e| wr(&geo_path, e))?;
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
        crate::report::write_atomic(&geo_path, |w| {
            serde_json::to_writer(&mut *w, &v)?;
            Ok(())
        })
        .map_err(|e| wr(&geo_path, e))?;
        written.push((geo_path, features));
        geojson_updated = true;
    }

    // The act.
    let mut act_files: Vec<(String, PathBuf, u64)> = inputs.to_vec();
    for (p, n) in &written {
        act_files.push(("output".into(), p.clone(), *n));
    }
    let act: Vec<ActEntry> = act_files
        .par_iter()
        .map(|(role, p, n)| {
            let (bytes, sha256) = sha256_file(p).map_err(|e| ReconcileError::Write {
                path: p.display().to_string(),
                source: e,
            })?;
            Ok(ActEntry {
                role: role.clone(),
                name: file_label(p),
                bytes,
                records: *n,
                sha256,
            })
        })
        .collect::<Result<_, ReconcileError>>()?;
    write_act(&dir, res, &act)?;
    stages.mark("map counts and act");
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

fn write_xlsx(path: &Path, sheets: &[Sheet<'_>]) -> Result<u64, ReconcileError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut total = 0u64;
    for (name, header, rows) in sheets {
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
                    ws.write_string(r as u32 + 1, c as u16, v)
                        .map_err(|e| wr(path, e))?;
                }
            }
        }
        total += rows.len().min(XLSX_MAX_ROWS) as u64;
        if rows.len() > XLSX_MAX_ROWS {
            ws.write_string(
                XLSX_MAX_ROWS as u32 + 1,
                0,
                format!(
                    "… тағы {0} жол: толық тізім CSV файлында / ещё {0} строк: полный список в CSV / {0} more rows: see the CSV",
                    rows.len() - XLSX_MAX_ROWS
                ),
            )
            .map_err(|e| wr(path, e))?;
        }
        ws.set_freeze_panes(1, 0).map_err(|e| wr(path, e))?;
    }
    let buf = wb.save_to_buffer().map_err(|e| wr(path, e))?;
    crate::report::write_atomic(path, |w| w.write_all(&buf)).map_err(|e| wr(path, e))?;
    Ok(total)
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
