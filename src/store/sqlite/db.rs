//! The store's operations in SQL, for SQLite. A write runs on the
//! IMMEDIATE transaction (`Sqlite::write`), a read on a read transaction;
//! both deref to the connection these methods take.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, Row, params, params_from_iter};

use super::{optional, sql_error};
use crate::chain::{StoredEntry, Unreadable};
use crate::error::{Error, Result};
use crate::model::{Access, LogEntry, Op, Pool, Token};
use crate::store::{
    AccessRow, Changes, Credential, Db, Each, IdsUsed, LogFilter, MadeWith, NewAccess, NewToken,
    PoolRow, TokenRow,
};
use crate::token::Kind;
use crate::when::{from_rfc3339, rfc3339};

const TOKEN_COLUMNS: &str = "t.id, t.name, t.prefix, p.name, t.access, t.owner, t.disabled,
     t.created_at, t.created_by, t.expires_at, t.last_used, t.renewed_at";
const TOKEN_FROM: &str = "tokens t LEFT JOIN pools p ON p.id = t.pool_id";
const LOG_COLUMNS: &str = "id, at, actor, op, token, prefix, details, hash, token_id";

/// One row of a query whose statement is kept prepared (the lookups a
/// long-running `serve` makes on every request).
fn row<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

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

fn one_token(conn: &Connection, column: &str, value: &str) -> Result<Option<Token>> {
    optional(row(
        conn,
        &format!("SELECT {TOKEN_COLUMNS} FROM {TOKEN_FROM} WHERE t.{column} = ?1"),
        [value],
        token_from_row,
    ))?
    .transpose()
}

/// A text column, or why it is not one.
fn text_column(
    r: &Row<'_>,
    i: usize,
    what: &str,
) -> rusqlite::Result<Result<Option<String>, String>> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(|s| Some(s.to_owned()))
            .map_err(|_| format!("its {what} is not UTF-8 text")),
        _ => Err(format!("its {what} is not text")),
    })
}

/// A log row as stored, with its token id, or why it no longer reads as an
/// entry we wrote (a column of the wrong type, an unknown operation, a hash
/// that is not 64 hex digits, details that are not JSON).
fn read_log_row(r: &Row<'_>) -> rusqlite::Result<StoredEntry> {
    let unreadable = |id: Option<i64>, why: String| Ok(Err(Unreadable { id, why }));
    let ValueRef::Integer(id) = r.get_ref(0)? else {
        return unreadable(None, "its id is not a whole number".into());
    };
    let token_id = match r.get_ref(8)? {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n),
        _ => return unreadable(Some(id), "its token id is not a whole number".into()),
    };
    let mut texts = Vec::with_capacity(7);
    for (i, what, required) in [
        (1, "time", true),
        (2, "actor", true),
        (3, "operation", true),
        (4, "token", false),
        (5, "prefix", false),
        (6, "details", true),
        (7, "hash", true),
    ] {
        match text_column(r, i, what)? {
            Ok(None) if required => return unreadable(Some(id), format!("its {what} is missing")),
            Ok(v) => texts.push(v),
            Err(why) => return unreadable(Some(id), why),
        }
    }
    let mut texts = texts.into_iter();
    let mut next = || texts.next().flatten().unwrap_or_default();
    let (at, actor, op, token, prefix, details, hash) =
        (next(), next(), next(), next(), next(), next(), next());
    let Some(op) = Op::parse(&op) else {
        return unreadable(Some(id), "its operation is not one tokenctl writes".into());
    };
    let Ok(details) = serde_json::value::RawValue::from_string(details) else {
        return unreadable(Some(id), "its details are not JSON".into());
    };
    if !crate::chain::is_hash(&hash) {
        return unreadable(Some(id), "its hash is not 64 lowercase hex digits".into());
    }
    let some =
        |s: String, column: usize| (!matches!(r.get_ref(column), Ok(ValueRef::Null))).then_some(s);
    let entry = LogEntry {
        id,
        at,
        actor,
        op,
        token: some(token, 4),
        prefix: some(prefix, 5),
        details,
        hash,
    };
    Ok(Ok((entry, token_id)))
}

/// A log row for display: one that no longer reads is a failure to read,
/// pointing at `log verify`.
fn log_entry_from_row(r: &Row<'_>) -> rusqlite::Result<Result<LogEntry>> {
    Ok(read_log_row(r)?.map(|(e, _)| e).map_err(|u| {
        Error::storage(format!(
            "log entry {} no longer reads ({}); it was tampered with",
            u.id.map_or("?".into(), |id| id.to_string()),
            u.why
        ))
        .hint("run `tokenctl log verify`")
        .into()
    }))
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
                 OR EXISTS (SELECT 1 FROM access_tokens WHERE prefix = ?1)",
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
        let old = optional(row(
            self,
            &format!(
                "SELECT {TOKEN_COLUMNS}, t.old_hash, t.grace_until FROM {TOKEN_FROM} WHERE t.old_prefix = ?1"
            ),
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
        sql.push_str(" ORDER BY id DESC");
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

    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<i64> {
        self.execute(
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
        Ok(self.last_insert_rowid())
    }

    fn update_token(&mut self, id: i64, c: &Changes) -> Result<()> {
        self.execute(
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

    fn touch(&mut self, id: i64, today: NaiveDate) -> Result<bool> {
        let day = today.format("%Y-%m-%d").to_string();
        let n = self
            .execute(
                "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND last_used IS NOT ?2",
                params![id, day],
            )
            .map_err(sql_error)?;
        Ok(n > 0)
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

    fn is_empty(&mut self) -> Result<bool> {
        self.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM pools) AND NOT EXISTS (SELECT 1 FROM tokens)
                AND NOT EXISTS (SELECT 1 FROM log)",
            [],
            |r| r.get(0),
        )
        .map_err(sql_error)
    }

    fn each_pool_row(&mut self, f: Each<'_, PoolRow>) -> Result<()> {
        let mut stmt = self
            .prepare("SELECT id, name, created_at, created_by FROM pools ORDER BY id")
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(r) = rows.next().map_err(sql_error)? {
            f(PoolRow {
                id: r.get(0).map_err(sql_error)?,
                name: r.get(1).map_err(sql_error)?,
                created_at: r.get(2).map_err(sql_error)?,
                created_by: r.get(3).map_err(sql_error)?,
            })?;
        }
        Ok(())
    }

    fn each_token_row(&mut self, f: Each<'_, TokenRow>) -> Result<()> {
        let mut stmt = self
            .prepare(
                "SELECT id, name, prefix, hash, pool_id, access, owner, disabled, created_at,
                        created_by, expires_at, last_used, renewed_at, old_prefix, old_hash, grace_until
                 FROM tokens ORDER BY id",
            )
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(r) = rows.next().map_err(sql_error)? {
            let row = (|| {
                Ok::<_, rusqlite::Error>(TokenRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    prefix: r.get(2)?,
                    hash: r.get(3)?,
                    pool_id: r.get(4)?,
                    access: r.get(5)?,
                    owner: r.get(6)?,
                    disabled: r.get(7)?,
                    created_at: r.get(8)?,
                    created_by: r.get(9)?,
                    expires_at: r.get(10)?,
                    last_used: r.get(11)?,
                    renewed_at: r.get(12)?,
                    old_prefix: r.get(13)?,
                    old_hash: r.get(14)?,
                    grace_until: r.get(15)?,
                })
            })()
            .map_err(sql_error)?;
            f(row)?;
        }
        Ok(())
    }

    fn each_access_row(&mut self, f: Each<'_, AccessRow>) -> Result<()> {
        let mut stmt = self
            .prepare(
                "SELECT id, prefix, hash, token_id, parent_prefix, created_at, expires_at
                 FROM access_tokens ORDER BY id",
            )
            .map_err(sql_error)?;
        let mut rows = stmt.query([]).map_err(sql_error)?;
        while let Some(r) = rows.next().map_err(sql_error)? {
            let row = (|| {
                Ok::<_, rusqlite::Error>(AccessRow {
                    id: r.get(0)?,
                    prefix: r.get(1)?,
                    hash: r.get(2)?,
                    token_id: r.get(3)?,
                    parent_prefix: r.get(4)?,
                    created_at: r.get(5)?,
                    expires_at: r.get(6)?,
                })
            })()
            .map_err(sql_error)?;
            f(row)?;
        }
        Ok(())
    }

    fn insert_pool_row(&mut self, p: &PoolRow) -> Result<()> {
        self.execute(
            "INSERT INTO pools (id, name, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
            params![p.id, p.name, p.created_at, p.created_by],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn insert_token_row(&mut self, t: &TokenRow) -> Result<()> {
        self.execute(
            "INSERT INTO tokens (id, name, prefix, hash, pool_id, access, owner, disabled, created_at,
                                 created_by, expires_at, last_used, renewed_at, old_prefix, old_hash, grace_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                t.id,
                t.name,
                t.prefix,
                t.hash,
                t.pool_id,
                t.access,
                t.owner,
                t.disabled,
                t.created_at,
                t.created_by,
                t.expires_at,
                t.last_used,
                t.renewed_at,
                t.old_prefix,
                t.old_hash,
                t.grace_until
            ],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn insert_access_row(&mut self, a: &AccessRow) -> Result<()> {
        self.execute(
            "INSERT INTO access_tokens (id, prefix, hash, token_id, parent_prefix, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.id,
                a.prefix,
                a.hash,
                a.token_id,
                a.parent_prefix,
                a.created_at,
                a.expires_at
            ],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn reserve_ids(&mut self, used: IdsUsed) -> Result<()> {
        // Only `tokens` is AUTOINCREMENT (its ids are never reused); the
        // other tables' ids are not referenced once their rows are gone.
        if used.token > 0 {
            self.execute(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'tokens', ?1
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'tokens')",
                [used.token],
            )
            .map_err(sql_error)?;
            self.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'tokens'",
                [used.token],
            )
            .map_err(sql_error)?;
        }
        Ok(())
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
