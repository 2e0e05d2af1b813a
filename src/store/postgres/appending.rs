//! The log rows a write transaction appends, written in batches (one
//! statement for many rows: a copy of a million entries is not a million
//! round trips), and the newest entry's id and hash, written to `log_head`
//! once at the end, with the last batch ([`Pg::finish`]).

use super::db::Pg;
use super::typed::Param;
use crate::error::Result;

/// What a transaction knows of the log's newest entry (its id and hash;
/// `None`: the log is empty).
pub(super) enum Head {
    /// Not read yet.
    Unknown,
    /// As `log_head` said when the write took its lock.
    Read(Option<(i64, String)>),
    /// An entry appended here, to be written to `log_head` at the end.
    Appended(i64, String),
}

/// Log rows written per statement (9 parameters each, under the protocol's
/// 65,535).
pub(super) const LOG_BATCH: usize = 1000;

impl Pg<'_, '_> {
    /// Write the log entries waiting in the batch.
    pub(super) fn flush(&mut self) -> Result<()> {
        self.flush_with_head(None)
    }

    /// Write the log entries waiting in the batch and, when given, the new
    /// head: in one statement (a round trip fewer for every change).
    fn flush_with_head(&mut self, head: Option<&(i64, String)>) -> Result<()> {
        const HEAD: &str = "UPDATE log_head SET last_id = $1, last_hash = $2 WHERE id = 1";
        if self.pending.is_empty() {
            if let Some((id, hash)) = head {
                self.session.execute(HEAD, &[id, hash])?;
            }
            return Ok(());
        }
        let mut sql = String::from(if head.is_some() {
            "WITH appended AS (INSERT INTO log (id, at, actor, op, token_id, token, prefix, details, hash) VALUES "
        } else {
            "INSERT INTO log (id, at, actor, op, token_id, token, prefix, details, hash) VALUES "
        });
        let mut params: Vec<&dyn Param> = Vec::with_capacity(self.pending.len() * 9 + 2);
        if let Some((id, hash)) = head {
            params.extend([id as &dyn Param, hash]);
        }
        let ops: Vec<&'static str> = self.pending.iter().map(|(e, _)| e.op.as_str()).collect();
        let details: Vec<&str> = self.pending.iter().map(|(e, _)| e.details.get()).collect();
        // The head's two parameters, when given, come first.
        let before = params.len();
        for (i, (e, token_id)) in self.pending.iter().enumerate() {
            let n = before + i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 9
            ));
            params.extend([
                &e.id as &dyn Param,
                &e.at,
                &e.actor,
                &ops[i],
                token_id,
                &e.token,
                &e.prefix,
                &details[i],
                &e.hash,
            ]);
        }
        if head.is_some() {
            sql.push_str(") ");
            sql.push_str(HEAD);
        }
        self.session.execute(&sql, &params)?;
        self.pending.clear();
        Ok(())
    }

    /// Write what waits: the batched log entries and the new head.
    pub(super) fn finish(&mut self) -> Result<()> {
        match std::mem::replace(&mut self.head, Head::Unknown) {
            Head::Appended(id, hash) => self.flush_with_head(Some(&(id, hash))),
            other => {
                self.head = other;
                self.flush()
            }
        }
    }
}
