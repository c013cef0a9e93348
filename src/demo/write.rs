//! Writers of the demo's files. Every file goes to a temporary file in the same folder and
//! is renamed into place; the voter list is formatted in parallel chunks and streamed.

use super::{BadRowKind, DemoError, ExpectedFile, Town, Voter, VoterAddress, identity};
use crate::model::{IinSex, StationMark};
use chrono::{Datelike, NaiveDate};
use geo::{LineString, Polygon};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The Russian header of Appendix 1, in [`crate::model::VoterField::ALL`] order.
pub const VOTER_HEADER_RU: [&str; 26] = [
    "Код",
    "ИИН",
    "Фамилия",
    "Имя",
    "Отчество",
    "Код участка",
    "Республиканский участок",
    "Областной участок",
    "Районный участок",
    "Область",
    "Район",
    "Дата рождения",
    "Национальность",
    "Пол",
    "Населенный пункт",
    "Улица",
    "Дом",
    "Корпус",
    "Квартира",
    "Номер документа",
    "Дата выдачи",
    "Примечание",
    "Дополнение1",
    "Дополнение2",
    "Дополнение3",
    "Дополнение4",
];

pub(super) fn err(path: &Path, source: std::io::Error) -> DemoError {
    DemoError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `dir/name` atomically through a buffered writer.
pub(super) fn atomic(
    dir: &Path,
    name: &str,
    f: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
) -> Result<(), DemoError> {
    let path = dir.join(name);
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(&path, e))?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        f(&mut w).map_err(|e| err(&path, e))?;
        w.flush().map_err(|e| err(&path, e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A temporary file is private (0600); the data files are ordinary ones.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| err(&path, e))?;
    }
    tmp.persist(&path).map_err(|e| err(&path, e.error))?;
    Ok(())
}

pub(super) fn write_all(town: &Town, dir: &Path) -> Result<(), DemoError> {
    atomic(dir, "admin.geojson", |w| admin(town, w))?;
    atomic(dir, "precincts.geojson", |w| precincts(town, w))?;
    atomic(dir, "addresses.csv", |w| addresses(town, w))?;
    atomic(dir, "stations.csv", |w| stations(town, w))?;
    atomic(dir, "voters.csv", |w| voters(town, w))?;
    Ok(())
}

fn ring_json(out: &mut String, ring: &LineString<f64>) {
    out.push('[');
    for (i, c) in ring.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // `{}` prints the shortest text that reads back to the same f64: shared vertices
        // stay bit-identical.
        let _ = write!(out, "[{},{}]", c.x, c.y);
    }
    out.push(']');
}

fn polygon_json(p: &Polygon<f64>) -> String {
    let mut s = String::from(r#"{"type":"Polygon","coordinates":["#);
    ring_json(&mut s, p.exterior());
    for h in p.interiors() {
        s.push(',');
        ring_json(&mut s, h);
    }
    s.push_str("]}");
    s
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

fn feature(w: &mut impl Write, first: bool, props: &str, geom: &str) -> std::io::Result<()> {
    if !first {
        w.write_all(b",\n")?;
    }
    write!(
        w,
        r#"{{"type":"Feature","properties":{props},"geometry":{geom}}}"#
    )
}

fn admin(town: &Town, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    let mut first = true;
    for r in &town.regions {
        let props = format!(
            r#"{{"KATO":{},"name":{},"name_ru":{},"name_kk":{},"level":"oblast"}}"#,
            json_str(r.kato.as_str()),
            json_str(&r.name_ru),
            json_str(&r.name_ru),
            json_str(&r.name_kk)
        );
        feature(w, first, &props, &polygon_json(&r.polygon))?;
        first = false;
    }
    for d in &town.districts {
        let props = format!(
            r#"{{"KATO":{},"name":{},"name_ru":{},"name_kk":{},"level":"district"}}"#,
            json_str(d.kato.as_str()),
            json_str(&d.name_ru),
            json_str(&d.name_ru),
            json_str(&d.name_kk)
        );
        feature(w, first, &props, &polygon_json(&d.polygon))?;
        first = false;
    }
    w.write_all(b"\n]}\n")
}

fn precincts(town: &Town, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (i, p) in town.precincts.iter().enumerate() {
        let district = p
            .district
            .map(|d| json_str(town.districts[d].kato.as_str()))
            .unwrap_or_else(|| "null".into());
        let props = format!(
            r#"{{"precinct":{},"district":{}}}"#,
            json_str(p.no.as_str()),
            district
        );
        feature(w, i == 0, &props, &polygon_json(&p.polygon))?;
    }
    w.write_all(b"\n]}\n")
}

fn addresses(town: &Town, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(b"locality,street,house,building,lon,lat\n")?;
    for a in &town.addresses {
        writeln!(
            w,
            "{},{},{},{},{:.7},{:.7}",
            town.locality(a),
            town.street(a),
            a.house,
            Town::building(a),
            a.coord.x,
            a.coord.y
        )?;
    }
    for b in &town.planted.bad_rows {
        if b.kind == BadRowKind::BadLongitude {
            let a = &town.addresses[b.address as usize];
            // `/9` is never generated, so the row is a new house.
            writeln!(
                w,
                "{},{},{}/9,,н/д,{:.7}",
                town.locality(a),
                town.street(a),
                a.house.number,
                a.coord.y
            )?;
        }
    }
    Ok(())
}

fn mark_text(m: StationMark) -> &'static str {
    match m {
        StationMark::LimitedAccess => "ограниченный доступ",
        StationMark::NewlyCreated => "вновь образованный",
        StationMark::Eliminated => "упразднён",
    }
}

fn stations(town: &Town, w: &mut BufWriter<&File>) -> std::io::Result<()> {
    let mut cw = csv::Writer::from_writer(w);
    cw.write_record([
        "precinct", "facility", "locality", "street", "house", "mark", "lon", "lat",
    ])?;
    for s in &town.stations {
        let (lon, lat) = match s.coord {
            Some(c) => (c.x.to_string(), c.y.to_string()),
            None => (String::new(), String::new()),
        };
        cw.write_record([
            s.precinct.as_str(),
            &s.facility,
            &s.locality,
            &s.street,
            &s.house,
            s.mark.map(mark_text).unwrap_or(""),
            &lon,
            &lat,
        ])?;
    }
    cw.flush()?;
    Ok(())
}

fn push_u64(b: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

fn push_date(b: &mut Vec<u8>, d: NaiveDate) {
    let (dd, mm, y) = (d.day(), d.month(), d.year() as u32);
    b.extend_from_slice(&[
        b'0' + (dd / 10) as u8,
        b'0' + (dd % 10) as u8,
        b'.',
        b'0' + (mm / 10) as u8,
        b'0' + (mm % 10) as u8,
        b'.',
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
    ]);
}

/// How a row is bent for a planted bad row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bend {
    None,
    BadDate,
    NoCode,
    Short,
}

/// The address part of a row, formatted once per address point.
struct AddrText<'a> {
    region: &'a str,
    district: &'a str,
    locality: String,
    street: String,
    house: String,
    building: String,
}

impl<'a> AddrText<'a> {
    fn of(town: &'a Town, ai: usize) -> AddrText<'a> {
        let a = &town.addresses[ai];
        let home = a.listed.or(a.precinct).map(|p| &town.precincts[p as usize]);
        let region = &town.regions[a.region as usize];
        AddrText {
            region: &region.name_ru,
            // A village's voters write their district by name or, one address in three,
            // by its KATO code.
            district: home
                .and_then(|p| p.district)
                .map(|d| {
                    if a.village && ai.is_multiple_of(3) {
                        town.districts[d].kato.as_str()
                    } else {
                        town.districts[d].name_ru.as_str()
                    }
                })
                .unwrap_or(""),
            locality: town.written_locality(a).into_owned(),
            street: town.written_street(a).into_owned(),
            house: a.house.to_string(),
            building: Town::building(a),
        }
    }
}

fn push_fixed(b: &mut Vec<u8>, n: u64, width: u32) {
    for k in (0..width).rev() {
        b.push(b'0' + (n / 10u64.pow(k) % 10) as u8);
    }
}

/// One Appendix 1 row (`;`, CRLF). `at` is the text of the voter's home address point.
fn voter_row(
    town: &Town,
    v: &Voter,
    at: &AddrText<'_>,
    record: Option<u64>,
    bend: Bend,
    b: &mut Vec<u8>,
) {
    let sep = |b: &mut Vec<u8>| b.push(b';');
    if let (Some(r), false) = (record, bend == Bend::NoCode) {
        push_u64(b, r);
    }
    sep(b);
    b.extend_from_slice(&v.iin);
    sep(b);
    b.extend_from_slice(v.surname.as_bytes());
    sep(b);
    b.extend_from_slice(v.name.as_bytes());
    sep(b);
    b.extend_from_slice(v.middle_name.as_bytes());
    sep(b);
    if let Some(p) = v.listed {
        b.extend_from_slice(town.precincts[p as usize].no.as_str().as_bytes());
    }
    sep(b);
    // Republican, oblast, district precincts: empty.
    b.extend_from_slice(b";;");
    sep(b);
    let (street, house, building) = match &v.address {
        VoterAddress::Point(_) => (at.street.as_str(), at.house.as_str(), at.building.as_str()),
        VoterAddress::Unknown { street, house, .. } => (street.as_str(), house.as_str(), ""),
    };
    b.extend_from_slice(at.region.as_bytes());
    sep(b);
    b.extend_from_slice(at.district.as_bytes());
    sep(b);
    if bend == Bend::BadDate {
        b.extend_from_slice(b"31.02.");
        push_u64(b, v.birth_date.year() as u64);
    } else {
        push_date(b, v.birth_date);
    }
    sep(b);
    b.extend_from_slice(v.ethnicity.as_bytes());
    sep(b);
    b.extend_from_slice(match v.sex {
        IinSex::Male => "М".as_bytes(),
        IinSex::Female => "Ж".as_bytes(),
    });
    sep(b);
    b.extend_from_slice(at.locality.as_bytes());
    sep(b);
    b.extend_from_slice(street.as_bytes());
    sep(b);
    b.extend_from_slice(house.as_bytes());
    sep(b);
    b.extend_from_slice(building.as_bytes());
    sep(b);
    if v.apartment > 0 {
        push_u64(b, v.apartment as u64);
    }
    sep(b);
    push_fixed(b, v.id_number as u64, 9);
    sep(b);
    push_date(b, v.id_issued);
    sep(b);
    // Note: empty.
    sep(b);
    if v.changed_on.is_some() {
        b.push(b'1');
    }
    sep(b);
    // Removed: never (a removed voter would leave the counts).
    sep(b);
    if let Some(d) = v.changed_on {
        push_date(b, d);
    }
    if bend != Bend::Short {
        sep(b);
        if v.added {
            b.push(b'1');
        }
    }
    b.extend_from_slice(b"\r\n");
}

fn voters(town: &Town, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all("\u{feff}".as_bytes())?;
    w.write_all(VOTER_HEADER_RU.join(";").as_bytes())?;
    w.write_all(b"\r\n")?;
    // Chunks of whole addresses, ~20,000 voters each, formatted in parallel, written in order.
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut n = 0u64;
    for (i, a) in town.addresses.iter().enumerate() {
        n += a.voter_count as u64;
        if n >= 20_000 {
            chunks.push(start..i + 1);
            start = i + 1;
            n = 0;
        }
    }
    chunks.push(start..town.addresses.len());
    for window in chunks.chunks(32) {
        let bufs: Vec<Vec<u8>> = window
            .par_iter()
            .map(|range| {
                let mut b = Vec::with_capacity(6 << 20);
                for ai in range.clone() {
                    let a = &town.addresses[ai];
                    if a.voter_count == 0 {
                        continue;
                    }
                    let at = AddrText::of(town, ai);
                    for i in a.first_voter..a.first_voter + a.voter_count {
                        let v = town.make_voter(i as usize, ai);
                        voter_row(town, &v, &at, Some(v.record), Bend::None, &mut b);
                    }
                }
                b
            })
            .collect();
        for b in bufs {
            w.write_all(&b)?;
        }
    }
    let mut b = Vec::new();
    for bad in &town.planted.bad_rows {
        let bend = match bad.kind {
            BadRowKind::MalformedDate => Bend::BadDate,
            BadRowKind::MissingCode => Bend::NoCode,
            BadRowKind::ShortRow => Bend::Short,
            BadRowKind::DuplicateCode => Bend::None,
            BadRowKind::BadLongitude => continue,
        };
        let id = identity(town.seed, bad.identity);
        let a = &town.addresses[bad.address as usize];
        let v = Voter {
            index: 0,
            record: bad.record.unwrap_or(0),
            iin: id.iin,
            surname: id.surname,
            name: id.name,
            middle_name: id.middle_name,
            birth_date: id.birth_date,
            sex: id.sex,
            ethnicity: id.ethnicity,
            address: VoterAddress::Point(bad.address),
            apartment: 1,
            id_number: id.id_number,
            id_issued: id.id_issued,
            listed: a.listed,
            changed_on: None,
            added: false,
            line: bad.line,
        };
        let at = AddrText::of(town, bad.address as usize);
        voter_row(town, &v, &at, bad.record, bend, &mut b);
    }
    w.write_all(&b)
}

pub(super) fn dataset_toml(town: &Town, dir: &Path) -> Result<(), DemoError> {
    let mut s = String::from(
        "# The demo dataset (generated by `precincts demo`; paths relative to this file).\n\
         admin = \"admin.geojson\"\n\
         admin_id_field = \"KATO\"\n\
         precincts = \"precincts.geojson\"\n\
         precinct_id_field = \"precinct\"\n\
         addresses = \"addresses.csv\"\n\
         voters = \"voters.csv\"\n\
         stations = \"stations.csv\"\n",
    );
    if dir.join("borders.csv").exists() {
        s.push_str("borders = \"borders.csv\"\n");
    }
    s.push_str("crs = \"EPSG:4326\"\n");
    let _ = writeln!(s, "cap = {}", super::CAP);
    s.push_str("tolerance = 0.01\n");
    // The register side (written by `sailau::write` into `sailau/`), for `precincts reconcile`.
    let sailau = dir.join("sailau");
    if sailau.join("register.csv").is_file() && sailau.join("submission.csv").is_file() {
        s.push_str(
            "\n[reconcile]\nsubmission = \"sailau/submission.csv\"\nregister = \"sailau/register.csv\"\n",
        );
        if sailau.join("refs").is_dir() {
            s.push_str("refs = \"sailau/refs\"\n");
        }
        let _ = writeln!(s, "date = \"{}\"", super::sailau::DATE);
        let _ = writeln!(s, "region = \"{}\"", town.regions[0].kato);
    }
    atomic(dir, "dataset.toml", |w| w.write_all(s.as_bytes()))
}

pub(super) fn expected_json(dir: &Path, file: &ExpectedFile) -> Result<(), DemoError> {
    atomic(dir, "expected.json", |w| {
        serde_json::to_writer_pretty(&mut *w, file).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}
