//! Self-rotation (spec section 15): a token renews itself, as `renew
//! --grace G` renews it (G the policy's `rotation-grace`), logged as a
//! `renew` by `token:NAME` with `"self": true`. A rotation whose answer was
//! lost may be repeated with the old secret while the new one is unused:
//! the unused secret is replaced (it never worked anywhere) and the grace
//! starts again.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::domain::model::{Event, Op, Token, details_with_reason};
use crate::domain::policy::Key;
use crate::domain::token::{self, Secret};
use crate::domain::when;
use crate::error::{Error, Result};
use crate::ops::issue::{issue, within_lifetime};
use crate::store::{Credential, Db, Store};
use crate::verify::{Good, Via};

/// The reason a self-rotation's log entry gives (the policy's
/// `require-reason` does not apply to it).
const REASON: &str = "self-rotation";

/// A token that renewed itself.
pub(crate) struct Rotated {
    pub token: Token,
    pub secret: Secret,
    pub grace_until: DateTime<Utc>,
}

/// Whether the account lets tokens rotate themselves: asked before any
/// check of the token (no argon2 work when it does not).
pub(crate) fn allowed(store: &mut Store) -> Result<bool> {
    store.read(|db| Ok(db.policy()?.self_rotation()))
}

/// What the checked secret is now, in the rotation's transaction: the
/// current one (`None`), or the old one whose successor is unused
/// (`Some(successor's prefix)`); an error when it changed meanwhile.
fn presented_now(tx: &mut dyn Db, good: &Good, now: DateTime<Utc>) -> Result<Option<String>> {
    let changed = || Error::rejected("the token was renewed, disabled or deleted meanwhile").into();
    match (tx.credential(token::Kind::Api, &good.prefix)?, &good.via) {
        (Some(Credential::Current { token, hash, .. }), Via::Current { .. })
            if token.id == good.token.id && hash == good.hash && !token.disabled =>
        {
            Ok(None)
        }
        (
            Some(Credential::Old {
                token,
                hash,
                grace_until,
            }),
            Via::Old { .. },
        ) if token.id == good.token.id
            && hash == good.hash
            && !token.disabled
            && grace_until > now =>
        {
            Ok(Some(token.prefix))
        }
        _ => Err(changed()),
    }
}

/// Renew the checked API token with a new secret, in one transaction that
/// first makes sure the policy still allows it and the secret presented is
/// still good. `hash` makes the new secret's argon2 hash.
pub(crate) fn rotate(
    store: &mut Store,
    good: &Good,
    now: DateTime<Utc>,
    hash: impl FnMut(&str) -> Result<String>,
) -> Result<Rotated> {
    let actor = format!("token:{}", good.token.name);
    let ((token, grace_until), secret) = issue(
        store,
        token::Kind::Api,
        None,
        &|| Ok(()),
        hash,
        |tx, fresh| {
            let policy = tx.policy()?;
            if !policy.self_rotation() {
                return Err(policy.refuses(Key::SelfRotation, "a self-rotation").into());
            }
            let grace_until = now
                .checked_add_signed(policy.rotation_grace())
                .unwrap_or_else(when::latest);
            let replaced = presented_now(tx, good, now)?;
            let target = &good.token;
            match &replaced {
                None => {
                    // Presenting the secret is a use of it: the secrets it
                    // replaced now have a used successor.
                    tx.successor_used(&good.prefix)?;
                    tx.retire(target.id, &fresh.prefix, true, now)?;
                    tx.set_secret(
                        target.id,
                        &fresh.prefix,
                        &fresh.hash,
                        now,
                        Some(grace_until),
                    )?;
                }
                // The unused secret is replaced; it was never retired (it
                // never worked anywhere), and the old one's successor is
                // the new one.
                Some(unused) => {
                    tx.successor_replaced(unused, &fresh.prefix)?;
                    tx.replace_secret(target.id, &fresh.prefix, &fresh.hash, now, grace_until)?;
                }
            }
            tx.end_access_of(target.id)?;
            let mut details = Map::new();
            details.insert("old_prefix".into(), Value::from(good.prefix.as_str()));
            details.insert("new_prefix".into(), Value::from(fresh.prefix.as_str()));
            details.insert(
                "grace_until".into(),
                Value::from(when::rfc3339(grace_until)),
            );
            details.insert("self".into(), Value::Bool(true));
            if let Some(unused) = &replaced {
                details.insert("replaced_prefix".into(), Value::from(unused.as_str()));
            }
            within_lifetime(tx, &policy, target, now, &mut details)?;
            // Logged under the new prefix, as `renew` logs.
            tx.append_log(Event {
                prefix: Some(&fresh.prefix),
                ..Event::about(
                    &actor,
                    Op::Renew,
                    target,
                    details_with_reason(details, Some(REASON)),
                )
            })?;
            Ok(tx.token_by_prefix(&fresh.prefix)?.map(|t| (t, grace_until)))
        },
    )?;
    Ok(Rotated {
        token,
        secret,
        grace_until,
    })
}
