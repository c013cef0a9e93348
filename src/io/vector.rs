//! Polygon layers: Shapefile (`.prj` in any CRS, reprojected to WGS84 with PROJ; `.cpg`
//! UTF-8, CP1251, CP866) and GeoJSON (RFC 7946, WGS84).
//!
//! Shapefile: Polygon, PolygonM and PolygonZ records; rings are classified by the
//! shapefile rule (clockwise = outer, counter-clockwise = hole) and each hole goes to the
//! smallest outer ring that contains it (an orphan hole becomes a shell of its own); a
//! sliver ring, whose orientation is rounding noise, is placed by containment (see
//! `assemble`). The
//! `.dbf` attributes are decoded per the `.cpg` (`UTF-8`, `1251` / `CP1251` /
//! `ANSI 1251` / `windows-1251`, `866` / `CP866`, or any WHATWG label); without a `.cpg`
//! the dBASE language-driver byte decides CP866 / CP1251, else UTF-8 with a CP1251
//! fallback per value. Without a `.prj` the `crs` option is used, else [`IoError::NoCrs`].
//!
//! GeoJSON: a FeatureCollection (or one Feature) of Polygon / MultiPolygon; WGS84 unless a
//! legacy `crs` member says otherwise (the `crs` option is for Shapefiles without `.prj`).
//!
//! Records: a feature with a missing or malformed id (or KATO code, or level) or with a
//! non-polygon geometry is rejected; an invalid polygon is accepted (the spatial checks
//! report it).

use super::crs::ToWgs84;
use super::table::{Column, push_number, read_table};
use super::{Intake, IoError, file_name};
use crate::model::{AdminLevel, AdminUnit, Kato, PrecinctNo, PrecinctPolygon, SourceRef};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use std::collections::HashSet;
use std::path::Path;

/// Options of a polygon layer.
#[derive(Debug, Clone, Default)]
pub struct VectorOptions {
    /// The identifier attribute (KATO code or precinct number); `None` tries the defaults
    /// (`KATO`, `kato`, `KATO_CODE` for admin units; `precinct`, `PRECINCT`, `number`, `NUM`,
    /// `uchastok` for precincts).
    pub id_field: Option<String>,
    /// An attribute giving the admin level; `None` reads it from the KATO code.
    pub level_field: Option<String>,
    /// A name attribute to show.
    pub name_field: Option<String>,
    /// The CRS when the Shapefile has no `.prj` (e.g. `EPSG:32642`).
    pub crs: Option<String>,
}

/// The id attributes tried for admin units, in order (case-insensitive).
pub const ADMIN_ID_FIELDS: &[&str] = &["KATO", "KATO_CODE", "KATO_ID", "KATO_TE", "TE", "kato9"];
/// The name attributes tried for admin units, finest level first.
pub const ADMIN_NAME_FIELDS: &[&str] = &[
    "name", "name_ru", "name_kk", "ADM4_RU", "ADM3_RU", "ADM2_RU", "ADM1_RU", "ADM2_EN", "ADM1_EN",
    "NAME_1",
];
/// The id attributes tried for precincts, in order (case-insensitive).
pub const PRECINCT_ID_FIELDS: &[&str] = &[
    "precinct",
    "precinct_no",
    "number",
    "NUM",
    "uchastok",
    "nomer",
    "uik",
    "участок",
    "номер",
    "учаске",
];

// ---------------------------------------------------------------------------------------
// dBASE

/// A `.dbf` table read whole (attribute tables are small next to their geometry).
pub(super) struct Dbf {
    fields: Vec<DbfField>,
    data: Vec<u8>,
    header_len: usize,
    record_len: usize,
    count: usize,
    /// `None`: UTF-8, with CP1251 for a value that is not UTF-8.
    encoding: Option<&'static encoding_rs::Encoding>,
}

struct DbfField {
    name: String,
    offset: usize,
    len: usize,
}

/// The encoding a `.cpg` names; `None` when unknown.
pub fn cpg_encoding(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let up = label
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_uppercase();
    let compact: String = up.chars().filter(|c| !c.is_whitespace()).collect();
    match compact.as_str() {
        "UTF-8" | "UTF8" | "65001" => Some(encoding_rs::UTF_8),
        "1251" | "CP1251" | "CP-1251" | "ANSI1251" | "WINDOWS-1251" | "WIN1251" | "WIN-1251" => {
            Some(encoding_rs::WINDOWS_1251)
        }
        "866" | "CP866" | "CP-866" | "IBM866" | "OEM866" | "DOS866" => Some(encoding_rs::IBM866),
        _ => encoding_rs::Encoding::for_label(label.trim().as_bytes()),
    }
}

impl Dbf {
    pub(super) fn open(path: &Path, shp: &Path) -> Result<Dbf, IoError> {
        match super::whole_file(path) {
            Err(IoError::Open { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(IoError::format(
                    shp,
                    format!(
                        "the attribute table {} is missing (a shapefile needs its .dbf)",
                        path.display()
                    ),
                ));
            }
            Err(source) => {
                return Err(IoError::Open {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let bad = |m: &str| IoError::format(path, format!("not a valid dBASE table: {m}"));
        if data.len() < 33 {
            return Err(bad("shorter than its header"));
        }
        let count = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
        let header_len = u16::from_le_bytes([data[8], data[9]]) as usize;
        let record_len = u16::from_le_bytes([data[10], data[11]]) as usize;
        if header_len < 33 || header_len > data.len() || record_len == 0 {
            return Err(bad("the header lengths are inconsistent"));
        }
        let cpg = path.with_extension("cpg");
        let encoding = match super::regular_file(&cpg).and_then(|_| {
            std::fs::read(&cpg).map_err(|source| IoError::Open {
                path: cpg.display().to_string(),
                source,
            })
        }) {
            Ok(b) => cpg_encoding(&String::from_utf8_lossy(&b)),
            Err(_) => match data[29] {
                0x26 | 0x65 => Some(encoding_rs::IBM866),
                0xC9 => Some(encoding_rs::WINDOWS_1251),
                _ => None,
            },
        };
        let mut fields = Vec::new();
        let mut offset = 1;
        let mut at = 32;
        while at + 32 <= header_len && data[at] != 0x0D {
            let raw = &data[at..at + 11];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(11);
            let name = decode(&raw[..end], encoding).trim().to_string();
            let len = data[at + 16] as usize;
            fields.push(DbfField { name, offset, len });
            offset += len;
            at += 32;
        }
        if offset > record_len {
            return Err(bad("the fields are wider than a record"));
        }
        if header_len + count * record_len > data.len() {
            let present = (data.len() - header_len) / record_len;
            return Err(bad(&format!(
                "truncated: the header announces {count} records, the file holds {present}"
            )));
        }
        Ok(Dbf {
            fields,
            data,
            header_len,
            record_len,
            count,
            encoding,
        })
    }

    fn record(&self, i: usize) -> &[u8] {
        let a = self.header_len + i * self.record_len;
        &self.data[a..a + self.record_len]
    }

    fn deleted(&self, i: usize) -> bool {
        self.record(i)[0] == b'*'
    }

    fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| {
            f.name.eq_ignore_ascii_case(name) || f.name.to_lowercase() == name.to_lowercase()
        })
    }

    fn value(&self, i: usize, field: usize) -> String {
        let f = &self.fields[field];
        let raw = &self.record(i)[f.offset..f.offset + f.len];
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        decode(&raw[..end], self.encoding).trim().to_string()
    }
}

fn decode<'a>(
    bytes: &'a [u8],
    enc: Option<&'static encoding_rs::Encoding>,
) -> std::borrow::Cow<'a, str> {
    match enc {
        Some(e) => e.decode_without_bom_handling(bytes).0,
        None => match std::str::from_utf8(bytes) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                encoding_rs::WINDOWS_1251
                    .decode_without_bom_handling(bytes)
                    .0
            }
        },
    }
}

// ---------------------------------------------------------------------------------------
// Layers: features with a geometry in the source CRS and attributes

/// A feature's geometry as read, in the source CRS.
pub(super) enum Geom {
    Polygons(MultiPolygon<f64>),
    Point(Coord<f64>),
    /// Another geometry type, by name (a reject for the readers here).
    Other(&'static str),
    /// A null shape or a geometry without coordinates.
    Empty,
}

enum Attrs {
    Dbf(Dbf),
    Json(Vec<serde_json::Map<String, serde_json::Value>>),
}

/// A field found in a layer.
pub(super) enum FieldId {
    Dbf(usize),
    Json(String),
}

/// The features of a Shapefile or GeoJSON file.
pub(super) struct Layer {
    pub features: Vec<Geom>,
    attrs: Attrs,
    pub to_wgs84: ToWgs84,
}

impl Layer {
    /// The first of `names` the layer has (case-insensitive).
    pub fn find_field(&self, names: &[&str]) -> Option<FieldId> {
        match &self.attrs {
            Attrs::Dbf(d) => names
                .iter()
                .find_map(|n| d.field_index(n).map(FieldId::Dbf)),
            Attrs::Json(props) => names.iter().find_map(|n| {
                props.iter().find_map(|p| {
                    p.keys()
                        .find(|k| k.to_lowercase() == n.to_lowercase())
                        .map(|k| FieldId::Json(k.clone()))
                })
            }),
        }
    }

    /// The text of a field of feature `i` (empty when missing or null).
    pub fn attr(&self, i: usize, f: &FieldId) -> String {
        match (&self.attrs, f) {
            (Attrs::Dbf(d), FieldId::Dbf(k)) => d.value(i, *k),
            (Attrs::Json(props), FieldId::Json(k)) => props
                .get(i)
                .and_then(|p| p.get(k))
                .map(json_text)
                .unwrap_or_default(),
            (Attrs::Dbf(_), FieldId::Json(_)) | (Attrs::Json(_), FieldId::Dbf(_)) => String::new(),
        }
    }

    /// The field's name as the file spells it.
    pub fn field_name(&self, f: &FieldId) -> String {
        match (&self.attrs, f) {
            (Attrs::Dbf(d), FieldId::Dbf(k)) => d.fields[*k].name.clone(),
            (_, FieldId::Json(k)) => k.clone(),
            (Attrs::Json(_), FieldId::Dbf(_)) => String::new(),
        }
    }

    /// True when the `.dbf` marks the record deleted.
    pub fn deleted(&self, i: usize) -> bool {
        match &self.attrs {
            Attrs::Dbf(d) => d.deleted(i),
            Attrs::Json(_) => false,
        }
    }
}

fn json_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => {
                let mut s = String::new();
                push_number(f, &mut s);
                s
            }
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Array(_) | Value::Object(_) => v.to_string(),
    }
}

/// Opens a Shapefile (`.shp`) or GeoJSON (`.geojson`, `.json`) layer.
pub(super) fn open_layer(path: &Path, crs: Option<&str>) -> Result<Layer, IoError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "shp" => open_shapefile(path, crs),
        "geojson" | "json" => open_geojson(path),
        other => Err(IoError::format(
            path,
            format!("unsupported layer format {other:?} (expected .shp, .geojson or .json)"),
        )),
    }
}

fn crs_error(path: &Path, crs: &str, e: impl std::fmt::Display) -> IoError {
    // A WKT can be long: name its start only.
    let shown: String = crs.chars().take(60).collect();
    IoError::Crs {
        path: path.display().to_string(),
        crs: shown,
        message: e.to_string(),
    }
}

fn open_shapefile(path: &Path, crs: Option<&str>) -> Result<Layer, IoError> {
    let shp_err = |e: shapefile::Error| match e {
        shapefile::Error::IoError(source) => IoError::Open {
            path: path.display().to_string(),
            source,
        },
        other => IoError::format(path, format!("not a valid shapefile: {other}")),
    };
    // The shapefile crate reports a short header as an I/O error ("failed to fill whole
    // buffer"); say what is wrong instead.
    let len = super::regular_file(path)?;
    let shx = path.with_extension("shx");
    if shx.exists() {
        super::regular_file(&shx)?;
    }
    if len == 0 {
        return Err(IoError::format(path, "the file is empty"));
    }
    if len < 100 {
        return Err(IoError::format(
            path,
            format!("not a valid shapefile: {len} bytes, shorter than the 100-byte header"),
        ));
    }
    let mut reader = shapefile::ShapeReader::from_path(path).map_err(shp_err)?;
    let mut features = Vec::new();
    for (n, s) in reader.iter_shapes().enumerate() {
        let shape = s.map_err(|e| {
            IoError::format(
                path,
                format!("the .shp is damaged at feature {}: {e}", n + 1),
            )
        })?;
        features.push(shape_geom(shape));
    }
    let dbf = Dbf::open(&path.with_extension("dbf"), path)?;
    if dbf.count != features.len() {
        return Err(IoError::format(
            path,
            format!(
                "the .shp has {} shapes but the .dbf has {} records",
                features.len(),
                dbf.count
            ),
        ));
    }
    let prj = path.with_extension("prj");
    if prj.exists() {
        super::whole_file(&prj)?;
    }
    let to_wgs84 = match std::fs::read(&prj) {
        Ok(b) => {
            let wkt = String::from_utf8_lossy(&b).to_string();
            ToWgs84::new(&wkt).map_err(|e| crs_error(path, &wkt, e))?
        }
        Err(_) => match crs {
            Some(c) => ToWgs84::new(c).map_err(|e| crs_error(path, c, e))?,
            None => {
                return Err(IoError::NoCrs {
                    path: path.display().to_string(),
                });
            }
        },
    };
    Ok(Layer {
        features,
        attrs: Attrs::Dbf(dbf),
        to_wgs84,
    })
}

fn shape_geom(shape: shapefile::Shape) -> Geom {
    use shapefile::Shape;
    // The crate's Outer / Inner tag is the sign of a float area: meaningless for a sliver.
    // `assemble` reads the orientation itself and trusts it only where it means something.
    fn rings<P: shapefile::record::traits::HasXY>(rings: &[shapefile::PolygonRing<P>]) -> Geom {
        let rs: Vec<LineString<f64>> = rings
            .iter()
            .map(|r| {
                r.points()
                    .iter()
                    .map(|p| Coord { x: p.x(), y: p.y() })
                    .collect::<LineString<f64>>()
            })
            .filter(|ls| !ls.0.is_empty())
            .collect();
        if rs.is_empty() {
            Geom::Empty
        } else {
            Geom::Polygons(assemble(rs))
        }
    }
    match shape {
        Shape::NullShape => Geom::Empty,
        Shape::Polygon(p) => rings(p.rings()),
        Shape::PolygonM(p) => rings(p.rings()),
        Shape::PolygonZ(p) => rings(p.rings()),
        Shape::Point(p) => Geom::Point(Coord { x: p.x, y: p.y }),
        Shape::PointM(p) => Geom::Point(Coord { x: p.x, y: p.y }),
        Shape::PointZ(p) => Geom::Point(Coord { x: p.x, y: p.y }),
        Shape::Polyline(_) | Shape::PolylineM(_) | Shape::PolylineZ(_) => Geom::Other("polyline"),
        Shape::Multipoint(_) | Shape::MultipointM(_) | Shape::MultipointZ(_) => {
            Geom::Other("multipoint")
        }
        Shape::Multipatch(_) => Geom::Other("multipatch"),
    }
}

/// A ring whose area is at most this share of its perimeter squared is a sliver (a
/// triangle narrower than about 1e-9 of its length): its orientation is rounding noise.
const SLIVER_RATIO: f64 = 1e-10;

/// A ring of a Shapefile polygon, measured.
struct RingInfo {
    ring: LineString<f64>,
    /// Signed area (shoelace around the first vertex, so that large coordinates do not
    /// cancel): negative = clockwise = an outer ring by the shapefile rule.
    area: f64,
    /// A sliver or a ring with a non-finite coordinate: its orientation says nothing.
    untrusted: bool,
    bbox: [f64; 4],
}

impl RingInfo {
    fn new(ring: LineString<f64>) -> Self {
        let pts = &ring.0;
        let o = pts[0];
        let (mut twice, mut perimeter) = (0.0, 0.0);
        let mut bbox = [o.x, o.y, o.x, o.y];
        let closing = (pts[0] != pts[pts.len() - 1]).then_some([pts[pts.len() - 1], pts[0]]);
        for w in pts.windows(2).chain(closing.as_ref().map(|c| &c[..])) {
            let (a, b) = (w[0] - o, w[1] - o);
            twice += a.x * b.y - b.x * a.y;
            perimeter += (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
            bbox = [
                bbox[0].min(w[1].x),
                bbox[1].min(w[1].y),
                bbox[2].max(w[1].x),
                bbox[3].max(w[1].y),
            ];
        }
        let area = twice / 2.0;
        let finite = pts.iter().all(|c| c.x.is_finite() && c.y.is_finite());
        RingInfo {
            untrusted: !finite || area.abs() <= SLIVER_RATIO * perimeter * perimeter,
            ring,
            area,
            bbox,
        }
    }

    fn outer(&self) -> bool {
        self.area < 0.0
    }

    /// Whether this ring lies inside `other` (touching allowed): its first vertex off
    /// `other`'s boundary decides, else the first edge midpoint; exact predicates. Rings
    /// that cross get the answer of that vertex: the validity check reports the crossing.
    fn inside(&self, other: &RingInfo) -> bool {
        use geo::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
        let (a, b) = (&self.bbox, &other.bbox);
        if self.untrusted_coords() || other.untrusted_coords() {
            return false;
        }
        if !(a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3]) {
            return false;
        }
        // geo wants a closed ring.
        let closed;
        let outer = if other.ring.is_closed() {
            &other.ring
        } else {
            let mut c = other.ring.clone();
            c.close();
            closed = c;
            &closed
        };
        let pts = &self.ring.0;
        let midpoints = pts.windows(2).map(|w| Coord {
            x: (w[0].x + w[1].x) / 2.0,
            y: (w[0].y + w[1].y) / 2.0,
        });
        for c in pts.iter().copied().chain(midpoints) {
            match coord_pos_relative_to_ring(c, outer) {
                CoordPos::Inside => return true,
                CoordPos::Outside => return false,
                CoordPos::OnBoundary => {}
            }
        }
        false
    }

    fn untrusted_coords(&self) -> bool {
        !self.bbox.iter().all(|v| v.is_finite())
    }
}

/// Builds a multipolygon from the rings of a Shapefile polygon, in any order.
///
/// Orientation first (the shapefile rule: clockwise = outer ring, counter-clockwise =
/// hole), checked by containment: each hole goes to the smallest outer ring that contains
/// it — so a hole inside an island that lies in another hole goes to the island — and a
/// hole inside no outer ring becomes a polygon of its own (as GDAL does). A sliver (area
/// below [`SLIVER_RATIO`] of its perimeter squared) has no orientation to trust: the
/// rings around it decide. Inside an outer ring and outside its holes it is a hole of
/// that ring; inside a hole, or in no ring, it is an outer ring of its own. Polygons and
/// their holes keep the file's order.
fn assemble(rings: Vec<LineString<f64>>) -> MultiPolygon<f64> {
    let infos: Vec<RingInfo> = rings.into_iter().map(RingInfo::new).collect();
    let (slivers, trusted): (Vec<usize>, Vec<usize>) = (0..infos.len()).partition(|&i| {
        infos[i].untrusted && !infos[i].untrusted_coords() // non-finite: keep as written
    });
    // A ring with a non-finite coordinate keeps the side its area gives (NaN: outer), for
    // the validity check to report.
    let is_outer = |i: usize| infos[i].outer() || infos[i].area.is_nan();
    let mut shells: Vec<usize> = trusted.iter().copied().filter(|&i| is_outer(i)).collect();
    let holes: Vec<usize> = trusted.iter().copied().filter(|&i| !is_outer(i)).collect();
    // The smallest ring among `candidates` that holds ring `i`.
    let smallest_around = |i: usize, candidates: &[usize]| -> Option<usize> {
        candidates
            .iter()
            .copied()
            .filter(|&s| s != i && infos[i].inside(&infos[s]))
            .min_by(|&a, &b| infos[a].area.abs().total_cmp(&infos[b].area.abs()))
    };
    let mut hole_of: Vec<Option<usize>> = vec![None; infos.len()];
    let mut orphans = Vec::new();
    for &h in &holes {
        match smallest_around(h, &shells) {
            Some(s) => hole_of[h] = Some(s),
            None => orphans.push(h),
        }
    }
    shells.extend(orphans.iter().copied());
    // Slivers: by the innermost trusted ring around them.
    let placed: Vec<usize> = shells
        .iter()
        .copied()
        .chain(holes.iter().copied().filter(|&h| hole_of[h].is_some()))
        .collect();
    for &v in &slivers {
        match smallest_around(v, &placed) {
            Some(r) if hole_of[r].is_none() => hole_of[v] = Some(r),
            Some(_) | None => shells.push(v),
        }
    }
    shells.sort_unstable(); // parts in the file's order
    let mut infos: Vec<Option<RingInfo>> = infos.into_iter().map(Some).collect();
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); infos.len()];
    for (i, owner) in hole_of.iter().enumerate() {
        if let Some(s) = owner
            && let Some(info) = infos[i].take()
        {
            interiors[*s].push(info.ring);
        }
    }
    MultiPolygon(
        shells
            .into_iter()
            .filter_map(|s| {
                let ring = infos[s].take()?.ring;
                Some(Polygon::new(ring, std::mem::take(&mut interiors[s])))
            })
            .collect(),
    )
}

/// A GeoJSON layer: WGS84 (RFC 7946), or the CRS its legacy `crs` member names. `--crs`
/// does not apply: it is for Shapefiles without a `.prj` and CSV coordinates, and a run
/// may mix a projected Shapefile with GeoJSON in WGS84.
fn open_geojson(path: &Path) -> Result<Layer, IoError> {
    super::whole_file(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| IoError::Open {
        path: path.display().to_string(),
        source,
    })?;
    if text.trim().is_empty() {
        return Err(IoError::format(path, "the file is empty"));
    }
    let root: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| IoError::format(path, format!("not valid JSON: {e}")))?;
    let kind = root.get("type").and_then(|t| t.as_str()).unwrap_or("");
    let features: Vec<&serde_json::Value> = match kind {
        "FeatureCollection" => root
            .get("features")
            .and_then(|f| f.as_array())
            .ok_or_else(|| IoError::format(path, "a FeatureCollection without a features array"))?
            .iter()
            .collect(),
        "Feature" => vec![&root],
        _ => {
            return Err(IoError::format(
                path,
                "not GeoJSON: expected a FeatureCollection or a Feature",
            ));
        }
    };
    // RFC 7946 says WGS84; older files name their CRS in a `crs` member.
    let legacy = root
        .get("crs")
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    let to_wgs84 = match legacy {
        Some(c) => ToWgs84::new(c).map_err(|e| crs_error(path, c, e))?,
        None => ToWgs84::wgs84(),
    };
    let mut geoms = Vec::with_capacity(features.len());
    let mut props = Vec::with_capacity(features.len());
    for f in features {
        geoms.push(json_geom(f.get("geometry")));
        props.push(
            f.get("properties")
                .and_then(|p| p.as_object())
                .cloned()
                .unwrap_or_default(),
        );
    }
    Ok(Layer {
        features: geoms,
        attrs: Attrs::Json(props),
        to_wgs84,
    })
}

fn json_coord(v: &serde_json::Value) -> Option<Coord<f64>> {
    let a = v.as_array()?;
    Some(Coord {
        x: a.first()?.as_f64()?,
        y: a.get(1)?.as_f64()?,
    })
}

fn json_ring(v: &serde_json::Value) -> Option<LineString<f64>> {
    v.as_array()?.iter().map(json_coord).collect()
}

fn json_polygon(v: &serde_json::Value) -> Option<Polygon<f64>> {
    let rings: Vec<LineString<f64>> = v.as_array()?.iter().map(json_ring).collect::<Option<_>>()?;
    let mut it = rings.into_iter();
    let shell = it.next()?;
    Some(Polygon::new(shell, it.collect()))
}

fn json_geom(g: Option<&serde_json::Value>) -> Geom {
    let Some(g) = g.filter(|g| !g.is_null()) else {
        return Geom::Empty;
    };
    let coords = g.get("coordinates");
    match g.get("type").and_then(|t| t.as_str()).unwrap_or("") {
        "Polygon" => match coords.and_then(json_polygon) {
            Some(p) => Geom::Polygons(MultiPolygon(vec![p])),
            None => Geom::Empty,
        },
        "MultiPolygon" => {
            let polys: Option<Vec<Polygon<f64>>> = coords
                .and_then(|c| c.as_array())
                .map(|a| a.iter().map(json_polygon).collect::<Option<_>>())
                .unwrap_or(None);
            match polys {
                Some(p) if !p.is_empty() => Geom::Polygons(MultiPolygon(p)),
                _ => Geom::Empty,
            }
        }
        "Point" => match coords.and_then(json_coord) {
            Some(c) => Geom::Point(c),
            None => Geom::Empty,
        },
        "MultiPoint" => Geom::Other("multipoint"),
        "LineString" | "MultiLineString" => Geom::Other("line"),
        "GeometryCollection" => Geom::Other("geometry collection"),
        _ => Geom::Other("unknown geometry"),
    }
}

// ---------------------------------------------------------------------------------------
// Public readers

/// The names tried for a field: the option when given, else the defaults.
fn candidates<'a>(opt: &'a Option<String>, defaults: &'a [&'a str]) -> Vec<&'a str> {
    match opt {
        Some(f) => vec![f.as_str()],
        None => defaults.to_vec(),
    }
}

fn missing(path: &Path, names: &[&str]) -> IoError {
    IoError::MissingColumn {
        path: path.display().to_string(),
        field: names.first().copied().unwrap_or("id").to_string(),
        accepted: names.join(", "),
    }
}

/// A polygon feature's geometry in WGS84, or the reason it is rejected.
fn polygon_wgs84(layer: &Layer, i: usize) -> Result<MultiPolygon<f64>, String> {
    match &layer.features[i] {
        Geom::Polygons(mp) => {
            let mut mp = mp.clone();
            layer
                .to_wgs84
                .convert_multipolygon(&mut mp)
                .map_err(|e| e.to_string())?;
            Ok(mp)
        }
        Geom::Point(_) => Err("the geometry is a point, not a polygon".to_string()),
        Geom::Other(k) => Err(format!("the geometry is a {k}, not a polygon")),
        Geom::Empty => Err("the feature has no geometry".to_string()),
    }
}

/// Reads administrative units with their KATO codes.
pub fn read_admin(
    path: &Path,
    opts: &VectorOptions,
    intake: &mut Intake,
) -> Result<Vec<AdminUnit>, IoError> {
    let layer = open_layer(path, opts.crs.as_deref())?;
    let id_names = candidates(&opts.id_field, ADMIN_ID_FIELDS);
    let id = layer
        .find_field(&id_names)
        .ok_or_else(|| missing(path, &id_names))?;
    let level = match &opts.level_field {
        Some(l) => Some(
            layer
                .find_field(&[l.as_str()])
                .ok_or_else(|| missing(path, &[l.as_str()]))?,
        ),
        None => None,
    };
    let name_names = candidates(&opts.name_field, ADMIN_NAME_FIELDS);
    let name = layer.find_field(&name_names);
    if opts.name_field.is_some() && name.is_none() {
        return Err(missing(path, &name_names));
    }
    let file = file_name(path);
    let f = intake.open(&file, "admin");
    let id_label = layer.field_name(&id);
    let mut out = Vec::with_capacity(layer.features.len());
    for i in 0..layer.features.len() {
        let line = i as u64 + 1;
        if layer.deleted(i) {
            intake.reject(f, line, "record", "the .dbf marks the record deleted");
            continue;
        }
        let raw = layer.attr(i, &id);
        if raw.is_empty() {
            intake.reject(f, line, &id_label, "the KATO code is empty");
            continue;
        }
        let kato: Kato = match raw.parse() {
            Ok(k) => k,
            Err(_) => {
                intake.reject(
                    f,
                    line,
                    &id_label,
                    format!("not a 9-digit KATO code: {raw:?}"),
                );
                continue;
            }
        };
        let lv = match &level {
            Some(l) => match layer.attr(i, l).parse::<AdminLevel>() {
                Ok(v) => v,
                Err(e) => {
                    let label = opts.level_field.clone().unwrap_or_default();
                    intake.reject(f, line, &label, e);
                    continue;
                }
            },
            None => kato.level(),
        };
        let geometry = match polygon_wgs84(&layer, i) {
            Ok(g) => g,
            Err(reason) => {
                intake.reject(f, line, "geometry", reason);
                continue;
            }
        };
        let name = name
            .as_ref()
            .map(|n| layer.attr(i, n))
            .filter(|s| !s.is_empty());
        intake.accept(f);
        out.push(AdminUnit {
            kato,
            level: lv,
            name,
            geometry,
            source: SourceRef {
                file: file.clone(),
                line,
            },
        });
    }
    Ok(out)
}

/// Reads precinct polygons with their numbers.
pub fn read_precincts(
    path: &Path,
    opts: &VectorOptions,
    intake: &mut Intake,
) -> Result<Vec<PrecinctPolygon>, IoError> {
    let layer = open_layer(path, opts.crs.as_deref())?;
    let id_names = candidates(&opts.id_field, PRECINCT_ID_FIELDS);
    let id = layer
        .find_field(&id_names)
        .ok_or_else(|| missing(path, &id_names))?;
    let id_label = layer.field_name(&id);
    let file = file_name(path);
    let f = intake.open(&file, "precincts");
    let mut out = Vec::with_capacity(layer.features.len());
    for i in 0..layer.features.len() {
        let line = i as u64 + 1;
        if layer.deleted(i) {
            intake.reject(f, line, "record", "the .dbf marks the record deleted");
            continue;
        }
        let no: PrecinctNo = match layer.attr(i, &id).parse() {
            Ok(n) => n,
            Err(_) => {
                intake.reject(f, line, &id_label, "the precinct number is empty");
                continue;
            }
        };
        let geometry = match polygon_wgs84(&layer, i) {
            Ok(g) => g,
            Err(reason) => {
                intake.reject(f, line, "geometry", reason);
                continue;
            }
        };
        intake.accept(f);
        out.push(PrecinctPolygon {
            no,
            geometry,
            derived: false,
            source: SourceRef {
                file: file.clone(),
                line,
            },
        });
    }
    Ok(out)
}

/// Reads the KATO classifier (CSV with a `kato` column). Rows whose code is not 9 digits
/// are skipped; a file without a single valid code is an error.
pub fn read_classifier(path: &Path) -> Result<HashSet<Kato>, IoError> {
    const COLUMNS: &[Column] = &[Column {
        key: "kato",
        aliases: &["КАТО", "код КАТО", "KATO code", "code", "код", "te"],
        required: true,
    }];
    let mut set = HashSet::new();
    read_table(path, COLUMNS, &mut |r| {
        if let Ok(k) = r.get(0).parse::<Kato>() {
            set.insert(k);
        }
    })?;
    if set.is_empty() {
        return Err(IoError::format(
            path,
            "no 9-digit KATO code in the classifier",
        ));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64, clockwise: bool) -> LineString<f64> {
        let mut v = vec![
            Coord { x: x0, y: y0 },
            Coord { x: x0, y: y0 + s },
            Coord {
                x: x0 + s,
                y: y0 + s,
            },
            Coord { x: x0 + s, y: y0 },
            Coord { x: x0, y: y0 },
        ];
        if !clockwise {
            v.reverse();
        }
        LineString(v)
    }

    fn counter_clockwise(x0: f64, y0: f64, s: f64) -> LineString<f64> {
        square(x0, y0, s, false)
    }

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        let mut ls = LineString::from(points.to_vec());
        ls.close();
        ls
    }

    /// A sliver as digitising leaves them (a corner of the Zhetysu oblast in the geokz
    /// layer, moved): two corners 3e-14° apart. Exact area 3.9e-17, 1.4e-12 of its
    /// perimeter squared (Python `fractions`).
    const SLIVER: [(f64, f64); 3] = [
        (76.91659879575813, 43.20691240221582),
        (76.91918926642803, 43.20723591664269),
        (76.91659879575812, 43.20691240221585),
    ];

    /// The same sliver shape 0.005° further north-west.
    const SLIVER_NW: [(f64, f64); 3] = [
        (76.91159879575813, 43.21191240221582),
        (76.91418926642803, 43.21223591664269),
        (76.91159879575812, 43.21191240221585),
    ];

    fn first(ls: &LineString<f64>) -> (f64, f64) {
        (ls.0[0].x, ls.0[0].y)
    }

    /// A polygon as (first exterior vertex, first vertex of each hole).
    type Layout = ((f64, f64), Vec<(f64, f64)>);

    fn layout(mp: &MultiPolygon<f64>) -> Vec<Layout> {
        mp.0.iter()
            .map(|p| {
                (
                    first(p.exterior()),
                    p.interiors().iter().map(first).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn holes_go_to_the_shell_that_contains_them() {
        let mp = assemble(vec![
            square(0.0, 0.0, 10.0, true),
            square(20.0, 0.0, 10.0, true),
            square(22.0, 2.0, 2.0, false),
            square(2.0, 2.0, 2.0, false),
        ]);
        assert_eq!(
            layout(&mp),
            [
                ((0.0, 0.0), vec![(2.0, 2.0)]),
                ((20.0, 0.0), vec![(22.0, 2.0)])
            ]
        );
    }

    #[test]
    fn an_orphan_hole_becomes_a_shell() {
        let mp = assemble(vec![
            square(0.0, 0.0, 1.0, true),
            square(5.0, 5.0, 1.0, false),
        ]);
        assert_eq!(layout(&mp), [((0.0, 0.0), vec![]), ((5.0, 5.0), vec![])]);
    }

    #[test]
    fn an_island_in_a_hole_keeps_its_own_hole_whatever_the_ring_order() {
        // Shell 0..60 with hole 10..50; island 20..40 in that hole, with hole 25..35.
        let rings = [
            counter_clockwise(25.0, 25.0, 10.0),
            square(20.0, 20.0, 20.0, true),
            counter_clockwise(10.0, 10.0, 40.0),
            square(0.0, 0.0, 60.0, true),
        ];
        let expected = [
            ((0.0, 0.0), vec![(10.0, 10.0)]),
            ((20.0, 20.0), vec![(25.0, 25.0)]),
        ];
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
            let mp = assemble(order.iter().map(|&i| rings[i].clone()).collect());
            let mut got = layout(&mp);
            got.sort_by(|a, b| a.0.0.total_cmp(&b.0.0));
            assert_eq!(got, expected, "order {order:?}");
        }
    }

    #[test]
    fn a_sliver_inside_a_shell_is_a_hole_in_either_orientation() {
        let shell = ring(&[
            (76.90, 43.20),
            (76.90, 43.22),
            (76.93, 43.22),
            (76.93, 43.20),
        ]);
        let mut reversed = SLIVER;
        reversed.reverse();
        for sliver in [ring(&SLIVER), ring(&reversed)] {
            let mp = assemble(vec![shell.clone(), sliver.clone()]);
            assert_eq!(
                layout(&mp),
                [((76.90, 43.20), vec![first(&sliver)])],
                "{sliver:?}"
            );
            // And listed first.
            let mp = assemble(vec![sliver.clone(), shell.clone()]);
            assert_eq!(layout(&mp), [((76.90, 43.20), vec![first(&sliver)])]);
        }
    }

    #[test]
    fn a_sliver_inside_a_hole_or_outside_every_ring_is_a_polygon_of_its_own() {
        let shell = square(76.90, 43.20, 0.06, true);
        let hole = counter_clockwise(76.91, 43.21, 0.04);
        let mut reversed = SLIVER_NW;
        reversed.reverse();
        for sliver in [ring(&SLIVER_NW), ring(&reversed)] {
            let mp = assemble(vec![shell.clone(), hole.clone(), sliver.clone()]);
            assert_eq!(
                layout(&mp),
                [
                    ((76.90, 43.20), vec![(76.91, 43.21)]),
                    (first(&sliver), vec![])
                ]
            );
            let mp = assemble(vec![sliver.clone()]);
            assert_eq!(layout(&mp), [(first(&sliver), vec![])]);
        }
    }

    #[test]
    fn a_ring_with_a_non_finite_coordinate_is_kept_for_the_check_to_report() {
        let bad = LineString::from(vec![(0.0, 0.0), (f64::NAN, 1.0), (1.0, 1.0), (0.0, 0.0)]);
        let mp = assemble(vec![square(10.0, 10.0, 1.0, true), bad]);
        assert_eq!(mp.0.len(), 2);
        assert!(mp.0[1].exterior().0[1].x.is_nan());
    }

    /// A Shapefile written here with the `shapefile` crate, read back through
    /// `read_admin`: rings in an unusual order, the island written before the shell whose
    /// hole holds it, and a sliver that the writer orients as it pleases.
    #[test]
    fn a_written_shapefile_with_rings_in_any_order_reads_as_valid_polygons() {
        use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
        use shapefile::{Point, PolygonRing};
        let pts = |r: &[(f64, f64)]| -> Vec<Point> {
            let mut v: Vec<Point> = r.iter().map(|&(x, y)| Point::new(x, y)).collect();
            v.push(v[0]);
            v
        };
        let sq =
            |x0: f64, y0: f64, x1: f64, y1: f64| pts(&[(x0, y0), (x0, y1), (x1, y1), (x1, y0)]);
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("units.shp");
        let table = TableWriterBuilder::new().add_character_field("KATO".try_into().unwrap(), 9);
        let mut w = shapefile::Writer::from_path(&shp, table).unwrap();
        // shapely 2.2 / GEOS 3.14.1: MultiPolygon([shell 76.90..76.96 with hole
        // 76.91..76.95 and the sliver as a second hole, island 76.92..76.94 with hole
        // 76.925..76.935]).is_valid == True.
        let unit = shapefile::Polygon::with_rings(vec![
            PolygonRing::Inner(sq(76.925, 43.225, 76.935, 43.235)),
            PolygonRing::Outer(sq(76.92, 43.22, 76.94, 43.24)),
            PolygonRing::Outer(pts(&SLIVER)),
            PolygonRing::Inner(sq(76.91, 43.21, 76.95, 43.25)),
            PolygonRing::Outer(sq(76.90, 43.20, 76.96, 43.26)),
        ]);
        let mut rec = Record::default();
        rec.insert(
            "KATO".into(),
            FieldValue::Character(Some("751110000".into())),
        );
        w.write_shape_and_record(&unit, &rec).unwrap();
        drop(w);
        let opts = VectorOptions {
            crs: Some("EPSG:4326".into()),
            ..Default::default()
        };
        let mut intake = Intake::default();
        let units = read_admin(&shp, &opts, &mut intake).unwrap();
        assert_eq!(units.len(), 1);
        let mut got = layout(&units[0].geometry);
        got.sort_by(|a, b| a.0.0.total_cmp(&b.0.0));
        assert_eq!(
            got,
            [
                // Holes in the file's order: the sliver was written before the hole.
                ((76.90, 43.20), vec![SLIVER[0], (76.91, 43.21)]),
                ((76.92, 43.22), vec![(76.925, 43.225)]),
            ]
        );
        assert_eq!(
            crate::spatial::validate(&units[0].geometry),
            Vec::<String>::new()
        );
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        fn ring() -> impl Strategy<Value = LineString<f64>> {
            let v = prop_oneof![
                8 => (0..4i32).prop_map(f64::from),
                1 => Just(f64::NAN),
                1 => Just(f64::NEG_INFINITY),
            ];
            prop::collection::vec((v.clone(), v), 1..7).prop_map(LineString::from)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// Any rings, in any order, become polygons: every ring is kept, once.
            #[test]
            fn assemble_keeps_every_ring_of_any_shapefile_polygon(
                rings in prop::collection::vec(ring(), 1..6)
            ) {
                let n = rings.len();
                let mp = assemble(rings);
                let kept: usize = mp.0.iter().map(|p| 1 + p.interiors().len()).sum();
                prop_assert_eq!(kept, n);
            }
        }
    }

    #[test]
    fn cpg_names_of_cyrillic_code_pages() {
        for s in ["1251", "CP1251", "ANSI 1251", "windows-1251", " cp1251\n"] {
            assert_eq!(cpg_encoding(s), Some(encoding_rs::WINDOWS_1251), "{s}");
        }
        for s in ["866", "cp866", "CP866"] {
            assert_eq!(cpg_encoding(s), Some(encoding_rs::IBM866), "{s}");
        }
        assert_eq!(cpg_encoding("UTF-8"), Some(encoding_rs::UTF_8));
        assert_eq!(cpg_encoding("nonsense"), None);
    }
}
