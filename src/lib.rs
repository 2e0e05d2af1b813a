//! tokenctl: an account's API tokens in a local SQLite store.
//!
//! The binary is a thin shell over [`run`]; the store, the token format and
//! the account log are usable as a library too.

pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod error;
pub mod model;
pub mod output;
pub mod prompt;
pub mod store;
pub mod text;
pub mod token;
pub mod verify;
pub mod when;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::store::{Mode, Store};

/// What every command gets: where the database is, who acts, how to print,
/// and one "now" for the whole command.
pub struct Ctx {
    pub db: PathBuf,
    actor: Option<String>,
    pub out: Output,
    pub now: DateTime<Utc>,
}

impl Ctx {
    pub fn open(&self, mode: Mode) -> Result<Store> {
        Store::open(&self.db, mode)
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
pub fn default_db_path() -> Result<PathBuf> {
    let dirs = directories::BaseDirs::new().ok_or_else(|| {
        Error::usage("cannot find your home directory for the default database")
            .hint("pass --db PATH or set TOKENCTL_DB")
    })?;
    Ok(dirs.data_dir().join("tokenctl").join("tokenctl.db"))
}

pub fn run(cli: Cli) -> Result<()> {
    // Any command may hold a clear token (new, renew, exchange print one;
    // verify and the clipboard holder read one): none leaves it in a core dump.
    token::no_core_dumps()?;
    // Commands that need no database return before one is looked for.
    match &cli.command {
        Command::Completions { shell } => return commands::completions::run(*shell),
        Command::ClipboardHolder => return clipboard::hold(),
        _ => {}
    }
    let ctx = Ctx {
        db: match cli.db {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => default_db_path()?,
        },
        actor: cli.as_actor,
        out: Output::new(cli.format),
        now: Utc::now(),
    };
    commands::dispatch(&ctx, cli.command)
}
