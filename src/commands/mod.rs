//! One module a verb: read the arguments, call the store, hand a value to output.

pub mod completions;
pub mod delete;
pub mod exchange;
pub mod log;
pub mod modify;
pub mod new;
pub mod pool;
pub mod read;
pub mod renew;
pub mod state;
pub mod verify;

use rusqlite::{Connection, Transaction};

use crate::cli::{ClipboardFlags, Command};
use crate::error::{Error, Result};
use crate::model::Token;
use crate::store::{Store, pools, tokens};
use crate::token::{self, Secret};
use crate::{Ctx, clipboard};

pub fn dispatch(ctx: &Ctx, command: Command) -> Result<()> {
    match command {
        Command::New(args) => new::run(ctx, args),
        Command::List(args) => read::list(ctx, args),
        Command::Show(args) => read::show(ctx, args),
        Command::Modify(args) => modify::run(ctx, args),
        Command::Delete(args) => delete::run(ctx, args),
        Command::Renew(args) => renew::run(ctx, args),
        Command::Disable(args) => state::run(ctx, args, true),
        Command::Enable(args) => state::run(ctx, args, false),
        Command::Pool(cmd) => pool::run(ctx, cmd),
        Command::Log(args) => log::run(ctx, args),
        Command::Verify(args) => verify::run(ctx, args),
        Command::Exchange(args) => exchange::run(ctx, args),
        Command::Completions { .. } | Command::ClipboardHolder => {
            unreachable!("handled before the database is opened")
        }
    }
}

/// A new secret and the hash of it, made before the transaction that stores
/// it: argon2 takes ~20 ms and 19 MiB, and must not hold the write lock.
pub struct Fresh {
    pub prefix: String,
    pub secret: Secret,
    pub hash: String,
}

/// Make a secret and store it with `store_it` in one IMMEDIATE transaction.
/// `store_it` gets `None` back from nothing and says `Ok(None)` when the
/// prefix is taken (62^8 prefixes: very unlikely, but not an error): then
/// a new secret is drawn.
pub fn issue<T>(
    store: &mut Store,
    mut store_it: impl FnMut(&Transaction, &Fresh) -> Result<Option<T>>,
) -> Result<(T, Secret)> {
    loop {
        let prefix = token::generate_prefix()?;
        let secret = token::generate_with_prefix(&prefix)?;
        let hash = token::hash(&secret)?;
        let fresh = Fresh {
            prefix,
            secret,
            hash,
        };
        let stored = store.write(|tx| {
            if tokens::name_or_prefix_taken(tx, &fresh.prefix)? {
                return Ok(None);
            }
            store_it(tx, &fresh)
        })?;
        if let Some(value) = stored {
            return Ok((value, fresh.secret));
        }
    }
}

/// Show a secret once (after its commit: a token never stored is never
/// shown) and copy it to the clipboard as asked.
pub fn hand_over(
    ctx: &Ctx,
    shown: &Token,
    secret: &str,
    what: &str,
    clip: &ClipboardFlags,
) -> Result<()> {
    ctx.out.secret(shown, secret, what, ctx.now)?;
    if clipboard::wanted(clip.clipboard, clip.no_clipboard, ctx.out.stdout_tty) {
        ctx.out.note(clipboard::copy(secret));
    }
    Ok(())
}

/// Find a token by name or prefix (exact). Names and prefixes are each
/// unique, but a name may equal another token's prefix: then the reference
/// is ambiguous and refused, so that no command acts on the wrong token.
pub fn resolve(conn: &Connection, reference: &str) -> Result<Token> {
    refuse_whole_token(reference)?;
    let by_name = tokens::by_name(conn, reference)?;
    let by_prefix = tokens::by_prefix(conn, reference)?;
    match (by_name, by_prefix) {
        (Some(a), Some(b)) if a.id != b.id => Err(Error::usage(format!(
            "\"{reference}\" is the name of token \"{}\" and the prefix of token \"{}\"",
            a.name, b.name
        ))
        .hint(format!(
            "use the prefix {} for the first or the name \"{}\" for the second",
            a.prefix, b.name
        ))
        .into()),
        (Some(t), _) | (None, Some(t)) => Ok(t),
        (None, None) => Err(unknown_token(conn, reference)),
    }
}

fn unknown_token(conn: &Connection, reference: &str) -> anyhow::Error {
    let names = tokens::names(conn).unwrap_or_default();
    let err = Error::not_found(format!("no token named \"{reference}\""));
    match closest(reference, &names) {
        Some(best) => err.hint(format!("did you mean \"{best}\"?")).into(),
        None => err.hint("`tokenctl list` shows the tokens").into(),
    }
}

/// A whole token typed where a name or prefix belongs: refuse it without
/// echoing it (it is in the shell history now; say so).
fn refuse_whole_token(reference: &str) -> Result<()> {
    if token::is_well_formed(reference) {
        return Err(Error::usage(format!(
            "that is a whole token, not a name or prefix; use its prefix {}",
            token::prefix_of(reference)
        ))
        .hint("a token typed on a command line is in your shell history: consider `tokenctl renew` for it")
        .into());
    }
    Ok(())
}

/// `verify` and `exchange` read the token from stdin only: one given as an
/// argument is refused, and not echoed.
pub fn refuse_token_argument(stray: &[String]) -> Result<()> {
    if stray.is_empty() {
        return Ok(());
    }
    Err(Error::usage(
        "a token is never accepted as an argument (argv leaks into `ps` and shell history)",
    )
    .hint("pipe it on stdin: printf '%s\\n' \"$T\" | tokenctl verify")
    .into())
}

/// The most similar candidate, if any is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wanted, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

/// The id of a registered pool; an unknown one is refused with the known ones listed.
pub fn pool_id(conn: &Connection, name: &str) -> Result<i64> {
    if let Some(id) = pools::id_of(conn, name)? {
        return Ok(id);
    }
    Err(unknown_pool(&pools::names(conn)?, name).into())
}

/// An unknown pool given as an argument: a usage error listing the known ones.
pub fn unknown_pool(known: &[String], name: &str) -> Error {
    let err = Error::usage(format!("no pool named \"{name}\""));
    if known.is_empty() {
        err.hint("no pools are registered; add one with `tokenctl pool add NAME`")
    } else {
        err.hint(format!("known pools: {}", known.join(", ")))
    }
}

/// The `details` object of a log entry, with `reason` when one was given.
pub fn details_with_reason(
    mut details: serde_json::Map<String, serde_json::Value>,
    reason: Option<&str>,
) -> serde_json::Value {
    if let Some(r) = reason {
        details.insert("reason".into(), r.into());
    }
    serde_json::Value::Object(details)
}

/// `--reason` is free text, but one line: it lands in the log and in tables.
pub fn check_reason(reason: Option<&str>) -> Result<()> {
    match reason {
        Some(r)
            if r.trim().is_empty()
                || r.chars().any(char::is_control)
                || r.chars().count() > 1000 =>
        {
            Err(Error::usage("the reason must be one line of 1-1000 printable characters").into())
        }
        _ => Ok(()),
    }
}
