//! `tokenctl disable` / `tokenctl enable`: stop or restart a token without losing it.

use crate::cli::Ctx;
use crate::cli::StateArgs;
use crate::domain::model::check_reason;
use crate::domain::text::quoted;
use crate::error::Result;
use crate::ops::change::set_state;
use crate::ops::find::resolve;
use crate::store::Open;

pub(crate) use crate::ops::change::State as Target;

pub(crate) fn run(ctx: &Ctx, args: StateArgs, target: Target) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let (t, changed) = store.write(|tx| {
        let t = resolve(tx, &args.token.token)?;
        if t.disabled == target.disabled() {
            return Ok((t, false));
        }
        set_state(tx, &actor, &t, target, args.reason.reason.as_deref())?;
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
