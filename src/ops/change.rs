//! Changes to a token that several commands make: disabling or enabling
//! it, deleting it, and the re-check that the token acted on is still the
//! one that was shown or listed.

use serde_json::Map;

use crate::domain::model::check_reason;
use crate::domain::model::{Event, Op, Token, details_with_reason};
use crate::domain::text::quoted;
use crate::error::{Error, Result};
use crate::ops::find::resolve;
use crate::ops::policy::need_reason;
use crate::store::{Db, Store};

/// The token as the store holds it now, if it is still `t`: the same id
/// under the same prefix (not renewed, deleted, or its prefix taken by
/// another meanwhile). A rename keeps it the same token.
pub(crate) fn still(tx: &mut dyn Db, t: &Token) -> Result<Option<Token>> {
    Ok(tx.token_by_prefix(&t.prefix)?.filter(|now| now.id == t.id))
}

/// The state a change puts a token in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Disabled,
    Enabled,
}

impl State {
    pub(crate) fn disabled(self) -> bool {
        self == State::Disabled
    }

    pub(crate) fn word(self) -> &'static str {
        match self {
            State::Disabled => "disabled",
            State::Enabled => "enabled",
        }
    }
}

/// Put `t` (not yet in that state) in `state`, and log it: the one way a
/// token is disabled or enabled (`disable`, `enable`, `scan --disable`). A
/// disabled token's access tokens end at once, and so does the grace of a
/// renew's old secret: neither comes back on enable.
pub(crate) fn set_state(
    tx: &mut dyn Db,
    actor: &str,
    t: &Token,
    state: State,
    reason: Option<&str>,
) -> Result<()> {
    match state {
        State::Disabled => tx.disable(t)?,
        State::Enabled => tx.set_disabled(t.id, false)?,
    }
    let op = match state {
        State::Disabled => Op::Disable,
        State::Enabled => Op::Enable,
    };
    tx.append_log(Event::about(
        actor,
        op,
        t,
        details_with_reason(Map::new(), reason),
    ))?;
    Ok(())
}

/// Delete `t` and log it (`delete`, `prune`).
pub(crate) fn delete(tx: &mut dyn Db, actor: &str, t: &Token, reason: Option<&str>) -> Result<()> {
    tx.delete_token(t.id)?;
    tx.append_log(Event::about(
        actor,
        Op::Delete,
        t,
        details_with_reason(Map::new(), reason),
    ))?;
    Ok(())
}

/// Disable the token with `id` if it still has `prefix` and is not yet
/// disabled (`scan --disable`: a token renamed since it was found is still
/// disabled; one renewed, deleted or disabled meanwhile is left alone),
/// the place it was found in as the logged reason, with `extra` (the
/// `--reason` given, which `require-reason` asks for). Returns the name of
/// the token disabled.
pub(crate) fn disable_if_current(
    store: &mut Store,
    actor: &str,
    id: i64,
    prefix: &str,
    place: &str,
    extra: Option<&str>,
) -> Result<Option<String>> {
    check_reason(extra)?;
    let reason = match extra {
        Some(r) => format!("found in {place}; {r}"),
        None => format!("found in {place}"),
    };
    let reason = reason.as_str();
    store.write(|tx| {
        need_reason(&tx.policy()?, extra)?;
        let Some(t) = tx.token_by_prefix(prefix)?.filter(|t| t.id == id) else {
            return Ok(None);
        };
        if t.disabled {
            return Ok(None);
        }
        set_state(tx, actor, &t, State::Disabled, Some(reason))?;
        Ok(Some(t.name))
    })
}

/// The token acted on was renamed, renewed or deleted after it was shown:
/// nothing was done to it (`done`: "renewed", "deleted").
pub(crate) fn changed_meanwhile(t: &Token, done: &str) -> Error {
    Error::not_found(format!(
        "token {} changed or was deleted while you were asked; nothing was {done}",
        quoted(&t.name)
    ))
}

/// Put the token `reference` names in `state` (`disable`, `enable`).
/// Returns it as it is now, and whether it changed (one already in that
/// state is left alone, unlogged).
pub(crate) fn switch(
    store: &mut Store,
    actor: &str,
    reference: &str,
    state: State,
    reason: Option<&str>,
) -> Result<(Token, bool)> {
    check_reason(reason)?;
    store.write(|tx| {
        need_reason(&tx.policy()?, reason)?;
        let t = resolve(tx, reference)?;
        if t.disabled == state.disabled() {
            return Ok((t, false));
        }
        set_state(tx, actor, &t, state, reason)?;
        // Nothing else of the row changes, and no other writer runs
        // meanwhile (a write holds the store's one write lock).
        let disabled = state.disabled();
        Ok((Token { disabled, ..t }, true))
    })
}

/// Delete `target`, the token that was shown and confirmed, if it is still
/// that token (`delete`).
pub(crate) fn delete_confirmed(
    store: &mut Store,
    actor: &str,
    target: &Token,
    reason: Option<&str>,
) -> Result<()> {
    check_reason(reason)?;
    store.write(|tx| {
        need_reason(&tx.policy()?, reason)?;
        if still(tx, target)?.is_none() {
            return Err(changed_meanwhile(target, "deleted").into());
        }
        delete(tx, actor, target, reason)
    })
}
