//! `tokenctl new`: create a token and show it once.

use super::hand_over;
use crate::cli::NewArgs;
use crate::cli::{Ctx, clipboard, prompt};
use crate::domain::model::{Access, check_name};
use crate::domain::policy::{Key, Policy};
use crate::domain::text::quoted;
use crate::domain::{binding, when};
use crate::error::{Error, Result};
use crate::ops::find::unknown_pool;
use crate::ops::issue as ops;
use crate::store::Open;

pub(crate) fn run(ctx: &Ctx, args: NewArgs) -> Result<()> {
    clipboard::clip_seconds()?;
    // Everything that needs no database is checked before one is touched.
    let asked = match &args.name {
        Some(n) => Asked {
            name: n.clone(),
            pool: args.pool.clone(),
            access: match (args.read_only, args.read_write) {
                (true, _) => Some(Access::ReadOnly),
                (_, true) => Some(Access::ReadWrite),
                // The account's default-access, else read-write.
                _ => None,
            },
            expires: args.expires.clone(),
        },
        None => ask_all(ctx, &args)?,
    };
    let Asked {
        name,
        pool,
        access,
        expires,
    } = asked;
    check_name("name", &name)?;
    if let Some(owner) = &args.owner {
        check_name("owner", owner)?;
    }
    // Without --expires: the account's default expiry (applied with the
    // policy, in the write).
    let expires_at = expires
        .as_ref()
        .map(|w| when::expiry(w, ctx.now))
        .transpose()?;
    let not_before = args
        .not_before
        .as_ref()
        .map(|w| when::not_before(w, ctx.now))
        .transpose()?;
    if let Some(expires_at) = expires_at {
        ops::check_not_before(not_before, expires_at)?;
    }
    let actor = ctx.actor()?;
    // A missing database has no pools: with one named, the store is opened
    // to change, not to create, and its absence ("not found", from the
    // open or, on PostgreSQL, from the write) is the unknown pool it is.
    // (No second open to ask first: on PostgreSQL, a second log-in.)
    let how = if pool.is_some() {
        Open::Change
    } else {
        Open::Create
    };
    let named = pool.clone();
    let created = ops::create_opening(
        || ctx.open(how),
        &actor,
        &ops::Wanted {
            pool,
            owner: args.owner.clone(),
            expires_at,
            allowed_from: binding::normalised(args.allow_from.clone()),
            not_before,
            rate: args.rate,
            access,
            ..ops::Wanted::new(&name, Access::ReadWrite)
        },
        ctx.now,
        &crate::cli::output::ensure_stdout_is_read,
    );
    let (created, secret) = match (created, &named) {
        (Err(e), Some(pool)) if crate::error::kind_of(&e) == crate::error::Kind::NotFound => {
            return Err(unknown_pool(&[], pool).into());
        }
        (created, _) => created?,
    };
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

/// What `new` was told or, on a terminal, asked.
struct Asked {
    name: String,
    pool: Option<String>,
    access: Option<Access>,
    expires: Option<when::Given<when::When>>,
}

/// `new` without `--name` asks on a terminal: the name (a taken or invalid
/// one is asked again at once), the pool when pools are registered, the
/// access and the expiry, with the account's defaults preselected (as the
/// flags apply them: the policy's `default-access` and `default-expiry`,
/// else read-write and never). What the flags already say is not asked.
fn ask_all(ctx: &Ctx, args: &NewArgs) -> Result<Asked> {
    if !prompt::interactive() {
        return Err(Error::usage("--name is required")
            .hint("pass --name NAME (there is no terminal to ask on)")
            .into());
    }
    let taken: Vec<String> = if store_exists(ctx)? {
        ctx.open(Open::Read)?.read(|db| db.token_names())?
    } else {
        Vec::new()
    };
    let name = prompt::ask_valid("Name of the new token", None, move |n: &String| {
        check_name("name", n).map_err(|e| e.message.clone())?;
        if taken.contains(n) {
            return Err(format!(
                "a token named {} already exists; choose another",
                quoted(n)
            ));
        }
        Ok(())
    })?;
    let mut pool = args.pool.clone();
    if pool.is_none() && store_exists(ctx)? {
        let known = ctx.open(Open::Read)?.read(|db| db.pool_names())?;
        if !known.is_empty() {
            pool = prompt::choose("Device pool", "(no pool)", &known)?;
        }
    }
    // The account's defaults are preselected, as the flags would apply
    // them: one rule (read-write and never without a policy).
    let policy = if store_exists(ctx)? {
        ctx.open(Open::Read)?.read(|db| db.policy())?
    } else {
        Policy::default()
    };
    let access = if args.read_only {
        Some(Access::ReadOnly)
    } else if args.read_write {
        Some(Access::ReadWrite)
    } else {
        let read_only = "read-only (may not delete or reset data)";
        let read_write = "read-write (may also delete and reset data)";
        let default = policy.default_access().unwrap_or(Access::ReadWrite);
        let (first, other) = match default {
            Access::ReadOnly => (read_only, read_write),
            Access::ReadWrite => (read_write, read_only),
        };
        match prompt::choose("Access", first, &[other.to_owned()])? {
            None => Some(default),
            Some(_) if default == Access::ReadOnly => Some(Access::ReadWrite),
            Some(_) => Some(Access::ReadOnly),
        }
    };
    let expires = if let Some(e) = &args.expires {
        Some(e.clone())
    } else {
        let now = ctx.now;
        let default = policy
            .get(Key::DefaultExpiry)
            .or(policy.get(Key::MaxLifetime))
            .unwrap_or("never")
            .to_owned();
        let answer = prompt::ask_valid(
            "Expires (never, 30d, 2w, YYYY-MM-DD)",
            Some(&default),
            move |w: &String| {
                when::Given::when("--expires", w)
                    .and_then(|g| when::expiry(&g, now))
                    .and_then(|e| policy.check_expiry(e, now))
                    .map_err(|e| e.to_string())
            },
        )?;
        Some(when::Given::when("--expires", &answer)?)
    };
    Ok(Asked {
        name,
        pool,
        access,
        expires,
    })
}

/// Whether the store exists yet (a read never creates it).
fn store_exists(ctx: &Ctx) -> Result<bool> {
    match ctx.open(Open::Read) {
        Ok(_) => Ok(true),
        Err(e) if crate::error::kind_of(&e) == crate::error::Kind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}
