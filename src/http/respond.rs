//! The answers `serve` gives: JSON and text bodies, RFC 6750 refusals.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::verify::Reason;

pub(crate) type Answer = Response<Full<Bytes>>;

/// A refusal's body: `{"valid": false, "reason": R, "error": "…"}`.
#[derive(Serialize)]
struct Refusal<'a> {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    error: &'a str,
}

pub(crate) fn text(status: StatusCode, body: &str) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Answer {
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

/// A failure that has no reason (a bad request, the store, a full queue).
pub(crate) fn error(status: StatusCode, error: &str) -> Answer {
    json(
        status,
        &Refusal {
            valid: false,
            reason: None,
            error,
        },
    )
}

/// A good token over its rate: 429, with `Retry-After` in whole seconds.
pub(crate) fn limited(retry_after: u64) -> Answer {
    let mut r = json(
        StatusCode::TOO_MANY_REQUESTS,
        &Refusal {
            valid: false,
            reason: Some(Reason::Rate),
            error: Reason::Rate.explain(),
        },
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

/// The answer to a refused token: 401 for who it is, 403 for what it may
/// do (RFC 6750).
pub(crate) fn refused(reason: Reason, error: &str) -> Answer {
    let (status, challenge) = match reason {
        Reason::Access | Reason::Pool | Reason::Address | Reason::Policy => (
            StatusCode::FORBIDDEN,
            r#"Bearer realm="tokenctl", error="insufficient_scope""#,
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            r#"Bearer realm="tokenctl", error="invalid_token""#,
        ),
    };
    let mut r = json(
        status,
        &Refusal {
            valid: false,
            reason: Some(reason),
            error,
        },
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    r
}

pub(crate) fn no_token() -> Answer {
    let mut r = json(
        StatusCode::UNAUTHORIZED,
        &Refusal {
            valid: false,
            reason: Some(Reason::Malformed),
            error: "no token was presented",
        },
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="tokenctl""#),
    );
    r
}

/// 503: the store failed, or too much is waiting; try again shortly.
pub(crate) fn unavailable(why: &str) -> Answer {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, why);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

/// A header value for a name: visible ASCII as is, anything else
/// percent-encoded (proxies pass only ASCII safely).
pub(crate) fn header_value(s: &str) -> HeaderValue {
    let encoded: String = s
        .bytes()
        .map(|b| match b {
            b' '..=b'~' if b != b'%' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""))
}
