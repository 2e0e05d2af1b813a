//! tokenctl: an account's API tokens in a local SQLite store.
//!
//! The binary is a thin shell over [`run`]. As a library, [`verify`] checks
//! a presented token against a store, [`verifier::Verifier`] does it for a
//! long-running service, and [`token`] is the token format; everything else
//! is the tool's own. The layers, arrows pointing down only: [`cli`] and
//! [`http`] (the two fronts) over `ops` (the account's operations) over the
//! check (`verify`, `verifier`) over `store` over the [`domain`] (`model`,
//! `token`, `chain`, `when`, `text`: no I/O).

// One exception, argued where it is: token::prefer_huge_pages.
#![deny(unsafe_code)]

pub mod check;
pub mod cli;
pub mod domain;
pub mod error;
pub mod http;
pub(crate) mod lock;
pub(crate) mod ops;
pub(crate) mod store;
pub mod verifier;
pub mod verify;

pub use domain::{model, token};

#[doc(hidden)]
pub use store::schema;

pub use cli::{
    clipboard_holder_requested, complete_when_asked, hold_clipboard, man, man_pages_requested, run,
};

/// Support for the benchmark (`benches/tokenctl`): not part of the API.
#[doc(hidden)]
pub mod bench_support {
    use std::path::Path;

    use chrono::Utc;
    use serde_json::json;

    use crate::domain::model::{Access, Event, Op};
    use crate::domain::token;
    use crate::error::Result;
    use crate::store::{NewToken, Open, Store};

    /// A bench token as `new` makes one without options, made by "bench".
    fn bench_token<'a>(
        name: &'a str,
        prefix: &'a str,
        hash: &'a str,
        now: chrono::DateTime<Utc>,
        rate: Option<crate::domain::binding::Rate>,
    ) -> NewToken<'a> {
        NewToken {
            name,
            prefix,
            hash,
            pool_id: None,
            access: Access::ReadWrite,
            owner: None,
            expires_at: None,
            created_at: now,
            created_by: "bench",
            allowed_from: &[],
            not_before: None,
            rate,
        }
    }

    /// A store with `n` tokens (one shared argon2 hash: filling 100k tokens
    /// must not take 100k hashes) and their `new` entries, padded with
    /// `modify` entries up to `log_entries`.
    pub fn fill(db: &Path, n: usize, log_entries: usize) -> Result<()> {
        let hash = token::hash(&token::generate_with_prefix(token::Kind::Api, "Bench000")?)?;
        let mut store = Store::open(
            &crate::store::Location::parse(db.to_path_buf()),
            Open::Create,
        )?;
        let now = Utc::now();
        store.write(|tx| {
            tx.insert_pool("plant-a", now, "bench")?;
            for i in 0..n {
                let name = format!("token-{i:06}");
                let prefix = format!("B{i:07}");
                let id = tx
                    .insert_token(&bench_token(&name, &prefix, &hash, now, None))?
                    .id;
                tx.append_log(Event {
                    actor: "bench",
                    op: Op::New,
                    token_id: Some(id),
                    token: Some(&name),
                    prefix: Some(&prefix),
                    details: json!({"access": "read-write"}),
                })?;
            }
            let actors = ["alice", "bob", "carol", "dave"];
            for i in n..log_entries {
                let t = i % n.max(1);
                let name = format!("token-{t:06}");
                let prefix = format!("B{t:07}");
                tx.append_log(Event {
                    actor: actors[i % actors.len()],
                    op: Op::Modify,
                    token_id: Some(t as i64 + 1),
                    token: Some(&name),
                    prefix: Some(&prefix),
                    details: json!({"owner": [null, format!("owner-{i}")]}),
                })?;
            }
            Ok(())
        })
    }

    /// Append `count` log entries in transactions of `per_commit`, to the
    /// store at `db` (a path or a postgres:// URL); `committed` is called
    /// after each commit with the newest entry's id.
    pub fn append(
        db: &Path,
        count: usize,
        per_commit: usize,
        committed: &mut dyn FnMut(i64),
    ) -> Result<()> {
        let mut store = Store::open(
            &crate::store::Location::parse(db.to_path_buf()),
            Open::Create,
        )?;
        let mut left = count;
        while left > 0 {
            let n = left.min(per_commit.max(1));
            let last = store.write(|tx| {
                let mut last = 0;
                for i in 0..n {
                    last = tx
                        .append_log(Event {
                            actor: "bench",
                            op: Op::Modify,
                            token_id: None,
                            token: Some("followed"),
                            prefix: Some("F0000000"),
                            details: json!({"owner": [null, format!("owner-{i}")]}),
                        })?
                        .id;
                }
                Ok(last)
            })?;
            committed(last);
            left -= n;
        }
        Ok(())
    }

    /// `n` tokens with their own secrets (real argon2 hashes, made on
    /// every core) and the rate `rate`, stored in one transaction; their
    /// secrets, to flood serve with distinct rate-limited tokens.
    pub fn fill_distinct(db: &Path, n: usize, rate: &str) -> Result<Vec<String>> {
        let rate = crate::domain::binding::Rate::parse(rate)?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let made: Vec<Result<Vec<(String, String, String)>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..cores)
                .map(|w| {
                    scope.spawn(move || {
                        (w..n)
                            .step_by(cores)
                            .map(|i| {
                                let prefix = format!("R{i:07}");
                                let secret =
                                    token::generate_with_prefix(token::Kind::Api, &prefix)?;
                                let hash = token::hash(&secret)?;
                                Ok((prefix, secret.to_string(), hash))
                            })
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|_| Ok(Vec::new())))
                .collect()
        });
        let mut tokens = Vec::with_capacity(n);
        for batch in made {
            tokens.extend(batch?);
        }
        let mut store = Store::open(
            &crate::store::Location::parse(db.to_path_buf()),
            Open::Create,
        )?;
        let now = Utc::now();
        store.write(|tx| {
            for (prefix, _, hash) in &tokens {
                let name = format!("rated-{prefix}");
                tx.insert_token(&bench_token(&name, prefix, hash, now, Some(rate)))?;
            }
            Ok(())
        })?;
        Ok(tokens.into_iter().map(|(_, secret, _)| secret).collect())
    }

    /// Rate buckets of `n` tokens, each just used (none refilled), held
    /// until dropped: the bench measures what they take.
    pub fn hold_rate_buckets(n: usize) -> Box<dyn std::any::Any> {
        let buckets = crate::http::rate::Buckets::default();
        let rate = crate::domain::binding::Rate::parse("1/1h").expect("a rate");
        let now = std::time::Instant::now();
        for id in 0..n {
            let _ = buckets.take(i64::try_from(id).unwrap_or(i64::MAX), rate, now);
        }
        Box::new(buckets)
    }
}
