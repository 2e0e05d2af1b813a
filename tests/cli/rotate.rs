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

fn auth(port: u16, t: &str) -> u16 {
    get(port, "/auth", &[("Authorization", &bearer(t))]).status
}

/// Wait until `t` is refused at /auth (serve records a first use after
/// its answer, off the answer's path).
#[track_caller]
fn refused_soon(port: u16, t: &str) -> Reply {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(port, "/auth", &[("Authorization", &bearer(t))]);
        if r.status != 200 {
            return r;
        }
        assert!(Instant::now() < end, "still good after 5 s");
        std::thread::sleep(Duration::from_millis(50));
    }
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
    assert_eq!(refused_soon(s.port, &old).json()["reason"], "unknown");
    assert_eq!(auth(s.port, &new), 200);
    // ... and can no longer rotate.
    assert_eq!(rotate(s.port, &old).status, 401);
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
    // The lost secret never works; the old works until the newest is used.
    assert_eq!(auth(s.port, lost["token"].as_str().unwrap()), 401);
    assert_eq!(auth(s.port, &old), 200);
    let newest = again["token"].as_str().unwrap();
    assert_eq!(auth(s.port, newest), 200);
    refused_soon(s.port, &old);
    // A rotation with the newest secret is a plain one.
    let next = rotate(s.port, newest);
    assert_eq!(next.status, 200);
    assert!(env.log()[0]["details"].get("replaced_prefix").is_none());
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
        assert_eq!(
            (r.status, r.json()["reason"].clone()),
            (403, json!("access"))
        );
        let r = rotate(s.port, &crate::forged("tkc1", "Zz9Zz9Zz"));
        assert_eq!(
            (r.status, r.json()["reason"].clone()),
            (401, json!("unknown"))
        );
        let r = http(s.port, "POST /v1/rotate HTTP/1.1", "");
        assert_eq!(r.status, 401);
        // The token is read from the Authorization header only.
        let r = http(s.port, "POST /v1/rotate HTTP/1.1", &format!("t2mtoken={t}"));
        assert_eq!(r.status, 401);
    });
    env.ok(&["disable", "poller"]);
    env.unchanged(|| {
        let r = rotate(s.port, &t);
        assert_eq!(
            (r.status, r.json()["reason"].clone()),
            (401, json!("disabled"))
        );
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
        assert_eq!(
            (r.status, r.json()["reason"].clone()),
            (403, json!("address"))
        );
        let r = rotate(s.port, &bound);
        assert_eq!(
            (r.status, r.json()["reason"].clone()),
            (403, json!("address"))
        );
        let r = rotate(s.port, &later);
        assert_eq!(
            (r.status, r.json()["reason"].clone()),
            (401, json!("not_before"))
        );
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
    assert_eq!(auth(s.port, &second), 200);
    assert_eq!(refused_soon(s.port, &first).status, 401);
    // The log names the token itself as the actor.
    assert_eq!(env.log()[0]["actor"], "token:poller");
}
