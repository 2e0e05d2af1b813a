//! `tokenctl completions SHELL`: the completion script, from the clap definitions.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Result;

/// The script for `shell`, as bytes (also used by the drift test).
pub(crate) fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tokenctl", &mut buf);
    buf
}

pub(crate) fn run(shell: clap_complete::Shell) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(&script(shell))?;
    out.flush()?;
    Ok(())
}
