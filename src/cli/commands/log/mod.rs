//! `tokenctl log`, `log head` and `log verify`: what auditors read, and the
//! proof that nobody rewrote it.

use serde::Serialize;

use crate::cli::Ctx;
use crate::cli::output::Format;
use crate::cli::{LogArgs, LogCommand};
use crate::domain::model::{LogEntry, Op};
use crate::domain::when;
use crate::error::{Error, Result};
use crate::store::{LogFilter, Open};

mod follow;

pub(crate) fn run(ctx: &Ctx, args: LogArgs) -> Result<()> {
    match args.action {
        Some(LogCommand::Head) => head(ctx),
        Some(LogCommand::Verify { head }) => check_chain(ctx, head.as_ref()),
        None => list(ctx, &args),
    }
}

fn filter(ctx: &Ctx, args: &LogArgs) -> Result<LogFilter> {
    let since = args
        .since
        .as_ref()
        .map(|w| when::past_bound(w, ctx.now))
        .transpose()?;
    let until = args
        .until
        .as_ref()
        .map(|w| when::past_bound(w, ctx.now))
        .transpose()?;
    let limit = match args.limit {
        Some(n) if n < 1 => {
            return Err(Error::usage(format!("--limit must be 1 or more, not {n}")).into());
        }
        Some(n) => Some(n.unsigned_abs()),
        None => None,
    };
    Ok(LogFilter {
        since,
        until,
        token: args.token.clone(),
        actor: args.actor.clone(),
        op: args.op.as_deref().and_then(Op::parse),
        limit,
        after: None,
    })
}

fn list(ctx: &Ctx, args: &LogArgs) -> Result<()> {
    let filter = filter(ctx, args)?;
    if args.follow {
        return follow::follow(ctx, filter);
    }
    ctx.open(Open::Read)?.read(|db| {
        let mut feed = |sink: &mut dyn FnMut(&LogEntry) -> Result<()>| {
            db.each_log_entry(&filter, &mut |e| sink(&e))
        };
        ctx.out.log(&mut feed, &empty_note(args))
    })
}

fn head(ctx: &Ctx) -> Result<()> {
    let Some(e) = ctx.open(Open::Read)?.read(|db| db.log_head())? else {
        return Err(Error::not_found("the account log is empty").into());
    };
    #[derive(Serialize)]
    struct Head<'a> {
        id: i64,
        hash: &'a str,
    }
    let head = Head {
        id: e.id,
        hash: &e.hash,
    };
    ctx.out.record(&head, &format!("{}:{}", e.id, e.hash))
}

/// `log verify`'s answer (JSON and CSV).
#[derive(Serialize)]
struct Verdict {
    intact: bool,
    entries: u64,
    /// Entries older than the one before them: a clock went back (a note).
    clock_went_back: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_bad: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn check_chain(ctx: &Ctx, noted: Option<&(i64, String)>) -> Result<()> {
    let report = ctx
        .open(Open::Read)?
        .read(|db| crate::ops::audit::walk_log(db, noted))?;
    // A clock that went back is worth knowing, not tampering.
    if let Some(first) = report.clock_went_back.first() {
        ctx.out.note(format!(
            "note: entry {first}{} is older than the entry before it: the system clock went back (times are kept as recorded)",
            match report.clock_went_back.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            }
        ));
    }
    let problem = report.broken.as_ref().map(|b| (b.id(), b.to_string()));
    let verdict = Verdict {
        intact: problem.is_none(),
        entries: report.entries,
        clock_went_back: report.clock_went_back.clone(),
        head: problem
            .is_none()
            .then(|| report.head.as_ref().map(|(id, h)| format!("{id}:{h}"))),
        first_bad: problem.as_ref().map(|(id, _)| *id),
        reason: problem.as_ref().map(|(_, why)| why.clone()),
    };
    match problem {
        None => {
            let human = match &report.head {
                Some((id, h)) => format!(
                    "The account log is intact: {} entries{}, head {id}:{h}.",
                    report.entries,
                    if noted.is_some() {
                        ", through the noted head"
                    } else {
                        ""
                    }
                ),
                None => "The account log is empty.".into(),
            };
            ctx.out.record(&verdict, &human)
        }
        Some((_, why)) => {
            if ctx.out.format != Format::Table {
                ctx.out.record(&verdict, "")?;
            }
            Err(Error::rejected(format!("the account log was tampered with: {why}")).into())
        }
    }
}

/// What to say when no entry is listed: which filters matched nothing.
fn empty_note(args: &LogArgs) -> String {
    let mut filters = Vec::new();
    for (flag, value) in [
        ("--since", args.since.as_ref().map(|w| w.text.clone())),
        ("--until", args.until.as_ref().map(|w| w.text.clone())),
        ("--token", args.token.clone()),
        ("--actor", args.actor.clone()),
        ("--op", args.op.clone()),
        ("--limit", args.limit.map(|n| n.to_string())),
    ] {
        if let Some(v) = value {
            filters.push(format!("{flag} {}", crate::domain::text::shown(&v)));
        }
    }
    if filters.is_empty() {
        "The account log is empty.".to_owned()
    } else {
        format!("No log entry matches {}.", filters.join(" "))
    }
}
