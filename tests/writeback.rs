//! Write-back end to end: the Appendix 3 lists that `check` writes from the polygons, read
//! back as the borders of the same dataset, agree with the polygons address for address.

mod common;

use common::run_check as check;
use std::collections::BTreeMap;
use std::path::Path;

fn counts(out: &Path) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let mut r = csv::Reader::from_path(out.join("findings.csv")).unwrap();
    for row in r.records() {
        *m.entry(row.unwrap()[0].to_string()).or_default() += 1;
    }
    m
}

#[test]
fn lists_written_from_the_polygons_read_back_to_the_same_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    precincts::demo::generate(d, &precincts::demo::DemoOptions::default()).unwrap();
    let dataset = d.join("dataset.toml");
    let out1 = d.join("out1");
    check(&[
        "--dataset",
        dataset.to_str().unwrap(),
        "--write-lists",
        "--out",
        out1.to_str().unwrap(),
    ]);
    let first = counts(&out1);

    for lang in ["ru", "kk"] {
        let lists = out1.join(format!("appendix3.{lang}.csv"));
        assert!(lists.exists(), "{lang} lists written");
        let out2 = d.join(format!("out2-{lang}"));
        check(&[
            "--dataset",
            dataset.to_str().unwrap(),
            "--borders",
            lists.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ]);
        let second = counts(&out2);
        // Each precinct's card carries its rows of the lists, as written in the file.
        let written = std::fs::read_to_string(&lists).unwrap();
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out2.join("report.geojson")).unwrap())
                .unwrap();
        for f in report["features"].as_array().unwrap() {
            let p = &f["properties"];
            if p["voters_by_list"].as_u64().unwrap_or(0) == 0 {
                continue;
            }
            let entries = p["border_entries"].as_array().unwrap();
            assert!(!entries.is_empty(), "{lang}: precinct {}", p["precinct"]);
            for e in entries {
                let street = e.as_str().unwrap().split_whitespace().last().unwrap();
                assert!(written.contains(street), "{lang}: {e} not in the lists");
            }
        }
        let n = |m: &BTreeMap<String, usize>, c: &str| m.get(c).copied().unwrap_or(0);
        for code in [
            "BORDER_PARSE_ERROR",
            "BORDER_LIST_POLYGON_MISMATCH",
            "ADDRESS_IN_SEVERAL_LISTS",
            "BORDER_ENTRY_MATCHES_NOTHING",
        ] {
            assert_eq!(n(&second, code), 0, "{lang}: {code}: {second:?}");
        }
        // The only addresses no list covers are the ones no polygon holds (the gap).
        assert_eq!(
            n(&second, "ADDRESS_IN_NO_LIST"),
            n(&first, "ADDRESS_IN_NO_PRECINCT"),
            "{lang}: {second:?}"
        );
        assert!(n(&first, "ADDRESS_IN_NO_PRECINCT") > 0);
        // Voters listed in another precinct than their polygon's are exactly the voters
        // listed in another precinct than their list's.
        assert_eq!(
            n(&second, "VOTER_LIST_PRECINCT_MISMATCH"),
            n(&first, "VOTER_IN_OTHER_PRECINCT"),
            "{lang}: {second:?}"
        );
    }
}
