//! `tokenctl policy`, `policy set KEY VALUE`, `policy unset KEY`: the
//! account's rules ([`ops::policy`](crate::ops::policy)).

use serde_json::Value;

use crate::cli::{Ctx, PolicyArgs, PolicyCommand};
use crate::domain::policy::Key;
use crate::error::Result;
use crate::ops::policy;
use crate::store::Open;

pub(crate) fn run(ctx: &Ctx, args: PolicyArgs) -> Result<()> {
    let (key, value, reason) = match args.action {
        None => return show(ctx),
        Some(PolicyCommand::Set { key, value, reason }) => (key, Some(value), reason.reason),
        Some(PolicyCommand::Unset { key, reason }) => (key, None, reason.reason),
    };
    // A value of the wrong kind is refused before a store is made for it.
    if let Some(v) = &value {
        key.value(v)?;
    }
    let actor = ctx.actor()?;
    let mut store = ctx.open(Open::Create)?;
    let done = policy::set(&mut store, &actor, key, value.as_deref(), reason.as_deref())?;
    let shown = |v: &Value| match v {
        Value::Null => "unset".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if done.differs {
        ctx.out.note(format!(
            "Policy {}: {} → {}.",
            key.as_str(),
            shown(&done.old),
            shown(&done.new)
        ));
    } else {
        ctx.out.note(format!(
            "Policy {} is already {}; nothing changed.",
            key.as_str(),
            shown(&done.new)
        ));
    }
    if done.breaking > 0 {
        ctx.out.note(format!(
            "note: {} token{} break{} {} (they keep working): `tokenctl list --out-of-policy` shows them",
            done.breaking,
            if done.breaking == 1 { "" } else { "s" },
            if done.breaking == 1 { "s" } else { "" },
            key.as_str()
        ));
    }
    Ok(())
}

/// Every key with the value in force: for people one line a key, for
/// scripts `policy`'s object.
fn show(ctx: &Ctx) -> Result<()> {
    let policy = ctx.open(Open::Read)?.read(|db| db.policy())?;
    let shown = policy.shown();
    let width = Key::ALL.iter().map(|k| k.as_str().len()).max().unwrap_or(0);
    let human: Vec<String> = shown
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Null => "-".to_owned(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{k:<width$}  {v}")
        })
        .collect();
    ctx.out.record(&Value::Object(shown), &human.join("\n"))
}
