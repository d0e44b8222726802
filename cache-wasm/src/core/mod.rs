//! The pure-Rust core: settings, the store and its policies. No JS here; time is an input.

pub mod config;
pub(crate) mod policy;
pub(crate) mod slab;
pub mod store;

pub use slab::NIL;
