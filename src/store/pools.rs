//! The `pools` table: the device pools a token may be tied to.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{optional, sql_error};
use crate::error::Result;
use crate::model::Pool;
use crate::when::{from_rfc3339, rfc3339};

pub fn id_of(conn: &Connection, name: &str) -> Result<Option<i64>> {
    optional(conn.query_row("SELECT id FROM pools WHERE name = ?1", [name], |r| r.get(0)))
}

/// All pools by name, with how many tokens each holds.
pub fn list(conn: &Connection) -> Result<Vec<Pool>> {
    let mut stmt = conn
        .prepare(
            "SELECT p.name, p.created_at, p.created_by,
                    (SELECT count(*) FROM tokens t WHERE t.pool_id = p.id)
             FROM pools p ORDER BY p.name",
        )
        .map_err(sql_error)?;
    let rows = stmt
        .query_map([], |r| {
            let created_at: String = r.get(1)?;
            Ok(Pool {
                name: r.get(0)?,
                created_at: from_rfc3339(&created_at).unwrap_or_default(),
                created_by: r.get(2)?,
                tokens: r.get(3)?,
            })
        })
        .map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
}

pub fn names(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM pools ORDER BY name")
        .map_err(sql_error)?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
}

pub fn any(conn: &Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM pools)", [], |r| r.get(0))
        .map_err(sql_error)
}

pub fn insert(conn: &Connection, name: &str, now: DateTime<Utc>, actor: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO pools (name, created_at, created_by) VALUES (?1, ?2, ?3)",
        params![name, rfc3339(now), actor],
    )
    .map_err(sql_error)?;
    Ok(())
}

pub fn tokens_in(conn: &Connection, pool_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM tokens WHERE pool_id = ?1",
        [pool_id],
        |r| r.get(0),
    )
    .map_err(sql_error)
}

pub fn delete(conn: &Connection, pool_id: i64) -> Result<()> {
    conn.execute("DELETE FROM pools WHERE id = ?1", [pool_id])
        .map_err(sql_error)?;
    Ok(())
}
