//! Checking a presented token (spec section 6), as a library: read the
//! credential out of the forms clients send, then one indexed lookup by
//! prefix and one argon2 verification.
//!
//! ```no_run
//! use tokenctl::verify::{self, Requirements};
//! let outcome = verify::once(
//!     std::path::Path::new("/var/lib/tokenctl/tokenctl.db"),
//!     "Authorization: Bearer tkc1Ab3dE9xQ…",
//!     &Requirements { write: true, pool: Some("plant-a".into()), ..Default::default() },
//! )?;
//! match outcome {
//!     Ok(good) => println!("{} may write to plant-a", good.token.name),
//!     Err(reason) => println!("rejected: {}", reason.as_str()),
//! }
//! # Ok::<(), tokenctl::error::Error>(())
//! ```

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::model::{Access, Time, Token, TokenView};
use crate::store::{Credential, Db, MadeWith};
use crate::token;

/// The most we read of the input: a credential is one short line.
pub const MAX_INPUT: u64 = 64 * 1024;

/// Why a token was refused, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    Malformed,
    Unknown,
    Expired,
    Disabled,
    Access,
    Pool,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unknown => "unknown",
            Reason::Expired => "expired",
            Reason::Disabled => "disabled",
            Reason::Access => "access",
            Reason::Pool => "pool",
        }
    }

    /// For people: what the reason means.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::Malformed => {
                "not a well-formed token: mistyped, truncated or in an unknown form"
            }
            Reason::Unknown => "no such token",
            Reason::Expired => "the token has expired",
            Reason::Disabled => "the token is disabled",
            Reason::Access => "the token is read-only",
            Reason::Pool => "the token belongs to another device pool",
        }
    }
}

/// A good answer as the contract shows it (`verify --format json`, the
/// body of `serve`'s answer): `"valid": true`, the token's fields, and how
/// it matched.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted<'a> {
    pub valid: bool,
    #[serde(flatten)]
    pub token: TokenView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_until: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessTokenView<'a>>,
}

/// The access token that was presented, beside its parent's fields.
#[derive(Debug, Clone, Serialize)]
pub struct AccessTokenView<'a> {
    pub prefix: &'a str,
    pub expires_at: Time,
}

impl<'a> Accepted<'a> {
    /// `token` is the good token's fields as they are to be shown (with
    /// this check as its last use).
    pub fn new(token: &'a Token, good: &'a Good, now: DateTime<Utc>) -> Accepted<'a> {
        Accepted {
            valid: true,
            token: token.view(now),
            grace_until: match good.via {
                Via::Old { grace_until } => Some(Time(grace_until)),
                _ => None,
            },
            access_token: match &good.via {
                Via::Access { prefix, expires_at } => Some(AccessTokenView {
                    prefix,
                    expires_at: Time(*expires_at),
                }),
                _ => None,
            },
        }
    }
}

/// A refusal as the contract shows it: `{"valid": false, "reason": R}`.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub valid: bool,
    pub reason: Reason,
}

impl Rejected {
    pub fn new(reason: Reason) -> Rejected {
        Rejected {
            valid: false,
            reason,
        }
    }
}

/// What the use needs: write access, and/or a given device pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    pub write: bool,
    pub pool: Option<String>,
    /// A pool named in a second place (`serve`: the auth URL and a
    /// header): the token must be in this one too. Requirements only add
    /// up, so two different pools refuse every token (`pool`).
    pub also_pool: Option<String>,
}

impl Requirements {
    /// Add a pool requirement: the first fills `pool`, a different second
    /// one `also_pool`; the same pool twice is one requirement.
    pub fn add_pool(&mut self, pool: String) {
        match &self.pool {
            None => self.pool = Some(pool),
            Some(p) if *p == pool => {}
            Some(_) => self.also_pool = Some(pool),
        }
    }
}

/// Which secret matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The token's current secret; `ends_grace` when this first use ends the
    /// grace of the secret it replaced.
    Current { ends_grace: bool },
    /// The secret a renew replaced, still good until `grace_until`.
    Old { grace_until: DateTime<Utc> },
    /// An access token from `exchange`, good until `expires_at`.
    Access {
        prefix: String,
        expires_at: DateTime<Utc>,
    },
}

/// A token that is good for the use asked about.
#[derive(Debug, Clone)]
pub struct Good {
    /// The API token (for an access token, its parent).
    pub token: Token,
    pub via: Via,
    /// The prefix that was presented.
    pub prefix: String,
    /// The argon2 PHC string that the presented token matched.
    pub(crate) hash: String,
}

/// The first line of the input, read as soon as it has arrived: the read
/// never waits for the end of the input (a service may keep its pipe open;
/// a person pastes and presses Enter). A line longer than [`MAX_INPUT`]
/// bytes comes back empty, which is `malformed`. Anything that is not UTF-8
/// fails the format check.
pub fn read_input(input: impl BufRead) -> std::io::Result<Zeroizing<String>> {
    // Room for the longest line, so the buffer never moves (and leaves no
    // copy of the secret behind).
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_INPUT as usize + 1));
    input.take(MAX_INPUT + 1).read_until(b'\n', &mut buf)?;
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() as u64 > MAX_INPUT {
        return Ok(Zeroizing::new(String::new()));
    }
    Ok(Zeroizing::new(String::from_utf8_lossy(&buf).into_owned()))
}

/// The token out of any of the forms clients send: `TOKEN`, `Bearer TOKEN`,
/// `ApiKey-v1 TOKEN`, `Authorization: Bearer|ApiKey-v1 TOKEN`,
/// `t2mtoken=TOKEN`, or a form body holding `t2mtoken=TOKEN` or the legacy
/// `t2musername=t2m-api-token&t2mpassword=TOKEN` (percent-decoded). `None`
/// for an unknown form such as `Basic …`.
pub fn extract(line: &str) -> Option<Zeroizing<String>> {
    let line = line.trim();
    let credentials = match line.split_once(':') {
        Some((header, value)) if header.trim().eq_ignore_ascii_case("authorization") => {
            return scheme_value(value.trim());
        }
        _ => line,
    };
    if credentials.contains('=') {
        return form_value(credentials);
    }
    if credentials.contains(char::is_whitespace) {
        return scheme_value(credentials);
    }
    Some(Zeroizing::new(credentials.to_owned()))
}

/// The token out of the input, if it is in a known form and well-formed
/// (checksum included): what is worth a database lookup.
pub fn presented(input: &str) -> Option<Zeroizing<String>> {
    extract(input).filter(|t| token::is_well_formed(t))
}

/// `Bearer TOKEN` or `ApiKey-v1 TOKEN` (schemes are case-insensitive).
fn scheme_value(s: &str) -> Option<Zeroizing<String>> {
    let (scheme, value) = s.split_once(char::is_whitespace)?;
    let known = ["bearer", "apikey-v1"];
    known
        .iter()
        .any(|k| scheme.eq_ignore_ascii_case(k))
        .then(|| Zeroizing::new(value.trim().to_owned()))
}

/// A form body: `t2mtoken=…`, or the legacy user/password pair.
fn form_value(body: &str) -> Option<Zeroizing<String>> {
    let mut token = None;
    let mut legacy_user = false;
    let mut legacy_password = None;
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "t2mtoken" => token = Some(Zeroizing::new(v.into_owned())),
            "t2musername" => legacy_user = v == "t2m-api-token",
            "t2mpassword" => legacy_password = Some(Zeroizing::new(v.into_owned())),
            _ => {}
        }
    }
    token.or_else(|| legacy_password.filter(|_| legacy_user))
}

/// Check a token that passed the format check. Does not write: a good
/// result says what to record ([`record_use`]).
pub(crate) fn check(
    db: &mut dyn Db,
    presented: &str,
    needs: &Requirements,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Good, Reason>> {
    let found = lookup(db, presented)?;
    Ok(judge(found, presented, needs, now, |hash| {
        token::matches(presented, hash)
    }))
}

/// What the store holds for the presented token's prefix: `None` for a
/// malformed token (nothing is looked up) or an unknown prefix.
pub(crate) fn lookup(db: &mut dyn Db, presented: &str) -> Result<Option<Credential>> {
    let Some(kind) = token::kind_of(presented) else {
        return Ok(None);
    };
    db.credential(kind, token::prefix_of(presented))
}

/// The decision on what was found, with `matches(hash)` as the argon2 check
/// of the presented token against the stored hash (a long-lived
/// [`Verifier`](crate::verifier::Verifier) may answer it from memory). One
/// decision path for `verify`, `serve` and the library.
pub(crate) fn judge(
    found: Option<Credential>,
    presented: &str,
    needs: &Requirements,
    now: DateTime<Utc>,
    matches: impl FnOnce(&str) -> bool,
) -> std::result::Result<Good, Reason> {
    if token::kind_of(presented).is_none() {
        return Err(Reason::Malformed);
    }
    let prefix = token::prefix_of(presented).to_owned();
    // An unknown prefix is answered without argon2 work (spec section 6).
    let Some(found) = found else {
        return Err(Reason::Unknown);
    };
    let hash = found.hash().to_owned();
    // The secret first: a wrong secret says "unknown", never that the prefix exists.
    let (token, via) = match found {
        Credential::Current {
            token,
            grace_pending,
            ..
        } => (
            token,
            Via::Current {
                ends_grace: grace_pending,
            },
        ),
        Credential::Old {
            token, grace_until, ..
        } => {
            if grace_until <= now {
                return Err(Reason::Unknown);
            }
            (token, Via::Old { grace_until })
        }
        Credential::Access {
            parent,
            expires_at,
            made_with,
            ..
        } => {
            // Made with a secret the parent no longer has (renewed, or its
            // grace ended): dead, as if deleted.
            let expires_at = match made_with {
                MadeWith::Current => expires_at,
                MadeWith::Old { grace_until } if grace_until > now => expires_at.min(grace_until),
                MadeWith::Old { .. } | MadeWith::Gone => return Err(Reason::Unknown),
            };
            (
                parent,
                Via::Access {
                    prefix: prefix.clone(),
                    expires_at,
                },
            )
        }
    };
    if !matches(&hash) {
        return Err(Reason::Unknown);
    }
    if let Via::Access { expires_at, .. } = &via
        && *expires_at <= now
    {
        return Err(Reason::Expired);
    }
    if token.disabled {
        return Err(Reason::Disabled);
    }
    if token.expires_at.is_some_and(|t| t <= now) {
        return Err(Reason::Expired);
    }
    if needs.write && token.access == Access::ReadOnly {
        return Err(Reason::Access);
    }
    for pool in needs.pool.iter().chain(&needs.also_pool) {
        if token.pool.as_deref() != Some(pool.as_str()) {
            return Err(Reason::Pool);
        }
    }
    Ok(Good {
        token,
        via,
        prefix,
        hash,
    })
}

/// Whether a good check has something to record: the first use today, or
/// the first use of a renewed token (which ends the old secret's grace).
pub(crate) fn needs_recording(good: &Good, now: DateTime<Utc>) -> bool {
    good.token.last_used != Some(now.date_naive())
        || good.via == (Via::Current { ends_grace: true })
}

/// Record a good check: `last_used` becomes today (at most one write a day),
/// and a renewed token's first use ends the old secret's grace.
pub(crate) fn record_use(db: &mut dyn Db, good: &Good, now: DateTime<Utc>) -> Result<()> {
    db.touch(good.token.id, now.date_naive())?;
    if good.via == (Via::Current { ends_grace: true }) {
        db.end_grace_if_current(good.token.id, &good.prefix)?;
    }
    Ok(())
}

/// The whole check against a store file, once, for a Rust service that
/// embeds tokenctl instead of running it: extract, check, record. The
/// outcome is the same as `tokenctl verify`'s for the same input; a store
/// that cannot be used is the error, its [`Kind`](crate::error::Kind) as
/// the command's exit code says (no store: `NotFound`; not ours or
/// failing: `Storage`). A long-running service keeps a
/// [`Verifier`](crate::verifier::Verifier) instead.
pub fn once(
    db: &Path,
    input: &str,
    needs: &Requirements,
) -> std::result::Result<std::result::Result<Good, Reason>, crate::error::Error> {
    if presented(input).is_none() {
        return Ok(Err(Reason::Malformed));
    }
    let options = crate::verifier::Options {
        cache_ttl: std::time::Duration::ZERO,
        max_hashing: 1,
        db_connections: 1,
    };
    let verifier = crate::verifier::Verifier::open(db, options)?;
    let outcome = verifier.check(input, needs)?;
    if let Ok(good) = &outcome {
        verifier.record(good)?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T: &str = "tkc1Ab3dE9xQ0123456789abcdefghijABCDEFGHIJ000000";

    fn ex(s: &str) -> Option<String> {
        extract(s).map(|z| z.as_str().to_owned())
    }

    #[test]
    fn every_form_of_the_spec() {
        for form in [
            T.to_owned(),
            format!("Bearer {T}"),
            format!("bearer {T}"),
            format!("ApiKey-v1 {T}"),
            format!("Authorization: Bearer {T}"),
            format!("authorization:   ApiKey-v1 {T}  "),
            format!("t2mtoken={T}"),
            format!("t2maccount=acme&t2mtoken={T}&other=1"),
            format!("t2maccount=acme&t2musername=t2m-api-token&t2mpassword={T}"),
            format!(
                "t2musername=t2m%2Dapi%2Dtoken&t2mpassword={}",
                T.replace('A', "%41")
            ),
            format!("{T}\r"),
        ] {
            assert_eq!(ex(&form).as_deref(), Some(T), "{form:?}");
        }
    }

    #[test]
    fn unknown_forms_are_malformed() {
        for form in [
            format!("Basic {T}"),
            format!("Authorization: Basic {T}"),
            format!("Authorization: {T}"),
            format!("t2musername=someone&t2mpassword={T}"),
            "t2maccount=acme".to_owned(),
        ] {
            assert_eq!(ex(&form), None, "{form:?}");
        }
    }

    #[test]
    fn the_read_is_bounded_and_takes_the_first_line() {
        let big = format!("{T}\n{}", "x".repeat(10 << 20));
        assert_eq!(read_input(big.as_bytes()).unwrap().as_str(), T);
        let no_newline = "y".repeat(10 << 20);
        assert_eq!(read_input(no_newline.as_bytes()).unwrap().as_str(), "");
        let longest = "y".repeat(MAX_INPUT as usize);
        assert_eq!(
            read_input(longest.as_bytes()).unwrap().len() as u64,
            MAX_INPUT
        );
        assert_eq!(
            read_input(&[0xff, 0xfe, b'\n'][..]).unwrap().as_str(),
            "\u{fffd}\u{fffd}"
        );
    }

    proptest! {
        #[test]
        fn any_input_extracts_or_not_without_panicking(s in "\\PC{0,200}") {
            let _ = extract(&s);
        }

        #[test]
        fn any_bytes_read_without_panicking(b in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let line = read_input(&b[..]).unwrap();
            let _ = extract(&line);
        }
    }
}
