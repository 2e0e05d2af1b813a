//! PostgreSQL's rows into the cells [`rows`](crate::store::rows) decodes:
//! a token's columns, a log entry's (typed columns: a cell that does not
//! read as its type was changed behind tokenctl's back).

use chrono::{DateTime, Utc};
use postgres::Row;

use crate::domain::chain::StoredEntry;
use crate::domain::model::{LogEntry, Token};
use crate::error::Result;
use crate::store::rows::{self, Cell, LogCells, Number, TokenCells};

pub(super) fn time(r: &Row, i: usize) -> Result<Option<DateTime<Utc>>> {
    Ok(rows::time(r.try_get::<_, Option<String>>(i)?.as_deref()))
}

pub(super) fn token_from_row(r: &Row) -> Result<Token> {
    TokenCells {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        prefix: r.try_get(2)?,
        pool: r.try_get(3)?,
        access: r.try_get(4)?,
        owner: r.try_get(5)?,
        disabled: r.try_get(6)?,
        created_at: r.try_get(7)?,
        created_by: r.try_get(8)?,
        expires_at: r.try_get(9)?,
        last_used: r.try_get(10)?,
        renewed_at: r.try_get(11)?,
        allowed_from: r.try_get(12)?,
        not_before: r.try_get(13)?,
        rate: r.try_get(14)?,
        last_used_from: r.try_get(15)?,
    }
    .token()
}

/// A log row's cells as PostgreSQL holds them (typed columns: a cell that
/// does not read as its type was changed behind tokenctl's back).
fn log_cells(r: &Row) -> LogCells {
    let number = |i: usize| match r.try_get::<_, Option<i64>>(i) {
        Ok(Some(n)) => Number::Is(n),
        Ok(None) => Number::Null,
        Err(_) => Number::Other,
    };
    let text = |i: usize| match r.try_get::<_, Option<String>>(i) {
        Ok(Some(t)) => Cell::Text(t),
        Ok(None) => Cell::Null,
        Err(_) => Cell::NotText("not text"),
    };
    LogCells {
        id: number(0),
        token_id: number(8),
        texts: [
            text(1),
            text(2),
            text(3),
            text(4),
            text(5),
            text(6),
            text(7),
        ],
    }
}

pub(super) fn read_log_row(r: &Row) -> StoredEntry {
    log_cells(r).entry()
}

pub(super) fn log_entry_from_row(r: &Row) -> Result<LogEntry> {
    log_cells(r).shown_entry()
}
