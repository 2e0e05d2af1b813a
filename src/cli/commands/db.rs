//! `tokenctl db copy --to PATH|URL`: the whole store into an empty target
//! ([`copy::copy`]).

use serde::Serialize;

use crate::cli::Ctx;
use crate::cli::DbCommand;
use crate::error::{Error, Result};
use crate::ops::copy::{self, Counts};
use crate::store::{Location, Open, Store};

pub(crate) fn run(ctx: &Ctx, cmd: DbCommand) -> Result<()> {
    let to = match cmd {
        DbCommand::Copy { to } => to,
        DbCommand::Status => return status(ctx),
    };
    let target_location = Location::parse(to);
    if target_location == ctx.db {
        return Err(Error::usage("the target is the store itself")
            .hint("give --to another file or database")
            .into());
    }
    let mut source = ctx.open(Open::Read)?;
    let mut target = Store::open(&target_location, Open::Create)?;
    let copied = copy::copy(&mut source, &mut target, &target_location)?;
    let (copied, head) = copied;
    let head = head.map(|(id, h)| format!("{id}:{h}"));
    ctx.out.note(format!(
        "Copied {} pools, {} tokens, {} access tokens and {} log entries to {}; its log verifies.",
        copied.pools,
        copied.tokens,
        copied.access_tokens,
        copied.log_entries,
        target_location.shown()
    ));
    #[derive(Serialize)]
    struct Copied {
        #[serde(flatten)]
        counts: Counts,
        head: Option<String>,
    }
    let human = head.clone().unwrap_or_else(|| "(the log is empty)".into());
    ctx.out.record(
        &Copied {
            counts: copied,
            head,
        },
        &human,
    )
}

/// `db status`: which store this is, read-only.
fn status(ctx: &Ctx) -> Result<()> {
    let status = crate::ops::audit::status(&mut ctx.open(Open::Read)?, ctx.db.shown())?;
    let human = format!(
        "store:          {}\nengine:         {}\nschema version: {}\ntokens:         {}\npools:          {}\nlog entries:    {}\nlog head:       {}",
        status.store,
        status.engine,
        status.schema_version,
        status.tokens,
        status.pools,
        status.log_entries,
        status.head.as_deref().unwrap_or("(the log is empty)")
    );
    ctx.out.record(&status, &human)
}
