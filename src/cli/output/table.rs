//! Tables for people that stream: a first pass over the rows measures the
//! columns, a second prints them in chunks through comfy-table with the
//! widths fixed, so memory does not grow with the number of rows. On a
//! narrow terminal, lower-priority columns are left out before anything is
//! wrapped, and only a column marked `wraps` (free text) ever wraps: a
//! prefix, a status or a date is never split across lines.

use std::io::Write;

use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets};
use unicode_width::UnicodeWidthStr;

use super::spool::Spool;
use crate::error::Result;

/// A column of a streamed table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub header: &'static str,
    /// Higher stays longer as the terminal narrows; [`ALWAYS`] never goes.
    pub keep: u8,
    /// Free text that may wrap when even the kept columns do not fit.
    pub wraps: bool,
}

/// A column that is never left out.
pub(crate) const ALWAYS: u8 = u8::MAX;

/// One cell: its text and, on a colour terminal, its colour.
pub(crate) type Row = Vec<(String, Option<Color>)>;

/// Rows printed per comfy-table chunk.
const CHUNK: usize = 256;

/// The narrowest a wrapping column gets.
const MIN_WRAP: usize = 8;

/// Which columns to show, and how wide, for the measured content widths
/// and the terminal's width (`None`: not a terminal, everything shows).
pub(crate) fn layout(
    columns: &[Column],
    widths: &[usize],
    terminal: Option<usize>,
) -> Vec<Option<usize>> {
    let mut shown: Vec<Option<usize>> = widths.iter().copied().map(Some).collect();
    let Some(limit) = terminal else {
        return shown;
    };
    // Borders and padding: "│ a ┆ b │" is 1 + (w + 3) per column.
    let needed = |shown: &[Option<usize>]| 1 + shown.iter().flatten().map(|w| w + 3).sum::<usize>();
    while needed(&shown) > limit {
        let candidate = (0..columns.len())
            .filter(|&i| shown[i].is_some() && columns[i].keep != ALWAYS)
            .min_by_key(|&i| (columns[i].keep, std::cmp::Reverse(i)));
        // Before a column that may wrap is dropped, try wrapping it.
        if let Some(w) = (0..columns.len())
            .find(|&i| columns[i].wraps && shown[i].is_some())
            .filter(|&w| candidate.is_none_or(|c| columns[c].keep >= columns[w].keep))
        {
            let others = needed(&shown) - shown[w].unwrap_or(0);
            let room = limit.saturating_sub(others).max(MIN_WRAP.min(widths[w]));
            if room < shown[w].unwrap_or(0) {
                shown[w] = Some(room);
                continue;
            }
        }
        match candidate {
            Some(i) => shown[i] = None,
            None => break,
        }
    }
    shown
}

/// The terminal's width when stdout is one: `COLUMNS` when set, else what
/// the terminal says.
pub(crate) fn terminal_width(stdout_tty: bool) -> Option<usize> {
    if !stdout_tty {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&c: &usize| c > 0)
        .or_else(|| Table::new().width().map(usize::from))
}

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Not a terminal: every column as plain aligned text (a header, one
    /// line a row, two spaces between columns, `-` for an empty cell, no
    /// box drawing, nothing wrapped or cut), for grep, awk and cut.
    Plain,
    /// A terminal of this width (`None`: every column, `--wide`).
    Boxed(Option<usize>),
}

/// What a streamed table printed.
pub(crate) struct Streamed {
    /// Whether there were rows (with none, nothing is printed).
    pub any: bool,
    /// The columns left out to fit the terminal.
    pub hidden: Vec<&'static str>,
}

/// One plain line: each cell padded to its column's width, two spaces
/// between columns, `-` for an empty cell, no trailing spaces.
pub(crate) fn plain_line(cells: &[&str], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let cell = if cell.is_empty() { "-" } else { cell };
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(cell);
        line.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
    }
    line.truncate(line.trim_end().len());
    line
}

/// A whole plain table (`header` may be empty: no header line), every
/// column as wide as its widest cell.
pub(crate) fn plain(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.width().max(1))
                .chain(header.get(i).map(|h| h.width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut lines = Vec::new();
    if !header.is_empty() {
        lines.push(plain_line(header, &widths));
    }
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        lines.push(plain_line(&cells, &widths));
    }
    lines.join("\n")
}

/// Print a table of the rows `feed` yields. It is called once: the rows
/// are measured and kept in a [`Spool`] for the second pass; only where the
/// system gives no temporary file is it called again.
pub(crate) fn stream<T>(
    out: &mut dyn Write,
    columns: &[Column],
    color: bool,
    style: Style,
    row: &dyn Fn(&T) -> Row,
    feed: super::Feed<'_, T>,
) -> Result<Streamed> {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.header.width()).collect();
    let mut rows = 0usize;
    let mut spool = Spool::new().ok();
    feed(&mut |item| {
        let cells = row(item);
        for (w, (text, _)) in widths.iter_mut().zip(&cells) {
            *w = (*w).max(text.width());
        }
        // A spool that fails (the disk is full) is given up for a second
        // read of the store.
        if spool.as_mut().is_some_and(|s| s.push(&cells).is_err()) {
            spool = None;
        }
        rows += 1;
        Ok(())
    })?;
    let mut again = |sink: &mut dyn FnMut(Row) -> Result<()>| match spool.take() {
        Some(spool) => spool.replay(sink),
        None => feed(&mut |item| sink(row(item))),
    };
    if rows == 0 {
        return Ok(Streamed {
            any: false,
            hidden: Vec::new(),
        });
    }
    let terminal = match style {
        Style::Plain => {
            // An empty cell is written `-`: at least one wide.
            let widths: Vec<usize> = widths.iter().map(|w| (*w).max(1)).collect();
            let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
            writeln!(out, "{}", plain_line(&headers, &widths))?;
            again(&mut |cells| {
                let texts: Vec<&str> = cells.iter().map(|(t, _)| t.as_str()).collect();
                writeln!(out, "{}", plain_line(&texts, &widths))?;
                Ok(())
            })?;
            return Ok(Streamed {
                any: true,
                hidden: Vec::new(),
            });
        }
        Style::Boxed(terminal) => terminal,
    };
    let shown = layout(columns, &widths, terminal);
    let hidden = columns
        .iter()
        .zip(&shown)
        .filter(|(_, w)| w.is_none())
        .map(|(c, _)| c.header)
        .collect();
    let new_table = |header: bool| {
        let mut t = Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if !color {
            t.force_no_tty();
        }
        if header {
            t.set_header(
                columns
                    .iter()
                    .zip(&shown)
                    .filter(|(_, w)| w.is_some())
                    .map(|(c, _)| c.header),
            );
        }
        t
    };
    let mut chunk = new_table(true);
    let mut in_chunk = 0usize;
    let mut first = true;
    // A chunk is printed without its bottom border (and, after the first,
    // without its top border), so the chunks join into one table.
    let flush =
        |chunk: &mut Table, first: &mut bool, last: bool, out: &mut dyn Write| -> Result<()> {
            for (i, column) in shown.iter().flatten().enumerate() {
                if let Some(c) = chunk.column_mut(i) {
                    c.set_constraint(ColumnConstraint::Absolute(Width::Fixed(
                        u16::try_from(column + 2).unwrap_or(u16::MAX),
                    )));
                }
            }
            let text = chunk.to_string();
            let mut lines: Vec<&str> = text.lines().collect();
            if !last {
                lines.pop();
            }
            let skip = usize::from(!*first);
            for line in &lines[skip..] {
                writeln!(out, "{line}")?;
            }
            *first = false;
            Ok(())
        };
    again(&mut |cells| {
        if in_chunk == CHUNK {
            flush(&mut chunk, &mut first, false, out)?;
            chunk = new_table(false);
            in_chunk = 0;
        }
        let cells = cells
            .into_iter()
            .zip(&shown)
            .filter(|(_, w)| w.is_some())
            .map(|((text, fg), _)| match fg {
                Some(c) => Cell::new(text).fg(c),
                None => Cell::new(text),
            });
        chunk.add_row(cells);
        in_chunk += 1;
        Ok(())
    })?;
    flush(&mut chunk, &mut first, true, out)?;
    Ok(Streamed { any: true, hidden })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 4] = [
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
            header: "API",
            keep: 10,
            wraps: false,
        },
        Column {
            header: "Status",
            keep: ALWAYS,
            wraps: false,
        },
    ];

    fn render(rows: &[[&'static str; 4]], terminal: Option<usize>) -> String {
        render_as(rows, Style::Boxed(terminal))
    }

    fn render_as(rows: &[[&'static str; 4]], style: Style) -> String {
        render_counting(rows, style).0
    }

    /// The table, and how many times it read the rows.
    fn render_counting(rows: &[[&'static str; 4]], style: Style) -> (String, usize) {
        let mut out = Vec::new();
        let mut reads = 0;
        let row =
            |r: &[&'static str; 4]| -> Row { r.iter().map(|s| (s.to_string(), None)).collect() };
        stream(
            &mut out,
            &COLUMNS,
            false,
            style,
            &row,
            &mut |f: &mut dyn FnMut(&[&'static str; 4]) -> Result<()>| {
                reads += 1;
                rows.iter().try_for_each(&mut *f)
            },
        )
        .unwrap();
        (String::from_utf8(out).unwrap(), reads)
    }

    /// The store is read once whatever the style: the second pass prints
    /// from the spool.
    #[test]
    fn the_rows_are_read_once() {
        let rows = vec![["ci", "Ab3dE9xQ", "api", "active"]; 300];
        for style in [Style::Plain, Style::Boxed(None), Style::Boxed(Some(30))] {
            let (text, reads) = render_counting(&rows, style);
            assert_eq!(reads, 1, "{style:?}");
            assert_eq!(text.matches("Ab3dE9xQ").count(), 300, "{style:?}: {text}");
        }
    }

    #[test]
    fn plain_is_aligned_with_a_dash_for_an_empty_cell() {
        let text = render_as(
            &[
                ["ci", "Ab3dE9xQ", "", "active"],
                ["a-longer", "Zz9Zz9Zz", "DataMailbox", "disabled"],
            ],
            Style::Plain,
        );
        assert_eq!(
            text,
            "Name      Token prefix  API          Status\n\
             ci        Ab3dE9xQ      -            active\n\
             a-longer  Zz9Zz9Zz      DataMailbox  disabled\n"
        );
    }

    #[test]
    fn chunks_join_into_one_table() {
        let rows: Vec<[&str; 4]> = (0..CHUNK * 2 + 3)
            .map(|_| ["ci", "Ab3dE9xQ", "DataMailbox", "active"])
            .collect();
        let text = render(&rows, None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            rows.len() + 4,
            "top, header, rule, rows, bottom"
        );
        assert!(lines[0].starts_with('┌') && lines.last().unwrap().starts_with('└'));
        assert_eq!(lines.iter().filter(|l| l.starts_with('┌')).count(), 1);
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width), "{text}");
    }

    #[test]
    fn a_narrow_terminal_drops_low_priority_columns_and_never_splits_a_prefix() {
        let rows = [[
            "a-rather-long-token-name",
            "Ab3dE9xQ",
            "DataMailbox",
            "disabled",
        ]];
        let wide = render(&rows, Some(200));
        assert!(wide.contains("DataMailbox"));
        let narrow = render(&rows, Some(44));
        assert!(!narrow.contains("DataMailbox"), "{narrow}");
        assert!(
            narrow.contains("Ab3dE9xQ") && narrow.contains("disabled"),
            "{narrow}"
        );
        assert!(narrow.lines().all(|l| l.chars().count() <= 44), "{narrow}");
        let tiny = render(&rows, Some(30));
        assert!(
            tiny.contains("Ab3dE9xQ") && tiny.contains("disabled"),
            "{tiny}"
        );
    }
}
