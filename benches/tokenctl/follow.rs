//! `log --follow` (spec section 14): how soon a committed entry is printed
//! (commit to line, median and max, with entries committed one at a time
//! at irregular moments), and the follower's peak memory while 100,000
//! entries are written (it must not grow with them).
//!
//! Run: `cargo bench --bench tokenctl -- --only-follow [postgres://…]`.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::measure::ms;

/// Entries committed one at a time for the latency.
const SAMPLES: usize = 60;
/// Entries written while the memory is watched.
const FLOOD: usize = 100_000;

/// The follower: `log -f --format json --limit 1`, each line's id and
/// when it arrived.
fn follower(bin: &Path, db: &Path) -> Result<(Child, Receiver<(i64, Instant)>)> {
    let mut child = Command::new(bin)
        .args(["log", "--follow", "--format", "json", "--limit", "1"])
        .env("TOKENCTL_DB", db)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let at = Instant::now();
            let id = serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .and_then(|v| v["id"].as_i64())
                .unwrap_or(0);
            if tx.send((id, at)).is_err() {
                break;
            }
        }
    });
    Ok((child, rx))
}

/// The peak resident memory of a process (KiB), from /proc.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn stop(mut child: Child) {
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    );
    let _ = child.wait();
}

/// Latency and memory of `log -f` on the store at `db`; prints its lines.
pub(crate) fn measure(bin: &Path, db: &Path, engine: &str) -> Result<()> {
    // A store with one entry, so that the follower starts on it.
    tokenctl::bench_support::append(db, 1, 1, &mut |_| {})?;
    let (child, rx) = follower(bin, db)?;
    let Ok((first, _)) = rx.recv_timeout(Duration::from_secs(10)) else {
        bail!("log -f printed nothing");
    };
    // Commit to line: entries one at a time, 37 to 283 ms apart (not a
    // multiple of any poll period).
    let mut committed: HashMap<i64, Instant> = HashMap::new();
    for i in 0..SAMPLES {
        tokenctl::bench_support::append(db, 1, 1, &mut |id| {
            committed.insert(id, Instant::now());
        })?;
        std::thread::sleep(Duration::from_millis(37 + (i as u64 * 61) % 247));
    }
    let mut latencies = Vec::new();
    while latencies.len() < SAMPLES {
        let Ok((id, at)) = rx.recv_timeout(Duration::from_secs(5)) else {
            bail!("log -f missed entries after {first}");
        };
        if let Some(c) = committed.get(&id) {
            latencies.push(at.saturating_duration_since(*c));
        }
    }
    latencies.sort();
    let start_kib = peak_kib(child.id()).unwrap_or(0);
    // The flood: 100,000 entries in commits of 1,000; the follower keeps up.
    let started = Instant::now();
    let mut last = 0;
    tokenctl::bench_support::append(db, FLOOD, 1000, &mut |id| last = id)?;
    let written = started.elapsed();
    let mut seen = 0;
    loop {
        let Ok((id, _)) = rx.recv_timeout(Duration::from_secs(30)) else {
            bail!("log -f stopped before entry {last}");
        };
        seen += 1;
        if id >= last {
            break;
        }
    }
    let caught_up = started.elapsed();
    let peak = peak_kib(child.id()).unwrap_or(0);
    stop(child);
    println!(
        "log -f ({engine}): commit to line over {SAMPLES} entries: median {:.1} ms, max {:.1} ms",
        ms(latencies[SAMPLES / 2]),
        ms(*latencies.last().expect("samples"))
    );
    println!(
        "log -f ({engine}): {seen} entries written in {:.1} s, all printed after {:.1} s; peak memory {:.1} MiB after the first 60 entries, {:.1} MiB after 100,000 more",
        written.as_secs_f64(),
        caught_up.as_secs_f64(),
        start_kib as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    Ok(())
}
