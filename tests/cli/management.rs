//! list, show, modify, delete, renew, disable, enable: the management dialog.

use serde_json::{Value, json};

use crate::{Env, assert_token_format};

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Make a token expired without waiting: move its expiry into the past.
fn expire(env: &Env, name: &str) {
    env.sql(&format!(
        "UPDATE tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = '{name}'"
    ));
}

#[test]
fn list_is_ordered_by_name_with_every_field() {
    let env = Env::new();
    for n in ["charlie", "alpha", "bravo"] {
        env.new_token(n, &[]);
    }
    let v = env.json(&["list"]);
    assert_eq!(names(&v), ["alpha", "bravo", "charlie"]);
    let keys: Vec<&str> = v[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, crate::TOKEN_KEYS);
}

#[test]
fn empty_list_is_an_empty_array_and_a_csv_header() {
    let env = Env::new();
    env.ok(&["pool", "add", "p"]);
    assert_eq!(env.json(&["list"]), json!([]));
    let csv = env.ok(&["list", "--format", "csv"]);
    assert_eq!(
        csv,
        "name,prefix,pool,api,access,owner,status,created_at,created_by,expires_at,last_used,renewed_at,allowed_from,not_before,rate,last_used_from\n"
    );
}

#[test]
fn table_leaves_out_the_pool_column_while_no_pool_is_registered() {
    let env = Env::new();
    let token = env.new_token("ci", &[]);
    let table = env.ok(&["list"]);
    for col in [
        "Name",
        "Token prefix",
        "API",
        "Access",
        "Expires",
        "Last used",
        "Status",
    ] {
        assert!(table.contains(col), "{col} missing in\n{table}");
    }
    assert!(!table.contains("Device Pool"), "{table}");
    assert!(table.contains(&token[4..12]) && table.contains("DataMailbox"));
    assert!(!table.contains(&token[12..]), "the secret is never listed");
    // JSON keeps the field.
    assert_eq!(env.json(&["list"])[0]["pool"], Value::Null);
    env.ok(&["pool", "add", "plant-a"]);
    assert!(env.ok(&["list"]).contains("Device Pool"));
}

#[test]
fn list_filters_by_pool_and_status() {
    let env = Env::new();
    env.ok(&["pool", "add", "a"]);
    env.ok(&["pool", "add", "b"]);
    env.new_token("in-a", &["--pool", "a"]);
    env.new_token("in-b", &["--pool", "b"]);
    env.new_token("off", &["--pool", "a"]);
    env.new_token("old", &[]);
    env.ok(&["disable", "off"]);
    expire(&env, "old");
    assert_eq!(names(&env.json(&["list", "--pool", "a"])), ["in-a", "off"]);
    assert_eq!(
        names(&env.json(&["list", "--status", "active"])),
        ["in-a", "in-b"]
    );
    assert_eq!(names(&env.json(&["list", "--status", "disabled"])), ["off"]);
    assert_eq!(names(&env.json(&["list", "--status", "expired"])), ["old"]);
    assert_eq!(
        names(&env.json(&["list", "--pool", "a", "--status", "disabled"])),
        ["off"]
    );
    let line = env.fails(&["list", "--pool", "nope"], 2);
    assert!(line.contains("a, b"), "{line}");
    env.fails(&["list", "--status", "sleepy"], 2);
}

#[test]
fn csv_quotes_per_rfc_4180() {
    let env = Env::new();
    env.new_token("comma, \"quoted\"", &[]);
    let csv = env.ok(&["list", "--format", "csv"]);
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("\"comma, \"\"quoted\"\"\","), "{row}");
}

#[test]
fn show_finds_by_name_or_prefix() {
    let env = Env::new();
    let token = env.new_token("ci", &[]);
    assert_eq!(env.token("ci")["prefix"], &token[4..12]);
    assert_eq!(env.token(&token[4..12])["name"], "ci");
    let table = env.ok(&["show", "ci"]);
    assert!(
        table.contains("DataMailbox") && table.contains(&token[4..12]),
        "{table}"
    );
}

#[test]
fn show_unknown_is_not_found_with_a_suggestion() {
    let env = Env::new();
    env.new_token("ci-bot2", &[]);
    let line = env.fails(&["show", "ci-bot"], 3);
    assert!(
        line.contains("no token named \"ci-bot\"") && line.contains("did you mean \"ci-bot2\""),
        "{line}"
    );
}

#[test]
fn a_reference_matching_two_tokens_is_a_usage_error() {
    let env = Env::new();
    let token = env.new_token("first", &[]);
    let prefix = &token[4..12];
    // A second token whose name is the first one's prefix.
    env.new_token(prefix, &[]);
    env.unchanged(|| {
        let line = env.fails(&["show", prefix], 2);
        assert!(line.contains("first") && line.contains("prefix"), "{line}");
        env.fails(&["delete", prefix, "--yes"], 2);
        env.fails(&["modify", prefix, "--read-only"], 2);
    });
    // The other handles still work.
    assert_eq!(env.token("first")["prefix"], prefix);
}

#[test]
fn read_commands_on_a_missing_database_say_so_and_create_nothing() {
    let env = Env::new();
    for args in [
        &["list"][..],
        &["show", "x"],
        &["log"],
        &["pool", "list"],
        &["log", "verify"],
        &["log", "head"],
    ] {
        let line = env.fails(args, 3);
        assert!(line.contains("no tokenctl database"), "{line}");
    }
    for args in [
        &["modify", "x", "--read-only"][..],
        &["delete", "x", "--yes"],
        &["renew", "x", "--yes"],
        &["disable", "x"],
        &["enable", "x"],
        &["pool", "remove", "x"],
    ] {
        env.fails(args, 3);
    }
    assert!(!env.store_exists());
    if env.pg.is_none() {
        assert!(!env.db.parent().unwrap().exists());
    }
}

#[test]
fn modify_changes_each_field_and_logs_old_and_new() {
    let env = Env::new();
    env.ok(&["pool", "add", "a"]);
    env.ok(&["pool", "add", "b"]);
    let token = env.new_token("ci", &["--pool", "a"]);
    let hash_before = env.text("SELECT hash FROM tokens");
    env.ok(&[
        "modify",
        "ci",
        "--name",
        "ci2",
        "--pool",
        "b",
        "--read-only",
        "--expires",
        "2099-01-01",
        "--owner",
        "bob",
        "--reason",
        "handover",
    ]);
    let t = env.token("ci2");
    assert_eq!(t["pool"], "b");
    assert_eq!(t["access"], "read-only");
    assert_eq!(t["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(t["owner"], "bob");
    assert_eq!(t["prefix"], &token[4..12], "the secret and prefix stay");
    let hash_after = env.text("SELECT hash FROM tokens");
    assert_eq!(hash_before, hash_after);
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "modify");
    assert_eq!(entry["token"], "ci2");
    assert_eq!(
        entry["details"],
        json!({
            "name": ["ci", "ci2"],
            "pool": ["a", "b"],
            "access": ["read-write", "read-only"],
            "expires_at": [null, "2099-01-01T00:00:00Z"],
            "owner": [null, "bob"],
            "reason": "handover",
        })
    );
    env.ok(&[
        "modify",
        "ci2",
        "--no-pool",
        "--no-owner",
        "--read-write",
        "--expires",
        "never",
    ]);
    let t = env.token("ci2");
    assert_eq!(
        (
            t["pool"].clone(),
            t["owner"].clone(),
            t["expires_at"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(t["access"], "read-write");
    assert_eq!(env.log()[0]["details"]["pool"], json!(["b", null]));
}

#[test]
fn modify_json_prints_the_updated_token() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let v = env.json(&["modify", "ci", "--read-only"]);
    assert_eq!(v["access"], "read-only");
    assert!(v.get("token").is_none(), "modify never shows a secret");
}

#[test]
fn modify_with_the_same_values_changes_and_logs_nothing() {
    let env = Env::new();
    env.new_token("ci", &["--read-only"]);
    env.unchanged(|| {
        env.ok(&["modify", "ci", "--read-only"]);
    });
}

#[test]
fn modify_bad_input_changes_nothing() {
    let env = Env::new();
    env.ok(&["pool", "add", "a"]);
    env.new_token("ci", &[]);
    env.new_token("other", &[]);
    env.unchanged(|| {
        let line = env.fails(&["modify", "ci"], 2);
        assert!(line.contains("nothing to change"), "{line}");
        env.fails(&["modify", "ci", "--name", "other"], 4);
        env.fails(&["modify", "ci", "--name", " bad"], 2);
        env.fails(&["modify", "ci", "--pool", "nope"], 2);
        env.fails(&["modify", "ci", "--expires", "2001-01-01"], 2);
        env.fails(&["modify", "ci", "--expires", "whenever"], 2);
        env.fails(&["modify", "ci", "--owner", ""], 2);
        env.fails(&["modify", "ci", "--pool", "a", "--no-pool"], 2);
        env.fails(&["modify", "ci", "--read-only", "--read-write"], 2);
        env.fails(&["modify", "ghost", "--read-only"], 3);
        env.fails(
            &["modify", "ci", "--read-only", "--reason", "two\nlines"],
            2,
        );
    });
}

#[test]
fn delete_without_yes_and_without_terminal_refuses() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        let line = env.fails(&["delete", "ci"], 5);
        assert!(line.contains("--yes"), "{line}");
    });
}

#[test]
fn delete_removes_the_token_and_the_log_keeps_it() {
    let env = Env::new();
    let token = env.new_token("ci", &[]);
    env.ok(&["delete", "ci", "--yes", "--reason", "leaked"]);
    env.fails(&["show", "ci"], 3);
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "delete");
    assert_eq!(entry["token"], "ci");
    assert_eq!(entry["prefix"], &token[4..12]);
    assert_eq!(entry["details"], json!({"reason": "leaked"}));
    env.fails(&["delete", "ci", "--yes"], 3);
    // The name is free again.
    env.new_token("ci", &[]);
}

#[test]
fn delete_by_prefix() {
    let env = Env::new();
    let token = env.new_token("ci", &[]);
    env.ok(&["delete", &token[4..12], "-y"]);
    assert_eq!(env.json(&["list"]), json!([]));
}

#[test]
fn renew_gives_a_new_secret_and_prefix_and_keeps_the_fields() {
    let env = Env::new();
    env.ok(&["pool", "add", "a"]);
    let old = env.new_token("ci", &["--pool", "a", "--read-only", "--owner", "bob"]);
    let before = env.token("ci");
    let out = env.ok(&["renew", "ci", "--yes", "--reason", "rotation"]);
    let new = out.trim_end();
    assert_token_format(new);
    assert_ne!(new, old);
    assert_ne!(new[4..12], old[4..12]);
    let after = env.token("ci");
    assert_eq!(after["prefix"], &new[4..12]);
    for k in [
        "name",
        "pool",
        "access",
        "owner",
        "created_at",
        "created_by",
        "expires_at",
    ] {
        assert_eq!(after[k], before[k], "{k}");
    }
    assert_ne!(after["renewed_at"], Value::Null);
    env.fails(&["show", &old[4..12]], 3);
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "renew");
    assert_eq!(entry["prefix"], &new[4..12]);
    assert_eq!(
        entry["details"],
        json!({"old_prefix": &old[4..12], "new_prefix": &new[4..12], "reason": "rotation"})
    );
    // The old secret's hash is gone: only the new one is stored.
    let hash = env.text("SELECT hash FROM tokens");
    assert!(tokenctl::token::matches(new, &hash));
    assert!(!tokenctl::token::matches(&old, &hash));
}

#[test]
fn renew_json_shows_the_new_token_once() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let v = env.json(&["renew", "ci", "--yes"]);
    assert_token_format(v["token"].as_str().unwrap());
    assert_eq!(v["prefix"], &v["token"].as_str().unwrap()[4..12]);
}

#[test]
fn renew_without_yes_and_without_terminal_refuses() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        env.fails(&["renew", "ci"], 5);
        env.fails(&["renew", "ghost", "--yes"], 3);
    });
}

#[test]
fn disable_and_enable() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.ok(&["disable", "ci", "--reason", "suspected leak"]);
    assert_eq!(env.token("ci")["status"], "disabled");
    let entry = &env.log()[0];
    assert_eq!(
        (entry["op"].as_str(), entry["details"].clone()),
        (Some("disable"), json!({"reason": "suspected leak"}))
    );
    // Again: nothing changes, nothing is logged.
    env.unchanged(|| {
        env.ok(&["disable", "ci"]);
    });
    env.ok(&["enable", "ci"]);
    assert_eq!(env.token("ci")["status"], "active");
    assert_eq!(env.log()[0]["op"], "enable");
    env.fails(&["disable", "ghost"], 3);
}

#[test]
fn a_disabled_expired_token_is_disabled_and_enabling_leaves_it_expired() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.ok(&["disable", "ci"]);
    expire(&env, "ci");
    assert_eq!(env.token("ci")["status"], "disabled");
    env.ok(&["enable", "ci"]);
    assert_eq!(env.token("ci")["status"], "expired");
}

/// A change says what changed, in the log's words.
#[test]
fn modify_says_what_changed() {
    let env = Env::new();
    env.new_token("ci", &["--read-only"]);
    env.test()
        .args(["modify", "ci", "--read-write"])
        .succeeds()
        .stderr_line("Modified token \"ci\": access: read-only → read-write.");
    env.test()
        .args(["modify", "ci", "--read-write"])
        .succeeds()
        .stderr_line("Token \"ci\" already has those values; nothing changed.");
}
