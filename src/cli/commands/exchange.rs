//! `tokenctl exchange`: an API token from stdin for a short-lived access
//! token of the same format, with the parent's pool and access.

use chrono::{DateTime, Utc};

use super::{hand_over, refuse_token_argument, reject, reuse_not_disabled, unbound_note};
use crate::cli::ExchangeArgs;
use crate::cli::{Ctx, clipboard};
use crate::domain::model::Token;
use crate::domain::{token, when};
use crate::error::Result;
use crate::ops::issue::access_for;
use crate::store::Open;
use crate::verify::{self, Reason, Requirements, Via};

pub(crate) fn run(ctx: &Ctx, args: ExchangeArgs) -> Result<()> {
    clipboard::clip_seconds()?;
    refuse_token_argument(&args.stray.stray)?;
    let actor = ctx.actor()?;
    let input = crate::cli::prompt::token_input()?;
    let Some(presented) = verify::presented(&input) else {
        return reject(ctx, Reason::Malformed);
    };
    let needs = Requirements {
        from: args.from,
        ..Requirements::default()
    };
    let mut store = ctx.open(Open::Change)?;
    let checked = store.read(|db| crate::check::judge::check(db, &presented, &needs, ctx.now))?;
    let good = match checked {
        // An access token is not an API token: it cannot be exchanged again.
        Ok(good) if matches!(good.via, Via::Access { .. }) => return reject(ctx, Reason::Unknown),
        Ok(good) => good,
        Err(reason) => {
            // A self-rotated secret back after its successor's use: theft.
            if reason == Reason::Reused
                && let Err(e) = crate::check::theft::disable_reused(&mut store, presented.prefix())
            {
                reuse_not_disabled(ctx, presented.prefix(), &format!("{e:#}"));
            }
            unbound_note(ctx, reason, args.from);
            return reject(ctx, reason);
        }
    };
    let issued = access_for(
        &mut store,
        &good,
        args.ttl.as_ref().map(|t| t.value),
        &actor,
        ctx.now,
        &crate::cli::output::ensure_stdout_is_read,
        token::hash,
    )?;
    let (prefix, secret, expires_at) = (issued.prefix, issued.secret, issued.expires_at);
    let shown = access_view(&good.token, &prefix, expires_at);
    hand_over(
        ctx,
        &shown,
        &secret,
        "Issued an access token for",
        &args.clip,
        &format!(
            "exchange again; the access token that was not shown ends at {}",
            when::rfc3339(expires_at)
        ),
    )
}

/// The access token as printed: the parent's name, pool and access, its own
/// prefix and expiry.
fn access_view(parent: &Token, prefix: &str, expires_at: DateTime<Utc>) -> Token {
    Token {
        prefix: prefix.to_owned(),
        expires_at: Some(expires_at),
        last_used: None,
        renewed_at: None,
        ..parent.clone()
    }
}
