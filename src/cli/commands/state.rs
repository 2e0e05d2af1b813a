//! `tokenctl disable` / `tokenctl enable`: stop or restart a token without losing it.

use crate::cli::Ctx;
use crate::cli::StateArgs;
use crate::domain::model::check_reason;
use crate::domain::text::quoted;
use crate::error::Result;
use crate::ops::change;
use crate::store::Open;

pub(crate) use crate::ops::change::State as Target;

pub(crate) fn run(ctx: &Ctx, args: StateArgs, target: Target) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let (t, changed) = change::switch(
        &mut store,
        &actor,
        &args.token.token,
        target,
        args.reason.reason.as_deref(),
    )?;
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
