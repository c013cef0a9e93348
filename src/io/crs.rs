//! Coordinate reference systems through PROJ: every geometry leaves `io` in WGS84 lon/lat.
//!
//! A source CRS is given as `EPSG:NNNN`, any other PROJ-understood identifier
//! (`urn:ogc:def:crs:EPSG::32642`, a PROJ string) or a `.prj` WKT (ESRI or OGC flavour).
//! WGS84 itself (EPSG:4326, CRS84, a geographic WGS 84 WKT) takes an identity fast path
//! without PROJ. Output axis order is always lon/lat (PROJ's "normalize for visualization").
//!
//! PROJ objects are not `Sync`: build one [`ToWgs84`] per file or per thread.
//!
//! # Examples
//! ```
//! use geo::Coord;
//! use precincts::io::crs::ToWgs84;
//! let t = ToWgs84::new("EPSG:4326").unwrap();
//! assert!(t.is_identity());
//! let c = t.convert(Coord { x: 76.9, y: 43.2 }).unwrap();
//! assert_eq!(c, Coord { x: 76.9, y: 43.2 });
//! ```

use geo::{Coord, MultiPolygon};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// PROJ's database (EPSG definitions), embedded at build time (see `web/build.rs`) so the
/// single binary needs no PROJ installation on the office PC.
static PROJ_DB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/proj.db"));

/// A folder holding the embedded `proj.db`, written once per machine into the temporary
/// folder (atomically: a temporary file renamed into place). `None` when that fails; PROJ
/// then falls back to its compiled-in search path.
fn proj_data_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(PROJ_DB);
        let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("precincts-proj-{tag}"));
        let db = dir.join("proj.db");
        let complete = std::fs::metadata(&db)
            .map(|m| m.len() == PROJ_DB.len() as u64)
            .unwrap_or(false);
        if !complete {
            std::fs::create_dir_all(&dir).ok()?;
            let tmp = tempfile::NamedTempFile::new_in(&dir).ok()?;
            std::fs::write(tmp.path(), PROJ_DB).ok()?;
            tmp.persist(&db).ok()?;
        }
        Some(dir)
    })
    .as_deref()
}

/// Why a CRS could not be used or a coordinate could not be converted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    #[error("PROJ does not understand it: {0}")]
    Unknown(String),
    /// A CRS with no link to the Earth (a local or engineering CRS of a CAD drawing), or
    /// one PROJ finds no way to WGS84 from.
    #[error(
        "this CRS cannot be transformed to WGS84: {0}; export the layer in a geographic or \
         projected CRS (e.g. EPSG:32642, WGS 84 / UTM zone 42N)"
    )]
    Untransformable(String),
    #[error("cannot convert ({x}, {y}) to WGS84: {message}")]
    Convert { x: f64, y: f64, message: String },
}

/// A conversion from one source CRS to WGS84 lon/lat.
pub struct ToWgs84 {
    /// `None`: the source is WGS84 lon/lat already.
    proj: Option<proj::Proj>,
    source: String,
}

impl std::fmt::Debug for ToWgs84 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToWgs84")
            .field("source", &self.source)
            .field("identity", &self.proj.is_none())
            .finish()
    }
}

impl ToWgs84 {
    /// The identity: coordinates already in WGS84 lon/lat.
    pub fn wgs84() -> Self {
        ToWgs84 {
            proj: None,
            source: "EPSG:4326".to_string(),
        }
    }

    /// A conversion from `crs` (`EPSG:NNNN`, a URN, a PROJ string or WKT) to WGS84.
    pub fn new(crs: &str) -> Result<Self, CrsError> {
        let crs = crs.trim().trim_start_matches('\u{feff}').trim();
        if crs.is_empty() {
            return Err(CrsError::Unknown("the CRS is empty".to_string()));
        }
        if is_wgs84(crs) {
            return Ok(ToWgs84 {
                proj: None,
                source: crs.to_string(),
            });
        }
        let mut builder = proj::ProjBuilder::new();
        if let Some(dir) = proj_data_dir() {
            builder
                .set_search_paths(dir)
                .map_err(|e| CrsError::Unknown(e.to_string()))?;
        }
        if let Some(kind) = local_kind(crs) {
            return Err(CrsError::Untransformable(format!(
                "it is {kind}, with no link to the Earth's coordinates"
            )));
        }
        // The `proj` crate panics when PROJ fails without an error code (it does for CRSs
        // it cannot relate to WGS84): a panic here is such a refusal, not a crash.
        let built = super::catch_panic(|| builder.proj_known_crs(crs, "EPSG:4326", None));
        let proj = match built {
            Ok(p) => p.map_err(|e| CrsError::Unknown(e.to_string()))?,
            Err(_) => {
                return Err(CrsError::Untransformable(
                    "PROJ finds no transformation from it".to_string(),
                ));
            }
        };
        Ok(ToWgs84 {
            proj: Some(proj),
            source: crs.to_string(),
        })
    }

    /// True when no conversion happens (the source is WGS84 lon/lat).
    pub fn is_identity(&self) -> bool {
        self.proj.is_none()
    }

    /// The source CRS as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Converts one coordinate (source x/y or easting/northing) to WGS84 lon/lat.
    pub fn convert(&self, c: Coord<f64>) -> Result<Coord<f64>, CrsError> {
        let Some(p) = &self.proj else {
            return Ok(c);
        };
        let fail = |message: String| CrsError::Convert {
            x: c.x,
            y: c.y,
            message,
        };
        if !c.x.is_finite() || !c.y.is_finite() {
            return Err(fail("not a finite number".to_string()));
        }
        let (x, y) = p.convert((c.x, c.y)).map_err(|e| fail(e.to_string()))?;
        if !x.is_finite() || !y.is_finite() {
            return Err(fail("PROJ returned no finite result".to_string()));
        }
        Ok(Coord { x, y })
    }

    /// Converts every coordinate of a multipolygon in place.
    pub fn convert_multipolygon(&self, mp: &mut MultiPolygon<f64>) -> Result<(), CrsError> {
        if self.proj.is_none() {
            return Ok(());
        }
        let mut err = None;
        let mut fix = |ls: &mut geo::LineString<f64>| {
            for c in ls.0.iter_mut() {
                match self.convert(*c) {
                    Ok(v) => *c = v,
                    Err(e) => {
                        err.get_or_insert(e);
                    }
                }
            }
        };
        for poly in mp.0.iter_mut() {
            poly.exterior_mut(&mut fix);
            poly.interiors_mut(|rings| rings.iter_mut().for_each(&mut fix));
        }
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// What kind of CRS without a datum on the Earth `crs` is (a WKT `LOCAL_CS`, `ENGCRS` or
/// `ENGINEERINGCRS`, alone or inside a compound CRS), `None` for any other.
fn local_kind(crs: &str) -> Option<&'static str> {
    let compact: String = crs
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let starts = |k: &str| compact.starts_with(k) || compact.contains(&format!(",{k}"));
    if starts("LOCAL_CS[") {
        Some("a local coordinate system (LOCAL_CS)")
    } else if starts("ENGCRS[") || starts("ENGINEERINGCRS[") {
        Some("an engineering CRS (ENGCRS)")
    } else {
        None
    }
}

/// Whether a CRS definition is plain WGS84 geographic (so no PROJ call is needed).
fn is_wgs84(crs: &str) -> bool {
    let up = crs.to_ascii_uppercase();
    let compact: String = up.chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(
        compact.as_str(),
        "EPSG:4326"
            | "WGS84"
            | "CRS84"
            | "OGC:CRS84"
            | "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
            | "URN:OGC:DEF:CRS:OGC::CRS84"
            | "URN:OGC:DEF:CRS:EPSG::4326"
    ) {
        return true;
    }
    // A WKT1 geographic CRS on the WGS 84 datum in degrees (what ESRI and GDAL write in a
    // `.prj`). A projected CRS starts with PROJCS, anything else goes to PROJ.
    (compact.starts_with("GEOGCS[") || compact.starts_with("GEOGCRS["))
        && (compact.contains("WGS_1984")
            || compact.contains("WGS84")
            || compact.contains("\"WGS_84\""))
        && compact.contains("PRIMEM[\"GREENWICH\",0")
        && (compact.contains("UNIT[\"DEGREE\",0.0174532925199")
            || compact.contains("ANGLEUNIT[\"DEGREE\",0.0174532925199"))
        && !compact.contains("TOWGS84[") // a bound CRS: let PROJ decide
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wgs84_definitions_take_the_identity_path() {
        for s in [
            "EPSG:4326",
            "epsg:4326",
            "OGC:CRS84",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
        ] {
            assert!(ToWgs84::new(s).unwrap().is_identity(), "{s}");
        }
        assert!(!ToWgs84::new("EPSG:32642").unwrap().is_identity());
    }

    /// Regression (issue 10): a `.prj` of a CAD export panicked inside the PROJ binding.
    #[test]
    fn a_local_or_engineering_crs_is_an_error_not_a_panic() {
        let local = r#"LOCAL_CS["Engineering",LOCAL_DATUM["Local",0],UNIT["Meter",1],AXIS["X",EAST],AXIS["Y",NORTH]]"#;
        let eng = r#"ENGCRS["Site",EDATUM["Site datum"],CS[Cartesian,2],AXIS["x",east],AXIS["y",north],LENGTHUNIT["metre",1]]"#;
        let compound = r#"COMPD_CS["x", LOCAL_CS["Engineering",LOCAL_DATUM["Local",0],UNIT["Meter",1]],VERT_CS["h",VERT_DATUM["d",2005],UNIT["Meter",1]]]"#;
        for (crs, kind) in [
            (local, "a local coordinate system (LOCAL_CS)"),
            (eng, "an engineering CRS (ENGCRS)"),
            (compound, "a local coordinate system (LOCAL_CS)"),
        ] {
            let e = ToWgs84::new(crs).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "this CRS cannot be transformed to WGS84: it is {kind}, with no link to \
                     the Earth's coordinates; export the layer in a geographic or projected CRS \
                     (e.g. EPSG:32642, WGS 84 / UTM zone 42N)"
                )
            );
        }
    }

    #[test]
    fn an_unknown_crs_is_an_error() {
        assert!(matches!(
            ToWgs84::new("EPSG:999999"),
            Err(CrsError::Unknown(_))
        ));
        assert!(matches!(ToWgs84::new("  "), Err(CrsError::Unknown(_))));
    }

    #[test]
    fn utm_42n_false_origin_maps_to_the_central_meridian() {
        // Zone 42 has its central meridian at 69°E; easting 500000 lies on it, and
        // northing 0 on the equator: an independent fact of the UTM definition.
        let t = ToWgs84::new("EPSG:32642").unwrap();
        let c = t
            .convert(Coord {
                x: 500_000.0,
                y: 0.0,
            })
            .unwrap();
        assert!((c.x - 69.0).abs() < 1e-9 && c.y.abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn non_finite_input_is_an_error_not_a_panic() {
        let t = ToWgs84::new("EPSG:32642").unwrap();
        assert!(
            t.convert(Coord {
                x: f64::NAN,
                y: 0.0
            })
            .is_err()
        );
    }
}
