//! Write-back end to end: the Appendix 3 lists that `check` writes from the polygons, read
//! back as the borders of the same dataset, agree with the polygons address for address.

mod common;

use common::run_check as check;
use precincts::borders::{BorderTable, BordersInput, ParsedEntry, check_borders, read_borders};
use precincts::demo::Town;
use precincts::io::{Intake, read_addresses};
use precincts::model::{FindingCode, PrecinctNo, SourceRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    let town = precincts::demo::generate(d, &precincts::demo::DemoOptions::default()).unwrap();
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
        each_written_row_covers_exactly_its_planned_houses(d, &lists, &town, lang);
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

/// Every row of a written table, matched alone against the demo's address points, covers
/// exactly the addresses the generator's plan puts in that row's precinct on one street, and
/// the rows of a precinct together cover all of its planned addresses. The expectation is the
/// plan's (`Address::precinct`, the polygon the generator drew around the point), not the
/// check's assignment.
fn each_written_row_covers_exactly_its_planned_houses(
    d: &Path,
    lists: &Path,
    town: &Town,
    lang: &str,
) {
    let mut intake = Intake::default();
    let addrs = read_addresses(&d.join("addresses.csv"), None, &mut intake).unwrap();
    let (table, findings) = read_borders(lists, &mut intake).unwrap();
    assert!(findings.is_empty(), "{lang}: {findings:?}");
    // Each row under a precinct number of its own (10000 + row), so the matching says which
    // row covers an address.
    let mut rows: BTreeMap<u64, (PrecinctNo, String, String, Vec<ParsedEntry>)> = BTreeMap::new();
    for e in &table.entries {
        let pb = &table.precincts[e.precinct];
        let r = rows.entry(e.source.line).or_insert_with(|| {
            (
                pb.no.clone(),
                pb.locality_type.clone(),
                pb.locality.clone(),
                Vec::new(),
            )
        });
        assert_eq!(r.0, pb.no, "{lang}: row {} of two precincts", e.source.line);
        r.3.push(ParsedEntry {
            target: e.target.clone(),
            houses: e.houses.clone(),
        });
    }
    let row_no = |line: u64| -> PrecinctNo { (10_000 + line).to_string().parse().unwrap() };
    let mut by_row = BorderTable::default();
    for (line, (_, ltype, loc, entries)) in &rows {
        let src = SourceRef {
            file: "lists.csv".into(),
            line: *line,
        };
        by_row.push_row(&row_no(*line), ltype, loc, entries.clone(), "", src);
    }
    let none = vec![None; addrs.len()];
    let out = check_borders(&BordersInput {
        table: &by_row,
        addresses: &addrs,
        address_polygon: None,
        precincts: &[],
        address_admin: &none,
        admin: &[],
        voters: None,
        voter_address: &[],
        aliases: None,
        cap: 3000,
    });
    let several: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::AddressInSeveralLists)
        .collect();
    assert!(several.is_empty(), "{lang}: rows overlap: {several:?}");
    // The plan: address line → (street, precinct number).
    let plan: HashMap<u64, (u32, Option<&PrecinctNo>)> = town
        .addresses
        .iter()
        .map(|a| {
            let p = a.precinct.map(|i| &town.precincts[i as usize].no);
            (a.line, (a.street, p))
        })
        .collect();
    // Row → the address lines it covers.
    let mut covered: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for (a, got) in addrs.iter().zip(&out.address_list) {
        if let Some(no) = got {
            let line: u64 = no.as_str().parse::<u64>().unwrap() - 10_000;
            covered.entry(line).or_default().insert(a.source.line);
        }
    }
    let mut covered_by_precinct: BTreeMap<PrecinctNo, BTreeSet<u64>> = BTreeMap::new();
    for (line, (no, ..)) in &rows {
        let got = covered.get(line).cloned().unwrap_or_default();
        assert!(!got.is_empty(), "{lang}: row {line} covers nothing");
        let streets: BTreeSet<u32> = got.iter().map(|l| plan[l].0).collect();
        assert_eq!(
            streets.len(),
            1,
            "{lang}: row {line} spans streets {streets:?}"
        );
        let street = *streets.first().unwrap();
        let want: BTreeSet<u64> = plan
            .iter()
            .filter(|(_, (s, p))| *s == street && *p == Some(no))
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(got, want, "{lang}: row {line} of precinct {no}");
        covered_by_precinct
            .entry(no.clone())
            .or_default()
            .extend(got);
    }
    // Every precinct the plan gives an address has rows, covering all of its addresses.
    let planned: BTreeSet<&PrecinctNo> = plan.values().filter_map(|(_, p)| *p).collect();
    assert_eq!(
        covered_by_precinct.keys().collect::<BTreeSet<_>>(),
        planned,
        "{lang}: precincts with rows"
    );
    for (no, got) in covered_by_precinct {
        let want: BTreeSet<u64> = plan
            .iter()
            .filter(|(_, (_, p))| *p == Some(&no))
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(got, want, "{lang}: precinct {no}");
    }
}
