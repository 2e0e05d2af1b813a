//! `tokenctl verify`: read a token from stdin and say whether it is good.

use serde_json::{Map, Value};

use super::{refuse_token_argument, unknown_pool};
use crate::Ctx;
use crate::cli::{Format, Use, VerifyArgs};
use crate::error::{Error, Result};
use crate::model::Token;
use crate::store::{Mode, pools};
use crate::text::quoted;
use crate::verify::{self, Good, Reason, Requirements, Via};
use crate::when::rfc3339;

pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<()> {
    refuse_token_argument(&args.stray.stray)?;
    let input = verify::read_input(std::io::stdin().lock())?;
    // A mistyped, truncated or unknown-form token is refused before the
    // database is touched.
    let Some(presented) = verify::presented(&input) else {
        return reject(ctx, Reason::Malformed);
    };
    let mut store = ctx.open(Mode::Check)?;
    // An unregistered pool is no usage error here: no token can belong to
    // it, so every token fails as `pool` (spec section 6), with a note.
    if let Some(p) = &args.pool
        && pools::id_of(store.conn(), p)?.is_none()
    {
        ctx.out.note(format!(
            "note: {}",
            unknown_pool(&pools::names(store.conn())?, p)
        ));
    }
    let needs = Requirements {
        write: args.access == Use::Write,
        pool: args.pool.clone(),
    };
    match verify::check_and_record(&mut store, &presented, &needs, ctx.now)? {
        Ok(good) => accept(ctx, &good),
        Err(reason) => reject(ctx, reason),
    }
}

/// The fields shown are the API token's (an access token's parent), and
/// this check was its last use.
fn as_used(ctx: &Ctx, good: &Good) -> Token {
    let mut token = good.token.clone();
    token.last_used = Some(ctx.now.date_naive());
    token
}

/// The good token's fields, plus `"valid": true` and how it matched.
pub fn good_object(ctx: &Ctx, good: &Good) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("valid".into(), true.into());
    obj.extend(as_used(ctx, good).to_json(ctx.now));
    match &good.via {
        Via::Current { .. } => {}
        Via::Old { grace_until } => {
            obj.insert("grace_until".into(), rfc3339(*grace_until).into());
        }
        Via::Access { prefix, expires_at } => {
            let mut a = Map::new();
            a.insert("prefix".into(), prefix.clone().into());
            a.insert("expires_at".into(), rfc3339(*expires_at).into());
            obj.insert("access_token".into(), Value::Object(a));
        }
    }
    obj
}

fn accept(ctx: &Ctx, good: &Good) -> Result<()> {
    let note = match &good.via {
        Via::Current { .. } => format!("Good: token {}.", quoted(&good.token.name)),
        Via::Old { grace_until } => format!(
            "Good, in its grace period: the old secret of token {} works until {} or until the new one is used.",
            quoted(&good.token.name),
            rfc3339(*grace_until)
        ),
        Via::Access { expires_at, .. } => format!(
            "Good: an access token of {}, until {}.",
            quoted(&good.token.name),
            rfc3339(*expires_at)
        ),
    };
    if ctx.out.format == Format::Table {
        ctx.out.note(note);
        return ctx.out.token(&as_used(ctx, good), ctx.now);
    }
    ctx.out.record(good_object(ctx, good), "")
}

/// Exit 1 with the reason: JSON and CSV say it on stdout too.
pub fn reject(ctx: &Ctx, reason: Reason) -> Result<()> {
    if ctx.out.format != Format::Table {
        let mut obj = Map::new();
        obj.insert("valid".into(), false.into());
        obj.insert("reason".into(), reason.as_str().into());
        ctx.out.record(obj, "")?;
    }
    Err(Error::rejected(format!(
        "the token was rejected: {} ({})",
        reason.as_str(),
        reason.explain()
    ))
    .into())
}
