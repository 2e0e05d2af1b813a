//! The tokens a long-lived check remembers: under a keyed hash of the
//! presented token, a digest of the stored PHC string it verified against
//! (a renew changes the stored hash, and the memory no longer matches),
//! until a deadline. What is remembered is argon2's answer for that secret
//! and that PHC string, which no other row can share (a PHC string holds
//! its own random salt), so the token's id is not kept beside it.
//!
//! Memory stays small under a flood of distinct good tokens:
//! - an entry is 40 bytes with no allocation of its own: the key and the
//!   PHC digest are 128 bits each, the deadline milliseconds since the
//!   memo began (with 256-bit ones, the id and an `Instant` it was 88, and
//!   the PHC string it held before that was about 100 more, on the heap);
//! - the entries are spread over [`SHARDS`] tables by their key, so a table
//!   that grows holds its old buckets and its new ones at once for a
//!   sixteenth of the entries, not for all of them;
//! - expired entries are dropped once per time to live, and a table gives
//!   back what a flood made it grow.
//!
//! At most [`MAX`] entries are held; past it, expired ones go first, then
//! all.
//!
//! 128 bits are plenty for both: the key is a keyed hash under a random
//! key of this process (a second token that lands on a remembered key
//! would take some 2^128 tries, none of them seen), and the digest only
//! tells one stored hash from another.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The most tokens remembered at once.
pub(crate) const MAX: usize = 100_000;

/// How many tables the entries are spread over.
const SHARDS: usize = 16;

/// What an entry is found under: 128 bits of a keyed hash of the token.
pub(crate) type Key = [u8; 16];

struct Entry {
    /// 128 bits of the SHA-256 of the PHC string that verified.
    phc: [u8; 16],
    /// Milliseconds after [`Memo::epoch`] when the entry expires.
    until: u64,
}

pub(crate) struct Memo {
    /// The entries whose key's first byte is `i` modulo [`SHARDS`]: in
    /// table `i`.
    shards: Vec<HashMap<Key, Entry>>,
    ttl: Duration,
    /// What the entries' deadlines count from.
    epoch: Instant,
    /// When expired entries were last dropped.
    swept: Instant,
}

impl Memo {
    /// Entries that live `ttl` (zero: nothing is remembered).
    pub(crate) fn new(ttl: Duration) -> Memo {
        let now = Instant::now();
        Memo {
            shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
            ttl,
            epoch: now,
            swept: now,
        }
    }

    /// `at` as milliseconds after the epoch.
    fn millis(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    /// Which table holds the entry under `key`.
    fn shard_of(key: &Key) -> usize {
        usize::from(key[0]) % SHARDS
    }

    fn len(&self) -> usize {
        self.shards.iter().map(HashMap::len).sum()
    }

    /// Whether the token under `key` verified against this very `phc`,
    /// within its time to live.
    pub(crate) fn holds(&self, key: &Key, phc: &str) -> bool {
        self.holds_at(key, phc, Instant::now())
    }

    /// [`holds`](Self::holds) at `now` (a test's clock).
    fn holds_at(&self, key: &Key, phc: &str, now: Instant) -> bool {
        self.shards[Self::shard_of(key)]
            .get(key)
            .is_some_and(|e| e.until > self.millis(now) && e.phc == digest(phc))
    }

    /// Remember that the token under `key` verified against `phc`.
    pub(crate) fn remember(&mut self, key: Key, phc: &str) {
        self.remember_at(key, phc, Instant::now());
    }

    /// [`remember`](Self::remember) at `now` (a test's clock).
    fn remember_at(&mut self, key: Key, phc: &str, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        if now.duration_since(self.swept) >= self.ttl || self.len() >= MAX {
            self.sweep(now);
        }
        if self.len() >= MAX {
            self.shards.iter_mut().for_each(|s| *s = HashMap::new());
        }
        let entry = Entry {
            phc: digest(phc),
            // Whole milliseconds, rounded down: never longer than the time
            // to live.
            until: self.millis(now + self.ttl),
        };
        self.shards[Self::shard_of(&key)].insert(key, entry);
    }

    /// Drop the expired entries; give memory back where a table is mostly
    /// empty (after a flood).
    fn sweep(&mut self, now: Instant) {
        self.swept = now;
        let now = self.millis(now);
        for shard in &mut self.shards {
            shard.retain(|_, e| e.until > now);
            if shard.len() < shard.capacity() / 4 {
                shard.shrink_to_fit();
            }
        }
    }

    #[cfg(test)]
    fn len_and_capacity(&self) -> (usize, usize) {
        (self.len(), self.shards.iter().map(HashMap::capacity).sum())
    }
}

fn digest(phc: &str) -> [u8; 16] {
    let full: [u8; 32] = Sha256::digest(phc.as_bytes()).into();
    let mut half = [0; 16];
    half.copy_from_slice(&full[..16]);
    half
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> Key {
        let mut k = [0; 16];
        k[..4].copy_from_slice(&i.to_le_bytes());
        k
    }

    #[test]
    fn an_entry_holds_only_its_own_token_and_hash_string() {
        let mut memo = Memo::new(Duration::from_mins(1));
        memo.remember(key(1), "$argon2id$v=19$m=19456,t=2,p=1$a$b");
        assert!(memo.holds(&key(1), "$argon2id$v=19$m=19456,t=2,p=1$a$b"));
        assert!(!memo.holds(&key(1), "$argon2id$v=19$m=19456,t=2,p=1$a$c"));
        assert!(!memo.holds(&key(2), "$argon2id$v=19$m=19456,t=2,p=1$a$b"));
    }

    /// A bucket of a table is the key and the entry: 40 bytes (it was 88,
    /// with 256-bit digests, the id and an `Instant`), so 100,000
    /// remembered tokens take about 131,072 buckets of 41 bytes with the
    /// control byte: 5.4 MB.
    #[test]
    fn an_entry_is_small() {
        assert_eq!(std::mem::size_of::<(Key, Entry)>(), 40);
    }

    /// The entries are spread over the tables, so no one table grows (and
    /// holds its old buckets beside its new ones) for many more than a
    /// sixteenth of them.
    #[test]
    fn the_entries_are_spread_over_the_tables() {
        let mut memo = Memo::new(Duration::from_mins(10));
        for i in 0..20_000 {
            memo.remember(key(i), "h");
        }
        let (len, capacity) = memo.len_and_capacity();
        assert_eq!(len, 20_000);
        for shard in &memo.shards {
            assert!(shard.len() <= len / 8, "{} of {len}", shard.len());
            assert!(
                shard.capacity() <= capacity / 8,
                "{} of {capacity}",
                shard.capacity()
            );
        }
    }

    #[test]
    fn an_entry_lasts_its_time_to_live_and_no_longer() {
        let ttl = Duration::from_mins(1);
        let mut memo = Memo::new(ttl);
        let start = memo.epoch + Duration::from_millis(1_500);
        memo.remember_at(key(1), "h", start);
        let almost = start + Duration::from_millis(59_999);
        assert!(memo.holds_at(&key(1), "h", almost));
        assert!(!memo.holds_at(&key(1), "h", start + ttl));
        assert!(!memo.holds_at(&key(1), "h", start + ttl * 2));
    }

    #[test]
    fn nothing_is_remembered_with_no_time_to_live() {
        let mut memo = Memo::new(Duration::ZERO);
        memo.remember(key(1), "h");
        assert!(!memo.holds(&key(1), "h"));
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
            memo.remember_at(key(i), "h", start);
        }
        let (len, grown) = memo.len_and_capacity();
        assert!(len == 20_000 && grown >= len, "{len} {grown}");
        memo.remember_at(key(u32::MAX), "h", start + ttl * 2);
        let (len, capacity) = memo.len_and_capacity();
        assert_eq!(len, 1);
        assert!(capacity < grown / 100, "{capacity} of {grown}");
        assert!(memo.holds(&key(u32::MAX), "h"));
    }

    #[test]
    fn never_more_than_max() {
        let mut memo = Memo::new(Duration::from_mins(10));
        for i in 0..=u32::try_from(MAX).unwrap() {
            memo.remember(key(i), "h");
        }
        assert!(memo.len_and_capacity().0 <= MAX);
        assert!(memo.holds(&key(u32::try_from(MAX).unwrap()), "h"));
    }
}
