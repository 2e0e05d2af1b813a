//! `tokenctl verify`: read a token from stdin and say whether it is good.

use super::{refuse_token_argument, reject, reuse_not_disabled, unbound_note};
use crate::cli::Ctx;
use crate::cli::output::Format;
use crate::cli::{Use, VerifyArgs};
use crate::domain::text::quoted;
use crate::domain::when::rfc3339;
use crate::error::Result;
use crate::ops::find::unknown_pool;
use crate::verifier::{Options, Verifier};
use crate::verify::{self, Good, Reason, Requirements, Via};

pub(crate) fn run(ctx: &Ctx, args: VerifyArgs) -> Result<()> {
    refuse_token_argument(&args.stray.stray)?;
    let input = crate::cli::prompt::token_input()?;
    // A mistyped, truncated or unknown-form token is refused before the
    // database is touched.
    let Some(presented) = verify::presented(&input) else {
        return reject(ctx, Reason::Malformed);
    };
    // The same Verifier as `serve` and the library: one decision path.
    let verifier = Verifier::at(
        ctx.db.clone(),
        Options {
            cache_ttl: std::time::Duration::ZERO,
            max_hashing: 1,
            db_connections: 1,
        },
    )?;
    // An unregistered pool is no usage error here: no token can belong to
    // it, so every token fails as `pool` (spec section 6), with a note.
    if let Some(p) = &args.pool {
        let unregistered = verifier.with_store(|store| {
            store.read(|db| {
                Ok(match db.pool_id(p)? {
                    Some(_) => None,
                    None => Some(unknown_pool(&db.pool_names()?, p)),
                })
            })
        })?;
        if let Some(why) = unregistered {
            ctx.out.note(format!("note: {why}"));
        }
    }
    let needs = Requirements {
        write: args.access == Use::Write,
        pool: args.pool.clone(),
        also_pool: None,
        from: args.from,
    };
    match verifier.check_presented(&presented, &needs)? {
        Ok(good) => {
            // Bookkeeping: best effort, never waits on a writer. The end
            // of a grace that could not be written is not lost in silence.
            let written = verifier.record(&good)?;
            if !written && good.via == (Via::Current { ends_grace: true }) {
                ctx.out.note(
                    "note: this first use of the renewed token could not end the old secret's grace now (the store is busy or read-only); the old secret works until its grace ends or a later check records this",
                );
            }
            accept(ctx, &good)
        }
        Err(reason) => {
            if reason == Reason::Reused
                && let Err(e) = verifier.disable_reused(presented.prefix())
            {
                reuse_not_disabled(ctx, presented.prefix(), &e.message);
            }
            unbound_note(ctx, reason, args.from);
            reject(ctx, reason)
        }
    }
}

fn accept(ctx: &Ctx, good: &Good) -> Result<()> {
    let note = match &good.via {
        Via::Current { .. } => format!("Good: token {}.", quoted(&good.token.name)),
        Via::Old { grace_until } => format!(
            "Good, in its grace period: the old secret of token {} works until {} or until the new one is used.",
            quoted(&good.token.name),
            rfc3339(*grace_until)
        ),
        Via::Access { expires_at, .. } => format!(
            "Good: an access token of {}, until {}.",
            quoted(&good.token.name),
            rfc3339(*expires_at)
        ),
    };
    if ctx.out.format == Format::Table {
        ctx.out.note(note);
        return ctx.out.token(&good.as_used(ctx.now), ctx.now);
    }
    let used = good.as_used(ctx.now);
    ctx.out
        .record(&verify::Accepted::new(&used, good, ctx.now), "")
}
