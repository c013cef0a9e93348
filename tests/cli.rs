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
