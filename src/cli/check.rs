use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CheckArgs {}

pub fn run(_a: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}

pub fn check_dataset(_dataset: &std::path::Path, _out: &std::path::Path) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
