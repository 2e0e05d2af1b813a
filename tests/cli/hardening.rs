//! What a hostile user tried (issue 10), each as the promise that now holds:
//! tokens refused in arguments, messages that cannot carry a token or drive
//! the terminal, names without invisible characters, spreadsheet-safe CSV,
//! fail-closed stored values, checked time arithmetic, odd database paths,
//! first-line reads, secrets that cannot be delivered, and the log's clock.

use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;

use crate::{Env, expect_error, forged};

/// Wait for a child at most `limit`; a hang is a failure, and the child is killed.
fn finishes_within(mut child: Child, limit: Duration, what: &str) -> std::process::Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Skip (with a message) where the test needs root, unless
/// `TOKENCTL_REQUIRE_ROOT` is set, as CI sets it: there it fails instead.
fn needs_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    assert!(
        std::env::var_os("TOKENCTL_REQUIRE_ROOT").is_none(),
        "{test} needs root (TOKENCTL_REQUIRE_ROOT is set)"
    );
    eprintln!("skipping {test}: needs root");
    true
}

/// No run of 20 or more ASCII letters and digits, and no control character.
fn assert_safe_message(text: &str) {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_alphanumeric() {
            run + 1
        } else {
            0
        };
        assert!(run < 20, "a long run reached the message: {text:?}");
        assert!(
            !c.is_control() || c == '\n',
            "a control character reached the message: {text:?}"
        );
    }
}

// ---- tokens in arguments -------------------------------------------------

#[test]
fn an_argument_holding_a_token_is_refused_unechoed_and_nothing_is_written() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("ci", &[]);
    env.unchanged(|| {
        let leaked = format!("leaked: {t}");
        let glued = format!("x{t}y");
        for args in [
            vec!["disable", "ci", "--reason", &leaked],
            vec!["modify", "ci", "--owner", &t],
            vec!["modify", "ci", "--name", &glued],
            vec!["new", "--name", &t],
            vec!["new", "--name", "x", "--owner", &leaked],
            vec!["pool", "add", &t],
            vec!["delete", "ci", "--yes", "--reason", &leaked],
            vec!["renew", "ci", "--yes", "--reason", &leaked],
            vec!["show", &t],
            vec!["list", "--as", &t],
            vec!["log", "--actor", &t],
            vec!["verify", &t],
            vec!["--db", &t, "list"],
        ] {
            let out = env.run(&args);
            let line = expect_error(&out, 2, &args);
            assert!(line.contains("holds a whole token"), "{line}");
            assert!(!line.contains(&t[4..]), "{line}");
            assert_safe_message(&line);
        }
        // A setting that stands for an option counts too.
        let out = env
            .cmd()
            .env("TOKENCTL_ACTOR", &leaked)
            .args(["disable", "ci"])
            .output()
            .unwrap();
        expect_error(&out, 2, &["disable"]);
    });
    assert_eq!(env.log().len(), 2);
}

#[test]
fn an_access_token_in_an_argument_is_refused_too() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let a = env.run_stdin(&["exchange"], &format!("{t}\n"));
    let a = String::from_utf8(a.stdout).unwrap().trim().to_owned();
    env.unchanged(|| {
        let reason = format!("leaked {a}");
        env.fails(&["disable", "ci", "--reason", &reason], 2);
    });
}

// ---- messages --------------------------------------------------------------

#[test]
fn echoed_input_is_escaped_and_long_runs_are_shortened() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let longer = format!("{t}x");
    let shorter = t[..49].to_owned();
    let osc52 = "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2J";
    for reference in [
        longer.as_str(),
        shorter.as_str(),
        osc52,
        "a\u{202e}b\u{200b}",
    ] {
        for args in [
            vec!["show", reference],
            vec!["log", "--since", reference],
            vec!["new", "--name", "n", "--expires", reference],
        ] {
            let out = env.run(&args);
            // A value that holds a whole token is refused as such (exit 2).
            let code = if args[0] == "show" && reference != longer {
                3
            } else {
                2
            };
            let line = expect_error(&out, code, &args);
            assert_safe_message(&line);
            assert!(!line.contains(&t[4..24]), "{line}");
        }
    }
    let line = env.fails(&["show", osc52], 3);
    assert!(
        line.contains("\\u{1b}]52;c;"),
        "escaped, still readable: {line}"
    );
}

#[test]
fn names_quoted_in_messages_nest_their_quotes() {
    let env = Env::new();
    env.new_token("a,\"b\"", &[]);
    let line = env.fails(&["new", "--name", "a,\"b\""], 4);
    assert!(line.contains(r#""a,\"b\"""#), "{line}");
}

// ---- names -----------------------------------------------------------------

#[test]
fn names_start_with_a_letter_or_digit_and_hold_no_invisible_characters() {
    let env = Env::new();
    env.new_token("ci-bot", &[]);
    env.unchanged(|| {
        for bad in [
            "ci-bot\u{200b}",
            "\u{200b}ci-bot",
            "ci\u{202e}tob",
            "ci\u{2028}bot",
            "ci\u{2029}bot",
            "ci\u{feff}",
            "_ci",
            "-ci",
            ".hidden",
            " ci",
            "ci ",
        ] {
            let name_arg = format!("--name={bad}");
            env.fails(&["new", &name_arg], 2);
            env.fails(&["modify", "ci-bot", &name_arg], 2);
            let owner_arg = format!("--owner={bad}");
            env.fails(&["new", "--name", "x", &owner_arg], 2);
            let as_arg = format!("--as={bad}");
            env.fails(&["disable", "ci-bot", &as_arg], 2);
            env.fails(&["pool", "add", "--", bad], 2);
        }
    });
    env.new_token("9lives", &[]);
    env.new_token("Ünïcødé", &[]);
}

#[test]
fn csv_fields_that_a_spreadsheet_would_run_get_a_leading_quote() {
    let env = Env::new();
    env.new_token("plain", &[]);
    // Rows written before names were checked, or edited: still safe to open.
    env.sql(
        "UPDATE tokens SET name = '=HYPERLINK(\"http://x\")', owner = '+1', created_by = '@me';
         INSERT INTO tokens (name, prefix, hash, access, created_at, created_by, owner)
         VALUES ('-2', 'AbCdEfGh', 'x', 'read-only', '2026-01-01T00:00:00Z', '\ttab', '\rcr');",
    );
    let csv = env.ok(&["list", "--format", "csv"]);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let fields: Vec<String> = rows
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for expected in [
        "'=HYPERLINK(\"http://x\")",
        "'+1",
        "'@me",
        "'-2",
        "'\ttab",
        "'\rcr",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected:?} in {fields:?}"
        );
    }
    assert!(
        !fields
            .iter()
            .any(|f| f.starts_with(['=', '+', '-', '@', '\t', '\r'])),
        "{fields:?}"
    );
    // JSON stays lossless.
    let json = env.json(&["list"]);
    assert!(json.as_array().unwrap().iter().any(|t| t["name"] == "-2"));
}

// ---- stored values ---------------------------------------------------------

#[test]
fn an_unknown_stored_access_value_is_refused_never_read_write() {
    let env = Env::new();
    let t = env.new_token("ci", &["--read-only"]);
    env.sql(if env.pg.is_some() {
        "ALTER TABLE tokens DROP CONSTRAINT tokens_access_check; UPDATE tokens SET access = 'admin';"
    } else {
        "PRAGMA ignore_check_constraints = ON; UPDATE tokens SET access = 'admin';"
    });
    for args in [
        &["show", "ci"][..],
        &["list"],
        &["list", "--format", "json"],
    ] {
        let line = env.fails(args, 10);
        assert!(line.contains("access value"), "{line}");
    }
    let out = env.run_stdin(&["verify", "--access", "write"], &format!("{t}\n"));
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

// ---- times and durations ---------------------------------------------------

#[test]
fn times_after_9999_and_overflowing_durations_are_invalid_input() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    env.unchanged(|| {
        for args in [
            &["renew", "ci", "--yes", "--grace", "999999999d"][..],
            &["renew", "ci", "--yes", "--grace", "300000y"],
            &["new", "--name", "x", "--expires", "+10000-01-01T00:00:00Z"],
            &["new", "--name", "x", "--expires", "10000-01-01"],
            &["new", "--name", "x", "--expires", "300000y"],
            &["new", "--name", "x", "--expires", "18446744073709551615s"],
            &["modify", "ci", "--expires", "+10000-01-01T00:00:00Z"],
            &["log", "--since", "+10000-01-01T00:00:00Z"],
            &["log", "--until", "99999999999w"],
        ] {
            let out = env.run(args);
            let line = expect_error(&out, 2, args);
            assert!(!line.contains("panicked"), "{line}");
        }
        for ttl in ["300000y", "25h", "999999999d"] {
            env.test()
                .args(["exchange", "--ttl", ttl])
                .stdin(format!("{t}\n"))
                .fails(2);
        }
    });
    env.ok(&["new", "--name", "last", "--expires", "9999-12-31T23:59:59Z"]);
    assert_eq!(env.token("last")["expires_at"], "9999-12-31T23:59:59Z");
}

#[test]
fn a_clipboard_setting_out_of_range_is_invalid_input_and_the_holder_never_panics() {
    let env = Env::new();
    for value in ["99999999999999999999999", "0", "-5", "soon", "86401"] {
        env.test()
            .args(["new", "--name", "x"])
            .env("TOKENCTL_CLIP_SECONDS", value)
            .fails(2)
            .stderr_has("TOKENCTL_CLIP_SECONDS");
    }
    assert!(!env.store_exists(), "nothing was created");
    // The holder itself, handed a huge setting: no panic (no display here).
    let out = env
        .cmd()
        .env("TOKENCTL_CLIP_SECONDS", "18446744073709551615")
        .arg("__clipboard-holder")
        .write_stdin("secret\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
    /// Any number and unit for every time option, through the real binary:
    /// a value or exit 2, never a panic. Large numbers are drawn as often as
    /// small ones.
    #[test]
    fn any_time_or_duration_option_is_a_value_or_exit_2(
        n in proptest::prop_oneof![0u64..1000, 1000u64..10_000_000, proptest::prelude::any::<u64>()],
        unit in "s|m|h|d|w|y|years|months",
    ) {
        let env = Env::new();
        let t = env.new_token("ci", &[]);
        let value = format!("{n}{unit}");
        let runs: [Vec<&str>; 5] = [
            vec!["modify", "ci", "--expires", &value],
            vec!["renew", "ci", "--yes", "--grace", &value],
            vec!["log", "--since", &value],
            vec!["log", "--until", &value],
            vec!["new", "--name", "p", "--expires", &value],
        ];
        for args in runs {
            let out = env.run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            proptest::prop_assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            proptest::prop_assert!(matches!(out.status.code(), Some(0 | 2)), "{args:?}: {stderr}");
        }
        let out = env.run_stdin(&["exchange", "--ttl", &value, "--no-clipboard"], &format!("{t}\n"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        proptest::prop_assert!(!stderr.contains("panicked"), "{stderr}");
        proptest::prop_assert!(matches!(out.status.code(), Some(0..=2)), "exchange {value}: {stderr}");
    }
}

// ---- odd database paths ----------------------------------------------------

#[test]
fn a_fifo_as_the_database_is_refused_at_once_also_by_completion() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&env.db)
        .status()
        .unwrap();
    assert!(made.success());
    for args in [
        &["list"][..],
        &["new", "--name", "x"],
        &["show", "x"],
        &["log", "verify"],
        &["pool", "add", "p"],
    ] {
        let child = env
            .std_cmd()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = finishes_within(child, Duration::from_secs(10), &format!("{args:?}"));
        let line = expect_error(&out, 10, args);
        assert!(line.contains("FIFO"), "{line}");
    }
    let child = env
        .std_cmd()
        .env("COMPLETE", "bash")
        .args(["--", "tokenctl", "show", ""])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finishes_within(child, Duration::from_secs(10), "completion");
}

/// Every file in the directory, by name, with its bytes.
fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn refused_untouched(env: &Env, why: &str) {
    let dir = env.db.parent().unwrap();
    let before = snapshot(dir);
    for args in [
        &["list"][..],
        &["new", "--name", "x"],
        &["pool", "add", "p"],
        &["log", "verify"],
        &["delete", "x", "--yes"],
    ] {
        let line = env.fails(args, 10);
        assert!(line.contains(why), "{args:?}: {line}");
        assert_eq!(snapshot(dir), before, "{args:?} changed the files");
    }
    let out = env.run_stdin(&["verify"], &format!("{}\n", forged("tkc1", "AbCdEfGh")));
    expect_error(&out, 10, &["verify"]);
    assert_eq!(snapshot(dir), before);
}

/// A database file and the files SQLite keeps beside it (`-wal`, …), copied
/// as they are at this moment, as a crash would leave them.
fn copy_files(from: &std::path::Path, to: &std::path::Path, suffixes: &[&str]) {
    for suffix in suffixes {
        std::fs::copy(
            format!("{}{suffix}", from.display()),
            format!("{}{suffix}", to.display()),
        )
        .unwrap();
    }
}

/// A foreign SQLite file in WAL mode whose last commits are still in its
/// `-wal`: copied as a crash would leave it, with `-shm` beside it.
#[test]
fn a_foreign_file_with_a_pending_wal_is_left_byte_for_byte() {
    let env = Env::sqlite();
    let dir = env.db.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let work = env.dir.path().join("work.db");
    let c = Connection::open(&work).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');",
    )
    .unwrap();
    copy_files(&work, &env.db, &["", "-wal", "-shm"]);
    drop(c);
    assert!(
        std::fs::metadata(format!("{}-wal", env.db.display()))
            .unwrap()
            .len()
            > 0
    );
    refused_untouched(&env, "not a tokenctl database");
}

/// The same for a foreign file in rollback mode with a hot journal.
#[test]
fn a_foreign_file_with_a_hot_journal_is_left_byte_for_byte() {
    let env = Env::sqlite();
    let dir = env.db.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let work = env.dir.path().join("work.db");
    let c = Connection::open(&work).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=DELETE; PRAGMA cache_size=1;
         CREATE TABLE notes (body TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
         INSERT INTO notes SELECT hex(randomblob(500)) FROM n;",
    )
    .unwrap();
    // A transaction in flight, large enough to spill into the file.
    c.execute_batch("BEGIN; UPDATE notes SET body = hex(randomblob(600));")
        .unwrap();
    copy_files(&work, &env.db, &["", "-journal"]);
    c.execute_batch("ROLLBACK").unwrap();
    assert!(
        std::fs::metadata(format!("{}-journal", env.db.display()))
            .unwrap()
            .len()
            > 0
    );
    refused_untouched(&env, "not a tokenctl database");
}

/// A newer tokenctl's database whose version change is still in its WAL.
#[test]
fn a_newer_schema_in_a_pending_wal_is_left_byte_for_byte() {
    let env = Env::sqlite();
    env.new_token("ci", &[]);
    let work = env.dir.path().join("work.db");
    std::fs::copy(&env.db, &work).unwrap();
    let c = Connection::open(&work).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; PRAGMA user_version = 99;",
    )
    .unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", env.db.display()));
    }
    copy_files(&work, &env.db, &["", "-wal", "-shm"]);
    drop(c);
    refused_untouched(&env, "newer");
}

/// Mount the test's data directory read-only (root), or take the write
/// permission away (others); undone on drop.
struct ReadOnly(std::path::PathBuf, bool);

impl ReadOnly {
    fn make(dir: &std::path::Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        if is_root() {
            let bind = |args: &[&str]| {
                let ok = std::process::Command::new("mount")
                    .args(args)
                    .arg(dir)
                    .arg(dir)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "mount {args:?}");
            };
            bind(&["--bind"]);
            let ok = std::process::Command::new("mount")
                .args(["-o", "remount,bind,ro"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "remount read-only");
            return ReadOnly(dir.to_owned(), true);
        }
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        ReadOnly(dir.to_owned(), false)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.1 {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        } else {
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn a_read_only_database_serves_every_command_that_only_reads() {
    let env = Env::sqlite();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("ci", &["--pool", "plant-a"]);
    let head = env.ok(&["log", "head"]);
    let dir = env.db.parent().unwrap().to_owned();
    let before = snapshot(&dir);
    let read_only = ReadOnly::make(&dir);
    for args in [
        &["list"][..],
        &["show", "ci"],
        &["log"],
        &["log", "head"],
        &["log", "verify"],
        &["pool", "list"],
    ] {
        env.ok(args);
    }
    assert_eq!(env.ok(&["log", "head"]), head);
    // verify answers; last_used is left for a later check.
    let out = env.run_stdin(
        &["verify", "--format", "json", "--pool", "plant-a"],
        &format!("{t}\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A write says so, and changes nothing.
    env.fails(&["disable", "ci"], 10);
    drop(read_only);
    assert_eq!(snapshot(&dir), before, "nothing changed");
    assert_eq!(env.token("ci")["last_used"], Value::Null);
}

// ---- verify and exchange read one line and never wait on a writer ---------

#[test]
fn verify_and_exchange_answer_when_the_first_line_arrives() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    for args in [&["verify"][..], &["exchange"]] {
        let mut child = env
            .std_cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The line, then the pipe stays open, as a service or a person leaves it.
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{t}").unwrap();
        let out = finishes_within(child, Duration::from_secs(20), &format!("{args:?}"));
        drop(stdin);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_line_longer_than_64_kib_is_malformed() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let long = "x".repeat(64 * 1024 + 1) + "\n";
    let out = env.run_stdin(&["verify", "--format", "json"], &long);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "malformed");
}

#[test]
fn verify_never_waits_on_a_writer() {
    let env = Env::sqlite();
    let t = env.new_token("ci", &[]);
    let holder = env.conn();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let child = env
        .std_cmd()
        .arg("verify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_ref()
        .unwrap()
        .write_all(format!("{t}\n").as_bytes())
        .unwrap();
    // Far less than the 5 s a writer waits for the lock.
    let out = finishes_within(
        child,
        Duration::from_secs(4),
        "verify under a held write lock",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    holder.execute_batch("COMMIT").unwrap();
    assert_eq!(
        env.token("ci")["last_used"],
        Value::Null,
        "left for a later check"
    );
    env.run_stdin(&["verify"], &format!("{t}\n"));
    assert_ne!(env.token("ci")["last_used"], Value::Null);
}

// ---- secrets that cannot be delivered --------------------------------------

#[test]
fn a_pipe_nobody_reads_refuses_the_change_before_it_is_made() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    env.unchanged(|| {
        for args in [&["renew", "ci", "--yes"][..], &["new", "--name", "other"]] {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let out = env
                .std_cmd()
                .args(args)
                .stdout(writer)
                .stderr(Stdio::piped())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(10), "{args:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("nobody reads"), "{stderr}");
        }
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env
            .std_cmd()
            .arg("exchange")
            .stdin(Stdio::piped())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        out.stdin
            .as_ref()
            .unwrap()
            .write_all(format!("{t}\n").as_bytes())
            .unwrap();
        let out = out.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(10));
    });
}

#[test]
fn a_full_stdout_fails_and_names_the_token_to_renew() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = env
        .std_cmd()
        .args(["renew", "ci", "--yes"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("error: Renewed token \"ci\""), "{stderr}");
    assert!(last.contains("tokenctl renew"), "{stderr}");
    assert_safe_message(last);
}

// ---- processes that hold a token are not dumpable ---------------------------

/// A non-dumpable process's /proc entries belong to root: seen from a
/// process started as another user, that tells the flag.
fn proc_owner(pid: u32) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/status"))
        .unwrap()
        .uid()
}

#[test]
fn processes_holding_a_token_make_themselves_non_dumpable() {
    if needs_root("processes_holding_a_token_make_themselves_non_dumpable") {
        return;
    }
    use std::os::unix::process::CommandExt;
    let env = Env::new();
    for args in [&["exchange"][..], &["verify"], &["__clipboard-holder"]] {
        let mut child = env
            .std_cmd()
            .args(args)
            .uid(65534)
            .gid(65534)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // It waits for its token on stdin: by then it must be non-dumpable.
        let start = Instant::now();
        while proc_owner(child.id()) != 0 && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let owner = proc_owner(child.id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(owner, 0, "{args:?} is still dumpable");
    }
}

// ---- the token format for secret scanners ----------------------------------

/// The README's gitleaks rule, as written, finds real tokens of both kinds
/// in the places they leak to, and its regex is the one of spec section 1.
#[test]
fn the_readme_gitleaks_rule_finds_real_tokens() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```toml\n[[rules]]")
        .expect("a gitleaks rule in the README");
    let rule = &readme[start..start + readme[start..].find("\n```\n").unwrap()];
    let pattern = rule
        .lines()
        .find_map(|l| l.strip_prefix("regex = '''")?.strip_suffix("'''"))
        .expect("a regex line");
    assert!(rule.contains(r#"keywords = ["tkc1", "tka1"]"#), "{rule}");
    assert!(rule.contains("secretGroup = 1"), "{rule}");
    let re = regex::Regex::new(pattern).unwrap();
    // What the rule reports: its secret group, as gitleaks does.
    let found =
        |text: &str| -> Vec<String> { re.captures_iter(text).map(|c| c[1].to_owned()).collect() };
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let a = env.run_stdin(&["exchange"], &format!("{t}\n"));
    let a = String::from_utf8(a.stdout).unwrap().trim().to_owned();
    for token in [&t, &a] {
        for leaked in [
            format!("export API_TOKEN={token}\n"),
            format!("{{\"token\": \"{token}\"}}"),
            format!("Authorization: Bearer {token}"),
            format!("t2mtoken={token}&t2maccount=acme"),
        ] {
            assert_eq!(found(&leaked), vec![token.clone()], "{leaked}");
        }
    }
    // Glued and look-alike: the rule finds exactly the tokens scan finds.
    for text in [
        format!("MY_TOKEN_{t}"),
        format!("\"{t}\""),
        format!("x{t}"),
        format!("{t}x"),
        format!("{t}_end"),
        format!("{}{}", t, &t[4..]),
        format!("a={t};b={a}"),
    ] {
        let out = env.run_stdin(&["scan", "--format", "json"], &text);
        let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
        let prefixes: Vec<String> = findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["prefix"].as_str().unwrap().to_owned())
            .collect();
        let by_rule: Vec<String> = found(&text).iter().map(|t| t[4..12].to_owned()).collect();
        assert_eq!(by_rule, prefixes, "{text}");
    }
    // The 8-character prefix alone, as lists and logs show it, is no finding.
    assert!(!re.is_match(&env.ok(&["list"])));
    assert!(!re.is_match(&env.ok(&["log", "--format", "json"])));
}
