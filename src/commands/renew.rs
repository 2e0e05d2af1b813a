//! `tokenctl renew`: a new secret and prefix for the same token, shown once.
//! The old token stops working at once.

use serde_json::{Map, Value};

use super::{check_reason, details_with_reason, resolve};
use crate::cli::RenewArgs;
use crate::error::{Error, Result};
use crate::store::log::{self, Event};
use crate::store::{Mode, tokens};
use crate::{Ctx, clipboard, prompt, token};

pub fn run(ctx: &Ctx, args: RenewArgs) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let actor = ctx.actor()?;
    let mut store = ctx.open(Mode::Existing)?;
    let target = resolve(store.conn(), &args.token.token)?;
    prompt::confirm(
        &format!(
            "Renew token \"{}\" (prefix {})? The current token stops working at once",
            target.name, target.prefix
        ),
        args.yes,
    )?;
    let (renewed, secret) = loop {
        let prefix = token::generate_prefix()?;
        let secret = token::generate_with_prefix(&prefix)?;
        let hash = token::hash(&secret)?;
        let renewed = store.write(|tx| {
            let now = tokens::by_prefix(tx, &target.prefix)?;
            if now.as_ref().map(|t| t.id) != Some(target.id) {
                return Err(Error::not_found(format!(
                    "token \"{}\" changed or was deleted while you were asked; nothing was renewed",
                    target.name
                ))
                .into());
            }
            if tokens::name_or_prefix_taken(tx, &prefix)? {
                return Ok(None);
            }
            tokens::set_secret(tx, target.id, &prefix, &hash, ctx.now)?;
            let mut details = Map::new();
            details.insert("old_prefix".into(), Value::from(target.prefix.as_str()));
            details.insert("new_prefix".into(), Value::from(prefix.as_str()));
            log::append(
                tx,
                ctx.now,
                Event {
                    actor: &actor,
                    op: "renew",
                    token_id: Some(target.id),
                    token: Some(&target.name),
                    prefix: Some(&prefix),
                    details: details_with_reason(details, args.reason.reason.as_deref()),
                },
            )?;
            tokens::by_prefix(tx, &prefix)
        })?;
        if let Some(t) = renewed {
            break (t, secret);
        }
    };
    ctx.out.secret(&renewed, &secret, "Renewed", ctx.now)?;
    if clipboard::wanted(
        args.clip.clipboard,
        args.clip.no_clipboard,
        ctx.out.stdout_tty,
    ) {
        ctx.out.note(clipboard::copy(&secret));
    }
    Ok(())
}
