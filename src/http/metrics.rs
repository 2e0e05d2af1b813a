//! `/metrics`: Prometheus counters of what serve answered.

use std::sync::atomic::{AtomicU64, Ordering};

use hyper::StatusCode;

use crate::lock::LockAnyway;
use crate::verifier::Verifier;

/// Prometheus counters: checks by status and reason, and a latency histogram.
#[derive(Default)]
pub(crate) struct Metrics {
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
    pub(crate) fn observe(&self, status: StatusCode, reason: Option<&'static str>, micros: u128) {
        let micros = u64::try_from(micros).unwrap_or(u64::MAX);
        *self
            .by_outcome
            .lock_anyway()
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

    /// The text Prometheus reads; `rate_buckets` is how many tokens'
    /// rate buckets this process holds (the rest have refilled).
    pub(crate) fn render(&self, verifier: &Verifier, rate_buckets: usize) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP tokenctl_requests_total Requests answered, by status and refusal reason.\n",
        );
        out.push_str("# TYPE tokenctl_requests_total counter\n");
        for ((status, reason), n) in self.by_outcome.lock_anyway().iter() {
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
        out.push_str(&format!(
            "# HELP tokenctl_rate_buckets Tokens with a rate bucket that has not refilled, in this process.
             # TYPE tokenctl_rate_buckets gauge
             tokenctl_rate_buckets {rate_buckets}
"
        ));
        out
    }
}
