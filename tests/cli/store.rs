//! The database file: created private, foreign files refused untouched,
//! failures mapped to exit 10.

use rusqlite::Connection;

use crate::Env;

fn untouched_after_every_command(env: &Env, why: &str) {
    let before = std::fs::read(&env.db).unwrap();
    for args in [
        &["new", "--name", "x"][..],
        &["pool", "add", "p"],
        &["list"],
        &["show", "x"],
        &["log"],
        &["modify", "x", "--read-only"],
        &["delete", "x", "--yes"],
    ] {
        let line = env.fails(args, 10);
        assert!(line.contains(why), "{args:?}: {line}");
    }
    assert_eq!(
        std::fs::read(&env.db).unwrap(),
        before,
        "the file was changed"
    );
    let dir = env.db.parent().unwrap();
    let extra: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(extra.len(), 1, "no -wal or -shm left beside it: {extra:?}");
}

#[test]
fn random_bytes_are_refused() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&env.db, junk).unwrap();
    untouched_after_every_command(&env, "not a tokenctl database");
}

#[test]
fn a_short_text_file_is_refused() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    std::fs::write(&env.db, "hello\n").unwrap();
    untouched_after_every_command(&env, "not a tokenctl database");
}

#[test]
fn another_programs_sqlite_file_is_refused() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    {
        let c = Connection::open(&env.db).unwrap();
        c.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    untouched_after_every_command(&env, "not a tokenctl database");
}

#[test]
fn another_programs_sqlite_file_with_an_application_id_is_refused() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    {
        let c = Connection::open(&env.db).unwrap();
        c.execute_batch("PRAGMA application_id = 42; CREATE TABLE t (x);")
            .unwrap();
    }
    untouched_after_every_command(&env, "not a tokenctl database");
}

#[test]
fn a_newer_schema_is_refused() {
    let env = Env::sqlite();
    env.new_token("ci", &[]);
    {
        let c = Connection::open(&env.db).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = std::fs::read(&env.db).unwrap();
    for args in [&["new", "--name", "x"][..], &["list"], &["log"]] {
        let line = env.fails(args, 10);
        assert!(line.contains("newer"), "{line}");
    }
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
}

#[test]
fn an_empty_file_becomes_a_database_on_write() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    std::fs::write(&env.db, "").unwrap();
    env.fails(&["list"], 3);
    env.new_token("ci", &[]);
    assert_eq!(env.json(&["list"])[0]["name"], "ci");
}

#[test]
fn a_directory_where_the_file_should_be_is_a_system_failure() {
    let env = Env::sqlite();
    std::fs::create_dir_all(&env.db).unwrap();
    env.fails(&["new", "--name", "x"], 10);
    env.fails(&["list"], 10);
}

#[test]
fn an_unwritable_location_is_a_system_failure() {
    let env = Env::sqlite();
    // /proc refuses new files even to root.
    let out = env
        .cmd()
        .env("TOKENCTL_DB", "/proc/tokenctl-test/t.db")
        .args(["new", "--name", "x"])
        .output()
        .unwrap();
    crate::expect_error(&out, 10, &["new"]);
}

#[test]
fn the_schema_has_our_application_id_and_version() {
    let env = Env::sqlite();
    env.new_token("ci", &[]);
    let c = env.conn();
    let app: i32 = c
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(app, tokenctl::schema::APPLICATION_ID);
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, tokenctl::schema::latest_version());
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_held_write_lock_is_waited_for() {
    let env = Env::sqlite();
    env.new_token("ci", &[]);
    let c = env.conn();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    let child = env
        .std_cmd()
        .args(["new", "--name", "waits"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Poll until the child has the database open (it waits for the lock
    // next), then let it wait a moment before the lock is released.
    let start = std::time::Instant::now();
    let has_db_open = || {
        std::fs::read_dir(format!("/proc/{}/fd", child.id())).is_ok_and(|fds| {
            fds.flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == env.db))
        })
    };
    while !has_db_open() && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(has_db_open(), "the child never opened the database");
    std::thread::sleep(std::time::Duration::from_millis(300));
    c.execute_batch("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_lock_held_past_the_timeout_is_exit_10_and_changes_nothing() {
    let env = Env::sqlite();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        let c = env.conn();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        let line = env.fails(&["new", "--name", "blocked"], 10);
        assert!(line.contains("locked"), "{line}");
        c.execute_batch("COMMIT").unwrap();
    });
}

#[test]
fn a_database_of_an_older_schema_is_upgraded_on_first_use() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    {
        let mut c = Connection::open(&env.db).unwrap();
        tokenctl::schema::MIGRATIONS.to_version(&mut c, 1).unwrap();
        c.execute(
            "INSERT INTO tokens (name, prefix, hash, access, created_at, created_by)
             VALUES ('old', 'OldOld00', 'x', 'read-only', '2026-01-01T00:00:00Z', 'someone')",
            [],
        )
        .unwrap();
    }
    // Even a read command: the upgrade is one write, then the read.
    let list = env.json(&["list"]);
    assert_eq!(list[0]["name"], "old");
    let v: i64 = env
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, tokenctl::schema::latest_version());
    // And what v2 added works on it.
    env.ok(&["renew", "old", "--yes", "--grace", "1h"]);
}

/// A PostgreSQL password is never printed, whatever it holds (issue 19):
/// no server is needed, the connection fails and the message is read.
#[test]
fn a_postgres_password_with_url_characters_is_never_printed() {
    let env = Env::new();
    for url in [
        "postgres://alice:pa/ss9Secret@127.0.0.1:1/db",
        "postgres://alice:pa?ss9Secret@127.0.0.1:1/db",
        "postgres://alice:pa#ss9Secret@127.0.0.1:1/db?sslmode=disable",
        "postgres://alice:a/b?c#d@e9Secret@127.0.0.1:1/db",
        "postgres://alice@127.0.0.1:1/db?pass%77ord=pw9Secret",
        "postgresql://127.0.0.1:1/db?user=a&%70assword=pw9Secret",
    ] {
        for args in [
            &["list"][..],
            &["new", "--name", "x"][..],
            &["serve", "--listen", "127.0.0.1:0"][..],
        ] {
            let out = env
                .cmd()
                .args(args)
                .env("TOKENCTL_DB", url)
                .output()
                .unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.status.success(), "{url} {args:?}: {all}");
            assert!(!all.contains("Secret"), "{url} {args:?}: {all}");
            assert!(all.contains("127.0.0.1"), "{url} {args:?}: {all}");
        }
    }
}

/// A "PostgreSQL" that accepts and never answers: the command gives up at
/// the connect timeout (exit 10), it does not hang (issue 19).
#[test]
fn a_server_that_never_answers_does_not_hang_a_command() {
    let env = Env::new();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    // Accepted and held, never answered.
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in silent.incoming().take(4) {
            conns.push(c);
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    });
    let url =
        format!("postgres://u:pw9Secret@127.0.0.1:{port}/db?sslmode=disable&connect_timeout=2");
    for args in [&["list"][..], &["new", "--name", "x"][..]] {
        let start = std::time::Instant::now();
        let out = env
            .cmd()
            .args(args)
            .env("TOKENCTL_DB", &url)
            .output()
            .unwrap();
        let line = crate::expect_error(&out, 10, args);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(8),
            "{:?}",
            start.elapsed()
        );
        assert!(
            line.contains("no answer within 2 s") && !line.contains("Secret"),
            "{line}"
        );
    }
    drop(held);
}

/// The `-wal` decision (issue 19; the README's "Decisions"): every command
/// closes the store before it exits, and its close moves what it committed
/// into the database file, so a `-wal` removed while no tokenctl process has
/// the store open loses nothing. Removing it under a running process (serve)
/// is outside the guarantee, as removing the database file is.
#[test]
fn a_wal_removed_between_commands_loses_nothing() {
    let env = Env::sqlite();
    for name in ["a", "b", "c"] {
        env.new_token(name, &[]);
        for suffix in ["-wal", "-shm"] {
            let mut p = env.db.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
    let names: Vec<String> = env
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    env.ok(&["log", "verify"]);
}

/// `db status`: which store this is (password hidden), its engine, schema
/// version, counts and log head; a read that never creates a store.
#[test]
fn db_status_says_which_store_this_is() {
    let env = Env::new();
    env.fails(&["db", "status"], 3);
    assert!(!env.store_exists());
    env.ok(&["pool", "add", "plant-a"]);
    env.new_token("a", &[]);
    env.new_token("b", &["--pool", "plant-a"]);
    let v = env.json(&["db", "status"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "store",
            "engine",
            "schema_version",
            "tokens",
            "pools",
            "log_entries",
            "head"
        ]
    );
    assert_eq!(
        (&v["tokens"], &v["pools"], &v["log_entries"]),
        (
            &serde_json::json!(2),
            &serde_json::json!(1),
            &serde_json::json!(3)
        )
    );
    assert_eq!(v["head"].as_str().unwrap(), env.ok(&["log", "head"]).trim());
    if env.pg.is_some() {
        assert_eq!(v["engine"], "postgresql");
        assert!(v["schema_version"].as_i64().unwrap() >= 3);
        if let Ok(password) = std::env::var("PGPASSWORD") {
            assert!(!v["store"].as_str().unwrap().contains(&password), "{v}");
        }
    } else {
        assert_eq!(v["engine"], "sqlite");
        assert_eq!(v["schema_version"], tokenctl::schema::latest_version());
        assert_eq!(v["store"], env.db.display().to_string());
    }
    let human = env.ok(&["db", "status"]);
    assert!(human.contains("log entries:    3"), "{human}");
}
