//! Server benchmark on a national-size report (10,000 precincts from
//! `spatial::synthetic_tiling`): start to ready (in process and the real binary), p95 latency
//! of vector-tile and precinct-card requests. Run: `cargo bench --bench server`.
//! Page load to first render is measured by tests/browser.rs (printed with --nocapture).

#[path = "../tests/server_fixture/mod.rs"]
mod server_fixture;

use axum::http::Request;
use precincts::server::{AppState, LoadOptions, router};
use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Slippy tile of a lon/lat.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let l = lat.to_radians();
    (
        ((lon + 180.0) / 360.0 * n) as u32,
        ((1.0 - (l.tan() + 1.0 / l.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32,
    )
}

fn main() {
    let (nx, ny) = (100, 100);
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    server_fixture::write_national(dir.path(), nx, ny);
    let size = std::fs::metadata(dir.path().join("report.geojson"))
        .unwrap()
        .len();
    println!(
        "fixture: {} precincts, report.geojson {:.1} MB, written in {:.2} s",
        nx * ny,
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // In process: load + simplify + warm tiles to z5.
    let t = Instant::now();
    let state = AppState::load(
        dir.path(),
        &LoadOptions {
            basemap: None,
            warm_tiles_to_zoom: Some(5),
            dataset: None,
        },
    )
    .unwrap();
    let tm = state.timings();
    println!(
        "load (in process): {:.2} s total; read+parse {:.2} s, simplify+index {:.2} s, {} tiles z0-5 pre-encoded in {:.2} s",
        t.elapsed().as_secs_f64(),
        tm.read.as_secs_f64(),
        tm.tiles.as_secs_f64(),
        tm.warmed_tiles,
        tm.warm.as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = router(state);
    let get = |uri: String| {
        let app = app.clone();
        rt.block_on(async move {
            let t = Instant::now();
            let r = app
                .oneshot(
                    Request::get(uri.as_str())
                        .header("host", "127.0.0.1:8080")
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert!(r.status().is_success(), "{uri}: {}", r.status());
            let b = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            (t.elapsed(), b.len())
        })
    };

    // Tiles: a deterministic walk over the country at zooms 4..=14, first (uncached) requests.
    let mut lat_lon = Vec::new();
    let mut h: u64 = 12345;
    for _ in 0..600 {
        h = h
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let lon = 50.0 + 36.0 * ((h >> 20) % 10_000) as f64 / 10_000.0;
        let lat = 41.0 + 13.0 * ((h >> 40) % 10_000) as f64 / 10_000.0;
        let z = 4 + ((h >> 8) % 11) as u32;
        lat_lon.push((lon, lat, z));
    }
    let mut cold = Vec::new();
    let mut bytes = Vec::new();
    for &(lon, lat, z) in &lat_lon {
        let (x, y) = tile_of(lon, lat, z);
        let (d, n) = get(format!("/api/tiles/{z}/{x}/{y}.pbf"));
        cold.push(d);
        bytes.push(n);
    }
    let mut warm = Vec::new();
    for &(lon, lat, z) in &lat_lon {
        let (x, y) = tile_of(lon, lat, z);
        warm.push(get(format!("/api/tiles/{z}/{x}/{y}.pbf")).0);
    }
    bytes.sort();
    println!(
        "tiles z4-14 ({} requests): first request p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; cached p95 {:.3} ms; tile size median {} B, max {} B",
        cold.len(),
        ms(pct(&mut cold, 0.5)),
        ms(pct(&mut cold, 0.95)),
        ms(pct(&mut cold, 1.0)),
        ms(pct(&mut warm, 0.95)),
        bytes[bytes.len() / 2],
        bytes[bytes.len() - 1]
    );
    // The heaviest view: every low-zoom tile (all precincts, pre-encoded at load).
    let mut low = Vec::new();
    for z in 0..=5u32 {
        let (x0, y0) = tile_of(50.0, 54.0, z);
        let (x1, y1) = tile_of(86.0, 41.0, z);
        for x in x0..=x1 {
            for y in y0..=y1 {
                low.push(get(format!("/api/tiles/{z}/{x}/{y}.pbf")).0);
            }
        }
    }
    println!(
        "tiles z0-5 ({} requests, pre-encoded): p95 {:.3} ms",
        low.len(),
        ms(pct(&mut low, 0.95))
    );

    // Precinct cards.
    let mut cards = Vec::new();
    for i in 0..1000u64 {
        let no = (i * 7919) % (nx as u64 * ny as u64) + 1;
        cards.push(get(format!("/api/precincts/{no}")).0);
    }
    println!(
        "precinct cards (1000 requests): p50 {:.3} ms, p95 {:.3} ms",
        ms(pct(&mut cards, 0.5)),
        ms(pct(&mut cards, 0.95))
    );
    let mut lists = Vec::new();
    for i in 0..50 {
        lists.push(
            get(format!(
                "/api/precincts?flagged=true&sort=load&page={}",
                i % 5 + 1
            ))
            .0,
        );
    }
    println!(
        "flagged list page (50 requests): p95 {:.2} ms",
        ms(pct(&mut lists, 0.95))
    );

    // The real binary: spawn to the printed address, then to the first answered request.
    let t = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_precincts"))
        .args(["serve", "--report"])
        .arg(dir.path())
        .args(["--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let printed = t.elapsed();
    let addr = line
        .trim()
        .trim_start_matches("Open http://")
        .trim_end_matches('/')
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let ready = t.elapsed();
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "{}",
        &resp[..resp.len().min(100)]
    );
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "real binary: start to printed address {:.2} s, to first answered request {:.2} s",
        printed.as_secs_f64(),
        ready.as_secs_f64()
    );
}
