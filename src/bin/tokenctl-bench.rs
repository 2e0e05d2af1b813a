//! tokenctl-bench: whole-process timings of tokenctl at 1, 1,000 and 100,000
//! tokens and 1,000,000 log entries, beside the argon2 floor, process
//! start-up, and a peer (Apache's htpasswd with bcrypt).
//!
//! Run: `cargo build --release --bins && target/release/tokenctl-bench`
//! (`--quick` for fewer repetitions; `--keep DIR` to keep the databases).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use serde_json::json;
use tokenctl::model::Access;
use tokenctl::store::log::{self, Event};
use tokenctl::store::tokens::{self, NewToken};
use tokenctl::store::{Mode, Store};
use tokenctl::token;

const SIZES: [usize; 3] = [1, 1_000, 100_000];
const LOG_ENTRIES: usize = 1_000_000;

struct Bench {
    dir: PathBuf,
    runs: usize,
    rows: Vec<Row>,
    /// Instruction counts under callgrind (what, size, count): repeatable
    /// where wall-clock times on a shared machine are not.
    instructions: Vec<(String, String, u64)>,
    valgrind: bool,
}

/// A timed command: name, arguments, stdin, expected exit code, runs.
type Case<'a> = (&'a str, Vec<&'a str>, Option<&'a [u8]>, i32, usize);

struct Row {
    what: String,
    size: String,
    times: Vec<Duration>,
}

impl Row {
    fn median(&self) -> f64 {
        ms(self.sorted()[self.times.len() / 2])
    }
    fn sorted(&self) -> Vec<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Bench {
    /// Time `runs` whole processes made by `make(i)`, each fed `stdin`.
    fn time(
        &mut self,
        what: &str,
        size: &str,
        runs: usize,
        stdin: Option<&[u8]>,
        mut make: impl FnMut(usize) -> Command,
        expect: i32,
    ) -> Result<()> {
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs {
            let mut c = make(i);
            c.stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
            let start = Instant::now();
            let mut child = c.spawn().with_context(|| format!("running {what}"))?;
            if let Some(input) = stdin {
                child.stdin.take().unwrap().write_all(input)?;
            }
            let status = child.wait()?;
            times.push(start.elapsed());
            if status.code() != Some(expect) {
                bail!("{what} at {size}: exit {status}, expected {expect}");
            }
        }
        let row = Row {
            what: what.into(),
            size: size.into(),
            times,
        };
        eprintln!("  {what:<34} {size:>10}  median {:>8.2} ms", row.median());
        self.rows.push(row);
        Ok(())
    }

    /// Count the instructions of one run of `cmd` under callgrind.
    fn count(&mut self, what: &str, size: &str, cmd: Command, stdin: Option<&[u8]>) -> Result<()> {
        if !self.valgrind {
            return Ok(());
        }
        let mut vg = Command::new("valgrind");
        vg.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(cmd.get_program())
            .args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => vg.env(k, v),
                None => vg.env_remove(k),
            };
        }
        vg.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut child = vg.spawn()?;
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input)?;
        }
        let out = child.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stderr);
        let n = text
            .lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .with_context(|| format!("no instruction count for {what}"))?;
        eprintln!("  {what:<34} {size:>10}  {n:>14} instructions");
        self.instructions.push((what.into(), size.into(), n));
        Ok(())
    }

    fn instructions_of(&self, what: &str, size: &str) -> Option<f64> {
        self.instructions
            .iter()
            .find(|(w, s, _)| w == what && s == size)
            .map(|(_, _, n)| *n as f64)
    }

    fn median_of(&self, what: &str, size: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.what == what && r.size == size)
            .map(Row::median)
    }
}

/// A database with `n` tokens (one shared argon2 hash: filling 100k tokens
/// must not take 100k hashes) and their `new` entries, padded with `modify`
/// entries up to `log_entries`.
fn fill(db: &Path, n: usize, log_entries: usize) -> Result<()> {
    let hash = token::hash(&token::generate_with_prefix(token::Kind::Api, "Bench000")?)?;
    let mut store = Store::open(db, Mode::Write)?;
    let now = Utc::now();
    store.write(|tx| {
        tokenctl::store::pools::insert(tx, "plant-a", now, "bench")?;
        for i in 0..n {
            let name = format!("token-{i:06}");
            let prefix = format!("B{i:07}");
            let id = tokens::insert(
                tx,
                &NewToken {
                    name: &name,
                    prefix: &prefix,
                    hash: &hash,
                    pool_id: None,
                    access: Access::ReadWrite,
                    owner: None,
                    expires_at: None,
                    created_at: now,
                    created_by: "bench",
                },
            )?;
            log::append(
                tx,
                Event {
                    actor: "bench",
                    op: "new",
                    token_id: Some(id),
                    token: Some(&name),
                    prefix: Some(&prefix),
                    details: json!({"access": "read-write"}),
                },
            )?;
        }
        let actors = ["alice", "bob", "carol", "dave"];
        for i in n..log_entries {
            let t = i % n.max(1);
            let name = format!("token-{t:06}");
            let prefix = format!("B{t:07}");
            log::append(
                tx,
                Event {
                    actor: actors[i % actors.len()],
                    op: "modify",
                    token_id: Some(t as i64 + 1),
                    token: Some(&name),
                    prefix: Some(&prefix),
                    details: json!({"owner": [null, format!("owner-{i}")]}),
                },
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    // The process floor: a fresh process that does one argon2 verify and
    // nothing else (token on stdin, PHC string in BENCH_PHC).
    if args.get(1).map(String::as_str) == Some("--floor-verify") {
        let mut t = String::new();
        std::io::stdin().read_line(&mut t)?;
        let phc = std::env::var("BENCH_PHC")?;
        std::process::exit(if token::verify(t.trim_end(), &phc) {
            0
        } else {
            1
        });
    }
    let quick = args.iter().any(|a| a == "--quick");
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name("tokenctl");
    if !bin.exists() {
        bail!(
            "{} not found: run `cargo build --release --bins` first",
            bin.display()
        );
    }
    let scratch = std::env::temp_dir().join(format!("tokenctl-bench-{}", std::process::id()));
    let cleanup = keep.is_none();
    let dir = keep.unwrap_or_else(|| scratch.clone());
    std::fs::create_dir_all(&dir)?;
    let mut b = Bench {
        dir,
        runs: if quick { 7 } else { 21 },
        rows: Vec::new(),
        instructions: Vec::new(),
        valgrind: have("valgrind"),
    };
    if !b.valgrind {
        eprintln!("instruction counts skipped: valgrind not found");
    }
    let runs = b.runs;

    eprintln!("floor:");
    // One bare argon2id hash and verify with the parameters tokenctl issues.
    let sample = token::generate_with_prefix(token::Kind::Api, "Floor000")?;
    let stored = token::hash(&sample)?;
    let mut hash_times = Vec::new();
    let mut verify_times = Vec::new();
    for _ in 0..runs {
        let s = Instant::now();
        token::hash(&sample)?;
        hash_times.push(s.elapsed());
        let s = Instant::now();
        assert!(token::verify(&sample, &stored));
        verify_times.push(s.elapsed());
    }
    for (what, times) in [
        ("argon2id hash (in-process)", hash_times),
        ("argon2id verify (in-process)", verify_times),
    ] {
        let row = Row {
            what: what.into(),
            size: "-".into(),
            times,
        };
        eprintln!("  {what:<34} {:>10}  median {:>8.2} ms", "-", row.median());
        b.rows.push(row);
    }
    let sample_line = format!("{}\n", sample.as_str()).into_bytes();
    b.time(
        "argon2id verify (own process)",
        "-",
        runs,
        Some(&sample_line),
        |_| {
            let mut c = Command::new(&exe);
            c.arg("--floor-verify")
                .env("BENCH_PHC", &stored)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c
        },
        0,
    )?;
    let mut floor_cmd = Command::new(&exe);
    floor_cmd.arg("--floor-verify").env("BENCH_PHC", &stored);
    b.count(
        "argon2id verify (own process)",
        "-",
        floor_cmd,
        Some(&sample_line),
    )?;
    let nodb = b.dir.join("none.db");
    b.time(
        "tokenctl --version (start-up)",
        "-",
        runs,
        None,
        |_| {
            let mut c = Command::new(&bin);
            c.arg("--version")
                .stdout(Stdio::null())
                .env("TOKENCTL_DB", &nodb);
            c
        },
        0,
    )?;

    let malformed = b"not-a-token\n".to_vec();
    let unknown = {
        let t = token::generate_with_prefix(token::Kind::Api, "Zz9Zz9Zz")?;
        format!("{}\n", t.as_str()).into_bytes()
    };
    for &n in &SIZES {
        let size = if n == SIZES[2] {
            format!("{n}/{LOG_ENTRIES}")
        } else {
            n.to_string()
        };
        let log_entries = if n == SIZES[2] { LOG_ENTRIES } else { n };
        let db = b.dir.join(format!("bench-{n}.db"));
        let _ = std::fs::remove_file(&db);
        eprintln!("tokens: {n}, log entries: {log_entries} (filling…)");
        let start = Instant::now();
        fill(&db, n, log_entries)?;
        eprintln!("  filled in {:.1} s", start.elapsed().as_secs_f64());
        // A real token to verify; its first check of the day writes
        // last_used, so make that one before timing.
        let out = b_cmd(&bin, &db)
            .args(["new", "--name", "bench-real"])
            .stdout(Stdio::piped())
            .output()?;
        let real = format!("{}\n", String::from_utf8(out.stdout)?.trim_end()).into_bytes();
        let mut first = b_cmd(&bin, &db)
            .arg("verify")
            .stdin(Stdio::piped())
            .spawn()?;
        first.stdin.take().unwrap().write_all(&real)?;
        first.wait()?;

        let mut new_cmd = b_cmd(&bin, &db);
        new_cmd.args(["new", "--name", "bench-counted"]);
        b.count("new", &size, new_cmd, None)?;
        let mut verify_cmd = b_cmd(&bin, &db);
        verify_cmd.arg("verify");
        b.count("verify (good)", &size, verify_cmd, Some(&real))?;
        let mut unknown_cmd = b_cmd(&bin, &db);
        unknown_cmd.arg("verify");
        b.count("verify (unknown)", &size, unknown_cmd, Some(&unknown))?;

        b.time(
            "new",
            &size,
            runs,
            None,
            |i| {
                let mut c = b_cmd(&bin, &db);
                c.args(["new", "--name", &format!("bench-new-{i}")]);
                c
            },
            0,
        )?;
        let list_runs = if n >= 100_000 { runs.min(7) } else { runs };
        let mut cases: Vec<Case> = vec![
            ("verify (good)", vec!["verify"], Some(&real), 0, runs),
            ("verify (unknown)", vec!["verify"], Some(&unknown), 1, runs),
            (
                "verify (malformed)",
                vec!["verify"],
                Some(&malformed),
                1,
                runs,
            ),
            (
                "list --format json",
                vec!["list", "--format", "json"],
                None,
                0,
                list_runs,
            ),
            ("list (table)", vec!["list"], None, 0, list_runs),
        ];
        if n == SIZES[2] {
            cases.extend([
                (
                    "log --limit 50",
                    vec!["log", "--limit", "50"],
                    None,
                    0,
                    runs,
                ),
                (
                    "log --token token-000077",
                    vec!["log", "--token", "token-000077"],
                    None,
                    0,
                    runs,
                ),
                (
                    "log --actor alice --since 7d --limit 50",
                    vec!["log", "--actor", "alice", "--since", "7d", "--limit", "50"],
                    None,
                    0,
                    runs,
                ),
                ("log verify", vec!["log", "verify"], None, 0, 3),
            ]);
        }
        for (what, args, stdin, expect, n) in cases {
            b.time(
                what,
                &size,
                n,
                stdin,
                |_| {
                    let mut c = b_cmd(&bin, &db);
                    c.args(&args);
                    c
                },
                expect,
            )?;
        }
    }

    if have("htpasswd") {
        peer(&mut b)?;
    } else {
        eprintln!("peer skipped: htpasswd not found (apt-get install apache2-utils)");
    }
    report(&b);
    if cleanup {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    Ok(())
}

fn b_cmd(bin: &Path, db: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("TOKENCTL_DB", db)
        .env("TOKENCTL_ACTOR", "bench")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// htpasswd with bcrypt at the cost whose hash time is closest to argon2's.
fn peer(b: &mut Bench) -> Result<()> {
    let argon = b
        .median_of("argon2id hash (in-process)", "-")
        .unwrap_or(20.0);
    let mut best = (5u32, f64::MAX, String::new());
    for cost in 4..=10 {
        let start = Instant::now();
        let out = Command::new("htpasswd")
            .args(["-nbB", "-C", &cost.to_string(), "u", "pw"])
            .output()?;
        let took = ms(start.elapsed());
        let line = String::from_utf8(out.stdout)?.trim().to_owned();
        if (took - argon).abs() < (best.1 - argon).abs() {
            best = (cost, took, line);
        }
    }
    let (cost, _, sample) = best;
    let hash = sample
        .split_once(':')
        .map(|(_, h)| h.to_owned())
        .unwrap_or_default();
    eprintln!("peer: htpasswd, bcrypt cost {cost}");
    let runs = b.runs;
    for &n in &SIZES {
        let file = b.dir.join(format!("htpasswd-{n}"));
        let mut text = String::with_capacity(n * 80);
        for i in 0..n {
            text.push_str(&format!("user{i:06}:{hash}\n"));
        }
        text.push_str(&format!("real:{hash}\n"));
        std::fs::write(&file, text)?;
        let size = n.to_string();
        let f = file.clone();
        let c = cost.to_string();
        b.time(
            &format!("htpasswd add (bcrypt {cost})"),
            &size,
            runs,
            None,
            |i| {
                let mut cmd = Command::new("htpasswd");
                cmd.args(["-bB", "-C", &c])
                    .arg(&f)
                    .args([&format!("new{i}"), "pw"]);
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                cmd
            },
            0,
        )?;
        b.time(
            "htpasswd verify (-v)",
            &size,
            runs,
            None,
            |_| {
                let mut cmd = Command::new("htpasswd");
                cmd.arg("-vb").arg(&f).args(["real", "pw"]);
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                cmd
            },
            0,
        )?;
        b.time(
            "htpasswd delete (-D)",
            &size,
            runs,
            None,
            |i| {
                let mut cmd = Command::new("htpasswd");
                cmd.arg("-D").arg(&f).arg(format!("new{i}"));
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                cmd
            },
            0,
        )?;
    }
    Ok(())
}

fn report(b: &Bench) {
    if !b.instructions.is_empty() {
        println!("| what | tokens/log | instructions (callgrind) |");
        println!("|---|---|---:|");
        for (what, size, n) in &b.instructions {
            println!("| {what} | {size} | {n} |");
        }
        println!();
    }
    println!("| what | tokens/log | median ms | min ms | max ms | runs |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &b.rows {
        let s = r.sorted();
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {} |",
            r.what,
            r.size,
            r.median(),
            ms(s[0]),
            ms(s[s.len() - 1]),
            s.len()
        );
    }
    let big = format!("{}/{}", SIZES[2], LOG_ENTRIES);
    let ratio =
        |what: &str| -> Option<f64> { Some(b.median_of(what, &big)? / b.median_of(what, "1")?) };
    let ir_ratio = |what: &str| -> Option<f64> {
        Some(b.instructions_of(what, &big)? / b.instructions_of(what, "1")?)
    };
    println!();
    println!("| goal | measured | met |");
    println!("|---|---|---|");
    let goal = |name: &str, value: Option<f64>, unit: &str, limit: f64| {
        if let Some(v) = value {
            let shown = if unit == "x" {
                format!("{v:.3}x")
            } else {
                format!("{v:.1} ms")
            };
            println!(
                "| {name} | {shown} | {} |",
                if v <= limit { "yes" } else { "no" }
            );
        }
    };
    goal(
        "verify at 100k tokens / at 1 token, instructions (≤ 1.10)",
        ir_ratio("verify (good)"),
        "x",
        1.10,
    );
    goal(
        "new at 100k tokens / at 1 token, instructions (≤ 1.15)",
        ir_ratio("new"),
        "x",
        1.15,
    );
    let ir_floor = b.instructions_of("argon2id verify (own process)", "-");
    goal(
        "verify / bare argon2 verify in its own process, instructions (≤ 1.15)",
        b.instructions_of("verify (good)", "1")
            .zip(ir_floor)
            .map(|(v, f)| v / f),
        "x",
        1.15,
    );
    goal(
        "verify at 100k tokens / at 1 token (≤ 1.10)",
        ratio("verify (good)"),
        "x",
        1.10,
    );
    goal(
        "new at 100k tokens / at 1 token (≤ 1.15)",
        ratio("new"),
        "x",
        1.15,
    );
    let floor = b.median_of("argon2id verify (in-process)", "-");
    let v1 = b.median_of("verify (good)", "1");
    goal(
        "verify / bare argon2 verify in a warm process (≤ 1.15)",
        v1.zip(floor).map(|(v, f)| v / f),
        "x",
        1.15,
    );
    let process_floor = b.median_of("argon2id verify (own process)", "-");
    goal(
        "verify / bare argon2 verify in its own process (≤ 1.15)",
        v1.zip(process_floor).map(|(v, f)| v / f),
        "x",
        1.15,
    );
    goal(
        "list --format json of 100k tokens (< 1000 ms)",
        b.median_of("list --format json", &big),
        "ms",
        1000.0,
    );
    for q in [
        "log --limit 50",
        "log --token token-000077",
        "log --actor alice --since 7d --limit 50",
    ] {
        goal(
            &format!("{q} on 1M entries (< 100 ms)"),
            b.median_of(q, &big),
            "ms",
            100.0,
        );
    }
}
