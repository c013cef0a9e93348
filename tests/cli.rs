//! The command line as a user meets it: exit codes, messages, outputs, personal data.

use std::path::Path;
use std::process::{Command, Output};

fn precincts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_precincts"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const HEADER: &str = "Код;ИИН;Фамилия;Имя;Отчество;Код участка;Республиканский участок;Областной участок;Районный участок;Область;Район;Дата рождения;Национальность;Пол;Населенный пункт;Улица;Дом;Корпус;Квартира;Номер документа;Дата выдачи;Примечание;Дополнение1;Дополнение2;Дополнение3;Дополнение4";

fn voter(code: &str, iin: &str, surname: &str, precinct: &str, born: &str) -> String {
    format!(
        "{code};{iin};{surname};Ержан;;{precinct};;;;Алматы;Алмалинский;{born};;М;Алматы;Абая;12;;5;N1234567;01.02.2020;;;;;"
    )
}

fn write_voters(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("voters.csv");
    let body = [
        HEADER.to_string(),
        voter("1", "900101300017", "Жанбулатов", "25", "01.01.1990"),
        voter("2", "900101300017", "Секретов", "25", "31.02.1990"), // no such date
        voter("3", "900101300017", "Иванов", "0112", "01.01.1990"),
    ]
    .join("\n");
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn no_arguments_is_a_usage_error_with_exit_code_2() {
    let o = precincts(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Usage"), "{}", stderr(&o));
}

#[test]
fn check_without_inputs_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = precincts(&["check", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to check"), "{}", stderr(&o));
}

#[test]
fn a_missing_input_file_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let missing = dir.path().join("nope.csv");
    let o = precincts(&[
        "check",
        "--out",
        out.to_str().unwrap(),
        "--voters",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.csv"), "{}", stderr(&o));
    assert!(!out.join("report.geojson").exists());
}

#[test]
fn bad_parameters_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let v = write_voters(dir.path());
    let out = dir.path().join("out");
    for extra in [["--tolerance", "5"], ["--cap", "0"], ["--cap", "many"]] {
        let mut args = vec!["check", "--out", out.to_str().unwrap(), "--voters"];
        args.push(v.to_str().unwrap());
        args.extend(extra);
        let o = precincts(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
    }
}

#[test]
fn a_run_accounts_for_every_record_and_never_prints_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let v = write_voters(dir.path());
    let out = dir.path().join("out");
    let o = precincts(&[
        "check",
        "--out",
        out.to_str().unwrap(),
        "--voters",
        v.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("3 read = 2 accepted + 1 rejected"), "{err}");
    for secret in ["900101300017", "Жанбулатов", "Секретов", "Иванов", "1990"]
    {
        assert!(!err.contains(secret), "stderr leaks {secret}: {err}");
    }

    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let rows: Vec<&str> = rejects.lines().collect();
    assert_eq!(rows.len(), 2, "{rejects}");
    assert!(rows[1].contains(",3,birth_date,"), "{rejects}");
    for secret in ["900101300017", "Секретов", "31.02.1990"] {
        assert!(!rejects.contains(secret), "rejects.csv leaks {secret}");
    }

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["read"], 3);
    assert_eq!(summary["totals"]["accepted"], 2);
    assert_eq!(summary["totals"]["rejected"], 1);

    // Precinct numbers stay as written: 25 and 0112, each with one voter listed.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.geojson")).unwrap())
            .unwrap();
    assert_eq!(report["type"], "FeatureCollection");
    let listed: Vec<(String, u64)> = report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["precinct"].as_str().unwrap().to_string(),
                f["properties"]["voters_listed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, vec![("0112".to_string(), 1), ("25".to_string(), 1)]);

    // Atomic writes leave no temporary files behind.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "admin.geojson",
            "findings.csv",
            "findings.geojson",
            "rejects.csv",
            "report.geojson",
            "summary.json"
        ]
    );
}

/// Regression: with Windows line ends (CRLF) every reject after the first row was reported
/// one line short, because the csv crate counted a record's '\n' into the next record.
#[test]
fn rejects_in_a_crlf_file_name_their_real_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("crlf.csv");
    std::fs::write(
        &p,
        "\u{feff}code;iin;birth_date\r\n1;900101300017;01.01.1990\r\n2;900101300017;31.02.1990\r\n2;900101300017;01.01.1990\r\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = precincts(&[
        "check",
        "--out",
        out.to_str().unwrap(),
        "--voters",
        p.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let got: Vec<(String, String)> = rejects
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[1].to_string(), c[2].to_string())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("3".to_string(), "birth_date".to_string()),
            ("4".to_string(), "code".to_string())
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Successful runs on a hand-made town, every figure known by construction.
//
// Two districts side by side: W = 76.00..76.10 E × 43.00..43.10 N (KATO 751210000) and
// E = 76.10..76.20 (751410000). Three precincts:
// - 101 = 76.01..76.05 × 43.01..43.05, inside W, with 4 voters at 4 addresses;
// - 102 = 76.07..76.12 × 43.06..43.08: 0.03° of its 0.05° width in W, 0.02° in E;
// - 103 = 76.098..76.148 × 43.01..43.05: 0.002° of its 0.05° width in W, the rest in E.
// On the ellipsoid the area of a lon/lat rectangle is its width in longitude times a
// function of its two latitudes, so the share of 102 outside W is exactly 0.02 / 0.05 =
// 0.4 and that of 103 outside E 0.002 / 0.05 = 0.04. The check measures the straight-edged
// polygons in an Albers equal-area projection, where a parallel is an arc of radius
// > 5,000 km: over a 5 km edge it departs from the chord by c²/8R < 0.7 m, against
// heights of 2.2-4.4 km, so the shares are exact to ~3e-4; the tests allow 1e-3.

/// A rectangle as a GeoJSON polygon (exterior counter-clockwise).
fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> serde_json::Value {
    serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
    })
}

fn collection(features: Vec<(serde_json::Value, serde_json::Value)>) -> String {
    let features: Vec<serde_json::Value> = features
        .into_iter()
        .map(|(properties, geometry)| {
            serde_json::json!({"type": "Feature", "properties": properties, "geometry": geometry})
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

const W: &str = "751210000";
const E: &str = "751410000";

/// Voters listed in their own precinct, one per address: (house, precinct, lon, lat).
const HOMES: [(&str, &str, f64, f64); 7] = [
    ("1", "101", 76.02, 43.02),
    ("2", "101", 76.03, 43.02),
    ("3", "101", 76.02, 43.03),
    ("4", "101", 76.03, 43.03),
    ("5", "102", 76.08, 43.07),
    ("6", "102", 76.11, 43.07),
    ("7", "103", 76.12, 43.03),
];

/// Writes the town into `dir`. The layers name their ids with attributes the readers do
/// not try by default (`TE_KOD`, `UCH_NO`), beside default-named decoys (`KATO`,
/// `number`) holding other values, so a run picks the right ones only through the
/// `--admin-id-field` / `--precinct-id-field` flags (or the dataset keys).
fn write_town(dir: &Path) {
    let admin = collection(vec![
        (
            serde_json::json!({"TE_KOD": W, "KATO": "111111111", "LVL": "district", "name": "W"}),
            rect(76.00, 43.00, 76.10, 43.10),
        ),
        (
            serde_json::json!({"TE_KOD": E, "KATO": "222222222", "LVL": "district", "name": "E"}),
            rect(76.10, 43.00, 76.20, 43.10),
        ),
    ]);
    std::fs::write(dir.join("admin.geojson"), admin).unwrap();
    let precincts = collection(vec![
        (
            serde_json::json!({"UCH_NO": "101", "number": "9101"}),
            rect(76.01, 43.01, 76.05, 43.05),
        ),
        (
            serde_json::json!({"UCH_NO": "102", "number": "9102"}),
            rect(76.07, 43.06, 76.12, 43.08),
        ),
        (
            serde_json::json!({"UCH_NO": "103", "number": "9103"}),
            rect(76.098, 43.01, 76.148, 43.05),
        ),
    ]);
    std::fs::write(dir.join("precincts.geojson"), precincts).unwrap();
    let mut addresses = String::from("locality,street,house,lon,lat\n");
    let mut voters = vec![HEADER.to_string()];
    for (i, (house, precinct, lon, lat)) in HOMES.iter().enumerate() {
        addresses.push_str(&format!("Алматы,Абая,{house},{lon},{lat}\n"));
        let code = (i + 1).to_string();
        voters.push(
            voter(&code, "900101300017", "Жанбулатов", precinct, "01.01.1990")
                .replace(";Абая;12;", &format!(";Абая;{house};")),
        );
    }
    std::fs::write(dir.join("addresses.csv"), addresses).unwrap();
    std::fs::write(dir.join("voters.csv"), voters.join("\n")).unwrap();
    std::fs::write(
        dir.join("stations.csv"),
        "precinct,facility,lon,lat\n101,School 1,76.04,43.04\n102,School 2,76.09,43.07\n103,School 3,76.13,43.02\n",
    )
    .unwrap();
}

/// The town's inputs as flags, with the id-field flags.
fn town_args(dir: &Path) -> Vec<String> {
    let f = |n: &str| dir.join(n).display().to_string();
    [
        "--admin",
        &f("admin.geojson"),
        "--admin-id-field",
        "TE_KOD",
        "--precincts",
        &f("precincts.geojson"),
        "--precinct-id-field",
        "UCH_NO",
        "--addresses",
        &f("addresses.csv"),
        "--voters",
        &f("voters.csv"),
        "--stations",
        &f("stations.csv"),
    ]
    .map(String::from)
    .to_vec()
}

/// Runs `check` into `dir/out_NAME` with `args`; exit 0 expected. Returns the report's
/// precinct properties by precinct number, and the out folder.
fn check_ok(
    dir: &Path,
    name: &str,
    args: &[String],
) -> (
    std::collections::BTreeMap<String, serde_json::Value>,
    std::path::PathBuf,
) {
    let out = dir.join(format!("out_{name}"));
    let mut all = vec![
        "check".to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    all.extend(args.iter().cloned());
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let o = precincts(&refs);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{name}: {err}");
    // stderr is not a terminal here: no progress bar, no cursor movement.
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "{name}: progress output on a pipe: {err:?}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.geojson")).unwrap())
            .unwrap();
    let by_no = report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["precinct"].as_str().unwrap().to_string(),
                f["properties"].clone(),
            )
        })
        .collect();
    (by_no, out)
}

fn overfull(r: &std::collections::BTreeMap<String, serde_json::Value>) -> Vec<&str> {
    r.iter()
        .filter(|(_, p)| p["overfull"] == true)
        .map(|(k, _)| k.as_str())
        .collect()
}

fn crossing(r: &std::collections::BTreeMap<String, serde_json::Value>) -> Vec<&str> {
    r.iter()
        .filter(|(_, p)| p["cross_boundary"] == true)
        .map(|(k, _)| k.as_str())
        .collect()
}

fn with(mut base: Vec<String>, extra: &[&str]) -> Vec<String> {
    base.extend(extra.iter().map(|s| s.to_string()));
    base
}

#[test]
fn report_properties_of_a_hand_made_town() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_town(dir);
    let (r, out) = check_ok(dir, "cap3", &with(town_args(dir), &["--cap", "3"]));
    assert_eq!(r.keys().collect::<Vec<_>>(), ["101", "102", "103"]);
    let share = |no: &str| r[no]["outside_share"].as_f64().unwrap();

    let p = &r["101"];
    assert_eq!(p["admin_unit"], W);
    assert_eq!(p["admin_name"], "W");
    assert_eq!(
        (p["voters"].as_u64(), p["voters_listed"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(p["cap"], 3);
    assert_eq!(p["overfull"], true); // 4 > 3
    assert_eq!(p["cross_boundary"], false);
    assert_eq!(share("101"), 0.0);
    assert_eq!(p["admin_units_touched"], serde_json::json!([]));
    assert_eq!(p["findings"], serde_json::json!(["PRECINCT_OVER_CAP"]));
    assert_eq!(p["station"]["facility"], "School 1");

    let p = &r["102"];
    assert_eq!(p["admin_unit"], W); // 60 % of it
    assert_eq!(
        (p["voters"].as_u64(), p["voters_listed"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(p["overfull"], false);
    assert!((share("102") - 0.4).abs() < 1e-3, "{}", share("102"));
    assert_eq!(p["cross_boundary"], true);
    assert_eq!(p["admin_units_touched"], serde_json::json!([E]));
    assert_eq!(
        p["findings"],
        serde_json::json!(["PRECINCT_CROSSES_ADMIN_BOUNDARY"])
    );

    let p = &r["103"];
    assert_eq!(p["admin_unit"], E);
    assert_eq!(
        (p["voters"].as_u64(), p["voters_listed"].as_u64()),
        (Some(1), Some(1))
    );
    assert!((share("103") - 0.04).abs() < 1e-3, "{}", share("103"));
    assert_eq!(p["cross_boundary"], true); // 0.04 > 0.01
    assert_eq!(p["admin_units_touched"], serde_json::json!([W]));
    assert_eq!(
        p["findings"],
        serde_json::json!(["PRECINCT_CROSSES_ADMIN_BOUNDARY"])
    );

    // findings.csv says the same, and nothing else.
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    let mut rows: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_string(), c[2].to_string())
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("PRECINCT_CROSSES_ADMIN_BOUNDARY".into(), "102".into()),
            ("PRECINCT_CROSSES_ADMIN_BOUNDARY".into(), "103".into()),
            ("PRECINCT_OVER_CAP".into(), "101".into()),
        ],
        "{csv}"
    );
}

#[test]
fn cap_and_tolerance_flags_change_what_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_town(dir);
    // Defaults: cap 3000, tolerance 0.01.
    let (r, out) = check_ok(dir, "default", &town_args(dir));
    assert!(overfull(&r).is_empty());
    assert_eq!(crossing(&r), ["102", "103"]);
    assert_eq!(r["101"]["cap"], 3000);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (summary["cap"].as_u64(), summary["tolerance"].as_f64()),
        (Some(3000), Some(0.01))
    );

    // Overfull means more voters than the cap: 101's 4 voters fit a cap of 4, not of 3.
    let (r, _) = check_ok(dir, "cap4", &with(town_args(dir), &["--cap", "4"]));
    assert!(overfull(&r).is_empty());
    let (r, _) = check_ok(dir, "cap3", &with(town_args(dir), &["--cap", "3"]));
    assert_eq!(overfull(&r), ["101"]);
    let (r, _) = check_ok(dir, "cap1", &with(town_args(dir), &["--cap", "1"]));
    assert_eq!(overfull(&r), ["101", "102"]); // 103 has 1 voter: not over a cap of 1

    // 103's 4 % outside is within a tolerance of 5 %; 102's 40 % is not.
    let (r, _) = check_ok(dir, "tol5", &with(town_args(dir), &["--tolerance", "0.05"]));
    assert_eq!(crossing(&r), ["102"]);
    assert_eq!(r["103"]["findings"], serde_json::json!([]));
    assert!((r["103"]["outside_share"].as_f64().unwrap() - 0.04).abs() < 1e-3);
    let (r, _) = check_ok(dir, "tol50", &with(town_args(dir), &["--tolerance", "0.5"]));
    assert!(crossing(&r).is_empty());
}

#[test]
fn id_field_flags_pick_the_attributes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_town(dir);
    let f = |n: &str| dir.join(n).display().to_string();
    // Without the flags the readers take the default-named decoys.
    let (r, _) = check_ok(
        dir,
        "decoys",
        &[
            "--admin".into(),
            f("admin.geojson"),
            "--precincts".into(),
            f("precincts.geojson"),
        ],
    );
    assert_eq!(r.keys().collect::<Vec<_>>(), ["9101", "9102", "9103"]);
    assert_eq!(r["9101"]["admin_unit"], "111111111");
    // With them, the real ones.
    let (r, _) = check_ok(
        dir,
        "flags",
        &[
            "--admin".into(),
            f("admin.geojson"),
            "--admin-id-field".into(),
            "TE_KOD".into(),
            "--precincts".into(),
            f("precincts.geojson"),
            "--precinct-id-field".into(),
            "UCH_NO".into(),
        ],
    );
    assert_eq!(r.keys().collect::<Vec<_>>(), ["101", "102", "103"]);
    assert_eq!(r["101"]["admin_unit"], W);
    assert_eq!(r["103"]["admin_unit"], E);
    // A field the layer lacks is an error naming it.
    let out = dir.join("out_missing");
    let o = precincts(&[
        "check",
        "--out",
        out.to_str().unwrap(),
        "--precincts",
        &f("precincts.geojson"),
        "--precinct-id-field",
        "NOMER_UIK",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("NOMER_UIK"), "{}", stderr(&o));
}

#[test]
fn flags_override_the_same_keys_of_dataset_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_town(dir);
    std::fs::write(
        dir.join("dataset.toml"),
        "admin = \"admin.geojson\"\nadmin_id_field = \"TE_KOD\"\nprecincts = \"precincts.geojson\"\n\
         precinct_id_field = \"UCH_NO\"\naddresses = \"addresses.csv\"\nvoters = \"voters.csv\"\n\
         stations = \"stations.csv\"\ncap = 3\ntolerance = 0.05\n",
    )
    .unwrap();
    let ds = dir.join("dataset.toml").display().to_string();
    // The dataset alone: cap 3 and tolerance 0.05 apply.
    let (r, _) = check_ok(dir, "dataset", &["--dataset".into(), ds.clone()]);
    assert_eq!(overfull(&r), ["101"]);
    assert_eq!(crossing(&r), ["102"]);
    assert_eq!(r["101"]["cap"], 3);
    // --cap overrides the dataset's cap; its tolerance still applies.
    let (r, _) = check_ok(
        dir,
        "flag",
        &["--dataset".into(), ds.clone(), "--cap".into(), "5".into()],
    );
    assert!(overfull(&r).is_empty());
    assert_eq!(r["101"]["cap"], 5);
    assert_eq!(crossing(&r), ["102"]);
    // --precinct-id-field overrides the dataset's field.
    let (r, _) = check_ok(
        dir,
        "field",
        &[
            "--dataset".into(),
            ds,
            "--precinct-id-field".into(),
            "number".into(),
        ],
    );
    assert_eq!(
        r.keys().collect::<Vec<_>>(),
        ["101", "102", "103", "9101", "9102", "9103"]
    );
    assert_eq!(r["9101"]["voters"], 4);
    assert_eq!(r["101"]["voters_listed"], 4);
}

/// A minimal dBASE III table with one character field.
fn dbf_one_field(field: &str, values: &[&str]) -> Vec<u8> {
    let width = 20usize;
    let mut b = vec![0u8; 32];
    b[0] = 0x03;
    b[4..8].copy_from_slice(&(values.len() as u32).to_le_bytes());
    b[8..10].copy_from_slice(&(32u16 + 32 + 1).to_le_bytes());
    b[10..12].copy_from_slice(&(1 + width as u16).to_le_bytes());
    let mut d = [0u8; 32];
    d[..field.len()].copy_from_slice(field.as_bytes());
    d[11] = b'C';
    d[16] = width as u8;
    b.extend_from_slice(&d);
    b.push(0x0D);
    for v in values {
        b.push(b' ');
        let mut cell = v.as_bytes().to_vec();
        cell.resize(width, b' ');
        b.extend_from_slice(&cell);
    }
    b.push(0x1A);
    b
}

/// A 1 km square of UTM 42N with its south-west corner at (e, n), clockwise (outer ring).
fn utm_square(e: f64, n: f64) -> shapefile::Polygon {
    let ring = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]
        .map(|(x, y)| shapefile::Point::new(e + 1000.0 * x, n + 1000.0 * y))
        .to_vec();
    shapefile::Polygon::new(shapefile::PolygonRing::Outer(ring))
}

/// Metres between two lon/lat points (equirectangular; fine at these distances).
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let k = 111_320.0;
    let dx = (a.0 - b.0) * k * a.1.to_radians().cos();
    let dy = (a.1 - b.1) * k;
    (dx * dx + dy * dy).sqrt()
}

/// The `precinct` column of assignment.csv, in address order.
fn assignment(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("assignment.csv")).unwrap();
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "precinct").unwrap();
    rows.map(|l| l.split(',').nth(col).unwrap().to_string())
        .collect()
}

#[test]
fn crs_flag_reads_a_utm_shapefile_without_prj_like_its_wgs84_twin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Two 1 km squares of UTM zone 42N (EPSG:32642): A with its south-west corner at
    // E 420000 N 4800000, B just east of it. No .prj.
    let shp = dir.join("utm.shp");
    let mut w = shapefile::ShapeWriter::from_path(&shp).unwrap();
    w.write_shape(&utm_square(420_000.0, 4_800_000.0)).unwrap();
    w.write_shape(&utm_square(421_000.0, 4_800_000.0)).unwrap();
    w.finalize().unwrap();
    drop(w);
    std::fs::write(
        shp.with_extension("dbf"),
        dbf_one_field("precinct", &["A", "B"]),
    )
    .unwrap();

    // The same squares in WGS84, by hand from PROJ's figure for the corner
    //   echo "420000 4800000" | cs2cs -d 9 EPSG:32642 EPSG:4326  → 43.348595708 68.012909834
    // and the ellipsoid's radii at 43.35° N (WGS 84: M = 6,365,500 m, N·cos φ = 4,646,900 m,
    // so 1 km is 0.0089965° of latitude and 0.0123298° of longitude, scaled by UTM's
    // k = 0.99968 here). The grid's convergence (-0.68°) is left out: it moves the far corners
    // by up to 17 m, far less than the 400 m between any address point and an edge.
    let (lon0, lat0) = (68.012909834, 43.348595708);
    let (dlon, dlat) = (0.0123298 * 0.99968, 0.0089965 * 0.99968);
    let corner = |i: f64, j: f64| (lon0 + i * dlon, lat0 + j * dlat);
    let sq = |i: f64| {
        let (x0, y0) = corner(i, 0.0);
        let (x1, y1) = corner(i + 1.0, 1.0);
        rect(x0, y0, x1, y1)
    };
    std::fs::write(
        dir.join("wgs84.geojson"),
        collection(vec![
            (serde_json::json!({"precinct": "A"}), sq(0.0)),
            (serde_json::json!({"precinct": "B"}), sq(1.0)),
        ]),
    )
    .unwrap();
    // Address points (GeoJSON: WGS84 whatever --crs says) at the squares' centres, one
    // between them 100 m north of both, and one 100 m inside B's east edge.
    let point = |i: f64, j: f64, house: &str| {
        let (x, y) = corner(i, j);
        (
            serde_json::json!({"addr:city": "Town", "addr:street": "Main", "addr:housenumber": house}),
            serde_json::json!({"type": "Point", "coordinates": [x, y]}),
        )
    };
    std::fs::write(
        dir.join("points.geojson"),
        collection(vec![
            point(0.5, 0.5, "1"),
            point(1.5, 0.5, "2"),
            point(1.0, 1.1, "3"),
            point(1.9, 0.5, "4"),
        ]),
    )
    .unwrap();
    let f = |n: &str| dir.join(n).display().to_string();

    // Without --crs the run stops and says why.
    let o = precincts(&[
        "check",
        "--out",
        &f("out_none"),
        "--precincts",
        &f("utm.shp"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("give --crs EPSG:NNNN"),
        "{}",
        stderr(&o)
    );

    let run = |name: &str, precincts: &str, crs: &[&str]| {
        let mut args = vec![
            "--precincts".to_string(),
            f(precincts),
            "--addresses".into(),
            f("points.geojson"),
        ];
        args.extend(crs.iter().map(|s| s.to_string()));
        check_ok(dir, name, &args)
    };
    let (_, twin) = run("wgs84", "wgs84.geojson", &[]);
    let want = ["A", "B", "", "B"];
    assert_eq!(assignment(&twin), want);
    // A bare EPSG number is accepted, as is the EPSG: form.
    for crs in ["32642", "EPSG:32642"] {
        let (_, out) = run(
            &format!("utm{crs}").replace(':', ""),
            "utm.shp",
            &["--crs", crs],
        );
        assert_eq!(assignment(&out), want, "--crs {crs}");
        // A's south-west corner lands on PROJ's figure.
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.geojson")).unwrap())
                .unwrap();
        let a = report["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["precinct"] == "A")
            .unwrap();
        let g = &a["geometry"];
        let ring = match g["type"].as_str() {
            Some("Polygon") => &g["coordinates"][0],
            _ => &g["coordinates"][0][0],
        };
        let ring = ring.as_array().unwrap();
        let sw = ring
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .min_by(|p, q| (p.0 + p.1).total_cmp(&(q.0 + q.1)))
            .unwrap();
        assert!(metres(sw, (lon0, lat0)) < 1.0, "{sw:?}");
    }
    // The neighbouring zone puts the squares 6° east: no address falls in them.
    let (_, out) = run("utm43", "utm.shp", &["--crs", "EPSG:32643"]);
    assert_eq!(assignment(&out), ["", "", "", ""]);
}

#[test]
fn admin_level_field_reads_each_units_level_from_an_attribute() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_town(dir);
    // The same two units with codes that read as settlements (last three digits not 0),
    // while their `LVL` attribute says district.
    let admin = collection(vec![
        (
            serde_json::json!({"KATO": "751210001", "LVL": "district"}),
            rect(76.00, 43.00, 76.10, 43.10),
        ),
        (
            serde_json::json!({"KATO": "751410001", "LVL": "2"}),
            rect(76.10, 43.00, 76.20, 43.10),
        ),
    ]);
    std::fs::write(dir.join("levels.geojson"), admin).unwrap();
    let f = |n: &str| dir.join(n).display().to_string();
    let base = |extra: &[&str]| {
        with(
            vec![
                "--admin".into(),
                f("levels.geojson"),
                "--precincts".into(),
                f("precincts.geojson"),
                "--precinct-id-field".into(),
                "UCH_NO".into(),
            ],
            extra,
        )
    };
    let levels = |out: &Path| -> Vec<String> {
        let a: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("admin.geojson")).unwrap())
                .unwrap();
        a["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["properties"]["level"].as_str().unwrap().to_string())
            .collect()
    };
    // From the codes: settlements; at district level there is nothing to contain in.
    let (r, out) = check_ok(dir, "code", &base(&["--admin-level", "district"]));
    assert_eq!(levels(&out), ["settlement", "settlement"]);
    assert_eq!(r["102"]["admin_unit"], serde_json::Value::Null);
    // From the attribute: districts, and containment at that level works.
    let (r, out) = check_ok(
        dir,
        "field",
        &base(&["--admin-level", "district", "--admin-level-field", "LVL"]),
    );
    assert_eq!(levels(&out), ["district", "district"]);
    assert_eq!(r["102"]["admin_unit"], "751210001");
    assert_eq!(
        r["102"]["admin_units_touched"],
        serde_json::json!(["751410001"])
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["admin_level"], "district");
    // The dataset key does the same.
    std::fs::write(
        dir.join("dataset.toml"),
        "admin = \"levels.geojson\"\nadmin_level_field = \"LVL\"\nprecincts = \"precincts.geojson\"\n\
         precinct_id_field = \"UCH_NO\"\n",
    )
    .unwrap();
    let (_, out) = check_ok(dir, "dataset", &["--dataset".into(), f("dataset.toml")]);
    assert_eq!(levels(&out), ["district", "district"]);
    // A level the attribute cannot give is a reject naming the field.
    std::fs::write(
        dir.join("bad.geojson"),
        collection(vec![(
            serde_json::json!({"KATO": "751210001", "LVL": "county"}),
            rect(76.00, 43.00, 76.10, 43.10),
        )]),
    )
    .unwrap();
    let (_, out) = check_ok(
        dir,
        "bad",
        &[
            "--admin".into(),
            f("bad.geojson"),
            "--admin-level-field".into(),
            "LVL".into(),
        ],
    );
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let rows: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{rejects}");
    assert!(
        rows[0].contains(",1,LVL,") && rows[0].contains("unknown admin level"),
        "{rejects}"
    );

    // Documented in --help.
    let o = precincts(&["check", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("--admin-level-field"), "{help}");
}

/// Runs the binary, killing it after `secs` seconds: `None` when it had to be killed.
fn precincts_within(args: &[&str], secs: u64) -> Option<Output> {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_precincts"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if child.try_wait().expect("waits").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Regression (issue 10): a named pipe as the voter list hung for ever, `/dev/zero` read
/// without end; now each special file is refused before it is opened, exit 2.
#[cfg(unix)]
#[test]
fn special_files_are_refused_with_exit_2_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let fifo = dir.path().join("voters.csv");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let folder = dir.path().join("stations.csv");
    std::fs::create_dir(&folder).unwrap();
    for (flag, path, what) in [
        ("--voters", fifo.as_path(), "a named pipe"),
        ("--voters", Path::new("/dev/zero"), "a device"),
        ("--stations", folder.as_path(), "a directory"),
        ("--borders", folder.as_path(), "a directory"),
    ] {
        let o = precincts_within(
            &[
                "check",
                "--out",
                out.to_str().unwrap(),
                flag,
                path.to_str().unwrap(),
            ],
            20,
        )
        .unwrap_or_else(|| panic!("{flag} {}: still running after 20 s", path.display()));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}: not a regular file ({what}); give the path of a saved file\n",
                path.display()
            )
        );
        assert!(!out.join("report.geojson").exists());
    }
}

/// Issue 10: any panic ends the run with exit 2 and a clear message, without the panic's
/// text (which could quote a cell of the data).
#[test]
fn a_panic_is_exit_2_with_a_clear_message_and_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let v = write_voters(dir.path());
    let o = Command::new(env!("CARGO_BIN_EXE_precincts"))
        .args(["check", "--out", out.to_str().unwrap(), "--voters"])
        .arg(&v)
        .env("PRECINCTS_TEST_PANIC", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.starts_with("error: internal error at src/cli/mod.rs:"),
        "{e}"
    );
    assert!(
        e.ends_with(
            ": the run stopped and no report was completed; please report it with the \
             command line (not the data)\n"
        ),
        "{e}"
    );
    assert!(!e.contains("900101300017"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

/// Regression (issue 10): a `check` killed while writing left `.tmp*` files in the output
/// folder that no later run removed. The next run removes the temporaries of our naming
/// (and of the naming before it), and nothing else.
#[test]
fn a_run_removes_the_temporaries_a_killed_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let v = write_voters(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for name in [
        ".tmpA1b2C3",
        ".precincts-x9Y8z7.tmp",
        ".tmp-notes",
        "keep.tmp",
    ] {
        std::fs::write(out.join(name), "half a report").unwrap();
    }
    std::fs::create_dir(out.join(".tmpDIR123")).unwrap();
    let o = precincts(&[
        "check",
        "--out",
        out.to_str().unwrap(),
        "--voters",
        v.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".tmp-notes",
            ".tmpDIR123",
            "admin.geojson",
            "findings.csv",
            "findings.geojson",
            "keep.tmp",
            "rejects.csv",
            "report.geojson",
            "summary.json"
        ]
    );
}

/// Issue 10: values in a second encoding are read, and the run says so once per file,
/// with a count and the first line, never with a value.
#[test]
fn a_cp1251_line_in_a_utf8_voter_list_is_read_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let p = dir.path().join("voters.csv");
    let mut bytes = format!(
        "{HEADER}\n{}\n",
        voter("1", "900101300017", "Әлиев", "25", "01.01.1990")
    )
    .into_bytes();
    let line = voter("2", "900101300025", "Иванов", "25", "01.01.1990");
    let (cp, _, bad) = encoding_rs::WINDOWS_1251.encode(&line);
    assert!(!bad);
    bytes.extend_from_slice(&cp);
    std::fs::write(&p, bytes).unwrap();
    let o = precincts(&[
        "check",
        "--out",
        out.to_str().unwrap(),
        "--voters",
        p.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    let warning = format!(
        "warning: {}: the file is read as UTF-8, but 7 value(s) are not valid UTF-8 and were \
         read as CP1251 (the first on line 3); check them, or save the whole file in one \
         encoding\n",
        p.display()
    );
    assert!(e.contains(&warning), "{e}");
    assert_eq!(e.matches("warning:").count(), 1, "{e}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["warnings"],
        serde_json::json!([warning.trim_end().trim_start_matches("warning: ")])
    );
    assert!(
        e.contains("records: 2 read = 2 accepted + 0 rejected"),
        "{e}"
    );
    assert!(!e.contains("Иванов") && !e.contains("900101300025"), "{e}");
}
