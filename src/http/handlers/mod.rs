//! The handlers of `serve`, one file an endpoint (`exchange`, `health`
//! with `metrics`), and what they share: the check of a presented token
//! (`/auth` and `/v1/verify`), read once where it enters. The check is
//! the [`Verifier`]'s, in two steps (a lookup, then argon2 in a hashing
//! slot only when needed).
//!
//! [`Verifier`]: crate::verifier::Verifier

pub(super) mod exchange;
pub(super) mod health;
pub(super) mod rotate;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Body;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use zeroize::Zeroizing;

use super::State;
use super::gate::Failure;
use super::respond::{self, Answer};
use crate::check::presented::Presented;
use crate::check::verifier::Step;
use crate::verify::{self, Accepted, Good, Reason, Requirements};

/// The largest request body read (a form with one token is far smaller).
const MAX_BODY: usize = 16 * 1024;
/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// What became of a request, for the access log.
#[derive(Default)]
pub(crate) struct Line {
    pub reason: Option<&'static str>,
    pub prefix: Option<String>,
}

/// A request's body, at most [`MAX_BODY`] bytes within [`BODY_TIMEOUT`].
pub(super) async fn read_body<B>(body: B) -> Result<Zeroizing<Vec<u8>>, Box<Answer>>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await {
        Ok(Ok(b)) => Ok(Zeroizing::new(b.to_bytes().to_vec())),
        Ok(Err(_)) => Err(Box::new(respond::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        ))),
        Err(_) => Err(Box::new(respond::error(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        ))),
    }
}

/// `Authorization: Bearer TOKEN` or `ApiKey-v1 TOKEN`, as the check reads it.
pub(super) fn authorization(headers: &HeaderMap) -> Option<Zeroizing<String>> {
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
pub(super) fn failed(failure: Failure, line: &mut Line) -> Answer {
    match failure {
        Failure::Limited(wait) => {
            line.reason = Some(Reason::Rate.as_str());
            respond::limited(crate::http::rate::retry_after(wait))
        }
        Failure::Store(e) => {
            say!(
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
/// client waits on the network), shared by the checks of one prefix that
/// arrived before it began ([`reads`](crate::http::reads)); argon2 only in
/// a hashing slot. The
/// bookkeeping (`last_used`) comes after the answer, off its path.
async fn verified(
    state: &Arc<State>,
    presented: Presented,
    needs: Requirements,
) -> Result<Result<Good, Reason>, Failure> {
    let reused_prefix = presented.prefix().to_owned();
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
        let p = presented.clone();
        let key = (presented.kind(), presented.prefix().to_owned());
        let found = state
            .reads
            .read(key, move || {
                worker
                    .verifier
                    .with_store(|s| crate::verifier::Verifier::read(s, &p))
            })
            .await?;
        state.verifier.decide(found, &presented, &needs)
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
    if matches!(outcome, Err(Reason::Reused)) {
        disable_reused(state, reused_prefix);
    }
    // Every good check counts against the token's rate (its parent's for
    // an access token); one over it is refused and not recorded.
    if let Ok(good) = &outcome
        && let Some(rate) = good.token.rate
        && let Err(wait) = state
            .buckets
            .take(good.token.id, rate, std::time::Instant::now())
    {
        return Err(Failure::Limited(wait));
    }
    if let Ok(good) = &outcome
        && state.verifier.needs_recording(good)
    {
        let worker = Arc::clone(state);
        let good = good.clone();
        tokio::task::spawn_blocking(move || {
            if !matches!(worker.verifier.record(&good), Ok(true)) {
                write_grace_ends(&worker);
            }
        });
    }
    Ok(outcome)
}

/// The first use of a renewed token's new secret ends the old one's grace;
/// this process refuses the old secret from then on, but other processes
/// (another serve, `verify`, `exchange`) learn it from the store, as they
/// learn that a self-rotated secret coming back is theft. An end the store
/// could not take (another process held SQLite's lock at that moment) is
/// tried again, off the answer's path, until it is written; one thread at
/// a time does it.
fn write_grace_ends(state: &Arc<State>) {
    use std::sync::atomic::Ordering;
    if !state.verifier.grace_ends_pending() || state.writing_grace_ends.load(Ordering::Acquire) {
        return;
    }
    let worker = Arc::clone(state);
    // A thread of its own: a store that never takes the write (read-only)
    // must not hold up the runtime's stop, which waits for blocking tasks.
    let retry = move || {
        loop {
            if !worker.verifier.grace_ends_pending()
                || worker.writing_grace_ends.swap(true, Ordering::AcqRel)
            {
                return;
            }
            let mut pause = Duration::from_millis(20);
            while worker.verifier.grace_ends_pending() {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(30));
                let _ = worker.verifier.write_grace_ends();
            }
            worker.writing_grace_ends.store(false, Ordering::Release);
            // An end that waited while this thread was stopping is not
            // left behind: the loop looks again.
        }
    };
    std::thread::spawn(retry);
}

/// The token presented, read and checked: good, or the answer that refuses
/// it (no token, malformed, refused, the store failing), with the access
/// log's reason set. `/auth`, `/v1/verify`, `/v1/exchange` and
/// `/v1/rotate` all check this way.
pub(super) async fn checked(
    state: &Arc<State>,
    input: Option<Zeroizing<String>>,
    needs: Requirements,
    line: &mut Line,
) -> Result<Good, Answer> {
    let presented = read_presented(input, line).map_err(|answer| *answer)?;
    match verified(state, presented, needs).await {
        Err(failure) => Err(failed(failure, line)),
        Ok(Err(reason)) => {
            line.reason = Some(reason.label());
            Err(respond::refused(reason, reason.explain()))
        }
        Ok(Ok(good)) => Ok(good),
    }
}

/// A secret retired by a self-rotation came back after its successor was
/// used: its token is disabled, off the answer's path (the caller gets
/// `unknown` at once), tried again until the store takes it. Said on
/// stderr whatever `--quiet` says.
fn disable_reused(state: &Arc<State>, prefix: String) {
    let worker = Arc::clone(state);
    std::thread::spawn(move || {
        let mut pause = Duration::from_secs(1);
        loop {
            match worker.verifier.disable_reused(&prefix) {
                Ok(Some(token)) => {
                    say!(
                        "tokenctl serve: the retired secret {prefix} of token {} came back after its successor was used: the token is disabled",
                        crate::domain::text::quoted(&token.name)
                    );
                    return;
                }
                Ok(None) => return,
                Err(e) => {
                    say!(
                        "tokenctl serve: the retired secret {prefix} came back after its successor was used; its token could not be disabled yet ({}); trying again in {}s",
                        crate::error::one_line(&e.message),
                        pause.as_secs()
                    );
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
    });
}

/// What a good check's answer carries besides the identity headers.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Shape {
    /// Nothing (`/auth`): nginx's `auth_request` reads only the head of
    /// the answer, and drops its keep-alive connection to serve when a body
    /// follows, a new connection for every request.
    HeadersOnly,
    /// `verify --format json`'s object (`/v1/verify`).
    Json,
}

/// A check of the token presented (`/auth`, `/v1/verify`): good, the
/// identity headers (and for `/v1/verify` the JSON object); else the
/// refusal.
pub(super) async fn check(
    state: &Arc<State>,
    input: Option<Zeroizing<String>>,
    needs: Requirements,
    shape: Shape,
    line: &mut Line,
) -> Answer {
    let good = match checked(state, input, needs, line).await {
        Ok(good) => good,
        Err(answer) => return answer,
    };
    let mut r = if shape == Shape::Json {
        let shown = good.as_used(chrono::Utc::now());
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
