//! A table's rows between its two passes. The first pass measures the
//! columns and writes each row's cells here, to an anonymous temporary file
//! (no name anyone can open; the system frees it when it is closed); the
//! second prints them from it. So the store is read once, and memory still
//! does not grow with the number of rows. Cells hold what a table shows
//! (names, prefixes, dates, log details), never a secret.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

use comfy_table::Color;

use super::table::Row;
use crate::error::Result;

pub(crate) struct Spool {
    file: BufWriter<File>,
    /// The colours the cells used: a cell stores its colour's place here.
    palette: Vec<Color>,
    rows: usize,
}

impl Spool {
    /// An empty spool, or the reason the system gave none (no writable
    /// temporary directory): then the caller reads its rows twice.
    pub(crate) fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
            palette: Vec::new(),
            rows: 0,
        })
    }

    /// Keep one row: its number of cells, then each cell's length, text
    /// and colour (0: none; n: the palette's n-th).
    pub(crate) fn push(&mut self, row: &Row) -> io::Result<()> {
        self.file.write_all(&len(row.len())?.to_le_bytes())?;
        for (text, color) in row {
            self.file.write_all(&len(text.len())?.to_le_bytes())?;
            self.file.write_all(text.as_bytes())?;
            let code = match color {
                None => 0,
                Some(c) => {
                    if !self.palette.contains(c) {
                        self.palette.push(*c);
                    }
                    1 + self.palette.iter().position(|p| p == c).unwrap_or(0)
                }
            };
            self.file
                .write_all(&[u8::try_from(code).map_err(too_many)?])?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Every row kept, in order.
    pub(crate) fn replay(self, sink: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
        let Spool {
            file,
            palette,
            rows,
        } = self;
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        let mut file = BufReader::with_capacity(1 << 16, file);
        let mut word = [0u8; 4];
        let mut next = |file: &mut BufReader<File>| -> io::Result<usize> {
            file.read_exact(&mut word)?;
            Ok(u32::from_le_bytes(word) as usize)
        };
        for _ in 0..rows {
            let cells = next(&mut file)?;
            let mut row = Vec::with_capacity(cells);
            for _ in 0..cells {
                let mut text = vec![0; next(&mut file)?];
                file.read_exact(&mut text)?;
                let text = String::from_utf8(text)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                let mut code = [0u8; 1];
                file.read_exact(&mut code)?;
                let color = usize::from(code[0]).checked_sub(1).map(|i| palette[i]);
                row.push((text, color));
            }
            sink(row)?;
        }
        Ok(())
    }
}

fn len(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(too_many)
}

fn too_many(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_they_went_in() {
        let rows: Vec<Row> = vec![
            vec![("ci".into(), None), ("Ab3dE9xQ".into(), Some(Color::Green))],
            vec![
                (String::new(), Some(Color::Red)),
                ("Zürich 東京".into(), None),
            ],
            vec![],
            vec![("again".into(), Some(Color::Green))],
        ];
        let mut spool = Spool::new().unwrap();
        for row in &rows {
            spool.push(row).unwrap();
        }
        let mut back = Vec::new();
        spool
            .replay(&mut |row| {
                back.push(row);
                Ok(())
            })
            .unwrap();
        assert_eq!(back, rows);
    }
}
