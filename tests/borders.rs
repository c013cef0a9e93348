//! Appendix 3 border lists: the corpus of entries, reading and writing tables, the checks,
//! and the write-back round trip (property test).

mod common;
use common::run_check;

use geo::Coord;
use precincts::borders::{
    BorderTable, BordersInput, Lang, appendix3_rows, check_borders, parse_row, read_borders,
    write_appendix3,
};
use precincts::io::Intake;
use precincts::model::{AddressPoint, FindingCode, PrecinctNo, PrecinctPolygon, SourceRef};
use proptest::prelude::*;

/// One street of the hand-written town: its label, locality, street as written, houses.
struct UniverseStreet {
    label: String,
    locality: String,
    street: String,
    houses: Vec<String>,
}

/// The address points of `tests/fixtures/borders/universe.tsv`.
fn universe() -> Vec<UniverseStreet> {
    include_str!("fixtures/borders/universe.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "universe line {l:?}");
            UniverseStreet {
                label: f[0].into(),
                locality: f[1].into(),
                street: f[2].into(),
                houses: f[3].split_whitespace().map(String::from).collect(),
            }
        })
        .collect()
}

/// One corpus line: (line, lang, locality, address_type, address, house, expected).
type CorpusRow = (usize, [String; 6]);

fn corpus() -> Vec<CorpusRow> {
    let text = include_str!("fixtures/borders/corpus.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.splitn(6, '\t').collect();
            assert_eq!(f.len(), 6, "corpus line {} has {} fields", i + 1, f.len());
            (
                i + 1,
                [
                    f[0].into(),
                    f[1].into(),
                    f[2].into(),
                    f[3].into(),
                    f[4].into(),
                    f[5].into(),
                ],
            )
        })
        .collect()
}

/// The hand-written expected set: `label: 1 3 5А | label2: * -7`, as `label houses` strings.
fn expected_set(want: &str, town: &[UniverseStreet]) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for part in want.split(" | ") {
        let (label, houses) = part
            .split_once(':')
            .unwrap_or_else(|| panic!("bad expectation {part:?}"));
        let street = town
            .iter()
            .find(|s| s.label == label.trim())
            .unwrap_or_else(|| panic!("no street {label:?} in the universe"));
        for h in houses.split_whitespace() {
            if h == "*" {
                out.extend(street.houses.iter().map(|x| format!("{label} {x}")));
            } else if let Some(x) = h.strip_prefix('-') {
                assert!(street.houses.iter().any(|y| y == x), "{label} has no {x}");
                out.remove(&format!("{label} {x}"));
            } else {
                assert!(street.houses.iter().any(|y| y == h), "{label} has no {h}");
                out.insert(format!("{label} {h}"));
            }
        }
    }
    out
}

/// Where a malformed entry's error is: `«text»[#n]` → the 1-based character of the n-th
/// occurrence of text in the cell; `END` → just past the cell; a number as is.
fn expected_pos(spec: &str, cell: &str) -> usize {
    if spec == "END" {
        return cell.chars().count() + 1;
    }
    if let Ok(n) = spec.parse() {
        return n;
    }
    let (tok, nth) = match spec.rsplit_once('#') {
        Some((t, n)) if n.parse::<usize>().is_ok() => (t, n.parse().unwrap()),
        _ => (spec, 1),
    };
    let tok = tok.trim_start_matches('«').trim_end_matches('»');
    let mut from = 0;
    let mut at = None;
    for _ in 0..nth {
        let i = cell[from..]
            .find(tok)
            .unwrap_or_else(|| panic!("{tok:?} not in {cell:?}"));
        at = Some(from + i);
        from += i + tok.len();
    }
    cell[..at.unwrap()].chars().count() + 1
}

/// The universe's address points, covered or not by one row of precinct 1.
fn covered_by_row(
    town: &[UniverseStreet],
    points: &[AddressPoint],
    locality: &str,
    entries: Vec<precincts::borders::ParsedEntry>,
) -> std::collections::BTreeSet<String> {
    let mut t = BorderTable::default();
    let ltype = if locality == "Ақжар" {
        "город"
    } else {
        "село"
    };
    t.push_row(&p("1"), ltype, locality, entries, "", src(1));
    let out = check_lists(&t, points);
    let labels: Vec<(&str, &str)> = town
        .iter()
        .flat_map(|s| s.houses.iter().map(move |h| (s.label.as_str(), h.as_str())))
        .collect();
    out.address_list
        .iter()
        .zip(&labels)
        .filter(|(a, _)| a.as_ref() == Some(&p("1")))
        .map(|(_, (l, h))| format!("{l} {h}"))
        .collect()
}

/// Every corpus entry, through the real parser and the real matching, covers exactly its
/// hand-written set of the town's address points; every malformed one covers nothing and
/// names its cell and character. Prints the share of exact entries per language.
#[test]
fn every_corpus_entry_covers_exactly_its_hand_written_addresses() {
    let town = universe();
    let mut points = Vec::new();
    for s in &town {
        for h in &s.houses {
            let mut pt = point(&s.street, h, "", 0.0, 0.0, points.len() as u64 + 2);
            pt.locality = s.locality.clone();
            points.push(pt);
        }
    }
    let rows = corpus();
    let kk = rows.iter().filter(|(_, r)| r[0] == "kk").count();
    let bad = rows.iter().filter(|(_, r)| r[5].starts_with("ERR")).count();
    assert!(rows.len() >= 500, "the corpus has {} entries", rows.len());
    assert!(
        kk * 2 >= rows.len(),
        "{kk} of {} entries are Kazakh",
        rows.len()
    );
    assert!(bad >= 60, "the corpus has {bad} malformed entries");
    // (lang, malformed) → (total, right)
    let mut score: std::collections::BTreeMap<(String, bool), (usize, usize)> = Default::default();
    let mut wrong = Vec::new();
    for (line, [lang, loc, ty, addr, house, want]) in &rows {
        let loc = if loc.is_empty() {
            "Ақжар"
        } else {
            loc.as_str()
        };
        let (entries, errors) = parse_row(ty, addr, house);
        let malformed = want.starts_with("ERR");
        let s = score.entry((lang.clone(), malformed)).or_default();
        s.0 += 1;
        let got = covered_by_row(&town, &points, loc, entries.clone());
        let verdict = if let Some(spec) = want.strip_prefix("ERR ") {
            let (cell, at) = spec.split_once(' ').unwrap();
            let text = if cell == "house" { house } else { addr };
            let pos = expected_pos(at, text);
            match errors.first() {
                Some(e) if e.cell.as_str() == cell && e.pos == pos && got.is_empty() => Ok(()),
                Some(e) => Err(format!(
                    "want ERR {cell} {pos}, got ERR {} {} ({e}), covering {}",
                    e.cell.as_str(),
                    e.pos,
                    got.len()
                )),
                None => Err(format!("want ERR {cell} {pos}, parsed, covering {got:?}")),
            }
        } else if !errors.is_empty() {
            Err(format!("does not parse: {errors:?}"))
        } else {
            let want = expected_set(want, &town);
            if got == want {
                Ok(())
            } else {
                let missing: Vec<_> = want.difference(&got).collect();
                let extra: Vec<_> = got.difference(&want).collect();
                Err(format!("missing {missing:?}, extra {extra:?}"))
            }
        };
        match verdict {
            Ok(()) => s.1 += 1,
            Err(why) => wrong.push(format!("line {line}: {ty:?} {addr:?} {house:?}: {why}")),
        }
    }
    for ((lang, malformed), (n, ok)) in &score {
        let kind = if *malformed {
            "malformed, reported"
        } else {
            "valid, exact set"
        };
        eprintln!(
            "corpus {lang} {kind}: {ok}/{n} = {:.1} %",
            100.0 * *ok as f64 / *n as f64
        );
    }
    assert!(
        wrong.is_empty(),
        "{} of {} entries are wrong:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

fn src(line: u64) -> SourceRef {
    SourceRef {
        file: "addresses.csv".into(),
        line,
    }
}

fn point(street: &str, house: &str, building: &str, x: f64, y: f64, line: u64) -> AddressPoint {
    AddressPoint {
        locality: "Алматы".into(),
        street: street.into(),
        house: house.into(),
        building: building.into(),
        coord: Coord { x, y },
        source: src(line),
    }
}

fn p(s: &str) -> PrecinctNo {
    s.parse().unwrap()
}

/// Builds a table from rows as the reader would.
fn table_of(rows: &[(&str, &str, &str, &str)]) -> BorderTable {
    let mut t = BorderTable::default();
    for (i, (no, ty, addr, house)) in rows.iter().enumerate() {
        let (entries, errors) = parse_row(ty, addr, house);
        assert!(errors.is_empty(), "{errors:?}");
        t.push_row(
            &p(no),
            "город",
            "Алматы",
            entries,
            addr,
            SourceRef {
                file: "borders.csv".into(),
                line: i as u64 + 2,
            },
        );
    }
    t
}

#[test]
fn the_checks_find_double_listed_uncovered_and_dead_entries() {
    let addrs = vec![
        point("ул. Абая", "1", "", 0.0, 0.0, 2),
        point("ул. Абая", "2", "", 0.0, 0.0, 3),
        point("ул. Абая", "3", "", 0.0, 0.0, 4),
        point("ул. Гоголя", "5", "", 0.0, 0.0, 5),
    ];
    let table = table_of(&[
        ("1", "улица", "Абая", "1-3"),
        ("2", "улица", "Абая", "2 и 4"),
        ("2", "улица", "Жамбыла", "все дома"),
    ]);
    let out = check_borders(&BordersInput {
        table: &table,
        addresses: &addrs,
        address_polygon: None,
        precincts: &[],
        address_admin: &[None, None, None, None],
        admin: &[],
        voters: None,
        voter_address: &[],
        aliases: None,
        cap: 3000,
    });
    let mut keys: Vec<(FindingCode, Option<String>, Option<u64>)> = out
        .findings
        .iter()
        .map(|f| (f.code, f.precinct.as_ref().map(|p| p.to_string()), f.line))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            (FindingCode::AddressInNoList, None, Some(5)),
            (
                FindingCode::AddressInSeveralLists,
                Some("1".into()),
                Some(3)
            ),
            (
                FindingCode::BorderEntryMatchesNothing,
                Some("2".into()),
                Some(4)
            ),
        ]
    );
    assert_eq!(
        out.address_list,
        vec![Some(p("1")), Some(p("1")), Some(p("1")), None]
    );
}

#[test]
fn lists_are_compared_with_polygons_pair_by_pair() {
    use geo::{MultiPolygon, polygon};
    let sq = |x0: f64| {
        MultiPolygon(vec![
            polygon![(x: x0, y: 0.0), (x: x0 + 1.0, y: 0.0), (x: x0 + 1.0, y: 1.0), (x: x0, y: 1.0)],
        ])
    };
    let polys = vec![
        PrecinctPolygon {
            no: p("1"),
            geometry: sq(0.0),
            derived: false,
            source: src(1),
        },
        PrecinctPolygon {
            no: p("2"),
            geometry: sq(1.0),
            derived: false,
            source: src(2),
        },
    ];
    let addrs: Vec<AddressPoint> = (1..=4)
        .map(|n| point("ул. Абая", &n.to_string(), "", 0.5, 0.5, n as u64 + 1))
        .collect();
    // All four in polygon 1; the list gives 3 and 4 to precinct 2.
    let table = table_of(&[("1", "", "ул. Абая", "1, 2"), ("2", "", "ул. Абая", "3-4")]);
    let ap = vec![Some(0u32); 4];
    let out = check_borders(&BordersInput {
        table: &table,
        addresses: &addrs,
        address_polygon: Some(&ap),
        precincts: &polys,
        address_admin: &[None; 4],
        admin: &[],
        voters: None,
        voter_address: &[],
        aliases: None,
        cap: 3000,
    });
    let m: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::BorderListPolygonMismatch)
        .collect();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].precinct, Some(p("2")));
    assert!(m[0].message.starts_with("2 addresses"), "{}", m[0].message);
}

#[test]
fn a_written_table_reads_back_from_csv_and_xlsx() {
    let addrs = vec![
        point("ул. Абая", "1", "", 0.0, 0.0, 2),
        point("ул. Абая", "2", "", 0.0, 0.0, 3),
        point("ул. Абая", "3", "", 0.0, 0.0, 4),
        point("ул. Абая", "3", "2", 0.0, 0.0, 5),
        point("мкр. Самал-2", "7А", "", 0.0, 0.0, 6),
        point("Гоголь көшесі", "12/1", "", 0.0, 0.0, 7),
    ];
    let asg = vec![
        Some(p("10")),
        Some(p("11")),
        Some(p("10")),
        Some(p("11")),
        Some(p("11")),
        None,
    ];
    let dir = tempfile::tempdir().unwrap();
    for lang in [Lang::Ru, Lang::Kk] {
        let csv = dir.path().join("a3.csv");
        let xlsx = dir.path().join("a3.xlsx");
        write_appendix3(&addrs, &asg, &csv, &xlsx, lang).unwrap();
        for path in [&csv, &xlsx] {
            let mut intake = Intake::default();
            let (table, findings) = read_borders(path, &mut intake).unwrap();
            assert!(findings.is_empty(), "{lang:?} {path:?}: {findings:?}");
            let out = check_borders(&BordersInput {
                table: &table,
                addresses: &addrs,
                address_polygon: None,
                precincts: &[],
                address_admin: &[None; 6],
                admin: &[],
                voters: None,
                voter_address: &[],
                aliases: None,
                cap: 3000,
            });
            assert_eq!(out.address_list, asg, "{lang:?} {path:?}");
        }
    }
}

#[test]
fn merged_precinct_cells_continue_the_row_above_and_bad_text_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.csv");
    std::fs::write(
        &path,
        "№ участка;Тип населенного пункта;Населенный пункт;Тип адреса;Адрес;Дом\n\
         1;город;Алматы;улица;Абая;1-15\n\
         ;;;улица;Гоголя;2-?\n\
         2;город;Алматы;;Границы: ул. Жамбыла: все дома;\n",
    )
    .unwrap();
    let mut intake = Intake::default();
    let (table, findings) = read_borders(&path, &mut intake).unwrap();
    assert_eq!(table.entries.len(), 2);
    assert_eq!(table.precinct_of(0).as_str(), "1");
    assert_eq!(table.precinct_of(1).as_str(), "2");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, FindingCode::BorderParseError);
    assert_eq!(findings[0].line, Some(3));
    assert_eq!(findings[0].precinct, Some(p("1")));
    assert!(
        findings[0].message.contains("char 3"),
        "{}",
        findings[0].message
    );
}

/// Localities in both languages and of each type, each with its identity in the plan: the
/// first two are one locality written two ways.
const LOCALITIES: &[(&str, u8)] = &[
    ("г. Алматы", 0),
    ("Алматы қаласы", 0),
    ("с. Жанаталап", 1),
    ("Қарасу ауылы", 2),
    ("п. Отеген батыр", 3),
    ("Ақсай кенті", 4),
    ("Косшы", 5),
];

/// Street kinds in both languages with their identity in the plan: `ул. Абая` / `Абай
/// көшесі` and `мкр. 5` / `5 мкр` are one street each written two ways; "" is an address
/// without a street (a village's houses). No two streets share a name with different types.
const STREETS: &[(&str, u8)] = &[
    ("ул. Абая", 0),
    ("Абай көшесі", 0),
    ("пр. Достык", 1),
    ("Кенесары көшесі", 2),
    ("мкр. 5", 3),
    ("5 мкр", 3),
    ("мкр. Самал-2", 4),
    ("Гоголь тұйық көшесі", 5),
    ("ЖК «Нурсая»", 6),
    ("пер. Лесной", 7),
    ("", 8),
];

/// A house as the plan knows it: (number, letter, fraction, span, block), 0 for none; `None`
/// for a house that is no house number (`б/н`, or a block written in both cells).
type PlanHouse = Option<(u32, char, u32, u32, u32)>;

/// A house cell, a building cell and what they mean by the plan: numbers with letters (`А`
/// and `а` are one letter), fractions, spans (`12-14` as one building), blocks in either
/// cell, and now and then a house without a number.
fn house_strategy() -> impl Strategy<Value = (String, String, PlanHouse)> {
    let numbered = (1u32..60, 0u8..8, 0u8..3).prop_map(|(n, suffix, building)| {
        let (text, letter, frac, span, block) = match suffix {
            1 => (format!("{n}А"), 'А', 0, 0, 0),
            2 => (format!("{n}Б"), 'Б', 0, 0, 0),
            3 => (format!("{n}а"), 'А', 0, 0, 0),
            4 => (format!("{n}/1"), ' ', 1, 0, 0),
            5 => (format!("{n}/2"), ' ', 2, 0, 0),
            6 => (format!("{n}-{}", n + 2), ' ', 0, n + 2, 0),
            7 => (format!("{n}к2"), ' ', 0, 0, 2),
            _ => (n.to_string(), ' ', 0, 0, 0),
        };
        let (cell, bblock) = match building {
            1 => ("2", 2),
            2 => ("корп. 1", 1),
            _ => ("", 0),
        };
        let plan = match (block, bblock) {
            (0, b) | (b, 0) => Some((n, letter, frac, span, b)),
            _ => None,
        };
        (text, cell.to_string(), plan)
    });
    prop_oneof![
        30 => numbered,
        1 => Just(("б/н".to_string(), String::new(), None)),
    ]
}

/// (locality, street, house, precinct) specs.
type Spec = Vec<(usize, usize, (String, String, PlanHouse), Option<u8>)>;

fn assignment_strategy() -> impl Strategy<Value = Spec> {
    prop::collection::vec(
        (
            0..LOCALITIES.len(),
            0..STREETS.len(),
            house_strategy(),
            prop::option::weighted(0.85, 0u8..4),
        ),
        1..120,
    )
}

/// One address of the plan: its street's identity and its house's.
type PlanAddress = ((u8, u8), PlanHouse);

/// The addresses of a spec (one per planned address: the first wins), their assignment and
/// their identities in the plan.
fn addresses_of(spec: Spec) -> (Vec<AddressPoint>, Vec<Option<PrecinctNo>>, Vec<PlanAddress>) {
    let mut seen = std::collections::HashSet::new();
    let (mut addrs, mut asg, mut plan) = (Vec::new(), Vec::new(), Vec::new());
    for (l, s, (h, b, house), a) in spec {
        let ((loc, lid), (street, sid)) = (LOCALITIES[l], STREETS[s]);
        // Houses that are no number are told apart by their text.
        let text = if house.is_none() {
            format!("{h}|{b}")
        } else {
            String::new()
        };
        if !seen.insert((lid, sid, house, text)) {
            continue;
        }
        let mut pt = point(street, &h, &b, 0.0, 0.0, addrs.len() as u64 + 2);
        pt.locality = loc.into();
        addrs.push(pt);
        asg.push(a.map(|k| p(&format!("{}", 100 + k))));
        plan.push(((lid, sid), house));
    }
    (addrs, asg, plan)
}

/// What reading the lists back must give, from the plan and the documented rule, not from
/// the code: an address whose house is a number keeps its precinct; one that is not (`б/н`)
/// can only be written as "every house", so it keeps its precinct when every address of its
/// street has that precinct, and is in no list otherwise.
fn expected_back(plan: &[PlanAddress], asg: &[Option<PrecinctNo>]) -> Vec<Option<PrecinctNo>> {
    plan.iter()
        .zip(asg)
        .map(|((street, house), p)| {
            if house.is_some() {
                return p.clone();
            }
            let whole = plan
                .iter()
                .zip(asg)
                .filter(|((s, _), _)| s == street)
                .all(|(_, q)| q == p);
            if whole { p.clone() } else { None }
        })
        .collect()
}

/// How many rows the write-back must write, from the plan: one per precinct and street
/// (locality and street identities) holding an address it can name, a house number or,
/// for a house without one, a whole street of that precinct.
fn expected_rows(plan: &[PlanAddress], asg: &[Option<PrecinctNo>]) -> usize {
    let mut groups = std::collections::BTreeSet::new();
    for ((street, house), p) in plan.iter().zip(asg) {
        let Some(p) = p else { continue };
        let whole = plan
            .iter()
            .zip(asg)
            .filter(|((s, _), _)| s == street)
            .all(|(_, q)| q.as_ref() == Some(p));
        if house.is_some() || whole {
            groups.insert((p.to_string(), *street));
        }
    }
    groups.len()
}

fn check_lists(table: &BorderTable, addrs: &[AddressPoint]) -> precincts::borders::BordersOutcome {
    let none = vec![None; addrs.len()];
    check_borders(&BordersInput {
        table,
        addresses: addrs,
        address_polygon: None,
        precincts: &[],
        address_admin: &none,
        admin: &[],
        voters: None,
        voter_address: &[],
        aliases: None,
        cap: 3000,
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(200)
    })]

    /// Write-back, then parse: the same assignment on every known address.
    #[test]
    fn written_lists_parse_back_to_the_same_assignment(spec in assignment_strategy(), kk in any::<bool>()) {
        let (addrs, asg, plan) = addresses_of(spec);
        let lang = if kk { Lang::Kk } else { Lang::Ru };
        let rows = appendix3_rows(&addrs, &asg, lang);
        let mut table = BorderTable::default();
        for (i, r) in rows.iter().enumerate() {
            let (entries, errors) = parse_row(&r.address_type, &r.address, &r.houses);
            prop_assert!(errors.is_empty(), "{:?} {:?}", r, errors);
            table.push_row(&r.precinct, &r.locality_type, &r.locality, entries, &r.houses,
                SourceRef { file: "w.csv".into(), line: i as u64 + 2 });
        }
        let out = check_lists(&table, &addrs);
        prop_assert_eq!(&out.address_list, &expected_back(&plan, &asg), "rows: {:#?}", rows);
        prop_assert!(!out.findings.iter().any(|f| f.code == FindingCode::AddressInSeveralLists));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(24)
    })]

    /// Write-back through the real writer to CSV and XLSX, read back by the real reader:
    /// no parse error, and the same assignment on every known address.
    #[test]
    fn written_files_read_back_to_the_same_assignment(spec in assignment_strategy(), kk in any::<bool>()) {
        let (addrs, asg, plan) = addresses_of(spec);
        let want = expected_back(&plan, &asg);
        let lang = if kk { Lang::Kk } else { Lang::Ru };
        let dir = tempfile::tempdir().unwrap();
        let (csv, xlsx) = (dir.path().join("a3.csv"), dir.path().join("a3.xlsx"));
        write_appendix3(&addrs, &asg, &csv, &xlsx, lang).unwrap();
        for path in [&csv, &xlsx] {
            let mut intake = Intake::default();
            let (table, findings) = read_borders(path, &mut intake).unwrap();
            prop_assert!(findings.is_empty(), "{:?}: {:?}", path, findings);
            let (read, _, rejected) = intake.totals();
            prop_assert_eq!(rejected, 0);
            prop_assert_eq!(read as usize, expected_rows(&plan, &asg));
            let out = check_lists(&table, &addrs);
            prop_assert_eq!(&out.address_list, &want, "{:?}", path);
            prop_assert!(!out.findings.iter().any(|f| f.code == FindingCode::AddressInSeveralLists));
        }
    }
}

/// A finding's key: (code, precinct, record, line).
type Key = (String, Option<String>, Option<String>, Option<u64>);

/// The demo's `borders.csv` plants its four errors and gives exactly the findings the demo
/// expects for the border codes (computed here through the real readers and indices).
#[test]
fn the_demo_border_lists_give_exactly_the_expected_border_findings() {
    use precincts::address::AddressIndex;
    use precincts::demo::{DemoOptions, ExpectedFile, generate};
    use precincts::io::{VectorOptions, read_addresses, read_admin, read_precincts, read_voters};
    use precincts::model::VoterField;
    use precincts::spatial::PolygonIndex;

    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        voters: 20_000,
        precincts: 16,
        addresses: None,
        seed: 7,
    };
    generate(dir.path(), &opts).unwrap();
    let d = dir.path();
    let mut intake = Intake::default();
    let vo = VectorOptions {
        id_field: None,
        level_field: None,
        name_field: None,
        crs: None,
    };
    let admin = read_admin(&d.join("admin.geojson"), &vo, &mut intake).unwrap();
    let polys = read_precincts(&d.join("precincts.geojson"), &vo, &mut intake).unwrap();
    let addrs = read_addresses(&d.join("addresses.csv"), None, &mut intake).unwrap();
    let voters = read_voters(&d.join("voters.csv"), &mut intake).unwrap();
    let (table, parse_findings) = read_borders(&d.join("borders.csv"), &mut intake).unwrap();
    assert!(parse_findings.is_empty(), "{parse_findings:?}");

    let level = admin.iter().map(|u| u.level).max();
    let units: Vec<_> = admin
        .iter()
        .filter(|u| Some(u.level) == level)
        .cloned()
        .collect();
    let coords: Vec<Coord<f64>> = addrs.iter().map(|a| a.coord).collect();
    let unit_geoms: Vec<_> = units.iter().map(|u| u.geometry.clone()).collect();
    let address_admin = PolygonIndex::new(&unit_geoms).locate_all(&coords);
    let poly_geoms: Vec<_> = polys.iter().map(|p| p.geometry.clone()).collect();
    let address_polygon = PolygonIndex::new(&poly_geoms).locate_all(&coords);
    let ix = AddressIndex::new(&addrs);
    let voter_address: Vec<Option<u32>> = voters
        .iter()
        .map(|r| {
            ix.find(
                r.field(VoterField::Residence),
                r.field(VoterField::Street),
                r.field(VoterField::House),
                r.field(VoterField::Building),
            )
        })
        .collect();
    let out = check_borders(&BordersInput {
        table: &table,
        addresses: &addrs,
        address_polygon: Some(&address_polygon),
        precincts: &polys,
        address_admin: &address_admin,
        admin: &units,
        voters: Some(&voters),
        voter_address: &voter_address,
        aliases: None,
        cap: 3000,
    });
    let border_codes = [
        FindingCode::BorderParseError,
        FindingCode::AddressInNoList,
        FindingCode::AddressInSeveralLists,
        FindingCode::BorderEntryMatchesNothing,
        FindingCode::BorderListCrossesAdmin,
        FindingCode::BorderListPolygonMismatch,
        FindingCode::VoterListPrecinctMismatch,
    ];
    let mut got: Vec<Key> = out
        .findings
        .iter()
        .map(|f| {
            let line = match f.code {
                FindingCode::AddressInNoList | FindingCode::AddressInSeveralLists => f.line,
                _ => None,
            };
            (
                f.code.as_str().to_string(),
                f.precinct.as_ref().map(|p| p.to_string()),
                f.record.clone(),
                line,
            )
        })
        .collect();
    got.sort();
    let file: ExpectedFile =
        serde_json::from_str(&std::fs::read_to_string(d.join("expected.json")).unwrap()).unwrap();
    let mut want: Vec<Key> = file
        .findings
        .into_iter()
        .filter(|e| border_codes.iter().any(|c| c.as_str() == e.code))
        .map(|e| (e.code, e.precinct, e.record, e.line))
        .collect();
    want.sort();
    for code in [
        "ADDRESS_IN_SEVERAL_LISTS",
        "ADDRESS_IN_NO_LIST",
        "BORDER_LIST_POLYGON_MISMATCH",
        "BORDER_LIST_CROSSES_ADMIN",
    ] {
        assert!(
            want.iter().any(|w| w.0 == code),
            "the demo plants no {code}"
        );
    }
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
}

#[test]
fn a_renamed_street_matches_under_its_old_name() {
    use precincts::borders::read_street_aliases;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aliases.csv");
    std::fs::write(
        &path,
        "Населенный пункт,Старое название,Новое название\nг. Алматы,ул. Ленина,Абай даңғылы\n",
    )
    .unwrap();
    let mut intake = Intake::default();
    let aliases = read_street_aliases(&path, &mut intake).unwrap();
    assert_eq!(aliases.len(), 1);
    let addrs = vec![point("проспект Абая", "5", "", 0.0, 0.0, 2)];
    let table = table_of(&[("7", "улица", "Ленина", "1-9 нечетные")]);
    let run = |aliases| {
        check_borders(&BordersInput {
            table: &table,
            addresses: &addrs,
            address_polygon: None,
            precincts: &[],
            address_admin: &[None],
            admin: &[],
            voters: None,
            voter_address: &[],
            aliases,
            cap: 3000,
        })
        .address_list
    };
    assert_eq!(run(None), vec![None]);
    assert_eq!(run(Some(&aliases)), vec![Some(p("7"))]);
}

/// Every vertex of a GeoJSON (Multi)Polygon geometry.
fn vertices(g: &serde_json::Value) -> Vec<(f64, f64)> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
        match v.as_array() {
            Some(a) if a.len() == 2 && a[0].is_f64() => {
                out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
            }
            Some(a) => a.iter().for_each(|x| walk(x, out)),
            None => {}
        }
    }
    let mut out = Vec::new();
    walk(&g["coordinates"], &mut out);
    out
}

/// `check` with address lists and no precinct polygons: it derives the polygons (marked
/// derived in the report), clips them to the units, and every address point lands in the
/// polygon of the precinct its list gives.
#[test]
fn check_without_polygons_derives_them_from_the_lists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two units side by side: A = [76.90, 76.91] x [43.20, 43.21], B = [76.91, 76.92] x same.
    let square = |x0: f64| {
        format!(
            "[[[{x0},43.20],[{},43.20],[{},43.21],[{x0},43.21],[{x0},43.20]]]",
            x0 + 0.01,
            x0 + 0.01
        )
    };
    std::fs::write(
        d.join("admin.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[
{{"type":"Feature","properties":{{"KATO":"751010000","name":"A"}},"geometry":{{"type":"Polygon","coordinates":{}}}}},
{{"type":"Feature","properties":{{"KATO":"751020000","name":"B"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}]}}"#,
            square(76.90),
            square(76.91)
        ),
    )
    .unwrap();
    // (street, house, lon, lat, the precinct the lists give, by hand)
    let mut pts: Vec<(&str, String, f64, f64, &str)> = Vec::new();
    for n in 1..=10u32 {
        // Абая in A: odd houses on the south side (precinct 1), even on the north (2).
        let (y, p) = if n % 2 == 1 {
            (43.202, "1")
        } else {
            (43.204, "2")
        };
        pts.push(("ул. Абая", n.to_string(), 76.901 + n as f64 * 0.0008, y, p));
    }
    for n in 1..=5u32 {
        pts.push((
            "Кенесары көшесі",
            n.to_string(),
            76.902 + n as f64 * 0.001,
            43.208,
            "2",
        ));
    }
    // Самал-2 in B: 1-5 (with 5А) to precinct 3, from 6 on to precinct 4.
    for (i, h) in ["1", "2", "3", "4", "5", "5А", "6", "7", "8", "9"]
        .iter()
        .enumerate()
    {
        let p = if i < 6 { "3" } else { "4" };
        let y = if i < 6 { 43.203 } else { 43.207 };
        pts.push((
            "мкр. Самал-2",
            h.to_string(),
            76.9115 + (i % 6) as f64 * 0.0012,
            y,
            p,
        ));
    }
    // In no list.
    pts.push(("ул. Новая", "1".into(), 76.9185, 43.2095, ""));
    let mut csv = String::from("locality,street,house,lon,lat\n");
    for (s, h, x, y, _) in &pts {
        csv.push_str(&format!("Алматы,{s},{h},{x},{y}\n"));
    }
    std::fs::write(d.join("addresses.csv"), csv).unwrap();
    std::fs::write(
        d.join("borders.csv"),
        "№ участка,Тип населенного пункта,Населенный пункт,Тип адреса,Адрес,Дом\n\
         1,город,Алматы,улица,Абая,1-9 нечетные\n\
         2,город,Алматы,улица,Абая,2-10 четные\n\
         2,қала,Алматы,көше,Кенесары,барлық үйлер\n\
         3,город,Алматы,микрорайон,Самал-2,1-5\n\
         4,город,Алматы,микрорайон,Самал-2,с 6 до конца\n",
    )
    .unwrap();
    let out = d.join("out");
    let path = |f: &str| d.join(f).to_str().unwrap().to_string();
    run_check(&[
        "--admin",
        &path("admin.geojson"),
        "--addresses",
        &path("addresses.csv"),
        "--borders",
        &path("borders.csv"),
        "--out",
        out.to_str().unwrap(),
    ]);

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.geojson")).unwrap())
            .unwrap();
    let mut seen = Vec::new();
    for f in report["features"].as_array().unwrap() {
        let no = f["properties"]["precinct"].as_str().unwrap().to_string();
        assert_eq!(f["properties"]["derived"], true, "precinct {no}");
        // Clipped to its unit: A holds precincts 1 and 2, B holds 3 and 4 (the units are
        // rectangles, so every vertex inside the rectangle means the polygon is inside).
        let x0 = if no == "1" || no == "2" { 76.90 } else { 76.91 };
        let vs = vertices(&f["geometry"]);
        assert!(vs.len() >= 4, "precinct {no} has no polygon");
        for (x, y) in vs {
            assert!(
                (x0 - 1e-9..=x0 + 0.01 + 1e-9).contains(&x)
                    && (43.20 - 1e-9..=43.21 + 1e-9).contains(&y),
                "precinct {no}: vertex ({x}, {y}) outside its unit"
            );
        }
        seen.push(no);
    }
    seen.sort();
    assert_eq!(seen, ["1", "2", "3", "4"]);

    // Every address point lies in the derived polygon of its list's precinct.
    let mut r = csv::Reader::from_path(out.join("assignment.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), pts.len());
    let head = r.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (house, by_list, by_polygon) = (col("house"), col("precinct_by_list"), col("precinct"));
    for (row, (s, h, _, _, want)) in rows.iter().zip(&pts) {
        assert_eq!(&row[house], h.as_str());
        assert_eq!(&row[by_list], *want, "{s} {h}: the list");
        assert_eq!(&row[by_polygon], *want, "{s} {h}: the derived polygon");
    }
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    let mut codes: Vec<&str> = findings
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    codes.sort();
    // Only the unlisted address, whose cell belongs to no precinct: named once, as in no
    // list (with derived polygons that is also why it lies in none).
    assert_eq!(codes, ["ADDRESS_IN_NO_LIST"], "{findings}");
    assert!(findings.lines().skip(1).all(|l| l.contains("Новая")));
}

/// The houses of a street, in the order 2 < 2/1 < 2А < 2Б < 3 (number, letter, fraction).
const STREET: &[&str] = &[
    "1", "2", "2/1", "2А", "2Б", "3", "4", "4/1", "4А", "5", "5А", "6", "7", "8", "9", "10",
    "10/1", "10А", "10Б", "10В", "11", "12", "12к2", "12/1", "12/2", "12/5", "12/6", "12А", "13",
    "39", "40", "40А", "41", "100",
];

/// The houses of [`STREET`] a house list covers, through the real matching of a one-row
/// table against the street's address points.
fn covered(houses: &str) -> Vec<&'static str> {
    let addrs: Vec<AddressPoint> = STREET
        .iter()
        .enumerate()
        .map(|(i, h)| point("ул. Абая", h, "", 0.0, 0.0, i as u64 + 2))
        .collect();
    let table = table_of(&[("1", "улица", "Абая", houses)]);
    let out = check_lists(&table, &addrs);
    STREET
        .iter()
        .zip(&out.address_list)
        .filter(|(_, a)| a.is_some())
        .map(|(h, _)| *h)
        .collect()
}

/// [`STREET`] without the given houses.
fn all_but(out: &[&str]) -> Vec<&'static str> {
    STREET
        .iter()
        .copied()
        .filter(|h| !out.contains(h))
        .collect()
}

#[test]
fn letter_and_fraction_ranges_cover_exactly_the_houses_between_their_bounds() {
    // 2А-10Б: from 2А (not 2, not 2/1, which come before it) to 10Б (not 10В).
    let want = [
        "2А", "2Б", "3", "4", "4/1", "4А", "5", "5А", "6", "7", "8", "9", "10", "10/1", "10А",
        "10Б",
    ];
    assert_eq!(covered("2А-10Б"), want);
    assert_eq!(covered("с 2А по 10Б"), want);
    // 12/1-12/5: the fractions only; not 12, 12к2, 12/6 or 12А.
    assert_eq!(covered("12/1-12/5"), ["12/1", "12/2", "12/5"]);
    // A bound without a letter covers the letters and fractions of its number.
    assert_eq!(
        covered("10-12"),
        [
            "10", "10/1", "10А", "10Б", "10В", "11", "12", "12к2", "12/1", "12/2", "12/5", "12/6",
            "12А"
        ]
    );
}

#[test]
fn parity_follows_the_number_so_lettered_houses_keep_their_side() {
    // 4А, 4/1, 10В are on the even side with 4 and 10; 5А is odd.
    let even = [
        "2", "2/1", "2А", "2Б", "4", "4/1", "4А", "6", "8", "10", "10/1", "10А", "10Б", "10В",
    ];
    assert_eq!(covered("2-10 четные"), even);
    assert_eq!(covered("2-10 (чет.)"), even);
    assert_eq!(covered("2-ден 10-ға дейін жұп"), even);
    assert_eq!(covered("нечетные 1-9"), ["1", "3", "5", "5А", "7", "9"]);
    assert_eq!(covered("1-9 тақ"), ["1", "3", "5", "5А", "7", "9"]);
    assert_eq!(
        covered("все четные"),
        [
            "2", "2/1", "2А", "2Б", "4", "4/1", "4А", "6", "8", "10", "10/1", "10А", "10Б", "10В",
            "12", "12к2", "12/1", "12/2", "12/5", "12/6", "12А", "40", "40А", "100"
        ]
    );
}

#[test]
fn open_ranges_run_to_the_last_house() {
    let want = ["40", "40А", "41", "100"];
    assert_eq!(covered("с 40 до конца"), want);
    assert_eq!(covered("от 40 и далее"), want);
    assert_eq!(covered("40 и далее"), want);
    assert_eq!(covered("40-тан бастап"), want);
    assert_eq!(covered("40-тан аяғына дейін"), want);
    assert_eq!(covered("с 40А до конца"), ["40А", "41", "100"]);
    assert_eq!(
        covered("с 12 до конца четные"),
        [
            "12", "12к2", "12/1", "12/2", "12/5", "12/6", "12А", "40", "40А", "100"
        ]
    );
}

#[test]
fn exclusions_remove_exactly_the_houses_they_name() {
    // `кроме 5` removes house 5 (and its blocks), not 5А.
    let one_to_nine = [
        "1", "2", "2/1", "2А", "2Б", "3", "4", "4/1", "4А", "5А", "6", "8", "9",
    ];
    assert_eq!(covered("1-9 кроме 5, 7"), one_to_nine);
    assert_eq!(covered("1-9 (5, 7-ден басқа)"), one_to_nine);
    assert_eq!(covered("все дома кроме 5, 7"), all_but(&["5", "7"]));
    assert_eq!(covered("5, 7-ден басқа барлық үйлер"), all_but(&["5", "7"]));
    assert_eq!(covered("кроме 5, 7"), all_but(&["5", "7"]));
    assert_eq!(
        covered("за исключением 2-10 четные"),
        all_but(&[
            "2", "2/1", "2А", "2Б", "4", "4/1", "4А", "6", "8", "10", "10/1", "10А", "10Б", "10В",
        ])
    );
    // The more specific item wins: 12 without its block 2.
    assert_eq!(covered("12 кроме 12к2"), ["12"]);
    assert_eq!(covered("12, 12к2"), ["12", "12к2"]);
}

#[test]
fn every_house_words_cover_the_whole_street() {
    for w in [
        "все дома",
        "вся улица",
        "барлық үйлер",
        "полностью",
        "толығымен",
        "",
    ] {
        assert_eq!(covered(w), STREET, "{w:?}");
    }
}

/// A house number that does not parse (`б/н`, "without a number") is covered only by a list
/// of every house.
#[test]
fn an_address_without_a_house_number_is_covered_only_by_every_house() {
    let addrs = vec![point("ул. Абая", "б/н", "", 0.0, 0.0, 2)];
    let run = |houses: &str| {
        let table = table_of(&[("5", "улица", "Абая", houses)]);
        check_borders(&BordersInput {
            table: &table,
            addresses: &addrs,
            address_polygon: None,
            precincts: &[],
            address_admin: &[None],
            admin: &[],
            voters: None,
            voter_address: &[],
            aliases: None,
            cap: 3000,
        })
        .address_list
    };
    assert_eq!(run("все дома"), vec![Some(p("5"))]);
    assert_eq!(run("1-100"), vec![None]);
    assert_eq!(run("все дома кроме 3"), vec![None]);
}

/// A Kazakh list names the square in the nominative (`Республика алаңы`), the address points
/// in the Russian genitive (`пл. Республики`): matched through the looser key, which is only
/// a fallback and never chooses between two streets: an entry that could be two streets
/// covers nothing and says so.
#[test]
fn a_russian_genitive_street_matches_its_kazakh_nominative_entry() {
    let addrs = vec![
        point("пл. Республики", "1", "", 0.0, 0.0, 2),
        point("Победа көшесі", "2", "", 0.0, 0.0, 3),
        point("ул. Сак", "3", "", 0.0, 0.0, 4),
        point("пр. Сак", "3", "", 0.0, 0.0, 5),
        point("ул. Дружбы", "4", "", 0.0, 0.0, 6),
        point("ул. Дружба", "5", "", 0.0, 0.0, 7),
    ];
    let table = table_of(&[
        ("1", "", "Республика алаңы", "все дома"),
        ("2", "улица", "Победы", "1-9"),
        ("3", "", "Сак", "все дома"),
        ("5", "", "ул. Дружбы", "все дома"),
        ("6", "", "Дружба көшесі", "все дома"),
    ]);
    let n = addrs.len();
    let out = check_borders(&BordersInput {
        table: &table,
        addresses: &addrs,
        address_polygon: None,
        precincts: &[],
        address_admin: &vec![None; n],
        admin: &[],
        voters: None,
        voter_address: &[],
        aliases: None,
        cap: 3000,
    });
    assert_eq!(
        out.address_list,
        vec![
            Some(p("1")),
            Some(p("2")),
            // `Сак` could be the street or the avenue: in no list.
            None,
            None,
            // Дружбы is an entry of its own: exact keys win.
            Some(p("5")),
            // Дружба is written with its type: exactly the street of the point.
            Some(p("6")),
        ]
    );
    let ambiguous: Vec<(Option<String>, &str)> = out
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::BorderEntryAmbiguous)
        .map(|f| {
            (
                f.precinct.as_ref().map(|p| p.to_string()),
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(ambiguous.len(), 1, "{ambiguous:?}");
    assert_eq!(ambiguous[0].0.as_deref(), Some("3"));
    assert!(
        ambiguous[0].1.contains("any of 2 streets"),
        "{}",
        ambiguous[0].1
    );
    // Reported as ambiguous, not also as matching nothing.
    assert!(
        !out.findings
            .iter()
            .any(|f| f.code == FindingCode::BorderEntryMatchesNothing),
        "{:?}",
        out.findings
    );
}

/// The message of each BORDER_ENTRY_MATCHES_NOTHING: an unknown street, or houses beyond
/// the known ones with their count and range.
#[test]
fn an_entry_beyond_the_last_known_house_names_the_known_range() {
    let addrs = vec![
        point("ул. Абая", "1", "", 0.0, 0.0, 2),
        point("ул. Абая", "2", "", 0.0, 0.0, 3),
        point("ул. Абая", "3А", "", 0.0, 0.0, 4),
    ];
    let table = table_of(&[
        ("1", "улица", "Абая", "1-3"),
        ("2", "улица", "Абая", "50-60"),
        ("3", "улица", "Абая", "с 100 до конца"),
        ("4", "улица", "Жамбыла", "все дома"),
    ]);
    let out = check_lists(&table, &addrs);
    let mut dead: Vec<(String, u64, String)> = out
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::BorderEntryMatchesNothing)
        .map(|f| {
            (
                f.precinct.as_ref().unwrap().to_string(),
                f.line.unwrap(),
                f.message.clone(),
            )
        })
        .collect();
    dead.sort();
    assert_eq!(
        dead,
        vec![
            (
                "2".to_string(),
                3,
                "«Абая» 50..60: no known house matches (3 known houses, 1..3А)".to_string()
            ),
            (
                "3".to_string(),
                4,
                "«Абая» 100..: no known house matches (3 known houses, 1..3А)".to_string()
            ),
            (
                "4".to_string(),
                5,
                "«Жамбыла»: no such street among the address points of «Алматы»".to_string()
            ),
        ]
    );
}

/// ADDRESS_IN_SEVERAL_LISTS names every precinct and the entry (file:line and text) of each.
#[test]
fn an_address_in_several_lists_names_the_precincts_and_their_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.csv");
    std::fs::write(
        &path,
        "№ участка;Тип населенного пункта;Населенный пункт;Тип адреса;Адрес;Дом\n\
         7;город;Алматы;улица;Абая;1-3\n\
         12;город;Алматы;улица;Абая;2 и 4\n\
         12;город;Алматы;;\"Границы: ул. Гоголя: 1-9; ул. Абая: все четные\";\n",
    )
    .unwrap();
    let mut intake = Intake::default();
    let (table, findings) = read_borders(&path, &mut intake).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    let addrs = vec![
        point("ул. Абая", "1", "", 0.0, 0.0, 2),
        point("ул. Абая", "2", "", 0.0, 0.0, 3),
    ];
    let out = check_lists(&table, &addrs);
    let several: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::AddressInSeveralLists)
        .collect();
    assert_eq!(several.len(), 1);
    let f = several[0];
    assert_eq!(f.line, Some(3));
    // The key's precinct: the smallest number in string order ("12" < "7").
    assert_eq!(f.precinct, Some(p("12")));
    let b = path.display();
    assert_eq!(
        f.message,
        format!(
            "the address is in the lists of 2 precincts: precinct 7 ({b}:2: «улица Абая 1-3»), \
             precinct 12 ({b}:3: «улица Абая 2 и 4»), \
             precinct 12 ({b}:4: «Границы: ул. Гоголя: 1-9; ул. Абая: все четные»)"
        )
    );
}

/// A precinct is over the cap by its address list alone: its polygon holds no voter and no
/// voter is listed in it, but the list gives it more voters than the cap.
#[test]
fn a_precinct_over_the_cap_by_its_list_alone_is_flagged() {
    use geo::{MultiPolygon, polygon};
    use precincts::check::{CheckOptions, Quiet, run};
    use precincts::model::{Dataset, VOTER_FIELDS, VoterTableBuilder};
    let addrs: Vec<AddressPoint> = (1..=4)
        .map(|n| point("ул. Абая", &n.to_string(), "", 0.5, 0.5, n as u64 + 1))
        .collect();
    // Every point lies in precinct 2's polygon; precinct 1 has a polygon far away.
    let sq = |x0: f64| {
        MultiPolygon(vec![
            polygon![(x: x0, y: 0.0), (x: x0 + 1.0, y: 0.0), (x: x0 + 1.0, y: 1.0), (x: x0, y: 1.0)],
        ])
    };
    let polys = vec![
        PrecinctPolygon {
            no: p("1"),
            geometry: sq(5.0),
            derived: false,
            source: src(1),
        },
        PrecinctPolygon {
            no: p("2"),
            geometry: sq(0.0),
            derived: false,
            source: src(2),
        },
    ];
    // Four voters, one per house, each listed in precinct 2.
    let mut b = VoterTableBuilder::new("voters.csv");
    for n in 1..=4u64 {
        let (code, house) = (n.to_string(), n.to_string());
        let mut f = [""; VOTER_FIELDS];
        f[0] = &code;
        f[5] = "2";
        f[14] = "Алматы";
        f[15] = "ул. Абая";
        f[16] = &house;
        b.push(f, n + 1).unwrap();
    }
    let ds = Dataset {
        precincts: polys,
        addresses: addrs,
        voters: Some(b.build()),
        ..Dataset::default()
    };
    // The list gives every house of Абая to precinct 1.
    let table = table_of(&[("1", "улица", "Абая", "все дома")]);
    let opts = CheckOptions {
        cap: 3,
        ..CheckOptions::default()
    };
    let result = run(&ds, Some(&table), None, &opts, &Quiet);
    let fig = |no: &str| {
        result
            .precincts
            .iter()
            .find(|f| f.no.as_str() == no)
            .unwrap()
    };
    assert_eq!(
        (
            fig("1").voters,
            fig("1").voters_listed,
            fig("1").voters_by_list,
            fig("1").voters_by_list_exclusive
        ),
        (0, 0, Some(4), Some(4))
    );
    assert!(fig("1").overfull);
    let over: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::PrecinctOverCap)
        .collect();
    // Precinct 2 has 4 voters by polygon and by the voter list: over the cap too.
    let mut who: Vec<String> = over
        .iter()
        .map(|f| f.precinct.as_ref().unwrap().to_string())
        .collect();
    who.sort();
    assert_eq!(who, ["1", "2"]);
    let one = over.iter().find(|f| f.precinct == Some(p("1"))).unwrap();
    assert_eq!(
        one.message,
        "0 voters by address, 0 by the voter list, 4 by the address list; the cap is 3"
    );
}

/// BORDER_RANGE_BEYOND_LAST_HOUSE: a range whose upper end lies past the last known house of
/// its street (of its side when it has one), even when the rest of it matches; not for open
/// ranges, ranges ending at the last house, or entries that match nothing (those are dead).
#[test]
fn a_range_past_the_last_known_house_is_a_warning_even_when_the_rest_matches() {
    // Odd side ends at 9, even side at 12.
    let addrs: Vec<AddressPoint> = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12"]
        .iter()
        .enumerate()
        .map(|(i, h)| point("ул. Абая", h, "", 0.0, 0.0, i as u64 + 2))
        .collect();
    let table = table_of(&[
        ("1", "улица", "Абая", "1-9"),
        ("2", "улица", "Абая", "2-20 четные"),
        ("3", "улица", "Абая", "1-15 нечетные"),
        ("4", "улица", "Абая", "1-12"),
        ("5", "улица", "Абая", "100-120"),
        ("6", "улица", "Абая", "с 5 до конца"),
        ("7", "улица", "Абая", "1-12А"),
        (
            "8",
            "",
            "Абай көшесі",
            "2-ден 12-ге дейін жұп, 1-ден 11-ге дейін тақ",
        ),
    ]);
    let out = check_lists(&table, &addrs);
    let mut got: Vec<(String, u64, String)> = out
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::BorderRangeBeyondLastHouse)
        .map(|f| {
            (
                f.precinct.as_ref().unwrap().to_string(),
                f.line.unwrap(),
                f.message.clone(),
            )
        })
        .collect();
    got.sort();
    let want = [
        (
            "2",
            3,
            "«Абая» 2..20 even: the range ends past the last known even house, 12",
        ),
        (
            "3",
            4,
            "«Абая» 1..15 odd: the range ends past the last known odd house, 9",
        ),
        (
            "7",
            8,
            "«Абая» 1..12А: the range ends past the last known house, 12",
        ),
        (
            "8",
            9,
            "«Абай көшесі» 1..11 odd: the range ends past the last known odd house, 9",
        ),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(p, l, m)| (p.to_string(), *l, m.to_string()))
        .collect();
    assert_eq!(got, want);
    assert!(
        out.findings
            .iter()
            .any(|f| f.code == FindingCode::BorderEntryMatchesNothing
                && f.precinct == Some(p("5")))
    );
}

/// An address in the lists of two precincts counts in both precincts' voters by list (the
/// cap is about the worst case); the exclusive count keeps only addresses in one list.
#[test]
fn an_address_in_two_lists_counts_in_both_and_not_in_the_exclusive_figure() {
    use precincts::model::{VOTER_FIELDS, VoterTableBuilder};
    let addrs: Vec<AddressPoint> = (1..=3)
        .map(|n| point("ул. Абая", &n.to_string(), "", 0.0, 0.0, n as u64 + 1))
        .collect();
    // Precinct 1 lists houses 1-2, precinct 2 houses 2-3: house 2 is in both.
    let table = table_of(&[
        ("1", "улица", "Абая", "1-2"),
        ("2", "улица", "Абая", "2, 3"),
    ]);
    // Voters: one at house 1, two at house 2, one at house 3.
    let homes = [0u32, 1, 1, 2];
    let mut b = VoterTableBuilder::new("voters.csv");
    for (i, h) in homes.iter().enumerate() {
        let (code, house) = ((i + 1).to_string(), (h + 1).to_string());
        let mut f = [""; VOTER_FIELDS];
        f[0] = &code;
        f[5] = "1";
        f[14] = "Алматы";
        f[15] = "ул. Абая";
        f[16] = &house;
        b.push(f, i as u64 + 2).unwrap();
    }
    let voters = b.build();
    let voter_address: Vec<Option<u32>> = homes.iter().map(|&h| Some(h)).collect();
    let out = check_borders(&BordersInput {
        table: &table,
        addresses: &addrs,
        address_polygon: None,
        precincts: &[],
        address_admin: &[None, None, None],
        admin: &[],
        voters: Some(&voters),
        voter_address: &voter_address,
        aliases: None,
        cap: 3000,
    });
    let sorted = |m: &std::collections::HashMap<PrecinctNo, u64>| {
        let mut v: Vec<(String, u64)> = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        v.sort();
        v
    };
    assert_eq!(
        sorted(&out.voters_by_list),
        [("1".to_string(), 3), ("2".to_string(), 3)]
    );
    assert_eq!(
        sorted(&out.voters_by_list_exclusive),
        [("1".to_string(), 1), ("2".to_string(), 1)]
    );
}

/// An Excel export as akimats send it (CP1251, `;`, CRLF, the printed form's headers and its
/// numbering row): the malformed rows are each one BORDER_PARSE_ERROR naming the column and
/// character, and cover nothing, so the addresses they meant are in no list; the good rows
/// cover exactly their houses.
#[test]
fn a_cp1251_export_with_malformed_rows_reports_them_and_they_cover_nothing() {
    let text = "№ участка;Тип населенного пункта;Населенный пункт;Тип адреса;Адрес;Дома\r\n\
                1;2;3;4;5;6\r\n\
                7;город;Алматы;улица;Абая;1-5 (нечетные)\r\n\
                7;город;Алматы;улица;Гоголя;дом А\r\n\
                8;город;Алматы;;\"Границы: ул. Абая: 2-6 четные; пер. Лесной: четные нечетные\";\r\n\
                8;город;Алматы;переулок;Лесной;д. 1-3\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!bad);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("borders.csv");
    std::fs::write(&path, &bytes).unwrap();
    let mut intake = Intake::default();
    let (table, findings) = read_borders(&path, &mut intake).unwrap();
    let errors: Vec<(String, Option<u64>, String)> = findings
        .iter()
        .map(|f| {
            (
                f.precinct.as_ref().unwrap().to_string(),
                f.line,
                f.message.clone(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "7".to_string(),
                Some(4),
                "house column, char 5: unknown word «а»".to_string()
            ),
            (
                "8".to_string(),
                Some(5),
                "address column, char 52: two parity words in a row: write «четные и нечетные» or «все дома»"
                    .to_string()
            ),
        ]
    );
    assert!(
        findings
            .iter()
            .all(|f| f.code == FindingCode::BorderParseError)
    );
    let addrs = vec![
        point("ул. Абая", "1", "", 0.0, 0.0, 2),
        point("ул. Абая", "2", "", 0.0, 0.0, 3),
        point("ул. Абая", "3", "", 0.0, 0.0, 4),
        point("пер. Гоголя", "1", "", 0.0, 0.0, 5),
        point("пер. Лесной", "2", "", 0.0, 0.0, 6),
        point("пер. Лесной", "4", "", 0.0, 0.0, 7),
    ];
    let out = check_lists(&table, &addrs);
    assert_eq!(
        out.address_list,
        [
            Some(p("7")),
            // Абая 2 was in the malformed paragraph of precinct 8: in no list.
            None,
            Some(p("7")),
            // Гоголя 1 was in the malformed `дом А`.
            None,
            Some(p("8")),
            None,
        ]
    );
}
