//! One module a verb: read the arguments, call the store, hand a value to output.

pub(crate) mod completions;
pub(crate) mod db;
pub(crate) mod delete;
pub(crate) mod exchange;
pub(crate) mod hygiene;
pub(crate) mod log;
pub(crate) mod modify;
pub(crate) mod new;
pub(crate) mod pool;
pub(crate) mod read;
pub(crate) mod renew;
pub(crate) mod scan;
pub(crate) mod state;
pub(crate) mod verify;

use std::process::ExitCode;

use crate::cli::{ClipboardFlags, Command};
use crate::cli::{Ctx, clipboard};
use crate::error::{Error, Kind, Result};
use crate::domain::model::Token;
use crate::store::Db;
use crate::domain::text::quoted;
use crate::domain::token;

/// Run the command. Its result is an exit code: 0, or a finding that is
/// no failure (`check` reported a problem, `scan` found a live token,
/// `inspect` a malformed or unknown token); failures are errors.
pub(crate) fn dispatch(ctx: &Ctx, command: Command) -> Result<ExitCode> {
    let done = |r: Result<()>| r.map(|()| ExitCode::SUCCESS);
    match command {
        Command::New(args) => done(new::run(ctx, args)),
        Command::List(args) => done(read::list(ctx, args)),
        Command::Show(args) => done(read::show(ctx, args)),
        Command::Modify(args) => done(modify::run(ctx, args)),
        Command::Delete(args) => done(delete::run(ctx, args)),
        Command::Renew(args) => done(renew::run(ctx, args)),
        Command::Disable(args) => done(state::run(ctx, args, state::Target::Disabled)),
        Command::Enable(args) => done(state::run(ctx, args, state::Target::Enabled)),
        Command::Pool(cmd) => done(pool::run(ctx, cmd)),
        Command::Log(args) => done(log::run(ctx, args)),
        Command::Verify(args) => done(verify::run(ctx, args)),
        Command::Exchange(args) => done(exchange::run(ctx, args)),
        Command::Db(cmd) => done(db::run(ctx, cmd)),
        Command::Serve(args) => done(serve(ctx, args)),
        Command::Inspect(args) => hygiene::inspect(ctx, args),
        Command::Check(args) => hygiene::check(ctx, args),
        Command::Prune(args) => done(hygiene::prune(ctx, args)),
        Command::Scan(args) => scan::run(ctx, args),
        Command::Completions { .. } => {
            unreachable!("handled before the database is opened")
        }
    }
}

/// `tokenctl serve`: its settings checked here, the service in serve.rs.
fn serve(ctx: &Ctx, args: crate::cli::ServeArgs) -> Result<()> {
    let cache_ttl = match crate::domain::when::parse(&args.cache_ttl)? {
        crate::domain::when::When::In(d)
            if d >= chrono::Duration::zero() && d <= chrono::Duration::days(1) =>
        {
            d.to_std().unwrap_or_default()
        }
        _ => {
            return Err(Error::usage(format!(
                "--cache-ttl {} is not a duration from 0s to 1d",
                crate::domain::text::quoted(&args.cache_ttl)
            ))
            .into());
        }
    };
    let max_hashing = match args.max_hashing {
        Some(0) => return Err(Error::usage("--max-hashing must be 1 or more").into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(2, usize::from),
    };
    if args.db_connections == 0 {
        return Err(Error::usage("--db-connections must be 1 or more").into());
    }
    crate::http::run(
        &ctx.db,
        crate::http::Settings {
            listen: args.listen,
            options: crate::verifier::Options {
                cache_ttl,
                max_hashing,
                db_connections: args.db_connections,
            },
            quiet: args.quiet,
        },
    )
}

/// The exit code of an outcome of `kind` (a finding, not a failure).
pub(crate) fn outcome(kind: Kind) -> ExitCode {
    ExitCode::from(kind.exit_code())
}

/// Show a secret once (after its commit: a token never stored is never
/// shown) and copy it to the clipboard as asked. A secret that could not be
/// written (the reader went away, a full disk) is never a silent success:
/// the command fails and says which token changed and what to do.
pub(crate) fn hand_over(
    ctx: &Ctx,
    shown: &Token,
    secret: &str,
    what: &str,
    clip: &ClipboardFlags,
    remedy: &str,
) -> Result<()> {
    if let Err(e) = ctx.out.secret(shown, secret, what, ctx.now) {
        let cause = e
            .chain()
            .find_map(|c| c.downcast_ref::<std::io::Error>())
            .map_or_else(|| e.to_string(), |io| io.kind().to_string());
        return Err(Error::storage(format!(
            "{what} token {} (prefix {}), but the token could not be written to stdout ({cause}), and it cannot be shown again",
            crate::domain::text::quoted(&shown.name),
            shown.prefix,
        ))
        .hint(remedy.to_owned())
        .into());
    }
    if clipboard::wanted(clip.clipboard, clip.no_clipboard, ctx.out.stdout_tty) {
        ctx.out.note(clipboard::copy(secret));
    }
    Ok(())
}

/// Find a token by name or prefix (exact). Names and prefixes are each
/// unique, but a name may equal another token's prefix: then the reference
/// is ambiguous and refused, so that no command acts on the wrong token.
pub(crate) fn resolve(db: &mut dyn Db, reference: &str) -> Result<Token> {
    refuse_whole_token(reference)?;
    let by_name = db.token_by_name(reference)?;
    let by_prefix = db.token_by_prefix(reference)?;
    match (by_name, by_prefix) {
        (Some(a), Some(b)) if a.id != b.id => Err(Error::usage(format!(
            "{} is the name of token {} and the prefix of token {}",
            quoted(reference),
            quoted(&a.name),
            quoted(&b.name)
        ))
        .hint(format!(
            "use the prefix {} for the first or the name {} for the second",
            a.prefix,
            quoted(&b.name)
        ))
        .into()),
        (Some(t), _) | (None, Some(t)) => Ok(t),
        (None, None) => Err(unknown_token(db, reference)),
    }
}

fn unknown_token(db: &mut dyn Db, reference: &str) -> anyhow::Error {
    let names = db.token_names().unwrap_or_default();
    let err = Error::not_found(format!("no token named {}", quoted(reference)));
    match closest(reference, &names) {
        Some(best) => err.hint(format!("did you mean {}?", quoted(best))).into(),
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
pub(crate) fn refuse_token_argument(stray: &[String]) -> Result<()> {
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
pub(crate) fn closest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wanted, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

/// The id of a registered pool; an unknown one is refused with the known ones listed.
pub(crate) fn pool_id(db: &mut dyn Db, name: &str) -> Result<i64> {
    if let Some(id) = db.pool_id(name)? {
        return Ok(id);
    }
    Err(unknown_pool(&db.pool_names()?, name).into())
}

/// An unknown pool given as an argument: a usage error listing the known ones.
pub(crate) fn unknown_pool(known: &[String], name: &str) -> Error {
    let err = Error::usage(format!("no pool named {}", quoted(name)));
    if known.is_empty() {
        err.hint("no pools are registered; add one with `tokenctl pool add NAME`")
    } else {
        err.hint(format!("known pools: {}", known.join(", ")))
    }
}

pub(crate) use crate::domain::model::details_with_reason;

/// `--reason` is free text, but one line: it lands in the log and in
/// tables. It never holds a token: the log keeps it for ever.
pub(crate) fn check_reason(reason: Option<&str>) -> Result<()> {
    if reason.is_some_and(token::contains_token) {
        return Err(Error::usage(
            "the reason holds a whole token; it was refused and is not shown",
        )
        .hint("a token typed on a command line is in your shell history: consider `tokenctl renew` for it")
        .into());
    }
    match reason {
        Some(r)
            if r.trim().is_empty()
                || r.chars().any(crate::domain::text::is_hidden)
                || r.chars().count() > 1000 =>
        {
            Err(Error::usage("the reason must be one line of 1-1000 printable characters").into())
        }
        _ => Ok(()),
    }
}
