//! One way to take a lock: a lock whose holder panicked is taken all the
//! same.
//!
//! What these locks guard (remembered tokens, rate buckets, pooled
//! connections, counters, output) is left whole between any two of its
//! holder's statements, and a panic in one request must not stop every
//! later request of `serve` (spec section 9: no input makes it stop).

use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) trait LockAnyway<T> {
    /// The lock, held, whether or not an earlier holder panicked.
    fn lock_anyway(&self) -> MutexGuard<'_, T>;
}

impl<T> LockAnyway<T> for Mutex<T> {
    fn lock_anyway(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::LockAnyway;
    use std::sync::Mutex;

    #[test]
    fn a_lock_whose_holder_panicked_is_taken() {
        let m = Mutex::new(1);
        let _ = std::panic::catch_unwind(|| {
            let _held = m.lock().unwrap();
            panic!("a holder panics");
        });
        assert!(m.is_poisoned());
        *m.lock_anyway() += 1;
        assert_eq!(*m.lock_anyway(), 2);
    }
}
