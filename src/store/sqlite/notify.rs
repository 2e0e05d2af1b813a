//! What `notify` remembers of a webhook target, in SQLite.

use rusqlite::{Connection, OptionalExtension, params};

use super::sql_error;
use crate::error::Result;
use crate::store::{Deliveries, Lease};

/// Whether `holder` has the target's lease.
fn holds(conn: &Connection, target: &str, holder: &str) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM notify_targets WHERE target = ?1 AND holder = ?2")
        .and_then(|mut s| s.query_row(params![target, holder], |r| r.get(0)))
        .map_err(sql_error)?;
    Ok(n > 0)
}

impl Deliveries for &Connection {
    fn take_lease(
        &mut self,
        target: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Lease> {
        self.prepare_cached(
            "INSERT INTO notify_targets (target, delivered, holder, lease_until)
             VALUES (?1, 0, ?2, ?4)
             ON CONFLICT (target) DO UPDATE
                SET holder = excluded.holder, lease_until = excluded.lease_until
              WHERE notify_targets.holder = excluded.holder
                 OR notify_targets.lease_until < ?3",
        )
        .and_then(|mut s| s.execute(params![target, holder, now_ms, until_ms]))
        .map_err(sql_error)?;
        self.prepare_cached("SELECT holder, lease_until FROM notify_targets WHERE target = ?1")
            .and_then(|mut s| {
                s.query_row([target], |r| {
                    Ok(Lease {
                        holder: r.get(0)?,
                        until_ms: r.get(1)?,
                    })
                })
            })
            .map_err(sql_error)
    }

    fn release_lease(&mut self, target: &str, holder: &str) -> Result<()> {
        self.execute(
            "UPDATE notify_targets SET lease_until = 0 WHERE target = ?1 AND holder = ?2",
            params![target, holder],
        )
        .map_err(sql_error)?;
        Ok(())
    }

    fn delivered(&mut self, target: &str) -> Result<i64> {
        let id: Option<i64> = self
            .prepare_cached("SELECT delivered FROM notify_targets WHERE target = ?1")
            .and_then(|mut s| s.query_row([target], |r| r.get(0)).optional())
            .map_err(sql_error)?;
        Ok(id.unwrap_or(0))
    }

    fn set_delivered(&mut self, target: &str, holder: &str, id: i64) -> Result<bool> {
        if !holds(self, target, holder)? {
            return Ok(false);
        }
        self.prepare_cached(
            "UPDATE notify_targets SET delivered = max(delivered, ?2) WHERE target = ?1",
        )
        .and_then(|mut s| s.execute(params![target, id]))
        .map_err(sql_error)?;
        Ok(true)
    }

    fn sent_events(&mut self, target: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .prepare_cached("SELECT event FROM notify_sent WHERE target = ?1")
            .map_err(sql_error)?;
        stmt.query_map([target], |r| r.get(0))
            .map_err(sql_error)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(sql_error)
    }

    fn mark_sent(&mut self, target: &str, holder: &str, event: &str, at: &str) -> Result<bool> {
        if !holds(self, target, holder)? {
            return Ok(false);
        }
        self.prepare_cached(
            "INSERT INTO notify_sent (target, event, sent_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (target, event) DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![target, event, at]))
        .map_err(sql_error)?;
        Ok(true)
    }
}
