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
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tokenctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&a)).expect("JSON on stdout")
    }

    /// Run, expect exit `code` with one `error: …` line on stderr and nothing
    /// on stdout; return the error line.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        expect_error(&out, code, args)
    }

    /// Create a token (piped, table format): returns the token printed alone.
    pub fn new_token(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["new", "--name", name];
        args.extend(extra);
        let out = self.ok(&args);
        out.trim_end().to_owned()
    }

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

    pub fn log(&self) -> Vec<serde_json::Value> {
        match self.json(&["log"]) {
            serde_json::Value::Array(v) => v,
            other => panic!("log is not an array: {other}"),
        }
    }
}

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
