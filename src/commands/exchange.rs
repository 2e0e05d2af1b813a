//! `tokenctl exchange`: an API token from stdin for a short-lived access
//! token of the same format, with the parent's pool and access.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::refuse_token_argument;
use super::verify::reject;
use crate::cli::ExchangeArgs;
use crate::error::Result;
use crate::model::Token;
use crate::store::log::{self, Event};
use crate::store::{Mode, access, tokens};
use crate::verify::{self, Reason, Requirements, Via};
use crate::{Ctx, clipboard, token, when};

pub fn run(ctx: &Ctx, args: ExchangeArgs) -> Result<()> {
    refuse_token_argument(&args.stray.stray)?;
    let ttl = when::duration("--ttl", &args.ttl)?;
    let actor = ctx.actor()?;
    let input = verify::read_input(std::io::stdin().lock())?;
    let Some(presented) = verify::extract(&input).filter(|t| token::is_well_formed(t)) else {
        return reject(ctx, Reason::Malformed);
    };
    let mut store = ctx.open(Mode::Existing)?;
    let good = match verify::check(store.conn(), &presented, &Requirements::default(), ctx.now)? {
        // An access token is not an API token: it cannot be exchanged again.
        Ok(good) if matches!(good.via, Via::Access { .. }) => return reject(ctx, Reason::Unknown),
        Ok(good) => good,
        Err(reason) => return reject(ctx, reason),
    };
    // Never past the parent's own expiry.
    let expires_at = match good.token.expires_at {
        Some(parent) => parent.min(ctx.now + ttl),
        None => ctx.now + ttl,
    };
    let (secret, prefix) = loop {
        let prefix = token::generate_prefix()?;
        let secret = token::generate_with_prefix(&prefix)?;
        let hash = token::hash(&secret)?;
        let stored = store.write(|tx| {
            if tokens::name_or_prefix_taken(tx, &prefix)? {
                return Ok(false);
            }
            // The parent must still be the one checked: not renewed, disabled
            // or deleted in the meantime.
            let parent = tokens::by_prefix(tx, &good.token.prefix)?;
            if parent
                .as_ref()
                .is_none_or(|p| p.id != good.token.id || p.disabled)
            {
                return Ok(false);
            }
            access::purge_expired(tx, ctx.now)?;
            access::insert(tx, &prefix, &hash, good.token.id, ctx.now, expires_at)?;
            verify::record_use(tx, &good, ctx.now)?;
            log::append(
                tx,
                ctx.now,
                Event {
                    actor: &actor,
                    op: "exchange",
                    token_id: Some(good.token.id),
                    token: Some(&good.token.name),
                    prefix: Some(&good.token.prefix),
                    details: json!({
                        "access_prefix": prefix,
                        "expires_at": when::rfc3339(expires_at),
                    }),
                },
            )?;
            Ok(true)
        })?;
        if stored {
            break (secret, prefix);
        }
        if tokens::by_prefix(store.conn(), &good.token.prefix)?.is_none_or(|p| p.disabled) {
            return reject(ctx, Reason::Unknown);
        }
    };
    let shown = access_view(&good.token, &prefix, expires_at);
    ctx.out
        .secret(&shown, &secret, "Exchanged for an access token of", ctx.now)?;
    if clipboard::wanted(
        args.clip.clipboard,
        args.clip.no_clipboard,
        ctx.out.stdout_tty,
    ) {
        ctx.out.note(clipboard::copy(&secret));
    }
    Ok(())
}

/// The access token as printed: the parent's name, pool and access, its own
/// prefix and expiry.
fn access_view(parent: &Token, prefix: &str, expires_at: DateTime<Utc>) -> Token {
    Token {
        prefix: prefix.to_owned(),
        expires_at: Some(expires_at),
        last_used: None,
        renewed_at: None,
        ..parent.clone()
    }
}
