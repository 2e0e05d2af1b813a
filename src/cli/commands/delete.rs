//! `tokenctl delete`: remove a token after confirmation.

use crate::cli::DeleteArgs;
use crate::cli::{Ctx, prompt};
use crate::domain::model::check_reason;
use crate::domain::text::quoted;
use crate::error::Result;
use crate::ops::change;
use crate::ops::find::resolve;
use crate::store::Open;

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
    // The token confirmed is the token deleted: not one renamed or renewed meanwhile.
    change::delete_confirmed(&mut store, &actor, &target, args.reason.reason.as_deref())?;
    ctx.out.note(format!(
        "Deleted token {} (prefix {}).",
        quoted(&target.name),
        target.prefix
    ));
    ctx.out.result(&target, ctx.now)
}
