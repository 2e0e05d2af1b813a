//! `db copy` for SQLite: the rows as stored, read and written whole.

use rusqlite::{Connection, Row, params};

use super::sql_error;
use crate::error::Result;
use crate::store::{AccessRow, Copying, Each, IdsUsed, NotifyRow, PoolRow, RetiredRow, TokenRow};

/// Each row of `sql` (no parameters), as `cells` reads it, to `f`.
fn each_row<T>(
    conn: &Connection,
    sql: &str,
    cells: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    f: Each<'_, T>,
) -> Result<()> {
    let mut stmt = conn.prepare(sql).map_err(sql_error)?;
    let mut rows = stmt.query([]).map_err(sql_error)?;
    while let Some(r) = rows.next().map_err(sql_error)? {
        f(cells(r).map_err(sql_error)?)?;
    }
    Ok(())
}

impl Copying for &Connection {
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
        each_row(
            self,
            "SELECT id, name, created_at, created_by FROM pools ORDER BY id",
            |r| {
                Ok(PoolRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    created_at: r.get(2)?,
                    created_by: r.get(3)?,
                })
            },
            f,
        )
    }
    fn each_token_row(&mut self, f: Each<'_, TokenRow>) -> Result<()> {
        each_row(
            self,
            "SELECT id, name, prefix, hash, pool_id, access, owner, disabled, created_at,
                    created_by, expires_at, last_used, renewed_at, old_prefix, old_hash, grace_until,
                    allowed_from, not_before, rate, last_used_from
             FROM tokens ORDER BY id",
            |r| {
                Ok(TokenRow {
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
                    allowed_from: r.get(16)?,
                    not_before: r.get(17)?,
                    rate: r.get(18)?,
                    last_used_from: r.get(19)?,
                })
            },
            f,
        )
    }
    fn each_access_row(&mut self, f: Each<'_, AccessRow>) -> Result<()> {
        each_row(
            self,
            "SELECT id, prefix, hash, token_id, parent_prefix, created_at, expires_at
             FROM access_tokens ORDER BY id",
            |r| {
                Ok(AccessRow {
                    id: r.get(0)?,
                    prefix: r.get(1)?,
                    hash: r.get(2)?,
                    token_id: r.get(3)?,
                    parent_prefix: r.get(4)?,
                    created_at: r.get(5)?,
                    expires_at: r.get(6)?,
                })
            },
            f,
        )
    }
    fn insert_pool_row(&mut self, p: &PoolRow) -> Result<()> {
        self.execute(
            "INSERT INTO pools (id, name, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
            params![p.id, p.name, p.created_at, p.created_by],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn each_policy_row(&mut self, f: Each<'_, (String, String)>) -> Result<()> {
        each_row(
            self,
            "SELECT key, value FROM policy ORDER BY key",
            |r| Ok((r.get(0)?, r.get(1)?)),
            f,
        )
    }
    fn insert_policy_row(&mut self, (key, value): &(String, String)) -> Result<()> {
        self.execute(
            "INSERT INTO policy (key, value) VALUES (?1, ?2)",
            params![key, value],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn each_retired_row(&mut self, f: Each<'_, RetiredRow>) -> Result<()> {
        each_row(
            self,
            "SELECT prefix, hash, token_id, retired_at, by_self, successor, successor_used
             FROM retired_secrets ORDER BY prefix",
            |r| {
                Ok(RetiredRow {
                    prefix: r.get(0)?,
                    hash: r.get(1)?,
                    token_id: r.get(2)?,
                    retired_at: r.get(3)?,
                    by_self: r.get(4)?,
                    successor: r.get(5)?,
                    successor_used: r.get(6)?,
                })
            },
            f,
        )
    }
    fn insert_retired_row(&mut self, r: &RetiredRow) -> Result<()> {
        self.execute(
            "INSERT INTO retired_secrets (prefix, hash, token_id, retired_at, by_self, successor, successor_used)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.prefix,
                r.hash,
                r.token_id,
                r.retired_at,
                r.by_self,
                r.successor,
                r.successor_used
            ],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn each_notify_row(&mut self, f: Each<'_, NotifyRow>) -> Result<()> {
        each_row(
            self,
            "SELECT target, delivered FROM notify_targets ORDER BY target",
            |r| {
                Ok(NotifyRow::Target {
                    target: r.get(0)?,
                    delivered: r.get(1)?,
                })
            },
            &mut *f,
        )?;
        each_row(
            self,
            "SELECT target, event, sent_at FROM notify_sent ORDER BY target, event",
            |r| {
                Ok(NotifyRow::Sent {
                    target: r.get(0)?,
                    event: r.get(1)?,
                    sent_at: r.get(2)?,
                })
            },
            f,
        )
    }
    fn insert_notify_row(&mut self, row: &NotifyRow) -> Result<()> {
        match row {
            NotifyRow::Target { target, delivered } => self.execute(
                "INSERT INTO notify_targets (target, delivered, holder, lease_until)
                 VALUES (?1, ?2, '', 0)",
                params![target, delivered],
            ),
            NotifyRow::Sent {
                target,
                event,
                sent_at,
            } => self.execute(
                "INSERT INTO notify_sent (target, event, sent_at) VALUES (?1, ?2, ?3)",
                params![target, event, sent_at],
            ),
        }
        .map_err(sql_error)?;
        Ok(())
    }

    fn insert_token_row(&mut self, t: &TokenRow) -> Result<()> {
        self.execute(
            "INSERT INTO tokens (id, name, prefix, hash, pool_id, access, owner, disabled, created_at,
                                 created_by, expires_at, last_used, renewed_at, old_prefix, old_hash, grace_until,
                                 allowed_from, not_before, rate, last_used_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
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
                t.grace_until,
                t.allowed_from,
                t.not_before,
                t.rate,
                t.last_used_from
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
