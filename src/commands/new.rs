//! `tokenctl new`: create a token and show it once.

use serde_json::json;

use super::{hand_over, issue, pool_id, unknown_pool};
use crate::cli::NewArgs;
use crate::error::{Error, Result};
use crate::model::{Access, check_name};
use crate::model::{Event, Op};
use crate::store::{NewToken, Open};
use crate::text::quoted;
use crate::{Ctx, clipboard, prompt, token, when};

pub fn run(ctx: &Ctx, args: NewArgs) -> Result<()> {
    clipboard::clip_seconds()?;
    // Everything that needs no database is checked before one is touched.
    let (name, pool) = match args.name {
        Some(n) => (n, args.pool),
        None => ask_name_and_pool(ctx, args.pool)?,
    };
    check_name("name", &name)?;
    if let Some(owner) = &args.owner {
        check_name("owner", owner)?;
    }
    let expires_at = match &args.expires {
        Some(w) => when::expiry(w, ctx.now)?,
        None => None,
    };
    let access = if args.read_only {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let actor = ctx.actor()?;
    if let Some(pool) = &pool {
        // A missing database has no pools: refuse without creating one.
        if !store_exists(ctx)? {
            return Err(unknown_pool(&[], pool).into());
        }
    }
    let mut store = ctx.open(Open::Create)?;

    let (created, secret) = issue(&mut store, token::Kind::Api, true, |tx, fresh| {
        if tx.token_by_name(&name)?.is_some() {
            return Err(
                Error::conflict(format!("a token named {} already exists", quoted(&name)))
                    .hint("choose another --name, or `tokenctl renew` the existing one")
                    .into(),
            );
        }
        let pool_id = pool.as_deref().map(|p| pool_id(tx, p)).transpose()?;
        let id = tx.insert_token(&NewToken {
            name: &name,
            prefix: &fresh.prefix,
            hash: &fresh.hash,
            pool_id,
            access,
            owner: args.owner.as_deref(),
            expires_at,
            created_at: ctx.now,
            created_by: &actor,
        })?;
        tx.append_log(Event {
            actor: &actor,
            op: Op::New,
            token_id: Some(id),
            token: Some(&name),
            prefix: Some(&fresh.prefix),
            details: json!({
                "pool": pool,
                "access": access.as_str(),
                "owner": args.owner,
                "expires_at": expires_at.map(when::rfc3339),
            }),
        })?;
        tx.token_by_prefix(&fresh.prefix)
    })?;
    hand_over(
        ctx,
        &created,
        &secret,
        "Created",
        &args.clip,
        &format!(
            "give it a new secret with `tokenctl renew {} --yes`, or delete it",
            created.prefix
        ),
    )
}

/// `new` without `--name` asks for it on a terminal, then offers the
/// registered pools when `--pool` was not given.
fn ask_name_and_pool(ctx: &Ctx, pool: Option<String>) -> Result<(String, Option<String>)> {
    let name = prompt::ask("Name of the new token", "--name")?;
    if pool.is_some() || !store_exists(ctx)? {
        return Ok((name, pool));
    }
    let known = ctx.open(Open::Read)?.read(|db| db.pool_names())?;
    if known.is_empty() {
        return Ok((name, None));
    }
    let pool = prompt::choose("Device pool", "(no pool)", &known)?;
    Ok((name, pool))
}

/// Whether the store exists yet (a read never creates it).
fn store_exists(ctx: &Ctx) -> Result<bool> {
    match ctx.open(Open::Read) {
        Ok(_) => Ok(true),
        Err(e) if crate::error::kind_of(&e) == crate::error::Kind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}
