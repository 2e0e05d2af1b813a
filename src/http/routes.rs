//! The front door of `serve`: every request's access-log line and overall
//! time limit ([`handle`]), and the route table ([`route`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Body;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use zeroize::Zeroizing;

use super::handlers::{Line, Shape, authorization, check, exchange, health, read_body, rotate};
use super::listen::Peer;
use super::requirements::requirements;
use super::respond::{self, Answer};
use super::{State, client};
use crate::domain::when;
use crate::verify::Requirements;

/// How long a whole request may take, body and check included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Answer one request, within [`REQUEST_TIMEOUT`], and log it.
pub(super) async fn handle<B>(state: Arc<State>, req: Request<B>, peer: Peer) -> Answer
where
    B: Body + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let start = Instant::now();
    let method = req.method().clone();
    // The path only: a token in a query string is never logged.
    let path = req.uri().path().to_owned();
    // The client's address, decided once, here.
    let client = client::address(&peer, req.headers(), &state.trust);
    let mut line = Line::default();
    let response = tokio::time::timeout(REQUEST_TIMEOUT, route(&state, req, client, &mut line))
        .await
        .unwrap_or_else(|_| respond::unavailable("the request took too long"));
    let micros = start.elapsed().as_micros();
    state
        .metrics
        .observe(response.status(), line.reason, micros);
    if !state.quiet {
        say!(
            "{} {method} {} {} reason={} prefix={} from={} peer={peer} {micros}us",
            when::rfc3339(chrono::Utc::now()),
            crate::domain::text::shown(&path),
            response.status().as_u16(),
            line.reason.unwrap_or("-"),
            line.prefix.as_deref().unwrap_or("-"),
            client.map_or_else(|| "-".to_owned(), |a| a.to_string()),
        );
    }
    response
}

/// 405 with `Allow: POST`: a token travels in a POST body or a header.
fn post_only() -> Answer {
    let mut r = respond::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "use POST: a token travels in a POST body or a header, never in a URL",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

/// The route table: (method, path) → handler. Generic over the body, so
/// the handlers are tested in-process without a socket.
pub(crate) async fn route<B>(
    state: &Arc<State>,
    req: Request<B>,
    client: Option<IpAddr>,
    line: &mut Line,
) -> Answer
where
    B: Body + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let path = req.uri().path().to_owned();
    let path = path.as_str();
    if path == "/healthz" && req.method() == Method::GET {
        return health::health(state).await;
    }
    if path == "/metrics" && req.method() == Method::GET {
        return health::metrics(state).await;
    }
    if path == "/auth" || path.starts_with("/auth/") {
        let needs = match requirements(req.uri().query(), req.headers()) {
            Ok(n) => Requirements { from: client, ..n },
            Err(why) => return respond::error(StatusCode::BAD_REQUEST, &why),
        };
        let input = authorization(req.headers());
        return check(state, input, needs, Shape::HeadersOnly, line).await;
    }
    if path == "/v1/rotate" {
        if req.method() != Method::POST {
            return post_only();
        }
        let needs = match requirements(req.uri().query(), req.headers()) {
            Ok(n) => Requirements { from: client, ..n },
            Err(why) => return respond::error(StatusCode::BAD_REQUEST, &why),
        };
        let input = authorization(req.headers());
        return rotate::rotate(state, input, needs, line).await;
    }
    if path == "/v1/verify" || path == "/v1/exchange" {
        if req.method() != Method::POST {
            return post_only();
        }
        let query = req.uri().query().map(str::to_owned);
        let needs = match requirements(query.as_deref(), req.headers()) {
            Ok(n) => Requirements { from: client, ..n },
            Err(why) => return respond::error(StatusCode::BAD_REQUEST, &why),
        };
        let header_input = authorization(req.headers());
        let body = match read_body(req.into_body()).await {
            Ok(b) => b,
            Err(answer) => return *answer,
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
        return exchange::exchange(state, input, query.as_deref(), client, line).await;
    }
    respond::text(StatusCode::NOT_FOUND, "not found\n")
}
