//! The planner's endpoints: the plan, a precinct's planned addresses, edits (move, undo) and
//! the downloads of the planned lists.
//!
//! Requests that change the plan must come from the page itself: JSON bodies (a cross-site
//! form cannot send one without a CORS preflight, which this server never grants), and, as
//! for every route, the Host/Origin guard of [`super::guard`].

use super::api::{ApiError, ApiResult, Params, json_ok};
use super::plan::{PlanError, Planner};
use super::state::AppState;
use crate::borders::Lang;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use serde::Deserialize;
use serde_json::json;
use std::sync::MutexGuard;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/plan", get(overview))
        .route("/api/plan/precincts/{no}/addresses", get(addresses))
        .route("/api/plan/edits", post(add_edit))
        .route("/api/plan/edits/{id}", delete(delete_edit))
        .route("/download/plan.geojson", get(download_geojson))
        .route(
            "/download/plan-appendix3.ru.csv",
            appendix3_route(Lang::Ru, false),
        )
        .route(
            "/download/plan-appendix3.kk.csv",
            appendix3_route(Lang::Kk, false),
        )
        .route(
            "/download/plan-appendix3.ru.xlsx",
            appendix3_route(Lang::Ru, true),
        )
        .route(
            "/download/plan-appendix3.kk.xlsx",
            appendix3_route(Lang::Kk, true),
        )
}

fn appendix3_route(lang: Lang, xlsx: bool) -> MethodRouter<AppState> {
    get(
        move |State(s): State<AppState>,
              q: Result<Query<Vec<(String, String)>>, QueryRejection>| {
            appendix3(s, q, lang, xlsx)
        },
    )
}

fn status(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> ApiError {
        match e {
            PlanError::Invalid(m) => ApiError::bad_request(m),
            e @ PlanError::NoEdit(_) => ApiError::not_found(e.to_string()),
            // The database's own message, never a path.
            e => status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "plan_storage",
                format!("the plan could not be saved or read ({e})"),
            ),
        }
    }
}

/// The planner, or a 404 that says why there is none.
fn planner(s: &AppState) -> Result<MutexGuard<'_, Planner>, ApiError> {
    match &s.0.plan {
        Some(m) => Ok(m.lock().unwrap_or_else(|p| p.into_inner())),
        None => Err(ApiError::not_found(
            s.0.plan_note
                .clone()
                .unwrap_or_else(|| "planning is off".into()),
        )),
    }
}

fn json_body(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the edit as JSON (Content-Type: application/json)",
        ))
    }
}

async fn overview(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    match &s.0.plan {
        Some(_) => json_ok(planner(&s)?.overview()),
        None => json_ok(json!({
            "available": false,
            "reason": s.0.plan_note.clone().unwrap_or_default(),
        })),
    }
}

async fn addresses(
    State(s): State<AppState>,
    Path(no): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    let params = Params::parse(q, &["page", "per_page"])?;
    let (page, per_page) = params.page()?;
    if per_page > 500 {
        return Err(ApiError::bad_request(
            "parameter \"per_page\" must be a whole number from 1 to 500",
        ));
    }
    if no.chars().count() > 40 {
        return Err(ApiError::bad_request("precinct number too long"));
    }
    let p = planner(&s)?;
    if !p.knows(&no) {
        return Err(ApiError::not_found(format!(
            "no precinct {no:?} in this report or its plan"
        )));
    }
    json_ok(p.precinct_addresses(&no, page, per_page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    addresses: Vec<u64>,
    precinct: String,
    #[serde(default)]
    note: String,
}

async fn add_edit(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    json_body(&headers)?;
    let b: EditBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the edit must be {{\"addresses\": [ids], \"precinct\": \"number\", \"note\": \"text\"}}: {e}"
        ))
    })?;
    let mut p = planner(&s)?;
    let (edit, changed, warnings) = p.add_edit(&b.addresses, &b.precinct, &b.note)?;
    let warnings: Vec<_> = warnings
        .into_iter()
        .map(|w| {
            json!({"code": w.code, "precinct": w.precinct, "message": w.message,
                   "count": w.count, "unit": w.unit})
        })
        .collect();
    let edit_json = edit.to_json();
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"edit": edit_json, "changed": changed, "warnings": warnings})),
    )
        .into_response())
}

async fn delete_edit(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: i64 = id
        .parse()
        .ok()
        .filter(|&i| i > 0)
        .ok_or_else(|| ApiError::bad_request("an edit id is a whole number from 1"))?;
    let changed = planner(&s)?.delete_edit(id)?;
    json_ok(json!({"deleted": id, "changed": changed}))
}

fn attachment(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn download_geojson(
    State(s): State<AppState>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult {
    Params::parse(q, &[])?;
    drop(planner(&s)?);
    let bytes = tokio::task::spawn_blocking(move || planner(&s).map(|p| p.geojson()))
        .await
        .map_err(|_| ApiError::not_found("download failed"))??;
    Ok(attachment("plan.geojson", "application/geo+json", bytes))
}

/// Serves the planned Appendix 3 table in one language and format.
async fn appendix3(
    s: AppState,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    lang: Lang,
    xlsx: bool,
) -> ApiResult {
    Params::parse(q, &[])?;
    drop(planner(&s)?);
    let l = match lang {
        Lang::Ru => "ru",
        Lang::Kk => "kk",
    };
    let name = format!("plan-appendix3.{l}.{}", if xlsx { "xlsx" } else { "csv" });
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        Ok(planner(&s)?.appendix3(lang, xlsx)?)
    })
    .await
    .map_err(|_| ApiError::not_found("download failed"))??;
    let ct = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(attachment(&name, ct, bytes))
}
