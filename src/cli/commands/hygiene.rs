//! Hygiene (spec section 11): `inspect` a pasted string, `check` for cron
//! and monitoring, `prune` the stale, and the stale-token rules that `list
//! --expiring` / `--unused-for` share with them.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::outcome;
use super::{check_reason, refuse_token_argument};
use crate::cli::Ctx;
use crate::cli::output::Format;
use crate::cli::prompt;
use crate::cli::{CheckArgs, InspectArgs, PruneArgs};
use crate::error::{Error, Kind, Result};
use crate::domain::model::{Status, Time, Token, TokenView};
use crate::store::{Credential, Open};
use crate::domain::text::quoted;
use crate::domain::{token, when};
use crate::verify;

/// `WITHIN` or `DURATION` of the hygiene options: a positive duration.
pub(crate) fn span(flag: &str, input: &str) -> Result<chrono::Duration, Error> {
    when::duration(flag, input, None)
}

/// The moment `d` before `now`, checked.
fn before(
    flag: &str,
    input: &str,
    now: DateTime<Utc>,
    d: chrono::Duration,
) -> Result<DateTime<Utc>, Error> {
    now.checked_sub_signed(d)
        .ok_or_else(|| Error::usage(format!("{flag} {} is too far back", quoted(input))))
}

/// Active and expiring by `until`.
pub(crate) fn expiring_by(t: &Token, now: DateTime<Utc>, until: DateTime<Utc>) -> bool {
    t.status(now) == Status::Active && t.expires_at.is_some_and(|e| e <= until)
}

/// Not used since `since`: never used ones count from their creation.
pub(crate) fn unused_since(t: &Token, since: DateTime<Utc>) -> bool {
    match t.last_used {
        // Used some time that day: unused since only if the whole day is before `since`.
        Some(day) => day < since.date_naive(),
        None => t.created_at < since,
    }
}

/// `list --expiring WITHIN` / `--unused-for DURATION`, as one predicate.
pub(crate) fn list_filter(
    ctx: &Ctx,
    expiring: Option<&str>,
    unused_for: Option<&str>,
) -> Result<impl Fn(&Token) -> bool + use<>> {
    let now = ctx.now;
    let until = expiring
        .map(|w| span("--expiring", w).and_then(|d| when::later("--expiring", w, now, d)))
        .transpose()?;
    let since = unused_for
        .map(|w| span("--unused-for", w).and_then(|d| before("--unused-for", w, now, d)))
        .transpose()?;
    Ok(move |t: &Token| {
        until.is_none_or(|u| expiring_by(t, now, u)) && since.is_none_or(|s| unused_since(t, s))
    })
}

/// What `inspect` says about a pasted string.
#[derive(Serialize)]
struct Inspected<'a> {
    well_formed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<Record<'a>>,
}

/// The record a well-formed token belongs to.
#[derive(Serialize)]
#[serde(untagged)]
enum Record<'a> {
    /// An API token (or its old secret during a renew's grace): `show`'s object.
    Api(TokenView<'a>),
    /// An access token: its parent's name and its own expiry.
    Access {
        parent: &'a str,
        expires_at: Time,
    },
    None,
}

pub(crate) fn inspect(ctx: &Ctx, args: InspectArgs) -> Result<ExitCode> {
    refuse_token_argument(&args.stray.stray)?;
    let input = verify::read_input(std::io::stdin().lock())?;
    let Some(presented) = verify::presented(&input) else {
        ctx.out.record(
            &Inspected {
                well_formed: false,
                kind: None,
                prefix: None,
                token: None,
            },
            "Not a well-formed token: not one of ours, or mistyped, truncated or in an unknown form.",
        )?;
        return Ok(outcome(Kind::Rejected));
    };
    let kind = token::kind_of(&presented).expect("presented tokens are well-formed");
    let prefix = token::prefix_of(&presented).to_owned();
    // No argon2 work, nothing written: only what the prefix names.
    let found = match ctx.open(Open::Read) {
        Ok(mut store) => store.read(|db| db.credential(kind, &prefix))?,
        Err(e) if crate::error::kind_of(&e) == Kind::NotFound => None,
        Err(e) => return Err(e),
    };
    let (record, human) = match &found {
        Some(Credential::Current { token, .. }) => (
            Record::Api(token.view(ctx.now)),
            format!(
                "An API token of token {} (prefix {prefix}, {}).",
                quoted(&token.name),
                token.status(ctx.now).as_str()
            ),
        ),
        Some(Credential::Old {
            token, grace_until, ..
        }) => (
            Record::Api(token.view(ctx.now)),
            format!(
                "The old secret of token {}, renewed; its grace ends at {} (prefix {prefix}).",
                quoted(&token.name),
                when::rfc3339(*grace_until)
            ),
        ),
        Some(Credential::Access {
            parent, expires_at, ..
        }) => (
            Record::Access {
                parent: &parent.name,
                expires_at: Time(*expires_at),
            },
            format!(
                "An access token of token {}, until {} (prefix {prefix}).",
                quoted(&parent.name),
                when::rfc3339(*expires_at)
            ),
        ),
        None => (
            Record::None,
            format!(
                "A well-formed {} token (prefix {prefix}) that this store does not know.",
                kind.as_str()
            ),
        ),
    };
    let known = !matches!(record, Record::None);
    ctx.out.record(
        &Inspected {
            well_formed: true,
            kind: Some(kind.as_str()),
            prefix: Some(&prefix),
            token: Some(record),
        },
        &human,
    )?;
    Ok(if known {
        ExitCode::SUCCESS
    } else {
        outcome(Kind::NotFound)
    })
}

/// `check`'s answer for monitoring systems.
#[derive(Serialize)]
struct Health<'a> {
    ok: bool,
    expiring: Vec<TokenView<'a>>,
    log: LogHealth,
}

#[derive(Serialize)]
struct LogHealth {
    intact: bool,
    entries: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

pub(crate) fn check(ctx: &Ctx, args: CheckArgs) -> Result<ExitCode> {
    let within = span("--expiring", &args.expiring)?;
    let until = when::later("--expiring", &args.expiring, ctx.now, within)?;
    let noted = args
        .head
        .as_deref()
        .map(super::log::parse_head)
        .transpose()?;
    let mut store = ctx.open(Open::Read)?;
    let mut expiring = Vec::new();
    store.read(|db| {
        db.each_token(None, &mut |t| {
            if expiring_by(&t, ctx.now, until) {
                expiring.push(t);
            }
            Ok(())
        })
    })?;
    let report = store.read(|db| super::log::walk_log(db, noted.as_ref()))?;
    let reason = report.broken.as_ref().map(ToString::to_string);
    let ok = expiring.is_empty() && reason.is_none();
    let mut lines = Vec::new();
    for t in &expiring {
        lines.push(format!(
            "EXPIRING {} (prefix {}) at {}",
            t.name,
            t.prefix,
            crate::cli::output::human_time(t.expires_at)
        ));
    }
    match &reason {
        Some(r) => lines.push(format!("TAMPERED the account log: {r}")),
        None => lines.push(format!(
            "OK the account log is intact ({} entries{})",
            report.entries,
            if noted.is_some() {
                ", through the noted head"
            } else {
                ""
            }
        )),
    }
    if expiring.is_empty() {
        lines.insert(
            0,
            format!("OK no active token expires within {}", args.expiring),
        );
    }
    let health = Health {
        ok,
        expiring: expiring.iter().map(|t| t.view(ctx.now)).collect(),
        log: LogHealth {
            intact: reason.is_none(),
            entries: report.entries,
            head: report.head.map(|(id, h)| format!("{id}:{h}")),
            reason,
        },
    };
    ctx.out.record(&health, &lines.join("\n"))?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        outcome(Kind::Rejected)
    })
}

/// Which tokens a prune takes.
type Rule = Box<dyn Fn(&Token) -> bool>;

pub(crate) fn prune(ctx: &Ctx, args: PruneArgs) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let (rule, matches): (String, Rule) = match (&args.unused_for, &args.expired_for) {
        (Some(d), _) => {
            let since = before("--unused-for", d, ctx.now, span("--unused-for", d)?)?;
            (
                format!("unused for {d}"),
                Box::new(move |t: &Token| unused_since(t, since)),
            )
        }
        (None, Some(d)) => {
            let since = before("--expired-for", d, ctx.now, span("--expired-for", d)?)?;
            (
                format!("expired for {d}"),
                Box::new(move |t: &Token| t.expires_at.is_some_and(|e| e <= since)),
            )
        }
        (None, None) => unreachable!("clap requires one rule"),
    };
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let mut stale = Vec::new();
    store.read(|db| {
        db.each_token(None, &mut |t| {
            if matches(&t) {
                stale.push(t);
            }
            Ok(())
        })
    })?;
    if stale.is_empty() {
        ctx.out
            .note(format!("No token is {rule}; nothing to prune."));
        return list_result(ctx, &stale);
    }
    let listing: Vec<String> = stale
        .iter()
        .map(|t| {
            format!(
                "  {} (prefix {}, last used {})",
                quoted(&t.name),
                t.prefix,
                t.last_used.map_or("never".into(), |d| d.to_string())
            )
        })
        .collect();
    if args.dry_run {
        ctx.out.note(format!(
            "Would delete {} token{} ({rule}); --dry-run changed nothing:\n{}",
            stale.len(),
            plural(stale.len()),
            listing.join("\n")
        ));
        return list_result(ctx, &stale);
    }
    // Listed before the question, on the terminal that asks it.
    if !args.yes && prompt::interactive() {
        ctx.out
            .note(format!("Tokens {rule}:\n{}", listing.join("\n")));
    }
    prompt::confirm(
        &format!(
            "Delete these {} token{}? Anything using them stops working",
            stale.len(),
            plural(stale.len())
        ),
        args.yes,
    )?;
    let reason = match &args.reason.reason {
        Some(r) => format!("prune: {rule}; {r}"),
        None => format!("prune: {rule}"),
    };
    // All or nothing, in one transaction; each token still as it was listed.
    store.write(|tx| {
        for t in &stale {
            if crate::ops::change::still(tx, t)?.is_none_or(|now| !matches(&now)) {
                return Err(Error::not_found(format!(
                    "token {} changed or was deleted meanwhile; nothing was pruned",
                    quoted(&t.name)
                ))
                .into());
            }
            crate::ops::change::delete(tx, &actor, t, Some(&reason))?;
        }
        Ok(())
    })?;
    ctx.out.note(format!(
        "Pruned {} token{} ({rule}).",
        stale.len(),
        plural(stale.len())
    ));
    list_result(ctx, &stale)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Scripts get the tokens as a JSON array or CSV; people got notes.
fn list_result(ctx: &Ctx, tokens: &[Token]) -> Result<()> {
    if ctx.out.format == Format::Table {
        return Ok(());
    }
    ctx.out.tokens(true, ctx.now, &mut |sink| {
        tokens.iter().try_for_each(&mut *sink)
    })
}
