//! The account's policy (spec section 13): set and unset with their log
//! entries, and the rules every other operation reads inside its own
//! transaction, so that two administrators cannot race past a rule.

use serde_json::{Map, Value};

use crate::domain::model::{Event, Op, Token, check_reason, details_with_reason};
use crate::domain::policy::{Key, Policy};
use crate::error::{Error, Result};
use crate::store::{Db, Store};

/// What a `policy set` or `unset` did.
pub(crate) struct Outcome {
    /// The value before and after, as `policy` shows them (`null`: unset).
    pub old: Value,
    pub new: Value,
    /// Whether anything changed (the same value again is no change).
    pub differs: bool,
    /// How many tokens break the key's new value (they keep working).
    pub breaking: usize,
}

/// `require-reason`: a change the policy governs needs `--reason`.
pub(crate) fn need_reason(policy: &Policy, reason: Option<&str>) -> Result<(), Error> {
    if policy.require_reason() && reason.is_none() {
        return Err(policy
            .refuses(Key::RequireReason, "a change without a reason")
            .hint("give --reason TEXT"));
    }
    Ok(())
}

/// Set `key` to `value` (`None`: unset) as `actor`, logged as `policy`
/// with `{KEY: [old, new]}`. With `require-reason` on, any change needs a
/// reason (turning it on needs none: the rule in force before decides).
pub(crate) fn set(
    store: &mut Store,
    actor: &str,
    key: Key,
    value: Option<&str>,
    reason: Option<&str>,
) -> Result<Outcome> {
    let value = value.map(|v| key.value(v)).transpose()?;
    check_reason(reason)?;
    store.write(|tx| {
        let policy = tx.policy()?;
        let next = policy.with(key, value.clone())?;
        let (old, new) = (policy.shown_of(key), next.shown_of(key));
        let differs = next != policy;
        if differs {
            need_reason(&policy, reason)?;
            tx.set_policy(key, value.as_deref())?;
            let mut details = Map::new();
            details.insert(
                key.as_str().to_owned(),
                Value::Array(vec![old.clone(), new.clone()]),
            );
            tx.append_log(Event {
                actor,
                op: Op::Policy,
                token_id: None,
                token: None,
                prefix: None,
                details: details_with_reason(details, reason),
            })?;
        }
        let breaking = out_of_policy(tx, &next)?
            .iter()
            .filter(|(_, keys)| keys.contains(&key))
            .count();
        Ok(Outcome {
            old,
            new,
            differs,
            breaking,
        })
    })
}

/// Every token that breaks `policy` as it stands, with the rules it breaks.
pub(crate) fn out_of_policy(db: &mut dyn Db, policy: &Policy) -> Result<Vec<(Token, Vec<Key>)>> {
    let mut found = Vec::new();
    db.each_token(None, &mut |t| {
        let broken = policy.broken_by(&t);
        if !broken.is_empty() {
            found.push((t, broken));
        }
        Ok(())
    })?;
    Ok(found)
}
