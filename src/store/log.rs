//! The account log: append (inside the change's transaction), query, and the
//! SHA-256 hash chain that makes rewriting it evident.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, Transaction, params_from_iter, types::Value as Sql};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{optional, sql_error};
use crate::error::Result;
use crate::when::rfc3339;

/// The operations that change something, as the log names them.
pub const OPS: &[&str] = &[
    "new",
    "modify",
    "delete",
    "renew",
    "disable",
    "enable",
    "pool-add",
    "pool-remove",
    "exchange",
];

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub op: String,
    pub token: Option<String>,
    pub prefix: Option<String>,
    pub details: Value,
    pub hash: String,
}

/// The same value with every object's keys in byte order, so the canonical
/// form does not depend on the order keys were written or stored in.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// What a change tells the log about itself.
pub struct Event<'a> {
    pub actor: &'a str,
    pub op: &'static str,
    pub token_id: Option<i64>,
    pub token: Option<&'a str>,
    pub prefix: Option<&'a str>,
    pub details: Value,
}

impl LogEntry {
    /// The content the chain covers: every key of the JSON entry but `hash`,
    /// as compact JSON with the keys of every object (also inside `details`)
    /// in sorted order.
    pub fn canonical(&self) -> String {
        sorted(&json!({
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "op": self.op,
            "token": self.token,
            "prefix": self.prefix,
            "details": self.details,
        }))
        .to_string()
    }

    /// SHA-256 (lowercase hex) of the previous hash, a newline, and the canonical content.
    pub fn chained_hash(&self, previous: &str) -> String {
        let mut h = Sha256::new();
        h.update(previous.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn to_json(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("id".into(), self.id.into());
        m.insert("at".into(), self.at.clone().into());
        m.insert("actor".into(), self.actor.clone().into());
        m.insert("op".into(), self.op.clone().into());
        m.insert("token".into(), self.token.clone().into());
        m.insert("prefix".into(), self.prefix.clone().into());
        m.insert("details".into(), self.details.clone());
        m.insert("hash".into(), self.hash.clone().into());
        m
    }
}

/// Append one entry, chained to the newest. Call it inside the transaction
/// that makes the change (`Store::write`), never after it.
pub fn append(tx: &Transaction, now: DateTime<Utc>, event: Event<'_>) -> Result<LogEntry> {
    let last: Option<(i64, String, String)> = optional(tx.query_row(
        "SELECT id, hash, at FROM log ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))?;
    let (previous_id, previous_hash, previous_at) =
        last.unwrap_or((0, GENESIS.to_owned(), String::new()));
    // The log's clock never runs backwards (a system clock may): time order
    // is id order, which keeps --since/--until an index seek.
    let at = rfc3339(now).max(previous_at);
    let mut entry = LogEntry {
        id: previous_id + 1,
        at,
        actor: event.actor.to_owned(),
        op: event.op.to_owned(),
        token: event.token.map(str::to_owned),
        prefix: event.prefix.map(str::to_owned),
        details: event.details,
        hash: String::new(),
    };
    entry.hash = entry.chained_hash(&previous_hash);
    tx.execute(
        "INSERT INTO log (id, at, actor, op, token_id, token, prefix, details, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![
            entry.id,
            entry.at,
            entry.actor,
            entry.op,
            event.token_id,
            entry.token,
            entry.prefix,
            entry.details.to_string(),
            entry.hash,
        ],
    )
    .map_err(sql_error)?;
    Ok(entry)
}

const COLUMNS: &str = "id, at, actor, op, token, prefix, details, hash";

/// A row as stored. Details that are not JSON (edited behind our back) are
/// kept as a string, so that the chain check reports them instead of failing.
fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<LogEntry> {
    let details: String = r.get(6)?;
    Ok(LogEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        op: r.get(3)?,
        token: r.get(4)?,
        prefix: r.get(5)?,
        details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
        hash: r.get(7)?,
    })
}

/// The filters of `tokenctl log`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// A token's name or prefix, now or at any time in the past.
    pub token: Option<String>,
    pub actor: Option<String>,
    pub op: Option<String>,
    pub limit: Option<u64>,
}

/// Entries matching `filter`, newest first.
pub fn query(conn: &Connection, filter: &Filter) -> Result<Vec<LogEntry>> {
    let mut args: Vec<Sql> = Vec::new();
    let mut bind = |v: String| {
        args.push(Sql::Text(v));
        format!("?{}", args.len())
    };
    let mut sql = format!("SELECT {COLUMNS} FROM log WHERE 1");
    // Times never decrease along ids (see `append`), so a time bound is an id
    // bound found by one seek in the `at` index, and the scan stays in id order.
    if let Some(t) = filter.since {
        let p = bind(rfc3339(t));
        sql += &format!(
            " AND id >= coalesce((SELECT id FROM log WHERE at >= {p} ORDER BY at, id LIMIT 1), 1 << 62) AND at >= {p}"
        );
    }
    if let Some(t) = filter.until {
        let p = bind(rfc3339(t));
        sql += &format!(
            " AND id <= coalesce((SELECT id FROM log WHERE at <= {p} ORDER BY at DESC, id DESC LIMIT 1), 0) AND at <= {p}"
        );
    }
    if let Some(reference) = &filter.token {
        // Every entry of every token that was ever called that or had that
        // prefix: a search across renames and renews, also of deleted tokens.
        // Every prefix a token had is the `prefix` of its `new` or a `renew`
        // entry, so the indexed columns suffice.
        let r = bind(reference.clone());
        sql += &format!(
            " AND (token = {r} OR prefix = {r} OR token_id IN (
                 SELECT token_id FROM log WHERE token_id IS NOT NULL AND (token = {r} OR prefix = {r})))"
        );
    }
    if let Some(a) = &filter.actor {
        sql += &format!(" AND actor = {}", bind(a.clone()));
    }
    if let Some(op) = &filter.op {
        sql += &format!(" AND op = {}", bind(op.clone()));
    }
    sql.push_str(" ORDER BY id DESC");
    if let Some(n) = filter.limit {
        sql.push_str(&format!(" LIMIT {n}"));
    }
    let mut stmt = conn.prepare(&sql).map_err(sql_error)?;
    let rows = stmt
        .query_map(params_from_iter(args), entry_from_row)
        .map_err(sql_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql_error)
}

/// The newest entry, if any.
pub fn head(conn: &Connection) -> Result<Option<LogEntry>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM log ORDER BY id DESC LIMIT 1"),
        [],
        entry_from_row,
    ))
}

/// Why the chain is broken, at the first entry where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's content no longer gives its stored hash (edited), or it
    /// does not chain from the entry before it (one removed or inserted).
    Entry { id: i64, why: String },
    /// The noted head is not in the chain any more.
    HeadMissing { id: i64 },
    /// The noted head's entry is there but its hash differs (rewritten).
    HeadChanged { id: i64 },
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: u64,
    pub head: Option<(i64, String)>,
    pub broken: Option<Break>,
}

/// Walk the chain oldest first, streaming (constant memory), stopping at the
/// first bad entry. With `noted`, also require that the chain passes through
/// that exact `(id, hash)`.
pub fn verify_chain(conn: &Connection, noted: Option<(i64, &str)>) -> Result<ChainReport> {
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM log ORDER BY id"))
        .map_err(sql_error)?;
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut previous = (0i64, GENESIS.to_owned());
    let mut entries = 0u64;
    let mut noted_seen = false;
    while let Some(row) = rows.next().map_err(sql_error)? {
        let e = entry_from_row(row).map_err(sql_error)?;
        entries += 1;
        let broken = |why: &str| ChainReport {
            entries,
            head: None,
            broken: Some(Break::Entry {
                id: e.id,
                why: why.to_owned(),
            }),
        };
        if e.id != previous.0 + 1 {
            return Ok(broken(&format!(
                "it follows entry {} (an entry was removed or inserted)",
                previous.0
            )));
        }
        if e.chained_hash(&previous.1) != e.hash {
            return Ok(broken(
                "its hash does not match its content and the entry before it (edited, or an entry before it was removed or inserted)",
            ));
        }
        if let Some((id, hash)) = noted
            && e.id == id
        {
            if e.hash != hash {
                return Ok(ChainReport {
                    entries,
                    head: None,
                    broken: Some(Break::HeadChanged { id }),
                });
            }
            noted_seen = true;
        }
        previous = (e.id, e.hash);
    }
    let broken = match noted {
        Some((id, _)) if !noted_seen => Some(Break::HeadMissing { id }),
        _ => None,
    };
    Ok(ChainReport {
        entries,
        head: (entries > 0).then_some(previous),
        broken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LogEntry {
        LogEntry {
            id: 1,
            at: "2026-11-23T00:00:00Z".into(),
            actor: "alice".into(),
            op: "modify".into(),
            token: Some("ci".into()),
            prefix: Some("AbCd1234".into()),
            details: json!({"reason": "rotation", "access": ["read-write", "read-only"]}),
            hash: String::new(),
        }
    }

    #[test]
    fn the_log_clock_never_runs_backwards() {
        use chrono::TimeZone;
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        let later = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let earlier = later - chrono::Duration::hours(1);
        let tx = conn.transaction().unwrap();
        let event = || Event {
            actor: "a",
            op: "pool-add",
            token_id: None,
            token: None,
            prefix: None,
            details: json!({}),
        };
        let first = append(&tx, later, event()).unwrap();
        let second = append(&tx, earlier, event()).unwrap();
        assert_eq!(second.at, first.at);
        assert_eq!(second.id, first.id + 1);
        tx.commit().unwrap();
        let report = verify_chain(&conn, None).unwrap();
        assert_eq!(report.broken, None);
        assert_eq!(report.entries, 2);
    }

    #[test]
    fn canonical_form_is_sorted_compact_json() {
        assert_eq!(
            sample().canonical(),
            r#"{"actor":"alice","at":"2026-11-23T00:00:00Z","details":{"access":["read-write","read-only"],"reason":"rotation"},"id":1,"op":"modify","prefix":"AbCd1234","token":"ci"}"#
        );
    }

    #[test]
    fn chained_hash_is_sha256_of_previous_newline_canonical() {
        let e = sample();
        let mut h = Sha256::new();
        h.update(format!("{GENESIS}\n{}", e.canonical()).as_bytes());
        let expect: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(e.chained_hash(GENESIS), expect);
        assert_eq!(expect.len(), 64);
        let mut other = e.clone();
        other.actor = "mallory".into();
        assert_ne!(other.chained_hash(GENESIS), expect);
    }
}
