//! `spatial::PolygonIndex::locate_all`: voters' address points into precinct polygons.
//!
//! Data (generated in code, deterministic): 10,000 precincts (a 100 × 100 jittered tiling of
//! a Kazakhstan-sized box, `synthetic_tiling(.., 18, ..)`: 20–130 vertices, median ≈ 75),
//! and N points drawn from D distinct coordinates in random order (voters of one building
//! share a coordinate). Default size: 1,000,000 points at 200,000 distinct coordinates,
//! in random order (the worst case), and 1,000,000 points with each building's voters
//! listed together (as in a voter list sorted by address).
//!
//! The national size (12,000,000 points at 2,000,000 distinct coordinates, the target is
//! under 1 s on 2 cores) is opt-in, as it needs ~1 GB of memory:
//!
//! ```text
//! PRECINCTS_BENCH_NATIONAL=1 cargo bench --bench assignment -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! Measured on the project's 2-vCPU Xeon (2.5 GHz), machine otherwise nearly idle:
//! index build 30 ms; `locate_all` 1M / 200k distinct 67 ms, 12M / 2M distinct 834 ms,
//! 1M with a building's voters together 22 ms; `locate` one by one in random order
//! 0.81 µs per point. (Under load from other jobs, 12M took 3.9 s.)

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use geo::{Coord, MultiPolygon, Rect, coord};
use precincts::spatial::{PolygonIndex, synthetic_tiling};
use std::hint::black_box;

fn country() -> Rect<f64> {
    Rect::new(coord! { x: 46.5, y: 40.6 }, coord! { x: 87.3, y: 55.4 })
}

fn precincts() -> Vec<MultiPolygon<f64>> {
    synthetic_tiling(country(), 100, 100, 18, 2024)
}

/// SplitMix64.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` points drawn (in random order) from `distinct` random coordinates in the box.
fn points(n: usize, distinct: usize) -> Vec<Coord<f64>> {
    let b = country();
    let sites: Vec<Coord<f64>> = (0..distinct as u64)
        .map(|i| {
            coord! {
                x: b.min().x + b.width() * unit(mix(2 * i)),
                y: b.min().y + b.height() * unit(mix(2 * i + 1)),
            }
        })
        .collect();
    (0..n as u64)
        .map(|i| sites[(mix(i ^ 0xA5A5_A5A5) % distinct as u64) as usize])
        .collect()
}

/// The same, but a building's voters listed together (as in a voter list sorted by
/// address): each coordinate repeated 1–11 times in a row, buildings in random order.
fn points_grouped(n: usize, distinct: usize) -> Vec<Coord<f64>> {
    let sites = points(distinct, distinct);
    let mut out = Vec::with_capacity(n);
    let mut i = 0u64;
    while out.len() < n {
        let site = sites[(mix(i ^ 0x5A5A) % distinct as u64) as usize];
        let run = 1 + (mix(i) % 11) as usize;
        out.extend(std::iter::repeat_n(site, run.min(n - out.len())));
        i += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let polygons = precincts();
    let vertices: usize = polygons.iter().map(|p| p.0[0].exterior().0.len()).sum();
    eprintln!("{} precincts, {vertices} vertices", polygons.len());

    let mut g = c.benchmark_group("assignment");
    g.sample_size(10);
    g.bench_function("build index, 10k precincts", |b| {
        b.iter(|| PolygonIndex::new(black_box(&polygons)))
    });
    let index = PolygonIndex::new(&polygons);

    let mut sizes = vec![(1_000_000, 200_000)];
    if std::env::var_os("PRECINCTS_BENCH_NATIONAL").is_some() {
        sizes.push((12_000_000, 2_000_000));
    }
    for (n, distinct) in sizes {
        let pts = points(n, distinct);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(
            BenchmarkId::new("locate_all", format!("{n} points, {distinct} distinct")),
            &pts,
            |b, pts| b.iter(|| index.locate_all(black_box(pts))),
        );
    }

    let pts = points_grouped(1_000_000, 200_000);
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("locate_all", "1000000 points, a building's voters together"),
        &pts,
        |b, pts| b.iter(|| index.locate_all(black_box(pts))),
    );

    // One point at a time, random order: R-tree lookup plus the prepared test.
    let pts = points(100_000, 100_000);
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.bench_function("locate, 100k random points one by one", |b| {
        b.iter(|| pts.iter().filter(|&&c| index.locate(c).is_some()).count())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
