//! Integration tests: the real binary against a real SQLite file in a temp dir.
//! One module a capability; `Env` gives each test its own database and a
//! clean environment (no display, fixed actor).

mod clipboard;
mod docs;
mod hardening;
mod log;
mod management;
mod model;
mod new;
mod output;
mod pool;
mod postgres;
mod reliability;
mod store;
mod terminal;
mod verify;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rusqlite::{Connection, OpenFlags};
use tempfile::TempDir;

pub const ACTOR: &str = "tester";

/// A token's JSON keys as the contract lists them (spec section 2), in order.
pub const TOKEN_KEYS: [&str; 12] = [
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

pub struct Env {
    pub dir: TempDir,
    pub db: PathBuf,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("tokenctl.db");
        Env { dir, db }
    }

    /// The binary with a clean environment: our database, a fixed actor,
    /// no display, no colour or format settings from the caller.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// The same, as a plain `std::process::Command` (to spawn and wait).
    pub fn std_cmd(&self) -> std::process::Command {
        self.configure(std::process::Command::new(env!("CARGO_BIN_EXE_tokenctl")))
    }

    /// `sh -c script` with the same environment, the binary's path as `$0`.
    pub fn shell(&self, script: &str) -> std::process::Command {
        let mut c = self.configure(std::process::Command::new("sh"));
        c.args(["-c", script, env!("CARGO_BIN_EXE_tokenctl")]);
        c
    }

    fn configure(&self, mut c: std::process::Command) -> std::process::Command {
        for var in [
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "NO_COLOR",
            "TOKENCTL_FORMAT",
            "TOKENCTL_ACTOR",
            "TOKENCTL_DB",
            "TOKENCTL_NO_CLIPBOARD",
            "TOKENCTL_CLIP_SECONDS",
            "XDG_DATA_HOME",
        ] {
            c.env_remove(var);
        }
        c.env("TOKENCTL_DB", &self.db)
            .env("TOKENCTL_ACTOR", ACTOR)
            .env("HOME", self.dir.path())
            .env("TZ", "UTC");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run tokenctl")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.cmd()
            .args(args)
            .write_stdin(stdin)
            .output()
            .expect("run tokenctl")
    }

    /// Run, expect success, return stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tokenctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    #[track_caller]
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&a)).expect("JSON on stdout")
    }

    /// Run, expect exit `code` with one `error: …` line on stderr and nothing
    /// on stdout; return the error line.
    #[track_caller]
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        expect_error(&out, code, args)
    }

    /// Create a token (piped, table format): returns the token printed alone.
    #[track_caller]
    pub fn new_token(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["new", "--name", name];
        args.extend(extra);
        let out = self.ok(&args);
        out.trim_end().to_owned()
    }

    #[track_caller]
    pub fn token(&self, reference: &str) -> serde_json::Value {
        self.json(&["show", reference])
    }

    /// Everything the database holds, as text: the tables' rows and the
    /// schema version, for "nothing changed" checks.
    pub fn dump(&self) -> String {
        dump(&self.db)
    }

    pub fn conn(&self) -> Connection {
        Connection::open(&self.db).expect("open db")
    }

    #[track_caller]
    pub fn log(&self) -> Vec<serde_json::Value> {
        match self.json(&["log"]) {
            serde_json::Value::Array(v) => v,
            other => panic!("log is not an array: {other}"),
        }
    }
}

/// One run of the binary, in the style of just's `Test`: say how to run it,
/// then what must come out; a failure points at the test's line.
///
/// ```ignore
/// env.test().args(["show", "nope"]).fails(3).stderr_has("no token named");
/// ```
pub struct Run<'e> {
    env: &'e Env,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    vars: Vec<(String, String)>,
}

/// What a run printed.
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    pub fn test(&self) -> Run<'_> {
        Run {
            env: self,
            args: Vec::new(),
            stdin: None,
            vars: Vec::new(),
        }
    }
}

impl Run<'_> {
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = Some(input.as_ref().to_vec());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.vars.push((key.to_owned(), value.to_owned()));
        self
    }

    fn output(&self) -> Output {
        let mut cmd = self.env.cmd();
        cmd.args(&self.args);
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        if let Some(input) = &self.stdin {
            cmd.write_stdin(input.clone());
        }
        cmd.output().expect("run tokenctl")
    }

    /// Exit 0.
    #[track_caller]
    pub fn succeeds(self) -> Ran {
        let out = self.output();
        assert!(
            out.status.success(),
            "tokenctl {:?} failed: {}",
            self.args,
            String::from_utf8_lossy(&out.stderr)
        );
        Ran {
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Exit `code`, one `error: …` line on stderr, nothing on stdout.
    #[track_caller]
    pub fn fails(self, code: i32) -> Ran {
        let out = self.output();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let line = expect_error(&out, code, &args);
        Ran {
            stdout: String::new(),
            stderr: line,
        }
    }
}

impl Ran {
    /// Stderr is exactly this one line.
    #[track_caller]
    pub fn stderr_line(self, exact: &str) -> Self {
        assert_eq!(self.stderr.trim_end_matches('\n'), exact);
        self
    }

    /// Stderr says this somewhere.
    #[track_caller]
    pub fn stderr_has(self, part: &str) -> Self {
        assert!(
            self.stderr.contains(part),
            "{part:?} not in {:?}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).expect("JSON on stdout")
    }
}

#[track_caller]
pub fn expect_error(out: &Output, code: i32, args: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "tokenctl {args:?}: expected exit {code}, stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "tokenctl {args:?}: stdout should be clean, got {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one error line expected, got {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{stderr:?}");
    lines[0].to_owned()
}

pub fn dump(path: &Path) -> String {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open db");
    let mut out = String::new();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    out.push_str(&format!("user_version {version}\n"));
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in tables {
        out.push_str(&format!("table {t}\n"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY rowid"))
            .unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            out.push_str(&cells.join("|"));
            out.push('\n');
        }
    }
    out
}

/// The 50-character token format (spec section 1): marker, prefix, secret,
/// checksum. `marker` is `tkc1` for API tokens, `tka1` for access tokens.
pub fn assert_token_format_of(t: &str, marker: &str) {
    assert_eq!(t.len(), 50, "{t:?}");
    assert!(t.starts_with(marker), "{t:?} should start with {marker}");
    assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t:?}");
    assert_eq!(
        &t.as_bytes()[44..],
        checksum(&t[..44]).as_bytes(),
        "checksum of {t:?}"
    );
}

/// An API token's format.
pub fn assert_token_format(t: &str) {
    assert_token_format_of(t, "tkc1");
}

/// Independent of the library: CRC-32 (IEEE) in base 62, `0-9A-Za-z`,
/// six digits, most significant first.
pub fn checksum(body: &str) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = crc32fast::hash(body.as_bytes());
    let mut sum = Vec::new();
    for _ in 0..6 {
        sum.insert(0, B62[(n % 62) as usize]);
        n /= 62;
    }
    String::from_utf8(sum).unwrap()
}

/// A well-formed token of the given marker and prefix that no store issued.
pub fn forged(marker: &str, prefix: &str) -> String {
    let body = format!("{marker}{prefix}{}", "Q".repeat(32));
    format!("{body}{}", checksum(&body))
}
