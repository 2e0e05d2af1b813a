//! Bound tokens (spec section 12): where from, from when, how often,
//! through the binary, on whichever store the run uses.

use serde_json::{Value, json};

use crate::serve::{Serve, bearer, get, get_from};
use crate::{Env, TOKEN_KEYS};

/// `verify --format json` with `token` on stdin: (exit code, JSON, stderr).
fn verify(env: &Env, token: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["verify", "--format", "json"];
    args.extend(extra);
    let out = env.run_stdin(&args, &format!("{token}\n"));
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap(), v, stderr)
}

#[track_caller]
fn refused(env: &Env, token: &str, extra: &[&str], reason: &str) -> String {
    let (code, v, stderr) = verify(env, token, extra);
    assert_eq!(code, 1, "{extra:?}: {v} {stderr}");
    assert_eq!(v, json!({"valid": false, "reason": reason}), "{extra:?}");
    stderr
}

#[track_caller]
fn accepted(env: &Env, token: &str, extra: &[&str]) -> Value {
    let (code, v, stderr) = verify(env, token, extra);
    assert_eq!(code, 0, "{extra:?}: {v} {stderr}");
    v
}

#[test]
fn blocks_are_normalised_and_shown_everywhere() {
    let env = Env::new();
    env.new_token(
        "ci",
        &[
            "--allow-from",
            "2001:db8::7",
            "--allow-from",
            "192.0.2.77/24",
            "--allow-from",
            "10.0.0.1",
            "--allow-from",
            "192.0.2.0/24",
            "--allow-from",
            "10.0.0.0/8",
        ],
    );
    let t = env.token("ci");
    assert_eq!(
        t["allowed_from"],
        json!([
            "10.0.0.0/8",
            "10.0.0.1/32",
            "192.0.2.0/24",
            "2001:db8::7/128"
        ])
    );
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, TOKEN_KEYS);
    assert_eq!(t["not_before"], Value::Null);
    assert_eq!(t["rate"], Value::Null);
    assert_eq!(t["last_used_from"], Value::Null);
    let csv = env.ok(&["show", "ci", "--format", "csv"]);
    assert!(
        csv.contains(",10.0.0.0/8 10.0.0.1/32 192.0.2.0/24 2001:db8::7/128,"),
        "{csv}"
    );
    let table = env.ok(&["show", "ci"]);
    assert!(
        table.contains("Allowed from") && table.contains("Rate"),
        "{table}"
    );
    // The new entry says what the token was made with.
    let entry = &env.log()[0];
    assert_eq!(entry["details"]["allowed_from"][0], "10.0.0.0/8");
    // Unbound: from anywhere, and the entry reads as before.
    env.new_token("plain", &[]);
    assert_eq!(env.token("plain")["allowed_from"], json!([]));
    assert!(env.log()[0]["details"].get("allowed_from").is_none());
}

#[test]
fn invalid_bindings_are_usage_errors_that_change_nothing() {
    let env = Env::new();
    env.new_token("ci", &["--expires", "30d"]);
    env.unchanged(|| {
        for (flag, value) in [
            ("--allow-from", "10.0.0.0/33"),
            ("--allow-from", "example.com"),
            ("--rate", "0/1m"),
            ("--rate", "10/0s"),
            ("--rate", "10"),
            ("--rate", "10/500ms"),
            ("--not-before", "never"),
            ("--not-before", "soon"),
        ] {
            let line = env.fails(&["new", "--name", "x", flag, value], 2);
            assert!(line.contains(value), "{flag} {value}: {line}");
            env.fails(&["modify", "ci", flag, value], 2);
        }
        // Not before must stay before the expiry, from either side.
        env.fails(
            &[
                "new",
                "--name",
                "x",
                "--expires",
                "1d",
                "--not-before",
                "2d",
            ],
            2,
        );
        env.fails(&["modify", "ci", "--not-before", "60d"], 2);
    });
    env.ok(&["modify", "ci", "--not-before", "10d"]);
}

#[test]
fn not_before_also_refuses_a_modify_that_moves_the_expiry_before_it() {
    let env = Env::new();
    env.new_token("ci", &["--not-before", "10d"]);
    env.unchanged(|| {
        let line = env.fails(&["modify", "ci", "--expires", "5d"], 2);
        assert!(line.contains("not be good before"), "{line}");
        env.fails(
            &[
                "modify",
                "ci",
                "--allow-from",
                "10.0.0.1",
                "--allow-from-anywhere",
            ],
            2,
        );
        env.fails(&["modify", "ci", "--rate", "1/1s", "--no-rate"], 2);
        env.fails(
            &["modify", "ci", "--not-before", "1d", "--no-not-before"],
            2,
        );
    });
}

#[test]
fn modify_logs_each_binding_as_old_and_new() {
    let env = Env::new();
    env.new_token("ci", &["--allow-from", "192.0.2.0/24"]);
    env.ok(&[
        "modify",
        "ci",
        "--allow-from",
        "198.51.100.7",
        "--allow-from",
        "10.0.0.0/8",
    ]);
    let t = env.token("ci");
    assert_eq!(t["allowed_from"], json!(["10.0.0.0/8", "198.51.100.7/32"]));
    assert_eq!(
        env.log()[0]["details"],
        json!({"allowed_from": [["192.0.2.0/24"], ["10.0.0.0/8", "198.51.100.7/32"]]})
    );
    env.ok(&[
        "modify",
        "ci",
        "--rate",
        "600/60s",
        "--not-before",
        "2020-01-01",
    ]);
    assert_eq!(
        env.log()[0]["details"],
        json!({"not_before": [null, "2020-01-01T00:00:00Z"], "rate": [null, "600/1m"]})
    );
    env.ok(&[
        "modify",
        "ci",
        "--allow-from-anywhere",
        "--no-rate",
        "--no-not-before",
    ]);
    let t = env.token("ci");
    assert_eq!(
        (&t["allowed_from"], &t["rate"], &t["not_before"]),
        (&json!([]), &Value::Null, &Value::Null)
    );
    assert_eq!(
        env.log()[0]["details"]["allowed_from"],
        json!([["10.0.0.0/8", "198.51.100.7/32"], []])
    );
    // The same values again: nothing to change, nothing logged.
    let entries = env.log().len();
    env.ok(&["modify", "ci", "--allow-from-anywhere"]);
    assert_eq!(env.log().len(), entries);
    env.ok(&["log", "verify"]);
}

#[test]
fn verify_from_an_address_and_the_note_when_none_is_given() {
    let env = Env::new();
    let t = env.new_token(
        "ci",
        &[
            "--allow-from",
            "192.0.2.0/24",
            "--allow-from",
            "2001:db8::/32",
        ],
    );
    env.unchanged(|| {
        let stderr = refused(&env, &t, &[], "address");
        assert!(stderr.contains("--from"), "{stderr}");
        refused(&env, &t, &["--from", "198.51.100.1"], "address");
        refused(&env, &t, &["--from", "2001:db9::1"], "address");
    });
    let v = accepted(&env, &t, &["--from", "192.0.2.9"]);
    assert_eq!(v["from"], "192.0.2.9");
    assert_eq!(v["last_used_from"], "192.0.2.9");
    assert_eq!(env.token("ci")["last_used_from"], "192.0.2.9");
    // A mapped IPv4 address is the IPv4 address; IPv6 blocks work too.
    accepted(&env, &t, &["--from", "::ffff:192.0.2.10"]);
    accepted(&env, &t, &["--from", "2001:db8::1"]);
    // Only the day's first good check records where it came from.
    assert_eq!(env.token("ci")["last_used_from"], "192.0.2.9");
    env.fails(&["verify", "--from", "somewhere"], 2);
    // An unbound token ignores the address.
    let u = env.new_token("plain", &[]);
    assert_eq!(
        accepted(&env, &u, &["--from", "198.51.100.1"])["from"],
        "198.51.100.1"
    );
    assert_eq!(accepted(&env, &u, &[])["from"], Value::Null);
}

#[test]
fn bindings_are_checked_in_the_contracts_order() {
    let env = Env::new();
    let t = env.new_token(
        "ci",
        &[
            "--allow-from",
            "192.0.2.0/24",
            "--not-before",
            "1d",
            "--read-only",
        ],
    );
    // not_before comes before address, address before access.
    refused(
        &env,
        &t,
        &["--from", "198.51.100.1", "--access", "write"],
        "not_before",
    );
    env.ok(&["modify", "ci", "--no-not-before"]);
    refused(
        &env,
        &t,
        &["--from", "198.51.100.1", "--access", "write"],
        "address",
    );
    refused(
        &env,
        &t,
        &["--from", "192.0.2.1", "--access", "write"],
        "access",
    );
    // disabled comes before all of them.
    env.ok(&["modify", "ci", "--not-before", "1d"]);
    env.ok(&["disable", "ci"]);
    refused(&env, &t, &["--from", "198.51.100.1"], "disabled");
    // A refused check never writes last_used.
    assert_eq!(env.token("ci")["last_used"], Value::Null);
    // A not-before in the past is good at once.
    env.ok(&["enable", "ci"]);
    env.ok(&["modify", "ci", "--not-before", "2020-01-01"]);
    accepted(&env, &t, &["--from", "192.0.2.1"]);
}

#[test]
fn access_tokens_follow_their_parents_bindings() {
    let env = Env::new();
    let t = env.new_token("ci", &["--allow-from", "192.0.2.0/24"]);
    env.unchanged(|| {
        let ran = env
            .test()
            .args(["exchange"])
            .stdin(format!("{t}\n"))
            .exits(1);
        assert!(ran.stdout.is_empty());
        let lines: Vec<&str> = ran.stderr.lines().collect();
        assert!(
            lines[0].starts_with("note: ") && lines[0].contains("--from"),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with("error: ") && lines[1].contains("address"),
            "{lines:?}"
        );
    });
    let out = env.run_stdin(&["exchange", "--from", "192.0.2.3"], &format!("{t}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let access = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    accepted(&env, &access, &["--from", "192.0.2.4"]);
    refused(&env, &access, &["--from", "198.51.100.1"], "address");
    refused(&env, &access, &[], "address");
    // The parent's bindings as they stand at each check.
    env.ok(&["modify", "ci", "--allow-from", "198.51.100.0/24"]);
    accepted(&env, &access, &["--from", "198.51.100.1"]);
    refused(&env, &access, &["--from", "192.0.2.4"], "address");
    env.ok(&["modify", "ci", "--not-before", "1d"]);
    refused(&env, &access, &["--from", "198.51.100.1"], "not_before");
}

#[test]
fn the_command_line_does_not_count_against_the_rate() {
    let env = Env::new();
    let t = env.new_token("ci", &["--rate", "1/1d"]);
    for _ in 0..3 {
        accepted(&env, &t, &[]);
    }
    assert_eq!(env.token("ci")["rate"], "1/1d");
}

#[test]
fn serve_judges_the_client_address_and_counts_the_rate() {
    let env = Env::new();
    let t = env.new_token("ci", &["--allow-from", "127.0.0.2", "--rate", "2/1m"]);
    let s = Serve::start(&env, &["--trust-proxy", "127.0.0.1"]);
    let auth = bearer(&t);
    // From 127.0.0.2 (not a trusted proxy): that is the client, whatever it forwards.
    let r = get_from(
        "127.0.0.2",
        s.port,
        "/auth",
        &[("Authorization", &auth), ("X-Forwarded-For", "10.9.9.9")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // From the trusted proxy: the forwarded address, or unknown without one.
    let r = get(s.port, "/auth", &[("Authorization", &auth)]);
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (403, json!("address"))
    );
    let r = get(
        s.port,
        "/auth",
        &[
            ("Authorization", &auth),
            ("X-Forwarded-For", "198.51.100.1"),
        ],
    );
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (403, json!("address"))
    );
    let r = get(
        s.port,
        "/auth",
        &[
            ("Authorization", &auth),
            ("X-Forwarded-For", "10.9.9.9, 127.0.0.2"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The third good check within a minute is over the rate.
    let r = get_from("127.0.0.2", s.port, "/auth", &[("Authorization", &auth)]);
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["reason"], "rate");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let (_, log) = s.stop();
    assert!(
        log.contains("reason=rate") && log.contains("from=127.0.0.2 peer=127.0.0.2"),
        "{log}"
    );
    assert!(
        log.contains("reason=address prefix=") && log.contains("from=- peer=127.0.0.1"),
        "{log}"
    );
    assert_eq!(env.token("ci")["last_used_from"], "127.0.0.2");
}

#[test]
fn trust_proxy_takes_blocks_and_refuses_garbage() {
    let env = Env::new();
    env.new_token("ci", &[]);
    for bad in ["10.0.0.0/33", "proxy.example"] {
        let out = env
            .std_cmd()
            .args(["serve", "--listen", "127.0.0.1:0", "--trust-proxy", bad])
            .output()
            .unwrap();
        crate::expect_error(&out, 2, &["serve"]);
    }
}

/// A store made by the release before bound tokens gets the new fields
/// with values that change nothing, and keeps its log.
#[test]
fn a_store_of_the_previous_release_is_migrated() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.db.parent().unwrap()).unwrap();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/release-3.db");
    std::fs::copy(fixture, &env.db).unwrap();
    let list = env.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    for t in list.as_array().unwrap() {
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, TOKEN_KEYS);
        assert_eq!(t["allowed_from"], json!([]));
        assert_eq!(
            (&t["not_before"], &t["rate"], &t["last_used_from"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
    }
    assert_eq!(env.token("ci")["owner"], "alice");
    assert_eq!(env.token("ci")["status"], "disabled");
    let head = "5:63317b7209d6cc1103b6ec9895e800f7b57cf0069d34e1d2252c46aca7a517e1";
    env.ok(&["log", "verify", "--head", head]);
    env.ok(&["modify", "deploy", "--allow-from", "192.0.2.0/24"]);
    env.ok(&["log", "verify", "--head", head]);
}

/// The same on PostgreSQL: a store at schema 1 (the previous release's)
/// is brought up to date with values that change nothing.
#[test]
fn a_postgres_store_of_the_previous_release_is_migrated() {
    let env = Env::new();
    if env.pg.is_none() {
        eprintln!("a_postgres_store_of_the_previous_release_is_migrated: PostgreSQL runs only");
        return;
    }
    env.new_token("ci", &["--owner", "alice"]);
    let head = env.ok(&["log", "head"]);
    // Back to the schema before bound tokens: the later steps undone.
    env.sql(
        "DROP TABLE policy, notify_sent, notify_targets, retired_secrets;
         DROP TRIGGER log_notify ON log;
         DROP FUNCTION tokenctl_log_notify();
         DROP INDEX tokens_name_bytes;
         ALTER TABLE tokens DROP COLUMN allowed_from, DROP COLUMN not_before,
             DROP COLUMN rate, DROP COLUMN last_used_from;
         UPDATE tokenctl_schema SET version = 1;",
    );
    let t = env.token("ci");
    assert_eq!(t["allowed_from"], json!([]));
    assert_eq!(t["owner"], "alice");
    env.ok(&["log", "verify", "--head", head.trim()]);
    env.ok(&["modify", "ci", "--rate", "10/1s"]);
    assert_eq!(env.token("ci")["rate"], "10/1s");
}

/// The README's "find where a token is used before you bind it", as
/// written: serve's access log (from a client at 127.0.0.2 behind the
/// trusted proxy, and one forging its address), `last_used_from`, then the
/// bind.
#[test]
fn the_readme_bind_recipe_finds_the_addresses_and_binds() {
    if !crate::have_program("jq", "TOKENCTL_REQUIRE_SHELLS", "the_readme_bind_recipe") {
        return;
    }
    let env = Env::new();
    let t = env.new_token("poller", &[]);
    let s = Serve::start(&env, &["--trust-proxy", "127.0.0.1"]);
    let auth = bearer(&t);
    for _ in 0..2 {
        let r = get_from("127.0.0.2", s.port, "/auth", &[("Authorization", &auth)]);
        assert_eq!(r.status, 200);
    }
    let r = get(
        s.port,
        "/auth",
        &[
            ("Authorization", &auth),
            ("X-Forwarded-For", "198.51.100.7"),
        ],
    );
    assert_eq!(r.status, 200);
    let (_, log) = s.stop();
    let log_file = env.dir.path().join("access.log");
    std::fs::write(&log_file, log).unwrap();
    let recipe = crate::serve::readme_block("sh bind-recipe")
        .replace("/var/log/tokenctl/access.log", log_file.to_str().unwrap());
    let out = env.script(&recipe).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let today = chrono::Utc::now().date_naive();
    assert!(
        stdout.contains(&format!("last used {today} from 127.0.0.2")),
        "{stdout}"
    );
    assert!(stdout.contains("2 from=127.0.0.2"), "{stdout}");
    assert!(stdout.contains("1 from=198.51.100.7"), "{stdout}");
    assert_eq!(env.token("poller")["allowed_from"], json!(["192.0.2.0/24"]));
}
