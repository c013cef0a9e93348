//! A small report directory, as `precincts check --out DIR` writes it, for the server's
//! tests (and a national-size one for the bench). Figures are written here by hand so the
//! tests can compare against them independently of the server.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::Path;

/// The planted overfull precinct and its figures.
pub const OVERFULL: &str = "102";
pub const OVERFULL_VOTERS: u64 = 3450;
pub const OVERFULL_LISTED: u64 = 3412;
pub const OVERFULL_BY_LIST: u64 = 3398;
/// The planted cross-boundary precinct.
pub const CROSS: &str = "103";
pub const CROSS_VOTERS: u64 = 1210;
/// A precinct without findings.
pub const CLEAN: &str = "101";
/// The IIN planted in reconciliation category 3.
pub const IIN: &str = "900101300123";
/// Reconciliation category files (stems), as the reconcile subcommand names them.
pub const CAT1: &str = "cat1_identification";
pub const CAT3: &str = "cat3_twice_in_precinct";

pub const UNIT_A: &str = "751210000";
pub const UNIT_A_NAME: &str = "Алмалы ауданы";
pub const UNIT_B: &str = "751310000";
pub const UNIT_B_NAME: &str = "Бостандық ауданы";

fn rect(w: f64, s: f64, e: f64, n: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})
}

#[allow(clippy::too_many_arguments)]
fn precinct(
    no: &str,
    unit: &str,
    unit_name: &str,
    geom: Value,
    voters: u64,
    listed: u64,
    by_list: Option<u64>,
    cross: bool,
    outside: f64,
    findings: &[&str],
    station: Value,
    recon: Value,
) -> Value {
    let load = (voters.max(listed) as f64 / 3000.0 * 1000.0).round() / 1000.0;
    json!({"type": "Feature", "geometry": geom, "properties": {
        "precinct": no, "admin_unit": unit, "admin_name": unit_name,
        "voters": voters, "voters_listed": listed, "voters_by_list": by_list, "cap": 3000,
        "load": load, "overfull": voters.max(listed) > 3000, "cross_boundary": cross,
        "outside_share": outside, "admin_units_touched": if cross { json!([unit, UNIT_B]) } else { json!([unit]) },
        "derived": false, "station": station, "findings": findings,
        "border_entries": ["ул. Абая 1–15 (нечётные)", "пр. Достык 5"],
        "reconciliation": recon,
    }})
}

fn station(facility: &str, address: &str, lon: f64, lat: f64) -> Value {
    json!({"facility": facility, "address": address, "lon": lon, "lat": lat, "marks": []})
}

fn recon(base: u64) -> Value {
    let mut m = serde_json::Map::new();
    let mut total = 0;
    for c in 1..=9u64 {
        let n = (base + c * 3) % 11;
        total += n;
        m.insert(c.to_string(), json!(n));
    }
    m.insert("total".into(), json!(total));
    Value::Object(m)
}

fn write(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

/// Writes the small Almaty-like fixture: two districts, five precincts (one overfull, one
/// crossing into the other district), findings with geometry, a summary, reconciliation.
pub fn write_fixture(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let admin = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": rect(76.90, 43.20, 76.95, 43.25),
         "properties": {"kato": UNIT_A, "name": UNIT_A_NAME, "level": "district"}},
        {"type": "Feature", "geometry": rect(76.95, 43.20, 77.00, 43.25),
         "properties": {"kato": UNIT_B, "name": UNIT_B_NAME, "level": "district"}},
    ]});
    write(dir, "admin.geojson", &admin);
    let report = json!({"type": "FeatureCollection", "features": [
        precinct(CLEAN, UNIT_A, UNIT_A_NAME, rect(76.90, 43.20, 76.92, 43.225), 1500, 1490, Some(1480), false, 0.0, &[],
            station("Школа № 12", "ул. Абая 10", 76.91, 43.21), recon(1)),
        precinct(OVERFULL, UNIT_A, UNIT_A_NAME, rect(76.92, 43.20, 76.94, 43.225), OVERFULL_VOTERS, OVERFULL_LISTED,
            Some(OVERFULL_BY_LIST), false, 0.0, &["PRECINCT_OVER_CAP"],
            station("Гимназия № 25", "пр. Достык 5", 76.93, 43.21), recon(2)),
        precinct(CROSS, UNIT_A, UNIT_A_NAME, rect(76.94, 43.20, 76.96, 43.225), CROSS_VOTERS, 1200, None, true, 0.5,
            &["PRECINCT_CROSSES_ADMIN_BOUNDARY"], station("Лицей № 3", "ул. Сатпаева 30", 76.945, 43.21), recon(3)),
        precinct("201", UNIT_B, UNIT_B_NAME, rect(76.96, 43.20, 77.00, 43.225), 2100, 2105, None, false, 0.0,
            &["VOTER_IN_OTHER_PRECINCT"], station("Колледж", "ул. Тимирязева 42", 76.98, 43.21), recon(4)),
        precinct("202", UNIT_B, UNIT_B_NAME, rect(76.95, 43.225, 77.00, 43.25), 900, 905, None, false, 0.0, &[],
            Value::Null, recon(5)),
    ]});
    write(dir, "report.geojson", &report);
    let finding = |code: &str, sev: &str, p: &str, msg: &str, g: Value| {
        json!({"type": "Feature", "geometry": g, "properties": {
            "code": code, "severity": sev, "precinct": p, "subject": format!("precinct {p}"), "message": msg,
            "record": null, "file": null, "line": null}})
    };
    let findings = json!({"type": "FeatureCollection", "features": [
        finding("PRECINCT_OVER_CAP", "error", OVERFULL, "3450 voters by polygon, cap 3000", Value::Null),
        finding("PRECINCT_CROSSES_ADMIN_BOUNDARY", "error", CROSS, "50.0% of the area lies outside 751210000",
            rect(76.95, 43.20, 76.96, 43.225)),
        finding("VOTER_IN_OTHER_PRECINCT", "warning", "201", "record 17: address lies in precinct 202",
            json!({"type": "Point", "coordinates": [76.97, 43.235]})),
    ]});
    write(dir, "findings.geojson", &findings);
    std::fs::write(
        dir.join("findings.csv"),
        "code,severity,precinct,subject,message,record,file,line\nPRECINCT_OVER_CAP,error,102,precinct 102,\"3450 voters by polygon, cap 3000\",,,\n",
    )
    .unwrap();
    write(
        dir,
        "summary.json",
        &json!({
            "precincts": 5, "overfull": 1, "cross_boundary": 1, "findings": 3,
            "counts_by_code": {"PRECINCT_OVER_CAP": 1, "PRECINCT_CROSSES_ADMIN_BOUNDARY": 1, "VOTER_IN_OTHER_PRECINCT": 1},
            "accounting": [{"file": "/home/commission/data/voters.csv", "kind": "voters", "read": 10, "accepted": 9, "rejected": 1}], "totals": {"read": 0, "accepted": 0, "rejected": 0},
            "cap": 3000, "tolerance": 0.01, "skipped_checks": []
        }),
    );
    // As `precincts reconcile` writes them: DIR/reconciliation/, UTF-8 CSV with a BOM and
    // bilingual headers.
    let rdir = dir.join("reconciliation");
    std::fs::create_dir_all(&rdir).unwrap();
    write(
        &rdir,
        "reconciliation_stats.json",
        &json!({"totals": {"records": 12}, "districts": [], "precincts": []}),
    );
    let mut csv = String::from(
        "\u{feff}Учаске / Участок,ЖСН / ИИН,Жазба коды / Код записи,Себеп / Причина\n",
    );
    for i in 0..120 {
        let iin = if i == 0 {
            IIN.to_string()
        } else {
            format!("{:012}", 850_000_000_000u64 + i)
        };
        csv.push_str(&format!(
            "{},{iin},{},registered elsewhere (ЖСН/ИИН {iin})\n",
            if i % 2 == 0 { OVERFULL } else { CROSS },
            i + 1
        ));
    }
    std::fs::write(rdir.join(format!("{CAT3}.csv")), csv).unwrap();
    std::fs::write(
        rdir.join(format!("{CAT1}.csv")),
        "\u{feff}Учаске / Участок,Жазба коды / Код записи\n101,5\n",
    )
    .unwrap();
    // As reconcile writes it: full IINs, a sheet per category and one of statistics.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("3").unwrap();
    for (c, h) in [
        "Учаске / Участок",
        "ЖСН / ИИН",
        "Жазба коды / Код записи",
        "Себеп / Причина",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, OVERFULL).unwrap();
    ws.write_string(1, 1, IIN).unwrap();
    ws.write_number(1, 2, 1.0).unwrap();
    ws.write_string(1, 3, format!("registered elsewhere (ЖСН/ИИН {IIN})"))
        .unwrap();
    ws.write_string(2, 0, CROSS).unwrap();
    // An IIN that lost its leading zero or was typed in as a number.
    ws.write_number(2, 1, 90_101_300_124.0).unwrap();
    ws.write_number(2, 2, 2.0).unwrap();
    let st = wb.add_worksheet();
    st.set_name("stats").unwrap();
    st.write_string(0, 0, "records").unwrap();
    st.write_number(0, 1, 120.0).unwrap();
    wb.save(rdir.join("reconciliation.xlsx")).unwrap();
    write_assignment(dir);
}

/// The fixture's address points as `assignment.csv` lists them: (precinct, admin unit,
/// street, house, lon, lat, voters). Voters per precinct sum to the report's `voters`.
pub const ADDRESSES: &[(&str, &str, &str, &str, f64, f64, u32)] = &[
    (CLEAN, UNIT_A, "ул. Абая", "1", 76.905, 43.205, 300),
    (CLEAN, UNIT_A, "ул. Абая", "3", 76.906, 43.206, 300),
    (CLEAN, UNIT_A, "ул. Абая", "5", 76.907, 43.207, 300),
    (CLEAN, UNIT_A, "ул. Абая", "7", 76.908, 43.208, 300),
    (CLEAN, UNIT_A, "ул. Абая", "9", 76.909, 43.209, 300),
    (OVERFULL, UNIT_A, "пр. Достык", "2", 76.925, 43.205, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "4", 76.926, 43.206, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "6", 76.927, 43.207, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "8", 76.928, 43.208, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "10", 76.929, 43.209, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "12", 76.930, 43.210, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "14", 76.931, 43.211, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "16", 76.932, 43.212, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "18", 76.933, 43.213, 345),
    (OVERFULL, UNIT_A, "пр. Достык", "20", 76.934, 43.214, 345),
    (CROSS, UNIT_A, "ул. Сатпаева", "30", 76.945, 43.205, 605),
    (CROSS, UNIT_B, "ул. Сатпаева", "32", 76.955, 43.205, 605),
    ("201", UNIT_B, "ул. Тимирязева", "40", 76.97, 43.205, 700),
    ("201", UNIT_B, "ул. Тимирязева", "42", 76.98, 43.206, 700),
    ("201", UNIT_B, "ул. Тимирязева", "44", 76.99, 43.207, 700),
    ("202", UNIT_B, "ул. Жандосова", "1", 76.96, 43.235, 300),
    ("202", UNIT_B, "ул. Жандосова", "3", 76.97, 43.236, 300),
    ("202", UNIT_B, "ул. Жандосова", "5", 76.98, 43.237, 300),
];

/// The locality of every fixture address.
pub const LOCALITY: &str = "г. Алматы";

/// Writes `assignment.csv` from [`ADDRESSES`], as `precincts check` writes it.
pub fn write_assignment(dir: &Path) {
    let mut s = String::from(
        "address,locality,street,house,building,lon,lat,admin_unit,precinct,precinct_by_list,voters\n",
    );
    for (i, (p, unit, street, house, lon, lat, voters)) in ADDRESSES.iter().enumerate() {
        s.push_str(&format!(
            "{i},{LOCALITY},{street},{house},,{lon},{lat},{unit},{p},{p},{voters}\n"
        ));
    }
    std::fs::write(dir.join("assignment.csv"), s).unwrap();
}

/// A national-size report: `nx × ny` precincts tiling a box over Kazakhstan, in 14 units.
/// About 4 % are overfull and 2 % cross a unit boundary.
pub fn write_national(dir: &Path, nx: usize, ny: usize) {
    use geo::{Rect, coord};
    std::fs::create_dir_all(dir).unwrap();
    let bbox = Rect::new(coord! { x: 50.0, y: 41.0 }, coord! { x: 86.0, y: 54.0 });
    let tiles = precincts::spatial::synthetic_tiling(bbox, nx, ny, 18, 42);
    let (ux, uy) = (7usize, 2usize);
    let unit_of = |i: usize| {
        let (cx, cy) = (i % nx, i / nx);
        let (u, v) = (cx * ux / nx, cy * uy / ny);
        (v * ux + u, format!("{:02}0000000", 10 + v * ux + u))
    };
    let mut feats = Vec::with_capacity(tiles.len());
    let mut findings = Vec::new();
    for (i, t) in tiles.iter().enumerate() {
        let (_, kato) = unit_of(i);
        let h = (i as u64).wrapping_mul(2_654_435_761) % 1000;
        let voters = 600 + h * 3;
        let overfull = h >= 960;
        let voters = if overfull { 3000 + h } else { voters };
        let cross = h % 50 == 7;
        let mut codes = Vec::new();
        if overfull {
            codes.push("PRECINCT_OVER_CAP");
            findings.push(json!({"type": "Feature", "geometry": null, "properties": {"code": "PRECINCT_OVER_CAP",
                "severity": "error", "precinct": (i + 1).to_string(), "message": format!("{voters} voters")}}));
        }
        if cross {
            codes.push("PRECINCT_CROSSES_ADMIN_BOUNDARY");
            let g = geojson::Geometry::from(geojson::GeometryValue::from(
                &geo::Geometry::MultiPolygon(t.clone()),
            ));
            findings.push(json!({"type": "Feature", "geometry": g, "properties": {"code": "PRECINCT_CROSSES_ADMIN_BOUNDARY",
                "severity": "error", "precinct": (i + 1).to_string(), "message": "outside"}}));
        }
        let g = geojson::Geometry::from(geojson::GeometryValue::from(
            &geo::Geometry::MultiPolygon(t.clone()),
        ));
        let c = t.0[0].exterior().0[0];
        feats.push(json!({"type": "Feature", "geometry": g, "properties": {
            "precinct": (i + 1).to_string(), "admin_unit": kato, "admin_name": format!("Unit {kato}"),
            "voters": voters, "voters_listed": voters, "voters_by_list": null, "cap": 3000,
            "load": voters as f64 / 3000.0, "overfull": overfull, "cross_boundary": cross, "outside_share": 0.0,
            "admin_units_touched": [kato], "derived": false,
            "station": {"facility": "School", "address": format!("Street {} 1", i + 1), "lon": c.x + 0.01, "lat": c.y + 0.01},
            "findings": codes}}));
    }
    write(
        dir,
        "report.geojson",
        &json!({"type": "FeatureCollection", "features": feats}),
    );
    write(
        dir,
        "findings.geojson",
        &json!({"type": "FeatureCollection", "features": findings}),
    );
    let mut units = Vec::new();
    for v in 0..uy {
        for u in 0..ux {
            let (w, s) = (
                50.0 + 36.0 * u as f64 / ux as f64,
                41.0 + 13.0 * v as f64 / uy as f64,
            );
            units.push(json!({"type": "Feature", "geometry": rect(w, s, w + 36.0 / ux as f64, s + 13.0 / uy as f64),
                "properties": {"kato": format!("{:02}0000000", 10 + v * ux + u), "name": format!("Облыс {}", v * ux + u + 1), "level": "oblast"}}));
        }
    }
    write(
        dir,
        "admin.geojson",
        &json!({"type": "FeatureCollection", "features": units}),
    );
    write(
        dir,
        "summary.json",
        &json!({"precincts": tiles.len(), "cap": 3000}),
    );
}
