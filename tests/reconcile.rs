//! End to end: the demo generator plants every category and subcategory of the
//! reconciliation; `precincts reconcile` must report exactly the planted records.

use assert_cmd::Command;
use precincts::demo::sailau::SailauExpected;
use precincts::demo::{DemoOptions, generate};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Reads a category CSV: (subcategory, record, matched_by, register record) per row.
fn rows(path: &Path) -> Vec<(String, String, String, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[1].to_string(),
                x[3].to_string(),
                x[12].to_string(),
                x[14].to_string(),
            )
        })
        .collect()
}

fn codes(path: &Path) -> BTreeSet<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records().map(|x| x.unwrap()[0].to_string()).collect()
}

struct Run {
    demo: std::path::PathBuf,
    out: std::path::PathBuf,
    expected: SailauExpected,
    stderr: String,
}

/// The demo and one reconcile run, shared by the tests (generated once per test binary in
/// Cargo's per-target temporary folder).
fn run() -> &'static Run {
    static RUN: std::sync::OnceLock<Run> = std::sync::OnceLock::new();
    RUN.get_or_init(make_run)
}

fn make_run() -> Run {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reconcile-demo");
    let _ = std::fs::remove_dir_all(&tmp);
    let demo = tmp.join("demo");
    let opts = DemoOptions {
        voters: 12_000,
        precincts: 12,
        ..DemoOptions::default()
    };
    generate(&demo, &opts).unwrap();
    let s = demo.join("sailau");
    let expected: SailauExpected =
        serde_json::from_str(&std::fs::read_to_string(s.join("expected.json")).unwrap()).unwrap();
    let out = tmp.join("out");
    let o = Command::cargo_bin("precincts")
        .unwrap()
        .args(["reconcile", "--submission"])
        .arg(s.join("submission.csv"))
        .arg("--register")
        .arg(s.join("register.csv"))
        .arg("--refs")
        .arg(s.join("refs"))
        .args(["--date", &expected.date, "--region", &expected.region])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    Run {
        demo,
        out,
        expected,
        stderr,
    }
}

#[test]
fn every_planted_record_is_found_in_its_category_and_nothing_else() {
    let r = run();
    let dir = r.out.join("reconciliation");
    let stems = [
        "cat1_identification",
        "cat2_documents",
        "cat3_twice_in_precinct",
        "cat4_several_precincts",
        "cat5_other_region",
        "cat6_no_registration",
        "cat7_emigrated",
        "cat8_non_citizens",
        "cat9_no_suffrage",
    ];
    let mut by_name = BTreeSet::new();
    for (k, stem) in stems.iter().enumerate() {
        let cat = (k + 1).to_string();
        let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (sub, rec, matched, reg) in rows(&dir.join(format!("{stem}.csv"))) {
            got.entry(sub).or_default().insert(rec.clone());
            if matched == "name_dob" {
                by_name.insert((rec, reg));
            }
        }
        let want = r.expected.categories.get(&cat).cloned().unwrap_or_default();
        assert_eq!(got, want, "category {cat}");
    }
    // Every subcategory is planted at least once.
    let planted: usize = r.expected.categories.values().map(|m| m.len()).sum();
    assert_eq!(
        planted,
        precincts::reconcile::Sub::ALL.len(),
        "{:?}",
        r.expected.categories
    );
    // Spelling variants and records without a usable IIN pair with the right person.
    assert_eq!(by_name, r.expected.pairs_by_name);
    assert_eq!(
        codes(&dir.join("submission_only.csv")),
        r.expected.submission_only
    );
    assert_eq!(
        codes(&dir.join("register_only.csv")),
        r.expected.register_only
    );
}

#[test]
fn statistics_act_workbook_and_map_counts_are_written() {
    let r = run();
    let dir = r.out.join("reconciliation");
    let stats: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("reconciliation_stats.json")).unwrap(),
    )
    .unwrap();
    // Category 3 records: the planted ones, counted once each.
    let cat3 = r.expected.categories["3"]
        .values()
        .flatten()
        .collect::<BTreeSet<_>>()
        .len();
    assert_eq!(stats["totals"]["categories"]["3"]["records"], cat3 as u64);
    let precinct_sum: u64 = stats["precincts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["categories"]["9"]["records"].as_u64().unwrap())
        .sum();
    assert_eq!(
        precinct_sum,
        stats["totals"]["categories"]["9"]["records"]
            .as_u64()
            .unwrap()
    );
    assert!(!stats["districts"].as_array().unwrap().is_empty());
    // The act: inputs and outputs with size and SHA-256 computed independently here.
    let act: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("act.json")).unwrap()).unwrap();
    let files = act["files"].as_array().unwrap();
    let sub = files
        .iter()
        .find(|f| f["name"] == "submission.csv")
        .unwrap();
    let bytes = std::fs::read(r.demo.join("sailau/submission.csv")).unwrap();
    assert_eq!(sub["bytes"], bytes.len() as u64);
    let lines = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!(sub["records"], lines - 1);
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sub["sha256"], hex);
    assert!(files.iter().any(|f| f["name"] == "cat1_identification.csv"));
    assert!(files.iter().any(|f| f["name"] == "deceased.csv"));
    assert!(
        std::fs::read_to_string(dir.join("act.txt"))
            .unwrap()
            .contains("SHA-256")
    );
    // The workbook opens and has a sheet per category plus lists and statistics.
    let wb: calamine::Xlsx<_> = calamine::open_workbook(dir.join("reconciliation.xlsx")).unwrap();
    use calamine::Reader;
    assert_eq!(wb.sheet_names().len(), 12);
    // Headers in Kazakh and Russian.
    let head = std::fs::read_to_string(dir.join("cat1_identification.csv")).unwrap();
    assert!(head.lines().next().unwrap().contains("ЖСН / ИИН"));
}

#[test]
fn counts_are_joined_onto_the_precinct_report() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run();
    let out = tmp.path();
    std::fs::write(
        out.join("report.geojson"),
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":null,"properties":{"precinct":"nowhere"}}]}"#,
    )
    .unwrap();
    let s = r.demo.join("sailau");
    Command::cargo_bin("precincts")
        .unwrap()
        .args(["reconcile", "--submission"])
        .arg(s.join("submission.csv"))
        .arg("--register")
        .arg(s.join("register.csv"))
        .arg("--refs")
        .arg(s.join("refs"))
        .args(["--date", &r.expected.date, "--region", &r.expected.region])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.geojson")).unwrap())
            .unwrap();
    let rec = &v["features"][0]["properties"]["reconciliation"];
    assert_eq!(rec["total"], 0);
    assert_eq!(rec["9"], 0);
}

#[test]
fn no_iin_or_name_reaches_the_console() {
    let r = run();
    let sub = std::fs::read_to_string(r.demo.join("sailau/submission.csv")).unwrap();
    for line in sub.lines().skip(1).take(200) {
        let cells: Vec<&str> = line.split(';').collect();
        if cells[1].len() >= 6 {
            assert!(!r.stderr.contains(cells[1]), "an IIN in stderr");
        }
        assert!(!r.stderr.contains(cells[2]), "a surname in stderr");
    }
}

#[test]
fn unusable_input_exits_with_2_and_names_no_person() {
    let tmp = tempfile::tempdir().unwrap();
    Command::cargo_bin("precincts")
        .unwrap()
        .args([
            "reconcile",
            "--submission",
            "missing.csv",
            "--register",
            "x.csv",
        ])
        .arg("--refs")
        .arg(tmp.path())
        .args(["--date", "2026-03-15", "--region", "750000000", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
    Command::cargo_bin("precincts")
        .unwrap()
        .args(["reconcile", "--submission", "a.csv", "--register", "b.csv"])
        .arg("--refs")
        .arg(tmp.path())
        .args(["--date", "15.03.2026", "--region", "750000000", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
}
