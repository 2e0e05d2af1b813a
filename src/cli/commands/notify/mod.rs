//! `tokenctl notify` (spec section 14): the account's events to a webhook,
//! signed. The delivery itself is [`crate::ops::notify`]; here the secret
//! is read, the endpoint made, signals caught, and what happens said on
//! stderr. A store that fails (a PostgreSQL server restarting) is opened
//! again after a pause, unless `--once`.

mod endpoint;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cli::{Ctx, NotifyArgs, output::note};
use crate::domain::text::shown;
use crate::domain::webhook::Secret;
use crate::domain::when::rfc3339;
use crate::error::{Error, Kind, Result};
use crate::ops::notify::{Ending, Note, Notifier};
use crate::store::Open;

/// Set by SIGINT or SIGTERM: the lease is given up and `notify` exits 0.
static STOP: AtomicBool = AtomicBool::new(false);

/// The longest pause before the store is tried again.
const STORE_RETRY_MAX: Duration = Duration::from_mins(1);

/// The secret from its file; a file others may read is said.
fn read_secret(path: &std::path::Path) -> Result<Secret> {
    let name = shown(&path.display().to_string());
    let unreadable = |e: std::io::Error| {
        Error::usage(format!("cannot read the webhook secret file {name}: {e}"))
            .hint("give the file that holds the secret, whsec_ and base64")
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut text = zeroize::Zeroizing::new(String::new());
    file.read_to_string(&mut text).map_err(unreadable)?;
    let secret = Secret::parse(&text)?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o077 != 0)
    {
        note(&format!(
            "note: other users may read the webhook secret file {name}; chmod 600 it"
        ));
    }
    Ok(secret)
}

/// Who this `notify` is in the lease: host, pid and a random part.
fn holder() -> String {
    let host = whoami::hostname().unwrap_or_else(|_| "localhost".into());
    format!(
        "{host}/{}/{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

pub(crate) fn run(ctx: &Ctx, args: NotifyArgs) -> Result<()> {
    let secret = read_secret(&args.secret_file)?;
    let target = args.webhook;
    let shown_url = target.shown.clone();
    let mut endpoint = endpoint::Webhook::new(target.clone(), secret, args.webhook_ca.as_deref())?;
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    let holder = holder();
    let once = args.once;
    let mut say = |n: Note<'_>| match n {
        // `--once` says so in its error, if the wait is in vain.
        Note::Waiting { .. } if once => {}
        Note::Waiting { holder, until } => note(&format!(
            "notify: another notify ({}) delivers to {shown_url} (its lease ends at {}); waiting",
            shown(holder),
            rfc3339(until)
        )),
        Note::Holding { delivered } if !once => note(&format!(
            "notify: delivering to {shown_url} after log entry {delivered}"
        )),
        Note::Holding { .. } => {}
        Note::Failed {
            event,
            reason,
            retry_in,
        } => note(&format!(
            "notify: {shown_url} did not take {event} ({reason}); trying again in {}",
            humantime::format_duration(retry_in)
        )),
        Note::LostLease => note(&format!(
            "notify: another notify took over {shown_url}; waiting"
        )),
    };
    let mut pause = Duration::from_secs(1);
    loop {
        let outcome = ctx.open(Open::Change).and_then(|mut store| {
            Notifier {
                store: &mut store,
                target: target.key.clone(),
                holder: holder.clone(),
                leads: args.expiring.0.clone(),
                once,
                endpoint: &mut endpoint,
                stop: &|| STOP.load(Ordering::SeqCst),
                note: &mut say,
            }
            .run()
        });
        match outcome {
            Ok(Ending::Done) => return Ok(()),
            Ok(Ending::Refused { event, reason }) => {
                return Err(Error::rejected(format!(
                    "{} did not take {event} ({reason}); nothing after it was sent",
                    target.shown
                ))
                .hint("the next run tries it again, first")
                .into());
            }
            Ok(Ending::Busy(lease)) => {
                return Err(Error::rejected(format!(
                    "another notify ({}) holds the lease for {} until {}",
                    shown(&lease.holder),
                    target.shown,
                    rfc3339(
                        chrono::DateTime::from_timestamp_millis(lease.until_ms).unwrap_or_default()
                    )
                ))
                .hint("it delivers meanwhile; run again when it stops, or let it be")
                .into());
            }
            // A store that fails for a while (a server restarting, a lock
            // held too long) is waited for; any other error ends `notify`.
            Err(e) if !once && crate::error::kind_of(&e) == Kind::Storage => {
                note(&format!(
                    "notify: {}; trying the store again in {}",
                    crate::error::one_line(&format!("{e:#}")),
                    humantime::format_duration(pause)
                ));
                if crate::ops::notify::pause(pause, &|| STOP.load(Ordering::SeqCst)) {
                    return Ok(());
                }
                pause = (pause * 2).min(STORE_RETRY_MAX);
            }
            Err(e) => return Err(e),
        }
    }
}
