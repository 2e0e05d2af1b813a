//! The decision on a presented token (spec sections 6 and 12): what the
//! store holds for its prefix, judged against the use asked about, with
//! the argon2 check as a closure (a long-lived verifier may answer it from
//! memory). Pure but for [`lookup`] and [`record_use`], which take a `Db`.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::check::presented::Presented;
use crate::domain::binding;
use crate::domain::model::{Access, Time, Token, TokenView};
use crate::domain::token;
use crate::error::Result;
use crate::store::{Credential, Db, MadeWith};

/// Why a token was refused, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Malformed,
    Unknown,
    Expired,
    Disabled,
    /// Not good yet (`--not-before`).
    NotBefore,
    /// Not from an address the token is bound to, or from an unknown one.
    Address,
    Access,
    Pool,
    /// Over the token's rate (`serve` only).
    Rate,
    /// The account's policy does not allow it (`POST /v1/rotate` with
    /// `self-rotation off`).
    Policy,
    /// A secret a renew or a rotation retired, presented with the right
    /// secret: `unknown` to the caller, `retired` in serve's metrics and
    /// access log (so that old deployments can be found).
    Retired,
    /// A secret a self-rotation retired whose successor was already used,
    /// presented again: theft; the token is to be disabled. `unknown` to
    /// the caller, `retired` in metrics and the access log.
    Reused,
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unknown | Reason::Retired | Reason::Reused => "unknown",
            Reason::Expired => "expired",
            Reason::Disabled => "disabled",
            Reason::NotBefore => "not_before",
            Reason::Address => "address",
            Reason::Access => "access",
            Reason::Pool => "pool",
            Reason::Rate => "rate",
            Reason::Policy => "policy",
        }
    }

    /// The reason as serve's metrics and access log name it: a retired
    /// secret is `retired` there, `unknown` to the caller.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Retired | Reason::Reused => "retired",
            other => other.as_str(),
        }
    }

    /// For people: what the reason means.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::Malformed => {
                "not a well-formed token: mistyped, truncated or in an unknown form"
            }
            Reason::Unknown | Reason::Retired | Reason::Reused => "no such token",
            Reason::Expired => "the token has expired",
            Reason::Disabled => "the token is disabled",
            Reason::NotBefore => "the token is not good yet",
            Reason::Address => "the token may not be used from this address",
            Reason::Access => "the token is read-only",
            Reason::Pool => "the token belongs to another device pool",
            Reason::Rate => "the token was used more often than its rate allows",
            Reason::Policy => "the account's policy does not allow this",
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
    /// The client address the check was judged for (`null`: none given).
    pub from: Option<String>,
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
            from: good.from.map(|a| a.to_string()),
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

/// What the use needs: write access, and/or a given device pool; and
/// where the check comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    pub write: bool,
    pub pool: Option<String>,
    /// The client's address, when known (`verify --from`, `serve`'s client
    /// address). A token bound to addresses is refused (`address`) without
    /// it; an unbound token ignores it.
    pub from: Option<IpAddr>,
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
    /// The client address it was judged for, when one was given.
    pub from: Option<IpAddr>,
    /// The argon2 PHC string that the presented token matched.
    pub(crate) hash: String,
}

/// Check a token that passed the format check. Does not write: a good
/// result says what to record ([`record_use`]).
pub(crate) fn check(
    db: &mut dyn Db,
    presented: &Presented,
    needs: &Requirements,
    now: DateTime<Utc>,
) -> Result<std::result::Result<Good, Reason>> {
    let found = lookup(db, presented)?;
    Ok(judge(found, presented, needs, now, |hash| {
        token::matches(presented.secret(), hash)
    }))
}

/// What the store holds for the presented token's prefix: `None` for an
/// unknown prefix.
pub(crate) fn lookup(db: &mut dyn Db, presented: &Presented) -> Result<Option<Credential>> {
    db.credential(presented.kind(), presented.prefix())
}

/// The decision on what was found, with `matches(hash)` as the argon2 check
/// of the presented token against the stored hash (a long-lived
/// [`Verifier`](super::verifier::Verifier) may answer it from memory). One
/// decision path for `verify`, `serve` and the library.
pub(crate) fn judge(
    found: Option<Credential>,
    presented: &Presented,
    needs: &Requirements,
    now: DateTime<Utc>,
    matches: impl FnOnce(&str) -> bool,
) -> std::result::Result<Good, Reason> {
    let prefix = presented.prefix().to_owned();
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
        // A retired secret: "unknown" to the caller whatever the secret;
        // with the right one, known to be retired, and theft when it was
        // retired by a self-rotation whose successor was used since.
        Credential::Retired {
            token,
            by_self,
            successor_used,
            ..
        } => {
            if !matches(&hash) {
                return Err(Reason::Unknown);
            }
            return Err(if by_self && successor_used && !token.disabled {
                Reason::Reused
            } else {
                Reason::Retired
            });
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
    if token.not_before.is_some_and(|t| now < t) {
        return Err(Reason::NotBefore);
    }
    if token.bound_to_addresses()
        && !needs
            .from
            .is_some_and(|from| binding::allows(&token.allowed_from, from))
    {
        return Err(Reason::Address);
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
        from: needs.from.map(binding::canonical),
        hash,
    })
}

impl Good {
    /// The API token's fields (an access token's parent's) as this check
    /// leaves them: used today, and, when it is the day's first use, from
    /// the address it was judged for.
    pub fn as_used(&self, now: DateTime<Utc>) -> Token {
        let mut token = self.token.clone();
        let today = now.date_naive();
        if token.last_used != Some(today) {
            token.last_used = Some(today);
            token.last_used_from = self.from;
        }
        token
    }
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
    db.touch(good.token.id, now.date_naive(), good.from)?;
    if good.via == (Via::Current { ends_grace: true }) {
        db.end_grace_if_current(good.token.id, &good.prefix)?;
        // The secrets this one replaced now have a used successor: one
        // presented again after a self-rotation is theft.
        db.successor_used(&good.prefix)?;
    }
    Ok(())
}
