//! A secret back from retirement (spec section 15): one retired by a
//! self-rotation, presented with the right secret after its successor was
//! used, is theft (the OAuth refresh-token reuse rule): the token is
//! disabled at once, whichever front saw it (`verify`, `exchange`, `serve`,
//! the library).

use serde_json::Map;

use crate::domain::model::{Event, Op, Token, details_with_reason};
use crate::domain::when::rfc3339;
use crate::error::Result;
use crate::store::{Credential, Store};

/// Who disables the token, in the log.
pub(crate) const ACTOR: &str = "tokenctl";

/// Disable the token whose retired secret `prefix` came back: logged as
/// `disable` by `tokenctl`, the reason naming the retired prefix and when
/// it was retired. `None` when there is nothing to do (already disabled,
/// or no longer such a secret).
pub(crate) fn disable_reused(store: &mut Store, prefix: &str) -> Result<Option<Token>> {
    store.write(|tx| {
        let Some(Credential::Retired {
            token,
            retired_at,
            by_self: true,
            successor_used: true,
            ..
        }) = tx.retired(prefix)?
        else {
            return Ok(None);
        };
        if token.disabled {
            return Ok(None);
        }
        let reason = format!(
            "the secret {prefix}, retired by a self-rotation at {}, was presented again after its successor was used",
            rfc3339(retired_at)
        );
        // As `disable` does: its access tokens and an old secret end too.
        tx.disable(&token)?;
        tx.append_log(Event::about(
            ACTOR,
            Op::Disable,
            &token,
            details_with_reason(Map::new(), Some(&reason)),
        ))?;
        Ok(Some(token))
    })
}
