//! The long-lived check (spec sections 6 and 9): one decision path for
//! `tokenctl verify`, `tokenctl serve` and any Rust service embedding the
//! library.
//!
//! Every check reads the token's row again by its prefix, so a disable,
//! delete, renew, expiry, or change of pool or access takes effect on the
//! very next check, on every process that shares the store. What is
//! remembered is only that a presented token matched a stored hash: under
//! a keyed hash of the whole token (HMAC-SHA-256 with a random key of this
//! process, never the token), the token's id and the PHC string that
//! verified. A remembered token skips argon2 while its stored hash is
//! unchanged and for at most `cache_ttl`; failures are never remembered.
//! At most `max_hashing` argon2 verifications run at once, so memory stays
//! bounded under any flood of wrong secrets, and a remembered token never
//! waits behind them.
//!
//! ```no_run
//! use tokenctl::verifier::{Options, Verifier};
//! use tokenctl::verify::Requirements;
//! let verifier = Verifier::open("/var/lib/tokenctl/tokenctl.db", Options::default())?;
//! let needs = Requirements { write: true, pool: Some("plant-a".into()), ..Default::default() };
//! match verifier.check("Authorization: Bearer tkc1…", &needs)? {
//!     Ok(good) => println!("{} may write to plant-a", good.token.name),
//!     Err(reason) => println!("rejected: {}", reason.as_str()),
//! }
//! # Ok::<(), tokenctl::error::Error>(())
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::TryRng;
use sha2::Sha256;

use super::judge::{self, Good, Reason, Requirements, Via};
use super::presented::{self, Presented};
use crate::domain::token;
use crate::error::{Error, Result as AnyResult};
use crate::store::{Credential, Location, Open, Store};

/// How a [`Verifier`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a verified token is remembered (default 60 s; zero: never).
    pub cache_ttl: Duration,
    /// How many argon2 verifications may run at once (default: the cores).
    pub max_hashing: usize,
    /// How many store connections may be open at once (default 4). A check
    /// that finds them all busy waits up to [`CONNECTION_WAIT`], then
    /// fails (`serve`: 503) rather than opening one more: PostgreSQL's
    /// connection slots are shared with every admin and every instance.
    pub db_connections: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache_ttl: Duration::from_mins(1),
            max_hashing: std::thread::available_parallelism().map_or(2, usize::from),
            db_connections: DEFAULT_CONNECTIONS,
        }
    }
}

/// The default of [`Options::db_connections`].
pub const DEFAULT_CONNECTIONS: usize = 4;

/// How long a check waits for a store connection when all are busy.
pub const CONNECTION_WAIT: Duration = Duration::from_secs(5);

/// How long no new store connection is tried after one failed.
const CONNECT_REST: Duration = Duration::from_secs(1);

/// How long an idle store connection is kept before it is closed.
const IDLE_CLOSE: Duration = Duration::from_mins(1);

/// What a remembered token stands for.
struct Remembered {
    token_id: i64,
    phc: String,
    until: Instant,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub argon2: AtomicU64,
}

/// At most `n` argon2 verifications at once, each in working memory kept
/// for the next: at most `n` × 19 MiB however many threads take turns, and
/// no page faults once warm.
struct Slots {
    /// Slots not in use, and the idle working memories.
    free: Mutex<(usize, Vec<token::Memory>)>,
    freed: Condvar,
}

impl Slots {
    fn run<T>(&self, f: impl FnOnce(&mut token::Memory) -> T) -> T {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while free.0 == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        free.0 -= 1;
        let memory = free.1.pop();
        drop(free);
        let mut memory = memory.unwrap_or_default();
        let value = f(&mut memory);
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        free.0 += 1;
        free.1.push(memory);
        drop(free);
        self.freed.notify_one();
        value
    }
}

/// The store connections: a bounded pool that shrinks when idle.
struct Connections {
    pool: Mutex<Pool>,
    /// Until when no new connection is tried, after one failed: a server
    /// that does not answer is not asked again by every request (each try
    /// of a silent server holds a thread until it answers).
    resting: Mutex<Option<(Instant, String)>>,
    freed: Condvar,
    max: usize,
}

/// Idle connections with when each was last given back, and how many are
/// open in all (idle or in use).
struct Pool {
    idle: Vec<(Store, Instant)>,
    open: usize,
}

impl Pool {
    /// Take out the idle connections that `pick` picks and count them as
    /// closed; the caller drops them (outside the lock where it can).
    fn close(&mut self, pick: impl Fn(&Store, Instant) -> bool) -> Vec<Store> {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.idle)
            .into_iter()
            .partition(|(s, at)| pick(s, *at));
        self.idle = kept;
        self.open -= gone.len();
        gone.into_iter().map(|(s, _)| s).collect()
    }
}

/// Whether an idle connection is to be closed: idle too long, or its store
/// gone (a SQLite file replaced by a restore, a connection the server
/// closed).
fn stale(store: &Store, at: Instant, now: Instant) -> bool {
    now.duration_since(at) >= IDLE_CLOSE || store.is_broken()
}

/// A check that needs argon2 work: what was found, waiting for a hashing
/// slot ([`Verifier::finish`]).
pub(crate) struct Pending {
    found: Credential,
    presented: Presented,
    needs: Requirements,
    now: DateTime<Utc>,
    key: [u8; 32],
}

/// Where a check stands after its lookup. (Rarely moved: a `Step` lives
/// from the lookup to the answer.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step {
    /// Decided without argon2 work.
    Done(Result<Good, Reason>),
    /// The secret must be verified with argon2.
    Hash(Box<Pending>),
}

/// A long-lived check against one store.
pub struct Verifier {
    location: Location,
    connections: Connections,
    key: [u8; 32],
    remembered: Mutex<HashMap<[u8; 32], Remembered>>,
    options: Options,
    slots: Slots,
    /// The day each token's `last_used` was last written by this process.
    recorded: Mutex<HashMap<i64, NaiveDate>>,
    /// Tokens whose new secret this process saw used while the store could
    /// not record it (busy, read-only): their old secret's grace is over
    /// all the same (spec section 6), and the end is written later.
    grace_ended: Mutex<HashMap<i64, Good>>,
    pub stats: Stats,
}

/// The most tokens remembered at once; past it, expired ones are dropped
/// first and then all (a flood of good tokens cannot grow memory).
const MAX_REMEMBERED: usize = 100_000;

impl Verifier {
    /// A verifier of the store at `db` (a SQLite path or a postgres:// URL).
    /// The store must exist.
    pub fn open(db: impl Into<PathBuf>, options: Options) -> Result<Verifier, Error> {
        Self::at(Location::parse(db.into()), options).map_err(|e| Error::from_chain(&e))
    }

    pub(crate) fn at(location: Location, options: Options) -> AnyResult<Verifier> {
        let store = Store::open(&location, Open::Check)?;
        let mut key = [0u8; 32];
        rand::rngs::SysRng
            .try_fill_bytes(&mut key)
            .map_err(|e| Error::storage(format!("the system's random source failed: {e}")))?;
        Ok(Verifier {
            location,
            connections: Connections {
                pool: Mutex::new(Pool {
                    idle: vec![(store, Instant::now())],
                    open: 1,
                }),
                resting: Mutex::new(None),
                freed: Condvar::new(),
                max: options.db_connections.max(1),
            },
            key,
            remembered: Mutex::new(HashMap::new()),
            slots: Slots {
                free: Mutex::new((options.max_hashing.max(1), Vec::new())),
                freed: Condvar::new(),
            },
            options,
            recorded: Mutex::new(HashMap::new()),
            grace_ended: Mutex::new(HashMap::new()),
            stats: Stats::default(),
        })
    }

    /// `f` on a store connection of the pool: an idle one, else a new one
    /// while fewer than `db_connections` are open, else the next one given
    /// back (waiting at most [`CONNECTION_WAIT`]). A connection that failed
    /// is closed, and when it was broken (the server restarted) the idle
    /// ones go too and `f` runs once more on a fresh connection: after a
    /// PostgreSQL restart the first request is answered, not a 503 per
    /// pooled connection.
    pub(crate) fn with_store<T>(
        &self,
        mut f: impl FnMut(&mut Store) -> AnyResult<T>,
    ) -> AnyResult<T> {
        let mut store = self.take(true)?.expect("a wait ends with a connection");
        let mut value = f(&mut store);
        if value.is_err() && store.is_broken() {
            self.forget_idle();
            self.give_back(None);
            store = self.take(true)?.expect("a wait ends with a connection");
            value = f(&mut store);
        }
        self.give_back(value.is_ok().then_some(store));
        value
    }

    /// [`with_store`](Self::with_store) without waiting: `None` when every
    /// connection is in use (an event loop must not wait on one).
    pub(crate) fn try_with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> AnyResult<T>,
    ) -> AnyResult<Option<T>> {
        let Some(mut store) = self.take(false)? else {
            return Ok(None);
        };
        let value = f(&mut store);
        self.give_back(value.is_ok().then_some(store));
        value.map(Some)
    }

    fn take(&self, wait: bool) -> AnyResult<Option<Store>> {
        let c = &self.connections;
        let deadline = Instant::now() + CONNECTION_WAIT;
        let mut pool = c
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            // The most recently used first; stale ones are closed.
            let now = Instant::now();
            drop(pool.close(|s, at| stale(s, at, now)));
            if let Some((store, _)) = pool.idle.pop() {
                return Ok(Some(store));
            }
            if pool.open < c.max {
                if let Some((until, why)) = &*c
                    .resting
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    && now < *until
                {
                    return Err(Error::storage(why.clone()).into());
                }
                pool.open += 1;
                drop(pool);
                return match Store::open(&self.location, Open::Check) {
                    Ok(store) => Ok(Some(store)),
                    Err(e) => {
                        *c.resting
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((
                            Instant::now() + CONNECT_REST,
                            crate::error::one_line(&format!("{e:#}")),
                        ));
                        self.give_back(None);
                        Err(e)
                    }
                };
            }
            if !wait {
                return Ok(None);
            }
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return Err(Error::storage(format!(
                    "all {} store connections stayed busy for {} s",
                    c.max,
                    CONNECTION_WAIT.as_secs()
                ))
                .hint("raise --db-connections, or add capacity")
                .into());
            }
            pool = c
                .freed
                .wait_timeout(pool, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Give a connection back, or (`None`) close the one taken.
    fn give_back(&self, store: Option<Store>) {
        let mut pool = self
            .connections
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match store {
            Some(s) => pool.idle.push((s, Instant::now())),
            None => pool.open -= 1,
        }
        drop(pool);
        self.connections.freed.notify_one();
    }

    /// Close idle connections: those `pick` picks, dropped outside the
    /// lock.
    fn close_idle_where(&self, pick: impl Fn(&Store, Instant) -> bool) {
        let gone = self
            .connections
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .close(pick);
        drop(gone);
    }

    fn forget_idle(&self) {
        self.close_idle_where(|_, _| true);
    }

    /// Close the stale idle connections: idle for longer than a minute, or
    /// their store gone (`serve` calls it now and then: the pool shrinks
    /// when the load is gone).
    pub fn close_idle(&self) {
        let now = Instant::now();
        self.close_idle_where(|s, at| stale(s, at, now));
    }

    /// Whether the store answers (`/healthz`).
    pub fn healthy(&self) -> bool {
        self.with_store(|s| s.lookup(|db| db.pool_id("")).map(|_| ()))
            .is_ok()
    }

    fn keyed(&self, presented: &Presented) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(presented.secret().as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Check what a client sent (any of the forms of spec section 6).
    pub fn check(&self, input: &str, needs: &Requirements) -> Result<Result<Good, Reason>, Error> {
        let Some(presented) = presented::presented(input) else {
            return Ok(Err(Reason::Malformed));
        };
        self.check_presented(&presented, needs)
            .map_err(|e| Error::from_chain(&e))
    }

    /// [`check`](Self::check) of a token already read.
    pub(crate) fn check_presented(
        &self,
        presented: &Presented,
        needs: &Requirements,
    ) -> AnyResult<Result<Good, Reason>> {
        Ok(
            match self.with_store(|s| self.first(s, presented, needs))? {
                Step::Done(outcome) => outcome,
                Step::Hash(pending) => self.slots.run(|memory| self.finish(*pending, memory)),
            },
        )
    }

    /// The first step of a check: the lookup by prefix, and the answer when
    /// it needs no argon2 work (a malformed token, an unknown prefix, a
    /// remembered token, a grace that ended, …). Quick: one indexed read.
    pub(crate) fn first(
        &self,
        store: &mut Store,
        presented: &Presented,
        needs: &Requirements,
    ) -> AnyResult<Step> {
        let now = Utc::now();
        let Some(found) = store.lookup(|db| judge::lookup(db, presented))? else {
            return Ok(Step::Done(Err(Reason::Unknown)));
        };
        let key = self.keyed(presented);
        let token_id = found.token_id();
        if self.remembers(&key, token_id, found.hash()) {
            self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
            let outcome = judge::judge(Some(found), presented, needs, now, |_| true);
            return Ok(Step::Done(self.after_grace(outcome)));
        }
        // Refused before the secret counts (a grace that ended, an access
        // token made with a retired secret): no argon2 work either.
        let mut needs_hashing = false;
        let outcome = judge::judge(Some(found.clone()), presented, needs, now, |_| {
            needs_hashing = true;
            false
        });
        if !needs_hashing {
            return Ok(Step::Done(outcome));
        }
        Ok(Step::Hash(Box::new(Pending {
            found,
            presented: presented.clone(),
            needs: needs.clone(),
            now,
            key,
        })))
    }

    /// The second step: argon2 in `memory` (one hashing slot's), then the
    /// decision. A match is remembered.
    pub(crate) fn finish(
        &self,
        pending: Pending,
        memory: &mut token::Memory,
    ) -> Result<Good, Reason> {
        let Pending {
            found,
            presented,
            needs,
            now,
            key,
        } = pending;
        let token_id = found.token_id();
        self.stats.cache_misses.fetch_add(1, Ordering::Relaxed);
        self.stats.argon2.fetch_add(1, Ordering::Relaxed);
        let outcome = judge::judge(Some(found), &presented, &needs, now, |phc| {
            let good = token::matches_in(presented.secret(), phc, memory);
            if good {
                self.remember(key, token_id, phc);
            }
            good
        });
        self.after_grace(outcome)
    }

    /// An old secret whose successor this process has seen used is no
    /// longer good, whether or not the store took the end of its grace.
    fn after_grace(&self, outcome: Result<Good, Reason>) -> Result<Good, Reason> {
        match outcome {
            Ok(good)
                if matches!(good.via, Via::Old { .. })
                    && self
                        .grace_ended
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get(&good.token.id)
                        .is_some_and(|new| new.prefix == good.token.prefix) =>
            {
                Err(Reason::Unknown)
            }
            other => other,
        }
    }

    fn remembers(&self, key: &[u8; 32], token_id: i64, phc: &str) -> bool {
        let map = self
            .remembered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(key)
            .is_some_and(|r| r.token_id == token_id && r.phc == phc && r.until > Instant::now())
    }

    fn remember(&self, key: [u8; 32], token_id: i64, phc: &str) {
        if self.options.cache_ttl.is_zero() {
            return;
        }
        let mut map = self
            .remembered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_REMEMBERED {
            let now = Instant::now();
            map.retain(|_, r| r.until > now);
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        map.insert(
            key,
            Remembered {
                token_id,
                phc: phc.to_owned(),
                until: Instant::now() + self.options.cache_ttl,
            },
        );
    }

    /// Whether a good check has bookkeeping to write: the token's first use
    /// today (as far as this process knows), or the first use of a renewed
    /// token, which ends its old secret's grace.
    pub fn needs_recording(&self, good: &Good) -> bool {
        let now = Utc::now();
        let today = now.date_naive();
        let ends_grace = good.via == (Via::Current { ends_grace: true });
        let known = self
            .recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&good.token.id)
            == Some(&today);
        ends_grace || (!known && judge::needs_recording(good, now))
    }

    /// Write the bookkeeping of a good check: `last_used` at most once a day
    /// per token, and the end of a grace. Best effort: a busy or read-only
    /// store leaves `last_used` for a later check; an end of grace it could
    /// not take is kept in memory (the old secret is refused from now on)
    /// and written with the next bookkeeping that gets through.
    ///
    /// Says whether the store took it (`true` also when there was nothing
    /// to write).
    pub fn record(&self, good: &Good) -> Result<bool, Error> {
        if !self.needs_recording(good) {
            return Ok(true);
        }
        let now = Utc::now();
        if good.via == (Via::Current { ends_grace: true }) {
            self.grace_ended
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(good.token.id, good.clone());
        }
        let pending: Vec<Good> = self
            .grace_ended
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        let written = self
            .with_store(|s| {
                s.write_if_free(|tx| {
                    judge::record_use(tx, good, now)?;
                    for other in &pending {
                        judge::record_use(tx, other, now)?;
                    }
                    Ok(())
                })
            })
            .map_err(|e| Error::from_chain(&e))?;
        if written {
            let mut ended = self
                .grace_ended
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for other in &pending {
                ended.remove(&other.token.id);
            }
            drop(ended);
            self.recorded
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(good.token.id, now.date_naive());
        }
        Ok(written)
    }
}
