//! The schema, as migrations (`PRAGMA user_version`), and the application id
//! that tells our files from everyone else's.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use super::sql_error;
use crate::error::Result;

/// `PRAGMA application_id`: "tkCL". A file with another id is not ours.
pub const APPLICATION_ID: i32 = 0x746b_434c;

const V1: &str = r"
PRAGMA application_id = 1953186636;

CREATE TABLE pools (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

-- AUTOINCREMENT: a deleted token's id is never reused, so the log's
-- token_id names one token for ever.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL UNIQUE CHECK (length(prefix) = 8),
    hash        TEXT NOT NULL,
    -- RESTRICT: a pool in use cannot be removed.
    pool_id     INTEGER REFERENCES pools(id) ON DELETE RESTRICT,
    access      TEXT NOT NULL CHECK (access IN ('read-only', 'read-write')),
    owner       TEXT,
    disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    expires_at  TEXT,
    last_used   TEXT,
    renewed_at  TEXT
);
CREATE INDEX tokens_pool ON tokens(pool_id);

-- The account log. Token name and prefix are copied, so entries outlive the token.
CREATE TABLE log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    op       TEXT NOT NULL,
    -- Which token, across renames and renews (a search aid, not in the chain).
    token_id INTEGER,
    token    TEXT,
    prefix   TEXT,
    details  TEXT NOT NULL,
    hash     TEXT NOT NULL
);
CREATE INDEX log_at ON log(at);
CREATE INDEX log_token_id ON log(token_id);
CREATE INDEX log_token ON log(token);
CREATE INDEX log_prefix ON log(prefix);
CREATE INDEX log_actor ON log(actor);
CREATE INDEX log_op ON log(op);

-- Append-only: SQLite itself refuses to rewrite history. (Triggers stop
-- accidents; the hash chain catches whoever drops them.)
CREATE TRIGGER log_no_update BEFORE UPDATE ON log
BEGIN SELECT RAISE(ABORT, 'the account log is append-only'); END;
CREATE TRIGGER log_no_delete BEFORE DELETE ON log
BEGIN SELECT RAISE(ABORT, 'the account log is append-only'); END;
";

/// Renew with a grace period, and short-lived access tokens (`exchange`).
const V2: &str = r"
-- During a renew's grace the old secret still works, until grace_until or
-- the new token's first use, whichever comes first.
ALTER TABLE tokens ADD COLUMN old_prefix TEXT;
ALTER TABLE tokens ADD COLUMN old_hash TEXT;
ALTER TABLE tokens ADD COLUMN grace_until TEXT;
CREATE UNIQUE INDEX tokens_old_prefix ON tokens(old_prefix) WHERE old_prefix IS NOT NULL;

-- Access tokens from `exchange`. They die with their parent (CASCADE), and
-- renew/disable delete them explicitly.
CREATE TABLE access_tokens (
    id          INTEGER PRIMARY KEY,
    prefix      TEXT NOT NULL UNIQUE CHECK (length(prefix) = 8),
    hash        TEXT NOT NULL,
    token_id    INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX access_tokens_token ON access_tokens(token_id);
CREATE INDEX access_tokens_expires ON access_tokens(expires_at);
";

/// Tokens of 50 characters with a marker, and access tokens tied to the
/// secret that made them.
const V3: &str = r"
-- The parent's prefix that was presented to `exchange`: an access token made
-- with the old secret during a renew's grace dies when that grace ends.
ALTER TABLE access_tokens ADD COLUMN parent_prefix TEXT;
-- Access tokens of the earlier 46-character format can no longer be presented.
DELETE FROM access_tokens;
";

/// Bound tokens (spec section 12): values that change nothing for the
/// tokens there are (from anywhere, good now, no rate).
const V4: &str = r"
-- The blocks a token may be used from, normalised and joined by spaces; '' for anywhere.
ALTER TABLE tokens ADD COLUMN allowed_from TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN not_before TEXT;
-- N/DURATION, as tokenctl writes it.
ALTER TABLE tokens ADD COLUMN rate TEXT;
ALTER TABLE tokens ADD COLUMN last_used_from TEXT;
";

/// The account's policy (spec section 13): one row a key that is set.
const V5: &str = r"
CREATE TABLE policy (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// What `notify` has delivered (spec section 14): beside the log, outside
/// its chain.
const V6: &str = r"
-- A webhook target, by a digest of its URL: the last log entry delivered,
-- and the lease of the one notify that delivers (ms since the epoch).
CREATE TABLE notify_targets (
    target      TEXT PRIMARY KEY,
    delivered   INTEGER NOT NULL DEFAULT 0,
    holder      TEXT NOT NULL,
    lease_until INTEGER NOT NULL
);
-- Expiry events delivered, by webhook-id, each once.
CREATE TABLE notify_sent (
    target  TEXT NOT NULL REFERENCES notify_targets(target) ON DELETE CASCADE,
    event   TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (target, event)
);
";

/// Retired secrets (spec section 15): a secret a renew or a self-rotation
/// replaced, kept as its hash for 30 days so that one presented again is
/// recognised (and, after a self-rotation whose successor was used,
/// caught as theft).
const V7: &str = r"
CREATE TABLE retired_secrets (
    prefix         TEXT PRIMARY KEY,
    hash           TEXT NOT NULL,
    token_id       INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    retired_at     TEXT NOT NULL,
    -- 1: retired by the token's own rotation; 0: by an administrator's renew.
    by_self        INTEGER NOT NULL CHECK (by_self IN (0, 1)),
    -- The secret that replaced it, and whether that one has been used.
    successor      TEXT NOT NULL,
    successor_used INTEGER NOT NULL DEFAULT 0 CHECK (successor_used IN (0, 1))
);
CREATE INDEX retired_secrets_at ON retired_secrets(retired_at);
CREATE INDEX retired_secrets_successor ON retired_secrets(successor);
CREATE INDEX retired_secrets_token ON retired_secrets(token_id);
";

/// One step per schema version, counted from 1. Never edit a step that has
/// shipped: add the next one.
const STEPS: &[M<'static>] = &[
    M::up(V1),
    M::up(V2),
    M::up(V3),
    M::up(V4),
    M::up(V5),
    M::up(V6),
    M::up(V7),
];

pub static MIGRATIONS: Migrations<'static> = Migrations::from_slice(STEPS);

pub fn latest_version() -> i64 {
    STEPS.len() as i64
}

/// Bring the schema up to date. Several processes may race to set up a new
/// file: each migrates in an IMMEDIATE transaction (the connection's default
/// behaviour), and one that finds the work done by another accepts it.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    match MIGRATIONS.to_latest(conn) {
        Ok(()) => Ok(()),
        Err(first) => {
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(sql_error)?;
            if version == latest_version() {
                return Ok(());
            }
            if let rusqlite_migration::Error::RusqliteError { err, .. } = first {
                return Err(sql_error(err));
            }
            Err(anyhow::Error::new(first))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn the_migration_sets_our_application_id() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(id, APPLICATION_ID);
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
    }

    #[test]
    fn a_version_1_database_is_upgraded() {
        let mut conn = Connection::open_in_memory().unwrap();
        MIGRATIONS.to_version(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO tokens (name, prefix, hash, access, created_at, created_by)
             VALUES ('old', 'AAAAAAAA', 'h', 'read-write', '2026-01-01T00:00:00Z', 'x')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let grace: Option<String> = conn
            .query_row(
                "SELECT grace_until FROM tokens WHERE name = 'old'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(grace, None);
    }

    #[test]
    fn migrating_twice_is_harmless() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
    }
}
