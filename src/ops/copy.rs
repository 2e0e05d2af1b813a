//! Copying a whole store into an empty target — tokens, pools, access
//! tokens, the policy, retired secrets, what notify delivered, and the log,
//! hashes unchanged — streamed in id order in one
//! transaction of the target, and the target's chain checked before it
//! commits. The way to move to a server, to back up, and to restore.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{IdsUsed, Location, Store};

/// What to do about a source whose log does not verify.
const VERIFY_SOURCE: &str = "run `tokenctl log verify` on the source";

/// What was copied.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub(crate) struct Counts {
    pub pools: u64,
    pub tokens: u64,
    pub access_tokens: u64,
    pub log_entries: u64,
}

/// Copy `source` into `into` (at `target`, for messages), which must be
/// empty. Returns the counts and the copy's log head.
pub(crate) fn copy(
    source: &mut Store,
    into: &mut Store,
    target: &Location,
) -> Result<(Counts, Option<(i64, String)>)> {
    into.write(|dst| {
        if !dst.is_empty()? {
            return Err(Error::conflict(format!(
                "{} is not empty; nothing was copied",
                target.shown()
            ))
            .hint("copy into a new file, or a database without tokenctl's tables")
            .into());
        }
        // One snapshot of the source, streamed table by table in id order.
        let counts = source.read(|src| {
            let mut used = IdsUsed::default();
            let mut counts = Counts::default();
            src.each_pool_row(&mut |p| {
                used.pool = used.pool.max(p.id);
                counts.pools += 1;
                dst.insert_pool_row(&p)
            })?;
            src.each_token_row(&mut |t| {
                used.token = used.token.max(t.id);
                counts.tokens += 1;
                dst.insert_token_row(&t)
            })?;
            src.each_policy_row(&mut |row| dst.insert_policy_row(&row))?;
            // What the tokens' retired secrets were (a theft is caught on
            // the copy too), and what notify delivered (it resumes there).
            src.each_retired_row(&mut |row| dst.insert_retired_row(&row))?;
            src.each_notify_row(&mut |row| dst.insert_notify_row(&row))?;
            src.each_access_row(&mut |a| {
                used.access = used.access.max(a.id);
                counts.access_tokens += 1;
                dst.insert_access_row(&a)
            })?;
            let mut failed = None;
            src.each_stored_entry(&mut |stored| match stored {
                Ok((entry, token_id)) => {
                    if let Some(id) = token_id {
                        used.token = used.token.max(id);
                    }
                    counts.log_entries += 1;
                    match dst.insert_log_entry(&entry, token_id) {
                        Ok(()) => true,
                        Err(e) => {
                            failed = Some(e);
                            false
                        }
                    }
                }
                Err(u) => {
                    failed = Some(
                        Error::rejected(format!(
                            "log entry {} no longer reads ({}); nothing was copied",
                            u.id.map_or("?".into(), |id| id.to_string()),
                            u.why
                        ))
                        .hint(VERIFY_SOURCE)
                        .into(),
                    );
                    false
                }
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            // The source's own end, as its store recorded it: a copy of a
            // log cut at its end must not pass for whole.
            let (recorded, copied) = (src.log_tail()?, dst.log_tail()?);
            if recorded != copied {
                let id = |t: &Option<(i64, String)>| t.as_ref().map_or(0, |(id, _)| *id);
                let cut = crate::domain::chain::Break::TailCut {
                    last: id(&copied),
                    recorded: id(&recorded),
                };
                return Err(Error::rejected(format!(
                    "the source's log does not verify: {cut}; nothing was copied"
                ))
                .hint(VERIFY_SOURCE)
                .into());
            }
            dst.reserve_ids(used)?;
            Ok(counts)
        })?;
        // The target's chain, checked as `log verify` does, before the
        // commit: a target that would not verify is never committed.
        let report = crate::ops::audit::walk_log(dst, None)?;
        if let Some(broken) = report.broken {
            return Err(Error::rejected(format!(
                "the copy's log does not verify: {broken}; nothing was copied"
            ))
            .hint(VERIFY_SOURCE)
            .into());
        }
        Ok((counts, report.head))
    })
}
