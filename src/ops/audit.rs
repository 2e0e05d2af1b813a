//! Auditing the account: the log's chain walked, the tokens about to
//! expire, and the stale tokens a prune takes (spec section 11). One rule
//! each, for `log verify`, `check`, `db copy`, `list --expiring` /
//! `--unused-for` and `prune`.

use chrono::{DateTime, Utc};

use crate::domain::chain::{Report, Walk};
use crate::domain::model::{Status, Token};
use crate::domain::text::quoted;
use crate::error::{Error, Result};
use crate::ops::change;
use crate::ops::policy::need_reason;
use crate::store::{Db, Store};

/// The whole log of `db` walked (in the caller's snapshot), through the
/// noted head when given, and up to the newest entry the store recorded.
pub(crate) fn walk_log(db: &mut dyn Db, noted: Option<&(i64, String)>) -> Result<Report> {
    let mut walk = Walk::new(noted.map(|(id, h)| (*id, h.as_str())));
    db.each_stored_entry(&mut |entry| walk.step(entry))?;
    walk.ends_at(db.log_tail()?);
    Ok(walk.finish())
}

/// Active and expiring by `until`.
pub(crate) fn expiring_by(t: &Token, now: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    t.status(now) == Status::Active && t.expires_at.is_some_and(|e| e <= until)
}

/// Not used since `since`: never used ones count from their creation.
pub(crate) fn unused_since(t: &Token, since: DateTime<Utc>) -> bool {
    match t.last_used {
        // Used some time that day: unused since only if the whole day is before `since`.
        Some(day) => day < since.date_naive(),
        None => t.created_at < since,
    }
}

/// The account's health, for `check`: the active tokens expiring by
/// `until`, and the log's chain walked through the noted head.
pub(crate) struct Health {
    pub expiring: Vec<Token>,
    pub log: Report,
    /// The tokens that break the account's policy, with the rules (as
    /// `KEY VALUE`) each breaks.
    pub out_of_policy: Vec<(Token, Vec<String>)>,
}

pub(crate) fn health(
    store: &mut Store,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    noted: Option<&(i64, String)>,
) -> Result<Health> {
    // One snapshot, one pass over the tokens for both rules.
    store.read(|db| {
        let policy = db.policy()?;
        let mut expiring = Vec::new();
        let mut out_of_policy = Vec::new();
        db.each_token(None, &mut |t| {
            let broken = policy.broken_by(&t);
            if !broken.is_empty() {
                let rules = broken.into_iter().map(|k| policy.rule(k)).collect();
                out_of_policy.push((t.clone(), rules));
            }
            if expiring_by(&t, now, until) {
                expiring.push(t);
            }
            Ok(())
        })?;
        let log = walk_log(db, noted)?;
        Ok(Health {
            expiring,
            log,
            out_of_policy,
        })
    })
}

/// What `db status` says about a store: "which store am I on?".
#[derive(Debug, serde::Serialize)]
pub(crate) struct StoreStatus {
    pub store: String,
    pub engine: &'static str,
    pub schema_version: i64,
    pub tokens: u64,
    pub pools: u64,
    pub log_entries: u64,
    /// The log's head as `ID:HASH`, or `null` when the log is empty.
    pub head: Option<String>,
}

/// The store's status, from one snapshot.
pub(crate) fn status(store: &mut Store, shown: String) -> Result<StoreStatus> {
    store.read(|db| {
        let (schema_version, engine) = db.schema()?;
        let mut tokens = 0u64;
        db.each_token(None, &mut |_| {
            tokens += 1;
            Ok(())
        })?;
        let pools = db.pools()?.len() as u64;
        let tail = db.log_tail()?;
        Ok(StoreStatus {
            store: shown.clone(),
            engine,
            schema_version,
            tokens,
            pools,
            // Ids run 1, 2, 3, … without gaps: the newest is the count.
            log_entries: tail.as_ref().map_or(0, |(id, _)| id.unsigned_abs()),
            head: tail.map(|(id, hash)| format!("{id}:{hash}")),
        })
    })
}

/// Which tokens a prune takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stale {
    /// Not used since then (never used ones: created before it).
    UnusedSince(DateTime<Utc>),
    /// Expired at or before then.
    ExpiredBy(DateTime<Utc>),
}

impl Stale {
    pub(crate) fn matches(self, t: &Token) -> bool {
        match self {
            Stale::UnusedSince(since) => unused_since(t, since),
            Stale::ExpiredBy(by) => t.expires_at.is_some_and(|e| e <= by),
        }
    }
}

/// The tokens `rule` takes, in the store's order.
pub(crate) fn stale(store: &mut Store, rule: Stale) -> Result<Vec<Token>> {
    let mut found = Vec::new();
    store.read(|db| {
        db.each_token(None, &mut |t| {
            if rule.matches(&t) {
                found.push(t);
            }
            Ok(())
        })
    })?;
    Ok(found)
}

/// Delete the tokens `stale` listed, all or nothing in one transaction,
/// each still as it was listed and still taken by `rule`; each logged as
/// `delete` with the reason `prune: RULE` (`shown`), and the `--reason`
/// given (`extra`, which `require-reason` asks for).
pub(crate) fn prune(
    store: &mut Store,
    actor: &str,
    listed: &[Token],
    rule: Stale,
    shown: &str,
    extra: Option<&str>,
) -> Result<()> {
    let reason = match extra {
        Some(r) => format!("prune: {shown}; {r}"),
        None => format!("prune: {shown}"),
    };
    let reason = reason.as_str();
    store.write(|tx| {
        need_reason(&tx.policy()?, extra)?;
        for t in listed {
            if change::still(tx, t)?.is_none_or(|now| !rule.matches(&now)) {
                return Err(Error::not_found(format!(
                    "token {} changed or was deleted meanwhile; nothing was pruned",
                    quoted(&t.name)
                ))
                .into());
            }
            change::delete(tx, actor, t, Some(reason))?;
        }
        Ok(())
    })
}
