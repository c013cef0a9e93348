//! Writers of the report files. Every file is written to a temporary file in the target
//! folder and renamed into place, so a reader never sees half a report.

mod csv_cell;
pub use csv_cell::{csv_cell, escape_csv};

use crate::check::{CheckOptions, CheckResult, PrecinctFigures};
use crate::io::Intake;
use crate::model::{Dataset, Finding, FindingCode, StationMark};
use geo::orient::{Direction, Orient};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The name prefix and suffix of our temporary files (`.precincts-XXXXXX.tmp`), so that a
/// later run can tell its own leftovers from anyone else's files.
const TMP_PREFIX: &str = ".precincts-";
const TMP_SUFFIX: &str = ".tmp";

/// A temporary file in `dir`, named as ours, to be renamed into place (see
/// [`write_atomic`]).
pub fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)
}

/// Makes a rename in `dir` durable: fsyncs the directory (on Unix; elsewhere the rename
/// is as durable as the system makes it).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes the temporary files a run killed while writing into `dir` left there: ours
/// (`.precincts-XXXXXX.tmp`), and those of versions before they were named so (`.tmp`
/// and six letters or digits, the `tempfile` crate's default). Regular files only, in
/// `dir` itself. Returns how many were removed; a file that cannot be removed is left.
/// Call it while holding [`lock_out_dir`], so no other run's files are taken for stale.
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let ours = |name: &str| {
        let legacy = name
            .strip_prefix(".tmp")
            .is_some_and(|r| r.len() == 6 && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        let current = name
            .strip_prefix(TMP_PREFIX)
            .and_then(|r| r.strip_suffix(TMP_SUFFIX))
            .is_some_and(|r| r.len() == 6 && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        legacy || current
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let is_file = e.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file
            && e.file_name().to_str().is_some_and(ours)
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// An exclusive lock on an output folder for the length of a run (an advisory lock on the
/// folder itself, on Unix: no file of its own), so that two runs never write into one
/// folder at once and the stale temporaries removed at the start are surely no other run's.
#[derive(Debug)]
pub struct OutLock {
    _dir: Option<std::fs::File>,
}

/// Creates `out` if needed, locks it (failing when another run holds it) and removes the
/// temporaries a killed run left ([`remove_stale_temporaries`]).
pub fn lock_out_dir(out: &Path) -> Result<OutLock, ReportError> {
    let err = |source| ReportError::Write {
        path: out.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(out).map_err(err)?;
    #[cfg(unix)]
    let dir = {
        use rustix::fs::{FlockOperation, flock};
        let dir = std::fs::File::open(out).map_err(err)?;
        match flock(&dir, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                return Err(err(std::io::Error::other(
                    "another run is writing into this folder; wait for it, or give another --out",
                )));
            }
            Err(e) => return Err(err(e.into())),
        }
        Some(dir)
    };
    #[cfg(not(unix))]
    let dir = None;
    remove_stale_temporaries(out);
    Ok(OutLock { _dir: dir })
}

/// Writes `path` atomically: `fill` writes into a temporary file beside it
/// ([`temp_file_in`]), which is fsynced, renamed over `path`, and the folder fsynced, so
/// that after a crash `path` is either the old file or the whole new one.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = temp_file_in(dir).map_err(err)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        fill(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    sync_dir(dir).map_err(err)?;
    Ok(())
}

/// A GeoJSON geometry (RFC 7946: exterior rings counter-clockwise) from a geo geometry.
pub fn to_geojson(g: &geo::Geometry<f64>) -> geojson::Geometry {
    let oriented = match g {
        geo::Geometry::Polygon(p) => geo::Geometry::Polygon(p.orient(Direction::Default)),
        geo::Geometry::MultiPolygon(p) => geo::Geometry::MultiPolygon(p.orient(Direction::Default)),
        other => other.clone(),
    };
    geojson::Geometry::from(geojson::GeometryValue::from(&oriented))
}

/// The properties of a precinct feature in `report.geojson`.
pub fn precinct_properties(
    f: &PrecinctFigures,
    ds: &Dataset,
    opts: &CheckOptions,
) -> Map<String, Value> {
    let cap = opts.cap as f64;
    let load = f
        .voters
        .max(f.voters_listed)
        .max(f.voters_by_list.unwrap_or(0)) as f64
        / cap;
    let station = f.station.map(|i| {
        let s = &ds.stations[i];
        let address = [&s.locality, &s.street, &s.house]
            .iter()
            .filter(|x| !x.is_empty())
            .map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        json!({
            "facility": s.facility,
            "address": address,
            "lon": s.coord.map(|c| c.x),
            "lat": s.coord.map(|c| c.y),
            "marks": s.marks.iter().map(|m| mark_str(*m)).collect::<Vec<_>>(),
        })
    });
    let mut m = Map::new();
    m.insert("precinct".into(), json!(f.no));
    m.insert("admin_unit".into(), json!(f.admin_unit));
    m.insert("admin_name".into(), json!(f.admin_name));
    m.insert("voters".into(), json!(f.voters));
    m.insert("voters_listed".into(), json!(f.voters_listed));
    m.insert("voters_by_list".into(), json!(f.voters_by_list));
    m.insert(
        "voters_by_list_exclusive".into(),
        json!(f.voters_by_list_exclusive),
    );
    m.insert("cap".into(), json!(opts.cap));
    m.insert("load".into(), json!((load * 1000.0).round() / 1000.0));
    m.insert("overfull".into(), json!(f.overfull));
    m.insert("cross_boundary".into(), json!(f.cross_boundary));
    m.insert(
        "outside_share".into(),
        json!((f.outside_share * 1e6).round() / 1e6),
    );
    m.insert("admin_units_touched".into(), json!(f.admin_units_touched));
    m.insert("derived".into(), json!(f.derived));
    m.insert("station".into(), station.unwrap_or(Value::Null));
    m.insert("border_entries".into(), json!(f.border_entries));
    m.insert(
        "findings".into(),
        json!(f.findings.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
    );
    m
}

fn mark_str(m: StationMark) -> &'static str {
    match m {
        StationMark::LimitedAccess => "limited_access",
        StationMark::NewlyCreated => "newly_created",
        StationMark::Eliminated => "eliminated",
    }
}

fn feature(geometry: Option<geojson::Geometry>, props: Map<String, Value>) -> geojson::Feature {
    geojson::Feature {
        bbox: None,
        geometry,
        id: None,
        properties: Some(props),
        foreign_members: None,
    }
}

/// Writes a FeatureCollection one feature at a time (national reports are large).
fn write_collection(
    path: &Path,
    features: impl Iterator<Item = geojson::Feature>,
) -> Result<(), ReportError> {
    write_atomic(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        for (i, f) in features.enumerate() {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut *w, &f)?;
        }
        w.write_all(b"\n]}\n")
    })
}

fn finding_properties(f: &Finding) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("code".into(), json!(f.code.as_str()));
    m.insert("severity".into(), json!(f.severity.as_str()));
    m.insert("precinct".into(), json!(f.precinct));
    m.insert("subject".into(), json!(f.subject));
    m.insert("message".into(), json!(f.message));
    m.insert("record".into(), json!(f.record));
    m.insert("file".into(), json!(f.file));
    m.insert("line".into(), json!(f.line));
    m.insert("title_kk".into(), json!(f.code.title("kk")));
    m.insert("title_ru".into(), json!(f.code.title("ru")));
    m.insert("title_en".into(), json!(f.code.title("en")));
    m
}

/// Everything a finished check writes, for [`write_all`].
pub struct ReportInput<'a> {
    pub ds: &'a Dataset,
    pub result: &'a CheckResult,
    pub intake: &'a Intake,
    pub opts: &'a CheckOptions,
    /// The input files by role (`admin`, `voters`, ...), recorded in `summary.json`.
    pub inputs: BTreeMap<String, String>,
}

/// The counts `summary.json` carries, also printed at the end of a run.
pub fn counts_by_code(findings: &[Finding]) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.code.as_str()).or_insert(0) += 1;
    }
    m
}

/// The columns of `assignment.csv`, one row per address point.
pub const ASSIGNMENT_COLUMNS: [&str; 11] = [
    "address",
    "locality",
    "street",
    "house",
    "building",
    "lon",
    "lat",
    "admin_unit",
    "precinct",
    "precinct_by_list",
    "voters",
];

/// Writes `assignment.csv`: each address point (numbered from 0 in the order of the address
/// file) with its unit, the precinct whose polygon holds it, the precinct its address list
/// gives and the number of voters whose address it is. The map's planner edits this
/// assignment. Nothing personal: voters are counted, never named.
pub fn write_assignment(out: &Path, ds: &Dataset, result: &CheckResult) -> Result<(), ReportError> {
    let polygons = result.polygons(ds);
    write_atomic(&out.join("assignment.csv"), |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(ASSIGNMENT_COLUMNS)?;
        for (i, a) in ds.addresses.iter().enumerate() {
            let unit = result
                .address_unit
                .get(i)
                .copied()
                .flatten()
                .map(|u| result.units[u as usize].as_str())
                .unwrap_or("");
            let precinct = result
                .address_precinct
                .get(i)
                .copied()
                .flatten()
                .map(|p| polygons[p as usize].no.as_str())
                .unwrap_or("");
            let by_list = result
                .address_list
                .get(i)
                .and_then(Option::as_ref)
                .map(|p| p.as_str())
                .unwrap_or("");
            let voters = result.address_voters.get(i).copied().unwrap_or(0);
            c.write_field(i.to_string())?;
            c.write_field(&a.locality)?;
            c.write_field(&a.street)?;
            c.write_field(&a.house)?;
            c.write_field(&a.building)?;
            c.write_field(a.coord.x.to_string())?;
            c.write_field(a.coord.y.to_string())?;
            c.write_field(unit)?;
            c.write_field(precinct)?;
            c.write_field(by_list)?;
            c.write_field(voters.to_string())?;
            c.write_record(None::<&[u8]>)?;
        }
        c.flush()
    })
}

/// Writes `report.geojson`, `findings.csv`, `findings.geojson`, `summary.json`,
/// `rejects.csv`, `admin.geojson` and (with address points) `assignment.csv` into `out`.
pub fn write_all(out: &Path, r: &ReportInput<'_>) -> Result<(), ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let (assignment, rest) = rayon::join(
        || {
            if r.ds.addresses.is_empty() {
                Ok(())
            } else {
                write_assignment(out, r.ds, r.result)
            }
        },
        || write_report_files(out, r),
    );
    assignment.and(rest)
}

fn write_report_files(out: &Path, r: &ReportInput<'_>) -> Result<(), ReportError> {
    let polygons = r.result.polygons(r.ds);

    write_collection(
        &out.join("report.geojson"),
        r.result.precincts.iter().map(|f| {
            let g = f
                .polygon
                .map(|i| to_geojson(&geo::Geometry::MultiPolygon(polygons[i].geometry.clone())));
            feature(g, precinct_properties(f, r.ds, r.opts))
        }),
    )?;

    write_collection(
        &out.join("findings.geojson"),
        r.result
            .findings
            .iter()
            .map(|f| feature(f.geometry.as_ref().map(to_geojson), finding_properties(f))),
    )?;

    write_atomic(&out.join("findings.csv"), |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record([
            "code", "severity", "precinct", "subject", "message", "record", "file", "line",
            "title_kk", "title_ru",
        ])?;
        for f in &r.result.findings {
            c.write_record([
                f.code.as_str(),
                f.severity.as_str(),
                f.precinct.as_ref().map(|p| p.as_str()).unwrap_or(""),
                &f.subject,
                &f.message,
                f.record.as_deref().unwrap_or(""),
                f.file.as_deref().unwrap_or(""),
                &f.line.map(|l| l.to_string()).unwrap_or_default(),
                f.code.title("kk"),
                f.code.title("ru"),
            ])?;
        }
        c.flush()
    })?;

    write_atomic(&out.join("rejects.csv"), |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(["file", "line", "field", "reason"])?;
        for j in &r.intake.rejects {
            c.write_record([&*j.file, &j.line.to_string(), &j.field, &j.reason])?;
        }
        c.flush()
    })?;

    write_collection(
        &out.join("admin.geojson"),
        r.ds.admin.iter().map(|u| {
            let mut m = Map::new();
            m.insert("kato".into(), json!(u.kato));
            m.insert("name".into(), json!(u.name));
            m.insert("level".into(), json!(u.level.as_str()));
            feature(
                Some(to_geojson(&geo::Geometry::MultiPolygon(u.geometry.clone()))),
                m,
            )
        }),
    )?;

    let (read, accepted, rejected) = r.intake.totals();
    let codes: Vec<Value> = FindingCode::ALL
        .iter()
        .map(|c| {
            json!({
                "code": c.as_str(), "severity": c.severity().as_str(),
                "title_en": c.title("en"), "title_ru": c.title("ru"), "title_kk": c.title("kk"),
            })
        })
        .collect();
    let summary = json!({
        "precincts": r.result.precincts.len(),
        "overfull": r.result.precincts.iter().filter(|p| p.overfull).count(),
        "cross_boundary": r.result.precincts.iter().filter(|p| p.cross_boundary).count(),
        "findings": r.result.findings.len(),
        "counts_by_code": counts_by_code(&r.result.findings),
        "codes": codes,
        "accounting": r.intake.files,
        "totals": {"read": read, "accepted": accepted, "rejected": rejected},
        "cap": r.opts.cap,
        "tolerance": r.opts.tolerance,
        "admin_level": r.result.level.map(|l| l.as_str()),
        "skipped_checks": r.result.skipped,
        "warnings": r.intake.warnings,
        "inputs": r.inputs,
    });
    write_atomic(&out.join("summary.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &summary)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

#[cfg(test)]
mod atomic_tests {
    use super::*;

    #[test]
    fn a_locked_output_folder_is_refused_to_a_second_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = lock_out_dir(&out).unwrap();
        #[cfg(unix)]
        assert_eq!(
            lock_out_dir(&out).unwrap_err().to_string(),
            format!(
                "cannot write {}: another run is writing into this folder; wait for it, or \
                 give another --out",
                out.display()
            )
        );
        drop(first);
        lock_out_dir(&out).unwrap();
    }

    #[test]
    fn write_atomic_leaves_only_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, |w| w.write_all(b"x\n")).unwrap();
        let failed = write_atomic(&p, |_| Err(std::io::Error::other("disk full")));
        assert!(failed.is_err());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.csv"]);
        assert_eq!(std::fs::read(&p).unwrap(), b"x\n");
        assert_eq!(remove_stale_temporaries(dir.path()), 0);
    }
}
