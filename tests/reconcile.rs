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

const STEMS: [&str; 9] = [
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

/// Records in a file, counted here without the reconciler: non-empty lines minus the
/// header for an input CSV; rows of a CSV output (BOM, quoted cells); data rows of every
/// sheet of a workbook; precincts of the statistics; features of a GeoJSON.
fn independent_records(path: &Path) -> u64 {
    let name = path.file_name().unwrap().to_str().unwrap();
    if name.ends_with(".xlsx") {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
        let mut n = 0u64;
        for sheet in wb.sheet_names().to_vec() {
            let range = wb.worksheet_range(&sheet).unwrap();
            // Header row, then data rows (no sheet of the demo reaches the row limit).
            assert!(range.height() < precincts::reconcile::XLSX_MAX_ROWS);
            n += range.height().saturating_sub(1) as u64;
        }
        n
    } else if name == "reconciliation_stats.json" {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["precincts"].as_array().unwrap().len() as u64
    } else if name.ends_with(".geojson") {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["features"].as_array().unwrap().len() as u64
    } else if path.parent().unwrap().ends_with("reconciliation") {
        let mut r = csv::Reader::from_path(path).unwrap();
        r.records().count() as u64
    } else {
        let bytes = std::fs::read(path).unwrap();
        let lines = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(|b| b.is_ascii_whitespace()))
            .count() as u64;
        lines - 1
    }
}

/// Every file of the act, by name, has the size, SHA-256 and record count computed here;
/// the act lists exactly the files of `want`.
fn assert_act_matches(act: &serde_json::Value, want: &BTreeMap<String, std::path::PathBuf>) {
    use sha2::Digest;
    let files = act["files"].as_array().unwrap();
    let names: BTreeSet<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        want.keys().map(String::as_str).collect::<BTreeSet<_>>()
    );
    assert_eq!(names.len(), files.len(), "a file twice in the act");
    for f in files {
        let name = f["name"].as_str().unwrap();
        let path = &want[name];
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(f["bytes"], bytes.len() as u64, "{name}");
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(f["sha256"], hex, "{name}");
        let n = independent_records(path);
        assert_eq!(f["records"], n, "{name}");
        assert!(
            n > 0,
            "{name} has no records: the demo plants some in every file"
        );
    }
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
    let mut by_name = BTreeSet::new();
    for (k, stem) in STEMS.iter().enumerate() {
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
    // The act: every input and output with size, records and SHA-256 computed
    // independently here.
    let act: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("act.json")).unwrap()).unwrap();
    let s = r.demo.join("sailau");
    let mut want: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    want.insert("submission.csv".into(), s.join("submission.csv"));
    want.insert("register.csv".into(), s.join("register.csv"));
    for e in std::fs::read_dir(s.join("refs")).unwrap() {
        let p = e.unwrap().path();
        want.insert(p.file_name().unwrap().to_str().unwrap().into(), p);
    }
    for stem in STEMS.iter().chain(&["submission_only", "register_only"]) {
        want.insert(format!("{stem}.csv"), dir.join(format!("{stem}.csv")));
    }
    for f in ["reconciliation.xlsx", "reconciliation_stats.json"] {
        want.insert(f.into(), dir.join(f));
    }
    assert_act_matches(&act, &want);
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

/// The map's counts on the demo's real precinct report: `check` writes report.geojson,
/// `reconcile` into the same folder joins its counts on; each precinct's counts equal the
/// distinct record codes of that precinct in each category CSV, counted here.
#[test]
fn counts_on_the_real_report_equal_the_category_files() {
    let r = run();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let status = Command::cargo_bin("precincts")
        .unwrap()
        .arg("check")
        .arg("--dataset")
        .arg(r.demo.join("dataset.toml"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
        .status;
    assert!(matches!(status.code(), Some(0 | 1)), "{status}");
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
    // precinct → category → record codes, and precinct → records in any category.
    let dir = out.join("reconciliation");
    let mut want: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut total: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, stem) in STEMS.iter().enumerate() {
        let mut rd = csv::Reader::from_path(dir.join(format!("{stem}.csv"))).unwrap();
        for x in rd.records() {
            let x = x.unwrap();
            assert_eq!(&x[0], (k + 1).to_string());
            let (record, precinct) = (x[3].to_string(), x[5].to_string());
            want.entry(precinct.clone())
                .or_default()
                .entry((k + 1).to_string())
                .or_default()
                .insert(record.clone());
            total.entry(precinct).or_default().insert(record);
        }
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.geojson")).unwrap())
            .unwrap();
    let features = v["features"].as_array().unwrap();
    let mut seen = BTreeSet::new();
    let mut nonzero = 0;
    for f in features {
        let p = f["properties"]["precinct"].as_str().unwrap().to_string();
        let rec = &f["properties"]["reconciliation"];
        let cats = want.get(&p).cloned().unwrap_or_default();
        for k in 1..=9 {
            let n = cats.get(&k.to_string()).map_or(0, |s| s.len());
            assert_eq!(rec[k.to_string()], n as u64, "precinct {p}, category {k}");
        }
        let n = total.get(&p).map_or(0, |s| s.len());
        assert_eq!(rec["total"], n as u64, "precinct {p}");
        if n > 0 {
            nonzero += 1;
            seen.insert(p);
        }
    }
    // Several real precincts carry discrepancies, and the precinct numbers of the category
    // files are those of the report (written alike, so the join found them).
    assert!(nonzero >= 3, "{nonzero} precincts with discrepancies");
    let on_map = total.keys().filter(|p| seen.contains(*p)).count();
    assert!(
        on_map * 2 > total.len(),
        "{on_map} of {} precincts found on the map",
        total.len()
    );
    // The act lists the updated report with its features.
    let act: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("act.json")).unwrap()).unwrap();
    let geo = act["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "report.geojson")
        .unwrap();
    assert_eq!(
        geo["records"],
        independent_records(&out.join("report.geojson"))
    );
    assert_eq!(
        geo["bytes"],
        std::fs::metadata(out.join("report.geojson")).unwrap().len()
    );
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
