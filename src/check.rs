//! Runs every check over a [`Dataset`]: geocodes voters to address points, assigns points to
//! precinct polygons, measures containment in administrative units, and cross-checks the
//! polygons, the stations (Appendix 2), the voter list (Appendix 1) and the address lists
//! (Appendix 3). Problems come back as [`Finding`]s, never as errors.

use crate::address::{AddressIndex, AddressQuery, Geocoded, UnitNames};
use crate::borders::{BorderTable, BordersInput, StreetAliases};
use crate::model::{
    AdminLevel, AdminUnit, Dataset, Finding, FindingCode, Kato, PrecinctNo, PrecinctPolygon,
    StationMark, VoterField,
};
use crate::spatial::{self, PolygonIndex};
use geo::{Contains, Coord, MultiPolygon, Point};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Parameters of a check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The voter cap per precinct (Constitutional Law, art. 23: 3,000).
    pub cap: u32,
    /// The largest share of a precinct's area allowed outside its administrative unit.
    pub tolerance: f64,
    /// The level to check containment at; `None`: the finest level in the admin layer.
    pub admin_level: Option<AdminLevel>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            cap: 3000,
            tolerance: 0.01,
            admin_level: None,
        }
    }
}

/// The figures of one precinct, as the report shows them.
#[derive(Debug, Clone)]
pub struct PrecinctFigures {
    pub no: PrecinctNo,
    /// Index into `Dataset::precincts` (or the derived polygons), when it has a polygon.
    pub polygon: Option<usize>,
    pub admin_unit: Option<Kato>,
    pub admin_name: Option<String>,
    /// Voters whose address point lies inside the polygon.
    pub voters: u64,
    /// Voters whose record lists this precinct.
    pub voters_listed: u64,
    /// Voters whose address the Appendix 3 list gives to this precinct (an address in two
    /// lists counts in both).
    pub voters_by_list: Option<u64>,
    /// Of those, voters whose address no other precinct's list covers.
    pub voters_by_list_exclusive: Option<u64>,
    pub overfull: bool,
    pub cross_boundary: bool,
    pub outside_share: f64,
    pub admin_units_touched: Vec<Kato>,
    pub derived: bool,
    /// Index into `Dataset::stations` of its (first, non-eliminated) station.
    pub station: Option<usize>,
    /// The text of its Appendix 3 rows, when address lists were given.
    pub border_entries: Option<Vec<String>>,
    pub findings: BTreeSet<FindingCode>,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct CheckResult {
    /// One entry per precinct number known from any source, sorted by number.
    pub precincts: Vec<PrecinctFigures>,
    pub findings: Vec<Finding>,
    /// Checks not run, and why (a missing input).
    pub skipped: Vec<String>,
    /// The admin level containment was checked at.
    pub level: Option<AdminLevel>,
    /// Polygons derived from the address lists when none were given.
    pub derived_polygons: Vec<PrecinctPolygon>,
    /// Per address point: the precinct polygon holding it (index into the polygons used).
    pub address_precinct: Vec<Option<u32>>,
    /// Per address point: the administrative unit holding it (index into `units`).
    pub address_unit: Vec<Option<u32>>,
    /// The units containment was measured against (the finest given, or the chosen level).
    pub units: Vec<Kato>,
    /// Per address point: the precinct its Appendix 3 list gives (empty without lists).
    pub address_list: Vec<Option<PrecinctNo>>,
    /// Per address point: the voters geocoded to it (empty without a voter list).
    pub address_voters: Vec<u32>,
}

impl CheckResult {
    /// Adds findings made outside [`run`] (e.g. parse errors of the address lists): their
    /// codes join their precincts' and the order stays stable.
    pub fn add_findings(&mut self, more: Vec<Finding>) {
        if more.is_empty() {
            return;
        }
        for fd in &more {
            if let Some(p) = &fd.precinct
                && let Some(f) = self.precincts.iter_mut().find(|f| &f.no == p)
            {
                f.findings.insert(fd.code);
            }
        }
        self.findings.extend(more);
        sort_findings(&mut self.findings);
    }

    /// The polygons the figures index into: the dataset's, or the derived ones.
    pub fn polygons<'a>(&'a self, ds: &'a Dataset) -> &'a [PrecinctPolygon] {
        if ds.precincts.is_empty() {
            &self.derived_polygons
        } else {
            &ds.precincts
        }
    }
}

/// Something to tell the user while a long step runs.
pub trait Progress: Sync {
    fn step(&self, name: &str);

    /// A counter for the step in progress to advance (rows done out of a total), when
    /// someone watches; `None` by default.
    fn counter(&self) -> Option<&crate::io::progress::Counter> {
        None
    }
}

/// A progress sink that says nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, _name: &str) {}
}

/// Runs every check whose inputs are present.
pub fn run(
    ds: &Dataset,
    borders: Option<&BorderTable>,
    aliases: Option<&StreetAliases>,
    opts: &CheckOptions,
    progress: &dyn Progress,
) -> CheckResult {
    let mut out = CheckResult::default();
    let mut findings: Vec<Finding> = Vec::new();

    // --- Admin units: the level, validity, classifier.
    // A chosen level, or else the finest units given: those with no sub-unit in the layer.
    // (Real layers mix levels: Kazakhstan's district layer holds the city districts of
    // Almaty, Astana and Shymkent beside ordinary districts.)
    let units: Vec<&AdminUnit> = match opts.admin_level {
        Some(l) => ds.admin.iter().filter(|u| u.level == l).collect(),
        None => finest_units(&ds.admin),
    };
    let level = opts
        .admin_level
        .or_else(|| units.iter().map(|u| u.level).max());
    out.level = level;
    if ds.admin.is_empty() {
        out.skipped
            .push("containment and gaps: no administrative units given".into());
    }
    progress.step("validating geometry");
    for u in &ds.admin {
        for problem in spatial::validate(&u.geometry) {
            findings.push(
                Finding::new(
                    FindingCode::InvalidGeometry,
                    format!("admin unit {}", u.kato),
                    problem,
                )
                .at(&u.source.file, u.source.line),
            );
        }
        if let Some(cls) = &ds.classifier
            && !cls.contains(&u.kato)
        {
            findings.push(
                Finding::new(
                    FindingCode::KatoNotInClassifier,
                    format!("admin unit {}", u.kato),
                    format!("KATO {} is not in the official classifier", u.kato),
                )
                .at(&u.source.file, u.source.line),
            );
        }
    }

    let unit_polys: Vec<MultiPolygon<f64>> = units.iter().map(|u| u.geometry.clone()).collect();
    let admin_index = (!units.is_empty()).then(|| PolygonIndex::new(&unit_polys));

    // --- Address points: which admin unit holds each.
    progress.step("locating address points");
    let coords: Vec<Coord<f64>> = ds.addresses.iter().map(|a| a.coord).collect();
    let address_admin: Vec<Option<u32>> = match &admin_index {
        Some(ix) => ix.locate_all(&coords),
        None => vec![None; coords.len()],
    };

    // --- Voters: geocode each address.
    progress.step("geocoding voters");
    let geocoded: Vec<Geocoded> = match &ds.voters {
        Some(v) => {
            let unit_kato: Vec<String> = units.iter().map(|u| u.kato.to_string()).collect();
            let names = UnitNames::new(
                ds.admin
                    .iter()
                    .filter_map(|u| Some((u.kato.as_str(), u.name.as_deref()?))),
            );
            let ix = AddressIndex::with_units(&ds.addresses, &address_admin, unit_kato, names);
            let counter = progress.counter();
            if let Some(c) = counter {
                c.start(crate::io::progress::Unit::Rows, v.len() as u64);
            }
            geocode(v, &ix, counter)
        }
        None => Vec::new(),
    };
    let voter_address: Vec<Option<u32>> = geocoded.iter().map(Geocoded::point).collect();

    // --- Address lists first when there are no polygons: they give the derived ones.
    let units_owned: Vec<AdminUnit> = units.iter().map(|u| (*u).clone()).collect();
    let run_borders = |address_polygon: Option<&[Option<u32>]>, polys: &[PrecinctPolygon]| {
        borders.map(|table| {
            crate::borders::check_borders(&BordersInput {
                table,
                addresses: &ds.addresses,
                address_polygon,
                precincts: polys,
                address_admin: &address_admin,
                admin: &units_owned,
                voters: ds.voters.as_ref(),
                voter_address: &voter_address,
                aliases,
                cap: opts.cap,
            })
        })
    };
    // (voters by list, of them exclusive), per precinct.
    type ByList = (HashMap<PrecinctNo, u64>, HashMap<PrecinctNo, u64>);
    let mut voters_by_list: Option<ByList> = None;
    if ds.precincts.is_empty() {
        if let Some(b) = run_borders(None, &[]) {
            progress.step("deriving polygons from the address lists");
            out.derived_polygons =
                crate::borders::derive_polygons(&ds.addresses, &b.address_list, &units_owned);
            findings.extend(b.findings);
            voters_by_list = Some((b.voters_by_list, b.voters_by_list_exclusive));
            out.address_list = b.address_list;
        } else {
            out.skipped
                .push("polygon checks: no precinct polygons and no address lists given".into());
        }
    } else if borders.is_none() {
        out.skipped
            .push("address-list checks: no Appendix 3 address lists given".into());
    }
    let derived = ds.precincts.is_empty();
    let polygons: &[PrecinctPolygon] = if derived {
        &out.derived_polygons
    } else {
        &ds.precincts
    };

    // --- Precinct polygons: validity, index, assignment.
    progress.step("validating precinct polygons");
    let polys: Vec<MultiPolygon<f64>> = polygons.iter().map(|p| p.geometry.clone()).collect();
    if !derived {
        let invalid: Vec<Finding> = polygons
            .par_iter()
            .flat_map_iter(|p| {
                spatial::validate(&p.geometry).into_iter().map(|problem| {
                    Finding::new(
                        FindingCode::InvalidGeometry,
                        format!("precinct {}", p.no),
                        problem,
                    )
                    .precinct(&p.no)
                    .at(&p.source.file, p.source.line)
                })
            })
            .collect();
        findings.extend(invalid);
    }
    progress.step("assigning addresses to precincts");
    let precinct_index = (!polys.is_empty()).then(|| PolygonIndex::new(&polys));
    let address_precinct: Vec<Option<u32>> = match &precinct_index {
        Some(ix) => ix.locate_all(&coords),
        None => vec![None; coords.len()],
    };

    if !ds.precincts.is_empty() && borders.is_some() {
        progress.step("checking the address lists");
    }
    if !ds.precincts.is_empty()
        && let Some(b) = run_borders(Some(&address_precinct), polygons)
    {
        findings.extend(b.findings);
        voters_by_list = Some((b.voters_by_list, b.voters_by_list_exclusive));
        out.address_list = b.address_list;
    }

    // --- Gaps: address points inside a unit but in no precinct. Polygons derived from the
    // lists leave no gaps but the unlisted addresses, which ADDRESS_IN_NO_LIST already names.
    if precinct_index.is_some() && admin_index.is_some() && !derived {
        for (i, a) in ds.addresses.iter().enumerate() {
            if address_admin[i].is_some() && address_precinct[i].is_none() {
                findings.push(
                    Finding::new(
                        FindingCode::AddressInNoPrecinct,
                        format!("address {}", address_text(a)),
                        "the address point lies in no precinct polygon",
                    )
                    .at(&a.source.file, a.source.line)
                    .geometry(Point(a.coord)),
                );
            }
        }
    }

    // --- The precinct universe.
    let mut figures: BTreeMap<PrecinctNo, PrecinctFigures> = BTreeMap::new();
    // Every polygon of a number: more than one is a duplicate; stations test against all.
    let mut polygons_of: HashMap<&PrecinctNo, Vec<usize>> = HashMap::new();
    for (i, p) in polygons.iter().enumerate() {
        let e = figure(&mut figures, &p.no, derived);
        if e.polygon.is_none() {
            e.polygon = Some(i);
        }
        polygons_of.entry(&p.no).or_default().push(i);
    }
    let mut station_count: HashMap<&PrecinctNo, usize> = HashMap::new();
    let mut eliminated: BTreeSet<&PrecinctNo> = BTreeSet::new();
    for (i, s) in ds.stations.iter().enumerate() {
        *station_count.entry(&s.precinct).or_default() += 1;
        if s.marks.contains(&StationMark::Eliminated) {
            eliminated.insert(&s.precinct);
            continue;
        }
        let e = figure(&mut figures, &s.precinct, derived);
        if e.station.is_none() {
            e.station = Some(i);
        }
    }

    // --- Voter counts and voter findings.
    progress.step("counting voters");
    let mut listed: HashMap<&str, u64> = HashMap::new();
    let mut by_polygon: Vec<u64> = vec![0; polygons.len()];
    if let Some(v) = &ds.voters {
        for (i, r) in v.iter().enumerate() {
            let p = r.field(VoterField::Precinct).trim();
            let file = r.file();
            if p.is_empty() {
                findings.push(
                    Finding::new(
                        FindingCode::VoterWithoutPrecinct,
                        format!("record {}", r.code()),
                        "the record has no precinct code",
                    )
                    .record(r.code(), file, r.line()),
                );
            } else {
                *listed.entry(p).or_default() += 1;
            }
            let listed_no = p.parse::<PrecinctNo>().ok();
            match &geocoded[i] {
                Geocoded::Ambiguous(_) | Geocoded::NotFound => {
                    // The building's address only: never the apartment or the person.
                    let written = format!(
                        "{}, {} {} {}",
                        r.field(VoterField::Residence),
                        r.field(VoterField::Street),
                        r.field(VoterField::House),
                        r.field(VoterField::Building)
                    );
                    let written = written.trim_end();
                    let (code, message) = match &geocoded[i] {
                        Geocoded::Ambiguous(candidates) => (
                            FindingCode::VoterAddressAmbiguous,
                            format!(
                                "{written}: the street could be any of {}; the voter is counted in no precinct",
                                candidates.join("; ")
                            ),
                        ),
                        _ => (
                            FindingCode::VoterAddressNotFound,
                            format!("no address point for {written}"),
                        ),
                    };
                    let mut f = Finding::new(code, format!("record {}", r.code()), message).record(
                        r.code(),
                        file,
                        r.line(),
                    );
                    f.precinct = listed_no;
                    findings.push(f);
                }
                &Geocoded::Point(a) => {
                    if let Some(q) = address_precinct[a as usize] {
                        by_polygon[q as usize] += 1;
                        let qno = &polygons[q as usize].no;
                        if let Some(pno) = &listed_no
                            && pno != qno
                        {
                            findings.push(
                                Finding::new(
                                    FindingCode::VoterInOtherPrecinct,
                                    format!("record {}", r.code()),
                                    format!(
                                        "listed in precinct {pno}, but the address lies in precinct {qno}"
                                    ),
                                )
                                .precinct(pno)
                                .record(r.code(), file, r.line())
                                .geometry(Point(ds.addresses[a as usize].coord)),
                            );
                        }
                    }
                }
            }
        }
    } else {
        out.skipped.push("voter checks: no voter list given".into());
    }
    for (p, n) in &listed {
        if let Ok(no) = p.parse::<PrecinctNo>() {
            figure(&mut figures, &no, derived).voters_listed = *n;
        }
    }
    for (i, p) in polygons.iter().enumerate() {
        figure(&mut figures, &p.no, derived).voters += by_polygon[i];
    }
    if let Some((vbl, only)) = &voters_by_list {
        for (no, n) in vbl {
            figure(&mut figures, no, derived).voters_by_list = Some(*n);
        }
        for (no, n) in only {
            figure(&mut figures, no, derived).voters_by_list_exclusive = Some(*n);
        }
        for f in figures.values_mut() {
            f.voters_by_list.get_or_insert(0);
            f.voters_by_list_exclusive.get_or_insert(0);
        }
    }

    // --- The address-list rows of each precinct, for its card (a row with several entries
    // repeats its text on each).
    if let Some(table) = borders {
        for f in figures.values_mut() {
            f.border_entries = Some(Vec::new());
        }
        for (i, e) in table.entries.iter().enumerate() {
            if let Some(list) = figures
                .get_mut(table.precinct_of(i))
                .and_then(|f| f.border_entries.as_mut())
                && list.last() != Some(&e.text)
            {
                list.push(e.text.clone());
            }
        }
    }

    // --- Containment.
    if !units.is_empty() && !polys.is_empty() {
        progress.step("measuring containment in administrative units");
        let cont = spatial::containment(&polys, &unit_polys);
        for (i, c) in cont.into_iter().enumerate() {
            let p = &polygons[i];
            let f = figures.get_mut(&p.no).expect("every polygon has figures");
            if f.polygon != Some(i) {
                continue; // a duplicate number: the first polygon speaks for it
            }
            f.admin_unit = c.main_unit.map(|u| units[u].kato.clone());
            f.admin_name = c.main_unit.and_then(|u| units[u].name.clone());
            f.outside_share = c.outside_share;
            f.admin_units_touched = c.touched.iter().map(|&u| units[u].kato.clone()).collect();
            match c.main_unit {
                None => findings.push(
                    Finding::new(
                        FindingCode::PrecinctOutsideAdmin,
                        format!("precinct {}", p.no),
                        "the polygon lies in no administrative unit",
                    )
                    .precinct(&p.no)
                    .geometry(p.geometry.clone()),
                ),
                Some(u) if c.outside_share > opts.tolerance => {
                    f.cross_boundary = true;
                    let others: Vec<String> = f
                        .admin_units_touched
                        .iter()
                        .map(|k| k.to_string())
                        .collect();
                    let mut fd = Finding::new(
                        FindingCode::PrecinctCrossesAdminBoundary,
                        format!("precinct {}", p.no),
                        format!(
                            "{:.1}% of the area lies outside {} (tolerance {:.1}%), in {}",
                            c.outside_share * 100.0,
                            units[u].kato,
                            opts.tolerance * 100.0,
                            others.join(", ")
                        ),
                    )
                    .precinct(&p.no);
                    if let Some(g) = c.outside {
                        fd = fd.geometry(g);
                    }
                    findings.push(fd);
                }
                Some(_) => {}
            }
        }
    }

    // --- Overlaps.
    if polys.len() > 1 && !derived {
        progress.step("looking for overlaps");
        for o in spatial::overlaps(&polys, 1.0) {
            let (a, b) = (&polygons[o.a].no, &polygons[o.b].no);
            if a == b {
                continue; // the same number twice: reported as a duplicate
            }
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            findings.push(
                Finding::new(
                    FindingCode::PrecinctOverlap,
                    format!("precincts {lo} and {hi}"),
                    format!("precincts {lo} and {hi} overlap by {:.0} m²", o.area_m2),
                )
                .precinct(lo)
                .geometry(o.geometry),
            );
            if let Some(f) = figures.get_mut(hi) {
                f.findings.insert(FindingCode::PrecinctOverlap);
            }
        }
    }

    // --- Stations.
    for s in &ds.stations {
        let Some(c) = s.coord else { continue };
        if s.marks.contains(&StationMark::Eliminated) {
            continue;
        }
        let Some(own) = polygons_of.get(&s.precinct) else {
            continue; // reported as a missing polygon
        };
        if !own
            .iter()
            .any(|&i| polygons[i].geometry.contains(&Point(c)))
        {
            findings.push(
                Finding::new(
                    FindingCode::StationOutsidePrecinct,
                    format!("station of precinct {}", s.precinct),
                    format!(
                        "the polling station ({}) lies outside its precinct's polygon",
                        s.facility
                    ),
                )
                .precinct(&s.precinct)
                .at(&s.source.file, s.source.line)
                .geometry(Point(c)),
            );
        }
    }

    // --- Numbers: duplicates, missing / extra, eliminated.
    for (no, own) in &polygons_of {
        let n = own.len();
        if n > 1 {
            findings.push(
                Finding::new(
                    FindingCode::DuplicatePrecinctNo,
                    format!("precinct {no}"),
                    format!("{n} polygons carry precinct number {no}"),
                )
                .precinct(no),
            );
        }
    }
    for (no, n) in &station_count {
        if *n > 1 {
            findings.push(
                Finding::new(
                    FindingCode::DuplicatePrecinctNo,
                    format!("precinct {no}"),
                    format!("{n} polling stations carry precinct number {no}"),
                )
                .precinct(no),
            );
        }
    }
    let have_polygons = !polygons.is_empty();
    let have_stations = !ds.stations.is_empty();
    let have_voters = ds.voters.is_some();
    for f in figures.values() {
        let in_polygons = f.polygon.is_some();
        let in_stations =
            station_count.contains_key(&f.no) && !eliminated.contains(&f.no) || f.station.is_some();
        let in_voters = f.voters_listed > 0;
        if eliminated.contains(&f.no) && f.station.is_none() {
            if in_polygons || in_voters {
                findings.push(
                    Finding::new(
                        FindingCode::EliminatedPrecinctInUse,
                        format!("precinct {}", f.no),
                        format!(
                            "precinct {} is marked eliminated but still has {}",
                            f.no,
                            match (in_polygons, in_voters) {
                                (true, true) => "a polygon and voters",
                                (true, false) => "a polygon",
                                _ => "voters",
                            }
                        ),
                    )
                    .precinct(&f.no),
                );
            }
            continue;
        }
        let missing = [
            (
                have_polygons && !derived && !in_polygons,
                FindingCode::PrecinctMissingPolygon,
                "no polygon",
            ),
            (
                have_stations && !in_stations,
                FindingCode::PrecinctMissingStation,
                "no polling station in Appendix 2",
            ),
            (
                have_voters && !in_voters,
                FindingCode::PrecinctMissingInVoterList,
                "no voters in the voter list",
            ),
        ];
        for (is_missing, code, what) in missing {
            if is_missing {
                findings.push(
                    Finding::new(
                        code,
                        format!("precinct {}", f.no),
                        format!("precinct {} has {what}", f.no),
                    )
                    .precinct(&f.no),
                );
            }
        }
    }

    // --- The cap.
    for f in figures.values_mut() {
        let by_list = f.voters_by_list.unwrap_or(0);
        let worst = f.voters.max(f.voters_listed).max(by_list);
        if worst > opts.cap as u64 {
            f.overfull = true;
            findings.push(
                Finding::new(
                    FindingCode::PrecinctOverCap,
                    format!("precinct {}", f.no),
                    format!(
                        "{} voters by address, {} by the voter list{}; the cap is {}",
                        f.voters,
                        f.voters_listed,
                        f.voters_by_list
                            .map(|n| format!(", {n} by the address list"))
                            .unwrap_or_default(),
                        opts.cap
                    ),
                )
                .precinct(&f.no),
            );
        }
    }

    // --- Attach codes to precincts, order findings.
    for fd in &findings {
        if let Some(p) = &fd.precinct
            && let Some(f) = figures.get_mut(p)
        {
            f.findings.insert(fd.code);
        }
    }
    sort_findings(&mut findings);
    out.precincts = figures.into_values().collect();
    out.findings = findings;
    out.address_precinct = address_precinct;
    out.address_unit = address_admin;
    out.units = units.iter().map(|u| u.kato.clone()).collect();
    if ds.voters.is_some() {
        let mut per = vec![0u32; ds.addresses.len()];
        for a in voter_address.iter().flatten() {
            per[*a as usize] += 1;
        }
        out.address_voters = per;
    }
    out
}

/// The units with no sub-unit in the layer (by KATO: a unit is under another when the
/// other's code, cut to the other's level, is a prefix of its own).
fn finest_units(admin: &[AdminUnit]) -> Vec<&AdminUnit> {
    let codes: std::collections::HashSet<&Kato> = admin.iter().map(|u| &u.kato).collect();
    let mut parents: std::collections::HashSet<Kato> = std::collections::HashSet::new();
    for u in admin {
        for l in [
            AdminLevel::Oblast,
            AdminLevel::District,
            AdminLevel::SubDistrict,
        ] {
            if l < u.level {
                let a = u.kato.ancestor(l);
                if a != u.kato && codes.contains(&a) {
                    parents.insert(a);
                }
            }
        }
    }
    admin
        .iter()
        .filter(|u| !parents.contains(&u.kato))
        .collect()
}

/// The report's order: by code, precinct, file, line, record.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.code, &a.precinct, &a.file, a.line, &a.record).cmp(&(
            b.code,
            &b.precinct,
            &b.file,
            b.line,
            &b.record,
        ))
    });
}

/// Geocodes every voter. Voters of one building share its address, so each chunk of the list
/// normalises a distinct raw address once and remembers the answer; lists sorted by street
/// also reuse the last street's normalisation. `progress` gains each chunk's voters.
fn geocode(
    v: &crate::model::VoterTable,
    ix: &AddressIndex,
    progress: Option<&crate::io::progress::Counter>,
) -> Vec<Geocoded> {
    const CHUNK: usize = 1 << 16;
    let chunks: Vec<Vec<Geocoded>> = (0..v.len().div_ceil(CHUNK))
        .into_par_iter()
        .map_init(crate::address::FindCache::default, |cache, c| {
            let mut memo: rustc_hash::FxHashMap<AddressQuery, Geocoded> = Default::default();
            let rows = c * CHUNK..((c + 1) * CHUNK).min(v.len());
            let n = rows.len() as u64;
            let found: Vec<Geocoded> = rows
                .map(|i| {
                    let r = v.get(i);
                    let q = AddressQuery {
                        oblast: r.field(VoterField::Oblast),
                        district: r.field(VoterField::District),
                        locality: r.field(VoterField::Residence),
                        street: r.field(VoterField::Street),
                        house: r.field(VoterField::House),
                        building: r.field(VoterField::Building),
                    };
                    memo.entry(q)
                        .or_insert_with(|| ix.locate_cached(cache, &q))
                        .clone()
                })
                .collect();
            if let Some(p) = progress {
                p.add(n);
            }
            found
        })
        .collect();
    chunks.concat()
}

fn figure<'a>(
    figures: &'a mut BTreeMap<PrecinctNo, PrecinctFigures>,
    no: &PrecinctNo,
    derived: bool,
) -> &'a mut PrecinctFigures {
    figures
        .entry(no.clone())
        .or_insert_with(|| PrecinctFigures {
            no: no.clone(),
            polygon: None,
            admin_unit: None,
            admin_name: None,
            voters: 0,
            voters_listed: 0,
            voters_by_list: None,
            voters_by_list_exclusive: None,
            overfull: false,
            cross_boundary: false,
            outside_share: 0.0,
            admin_units_touched: Vec::new(),
            derived,
            station: None,
            border_entries: None,
            findings: BTreeSet::new(),
        })
}

/// An address as one line of text (no personal data: addresses of buildings only).
pub fn address_text(a: &crate::model::AddressPoint) -> String {
    let mut s = String::new();
    for part in [&a.locality, &a.street, &a.house, &a.building] {
        if !part.is_empty() {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(part);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AddressPoint, SourceRef, Station, VOTER_FIELDS, VoterTable, VoterTableBuilder,
    };
    use geo::{Rect, coord};
    use std::sync::Arc;

    fn src(line: u64) -> SourceRef {
        SourceRef {
            file: Arc::from("fixture"),
            line,
        }
    }

    /// A lon/lat rectangle as a multipolygon.
    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            Rect::new(coord! {x: x0, y: y0}, coord! {x: x1, y: y1}).to_polygon(),
        ])
    }

    fn unit(kato: &str, g: MultiPolygon<f64>) -> AdminUnit {
        let kato: Kato = kato.parse().unwrap();
        AdminUnit {
            level: kato.level(),
            kato,
            name: None,
            geometry: g,
            source: src(1),
        }
    }

    fn precinct(no: &str, g: MultiPolygon<f64>) -> PrecinctPolygon {
        PrecinctPolygon {
            no: no.parse().unwrap(),
            geometry: g,
            derived: false,
            source: src(1),
        }
    }

    fn address(street: &str, house: &str, x: f64, y: f64, line: u64) -> AddressPoint {
        AddressPoint {
            locality: "Алматы".into(),
            street: street.into(),
            house: house.into(),
            building: String::new(),
            coord: coord! {x: x, y: y},
            source: src(line),
        }
    }

    /// Voters as (record code, listed precinct, street, house).
    fn voters(rows: &[(&str, &str, &str, &str)]) -> VoterTable {
        let mut b = VoterTableBuilder::new("voters.csv");
        for (i, (code, precinct, street, house)) in rows.iter().enumerate() {
            let mut f = [""; VOTER_FIELDS];
            f[VoterField::Code.index()] = code;
            f[VoterField::Precinct.index()] = precinct;
            f[VoterField::Residence.index()] = "Алматы";
            f[VoterField::Street.index()] = street;
            f[VoterField::House.index()] = house;
            b.push(f, i as u64 + 2).unwrap();
        }
        b.build()
    }

    fn station(no: &str, x: f64, y: f64) -> Station {
        Station {
            precinct: no.parse().unwrap(),
            facility: "School".into(),
            locality: "Алматы".into(),
            street: "Абая".into(),
            house: "1".into(),
            marks: vec![],
            coord: Some(coord! {x: x, y: y}),
            source: src(2),
        }
    }

    /// Two districts side by side; precincts 1 and 2 tile district A, 3 tiles district B.
    /// Each precinct has one address with one voter listed in it, and a station inside.
    fn clean() -> Dataset {
        Dataset {
            admin: vec![
                unit("751000000", rect(76.00, 43.00, 76.02, 43.02)),
                unit("752000000", rect(76.02, 43.00, 76.04, 43.02)),
            ],
            precincts: vec![
                precinct("1", rect(76.00, 43.00, 76.01, 43.02)),
                precinct("2", rect(76.01, 43.00, 76.02, 43.02)),
                precinct("3", rect(76.02, 43.00, 76.04, 43.02)),
            ],
            addresses: vec![
                address("Абая", "1", 76.005, 43.01, 2),
                address("Абая", "2", 76.015, 43.01, 3),
                address("Абая", "3", 76.03, 43.01, 4),
            ],
            voters: Some(voters(&[
                ("10", "1", "Абая", "1"),
                ("11", "2", "Абая", "2"),
                ("12", "3", "Абая", "3"),
            ])),
            stations: vec![
                station("1", 76.005, 43.005),
                station("2", 76.015, 43.005),
                station("3", 76.03, 43.005),
            ],
            classifier: None,
        }
    }

    fn codes(r: &CheckResult) -> Vec<(&'static str, Option<String>)> {
        r.findings
            .iter()
            .map(|f| (f.code.as_str(), f.precinct.as_ref().map(|p| p.to_string())))
            .collect()
    }

    fn run_default(ds: &Dataset) -> CheckResult {
        run(ds, None, None, &CheckOptions::default(), &Quiet)
    }

    #[test]
    fn clean_data_raises_no_flags() {
        let r = run_default(&clean());
        assert!(r.findings.is_empty(), "{:?}", codes(&r));
        let p1 = &r.precincts[0];
        assert_eq!((p1.voters, p1.voters_listed), (1, 1));
        assert_eq!(p1.admin_unit.as_ref().unwrap().as_str(), "751000000");
        assert!(!p1.overfull && !p1.cross_boundary);
    }

    #[test]
    fn overfull_precinct_is_flagged_by_address_and_by_list() {
        let mut ds = clean();
        ds.voters = Some(voters(&[
            ("10", "1", "Абая", "1"),
            ("11", "1", "Абая", "1"),
            ("12", "1", "Абая", "1"),
            ("13", "2", "Абая", "2"),
            ("14", "3", "Абая", "3"),
        ]));
        let opts = CheckOptions {
            cap: 2,
            ..CheckOptions::default()
        };
        let r = run(&ds, None, None, &opts, &Quiet);
        assert_eq!(codes(&r), vec![("PRECINCT_OVER_CAP", Some("1".into()))]);
        assert!(r.precincts[0].overfull);
        assert_eq!(r.precincts[0].voters, 3);
    }

    #[test]
    fn precinct_crossing_a_district_border_is_flagged_with_its_outside_share() {
        let mut ds = clean();
        // Precinct 2 reaches 0.005° into district B, precinct 3 gives that strip up.
        ds.precincts[1] = precinct("2", rect(76.01, 43.00, 76.025, 43.02));
        ds.precincts[2] = precinct("3", rect(76.025, 43.00, 76.04, 43.02));
        let r = run_default(&ds);
        assert_eq!(
            codes(&r),
            vec![("PRECINCT_CROSSES_ADMIN_BOUNDARY", Some("2".into()))]
        );
        let p2 = &r.precincts[1];
        // Same latitude band: in an equal-area projection the share is the width ratio,
        // 0.005 / 0.015 = 1/3 (to within the projection's distortion across 0.015°).
        assert!(
            (p2.outside_share - 1.0 / 3.0).abs() < 1e-3,
            "{}",
            p2.outside_share
        );
        assert_eq!(p2.admin_units_touched[0].as_str(), "752000000");
        assert!(p2.cross_boundary);
    }

    #[test]
    fn a_sliver_under_the_tolerance_is_not_a_crossing() {
        let mut ds = clean();
        ds.precincts[1] = precinct("2", rect(76.01, 43.00, 76.0201, 43.02));
        ds.precincts[2] = precinct("3", rect(76.0201, 43.00, 76.04, 43.02));
        let r = run_default(&ds);
        assert!(r.findings.is_empty(), "{:?}", codes(&r));
        assert!(r.precincts[1].outside_share > 0.0);
    }

    #[test]
    fn overlapping_precincts_are_flagged_once_per_pair() {
        let mut ds = clean();
        ds.precincts[0] = precinct("1", rect(76.00, 43.00, 76.012, 43.02));
        let r = run_default(&ds);
        assert_eq!(codes(&r), vec![("PRECINCT_OVERLAP", Some("1".into()))]);
        assert!(
            r.precincts[1]
                .findings
                .contains(&FindingCode::PrecinctOverlap)
        );
    }

    #[test]
    fn an_address_in_no_precinct_is_a_gap() {
        let mut ds = clean();
        ds.precincts[0] = precinct("1", rect(76.00, 43.00, 76.01, 43.008));
        ds.addresses[0].coord = coord! {x: 76.005, y: 43.004};
        ds.addresses.push(address("Абая", "9", 76.005, 43.015, 5));
        let r = run_default(&ds);
        assert_eq!(codes(&r), vec![("ADDRESS_IN_NO_PRECINCT", None)]);
        assert_eq!(r.findings[0].line, Some(5));
    }

    #[test]
    fn a_voter_listed_in_another_precinct_is_named_by_record_code() {
        let mut ds = clean();
        ds.voters = Some(voters(&[
            ("10", "1", "Абая", "1"),
            ("11", "1", "Абая", "2"),
            ("12", "3", "Абая", "3"),
            ("13", "2", "Абая", "2"),
        ]));
        let r = run_default(&ds);
        assert_eq!(
            codes(&r),
            vec![("VOTER_IN_OTHER_PRECINCT", Some("1".into()))]
        );
        assert_eq!(r.findings[0].record.as_deref(), Some("11"));
        assert_eq!(r.findings[0].line, Some(3));
    }

    #[test]
    fn unknown_addresses_and_missing_precinct_codes_are_flagged() {
        let mut ds = clean();
        ds.voters = Some(voters(&[
            ("10", "1", "Абая", "1"),
            ("11", "2", "Абая", "2"),
            ("12", "3", "Абая", "3"),
            ("13", "3", "Абая", "777"),
            ("14", "", "Абая", "3"),
        ]));
        let r = run_default(&ds);
        assert_eq!(
            codes(&r),
            vec![
                ("VOTER_ADDRESS_NOT_FOUND", Some("3".into())),
                ("VOTER_WITHOUT_PRECINCT", None)
            ]
        );
    }

    #[test]
    fn a_station_outside_its_precinct_is_flagged() {
        let mut ds = clean();
        ds.stations[0].coord = Some(coord! {x: 76.015, y: 43.005});
        let r = run_default(&ds);
        assert_eq!(
            codes(&r),
            vec![("STATION_OUTSIDE_PRECINCT", Some("1".into()))]
        );
    }

    #[test]
    fn numbers_missing_from_a_source_and_duplicates_are_flagged() {
        let mut ds = clean();
        ds.stations.push(station("4", 76.03, 43.015)); // no polygon, no voters
        ds.stations.push(station("3", 76.03, 43.015)); // a second station for 3
        ds.stations.remove(1); // precinct 2 loses its station
        let r = run_default(&ds);
        assert_eq!(
            codes(&r),
            vec![
                ("PRECINCT_MISSING_POLYGON", Some("4".into())),
                ("PRECINCT_MISSING_STATION", Some("2".into())),
                ("PRECINCT_MISSING_IN_VOTER_LIST", Some("4".into())),
                ("DUPLICATE_PRECINCT_NO", Some("3".into())),
            ]
        );
    }

    #[test]
    fn precinct_numbers_with_leading_zeros_are_distinct() {
        let mut ds = clean();
        ds.precincts[0].no = "01".parse().unwrap();
        ds.stations[0].precinct = "01".parse().unwrap();
        ds.voters = Some(voters(&[
            ("10", "01", "Абая", "1"),
            ("11", "2", "Абая", "2"),
            ("12", "3", "Абая", "3"),
        ]));
        assert!(run_default(&ds).findings.is_empty());
        ds.voters = Some(voters(&[
            ("10", "1", "Абая", "1"),
            ("11", "2", "Абая", "2"),
            ("12", "3", "Абая", "3"),
        ]));
        let r = run_default(&ds);
        assert!(
            codes(&r).contains(&("VOTER_IN_OTHER_PRECINCT", Some("1".into()))),
            "{:?}",
            codes(&r)
        );
    }

    #[test]
    fn an_eliminated_station_with_voters_is_flagged_and_not_missing() {
        let mut ds = clean();
        ds.stations[2].marks = vec![StationMark::Eliminated];
        let r = run_default(&ds);
        assert_eq!(
            codes(&r),
            vec![("ELIMINATED_PRECINCT_IN_USE", Some("3".into()))]
        );
    }

    #[test]
    fn an_invalid_polygon_is_a_finding_not_a_crash() {
        let mut ds = clean();
        // A bow-tie: the ring crosses itself.
        let bow = geo::Polygon::new(
            geo::LineString::from(vec![
                (76.00, 43.00),
                (76.01, 43.02),
                (76.01, 43.00),
                (76.00, 43.02),
                (76.00, 43.00),
            ]),
            vec![],
        );
        ds.precincts[0].geometry = MultiPolygon(vec![bow]);
        let r = run_default(&ds);
        assert!(
            codes(&r).contains(&("INVALID_GEOMETRY", Some("1".into()))),
            "{:?}",
            codes(&r)
        );
    }

    #[test]
    fn containment_uses_the_finest_units_even_when_levels_are_mixed() {
        let mut ds = clean();
        // The city (oblast level) over both districts: it has sub-units in the layer, so
        // containment is measured against the two districts only.
        ds.admin
            .push(unit("750000000", rect(76.00, 43.00, 76.04, 43.02)));
        let r = run_default(&ds);
        assert!(r.findings.is_empty(), "{:?}", codes(&r));
        assert_eq!(
            r.precincts[2].admin_unit.as_ref().unwrap().as_str(),
            "752000000"
        );
        let leaves: Vec<&str> = finest_units(&ds.admin)
            .iter()
            .map(|u| u.kato.as_str())
            .collect();
        assert_eq!(leaves, ["751000000", "752000000"]);
    }

    #[test]
    fn a_kato_missing_from_the_classifier_is_a_warning_not_a_reject() {
        let mut ds = clean();
        ds.classifier = Some(["751000000".parse().unwrap()].into_iter().collect());
        let r = run_default(&ds);
        assert_eq!(codes(&r), vec![("KATO_NOT_IN_CLASSIFIER", None)]);
        assert_eq!(r.findings[0].severity, crate::model::Severity::Warning);
        assert!(r.findings[0].subject.contains("752000000"));
        // The unit still counts: precinct 3 lies in it.
        assert_eq!(
            r.precincts[2].admin_unit.as_ref().unwrap().as_str(),
            "752000000"
        );
    }
}
