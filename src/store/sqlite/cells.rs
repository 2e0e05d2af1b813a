//! The log's rows as SQLite holds them: any column may hold any type, so
//! each cell is read for what it is, and a row that no longer reads as one
//! tokenctl wrote is said to be so (the chain check calls it tampering).

use rusqlite::Row;
use rusqlite::types::ValueRef;

use crate::domain::chain::StoredEntry;
use crate::domain::model::LogEntry;
use crate::error::Result;
use crate::store::rows::{Cell, LogCells, Number};

/// A log row's cells as SQLite holds them (any column may hold any type).
fn log_cells(r: &Row<'_>) -> rusqlite::Result<LogCells> {
    let number = |i: usize| -> rusqlite::Result<Number> {
        Ok(match r.get_ref(i)? {
            ValueRef::Integer(n) => Number::Is(n),
            ValueRef::Null => Number::Null,
            _ => Number::Other,
        })
    };
    let text = |i: usize| -> rusqlite::Result<Cell> {
        Ok(match r.get_ref(i)? {
            ValueRef::Null => Cell::Null,
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map_or(Cell::NotText("not UTF-8 text"), |s| {
                    Cell::Text(s.to_owned())
                }),
            _ => Cell::NotText("not text"),
        })
    };
    Ok(LogCells {
        id: number(0)?,
        token_id: number(8)?,
        texts: [
            text(1)?,
            text(2)?,
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
        ],
    })
}

pub(super) fn read_log_row(r: &Row<'_>) -> rusqlite::Result<StoredEntry> {
    Ok(log_cells(r)?.entry())
}

pub(super) fn log_entry_from_row(r: &Row<'_>) -> rusqlite::Result<Result<LogEntry>> {
    Ok(log_cells(r)?.shown_entry())
}
