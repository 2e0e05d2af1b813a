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

/// Names of tokens and pools (and owners, actors): 1–64 characters, no control
/// characters, no leading or trailing white space.
pub fn check_name(what: &str, name: &str) -> Result<(), Error> {
    let hint = "use 1-64 printable characters without leading or trailing spaces";
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
    if name.chars().any(char::is_control) {
        return Err(
            Error::usage(format!("the {what} {name:?} has a control character")).hint(hint),
        );
    }
    if name.trim() != name {
        return Err(Error::usage(format!(
            "the {what} {name:?} starts or ends with white space"
        ))
        .hint(hint));
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
        for bad in ["", " x", "x ", "a\tb", "a\nb", "\u{7f}", &"x".repeat(65)] {
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
