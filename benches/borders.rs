//! Matching the voters' addresses against the Appendix 3 lists at national size: 12 million
//! voters over 2 million address points and ~4,000 precincts (one list row per street half).
//! `BORDERS_BENCH_VOTERS` / `BORDERS_BENCH_ADDRESSES` change the size.
//!
//! Run: `cargo bench --bench borders`

use criterion::{Criterion, criterion_group, criterion_main};
use geo::Coord;
use precincts::address::{AddressIndex, FindCache};
use precincts::borders::{BorderTable, BordersInput, check_borders, parse_row};
use precincts::model::{
    AddressPoint, PrecinctNo, SourceRef, VOTER_FIELDS, VoterField, VoterTableBuilder,
};
use rayon::prelude::*;
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Data {
    addresses: Vec<AddressPoint>,
    table: BorderTable,
    voters: precincts::model::VoterTable,
    voter_address: Vec<Option<u32>>,
    admin: Vec<Option<u32>>,
}

const HOUSES: u32 = 100;

fn data() -> Data {
    let n_addr = env("BORDERS_BENCH_ADDRESSES", 2_000_000);
    let n_voters = env("BORDERS_BENCH_VOTERS", 12_000_000);
    let streets = (n_addr as u32).div_ceil(HOUSES);
    let file: std::sync::Arc<str> = "addresses.csv".into();
    let mut addresses = Vec::with_capacity(n_addr);
    for i in 0..n_addr as u32 {
        let (s, h) = (i / HOUSES, i % HOUSES + 1);
        let street = if s % 3 == 0 {
            format!("ул. Улица {s}")
        } else if s % 3 == 1 {
            format!("Көше {s} көшесі")
        } else {
            format!("мкр. Квартал-{s}")
        };
        let house = if h % 10 == 0 {
            format!("{}А", h - 1)
        } else {
            h.to_string()
        };
        addresses.push(AddressPoint {
            locality: "г. Алматы".into(),
            street,
            house,
            building: String::new(),
            coord: Coord {
                x: 76.0 + s as f64 * 1e-4,
                y: 43.0 + h as f64 * 1e-5,
            },
            source: SourceRef {
                file: file.clone(),
                line: i as u64 + 2,
            },
        });
    }
    // Each street: even houses to one precinct, odd to the next; 500 addresses a precinct.
    let mut table = BorderTable::default();
    let per_precinct = 5u32;
    for s in 0..streets {
        let street = if s % 3 == 0 {
            format!("ул. Улица {s}")
        } else if s % 3 == 1 {
            format!("Көше {s} көшесі")
        } else {
            format!("мкр. Квартал-{s}")
        };
        let p0: PrecinctNo = (s / per_precinct * 2).to_string().parse().unwrap();
        let p1: PrecinctNo = (s / per_precinct * 2 + 1).to_string().parse().unwrap();
        for (p, houses) in [(&p0, "2-100 четные"), (&p1, "нечетные с 1 по 99")] {
            let (entries, errors) = parse_row("", &street, houses);
            assert!(errors.is_empty());
            table.push_row(
                p,
                "город",
                "Алматы",
                entries,
                houses,
                SourceRef {
                    file: "borders.csv".into(),
                    line: s as u64 + 2,
                },
            );
        }
    }
    // Voters: each at address (i * 7919) mod n, listed in the right precinct but 1 in 100.
    let mut b = VoterTableBuilder::new("voters.csv");
    let mut code = String::new();
    let mut precinct = String::new();
    let mut house = String::new();
    let mut voter_address = Vec::with_capacity(n_voters);
    for i in 0..n_voters {
        let a = ((i as u64 * 7919) % n_addr as u64) as u32;
        let (s, h) = (a / HOUSES, a % HOUSES + 1);
        let house_num = if h % 10 == 0 { h - 1 } else { h };
        let mut p = s / per_precinct * 2 + (house_num % 2);
        if i % 100 == 0 {
            p += 2;
        }
        code.clear();
        code.push_str(&(i + 1).to_string());
        precinct.clear();
        precinct.push_str(&p.to_string());
        house.clear();
        house.push_str(&addresses[a as usize].house);
        let mut f = [""; VOTER_FIELDS];
        f[0] = &code;
        f[5] = &precinct;
        f[14] = &addresses[a as usize].locality;
        f[15] = &addresses[a as usize].street;
        f[16] = &house;
        b.push(f, i as u64 + 2).unwrap();
        voter_address.push(Some(a));
    }
    Data {
        admin: vec![Some(0); addresses.len()],
        addresses,
        table,
        voters: b.build(),
        voter_address,
    }
}

fn bench(c: &mut Criterion) {
    let t = Instant::now();
    let d = data();
    eprintln!(
        "borders bench: {} addresses, {} voters, {} list entries (setup {:.1} s)",
        d.addresses.len(),
        d.voters.len(),
        d.table.entries.len(),
        t.elapsed().as_secs_f64()
    );
    let input = BordersInput {
        table: &d.table,
        addresses: &d.addresses,
        address_polygon: None,
        precincts: &[],
        address_admin: &d.admin,
        admin: &[],
        voters: Some(&d.voters),
        voter_address: &d.voter_address,
        aliases: None,
        cap: 3000,
    };
    let t = Instant::now();
    let out = check_borders(&input);
    eprintln!(
        "borders bench: one run {:.2} s, {} findings, {} precincts by list",
        t.elapsed().as_secs_f64(),
        out.findings.len(),
        out.voters_by_list.len()
    );
    let geocode = || {
        let ix = AddressIndex::new(&d.addresses);
        let v = &d.voters;
        (0..v.len())
            .into_par_iter()
            .map_init(FindCache::default, |c, i| {
                let r = v.get(i);
                ix.find_cached(
                    c,
                    r.field(VoterField::Residence),
                    r.field(VoterField::Street),
                    r.field(VoterField::House),
                    r.field(VoterField::Building),
                )
            })
            .collect::<Vec<Option<u32>>>()
    };
    let t = Instant::now();
    let found = geocode();
    eprintln!(
        "borders bench: geocoding {} voters {:.2} s ({} found)",
        found.len(),
        t.elapsed().as_secs_f64(),
        found.iter().filter(|f| f.is_some()).count()
    );
    assert_eq!(found, d.voter_address);
    let mut g = c.benchmark_group("borders");
    g.sample_size(10);
    g.bench_function("geocode_voters_national", |b| b.iter(geocode));
    g.bench_function("check_borders_national", |b| {
        b.iter(|| check_borders(&input))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
