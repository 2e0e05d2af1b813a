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
//! let needs = Requirements { write: true, pool: Some("plant-a".into()) };
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

use chrono::{NaiveDate, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::TryRng;
use sha2::Sha256;

use crate::error::{Error, Result as AnyResult};
use crate::store::{Location, Open, Store};
use crate::token;
use crate::verify::{self, Good, Reason, Requirements, Via};

/// How a [`Verifier`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a verified token is remembered (default 60 s; zero: never).
    pub cache_ttl: Duration,
    /// How many argon2 verifications may run at once (default: the cores).
    pub max_hashing: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache_ttl: Duration::from_secs(60),
            max_hashing: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

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
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while free.0 == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        free.0 -= 1;
        let memory = free.1.pop();
        drop(free);
        let mut memory = memory.unwrap_or_default();
        let value = f(&mut memory);
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        free.0 += 1;
        free.1.push(memory);
        drop(free);
        self.freed.notify_one();
        value
    }
}

/// A long-lived check against one store.
pub struct Verifier {
    location: Location,
    idle: Mutex<Vec<Store>>,
    key: [u8; 32],
    remembered: Mutex<HashMap<[u8; 32], Remembered>>,
    options: Options,
    slots: Slots,
    /// The day each token's `last_used` was last written by this process.
    recorded: Mutex<HashMap<i64, NaiveDate>>,
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
            idle: Mutex::new(vec![store]),
            key,
            remembered: Mutex::new(HashMap::new()),
            slots: Slots {
                free: Mutex::new((options.max_hashing.max(1), Vec::new())),
                freed: Condvar::new(),
            },
            options,
            recorded: Mutex::new(HashMap::new()),
            stats: Stats::default(),
        })
    }

    /// `f` on a store connection of the pool (a new one when all are busy).
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> AnyResult<T>) -> AnyResult<T> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut store = match idle {
            Some(s) => s,
            None => Store::open(&self.location, Open::Check)?,
        };
        let value = f(&mut store);
        // A connection that failed is dropped rather than given back.
        if value.is_ok() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(store);
        }
        value
    }

    /// Whether the store answers (`/healthz`).
    pub fn healthy(&self) -> bool {
        self.with_store(|s| s.lookup(|db| db.pool_id("")).map(|_| ()))
            .is_ok()
    }

    fn keyed(&self, presented: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(presented.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Check what a client sent (any of the forms of spec section 6).
    pub fn check(&self, input: &str, needs: &Requirements) -> Result<Result<Good, Reason>, Error> {
        self.check_now(input, needs)
            .map_err(|e| Error::from_chain(&e))
    }

    pub(crate) fn check_now(
        &self,
        input: &str,
        needs: &Requirements,
    ) -> AnyResult<Result<Good, Reason>> {
        let decided = self.decide(input, needs, true)?;
        Ok(decided.unwrap_or(Err(Reason::Unknown)))
    }

    /// The answer when it needs no argon2 work (a remembered token, an
    /// unknown prefix, a malformed token, …); `None` when it would. Quick
    /// enough for an event loop on a local store.
    pub(crate) fn check_without_hashing(
        &self,
        input: &str,
        needs: &Requirements,
    ) -> AnyResult<Option<Result<Good, Reason>>> {
        self.decide(input, needs, false)
    }

    fn decide(
        &self,
        input: &str,
        needs: &Requirements,
        may_hash: bool,
    ) -> AnyResult<Option<Result<Good, Reason>>> {
        let Some(presented) = verify::presented(input) else {
            return Ok(Some(Err(Reason::Malformed)));
        };
        let now = Utc::now();
        let found = self.with_store(|s| s.lookup(|db| verify::lookup(db, &presented)))?;
        let token_id = found.as_ref().map(|c| match c {
            crate::store::Credential::Current { token, .. }
            | crate::store::Credential::Old { token, .. } => token.id,
            crate::store::Credential::Access { parent, .. } => parent.id,
        });
        let key = self.keyed(&presented);
        let mut needed_hashing = false;
        let outcome = verify::judge(found, &presented, needs, now, |phc| {
            if self.remembers(&key, token_id, phc) {
                self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            if !may_hash {
                needed_hashing = true;
                return false;
            }
            self.stats.cache_misses.fetch_add(1, Ordering::Relaxed);
            self.stats.argon2.fetch_add(1, Ordering::Relaxed);
            let good = self
                .slots
                .run(|memory| token::matches_in(&presented, phc, memory));
            if good && let Some(id) = token_id {
                self.remember(key, id, phc);
            }
            good
        });
        Ok((!needed_hashing).then_some(outcome))
    }

    fn remembers(&self, key: &[u8; 32], token_id: Option<i64>, phc: &str) -> bool {
        let map = self.remembered.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).is_some_and(|r| {
            Some(r.token_id) == token_id && r.phc == phc && r.until > Instant::now()
        })
    }

    fn remember(&self, key: [u8; 32], token_id: i64, phc: &str) {
        if self.options.cache_ttl.is_zero() {
            return;
        }
        let mut map = self.remembered.lock().unwrap_or_else(|e| e.into_inner());
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
            .unwrap_or_else(|e| e.into_inner())
            .get(&good.token.id)
            == Some(&today);
        ends_grace || (!known && verify::needs_recording(good, now))
    }

    /// Write the bookkeeping of a good check: `last_used` at most once a day
    /// per token, and the end of a grace. Best effort: a busy or read-only
    /// store leaves it for a later check.
    pub fn record(&self, good: &Good) -> Result<(), Error> {
        if !self.needs_recording(good) {
            return Ok(());
        }
        let now = Utc::now();
        self.with_store(|s| s.write_if_free(|tx| verify::record_use(tx, good, now)))
            .map_err(|e| Error::from_chain(&e))?;
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(good.token.id, now.date_naive());
        Ok(())
    }
}
