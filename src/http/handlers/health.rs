//! `GET /healthz` (does the store answer?) and `GET /metrics`
//! (Prometheus text: answers by status and reason, timings, the check's
//! counters).

use std::sync::Arc;

use hyper::StatusCode;

use crate::domain::model::Status;
use crate::http::State;
use crate::http::respond::{self, Answer};

/// Whether the store answers.
pub(crate) async fn health(state: &Arc<State>) -> Answer {
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

/// The counters, as Prometheus reads them, and when each active token
/// expires (`tokenctl_token_expiry_timestamp_seconds`, for alerts such as
/// `… - time() < 14*86400`). The store is read off the event loop; a store
/// that fails leaves the expiry series out, never the counters.
pub(crate) async fn metrics(state: &Arc<State>) -> Answer {
    let worker = Arc::clone(state);
    let expiring = tokio::task::spawn_blocking(move || {
        let now = chrono::Utc::now();
        worker.verifier.with_store(|store| {
            store.read(|db| {
                let mut found = Vec::new();
                db.each_token(None, &mut |t| {
                    if t.status(now) == Status::Active
                        && let Some(at) = t.expires_at
                    {
                        found.push((t.name, t.prefix, t.pool.unwrap_or_default(), at.timestamp()));
                    }
                    Ok(())
                })?;
                Ok(found)
            })
        })
    })
    .await
    .ok()
    .and_then(Result::ok);
    let mut text = state.metrics.render(&state.verifier, state.buckets.len());
    if let Some(tokens) = expiring {
        text.push_str(&expiry_series(&tokens));
    }
    respond::text(StatusCode::OK, &text)
}

/// `tokenctl_token_expiry_timestamp_seconds{name,prefix,pool}` for each
/// (name, prefix, pool, Unix time).
fn expiry_series(tokens: &[(String, String, String, i64)]) -> String {
    let mut out = String::from(
        "# HELP tokenctl_token_expiry_timestamp_seconds When each active token with an expiry expires (Unix time).\n\
         # TYPE tokenctl_token_expiry_timestamp_seconds gauge\n",
    );
    for (name, prefix, pool, at) in tokens {
        out.push_str(&format!(
            "tokenctl_token_expiry_timestamp_seconds{{name=\"{}\",prefix=\"{}\",pool=\"{}\"}} {at}\n",
            label(name),
            label(prefix),
            label(pool)
        ));
    }
    out
}

/// A label value as Prometheus's text format writes it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
