//! `tokenctl list` and `tokenctl show`: reads, on a read-only connection.

use super::{resolve, unknown_pool};
use crate::Ctx;
use crate::cli::{ListArgs, TokenRef};
use crate::error::Result;
use crate::store::{Mode, pools, tokens};

pub fn list(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let store = ctx.open(Mode::Read)?;
    let conn = store.conn();
    let known = pools::names(conn)?;
    if let Some(p) = &args.pool
        && !known.contains(p)
    {
        return Err(unknown_pool(&known, p).into());
    }
    let mut list = tokens::list(conn, args.pool.as_deref())?;
    if let Some(status) = args.status {
        list.retain(|t| t.status(ctx.now) == status);
    }
    // An account without pools does not see an empty Device Pool column.
    ctx.out.tokens(&list, !known.is_empty(), ctx.now)
}

pub fn show(ctx: &Ctx, args: TokenRef) -> Result<()> {
    let store = ctx.open(Mode::Read)?;
    let t = resolve(store.conn(), &args.token)?;
    ctx.out.token(&t, ctx.now)
}
