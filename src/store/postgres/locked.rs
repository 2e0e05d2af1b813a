//! A write's transaction, opened in one round trip. The driver's own
//! transaction sends `BEGIN` and waits for it; a write then took the
//! `log_head` lock and read the account's policy, two more round trips
//! before its first statement of its own. Here the three go as one simple
//! query, whose answers come back as text (the lock's two columns, the
//! policy's key and value pairs: all text or integers).

use postgres::{Client, SimpleQueryMessage};

use crate::domain::policy::Policy;
use crate::error::Result;

/// The lock on the one-row `log_head` that serialises writers, the log's
/// newest entry with it (`nowait`: refused at once if another write holds
/// it, rather than waited for up to `lock_timeout`), and the policy.
fn opening(nowait: bool) -> &'static str {
    if nowait {
        "BEGIN;
         SELECT last_id, last_hash FROM log_head WHERE id = 1 FOR UPDATE NOWAIT;
         SELECT key, value FROM policy ORDER BY key"
    } else {
        "BEGIN;
         SELECT last_id, last_hash FROM log_head WHERE id = 1 FOR UPDATE;
         SELECT key, value FROM policy ORDER BY key"
    }
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
    open: bool,
}

impl<'c> Locked<'c> {
    /// `BEGIN`, the lock and the policy, in one round trip.
    pub(super) fn begin(client: &'c mut Client, nowait: bool) -> Result<Locked<'c>> {
        let mut locked = Locked {
            client,
            tail: None,
            policy: Policy::default(),
            open: true,
        };
        let answers = locked.client.simple_query(opening(nowait))?;
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
