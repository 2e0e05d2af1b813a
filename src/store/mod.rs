//! The SQLite store: opening (and refusing foreign files), pragmas,
//! migrations, and the IMMEDIATE write transaction. SQL lives only here.

pub mod access;
pub mod log;
pub mod pools;
pub mod schema;
pub mod tokens;

use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

/// How long a command waits for another process's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a command may create and change the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read only; a missing database is "not found" and is not created.
    Read,
    /// Change an existing database; a missing one is "not found".
    Existing,
    /// Change the database, creating it when missing (`new`, `pool add`).
    Write,
}

pub struct Store {
    conn: Connection,
}

/// What the first bytes of a file say it is.
enum Header {
    Empty,
    Sqlite { application_id: i32 },
    Other,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn read_header(path: &Path) -> io::Result<Header> {
    let mut buf = Vec::with_capacity(100);
    fs::File::open(path)?.take(100).read_to_end(&mut buf)?;
    Ok(match buf.len() {
        0 => Header::Empty,
        100.. if buf.starts_with(SQLITE_MAGIC) => Header::Sqlite {
            application_id: i32::from_be_bytes([buf[68], buf[69], buf[70], buf[71]]),
        },
        _ => Header::Other,
    })
}

fn not_ours(path: &Path, why: &str) -> anyhow::Error {
    Error::storage(format!(
        "{} is not a tokenctl database ({why}); it was left untouched",
        path.display()
    ))
    .hint("point --db or TOKENCTL_DB at a tokenctl database, or at a new path")
    .into()
}

/// Turn a SQLite failure into the contract's terms: a lock held past the
/// timeout is said plainly; everything else is a storage failure (exit 10).
pub fn sql_error(e: rusqlite::Error) -> anyhow::Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::storage(format!(
            "the database is locked by another process (waited {} s)",
            BUSY_TIMEOUT.as_secs()
        ))
        .hint("try again when the other tokenctl or sqlite3 process has finished")
        .into(),
        Some(ErrorCode::ReadOnly) => {
            Error::storage(format!("the database is read-only: {e}")).into()
        }
        Some(ErrorCode::DiskFull) => Error::storage("the disk is full; nothing was changed").into(),
        _ => anyhow::Error::new(e),
    }
}

impl Store {
    pub fn open(path: &Path, mode: Mode) -> Result<Store> {
        match mode {
            Mode::Read => Self::open_read(path),
            Mode::Existing => match read_header(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Err(no_database(path)),
                Ok(Header::Empty) => Err(no_database(path)),
                _ => Self::open_write(path),
            },
            Mode::Write => Self::open_write(path),
        }
    }

    fn open_read(path: &Path) -> Result<Store> {
        let header = match read_header(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(no_database(path));
            }
            other => other.with_context(|| format!("cannot read {}", path.display()))?,
        };
        match header {
            Header::Empty => return Err(no_database(path)),
            Header::Other => return Err(not_ours(path, "not an SQLite file")),
            Header::Sqlite { .. } => {}
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_error)
        .with_context(|| format!("cannot open {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        match identify(&conn, path)? {
            Identity::Current => Ok(Store { conn }),
            // An empty SQLite file: nothing to read yet.
            Identity::Fresh => Err(no_database(path)),
            // An older schema of ours: upgrading it is a write, done once.
            Identity::Older => {
                drop(conn);
                Self::open_write(path)
            }
        }
    }

    fn open_write(path: &Path) -> Result<Store> {
        create_private(path)?;
        match read_header(path).with_context(|| format!("cannot read {}", path.display()))? {
            Header::Other => return Err(not_ours(path, "not an SQLite file")),
            Header::Sqlite { application_id }
                if application_id != 0 && application_id != schema::APPLICATION_ID =>
            {
                return Err(not_ours(path, "another program's SQLite database"));
            }
            _ => {}
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_error)
        .with_context(|| format!("cannot open {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        // Identify before any pragma that writes: a foreign file stays untouched.
        let identity = identify(&conn, path)?;
        ensure_wal(&conn).context("cannot switch the database to WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql_error)?;
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        if identity != Identity::Current {
            schema::migrate(&mut conn)
                .with_context(|| format!("cannot set up {}", path.display()))?;
        }
        Ok(Store { conn })
    }

    /// For reads. Read commands open the database read-only.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one IMMEDIATE transaction: the write lock is taken at once
    /// (waiting up to the busy timeout), so the change and its log entry both
    /// happen or neither does.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        let value = f(&tx)?;
        tx.commit().map_err(sql_error)?;
        Ok(value)
    }
}

/// Switch a new database to WAL. Changing the journal mode needs a lock that
/// SQLite does not wait for through the busy handler, so when several
/// processes open a new file at once, retry until the busy timeout.
fn ensure_wal(conn: &Connection) -> Result<()> {
    let start = Instant::now();
    loop {
        let mode =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0));
        match mode {
            Ok(m) if m.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(m) => {
                return Err(Error::storage(format!(
                    "the database stays in journal mode {m}, not WAL"
                ))
                .into());
            }
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(sql_error(e)),
        }
    }
}

fn no_database(path: &Path) -> anyhow::Error {
    Error::not_found(format!("no tokenctl database at {}", path.display()))
        .hint("`tokenctl new` or `tokenctl pool add` creates one; --db or TOKENCTL_DB points elsewhere")
        .into()
}

#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// An empty SQLite database: ours to set up.
    Fresh,
    /// Ours, with a schema older than this tokenctl's.
    Older,
    Current,
}

fn identify(conn: &Connection, path: &Path) -> Result<Identity> {
    // One statement, so one snapshot: another process may be setting up
    // the same new file right now.
    let (application_id, version, objects): (i32, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()),
                    (SELECT user_version FROM pragma_user_version()),
                    (SELECT count(*) FROM sqlite_schema)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(sql_error)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if application_id == 0 {
        return if objects == 0 && version == 0 {
            Ok(Identity::Fresh)
        } else {
            Err(not_ours(path, "another program's SQLite database"))
        };
    }
    if application_id != schema::APPLICATION_ID {
        return Err(not_ours(path, "another program's SQLite database"));
    }
    let latest = schema::latest_version();
    match version {
        v if v > latest => Err(Error::storage(format!(
            "{} has schema version {v}, newer than this tokenctl understands ({latest}); it was left untouched",
            path.display()
        ))
        .hint("upgrade tokenctl")
        .into()),
        v if v == latest => Ok(Identity::Current),
        _ => Ok(Identity::Older),
    }
}

/// Create the database file (mode 0600) and its directory (0700) if missing,
/// before SQLite opens it, so that the file and its -wal/-shm stay private.
fn create_private(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("cannot create {}", path.display()))),
    }
}

/// Map a row-not-found into `None`.
pub(crate) fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(sql_error(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_sqlite_has_the_wal_reset_fix() {
        // SQLite 3.7.0–3.51.2 can corrupt a WAL database when two processes
        // write or checkpoint at once; 3.51.3 fixed it.
        assert!(
            rusqlite::version_number() >= 3_051_003,
            "bundled SQLite {} is too old",
            rusqlite::version()
        );
    }
}
