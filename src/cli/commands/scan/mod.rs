//! `tokenctl scan [PATH…] [--disable]` (spec section 11): find leaked
//! tokens in files, as a pre-commit hook, a CI step or an incident's first
//! move. It walks as ripgrep does (the `ignore` crate: `.gitignore`,
//! parallel), matches the token's fixed marker with a regex, and confirms
//! each candidate by its checksum, so a random look-alike is never
//! reported. It prints places and prefixes, never a token.

use std::process::ExitCode;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::cli::Ctx;
use crate::cli::ScanArgs;
use crate::cli::output::Format;
use crate::domain::model::Status;
use crate::domain::model::check_reason;
use crate::domain::text::quoted;
use crate::domain::token::{self, Kind as TokenKind};
use crate::error::{Error, Kind, Result};
use crate::lock::LockAnyway;
use crate::ops::change;
use crate::store::{Credential, Open};

mod staged;

/// Files larger than this are skipped with a note.
const MAX_FILE: u64 = 10 * 1024 * 1024;

/// One token found.
#[derive(Debug, Clone, Default, Serialize)]
struct Finding {
    file: String,
    line: usize,
    column: usize,
    kind: &'static str,
    prefix: String,
    /// The token's name, when the store knows the prefix.
    token: Option<String>,
    /// Its status (an access token: its parent's), when known.
    status: Option<&'static str>,
    #[serde(skip)]
    api_token_id: Option<(i64, String)>,
    #[serde(skip)]
    live: bool,
}

impl crate::cli::output::Shown for Finding {
    type View<'a> = &'a Finding;
    fn shown(&self, _: chrono::DateTime<chrono::Utc>) -> &Finding {
        self
    }
}

/// A path as scan shows it, everywhere (every format, the log's reasons):
/// a run of 20 or more letters and digits that holds a token's marker is
/// shortened to its first and last three (`tkc…5Zq`), so a token in a file
/// *name* is never printed nor written into the append-only log. Other
/// long names are left as they are.
fn path_shown(path: &str) -> String {
    static RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[A-Za-z0-9]{20,}").expect("the run pattern")
    });
    RUN.replace_all(path, |m: &regex::Captures<'_>| {
        let r = &m[0];
        if r.contains("tkc1") || r.contains("tka1") {
            format!("{}…{}", &r[..3], &r[r.len() - 3..])
        } else {
            r.to_owned()
        }
    })
    .into_owned()
}

/// 1-based line and column (in bytes) of `offset`.
fn place(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset - start + 1)
}

/// What reading the paths gave: the findings (tokens only as prefixes)
/// and whether anything at all could be read.
struct Scanned {
    findings: Vec<(String, usize, usize, TokenKind, String)>,
    read_any: bool,
}

/// The tokens in `bytes`, found under `name` (already as scan shows it).
fn scan_bytes(name: &str, bytes: &[u8], out: &Mutex<Scanned>) {
    scan_bytes_at(name, bytes, 1, out);
}

/// [`scan_bytes`] of bytes that start at line `first_line` of `name` (an
/// added line of `scan --staged`).
fn scan_bytes_at(name: &str, bytes: &[u8], first_line: usize, out: &Mutex<Scanned>) {
    let found: Vec<(usize, &str)> = token::find_standalone(bytes).collect();
    let mut out = out.lock_anyway();
    out.read_any = true;
    for (offset, t) in found {
        let (line, column) = place(bytes, offset);
        let line = first_line + line - 1;
        let kind = token::kind_of(t).expect("well-formed");
        out.findings.push((
            name.to_owned(),
            line,
            column,
            kind,
            token::prefix_of(t).to_owned(),
        ));
    }
}

/// Open for reading without ever blocking (a FIFO in the tree must not
/// hang the scan), and only a regular file.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// The whole file if it holds at most [`MAX_FILE`] bytes, else `None`,
/// never reading more than a chunk past the limit. Reads are whole 64 KiB
/// chunks: some procfs files (pagemap) take only reads of aligned sizes.
fn read_at_most(mut file: std::fs::File, size_hint: u64) -> std::io::Result<Option<Vec<u8>>> {
    const CHUNK: usize = 64 * 1024;
    let mut bytes = Vec::with_capacity(size_hint.min(MAX_FILE) as usize);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => return Ok(Some(bytes)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() as u64 > MAX_FILE {
            return Ok(None);
        }
    }
}

fn scan_file(path: &Path, out: &Mutex<Scanned>, note: &dyn Fn(String)) {
    let shown = path_shown(&path.display().to_string());
    let file = match open_regular(path) {
        Ok(f) => f,
        Err(e) => return note(format!("note: cannot read {shown}: {e}")),
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len > MAX_FILE {
        return note(format!("note: skipped {shown}: over 10 MiB"));
    }
    // Whatever the size says: procfs and sysfs files say 0 and may be
    // endless (/proc/self/pagemap).
    let bytes = match read_at_most(file, len) {
        Ok(Some(b)) => b,
        Ok(None) => return note(format!("note: skipped {shown}: over 10 MiB")),
        Err(e) => return note(format!("note: cannot read {shown}: {e}")),
    };
    if bytes[..bytes.len().min(8192)].contains(&0) {
        out.lock_anyway().read_any = true;
        return note(format!("note: skipped {shown}: a binary file"));
    }
    scan_bytes(&shown, &bytes, out);
}

pub(crate) fn run(ctx: &Ctx, args: ScanArgs) -> Result<ExitCode> {
    check_reason(args.reason.reason.as_deref())?;
    let out = Mutex::new(Scanned {
        findings: Vec::new(),
        read_any: false,
    });
    // From the walker's threads too: one line each, as every message.
    let note = |n: String| crate::cli::output::note(&crate::error::one_line(&n));
    if args.staged {
        let (added, notes) = staged::added(MAX_FILE)?;
        for n in notes {
            note(n);
        }
        // The index was read, even when it adds nothing.
        out.lock_anyway().read_any = true;
        for a in added {
            scan_bytes_at(&path_shown(&a.file), &a.text, a.line, &out);
        }
    }
    // No path: stdin when something is piped in, else (a terminal, as rg
    // does) the current directory, never a wait for typing.
    let paths: Vec<PathBuf> = if args.staged {
        Vec::new()
    } else if args.paths.is_empty() {
        if std::io::stdin().is_terminal() {
            vec![PathBuf::from(".")]
        } else {
            vec![PathBuf::from("-")]
        }
    } else {
        args.paths.clone()
    };
    for path in &paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match std::io::stdin()
                .lock()
                .take(MAX_FILE + 1)
                .read_to_end(&mut bytes)
            {
                Ok(_) if bytes.len() as u64 > MAX_FILE => {
                    note("note: skipped stdin: over 10 MiB".into());
                }
                Ok(_) => scan_bytes("-", &bytes, &out),
                Err(e) => note(format!("note: cannot read stdin: {e}")),
            }
            continue;
        }
        if !path.exists() {
            note(format!(
                "note: cannot read {}: no such file or directory",
                path_shown(&path.display().to_string())
            ));
            continue;
        }
        // ripgrep's walker: .gitignore (also outside a git checkout),
        // parallel. Hidden files are scanned (an .env is where tokens
        // leak); .git itself is not.
        let walker = ignore::WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        scan_file(e.path(), &out, &note);
                    }
                    Ok(_) => {}
                    Err(err) => note(format!("note: {err}")),
                }
                ignore::WalkState::Continue
            })
        });
    }
    let scanned = out
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !scanned.read_any {
        return Err(Error::storage("nothing could be read")
            .hint("check the paths and their permissions")
            .into());
    }
    let mut raw = scanned.findings;
    raw.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    // What the store knows of each prefix (no argon2 work; the checksum
    // already tells a real token from a look-alike).
    let mut store = match ctx.open(if args.disable {
        Open::Change
    } else {
        Open::Read
    }) {
        Ok(s) => Some(s),
        Err(e) if crate::error::kind_of(&e) == Kind::NotFound && !args.disable => None,
        Err(e) => return Err(e),
    };
    let mut findings = Vec::with_capacity(raw.len());
    for (file, line, column, kind, prefix) in raw {
        let known = match &mut store {
            Some(s) => s.read(|db| db.credential(kind, &prefix))?,
            None => None,
        };
        let (name, status, api) = match &known {
            Some(Credential::Current { token, .. } | Credential::Old { token, .. }) => (
                Some(token.name.clone()),
                Some(token.status(ctx.now)),
                Some((token.id, token.prefix.clone())),
            ),
            Some(Credential::Access {
                parent, expires_at, ..
            }) => {
                let status = if *expires_at <= ctx.now {
                    Status::Expired
                } else {
                    parent.status(ctx.now)
                };
                (Some(parent.name.clone()), Some(status), None)
            }
            // A retired secret no longer works: named, never live.
            Some(Credential::Retired { token, .. }) => (Some(token.name.clone()), None, None),
            None => (None, None, None),
        };
        let live = match (&store, status) {
            (None, _) => true,
            (Some(_), Some(s)) => s == Status::Active,
            (Some(_), None) => false,
        };
        findings.push(Finding {
            file,
            line,
            column,
            kind: kind.as_str(),
            prefix,
            token: name,
            status: status.map(Status::as_str),
            api_token_id: api.filter(|_| live),
            live,
        });
    }
    if args.disable
        && let Some(store) = &mut store
    {
        let disabled = disable_found(ctx, store, &findings, args.reason.reason.as_deref())?;
        // What they are now; the exit still says a live token was found.
        for f in &mut findings {
            if f.api_token_id
                .as_ref()
                .is_some_and(|(id, _)| disabled.contains(id))
            {
                f.status = Some(Status::Disabled.as_str());
            }
        }
    }
    print(ctx, &findings, store.is_some())?;
    // Found a live token: an outcome with its exit code, not a failure.
    Ok(if findings.iter().any(|f| f.live) {
        super::outcome(Kind::Rejected)
    } else {
        ExitCode::SUCCESS
    })
}

/// One `disable` entry per active API token found, the place as the reason.
/// Each token is found again by its id and prefix in the write: one that
/// was renamed meanwhile is still disabled; one that was renewed, deleted
/// or disabled meanwhile is left alone and said so, and only what was
/// disabled is reported as disabled. Returns the ids disabled.
fn disable_found(
    ctx: &Ctx,
    store: &mut crate::store::Store,
    findings: &[Finding],
    extra: Option<&str>,
) -> Result<std::collections::HashSet<i64>> {
    let actor = ctx.actor()?;
    let mut done = std::collections::HashSet::new();
    let mut seen = std::collections::HashSet::new();
    for f in findings {
        let Some((id, prefix)) = &f.api_token_id else {
            continue;
        };
        if !seen.insert(*id) {
            continue;
        }
        let place = format!("{}:{}", f.file, f.line);
        let disabled = change::disable_if_current(store, &actor, *id, prefix, &place, extra)?;
        let reason = match extra {
            Some(r) => format!("found in {place}; {r}"),
            None => format!("found in {place}"),
        };
        match disabled {
            Some(name) => {
                done.insert(*id);
                ctx.out.note(format!(
                    "Disabled token {} ({reason}).",
                    quoted(&name)
                ));
            }
            None => ctx.out.note(format!(
                "note: token {} was renewed, deleted or disabled meanwhile; not disabled by this scan",
                quoted(f.token.as_deref().unwrap_or(prefix))
            )),
        }
    }
    Ok(done)
}

fn print(ctx: &Ctx, findings: &[Finding], with_store: bool) -> Result<()> {
    if ctx.out.format != Format::Table {
        return ctx.out.items(findings, &Finding::default());
    }
    let mut text = String::new();
    for f in findings {
        let who = match (&f.token, f.status) {
            (Some(name), Some(status)) => format!("{} {status}", crate::domain::text::quoted(name)),
            _ if with_store => "unknown to this store".into(),
            _ => "well-formed (no store to ask)".into(),
        };
        text.push_str(&format!(
            "{}:{}:{}: {} token, prefix {}, {who}\n",
            crate::domain::text::shown(&f.file),
            f.line,
            f.column,
            f.kind,
            f.prefix
        ));
    }
    if findings.is_empty() {
        ctx.out.note("No tokens found.");
        return Ok(());
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_are_passed_over_and_real_tokens_found_inside_them() {
        let real = token::generate_with_prefix(TokenKind::Api, "AbCdEfGh").unwrap();
        let fake = format!("tkc1{}", "A".repeat(46));
        let text = format!(
            "a {fake} b\nx = tkc1ZZ{}\nk={}",
            real.as_str(),
            real.as_str()
        );
        let found: Vec<(usize, &str)> = token::find_all(text.as_bytes()).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|(_, t)| *t == real.as_str()));
        assert_eq!(place(text.as_bytes(), found[1].0), (3, 3));
        // What scan reports: only a token standing alone (spec section 1),
        // not one glued inside a longer run.
        let standalone: Vec<(usize, &str)> = token::find_standalone(text.as_bytes()).collect();
        assert_eq!(standalone.len(), 1, "{standalone:?}");
        assert_eq!(place(text.as_bytes(), standalone[0].0), (3, 3));
    }
}
