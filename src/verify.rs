//! Checking a presented token, as a library (spec section 6): read the
//! credential out of the forms clients send, then one indexed lookup by
//! prefix and one argon2 verification. The check itself is in `check`;
//! this is its public face.
//!
//! ```no_run
//! use tokenctl::verify::{self, Requirements};
//! let outcome = verify::once(
//!     std::path::Path::new("/var/lib/tokenctl/tokenctl.db"),
//!     "Authorization: Bearer tkc1Ab3dE9xQ…",
//!     &Requirements { write: true, pool: Some("plant-a".into()), ..Default::default() },
//! )?;
//! match outcome {
//!     Ok(good) => println!("{} may write to plant-a", good.token.name),
//!     Err(reason) => println!("rejected: {}", reason.as_str()),
//! }
//! # Ok::<(), tokenctl::error::Error>(())
//! ```

pub use crate::check::judge::{
    Accepted, AccessTokenView, Good, Reason, Rejected, Requirements, Via,
};
pub use crate::check::once;
pub use crate::check::presented::{MAX_INPUT, extract, presented, read_input};
