//! The store's operations in SQL, for PostgreSQL: the same rows, columns
//! and values as SQLite's (times as the same RFC 3339 text), so outputs and
//! log hashes are the same on both engines.

use std::net::IpAddr;

use crate::domain::binding;
use crate::domain::policy::{Key, Policy};
use chrono::{DateTime, NaiveDate, Utc};
use postgres::Row;
use postgres::fallible_iterator::FallibleIterator;

use super::appending::{Head, LOG_BATCH};
use super::cells::{log_entry_from_row, read_log_row, time, token_from_row};
use super::typed::{Params, Typed};
use crate::domain::chain::StoredEntry;
use crate::domain::model::{Access, LogEntry, Op, Pool, Token};
use crate::domain::token::Kind;
use crate::domain::when::rfc3339;
use crate::error::Result;
use crate::store::rows::{self, LOG_COLUMNS, TOKEN_COLUMNS, TOKEN_FROM, TOKEN_WIDTH};
use crate::store::{Changes, Credential, Db, Each, LogFilter, NewAccess, NewToken};

/// A transaction, seen as the store. The newest log entry's id and hash
/// are kept here and written to `log_head` once, at the end of the
/// transaction ([`Pg::finish`]): updating that one row for every entry of
/// a large copy would make PostgreSQL walk an ever longer chain of its
/// versions.
/// Log entries are also written in batches (one statement for many rows:
/// a copy of a million entries is not a million round trips).
pub(super) struct Pg<'a, 'b> {
    /// Where the statements run: a transaction, or the bare session.
    pub session: Typed<'a, 'b>,
    /// The log's newest entry, as far as this transaction knows it.
    pub head: Head,
    /// Log entries appended and not yet written.
    pub pending: Vec<(LogEntry, Option<i64>)>,
    /// The account's policy, when a write read it as it took its lock.
    pub policy: Option<Policy>,
}

/// The account's policy, key by key (also read by a write as it takes its
/// lock: [`super::locked`]).
pub(super) const POLICY: &str = "SELECT key, value FROM policy ORDER BY key";

/// `statement` (an `INSERT` or `UPDATE` of one token) and the token as it
/// is after it, in one round trip: its row joined to its pool's name.
fn returning_token(statement: &str) -> String {
    format!(
        "WITH t AS ({statement} RETURNING *) SELECT {TOKEN_COLUMNS} FROM t LEFT JOIN pools p ON p.id = t.pool_id"
    )
}

impl Pg<'_, '_> {
    fn one_token(&mut self, column: &str, value: &str) -> Result<Option<Token>> {
        self.session
            .query_opt(
                &format!("SELECT {TOKEN_COLUMNS} FROM {TOKEN_FROM} WHERE t.{column} = $1"),
                &[&value],
            )?
            .map(|r| token_from_row(&r))
            .transpose()
    }

    /// Stream the rows of `sql`, one at a time.
    pub(super) fn each(
        &mut self,
        sql: &str,
        params: Params<'_>,
        mut f: impl FnMut(&Row) -> Result<bool>,
    ) -> Result<()> {
        let mut rows = self.session.query_raw(sql, params)?;
        while let Some(row) = rows.next()? {
            if !f(&row)? {
                break;
            }
        }
        Ok(())
    }

    fn count(&mut self, sql: &str, params: Params<'_>) -> Result<i64> {
        Ok(self.session.query_one(sql, params)?.try_get(0)?)
    }
}

impl Db for Pg<'_, '_> {
    fn token_by_name(&mut self, name: &str) -> Result<Option<Token>> {
        self.one_token("name", name)
    }

    fn token_by_prefix(&mut self, prefix: &str) -> Result<Option<Token>> {
        self.one_token("prefix", prefix)
    }

    fn token_by_name_or_prefix(
        &mut self,
        reference: &str,
    ) -> Result<(Option<Token>, Option<Token>)> {
        let (mut by_name, mut by_prefix) = (None, None);
        let rows = self.session.query(
            &format!("SELECT {TOKEN_COLUMNS} FROM {TOKEN_FROM} WHERE t.name = $1 OR t.prefix = $1"),
            &[&reference],
        )?;
        for row in &rows {
            let t = token_from_row(row)?;
            if t.prefix == reference {
                by_prefix = Some(t.clone());
            }
            if t.name == reference {
                by_name = Some(t);
            }
        }
        Ok((by_name, by_prefix))
    }

    fn each_token(&mut self, pool: Option<&str>, f: Each<'_, Token>) -> Result<()> {
        self.each(
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM {TOKEN_FROM}
                 WHERE $1::TEXT IS NULL OR p.name = $1 ORDER BY t.name COLLATE \"C\""
            ),
            &[&pool],
            |r| {
                f(token_from_row(r)?)?;
                Ok(true)
            },
        )
    }

    fn token_names(&mut self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        self.each(
            "SELECT name FROM tokens ORDER BY name COLLATE \"C\"",
            &[],
            |r| {
                names.push(r.try_get(0)?);
                Ok(true)
            },
        )?;
        Ok(names)
    }

    fn name_or_prefix_taken(&mut self, value: &str) -> Result<bool> {
        Ok(self
            .session
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM tokens WHERE name = $1 OR prefix = $1 OR old_prefix = $1)
                     OR EXISTS (SELECT 1 FROM access_tokens WHERE prefix = $1)
                     OR EXISTS (SELECT 1 FROM retired_secrets WHERE prefix = $1)",
                &[&value],
            )?
            .try_get(0)?)
    }

    fn credential(&mut self, kind: Kind, prefix: &str) -> Result<Option<Credential>> {
        if kind == Kind::Access {
            let Some(r) = self.session.query_opt(
                &format!(
                    "SELECT {TOKEN_COLUMNS}, a.hash, a.expires_at, a.parent_prefix, t.old_prefix, t.grace_until
                     FROM access_tokens a
                     JOIN tokens t ON t.id = a.token_id LEFT JOIN pools p ON p.id = t.pool_id
                     WHERE a.prefix = $1"
                ),
                &[&prefix],
            )?
            else {
                return Ok(None);
            };
            let parent = token_from_row(&r)?;
            let made_by: Option<String> = r.try_get(TOKEN_WIDTH + 2)?;
            let old_prefix: Option<String> = r.try_get(TOKEN_WIDTH + 3)?;
            let made_with =
                rows::made_with(&parent, made_by, old_prefix, time(&r, TOKEN_WIDTH + 4)?);
            let hash: String = r.try_get(TOKEN_WIDTH)?;
            return Ok(
                time(&r, TOKEN_WIDTH + 1)?.map(|expires_at| Credential::Access {
                    parent,
                    hash,
                    expires_at,
                    made_with,
                }),
            );
        }
        if let Some(r) = self.session.query_opt(
            &format!("SELECT {TOKEN_COLUMNS}, t.hash, t.grace_until FROM {TOKEN_FROM} WHERE t.prefix = $1"),
            &[&prefix],
        )? {
            let grace: Option<String> = r.try_get(TOKEN_WIDTH + 1)?;
            return Ok(Some(Credential::Current {
                token: token_from_row(&r)?,
                hash: r.try_get(TOKEN_WIDTH)?,
                grace_pending: grace.is_some(),
            }));
        }
        let old = self.session.query_opt(
            &format!(
                "SELECT {TOKEN_COLUMNS}, t.old_hash, t.grace_until FROM {TOKEN_FROM} WHERE t.old_prefix = $1"
            ),
            &[&prefix],
        )?;
        let Some(r) = old else {
            return crate::store::Retiring::retired(self, prefix);
        };
        let Some(grace_until) = time(&r, TOKEN_WIDTH + 1)? else {
            return crate::store::Retiring::retired(self, prefix);
        };
        Ok(Some(Credential::Old {
            token: token_from_row(&r)?,
            hash: r.try_get(TOKEN_WIDTH)?,
            grace_until,
        }))
    }

    fn pool_id(&mut self, name: &str) -> Result<Option<i64>> {
        Ok(self
            .session
            .query_opt("SELECT id FROM pools WHERE name = $1", &[&name])?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    fn pools(&mut self) -> Result<Vec<Pool>> {
        let mut pools = Vec::new();
        self.each(
            "SELECT p.name, p.created_at, p.created_by,
                    (SELECT count(*) FROM tokens t WHERE t.pool_id = p.id)
             FROM pools p ORDER BY p.name COLLATE \"C\"",
            &[],
            |r| {
                pools.push(Pool {
                    name: r.try_get(0)?,
                    created_at: time(r, 1)?.unwrap_or_default(),
                    created_by: r.try_get(2)?,
                    tokens: r.try_get(3)?,
                });
                Ok(true)
            },
        )?;
        Ok(pools)
    }

    fn pool_names(&mut self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        self.each(
            "SELECT name FROM pools ORDER BY name COLLATE \"C\"",
            &[],
            |r| {
                names.push(r.try_get(0)?);
                Ok(true)
            },
        )?;
        Ok(names)
    }

    fn tokens_in_pool(&mut self, pool_id: i64) -> Result<i64> {
        self.count(
            "SELECT count(*) FROM tokens WHERE pool_id = $1",
            &[&pool_id],
        )
    }

    fn each_log_entry(&mut self, filter: &LogFilter, f: Each<'_, LogEntry>) -> Result<()> {
        self.flush()?;
        let since = filter.since.map(rfc3339);
        let until = filter.until.map(rfc3339);
        let op = filter.op.map(Op::as_str);
        let limit = filter.limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT {LOG_COLUMNS} FROM log
             WHERE ($1::TEXT IS NULL OR at >= $1)
               AND ($2::TEXT IS NULL OR at <= $2)
               AND ($3::TEXT IS NULL OR token = $3 OR prefix = $3 OR token_id IN (
                    SELECT token_id FROM log WHERE token_id IS NOT NULL AND (token = $3 OR prefix = $3)))
               AND ($4::TEXT IS NULL OR actor = $4)
               AND ($5::TEXT IS NULL OR op = $5)
               AND ($7::BIGINT IS NULL OR id > $7)
             ORDER BY {}
             LIMIT $6",
            if filter.after.is_some() { "id ASC" } else { "id DESC" }
        );
        self.each(
            &sql,
            &[
                &since,
                &until,
                &filter.token,
                &filter.actor,
                &op,
                &limit,
                &filter.after,
            ],
            |r| {
                f(log_entry_from_row(r)?)?;
                Ok(true)
            },
        )
    }

    fn log_head(&mut self) -> Result<Option<LogEntry>> {
        self.flush()?;
        self.session
            .query_opt(
                &format!("SELECT {LOG_COLUMNS} FROM log ORDER BY id DESC LIMIT 1"),
                &[],
            )?
            .map(|r| log_entry_from_row(&r))
            .transpose()
    }

    fn each_stored_entry(&mut self, f: &mut dyn FnMut(StoredEntry) -> bool) -> Result<()> {
        self.flush()?;
        self.each(
            &format!("SELECT {LOG_COLUMNS} FROM log ORDER BY id"),
            &[],
            |r| Ok(f(read_log_row(r))),
        )
    }

    fn log_tail(&mut self) -> Result<Option<(i64, String)>> {
        match &self.head {
            Head::Appended(id, hash) => return Ok(Some((*id, hash.clone()))),
            Head::Read(tail) => return Ok(tail.clone()),
            Head::Unknown => {}
        }
        // The write transaction holds this row's lock (Postgres::write).
        let r = self
            .session
            .query_one("SELECT last_id, last_hash FROM log_head WHERE id = 1", &[])?;
        let (id, hash): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
        Ok((id > 0).then_some((id, hash)))
    }

    fn insert_log_entry(&mut self, e: &LogEntry, token_id: Option<i64>) -> Result<()> {
        self.head = Head::Appended(e.id, e.hash.clone());
        self.pending.push((e.clone(), token_id));
        if self.pending.len() >= LOG_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<Token> {
        // The token as stored, in the same round trip.
        token_from_row(&self.session.query_one(
            &returning_token(
                "INSERT INTO tokens (name, prefix, hash, pool_id, access, owner, created_at,
                                         created_by, expires_at, allowed_from, not_before, rate)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            ),
            &[
                &t.name,
                &t.prefix,
                &t.hash,
                &t.pool_id,
                &t.access.as_str(),
                &t.owner,
                &rfc3339(t.created_at),
                &t.created_by,
                &t.expires_at.map(rfc3339),
                &binding::blocks_text(t.allowed_from),
                &t.not_before.map(rfc3339),
                &t.rate.map(|r| r.to_string()),
            ],
        )?)
    }

    fn update_token(&mut self, id: i64, c: &Changes) -> Result<Token> {
        // The token as it is now, in the same round trip.
        let changed = self.session.query_one(
            &returning_token(
                "UPDATE tokens SET
                name       = CASE WHEN $2 THEN $3 ELSE name END,
                pool_id    = CASE WHEN $4 THEN $5 ELSE pool_id END,
                access     = CASE WHEN $6 THEN $7 ELSE access END,
                expires_at = CASE WHEN $8 THEN $9 ELSE expires_at END,
                owner      = CASE WHEN $10 THEN $11 ELSE owner END,
                allowed_from = CASE WHEN $12 THEN $13 ELSE allowed_from END,
                not_before = CASE WHEN $14 THEN $15 ELSE not_before END,
                rate       = CASE WHEN $16 THEN $17 ELSE rate END
             WHERE id = $1",
            ),
            &[
                &id,
                &c.name.is_some(),
                &c.name,
                &c.pool_id.is_some(),
                &c.pool_id.flatten(),
                &c.access.is_some(),
                &c.access.map(Access::as_str),
                &c.expires_at.is_some(),
                &c.expires_at.flatten().map(rfc3339),
                &c.owner.is_some(),
                &c.owner.clone().flatten(),
                &c.allowed_from.is_some(),
                &c.allowed_from.as_deref().map(binding::blocks_text),
                &c.not_before.is_some(),
                &c.not_before.flatten().map(rfc3339),
                &c.rate.is_some(),
                &c.rate.flatten().map(|r| r.to_string()),
            ],
        )?;
        token_from_row(&changed)
    }

    fn set_disabled(&mut self, id: i64, disabled: bool) -> Result<()> {
        self.session.execute(
            "UPDATE tokens SET disabled = $2 WHERE id = $1",
            &[&id, &disabled],
        )?;
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
        self.session.execute(
            "UPDATE tokens SET
                old_prefix  = CASE WHEN $5::TEXT IS NULL THEN NULL ELSE prefix END,
                old_hash    = CASE WHEN $5::TEXT IS NULL THEN NULL ELSE hash END,
                grace_until = $5,
                prefix = $2, hash = $3, renewed_at = $4
             WHERE id = $1",
            &[
                &id,
                &prefix,
                &hash,
                &rfc3339(renewed_at),
                &grace_until.map(rfc3339),
            ],
        )?;
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
        self.session.execute(
            "UPDATE tokens SET prefix = $2, hash = $3, renewed_at = $4, grace_until = $5
             WHERE id = $1",
            &[
                &id,
                &prefix,
                &hash,
                &rfc3339(renewed_at),
                &rfc3339(grace_until),
            ],
        )?;
        Ok(())
    }

    fn end_grace_if_current(&mut self, id: i64, prefix: &str) -> Result<()> {
        // One statement: both parts see the row as it was before it (one
        // snapshot), so the access tokens go by the old prefix it had.
        self.session.execute(
            "WITH ended AS (
                 DELETE FROM access_tokens WHERE token_id = $1 AND parent_prefix =
                     (SELECT old_prefix FROM tokens WHERE id = $1 AND prefix = $2))
             UPDATE tokens SET old_prefix = NULL, old_hash = NULL, grace_until = NULL
             WHERE id = $1 AND prefix = $2",
            &[&id, &prefix],
        )?;
        Ok(())
    }

    fn disable(&mut self, t: &Token) -> Result<()> {
        // What the three steps of the default do, in one statement: every
        // access token of it ends (those of an old secret with them), and
        // so does the old secret's grace if `t` still has its secret.
        self.session.execute(
            "WITH ended AS (DELETE FROM access_tokens WHERE token_id = $1)
             UPDATE tokens SET disabled = TRUE,
                 old_prefix  = CASE WHEN prefix = $2 THEN NULL ELSE old_prefix END,
                 old_hash    = CASE WHEN prefix = $2 THEN NULL ELSE old_hash END,
                 grace_until = CASE WHEN prefix = $2 THEN NULL ELSE grace_until END
             WHERE id = $1",
            &[&t.id, &t.prefix.as_str()],
        )?;
        Ok(())
    }

    fn delete_token(&mut self, id: i64) -> Result<()> {
        self.session
            .execute("DELETE FROM tokens WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn schema(&mut self) -> Result<(i64, &'static str)> {
        let version: i32 = self
            .session
            .query_one("SELECT version FROM tokenctl_schema WHERE id = 1", &[])?
            .try_get(0)?;
        Ok((i64::from(version), "postgresql"))
    }

    fn policy(&mut self) -> Result<Policy> {
        if let Some(policy) = &self.policy {
            return Ok(policy.clone());
        }
        let rows = self
            .session
            .query(POLICY, &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<(String, String)>>>()?;
        Ok(Policy::from_stored(rows)?)
    }

    fn set_policy(&mut self, key: Key, value: Option<&str>) -> Result<()> {
        // Read afresh after this.
        self.policy = None;
        match value {
            Some(v) => self.session.execute(
                "INSERT INTO policy (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key.as_str(), &v],
            )?,
            None => self
                .session
                .execute("DELETE FROM policy WHERE key = $1", &[&key.as_str()])?,
        };
        Ok(())
    }

    fn touch(&mut self, id: i64, today: NaiveDate, from: Option<IpAddr>) -> Result<bool> {
        let day = today.format("%Y-%m-%d").to_string();
        let n = self.session.execute(
            "UPDATE tokens SET last_used = $2, last_used_from = $3
             WHERE id = $1 AND last_used IS DISTINCT FROM $2",
            &[&id, &day, &from.map(|a| a.to_string())],
        )?;
        Ok(n > 0)
    }

    fn insert_pool(&mut self, name: &str, now: DateTime<Utc>, actor: &str) -> Result<()> {
        self.session.execute(
            "INSERT INTO pools (name, created_at, created_by) VALUES ($1, $2, $3)",
            &[&name, &rfc3339(now), &actor],
        )?;
        Ok(())
    }

    fn delete_pool(&mut self, pool_id: i64) -> Result<()> {
        self.session
            .execute("DELETE FROM pools WHERE id = $1", &[&pool_id])?;
        Ok(())
    }

    fn insert_access(&mut self, a: &NewAccess<'_>) -> Result<()> {
        self.session.execute(
            "INSERT INTO access_tokens (prefix, hash, token_id, parent_prefix, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &a.prefix,
                &a.hash,
                &a.token_id,
                &a.parent_prefix,
                &rfc3339(a.created_at),
                &rfc3339(a.expires_at),
            ],
        )?;
        Ok(())
    }

    fn end_access_of(&mut self, token_id: i64) -> Result<usize> {
        Ok(self.session.execute(
            "DELETE FROM access_tokens WHERE token_id = $1",
            &[&token_id],
        )? as usize)
    }

    fn purge_expired_access(&mut self, now: DateTime<Utc>) -> Result<usize> {
        Ok(self.session.execute(
            "DELETE FROM access_tokens WHERE expires_at <= $1",
            &[&rfc3339(now)],
        )? as usize)
    }
}
