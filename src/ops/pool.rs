//! The device pools a token may be tied to: added and removed with their
//! log entries.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::model::{Event, Op, check_name};
use crate::domain::text::quoted;
use crate::error::{Error, Kind, Result};
use crate::ops::find::unknown_pool;
use crate::store::Store;

/// Register the pool `name`; a taken name is a conflict.
pub(crate) fn add(store: &mut Store, actor: &str, name: &str, now: DateTime<Utc>) -> Result<()> {
    check_name("pool name", name)?;
    store.write(|tx| {
        if tx.pool_id(name)?.is_some() {
            return Err(
                Error::conflict(format!("a pool named {} already exists", quoted(name))).into(),
            );
        }
        tx.insert_pool(name, now, actor)?;
        tx.append_log(event(actor, Op::PoolAdd, name))?;
        Ok(())
    })
}

/// Remove the pool `name`, which no token may use.
pub(crate) fn remove(store: &mut Store, actor: &str, name: &str) -> Result<()> {
    store.write(|tx| {
        let Some(id) = tx.pool_id(name)? else {
            let mut err = unknown_pool(&tx.pool_names()?, name);
            err.kind = Kind::NotFound;
            return Err(err.into());
        };
        let users = tx.tokens_in_pool(id)?;
        if users > 0 {
            return Err(Error::conflict(format!(
                "pool {} is used by {users} token{}",
                quoted(name),
                if users == 1 { "" } else { "s" }
            ))
            .hint(format!(
                "move them first: tokenctl list --pool {name}, then tokenctl modify TOKEN --no-pool"
            ))
            .into());
        }
        tx.delete_pool(id)?;
        tx.append_log(event(actor, Op::PoolRemove, name))?;
        Ok(())
    })
}

fn event<'a>(actor: &'a str, op: Op, name: &str) -> Event<'a> {
    Event {
        actor,
        op,
        token_id: None,
        token: None,
        prefix: None,
        details: json!({ "pool": name }),
    }
}
