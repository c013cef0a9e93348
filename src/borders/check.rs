//! Applies the address lists to every address point (once per point: an index street →
//! entries), then checks them against the polygons, the admin units and the voters, who map
//! through their geocoded address index.

use super::{BorderTable, HouseItem, Parity, StreetAliases, Target};
use crate::address::directory::{Resolution, StreetDirectory};
use crate::address::{House, normalise_locality, normalise_street, parse_house};
use crate::model::{
    AddressPoint, AdminUnit, Finding, FindingCode, PrecinctNo, PrecinctPolygon, VoterField,
    VoterTable,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Everything the checks of the address lists read.
pub struct BordersInput<'a> {
    pub table: &'a BorderTable,
    pub addresses: &'a [AddressPoint],
    /// Per address: index into `precincts` (by polygon); `None` when there are no polygons.
    pub address_polygon: Option<&'a [Option<u32>]>,
    pub precincts: &'a [PrecinctPolygon],
    /// Per address: index into `admin` (the containment level).
    pub address_admin: &'a [Option<u32>],
    pub admin: &'a [AdminUnit],
    pub voters: Option<&'a VoterTable>,
    /// Per voter row: index into `addresses` (geocoded), `None` when not found.
    pub voter_address: &'a [Option<u32>],
    pub aliases: Option<&'a StreetAliases>,
    pub cap: u32,
}

/// What the checks of the address lists found.
#[derive(Debug, Default)]
pub struct BordersOutcome {
    pub findings: Vec<Finding>,
    /// Per address: the precinct its list gives (the first matching entry's).
    pub address_list: Vec<Option<PrecinctNo>>,
    /// Per precinct: voters whose address its list holds. An address in the lists of two
    /// precincts counts in both (the cap is checked on the worst case).
    pub voters_by_list: HashMap<PrecinctNo, u64>,
    /// Per precinct: voters whose address its list holds and no other precinct's list does.
    pub voters_by_list_exclusive: HashMap<PrecinctNo, u64>,
}

/// The entries indexed for matching.
struct EntryIndex<'a> {
    /// (locality key, street key) → entries; locality "" = any locality.
    streets: HashMap<&'a str, HashMap<String, Vec<u32>>>,
    /// settlement locality key → entries.
    settlements: HashMap<String, Vec<u32>>,
    /// Localities the table covers; `None` = every locality.
    localities: Option<HashSet<String>>,
}

/// The street of an entry among the streets of the address points: the street key the
/// entry names (aliases applied, then the cascade of [`StreetDirectory`]: the full key, the
/// name without its type, the loose genitive, each only when it names one street of the
/// locality), or the candidates' keys when it could be several streets. An entry whose
/// street is unknown keeps its own key (and matches nothing).
type EntryStreet = Result<String, Vec<String>>;

fn entry_streets(
    table: &BorderTable,
    addresses: &[AddressPoint],
    aliases: Option<&StreetAliases>,
) -> Vec<Option<EntryStreet>> {
    let mut dir = StreetDirectory::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for a in addresses {
        if !seen.insert((a.locality.as_str(), a.street.as_str())) {
            continue;
        }
        let loc = normalise_locality(&a.locality);
        let key = normalise_street(&a.street);
        let key = aliases.map(|al| al.resolve(&loc, &key)).unwrap_or(&key);
        dir.insert(None, &loc, key);
        dir.insert(None, "", key);
    }
    let any = |_: Option<u32>| true;
    table
        .entries
        .iter()
        .map(|e| match &e.target {
            Target::Street { key, .. } => {
                let loc = table.precincts[e.precinct].locality_key.as_str();
                let key = aliases.map(|a| a.resolve(loc, key)).unwrap_or(key);
                Some(match dir.resolve(loc, key, &any) {
                    Resolution::Found(o) => Ok(dir.object(o[0]).2.to_string()),
                    Resolution::Ambiguous(os) => {
                        // Every street is also filed under "any locality": name each once.
                        let mut keys: Vec<String> = Vec::new();
                        for &o in &os {
                            let k = dir.object(o).2;
                            if !keys.iter().any(|x| x == k) {
                                keys.push(k.to_string());
                            }
                        }
                        Err(keys)
                    }
                    Resolution::NotFound => Ok(key.to_string()),
                })
            }
            Target::Settlement { .. } | Target::NoStreet => None,
        })
        .collect()
}

fn build_index<'a>(table: &'a BorderTable, entry_street: &[Option<EntryStreet>]) -> EntryIndex<'a> {
    let mut streets: HashMap<&str, HashMap<String, Vec<u32>>> = HashMap::new();
    let mut settlements: HashMap<String, Vec<u32>> = HashMap::new();
    let mut localities = Some(HashSet::new());
    for (i, e) in table.entries.iter().enumerate() {
        let loc = table.precincts[e.precinct].locality_key.as_str();
        match &e.target {
            Target::Street { .. } => {
                // An ambiguous entry covers nothing.
                let Some(Ok(key)) = &entry_street[i] else {
                    continue;
                };
                streets
                    .entry(loc)
                    .or_default()
                    .entry(key.to_string())
                    .or_default()
                    .push(i as u32);
                if loc.is_empty() {
                    localities = None;
                } else if let Some(l) = &mut localities {
                    l.insert(loc.to_string());
                }
            }
            Target::NoStreet => {
                streets
                    .entry(loc)
                    .or_default()
                    .entry(String::new())
                    .or_default()
                    .push(i as u32);
                if loc.is_empty() {
                    localities = None;
                } else if let Some(l) = &mut localities {
                    l.insert(loc.to_string());
                }
            }
            Target::Settlement { key, .. } => {
                settlements.entry(key.clone()).or_default().push(i as u32);
                if let Some(l) = &mut localities {
                    l.insert(key.clone());
                }
            }
        }
    }
    EntryIndex {
        streets,
        settlements,
        localities,
    }
}

/// The houses of one street among the address points.
struct KnownHouses<'a> {
    lo: &'a House,
    hi: &'a House,
    count: usize,
    /// The highest even and odd house.
    last: [Option<&'a House>; 2],
}

/// The known houses of the given (locality, street) keys, from the resolved points (a point
/// counts for its locality and for "any locality").
fn known_houses<'a>(
    resolved: &'a [Resolved],
    streets: &HashSet<(&str, &str)>,
) -> HashMap<(&'a str, &'a str), KnownHouses<'a>> {
    let mut known: HashMap<(&str, &str), KnownHouses> = HashMap::new();
    if streets.is_empty() {
        return known;
    }
    for r in resolved {
        let Some(h) = &r.house else { continue };
        for l in [&*r.loc, ""] {
            if !streets.contains(&(l, &*r.street)) {
                continue;
            }
            let k = known.entry((l, &*r.street)).or_insert(KnownHouses {
                lo: h,
                hi: h,
                count: 0,
                last: [None; 2],
            });
            k.lo = k.lo.min(h);
            k.hi = k.hi.max(h);
            k.count += 1;
            let side = &mut k.last[(h.num % 2) as usize];
            if side.is_none_or(|m| h > m) {
                *side = Some(h);
            }
        }
    }
    known
}

/// Whether an entry includes a range with an upper end.
fn has_closed_range(e: &super::BorderEntry) -> bool {
    e.houses
        .included()
        .any(|it| matches!(it, HouseItem::Range { to: Some(_), .. }))
}

/// One address point resolved against the lists.
struct Resolved {
    loc: Arc<str>,
    street: Arc<str>,
    house: Option<House>,
    /// Matching entries, in table order.
    entries: Vec<u32>,
    /// The distinct precincts (interned ids) of those entries, in entry order.
    pids: Vec<u32>,
}

fn house_matches(set: &super::HouseSet, h: Option<&House>) -> bool {
    match h {
        Some(h) => set.contains(h),
        // A house number that does not parse is covered only by "every house".
        None => set.is_all(),
    }
}

/// The last locality and street normalised by a thread: address points come grouped by
/// street, so most points reuse them.
#[derive(Default)]
struct Cache {
    loc_raw: String,
    loc: Arc<str>,
    street_raw: String,
    street: Arc<str>,
}

fn resolve(
    table: &BorderTable,
    entry_pid: &[u32],
    ix: &EntryIndex,
    aliases: Option<&StreetAliases>,
    cache: &mut Cache,
    a: &AddressPoint,
) -> Resolved {
    if cache.loc_raw != a.locality || cache.loc_raw.is_empty() {
        cache.loc_raw.clone_from(&a.locality);
        cache.loc = normalise_locality(&a.locality).into();
        cache.street_raw.clear();
    }
    if cache.street_raw != a.street || cache.street_raw.is_empty() {
        cache.street_raw.clone_from(&a.street);
        let s = normalise_street(&a.street);
        let s = match aliases {
            Some(al) => al.resolve(&cache.loc, &s).to_string(),
            None => s,
        };
        // Entries are filed under the point street they name (`entry_streets`), so the
        // point's own key finds them.
        cache.street = s.into();
    }
    let loc: &str = &cache.loc;
    let street: &str = &cache.street;
    let house = parse_house(&a.house, &a.building);
    let mut entries = Vec::new();
    let mut try_list = |list: Option<&Vec<u32>>| {
        for &e in list.into_iter().flatten() {
            if house_matches(&table.entries[e as usize].houses, house.as_ref()) {
                entries.push(e);
            }
        }
    };
    try_list(ix.streets.get(loc).and_then(|m| m.get(street)));
    if !loc.is_empty() {
        try_list(ix.streets.get("").and_then(|m| m.get(street)));
    }
    try_list(ix.settlements.get(loc));
    entries.sort_unstable();
    entries.dedup();
    let mut pids: Vec<u32> = Vec::new();
    for &e in &entries {
        let p = entry_pid[e as usize];
        if !pids.contains(&p) {
            pids.push(p);
        }
    }
    Resolved {
        pids,
        loc: cache.loc.clone(),
        street: cache.street.clone(),
        house,
        entries,
    }
}

fn address_text(a: &AddressPoint) -> String {
    let mut s = format!("{}, {} {}", a.locality, a.street, a.house);
    if !a.building.is_empty() {
        s.push_str(&format!(" корп. {}", a.building));
    }
    s
}

/// Runs the checks of the address lists. See the module docs for the findings and keys.
pub fn check_borders(input: &BordersInput) -> BordersOutcome {
    let table = input.table;
    let entry_street = entry_streets(table, input.addresses, input.aliases);
    let ix = build_index(table, &entry_street);
    // Precinct numbers interned.
    let mut ids: HashMap<&PrecinctNo, u32> = HashMap::new();
    let mut nos: Vec<&PrecinctNo> = Vec::new();
    for p in &table.precincts {
        ids.entry(&p.no).or_insert_with(|| {
            nos.push(&p.no);
            (nos.len() - 1) as u32
        });
    }
    let entry_pid: Vec<u32> = table
        .entries
        .iter()
        .map(|e| ids[&table.precincts[e.precinct].no])
        .collect();
    // Each address point once, against the entries of its street.
    let resolved: Vec<Resolved> = input
        .addresses
        .par_iter()
        .with_min_len(1 << 12)
        .map_init(Cache::default, |c, a| {
            resolve(table, &entry_pid, &ix, input.aliases, c, a)
        })
        .collect();
    let mut findings = Vec::new();
    let address_list: Vec<Option<PrecinctNo>> = resolved
        .par_iter()
        .with_min_len(1 << 12)
        .map(|r| r.pids.first().map(|&p| nos[p as usize].clone()))
        .collect();

    // Addresses in no list / several lists.
    let mut entry_hits = vec![0u64; table.entries.len()];
    for (r, a) in resolved.iter().zip(input.addresses) {
        for &e in &r.entries {
            entry_hits[e as usize] += 1;
        }
        let covered = ix.localities.as_ref().is_none_or(|l| l.contains(&*r.loc));
        if r.pids.is_empty() && covered {
            findings.push(
                Finding::new(
                    FindingCode::AddressInNoList,
                    format!("address {}", address_text(a)),
                    "no precinct's address list (Appendix 3) covers this address",
                )
                .at(&a.source.file, a.source.line)
                .geometry(geo::Point(a.coord)),
            );
        }
        if r.pids.len() > 1 {
            let mut ps: Vec<&PrecinctNo> = r.pids.iter().map(|&p| nos[p as usize]).collect();
            ps.sort();
            let which = r
                .entries
                .iter()
                .map(|&e| {
                    let en = &table.entries[e as usize];
                    format!(
                        "precinct {} ({}: «{}»)",
                        table.precinct_of(e as usize),
                        en.source,
                        en.text
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            findings.push(
                Finding::new(
                    FindingCode::AddressInSeveralLists,
                    format!("address {}", address_text(a)),
                    format!(
                        "the address is in the lists of {} precincts: {which}",
                        ps.len()
                    ),
                )
                .precinct(ps[0])
                .at(&a.source.file, a.source.line)
                .geometry(geo::Point(a.coord)),
            );
        }
    }

    // Entries (rows) that match nothing; the known houses of their streets, for the message.
    // The known houses of the streets of entries that match nothing (for their message)
    // and of entries with a closed range (for BORDER_RANGE_BEYOND_LAST_HOUSE): one pass.
    let street_of = |i: usize| match &entry_street[i] {
        Some(Ok(key)) => Some((
            table.precincts[table.entries[i].precinct]
                .locality_key
                .as_str(),
            key.as_str(),
        )),
        _ => None,
    };
    let wanted: HashSet<(&str, &str)> = (0..table.entries.len())
        .filter(|&i| entry_hits[i] == 0 || has_closed_range(&table.entries[i]))
        .filter_map(street_of)
        .collect();
    let known = known_houses(&resolved, &wanted);
    let mut by_row: BTreeMap<(usize, u64), (Vec<usize>, usize)> = BTreeMap::new();
    for (i, e) in table.entries.iter().enumerate() {
        let r = by_row.entry((e.precinct, e.source.line)).or_default();
        r.1 += 1;
        if let Some(Err(candidates)) = &entry_street[i] {
            let pb = &table.precincts[e.precinct];
            findings.push(
                Finding::new(
                    FindingCode::BorderEntryAmbiguous,
                    format!("precinct {}, borders row {}", pb.no, e.source.line),
                    format!(
                        "«{}»: the street could be any of {} streets of «{}» ({}); the entry covers nothing",
                        e.text,
                        candidates.len(),
                        pb.locality,
                        candidates.join(", ")
                    ),
                )
                .precinct(&pb.no)
                .at(&e.source.file, e.source.line),
            );
        } else if entry_hits[i] == 0 {
            r.0.push(i);
        }
    }
    for ((p, line), (dead, _total)) in by_row {
        if dead.is_empty() {
            continue;
        }
        let pb = &table.precincts[p];
        let mut why = Vec::new();
        for &i in &dead {
            let e = &table.entries[i];
            why.push(match &e.target {
                Target::Street { key, name, .. } => {
                    let key = match &entry_street[i] {
                        Some(Ok(k)) => k.as_str(),
                        _ => key.as_str(),
                    };
                    match known.get(&(pb.locality_key.as_str(), key)) {
                        None => format!(
                            "«{name}»: no such street among the address points of «{}»",
                            pb.locality
                        ),
                        Some(k) => format!(
                            "«{name}» {}: no known house matches ({} known houses, {}..{})",
                            e.houses, k.count, k.lo, k.hi
                        ),
                    }
                }
                Target::Settlement { name, .. } => format!("settlement «{name}»: no address point"),
                Target::NoStreet => {
                    format!("houses {} without a street: no address point", e.houses)
                }
            });
        }
        let e0 = &table.entries[dead[0]];
        findings.push(
            Finding::new(
                FindingCode::BorderEntryMatchesNothing,
                format!("precinct {}, borders row {line}", pb.no),
                why.join("; "),
            )
            .precinct(&pb.no)
            .at(&e0.source.file, line),
        );
    }

    // Ranges that run past the last known house of their street (of their side, when they
    // have one), for entries that do match something (the others are dead entries above).
    let mut beyond: BTreeMap<(usize, u64), Vec<String>> = BTreeMap::new();
    for (i, e) in table.entries.iter().enumerate() {
        let Target::Street { name, .. } = &e.target else {
            continue;
        };
        if entry_hits[i] == 0 {
            continue;
        }
        let loc = table.precincts[e.precinct].locality_key.as_str();
        let Some(Ok(key)) = &entry_street[i] else {
            continue;
        };
        let key = key.as_str();
        let Some(sides) = known.get(&(loc, key)).map(|k| k.last) else {
            continue;
        };
        for item in e.houses.included() {
            let HouseItem::Range {
                to: Some(to),
                parity,
                ..
            } = item
            else {
                continue;
            };
            let known = match parity {
                Parity::Even => sides[0],
                Parity::Odd => sides[1],
                Parity::Any => sides[0].max(sides[1]),
            };
            let Some(known) = known else { continue };
            if to > known {
                let side = match parity {
                    Parity::Any => String::new(),
                    Parity::Even => " even".into(),
                    Parity::Odd => " odd".into(),
                };
                beyond
                    .entry((e.precinct, e.source.line))
                    .or_default()
                    .push(format!(
                        "«{name}» {item}: the range ends past the last known{side} house, {known}"
                    ));
            }
        }
    }
    for ((p, line), why) in beyond {
        let pb = &table.precincts[p];
        let file = table
            .entries
            .iter()
            .find(|e| e.precinct == p && e.source.line == line)
            .map(|e| e.source.file.clone());
        let mut f = Finding::new(
            FindingCode::BorderRangeBeyondLastHouse,
            format!("precinct {}, borders row {line}", pb.no),
            why.join("; "),
        )
        .precinct(&pb.no);
        if let Some(file) = file {
            f = f.at(&file, line);
        }
        findings.push(f);
    }

    // Lists crossing admin units.
    let mut admin_of: BTreeMap<u32, BTreeMap<u32, u64>> = BTreeMap::new();
    for (i, ps) in resolved.iter().map(|r| &r.pids).enumerate() {
        if let Some(Some(u)) = input.address_admin.get(i) {
            for &p in ps {
                *admin_of.entry(p).or_default().entry(*u).or_default() += 1;
            }
        }
    }
    for (p, units) in &admin_of {
        if units.len() > 1 {
            let no = nos[*p as usize];
            let parts = units
                .iter()
                .map(|(u, n)| {
                    let unit = &input.admin[*u as usize];
                    format!("{} {} ({n})", unit.kato, unit.name.as_deref().unwrap_or(""))
                })
                .collect::<Vec<_>>()
                .join(", ");
            findings.push(
                Finding::new(
                    FindingCode::BorderListCrossesAdmin,
                    format!("precinct {no}"),
                    format!(
                        "the address list covers addresses in {} administrative units: {parts}",
                        units.len()
                    ),
                )
                .precinct(no),
            );
        }
    }

    // List vs polygon.
    if let Some(ap) = input.address_polygon {
        let mut pairs: BTreeMap<(&PrecinctNo, &PrecinctNo), u64> = BTreeMap::new();
        for (i, ps) in resolved.iter().map(|r| &r.pids).enumerate() {
            let Some(Some(b)) = ap.get(i) else { continue };
            let Some(poly) = input.precincts.get(*b as usize) else {
                continue;
            };
            if poly.derived {
                continue;
            }
            for &p in ps {
                let a = nos[p as usize];
                if *a != poly.no {
                    *pairs.entry((a, &poly.no)).or_default() += 1;
                }
            }
        }
        for ((a, b), n) in pairs {
            findings.push(
                Finding::new(
                    FindingCode::BorderListPolygonMismatch,
                    format!("precinct {a} / polygon {b}"),
                    format!(
                        "{n} addresses listed for precinct {a} lie in the polygon of precinct {b}"
                    ),
                )
                .precinct(a),
            );
        }
    }

    // Voters: the list's precinct vs the record's.
    let mut voters_by_list: HashMap<PrecinctNo, u64> = HashMap::new();
    let mut voters_by_list_exclusive: HashMap<PrecinctNo, u64> = HashMap::new();
    if let Some(v) = input.voters {
        let by_str: HashMap<&str, u32> = nos
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i as u32))
            .collect();
        let n = v.len().min(input.voter_address.len());
        // The first listed precinct of every address, flat (one memory access per voter);
        // the top bit marks an address in several lists (rare: its pids are looked up).
        const SEVERAL: u32 = 1 << 31;
        let first_pid: Vec<u32> = resolved
            .iter()
            .map(|r| match r.pids.as_slice() {
                [] => u32::MAX,
                [p] => *p,
                [p, ..] => *p | SEVERAL,
            })
            .collect();
        // Per precinct: (voters by list, of them exclusive).
        let (counts, found) = (0..n)
            .into_par_iter()
            .with_min_len(1 << 16)
            .fold(
                || (vec![(0u64, 0u64); nos.len()], Vec::new()),
                |(mut counts, mut found), i| {
                    let Some(a) = input.voter_address[i] else {
                        return (counts, found);
                    };
                    let first = first_pid[a as usize];
                    if first == u32::MAX {
                        return (counts, found);
                    }
                    if first & SEVERAL == 0 {
                        counts[first as usize].0 += 1;
                        counts[first as usize].1 += 1;
                    } else {
                        for &p in &resolved[a as usize].pids {
                            counts[p as usize].0 += 1;
                        }
                    }
                    let first = first & !SEVERAL;
                    let r = v.get(i);
                    let code = r.field(VoterField::Precinct).trim();
                    let code = code.strip_prefix('№').unwrap_or(code).trim();
                    if code.is_empty() {
                        return (counts, found);
                    }
                    let ok = code == nos[first as usize].as_str()
                        || by_str
                            .get(code)
                            .is_some_and(|p| resolved[a as usize].pids.contains(p));
                    if !ok {
                        found.push((i, first));
                    }
                    (counts, found)
                },
            )
            .reduce(
                || (vec![(0u64, 0u64); nos.len()], Vec::new()),
                |(mut c1, mut f1), (c2, f2)| {
                    for (a, b) in c1.iter_mut().zip(c2) {
                        a.0 += b.0;
                        a.1 += b.1;
                    }
                    f1.extend(f2);
                    (c1, f1)
                },
            );
        for (i, (all, only)) in counts.into_iter().enumerate() {
            if all > 0 {
                voters_by_list.insert(nos[i].clone(), all);
                voters_by_list_exclusive.insert(nos[i].clone(), only);
            }
        }
        let mut found = found;
        found.sort_unstable();
        for (i, first) in found {
            let r = v.get(i);
            let code = r.field(VoterField::Precinct).trim();
            let Ok(listed_no) = code.parse::<PrecinctNo>() else {
                continue;
            };
            let list_no = nos[first as usize];
            findings.push(
                Finding::new(
                    FindingCode::VoterListPrecinctMismatch,
                    format!("record {}", r.code()),
                    format!(
                        "the voter is listed in precinct {listed_no}, but the address list (Appendix 3) gives their address to precinct {list_no}"
                    ),
                )
                .precinct(&listed_no)
                .record(r.code(), r.file(), r.line()),
            );
        }
    }
    BordersOutcome {
        findings,
        address_list,
        voters_by_list,
        voters_by_list_exclusive,
    }
}
