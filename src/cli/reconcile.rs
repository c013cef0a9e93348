//! `precincts reconcile`: the voter list against the AIS "Sailau" register and the reference
//! lists (the nine categories of paragraph 9). Writes `OUT/reconciliation/*` and, when
//! `OUT/report.geojson` exists, joins per-precinct counts onto it.

use super::DatasetFile;
use crate::io::{self, Intake};
use crate::model::Kato;
use crate::reconcile::{self, Options, Thresholds};
use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Inputs of `precincts reconcile`. Each flag overrides the same key of the `[reconcile]`
/// table of `--dataset`.
#[derive(Debug, Args, Default)]
pub struct ReconcileArgs {
    /// The akimat's voter list (Appendix 1, CSV or XLSX).
    #[arg(long)]
    pub submission: Option<PathBuf>,
    /// The AIS "Sailau" register extract (Appendix 1 fields, CSV or XLSX).
    #[arg(long)]
    pub register: Option<PathBuf>,
    /// Folder of reference lists: deceased, emigrated, incapable, confined,
    /// lost_citizenship, non_citizens, deregistered, documents (.csv or .xlsx each),
    /// recognised by file name in Russian, Kazakh or English, else by headers.
    #[arg(long)]
    pub refs: Option<PathBuf>,
    /// A file of the refs folder to leave out (name or path; repeatable). Without it an
    /// unrecognised file stops the run.
    #[arg(long = "ignore-ref", value_name = "FILE")]
    pub ignore_ref: Vec<PathBuf>,
    /// Reference date (election day or submission date): YYYY-MM-DD, DD.MM.YYYY or the
    /// other date forms the readers take.
    #[arg(long)]
    pub date: Option<String>,
    /// KATO code of the submitting body's region: one of the 20 region-level codes
    /// (XX0000000).
    #[arg(long)]
    pub region: Option<String>,
    /// Folder to write into (`reconciliation/` is created in it).
    #[arg(long)]
    pub out: PathBuf,
    /// A dataset.toml whose `[reconcile]` table names the inputs.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Jaro-Winkler threshold for folded surnames when pairing by name (0..1).
    #[arg(long)]
    pub surname_threshold: Option<f64>,
    /// Jaro-Winkler threshold for folded given names.
    #[arg(long)]
    pub name_threshold: Option<f64>,
    /// Jaro-Winkler threshold for folded middle names (compared when both have one).
    #[arg(long)]
    pub middle_threshold: Option<f64>,
}

pub fn run(a: ReconcileArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let section = match &a.dataset {
        Some(p) => DatasetFile::load(p)?.reconcile.unwrap_or_default(),
        None => Default::default(),
    };
    let need = |flag: Option<PathBuf>, key: Option<PathBuf>, name: &str| {
        flag.or(key).with_context(|| {
            format!("--{name} is required (or `{name}` in the [reconcile] table of --dataset)")
        })
    };
    let submission = need(a.submission, section.submission, "submission")?;
    let register = need(a.register, section.register, "register")?;
    let refs_dir = need(a.refs, section.refs, "refs")?;
    let date_s = a
        .date
        .or(section.date)
        .context("--date is required (YYYY-MM-DD or DD.MM.YYYY)")?;
    let date = parse_date(&date_s)?;
    let region_s = a
        .region
        .or(section.region)
        .context("--region is required (the KATO code of the submitting body's region)")?;
    let region: Kato = reconcile::region_code(&region_s).map_err(anyhow::Error::msg)?;
    let mut thresholds = Thresholds::default();
    for (v, t) in [
        (a.surname_threshold, &mut thresholds.surname),
        (a.name_threshold, &mut thresholds.name),
        (a.middle_threshold, &mut thresholds.middle),
    ] {
        if let Some(v) = v {
            anyhow::ensure!((0.0..=1.0).contains(&v), "thresholds are between 0 and 1");
            *t = v;
        }
    }
    let mut intake = Intake::default();
    let (sub, reg) = {
        let mut i2 = Intake::default();
        let (s, r) = rayon::join(
            || io::read_voters(&submission, &mut intake),
            || io::read_voters(&register, &mut i2),
        );
        intake.rejects.extend(i2.rejects);
        intake.files.extend(i2.files);
        (s?, r?)
    };
    let refs = reconcile::read_references_ignoring(&refs_dir, &a.ignore_ref, &mut intake)?;
    for w in &intake.warnings {
        eprintln!("warning: {w}");
    }
    for s in &refs.sources {
        eprintln!(
            "reference list {} (recognised by its {}) → {}",
            s.path.display(),
            s.by,
            s.check.title()
        );
    }
    for p in &refs.ignored {
        eprintln!("reference folder: {} left out (--ignore-ref)", p.display());
    }
    let read_at = started.elapsed();
    let opts = Options {
        date,
        region,
        thresholds,
    };
    let res = reconcile::reconcile(&sub, &reg, &refs, &opts);
    let matched_at = started.elapsed();
    let records = |name: &std::sync::Arc<str>| {
        intake
            .files
            .iter()
            .find(|f| &f.file == name)
            .map(|f| f.read)
            .unwrap_or(0)
    };
    let mut inputs = vec![
        (
            "submission".to_string(),
            submission.clone(),
            records(sub.file()),
            String::new(),
        ),
        (
            "register".to_string(),
            register.clone(),
            records(reg.file()),
            String::new(),
        ),
    ];
    for (p, name, check) in refs.paths() {
        inputs.push((
            "reference".to_string(),
            p.to_path_buf(),
            records(name),
            check.to_string(),
        ));
    }
    let summary = reconcile::write_outputs(&a.out, &sub, &reg, &refs, &res, &inputs)?;
    // Rejects (never personal values: the reader's reasons name fields only).
    if !intake.rejects.is_empty() {
        let path = a.out.join("reconciliation").join("rejects.csv");
        crate::report::write_atomic(&path, |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["file", "line", "field", "reason"])?;
            for r in &intake.rejects {
                c.write_record([&r.file, r.line.to_string().as_str(), &r.field, &r.reason])?;
            }
            c.flush()?;
            Ok(())
        })?;
    }
    // Per category: records with an error, and records with warnings only (the IIN's
    // date or sex digits disagreeing, legal since 2013).
    let mut errors = [0usize; 9];
    let mut warnings_only = [0usize; 9];
    let mut k = 0;
    let ds = &res.discrepancies;
    while k < ds.len() {
        let (c, rec) = (ds[k].sub.category().number(), ds[k].record);
        let mut e = k;
        let mut error = false;
        while e < ds.len() && (ds[e].sub.category().number(), ds[e].record) == (c, rec) {
            error |= ds[e].sub.level() == reconcile::Level::Error;
            e += 1;
        }
        if error {
            errors[c as usize - 1] += 1;
        } else {
            warnings_only[c as usize - 1] += 1;
        }
        k = e;
    }
    eprintln!(
        "reconciled {} submission records with {} register records: {} paired by IIN, {} by name and date of birth; {} only in the submission, {} only in the register; {} rejected rows",
        sub.len(),
        reg.len(),
        res.pair.iter().filter(|&&p| p != reconcile::NONE).count() - res.name_matches.len(),
        res.name_matches.len(),
        res.submission_only.len(),
        res.register_only.len(),
        intake.rejects.len()
    );
    for c in reconcile::Category::ALL {
        let i = c.number() as usize - 1;
        eprintln!(
            "category {}: {} records with errors, {} with warnings only ({})",
            c.number(),
            errors[i],
            warnings_only[i],
            c.title()[2]
        );
    }
    let mut spelled = 0usize;
    let mut last = None;
    for v in &res.spelling_variants {
        if last != Some(v.record) {
            spelled += 1;
        }
        last = Some(v.record);
    }
    eprintln!(
        "spelling variants (the same name in another spelling; not discrepancies, listed in spelling_variants.csv): {spelled} records"
    );
    for s in &res.skipped {
        eprintln!(
            "WARNING: check skipped, no reference list for {s} in {} / тексеру өткізілді: тізім жоқ / проверка пропущена: нет списка",
            refs_dir.display()
        );
    }
    if summary.geojson_updated {
        eprintln!("report.geojson: per-precinct counts joined");
    }
    eprintln!(
        "time: read {:.1} s, matched {:.1} s, total {:.1} s; output in {}",
        read_at.as_secs_f64(),
        (matched_at - read_at).as_secs_f64(),
        started.elapsed().as_secs_f64(),
        a.out.join("reconciliation").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--date` in any form the readers take (`2026-03-15`, `15.03.2026`, `15/03/2026`, …).
fn parse_date(s: &str) -> anyhow::Result<NaiveDate> {
    let mut iso = String::new();
    anyhow::ensure!(
        io::normalize_date(s, &mut iso),
        "--date {s:?}: not a date (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)"
    );
    Ok(NaiveDate::parse_from_str(&iso, "%Y-%m-%d")?)
}
