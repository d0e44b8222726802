//! The pure-Rust core: settings, the store and its policies, stats, telemetry, the HTML report.
//! No JS here; time is an input.

pub(crate) mod chunked;
pub mod config;
pub(crate) mod expiries;
pub mod export;
pub mod format;
#[cfg(feature = "serde")]
pub mod frame_types;
pub(crate) mod index;
pub mod json;
pub mod layers;
pub(crate) mod policy;
pub mod report;
pub(crate) mod slab;
pub mod stats;
pub mod store;
pub mod telemetry;

#[cfg(test)]
mod model_tests;

pub use slab::NIL;
