//! Checking a presented token: [`presented`] reads it once where it
//! enters, [`judge`] decides on what the store holds, and the long-lived
//! [`verifier::Verifier`] runs both with a store pool, remembered tokens and
//! bounded argon2 (`verify`, `serve` and a Rust service call the same one).
//! [`once`] is the one-shot form.

mod connections;
pub mod judge;
mod memo;
pub mod presented;
pub(crate) mod slots;
pub(crate) mod theft;
pub mod verifier;

use std::path::Path;

use judge::{Good, Reason, Requirements};

/// The whole check against a store file, once, for a Rust service that
/// embeds tokenctl instead of running it: extract, check, record. The
/// outcome is the same as `tokenctl verify`'s for the same input; a store
/// that cannot be used is the error, its [`Kind`](crate::error::Kind) as
/// the command's exit code says (no store: `NotFound`; not ours or
/// failing: `Storage`). A long-running service keeps a
/// [`Verifier`](verifier::Verifier) instead.
pub fn once(
    db: &Path,
    input: &str,
    needs: &Requirements,
) -> std::result::Result<std::result::Result<Good, Reason>, crate::error::Error> {
    let Some(presented) = presented::presented(input) else {
        return Ok(Err(Reason::Malformed));
    };
    let options = verifier::Options {
        cache_ttl: std::time::Duration::ZERO,
        max_hashing: 1,
        db_connections: 1,
    };
    let verifier = verifier::Verifier::open(db, options)?;
    let outcome = verifier
        .check_presented(&presented, needs)
        .map_err(|e| crate::error::Error::from_chain(&e))?;
    if let Ok(good) = &outcome {
        verifier.record(good)?;
    }
    if matches!(outcome, Err(Reason::Reused)) {
        verifier.disable_reused(presented.prefix())?;
    }
    Ok(outcome)
}
