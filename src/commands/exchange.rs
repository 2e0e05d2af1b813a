//! `tokenctl exchange`: an API token from stdin for a short-lived access
//! token of the same format, with the parent's pool and access.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::verify::reject;
use super::{hand_over, issue, refuse_token_argument};
use crate::cli::ExchangeArgs;
use crate::error::{Error, Result};
use crate::model::Token;
use crate::model::{Event, Op};
use crate::store::{Credential, Db, NewAccess, Open};
use crate::verify::{self, Reason, Requirements, Via};
use crate::{Ctx, clipboard, token, when};

/// The longest an access token may live.
pub const MAX_TTL_HOURS: i64 = 24;

pub fn run(ctx: &Ctx, args: ExchangeArgs) -> Result<()> {
    clipboard::clip_seconds()?;
    refuse_token_argument(&args.stray.stray)?;
    let ttl = when::duration(
        "--ttl",
        &args.ttl,
        Some((chrono::Duration::hours(MAX_TTL_HOURS), "24h")),
    )?;
    let actor = ctx.actor()?;
    let input = verify::read_input(std::io::stdin().lock())?;
    let Some(presented) = verify::presented(&input) else {
        return reject(ctx, Reason::Malformed);
    };
    let mut store = ctx.open(Open::Change)?;
    let checked =
        store.read(|db| verify::check(db, &presented, &Requirements::default(), ctx.now))?;
    let good = match checked {
        // An access token is not an API token: it cannot be exchanged again.
        Ok(good) if matches!(good.via, Via::Access { .. }) => return reject(ctx, Reason::Unknown),
        Ok(good) => good,
        Err(reason) => return reject(ctx, reason),
    };
    // Never past the parent's own expiry, nor past the grace of the old
    // secret that was presented.
    let mut expires_at = when::later("--ttl", &args.ttl, ctx.now, ttl)?;
    if let Some(parent) = good.token.expires_at {
        expires_at = expires_at.min(parent);
    }
    if let Via::Old { grace_until } = good.via {
        expires_at = expires_at.min(grace_until);
    }
    let (prefix, secret) = issue(&mut store, token::Kind::Access, |tx, fresh| {
        // The secret presented must still be good: not renewed, disabled,
        // deleted, or its grace ended in the meantime.
        if !still_good(tx, &good, ctx.now)? {
            return Err(Error::rejected(
                "the token was renewed, disabled or deleted meanwhile; no access token was made",
            )
            .into());
        }
        tx.purge_expired_access(ctx.now)?;
        tx.insert_access(&NewAccess {
            prefix: &fresh.prefix,
            hash: &fresh.hash,
            token_id: good.token.id,
            parent_prefix: &good.prefix,
            created_at: ctx.now,
            expires_at,
        })?;
        verify::record_use(tx, &good, ctx.now)?;
        tx.append_log(Event {
            actor: &actor,
            op: Op::Exchange,
            token_id: Some(good.token.id),
            token: Some(&good.token.name),
            // The prefix presented: during a grace, the old one.
            prefix: Some(&good.prefix),
            details: json!({
                "access_prefix": fresh.prefix,
                "expires_at": when::rfc3339(expires_at),
            }),
        })?;
        Ok(Some(fresh.prefix.clone()))
    })?;
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

/// Whether the credential that was checked is still what the store holds
/// for the prefix presented, with the same hash, and usable.
fn still_good(tx: &mut dyn Db, good: &verify::Good, now: DateTime<Utc>) -> Result<bool> {
    Ok(match tx.credential(token::Kind::Api, &good.prefix)? {
        Some(Credential::Current { token, hash, .. }) => {
            token.id == good.token.id && hash == good.hash && !token.disabled
        }
        Some(Credential::Old {
            token,
            hash,
            grace_until,
        }) => {
            token.id == good.token.id && hash == good.hash && !token.disabled && grace_until > now
        }
        _ => false,
    })
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
