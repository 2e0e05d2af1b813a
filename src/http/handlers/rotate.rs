//! `POST /v1/rotate` (spec section 15): a token renews itself. The policy
//! is asked first (no argon2 work when `self-rotation` is off), then the
//! token is checked as `/auth` checks it, bindings and rate included, then
//! renewed by [`crate::ops::rotate`] with the new secret hashed in a
//! hashing slot.

use std::sync::Arc;

use hyper::StatusCode;
use hyper::header::{self, HeaderValue};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Line, checked, failed};
use crate::domain::token;
use crate::domain::when;
use crate::error::Kind;
use crate::http::State;
use crate::http::gate::Failure;
use crate::http::respond::{self, Answer};
use crate::verify::{self, Reason, Requirements};

fn policy_refuses(line: &mut Line) -> Answer {
    line.reason = Some(Reason::Policy.as_str());
    respond::refused(
        Reason::Policy,
        "the account's policy does not let tokens rotate themselves (self-rotation off)",
    )
}

pub(crate) async fn rotate(
    state: &Arc<State>,
    input: Option<Zeroizing<String>>,
    needs: Requirements,
    line: &mut Line,
) -> Answer {
    let worker = Arc::clone(state);
    let allowed = tokio::task::spawn_blocking(move || {
        worker.verifier.with_store(crate::ops::rotate::allowed)
    })
    .await;
    match allowed {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => return policy_refuses(line),
        Ok(Err(e)) => return failed(Failure::Store(e), line),
        Err(e) => {
            return failed(
                Failure::Store(anyhow::anyhow!("the check stopped: {e}")),
                line,
            );
        }
    }
    let good = match checked(state, input, needs, line).await {
        Err(answer) => return answer,
        Ok(good) if matches!(good.via, verify::Via::Access { .. }) => {
            line.reason = Some(Reason::Access.as_str());
            return respond::refused(
                Reason::Access,
                "an access token cannot rotate; its API token can",
            );
        }
        Ok(good) => good,
    };
    let worker = Arc::clone(state);
    let rotated = state
        .hashing
        .run(move |memory| {
            worker.verifier.with_store(|store| {
                crate::ops::rotate::rotate(store, &good, chrono::Utc::now(), |t| {
                    token::hash_in(t, memory)
                })
            })
        })
        .await;
    match rotated {
        Ok(Ok(r)) => {
            #[derive(Serialize)]
            struct Body<'a> {
                token: &'a str,
                prefix: &'a str,
                expires_at: Option<String>,
                grace_until: String,
            }
            let mut answer = respond::json(
                StatusCode::OK,
                &Body {
                    token: &r.secret,
                    prefix: &r.token.prefix,
                    expires_at: r.token.expires_at.map(when::rfc3339),
                    grace_until: when::rfc3339(r.grace_until),
                },
            );
            answer
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            answer
        }
        // The policy was turned off meanwhile.
        Ok(Err(e)) if crate::error::kind_of(&e) == Kind::Usage => policy_refuses(line),
        Ok(Err(e)) if crate::error::kind_of(&e) == Kind::Rejected => {
            line.reason = Some(Reason::Unknown.as_str());
            respond::refused(
                Reason::Unknown,
                "the token was renewed, disabled or deleted meanwhile",
            )
        }
        Ok(Err(e)) => failed(Failure::Store(e), line),
        Err(failure) => failed(failure, line),
    }
}
