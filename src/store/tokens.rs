//! The `tokens` table. Lookups go through the unique prefix or name.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Row, params};

use super::{optional, sql_error};
use crate::error::{Error, Result};
use crate::model::{Access, Token};
use crate::token::Kind;
use crate::when::{from_rfc3339, rfc3339};

const COLUMNS: &str = "t.id, t.name, t.prefix, p.name, t.access, t.owner, t.disabled,
     t.created_at, t.created_by, t.expires_at, t.last_used, t.renewed_at";
const FROM: &str = "tokens t LEFT JOIN pools p ON p.id = t.pool_id";

fn time(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(r.get::<_, Option<String>>(i)?
        .as_deref()
        .and_then(from_rfc3339))
}

/// A token row. Its access is read fail-closed: a value we never write is
/// an error (exit 10), never read-write.
fn token_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Token>> {
    let access: String = r.get(4)?;
    let last_used: Option<String> = r.get(10)?;
    let name: String = r.get(1)?;
    let Some(access) = Access::from_stored(&access) else {
        return Ok(Err(Error::storage(format!(
            "token {} has an access value tokenctl does not know; it is refused",
            crate::text::quoted(&name)
        ))
        .hint("the database was edited outside tokenctl: check it, then set the access with `tokenctl modify`")
        .into()));
    };
    Ok(Ok(Token {
        id: r.get(0)?,
        name,
        prefix: r.get(2)?,
        pool: r.get(3)?,
        access,
        owner: r.get(5)?,
        disabled: r.get(6)?,
        created_at: time(r, 7)?.unwrap_or_default(),
        created_by: r.get(8)?,
        expires_at: time(r, 9)?,
        last_used: last_used.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        renewed_at: time(r, 11)?,
    }))
}

fn one(conn: &Connection, column: &str, value: &str) -> Result<Option<Token>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM {FROM} WHERE t.{column} = ?1"),
        [value],
        token_from_row,
    ))?
    .transpose()
}

pub fn by_name(conn: &Connection, name: &str) -> Result<Option<Token>> {
    one(conn, "name", name)
}

pub fn by_prefix(conn: &Connection, prefix: &str) -> Result<Option<Token>> {
    one(conn, "prefix", prefix)
}

/// All tokens ordered by name, optionally of one pool.
pub fn list(conn: &Connection, pool: Option<&str>) -> Result<Vec<Token>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE ?1 IS NULL OR p.name = ?1 ORDER BY t.name"
        ))
        .map_err(sql_error)?;
    let rows = stmt.query_map([pool], token_from_row).map_err(sql_error)?;
    rows.map(|r| r.map_err(sql_error)?).collect()
}

/// Names of all tokens, for suggestions.
pub fn names(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM tokens ORDER BY name")
        .map_err(sql_error)?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
}

/// True when `value` is some token's name or prefix: a new prefix must be
/// neither, so references stay unambiguous.
pub fn name_or_prefix_taken(conn: &Connection, value: &str) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM tokens WHERE name = ?1 OR prefix = ?1 OR old_prefix = ?1)
             OR EXISTS (SELECT 1 FROM access_tokens WHERE prefix = ?1)",
        [value],
        |r| r.get(0),
    )
    .map_err(sql_error)
}

/// A token about to be stored: its fields and the hash of its secret.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub pool_id: Option<i64>,
    pub access: Access,
    pub owner: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: &'a str,
}

pub fn insert(conn: &Connection, t: &NewToken<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO tokens (name, prefix, hash, pool_id, access, owner, created_at, created_by, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            t.name,
            t.prefix,
            t.hash,
            t.pool_id,
            t.access.as_str(),
            t.owner,
            rfc3339(t.created_at),
            t.created_by,
            t.expires_at.map(rfc3339),
        ],
    )
    .map_err(sql_error)?;
    Ok(conn.last_insert_rowid())
}

/// The fields `modify` can change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub pool_id: Option<Option<i64>>,
    pub access: Option<Access>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub owner: Option<Option<String>>,
}

pub fn update(conn: &Connection, id: i64, c: &Changes) -> Result<()> {
    conn.execute(
        "UPDATE tokens SET
            name       = CASE WHEN ?2 THEN ?3 ELSE name END,
            pool_id    = CASE WHEN ?4 THEN ?5 ELSE pool_id END,
            access     = CASE WHEN ?6 THEN ?7 ELSE access END,
            expires_at = CASE WHEN ?8 THEN ?9 ELSE expires_at END,
            owner      = CASE WHEN ?10 THEN ?11 ELSE owner END
         WHERE id = ?1",
        params![
            id,
            c.name.is_some(),
            c.name,
            c.pool_id.is_some(),
            c.pool_id.flatten(),
            c.access.is_some(),
            c.access.map(Access::as_str),
            c.expires_at.is_some(),
            c.expires_at.flatten().map(rfc3339),
            c.owner.is_some(),
            c.owner.clone().flatten(),
        ],
    )
    .map_err(sql_error)?;
    Ok(())
}

pub fn set_disabled(conn: &Connection, id: i64, disabled: bool) -> Result<()> {
    conn.execute(
        "UPDATE tokens SET disabled = ?2 WHERE id = ?1",
        params![id, disabled],
    )
    .map_err(sql_error)?;
    Ok(())
}

/// A new secret (and prefix) for the same token. With `grace_until`, the
/// current secret keeps working until then (or the new one's first use);
/// without, it dies at once. Only one old secret is kept: a pending grace
/// from an earlier renew ends here.
pub fn set_secret(
    conn: &Connection,
    id: i64,
    prefix: &str,
    hash: &str,
    renewed_at: DateTime<Utc>,
    grace_until: Option<DateTime<Utc>>,
) -> Result<()> {
    // The right-hand sides see the row as it was: old_* get the current secret.
    conn.execute(
        "UPDATE tokens SET
            old_prefix  = CASE WHEN ?5 IS NULL THEN NULL ELSE prefix END,
            old_hash    = CASE WHEN ?5 IS NULL THEN NULL ELSE hash END,
            grace_until = ?5,
            prefix = ?2, hash = ?3, renewed_at = ?4
         WHERE id = ?1",
        params![
            id,
            prefix,
            hash,
            rfc3339(renewed_at),
            grace_until.map(rfc3339)
        ],
    )
    .map_err(sql_error)?;
    Ok(())
}

/// The first use of a renewed token ends its old secret's grace, provided
/// the token still has the secret that was used (no renew since). Access
/// tokens made with the old secret during the grace end with it.
pub fn end_grace_if_current(conn: &Connection, id: i64, prefix: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM access_tokens WHERE token_id = ?1 AND parent_prefix =
            (SELECT old_prefix FROM tokens WHERE id = ?1 AND prefix = ?2)",
        params![id, prefix],
    )
    .map_err(sql_error)?;
    conn.execute(
        "UPDATE tokens SET old_prefix = NULL, old_hash = NULL, grace_until = NULL
         WHERE id = ?1 AND prefix = ?2",
        params![id, prefix],
    )
    .map_err(sql_error)?;
    Ok(())
}

/// Which secret of its parent an access token was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MadeWith {
    /// The parent's current secret: it lives as long as that secret does.
    Current,
    /// The secret a renew replaced, during its grace: it dies with the grace.
    Old { grace_until: DateTime<Utc> },
    /// A secret the parent no longer has: it is dead.
    Gone,
}

/// What a prefix presented for checking belongs to.
#[derive(Debug)]
pub enum Credential {
    /// A token's current secret; `grace_pending` while its old one still works.
    Current {
        token: Token,
        hash: String,
        grace_pending: bool,
    },
    /// The previous secret of a token renewed with a grace period.
    Old {
        token: Token,
        hash: String,
        grace_until: DateTime<Utc>,
    },
    /// A short-lived access token from `exchange`, with its parent.
    Access {
        parent: Token,
        hash: String,
        expires_at: DateTime<Utc>,
        made_with: MadeWith,
    },
}

impl Credential {
    /// The argon2 PHC string the presented token must match.
    pub fn hash(&self) -> &str {
        match self {
            Credential::Current { hash, .. }
            | Credential::Old { hash, .. }
            | Credential::Access { hash, .. } => hash,
        }
    }
}

/// Find what `prefix` names for a token of `kind`: each lookup is one
/// unique-index seek, so the cost does not grow with the number of tokens.
/// An API token's prefix is looked up among API tokens only, an access
/// token's among access tokens only.
pub fn credential(conn: &Connection, kind: Kind, prefix: &str) -> Result<Option<Credential>> {
    if kind == Kind::Access {
        return access_credential(conn, prefix);
    }
    let current = optional(conn.query_row(
        &format!("SELECT {COLUMNS}, t.hash, t.grace_until FROM {FROM} WHERE t.prefix = ?1"),
        [prefix],
        |r| {
            Ok((
                token_from_row(r)?,
                r.get::<_, String>(12)?,
                r.get::<_, Option<String>>(13)?,
            ))
        },
    ))?;
    if let Some((token, hash, grace)) = current {
        return Ok(Some(Credential::Current {
            token: token?,
            hash,
            grace_pending: grace.is_some(),
        }));
    }
    let old = optional(conn.query_row(
        &format!("SELECT {COLUMNS}, t.old_hash, t.grace_until FROM {FROM} WHERE t.old_prefix = ?1"),
        [prefix],
        |r| Ok((token_from_row(r)?, r.get::<_, String>(12)?, time(r, 13)?)),
    ))?;
    match old {
        Some((token, hash, Some(grace_until))) => Ok(Some(Credential::Old {
            token: token?,
            hash,
            grace_until,
        })),
        _ => Ok(None),
    }
}

fn access_credential(conn: &Connection, prefix: &str) -> Result<Option<Credential>> {
    let access = optional(conn.query_row(
        &format!(
            "SELECT {COLUMNS}, a.hash, a.expires_at, a.parent_prefix, t.old_prefix, t.grace_until
             FROM access_tokens a
             JOIN tokens t ON t.id = a.token_id LEFT JOIN pools p ON p.id = t.pool_id
             WHERE a.prefix = ?1"
        ),
        [prefix],
        |r| {
            Ok((
                token_from_row(r)?,
                r.get::<_, String>(12)?,
                time(r, 13)?,
                r.get::<_, Option<String>>(14)?,
                r.get::<_, Option<String>>(15)?,
                time(r, 16)?,
            ))
        },
    ))?;
    let Some((parent, hash, expires_at, made_by, old_prefix, grace_until)) = access else {
        return Ok(None);
    };
    let parent = parent?;
    let made_with = match (made_by, old_prefix, grace_until) {
        (Some(m), _, _) if m == parent.prefix => MadeWith::Current,
        (Some(m), Some(old), Some(grace_until)) if m == old => MadeWith::Old { grace_until },
        _ => MadeWith::Gone,
    };
    // A row without an expiry was not written by us: nothing to accept.
    Ok(expires_at.map(|expires_at| Credential::Access {
        parent,
        hash,
        expires_at,
        made_with,
    }))
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM tokens WHERE id = ?1", [id])
        .map_err(sql_error)?;
    Ok(())
}

/// Record a use: at most one write a day per token.
pub fn touch(conn: &Connection, id: i64, today: NaiveDate) -> Result<bool> {
    let day = today.format("%Y-%m-%d").to_string();
    let n = conn
        .execute(
            "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND last_used IS NOT ?2",
            params![id, day],
        )
        .map_err(sql_error)?;
    Ok(n > 0)
}
