//! The command line: one clap-derived `enum Command`, one file per subcommand. Exit codes:
//! 0 when the run completed (whatever it found), 2 on unusable input or usage.

mod check;
mod dataset;
mod demo;
mod reconcile;
mod serve;

pub use dataset::DatasetFile;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Checks Kazakhstan's polling-precinct borders, voter lists and the AIS "Sailau" register
/// against each other (CEC rules on reconciliation of voters and precinct borders). Works
/// offline.
#[derive(Debug, Parser)]
#[command(name = "precincts", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the forms and map layers, run every check, write the report.
    Check(check::CheckArgs),
    /// Generate the demo town (or national-scale data), check it and serve the map.
    Demo(demo::DemoArgs),
    /// Reconcile a voter list with the AIS "Sailau" register (the nine categories).
    Reconcile(reconcile::ReconcileArgs),
    /// Serve the map and the JSON API for a report or a dataset.
    Serve(serve::ServeArgs),
}

/// Parses the arguments and runs the command; errors are printed with their causes. A
/// panic anywhere (a bug) ends the run with exit 2 and a message naming the place in the
/// code, never the panic's own text (it could quote a cell of the data); the report is
/// not left half-written, as every output is written atomically.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        if crate::io::catching_panics() {
            return;
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error{at}: the run stopped and no report was completed; please \
             report it with the command line (not the data)"
        );
    }));
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(_) => ExitCode::from(2),
    }
}

fn run() -> ExitCode {
    if std::env::var_os("PRECINCTS_TEST_PANIC").is_some() {
        // For the test of the guard above: a panic whose text holds an IIN.
        panic!("test panic 900101300017");
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Reconcile(a) => reconcile::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs `check` for a `dataset.toml` into `out` (what `serve --dataset` and `demo` use).
pub fn check_dataset(dataset: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    check::check_dataset(dataset, out)
}
