//! `tokenctl delete`: remove a token after confirmation.

use serde_json::Map;

use super::{check_reason, details_with_reason, resolve};
use crate::cli::DeleteArgs;
use crate::cli::{Ctx, prompt};
use crate::error::{Error, Result};
use crate::model::{Event, Op};
use crate::store::Open;
use crate::text::quoted;

pub(crate) fn run(ctx: &Ctx, args: DeleteArgs) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let target = store.read(|db| resolve(db, &args.token.token))?;
    prompt::confirm(
        &format!(
            "Delete token {} (prefix {})? Anything using it stops working",
            quoted(&target.name),
            target.prefix
        ),
        args.yes,
    )?;
    store.write(|tx| {
        // The token confirmed is the token deleted: not one renamed or renewed meanwhile.
        let now = tx.token_by_prefix(&target.prefix)?;
        if now.as_ref().map(|t| t.id) != Some(target.id) {
            return Err(Error::not_found(format!(
                "token {} changed or was deleted while you were asked; nothing was deleted",
                quoted(&target.name)
            ))
            .into());
        }
        tx.delete_token(target.id)?;
        tx.append_log(Event {
            actor: &actor,
            op: Op::Delete,
            token_id: Some(target.id),
            token: Some(&target.name),
            prefix: Some(&target.prefix),
            details: details_with_reason(Map::new(), args.reason.reason.as_deref()),
        })?;
        Ok(())
    })?;
    ctx.out.note(format!(
        "Deleted token {} (prefix {}).",
        quoted(&target.name),
        target.prefix
    ));
    ctx.out.result(&target, ctx.now)
}
