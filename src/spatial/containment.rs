use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use geo::{BooleanOps, Coord, LineString, MultiPolygon};
use rayon::prelude::*;
use rstar::RTree;

use super::prepared::{Boxed, PreparedRings};

/// How a precinct sits in the administrative units of one level.
#[derive(Debug, Clone, PartialEq)]
pub struct Containment {
    /// The unit holding most of the precinct's area (`None`: it touches no unit).
    pub main_unit: Option<usize>,
    /// The share of the precinct's area outside `main_unit` (0..=1), computed in an
    /// equal-area projection.
    pub outside_share: f64,
    /// The other units the precinct overlaps (with positive area), by decreasing area.
    pub touched: Vec<usize>,
    /// The part of the precinct outside `main_unit` (WGS84), when not empty.
    pub outside: Option<MultiPolygon<f64>>,
}

/// Areas below this share of the precinct's area are rounding noise of the overlay
/// (slivers along a shared edge), not "positive area".
const NOISE_SHARE: f64 = 1e-9;

/// For each precinct, its containment in `units`.
///
/// Candidates come from an R-tree over the units' boxes. A unit whose boundary does not
/// come near the precinct's box holds the precinct wholly or not at all (one
/// point-in-polygon test decides); otherwise the intersection is computed with geo's
/// boolean operations (i_overlay) and measured in the Albers equal-area projection of
/// [`area_m2`]. The main unit is the one with the largest area; areas equal within 1e-9
/// (relative) count as a tie, broken by the lower unit index, so the choice is the same on
/// every run. A boolean operation that panics on degenerate input is caught and replaced by
/// an estimate from a 64 × 64 sample grid (then `outside` is `None`); invalid polygons never
/// abort the run. Precincts are processed in parallel.
///
/// A precinct of zero area (degenerate) gets the unit holding its first vertex, share 0.
pub fn containment(
    precincts: &[MultiPolygon<f64>],
    units: &[MultiPolygon<f64>],
) -> Vec<Containment> {
    let boxes: Vec<Boxed> = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| Boxed::of(u, i))
        .collect();
    let tree = RTree::bulk_load(boxes);
    let prepared: Vec<PreparedRings> = units
        .par_iter()
        .map(|u| PreparedRings::new(u.0.iter()))
        .collect();
    precincts
        .par_iter()
        .map(|p| contain_one(p, units, &prepared, &tree))
        .collect()
}

/// How one candidate unit meets the precinct.
enum Meet {
    /// The unit holds the whole precinct.
    Whole,
    /// The unit holds this much of it (m²).
    Part(f64),
}

fn contain_one(
    p: &MultiPolygon<f64>,
    units: &[MultiPolygon<f64>],
    prepared: &[PreparedRings],
    tree: &RTree<Boxed>,
) -> Containment {
    let Some(pbox) = Boxed::of(p, 0) else {
        return Containment {
            main_unit: None,
            outside_share: 1.0,
            touched: Vec::new(),
            outside: None,
        };
    };
    let rect = pbox.rect();
    let mut candidates: Vec<usize> = tree
        .locate_in_envelope_intersecting(&pbox.envelope)
        .map(|b| b.index)
        .collect();
    candidates.sort_unstable();

    let p_area = area_m2(p);
    if !(p_area > 0.0) {
        let first = p.0.first().and_then(|q| q.exterior().0.first().copied());
        let main_unit = first.and_then(|c| {
            candidates
                .iter()
                .copied()
                .find(|&u| prepared[u].contains(c))
        });
        return Containment {
            main_unit,
            outside_share: 0.0,
            touched: Vec::new(),
            outside: None,
        };
    }

    let mut prepared_p: Option<PreparedRings> = None;
    let mut meets: Vec<(usize, f64)> = Vec::new();
    let mut whole = None;
    for &u in &candidates {
        let meet = if prepared[u].edge_may_meet(rect) {
            match guarded(|| p.intersection(&units[u])) {
                Some(inter) => Meet::Part(area_m2(&inter)),
                None => {
                    let pp = prepared_p.get_or_insert_with(|| PreparedRings::new(p.0.iter()));
                    Meet::Part(p_area * sampled_share(pp, &prepared[u], rect))
                }
            }
        } else if prepared[u].contains(rect.center()) {
            Meet::Whole
        } else {
            continue;
        };
        match meet {
            Meet::Whole => {
                whole.get_or_insert(u);
                meets.push((u, p_area));
            }
            Meet::Part(a) if a > p_area * NOISE_SHARE => meets.push((u, a)),
            Meet::Part(_) => {}
        }
    }
    // The main unit: the largest area; a later (higher-index) candidate must beat the best
    // so far by more than 1e-9 relative, so near-equal areas go to the lower index.
    let Some(best) = (0..meets.len()).reduce(|b, k| {
        if meets[k].1 > meets[b].1 * (1.0 + 1e-9) {
            k
        } else {
            b
        }
    }) else {
        return Containment {
            main_unit: None,
            outside_share: 1.0,
            touched: Vec::new(),
            outside: Some(p.clone()),
        };
    };
    let (main, main_area) = meets.swap_remove(best);
    meets.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let outside_share = ((p_area - main_area) / p_area).clamp(0.0, 1.0);
    let outside = if whole == Some(main) || outside_share <= NOISE_SHARE {
        None
    } else {
        guarded(|| p.difference(&units[main])).filter(|d| !d.0.is_empty())
    };
    Containment {
        main_unit: Some(main),
        outside_share,
        touched: meets.iter().map(|&(u, _)| u).collect(),
        outside,
    }
}

/// Runs a boolean operation, turning a panic (degenerate input) into `None`.
pub(crate) fn guarded<T>(op: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(op)).ok()
}

/// The share of `p` (within `rect`) that is also in `u`, from a 64 × 64 grid of samples.
fn sampled_share(p: &PreparedRings, u: &PreparedRings, rect: geo::Rect<f64>) -> f64 {
    let (mut in_p, mut in_both) = (0u32, 0u32);
    for j in 0..64 {
        for i in 0..64 {
            let c = Coord {
                x: rect.min().x + (i as f64 + 0.5) / 64.0 * rect.width(),
                y: rect.min().y + (j as f64 + 0.5) / 64.0 * rect.height(),
            };
            if p.contains(c) {
                in_p += 1;
                in_both += u.contains(c) as u32;
            }
        }
    }
    if in_p == 0 {
        0.0
    } else {
        in_both as f64 / in_p as f64
    }
}

/// Area in square metres, computed in an equal-area projection.
///
/// The projection is the Albers equal-area conic on the WGS84 ellipsoid fitted to
/// Kazakhstan (`+proj=aea +lat_1=45 +lat_2=51 +lat_0=48 +lon_0=68 +ellps=WGS84`, see
/// [`AlbersEqualArea::kazakhstan`]); each ring's area is the planar area of its projected
/// vertices, holes subtracted. Non-finite coordinates are skipped.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use precincts::spatial::area_m2;
///
/// // 0.01° × 0.01° near Almaty: about 1.11 km × 0.81 km.
/// let square = MultiPolygon(vec![polygon![
///     (x: 76.90, y: 43.25), (x: 76.91, y: 43.25), (x: 76.91, y: 43.26), (x: 76.90, y: 43.26)
/// ]]);
/// let a = area_m2(&square);
/// assert!((a - 902_000.0).abs() < 3_000.0, "{a}");
/// ```
pub fn area_m2(p: &MultiPolygon<f64>) -> f64 {
    let proj = &*KAZAKHSTAN;
    p.0.iter()
        .map(|poly| {
            let shell = ring_area(proj, poly.exterior());
            let holes: f64 = poly.interiors().iter().map(|r| ring_area(proj, r)).sum();
            (shell - holes).max(0.0)
        })
        .sum()
}

fn ring_area(proj: &AlbersEqualArea, ring: &LineString<f64>) -> f64 {
    let pts: Vec<Coord<f64>> = ring
        .0
        .iter()
        .filter(|c| c.x.is_finite() && c.y.is_finite())
        .map(|&c| proj.forward(c))
        .collect();
    if pts.len() < 3 {
        return 0.0;
    }
    // Shoelace relative to the first vertex, for precision far from the origin.
    let o = pts[0];
    let mut twice = 0.0;
    for w in pts.windows(2) {
        twice += (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y);
    }
    let last = pts[pts.len() - 1];
    twice += (last.x - o.x) * (pts[0].y - o.y) - (pts[0].x - o.x) * (last.y - o.y);
    (twice / 2.0).abs()
}

static KAZAKHSTAN: LazyLock<AlbersEqualArea> = LazyLock::new(AlbersEqualArea::kazakhstan);

/// The Albers equal-area conic projection on the WGS84 ellipsoid (Snyder, *Map
/// Projections — A Working Manual*, 1987, eqs. 14-3 … 14-6 and 3-12), computed here so it is
/// `Sync` and needs no PROJ context per thread; tested against PROJ.
#[derive(Debug, Clone)]
pub struct AlbersEqualArea {
    a: f64,
    e: f64,
    e2: f64,
    lon0: f64,
    n: f64,
    c: f64,
    rho0: f64,
}

impl AlbersEqualArea {
    /// `+proj=aea +lat_1=45 +lat_2=51 +lat_0=48 +lon_0=68 +ellps=WGS84`.
    pub fn kazakhstan() -> Self {
        Self::new(45.0, 51.0, 48.0, 68.0)
    }

    /// Standard parallels `lat1`, `lat2`, origin `lat0`, `lon0` (degrees), WGS84 ellipsoid.
    pub fn new(lat1: f64, lat2: f64, lat0: f64, lon0: f64) -> Self {
        let a: f64 = 6_378_137.0;
        let f: f64 = 1.0 / 298.257_223_563;
        let e2 = f * (2.0 - f);
        let e = e2.sqrt();
        let m = |phi: f64| phi.cos() / (1.0 - e2 * phi.sin().powi(2)).sqrt();
        let (p1, p2, p0) = (lat1.to_radians(), lat2.to_radians(), lat0.to_radians());
        let (m1, m2) = (m(p1), m(p2));
        let (q1, q2, q0) = (q(e, e2, p1), q(e, e2, p2), q(e, e2, p0));
        let n = if (lat1 - lat2).abs() > 1e-10 {
            (m1 * m1 - m2 * m2) / (q2 - q1)
        } else {
            p1.sin()
        };
        let c = m1 * m1 + n * q1;
        let rho0 = a * (c - n * q0).sqrt() / n;
        AlbersEqualArea {
            a,
            e,
            e2,
            lon0: lon0.to_radians(),
            n,
            c,
            rho0,
        }
    }

    /// Projects lon/lat degrees to easting/northing metres.
    pub fn forward(&self, c: Coord<f64>) -> Coord<f64> {
        let phi = c.y.to_radians();
        let rho = self.a * (self.c - self.n * q(self.e, self.e2, phi)).max(0.0).sqrt() / self.n;
        let theta = self.n * (c.x.to_radians() - self.lon0);
        Coord {
            x: rho * theta.sin(),
            y: self.rho0 - rho * theta.cos(),
        }
    }
}

/// Snyder's q(φ) (eq. 3-12).
fn q(e: f64, e2: f64, phi: f64) -> f64 {
    let s = phi.sin();
    (1.0 - e2) * (s / (1.0 - e2 * s * s) - (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln())
}
