//! Router tests: every endpoint through `tower::ServiceExt::oneshot`, without a socket, on the
//! small fixture report in `server_fixture`.

mod server_fixture;

use axum::body::Bytes;
use axum::http::{HeaderMap, Request, StatusCode};
use precincts::server::{AppState, Limits, LoadOptions, ServerError, router};
use serde_json::Value;
use server_fixture as fx;
use std::path::Path;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn state_for(dir: &Path, basemap: Option<std::path::PathBuf>) -> AppState {
    AppState::load(
        dir,
        &LoadOptions {
            basemap,
            warm_tiles_to_zoom: None,
            dataset: None,
        },
    )
    .expect("fixture loads")
}

fn fixture() -> (tempfile::TempDir, AppState) {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    let s = state_for(d.path(), None);
    (d, s)
}

async fn get(s: &AppState, uri: &str) -> (StatusCode, HeaderMap, Bytes) {
    get_with(s, uri, &[("host", "127.0.0.1:8080")]).await
}

/// GET with exactly the given headers (no `Host` unless given).
async fn get_with(
    s: &AppState,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Bytes) {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = router(s.clone())
        .oneshot(req.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body)
}

async fn get_json(s: &AppState, uri: &str) -> (StatusCode, Value) {
    let (st, h, b) = get(s, uri).await;
    assert!(
        h.get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{uri} answers JSON"
    );
    (st, serde_json::from_slice(&b).unwrap())
}

/// Asserts a clear 4xx JSON error that mentions `needle` and leaks no path.
async fn assert_client_error(
    s: &AppState,
    dir: &Path,
    uri: &str,
    status: StatusCode,
    needle: &str,
) {
    let (st, v) = get_json(s, uri).await;
    assert_eq!(st, status, "{uri}: {v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(needle),
        "{uri}: message {msg:?} mentions {needle:?}"
    );
    assert_eq!(v["error"]["status"], status.as_u16());
    let text = v.to_string();
    assert!(
        !text.contains(dir.to_str().unwrap()),
        "{uri}: no path in {text}"
    );
    assert!(!text.contains("/tmp"), "{uri}: no path in {text}");
}

fn numbers_of(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["precinct"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_page_is_served_with_a_self_only_content_security_policy() {
    let (_d, s) = fixture();
    let (st, h, body) = get(&s, "/").await;
    assert_eq!(st, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert!(!csp.contains("http"), "no external host in the CSP: {csp}");
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page names no external host"
    );
    assert!(html.contains("/static/app.js"));
}

/// The Content-Security-Policy parsed into directive -> sources.
fn csp_directives(csp: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    csp.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut w = d.split_whitespace();
            let name = w.next().unwrap().to_string();
            (name, w.map(str::to_string).collect())
        })
        .collect()
}

/// Asserts a response keeps a page on its own origin: a CSP whose fetch directives allow
/// only `'self'` (plus `blob:`/`data:` where MapLibre needs them), no inline or eval'd
/// script, no framing, and `nosniff`.
fn assert_locked_down(uri: &str, h: &HeaderMap) {
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{uri}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    let d = csp_directives(csp);
    let only = |name: &str, allowed: &[&str]| {
        let got = d
            .get(name)
            .unwrap_or_else(|| panic!("{uri}: no {name} in {csp}"));
        assert!(
            got.iter().all(|s| allowed.contains(&s.as_str())),
            "{uri}: {name} allows {got:?}, only {allowed:?} wanted"
        );
    };
    only("default-src", &["'self'"]);
    only("script-src", &["'self'"]);
    only("connect-src", &["'self'"]);
    only("worker-src", &["'self'", "blob:"]);
    only("img-src", &["'self'", "data:", "blob:"]);
    only("object-src", &["'none'"]);
    only("frame-ancestors", &["'none'"]);
    for sources in d.values() {
        for src in sources {
            assert!(
                !src.contains("http") && !src.contains('*') && src != "'unsafe-eval'",
                "{uri}: {src} in {csp}"
            );
        }
    }
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{uri}"
    );
}

#[tokio::test]
async fn every_kind_of_response_carries_the_csp_and_nosniff() {
    let (_d, s) = fixture();
    let (x, y) = tile_of(76.95, 43.225, 9);
    let tile = format!("/api/tiles/9/{x}/{y}.pbf");
    let recon = format!("/api/reconciliation/{}?per_page=1", fx::CAT3);
    let card = format!("/api/precincts/{}", fx::OVERFULL);
    // (uri, status, content type it starts with)
    let cases: Vec<(&str, StatusCode, &str)> = vec![
        ("/", StatusCode::OK, "text/html"),
        ("/static/app.js", StatusCode::OK, "text/javascript"),
        (
            "/static/maplibre-gl-worker.mjs",
            StatusCode::OK,
            "text/javascript",
        ),
        ("/static/style.css", StatusCode::OK, "text/css"),
        ("/api/stats", StatusCode::OK, "application/json"),
        (
            "/api/precincts?flagged=true",
            StatusCode::OK,
            "application/json",
        ),
        (&card, StatusCode::OK, "application/json"),
        (&recon, StatusCode::OK, "application/json"),
        ("/api/plan", StatusCode::OK, "application/json"),
        ("/api/openapi.json", StatusCode::OK, "application/json"),
        (&tile, StatusCode::OK, "application/vnd.mapbox-vector-tile"),
        (
            "/download/report.geojson",
            StatusCode::OK,
            "application/geo+json",
        ),
        ("/download/findings.csv", StatusCode::OK, "text/csv"),
        (
            "/download/reconciliation.xlsx",
            StatusCode::OK,
            "application/vnd.openxmlformats",
        ),
        ("/download/plan.geojson", StatusCode::OK, ""),
        (
            "/download/plan-appendix3.ru.csv",
            StatusCode::OK,
            "text/csv",
        ),
        // Errors too.
        (
            "/api/precincts?sort=colour",
            StatusCode::BAD_REQUEST,
            "application/json",
        ),
        ("/api/nothing", StatusCode::NOT_FOUND, "application/json"),
        (
            "/static/nothing.js",
            StatusCode::NOT_FOUND,
            "application/json",
        ),
    ];
    for (uri, status, ct) in cases {
        let (st, h, _) = get(&s, uri).await;
        assert_eq!(st, status, "{uri}");
        assert!(
            h["content-type"].to_str().unwrap().starts_with(ct),
            "{uri}: {:?}",
            h["content-type"]
        );
        assert_locked_down(uri, &h);
    }
}

/// Regression (issue 10): the Host/Origin guard covered only POST and DELETE, so a page whose
/// DNS name was rebound to 127.0.0.1 could read full IINs and the workbook with GET.
#[tokio::test]
async fn a_dns_rebinding_page_cannot_read_revealed_iins_or_the_workbook() {
    let (_d, s) = fixture();
    let reveal = format!("/api/reconciliation/{}?per_page=10&reveal=true", fx::CAT3);
    let personal = [
        reveal.as_str(),
        "/download/reconciliation.xlsx?reveal=true",
        "/download/reconciliation.xlsx",
        "/download/findings.csv",
        "/api/plan",
        "/",
        "/api/nothing",
    ];
    for uri in personal {
        for (host, origin) in [
            ("evil.example:8080", None),
            ("evil.example", Some("http://evil.example")),
            ("127.0.0.1.nip.io:8080", None),
            ("127.0.0.1:8080", Some("http://evil.example:8080")),
            ("127.0.0.1:8080", Some("null")),
        ] {
            let mut h = vec![("host", host)];
            h.extend(origin.map(|o| ("origin", o)));
            let (st, headers, b) = get_with(&s, uri, &h).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{uri} with {h:?}");
            assert_eq!(headers["cache-control"], "no-store", "{uri}");
            let text = String::from_utf8(b.to_vec()).unwrap();
            assert!(!text.contains(fx::IIN), "{uri}: {text}");
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["error"]["code"], "forbidden", "{uri}");
        }
        let (st, _, _) = get_with(&s, uri, &[]).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{uri} without a Host");
    }
    let (_, _, b) = get_with(&s, &reveal, &[("host", "evil.example:8080")]).await;
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        v["error"]["message"],
        "the map is served only through localhost or an IP address, not a host name \
         (open http://127.0.0.1:PORT/)"
    );
}

#[tokio::test]
async fn the_map_is_read_through_loopback_names_and_the_bind_address() {
    let (_d, s) = fixture();
    let reveal = format!("/api/reconciliation/{}?per_page=10&reveal=true", fx::CAT3);
    for (host, origin) in [
        ("127.0.0.1:8080", None),
        ("localhost:8080", Some("http://localhost:8080")),
        ("[::1]:8080", Some("http://[::1]:8080")),
        ("192.168.1.5:8080", Some("http://192.168.1.5:8080")),
    ] {
        let mut h = vec![("host", host)];
        h.extend(origin.map(|o| ("origin", o)));
        let (st, _, b) = get_with(&s, &reveal, &h).await;
        assert_eq!(st, StatusCode::OK, "{h:?}");
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["rows"][0][1], fx::IIN, "{h:?}");
    }
}

/// Regression (issue 10): the workbook and other downloads of personal data came without
/// `Cache-Control`, so the browser could keep them on disk.
#[tokio::test]
async fn responses_with_personal_data_are_never_stored_in_a_cache() {
    let (_d, s) = fixture();
    let (x, y) = tile_of(76.95, 43.225, 9);
    let tile = format!("/api/tiles/9/{x}/{y}.pbf");
    let list = format!("/api/reconciliation/{}?per_page=10", fx::CAT3);
    let reveal = format!("{list}&reveal=true");
    let card = format!("/api/precincts/{}", fx::OVERFULL);
    for uri in [
        list.as_str(),
        &reveal,
        "/api/reconciliation/stats",
        &card,
        "/api/findings",
        "/api/search?q=102",
        "/api/plan",
        &tile,
        "/download/reconciliation.xlsx",
        "/download/reconciliation.xlsx?reveal=true",
        "/download/findings.csv",
        "/download/report.geojson",
        "/download/plan.geojson",
        "/download/plan-appendix3.ru.csv",
        "/download/plan-appendix3.kk.xlsx",
        "/api/reconciliation/42",
    ] {
        let (st, h, _) = get(&s, uri).await;
        assert_ne!(st, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(
            h.get_all("cache-control").iter().collect::<Vec<_>>(),
            ["no-store"],
            "{uri}"
        );
    }
    // The embedded page and scripts hold no data; they are revalidated, not forbidden.
    for uri in ["/", "/static/app.js"] {
        let (_, h, _) = get(&s, uri).await;
        assert_eq!(h["cache-control"], "no-cache", "{uri}");
    }
}

/// The sheets of an XLSX as rows of displayed values.
fn xlsx_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

/// Regression (issue 10): `/download/reconciliation.xlsx` served the full IINs to anyone
/// who clicked it; it is masked as the API masks, unless revealed the way the API allows.
#[tokio::test]
async fn the_reconciliation_workbook_is_masked_unless_revealed() {
    let (d, s) = fixture();
    let on_disk = std::fs::read(d.path().join("reconciliation/reconciliation.xlsx")).unwrap();
    let (st, h, b) = get(&s, "/download/reconciliation.xlsx").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        h["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let row = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        xlsx_sheets(&b),
        vec![
            (
                "3".to_string(),
                vec![
                    row(&[
                        "Учаске / Участок",
                        "ЖСН / ИИН",
                        "Жазба коды / Код записи",
                        "Себеп / Причина"
                    ]),
                    row(&[
                        fx::OVERFULL,
                        "900101******",
                        "1",
                        "registered elsewhere (ЖСН/ИИН 900101******)"
                    ]),
                    row(&[fx::CROSS, "901013*****", "2", ""]),
                ]
            ),
            ("stats".to_string(), vec![row(&["records", "120"])]),
        ]
    );
    let (st, _, b) = get(&s, "/download/reconciliation.xlsx?reveal=true").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        b.as_ref(),
        on_disk.as_slice(),
        "revealed: the file as written"
    );
    let (st, _, b) = get(&s, "/download/reconciliation.xlsx?reveal=false").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(xlsx_sheets(&b)[0].1[1][1], "900101******");
    assert_client_error(
        &s,
        d.path(),
        "/download/reconciliation.xlsx?reveal=please",
        StatusCode::BAD_REQUEST,
        "reveal",
    )
    .await;
    assert_client_error(
        &s,
        d.path(),
        "/download/findings.csv?reveal=true",
        StatusCode::BAD_REQUEST,
        "unknown parameter",
    )
    .await;
}

/// Regression (issue 10): findings.csv passed cells that start with `=`, `+`, `-`, `@` to
/// the spreadsheet as formulas (a street or a record named by the data's author).
#[tokio::test]
async fn findings_csv_is_served_without_formula_cells() {
    let (d, s) = fixture();
    std::fs::write(
        d.path().join("findings.csv"),
        "\u{feff}code,severity,precinct,subject,message\n\
         ADDRESS_UNKNOWN,warning,101,=HYPERLINK(\"http://e.example\"),+7 701\n\
         ADDRESS_UNKNOWN,warning,101,-5,@SUM(A1)\n\
         ADDRESS_UNKNOWN,warning,101,\tx,'=already\n",
    )
    .unwrap();
    let (st, h, b) = get(&s, "/download/findings.csv").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        String::from_utf8(b.to_vec()).unwrap(),
        "\u{feff}code,severity,precinct,subject,message\n\
         ADDRESS_UNKNOWN,warning,101,\"'=HYPERLINK(\"\"http://e.example\"\")\",'+7 701\n\
         ADDRESS_UNKNOWN,warning,101,'-5,'@SUM(A1)\n\
         ADDRESS_UNKNOWN,warning,101,'\tx,'=already\n"
    );
}

/// Regression (issue 10): API responses carried absolute paths of the user's machine (the
/// summary's inputs, a finding's file, the reconciliation's source column).
#[tokio::test]
async fn api_responses_name_files_relative_to_the_dataset_not_the_machine() {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    let home = "/home/commission/election";
    let edit_json = |file: &str, f: &dyn Fn(&mut Value)| {
        let p = d.path().join(file);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, v.to_string()).unwrap();
    };
    edit_json("summary.json", &|v| {
        v["inputs"] = serde_json::json!({
            "voters": format!("{home}/voters.csv"),
            "borders": format!("{home}/lists/borders.csv"),
        });
        v["accounting"][0]["file"] = format!("{home}/voters.csv").into();
    });
    let report_dir = d.path().to_str().unwrap().to_string();
    edit_json("findings.geojson", &|v| {
        let p = &mut v["features"][0]["properties"];
        p["file"] = format!("{home}/lists/borders.csv").into();
        p["message"] = format!("see {report_dir}/rejects.csv").into();
    });
    std::fs::write(
        d.path().join(format!("reconciliation/{}.csv", fx::CAT1)),
        format!(
            "\u{feff}Учаске / Участок,Жазба коды / Код записи,Дереккөз / Источник\n\
             101,5,{home}/sailau/refs/emigrated.csv:2\n\
             101,6,/media/usb/register.csv:5\n"
        ),
    )
    .unwrap();
    let s = state_for(d.path(), None);
    let (_, stats) = get_json(&s, "/api/stats").await;
    assert_eq!(
        stats["summary"]["inputs"],
        serde_json::json!({"voters": "voters.csv", "borders": "lists/borders.csv"})
    );
    assert_eq!(stats["summary"]["accounting"][0]["file"], "voters.csv");
    let (_, f) = get_json(&s, "/api/findings?per_page=1").await;
    assert_eq!(f["items"][0]["file"], "lists/borders.csv");
    assert_eq!(f["items"][0]["message"], "see rejects.csv");
    let (_, r) = get_json(&s, &format!("/api/reconciliation/{}", fx::CAT1)).await;
    assert_eq!(r["rows"][0][2], "sailau/refs/emigrated.csv:2");
    assert_eq!(r["rows"][1][2], "register.csv:5");
    let precinct = f["items"][0]["precinct"].as_str().unwrap().to_string();
    for uri in [
        "/api/stats".to_string(),
        "/api/findings?per_page=1000".to_string(),
        format!("/api/precincts/{precinct}"),
        format!("/api/reconciliation/{}?reveal=true", fx::CAT1),
        "/api/reconciliation/stats".to_string(),
        "/api/plan".to_string(),
        "/api/meta".to_string(),
    ] {
        let (_, _, b) = get(&s, &uri).await;
        let text = String::from_utf8(b.to_vec()).unwrap();
        for p in [home, "/media/usb", &report_dir] {
            assert!(!text.contains(p), "{uri} names {p}: {text:.300}");
        }
    }
}

#[tokio::test]
async fn maplibre_and_the_page_scripts_are_embedded() {
    let (_d, s) = fixture();
    for (path, ct) in [
        ("/static/maplibre-gl.mjs", "text/javascript"),
        ("/static/maplibre-gl-worker.mjs", "text/javascript"),
        ("/static/maplibre-gl.css", "text/css"),
        ("/static/app.js", "text/javascript"),
        ("/static/style.css", "text/css"),
    ] {
        let (st, h, b) = get(&s, path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert!(
            h["content-type"].to_str().unwrap().starts_with(ct),
            "{path}"
        );
        assert!(b.len() > 1000, "{path} is not empty");
    }
    let (st, _, _) = get(&s, "/static/nothing.js").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_precinct_list_filters_by_flag_code_and_unit() {
    let (_d, s) = fixture();
    let (st, v) = get_json(&s, "/api/precincts?per_page=100").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["total"], 5);
    assert_eq!(numbers_of(&v), vec!["101", "102", "103", "201", "202"]);

    let (_, v) = get_json(&s, "/api/precincts?flagged=true&sort=precinct").await;
    assert_eq!(numbers_of(&v), vec!["102", "103", "201"]);

    let (_, v) = get_json(&s, "/api/precincts?code=PRECINCT_OVER_CAP").await;
    assert_eq!(numbers_of(&v), vec![fx::OVERFULL]);
    assert_eq!(v["items"][0]["voters"], fx::OVERFULL_VOTERS);

    let (_, v) = get_json(
        &s,
        &format!("/api/precincts?unit={}&sort=precinct", fx::UNIT_B),
    )
    .await;
    assert_eq!(numbers_of(&v), vec!["201", "202"]);

    // Load = max(voters, listed) / 3000: 102 has the highest.
    let (_, v) = get_json(&s, "/api/precincts?sort=load&order=desc&per_page=2").await;
    assert_eq!(numbers_of(&v), vec!["102", "201"]);
    assert_eq!(v["per_page"], 2);

    let (_, v) = get_json(&s, "/api/precincts?sort=precinct&page=2&per_page=2").await;
    assert_eq!(numbers_of(&v), vec!["103", "201"]);

    // Label points inside a box around the west district's southern half.
    let (_, v) = get_json(
        &s,
        "/api/precincts?bbox=76.9,43.2,76.94,43.225&sort=precinct",
    )
    .await;
    assert_eq!(numbers_of(&v), vec!["101", "102"]);
}

#[tokio::test]
async fn bad_list_parameters_are_clear_400s() {
    let (d, s) = fixture();
    let dir = d.path();
    let bad = StatusCode::BAD_REQUEST;
    assert_client_error(&s, dir, "/api/precincts?flagged=maybe", bad, "flagged").await;
    assert_client_error(&s, dir, "/api/precincts?code=NOT_A_CODE", bad, "code").await;
    assert_client_error(&s, dir, "/api/precincts?unit=abc", bad, "unit").await;
    assert_client_error(&s, dir, "/api/precincts?sort=colour", bad, "sort").await;
    assert_client_error(&s, dir, "/api/precincts?order=up", bad, "order").await;
    assert_client_error(&s, dir, "/api/precincts?per_page=0", bad, "per_page").await;
    assert_client_error(&s, dir, "/api/precincts?page=-1", bad, "page").await;
    assert_client_error(&s, dir, "/api/precincts?bbox=1,2,3", bad, "bbox").await;
    assert_client_error(&s, dir, "/api/precincts?colour=red", bad, "colour").await;
    assert_client_error(
        &s,
        dir,
        "/api/precincts?page=1&page=2",
        bad,
        "more than once",
    )
    .await;
    assert_client_error(&s, dir, "/api/stats?x=1", bad, "unknown parameter").await;
}

#[tokio::test]
async fn a_precinct_card_has_its_numbers_station_findings_and_reconciliation() {
    let (_d, s) = fixture();
    let (st, v) = get_json(&s, &format!("/api/precincts/{}", fx::OVERFULL)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["precinct"], fx::OVERFULL);
    assert_eq!(v["numbers"]["by_polygon"], fx::OVERFULL_VOTERS);
    assert_eq!(v["numbers"]["by_list"], fx::OVERFULL_LISTED);
    assert_eq!(v["numbers"]["by_address_list"], fx::OVERFULL_BY_LIST);
    assert_eq!(v["numbers"]["cap"], 3000);
    assert_eq!(v["station"]["facility"], "Гимназия № 25");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["code"], "PRECINCT_OVER_CAP");
    assert_eq!(v["border_entries"][1], "пр. Достык 5");
    // recon(2): category c has (2 + 3c) % 11.
    let expected: Vec<u64> = (1..=9u64).map(|c| (2 + 3 * c) % 11).collect();
    for (c, n) in (1..=9).zip(&expected) {
        assert_eq!(v["reconciliation"][c.to_string()], *n);
    }
    assert_eq!(v["reconciliation"]["total"], expected.iter().sum::<u64>());
    assert_eq!(v["bbox"], serde_json::json!([76.92, 43.2, 76.94, 43.225]));
}

#[tokio::test]
async fn an_unknown_precinct_is_a_404_with_its_number() {
    let (d, s) = fixture();
    assert_client_error(
        &s,
        d.path(),
        "/api/precincts/999",
        StatusCode::NOT_FOUND,
        "999",
    )
    .await;
    assert_client_error(
        &s,
        d.path(),
        "/api/precincts/101?x=1",
        StatusCode::BAD_REQUEST,
        "unknown",
    )
    .await;
}

#[tokio::test]
async fn findings_filter_by_code_unit_and_precinct_and_page() {
    let (d, s) = fixture();
    let (_, v) = get_json(&s, "/api/findings").await;
    assert_eq!(v["total"], 3);
    let (_, v) = get_json(&s, "/api/findings?code=PRECINCT_CROSSES_ADMIN_BOUNDARY").await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["precinct"], fx::CROSS);
    assert_eq!(
        v["items"][0]["bbox"],
        serde_json::json!([76.95, 43.2, 76.96, 43.225])
    );
    let (_, v) = get_json(&s, &format!("/api/findings?unit={}", fx::UNIT_B)).await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["code"], "VOTER_IN_OTHER_PRECINCT");
    let (_, v) = get_json(&s, "/api/findings?precinct=102").await;
    assert_eq!(v["total"], 1);
    let (_, v) = get_json(&s, "/api/findings?page=9").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert_client_error(
        &s,
        d.path(),
        "/api/findings?per_page=5000",
        StatusCode::BAD_REQUEST,
        "per_page",
    )
    .await;
    assert_client_error(
        &s,
        d.path(),
        "/api/findings?code=over",
        StatusCode::BAD_REQUEST,
        "code",
    )
    .await;
}

#[tokio::test]
async fn statistics_count_the_planted_problems() {
    let (_d, s) = fixture();
    let (_, v) = get_json(&s, "/api/stats").await;
    assert_eq!(v["precincts"], 5);
    assert_eq!(v["flagged"], 3);
    assert_eq!(v["overfull"], 1);
    assert_eq!(v["cross_boundary"], 1);
    assert_eq!(v["findings"], 3);
    assert_eq!(v["findings_by_code"]["PRECINCT_OVER_CAP"], 1);
    assert_eq!(v["summary"]["cap"], 3000);
    assert_eq!(
        v["summary"]["accounting"][0]["file"], "voters.csv",
        "no folders in the summary"
    );
    let (_, v) = get_json(&s, "/api/codes").await;
    let over = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "PRECINCT_OVER_CAP")
        .unwrap();
    assert_eq!(over["title_kk"], "Сайлаушылар саны шектен асқан");
    let (_, v) = get_json(&s, "/api/admin").await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["name"], fx::UNIT_B_NAME);
    let (_, v) = get_json(&s, "/api/meta").await;
    assert_eq!(v["precincts"], 5);
    assert_eq!(v["reconciliation"], true);
    assert_eq!(v["bounds"], serde_json::json!([76.9, 43.2, 77.0, 43.25]));
}

#[tokio::test]
async fn reconciliation_statistics_sum_per_precinct_and_per_district() {
    let (_d, s) = fixture();
    let (st, v) = get_json(&s, "/api/reconciliation/stats").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["stats"]["totals"]["records"], 12);
    assert_eq!(v["by_precinct"].as_array().unwrap().len(), 5);
    // District B holds precincts 201 (recon(4)) and 202 (recon(5)).
    let b = v["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["admin_unit"] == fx::UNIT_B)
        .unwrap();
    let expected: u64 = (1..=9u64)
        .map(|c| (4 + 3 * c) % 11 + (5 + 3 * c) % 11)
        .sum();
    assert_eq!(b["counts"]["total"].as_f64().unwrap(), expected as f64);
    let cats: Vec<&str> = v["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats, vec![fx::CAT1, fx::CAT3]);
    assert_eq!(v["categories"][1]["number"], 3);
    assert_eq!(
        v["categories"][1]["title"]["ru"],
        "Повторное включение в список одного участка"
    );
    assert_eq!(
        v["category_titles"]["3"]["en"],
        "Twice in one precinct's list"
    );
}

#[tokio::test]
async fn iins_are_masked_to_six_digits_unless_revealed() {
    let (d, s) = fixture();
    let (st, v) = get_json(&s, &format!("/api/reconciliation/{}?per_page=10", fx::CAT3)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["total"], 120);
    assert_eq!(v["columns"][1], "ЖСН / ИИН");
    assert_eq!(
        v["columns"][0], "Учаске / Участок",
        "the BOM is not part of the header"
    );
    assert_eq!(v["rows"][0][1], "900101******");
    assert!(
        !v.to_string().contains(fx::IIN),
        "not even inside a text cell"
    );
    assert_eq!(
        v["rows"][0][3],
        "registered elsewhere (ЖСН/ИИН 900101******)"
    );
    let (_, v) = get_json(
        &s,
        &format!("/api/reconciliation/{}?per_page=10&reveal=true", fx::CAT3),
    )
    .await;
    assert_eq!(v["rows"][0][1], fx::IIN);
    assert!(v["rows"][0][3].as_str().unwrap().contains(fx::IIN));
    let (_, v) = get_json(
        &s,
        &format!("/api/reconciliation/{}?page=12&per_page=10", fx::CAT3),
    )
    .await;
    assert_eq!(v["rows"].as_array().unwrap().len(), 10);
    let (_, v) = get_json(
        &s,
        &format!("/api/reconciliation/{}?precinct={}", fx::CAT3, fx::CROSS),
    )
    .await;
    assert_eq!(v["total"], 60);
    assert_client_error(
        &s,
        d.path(),
        "/api/reconciliation/42",
        StatusCode::NOT_FOUND,
        "available: cat1_identification, cat3_twice_in_precinct",
    )
    .await;
    assert_client_error(
        &s,
        d.path(),
        &format!("/api/reconciliation/{}?reveal=please", fx::CAT3),
        StatusCode::BAD_REQUEST,
        "reveal",
    )
    .await;
}

#[tokio::test]
async fn a_report_without_reconciliation_says_so() {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    std::fs::remove_dir_all(d.path().join("reconciliation")).unwrap();
    let report = d.path().join("report.geojson");
    let text = std::fs::read_to_string(&report)
        .unwrap()
        .replace("\"reconciliation\"", "\"reconciliation_x\"");
    std::fs::write(&report, text).unwrap();
    let s = state_for(d.path(), None);
    assert_client_error(
        &s,
        d.path(),
        "/api/reconciliation/stats",
        StatusCode::NOT_FOUND,
        "no reconciliation",
    )
    .await;
    assert_client_error(
        &s,
        d.path(),
        "/download/reconciliation.xlsx",
        StatusCode::NOT_FOUND,
        "not in this report",
    )
    .await;
}

#[tokio::test]
async fn search_finds_numbers_kato_codes_and_addresses() {
    let (d, s) = fixture();
    let (_, v) = get_json(&s, "/api/search?q=102").await;
    assert_eq!(v["results"][0]["kind"], "precinct");
    assert_eq!(v["results"][0]["id"], "102");
    let (_, v) = get_json(&s, "/api/search?q=7513").await;
    assert_eq!(v["results"][0]["kind"], "admin");
    assert_eq!(v["results"][0]["id"], fx::UNIT_B);
    let (_, v) = get_json(&s, "/api/search?q=%D0%94%D0%BE%D1%81%D1%82%D1%8B%D0%BA").await; // "Достык"
    assert_eq!(v["results"][0]["id"], fx::OVERFULL);
    let (_, v) = get_json(&s, "/api/search?q=nowhere").await;
    assert_eq!(v["results"].as_array().unwrap().len(), 0);
    assert_client_error(
        &s,
        d.path(),
        "/api/search",
        StatusCode::BAD_REQUEST,
        "required",
    )
    .await;
    let long = "a".repeat(101);
    assert_client_error(
        &s,
        d.path(),
        &format!("/api/search?q={long}"),
        StatusCode::BAD_REQUEST,
        "100",
    )
    .await;
}

/// Layer name -> feature count of an MVT tile (a reader independent of the server's writer).
fn mvt_layers(b: &[u8]) -> Vec<(String, usize)> {
    fn varint(b: &[u8], p: &mut usize) -> u64 {
        let mut v = 0;
        let mut s = 0;
        loop {
            let x = b[*p];
            *p += 1;
            v |= u64::from(x & 0x7f) << s;
            if x < 0x80 {
                return v;
            }
            s += 7;
        }
    }
    fn fields(b: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut p = 0;
        let mut out = Vec::new();
        while p < b.len() {
            let k = varint(b, &mut p);
            match k & 7 {
                0 => {
                    let v = varint(b, &mut p);
                    out.push((k >> 3, v.to_le_bytes().to_vec()));
                }
                1 => {
                    out.push((k >> 3, b[p..p + 8].to_vec()));
                    p += 8;
                }
                2 => {
                    let n = varint(b, &mut p) as usize;
                    out.push((k >> 3, b[p..p + n].to_vec()));
                    p += n;
                }
                w => panic!("wire type {w}"),
            }
        }
        out
    }
    fields(b)
        .into_iter()
        .filter(|(f, _)| *f == 3)
        .map(|(_, layer)| {
            let lf = fields(&layer);
            let name = lf
                .iter()
                .find(|(f, _)| *f == 1)
                .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
                .unwrap();
            (name, lf.iter().filter(|(f, _)| *f == 2).count())
        })
        .collect()
}

/// The slippy-map tile holding a point (the standard Web Mercator formula).
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let l = lat.to_radians();
    let y =
        ((1.0 - (l.tan() + 1.0 / l.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

#[tokio::test]
async fn a_vector_tile_holds_every_layer_of_the_fixture() {
    let (_d, s) = fixture();
    // The whole fixture (76.90–77.00, 43.20–43.25) lies in one zoom-9 tile.
    let (x, y) = tile_of(76.95, 43.225, 9);
    assert_eq!(tile_of(76.90, 43.25, 9), (x, y));
    assert_eq!(tile_of(77.00, 43.20, 9), (x, y));
    let (st, h, b) = get(&s, &format!("/api/tiles/9/{x}/{y}.pbf")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
    let mut layers = mvt_layers(&b);
    layers.sort();
    assert_eq!(
        layers,
        vec![
            ("admin".into(), 2),
            ("findings".into(), 2),
            ("precincts".into(), 5),
            ("stations".into(), 4)
        ]
    );
    // A tile far away is empty.
    let (st, _, b) = get(&s, "/api/tiles/9/0/0").await;
    assert_eq!(st, StatusCode::OK);
    assert!(b.is_empty());
}

#[tokio::test]
async fn bad_tile_coordinates_are_400s() {
    let (d, s) = fixture();
    let bad = StatusCode::BAD_REQUEST;
    assert_client_error(&s, d.path(), "/api/tiles/23/0/0", bad, "z from 0").await;
    assert_client_error(&s, d.path(), "/api/tiles/2/4/0", bad, "below 4").await;
    assert_client_error(&s, d.path(), "/api/tiles/a/b/c", bad, "whole numbers").await;
    assert_client_error(&s, d.path(), "/api/tiles/1/0/0?x=1", bad, "unknown").await;
}

#[tokio::test]
async fn downloads_serve_the_report_files_and_nothing_else() {
    let (d, s) = fixture();
    let (st, h, b) = get(&s, "/download/report.geojson").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("report.geojson")
    );
    assert_eq!(
        b.as_ref(),
        std::fs::read(d.path().join("report.geojson"))
            .unwrap()
            .as_slice()
    );
    let (st, h, b) = get(&s, "/download/findings.csv").await;
    assert_eq!(st, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(b.starts_with(b"code,severity"));
    let (st, _, b) = get(&s, "/download/reconciliation.xlsx").await;
    assert_eq!(st, StatusCode::OK);
    assert!(b.starts_with(b"PK"), "an XLSX is a zip");
    assert_client_error(
        &s,
        d.path(),
        "/download/summary.json",
        StatusCode::NOT_FOUND,
        "downloads are",
    )
    .await;
    assert_client_error(
        &s,
        d.path(),
        "/download/..%2F..%2Fetc%2Fpasswd",
        StatusCode::NOT_FOUND,
        "downloads are",
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_names_every_endpoint() {
    let (_d, s) = fixture();
    let (st, v) = get_json(&s, "/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["openapi"], "3.1.0");
    for p in [
        "/api/precincts",
        "/api/precincts/{no}",
        "/api/findings",
        "/api/stats",
        "/api/search",
        "/api/reconciliation/stats",
        "/api/reconciliation/{category}",
        "/api/tiles/{z}/{x}/{y}",
        "/download/{file}",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} documented");
    }
}

#[tokio::test]
async fn an_unknown_endpoint_is_a_json_404() {
    let (d, s) = fixture();
    assert_client_error(
        &s,
        d.path(),
        "/api/nothing",
        StatusCode::NOT_FOUND,
        "no such endpoint",
    )
    .await;
}

#[test]
fn loading_a_directory_without_a_report_names_the_missing_file() {
    let d = tempfile::tempdir().unwrap();
    let e = AppState::load(d.path(), &LoadOptions::default())
        .err()
        .unwrap();
    assert!(matches!(
        e,
        ServerError::Missing {
            file: "report.geojson",
            ..
        }
    ));
    std::fs::write(d.path().join("report.geojson"), "{not json").unwrap();
    let e = AppState::load(d.path(), &LoadOptions::default())
        .err()
        .unwrap();
    assert!(matches!(
        e,
        ServerError::Parse {
            file: "report.geojson",
            ..
        }
    ));
}

#[tokio::test]
async fn without_a_basemap_basemap_tiles_are_404() {
    let (d, s) = fixture();
    assert_client_error(
        &s,
        d.path(),
        "/basemap/0/0/0",
        StatusCode::NOT_FOUND,
        "no basemap",
    )
    .await;
}

#[tokio::test]
async fn an_mbtiles_basemap_is_served_with_the_tms_row_flipped() {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    let mb = d.path().join("base.mbtiles");
    {
        let c = rusqlite::Connection::open(&mb).unwrap();
        c.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             INSERT INTO metadata VALUES ('format', 'png'), ('minzoom', '0'), ('maxzoom', '2');",
        )
        .unwrap();
        // XYZ 2/1/0 is TMS row 3.
        c.execute(
            "INSERT INTO tiles VALUES (2, 1, 3, ?1)",
            [b"\x89PNG-tile".to_vec()],
        )
        .unwrap();
    }
    let s = state_for(d.path(), Some(mb));
    let (st, h, b) = get(&s, "/basemap/2/1/0.png").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(b.as_ref(), b"\x89PNG-tile");
    let (st, _, _) = get(&s, "/basemap/2/1/3.png").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, v) = get_json(&s, "/api/meta").await;
    assert_eq!(v["basemap"]["kind"], "png");
}

#[tokio::test]
async fn a_pmtiles_basemap_is_served_from_its_directory() {
    let d = tempfile::tempdir().unwrap();
    fx::write_fixture(d.path());
    // A v3 archive, uncompressed directories, one MVT tile at z1/x1/y0 (tile id 4 by the
    // spec's Hilbert numbering: z0 has id 0, z1 ids 1..4 in order (0,0) (0,1) (1,1) (1,0)).
    let tile = b"vector-tile-bytes".to_vec();
    let mut dir = Vec::new();
    for v in [1u8, 4, 1, tile.len() as u8, 1] {
        dir.push(v); // num entries, tile id delta, run length, length, offset+1 (all < 128)
    }
    let root_off = 127u64;
    let meta = br#"{"vector_layers":[{"id":"roads"}]}"#;
    let meta_off = root_off + dir.len() as u64;
    let data_off = meta_off + meta.len() as u64;
    let mut h = vec![0u8; 127];
    h[0..7].copy_from_slice(b"PMTiles");
    h[7] = 3;
    let put = |h: &mut Vec<u8>, at: usize, v: u64| h[at..at + 8].copy_from_slice(&v.to_le_bytes());
    put(&mut h, 8, root_off);
    put(&mut h, 16, dir.len() as u64);
    put(&mut h, 24, meta_off);
    put(&mut h, 32, meta.len() as u64);
    put(&mut h, 40, data_off);
    put(&mut h, 48, 0);
    put(&mut h, 56, data_off);
    put(&mut h, 64, tile.len() as u64);
    h[97] = 1; // internal compression: none
    h[98] = 1; // tile compression: none
    h[99] = 1; // MVT
    h[100] = 0;
    h[101] = 1;
    let mut file = h;
    file.extend_from_slice(&dir);
    file.extend_from_slice(meta);
    file.extend_from_slice(&tile);
    let p = d.path().join("base.pmtiles");
    std::fs::write(&p, file).unwrap();
    let s = state_for(d.path(), Some(p));
    let (st, h, b) = get(&s, "/basemap/1/1/0").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(b.as_ref(), tile.as_slice());
    let (st, _, _) = get(&s, "/basemap/1/0/0").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (_, v) = get_json(&s, "/api/meta").await;
    assert_eq!(v["basemap"]["vector_layers"][0], "roads");
}

#[tokio::test]
async fn a_datasets_address_points_are_searched_and_tiled_at_high_zoom() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    fx::write_fixture(&out);
    // Without the check's assignment.csv (whose points the planner would draw instead), the
    // points come from the dataset itself.
    std::fs::remove_file(out.join("assignment.csv")).unwrap();
    std::fs::write(
        d.path().join("addresses.csv"),
        "locality,street,house,lon,lat\nАлматы,проспект Достык,5,76.93,43.21\nАлматы,улица Абая,10,76.91,43.21\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("dataset.toml"),
        "addresses = \"addresses.csv\"\n",
    )
    .unwrap();
    let s = AppState::load(
        &out,
        &LoadOptions {
            dataset: Some(d.path().join("dataset.toml")),
            ..Default::default()
        },
    )
    .unwrap();
    let (_, v) = get_json(&s, "/api/search?q=%D0%B0%D0%B1%D0%B0%D1%8F").await; // "абая"
    let addr: Vec<&Value> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "address")
        .collect();
    assert_eq!(addr.len(), 1, "{v}");
    assert_eq!(addr[0]["point"], serde_json::json!([76.91, 43.21]));
    let (x, y) = tile_of(76.93, 43.21, 14);
    let (_, _, b) = get(&s, &format!("/api/tiles/14/{x}/{y}")).await;
    let layers = mvt_layers(&b);
    assert!(layers.contains(&("addresses".to_string(), 1)), "{layers:?}");
    // Below zoom 14 there are no address points.
    let (x, y) = tile_of(76.93, 43.21, 13);
    let (_, _, b) = get(&s, &format!("/api/tiles/13/{x}/{y}")).await;
    assert!(!mvt_layers(&b).iter().any(|(n, _)| n == "addresses"));
}

/// GET over a real socket (HTTP/1.1, the body as JSON).
fn http_json(addr: &str, path: &str) -> Value {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "{path}: {}",
        &resp[..resp.len().min(200)]
    );
    let body = &resp[resp.find("\r\n\r\n").unwrap() + 4..];
    serde_json::from_str(body).unwrap()
}

#[test]
fn serve_with_a_dataset_checks_it_then_serves_the_report() {
    use std::io::BufRead;
    let bin = env!("CARGO_BIN_EXE_precincts");
    let d = tempfile::tempdir().unwrap();
    let demo = d.path().join("demo");
    let town = precincts::demo::generate(&demo, &precincts::demo::DemoOptions::default()).unwrap();
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--dataset"])
        .arg(demo.join("dataset.toml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("Open http://")
        .map(|a| a.trim_end_matches('/').to_string());
    let result = std::panic::catch_unwind(|| {
        let addr = addr.expect("serve prints the address to open");
        // serve --dataset wrote the report into <dataset dir>/out and serves it.
        let report: Value =
            serde_json::from_slice(&std::fs::read(demo.join("out/report.geojson")).unwrap())
                .unwrap();
        let n = report["features"].as_array().unwrap().len();
        let stats = http_json(&addr, "/api/stats");
        assert_eq!(stats["precincts"], n);
        // Flagged: the precincts the generator planted a finding in (its expected.json, not
        // the check); an overlap, keyed by the smaller number, flags both.
        let expected: Value =
            serde_json::from_slice(&std::fs::read(demo.join("expected.json")).unwrap()).unwrap();
        let mut planted: std::collections::BTreeSet<String> = expected["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["precinct"].as_str().map(str::to_string))
            .collect();
        for (a, b) in &town.planted.overlap {
            planted.extend([a.as_str().to_string(), b.as_str().to_string()]);
        }
        assert_eq!(stats["flagged"], planted.len(), "{planted:?}");
        let meta = http_json(&addr, "/api/meta");
        assert!(
            meta["addresses"].as_u64().unwrap() > 0,
            "the dataset's address points are loaded"
        );
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// Serves the fixture on a free loopback port under `limits`, for the socket tests.
async fn serve_fixture(limits: Limits) -> (tempfile::TempDir, std::net::SocketAddr) {
    let (d, s) = fixture();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(precincts::server::serve(
        l,
        router(s),
        limits,
        std::future::pending(),
    ));
    (d, addr)
}

/// Reads until the server closes the connection; what it sent and when it closed.
async fn read_until_closed(c: &mut tokio::net::TcpStream) -> (String, Duration) {
    use tokio::io::AsyncReadExt;
    let t = Instant::now();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut buf))
        .await
        .expect("the server closes the connection")
        .expect("a clean close");
    (String::from_utf8(buf).unwrap(), t.elapsed())
}

const SHORT: Duration = Duration::from_millis(400);

/// Regression (issue 10): slow connections were never timed out, so a client that sends
/// half a request and stalls held a connection (and a task) for ever.
#[tokio::test]
async fn a_client_that_sends_half_a_request_and_stalls_is_disconnected() {
    use tokio::io::AsyncWriteExt;
    let limits = Limits {
        header_read_timeout: SHORT,
        ..Limits::default()
    };
    let (_d, addr) = serve_fixture(limits).await;
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let (sent, after) = read_until_closed(&mut c).await;
    assert_eq!(sent, "", "closed without an answer");
    assert!(
        after >= SHORT - Duration::from_millis(50) && after < SHORT * 5,
        "closed after {after:?}, the limit is {SHORT:?}"
    );
}

#[tokio::test]
async fn idle_connections_are_closed_new_or_kept_alive() {
    use tokio::io::AsyncWriteExt;
    let limits = Limits {
        header_read_timeout: SHORT,
        ..Limits::default()
    };
    let (_d, addr) = serve_fixture(limits).await;
    // Connected, nothing sent.
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sent, after) = read_until_closed(&mut c).await;
    assert_eq!(sent, "");
    assert!(after < SHORT * 5, "closed after {after:?}");
    // One request answered, then silence on the kept-alive connection.
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /api/codes HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
        .await
        .unwrap();
    let (sent, after) = read_until_closed(&mut c).await;
    assert!(sent.starts_with("HTTP/1.1 200 OK\r\n"), "{sent:.80}");
    assert!(after >= SHORT - Duration::from_millis(50) && after < SHORT * 5);
}

#[tokio::test]
async fn a_request_body_that_never_arrives_is_answered_408() {
    use tokio::io::AsyncWriteExt;
    let limits = Limits {
        request_timeout: SHORT,
        ..Limits::default()
    };
    let (_d, addr) = serve_fixture(limits).await;
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(
        b"POST /api/plan/edits HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\
          Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"addr",
    )
    .await
    .unwrap();
    let (sent, after) = read_until_closed(&mut c).await;
    assert!(
        sent.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{sent:.80}"
    );
    assert!(sent.contains("\r\ncache-control: no-store\r\n"), "{sent}");
    assert!(after >= SHORT - Duration::from_millis(50) && after < SHORT * 5);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = Limits {
        header_read_timeout: SHORT,
        max_connections: 1,
        ..Limits::default()
    };
    let (_d, addr) = serve_fixture(limits).await;
    // The one slot, held by a silent client until the header timeout frees it.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = Instant::now();
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /api/codes HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(SHORT / 4, c.read(&mut first)).await;
    assert!(early.is_err(), "no answer while the slot is taken");
    let (sent, _) = read_until_closed(&mut c).await;
    assert!(sent.starts_with("HTTP/1.1 200 OK\r\n"), "{sent:.80}");
    assert!(t.elapsed() >= SHORT - Duration::from_millis(100));
    let (from_idle, _) = read_until_closed(&mut idle).await;
    assert_eq!(from_idle, "");
}
