//! The long-lived check for a service (spec sections 6 and 9); see
//! [`Verifier`]. The check itself is in `check`; this is its public face.

pub use crate::check::verifier::{CONNECTION_WAIT, DEFAULT_CONNECTIONS, Options, Stats, Verifier};
