//! The page and MapLibre GL JS, embedded at build time (see build.rs): the running program
//! reads nothing from `web/`.

/// Path, content type and bytes of every embedded file.
pub const FILES: &[(&str, &str, &[u8])] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/web/index.html")),
    ),
    (
        "/static/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/web/app.js")),
    ),
    (
        "/static/style.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/web/style.css")),
    ),
    (
        "/static/maplibre-gl.mjs",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/web/maplibre-gl.mjs")),
    ),
    (
        "/static/maplibre-gl-worker.mjs",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/web/maplibre-gl-worker.mjs")),
    ),
    (
        "/static/maplibre-gl.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/web/maplibre-gl.css")),
    ),
];

/// The Content-Security-Policy of every response: the page's own origin only (MapLibre's
/// workers may start from `blob:` URLs; images may be `data:`/`blob:`).
pub const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
child-src 'self' blob:; connect-src 'self'; img-src 'self' data: blob:; \
style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";
