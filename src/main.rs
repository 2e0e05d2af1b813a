use std::process::ExitCode;

fn main() -> ExitCode {
    tokenctl::complete_when_asked();
    let outcome = if tokenctl::clipboard_holder_requested() {
        tokenctl::hold_clipboard()
    } else if let Some(dir) = tokenctl::man_pages_requested() {
        tokenctl::man::write_all(&dir)
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
