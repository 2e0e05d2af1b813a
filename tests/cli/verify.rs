//! `verify`, `exchange` and `renew --grace` (spec section 6).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Env, assert_token_format_of, expect_error};

/// Run `verify` with `input` on stdin and JSON output: (exit code, JSON).
fn verify(env: &Env, input: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", "--format", "json"];
    args.extend(extra);
    let out = env.run_stdin(&args, input);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), v)
}

fn good(env: &Env, input: &str, extra: &[&str]) -> Value {
    let (code, v) = verify(env, input, extra);
    assert_eq!(code, 0, "{input:?} {extra:?}: {v}");
    assert_eq!(v["valid"], true);
    v
}

fn rejected(env: &Env, input: &str, extra: &[&str], reason: &str) {
    let (code, v) = verify(env, input, extra);
    assert_eq!(code, 1, "{input:?} {extra:?}: {v}");
    assert_eq!(
        v,
        serde_json::json!({"valid": false, "reason": reason}),
        "{input:?}"
    );
}

/// A token of the right shape and checksum that no database holds.
fn stranger() -> String {
    crate::forged("tkc1", "Zz9Zz9Zz")
}

#[test]
fn every_input_form_is_accepted() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let pct: String = t.chars().map(|c| format!("%{:02X}", c as u32)).collect();
    for form in [
        format!("{t}\n"),
        t.clone(),
        format!("Bearer {t}\n"),
        format!("ApiKey-v1 {t}\n"),
        format!("Authorization: Bearer {t}\n"),
        format!("Authorization: ApiKey-v1 {t}\r\n"),
        format!("t2mtoken={t}\n"),
        format!("t2maccount=acme&t2mtoken={t}&t2mdeveloperid=x\n"),
        format!("t2maccount=acme&t2musername=t2m-api-token&t2mpassword={t}\n"),
        format!("t2mtoken={pct}\n"),
        format!("{t}\nsecond line is ignored\n"),
    ] {
        let v = good(&env, &form, &[]);
        assert_eq!(v["name"], "ci", "{form:?}");
    }
}

#[test]
fn good_json_has_the_fields_and_table_shows_them() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let v = good(&env, &t, &[]);
    for k in crate::TOKEN_KEYS {
        assert!(v.get(k).is_some(), "{k} missing: {v}");
    }
    assert!(v.get("token").is_none() && v.get("hash").is_none());
    let out = env.run_stdin(&["verify"], &t);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&t[4..12]));
}

#[test]
fn malformed_inputs_are_refused_before_the_database_is_touched() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let mut typo = t.clone().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    for input in [
        String::new(),
        "\n".to_owned(),
        "nonsense\n".to_owned(),
        t[..45].to_owned(),
        format!("{t}x"),
        typo,
        format!("Basic {t}"),
        format!("Authorization: Basic {t}"),
        format!("t2musername=someone&t2mpassword={t}"),
        format!("Bearer  {}", &t[..44]),
    ] {
        rejected(&env, &input, &[], "malformed");
    }
    // Binary junk.
    let out = env
        .cmd()
        .args(["verify", "--format", "json"])
        .write_stdin(vec![0u8, 159, 146, 150, 255, 10])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // No database needed to refuse a malformed token.
    let fresh = Env::new();
    rejected(&fresh, "nonsense", &[], "malformed");
    assert!(!fresh.db.exists());
}

#[test]
fn megabytes_of_input_are_refused_quickly() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let big = "A".repeat(20 << 20);
    let start = Instant::now();
    rejected(&env, &big, &[], "malformed");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn unknown_prefix_and_wrong_secret_are_both_unknown() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    rejected(&env, &stranger(), &[], "unknown");
    // The right prefix with another secret: do not reveal that the prefix exists.
    rejected(&env, &crate::forged("tkc1", &t[4..12]), &[], "unknown");
    // An API token's prefix under the access marker is not that token.
    rejected(&env, &crate::forged("tka1", &t[4..12]), &[], "unknown");
}

#[test]
fn disabled_expired_access_and_pool() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.ok(&["pool", "add", "plant-b"]);
    let ro = env.new_token("ro", &["--read-only", "--pool", "plant-a"]);
    let rw = env.new_token("rw", &["--pool", "plant-a"]);
    good(&env, &ro, &["--access", "read", "--pool", "plant-a"]);
    rejected(&env, &ro, &["--access", "write"], "access");
    good(&env, &rw, &["--access", "write", "--pool", "plant-a"]);
    rejected(&env, &rw, &["--pool", "plant-b"], "pool");
    env.ok(&["disable", "rw"]);
    rejected(&env, &rw, &[], "disabled");
    env.ok(&["enable", "rw"]);
    good(&env, &rw, &[]);
    env.sql("UPDATE tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = 'rw'");
    rejected(&env, &rw, &[], "expired");
    env.ok(&["delete", "ro", "--yes"]);
    rejected(&env, &ro, &[], "unknown");
}

#[test]
fn table_rejection_is_one_error_line_and_no_stdout() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let out = env.run_stdin(&["verify"], &stranger());
    let line = expect_error(&out, 1, &["verify"]);
    assert!(line.contains("unknown"), "{line}");
}

#[test]
fn a_token_as_an_argument_is_refused_and_not_echoed() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    for args in [
        vec!["verify", t.as_str()],
        vec!["exchange", t.as_str()],
        vec!["verify", "--pool", "x", t.as_str()],
    ] {
        let out = env.run(&args);
        let line = expect_error(&out, 2, &args);
        assert!(!line.contains(&t[12..]), "{line}");
    }
    // Anywhere else a stray token is not echoed either.
    for args in [
        vec!["show", t.as_str()],
        vec!["new", "--name", "x", t.as_str()],
        vec!["delete", t.as_str()],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains(&t[12..]),
            "{args:?}"
        );
    }
}

/// Spec section 6: `--pool P` fails (`pool`) for any token when no pool P
/// is registered, with a note on stderr; the CLI and the library agree.
#[test]
fn an_unregistered_verify_pool_rejects_every_token_as_pool() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    env.ok(&["pool", "add", "plant-a"]);
    let out = env.run_stdin(
        &["verify", "--pool", "nope", "--format", "json"],
        &format!("{t}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"valid": false, "reason": "pool"}));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no pool named \"nope\"") && stderr.contains("plant-a"),
        "{stderr}"
    );
    // A token that is not good anyway says why first.
    rejected(&env, &stranger(), &["--pool", "nope"], "unknown");
}

#[test]
fn verify_without_a_database_is_not_found() {
    let env = Env::new();
    let out = env.run_stdin(&["verify"], &stranger());
    expect_error(&out, 3, &["verify"]);
    assert!(!env.store_exists());
}

#[test]
fn last_used_is_written_at_most_once_a_day() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    assert_eq!(env.token("ci")["last_used"], Value::Null);
    // Count every write to the tokens table from here on.
    if env.pg.is_some() {
        env.sql(
            "CREATE TABLE test_writes (n INTEGER);
             CREATE FUNCTION test_count() RETURNS trigger LANGUAGE plpgsql
                 AS $$ BEGIN INSERT INTO test_writes VALUES (1); RETURN NULL; END $$;
             CREATE TRIGGER test_count AFTER UPDATE ON tokens
                 FOR EACH ROW EXECUTE FUNCTION test_count();",
        );
    } else {
        env.sql(
            "CREATE TABLE test_writes (n INTEGER);
             CREATE TRIGGER test_count AFTER UPDATE ON tokens BEGIN INSERT INTO test_writes VALUES (1); END;",
        );
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    good(&env, &t, &[]);
    assert_eq!(env.token("ci")["last_used"], today.as_str());
    good(&env, &t, &[]);
    good(&env, &t, &[]);
    let writes = env.ints("SELECT count(*) FROM test_writes")[0];
    assert_eq!(
        writes, 1,
        "the second and third checks of the day must not write"
    );
    // Yesterday's date is rewritten once.
    env.sql("UPDATE tokens SET last_used = '2020-01-01'");
    good(&env, &t, &[]);
    assert_eq!(env.token("ci")["last_used"], today.as_str());
    // A rejected check records nothing.
    env.ok(&["disable", "ci"]);
    env.sql("UPDATE tokens SET last_used = '2020-01-01'");
    rejected(&env, &t, &[], "disabled");
    assert_eq!(env.token("ci")["last_used"], "2020-01-01");
}

#[test]
fn verify_is_not_logged() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    good(&env, &t, &[]);
    assert_eq!(env.log().len(), 1);
}

fn exchange(env: &Env, token: &str, extra: &[&str]) -> String {
    let mut args = vec!["exchange"];
    args.extend(extra);
    let out = env.run_stdin(&args, &format!("{token}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    assert_token_format_of(&a, "tka1");
    a
}

#[test]
fn exchange_gives_an_access_token_with_the_parents_pool_and_access() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.ok(&["pool", "add", "plant-b"]);
    let t = env.new_token("ci", &["--pool", "plant-a", "--read-only"]);
    let a = exchange(&env, &format!("Bearer {t}"), &[]);
    assert_ne!(a[4..12], t[4..12]);
    let v = good(&env, &a, &["--pool", "plant-a"]);
    assert_eq!(v["name"], "ci");
    assert_eq!(v["access_token"]["prefix"], &a[4..12]);
    let expires =
        chrono::DateTime::parse_from_rfc3339(v["access_token"]["expires_at"].as_str().unwrap())
            .unwrap();
    let minutes = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!(
        (115..=120).contains(&minutes),
        "default ttl is 2 h: {minutes}"
    );
    rejected(&env, &a, &["--access", "write"], "access");
    rejected(&env, &a, &["--pool", "plant-b"], "pool");
    // Logged without secrets.
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "exchange");
    assert_eq!(entry["token"], "ci");
    assert_eq!(entry["details"]["access_prefix"], &a[4..12]);
    let all = env.ok(&["log", "--format", "json"]);
    assert!(!all.contains(&a[12..44]) && !all.contains(&t[12..44]));
    // An access token is not an API token.
    let out = env.run_stdin(&["exchange"], &a);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exchange_json_prints_the_object_with_the_token() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let out = env.run_stdin(&["exchange", "--format", "json", "--ttl", "10m"], &t);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = v["token"].as_str().unwrap();
    assert_token_format_of(a, "tka1");
    assert_eq!(v["prefix"], &a[4..12]);
    assert_eq!(v["name"], "ci");
}

#[test]
fn access_tokens_expire() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let a = exchange(&env, &t, &["--ttl", "45s"]);
    good(&env, &a, &[]);
    env.sql("UPDATE access_tokens SET expires_at = '2020-01-01T00:00:00Z'");
    rejected(&env, &a, &[], "expired");
    // The next exchange cleans expired ones up: the table does not grow.
    exchange(&env, &t, &[]);
    let n = env.ints("SELECT count(*) FROM access_tokens")[0];
    assert_eq!(n, 1);
}

#[test]
fn access_tokens_never_outlive_their_parent() {
    let env = Env::new();
    let t = env.new_token("ci", &["--expires", "1h"]);
    let a = exchange(&env, &t, &["--ttl", "24h"]);
    let v = good(&env, &a, &[]);
    assert_eq!(v["access_token"]["expires_at"], v["expires_at"]);
}

#[test]
fn renewing_disabling_or_deleting_the_parent_ends_its_access_tokens() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let a = exchange(&env, &t, &[]);
    env.ok(&["renew", "ci", "--yes"]);
    rejected(&env, &a, &[], "unknown");

    let t = env.new_token("d", &[]);
    let a = exchange(&env, &t, &[]);
    env.ok(&["disable", "d"]);
    rejected(&env, &a, &[], "unknown");
    env.ok(&["enable", "d"]);
    rejected(&env, &a, &[], "unknown");

    let t = env.new_token("x", &[]);
    let a = exchange(&env, &t, &[]);
    env.ok(&["delete", "x", "--yes"]);
    rejected(&env, &a, &[], "unknown");
}

#[test]
fn exchange_rejects_bad_tokens_and_bad_ttl() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let before = env.dump();
    for ttl in ["0s", "0", "soon", "never", "-5m"] {
        let out = env.run_stdin(&["exchange", "--ttl", ttl], &t);
        expect_error(&out, 2, &["exchange", "--ttl", ttl]);
    }
    let out = env.run_stdin(&["exchange", "--format", "json"], "junk");
    assert_eq!(out.status.code(), Some(1));
    env.ok(&["disable", "ci"]);
    let out = env.run_stdin(&["exchange", "--format", "json"], &t);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "disabled");
    env.ok(&["enable", "ci"]);
    let after: String = env.dump();
    assert_eq!(
        after.matches("exchange").count(),
        before.matches("exchange").count()
    );
}

#[test]
fn renew_with_grace_keeps_the_old_token_until_the_new_one_is_used() {
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    let new = env
        .ok(&["renew", "ci", "--yes", "--grace", "24h"])
        .trim_end()
        .to_owned();
    let entry = &env.log()[0];
    assert!(entry["details"]["grace_until"].is_string(), "{entry}");
    let v = good(&env, &old, &[]);
    let until = chrono::DateTime::parse_from_rfc3339(v["grace_until"].as_str().unwrap()).unwrap();
    let hours = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((23..=24).contains(&hours), "{hours}");
    assert_eq!(
        v["prefix"],
        &new[4..12],
        "the fields are the token's, with its new prefix"
    );
    // Still good, and still good again: the old one's use does not end the grace.
    good(&env, &old, &[]);
    // The new token's first use ends the grace.
    let v = good(&env, &new, &[]);
    assert!(v.get("grace_until").is_none());
    rejected(&env, &old, &[], "unknown");
    good(&env, &new, &[]);
}

#[test]
fn renew_grace_ends_when_its_time_has_passed() {
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    env.ok(&["renew", "ci", "--yes", "--grace", "1h"]);
    good(&env, &old, &[]);
    end_grace_by_the_clock(&env);
    rejected(&env, &old, &[], "unknown");
}

#[test]
fn renew_without_grace_ends_the_old_token_at_once() {
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    let new = env.ok(&["renew", "ci", "--yes"]);
    rejected(&env, &old, &[], "unknown");
    good(&env, new.trim(), &[]);
}

#[test]
fn a_second_renew_ends_the_first_grace() {
    let env = Env::new();
    let first = env.new_token("ci", &[]);
    let second = env
        .ok(&["renew", "ci", "--yes", "--grace", "1h"])
        .trim()
        .to_owned();
    env.ok(&["renew", "ci", "--yes", "--grace", "1h"]);
    rejected(&env, &first, &[], "unknown");
    good(&env, &second, &[]);
}

#[test]
fn a_disable_ends_the_grace_and_enable_does_not_bring_it_back() {
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    let new = env
        .ok(&["renew", "ci", "--yes", "--grace", "1h"])
        .trim()
        .to_owned();
    env.ok(&["disable", "ci"]);
    rejected(&env, &old, &[], "unknown");
    rejected(&env, &new, &[], "disabled");
    // As with access tokens: what a disable ended stays ended.
    env.ok(&["enable", "ci"]);
    rejected(&env, &old, &[], "unknown");
    good(&env, &new, &[]);
}

#[test]
fn bad_grace_is_a_usage_error() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        for g in ["0s", "later", "never"] {
            env.fails(&["renew", "ci", "--yes", "--grace", g], 2);
        }
    });
}

#[test]
fn the_library_api_checks_like_the_command() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("ci", &["--pool", "plant-a", "--read-only"]);
    use tokenctl::verify::{Reason, Requirements, once as verify};
    let read = Requirements {
        write: false,
        pool: Some("plant-a".into()),
        ..Requirements::default()
    };
    let good = verify(&env.db, &format!("Authorization: Bearer {t}"), &read)
        .unwrap()
        .unwrap();
    assert_eq!(good.token.name, "ci");
    let write = Requirements {
        write: true,
        ..Requirements::default()
    };
    assert_eq!(
        verify(&env.db, &t, &write).unwrap().unwrap_err(),
        Reason::Access
    );
    assert_eq!(
        verify(&env.db, "junk", &read).unwrap().unwrap_err(),
        Reason::Malformed
    );
    // The CLI and the library agree on every reason: an unregistered pool
    // is `pool` in both.
    let other = Requirements {
        write: false,
        pool: Some("nope".into()),
        ..Requirements::default()
    };
    assert_eq!(
        verify(&env.db, &t, &other).unwrap().unwrap_err(),
        Reason::Pool
    );
    // A store that cannot be used is a typed error with the command's kind.
    let missing = env.dir.path().join("none.db");
    let err = verify(&missing, &t, &read).unwrap_err();
    assert_eq!(err.kind, tokenctl::error::Kind::NotFound);
    assert!(err.message.contains("no tokenctl database"), "{err}");
}

/// The grace of a renew is not a way around it: an access token made with
/// the old secret during the grace dies when that grace ends.
#[test]
fn an_access_token_made_with_the_old_secret_dies_with_the_grace() {
    // The grace ends by the new secret's first use.
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    let new = env
        .ok(&["renew", "ci", "--yes", "--grace", "1h"])
        .trim()
        .to_owned();
    let from_old = exchange(&env, &old, &["--ttl", "24h"]);
    let v = good(&env, &from_old, &[]);
    // It never outlives the grace it was made in.
    let renew = env.log().into_iter().find(|e| e["op"] == "renew").unwrap();
    assert_eq!(
        v["access_token"]["expires_at"],
        renew["details"]["grace_until"]
    );
    good(&env, &from_old, &[]);
    // The new secret's first use (here a verify) ends the grace, and with it
    // the access token made with the old secret.
    good(&env, &new, &[]);
    rejected(&env, &from_old, &[], "unknown");
    let from_new = exchange(&env, &new, &[]);
    good(&env, &from_new, &[]);

    // The grace ends by time.
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    env.ok(&["renew", "ci", "--yes", "--grace", "1h"]);
    let from_old = exchange(&env, &old, &[]);
    good(&env, &from_old, &[]);
    end_grace_by_the_clock(&env);
    rejected(&env, &from_old, &[], "unknown");
}

#[test]
fn the_exchange_entry_names_the_prefix_presented() {
    let env = Env::new();
    let old = env.new_token("ci", &[]);
    let new = env
        .ok(&["renew", "ci", "--yes", "--grace", "1h"])
        .trim()
        .to_owned();
    exchange(&env, &old, &[]);
    assert_eq!(
        env.log()[0]["prefix"],
        &old[4..12],
        "the old prefix, during the grace"
    );
    exchange(&env, &new, &[]);
    assert_eq!(env.log()[0]["prefix"], &new[4..12]);
    env.ok(&["log", "verify"]);
    // Both entries are found by either prefix, and by name.
    let by_old = env.json(&["log", "--token", &old[4..12], "--op", "exchange"]);
    assert_eq!(by_old.as_array().unwrap().len(), 2);
}

#[test]
fn ttl_is_at_most_a_day_and_changes_nothing_when_refused() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    env.unchanged(|| {
        for ttl in ["24h1s", "25h", "2d", "0s"] {
            let out = env.run_stdin(&["exchange", "--ttl", ttl], &format!("{t}\n"));
            expect_error(&out, 2, &["exchange", "--ttl", ttl]);
        }
    });
    let a = exchange(&env, &t, &["--ttl", "24h"]);
    let v = good(&env, &a, &[]);
    let until =
        chrono::DateTime::parse_from_rfc3339(v["access_token"]["expires_at"].as_str().unwrap())
            .unwrap();
    let hours = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours}");
}

/// The renew's grace is over, as if its time had passed.
fn end_grace_by_the_clock(env: &Env) {
    env.sql("UPDATE tokens SET grace_until = '2020-01-01T00:00:00Z'");
}
