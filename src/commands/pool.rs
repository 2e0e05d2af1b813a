//! `tokenctl pool add|list|remove`: the device pools a token may be tied to.

use serde_json::json;

use super::unknown_pool;
use crate::Ctx;
use crate::cli::PoolCommand;
use crate::error::{Error, Kind, Result};
use crate::model::check_name;
use crate::store::log::{self, Event};
use crate::store::{Mode, pools};
use crate::text::quoted;

pub fn run(ctx: &Ctx, cmd: PoolCommand) -> Result<()> {
    match cmd {
        PoolCommand::List => {
            let store = ctx.open(Mode::Read)?;
            ctx.out.pools(&pools::list(store.conn())?)
        }
        PoolCommand::Add { name } => {
            check_name("pool name", &name)?;
            let actor = ctx.actor()?;
            let mut store = ctx.open(Mode::Write)?;
            store.write(|tx| {
                if pools::id_of(tx, &name)?.is_some() {
                    return Err(Error::conflict(format!(
                        "a pool named {} already exists",
                        quoted(&name)
                    ))
                    .into());
                }
                pools::insert(tx, &name, ctx.now, &actor)?;
                log::append(tx, pool_event(&actor, "pool-add", &name))?;
                Ok(())
            })?;
            ctx.out.note(format!("Added pool {}.", quoted(&name)));
            Ok(())
        }
        PoolCommand::Remove { name } => {
            let actor = ctx.actor()?;
            let mut store = ctx.open(Mode::Existing)?;
            store.write(|tx| {
                let Some(id) = pools::id_of(tx, &name)? else {
                    let mut err = unknown_pool(&pools::names(tx)?, &name);
                    err.kind = Kind::NotFound;
                    return Err(err.into());
                };
                let users = pools::tokens_in(tx, id)?;
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
                pools::delete(tx, id)?;
                log::append(tx,  pool_event(&actor, "pool-remove", &name))?;
                Ok(())
            })?;
            ctx.out.note(format!("Removed pool {}.", quoted(&name)));
            Ok(())
        }
    }
}

fn pool_event<'a>(actor: &'a str, op: &'static str, name: &str) -> Event<'a> {
    Event {
        actor,
        op,
        token_id: None,
        token: None,
        prefix: None,
        details: json!({ "pool": name }),
    }
}
