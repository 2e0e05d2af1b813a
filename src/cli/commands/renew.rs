//! `tokenctl renew`: a new secret and prefix for the same token, shown once.
//! The old token stops working at once.

use serde_json::{Map, Value};

use super::hand_over;
use crate::cli::RenewArgs;
use crate::cli::{Ctx, clipboard, prompt};
use crate::domain::model::{Event, Op};
use crate::domain::model::{check_reason, details_with_reason};
use crate::domain::text::quoted;
use crate::domain::{token, when};
use crate::error::{Error, Result};
use crate::ops::find::resolve;
use crate::ops::issue::issue;
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
    let (renewed, secret) = issue(
        &mut store,
        token::Kind::Api,
        &crate::cli::output::ensure_stdout_is_read,
        token::hash,
        |tx, fresh| {
            if crate::ops::change::still(tx, &target)?.is_none() {
                return Err(Error::not_found(format!(
                    "token {} changed or was deleted while you were asked; nothing was renewed",
                    quoted(&target.name)
                ))
                .into());
            }
            tx.set_secret(target.id, &fresh.prefix, &fresh.hash, ctx.now, grace_until)?;
            // Access tokens exchanged for the old secret end at once.
            tx.end_access_of(target.id)?;
            let mut details = Map::new();
            details.insert("old_prefix".into(), Value::from(target.prefix.as_str()));
            details.insert("new_prefix".into(), Value::from(fresh.prefix.as_str()));
            if let Some(g) = grace_until {
                details.insert("grace_until".into(), Value::from(when::rfc3339(g)));
            }
            let details = details_with_reason(details.clone(), args.reason.reason.as_deref());
            tx.append_log(Event {
                // Logged under the new prefix.
                prefix: Some(&fresh.prefix),
                ..Event::about(&actor, Op::Renew, &target, details)
            })?;
            tx.token_by_prefix(&fresh.prefix)
        },
    )?;
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
