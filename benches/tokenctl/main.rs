//! The benchmark: whole-process timings of tokenctl at 1, 1,000 and
//! 100,000 tokens and 1,000,000 log entries, beside the argon2 floor,
//! process start-up, SQLite's own shell reading the same rows (the
//! baselines of the ratio goals), peak memory of the streamed outputs, and
//! a peer (Apache's htpasswd with bcrypt).
//!
//! Run: `cargo bench --bench tokenctl` (`-- --quick` for fewer
//! repetitions; `-- --keep DIR` to keep the databases; `-- --only-serve`
//! for the floor and the serve section alone; `-- --only-follow [URL]` for
//! `log --follow`'s latency and memory).

mod follow;
mod measure;
mod peer;
mod report;
mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Result;
use tokenctl::token;

use crate::measure::{Bench, Row, have, shell, tokenctl};

pub const SIZES: [usize; 3] = [1, 1_000, 100_000];
pub const LOG_ENTRIES: usize = 1_000_000;

/// A timed case: name, arguments, stdin, expected exit code, runs.
type Case<'a> = (&'a str, Vec<&'a str>, Option<&'a [u8]>, i32, usize);

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    // The peak-memory wrapper (see measure::rss_wrapper).
    if let Some(i) = args.iter().position(|a| a == "--rss") {
        return measure::rss_wrapper(&args[i + 1..]);
    }
    // The process floor: a fresh process that does one argon2 verify and
    // nothing else (token on stdin, PHC string in BENCH_PHC).
    if args.iter().any(|a| a == "--floor-verify") {
        let (t, phc) = floor_input()?;
        std::process::exit(i32::from(!token::matches(&t, &phc)));
    }
    // The warm floor, in a process of its own: one argon2 verify to fault
    // the working memory in, then one timed (printed in ms).
    if args.iter().any(|a| a == "--warm-verify") {
        let (t, phc) = floor_input()?;
        let mut memory = token::Memory::new();
        anyhow::ensure!(token::matches_in(&t, &phc, &mut memory));
        let s = Instant::now();
        anyhow::ensure!(token::matches_in(&t, &phc, &mut memory));
        println!("{}", s.elapsed().as_secs_f64() * 1000.0);
        return Ok(());
    }
    // The PostgreSQL floor: a fresh process that connects to the URL in
    // BENCH_PG_URL (log-in included), runs one query and ends.
    if args.iter().any(|a| a == "--floor-connect") {
        let mut config: postgres::Config = std::env::var("BENCH_PG_URL")?.parse()?;
        if let Ok(p) = std::env::var("PGPASSWORD") {
            config.password(p);
        }
        let mut client = config.connect(postgres::NoTls)?;
        client.simple_query("SELECT 1")?;
        return Ok(());
    }
    // `--hold-buckets N`: this process's resident memory (KiB) holding
    // the rate buckets of N tokens (see rate_buckets_mib).
    if let Some(n) = args
        .iter()
        .position(|a| a == "--hold-buckets")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
    {
        let held = tokenctl::bench_support::hold_rate_buckets(n);
        println!("{}", rss_kib());
        drop(held);
        return Ok(());
    }
    // `--only-distinct N`: serve's peak memory under N distinct
    // rate-limited tokens, alone (N = 100,000 takes about 40 minutes).
    if let Some(n) = args
        .iter()
        .position(|a| a == "--only-distinct")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
    {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_tokenctl"));
        let dir = std::env::temp_dir().join(format!("tokenctl-bench-{}", std::process::id()));
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let (what, kib) = serve::distinct_flood(&bin, &dir, n, cores, 5)?;
        println!(
            "serve's peak memory under {what}: {:.1} MiB",
            kib as f64 / 1024.0
        );
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    // `--only-follow [postgres://…]`: log -f's latency and memory, on
    // SQLite, and on PostgreSQL when a URL is given.
    if let Some(i) = args.iter().position(|a| a == "--only-follow") {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_tokenctl"));
        let dir = std::env::temp_dir().join(format!("tokenctl-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        follow::measure(&bin, &dir.join("follow.db"), "SQLite")?;
        if let Some(url) = args.get(i + 1).filter(|a| a.starts_with("postgres")) {
            follow::measure(&bin, Path::new(url), "PostgreSQL")?;
        }
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    let quick = args.iter().any(|a| a == "--quick");
    // `--only-serve`: the floor and the serve section alone.
    let only_serve = args.iter().any(|a| a == "--only-serve");
    // `--only-postgres`: the floor and the store of 100,000 tokens alone,
    // on SQLite and (inside pg_virtualenv) on PostgreSQL.
    let only_postgres = args.iter().any(|a| a == "--only-postgres");
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let exe = std::env::current_exe()?;
    // Cargo builds the tokenctl binary beside this benchmark, same profile.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_tokenctl"));
    let scratch = std::env::temp_dir().join(format!("tokenctl-bench-{}", std::process::id()));
    let cleanup = keep.is_none();
    let dir = keep.unwrap_or_else(|| scratch.clone());
    std::fs::create_dir_all(&dir)?;
    let mut b = Bench {
        dir,
        runs: if quick { 7 } else { 21 },
        rows: Vec::new(),
        instructions: Vec::new(),
        rss: Vec::new(),
        valgrind: have("valgrind"),
        exe: exe.clone(),
    };
    let sqlite3 = have("sqlite3");
    if !sqlite3 {
        eprintln!("baselines skipped: sqlite3 not found (apt-get install sqlite3)");
    }
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
    // The warm floor: working memory already faulted in, as a long-lived
    // verifier keeps it.
    let mut memory = token::Memory::new();
    assert!(token::matches_in(&sample, &stored, &mut memory));
    for _ in 0..runs {
        let s = Instant::now();
        token::hash(&sample)?;
        hash_times.push(s.elapsed());
        let s = Instant::now();
        assert!(token::matches_in(&sample, &stored, &mut memory));
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
            faults: None,
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
    let sizes: &[usize] = if only_serve {
        &[]
    } else if only_postgres {
        &SIZES[2..]
    } else {
        &SIZES
    };
    for &n in sizes {
        let size = if n == SIZES[2] {
            format!("{n}/{LOG_ENTRIES}")
        } else {
            n.to_string()
        };
        let log_entries = if n == SIZES[2] { LOG_ENTRIES } else { n };
        let db = b.dir.join(format!("bench-{n}.db"));
        let _ = std::fs::remove_file(&db);
        // At 100k, inside pg_virtualenv: the PAIRED rows are timed beside
        // PostgreSQL's (postgres_store), not here.
        let paired = n == SIZES[2] && std::env::var_os("PGHOST").is_some();
        let here = |what: &str| !(paired && PAIRED.contains(&what));
        eprintln!("tokens: {n}, log entries: {log_entries} (filling…)");
        let start = Instant::now();
        tokenctl::bench_support::fill(&db, n, log_entries)?;
        eprintln!("  filled in {:.1} s", start.elapsed().as_secs_f64());
        // A real token to verify; its first check of the day writes
        // last_used, so make that one before timing.
        let out = tokenctl(&bin, &db)
            .args(["new", "--name", "bench-real"])
            .stdout(Stdio::piped())
            .output()?;
        let real = format!("{}\n", String::from_utf8(out.stdout)?.trim_end()).into_bytes();
        let mut first = tokenctl(&bin, &db)
            .arg("verify")
            .stdin(Stdio::piped())
            .spawn()?;
        first.stdin.take().unwrap().write_all(&real)?;
        first.wait()?;

        if n == SIZES[0] {
            warm_beside_verify(&mut b, &bin, &db, &real, &sample_line, &stored)?;
        }
        let mut new_cmd = tokenctl(&bin, &db);
        new_cmd.args(["new", "--name", "bench-counted"]);
        b.count("new", &size, new_cmd, None)?;
        let mut verify_cmd = tokenctl(&bin, &db);
        verify_cmd.arg("verify");
        b.count("verify (good)", &size, verify_cmd, Some(&real))?;
        let mut unknown_cmd = tokenctl(&bin, &db);
        unknown_cmd.arg("verify");
        b.count("verify (unknown)", &size, unknown_cmd, Some(&unknown))?;
        // A token bound to an address, checked from it: the same work
        // but for the address (its first check wrote last_used already).
        let out = tokenctl(&bin, &db)
            .args([
                "new",
                "--name",
                "bench-bound",
                "--allow-from",
                "192.0.2.0/24",
            ])
            .stdout(Stdio::piped())
            .output()?;
        let bound = format!("{}\n", String::from_utf8(out.stdout)?.trim_end()).into_bytes();
        let mut first = tokenctl(&bin, &db)
            .args(["verify", "--from", "192.0.2.7"])
            .stdin(Stdio::piped())
            .spawn()?;
        first.stdin.take().unwrap().write_all(&bound)?;
        first.wait()?;
        let mut bound_cmd = tokenctl(&bin, &db);
        bound_cmd.args(["verify", "--from", "192.0.2.7"]);
        b.count(BOUND_VERIFY, &size, bound_cmd, Some(&bound))?;

        if here("new") {
            b.time(
                "new",
                &size,
                runs,
                None,
                |i| {
                    let mut c = tokenctl(&bin, &db);
                    c.args(["new", "--name", &format!("bench-new-{i}")]);
                    c
                },
                0,
            )?;
        }
        if n == SIZES[2] && here("modify") {
            // A change and its log entry (a new owner each run, so that
            // every run writes).
            b.time(
                "modify",
                &size,
                runs,
                None,
                |i| {
                    let mut c = tokenctl(&bin, &db);
                    c.args(["modify", "token-000077", "--owner", &format!("bench-{i}")]);
                    c
                },
                0,
            )?;
        }
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
                (
                    "log --format json",
                    vec!["log", "--format", "json"],
                    None,
                    0,
                    3,
                ),
            ]);
        }
        for (what, args, stdin, expect, n) in cases.into_iter().filter(|c| here(c.0)) {
            b.time(
                what,
                &size,
                n,
                stdin,
                |_| {
                    let mut c = tokenctl(&bin, &db);
                    c.args(&args);
                    c
                },
                expect,
            )?;
        }
        if n == SIZES[2] {
            big_store(&mut b, &bin, &db, &size, sqlite3, &real)?;
        }
    }

    if only_postgres {
        report::report(&b);
        if cleanup {
            let _ = std::fs::remove_dir_all(&scratch);
        }
        return Ok(());
    }
    if only_serve {
    } else if have("htpasswd") {
        peer::peer(&mut b)?;
    } else {
        eprintln!("peer skipped: htpasswd not found (apt-get install apache2-utils)");
    }
    serve::scan(&mut b, &bin)?;
    let buckets = rate_buckets_mib();
    eprintln!(
        "  {:<40} {buckets:>12.1} MiB",
        "rate buckets of 100,000 tokens (in-process)"
    );
    let (loads, flood, pg_cost) = serve::serve(&mut b, &bin)?;
    report::report(&b);
    report::serve(&b, &loads, flood, buckets, pg_cost.as_ref());
    if cleanup {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    Ok(())
}

/// The rows of the goal "verify, a whole process / a warm argon2 verify".
pub const WARM_BESIDE: &str = "argon2id verify (warm, timed beside verify)";
pub const VERIFY_BESIDE: &str = "verify (good, timed beside warm argon2)";

/// `verify` of the 1-token store as a whole process, run after run beside
/// a warm argon2 verification (a process of the bench's own that verifies
/// once to fault its memory in, then times a second one): the two sides
/// of that ratio at the same moments.
fn warm_beside_verify(
    b: &mut Bench,
    bin: &Path,
    db: &Path,
    real: &[u8],
    sample: &[u8],
    stored: &str,
) -> Result<()> {
    let (mut warm, mut verify, mut faults) = (Vec::new(), Vec::new(), 0);
    for _ in 0..b.runs {
        let mut c = Command::new(&b.exe);
        c.arg("--warm-verify")
            .env("BENCH_PHC", stored)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = c.spawn()?;
        child.stdin.take().unwrap().write_all(sample)?;
        let out = child.wait_with_output()?;
        let ms: f64 = String::from_utf8(out.stdout)?.trim().parse()?;
        warm.push(std::time::Duration::from_secs_f64(ms / 1000.0));
        let mut v = tokenctl(bin, db);
        v.arg("verify");
        let (took, f) = Bench::run_once(VERIFY_BESIDE, "1", v, Some(real), 0)?;
        verify.push(took);
        faults += f;
    }
    b.push(WARM_BESIDE, "-", warm, 0);
    b.push(VERIFY_BESIDE, "1", verify, faults);
    Ok(())
}

/// What a floor process verifies: the token on stdin, the PHC string in
/// `BENCH_PHC`.
fn floor_input() -> Result<(String, String)> {
    let mut t = String::new();
    std::io::stdin().read_line(&mut t)?;
    Ok((t.trim_end().to_owned(), std::env::var("BENCH_PHC")?))
}

/// The `verify` of a bound token, counted beside `verify (good)`.
pub const BOUND_VERIFY: &str = "verify (good, bound, --from)";

/// This process's resident memory now, in KiB.
fn rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .unwrap_or(0.0)
}

/// What the rate buckets of 100,000 tokens, none refilled, take: the
/// resident memory of a fresh process holding them, less that of one
/// holding none (MiB). Fresh processes: memory this one freed earlier
/// would hide the growth.
fn rate_buckets_mib() -> f64 {
    let held = |n: usize| -> Option<f64> {
        let exe = std::env::current_exe().ok()?;
        let out = Command::new(exe)
            .args(["--hold-buckets", &n.to_string()])
            .output()
            .ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    held(100_000)
        .zip(held(0))
        .map_or(f64::NAN, |(with, without)| {
            (with - without).max(0.0) / 1024.0
        })
}

/// At 100k tokens and 1M entries: the outputs beside SQLite's own shell
/// reading the same rows, and the peak memory of every streamed format.
fn big_store(
    b: &mut Bench,
    bin: &Path,
    db: &Path,
    size: &str,
    sqlite3: bool,
    real: &[u8],
) -> Result<()> {
    let runs = b.runs.min(7);
    if sqlite3 {
        let d = db.display();
        for (what, script) in [
            (
                "sqlite3 'select * from tokens'",
                format!("sqlite3 '{d}' 'select * from tokens' > /dev/null"),
            ),
            (
                "sqlite3 'select * from log', piped to sha256sum",
                format!("sqlite3 '{d}' 'select * from log' | sha256sum > /dev/null"),
            ),
        ] {
            b.time(what, size, runs, None, |_| shell(&script), 0)?;
        }
    }
    if std::env::var_os("PGHOST").is_some() {
        postgres_store(b, bin, db, size, real)?;
    } else {
        eprintln!("PostgreSQL skipped: PGHOST not set (run the bench inside pg_virtualenv)");
    }
    for args in [
        &["list"][..],
        &["list", "--format", "json"],
        &["list", "--format", "csv"],
        &["log"],
        &["log", "--format", "json"],
        &["log", "--format", "csv"],
        &["log", "verify"],
    ] {
        let mut cmd = tokenctl(bin, db);
        cmd.args(args);
        b.peak(&format!("peak: {}", args.join(" ")), size, &cmd)?;
    }
    Ok(())
}

/// The floor of any command on PostgreSQL: a fresh process's connection,
/// log-in (SCRAM) and one query.
pub const PG_CONNECT: &str = "PostgreSQL connect, log-in, one query (own process)";

/// The rows timed side by side with PostgreSQL's at 100k (the ratio goals
/// of `new`, `verify`, `modify` and `list`).
const PAIRED: [&str; 5] = [
    "new",
    "verify (good)",
    "modify",
    "list --format json",
    "list (table)",
];

/// The same store copied into PostgreSQL (the server `PGHOST` names):
/// the PAIRED commands timed run after run on each (`real` is SQLite's
/// good token), and the outputs' memory.
fn postgres_store(b: &mut Bench, bin: &Path, db: &Path, size: &str, real: &[u8]) -> Result<()> {
    let b_exe = b.exe.clone();
    let scratch = measure::PgScratch::new("store")?;
    let url = scratch.url.clone();
    eprintln!("  copying the store into PostgreSQL…");
    let start = Instant::now();
    let ok = tokenctl(bin, db)
        .args(["db", "copy", "--to", &url])
        .status()?
        .success();
    anyhow::ensure!(ok, "db copy into PostgreSQL failed");
    eprintln!("  copied in {:.1} s", start.elapsed().as_secs_f64());
    let pg = PathBuf::from(&url);
    let out = tokenctl(bin, &pg)
        .args(["new", "--name", "bench-pg-real"])
        .stdout(Stdio::piped())
        .output()?;
    let pg_real = format!("{}\n", String::from_utf8(out.stdout)?.trim_end()).into_bytes();
    let mut first = tokenctl(bin, &pg)
        .arg("verify")
        .stdin(Stdio::piped())
        .spawn()?;
    first.stdin.take().unwrap().write_all(&pg_real)?;
    first.wait()?;
    let runs = b.runs;
    b.time(
        PG_CONNECT,
        size,
        runs,
        None,
        |_| {
            let mut c = Command::new(&b_exe);
            c.arg("--floor-connect").env("BENCH_PG_URL", &url);
            c
        },
        0,
    )?;
    // (row, PostgreSQL's row, arguments of run i, stdin on each, runs)
    type Paired<'a> = (
        &'a str,
        &'a str,
        &'a dyn Fn(usize, &str) -> Vec<String>,
        Option<(&'a [u8], &'a [u8])>,
        usize,
    );
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let cases: [Paired; 5] = [
        (
            "new",
            "new (PostgreSQL)",
            &|i, side| args(&["new", "--name", &format!("bench-{side}-new-{i}")]),
            None,
            runs,
        ),
        (
            "verify (good)",
            "verify (good, PostgreSQL)",
            &|_, _| args(&["verify"]),
            Some((real, &pg_real)),
            runs,
        ),
        (
            "modify",
            "modify (PostgreSQL)",
            &|i, side| args(&["modify", "token-000077", "--owner", &format!("{side}-{i}")]),
            None,
            runs,
        ),
        (
            "list --format json",
            "list --format json (PostgreSQL)",
            &|_, _| args(&["list", "--format", "json"]),
            None,
            runs.min(7),
        ),
        (
            "list (table)",
            "list (table, PostgreSQL)",
            &|_, _| args(&["list"]),
            None,
            runs.min(7),
        ),
    ];
    for (what, pg_what, arguments, stdin, n) in cases {
        let mut on_sqlite = |i| {
            let mut c = tokenctl(bin, db);
            c.args(arguments(i, "sqlite"));
            c
        };
        let mut on_pg = |i| {
            let mut c = tokenctl(bin, &pg);
            c.args(arguments(i, "pg"));
            c
        };
        b.time_pair(
            size,
            n,
            0,
            measure::Side {
                what,
                stdin: stdin.map(|s| s.0),
                make: &mut on_sqlite,
            },
            measure::Side {
                what: pg_what,
                stdin: stdin.map(|s| s.1),
                make: &mut on_pg,
            },
        )?;
    }
    let mut list = tokenctl(bin, &pg);
    list.args(["list", "--format", "json"]);
    b.peak("peak: list --format json (PostgreSQL)", size, &list)?;
    let mut log = tokenctl(bin, &pg);
    log.args(["log", "--format", "json"]);
    b.peak("peak: log --format json (PostgreSQL)", size, &log)?;
    Ok(())
}
