use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CheckArgs {}

pub fn run(_a: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
