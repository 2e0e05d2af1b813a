//! The one place where failures become the spec's exit codes (section 8).

use std::fmt;
use std::process::ExitCode;

/// What went wrong, in the terms of the contract's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `verify`/`exchange` rejected the token, or `log verify` found tampering (1).
    Rejected,
    /// Usage error or invalid input (2).
    Usage,
    /// No such token or pool, or no database at the path (3).
    NotFound,
    /// The name or pool already exists, or the pool is in use (4).
    Conflict,
    /// Declined, or confirmation needed and no terminal (5).
    NotConfirmed,
    /// The database or the system failed (10).
    Storage,
    /// Ctrl-C at a question (130, as a shell reports SIGINT).
    Interrupted,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Rejected => 1,
            Kind::Usage => 2,
            Kind::NotFound => 3,
            Kind::Conflict => 4,
            Kind::NotConfirmed => 5,
            Kind::Storage => 10,
            Kind::Interrupted => 130,
        }
    }
}

/// Which failure of the store an error is, where a caller must know it
/// (`verify`'s bookkeeping skips a busy or read-only store): typed where
/// the store makes the error, so that nothing classifies an error by the
/// text of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// Another writer holds the lock past the timeout.
    Busy,
    /// The store may not be written here.
    ReadOnly,
    /// The disk is full.
    DiskFull,
}

/// An error the user caused or must act on: one line, optionally with a
/// hint. The library's error type too: its [`Kind`] says which of the
/// contract's cases it is.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", Line(self))]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    /// Which failure of the store it is, when it is one.
    pub store: Option<StoreError>,
    /// Already said (help was printed): nothing more to print.
    silent: bool,
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            store: None,
            silent: false,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, message)
    }
    pub fn not_confirmed(message: impl Into<String>) -> Self {
        Self::new(Kind::NotConfirmed, message)
    }
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(Kind::Storage, message)
    }
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(Kind::Rejected, message)
    }
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self::new(Kind::Interrupted, message)
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Which failure of the store it is.
    pub fn store(mut self, which: StoreError) -> Self {
        self.store = Some(which);
        self
    }

    /// Nothing more is to be printed for it.
    pub fn silent(mut self) -> Self {
        self.silent = true;
        self
    }

    /// The error of a library call, from whatever failed on the way: its
    /// kind and its whole chain as the message.
    pub fn from_chain(err: &anyhow::Error) -> Error {
        Error::new(kind_of(err), one_line(&format!("{err:#}")))
    }
}

/// The one line after `error: `, with its hint.
struct Line<'a>(&'a Error);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)?;
        if let Some(hint) = &self.0.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

pub type Result<T, E = anyhow::Error> = std::result::Result<T, E>;

/// The exit code for any error that reached `main`. Errors that are not ours
/// (I/O, SQLite) are system failures unless SQLite reports a busy database.
pub fn kind_of(err: &anyhow::Error) -> Kind {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            return e.kind;
        }
    }
    Kind::Storage
}

/// Which failure of the store an error chain is, if it is one.
pub fn store_error(err: &anyhow::Error) -> Option<StoreError> {
    err.chain()
        .find_map(|c| c.downcast_ref::<Error>().and_then(|e| e.store))
}

/// True when the error chain says a write to stdout hit a closed pipe:
/// `tokenctl log | head` is a success (ripgrep's rule).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A message as it may reach the terminal: one line, hidden characters
/// escaped and long runs of letters and digits shortened (spec section 8),
/// so that no error can carry a token or drive the terminal.
pub fn one_line(message: &str) -> String {
    crate::domain::text::shown(&message.replace(['\n', '\r'], " "))
}

/// End the process at once, from a signal handler (Ctrl-C at a question):
/// the one place besides [`report`] where tokenctl exits.
pub fn exit_interrupted(message: &str) -> ! {
    eprintln!("error: {}", one_line(message));
    std::process::exit(i32::from(Kind::Interrupted.exit_code()))
}

/// Print the error as the single `error: …` line and return its exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    if err
        .chain()
        .any(|c| c.downcast_ref::<Error>().is_some_and(|e| e.silent))
    {
        return ExitCode::from(kind_of(err).exit_code());
    }
    eprintln!("error: {}", one_line(&format!("{err:#}")));
    ExitCode::from(kind_of(err).exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_kind_survives_context() {
        let err = anyhow::Error::new(Error::conflict("taken")).context("while creating");
        assert_eq!(kind_of(&err), Kind::Conflict);
    }

    #[test]
    fn foreign_errors_are_system_failures() {
        let err = anyhow::anyhow!("disk on fire");
        assert_eq!(kind_of(&err), Kind::Storage);
    }

    #[test]
    fn the_store_failure_is_typed_through_context() {
        let err = anyhow::Error::new(Error::storage("locked").store(StoreError::Busy))
            .context("while renewing");
        assert_eq!(store_error(&err), Some(StoreError::Busy));
        assert_eq!(kind_of(&err), Kind::Storage);
        assert_eq!(
            store_error(&anyhow::anyhow!("the database is locked")),
            None
        );
    }

    #[test]
    fn hint_is_on_the_same_line() {
        let e = Error::usage("bad name").hint("use letters");
        assert_eq!(e.to_string(), "bad name (hint: use letters)");
    }
}
