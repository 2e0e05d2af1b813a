//! A write's transaction, opened in one round trip. The driver's own
//! transaction sends `BEGIN` and waits for it; a write then took the
//! `log_head` lock and read the account's policy, two more round trips
//! before its first statement of its own, and the first write of a
//! process had read the schema's version row before all of them. Here
//! they go as one simple query, whose answers come back as text (the
//! version row, the lock's two columns, the policy's key and value pairs).

use postgres::{Client, SimpleQueryMessage};

use super::{db, schema};
use crate::domain::policy::Policy;
use crate::error::Result;

/// The statements of the one round trip: with `version`, the schema's
/// version row first (read before the transaction, as the open's check
/// reads it); then `BEGIN`, the lock on the one-row `log_head` that
/// serialises writers with the log's newest entry (`nowait`: refused at
/// once if another write holds it, rather than waited for up to
/// `lock_timeout`), and the policy.
fn opening(version: bool, nowait: bool) -> String {
    let version = if version {
        format!("{};", schema::VERSION)
    } else {
        String::new()
    };
    let nowait = if nowait { " NOWAIT" } else { "" };
    format!(
        "{version}BEGIN;
         SELECT last_id, last_hash FROM log_head WHERE id = 1 FOR UPDATE{nowait};
         {}",
        db::POLICY
    )
}

/// An open transaction on `client`, rolled back when dropped uncommitted
/// (an error, a panic), so the connection never carries a half-done write
/// into its next one.
pub(super) struct Locked<'c> {
    pub client: &'c mut Client,
    /// The log's newest entry (id, hash), `None` for an empty log.
    pub tail: Option<(i64, String)>,
    /// The account's policy, as it stands under the lock.
    pub policy: Policy,
    /// Whether the version row was read and says the schema is this
    /// build's (`false` when it was not asked for).
    pub current: bool,
    open: bool,
}

impl<'c> Locked<'c> {
    /// `BEGIN`, the lock and the policy, in one round trip; with
    /// `version`, the schema's version row read first in the same one (a
    /// database without it fails here, before `BEGIN`).
    pub(super) fn begin(client: &'c mut Client, nowait: bool, version: bool) -> Result<Locked<'c>> {
        let mut locked = Locked {
            client,
            tail: None,
            policy: Policy::default(),
            current: false,
            open: true,
        };
        let answers = locked.client.simple_query(&opening(version, nowait))?;
        // The rows of each statement, split where each one completes.
        let mut results: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for answer in answers {
            match answer {
                SimpleQueryMessage::Row(row) => {
                    let cell = |i| row.try_get(i).map(|c: Option<&str>| c.unwrap_or_default());
                    let pair = (cell(0)?.to_owned(), cell(1)?.to_owned());
                    results.last_mut().expect("never empty").push(pair);
                }
                SimpleQueryMessage::CommandComplete(_) => results.push(Vec::new()),
                _ => {}
            }
        }
        if version {
            let row = results.remove(0);
            locked.current = row
                .first()
                .is_some_and(|(application, v)| schema::is_current(application, v));
        }
        let [_begin, head, policy, _] = <[_; 4]>::try_from(results)
            .map_err(|r| anyhow::anyhow!("expected three statements' answers, got {}", r.len()))?;
        let [(id, hash)] = <[_; 1]>::try_from(head)
            .map_err(|r| anyhow::anyhow!("expected one log_head row, got {}", r.len()))?;
        let id: i64 = id.parse()?;
        locked.tail = (id > 0).then_some((id, hash));
        locked.policy = Policy::from_stored(policy)?;
        Ok(locked)
    }

    /// Commit; a failure here is the caller's to tell apart (it may have
    /// taken).
    pub(super) fn commit(mut self) -> std::result::Result<(), postgres::Error> {
        // The server ends the transaction whether COMMIT succeeds or not.
        self.open = false;
        self.client.batch_execute("COMMIT")
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        if self.open {
            // A closed connection has nothing to roll back.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}
