//! A polygon prepared for many point-in-polygon tests: its edges bucketed into horizontal
//! bands, so a test runs the crossing-number rule over the few edges of one band.
//!
//! # The boundary rule
//!
//! The test is the crossing-number (even–odd) rule with a ray towards +x, made half-open:
//! an edge counts when `y_low <= p.y < y_high` and `p.x < x_at(p.y)` (strict), where every
//! edge is stored with its endpoints ordered by y, so that the two polygons sharing an edge
//! compute bit-identical crossings. This is the same as testing the point nudged by an
//! infinitesimal `(ε, δ)` with `δ ≪ ε`: **a point on a boundary belongs to the polygon
//! immediately east of it; on a horizontal edge, to the polygon immediately north of it; a
//! vertex shared by several polygons belongs to the one covering its north-east corner**.
//! In a tiling (shared edges with identical vertices) every point therefore has exactly one
//! owner, the same on every run.

use geo::{Coord, LineString, Polygon, Rect};

/// One non-horizontal edge, endpoints ordered by y (`y0 < y1`).
#[derive(Debug, Clone, Copy)]
struct Edge {
    y0: f64,
    y1: f64,
    x0: f64,
    /// dx/dy, precomputed from the y-ordered endpoints.
    slope: f64,
}

impl Edge {
    fn new(a: Coord<f64>, b: Coord<f64>) -> Option<Self> {
        // Horizontal edges never satisfy `y0 <= y < y1`: leave them out. NaN too.
        let finite = a.x.is_finite() && a.y.is_finite() && b.x.is_finite() && b.y.is_finite();
        if a.y == b.y || !finite {
            return None;
        }
        let (lo, hi) = if a.y < b.y { (a, b) } else { (b, a) };
        Some(Edge {
            y0: lo.y,
            y1: hi.y,
            x0: lo.x,
            slope: (hi.x - lo.x) / (hi.y - lo.y),
        })
    }

    /// Whether the ray from `p` towards +x crosses this edge (half-open, see module doc).
    #[inline(always)]
    fn crosses(&self, p: Coord<f64>) -> bool {
        self.y0 <= p.y && p.y < self.y1 && p.x < self.x0 + (p.y - self.y0) * self.slope
    }
}

/// Rings (exterior and holes, of one or several polygons) with a band index over their
/// edges. Inside means: an odd number of crossings over all rings (even–odd rule), which is
/// exact for valid polygons and multipolygons.
#[derive(Debug, Clone)]
pub struct PreparedRings {
    min_x: f64,
    max_x: f64,
    min_y: f64,
    max_y: f64,
    inv_band_h: f64,
    /// `band_start[b]..band_start[b + 1]` indexes `edges` for band `b`.
    band_start: Vec<u32>,
    edges: Vec<Edge>,
    /// Horizontal edges `(y, x_low, x_high)` sorted by y: never crossed by the ray, but
    /// needed by [`PreparedRings::edge_may_meet`].
    horizontals: Vec<(f64, f64, f64)>,
}

impl PreparedRings {
    /// Prepares every ring of `polygons` (exteriors and interiors alike).
    pub fn new<'a>(polygons: impl IntoIterator<Item = &'a Polygon<f64>> + Clone) -> Self {
        let rings: Vec<&LineString<f64>> = polygons
            .into_iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
        Self::from_rings(&rings)
    }

    /// Prepares the given rings; an unclosed ring is treated as closed.
    pub fn from_rings(rings: &[&LineString<f64>]) -> Self {
        let mut all = Vec::new();
        let mut horizontals = Vec::new();
        let (mut min_x, mut max_x, mut min_y, mut max_y) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for ring in rings {
            let pts = &ring.0;
            if pts.len() < 2 {
                continue;
            }
            for c in pts.iter().filter(|c| c.x.is_finite() && c.y.is_finite()) {
                min_x = min_x.min(c.x);
                max_x = max_x.max(c.x);
                min_y = min_y.min(c.y);
                max_y = max_y.max(c.y);
            }
            let closing = (pts[0] != pts[pts.len() - 1]).then(|| [pts[pts.len() - 1], pts[0]]);
            for w in pts.windows(2).chain(closing.as_ref().map(|c| &c[..])) {
                all.extend(Edge::new(w[0], w[1]));
                if w[0].y == w[1].y
                    && w[0].y.is_finite()
                    && w[0].x.is_finite()
                    && w[1].x.is_finite()
                {
                    horizontals.push((w[0].y, w[0].x.min(w[1].x), w[0].x.max(w[1].x)));
                }
            }
        }
        all.retain(|e| e.y0.is_finite() && e.y1.is_finite() && e.slope.is_finite());
        if all.is_empty() || min_y.partial_cmp(&max_y) != Some(std::cmp::Ordering::Less) {
            return PreparedRings {
                min_x: 0.0,
                max_x: 0.0,
                min_y: 0.0,
                max_y: 0.0,
                inv_band_h: 0.0,
                band_start: vec![0, 0],
                edges: Vec::new(),
                horizontals: Vec::new(),
            };
        }
        // About two edges per band on average: a band then holds few edges beyond the
        // two-or-so that any horizontal line through the polygon must cross.
        horizontals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n_bands = (all.len() / 2).clamp(1, 4096);
        let inv_band_h = n_bands as f64 / (max_y - min_y);
        let band_of = |y: f64| -> usize { (((y - min_y) * inv_band_h) as usize).min(n_bands - 1) };
        let mut counts = vec![0u32; n_bands + 1];
        for e in &all {
            for b in band_of(e.y0)..=band_of(e.y1) {
                counts[b + 1] += 1;
            }
        }
        for b in 0..n_bands {
            counts[b + 1] += counts[b];
        }
        let band_start = counts;
        let mut fill = band_start.clone();
        let mut edges = vec![all[0]; band_start[n_bands] as usize];
        for e in &all {
            for b in band_of(e.y0)..=band_of(e.y1) {
                edges[fill[b] as usize] = *e;
                fill[b] += 1;
            }
        }
        PreparedRings {
            min_x,
            max_x,
            min_y,
            max_y,
            inv_band_h,
            band_start,
            edges,
            horizontals,
        }
    }

    /// The bounding box of the prepared rings (finite coordinates only).
    pub fn bounding_rect(&self) -> Rect<f64> {
        Rect::new(
            Coord {
                x: self.min_x,
                y: self.min_y,
            },
            Coord {
                x: self.max_x,
                y: self.max_y,
            },
        )
    }

    /// Whether no point can be inside (no ring with area).
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Whether `p` is inside, under the half-open boundary rule of the module doc.
    #[inline]
    pub fn contains(&self, p: Coord<f64>) -> bool {
        // Outside the box nothing can be crossed; `p.y == max_y` or `p.x >= max_x` is on
        // the north or east boundary, which the half-open rule leaves outside.
        if !(p.y >= self.min_y && p.y < self.max_y && p.x < self.max_x) {
            return false;
        }
        let n_bands = self.band_start.len() - 1;
        let b = (((p.y - self.min_y) * self.inv_band_h) as usize).min(n_bands - 1);
        let (s, e) = (self.band_start[b] as usize, self.band_start[b + 1] as usize);
        let mut inside = false;
        for edge in &self.edges[s..e] {
            inside ^= edge.crosses(p);
        }
        inside
    }

    /// Number of stored edges (an edge spanning several bands counts once per band).
    #[cfg(test)]
    fn edge_count(&self) -> usize {
        self.edges.len()
    }
}

impl PreparedRings {
    /// Whether some edge's bounding box meets the closed rectangle `r`: a conservative
    /// "the boundary may pass through `r`". When false, `r` lies wholly inside or wholly
    /// outside, and one [`PreparedRings::contains`] test of its centre tells which.
    pub fn edge_may_meet(&self, r: Rect<f64>) -> bool {
        let first = self.horizontals.partition_point(|h| h.0 < r.min().y);
        let hit = self.horizontals[first..]
            .iter()
            .take_while(|h| h.0 <= r.max().y)
            .any(|h| h.1 <= r.max().x && h.2 >= r.min().x);
        if hit {
            return true;
        }
        if self.edges.is_empty() || r.max().y < self.min_y || r.min().y > self.max_y {
            return false;
        }
        let n_bands = self.band_start.len() - 1;
        let band_of = |y: f64| -> usize {
            (((y - self.min_y) * self.inv_band_h).max(0.0) as usize).min(n_bands - 1)
        };
        let (b0, b1) = (band_of(r.min().y), band_of(r.max().y));
        let s = self.band_start[b0] as usize;
        let e = self.band_start[b1 + 1] as usize;
        self.edges[s..e].iter().any(|edge| {
            let x1 = edge.x0 + (edge.y1 - edge.y0) * edge.slope;
            let (lo, hi) = if edge.x0 < x1 {
                (edge.x0, x1)
            } else {
                (x1, edge.x0)
            };
            edge.y0 <= r.max().y && edge.y1 >= r.min().y && lo <= r.max().x && hi >= r.min().x
        })
    }
}

/// A bounding box with the index of what it bounds, for R-trees.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Boxed {
    pub(crate) envelope: rstar::AABB<[f64; 2]>,
    pub(crate) index: usize,
}

impl rstar::RTreeObject for Boxed {
    type Envelope = rstar::AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl Boxed {
    /// The box of `geometry` (None when it has no finite coordinate).
    pub(crate) fn of(geometry: &geo::MultiPolygon<f64>, index: usize) -> Option<Self> {
        use geo::CoordsIter;
        let mut b: Option<[f64; 4]> = None;
        for c in geometry.coords_iter() {
            if !(c.x.is_finite() && c.y.is_finite()) {
                continue;
            }
            let v = b.get_or_insert([c.x, c.y, c.x, c.y]);
            v[0] = v[0].min(c.x);
            v[1] = v[1].min(c.y);
            v[2] = v[2].max(c.x);
            v[3] = v[3].max(c.y);
        }
        b.map(|v| Boxed {
            envelope: rstar::AABB::from_corners([v[0], v[1]], [v[2], v[3]]),
            index,
        })
    }

    pub(crate) fn rect(&self) -> Rect<f64> {
        let (l, u) = (self.envelope.lower(), self.envelope.upper());
        Rect::new(Coord { x: l[0], y: l[1] }, Coord { x: u[0], y: u[1] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_point_in_a_hole_is_outside() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 4.0, y: 4.0), (x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0)]],
        );
        let prep = PreparedRings::new([&p]);
        assert!(!prep.contains(Coord { x: 5.0, y: 5.0 }));
        assert!(prep.contains(Coord { x: 2.0, y: 5.0 }));
        assert!(!prep.contains(Coord { x: 12.0, y: 5.0 }));
    }

    #[test]
    fn the_west_and_south_boundary_is_inside_and_the_east_and_north_is_not() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let prep = PreparedRings::new([&p]);
        assert!(prep.contains(Coord { x: 0.0, y: 0.5 }));
        assert!(prep.contains(Coord { x: 0.5, y: 0.0 }));
        assert!(prep.contains(Coord { x: 0.0, y: 0.0 }));
        assert!(!prep.contains(Coord { x: 1.0, y: 0.5 }));
        assert!(!prep.contains(Coord { x: 0.5, y: 1.0 }));
        assert!(!prep.contains(Coord { x: 1.0, y: 0.0 }));
        assert!(!prep.contains(Coord { x: 0.0, y: 1.0 }));
    }

    #[test]
    fn many_edges_are_spread_over_bands() {
        let ring: Vec<Coord<f64>> = (0..200)
            .map(|i| {
                let t = i as f64 / 200.0 * std::f64::consts::TAU;
                Coord {
                    x: t.cos(),
                    y: t.sin(),
                }
            })
            .collect();
        let p = Polygon::new(LineString(ring), vec![]);
        let prep = PreparedRings::new([&p]);
        assert!(prep.edge_count() < 3 * 200);
        assert!(prep.contains(Coord { x: 0.0, y: 0.0 }));
        assert!(prep.contains(Coord { x: 0.9, y: 0.0 }));
        assert!(!prep.contains(Coord { x: 0.75, y: 0.75 }));
    }
}
