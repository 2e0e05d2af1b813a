//! The store: where tokens, pools, access tokens and the account log live.
//! Commands open a [`Store`], run a closure on a read or on a write
//! transaction, and call the domain methods of [`Db`] on it. Only the
//! engine modules (`sqlite`) know SQL; nothing above this module sees an
//! engine's types.

mod location;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
mod sqlite;

use std::net::IpAddr;

use ipnet::IpNet;

use crate::domain::binding::Rate;
use crate::domain::policy::{Key, Policy};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::chain::{self, GENESIS, StoredEntry};
use crate::domain::model::{Access, Event, LogEntry, Op, Pool, Token};
use crate::domain::token::Kind;
use crate::domain::when::rfc3339;
use crate::error::Result;

pub(crate) use location::Location;
#[doc(hidden)]
pub use sqlite::schema;

/// How a command opens the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Read only; a missing store is "not found" and is not created.
    Read,
    /// Change a store that exists; a missing one is "not found" (on
    /// PostgreSQL, said by the first write, which reads the schema's
    /// version with its lock: one round trip fewer).
    Change,
    /// Change the store, creating it when missing (`new`, `pool add`; on
    /// PostgreSQL by the first write, as for `Change`: see
    /// [`Store::create`] to create it at once).
    Create,
    /// Read, with best-effort bookkeeping writes (`verify`'s `last_used`):
    /// a store this user may not write is opened read-only.
    Check,
}

/// An open store, on the engine its location names.
pub struct Store {
    engine: Engine,
}

enum Engine {
    Sqlite(sqlite::Sqlite),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::Postgres>),
}

impl Store {
    pub fn open(location: &Location, how: Open) -> Result<Store> {
        let engine = match location {
            Location::Sqlite(path) => Engine::Sqlite(sqlite::Sqlite::open(path, how)?),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => {
                Engine::Postgres(Box::new(postgres::Postgres::open(url, how)?))
            }
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(url) => {
                let _ = how;
                return Err(crate::error::Error::usage(format!(
                    "{} is a PostgreSQL store, and this tokenctl was built without PostgreSQL",
                    url.shown()
                ))
                .hint("build it with the `postgres` feature (on by default), or use a SQLite path")
                .into());
            }
        };
        Ok(Store { engine })
    }

    /// Create the store now if it is missing, writing nothing else: a
    /// service's first start.
    pub fn create(location: &Location) -> Result<()> {
        Store::open(location, Open::Create)?.read(|db| db.schema().map(drop))
    }

    /// Whether the connection to the store is gone for good (a PostgreSQL
    /// server that restarted, a SQLite file replaced by another): a new one
    /// must be opened.
    pub fn is_broken(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(e) => e.is_replaced(),
            #[cfg(feature = "postgres")]
            Engine::Postgres(e) => e.is_broken(),
        }
    }

    /// Run `f` on a consistent view of the store (one snapshot: two passes
    /// over the same rows see the same rows).
    pub fn read<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.read(f),
            #[cfg(feature = "postgres")]
            Engine::Postgres(e) => e.read(f),
        }
    }

    /// Wait until the log may have grown (another process committed), or
    /// `timeout` passes; `true` when it may have. SQLite polls its
    /// `data_version`; PostgreSQL listens for the log's notices. A `false`
    /// is no promise: callers look at the log then too (a notice is not
    /// durable).
    pub fn wait_for_change(&mut self, timeout: std::time::Duration) -> Result<bool> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.wait_for_change(timeout),
            #[cfg(feature = "postgres")]
            Engine::Postgres(e) => e.wait_for_change(timeout),
        }
    }

    /// Run `f` outside any transaction: for one lookup, which is consistent
    /// on its own (the checks of `verify` and `serve`, on every request).
    pub fn lookup<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.lookup(f),
            #[cfg(feature = "postgres")]
            Engine::Postgres(e) => e.lookup(f),
        }
    }

    /// Run `f` in one write transaction: the change and its log entry both
    /// happen or neither does. `f` may run again when the engine retries a
    /// transaction that failed for a passing reason, so it does no work
    /// outside the store (no hashing, no printing).
    pub fn write<T>(&mut self, f: impl FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.write(f),
            #[cfg(feature = "postgres")]
            Engine::Postgres(e) => e.write(f),
        }
    }

    /// Bookkeeping that may be skipped: `f` in a write transaction when the
    /// lock is free at once and the store may be written; otherwise nothing,
    /// at once. Never waits on another writer. Says whether it wrote.
    pub fn write_if_free(&mut self, f: impl FnMut(&mut dyn Db) -> Result<()>) -> Result<bool> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.write_if_free(f),
            #[cfg(feature = "postgres")]
            Engine::Postgres(e) => e.write_if_free(f),
        }
    }
}

/// The filters of `tokenctl log`.
#[derive(Debug, Default, Clone)]
pub struct LogFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// A token's name or prefix, now or at any time in the past.
    pub token: Option<String>,
    pub actor: Option<String>,
    pub op: Option<Op>,
    pub limit: Option<u64>,
    /// Only entries after this id, oldest first (`log --follow`); without
    /// it, newest first.
    pub after: Option<i64>,
}

/// A token about to be stored: its fields and the hash of its secret.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub pool_id: Option<i64>,
    pub access: Access,
    pub owner: Option<&'a str>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: &'a str,
    pub allowed_from: &'a [IpNet],
    pub not_before: Option<DateTime<Utc>>,
    pub rate: Option<Rate>,
}

/// The fields `modify` can change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub name: Option<String>,
    pub pool_id: Option<Option<i64>>,
    pub access: Option<Access>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub owner: Option<Option<String>>,
    pub allowed_from: Option<Vec<IpNet>>,
    pub not_before: Option<Option<DateTime<Utc>>>,
    pub rate: Option<Option<Rate>>,
}

/// An access token about to be stored.
pub struct NewAccess<'a> {
    pub prefix: &'a str,
    pub hash: &'a str,
    pub token_id: i64,
    /// The parent's prefix that was presented: during a renew's grace the
    /// old one, so that the access token dies with that grace.
    pub parent_prefix: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Which secret of its parent an access token was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MadeWith {
    /// The parent's current secret: it lives as long as that secret does.
    Current,
    /// The secret a renew replaced, during its grace: it dies with the grace.
    Old { grace_until: DateTime<Utc> },
    /// A secret the parent no longer has: it is dead.
    Gone,
}

/// What a prefix presented for checking belongs to.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A token's current secret; `grace_pending` while its old one still works.
    Current {
        token: Token,
        hash: String,
        grace_pending: bool,
    },
    /// The previous secret of a token renewed with a grace period.
    Old {
        token: Token,
        hash: String,
        grace_until: DateTime<Utc>,
    },
    /// A secret a renew or a self-rotation retired (kept 30 days).
    Retired {
        token: Token,
        hash: String,
        retired_at: DateTime<Utc>,
        /// Retired by the token's own rotation, not an administrator's renew.
        by_self: bool,
        /// Whether the secret that replaced it has been used.
        successor_used: bool,
    },
    /// A short-lived access token from `exchange`, with its parent.
    Access {
        parent: Token,
        hash: String,
        expires_at: DateTime<Utc>,
        made_with: MadeWith,
    },
}

impl Credential {
    /// The argon2 PHC string the presented token must match.
    pub fn hash(&self) -> &str {
        match self {
            Credential::Current { hash, .. }
            | Credential::Old { hash, .. }
            | Credential::Retired { hash, .. }
            | Credential::Access { hash, .. } => hash,
        }
    }
}

/// Rows as stored, for `db copy`: every column, ids included, times as the
/// stored text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRow {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub hash: String,
    pub pool_id: Option<i64>,
    pub access: String,
    pub owner: Option<String>,
    pub disabled: bool,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub last_used: Option<String>,
    pub renewed_at: Option<String>,
    pub old_prefix: Option<String>,
    pub old_hash: Option<String>,
    pub grace_until: Option<String>,
    pub allowed_from: String,
    pub not_before: Option<String>,
    pub rate: Option<String>,
    pub last_used_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub id: i64,
    pub prefix: String,
    pub hash: String,
    pub token_id: i64,
    pub parent_prefix: Option<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// A retired secret as stored (spec section 15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredRow {
    pub prefix: String,
    pub hash: String,
    pub token_id: i64,
    pub retired_at: String,
    pub by_self: bool,
    pub successor: String,
    pub successor_used: bool,
}

/// What `notify` delivered, as stored: a target (a digest of its URL) and
/// the last log entry it took, or an expiry event sent to it. A target's
/// lease is not part of it (it was a running notify's, on the source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyRow {
    Target {
        target: String,
        delivered: i64,
    },
    Sent {
        target: String,
        event: String,
        sent_at: String,
    },
}

/// The highest ids a store has handed out, so that a copy never hands one
/// out again (a deleted token's id stays its own in the log).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdsUsed {
    pub pool: i64,
    pub token: i64,
    pub access: i64,
}

/// A callback over streamed rows.
pub(crate) type Each<'f, T> = &'f mut dyn FnMut(T) -> Result<()>;

/// The store's operations, in the domain's words. Each engine implements
/// them; lookups go through unique indexes (prefix, name), so their cost
/// does not grow with the number of tokens.
/// The rows as stored, for `db copy`: every column, ids included, read and
/// written whole. Apart from [`Db`] (its supertrait) because it is one
/// concern: moving a whole store.
pub trait Copying {
    /// Whether the store holds nothing: no pool, token or log entry.
    fn is_empty(&mut self) -> Result<bool>;
    fn each_pool_row(&mut self, f: Each<'_, PoolRow>) -> Result<()>;
    fn each_token_row(&mut self, f: Each<'_, TokenRow>) -> Result<()>;
    fn each_access_row(&mut self, f: Each<'_, AccessRow>) -> Result<()>;
    fn insert_pool_row(&mut self, row: &PoolRow) -> Result<()>;
    fn insert_token_row(&mut self, row: &TokenRow) -> Result<()>;
    fn insert_access_row(&mut self, row: &AccessRow) -> Result<()>;
    /// The policy's rows (key, value), as stored.
    fn each_policy_row(&mut self, f: Each<'_, (String, String)>) -> Result<()>;
    fn insert_policy_row(&mut self, row: &(String, String)) -> Result<()>;
    /// The retired secrets, as stored.
    fn each_retired_row(&mut self, f: Each<'_, RetiredRow>) -> Result<()>;
    fn insert_retired_row(&mut self, row: &RetiredRow) -> Result<()>;
    /// What `notify` delivered: every target, then every expiry event sent.
    fn each_notify_row(&mut self, f: Each<'_, NotifyRow>) -> Result<()>;
    fn insert_notify_row(&mut self, row: &NotifyRow) -> Result<()>;
    /// After a copy: new ids start above the ones used.
    fn reserve_ids(&mut self, used: IdsUsed) -> Result<()>;
}

/// Who holds a webhook target's lease, and until when (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub until_ms: i64,
}

/// What `notify` remembers of a webhook target (spec section 14), beside
/// the log and outside its chain: the last log entry delivered, the expiry
/// events delivered, and the lease that lets one `notify` deliver at a
/// time. A target is named by a digest of its URL (without credentials).
pub trait Deliveries {
    /// Take the target's lease for `holder` until `until_ms`, or renew it,
    /// unless another holds it past `now_ms`. Says who holds it after.
    fn take_lease(
        &mut self,
        target: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Lease>;
    /// Give the lease up (a `notify` that stops), if `holder` has it.
    fn release_lease(&mut self, target: &str, holder: &str) -> Result<()>;
    /// The id of the last log entry delivered to the target (0: none).
    fn delivered(&mut self, target: &str) -> Result<i64>;
    /// Move the target's cursor to `id`, if `holder` has the lease; says
    /// whether it had.
    fn set_delivered(&mut self, target: &str, holder: &str, id: i64) -> Result<bool>;
    /// The expiry events delivered to the target, by webhook-id.
    fn sent_events(&mut self, target: &str) -> Result<Vec<String>>;
    /// Remember an expiry event as delivered, if `holder` has the lease;
    /// says whether it had.
    fn mark_sent(&mut self, target: &str, holder: &str, event: &str, at: &str) -> Result<bool>;
}

/// How long a retired secret is remembered (spec section 15).
pub(crate) const RETIRED_DAYS: i64 = 30;

/// Secrets that renews and rotations retired (spec section 15): kept as
/// hashes, by prefix, for [`RETIRED_DAYS`], outside the log.
pub trait Retiring {
    /// Keep token `id`'s current secret as retired at `at`, about to be
    /// replaced by `successor`'s.
    fn retire_current(&mut self, id: i64, successor: &str, by_self: bool, at: &str) -> Result<()>;
    /// The secret with prefix `successor` was used: the secrets it
    /// replaced now count as having a used successor.
    fn successor_used(&mut self, successor: &str) -> Result<()>;
    /// An unused successor `from` was replaced by `to` (a rotation repeated
    /// with the old secret).
    fn successor_replaced(&mut self, from: &str, to: &str) -> Result<()>;
    /// What `prefix` names among the secrets retired in the last
    /// [`RETIRED_DAYS`].
    fn retired(&mut self, prefix: &str) -> Result<Option<Credential>>;
    /// Forget the secrets retired before `before`.
    fn purge_retired(&mut self, before: &str) -> Result<usize>;

    /// [`retire_current`](Self::retire_current) at `now`, after forgetting
    /// the secrets retired more than [`RETIRED_DAYS`] ago: the table is
    /// tidied only where it grows ([`retired`](Self::retired) passes over
    /// an older one all the same, so no other write pays a statement).
    fn retire(
        &mut self,
        id: i64,
        successor: &str,
        by_self: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.purge_retired(&remembered_since(now))?;
        self.retire_current(id, successor, by_self, &rfc3339(now))
    }
}

/// The oldest retirement still remembered at `now`, as stored (RFC 3339
/// text, which orders as time does).
pub(crate) fn remembered_since(now: DateTime<Utc>) -> String {
    rfc3339(now - chrono::Duration::days(RETIRED_DAYS))
}

pub trait Db: Copying + Deliveries + Retiring {
    fn token_by_name(&mut self, name: &str) -> Result<Option<Token>>;
    fn token_by_prefix(&mut self, prefix: &str) -> Result<Option<Token>>;
    /// The token named `reference` and the token whose prefix it is (either
    /// may be missing, or both the same token): what a command's argument
    /// may mean. One read where a read is a round trip.
    fn token_by_name_or_prefix(
        &mut self,
        reference: &str,
    ) -> Result<(Option<Token>, Option<Token>)> {
        Ok((
            self.token_by_name(reference)?,
            self.token_by_prefix(reference)?,
        ))
    }
    /// Every token (of `pool`, when given), ordered by name, one at a time.
    fn each_token(&mut self, pool: Option<&str>, f: Each<'_, Token>) -> Result<()>;
    /// Names of all tokens, for suggestions.
    fn token_names(&mut self) -> Result<Vec<String>>;
    /// True when `value` is some token's name, prefix or old prefix, or an
    /// access token's prefix: a new prefix must be none of them.
    fn name_or_prefix_taken(&mut self, value: &str) -> Result<bool>;
    /// What `prefix` names for a token of `kind`.
    fn credential(&mut self, kind: Kind, prefix: &str) -> Result<Option<Credential>>;

    fn pool_id(&mut self, name: &str) -> Result<Option<i64>>;
    fn pools(&mut self) -> Result<Vec<Pool>>;
    fn pool_names(&mut self) -> Result<Vec<String>>;
    fn tokens_in_pool(&mut self, pool_id: i64) -> Result<i64>;

    /// Entries matching `filter`, newest first, one at a time.
    fn each_log_entry(&mut self, filter: &LogFilter, f: Each<'_, LogEntry>) -> Result<()>;
    /// The newest entry, if any.
    fn log_head(&mut self) -> Result<Option<LogEntry>>;
    /// Every entry as stored, oldest first, for the chain check; `f` says
    /// whether to go on.
    fn each_stored_entry(&mut self, f: &mut dyn FnMut(StoredEntry) -> bool) -> Result<()>;
    /// The newest entry's id and hash, to chain the next one from.
    fn log_tail(&mut self) -> Result<Option<(i64, String)>>;
    /// Store an entry whose hash is made (see [`Db::append_log`]).
    fn insert_log_entry(&mut self, entry: &LogEntry, token_id: Option<i64>) -> Result<()>;

    /// Store a new token; returns it as stored.
    fn insert_token(&mut self, t: &NewToken<'_>) -> Result<Token>;
    /// Change the fields `c` names; returns the token as it is now.
    fn update_token(&mut self, id: i64, c: &Changes) -> Result<Token>;
    fn set_disabled(&mut self, id: i64, disabled: bool) -> Result<()>;
    /// A new secret (and prefix) for the same token. With `grace_until`, the
    /// current secret keeps working until then (or the new one's first use);
    /// without, it dies at once. Only one old secret is kept.
    fn set_secret(
        &mut self,
        id: i64,
        prefix: &str,
        hash: &str,
        renewed_at: DateTime<Utc>,
        grace_until: Option<DateTime<Utc>>,
    ) -> Result<()>;
    /// A new current secret (and prefix), the old secret and its grace
    /// kept, restarted until `grace_until`: a self-rotation repeated with
    /// the old secret replaces the unused secret the first one made.
    fn replace_secret(
        &mut self,
        id: i64,
        prefix: &str,
        hash: &str,
        renewed_at: DateTime<Utc>,
        grace_until: DateTime<Utc>,
    ) -> Result<()>;
    /// The first use of a renewed token ends its old secret's grace (and the
    /// access tokens made with it), if the token still has the secret used.
    fn end_grace_if_current(&mut self, id: i64, prefix: &str) -> Result<()>;
    fn delete_token(&mut self, id: i64) -> Result<()>;
    /// Disable `t` as `disable` does: its access tokens end, and an old
    /// secret's grace with them (`disable`, `scan --disable`, a theft).
    fn disable(&mut self, t: &Token) -> Result<()> {
        self.set_disabled(t.id, true)?;
        self.end_access_of(t.id)?;
        self.end_grace_if_current(t.id, &t.prefix)
    }
    /// Record a use: at most one write a day per token, with the address
    /// the check was made for (`None`: not given).
    fn touch(&mut self, id: i64, today: NaiveDate, from: Option<IpAddr>) -> Result<bool>;

    fn insert_pool(&mut self, name: &str, now: DateTime<Utc>, actor: &str) -> Result<()>;

    /// The schema version the store is at, and the engine's name.
    fn schema(&mut self) -> Result<(i64, &'static str)>;

    /// The account's policy, read inside the caller's transaction (a write
    /// that it governs sees it as it stands at its commit).
    fn policy(&mut self) -> Result<Policy>;
    /// Set (`Some`) or unset (`None`) one key.
    fn set_policy(&mut self, key: Key, value: Option<&str>) -> Result<()>;
    fn delete_pool(&mut self, pool_id: i64) -> Result<()>;

    fn insert_access(&mut self, a: &NewAccess<'_>) -> Result<()>;
    /// End every access token of a token (renew, disable; delete cascades).
    fn end_access_of(&mut self, token_id: i64) -> Result<usize>;
    /// Drop access tokens that have expired, so the table does not grow.
    fn purge_expired_access(&mut self, now: DateTime<Utc>) -> Result<usize>;

    /// Append one entry, chained to the newest, inside the transaction that
    /// makes the change. `at` is the system clock now, at commit: each entry
    /// keeps its own real time, so one write under a wrong clock does not
    /// move later entries' times. The same on every engine.
    fn append_log(&mut self, event: Event<'_>) -> Result<LogEntry> {
        let (previous_id, previous_hash) =
            self.log_tail()?.unwrap_or_else(|| (0, GENESIS.to_owned()));
        let details_text = serde_json::to_string(&event.details)?;
        let mut entry = LogEntry {
            id: previous_id + 1,
            at: crate::domain::when::rfc3339(Utc::now()),
            actor: event.actor.to_owned(),
            op: event.op,
            token: event.token.map(str::to_owned),
            prefix: event.prefix.map(str::to_owned),
            details: serde_json::value::RawValue::from_string(details_text)?,
            hash: String::new(),
        };
        entry.hash = chain::hash_of(&previous_hash, &entry, &event.details);
        self.insert_log_entry(&entry, event.token_id)?;
        Ok(entry)
    }
}
