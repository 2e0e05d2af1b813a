//! The command line, parsed: tokens in arguments refused first, then clap;
//! help and version shown as outcomes, usage errors as our one line.

use super::Cli;
use clap::Parser;

/// Any argument or option value that holds a well-formed token is refused
/// before anything else happens, and not echoed (spec section 1): a token
/// passed in `--reason "leaked: $T"` would otherwise reach the append-only
/// log for ever. The `TOKENCTL_*` settings that stand for options count too.
fn refuse_tokens_in_arguments() -> crate::error::Result<(), crate::error::Error> {
    let settings = ["TOKENCTL_DB", "TOKENCTL_ACTOR", "TOKENCTL_FORMAT"]
        .iter()
        .filter_map(std::env::var_os);
    let holds_token = std::env::args_os()
        .skip(1)
        .chain(settings)
        .any(|a| crate::domain::token::contains_token(&a.to_string_lossy()));
    if holds_token {
        return Err(crate::error::Error::usage(
            "an argument holds a whole token; it was refused and is not shown (nothing was changed)",
        )
        .hint(format!("tokens are read from stdin; {}", crate::domain::token::IN_HISTORY)));
    }
    Ok(())
}

/// What the command line asked: a command to run, or help or the version,
/// which were shown (with the exit code to leave with).
pub enum Parsed {
    Run(Box<Cli>),
    Shown(std::process::ExitCode),
}

/// The command line, parsed. Help and version are printed as clap prints
/// them (exit 0, or 2 when shown for a missing subcommand); a usage error
/// becomes our one `error: …` line with the usage as its hint, exit 2; a
/// value that holds a token is refused before clap sees it.
pub fn parse() -> Result<Parsed, crate::error::Error> {
    use crate::error::{Error, Kind};
    use clap::error::ErrorKind;
    refuse_tokens_in_arguments()?;
    let e = match Cli::try_parse() {
        Ok(cli) => return Ok(Parsed::Run(Box::new(cli))),
        Err(e) => e,
    };
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        // Help shown is an outcome; help instead of a missing subcommand
        // is a usage error, already said.
        return Ok(Parsed::Shown(std::process::ExitCode::from(
            if e.use_stderr() {
                Kind::Usage.exit_code()
            } else {
                0
            },
        )));
    }
    let text = e.render().to_string();
    // The first paragraph, on one line: "required arguments were not provided: <TOKEN>".
    let first = text
        .trim_start()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let message = first.strip_prefix("error: ").unwrap_or(&first);
    let tip = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("tip: "));
    let usage = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Usage: "));
    let hint = match (tip, usage) {
        (Some(t), _) => t.to_owned(),
        (None, Some(u)) => format!("usage: {u}; more with --help"),
        (None, None) => "see tokenctl --help".to_owned(),
    };
    Err(Error::usage(message).hint(hint))
}
