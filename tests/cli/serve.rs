//! `tokenctl serve` (spec section 9) through real HTTP: the binary serving
//! on a free loopback port, asked directly and through real nginx
//! (`auth_request`) and Caddy (`forward_auth`) in front of a tiny upstream
//! that says which identity headers reached it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Env;

/// A free port for a proxy (nginx and Caddy take a port, not a listener;
/// serve itself always listens on port 0 and says where).
pub(crate) fn free_port_for_proxy() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP exchange: status, headers (lower-case names), body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("JSON body: {:?}", self.body))
    }
}

/// Send a request (`head` without the final blank line) and read the reply.
pub(crate) fn http(port: u16, head: &str, body: &str) -> Reply {
    exchange_on(TcpStream::connect(("127.0.0.1", port)).unwrap(), head, body)
}

/// A GET from the loopback address `source` (another peer than 127.0.0.1).
pub(crate) fn get_from(source: &str, port: u16, path: &str, extra: &[(&str, &str)]) -> Reply {
    let mut head = format!("GET {path} HTTP/1.1");
    for (k, v) in extra {
        head.push_str(&format!("\r\n{k}: {v}"));
    }
    exchange_on(connect_from(source, port), &head, "")
}

/// A TCP connection to 127.0.0.1:`port` from the IPv4 address `source`.
pub(crate) fn connect_from(source: &str, port: u16) -> TcpStream {
    use std::os::fd::FromRawFd;
    let addr = |ip: std::net::Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let from = addr(source.parse().unwrap(), 0);
    let to = addr(std::net::Ipv4Addr::LOCALHOST, port);
    // SAFETY: a fresh socket, owned by the TcpStream made from it; the
    // addresses live on this stack frame for the calls that read them.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0, "socket");
        let stream = TcpStream::from_raw_fd(fd);
        assert_eq!(
            libc::bind(fd, (&raw const from).cast(), len),
            0,
            "bind {source}"
        );
        assert_eq!(libc::connect(fd, (&raw const to).cast(), len), 0, "connect");
        stream
    }
}

pub(crate) fn exchange_on(mut s: TcpStream, head: &str, body: &str) -> Reply {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let request = format!(
        "{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

pub(crate) fn get(port: u16, path: &str, extra: &[(&str, &str)]) -> Reply {
    let mut head = format!("GET {path} HTTP/1.1");
    for (k, v) in extra {
        head.push_str(&format!("\r\n{k}: {v}"));
    }
    http(port, &head, "")
}

pub(crate) fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

/// Poll until `port` answers, or fail after 20 s.
pub(crate) fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `tokenctl serve` on port 0, at the address its `listening on` line
/// says; stopped with SIGTERM when dropped.
pub(crate) struct Serve {
    child: Option<Child>,
    pub(crate) port: u16,
    /// Everything it wrote on stderr so far.
    stderr: Stderr,
}

/// A child's stderr as it grows, and the thread that reads it.
pub(crate) struct Stderr {
    pub(crate) text: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Stderr {
    pub(crate) fn now(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    /// Everything, once the child has exited (its pipe closed).
    pub(crate) fn all(&mut self) -> String {
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.now()
    }
}

impl Serve {
    pub(crate) fn start(env: &Env, extra: &[&str]) -> Serve {
        let (child, stderr, addr) = start_serve(env, &["--listen", "127.0.0.1:0"], extra);
        let port = addr
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or_else(|| panic!("a port in {addr:?}"));
        Serve {
            child: Some(child),
            port,
            stderr,
        }
    }

    /// What it wrote on stderr so far.
    pub(crate) fn stderr_now(&self) -> String {
        self.stderr.now()
    }

    /// SIGTERM, then the exit status and everything it wrote on stderr.
    pub(crate) fn stop(mut self) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::TERM,
        )
        .unwrap();
        let status = child.wait().unwrap();
        (status, self.stderr.all())
    }
}

/// Start `serve` with `listen` and `extra`, and wait for its `listening on
/// ADDR` line: the child, its stderr as it grows, and ADDR.
pub(crate) fn start_serve(env: &Env, listen: &[&str], extra: &[&str]) -> (Child, Stderr, String) {
    use std::io::BufRead;
    let mut child = env
        .std_cmd()
        .arg("serve")
        .args(listen)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    let sink = std::sync::Arc::clone(&stderr);
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.to_owned());
            }
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "serve did not say where it listens: {}",
                stderr.lock().unwrap()
            )
        });
    (
        child,
        Stderr {
            text: stderr,
            reader: Some(reader),
        },
        addr,
    )
}

impl Serve {
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn forward_auth_answers_with_rfc_6750_statuses_and_identity_headers() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.ok(&["pool", "add", "plant-b"]);
    let t = env.new_token(
        "ci",
        &["--pool", "plant-a", "--read-only", "--owner", "alice"],
    );
    let s = Serve::start(&env, &[]);
    let good = get(s.port, "/auth", &[("Authorization", &bearer(&t))]);
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(good.header("x-tokenctl-name"), Some("ci"));
    assert_eq!(good.header("x-tokenctl-prefix"), Some(&t[4..12]));
    assert_eq!(good.header("x-tokenctl-pool"), Some("plant-a"));
    assert_eq!(good.header("x-tokenctl-access"), Some("read-only"));
    assert_eq!(good.header("x-tokenctl-owner"), Some("alice"));
    // The identity is in the headers; no body, so nginx keeps its
    // keep-alive connection to serve (auth_request reads only the head).
    assert_eq!(good.body, "");
    assert_eq!(good.header("content-length"), Some("0"));
    // Envoy appends the client's path; ApiKey-v1 works as Bearer does.
    let envoy = get(
        s.port,
        "/auth/api/v1/data",
        &[("Authorization", &format!("ApiKey-v1 {t}"))],
    );
    assert_eq!(envoy.status, 200);
    // No token: 401 with a bare challenge.
    let none = get(s.port, "/auth", &[]);
    assert_eq!(none.status, 401);
    assert_eq!(
        none.header("www-authenticate"),
        Some(r#"Bearer realm="tokenctl""#)
    );
    assert_eq!(none.json()["valid"], false);
    // Who it is: 401 invalid_token.
    for (input, reason) in [
        ("Bearer junk".to_owned(), "malformed"),
        (bearer(&crate::forged("tkc1", "ZzZzZzZz")), "unknown"),
    ] {
        let r = get(s.port, "/auth", &[("Authorization", &input)]);
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("www-authenticate"),
            Some(r#"Bearer realm="tokenctl", error="invalid_token""#)
        );
        assert_eq!(r.json()["reason"], reason);
        assert!(r.json()["error"].is_string());
    }
    // What it may do: 403 insufficient_scope, from the query or the headers.
    for (path, headers) in [
        ("/auth?access=write", vec![]),
        ("/auth?pool=plant-b", vec![]),
        ("/auth", vec![("X-Tokenctl-Access", "write")]),
        ("/auth", vec![("X-Tokenctl-Pool", "plant-b")]),
    ] {
        let auth = bearer(&t);
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend(headers);
        let r = get(s.port, path, &h);
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(
            r.header("www-authenticate"),
            Some(r#"Bearer realm="tokenctl", error="insufficient_scope""#)
        );
    }
    let ok = get(
        s.port,
        "/auth?access=read&pool=plant-a",
        &[("Authorization", &bearer(&t))],
    );
    assert_eq!(ok.status, 200);
    // A token in a query string is ignored.
    let in_url = get(s.port, &format!("/auth?token={t}"), &[]);
    assert_eq!(in_url.status, 401);
    let (status, log) = s.stop();
    assert!(status.success(), "{log}");
    assert!(
        !log.contains(&t[12..44]),
        "the token reached the access log: {log}"
    );
}

#[test]
fn serve_and_the_cli_answer_the_same() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    // The CLI first (it records today's use), then serve.
    let cli: Value = serde_json::from_slice(
        &env.run_stdin(&["verify", "--format", "json"], &format!("{t}\n"))
            .stdout,
    )
    .unwrap();
    let s = Serve::start(&env, &["--quiet"]);
    for body in [
        format!("t2mtoken={t}"),
        format!("t2maccount=acme&t2musername=t2m-api-token&t2mpassword={t}"),
    ] {
        let r = http(
            s.port,
            "POST /v1/verify HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
            &body,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json(), cli);
    }
    let r = http(
        s.port,
        &format!("POST /v1/verify HTTP/1.1\r\nAuthorization: Bearer {t}"),
        "",
    );
    assert_eq!(r.json(), cli);
    // Refusals answer as `verify --format json` does, plus a sentence.
    env.ok(&["disable", "ci"]);
    let cli = env.run_stdin(&["verify", "--format", "json"], &format!("{t}\n"));
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let r = http(s.port, "POST /v1/verify HTTP/1.1", &format!("t2mtoken={t}"));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["reason"], cli["reason"]);
    // A token travels in a POST body or a header, never in a URL.
    for path in ["/v1/verify", "/v1/exchange"] {
        let r = get(s.port, path, &[]);
        assert_eq!(r.status, 405, "{path}");
        assert_eq!(r.header("allow"), Some("POST"));
    }
}

#[test]
fn exchange_answers_oauth_style_and_is_logged_by_the_token() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    let r = http(
        s.port,
        &format!("POST /v1/exchange?ttl=10m HTTP/1.1\r\nAuthorization: Bearer {t}"),
        "",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    let expires_in = v["expires_in"].as_i64().unwrap();
    assert!((590..=600).contains(&expires_in), "{expires_in}");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    let a = v["access_token"].as_str().unwrap();
    crate::assert_token_format_of(a, "tka1");
    // The access token works, through serve and the CLI.
    assert_eq!(
        get(s.port, "/auth", &[("Authorization", &bearer(a))]).status,
        200
    );
    assert_eq!(
        env.run_stdin(&["verify"], &format!("{a}\n")).status.code(),
        Some(0)
    );
    let entry = &env.log()[0];
    assert_eq!(entry["op"], "exchange");
    assert_eq!(entry["actor"], "token:ci");
    // From a form body too; a ttl over a day is refused; an access token
    // cannot be exchanged again.
    let r = http(
        s.port,
        "POST /v1/exchange HTTP/1.1",
        &format!("t2mtoken={t}"),
    );
    assert_eq!(r.status, 200);
    let r = http(
        s.port,
        &format!("POST /v1/exchange?ttl=25h HTTP/1.1\r\nAuthorization: Bearer {t}"),
        "",
    );
    assert_eq!(r.status, 400);
    let r = http(
        s.port,
        &format!("POST /v1/exchange HTTP/1.1\r\nAuthorization: Bearer {a}"),
        "",
    );
    assert_eq!(r.status, 401);
}

#[test]
fn a_change_through_the_cli_counts_on_the_very_next_request() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("ci", &["--pool", "plant-a"]);
    let s = Serve::start(&env, &["--quiet", "--cache-ttl", "1h"]);
    let auth = [("Authorization", bearer(&t))];
    let ask = |path: &str| get(s.port, path, &[(auth[0].0, auth[0].1.as_str())]).status;
    assert_eq!(ask("/auth"), 200);
    assert_eq!(ask("/auth"), 200, "now remembered");
    env.ok(&["disable", "ci"]);
    assert_eq!(ask("/auth"), 401);
    env.ok(&["enable", "ci"]);
    assert_eq!(ask("/auth"), 200);
    env.ok(&["modify", "ci", "--read-only"]);
    assert_eq!(ask("/auth?access=write"), 403);
    env.ok(&["modify", "ci", "--no-pool"]);
    assert_eq!(ask("/auth?pool=plant-a"), 403);
    env.ok(&["modify", "ci", "--expires", "1h"]);
    env.sql("UPDATE tokens SET expires_at = '2020-01-01T00:00:00Z'");
    assert_eq!(ask("/auth"), 401);
    env.ok(&["modify", "ci", "--expires", "never"]);
    assert_eq!(ask("/auth"), 200);
    let new = env.ok(&["renew", "ci", "--yes"]).trim().to_owned();
    assert_eq!(ask("/auth"), 401, "the old secret is dead at once");
    assert_eq!(
        get(s.port, "/auth", &[("Authorization", &bearer(&new))]).status,
        200
    );
    env.ok(&["delete", "ci", "--yes"]);
    assert_eq!(
        get(s.port, "/auth", &[("Authorization", &bearer(&new))]).status,
        401
    );
    // The metrics saw remembered tokens and argon2 work.
    let metrics = get(s.port, "/metrics", &[]).body;
    assert!(metrics.contains("tokenctl_cache_hits_total"), "{metrics}");
    let hits: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tokenctl_cache_hits_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(hits >= 3, "{metrics}");
    assert!(metrics.contains("tokenctl_request_duration_seconds_bucket"));
    assert!(
        metrics.contains(r#"tokenctl_requests_total{status="401",reason="disabled"} 1"#),
        "{metrics}"
    );
}

#[test]
fn health_access_log_and_a_graceful_stop() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &[]);
    assert_eq!(get(s.port, "/healthz", &[]).body, "ok\n");
    get(s.port, "/auth", &[("Authorization", &bearer(&t))]);
    get(
        s.port,
        "/auth?access=write",
        &[("Authorization", &format!("Bearer {t}x"))],
    );
    assert_eq!(get(s.port, "/nowhere", &[]).status, 404);
    let (status, log) = s.stop();
    assert!(status.success(), "SIGTERM stops it with exit 0: {log}");
    // One line a request: RFC 3339 UTC time, method, path, status, reason,
    // prefix, client address, peer, microseconds. A loopback peer is a
    // trusted proxy: without X-Forwarded-For the client is unknown.
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" GET ")).collect();
    assert_eq!(lines.len(), 4, "{log}");
    let fields: Vec<&str> = lines[1].split(' ').collect();
    assert!(
        chrono::DateTime::parse_from_rfc3339(fields[0]).is_ok() && fields[0].ends_with('Z'),
        "{log}"
    );
    assert_eq!(&fields[1..5], ["GET", "/auth", "200", "reason=-"], "{log}");
    assert_eq!(fields[5], format!("prefix={}", &t[4..12]), "{log}");
    assert_eq!(fields[6], "from=-", "{log}");
    assert_eq!(fields[7], "peer=127.0.0.1", "{log}");
    assert!(fields[8].ends_with("us"), "{log}");
    assert!(lines[2].contains(" 401 reason=malformed"), "{log}");
    assert!(log.starts_with("listening on 127.0.0.1:"), "{log}");
    assert!(
        !log.contains(&t[12..44]) && !log.contains("access=write"),
        "{log}"
    );
    let quiet = Serve::start(&env, &["--quiet"]);
    get(quiet.port, "/healthz", &[]);
    let (status, log) = quiet.stop();
    assert!(status.success());
    assert!(!log.contains("GET /healthz"), "{log}");
}

#[test]
fn oversized_slow_and_garbage_requests_hurt_nobody() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    // A client that sends half a request and waits holds no one up.
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    slow.write_all(b"GET /auth HTTP/1.1\r\nAuthoriz").unwrap();
    assert_eq!(
        get(s.port, "/auth", &[("Authorization", &bearer(&t))]).status,
        200
    );
    // Headers past the limit are cut off.
    let huge = "x".repeat(64 * 1024);
    let r = get(s.port, "/auth", &[("X-Junk", &huge)]);
    assert!(
        r.status == 431 || r.status == 0 || r.status == 400,
        "{}",
        r.status
    );
    // Bodies past the limit too.
    let r = http(s.port, "POST /v1/verify HTTP/1.1", &"t".repeat(64 * 1024));
    assert_eq!(r.status, 413);
    // Garbage gets an error, not a crash.
    let mut g = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    g.write_all(b"\x00\x01\x02 not http at all\r\n\r\n")
        .unwrap();
    let mut sink = Vec::new();
    g.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = g.read_to_end(&mut sink);
    // Still serving.
    assert_eq!(
        get(s.port, "/auth", &[("Authorization", &bearer(&t))]).status,
        200
    );
    drop(slow);
    let (status, log) = s.stop();
    assert!(status.success(), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn a_failing_store_is_503_never_2xx() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &["--quiet", "--cache-ttl", "1h"]);
    assert_eq!(
        get(s.port, "/auth", &[("Authorization", &bearer(&t))]).status,
        200
    );
    // The store stops answering under the running server (even a
    // remembered token must then not pass).
    env.sql("ALTER TABLE tokens RENAME TO tokens_gone; ALTER TABLE pools RENAME TO pools_gone;");
    let r = get(s.port, "/auth", &[("Authorization", &bearer(&t))]);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(get(s.port, "/healthz", &[]).status, 503);
}

// ---- behind real proxies ----------------------------------------------------

/// A tiny upstream: answers every request with the identity headers it got.
pub(crate) fn upstream() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&buf).to_lowercase();
                let seen: Vec<&str> = text
                    .lines()
                    .filter(|l| l.starts_with("x-tokenctl-"))
                    .collect();
                let body = format!("upstream saw: {}", seen.join(" | "));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    port
}

/// The checks every proxy must pass: good → 200 and the upstream sees the
/// identity (a client-forged copy overwritten); no or bad token → 401 with
/// a challenge; wrong access → 403; a disable through the CLI → 401.
fn through_proxy(env: &Env, port: u16, t: &str, challenge_passed: bool) {
    let good = get(
        port,
        "/data",
        &[
            ("Authorization", &bearer(t)),
            ("X-Tokenctl-Name", "forged-admin"),
        ],
    );
    assert_eq!(good.status, 200, "{}", good.body);
    assert!(good.body.contains("x-tokenctl-name: ci"), "{}", good.body);
    assert!(!good.body.contains("forged-admin"), "{}", good.body);
    let none = get(port, "/data", &[]);
    assert_eq!(none.status, 401);
    let bad = get(port, "/data", &[("Authorization", "Bearer junk")]);
    assert_eq!(bad.status, 401);
    if challenge_passed {
        assert!(
            bad.header("www-authenticate")
                .is_some_and(|v| v.contains("invalid_token")),
            "{:?}",
            bad.headers
        );
    }
    let write = get(port, "/write/data", &[("Authorization", &bearer(t))]);
    assert_eq!(write.status, 403);
    env.ok(&["disable", "ci"]);
    assert_eq!(
        get(port, "/data", &[("Authorization", &bearer(t))]).status,
        401
    );
    env.ok(&["enable", "ci"]);
}

/// A proxy process, stopped when dropped (also when a check fails).
pub(crate) struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// nginx in the foreground with `server` (listening on `port`) as its only
/// server block, every path it writes under `dir`.
pub(crate) fn nginx(dir: &std::path::Path, port: u16, server: &str) -> Proxy {
    nginx_http(
        dir,
        port,
        &format!("server {{ listen 127.0.0.1:{port}; {server} }}"),
    )
}

/// nginx with `http` (the blocks of its `http` context), which listens on
/// `port`.
pub(crate) fn nginx_http(dir: &std::path::Path, port: u16, http: &str) -> Proxy {
    std::fs::create_dir_all(dir).unwrap();
    let d = dir.display();
    let conf = format!(
        "daemon off; master_process off; worker_processes 1; user root;
         pid {d}/nginx.pid; error_log {d}/error.log;
         events {{ worker_connections 64; }}
         http {{
           access_log off;
           client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
           fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
           {http}
         }}"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = std::process::Command::new("nginx")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(dir)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Proxy(child);
    wait_for(port, "nginx");
    proxy
}

/// Caddy with `site` (which listens on `port`), no admin API, no HTTPS,
/// its storage under `dir`.
pub(crate) fn caddy(dir: &std::path::Path, port: u16, site: &str) -> Proxy {
    std::fs::create_dir_all(dir).unwrap();
    let caddyfile = format!(
        "{{\n admin off\n auto_https off\n storage file_system {}\n}}\n{site}",
        dir.display()
    );
    let path = dir.join("Caddyfile");
    std::fs::write(&path, caddyfile).unwrap();
    let child = std::process::Command::new("caddy")
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&path)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Proxy(child);
    wait_for(port, "caddy");
    proxy
}

#[test]
fn behind_nginx_auth_request() {
    if !crate::have_program(
        "nginx",
        "TOKENCTL_REQUIRE_PROXIES",
        "behind_nginx_auth_request",
    ) {
        return;
    }
    let env = Env::new();
    let t = env.new_token("ci", &["--read-only"]);
    let s = Serve::start(&env, &["--quiet"]);
    let up = upstream();
    let port = free_port_for_proxy();
    let auth = |access: &str| {
        format!(
            "location = /_auth_{access} {{
                internal;
                proxy_pass http://127.0.0.1:{}/auth?access={access};
                proxy_pass_request_body off;
                proxy_set_header Content-Length \"\";
            }}",
            s.port
        )
    };
    let protected = |path: &str, access: &str| {
        format!(
            "location {path} {{
                auth_request /_auth_{access};
                auth_request_set $tokenctl_name $upstream_http_x_tokenctl_name;
                auth_request_set $tokenctl_challenge $upstream_http_www_authenticate;
                proxy_set_header X-Tokenctl-Name $tokenctl_name;
                add_header WWW-Authenticate $tokenctl_challenge always;
                proxy_pass http://127.0.0.1:{up};
            }}"
        )
    };
    let server = [
        protected("/write/", "write"),
        protected("/", "read"),
        auth("read"),
        auth("write"),
    ]
    .join(" ");
    let _nginx = nginx(&env.dir.path().join("nginx"), port, &server);
    through_proxy(&env, port, &t, true);
}

#[test]
fn behind_caddy_forward_auth() {
    if !crate::have_program(
        "caddy",
        "TOKENCTL_REQUIRE_PROXIES",
        "behind_caddy_forward_auth",
    ) {
        return;
    }
    let env = Env::new();
    let t = env.new_token("ci", &["--read-only"]);
    let s = Serve::start(&env, &["--quiet"]);
    let up = upstream();
    let port = free_port_for_proxy();
    let site = format!(
        "http://127.0.0.1:{port} {{
            handle /write/* {{
                forward_auth 127.0.0.1:{sp} {{
                    uri /auth?access=write
                    copy_headers X-Tokenctl-Name X-Tokenctl-Prefix X-Tokenctl-Pool X-Tokenctl-Access X-Tokenctl-Owner
                }}
                reverse_proxy 127.0.0.1:{up}
            }}
            handle {{
                forward_auth 127.0.0.1:{sp} {{
                    uri /auth
                    copy_headers X-Tokenctl-Name X-Tokenctl-Prefix X-Tokenctl-Pool X-Tokenctl-Access X-Tokenctl-Owner
                }}
                reverse_proxy 127.0.0.1:{up}
            }}
        }}",
        sp = s.port,
    );
    let _caddy = caddy(&env.dir.path().join("caddy"), port, &site);
    through_proxy(&env, port, &t, true);
}

/// Two servers on one store (on PostgreSQL in CI's second run: as on many
/// machines): a disable through the CLI is refused by both on the next
/// request, though both remember the token.
#[test]
fn two_servers_on_one_store_both_refuse_at_once() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let a = Serve::start(&env, &["--quiet", "--cache-ttl", "1h"]);
    let b = Serve::start(&env, &["--quiet", "--cache-ttl", "1h"]);
    for s in [&a, &b] {
        assert_eq!(
            get(s.port, "/auth", &[("Authorization", &bearer(&t))]).status,
            200
        );
        assert_eq!(
            get(s.port, "/auth", &[("Authorization", &bearer(&t))]).status,
            200
        );
    }
    env.ok(&["disable", "ci", "--reason", "suspected leak"]);
    for s in [&a, &b] {
        let r = get(s.port, "/auth", &[("Authorization", &bearer(&t))]);
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["reason"], "disabled");
    }
}

/// A code block of the README, by its fence's language.
pub(crate) fn readme_block(lang: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let fence = format!("```{lang}\n");
    let start = readme
        .find(&fence)
        .unwrap_or_else(|| panic!("a {lang} block"))
        + fence.len();
    readme[start..start + readme[start..].find("```").unwrap()].to_owned()
}

/// What the README's snippets promise, through the proxy: a good token
/// passes with its identity, none or a bad one is 401.
fn snippet_holds(env: &Env, port: u16, t: &str) {
    let good = get(
        port,
        "/data",
        &[("Authorization", &bearer(t)), ("X-Tokenctl-Name", "forged")],
    );
    assert_eq!(good.status, 200, "{}", good.body);
    assert!(good.body.contains("x-tokenctl-name: ci"), "{}", good.body);
    assert!(!good.body.contains("forged"), "{}", good.body);
    assert_eq!(get(port, "/data", &[]).status, 401);
    assert_eq!(
        get(port, "/data", &[("Authorization", "Bearer junk")]).status,
        401
    );
    env.ok(&["disable", "ci"]);
    assert_eq!(
        get(port, "/data", &[("Authorization", &bearer(t))]).status,
        401
    );
}

/// A README snippet for `proxy`, run as written but for its addresses:
/// `launch` gets the store, the proxy's port, the upstream's and serve's,
/// and starts the proxy with the snippet.
fn readme_snippet_holds(
    proxy: &str,
    test: &str,
    launch: impl FnOnce(&Env, u16, u16, u16) -> Proxy,
) {
    if !crate::have_program(proxy, "TOKENCTL_REQUIRE_PROXIES", test) {
        return;
    }
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let s = Serve::start(&env, &["--quiet"]);
    let up = upstream();
    let port = free_port_for_proxy();
    let _proxy = launch(&env, port, up, s.port);
    snippet_holds(&env, port, &t);
}

#[test]
fn the_readme_nginx_snippet_works_as_written() {
    readme_snippet_holds(
        "nginx",
        "the_readme_nginx_snippet_works_as_written",
        |env, port, up, serve| {
            let snippet = readme_block("nginx")
                .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
                .replace("127.0.0.1:3000", &format!("127.0.0.1:{up}"))
                .replace("127.0.0.1:8787", &format!("127.0.0.1:{serve}"));
            nginx_http(&env.dir.path().join("nginx-readme"), port, &snippet)
        },
    );
}

#[test]
fn the_readme_caddy_snippet_works_as_written() {
    readme_snippet_holds(
        "caddy",
        "the_readme_caddy_snippet_works_as_written",
        |env, port, up, serve| {
            let site = readme_block("caddyfile")
                .replace("example.com", &format!("http://127.0.0.1:{port}"))
                .replace("127.0.0.1:3000", &format!("127.0.0.1:{up}"))
                // The snippet asks for write access: this token may write.
                .replace("127.0.0.1:8787", &format!("127.0.0.1:{serve}"));
            caddy(&env.dir.path().join("caddy-readme"), port, &site)
        },
    );
}
