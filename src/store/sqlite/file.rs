//! What a database file is, read from its bytes before SQLite touches it:
//! SQLite opening a foreign file may checkpoint its pending WAL, delete its
//! `-wal`, roll back its hot journal or create a `-shm`. A file that is not
//! ours must be left byte for byte as it was, so it is recognised here,
//! from the main file's header and, when a `-wal` is beside it, from the
//! newest committed copy of page 1 in that WAL.

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::schema;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const HEADER_LEN: usize = 100;

/// What the bytes say.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Looks {
    /// No bytes at all: a file we (or someone) created for a new database.
    Empty,
    /// An SQLite database with no schema yet and no application id: ours to set up.
    Blank,
    /// Ours, with this schema version (`PRAGMA user_version`).
    Ours { version: u32 },
    /// Not ours; why, in a few words.
    Foreign(&'static str),
}

/// The header fields we decide by.
struct Header {
    schema_cookie: u32,
    user_version: u32,
    application_id: u32,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn header(page: &[u8]) -> Option<Header> {
    (page.len() >= HEADER_LEN && page.starts_with(SQLITE_MAGIC)).then(|| Header {
        schema_cookie: be32(page, 40),
        user_version: be32(page, 60),
        application_id: be32(page, 68),
    })
}

/// Open for reading without ever blocking: a FIFO opened without
/// `O_NONBLOCK` waits for a writer for ever. Anything but a regular file is
/// refused by the caller.
pub(super) fn open_nonblocking(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// `path` + suffix (`-wal`, `-shm`, `-journal`).
pub(super) fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Read what the file is. `file` is the already opened, regular main file.
pub(super) fn inspect(path: &Path, file: &mut File) -> io::Result<Looks> {
    let mut first = Vec::with_capacity(HEADER_LEN);
    file.take(HEADER_LEN as u64).read_to_end(&mut first)?;
    if first.is_empty() {
        return Ok(Looks::Empty);
    }
    let Some(main) = header(&first) else {
        return Ok(Looks::Foreign("not an SQLite file"));
    };
    // The WAL's committed page 1, when there is one, is newer than the main file's.
    let newest = match newest_page_one(&beside(path, "-wal"))? {
        Some(page) => match header(&page) {
            Some(h) => h,
            None => return Ok(Looks::Foreign("its WAL holds no SQLite header")),
        },
        None => main,
    };
    Ok(decide(&newest))
}

fn decide(h: &Header) -> Looks {
    match h.application_id {
        0 if h.schema_cookie == 0 && h.user_version == 0 => Looks::Blank,
        0 => Looks::Foreign("another program's SQLite database"),
        id if id == schema::APPLICATION_ID as u32 => Looks::Ours {
            version: h.user_version,
        },
        _ => Looks::Foreign("another program's SQLite database"),
    }
}

/// The newest committed image of page 1 in a WAL file, if any: frames are
/// valid while their salts match the WAL header and their running checksum
/// holds; a frame with a non-zero "database size" ends a transaction.
fn newest_page_one(wal: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    match open_nonblocking(wal) {
        Ok(f) if f.metadata()?.is_file() => {
            f.take(64 << 20).read_to_end(&mut bytes)?;
        }
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    if bytes.len() < 32 {
        return Ok(None);
    }
    let magic = be32(&bytes, 0);
    if magic & !1 != 0x377f_0682 {
        return Ok(None);
    }
    let big_endian = magic & 1 == 1;
    let page_size = match be32(&bytes, 8) {
        1 => 65536,
        n => n as usize,
    };
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Ok(None);
    }
    let salts = (be32(&bytes, 16), be32(&bytes, 20));
    let mut sum = checksum(&bytes[..24], (0, 0), big_endian);
    if sum != (be32(&bytes, 24), be32(&bytes, 28)) {
        return Ok(None);
    }
    let mut committed = None;
    let mut pending = None;
    let mut at = 32;
    while at + 24 + page_size <= bytes.len() {
        let frame = &bytes[at..at + 24];
        let page = &bytes[at + 24..at + 24 + page_size];
        if (be32(frame, 8), be32(frame, 12)) != salts {
            break;
        }
        sum = checksum(page, checksum(&frame[..8], sum, big_endian), big_endian);
        if sum != (be32(frame, 16), be32(frame, 20)) {
            break;
        }
        if be32(frame, 0) == 1 {
            pending = Some(at + 24);
        }
        if be32(frame, 4) != 0 {
            committed = pending.or(committed);
        }
        at += 24 + page_size;
    }
    Ok(committed.map(|start| bytes[start..start + page_size].to_vec()))
}

/// SQLite's WAL checksum: pairs of 32-bit words, in the byte order the
/// WAL's magic number names.
fn checksum(data: &[u8], (mut s0, mut s1): (u32, u32), big_endian: bool) -> (u32, u32) {
    let word = |c: &[u8]| {
        let b = [c[0], c[1], c[2], c[3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    for pair in data.chunks_exact(8) {
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn looks(path: &Path) -> Looks {
        let mut f = open_nonblocking(path).unwrap();
        inspect(path, &mut f).unwrap()
    }

    #[test]
    fn a_pending_wal_is_read_without_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("foreign.db");
        let c = Connection::open(&db).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
             CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');",
        )
        .unwrap();
        // The schema is only in the WAL while the connection is open.
        assert!(std::fs::metadata(beside(&db, "-wal")).unwrap().len() > 0);
        assert_eq!(
            looks(&db),
            Looks::Foreign("another program's SQLite database")
        );
        drop(c);
    }

    #[test]
    fn our_schema_in_a_pending_wal_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ours.db");
        let mut c = Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
            .unwrap();
        schema::migrate(&mut c).unwrap();
        assert_eq!(
            looks(&db),
            Looks::Ours {
                version: schema::latest_version() as u32
            }
        );
        drop(c);
        assert_eq!(
            looks(&db),
            Looks::Ours {
                version: schema::latest_version() as u32
            }
        );
    }

    #[test]
    fn blank_empty_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        assert_eq!(looks(&empty), Looks::Empty);
        let text = dir.path().join("text");
        std::fs::write(&text, "hello\n").unwrap();
        assert_eq!(looks(&text), Looks::Foreign("not an SQLite file"));
        let blank = dir.path().join("blank.db");
        Connection::open(&blank)
            .unwrap()
            .execute_batch("PRAGMA journal_mode=WAL;")
            .unwrap();
        assert_eq!(looks(&blank), Looks::Blank);
    }
}
