//! The account log's SHA-256 hash chain (spec section 7), the same on every
//! engine: how an entry's hash is made, and the walk of `log verify`.

use std::collections::HashMap;
use std::io::Write;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::model::{LogEntry, Op};
use crate::error::Error;

/// The hash the first entry chains from.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lowercase hex of a SHA-256 digest.
type Hex = [u8; 64];

fn hex(digest: &[u8]) -> Hex {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

/// `v` as compact JSON with the keys of every object in byte order.
fn write_sorted(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                write_sorted(out, &m[k]);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_sorted(out, item);
            }
            out.push(b']');
        }
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
}

/// The content the chain covers: every key of the JSON entry but `hash`, as
/// compact JSON with the keys of every object (also inside `details`) in
/// sorted order. Written into `out` (cleared first).
pub(crate) fn canonical(out: &mut Vec<u8>, entry: &LogEntry, details: &Value) {
    out.clear();
    let s = |out: &mut Vec<u8>, v: &str| {
        let _ = serde_json::to_writer(&mut *out, v);
    };
    let opt = |out: &mut Vec<u8>, v: &Option<String>| match v {
        Some(v) => s(out, v),
        None => out.extend_from_slice(b"null"),
    };
    out.extend_from_slice(b"{\"actor\":");
    s(out, &entry.actor);
    out.extend_from_slice(b",\"at\":");
    s(out, &entry.at);
    out.extend_from_slice(b",\"details\":");
    write_sorted(out, details);
    let _ = write!(
        out,
        ",\"id\":{},\"op\":\"{}\",\"prefix\":",
        entry.id,
        entry.op.as_str()
    );
    opt(out, &entry.prefix);
    out.extend_from_slice(b",\"token\":");
    opt(out, &entry.token);
    out.push(b'}');
}

/// SHA-256 (lowercase hex) of the previous hash, a newline, and the
/// canonical content. `buf` is scratch space, reused across entries.
fn chained(previous: &[u8], entry: &LogEntry, details: &Value, buf: &mut Vec<u8>) -> Hex {
    canonical(buf, entry, details);
    let mut h = Sha256::new();
    h.update(previous);
    h.update(b"\n");
    h.update(&buf[..]);
    hex(&h.finalize())
}

/// The hash of `entry` (with parsed `details`) chained from `previous`.
pub(crate) fn hash_of(previous: &str, entry: &LogEntry, details: &Value) -> String {
    let h = chained(previous.as_bytes(), entry, details, &mut Vec::new());
    String::from_utf8(h.to_vec()).expect("hex is ASCII")
}

/// An entry as an engine reads it back, with the one column outside the
/// JSON (`token_id`), or why the row no longer reads as an entry tokenctl
/// wrote (a column of the wrong type, say): tampering either way.
pub(crate) type StoredEntry = Result<(LogEntry, Option<i64>), Unreadable>;

/// A row that no longer reads as an entry: its id as far as it could be
/// read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: Option<i64>,
    pub why: String,
}

/// Why the chain is broken, at the first entry where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Break {
    /// The entry's content no longer gives its stored hash (edited), or it
    /// does not chain from the entry before it (one removed or inserted).
    Entry { id: i64, why: String },
    /// The noted head is not in the chain any more.
    HeadMissing { id: i64 },
    /// The noted head's entry is there but its hash differs (rewritten).
    HeadChanged { id: i64 },
    /// The store recorded a newer last entry than the log holds: entries
    /// were cut from its end (PostgreSQL's `log_head`).
    TailCut { last: i64, recorded: i64 },
}

impl Break {
    /// The first entry the break concerns.
    pub(crate) fn id(&self) -> i64 {
        match self {
            Break::Entry { id, .. } | Break::HeadMissing { id } | Break::HeadChanged { id } => *id,
            Break::TailCut { last, recorded } => last.min(recorded) + 1,
        }
    }
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Entry { id, why } => write!(f, "entry {id} is bad: {why}"),
            Break::HeadMissing { id } => write!(
                f,
                "the noted head {id} is no longer in the log (entries were removed)"
            ),
            Break::HeadChanged { id } => write!(
                f,
                "entry {id} no longer has the noted hash (the chain was rewritten)"
            ),
            Break::TailCut { last, recorded } if recorded > last => write!(
                f,
                "entry {} is missing: the log ends at entry {last} but the store recorded entry {recorded} as written (entries were removed from its end)",
                last + 1
            ),
            Break::TailCut { last, recorded } => write!(
                f,
                "entry {} is past the newest entry the store recorded ({recorded}); the log ends at entry {last} (the log's end was changed)",
                recorded + 1
            ),
        }
    }
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub entries: u64,
    pub head: Option<(i64, String)>,
    pub broken: Option<Break>,
    /// Entries whose time is earlier than the entry before them (a clock
    /// that went back): noted, not tampering. At most [`MAX_NOTED`] ids.
    pub clock_went_back: Vec<i64>,
}

/// How many clock notes a report keeps.
pub(crate) const MAX_NOTED: usize = 10;

/// Which entries belong to one token, from what the chain covers: a `new`
/// starts a token, a `renew` carries it from its old prefix to its new one,
/// every other entry names it by a prefix it had. The stored `token_id`
/// (what `log --token` follows across renames) must agree with that, one
/// id per token and one token per id, or it was rewritten.
#[derive(Default)]
struct Tokens {
    by_prefix: HashMap<String, usize>,
    id_of: Vec<i64>,
    token_of_id: HashMap<i64, usize>,
}

impl Tokens {
    fn check(
        &mut self,
        e: &LogEntry,
        details: &Value,
        token_id: Option<i64>,
    ) -> Result<(), String> {
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
        let token = match e.op {
            Op::New => None,
            Op::Renew => details
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

/// `log verify`: fed the stored entries oldest first, it stops at the first
/// bad one. With `noted`, the chain must also pass through that exact
/// `(id, hash)`. Memory does not grow with the number of entries (only with
/// the number of tokens).
pub(crate) struct Walk<'a> {
    noted: Option<(i64, &'a str)>,
    noted_seen: bool,
    previous: (i64, Hex, String),
    tokens: Tokens,
    buf: Vec<u8>,
    report: Report,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(noted: Option<(i64, &'a str)>) -> Walk<'a> {
        let mut genesis = [0u8; 64];
        genesis.copy_from_slice(GENESIS.as_bytes());
        Walk {
            noted,
            noted_seen: false,
            previous: (0, genesis, String::new()),
            tokens: Tokens::default(),
            buf: Vec::with_capacity(512),
            report: Report {
                entries: 0,
                head: None,
                broken: None,
                clock_went_back: Vec::new(),
            },
        }
    }

    /// Take the next entry; `false` once the chain is known to be broken.
    pub(crate) fn step(&mut self, stored: StoredEntry) -> bool {
        self.report.entries += 1;
        let next_id = self.previous.0 + 1;
        let (e, token_id) = match stored {
            Ok(read) => read,
            Err(u) => {
                return self.broken(
                    u.id.unwrap_or(next_id),
                    format!("it no longer reads as an entry: {}", u.why),
                );
            }
        };
        if e.id != next_id {
            let why = format!(
                "it follows entry {} (an entry was removed or inserted)",
                self.previous.0
            );
            return self.broken(e.id, why);
        }
        let details = match parse_details(e.details.get()) {
            Ok(d) => d,
            Err(why) => return self.broken(e.id, why.into()),
        };
        if chained(&self.previous.1, &e, &details, &mut self.buf)[..] != *e.hash.as_bytes() {
            return self.broken(
                e.id,
                "its hash does not match its content and the entry before it (edited, or an entry before it was removed or inserted)".into(),
            );
        }
        if let Err(why) = self.tokens.check(&e, &details, token_id) {
            return self.broken(e.id, why);
        }
        if let Some((id, hash)) = self.noted
            && e.id == id
        {
            if e.hash != hash {
                self.report.broken = Some(Break::HeadChanged { id });
                return false;
            }
            self.noted_seen = true;
        }
        if e.at < self.previous.2 && self.report.clock_went_back.len() < MAX_NOTED {
            self.report.clock_went_back.push(e.id);
        }
        self.previous.1.copy_from_slice(e.hash.as_bytes());
        self.previous.0 = e.id;
        self.previous.2 = e.at;
        true
    }

    fn broken(&mut self, id: i64, why: String) -> bool {
        self.report.broken = Some(Break::Entry { id, why });
        false
    }

    /// What the store recorded as its newest entry, apart from the log
    /// itself: the walk must end there.
    pub(crate) fn ends_at(&mut self, recorded: Option<(i64, String)>) {
        if self.report.broken.is_some() {
            return;
        }
        let (id, hash) = recorded.unwrap_or((0, String::new()));
        let walked = (self.previous.0, &self.previous.1[..]);
        let same = walked.0 == id && (id == 0 || walked.1 == hash.as_bytes());
        if !same {
            self.report.broken = Some(Break::TailCut {
                last: self.previous.0,
                recorded: id,
            });
        }
    }

    pub(crate) fn finish(mut self) -> Report {
        if self.report.broken.is_some() {
            return self.report;
        }
        if let Some((id, _)) = self.noted
            && !self.noted_seen
        {
            self.report.broken = Some(Break::HeadMissing { id });
            return self.report;
        }
        if self.report.entries > 0 {
            let hash = String::from_utf8(self.previous.1.to_vec()).expect("hex is ASCII");
            self.report.head = Some((self.previous.0, hash));
        }
        self.report
    }
}

/// The details as stored: a JSON object whose text is exactly what writing
/// it back gives. A key twice (which parsing would silently drop) or any
/// edit of the text shows here.
pub(crate) fn parse_details(text: &str) -> Result<Value, &'static str> {
    let details: Value = serde_json::from_str(text).map_err(|_| "its details are not JSON")?;
    let rewritten = serde_json::to_string(&details).unwrap_or_default();
    if !details.is_object() || rewritten != text {
        return Err(
            "its details are not the JSON object that was written (a key twice, or edited)",
        );
    }
    Ok(details)
}

/// Check what an engine read for a hash: 64 lowercase hex digits.
pub(crate) fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `ID:HASH` as `log head` prints it.
pub(crate) fn parse_head(s: &str) -> Result<(i64, String), Error> {
    let bad = || {
        Error::usage(format!("--head {s:?} is not an ID:HASH"))
            .hint("give the line `tokenctl log head` printed, such as 42:9f86d081…(64 hex digits)")
    };
    let (id, hash) = s.trim().split_once(':').ok_or_else(bad)?;
    let id: i64 = id.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
    let hash = hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((id, hash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> (LogEntry, Value) {
        let details = json!({"reason": "rotation", "access": ["read-write", "read-only"]});
        let e = LogEntry {
            id: 1,
            at: "2026-11-23T00:00:00Z".into(),
            actor: "alice".into(),
            op: Op::Modify,
            token: Some("ci".into()),
            prefix: Some("AbCd1234".into()),
            details: serde_json::value::to_raw_value(&details).unwrap(),
            hash: String::new(),
        };
        (e, details)
    }

    #[test]
    fn canonical_form_is_sorted_compact_json() {
        let (e, d) = sample();
        let mut out = Vec::new();
        canonical(&mut out, &e, &d);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"actor":"alice","at":"2026-11-23T00:00:00Z","details":{"access":["read-write","read-only"],"reason":"rotation"},"id":1,"op":"modify","prefix":"AbCd1234","token":"ci"}"#
        );
    }

    #[test]
    fn chained_hash_is_sha256_of_previous_newline_canonical() {
        let (e, d) = sample();
        let mut out = Vec::new();
        canonical(&mut out, &e, &d);
        let mut h = Sha256::new();
        h.update(format!("{GENESIS}\n").as_bytes());
        h.update(&out);
        let expect: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash_of(GENESIS, &e, &d), expect);
        let mut other = e.clone();
        other.actor = "mallory".into();
        assert_ne!(hash_of(GENESIS, &other, &d), expect);
    }

    #[test]
    fn details_must_be_the_text_written() {
        assert!(parse_details(r#"{"a":1,"b":[2]}"#).is_ok());
        assert!(parse_details(r#"{"a":1,"a":1}"#).is_err());
        assert!(parse_details(r#"{"a": 1}"#).is_err());
        assert!(parse_details("[1]").is_err());
        assert!(parse_details("nope").is_err());
    }

    #[test]
    fn head_is_id_colon_64_hex() {
        let h = "a".repeat(64);
        assert_eq!(parse_head(&format!("7:{h}")).unwrap(), (7, h.clone()));
        assert_eq!(parse_head(&format!("7:{}", h.to_uppercase())).unwrap().1, h);
        for bad in [
            "",
            "7",
            ":abc",
            "0:aaaa",
            "x:aaaa",
            &format!("-1:{h}"),
            &format!("7:{}", &h[1..]),
            &format!("7:{}g", &h[1..]),
        ] {
            assert!(parse_head(bad).is_err(), "{bad}");
        }
    }
}
