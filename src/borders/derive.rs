//! Precinct polygons derived from the address lists when none are drawn: the Voronoi cell of
//! every address point (a Delaunay triangulation by `spade`), merged per precinct and clipped
//! to the administrative unit holding the point.

use crate::model::{AddressPoint, AdminUnit, PrecinctNo, PrecinctPolygon, SourceRef};
use crate::spatial::PolygonIndex;
use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon, Rect};
use spade::{DelaunayTriangulation, Point2, Triangulation};
use std::collections::{BTreeMap, HashMap};

/// Derives one polygon per precinct from the points assigned to it (`derived = true`).
/// Points with no precinct keep their cells out of every polygon. Cells are clipped to the
/// unit of the finest admin level holding the point, or to the points' bounding box (with a
/// margin) when no unit holds it.
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

    // Work in a locally isotropic plane: x scaled by cos(latitude).
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in &coords {
        minx = minx.min(c.x);
        maxx = maxx.max(c.x);
        miny = miny.min(c.y);
        maxy = maxy.max(c.y);
    }
    let k = ((miny + maxy) / 2.0).to_radians().cos().max(0.01);
    let fwd = |c: Coord<f64>| Point2::new(c.x * k, c.y);
    let back = |p: Point2<f64>| Coord { x: p.x / k, y: p.y };

    let mut tri: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::new();
    let mut vertex_of: Vec<Option<spade::handles::FixedVertexHandle>> = vec![None; coords.len()];
    let mut owner: HashMap<spade::handles::FixedVertexHandle, usize> = HashMap::new();
    for (i, c) in coords.iter().enumerate() {
        if !c.x.is_finite() || !c.y.is_finite() {
            continue;
        }
        if let Ok(h) = tri.insert(fwd(*c)) {
            vertex_of[i] = Some(h);
            owner.entry(h).or_insert(i);
        }
    }
    // Far points so every real point's cell is bounded.
    let span = ((maxx - minx) * k).max(maxy - miny).max(1e-3);
    let (cx, cy) = ((minx + maxx) / 2.0 * k, (miny + maxy) / 2.0);
    for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
        let _ = tri.insert(Point2::new(cx + dx * span * 20.0, cy + dy * span * 20.0));
    }
    let margin = span * 0.05;
    let bbox = Rect::new(
        Coord {
            x: minx - margin / k,
            y: miny - margin,
        },
        Coord {
            x: maxx + margin / k,
            y: maxy + margin,
        },
    )
    .to_polygon();

    // Raw cells grouped by (precinct, unit).
    let mut groups: BTreeMap<(&PrecinctNo, Option<u32>), Vec<Polygon<f64>>> = BTreeMap::new();
    for (&h, &i) in &owner {
        let Some(Some(p)) = assignment.get(i) else {
            continue;
        };
        let v = tri.vertex(h);
        let mut ring: Vec<Coord<f64>> = Vec::new();
        let mut bounded = true;
        for e in v.out_edges() {
            match e.face().as_inner() {
                Some(f) => ring.push(back(f.circumcenter())),
                None => bounded = false,
            }
        }
        if !bounded || ring.len() < 3 {
            continue;
        }
        groups
            .entry((p, unit_of[i]))
            .or_default()
            .push(Polygon::new(LineString::from(ring), vec![]));
    }
    let _ = vertex_of;

    let mut per_precinct: BTreeMap<&PrecinctNo, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for ((p, unit), cells) in groups {
        let merged = geo::unary_union(&cells);
        let clip = match unit {
            Some(u) => unit_polys[u as usize].clone(),
            None => MultiPolygon(vec![bbox.clone()]),
        };
        per_precinct
            .entry(p)
            .or_default()
            .push(merged.intersection(&clip));
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
                geo::unary_union(&parts)
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
    use geo::{Area, Contains, Point};

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

    #[test]
    fn derived_polygons_hold_their_own_points_and_not_the_others() {
        let mut pts = Vec::new();
        let mut asg = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                pts.push(pt(76.0 + i as f64 * 0.001, 43.0 + j as f64 * 0.001));
                let p: PrecinctNo = if i < 5 { "1" } else { "2" }.parse().unwrap();
                asg.push(Some(p));
            }
        }
        let polys = derive_polygons(&pts, &asg, &[]);
        assert_eq!(polys.len(), 2);
        for (a, p) in pts.iter().zip(&asg) {
            let own = polys.iter().find(|q| Some(&q.no) == p.as_ref()).unwrap();
            let other = polys.iter().find(|q| Some(&q.no) != p.as_ref()).unwrap();
            assert!(own.geometry.contains(&Point(a.coord)));
            assert!(!other.geometry.contains(&Point(a.coord)));
            assert!(own.derived);
        }
        assert!(polys[0].geometry.unsigned_area() > 0.0);
    }
}
