//! The plan: regions laid out as jittered grids of precinct cells, districts as column
//! strips, address points along streets, voters per cell, and the planted problems.
//!
//! Geometry: every grid vertex and every edge's intermediate points are computed from the
//! seed and the edge's identity, so two cells sharing an edge get bit-identical vertices.
//! A point is placed by bilinear interpolation of its cell's corners at (u, v) in
//! [0.12, 0.88]²: far from every edge (edges wiggle by at most 0.03 of a cell).

use super::names::{self, REGIONS};
use super::rng::Rng;
use super::{
    Address, BadRow, BadRowKind, DemoError, DemoOptions, District, Expected, ExpectedReject,
    HouseNo, HouseSuffix, Planted, Precinct, Region, StationPlan, Street, Town, VoterOverride,
    Written,
};
use crate::model::{FindingCode, Kato, PrecinctNo, StationMark};
use geo::{Coord, LineString, Polygon};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The voter cap the expectations are computed against (the checker's default).
pub const CAP: u32 = 3000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Edge {
    /// From vertex (i, j) to (i + 1, j).
    H(usize, usize),
    /// From vertex (i, j) to (i, j + 1).
    V(usize, usize),
}

type Cell = (usize, usize);

/// Where no address point may be placed in a cell, in (u, v).
#[derive(Debug, Clone, Copy)]
enum Excl {
    ULess(f64),
    Box(f64, f64, f64, f64),
}

struct Grid {
    seed: u64,
    region: usize,
    k: usize,
    r: usize,
    /// District column starts, `D + 1` entries (last = k).
    dcols: Vec<usize>,
    verts: Vec<Coord<f64>>,
    dlon: f64,
    dlat: f64,
    straight: HashSet<Edge>,
    overrides: HashMap<Edge, (Vec<Coord<f64>>, Vec<Cell>)>,
    excl: Vec<(Cell, Excl)>,
}

impl Grid {
    fn new(seed: u64, region: usize, k: usize, r: usize, d: usize, cell_km: f64) -> Grid {
        let spec = &REGIONS[region];
        let dlat = cell_km / 111.0;
        let dlon = cell_km / (111.32 * spec.lat.to_radians().cos());
        let lon0 = spec.lon - k as f64 * dlon / 2.0;
        let lat0 = spec.lat - r as f64 * dlat / 2.0;
        let mut verts = Vec::with_capacity((k + 1) * (r + 1));
        for j in 0..=r {
            for i in 0..=k {
                let mut rng = Rng::keyed(seed, &[1, region as u64, i as u64, j as u64]);
                let jx = if i > 0 && i < k {
                    rng.range(-0.15, 0.15)
                } else {
                    0.0
                };
                let jy = if j > 0 && j < r {
                    rng.range(-0.15, 0.15)
                } else {
                    0.0
                };
                verts.push(Coord {
                    x: lon0 + (i as f64 + jx) * dlon,
                    y: lat0 + (j as f64 + jy) * dlat,
                });
            }
        }
        let mut dcols = Vec::with_capacity(d + 1);
        for t in 0..=d {
            dcols.push(t * k / d);
        }
        Grid {
            seed,
            region,
            k,
            r,
            dcols,
            verts,
            dlon,
            dlat,
            straight: HashSet::new(),
            overrides: HashMap::new(),
            excl: Vec::new(),
        }
    }

    fn vert(&self, i: usize, j: usize) -> Coord<f64> {
        self.verts[j * (self.k + 1) + i]
    }

    fn bilin(&self, (c, r): Cell, u: f64, v: f64) -> Coord<f64> {
        let a = self.vert(c, r);
        let b = self.vert(c + 1, r);
        let d = self.vert(c, r + 1);
        let e = self.vert(c + 1, r + 1);
        Coord {
            x: (1.0 - u) * (1.0 - v) * a.x
                + u * (1.0 - v) * b.x
                + u * v * e.x
                + (1.0 - u) * v * d.x,
            y: (1.0 - u) * (1.0 - v) * a.y
                + u * (1.0 - v) * b.y
                + u * v * e.y
                + (1.0 - u) * v * d.y,
        }
    }

    fn base_interior(&self, e: Edge) -> Vec<Coord<f64>> {
        if self.straight.contains(&e) {
            return Vec::new();
        }
        let (a, b, kind, i, j) = match e {
            Edge::H(i, j) => (self.vert(i, j), self.vert(i + 1, j), 0u64, i, j),
            Edge::V(i, j) => (self.vert(i, j), self.vert(i, j + 1), 1u64, i, j),
        };
        let mut rng = Rng::keyed(
            self.seed,
            &[2, self.region as u64, kind, i as u64, j as u64],
        );
        let m = 1 + rng.below(4) as usize;
        let n = m as f64 + 1.0;
        (0..m)
            .map(|t| {
                let t = (t as f64 + 1.0 + rng.range(-0.15, 0.15)) / n;
                let off = rng.range(-0.03, 0.03);
                let p = Coord {
                    x: a.x + (b.x - a.x) * t,
                    y: a.y + (b.y - a.y) * t,
                };
                if kind == 0 {
                    Coord {
                        x: p.x,
                        y: p.y + off * self.dlat,
                    }
                } else {
                    Coord {
                        x: p.x + off * self.dlon,
                        y: p.y,
                    }
                }
            })
            .collect()
    }

    fn interior(&self, e: Edge, cell: Option<Cell>) -> Vec<Coord<f64>> {
        if let (Some(cell), Some((pts, cells))) = (cell, self.overrides.get(&e))
            && cells.contains(&cell)
        {
            return pts.clone();
        }
        self.base_interior(e)
    }

    fn cell_ring(&self, (c, r): Cell) -> Vec<Coord<f64>> {
        let cell = Some((c, r));
        let mut ring = vec![self.vert(c, r)];
        ring.extend(self.interior(Edge::H(c, r), cell));
        ring.push(self.vert(c + 1, r));
        ring.extend(self.interior(Edge::V(c + 1, r), cell));
        ring.push(self.vert(c + 1, r + 1));
        ring.extend(self.interior(Edge::H(c, r + 1), cell).into_iter().rev());
        ring.push(self.vert(c, r + 1));
        ring.extend(self.interior(Edge::V(c, r), cell).into_iter().rev());
        ring.push(self.vert(c, r));
        ring
    }

    /// The outline of columns `s..e` (a district, or the whole region).
    fn outline(&self, s: usize, e: usize) -> Vec<Coord<f64>> {
        let mut ring = Vec::new();
        for c in s..e {
            ring.push(self.vert(c, 0));
            ring.extend(self.base_interior(Edge::H(c, 0)));
        }
        for j in 0..self.r {
            ring.push(self.vert(e, j));
            ring.extend(self.base_interior(Edge::V(e, j)));
        }
        for c in (s..e).rev() {
            ring.push(self.vert(c + 1, self.r));
            ring.extend(self.base_interior(Edge::H(c, self.r)).into_iter().rev());
        }
        for j in (0..self.r).rev() {
            ring.push(self.vert(s, j + 1));
            ring.extend(self.base_interior(Edge::V(s, j)).into_iter().rev());
        }
        ring.push(self.vert(s, 0));
        ring
    }

    fn excluded(&self, cell: Cell, u: f64, v: f64) -> bool {
        self.excl.iter().any(|&(c, x)| {
            c == cell
                && match x {
                    Excl::ULess(a) => u < a,
                    Excl::Box(u0, u1, v0, v1) => u >= u0 && u <= u1 && v >= v0 && v <= v1,
                }
        })
    }

    fn district_of(&self, c: usize) -> usize {
        self.dcols
            .windows(2)
            .position(|w| c >= w[0] && c < w[1])
            .expect("column in a district")
    }
}

/// The cells of one region's planted problems.
#[derive(Debug, Clone, Copy)]
struct Plant {
    /// Crosses into the next district (x), its neighbour there (y).
    x: Cell,
    y: Cell,
    /// Overlap: p's polygon reaches into q.
    p: Cell,
    q: Cell,
    /// Self-intersecting ring.
    v: Cell,
    /// Hole (gap) with houses listed in b: over the cap by list only.
    b: Cell,
    /// Over the cap by polygon and list.
    a: Cell,
    /// Station outside: s's station stands in t.
    s: Cell,
    t: Cell,
    /// No station.
    n: Cell,
    /// Two stations.
    d: Cell,
    /// Eliminated station.
    e: Cell,
    /// Voters living in f listed in g.
    f: Cell,
    g: Cell,
    /// Voters of h whose address is unknown.
    h: Cell,
}

impl Plant {
    fn new(g: &Grid) -> Plant {
        let e0 = g.dcols[1];
        Plant {
            x: (e0 - 1, 1),
            y: (e0, 1),
            p: (0, 3),
            q: (1, 3),
            v: (0, 0),
            b: (e0, 3),
            a: (e0 + 1, 2),
            s: (e0 - 1, 4),
            t: (e0, 4),
            n: (0, 2),
            d: (0, 4),
            e: (e0, 2),
            f: (e0 + 1, 0),
            g: (e0 + 1, 1),
            h: (e0 + 1, 3),
        }
    }

    fn cells(&self) -> [Cell; 15] {
        [
            self.x, self.y, self.p, self.q, self.v, self.b, self.a, self.s, self.t, self.n, self.d,
            self.e, self.f, self.g, self.h,
        ]
    }

    /// Shapes the grid: straight edges, bulges, the twist; and where no point may go.
    fn shape(&self, g: &mut Grid) {
        let e0 = g.dcols[1];
        let cross = Edge::V(e0, 1);
        let over = Edge::V(1, 3);
        let twist = Edge::H(0, 1);
        g.straight.extend([cross, over, twist]);
        let bulge_y = vec![g.bilin(self.y, 0.3, 0.3), g.bilin(self.y, 0.3, 0.7)];
        g.overrides.insert(cross, (bulge_y, vec![self.x, self.y]));
        let bulge_q = vec![g.bilin(self.q, 0.3, 0.3), g.bilin(self.q, 0.3, 0.7)];
        g.overrides.insert(over, (bulge_q, vec![self.p]));
        let tw = vec![
            g.bilin(self.v, 0.4, 0.99),
            g.bilin(self.v, 0.6, 0.92),
            g.bilin(self.v, 0.4, 0.92),
            g.bilin(self.v, 0.6, 0.99),
        ];
        g.overrides.insert(twist, (tw, vec![self.v]));
        g.excl.push((self.y, Excl::ULess(0.45)));
        g.excl.push((self.q, Excl::ULess(0.45)));
        g.excl.push((self.v, Excl::Box(0.25, 0.75, 0.75, 1.0)));
        g.excl.push((self.b, Excl::Box(0.3, 0.7, 0.3, 0.7)));
    }
}

/// Voters at the over-cap precinct (by polygon and by list).
const OVER_A: u32 = 3200;
/// Voters at the gap precinct's own addresses, and at each of its 4 gap houses.
const GAP_OWN: u32 = 2000;
const GAP_HOUSE: u32 = 300;

fn fmt_no(n: usize, padded: bool) -> String {
    if padded {
        format!("{n:04}")
    } else {
        n.to_string()
    }
}

fn polygon(ring: Vec<Coord<f64>>, holes: Vec<Vec<Coord<f64>>>) -> Polygon<f64> {
    Polygon::new(
        LineString::new(ring),
        holes.into_iter().map(LineString::new).collect(),
    )
}

/// Rows and columns for about `n` cells: rows ≥ 5, columns ≥ 2 per district, columns at
/// most twice the rows.
fn grid_size(n: usize, d: usize) -> (usize, usize) {
    let lo = 5usize.max(((n as f64 / 2.0).sqrt()).ceil() as usize);
    let hi = lo.max((n as f64).sqrt().ceil() as usize);
    let mut best = (usize::MAX, lo, 2 * d);
    for r in lo..=hi {
        let k = (2 * d).max(((n as f64) / r as f64).round() as usize);
        let err = (r * k).abs_diff(n);
        if err < best.0 {
            best = (err, r, k);
        }
    }
    (best.1, best.2)
}

struct HouseState {
    n: u32,
    letters: u8,
    slashes: u8,
    first: bool,
}

/// Plans the whole town (no I/O).
pub(super) fn plan(opts: &DemoOptions) -> Result<Town, DemoError> {
    let capacity = super::identity_capacity().saturating_sub(100);
    if opts.voters as u64 > capacity {
        return Err(DemoError::Options(format!(
            "at most {capacity} voters (each needs its own IIN)"
        )));
    }
    let n_regions = if opts.precincts <= 600 {
        1
    } else {
        (opts.precincts / 500).clamp(2, REGIONS.len())
    };
    let n_planted = n_regions.min(5);
    let seed = opts.seed;

    // Layout.
    let mut grids = Vec::new();
    for reg in 0..n_regions {
        let n_r = opts.precincts / n_regions + usize::from(reg < opts.precincts % n_regions);
        let d = (n_r / 120).clamp(3, 8);
        let (r, k) = grid_size(n_r, d);
        let cell_km = 1.2 * (600.0 / n_r.max(1) as f64).sqrt().min(1.0);
        let mut g = Grid::new(seed, reg, k, r, d, cell_km);
        let plant = (reg < n_planted).then(|| Plant::new(&g));
        if let Some(p) = &plant {
            let mut cells = p.cells().to_vec();
            cells.sort();
            cells.dedup();
            assert_eq!(cells.len(), 15, "planted cells are distinct");
            p.shape(&mut g);
        }
        grids.push((g, plant));
    }
    let total_cells: usize = grids.iter().map(|(g, _)| g.k * g.r).sum();
    let n_addr = opts
        .addresses
        .unwrap_or(opts.voters / 6)
        .max(total_cells * 4);
    let per_cell = n_addr as f64 / total_cells as f64;
    let lines = (per_cell.sqrt().round() as usize).max(2);
    let per_line = ((per_cell / lines as f64).round() as usize).max(2);

    let mut town = Town {
        seed,
        regions: Vec::new(),
        districts: Vec::new(),
        precincts: Vec::new(),
        streets: Vec::new(),
        addresses: Vec::new(),
        stations: Vec::new(),
        voter_count: 0,
        planted: Planted::default(),
        villages: (0..n_regions)
            .map(|r| {
                names::VILLAGE_FORMS[0].replace("{}", names::VILLAGES[r % names::VILLAGES.len()])
            })
            .collect(),
        expected: Vec::new(),
        rejects: Vec::new(),
    };
    // Per precinct: its address indices; per region: its plant's precinct indices.
    let mut cell_addrs: Vec<Vec<u32>> = Vec::new();
    struct RegionPlan {
        p0: usize,
        plant: Option<Plant>,
        gap_addrs: Vec<u32>,
        missing_no: Option<PrecinctNo>,
        outside: Option<usize>,
        first_addr: u32,
    }
    let mut rplans = Vec::new();
    let mut next_no = 1usize;

    for (reg, (g, plant)) in grids.iter().enumerate() {
        let spec = &REGIONS[reg];
        let padded = reg % 2 == 1;
        let d0 = town.districts.len();
        let dnames = if reg == 0 {
            names::ALMATY_DISTRICTS
        } else {
            names::OTHER_DISTRICTS
        };
        for t in 0..g.dcols.len() - 1 {
            let (ru, kk) = dnames[(t + reg) % dnames.len()];
            let kato: Kato = format!("{}{:02}00000", spec.prefix, 11 + 2 * t)
                .parse()
                .expect("9 digits");
            town.districts.push(District {
                kato,
                name_ru: ru.to_string(),
                name_kk: kk.to_string(),
                region: reg,
                polygon: polygon(g.outline(g.dcols[t], g.dcols[t + 1]), vec![]),
            });
        }
        town.regions.push(Region {
            kato: format!("{}0000000", spec.prefix).parse().expect("9 digits"),
            name_ru: spec.ru.to_string(),
            name_kk: spec.kk.to_string(),
            locality: spec.locality.to_string(),
            polygon: polygon(g.outline(0, g.k), vec![]),
            districts: d0..town.districts.len(),
        });
        // Precinct polygons, numbered column by column.
        let p0 = town.precincts.len();
        for c in 0..g.k {
            for r in 0..g.r {
                let mut holes = Vec::new();
                if plant.is_some_and(|p| p.b == (c, r)) {
                    holes.push(vec![
                        g.bilin((c, r), 0.38, 0.38),
                        g.bilin((c, r), 0.38, 0.62),
                        g.bilin((c, r), 0.62, 0.62),
                        g.bilin((c, r), 0.62, 0.38),
                        g.bilin((c, r), 0.38, 0.38),
                    ]);
                }
                town.precincts.push(Precinct {
                    no: fmt_no(next_no + c * g.r + r, padded)
                        .parse()
                        .expect("not empty"),
                    polygon: polygon(g.cell_ring((c, r)), holes),
                    district: Some(d0 + g.district_of(c)),
                    region: reg,
                    stations: Vec::new(),
                });
                cell_addrs.push(Vec::new());
            }
        }
        next_no += g.k * g.r;
        let mut missing_no = None;
        let mut outside = None;
        if plant.is_some() {
            missing_no = Some(fmt_no(next_no, padded).parse().expect("not empty"));
            let x0 = g.vert(g.k, 0).x + 0.6 * g.dlon;
            let y0 = g.vert(g.k, 0).y + 0.5 * g.dlat;
            let (w, h) = (0.6 * g.dlon, 0.6 * g.dlat);
            let ring = vec![
                Coord { x: x0, y: y0 },
                Coord { x: x0 + w, y: y0 },
                Coord {
                    x: x0 + w,
                    y: y0 + h,
                },
                Coord { x: x0, y: y0 + h },
                Coord { x: x0, y: y0 },
            ];
            outside = Some(town.precincts.len());
            town.precincts.push(Precinct {
                no: fmt_no(next_no + 1, padded).parse().expect("not empty"),
                polygon: polygon(ring, vec![]),
                district: None,
                region: reg,
                stations: Vec::new(),
            });
            cell_addrs.push(Vec::new());
            next_no += 2;
        }

        // Streets and address points.
        let first_addr = town.addresses.len() as u32;
        let first_street = town.streets.len();
        let mut order: Vec<usize> = (0..names::STREETS.len()).collect();
        let mut srng = Rng::keyed(seed, &[3, reg as u64]);
        for i in (1..order.len()).rev() {
            order.swap(i, srng.below(i as u64 + 1) as usize);
        }
        // The homonym groups first, then the other named streets (group index or none).
        let named: Vec<(&str, Option<usize>)> = names::HOMONYM_GROUPS
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| g.iter().map(move |s| (*s, Some(gi))))
            .chain(order.iter().map(|&i| (names::STREETS[i], None)))
            .collect();
        let mut groups_of: Vec<Option<usize>> = Vec::new();
        for row in 0..g.r {
            for l in 0..lines {
                let sidx = row * lines + l;
                let (name, micro, group) = if sidx < named.len() {
                    (named[sidx].0.to_string(), None, named[sidx].1)
                } else {
                    let t = sidx - named.len();
                    let m = names::MICRODISTRICTS;
                    let base = m[t % m.len()].trim_start_matches("мкр. ");
                    let bare = format!("{base}-{}", t / m.len() + 1);
                    (format!("мкр. {bare}"), Some(bare), None)
                };
                let street = town.streets.len() as u32;
                groups_of.push(group);
                let spelling = names::SPELLINGS
                    .iter()
                    .position(|sp| sp.street == name)
                    .map(|k| k as u16);
                town.streets.push(Street {
                    name,
                    region: reg,
                    spelling,
                    micro,
                    homonyms: false,
                });
                let mut rng = Rng::keyed(seed, &[4, reg as u64, row as u64, l as u64]);
                let mut hs = HouseState {
                    n: rng.below(2) as u32 + 1,
                    letters: 0,
                    slashes: 0,
                    first: true,
                };
                // The last row's first street runs through the village of each district
                // (the planted cells are in rows 0-4: never there).
                let village = g.r > 6 && row == g.r - 1 && l == 0;
                let vline = 0.12 + 0.76 * (l as f64 + 0.5) / lines as f64;
                for c in 0..g.k {
                    for kk in 0..per_line {
                        let u = 0.12
                            + 0.76 * (kk as f64 + 0.5 + rng.range(-0.3, 0.3)) / per_line as f64;
                        let v = vline + rng.range(-0.2, 0.2) * 0.76 / lines as f64;
                        let roll = rng.f64();
                        if g.excluded((c, row), u, v) {
                            continue;
                        }
                        let mut building = 0u8;
                        let house = if hs.first || roll < 0.78 {
                            if !hs.first {
                                hs.n += 2;
                            }
                            hs.first = false;
                            hs.letters = 0;
                            hs.slashes = 0;
                            HouseNo {
                                number: hs.n,
                                suffix: HouseSuffix::None,
                            }
                        } else if roll < 0.86 && hs.letters < 3 {
                            hs.letters += 1;
                            let ch = ['А', 'Б', 'В'][hs.letters as usize - 1];
                            HouseNo {
                                number: hs.n,
                                suffix: HouseSuffix::Letter(ch),
                            }
                        } else if roll < 0.92 && hs.slashes < 3 {
                            hs.slashes += 1;
                            HouseNo {
                                number: hs.n,
                                suffix: HouseSuffix::Slash(hs.slashes),
                            }
                        } else {
                            let prev = town.addresses.last_mut().expect("not the first");
                            if prev.street == street && prev.building < 5 {
                                if prev.building == 0 {
                                    prev.building = 1;
                                }
                                building = prev.building + 1;
                                prev.house
                            } else {
                                hs.n += 2;
                                hs.letters = 0;
                                hs.slashes = 0;
                                HouseNo {
                                    number: hs.n,
                                    suffix: HouseSuffix::None,
                                }
                            }
                        };
                        let pi = (p0 + c * g.r + row) as u32;
                        cell_addrs[pi as usize].push(town.addresses.len() as u32);
                        town.addresses.push(Address {
                            region: reg as u16,
                            street,
                            house,
                            building,
                            coord: g.bilin((c, row), u, v),
                            precinct: Some(pi),
                            listed: Some(pi),
                            line: 0,
                            first_voter: 0,
                            voter_count: 0,
                            written: Written::AsPoint,
                            locality_form: 0,
                            village,
                        });
                    }
                }
            }
        }
        // A group is ambiguous written bare when two or more of its streets are here.
        for (k, g) in groups_of.iter().enumerate() {
            if let Some(g) = g {
                town.streets[first_street + k].homonyms =
                    groups_of.iter().filter(|h| *h == &Some(*g)).count() > 1;
            }
        }
        // The gap's houses: a new street inside the hole of b, listed in b.
        let mut gap_addrs = Vec::new();
        if let Some(p) = plant {
            let street = town.streets.len() as u32;
            town.streets.push(Street {
                name: names::GAP_STREET.to_string(),
                region: reg,
                spelling: None,
                micro: None,
                homonyms: false,
            });
            let bi = (p0 + p.b.0 * g.r + p.b.1) as u32;
            for (t, (u, v)) in [(0.45, 0.45), (0.55, 0.45), (0.45, 0.55), (0.55, 0.55)]
                .into_iter()
                .enumerate()
            {
                gap_addrs.push(town.addresses.len() as u32);
                town.addresses.push(Address {
                    region: reg as u16,
                    street,
                    house: HouseNo {
                        number: 1 + 2 * t as u32,
                        suffix: HouseSuffix::None,
                    },
                    building: 0,
                    coord: g.bilin(p.b, u, v),
                    precinct: None,
                    listed: Some(bi),
                    line: 0,
                    first_voter: 0,
                    voter_count: 0,
                    written: Written::AsPoint,
                    locality_form: 0,
                    village: false,
                });
            }
        }
        rplans.push(RegionPlan {
            p0,
            plant: *plant,
            gap_addrs,
            missing_no,
            outside,
            first_addr,
        });
    }
    for (i, a) in town.addresses.iter_mut().enumerate() {
        a.line = i as u64 + 2;
    }

    // Voters per precinct cell.
    let cell_of = |rp: &RegionPlan, g: &Grid, c: Cell| rp.p0 + c.0 * g.r + c.1;
    let mut target: Vec<Option<u32>> = vec![None; town.precincts.len()];
    let mut special_total: u64 = 0;
    for (rp, (g, _)) in rplans.iter().zip(&grids) {
        if let Some(p) = rp.plant {
            target[cell_of(rp, g, p.a)] = Some(OVER_A);
            target[cell_of(rp, g, p.b)] = Some(GAP_OWN);
            special_total += (OVER_A + GAP_OWN + 4 * GAP_HOUSE) as u64;
        }
        if let Some(o) = rp.outside {
            target[o] = Some(0);
        }
    }
    let normal: Vec<usize> = (0..target.len()).filter(|&i| target[i].is_none()).collect();
    let rem = (opts.voters as u64).saturating_sub(special_total);
    if rem < normal.len() as u64 * 100 {
        return Err(DemoError::Options(format!(
            "{} voters are too few for {} precincts and the planted problems (need at least {})",
            opts.voters,
            town.precincts.len(),
            special_total + normal.len() as u64 * 100
        )));
    }
    let weights: Vec<f64> = normal
        .iter()
        .map(|&i| Rng::keyed(seed, &[5, i as u64]).range(0.6, 1.4))
        .collect();
    let wsum: f64 = weights.iter().sum();
    let mut given = 0u64;
    for (&i, w) in normal.iter().zip(&weights) {
        let c = (rem as f64 * w / wsum).floor() as u64;
        target[i] = Some(c as u32);
        given += c;
    }
    for t in 0..(rem - given) as usize {
        let i = normal[t % normal.len()];
        target[i] = target[i].map(|c| c + 1);
    }
    for (pi, addrs) in cell_addrs.iter().enumerate() {
        let want = target[pi].unwrap_or(0) as u64;
        if addrs.is_empty() {
            assert_eq!(want, 0, "a precinct with voters has address points");
            continue;
        }
        let ws: Vec<f64> = addrs
            .iter()
            .map(|&a| {
                let mut r = Rng::keyed(seed, &[6, a as u64]);
                if r.chance(0.7) {
                    r.range(1.0, 4.0)
                } else {
                    0.15
                }
            })
            .collect();
        let s: f64 = ws.iter().sum();
        let mut got = 0u64;
        for (&a, w) in addrs.iter().zip(&ws) {
            let c = (want as f64 * w / s).floor() as u64;
            town.addresses[a as usize].voter_count = c as u32;
            got += c;
        }
        for t in 0..(want - got) as usize {
            town.addresses[addrs[t % addrs.len()] as usize].voter_count += 1;
        }
    }
    for rp in &rplans {
        for &a in &rp.gap_addrs {
            town.addresses[a as usize].voter_count = GAP_HOUSE;
        }
    }
    let mut acc = 0u32;
    for a in town.addresses.iter_mut() {
        a.first_voter = acc;
        acc += a.voter_count;
    }
    town.voter_count = acc as usize;
    debug_assert_eq!(town.voter_count, opts.voters);

    // Stations: at the middle address point of each cell.
    let mut stations: Vec<StationPlan> = Vec::new();
    let facility = |pi: usize| {
        let mut r = Rng::keyed(seed, &[7, pi as u64]);
        r.pick(names::FACILITIES)
            .replace("{}", &(pi % 180 + 1).to_string())
    };
    let station_at = |town: &Town, pi: usize, a: u32, mark: Option<StationMark>| {
        let ad = &town.addresses[a as usize];
        StationPlan {
            precinct: town.precincts[pi].no.clone(),
            facility: facility(pi),
            locality: town.locality(ad).to_string(),
            street: town.street(ad).to_string(),
            house: ad.house.to_string(),
            mark,
            coord: Some(ad.coord),
            line: 0,
        }
    };
    let mut planted = Planted::default();
    let mut voters_over: BTreeMap<u32, VoterOverride> = BTreeMap::new();
    for (rp, (g, _)) in rplans.iter().zip(&grids) {
        let pl = rp.plant;
        let idx = |c: Cell| cell_of(rp, g, c);
        let pnum = |c: Cell| town.precincts[idx(c)].no.clone();
        for c in 0..g.k {
            for r in 0..g.r {
                let pi = idx((c, r));
                let addrs = &cell_addrs[pi];
                let mid = addrs[addrs.len() / 2];
                match pl {
                    Some(p) if p.n == (c, r) => {}
                    Some(p) if p.s == (c, r) => {
                        let ta = &cell_addrs[idx(p.t)];
                        let mut st = station_at(&town, pi, ta[ta.len() / 3], None);
                        st.precinct = town.precincts[pi].no.clone();
                        stations.push(st);
                    }
                    Some(p) if p.d == (c, r) => {
                        stations.push(station_at(&town, pi, mid, None));
                        let mut st2 = station_at(&town, pi, addrs[0], None);
                        st2.facility = facility(pi + 7);
                        stations.push(st2);
                    }
                    Some(p) if p.e == (c, r) => {
                        stations.push(station_at(&town, pi, mid, Some(StationMark::Eliminated)));
                    }
                    _ => {
                        let mark = {
                            let mut r = Rng::keyed(seed, &[8, pi as u64]);
                            let x = r.f64();
                            if x < 0.05 {
                                Some(StationMark::LimitedAccess)
                            } else if x < 0.08 {
                                Some(StationMark::NewlyCreated)
                            } else {
                                None
                            }
                        };
                        stations.push(station_at(&town, pi, mid, mark));
                    }
                }
            }
        }
        let Some(p) = pl else { continue };
        if let Some(m) = &rp.missing_no {
            let ad = &town.addresses[rp.first_addr as usize];
            stations.push(StationPlan {
                precinct: m.clone(),
                facility: facility(idx(p.n) + 11),
                locality: town.locality(ad).to_string(),
                street: town.street(ad).to_string(),
                house: ad.house.to_string(),
                mark: None,
                coord: None,
                line: 0,
            });
            planted.missing_polygon.push(m.clone());
        }
        if let Some(o) = rp.outside {
            let ring = town.precincts[o].polygon.exterior();
            let (a, c) = (ring.0[0], ring.0[2]);
            stations.push(StationPlan {
                precinct: town.precincts[o].no.clone(),
                facility: "Дачный клуб «Ақбұлақ»".to_string(),
                locality: town.regions[g.region].locality.clone(),
                street: "Садовая көшесі".to_string(),
                house: "1".to_string(),
                mark: None,
                coord: Some(Coord {
                    x: (a.x + c.x) / 2.0,
                    y: (a.y + c.y) / 2.0,
                }),
                line: 0,
            });
            planted.outside_admin.push(town.precincts[o].no.clone());
        }
        planted.over_cap.push(pnum(p.a));
        planted.over_cap.push(pnum(p.b));
        planted.crossing.push(pnum(p.x));
        planted.overlap.push((pnum(p.p), pnum(p.q)));
        planted.gap.push((pnum(p.b), rp.gap_addrs.clone()));
        planted.invalid.push(pnum(p.v));
        planted.station_outside.push(pnum(p.s));
        planted.missing_station.push(pnum(p.n));
        planted.duplicate_station.push(pnum(p.d));
        planted.eliminated_in_use.push(pnum(p.e));

        // Voter overrides.
        let voters_in = |c: Cell, n: usize| -> Vec<u32> {
            cell_addrs[idx(c)]
                .iter()
                .flat_map(|&a| {
                    let ad = &town.addresses[a as usize];
                    ad.first_voter..ad.first_voter + ad.voter_count
                })
                .take(n)
                .collect()
        };
        let gi = idx(p.g) as u32;
        for v in voters_in(p.f, 5) {
            voters_over.insert(v, VoterOverride::ListedIn(gi));
        }
        for (t, v) in voters_in(p.h, 3).into_iter().enumerate() {
            let u = names::UNKNOWN_STREETS;
            voters_over.insert(
                v,
                VoterOverride::Unknown {
                    street: u[t % u.len()].to_string(),
                    house: format!("{}", 5 + 10 * t),
                },
            );
        }
        let ga = &town.addresses[rp.gap_addrs[0] as usize];
        for v in ga.first_voter..ga.first_voter + 2 {
            voters_over.insert(v, VoterOverride::NoPrecinct);
        }
    }
    for (i, s) in stations.iter_mut().enumerate() {
        s.line = i as u64 + 2;
    }
    let by_no: HashMap<PrecinctNo, usize> = town
        .precincts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.no.clone(), i))
        .collect();
    for (si, s) in stations.iter().enumerate() {
        if let Some(&pi) = by_no.get(&s.precinct) {
            town.precincts[pi].stations.push(si);
        }
    }
    town.stations = stations;

    // Bad rows, appended after the good ones.
    let mut vline = town.voter_count as u64 + 2;
    let mut fresh = town.voter_count as u64;
    let planted_regions = rplans.iter().filter(|rp| rp.plant.is_some());
    for (aline, rp) in (town.addresses.len() as u64 + 2..).zip(planted_regions) {
        let first = town.addresses[rp.first_addr as usize].first_voter as u64;
        let kinds = [
            (BadRowKind::MalformedDate, "birth_date", "birth date 31.02"),
            (
                BadRowKind::DuplicateCode,
                "code",
                "record code repeats an earlier row",
            ),
            (BadRowKind::MissingCode, "code", "record code empty"),
            (BadRowKind::ShortRow, "row", "25 cells instead of 26"),
        ];
        for (kind, field, what) in kinds {
            let record = match kind {
                BadRowKind::DuplicateCode => Some(first + 1),
                BadRowKind::MissingCode => None,
                BadRowKind::MalformedDate | BadRowKind::ShortRow | BadRowKind::BadLongitude => {
                    Some(fresh + 1)
                }
            };
            planted.bad_rows.push(BadRow {
                file: "voters.csv".into(),
                line: vline,
                field: field.into(),
                what: what.into(),
                kind,
                record,
                identity: fresh,
                address: rp.first_addr,
            });
            fresh += 1;
            vline += 1;
        }
        planted.bad_rows.push(BadRow {
            file: "addresses.csv".into(),
            line: aline,
            field: "lon".into(),
            what: "longitude «н/д»".into(),
            kind: BadRowKind::BadLongitude,
            record: None,
            identity: 0,
            address: rp.first_addr,
        });
    }
    planted.voters = voters_over.into_iter().collect();
    town.planted = planted;
    spellings(&mut town);
    expectations(&mut town);
    Ok(town)
}

/// How the voters of each address write it: as the point (55 %), another spelling of the
/// same street (30 %: Kazakh or Russian type words, abbreviations, capitals), or the bare
/// name (15 %: ambiguous where the city has the name with several types); the city with
/// a type word for 30 %. Addresses with planted voters and the gap's houses stay as the
/// points write them, so the planted findings stay what they are.
fn spellings(town: &mut Town) {
    let planted: HashSet<usize> = town
        .planted
        .voters
        .keys()
        .map(|&v| town.voter_address_index(v as usize))
        .collect();
    let seed = town.seed;
    for (ai, a) in town.addresses.iter_mut().enumerate() {
        if a.precinct.is_none() || planted.contains(&ai) {
            continue;
        }
        let st = &town.streets[a.street as usize];
        let same = match (st.spelling, &st.micro) {
            (Some(k), _) => names::SPELLINGS[k as usize].same.len(),
            (None, Some(_)) => names::MICRODISTRICT_FORMS.len(),
            _ => 0,
        };
        let mut rng = Rng::keyed(seed, &[11, ai as u64]);
        let r = rng.f64();
        a.written = if r < 0.55 || same == 0 {
            Written::AsPoint
        } else if r < 0.85 || st.spelling.is_none() {
            Written::Same(rng.below(same as u64) as u8)
        } else {
            Written::Bare
        };
        if rng.chance(0.3) {
            a.locality_form = 1 + rng.below(names::LOCALITY_FORMS.len() as u64) as u8;
        }
    }
}

/// The findings and rejects the plan implies, counted from the plan itself.
fn expectations(town: &mut Town) {
    let n = town.precincts.len();
    let mut by_poly = vec![0u64; n];
    let mut by_list = vec![0u64; n];
    for a in &town.addresses {
        if let Some(p) = a.precinct {
            by_poly[p as usize] += a.voter_count as u64;
        }
        if let Some(l) = a.listed {
            by_list[l as usize] += a.voter_count as u64;
        }
    }
    let mut exp: Vec<Expected> = Vec::new();
    let e =
        |code: FindingCode, p: Option<&PrecinctNo>, rec: Option<u64>, line: Option<u64>| Expected {
            code: code.as_str().to_string(),
            precinct: p.map(|p| p.as_str().to_string()),
            record: rec.map(|r| r.to_string()),
            line,
        };
    for (&v, o) in &town.planted.voters {
        let a = town.voter_address_index(v as usize);
        let ad = &town.addresses[a];
        let own = ad.listed.expect("planted voters have a listed precinct");
        let record = Some(v as u64 + 1);
        match o {
            VoterOverride::ListedIn(g) => {
                by_list[own as usize] -= 1;
                by_list[*g as usize] += 1;
                exp.push(e(
                    FindingCode::VoterInOtherPrecinct,
                    Some(&town.precincts[*g as usize].no),
                    record,
                    None,
                ));
            }
            VoterOverride::NoPrecinct => {
                by_list[own as usize] -= 1;
                exp.push(e(FindingCode::VoterWithoutPrecinct, None, record, None));
            }
            VoterOverride::Unknown { .. } => {
                if let Some(p) = ad.precinct {
                    by_poly[p as usize] -= 1;
                }
                exp.push(e(
                    FindingCode::VoterAddressNotFound,
                    Some(&town.precincts[own as usize].no),
                    record,
                    None,
                ));
            }
        }
    }
    // Voters whose address is written ambiguously are placed nowhere.
    for a in &town.addresses {
        if town.written_ambiguously(a) {
            if let Some(p) = a.precinct {
                by_poly[p as usize] -= a.voter_count as u64;
            }
            let listed = a.listed.map(|l| &town.precincts[l as usize].no);
            for v in a.first_voter..a.first_voter + a.voter_count {
                exp.push(e(
                    FindingCode::VoterAddressAmbiguous,
                    listed,
                    Some(v as u64 + 1),
                    None,
                ));
            }
        }
    }
    for (i, p) in town.precincts.iter().enumerate() {
        if by_poly[i] > CAP as u64 || by_list[i] > CAP as u64 {
            exp.push(e(FindingCode::PrecinctOverCap, Some(&p.no), None, None));
        }
    }
    let pl = &town.planted;
    for p in &pl.crossing {
        exp.push(e(
            FindingCode::PrecinctCrossesAdminBoundary,
            Some(p),
            None,
            None,
        ));
    }
    for (a, b) in &pl.overlap {
        let m = if a.as_str() < b.as_str() { a } else { b };
        exp.push(e(FindingCode::PrecinctOverlap, Some(m), None, None));
    }
    for (_, addrs) in &pl.gap {
        for &a in addrs {
            let line = town.addresses[a as usize].line;
            exp.push(e(FindingCode::AddressInNoPrecinct, None, None, Some(line)));
        }
    }
    for p in &pl.invalid {
        exp.push(e(FindingCode::InvalidGeometry, Some(p), None, None));
    }
    for p in &pl.station_outside {
        exp.push(e(FindingCode::StationOutsidePrecinct, Some(p), None, None));
    }
    for p in &pl.outside_admin {
        exp.push(e(FindingCode::PrecinctOutsideAdmin, Some(p), None, None));
    }
    // Presence across sources, per CHECKS.md.
    let mut polys: HashMap<&PrecinctNo, usize> = HashMap::new();
    for p in &town.precincts {
        *polys.entry(&p.no).or_default() += 1;
    }
    let mut listed: HashSet<&PrecinctNo> = HashSet::new();
    for (i, p) in town.precincts.iter().enumerate() {
        if by_list[i] > 0 {
            listed.insert(&p.no);
        }
    }
    let mut st_live: HashMap<&PrecinctNo, usize> = HashMap::new();
    let mut st_elim: HashSet<&PrecinctNo> = HashSet::new();
    for s in &town.stations {
        if s.mark == Some(StationMark::Eliminated) {
            st_elim.insert(&s.precinct);
        } else {
            *st_live.entry(&s.precinct).or_default() += 1;
        }
    }
    let mut all: Vec<&PrecinctNo> = polys
        .keys()
        .chain(st_live.keys())
        .chain(st_elim.iter())
        .chain(listed.iter())
        .copied()
        .collect();
    all.sort();
    all.dedup();
    for p in all {
        let has_poly = polys.contains_key(p);
        let has_list = listed.contains(p);
        if st_elim.contains(p) {
            if has_poly || has_list {
                exp.push(e(FindingCode::EliminatedPrecinctInUse, Some(p), None, None));
            }
            continue;
        }
        if !has_poly {
            exp.push(e(FindingCode::PrecinctMissingPolygon, Some(p), None, None));
        }
        if !st_live.contains_key(p) {
            exp.push(e(FindingCode::PrecinctMissingStation, Some(p), None, None));
        }
        if !has_list {
            exp.push(e(
                FindingCode::PrecinctMissingInVoterList,
                Some(p),
                None,
                None,
            ));
        }
        if polys.get(p).is_some_and(|&c| c > 1) {
            exp.push(e(FindingCode::DuplicatePrecinctNo, Some(p), None, None));
        }
        if st_live.get(p).is_some_and(|&c| c > 1) {
            exp.push(e(FindingCode::DuplicatePrecinctNo, Some(p), None, None));
        }
    }
    exp.sort();
    town.expected = exp;
    town.rejects = town
        .planted
        .bad_rows
        .iter()
        .map(|b| ExpectedReject {
            file: b.file.clone(),
            line: b.line,
            field: b.field.clone(),
        })
        .collect();
}
