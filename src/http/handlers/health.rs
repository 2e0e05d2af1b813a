//! `GET /healthz` (does the store answer?) and `GET /metrics`
//! (Prometheus text: answers by status and reason, timings, the check's
//! counters).

use std::sync::Arc;

use hyper::StatusCode;

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

/// The counters, as Prometheus reads them.
pub(crate) fn metrics(state: &State) -> Answer {
    respond::text(
        StatusCode::OK,
        &state.metrics.render(&state.verifier, state.buckets.len()),
    )
}
