//! Issuing secrets: a new secret and its hash made outside the write
//! transaction, stored inside it; access tokens for a checked API token
//! (`exchange`, on the command line and over HTTP). No printing: a front
//! says, through `ready`, whether it can still deliver the secret before
//! the commit.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde_json::{Map, Value, json};

use crate::domain::binding::{self, Rate};
use crate::domain::model::{
    Access, Event, Op, Token, check_name, check_reason, details_with_reason, name_taken,
};
use crate::domain::policy::{Key, Policy};
use crate::domain::token::{self, Secret};
use crate::domain::when;
use crate::error::{Error, Result};
use crate::ops::change;
use crate::ops::find::pool_id;
use crate::ops::policy::need_reason;
use crate::store::{Changes, Credential, Db, NewAccess, NewToken, Store};
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
/// `first`, when given, is tried first (drawn ahead, see [`create_opening`]).
pub(crate) fn issue<T>(
    store: &mut Store,
    kind: token::Kind,
    mut first: Option<Fresh>,
    ready: &dyn Fn() -> Result<()>,
    mut hash: impl FnMut(&str) -> Result<String>,
    mut store_it: impl FnMut(&mut dyn Db, &Fresh) -> Result<Option<T>>,
) -> Result<(T, Secret)> {
    loop {
        let fresh = match first.take() {
            Some(fresh) => fresh,
            None => Fresh::draw(kind, &mut hash)?,
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

impl Fresh {
    /// A new secret of `kind` and its hash (by `hash`).
    fn draw(kind: token::Kind, hash: &mut impl FnMut(&str) -> Result<String>) -> Result<Fresh> {
        let prefix = token::generate_prefix()?;
        let secret = token::generate_with_prefix(kind, &prefix)?;
        let hash = hash(&secret)?;
        Ok(Fresh {
            prefix,
            secret,
            hash,
        })
    }
}

/// What a new token is made with.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub name: String,
    pub pool: Option<String>,
    /// `None`: the policy's `default-access`, else read-write.
    pub access: Option<Access>,
    pub owner: Option<String>,
    /// `None`: the policy's default expiry (`default-expiry`, else
    /// `max-lifetime`, else never); `Some(None)`: never.
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// Normalised blocks (section 12); empty: from anywhere.
    pub allowed_from: Vec<IpNet>,
    pub not_before: Option<DateTime<Utc>>,
    pub rate: Option<Rate>,
}

impl Wanted {
    /// A token named `name` with `access`: no pool, owner or binding, the
    /// policy's default expiry.
    pub(crate) fn new(name: &str, access: Access) -> Wanted {
        Wanted {
            name: name.to_owned(),
            pool: None,
            access: Some(access),
            owner: None,
            expires_at: None,
            allowed_from: Vec::new(),
            not_before: None,
            rate: None,
        }
    }
}

/// Make a new API token (`new`): a taken name is a conflict, an unknown
/// pool a usage error; the account's policy, read in the same transaction,
/// gives the defaults and refuses what it forbids; the token and its `new`
/// entry are one transaction.
/// Returns the stored token and its secret, to be shown once.
#[cfg(test)]
pub(crate) fn create(
    store: &mut Store,
    actor: &str,
    wanted: &Wanted,
    now: DateTime<Utc>,
    ready: &dyn Fn() -> Result<()>,
) -> Result<(Token, Secret)> {
    create_with(store, None, actor, wanted, now, ready)
}

/// [`create`] on the store that `open` opens, its first secret hashed on a
/// thread of its own meanwhile: a PostgreSQL store's connection, log-in
/// and schema check (a few milliseconds, mostly waiting on the server)
/// then cost no time beside argon2's 20 to 40 ms.
pub(crate) fn create_opening(
    open: impl FnOnce() -> Result<Store>,
    actor: &str,
    wanted: &Wanted,
    now: DateTime<Utc>,
    ready: &dyn Fn() -> Result<()>,
) -> Result<(Token, Secret)> {
    let (store, first) = std::thread::scope(|s| {
        let hashing = s.spawn(|| Fresh::draw(token::Kind::Api, &mut token::hash));
        let store = open();
        let first = hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (store, first)
    });
    create_with(&mut store?, Some(first?), actor, wanted, now, ready)
}

fn create_with(
    store: &mut Store,
    first: Option<Fresh>,
    actor: &str,
    wanted: &Wanted,
    now: DateTime<Utc>,
    ready: &dyn Fn() -> Result<()>,
) -> Result<(Token, Secret)> {
    check_name("name", &wanted.name)?;
    if let Some(owner) = &wanted.owner {
        check_name("owner", owner)?;
    }
    if let Some(expires_at) = wanted.expires_at {
        check_not_before(wanted.not_before, expires_at)?;
    }
    let name = &wanted.name;
    issue(
        store,
        token::Kind::Api,
        first,
        ready,
        token::hash,
        |tx, fresh| {
            let policy = tx.policy()?;
            let access = wanted
                .access
                .or(policy.default_access())
                .unwrap_or(Access::ReadWrite);
            let expires_at = match wanted.expires_at {
                Some(e) => {
                    policy.check_expiry(e, now)?;
                    e
                }
                None => policy.default_expiry(now),
            };
            check_not_before(wanted.not_before, expires_at)?;
            let required = [
                (
                    policy.require_pool() && wanted.pool.is_none(),
                    Key::RequirePool,
                    "a token without a pool",
                    "give --pool",
                ),
                (
                    policy.require_owner() && wanted.owner.is_none(),
                    Key::RequireOwner,
                    "a token without an owner",
                    "give --owner",
                ),
                (
                    policy.require_allow_from() && wanted.allowed_from.is_empty(),
                    Key::RequireAllowFrom,
                    "a token usable from anywhere",
                    "give --allow-from",
                ),
            ];
            if let Some((_, key, what, hint)) = required.into_iter().find(|r| r.0) {
                return Err(policy.refuses(key, what).hint(hint).into());
            }
            if tx.token_by_name(name)?.is_some() {
                return Err(name_taken(name)
                    .hint("choose another --name, or `tokenctl renew` the existing one")
                    .into());
            }
            let pool_id = wanted.pool.as_deref().map(|p| pool_id(tx, p)).transpose()?;
            let created = tx.insert_token(&NewToken {
                name,
                prefix: &fresh.prefix,
                hash: &fresh.hash,
                pool_id,
                access,
                owner: wanted.owner.as_deref(),
                expires_at,
                created_at: now,
                created_by: actor,
                allowed_from: &wanted.allowed_from,
                not_before: wanted.not_before,
                rate: wanted.rate,
            })?;
            let mut details = json!({
                "pool": wanted.pool,
                "access": access.as_str(),
                "owner": wanted.owner,
                "expires_at": expires_at.map(when::rfc3339),
            });
            // Bindings are written when there are any: an unbound token's
            // entry reads as it always did.
            if !wanted.allowed_from.is_empty() {
                details["allowed_from"] = json!(binding::blocks_json(&wanted.allowed_from));
            }
            if let Some(t) = wanted.not_before {
                details["not_before"] = json!(when::rfc3339(t));
            }
            if let Some(r) = wanted.rate {
                details["rate"] = json!(r.to_string());
            }
            tx.append_log(Event {
                actor,
                op: Op::New,
                token_id: Some(created.id),
                token: Some(name),
                prefix: Some(&fresh.prefix),
                details,
            })?;
            Ok(Some(created))
        },
    )
}

/// `not_before` must come before `expires_at` when both are set.
pub(crate) fn check_not_before(
    not_before: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), Error> {
    match (not_before, expires_at) {
        (Some(nb), Some(exp)) if nb >= exp => Err(Error::usage(format!(
            "the token would not be good before {} but expire at {}",
            when::rfc3339(nb),
            when::rfc3339(exp)
        ))
        .hint("give a --not-before earlier than the expiry")),
        _ => Ok(()),
    }
}

/// Give `target` a new secret (`renew`), if it is still the token that
/// was shown: its old secret keeps working until `grace_until` (or the
/// new one's first use), or stops at once; access tokens made with the old
/// secret end at once. Logged under the new prefix.
pub(crate) fn renew(
    store: &mut Store,
    actor: &str,
    target: &Token,
    grace_until: Option<DateTime<Utc>>,
    reason: Option<&str>,
    now: DateTime<Utc>,
    ready: &dyn Fn() -> Result<()>,
) -> Result<(Token, Secret)> {
    check_reason(reason)?;
    issue(
        store,
        token::Kind::Api,
        None,
        ready,
        token::hash,
        |tx, fresh| {
            let policy = tx.policy()?;
            need_reason(&policy, reason)?;
            if change::still(tx, target)?.is_none() {
                return Err(change::changed_meanwhile(target, "renewed").into());
            }
            tx.retire(target.id, &fresh.prefix, false, now)?;
            tx.set_secret(target.id, &fresh.prefix, &fresh.hash, now, grace_until)?;
            tx.end_access_of(target.id)?;
            let mut details = Map::new();
            details.insert("old_prefix".into(), Value::from(target.prefix.as_str()));
            details.insert("new_prefix".into(), Value::from(fresh.prefix.as_str()));
            if let Some(g) = grace_until {
                details.insert("grace_until".into(), Value::from(when::rfc3339(g)));
            }
            within_lifetime(tx, &policy, target, now, &mut details)?;
            tx.append_log(Event {
                prefix: Some(&fresh.prefix),
                ..Event::about(
                    actor,
                    Op::Renew,
                    target,
                    details_with_reason(details, reason),
                )
            })?;
            tx.token_by_prefix(&fresh.prefix)
        },
    )
}

/// A renew never refuses: an expiry beyond the policy's `max-lifetime` is
/// brought within it, and the log's `details` say so (`renew`, and a
/// token's own rotation).
pub(crate) fn within_lifetime(
    tx: &mut dyn Db,
    policy: &Policy,
    target: &Token,
    now: DateTime<Utc>,
    details: &mut Map<String, Value>,
) -> Result<()> {
    if let Some(max) = policy.max_lifetime() {
        let limit = now.checked_add_signed(max).unwrap_or_else(when::latest);
        if target.expires_at.is_none_or(|e| e > limit) {
            tx.update_token(
                target.id,
                &Changes {
                    expires_at: Some(Some(limit)),
                    ..Changes::default()
                },
            )?;
            details.insert(
                "expires_at".into(),
                Value::Array(vec![
                    target.expires_at.map(when::rfc3339).into(),
                    when::rfc3339(limit).into(),
                ]),
            );
        }
    }
    Ok(())
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
    ttl: Option<chrono::Duration>,
    actor: &str,
    now: DateTime<Utc>,
    ready: &dyn Fn() -> Result<()>,
    hash: impl FnMut(&str) -> Result<String>,
) -> Result<Issued> {
    let ((prefix, expires_at), secret) = issue(
        store,
        token::Kind::Access,
        None,
        ready,
        hash,
        |tx, fresh| {
            // The secret presented must still be good: not renewed, disabled,
            // deleted, or its grace ended in the meantime.
            if !still_good(tx, good, now)? {
                return Err(Error::rejected(
                "the token was renewed, disabled or deleted meanwhile; no access token was made",
            )
            .into());
            }
            let ttl = access_ttl(&tx.policy()?, ttl)?;
            let mut expires_at = now
                .checked_add_signed(ttl)
                .ok_or_else(|| Error::usage("the ttl is too long"))?;
            if let Some(parent) = good.token.expires_at {
                expires_at = expires_at.min(parent);
            }
            if let Via::Old { grace_until } = good.via {
                expires_at = expires_at.min(grace_until);
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
            Ok(Some((fresh.prefix.clone(), expires_at)))
        },
    )?;
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
    ttl: Option<chrono::Duration>,
    now: DateTime<Utc>,
    memory: &mut token::Memory,
) -> Result<Issued> {
    let actor = format!("token:{}", good.token.name);
    verifier.with_store(|store| {
        access_for(store, good, ttl, &actor, now, &|| Ok(()), |t| {
            token::hash_in(t, memory)
        })
    })
}

/// How long an access token lives: `asked` (at most the policy's
/// `max-access-ttl`, else refused), or without one 2 h or that maximum,
/// whichever is shorter.
fn access_ttl(policy: &Policy, asked: Option<chrono::Duration>) -> Result<chrono::Duration, Error> {
    let default = chrono::Duration::hours(DEFAULT_TTL_HOURS);
    let max = policy.max_access_ttl();
    match asked {
        Some(d) if max.is_some_and(|m| d > m) => Err(policy
            .refuses(Key::MaxAccessTtl, "a longer --ttl")
            .hint("give a shorter --ttl, or none")),
        Some(d) => Ok(d),
        None => Ok(max.map_or(default, |m| m.min(default))),
    }
}

/// How long an access token lives when no TTL is asked for.
pub(crate) const DEFAULT_TTL_HOURS: i64 = 2;

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
