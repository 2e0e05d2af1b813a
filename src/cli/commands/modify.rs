//! `tokenctl modify`: change fields; the secret stays. What changes is a
//! pure function of the token and what was asked ([`diff`]); applying it is
//! one write with its log entry.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{check_reason, details_with_reason, pool_id, resolve};
use crate::cli::Ctx;
use crate::cli::ModifyArgs;
use crate::error::{Error, Result};
use crate::domain::model::{Access, Event, Op, Token, check_name};
use crate::store::{Changes, Open};
use crate::domain::text::quoted;
use crate::domain::when;

/// What `modify` was asked to set; `None` leaves a field alone.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub name: Option<String>,
    /// A pool by name and id, or `Some(None)` for no pool.
    pub pool: Option<Option<(String, i64)>>,
    pub access: Option<Access>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub owner: Option<Option<String>>,
}

/// The fields that really change: for the store, and for the log as
/// `{field: [old, new]}`. Values the token already has are no change.
pub(crate) fn diff(t: &Token, wanted: &Wanted) -> (Changes, Map<String, Value>) {
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
    if let Some(pool) = &wanted.pool {
        let name = pool.as_ref().map(|(n, _)| n.clone());
        if note("pool", t.pool.clone().into(), name.into()) {
            changes.pool_id = Some(pool.as_ref().map(|(_, id)| *id));
        }
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
    (changes, shown)
}

pub(crate) fn run(ctx: &Ctx, args: ModifyArgs) -> Result<()> {
    let nothing = args.new_name.is_none()
        && args.pool.is_none()
        && !args.no_pool
        && !args.read_only
        && !args.read_write
        && args.expires.is_none()
        && args.owner.is_none()
        && !args.no_owner;
    if nothing {
        return Err(Error::usage("nothing to change")
            .hint("give --name, --pool/--no-pool, --read-only/--read-write, --expires or --owner/--no-owner")
            .into());
    }
    if let Some(n) = &args.new_name {
        check_name("name", n)?;
    }
    if let Some(o) = &args.owner {
        check_name("owner", o)?;
    }
    check_reason(args.reason.reason.as_deref())?;
    let expires_at = args
        .expires
        .as_deref()
        .map(|w| when::expiry(w, ctx.now))
        .transpose()?;
    let access = match (args.read_only, args.read_write) {
        (true, _) => Some(Access::ReadOnly),
        (_, true) => Some(Access::ReadWrite),
        _ => None,
    };
    let owner = (args.owner.is_some() || args.no_owner).then(|| args.owner.clone());
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;

    let (t, shown) = store.write(|tx| {
        let t = resolve(tx, &args.token.token)?;
        let pool = match (&args.pool, args.no_pool) {
            (Some(p), _) => Some(Some((p.clone(), pool_id(tx, p)?))),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let wanted = Wanted {
            name: args.new_name.clone(),
            pool,
            access,
            expires_at,
            owner: owner.clone(),
        };
        let (changes, shown) = diff(&t, &wanted);
        if shown.is_empty() {
            return Ok((t, shown));
        }
        if let Some(n) = &changes.name
            && tx.token_by_name(n)?.is_some()
        {
            return Err(
                Error::conflict(format!("a token named {} already exists", quoted(n)))
                    .hint("choose another --name")
                    .into(),
            );
        }
        tx.update_token(t.id, &changes)?;
        let details = details_with_reason(shown.clone(), args.reason.reason.as_deref());
        tx.append_log(Event {
            // A rename is logged under the new name.
            token: Some(changes.name.as_deref().unwrap_or(&t.name)),
            ..Event::about(&actor, Op::Modify, &t, details)
        })?;
        Ok((tx.token_by_prefix(&t.prefix)?.unwrap_or(t), shown))
    })?;
    if shown.is_empty() {
        ctx.out.note(format!(
            "Token {} already has those values; nothing changed.",
            quoted(&t.name)
        ));
    } else {
        // Say what changed: `access: read-only → read-write`.
        let what = crate::cli::output::human_details(&Value::Object(shown));
        ctx.out
            .note(format!("Modified token {}: {what}.", quoted(&t.name)));
    }
    ctx.out.result(&t, ctx.now)
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
            pool: Some(Some(("plant-a".into(), 1))),
            owner: Some(None),
            ..Wanted::default()
        };
        let (changes, shown) = diff(&t, &same);
        assert_eq!(changes, Changes::default());
        assert!(shown.is_empty());
        let (changes, shown) = diff(
            &t,
            &Wanted {
                access: Some(Access::ReadWrite),
                pool: Some(None),
                ..Wanted::default()
            },
        );
        assert_eq!(changes.access, Some(Access::ReadWrite));
        assert_eq!(changes.pool_id, Some(None));
        assert_eq!(
            Value::Object(shown),
            serde_json::json!({"pool": ["plant-a", null], "access": ["read-only", "read-write"]})
        );
    }
}
