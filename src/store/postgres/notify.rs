//! What `notify` remembers of a webhook target, in PostgreSQL.

use super::db::Pg;
use crate::error::Result;
use crate::store::{Deliveries, Lease};

impl Pg<'_, '_> {
    /// Whether `holder` has the target's lease, the row locked until the
    /// transaction ends (a lease taken over meanwhile waits for it).
    fn holds(&mut self, target: &str, holder: &str) -> Result<bool> {
        Ok(self
            .session
            .query_opt(
                "SELECT 1 FROM notify_targets WHERE target = $1 AND holder = $2 FOR UPDATE",
                &[&target, &holder],
            )?
            .is_some())
    }
}

impl Deliveries for Pg<'_, '_> {
    fn take_lease(
        &mut self,
        target: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Lease> {
        self.session.execute(
            "INSERT INTO notify_targets (target, delivered, holder, lease_until)
             VALUES ($1, 0, $2, $4)
             ON CONFLICT (target) DO UPDATE
                SET holder = excluded.holder, lease_until = excluded.lease_until
              WHERE notify_targets.holder = excluded.holder
                 OR notify_targets.lease_until < $3",
            &[&target, &holder, &now_ms, &until_ms],
        )?;
        let row = self.session.query_one(
            "SELECT holder, lease_until FROM notify_targets WHERE target = $1",
            &[&target],
        )?;
        Ok(Lease {
            holder: row.try_get(0)?,
            until_ms: row.try_get(1)?,
        })
    }

    fn release_lease(&mut self, target: &str, holder: &str) -> Result<()> {
        self.session.execute(
            "UPDATE notify_targets SET lease_until = 0 WHERE target = $1 AND holder = $2",
            &[&target, &holder],
        )?;
        Ok(())
    }

    fn delivered(&mut self, target: &str) -> Result<i64> {
        let row = self.session.query_opt(
            "SELECT delivered FROM notify_targets WHERE target = $1",
            &[&target],
        )?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => 0,
        })
    }

    fn set_delivered(&mut self, target: &str, holder: &str, id: i64) -> Result<bool> {
        if !self.holds(target, holder)? {
            return Ok(false);
        }
        self.session.execute(
            "UPDATE notify_targets SET delivered = greatest(delivered, $2) WHERE target = $1",
            &[&target, &id],
        )?;
        Ok(true)
    }

    fn sent_events(&mut self, target: &str) -> Result<Vec<String>> {
        let rows = self.session.query(
            "SELECT event FROM notify_sent WHERE target = $1",
            &[&target],
        )?;
        rows.iter()
            .map(|r| Ok(r.try_get::<_, String>(0)?))
            .collect()
    }

    fn mark_sent(&mut self, target: &str, holder: &str, event: &str, at: &str) -> Result<bool> {
        if !self.holds(target, holder)? {
            return Ok(false);
        }
        self.session.execute(
            "INSERT INTO notify_sent (target, event, sent_at) VALUES ($1, $2, $3)
             ON CONFLICT (target, event) DO NOTHING",
            &[&target, &event, &at],
        )?;
        Ok(true)
    }
}
