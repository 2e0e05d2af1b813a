//! `tokenctl log`, `log head` and `log verify`: what auditors read, and the
//! proof that nobody rewrote it.

use serde_json::{Map, Value};

use crate::Ctx;
use crate::cli::{LogArgs, LogCommand};
use crate::error::{Error, Result};
use crate::store::Mode;
use crate::store::log::{self, Break, Filter};
use crate::when;

pub fn run(ctx: &Ctx, args: LogArgs) -> Result<()> {
    match args.action {
        Some(LogCommand::Head) => head(ctx),
        Some(LogCommand::Verify { head }) => verify(ctx, head.as_deref()),
        None => list(ctx, &args),
    }
}

fn filter(ctx: &Ctx, args: &LogArgs) -> Result<Filter> {
    let since = args
        .since
        .as_deref()
        .map(|w| when::past_bound("--since", w, ctx.now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|w| when::past_bound("--until", w, ctx.now))
        .transpose()?;
    let limit = match args.limit {
        Some(n) if n < 1 => {
            return Err(Error::usage(format!("--limit must be 1 or more, not {n}")).into());
        }
        Some(n) => Some(n.unsigned_abs()),
        None => None,
    };
    Ok(Filter {
        since,
        until,
        token: args.token.clone(),
        actor: args.actor.clone(),
        op: args.op.clone(),
        limit,
    })
}

fn list(ctx: &Ctx, args: &LogArgs) -> Result<()> {
    let filter = filter(ctx, args)?;
    let store = ctx.open(Mode::Read)?;
    ctx.out.log(&log::query(store.conn(), &filter)?)
}

fn head(ctx: &Ctx) -> Result<()> {
    let store = ctx.open(Mode::Read)?;
    let Some(e) = log::head(store.conn())? else {
        return Err(Error::not_found("the account log is empty").into());
    };
    let mut obj = Map::new();
    obj.insert("id".into(), e.id.into());
    obj.insert("hash".into(), e.hash.clone().into());
    ctx.out.record(obj, &format!("{}:{}", e.id, e.hash))
}

/// `ID:HASH` as `log head` prints it.
fn parse_head(s: &str) -> Result<(i64, String)> {
    let bad = || {
        Error::usage(format!("--head {s:?} is not an ID:HASH"))
            .hint("give the line `tokenctl log head` printed, such as 42:9f86d081…(64 hex digits)")
    };
    let (id, hash) = s.trim().split_once(':').ok_or_else(bad)?;
    let id: i64 = id.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
    let hash = hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad().into());
    }
    Ok((id, hash))
}

fn verify(ctx: &Ctx, noted: Option<&str>) -> Result<()> {
    let noted = noted.map(parse_head).transpose()?;
    let store = ctx.open(Mode::Read)?;
    let report = log::verify_chain(
        store.conn(),
        noted.as_ref().map(|(id, h)| (*id, h.as_str())),
    )?;
    let mut obj = Map::new();
    obj.insert("intact".into(), report.broken.is_none().into());
    obj.insert("entries".into(), report.entries.into());
    // A clock that went back is worth knowing, not tampering.
    obj.insert(
        "clock_went_back".into(),
        report.clock_went_back.clone().into(),
    );
    if let Some(first) = report.clock_went_back.first() {
        ctx.out.note(format!(
            "note: entry {first}{} is older than the entry before it: the system clock went back (times are kept as recorded)",
            match report.clock_went_back.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            }
        ));
    }
    let problem = report.broken.as_ref().map(|b| match b {
        Break::Entry { id, why } => (Some(*id), format!("entry {id} is bad: {why}")),
        Break::HeadMissing { id } => (
            Some(*id),
            format!("the noted head {id} is no longer in the log (entries were removed)"),
        ),
        Break::HeadChanged { id } => (
            Some(*id),
            format!("entry {id} no longer has the noted hash (the chain was rewritten)"),
        ),
    });
    match &problem {
        Some((id, why)) => {
            obj.insert("first_bad".into(), (*id).into());
            obj.insert("reason".into(), why.clone().into());
        }
        None => {
            let head = report
                .head
                .as_ref()
                .map_or(Value::Null, |(id, h)| format!("{id}:{h}").into());
            obj.insert("head".into(), head);
        }
    }
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
            ctx.out.record(obj, &human)
        }
        Some((_, why)) => {
            if ctx.out.format != crate::cli::Format::Table {
                ctx.out.record(obj, "")?;
            }
            Err(Error::rejected(format!("the account log was tampered with: {why}")).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_head;

    #[test]
    fn head_is_id_colon_64_hex() {
        let h = "a".repeat(64);
        assert_eq!(parse_head(&format!("7:{h}")).unwrap(), (7, h.clone()));
        assert_eq!(parse_head(&format!("7:{}", h.to_uppercase())).unwrap().1, h);
        for bad in [
            "",
            "7",
            ":abc",
            "0:aaaa",
            "x:aaaa",
            &format!("-1:{h}"),
            &format!("7:{}", &h[1..]),
            &format!("7:{}g", &h[1..]),
        ] {
            assert!(parse_head(bad).is_err(), "{bad}");
        }
    }
}
