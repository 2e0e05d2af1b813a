//! The PostgreSQL engine: connecting (TLS through rustls, `sslmode` as
//! libpq reads it), refusing what is not ours, migrations, and write
//! transactions that serialise on the one-row `log_head` (the lock that
//! keeps log ids gapless and the chain single under many writers on many
//! machines), retried on a serialization failure, a deadlock or a
//! connection lost before commit. Its SQL is in `db.rs`.

mod appending;
mod cells;
mod copy;
mod db;
mod locked;
mod notify;
mod retired;
mod schema;
mod tls;
mod typed;

use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, IsolationLevel};

use super::location::PgUrl;
use super::{Db, Open};
use crate::error::{Error, Result, StoreError};

/// How many times a transaction that failed for a passing reason is run.
const ATTEMPTS: usize = 5;

/// How long a connection attempt may take, the whole of it: TCP, TLS and
/// the start-up exchange (a server that accepts and never answers must not
/// hang a command). The URL's `connect_timeout` sets it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest any one statement may run on the server, and the longest a
/// statement waits for a lock (a writer's wait for the `log_head` lock
/// among them: as SQLite's busy timeout), for every connection.
const SESSION_OPTIONS: &str = "-c statement_timeout=120s -c lock_timeout=5s";

/// How long sent data may go unacknowledged before the connection is
/// given up (a server or network that went away mid-query).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) struct Postgres {
    client: Client,
    /// What this connection has prepared, for lookups run again and again.
    statements: typed::Statements,
    url: PgUrl,
    /// Whether this session has run `LISTEN tokenctl_log`.
    listening: bool,
    /// What the store was opened for: what a missing schema means.
    how: Open,
    /// Whether the schema was found to be this build's (or set up, or
    /// brought up to it). A store opened to write learns it with its first
    /// write, in the same round trip ([`locked::Locked::begin`]).
    identified: bool,
}

/// A PostgreSQL failure in the contract's terms: a system failure (exit
/// 10), said without the URL's password (the driver never echoes it).
/// Errors of our own kinds pass through.
pub(crate) fn in_contract_terms(e: anyhow::Error) -> anyhow::Error {
    if e.chain()
        .any(<dyn std::error::Error + 'static>::is::<Error>)
    {
        return e;
    }
    let Some(pg) = e.chain().find_map(|c| c.downcast_ref::<postgres::Error>()) else {
        return e;
    };
    let message = match pg.as_db_error() {
        Some(db) if *db.code() == SqlState::LOCK_NOT_AVAILABLE => {
            return Error::storage("the database is locked by another writer (waited 5 s)")
                .hint("try again when the other tokenctl has finished")
                .store(StoreError::Busy)
                .into();
        }
        Some(db) => format!("PostgreSQL: {}", db.message()),
        None => format!("PostgreSQL: {pg}"),
    };
    Error::storage(message).into()
}

/// The SQLSTATE of a failure, if PostgreSQL said one.
fn code_of(e: &anyhow::Error) -> Option<SqlState> {
    e.chain()
        .find_map(|c| c.downcast_ref::<postgres::Error>())
        .and_then(|p| p.code().cloned())
}

/// A failure of the COMMIT itself: whether the transaction took is not
/// known, so it is never run again after one (a retry could apply it twice).
#[derive(Debug)]
struct AtCommit(postgres::Error);

impl std::fmt::Display for AtCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AtCommit {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The server ended the session (an administrator's
/// `pg_terminate_backend`, a shutdown, a restart): connect again.
fn session_ended(e: &anyhow::Error) -> bool {
    matches!(
        code_of(e),
        Some(c) if c == SqlState::ADMIN_SHUTDOWN
            || c == SqlState::CRASH_SHUTDOWN
            || c == SqlState::CANNOT_CONNECT_NOW
    )
}

/// A failure worth running the whole transaction again for: a
/// serialization failure, a deadlock, or a connection lost or ended before
/// the commit (never one lost at the commit: that one may have taken).
fn transient(e: &anyhow::Error) -> bool {
    if e.chain()
        .any(<dyn std::error::Error + 'static>::is::<AtCommit>)
    {
        return false;
    }
    let closed = e.chain().any(|c| {
        c.downcast_ref::<postgres::Error>()
            .is_some_and(postgres::Error::is_closed)
    });
    closed
        || session_ended(e)
        || matches!(
            code_of(e),
            Some(c) if c == SqlState::T_R_SERIALIZATION_FAILURE || c == SqlState::T_R_DEADLOCK_DETECTED
        )
}

impl Postgres {
    pub(super) fn open(url: &PgUrl, how: Open) -> Result<Postgres> {
        let client = connect(url)?;
        let mut pg = Postgres {
            client,
            statements: typed::Statements::default(),
            url: url.clone(),
            listening: false,
            how,
            identified: false,
        };
        // A store opened to change it reads its version row with its first
        // write; one opened to read, now.
        if !matches!(how, Open::Change | Open::Create) {
            pg.identify()?;
        }
        Ok(pg)
    }

    /// Read the schema's version row; set it up, bring it up to date, or
    /// refuse it, as the store was opened for.
    fn identify(&mut self) -> Result<()> {
        let url = &self.url;
        match schema::identify(&mut self.client, url)? {
            schema::Identity::Missing if self.how == Open::Create => {
                schema::migrate(&mut self.client, url)?;
            }
            schema::Identity::Missing => {
                return Err(Error::not_found(format!(
                    "no tokenctl database at {}",
                    url.shown()
                ))
                .hint("`tokenctl new` or `tokenctl pool add` creates its tables; --db or TOKENCTL_DB points elsewhere")
                .into());
            }
            schema::Identity::Older => schema::migrate(&mut self.client, url)?,
            schema::Identity::Current => {}
        }
        self.identified = true;
        Ok(())
    }

    /// [`identify`](Self::identify), unless it was done.
    fn identify_once(&mut self) -> Result<()> {
        if self.identified {
            return Ok(());
        }
        self.identify()
    }

    /// Whether the connection is gone (the server restarted or went away).
    pub(super) fn is_broken(&self) -> bool {
        self.client.is_closed()
    }

    fn reconnect(&mut self) -> Result<()> {
        self.client = connect(&self.url)?;
        self.statements = typed::Statements::default();
        self.listening = false;
        Ok(())
    }

    /// Wait until a log entry is committed (the log's trigger notifies
    /// `tokenctl_log`, from any machine), or `timeout` passes; says which.
    /// The first call listens and says "changed": a NOTIFY is not durable,
    /// so callers read the log on every timeout too.
    pub(super) fn wait_for_change(&mut self, timeout: std::time::Duration) -> Result<bool> {
        self.identify_once()?;
        if !self.listening {
            self.client
                .batch_execute("LISTEN tokenctl_log")
                .map_err(|e| in_contract_terms(e.into()))?;
            self.listening = true;
            return Ok(true);
        }
        use postgres::fallible_iterator::FallibleIterator;
        let mut notifications = self.client.notifications();
        let changed = notifications
            .timeout_iter(timeout)
            .next()
            .map_err(|e| in_contract_terms(e.into()))?
            .is_some();
        // What came meanwhile is the same news.
        let mut pending = notifications.iter();
        while pending
            .next()
            .map_err(|e| in_contract_terms(e.into()))?
            .is_some()
        {}
        Ok(changed)
    }

    /// `f` on one snapshot (a repeatable-read, read-only transaction).
    pub(super) fn read<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.identify_once()?;
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| in_contract_terms(e.into()))?;
        let value = f(&mut db::Pg {
            session: typed::Typed(&mut tx),
            head: appending::Head::Unknown,
            pending: Vec::new(),
            policy: None,
        })
        .map_err(in_contract_terms)?;
        tx.commit().map_err(|e| in_contract_terms(e.into()))?;
        Ok(value)
    }

    /// `f` outside any transaction, for a lookup of one row: a statement
    /// is a snapshot of its own, and a check on PostgreSQL is then the one
    /// round trip of its query (a transaction added two: BEGIN, COMMIT),
    /// prepared once where the connection lives on ([`typed::Cached`]).
    pub(super) fn lookup<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.identify_once()?;
        let mut session = typed::Cached {
            client: &mut self.client,
            statements: &mut self.statements,
        };
        f(&mut db::Pg {
            session: typed::Typed(&mut session),
            head: appending::Head::Unknown,
            pending: Vec::new(),
            policy: None,
        })
        .map_err(in_contract_terms)
    }

    /// `f` in one transaction that first takes the `log_head` lock, so
    /// writers run one at a time, as on SQLite; retried a bounded number of
    /// times when it fails for a passing reason before its commit.
    pub(super) fn write<T>(&mut self, mut f: impl FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write_once(&mut f, false) {
                Err(e) if attempt < ATTEMPTS && transient(&e) => {
                    if self.client.is_closed() || session_ended(&e) {
                        self.reconnect()?;
                    }
                    std::thread::sleep(Duration::from_millis(10 * attempt as u64));
                }
                other => return other.map_err(in_contract_terms),
            }
        }
    }

    fn write_once<T>(
        &mut self,
        f: &mut impl FnMut(&mut dyn Db) -> Result<T>,
        nowait: bool,
    ) -> Result<T> {
        // The wait for the lock is the session's lock_timeout
        // (SESSION_OPTIONS), as SQLite's busy timeout.
        let version = !self.identified;
        let mut locked = locked::Locked::begin(&mut self.client, nowait, version);
        if version {
            let schema_says = match &locked {
                Ok(l) => !l.current,
                // No such table or column, or not this user's to read: what
                // the open's check would have made sense of. (A lost
                // connection or a lock not had is the write's to handle.)
                Err(e) => code_of(e).is_some_and(|c| c.code().starts_with("42")),
            };
            if schema_says {
                // Missing, older, newer or not ours: roll back, and do what
                // the open would have done.
                drop(locked);
                self.identify()?;
                locked = locked::Locked::begin(&mut self.client, nowait, false);
            } else if locked.is_ok() {
                self.identified = true;
            }
        }
        let mut locked = locked?;
        let mut db = db::Pg {
            session: typed::Typed(&mut *locked.client),
            head: appending::Head::Read(locked.tail.take()),
            pending: Vec::new(),
            policy: Some(std::mem::take(&mut locked.policy)),
        };
        let value = f(&mut db)?;
        db.finish()?;
        locked.commit().map_err(AtCommit)?;
        Ok(value)
    }

    /// Bookkeeping that may be skipped: only when the lock is free at once
    /// and the database takes the change.
    pub(super) fn write_if_free(
        &mut self,
        mut f: impl FnMut(&mut dyn Db) -> Result<()>,
    ) -> Result<bool> {
        match self.write_once(&mut f, true).map(|()| true) {
            Err(e)
                if matches!(
                    code_of(&e),
                    Some(c) if c == SqlState::LOCK_NOT_AVAILABLE
                        || c == SqlState::READ_ONLY_SQL_TRANSACTION
                        || c == SqlState::INSUFFICIENT_PRIVILEGE
                ) =>
            {
                Ok(false)
            }
            other => other.map_err(in_contract_terms),
        }
    }
}

/// Connect as the URL says, TLS as its `sslmode` says, within the connect
/// timeout for the whole exchange.
fn connect(url: &PgUrl) -> Result<Client> {
    let (config, connector) = tls::config(url)?;
    let mut config = config;
    let deadline = *config.get_connect_timeout().unwrap_or(&CONNECT_TIMEOUT);
    config.connect_timeout(deadline);
    config.application_name("tokenctl");
    let options = match config.get_options() {
        Some(theirs) => format!("{theirs} {SESSION_OPTIONS}"),
        None => SESSION_OPTIONS.to_owned(),
    };
    config.options(&options);
    config.keepalives(true);
    config.keepalives_idle(Duration::from_secs(30));
    config.tcp_user_timeout(TCP_USER_TIMEOUT);
    // The driver's own timeout covers the TCP connect only: the start-up
    // runs on a thread of its own, and is given up at the deadline (the
    // thread ends with its socket).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(config.connect(connector));
    });
    let connected = rx.recv_timeout(deadline).map_err(|_| {
        Error::storage(format!(
            "cannot connect to {}: no answer within {} s",
            url.shown(),
            deadline.as_secs()
        ))
        .hint(
            "check the server, and that HOST:PORT is PostgreSQL; ?connect_timeout=N sets the wait",
        )
    })?;
    connected.map_err(|e| {
        // What the server or the network said; the driver never repeats the
        // password, and the URL is shown without it.
        let cause = if let Some(db) = e.as_db_error() {
            db.message().to_owned()
        } else {
            let mut cause = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                cause.push_str(&format!(": {s}"));
                source = s.source();
            }
            cause
        };
        Error::storage(format!("cannot connect to {}: {cause}", url.shown()))
            .hint("check the URL in --db or TOKENCTL_DB, the server, and its sslmode")
            .into()
    })
}
