//! The account's policy (spec section 13): rules an administrator sets once
//! for every token. Each key has one kind of value; the values are kept as
//! given (`"90d"`), checked when set and read back fail-closed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::domain::model::Access;
use crate::domain::text::quoted;
use crate::domain::when::{self, When};
use crate::error::Error;

/// A policy key, in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    MaxLifetime,
    DefaultExpiry,
    DefaultAccess,
    RequirePool,
    RequireOwner,
    RequireAllowFrom,
    RequireReason,
    MaxAccessTtl,
    SelfRotation,
    RotationGrace,
}

impl Key {
    pub const ALL: [Key; 10] = [
        Key::MaxLifetime,
        Key::DefaultExpiry,
        Key::DefaultAccess,
        Key::RequirePool,
        Key::RequireOwner,
        Key::RequireAllowFrom,
        Key::RequireReason,
        Key::MaxAccessTtl,
        Key::SelfRotation,
        Key::RotationGrace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Key::MaxLifetime => "max-lifetime",
            Key::DefaultExpiry => "default-expiry",
            Key::DefaultAccess => "default-access",
            Key::RequirePool => "require-pool",
            Key::RequireOwner => "require-owner",
            Key::RequireAllowFrom => "require-allow-from",
            Key::RequireReason => "require-reason",
            Key::MaxAccessTtl => "max-access-ttl",
            Key::SelfRotation => "self-rotation",
            Key::RotationGrace => "rotation-grace",
        }
    }

    /// A key by name; an unknown one is a usage error that lists the keys.
    pub fn parse(name: &str) -> Result<Key, Error> {
        Key::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| {
                Error::usage(format!("{} is not a policy key", quoted(name)))
                    .hint(format!("the keys: {}", Key::names()))
            })
    }

    fn names() -> String {
        Key::ALL.map(Key::as_str).join(", ")
    }

    /// What a value of this key looks like, for messages.
    fn kind(self) -> &'static str {
        match self {
            Key::MaxLifetime | Key::RotationGrace => "a duration such as 90d",
            Key::DefaultExpiry => "a duration such as 30d, or never",
            Key::DefaultAccess => "read-only or read-write",
            Key::RequirePool | Key::RequireOwner | Key::RequireAllowFrom | Key::RequireReason => {
                "true or false"
            }
            Key::MaxAccessTtl => "a duration of at most 24h",
            Key::SelfRotation => "on or off",
        }
    }

    /// The value in force when the key is unset, where the contract names one.
    fn default(self) -> Option<&'static str> {
        match self {
            Key::SelfRotation => Some("off"),
            Key::RotationGrace => Some("24h"),
            _ => None,
        }
    }

    /// `text` as a value of this key, in the form kept (trimmed; words in
    /// lower case), or a usage error naming the key and its kind.
    pub fn value(self, text: &str) -> Result<String, Error> {
        let text = text.trim();
        let wrong = || {
            Error::usage(format!(
                "{} is not a value of {}: it takes {}",
                quoted(text),
                self.as_str(),
                self.kind()
            ))
        };
        let word = text.to_ascii_lowercase();
        let ok = match self {
            Key::MaxLifetime | Key::RotationGrace => positive(text).is_some(),
            Key::DefaultExpiry => word == "never" || positive(text).is_some(),
            Key::DefaultAccess => Access::from_stored(&word).is_some(),
            Key::RequirePool | Key::RequireOwner | Key::RequireAllowFrom | Key::RequireReason => {
                word == "true" || word == "false"
            }
            Key::MaxAccessTtl => positive(text).is_some_and(|d| d <= chrono::Duration::hours(24)),
            Key::SelfRotation => word == "on" || word == "off",
        };
        if !ok {
            return Err(wrong());
        }
        Ok(match self {
            Key::MaxLifetime | Key::RotationGrace | Key::MaxAccessTtl => text.to_owned(),
            Key::DefaultExpiry if word != "never" => text.to_owned(),
            _ => word,
        })
    }
}

/// A positive duration (not `never`, not a date).
fn positive(text: &str) -> Option<chrono::Duration> {
    match when::parse(text) {
        Ok(When::In(d)) if d > chrono::Duration::zero() => Some(d),
        _ => None,
    }
}

/// The policy: the keys that are set, with their values as kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    set: BTreeMap<Key, String>,
}

impl Policy {
    /// The policy from its stored rows; a key or value tokenctl does not
    /// know is refused (exit 10), never ignored: a rule is never dropped.
    pub(crate) fn from_stored(rows: Vec<(String, String)>) -> Result<Policy, Error> {
        let mut set = BTreeMap::new();
        for (key, value) in rows {
            let refused = || {
                Error::storage(format!(
                    "the policy holds {}={} that tokenctl does not know; it is refused",
                    quoted(&key),
                    quoted(&value)
                ))
                .hint("the database was edited outside tokenctl, or by a newer one: set the key again with `tokenctl policy set`")
            };
            let k = Key::parse(&key).map_err(|_| refused())?;
            let v = k.value(&value).map_err(|_| refused())?;
            set.insert(k, v);
        }
        Ok(Policy { set })
    }

    /// The value kept for `key`, if it is set.
    pub fn get(&self, key: Key) -> Option<&str> {
        self.set.get(&key).map(String::as_str)
    }

    /// This policy with `key` set to `value` (`None`: unset), refused when
    /// the values would contradict each other.
    pub(crate) fn with(&self, key: Key, value: Option<String>) -> Result<Policy, Error> {
        let mut next = self.clone();
        match value {
            Some(v) => next.set.insert(key, v),
            None => next.set.remove(&key),
        };
        if let Some(max) = next.max_lifetime() {
            let beyond = match next.get(Key::DefaultExpiry).map(str::to_ascii_lowercase) {
                Some(d) if d == "never" => true,
                Some(d) => positive(&d).is_some_and(|d| d > max),
                None => false,
            };
            if beyond {
                return Err(Error::usage(format!(
                    "default-expiry {} is beyond max-lifetime {}",
                    quoted(next.get(Key::DefaultExpiry).unwrap_or_default()),
                    quoted(next.get(Key::MaxLifetime).unwrap_or_default())
                ))
                .hint(
                    "give a default-expiry of at most max-lifetime, or raise max-lifetime first",
                ));
            }
        }
        Ok(next)
    }

    /// `policy`'s object: every key, with the value in force, the default
    /// where the contract names one, or `null`.
    pub fn shown(&self) -> Map<String, Value> {
        Key::ALL
            .into_iter()
            .map(|k| {
                let value = match (self.get(k), k.default()) {
                    (Some(v), _) => shown_value(k, v),
                    (None, Some(d)) => Value::from(d),
                    (None, None) => Value::Null,
                };
                (k.as_str().to_owned(), value)
            })
            .collect()
    }

    /// The value as the log and `policy` show it: booleans as JSON's.
    pub fn shown_of(&self, key: Key) -> Value {
        self.get(key).map_or(Value::Null, |v| shown_value(key, v))
    }

    fn flag(&self, key: Key) -> bool {
        self.get(key) == Some("true")
    }

    pub(crate) fn max_lifetime(&self) -> Option<chrono::Duration> {
        self.get(Key::MaxLifetime).and_then(positive)
    }

    pub(crate) fn max_access_ttl(&self) -> Option<chrono::Duration> {
        self.get(Key::MaxAccessTtl).and_then(positive)
    }

    /// Whether tokens may renew themselves (`POST /v1/rotate`).
    pub(crate) fn self_rotation(&self) -> bool {
        self.get(Key::SelfRotation) == Some("on")
    }

    /// The grace a self-rotation gives the old secret (default 24 h).
    pub(crate) fn rotation_grace(&self) -> chrono::Duration {
        self.get(Key::RotationGrace)
            .and_then(positive)
            .unwrap_or_else(|| chrono::Duration::hours(24))
    }

    pub(crate) fn require_pool(&self) -> bool {
        self.flag(Key::RequirePool)
    }

    pub(crate) fn require_owner(&self) -> bool {
        self.flag(Key::RequireOwner)
    }

    pub(crate) fn require_allow_from(&self) -> bool {
        self.flag(Key::RequireAllowFrom)
    }

    pub(crate) fn require_reason(&self) -> bool {
        self.flag(Key::RequireReason)
    }

    pub(crate) fn default_access(&self) -> Option<Access> {
        self.get(Key::DefaultAccess).and_then(Access::from_stored)
    }

    /// The expiry `new` gives without `--expires`: `default-expiry`, else
    /// now + `max-lifetime`, else never.
    pub(crate) fn default_expiry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.get(Key::DefaultExpiry) {
            Some("never") => None,
            Some(d) => positive(d).and_then(|d| now.checked_add_signed(d)),
            None => self.max_lifetime().and_then(|m| now.checked_add_signed(m)),
        }
    }

    /// An expiry a `new` or `modify --expires` may set: within
    /// `max-lifetime` of now, and never `never` under it.
    pub(crate) fn check_expiry(
        &self,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let Some(max) = self.max_lifetime() else {
            return Ok(());
        };
        let limit = now.checked_add_signed(max).unwrap_or_else(when::latest);
        match expires_at {
            None => Err(self
                .refuses(Key::MaxLifetime, "a token that never expires")
                .hint("give --expires within it")),
            Some(t) if t > limit => Err(self
                .refuses(
                    Key::MaxLifetime,
                    &format!("an expiry after {}", when::rfc3339(limit)),
                )
                .hint("give an earlier --expires")),
            Some(_) => Ok(()),
        }
    }

    /// The rules a token as it stands breaks (`check`, `list
    /// --out-of-policy`, `policy set`'s count).
    pub(crate) fn broken_by(&self, t: &crate::domain::model::Token) -> Vec<Key> {
        let mut broken = Vec::new();
        if let Some(max) = self.max_lifetime() {
            // How long it was given: from its creation, or its last renew.
            let from = t.renewed_at.unwrap_or(t.created_at);
            if t.expires_at
                .is_none_or(|e| e.signed_duration_since(from) > max)
            {
                broken.push(Key::MaxLifetime);
            }
        }
        if self.require_pool() && t.pool.is_none() {
            broken.push(Key::RequirePool);
        }
        if self.require_owner() && t.owner.is_none() {
            broken.push(Key::RequireOwner);
        }
        if self.require_allow_from() && t.allowed_from.is_empty() {
            broken.push(Key::RequireAllowFrom);
        }
        broken
    }

    /// A rule as messages name it: `max-lifetime 90d`.
    pub fn rule(&self, key: Key) -> String {
        format!("{} {}", key.as_str(), self.get(key).unwrap_or("(unset)"))
    }

    /// A change refused by a rule: exit 2, the rule and its value named.
    pub(crate) fn refuses(&self, key: Key, what: &str) -> Error {
        Error::usage(format!("the policy {} refuses {what}", self.rule(key)))
    }
}

fn shown_value(key: Key, v: &str) -> Value {
    match key {
        Key::RequirePool | Key::RequireOwner | Key::RequireAllowFrom | Key::RequireReason => {
            Value::Bool(v == "true")
        }
        _ => Value::from(v),
    }
}
