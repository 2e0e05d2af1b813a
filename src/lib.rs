//! tokenctl: an account's API tokens in a local SQLite store.
//!
//! The binary is a thin shell over [`run`]. As a library, [`verify`] checks
//! a presented token against a store, and [`token`] is the token format;
//! everything else is the command-line tool's own.

pub(crate) mod chain;
pub mod cli;
pub(crate) mod clipboard;
pub(crate) mod commands;
mod complete;
pub mod error;
pub mod http;
pub mod man;
pub mod model;
pub(crate) mod ops;
pub(crate) mod output;
pub(crate) mod prompt;
pub(crate) mod store;
pub(crate) mod text;
pub mod token;
pub mod verifier;
pub mod verify;
pub(crate) mod when;

#[doc(hidden)]
pub use store::schema;

use chrono::{DateTime, Utc};

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::output::Output;
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

pub fn run(cli: Cli) -> Result<()> {
    // Any command may hold a clear token (new, renew, exchange print one;
    // verify and the clipboard holder read one): none leaves it in a core dump.
    token::no_core_dumps()?;
    // Commands that need no database return before one is looked for.
    if let Command::Completions { shell } = &cli.command {
        return commands::completions::run(*shell);
    }
    let ctx = Ctx {
        db: Location::parse(match cli.db {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => default_db_path()?,
        }),
        actor: cli.as_actor,
        out: Output::new(cli.format),
        now: Utc::now(),
    };
    commands::dispatch(&ctx, cli.command)
}

/// Support for the benchmark (`benches/tokenctl`): not part of the API.
#[doc(hidden)]
pub mod bench_support {
    use std::path::Path;

    use chrono::Utc;
    use serde_json::json;

    use crate::error::Result;
    use crate::model::{Access, Event, Op};
    use crate::store::{NewToken, Open, Store};
    use crate::token;

    /// A store with `n` tokens (one shared argon2 hash: filling 100k tokens
    /// must not take 100k hashes) and their `new` entries, padded with
    /// `modify` entries up to `log_entries`.
    pub fn fill(db: &Path, n: usize, log_entries: usize) -> Result<()> {
        let hash = token::hash(&token::generate_with_prefix(token::Kind::Api, "Bench000")?)?;
        let mut store = Store::open(
            &crate::store::Location::parse(db.to_path_buf()),
            Open::Create,
        )?;
        let now = Utc::now();
        store.write(|tx| {
            tx.insert_pool("plant-a", now, "bench")?;
            for i in 0..n {
                let name = format!("token-{i:06}");
                let prefix = format!("B{i:07}");
                let id = tx.insert_token(&NewToken {
                    name: &name,
                    prefix: &prefix,
                    hash: &hash,
                    pool_id: None,
                    access: Access::ReadWrite,
                    owner: None,
                    expires_at: None,
                    created_at: now,
                    created_by: "bench",
                })?;
                tx.append_log(Event {
                    actor: "bench",
                    op: Op::New,
                    token_id: Some(id),
                    token: Some(&name),
                    prefix: Some(&prefix),
                    details: json!({"access": "read-write"}),
                })?;
            }
            let actors = ["alice", "bob", "carol", "dave"];
            for i in n..log_entries {
                let t = i % n.max(1);
                let name = format!("token-{t:06}");
                let prefix = format!("B{t:07}");
                tx.append_log(Event {
                    actor: actors[i % actors.len()],
                    op: Op::Modify,
                    token_id: Some(t as i64 + 1),
                    token: Some(&name),
                    prefix: Some(&prefix),
                    details: json!({"owner": [null, format!("owner-{i}")]}),
                })?;
            }
            Ok(())
        })
    }
}
