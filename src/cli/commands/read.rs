//! `tokenctl list` and `tokenctl show`: reads, on a read-only connection.

use crate::cli::Ctx;
use crate::cli::{ListArgs, TokenRef};
use crate::domain::model::Token;
use crate::error::Result;
use crate::ops::audit;
use crate::ops::find::{resolve, unknown_pool};
use crate::store::Open;

pub(crate) fn list(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let status = args.status.map(crate::domain::model::Status::from);
    // `--expiring WITHIN` and `--unused-for DURATION`: the rules `check`
    // and `prune` use.
    let now = ctx.now;
    let until = args.expiring.as_ref().map(|d| d.after(now)).transpose()?;
    let since = args
        .unused_for
        .as_ref()
        .map(|d| d.before(now))
        .transpose()?;
    let stale = |t: &Token| {
        until.is_none_or(|u| audit::expiring_by(t, now, u))
            && since.is_none_or(|s| audit::unused_since(t, s))
    };
    ctx.open(Open::Read)?.read(|db| {
        // The policy only where it is asked about (a round trip on PostgreSQL).
        let policy = if args.out_of_policy {
            db.policy()?
        } else {
            crate::domain::policy::Policy::default()
        };
        let known = db.pool_names()?;
        if let Some(p) = &args.pool
            && !known.contains(p)
        {
            return Err(unknown_pool(&known, p).into());
        }
        // Streamed: the store yields one token at a time (twice for a table:
        // once to measure, once to print), all from one snapshot.
        let mut feed = |sink: &mut dyn FnMut(&Token) -> Result<()>| {
            db.each_token(args.pool.as_deref(), &mut |t| match status {
                Some(s) if t.status(ctx.now) != s => Ok(()),
                _ if !stale(&t) => Ok(()),
                _ if args.out_of_policy && policy.broken_by(&t).is_empty() => Ok(()),
                _ => sink(&t),
            })
        };
        // An account without pools does not see an empty Device Pool column.
        ctx.out
            .tokens(!known.is_empty(), ctx.now, &mut feed, &empty_note(&args))
    })
}

/// What to say when no token is listed: which filters matched nothing,
/// or, with none, how to make the first token.
fn empty_note(args: &ListArgs) -> String {
    let mut filters = Vec::new();
    if let Some(p) = &args.pool {
        filters.push(format!("--pool {}", crate::domain::text::shown(p)));
    }
    if let Some(s) = args.status {
        filters.push(format!(
            "--status {}",
            crate::domain::model::Status::from(s).as_str()
        ));
    }
    if let Some(e) = &args.expiring {
        filters.push(format!("--expiring {}", e.text));
    }
    if let Some(u) = &args.unused_for {
        filters.push(format!("--unused-for {}", u.text));
    }
    if args.out_of_policy {
        filters.push("--out-of-policy".to_owned());
    }
    if filters.is_empty() {
        "No tokens. Create one with: tokenctl new --name NAME".to_owned()
    } else {
        format!("No token matches {}.", filters.join(" "))
    }
}

pub(crate) fn show(ctx: &Ctx, args: TokenRef) -> Result<()> {
    let t = ctx.open(Open::Read)?.read(|db| resolve(db, &args.token))?;
    ctx.out.token(&t, ctx.now)
}
