//! `scan --staged`: what `git commit` would add — the added lines of the
//! index, each at its real `FILE:LINE` (FILE relative to the repository's
//! top, as git prints it). A commit that removes a token adds no line
//! holding it, so it passes.

use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// An added line of the index: its file, its line number in the staged
/// file, and its bytes (without the newline).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Added {
    pub file: String,
    pub line: usize,
    pub text: Vec<u8>,
}

/// What the index adds, and notes on what was skipped (binary files,
/// files adding more than `max` bytes).
pub(super) fn added(max: u64) -> Result<(Vec<Added>, Vec<String>)> {
    let out = Command::new("git")
        .args([
            "-c",
            "core.quotePath=false",
            "diff",
            "--cached",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--find-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::usage(format!("scan --staged needs git, which did not run: {e}"))
                .hint("install git, or scan paths instead")
        })?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(Error::usage(format!(
            "scan --staged needs a git repository: {}",
            crate::error::one_line(why.trim())
        ))
        .hint("run it inside the repository, as its pre-commit hook does")
        .into());
    }
    Ok(parse(&out.stdout, max))
}

/// The added lines of a `git diff --cached --unified=0` output.
pub(super) fn parse(diff: &[u8], max: u64) -> (Vec<Added>, Vec<String>) {
    let mut added = Vec::new();
    let mut notes = Vec::new();
    let mut file: Option<String> = None;
    let mut next = 0usize;
    let mut in_hunk = false;
    let mut size = 0u64;
    let mut skipping = false;
    for raw in diff.split(|&b| b == b'\n') {
        if raw.starts_with(b"diff --git ") {
            file = None;
            in_hunk = false;
            size = 0;
            skipping = false;
            continue;
        }
        if !in_hunk {
            if let Some(path) = raw.strip_prefix(b"+++ ") {
                file = match path.strip_prefix(b"b/") {
                    Some(p) => Some(unquote(p)),
                    // Quoted by git: `"b/…"` with C escapes.
                    None if path.first() == Some(&b'"') => {
                        let p = unquote(path);
                        p.strip_prefix("b/").map(str::to_owned)
                    }
                    // `/dev/null`: a deleted file adds nothing.
                    None => None,
                };
                continue;
            }
            if raw.starts_with(b"Binary files ") {
                let text = String::from_utf8_lossy(raw);
                notes.push(format!("note: skipped a binary file ({})", text.trim_end()));
                continue;
            }
        }
        if let Some(header) = raw.strip_prefix(b"@@ ") {
            in_hunk = true;
            next = new_start(header).unwrap_or(1);
            continue;
        }
        if !in_hunk {
            continue;
        }
        match raw.first() {
            Some(b'+') => {
                let Some(name) = &file else { continue };
                size += raw.len() as u64;
                if size > max {
                    if !skipping {
                        notes.push(format!("note: skipped {name}: over 10 MiB added"));
                        skipping = true;
                        added.retain(|a: &Added| a.file != *name);
                    }
                } else {
                    added.push(Added {
                        file: name.clone(),
                        line: next,
                        text: raw[1..].to_vec(),
                    });
                }
                next += 1;
            }
            Some(b' ') => next += 1,
            _ => {}
        }
    }
    (added, notes)
}

/// `+c,d` of a hunk header `-a,b +c,d @@`: the first new line.
fn new_start(header: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(header).ok()?;
    let plus = text.split_whitespace().find(|p| p.starts_with('+'))?;
    plus[1..].split(',').next()?.parse().ok()
}

/// A path as git writes it: as is, or in C-style quotes (`"a\tb"`,
/// octal escapes for bytes git will not print plainly).
fn unquote(path: &[u8]) -> String {
    let Some(inner) = path.strip_prefix(b"\"").and_then(|p| p.strip_suffix(b"\"")) else {
        return String::from_utf8_lossy(path).into_owned();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            let c = inner[i + 1];
            let octal = inner
                .get(i + 1..i + 4)
                .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
            match (c, octal) {
                (_, Some(d)) => {
                    let v = d.iter().fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
                    bytes.push(u8::try_from(v).unwrap_or(b'?'));
                    i += 4;
                    continue;
                }
                (b'n', _) => bytes.push(b'\n'),
                (b't', _) => bytes.push(b'\t'),
                (b'r', _) => bytes.push(b'\r'),
                (other, _) => bytes.push(other),
            }
            i += 2;
        } else {
            bytes.push(inner[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_at_their_real_places() {
        let diff = b"diff --git a/app.env b/app.env
index 1..2 100644
--- a/app.env
+++ b/app.env
@@ -3,0 +4,2 @@ HOST=x
+KEY=abc
+MORE=def
@@ -10 +12 @@
-old
+new
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-secret
diff --git a/logo.png b/logo.png
Binary files a/logo.png and b/logo.png differ
diff --git \"a/sp ace\\tx.txt\" \"b/sp ace\\tx.txt\"
--- \"a/sp ace\\tx.txt\"
+++ \"b/sp ace\\tx.txt\"
@@ -0,0 +1 @@
+hello
";
        let (added, notes) = parse(diff, 1 << 20);
        let got: Vec<(String, usize, String)> = added
            .into_iter()
            .map(|a| (a.file, a.line, String::from_utf8(a.text).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("app.env".into(), 4, "KEY=abc".into()),
                ("app.env".into(), 5, "MORE=def".into()),
                ("app.env".into(), 12, "new".into()),
                ("sp ace\tx.txt".into(), 1, "hello".into()),
            ]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("binary"));
    }

    #[test]
    fn a_file_adding_too_much_is_skipped_with_a_note() {
        let diff =
            b"diff --git a/big b/big\n--- a/big\n+++ b/big\n@@ -0,0 +1,3 @@\n+aaaa\n+bbbb\n+cccc\n";
        let (added, notes) = parse(diff, 8);
        assert!(added.is_empty(), "{added:?}");
        assert!(notes[0].contains("big"), "{notes:?}");
    }
}
