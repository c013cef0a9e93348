//! `precincts serve`: the map and the JSON API for a report directory or a dataset.
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A dataset.toml: run the check into <dataset dir>/out, then serve that.
    #[arg(long, conflicts_with = "report")]
    pub dataset: Option<PathBuf>,
    /// A report directory written by `precincts check --out DIR`.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// A local basemap (.pmtiles or .mbtiles) drawn under the data.
    #[arg(long)]
    pub basemap: Option<PathBuf>,
}

pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let report_dir = match (a.dataset, a.report) {
        (Some(ds), _) => {
            let dir = ds
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        std::path::Path::new(".")
                    } else {
                        p
                    }
                })
                .context("the dataset path has no folder")?
                .join("out");
            crate::cli::check_dataset(&ds, &dir)?;
            dir
        }
        (None, Some(r)) => r,
        (None, None) => {
            anyhow::bail!("give --report DIR (a check's output) or --dataset dataset.toml")
        }
    };
    crate::server::serve_blocking(crate::server::ServeOptions {
        report_dir,
        bind: a.bind,
        basemap: a.basemap,
        limits: Default::default(),
    })?;
    Ok(ExitCode::SUCCESS)
}
