//! Delivering the account's events to a webhook (spec section 14): every
//! log entry in log order, then the expiry events found, each retried until
//! the endpoint answers 2xx, with nothing after it sent meanwhile. What was
//! delivered is remembered in the store once the answer came, so a restart
//! resumes after the last delivered event (at least once, never skipped).
//! One `notify` of a target delivers at a time: it holds the target's lease
//! in the store and renews it; the others wait for it to lapse.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::domain::webhook::{self, About, Event, Lead};
use crate::domain::when::rfc3339;
use crate::error::Result;
use crate::store::{Lease, LogFilter, Store};

/// How long a lease lasts unless renewed: a `notify` that dies is replaced
/// this long after its last renewal. Longer than one delivery attempt.
pub(crate) const LEASE: Duration = Duration::from_secs(15);
/// Renewed when less than this is left.
const RENEW_BELOW: Duration = Duration::from_secs(10);
/// How long `--once` waits for another `notify`'s lease.
pub(crate) const ONCE_WAIT: Duration = Duration::from_secs(10);
/// How often the log is asked for new entries, and a waiting `notify` for
/// the lease.
const POLL: Duration = Duration::from_millis(500);
/// Entries read from the log at a time.
const BATCH: u64 = 100;
/// Backoff after a failed delivery: 1 s, doubling, at most 5 minutes.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_mins(5);
/// Tokens are looked at again at least this often (a change of the clock,
/// a token written by an older tokenctl); otherwise when the log moves or
/// the next lead or expiry falls due.
const RESCAN: Duration = Duration::from_mins(1);

/// Where events go: `Err` holds why the endpoint did not take one (not a
/// 2xx answer, no answer), in words that never carry the URL's credentials.
pub(crate) trait Endpoint {
    fn send(&mut self, event: &Event) -> std::result::Result<(), String>;
}

/// What `notify` says as it goes (the command line words it).
#[derive(Debug)]
pub(crate) enum Note<'a> {
    /// Another `notify` holds the lease until then.
    Waiting {
        holder: &'a str,
        until: DateTime<Utc>,
    },
    /// This one holds it now, and delivers after the log entry `delivered`.
    Holding { delivered: i64 },
    /// An event was not taken; it is tried again after `retry_in`.
    Failed {
        event: &'a str,
        reason: &'a str,
        retry_in: Duration,
    },
    /// The lease was taken over (this one stalled past it): it waits again.
    LostLease,
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Stopped by a signal, or `--once` delivered everything pending.
    Done,
    /// `--once`: the endpoint did not take this event.
    Refused { event: String, reason: String },
    /// `--once`: another `notify` held the lease for [`ONCE_WAIT`].
    Busy(Lease),
}

/// One `notify` delivering to one target.
pub(crate) struct Notifier<'a> {
    pub store: &'a mut Store,
    /// The target's name in the store: a digest of its URL.
    pub target: String,
    /// Who this `notify` is, in the lease (host, pid, and a random part).
    pub holder: String,
    pub leads: Vec<Lead>,
    /// Each event tried once, no waiting: `--once`.
    pub once: bool,
    pub endpoint: &'a mut dyn Endpoint,
    pub stop: &'a dyn Fn() -> bool,
    pub note: &'a mut dyn FnMut(Note<'_>),
}

/// Why a step did not go on.
enum Halt {
    Stop,
    Lost,
    Refused(String, String),
}

/// Sleep `d` in short steps; `true` when `stop` says so meanwhile.
pub(crate) fn pause(d: Duration, stop: &dyn Fn() -> bool) -> bool {
    let end = Instant::now() + d;
    loop {
        if stop() {
            return true;
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn at_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Notifier<'_> {
    /// Deliver until stopped (or, with `once`, until nothing is pending).
    pub(crate) fn run(&mut self) -> Result<Ending> {
        loop {
            let held_until = match self.wait_for_lease()? {
                Ok(until) => until,
                Err(ending) => return Ok(ending),
            };
            let halt = self.deliver_all(held_until)?;
            match halt {
                Halt::Lost => {
                    (self.note)(Note::LostLease);
                }
                Halt::Stop => {
                    self.release()?;
                    return Ok(Ending::Done);
                }
                Halt::Refused(event, reason) => {
                    self.release()?;
                    return Ok(Ending::Refused { event, reason });
                }
            }
        }
    }

    /// Give the lease up, so that another `notify` takes over at once.
    fn release(&mut self) -> Result<()> {
        let (target, holder) = (&self.target, &self.holder);
        self.store.write(|db| db.release_lease(target, holder))
    }

    fn take_lease(&mut self) -> Result<Lease> {
        let (target, holder) = (&self.target, &self.holder);
        let now = now_ms();
        let until = now + i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX);
        self.store
            .write(|db| db.take_lease(target, holder, now, until))
    }

    /// The lease, taken: `Ok(until)`; or how the run ends without it.
    fn wait_for_lease(&mut self) -> Result<std::result::Result<i64, Ending>> {
        let started = Instant::now();
        let mut said: Option<String> = None;
        loop {
            let lease = self.take_lease()?;
            if lease.holder == self.holder {
                return Ok(Ok(lease.until_ms));
            }
            if self.once && started.elapsed() >= ONCE_WAIT {
                return Ok(Err(Ending::Busy(lease)));
            }
            if said.as_deref() != Some(lease.holder.as_str()) {
                (self.note)(Note::Waiting {
                    holder: &lease.holder,
                    until: at_ms(lease.until_ms),
                });
                said = Some(lease.holder);
            }
            if self.pause(POLL) {
                return Ok(Err(Ending::Done));
            }
        }
    }

    fn pause(&self, d: Duration) -> bool {
        pause(d, self.stop)
    }

    /// Renew the lease when it runs low; `false` when another has it.
    fn keep_lease(&mut self, held_until: &mut i64) -> Result<bool> {
        let low = i64::try_from(RENEW_BELOW.as_millis()).unwrap_or(0);
        if *held_until - now_ms() > low {
            return Ok(true);
        }
        let lease = self.take_lease()?;
        *held_until = lease.until_ms;
        Ok(lease.holder == self.holder)
    }

    /// Holding the lease: log events in order, then the expiry events due.
    fn deliver_all(&mut self, mut held_until: i64) -> Result<Halt> {
        let target = self.target.clone();
        let (mut delivered, sent) = self
            .store
            .read(|db| Ok((db.delivered(&target)?, db.sent_events(&target)?)))?;
        let mut sent: HashSet<String> = sent.into_iter().collect();
        (self.note)(Note::Holding { delivered });
        // Listen before the first read, so that no commit goes unnoticed.
        self.store.wait_for_change(Duration::ZERO)?;
        let mut next_scan = Utc::now();
        loop {
            if (self.stop)() {
                return Ok(Halt::Stop);
            }
            if !self.keep_lease(&mut held_until)? {
                return Ok(Halt::Lost);
            }
            let filter = LogFilter {
                after: Some(delivered),
                limit: Some(BATCH),
                ..LogFilter::default()
            };
            let mut entries = Vec::new();
            self.store.read(|db| {
                db.each_log_entry(&filter, &mut |e| {
                    entries.push(e);
                    Ok(())
                })
            })?;
            let full = entries.len() as u64 == BATCH;
            if !entries.is_empty() {
                // A new token, a renew or a modify may bring an expiry due.
                next_scan = Utc::now();
            }
            for entry in entries {
                let event = webhook::log_event(&entry);
                if let Some(halt) = self.deliver(&event, &mut held_until)? {
                    return Ok(halt);
                }
                delivered = entry.id;
            }
            if full {
                continue;
            }
            if Utc::now() >= next_scan {
                let (due, next) = self.expiry_due(&sent)?;
                next_scan = next;
                for event in due {
                    if let Some(halt) = self.deliver(&event, &mut held_until)? {
                        return Ok(halt);
                    }
                    sent.insert(event.id);
                }
            }
            if self.once {
                return Ok(Halt::Stop);
            }
            // Woken by a commit (SQLite's data_version, PostgreSQL's
            // NOTIFY) or after POLL; the log is read either way.
            self.store.wait_for_change(POLL)?;
        }
    }

    /// The expiry events due now, and when to look again (at the next lead
    /// or expiry to fall due, [`RESCAN`] from now at the latest).
    fn expiry_due(&mut self, sent: &HashSet<String>) -> Result<(Vec<Event>, DateTime<Utc>)> {
        let now = Utc::now();
        let leads = &self.leads;
        let mut due = Vec::new();
        let mut next = now + RESCAN;
        self.store.read(|db| {
            db.each_token(None, &mut |t| {
                let (events, at) = webhook::expiry_due(&t, leads, now, sent);
                due.extend(events);
                if let Some(at) = at {
                    next = next.min(at);
                }
                Ok(())
            })
        })?;
        Ok((due, next))
    }

    /// Send one event until the endpoint takes it, and remember that it
    /// did; `Some` when the run cannot go on.
    fn deliver(&mut self, event: &Event, held_until: &mut i64) -> Result<Option<Halt>> {
        let mut wait = FIRST_RETRY;
        loop {
            if !self.keep_lease(held_until)? {
                return Ok(Some(Halt::Lost));
            }
            match self.endpoint.send(event) {
                Ok(()) => {
                    return self
                        .remember(event)
                        .map(|held| (!held).then_some(Halt::Lost));
                }
                Err(reason) if self.once => {
                    return Ok(Some(Halt::Refused(event.id.clone(), reason)));
                }
                Err(reason) => {
                    (self.note)(Note::Failed {
                        event: &event.id,
                        reason: &reason,
                        retry_in: wait,
                    });
                    let end = Instant::now() + wait;
                    while Instant::now() < end {
                        if self.pause(Duration::from_secs(1).min(end - Instant::now())) {
                            return Ok(Some(Halt::Stop));
                        }
                        if !self.keep_lease(held_until)? {
                            return Ok(Some(Halt::Lost));
                        }
                    }
                    wait = (wait * 2).min(LAST_RETRY);
                }
            }
        }
    }

    /// The event was taken: move the cursor or mark it, while holding the
    /// lease; `false` when the lease was lost.
    fn remember(&mut self, event: &Event) -> Result<bool> {
        let (target, holder) = (&self.target, &self.holder);
        let at = rfc3339(Utc::now());
        self.store.write(|db| match event.about {
            About::Log(id) => db.set_delivered(target, holder, id),
            About::Expiry => db.mark_sent(target, holder, &event.id, &at),
        })
    }
}
