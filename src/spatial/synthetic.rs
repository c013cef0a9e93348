//! A deterministic generator of polygon tilings with wiggly shared edges, for benchmarks,
//! tests and the national-scale demo.

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};

/// SplitMix64: a tiny, good-enough deterministic hash for jitter.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [-1, 1) from a seed and a few keys.
fn jitter(seed: u64, a: u64, b: u64, c: u64) -> f64 {
    let h = mix(seed ^ mix(a ^ mix(b ^ mix(c))));
    (h >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// A tiling of `bbox` by `nx × ny` polygons (row-major from the south-west: polygon
/// `j * nx + i` is column `i`, row `j`), each a jittered grid cell.
///
/// Grid nodes inside the box move by up to 15 % of a cell; nodes on the box's border slide
/// only along it, so the tiles cover exactly `bbox`. Every edge between two nodes is
/// subdivided into a varying number of vertices (between about `vertices_per_edge / 4` and
/// `7 * vertices_per_edge / 4`, mean `vertices_per_edge`), displaced sideways by up to 6 % of
/// the edge length (tapering to zero at its ends) on inner edges. The two tiles sharing an
/// edge use bit-identical vertices, so the result has no gaps or overlaps, and every tile is
/// a valid, counter-clockwise polygon. With `vertices_per_edge = 18`, tiles have about
/// 20–130 vertices, median ≈ 75. The same arguments always give the same tiling.
///
/// # Examples
///
/// ```
/// use geo::{Area, Rect, coord};
/// use precincts::spatial::synthetic_tiling;
///
/// let bbox = Rect::new(coord! { x: 0., y: 0. }, coord! { x: 4., y: 3. });
/// let tiles = synthetic_tiling(bbox, 4, 3, 10, 7);
/// assert_eq!(tiles.len(), 12);
/// let total: f64 = tiles.iter().map(|t| t.unsigned_area()).sum();
/// assert!((total - 12.0).abs() < 1e-9);
/// ```
pub fn synthetic_tiling(
    bbox: Rect<f64>,
    nx: usize,
    ny: usize,
    vertices_per_edge: usize,
    seed: u64,
) -> Vec<MultiPolygon<f64>> {
    if nx == 0 || ny == 0 {
        return Vec::new();
    }
    let (x0, y0) = (bbox.min().x, bbox.min().y);
    let (cw, ch) = (bbox.width() / nx as f64, bbox.height() / ny as f64);
    let node = |i: usize, j: usize| -> Coord<f64> {
        let mut x = x0 + i as f64 * cw;
        let mut y = y0 + j as f64 * ch;
        if i > 0 && i < nx {
            x += 0.15 * cw * jitter(seed, 1, i as u64, j as u64);
        }
        if j > 0 && j < ny {
            y += 0.15 * ch * jitter(seed, 2, i as u64, j as u64);
        }
        // Exact values on the border, so the tiling covers `bbox` exactly.
        if i == nx {
            x = bbox.max().x;
        }
        if j == ny {
            y = bbox.max().y;
        }
        Coord { x, y }
    };
    // The intermediate vertices of the edge from node `a` to node `b` (exclusive), keyed by
    // the edge so both tiles get identical points.
    let edge = |kind: u64, i: usize, j: usize, a: Coord<f64>, b: Coord<f64>, inner: bool| {
        let key = (i as u64) << 32 | j as u64;
        let spread = jitter(seed, 3 + kind, key, 0) * 0.75;
        let n = ((vertices_per_edge as f64) * (1.0 + spread))
            .round()
            .max(0.0) as usize;
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        (1..=n)
            .map(|k| {
                let t = k as f64 / (n + 1) as f64;
                let off = if inner {
                    0.06 * (std::f64::consts::PI * t).sin() * jitter(seed, 5 + kind, key, k as u64)
                } else {
                    0.0
                };
                // Sideways offset is relative to the edge (perpendicular: (-dy, dx)).
                Coord {
                    x: a.x + t * dx - off * dy,
                    y: a.y + t * dy + off * dx,
                }
            })
            .collect::<Vec<_>>()
    };
    // Horizontal edge (i, j)→(i + 1, j) and vertical edge (i, j)→(i, j + 1).
    let h_edge = |i: usize, j: usize| edge(0, i, j, node(i, j), node(i + 1, j), j > 0 && j < ny);
    let v_edge = |i: usize, j: usize| edge(1, i, j, node(i, j), node(i, j + 1), i > 0 && i < nx);

    let mut tiles = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let mut ring = Vec::new();
            ring.push(node(i, j));
            ring.extend(h_edge(i, j));
            ring.push(node(i + 1, j));
            ring.extend(v_edge(i + 1, j));
            ring.push(node(i + 1, j + 1));
            ring.extend(h_edge(i, j + 1).into_iter().rev());
            ring.push(node(i, j + 1));
            ring.extend(v_edge(i, j).into_iter().rev());
            ring.push(node(i, j));
            tiles.push(MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]));
        }
    }
    tiles
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, Validation, coord};

    #[test]
    fn tiles_are_valid_and_cover_the_box_without_overlap() {
        let bbox = Rect::new(coord! { x: 50.0, y: 40.0 }, coord! { x: 53.0, y: 42.0 });
        let tiles = synthetic_tiling(bbox, 6, 4, 18, 42);
        assert_eq!(tiles.len(), 24);
        let total: f64 = tiles.iter().map(|t| t.unsigned_area()).sum();
        assert!((total - 6.0).abs() < 1e-9, "total area {total}");
        for (k, t) in tiles.iter().enumerate() {
            assert!(t.is_valid(), "tile {k}: {:?}", t.validation_errors());
        }
        // Right and upper neighbours share edges but no area.
        for j in 0..4 {
            for i in 0..6 {
                let a = &tiles[j * 6 + i];
                for b in [
                    (i + 1 < 6).then(|| &tiles[j * 6 + i + 1]),
                    (j + 1 < 4).then(|| &tiles[(j + 1) * 6 + i]),
                ]
                .into_iter()
                .flatten()
                {
                    assert!(a.intersection(b).unsigned_area() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_tiling_and_vertex_counts_vary() {
        let bbox = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
        let a = synthetic_tiling(bbox, 10, 10, 18, 1);
        let b = synthetic_tiling(bbox, 10, 10, 18, 1);
        assert_eq!(a, b);
        let mut n: Vec<usize> = a.iter().map(|t| t.0[0].exterior().0.len()).collect();
        n.sort();
        assert!(n[0] >= 15 && n[99] <= 140, "{n:?}");
        assert!((55..=95).contains(&n[50]), "median {}", n[50]);
    }
}
