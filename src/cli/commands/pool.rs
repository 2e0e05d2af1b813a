//! `tokenctl pool add|list|remove`: the device pools a token may be tied to.

use serde_json::json;

use super::unknown_pool;
use crate::cli::Ctx;
use crate::cli::PoolCommand;
use crate::error::{Error, Kind, Result};
use crate::domain::model::check_name;
use crate::domain::model::{Event, Op};
use crate::store::Open;
use crate::domain::text::quoted;

pub(crate) fn run(ctx: &Ctx, cmd: PoolCommand) -> Result<()> {
    match cmd {
        PoolCommand::List => {
            let pools = ctx.open(Open::Read)?.read(|db| db.pools())?;
            ctx.out.pools(&pools)
        }
        PoolCommand::Add { name } => {
            check_name("pool name", &name)?;
            let actor = ctx.actor()?;
            let mut store = ctx.open(Open::Create)?;
            store.write(|tx| {
                if tx.pool_id(&name)?.is_some() {
                    return Err(Error::conflict(format!(
                        "a pool named {} already exists",
                        quoted(&name)
                    ))
                    .into());
                }
                tx.insert_pool(&name, ctx.now, &actor)?;
                tx.append_log(pool_event(&actor, Op::PoolAdd, &name))?;
                Ok(())
            })?;
            ctx.out.note(format!("Added pool {}.", quoted(&name)));
            Ok(())
        }
        PoolCommand::Remove { name } => {
            let actor = ctx.actor()?;
            let mut store = ctx.open(Open::Change)?;
            store.write(|tx| {
                let Some(id) = tx.pool_id(&name)? else {
                    let mut err = unknown_pool(&tx.pool_names()?, &name);
                    err.kind = Kind::NotFound;
                    return Err(err.into());
                };
                let users = tx.tokens_in_pool(id)?;
                if users > 0 {
                    return Err(Error::conflict(format!(
                        "pool {} is used by {users} token{}",
                        quoted(&name),
                        if users == 1 { "" } else { "s" }
                    ))
                    .hint(format!(
                        "move them first: tokenctl list --pool {name}, then tokenctl modify TOKEN --no-pool"
                    ))
                    .into());
                }
                tx.delete_pool(id)?;
                tx.append_log(pool_event(&actor, Op::PoolRemove, &name))?;
                Ok(())
            })?;
            ctx.out.note(format!("Removed pool {}.", quoted(&name)));
            Ok(())
        }
    }
}

fn pool_event<'a>(actor: &'a str, op: Op, name: &str) -> Event<'a> {
    Event {
        actor,
        op,
        token_id: None,
        token: None,
        prefix: None,
        details: json!({ "pool": name }),
    }
}
