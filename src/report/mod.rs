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

/// Writes `path` atomically: `fill` writes into a temporary file beside it, which is then
/// renamed over `path`.
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
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        fill(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
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
        "inputs": r.inputs,
    });
    write_atomic(&out.join("summary.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &summary)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}
