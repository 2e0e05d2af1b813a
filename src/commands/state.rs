//! `tokenctl disable` / `tokenctl enable`: stop or restart a token without losing it.

use serde_json::Map;

use super::{check_reason, details_with_reason, resolve};
use crate::Ctx;
use crate::cli::StateArgs;
use crate::error::Result;
use crate::store::log::{self, Event};
use crate::store::{Mode, access, tokens};
use crate::text::quoted;

pub fn run(ctx: &Ctx, args: StateArgs, disable: bool) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Mode::Existing)?;
    let (t, changed) = store.write(|tx| {
        let t = resolve(tx, &args.token.token)?;
        if t.disabled == disable {
            return Ok((t, false));
        }
        tokens::set_disabled(tx, t.id, disable)?;
        if disable {
            // Its access tokens end at once, and do not come back on enable.
            access::end_all_of(tx, t.id)?;
        }
        log::append(
            tx,
            Event {
                actor: &actor,
                op: if disable { "disable" } else { "enable" },
                token_id: Some(t.id),
                token: Some(&t.name),
                prefix: Some(&t.prefix),
                details: details_with_reason(Map::new(), args.reason.reason.as_deref()),
            },
        )?;
        Ok((tokens::by_prefix(tx, &t.prefix)?.unwrap_or(t), true))
    })?;
    let state = if disable { "disabled" } else { "enabled" };
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
