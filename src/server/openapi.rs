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

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The planner's changing operations: a POST of an edit and a DELETE of one.
fn plan_edits() -> (Value, Value) {
    let guard = "Only from the page: Host must be localhost or an IP address, Origin (when sent) the same host.";
    let post = json!({"post": {
        "summary": "Move address points to a precinct (an edit, stored in plan.sqlite). Every point sharing an address with a given one moves too.",
        "description": guard,
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["addresses", "precinct"], "additionalProperties": false,
            "properties": {
                "addresses": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1,
                              "description": "address ids (rows of assignment.csv)"},
                "precinct": {"type": "string", "description": "target precinct number; a new number makes a new precinct"},
                "note": {"type": "string", "maxLength": 500}}}}}},
        "responses": {
            "201": {"description": "The edit, the precincts it changed (before / planned voters), warnings over_cap, other_unit, new_precinct",
                    "content": {"application/json": {}}},
            "400": err("Bad edit (unknown address id, empty precinct, bad JSON)"),
            "403": err("Not from the page"),
            "404": err("No plan in this report"),
            "415": err("Not JSON")}
    }});
    let delete = json!({"delete": {
        "summary": "Undo an edit: remove it and replay the others",
        "description": guard,
        "parameters": [p("id", "edit id")],
        "responses": {
            "200": {"description": "The precincts the undo changed", "content": {"application/json": {}}},
            "400": err("Bad id"), "403": err("Not from the page"), "404": err("No such edit")}
    }});
    (post, delete)
}

/// The document.
pub fn document() -> Value {
    let (edits_post, edit_delete) = plan_edits();
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
            "/download/{file}": op("report.geojson, findings.csv or reconciliation.xlsx (IINs masked unless reveal=true)", vec![p("file", "file name"), q("reveal", "boolean", "reconciliation.xlsx only: IINs in full")], "application/octet-stream"),
            "/api/plan": op("The plan: edits, precincts whose planned addresses differ from the check's (voters before and planned, cap, units), moved address ids", vec![], j),
            "/api/plan/precincts/{no}/addresses": op("A precinct's planned address points (id, label, voters, base precinct, moved), paged (per_page up to 500)", {
                let mut v = vec![p("no", "precinct number")];
                v.extend(paging());
                v
            }, j),
            "/api/plan/edits": edits_post,
            "/api/plan/edits/{id}": edit_delete,
            "/download/plan.geojson": op("The plan as GeoJSON: a MultiPoint of planned addresses per precinct with its figures", vec![], "application/geo+json"),
            "/download/plan-appendix3.ru.csv": op("The planned Appendix 3 lists, Russian headers, CSV (also .kk.csv, .ru.xlsx, .kk.xlsx)", vec![], "text/csv"),
            "/download/plan-appendix3.kk.csv": op("The planned Appendix 3 lists, Kazakh headers, CSV", vec![], "text/csv"),
            "/download/plan-appendix3.ru.xlsx": op("The planned Appendix 3 lists, Russian headers, XLSX", vec![], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "/download/plan-appendix3.kk.xlsx": op("The planned Appendix 3 lists, Kazakh headers, XLSX", vec![], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "/api/openapi.json": op("This document", vec![], j)
        },
        "components": {"schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}}}
    })
}
