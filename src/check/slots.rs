//! The hashing slots: at most `n` argon2 runs at once, each in working
//! memory kept for the next. One set per process, shared by the check's
//! blocking path and `serve`'s queue in front of it.

use std::sync::{Condvar, Mutex};

use crate::domain::token;
use crate::lock::LockAnyway;

/// At most `n` argon2 verifications at once, each in working memory kept
/// for the next: at most `n` × 19 MiB however many threads take turns, and
/// no page faults once warm.
pub(crate) struct Slots {
    /// Slots not in use, and the idle working memories.
    free: Mutex<(usize, Vec<token::Memory>)>,
    freed: Condvar,
    count: usize,
}

impl Slots {
    /// `n` slots (at least one), the first with `warm` working memory when
    /// one was made ready beforehand.
    pub(crate) fn new(n: usize, warm: Option<token::Memory>) -> Slots {
        Slots {
            free: Mutex::new((n.max(1), warm.into_iter().collect())),
            freed: Condvar::new(),
            count: n.max(1),
        }
    }

    /// How many slots there are.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Run `f` in a slot, waiting for one.
    pub(crate) fn run<T>(&self, f: impl FnOnce(&mut token::Memory) -> T) -> T {
        let mut free = self.free.lock_anyway();
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
        let mut free = self.free.lock_anyway();
        free.0 += 1;
        free.1.push(memory);
        drop(free);
        self.freed.notify_one();
        value
    }
}
