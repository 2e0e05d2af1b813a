//! `serve` against a hostile client (issue 19): headers that try to relax
//! the proxy's requirements, forged identity and method headers through the
//! README's own proxy recipes, floods that try to take serve's memory or its
//! hashing slots, and slow or abandoned requests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::Env;
use crate::serve::{Serve, bearer, get, http, readme_block, upstream};

/// `/auth` with `query` and `headers` and the token: the status.
fn auth(s: &Serve, query: &str, t: &str, headers: &[(&str, &str)]) -> crate::serve::Reply {
    let b = bearer(t);
    let mut all = vec![("Authorization", b.as_str())];
    all.extend_from_slice(headers);
    get(s.port, &format!("/auth{query}"), &all)
}

#[test]
fn a_client_header_never_relaxes_the_proxys_requirement() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.ok(&["pool", "add", "plant-b"]);
    let a = env.new_token("a", &["--pool", "plant-a", "--read-only"]);
    let b = env.new_token("b", &["--pool", "plant-b", "--read-only"]);
    let s = Serve::start(&env, &["--quiet"]);
    // The finding: ?pool=plant-a plus a client's X-Tokenctl-Pool: plant-b
    // let a plant-b token through.
    let r = auth(&s, "?pool=plant-a", &b, &[("X-Tokenctl-Pool", "plant-b")]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["reason"], "pool");
    // Two different pools: no token is in both.
    let r = auth(&s, "?pool=plant-a", &a, &[("X-Tokenctl-Pool", "plant-b")]);
    assert_eq!(r.status, 403);
    assert_eq!(
        auth(&s, "?pool=plant-a", &a, &[("X-Tokenctl-Pool", "plant-a")]).status,
        200
    );
    // Access: a header `read` cannot lower the query's `write`.
    let r = auth(&s, "?access=write", &a, &[("X-Tokenctl-Access", "read")]);
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["reason"], "access");
    // And the header can add to the query.
    assert_eq!(
        auth(&s, "?access=read", &a, &[("X-Tokenctl-Access", "write")]).status,
        403
    );
}

#[test]
fn a_requirement_that_is_not_understood_fails_closed() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("rw", &["--pool", "plant-a"]);
    let s = Serve::start(&env, &["--quiet"]);
    for (query, headers) in [
        ("?access=WRITE", vec![]),
        ("?access=read-write", vec![]),
        ("?access=rw", vec![]),
        ("?access=read&access=write", vec![]),
        ("?pool=", vec![]),
        ("?pool=plant-a&pool=plant-b", vec![]),
        ("", vec![("X-Tokenctl-Access", "rw")]),
        ("", vec![("X-Tokenctl-Pool", "")]),
    ] {
        let r = auth(&s, query, &t, &headers);
        assert_eq!(r.status, 400, "{query} {headers:?}: {}", r.body);
        let v = r.json();
        assert_eq!(v["valid"], false);
        assert!(v.get("reason").is_none() && v["error"].is_string(), "{v}");
    }
    // The same for /v1/verify.
    let r = http(
        s.port,
        &format!("POST /v1/verify?access=WRITE HTTP/1.1\r\nAuthorization: Bearer {t}"),
        "",
    );
    assert_eq!(r.status, 400);
    // A key given twice with the same value is one requirement.
    assert_eq!(auth(&s, "?access=read&access=read", &t, &[]).status, 200);
}

#[test]
fn access_auto_follows_the_clients_method() {
    let env = Env::new();
    let ro = env.new_token("ro", &["--read-only"]);
    let rw = env.new_token("rw", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    for (method, ro_status) in [
        ("GET", 200),
        ("HEAD", 200),
        ("OPTIONS", 200),
        ("POST", 403),
        ("PUT", 403),
        ("DELETE", 403),
        ("PATCH", 403),
    ] {
        for header in ["X-Original-Method", "X-Forwarded-Method"] {
            assert_eq!(
                auth(&s, "?access=auto", &ro, &[(header, method)]).status,
                ro_status,
                "{header}: {method}"
            );
            assert_eq!(
                auth(&s, "?access=auto", &rw, &[(header, method)]).status,
                200
            );
        }
    }
    // No method header: auto needs write.
    assert_eq!(auth(&s, "?access=auto", &ro, &[]).status, 403);
    // Both headers: a forged GET cannot hide the real DELETE.
    let both = [
        ("X-Forwarded-Method", "GET"),
        ("X-Original-Method", "DELETE"),
    ];
    assert_eq!(auth(&s, "?access=auto", &ro, &both).status, 403);
    // No access requirement: the method counts when a proxy says it.
    assert_eq!(
        auth(&s, "", &ro, &[("X-Original-Method", "POST")]).status,
        403
    );
    assert_eq!(auth(&s, "", &ro, &[]).status, 200);
    // The proxy's own access=read turns the method off; a header read does not.
    assert_eq!(
        auth(&s, "?access=read", &ro, &[("X-Original-Method", "POST")]).status,
        200
    );
    assert_eq!(
        auth(
            &s,
            "",
            &ro,
            &[("X-Tokenctl-Access", "read"), ("X-Original-Method", "POST")]
        )
        .status,
        403
    );
}

/// Every identity, method and forwarding header a client might forge.
/// (`X-Tokenctl-Pool` is also a requirement: see [`forging`].)
const FORGED: [(&str, &str); 8] = [
    ("X-Tokenctl-Name", "forged-admin"),
    ("X-Tokenctl-Prefix", "Forged00"),
    ("X-Tokenctl-Access", "read"),
    ("X-Tokenctl-Owner", "forged-owner"),
    ("X-Original-Method", "GET"),
    ("X-Forwarded-Method", "GET"),
    ("X-Forwarded-For", "203.0.113.7"),
    ("X-Real-IP", "203.0.113.7"),
];

/// A request through the proxy on `port` with every forged header, and
/// `X-Tokenctl-Pool: pool` when given (a pool requirement reaches serve:
/// it can only make the check stricter).
fn forging(port: u16, method: &str, t: &str, pool: Option<&str>) -> crate::serve::Reply {
    let mut head = format!("{method} /data HTTP/1.1\r\nAuthorization: Bearer {t}");
    for (k, v) in FORGED {
        head.push_str(&format!("\r\n{k}: {v}"));
    }
    if let Some(p) = pool {
        head.push_str(&format!("\r\nX-Tokenctl-Pool: {p}"));
    }
    http(port, &head, "")
}

/// The README's recipe on `port` against a forging client: the upstream
/// sees exactly the real identity; a read-only token may read, never write;
/// a pool the client names cannot let another pool's token through.
fn recipe_holds_against_a_forger(env: &Env, port: u16, ro: &str, plain: &str) {
    let r = forging(port, "GET", ro, Some("plant-a"));
    assert_eq!(r.status, 200, "{}", r.body);
    let seen = r.body.to_lowercase();
    for expected in [
        "x-tokenctl-name: ro",
        &format!("x-tokenctl-prefix: {}", ro[4..12].to_lowercase()),
        "x-tokenctl-pool: plant-a",
        "x-tokenctl-access: read-only",
        "x-tokenctl-owner: alice",
    ] {
        assert!(seen.contains(expected), "{expected} not in {seen}");
    }
    assert!(!seen.contains("forged"), "{seen}");
    // The token without a pool or an owner: nothing forged is passed on.
    let r = forging(port, "GET", plain, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.to_lowercase().contains("forged"), "{}", r.body);
    // A pool the client names: stricter, never looser.
    assert_eq!(forging(port, "GET", ro, Some("plant-b")).status, 403);
    assert_eq!(forging(port, "GET", plain, Some("plant-a")).status, 403);
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = forging(port, method, ro, Some("plant-a"));
        assert_eq!(r.status, 403, "{method}: {}", r.body);
        assert!(!r.body.contains("upstream saw"), "{}", r.body);
    }
    assert_eq!(forging(port, "POST", plain, None).status, 200);
    env.ok(&["disable", "ro"]);
    assert_eq!(forging(port, "GET", ro, Some("plant-a")).status, 401);
}

/// Bound tokens through the recipe on `port`: the client (at 127.0.0.2,
/// forging `X-Forwarded-For` and `X-Real-IP` as 203.0.113.7) is judged by
/// its real address, whatever it forwards.
fn recipe_passes_the_real_client_address(env: &Env, port: u16) {
    let here = env.new_token("here", &["--allow-from", "127.0.0.2"]);
    let there = env.new_token("there", &["--allow-from", "203.0.113.0/24"]);
    let send = |t: &str| {
        let auth = format!("Bearer {t}");
        let mut headers = vec![("Authorization", auth.as_str())];
        headers.extend(FORGED);
        crate::serve::get_from("127.0.0.2", port, "/data", &headers)
    };
    let r = send(&here);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(&there);
    assert_eq!(
        r.status, 403,
        "a forged X-Forwarded-For was believed: {}",
        r.body
    );
    assert_eq!(env.token("here")["last_used_from"], "127.0.0.2");
    assert_eq!(env.token("there")["last_used"], serde_json::Value::Null);
}

fn forger_env() -> (Env, String, String) {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let ro = env.new_token(
        "ro",
        &["--read-only", "--pool", "plant-a", "--owner", "alice"],
    );
    let plain = env.new_token("plain", &[]);
    (env, ro, plain)
}

#[test]
fn the_readme_nginx_recipe_holds_against_a_forging_client() {
    if !crate::have_program(
        "nginx",
        "TOKENCTL_REQUIRE_PROXIES",
        "the_readme_nginx_recipe_holds_against_a_forging_client",
    ) {
        return;
    }
    let (env, ro, plain) = forger_env();
    // The proxy at 127.0.0.1 is the one trusted; its clients are not.
    let s = Serve::start(&env, &["--quiet", "--trust-proxy", "127.0.0.1"]);
    let up = upstream();
    let port = crate::serve::free_port_for_proxy();
    let snippet = readme_block("nginx")
        .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
        .replace("127.0.0.1:3000", &format!("127.0.0.1:{up}"))
        .replace("127.0.0.1:8787", &format!("127.0.0.1:{}", s.port));
    let _nginx = crate::serve::nginx_http(&env.dir.path().join("nginx"), port, &snippet);
    recipe_passes_the_real_client_address(&env, port);
    recipe_holds_against_a_forger(&env, port, &ro, &plain);
}

#[test]
fn the_readme_caddy_recipe_holds_against_a_forging_client() {
    if !crate::have_program(
        "caddy",
        "TOKENCTL_REQUIRE_PROXIES",
        "the_readme_caddy_recipe_holds_against_a_forging_client",
    ) {
        return;
    }
    let (env, ro, plain) = forger_env();
    let s = Serve::start(&env, &["--quiet", "--trust-proxy", "127.0.0.1"]);
    let up = upstream();
    let port = crate::serve::free_port_for_proxy();
    let site = readme_block("caddyfile")
        .replace("example.com", &format!("http://127.0.0.1:{port}"))
        .replace("127.0.0.1:3000", &format!("127.0.0.1:{up}"))
        .replace("127.0.0.1:8787", &format!("127.0.0.1:{}", s.port));
    let _caddy = crate::serve::caddy(&env.dir.path().join("caddy"), port, &site);
    recipe_passes_the_real_client_address(&env, port);
    recipe_holds_against_a_forger(&env, port, &ro, &plain);
}

/// The most memory serve may hold, in KiB: the README's bound.
fn bound_kib(max_hashing: u64) -> u64 {
    (64 + 20 * max_hashing) * 1024
}

/// serve's peak resident memory (`VmHWM`), in KiB.
fn peak_kib(s: &Serve) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.pid())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// `n` requests at once, each on its own connection, by `threads` threads.
fn flood(n: usize, f: impl Fn(usize) + Send + Sync + Copy + 'static) {
    let threads: Vec<_> = (0..n).map(|i| std::thread::spawn(move || f(i))).collect();
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn an_exchange_flood_stays_within_the_memory_bound() {
    let env = Env::new();
    let t = env.new_token("ro", &["--read-only"]);
    let s = Serve::start(&env, &["--quiet", "--max-hashing", "2"]);
    let port = s.port;
    for _ in 0..3 {
        let t = t.clone();
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || {
                    http(
                        port,
                        &format!("POST /v1/exchange HTTP/1.1\r\nAuthorization: Bearer {t}"),
                        "",
                    )
                    .status
                })
            })
            .collect();
        let statuses: Vec<u16> = threads.into_iter().map(|h| h.join().unwrap()).collect();
        // Each is issued, or refused for now (503): never anything else.
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 503),
            "{statuses:?}"
        );
        assert!(statuses.contains(&200), "{statuses:?}");
    }
    let peak = peak_kib(&s);
    assert!(peak <= bound_kib(2), "serve peaked at {peak} KiB");
}

#[test]
fn abandoned_and_queued_checks_cost_no_argon2_and_a_good_token_is_answered() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let fresh = env.new_token("fresh", &[]);
    let s = Serve::start(&env, &["--quiet", "--max-hashing", "1"]);
    let port = s.port;
    // A remembered token.
    assert_eq!(
        get(port, "/auth", &[("Authorization", &bearer(&t))]).status,
        200
    );
    // The right prefix, a wrong secret: argon2 work for each.
    let wrong: &'static str = Box::leak(crate::forged("tkc1", &t[4..12]).into_boxed_str());
    // 300 wrong secrets from clients that hang up after 300 ms.
    let start = Instant::now();
    flood(300, move |_| {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = write!(
            c,
            "GET /auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wrong}\r\n\r\n"
        );
        c.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut buf = [0u8; 512];
        let _ = c.read(&mut buf);
    });
    assert!(start.elapsed() < Duration::from_secs(20));
    // A remembered token is answered at once, and a fresh one soon.
    let t0 = Instant::now();
    assert_eq!(
        get(port, "/auth", &[("Authorization", &bearer(&t))]).status,
        200
    );
    assert_eq!(
        get(port, "/auth", &[("Authorization", &bearer(&fresh))]).status,
        200
    );
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    // Most of the abandoned ones never reached argon2.
    let metrics = get(port, "/metrics", &[]).body;
    let argon2: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tokenctl_argon2_verifications_total "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(
        argon2 < 150,
        "{argon2} argon2 runs for 300 abandoned checks"
    );
}

#[test]
fn a_full_queue_is_503_with_retry_after() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &["--quiet", "--max-hashing", "1"]);
    let port = s.port;
    let wrong = crate::forged("tkc1", &t[4..12]);
    let replies: Vec<_> = (0..120)
        .map(|_| {
            let w = wrong.clone();
            std::thread::spawn(move || get(port, "/auth", &[("Authorization", &bearer(&w))]))
        })
        .collect();
    let replies: Vec<_> = replies.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(replies.iter().all(|r| r.status == 401 || r.status == 503));
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "120 wrong secrets on one slot: some must wait no longer"
    );
    assert!(busy.iter().all(|r| r.header("retry-after") == Some("1")));
}

#[test]
fn slow_bodies_are_cut_off_and_do_not_hold_a_stop() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    let port = s.port;
    // A body that never comes.
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        c,
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    )
    .unwrap();
    // Many such connections from one peer: serve keeps answering others.
    crate::raise_open_files();
    let held: Vec<TcpStream> = (0..1100)
        .filter_map(|_| {
            let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
            write!(
                c,
                "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
            )
            .ok()?;
            Some(c)
        })
        .collect();
    assert!(held.len() > 500);
    let other = crate::serve::get_from(
        "127.0.0.2",
        port,
        "/auth",
        &[("Authorization", &bearer(&t))],
    );
    assert_eq!(other.status, 200);
    // The slow one is answered 408 within the body timeout.
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    // A stop while slow requests are open ends within the drain.
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        c,
        "POST /v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n"
    )
    .unwrap();
    let start = Instant::now();
    let (status, log) = s.stop();
    assert!(status.success(), "{log}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    drop(held);
}

#[test]
fn serve_keeps_answering_when_nobody_reads_its_stderr() {
    // A log collector that died: the access log's pipe has no reader. Each
    // line is dropped; no request fails for it (eprintln! panicked there).
    use std::io::BufRead;
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let mut child = env
        .std_cmd()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader (and with it the pipe's only read end) is gone here.
    let port: u16 = first
        .trim()
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("a port in {first:?}"));
    for _ in 0..3 {
        let r = get(port, "/auth", &[("Authorization", &bearer(&t))]);
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "serve is still running"
    );
    let _ = child.kill();
    let _ = child.wait();
}
