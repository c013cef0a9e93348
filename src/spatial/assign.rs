use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, Ordering};

use geo::{Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};

use super::prepared::PreparedRings;

/// The envelope of one polygon part, as stored in the R-tree.
struct PartEnvelope {
    envelope: AABB<[f64; 2]>,
    part: u32,
}

impl RTreeObject for PartEnvelope {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Marks "no polygon" in the scatter buffer of [`PolygonIndex::locate_all`].
const NONE: u32 = u32::MAX;

/// An R-tree over polygons (precincts or admin units) that answers "which polygon holds
/// this point". Holes and multipolygons count; a point on an edge shared by two polygons
/// goes to exactly one of them, by a deterministic rule (documented on [`PolygonIndex::locate`]).
///
/// # Examples
///
/// ```
/// use geo::{Coord, MultiPolygon, polygon};
/// use precincts::spatial::PolygonIndex;
///
/// let west = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]]);
/// let east = MultiPolygon(vec![polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]]);
/// let index = PolygonIndex::new(&[west, east]);
/// assert_eq!(index.locate(Coord { x: 0.5, y: 0.5 }), Some(0));
/// // On the shared edge: the polygon to the east owns it.
/// assert_eq!(index.locate(Coord { x: 1.0, y: 0.5 }), Some(1));
/// assert_eq!(index.locate(Coord { x: 5.0, y: 0.5 }), None);
/// ```
pub struct PolygonIndex {
    tree: RTree<PartEnvelope>,
    /// One prepared polygon (shell and its holes) per part of every input multipolygon.
    parts: Vec<PreparedRings>,
    /// The input polygon each part belongs to.
    owner: Vec<u32>,
    /// Bounding box of everything, used to quantise coordinates into sort keys.
    bbox: Option<[f64; 4]>,
    len: usize,
}

impl PolygonIndex {
    /// Builds the index (bulk-loaded R-tree, prepared polygons).
    pub fn new(polygons: &[MultiPolygon<f64>]) -> Self {
        assert!(
            polygons.len() < NONE as usize,
            "PolygonIndex holds fewer than 2^32 - 1 polygons"
        );
        let prepared: Vec<(u32, PreparedRings)> = polygons
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, mp)| {
                mp.0.iter()
                    .map(move |p| (i as u32, PreparedRings::new(std::iter::once(p))))
            })
            .collect();
        let mut parts = Vec::with_capacity(prepared.len());
        let mut owner = Vec::with_capacity(prepared.len());
        let mut envelopes = Vec::with_capacity(prepared.len());
        let mut bbox: Option<[f64; 4]> = None;
        for (i, prep) in prepared {
            if prep.is_empty() {
                continue; // an empty or degenerate part can hold no point
            }
            let r = prep.bounding_rect();
            let b = bbox.get_or_insert([r.min().x, r.min().y, r.max().x, r.max().y]);
            b[0] = b[0].min(r.min().x);
            b[1] = b[1].min(r.min().y);
            b[2] = b[2].max(r.max().x);
            b[3] = b[3].max(r.max().y);
            envelopes.push(PartEnvelope {
                envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                part: parts.len() as u32,
            });
            parts.push(prep);
            owner.push(i);
        }
        PolygonIndex {
            tree: RTree::bulk_load(envelopes),
            parts,
            owner,
            bbox,
            len: polygons.len(),
        }
    }

    /// The number of polygons the index was built from.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the index was built from no polygons.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of the polygon holding `c`, if any.
    ///
    /// Boundary rule (half-open crossing number): a point on a boundary belongs to the
    /// polygon immediately **east** of it; on a horizontal edge, to the one immediately
    /// **north**; a vertex shared by several polygons, to the one covering its north-east
    /// corner. So a point on an edge shared by two polygons of a tiling (same vertices on
    /// both sides) goes to exactly one of them, the same on every run, and a point on the
    /// outer boundary of a tiling is inside only where the tiling lies east / north of it.
    /// Where polygons overlap (invalid input), the lowest index wins. Non-finite
    /// coordinates are in no polygon.
    pub fn locate(&self, c: Coord<f64>) -> Option<u32> {
        if !(c.x.is_finite() && c.y.is_finite()) {
            return None;
        }
        let mut best: Option<u32> = None;
        let _ = self.tree.locate_in_envelope_intersecting_int(
            &AABB::from_point([c.x, c.y]),
            |e: &PartEnvelope| {
                let owner = self.owner[e.part as usize];
                if best.is_none_or(|b| owner < b) && self.parts[e.part as usize].contains(c) {
                    best = Some(owner);
                }
                ControlFlow::<()>::Continue(())
            },
        );
        best
    }

    /// Locates many points: each distinct coordinate is tested once, in spatial order, in
    /// parallel. The result is in the order of `coords`.
    ///
    /// How: every point gets a Z-order (Morton) key of its coordinate quantised to 2³² steps
    /// per axis over the index's bounding box. Two streaming bucket passes on the top 8 and
    /// the next 8 bits of the key (a 256 × 256 grid) and a small sort per grid cell bring
    /// equal coordinates next to each other (deduplicated exactly, by comparing the
    /// coordinates within a run of equal keys) and make consecutive tests touch nearby
    /// polygons (cache locality). The points travel with their coordinates, so the only
    /// random memory access per point is writing its answer back to its input position.
    /// Top-level buckets are processed in parallel. A point equal to the one before it in
    /// `coords` skips all that and copies its answer (voter lists group a building's voters).
    /// Coordinates are equal when their bits are (so `0.0` and `-0.0` are tested apart).
    pub fn locate_all(&self, coords: &[Coord<f64>]) -> Vec<Option<u32>> {
        assert!(
            coords.len() < u32::MAX as usize,
            "locate_all takes fewer than 2^32 - 1 points"
        );
        let Some(bbox) = self.bbox else {
            return vec![None; coords.len()];
        };
        let sx = 4_294_967_295.0 / (bbox[2] - bbox[0]).max(f64::MIN_POSITIVE);
        let sy = 4_294_967_295.0 / (bbox[3] - bbox[1]).max(f64::MIN_POSITIVE);
        // `as u32` saturates (NaN → 0), so points outside the box fall on its border cells.
        let key = |c: &Coord<f64>| -> u64 {
            let qx = ((c.x - bbox[0]) * sx) as u32;
            let qy = ((c.y - bbox[1]) * sy) as u32;
            spread_bits(qx) | (spread_bits(qy) << 1)
        };

        // Pass 1, per input chunk in parallel: items into 256 buckets by the top 8 bits.
        let chunk_len = (coords.len() / (rayon::current_num_threads() * 4)).max(1 << 16);
        let chunks: Vec<Vec<Vec<Item>>> = coords
            .par_chunks(chunk_len)
            .enumerate()
            .map(|(ci, chunk)| {
                let mut buckets: Vec<Vec<Item>> = (0..256)
                    .map(|_| Vec::with_capacity(chunk.len() / 200))
                    .collect();
                for (j, c) in chunk.iter().enumerate() {
                    // A repeat of the previous point (voters of one building are usually
                    // listed together) copies its answer at the end instead.
                    if j > 0 && same_coord(c, &chunk[j - 1]) {
                        continue;
                    }
                    let k = key(c);
                    buckets[(k >> 56) as usize].push(Item {
                        key: k,
                        coord: *c,
                        pos: (ci * chunk_len + j) as u32,
                    });
                }
                buckets
            })
            .collect();

        let out: Vec<AtomicU32> = (0..coords.len())
            .into_par_iter()
            .map(|_| AtomicU32::new(NONE))
            .collect();
        // Pass 2, per top bucket in parallel: gather, bucket by the next 8 bits, sort each
        // cell, then test and answer.
        // One reusable buffer per worker: fresh memory costs a page fault per 4 KiB.
        (0..256usize)
            .into_par_iter()
            .for_each_init(Vec::new, |sorted, b| {
                let len: usize = chunks.iter().map(|c| c[b].len()).sum();
                if len == 0 {
                    return;
                }
                let mut cell_start = [0usize; 257];
                for c in &chunks {
                    for it in &c[b] {
                        cell_start[((it.key >> 48) & 0xFF) as usize + 1] += 1;
                    }
                }
                for i in 0..256 {
                    cell_start[i + 1] += cell_start[i];
                }
                let mut fill = cell_start;
                sorted.clear();
                sorted.resize(len, Item::default());
                for c in &chunks {
                    for it in &c[b] {
                        let cell = ((it.key >> 48) & 0xFF) as usize;
                        sorted[fill[cell]] = *it;
                        fill[cell] += 1;
                    }
                }
                for i in 0..256 {
                    sorted[cell_start[i]..cell_start[i + 1]].sort_unstable_by_key(|it| it.key);
                }
                // Big buckets (a city) are split further, at runs of equal keys.
                let pieces = (len / (1 << 16)).max(1);
                let mut cuts = vec![0usize];
                for p in 1..pieces {
                    let mut at = len * p / pieces;
                    while at < len && sorted[at].key == sorted[at - 1].key {
                        at += 1;
                    }
                    if at > *cuts.last().unwrap_or(&0) && at < len {
                        cuts.push(at);
                    }
                }
                cuts.push(len);
                cuts.par_windows(2)
                    .for_each(|w| self.answer_run(&sorted[w[0]..w[1]], &out));
            });
        // Fill in the repeats, chunk by chunk (a chunk's first point is never a repeat).
        out.par_chunks(chunk_len)
            .zip(coords.par_chunks(chunk_len))
            .for_each(|(answers, chunk)| {
                for j in 1..chunk.len() {
                    if same_coord(&chunk[j], &chunk[j - 1]) {
                        let a = answers[j - 1].load(Ordering::Relaxed);
                        answers[j].store(a, Ordering::Relaxed);
                    }
                }
            });
        out.into_par_iter()
            .map(|a| {
                let v = a.into_inner();
                (v != NONE).then_some(v)
            })
            .collect()
    }

    /// Tests each distinct coordinate of key-sorted `items` once and stores the answers.
    fn answer_run(&self, items: &[Item], out: &[AtomicU32]) {
        let mut seen: Vec<(Coord<f64>, u32)> = Vec::new();
        let mut run_key = None;
        for it in items {
            if run_key != Some(it.key) {
                run_key = Some(it.key);
                seen.clear();
            }
            let c = it.coord;
            let answer = match seen.iter().find(|s| same_coord(&s.0, &c)) {
                Some(&(_, a)) => a,
                None => {
                    let a = self.locate(c).unwrap_or(NONE);
                    seen.push((c, a));
                    a
                }
            };
            out[it.pos as usize].store(answer, Ordering::Relaxed);
        }
    }
}

/// Bitwise equality of coordinates (what "the same coordinate" means for deduplication).
fn same_coord(a: &Coord<f64>, b: &Coord<f64>) -> bool {
    a.x.to_bits() == b.x.to_bits() && a.y.to_bits() == b.y.to_bits()
}

/// A point waiting for its polygon: Morton key, exact coordinate, input position.
#[derive(Debug, Clone, Copy, Default)]
struct Item {
    key: u64,
    coord: Coord<f64>,
    pos: u32,
}

/// Spreads the 32 bits of `v` to the even bits of a u64 (for Morton keys).
fn spread_bits(v: u32) -> u64 {
    let mut x = v as u64;
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::synthetic_tiling;
    use geo::{Contains, Intersects, Point, Rect, coord, polygon};

    fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)
        ]])
    }

    /// A deterministic stream of numbers in [0, 1).
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn a_point_in_a_hole_is_in_no_polygon() {
        let donut = MultiPolygon(vec![polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            interiors: [[(x: 4., y: 4.), (x: 6., y: 4.), (x: 6., y: 6.), (x: 4., y: 6.)]],
        )]);
        let index = PolygonIndex::new(&[donut]);
        assert_eq!(index.locate(coord! { x: 5., y: 5. }), None);
        assert_eq!(index.locate(coord! { x: 1., y: 5. }), Some(0));
    }

    #[test]
    fn a_point_in_a_hole_filled_by_another_polygon_goes_to_that_polygon() {
        let donut = MultiPolygon(vec![polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            interiors: [[(x: 4., y: 4.), (x: 6., y: 4.), (x: 6., y: 6.), (x: 4., y: 6.)]],
        )]);
        let index = PolygonIndex::new(&[donut, square(4., 4., 2.)]);
        assert_eq!(index.locate(coord! { x: 5., y: 5. }), Some(1));
    }

    #[test]
    fn every_part_of_a_multipolygon_belongs_to_it() {
        let mut two = square(0., 0., 1.);
        two.0.extend(square(5., 5., 1.).0);
        let index = PolygonIndex::new(&[square(2., 2., 1.), two]);
        assert_eq!(index.locate(coord! { x: 0.5, y: 0.5 }), Some(1));
        assert_eq!(index.locate(coord! { x: 5.5, y: 5.5 }), Some(1));
        assert_eq!(index.locate(coord! { x: 2.5, y: 2.5 }), Some(0));
        assert_eq!(index.locate(coord! { x: 3.5, y: 3.5 }), None);
    }

    #[test]
    fn a_point_on_a_shared_edge_belongs_to_exactly_one_square_the_same_every_run() {
        // West square 0, east square 1, and square 2 north of square 0.
        let squares = [square(0., 0., 1.), square(1., 0., 1.), square(0., 1., 1.)];
        for _ in 0..3 {
            let index = PolygonIndex::new(&squares);
            // Vertical shared edge x = 1: the eastern square owns it.
            for y in [0.0, 0.25, 0.5, 0.999] {
                assert_eq!(index.locate(coord! { x: 1., y: y }), Some(1), "y = {y}");
            }
            // Horizontal shared edge y = 1 (between 0 and 2): the northern square owns it.
            for x in [0.0, 0.3, 0.999] {
                assert_eq!(index.locate(coord! { x: x, y: 1. }), Some(2), "x = {x}");
            }
        }
        // Whatever the order of the polygons, the same square owns the edge.
        let reversed = [squares[2].clone(), squares[1].clone(), squares[0].clone()];
        let index = PolygonIndex::new(&reversed);
        assert_eq!(index.locate(coord! { x: 1., y: 0.5 }), Some(1));
        assert_eq!(index.locate(coord! { x: 0.5, y: 1. }), Some(0));
    }

    #[test]
    fn a_vertex_shared_by_four_squares_belongs_to_the_north_east_one_only() {
        let squares = [
            square(0., 0., 1.), // south-west
            square(1., 0., 1.), // south-east
            square(0., 1., 1.), // north-west
            square(1., 1., 1.), // north-east
        ];
        let index = PolygonIndex::new(&squares);
        assert_eq!(index.locate(coord! { x: 1., y: 1. }), Some(3));
        let owners = squares
            .iter()
            .filter(|s| {
                PolygonIndex::new(std::slice::from_ref(*s))
                    .locate(coord! { x: 1., y: 1. })
                    .is_some()
            })
            .count();
        assert_eq!(owners, 1, "the shared vertex has exactly one owner");
    }

    #[test]
    fn non_finite_and_far_away_points_are_in_no_polygon() {
        let index = PolygonIndex::new(&[square(0., 0., 1.)]);
        assert_eq!(index.locate(coord! { x: f64::NAN, y: 0.5 }), None);
        assert_eq!(index.locate(coord! { x: 0.5, y: f64::INFINITY }), None);
        assert_eq!(
            index.locate_all(&[
                coord! { x: f64::NAN, y: 0.5 },
                coord! { x: 0.5, y: 0.5 },
                coord! { x: 9., y: 9. }
            ]),
            vec![None, Some(0), None]
        );
        assert_eq!(
            PolygonIndex::new(&[]).locate_all(&[coord! { x: 0., y: 0. }]),
            vec![None]
        );
    }

    /// The expected owner by brute force with geo's predicates: the one polygon containing
    /// the point; for a point on boundaries, the one containing it nudged a tiny step east,
    /// or if that is on a boundary too, east and then north (the documented rule).
    fn brute_force(tiles: &[MultiPolygon<f64>], c: Coord<f64>) -> Option<u32> {
        let p = Point(c);
        let inside: Vec<u32> = (0..tiles.len() as u32)
            .filter(|&i| tiles[i as usize].contains(&p))
            .collect();
        assert!(inside.len() <= 1, "a tiling has no overlaps");
        if let Some(&i) = inside.first() {
            return Some(i);
        }
        if !tiles.iter().any(|t| t.intersects(&p)) {
            return None;
        }
        // East first; only if that lands on a boundary again (a horizontal edge), north.
        for nudge in [coord! { x: 1e-9, y: 0.0 }, coord! { x: 1e-9, y: 1e-12 }] {
            let nudged = Point(c + nudge);
            if let Some(i) = (0..tiles.len() as u32).find(|&i| tiles[i as usize].contains(&nudged))
            {
                return Some(i);
            }
            if !tiles.iter().any(|t| t.intersects(&nudged)) {
                return None;
            }
        }
        panic!("no owner found for {c:?}")
    }

    #[test]
    fn locate_all_agrees_with_a_brute_force_contains_over_a_random_tiling() {
        let bbox = Rect::new(coord! { x: 50.0, y: 41.0 }, coord! { x: 56.0, y: 45.0 });
        let tiles = synthetic_tiling(bbox, 12, 8, 12, 2024);
        let index = PolygonIndex::new(&tiles);
        let mut r = uniform(7);
        let mut coords: Vec<Coord<f64>> = (0..3000)
            .map(|_| coord! { x: 49.5 + 7.0 * r(), y: 40.5 + 5.0 * r() })
            .collect();
        // Vertices of the tiling: on edges shared by two tiles, or corners shared by more.
        for t in tiles.iter().step_by(5) {
            coords.extend(t.0[0].exterior().0.iter().step_by(3).copied());
        }
        // Repeat some points, as voters of one building share a coordinate.
        let repeats: Vec<Coord<f64>> = coords.iter().step_by(7).copied().collect();
        coords.extend(repeats);
        let got = index.locate_all(&coords);
        for (k, &c) in coords.iter().enumerate() {
            assert_eq!(got[k], brute_force(&tiles, c), "point {k} at {c:?}");
            assert_eq!(got[k], index.locate(c));
        }
        assert!(
            got.iter().filter(|g| g.is_none()).count() > 100,
            "some points fall outside"
        );
    }

    #[test]
    fn coordinates_one_step_apart_are_told_apart_and_repeats_agree() {
        // x = 1 is the shared edge: 1.0 goes east, the next float below goes west; both have
        // the same sort key, so they must be deduplicated by exact coordinate.
        let squares = [square(0., 0., 1.), square(1., 0., 1.)];
        let index = PolygonIndex::new(&squares);
        let west = coord! { x: 1.0f64.next_down(), y: 0.5 };
        let east = coord! { x: 1.0, y: 0.5 };
        let coords: Vec<Coord<f64>> = (0..1000)
            .map(|i| if i % 3 == 0 { west } else { east })
            .collect();
        let got = index.locate_all(&coords);
        for (c, g) in coords.iter().zip(&got) {
            assert_eq!(*g, Some(if *c == west { 0 } else { 1 }));
        }
    }

    #[test]
    fn many_points_in_many_buckets_match_one_by_one_location() {
        let bbox = Rect::new(coord! { x: 46.5, y: 40.6 }, coord! { x: 87.3, y: 55.4 });
        let tiles = synthetic_tiling(bbox, 30, 20, 6, 5);
        let index = PolygonIndex::new(&tiles);
        let mut r = uniform(3);
        let sites: Vec<Coord<f64>> = (0..20_000)
            .map(|_| coord! { x: 46.0 + 42.0 * r(), y: 40.0 + 16.0 * r() })
            .collect();
        // A crowded city: many points in one small area, split over several pieces.
        let city: Vec<Coord<f64>> = (0..150_000)
            .map(|_| coord! { x: 76.9 + 0.01 * r(), y: 43.2 + 0.01 * r() })
            .collect();
        let mut coords: Vec<Coord<f64>> = (0..300_000)
            .map(|i| {
                if i % 2 == 0 {
                    sites[(r() * 20_000.0) as usize]
                } else {
                    city[i / 2]
                }
            })
            .collect();
        // Voters of one building listed together: runs of one coordinate, the first longer
        // than a chunk of the first pass (65,536 points), so it crosses a chunk boundary.
        for (k, &site) in sites.iter().enumerate().take(2000) {
            let run = if k == 0 { 70_000 } else { 1 + k % 7 };
            coords.extend(std::iter::repeat_n(site, run));
        }
        let got = index.locate_all(&coords);
        for (c, g) in coords.iter().zip(&got) {
            assert_eq!(*g, index.locate(*c));
        }
    }
}
