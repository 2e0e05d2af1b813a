//! The domain: the token format, the account's records, times, the log's
//! hash chain and the words shown to people. No I/O, no store, no front.

pub mod binding;
pub(crate) mod chain;
pub mod model;
pub mod policy;
pub(crate) mod text;
pub mod token;
pub mod webhook;
pub mod when;
