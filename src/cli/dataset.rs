//! `dataset.toml`: names the inputs of a run, paths relative to the file's folder. Flags
//! on the command line override it.
//!
//! ```toml
//! admin = "admin.geojson"          # administrative units (Shapefile or GeoJSON)
//! admin_id_field = "KATO"
//! admin_level = "district"         # level to check containment at (default: finest given)
//! admin_level_field = "LEVEL"      # attribute giving each unit's level (default: from KATO)
//! precincts = "precincts.geojson"  # precinct polygons
//! precinct_id_field = "precinct"
//! addresses = "addresses.csv"      # address points
//! voters = "voters.csv"            # Appendix 1
//! stations = "stations.csv"        # Appendix 2
//! borders = "borders.csv"          # Appendix 3
//! street_aliases = "aliases.csv"   # old street name -> new, per locality
//! classifier = "kato.csv"          # the KATO classifier
//! crs = "EPSG:4326"                # for inputs without a .prj / CSV coordinates
//! cap = 3000
//! tolerance = 0.01
//!
//! [reconcile]
//! submission = "voters.csv"
//! register = "register.csv"
//! refs = "refs"
//! date = "2026-03-15"
//! region = "750000000"
//! ```

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The contents of a `dataset.toml`, paths already resolved against its folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    pub admin: Option<PathBuf>,
    pub admin_id_field: Option<String>,
    pub admin_level: Option<String>,
    pub admin_level_field: Option<String>,
    pub precincts: Option<PathBuf>,
    pub precinct_id_field: Option<String>,
    pub addresses: Option<PathBuf>,
    pub voters: Option<PathBuf>,
    pub stations: Option<PathBuf>,
    pub borders: Option<PathBuf>,
    pub street_aliases: Option<PathBuf>,
    pub classifier: Option<PathBuf>,
    pub crs: Option<String>,
    pub cap: Option<u32>,
    pub tolerance: Option<f64>,
    pub reconcile: Option<ReconcileSection>,
}

/// The `[reconcile]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileSection {
    pub submission: Option<PathBuf>,
    pub register: Option<PathBuf>,
    pub refs: Option<PathBuf>,
    pub date: Option<String>,
    pub region: Option<String>,
}

impl DatasetFile {
    /// Reads a `dataset.toml` and resolves its paths against the file's folder.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        crate::io::whole_file(path)?;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read dataset file {}", path.display()))?;
        let mut d: DatasetFile = toml::from_str(&text)
            .with_context(|| format!("{}: not a valid dataset file", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(x) = p.as_mut()
                && x.is_relative()
            {
                *x = base.join(&*x);
            }
        };
        for p in [
            &mut d.admin,
            &mut d.precincts,
            &mut d.addresses,
            &mut d.voters,
            &mut d.stations,
            &mut d.borders,
            &mut d.street_aliases,
            &mut d.classifier,
        ] {
            fix(p);
        }
        if let Some(r) = d.reconcile.as_mut() {
            fix(&mut r.submission);
            fix(&mut r.register);
            fix(&mut r.refs);
        }
        Ok(d)
    }
}
