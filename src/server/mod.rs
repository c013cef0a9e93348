//! The axum server: JSON API, vector tiles, downloads and the embedded MapLibre page.
//!
//! The router is a function of the state ([`router`]), so tests drive it without a socket.
//! Everything the page needs is embedded in the binary ([`assets`]); responses carry a
//! `Content-Security-Policy` that keeps the page on its own origin.

mod api;
mod assets;
mod basemap;
mod guard;
mod listen;
mod mvt;
mod openapi;
mod paths;
pub mod plan;
mod plan_routes;
mod state;
pub mod tiles;
mod workbook;

pub use api::ApiError;
pub use basemap::{Basemap, TileKind, pmtiles_tile_id};
pub use listen::{Limits, serve};
pub use state::{AppState, LoadOptions, LoadTimings};

use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors of loading a report directory or starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{file} is missing in {dir} (run `precincts check --out DIR` first)")]
    Missing { file: &'static str, dir: PathBuf },
    #[error("cannot read {file}: {source}")]
    Io {
        file: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is not valid: {reason}")]
    Parse { file: &'static str, reason: String },
    #[error("basemap: {0}")]
    Basemap(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// What [`serve_blocking`] serves and where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub report_dir: PathBuf,
    pub bind: SocketAddr,
    pub basemap: Option<PathBuf>,
    /// Timeouts and the connection cap.
    pub limits: Limits,
}

/// The whole application: API, tiles, downloads, page.
pub fn router(state: AppState) -> Router {
    api::routes(state)
}

/// The `dataset.toml` a report directory was checked from, by the `<dataset dir>/out`
/// convention of `serve --dataset` and `demo`: its address points are drawn at high zoom.
fn dataset_beside(report_dir: &std::path::Path) -> Option<PathBuf> {
    let d = report_dir.parent()?.join("dataset.toml");
    (report_dir.file_name()? == "out" && d.is_file()).then_some(d)
}

/// Loads the report, binds, prints the address to open and serves until Ctrl-C.
pub fn serve_blocking(opts: ServeOptions) -> anyhow::Result<()> {
    let t0 = std::time::Instant::now();
    let state = AppState::load(
        &opts.report_dir,
        &LoadOptions {
            basemap: opts.basemap.clone(),
            warm_tiles_to_zoom: Some(5),
            dataset: dataset_beside(&opts.report_dir),
        },
    )?;
    let t = state.timings();
    eprintln!(
        "loaded {} precincts in {:.2} s (read {:.2} s, tiles {:.2} s, {} tiles pre-encoded in {:.2} s)",
        state.precinct_count(),
        t0.elapsed().as_secs_f64(),
        t.read.as_secs_f64(),
        t.tiles.as_secs_f64(),
        t.warmed_tiles,
        t.warm.as_secs_f64()
    );
    if !opts.bind.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} — not loopback; the page and the data are reachable from the network",
            opts.bind
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.bind)
            .await
            .map_err(|e| ServerError::Bind {
                addr: opts.bind,
                source: e,
            })?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        println!("Open http://{host}:{}/", addr.port());
        use std::io::Write;
        let _ = std::io::stdout().flush();
        serve(listener, router(state), opts.limits, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        anyhow::Ok(())
    })
}
