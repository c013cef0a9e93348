use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ReconcileArgs {}

pub fn run(_a: ReconcileArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
