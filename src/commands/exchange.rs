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
    let later = when::later("--ttl", &args.ttl, ctx.now, ttl)?;
    let issued = issue_for(&mut store, &good, later, &actor, ctx.now, true, token::hash)?;
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

/// An access token just made: shown once, then gone.
pub struct Issued {
    pub prefix: String,
    pub secret: crate::token::Secret,
    pub expires_at: DateTime<Utc>,
}

/// Make an access token for a checked API token, good until `until` but
/// never past the parent's own expiry, nor past the grace of the old secret
/// that was presented; logged as `exchange` by `actor`, in one transaction
/// that first makes sure the secret presented is still good. With
/// `to_stdout`, the change is refused when stdout has no reader. `hash`
/// hashes the new secret (see [`issue`]).
pub fn issue_for(
    store: &mut crate::store::Store,
    good: &verify::Good,
    until: DateTime<Utc>,
    actor: &str,
    now: DateTime<Utc>,
    to_stdout: bool,
    hash: impl FnMut(&str) -> Result<String>,
) -> Result<Issued> {
    let mut expires_at = until;
    if let Some(parent) = good.token.expires_at {
        expires_at = expires_at.min(parent);
    }
    if let Via::Old { grace_until } = good.via {
        expires_at = expires_at.min(grace_until);
    }
    let (prefix, secret) = issue(store, token::Kind::Access, to_stdout, hash, |tx, fresh| {
        // The secret presented must still be good: not renewed, disabled,
        // deleted, or its grace ended in the meantime.
        if !still_good(tx, good, now)? {
            return Err(Error::rejected(
                "the token was renewed, disabled or deleted meanwhile; no access token was made",
            )
            .into());
        }
        tx.purge_expired_access(now)?;
        tx.insert_access(&NewAccess {
            prefix: &fresh.prefix,
            hash: &fresh.hash,
            token_id: good.token.id,
            parent_prefix: &good.prefix,
            created_at: now,
            expires_at,
        })?;
        verify::record_use(tx, good, now)?;
        tx.append_log(Event {
            actor,
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
    Ok(Issued {
        prefix,
        secret,
        expires_at,
    })
}

/// `serve`'s exchange: logged with the actor `token:NAME`, the new secret
/// hashed in `memory` (one of serve's hashing slots).
pub fn issue_access(
    verifier: &crate::verifier::Verifier,
    good: &verify::Good,
    ttl: chrono::Duration,
    now: DateTime<Utc>,
    memory: &mut token::Memory,
) -> Result<Issued> {
    let until = now
        .checked_add_signed(ttl)
        .ok_or_else(|| Error::usage("the ttl is too long"))?;
    let actor = format!("token:{}", good.token.name);
    verifier.with_store(|store| {
        issue_for(store, good, until, &actor, now, false, |t| {
            token::hash_in(t, memory)
        })
    })
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
