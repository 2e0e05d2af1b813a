//! The account's policy (spec section 13), through the binary, on
//! whichever store the run uses: every key refused and accepted, logged,
//! and never raced past.

use serde_json::{Value, json};

use crate::Env;

fn set(env: &Env, key: &str, value: &str) {
    env.ok(&["policy", "set", key, value]);
}

fn days_from_now(t: &Value) -> i64 {
    let at = chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().unwrap()).unwrap();
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days()
}

#[test]
fn policy_shows_every_key_and_logs_each_change() {
    let env = Env::new();
    env.fails(&["policy"], 3);
    env.new_token("ci", &[]);
    let shown = env.json(&["policy"]);
    let keys: Vec<&str> = shown
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "max-lifetime",
            "default-expiry",
            "default-access",
            "require-pool",
            "require-owner",
            "require-allow-from",
            "require-reason",
            "max-access-ttl",
            "self-rotation",
            "rotation-grace"
        ]
    );
    assert_eq!(shown["max-lifetime"], Value::Null);
    assert_eq!(
        (&shown["self-rotation"], &shown["rotation-grace"]),
        (&json!("off"), &json!("24h"))
    );
    env.ok(&[
        "policy",
        "set",
        "max-lifetime",
        "90d",
        "--reason",
        "compliance",
    ]);
    set(&env, "require-owner", "true");
    set(&env, "self-rotation", "on");
    let shown = env.json(&["policy"]);
    assert_eq!(
        (
            &shown["max-lifetime"],
            &shown["require-owner"],
            &shown["self-rotation"]
        ),
        (&json!("90d"), &json!(true), &json!("on"))
    );
    let log = env.log();
    assert_eq!(log[0]["op"], "policy");
    assert_eq!(log[0]["token"], Value::Null);
    assert_eq!(log[0]["details"], json!({"self-rotation": [null, "on"]}));
    assert_eq!(log[1]["details"], json!({"require-owner": [null, true]}));
    assert_eq!(
        log[2]["details"],
        json!({"max-lifetime": [null, "90d"], "reason": "compliance"})
    );
    env.ok(&["policy", "unset", "max-lifetime"]);
    assert_eq!(
        env.log()[0]["details"],
        json!({"max-lifetime": ["90d", null]})
    );
    // The same value again: nothing changed, nothing logged.
    let entries = env.log().len();
    set(&env, "require-owner", "true");
    assert_eq!(env.log().len(), entries);
    env.ok(&["log", "verify"]);
    assert_eq!(
        env.json(&["log", "--op", "policy"])
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn unknown_keys_wrong_kinds_and_contradictions_change_nothing() {
    let env = Env::new();
    env.new_token("ci", &[]);
    set(&env, "max-lifetime", "90d");
    env.unchanged(|| {
        let line = env.fails(&["policy", "set", "max-age", "90d"], 2);
        assert!(
            line.contains("max-lifetime") && line.contains("require-reason"),
            "{line}"
        );
        env.fails(&["policy", "unset", "nope"], 2);
        for (key, value) in [
            ("max-lifetime", "never"),
            ("max-lifetime", "soon"),
            ("default-expiry", "2027-01-01"),
            ("default-access", "rw"),
            ("require-pool", "yes"),
            ("max-access-ttl", "25h"),
            ("self-rotation", "true"),
            ("rotation-grace", "never"),
        ] {
            let line = env.fails(&["policy", "set", key, value], 2);
            assert!(line.contains(key), "{key} {value}: {line}");
        }
        // default-expiry beyond max-lifetime, set in either order.
        env.fails(&["policy", "set", "default-expiry", "100d"], 2);
        env.fails(&["policy", "set", "default-expiry", "never"], 2);
    });
    set(&env, "default-expiry", "30d");
    env.unchanged(|| {
        env.fails(&["policy", "set", "max-lifetime", "7d"], 2);
    });
}

#[test]
fn max_lifetime_governs_new_modify_and_renew() {
    let env = Env::new();
    env.new_token("old", &[]);
    env.new_token("long", &["--expires", "365d"]);
    let out = env
        .test()
        .args(["policy", "set", "max-lifetime", "90d"])
        .succeeds();
    assert!(
        out.stderr.contains("2 tokens break max-lifetime"),
        "{}",
        out.stderr
    );
    env.unchanged(|| {
        for expires in ["never", "100d"] {
            let line = env.fails(&["new", "--name", "x", "--expires", expires], 2);
            assert!(line.contains("max-lifetime 90d"), "{line}");
            env.fails(&["modify", "old", "--expires", expires], 2);
        }
    });
    // Without --expires: now + max-lifetime; within it: as asked.
    env.new_token("a", &[]);
    assert!((89..=90).contains(&days_from_now(&env.token("a"))));
    env.new_token("b", &["--expires", "30d"]);
    env.ok(&["modify", "long", "--expires", "60d"]);
    // Existing tokens keep working; renew brings them within the rule.
    let ran = env.test().args(["renew", "old", "--yes"]).succeeds();
    assert!(ran.stderr.contains("max-lifetime"), "{}", ran.stderr);
    assert!((89..=90).contains(&days_from_now(&env.token("old"))));
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "renew");
    assert_eq!(entry["details"]["expires_at"][0], Value::Null);
    // A renew within the rule leaves the expiry as it is.
    let before = env.token("b")["expires_at"].clone();
    env.ok(&["renew", "b", "--yes"]);
    assert_eq!(env.token("b")["expires_at"], before);
    assert!(env.log()[0]["details"].get("expires_at").is_none());
}

#[test]
fn defaults_apply_to_flags_as_to_the_dialog() {
    let env = Env::new();
    env.new_token("first", &[]);
    let t = env.token("first");
    assert_eq!(
        (&t["access"], &t["expires_at"]),
        (&json!("read-write"), &Value::Null)
    );
    set(&env, "default-access", "read-only");
    set(&env, "default-expiry", "30d");
    env.new_token("ro", &[]);
    let t = env.token("ro");
    assert_eq!(t["access"], "read-only");
    assert!((29..=30).contains(&days_from_now(&t)));
    env.new_token("rw", &["--read-write", "--expires", "never"]);
    let t = env.token("rw");
    assert_eq!(
        (&t["access"], &t["expires_at"]),
        (&json!("read-write"), &Value::Null)
    );
    env.fails(&["new", "--name", "x", "--read-only", "--read-write"], 2);
}

#[test]
fn required_fields_are_refused_missing_and_kept() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.new_token(
        "ci",
        &[
            "--pool",
            "plant-a",
            "--owner",
            "alice",
            "--allow-from",
            "10.0.0.0/8",
        ],
    );
    set(&env, "require-pool", "true");
    set(&env, "require-owner", "true");
    set(&env, "require-allow-from", "true");
    env.unchanged(|| {
        for (args, rule) in [
            (
                vec![
                    "new",
                    "--name",
                    "x",
                    "--owner",
                    "o",
                    "--allow-from",
                    "10.0.0.1",
                ],
                "require-pool true",
            ),
            (
                vec![
                    "new",
                    "--name",
                    "x",
                    "--pool",
                    "plant-a",
                    "--allow-from",
                    "10.0.0.1",
                ],
                "require-owner true",
            ),
            (
                vec!["new", "--name", "x", "--pool", "plant-a", "--owner", "o"],
                "require-allow-from true",
            ),
            (vec!["modify", "ci", "--no-pool"], "require-pool true"),
            (vec!["modify", "ci", "--no-owner"], "require-owner true"),
            (
                vec!["modify", "ci", "--allow-from-anywhere"],
                "require-allow-from true",
            ),
        ] {
            let line = env.fails(&args, 2);
            assert!(line.contains(rule), "{args:?}: {line}");
        }
    });
    env.new_token(
        "ok",
        &[
            "--pool",
            "plant-a",
            "--owner",
            "bob",
            "--allow-from",
            "192.0.2.0/24",
        ],
    );
    env.ok(&[
        "modify",
        "ok",
        "--owner",
        "carol",
        "--allow-from",
        "198.51.100.0/24",
    ]);
}

#[test]
fn require_reason_covers_every_change() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    env.new_token("stale", &[]);
    env.sql("UPDATE tokens SET created_at = '2020-01-01T00:00:00Z' WHERE name = 'stale'");
    // Turning it on needs no reason.
    set(&env, "require-reason", "true");
    let scan = env.dir.path().join("leak.txt");
    std::fs::write(&scan, format!("key={t}\n")).unwrap();
    env.unchanged(|| {
        for args in [
            vec!["modify", "ci", "--owner", "x"],
            vec!["disable", "ci"],
            vec!["delete", "ci", "--yes"],
            vec!["renew", "ci", "--yes"],
            vec!["prune", "--unused-for", "30d", "--yes"],
            vec!["scan", scan.to_str().unwrap(), "--disable"],
            vec!["policy", "set", "max-lifetime", "90d"],
            vec!["policy", "unset", "require-reason"],
        ] {
            let out = env.run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("require-reason true"), "{args:?}: {stderr}");
        }
    });
    env.ok(&["disable", "ci", "--reason", "checking"]);
    env.ok(&["enable", "ci", "--reason", "checked"]);
    env.ok(&["modify", "ci", "--owner", "x", "--reason", "handover"]);
    env.ok(&[
        "prune",
        "--unused-for",
        "30d",
        "--yes",
        "--reason",
        "cleanup",
    ]);
    env.ok(&["policy", "unset", "require-reason", "--reason", "relaxed"]);
    env.ok(&["disable", "ci"]);
}

#[test]
fn max_access_ttl_caps_exchange() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    set(&env, "max-access-ttl", "30m");
    env.unchanged(|| {
        let out = env.run_stdin(&["exchange", "--ttl", "1h"], &format!("{t}\n"));
        let line = crate::expect_error(&out, 2, &["exchange"]);
        assert!(line.contains("max-access-ttl 30m"), "{line}");
    });
    // Without --ttl: 2 h or the maximum, whichever is shorter.
    let out = env.run_stdin(&["exchange", "--format", "json"], &format!("{t}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let minutes = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes}");
    let out = env.run_stdin(&["exchange", "--ttl", "10m"], &format!("{t}\n"));
    assert!(out.status.success());
}

#[test]
fn check_and_list_show_the_tokens_out_of_policy() {
    let env = Env::new();
    env.new_token("forever", &[]);
    env.new_token("owned", &["--owner", "alice", "--expires", "30d"]);
    env.ok(&["check"]);
    set(&env, "max-lifetime", "90d");
    set(&env, "require-owner", "true");
    let out = env.run(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(
        v["out_of_policy"],
        json!([{"name": "forever", "prefix": env.token("forever")["prefix"], "rules": ["max-lifetime 90d", "require-owner true"]}])
    );
    let listed = env.json(&["list", "--out-of-policy"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "forever");
    // The token keeps working all the same.
    let t = env.run(&["check"]);
    assert!(String::from_utf8_lossy(&t.stdout).contains("OUT OF POLICY forever"));
}

/// Eight writers at once: one sets max-lifetime 30d while seven create
/// 60-day tokens. No token whose `new` committed after the policy's entry
/// breaks it: the policy is read in the same transaction as the change.
#[test]
fn eight_writers_never_race_past_the_policy() {
    for round in 0..3 {
        let env = Env::new();
        env.new_token("seed", &[]);
        let mut children = Vec::new();
        for i in 0..8 {
            let mut c = env.std_cmd();
            if i == 3 {
                c.args(["policy", "set", "max-lifetime", "30d"]);
            } else {
                c.args([
                    "new",
                    "--name",
                    &format!("t{round}-{i}"),
                    "--expires",
                    "60d",
                ]);
            }
            c.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            children.push(c.spawn().unwrap());
        }
        for c in children {
            let out = c.wait_with_output().unwrap();
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 2)),
                "{code:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let log = env.log();
        let policy_id = log
            .iter()
            .find(|e| e["op"] == "policy")
            .map(|e| e["id"].as_i64().unwrap())
            .expect("the policy was set");
        for e in log
            .iter()
            .filter(|e| e["op"] == "new" && e["token"] != "seed")
        {
            assert!(
                e["id"].as_i64().unwrap() < policy_id,
                "a 60-day token was made after the 30-day rule: {log:?}"
            );
        }
        env.ok(&["log", "verify"]);
    }
}

/// The README's compliance recipe, as written.
#[test]
fn the_readme_policy_recipe_sets_the_rules_and_finds_the_breakers() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.new_token("legacy", &[]);
    let recipe = crate::serve::readme_block("sh policy-recipe");
    let out = env.script(&recipe).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OUT OF POLICY legacy"), "{stdout}");
    assert!(stdout.contains("legacy"), "{stdout}");
    let p = env.json(&["policy"]);
    assert_eq!(
        (
            &p["max-lifetime"],
            &p["default-expiry"],
            &p["require-pool"],
            &p["require-owner"],
            &p["require-reason"]
        ),
        (
            &json!("90d"),
            &json!("30d"),
            &json!(true),
            &json!(true),
            &json!(true)
        )
    );
    // A new token now needs a pool and an owner, and gets 30 days.
    env.fails(&["new", "--name", "x"], 2);
    env.new_token("x", &["--pool", "plant-a", "--owner", "alice"]);
    assert!((29..=30).contains(&days_from_now(&env.token("x"))));
}
