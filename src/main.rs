use std::process::ExitCode;

fn main() -> ExitCode {
    precincts::cli::main()
}
