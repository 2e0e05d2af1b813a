//! Dynamic completion: token and pool names from the store, for
//! `clap_complete`'s `COMPLETE` protocol.

use clap_complete::CompletionCandidate;

use crate::store::{Location, Open, Store};

/// The store the shell's environment points at (the command line's own
/// --db is not visible to a completer). Any failure: no candidates.
fn store() -> Option<Store> {
    let path = match std::env::var_os("TOKENCTL_DB").filter(|p| !p.is_empty()) {
        Some(p) => p.into(),
        None => crate::cli::default_db_path().ok()?,
    };
    Store::open(&Location::parse(path), Open::Read).ok()
}

/// The shell that asked (`COMPLETE`), read before `clap_complete` takes the
/// variable out of the environment.
static SHELL: std::sync::OnceLock<Option<std::ffi::OsString>> = std::sync::OnceLock::new();

pub(super) fn when_asked() {
    SHELL.get_or_init(|| std::env::var_os("COMPLETE"));
    clap_complete::CompleteEnv::with_factory(<crate::cli::Cli as clap::CommandFactory>::command)
        .complete();
}

/// A name as the calling shell must receive it. bash inserts a candidate
/// as it is, so a name with a space or a shell character is given escaped
/// (`beta\ bot`); zsh and fish quote candidates themselves.
fn for_shell(name: String) -> String {
    if SHELL
        .get()
        .and_then(Option::as_ref)
        .is_none_or(|s| s != "bash")
    {
        return name;
    }
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if !(c.is_alphanumeric() || "._-+,:/@%^=".contains(c)) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub(super) fn token_names() -> Vec<CompletionCandidate> {
    let mut found = Vec::new();
    if let Some(mut store) = store() {
        let _ = store.read(|db| {
            db.each_token(None, &mut |t| {
                found.push(
                    CompletionCandidate::new(for_shell(t.name))
                        .help(Some(format!("prefix {}", t.prefix).into())),
                );
                Ok(())
            })
        });
    }
    found
}

pub(super) fn pool_names() -> Vec<CompletionCandidate> {
    store()
        .and_then(|mut s| s.read(|db| db.pool_names()).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|p| CompletionCandidate::new(for_shell(p)))
        .collect()
}
