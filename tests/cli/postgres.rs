//! The store on PostgreSQL (spec section 10), through the real binary
//! against a real server: each test gets a database of its own on the
//! server that `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD` name (as
//! `pg_virtualenv` sets them). Without one these tests say so and skip,
//! unless `TOKENCTL_REQUIRE_PG` is set (as CI sets it): then they fail.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Env, Pg, expect_error};

/// The shared `Pg`, with an Env whose store it is.
trait PgEnv {
    fn env(&self) -> Env;
}

impl PgEnv for Pg {
    fn env(&self) -> Env {
        let mut env = Env::sqlite();
        env.db = self.url.clone().into();
        env
    }
}

#[test]
fn every_command_works_on_postgresql() {
    let Some(pg) = Pg::new("every_command_works_on_postgresql") else {
        return;
    };
    let env = pg.env();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token(
        "ci",
        &["--pool", "plant-a", "--read-only", "--owner", "alice"],
    );
    crate::assert_token_format(&t);
    let list = env.json(&["list"]);
    assert_eq!(list[0]["name"], "ci");
    assert_eq!(list[0]["prefix"], &t[4..12]);
    assert_eq!(list[0]["pool"], "plant-a");
    assert_eq!(list[0]["access"], "read-only");
    let out = env.run_stdin(
        &["verify", "--format", "json", "--pool", "plant-a"],
        &format!("{t}\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = env.run_stdin(&["verify", "--access", "write"], &format!("{t}\n"));
    assert_eq!(out.status.code(), Some(1));
    let a = env.run_stdin(&["exchange", "--ttl", "30m"], &format!("{t}\n"));
    let a = String::from_utf8(a.stdout).unwrap().trim().to_owned();
    crate::assert_token_format_of(&a, "tka1");
    env.ok(&["modify", "ci", "--read-write", "--reason", "needs it"]);
    let new = env
        .ok(&["renew", "ci", "--yes", "--grace", "1h"])
        .trim()
        .to_owned();
    assert_eq!(
        env.run_stdin(&["verify"], &format!("{t}\n")).status.code(),
        Some(0)
    );
    assert_eq!(
        env.run_stdin(&["verify"], &format!("{new}\n"))
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        env.run_stdin(&["verify"], &format!("{t}\n")).status.code(),
        Some(1)
    );
    env.ok(&["disable", "ci"]);
    env.ok(&["enable", "ci"]);
    env.new_token("gone", &[]);
    env.ok(&["delete", "gone", "--yes"]);
    env.fails(&["pool", "remove", "plant-a"], 4);
    env.fails(&["show", "nope"], 3);
    env.fails(&["new", "--name", "ci"], 4);
    let ops: Vec<String> = env
        .log()
        .iter()
        .map(|e| e["op"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ops,
        [
            "delete", "new", "enable", "disable", "renew", "modify", "exchange", "new", "pool-add"
        ]
    );
    let ids: Vec<i64> = env
        .log()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=9).rev().collect::<Vec<_>>(), "gapless ids");
    env.ok(&["log", "verify"]);
    assert_eq!(
        env.json(&["log", "--token", "ci"])
            .as_array()
            .unwrap()
            .len(),
        6
    );
    env.ok(&["log", "--format", "csv"]);
    env.ok(&["list"]);
}

#[test]
fn a_read_never_creates_the_schema() {
    let Some(pg) = Pg::new("a_read_never_creates_the_schema") else {
        return;
    };
    let env = pg.env();
    for args in [
        &["list"][..],
        &["log"],
        &["show", "x"],
        &["log", "verify"],
        &["disable", "x"],
        // A write finds the schema missing in its first round trip.
        &["modify", "x", "--read-only"],
    ] {
        let line = env.fails(args, 3);
        assert!(line.contains("no tokenctl database"), "{line}");
    }
    // No pool exists where no database does: refused, nothing created.
    let line = env.fails(&["new", "--name", "y", "--pool", "p"], 2);
    assert!(line.contains("no pool named"), "{line}");
    assert_eq!(pg.dump(), "", "no table was created");
}

#[test]
fn foreign_tables_and_a_newer_schema_are_refused_untouched() {
    let Some(pg) = Pg::new("foreign_tables_are_refused") else {
        return;
    };
    let env = pg.env();
    pg.client()
        .batch_execute("CREATE TABLE tokens (body TEXT); INSERT INTO tokens VALUES ('mine');")
        .unwrap();
    let before = pg.dump();
    for args in [
        &["new", "--name", "x"][..],
        &["list"],
        &["pool", "add", "p"],
    ] {
        let line = env.fails(args, 10);
        assert!(line.contains("not a tokenctl database"), "{line}");
    }
    assert_eq!(pg.dump(), before);

    let Some(pg) = Pg::new("a_newer_schema_is_refused") else {
        return;
    };
    let env = pg.env();
    env.new_token("ci", &[]);
    pg.client()
        .batch_execute("UPDATE tokenctl_schema SET version = 99")
        .unwrap();
    let before = pg.dump();
    for args in [
        &["new", "--name", "x"][..],
        &["list"],
        &["log"],
        // Writes read the version row with their lock: still refused.
        &["modify", "ci", "--read-only"],
        &["disable", "ci"],
        &["policy", "set", "require-reason", "true"],
    ] {
        let line = env.fails(args, 10);
        assert!(line.contains("newer"), "{line}");
    }
    assert_eq!(pg.dump(), before);
}

/// `list` orders tokens byte by byte; PostgreSQL reads them in that order
/// from an index instead of sorting every row (with sorting forbidden, the
/// plan of list's query has no Sort). A store made before the index (schema
/// version 5) gains it on its next use.
#[test]
fn list_reads_tokens_in_order_from_an_index_on_old_stores_too() {
    let Some(pg) = Pg::new("list_reads_tokens_in_order_from_an_index") else {
        return;
    };
    let env = pg.env();
    for name in ["b", "A", "a"] {
        env.new_token(name, &[]);
    }
    let plan = || -> String {
        let mut c = pg.client();
        c.batch_execute("SET enable_sort = off").unwrap();
        c.query(
            "EXPLAIN SELECT t.name FROM tokens t LEFT JOIN pools p ON p.id = t.pool_id
              WHERE NULL::TEXT IS NULL OR p.name = NULL ORDER BY t.name COLLATE \"C\"",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0) + "\n")
        .collect()
    };
    let shown = plan();
    assert!(!shown.contains("Sort"), "{shown}");
    pg.client()
        .batch_execute("DROP INDEX tokens_name_bytes; UPDATE tokenctl_schema SET version = 5")
        .unwrap();
    assert!(
        plan().contains("Sort"),
        "the index is what serves the order"
    );
    let names: Vec<String> = env
        .ok(&["list", "--format", "csv"])
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["A", "a", "b"]);
    let shown = plan();
    assert!(!shown.contains("Sort"), "migrated: {shown}");
    // A write as the first use (it reads the version row with its lock)
    // brings the store up to date too, then makes its change.
    pg.client()
        .batch_execute("DROP INDEX tokens_name_bytes; UPDATE tokenctl_schema SET version = 5")
        .unwrap();
    env.ok(&["modify", "b", "--read-only"]);
    let shown = plan();
    assert!(!shown.contains("Sort"), "migrated by a write: {shown}");
    assert_eq!(env.json(&["show", "b"])["access"], "read-only");
}

#[test]
fn the_log_is_append_only_in_postgresql_too_and_tampering_is_found() {
    let Some(pg) = Pg::new("the_log_is_append_only") else {
        return;
    };
    let env = pg.env();
    env.new_token("a", &[]);
    env.new_token("b", &[]);
    let mut c = pg.client();
    for sql in [
        "UPDATE log SET actor = 'x'",
        "DELETE FROM log WHERE id = 1",
        "TRUNCATE log",
    ] {
        let err = c.batch_execute(sql).unwrap_err();
        assert!(format!("{err:?}").contains("append-only"), "{sql}: {err:?}");
    }
    // Someone who disables the triggers: the chain finds the edit.
    c.batch_execute(
        "ALTER TABLE log DISABLE TRIGGER USER; UPDATE log SET actor = 'mallory' WHERE id = 2;",
    )
    .unwrap();
    let out = env.run(&["log", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("entry 2"));
}

#[test]
fn the_password_never_appears() {
    let Some(pg) = Pg::new("the_password_never_appears") else {
        return;
    };
    let env = pg.env();
    let password = "Sup3rS3cretPassw0rd";
    let host = std::env::var("PGHOST").unwrap();
    let port = std::env::var("PGPORT").unwrap_or_else(|_| "5432".into());
    for url in [
        format!(
            "postgres://postgres:{password}@{host}:{port}/{}?sslmode=disable",
            pg.name
        ),
        format!("postgres://postgres:{password}@127.0.0.1:1/{}", pg.name),
        format!(
            "postgres://{host}:{port}/{}?password={password}&sslmode=disable",
            pg.name
        ),
        format!(
            "postgres://postgres:{password}@{host}:{port}/{}?sslmode=bogus",
            pg.name
        ),
    ] {
        let out = env
            .cmd()
            .env("TOKENCTL_DB", &url)
            .env_remove("PGPASSWORD")
            .args(["new", "--name", "x"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(2 | 10)), "{url}: {stderr}");
        assert!(!stderr.contains(password), "the password leaked: {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(password));
        expect_error(&out, out.status.code().unwrap(), &["new"]);
    }
}

#[test]
fn eight_writers_at_once_keep_the_ids_gapless_and_the_chain_whole() {
    let Some(pg) = Pg::new("eight_writers_at_once") else {
        return;
    };
    let env = pg.env();
    env.ok(&["pool", "add", "p"]);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let script = format!(
                "for i in $(seq 1 25); do \"$0\" new --name w{w}-$i --pool p || exit 1; done"
            );
            let mut cmd = env.shell(&script);
            cmd.stdout(Stdio::null()).stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for (i, w) in writers.into_iter().enumerate() {
        let out = w.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "writer {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 200);
    let ids: Vec<i64> = env
        .log()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        (1..=201).rev().collect::<Vec<_>>(),
        "ids 1..201 without gaps"
    );
    env.ok(&["log", "verify"]);
}

#[test]
fn db_copy_round_trips_with_the_same_log_head() {
    let Some(pg) = Pg::new("db_copy_round_trips") else {
        return;
    };
    let sqlite = Env::sqlite();
    sqlite.ok(&["pool", "add", "plant-a"]);
    let t = sqlite.new_token("ci", &["--pool", "plant-a"]);
    sqlite.new_token("gone", &[]);
    sqlite.ok(&["delete", "gone", "--yes"]);
    sqlite.run_stdin(&["exchange"], &format!("{t}\n"));
    sqlite.ok(&["renew", "ci", "--yes", "--grace", "1h"]);
    // What a notify delivered to a target, its lease still held.
    sqlite.sql(
        "INSERT INTO notify_targets VALUES ('t1', 3, 'host:1', 99999999999999);
         INSERT INTO notify_sent VALUES ('t1', 'expired-AbCdEfGh', '2026-11-30T00:00:00Z')",
    );
    let head = sqlite.ok(&["log", "head"]);
    // SQLite → PostgreSQL: the same hashes, and the copy's head printed.
    let printed = sqlite.ok(&["db", "copy", "--to", &pg.url]);
    assert_eq!(printed, head);
    let env = pg.env();
    assert_eq!(env.ok(&["log", "head"]), head);
    env.ok(&["log", "verify"]);
    assert_eq!(env.json(&["list"]), sqlite.json(&["list"]));
    // The retired secret and what notify delivered came along; the lease
    // did not (it was a running notify's, on the source).
    let one = |sql: &str| -> String { pg.client().query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(
        one("SELECT prefix || ' ' || successor || ' ' || by_self FROM retired_secrets"),
        sqlite.text("SELECT prefix || ' ' || successor || ' false' FROM retired_secrets")
    );
    assert_eq!(
        one(
            "SELECT target || ' ' || delivered || ' ' || holder || lease_until FROM notify_targets"
        ),
        "t1 3 0"
    );
    assert_eq!(
        one("SELECT event || ' ' || sent_at FROM notify_sent WHERE target = 't1'"),
        "expired-AbCdEfGh 2026-11-30T00:00:00Z"
    );
    // The old secret still verifies during its grace on the copy.
    assert_eq!(
        env.run_stdin(&["verify"], &format!("{t}\n")).status.code(),
        Some(0)
    );
    // A target that is not empty is refused, and keeps what it had.
    let before = pg.dump();
    let line = sqlite.fails(&["db", "copy", "--to", &pg.url], 4);
    assert!(line.contains("not empty"), "{line}");
    assert_eq!(pg.dump(), before);
    // Work goes on in the copy: new ids never reuse a deleted token's.
    env.new_token("after", &[]);
    env.ok(&["log", "verify"]);
    // PostgreSQL → SQLite, and SQLite → SQLite (a backup).
    let back = env.dir.path().join("back.db");
    let head = env.ok(&["log", "head"]);
    assert_eq!(
        env.ok(&["db", "copy", "--to", back.to_str().unwrap()]),
        head
    );
    let mut restored = Env::sqlite();
    restored.db = back.clone();
    restored.ok(&["log", "verify"]);
    restored.new_token("later", &[]);
    restored.ok(&["log", "verify"]);
    let backup = restored.dir.path().join("backup.db");
    let head = restored.ok(&["log", "head"]);
    assert_eq!(
        restored.ok(&["db", "copy", "--to", backup.to_str().unwrap()]),
        head
    );
}

#[test]
fn tls_modes_as_libpq_reads_them() {
    let Some(pg) = Pg::new("tls_modes") else {
        return;
    };
    let env = pg.env();
    env.new_token("ci", &[]);
    let base = pg.url.replace("?sslmode=disable", "");
    let ssl_on: String = pg.client().query_one("SHOW ssl", &[]).unwrap().get(0);
    let with = |query: &str| {
        env.cmd()
            .env("TOKENCTL_DB", format!("{base}?{query}"))
            .arg("list")
            .output()
            .unwrap()
    };
    assert!(with("sslmode=disable").status.success());
    assert!(with("sslmode=prefer").status.success());
    let snakeoil = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    if ssl_on == "on" && std::path::Path::new(snakeoil).exists() {
        assert!(with("sslmode=require").status.success());
        // Debian's cluster serves its snake-oil certificate, for localhost.
        let host = std::env::var("PGHOST").unwrap();
        if host == "localhost" {
            let full = with(&format!("sslmode=verify-full&sslrootcert={snakeoil}"));
            assert!(
                full.status.success(),
                "{}",
                String::from_utf8_lossy(&full.stderr)
            );
            // By address, the name does not match: verify-full refuses,
            // verify-ca (the chain only) accepts.
            let by_ip = base.replacen("@localhost:", "@127.0.0.1:", 1);
            let at = |query: &str| {
                env.cmd()
                    .env("TOKENCTL_DB", format!("{by_ip}?{query}"))
                    .arg("list")
                    .output()
                    .unwrap()
            };
            expect_error(
                &at(&format!("sslmode=verify-full&sslrootcert={snakeoil}")),
                10,
                &["list"],
            );
            assert!(
                at(&format!("sslmode=verify-ca&sslrootcert={snakeoil}"))
                    .status
                    .success()
            );
        }
        // Roots that did not sign the server's certificate: refused.
        if std::path::Path::new(bundle).exists() {
            let out = with(&format!("sslmode=verify-ca&sslrootcert={bundle}"));
            expect_error(&out, 10, &["list"]);
        }
    } else {
        eprintln!("tls_modes: the test server has no TLS here; require/verify not tried");
    }
    let out = with("sslmode=bogus");
    let line = expect_error(&out, 2, &["list"]);
    assert!(line.contains("sslmode"), "{line}");
    let v: Value = env.json(&["list"]);
    assert_eq!(v[0]["name"], "ci");
}

/// The connections of `tokenctl` processes to this test's database.
fn tokenctl_connections(pg: &Pg) -> i64 {
    pg.client()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'tokenctl' AND datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0)
}

/// serve's store connections are bounded by --db-connections, whatever the
/// load (issue 19): a flood does not take the server's connection slots
/// from the admins.
#[test]
fn serve_keeps_its_connections_within_db_connections() {
    let Some(pg) = Pg::new("serve_keeps_its_connections_within_db_connections") else {
        return;
    };
    let env = pg.env();
    let t = env.new_token("ci", &[]);
    let wrong = crate::forged("tkc1", &t[4..12]);
    let s = crate::serve::Serve::start(&env, &["--quiet", "--db-connections", "2"]);
    let port = s.port;
    let flood: Vec<_> = (0..60)
        .map(|i| {
            let token = if i % 3 == 0 { t.clone() } else { wrong.clone() };
            std::thread::spawn(move || {
                crate::serve::get(
                    port,
                    "/auth",
                    &[("Authorization", &format!("Bearer {token}"))],
                )
                .status
            })
        })
        .collect();
    let mut most = 0;
    for _ in 0..20 {
        most = most.max(tokenctl_connections(&pg));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let statuses: Vec<u16> = flood.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| [200, 401, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(most <= 2, "{most} connections open");
}

/// After the server drops serve's connections (as a restart does), the
/// next request is answered on a fresh one: not a 503 per pooled connection.
#[test]
fn serve_answers_at_once_after_its_connections_were_dropped() {
    let Some(pg) = Pg::new("serve_answers_at_once_after_its_connections_were_dropped") else {
        return;
    };
    let env = pg.env();
    let t = env.new_token("ci", &[]);
    let s = crate::serve::Serve::start(
        &env,
        &["--quiet", "--db-connections", "4", "--cache-ttl", "1h"],
    );
    let port = s.port;
    let good = move || {
        crate::serve::get(port, "/auth", &[("Authorization", &format!("Bearer {t}"))]).status
    };
    // Four connections in the pool.
    let busy: Vec<_> = (0..8).map(|_| std::thread::spawn(good.clone())).collect();
    for b in busy {
        assert_eq!(b.join().unwrap(), 200);
    }
    pg.client()
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = 'tokenctl' AND datname = current_database()",
        )
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    for i in 0..6 {
        assert_eq!(
            good(),
            200,
            "request {i} after the connections were dropped"
        );
    }
    assert_eq!(crate::serve::get(port, "/healthz", &[]).status, 200);
}

/// A transient failure (a serialization failure, a deadlock) forced on
/// the first try of a write: the write is retried and committed exactly
/// once, with a gapless, intact log (issue 19).
#[test]
fn a_serialization_failure_and_a_deadlock_are_retried_and_committed_once() {
    let Some(pg) = Pg::new("a_serialization_failure_and_a_deadlock_are_retried") else {
        return;
    };
    let env = pg.env();
    env.ok(&["pool", "add", "plant-a"]);
    for (name, code) in [("serial", "40001"), ("deadlock", "40P01")] {
        // Fails the first insert of a token after it is armed, once: the
        // sequence is not transactional, so the retry sees it moved on.
        pg.client()
            .batch_execute(&format!(
                "DROP TRIGGER IF EXISTS fail_once ON tokens;
                 DROP SEQUENCE IF EXISTS fail_once_{name};
                 CREATE SEQUENCE fail_once_{name};
                 CREATE OR REPLACE FUNCTION fail_once_{name}() RETURNS trigger AS $$
                 BEGIN
                   IF nextval('fail_once_{name}') = 1 THEN
                     RAISE EXCEPTION 'forced by the test' USING ERRCODE = '{code}';
                   END IF;
                   RETURN NEW;
                 END $$ LANGUAGE plpgsql;
                 CREATE TRIGGER fail_once BEFORE INSERT ON tokens
                   FOR EACH ROW EXECUTE FUNCTION fail_once_{name}();"
            ))
            .unwrap();
        env.new_token(name, &["--pool", "plant-a"]);
        let tries: i64 = pg
            .client()
            .query_one(&format!("SELECT last_value FROM fail_once_{name}"), &[])
            .unwrap()
            .get(0);
        assert_eq!(tries, 2, "{name}: failed once, then committed");
        let named: i64 = pg
            .client()
            .query_one("SELECT count(*) FROM tokens WHERE name = $1", &[&name])
            .unwrap()
            .get(0);
        assert_eq!(named, 1, "{name}");
    }
    let ids: Vec<i64> = env
        .log()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![3, 2, 1]);
    env.ok(&["log", "verify"]);
}

/// A lock held by someone else ends a read at the lock timeout, with the
/// contract's exit code, instead of waiting for ever.
#[test]
fn a_held_lock_ends_a_read_at_the_lock_timeout() {
    let Some(pg) = Pg::new("a_held_lock_ends_a_read_at_the_lock_timeout") else {
        return;
    };
    let env = pg.env();
    env.new_token("ci", &[]);
    let mut holder = pg.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let start = std::time::Instant::now();
    let line = env.fails(&["list"], 10);
    assert!(line.contains("locked"), "{line}");
    assert!(start.elapsed() < std::time::Duration::from_secs(15));
    tx.rollback().unwrap();
    env.ok(&["list"]);
}

/// Checks of one token that arrive together share one read (issue 26):
/// while a lock holds the tokens table, ten checks of one token put one
/// query before PostgreSQL (the checks that arrive while it waits share the
/// next, begun when it ends), not one per store connection; all ten are
/// answered once the lock is gone.
#[test]
fn checks_of_one_token_arriving_together_share_one_read() {
    let Some(pg) = Pg::new("checks_of_one_token_arriving_together_share_one_read") else {
        return;
    };
    let env = pg.env();
    let t = env.new_token("busy", &[]);
    let s = crate::serve::Serve::start(&env, &["--quiet", "--db-connections", "4"]);
    let port = s.port;
    let check = move || {
        crate::serve::get(port, "/auth", &[("Authorization", &format!("Bearer {t}"))]).status
    };
    assert_eq!(check(), 200);
    let mut holder = pg.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let checks: Vec<_> = (0..10).map(|_| std::thread::spawn(check.clone())).collect();
    let mut most = 0;
    for _ in 0..15 {
        let waiting: i64 = pg
            .client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE application_name = 'tokenctl' AND datname = current_database()
                   AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap()
            .get(0);
        most = most.max(waiting);
        std::thread::sleep(Duration::from_millis(20));
    }
    tx.rollback().unwrap();
    let statuses: Vec<u16> = checks.into_iter().map(|c| c.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(most, 1, "queries waiting on the lock at once");
}

/// serve answers again after the schema moved under its prepared lookup:
/// PostgreSQL refuses the prepared statement once its result type changed
/// (a column's type altered), that check is a 503 at most, and the checks
/// after it are answered, with no restart of serve (the connection whose
/// statement failed is closed, and the next one prepares afresh).
#[test]
fn serve_prepares_its_lookup_again_after_the_schema_moved_under_it() {
    let Some(pg) = Pg::new("serve_prepares_its_lookup_again") else {
        return;
    };
    let env = pg.env();
    let t = env.new_token("ci", &["--owner", "alice"]);
    let s = crate::serve::Serve::start(&env, &["--quiet", "--db-connections", "1"]);
    let check = || {
        let r = crate::serve::get(
            s.port,
            "/auth",
            &[("Authorization", &format!("Bearer {t}"))],
        );
        (r.status, r.header("x-tokenctl-owner").map(str::to_owned))
    };
    // The second run of the lookup on the connection prepares it.
    for _ in 0..3 {
        assert_eq!(check(), (200, Some("alice".to_owned())));
    }
    pg.client()
        .batch_execute("ALTER TABLE tokens ALTER COLUMN owner TYPE varchar(200)")
        .unwrap();
    let first = check();
    assert!(
        first.0 == 200 || first.0 == 503,
        "the prepared statement's failure is a 503 at most: {first:?}"
    );
    for _ in 0..3 {
        assert_eq!(check(), (200, Some("alice".to_owned())));
    }
}

/// A connection killed in the middle of `new`'s transaction (here while it
/// waits for the log's head, held by another session): the transaction is
/// gone whole, tokenctl connects again and retries, and there is exactly
/// one token, logged once, with a gapless and intact chain; or none, with
/// exit 10. Never a half-written one.
#[test]
fn a_connection_killed_mid_transaction_during_new_leaves_one_token_or_none() {
    let Some(pg) = Pg::new("a_connection_killed_mid_transaction_during_new") else {
        return;
    };
    let env = pg.env();
    env.ok(&["pool", "add", "plant-a"]);
    let mut holder = pg.client();
    let mut tx = holder.transaction().unwrap();
    tx.query_one("SELECT 1 FROM log_head WHERE id = 1 FOR UPDATE", &[])
        .unwrap();
    let new = env
        .std_cmd()
        .args(["new", "--name", "ci", "--pool", "plant-a"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its backend, waiting on the head's lock inside its transaction.
    let mut admin = pg.client();
    let started = std::time::Instant::now();
    let pid: i32 = loop {
        let row = admin
            .query_opt(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND wait_event_type = 'Lock' AND query LIKE '%log_head%FOR UPDATE%'",
                &[],
            )
            .unwrap();
        if let Some(row) = row {
            break row.get(0);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(4),
            "new did not wait on the head's lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let killed: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);
    tx.rollback().unwrap();
    let out = new.wait_with_output().unwrap();
    let tokens: i64 = admin
        .query_one("SELECT count(*) FROM tokens WHERE name = 'ci'", &[])
        .unwrap()
        .get(0);
    // tokenctl connects again and retries: exit 0 (exit 10 with no token
    // would keep the contract too; the retry is our choice).
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => {
            assert_eq!(tokens, 1);
            let t = String::from_utf8(out.stdout).unwrap();
            env.test().args(["verify"]).stdin(t).succeeds();
            let news = env
                .log()
                .iter()
                .filter(|e| e["op"] == "new" && e["token"] == "ci")
                .count();
            assert_eq!(news, 1, "logged once");
        }
        Some(10) => assert_eq!(tokens, 0, "exit 10 and a token"),
        other => panic!(
            "new exited {other:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
    let ids: Vec<i64> = env
        .log()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (1..=ids.len() as i64).rev().collect();
    assert_eq!(ids, expected, "gapless");
    env.ok(&["log", "verify"]);
}

/// When the database went away, until when it surely was (before it was
/// let back), and when it was seen back.
struct Outage {
    away: Instant,
    down_until: Instant,
    back: Instant,
}

/// The database taken away for a while while `serve` is under load, by
/// `outage`: every answer is 200 or 503; while it is away, 503 — never a
/// 2xx in doubt, a remembered token included; and 200 again within 2 s of
/// the database being back, without a restart of serve.
fn serve_rides_out(pg: &Pg, outage: impl FnOnce() -> Outage) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let env = pg.env();
    let t = env.new_token("ci", &[]);
    let s = crate::serve::Serve::start(&env, &["--quiet", "--cache-ttl", "1h"]);
    let port = s.port;
    assert_eq!(
        crate::serve::get(port, "/auth", &[("Authorization", &format!("Bearer {t}"))]).status,
        200
    );
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<(Instant, u16)>>> = Arc::default();
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (stop, seen, t) = (Arc::clone(&stop), Arc::clone(&seen), t.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let status = crate::serve::get(
                        port,
                        "/auth",
                        &[("Authorization", &format!("Bearer {t}"))],
                    )
                    .status;
                    seen.lock().unwrap().push((Instant::now(), status));
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let Outage {
        away,
        down_until,
        back,
    } = outage();
    std::thread::sleep(Duration::from_millis(2500));
    stop.store(true, Ordering::SeqCst);
    for l in load {
        l.join().unwrap();
    }
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().all(|(_, s)| *s == 200 || *s == 503),
        "only 200 or 503: {:?}",
        seen.iter().map(|(_, s)| s).collect::<Vec<_>>()
    );
    let gap: Vec<u16> = seen
        .iter()
        .filter(|(at, _)| *at > away + Duration::from_millis(300) && *at < down_until)
        .map(|(_, s)| *s)
        .collect();
    assert!(
        !gap.is_empty() && gap.iter().all(|s| *s == 503),
        "in the gap: {gap:?}"
    );
    let after: Vec<u16> = seen
        .iter()
        .filter(|(at, _)| *at > back + Duration::from_secs(2))
        .map(|(_, s)| *s)
        .collect();
    assert!(
        !after.is_empty() && after.iter().all(|s| *s == 200),
        "2 s after: {after:?}"
    );
    assert_eq!(crate::serve::get(port, "/healthz", &[]).status, 200);
}

/// The database away under serve's load, for this test's database alone
/// (its sessions ended and new ones refused for 1.5 s, as a restart does;
/// the other tests share the server): see [`serve_rides_out`].
#[test]
fn serve_answers_503_while_the_database_is_away_and_recovers_within_2_s() {
    let Some(pg) = Pg::new("serve_answers_503_while_the_database_is_away") else {
        return;
    };
    serve_rides_out(&pg, || {
        let mut admin = Pg::config("postgres").connect(::postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {0} ALLOW_CONNECTIONS false;
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{0}';",
                pg.name
            ))
            .unwrap();
        let away = Instant::now();
        std::thread::sleep(Duration::from_millis(1500));
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {} ALLOW_CONNECTIONS true",
                pg.name
            ))
            .unwrap();
        let back = Instant::now();
        Outage {
            away,
            down_until: back,
            back,
        }
    });
}

/// PostgreSQL itself restarted under serve's load: the throw-away
/// cluster of `pg_virtualenv` (always named `regress`) stopped
/// (`pg_ctlcluster … stop -m fast`, which ends every session), down for
/// 1.5 s, and started again; see [`serve_rides_out`]. It stops every
/// database on the server, so it runs only where `TOKENCTL_PG_RESTART`
/// says the cluster is its alone: `.ci/run` runs it by itself in a
/// `pg_virtualenv` of its own.
#[test]
fn serve_rides_out_a_postgresql_restart() {
    if std::env::var_os("TOKENCTL_PG_RESTART").is_none() {
        eprintln!(
            "skipping serve_rides_out_a_postgresql_restart: it restarts the whole cluster, \
             so it runs only with TOKENCTL_PG_RESTART=1 in a cluster of its own (as .ci/run does)"
        );
        return;
    }
    let Some(pg) = Pg::new("serve_rides_out_a_postgresql_restart") else {
        return;
    };
    let version = std::env::var("PGVERSION").expect("PGVERSION (pg_virtualenv sets it)");
    let cluster = |action: &str| {
        let mut c = std::process::Command::new("pg_ctlcluster");
        c.args([version.as_str(), "regress", action]);
        if action == "stop" {
            c.args(["-m", "fast"]);
        }
        c.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pg_ctlcluster")
    };
    let finished = |child: std::process::Child, action: &str| {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "pg_ctlcluster {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    serve_rides_out(&pg, || {
        finished(cluster("stop"), "stop");
        let away = Instant::now();
        std::thread::sleep(Duration::from_millis(1500));
        let down_until = Instant::now();
        let starting = cluster("start");
        // Back: the first moment the server takes a connection (the start
        // command itself returns later).
        while Pg::config(&pg.name).connect(::postgres::NoTls).is_err() {
            assert!(
                down_until.elapsed() < Duration::from_mins(1),
                "PostgreSQL did not come back"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let back = Instant::now();
        finished(starting, "start");
        Outage {
            away,
            down_until,
            back,
        }
    });
    // The log written before the restart is whole, and the store takes
    // writes again.
    let env = pg.env();
    env.ok(&["new", "--name", "after-restart"]);
    env.ok(&["log", "verify"]);
}
