//! The rows both engines read back, decoded by one set of rules: which
//! columns are read, a token's access read fail-closed, what makes a log
//! row unreadable (tampering, said the same on every engine), and what an
//! access token's parent secret means. An engine only takes the cells out
//! of its own row type.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::binding::{self, Rate};
use crate::domain::chain::{StoredEntry, Unreadable};
use crate::domain::model::{Access, LogEntry, Op, Token};
use crate::domain::when::from_rfc3339;
use crate::error::{Error, Result};
use crate::store::MadeWith;

/// A token's columns, in the order [`TokenCells`] takes them.
pub(super) const TOKEN_COLUMNS: &str =
    "t.id, t.name, t.prefix, p.name, t.access, t.owner, t.disabled,
     t.created_at, t.created_by, t.expires_at, t.last_used, t.renewed_at,
     t.allowed_from, t.not_before, t.rate, t.last_used_from";
/// How many columns [`TOKEN_COLUMNS`] are: a query's own columns follow.
pub(super) const TOKEN_WIDTH: usize = 16;
pub(super) const TOKEN_FROM: &str = "tokens t LEFT JOIN pools p ON p.id = t.pool_id";
/// A log entry's columns, in the order [`LogCells`] takes them.
pub(super) const LOG_COLUMNS: &str = "id, at, actor, op, token, prefix, details, hash, token_id";

/// A stored time (RFC 3339 text), or none when it does not read.
pub(super) fn time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(from_rfc3339)
}

/// A token row's cells, as the engine read them.
pub(super) struct TokenCells {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub pool: Option<String>,
    pub access: String,
    pub owner: Option<String>,
    pub disabled: bool,
    pub created_at: Option<String>,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub last_used: Option<String>,
    pub renewed_at: Option<String>,
    pub allowed_from: String,
    pub not_before: Option<String>,
    pub rate: Option<String>,
    pub last_used_from: Option<String>,
}

impl TokenCells {
    /// The token. Its access and bindings are read fail-closed: a value we
    /// never write is an error (exit 10), never read-write, never "from
    /// anywhere", never "no limit".
    pub(super) fn token(self) -> Result<Token> {
        let refused = |what: &str, fix: &str| -> anyhow::Error {
            Error::storage(format!(
                "token {} has {what} tokenctl does not know; it is refused",
                crate::domain::text::quoted(&self.name)
            ))
            .hint(format!(
                "the database was edited outside tokenctl: check it, then set {fix} with `tokenctl modify`"
            ))
            .into()
        };
        let Some(access) = Access::from_stored(&self.access) else {
            return Err(refused("an access value", "the access"));
        };
        let Some(allowed_from) = binding::blocks_from_text(&self.allowed_from) else {
            return Err(refused("an address block", "--allow-from"));
        };
        let rate = match self.rate.as_deref() {
            Some(r) => Some(Rate::from_stored(r).ok_or_else(|| refused("a rate", "--rate"))?),
            None => None,
        };
        let not_before = match self.not_before.as_deref() {
            Some(t) => {
                Some(time(Some(t)).ok_or_else(|| refused("a not-before time", "--not-before"))?)
            }
            None => None,
        };
        Ok(Token {
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            pool: self.pool,
            access,
            owner: self.owner,
            disabled: self.disabled,
            created_at: time(self.created_at.as_deref()).unwrap_or_default(),
            created_by: self.created_by,
            expires_at: time(self.expires_at.as_deref()),
            last_used: self
                .last_used
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            renewed_at: time(self.renewed_at.as_deref()),
            allowed_from,
            not_before,
            rate,
            last_used_from: self.last_used_from.and_then(|a| a.parse().ok()),
        })
    }
}

/// A text cell as the engine read it.
pub(super) enum Cell {
    Text(String),
    Null,
    /// Stored, but not text (another type, or not UTF-8): why.
    NotText(&'static str),
}

/// A whole-number cell as the engine read it.
pub(super) enum Number {
    Is(i64),
    Null,
    /// Stored, but not a whole number.
    Other,
}

/// A log row's cells, as the engine read them: the id and token id, and the
/// texts in [`LOG_COLUMNS`] order (at, actor, op, token, prefix, details,
/// hash).
pub(super) struct LogCells {
    pub id: Number,
    pub token_id: Number,
    pub texts: [Cell; 7],
}

impl LogCells {
    /// The entry with its token id, or why it no longer reads as an entry
    /// we wrote (a column of the wrong type, an unknown operation, a hash
    /// that is not 64 hex digits, details that are not JSON).
    pub(super) fn entry(self) -> StoredEntry {
        let Number::Is(id) = self.id else {
            return Err(Unreadable {
                id: None,
                why: "its id is not a whole number".into(),
            });
        };
        let unreadable = |why: String| Err(Unreadable { id: Some(id), why });
        let token_id = match self.token_id {
            Number::Is(n) => Some(n),
            Number::Null => None,
            Number::Other => return unreadable("its token id is not a whole number".into()),
        };
        const WHAT: [(&str, bool); 7] = [
            ("time", true),
            ("actor", true),
            ("operation", true),
            ("token", false),
            ("prefix", false),
            ("details", true),
            ("hash", true),
        ];
        let mut texts: Vec<Option<String>> = Vec::with_capacity(7);
        for (cell, (what, required)) in self.texts.into_iter().zip(WHAT) {
            match cell {
                Cell::Text(t) => texts.push(Some(t)),
                Cell::Null if required => return unreadable(format!("its {what} is missing")),
                Cell::Null => texts.push(None),
                Cell::NotText(why) => return unreadable(format!("its {what} is {why}")),
            }
        }
        let mut texts = texts.into_iter();
        let mut next = || texts.next().flatten();
        let (at, actor, op, token, prefix, details, hash) =
            (next(), next(), next(), next(), next(), next(), next());
        let (Some(at), Some(actor), Some(op), Some(details), Some(hash)) =
            (at, actor, op, details, hash)
        else {
            return unreadable("a column it needs is missing".into());
        };
        let Some(op) = Op::parse(&op) else {
            return unreadable("its operation is not one tokenctl writes".into());
        };
        let Ok(details) = serde_json::value::RawValue::from_string(details) else {
            return unreadable("its details are not JSON".into());
        };
        if !crate::domain::chain::is_hash(&hash) {
            return unreadable("its hash is not 64 lowercase hex digits".into());
        }
        Ok((
            LogEntry {
                id,
                at,
                actor,
                op,
                token,
                prefix,
                details,
                hash,
            },
            token_id,
        ))
    }

    /// The entry for display: one that no longer reads is a failure to
    /// read, pointing at `log verify`.
    pub(super) fn shown_entry(self) -> Result<LogEntry> {
        self.entry().map(|(e, _)| e).map_err(|u| {
            Error::storage(format!(
                "log entry {} no longer reads ({}); it was tampered with",
                u.id.map_or("?".into(), |id| id.to_string()),
                u.why
            ))
            .hint("run `tokenctl log verify`")
            .into()
        })
    }
}

/// Which of its parent's secrets an access token was made with: the
/// current one, the old one of a grace still running, or one the parent no
/// longer has.
pub(super) fn made_with(
    parent: &Token,
    made_by: Option<String>,
    old_prefix: Option<String>,
    grace_until: Option<DateTime<Utc>>,
) -> MadeWith {
    match (made_by, old_prefix, grace_until) {
        (Some(m), _, _) if m == parent.prefix => MadeWith::Current,
        (Some(m), Some(old), Some(grace_until)) if m == old => MadeWith::Old { grace_until },
        _ => MadeWith::Gone,
    }
}
