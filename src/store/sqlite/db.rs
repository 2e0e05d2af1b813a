//! The store's operations in SQL, for SQLite. A write runs on the
//! IMMEDIATE transaction (`Sqlite::write`), a read on a read transaction;
//! both deref to the connection these methods take.

use std::net::IpAddr;

use crate::domain::binding;
use crate::domain::policy::{Key, Policy};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::cells::{log_entry_from_row, read_log_row};
use super::{optional, sql_error};
use crate::domain::chain::StoredEntry;
use crate::domain::model::{Access, LogEntry, Pool, Token};
use crate::domain::token::Kind;
use crate::domain::when::rfc3339;
use crate::error::{Error, Result};
use crate::store::rows::{self, LOG_COLUMNS, TOKEN_COLUMNS, TOKEN_FROM, TOKEN_WIDTH, TokenCells};
use crate::store::{Changes, Credential, Db, Each, LogFilter, NewAccess, NewToken};

/// One row of a query whose statement is kept prepared (the lookups a
/// long-running `serve` makes on every request).
pub(super) fn row<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

pub(super) fn time(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(rows::time(r.get::<_, Option<String>>(i)?.as_deref()))
}

pub(super) fn token_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Token>> {
    Ok(TokenCells {
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        pool: r.get(3)?,
        access: r.get(4)?,
        owner: r.get(5)?,
        disabled: r.get(6)?,
        created_at: r.get(7)?,
        created_by: r.get(8)?,
        expires_at: r.get(9)?,
        last_used: r.get(10)?,
        renewed_at: r.get(11)?,
        allowed_from: r.get(12)?,
        not_before: r.get(13)?,
        rate: r.get(14)?,
        last_used_from: r.get(15)?,
    }
    .token())
}

fn one_token(
    conn: &Connection,
    column: &str,
    value: impl rusqlite::ToSql,
) -> Result<Option<Token>> {
    optional(row(
        conn,
        &format!("SELECT {TOKEN_COLUMNS} FROM {TOKEN_FROM} WHERE t.{column} = ?1"),
        [value],
        token_from_row,
    ))?
    .transpose()
}

/// The token just written, read back.
fn token_by_id(conn: &Connection, id: i64) -> Result<Token> {
    one_token(conn, "id", id)?
        .ok_or_else(|| Error::storage("the token just written was not found").into())
}

impl Db for &Connection {
    fn token_by_name(&mut self, name: &str) -> Result<Option<Token>> {
        one_token(self, "name", name)
    }

    fn token_by_prefix(&mut self, prefix: &str) -> Result<Option<Token>> {
        one_token(self, "prefix", prefix)
    }

    fn each_token(&mut self, pool: Option<&str>, f: Each<'_, Token>) -> Result<()> {
        let mut stmt = self
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM {TOKEN_FROM} WHERE ?1 IS NULL OR p.name = ?1 ORDER BY t.name"
            ))
            .map_err(sql_error)?;
        let mut rows = stmt.query([pool]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            f(token_from_row(row).map_err(sql_error)??)?;
        }
        Ok(())
    }

    fn token_names(&mut self) -> Result<Vec<String>> {
        let mut stmt = self
            .prepare("SELECT name FROM tokens ORDER BY name")
            .map_err(sql_error)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    fn name_or_prefix_taken(&mut self, value: &str) -> Result<bool> {
        self.query_row(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE name = ?1 OR prefix = ?1 OR old_prefix = ?1)
                 OR EXISTS (SELECT 1 FROM access_tokens WHERE prefix = ?1)
                 OR EXISTS (SELECT 1 FROM retired_secrets WHERE prefix = ?1)",
            [value],
            |r| r.get(0),
        )
        .map_err(sql_error)
    }

    fn credential(&mut self, kind: Kind, prefix: &str) -> Result<Option<Credential>> {
        if kind == Kind::Access {
            return access_credential(self, prefix);
        }
        let current = optional(row(
            self,
            &format!(
                "SELECT {TOKEN_COLUMNS}, t.hash, t.grace_until FROM {TOKEN_FROM} WHERE t.prefix = ?1"
            ),
            [prefix],
            |r| {
                Ok((
                    token_from_row(r)?,
                    r.get::<_, String>(TOKEN_WIDTH)?,
                    r.get::<_, Option<String>>(TOKEN_WIDTH + 1)?,
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
        let old = optional(row(
            self,
            &format!(
                "SELECT {TOKEN_COLUMNS}, t.old_hash, t.grace_until FROM {TOKEN_FROM} WHERE t.old_prefix = ?1"
            ),
            [prefix],
            |r| {
                Ok((
                    token_from_row(r)?,
                    r.get::<_, String>(TOKEN_WIDTH)?,
                    time(r, TOKEN_WIDTH + 1)?,
                ))
            },
        ))?;
        match old {
            Some((token, hash, Some(grace_until))) => Ok(Some(Credential::Old {
                token: token?,
                hash,
                grace_until,
            })),
            _ => crate::store::Retiring::retired(self, prefix),
        }
    }

    fn pool_id(&mut self, name: &str) -> Result<Option<i64>> {
        optional(self.query_row("SELECT id FROM pools WHERE name = ?1", [name], |r| r.get(0)))
    }

    fn pools(&mut self) -> Result<Vec<Pool>> {
        let mut stmt = self
            .prepare(
                "SELECT p.name, p.created_at, p.created_by,
                        (SELECT count(*) FROM tokens t WHERE t.pool_id = p.id)
                 FROM pools p ORDER BY p.name",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Pool {
                    name: r.get(0)?,
                    created_at: time(r, 1)?.unwrap_or_default(),
                    created_by: r.get(2)?,
                    tokens: r.get(3)?,
                })
            })
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    fn pool_names(&mut self) -> Result<Vec<String>> {
        let mut stmt = self
            .prepare("SELECT name FROM pools ORDER BY name")
            .map_err(sql_error)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    fn tokens_in_pool(&mut self, pool_id: i64) -> Result<i64> {
        self.query_row(
            "SELECT count(*) FROM tokens WHERE pool_id = ?1",
            [pool_id],
            |r| r.get(0),
        )
        .map_err(sql_error)
    }

    fn each_log_entry(&mut self, filter: &LogFilter, f: Each<'_, LogEntry>) -> Result<()> {
        let mut args: Vec<Sql> = Vec::new();
        let mut bind = |v: String| {
            args.push(Sql::Text(v));
            format!("?{}", args.len())
        };
        let mut sql = format!("SELECT {LOG_COLUMNS} FROM log WHERE 1");
        // Each entry keeps its own real time, so times need not follow ids
        // (a clock may jump): the bounds are on `at` as stored (indexed).
        if let Some(t) = filter.since {
            sql += &format!(" AND at >= {}", bind(rfc3339(t)));
        }
        if let Some(t) = filter.until {
            sql += &format!(" AND at <= {}", bind(rfc3339(t)));
        }
        if let Some(reference) = &filter.token {
            // Every entry of every token that was ever called that or had
            // that prefix: a search across renames and renews, also of
            // deleted tokens. `log verify` checks that `token_id` agrees
            // with the hashed content.
            let r = bind(reference.clone());
            sql += &format!(
                " AND (token = {r} OR prefix = {r} OR token_id IN (
                     SELECT token_id FROM log WHERE token_id IS NOT NULL AND (token = {r} OR prefix = {r})))"
            );
        }
        if let Some(a) = &filter.actor {
            sql += &format!(" AND actor = {}", bind(a.clone()));
        }
        if let Some(op) = filter.op {
            sql += &format!(" AND op = {}", bind(op.as_str().to_owned()));
        }
        match filter.after {
            Some(id) => sql += &format!(" AND id > {id} ORDER BY id ASC"),
            None => sql.push_str(" ORDER BY id DESC"),
        }
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let mut stmt = self.prepare(&sql).map_err(sql_error)?;
        let mut rows = stmt.query(params_from_iter(args)).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            f(log_entry_from_row(row).map_err(sql_error)??)?;
        }
        Ok(())
    }

    fn log_head(&mut self) -> Result<Option<LogEntry>> {
        optional(self.query_row(
            &format!("SELECT {LOG_COLUMNS} FROM log ORDER BY id DESC LIMIT 1"),
            [],
            log_entry_from_row,
        ))?
        .transpose()
    }

    fn each_stored_entry(&mut self, f: &mut dyn FnMut(StoredEntry) -> bool) -> Result<()> {
        let mut stmt = self
            .prepare(&format!("SELECT {LOG_COLUMNS} FROM log ORDER BY id"))
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            if !f(read_log_row(row).map_err(sql_error)?) {
                break;
            }
        }
        Ok(())
    }

    fn log_tail(&mut self) -> Result<Option<(i64, String)>> {
        optional(self.query_row(
            "SELECT id, hash FROM log ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        ))
    }

    fn insert_log_entry(&mut self, e: &LogEntry, token_id: Option<i64>) -> Result<()> {
        self.execute(
            "INSERT INTO log (id, at, actor, op, token_id, token, prefix, details, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                e.id,
                e.at,
                e.actor,
                e.op.as_str(),
                token_id,
                e.token,
                e.prefix,
                e.details.get(),
                e.hash,
            ],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<Token> {
        self.execute(
            "INSERT INTO tokens (name, prefix, hash, pool_id, access, owner, created_at, created_by, expires_at,
                                 allowed_from, not_before, rate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
                binding::blocks_text(t.allowed_from),
                t.not_before.map(rfc3339),
                t.rate.map(|r| r.to_string()),
            ],
        )
        .map_err(sql_error)?;
        token_by_id(self, self.last_insert_rowid())
    }

    fn update_token(&mut self, id: i64, c: &Changes) -> Result<Token> {
        self.execute(
            "UPDATE tokens SET
                name       = CASE WHEN ?2 THEN ?3 ELSE name END,
                pool_id    = CASE WHEN ?4 THEN ?5 ELSE pool_id END,
                access     = CASE WHEN ?6 THEN ?7 ELSE access END,
                expires_at = CASE WHEN ?8 THEN ?9 ELSE expires_at END,
                owner      = CASE WHEN ?10 THEN ?11 ELSE owner END,
                allowed_from = CASE WHEN ?12 THEN ?13 ELSE allowed_from END,
                not_before = CASE WHEN ?14 THEN ?15 ELSE not_before END,
                rate       = CASE WHEN ?16 THEN ?17 ELSE rate END
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
                c.allowed_from.is_some(),
                c.allowed_from.as_deref().map(binding::blocks_text),
                c.not_before.is_some(),
                c.not_before.flatten().map(rfc3339),
                c.rate.is_some(),
                c.rate.flatten().map(|r| r.to_string()),
            ],
        )
        .map_err(sql_error)?;
        token_by_id(self, id)
    }

    fn set_disabled(&mut self, id: i64, disabled: bool) -> Result<()> {
        self.execute(
            "UPDATE tokens SET disabled = ?2 WHERE id = ?1",
            params![id, disabled],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn set_secret(
        &mut self,
        id: i64,
        prefix: &str,
        hash: &str,
        renewed_at: DateTime<Utc>,
        grace_until: Option<DateTime<Utc>>,
    ) -> Result<()> {
        // The right-hand sides see the row as it was: old_* get the current secret.
        self.execute(
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

    fn replace_secret(
        &mut self,
        id: i64,
        prefix: &str,
        hash: &str,
        renewed_at: DateTime<Utc>,
        grace_until: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            "UPDATE tokens SET prefix = ?2, hash = ?3, renewed_at = ?4, grace_until = ?5
             WHERE id = ?1",
            params![id, prefix, hash, rfc3339(renewed_at), rfc3339(grace_until)],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn end_grace_if_current(&mut self, id: i64, prefix: &str) -> Result<()> {
        self.execute(
            "DELETE FROM access_tokens WHERE token_id = ?1 AND parent_prefix =
                (SELECT old_prefix FROM tokens WHERE id = ?1 AND prefix = ?2)",
            params![id, prefix],
        )
        .map_err(sql_error)?;
        self.execute(
            "UPDATE tokens SET old_prefix = NULL, old_hash = NULL, grace_until = NULL
             WHERE id = ?1 AND prefix = ?2",
            params![id, prefix],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn delete_token(&mut self, id: i64) -> Result<()> {
        self.execute("DELETE FROM tokens WHERE id = ?1", [id])
            .map_err(sql_error)?;
        Ok(())
    }

    fn touch(&mut self, id: i64, today: NaiveDate, from: Option<IpAddr>) -> Result<bool> {
        let day = today.format("%Y-%m-%d").to_string();
        let n = self
            .execute(
                "UPDATE tokens SET last_used = ?2, last_used_from = ?3
                 WHERE id = ?1 AND last_used IS NOT ?2",
                params![id, day, from.map(|a| a.to_string())],
            )
            .map_err(sql_error)?;
        Ok(n > 0)
    }

    fn schema(&mut self) -> Result<(i64, &'static str)> {
        let version: i64 = self
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql_error)?;
        Ok((version, "sqlite"))
    }

    fn policy(&mut self) -> Result<Policy> {
        let mut stmt = self
            .prepare_cached("SELECT key, value FROM policy ORDER BY key")
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql_error)?
            .collect::<rusqlite::Result<Vec<(String, String)>>>()
            .map_err(sql_error)?;
        Ok(Policy::from_stored(rows)?)
    }

    fn set_policy(&mut self, key: Key, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.execute(
                "INSERT INTO policy (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key.as_str(), v],
            ),
            None => self.execute("DELETE FROM policy WHERE key = ?1", [key.as_str()]),
        }
        .map_err(sql_error)?;
        Ok(())
    }

    fn insert_pool(&mut self, name: &str, now: DateTime<Utc>, actor: &str) -> Result<()> {
        self.execute(
            "INSERT INTO pools (name, created_at, created_by) VALUES (?1, ?2, ?3)",
            params![name, rfc3339(now), actor],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn delete_pool(&mut self, pool_id: i64) -> Result<()> {
        self.execute("DELETE FROM pools WHERE id = ?1", [pool_id])
            .map_err(sql_error)?;
        Ok(())
    }

    fn insert_access(&mut self, a: &NewAccess<'_>) -> Result<()> {
        self.execute(
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

    fn end_access_of(&mut self, token_id: i64) -> Result<usize> {
        self.execute("DELETE FROM access_tokens WHERE token_id = ?1", [token_id])
            .map_err(sql_error)
    }

    fn purge_expired_access(&mut self, now: DateTime<Utc>) -> Result<usize> {
        self.execute(
            "DELETE FROM access_tokens WHERE expires_at <= ?1",
            [rfc3339(now)],
        )
        .map_err(sql_error)
    }
}

fn access_credential(conn: &Connection, prefix: &str) -> Result<Option<Credential>> {
    let access = optional(row(
        conn,
        &format!(
            "SELECT {TOKEN_COLUMNS}, a.hash, a.expires_at, a.parent_prefix, t.old_prefix, t.grace_until
             FROM access_tokens a
             JOIN tokens t ON t.id = a.token_id LEFT JOIN pools p ON p.id = t.pool_id
             WHERE a.prefix = ?1"
        ),
        [prefix],
        |r| {
            Ok((
                token_from_row(r)?,
                r.get::<_, String>(TOKEN_WIDTH)?,
                time(r, TOKEN_WIDTH + 1)?,
                r.get::<_, Option<String>>(TOKEN_WIDTH + 2)?,
                r.get::<_, Option<String>>(TOKEN_WIDTH + 3)?,
                time(r, TOKEN_WIDTH + 4)?,
            ))
        },
    ))?;
    let Some((parent, hash, expires_at, made_by, old_prefix, grace_until)) = access else {
        return Ok(None);
    };
    let parent = parent?;
    let made_with = rows::made_with(&parent, made_by, old_prefix, grace_until);
    // A row without an expiry was not written by us: nothing to accept.
    Ok(expires_at.map(|expires_at| Credential::Access {
        parent,
        hash,
        expires_at,
        made_with,
    }))
}
