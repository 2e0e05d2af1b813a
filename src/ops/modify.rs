//! Modifying a token: its fields change, its secret stays. What changes is
//! a pure function of the token and what was asked ([`diff`]); applying it
//! is one write with its log entry.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde_json::{Map, Value};

use crate::domain::binding::{self, Rate};
use crate::domain::model::{
    Access, Event, Op, Token, check_name, check_reason, details_with_reason, name_taken,
};
use crate::domain::policy::Key;
use crate::domain::when;
use crate::error::{Error, Result};
use crate::ops::find::{pool_id, resolve};
use crate::ops::issue::check_not_before;
use crate::ops::policy::need_reason;
use crate::store::{Changes, Store};

/// What `modify` was asked to set; `None` leaves a field alone.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub name: Option<String>,
    /// A pool by name, or `Some(None)` for no pool.
    pub pool: Option<Option<String>>,
    pub access: Option<Access>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub owner: Option<Option<String>>,
    /// The whole list of blocks (normalised), or `Some(vec![])` for anywhere.
    pub allowed_from: Option<Vec<IpNet>>,
    pub not_before: Option<Option<DateTime<Utc>>>,
    pub rate: Option<Option<Rate>>,
}

impl Wanted {
    /// Asks for nothing at all.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Wanted::default()
    }

    /// The names and the reason are valid: checked by [`modify`], and by a
    /// front that wants to refuse bad input before it opens the store.
    pub(crate) fn check(&self, reason: Option<&str>) -> Result<(), Error> {
        if let Some(n) = &self.name {
            check_name("name", n)?;
        }
        if let Some(Some(o)) = &self.owner {
            check_name("owner", o)?;
        }
        check_reason(reason)
    }
}

/// The token after the change, and what changed as `{field: [old, new]}`
/// (empty: it already had those values, and nothing was written).
pub(crate) struct Modified {
    pub token: Token,
    pub changed: Map<String, Value>,
}

/// The fields that really change: for the store, and for the log as
/// `{field: [old, new]}`. Values the token already has are no change.
/// `pool_id` is the id of the pool `wanted` names.
pub(crate) fn diff(
    t: &Token,
    wanted: &Wanted,
    pool_id: Option<i64>,
) -> (Changes, Map<String, Value>) {
    let mut changes = Changes::default();
    let mut shown = Map::new();
    let mut note = |field: &str, old: Value, new: Value| {
        let differs = old != new;
        if differs {
            shown.insert(field.into(), Value::Array(vec![old, new]));
        }
        differs
    };
    if let Some(n) = &wanted.name
        && note("name", t.name.clone().into(), n.clone().into())
    {
        changes.name = Some(n.clone());
    }
    if let Some(pool) = &wanted.pool
        && note("pool", t.pool.clone().into(), pool.clone().into())
    {
        changes.pool_id = Some(pool.as_ref().and(pool_id));
    }
    if let Some(a) = wanted.access
        && note("access", t.access.as_str().into(), a.as_str().into())
    {
        changes.access = Some(a);
    }
    if let Some(e) = wanted.expires_at {
        let old = t.expires_at.map(when::rfc3339);
        if note("expires_at", old.into(), e.map(when::rfc3339).into()) {
            changes.expires_at = Some(e);
        }
    }
    if let Some(o) = &wanted.owner
        && note("owner", t.owner.clone().into(), o.clone().into())
    {
        changes.owner = Some(o.clone());
    }
    if let Some(blocks) = &wanted.allowed_from
        && note(
            "allowed_from",
            binding::blocks_json(&t.allowed_from).into(),
            binding::blocks_json(blocks).into(),
        )
    {
        changes.allowed_from = Some(blocks.clone());
    }
    if let Some(nb) = wanted.not_before {
        let old = t.not_before.map(when::rfc3339);
        if note("not_before", old.into(), nb.map(when::rfc3339).into()) {
            changes.not_before = Some(nb);
        }
    }
    if let Some(rate) = wanted.rate {
        let show = |r: Option<Rate>| r.map(|r| r.to_string());
        if note("rate", show(t.rate).into(), show(rate).into()) {
            changes.rate = Some(rate);
        }
    }
    (changes, shown)
}

/// Apply `wanted` to the token `reference` names, as `actor`, logged as
/// `modify` (a rename under the new name) in the same transaction, which
/// also reads the account's policy: an expiry past `max-lifetime`, and
/// removing what `require-pool`, `require-owner` or `require-allow-from`
/// require, are refused.
pub(crate) fn modify(
    store: &mut Store,
    actor: &str,
    reference: &str,
    wanted: &Wanted,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Modified> {
    wanted.check(reason)?;
    store.write(|tx| {
        let policy = tx.policy()?;
        need_reason(&policy, reason)?;
        if let Some(e) = wanted.expires_at {
            policy.check_expiry(e, now)?;
        }
        let removes = [
            (
                wanted.pool == Some(None) && policy.require_pool(),
                Key::RequirePool,
                "removing a token's pool",
            ),
            (
                wanted.owner == Some(None) && policy.require_owner(),
                Key::RequireOwner,
                "removing a token's owner",
            ),
            (
                wanted.allowed_from.as_ref().is_some_and(Vec::is_empty)
                    && policy.require_allow_from(),
                Key::RequireAllowFrom,
                "a token usable from anywhere",
            ),
        ];
        if let Some((_, key, what)) = removes.into_iter().find(|r| r.0) {
            return Err(policy.refuses(key, what).into());
        }
        let t = resolve(tx, reference)?;
        let pool = match &wanted.pool {
            Some(Some(p)) => Some(pool_id(tx, p)?),
            _ => None,
        };
        let (changes, shown) = diff(&t, wanted, pool);
        if shown.is_empty() {
            return Ok(Modified {
                token: t,
                changed: shown,
            });
        }
        // Not before must stay before the expiry, whichever side moved.
        check_not_before(
            wanted.not_before.unwrap_or(t.not_before),
            wanted.expires_at.unwrap_or(t.expires_at),
        )?;
        if let Some(n) = &changes.name
            && tx.token_by_name(n)?.is_some()
        {
            return Err(name_taken(n).hint("choose another --name").into());
        }
        let token = tx.update_token(t.id, &changes)?;
        let details = details_with_reason(shown.clone(), reason);
        tx.append_log(Event {
            // A rename is logged under the new name.
            token: Some(changes.name.as_deref().unwrap_or(&t.name)),
            ..Event::about(actor, Op::Modify, &t, details)
        })?;
        Ok(Modified {
            token,
            changed: shown,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_changes_are_changes() {
        let t = Token {
            access: Access::ReadOnly,
            pool: Some("plant-a".into()),
            ..Token::example()
        };
        let same = Wanted {
            access: Some(Access::ReadOnly),
            pool: Some(Some("plant-a".into())),
            owner: Some(None),
            ..Wanted::default()
        };
        let (changes, shown) = diff(&t, &same, Some(1));
        assert_eq!(changes, Changes::default());
        assert!(shown.is_empty());
        let (changes, shown) = diff(
            &t,
            &Wanted {
                access: Some(Access::ReadWrite),
                pool: Some(None),
                ..Wanted::default()
            },
            None,
        );
        assert_eq!(changes.access, Some(Access::ReadWrite));
        assert_eq!(changes.pool_id, Some(None));
        assert_eq!(
            Value::Object(shown),
            serde_json::json!({"pool": ["plant-a", null], "access": ["read-only", "read-write"]})
        );
    }
}
