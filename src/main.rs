use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `COMPLETE=bash tokenctl` prints the dynamic completion script, and the
    // shell calls back here for candidates; otherwise this returns at once.
    clap_complete::CompleteEnv::with_factory(<tokenctl::cli::Cli as clap::CommandFactory>::command)
        .complete();
    if let Err(e) = tokenctl::cli::refuse_tokens_in_arguments() {
        return tokenctl::error::report(&e.into());
    }
    let cli = match tokenctl::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return tokenctl::cli::report_parse_error(e),
    };
    match tokenctl::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => tokenctl::error::report(&err),
    }
}
