//! Everything printed on stdout: table (comfy-table) for people, JSON and CSV
//! for scripts, and the rules for printing a secret once.

use std::borrow::{Borrow, Cow};
use std::io::{self, IsTerminal, Write};

use chrono::{DateTime, Utc};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::cli::Format;
use crate::error::Result;
use crate::model::{Pool, Status, Token};
use crate::store::log::LogEntry;
use crate::when::rfc3339;

/// The keys of a token's JSON object (spec section 2), in order.
pub const TOKEN_KEYS: &[&str] = &[
    "name",
    "prefix",
    "pool",
    "api",
    "access",
    "owner",
    "status",
    "created_at",
    "created_by",
    "expires_at",
    "last_used",
    "renewed_at",
];

/// The keys of a log entry's JSON object (spec section 7), in order.
pub const LOG_KEYS: &[&str] = &[
    "id", "at", "actor", "op", "token", "prefix", "details", "hash",
];

pub struct Output {
    pub format: Format,
    /// stdout is a terminal: a person is reading.
    pub stdout_tty: bool,
    /// Colour is allowed: a terminal and no `NO_COLOR`.
    pub color: bool,
}

impl Output {
    pub fn new(format: Format) -> Self {
        let stdout_tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            format,
            stdout_tty,
            color: stdout_tty && !no_color,
        }
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
    pub fn note(&self, message: impl AsRef<str>) {
        eprintln!("{}", message.as_ref());
    }

    pub fn tokens(&self, tokens: &[Token], show_pool: bool, now: DateTime<Utc>) -> Result<()> {
        match self.format {
            Format::Json => print_json(&Value::Array(
                tokens
                    .iter()
                    .map(|t| Value::Object(t.to_json(now)))
                    .collect(),
            )),
            Format::Csv => print_csv(TOKEN_KEYS, tokens.iter().map(|t| t.to_json(now))),
            Format::Table => {
                let mut table = self.table();
                let mut header = vec!["Name", "Token prefix"];
                if show_pool {
                    header.push("Device Pool");
                }
                header.extend(["API", "Access", "Expires", "Last used", "Status"]);
                table.set_header(header);
                for t in tokens {
                    let mut row = vec![Cell::new(&t.name), Cell::new(&t.prefix)];
                    if show_pool {
                        row.push(Cell::new(t.pool.as_deref().unwrap_or("")));
                    }
                    row.extend([
                        Cell::new(crate::model::API),
                        Cell::new(t.access.as_str()),
                        Cell::new(human_time(t.expires_at)),
                        Cell::new(t.last_used.map_or("never".into(), |d| d.to_string())),
                        self.status_cell(t.status(now)),
                    ]);
                    table.add_row(row);
                }
                if tokens.is_empty() {
                    self.note("No tokens. Create one with: tokenctl new --name NAME");
                    return Ok(());
                }
                print_line(&table.to_string())
            }
        }
    }

    fn status_cell(&self, status: Status) -> Cell {
        let cell = Cell::new(status.as_str());
        match status {
            Status::Active => cell,
            Status::Disabled => cell.fg(Color::Yellow),
            Status::Expired => cell.fg(Color::Red),
        }
    }

    /// One token's fields.
    pub fn token(&self, t: &Token, now: DateTime<Utc>) -> Result<()> {
        self.token_with(t, now, None)
    }

    fn token_with(
        &self,
        t: &Token,
        now: DateTime<Utc>,
        extra: Option<(&str, Value)>,
    ) -> Result<()> {
        let mut obj = t.to_json(now);
        if let Some((k, v)) = extra {
            obj.insert(k.into(), v);
        }
        match self.format {
            Format::Json | Format::Csv => {
                let printed = if self.format == Format::Json {
                    let value = Value::Object(obj);
                    let printed = print_json(&value);
                    let Value::Object(back) = value else {
                        unreachable!()
                    };
                    obj = back;
                    printed
                } else {
                    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
                    print_csv(&keys, std::iter::once(&obj))
                };
                // A secret shown once does not stay behind in memory.
                if let Some(Value::String(s)) = obj.get_mut("token") {
                    s.zeroize();
                }
                printed
            }
            Format::Table => {
                let mut table = self.table();
                let rows = [
                    ("Name", t.name.clone()),
                    ("Token prefix", t.prefix.clone()),
                    (
                        "Device Pool",
                        t.pool.clone().unwrap_or_else(|| "none".into()),
                    ),
                    ("API", crate::model::API.into()),
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
                ];
                for (k, v) in rows {
                    table.add_row(vec![Cell::new(k), Cell::new(v)]);
                }
                table.add_row(vec![Cell::new("Status"), self.status_cell(t.status(now))]);
                print_line(&table.to_string())
            }
        }
    }

    /// The one time a token's secret is shown (`new`, `renew`).
    /// Piped table output: the token alone on stdout, the rest on stderr.
    pub fn secret(&self, t: &Token, secret: &str, what: &str, now: DateTime<Utc>) -> Result<()> {
        let summary = format!(
            "{what} token {} (prefix {}, {}{}, expires {}).",
            crate::text::quoted(&t.name),
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
                self.token_with(t, now, Some(("token", Value::String(secret.to_owned()))))
            }
            Format::Table if !self.stdout_tty => {
                self.note(format!("{summary} This is the only time it is shown."));
                print_secret_lines("", secret, "")
            }
            Format::Table => {
                let rule = "─".repeat(secret.len() + 4);
                print_secret_lines(
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
        let objects = pools.iter().map(|p| {
            let mut m = Map::new();
            m.insert("name".into(), p.name.clone().into());
            m.insert("tokens".into(), p.tokens.into());
            m.insert("created_at".into(), rfc3339(p.created_at).into());
            m.insert("created_by".into(), p.created_by.clone().into());
            m
        });
        match self.format {
            Format::Json => print_json(&Value::Array(objects.map(Value::Object).collect())),
            Format::Csv => print_csv(&["name", "tokens", "created_at", "created_by"], objects),
            Format::Table => {
                if pools.is_empty() {
                    self.note("No pools. Register one with: tokenctl pool add NAME");
                    return Ok(());
                }
                let mut table = self.table();
                table.set_header(vec!["Device Pool", "Tokens", "Created", "Created by"]);
                for p in pools {
                    table.add_row(vec![
                        p.name.clone(),
                        p.tokens.to_string(),
                        human_time(Some(p.created_at)),
                        p.created_by.clone(),
                    ]);
                }
                print_line(&table.to_string())
            }
        }
    }

    pub fn log(&self, entries: &[LogEntry]) -> Result<()> {
        match self.format {
            Format::Json => print_json(&Value::Array(
                entries.iter().map(|e| Value::Object(e.to_json())).collect(),
            )),
            Format::Csv => print_csv(LOG_KEYS, entries.iter().map(LogEntry::to_json)),
            Format::Table => {
                if entries.is_empty() {
                    self.note("No log entries match.");
                    return Ok(());
                }
                let mut table = self.table();
                table.set_header(vec![
                    "#",
                    "Time (UTC)",
                    "Actor",
                    "Operation",
                    "Token",
                    "Prefix",
                    "Details",
                ]);
                for e in entries {
                    table.add_row(vec![
                        e.id.to_string(),
                        e.at.replace('T', " ").trim_end_matches('Z').to_owned(),
                        e.actor.clone(),
                        e.op.clone(),
                        e.token.clone().unwrap_or_default(),
                        e.prefix.clone().unwrap_or_default(),
                        human_details(&e.details),
                    ]);
                }
                print_line(&table.to_string())
            }
        }
    }

    /// A small result object (`log head`, `log verify`): JSON as is, CSV as one
    /// row, and for people the given line.
    pub fn record(&self, obj: Map<String, Value>, human: &str) -> Result<()> {
        match self.format {
            Format::Json => print_json(&Value::Object(obj)),
            Format::Csv => {
                let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
                print_csv(&keys, std::iter::once(&obj))
            }
            Format::Table => print_line(human),
        }
    }
}

/// A time for people: `2026-12-23 00:37 UTC`, or `never`.
pub fn human_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or("never".into(), |t| {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    })
}

/// Details for people: `access: read-write → read-only; reason: rotation`.
fn human_details(details: &Value) -> String {
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

fn print_line(s: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{s}")?;
    out.flush()?;
    Ok(())
}

/// `before`, the secret, `after` and a newline, written straight to stdout:
/// no string holding the secret is built on the way.
fn print_secret_lines(before: &str, secret: &str, after: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(before.as_bytes())?;
    out.write_all(secret.as_bytes())?;
    out.write_all(after.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn write_out(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// A CSV field as spreadsheets may open it: one that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`, so that it is
/// shown as text and never run as a formula (OWASP's rule).
pub fn spreadsheet_safe(field: &[u8]) -> Cow<'_, [u8]> {
    match field.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => {
            let mut guarded = Vec::with_capacity(field.len() + 1);
            guarded.push(b'\'');
            guarded.extend_from_slice(field);
            Cow::Owned(guarded)
        }
        _ => Cow::Borrowed(field),
    }
}

/// Before a secret is committed: stdout must still have a reader. A pipe
/// whose reader has gone would lose the secret after the change, so the
/// change is refused instead (spec section 5).
pub fn ensure_stdout_is_read() -> Result<()> {
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

/// Pretty JSON. The buffer may hold a secret (`new`, `renew`, `exchange`),
/// so it is wiped after use.
fn print_json(v: &Value) -> Result<()> {
    let mut buf = Zeroizing::new(Vec::new());
    serde_json::to_writer_pretty(&mut *buf, v)?;
    buf.push(b'\n');
    write_out(&buf)
}

/// CSV with a header row of the JSON keys (RFC 4180 quoting), also when
/// there are no rows. Nulls are empty fields; nested values (a log entry's
/// details) are their compact JSON. Strings are written without copies, and
/// the buffer is wiped after use, as it may hold a secret.
fn print_csv<R: Borrow<Map<String, Value>>>(
    header: &[&str],
    rows: impl Iterator<Item = R>,
) -> Result<()> {
    // Built in memory, so that a closed pipe surfaces as the io::Error it is.
    let mut buf = Zeroizing::new(Vec::new());
    let mut w = csv::Writer::from_writer(&mut *buf);
    w.write_record(header)?;
    for row in rows {
        let row = row.borrow();
        w.write_record(header.iter().map(|k| {
            match row.get(*k) {
                None | Some(Value::Null) => Cow::Borrowed(&b""[..]),
                Some(Value::String(s)) => spreadsheet_safe(s.as_bytes()),
                Some(other) => spreadsheet_safe(other.to_string().as_bytes())
                    .into_owned()
                    .into(),
            }
        }))?;
    }
    w.flush()?;
    drop(w);
    write_out(&buf)
}
