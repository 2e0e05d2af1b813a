//! The domain: tokens, pools and their fields as the contract names them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use crate::domain::when::rfc3339;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::domain::binding::Rate;
use crate::error::Error;

/// The one API type for now.
pub const API: &str = "DataMailbox";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::ReadOnly => "read-only",
            Access::ReadWrite => "read-write",
        }
    }

    /// The stored text back, fail-closed: anything but the two values we
    /// write is `None`, never read-write.
    pub fn from_stored(s: &str) -> Option<Access> {
        match s {
            "read-only" => Some(Access::ReadOnly),
            "read-write" => Some(Access::ReadWrite),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Active,
    Disabled,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
            Status::Expired => "expired",
        }
    }
}

/// A token as stored, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub pool: Option<String>,
    pub access: Access,
    pub owner: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used: Option<NaiveDate>,
    pub renewed_at: Option<DateTime<Utc>>,
    /// The blocks it may be used from, normalised; empty: anywhere.
    pub allowed_from: Vec<IpNet>,
    /// Not good before this time.
    pub not_before: Option<DateTime<Utc>>,
    /// At most this many good checks per period in `serve`.
    pub rate: Option<Rate>,
    /// The address given with the check that last wrote `last_used`.
    pub last_used_from: Option<IpAddr>,
}

impl Token {
    /// Bound to addresses: a check must say where it comes from.
    pub fn bound_to_addresses(&self) -> bool {
        !self.allowed_from.is_empty()
    }

    /// Disabled wins over expired: re-enabling an expired token leaves it expired.
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        if self.disabled {
            Status::Disabled
        } else if self.expires_at.is_some_and(|t| t <= now) {
            Status::Expired
        } else {
            Status::Active
        }
    }

    /// A token that stands for "a row" where there is none (a CSV header).
    pub fn example() -> Token {
        Token {
            id: 0,
            name: String::new(),
            prefix: String::new(),
            pool: None,
            access: Access::ReadOnly,
            owner: None,
            disabled: false,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            created_by: String::new(),
            expires_at: None,
            last_used: None,
            renewed_at: None,
            allowed_from: Vec::new(),
            not_before: None,
            rate: None,
            last_used_from: None,
        }
    }

    /// The token as the contract shows it (spec section 2), at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> TokenView<'_> {
        TokenView {
            name: &self.name,
            prefix: &self.prefix,
            pool: self.pool.as_deref(),
            api: API,
            access: self.access,
            owner: self.owner.as_deref(),
            status: self.status(now),
            created_at: Time(self.created_at),
            created_by: &self.created_by,
            expires_at: self.expires_at.map(Time),
            last_used: self.last_used.map(Day),
            renewed_at: self.renewed_at.map(Time),
            allowed_from: self.allowed_from.iter().map(ToString::to_string).collect(),
            not_before: self.not_before.map(Time),
            rate: self.rate.map(|r| r.to_string()),
            last_used_from: self.last_used_from.map(|a| a.to_string()),
        }
    }
}

/// A time as the contract writes it: RFC 3339, UTC, whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub DateTime<Utc>);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

/// A date `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub NaiveDate);

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.format("%Y-%m-%d"))
    }
}

/// The one definition of a token's JSON object and CSV row (spec section 2):
/// its keys, in the contract's order.
#[derive(Debug, Clone, Serialize)]
pub struct TokenView<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub pool: Option<&'a str>,
    pub api: &'static str,
    pub access: Access,
    pub owner: Option<&'a str>,
    pub status: Status,
    pub created_at: Time,
    pub created_by: &'a str,
    pub expires_at: Option<Time>,
    pub last_used: Option<Day>,
    pub renewed_at: Option<Time>,
    /// JSON: an array; CSV: the blocks joined by single spaces.
    pub allowed_from: Vec<String>,
    pub not_before: Option<Time>,
    pub rate: Option<String>,
    pub last_used_from: Option<String>,
}

/// A device pool a token may be tied to; as JSON, with how many tokens it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pool {
    pub name: String,
    pub tokens: i64,
    #[serde(serialize_with = "as_time")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl Pool {
    /// A pool that stands for "a row" where there is none (a CSV header).
    pub fn example() -> Pool {
        Pool {
            name: String::new(),
            tokens: 0,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            created_by: String::new(),
        }
    }
}

fn as_time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    Time(*t).serialize(s)
}

/// The operations that change something, as the account log names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    New,
    Modify,
    Delete,
    Renew,
    Disable,
    Enable,
    PoolAdd,
    PoolRemove,
    Exchange,
    Policy,
}

impl Op {
    pub const ALL: [Op; 10] = [
        Op::New,
        Op::Modify,
        Op::Delete,
        Op::Renew,
        Op::Disable,
        Op::Enable,
        Op::PoolAdd,
        Op::PoolRemove,
        Op::Exchange,
        Op::Policy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::New => "new",
            Op::Modify => "modify",
            Op::Delete => "delete",
            Op::Renew => "renew",
            Op::Disable => "disable",
            Op::Enable => "enable",
            Op::PoolAdd => "pool-add",
            Op::PoolRemove => "pool-remove",
            Op::Exchange => "exchange",
            Op::Policy => "policy",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == s)
    }
}

/// One entry of the account log (spec section 7), keys in the contract's
/// order. `details` is kept as the JSON text that was stored: written out
/// as is, parsed only where it is read (the chain, the table).
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub op: Op,
    pub token: Option<String>,
    pub prefix: Option<String>,
    pub details: Box<serde_json::value::RawValue>,
    pub hash: String,
}

impl LogEntry {
    /// An entry that stands for "a row" where there is none (a CSV header).
    pub fn example() -> LogEntry {
        LogEntry {
            id: 0,
            at: String::new(),
            actor: String::new(),
            op: Op::New,
            token: None,
            prefix: None,
            details: serde_json::value::RawValue::from_string("{}".into()).expect("{} is JSON"),
            hash: String::new(),
        }
    }
}

/// What a change tells the log about itself.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor: &'a str,
    pub op: Op,
    pub token_id: Option<i64>,
    pub token: Option<&'a str>,
    pub prefix: Option<&'a str>,
    pub details: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An entry about token `t` (its id, name and prefix), by `actor`: the
    /// one constructor; an entry that names another prefix or name (a
    /// renew's new prefix, a rename) says so with `..Event::about(…)`.
    pub fn about(actor: &'a str, op: Op, t: &'a Token, details: serde_json::Value) -> Event<'a> {
        Event {
            actor,
            op,
            token_id: Some(t.id),
            token: Some(&t.name),
            prefix: Some(&t.prefix),
            details,
        }
    }
}

/// The `details` object of a log entry, with `reason` when one was given.
pub fn details_with_reason(
    mut details: serde_json::Map<String, serde_json::Value>,
    reason: Option<&str>,
) -> serde_json::Value {
    if let Some(r) = reason {
        details.insert("reason".into(), r.into());
    }
    serde_json::Value::Object(details)
}

pub const NAME_MAX: usize = 64;

/// Names of tokens and pools, owners and actors (spec section 2): 1–64
/// characters, starting with a letter or digit, without control, format
/// (zero-width, bidi overrides) or line/paragraph separator characters, no
/// trailing white space, and never holding a token. `ci-bot` and `ci-bot`
/// followed by a zero-width space can therefore not both exist.
pub fn check_name(what: &str, name: &str) -> Result<(), Error> {
    let hint = "use 1-64 characters that start with a letter or digit, without control or invisible characters";
    if crate::domain::token::contains_token(name) {
        return Err(Error::usage(format!(
            "the {what} holds a whole token; it was refused and is not shown"
        ))
        .hint(crate::domain::token::IN_HISTORY));
    }
    let count = name.chars().count();
    if count == 0 {
        return Err(Error::usage(format!("the {what} is empty")).hint(hint));
    }
    if count > NAME_MAX {
        return Err(Error::usage(format!(
            "the {what} is {count} characters long; at most {NAME_MAX}"
        ))
        .hint(hint));
    }
    let shown = crate::domain::text::quoted(name);
    if name.chars().any(crate::domain::text::is_hidden) {
        return Err(Error::usage(format!(
            "the {what} {shown} has a control or invisible character"
        ))
        .hint(hint));
    }
    if !name.starts_with(char::is_alphanumeric) {
        return Err(Error::usage(format!(
            "the {what} {shown} does not start with a letter or digit"
        ))
        .hint(hint));
    }
    if name.trim_end() != name {
        return Err(Error::usage(format!("the {what} {shown} ends with white space")).hint(hint));
    }
    Ok(())
}

/// `--reason` is free text, but one line: it lands in the log and in
/// tables. It never holds a token: the log keeps it for ever.
/// A token name already in use (`new`, `modify --name`).
pub(crate) fn name_taken(name: &str) -> Error {
    Error::conflict(format!(
        "a token named {} already exists",
        crate::domain::text::quoted(name)
    ))
}

pub(crate) fn check_reason(reason: Option<&str>) -> Result<(), Error> {
    if reason.is_some_and(crate::domain::token::contains_token) {
        return Err(Error::usage(
            "the reason holds a whole token; it was refused and is not shown",
        )
        .hint(crate::domain::token::IN_HISTORY));
    }
    match reason {
        Some(r)
            if r.trim().is_empty()
                || r.chars().any(crate::domain::text::is_hidden)
                || r.chars().count() > 1000 =>
        {
            Err(Error::usage(
                "the reason must be one line of 1-1000 printable characters",
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_of_the_spec() {
        assert!(check_name("name", "ci-bot").is_ok());
        assert!(check_name("name", "Ünïcødé ok").is_ok());
        assert!(check_name("name", &"x".repeat(64)).is_ok());
        assert!(check_name("name", &"é".repeat(64)).is_ok());
        assert!(check_name("name", "9lives").is_ok());
        for bad in [
            "",
            " x",
            "x ",
            "a\tb",
            "a\nb",
            "\u{7f}",
            &"x".repeat(65),
            "-rf",
            "_x",
            "ci-bot\u{200b}",
            "\u{200b}ci-bot",
            "ci\u{202e}bot",
            "ci\u{2028}bot",
            "ci\u{2029}bot",
            "a\u{feff}",
            "a\u{1b}]52;c;eA==\u{7}",
        ] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn check_name_never_panics(s in "\\PC{0,80}|[\\x00-\\x1f ]{0,5}") {
            let _ = check_name("name", &s);
        }
    }
}
