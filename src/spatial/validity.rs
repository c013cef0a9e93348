use geo::algorithm::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line, MultiPolygon, Validation};
use rstar::{AABB, RTree, RTreeObject};

use super::containment::guarded;
use super::prepared::PreparedRings;

/// At most this many problems of one kind are listed per polygon; the rest are counted.
const MAX_LISTED: usize = 20;

/// Above this many vertices geo's own (quadratic) validation is skipped; the checks here
/// (segment index) cover the same ground.
const GEO_VALIDATION_MAX_VERTICES: usize = 5_000;

/// Where a ring is: part index (in the multipolygon) and ring (0 = exterior, k = hole k).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RingId {
    part: usize,
    ring: usize,
}

/// One segment of a ring, for the segment R-tree.
struct Seg {
    line: Line<f64>,
    ring: RingId,
    /// Position in the ring's (de-duplicated) vertex list.
    pos: usize,
    /// Number of segments in the ring.
    ring_len: usize,
}

impl RTreeObject for Seg {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.line.start.x, self.line.start.y],
            [self.line.end.x, self.line.end.y],
        )
    }
}

/// The problems that make a polygon invalid (self-intersection, unclosed or too-short ring,
/// hole outside its shell, non-finite coordinate...), described in words; empty when valid.
/// Never panics.
///
/// Each message names the place: `"self-intersection at 76.912300, 43.251100 (exterior ring
/// of part 1)"`. Parts and holes are numbered from 1. Checked: non-finite coordinates;
/// unclosed rings; rings with fewer than 4 points (3 distinct + closing); rings crossing or
/// touching themselves, folding back (spikes), or running along themselves; rings of one
/// polygon crossing or sharing an edge; parts crossing or sharing an edge; holes outside
/// their shell or inside another hole; parts inside other parts. For polygons of at most
/// 5,000 vertices geo's [`Validation`] runs too, and anything it finds that the checks
/// above did not is added.
///
/// # Examples
///
/// ```
/// use geo::{MultiPolygon, polygon};
/// use precincts::spatial::validate;
///
/// let bow_tie = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)]]);
/// let problems = validate(&bow_tie);
/// assert!(problems[0].starts_with("self-intersection at 1.000000, 1.000000"), "{problems:?}");
/// ```
pub fn validate(p: &MultiPolygon<f64>) -> Vec<String> {
    match guarded(|| validate_inner(p)) {
        Some(v) => v,
        None => vec!["the geometry could not be checked (the validity check failed on it)".into()],
    }
}

fn ring_name(id: RingId, n_parts: usize) -> String {
    let ring = if id.ring == 0 {
        "exterior ring".to_string()
    } else {
        format!("hole {}", id.ring)
    };
    if n_parts > 1 {
        format!("{ring} of part {}", id.part + 1)
    } else {
        ring
    }
}

fn at(c: Coord<f64>) -> String {
    format!("{:.6}, {:.6}", c.x, c.y)
}

fn validate_inner(p: &MultiPolygon<f64>) -> Vec<String> {
    let n_parts = p.0.len();
    let mut out = Vec::new();
    let mut segs = Vec::new();
    let mut finite_rings = true;
    for (k, poly) in p.0.iter().enumerate() {
        for (r, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            let id = RingId { part: k, ring: r };
            let name = ring_name(id, n_parts);
            let pts = &ring.0;
            if let Some((i, c)) = pts
                .iter()
                .enumerate()
                .find(|(_, c)| !(c.x.is_finite() && c.y.is_finite()))
            {
                out.push(format!(
                    "non-finite coordinate ({}, {}) at vertex {} of the {name}",
                    c.x, c.y, i
                ));
                finite_rings = false;
                continue;
            }
            if pts.is_empty() {
                if r == 0 {
                    out.push(format!("the {name} is empty"));
                }
                continue;
            }
            if pts[0] != pts[pts.len() - 1] {
                out.push(format!(
                    "the {name} is not closed: it starts at {} and ends at {}",
                    at(pts[0]),
                    at(pts[pts.len() - 1])
                ));
            }
            let mut v: Vec<Coord<f64>> = Vec::with_capacity(pts.len() + 1);
            for &c in pts {
                if v.last() != Some(&c) {
                    v.push(c);
                }
            }
            if v.len() > 1 && v[0] != v[v.len() - 1] {
                v.push(v[0]);
            }
            if v.len() < 4 {
                let distinct = if v.len() >= 2 { v.len() - 1 } else { v.len() };
                out.push(format!(
                    "the {name} has only {distinct} distinct points near {} (a ring needs at \
                     least 3 distinct points and a closing point, 4 in all)",
                    at(pts[0])
                ));
                continue;
            }
            let ring_len = v.len() - 1;
            for (pos, w) in v.windows(2).enumerate() {
                segs.push(Seg {
                    line: Line::new(w[0], w[1]),
                    ring: id,
                    pos,
                    ring_len,
                });
            }
        }
    }
    segment_problems(&segs, n_parts, &mut out);
    if finite_rings {
        nesting_problems(p, &mut out);
    }
    if out.is_empty() {
        let vertices: usize = p
            .0
            .iter()
            .map(|q| q.exterior().0.len() + q.interiors().iter().map(|r| r.0.len()).sum::<usize>())
            .sum();
        if vertices <= GEO_VALIDATION_MAX_VERTICES
            && let Some(errors) = guarded(|| p.validation_errors())
        {
            out.extend(errors.into_iter().map(|e| e.to_string()));
        }
    }
    out
}

/// Crossings, touches and shared stretches between segments, found with an R-tree.
fn segment_problems(segs: &[Seg], n_parts: usize, out: &mut Vec<String>) {
    let tree = RTree::bulk_load(
        segs.iter()
            .enumerate()
            .map(|(i, s)| IndexedSeg {
                envelope: s.envelope(),
                i,
            })
            .collect(),
    );
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    let mut counts = [0usize; 2];
    for (i, s) in segs.iter().enumerate() {
        for cand in tree.locate_in_envelope_intersecting(&s.envelope()) {
            let j = cand.i;
            if j <= i {
                continue;
            }
            let t = &segs[j];
            let same_ring = s.ring == t.ring;
            let adjacent = same_ring
                && (s.pos.abs_diff(t.pos) == 1
                    || (s.pos == 0 && t.pos == s.ring_len - 1)
                    || (t.pos == 0 && s.pos == s.ring_len - 1));
            let Some(x) = line_intersection(s.line, t.line) else {
                continue;
            };
            let where_ = if same_ring {
                format!("({})", ring_name(s.ring, n_parts))
            } else if s.ring.part == t.ring.part {
                format!(
                    "(between the {} and the {})",
                    ring_name(s.ring, n_parts),
                    ring_name(t.ring, n_parts)
                )
            } else {
                format!(
                    "(between parts {} and {})",
                    s.ring.part + 1,
                    t.ring.part + 1
                )
            };
            let msg = match x {
                LineIntersection::Collinear { intersection } => {
                    if adjacent {
                        Some(format!(
                            "spike: the ring folds back on itself at {} {where_}",
                            at(intersection.start)
                        ))
                    } else {
                        Some(format!(
                            "overlapping edges from {} to {} {where_}",
                            at(intersection.start),
                            at(intersection.end)
                        ))
                    }
                }
                LineIntersection::SinglePoint {
                    intersection,
                    is_proper,
                } => {
                    if adjacent {
                        None // consecutive segments meet at their shared vertex
                    } else if is_proper {
                        Some(format!(
                            "self-intersection at {} {where_}",
                            at(intersection)
                        ))
                    } else if same_ring {
                        Some(format!(
                            "self-intersection (the ring touches itself) at {} {where_}",
                            at(intersection)
                        ))
                    } else {
                        None // distinct rings or parts may touch at a point
                    }
                }
            };
            if let Some(m) = msg {
                let kind = usize::from(!same_ring);
                counts[kind] += 1;
                if counts[kind] <= MAX_LISTED {
                    found.push((i, j, m));
                }
            }
        }
    }
    // A crossing is seen once per segment pair; a crossing exactly at a vertex shows up
    // for two or four pairs: report each message once.
    let mut seen = std::collections::HashSet::new();
    for (_, _, m) in found {
        if seen.insert(m.clone()) {
            out.push(m);
        }
    }
    for (kind, what) in [
        (0, "self-intersections"),
        (1, "crossings between rings or parts"),
    ] {
        if counts[kind] > MAX_LISTED {
            out.push(format!("… and {} more {what}", counts[kind] - MAX_LISTED));
        }
    }
}

struct IndexedSeg {
    envelope: AABB<[f64; 2]>,
    i: usize,
}

impl RTreeObject for IndexedSeg {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Holes outside their shell or inside another hole; parts inside other parts. Assumes
/// rings that do not cross (crossings are reported by [`segment_problems`]): then one ring
/// is inside another when any of its vertices is.
fn nesting_problems(p: &MultiPolygon<f64>, out: &mut Vec<String>) {
    let n_parts = p.0.len();
    let inside_any = |ring: &geo::LineString<f64>, other: &PreparedRings| {
        ring.0.iter().any(|&c| other.contains(c))
    };
    let mut parts = Vec::with_capacity(n_parts);
    for (k, poly) in p.0.iter().enumerate() {
        let shell = PreparedRings::from_rings(&[poly.exterior()]);
        let holes: Vec<PreparedRings> = poly
            .interiors()
            .iter()
            .map(|h| PreparedRings::from_rings(&[h]))
            .collect();
        for (h, hole) in poly.interiors().iter().enumerate() {
            let name = ring_name(
                RingId {
                    part: k,
                    ring: h + 1,
                },
                n_parts,
            );
            if hole.0.is_empty() {
                continue;
            }
            if !inside_any(hole, &shell) {
                out.push(format!(
                    "the {name} lies outside its shell, at {}",
                    at(hole.0[0])
                ));
            }
            for (g, other) in holes.iter().enumerate() {
                if g != h && inside_any(hole, other) {
                    out.push(format!(
                        "the {name} lies inside hole {}, at {}",
                        g + 1,
                        at(hole.0[0])
                    ));
                    break;
                }
            }
        }
        parts.push(PreparedRings::new(std::iter::once(poly)));
    }
    if n_parts > 1 {
        for (k, poly) in p.0.iter().enumerate() {
            for (l, other) in parts.iter().enumerate() {
                if k != l && !poly.exterior().0.is_empty() && inside_any(poly.exterior(), other) {
                    out.push(format!(
                        "parts {} and {} overlap: part {} lies inside part {}, at {}",
                        k.min(l) + 1,
                        k.max(l) + 1,
                        k + 1,
                        l + 1,
                        at(poly.exterior().0[0])
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon, polygon};

    fn mp(p: Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![p])
    }

    #[test]
    fn a_bow_tie_reports_a_self_intersection_at_its_crossing() {
        let bow = mp(polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)]);
        let problems = validate(&bow);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("self-intersection at 1.000000, 1.000000"));
    }

    #[test]
    fn a_square_with_a_hole_is_valid() {
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
            interiors: [[(x: 4., y: 4.), (x: 6., y: 4.), (x: 6., y: 6.), (x: 4., y: 6.)]],
        );
        assert_eq!(validate(&mp(p)), Vec::<String>::new());
    }

    #[test]
    fn a_hole_outside_its_shell_is_reported() {
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
            interiors: [[(x: 4., y: 4.), (x: 6., y: 4.), (x: 6., y: 6.), (x: 4., y: 6.)]],
        );
        let problems = validate(&mp(p));
        assert!(
            problems
                .iter()
                .any(|m| m.contains("hole 1 lies outside its shell")),
            "{problems:?}"
        );
    }

    #[test]
    fn non_finite_coordinates_and_short_rings_are_reported_without_panic() {
        let nan = mp(Polygon::new(
            LineString::from(vec![(0., 0.), (f64::NAN, 0.), (1., 1.), (0., 0.)]),
            vec![],
        ));
        assert!(validate(&nan)[0].contains("non-finite coordinate"));
        let short = mp(Polygon::new(
            LineString::from(vec![(0., 0.), (1., 0.), (0., 0.)]),
            vec![],
        ));
        assert!(
            validate(&short)[0].contains("distinct points"),
            "{:?}",
            validate(&short)
        );
    }

    #[test]
    fn parts_sharing_an_edge_or_nested_are_reported() {
        let a = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
        let b = polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)];
        let inner =
            polygon![(x: 0.2, y: 0.2), (x: 0.4, y: 0.2), (x: 0.4, y: 0.4), (x: 0.2, y: 0.4)];
        let shared = validate(&MultiPolygon(vec![a.clone(), b]));
        assert!(
            shared.iter().any(|m| m.contains("overlapping edges")),
            "{shared:?}"
        );
        let nested = validate(&MultiPolygon(vec![a, inner]));
        assert!(
            nested
                .iter()
                .any(|m| m.contains("part 2 lies inside part 1")),
            "{nested:?}"
        );
    }

    #[test]
    fn a_ring_touching_itself_at_a_vertex_is_reported() {
        // A figure eight through (1, 1), traversed without crossing.
        let eight = mp(polygon![
            (x: 0., y: 0.), (x: 1., y: 1.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 1., y: 1.), (x: 0., y: 2.)
        ]);
        let problems = validate(&eight);
        assert!(
            problems.iter().any(|m| m.contains("at 1.000000, 1.000000")),
            "{problems:?}"
        );
    }
}
