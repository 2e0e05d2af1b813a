//! The long-lived check (spec sections 6 and 9): one decision path for
//! `tokenctl verify`, `tokenctl serve` and any Rust service embedding the
//! library.
//!
//! Every check reads the token's row again by its prefix, so a disable,
//! delete, renew, expiry, or change of pool or access takes effect on the
//! very next check, on every process that shares the store. What is
//! remembered is only that a presented token matched a stored hash: under
//! a keyed hash of the whole token (128 bits of HMAC-SHA-256 with a random
//! key of this process, never the token), a digest of the PHC string that
//! verified (`check/memo.rs`). A remembered token skips
//! argon2 while its stored hash is unchanged and for at most `cache_ttl`;
//! failures are never remembered.
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

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::TryRng;
use sha2::Sha256;

use super::connections::Connections;
use super::judge::{self, Good, Reason, Requirements, Via};
use super::memo::{self, Memo};
use super::presented::{self, Presented};
use super::slots::Slots;
use crate::domain::token;
use crate::error::{Error, Result as AnyResult};
use crate::lock::LockAnyway;
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

pub use super::connections::CONNECTION_WAIT;

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Stats {
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub argon2: AtomicU64,
}

/// A check that needs argon2 work: what was found, waiting for a hashing
/// slot ([`Verifier::finish`]).
pub(crate) struct Pending {
    found: Credential,
    presented: Presented,
    needs: Requirements,
    now: DateTime<Utc>,
    key: memo::Key,
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
    connections: Connections,
    key: [u8; 32],
    remembered: Mutex<Memo>,
    slots: Arc<Slots>,
    /// The tokens whose use is being written right now: checks of them
    /// meanwhile, which read the row before the write committed, write
    /// nothing. (Once it has committed, the row itself says `last_used` is
    /// today, so nothing is kept per token: a flood of distinct tokens
    /// leaves no memory behind.)
    writing: Mutex<HashSet<i64>>,
    /// Tokens whose new secret this process saw used while the store could
    /// not record it (busy, read-only): their old secret's grace is over
    /// all the same (spec section 6), and the end is written later.
    grace_ended: Mutex<HashMap<i64, Good>>,
    pub stats: Stats,
}

/// A token in [`Verifier::writing`] while its use is written: out again
/// when dropped, whether the write returned or panicked (a token left in
/// would never have its use written by this process again).
struct Writing<'a> {
    set: &'a Mutex<HashSet<i64>>,
    id: i64,
}

impl<'a> Writing<'a> {
    fn of(set: &'a Mutex<HashSet<i64>>, id: i64) -> Writing<'a> {
        set.lock_anyway().insert(id);
        Writing { set, id }
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.set.lock_anyway().remove(&self.id);
    }
}

impl Verifier {
    /// A verifier of the store at `db` (a SQLite path or a postgres:// URL).
    /// The store must exist.
    pub fn open(db: impl Into<PathBuf>, options: Options) -> Result<Verifier, Error> {
        Self::at(Location::parse(db.into()), options).map_err(|e| Error::from_chain(&e))
    }

    pub(crate) fn at(location: Location, options: Options) -> AnyResult<Verifier> {
        // A PostgreSQL store takes milliseconds to connect (TCP, TLS, the
        // log-in), spent waiting on the server: argon2's 19 MiB are faulted
        // in beside it, for the first check's hashing slot. (A SQLite open
        // takes well under a millisecond: a second thread would cost more
        // than it hides.)
        let (store, warm) = std::thread::scope(|s| {
            let warming = matches!(location, Location::Postgres(_))
                .then(|| s.spawn(crate::domain::token::Memory::new));
            let store = Store::open(&location, Open::Check);
            (store, warming.and_then(|w| w.join().ok()))
        });
        let store = store?;
        let mut key = [0u8; 32];
        rand::rngs::SysRng
            .try_fill_bytes(&mut key)
            .map_err(crate::domain::token::random_failed)?;
        Ok(Verifier {
            connections: Connections::new(location, store, options.db_connections),
            key,
            remembered: Mutex::new(Memo::new(options.cache_ttl)),
            slots: Arc::new(Slots::new(options.max_hashing, warm)),
            writing: Mutex::new(HashSet::new()),
            grace_ended: Mutex::new(HashMap::new()),
            stats: Stats::default(),
        })
    }

    /// `f` on a store connection of the pool ([`Connections::with`]).
    pub(crate) fn with_store<T>(&self, f: impl FnMut(&mut Store) -> AnyResult<T>) -> AnyResult<T> {
        self.connections.with(f)
    }

    /// [`with_store`](Self::with_store) without waiting: `None` when every
    /// connection is in use (an event loop must not wait on one).
    pub(crate) fn try_with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> AnyResult<T>,
    ) -> AnyResult<Option<T>> {
        self.connections.try_with(f)
    }

    /// Close the stale idle connections: idle for longer than a minute, or
    /// their store gone (`serve` calls it now and then: the pool shrinks
    /// when the load is gone).
    pub fn close_idle(&self) {
        self.connections.close_idle();
    }

    /// The hashing slots, for a front that queues for them itself (`serve`).
    pub(crate) fn slots(&self) -> Arc<Slots> {
        Arc::clone(&self.slots)
    }

    /// Whether the store answers (`/healthz`).
    pub fn healthy(&self) -> bool {
        self.with_store(|s| s.lookup(|db| db.pool_id("")).map(|_| ()))
            .is_ok()
    }

    /// What `presented` is remembered under: the first 128 bits of its
    /// HMAC-SHA-256 under this process's key.
    fn keyed(&self, presented: &Presented) -> memo::Key {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(presented.secret().as_bytes());
        let mut key = [0; 16];
        key.copy_from_slice(&mac.finalize().into_bytes()[..16]);
        key
    }

    /// Check what a client sent (any of the forms of spec section 6). A
    /// secret retired by a self-rotation that comes back after its
    /// successor was used disables its token (one attempt here; the answer
    /// is [`Reason::Reused`] either way).
    pub fn check(&self, input: &str, needs: &Requirements) -> Result<Result<Good, Reason>, Error> {
        let Some(presented) = presented::presented(input) else {
            return Ok(Err(Reason::Malformed));
        };
        let outcome = self
            .check_presented(&presented, needs)
            .map_err(|e| Error::from_chain(&e))?;
        if matches!(outcome, Err(Reason::Reused)) {
            let _ = self.disable_reused(presented.prefix());
        }
        Ok(outcome)
    }

    /// Disable the token whose retired secret `prefix` came back after its
    /// successor was used (spec section 15): the token disabled, or `None`
    /// when there was nothing to do.
    pub fn disable_reused(
        &self,
        prefix: &str,
    ) -> Result<Option<crate::domain::model::Token>, Error> {
        self.with_store(|s| super::theft::disable_reused(s, prefix))
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
        let found = Self::read(store, presented)?;
        Ok(self.decide(found, presented, needs))
    }

    /// A check's one read: what the presented prefix belongs to, as the
    /// store has it now.
    pub(crate) fn read(store: &mut Store, presented: &Presented) -> AnyResult<Option<Credential>> {
        store.lookup(|db| judge::lookup(db, presented))
    }

    /// The first step on what the read found (`serve` shares one read
    /// among the checks of one prefix that arrived before it began).
    pub(crate) fn decide(
        &self,
        found: Option<Credential>,
        presented: &Presented,
        needs: &Requirements,
    ) -> Step {
        let now = Utc::now();
        let Some(found) = found else {
            return Step::Done(Err(Reason::Unknown));
        };
        let key = self.keyed(presented);
        if self.remembers(&key, found.hash()) {
            self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
            let outcome = judge::judge(Some(found), presented, needs, now, |_| true);
            return Step::Done(self.after_grace(outcome));
        }
        // Refused before the secret counts (a grace that ended, an access
        // token made with a retired secret): no argon2 work either.
        let mut needs_hashing = false;
        let outcome = judge::judge(Some(found.clone()), presented, needs, now, |_| {
            needs_hashing = true;
            false
        });
        if !needs_hashing {
            return Step::Done(outcome);
        }
        Step::Hash(Box::new(Pending {
            found,
            presented: presented.clone(),
            needs: needs.clone(),
            now,
            key,
        }))
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
        self.stats.cache_misses.fetch_add(1, Ordering::Relaxed);
        self.stats.argon2.fetch_add(1, Ordering::Relaxed);
        let outcome = judge::judge(Some(found), &presented, &needs, now, |phc| {
            let good = token::matches_in(presented.secret(), phc, memory);
            if good {
                self.remember(key, phc);
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
                        .lock_anyway()
                        .get(&good.token.id)
                        .is_some_and(|new| new.prefix == good.token.prefix) =>
            {
                Err(Reason::Unknown)
            }
            other => other,
        }
    }

    fn remembers(&self, key: &memo::Key, phc: &str) -> bool {
        self.remembered.lock_anyway().holds(key, phc)
    }

    fn remember(&self, key: memo::Key, phc: &str) {
        self.remembered.lock_anyway().remember(key, phc);
    }

    /// Whether a good check has bookkeeping to write: the token's first use
    /// today (its row as the check read it, unless this process is writing
    /// that use now), or the first use of a renewed token, which ends its
    /// old secret's grace.
    pub fn needs_recording(&self, good: &Good) -> bool {
        let ends_grace = good.via == (Via::Current { ends_grace: true });
        ends_grace
            || (!self.writing.lock_anyway().contains(&good.token.id)
                && judge::needs_recording(good, Utc::now()))
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
        if good.via == (Via::Current { ends_grace: true }) {
            self.grace_ended
                .lock_anyway()
                .insert(good.token.id, good.clone());
        }
        let _writing = Writing::of(&self.writing, good.token.id);
        self.write_uses(Some(good))
    }

    /// Whether an end of grace this process saw is still to be written.
    pub fn grace_ends_pending(&self) -> bool {
        !self.grace_ended.lock_anyway().is_empty()
    }

    /// Try again to write the ends of grace the store could not take
    /// before. Says whether it took them (`true` also when none waited).
    pub fn write_grace_ends(&self) -> Result<bool, Error> {
        self.write_uses(None)
    }

    /// Write `good`'s use and every end of grace still waiting, in one
    /// transaction if the store is free now.
    fn write_uses(&self, good: Option<&Good>) -> Result<bool, Error> {
        let now = Utc::now();
        let pending: Vec<Good> = self.grace_ended.lock_anyway().values().cloned().collect();
        let written = self
            .with_store(|s| {
                s.write_if_free(|tx| {
                    if let Some(good) = good {
                        judge::record_use(tx, good, now)?;
                    }
                    for other in &pending {
                        judge::record_use(tx, other, now)?;
                    }
                    Ok(())
                })
            })
            .map_err(|e| Error::from_chain(&e))?;
        if written {
            let mut ended = self.grace_ended.lock_anyway();
            // A newer end of grace of the same token, seen meanwhile, stays.
            for other in &pending {
                if ended
                    .get(&other.token.id)
                    .is_some_and(|waiting| waiting.prefix == other.prefix)
                {
                    ended.remove(&other.token.id);
                }
            }
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use super::Writing;
    use crate::lock::LockAnyway;

    #[test]
    fn a_token_leaves_the_writing_set_even_when_its_write_panics() {
        let set = Mutex::new(HashSet::new());
        {
            let _writing = Writing::of(&set, 7);
            assert!(set.lock().unwrap().contains(&7));
        }
        assert!(set.lock().unwrap().is_empty());
        let _ = std::panic::catch_unwind(|| {
            let _writing = Writing::of(&set, 8);
            panic!("the write panics");
        });
        assert!(set.lock_anyway().is_empty());
    }
}
