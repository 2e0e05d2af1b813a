//! `tokenctl renew`: a new secret and prefix for the same token, shown once.
//! The old token stops working at once.

use super::hand_over;
use crate::cli::RenewArgs;
use crate::cli::{Ctx, clipboard, prompt};
use crate::domain::model::check_reason;
use crate::domain::text::quoted;
use crate::error::Result;
use crate::ops::find::resolve;
use crate::ops::issue as ops;
use crate::store::Open;

pub(crate) fn run(ctx: &Ctx, args: RenewArgs) -> Result<()> {
    clipboard::clip_seconds()?;
    check_reason(args.reason.reason.as_deref())?;
    let grace_until = args.grace.as_ref().map(|g| g.after(ctx.now)).transpose()?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let target = store.read(|db| resolve(db, &args.token.token))?;
    prompt::confirm(
        &format!(
            "Renew token {} (prefix {})? The current token stops working {}",
            quoted(&target.name),
            target.prefix,
            match grace_until {
                Some(g) => format!(
                    "at {} or when the new one is first used",
                    crate::cli::output::human_time(Some(g))
                ),
                None => "at once".into(),
            }
        ),
        args.yes,
    )?;
    let (renewed, secret) = ops::renew(
        &mut store,
        &actor,
        &target,
        grace_until,
        args.reason.reason.as_deref(),
        ctx.now,
        &crate::cli::output::ensure_stdout_is_read,
    )?;
    if renewed.expires_at != target.expires_at {
        ctx.out.note(format!(
            "note: the policy's max-lifetime brought the expiry from {} to {}",
            crate::cli::output::human_time(target.expires_at),
            crate::cli::output::human_time(renewed.expires_at)
        ));
    }
    hand_over(
        ctx,
        &renewed,
        &secret,
        "Renewed",
        &args.clip,
        &format!(
            "the old secret no longer works{}: renew it again with `tokenctl renew {} --yes`",
            if grace_until.is_some() {
                " once the grace ends"
            } else {
                ""
            },
            renewed.prefix
        ),
    )
}
