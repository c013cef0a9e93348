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
