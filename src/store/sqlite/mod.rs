//! The SQLite engine: opening (and refusing foreign files), pragmas,
//! migrations, and the IMMEDIATE write transaction. Its SQL is in `db.rs`.

mod cells;
mod copy;
mod db;
mod file;
mod notify;
mod retired;
pub mod schema;

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use self::file::Looks;
use super::{Db, Open};
use crate::error::{Error, Result, StoreError};

/// How long a command waits for another process's write lock before failing.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The page cache of a checking connection (`serve` and a library
/// `Verifier` keep several), in KiB. SQLite's default is 2,000 KiB each:
/// under a flood of distinct tokens each connection filled it (random
/// lookups over 100,000 tokens: 2.2 MiB a connection). A busy token's
/// pages stay cached in 512; the rest come from the system's file cache.
const CHECK_CACHE_KIB: i64 = 512;

pub(super) struct Sqlite {
    conn: Connection,
    read_only: bool,
    /// The file opened, and which file it was (device and inode): a file
    /// put in its place later (a restore: `mv restored.db tokenctl.db`) is
    /// another store, and a long-lived connection must be opened again.
    path: std::path::PathBuf,
    opened: Option<(u64, u64)>,
    /// `PRAGMA data_version` when last looked at: it moves when another
    /// connection commits ([`Sqlite::wait_for_change`]).
    seen_version: Option<i64>,
}

/// The device and inode of the file at `path`.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

fn not_ours(path: &Path, why: &str) -> anyhow::Error {
    Error::storage(format!(
        "{} is not a tokenctl database ({why}); it was left untouched",
        path.display()
    ))
    .hint("point --db or TOKENCTL_DB at a tokenctl database, or at a new path")
    .into()
}

fn newer(path: &Path, version: i64) -> anyhow::Error {
    let latest = schema::latest_version();
    Error::storage(format!(
        "{} has schema version {version}, newer than this tokenctl understands ({latest}); it was left untouched",
        path.display()
    ))
    .hint("upgrade tokenctl")
    .into()
}

/// Turn a SQLite failure into the contract's terms: a lock held past the
/// timeout is said plainly; everything else is a storage failure (exit 10).
pub(super) fn sql_error(e: rusqlite::Error) -> anyhow::Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::storage(format!(
            "the database is locked by another process (waited {} s)",
            BUSY_TIMEOUT.as_secs()
        ))
        .hint("try again when the other tokenctl or sqlite3 process has finished")
        .store(StoreError::Busy)
        .into(),
        Some(ErrorCode::ReadOnly) => Error::storage(format!("the database is read-only: {e}"))
            .store(StoreError::ReadOnly)
            .into(),
        Some(ErrorCode::DiskFull) => Error::storage("the disk is full; nothing was changed")
            .store(StoreError::DiskFull)
            .into(),
        _ => anyhow::Error::new(e),
    }
}

/// What is at `path`: nothing (`None`), or what its bytes say. Anything but
/// a regular file (a directory, a FIFO, a device) is refused at once,
/// without waiting on it.
fn look(path: &Path) -> Result<Option<Looks>> {
    let mut f = match file::open_nonblocking(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        other => other.with_context(|| format!("cannot read {}", path.display()))?,
    };
    let kind = f
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?
        .file_type();
    if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a device"
        };
        return Err(Error::storage(format!(
            "{} is {what}, not a database file; it was left untouched",
            path.display()
        ))
        .hint("point --db or TOKENCTL_DB at a regular file, or at a new path")
        .into());
    }
    file::inspect(path, &mut f)
        .map(Some)
        .with_context(|| format!("cannot read {}", path.display()))
}

/// Whether this process may change the database: the file, and the
/// directory where SQLite keeps its `-wal` and `-shm`.
fn writable(path: &Path) -> bool {
    use rustix::fs::{Access, access};
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    access(path, Access::WRITE_OK).is_ok() && access(dir, Access::WRITE_OK).is_ok()
}

impl Sqlite {
    /// Wait until another connection commits, or `timeout` passes; says
    /// which. Polls `PRAGMA data_version` (a read of a counter in shared
    /// memory, no I/O) every 50 ms. The first call says "changed".
    pub(super) fn wait_for_change(&mut self, timeout: Duration) -> Result<bool> {
        let end = Instant::now() + timeout;
        loop {
            let version: i64 = self
                .conn
                .pragma_query_value(None, "data_version", |r| r.get(0))
                .map_err(sql_error)?;
            if self.seen_version != Some(version) {
                self.seen_version = Some(version);
                return Ok(true);
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }

    pub(super) fn open(path: &Path, mode: Open) -> Result<Sqlite> {
        let sqlite = Self::open_as(path, mode)?;
        if mode == Open::Check {
            sqlite
                .conn
                .pragma_update(None, "cache_size", -CHECK_CACHE_KIB)
                .map_err(sql_error)?;
        }
        Ok(sqlite)
    }

    fn open_as(path: &Path, mode: Open) -> Result<Sqlite> {
        let latest = schema::latest_version();
        let looks = look(path)?;
        match (looks, mode) {
            (Some(Looks::Foreign(why)), _) => Err(not_ours(path, why)),
            (Some(Looks::Ours { version }), _) if i64::from(version) > latest => {
                Err(newer(path, i64::from(version)))
            }
            (None | Some(Looks::Empty), Open::Create) => {
                create_private(path)?;
                Self::open_write(path)
            }
            (Some(Looks::Blank), Open::Create) => Self::open_write(path),
            (None | Some(Looks::Empty | Looks::Blank), _) => Err(no_database(path)),
            (Some(Looks::Ours { version }), _) if i64::from(version) < latest => {
                // An older schema of ours: upgrading it is a write, done once,
                // also on the way to a read.
                if !writable(path) {
                    return Err(Error::storage(format!(
                        "{} has an older schema (version {version}) that must be upgraded, and it is read-only here",
                        path.display()
                    ))
                    .hint("run any tokenctl command once as a user who may write it")
                    .into());
                }
                Self::open_write(path)
            }
            (Some(Looks::Ours { .. }), Open::Read) => Self::open_read(path),
            (Some(Looks::Ours { .. }), Open::Check) if !writable(path) => Self::open_read(path),
            (Some(Looks::Ours { .. }), _) => Self::open_write(path),
        }
    }

    fn open_read(path: &Path) -> Result<Sqlite> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Self::connect(path, flags) {
            Ok(conn) => conn,
            // A WAL database on a read-only mount or in a directory we may
            // not write, with no -wal beside it: nobody can be writing it,
            // so it is read as it stands (`immutable`).
            Err(_) if !file::beside(path, "-wal").exists() => {
                Self::connect(&immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)?
            }
            Err(e) => return Err(e),
        };
        match identify(&conn, path)? {
            Identity::Current => Ok(Sqlite {
                conn,
                read_only: true,
                path: path.to_owned(),
                opened: file_identity(path),
                seen_version: None,
            }),
            Identity::Fresh => Err(no_database(path)),
            Identity::Older => Err(Error::storage(format!(
                "{} changed while it was opened; try again",
                path.display()
            ))
            .into()),
        }
    }

    /// Open and read the identity, so that a failure shows up here.
    fn connect(path: &Path, flags: OpenFlags) -> Result<Connection> {
        let conn = Connection::open_with_flags(path, flags)
            .map_err(sql_error)
            .with_context(|| format!("cannot open {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(sql_error)
        .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(conn)
    }

    fn open_write(path: &Path) -> Result<Sqlite> {
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_error)
        .with_context(|| format!("cannot open {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        // Identify again, now through SQLite, before any pragma that writes:
        // another process may have changed the file since it was looked at.
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
        Ok(Sqlite {
            conn,
            read_only: false,
            path: path.to_owned(),
            opened: file_identity(path),
            seen_version: None,
        })
    }

    /// `f` on one snapshot: a read transaction, so that two passes over
    /// the same rows (a table's widths, then its rows) see the same rows.
    pub(super) fn read<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(sql_error)?;
        let mut db: &Connection = &tx;
        let value = f(&mut db)?;
        // Nothing was written: ending the read transaction cannot lose anything.
        drop(tx);
        Ok(value)
    }

    /// `f` on the connection as it is, in autocommit: each statement is
    /// its own snapshot.
    pub(super) fn lookup<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        let mut db: &Connection = &self.conn;
        f(&mut db)
    }

    /// `f` in one IMMEDIATE transaction: the write lock is taken at once
    /// (waiting up to the busy timeout), so the change and its log entry both
    /// happen or neither does.
    pub(super) fn write<T>(&mut self, mut f: impl FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        let mut db: &Connection = &tx;
        let value = f(&mut db)?;
        tx.commit().map_err(sql_error)?;
        Ok(value)
    }

    /// Whether the file at the path is no longer the one opened (replaced
    /// or removed).
    pub(super) fn is_replaced(&self) -> bool {
        file_identity(&self.path) != self.opened
    }

    pub(super) fn write_if_free(
        &mut self,
        f: impl FnMut(&mut dyn Db) -> Result<()>,
    ) -> Result<bool> {
        if self.read_only {
            return Ok(false);
        }
        self.conn.busy_timeout(Duration::ZERO).map_err(sql_error)?;
        let outcome = self.write(f);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_error)?;
        match outcome {
            Err(e) if skippable(&e) => Ok(false),
            other => other.map(|()| true),
        }
    }
}

/// A failure that only means "not now": the lock is held, or the database
/// cannot be written.
fn skippable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<rusqlite::Error>().is_some_and(|e| {
            matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::ReadOnly)
            )
        }) || c
            .downcast_ref::<Error>()
            .is_some_and(|e| matches!(e.store, Some(StoreError::Busy | StoreError::ReadOnly)))
    })
}

/// `file:PATH?immutable=1`, the path percent-encoded where a URI needs it.
fn immutable_uri(path: &Path) -> std::path::PathBuf {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri.into()
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
        v if v > latest => Err(newer(path, v)),
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
    use super::*;

    #[test]
    fn a_checking_connection_keeps_a_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(Sqlite::open(&path, Open::Create).unwrap());
        let cache = |mode| -> i64 {
            Sqlite::open(&path, mode)
                .unwrap()
                .conn
                .pragma_query_value(None, "cache_size", |r| r.get(0))
                .unwrap()
        };
        assert_eq!(cache(Open::Check), -CHECK_CACHE_KIB);
        assert_eq!(cache(Open::Read), -2000, "commands keep SQLite's default");
    }

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
