//! The routes of `serve` and their handlers. A request's token is parsed
//! once, where it enters; the check is the [`Verifier`]'s, in two steps (a
//! lookup, then argon2 in a hashing slot only when needed).
//!
//! [`Verifier`]: crate::verifier::Verifier

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use zeroize::Zeroizing;

use super::State;
use super::gate::Failure;
use super::listen::Peer;
use super::requirements::requirements;
use super::respond::{self, Answer};
use crate::check::presented::Presented;
use crate::check::verifier::Step;
use crate::domain::when;
use crate::verify::{self, Accepted, Good, Reason, Requirements};

/// The largest request body read (a form with one token is far smaller).
const MAX_BODY: usize = 16 * 1024;
/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take, body and check included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What became of a request, for the access log.
#[derive(Default)]
struct Line {
    reason: Option<&'static str>,
    prefix: Option<String>,
}

pub(super) async fn handle(state: Arc<State>, req: Request<Incoming>, peer: Peer) -> Answer {
    let start = Instant::now();
    let method = req.method().clone();
    // The path only: a token in a query string is never logged.
    let path = req.uri().path().to_owned();
    let mut line = Line::default();
    let response = tokio::time::timeout(REQUEST_TIMEOUT, route(&state, req, &mut line))
        .await
        .unwrap_or_else(|_| respond::unavailable("the request took too long"));
    let micros = start.elapsed().as_micros();
    state
        .metrics
        .observe(response.status(), line.reason, micros);
    if !state.quiet {
        eprintln!(
            "{} {method} {} {} reason={} prefix={} from={peer} {micros}us",
            when::rfc3339(chrono::Utc::now()),
            crate::domain::text::shown(&path),
            response.status().as_u16(),
            line.reason.unwrap_or("-"),
            line.prefix.as_deref().unwrap_or("-"),
        );
    }
    response
}

async fn route(state: &Arc<State>, req: Request<Incoming>, line: &mut Line) -> Answer {
    let path = req.uri().path().to_owned();
    let path = path.as_str();
    if path == "/healthz" && req.method() == Method::GET {
        return health(state).await;
    }
    if path == "/metrics" && req.method() == Method::GET {
        return respond::text(StatusCode::OK, &state.metrics.render(&state.verifier));
    }
    if path == "/auth" || path.starts_with("/auth/") {
        let needs = match requirements(req.uri().query(), req.headers()) {
            Ok(n) => n,
            Err(why) => return respond::error(StatusCode::BAD_REQUEST, &why),
        };
        let input = authorization(req.headers());
        return check(state, input, needs, Shape::HeadersOnly, line).await;
    }
    if path == "/v1/verify" || path == "/v1/exchange" {
        if req.method() != Method::POST {
            let mut r = respond::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "use POST: a token travels in a POST body or a header, never in a URL",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        let query = req.uri().query().map(str::to_owned);
        let needs = match requirements(query.as_deref(), req.headers()) {
            Ok(n) => n,
            Err(why) => return respond::error(StatusCode::BAD_REQUEST, &why),
        };
        let header_input = authorization(req.headers());
        let body = match tokio::time::timeout(
            BODY_TIMEOUT,
            Limited::new(req.into_body(), MAX_BODY).collect(),
        )
        .await
        {
            Ok(Ok(b)) => Zeroizing::new(b.to_bytes().to_vec()),
            Ok(Err(_)) => {
                return respond::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the request body is too large",
                );
            }
            Err(_) => {
                return respond::error(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body did not arrive in time",
                );
            }
        };
        // The header, else the form body (t2mtoken=… or the legacy pair).
        let input = header_input.or_else(|| {
            std::str::from_utf8(&body)
                .ok()
                .map(|b| Zeroizing::new(b.trim().to_owned()))
                .filter(|b| !b.is_empty())
        });
        if path == "/v1/verify" {
            return check(state, input, needs, Shape::Json, line).await;
        }
        return exchange(state, input, query.as_deref(), line).await;
    }
    respond::text(StatusCode::NOT_FOUND, "not found\n")
}

async fn health(state: &Arc<State>) -> Answer {
    let worker = Arc::clone(state);
    let healthy = tokio::task::spawn_blocking(move || worker.verifier.healthy())
        .await
        .unwrap_or(false);
    if healthy {
        respond::text(StatusCode::OK, "ok\n")
    } else {
        respond::text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the token store does not answer\n",
        )
    }
}

/// `Authorization: Bearer TOKEN` or `ApiKey-v1 TOKEN`, as the check reads it.
fn authorization(headers: &HeaderMap) -> Option<Zeroizing<String>> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| Zeroizing::new(format!("Authorization: {v}")))
}

/// The token presented, read once here where it enters: its prefix goes
/// in the access log (prefixes are not secret; the token never is logged).
/// No token, or one in an unknown form or malformed, is refused here.
fn read_presented(
    input: Option<Zeroizing<String>>,
    line: &mut Line,
) -> Result<Presented, Box<Answer>> {
    let Some(input) = input else {
        line.reason = Some("malformed");
        return Err(Box::new(respond::no_token()));
    };
    let Some(presented) = verify::presented(&input) else {
        line.reason = Some(Reason::Malformed.as_str());
        return Err(Box::new(respond::refused(
            Reason::Malformed,
            Reason::Malformed.explain(),
        )));
    };
    line.prefix = Some(presented.prefix().to_owned());
    Ok(presented)
}

/// The answer to a request that could not be served now.
fn failed(failure: Failure) -> Answer {
    match failure {
        Failure::Store(e) => {
            eprintln!(
                "tokenctl serve: the store failed: {}",
                crate::error::one_line(&format!("{e:#}"))
            );
            respond::unavailable("the token store is unavailable")
        }
        Failure::Busy => respond::unavailable("too many checks are waiting; try again shortly"),
    }
}

/// The checked token. The lookup runs on the event loop for a local SQLite
/// store when a connection is free (re-reading one row takes microseconds,
/// less than a hop to a thread), else on the blocking pool (PostgreSQL's
/// client waits on the network); argon2 only in a hashing slot. The
/// bookkeeping (`last_used`) comes after the answer, off its path.
async fn verified(
    state: &Arc<State>,
    presented: Presented,
    needs: Requirements,
) -> Result<Result<Good, Reason>, Failure> {
    let local = if state.local {
        state
            .verifier
            .try_with_store(|s| state.verifier.first(s, &presented, &needs))?
    } else {
        None
    };
    let step = if let Some(step) = local {
        step
    } else {
        let worker = Arc::clone(state);
        tokio::task::spawn_blocking(move || {
            worker
                .verifier
                .with_store(|s| worker.verifier.first(s, &presented, &needs))
        })
        .await
        .map_err(|e| anyhow::anyhow!("the check stopped: {e}"))??
    };
    let outcome = match step {
        Step::Done(outcome) => outcome,
        Step::Hash(pending) => {
            let worker = Arc::clone(state);
            state
                .hashing
                .run(move |memory| worker.verifier.finish(*pending, memory))
                .await?
        }
    };
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
enum Shape {
    /// Nothing (`/auth`): nginx's `auth_request` reads only the head of
    /// the answer, and drops its keep-alive connection to serve when a body
    /// follows, a new connection for every request.
    HeadersOnly,
    /// `verify --format json`'s object (`/v1/verify`).
    Json,
}

async fn check(
    state: &Arc<State>,
    input: Option<Zeroizing<String>>,
    needs: Requirements,
    shape: Shape,
    line: &mut Line,
) -> Answer {
    let presented = match read_presented(input, line) {
        Ok(p) => p,
        Err(answer) => return *answer,
    };
    let good = match verified(state, presented, needs).await {
        Err(failure) => return failed(failure),
        Ok(Err(reason)) => {
            line.reason = Some(reason.as_str());
            return respond::refused(reason, reason.explain());
        }
        Ok(Ok(good)) => good,
    };
    let mut r = if shape == Shape::Json {
        let mut shown = good.token.clone();
        shown.last_used = Some(chrono::Utc::now().date_naive());
        respond::json(
            StatusCode::OK,
            &Accepted::new(&shown, &good, chrono::Utc::now()),
        )
    } else {
        Response::new(http_body_util::Full::new(bytes::Bytes::new()))
    };
    let h = r.headers_mut();
    h.insert("x-tokenctl-name", respond::header_value(&good.token.name));
    h.insert("x-tokenctl-prefix", respond::header_value(&good.prefix));
    h.insert(
        "x-tokenctl-pool",
        respond::header_value(good.token.pool.as_deref().unwrap_or("")),
    );
    h.insert(
        "x-tokenctl-access",
        HeaderValue::from_static(good.token.access.as_str()),
    );
    h.insert(
        "x-tokenctl-owner",
        respond::header_value(good.token.owner.as_deref().unwrap_or("")),
    );
    r
}

/// `POST /v1/exchange`: an API token for a short-lived access token,
/// answered as OAuth does. The new secret is hashed in a hashing slot.
async fn exchange(
    state: &Arc<State>,
    input: Option<Zeroizing<String>>,
    query: Option<&str>,
    line: &mut Line,
) -> Answer {
    let ttl_text = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "ttl")
        .map_or_else(|| "2h".to_owned(), |(_, v)| v.into_owned());
    let ttl = match when::duration("ttl", &ttl_text, Some((chrono::Duration::hours(24), "24h"))) {
        Ok(t) => t,
        Err(e) => return respond::error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let presented = match read_presented(input, line) {
        Ok(p) => p,
        Err(answer) => return *answer,
    };
    let good = match verified(state, presented, Requirements::default()).await {
        Err(failure) => return failed(failure),
        Ok(Err(reason)) => {
            line.reason = Some(reason.as_str());
            return respond::refused(reason, reason.explain());
        }
        Ok(Ok(good)) if matches!(good.via, verify::Via::Access { .. }) => {
            line.reason = Some("unknown");
            return respond::refused(Reason::Unknown, "an access token cannot be exchanged");
        }
        Ok(Ok(good)) => good,
    };
    let worker = Arc::clone(state);
    let issued = state
        .hashing
        .run(move |memory| {
            crate::ops::issue::access_by_token(
                &worker.verifier,
                &good,
                ttl,
                chrono::Utc::now(),
                memory,
            )
        })
        .await;
    match issued {
        Ok(Ok(access)) => {
            #[derive(Serialize)]
            struct Body<'a> {
                access_token: &'a str,
                token_type: &'static str,
                expires_in: i64,
                expires_at: String,
            }
            let now = chrono::Utc::now();
            let mut r = respond::json(
                StatusCode::OK,
                &Body {
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
            respond::refused(
                Reason::Unknown,
                "the token was renewed, disabled or deleted meanwhile",
            )
        }
        Ok(Err(e)) => failed(Failure::Store(e)),
        Err(failure) => failed(failure),
    }
}
