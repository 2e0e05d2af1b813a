//! Everything printed on stdout: tables for people, JSON and CSV for
//! scripts, all streamed row by row, and the rules for printing a secret
//! once. The keys of JSON objects and CSV headers come from the view
//! structs' `Serialize` (model.rs): one definition of the contract.

mod spool;
mod stream;
pub(crate) mod table;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;
use serde_json::Value;
use zeroize::Zeroizing;

pub(crate) use self::stream::Shown;
pub(crate) use self::stream::write_csv_row;
use self::stream::{csv_rows, json_array};
use self::table::{ALWAYS, Column};
use crate::domain::model::{LogEntry, Pool, Status, Token, TokenView};
use crate::error::Result;
use crate::lock::LockAnyway;

/// How output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Where data goes: stdout for the program, any writer for a test.
type Sink = Box<dyn Write + Send>;

pub struct Output {
    pub format: Format,
    /// stdout is a terminal: a person is reading.
    pub stdout_tty: bool,
    /// Colour is allowed: a terminal and no `NO_COLOR`.
    pub color: bool,
    /// `--wide`: a table on a terminal keeps every column.
    pub wide: bool,
    out: Mutex<Sink>,
}

/// A stream of rows: called with a sink, it feeds every row to it. Tables
/// call it twice (measure, then print).
pub(crate) type Feed<'a, T> = &'a mut dyn FnMut(&mut dyn FnMut(&T) -> Result<()>) -> Result<()>;

/// The token list's columns, by how long they stay on a narrowing terminal.
const TOKEN_COLUMNS: [Column; 8] = [
    Column {
        header: "Name",
        keep: 200,
        wraps: true,
    },
    Column {
        header: "Token prefix",
        keep: ALWAYS,
        wraps: false,
    },
    Column {
        header: "Device Pool",
        keep: 100,
        wraps: false,
    },
    Column {
        header: "API",
        keep: 10,
        wraps: false,
    },
    Column {
        header: "Access",
        keep: 120,
        wraps: false,
    },
    Column {
        header: "Expires",
        keep: 150,
        wraps: false,
    },
    Column {
        header: "Last used",
        keep: 140,
        wraps: false,
    },
    Column {
        header: "Status",
        keep: ALWAYS,
        wraps: false,
    },
];

/// The log's columns, likewise.
const LOG_COLUMNS: [Column; 7] = [
    Column {
        header: "#",
        keep: ALWAYS,
        wraps: false,
    },
    Column {
        header: "Time (UTC)",
        keep: ALWAYS,
        wraps: false,
    },
    Column {
        header: "Actor",
        keep: 190,
        wraps: false,
    },
    Column {
        header: "Operation",
        keep: 250,
        wraps: false,
    },
    Column {
        header: "Token",
        keep: 180,
        wraps: false,
    },
    Column {
        header: "Prefix",
        keep: 200,
        wraps: false,
    },
    Column {
        header: "Details",
        // Above Token (the prefix says which token): at 80 columns Token
        // goes, and Details wraps rather than going.
        keep: 182,
        wraps: true,
    },
];

impl Output {
    pub fn new(format: Format) -> Self {
        let stdout_tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            format,
            stdout_tty,
            color: stdout_tty && !no_color,
            wide: false,
            out: Mutex::new(Box::new(io::stdout())),
        }
    }

    /// Output in `format` into any writer, as if stdout were a pipe (no
    /// terminal, no colour): how output is tested without a process.
    pub fn to(format: Format, out: impl Write + Send + 'static) -> Self {
        Output {
            format,
            stdout_tty: false,
            color: false,
            wide: false,
            out: Mutex::new(Box::new(out)),
        }
    }

    /// `--wide`: tables on a terminal keep every column.
    #[must_use]
    pub fn wide(mut self, wide: bool) -> Self {
        self.wide = wide;
        self
    }

    /// The data writer, for one piece of output at a time.
    fn sink(&self) -> MutexGuard<'_, Sink> {
        self.out.lock_anyway()
    }

    fn print_line(&self, s: &str) -> Result<()> {
        let mut out = self.sink();
        writeln!(out, "{s}")?;
        out.flush()?;
        Ok(())
    }

    /// `before`, the secret, `after` and a newline, written straight to the
    /// writer: no string holding the secret is built on the way.
    fn print_secret_lines(&self, before: &str, secret: &str, after: &str) -> Result<()> {
        let mut out = self.sink();
        out.write_all(before.as_bytes())?;
        out.write_all(secret.as_bytes())?;
        out.write_all(after.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }

    fn table(&self) -> Table {
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if !self.color {
            t.force_no_tty();
        }
        t
    }

    /// A note for the person at the terminal: always stderr, never data.
    /// A method, so that every message to a person goes through `Output`.
    #[allow(clippy::unused_self)]
    pub fn note(&self, message: impl AsRef<str>) {
        note(message.as_ref());
    }

    fn status_color(status: Status) -> Option<Color> {
        match status {
            Status::Active => None,
            Status::Disabled => Some(Color::Yellow),
            Status::Expired => Some(Color::Red),
        }
    }

    /// Rows of a streamed list in the current format; `to_view` gives a
    /// row's JSON/CSV view, `row` its table cells.
    /// `example` stands for a row when there is none: CSV still prints
    /// its header.
    fn rows<T: Shown>(
        &self,
        columns: &[Column],
        now: DateTime<Utc>,
        row: &dyn Fn(&T) -> table::Row,
        example: &T,
        feed: Feed<'_, T>,
        empty: &str,
    ) -> Result<()> {
        let mut sink = self.sink();
        let mut out = BufWriter::new(&mut **sink);
        match self.format {
            Format::Json => json_array(&mut out, now, feed)?,
            Format::Csv => csv_rows(&mut out, now, feed, example)?,
            Format::Table => {
                let style = if !self.stdout_tty {
                    table::Style::Plain
                } else if self.wide {
                    table::Style::Boxed(None)
                } else {
                    table::Style::Boxed(table::terminal_width(true))
                };
                let streamed = table::stream(&mut out, columns, self.color, style, row, feed)?;
                // The table first, then what is said about it.
                out.flush()?;
                if !streamed.any {
                    self.note(empty);
                }
                if !streamed.hidden.is_empty() {
                    let n = streamed.hidden.len();
                    self.note(format!(
                        "{n} column{} hidden: {}; widen the terminal or use --wide",
                        if n == 1 { "" } else { "s" },
                        streamed.hidden.join(", ")
                    ));
                }
            }
        }
        out.flush()?;
        Ok(())
    }

    /// The token list. The Device Pool column is left out while no pool is
    /// registered (`show_pool` false); JSON and CSV keep the field.
    /// The token list. `empty` is what a person is told when no token is
    /// listed (which filter matched nothing).
    pub fn tokens(
        &self,
        show_pool: bool,
        now: DateTime<Utc>,
        feed: Feed<'_, Token>,
        empty: &str,
    ) -> Result<()> {
        let columns: Vec<Column> = TOKEN_COLUMNS
            .iter()
            .filter(|c| show_pool || c.header != "Device Pool")
            .copied()
            .collect();
        let row = |t: &Token| -> table::Row {
            let mut cells = vec![(t.name.clone(), None), (t.prefix.clone(), None)];
            if show_pool {
                cells.push((t.pool.clone().unwrap_or_default(), None));
            }
            let status = t.status(now);
            cells.extend([
                (crate::domain::model::API.to_owned(), None),
                (t.access.as_str().to_owned(), None),
                (human_time(t.expires_at), None),
                (t.last_used.map_or("never".into(), |d| d.to_string()), None),
                (status.as_str().to_owned(), Self::status_color(status)),
            ]);
            cells
        };
        self.rows(&columns, now, &row, &Token::example(), feed, empty)
    }

    /// The account log, as the store yields it (newest first).
    pub fn log(&self, feed: Feed<'_, LogEntry>, empty: &str) -> Result<()> {
        let row =
            |e: &LogEntry| -> table::Row { log_cells(e).into_iter().map(|c| (c, None)).collect() };
        self.rows(
            &LOG_COLUMNS,
            Utc::now(),
            &row,
            &LogEntry::example(),
            feed,
            empty,
        )
    }

    /// One token's fields.
    pub fn token(&self, t: &Token, now: DateTime<Utc>) -> Result<()> {
        match self.format {
            Format::Json | Format::Csv => self.record(&t.view(now), ""),
            Format::Table => {
                let mut table = self.table();
                let rows = [
                    ("Name", t.name.clone()),
                    ("Token prefix", t.prefix.clone()),
                    (
                        "Device Pool",
                        t.pool.clone().unwrap_or_else(|| "none".into()),
                    ),
                    ("API", crate::domain::model::API.into()),
                    ("Access", t.access.as_str().into()),
                    ("Owner", t.owner.clone().unwrap_or_else(|| "none".into())),
                    (
                        "Created",
                        format!("{} by {}", human_time(Some(t.created_at)), t.created_by),
                    ),
                    ("Expires", human_time(t.expires_at)),
                    (
                        "Last used",
                        t.last_used.map_or("never".into(), |d| d.to_string()),
                    ),
                    (
                        "Renewed",
                        t.renewed_at.map_or("never".into(), |d| human_time(Some(d))),
                    ),
                    (
                        "Allowed from",
                        if t.allowed_from.is_empty() {
                            "anywhere".into()
                        } else {
                            crate::domain::binding::blocks_text(&t.allowed_from)
                        },
                    ),
                    (
                        "Not before",
                        t.not_before.map_or("none".into(), |d| human_time(Some(d))),
                    ),
                    ("Rate", t.rate.map_or("no limit".into(), |r| r.to_string())),
                    (
                        "Last used from",
                        t.last_used_from.map_or("-".into(), |a| a.to_string()),
                    ),
                ];
                let status = t.status(now);
                if !self.stdout_tty {
                    let mut lines: Vec<Vec<String>> = rows
                        .iter()
                        .map(|(k, v)| vec![(*k).to_owned(), v.clone()])
                        .collect();
                    lines.push(vec!["Status".into(), status.as_str().to_owned()]);
                    let text = table::plain(&[], &lines);
                    return self.print_line(text.trim_end());
                }
                for (k, v) in rows {
                    table.add_row(vec![Cell::new(k), Cell::new(v)]);
                }
                let mut cell = Cell::new(status.as_str());
                if let Some(c) = Self::status_color(status) {
                    cell = cell.fg(c);
                }
                table.add_row(vec![Cell::new("Status"), cell]);
                self.print_line(&table.to_string())
            }
        }
    }

    /// The one time a token's secret is shown (`new`, `renew`, `exchange`).
    /// Piped table output: the token alone on stdout, the rest on stderr.
    pub fn secret(&self, t: &Token, secret: &str, what: &str, now: DateTime<Utc>) -> Result<()> {
        let summary = format!(
            "{what} token {} (prefix {}, {}{}, expires {}).",
            crate::domain::text::quoted(&t.name),
            t.prefix,
            t.access.as_str(),
            t.pool
                .as_deref()
                .map(|p| format!(", pool {p}"))
                .unwrap_or_default(),
            human_time(t.expires_at),
        );
        match self.format {
            Format::Json | Format::Csv => {
                #[derive(Serialize)]
                struct WithSecret<'a> {
                    #[serde(flatten)]
                    view: TokenView<'a>,
                    token: &'a str,
                }
                self.record(
                    &WithSecret {
                        view: t.view(now),
                        token: secret,
                    },
                    "",
                )
            }
            Format::Table if !self.stdout_tty => {
                self.note(format!("{summary} This is the only time it is shown."));
                self.print_secret_lines("", secret, "")
            }
            Format::Table => {
                let rule = "─".repeat(secret.len() + 4);
                self.print_secret_lines(
                    &format!("{summary}\n\n  ┌{rule}┐\n  │  "),
                    secret,
                    &format!(
                        "  │\n  └{rule}┘\n\nThis is the only time the token is shown: store it now."
                    ),
                )
            }
        }
    }

    /// After a change: scripts (JSON, CSV) get the token's object; people
    /// already got a note on stderr.
    pub fn result(&self, t: &Token, now: DateTime<Utc>) -> Result<()> {
        match self.format {
            Format::Table => Ok(()),
            Format::Json | Format::Csv => self.token(t, now),
        }
    }

    pub fn pools(&self, pools: &[Pool]) -> Result<()> {
        match self.format {
            Format::Table => {
                if pools.is_empty() {
                    self.note("No pools. Register one with: tokenctl pool add NAME");
                    return Ok(());
                }
                let header = ["Device Pool", "Tokens", "Created", "Created by"];
                if !self.stdout_tty {
                    let rows: Vec<Vec<String>> = pools
                        .iter()
                        .map(|p| {
                            vec![
                                p.name.clone(),
                                p.tokens.to_string(),
                                human_time(Some(p.created_at)),
                                p.created_by.clone(),
                            ]
                        })
                        .collect();
                    return self.print_line(&table::plain(&header, &rows));
                }
                let mut table = self.table();
                table.set_header(header.to_vec());
                for p in pools {
                    table.add_row(vec![
                        p.name.clone(),
                        p.tokens.to_string(),
                        human_time(Some(p.created_at)),
                        p.created_by.clone(),
                    ]);
                }
                self.print_line(&table.to_string())
            }
            _ => self.items(pools, &Pool::example()),
        }
    }

    /// A list for scripts: a JSON array, or CSV with a header row (from
    /// `example` when the list is empty) and a row an item.
    pub fn items<T: Shown>(&self, items: &[T], example: &T) -> Result<()> {
        let mut sink = self.sink();
        let mut out = BufWriter::new(&mut **sink);
        let mut feed =
            |sink: &mut dyn FnMut(&T) -> Result<()>| items.iter().try_for_each(&mut *sink);
        if self.format == Format::Json {
            json_array(&mut out, Utc::now(), &mut feed)?;
        } else {
            csv_rows(&mut out, Utc::now(), &mut feed, example)?;
        }
        out.flush()?;
        Ok(())
    }

    /// A single result object (`show`, `verify`, `log head`, `log verify`,
    /// a secret): JSON as is, CSV as a header and one row, and for people
    /// the given line. The buffer may hold a secret: it is wiped.
    pub fn record<T: Serialize>(&self, value: &T, human: &str) -> Result<()> {
        let mut buf = Zeroizing::new(Vec::new());
        match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *buf, value)?;
                buf.push(b'\n');
            }
            Format::Csv => {
                let mut header = Vec::new();
                write_csv_row(&mut buf, value, Some(&mut header))?;
            }
            Format::Table => return self.print_line(human),
        }
        let mut out = self.sink();
        out.write_all(&buf)?;
        out.flush()?;
        Ok(())
    }
}

/// The log's table columns' headers.
pub(crate) fn log_headers() -> [&'static str; 7] {
    LOG_COLUMNS.map(|c| c.header)
}

/// A log entry's cells as the table shows them (`log`, `log --follow`).
pub(crate) fn log_cells(e: &LogEntry) -> [String; 7] {
    [
        e.id.to_string(),
        e.at.replace('T', " ").trim_end_matches('Z').to_owned(),
        e.actor.clone(),
        e.op.as_str().to_owned(),
        e.token.clone().unwrap_or_default(),
        e.prefix.clone().unwrap_or_default(),
        serde_json::from_str(e.details.get())
            .map_or_else(|_| e.details.get().to_owned(), |d| human_details(&d)),
    ]
}

/// A time for people: `2026-12-23 00:37 UTC`, or `never`.
pub(crate) fn human_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or("never".into(), |t| {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    })
}

/// Details for people: `access: read-write → read-only; reason: rotation`.
pub(crate) fn human_details(details: &Value) -> String {
    let Value::Object(m) = details else {
        return details.to_string();
    };
    let show = |v: &Value| match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    m.iter()
        .map(|(k, v)| match v {
            Value::Array(pair) if pair.len() == 2 => {
                format!("{k}: {} → {}", show(&pair[0]), show(&pair[1]))
            }
            v => format!("{k}: {}", show(v)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The one writer of messages for people (notes, warnings, what a prompt
/// answers): stderr, never data. Errors leave through `error::report`.
pub(crate) fn note(message: &str) {
    eprintln!("{message}");
}

/// Before a secret is committed: stdout must still have a reader. A pipe
/// whose reader has gone would lose the secret after the change, so the
/// change is refused instead (spec section 5).
pub(crate) fn ensure_stdout_is_read() -> Result<()> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use std::os::fd::AsFd;
    let stdout = io::stdout();
    let fd = stdout.as_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    if poll(&mut fds, Some(&zero)).is_ok() && fds[0].revents().contains(PollFlags::ERR) {
        return Err(crate::error::Error::storage(
            "stdout is a pipe that nobody reads any more: the token would be lost, so nothing was changed",
        )
        .hint("run the command again with its output going where you can read it")
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
