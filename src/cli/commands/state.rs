//! `tokenctl disable` / `tokenctl enable`: stop or restart a token without losing it.

use serde_json::Map;

use super::{check_reason, details_with_reason, resolve};
use crate::cli::Ctx;
use crate::cli::StateArgs;
use crate::error::Result;
use crate::model::{Event, Op, Token};
use crate::store::{Db, Open};
use crate::text::quoted;

/// The state a command puts a token in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Disabled,
    Enabled,
}

impl Target {
    fn disabled(self) -> bool {
        self == Target::Disabled
    }

    fn word(self) -> &'static str {
        match self {
            Target::Disabled => "disabled",
            Target::Enabled => "enabled",
        }
    }
}

/// Put `t` (not yet in that state) in `target`'s state, and log it: the
/// one way a token is disabled or enabled (`disable`, `enable`,
/// `scan --disable`). A disabled token's access tokens end at once, and so
/// does the grace of a renew's old secret: neither comes back on enable.
pub(super) fn put(
    tx: &mut dyn Db,
    actor: &str,
    t: &Token,
    target: Target,
    reason: Option<&str>,
) -> Result<()> {
    tx.set_disabled(t.id, target.disabled())?;
    if target == Target::Disabled {
        tx.end_access_of(t.id)?;
        tx.end_grace_if_current(t.id, &t.prefix)?;
    }
    tx.append_log(Event {
        actor,
        op: match target {
            Target::Disabled => Op::Disable,
            Target::Enabled => Op::Enable,
        },
        token_id: Some(t.id),
        token: Some(&t.name),
        prefix: Some(&t.prefix),
        details: details_with_reason(Map::new(), reason),
    })?;
    Ok(())
}

pub(crate) fn run(ctx: &Ctx, args: StateArgs, target: Target) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let (t, changed) = store.write(|tx| {
        let t = resolve(tx, &args.token.token)?;
        if t.disabled == target.disabled() {
            return Ok((t, false));
        }
        put(tx, &actor, &t, target, args.reason.reason.as_deref())?;
        Ok((tx.token_by_prefix(&t.prefix)?.unwrap_or(t), true))
    })?;
    let state = target.word();
    if changed {
        ctx.out
            .note(format!("Token {} is now {state}.", quoted(&t.name)));
    } else {
        ctx.out.note(format!(
            "Token {} was already {state}; nothing changed.",
            quoted(&t.name)
        ));
    }
    ctx.out.result(&t, ctx.now)
}
