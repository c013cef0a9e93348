use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct DemoArgs {}

pub fn run(_a: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}
