//! The tables the benchmark prints: timings, instruction counts, peak
//! memory, and the goals with the ratios measured in this run.

use crate::measure::{Bench, ms};
use crate::{LOG_ENTRIES, SIZES};

pub(crate) fn report(b: &Bench) {
    if !b.instructions.is_empty() {
        println!("| what | tokens/log | instructions (callgrind) |");
        println!("|---|---|---:|");
        for (what, size, n) in &b.instructions {
            println!("| {what} | {size} | {n} |");
        }
        println!();
    }
    if !b.rss.is_empty() {
        println!("| what | tokens/log | peak memory (max RSS) MiB |");
        println!("|---|---|---:|");
        for (what, size, kib) in &b.rss {
            println!("| {what} | {size} | {:.1} |", *kib as f64 / 1024.0);
        }
        println!();
    }
    println!("| what | tokens/log | median ms | min ms | max ms | runs | page faults a run |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &b.rows {
        let s = r.sorted();
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {} | {} |",
            r.what,
            r.size,
            r.median(),
            ms(s[0]),
            ms(s[s.len() - 1]),
            s.len(),
            r.faults.map_or("-".to_owned(), |f| format!("{f:.0}"))
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
            let shown = match unit {
                "x" => format!("{v:.3}x"),
                "MiB" => format!("{v:.1} MiB"),
                _ => format!("{v:.1} ms"),
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
    goal(
        "verify of a bound token (--from) / of an unbound one, at 1 token, instructions (≤ 1.005)",
        b.instructions_of(crate::BOUND_VERIFY, "1")
            .zip(b.instructions_of("verify (good)", "1"))
            .map(|(v, f)| v / f),
        "x",
        1.005,
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
        "verify, a whole process / a warm argon2 verify, timed run after run (≤ 1.25)",
        b.median_of(crate::VERIFY_BESIDE, "1")
            .zip(b.median_of(crate::WARM_BESIDE, "-"))
            .map(|(v, f)| v / f),
        "x",
        1.25,
    );
    goal(
        "verify, a whole process / bare argon2 verify in a warm process, timed apart (≤ 1.25)",
        v1.zip(floor).map(|(v, f)| v / f),
        "x",
        1.25,
    );
    let process_floor = b.median_of("argon2id verify (own process)", "-");
    goal(
        "verify / bare argon2 verify in its own process (≤ 1.15)",
        v1.zip(process_floor).map(|(v, f)| v / f),
        "x",
        1.15,
    );
    goal(
        "list --format json of 100k tokens / sqlite3 'select * from tokens' (≤ 2)",
        b.median_of("list --format json", &big)
            .zip(b.median_of("sqlite3 'select * from tokens'", &big))
            .map(|(t, s)| t / s),
        "x",
        2.0,
    );
    goal(
        "log verify of 1M entries / sqlite3 'select * from log', piped to sha256sum (≤ 3)",
        b.median_of("log verify", &big)
            .zip(b.median_of("sqlite3 'select * from log', piped to sha256sum", &big))
            .map(|(t, s)| t / s),
        "x",
        3.0,
    );
    if let Some((v, f)) = b
        .faults_of("verify (good)", "1")
        .zip(b.faults_of("argon2id verify (own process)", "-"))
    {
        println!(
            "| (for comparison) page faults a run: verify at 1 token / bare argon2 verify in its own process | {v:.0} / {f:.0} | - |"
        );
    }
    if let Some(connect) = b.median_of(crate::PG_CONNECT, &big) {
        println!(
            "| (for comparison) a fresh PostgreSQL connection, log-in and one query, its own process | {connect:.1} ms | - |"
        );
    }
    for (pg, sqlite, limit) in [
        ("new (PostgreSQL)", "new", 1.2),
        ("verify (good, PostgreSQL)", "verify (good)", 1.2),
        ("modify (PostgreSQL)", "modify", 1.2),
        ("list --format json (PostgreSQL)", "list --format json", 1.2),
        ("list (table, PostgreSQL)", "list (table)", 1.2),
    ] {
        goal(
            &format!("{pg} / on SQLite, 100k tokens (≤ {limit})"),
            b.median_of(pg, &big)
                .zip(b.median_of(sqlite, &big))
                .map(|(p, s)| p / s),
            "x",
            limit,
        );
    }
    goal(
        "scan of 200 MB / rg -c on the same tree (≤ 2: at least half its speed)",
        b.median_of("scan of a 200 MB tree", "-")
            .zip(b.median_of("rg -c 'tk[ca]1[A-Za-z0-9]{46}' (same tree)", "-"))
            .map(|(s, r)| s / r),
        "x",
        2.0,
    );
    for (what, size, kib) in &b.rss {
        goal(
            &format!("{what} at {size}, MiB (≤ 64)"),
            Some(*kib as f64 / 1024.0),
            "MiB",
            64.0,
        );
    }
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

/// The serve section: its loads beside the ceiling, the peer and the floor.
pub(crate) fn serve(
    b: &Bench,
    loads: &[crate::serve::Load],
    floods: crate::serve::Flood,
    buckets_mib: f64,
    pg_cost: Option<&crate::serve::PgCost>,
) {
    if loads.is_empty() {
        return;
    }
    println!();
    println!("| load (wrk, 2 threads, 16 connections) | requests/s |");
    println!("|---|---:|");
    for l in loads {
        println!("| {} | {:.0} |", l.what, l.rps);
    }
    let rps = |what: &str| loads.iter().find(|l| l.what == what).map(|l| l.rps);
    let cores = floods.as_ref().map_or(2, |(_, c)| *c) as f64;
    let floor = b
        .median_of("argon2id verify (in-process)", "-")
        .map(|ms| cores * 1000.0 / ms);
    let remembered = rps("nginx + serve, one remembered token");
    let cold = rps("nginx + serve, every check argon2");
    println!();
    println!("| goal | measured | met |");
    println!("|---|---|---|");
    let goal = |name: &str, value: Option<f64>, limit: f64, at_least: bool| {
        if let Some(v) = value {
            let met = if at_least { v >= limit } else { v <= limit };
            println!("| {name} | {v:.3} | {} |", if met { "yes" } else { "no" });
        }
    };
    goal(
        "remembered token through nginx / nginx static (≥ 0.20)",
        remembered
            .zip(rps("nginx static file (ceiling)"))
            .map(|(a, b)| a / b),
        0.20,
        true,
    );
    goal(
        "remembered token through nginx / nginx auth_basic bcrypt (≥ 200)",
        remembered
            .zip(rps("nginx auth_basic, bcrypt cost 8 (peer)"))
            .map(|(a, b)| a / b),
        200.0,
        true,
    );
    goal(
        "every check argon2 / the argon2 floor, cores ÷ one verification (≥ 0.90)",
        cold.zip(floor).map(|(a, f)| a / f),
        0.90,
        true,
    );
    if let Some(v) = cold
        .zip(rps(crate::serve::ARGON2_ALONE))
        .map(|(a, f)| a / f)
    {
        println!(
            "| (for comparison) every check argon2 / argon2 alone on every core at once | {v:.3} | - |"
        );
    }
    goal(
        "remembered bound token through nginx / remembered unbound (≥ 0.95)",
        rps(crate::serve::BOUND_REMEMBERED)
            .zip(remembered)
            .map(|(a, b)| a / b),
        0.95,
        true,
    );
    goal(
        "remembered token through nginx, on PostgreSQL / on SQLite, medians of runs by turns (≥ 0.8)",
        rps(crate::serve::PG_REMEMBERED)
            .zip(rps(crate::serve::SQLITE_BY_TURNS))
            .map(|(a, b)| a / b),
        0.8,
        true,
    );
    if let Some(c) = pg_cost {
        println!(
            "| (for the cluster) PostgreSQL per remembered check: transactions, µs of server CPU | {:.2}, {:.0} | - |",
            c.commits, c.cpu_us
        );
    }
    goal(
        "rate buckets of 100,000 tokens, none refilled, in-process, MiB (≤ 64)",
        Some(buckets_mib),
        64.0,
        false,
    );
    if let Some((floods, slots)) = floods {
        let limit = 64.0 + 20.0 * slots as f64;
        for (what, kib) in floods {
            if what.contains("distinct") {
                goal(
                    &format!("serve's peak memory under {what}, MiB (≤ 64)"),
                    Some(kib as f64 / 1024.0),
                    64.0,
                    false,
                );
                continue;
            }
            goal(
                &format!("serve's peak memory under {what}, MiB (≤ 64 + 20 × {slots} = {limit})"),
                Some(kib as f64 / 1024.0),
                limit,
                false,
            );
        }
    }
}
