//! The page in a real browser: the real binary serves the fixture report on loopback, headless
//! Chromium (Debian's /usr/bin/chromium) loads it, driven over the DevTools protocol by a
//! minimal client here. A missing Chromium fails the tests unless `PRECINCTS_SKIP_BROWSER=1`
//! is set (then they pass with a note on stderr).

mod common;
use common::run_check;

mod server_fixture;

use serde_json::{Value, json};
use server_fixture as fx;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills the child when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A minimal DevTools-protocol client over one browser WebSocket, flat sessions.
struct Cdp {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next: u64,
    session: Option<String>,
    events: Vec<Value>,
    /// Every URL any attached target (page, workers) requested.
    requests: Vec<String>,
    attached: Vec<String>,
    /// How the next JavaScript dialogs (confirm, alert) are answered: accept or dismiss.
    accept_dialogs: bool,
    /// The messages of the dialogs the page opened, in order.
    dialogs: Vec<String>,
}

impl Cdp {
    fn connect(url: &str) -> Cdp {
        let (ws, _) = tungstenite::connect(url).expect("connect to DevTools");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        }
        Cdp {
            ws,
            next: 0,
            session: None,
            events: Vec::new(),
            requests: Vec::new(),
            attached: Vec::new(),
            accept_dialogs: false,
            dialogs: Vec::new(),
        }
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> u64 {
        self.next += 1;
        let mut m = json!({"id": self.next, "method": method, "params": params});
        if let Some(s) = session {
            m["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(m.to_string()))
            .expect("send to DevTools");
        self.next
    }

    fn read(&mut self) -> Value {
        loop {
            match self.ws.read().expect("read from DevTools (timed out?)") {
                Message::Text(t) => return serde_json::from_str(&t).unwrap(),
                Message::Close(_) => panic!("DevTools closed the connection"),
                _ => continue,
            }
        }
    }

    fn note_event(&mut self, v: Value) {
        let method = v["method"].as_str().unwrap_or("");
        if method == "Network.requestWillBeSent"
            && let Some(u) = v["params"]["request"]["url"].as_str()
        {
            self.requests.push(u.to_string());
        }
        if method == "Page.javascriptDialogOpening" {
            // Answer it as a user would (the page waits for the answer); the reply to this
            // command arrives later and is recorded as an event.
            self.dialogs
                .push(v["params"]["message"].as_str().unwrap_or("").to_string());
            let s = v["sessionId"].as_str().map(str::to_string);
            let accept = self.accept_dialogs;
            self.send(
                s.as_deref(),
                "Page.handleJavaScriptDialog",
                json!({"accept": accept}),
            );
        }
        if method == "Target.attachedToTarget"
            && let Some(s) = v["params"]["sessionId"].as_str()
        {
            self.attached.push(s.to_string());
        }
        self.events.push(v);
    }

    fn call_in(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.send(session, method, params);
        loop {
            let v = self.read();
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
            self.note_event(v);
        }
    }

    /// A call in the page's session; then starts any worker that attached meanwhile, with
    /// its network recorded.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        let r = self.call_in(s.as_deref(), method, params);
        self.start_attached();
        r
    }

    fn start_attached(&mut self) {
        while let Some(s) = self.attached.pop() {
            self.call_in(Some(&s), "Network.enable", json!({}));
            self.call_in(Some(&s), "Runtime.runIfWaitingForDebugger", json!({}));
        }
    }

    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluating {expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    fn wait_for(&mut self, expr: &str, what: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.eval(expr);
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if t0.elapsed() > Duration::from_secs(45) {
                let err = self.eval("document.body.dataset.error || ''");
                panic!("timed out waiting for {what} (page error: {err})");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A real mouse click at page coordinates.
    fn click_at(&mut self, x: f64, y: f64) {
        for t in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": t, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    fn screenshot(&mut self, path: &std::path::Path) {
        use base64::Engine;
        self.call(
            "Runtime.evaluate",
            json!({"expression": "window.__app.map.triggerRepaint()"}),
        );
        std::thread::sleep(Duration::from_millis(400));
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        std::fs::write(path, &png).unwrap();
    }

    fn click_selector(&mut self, sel: &str) {
        let expr = format!(
            "(() => {{ const e = document.querySelector({s}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()",
            s = serde_json::to_string(sel).unwrap()
        );
        let p = self.wait_for(&expr, sel);
        self.click_at(p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
    }

    /// Waits until `expr` evaluates to `want`; on timeout panics with the last value.
    fn wait_eq(&mut self, expr: &str, want: &Value, what: &str) {
        let t0 = Instant::now();
        loop {
            let v = self.eval(expr);
            if &v == want {
                return;
            }
            if t0.elapsed() > Duration::from_secs(45) {
                panic!("timed out waiting for {what}: {v} is not {want}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Chooses `value` in a `<select>` as a user does (the value, then a `change` event);
    /// the option must exist.
    fn choose(&mut self, sel: &str, value: &str) {
        let expr = format!(
            "(() => {{ const e = document.querySelector({s}); \
             if (!e || ![...e.options].some(o => o.value === {v})) return false; \
             e.value = {v}; e.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            s = serde_json::to_string(sel).unwrap(),
            v = serde_json::to_string(value).unwrap()
        );
        assert_eq!(self.eval(&expr), json!(true), "option {value:?} in {sel}");
    }

    /// The precinct numbers of the flagged list's rows, in order.
    fn flagged_rows(&mut self) -> Vec<String> {
        let v = self.eval(
            "[...document.querySelectorAll('#flagged tbody tr')].map(r => r.dataset.precinct)",
        );
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    }
}

/// The expression that lists the flagged rows (for [`Cdp::wait_eq`]).
const FLAGGED_ROWS: &str =
    "[...document.querySelectorAll('#flagged tbody tr')].map(r => r.dataset.precinct)";

/// Every request went to the server (or was a blob:/data: URL), tiles among them; no uncaught
/// exception, nothing blocked by the CSP.
fn assert_stayed_on_server(cdp: &mut Cdp, base: &str) {
    std::thread::sleep(Duration::from_millis(300));
    cdp.call("Runtime.evaluate", json!({"expression": "1"}));
    let outside: Vec<&String> = cdp
        .requests
        .iter()
        .filter(|u| {
            !(u.starts_with(&format!("{base}/"))
                || u.starts_with("blob:")
                || u.starts_with("data:"))
        })
        .collect();
    assert!(
        outside.is_empty(),
        "requests outside the server: {outside:?}"
    );
    assert!(
        cdp.requests.iter().any(|u| u.contains("/api/tiles/")),
        "tile requests were recorded: {:?}",
        cdp.requests
    );
    let console_errors: Vec<&Value> = cdp
        .events
        .iter()
        .filter(|e| e["method"] == "Runtime.exceptionThrown")
        .collect();
    assert!(
        console_errors.is_empty(),
        "no uncaught exceptions: {console_errors:?}"
    );
    let csp: Vec<&Value> = cdp
        .events
        .iter()
        .filter(|e| {
            e["method"] == "Log.entryAdded"
                && e["params"]["entry"]["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("Content Security Policy"))
        })
        .collect();
    assert!(csp.is_empty(), "nothing blocked by the CSP: {csp:?}");
}

/// A whole number as `en-GB` formats it (thousands with commas).
fn fmt_en(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn digits(s: &Value) -> String {
    s.as_str()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// The server (real binary) and a headless Chromium attached to a blank page.
struct Session {
    cdp: Cdp,
    base: String,
    _server: Guard,
    _chrome: Guard,
    _profile: tempfile::TempDir,
}

/// The real binary; PRECINCTS_BIN may point at another build (e.g. target/release/precincts).
fn bin() -> String {
    std::env::var("PRECINCTS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_precincts").to_string())
}

/// Set to `1` to skip the browser tests (they then pass, saying why on stderr).
const SKIP_VAR: &str = "PRECINCTS_SKIP_BROWSER";

/// Whether the browser tests run: yes when Chromium is installed, unless `PRECINCTS_SKIP_BROWSER=1`
/// asks to skip them. A missing Chromium without that opt-out is a failure, not a silent pass.
fn browser_wanted() -> bool {
    let skip = std::env::var(SKIP_VAR).ok();
    match decide(std::path::Path::new(CHROMIUM), skip.as_deref()) {
        Ok(run) => run,
        Err(why) => panic!("{why}"),
    }
}

/// [`browser_wanted`] for a given browser path and value of the opt-out variable: `Ok(true)`
/// run, `Ok(false)` skip (said on stderr), `Err` the browser is missing and no opt-out.
fn decide(chromium: &std::path::Path, skip: Option<&str>) -> Result<bool, String> {
    let present = chromium.exists();
    if skip == Some("1") {
        eprintln!(
            "SKIPPED: {SKIP_VAR}=1 is set ({} {}); the browser test did not run",
            chromium.display(),
            if present {
                "is installed"
            } else {
                "is missing"
            }
        );
        return Ok(false);
    }
    if present {
        Ok(true)
    } else {
        Err(format!(
            "{} is missing: install Debian's chromium (`apt-get install chromium`, as .ci/run does), \
             or set {SKIP_VAR}=1 to skip the browser tests",
            chromium.display()
        ))
    }
}

#[test]
fn a_missing_browser_fails_unless_skipping_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("chromium");
    let why = decide(&missing, None).unwrap_err();
    assert!(
        why.contains("is missing") && why.contains("PRECINCTS_SKIP_BROWSER=1"),
        "{why}"
    );
    assert!(decide(&missing, Some("0")).is_err(), "only 1 opts out");
    assert!(decide(&missing, Some("")).is_err(), "only 1 opts out");
    assert_eq!(decide(&missing, Some("1")), Ok(false));
    std::fs::write(&missing, "").unwrap();
    assert_eq!(decide(&missing, None), Ok(true));
    assert_eq!(
        decide(&missing, Some("1")),
        Ok(false),
        "skipping is honoured"
    );
}

/// Starts `precincts serve --report DIR` and Chromium; `None` when the browser tests are
/// skipped ([`browser_wanted`]).
fn start(report: &std::path::Path) -> Option<Session> {
    if !browser_wanted() {
        return None;
    }
    // The real binary on a free loopback port; it prints the address to open.
    // PRECINCTS_BIN may point at another build (e.g. target/release/precincts) for timing.
    let mut server = Command::new(bin())
        .args(["serve", "--report"])
        .arg(report)
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start precincts serve");
    let out = server.stdout.take().unwrap();
    let server = Guard(server);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("Open ")
        .expect("serve prints the address")
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let profile = tempfile::tempdir().unwrap();
    let mut chrome = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--use-angle=swiftshader",
            "--enable-unsafe-swiftshader",
            "--window-size=1400,900",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let err = chrome.stderr.take().unwrap();
    let chrome = Guard(chrome);
    let mut ws_url = None;
    for l in BufReader::new(err).lines() {
        let l = l.unwrap();
        if let Some(u) = l.strip_prefix("DevTools listening on ") {
            ws_url = Some(u.trim().to_string());
            break;
        }
    }
    let ws_url = ws_url.expect("chromium prints its DevTools address");
    let mut cdp = Cdp::connect(&ws_url);
    let target = cdp.call_in(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = cdp.call_in(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    cdp.session = Some(attached["sessionId"].as_str().unwrap().to_string());
    cdp.call("Network.enable", json!({}));
    cdp.call("Page.enable", json!({}));
    cdp.call("Runtime.enable", json!({}));
    cdp.call("Log.enable", json!({}));
    cdp.call(
        "Target.setAutoAttach",
        json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
    );
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );
    Some(Session {
        cdp,
        base,
        _server: server,
        _chrome: chrome,
        _profile: profile,
    })
}

#[test]
fn the_map_page_works_in_headless_chromium_and_stays_on_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    fx::write_fixture(&report);
    let Some(Session {
        mut cdp,
        base,
        _server: server,
        _chrome,
        _profile,
    }) = start(&report)
    else {
        return;
    };
    // Russian first (a fresh profile has no saved language).
    cdp.call("Page.navigate", json!({"url": format!("{base}/")}));

    // The map loads with its layers and renders tiles.
    cdp.wait_for(
        "document.body && document.body.dataset.mapReady === '1'",
        "the map's first render",
    );
    let first_render = cdp.eval("window.__app.firstRender");
    let layers = cdp.eval("window.__app.map.getStyle().layers.map(l => l.id)");
    let layers: Vec<&str> = layers
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for l in [
        "admin-fill",
        "precinct-fill",
        "overfull-line",
        "cross-line",
        "outside-fill",
        "overlap-fill",
        "stations",
        "voter-points",
    ] {
        assert!(layers.contains(&l), "layer {l} in {layers:?}");
    }
    let rendered = cdp.wait_for(
        "(() => { const f = window.__app.map.queryRenderedFeatures({layers: ['precinct-fill']}); \
         return f.length ? [...new Set(f.map(x => String(x.properties.precinct)))].sort() : null; })()",
        "precinct polygons on the map",
    );
    assert_eq!(rendered, json!(["101", "102", "103", "201", "202"]));
    let overfull = cdp.eval(
        "[...new Set(window.__app.map.queryRenderedFeatures({layers: ['overfull-line']}).map(f => String(f.properties.precinct)))]",
    );
    assert_eq!(overfull, json!([fx::OVERFULL]));
    let outside =
        cdp.eval("window.__app.map.queryRenderedFeatures({layers: ['outside-fill']}).length");
    assert!(
        outside.as_u64().unwrap() >= 1,
        "the outside part of the cross-boundary precinct is drawn"
    );

    // The flagged list shows the planted overfull and cross-boundary precincts.
    cdp.wait_for(
        "document.body.dataset.listReady === '1'",
        "the flagged list",
    );
    let art = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    cdp.screenshot(&art.join("map.png"));
    let rows = cdp
        .eval("[...document.querySelectorAll('#flagged tbody tr')].map(r => r.dataset.precinct)");
    let rows: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        rows.contains(&fx::OVERFULL) && rows.contains(&fx::CROSS),
        "flagged rows {rows:?}"
    );
    assert!(
        !rows.contains(&fx::CLEAN),
        "a clean precinct is not flagged: {rows:?}"
    );
    // Sorted by load, highest first: 102 (3450 / 3000), 201 (2105), 103 (1210), by the
    // fixture's table; 101 and 202 have no findings.
    assert_eq!(
        rows,
        [fx::OVERFULL, "201", fx::CROSS],
        "flagged rows by load"
    );

    // Filter by finding code, then by unit, as a user picks them.
    cdp.choose("#f-code", "PRECINCT_CROSSES_ADMIN_BOUNDARY");
    cdp.wait_eq(
        FLAGGED_ROWS,
        &json!([fx::CROSS]),
        "the cross-boundary filter",
    );
    cdp.choose("#f-code", "PRECINCT_OVER_CAP");
    cdp.wait_eq(FLAGGED_ROWS, &json!([fx::OVERFULL]), "the over-cap filter");
    cdp.choose("#f-code", "");
    cdp.choose("#f-unit", fx::UNIT_B);
    cdp.wait_eq(
        FLAGGED_ROWS,
        &json!(["201"]),
        "the unit filter (district B)",
    );
    cdp.choose("#f-unit", fx::UNIT_A);
    cdp.wait_eq(
        FLAGGED_ROWS,
        &json!([fx::OVERFULL, fx::CROSS]),
        "the unit filter (district A)",
    );
    cdp.choose("#f-unit", "");
    // Sort by number: descending (the order kept from the load sort), then ascending.
    cdp.choose("#f-sort", "precinct");
    cdp.wait_eq(
        FLAGGED_ROWS,
        &json!(["201", fx::CROSS, fx::OVERFULL]),
        "sorted by number, descending",
    );
    cdp.click_selector("#f-order");
    cdp.wait_eq(
        FLAGGED_ROWS,
        &json!([fx::OVERFULL, fx::CROSS, "201"]),
        "sorted by number, ascending",
    );
    assert_eq!(cdp.flagged_rows().len(), 3);

    // Clicking its row opens its card with the right numbers.
    cdp.click_selector(&format!(
        "#flagged tbody tr[data-precinct='{}']",
        fx::OVERFULL
    ));
    cdp.wait_for(
        &format!(
            "(document.getElementById('card-title') || {{}}).textContent === 'Участок №{}'",
            fx::OVERFULL
        ),
        "the overfull precinct's card",
    );
    let field = |f: &str| {
        format!("(document.querySelector('#card td[data-field={f}]') || {{}}).textContent")
    };
    assert_eq!(
        digits(&cdp.eval(&field("by_polygon"))),
        fx::OVERFULL_VOTERS.to_string()
    );
    assert_eq!(
        digits(&cdp.eval(&field("by_list"))),
        fx::OVERFULL_LISTED.to_string()
    );
    assert_eq!(
        digits(&cdp.eval(&field("by_address_list"))),
        fx::OVERFULL_BY_LIST.to_string()
    );
    assert_eq!(digits(&cdp.eval(&field("cap"))), "3000");
    let card = cdp.eval("document.getElementById('card').textContent");
    assert!(
        card.as_str().unwrap().contains("Гимназия № 25"),
        "station in the card"
    );
    assert!(
        card.as_str()
            .unwrap()
            .contains("Превышен предел числа избирателей"),
        "finding title in Russian"
    );

    // Clicking the cross-boundary precinct on the map opens its card.
    cdp.wait_for("!window.__app.map.isMoving()", "the fly-to to finish");
    cdp.wait_for("window.__app.map.loaded()", "tiles after the fly-to");
    let p = cdp.eval(
        "(() => { const r = document.getElementById('map').getBoundingClientRect(); \
         const p = window.__app.map.project([76.942, 43.21]); return [r.left + p.x, r.top + p.y]; })()",
    );
    cdp.click_at(p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
    cdp.wait_for(
        &format!(
            "(document.getElementById('card-title') || {{}}).textContent === 'Участок №{}'",
            fx::CROSS
        ),
        "the cross-boundary precinct's card after a click on the map",
    );
    assert_eq!(
        digits(&cdp.eval(&field("by_polygon"))),
        fx::CROSS_VOTERS.to_string()
    );

    // The card, for people (artifact).
    cdp.screenshot(&art.join("card.png"));

    // The language switch works: English, then Kazakh.
    cdp.click_selector("button[data-lang='en']");
    cdp.wait_for("document.documentElement.lang === 'en'", "English");
    assert_eq!(
        cdp.eval("document.getElementById('title').textContent"),
        "Polling precincts"
    );
    assert_eq!(
        cdp.eval("document.querySelector('#flagged thead th').textContent"),
        "Precinct"
    );
    assert_eq!(
        cdp.eval("document.getElementById('card-title').textContent"),
        format!("Precinct {}", fx::CROSS)
    );
    cdp.click_selector("button[data-lang='kk']");
    cdp.wait_for("document.documentElement.lang === 'kk'", "Kazakh");
    assert_eq!(
        cdp.eval("document.getElementById('title').textContent"),
        "Сайлау учаскелері"
    );
    assert_eq!(
        cdp.eval("document.querySelector('[data-tab=recon]').textContent"),
        "Салыстыру"
    );

    // The statistics tab counts the planted problems and lists the file accounting.
    cdp.click_selector("button[data-tab='stats']");
    cdp.wait_for("document.getElementById('stats-table')", "the statistics");
    let nums =
        cdp.eval("[...document.querySelectorAll('#stats-table td')].map(td => td.textContent)");
    assert_eq!(nums, json!(["5", "3", "1", "1", "3"]));
    assert_eq!(
        cdp.eval("document.querySelector('#accounting tbody td').textContent"),
        "voters voters.csv"
    );

    // The reconciliation view masks IINs until asked.
    cdp.click_selector("button[data-tab='recon']");
    cdp.click_selector(&format!("button[data-cat='{}']", fx::CAT3));
    cdp.wait_for(
        "document.querySelector('#recon-rows tbody tr')",
        "the category list",
    );
    let first_iin = "document.querySelector('#recon-rows tbody tr').children[1].textContent";
    assert_eq!(cdp.eval(first_iin), "900101******");
    assert!(
        !cdp.eval("document.body.textContent")
            .as_str()
            .unwrap()
            .contains(fx::IIN)
    );
    let revealed = |cdp: &Cdp| cdp.requests.iter().any(|u| u.contains("reveal=true"));
    assert!(!revealed(&cdp), "no request asked for full IINs yet");

    // Revealing asks first (in Kazakh now); saying no keeps them masked.
    cdp.accept_dialogs = false;
    cdp.click_selector("#reveal");
    cdp.wait_for("document.getElementById('reveal')", "the reveal box");
    let t0 = Instant::now();
    while cdp.dialogs.is_empty() && t0.elapsed() < Duration::from_secs(10) {
        cdp.eval("1");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        cdp.dialogs,
        ["Жеке деректер: ЖСН толық көрсетілсін бе?"],
        "the reveal asks for confirmation"
    );
    assert_eq!(
        cdp.eval("document.getElementById('reveal').checked"),
        json!(false),
        "declined: the box stays off"
    );
    assert_eq!(cdp.eval(first_iin), "900101******");
    assert!(!revealed(&cdp), "declined: no request for full IINs");
    // Saying yes shows them in full.
    cdp.accept_dialogs = true;
    cdp.click_selector("#reveal");
    cdp.wait_eq(
        first_iin,
        &json!(fx::IIN),
        "the full IIN after the user agreed",
    );
    assert_eq!(cdp.dialogs.len(), 2);
    assert_eq!(
        cdp.eval("document.getElementById('reveal').checked"),
        json!(true)
    );
    assert!(revealed(&cdp), "the list was asked for with reveal=true");
    // Unticking masks them again without a question.
    cdp.click_selector("#reveal");
    cdp.wait_eq(first_iin, &json!("900101******"), "IINs masked again");
    assert_eq!(cdp.dialogs.len(), 2);

    // Search by number.
    cdp.call("Runtime.evaluate", json!({"expression":
        "(() => { const s = document.getElementById('search'); s.value = '201'; s.dispatchEvent(new Event('input')); })()"}));
    cdp.wait_for(
        "!document.getElementById('search-results').hidden",
        "search results",
    );
    cdp.click_selector("#search-results li[data-i='0']");
    cdp.wait_for(
        "(document.getElementById('card-title') || {}).textContent === '№201 учаске'",
        "the card of the searched precinct (in Kazakh)",
    );

    assert_stayed_on_server(&mut cdp, &base);
    eprintln!(
        "page load to first map render: {:.0} ms; {} requests, all to {base}; screenshots in target/browser-artifacts/",
        first_render.as_f64().unwrap_or(f64::NAN),
        cdp.requests.len()
    );
    drop(server);
}

/// The default demo, generated and checked by the real binary, in the browser: the flagged
/// list shows exactly the overfull and cross-boundary precincts the generator planted (read
/// from its `expected.json`, not from the check), and each one's card shows voters equal to
/// counts made here from the generator's plan and its `voters.csv`.
#[test]
fn the_demos_planted_precincts_are_flagged_with_their_numbers_in_headless_chromium() {
    use precincts::demo::{DemoOptions, ExpectedFile, VoterAddress};
    use std::collections::BTreeSet;
    if !browser_wanted() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let town = precincts::demo::generate(&dir, &DemoOptions::default()).unwrap();
    let out = dir.join("out");
    // The run completed: 0, whatever it found (2 would be unusable input).
    run_check(&[
        "--dataset",
        dir.join("dataset.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);

    // What the generator planted.
    let expected: ExpectedFile =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let planted_with = |code: &str| -> BTreeSet<String> {
        expected
            .findings
            .iter()
            .filter(|e| e.code == code)
            .filter_map(|e| e.precinct.clone())
            .collect()
    };
    let over = planted_with("PRECINCT_OVER_CAP");
    let cross = planted_with("PRECINCT_CROSSES_ADMIN_BOUNDARY");
    // Precincts with a planted finding; an overlap (keyed by the smaller number) flags both.
    let mut any: BTreeSet<String> = expected
        .findings
        .iter()
        .filter_map(|e| e.precinct.clone())
        .collect();
    for (a, b) in &town.planted.overlap {
        any.extend([a.as_str().to_string(), b.as_str().to_string()]);
    }
    assert!(over.len() >= 2 && !cross.is_empty(), "{over:?} {cross:?}");

    // Voters per precinct counted here. By list: rows of voters.csv by their precinct code,
    // without the rows the generator planted to be rejected. By polygon: the generator's
    // voters whose home address point it drew inside the precinct.
    let rejected: BTreeSet<u64> = expected
        .rejects
        .iter()
        .filter(|r| r.file == "voters.csv")
        .map(|r| r.line)
        .collect();
    let mut by_list: std::collections::HashMap<String, u64> = Default::default();
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_path(dir.join("voters.csv"))
        .unwrap();
    let header = rd.headers().unwrap().clone();
    let pcol = header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "Код участка")
        .expect("the precinct column of Appendix 1");
    for rec in rd.records() {
        let rec = rec.unwrap();
        let line = rec.position().unwrap().line();
        if rejected.contains(&line) {
            continue;
        }
        let p = rec.get(pcol).unwrap_or("").trim();
        if !p.is_empty() {
            *by_list.entry(p.to_string()).or_default() += 1;
        }
    }
    let mut by_polygon: std::collections::HashMap<String, u64> = Default::default();
    for v in town.voters() {
        // A voter whose address the generator wrote ambiguously is placed nowhere.
        if let VoterAddress::Point(a) = v.address
            && !town.written_ambiguously(&town.addresses[a as usize])
            && let Some(p) = town.addresses[a as usize].precinct
        {
            *by_polygon
                .entry(town.precincts[p as usize].no.as_str().to_string())
                .or_default() += 1;
        }
    }
    let cap = u64::from(precincts::demo::CAP);
    for no in &over {
        let worst = by_list
            .get(no)
            .copied()
            .unwrap_or(0)
            .max(by_polygon.get(no).copied().unwrap_or(0));
        assert!(worst > cap, "planted over the cap: {no} ({worst})");
    }

    let Some(Session {
        mut cdp,
        base,
        _server: server,
        _chrome,
        _profile,
    }) = start(&out)
    else {
        return;
    };
    cdp.call("Page.navigate", json!({"url": format!("{base}/")}));
    cdp.wait_for(
        "document.body && document.body.dataset.mapReady === '1'",
        "the map's first render",
    );
    cdp.wait_for(
        "document.body.dataset.listReady === '1'",
        "the flagged list",
    );

    // Every flagged precinct is one the generator planted a finding in, all on one page,
    // the overfull and cross-boundary ones among them.
    let rows: BTreeSet<String> = cdp.flagged_rows().into_iter().collect();
    assert_eq!(
        cdp.eval("document.getElementById('pg-next').disabled"),
        json!(true),
        "one page"
    );
    let strays: Vec<&String> = rows.difference(&any).collect();
    assert!(strays.is_empty(), "flagged but nothing planted: {strays:?}");
    for no in over.iter().chain(&cross) {
        assert!(rows.contains(no), "{no} flagged: {rows:?}");
    }

    // The map marks the same ones.
    cdp.wait_for("window.__app.map.loaded()", "tiles");
    let marked = |cdp: &mut Cdp, layer: &str| -> BTreeSet<String> {
        let v = cdp.eval(&format!(
            "window.__app.map.queryRenderedFeatures({{layers: ['{layer}']}}).map(f => String(f.properties.precinct))"
        ));
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(marked(&mut cdp, "overfull-line"), over, "overfull outlines");
    assert_eq!(
        marked(&mut cdp, "cross-line"),
        cross,
        "cross-boundary outlines"
    );

    let art = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    cdp.screenshot(&art.join("demo.png"));

    // Filtered by finding code: exactly the planted ones; each card has the counted voters.
    for (code, want) in [
        ("PRECINCT_OVER_CAP", &over),
        ("PRECINCT_CROSSES_ADMIN_BOUNDARY", &cross),
    ] {
        cdp.choose("#f-code", code);
        cdp.choose("#f-sort", "precinct");
        let sorted: Vec<&String> = {
            let mut v: Vec<&String> = want.iter().collect();
            v.sort_by_key(|n| (n.parse::<u64>().unwrap_or(u64::MAX), n.to_string()));
            if cdp.eval("window.__app.state.list.order") == json!("desc") {
                v.reverse();
            }
            v
        };
        cdp.wait_eq(FLAGGED_ROWS, &json!(sorted), code);
        for no in want {
            cdp.click_selector(&format!("#flagged tbody tr[data-precinct='{no}']"));
            cdp.wait_for(
                &format!(
                    "(document.getElementById('card-title') || {{}}).textContent === 'Участок №{no}'"
                ),
                "the card",
            );
            let field = |f: &str| {
                format!("(document.querySelector('#card td[data-field={f}]') || {{}}).textContent")
            };
            assert_eq!(
                digits(&cdp.eval(&field("by_polygon"))),
                by_polygon.get(no).copied().unwrap_or(0).to_string(),
                "{no}: voters by polygon"
            );
            assert_eq!(
                digits(&cdp.eval(&field("by_list"))),
                by_list.get(no).copied().unwrap_or(0).to_string(),
                "{no}: voters by list"
            );
            assert_eq!(digits(&cdp.eval(&field("cap"))), cap.to_string());
            let titles = cdp.eval(
                "[...document.querySelectorAll('#card .findings code')].map(c => c.textContent)",
            );
            assert!(
                titles.as_array().unwrap().contains(&json!(code)),
                "{no}: {code} in the card's findings: {titles}"
            );
        }
    }
    cdp.wait_for("!window.__app.map.isMoving()", "the fly-to");
    cdp.screenshot(&art.join("demo-card.png"));
    assert_stayed_on_server(&mut cdp, &base);
    drop(server);
}

/// The planner on the page: move two of the overfull precinct's addresses to its neighbour
/// from the card, see the Plan tab and the map's feature-state follow, undo, and read the
/// warnings and the tab in Kazakh. Figures come from `server_fixture::ADDRESSES`.
#[test]
fn the_planner_moves_addresses_and_undoes_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    fx::write_fixture(&report);
    let Some(Session {
        mut cdp,
        base,
        _server: server,
        _chrome,
        _profile,
    }) = start(&report)
    else {
        return;
    };
    cdp.call("Page.navigate", json!({"url": format!("{base}/")}));
    cdp.wait_for(
        "document.body && document.body.dataset.mapReady === '1'",
        "the map's first render",
    );
    cdp.wait_for(
        "document.body.dataset.listReady === '1'",
        "the flagged list",
    );
    cdp.wait_for(
        "(window.__app.state.plan.data || {}).available === true",
        "the plan",
    );

    let voters_of = |no: &str| -> u64 {
        fx::ADDRESSES
            .iter()
            .filter(|a| a.0 == no)
            .map(|a| u64::from(a.6))
            .sum()
    };
    let field_of = |f: &str| {
        format!("(document.querySelector('#card td[data-field={f}]') || {{}}).textContent")
    };
    let (from, to) = (fx::OVERFULL, fx::CLEAN);
    let (from_before, to_before) = (voters_of(from), voters_of(to));
    assert_eq!(
        from_before,
        fx::OVERFULL_VOTERS,
        "the fixture agrees with itself"
    );

    // The overfull precinct's card lists its planned addresses, all of them on one page.
    cdp.click_selector(&format!("#flagged tbody tr[data-precinct='{from}']"));
    cdp.wait_for(
        &format!(
            "(document.getElementById('card-title') || {{}}).textContent === 'Участок №{from}'"
        ),
        "the overfull precinct's card",
    );
    let n_from = fx::ADDRESSES.iter().filter(|a| a.0 == from).count();
    cdp.wait_for(
        &format!(
            "document.querySelectorAll('#card-plan-addresses input[data-addr]').length === {n_from}"
        ),
        "the card's planned addresses",
    );
    let ids = cdp.eval(
        "[...document.querySelectorAll('#card-plan-addresses input[data-addr]')].map(b => Number(b.dataset.addr))",
    );
    let ids: Vec<usize> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    for &id in &ids {
        assert_eq!(
            fx::ADDRESSES[id].0,
            from,
            "address {id} listed under {from}"
        );
    }
    assert!(
        cdp.eval("document.querySelectorAll('#card-plan-addresses tr.moved').length") == json!(0),
        "nothing moved yet"
    );
    assert_eq!(
        cdp.eval("document.querySelectorAll('#card [data-field^=planned], #flagged [data-field=planned_load]').length"),
        json!(0),
        "no planned figures before a move"
    );

    // Select two, type the target, move.
    let chosen = &ids[..2];
    for id in chosen {
        cdp.click_selector(&format!("#card-plan-addresses input[data-addr='{id}']"));
    }
    cdp.wait_for(
        "document.querySelectorAll('#card-plan-addresses input[data-addr]:checked').length === 2",
        "two addresses selected",
    );
    cdp.click_selector("#plan-target");
    cdp.call("Input.insertText", json!({"text": to}));
    cdp.click_selector("#plan-note");
    cdp.call("Input.insertText", json!({"text": "разгрузка"}));
    cdp.wait_for(
        "!document.getElementById('plan-move').disabled",
        "the Move button",
    );
    cdp.click_selector("#plan-move");
    cdp.wait_for(
        "document.getElementById('plan-move-ok')",
        "the move's result",
    );
    let moved: u64 = chosen
        .iter()
        .map(|&id| u64::from(fx::ADDRESSES[id].6))
        .sum();
    let (from_planned, to_planned) = (from_before - moved, to_before + moved);
    assert!(
        from_planned <= 3000 && to_planned <= 3000,
        "the fixture's move relieves {from} without overfilling {to}"
    );
    assert_eq!(
        cdp.eval("document.querySelectorAll('#plan-warnings li').length"),
        json!(0),
        "no warning: {to} stays under the cap in the same unit"
    );
    // The card now shows fewer addresses.
    cdp.wait_for(
        &format!(
            "document.querySelectorAll('#card-plan-addresses input[data-addr]').length === {}",
            n_from - 2
        ),
        "the card without the moved addresses",
    );

    // The card shows the plan's figures beside the check's, and the flagged list the
    // planned load beside the check's.
    let pct = |voters: u64| {
        // The server rounds the load to 3 decimals; the page shows it as a percentage.
        let load = (voters as f64 / 3000.0 * 1000.0).round() / 1000.0;
        format!("{} %", (load * 1000.0).round() / 10.0)
    };
    let text = |sel: &str| {
        format!(
            "(document.querySelector({}) || {{}}).textContent",
            serde_json::to_string(sel).unwrap()
        )
    };
    let planned_voters = cdp.wait_for(
        &text("#card [data-field=planned_voters]"),
        "the planned voters in the card",
    );
    assert_eq!(digits(&planned_voters), from_planned.to_string());
    assert_eq!(
        digits(&cdp.eval(&text("#card [data-field=planned_before]"))),
        from_before.to_string()
    );
    assert_eq!(
        cdp.eval(&text("#card [data-field=planned_load]")),
        json!(pct(from_planned))
    );
    assert_eq!(
        cdp.eval(&text("#card-planned tr th")),
        json!("Избирателей по плану")
    );
    assert_eq!(
        cdp.eval("!!document.querySelector('#card [data-field=planned_over_cap]')"),
        json!(false),
        "{from_planned} voters are within the cap"
    );
    assert_eq!(
        digits(&cdp.eval(&field_of("by_polygon"))),
        fx::OVERFULL_VOTERS.to_string(),
        "the check's figure stays beside the plan's"
    );
    cdp.wait_eq(
        &text(&format!(
            "#flagged tr[data-precinct='{from}'] [data-field=planned_load]"
        )),
        &json!(format!("→ {}", pct(from_planned))),
        "the planned load in the flagged list",
    );
    let art = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    cdp.eval("document.getElementById('card-numbers').scrollIntoView()");
    cdp.screenshot(&art.join("plan-card.png"));

    // The Plan tab lists the edit and the two changed precincts.
    cdp.click_selector("button[data-tab='plan']");
    cdp.wait_for(
        "document.querySelectorAll('#plan-edits tbody tr[data-edit]').length === 1",
        "the edit in the Plan tab",
    );
    assert_eq!(
        cdp.eval("document.querySelector('#plan-heading').textContent"),
        "План изменений"
    );
    let cell = |sel: &str| {
        format!(
            "(document.querySelector({}) || {{}}).textContent",
            serde_json::to_string(sel).unwrap()
        )
    };
    assert_eq!(
        cdp.eval(&cell("#plan-edits tbody tr [data-field=target]")),
        to
    );
    assert_eq!(
        digits(&cdp.eval(&cell("#plan-edits tbody tr td[data-field=voters]"))),
        moved.to_string()
    );
    assert_eq!(
        cdp.eval(&cell("#plan-edits tbody tr td[data-field=addresses]")),
        "2 / 2"
    );
    assert!(
        cdp.eval(&cell("#plan-edits tbody tr .note"))
            .as_str()
            .unwrap()
            .contains("разгрузка")
    );
    let rows = cdp.eval(
        "[...document.querySelectorAll('#plan-precincts tbody tr')].map(r => r.dataset.precinct)",
    );
    assert_eq!(rows, json!([to, from]), "changed precincts, sorted");
    for (no, before, planned) in [
        (from, from_before, from_planned),
        (to, to_before, to_planned),
    ] {
        let row = format!("#plan-precincts tr[data-precinct='{no}']");
        assert_eq!(
            digits(&cdp.eval(&cell(&format!("{row} [data-field=before]")))),
            before.to_string(),
            "{no} before"
        );
        assert_eq!(
            digits(&cdp.eval(&cell(&format!("{row} [data-field=planned]")))),
            planned.to_string(),
            "{no} planned"
        );
    }
    let a = cdp.eval(&cell(&format!(
        "#plan-precincts tr[data-precinct='{from}']"
    )));
    assert!(a.as_str().unwrap().contains('→'), "before → planned: {a}");
    let links = cdp.eval(
        "[...document.querySelectorAll('#plan-downloads a')].map(a => a.getAttribute('href'))",
    );
    assert_eq!(
        links,
        json!([
            "/download/plan.geojson",
            "/download/plan-appendix3.ru.csv",
            "/download/plan-appendix3.kk.csv",
            "/download/plan-appendix3.ru.xlsx",
            "/download/plan-appendix3.kk.xlsx"
        ])
    );
    for l in links.as_array().unwrap() {
        let status = cdp.eval(&format!("fetch({l}).then(r => r.status)"));
        assert_eq!(status, json!(200), "{l}");
    }

    // The map: the overfull precinct's polygon carries the planned load as feature-state,
    // and the moved address points are marked.
    cdp.wait_for("!window.__app.map.isMoving()", "the fly-to to finish");
    let fid = cdp.wait_for(
        &format!(
            "(() => {{ const f = window.__app.map.queryRenderedFeatures({{layers: ['precinct-fill']}})\
             .find(x => String(x.properties.precinct) === '{from}'); return f ? [f.id] : null; }})()"
        ),
        "the overfull precinct on the map",
    )[0]
        .clone();
    let fs = cdp.eval(&format!(
        "window.__app.map.getFeatureState({{source: 'data', sourceLayer: 'precincts', id: {fid}}})"
    ));
    let load = fs["load"].as_f64().expect("feature-state load");
    assert!(
        (load - from_planned as f64 / 3000.0).abs() < 0.0006,
        "feature-state load {load} for {from_planned} voters: {fs}"
    );
    assert_eq!(fs["changed"], json!(true));
    // The rendered feature carries it too (the fill colour expression reads it).
    cdp.wait_for(
        &format!(
            "window.__app.map.queryRenderedFeatures({{layers: ['precinct-fill']}})\
             .some(x => x.id === {fid} && x.state && x.state.load === {load})"
        ),
        "the rendered polygon with the planned load",
    );
    for id in chosen {
        assert_eq!(
            cdp.eval(&format!(
                "window.__app.map.getFeatureState({{source: 'data', sourceLayer: 'addresses', id: {id}}}).moved"
            )),
            json!(true),
            "address {id} marked as moved"
        );
    }
    let art = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    let wide = cdp.eval(
        "(() => { const p = document.getElementById('panel'); return p.scrollWidth - p.clientWidth; })()",
    );
    assert_eq!(wide, json!(0), "the side panel fits its width");
    cdp.eval("document.getElementById('tab-plan').scrollIntoView()");
    cdp.screenshot(&art.join("plan.png"));

    // Undo: the edit is gone, the server has no changed precincts, the map is back.
    cdp.click_selector("#plan-edits button[data-undo]");
    cdp.wait_for(
        "document.getElementById('plan-no-edits') && document.querySelectorAll('#plan-edits tbody tr').length === 0",
        "the edit gone after Undo",
    );
    let plan = cdp.eval("fetch('/api/plan').then(r => r.json())");
    assert_eq!(plan["available"], json!(true));
    assert_eq!(plan["edits"], json!([]), "{plan}");
    assert_eq!(plan["precincts"], json!([]), "{plan}");
    assert_eq!(plan["moved"], json!([]), "{plan}");
    assert_eq!(
        cdp.eval("document.querySelectorAll('#plan-precincts tbody tr').length"),
        json!(0)
    );
    assert_eq!(
        cdp.eval(&format!(
            "window.__app.map.getFeatureState({{source: 'data', sourceLayer: 'precincts', id: {fid}}})"
        )),
        json!({}),
        "feature-state removed after the undo"
    );
    assert_eq!(
        cdp.eval(&format!(
            "window.__app.map.getFeatureState({{source: 'data', sourceLayer: 'addresses', id: {}}})",
            chosen[0]
        )),
        json!({})
    );
    cdp.wait_for(
        &format!(
            "document.querySelectorAll('#card-plan-addresses input[data-addr]').length === {n_from}"
        ),
        "the card with all its addresses again",
    );
    cdp.wait_eq(
        "document.querySelectorAll('#card [data-field^=planned], #flagged [data-field=planned_load]').length",
        &json!(0),
        "no planned figures after the undo",
    );

    // Kazakh: the tab and its heading, and a warning in Kazakh for a precinct not in the
    // report (then undone as well).
    cdp.click_selector("button[data-lang='kk']");
    cdp.wait_for("document.documentElement.lang === 'kk'", "Kazakh");
    assert_eq!(
        cdp.eval("document.querySelector('[data-tab=plan]').textContent"),
        "Жоспар"
    );
    assert_eq!(
        cdp.eval("document.getElementById('plan-heading').textContent"),
        "Өзгерістер жоспары"
    );
    cdp.click_selector(&format!(
        "#card-plan-addresses input[data-addr='{}']",
        ids[0]
    ));
    // The field keeps the last target; select it so typing replaces it.
    cdp.click_selector("#plan-target");
    cdp.eval("document.getElementById('plan-target').select()");
    cdp.call("Input.insertText", json!({"text": "999"}));
    cdp.wait_for(
        "!document.getElementById('plan-move').disabled",
        "the Move button",
    );
    cdp.click_selector("#plan-move");
    let warning = cdp.wait_for(
        "(document.querySelector('#plan-warnings li[data-code=new_precinct]') || {}).textContent",
        "the new-precinct warning",
    );
    assert_eq!(
        warning,
        "№999 учаске есепте жоқ: жаңа учаскеге дауыс беру үй-жайы мен әкімдіктің шешімі қажет."
    );
    cdp.wait_for(
        "document.querySelector('#plan-precincts tr[data-precinct=\"999\"]')",
        "the new precinct in the Plan tab",
    );
    // The card's planned figures, in Kazakh, then in English.
    let one_moved = from_before - u64::from(fx::ADDRESSES[ids[0]].6);
    cdp.wait_eq(
        "[...((document.querySelector('#card [data-field=planned_voters]') || {}).textContent || '')].filter(c => c >= '0' && c <= '9').join('')",
        &json!(one_moved.to_string()),
        "the card's planned voters after the second move",
    );
    assert_eq!(
        cdp.eval(&text("#card-planned tr th")),
        json!("Жоспар бойынша сайлаушылар")
    );
    assert_eq!(
        cdp.eval(&text("#card-planned tr:nth-child(2) th")),
        json!("Жоспар бойынша жүктеме")
    );
    assert_eq!(
        cdp.eval(&text("#card [data-field=planned_load]")),
        json!(pct(one_moved))
    );
    cdp.click_selector("button[data-lang='en']");
    cdp.wait_for("document.documentElement.lang === 'en'", "English");
    assert_eq!(
        cdp.eval(&text("#card-planned tr th")),
        json!("Voters in the plan")
    );
    assert_eq!(
        cdp.eval(&text("#card [data-field=planned_before]")),
        json!(format!("(was {})", fmt_en(from_before)))
    );
    cdp.click_selector("button[data-lang='kk']");
    cdp.wait_for("document.documentElement.lang === 'kk'", "Kazakh");
    cdp.click_selector("#plan-edits button[data-undo]");
    cdp.wait_for(
        "document.getElementById('plan-no-edits')",
        "the second edit undone",
    );
    let plan = cdp.eval("fetch('/api/plan').then(r => r.json())");
    assert_eq!(plan["edits"], json!([]), "{plan}");
    assert_eq!(plan["precincts"], json!([]), "{plan}");

    let console_errors: Vec<&Value> = cdp
        .events
        .iter()
        .filter(|e| e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
        .collect();
    assert!(
        console_errors.is_empty(),
        "no console errors (MapLibre reports bad feature-state there): {console_errors:?}"
    );
    assert_stayed_on_server(&mut cdp, &base);
    drop(server);
}

/// Screenshots any report directory: `PRECINCTS_SHOT_REPORT=DIR cargo test --test browser -- --ignored`
/// (writes target/browser-artifacts/report.png).
#[test]
#[ignore]
fn a_screenshot_of_any_report() {
    let Ok(dir) = std::env::var("PRECINCTS_SHOT_REPORT") else {
        eprintln!("set PRECINCTS_SHOT_REPORT=DIR");
        return;
    };
    let Some(mut s) = start(std::path::Path::new(&dir)) else {
        return;
    };
    let url = format!("{}/", s.base);
    s.cdp.call("Page.navigate", json!({"url": url}));
    s.cdp.wait_for(
        "document.body && document.body.dataset.mapReady === '1'",
        "the first render",
    );
    s.cdp.wait_for(
        "document.body.dataset.listReady === '1'",
        "the flagged list",
    );
    s.cdp.wait_for("window.__app.map.loaded()", "tiles");
    let art = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    s.cdp.screenshot(&art.join("report.png"));
    eprintln!("first render {} ms", s.cdp.eval("window.__app.firstRender"));
    s.cdp.click_selector("#flagged tbody tr");
    s.cdp
        .wait_for("document.getElementById('card-title')", "a card");
    s.cdp.wait_for(
        "!window.__app.map.isMoving() && window.__app.map.loaded()",
        "the fly-to",
    );
    s.cdp.screenshot(&art.join("report-card.png"));
    s.cdp.click_selector("button[data-tab='recon']");
    if s.cdp.eval(
        "!!document.querySelector('[data-cat]') || !!document.getElementById('recon-missing')",
    ) == json!(true)
        || s.cdp
            .wait_for(
                "document.querySelector('[data-cat]') || document.getElementById('recon-missing')",
                "recon",
            )
            .is_object()
    {
        s.cdp
            .eval("(document.getElementById('card-close') || {click() {}}).click()");
        if s.cdp.eval("!!document.querySelector('[data-cat]')") == json!(true) {
            s.cdp.click_selector("[data-cat]");
            s.cdp
                .wait_for("document.querySelector('#recon-rows')", "a category list");
        }
        s.cdp.screenshot(&art.join("report-recon.png"));
    }
}

/// Page load to first render on a national-size report (10,000 precincts):
/// `cargo test --release --test browser -- --ignored national --nocapture`.
#[test]
#[ignore]
fn first_render_at_national_size() {
    let dir = tempfile::tempdir().unwrap();
    fx::write_national(dir.path(), 100, 100);
    let Some(mut s) = start(dir.path()) else {
        return;
    };
    let url = format!("{}/", s.base);
    let t0 = Instant::now();
    s.cdp.call("Page.navigate", json!({"url": url}));
    s.cdp.wait_for(
        "document.body && document.body.dataset.mapReady === '1'",
        "the first render",
    );
    let wall = t0.elapsed();
    s.cdp.wait_for(
        "document.body.dataset.listReady === '1'",
        "the flagged list",
    );
    let first = s.cdp.eval("window.__app.firstRender");
    let art = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&art).unwrap();
    s.cdp.screenshot(&art.join("national.png"));
    // Zoom in to a city-scale view and time the next full render.
    let t1 = Instant::now();
    s.cdp
        .eval("window.__app.map.jumpTo({center: [68.0, 47.5], zoom: 11}); 1");
    s.cdp.wait_for(
        "window.__app.map.loaded() && window.__app.map.areTilesLoaded()",
        "zoomed tiles",
    );
    let zoomed = t1.elapsed();
    eprintln!(
        "national: first render {:.0} ms after navigation start (wall {:.2} s); zoom-11 view loaded in {:.2} s",
        first.as_f64().unwrap_or(f64::NAN),
        wall.as_secs_f64(),
        zoomed.as_secs_f64()
    );
}
