//! Rates (spec section 12): one GCRA bucket per token in this process (an
//! access token counts against its parent's), allowing a burst of N and
//! then N per DURATION. A bucket that has refilled is the same as no bucket,
//! so idle ones are dropped: memory follows the tokens in use, not every
//! token ever seen. Per process on purpose: no shared counter.
//!
//! Written out rather than taken from `governor`: its keyed limiter has one
//! quota for every key, and here each token has its own rate, which a
//! `modify` may change between two checks.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::binding::Rate;
use crate::lock::LockAnyway;

/// Past this many buckets, a check first drops the refilled ones.
const SWEEP_AT: usize = 16_384;

/// One token's bucket: the theoretical arrival time of its next check.
struct Bucket {
    tat: Instant,
}

#[derive(Default)]
pub(crate) struct Buckets {
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl Buckets {
    /// Count one good check of token `id` at `now`; `Err(wait)` when it is
    /// over its rate, with how long until the next one would be allowed.
    pub(crate) fn take(&self, id: i64, rate: Rate, now: Instant) -> Result<(), Duration> {
        let interval = rate.interval();
        // A burst of N: N checks at once fit before the bucket is empty.
        let tolerance = rate.per.saturating_sub(interval);
        let mut buckets = self.buckets.lock_anyway();
        if buckets.len() >= SWEEP_AT && !buckets.contains_key(&id) {
            buckets.retain(|_, b| b.tat > now);
        }
        let bucket = buckets.entry(id).or_insert(Bucket { tat: now });
        let tat = bucket.tat.max(now);
        let ahead = tat.saturating_duration_since(now);
        if ahead > tolerance {
            return Err(ahead.saturating_sub(tolerance));
        }
        bucket.tat = tat + interval;
        Ok(())
    }

    /// Drop the buckets that have refilled (called now and then).
    pub(crate) fn sweep(&self, now: Instant) {
        self.buckets.lock_anyway().retain(|_, b| b.tat > now);
    }

    /// How many buckets are held (for tests and `/metrics`).
    pub(crate) fn len(&self) -> usize {
        self.buckets.lock_anyway().len()
    }
}

/// Whole seconds to wait, at least one (`Retry-After`).
pub(crate) fn retry_after(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> Rate {
        Rate::parse(text).unwrap()
    }

    #[test]
    fn a_burst_of_n_then_n_per_period() {
        let b = Buckets::default();
        let t0 = Instant::now();
        let r = rate("3/1m");
        for _ in 0..3 {
            assert!(b.take(1, r, t0).is_ok());
        }
        let wait = b.take(1, r, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        assert_eq!(retry_after(wait), 20);
        // One comes back every 20 s.
        assert!(b.take(1, r, t0 + Duration::from_secs(20)).is_ok());
        assert!(b.take(1, r, t0 + Duration::from_secs(20)).is_err());
        // Another token has its own bucket.
        assert!(b.take(2, r, t0).is_ok());
    }

    #[test]
    fn refilled_buckets_are_dropped() {
        let b = Buckets::default();
        let t0 = Instant::now();
        for id in 0..100 {
            b.take(id, rate("10/1s"), t0).unwrap();
        }
        assert_eq!(b.len(), 100);
        b.sweep(t0 + Duration::from_secs(1));
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn memory_follows_the_tokens_in_use() {
        let b = Buckets::default();
        let t0 = Instant::now();
        // 100,000 tokens, each used once, a millisecond apart: the buckets
        // of the ones refilled meanwhile are dropped as new ones come.
        for id in 0..100_000_i64 {
            let now = t0 + Duration::from_millis(id.unsigned_abs());
            b.take(id, rate("1000/1s"), now).unwrap();
        }
        assert!(b.len() <= SWEEP_AT + 1, "{}", b.len());
    }

    #[test]
    fn retry_after_is_whole_seconds_and_at_least_one() {
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after(Duration::from_secs(3)), 3);
        assert_eq!(retry_after(Duration::ZERO), 1);
    }
}
