use super::DatasetFile;
use crate::borders::{Lang, write_appendix3};
use crate::check::{self, CheckOptions, Progress};
use crate::io::progress::{Counter, Unit, track};
use crate::io::{self, Intake, VectorOptions};
use crate::model::{AdminLevel, Dataset};
use crate::report::{self, ReportInput};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Inputs and parameters of `precincts check`. Each flag overrides the same key of
/// `--dataset`.
#[derive(Debug, Args, Default)]
pub struct CheckArgs {
    /// Folder to write the report into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// A dataset.toml naming the inputs (paths relative to it).
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Administrative units: Shapefile or GeoJSON polygons with a 9-digit KATO code.
    #[arg(long)]
    pub admin: Option<PathBuf>,
    /// The KATO attribute of the admin layer (default: tries KATO, kato, KATO_CODE).
    #[arg(long)]
    pub admin_id_field: Option<String>,
    /// The admin level to check containment at: oblast, district, sub_district, settlement
    /// (default: the finest level in the admin layer).
    #[arg(long)]
    pub admin_level: Option<String>,
    /// The attribute of the admin layer giving each unit's level (oblast, district,
    /// sub_district, settlement, or 1-4); default: the level is read from the KATO code.
    #[arg(long)]
    pub admin_level_field: Option<String>,
    /// Precinct polygons: Shapefile or GeoJSON.
    #[arg(long)]
    pub precincts: Option<PathBuf>,
    /// The precinct-number attribute of the precinct layer.
    #[arg(long)]
    pub precinct_id_field: Option<String>,
    /// Address points: CSV, GeoJSON or Shapefile.
    #[arg(long)]
    pub addresses: Option<PathBuf>,
    /// Voter list, Appendix 1 (CSV or XLSX).
    #[arg(long)]
    pub voters: Option<PathBuf>,
    /// Polling stations, Appendix 2 (CSV or XLSX).
    #[arg(long)]
    pub stations: Option<PathBuf>,
    /// Precinct borders as address lists, Appendix 3 (CSV or XLSX).
    #[arg(long)]
    pub borders: Option<PathBuf>,
    /// Street renamings (old name -> new name, per locality), applied before matching.
    #[arg(long)]
    pub street_aliases: Option<PathBuf>,
    /// The official KATO classifier (CSV with a `kato` column).
    #[arg(long)]
    pub classifier: Option<PathBuf>,
    /// Voter cap per precinct.
    #[arg(long)]
    pub cap: Option<u32>,
    /// Largest share of a precinct's area allowed outside its unit (a fraction).
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// CRS of Shapefiles without a .prj and of CSV coordinates: EPSG:32642 or just 32642
    /// (GeoJSON is WGS84, or the CRS its `crs` member names).
    #[arg(long)]
    pub crs: Option<String>,
    /// Also write the Appendix 3 address lists the polygons imply (appendix3.{ru,kk}.{csv,xlsx}).
    #[arg(long)]
    pub write_lists: bool,
}

/// The resolved inputs of a run.
struct Plan {
    admin: Option<PathBuf>,
    admin_id_field: Option<String>,
    admin_level_field: Option<String>,
    precincts: Option<PathBuf>,
    precinct_id_field: Option<String>,
    addresses: Option<PathBuf>,
    voters: Option<PathBuf>,
    stations: Option<PathBuf>,
    borders: Option<PathBuf>,
    street_aliases: Option<PathBuf>,
    classifier: Option<PathBuf>,
    crs: Option<String>,
    write_lists: bool,
    opts: CheckOptions,
}

fn plan(a: CheckArgs) -> anyhow::Result<(Plan, PathBuf)> {
    let d = match &a.dataset {
        Some(p) => DatasetFile::load(p)?,
        None => DatasetFile::default(),
    };
    let level = a.admin_level.or(d.admin_level);
    let admin_level = level
        .map(|l| l.parse::<AdminLevel>().map_err(anyhow::Error::msg))
        .transpose()?;
    let cap = a.cap.or(d.cap).unwrap_or(3000);
    anyhow::ensure!(cap > 0, "--cap must be a positive number of voters");
    let tolerance = a.tolerance.or(d.tolerance).unwrap_or(0.01);
    anyhow::ensure!(
        (0.0..=1.0).contains(&tolerance),
        "--tolerance is a fraction between 0 and 1 (0.01 = 1%); got {tolerance}"
    );
    let p = Plan {
        admin: a.admin.or(d.admin),
        admin_id_field: a.admin_id_field.or(d.admin_id_field),
        admin_level_field: a.admin_level_field.or(d.admin_level_field),
        precincts: a.precincts.or(d.precincts),
        precinct_id_field: a.precinct_id_field.or(d.precinct_id_field),
        addresses: a.addresses.or(d.addresses),
        voters: a.voters.or(d.voters),
        stations: a.stations.or(d.stations),
        borders: a.borders.or(d.borders),
        street_aliases: a.street_aliases.or(d.street_aliases),
        classifier: a.classifier.or(d.classifier),
        crs: a.crs.or(d.crs).map(epsg),
        write_lists: a.write_lists,
        opts: CheckOptions {
            cap,
            tolerance,
            admin_level,
        },
    };
    anyhow::ensure!(
        p.admin.is_some()
            || p.precincts.is_some()
            || p.voters.is_some()
            || p.stations.is_some()
            || p.borders.is_some(),
        "nothing to check: give --dataset or at least one of --admin, --precincts, --voters, --stations, --borders"
    );
    Ok((p, a.out))
}

/// A bare EPSG code (`32642`) in its `EPSG:` form; anything else as given.
fn epsg(crs: String) -> String {
    let t = crs.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        format!("EPSG:{t}")
    } else {
        crs
    }
}

/// Progress on a terminal: the step's name, and for a step that counts (reading a CSV
/// or workbook, geocoding) a bar of bytes or rows with the rate and the time left.
/// Nothing at all when stderr is not a terminal.
///
/// The readers and the checks advance a shared [`Counter`] (atomics, no drawing); a
/// thread copies it into the bar ten times a second.
struct Bars {
    bar: ProgressBar,
    counter: Arc<Counter>,
    started: Instant,
    /// Each step and when it began, for the timing line at the end.
    steps: std::sync::Mutex<Vec<(String, Instant)>>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("a valid template")
        .progress_chars("=> ")
}

/// What the bar shows of a task.
fn style_for(total: u64, unit: Unit) -> ProgressStyle {
    match (total, unit) {
        (0, _) => style("{spinner} [{elapsed_precise}] {msg}"),
        (_, Unit::Bytes) => style(
            "{spinner} [{elapsed_precise}] {msg} [{bar:30}] {bytes}/{total_bytes} \
             ({binary_bytes_per_sec}, {eta} left)",
        ),
        (_, Unit::Rows) => style(
            "{spinner} [{elapsed_precise}] {msg} [{bar:30}] {human_pos}/{human_len} \
             ({per_sec}, {eta} left)",
        ),
    }
}

/// Copies the counter into the bar; `shown` is the counter's task the bar shows.
fn sync_bar(bar: &ProgressBar, counter: &Counter, shown: &mut Option<u64>) {
    let generation = counter.generation();
    let total = counter.total();
    if *shown != Some(generation) {
        *shown = Some(generation);
        bar.set_style(style_for(total, counter.unit()));
        bar.set_length(total);
        bar.set_position(0);
        bar.reset_eta();
    }
    if total > 0 {
        bar.set_position(counter.done().min(total));
    }
}

impl Bars {
    fn new() -> Self {
        Bars::on(std::io::stderr().is_terminal())
    }

    /// Bars drawn on stderr when `terminal`, else hidden (and no thread).
    fn on(terminal: bool) -> Self {
        let counter = Arc::new(Counter::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (bar, ticker) = if terminal {
            let bar = ProgressBar::new_spinner();
            bar.set_style(style_for(0, Unit::Bytes));
            bar.enable_steady_tick(Duration::from_millis(120));
            let (b, c, s) = (bar.clone(), Arc::clone(&counter), Arc::clone(&stop));
            let ticker = std::thread::spawn(move || {
                let mut shown = None;
                while !s.load(Ordering::Relaxed) {
                    sync_bar(&b, &c, &mut shown);
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
            (bar, Some(ticker))
        } else {
            (ProgressBar::hidden(), None)
        };
        Bars {
            bar,
            counter,
            started: Instant::now(),
            steps: std::sync::Mutex::new(Vec::new()),
            stop,
            ticker,
        }
    }

    /// Runs a step whose reads report into the bar.
    fn reading<T>(&self, name: &str, f: impl FnOnce() -> T) -> T {
        self.step(name);
        track(&self.counter, f)
    }

    /// Stops drawing and clears the bar.
    fn finish(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Bars {
    /// "step 1.2 s, step 0.3 s, ...": where the time went.
    fn timings(&self) -> String {
        let steps = self.steps.lock().map(|s| s.clone()).unwrap_or_default();
        let end = Instant::now();
        steps
            .iter()
            .enumerate()
            .map(|(i, (name, t))| {
                let next = steps.get(i + 1).map(|s| s.1).unwrap_or(end);
                format!("{name} {:.1} s", (next - *t).as_secs_f64())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Progress for Bars {
    fn step(&self, name: &str) {
        // A new task with no total: the bar shows the step's name until someone counts.
        self.counter.start(Unit::Bytes, 0);
        self.bar.set_message(name.to_string());
        if let Ok(mut s) = self.steps.lock() {
            s.push((name.to_string(), Instant::now()));
        }
    }

    fn counter(&self) -> Option<&Counter> {
        Some(&self.counter)
    }
}

/// Reads everything the plan names, accounting for every record.
fn read(p: &Plan, intake: &mut Intake, progress: &Bars) -> anyhow::Result<Dataset> {
    let mut ds = Dataset::default();
    let vopts = |id: &Option<String>, level: &Option<String>| VectorOptions {
        id_field: id.clone(),
        level_field: level.clone(),
        name_field: None,
        crs: p.crs.clone(),
    };
    if let Some(f) = &p.admin {
        progress.step("reading administrative units");
        let opts = vopts(&p.admin_id_field, &p.admin_level_field);
        ds.admin = io::read_admin(f, &opts, intake)?;
    }
    if let Some(f) = &p.precincts {
        progress.step("reading precinct polygons");
        ds.precincts = io::read_precincts(f, &vopts(&p.precinct_id_field, &None), intake)?;
    }
    if let Some(f) = &p.addresses {
        ds.addresses = progress.reading("reading address points", || {
            io::read_addresses(f, p.crs.as_deref(), intake)
        })?;
    }
    if let Some(f) = &p.voters {
        ds.voters =
            Some(progress.reading("reading the voter list", || io::read_voters(f, intake))?);
    }
    if let Some(f) = &p.stations {
        ds.stations = progress.reading("reading polling stations", || {
            io::read_stations(f, p.crs.as_deref(), intake)
        })?;
    }
    if let Some(f) = &p.classifier {
        ds.classifier =
            Some(progress.reading("reading the KATO classifier", || io::read_classifier(f))?);
    }
    Ok(ds)
}

fn inputs_map(p: &Plan) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (k, v) in [
        ("admin", &p.admin),
        ("precincts", &p.precincts),
        ("addresses", &p.addresses),
        ("voters", &p.voters),
        ("stations", &p.stations),
        ("borders", &p.borders),
        ("street_aliases", &p.street_aliases),
        ("classifier", &p.classifier),
    ] {
        if let Some(path) = v {
            let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            m.insert(k.to_string(), abs.display().to_string());
        }
    }
    m
}

/// Reads, checks and writes the report; prints a summary to stderr.
fn execute(p: Plan, out: &Path) -> anyhow::Result<()> {
    let mut spinner = Bars::new();
    let mut intake = Intake::default();
    // The readers' warnings (values in a second encoding) are gathered, not printed under
    // the progress bars: they go into the summary and summary.json.
    let (inputs, warnings) = crate::io::notices::collect(|| -> anyhow::Result<_> {
        let ds = read(&p, &mut intake, &spinner)?;
        let mut border_findings = Vec::new();
        let borders = match &p.borders {
            Some(f) => {
                let (table, parse_findings) = spinner
                    .reading("reading the address lists (Appendix 3)", || {
                        crate::borders::read_borders(f, &mut intake)
                    })?;
                border_findings = parse_findings;
                Some(table)
            }
            None => None,
        };
        let aliases = p
            .street_aliases
            .as_ref()
            .map(|f| {
                spinner.reading("reading the street renamings", || {
                    crate::borders::read_street_aliases(f, &mut intake)
                })
            })
            .transpose()?;
        Ok((ds, borders, aliases, border_findings))
    });
    let (ds, borders, aliases, border_findings) = inputs?;
    intake.warnings = warnings;
    let mut result = check::run(&ds, borders.as_ref(), aliases.as_ref(), &p.opts, &spinner);
    result.add_findings(border_findings);
    spinner.step("writing the report");
    // Held until the report is written: no other run writes here meanwhile, and the
    // temporaries of a run killed while writing here are removed first.
    let _lock = report::lock_out_dir(out)
        .with_context(|| format!("preparing the output folder {}", out.display()))?;
    report::write_all(
        out,
        &ReportInput {
            ds: &ds,
            result: &result,
            intake: &intake,
            opts: &p.opts,
            inputs: inputs_map(&p),
        },
    )
    .with_context(|| format!("writing the report into {}", out.display()))?;
    if p.write_lists {
        write_back(&ds, &result, out, &spinner)?;
    }
    spinner.finish();
    let timings = spinner.timings();

    let (read, accepted, rejected) = intake.totals();
    eprintln!(
        "checked {} precincts in {:.1} s: {} overfull, {} crossing a boundary, {} findings",
        result.precincts.len(),
        spinner.started.elapsed().as_secs_f64(),
        result.precincts.iter().filter(|f| f.overfull).count(),
        result.precincts.iter().filter(|f| f.cross_boundary).count(),
        result.findings.len()
    );
    for (code, n) in report::counts_by_code(&result.findings) {
        eprintln!("  {code:<34} {n}");
    }
    eprintln!("records: {read} read = {accepted} accepted + {rejected} rejected");
    for f in &intake.files {
        eprintln!(
            "  {:<10} {}: {} read = {} accepted + {} rejected",
            f.kind, f.file, f.read, f.accepted, f.rejected
        );
    }
    for w in &intake.warnings {
        eprintln!("warning: {w}");
    }
    for s in &result.skipped {
        eprintln!("skipped: {s}");
    }
    eprintln!("time: {timings}");
    eprintln!("report written to {}", out.display());
    Ok(())
}

/// Writes the Appendix 3 address lists that the precinct polygons imply (in Russian and in
/// Kazakh, CSV and XLSX), so an akimat that draws polygons can submit the lists the rules ask
/// for. Reading them back gives the same assignment on the known addresses.
fn write_back(
    ds: &Dataset,
    result: &check::CheckResult,
    out: &Path,
    progress: &Bars,
) -> anyhow::Result<()> {
    let polygons = result.polygons(ds);
    if ds.addresses.is_empty() || polygons.is_empty() {
        return Ok(());
    }
    progress.step("writing the Appendix 3 address lists");
    let assignment: Vec<Option<crate::model::PrecinctNo>> = result
        .address_precinct
        .iter()
        .map(|p| p.map(|i| polygons[i as usize].no.clone()))
        .collect();
    let write = |lang: Lang, tag: &str| {
        write_appendix3(
            &ds.addresses,
            &assignment,
            &out.join(format!("appendix3.{tag}.csv")),
            &out.join(format!("appendix3.{tag}.xlsx")),
            lang,
        )
        .with_context(|| format!("writing the Appendix 3 lists into {}", out.display()))
    };
    let (ru, kk) = rayon::join(|| write(Lang::Ru, "ru"), || write(Lang::Kk, "kk"));
    ru.and(kk)
}

pub fn run(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let (p, out) = plan(a)?;
    execute(p, &out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn check_dataset(dataset: &Path, out: &Path) -> anyhow::Result<()> {
    let (p, out) = plan(CheckArgs {
        out: out.to_path_buf(),
        dataset: Some(dataset.to_path_buf()),
        ..CheckArgs::default()
    })?;
    execute(p, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_follows_the_counter() {
        let bar = ProgressBar::hidden();
        let c = Counter::default();
        let mut shown = None;
        c.start(Unit::Bytes, 1000);
        c.add(400);
        sync_bar(&bar, &c, &mut shown);
        assert_eq!((bar.length(), bar.position()), (Some(1000), 400));
        c.add(600);
        sync_bar(&bar, &c, &mut shown);
        assert_eq!(bar.position(), 1000);
        // A new task starts from zero, whatever the last one reached.
        c.start(Unit::Rows, 50);
        sync_bar(&bar, &c, &mut shown);
        assert_eq!((bar.length(), bar.position()), (Some(50), 0));
        c.set(20);
        sync_bar(&bar, &c, &mut shown);
        assert_eq!(bar.position(), 20);
    }

    #[test]
    fn off_a_terminal_nothing_is_drawn_and_no_thread_runs() {
        let mut b = Bars::on(false);
        assert!(b.bar.is_hidden());
        assert!(b.ticker.is_none());
        // Reads still count, into the hidden bar's counter.
        b.reading("a step", || {
            crate::io::progress::current()
                .expect("reads see the counter")
                .start(Unit::Rows, 3)
        });
        assert_eq!(b.counter.total(), 3);
        b.step("next");
        assert_eq!(b.counter.total(), 0);
        b.finish();
    }

    #[test]
    fn a_bare_epsg_code_gets_its_prefix() {
        assert_eq!(epsg("32642".into()), "EPSG:32642");
        assert_eq!(epsg(" 4326 ".into()), "EPSG:4326");
        assert_eq!(epsg("EPSG:32642".into()), "EPSG:32642");
        assert_eq!(epsg("+proj=utm +zone=42".into()), "+proj=utm +zone=42");
    }
}
