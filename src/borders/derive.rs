//! Precinct polygons derived from the address lists when none are drawn: the Voronoi cells
//! of the address points (a Delaunay triangulation by `spade`), merged per precinct and
//! clipped to the administrative unit holding the points.
//!
//! The cells are computed unit by unit, among the points of that unit only, so that the
//! cells of a unit's points tile the whole unit: no part of a unit is left to nobody because
//! a point of the neighbouring unit was nearer, and no cell reaches into another unit.
//! Points in no unit share what lies outside every unit (within the points' bounding box).
//!
//! Several points at one coordinate (a building geocoded to a street's centroid, a block of
//! flats entered once per entrance) have one cell. It goes to the precinct that most of those
//! points are assigned to; on a tie, to the smallest precinct number in string order (the
//! order the findings' keys use). Points assigned to no precinct do not vote; when none of
//! the points is assigned the cell belongs to no polygon.

use crate::model::{AddressPoint, AdminUnit, PrecinctNo, PrecinctPolygon, SourceRef};
use crate::spatial::PolygonIndex;
use geo::{BooleanOps, BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;
use spade::{DelaunayTriangulation, Point2, Triangulation};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The precinct of a cell shared by the points `idx` (one coordinate): the one most of them
/// are assigned to, the smallest number (string order) on a tie; `None` when none is assigned.
pub(crate) fn cell_owner<'a>(
    idx: &[usize],
    assignment: &'a [Option<PrecinctNo>],
) -> Option<&'a PrecinctNo> {
    let mut counts: BTreeMap<&PrecinctNo, usize> = BTreeMap::new();
    for &i in idx {
        if let Some(Some(p)) = assignment.get(i) {
            *counts.entry(p).or_default() += 1;
        }
    }
    let mut best: Option<(&PrecinctNo, usize)> = None;
    // Ascending order: a later precinct must have strictly more points to win.
    for (p, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((p, n));
        }
    }
    best.map(|(p, _)| p)
}

/// A bounding box grown a coordinate at a time (empty: min > max).
#[derive(Clone, Copy)]
struct Bounds {
    min: Coord<f64>,
    max: Coord<f64>,
}

impl Bounds {
    fn new() -> Self {
        Bounds {
            min: Coord {
                x: f64::MAX,
                y: f64::MAX,
            },
            max: Coord {
                x: f64::MIN,
                y: f64::MIN,
            },
        }
    }

    fn grow(&mut self, c: Coord<f64>) {
        self.min.x = self.min.x.min(c.x);
        self.max.x = self.max.x.max(c.x);
        self.min.y = self.min.y.min(c.y);
        self.max.y = self.max.y.max(c.y);
    }

    /// The larger side in the plane where longitudes are scaled by `k` (at least 1e-3).
    fn span(&self, k: f64) -> f64 {
        ((self.max.x - self.min.x) * k)
            .max(self.max.y - self.min.y)
            .max(1e-3)
    }
}

/// The cells of the points `idx` (all in one unit, or all in none), computed among those
/// points only, merged per precinct and clipped to `clip`. `k` scales longitudes so that the
/// plane is locally isotropic.
fn unit_cells<'a>(
    idx: &[usize],
    coords: &[Coord<f64>],
    assignment: &'a [Option<PrecinctNo>],
    clip: &MultiPolygon<f64>,
    k: f64,
) -> Vec<(&'a PrecinctNo, MultiPolygon<f64>)> {
    if idx.is_empty() || clip.0.is_empty() {
        return Vec::new();
    }
    let fwd = |c: Coord<f64>| Point2::new(c.x * k, c.y);
    let back = |p: Point2<f64>| Coord { x: p.x / k, y: p.y };
    // The far points must lie well beyond both the points and the clip area, so that every
    // cell is bounded and true within the clip area.
    let mut b = Bounds::new();
    for &i in idx {
        b.grow(coords[i]);
    }
    if let Some(r) = clip.bounding_rect() {
        b.grow(r.min());
        b.grow(r.max());
    }
    let span = b.span(k);
    let (cx, cy) = ((b.min.x + b.max.x) / 2.0 * k, (b.min.y + b.max.y) / 2.0);

    let mut tri: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::new();
    // Points sharing a coordinate share a vertex: spade returns the existing one.
    let mut at: HashMap<spade::handles::FixedVertexHandle, Vec<usize>> = HashMap::new();
    for &i in idx {
        if let Ok(h) = tri.insert(fwd(coords[i])) {
            at.entry(h).or_default().push(i);
        }
    }
    for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
        let _ = tri.insert(Point2::new(cx + dx * span * 20.0, cy + dy * span * 20.0));
    }
    let mut cells: BTreeMap<&PrecinctNo, Vec<Polygon<f64>>> = BTreeMap::new();
    for (h, points) in &at {
        let Some(p) = cell_owner(points, assignment) else {
            continue;
        };
        let mut ring: Vec<Coord<f64>> = Vec::new();
        let mut bounded = true;
        for e in tri.vertex(*h).out_edges() {
            match e.face().as_inner() {
                Some(f) => ring.push(back(f.circumcenter())),
                None => bounded = false,
            }
        }
        if !bounded || ring.len() < 3 {
            continue;
        }
        cells
            .entry(p)
            .or_default()
            .push(Polygon::new(LineString::from(ring), vec![]));
    }
    cells
        .into_iter()
        .map(|(p, cells)| (p, geo::unary_union(&cells).intersection(clip)))
        .collect()
}

/// Derives one polygon per precinct from the points assigned to it (`derived = true`).
/// Points with no precinct keep their cells out of every polygon. The cells of the points of
/// an administrative unit (the finest level given) are computed among those points and
/// clipped to the unit, so they tile it; points in no unit share the rest of the points'
/// bounding box (with a 5% margin). See the module docs for points sharing a coordinate.
pub fn derive_polygons(
    addresses: &[AddressPoint],
    assignment: &[Option<PrecinctNo>],
    admin: &[AdminUnit],
) -> Vec<PrecinctPolygon> {
    if addresses.is_empty() {
        return Vec::new();
    }
    let level = admin.iter().map(|u| u.level).max();
    let units: Vec<&AdminUnit> = admin.iter().filter(|u| Some(u.level) == level).collect();
    let unit_polys: Vec<MultiPolygon<f64>> = units.iter().map(|u| u.geometry.clone()).collect();
    let coords: Vec<Coord<f64>> = addresses.iter().map(|a| a.coord).collect();
    let unit_of: Vec<Option<u32>> = if units.is_empty() {
        vec![None; coords.len()]
    } else {
        PolygonIndex::new(&unit_polys).locate_all(&coords)
    };

    // The points of each unit (None: of no unit); non-finite coordinates have no cell.
    let mut by_unit: BTreeMap<Option<u32>, Vec<usize>> = BTreeMap::new();
    let mut b = Bounds::new();
    for (i, c) in coords.iter().enumerate() {
        if !c.x.is_finite() || !c.y.is_finite() {
            continue;
        }
        b.grow(*c);
        by_unit.entry(unit_of[i]).or_default().push(i);
    }
    if by_unit.is_empty() {
        return Vec::new();
    }
    // Work in a locally isotropic plane: x scaled by cos(latitude).
    let k = ((b.min.y + b.max.y) / 2.0).to_radians().cos().max(0.01);
    // Outside every unit: the points' bounding box with a margin, less the units.
    let outside = || {
        let margin = b.span(k) * 0.05;
        let bbox = Rect::new(
            Coord {
                x: b.min.x - margin / k,
                y: b.min.y - margin,
            },
            Coord {
                x: b.max.x + margin / k,
                y: b.max.y + margin,
            },
        )
        .to_polygon();
        let near: Vec<Polygon<f64>> = unit_polys
            .iter()
            .filter(|u| u.intersects(&bbox))
            .flat_map(|u| u.0.iter().cloned())
            .collect();
        let bbox = MultiPolygon(vec![bbox]);
        if near.is_empty() {
            bbox
        } else {
            bbox.difference(&geo::unary_union(&near))
        }
    };
    let groups: Vec<(Option<u32>, Vec<usize>)> = by_unit.into_iter().collect();
    let parts: Vec<Vec<(&PrecinctNo, MultiPolygon<f64>)>> = groups
        .par_iter()
        .map(|(unit, idx)| {
            let clip = match unit {
                Some(u) => Cow::Borrowed(&unit_polys[*u as usize]),
                None => Cow::Owned(outside()),
            };
            unit_cells(idx, &coords, assignment, &clip, k)
        })
        .collect();

    let mut per_precinct: BTreeMap<&PrecinctNo, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for (p, g) in parts.into_iter().flatten() {
        if !g.0.is_empty() {
            per_precinct.entry(p).or_default().push(g);
        }
    }
    per_precinct
        .into_iter()
        .map(|(p, parts)| {
            let geometry = if parts.len() == 1 {
                parts
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| MultiPolygon(vec![]))
            } else {
                let polys: Vec<Polygon<f64>> = parts.into_iter().flat_map(|m| m.0).collect();
                geo::unary_union(&polys)
            };
            PrecinctPolygon {
                no: p.clone(),
                geometry,
                derived: true,
                source: SourceRef {
                    file: "derived from address lists".into(),
                    line: 0,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdminLevel, Kato};
    use geo::{Area, Contains, Point, polygon};

    fn pt(x: f64, y: f64) -> AddressPoint {
        AddressPoint {
            locality: "A".into(),
            street: "S".into(),
            house: "1".into(),
            building: String::new(),
            coord: Coord { x, y },
            source: SourceRef {
                file: "a".into(),
                line: 1,
            },
        }
    }

    fn p(s: &str) -> PrecinctNo {
        s.parse().unwrap()
    }

    fn unit(kato: &str, geometry: MultiPolygon<f64>) -> AdminUnit {
        AdminUnit {
            kato: kato.parse::<Kato>().unwrap(),
            level: AdminLevel::SubDistrict,
            name: None,
            geometry,
            source: SourceRef {
                file: "admin".into(),
                line: 1,
            },
        }
    }

    /// The derived polygon holding a coordinate, by a plain `contains` over all of them.
    fn holder(polys: &[PrecinctPolygon], c: Coord<f64>) -> Vec<String> {
        polys
            .iter()
            .filter(|q| q.geometry.contains(&Point(c)))
            .map(|q| q.no.to_string())
            .collect()
    }

    #[test]
    fn derived_polygons_hold_their_own_points_and_not_the_others() {
        let mut pts = Vec::new();
        let mut asg = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                pts.push(pt(76.0 + i as f64 * 0.001, 43.0 + j as f64 * 0.001));
                asg.push(Some(p(if i < 5 { "1" } else { "2" })));
            }
        }
        let polys = derive_polygons(&pts, &asg, &[]);
        assert_eq!(polys.len(), 2);
        for (a, want) in pts.iter().zip(&asg) {
            let want = want.as_ref().unwrap().to_string();
            assert_eq!(holder(&polys, a.coord), vec![want]);
        }
        assert!(polys.iter().all(|q| q.derived));
        assert!(polys[0].geometry.unsigned_area() > 0.0);
    }

    /// Unit A is a square, unit B an L (its notch lies outside both units). A's points crowd
    /// its eastern edge and B's points B's eastern half, so the Voronoi bisector between the
    /// two clusters runs inside B: a single triangulation would leave B's western strip to
    /// A's cells (then clipped away: a gap). Precinct 4 has a point in each unit.
    fn two_units() -> (Vec<AddressPoint>, Vec<Option<PrecinctNo>>, Vec<AdminUnit>) {
        let a = MultiPolygon(vec![polygon![
            (x: 76.00, y: 43.00), (x: 76.01, y: 43.00), (x: 76.01, y: 43.01), (x: 76.00, y: 43.01)
        ]]);
        let b = MultiPolygon(vec![polygon![
            (x: 76.01, y: 43.00), (x: 76.02, y: 43.00), (x: 76.02, y: 43.005),
            (x: 76.015, y: 43.005), (x: 76.015, y: 43.01), (x: 76.01, y: 43.01)
        ]]);
        let mut pts = Vec::new();
        let mut asg = Vec::new();
        for i in 0..4 {
            for j in 0..6 {
                // A: x 76.0070..76.0097
                pts.push(pt(76.007 + i as f64 * 0.0009, 43.0008 + j as f64 * 0.0016));
                asg.push(Some(p(if j < 3 { "1" } else { "2" })));
            }
        }
        for i in 0..4 {
            for j in 0..4 {
                // B's lower arm, eastern half: x 76.0160..76.0190, y 43.0005..43.0044
                pts.push(pt(76.016 + i as f64 * 0.001, 43.0005 + j as f64 * 0.0013));
                asg.push(Some(p("3")));
            }
        }
        pts.push(pt(76.0012, 43.0012));
        asg.push(Some(p("4")));
        pts.push(pt(76.0125, 43.0085));
        asg.push(Some(p("4")));
        (pts, asg, vec![unit("751010000", a), unit("751020000", b)])
    }

    #[test]
    fn derived_cells_are_clipped_to_the_unit_of_their_points() {
        let (pts, asg, units) = two_units();
        let polys = derive_polygons(&pts, &asg, &units);
        let names: Vec<String> = polys.iter().map(|q| q.no.to_string()).collect();
        assert_eq!(names, ["1", "2", "3", "4"]);
        let (a, b) = (&units[0].geometry, &units[1].geometry);
        // The units each precinct's points lie in, written by hand from two_units().
        let allowed: [(&str, MultiPolygon<f64>); 4] = [
            ("1", a.clone()),
            ("2", a.clone()),
            ("3", b.clone()),
            ("4", a.union(b)),
        ];
        for (no, unit) in &allowed {
            let q = polys.iter().find(|q| q.no.as_str() == *no).unwrap();
            let area = q.geometry.unsigned_area();
            let outside = q.geometry.difference(unit).unsigned_area();
            assert!(area > 0.0, "precinct {no} has no area");
            assert!(
                outside <= area * 1e-6,
                "precinct {no}: {outside} of {area} deg² outside its unit"
            );
        }
        // B's notch (outside both units) belongs to nobody, though B's cells border it.
        let notch = Coord {
            x: 76.018,
            y: 43.008,
        };
        assert!(holder(&polys, notch).is_empty());
        // Every point lies in its own precinct's polygon only.
        for (a, want) in pts.iter().zip(&asg) {
            let want = want.as_ref().unwrap().to_string();
            assert_eq!(holder(&polys, a.coord), vec![want]);
        }
    }

    #[test]
    fn the_cells_of_a_unit_tile_it_without_gaps_or_overlaps() {
        let (pts, asg, units) = two_units();
        let polys = derive_polygons(&pts, &asg, &units);
        let whole: f64 = units.iter().map(|u| u.geometry.unsigned_area()).sum();
        let sum: f64 = polys.iter().map(|q| q.geometry.unsigned_area()).sum();
        let all: Vec<Polygon<f64>> = polys.iter().flat_map(|q| q.geometry.0.clone()).collect();
        let union = geo::unary_union(&all).unsigned_area();
        // Every point is assigned, so the precincts cover both units exactly, once (up to
        // the rounding of the boolean operations: 1e-6 of 175 ha is 1.75 m²).
        assert!((sum - whole).abs() <= whole * 1e-6, "{sum} vs {whole}");
        assert!((union - whole).abs() <= whole * 1e-6, "{union} vs {whole}");
        // B's western strip, nearer to A's points than to B's, is still B's precinct 3 or 4.
        let strip = Coord {
            x: 76.0105,
            y: 43.002,
        };
        assert_eq!(holder(&polys, strip), vec!["3".to_string()]);
    }

    #[test]
    fn a_unit_far_larger_than_its_points_is_covered_whole() {
        // One degree square (about 80 x 110 km) and three points 100 m apart in its middle.
        let u = MultiPolygon(vec![polygon![
            (x: 76.0, y: 43.0), (x: 77.0, y: 43.0), (x: 77.0, y: 44.0), (x: 76.0, y: 44.0)
        ]]);
        let pts = vec![pt(76.5, 43.5), pt(76.501, 43.5), pt(76.5, 43.501)];
        let asg = vec![Some(p("1")), Some(p("2")), Some(p("2"))];
        let polys = derive_polygons(&pts, &asg, &[unit("751010000", u.clone())]);
        let sum: f64 = polys.iter().map(|q| q.geometry.unsigned_area()).sum();
        assert!((sum - 1.0).abs() < 1e-6, "{sum}");
        // Point 1 is the south-western one of the three: its cell runs to the unit's
        // south-western corner; the other corners are nearer to precinct 2's points.
        assert_eq!(holder(&polys, Coord { x: 76.01, y: 43.01 }), ["1"]);
        assert_eq!(holder(&polys, Coord { x: 76.01, y: 43.99 }), ["2"]);
        assert_eq!(holder(&polys, Coord { x: 76.99, y: 43.01 }), ["2"]);
    }

    #[test]
    fn points_at_one_coordinate_give_their_cell_to_the_majority_then_the_smallest_number() {
        let mut pts = Vec::new();
        let mut asg = Vec::new();
        for i in 0..6 {
            for j in 0..6 {
                pts.push(pt(76.0 + i as f64 * 0.001, 43.0 + j as f64 * 0.001));
                asg.push(Some(p("9")));
            }
        }
        // Three points at c1: 1, 2, 2 → 2 (the first point's precinct is 1).
        let c1 = Coord {
            x: 76.0015,
            y: 43.0015,
        };
        for q in ["1", "2", "2"] {
            pts.push(pt(c1.x, c1.y));
            asg.push(Some(p(q)));
        }
        // A tie at c2: 7, 5 → 5 (the first point's precinct is 7).
        let c2 = Coord {
            x: 76.0035,
            y: 43.0035,
        };
        for q in ["7", "5"] {
            pts.push(pt(c2.x, c2.y));
            asg.push(Some(p(q)));
        }
        // Unassigned points do not vote: none, none, 6 → 6.
        let c3 = Coord {
            x: 76.0035,
            y: 43.0015,
        };
        for q in [None, None, Some("6")] {
            pts.push(pt(c3.x, c3.y));
            asg.push(q.map(p));
        }
        // Nobody assigned: no polygon holds c4.
        let c4 = Coord {
            x: 76.0015,
            y: 43.0035,
        };
        for _ in 0..2 {
            pts.push(pt(c4.x, c4.y));
            asg.push(None);
        }
        let polys = derive_polygons(&pts, &asg, &[]);
        assert_eq!(holder(&polys, c1), ["2"]);
        assert_eq!(holder(&polys, c2), ["5"]);
        assert_eq!(holder(&polys, c3), ["6"]);
        assert!(holder(&polys, c4).is_empty());
        let names: Vec<String> = polys.iter().map(|q| q.no.to_string()).collect();
        assert_eq!(names, ["2", "5", "6", "9"]);
    }

    #[test]
    fn the_owner_of_a_shared_cell_is_the_majority_then_the_smallest_in_string_order() {
        let asg: Vec<Option<PrecinctNo>> = vec![
            Some(p("10")),
            Some(p("9")),
            Some(p("9")),
            Some(p("10")),
            None,
            None,
            None,
        ];
        assert_eq!(cell_owner(&[0, 1, 2], &asg), Some(&p("9")));
        // "10" < "9" in string order.
        assert_eq!(cell_owner(&[0, 1], &asg), Some(&p("10")));
        assert_eq!(cell_owner(&[4, 5, 6, 1], &asg), Some(&p("9")));
        assert_eq!(cell_owner(&[4, 5], &asg), None);
    }
}
