//! JSON arrays and CSV rows, written one item at a time as the store
//! yields them (no output's memory grows with its rows), and the CSV rule
//! against formula injection.

use std::borrow::Cow;
use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::Feed;
use crate::domain::model::{LogEntry, Pool, Token, TokenView};
use crate::error::Result;

/// How a row is shown to scripts: its JSON object and CSV row.
pub trait Shown {
    type View<'a>: Serialize
    where
        Self: 'a;
    fn shown(&self, now: DateTime<Utc>) -> Self::View<'_>;
}

impl Shown for Token {
    type View<'a> = TokenView<'a>;
    fn shown(&self, now: DateTime<Utc>) -> TokenView<'_> {
        self.view(now)
    }
}

impl Shown for LogEntry {
    type View<'a> = &'a LogEntry;
    fn shown(&self, _: DateTime<Utc>) -> &LogEntry {
        self
    }
}

impl Shown for Pool {
    type View<'a> = &'a Pool;
    fn shown(&self, _: DateTime<Utc>) -> &Pool {
        self
    }
}

impl Shown for Value {
    type View<'a> = &'a Value;
    fn shown(&self, _: DateTime<Utc>) -> &Value {
        self
    }
}

/// A JSON array, pretty, one element at a time: the same text
/// `serde_json::to_writer_pretty` gives for the whole array.
pub(super) fn json_array<T: Shown>(
    out: &mut dyn Write,
    now: DateTime<Utc>,
    feed: Feed<'_, T>,
) -> Result<()> {
    let mut first = true;
    let mut buf = Vec::with_capacity(1024);
    feed(&mut |item| {
        out.write_all(if first { b"[\n  " } else { b",\n  " })?;
        first = false;
        buf.clear();
        serde_json::to_writer_pretty(&mut buf, &item.shown(now))?;
        for (i, line) in buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n  ")?;
            }
            out.write_all(line)?;
        }
        Ok(())
    })?;
    out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
    Ok(())
}

/// CSV with a header row of the view's keys (RFC 4180 quoting), also when
/// there are no rows (then from `example`), one row at a time.
pub(super) fn csv_rows<T: Shown>(
    out: &mut dyn Write,
    now: DateTime<Utc>,
    feed: Feed<'_, T>,
    example: &T,
) -> Result<()> {
    let mut header = Vec::new();
    let mut buf = Vec::with_capacity(1024);
    let mut wrote_header = false;
    feed(&mut |item| {
        buf.clear();
        write_csv_row(
            &mut buf,
            &item.shown(now),
            (!wrote_header).then_some(&mut header),
        )?;
        wrote_header = true;
        out.write_all(&buf)?;
        Ok(())
    })?;
    if !wrote_header {
        // No rows: the header alone, from what a row would be.
        let Value::Object(fields) = serde_json::to_value(example.shown(now))? else {
            return Err(anyhow::anyhow!("a CSV row must be an object"));
        };
        let mut w = csv::Writer::from_writer(&mut *out);
        w.write_record(fields.keys())?;
        w.flush()?;
    }
    Ok(())
}

/// One value as a CSV row (and, given `header`, the header row first).
/// Nulls are empty fields, nested values their compact JSON, and every
/// field is [`spreadsheet_safe`].
pub(crate) fn write_csv_row<T: Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    value: &T,
    header: Option<&mut Vec<String>>,
) -> Result<()> {
    let Value::Object(fields) = serde_json::to_value(value)? else {
        return Err(anyhow::anyhow!("a CSV row must be an object"));
    };
    let mut w = csv::Writer::from_writer(&mut *buf);
    if let Some(h) = header {
        h.extend(fields.keys().cloned());
        w.write_record(h.iter())?;
    }
    w.write_record(fields.values().map(|v| match v {
        Value::Null => Cow::Borrowed(&b""[..]),
        Value::String(s) => Cow::Owned(spreadsheet_safe(s.as_bytes()).into_owned()),
        // A list of words (a token's address blocks): joined by single spaces.
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let words: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            Cow::Owned(spreadsheet_safe(words.join(" ").as_bytes()).into_owned())
        }
        other => Cow::Owned(spreadsheet_safe(other.to_string().as_bytes()).into_owned()),
    }))?;
    w.flush()?;
    Ok(())
}

/// A CSV field as spreadsheets may open it: one that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`, so that it is
/// shown as text and never run as a formula (OWASP's rule).
pub(super) fn spreadsheet_safe(field: &[u8]) -> Cow<'_, [u8]> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_guarded_and_plain_text_is_not() {
        for (field, guarded) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("ci-bot", "ci-bot"),
            ("", ""),
        ] {
            assert_eq!(&*spreadsheet_safe(field.as_bytes()), guarded.as_bytes());
        }
    }

    #[test]
    fn a_streamed_array_is_the_pretty_array() {
        let items = vec![
            serde_json::json!({"a": 1, "b": [1, 2]}),
            serde_json::json!({"a": 2}),
        ];
        let mut out = Vec::new();
        json_array(&mut out, Utc::now(), &mut |sink| {
            items.iter().try_for_each(&mut *sink)
        })
        .unwrap();
        let mut expect = serde_json::to_vec_pretty(&items).unwrap();
        expect.push(b'\n');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expect).unwrap()
        );
        let mut out = Vec::new();
        json_array::<Value>(&mut out, Utc::now(), &mut |_| Ok(())).unwrap();
        assert_eq!(out, b"[]\n");
    }
}
