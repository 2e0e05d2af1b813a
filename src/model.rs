//! The domain: tokens, pools and their fields as the contract names them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::error::Error;
use crate::when::rfc3339;

/// The one API type for now.
pub const API: &str = "DataMailbox";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
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
}

impl Token {
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

    /// The JSON object of spec section 2, keys in the contract's order.
    pub fn to_json(&self, now: DateTime<Utc>) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        let opt = |v: Option<String>| v.map_or(serde_json::Value::Null, serde_json::Value::String);
        m.insert("name".into(), self.name.clone().into());
        m.insert("prefix".into(), self.prefix.clone().into());
        m.insert("pool".into(), opt(self.pool.clone()));
        m.insert("api".into(), API.into());
        m.insert("access".into(), self.access.as_str().into());
        m.insert("owner".into(), opt(self.owner.clone()));
        m.insert("status".into(), self.status(now).as_str().into());
        m.insert("created_at".into(), rfc3339(self.created_at).into());
        m.insert("created_by".into(), self.created_by.clone().into());
        m.insert("expires_at".into(), opt(self.expires_at.map(rfc3339)));
        m.insert(
            "last_used".into(),
            opt(self.last_used.map(|d| d.format("%Y-%m-%d").to_string())),
        );
        m.insert("renewed_at".into(), opt(self.renewed_at.map(rfc3339)));
        m
    }
}

/// A device pool a token may be tied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub tokens: i64,
}

pub const NAME_MAX: usize = 64;

/// Names of tokens and pools, owners and actors (spec section 2): 1–64
/// characters, starting with a letter or digit, without control, format
/// (zero-width, bidi overrides) or line/paragraph separator characters, no
/// trailing white space, and never holding a token. `ci-bot` and `ci-bot`
/// followed by a zero-width space can therefore not both exist.
pub fn check_name(what: &str, name: &str) -> Result<(), Error> {
    let hint = "use 1-64 characters that start with a letter or digit, without control or invisible characters";
    if crate::token::contains_token(name) {
        return Err(Error::usage(format!(
            "the {what} holds a whole token; it was refused and is not shown"
        ))
        .hint("a token typed on a command line is in your shell history: consider `tokenctl renew` for it"));
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
    let shown = crate::text::quoted(name);
    if name.chars().any(crate::text::is_hidden) {
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
