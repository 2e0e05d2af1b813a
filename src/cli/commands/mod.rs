//! One module a verb: read the arguments, call the store, hand a value to output.

pub(crate) mod completions;
pub(crate) mod db;
pub(crate) mod delete;
pub(crate) mod exchange;
pub(crate) mod hygiene;
pub(crate) mod log;
pub(crate) mod modify;
pub(crate) mod new;
pub(crate) mod notify;
pub(crate) mod policy;
pub(crate) mod pool;
pub(crate) mod read;
pub(crate) mod renew;
pub(crate) mod scan;
pub(crate) mod serve;
pub(crate) mod state;
pub(crate) mod verify;

use std::process::ExitCode;

use crate::cli::{ClipboardFlags, Command};
use crate::cli::{Ctx, clipboard};
use crate::domain::model::Token;
use crate::error::{Error, Kind, Result};

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
        Command::Policy(args) => done(policy::run(ctx, args)),
        Command::Verify(args) => done(verify::run(ctx, args)),
        Command::Exchange(args) => done(exchange::run(ctx, args)),
        Command::Db(cmd) => done(db::run(ctx, cmd)),
        Command::Serve(args) => done(serve::run(ctx, args)),
        Command::Notify(args) => done(notify::run(ctx, args)),
        Command::Inspect(args) => hygiene::inspect(ctx, args),
        Command::Check(args) => hygiene::check(ctx, args),
        Command::Prune(args) => done(hygiene::prune(ctx, args)),
        Command::Scan(args) => scan::run(ctx, args),
        Command::Completions { .. } => {
            unreachable!("handled before the database is opened")
        }
    }
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

/// `verify` and `exchange` refused the token: Exit 1 with the reason: JSON and CSV say it on stdout too.
pub(crate) fn reject(ctx: &Ctx, reason: crate::verify::Reason) -> Result<()> {
    if ctx.out.format != crate::cli::output::Format::Table {
        ctx.out.record(&crate::verify::Rejected::new(reason), "")?;
    }
    Err(Error::rejected(format!(
        "the token was rejected: {} ({})",
        reason.as_str(),
        reason.explain()
    ))
    .into())
}

/// A token bound to addresses, checked without `--from`: say what was
/// missing (the refusal alone would not tell).
pub(crate) fn unbound_note(
    ctx: &Ctx,
    reason: crate::verify::Reason,
    from: Option<std::net::IpAddr>,
) {
    if reason == crate::verify::Reason::Address && from.is_none() {
        ctx.out.note(
            "note: the token is bound to addresses and no address was given: pass the client's address with --from ADDR",
        );
    }
}

/// A secret retired by a self-rotation came back after its successor was
/// used, and the store could not disable its token now (busy, read-only):
/// the check is refused all the same, and the reuse is said (spec section
/// 15).
pub(crate) fn reuse_not_disabled(ctx: &Ctx, prefix: &str, why: &str) {
    ctx.out.note(format!(
        "note: a secret retired by a self-rotation (prefix {prefix}) came back after its successor was used, and its token could not be disabled now ({}); disable it with `tokenctl disable`",
        crate::error::one_line(why)
    ));
}
