//! The `access_tokens` table: short-lived tokens made by `exchange`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::sql_error;
use crate::error::Result;
use crate::when::rfc3339;

/// An access token about to be stored.
pub struct NewAccess<'a> {
    pub prefix: &'a str,
    pub hash: &'a str,
    pub token_id: i64,
    /// The parent's prefix that was presented: during a renew's grace the
    /// old one, so that the access token dies with that grace.
    pub parent_prefix: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn insert(conn: &Connection, a: &NewAccess<'_>) -> Result<()> {
    conn.execute(
        "INSERT INTO access_tokens (prefix, hash, token_id, parent_prefix, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            a.prefix,
            a.hash,
            a.token_id,
            a.parent_prefix,
            rfc3339(a.created_at),
            rfc3339(a.expires_at)
        ],
    )
    .map_err(sql_error)?;
    Ok(())
}

/// End every access token of a token (renew, disable; delete cascades).
pub fn end_all_of(conn: &Connection, token_id: i64) -> Result<usize> {
    conn.execute("DELETE FROM access_tokens WHERE token_id = ?1", [token_id])
        .map_err(sql_error)
}

/// Drop access tokens that have expired, so the table does not grow without bound.
pub fn purge_expired(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    conn.execute(
        "DELETE FROM access_tokens WHERE expires_at <= ?1",
        [rfc3339(now)],
    )
    .map_err(sql_error)
}
