use std::process::ExitCode;

fn main() -> ExitCode {
    // `COMPLETE=bash tokenctl` prints the dynamic completion script, and the
    // shell calls back here for candidates; otherwise this returns at once.
    clap_complete::CompleteEnv::with_factory(<tokenctl::cli::Cli as clap::CommandFactory>::command)
        .complete();
    let outcome = if tokenctl::clipboard_holder_requested() {
        tokenctl::hold_clipboard()
    } else {
        tokenctl::cli::parse()
            .map_err(anyhow::Error::from)
            .and_then(tokenctl::run)
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => tokenctl::error::report(&err),
    }
}
