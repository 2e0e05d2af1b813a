//! `db copy` for PostgreSQL: the rows as stored, read and written whole.

use super::db::Pg;
use crate::error::Result;
use crate::store::{AccessRow, Copying, Each, IdsUsed, NotifyRow, PoolRow, RetiredRow, TokenRow};

impl Copying for Pg<'_, '_> {
    fn is_empty(&mut self) -> Result<bool> {
        self.flush()?;
        Ok(self
            .session
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM pools) AND NOT EXISTS (SELECT 1 FROM tokens)
                    AND NOT EXISTS (SELECT 1 FROM log)",
                &[],
            )?
            .try_get(0)?)
    }

    fn each_pool_row(&mut self, f: Each<'_, PoolRow>) -> Result<()> {
        self.each(
            "SELECT id, name, created_at, created_by FROM pools ORDER BY id",
            &[],
            |r| {
                f(PoolRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    created_by: r.try_get(3)?,
                })?;
                Ok(true)
            },
        )
    }

    fn each_token_row(&mut self, f: Each<'_, TokenRow>) -> Result<()> {
        self.each(
            "SELECT id, name, prefix, hash, pool_id, access, owner, disabled, created_at,
                    created_by, expires_at, last_used, renewed_at, old_prefix, old_hash, grace_until,
                        allowed_from, not_before, rate, last_used_from
             FROM tokens ORDER BY id",
            &[],
            |r| {
                f(TokenRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    prefix: r.try_get(2)?,
                    hash: r.try_get(3)?,
                    pool_id: r.try_get(4)?,
                    access: r.try_get(5)?,
                    owner: r.try_get(6)?,
                    disabled: r.try_get(7)?,
                    created_at: r.try_get(8)?,
                    created_by: r.try_get(9)?,
                    expires_at: r.try_get(10)?,
                    last_used: r.try_get(11)?,
                    renewed_at: r.try_get(12)?,
                    old_prefix: r.try_get(13)?,
                    old_hash: r.try_get(14)?,
                    grace_until: r.try_get(15)?,
                    allowed_from: r.try_get(16)?,
                    not_before: r.try_get(17)?,
                    rate: r.try_get(18)?,
                    last_used_from: r.try_get(19)?,
                })?;
                Ok(true)
            },
        )
    }

    fn each_access_row(&mut self, f: Each<'_, AccessRow>) -> Result<()> {
        self.each(
            "SELECT id, prefix, hash, token_id, parent_prefix, created_at, expires_at
             FROM access_tokens ORDER BY id",
            &[],
            |r| {
                f(AccessRow {
                    id: r.try_get(0)?,
                    prefix: r.try_get(1)?,
                    hash: r.try_get(2)?,
                    token_id: r.try_get(3)?,
                    parent_prefix: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    expires_at: r.try_get(6)?,
                })?;
                Ok(true)
            },
        )
    }

    fn insert_pool_row(&mut self, p: &PoolRow) -> Result<()> {
        self.session.execute(
            "INSERT INTO pools (id, name, created_at, created_by) VALUES ($1, $2, $3, $4)",
            &[&p.id, &p.name, &p.created_at, &p.created_by],
        )?;
        Ok(())
    }

    fn each_policy_row(&mut self, f: Each<'_, (String, String)>) -> Result<()> {
        self.each("SELECT key, value FROM policy ORDER BY key", &[], |r| {
            f((r.try_get(0)?, r.try_get(1)?))?;
            Ok(true)
        })
    }

    fn insert_policy_row(&mut self, (key, value): &(String, String)) -> Result<()> {
        self.session.execute(
            "INSERT INTO policy (key, value) VALUES ($1, $2)",
            &[key, value],
        )?;
        Ok(())
    }

    fn each_retired_row(&mut self, f: Each<'_, RetiredRow>) -> Result<()> {
        self.each(
            "SELECT prefix, hash, token_id, retired_at, by_self, successor, successor_used
             FROM retired_secrets ORDER BY prefix",
            &[],
            |r| {
                f(RetiredRow {
                    prefix: r.try_get(0)?,
                    hash: r.try_get(1)?,
                    token_id: r.try_get(2)?,
                    retired_at: r.try_get(3)?,
                    by_self: r.try_get(4)?,
                    successor: r.try_get(5)?,
                    successor_used: r.try_get(6)?,
                })?;
                Ok(true)
            },
        )
    }

    fn insert_retired_row(&mut self, r: &RetiredRow) -> Result<()> {
        self.session.execute(
            "INSERT INTO retired_secrets (prefix, hash, token_id, retired_at, by_self, successor, successor_used)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &r.prefix,
                &r.hash,
                &r.token_id,
                &r.retired_at,
                &r.by_self,
                &r.successor,
                &r.successor_used,
            ],
        )?;
        Ok(())
    }

    fn each_notify_row(&mut self, f: Each<'_, NotifyRow>) -> Result<()> {
        self.each(
            "SELECT target, delivered FROM notify_targets ORDER BY target",
            &[],
            |r| {
                f(NotifyRow::Target {
                    target: r.try_get(0)?,
                    delivered: r.try_get(1)?,
                })?;
                Ok(true)
            },
        )?;
        self.each(
            "SELECT target, event, sent_at FROM notify_sent ORDER BY target, event",
            &[],
            |r| {
                f(NotifyRow::Sent {
                    target: r.try_get(0)?,
                    event: r.try_get(1)?,
                    sent_at: r.try_get(2)?,
                })?;
                Ok(true)
            },
        )
    }

    fn insert_notify_row(&mut self, row: &NotifyRow) -> Result<()> {
        match row {
            NotifyRow::Target { target, delivered } => self.session.execute(
                "INSERT INTO notify_targets (target, delivered, holder, lease_until)
                 VALUES ($1, $2, '', 0)",
                &[target, delivered],
            )?,
            NotifyRow::Sent {
                target,
                event,
                sent_at,
            } => self.session.execute(
                "INSERT INTO notify_sent (target, event, sent_at) VALUES ($1, $2, $3)",
                &[target, event, sent_at],
            )?,
        };
        Ok(())
    }

    fn insert_token_row(&mut self, t: &TokenRow) -> Result<()> {
        self.session.execute(
            "INSERT INTO tokens (id, name, prefix, hash, pool_id, access, owner, disabled, created_at,
                                 created_by, expires_at, last_used, renewed_at, old_prefix, old_hash, grace_until,
                                 allowed_from, not_before, rate, last_used_from)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
            &[
                &t.id,
                &t.name,
                &t.prefix,
                &t.hash,
                &t.pool_id,
                &t.access,
                &t.owner,
                &t.disabled,
                &t.created_at,
                &t.created_by,
                &t.expires_at,
                &t.last_used,
                &t.renewed_at,
                &t.old_prefix,
                &t.old_hash,
                &t.grace_until,
                &t.allowed_from,
                &t.not_before,
                &t.rate,
                &t.last_used_from,
            ],
        )?;
        Ok(())
    }

    fn insert_access_row(&mut self, a: &AccessRow) -> Result<()> {
        self.session.execute(
            "INSERT INTO access_tokens (id, prefix, hash, token_id, parent_prefix, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &a.id,
                &a.prefix,
                &a.hash,
                &a.token_id,
                &a.parent_prefix,
                &a.created_at,
                &a.expires_at,
            ],
        )?;
        Ok(())
    }

    fn reserve_ids(&mut self, used: IdsUsed) -> Result<()> {
        for (table, id) in [
            ("pools", used.pool),
            ("tokens", used.token),
            ("access_tokens", used.access),
        ] {
            if id > 0 {
                self.session.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                       greatest($1, (SELECT coalesce(max(id), 0) FROM {table}), 1))"
                    ),
                    &[&id],
                )?;
            }
        }
        Ok(())
    }
}
