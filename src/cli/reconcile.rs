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
    /// lost_citizenship, non_citizens, deregistered, documents (.csv or .xlsx each).
    #[arg(long)]
    pub refs: Option<PathBuf>,
    /// Reference date (election day or submission date), YYYY-MM-DD.
    #[arg(long)]
    pub date: Option<String>,
    /// KATO code of the submitting body's region (9 digits).
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
        .context("--date is required (YYYY-MM-DD)")?;
    let date = NaiveDate::parse_from_str(date_s.trim(), "%Y-%m-%d")
        .with_context(|| format!("--date {date_s:?}: expected YYYY-MM-DD"))?;
    let region_s = a
        .region
        .or(section.region)
        .context("--region is required (the KATO code of the submitting body's region)")?;
    let region: Kato = region_s
        .parse()
        .with_context(|| "--region: expected a 9-digit KATO code")?;
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
    let refs = reconcile::read_references(&refs_dir, &mut intake)?;
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
        ),
        (
            "register".to_string(),
            register.clone(),
            records(reg.file()),
        ),
    ];
    for (p, name) in refs.paths() {
        inputs.push(("reference".to_string(), p.to_path_buf(), records(name)));
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
    let mut per_cat = [0usize; 9];
    let mut last = None;
    for d in &res.discrepancies {
        let c = d.sub.category().number();
        if last != Some((c, d.record)) {
            per_cat[c as usize - 1] += 1;
        }
        last = Some((c, d.record));
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
    eprintln!(
        "records per category 1..9: {}",
        per_cat
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if !res.skipped.is_empty() {
        eprintln!("skipped (no reference list): {}", res.skipped.join(", "));
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
