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

/// Areas below this share of the precinct's area are rounding noise of the overlay (it
/// snaps coordinates to an integer grid, about 1e-9 of the box), not "positive area".
const NOISE_SHARE: f64 = 1e-6;

/// For each precinct, its containment in `units`.
///
/// Candidates come from an R-tree over the units' boxes. A unit whose boundary does not
/// come near the precinct's box holds the precinct wholly or not at all (one
/// point-in-polygon test decides); otherwise the intersection is computed with geo's
/// boolean operations (i_overlay) and measured in the Albers equal-area projection of
/// [`area_m2`]. The main unit is the one with the largest area; areas equal within 1e-6
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
    if p_area.is_nan() || p_area <= 0.0 {
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

    // Only the part of a unit near the precinct matters: clip units to the precinct's box
    // (grown by 1 %) before the overlay, whose cost grows with the unit's vertex count.
    let (mx, my) = (rect.width() * 0.01 + 1e-9, rect.height() * 0.01 + 1e-9);
    let clip_box = geo::Rect::new(
        Coord {
            x: rect.min().x - mx,
            y: rect.min().y - my,
        },
        Coord {
            x: rect.max().x + mx,
            y: rect.max().y + my,
        },
    );
    let mut clipped: Vec<(usize, MultiPolygon<f64>)> = Vec::new();
    let mut clipped_unit = |u: usize| -> MultiPolygon<f64> {
        if let Some((_, c)) = clipped.iter().find(|(v, _)| *v == u) {
            return c.clone();
        }
        let c = clip_to_rect(&units[u], clip_box);
        clipped.push((u, c.clone()));
        c
    };
    let mut prepared_p: Option<PreparedRings> = None;
    let mut meets: Vec<(usize, f64)> = Vec::new();
    let mut whole = None;
    for &u in &candidates {
        let meet = if prepared[u].edge_may_meet(rect) {
            let unit = clipped_unit(u);
            match guarded(|| p.intersection(&unit)) {
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
    // so far by more than NOISE_SHARE relative, so near-equal areas go to the lower index.
    let Some(best) = (0..meets.len()).reduce(|b, k| {
        if meets[k].1 > meets[b].1 * (1.0 + NOISE_SHARE) {
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
    let mut outside_share = ((p_area - main_area) / p_area).clamp(0.0, 1.0);
    if outside_share <= NOISE_SHARE {
        outside_share = 0.0;
    }
    let outside = if whole == Some(main) || outside_share == 0.0 {
        None
    } else {
        let unit = clipped_unit(main);
        guarded(|| p.difference(&unit)).filter(|d| !d.0.is_empty())
    };
    Containment {
        main_unit: Some(main),
        outside_share,
        touched: meets.iter().map(|&(u, _)| u).collect(),
        outside,
    }
}

/// Clips every ring of `m` to `r` (Sutherland–Hodgman, ring by ring). The result may have
/// zero-width slivers along `r`'s sides, but under the even–odd rule used by the overlay it
/// covers exactly `m ∩ r`, so for anything inside `r` intersection and difference with it
/// equal those with `m`.
fn clip_to_rect(m: &MultiPolygon<f64>, r: geo::Rect<f64>) -> MultiPolygon<f64> {
    let clip_ring = |ring: &LineString<f64>| -> Option<LineString<f64>> {
        let mut pts: Vec<Coord<f64>> = ring.0.clone();
        if pts.first() == pts.last() {
            pts.pop();
        }
        // (axis, bound, keep below?) for the four sides.
        let sides = [
            (0, r.min().x, false),
            (0, r.max().x, true),
            (1, r.min().y, false),
            (1, r.max().y, true),
        ];
        for (axis, bound, below) in sides {
            if pts.is_empty() {
                return None;
            }
            let val = |c: &Coord<f64>| if axis == 0 { c.x } else { c.y };
            let inside = |c: &Coord<f64>| {
                if below {
                    val(c) <= bound
                } else {
                    val(c) >= bound
                }
            };
            let mut next = Vec::with_capacity(pts.len() + 4);
            for i in 0..pts.len() {
                let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
                let (ia, ib) = (inside(&a), inside(&b));
                if ia {
                    next.push(a);
                }
                if ia != ib {
                    let t = (bound - val(&a)) / (val(&b) - val(&a));
                    let mut c = Coord {
                        x: a.x + t * (b.x - a.x),
                        y: a.y + t * (b.y - a.y),
                    };
                    if axis == 0 {
                        c.x = bound;
                    } else {
                        c.y = bound;
                    }
                    next.push(c);
                }
            }
            pts = next;
        }
        (pts.len() >= 3).then_some(LineString(pts))
    };
    MultiPolygon(
        m.0.iter()
            .filter_map(|poly| {
                let shell = clip_ring(poly.exterior())?;
                let holes = poly.interiors().iter().filter_map(clip_ring).collect();
                Some(geo::Polygon::new(shell, holes))
            })
            .collect(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{GeodesicArea, Polygon, polygon};

    /// A lon/lat rectangle as a multipolygon.
    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ])
    }

    #[test]
    fn the_albers_projection_matches_proj_within_a_millionth() {
        let proj =
            proj::Proj::new("+proj=aea +lat_1=45 +lat_2=51 +lat_0=48 +lon_0=68 +ellps=WGS84")
                .expect("PROJ knows aea");
        let ours = AlbersEqualArea::kazakhstan();
        for (lon, lat) in [
            (68.0, 48.0),
            (76.9286, 43.2567),
            (51.9, 47.1),
            (87.3, 49.1),
            (61.0, 40.6),
            (71.4, 51.17),
        ] {
            let (x, y): (f64, f64) = proj
                .project((f64::to_radians(lon), f64::to_radians(lat)), false)
                .unwrap();
            let c = ours.forward(Coord { x: lon, y: lat });
            let scale = x.hypot(y).max(1.0);
            assert!(
                (c.x - x).abs() / scale < 1e-6 && (c.y - y).abs() / scale < 1e-6,
                "{lon},{lat}: ours {c:?}, PROJ {x},{y}"
            );
            assert!(
                (c.x - x).abs() < 1e-3 && (c.y - y).abs() < 1e-3,
                "within a millimetre"
            );
        }
    }

    #[test]
    fn the_area_of_a_small_rectangle_matches_the_geodesic_area() {
        for (x, y) in [(76.9, 43.2), (51.4, 51.2), (69.6, 42.3), (80.0, 55.0)] {
            let r = rect(x, y, x + 0.02, y + 0.015);
            let expected = r.geodesic_area_unsigned();
            let got = area_m2(&r);
            assert!(
                (got - expected).abs() / expected < 1e-3,
                "at {x},{y}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn a_hole_is_subtracted_from_the_area() {
        let with_hole = MultiPolygon(vec![Polygon::new(
            rect(70.0, 45.0, 70.1, 45.1).0[0].exterior().clone(),
            vec![rect(70.02, 45.02, 70.04, 45.04).0[0].exterior().clone()],
        )]);
        let expected = rect(70.0, 45.0, 70.1, 45.1).geodesic_area_unsigned()
            - rect(70.02, 45.02, 70.04, 45.04).geodesic_area_unsigned();
        assert!((area_m2(&with_hole) - expected).abs() / expected < 1e-3);
    }

    #[test]
    fn a_precinct_half_in_each_of_two_units_is_half_outside_its_main_unit() {
        let units = [rect(68.0, 48.0, 69.0, 49.0), rect(69.0, 48.0, 70.0, 49.0)];
        let precinct = rect(68.9, 48.4, 69.1, 48.5);
        for _ in 0..3 {
            let c = &containment(std::slice::from_ref(&precinct), &units)[0];
            // The halves are mirror images in lon/lat, so equal in the equal-area projection:
            // a tie, which the lower index wins.
            assert_eq!(c.main_unit, Some(0));
            assert!((c.outside_share - 0.5).abs() < 1e-6, "{}", c.outside_share);
            assert_eq!(c.touched, vec![1]);
            let outside = c.outside.as_ref().expect("the outside half");
            let expected = rect(69.0, 48.4, 69.1, 48.5).geodesic_area_unsigned();
            assert!((area_m2(outside) - expected).abs() / expected < 1e-3);
        }
    }

    #[test]
    fn a_precinct_mostly_in_one_unit_takes_that_unit_and_lists_the_other() {
        let units = [
            rect(68.0, 48.0, 69.0, 49.0),
            rect(69.0, 48.0, 70.0, 49.0),
            rect(75.0, 40.0, 76.0, 41.0),
        ];
        let precinct = rect(68.97, 48.4, 69.07, 48.5);
        let c = &containment(&[precinct], &units)[0];
        assert_eq!(c.main_unit, Some(1));
        assert_eq!(c.touched, vec![0]);
        // Share by independent geodesic areas of the two lon/lat halves.
        let west = rect(68.97, 48.4, 69.0, 48.5).geodesic_area_unsigned();
        let east = rect(69.0, 48.4, 69.07, 48.5).geodesic_area_unsigned();
        assert!(
            (c.outside_share - west / (west + east)).abs() < 1e-3,
            "{}",
            c.outside_share
        );
    }

    #[test]
    fn a_precinct_wholly_inside_a_unit_has_no_outside_part() {
        let units = [rect(68.0, 48.0, 69.0, 49.0), rect(69.0, 48.0, 70.0, 49.0)];
        let precincts = [rect(68.2, 48.2, 68.3, 48.3), rect(69.0, 48.2, 69.3, 48.3)];
        let got = containment(&precincts, &units);
        for (c, unit) in got.iter().zip([0, 1]) {
            assert_eq!(c.main_unit, Some(unit));
            assert_eq!(c.outside_share, 0.0);
            assert!(c.touched.is_empty(), "{:?}", c.touched);
            assert_eq!(c.outside, None);
        }
    }

    #[test]
    fn a_precinct_in_no_unit_is_wholly_outside() {
        let got = containment(
            &[rect(10.0, 10.0, 10.1, 10.1)],
            &[rect(68.0, 48.0, 69.0, 49.0)],
        );
        assert_eq!(got[0].main_unit, None);
        assert_eq!(got[0].outside_share, 1.0);
    }

    #[test]
    fn invalid_precincts_and_units_do_not_stop_the_run() {
        let bow_tie = MultiPolygon(vec![
            polygon![(x: 68.0, y: 48.0), (x: 68.2, y: 48.2), (x: 68.2, y: 48.0), (x: 68.0, y: 48.2)],
        ]);
        let nan = MultiPolygon(vec![
            polygon![(x: 68.0, y: 48.0), (x: f64::NAN, y: 48.2), (x: 68.2, y: 48.0)],
        ]);
        let empty = MultiPolygon(vec![]);
        let units = [rect(68.0, 48.0, 69.0, 49.0), bow_tie.clone(), nan.clone()];
        let got = containment(&[bow_tie, nan, empty, rect(68.5, 48.5, 68.6, 48.6)], &units);
        assert_eq!(got.len(), 4);
        assert_eq!(got[3].main_unit, Some(0));
    }

    #[test]
    fn clipping_a_concave_unit_with_a_hole_keeps_the_overlay_exact() {
        // A comb-shaped unit (concave, many teeth) with a hole, and a precinct across it.
        let mut shell = vec![Coord { x: 70.0, y: 45.0 }, Coord { x: 71.0, y: 45.0 }];
        for k in (0..10).rev() {
            let x = 70.0 + k as f64 * 0.1;
            shell.extend([
                Coord {
                    x: x + 0.1,
                    y: 45.5,
                },
                Coord {
                    x: x + 0.05,
                    y: 45.5,
                },
                Coord {
                    x: x + 0.05,
                    y: 45.2,
                },
                Coord { x, y: 45.2 },
            ]);
        }
        let hole = LineString::from(vec![
            (70.31, 45.05),
            (70.39, 45.05),
            (70.39, 45.15),
            (70.31, 45.15),
        ]);
        let unit = MultiPolygon(vec![Polygon::new(LineString(shell), vec![hole])]);
        let precinct = rect(70.22, 45.1, 70.47, 45.4);
        let rect_box = geo::Rect::new(Coord { x: 70.2, y: 45.08 }, Coord { x: 70.5, y: 45.42 });
        let clipped = clip_to_rect(&unit, rect_box);
        let direct = area_m2(&precinct.intersection(&unit));
        let via_clip = area_m2(&precinct.intersection(&clipped));
        assert!(direct > 0.0);
        // Equal up to the overlay snapping coordinates to its integer grid (~1e-9 of the box).
        assert!(
            (direct - via_clip).abs() / direct < 1e-7,
            "{direct} vs {via_clip}"
        );
        let c = &containment(std::slice::from_ref(&precinct), &[unit])[0];
        assert_eq!(c.main_unit, Some(0));
        let expected = 1.0 - direct / area_m2(&precinct);
        assert!(
            (c.outside_share - expected).abs() < 1e-7,
            "{} vs {expected}",
            c.outside_share
        );
    }
}
