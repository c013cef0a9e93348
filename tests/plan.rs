//! The planner through the router: moves of address points between precincts, their figures
//! against the cap, warnings, undo, persistence in `plan.sqlite`, the guards on changes, and
//! the planned Appendix 3 lists, which a new check reads back to the planned voter counts.
//! Expected figures are summed here from the fixture's own table or from `assignment.csv`.

mod common;
use common::run_check;

mod server_fixture;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use precincts::server::{AppState, LoadOptions, router};
use serde_json::{Value, json};
use server_fixture as fx;
use std::collections::BTreeMap;
use std::path::Path;
use tower::ServiceExt;

fn load(dir: &Path) -> AppState {
    AppState::load(dir, &LoadOptions::default()).expect("report loads")
}

fn fixture() -> (tempfile::TempDir, AppState) {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    let s = load(d.path());
    (d, s)
}

async fn send(s: &AppState, req: Request<Body>) -> (StatusCode, Bytes) {
    let r = router(s.clone()).oneshot(req).await.unwrap();
    let status = r.status();
    (
        status,
        axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap(),
    )
}

async fn get(s: &AppState, uri: &str) -> (StatusCode, Value) {
    let (st, b) = send(
        s,
        Request::get(uri)
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    (st, serde_json::from_slice(&b).expect("JSON"))
}

/// A move as the page sends it.
fn edit_request(body: &Value) -> Request<Body> {
    Request::post("/api/plan/edits")
        .header("host", "127.0.0.1:8080")
        .header("origin", "http://127.0.0.1:8080")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn post_edit(s: &AppState, body: Value) -> (StatusCode, Value) {
    let (st, b) = send(s, edit_request(&body)).await;
    (st, serde_json::from_slice(&b).expect("JSON"))
}

async fn delete_edit(s: &AppState, id: &str) -> (StatusCode, Value) {
    let req = Request::delete(format!("/api/plan/edits/{id}"))
        .header("host", "localhost:8080")
        .body(Body::empty())
        .unwrap();
    let (st, b) = send(s, req).await;
    (st, serde_json::from_slice(&b).expect("JSON"))
}

/// Address ids of a precinct in the fixture's table.
fn ids_of(precinct: &str) -> Vec<u64> {
    fx::ADDRESSES
        .iter()
        .enumerate()
        .filter(|(_, a)| a.0 == precinct)
        .map(|(i, _)| i as u64)
        .collect()
}

/// Voters per precinct after moving `moved` to `target`, from the fixture's table.
fn expected(moves: &[(&[u64], &str)]) -> BTreeMap<String, u64> {
    let mut at: Vec<String> = fx::ADDRESSES.iter().map(|a| a.0.to_string()).collect();
    for (ids, target) in moves {
        for &i in *ids {
            at[i as usize] = target.to_string();
        }
    }
    let mut m = BTreeMap::new();
    for (i, a) in fx::ADDRESSES.iter().enumerate() {
        *m.entry(at[i].clone()).or_default() += u64::from(a.6);
    }
    m
}

/// The codes of an edit's warnings, in order.
fn warning_codes(v: &Value) -> Vec<&str> {
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect()
}

fn figures(list: &Value) -> BTreeMap<String, (u64, u64)> {
    list.as_array()
        .expect("a list of precincts")
        .iter()
        .map(|p| {
            (
                p["precinct"].as_str().unwrap().to_string(),
                (
                    p["voters_before"].as_u64().unwrap(),
                    p["voters_planned"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_new_plan_is_the_checks_assignment() {
    let (_d, s) = fixture();
    let (st, v) = get(&s, "/api/plan").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["available"], true);
    assert_eq!(v["cap"], 3000);
    assert_eq!(v["addresses"], fx::ADDRESSES.len());
    assert_eq!(v["edits"], json!([]));
    assert_eq!(v["precincts"], json!([]));
    assert_eq!(v["moved_total"], 0);

    let (st, v) = get(
        &s,
        &format!("/api/plan/precincts/{}/addresses", fx::OVERFULL),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["total"], ids_of(fx::OVERFULL).len());
    assert_eq!(v["voters"], expected(&[])[fx::OVERFULL]);
    assert_eq!(
        v["voters"],
        fx::OVERFULL_VOTERS,
        "the fixture agrees with itself"
    );
    let first = &v["items"][0];
    assert_eq!(first["id"], ids_of(fx::OVERFULL)[0]);
    assert_eq!(first["label"], "пр. Достык 2, г. Алматы");
    assert_eq!(first["moved"], false);
    assert_eq!(first["base"], fx::OVERFULL);

    // Paging.
    let (_, p2) = get(
        &s,
        &format!(
            "/api/plan/precincts/{}/addresses?page=2&per_page=4",
            fx::OVERFULL
        ),
    )
    .await;
    let ids: Vec<u64> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, ids_of(fx::OVERFULL)[4..8].to_vec());
}

#[tokio::test]
async fn a_move_changes_both_precincts_persists_and_undoes() {
    let (d, s) = fixture();
    let moved = &ids_of(fx::OVERFULL)[..2];
    let (st, v) = post_edit(
        &s,
        json!({"addresses": moved, "precinct": fx::CLEAN, "note": "relieve 102"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let want = expected(&[(moved, fx::CLEAN)]);
    let before = expected(&[]);
    let changed = figures(&v["changed"]);
    assert_eq!(
        changed,
        BTreeMap::from([
            (fx::CLEAN.to_string(), (before[fx::CLEAN], want[fx::CLEAN])),
            (
                fx::OVERFULL.to_string(),
                (before[fx::OVERFULL], want[fx::OVERFULL])
            ),
        ])
    );
    assert_eq!(v["warnings"], json!([]), "still under the cap, same unit");
    assert_eq!(v["edit"]["applied"], 2);
    assert_eq!(v["edit"]["note"], "relieve 102");
    let id = v["edit"]["id"].as_u64().unwrap();

    // The overview and the addresses follow; the overfull precinct is still over the cap.
    let (_, o) = get(&s, "/api/plan").await;
    assert_eq!(figures(&o["precincts"]), changed);
    assert_eq!(o["moved"], json!(moved));
    let over: Vec<bool> = o["precincts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["over_cap"].as_bool().unwrap())
        .collect();
    assert_eq!(
        over,
        vec![want[fx::CLEAN] > 3000, want[fx::OVERFULL] > 3000]
    );
    assert_eq!(
        o["precincts"][1]["feature_id"], 1,
        "102 is the report's second feature"
    );
    let (_, a) = get(&s, &format!("/api/plan/precincts/{}/addresses", fx::CLEAN)).await;
    assert_eq!(a["voters"], want[fx::CLEAN]);
    let moved_items: Vec<&Value> = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["moved"] == true)
        .collect();
    assert_eq!(moved_items.len(), 2);
    assert!(moved_items.iter().all(|i| i["base"] == fx::OVERFULL));

    // A new server on the same directory replays the edit from plan.sqlite.
    assert!(d.path().join("plan.sqlite").is_file());
    let s2 = load(d.path());
    let (_, o2) = get(&s2, "/api/plan").await;
    assert_eq!(figures(&o2["precincts"]), changed);
    assert_eq!(o2["edits"][0]["id"], id);
    assert_eq!(o2["edits"][0]["applied"], 2);

    // Undo.
    let (st, u) = delete_edit(&s2, &id.to_string()).await;
    assert_eq!(st, StatusCode::OK, "{u}");
    assert_eq!(
        figures(&u["changed"]),
        BTreeMap::from([
            (
                fx::CLEAN.to_string(),
                (before[fx::CLEAN], before[fx::CLEAN])
            ),
            (
                fx::OVERFULL.to_string(),
                (before[fx::OVERFULL], before[fx::OVERFULL])
            ),
        ])
    );
    let (_, o3) = get(&load(d.path()), "/api/plan").await;
    assert_eq!(o3["edits"], json!([]));
    assert_eq!(o3["precincts"], json!([]));
}

#[tokio::test]
async fn edits_apply_in_order_and_a_later_move_wins() {
    let (_d, s) = fixture();
    let ids = ids_of(fx::OVERFULL);
    let (st, _) = post_edit(&s, json!({"addresses": &ids[..3], "precinct": fx::CLEAN})).await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, v) = post_edit(&s, json!({"addresses": &ids[2..5], "precinct": fx::CROSS})).await;
    assert_eq!(st, StatusCode::CREATED);
    let want = expected(&[(&ids[..3], fx::CLEAN), (&ids[2..5], fx::CROSS)]);
    let (_, o) = get(&s, "/api/plan").await;
    let planned: BTreeMap<String, u64> = figures(&o["precincts"])
        .into_iter()
        .map(|(k, v)| (k, v.1))
        .collect();
    let want: BTreeMap<String, u64> = want
        .into_iter()
        .filter(|(k, _)| [fx::CLEAN, fx::OVERFULL, fx::CROSS].contains(&k.as_str()))
        .collect();
    assert_eq!(planned, want);
    // Undoing the first keeps the second: address ids[2] stays in 103.
    let first = o["edits"][0]["id"].to_string();
    delete_edit(&s, &first).await;
    let (_, o) = get(&s, "/api/plan").await;
    let want = expected(&[(&ids[2..5], fx::CROSS)]);
    let planned: BTreeMap<String, u64> = figures(&o["precincts"])
        .into_iter()
        .map(|(k, v)| (k, v.1))
        .collect();
    assert_eq!(planned[fx::CROSS], want[fx::CROSS]);
    assert_eq!(planned[fx::OVERFULL], want[fx::OVERFULL]);
    assert!(!planned.contains_key(fx::CLEAN));
    assert_eq!(v["edit"]["applied"], 3);
}

#[tokio::test]
async fn moves_that_break_the_rules_are_made_with_warnings() {
    let (_d, s) = fixture();
    // Everything of 102 into 101: over the cap.
    let (st, v) = post_edit(
        &s,
        json!({"addresses": ids_of(fx::OVERFULL), "precinct": fx::CLEAN}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let codes = warning_codes(&v);
    assert_eq!(codes, ["over_cap"]);
    let total = expected(&[(&ids_of(fx::OVERFULL), fx::CLEAN)])[fx::CLEAN];
    assert!(
        v["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&total.to_string())
    );

    // 201's addresses (district B) into 101 (district A): another unit.
    let (_, v) = post_edit(
        &s,
        json!({"addresses": ids_of("201"), "precinct": fx::CLEAN}),
    )
    .await;
    let w: Vec<(&str, &str)> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["code"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect();
    assert_eq!(w[0].0, "over_cap");
    assert_eq!(w[1].0, "other_unit");
    assert!(w[1].1.starts_with("3 of the moved addresses"), "{}", w[1].1);
    assert!(w[1].1.contains(fx::UNIT_A));
    assert_eq!(v["warnings"][1]["count"], 3);
    assert_eq!(v["warnings"][1]["unit"], fx::UNIT_A);
    let all_in_101 = expected(&[
        (&ids_of(fx::OVERFULL), fx::CLEAN),
        (&ids_of("201"), fx::CLEAN),
    ])[fx::CLEAN];
    assert_eq!(v["warnings"][0]["count"], all_in_101);

    // A number the report does not have: a new precinct, in the unit of its addresses.
    let (_, v) = post_edit(&s, json!({"addresses": ids_of("202"), "precinct": "№ 250"})).await;
    assert_eq!(
        v["edit"]["precinct"], "250",
        "the № sign is not part of the number"
    );
    let codes = warning_codes(&v);
    assert_eq!(codes, ["new_precinct"]);
    let (_, o) = get(&s, "/api/plan").await;
    let new = o["precincts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["precinct"] == "250")
        .unwrap();
    assert_eq!(new["new"], true);
    assert_eq!(new["feature_id"], Value::Null);
    assert_eq!(new["units"], json!([fx::UNIT_B]));
    assert_eq!(new["voters_before"], 0);
    assert_eq!(new["voters_planned"], expected(&[])["202"]);
    let (st, _) = get(&s, "/api/plan/precincts/250/addresses").await;
    assert_eq!(st, StatusCode::OK, "a planned precinct lists its addresses");
}

async fn assert_error(s: &AppState, req: Request<Body>, status: StatusCode, needle: &str) {
    let (st, b) = send(s, req).await;
    assert_eq!(st, status, "{}", String::from_utf8_lossy(&b));
    let v: Value = serde_json::from_slice(&b).expect("a JSON error");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains(needle), "{msg:?} mentions {needle:?}");
    assert!(!msg.contains("/tmp"), "no path in {msg:?}");
}

#[tokio::test]
async fn bad_edits_are_clear_client_errors_and_change_nothing() {
    let (_d, s) = fixture();
    let good = json!({"addresses": [0], "precinct": fx::OVERFULL});
    let with = |f: &dyn Fn(axum::http::request::Builder) -> axum::http::request::Builder,
                body: &str| {
        f(Request::post("/api/plan/edits"))
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let g = good.to_string();
    let json_ct = |b: axum::http::request::Builder| b.header("content-type", "application/json");
    assert_error(&s, with(&json_ct, &g), StatusCode::FORBIDDEN, "Host").await;
    assert_error(
        &s,
        with(&|b| json_ct(b).header("host", "evil.example:8080"), &g),
        StatusCode::FORBIDDEN,
        "localhost",
    )
    .await;
    assert_error(
        &s,
        with(
            &|b| {
                json_ct(b)
                    .header("host", "127.0.0.1:8080")
                    .header("origin", "http://evil.example")
            },
            &g,
        ),
        StatusCode::FORBIDDEN,
        "own page",
    )
    .await;
    assert_error(
        &s,
        with(
            &|b| {
                b.header("host", "127.0.0.1:8080")
                    .header("content-type", "text/plain")
            },
            &g,
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "JSON",
    )
    .await;
    let bad = [
        ("{", "the edit must be"),
        (r#"{"addresses": [0]}"#, "precinct"),
        (
            r#"{"addresses": [0], "precinct": "1", "colour": 1}"#,
            "colour",
        ),
        (r#"{"addresses": [], "precinct": "101"}"#, "no addresses"),
        (
            r#"{"addresses": [-1], "precinct": "101"}"#,
            "the edit must be",
        ),
        (
            r#"{"addresses": [999], "precinct": "101"}"#,
            "no address 999",
        ),
        (r#"{"addresses": [0], "precinct": "  "}"#, "empty"),
        (r#"{"addresses": [0], "precinct": "№"}"#, "empty"),
        (
            &format!(r#"{{"addresses": [0], "precinct": "{}"}}"#, "9".repeat(41)),
            "at most 40",
        ),
        (
            &format!(
                r#"{{"addresses": [0], "precinct": "101", "note": "{}"}}"#,
                "x".repeat(501)
            ),
            "note",
        ),
    ];
    for (body, needle) in bad {
        assert_error(
            &s,
            edit_request(&serde_json::from_str::<Value>(body).unwrap_or(json!(null)))
                .map(|_| Body::from(body.to_string())),
            StatusCode::BAD_REQUEST,
            needle,
        )
        .await;
    }
    let del = |id: &str, host: &str| {
        Request::delete(format!("/api/plan/edits/{id}"))
            .header("host", host)
            .body(Body::empty())
            .unwrap()
    };
    assert_error(
        &s,
        del("7", "[::1]:8080"),
        StatusCode::NOT_FOUND,
        "no edit 7",
    )
    .await;
    assert_error(
        &s,
        del("x", "[::1]:8080"),
        StatusCode::BAD_REQUEST,
        "edit id",
    )
    .await;
    assert_error(
        &s,
        del("7", "evil.example"),
        StatusCode::FORBIDDEN,
        "localhost",
    )
    .await;
    for (uri, status, needle) in [
        (
            "/api/plan/precincts/999/addresses",
            StatusCode::NOT_FOUND,
            "999",
        ),
        (
            "/api/plan/precincts/101/addresses?per_page=0",
            StatusCode::BAD_REQUEST,
            "per_page",
        ),
        (
            "/api/plan?x=1",
            StatusCode::BAD_REQUEST,
            "unknown parameter",
        ),
    ] {
        let req = Request::get(uri)
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap();
        assert_error(&s, req, status, needle).await;
    }
    let (_, o) = get(&s, "/api/plan").await;
    assert_eq!(o["edits"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn without_an_assignment_the_plan_says_why() {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    std::fs::remove_file(d.path().join("assignment.csv")).unwrap();
    let s = load(d.path());
    let (st, v) = get(&s, "/api/plan").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["available"], false);
    assert!(v["reason"].as_str().unwrap().contains("assignment.csv"));
    for uri in [
        "/download/plan.geojson",
        "/download/plan-appendix3.ru.csv",
        "/api/plan/precincts/101/addresses",
    ] {
        let (st, _) = get(&s, uri).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}");
    }
    let (st, _) = post_edit(&s, json!({"addresses": [0], "precinct": "101"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_broken_assignment_leaves_the_report_served() {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    let path = d.path().join("assignment.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(",345\n", ",many\n", 1)).unwrap();
    let s = load(d.path());
    let (_, v) = get(&s, "/api/plan").await;
    assert_eq!(v["available"], false);
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("line 7") && reason.contains("voters"),
        "{reason}"
    );
    let (st, _) = get(&s, "/api/precincts").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn the_plan_downloads_as_geojson_and_appendix3_tables() {
    let (_d, s) = fixture();
    let moved = ids_of(fx::CROSS);
    post_edit(&s, json!({"addresses": &moved[1..], "precinct": "202"})).await;
    let want = expected(&[(&moved[1..], "202")]);
    let (st, b) = send(
        &s,
        Request::get("/download/plan.geojson")
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let fc: Value = serde_json::from_slice(&b).unwrap();
    let mut per: BTreeMap<String, (u64, usize)> = BTreeMap::new();
    for f in fc["features"].as_array().unwrap() {
        let p = &f["properties"];
        per.insert(
            p["precinct"].as_str().unwrap().to_string(),
            (
                p["voters_planned"].as_u64().unwrap(),
                f["geometry"]["coordinates"].as_array().unwrap().len(),
            ),
        );
    }
    let mut want_points: BTreeMap<String, usize> = BTreeMap::new();
    for (i, a) in fx::ADDRESSES.iter().enumerate() {
        let p = if moved[1..].contains(&(i as u64)) {
            "202"
        } else {
            a.0
        };
        *want_points.entry(p.to_string()).or_default() += 1;
    }
    let want_per: BTreeMap<String, (u64, usize)> = want
        .iter()
        .map(|(k, v)| (k.clone(), (*v, want_points[k])))
        .collect();
    assert_eq!(per, want_per);

    for (file, magic) in [
        ("plan-appendix3.ru.csv", &b"\xEF\xBB\xBF"[..]),
        ("plan-appendix3.kk.csv", &b"\xEF\xBB\xBF"[..]),
        ("plan-appendix3.ru.xlsx", &b"PK"[..]),
        ("plan-appendix3.kk.xlsx", &b"PK"[..]),
    ] {
        let (st, b) = send(
            &s,
            Request::get(format!("/download/{file}"))
                .header("host", "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{file}");
        assert!(b.starts_with(magic), "{file}");
    }
    // The Russian table gives Сатпаева 32 to 202 and 30 to 103.
    let (_, b) = send(
        &s,
        Request::get("/download/plan-appendix3.ru.csv")
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let text = String::from_utf8(b.to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("Сатпаева")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows.iter()
            .any(|r| r.contains(",103,") && r.ends_with(",30"))
    );
    assert!(
        rows.iter()
            .any(|r| r.contains(",202,") && r.ends_with(",32"))
    );
}

/// The whole loop on the demo: check, move addresses of an overfull precinct on the plan,
/// export the planned Appendix 3 lists, check again with them as the borders: the voters
/// each precinct has by its list are the planned ones, summed here from `assignment.csv`.
#[tokio::test]
async fn planned_lists_checked_again_give_the_planned_voter_counts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    precincts::demo::generate(d, &precincts::demo::DemoOptions::default()).unwrap();
    let dataset = d.join("dataset.toml");
    let out1 = d.join("out1");
    run_check(&[
        "--dataset",
        dataset.to_str().unwrap(),
        "--out",
        out1.to_str().unwrap(),
    ]);

    // assignment.csv, read here: id → (precinct, voters), the precinct being the polygon's,
    // else the address list's (the demo's gap addresses are listed but in no polygon).
    let mut base: Vec<(String, u64)> = Vec::new();
    let mut r = csv::Reader::from_path(out1.join("assignment.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (pc, lc, vc) = (col("precinct"), col("precinct_by_list"), col("voters"));
    for row in r.records() {
        let row = row.unwrap();
        let p = if row[pc].is_empty() {
            &row[lc]
        } else {
            &row[pc]
        };
        base.push((p.to_string(), row[vc].parse().unwrap()));
    }
    // The polygon column agrees with the report's voters by polygon.
    let mut by_polygon: BTreeMap<String, u64> = BTreeMap::new();
    let mut r = csv::Reader::from_path(out1.join("assignment.csv")).unwrap();
    for row in r.records() {
        let row = row.unwrap();
        *by_polygon.entry(row[pc].to_string()).or_default() += row[vc].parse::<u64>().unwrap();
    }
    let report1: Value =
        serde_json::from_slice(&std::fs::read(out1.join("report.geojson")).unwrap()).unwrap();
    for f in report1["features"].as_array().unwrap() {
        let p = &f["properties"];
        let no = p["precinct"].as_str().unwrap();
        if p["voters"].as_u64().unwrap_or(0) > 0 {
            assert_eq!(by_polygon.get(no).copied(), p["voters"].as_u64(), "{no}");
        }
    }

    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    for (p, v) in &base {
        *sums.entry(p.clone()).or_default() += v;
    }
    let (over, over_n) = sums
        .iter()
        .filter(|(p, _)| !p.is_empty())
        .max_by_key(|(_, v)| **v)
        .map(|(p, v)| (p.clone(), *v))
        .unwrap();
    assert!(over_n > 3000, "the demo plants an overfull precinct");
    let (small, _) = sums
        .iter()
        .filter(|(p, _)| !p.is_empty())
        .min_by_key(|(_, v)| **v)
        .map(|(p, v)| (p.clone(), *v))
        .unwrap();

    // Move the overfull precinct's addresses, in file order, until it is under the cap.
    let s = load(&out1);
    let mut moved = Vec::new();
    let mut left = over_n;
    for (i, (p, v)) in base.iter().enumerate() {
        if *p == over && left > 3000 {
            moved.push(i as u64);
            left -= v;
        }
    }
    let (st, v) = post_edit(&s, json!({"addresses": moved, "precinct": small})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let mut planned = sums.clone();
    for &i in &moved {
        let v = base[i as usize].1;
        *planned.get_mut(&over).unwrap() -= v;
        *planned.get_mut(&small).unwrap() += v;
    }
    let changed = figures(&v["changed"]);
    assert_eq!(changed[&over].1, planned[&over]);
    assert_eq!(changed[&small].1, planned[&small]);

    let (_, lists) = send(
        &s,
        Request::get("/download/plan-appendix3.ru.csv")
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let lists_path = d.join("planned.csv");
    std::fs::write(&lists_path, &lists).unwrap();
    let out2 = d.join("out2");
    run_check(&[
        "--dataset",
        dataset.to_str().unwrap(),
        "--borders",
        lists_path.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    let report: Value =
        serde_json::from_slice(&std::fs::read(out2.join("report.geojson")).unwrap()).unwrap();
    let mut by_list: BTreeMap<String, u64> = BTreeMap::new();
    for f in report["features"].as_array().unwrap() {
        let p = &f["properties"];
        by_list.insert(
            p["precinct"].as_str().unwrap().to_string(),
            p["voters_by_list"].as_u64().unwrap_or(0),
        );
    }
    planned.remove("");
    for (p, want) in &planned {
        assert_eq!(by_list.get(p), Some(want), "precinct {p}");
    }
}

#[tokio::test]
async fn the_openapi_document_names_the_planner_endpoints_and_methods() {
    let (_d, s) = fixture();
    let (_, v) = get(&s, "/api/openapi.json").await;
    for (path, method) in [
        ("/api/plan", "get"),
        ("/api/plan/precincts/{no}/addresses", "get"),
        ("/api/plan/edits", "post"),
        ("/api/plan/edits/{id}", "delete"),
        ("/download/plan.geojson", "get"),
        ("/download/plan-appendix3.kk.xlsx", "get"),
    ] {
        assert!(
            v["paths"][path].get(method).is_some(),
            "{method} {path} documented"
        );
    }
}

/// Regression (issue 10): a planner could name a precinct `=cmd|…` and the planned
/// Appendix 3 CSV carried it as a formula for the next reviewer's spreadsheet.
#[tokio::test]
async fn a_precinct_named_like_a_formula_is_written_as_text() {
    let (_d, s) = fixture();
    let evil = "=cmd|' /C calc'!A0";
    let (st, v) = post_edit(&s, json!({"addresses": [0], "precinct": evil})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, b) = send(
        &s,
        Request::get("/download/plan-appendix3.ru.csv")
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let text = String::from_utf8(b.to_vec()).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let precincts: Vec<String> = r
        .records()
        .map(|rec| rec.unwrap()[1].to_string())
        .filter(|p| p.contains("cmd"))
        .collect();
    assert_eq!(precincts, vec![format!("'{evil}")]);
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula-leading cell: {cell:?}"
            );
        }
    }
}
