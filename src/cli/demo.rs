use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// `precincts demo`: generate a synthetic town (or a national-scale dataset) with planted
/// problems, check it, and serve the map.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to generate the data (the report goes to DIR/out).
    #[arg(long, default_value = "data/demo")]
    pub out_dir: PathBuf,
    /// Number of voters (national size: 12000000).
    #[arg(long)]
    pub voters: Option<usize>,
    /// Number of precincts (national size: 10000).
    #[arg(long)]
    pub precincts: Option<usize>,
    /// Number of address points (national size: 2000000).
    #[arg(long)]
    pub addresses: Option<usize>,
    /// Seed of the generator (the same seed gives the same files).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Stop after the check; do not serve the map.
    #[arg(long)]
    pub no_serve: bool,
    /// Address to serve the map on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
}

pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let mut opts = crate::demo::DemoOptions {
        seed: a.seed,
        ..Default::default()
    };
    if let Some(v) = a.voters {
        opts.voters = v;
    }
    if let Some(p) = a.precincts {
        opts.precincts = p;
    }
    if a.addresses.is_some() {
        opts.addresses = a.addresses;
    }
    let started = std::time::Instant::now();
    crate::demo::generate(&a.out_dir, &opts)?;
    eprintln!(
        "generated the demo in {} ({:.1} s)",
        a.out_dir.display(),
        started.elapsed().as_secs_f64()
    );
    let out = a.out_dir.join("out");
    super::check::check_dataset(&a.out_dir.join("dataset.toml"), &out)?;
    reconcile_demo(&a.out_dir, &out)?;
    if a.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    crate::server::serve_blocking(crate::server::ServeOptions {
        report_dir: out,
        bind: a.bind,
        basemap: None,
        limits: Default::default(),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Reconciles the demo's submission with its register into the report folder, so the map
/// shows both: the generator writes the `[reconcile]` table of `dataset.toml` when it
/// planted the register side.
fn reconcile_demo(dir: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    let dataset = dir.join("dataset.toml");
    if super::DatasetFile::load(&dataset)?.reconcile.is_none() {
        return Ok(());
    }
    super::reconcile::run(super::reconcile::ReconcileArgs {
        dataset: Some(dataset),
        out: out.to_path_buf(),
        ..Default::default()
    })?;
    Ok(())
}
