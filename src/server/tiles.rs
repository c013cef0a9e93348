//! Vector tiles of the report's layers: geometry projected to Web Mercator once, simplified
//! per zoom level (Douglas–Peucker, in parallel at load), clipped to each tile and encoded as
//! MVT on request; encoded tiles are cached.

use super::mvt::{EXTENT, LayerBuilder, PropValue, TileGeom};
use geo::{Coord, Geometry};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree, RTreeObject};
use std::collections::HashMap;
use std::f64::consts::PI;
use std::sync::{Arc, Mutex};

/// Zoom levels above this use the full geometry.
pub const MAX_LEVEL: u8 = 13;
/// The highest zoom a tile is served for.
pub const MAX_ZOOM: u8 = 22;
/// Tile buffer in tile units, so strokes at tile edges join up.
const BUFFER: f64 = 64.0;
/// Douglas–Peucker tolerance, in pixels of a 256-pixel tile at the level's zoom.
const TOLERANCE_PX: f64 = 0.6;
/// The cache is cleared when it holds this many tiles.
const CACHE_LIMIT: usize = 20_000;

/// Longitude/latitude to the Web Mercator unit square (x east, y south).
pub fn merc(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    Coord {
        x: (c.x + 180.0) / 360.0,
        y: (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0,
    }
}

/// A geometry in unit-square coordinates.
#[derive(Debug, Clone)]
pub enum MGeom {
    Points(Vec<Coord<f64>>),
    Lines(Vec<Vec<Coord<f64>>>),
    /// Polygons, each an exterior ring followed by holes; rings closed.
    Polygons(Vec<Vec<Vec<Coord<f64>>>>),
}

impl MGeom {
    fn vertices(&self) -> usize {
        match self {
            MGeom::Points(p) => p.len(),
            MGeom::Lines(l) => l.iter().map(Vec::len).sum(),
            MGeom::Polygons(p) => p.iter().flatten().map(Vec::len).sum(),
        }
    }

    fn bbox(&self) -> Option<[f64; 4]> {
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        let mut any = false;
        let mut add = |c: &Coord<f64>| {
            any = true;
            b[0] = b[0].min(c.x);
            b[1] = b[1].min(c.y);
            b[2] = b[2].max(c.x);
            b[3] = b[3].max(c.y);
        };
        match self {
            MGeom::Points(p) => p.iter().for_each(&mut add),
            MGeom::Lines(l) => l.iter().flatten().for_each(&mut add),
            MGeom::Polygons(p) => p.iter().flat_map(|rings| &rings[0]).for_each(&mut add),
        }
        any.then_some(b)
    }
}

/// Projects a lon/lat geometry; `None` for an empty one.
pub fn project(g: &Geometry<f64>) -> Option<MGeom> {
    fn ring(ls: &geo::LineString<f64>) -> Vec<Coord<f64>> {
        ls.0.iter().map(|c| merc(*c)).collect()
    }
    fn poly(p: &geo::Polygon<f64>) -> Vec<Vec<Coord<f64>>> {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(ring)
            .collect()
    }
    let out = match g {
        Geometry::Point(p) => MGeom::Points(vec![merc(p.0)]),
        Geometry::MultiPoint(mp) => MGeom::Points(mp.iter().map(|p| merc(p.0)).collect()),
        Geometry::LineString(l) => MGeom::Lines(vec![ring(l)]),
        Geometry::MultiLineString(ml) => MGeom::Lines(ml.iter().map(ring).collect()),
        Geometry::Polygon(p) => MGeom::Polygons(vec![poly(p)]),
        Geometry::MultiPolygon(mp) => MGeom::Polygons(mp.iter().map(poly).collect()),
        Geometry::Rect(r) => MGeom::Polygons(vec![poly(&r.to_polygon())]),
        Geometry::Triangle(t) => MGeom::Polygons(vec![poly(&t.to_polygon())]),
        Geometry::Line(l) => MGeom::Lines(vec![vec![merc(l.start), merc(l.end)]]),
        Geometry::GeometryCollection(gc) => {
            // Keep the dominant kind: polygons, else lines, else points.
            let parts: Vec<MGeom> = gc.iter().filter_map(project).collect();
            let mut polys = Vec::new();
            let mut lines = Vec::new();
            let mut points = Vec::new();
            for p in parts {
                match p {
                    MGeom::Polygons(x) => polys.extend(x),
                    MGeom::Lines(x) => lines.extend(x),
                    MGeom::Points(x) => points.extend(x),
                }
            }
            if !polys.is_empty() {
                MGeom::Polygons(polys)
            } else if !lines.is_empty() {
                MGeom::Lines(lines)
            } else {
                MGeom::Points(points)
            }
        }
    };
    (out.vertices() > 0).then_some(out)
}

/// Douglas–Peucker over an open or closed sequence; keeps both ends.
pub fn douglas_peucker(pts: &[Coord<f64>], eps: f64) -> Vec<Coord<f64>> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    let eps2 = eps * eps;
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (pa, pb) = (pts[a], pts[b]);
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let len2 = dx * dx + dy * dy;
        let mut best = (0.0, 0usize);
        for (i, p) in pts.iter().enumerate().take(b).skip(a + 1) {
            let d2 = if len2 == 0.0 {
                (p.x - pa.x).powi(2) + (p.y - pa.y).powi(2)
            } else {
                let cross = dx * (p.y - pa.y) - dy * (p.x - pa.x);
                cross * cross / len2
            };
            if d2 > best.0 {
                best = (d2, i);
            }
        }
        if best.0 > eps2 {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    pts.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

fn simplify(g: &MGeom, eps: f64) -> Option<MGeom> {
    match g {
        MGeom::Points(p) => Some(MGeom::Points(p.clone())),
        MGeom::Lines(ls) => Some(MGeom::Lines(
            ls.iter().map(|l| douglas_peucker(l, eps)).collect(),
        )),
        MGeom::Polygons(polys) => {
            let out: Vec<Vec<Vec<Coord<f64>>>> = polys
                .iter()
                .filter_map(|rings| {
                    let mut rs = Vec::with_capacity(rings.len());
                    for (i, r) in rings.iter().enumerate() {
                        let s = douglas_peucker(r, eps);
                        if s.len() >= 4 {
                            rs.push(s);
                        } else if i == 0 {
                            return None;
                        }
                    }
                    Some(rs)
                })
                .collect();
            (!out.is_empty()).then_some(MGeom::Polygons(out))
        }
    }
}

/// One feature of a tile layer.
pub struct TileFeature {
    pub id: u64,
    pub props: Vec<(&'static str, PropValue)>,
    full: MGeom,
    /// Per zoom level 0..=MAX_LEVEL: `None` = dropped at that level, `Some(None)` = same as
    /// the full geometry, `Some(Some(g))` = simplified.
    levels: Vec<Option<Option<Arc<MGeom>>>>,
}

impl TileFeature {
    pub fn new(id: u64, geom: MGeom, props: Vec<(&'static str, PropValue)>) -> Self {
        TileFeature {
            id,
            props,
            full: geom,
            levels: Vec::new(),
        }
    }

    fn prepare(&mut self) {
        if matches!(self.full, MGeom::Points(_)) {
            return; // points are never simplified: no levels
        }
        let full_n = self.full.vertices();
        let mut levels = vec![None; MAX_LEVEL as usize + 1];
        let mut current: Option<Arc<MGeom>> = None; // None = full
        for z in (0..=MAX_LEVEL).rev() {
            let eps = TOLERANCE_PX / (256.0 * f64::from(1u32 << z));
            let base = current.as_deref().unwrap_or(&self.full);
            match simplify(base, eps) {
                None => break, // dropped here and at every lower level
                Some(s) => {
                    if s.vertices() == full_n {
                        levels[z as usize] = Some(None);
                    } else {
                        let a = Arc::new(s);
                        current = Some(a.clone());
                        levels[z as usize] = Some(Some(a));
                    }
                }
            }
        }
        self.levels = levels;
    }

    fn at_zoom(&self, z: u8) -> Option<&MGeom> {
        if z > MAX_LEVEL || self.levels.is_empty() {
            return Some(&self.full);
        }
        match &self.levels[z as usize] {
            None => None,
            Some(None) => Some(&self.full),
            Some(Some(g)) => Some(g),
        }
    }
}

/// One layer: features and an R-tree of their boxes.
pub struct TileLayer {
    pub name: &'static str,
    pub min_zoom: u8,
    features: Vec<TileFeature>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl TileLayer {
    /// Simplifies every feature for every level (in parallel) and indexes them.
    pub fn new(name: &'static str, min_zoom: u8, mut features: Vec<TileFeature>) -> Self {
        features.par_iter_mut().for_each(TileFeature::prepare);
        let items = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let b = f.full.bbox()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]),
                    i,
                ))
            })
            .collect();
        TileLayer {
            name,
            min_zoom,
            features,
            tree: RTree::bulk_load(items),
        }
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// Clips a closed ring (as an open vertex list) to an axis-aligned box (Sutherland–Hodgman).
fn clip_ring(ring: &[(f64, f64)], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = ring.to_vec();
    // Edges: x >= lo, x <= hi, y >= lo, y <= hi.
    for edge in 0..4 {
        if pts.is_empty() {
            break;
        }
        let inside = |p: (f64, f64)| match edge {
            0 => p.0 >= lo,
            1 => p.0 <= hi,
            2 => p.1 >= lo,
            _ => p.1 <= hi,
        };
        let cross = |a: (f64, f64), b: (f64, f64)| -> (f64, f64) {
            let (t, fixed_x) = match edge {
                0 => ((lo - a.0) / (b.0 - a.0), Some(lo)),
                1 => ((hi - a.0) / (b.0 - a.0), Some(hi)),
                2 => ((lo - a.1) / (b.1 - a.1), None),
                _ => ((hi - a.1) / (b.1 - a.1), None),
            };
            match fixed_x {
                Some(x) => (x, a.1 + t * (b.1 - a.1)),
                None => (a.0 + t * (b.0 - a.0), if edge == 2 { lo } else { hi }),
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
        }
        pts = out;
    }
    pts
}

fn ring_area(r: &[(i32, i32)]) -> i64 {
    let mut a = 0i64;
    for i in 0..r.len() {
        let (x1, y1) = r[i];
        let (x2, y2) = r[(i + 1) % r.len()];
        a += i64::from(x1) * i64::from(y2) - i64::from(x2) * i64::from(y1);
    }
    a
}

fn dedup_round(pts: impl Iterator<Item = (f64, f64)>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::new();
    for (x, y) in pts {
        let p = (x.round() as i32, y.round() as i32);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// Converts a feature's geometry to clipped integer tile coordinates.
fn to_tile(g: &MGeom, x0: f64, y0: f64, scale: f64) -> Option<TileGeom> {
    let tc = |c: &Coord<f64>| ((c.x - x0) * scale, (c.y - y0) * scale);
    let (lo, hi) = (-BUFFER, f64::from(EXTENT) + BUFFER);
    match g {
        MGeom::Points(p) => {
            let pts: Vec<(i32, i32)> = p
                .iter()
                .map(tc)
                .filter(|(x, y)| *x >= lo && *x <= hi && *y >= lo && *y <= hi)
                .map(|(x, y)| (x.round() as i32, y.round() as i32))
                .collect();
            (!pts.is_empty()).then_some(TileGeom::Points(pts))
        }
        MGeom::Lines(ls) => {
            // Lines are not clipped; coordinates outside the tile are legal in MVT.
            let lines: Vec<Vec<(i32, i32)>> = ls
                .iter()
                .map(|l| dedup_round(l.iter().map(tc)))
                .filter(|l| l.len() >= 2)
                .collect();
            (!lines.is_empty()).then_some(TileGeom::Lines(lines))
        }
        MGeom::Polygons(polys) => {
            let mut rings = Vec::new();
            for poly in polys {
                for (i, r) in poly.iter().enumerate() {
                    let open: Vec<(f64, f64)> =
                        r[..r.len().saturating_sub(1)].iter().map(tc).collect();
                    let clipped = clip_ring(&open, lo, hi);
                    let mut q = dedup_round(clipped.into_iter());
                    if q.len() < 3 {
                        if i == 0 {
                            break;
                        }
                        continue;
                    }
                    let a = ring_area(&q);
                    if a == 0 {
                        if i == 0 {
                            break;
                        }
                        continue;
                    }
                    // Exterior rings positive (clockwise on screen), holes negative.
                    if (i == 0) != (a > 0) {
                        q.reverse();
                    }
                    rings.push(q);
                }
            }
            (!rings.is_empty()).then_some(TileGeom::Polygons(rings))
        }
    }
}

/// Zoom, column, row.
type TileKey = (u8, u32, u32);
/// An encoded tile.
type Tile = Arc<Vec<u8>>;

/// All tile layers plus a cache of encoded tiles.
pub struct TileSet {
    layers: Vec<TileLayer>,
    cache: Mutex<HashMap<TileKey, Tile>>,
}

impl TileSet {
    pub fn new(layers: Vec<TileLayer>) -> Self {
        TileSet {
            layers,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn layer_names(&self) -> Vec<&'static str> {
        self.layers.iter().map(|l| l.name).collect()
    }

    /// The encoded tile `z/x/y` (empty when nothing falls in it); the caller validates the
    /// coordinates.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Arc<Vec<u8>> {
        if let Some(t) = self
            .cache
            .lock()
            .map(|c| c.get(&(z, x, y)).cloned())
            .ok()
            .flatten()
        {
            return t;
        }
        let t = Arc::new(self.encode(z, x, y));
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= CACHE_LIMIT {
                c.clear();
            }
            c.insert((z, x, y), t.clone());
        }
        t
    }

    /// Encodes every tile of the zoom levels `0..=max_z` that holds data, in parallel (warms
    /// the cache); returns how many tiles were made.
    pub fn warm(&self, max_z: u8) -> usize {
        let mut keys = Vec::new();
        for z in 0..=max_z {
            let n = 1u32 << z;
            let s = 1.0 / f64::from(n);
            for l in &self.layers {
                if z < l.min_zoom {
                    continue;
                }
                for f in l.tree.iter() {
                    let e = f.geom().envelope();
                    let (x0, y0) = ((e.lower()[0] / s) as u32, (e.lower()[1] / s) as u32);
                    let (x1, y1) = ((e.upper()[0] / s) as u32, (e.upper()[1] / s) as u32);
                    for x in x0..=x1.min(n - 1) {
                        for y in y0..=y1.min(n - 1) {
                            keys.push((z, x, y));
                        }
                    }
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let made: Vec<(TileKey, Tile)> = keys
            .par_iter()
            .map(|&(z, x, y)| ((z, x, y), Arc::new(self.encode(z, x, y))))
            .collect();
        let n = made.len();
        if let Ok(mut c) = self.cache.lock() {
            c.extend(made);
        }
        n
    }

    fn encode(&self, z: u8, x: u32, y: u32) -> Vec<u8> {
        let s = 1.0 / f64::from(1u32 << z);
        let (x0, y0) = (f64::from(x) * s, f64::from(y) * s);
        let pad = s * BUFFER / f64::from(EXTENT);
        let env = AABB::from_corners([x0 - pad, y0 - pad], [x0 + s + pad, y0 + s + pad]);
        let scale = f64::from(EXTENT) / s;
        let mut tile = Vec::new();
        for l in &self.layers {
            if z < l.min_zoom {
                continue;
            }
            let mut hits: Vec<usize> = l
                .tree
                .locate_in_envelope_intersecting(&env)
                .map(|h| h.data)
                .collect();
            hits.sort_unstable();
            let mut b = LayerBuilder::new(l.name);
            for i in hits {
                let f = &l.features[i];
                let Some(g) = f.at_zoom(z) else { continue };
                if let Some(tg) = to_tile(g, x0, y0, scale) {
                    b.add(f.id, &tg, &f.props);
                }
            }
            b.finish_into(&mut tile);
        }
        tile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prime_meridian_and_equator_project_to_the_middle() {
        let c = merc(Coord { x: 0.0, y: 0.0 });
        assert!((c.x - 0.5).abs() < 1e-12 && (c.y - 0.5).abs() < 1e-12);
    }

    #[test]
    fn douglas_peucker_drops_a_point_close_to_the_line() {
        let pts = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 1.0, y: 0.01 },
            Coord { x: 2.0, y: 0.0 },
            Coord { x: 3.0, y: 1.0 },
        ];
        let s = douglas_peucker(&pts, 0.1);
        assert_eq!(s, vec![pts[0], pts[2], pts[3]]);
    }

    #[test]
    fn clipping_a_square_to_its_quarter_leaves_the_quarter() {
        let sq = [(-10.0, -10.0), (10.0, -10.0), (10.0, 10.0), (-10.0, 10.0)];
        let c = clip_ring(&sq, 0.0, 100.0);
        let mut r = dedup_round(c.into_iter());
        r.sort();
        assert_eq!(r, vec![(0, 0), (0, 10), (10, 0), (10, 10)]);
    }
}
