//! `spatial::containment` of 10,000 precincts (100 × 100 jittered tiling, median ≈ 75
//! vertices) in 196 admin units (14 × 14 jittered tiling, ≈ 400 vertices each), and
//! `spatial::overlaps` over the 10,000 precincts (all neighbours are candidates; none
//! overlaps), and `spatial::validate` of each of the 10,000 precincts (all valid).
//! Generated in code, deterministic.
//!
//! ```text
//! cargo bench --bench containment -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! Measured on the project's 2-vCPU Xeon (2.5 GHz), nearly idle: containment 269 ms,
//! overlaps 0.57–0.86 s (median 715 ms).

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Rect, coord};
use precincts::spatial::{containment, overlaps, synthetic_tiling, validate};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let country = Rect::new(coord! { x: 46.5, y: 40.6 }, coord! { x: 87.3, y: 55.4 });
    let precincts = synthetic_tiling(country, 100, 100, 18, 2024);
    let units = synthetic_tiling(country, 14, 14, 100, 77);

    let mut g = c.benchmark_group("containment");
    g.sample_size(10);
    g.bench_function("10k precincts in 196 units", |b| {
        b.iter(|| containment(black_box(&precincts), black_box(&units)))
    });
    g.bench_function("overlaps among 10k precincts", |b| {
        b.iter(|| overlaps(black_box(&precincts), 1.0))
    });
    g.bench_function("validity of 10k precincts", |b| {
        b.iter(|| {
            black_box(&precincts)
                .iter()
                .map(|p| validate(p).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
