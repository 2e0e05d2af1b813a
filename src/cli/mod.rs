//! The command-line front: the clap surface (`args`), typed at the edge;
//! one verb a file (`commands/`), each reading its arguments, calling the
//! store or an operation, and handing a value to `output`; and what touches
//! a person's terminal (`prompt`, `clipboard`, `complete`, `man`).

mod args;
pub(crate) mod clipboard;
pub(crate) mod commands;
mod complete;
pub mod man;
pub(crate) mod output;
mod parse;
pub(crate) mod prompt;
mod values;

pub use args::*;
pub use parse::{Parsed, parse};

use chrono::{DateTime, Utc};

use self::output::Output;
use crate::domain::{model, token};
use crate::error::{Error, Result};
use crate::store::{Location, Open, Store};

/// What every command gets: where the database is, who acts, how to print,
/// and one "now" for the whole command.
pub struct Ctx {
    pub db: Location,
    actor: Option<String>,
    pub out: Output,
    pub now: DateTime<Utc>,
}

impl Ctx {
    pub fn open(&self, how: Open) -> Result<Store> {
        Store::open(&self.db, how)
    }

    /// Who does it: `--as`, else `TOKENCTL_ACTOR`, else the OS login name.
    pub fn actor(&self) -> Result<String> {
        let actor = match &self.actor {
            Some(a) => a.clone(),
            None => whoami::username()
                .ok()
                .or_else(|| std::env::var("USER").ok())
                .ok_or_else(|| {
                    Error::usage("cannot tell who you are")
                        .hint("pass --as NAME or set TOKENCTL_ACTOR")
                })?,
        };
        model::check_name("actor (--as)", &actor)?;
        Ok(actor)
    }
}

/// `$XDG_DATA_HOME/tokenctl/tokenctl.db`, else `~/.local/share/tokenctl/tokenctl.db`.
pub fn default_db_path() -> Result<std::path::PathBuf> {
    let dirs = directories::BaseDirs::new().ok_or_else(|| {
        Error::usage("cannot find your home directory for the default database")
            .hint("pass --db PATH or set TOKENCTL_DB")
    })?;
    Ok(dirs.data_dir().join("tokenctl").join("tokenctl.db"))
}

/// Dynamic completion: `COMPLETE=bash tokenctl` prints the shell's script,
/// and the shell calls back with `COMPLETE` set for candidates, which this
/// prints before exiting. Without `COMPLETE` it returns at once.
pub fn complete_when_asked() {
    complete::when_asked();
}

/// The clipboard holder (`tokenctl __clipboard-holder`, started by tokenctl
/// itself to serve a copied token until its deadline): not part of the
/// command surface, so it is in no help, completion or man page.
pub fn clipboard_holder_requested() -> bool {
    let mut args = std::env::args_os().skip(1);
    args.next()
        .is_some_and(|a| a == clipboard::HOLDER_COMMAND && args.next().is_none())
}

/// `tokenctl __man-pages DIR` writes every man page into DIR (for
/// packagers and the drift test). Like the clipboard holder it is not part
/// of the command surface: no help or completion offers it.
pub fn man_pages_requested() -> Option<std::path::PathBuf> {
    let mut args = std::env::args_os().skip(1);
    let (Some(cmd), Some(dir), None) = (args.next(), args.next(), args.next()) else {
        return None;
    };
    (cmd == man::COMMAND).then(|| dir.into())
}

/// Run the clipboard holder.
pub fn hold_clipboard() -> Result<()> {
    token::no_core_dumps()?;
    clipboard::hold()
}

pub fn run(cli: Cli) -> Result<std::process::ExitCode> {
    // Any command may hold a clear token (new, renew, exchange print one;
    // verify and the clipboard holder read one): none leaves it in a core dump.
    token::no_core_dumps()?;
    // Commands that need no database return before one is looked for.
    if let Command::Completions { shell } = &cli.command {
        return commands::completions::run(*shell).map(|()| std::process::ExitCode::SUCCESS);
    }
    let ctx = Ctx {
        db: Location::parse(match cli.db {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => default_db_path()?,
        }),
        actor: cli.as_actor,
        out: Output::new(cli.format).wide(cli.wide),
        now: Utc::now(),
    };
    commands::dispatch(&ctx, cli.command)
}
