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
    // Passport Latin and records without a usable IIN pair with the right person.
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
    // Category 1 records with warnings only (the IIN's date or sex digits, legal since
    // 2013) are counted apart from those with errors.
    let mut subs_of: BTreeMap<&String, BTreeSet<&str>> = BTreeMap::new();
    for (sub, codes) in &r.expected.categories["1"] {
        for c in codes {
            subs_of.entry(c).or_default().insert(sub.as_str());
        }
    }
    let warnings_only = subs_of
        .values()
        .filter(|s| s.iter().all(|x| ["iin_birth_date", "iin_sex"].contains(x)))
        .count() as u64;
    // Independently: every planted IIN-sex record, and the IIN-date records whose birth
    // date agrees with the register (the others also differ from it: an error).
    let c1 = &r.expected.categories["1"];
    let date_only = c1["iin_birth_date"].difference(&c1["birth_date"]).count();
    assert_eq!(
        warnings_only,
        (c1["iin_sex"].len() + date_only) as u64,
        "{subs_of:?}"
    );
    let c1 = &stats["totals"]["categories"]["1"];
    assert!(warnings_only >= 2);
    assert_eq!(c1["records_with_warnings_only"], warnings_only);
    assert_eq!(
        c1["records_with_errors"],
        subs_of.len() as u64 - warnings_only
    );
    assert!(
        r.stderr.contains(&format!(
            "category 1: {} records with errors, {warnings_only} with warnings only",
            subs_of.len() as u64 - warnings_only
        )),
        "{}",
        r.stderr
    );
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
    for stem in STEMS
        .iter()
        .chain(&["submission_only", "register_only", "spelling_variants"])
    {
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
    assert_eq!(wb.sheet_names().len(), 13);
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

/// Unusable input (a missing register, a register whose header names one field twice, a
/// date that does not exist) stops the run with exit 2 and an error that names the file or
/// the flag, never a person of the files it read.
#[test]
fn unusable_input_exits_with_2_and_names_no_person() {
    let r = run();
    let s = r.demo.join("sailau");
    let tmp = tempfile::tempdir().unwrap();
    let sub_text = std::fs::read_to_string(s.join("submission.csv")).unwrap();
    // The register with its IIN column named twice (the second header cell made the first's).
    let reg = std::fs::read_to_string(s.join("register.csv")).unwrap();
    let (head, body) = reg.split_once('\n').unwrap();
    let sep = if head.contains(';') { ";" } else { "," };
    let mut cells: Vec<&str> = head.trim_end_matches('\r').split(sep).collect();
    cells[2] = cells[1];
    let doubled = cells.join(sep);
    let bad_reg = tmp.path().join("register.csv");
    std::fs::write(&bad_reg, format!("{doubled}\n{body}")).unwrap();
    let missing = tmp.path().join("missing.csv");
    let cases: [(&Path, &str, &str); 3] = [
        (&missing, &r.expected.date, "missing.csv"),
        (&bad_reg, &r.expected.date, "register.csv"),
        (&s.join("register.csv"), "31.02.2026", "--date"),
    ];
    for (register, date, named) in cases {
        let o = Command::cargo_bin("precincts")
            .unwrap()
            .args(["reconcile", "--submission"])
            .arg(s.join("submission.csv"))
            .arg("--register")
            .arg(register)
            .arg("--refs")
            .arg(s.join("refs"))
            .args(["--date", date, "--region", &r.expected.region, "--out"])
            .arg(tmp.path().join("o"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{named}: {err}");
        assert!(err.contains(named), "{named}: {err}");
        for line in sub_text.lines().skip(1).take(500) {
            let cells: Vec<&str> = line.split(';').collect();
            if cells[1].len() >= 6 {
                assert!(!err.contains(cells[1]), "{named}: an IIN in stderr: {err}");
            }
            if cells[2].chars().count() >= 3 {
                assert!(
                    !err.contains(cells[2]),
                    "{named}: a surname in stderr: {err}"
                );
            }
        }
    }
}

/// Runs `precincts reconcile` on the demo's register with `sub` and `refs`; returns the
/// exit code and stderr.
fn reconcile_with(sub: &Path, refs: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let r = run();
    let o = Command::cargo_bin("precincts")
        .unwrap()
        .args(["reconcile", "--submission"])
        .arg(sub)
        .arg("--register")
        .arg(r.demo.join("sailau/register.csv"))
        .arg("--refs")
        .arg(refs)
        .args(["--date", "15.03.2026", "--region", &r.expected.region])
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

type Categories = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// Category → subcategory → record codes, as the category files list them.
fn categories(dir: &Path) -> Categories {
    let mut all = Categories::new();
    for (k, stem) in STEMS.iter().enumerate() {
        for (sub, rec, _, _) in rows(&dir.join(format!("{stem}.csv"))) {
            all.entry((k + 1).to_string())
                .or_default()
                .entry(sub)
                .or_default()
                .insert(rec);
        }
    }
    all
}

/// (record, field, rule) of `spelling_variants.csv`.
fn spelling(dir: &Path) -> BTreeSet<(String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("spelling_variants.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_string(), x[7].to_string(), x[10].to_string())
        })
        .collect()
}

/// Precision and recall of every planted (category, subcategory), computed from the record
/// sets; printed for the record (`--nocapture`), asserted ≥ 0.99.
fn assert_precision_recall(label: &str, got: &Categories, want: &Categories) {
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for m in [got, want] {
        for (c, subs) in m {
            for s in subs.keys() {
                keys.insert((c.clone(), s.clone()));
            }
        }
    }
    for (c, s) in keys {
        let empty = BTreeSet::new();
        let g = got.get(&c).and_then(|m| m.get(&s)).unwrap_or(&empty);
        let w = want.get(&c).and_then(|m| m.get(&s)).unwrap_or(&empty);
        let tp = g.intersection(w).count() as f64;
        let precision = if g.is_empty() {
            1.0
        } else {
            tp / g.len() as f64
        };
        let recall = if w.is_empty() {
            1.0
        } else {
            tp / w.len() as f64
        };
        println!(
            "{label}: category {c} {s}: planted {}, reported {}, precision {precision:.3}, recall {recall:.3}",
            w.len(),
            g.len()
        );
        assert!(
            precision >= 0.99 && recall >= 0.99,
            "{label}: category {c} {s}: precision {precision}, recall {recall}"
        );
    }
}

/// No control (spelling variants, twins, namesakes) is in category 1 but for the missing
/// IIN the twins carry, nor in any other category.
fn assert_no_control_reported(label: &str, got: &Categories, e: &SailauExpected) {
    for (c, subs) in got {
        for (s, codes) in subs {
            for code in codes.intersection(&e.controls) {
                let planted = e
                    .categories
                    .get(c)
                    .and_then(|m| m.get(s))
                    .is_some_and(|x| x.contains(code));
                assert!(planted, "{label}: control {code} reported in {c} {s}");
            }
        }
    }
}

#[test]
fn spelling_controls_are_variants_never_category_1() {
    let r = run();
    let dir = r.out.join("reconciliation");
    let got = categories(&dir);
    assert_no_control_reported("utf-8", &got, &r.expected);
    // Every control in spelling_variants.csv under the rule that explains it, and nothing
    // else there (the rest of the region is spelled alike in both files).
    assert_eq!(spelling(&dir), r.expected.spelling_variants);
    let rules: BTreeSet<&str> = r
        .expected
        .spelling_variants
        .iter()
        .map(|x| x.2.as_str())
        .collect();
    assert_eq!(
        rules,
        BTreeSet::from([
            "case_yo",
            "cp1251_damage",
            "hyphen_space",
            "kazakh_latin_2021",
            "kazakh_latin_2021_plain",
            "kazakh_russian_letters",
            "passport_latin",
        ])
    );
    // Both directions of the Kazakh / Russian letters are planted.
    assert!(r.stderr.contains("spelling variants"), "{}", r.stderr);
    let stats: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("reconciliation_stats.json")).unwrap(),
    )
    .unwrap();
    let records: BTreeSet<&String> = r.expected.spelling_variants.iter().map(|x| &x.0).collect();
    assert_eq!(stats["spelling_variants"]["records"], records.len() as u64);
    let act = std::fs::read_to_string(dir.join("act.txt")).unwrap();
    assert!(
        act.contains(&format!(
            "Spelling variants (not discrepancies): {} ",
            records.len()
        )),
        "{act}"
    );
}

#[test]
fn header_languages_and_the_excel_copy_give_identical_categories() {
    use precincts::demo::sailau::{HeaderLanguage, excel_copy, with_header};
    let r = run();
    let tmp = tempfile::tempdir().unwrap();
    let src = r.demo.join("sailau/submission.csv");
    let refs = r.demo.join("sailau/refs");
    let mut variants: Vec<(&str, std::path::PathBuf)> = Vec::new();
    for (label, lang) in [
        ("english", HeaderLanguage::English),
        ("russian", HeaderLanguage::Russian),
        ("kazakh", HeaderLanguage::Kazakh),
    ] {
        let p = tmp.path().join(format!("{label}.csv"));
        with_header(&src, &p, lang).unwrap();
        variants.push((label, p));
    }
    let excel = tmp.path().join("excel.csv");
    excel_copy(&variants[1].1, &excel).unwrap();
    let bytes = std::fs::read(&excel).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "CP1251");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"));
    variants.push(("excel-cp1251", excel));
    for (label, path) in &variants {
        let out = tmp.path().join(format!("out-{label}"));
        let (code, stderr) = reconcile_with(path, &refs, &out, &[]);
        assert_eq!(code, 0, "{label}: {stderr}");
        assert!(!stderr.contains("warning: "), "{label}: {stderr}");
        let dir = out.join("reconciliation");
        let got = categories(&dir);
        assert_precision_recall(label, &got, &r.expected.categories);
        assert_eq!(got, r.expected.categories, "{label}");
        assert_no_control_reported(label, &got, &r.expected);
        let variants = spelling(&dir);
        if *label == "excel-cp1251" {
            // The copy turns Kazakh letters into look-alikes or `?`: many more variants,
            // and every control is still one (under whichever rule the copy left).
            let fields: BTreeSet<(String, String)> = variants
                .iter()
                .map(|(c, f, _)| (c.clone(), f.clone()))
                .collect();
            // Unless the copy made the two spellings equal (a Kazakh letter the register
            // writes as Russian, or as `?`, may come out of the copy as just that).
            let copy = values(path, true);
            let register = values(&r.demo.join("sailau/register.csv"), false);
            for (c, f, _) in &r.expected.spelling_variants {
                let k = FIELDS.iter().position(|x| x == f).unwrap();
                // (A record only in the list pairs with another code: never the same.)
                let same = match (copy.get(c), register.get(c)) {
                    (Some(a), Some(b)) => a[k] == b[k],
                    _ => false,
                };
                assert!(
                    fields.contains(&(c.clone(), f.clone())) != same,
                    "{label}: {c} {f}"
                );
            }
            assert!(variants.iter().any(|v| v.2 == "cp1251_damage"));
        } else {
            assert_eq!(variants, r.expected.spelling_variants, "{label}");
        }
    }
}

const FIELDS: [&str; 3] = ["surname", "name", "middle_name"];

/// Record code → (surname, name, middle name) of a voter file (the demo's column order),
/// decoded from CP1251 when asked.
fn values(path: &Path, cp1251: bool) -> BTreeMap<String, [String; 3]> {
    let bytes = std::fs::read(path).unwrap();
    let text = if cp1251 {
        encoding_rs::WINDOWS_1251.decode(&bytes).0.into_owned()
    } else {
        String::from_utf8(bytes).unwrap()
    };
    let mut r = csv::ReaderBuilder::new()
        .delimiter(if cp1251 { b';' } else { b',' })
        .from_reader(text.as_bytes());
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].to_string(),
                [x[2].to_string(), x[3].to_string(), x[4].to_string()],
            )
        })
        .collect()
}

/// Copies the demo's refs folder under other names.
fn refs_named(names: &[(&str, &str)], extra: &[(&str, &str)]) -> tempfile::TempDir {
    let r = run();
    let d = tempfile::tempdir().unwrap();
    for (from, to) in names {
        std::fs::copy(r.demo.join("sailau/refs").join(from), d.path().join(to)).unwrap();
    }
    for (name, text) in extra {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

const AGENCY_NAMES: [(&str, &str); 8] = [
    ("deceased.csv", "Умершие 2026.csv"),
    ("emigrated.csv", "departed.csv"),
    ("confined.csv", "confinement.csv"),
    ("incapable.csv", "әрекетке қабілетсіздер.csv"),
    ("lost_citizenship.csv", "утратившие гражданство.csv"),
    ("non_citizens.csv", "Не граждане РК.csv"),
    ("deregistered.csv", "снятые с учета.CSV"),
    ("documents.csv", "Реестр документов.csv"),
];

#[test]
fn reference_lists_under_agency_names_give_the_same_results() {
    let r = run();
    let refs = refs_named(&AGENCY_NAMES, &[]);
    let tmp = tempfile::tempdir().unwrap();
    let (code, stderr) = reconcile_with(
        &r.demo.join("sailau/submission.csv"),
        refs.path(),
        tmp.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        categories(&tmp.path().join("reconciliation")),
        r.expected.categories
    );
    assert!(!stderr.contains("check skipped"), "{stderr}");
    for (_, name) in AGENCY_NAMES {
        assert!(stderr.contains(name), "{name} not named: {stderr}");
    }
    let act = std::fs::read_to_string(tmp.path().join("reconciliation/act.txt")).unwrap();
    assert!(act.contains("departed.csv → emigrated"), "{act}");
    assert!(act.contains("confinement.csv → confined"), "{act}");
    let act: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("reconciliation/act.json")).unwrap(),
    )
    .unwrap();
    let served: BTreeSet<(String, String)> = act["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "reference")
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["check"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(served.len(), 8, "{served:?}");
    assert!(served.contains(&("Умершие 2026.csv".into(), "deceased".into())));
}

#[test]
fn a_list_known_only_by_its_headers_is_recognised() {
    let r = run();
    let mut names: Vec<(&str, &str)> = AGENCY_NAMES.to_vec();
    names.retain(|(f, _)| *f != "deceased.csv");
    let text = std::fs::read_to_string(r.demo.join("sailau/refs/deceased.csv")).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let with_death = format!(
        "{head},Дата смерти\n{}",
        body.replace('\n', ",01.01.2026\n")
    );
    let refs = refs_named(&names, &[("export_0412.csv", with_death.as_str())]);
    let tmp = tempfile::tempdir().unwrap();
    let (code, stderr) = reconcile_with(
        &r.demo.join("sailau/submission.csv"),
        refs.path(),
        tmp.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("export_0412.csv (recognised by its headers)"),
        "{stderr}"
    );
    assert_eq!(
        categories(&tmp.path().join("reconciliation")),
        r.expected.categories
    );
}

#[test]
fn an_unrecognised_reference_file_stops_the_run_naming_it() {
    let r = run();
    let refs = refs_named(&AGENCY_NAMES, &[("notes.csv", "Кто;Что\nя;список\n")]);
    let tmp = tempfile::tempdir().unwrap();
    let sub = r.demo.join("sailau/submission.csv");
    let (code, stderr) = reconcile_with(&sub, refs.path(), tmp.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("notes.csv"), "{stderr}");
    assert!(stderr.contains("--ignore-ref"), "{stderr}");
    // Left out on purpose: the run goes on, and says so.
    let (code, stderr) = reconcile_with(
        &sub,
        refs.path(),
        tmp.path(),
        &["--ignore-ref", "notes.csv"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("notes.csv left out"), "{stderr}");
    assert_eq!(
        categories(&tmp.path().join("reconciliation")),
        r.expected.categories
    );
}

#[test]
fn a_missing_list_skips_its_check_loudly() {
    let r = run();
    let mut names: Vec<(&str, &str)> = AGENCY_NAMES.to_vec();
    names.retain(|(f, _)| *f != "emigrated.csv");
    let refs = refs_named(&names, &[]);
    let tmp = tempfile::tempdir().unwrap();
    let (code, stderr) = reconcile_with(
        &r.demo.join("sailau/submission.csv"),
        refs.path(),
        tmp.path(),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("WARNING: check skipped, no reference list for emigrated"),
        "{stderr}"
    );
    let got = categories(&tmp.path().join("reconciliation"));
    assert_eq!(got.get("7"), None);
    let act = std::fs::read_to_string(tmp.path().join("reconciliation/act.txt")).unwrap();
    assert!(act.contains("emigrated: тізім жоқ"), "{act}");
}

#[test]
fn the_date_and_the_region_are_checked_before_any_reading() {
    let tmp = tempfile::tempdir().unwrap();
    for (date, region, want) in [
        ("2026-13-01", "750000000", "--date"),
        ("15.03.2026", "751010000", "not a region code"),
        ("15.03.2026", "990000000", "not a region code"),
    ] {
        let o = Command::cargo_bin("precincts")
            .unwrap()
            .args(["reconcile", "--submission", "a.csv", "--register", "b.csv"])
            .arg("--refs")
            .arg(tmp.path())
            .args(["--date", date, "--region", region, "--out"])
            .arg(tmp.path().join("o"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(want), "{date} {region}: {e}");
    }
}
