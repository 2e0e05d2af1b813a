//! `tokenctl serve` under load from wrk, beside the limits measured in the
//! same run: nginx serving a static file (the ceiling), nginx `auth_basic`
//! with a bcrypt htpasswd file (what peers would pick), and the argon2
//! floor (cores ÷ one verification's time).

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::measure::{Bench, have, tokenctl};

/// What one wrk run reached, in requests per second.
pub(crate) struct Load {
    pub what: String,
    pub rps: f64,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for(port: u16) -> Result<()> {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            bail!("nothing listens on {port}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// What one wrk run did: requests per second, the non-2xx count, and the
/// requests in all.
struct Wrk {
    rps: f64,
    bad: u64,
    requests: u64,
}

/// wrk for a few seconds.
fn wrk(port: u16, path: &str, script: Option<&Path>, seconds: u32) -> Result<Wrk> {
    let mut c = Command::new("wrk");
    c.args(["-t2", "-c16", &format!("-d{seconds}s"), "--latency"]);
    if let Some(s) = script {
        c.arg("-s").arg(s);
    }
    c.arg(format!("http://127.0.0.1:{port}{path}"));
    let out = c.output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no rate from wrk: {text}"))?;
    let bad = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    // "  123456 requests in 3.00s, …"
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .with_context(|| format!("no request count from wrk: {text}"))?;
    Ok(Wrk { rps, bad, requests })
}

/// A wrk script that sends each request with the next header of `lines`.
fn rotating_script(dir: &Path, name: &str, headers: &[String]) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.lua"));
    let mut f = std::fs::File::create(&path)?;
    writeln!(f, "local h = {{")?;
    for line in headers {
        writeln!(f, "  {line:?},")?;
    }
    writeln!(
        f,
        "}}\nlocal i = 0\nrequest = function()\n  i = i % #h + 1\n  wrk.headers[\"Authorization\"] = h[i]\n  return wrk.format(nil)\nend"
    )?;
    Ok(path)
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nginx(dir: &Path, port: u16, server: &str) -> Result<Running> {
    let d = dir.display();
    let conf = format!(
        "daemon off; master_process off; worker_processes 2; user root;
         pid {d}/nginx-{port}.pid; error_log {d}/nginx-{port}.log;
         events {{ worker_connections 256; }}
         http {{
           access_log off;
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
           fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
           upstream tokenctl {{ server 127.0.0.1:{server}; keepalive 32; }}
           server {{
             listen 127.0.0.1:{port};
             root {d}/www;
             location /static/ {{ }}
             location /basic/ {{ auth_basic \"bench\"; auth_basic_user_file {d}/htpasswd; alias {d}/www/static/; }}
             location /protected/ {{ auth_request /_auth; alias {d}/www/static/; }}
             location = /_auth {{
               internal;
               proxy_pass http://tokenctl/auth;
               proxy_set_header X-Forwarded-For $remote_addr;
               proxy_http_version 1.1;
               proxy_set_header Connection \"\";
               proxy_pass_request_body off;
               proxy_set_header Content-Length \"\";
             }}
           }}
         }}"
    );
    let path = dir.join(format!("nginx-{port}.conf"));
    std::fs::write(&path, conf)?;
    let child = Command::new("nginx")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(dir)
        .stderr(Stdio::null())
        .spawn()?;
    wait_for(port)?;
    Ok(Running(child))
}

/// The load row of a remembered token bound to an address and a rate.
pub(crate) const BOUND_REMEMBERED: &str = "nginx + serve, one remembered bound token";

/// How many distinct rate-limited tokens flood serve.
pub(crate) const DISTINCT: usize = 1_000;

/// Serve's peak memory (KiB) under a flood of `n` distinct rate-limited
/// tokens, every one of them checked and remembered at once (serve keeps
/// them for `--cache-ttl 1d`, the longest it takes): the rate buckets and
/// remembered tokens grow with them. Each distinct good token costs one
/// real argon2 hash to make and one to check first (about 25 ms of a core
/// each), so the bench runs 1,000 of them; `--only-distinct 100000` runs
/// the contract's 100,000 (about an hour on two cores).
pub(crate) fn distinct_flood(
    bin: &Path,
    dir: &Path,
    n: usize,
    cores: usize,
    seconds: u32,
) -> Result<(String, u64)> {
    std::fs::create_dir_all(dir)?;
    let rated_db = dir.join(format!("rated-{n}.db"));
    let _ = std::fs::remove_file(&rated_db);
    let start = Instant::now();
    let secrets = tokenctl::bench_support::fill_distinct(&rated_db, n, "1000000/1s")?;
    eprintln!(
        "  {n} distinct tokens made in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    let (flood, port) = start_serve(bin, &rated_db, &["--cache-ttl", "1d"])?;
    let headers: Vec<String> = secrets.iter().map(|t| format!("Bearer {t}")).collect();
    // Every token's first (argon2) check, as many at once as serve hashes:
    // a flood through wrk alone left most tokens unchecked (its requests
    // found the hashing slots full and were answered 503).
    let start = Instant::now();
    let passed = first_checks(port, &headers, cores)?;
    eprintln!(
        "  {passed} of {n} tokens passed their first check in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    anyhow::ensure!(passed == n, "only {passed} of {n} tokens passed");
    // Then all of them again, remembered, at full speed.
    let script = rotating_script(dir, &format!("rated-{n}"), &headers)?;
    let mut c = Command::new("wrk");
    c.args(["-t2", "-c64", &format!("-d{seconds}s")])
        .arg("-s")
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}/auth"))
        .stdout(Stdio::null());
    c.status()?;
    Ok((
        format!("a flood of {n} distinct rate-limited tokens"),
        peak_kib(flood.0.id()),
    ))
}

/// The status of one `GET /auth` with the `Authorization` value `header`,
/// on a connection of its own.
fn status_of(port: u16, header: &str) -> Result<u16> {
    use std::io::Read;
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        c,
        "GET /auth HTTP/1.1\r\nHost: bench\r\nAuthorization: {header}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0; 12];
    c.read_exact(&mut head)?;
    std::str::from_utf8(&head[9..12])?
        .parse()
        .context("a status code")
}

/// Each token's first check, `cores` at a time (serve's hashing slots),
/// each asked again while serve answers 503 (its slots full). Returns how
/// many were good.
fn first_checks(port: u16, headers: &[String], cores: usize) -> Result<usize> {
    let each = headers.len().div_ceil(cores.max(1)).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = headers
            .chunks(each)
            .map(|part| {
                scope.spawn(move || -> Result<usize> {
                    let mut passed = 0;
                    for header in part {
                        loop {
                            match status_of(port, header)? {
                                503 => std::thread::sleep(Duration::from_millis(5)),
                                200 => {
                                    passed += 1;
                                    break;
                                }
                                _ => break,
                            }
                        }
                    }
                    Ok(passed)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a checking thread"))
            .sum()
    })
}

/// The load row of argon2 alone on every core (not through HTTP).
pub(crate) const ARGON2_ALONE: &str = "argon2 alone, every core at once (no HTTP)";

/// Verifications per second with `cores` threads verifying at once, each
/// in its own warm working memory, for `seconds`.
fn all_cores(token: &str, cores: usize, seconds: u32) -> Result<f64> {
    let stored = tokenctl::token::hash(token)?;
    let until = Instant::now() + Duration::from_secs(seconds.into());
    let start = Instant::now();
    let done: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| {
                    let mut memory = tokenctl::token::Memory::new();
                    let mut n = 0;
                    while Instant::now() < until {
                        assert!(tokenctl::token::matches_in(token, &stored, &mut memory));
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    Ok(done as f64 / start.elapsed().as_secs_f64())
}

/// Peak resident memory of a running process, in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Serve's peak memory under each flood (what, KiB), and its hashing slots.
pub(crate) type Flood = Option<(Vec<(String, u64)>, usize)>;

/// `tokenctl serve` on port 0, and the port its `listening on` line gives.
fn start_serve(bin: &Path, db: &Path, extra: &[&str]) -> Result<(Running, u16)> {
    use std::io::BufRead;
    let mut c = tokenctl(bin, db);
    c.args(["serve", "--quiet", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped());
    let mut child = c.spawn()?;
    let stderr = child.stderr.take().context("serve's stderr")?;
    let running = Running(child);
    let mut lines = std::io::BufReader::new(stderr).lines();
    let addr = lines
        .next()
        .context("serve said nothing")??
        .strip_prefix("listening on ")
        .map(str::to_owned)
        .context("serve's first line is not `listening on ADDR`")?;
    // Keep draining stderr so that serve never blocks on it.
    std::thread::spawn(move || lines.for_each(drop));
    let port = addr
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .context("a port")?;
    Ok((running, port))
}

/// `n` clients at once, each sending `request` on its own connection and
/// hanging up after `patience` (abandoned requests), for `seconds`.
fn abandoning(port: u16, request: &str, n: usize, patience: Duration, seconds: u32) {
    use std::io::Read;
    let until = Instant::now() + Duration::from_secs(seconds.into());
    std::thread::scope(|scope| {
        for _ in 0..n {
            scope.spawn(|| {
                while Instant::now() < until {
                    let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                        continue;
                    };
                    let _ = c.write_all(request.as_bytes());
                    let _ = c.set_read_timeout(Some(patience));
                    let mut buf = [0u8; 256];
                    let _ = c.read(&mut buf);
                }
            });
        }
    });
}

/// The whole serve section; returns the loads and the memory under a flood.
pub(crate) fn serve(b: &mut Bench, bin: &Path) -> Result<(Vec<Load>, Flood, Option<PgCost>)> {
    if !(have("wrk") && have("nginx") && have("htpasswd")) {
        eprintln!(
            "serve skipped: needs wrk, nginx and htpasswd (apt-get install wrk nginx apache2-utils)"
        );
        return Ok((Vec::new(), None, None));
    }
    let dir = b.dir.join("serve");
    std::fs::create_dir_all(dir.join("www/static"))?;
    std::fs::write(dir.join("www/static/index.html"), "hello\n")?;
    let ok = Command::new("htpasswd")
        .args(["-cbB", "-C", "8"])
        .arg(dir.join("htpasswd"))
        .args(["user", "pw"])
        .stderr(Stdio::null())
        .status()?
        .success();
    anyhow::ensure!(ok, "htpasswd failed");
    let db = dir.join("serve.db");
    let _ = std::fs::remove_file(&db);
    // Tokens: one to remember, many for cold checks, and a flood of wrong
    // secrets for a known prefix.
    let mut tokens = Vec::new();
    for i in 0..40 {
        let out = tokenctl(bin, &db)
            .args(["new", "--name", &format!("serve-{i}")])
            .stdout(Stdio::piped())
            .output()?;
        tokens.push(String::from_utf8(out.stdout)?.trim().to_owned());
    }
    // A token bound to where wrk runs, and to a rate it never reaches.
    let out = tokenctl(bin, &db)
        .args([
            "new",
            "--name",
            "serve-bound",
            "--allow-from",
            "127.0.0.1",
            "--rate",
            "1000000000/1s",
        ])
        .stdout(Stdio::piped())
        .output()?;
    let bound = String::from_utf8(out.stdout)?.trim().to_owned();
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let (server, serve_port) = start_serve(bin, &db, &[])?;
    let nginx_port = free_port()?;
    let proxy = nginx(&dir, nginx_port, &serve_port.to_string())?;
    let seconds = if b.runs < 21 { 3 } else { 6 };
    let mut loads = Vec::new();
    let run =
        |loads: &mut Vec<Load>, what: &str, path: &str, script: Option<&Path>| -> Result<()> {
            let Wrk { rps, bad, .. } = wrk(nginx_port, path, script, seconds)?;
            eprintln!("  {what:<40} {rps:>12.0} requests/s ({bad} non-2xx)");
            loads.push(Load {
                what: what.into(),
                rps,
            });
            Ok(())
        };
    run(
        &mut loads,
        "nginx static file (ceiling)",
        "/static/index.html",
        None,
    )?;
    let basic = rotating_script(&dir, "basic", &["Basic dXNlcjpwdw==".to_owned()])?;
    run(
        &mut loads,
        "nginx auth_basic, bcrypt cost 8 (peer)",
        "/basic/index.html",
        Some(&basic),
    )?;
    let one = rotating_script(&dir, "one", &[format!("Bearer {}", tokens[0])])?;
    run(
        &mut loads,
        "nginx + serve, one remembered token",
        "/protected/index.html",
        Some(&one),
    )?;
    let one_bound = rotating_script(&dir, "one-bound", &[format!("Bearer {bound}")])?;
    run(
        &mut loads,
        BOUND_REMEMBERED,
        "/protected/index.html",
        Some(&one_bound),
    )?;
    // SQLite's serve and nginx stay up: the PostgreSQL runs take turns
    // with runs of the same load on them.
    let cost = if std::env::var_os("PGHOST").is_some() {
        Some(postgres_remembered(
            bin,
            &dir,
            (nginx_port, &one),
            seconds,
            &mut loads,
        )?)
    } else {
        eprintln!(
            "serve on PostgreSQL skipped: PGHOST not set (run the bench inside pg_virtualenv)"
        );
        None
    };
    drop(server);
    drop(proxy);
    // Cold: a fresh serve that remembers nothing, every request another token.
    let (cold, serve_port) = start_serve(bin, &db, &["--cache-ttl", "0s"])?;
    let _proxy = nginx(&dir, nginx_port, &serve_port.to_string())?;
    // What the machine allows: argon2 alone on every core at once, in
    // warm memory, no HTTP (cores share caches and memory bandwidth).
    let alone = all_cores(&tokens[0], cores, seconds)?;
    eprintln!(
        "  {:<40} {alone:>12.0} verifications/s",
        "argon2 alone, every core at once"
    );
    loads.push(Load {
        what: ARGON2_ALONE.into(),
        rps: alone,
    });
    let many: Vec<String> = tokens.iter().map(|t| format!("Bearer {t}")).collect();
    let rotate = rotating_script(&dir, "many", &many)?;
    run(
        &mut loads,
        "nginx + serve, every check argon2",
        "/protected/index.html",
        Some(&rotate),
    )?;
    drop(cold);
    // Floods straight at serve, each on a fresh one: wrong secrets for
    // known prefixes; exchanges with a good token (each hashes a new access
    // token); and wrong secrets from clients that hang up after 200 ms.
    let mut floods = Vec::new();
    let wrong: Vec<String> = tokens
        .iter()
        .map(|t| {
            let body = format!("{}{}", &t[..12], "W".repeat(32));
            format!("Bearer {body}{}", tokenctl::token::checksum(&body))
        })
        .collect();
    {
        let (flood, port) = start_serve(bin, &db, &[])?;
        let wrong_script = rotating_script(&dir, "wrong", &wrong)?;
        let mut c = Command::new("wrk");
        c.args(["-t2", "-c64", &format!("-d{seconds}s")])
            .arg("-s")
            .arg(&wrong_script)
            .arg(format!("http://127.0.0.1:{port}/auth"))
            .stdout(Stdio::null());
        c.status()?;
        floods.push(("a wrong-secret flood".to_owned(), peak_kib(flood.0.id())));
    }
    {
        let (flood, port) = start_serve(bin, &db, &[])?;
        let script = dir.join("exchange.lua");
        std::fs::write(
            &script,
            format!(
                "wrk.method = \"POST\"\nwrk.headers[\"Authorization\"] = \"Bearer {}\"\n",
                tokens[1]
            ),
        )?;
        let mut c = Command::new("wrk");
        c.args(["-t2", "-c64", &format!("-d{seconds}s")])
            .arg("-s")
            .arg(&script)
            .arg(format!("http://127.0.0.1:{port}/v1/exchange"))
            .stdout(Stdio::null());
        c.status()?;
        floods.push(("an exchange flood".to_owned(), peak_kib(flood.0.id())));
    }
    {
        let (flood, port) = start_serve(bin, &db, &[])?;
        let request = format!(
            "GET /auth HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
            wrong[2]
        );
        abandoning(port, &request, 200, Duration::from_millis(200), seconds);
        floods.push((
            "an abandoned-request flood".to_owned(),
            peak_kib(flood.0.id()),
        ));
    }
    floods.push(distinct_flood(bin, &dir, DISTINCT, cores, seconds)?);
    for (what, kib) in &floods {
        eprintln!(
            "  {:<40} {:>12.1} MiB peak, {cores} hashing slots",
            format!("serve under {what}"),
            *kib as f64 / 1024.0
        );
    }
    Ok((loads, Some((floods, cores)), cost))
}

/// The load row of a remembered token on PostgreSQL.
pub(crate) const PG_REMEMBERED: &str = "nginx + serve on PostgreSQL, one remembered token";
/// The same load on SQLite, run by turns with [`PG_REMEMBERED`].
pub(crate) const SQLITE_BY_TURNS: &str =
    "nginx + serve, one remembered token, by turns with PostgreSQL";

/// What a check costs the PostgreSQL server.
pub(crate) struct PgCost {
    /// Transactions committed per check (a statement outside a
    /// transaction counts one), serve's start-up included.
    pub commits: f64,
    /// CPU time of the server's processes per check, µs.
    pub cpu_us: f64,
}

/// CPU time so far of every PostgreSQL server process, in seconds.
fn postgres_cpu() -> f64 {
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state … utime stime: fields 14 and 15.
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        if !comm.ends_with("(postgres") {
            continue;
        }
        let fields: Vec<&str> = rest.split(' ').collect();
        let field = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        total += (field(11) + field(12)) / ticks;
    }
    total
}

/// `serve` on a PostgreSQL store (the server `PGHOST` names) behind an
/// nginx of its own, one remembered token, run by turns with the same load
/// on SQLite's nginx and serve (`sqlite`: its port and wrk script; the
/// machine's noise then falls on both sides alike): the median rates, and
/// what each check cost the server.
fn postgres_remembered(
    bin: &Path,
    dir: &Path,
    sqlite: (u16, &Path),
    seconds: u32,
    loads: &mut Vec<Load>,
) -> Result<PgCost> {
    const TURNS: usize = 3;
    let mut scratch = crate::measure::PgScratch::new("serve")?;
    let pg = PathBuf::from(&scratch.url);
    let out = tokenctl(bin, &pg)
        .args(["new", "--name", "serve-pg"])
        .stdout(Stdio::piped())
        .output()?;
    anyhow::ensure!(out.status.success(), "new on PostgreSQL failed");
    let token = String::from_utf8(out.stdout)?.trim().to_owned();
    // A backend reports its statistics when it ends, at the latest: the
    // count is read before serve starts and after it has stopped.
    std::thread::sleep(Duration::from_millis(500));
    let commits = scratch.commits()?;
    let (server, serve_port) = start_serve(bin, &pg, &[])?;
    let nginx_port = free_port()?;
    // Its pid and log files are named by port, beside SQLite's nginx.
    let proxy = nginx(dir, nginx_port, &serve_port.to_string())?;
    let script = rotating_script(dir, "one-pg", &[format!("Bearer {token}")])?;
    // Remembered, and its last_used of today written, before the timing.
    let warm = wrk(nginx_port, "/protected/index.html", Some(&script), 1)?;
    let (mut pg_rates, mut sqlite_rates, mut requests, mut bad) = (vec![], vec![], 0, 0);
    let mut cpu = 0.0;
    for _ in 0..TURNS {
        sqlite_rates.push(wrk(sqlite.0, "/protected/index.html", Some(sqlite.1), seconds)?.rps);
        let before = postgres_cpu();
        let run = wrk(nginx_port, "/protected/index.html", Some(&script), seconds)?;
        cpu += postgres_cpu() - before;
        pg_rates.push(run.rps);
        requests += run.requests;
        bad += run.bad;
    }
    drop(proxy);
    drop(server);
    std::thread::sleep(Duration::from_millis(1500));
    let commits = (scratch.commits()? - commits) as f64 / (warm.requests + requests) as f64;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (rps, beside) = (median(pg_rates), median(sqlite_rates));
    eprintln!("  {PG_REMEMBERED:<40} {rps:>12.0} requests/s ({bad} non-2xx)");
    eprintln!("  {SQLITE_BY_TURNS:<40} {beside:>12.0} requests/s");
    loads.push(Load {
        what: PG_REMEMBERED.into(),
        rps,
    });
    loads.push(Load {
        what: SQLITE_BY_TURNS.into(),
        rps: beside,
    });
    let cost = PgCost {
        commits,
        cpu_us: cpu * 1e6 / requests as f64,
    };
    eprintln!(
        "  PostgreSQL per check: {:.2} transactions, {:.0} µs of CPU",
        cost.commits, cost.cpu_us
    );
    Ok(cost)
}

/// `scan` of a tree of about 200 MB of text beside ripgrep on the same tree
/// with the token's pattern (same walker and matcher, plus a checksum per
/// candidate). Medians in ms: (tokenctl, rg).
pub(crate) fn scan(b: &mut Bench, bin: &Path) -> Result<()> {
    if !have("rg") {
        eprintln!("scan skipped: ripgrep not found (apt-get install ripgrep)");
        return Ok(());
    }
    let tree = b.dir.join("scan-tree");
    if !tree.exists() {
        eprintln!("  writing a 200 MB tree…");
        let real = tokenctl::token::generate_with_prefix(tokenctl::token::Kind::Api, "ScanBnch")?;
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const WORDS: [&str; 12] = [
            "token",
            "device",
            "pool",
            "request",
            "GET",
            "/api/v1/data",
            "200",
            "user=alice",
            "tkc1",
            "latency_ms=12",
            "plant-a",
            "Authorization:",
        ];
        for d in 0..20 {
            let dir = tree.join(format!("d{d:02}"));
            std::fs::create_dir_all(&dir)?;
            for f in 0..100 {
                let mut text = String::with_capacity(105_000);
                let mut line = 0;
                while text.len() < 100_000 {
                    line += 1;
                    for _ in 0..10 {
                        text.push_str(WORDS[(next() % 12) as usize]);
                        text.push(' ');
                    }
                    if line % 997 == 0 {
                        // A look-alike now and then, a real token rarely.
                        text.push_str(&format!("tkc1{:046}", next() % 1_000_000));
                        if (d * 100 + f) % 50 == 0 {
                            text.push(' ');
                            text.push_str(real.as_str());
                        }
                    }
                    text.push('\n');
                }
                std::fs::write(dir.join(format!("f{f:03}.log")), text)?;
            }
        }
    }
    let runs = b.runs.min(7);
    let nodb = b.dir.join("scan-none.db");
    let t = tree.clone();
    b.time(
        "scan of a 200 MB tree",
        "-",
        runs,
        None,
        |_| {
            let mut c = tokenctl(bin, &nodb);
            c.arg("scan").arg(&t);
            c
        },
        1,
    )?;
    let t = tree.clone();
    b.time(
        "rg -c 'tk[ca]1[A-Za-z0-9]{46}' (same tree)",
        "-",
        runs,
        None,
        |_| {
            let mut c = Command::new("rg");
            c.args(["-c", "tk[ca]1[A-Za-z0-9]{46}"])
                .arg(&t)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c
        },
        0,
    )?;
    Ok(())
}
