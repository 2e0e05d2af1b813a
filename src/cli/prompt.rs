//! Questions to the person at the terminal (dialoguer). We ask only when
//! stdin and stderr are both terminals; otherwise we never wait for input.

use std::io::{self, IsTerminal, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use dialoguer::{Confirm, Input, Select};

use crate::error::{Error, Result};

/// A person can answer: stdin and stderr (where dialoguer draws) are terminals.
pub(crate) fn interactive() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

static PROMPTING: AtomicBool = AtomicBool::new(false);

/// While a question is on screen, Ctrl-C restores the cursor, says that
/// nothing changed, and exits 130. Questions come before any write, so
/// there is nothing to undo.
struct Asking;

impl Asking {
    fn start() -> Asking {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(|| {
            let _ = ctrlc::set_handler(|| {
                if PROMPTING.load(Ordering::SeqCst) {
                    interrupted();
                }
                crate::error::exit_interrupted("interrupted");
            });
        });
        PROMPTING.store(true, Ordering::SeqCst);
        Asking
    }
}

impl Drop for Asking {
    fn drop(&mut self) {
        PROMPTING.store(false, Ordering::SeqCst);
    }
}

/// End the process after Ctrl-C at a question. A raw-mode prompt both
/// returns an "interrupted" error and raises SIGINT, so the main thread and
/// the signal handler may both get here: the first one reports and exits,
/// the other waits for the exit.
fn interrupted() -> ! {
    static CLAIMED: AtomicBool = AtomicBool::new(false);
    if CLAIMED.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    let mut err = io::stderr().lock();
    // Show the cursor again (Select hides it) and start a fresh line.
    let _ = write!(err, "\x1b[?25h\r\n");
    let _ = err.flush();
    drop(err);
    crate::error::exit_interrupted("interrupted; nothing was changed")
}

fn no_answer(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = &e;
    if io.kind() == io::ErrorKind::Interrupted {
        interrupted();
    }
    Error::not_confirmed(format!("no answer ({e}); nothing was changed"))
}

/// A token from a person at the terminal: `Token: ` on stderr, nothing
/// echoed as it is typed or pasted, taken on Enter. Without a terminal it
/// is read from stdin as it stands (the first line, bounded).
pub(crate) fn token_input() -> Result<zeroize::Zeroizing<String>> {
    if !interactive() {
        return Ok(crate::verify::read_input(io::stdin().lock())?);
    }
    let _asking = Asking::start();
    let typed = dialoguer::Password::new()
        .with_prompt("Token")
        .allow_empty_password(true)
        .report(false)
        .interact()
        .map_err(no_answer)?;
    Ok(zeroize::Zeroizing::new(typed))
}

/// The terminal's width where the questions are drawn (stderr).
fn stderr_columns() -> Option<usize> {
    rustix::termios::tcgetwinsize(io::stderr())
        .ok()
        .map(|w| usize::from(w.ws_col))
        .filter(|&c| c > 0)
}

/// Ask "yes or no", default No. `--yes` skips the question; without a
/// terminal to ask on, refuse (exit 5) rather than guess.
pub(crate) fn confirm(question: &str, yes: bool) -> Result<()> {
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
    let _asking = Asking::start();
    // A question wider than the terminal would wrap, and the prompt would
    // redraw only its last line at each keypress, repeating the rest: the
    // question goes on a line of its own, the prompt stays short.
    let wide = question.chars().count() + " [y/N] ".len();
    let prompt = if stderr_columns().is_some_and(|columns| wide >= columns) {
        super::output::note(question);
        "Confirm"
    } else {
        question
    };
    // Wait for Enter: a habitual Enter after the `y` must not reach the shell.
    let answer = Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .wait_for_newline(true)
        .interact_opt()
        .map_err(no_answer)?;
    if answer == Some(true) {
        Ok(())
    } else {
        // A deliberate No is no error: said plainly, still exit 5.
        super::output::note("Cancelled; nothing was changed.");
        Err(Error::not_confirmed("cancelled").silent().into())
    }
}

/// Ask for a value, with an answer taken on Enter (`default`), asking
/// again at once while `valid` says what is wrong with it.
pub(crate) fn ask_valid(
    question: &str,
    default: Option<&str>,
    valid: impl FnMut(&String) -> std::result::Result<(), String> + 'static,
) -> Result<String> {
    let _asking = Asking::start();
    let mut input = Input::new().with_prompt(question);
    if let Some(d) = default {
        input = input.default(d.to_owned());
    }
    let answer: String = input
        .validate_with(valid)
        .interact_text()
        .map_err(no_answer)?;
    Ok(answer)
}

/// Offer a choice among `options` with a first "none" entry (the default).
pub(crate) fn choose(question: &str, none: &str, options: &[String]) -> Result<Option<String>> {
    let _asking = Asking::start();
    let mut items = vec![none.to_owned()];
    items.extend(options.iter().cloned());
    let picked = Select::new()
        .with_prompt(question)
        .items(&items)
        .default(0)
        .interact_opt()
        .map_err(no_answer)?;
    match picked {
        None => Err(Error::not_confirmed("cancelled; nothing was changed").into()),
        Some(0) => Ok(None),
        Some(i) => Ok(Some(options[i - 1].clone())),
    }
}
