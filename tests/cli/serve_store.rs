//! `serve` and `verify` when the store under them changes hands (issue 19):
//! a SQLite file replaced by a restore, and a grace that the store cannot
//! end at the moment the new secret is first used.

use crate::Env;
use crate::serve::{Serve, bearer, get};

fn auth(s: &Serve, t: &str) -> u16 {
    get(s.port, "/auth", &[("Authorization", &bearer(t))]).status
}

/// `mv restored.db tokenctl.db` under a running serve: it answers from the
/// restored file from the next request on, remembered tokens included.
#[test]
fn serve_follows_a_sqlite_file_replaced_under_it() {
    let env = Env::sqlite();
    let kept = env.new_token("kept", &[]);
    let backup = env.dir.path().join("restored.db");
    env.ok(&["db", "copy", "--to", backup.to_str().unwrap()]);
    let later = env.new_token("later", &[]);
    let s = Serve::start(&env, &["--quiet", "--cache-ttl", "1h"]);
    assert_eq!(auth(&s, &kept), 200);
    assert_eq!(auth(&s, &later), 200);
    // A restore as the README gives it: the old file's -wal and -shm go
    // with it (SQLite would read a -wal left beside the restored file).
    for suffix in ["-wal", "-shm"] {
        let mut p = env.db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    std::fs::rename(&backup, &env.db).unwrap();
    // The restored store never had "later".
    assert_eq!(auth(&s, &later), 401);
    assert_eq!(auth(&s, &kept), 200);
    // And a change made now, to the restored file, counts at once.
    env.ok(&["disable", "kept"]);
    assert_eq!(auth(&s, &kept), 401);
}

/// The new secret's first use, while another writer holds the store: the
/// check answers at once; the old secret is refused from then on by the
/// same serve, and the end of the grace is written when the store is free.
#[test]
fn a_grace_ended_while_the_store_is_busy_is_not_lost() {
    let env = Env::sqlite();
    let old = env.new_token("ci", &[]);
    let new = env
        .ok(&["renew", "ci", "--yes", "--grace", "1h"])
        .trim()
        .to_owned();
    let s = Serve::start(&env, &["--quiet"]);
    assert_eq!(auth(&s, &old), 200, "the old secret works during the grace");
    let holder = env.conn();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    assert_eq!(auth(&s, &new), 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        auth(&s, &old),
        401,
        "the new secret was seen: the grace is over"
    );
    // The CLI, which cannot remember, says so instead of staying silent.
    let out = env.run_stdin(&["verify"], &format!("{new}\n"));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not end the old secret's grace"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    holder.execute_batch("ROLLBACK").unwrap();
    // Free again: the next check records the end in the store.
    let other = env.new_token("other", &[]);
    assert_eq!(auth(&s, &other), 200);
    let start = std::time::Instant::now();
    loop {
        let grace = env.text("SELECT coalesce(grace_until, 'none') FROM tokens WHERE name = 'ci'");
        if grace == "none" {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "grace still {grace}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = env.run_stdin(&["verify"], &format!("{old}\n"));
    assert_eq!(out.status.code(), Some(1));
}
