//! The demo generator against the real checker: `precincts check` on a generated dataset must
//! report exactly the planted findings and reject exactly the planted bad rows.
//!
//! Keys follow `CHECKS.md`: (code, precinct, record, line), `line` kept only for
//! `ADDRESS_IN_NO_PRECINCT` (on both sides: the border lists' expectations carry lines for
//! their address codes too, which are dropped here); rejects by (file basename, line, field).

mod common;
use common::run_check;

use precincts::demo::{DemoOptions, ExpectedFile, generate};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The one code whose key keeps the line (CHECKS.md); every other code is keyed without it.
const LINE_KEYED: &str = "ADDRESS_IN_NO_PRECINCT";

type Key = (String, Option<String>, Option<String>, Option<u64>);
type RejectKey = (String, u64, String);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_precincts")
}

fn none_if_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn multiset<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeMap<T, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

/// `a - b` as multisets.
fn minus<T: Ord + Clone>(a: &BTreeMap<T, usize>, b: &BTreeMap<T, usize>) -> Vec<(T, usize)> {
    a.iter()
        .filter_map(|(k, &n)| {
            let m = b.get(k).copied().unwrap_or(0);
            (n > m).then(|| (k.clone(), n - m))
        })
        .collect()
}

fn read_csv(path: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let header = r.headers().unwrap().clone();
    let rows = r.records().map(|x| x.unwrap()).collect();
    (header, rows)
}

fn col(header: &csv::StringRecord, name: &str) -> usize {
    header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// Compares `out/findings.csv` and `out/rejects.csv` with `expected.json`; panics listing
/// what is missing and what is extra.
fn assert_report_matches(dir: &Path, out: &Path) {
    let expected: ExpectedFile =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let want = multiset(expected.findings.iter().map(|e| {
        let line = e.line.filter(|_| e.code == LINE_KEYED);
        (e.code.clone(), e.precinct.clone(), e.record.clone(), line)
    }));
    let (h, rows) = read_csv(&out.join("findings.csv"));
    let (c, p, r, l) = (
        col(&h, "code"),
        col(&h, "precinct"),
        col(&h, "record"),
        col(&h, "line"),
    );
    let got: BTreeMap<Key, usize> = multiset(rows.iter().map(|row| {
        let code = row[c].to_string();
        let line = (code == LINE_KEYED)
            .then(|| row[l].parse::<u64>().ok())
            .flatten();
        (code, none_if_empty(&row[p]), none_if_empty(&row[r]), line)
    }));
    let missing = minus(&want, &got);
    let extra = minus(&got, &want);

    let want_rej = multiset(
        expected
            .rejects
            .iter()
            .map(|x| (x.file.clone(), x.line, x.field.clone())),
    );
    let (h, rows) = read_csv(&out.join("rejects.csv"));
    let (f, l, fl) = (col(&h, "file"), col(&h, "line"), col(&h, "field"));
    let got_rej: BTreeMap<RejectKey, usize> = multiset(rows.iter().map(|row| {
        let base = Path::new(&row[f])
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (
            base,
            row[l].parse::<u64>().unwrap_or(0),
            row[fl].to_string(),
        )
    }));
    let missing_rej = minus(&want_rej, &got_rej);
    let extra_rej = minus(&got_rej, &want_rej);

    let mut report = String::new();
    for (name, v) in [("missing finding", &missing), ("extra finding", &extra)] {
        for (k, n) in v {
            report.push_str(&format!("{name} ×{n}: {k:?}\n"));
        }
    }
    for (name, v) in [
        ("missing reject", &missing_rej),
        ("extra reject", &extra_rej),
    ] {
        for (k, n) in v {
            report.push_str(&format!("{name} ×{n}: {k:?}\n"));
        }
    }
    assert!(
        report.is_empty(),
        "the check disagrees with the planted problems of {}:\n{report}",
        dir.display()
    );
    assert!(!want.is_empty() && !want_rej.is_empty());
}

/// Voters per precinct in `report.geojson` against the generator's plan: each voter whose
/// record names its home address point counts in the precinct whose polygon the generator
/// drew around the point, unless the generator wrote the address ambiguously (then the
/// voter is placed nowhere). Counted from the plan, never from the check.
fn assert_voters_match(town: &precincts::demo::Town, out: &Path) {
    use precincts::demo::VoterAddress;
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for p in &town.precincts {
        want.entry(p.no.as_str().to_string()).or_insert(0);
    }
    for i in 0..town.voter_count {
        let a = town.voter_address_index(i);
        let ad = &town.addresses[a];
        if town.written_ambiguously(ad) {
            continue;
        }
        let v = town.voter(i);
        if let (VoterAddress::Point(_), Some(p)) = (&v.address, ad.precinct) {
            *want
                .entry(town.precincts[p as usize].no.as_str().to_string())
                .or_insert(0) += 1;
        }
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.geojson")).unwrap()).unwrap();
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    for f in report["features"].as_array().unwrap() {
        let p = &f["properties"];
        if let (Some(no), Some(n)) = (p["precinct"].as_str(), p["voters"].as_u64()) {
            *got.entry(no.to_string()).or_insert(0) += n;
        }
    }
    let differ: Vec<(&String, u64, u64)> = want
        .iter()
        .filter_map(|(no, &w)| {
            let g = got.get(no).copied().unwrap_or(0);
            (g != w).then_some((no, w, g))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} precincts differ (precinct, plan, report): {:?}",
        differ.len(),
        &differ[..differ.len().min(20)]
    );
}

#[test]
fn the_default_demo_reports_exactly_the_planted_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let status = Command::new(bin())
        .args(["demo", "--no-serve", "--out-dir"])
        .arg(&dir)
        .status()
        .expect("run precincts demo");
    assert!(status.success(), "precincts demo failed: {status}");
    assert_report_matches(&dir, &dir.join("out"));
}

#[test]
fn a_two_region_demo_reports_exactly_the_planted_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let opts = DemoOptions {
        voters: 300_000,
        precincts: 1_100,
        addresses: Some(60_000),
        seed: 11,
    };
    let town = generate(dir, &opts).unwrap();
    assert_eq!(town.regions.len(), 2);
    // The second region writes precinct numbers with leading zeros.
    assert!(
        town.precincts
            .iter()
            .any(|p| p.region == 1 && p.no.as_str().starts_with('0'))
    );
    let out = dir.join("out");
    // The run completed: 0, whatever it found (2 would be unusable input).
    run_check(&[
        "--dataset",
        dir.join("dataset.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_report_matches(dir, &out);
    assert_voters_match(&town, &out);
}

/// National scale: `cargo test --release --test demo -- --ignored national --nocapture`.
/// Prints how long generation and the check take, and compares the report as above.
#[test]
#[ignore = "national scale: 12 million voters, ~3 GB of files, minutes in a debug build"]
fn national_scale_demo_reports_exactly_the_planted_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let opts = DemoOptions {
        voters: 12_000_000,
        precincts: 10_000,
        addresses: Some(2_000_000),
        seed: 2026,
    };
    let t = std::time::Instant::now();
    let town = generate(dir, &opts).unwrap();
    eprintln!(
        "generated {} voters, {} precincts, {} addresses in {} regions: {:.1} s",
        town.voter_count,
        town.precincts.len(),
        town.addresses.len(),
        town.regions.len(),
        t.elapsed().as_secs_f64()
    );
    let out = dir.join("out");
    let t = std::time::Instant::now();
    let status = Command::new(bin())
        .arg("check")
        .arg("--dataset")
        .arg(dir.join("dataset.toml"))
        .arg("--out")
        .arg(&out)
        .status()
        .expect("run precincts check");
    eprintln!("checked in {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!(status.code(), Some(0), "precincts check failed: {status}");
    assert_report_matches(dir, &out);
    assert_voters_match(&town, &out);
}
