//! The account log: every change recorded with its actor, filters, the
//! append-only triggers, and the hash chain with `log verify` and `log head`.

use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Env;

fn ops(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["op"].as_str().unwrap().to_owned())
        .collect()
}

/// A small history: pool-add, new a, new b, modify a, disable b, enable b,
/// renew a, delete b.
fn history(env: &Env) {
    env.ok(&["pool", "add", "plant-a", "--as", "alice"]);
    env.new_token("a", &["--pool", "plant-a", "--as", "alice"]);
    env.new_token("b", &["--as", "bob"]);
    env.ok(&["modify", "a", "--read-only", "--as", "bob"]);
    env.ok(&["disable", "b", "--as", "alice"]);
    env.ok(&["enable", "b"]);
    env.ok(&["renew", "a", "--yes"]);
    env.ok(&["delete", "b", "--yes", "--as", "carol"]);
}

#[test]
fn every_change_is_logged_newest_first_with_its_actor() {
    let env = Env::new();
    history(&env);
    let log = env.log();
    assert_eq!(
        ops(&Value::Array(log.clone())),
        [
            "delete", "renew", "enable", "disable", "modify", "new", "new", "pool-add"
        ]
    );
    let actors: Vec<_> = log.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(
        actors,
        [
            "carol",
            crate::ACTOR,
            crate::ACTOR,
            "alice",
            "bob",
            "bob",
            "alice",
            "alice"
        ]
    );
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [8, 7, 6, 5, 4, 3, 2, 1]);
    for e in &log {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id", "at", "actor", "op", "token", "prefix", "details", "hash"
            ]
        );
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
        assert!(e["details"].is_object());
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
    }
}

#[test]
fn reads_are_not_logged() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.unchanged(|| {
        env.ok(&["list"]);
        env.ok(&["show", "a"]);
        env.ok(&["log"]);
        env.ok(&["pool", "list"]);
        env.ok(&["log", "verify"]);
        env.ok(&["log", "head"]);
    });
}

#[test]
fn no_secret_or_hash_ever_appears_in_the_log() {
    let env = Env::new();
    let t1 = env.new_token("a", &[]);
    let t2 = env.ok(&["renew", "a", "--yes"]);
    let everything = env.ok(&["log", "--format", "json"])
        + &env.ok(&["log", "--format", "csv"])
        + &env.ok(&["log"]);
    for t in [t1.trim(), t2.trim()] {
        assert!(!everything.contains(&t[12..44]));
    }
    assert!(!everything.contains("argon2"));
    let raw = env.texts("SELECT details FROM log");
    assert!(!raw.iter().any(|d| d.contains("argon2")));
}

#[test]
fn filter_by_token_name_or_prefix_across_renames_renews_and_deletion() {
    let env = Env::new();
    let old = env.new_token("a", &[]);
    env.new_token("other", &[]);
    env.ok(&["modify", "a", "--name", "a2"]);
    let new = env.ok(&["renew", "a2", "--yes"]);
    env.ok(&["delete", "a2", "--yes"]);
    let all_of_a = ["delete", "renew", "modify", "new"];
    assert_eq!(ops(&env.json(&["log", "--token", "a"])), all_of_a);
    assert_eq!(ops(&env.json(&["log", "--token", "a2"])), all_of_a);
    assert_eq!(ops(&env.json(&["log", "--token", &old[4..12]])), all_of_a);
    assert_eq!(
        ops(&env.json(&["log", "--token", &new.trim()[4..12]])),
        all_of_a
    );
    assert_eq!(ops(&env.json(&["log", "--token", "other"])), ["new"]);
    // A search, not a lookup: a token that never existed is an empty result.
    assert_eq!(env.json(&["log", "--token", "never-was"]), json!([]));
}

#[test]
fn filter_by_actor_op_and_limit() {
    let env = Env::new();
    history(&env);
    assert_eq!(
        ops(&env.json(&["log", "--actor", "alice"])),
        ["disable", "new", "pool-add"]
    );
    assert_eq!(ops(&env.json(&["log", "--op", "new"])), ["new", "new"]);
    assert_eq!(
        ops(&env.json(&["log", "--limit", "2"])),
        ["delete", "renew"]
    );
    assert_eq!(
        ops(&env.json(&["log", "--op", "new", "--actor", "bob"])),
        ["new"]
    );
    assert_eq!(env.json(&["log", "--actor", "nobody"]), json!([]));
}

#[test]
fn filter_by_time() {
    let env = Env::new();
    history(&env);
    // Move the first three entries into the past, behind the triggers' back
    // but with the chain recomputed, as a real old history would be.
    env.tamper("UPDATE log SET at = '2020-01-01T00:00:00Z' WHERE id <= 3");
    assert_eq!(
        env.json(&["log", "--since", "7d"])
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        env.json(&["log", "--until", "2020-01-02"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        env.json(&[
            "log",
            "--since",
            "2019-12-31",
            "--until",
            "2020-01-01T00:00:00Z"
        ])
        .as_array()
        .unwrap()
        .len(),
        3
    );
    assert_eq!(env.json(&["log", "--since", "2099-01-01"]), json!([]));
}

#[test]
fn bad_filters_are_usage_errors() {
    let env = Env::new();
    env.new_token("a", &[]);
    let line = env.fails(&["log", "--op", "explode"], 2);
    for op in [
        "new",
        "modify",
        "delete",
        "renew",
        "disable",
        "enable",
        "pool-add",
        "pool-remove",
        "exchange",
    ] {
        assert!(line.contains(op), "{op} not listed: {line}");
    }
    env.fails(&["log", "--since", "last tuesday"], 2);
    env.fails(&["log", "--until", "never"], 2);
    env.fails(&["log", "--limit", "0"], 2);
    env.fails(&["log", "--limit", "-3"], 2);
    env.fails(&["log", "--limit", "many"], 2);
}

#[test]
fn csv_has_the_json_keys_and_details_as_json() {
    let env = Env::new();
    env.new_token("a", &["--expires", "2099-01-01"]);
    let csv = env.ok(&["log", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "id", "at", "actor", "op", "token", "prefix", "details", "hash"
        ]
    );
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[3], "new");
    let details: Value = serde_json::from_str(&row[6]).unwrap();
    assert_eq!(details["expires_at"], "2099-01-01T00:00:00Z");
}

#[test]
fn table_shows_changes_as_old_to_new() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.ok(&["modify", "a", "--read-only", "--reason", "least privilege"]);
    let table = env.ok(&["log"]);
    assert!(table.contains("read-write → read-only"), "{table}");
    assert!(table.contains("least privilege"), "{table}");
}

#[test]
fn log_into_a_closed_pipe_is_not_an_error() {
    let env = Env::new();
    env.new_token("a", &[]);
    for i in 0..30 {
        env.ok(&[
            "modify",
            "a",
            "--owner",
            &format!("owner-{i}-{}", "x".repeat(40)),
        ]);
    }
    // `tokenctl log | head -1`, with the reader gone before we write.
    let mut child = env
        .std_cmd()
        .args(["log", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_database_refuses_update_and_delete_on_the_log() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.unchanged(|| {
        for sql in ["UPDATE log SET actor = 'mallory'", "DELETE FROM log"] {
            let e = env.try_sql(sql).unwrap_err();
            assert!(e.contains("append-only"), "{e}");
        }
    });
}

#[test]
fn verify_passes_on_an_intact_chain() {
    let env = Env::new();
    history(&env);
    let out = env.ok(&["log", "verify"]);
    assert!(out.contains("intact") && out.contains("8 entries"), "{out}");
    let v = env.json(&["log", "verify"]);
    assert_eq!(v["intact"], true);
    assert_eq!(v["entries"], 8);
}

/// Recompute the chain as an outside auditor would, from the README's
/// canonical form and the JSON the log prints.
#[test]
fn the_chain_is_recomputable_from_the_documented_canonical_form() {
    let env = Env::new();
    history(&env);
    let mut log = env.log();
    log.reverse();
    let mut previous = "0".repeat(64);
    for e in &log {
        let mut content = e.as_object().unwrap().clone();
        content.remove("hash");
        let canonical = canonical_json(&Value::Object(content));
        let hash = hex(&Sha256::digest(
            format!("{previous}\n{canonical}").as_bytes(),
        ));
        assert_eq!(e["hash"], hash.as_str(), "entry {}", e["id"]);
        previous = hash;
    }
    assert_eq!(env.ok(&["log", "head"]).trim(), format!("8:{previous}"));
}

/// A log row as stored: id, at, actor, op, token, prefix, details.
type Row = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

fn canonical_json(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical_json(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical_json).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Someone with a database shell: the triggers off, then a rewrite.
fn tamper(env: &Env, sql: &str) {
    env.tamper(sql);
}

fn verify_fails_at(env: &Env, args: &[&str], id: i64) -> String {
    let mut a = vec!["log", "verify"];
    a.extend(args);
    let out = env.run(&a);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("entry {id}")) || stderr.contains(&format!("head {id}")),
        "{stderr}"
    );
    let mut j = a.clone();
    j.extend(["--format", "json"]);
    let out = env.run(&j);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_bad"], id);
    stderr
}

#[test]
fn verify_catches_an_edited_entry() {
    let env = Env::new();
    history(&env);
    tamper(&env, "UPDATE log SET actor = 'nobody' WHERE id = 4");
    verify_fails_at(&env, &[], 4);
}

#[test]
fn verify_catches_edited_details() {
    let env = Env::new();
    history(&env);
    tamper(
        &env,
        r#"UPDATE log SET details = '{"access":["read-write","read-write"]}' WHERE id = 4"#,
    );
    verify_fails_at(&env, &[], 4);
}

#[test]
fn verify_catches_a_removed_entry() {
    let env = Env::new();
    history(&env);
    tamper(&env, "DELETE FROM log WHERE id = 3");
    verify_fails_at(&env, &[], 4);
}

#[test]
fn verify_catches_an_inserted_entry() {
    let env = Env::new();
    history(&env);
    // Renumber to make room, then insert a forged entry with a made-up hash.
    tamper(
        &env,
        "UPDATE log SET id = id + 100 WHERE id >= 5;
         UPDATE log SET id = id - 99 WHERE id >= 105;
         INSERT INTO log (id, at, actor, op, token, prefix, details, hash)
         VALUES (5, '2026-01-01T00:00:00Z', 'mallory', 'new', 'evil', 'EvIl0000', '{}', 'ab');",
    );
    verify_fails_at(&env, &[], 5);
}

#[test]
fn head_prints_id_and_hash_and_verify_checks_it() {
    let env = Env::new();
    history(&env);
    let head = env.ok(&["log", "head"]).trim().to_owned();
    let (id, hash) = head.split_once(':').unwrap();
    assert_eq!(id, "8");
    assert_eq!(hash.len(), 64);
    let v = env.json(&["log", "head"]);
    assert_eq!(v, json!({"id": 8, "hash": hash}));
    // More entries later: the chain still passes through the noted head.
    env.new_token("later", &[]);
    env.ok(&["log", "verify", "--head", &head]);
}

#[test]
fn verify_head_catches_a_cut_off_tail() {
    let env = Env::new();
    history(&env);
    let head = env.ok(&["log", "head"]).trim().to_owned();
    tamper(&env, "DELETE FROM log WHERE id >= 7");
    if env.pg.is_some() {
        // PostgreSQL records its newest entry apart (log_head): the cut
        // shows without a noted head, at the first entry missing.
        verify_fails_at(&env, &[], 7);
        verify_fails_at(&env, &["--head", &head], 7);
        return;
    }
    // The chain that is left is consistent: only the noted head shows the cut.
    env.ok(&["log", "verify"]);
    verify_fails_at(&env, &["--head", &head], 8);
}

#[test]
fn verify_head_catches_a_chain_recomputed_from_scratch() {
    let env = Env::sqlite();
    history(&env);
    let head = env.ok(&["log", "head"]).trim().to_owned();
    // Rewrite entry 2 and recompute every hash after it, as a careful forger would.
    let c = Connection::open(&env.db).unwrap();
    c.execute_batch("DROP TRIGGER log_no_update;").unwrap();
    c.execute("UPDATE log SET actor = 'mallory' WHERE id = 2", [])
        .unwrap();
    recompute_chain(&c);
    env.ok(&["log", "verify"]);
    verify_fails_at(&env, &["--head", &head], 8);
}

/// Recompute every hash from the stored content, as a careful forger would.
fn recompute_chain(c: &Connection) {
    let rows: Vec<Row> = c
        .prepare("SELECT id, at, actor, op, token, prefix, details FROM log ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut previous = "0".repeat(64);
    for (id, at, actor, op, token, prefix, details) in rows {
        let details: Value = serde_json::from_str(&details).unwrap();
        let content = json!({"id": id, "at": at, "actor": actor, "op": op, "token": token, "prefix": prefix, "details": details});
        let hash = hex(&Sha256::digest(
            format!("{previous}\n{}", canonical_json(&content)).as_bytes(),
        ));
        c.execute(
            "UPDATE log SET hash = ?1 WHERE id = ?2",
            rusqlite::params![hash, id],
        )
        .unwrap();
        previous = hash;
    }
}

#[test]
fn a_rewritten_token_id_is_tampering() {
    let env = Env::new();
    history(&env);
    assert_eq!(
        env.json(&["log", "--token", "a"]).as_array().unwrap().len(),
        3
    );
    // Entry 4 (modify a) moved to token b's id: `log --token a` would lose it.
    tamper(
        &env,
        "UPDATE log SET token_id = (SELECT token_id FROM log WHERE id = 3) WHERE id = 4",
    );
    verify_fails_at(&env, &[], 4);
    // Or to an id of its own.
    let env = Env::new();
    history(&env);
    tamper(&env, "UPDATE log SET token_id = 999 WHERE id = 7");
    verify_fails_at(&env, &[], 7);
}

#[test]
fn a_duplicate_key_in_details_is_tampering() {
    let env = Env::new();
    history(&env);
    // The same key twice parses to the same object, so the hash still
    // matches: the stored text is what gives it away.
    tamper(
        &env,
        r#"UPDATE log SET details = '{"access":["read-write","read-only"],"access":["read-write","read-only"]}' WHERE id = 4"#,
    );
    verify_fails_at(&env, &[], 4);
}

#[test]
fn a_column_of_the_wrong_type_or_shape_is_tampering_not_a_failure() {
    for sql in [
        "UPDATE log SET hash = X'00ff' WHERE id = 5",
        "UPDATE log SET hash = 'abc' WHERE id = 5",
        "UPDATE log SET details = X'7b7d' WHERE id = 5",
        "UPDATE log SET actor = X'ff' WHERE id = 5",
        "UPDATE log SET details = 'not json' WHERE id = 5",
        "UPDATE log SET token_id = 'x' WHERE id = 5",
    ] {
        // SQLite keeps any type in any column; PostgreSQL's typed columns
        // make these edits impossible there.
        let env = Env::sqlite();
        history(&env);
        tamper(
            &env,
            &format!("PRAGMA ignore_check_constraints = ON; {sql}"),
        );
        let line = verify_fails_at(&env, &[], 5);
        assert!(line.contains("entry 5"), "{sql}: {line}");
    }
}

#[test]
fn a_clock_that_jumps_never_moves_later_entries_and_is_only_noted() {
    let env = Env::sqlite();
    history(&env);
    // One write made under a clock set to 2099: the head entry, as written.
    let c = Connection::open(&env.db).unwrap();
    c.execute_batch("DROP TRIGGER log_no_update;").unwrap();
    c.execute(
        "UPDATE log SET at = '2099-01-01T00:00:00Z' WHERE id = 8",
        [],
    )
    .unwrap();
    recompute_chain(&c);
    drop(c);
    env.ok(&["log", "verify"]);
    // The next write keeps its own, real time.
    env.ok(&["pool", "add", "later"]);
    let newest = &env.log()[0];
    assert_eq!(newest["id"], 9);
    assert!(newest["at"].as_str().unwrap() < "2099", "{newest}");
    // log verify: intact, with a note about the clock.
    let stderr = env.test().args(["log", "verify"]).exits(0).stderr;
    assert!(
        stderr.contains("entry 9") && stderr.contains("clock"),
        "{stderr}"
    );
    let v = env.json(&["log", "verify"]);
    assert_eq!(v["intact"], true);
    assert_eq!(v["clock_went_back"], json!([9]));
    // Filters use the times as stored.
    let recent = env.json(&["log", "--since", "1d", "--until", "2098-01-01"]);
    let ids: Vec<Value> = recent
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(Value::from(ids), json!([9, 7, 6, 5, 4, 3, 2, 1]));
    let future = env.json(&["log", "--since", "2098-01-01"]);
    assert_eq!(future.as_array().unwrap().len(), 1);
    assert_eq!(future[0]["id"], 8);
}

#[test]
fn bad_head_argument_is_a_usage_error() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.fails(&["log", "verify", "--head", "nonsense"], 2);
    env.fails(&["log", "verify", "--head", "1:abc"], 2);
    let missing = format!("99:{}", "a".repeat(64));
    let out = env.run(&["log", "verify", "--head", &missing]);
    assert_eq!(out.status.code(), Some(1));
}

/// The README's Python snippet for auditors, run as written, agrees with
/// `log head` — also for names with non-ASCII and control-free odd text.
#[test]
fn the_readme_python_recomputes_the_chain() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping the_readme_python_recomputes_the_chain: no python3");
        return;
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```python\n")
        .expect("a python block in the README")
        + "```python\n".len();
    let script = &readme[start..start + readme[start..].find("```").unwrap()];
    let env = Env::new();
    env.ok(&["pool", "add", "Zürich \"Nord\" ✓"]);
    env.new_token(
        "naïve/名前",
        &["--pool", "Zürich \"Nord\" ✓", "--owner", "Ünal"],
    );
    env.ok(&[
        "modify",
        "naïve/名前",
        "--read-only",
        "--reason",
        "tab-free \\ backslash",
    ]);
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_tokenctl"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .shell("exec python3 -c \"$PY\"")
        .env("PY", script)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        env.ok(&["log", "head"]).trim()
    );
}

/// A cut of the newest entries is tampering where the store records its
/// newest entry apart from the log (PostgreSQL's `log_head`); on SQLite
/// only a noted head finds it (the README says so). Either way `db copy`
/// refuses to pass such a log on, and never commits a target it calls
/// broken.
#[test]
fn a_cut_at_the_end_is_found_where_the_store_records_its_end() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.new_token("b", &[]);
    env.new_token("c", &[]);
    let head = env.ok(&["log", "head"]).trim().to_owned();
    env.tamper("DELETE FROM log WHERE id > 1");
    let target = env.dir.path().join("copy.db");
    let copy = ["db", "copy", "--to", target.to_str().unwrap()];
    if env.pg.is_some() {
        let line = env.fails(&["log", "verify"], 1);
        assert!(
            line.contains("entry 3") && line.contains("removed from its end"),
            "{line}"
        );
        let out = env.run(&["check"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).contains("removed from its end"));
        let line = env.fails(&copy, 1);
        assert!(
            line.contains("removed from its end") && !line.contains("TailCut"),
            "{line}"
        );
    } else {
        env.ok(&["log", "verify"]);
        let line = env.fails(&["log", "verify", "--head", &head], 1);
        assert!(line.contains("no longer in the log"), "{line}");
        env.ok(&copy);
        return;
    }
    // Nothing was committed: the target holds no token and no entry.
    let target_env = |args: &[&str]| {
        let out = env
            .cmd()
            .args(args)
            .env("TOKENCTL_DB", &target)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(target_env(&["list", "--format", "json"]).trim(), "[]");
    assert_eq!(target_env(&["log", "--format", "json"]).trim(), "[]");
}

/// An entry edited in the middle of the source: the copy is refused before
/// its commit, and the message is worded for people (no Rust `Debug`).
#[test]
fn db_copy_never_commits_a_target_it_calls_broken() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.new_token("b", &[]);
    env.tamper("UPDATE log SET actor = 'mallory' WHERE id = 1");
    let target = env.dir.path().join("copy.db");
    let line = env.fails(&["db", "copy", "--to", target.to_str().unwrap()], 1);
    assert!(line.contains("entry 1 is bad"), "{line}");
    assert!(
        !line.contains("Entry {") && !line.contains("why:"),
        "{line}"
    );
    let out = env
        .cmd()
        .args(["log", "--format", "json"])
        .env("TOKENCTL_DB", &target)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}
