//! Appendix 3 border lists for the demo: `borders.csv`, the lists of the demo town written
//! back from its polygons (each address to the precinct its voters are listed in), with four
//! planted errors:
//! 1. an address in two lists (an extra row of a neighbouring precinct of the same district);
//! 2. an uncovered street (no row names it);
//! 3. a list that disagrees with its polygon (a few addresses of one precinct listed for a
//!    neighbour of the same district);
//! 4. a list crossing a district (an address of another district listed for a precinct).
//!
//! The findings returned are computed from the final lists, so their side effects are in:
//! the polygon mismatches of plants 1, 3 and 4, the voters living at moved addresses, the
//! voters the demo lists in a wrong precinct (`VOTER_LIST_PRECINCT_MISMATCH`), and every
//! list spanning two districts (a precinct polygon planted across a boundary included).

use super::{Expected, Town, VoterAddress};
use crate::borders::{Lang, appendix3_rows};
use crate::model::{AddressPoint, FindingCode, PrecinctNo, SourceRef};
use crate::spatial::PolygonIndex;
use geo::MultiPolygon;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

fn expected(
    code: FindingCode,
    p: Option<&PrecinctNo>,
    rec: Option<u64>,
    line: Option<u64>,
) -> Expected {
    Expected {
        code: code.as_str().to_string(),
        precinct: p.map(|p| p.as_str().to_string()),
        record: rec.map(|r| r.to_string()),
        line,
    }
}

/// Precincts with no planted problem of their own, drawn inside a district.
fn clean_precincts(town: &Town) -> Vec<bool> {
    let pl = &town.planted;
    let mut bad: HashSet<&PrecinctNo> = HashSet::new();
    for v in [
        &pl.over_cap,
        &pl.crossing,
        &pl.invalid,
        &pl.station_outside,
        &pl.missing_polygon,
        &pl.missing_station,
        &pl.duplicate_station,
        &pl.eliminated_in_use,
        &pl.outside_admin,
    ] {
        bad.extend(v.iter());
    }
    for (a, b) in &pl.overlap {
        bad.insert(a);
        bad.insert(b);
    }
    for (p, _) in &pl.gap {
        bad.insert(p);
    }
    let mut count: HashMap<&PrecinctNo, usize> = HashMap::new();
    for p in &town.precincts {
        *count.entry(&p.no).or_default() += 1;
    }
    town.precincts
        .iter()
        .map(|p| p.district.is_some() && !bad.contains(&p.no) && count[&p.no] == 1)
        .collect()
}

/// Writes `dir/borders.csv`; returns the findings it plants (see the module docs).
pub fn write(town: &Town, dir: &Path) -> std::io::Result<Vec<Expected>> {
    let n = town.addresses.len();
    if n == 0 || town.precincts.is_empty() {
        return Ok(vec![]);
    }
    let points: Vec<AddressPoint> = town
        .addresses
        .iter()
        .map(|a| AddressPoint {
            locality: town.locality(a).to_string(),
            street: town.street(a).to_string(),
            house: a.house.to_string(),
            building: Town::building(a),
            coord: a.coord,
            source: SourceRef {
                file: "addresses.csv".into(),
                line: a.line,
            },
        })
        .collect();
    // The district of every point, as the checker finds it (finest admin level).
    let dpolys: Vec<MultiPolygon<f64>> = town
        .districts
        .iter()
        .map(|d| MultiPolygon(vec![d.polygon.clone()]))
        .collect();
    let coords: Vec<geo::Coord<f64>> = town.addresses.iter().map(|a| a.coord).collect();
    let district: Vec<Option<u32>> = if dpolys.is_empty() {
        vec![None; n]
    } else {
        PolygonIndex::new(&dpolys).locate_all(&coords)
    };

    // Base lists: each address to the precinct its voters are listed in.
    let mut assign: Vec<Option<u32>> = town.addresses.iter().map(|a| a.listed).collect();
    let clean = clean_precincts(town);
    let ok_addr = |i: usize| {
        let a = &town.addresses[i];
        a.precinct.is_some_and(|p| clean[p as usize])
            && a.listed == a.precinct
            && district[i]
                == town.precincts[a.precinct.unwrap_or(0) as usize]
                    .district
                    .map(|d| d as u32)
    };
    // Houses whose number (without block) is shared on a street: not used for single plants.
    let mut base_count: HashMap<(u32, String), usize> = HashMap::new();
    for a in &town.addresses {
        *base_count
            .entry((a.street, a.house.to_string()))
            .or_default() += 1;
    }
    let single = |i: usize| {
        let a = &town.addresses[i];
        a.building == 0 && base_count[&(a.street, a.house.to_string())] == 1
    };
    // Clean precincts with addresses, by district.
    let mut by_district: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    let mut has_addr = vec![false; town.precincts.len()];
    for (i, a) in town.addresses.iter().enumerate() {
        if let Some(p) = a.precinct
            && ok_addr(i)
        {
            has_addr[p as usize] = true;
        }
    }
    for (k, p) in town.precincts.iter().enumerate() {
        if clean[k]
            && has_addr[k]
            && let Some(d) = p.district
        {
            by_district.entry(d).or_default().push(k as u32);
        }
    }
    let pairs: Vec<(u32, u32, usize)> = by_district
        .iter()
        .filter(|(_, v)| v.len() >= 2)
        .map(|(d, v)| (v[0], v[1], *d))
        .collect();
    let mut used: HashSet<u32> = HashSet::new();
    let mut extra: Vec<(u32, usize)> = Vec::new(); // (precinct, address) extra rows
    let mut touched: BTreeSet<usize> = BTreeSet::new();

    // 1. An address of P listed also for Q (same district).
    if let Some(&(p, q, _)) = pairs.first()
        && let Some(i) =
            (0..n).find(|&i| town.addresses[i].precinct == Some(p) && ok_addr(i) && single(i))
    {
        extra.push((q, i));
        used.extend([p, q]);
        touched.insert(i);
    }
    // 3. A few addresses of P listed for R (same district): the list disagrees with the polygon.
    if let Some(&(p, r, _)) = pairs
        .iter()
        .find(|(p, r, _)| !used.contains(p) && !used.contains(r))
    {
        let moved: Vec<usize> = (0..n)
            .filter(|&i| town.addresses[i].precinct == Some(p) && ok_addr(i))
            .take(3)
            .collect();
        for &i in &moved {
            assign[i] = Some(r);
            touched.insert(i);
        }
        used.extend([p, r]);
    }
    // 4. An address of another district listed for X.
    let free: Vec<u32> = (0..town.precincts.len() as u32)
        .filter(|k| clean[*k as usize] && has_addr[*k as usize] && !used.contains(k))
        .collect();
    if let Some(&x) = free.first() {
        let dx = town.precincts[x as usize].district;
        if let Some(i) = (0..n).find(|&i| {
            let a = &town.addresses[i];
            ok_addr(i)
                && a.precinct.is_some_and(|y| {
                    !used.contains(&y) && y != x && town.precincts[y as usize].district != dx
                })
        }) {
            assign[i] = Some(x);
            touched.insert(i);
            used.insert(x);
            if let Some(y) = town.addresses[i].precinct {
                used.insert(y);
            }
        }
    }
    // 2. An uncovered street: the street with the fewest addresses, none of them touched by
    // the other plants or in their precincts.
    let mut street_addrs: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, a) in town.addresses.iter().enumerate() {
        street_addrs.entry(a.street).or_default().push(i);
    }
    if let Some((_, v)) = street_addrs
        .iter()
        .filter(|(_, v)| {
            v.iter().all(|&i| {
                !touched.contains(&i)
                    && town.addresses[i]
                        .precinct
                        .is_some_and(|p| !used.contains(&p))
            })
        })
        .min_by_key(|(s, v)| (v.len(), **s))
    {
        for &i in v {
            assign[i] = None;
            touched.insert(i);
        }
    }

    // The table.
    let nos: Vec<Option<PrecinctNo>> = assign
        .iter()
        .map(|p| p.map(|p| town.precincts[p as usize].no.clone()))
        .collect();
    let rows = appendix3_rows(&points, &nos, Lang::Ru);
    let mut buf: Vec<u8> = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record([
            "№ участка",
            "Тип населенного пункта",
            "Населенный пункт",
            "Тип адреса",
            "Адрес",
            "Дом",
        ])?;
        for r in &rows {
            w.write_record([
                r.precinct.as_str(),
                &r.locality_type,
                &r.locality,
                &r.address_type,
                &r.address,
                &r.houses,
            ])?;
        }
        for &(q, i) in &extra {
            let a = &town.addresses[i];
            w.write_record([
                town.precincts[q as usize].no.as_str(),
                "город",
                town.locality(a),
                "улица",
                town.street(a),
                &a.house.to_string(),
            ])?;
        }
        w.flush()?;
    }
    let path = dir.join("borders.csv");
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&buf)?;
    tmp.persist(&path).map_err(|e| e.error)?;

    // The findings, from the final lists.
    let mut lists: Vec<Vec<u32>> = assign.iter().map(|p| p.iter().copied().collect()).collect();
    for &(q, i) in &extra {
        if !lists[i].contains(&q) {
            lists[i].push(q);
        }
    }
    let no = |k: u32| &town.precincts[k as usize].no;
    let mut out = Vec::new();
    let mut crosses: BTreeMap<&PrecinctNo, BTreeSet<u32>> = BTreeMap::new();
    let mut mismatch: BTreeSet<(&PrecinctNo, &PrecinctNo)> = BTreeSet::new();
    for (i, a) in town.addresses.iter().enumerate() {
        let l = &lists[i];
        if l.is_empty() {
            out.push(expected(
                FindingCode::AddressInNoList,
                None,
                None,
                Some(a.line),
            ));
        }
        let mut ps: Vec<&PrecinctNo> = l.iter().map(|&k| no(k)).collect();
        ps.sort();
        ps.dedup();
        if ps.len() > 1 {
            out.push(expected(
                FindingCode::AddressInSeveralLists,
                Some(ps[0]),
                None,
                Some(a.line),
            ));
        }
        for &k in l {
            if let Some(d) = district[i] {
                crosses.entry(no(k)).or_default().insert(d);
            }
            if let Some(b) = a.precinct
                && no(b) != no(k)
            {
                mismatch.insert((no(k), no(b)));
            }
        }
    }
    for (p, ds) in crosses {
        if ds.len() > 1 {
            out.push(expected(
                FindingCode::BorderListCrossesAdmin,
                Some(p),
                None,
                None,
            ));
        }
    }
    for (a, _) in mismatch {
        out.push(expected(
            FindingCode::BorderListPolygonMismatch,
            Some(a),
            None,
            None,
        ));
    }
    // Voters: those at moved addresses and those the demo lists elsewhere.
    let mut candidates: BTreeSet<usize> = BTreeSet::new();
    for &i in &touched {
        let a = &town.addresses[i];
        candidates.extend(a.first_voter as usize..(a.first_voter + a.voter_count) as usize);
    }
    for &v in town.planted.voters.keys() {
        candidates.insert(v as usize);
    }
    for (i, a) in town.addresses.iter().enumerate() {
        if a.listed != assign[i] || lists[i].len() > 1 {
            candidates.extend(a.first_voter as usize..(a.first_voter + a.voter_count) as usize);
        }
    }
    for v in candidates {
        if v >= town.voter_count {
            continue;
        }
        let voter = town.voter(v);
        let (VoterAddress::Point(i), Some(l)) = (&voter.address, voter.listed) else {
            continue;
        };
        // A voter whose address is written ambiguously is placed nowhere.
        if town.written_ambiguously(&town.addresses[*i as usize]) {
            continue;
        }
        let ls = &lists[*i as usize];
        if ls.is_empty() || ls.iter().any(|&k| no(k) == no(l)) {
            continue;
        }
        out.push(expected(
            FindingCode::VoterListPrecinctMismatch,
            Some(no(l)),
            Some(voter.record),
            None,
        ));
    }
    out.sort();
    Ok(out)
}
