//! What keeps `serve` standing under a flood: every argon2 run (a check's
//! verification, an exchange's hash) takes one of `--max-hashing` slots,
//! with a bounded queue in front (a full queue is 503, not a longer wait);
//! and connections are capped per peer and in total.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use super::listen::Peer;
use crate::check::slots::Slots;
use crate::domain::token::Memory;
use crate::lock::LockAnyway;

/// Why a request could not be served now.
pub(crate) enum Failure {
    /// The store failed.
    Store(anyhow::Error),
    /// Too many checks are waiting for a hashing slot.
    Busy,
    /// The token is over its rate: the next check is allowed after this.
    Limited(std::time::Duration),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Store(e)
    }
}

/// The queue in front of the hashing slots (the check's own [`Slots`],
/// with their working memories): a waiting request holds a place here, not
/// a thread.
pub(crate) struct Hashing {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    slots: Arc<Slots>,
}

/// How many checks may wait for each hashing slot. argon2 takes 20-40 ms:
/// a full queue is well under a second of work.
const WAITING_PER_SLOT: usize = 16;

/// A place in the queue, given up when dropped (also when the client hung
/// up and hyper dropped the request: its argon2 work is never done).
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hashing {
    pub(crate) fn new(slots: Arc<Slots>) -> Hashing {
        let n = slots.count();
        Hashing {
            permits: Arc::new(Semaphore::new(n)),
            waiting: AtomicUsize::new(0),
            max_waiting: n * WAITING_PER_SLOT,
            slots,
        }
    }

    /// Run `f` in a hashing slot on the blocking pool, once a slot is free.
    /// While it waits, the request holds no thread and no memory; dropped
    /// (the client went away), it never runs.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Failure> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Failure::Busy);
        }
        let queued = Queued(&self.waiting);
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| Failure::Busy)?;
        drop(queued);
        let slots = Arc::clone(&self.slots);
        // Holding a permit, the slot is free at once: there are as many
        // permits as slots.
        tokio::task::spawn_blocking(move || {
            let value = slots.run(f);
            drop(permit);
            value
        })
        .await
        .map_err(|e| Failure::Store(anyhow::anyhow!("the check stopped: {e}")))
    }
}

/// Open connections, in total and per peer.
pub(crate) struct Connections {
    open: Mutex<(usize, HashMap<Peer, usize>)>,
    max_total: usize,
    max_per_peer: usize,
}

/// A connection's place, given back when it closes.
pub(crate) struct Admitted {
    connections: Arc<Connections>,
    peer: Peer,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock_anyway();
        open.0 -= 1;
        if let Some(n) = open.1.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.peer);
            }
        }
    }
}

impl Connections {
    pub(crate) fn new(max_total: usize, max_per_peer: usize) -> Arc<Connections> {
        Arc::new(Connections {
            open: Mutex::new((0, HashMap::new())),
            max_total,
            max_per_peer,
        })
    }

    /// A place for a new connection from `peer`, or `None` when serve or
    /// that peer is at its limit (the connection is then closed at once).
    pub(crate) fn admit(self: &Arc<Self>, peer: Peer) -> Option<Admitted> {
        let mut open = self.open.lock_anyway();
        let from_peer = open.1.get(&peer).copied().unwrap_or(0);
        if open.0 >= self.max_total || from_peer >= self.max_per_peer {
            return None;
        }
        open.0 += 1;
        *open.1.entry(peer).or_default() += 1;
        Some(Admitted {
            connections: Arc::clone(self),
            peer,
        })
    }
}
