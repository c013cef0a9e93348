//! Loading a report directory into memory: the precincts, findings, summary, admin units,
//! reconciliation outputs, the tile layers and the optional basemap.

use super::ServerError;
use super::basemap::Basemap;
use super::mvt::PropValue;
use super::paths::Relative;
use super::plan::{ASSIGNMENT_FILE, Planner, ReportPrecinct};
use super::tiles::{TileFeature, TileLayer, TileSet, project};
use geo::{BoundingRect, Geometry, InteriorPoint, MultiPolygon};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Options of [`AppState::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A local basemap (PMTiles or MBTiles) served under `/basemap/`.
    pub basemap: Option<PathBuf>,
    /// Encode every tile up to this zoom at load (in parallel); `None` for none.
    pub warm_tiles_to_zoom: Option<u8>,
    /// A `dataset.toml` whose address points are drawn at high zoom and searched.
    pub dataset: Option<PathBuf>,
}

/// An address point for the map and the search.
#[derive(Debug, Clone)]
pub struct AddressRec {
    pub label: String,
    pub lon: f64,
    pub lat: f64,
}

/// The address points of a dataset, or none (with a note on stderr) when they cannot be read.
fn read_dataset_addresses(dataset: &Path) -> Vec<AddressRec> {
    let ds = match crate::cli::DatasetFile::load(dataset) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("note: address points not shown: {e:#}");
            return Vec::new();
        }
    };
    let Some(path) = ds.addresses.as_ref() else {
        return Vec::new();
    };
    let mut intake = crate::io::Intake::default();
    match crate::io::read_addresses(path, ds.crs.as_deref(), &mut intake) {
        Ok(points) => points
            .into_iter()
            .map(|a| AddressRec {
                label: super::plan::label(&a),
                lon: a.coord.x,
                lat: a.coord.y,
            })
            .collect(),
        Err(e) => {
            eprintln!("note: address points not shown: {e}");
            Vec::new()
        }
    }
}

/// One precinct of `report.geojson`.
#[derive(Debug, Clone)]
pub struct PrecinctRec {
    pub no: String,
    pub props: Map<String, Value>,
    /// [min lon, min lat, max lon, max lat].
    pub bbox: Option<[f64; 4]>,
    /// A point inside the polygon for labels.
    pub label: Option<[f64; 2]>,
    pub codes: Vec<String>,
    pub admin_unit: Option<String>,
    pub load: f64,
    /// Lower-case text searched by `/api/search`.
    pub search: String,
}

/// One finding of `findings.geojson`.
#[derive(Debug, Clone)]
pub struct FindingRec {
    pub props: Map<String, Value>,
    pub code: String,
    pub precinct: Option<String>,
    pub unit: Option<String>,
    pub bbox: Option<[f64; 4]>,
}

/// One administrative unit of `admin.geojson`.
#[derive(Debug, Clone)]
pub struct AdminRec {
    pub kato: String,
    pub name: String,
    pub level: String,
    pub bbox: Option<[f64; 4]>,
    pub label: Option<[f64; 2]>,
}

/// One reconciliation category list (`reconciliation/<category>.csv`).
#[derive(Debug, Clone)]
pub struct ReconList {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding IINs (masked unless revealed).
    pub iin_columns: Vec<usize>,
}

/// Times of the load steps, for the benchmark and the log.
#[derive(Debug, Clone, Default)]
pub struct LoadTimings {
    pub read: Duration,
    pub tiles: Duration,
    pub warm: Duration,
    pub warmed_tiles: usize,
}

pub(crate) struct Inner {
    pub dir: PathBuf,
    pub precincts: Vec<PrecinctRec>,
    pub by_no: HashMap<String, usize>,
    pub findings: Vec<FindingRec>,
    pub findings_by_precinct: HashMap<String, Vec<usize>>,
    pub summary: Value,
    pub admin: Vec<AdminRec>,
    pub recon_stats: Option<Value>,
    pub recon_lists: BTreeMap<String, ReconList>,
    pub tiles: TileSet,
    pub addresses: Vec<AddressRec>,
    /// Lower-case address labels, for the search.
    pub address_search: Vec<String>,
    pub basemap: Option<Basemap>,
    /// The planner (edits of the assignment), when the report has `assignment.csv`.
    pub plan: Option<Mutex<Planner>>,
    /// Why there is no planner.
    pub plan_note: Option<String>,
    pub timings: LoadTimings,
}

/// Everything the server shows, loaded once; cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

#[derive(Deserialize)]
struct Fc {
    features: Vec<Feat>,
}

#[derive(Deserialize)]
struct Feat {
    geometry: Option<geojson::Geometry>,
    #[serde(default)]
    properties: Option<Map<String, Value>>,
}

fn read_fc(dir: &Path, name: &'static str, required: bool) -> Result<Vec<Feat>, ServerError> {
    let path = dir.join(name);
    if !path.exists() {
        return if required {
            Err(ServerError::Missing {
                file: name,
                dir: dir.to_path_buf(),
            })
        } else {
            Ok(Vec::new())
        };
    }
    let bytes = std::fs::read(&path).map_err(|e| ServerError::Io {
        file: name,
        source: e,
    })?;
    let fc: Fc = serde_json::from_slice(&bytes).map_err(|e| ServerError::Parse {
        file: name,
        reason: e.to_string(),
    })?;
    Ok(fc.features)
}

fn to_geo(g: Option<&geojson::Geometry>) -> Option<Geometry<f64>> {
    g.and_then(|g| Geometry::<f64>::try_from(&g.value).ok())
}

fn bbox_of(g: &Geometry<f64>) -> Option<[f64; 4]> {
    g.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

fn label_of(g: &Geometry<f64>) -> Option<[f64; 2]> {
    // The interior point of the largest part, so labels sit inside.
    let mp: Option<MultiPolygon<f64>> = match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        _ => None,
    };
    let p = match mp {
        Some(mp) => {
            use geo::Area;
            mp.0.iter()
                .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
                .and_then(|p| p.interior_point())
        }
        None => g.interior_point(),
    }?;
    Some([p.x(), p.y()])
}

/// A JSON value as a string key ("12" for 12, "12" for "12").
pub fn key_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

pub(super) fn is_iin_header(h: &str) -> bool {
    let l = h.to_lowercase();
    l.contains("iin") || l.contains("иин") || l.contains("жсн")
}

/// Whether a cell looks like an IIN (12 digits).
pub fn looks_like_iin(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn read_recon_lists(dir: &Path) -> Result<BTreeMap<String, ReconList>, ServerError> {
    let mut out = BTreeMap::new();
    let rdir = dir.join("reconciliation");
    let Ok(entries) = std::fs::read_dir(&rdir) else {
        return Ok(out);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("csv"))
        .collect();
    paths.sort();
    for p in paths {
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
            continue;
        };
        let parse = |e: csv::Error| ServerError::Parse {
            file: "reconciliation/*.csv",
            reason: e.to_string(),
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&p)
            .map_err(parse)?;
        let columns: Vec<String> = rdr
            .headers()
            .map_err(parse)?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let iin_columns = columns
            .iter()
            .enumerate()
            .filter(|(_, h)| is_iin_header(h))
            .map(|(i, _)| i)
            .collect();
        let mut rows = Vec::new();
        for r in rdr.records() {
            let r = r.map_err(parse)?;
            rows.push(r.iter().map(str::to_string).collect());
        }
        out.insert(
            stem,
            ReconList {
                columns,
                rows,
                iin_columns,
            },
        );
    }
    Ok(out)
}

impl AppState {
    /// Reads `DIR/report.geojson`, `findings.geojson`, `summary.json`, `admin.geojson` and the
    /// reconciliation outputs when present, and prepares the tiles.
    pub fn load(report_dir: &Path, opts: &LoadOptions) -> Result<AppState, ServerError> {
        let t0 = Instant::now();
        let dir = report_dir.to_path_buf();
        let ((report, plan), (findings_fc, admin_fc)) = rayon::join(
            || {
                rayon::join(
                    || read_fc(&dir, "report.geojson", true),
                    || Planner::open(&dir),
                )
            },
            || {
                rayon::join(
                    || read_fc(&dir, "findings.geojson", false),
                    || read_fc(&dir, "admin.geojson", false),
                )
            },
        );
        let (report, findings_fc, admin_fc) = (report?, findings_fc?, admin_fc?);
        let summary = match std::fs::read(dir.join("summary.json")) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| ServerError::Parse {
                file: "summary.json",
                reason: e.to_string(),
            })?,
            Err(_) => Value::Object(Map::new()),
        };
        // No absolute path of the user's machine leaves the server (see `paths`).
        let rel = Relative::new(&dir, &summary);
        let mut summary = summary;
        rel.value(&mut summary);
        // The reconcile subcommand writes into DIR/reconciliation/; DIR/ is accepted too.
        let stats_path = [
            "reconciliation/reconciliation_stats.json",
            "reconciliation_stats.json",
        ]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .unwrap_or_else(|| dir.join("reconciliation_stats.json"));
        let recon_stats = match std::fs::read(stats_path) {
            Ok(b) => Some(serde_json::from_slice(&b).map_err(|e| ServerError::Parse {
                file: "reconciliation_stats.json",
                reason: e.to_string(),
            })?),
            Err(_) => None,
        };
        let mut recon_stats: Option<Value> = recon_stats;
        if let Some(v) = &mut recon_stats {
            rel.value(v);
        }
        let mut recon_lists = read_recon_lists(&dir)?;
        for l in recon_lists.values_mut() {
            for cell in l.rows.iter_mut().flatten() {
                if let Cow::Owned(t) = rel.text(cell) {
                    *cell = t;
                }
            }
        }

        // Precincts.
        let prec: Vec<(PrecinctRec, Option<Geometry<f64>>)> = report
            .into_par_iter()
            .enumerate()
            .map(|(i, f)| {
                let mut props = f.properties.unwrap_or_default();
                props.values_mut().for_each(|v| rel.value(v));
                let g = to_geo(f.geometry.as_ref());
                let no = key_string(props.get("precinct")).unwrap_or_else(|| format!("#{}", i + 1));
                let codes: Vec<String> = props
                    .get("findings")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let admin_unit = key_string(props.get("admin_unit"));
                let load = num(props.get("load")).unwrap_or(0.0);
                let station_addr = props
                    .get("station")
                    .and_then(|s| s.get("address"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let search = format!(
                    "{} {} {} {}",
                    no,
                    admin_unit.as_deref().unwrap_or(""),
                    props
                        .get("admin_name")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                    station_addr
                )
                .to_lowercase();
                let rec = PrecinctRec {
                    no,
                    bbox: g.as_ref().and_then(bbox_of),
                    label: g.as_ref().and_then(label_of),
                    props,
                    codes,
                    admin_unit,
                    load,
                    search,
                };
                (rec, g)
            })
            .collect();
        let mut by_no = HashMap::new();
        for (i, (p, _)) in prec.iter().enumerate() {
            by_no.entry(p.no.clone()).or_insert(i);
        }

        // The planner, on the check's assignment; a plan that cannot be loaded leaves the
        // report served and says why.
        let (plan, plan_note) = match plan {
            Ok(Some(mut planner)) => {
                let cap = summary.get("cap").and_then(Value::as_u64).unwrap_or(3000);
                let report = by_no
                    .iter()
                    .map(|(no, &i)| {
                        let rp = ReportPrecinct {
                            feature_id: i as u64,
                            admin_unit: prec[i].0.admin_unit.clone(),
                        };
                        (no.clone(), rp)
                    })
                    .collect();
                planner.set_report(cap, report);
                (Some(Mutex::new(planner)), None)
            }
            Ok(None) => (
                None,
                Some(format!(
                    "this report has no {ASSIGNMENT_FILE}: run `precincts check` again with address points"
                )),
            ),
            Err(e) => {
                eprintln!("note: planning is off: {e}");
                (
                    None,
                    Some(rel.text(&format!("planning is off: {e}")).into_owned()),
                )
            }
        };

        // Findings.
        let unit_of = |p: &Option<String>| {
            p.as_ref()
                .and_then(|n| by_no.get(n))
                .and_then(|&i| prec[i].0.admin_unit.clone())
        };
        let mut findings = Vec::with_capacity(findings_fc.len());
        let mut finding_geoms = Vec::with_capacity(findings_fc.len());
        for f in findings_fc {
            let mut props = f.properties.unwrap_or_default();
            props.values_mut().for_each(|v| rel.value(v));
            let g = to_geo(f.geometry.as_ref());
            let code = props
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let precinct = key_string(props.get("precinct"));
            findings.push(FindingRec {
                unit: unit_of(&precinct),
                bbox: g.as_ref().and_then(bbox_of),
                props,
                code,
                precinct,
            });
            finding_geoms.push(g);
        }
        let mut findings_by_precinct: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            if let Some(p) = &f.precinct {
                findings_by_precinct.entry(p.clone()).or_default().push(i);
            }
        }

        // Admin units.
        let mut admin = Vec::new();
        let mut admin_geoms = Vec::new();
        for f in admin_fc {
            let props = f.properties.unwrap_or_default();
            let g = to_geo(f.geometry.as_ref());
            admin.push(AdminRec {
                kato: key_string(props.get("kato")).unwrap_or_default(),
                name: props
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                level: props
                    .get("level")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                bbox: g.as_ref().and_then(bbox_of),
                label: g.as_ref().and_then(label_of),
            });
            admin_geoms.push(g);
        }
        let read = t0.elapsed();

        // Tile layers.
        let t1 = Instant::now();
        let level_rank = |l: &str| -> i64 {
            match l {
                "oblast" => 1,
                "district" => 2,
                "sub_district" => 3,
                "settlement" => 4,
                _ => 0,
            }
        };
        let admin_layer = TileLayer::new(
            "admin",
            0,
            admin
                .iter()
                .zip(&admin_geoms)
                .enumerate()
                .filter_map(|(i, (a, g))| {
                    let mg = project(g.as_ref()?)?;
                    Some(TileFeature::new(
                        i as u64,
                        mg,
                        vec![
                            ("kato", PropValue::Str(a.kato.clone())),
                            ("name", PropValue::Str(a.name.clone())),
                            ("level", PropValue::Str(a.level.clone())),
                            ("rank", PropValue::Int(level_rank(&a.level))),
                        ],
                    ))
                })
                .collect(),
        );
        let b =
            |p: &Map<String, Value>, k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
        let precinct_layer = TileLayer::new(
            "precincts",
            0,
            prec.iter()
                .enumerate()
                .filter_map(|(i, (p, g))| {
                    let mg = project(g.as_ref()?)?;
                    Some(TileFeature::new(
                        i as u64,
                        mg,
                        vec![
                            ("precinct", PropValue::Str(p.no.clone())),
                            ("load", PropValue::Double(p.load)),
                            ("overfull", PropValue::Bool(b(&p.props, "overfull"))),
                            (
                                "cross_boundary",
                                PropValue::Bool(b(&p.props, "cross_boundary")),
                            ),
                            ("flagged", PropValue::Bool(!p.codes.is_empty())),
                            (
                                "admin_unit",
                                PropValue::Str(p.admin_unit.clone().unwrap_or_default()),
                            ),
                        ],
                    ))
                })
                .collect(),
        );
        let station_layer = TileLayer::new(
            "stations",
            6,
            prec.iter()
                .enumerate()
                .filter_map(|(i, (p, _))| {
                    let s = p.props.get("station")?;
                    let (lon, lat) = (num(s.get("lon"))?, num(s.get("lat"))?);
                    let mg = project(&Geometry::Point(geo::Point::new(lon, lat)))?;
                    Some(TileFeature::new(
                        i as u64,
                        mg,
                        vec![("precinct", PropValue::Str(p.no.clone()))],
                    ))
                })
                .collect(),
        );
        let finding_layer = TileLayer::new(
            "findings",
            0,
            findings
                .iter()
                .zip(&finding_geoms)
                .enumerate()
                .filter_map(|(i, (f, g))| {
                    let mg = project(g.as_ref()?)?;
                    Some(TileFeature::new(
                        i as u64,
                        mg,
                        vec![
                            ("code", PropValue::Str(f.code.clone())),
                            (
                                "precinct",
                                PropValue::Str(f.precinct.clone().unwrap_or_default()),
                            ),
                        ],
                    ))
                })
                .collect(),
        );
        // The planner's points are the dataset's, in the same order, with no need to read it.
        let addresses = match &plan {
            Some(p) => p
                .lock()
                .expect("not shared yet")
                .points()
                .par_iter()
                .map(|a| AddressRec {
                    label: super::plan::label(a),
                    lon: a.coord.x,
                    lat: a.coord.y,
                })
                .collect(),
            None => opts
                .dataset
                .as_deref()
                .map(read_dataset_addresses)
                .unwrap_or_default(),
        };
        let address_layer = TileLayer::new(
            "addresses",
            14,
            addresses
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let mg = project(&Geometry::Point(geo::Point::new(a.lon, a.lat)))?;
                    // No properties: at national size (millions of points) they cost memory.
                    Some(TileFeature::new(i as u64, mg, Vec::new()))
                })
                .collect(),
        );
        let address_search = addresses
            .par_iter()
            .map(|a| a.label.to_lowercase())
            .collect();
        let tiles = TileSet::new(vec![
            admin_layer,
            precinct_layer,
            finding_layer,
            station_layer,
            address_layer,
        ]);
        let tiles_t = t1.elapsed();
        let t2 = Instant::now();
        let warmed = opts.warm_tiles_to_zoom.map(|z| tiles.warm(z)).unwrap_or(0);
        let warm = t2.elapsed();

        let basemap = match &opts.basemap {
            Some(p) => Some(Basemap::open(p)?),
            None => None,
        };

        Ok(AppState(Arc::new(Inner {
            dir,
            precincts: prec.into_iter().map(|(p, _)| p).collect(),
            by_no,
            findings,
            findings_by_precinct,
            summary,
            admin,
            recon_stats,
            recon_lists,
            tiles,
            addresses,
            address_search,
            basemap,
            plan,
            plan_note,
            timings: LoadTimings {
                read,
                tiles: tiles_t,
                warm,
                warmed_tiles: warmed,
            },
        })))
    }

    /// How long the load steps took.
    pub fn timings(&self) -> LoadTimings {
        self.0.timings.clone()
    }

    /// Number of precincts loaded.
    pub fn precinct_count(&self) -> usize {
        self.0.precincts.len()
    }

    /// The report directory.
    pub fn dir(&self) -> &Path {
        &self.0.dir
    }
}
