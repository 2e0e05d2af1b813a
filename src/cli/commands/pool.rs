//! `tokenctl pool add|list|remove`: the device pools a token may be tied to.

use crate::cli::{Ctx, PoolCommand};
use crate::domain::model::check_name;
use crate::domain::text::quoted;
use crate::error::Result;
use crate::ops::pool;
use crate::store::Open;

pub(crate) fn run(ctx: &Ctx, cmd: PoolCommand) -> Result<()> {
    match cmd {
        PoolCommand::List => {
            let pools = ctx.open(Open::Read)?.read(|db| db.pools())?;
            ctx.out.pools(&pools)
        }
        PoolCommand::Add { name } => {
            // Bad input is refused before a store is made for it.
            check_name("pool name", &name)?;
            let actor = ctx.actor()?;
            pool::add(&mut ctx.open(Open::Create)?, &actor, &name, ctx.now)?;
            ctx.out.note(format!("Added pool {}.", quoted(&name)));
            Ok(())
        }
        PoolCommand::Remove { name } => {
            let actor = ctx.actor()?;
            pool::remove(&mut ctx.open(Open::Change)?, &actor, &name)?;
            ctx.out.note(format!("Removed pool {}.", quoted(&name)));
            Ok(())
        }
    }
}
