//! Dynamic completion: token and pool names from the store, for
//! clap_complete's `COMPLETE` protocol.

use clap_complete::CompletionCandidate;

use crate::store::{Location, Open, Store};

/// The store the shell's environment points at (the command line's own
/// --db is not visible to a completer). Any failure: no candidates.
fn store() -> Option<Store> {
    let path = match std::env::var_os("TOKENCTL_DB").filter(|p| !p.is_empty()) {
        Some(p) => p.into(),
        None => crate::default_db_path().ok()?,
    };
    Store::open(&Location::parse(path), Open::Read).ok()
}

pub fn token_names() -> Vec<CompletionCandidate> {
    let mut found = Vec::new();
    if let Some(mut store) = store() {
        let _ = store.read(|db| {
            db.each_token(None, &mut |t| {
                found.push(
                    CompletionCandidate::new(t.name)
                        .help(Some(format!("prefix {}", t.prefix).into())),
                );
                Ok(())
            })
        });
    }
    found
}

pub fn pool_names() -> Vec<CompletionCandidate> {
    store()
        .and_then(|mut s| s.read(|db| db.pool_names()).ok())
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}
