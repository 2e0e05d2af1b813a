use std::process::ExitCode;

fn main() -> ExitCode {
    tokenctl::complete_when_asked();
    let outcome = if tokenctl::clipboard_holder_requested() {
        tokenctl::hold_clipboard().map(|()| ExitCode::SUCCESS)
    } else if let Some(dir) = tokenctl::man_pages_requested() {
        tokenctl::man::write_all(&dir).map(|()| ExitCode::SUCCESS)
    } else {
        match tokenctl::cli::parse() {
            Ok(tokenctl::cli::Parsed::Run(cli)) => tokenctl::run(*cli),
            Ok(tokenctl::cli::Parsed::Shown(code)) => Ok(code),
            Err(e) => Err(e.into()),
        }
    };
    // Outcomes are values; only failures leave through `report`.
    match outcome {
        Ok(code) => code,
        Err(err) => tokenctl::error::report(&err),
    }
}
