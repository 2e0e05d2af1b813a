//! The store connections of a long-lived check: a bounded pool that
//! shrinks when idle, rests after a failed connect, and replaces a broken
//! connection once.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Result as AnyResult};
use crate::lock::LockAnyway;
use crate::store::{Location, Open, Store};

/// How long a check waits for a store connection when all are busy.
pub const CONNECTION_WAIT: Duration = Duration::from_secs(5);

/// How long no new store connection is tried after one failed.
const CONNECT_REST: Duration = Duration::from_secs(1);

/// How long an idle store connection is kept before it is closed.
const IDLE_CLOSE: Duration = Duration::from_mins(1);

/// The store connections: a bounded pool that shrinks when idle.
pub(crate) struct Connections {
    location: Location,
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

impl Connections {
    /// A pool of at most `max` connections to `location`, holding `first`.
    pub(crate) fn new(location: Location, first: Store, max: usize) -> Connections {
        Connections {
            location,
            pool: Mutex::new(Pool {
                idle: vec![(first, Instant::now())],
                open: 1,
            }),
            resting: Mutex::new(None),
            freed: Condvar::new(),
            max: max.max(1),
        }
    }

    /// `f` on a store connection of the pool: an idle one, else a new one
    /// while fewer than `db_connections` are open, else the next one given
    /// back (waiting at most [`CONNECTION_WAIT`]). A connection that failed
    /// is closed, and when it was broken (the server restarted) the idle
    /// ones go too and `f` runs once more on a fresh connection: after a
    /// PostgreSQL restart the first request is answered, not a 503 per
    /// pooled connection.
    pub(crate) fn with<T>(&self, mut f: impl FnMut(&mut Store) -> AnyResult<T>) -> AnyResult<T> {
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

    /// [`with`](Self::with) without waiting: `None` when every
    /// connection is in use (an event loop must not wait on one).
    pub(crate) fn try_with<T>(
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
        let c = self;
        let deadline = Instant::now() + CONNECTION_WAIT;
        let mut pool = c.pool.lock_anyway();
        loop {
            // The most recently used first; stale ones are closed.
            let now = Instant::now();
            drop(pool.close(|s, at| stale(s, at, now)));
            if let Some((store, _)) = pool.idle.pop() {
                return Ok(Some(store));
            }
            if pool.open < c.max {
                if let Some((until, why)) = &*c.resting.lock_anyway()
                    && now < *until
                {
                    return Err(Error::storage(why.clone()).into());
                }
                pool.open += 1;
                drop(pool);
                return match Store::open(&self.location, Open::Check) {
                    Ok(store) => Ok(Some(store)),
                    Err(e) => {
                        *c.resting.lock_anyway() = Some((
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
        let mut pool = self.pool.lock_anyway();
        match store {
            Some(s) => pool.idle.push((s, Instant::now())),
            None => pool.open -= 1,
        }
        drop(pool);
        self.freed.notify_one();
    }

    /// Close idle connections: those `pick` picks, dropped outside the
    /// lock.
    fn close_idle_where(&self, pick: impl Fn(&Store, Instant) -> bool) {
        let gone = self.pool.lock_anyway().close(pick);
        drop(gone);
    }

    fn forget_idle(&self) {
        self.close_idle_where(|_, _| true);
    }

    /// Close the stale idle connections: idle for longer than a minute, or
    /// their store gone (`serve` calls it now and then: the pool shrinks
    /// when the load is gone).
    pub(crate) fn close_idle(&self) {
        let now = Instant::now();
        self.close_idle_where(|s, at| stale(s, at, now));
    }
}
