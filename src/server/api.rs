//! Routes and handlers. Every error is an [`ApiError`]: a status and a JSON body with a
//! stable code and a message that names the bad parameter, never a path or an internal.

use super::assets;
use super::state::{AppState, PrecinctRec};
use super::tiles::MAX_ZOOM;
use super::workbook::mask_cell;
use crate::FindingCode;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use tower_http::set_header::SetResponseHeaderLayer;

/// A clear client (or server) error as JSON: `{"error": {"status", "code", "message"}}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"status": self.status.as_u16(), "code": self.code, "message": self.message}});
        (self.status, axum::Json(body)).into_response()
    }
}

pub(super) type ApiResult = Result<Response, ApiError>;

pub(super) fn json_ok(v: Value) -> ApiResult {
    Ok(axum::Json(v).into_response())
}

/// Query parameters, checked against the names an endpoint accepts.
pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn parse(
        q: Result<Query<Vec<(String, String)>>, QueryRejection>,
        allowed: &[&str],
    ) -> Result<Params, ApiError> {
        let Query(pairs) = q.map_err(|_| ApiError::bad_request("the query string is malformed"))?;
        let mut m = HashMap::new();
        for (k, v) in pairs {
            if !allowed.contains(&k.as_str()) {
                let shown: String = k.chars().take(40).collect();
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {shown:?}; this endpoint accepts: {}",
                    one_of(allowed)
                )));
            }
            if m.insert(k.clone(), v).is_some() {
                return Err(ApiError::bad_request(format!(
                    "parameter {k:?} given more than once"
                )));
            }
        }
        Ok(Params(m))
    }

    fn str(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    fn int(&self, name: &str, default: usize, min: usize, max: usize) -> Result<usize, ApiError> {
        match self.str(name) {
            None => Ok(default),
            Some(s) => match s.parse::<usize>() {
                Ok(v) if (min..=max).contains(&v) => Ok(v),
                _ => Err(ApiError::bad_request(format!(
                    "parameter {name:?} must be a whole number from {min} to {max}"
                ))),
            },
        }
    }

    fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.str(name) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(ApiError::bad_request(format!(
                "parameter {name:?} must be true or false"
            ))),
        }
    }

    fn code(&self) -> Result<Option<FindingCode>, ApiError> {
        match self.str("code") {
            None => Ok(None),
            Some(c) => FindingCode::from_str(c).map(Some).map_err(|_| {
                ApiError::bad_request(
                    "parameter \"code\" is not a finding code (see /api/codes for the list)"
                        .to_string(),
                )
            }),
        }
    }

    fn unit(&self) -> Result<Option<String>, ApiError> {
        match self.str("unit") {
            None => Ok(None),
            Some(u) if u.len() <= 12 && u.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Some(u.to_string()))
            }
            Some(_) => Err(ApiError::bad_request(
                "parameter \"unit\" must be a KATO code (digits)",
            )),
        }
    }

    pub(super) fn page(&self) -> Result<(usize, usize), ApiError> {
        Ok((
            self.int("page", 1, 1, 1_000_000)?,
            self.int("per_page", 50, 1, 1000)?,
        ))
    }
}

/// Whether an admin unit code lies within the unit filter (same code, or below it in the
/// KATO hierarchy).
fn in_unit(code: Option<&str>, unit: &str) -> bool {
    let Some(c) = code else { return false };
    let prefix = unit.trim_end_matches('0');
    c == unit || (!prefix.is_empty() && c.starts_with(prefix))
}

fn paged<T: Clone>(items: &[T], page: usize, per_page: usize) -> Vec<T> {
    items
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .cloned()
        .collect()
}

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(asset))
        .route("/static/{file}", get(asset))
        .route("/api/openapi.json", get(openapi))
        .route("/api/meta", get(meta))
        .route("/api/codes", get(codes))
        .route("/api/stats", get(stats))
        .route("/api/admin", get(admin))
        .route("/api/precincts", get(precincts))
        .route("/api/precincts/{no}", get(precinct_card))
        .route("/api/findings", get(findings))
        .route("/api/search", get(search))
        .route("/api/reconciliation/stats", get(recon_stats))
        .route("/api/reconciliation/{category}", get(recon_list))
        .route("/api/tiles/{z}/{x}/{y}", get(tile))
        .route("/basemap/{z}/{x}/{y}", get(basemap_tile))
        .route("/download/{file}", get(download))
        .merge(super::plan_routes::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn(super::guard::same_origin))
        .layer(axum::middleware::map_response(security_headers))
        // Personal data must not stay in the browser's cache or a proxy's: every response is
        // `no-store` unless its handler says otherwise (only the embedded page and scripts do).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state)
}

async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(assets::CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

async fn fallback(uri: Uri) -> ApiError {
    let p: String = uri.path().chars().take(80).collect();
    ApiError::not_found(format!("no such endpoint: {p} (see /api/openapi.json)"))
}

async fn asset(uri: Uri) -> ApiResult {
    let path = uri.path();
    let path = if path == "/index.html" { "/" } else { path };
    match assets::FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, ct, bytes)) => Ok((
            [
                (header::CONTENT_TYPE, *ct),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *bytes,
        )
            .into_response()),
        None => Err(ApiError::not_found("no such file")),
    }
}

async fn openapi() -> ApiResult {
    json_ok(super::openapi::document())
}

async fn meta(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let st = &s.0;
    let mut bounds: Option<[f64; 4]> = None;
    for b in st
        .precincts
        .iter()
        .filter_map(|p| p.bbox)
        .chain(st.admin.iter().filter_map(|a| a.bbox))
    {
        bounds = Some(match bounds {
            None => b,
            Some(a) => [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ],
        });
    }
    let has_recon = st.recon_stats.is_some()
        || !st.recon_lists.is_empty()
        || st
            .precincts
            .iter()
            .any(|p| p.props.get("reconciliation").is_some_and(|v| !v.is_null()));
    let dl = |f: &str| st.dir.join(f).is_file() || st.dir.join("reconciliation").join(f).is_file();
    json_ok(json!({
        "precincts": st.precincts.len(),
        "findings": st.findings.len(),
        "addresses": st.addresses.len(),
        "bounds": bounds,
        "tile_layers": st.tiles.layer_names(),
        "max_zoom": MAX_ZOOM,
        "basemap": st.basemap.as_ref().map(|b| b.info()),
        "reconciliation": has_recon,
        "reconciliation_categories": st.recon_lists.keys().collect::<Vec<_>>(),
        "downloads": {
            "report.geojson": dl("report.geojson"),
            "findings.csv": dl("findings.csv"),
            "reconciliation.xlsx": dl("reconciliation.xlsx"),
        },
        "cap": st.summary.get("cap"),
    }))
}

async fn codes(q: Result<Query<Vec<(String, String)>>, QueryRejection>) -> ApiResult {
    Params::parse(q, &[])?;
    let list: Vec<Value> = FindingCode::ALL
        .iter()
        .map(|c| {
            json!({"code": c.as_str(), "severity": c.severity().as_str(),
                   "title_kk": c.title("kk"), "title_ru": c.title("ru"), "title_en": c.title("en")})
        })
        .collect();
    json_ok(Value::Array(list))
}

async fn stats(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let st = &s.0;
    let mut by_code: BTreeMap<&str, u64> = BTreeMap::new();
    for f in &st.findings {
        *by_code.entry(f.code.as_str()).or_default() += 1;
    }
    let flag = |k: &str| {
        st.precincts
            .iter()
            .filter(|p| p.props.get(k).and_then(Value::as_bool) == Some(true))
            .count()
    };
    json_ok(json!({
        "precincts": st.precincts.len(),
        "flagged": st.precincts.iter().filter(|p| !p.codes.is_empty()).count(),
        "overfull": flag("overfull"),
        "cross_boundary": flag("cross_boundary"),
        "findings": st.findings.len(),
        "findings_by_code": by_code,
        "summary": summary_without_paths(&st.summary),
    }))
}

/// The summary with the folders of the input files removed (file names only).
fn summary_without_paths(summary: &Value) -> Value {
    let mut s = summary.clone();
    if let Some(acc) = s.get_mut("accounting").and_then(Value::as_array_mut) {
        for a in acc {
            if let Some(f) = a.get("file").and_then(Value::as_str) {
                let name = f.rsplit(['/', '\\']).next().unwrap_or(f).to_string();
                a["file"] = Value::String(name);
            }
        }
    }
    s
}

async fn admin(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let list: Vec<Value> = s
        .0
        .admin
        .iter()
        .map(|a| json!({"kato": a.kato, "name": a.name, "level": a.level, "bbox": a.bbox, "label": a.label}))
        .collect();
    json_ok(Value::Array(list))
}

fn precinct_item(p: &PrecinctRec) -> Value {
    let mut m = p.props.clone();
    m.insert("precinct".into(), json!(p.no));
    m.insert("bbox".into(), json!(p.bbox));
    m.insert("label".into(), json!(p.label));
    Value::Object(m)
}

pub(super) fn precinct_sort_key(no: &str) -> (u64, String) {
    (no.parse::<u64>().unwrap_or(u64::MAX), no.to_string())
}

async fn precincts(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let p = Params::parse(
        q,
        &[
            "flagged", "code", "unit", "sort", "order", "page", "per_page", "bbox",
        ],
    )?;
    let flagged = p.bool("flagged")?;
    let code = p.code()?;
    let unit = p.unit()?;
    let (page, per_page) = p.page()?;
    let sort = p.str("sort").unwrap_or("precinct");
    if !["precinct", "load", "voters", "outside_share", "findings"].contains(&sort) {
        return Err(ApiError::bad_request(
            "parameter \"sort\" must be one of precinct, load, voters, outside_share, findings",
        ));
    }
    let desc = match p.str("order") {
        None => sort != "precinct",
        Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "parameter \"order\" must be asc or desc",
            ));
        }
    };
    let bbox = match p.str("bbox") {
        None => None,
        Some(b) => {
            let v: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            if v.len() != 4 || v.iter().any(|x| !x.is_finite()) || v[0] > v[2] || v[1] > v[3] {
                return Err(ApiError::bad_request(
                    "parameter \"bbox\" must be west,south,east,north in degrees",
                ));
            }
            Some([v[0], v[1], v[2], v[3]])
        }
    };
    let st = &s.0;
    let mut list: Vec<&PrecinctRec> = st
        .precincts
        .iter()
        .filter(|r| !flagged || !r.codes.is_empty())
        .filter(|r| code.is_none_or(|c| r.codes.iter().any(|x| x == c.as_str())))
        .filter(|r| {
            unit.as_deref()
                .is_none_or(|u| in_unit(r.admin_unit.as_deref(), u))
        })
        .filter(|r| {
            bbox.is_none_or(|b| {
                r.label
                    .is_some_and(|l| l[0] >= b[0] && l[0] <= b[2] && l[1] >= b[1] && l[1] <= b[3])
            })
        })
        .collect();
    let num = |r: &PrecinctRec, k: &str| r.props.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    match sort {
        "load" => list.sort_by(|a, b| a.load.total_cmp(&b.load)),
        "voters" => list.sort_by(|a, b| num(a, "voters").total_cmp(&num(b, "voters"))),
        "outside_share" => {
            list.sort_by(|a, b| num(a, "outside_share").total_cmp(&num(b, "outside_share")))
        }
        "findings" => list.sort_by_key(|r| r.codes.len()),
        _ => list.sort_by_key(|r| precinct_sort_key(&r.no)),
    }
    if desc {
        list.reverse();
    }
    let items: Vec<Value> = paged(&list, page, per_page)
        .into_iter()
        .map(precinct_item)
        .collect();
    json_ok(json!({"total": list.len(), "page": page, "per_page": per_page, "items": items}))
}

fn finding_item(st: &super::state::Inner, i: usize) -> Value {
    let f = &st.findings[i];
    let mut m: Map<String, Value> = f.props.clone();
    m.insert("id".into(), json!(i));
    m.insert("bbox".into(), json!(f.bbox));
    m.insert("admin_unit".into(), json!(f.unit));
    Value::Object(m)
}

async fn precinct_card(
    State(s): State<AppState>,
    Path(no): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let st = &s.0;
    if no.len() > 40 {
        return Err(ApiError::bad_request("precinct number too long"));
    }
    let Some(&i) = st.by_no.get(&no) else {
        return Err(ApiError::not_found(format!(
            "no precinct {no:?} in this report"
        )));
    };
    let p = &st.precincts[i];
    let findings: Vec<Value> = st
        .findings_by_precinct
        .get(&p.no)
        .map(|v| v.iter().map(|&i| finding_item(st, i)).collect())
        .unwrap_or_default();
    let border_entries = ["border_entries", "borders", "address_list"]
        .iter()
        .find_map(|k| p.props.get(*k).filter(|v| !v.is_null()).cloned());
    json_ok(json!({
        "precinct": p.no,
        "properties": p.props,
        "bbox": p.bbox,
        "label": p.label,
        "numbers": {
            "by_polygon": p.props.get("voters"),
            "by_list": p.props.get("voters_listed"),
            "by_address_list": p.props.get("voters_by_list"),
            "by_address_list_exclusive": p.props.get("voters_by_list_exclusive"),
            "cap": p.props.get("cap"),
            "load": p.props.get("load"),
        },
        "station": p.props.get("station"),
        "findings": findings,
        "border_entries": border_entries,
        "reconciliation": p.props.get("reconciliation"),
        "reconciliation_titles": category_titles(),
    }))
}

async fn findings(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let p = Params::parse(q, &["code", "unit", "precinct", "page", "per_page"])?;
    let code = p.code()?;
    let unit = p.unit()?;
    let precinct = p.str("precinct");
    let (page, per_page) = p.page()?;
    let st = &s.0;
    let idx: Vec<usize> = (0..st.findings.len())
        .filter(|&i| {
            let f = &st.findings[i];
            code.is_none_or(|c| f.code == c.as_str())
                && unit
                    .as_deref()
                    .is_none_or(|u| in_unit(f.unit.as_deref(), u))
                && precinct.is_none_or(|n| f.precinct.as_deref() == Some(n))
        })
        .collect();
    let items: Vec<Value> = paged(&idx, page, per_page)
        .into_iter()
        .map(|i| finding_item(st, i))
        .collect();
    json_ok(json!({"total": idx.len(), "page": page, "per_page": per_page, "items": items}))
}

async fn search(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let p = Params::parse(q, &["q"])?;
    let Some(query) = p.str("q").map(str::trim).filter(|q| !q.is_empty()) else {
        return Err(ApiError::bad_request("parameter \"q\" is required"));
    };
    if query.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "parameter \"q\" is longer than 100 characters",
        ));
    }
    let ql = query.to_lowercase();
    let st = &s.0;
    let mut out: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push_p = |out: &mut Vec<Value>, r: &PrecinctRec, how: &str| {
        if out.len() < 20 && seen.insert(r.no.clone()) {
            out.push(json!({"kind": "precinct", "id": r.no, "match": how,
                "label": format!("{} — {}", r.no, r.props.get("admin_name").and_then(Value::as_str).unwrap_or("")),
                "bbox": r.bbox, "point": r.label}));
        }
    };
    if let Some(&i) = st.by_no.get(query) {
        push_p(&mut out, &st.precincts[i], "number");
    }
    for r in st.precincts.iter().filter(|r| r.no.starts_with(query)) {
        push_p(&mut out, r, "number");
    }
    for a in st
        .admin
        .iter()
        .filter(|a| a.kato.starts_with(query) || a.name.to_lowercase().contains(&ql))
        .take(10)
    {
        if out.len() < 20 {
            out.push(json!({"kind": "admin", "id": a.kato, "match": "kato",
                "label": format!("{} {}", a.kato, a.name), "bbox": a.bbox, "point": a.label}));
        }
    }
    for r in st.precincts.iter().filter(|r| r.search.contains(&ql)) {
        push_p(&mut out, r, "address");
    }
    if out.len() < 20 && ql.chars().count() >= 3 {
        let room = 20 - out.len();
        for (i, _) in st
            .address_search
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains(&ql))
            .take(room)
        {
            let a = &st.addresses[i];
            out.push(
                json!({"kind": "address", "id": i, "match": "address", "label": a.label,
                "bbox": null, "point": [a.lon, a.lat]}),
            );
        }
    }
    json_ok(json!({"q": query, "results": out}))
}

fn recon_counts(p: &PrecinctRec) -> Option<&Map<String, Value>> {
    p.props.get("reconciliation").and_then(Value::as_object)
}

async fn recon_stats(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let st = &s.0;
    let mut by_precinct = Vec::new();
    let mut by_unit: BTreeMap<String, (String, BTreeMap<String, f64>)> = BTreeMap::new();
    let mut sorted: Vec<&PrecinctRec> = st
        .precincts
        .iter()
        .filter(|p| recon_counts(p).is_some())
        .collect();
    sorted.sort_by_key(|p| precinct_sort_key(&p.no));
    for p in sorted {
        let Some(c) = recon_counts(p) else { continue };
        by_precinct.push(json!({"precinct": p.no, "admin_unit": p.admin_unit,
            "admin_name": p.props.get("admin_name"), "counts": c}));
        let unit = p.admin_unit.clone().unwrap_or_default();
        let name = p
            .props
            .get("admin_name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let e = by_unit
            .entry(unit)
            .or_insert_with(|| (name, BTreeMap::new()));
        for (k, v) in c {
            *e.1.entry(k.clone()).or_default() += v.as_f64().unwrap_or(0.0);
        }
    }
    if st.recon_stats.is_none() && st.recon_lists.is_empty() && by_precinct.is_empty() {
        return Err(ApiError::not_found(
            "this report has no reconciliation (run `precincts reconcile`)",
        ));
    }
    let by_unit: Vec<Value> = by_unit
        .into_iter()
        .map(|(u, (name, c))| json!({"admin_unit": u, "admin_name": name, "counts": c}))
        .collect();
    let categories: Vec<Value> = st
        .recon_lists
        .iter()
        .map(|(k, l)| {
            let cat = crate::reconcile::Category::ALL.iter().find(|c| c.file_stem() == k);
            let title = match (cat, k.as_str()) {
                (Some(c), _) => {
                    let t = c.title();
                    json!({"kk": t[0], "ru": t[1], "en": t[2]})
                }
                (None, "submission_only") => {
                    json!({"kk": "Тек тізімде", "ru": "Только в списке", "en": "Only in the submitted list"})
                }
                (None, "register_only") => {
                    json!({"kk": "Тек тізілімде", "ru": "Только в регистре", "en": "Only in the register"})
                }
                (None, _) => Value::Null,
            };
            json!({"category": k, "number": cat.map(|c| c.number()), "title": title, "rows": l.rows.len()})
        })
        .collect();
    let category_titles = category_titles();
    json_ok(
        json!({"stats": st.recon_stats, "by_precinct": by_precinct, "by_unit": by_unit,
        "categories": categories, "category_titles": category_titles}),
    )
}

/// Titles of the reconciliation categories "1".."9" in kk/ru/en.
fn category_titles() -> Map<String, Value> {
    crate::reconcile::Category::ALL
        .iter()
        .map(|c| {
            let t = c.title();
            (
                c.number().to_string(),
                json!({"kk": t[0], "ru": t[1], "en": t[2]}),
            )
        })
        .collect()
}

/// Every run of exactly 12 digits in a text (an IIN) masked to its first six digits.
pub fn mask_iins_in(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            if run.len() == 12 {
                out.push_str(&mask_iin(run));
            } else {
                out.push_str(run);
            }
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// First six digits of an IIN, the rest hidden.
pub fn mask_iin(s: &str) -> String {
    let head: String = s.chars().take(6).collect();
    format!("{head}{}", "*".repeat(s.chars().count().saturating_sub(6)))
}

async fn recon_list(
    State(s): State<AppState>,
    Path(category): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let p = Params::parse(q, &["page", "per_page", "reveal", "precinct"])?;
    let (page, per_page) = p.page()?;
    let reveal = p.bool("reveal")?;
    let precinct = p.str("precinct");
    let st = &s.0;
    let Some(list) = st.recon_lists.get(&category) else {
        let names: Vec<&str> = st.recon_lists.keys().map(String::as_str).collect();
        let shown: String = category.chars().take(40).collect();
        return Err(ApiError::not_found(format!(
            "no reconciliation category {shown:?}; available: {}",
            one_of(&names)
        )));
    };
    let pcol = list.columns.iter().position(|h| {
        let l = h.to_lowercase();
        l.contains("precinct") || l.contains("участ") || l.contains("учаске")
    });
    let rows: Vec<&Vec<String>> = list
        .rows
        .iter()
        .filter(|r| match (precinct, pcol) {
            (Some(n), Some(c)) => r.get(c).map(String::as_str) == Some(n),
            _ => true,
        })
        .collect();
    let items: Vec<Vec<String>> = paged(&rows, page, per_page)
        .into_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, v)| {
                    if reveal {
                        v.clone()
                    } else {
                        mask_cell(v, list.iin_columns.contains(&i))
                    }
                })
                .collect()
        })
        .collect();
    json_ok(
        json!({"category": category, "columns": list.columns, "total": rows.len(),
        "page": page, "per_page": per_page, "revealed": reveal, "rows": items}),
    )
}

fn tile_coords(z: &str, x: &str, y: &str) -> Result<(u8, u32, u32), ApiError> {
    let y = y
        .trim_end_matches(".pbf")
        .trim_end_matches(".mvt")
        .trim_end_matches(".png")
        .trim_end_matches(".jpg");
    let y = y.trim_end_matches(".webp");
    let bad = || {
        ApiError::bad_request(format!(
            "tile coordinates must be whole numbers with z from 0 to {MAX_ZOOM}"
        ))
    };
    let z: u8 = z.parse().map_err(|_| bad())?;
    let x: u32 = x.parse().map_err(|_| bad())?;
    let y: u32 = y.parse().map_err(|_| bad())?;
    if z > MAX_ZOOM {
        return Err(bad());
    }
    let n = 1u64 << z;
    if u64::from(x) >= n || u64::from(y) >= n {
        return Err(ApiError::bad_request(format!(
            "tile x and y must be below {n} at zoom {z}"
        )));
    }
    Ok((z, x, y))
}

async fn tile(
    State(s): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let (z, x, y) = tile_coords(&z, &x, &y)?;
    let st = s.clone();
    let t = tokio::task::spawn_blocking(move || st.0.tiles.tile(z, x, y))
        .await
        .map_err(|_| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "tile failed".into(),
        })?;
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile")],
        t.as_ref().clone(),
    )
        .into_response())
}

async fn basemap_tile(
    State(s): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    let (z, x, y) = tile_coords(&z, &x, &y)?;
    let Some(b) = &s.0.basemap else {
        return Err(ApiError::not_found(
            "no basemap was given (serve --basemap FILE)",
        ));
    };
    match b.tile(z, x, y) {
        Some((bytes, gz)) => {
            let mut r = ([(header::CONTENT_TYPE, b.kind.content_type())], bytes).into_response();
            if gz {
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Ok(r)
        }
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn download(
    State(s): State<AppState>,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    // Only the workbook holds IINs; it is masked unless the user asks to reveal them, as in
    // the reconciliation API.
    let workbook = file == "reconciliation.xlsx";
    let p = Params::parse(q, if workbook { &["reveal"] } else { &[] })?;
    let reveal = p.bool("reveal")?;
    let ct = match file.as_str() {
        "report.geojson" => "application/geo+json",
        "findings.csv" => "text/csv; charset=utf-8",
        "reconciliation.xlsx" => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        _ => {
            return Err(ApiError::not_found(
                "downloads are report.geojson, findings.csv and reconciliation.xlsx",
            ));
        }
    };
    // The reconcile subcommand writes its workbook into DIR/reconciliation/.
    let path = match file.as_str() {
        "reconciliation.xlsx" => ["reconciliation/reconciliation.xlsx", "reconciliation.xlsx"]
            .iter()
            .map(|f| s.0.dir.join(f))
            .find(|p| p.is_file())
            .unwrap_or_else(|| s.0.dir.join(&file)),
        _ => s.0.dir.join(&file),
    };
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|_| ApiError::not_found("download failed"))?
        .map_err(|_| ApiError::not_found(format!("{file} is not in this report")))?;
    // `check` wrote findings.csv before cells were escaped: escape it on the way out (the
    // rule is idempotent, so a file already escaped is served unchanged).
    let bytes = if file == "findings.csv" {
        crate::report::escape_csv(&bytes).map_err(|_| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "findings_csv",
            message: "findings.csv is not a valid CSV (run `precincts check` again)".into(),
        })?
    } else {
        bytes
    };
    let bytes = if workbook && !reveal {
        tokio::task::spawn_blocking(move || super::workbook::masked(bytes))
            .await
            .map_err(|_| ApiError::not_found("download failed"))?
            .map_err(|e| ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: "workbook",
                message: format!("{e} (run `precincts reconcile` again)"),
            })?
    } else {
        bytes
    };
    let disp = format!("attachment; filename=\"{file}\"");
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (header::CONTENT_DISPOSITION, disp),
        ],
        bytes,
    )
        .into_response())
}

/// The choices an error message offers: "a, b, c", or "none".
fn one_of(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iin_inside_a_text_is_masked_but_other_numbers_are_not() {
        assert_eq!(
            mask_iins_in("ЖСН 900101300123 ≠ 1234567890123, строка 17"),
            "ЖСН 900101****** ≠ 1234567890123, строка 17"
        );
    }

    #[test]
    fn an_iin_keeps_its_first_six_digits() {
        assert_eq!(mask_iin("900101300123"), "900101******");
    }

    #[test]
    fn a_district_filter_takes_the_units_below_it() {
        assert!(in_unit(Some("751213000"), "751210000"));
        assert!(!in_unit(Some("751310000"), "751210000"));
        assert!(!in_unit(None, "751210000"));
    }
}
