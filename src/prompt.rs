//! Questions to the person at the terminal (dialoguer). We ask only when
//! stdin and stderr are both terminals; otherwise we never wait for input.

use std::io::{self, IsTerminal};

use dialoguer::{Confirm, Input};

use crate::error::{Error, Result};

/// A person can answer: stdin and stderr (where dialoguer draws) are terminals.
pub fn interactive() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Ask "yes or no", default No. `--yes` skips the question; without a
/// terminal to ask on, refuse (exit 5) rather than guess.
pub fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !interactive() {
        return Err(Error::not_confirmed(
            "confirmation needed and there is no terminal to ask on; nothing was changed",
        )
        .hint("pass --yes to confirm")
        .into());
    }
    let answer = Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact_opt()
        .map_err(|e| Error::not_confirmed(format!("no answer ({e}); nothing was changed")))?;
    if answer == Some(true) {
        Ok(())
    } else {
        Err(Error::not_confirmed("not confirmed; nothing was changed").into())
    }
}

/// Ask for a value that has no default (the name of a new token).
pub fn ask(question: &str, flag: &str) -> Result<String> {
    if !interactive() {
        return Err(Error::usage(format!("{flag} is required"))
            .hint(format!("pass {flag} NAME (there is no terminal to ask on)"))
            .into());
    }
    let answer: String = Input::new()
        .with_prompt(question)
        .interact_text()
        .map_err(|e| Error::usage(format!("no answer ({e}); nothing was changed")))?;
    Ok(answer)
}
