use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {}

pub fn run(_a: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
