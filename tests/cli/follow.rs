//! `log --follow` (spec section 14): the last entries, oldest first, then
//! each new one as it is written, until SIGTERM or a closed pipe.

use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::Value;

use crate::Env;

/// `log --follow` with `extra`, its stdout lines as they come.
fn following(env: &Env, extra: &[&str]) -> (Child, Receiver<String>) {
    let mut child = env
        .std_cmd()
        .args(["log", "--follow"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[track_caller]
fn next(rx: &Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(5))
        .expect("a line within 5 s")
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    child.wait().unwrap()
}

#[test]
fn follow_shows_the_last_entries_then_each_new_one() {
    let env = Env::new();
    for i in 0..12 {
        env.ok(&["pool", "add", &format!("p{i}")]);
    }
    let (child, rx) = following(&env, &["--format", "json"]);
    // The last 10, oldest first, one JSON object a line.
    let ids: Vec<i64> = (0..10)
        .map(|_| {
            serde_json::from_str::<Value>(&next(&rx)).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (3..=12).collect::<Vec<_>>());
    // A new entry, from another process, within a second or so.
    env.new_token("ci", &[]);
    let e: Value = serde_json::from_str(&next(&rx)).unwrap();
    assert_eq!(
        (&e["id"], &e["op"]),
        (&serde_json::json!(13), &serde_json::json!("new"))
    );
    assert!(stop(child).success(), "SIGTERM ends it with exit 0");
}

#[test]
fn follow_keeps_to_its_filters_and_prints_a_csv_header_once() {
    let env = Env::new();
    env.new_token("a", &[]);
    let (child, rx) = following(&env, &["--op", "delete", "--format", "csv", "--limit", "1"]);
    assert!(next(&rx).starts_with("id,at,actor,op,"));
    env.new_token("b", &[]);
    env.ok(&["delete", "b", "--yes"]);
    let row = next(&rx);
    assert!(row.contains(",delete,b,"), "{row}");
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "only deletes, one header"
    );
    assert!(stop(child).success());
}

#[test]
fn follow_ends_when_its_reader_goes() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.new_token("b", &[]);
    let start = std::time::Instant::now();
    let out = env.shell("\"$0\" log --follow | head -1").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    assert!(start.elapsed() < Duration::from_secs(10), "it kept running");
}

/// Entries committed while follow reads are never skipped: the mark it
/// keeps moves only over entries of the snapshot it read (a bench run
/// found 19,000 of 100,000 missing when the mark was read apart).
#[test]
fn follow_skips_nothing_written_while_it_reads() {
    let env = Env::new();
    env.ok(&["pool", "add", "first"]);
    let (child, rx) = following(&env, &["--format", "json", "--limit", "1"]);
    assert_eq!(serde_json::from_str::<Value>(&next(&rx)).unwrap()["id"], 1);
    let writer = env
        .script(
            // Three writers at once: commits while follow reads.
            "for w in a b c; do
                 (i=0; while [ $i -lt 50 ]; do tokenctl pool add \"$w$i\" >/dev/null 2>&1; i=$((i+1)); done) &
             done
             wait",
        )
        .status()
        .unwrap();
    assert!(writer.success());
    let ids: Vec<i64> = (0..150)
        .map(|_| {
            serde_json::from_str::<Value>(&next(&rx)).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (2..=151).collect::<Vec<_>>());
    assert!(stop(child).success());
}
