//! Hygiene (spec section 11): `inspect` a pasted string, `check` for cron
//! and monitoring, `prune` the stale, and the stale-token rules that `list
//! --expiring` / `--unused-for` share with them.

use std::process::ExitCode;

use serde::Serialize;

use super::outcome;
use super::refuse_token_argument;
use crate::cli::Ctx;
use crate::cli::output::Format;
use crate::cli::prompt;
use crate::cli::{CheckArgs, InspectArgs, PruneArgs};
use crate::domain::model::check_reason;
use crate::domain::model::{Time, Token, TokenView};
use crate::domain::text::quoted;
use crate::domain::when;
use crate::error::{Kind, Result};
use crate::ops::audit::{self, Stale};
use crate::store::{Credential, Open};
use crate::verify;

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
    let input = crate::cli::prompt::token_input()?;
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
    let kind = presented.kind();
    let prefix = presented.prefix().to_owned();
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
        Some(Credential::Retired {
            token,
            retired_at,
            by_self,
            ..
        }) => (
            Record::Api(token.view(ctx.now)),
            format!(
                "A retired secret of token {}, replaced by {} at {} (prefix {prefix}); it no longer works.",
                quoted(&token.name),
                if *by_self {
                    "its own rotation"
                } else {
                    "a renew"
                },
                when::rfc3339(*retired_at)
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
    out_of_policy: Vec<OutOfPolicy<'a>>,
}

/// A token that breaks the account's policy, and the rules it breaks.
#[derive(Serialize)]
struct OutOfPolicy<'a> {
    name: &'a str,
    prefix: &'a str,
    rules: &'a [String],
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
    let until = args.expiring.after(ctx.now)?;
    let noted = args.head;
    let audit::Health {
        expiring,
        log: report,
        out_of_policy,
    } = audit::health(&mut ctx.open(Open::Read)?, ctx.now, until, noted.as_ref())?;
    let reason = report.broken.as_ref().map(ToString::to_string);
    let ok = expiring.is_empty() && reason.is_none() && out_of_policy.is_empty();
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
            format!("OK no active token expires within {}", args.expiring.text),
        );
    }
    for (t, rules) in &out_of_policy {
        lines.push(format!(
            "OUT OF POLICY {} (prefix {}): {}",
            t.name,
            t.prefix,
            rules.join(", ")
        ));
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
        out_of_policy: out_of_policy
            .iter()
            .map(|(t, rules)| OutOfPolicy {
                name: &t.name,
                prefix: &t.prefix,
                rules,
            })
            .collect(),
    };
    ctx.out.record(&health, &lines.join("\n"))?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        outcome(Kind::Rejected)
    })
}

pub(crate) fn prune(ctx: &Ctx, args: PruneArgs) -> Result<()> {
    check_reason(args.reason.reason.as_deref())?;
    let (rule, matches) = match (&args.unused_for, &args.expired_for) {
        (Some(d), _) => (
            format!("unused for {}", d.text),
            Stale::UnusedSince(d.before(ctx.now)?),
        ),
        (None, Some(d)) => (
            format!("expired for {}", d.text),
            Stale::ExpiredBy(d.before(ctx.now)?),
        ),
        (None, None) => unreachable!("clap requires one rule"),
    };
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Change)?;
    let stale = audit::stale(&mut store, matches)?;
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
    // All or nothing, in one transaction; each token still as it was listed.
    audit::prune(
        &mut store,
        &actor,
        &stale,
        matches,
        &rule,
        args.reason.reason.as_deref(),
    )?;
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
    ctx.out.tokens(
        true,
        ctx.now,
        &mut |sink| tokens.iter().try_for_each(&mut *sink),
        "",
    )
}
