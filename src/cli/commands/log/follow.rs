//! `tokenctl log --follow`: the last `--limit` matching entries (default
//! 10), oldest first, then every new matching entry within a second of its
//! commit, until SIGINT, SIGTERM or a closed pipe (exit 0). JSON is JSON
//! Lines; CSV and the table print their header once (the table as plain
//! aligned lines). Memory stays constant: each poll streams what is new.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cli::Ctx;
use crate::cli::output::{Format, log_cells, log_headers, table};
use crate::domain::model::LogEntry;
use crate::error::Result;
use crate::store::{LogFilter, Open};

/// How long one wait for a change lasts: how soon a signal or a closed
/// pipe is noticed when nothing is written.
const POLL: Duration = Duration::from_millis(250);
/// The log is read at least this often, changed or not (a PostgreSQL
/// notice is not durable: a reconnection can lose one).
const FALLBACK: Duration = Duration::from_secs(1);

/// Set by SIGINT or SIGTERM: stop at the next poll.
static STOP: AtomicBool = AtomicBool::new(false);

/// The table's column widths, plain and fixed (a stream cannot measure
/// ahead); its headers and cells are `log`'s.
const WIDTHS: [usize; 7] = [6, 19, 12, 11, 16, 8, 0];

pub(super) fn follow(ctx: &Ctx, filter: LogFilter) -> Result<()> {
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    let mut store = ctx.open(Open::Read)?;
    // Listen (or note SQLite's data_version) before the first read, so
    // that no commit after it goes unnoticed.
    store.wait_for_change(Duration::ZERO)?;
    let limit = filter.limit.unwrap_or(10);
    // The past: the newest `limit` matching entries, shown oldest first;
    // from then on, whatever comes after the newest entry there is now.
    let (mut last, recent) = store.read(|db| {
        let tail = db.log_tail()?.map_or(0, |(id, _)| id);
        let mut recent = Vec::new();
        let past = LogFilter {
            limit: Some(limit),
            after: None,
            ..filter.clone()
        };
        db.each_log_entry(&past, &mut |e| {
            recent.push(e);
            Ok(())
        })?;
        recent.reverse();
        Ok((tail, recent))
    })?;
    let mut out = Stream::new(ctx.out.format);
    if !out.begin()? {
        return Ok(());
    }
    for e in &recent {
        if !out.entry(e)? {
            return Ok(());
        }
    }
    drop(recent);
    if !out.flush()? {
        return Ok(());
    }
    let newer = LogFilter {
        limit: None,
        ..filter
    };
    let mut last_read = std::time::Instant::now();
    while !STOP.load(Ordering::SeqCst) {
        // SQLite: `data_version` polled; PostgreSQL: the log's NOTIFY.
        let changed = store.wait_for_change(POLL)?;
        // A pipe whose reader has gone ends the follow, even when nothing
        // new comes to be written.
        if crate::cli::output::ensure_stdout_is_read().is_err() {
            return Ok(());
        }
        if !changed && last_read.elapsed() < FALLBACK {
            continue;
        }
        last_read = std::time::Instant::now();
        let mut gone = false;
        // One snapshot: the newest entry there is, and the matching ones
        // up to it. Entries the filters leave out still move the mark, but
        // never past one this snapshot did not see (a second read would
        // skip what was committed in between).
        store.read(|db| {
            let tail = db.log_tail()?.map_or(0, |(id, _)| id);
            db.each_log_entry(
                &LogFilter {
                    after: Some(last),
                    ..newer.clone()
                },
                &mut |e| {
                    last = last.max(e.id);
                    if !gone && !out.entry(&e)? {
                        gone = true;
                    }
                    Ok(())
                },
            )?;
            last = last.max(tail);
            Ok(())
        })?;
        if gone || !out.flush()? {
            return Ok(());
        }
    }
    Ok(())
}

/// Entries written as they come, in the chosen format.
struct Stream {
    format: Format,
    out: std::io::Stdout,
}

impl Stream {
    fn new(format: Format) -> Stream {
        Stream {
            format,
            out: std::io::stdout(),
        }
    }

    /// The header of CSV and of the table, at once (before any entry).
    fn begin(&mut self) -> Result<bool> {
        let mut line = Vec::new();
        match self.format {
            Format::Json => return Ok(true),
            Format::Csv => {
                let mut header = Vec::new();
                crate::cli::output::write_csv_row(
                    &mut line,
                    &LogEntry::example(),
                    Some(&mut header),
                )?;
                let end = line
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(line.len(), |i| i + 1);
                line.truncate(end);
            }
            Format::Table => {
                line.extend(table::plain_line(&log_headers(), &WIDTHS).into_bytes());
                line.push(b'\n');
            }
        }
        Ok(written(self.out.write_all(&line))? && written(self.out.flush())?)
    }

    /// Write one entry; `false` when the reader has gone.
    fn entry(&mut self, e: &LogEntry) -> Result<bool> {
        let mut line = Vec::new();
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut line, e)?;
                line.push(b'\n');
            }
            // The header went out once, at the start (`begin`).
            Format::Csv => crate::cli::output::write_csv_row(&mut line, e, None)?,
            Format::Table => {
                let cells = log_cells(e);
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                line.extend(table::plain_line(&cells, &WIDTHS).into_bytes());
                line.push(b'\n');
            }
        }
        Ok(written(self.out.write_all(&line))?)
    }

    /// Flush; `false` when the reader has gone.
    fn flush(&mut self) -> Result<bool> {
        Ok(written(self.out.flush())?)
    }
}

/// A write's outcome: done, or the reader has gone (a closed pipe ends
/// the follow, exit 0); any other failure is one.
fn written(r: std::io::Result<()>) -> std::io::Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}
