use geo::{BooleanOps, MultiPolygon, Rect};
use rayon::prelude::*;
use rstar::{AABB, RTree};

use super::containment::{area_m2, guarded};
use super::prepared::{Boxed, PreparedRings};

/// Two polygons that overlap.
#[derive(Debug, Clone)]
pub struct Overlap {
    pub a: usize,
    pub b: usize,
    /// Area of the intersection in square metres (equal-area projection).
    pub area_m2: f64,
    pub geometry: MultiPolygon<f64>,
}

/// Every pair of polygons whose interiors overlap by more than `min_area_m2`.
///
/// Candidate pairs are those whose boxes meet (R-tree); each is confirmed by an exact
/// intersection (geo's boolean operations) measured with [`area_m2`]. Polygons that only
/// share an edge or a vertex intersect in zero area and are never reported, whatever
/// `min_area_m2` (an area must also exceed 1e-9 of the smaller polygon, to ignore rounding
/// slivers). Pairs come out with `a < b`, sorted by `(a, b)`. A boolean operation that
/// panics on degenerate input is caught; the area is then estimated from a 64 × 64 sample
/// grid over the two boxes' intersection and `geometry` is empty.
pub fn overlaps(polygons: &[MultiPolygon<f64>], min_area_m2: f64) -> Vec<Overlap> {
    let boxes: Vec<Boxed> = polygons
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Boxed::of(p, i))
        .collect();
    let tree = RTree::bulk_load(boxes.clone());
    let tree = &tree;
    let mut found: Vec<Overlap> = boxes
        .par_iter()
        .flat_map_iter(|ba| {
            let mut pairs: Vec<&Boxed> = tree
                .locate_in_envelope_intersecting(&ba.envelope)
                .filter(|bb| bb.index > ba.index)
                .collect();
            pairs.sort_unstable_by_key(|bb| bb.index);
            pairs
                .into_iter()
                .filter_map(move |bb| overlap_of(polygons, ba, bb, min_area_m2))
        })
        .collect();
    found.sort_by_key(|o| (o.a, o.b));
    found
}

fn overlap_of(
    polygons: &[MultiPolygon<f64>],
    ba: &Boxed,
    bb: &Boxed,
    min_area_m2: f64,
) -> Option<Overlap> {
    let (pa, pb) = (&polygons[ba.index], &polygons[bb.index]);
    let noise = 1e-9 * area_m2(pa).min(area_m2(pb));
    let threshold = min_area_m2.max(noise).max(0.0);
    let (area, geometry) = match guarded(|| pa.intersection(pb)) {
        Some(g) => (area_m2(&g), g),
        None => {
            let area = sampled_overlap(pa, pb, ba.envelope, bb.envelope);
            (area, MultiPolygon(Vec::new()))
        }
    };
    (area > threshold).then_some(Overlap {
        a: ba.index,
        b: bb.index,
        area_m2: area,
        geometry,
    })
}

/// Estimates the overlap area of two (possibly invalid) polygons by sampling the
/// intersection of their boxes on a 64 × 64 grid.
fn sampled_overlap(
    pa: &MultiPolygon<f64>,
    pb: &MultiPolygon<f64>,
    ea: AABB<[f64; 2]>,
    eb: AABB<[f64; 2]>,
) -> f64 {
    let lo = [
        ea.lower()[0].max(eb.lower()[0]),
        ea.lower()[1].max(eb.lower()[1]),
    ];
    let hi = [
        ea.upper()[0].min(eb.upper()[0]),
        ea.upper()[1].min(eb.upper()[1]),
    ];
    if !(lo[0] < hi[0] && lo[1] < hi[1]) {
        return 0.0;
    }
    let (qa, qb) = (
        PreparedRings::new(pa.0.iter()),
        PreparedRings::new(pb.0.iter()),
    );
    let mut hits = 0u32;
    for j in 0..64 {
        for i in 0..64 {
            let c = geo::Coord {
                x: lo[0] + (i as f64 + 0.5) / 64.0 * (hi[0] - lo[0]),
                y: lo[1] + (j as f64 + 0.5) / 64.0 * (hi[1] - lo[1]),
            };
            hits += (qa.contains(c) && qb.contains(c)) as u32;
        }
    }
    let cell = Rect::new(
        geo::coord! { x: lo[0], y: lo[1] },
        geo::coord! { x: hi[0], y: hi[1] },
    );
    area_m2(&MultiPolygon(vec![cell.to_polygon()])) * hits as f64 / 4096.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::synthetic_tiling;
    use geo::{GeodesicArea, coord, polygon};

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ])
    }

    #[test]
    fn two_overlapping_squares_report_the_overlap_area() {
        let polygons = [
            rect(76.90, 43.20, 76.92, 43.22),
            rect(76.91, 43.21, 76.93, 43.23),
            rect(70.0, 50.0, 70.01, 50.01),
        ];
        let found = overlaps(&polygons, 0.0);
        assert_eq!(found.len(), 1);
        let o = &found[0];
        assert_eq!((o.a, o.b), (0, 1));
        let expected = rect(76.91, 43.21, 76.92, 43.22).geodesic_area_unsigned();
        assert!(
            (o.area_m2 - expected).abs() / expected < 0.005,
            "{} vs {expected}",
            o.area_m2
        );
        assert!((area_m2(&o.geometry) - expected).abs() / expected < 0.005);
        // Above the overlap's area, nothing is reported.
        assert!(overlaps(&polygons, expected * 1.01).is_empty());
    }

    #[test]
    fn squares_sharing_an_edge_or_a_corner_do_not_overlap() {
        let polygons = [
            rect(70.0, 45.0, 70.1, 45.1),
            rect(70.1, 45.0, 70.2, 45.1),
            rect(70.1, 45.1, 70.2, 45.2),
        ];
        assert!(overlaps(&polygons, 0.0).is_empty());
    }

    #[test]
    fn a_jittered_tiling_has_no_overlaps_until_a_tile_moves() {
        let bbox = geo::Rect::new(coord! { x: 70.0, y: 45.0 }, coord! { x: 71.0, y: 46.0 });
        let mut tiles = synthetic_tiling(bbox, 8, 8, 18, 3);
        assert!(overlaps(&tiles, 0.0).is_empty());
        use geo::Translate;
        tiles[9] = tiles[9].translate(0.01, 0.0);
        let found = overlaps(&tiles, 0.0);
        assert!(
            found.iter().any(|o| (o.a, o.b) == (9, 10)),
            "{:?}",
            found.iter().map(|o| (o.a, o.b)).collect::<Vec<_>>()
        );
        assert!(found.iter().all(|o| o.a == 9 || o.b == 9));
    }
}
