//! Finding what a command names: a token by name or prefix, a pool by
//! name; unknown ones are refused with the likeliest meant one.

use crate::domain::model::Token;
use crate::domain::text::quoted;
use crate::domain::token;
use crate::error::{Error, Result};
use crate::store::Db;

/// Find a token by name or prefix (exact). Names and prefixes are each
/// unique, but a name may equal another token's prefix: then the reference
/// is ambiguous and refused, so that no command acts on the wrong token.
pub(crate) fn resolve(db: &mut dyn Db, reference: &str) -> Result<Token> {
    refuse_whole_token(reference)?;
    match db.token_by_name_or_prefix(reference)? {
        (Some(a), Some(b)) if a.id != b.id => Err(Error::usage(format!(
            "{} is the name of token {} and the prefix of token {}",
            quoted(reference),
            quoted(&a.name),
            quoted(&b.name)
        ))
        .hint(format!(
            "use the prefix {} for the first or the name {} for the second",
            a.prefix,
            quoted(&b.name)
        ))
        .into()),
        (Some(t), _) | (None, Some(t)) => Ok(t),
        (None, None) => Err(unknown_token(db, reference)),
    }
}

fn unknown_token(db: &mut dyn Db, reference: &str) -> anyhow::Error {
    let names = db.token_names().unwrap_or_default();
    let err = Error::not_found(format!("no token named {}", quoted(reference)));
    match closest(reference, &names) {
        Some(best) => err.hint(format!("did you mean {}?", quoted(best))).into(),
        None => err.hint("`tokenctl list` shows the tokens").into(),
    }
}

/// A whole token typed where a name or prefix belongs: refuse it without
/// echoing it (it is in the shell history now; say so).
fn refuse_whole_token(reference: &str) -> Result<()> {
    if token::is_well_formed(reference) {
        return Err(Error::usage(format!(
            "that is a whole token, not a name or prefix; use its prefix {}",
            token::prefix_of(reference)
        ))
        .hint(crate::domain::token::IN_HISTORY)
        .into());
    }
    Ok(())
}

/// The most similar candidate, if any is close enough to be a likely typo.
pub(crate) fn closest<'a>(wanted: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wanted, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

/// The id of a registered pool; an unknown one is refused with the known ones listed.
pub(crate) fn pool_id(db: &mut dyn Db, name: &str) -> Result<i64> {
    if let Some(id) = db.pool_id(name)? {
        return Ok(id);
    }
    Err(unknown_pool(&db.pool_names()?, name).into())
}

/// An unknown pool given as an argument: a usage error listing the known ones.
pub(crate) fn unknown_pool(known: &[String], name: &str) -> Error {
    let err = Error::usage(format!("no pool named {}", quoted(name)));
    if known.is_empty() {
        err.hint("no pools are registered; add one with `tokenctl pool add NAME`")
    } else {
        err.hint(format!("known pools: {}", known.join(", ")))
    }
}
