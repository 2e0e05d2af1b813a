//! The account's operations, below both fronts (the command line and
//! HTTP): they take a store and typed input and return values; they never
//! print, prompt, or read the environment.

pub(crate) mod audit;
pub(crate) mod change;
pub(crate) mod copy;
pub(crate) mod find;
pub(crate) mod issue;
pub(crate) mod modify;
pub(crate) mod notify;
pub(crate) mod policy;
pub(crate) mod pool;
pub(crate) mod rotate;
#[cfg(test)]
mod tests;
