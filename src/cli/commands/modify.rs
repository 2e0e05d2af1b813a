//! `tokenctl modify`: change fields; the secret stays ([`ops::modify`]).

use serde_json::Value;

use crate::cli::output::human_details;
use crate::cli::{Ctx, ModifyArgs};
use crate::domain::model::Access;
use crate::domain::text::quoted;
use crate::domain::{binding, when};
use crate::error::{Error, Result};
use crate::ops::modify::{self as ops, Wanted};
use crate::store::Open;

pub(crate) fn run(ctx: &Ctx, args: ModifyArgs) -> Result<()> {
    let wanted = Wanted {
        name: args.new_name.clone(),
        pool: match (&args.pool, args.no_pool) {
            (Some(p), _) => Some(Some(p.clone())),
            (None, true) => Some(None),
            (None, false) => None,
        },
        access: match (args.read_only, args.read_write) {
            (true, _) => Some(Access::ReadOnly),
            (_, true) => Some(Access::ReadWrite),
            _ => None,
        },
        expires_at: args
            .expires
            .as_ref()
            .map(|w| when::expiry(w, ctx.now))
            .transpose()?,
        owner: (args.owner.is_some() || args.no_owner).then(|| args.owner.clone()),
        allowed_from: if args.allow_from_anywhere {
            Some(Vec::new())
        } else {
            (!args.allow_from.is_empty()).then(|| binding::normalised(args.allow_from.clone()))
        },
        not_before: if args.no_not_before {
            Some(None)
        } else {
            args.not_before
                .as_ref()
                .map(|w| when::not_before(w, ctx.now).map(Some))
                .transpose()?
        },
        rate: if args.no_rate {
            Some(None)
        } else {
            args.rate.map(Some)
        },
    };
    if wanted.is_empty() {
        return Err(Error::usage("nothing to change")
            .hint("give --name, --pool/--no-pool, --read-only/--read-write, --expires, --owner/--no-owner, --allow-from/--allow-from-anywhere, --not-before/--no-not-before or --rate/--no-rate")
            .into());
    }
    let reason = args.reason.reason.as_deref();
    wanted.check(reason)?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let done = ops::modify(
        &mut store,
        &actor,
        &args.token.token,
        &wanted,
        reason,
        ctx.now,
    )?;
    let t = done.token;
    if done.changed.is_empty() {
        ctx.out.note(format!(
            "Token {} already has those values; nothing changed.",
            quoted(&t.name)
        ));
    } else {
        // Say what changed: `access: read-only → read-write`.
        let what = human_details(&Value::Object(done.changed));
        ctx.out
            .note(format!("Modified token {}: {what}.", quoted(&t.name)));
    }
    ctx.out.result(&t, ctx.now)
}
