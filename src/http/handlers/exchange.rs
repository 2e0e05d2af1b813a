//! `POST /v1/exchange`: an API token for a short-lived access token.

use std::net::IpAddr;
use std::sync::Arc;

use hyper::StatusCode;
use hyper::header::{self, HeaderValue};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Line, checked, failed};
use crate::domain::when;
use crate::http::State;
use crate::http::gate::Failure;
use crate::http::respond::{self, Answer};
use crate::verify::{self, Reason, Requirements};

/// `POST /v1/exchange`: an API token for a short-lived access token,
/// answered as OAuth does. The new secret is hashed in a hashing slot.
pub(crate) async fn exchange(
    state: &Arc<State>,
    input: Option<Zeroizing<String>>,
    query: Option<&str>,
    client: Option<IpAddr>,
    line: &mut Line,
) -> Answer {
    // No ttl: 2 h, or the policy's max-access-ttl when shorter.
    let ttl_text = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "ttl")
        .map(|(_, v)| v.into_owned());
    let ttl = match ttl_text
        .map(|t| when::duration("ttl", &t, Some((chrono::Duration::hours(24), "24h"))))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return respond::error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let needs = Requirements {
        from: client,
        ..Requirements::default()
    };
    let good = match checked(state, input, needs, line).await {
        Err(answer) => return answer,
        Ok(good) if matches!(good.via, verify::Via::Access { .. }) => {
            line.reason = Some("unknown");
            return respond::refused(Reason::Unknown, "an access token cannot be exchanged");
        }
        Ok(good) => good,
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
        // The policy refused the ttl asked for.
        Ok(Err(e)) if crate::error::kind_of(&e) == crate::error::Kind::Usage => respond::error(
            StatusCode::BAD_REQUEST,
            &crate::error::one_line(&e.to_string()),
        ),
        Ok(Err(e)) if crate::error::kind_of(&e) == crate::error::Kind::Rejected => {
            line.reason = Some("unknown");
            respond::refused(
                Reason::Unknown,
                "the token was renewed, disabled or deleted meanwhile",
            )
        }
        Ok(Err(e)) => failed(Failure::Store(e), line),
        Err(failure) => failed(failure, line),
    }
}
