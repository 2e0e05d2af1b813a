//! `tokenctl exchange`: an API token from stdin for a short-lived access
//! token of the same format, with the parent's pool and access.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::verify::reject;
use super::{hand_over, issue, refuse_token_argument};
use crate::cli::ExchangeArgs;
use crate::error::{Error, Result};
use crate::model::Token;
use crate::store::log::{self, Event};
use crate::store::{Mode, access, tokens};
use crate::verify::{self, Reason, Requirements, Via};
use crate::{Ctx, when};

pub fn run(ctx: &Ctx, args: ExchangeArgs) -> Result<()> {
    refuse_token_argument(&args.stray.stray)?;
    let ttl = when::duration("--ttl", &args.ttl)?;
    let actor = ctx.actor()?;
    let input = verify::read_input(std::io::stdin().lock())?;
    let Some(presented) = verify::presented(&input) else {
        return reject(ctx, Reason::Malformed);
    };
    let mut store = ctx.open(Mode::Existing)?;
    let good = match verify::check(store.conn(), &presented, &Requirements::default(), ctx.now)? {
        // An access token is not an API token: it cannot be exchanged again.
        Ok(good) if matches!(good.via, Via::Access { .. }) => return reject(ctx, Reason::Unknown),
        Ok(good) => good,
        Err(reason) => return reject(ctx, reason),
    };
    // Never past the parent's own expiry.
    let expires_at = match good.token.expires_at {
        Some(parent) => parent.min(ctx.now + ttl),
        None => ctx.now + ttl,
    };
    let (prefix, secret) = issue(&mut store, |tx, fresh| {
        // The parent must still be the one checked: not renewed, disabled
        // or deleted in the meantime.
        let parent = tokens::by_prefix(tx, &good.token.prefix)?;
        if parent.is_none_or(|p| p.id != good.token.id || p.disabled) {
            return Err(Error::rejected(
                "the token was renewed, disabled or deleted meanwhile; no access token was made",
            )
            .into());
        }
        access::purge_expired(tx, ctx.now)?;
        access::insert(
            tx,
            &fresh.prefix,
            &fresh.hash,
            good.token.id,
            ctx.now,
            expires_at,
        )?;
        verify::record_use(tx, &good, ctx.now)?;
        log::append(
            tx,
            ctx.now,
            Event {
                actor: &actor,
                op: "exchange",
                token_id: Some(good.token.id),
                token: Some(&good.token.name),
                prefix: Some(&good.token.prefix),
                details: json!({
                    "access_prefix": fresh.prefix,
                    "expires_at": when::rfc3339(expires_at),
                }),
            },
        )?;
        Ok(Some(fresh.prefix.clone()))
    })?;
    let shown = access_view(&good.token, &prefix, expires_at);
    hand_over(
        ctx,
        &shown,
        &secret,
        "Issued an access token for",
        &args.clip,
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
