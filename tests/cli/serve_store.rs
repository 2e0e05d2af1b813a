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

/// `--listen unix:PATH`: a proxy on the same machine asks over a Unix
/// socket; the `listening on` line names it; a stale socket file left by a
/// killed serve is replaced; the file goes when serve stops.
#[test]
fn serve_listens_on_a_unix_socket() {
    use std::io::{Read, Write};
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let sock = env.dir.path().join("serve.sock");
    // A stale socket from a serve that was killed.
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    let listen = format!("unix:{}", sock.display());
    let (mut child, mut stderr, addr) =
        crate::serve::start_serve(&env, &["--listen", &listen], &[]);
    assert_eq!(addr, listen);
    let ask = |auth: &str| {
        let mut c = std::os::unix::net::UnixStream::connect(&sock).unwrap();
        write!(
            c,
            "GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {auth}\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        answer
    };
    assert!(ask(&t).starts_with("HTTP/1.1 200"));
    assert!(ask("junk").starts_with("HTTP/1.1 401"));
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    let log = stderr.all();
    assert!(log.contains("from=- peer=unix"), "{log}");
    assert!(!sock.exists(), "the socket file is removed at the stop");
}

/// `--listen localhost:0` is resolved, and port 0 gives a free port, said
/// in the `listening on` line; a bad address is a usage error.
#[test]
fn serve_resolves_a_name_and_says_the_port_it_got() {
    let env = Env::new();
    let (mut child, _stderr, addr) =
        crate::serve::start_serve(&env, &["--listen", "localhost:0"], &[]);
    let (host, port) = addr.rsplit_once(':').unwrap();
    assert!(host == "127.0.0.1" || host == "[::1]", "{addr}");
    assert_ne!(port, "0");
    let _ = child.kill();
    let _ = child.wait();
    for bad in ["8787", "127.0.0.1:99999", "unix:", "localhost"] {
        env.fails(&["serve", "--listen", bad], 2);
    }
}

/// A service manager's first start: serve creates the store (empty), as a
/// command that writes would, instead of exiting 3 and restart-looping.
#[test]
fn serve_creates_a_missing_store_on_its_first_start() {
    let env = Env::new();
    assert!(!env.store_exists());
    let s = Serve::start(&env, &["--quiet"]);
    assert_eq!(get(s.port, "/healthz", &[]).status, 200);
    assert!(env.store_exists());
    assert_eq!(auth(&s, &crate::forged("tkc1", "AbCdEfGh")), 401);
    let (status, _) = s.stop();
    assert!(status.success());
    assert_eq!(env.json(&["list"]), serde_json::json!([]));
}

/// A disable takes effect on the very next request, also while a busy
/// token's checks share their reads of its row (on PostgreSQL, checks of one
/// prefix that arrive together share one query): every request sent after
/// `disable` returned is refused, none let through on a read begun before.
#[test]
fn a_disable_under_load_refuses_every_request_sent_after_it() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let env = Env::new();
    let t = env.new_token("busy", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    assert_eq!(auth(&s, &t), 200);
    let port = s.port;
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (t, stop) = (t.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let sent = Instant::now();
                    let status = get(port, "/auth", &[("Authorization", &bearer(&t))]).status;
                    seen.push((sent, status));
                }
                seen
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    env.ok(&["disable", "busy"]);
    let at = Instant::now();
    std::thread::sleep(Duration::from_millis(400));
    stop.store(true, Ordering::SeqCst);
    let seen: Vec<(Instant, u16)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let before: Vec<u16> = seen.iter().filter(|(t, _)| *t < at).map(|s| s.1).collect();
    let after: Vec<u16> = seen.iter().filter(|(t, _)| *t > at).map(|s| s.1).collect();
    assert!(before.contains(&200), "the load was real: {before:?}");
    assert!(!after.is_empty(), "requests were sent after the disable");
    assert!(
        after.iter().all(|s| *s == 401),
        "sent after the disable: {after:?}"
    );
}
