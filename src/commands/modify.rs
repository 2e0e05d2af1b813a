//! `tokenctl modify`: change fields; the secret stays.

use serde_json::{Map, Value};

use super::{check_reason, details_with_reason, pool_id, resolve};
use crate::cli::ModifyArgs;
use crate::error::{Error, Result};
use crate::model::{Access, check_name};
use crate::model::{Event, Op};
use crate::store::{Changes, Open};
use crate::text::quoted;
use crate::{Ctx, when};

pub fn run(ctx: &Ctx, args: ModifyArgs) -> Result<()> {
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
    let expires = args
        .expires
        .as_deref()
        .map(|w| when::expiry(w, ctx.now))
        .transpose()?;
    let access = match (args.read_only, args.read_write) {
        (true, _) => Some(Access::ReadOnly),
        (_, true) => Some(Access::ReadWrite),
        _ => None,
    };
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;

    let changed = store.write(|tx| {
        let t = resolve(tx, &args.token.token)?;
        let mut changes = Changes::default();
        let mut diff = Map::new();
        let mut note = |field: &str, old: Value, new: Value| -> bool {
            let differs = old != new;
            if differs {
                diff.insert(field.into(), Value::Array(vec![old, new]));
            }
            differs
        };
        if let Some(n) = &args.new_name
            && note("name", t.name.clone().into(), n.clone().into())
        {
            if tx.token_by_name(n)?.is_some() {
                return Err(
                    Error::conflict(format!("a token named {} already exists", quoted(n)))
                        .hint("choose another --name")
                        .into(),
                );
            }
            changes.name = Some(n.clone());
        }
        if args.pool.is_some() || args.no_pool {
            let id = args.pool.as_deref().map(|p| pool_id(tx, p)).transpose()?;
            if note("pool", t.pool.clone().into(), args.pool.clone().into()) {
                changes.pool_id = Some(id);
            }
        }
        if let Some(a) = access
            && note("access", t.access.as_str().into(), a.as_str().into())
        {
            changes.access = Some(a);
        }
        if let Some(e) = expires {
            let old = t.expires_at.map(when::rfc3339);
            if note("expires_at", old.into(), e.map(when::rfc3339).into()) {
                changes.expires_at = Some(e);
            }
        }
        if (args.owner.is_some() || args.no_owner)
            && note("owner", t.owner.clone().into(), args.owner.clone().into())
        {
            changes.owner = Some(args.owner.clone());
        }
        if diff.is_empty() {
            return Ok((t, false));
        }
        tx.update_token(t.id, &changes)?;
        let name = changes.name.as_deref().unwrap_or(&t.name);
        tx.append_log(Event {
            actor: &actor,
            op: Op::Modify,
            token_id: Some(t.id),
            token: Some(name),
            prefix: Some(&t.prefix),
            details: details_with_reason(diff, args.reason.reason.as_deref()),
        })?;
        let updated = tx.token_by_prefix(&t.prefix)?.unwrap_or(t);
        Ok((updated, true))
    })?;
    let (t, did_change) = changed;
    if did_change {
        ctx.out.note(format!("Modified token {}.", quoted(&t.name)));
    } else {
        ctx.out.note(format!(
            "Token {} already has those values; nothing changed.",
            quoted(&t.name)
        ));
    }
    ctx.out.result(&t, ctx.now)
}
