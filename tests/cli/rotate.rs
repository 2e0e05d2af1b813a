//! Self-rotation (spec section 15): `POST /v1/rotate` through a real
//! `serve`, on the run's engine (SQLite, or PostgreSQL in CI's second run).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Env;
use crate::serve::{Reply, Serve, bearer, connect_from, exchange_on, get, http};

fn rotate(port: u16, t: &str) -> Reply {
    http(
        port,
        &format!("POST /v1/rotate HTTP/1.1\r\nAuthorization: {}", bearer(t)),
        "",
    )
}

/// A refusal with this status and reason.
#[track_caller]
fn assert_refused(r: &Reply, status: u16, reason: &str) {
    assert_eq!(
        (r.status, r.json()["reason"].clone()),
        (status, json!(reason)),
        "{}",
        r.body
    );
}

fn auth(port: u16, t: &str) -> u16 {
    get(port, "/auth", &[("Authorization", &bearer(t))]).status
}

fn policy_on(env: &Env) {
    env.ok(&["policy", "set", "self-rotation", "on"]);
}

#[test]
fn rotation_is_refused_while_the_policy_is_off_before_any_check() {
    let env = Env::new();
    let t = env.new_token("poller", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    let unknown = crate::forged("tkc1", "Zz9Zz9Zz");
    env.unchanged(|| {
        for presented in [t.as_str(), unknown.as_str(), "junk"] {
            let r = rotate(s.port, presented);
            assert_eq!(r.status, 403, "{}", r.body);
            assert_eq!(r.json()["reason"], "policy");
            assert_eq!(
                r.header("www-authenticate"),
                Some(r#"Bearer realm="tokenctl", error="insufficient_scope""#)
            );
        }
    });
    // No argon2 work was done for any of them.
    let metrics = get(s.port, "/metrics", &[]).body;
    assert!(
        metrics.contains("tokenctl_argon2_verifications_total 0"),
        "{metrics}"
    );
    // Another method: 405, whatever the policy.
    for _ in 0..2 {
        let r = get(s.port, "/v1/rotate", &[("Authorization", &bearer(&t))]);
        assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
        policy_on(&env);
    }
}

#[test]
fn a_token_rotates_itself_and_the_old_secret_dies_at_the_new_ones_first_use() {
    let env = Env::new();
    let old = env.new_token("poller", &["--read-only"]);
    let old_prefix = env.token("poller")["prefix"].as_str().unwrap().to_owned();
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    let r = rotate(s.port, &old);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body = r.json();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["token", "prefix", "expires_at", "grace_until"]);
    let new = body["token"].as_str().unwrap().to_owned();
    crate::assert_token_format(&new);
    assert_eq!(body["prefix"], new[4..12]);
    assert_eq!(body["expires_at"], Value::Null);
    let shown = env.token("poller");
    assert_eq!(shown["prefix"], body["prefix"]);
    assert_eq!(shown["access"], "read-only", "the same token, renewed");
    // Logged as a renew by the token itself.
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "renew");
    assert_eq!(entry["actor"], "token:poller");
    assert_eq!(entry["prefix"], body["prefix"]);
    assert_eq!(
        entry["details"],
        json!({
            "old_prefix": old_prefix,
            "new_prefix": body["prefix"],
            "grace_until": body["grace_until"],
            "self": true,
            "reason": "self-rotation"
        })
    );
    // The grace: the policy's rotation-grace, 24 h by default.
    let grace =
        chrono::DateTime::parse_from_rfc3339(body["grace_until"].as_str().unwrap()).unwrap();
    let hours = (grace.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours} minutes");
    // The old secret works until the new one is used.
    assert_eq!(auth(s.port, &old), 200);
    assert_eq!(auth(s.port, &new), 200);
    assert_eq!(auth(s.port, &new), 200);
}

#[test]
fn a_lost_answer_is_safe_the_old_secret_rotates_again_while_the_new_is_unused() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    env.ok(&["policy", "set", "self-rotation", "on"]);
    env.ok(&["policy", "set", "rotation-grace", "2h"]);
    let s = Serve::start(&env, &["--quiet"]);
    let lost = rotate(s.port, &old).json();
    let again = rotate(s.port, &old);
    assert_eq!(again.status, 200, "{}", again.body);
    let again = again.json();
    assert_ne!(again["prefix"], lost["prefix"]);
    let entry = &env.log()[0];
    assert_eq!(entry["details"]["old_prefix"], old[4..12]);
    assert_eq!(entry["details"]["replaced_prefix"], lost["prefix"]);
    assert_eq!(entry["details"]["self"], true);
    // The grace starts again: 2 h from the second rotation.
    let grace =
        chrono::DateTime::parse_from_rfc3339(again["grace_until"].as_str().unwrap()).unwrap();
    let minutes = (grace.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((110..=120).contains(&minutes), "{minutes}");
    // The lost secret never works, and is no theft: it was never retired.
    let r = get(
        s.port,
        "/auth",
        &[("Authorization", &bearer(lost["token"].as_str().unwrap()))],
    );
    assert_refused(&r, 401, "unknown");
    // The old works until the newest is used.
    assert_eq!(auth(s.port, &old), 200);
    let newest = again["token"].as_str().unwrap();
    assert_eq!(auth(s.port, newest), 200);
    // A rotation with the newest secret is a plain one.
    let next = rotate(s.port, newest);
    assert_eq!(next.status, 200);
    assert!(env.log()[0]["details"].get("replaced_prefix").is_none());
    assert_eq!(env.token("poller")["status"], "active");
}

#[test]
fn access_tokens_disabled_tokens_and_bad_tokens_cannot_rotate() {
    let env = Env::new();
    let t = env.new_token("poller", &[]);
    policy_on(&env);
    let access = env
        .test()
        .args(["exchange"])
        .stdin(format!("{t}\n"))
        .succeeds()
        .stdout;
    let s = Serve::start(&env, &["--quiet"]);
    env.unchanged(|| {
        let r = rotate(s.port, access.trim());
        assert_refused(&r, 403, "access");
        let r = rotate(s.port, &crate::forged("tkc1", "Zz9Zz9Zz"));
        assert_refused(&r, 401, "unknown");
        let r = http(s.port, "POST /v1/rotate HTTP/1.1", "");
        assert_eq!(r.status, 401);
        // The token is read from the Authorization header only.
        let r = http(s.port, "POST /v1/rotate HTTP/1.1", &format!("t2mtoken={t}"));
        assert_eq!(r.status, 401);
    });
    env.ok(&["disable", "poller"]);
    env.unchanged(|| {
        let r = rotate(s.port, &t);
        assert_refused(&r, 401, "disabled");
    });
}

#[test]
fn bindings_apply_to_the_rotating_call() {
    let env = Env::new();
    let bound = env.new_token("bound", &["--allow-from", "192.0.2.0/24"]);
    let rated = env.new_token("rated", &["--rate", "1/1h"]);
    let later = env.new_token("later", &["--not-before", "1h"]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    let from = |xff: &str| {
        exchange_on(
            connect_from("127.0.0.1", s.port),
            &format!(
                "POST /v1/rotate HTTP/1.1\r\nAuthorization: {}\r\nX-Forwarded-For: {xff}",
                bearer(&bound)
            ),
            "",
        )
    };
    env.unchanged(|| {
        let r = from("198.51.100.7");
        assert_refused(&r, 403, "address");
        let r = rotate(s.port, &bound);
        assert_refused(&r, 403, "address");
        let r = rotate(s.port, &later);
        assert_refused(&r, 401, "not_before");
    });
    assert_eq!(from("192.0.2.7").status, 200);
    // The rate counts the rotating call as a check.
    assert_eq!(auth(s.port, &rated), 200);
    let r = rotate(s.port, &rated);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
}

#[test]
fn a_rotation_keeps_to_max_lifetime_and_gives_its_own_reason() {
    let env = Env::new();
    let t = env.new_token("poller", &["--expires", "never"]);
    policy_on(&env);
    env.ok(&["policy", "set", "max-lifetime", "30d"]);
    env.ok(&[
        "policy",
        "set",
        "require-reason",
        "true",
        "--reason",
        "audit",
    ]);
    let s = Serve::start(&env, &["--quiet"]);
    let r = rotate(s.port, &t);
    assert_eq!(r.status, 200, "{}", r.body);
    let expires = r.json()["expires_at"].as_str().unwrap().to_owned();
    let days = (chrono::DateTime::parse_from_rfc3339(&expires)
        .unwrap()
        .with_timezone(&chrono::Utc)
        - chrono::Utc::now())
    .num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{days} hours");
    let details = &env.log()[0]["details"];
    assert_eq!(details["expires_at"], json!([null, expires]));
    assert_eq!(details["reason"], "self-rotation");
    assert_eq!(env.token("poller")["expires_at"], json!(expires));
}

/// The README's pollers, as written: each rotates the token in its file,
/// and the new token works.
#[test]
fn the_readme_pollers_rotate_the_token_in_their_file() {
    if !crate::have_program("curl", "TOKENCTL_REQUIRE_PROXIES", "rotate_readme_pollers")
        || !crate::have_program("jq", "TOKENCTL_REQUIRE_PROXIES", "rotate_readme_pollers")
    {
        return;
    }
    let env = Env::new();
    let t = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    let file = env.dir.path().join("token");
    std::fs::write(&file, format!("{t}\n")).unwrap();
    let serve = format!("http://127.0.0.1:{}", s.port);
    let ran = env
        .script(&crate::serve::readme_block("sh rotate-recipe"))
        .env("TOKEN_FILE", &file)
        .env("SERVE", &serve)
        .status()
        .unwrap();
    assert!(ran.success());
    let first = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    crate::assert_token_format(&first);
    assert_ne!(first, t);
    assert_eq!(auth(s.port, &first), 200);
    let script = env.dir.path().join("poller.py");
    std::fs::write(&script, crate::serve::readme_block("python rotate-poller")).unwrap();
    let ran = std::process::Command::new("python3")
        .arg(&script)
        .env("TOKEN_FILE", &file)
        .env("SERVE", &serve)
        .status()
        .unwrap();
    assert!(ran.success());
    let second = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    crate::assert_token_format(&second);
    assert_ne!(second, first);
    // The log names the token itself as the actor.
    assert_eq!(env.log()[0]["actor"], "token:poller");
    assert_eq!(auth(s.port, &second), 200);
}

/// Wait until `done` holds of the token's JSON object (at most 5 s).
#[track_caller]
fn token_soon(env: &Env, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    token_soon_within(env, name, 5, done)
}

/// The same, at most `secs` seconds.
#[track_caller]
fn token_soon_within(env: &Env, name: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let t = env.token(name);
        if done(&t) {
            return t;
        }
        assert!(Instant::now() < end, "not within {secs} s: {t}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Rotate `old` through the serve at `rotating`, use the new secret
/// through the one at `using`, and wait until the store knows it was used:
/// from then on `old` coming back is theft. The new secret.
fn rotate_and_use(env: &Env, rotating: u16, using: u16, old: &str) -> String {
    let new = rotate(rotating, old).json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(auth(using, &new), 200);
    successor_used_soon(env, &new[4..12]);
    new
}

/// Wait until the store knows the secret `successor` was used.
#[track_caller]
fn successor_used_soon(env: &Env, successor: &str) {
    let end = Instant::now() + Duration::from_secs(5);
    while env
        .ints(&format!(
            "SELECT count(*) FROM retired_secrets WHERE successor = '{successor}' AND successor_used"
        ))
        .first()
        != Some(&1)
    {
        assert!(Instant::now() < end, "the successor's use was not recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_self_rotated_secret_back_after_its_successor_was_used_disables_the_token() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &[]);
    let new = rotate_and_use(&env, s.port, s.port, &old);
    // The thief (or a forgotten copy) presents the old secret: "unknown",
    // as for any retired secret, and the token is disabled at once.
    let r = get(s.port, "/auth", &[("Authorization", &bearer(&old))]);
    assert_refused(&r, 401, "unknown");
    token_soon(&env, "poller", |t| t["status"] == "disabled");
    let entry = &env.log()[0];
    assert_eq!(
        (&entry["op"], &entry["actor"]),
        (&json!("disable"), &json!("tokenctl"))
    );
    let reason = entry["details"]["reason"].as_str().unwrap();
    assert!(reason.contains(&old[4..12]), "{reason}");
    let retired_at = env.text(&format!(
        "SELECT retired_at FROM retired_secrets WHERE prefix = '{}'",
        &old[4..12]
    ));
    assert!(reason.contains(&retired_at), "{reason}");
    // The successor stops working with it.
    let r = get(s.port, "/auth", &[("Authorization", &bearer(&new))]);
    assert_refused(&r, 401, "disabled");
    // Presented again: nothing more is written.
    let entries = env.log().len();
    assert_eq!(auth(s.port, &old), 401);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(env.log().len(), entries);
    let (status, stderr) = s.stop();
    assert!(status.success());
    assert!(
        stderr.contains(&format!(
            "tokenctl serve: the retired secret {} of token \"poller\" came back after its successor was used: the token is disabled",
            &old[4..12]
        )),
        "{stderr}"
    );
    assert!(stderr.contains("reason=retired"), "{stderr}");
}

#[test]
fn a_rotation_repeated_after_a_lost_answer_moves_the_theft_rule_to_the_newest_secret() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    let _lost = rotate(s.port, &old);
    let newest = rotate(s.port, &old).json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(auth(s.port, &newest), 200);
    successor_used_soon(&env, &newest[4..12]);
    assert_eq!(auth(s.port, &old), 401);
    token_soon(&env, "poller", |t| t["status"] == "disabled");
}

#[test]
fn an_administrators_renew_retires_the_old_secret_and_disables_nothing() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    env.ok(&["renew", "poller", "--yes"]);
    let s = Serve::start(&env, &[]);
    let r = get(s.port, "/auth", &[("Authorization", &bearer(&old))]);
    assert_refused(&r, 401, "unknown");
    // A wrong secret under the retired prefix is plainly unknown.
    let wrong = crate::forged("tkc1", &old[4..12]);
    assert_eq!(auth(s.port, &wrong), 401);
    let metrics = get(s.port, "/metrics", &[]).body;
    assert!(
        metrics.contains(r#"tokenctl_requests_total{status="401",reason="retired"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"tokenctl_requests_total{status="401",reason="unknown"} 1"#),
        "{metrics}"
    );
    // verify on the command line: unknown, exit 1, nothing disabled.
    let run = env
        .test()
        .args(["verify", "--format", "json"])
        .stdin(format!("{old}\n"))
        .exits(1);
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap()["reason"],
        "unknown"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(env.token("poller")["status"], "active");
    assert_eq!(env.log()[0]["op"], "renew");
    let (_, stderr) = s.stop();
    assert!(
        stderr.contains(&format!("401 reason=retired prefix={}", &old[4..12])),
        "{stderr}"
    );
}

#[test]
fn a_retired_secret_whose_successor_was_never_used_is_just_unknown() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    env.ok(&["policy", "set", "rotation-grace", "1s"]);
    let s = Serve::start(&env, &["--quiet"]);
    assert_eq!(rotate(s.port, &old).status, 200);
    std::thread::sleep(Duration::from_millis(1500));
    let r = get(s.port, "/auth", &[("Authorization", &bearer(&old))]);
    assert_refused(&r, 401, "unknown");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(env.token("poller")["status"], "active");
}

#[test]
fn verify_on_the_command_line_catches_the_reuse_too() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    rotate_and_use(&env, s.port, s.port, &old);
    let run = env
        .test()
        .args(["verify"])
        .stdin(format!("{old}\n"))
        .exits(1);
    assert!(
        run.stderr.contains("unknown") || run.stderr.contains("no such token"),
        "{}",
        run.stderr
    );
    assert_eq!(env.token("poller")["status"], "disabled");
    assert_eq!(env.log()[0]["actor"], "tokenctl");
    // inspect names a retired secret for what it is, without argon2 work.
    let run = env
        .test()
        .args(["inspect"])
        .stdin(format!("{old}\n"))
        .succeeds();
    assert!(
        run.stdout.contains("A retired secret of token \"poller\""),
        "{}",
        run.stdout
    );
}

#[test]
fn two_serve_on_one_store_a_reuse_seen_by_one_disables_the_token_on_the_other() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let a = Serve::start(&env, &["--quiet"]);
    let b = Serve::start(&env, &["--quiet"]);
    let new = rotate_and_use(&env, a.port, b.port, &old);
    assert_eq!(auth(a.port, &old), 401);
    token_soon(&env, "poller", |t| t["status"] == "disabled");
    // b remembered the new token as good: it reads the row again anyway.
    let r = get(b.port, "/auth", &[("Authorization", &bearer(&new))]);
    assert_refused(&r, 401, "disabled");
}

#[test]
fn retired_secrets_are_forgotten_after_30_days() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    env.ok(&["renew", "poller", "--yes"]);
    let count = || env.ints("SELECT count(*) FROM retired_secrets")[0];
    assert_eq!(count(), 1);
    let inspect = || {
        let out = env.run_stdin(&["inspect"], &format!("{old}\n"));
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).contains("retired"),
        )
    };
    assert_eq!(inspect(), (Some(0), true));
    // Retired long ago: no longer known as retired anywhere, before the
    // row is gone; a write that retires nothing leaves it, the next
    // retirement (of any token) forgets it.
    env.sql("UPDATE retired_secrets SET retired_at = '2000-01-01T00:00:00Z'");
    env.test()
        .args(["verify"])
        .stdin(format!("{old}\n"))
        .exits(1);
    assert_eq!(inspect(), (Some(3), false), "unknown, as any other prefix");
    env.ok(&["pool", "add", "any-write"]);
    assert_eq!(count(), 1, "a write that retires nothing leaves it");
    env.new_token("other", &[]);
    env.ok(&["renew", "other", "--yes"]);
    assert_eq!(count(), 1, "only other's secret is remembered now");
    assert_eq!(
        env.ints("SELECT count(*) FROM retired_secrets WHERE retired_at = '2000-01-01T00:00:00Z'")
            [0],
        0
    );
}

/// `db copy` carries the retired secrets (spec section 10: everything): a
/// secret whose successor was used, presented to the copy, disables its
/// token there as it would on the source.
#[test]
fn a_copy_still_catches_a_retired_secret_coming_back() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    rotate_and_use(&env, s.port, s.port, &old);
    drop(s);
    let target = env.dir.path().join("copy.db");
    env.ok(&["db", "copy", "--to", target.to_str().unwrap()]);
    let mut copy = Env::sqlite();
    copy.db = target;
    copy.test()
        .args(["verify"])
        .stdin(format!("{old}\n"))
        .exits(1);
    assert_eq!(copy.token("poller")["status"], "disabled");
    assert_eq!(copy.log()[0]["op"], "disable");
    assert_eq!(copy.log()[0]["actor"], "tokenctl");
    assert_eq!(
        env.token("poller")["status"],
        "active",
        "the source is apart"
    );
}

#[test]
fn exchange_on_the_command_line_catches_the_reuse_too() {
    let env = Env::new();
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    rotate_and_use(&env, s.port, s.port, &old);
    env.test()
        .args(["exchange"])
        .stdin(format!("{old}\n"))
        .exits(1);
    assert_eq!(env.token("poller")["status"], "disabled");
    assert_eq!(env.log()[0]["actor"], "tokenctl");
}

/// The new secret's first use comes while another writer holds SQLite's
/// lock (in CI, serve's own bookkeeping of the rotating call, run late on
/// a busy machine, once did): serve answers, and writes the end of the old
/// secret's grace once the store is free, so that another process catches
/// the old secret coming back without a further request to serve.
#[test]
fn a_first_use_the_store_cannot_take_now_is_written_once_it_is_free() {
    let env = Env::new();
    if env.sqlite_only("a_first_use_the_store_cannot_take_now") {
        return;
    }
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &["--quiet"]);
    let new = rotate(s.port, &old).json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let holder = env.conn();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    assert_eq!(auth(s.port, &new), 200);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        env.ints("SELECT count(*) FROM retired_secrets WHERE successor_used"),
        [0],
        "written through the lock"
    );
    holder.execute_batch("COMMIT").unwrap();
    successor_used_soon(&env, &new[4..12]);
    env.test()
        .args(["verify"])
        .stdin(format!("{old}\n"))
        .exits(1);
    assert_eq!(env.token("poller")["status"], "disabled");
}

/// A store that cannot take the disable at that moment (another writer
/// holds SQLite's lock past the busy timeout): serve refuses the check all
/// the same, says so in its log, and disables the token once the store
/// takes it; `verify` says it on stderr.
#[test]
fn a_reuse_the_store_cannot_take_now_is_refused_said_and_retried_by_serve() {
    let env = Env::new();
    if env.sqlite_only("a_reuse_the_store_cannot_take_now") {
        return;
    }
    let old = env.new_token("poller", &[]);
    policy_on(&env);
    let s = Serve::start(&env, &[]);
    rotate_and_use(&env, s.port, s.port, &old);
    // Another writer holds the lock.
    let holder = env.conn();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    // verify and exchange: refused, and the reuse said on stderr.
    for command in ["verify", "exchange"] {
        let run = env
            .test()
            .args([command])
            .stdin(format!("{old}\n"))
            .exits(1);
        assert!(
            run.stderr.contains(&format!(
                "note: a secret retired by a self-rotation (prefix {}) came back after its successor was used, and its token could not be disabled now",
                &old[4..12]
            )),
            "{command}: {}",
            run.stderr
        );
    }
    // serve: refused at once, the disable tried again until it is taken.
    let started = Instant::now();
    let r = get(s.port, "/auth", &[("Authorization", &bearer(&old))]);
    assert_refused(&r, 401, "unknown");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the answer did not wait"
    );
    let end = Instant::now() + Duration::from_secs(15);
    while !s.stderr_now().contains("could not be disabled yet") {
        assert!(Instant::now() < end, "{}", s.stderr_now());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(env.token("poller")["status"], "active");
    holder.execute_batch("COMMIT").unwrap();
    token_soon_within(&env, "poller", 15, |t| t["status"] == "disabled");
    let (_, stderr) = s.stop();
    assert!(stderr.contains("the token is disabled"), "{stderr}");
}
