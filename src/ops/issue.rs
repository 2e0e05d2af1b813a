//! Issuing secrets: a new secret and its hash made outside the write
//! transaction, stored inside it; access tokens for a checked API token
//! (`exchange`, on the command line and over HTTP). No printing: a front
//! says, through `ready`, whether it can still deliver the secret before
//! the commit.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::model::{Event, Op};
use crate::domain::token::{self, Secret};
use crate::domain::when;
use crate::error::{Error, Result};
use crate::store::{Credential, Db, NewAccess, Store};
use crate::verify::{self, Via};

/// The longest an access token may live.
pub(crate) const MAX_TTL_HOURS: i64 = 24;

/// A new secret and the hash of it, made before the transaction that stores
/// it: argon2 takes ~20 ms and 19 MiB, and must not hold the write lock.
pub(crate) struct Fresh {
    pub prefix: String,
    pub secret: Secret,
    pub hash: String,
}

/// Make a secret of `kind` and store it with `store_it` in one IMMEDIATE
/// transaction. `store_it` says `Ok(None)` when the prefix is taken (62^8
/// prefixes: very unlikely, but not an error): then a new secret is drawn.
/// Before the commit, `ready` must say the secret can still be delivered
/// (the command line: stdout has a reader), else the change is refused
/// instead of losing the secret. `hash` is the argon2 hashing
/// ([`token::hash`], or `serve`'s in one of its hashing slots).
pub(crate) fn issue<T>(
    store: &mut Store,
    kind: token::Kind,
    ready: &dyn Fn() -> Result<()>,
    mut hash: impl FnMut(&str) -> Result<String>,
    mut store_it: impl FnMut(&mut dyn Db, &Fresh) -> Result<Option<T>>,
) -> Result<(T, Secret)> {
    loop {
        let prefix = token::generate_prefix()?;
        let secret = token::generate_with_prefix(kind, &prefix)?;
        let hash = hash(&secret)?;
        let fresh = Fresh {
            prefix,
            secret,
            hash,
        };
        let stored = store.write(|tx| {
            if tx.name_or_prefix_taken(&fresh.prefix)? {
                return Ok(None);
            }
            let stored = store_it(tx, &fresh)?;
            ready()?;
            Ok(stored)
        })?;
        if let Some(value) = stored {
            return Ok((value, fresh.secret));
        }
    }
}

/// An access token just made: shown once, then gone.
pub(crate) struct Issued {
    pub prefix: String,
    pub secret: crate::domain::token::Secret,
    pub expires_at: DateTime<Utc>,
}

/// Make an access token for a checked API token, good until `until` but
/// never past the parent's own expiry, nor past the grace of the old secret
/// that was presented; logged as `exchange` by `actor`, in one transaction
/// that first makes sure the secret presented is still good. `ready` and
/// `hash` are [`issue`]'s.
pub(crate) fn access_for(
    store: &mut Store,
    good: &verify::Good,
    until: DateTime<Utc>,
    actor: &str,
    now: DateTime<Utc>,
    ready: &dyn Fn() -> Result<()>,
    hash: impl FnMut(&str) -> Result<String>,
) -> Result<Issued> {
    let mut expires_at = until;
    if let Some(parent) = good.token.expires_at {
        expires_at = expires_at.min(parent);
    }
    if let Via::Old { grace_until } = good.via {
        expires_at = expires_at.min(grace_until);
    }
    let (prefix, secret) = issue(store, token::Kind::Access, ready, hash, |tx, fresh| {
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
        crate::check::judge::record_use(tx, good, now)?;
        let details = json!({
            "access_prefix": fresh.prefix,
            "expires_at": when::rfc3339(expires_at),
        });
        tx.append_log(Event {
            // The prefix presented: during a grace, the old one.
            prefix: Some(&good.prefix),
            ..Event::about(actor, Op::Exchange, &good.token, details)
        })?;
        Ok(Some(fresh.prefix.clone()))
    })?;
    Ok(Issued {
        prefix,
        secret,
        expires_at,
    })
}

/// A token's own exchange (`serve`): logged with the actor `token:NAME`,
/// the new secret hashed in `memory` (one of serve's hashing slots).
pub(crate) fn access_by_token(
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
        access_for(store, good, until, &actor, now, &|| Ok(()), |t| {
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
