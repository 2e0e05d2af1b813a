//! The account's events as webhooks (spec section 14), signed as the
//! Standard Webhooks specification says: `webhook-id`, `webhook-timestamp`
//! and `webhook-signature: v1,BASE64`, an HMAC-SHA256 over
//! `ID.TIMESTAMP.BODY` with the decoded bytes of a `whsec_` secret.
//! No I/O here: what an event is, what it says, and its signature.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::domain::model::{LogEntry, Op, Status, Token, TokenView};
use crate::domain::when::{self, rfc3339};
use crate::error::Error;

/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// Base64 with or without its padding, as the reference libraries accept.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The signing key: the decoded bytes of the secret, wiped when dropped.
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// The text of a secret file: `whsec_BASE64` (the prefix may be left
    /// out, as the reference libraries allow), a trailing newline ignored.
    /// Errors never show the text.
    pub fn parse(text: &str) -> Result<Secret, Error> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let hint = "the file holds one line, whsec_ and the key in base64, as the \
                    receiver's Standard Webhooks library takes it";
        let key = LENIENT
            .decode(encoded)
            .map(Zeroizing::new)
            .map_err(|_| Error::usage("the webhook secret is not whsec_ and base64").hint(hint))?;
        if key.is_empty() {
            return Err(Error::usage("the webhook secret is empty").hint(hint));
        }
        Ok(Secret(key))
    }

    /// `webhook-signature`'s value for one attempt at `timestamp` (seconds).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Where events go: the URL as given (sent to, never shown), as shown
/// (credentials and query hidden), and the name its delivery state has in
/// the store (a digest of the URL without its credentials, so that a new
/// password keeps the place; nothing secret is stored).
#[derive(Clone)]
pub struct Target {
    url: String,
    userinfo: Option<String>,
    pub shown: String,
    pub key: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl Target {
    /// An `http://` or `https://` URL with a host. Errors never show it.
    pub fn parse(flag: &str, text: &str) -> Result<Target, Error> {
        let bad = || {
            Error::usage(format!(
                "{flag} is not an http:// or https:// URL with a host"
            ))
            .hint("give the endpoint's URL, such as https://hooks.example/tokenctl")
        };
        let (scheme, rest) = text.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_owned()), h),
            None => (None, authority),
        };
        if host.is_empty()
            || text.chars().any(|c| c.is_control() || c.is_whitespace())
            || tail.contains('#')
        {
            return Err(bad());
        }
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        let shown = format!(
            "{scheme}://{}{host}{path}{}",
            if userinfo.is_some() { "***@" } else { "" },
            if query.is_some() { "?***" } else { "" }
        );
        let plain = format!(
            "{scheme}://{host}{path}{}",
            query.map(|q| format!("?{q}")).unwrap_or_default()
        );
        let key = Sha256::digest(plain.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Target {
            url: text.to_owned(),
            userinfo,
            shown,
            key,
        })
    }

    /// The URL to send to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `text` (an error from the HTTP client) with the URL's credentials
    /// and query hidden, whole or in parts.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(&self.url, &self.shown);
        let mut secrets: Vec<&str> = Vec::new();
        if let Some(u) = &self.userinfo {
            secrets.push(u);
            secrets.extend(u.split(':'));
        }
        if let Some((_, q)) = self.url.split_once('?') {
            secrets.push(q);
        }
        for s in secrets.into_iter().filter(|s| s.len() >= 3) {
            out = out.replace(s, "***");
        }
        out
    }
}

/// One event to deliver: its `webhook-id`, its JSON body, and what
/// delivering it moves (the log cursor, or an expiry mark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub body: Vec<u8>,
    pub about: About,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    /// The log entry with this id.
    Log(i64),
    /// An expiry event of a token, remembered by its id once delivered.
    Expiry,
}

/// The body: `{"type": T, "timestamp": RFC3339, "data": D}`.
#[derive(Serialize)]
struct Body<'a, D: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: &'a str,
    data: D,
}

fn body<D: Serialize>(kind: &str, timestamp: &str, data: D) -> Vec<u8> {
    serde_json::to_vec(&Body {
        kind,
        timestamp,
        data,
    })
    .expect("an event is JSON")
}

/// The event type of a log entry's operation.
pub fn event_type(op: Op) -> &'static str {
    match op {
        Op::New => "token.created",
        Op::Modify => "token.modified",
        Op::Delete => "token.deleted",
        Op::Renew => "token.renewed",
        Op::Disable => "token.disabled",
        Op::Enable => "token.enabled",
        Op::Exchange => "token.exchanged",
        Op::PoolAdd => "pool.added",
        Op::PoolRemove => "pool.removed",
        Op::Policy => "policy.changed",
    }
}

/// One event per log entry: `D` is the entry as `log --format json` prints it.
pub fn log_event(entry: &LogEntry) -> Event {
    Event {
        id: format!("log-{}", entry.id),
        body: body(event_type(entry.op), &entry.at, entry),
        about: About::Log(entry.id),
    }
}

/// A lead time of `--expiring`, as given (`14d`) and as a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    pub text: String,
    pub span: chrono::Duration,
}

/// The lead times of `--expiring`, larger first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leads(pub Vec<Lead>);

/// `--expiring LEADS`: durations joined by commas, larger first, each once;
/// `none` for no `token.expiring` events.
pub fn parse_leads(flag: &str, text: &str) -> Result<Vec<Lead>, Error> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut leads: Vec<Lead> = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let span = match when::parse(part) {
            Ok(when::When::In(d)) if d > chrono::Duration::zero() => d,
            _ => {
                return Err(Error::usage(format!(
                    "{flag}: {} is not a duration longer than zero",
                    crate::domain::text::quoted(part)
                ))
                .hint("give durations joined by commas, such as 14d,3d,1d (or none)"));
            }
        };
        if !leads.iter().any(|l| l.span == span) {
            leads.push(Lead {
                text: part.to_owned(),
                span,
            });
        }
    }
    leads.sort_by_key(|l| std::cmp::Reverse(l.span));
    Ok(leads)
}

/// `token.expiring`'s data: the token's object and the lead it is within.
#[derive(Serialize)]
struct Expiring<'a> {
    #[serde(flatten)]
    token: TokenView<'a>,
    within: &'a str,
}

/// The expiry events due for `token` at `now` that `sent` does not hold,
/// larger lead first, then `token.expired`; and when the next one falls due.
pub fn expiry_due<S: std::hash::BuildHasher>(
    token: &Token,
    leads: &[Lead],
    now: DateTime<Utc>,
    sent: &HashSet<String, S>,
) -> (Vec<Event>, Option<DateTime<Utc>>) {
    let mut due = Vec::new();
    let Some(expires) = token.expires_at else {
        return (due, None);
    };
    let mut next = None;
    let seen = rfc3339(now);
    match token.status(now) {
        Status::Active => {
            for lead in leads {
                let from = expires.checked_sub_signed(lead.span).unwrap_or(expires);
                let id = format!("expiring-{}-{}", token.prefix, lead.text);
                if from > now {
                    next = Some(next.map_or(from, |n: DateTime<Utc>| n.min(from)));
                } else if !sent.contains(&id) {
                    let data = Expiring {
                        token: token.view(now),
                        within: &lead.text,
                    };
                    due.push(Event {
                        body: body("token.expiring", &seen, data),
                        id,
                        about: About::Expiry,
                    });
                }
            }
            next = Some(next.map_or(expires, |n: DateTime<Utc>| n.min(expires)));
        }
        Status::Expired => {
            let id = format!("expired-{}", token.prefix);
            if !sent.contains(&id) {
                due.push(Event {
                    body: body("token.expired", &rfc3339(expires), token.view(now)),
                    id,
                    about: About::Expiry,
                });
            }
        }
        Status::Disabled => {}
    }
    (due, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_read_as_the_reference_libraries_read_it() {
        let with = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap();
        let without = Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(with.0.as_slice(), without.0.as_slice());
        assert!(Secret::parse("whsec_").is_err());
        assert!(Secret::parse("whsec_not base64!").is_err());
        let e = Secret::parse("whsec_sekrit!!\n").err().unwrap();
        assert!(!e.message.contains("sekrit"), "{}", e.message);
    }

    #[test]
    fn the_signature_is_the_specifications_example() {
        // The example of the Standard Webhooks specification's reference tests.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_target_hides_its_credentials_and_query() {
        let t = Target::parse(
            "--webhook",
            "https://bob:pa55word@hooks.example:8443/in?key=k3y",
        )
        .unwrap();
        assert_eq!(t.shown, "https://***@hooks.example:8443/in?***");
        assert_eq!(
            t.url(),
            "https://bob:pa55word@hooks.example:8443/in?key=k3y"
        );
        let other = Target::parse(
            "--webhook",
            "https://alice:other@hooks.example:8443/in?key=k3y",
        )
        .unwrap();
        assert_eq!(t.key, other.key, "a new password keeps the place");
        assert_eq!(
            t.scrub("connect to bob:pa55word@hooks.example failed (pa55word)"),
            "connect to ***@hooks.example failed (***)"
        );
        assert!(format!("{t:?}").find("pa55word").is_none());
        for bad in [
            "ftp://x/",
            "hooks.example/in",
            "http://",
            "https:///x",
            "http://a b/",
        ] {
            let e = Target::parse("--webhook", bad).err().unwrap();
            assert_eq!(
                e.message,
                "--webhook is not an http:// or https:// URL with a host"
            );
        }
    }

    #[test]
    fn leads_are_larger_first_and_once_each() {
        let leads = parse_leads("--expiring", "1d, 14d,3d,24h").unwrap();
        let texts: Vec<&str> = leads.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["14d", "3d", "1d"]);
        assert!(parse_leads("--expiring", "none").unwrap().is_empty());
        assert!(parse_leads("--expiring", "3d,,1d").is_err());
        assert!(parse_leads("--expiring", "0s").is_err());
    }

    #[test]
    fn a_token_first_seen_two_days_before_expiry_gets_the_14d_and_3d_events() {
        let now = Utc::now();
        let mut t = Token::example();
        t.prefix = "AbCdEfGh".into();
        t.expires_at = Some(now + chrono::Duration::days(2));
        let leads = parse_leads("--expiring", "14d,3d,1d").unwrap();
        let (due, next) = expiry_due(&t, &leads, now, &HashSet::new());
        let ids: Vec<&str> = due.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["expiring-AbCdEfGh-14d", "expiring-AbCdEfGh-3d"]);
        assert_eq!(next, Some(now + chrono::Duration::days(1)));
        let sent: HashSet<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        assert!(expiry_due(&t, &leads, now, &sent).0.is_empty());
        let v: serde_json::Value = serde_json::from_slice(&due[1].body).unwrap();
        assert_eq!(v["type"], "token.expiring");
        assert_eq!(v["data"]["within"], "3d");
        assert_eq!(v["data"]["prefix"], "AbCdEfGh");
    }

    #[test]
    fn an_expired_token_gets_token_expired_once_and_a_disabled_one_nothing() {
        let now = Utc::now();
        let mut t = Token::example();
        t.prefix = "AbCdEfGh".into();
        t.expires_at = Some(now - chrono::Duration::hours(1));
        let leads = parse_leads("--expiring", "1d").unwrap();
        let (due, next) = expiry_due(&t, &leads, now, &HashSet::new());
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].id, "expired-AbCdEfGh");
        assert_eq!(next, None);
        let v: serde_json::Value = serde_json::from_slice(&due[0].body).unwrap();
        assert_eq!(v["timestamp"], rfc3339(now - chrono::Duration::hours(1)));
        assert!(v["data"].get("within").is_none());
        t.disabled = true;
        assert!(expiry_due(&t, &leads, now, &HashSet::new()).0.is_empty());
    }
}
