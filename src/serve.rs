//! `tokenctl serve` (spec section 9): the verification service that
//! reverse proxies (nginx `auth_request`, Traefik `forwardAuth`, Caddy
//! `forward_auth`, Envoy `ext_authz` in HTTP mode) and services ask "is this
//! request allowed?". HTTP/1.1 by hyper on tokio; every check goes through
//! the long-lived [`Verifier`] on the blocking pool (argon2 and the store
//! are blocking), the argon2 work bounded by `--max-hashing`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::verifier::{Options, Verifier};
use crate::verify::{self, Accepted, Good, Reason, Requirements};
use crate::{Ctx, when};

/// The largest request body read (a form with one token is far smaller).
const MAX_BODY: usize = 16 * 1024;
/// The largest request head (request line and headers) read.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after SIGTERM.
const DRAIN: Duration = Duration::from_secs(30);

/// What `serve` was asked.
pub struct Settings {
    pub listen: SocketAddr,
    pub options: Options,
    pub quiet: bool,
}

struct State {
    verifier: Verifier,
    /// Whether the store is a local SQLite file (see [`verified`]).
    local: bool,
    quiet: bool,
    metrics: Metrics,
}

pub fn run(ctx: &Ctx, settings: Settings) -> Result<()> {
    let verifier = Verifier::at(ctx.db.clone(), settings.options)?;
    let state = Arc::new(State {
        verifier,
        local: matches!(ctx.db, crate::store::Location::Sqlite(_)),
        quiet: settings.quiet,
        metrics: Metrics::default(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
        .map_err(|e| Error::storage(format!("cannot start the server: {e}")))?;
    let outcome = runtime.block_on(serve(settings.listen, Arc::clone(&state)));
    // The store's connections end outside the runtime: PostgreSQL's sync
    // client runs a runtime of its own, which must not start inside ours.
    drop(runtime);
    drop(state);
    outcome
}

async fn serve(listen: SocketAddr, state: Arc<State>) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        Error::storage(format!("cannot listen on {listen}: {e}"))
            .hint("choose another --listen ADDR:PORT")
    })?;
    let bound = listener.local_addr()?;
    eprintln!("tokenctl serve: listening on http://{bound} (SIGTERM or Ctrl-C stops it)");
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = Arc::clone(&state);
                let service = service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(state, req).await) }
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEAD_TIMEOUT)
                    .max_buf_size(MAX_HEAD)
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = watched.await;
                });
            }
            _ = term.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    drop(listener);
    eprintln!("tokenctl serve: stopping; finishing the requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            eprintln!("tokenctl serve: requests still running after {} s; stopping anyway", DRAIN.as_secs());
        }
    }
    Ok(())
}

/// What a request asked, and what became of it (for the access log).
struct Line {
    reason: Option<&'static str>,
    prefix: Option<String>,
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let start = Instant::now();
    let method = req.method().clone();
    // The path only: a token in a query string is never logged.
    let path = req.uri().path().to_owned();
    let mut line = Line {
        reason: None,
        prefix: None,
    };
    let response = route(&state, req, &mut line).await;
    let micros = start.elapsed().as_micros();
    state
        .metrics
        .observe(response.status(), line.reason, micros);
    if !state.quiet {
        eprintln!(
            "{method} {} {} reason={} prefix={} {micros}us",
            crate::text::shown(&path),
            response.status().as_u16(),
            line.reason.unwrap_or("-"),
            line.prefix.as_deref().unwrap_or("-"),
        );
    }
    response
}

async fn route(
    state: &Arc<State>,
    req: Request<Incoming>,
    line: &mut Line,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let path = path.as_str();
    if path == "/healthz" && req.method() == Method::GET {
        let state = Arc::clone(state);
        let healthy = tokio::task::spawn_blocking(move || state.verifier.healthy())
            .await
            .unwrap_or(false);
        return if healthy {
            text(StatusCode::OK, "ok\n")
        } else {
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the token store does not answer\n",
            )
        };
    }
    if path == "/metrics" && req.method() == Method::GET {
        return text(StatusCode::OK, &state.metrics.render(&state.verifier));
    }
    if path == "/auth" || path.starts_with("/auth/") {
        let needs = requirements(req.uri().query(), req.headers());
        let input = authorization(req.headers());
        return check(state, input, needs, Answer::HeadersOnly, line).await;
    }
    if path == "/v1/verify" || path == "/v1/exchange" {
        if req.method() != Method::POST {
            let mut r = json(
                StatusCode::METHOD_NOT_ALLOWED,
                &Refusal::error(
                    "use POST: a token travels in a POST body or a header, never in a URL",
                ),
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        let query = req.uri().query().map(str::to_owned);
        let needs = requirements(query.as_deref(), req.headers());
        let header_input = authorization(req.headers());
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return json(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &Refusal::error("the request body is too large"),
                );
            }
        };
        // The header, else the form body (t2mtoken=… or the legacy pair).
        let input = header_input.or_else(|| {
            std::str::from_utf8(&body)
                .ok()
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty())
        });
        if path == "/v1/verify" {
            return check(state, input, needs, Answer::Json, line).await;
        }
        return exchange(state, input, query.as_deref(), line).await;
    }
    text(StatusCode::NOT_FOUND, "not found\n")
}

/// `Authorization: Bearer TOKEN` or `ApiKey-v1 TOKEN`, as the check reads it.
fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| format!("Authorization: {v}"))
}

/// What the use needs: from the auth URL's query (`?access=write&pool=P`),
/// or the `X-Tokenctl-Access` / `X-Tokenctl-Pool` headers.
fn requirements(query: Option<&str>, headers: &HeaderMap) -> Requirements {
    let mut needs = Requirements::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "access" => needs.write = v == "write",
            "pool" if !v.is_empty() => needs.pool = Some(v.into_owned()),
            _ => {}
        }
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("x-tokenctl-access").is_some_and(|v| v.eq_ignore_ascii_case("write")) {
        needs.write = true;
    }
    if let Some(p) = header("x-tokenctl-pool").filter(|p| !p.is_empty()) {
        needs.pool = Some(p.to_owned());
    }
    needs
}

/// A refusal's body: `{"valid": false, "reason": R, "error": "…"}`.
#[derive(Serialize)]
struct Refusal {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    error: String,
}

impl Refusal {
    fn of(reason: Reason, error: &str) -> Refusal {
        Refusal {
            valid: false,
            reason: Some(reason),
            error: error.to_owned(),
        }
    }
    fn error(error: &str) -> Refusal {
        Refusal {
            valid: false,
            reason: None,
            error: error.to_owned(),
        }
    }
}

/// The answer to a refused token: 401 for who it is, 403 for what it may
/// do (RFC 6750).
fn refused(reason: Reason, error: &str) -> Response<Full<Bytes>> {
    let (status, challenge) = match reason {
        Reason::Access | Reason::Pool => (
            StatusCode::FORBIDDEN,
            r#"Bearer realm="tokenctl", error="insufficient_scope""#,
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            r#"Bearer realm="tokenctl", error="invalid_token""#,
        ),
    };
    let mut r = json(status, &Refusal::of(reason, error));
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    r
}

fn no_token() -> Response<Full<Bytes>> {
    let mut r = json(
        StatusCode::UNAUTHORIZED,
        &Refusal::of(Reason::Malformed, "no token was presented"),
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="tokenctl""#),
    );
    r
}

fn unavailable(e: &anyhow::Error) -> Response<Full<Bytes>> {
    eprintln!(
        "tokenctl serve: the store failed: {}",
        crate::error::one_line(&format!("{e:#}"))
    );
    json(
        StatusCode::SERVICE_UNAVAILABLE,
        &Refusal::error("the token store is unavailable"),
    )
}

/// A header value for a name: visible ASCII as is, anything else
/// percent-encoded (proxies pass only ASCII safely).
fn header_value(s: &str) -> HeaderValue {
    let encoded: String = s
        .bytes()
        .map(|b| match b {
            b' '..=b'~' if b != b'%' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The prefix of the token presented, for the access log (prefixes are
/// not secret; the token never is logged).
fn presented_prefix(input: &str) -> Option<String> {
    verify::presented(input).map(|t| crate::token::prefix_of(&t).to_owned())
}

/// The checked token, blocking work on the blocking pool; the bookkeeping
/// (`last_used`) after the answer, off its path.
async fn verified(
    state: &Arc<State>,
    input: String,
    needs: Requirements,
) -> std::result::Result<std::result::Result<Good, Reason>, anyhow::Error> {
    // On a local SQLite file, the row's re-read takes microseconds: a
    // check that needs no argon2 work (a remembered token, an unknown
    // prefix) is answered on the event loop, without a hop to the blocking
    // pool, which costed more than the check. PostgreSQL's client blocks
    // on the network, so every check of it goes to the pool.
    if state.local
        && let Some(outcome) = state.verifier.check_without_hashing(&input, &needs)?
    {
        return record_later(state, outcome);
    }
    let worker = Arc::clone(state);
    let outcome = tokio::task::spawn_blocking(move || worker.verifier.check_now(&input, &needs))
        .await
        .map_err(|e| anyhow::anyhow!("the check stopped: {e}"))??;
    record_later(state, outcome)
}

/// A good check's bookkeeping, on the blocking pool after the answer.
fn record_later(
    state: &Arc<State>,
    outcome: std::result::Result<Good, Reason>,
) -> std::result::Result<std::result::Result<Good, Reason>, anyhow::Error> {
    if let Ok(good) = &outcome
        && state.verifier.needs_recording(good)
    {
        let worker = Arc::clone(state);
        let good = good.clone();
        tokio::task::spawn_blocking(move || {
            let _ = worker.verifier.record(&good);
        });
    }
    Ok(outcome)
}

/// What a good check's answer carries besides the identity headers.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    /// Nothing (`/auth`): nginx's `auth_request` reads only the head of
    /// the answer, and drops its keep-alive connection to serve when a body
    /// follows, a new connection for every request.
    HeadersOnly,
    /// `verify --format json`'s object (`/v1/verify`).
    Json,
}

async fn check(
    state: &Arc<State>,
    input: Option<String>,
    needs: Requirements,
    answer: Answer,
    line: &mut Line,
) -> Response<Full<Bytes>> {
    let Some(input) = input else {
        line.reason = Some("malformed");
        return no_token();
    };
    line.prefix = presented_prefix(&input);
    let outcome = match verified(state, input, needs).await {
        Ok(o) => o,
        Err(e) => return unavailable(&e),
    };
    match outcome {
        Err(reason) => {
            line.reason = Some(reason.as_str());
            refused(reason, reason.explain())
        }
        Ok(good) => {
            let mut r = if answer == Answer::Json {
                let mut shown = good.token.clone();
                shown.last_used = Some(chrono::Utc::now().date_naive());
                json(
                    StatusCode::OK,
                    &Accepted::new(&shown, &good, chrono::Utc::now()),
                )
            } else {
                Response::new(Full::new(Bytes::new()))
            };
            let h = r.headers_mut();
            h.insert("x-tokenctl-name", header_value(&good.token.name));
            h.insert("x-tokenctl-prefix", header_value(&good.prefix));
            h.insert(
                "x-tokenctl-pool",
                header_value(good.token.pool.as_deref().unwrap_or("")),
            );
            h.insert(
                "x-tokenctl-access",
                HeaderValue::from_static(good.token.access.as_str()),
            );
            h.insert(
                "x-tokenctl-owner",
                header_value(good.token.owner.as_deref().unwrap_or("")),
            );
            r
        }
    }
}

/// `POST /v1/exchange`: an API token for a short-lived access token,
/// answered as OAuth does.
async fn exchange(
    state: &Arc<State>,
    input: Option<String>,
    query: Option<&str>,
    line: &mut Line,
) -> Response<Full<Bytes>> {
    let ttl_text = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "ttl")
        .map_or_else(|| "2h".to_owned(), |(_, v)| v.into_owned());
    let ttl = match when::duration("ttl", &ttl_text, Some((chrono::Duration::hours(24), "24h"))) {
        Ok(t) => t,
        Err(e) => {
            return json(StatusCode::BAD_REQUEST, &Refusal::error(&e.to_string()));
        }
    };
    let Some(input) = input else {
        line.reason = Some("malformed");
        return no_token();
    };
    line.prefix = presented_prefix(&input);
    let good = match verified(state, input, Requirements::default()).await {
        Err(e) => return unavailable(&e),
        Ok(Err(reason)) => {
            line.reason = Some(reason.as_str());
            return refused(reason, reason.explain());
        }
        Ok(Ok(good)) if matches!(good.via, verify::Via::Access { .. }) => {
            line.reason = Some("unknown");
            return refused(Reason::Unknown, "an access token cannot be exchanged");
        }
        Ok(Ok(good)) => good,
    };
    let worker = Arc::clone(state);
    let issued = tokio::task::spawn_blocking(move || {
        crate::commands::exchange::issue_access(&worker.verifier, &good, ttl, chrono::Utc::now())
    })
    .await;
    match issued {
        Ok(Ok(access)) => {
            #[derive(Serialize)]
            struct Answer<'a> {
                access_token: &'a str,
                token_type: &'static str,
                expires_in: i64,
                expires_at: String,
            }
            let now = chrono::Utc::now();
            let mut r = json(
                StatusCode::OK,
                &Answer {
                    access_token: &access.secret,
                    token_type: "Bearer",
                    expires_in: (access.expires_at - now).num_seconds().max(0),
                    expires_at: when::rfc3339(access.expires_at),
                },
            );
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Ok(Err(e)) if crate::error::kind_of(&e) == crate::error::Kind::Rejected => {
            line.reason = Some("unknown");
            refused(
                Reason::Unknown,
                "the token was renewed, disabled or deleted meanwhile",
            )
        }
        Ok(Err(e)) => unavailable(&e),
        Err(e) => unavailable(&anyhow::anyhow!("the exchange stopped: {e}")),
    }
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    let mut body = serde_json::to_vec(value).unwrap_or_default();
    body.push(b'\n');
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Prometheus counters: checks by status and reason, and a latency histogram.
#[derive(Default)]
struct Metrics {
    by_outcome: std::sync::Mutex<std::collections::BTreeMap<(u16, &'static str), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Latency bucket bounds, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

impl Metrics {
    fn observe(&self, status: StatusCode, reason: Option<&'static str>, micros: u128) {
        let micros = u64::try_from(micros).unwrap_or(u64::MAX);
        *self
            .by_outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((status.as_u16(), reason.unwrap_or("")))
            .or_default() += 1;
        let seconds = micros as f64 / 1e6;
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, verifier: &Verifier) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP tokenctl_requests_total Requests answered, by status and refusal reason.\n",
        );
        out.push_str("# TYPE tokenctl_requests_total counter\n");
        for ((status, reason), n) in self
            .by_outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            out.push_str(&format!(
                "tokenctl_requests_total{{status=\"{status}\",reason=\"{reason}\"}} {n}\n"
            ));
        }
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        for (name, help, value) in [
            (
                "tokenctl_cache_hits_total",
                "Checks answered from remembered tokens.",
                load(&verifier.stats.cache_hits),
            ),
            (
                "tokenctl_cache_misses_total",
                "Checks that needed argon2.",
                load(&verifier.stats.cache_misses),
            ),
            (
                "tokenctl_argon2_verifications_total",
                "argon2 verifications run.",
                load(&verifier.stats.argon2),
            ),
        ] {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
            ));
        }
        out.push_str("# HELP tokenctl_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE tokenctl_request_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            out.push_str(&format!(
                "tokenctl_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
                load(bucket)
            ));
        }
        let count = load(&self.count);
        out.push_str(&format!(
            "tokenctl_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n\
             tokenctl_request_duration_seconds_sum {}\n\
             tokenctl_request_duration_seconds_count {count}\n",
            load(&self.sum_micros) as f64 / 1e6
        ));
        out
    }
}
