use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match tokenctl::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return tokenctl::cli::report_parse_error(e),
    };
    match tokenctl::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => tokenctl::error::report(&err),
    }
}
