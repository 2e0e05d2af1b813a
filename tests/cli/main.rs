//! Integration tests: the real binary against a real SQLite file in a temp dir.
//! One module a capability; `Env` gives each test its own database and a
//! clean environment (no display, fixed actor).

mod alerts;
mod binding;
mod clipboard;
mod docs;
mod follow;
mod hardening;
mod house;
mod hygiene;
mod log;
mod management;
mod model;
mod new;
mod notify;
mod output;
mod policy;
mod pool;
mod postgres;
mod reliability;
mod rotate;
mod round_trips;
mod serve;
mod serve_hostile;
mod serve_store;
mod shells;
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
pub const TOKEN_KEYS: [&str; 16] = [
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
    "allowed_from",
    "not_before",
    "rate",
    "last_used_from",
];

/// A test's own store and clean environment. The store is a temp SQLite
/// file, or — when `TOKENCTL_TEST_STORE=postgres` (CI's second run, inside
/// `pg_virtualenv`) — a fresh database of its own on the PostgreSQL server.
pub struct Env {
    pub dir: TempDir,
    /// What `TOKENCTL_DB` is set to: a file path, or a postgres:// URL.
    pub db: PathBuf,
    pub pg: Option<Pg>,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether this run keeps the stores in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TOKENCTL_TEST_STORE").is_ok_and(|v| v == "postgres")
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        if on_postgres() {
            let pg = Pg::create();
            return Env {
                dir,
                db: pg.url.clone().into(),
                pg: Some(pg),
            };
        }
        let db = dir.path().join("data").join("tokenctl.db");
        Env { dir, db, pg: None }
    }

    /// A SQLite store, whatever the run's engine (file-specific tests).
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("tokenctl.db");
        Env { dir, db, pg: None }
    }

    /// True, with a note, when this test is about SQLite files and the run
    /// keeps its stores in PostgreSQL: the caller returns.
    pub fn sqlite_only(&self, test: &str) -> bool {
        if self.pg.is_some() {
            eprintln!("{test}: about SQLite files; not run on PostgreSQL");
            return true;
        }
        false
    }

    /// Whether the store exists yet (the file, or tokenctl's tables).
    pub fn store_exists(&self) -> bool {
        match &self.pg {
            Some(pg) => pg
                .client()
                .query_one("SELECT to_regclass('tokenctl_schema') IS NOT NULL", &[])
                .unwrap()
                .get(0),
            None => self.db.exists(),
        }
    }

    /// Run SQL on the store behind tokenctl's back (test set-up). Both
    /// engines take the plain SQL the tests use.
    pub fn sql(&self, sql: &str) {
        self.try_sql(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub fn try_sql(&self, sql: &str) -> Result<(), String> {
        match &self.pg {
            Some(pg) => pg.client().batch_execute(sql).map_err(|e| format!("{e:?}")),
            None => self.conn().execute_batch(sql).map_err(|e| e.to_string()),
        }
    }

    /// The first column of every row, as text.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        self.column(sql)
    }

    pub fn text(&self, sql: &str) -> String {
        self.texts(sql).into_iter().next().expect("a row")
    }

    /// The first column of every row, as whole numbers.
    pub fn ints(&self, sql: &str) -> Vec<i64> {
        self.column(sql)
    }

    /// The first column of every row, on either engine.
    fn column<T>(&self, sql: &str) -> Vec<T>
    where
        T: rusqlite::types::FromSql + for<'a> ::postgres::types::FromSql<'a>,
    {
        match &self.pg {
            Some(pg) => pg
                .client()
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
            None => self
                .conn()
                .prepare(sql)
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap(),
        }
    }

    /// Someone with a database shell: the log's triggers off, then `sql`.
    pub fn tamper(&self, sql: &str) {
        match &self.pg {
            Some(_) => self.sql(&format!("ALTER TABLE log DISABLE TRIGGER USER; {sql}")),
            None => self.sql(&format!(
                "DROP TRIGGER IF EXISTS log_no_update; DROP TRIGGER IF EXISTS log_no_delete; {sql}"
            )),
        }
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

    /// `program` with the same environment as the binary gets.
    pub fn shell_cmd(&self, program: &str) -> std::process::Command {
        self.configure(std::process::Command::new(program))
    }

    /// `sh -c script` with the same environment, the binary's path as `$0`.
    pub fn shell(&self, script: &str) -> std::process::Command {
        let mut c = self.configure(std::process::Command::new("sh"));
        c.args(["-c", script, env!("CARGO_BIN_EXE_tokenctl")]);
        c
    }

    /// `sh` running `script` as the README's blocks are run: `set -eu`,
    /// and `tokenctl` the binary under test.
    pub fn script(&self, script: &str) -> std::process::Command {
        let mut c = self.shell(&format!(
            "set -eu\ntokenctl() {{ \"$TOKENCTL_BIN\" \"$@\"; }}\n{script}"
        ));
        c.env("TOKENCTL_BIN", env!("CARGO_BIN_EXE_tokenctl"));
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

    /// Run, expect success, return stdout. Stderr is kept to its notes: a
    /// success that prints an `error:` line is a failure too.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let ran = self.test().args(args).succeeds();
        assert!(
            !ran.stderr.lines().any(|l| l.starts_with("error:")),
            "tokenctl {args:?} succeeded with an error line: {}",
            ran.stderr
        );
        ran.stdout
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

    /// Everything the store holds, as text: the tables' rows and the
    /// schema version, for "nothing changed" checks.
    pub fn dump(&self) -> String {
        match &self.pg {
            Some(pg) => pg.dump(),
            None => dump(&self.db),
        }
    }

    /// Run `f`, and fail unless the store is then exactly as it was: what
    /// a refused or no-op command must leave behind.
    #[track_caller]
    pub fn unchanged<T>(&self, f: impl FnOnce() -> T) -> T {
        let before = self.dump();
        let value = f();
        assert_eq!(self.dump(), before, "the store changed");
        value
    }

    /// The SQLite file itself (SQLite-only tests).
    pub fn conn(&self) -> Connection {
        assert!(self.pg.is_none(), "a SQLite connection on a PostgreSQL run");
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
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }

    /// Exit `code` (a finding such as `check`'s or `scan`'s 1, or a
    /// success that has notes to check): both streams, UTF-8, whole.
    #[track_caller]
    pub fn exits(self, code: i32) -> Ran {
        let out = self.output();
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        assert_eq!(
            out.status.code(),
            Some(code),
            "tokenctl {:?}: expected exit {code}, stderr: {stderr}",
            self.args
        );
        Ran {
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr,
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

/// A throw-away database on the PostgreSQL server that `PGHOST`,
/// `PGPORT`, `PGUSER` and `PGPASSWORD` name (as `pg_virtualenv` sets
/// them), dropped at the end.
pub struct Pg {
    admin: ::postgres::Client,
    pub name: String,
    pub url: String,
}

impl Pg {
    /// For the PostgreSQL-only tests: `None` (with a note) where there is
    /// no server, unless `TOKENCTL_REQUIRE_PG` is set (as CI sets it).
    pub fn new(test: &str) -> Option<Pg> {
        if std::env::var_os("PGHOST").is_none() {
            assert!(
                std::env::var_os("TOKENCTL_REQUIRE_PG").is_none(),
                "{test} needs PostgreSQL (TOKENCTL_REQUIRE_PG is set): run it inside pg_virtualenv"
            );
            eprintln!(
                "skipping {test}: no PostgreSQL here (PGHOST is not set; CI runs it in pg_virtualenv)"
            );
            return None;
        }
        Some(Pg::create())
    }

    fn config(dbname: &str) -> ::postgres::Config {
        let host = std::env::var("PGHOST").expect("PGHOST");
        let port: u16 = std::env::var("PGPORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(5432);
        let user = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
        let mut config = ::postgres::Config::new();
        config.host(&host).port(port).user(&user).dbname(dbname);
        if let Ok(p) = std::env::var("PGPASSWORD") {
            config.password(p);
        }
        config
    }

    pub fn create() -> Pg {
        let mut admin = Pg::config("postgres")
            .connect(::postgres::NoTls)
            .expect("connect to the test server");
        let name = format!("tokenctl_{}_{}", std::process::id(), rand::random::<u32>());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let host = std::env::var("PGHOST").unwrap();
        let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".into());
        let user = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
        let url = format!("postgres://{user}@{host}:{port}/{name}?sslmode=disable");
        Pg { admin, name, url }
    }

    pub fn client(&self) -> ::postgres::Client {
        Pg::config(&self.name).connect(::postgres::NoTls).unwrap()
    }

    /// Every table's rows, as text, for "nothing changed".
    pub fn dump(&self) -> String {
        let mut c = self.client();
        let mut out = String::new();
        let tables: Vec<String> = c
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for t in tables {
            out.push_str(&format!("table {t}\n"));
            for r in c
                .query(
                    &format!("SELECT row_to_json(x)::text FROM \"{t}\" x ORDER BY 1"),
                    &[],
                )
                .unwrap()
            {
                out.push_str(&r.get::<_, String>(0));
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
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
/// As many open files as the hard limit allows (floods of connections).
pub fn raise_open_files() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    let _ = setrlimit(Resource::Nofile, limit);
}

pub fn forged(marker: &str, prefix: &str) -> String {
    let body = format!("{marker}{prefix}{}", "Q".repeat(32));
    format!("{body}{}", checksum(&body))
}

/// Whether `program` is on the PATH. Where it is not, `test` is skipped
/// with a note, or fails when the switch `require` is set (as CI sets it).
pub fn have_program(program: &str, require: &str, test: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    required(found, program, require, test)
}

/// Whether the file at `path` exists; a skip or a failure as in
/// [`have_program`].
pub fn have_file(path: &str, require: &str, test: &str) -> bool {
    required(std::path::Path::new(path).exists(), path, require, test)
}

fn required(found: bool, what: &str, require: &str, test: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os(require).is_none(),
            "{test} needs {what} ({require} is set)"
        );
        eprintln!("skipping {test}: {what} is not installed");
    }
    found
}
