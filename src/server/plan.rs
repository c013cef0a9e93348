//! The planner: planners move address points between precincts on the map, see the planned
//! voter counts against the cap, undo, and export the planned Appendix 3 lists.
//!
//! The base is the check's `assignment.csv` (each address point with its unit, its precinct
//! and its voter count). Edits ("move these addresses to precinct X") are kept in SQLite,
//! `plan.sqlite` beside the report, keyed by the address (locality, street, house, building)
//! rather than by row number, so a plan survives a new check of corrected data: on load the
//! edits are replayed in order and each says how many of its addresses it still found.

use crate::PrecinctNo;
use crate::borders::{Lang, appendix3_csv, appendix3_rows, appendix3_xlsx};
use crate::model::{AddressPoint, SourceRef};
use crate::report::ASSIGNMENT_COLUMNS;
use crate::server::api::precinct_sort_key;
use geo::Coord;
use rayon::prelude::*;
use rusqlite::{Connection, params};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// The check's output the planner starts from.
pub const ASSIGNMENT_FILE: &str = "assignment.csv";
/// Where the edits persist, in the report directory.
pub const DB_FILE: &str = "plan.sqlite";
/// At most this many moved address ids are listed by [`Planner::overview`].
pub const MOVED_LIMIT: usize = 100_000;
/// The longest note an edit may carry (characters).
pub const NOTE_MAX: usize = 500;

/// Why a plan cannot be loaded or an edit cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("assignment.csv line {line}: {reason}")]
    Parse { line: u64, reason: String },
    #[error("cannot read assignment.csv: {0}")]
    Read(String),
    #[error("plan database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The request is wrong (a client error).
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write the plan's lists: {0}")]
    Write(String),
    #[error("no edit {0} in this plan")]
    NoEdit(i64),
}

/// A precinct of the report as the planner needs it.
#[derive(Debug, Clone)]
pub struct ReportPrecinct {
    /// Feature id in the `precincts` tile layer.
    pub feature_id: u64,
    pub admin_unit: Option<String>,
}

/// One stored edit and what it did on this report.
#[derive(Debug, Clone)]
pub struct Edit {
    pub id: i64,
    pub created: String,
    pub precinct: String,
    pub note: String,
    /// Address keys: (locality, street, house, building).
    pub keys: Vec<[String; 4]>,
    /// Address points of this report the keys found.
    pub applied: usize,
    /// Voters at those points.
    pub voters: u64,
}

impl Edit {
    /// The edit as `GET /api/plan` lists it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "created": self.created, "precinct": self.precinct, "note": self.note,
            "addresses": self.keys.len(), "applied": self.applied, "voters": self.voters,
        })
    }
}

/// A warning about an edit: it is made, but the planner should look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub precinct: String,
    pub message: String,
    /// `over_cap`: the planned voters; `other_unit`: the moved points outside the unit.
    pub count: Option<u64>,
    /// `other_unit`: the target's unit.
    pub unit: Option<String>,
}

/// The plan: the check's assignment, the edits on top, and the database they live in.
pub struct Planner {
    db: Connection,
    cap: u64,
    points: Vec<AddressPoint>,
    unit: Vec<Option<u32>>,
    units: Vec<String>,
    voters: Vec<u32>,
    /// Precinct numbers; indices are what `base` and `current` hold.
    names: Vec<String>,
    name_ix: HashMap<String, u32>,
    report: HashMap<String, ReportPrecinct>,
    base: Vec<Option<u32>>,
    current: Vec<Option<u32>>,
    edits: Vec<Edit>,
    /// (hash of the address key, id), sorted: finds the points of a key without a map of
    /// millions of strings.
    key_index: Vec<(u64, u32)>,
}

fn key_hash(locality: &str, street: &str, house: &str, building: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (locality, street, house, building).hash(&mut h);
    h.finish()
}

fn key_of(a: &AddressPoint) -> [String; 4] {
    [
        a.locality.clone(),
        a.street.clone(),
        a.house.clone(),
        a.building.clone(),
    ]
}

/// A display label: "street house building, locality" (for the map, the search, the plan).
pub fn label(a: &AddressPoint) -> String {
    let mut s = a.street.clone();
    for part in [&a.house, &a.building] {
        if !part.is_empty() {
            s.push(' ');
            s.push_str(part);
        }
    }
    match (s.is_empty(), a.locality.is_empty()) {
        (true, _) => a.locality.clone(),
        (false, false) => format!("{s}, {}", a.locality),
        (false, true) => s,
    }
}

/// Checks a target precinct number as a planner typed it.
pub fn parse_target(s: &str) -> Result<String, PlanError> {
    let p = PrecinctNo::from_str(s)
        .map_err(|_| PlanError::Invalid("the target precinct number is empty".into()))?;
    let t = p.as_str();
    if t.chars().count() > 40 || t.chars().any(char::is_control) {
        return Err(PlanError::Invalid(
            "the target precinct number must be at most 40 printable characters".into(),
        ));
    }
    Ok(t.to_string())
}

impl Planner {
    /// Loads `DIR/assignment.csv` and `DIR/plan.sqlite` (created when missing) and replays the
    /// stored edits. `Ok(None)` when the report has no assignment (an older check, or no
    /// address points).
    /// The cap and the report's precincts come later, with [`Planner::set_report`].
    pub fn open(dir: &Path) -> Result<Option<Planner>, PlanError> {
        let path = dir.join(ASSIGNMENT_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let mut p = Planner::read_assignment(&path)?;
        p.db = Connection::open(dir.join(DB_FILE))?;
        p.db.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS edits (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
                 precinct TEXT NOT NULL,
                 note TEXT NOT NULL DEFAULT '',
                 addresses TEXT NOT NULL
             );",
        )?;
        let mut stmt =
            p.db.prepare("SELECT id, created, precinct, note, addresses FROM edits ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut edits = Vec::new();
        for row in rows {
            let (id, created, precinct, note, addresses) = row?;
            let keys: Vec<[String; 4]> = serde_json::from_str(&addresses).map_err(|e| {
                PlanError::Db(rusqlite::Error::FromSqlConversionFailure(
                    4,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                ))
            })?;
            edits.push(Edit {
                id,
                created,
                precinct,
                note,
                keys,
                applied: 0,
                voters: 0,
            });
        }
        drop(stmt);
        p.edits = edits;
        p.replay();
        Ok(Some(p))
    }

    /// The cap and the report's precincts (by number), for the figures and the warnings.
    pub fn set_report(&mut self, cap: u64, report: HashMap<String, ReportPrecinct>) {
        self.cap = cap;
        self.report = report;
    }

    fn read_assignment(path: &Path) -> Result<Planner, PlanError> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .map_err(|e| PlanError::Read(e.to_string()))?;
        let headers = r
            .headers()
            .map_err(|e| PlanError::Read(e.to_string()))?
            .clone();
        if headers.iter().ne(ASSIGNMENT_COLUMNS.iter().copied()) {
            return Err(PlanError::Parse {
                line: 1,
                reason: format!("the header must be {}", ASSIGNMENT_COLUMNS.join(",")),
            });
        }
        let file: Arc<str> = Arc::from(ASSIGNMENT_FILE);
        let mut p = Planner {
            db: Connection::open_in_memory()?,
            cap: 3000,
            points: Vec::new(),
            unit: Vec::new(),
            units: Vec::new(),
            voters: Vec::new(),
            names: Vec::new(),
            name_ix: HashMap::new(),
            report: HashMap::new(),
            base: Vec::new(),
            current: Vec::new(),
            edits: Vec::new(),
            key_index: Vec::new(),
        };
        let mut unit_ix: HashMap<String, u32> = HashMap::new();
        let mut rec = csv::StringRecord::new();
        loop {
            match r.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(PlanError::Read(e.to_string())),
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let bad = |field: &str, why: &str| PlanError::Parse {
                line,
                reason: format!("{field}: {why}"),
            };
            let id: usize = rec[0]
                .parse()
                .map_err(|_| bad("address", "not a whole number"))?;
            if id != p.points.len() {
                return Err(bad("address", "rows must be numbered 0, 1, 2, … in order"));
            }
            let num = |i: usize, name: &str| -> Result<f64, PlanError> {
                rec[i]
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(name, "not a number"))
            };
            let (lon, lat) = (num(5, "lon")?, num(6, "lat")?);
            let voters: u32 = rec[10]
                .parse()
                .map_err(|_| bad("voters", "not a whole number"))?;
            let unit = match &rec[7] {
                "" => None,
                u => Some(match unit_ix.get(u) {
                    Some(&i) => i,
                    None => {
                        let i = p.units.len() as u32;
                        p.units.push(u.to_string());
                        unit_ix.insert(u.to_string(), i);
                        i
                    }
                }),
            };
            // The polygon's precinct, else the address list's.
            let base = match (&rec[8], &rec[9]) {
                ("", "") => None,
                ("", l) => Some(p.intern(l)),
                (g, _) => Some(p.intern(g)),
            };
            p.points.push(AddressPoint {
                locality: rec[1].to_string(),
                street: rec[2].to_string(),
                house: rec[3].to_string(),
                building: rec[4].to_string(),
                coord: Coord { x: lon, y: lat },
                source: SourceRef {
                    file: file.clone(),
                    line,
                },
            });
            p.unit.push(unit);
            p.voters.push(voters);
            p.base.push(base);
        }
        p.current = p.base.clone();
        p.key_index = p
            .points
            .par_iter()
            .enumerate()
            .map(|(i, a)| {
                let h = key_hash(&a.locality, &a.street, &a.house, &a.building);
                (h, i as u32)
            })
            .collect();
        p.key_index.par_sort_unstable();
        Ok(p)
    }

    /// The ids of the points with this address key.
    fn ids_with_key<'a>(&'a self, k: &'a [String; 4]) -> impl Iterator<Item = u32> + 'a {
        let h = key_hash(&k[0], &k[1], &k[2], &k[3]);
        let from = self.key_index.partition_point(|&(x, _)| x < h);
        self.key_index[from..]
            .iter()
            .take_while(move |&&(x, _)| x == h)
            .map(|&(_, i)| i)
            .filter(move |&i| {
                let a = &self.points[i as usize];
                a.locality == k[0] && a.street == k[1] && a.house == k[2] && a.building == k[3]
            })
    }

    /// Applies edit `e` (an index into `edits`) on the current assignment; returns the
    /// points it changed with their precinct before.
    fn apply(&mut self, e: usize) -> Vec<(u32, Option<u32>)> {
        let target = self.intern(&self.edits[e].precinct.clone());
        let mut found = Vec::new();
        for k in &self.edits[e].keys {
            found.extend(self.ids_with_key(k));
        }
        let mut changes = Vec::new();
        let mut voters = 0u64;
        for &i in &found {
            let old = self.current[i as usize];
            if old != Some(target) {
                changes.push((i, old));
            }
            self.current[i as usize] = Some(target);
            voters += u64::from(self.voters[i as usize]);
        }
        let edit = &mut self.edits[e];
        edit.applied = found.len();
        edit.voters = voters;
        changes
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.name_ix.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.name_ix.insert(name.to_string(), i);
        i
    }

    /// The address points, in the order of `assignment.csv` (their ids).
    pub fn points(&self) -> &[AddressPoint] {
        &self.points
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }

    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// Resets to the check's assignment and applies every edit in order.
    fn replay(&mut self) {
        self.current.clone_from(&self.base);
        for e in 0..self.edits.len() {
            self.apply(e);
        }
    }

    /// Precinct figures for `set`, before (the check) and planned, in one pass.
    fn figures(&self, set: &BTreeSet<u32>) -> Vec<Value> {
        #[derive(Default)]
        struct F {
            before: u64,
            planned: u64,
            addresses: u64,
            units: BTreeSet<u32>,
        }
        let mut f: BTreeMap<u32, F> = set.iter().map(|&p| (p, F::default())).collect();
        for i in 0..self.points.len() {
            let v = u64::from(self.voters[i]);
            if let Some(b) = self.base[i].and_then(|b| f.get_mut(&b)) {
                b.before += v;
            }
            if let Some(c) = self.current[i].and_then(|c| f.get_mut(&c)) {
                c.planned += v;
                c.addresses += 1;
                if let Some(u) = self.unit[i] {
                    c.units.insert(u);
                }
            }
        }
        let cap = self.cap.max(1) as f64;
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        let mut out: Vec<(String, Value)> = f
            .into_iter()
            .map(|(p, f)| {
                let name = &self.names[p as usize];
                let rep = self.report.get(name);
                let v = json!({
                    "precinct": name,
                    "feature_id": rep.map(|r| r.feature_id),
                    "voters_before": f.before,
                    "voters_planned": f.planned,
                    "load_before": round(f.before as f64 / cap),
                    "load_planned": round(f.planned as f64 / cap),
                    "over_cap": f.planned > self.cap,
                    "units": f.units.iter().map(|&u| &self.units[u as usize]).collect::<Vec<_>>(),
                    "addresses_planned": f.addresses,
                    "new": rep.is_none(),
                });
                (name.clone(), v)
            })
            .collect();
        out.sort_by_cached_key(|(name, _)| precinct_sort_key(name));
        out.into_iter().map(|(_, v)| v).collect()
    }

    /// `GET /api/plan`: the edits, the changed precincts and the moved addresses.
    pub fn overview(&self) -> Value {
        let moved: Vec<usize> = (0..self.points.len())
            .filter(|&i| self.base[i] != self.current[i])
            .collect();
        json!({
            "available": true,
            "cap": self.cap,
            "addresses": self.points.len(),
            "edits": self.edits.iter().map(Edit::to_json).collect::<Vec<_>>(),
            "precincts": self.figures(&self.touched(&self.base)),
            "moved_total": moved.len(),
            "moved": &moved[..moved.len().min(MOVED_LIMIT)],
        })
    }

    /// Whether the precinct is in the report or in the plan.
    pub fn knows(&self, precinct: &str) -> bool {
        self.report.contains_key(precinct) || self.name_ix.contains_key(precinct)
    }

    /// The addresses planned for a precinct, a page of them, in file order.
    pub fn precinct_addresses(&self, precinct: &str, page: usize, per_page: usize) -> Value {
        let p = self.name_ix.get(precinct).copied();
        let mut total = 0usize;
        let mut voters = 0u64;
        let mut items = Vec::new();
        let skip = (page - 1).saturating_mul(per_page);
        for i in 0..self.points.len() {
            if p.is_none() || self.current[i] != p {
                continue;
            }
            if total >= skip && items.len() < per_page {
                items.push(json!({
                    "id": i,
                    "label": label(&self.points[i]),
                    "voters": self.voters[i],
                    "base": self.base[i].map(|b| &self.names[b as usize]),
                    "moved": self.base[i] != self.current[i],
                }));
            }
            total += 1;
            voters += u64::from(self.voters[i]);
        }
        json!({"precinct": precinct, "total": total, "page": page, "per_page": per_page,
               "voters": voters, "items": items})
    }

    /// Moves the addresses (ids into `assignment.csv`; every point sharing an address key
    /// moves with them) to `target`, stores the edit, and says what changed.
    pub fn add_edit(
        &mut self,
        ids: &[u64],
        target: &str,
        note: &str,
    ) -> Result<(Edit, Vec<Value>, Vec<Warning>), PlanError> {
        let target = parse_target(target)?;
        if note.chars().count() > NOTE_MAX || note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(PlanError::Invalid(format!(
                "the note must be at most {NOTE_MAX} characters of text"
            )));
        }
        if ids.is_empty() {
            return Err(PlanError::Invalid("no addresses given".into()));
        }
        let n = self.points.len() as u64;
        if let Some(bad) = ids.iter().find(|&&i| i >= n) {
            return Err(PlanError::Invalid(format!(
                "no address {bad} in this report (ids run from 0 to {})",
                n.saturating_sub(1)
            )));
        }
        let mut keys: Vec<[String; 4]> = ids
            .iter()
            .map(|&i| key_of(&self.points[i as usize]))
            .collect();
        keys.sort();
        keys.dedup();
        let new_precinct = !self.knows(&target);
        let target_unit = self.unit_of(&target);
        let id: i64 = {
            let tx = self.db.transaction()?;
            tx.execute(
                "INSERT INTO edits (precinct, note, addresses) VALUES (?1, ?2, ?3)",
                params![target, note, serde_json::to_string(&keys).expect("strings")],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            id
        };
        let created: String =
            self.db
                .query_row("SELECT created FROM edits WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        self.edits.push(Edit {
            id,
            created,
            precinct: target.clone(),
            note: note.to_string(),
            keys,
            applied: 0,
            voters: 0,
        });
        // The newest edit applies last, so applying it alone equals a replay.
        let changes = self.apply(self.edits.len() - 1);
        let t = self.name_ix[&target];
        let mut touched: BTreeSet<u32> = changes.iter().filter_map(|&(_, old)| old).collect();
        touched.insert(t);
        let changed = self.figures(&touched);
        let edit = self.edits.last().expect("just pushed").clone();

        let mut warnings = Vec::new();
        if new_precinct {
            warnings.push(Warning {
                code: "new_precinct",
                precinct: target.clone(),
                message: format!(
                    "precinct {target} is not in the report: a new precinct needs a polling station and a decision of the akimat"
                ),
                count: None,
                unit: None,
            });
        }
        let planned = changed
            .iter()
            .find(|f| f["precinct"] == target.as_str())
            .and_then(|f| f["voters_planned"].as_u64())
            .unwrap_or(0);
        if planned > self.cap {
            warnings.push(Warning {
                code: "over_cap",
                precinct: target.clone(),
                message: format!(
                    "precinct {target} would have {planned} voters, over the cap of {}",
                    self.cap
                ),
                count: Some(planned),
                unit: None,
            });
        }
        if let Some(tu) = target_unit {
            let outside = changes
                .iter()
                .filter(|&&(i, _)| {
                    matches!(self.unit[i as usize], Some(u) if self.units[u as usize] != tu)
                })
                .count();
            if outside > 0 {
                warnings.push(Warning {
                    code: "other_unit",
                    precinct: target.clone(),
                    message: format!(
                        "{outside} of the moved addresses lie outside unit {tu} of precinct {target}: a precinct stays inside one administrative unit"
                    ),
                    count: Some(outside as u64),
                    unit: Some(tu),
                });
            }
        }
        Ok((edit, changed, warnings))
    }

    /// The unit a precinct belongs to: the report's, else the one most of its planned
    /// addresses lie in.
    fn unit_of(&self, precinct: &str) -> Option<String> {
        if let Some(u) = self.report.get(precinct).and_then(|r| r.admin_unit.clone()) {
            return Some(u);
        }
        let p = *self.name_ix.get(precinct)?;
        let mut count: HashMap<u32, usize> = HashMap::new();
        for i in 0..self.points.len() {
            if self.current[i] == Some(p)
                && let Some(u) = self.unit[i]
            {
                *count.entry(u).or_default() += 1;
            }
        }
        count
            .into_iter()
            .max_by_key(|&(u, n)| (n, std::cmp::Reverse(u)))
            .map(|(u, _)| self.units[u as usize].clone())
    }

    /// The precincts of the points whose precinct differs between `before` and now.
    fn touched(&self, before: &[Option<u32>]) -> BTreeSet<u32> {
        let mut s = BTreeSet::new();
        for (b, c) in before.iter().zip(&self.current) {
            if b != c {
                s.extend(b.iter().chain(c.iter()).copied());
            }
        }
        s
    }

    /// Removes an edit (undo) and says which precincts changed.
    pub fn delete_edit(&mut self, id: i64) -> Result<Vec<Value>, PlanError> {
        let Some(pos) = self.edits.iter().position(|e| e.id == id) else {
            return Err(PlanError::NoEdit(id));
        };
        self.db.execute("DELETE FROM edits WHERE id = ?1", [id])?;
        let before = self.current.clone();
        self.edits.remove(pos);
        self.replay();
        Ok(self.figures(&self.touched(&before)))
    }

    /// The planned precinct of every address point.
    pub fn assignment(&self) -> Vec<Option<PrecinctNo>> {
        let names: Vec<Option<PrecinctNo>> = self.names.iter().map(|n| n.parse().ok()).collect();
        self.current
            .iter()
            .map(|c| c.and_then(|c| names[c as usize].clone()))
            .collect()
    }

    /// `plan.geojson`: one MultiPoint feature per precinct with its planned addresses.
    pub fn geojson(&self) -> Vec<u8> {
        let all: BTreeSet<u32> = self
            .current
            .iter()
            .chain(&self.base)
            .flatten()
            .copied()
            .collect();
        let figures = self.figures(&all);
        let mut coords: HashMap<u32, Vec<[f64; 2]>> = HashMap::new();
        for (i, c) in self.current.iter().enumerate() {
            if let Some(c) = c {
                let a = &self.points[i];
                coords.entry(*c).or_default().push([a.coord.x, a.coord.y]);
            }
        }
        let features: Vec<Value> = figures
            .into_iter()
            .map(|f| {
                let name = f["precinct"].as_str().unwrap_or_default();
                let pts = self
                    .name_ix
                    .get(name)
                    .and_then(|p| coords.get(p))
                    .cloned()
                    .unwrap_or_default();
                let geometry = if pts.is_empty() {
                    Value::Null
                } else {
                    json!({"type": "MultiPoint", "coordinates": pts})
                };
                let mut props = f;
                props["cap"] = json!(self.cap);
                json!({"type": "Feature", "geometry": geometry, "properties": props})
            })
            .collect();
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features}))
            .expect("JSON of plain values")
    }

    /// The Appendix 3 table of the planned assignment in `lang`, as CSV or XLSX bytes.
    pub fn appendix3(&self, lang: Lang, xlsx: bool) -> Result<Vec<u8>, PlanError> {
        let rows = appendix3_rows(&self.points, &self.assignment(), lang);
        if xlsx {
            appendix3_xlsx(&rows, lang).map_err(|e| PlanError::Write(e.to_string()))
        } else {
            Ok(appendix3_csv(&rows, lang))
        }
    }
}
