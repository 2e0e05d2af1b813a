use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tokenctl::cli::Cli::parse();
    match tokenctl::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => tokenctl::error::report(&err),
    }
}
