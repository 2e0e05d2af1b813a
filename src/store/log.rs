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
/// that makes the change (`Store::write`), never after it. `at` is the
/// system clock now, at commit: each entry keeps its own real time, so one
/// write made under a wrong clock does not move later entries' times.
pub fn append(tx: &Transaction, event: Event<'_>) -> Result<LogEntry> {
    let last: Option<(i64, String)> = optional(tx.query_row(
        "SELECT id, hash FROM log ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))?;
    let (previous_id, previous_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut entry = LogEntry {
        id: previous_id + 1,
        at: rfc3339(Utc::now()),
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

const COLUMNS: &str = "id, at, actor, op, token, prefix, details, hash, token_id";

/// Why a stored row is not an entry we wrote.
type Unreadable = String;

/// A text column, or why it is not one.
fn text_column(
    r: &Row<'_>,
    i: usize,
    what: &str,
) -> rusqlite::Result<Result<Option<String>, Unreadable>> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(|s| Some(s.to_owned()))
            .map_err(|_| format!("its {what} is not UTF-8 text")),
        _ => Err(format!("its {what} is not text")),
    })
}

/// A row as stored with its token id, or why it no longer reads as an entry
/// we wrote: a column of the wrong type, details that are not the JSON
/// object we wrote (a duplicate key, other spacing) or a hash that is not
/// 64 hex digits. Either is tampering, for `log verify` to report.
fn read_row(r: &Row<'_>) -> rusqlite::Result<Result<(LogEntry, Option<i64>), Unreadable>> {
    use rusqlite::types::ValueRef;
    let ValueRef::Integer(id) = r.get_ref(0)? else {
        return Ok(Err("its id is not a whole number".into()));
    };
    let token_id = match r.get_ref(8)? {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n),
        _ => return Ok(Err("its token id is not a whole number".into())),
    };
    let mut texts = Vec::with_capacity(7);
    for (i, what, required) in [
        (1, "time", true),
        (2, "actor", true),
        (3, "operation", true),
        (4, "token", false),
        (5, "prefix", false),
        (6, "details", true),
        (7, "hash", true),
    ] {
        match text_column(r, i, what)? {
            Ok(None) if required => return Ok(Err(format!("its {what} is missing"))),
            Ok(v) => texts.push(v),
            Err(why) => return Ok(Err(why)),
        }
    }
    let mut texts = texts.into_iter();
    let mut next = || texts.next().flatten();
    let (at, actor, op, token, prefix) = (next(), next(), next(), next(), next());
    let (details_text, hash) = (next().unwrap_or_default(), next().unwrap_or_default());
    let Ok(details) = serde_json::from_str::<Value>(&details_text) else {
        return Ok(Err("its details are not JSON".into()));
    };
    // Written back, the details must be the very text stored: a duplicate
    // key (which parsing would silently drop) or any edit shows here.
    let rewritten = serde_json::to_string(&details).unwrap_or_default();
    if !details.is_object() || rewritten != details_text {
        return Ok(Err(
            "its details are not the JSON object that was written (a key twice, or edited)".into(),
        ));
    }
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Ok(Err("its hash is not 64 lowercase hex digits".into()));
    }
    let entry = LogEntry {
        id,
        at: at.unwrap_or_default(),
        actor: actor.unwrap_or_default(),
        op: op.unwrap_or_default(),
        token,
        prefix,
        details,
        hash,
    };
    Ok(Ok((entry, token_id)))
}

/// A row for display: one that no longer parses is a failure to read,
/// pointing at `log verify`.
fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<LogEntry> {
    match read_row(r)? {
        Ok((e, _)) => Ok(e),
        Err(why) => Err(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("a log entry no longer reads ({why}); run `tokenctl log verify`").into(),
        )),
    }
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
    // Each entry keeps its own real time, so times need not follow ids
    // (a clock may jump): the bounds are on `at` as stored (indexed).
    if let Some(t) = filter.since {
        sql += &format!(" AND at >= {}", bind(rfc3339(t)));
    }
    if let Some(t) = filter.until {
        sql += &format!(" AND at <= {}", bind(rfc3339(t)));
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
    /// Entries whose time is earlier than the entry before them (a clock
    /// that went back): noted, not tampering. At most [`MAX_NOTED`] ids.
    pub clock_went_back: Vec<i64>,
}

/// How many clock notes a report keeps.
pub const MAX_NOTED: usize = 10;

/// Which entries belong to one token, from what the chain covers: a `new`
/// starts a token, a `renew` carries it from its old prefix to its new one,
/// every other entry names it by a prefix it had. The stored `token_id`
/// (what `log --token` follows across renames) must agree with that, one
/// id per token and one token per id, or it was rewritten.
#[derive(Default)]
struct Tokens {
    by_prefix: std::collections::HashMap<String, usize>,
    id_of: Vec<i64>,
    token_of_id: std::collections::HashMap<i64, usize>,
}

impl Tokens {
    fn check(&mut self, e: &LogEntry, token_id: Option<i64>) -> Result<(), Unreadable> {
        let Some(prefix) = &e.prefix else {
            return match token_id {
                None => Ok(()),
                Some(_) => Err("it has a token id but names no token".into()),
            };
        };
        let Some(token_id) = token_id else {
            return Err("its token id is missing".into());
        };
        let known = |p: &str| self.by_prefix.get(p).copied();
        let token = match e.op.as_str() {
            "new" => None,
            "renew" => e
                .details
                .get("old_prefix")
                .and_then(Value::as_str)
                .and_then(known),
            _ => known(prefix),
        };
        let token = token.unwrap_or_else(|| {
            self.id_of.push(token_id);
            self.id_of.len() - 1
        });
        self.by_prefix.insert(prefix.clone(), token);
        let owner = *self.token_of_id.entry(token_id).or_insert(token);
        if self.id_of[token] != token_id || owner != token {
            return Err(
                "its token id does not match the token's other entries (the token id was rewritten)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// Walk the chain oldest first, streaming, stopping at the first bad entry.
/// With `noted`, also require that the chain passes through that exact
/// `(id, hash)`.
pub fn verify_chain(conn: &Connection, noted: Option<(i64, &str)>) -> Result<ChainReport> {
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM log ORDER BY id"))
        .map_err(sql_error)?;
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut report = ChainReport {
        entries: 0,
        head: None,
        broken: None,
        clock_went_back: Vec::new(),
    };
    let mut previous = (0i64, GENESIS.to_owned(), String::new());
    let mut noted_seen = false;
    let mut tokens = Tokens::default();
    while let Some(row) = rows.next().map_err(sql_error)? {
        report.entries += 1;
        let rowid: i64 = row
            .get_ref(0)
            .ok()
            .and_then(|v| v.as_i64().ok())
            .unwrap_or(previous.0 + 1);
        let mut broken = |id: i64, why: String| {
            report.broken = Some(Break::Entry { id, why });
        };
        let (e, token_id) = match read_row(row).map_err(sql_error)? {
            Ok(read) => read,
            Err(why) => {
                broken(rowid, format!("it no longer reads as an entry: {why}"));
                return Ok(report);
            }
        };
        if e.id != previous.0 + 1 {
            broken(
                e.id,
                format!(
                    "it follows entry {} (an entry was removed or inserted)",
                    previous.0
                ),
            );
            return Ok(report);
        }
        if e.chained_hash(&previous.1) != e.hash {
            broken(
                e.id,
                "its hash does not match its content and the entry before it (edited, or an entry before it was removed or inserted)".into(),
            );
            return Ok(report);
        }
        if let Err(why) = tokens.check(&e, token_id) {
            broken(e.id, why);
            return Ok(report);
        }
        if let Some((id, hash)) = noted
            && e.id == id
        {
            if e.hash != hash {
                report.broken = Some(Break::HeadChanged { id });
                return Ok(report);
            }
            noted_seen = true;
        }
        if e.at < previous.2 && report.clock_went_back.len() < MAX_NOTED {
            report.clock_went_back.push(e.id);
        }
        previous = (e.id, e.hash, e.at);
    }
    if let Some((id, _)) = noted
        && !noted_seen
    {
        report.broken = Some(Break::HeadMissing { id });
        return Ok(report);
    }
    report.head = (report.entries > 0).then_some((previous.0, previous.1));
    Ok(report)
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
