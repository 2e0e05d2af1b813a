//! The tokens a long-lived check remembers: under a keyed hash of the
//! presented token, the token's id and a SHA-256 of the stored PHC string
//! that verified (a renew changes the stored hash, and the memory no
//! longer matches), until a deadline.
//!
//! Memory stays small under a flood of distinct good tokens: an entry is
//! under 100 bytes with no allocation of its own (the PHC string it held
//! before was about 100 more, on the heap), expired entries are dropped once per time to
//! live, and the table gives back what a flood made it grow. At most
//! [`MAX`] entries are held; past it, expired ones go first, then all.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The most tokens remembered at once.
pub(crate) const MAX: usize = 100_000;

struct Entry {
    token_id: i64,
    phc: [u8; 32],
    until: Instant,
}

pub(crate) struct Memo {
    entries: HashMap<[u8; 32], Entry>,
    ttl: Duration,
    /// When expired entries were last dropped.
    swept: Instant,
}

impl Memo {
    /// Entries that live `ttl` (zero: nothing is remembered).
    pub(crate) fn new(ttl: Duration) -> Memo {
        Memo {
            entries: HashMap::new(),
            ttl,
            swept: Instant::now(),
        }
    }

    /// Whether the token under `key` verified against this very `phc`
    /// for `token_id`, within its time to live.
    pub(crate) fn holds(&self, key: &[u8; 32], token_id: i64, phc: &str) -> bool {
        self.entries.get(key).is_some_and(|e| {
            e.token_id == token_id && e.until > Instant::now() && e.phc == digest(phc)
        })
    }

    /// Remember that the token under `key` verified against `phc`.
    pub(crate) fn remember(&mut self, key: [u8; 32], token_id: i64, phc: &str) {
        self.remember_at(key, token_id, phc, Instant::now());
    }

    /// [`remember`](Self::remember) at `now` (a test's clock).
    fn remember_at(&mut self, key: [u8; 32], token_id: i64, phc: &str, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        if now.duration_since(self.swept) >= self.ttl || self.entries.len() >= MAX {
            self.sweep(now);
        }
        if self.entries.len() >= MAX {
            self.entries = HashMap::new();
        }
        self.entries.insert(
            key,
            Entry {
                token_id,
                phc: digest(phc),
                until: now + self.ttl,
            },
        );
    }

    /// Drop the expired entries; give memory back once the table is
    /// mostly empty (after a flood).
    fn sweep(&mut self, now: Instant) {
        self.swept = now;
        self.entries.retain(|_, e| e.until > now);
        if self.entries.len() < self.entries.capacity() / 4 {
            self.entries.shrink_to_fit();
        }
    }

    #[cfg(test)]
    fn len_and_capacity(&self) -> (usize, usize) {
        (self.entries.len(), self.entries.capacity())
    }
}

fn digest(phc: &str) -> [u8; 32] {
    Sha256::digest(phc.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> [u8; 32] {
        let mut k = [0; 32];
        k[..4].copy_from_slice(&i.to_le_bytes());
        k
    }

    #[test]
    fn an_entry_holds_only_its_own_token_and_hash() {
        let mut memo = Memo::new(Duration::from_mins(1));
        memo.remember(key(1), 7, "$argon2id$v=19$m=19456,t=2,p=1$a$b");
        assert!(memo.holds(&key(1), 7, "$argon2id$v=19$m=19456,t=2,p=1$a$b"));
        assert!(!memo.holds(&key(1), 7, "$argon2id$v=19$m=19456,t=2,p=1$a$c"));
        assert!(!memo.holds(&key(1), 8, "$argon2id$v=19$m=19456,t=2,p=1$a$b"));
        assert!(!memo.holds(&key(2), 7, "$argon2id$v=19$m=19456,t=2,p=1$a$b"));
    }

    #[test]
    fn nothing_is_remembered_with_no_time_to_live() {
        let mut memo = Memo::new(Duration::ZERO);
        memo.remember(key(1), 7, "h");
        assert!(!memo.holds(&key(1), 7, "h"));
        assert_eq!(memo.len_and_capacity().0, 0);
    }

    /// A flood of distinct tokens grows the table; once they expire, the
    /// next remembered token drops them and the table shrinks. (On a
    /// clock of the test's: with a real one and a short time to live, a
    /// slow machine swept the flood's first entries during it.)
    #[test]
    fn expired_entries_go_and_the_table_shrinks_after_a_flood() {
        let ttl = Duration::from_mins(1);
        let mut memo = Memo::new(ttl);
        let start = Instant::now();
        for i in 0..20_000 {
            memo.remember_at(key(i), i64::from(i), "h", start);
        }
        let (len, grown) = memo.len_and_capacity();
        assert!(len == 20_000 && grown >= len, "{len} {grown}");
        memo.remember_at(key(u32::MAX), 1, "h", start + ttl * 2);
        let (len, capacity) = memo.len_and_capacity();
        assert_eq!(len, 1);
        assert!(capacity < grown / 100, "{capacity} of {grown}");
        assert!(memo.holds(&key(u32::MAX), 1, "h"));
    }

    #[test]
    fn never_more_than_max() {
        let mut memo = Memo::new(Duration::from_mins(10));
        for i in 0..=u32::try_from(MAX).unwrap() {
            memo.remember(key(i), 1, "h");
        }
        assert!(memo.len_and_capacity().0 <= MAX);
        assert!(memo.holds(&key(u32::try_from(MAX).unwrap()), 1, "h"));
    }
}
