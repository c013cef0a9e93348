//! The OpenAPI 3.1 document served at `/api/openapi.json`.

use serde_json::{Value, json};

fn q(name: &str, ty: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc})
}

fn p(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}, "description": desc})
}

fn op(summary: &str, params: Vec<Value>, content: &str) -> Value {
    json!({"get": {
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {content: {}}},
            "400": {"description": "Bad parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    }})
}

/// The document.
pub fn document() -> Value {
    let j = "application/json";
    let paging = || {
        vec![
            q("page", "integer", "1-based page (default 1)"),
            q("per_page", "integer", "1..1000 (default 50)"),
        ]
    };
    let mut list_params = vec![
        q("flagged", "boolean", "only precincts with findings"),
        q("code", "string", "only precincts with this finding code"),
        q(
            "unit",
            "string",
            "only precincts in this KATO unit (or below it)",
        ),
        q(
            "sort",
            "string",
            "precinct | load | voters | outside_share | findings",
        ),
        q("order", "string", "asc | desc"),
        q(
            "bbox",
            "string",
            "west,south,east,north: precincts whose label point lies inside",
        ),
    ];
    list_params.extend(paging());
    let mut finding_params = vec![
        q("code", "string", "finding code, e.g. PRECINCT_OVER_CAP"),
        q("unit", "string", "KATO unit"),
        q("precinct", "string", "precinct number"),
    ];
    finding_params.extend(paging());
    let mut recon_params = vec![
        p(
            "category",
            "category list name (file stem of reconciliation/*.csv)",
        ),
        q(
            "reveal",
            "boolean",
            "show IINs in full (masked to the first 6 digits otherwise)",
        ),
        q("precinct", "string", "only rows of this precinct"),
    ];
    recon_params.extend(paging());
    let tile = || {
        vec![
            p("z", "zoom 0..22"),
            p("x", "column"),
            p("y", "row (an extension like .pbf is allowed)"),
        ]
    };
    json!({
        "openapi": "3.1.0",
        "info": {"title": "precincts map server", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Precinct check results (report directory) as JSON, vector tiles and downloads."},
        "paths": {
            "/api/meta": op("What is loaded: counts, bounds, tile layers, basemap, downloads", vec![], j),
            "/api/codes": op("Finding codes with titles in kk/ru/en", vec![], j),
            "/api/stats": op("Summary statistics (summary.json plus counts)", vec![], j),
            "/api/admin": op("Administrative units: kato, name, level, bbox, label point", vec![], j),
            "/api/precincts": op("Precincts with their properties, filtered, sorted, paged", list_params, j),
            "/api/precincts/{no}": op("A precinct's card: numbers, station, findings, border entries, reconciliation counts", vec![p("no", "precinct number")], j),
            "/api/findings": op("Findings, filtered and paged", finding_params, j),
            "/api/search": op("Search by precinct number, KATO code or address", vec![q("q", "string", "1..100 characters (required)")], j),
            "/api/reconciliation/stats": op("Reconciliation statistics per precinct and per unit, category sizes", vec![], j),
            "/api/reconciliation/{category}": op("One reconciliation category list, paged; IINs masked unless reveal=true", recon_params, j),
            "/api/tiles/{z}/{x}/{y}": op("Vector tile (MVT) with layers admin, precincts, findings, stations", tile(), "application/vnd.mapbox-vector-tile"),
            "/basemap/{z}/{x}/{y}": op("A tile of the local basemap given with --basemap", tile(), "application/octet-stream"),
            "/download/{file}": op("report.geojson, findings.csv or reconciliation.xlsx", vec![p("file", "file name")], "application/octet-stream"),
            "/api/openapi.json": op("This document", vec![], j)
        },
        "components": {"schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}}}
    })
}
