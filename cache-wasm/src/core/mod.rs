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

/// The number the environment variable `name` holds, or `default` when it is unset or not a
/// number: how long test runs are asked for (`CACHE_REPLAY_SEEDS`, `CACHE_MODEL_SEQUENCES`).
#[cfg(test)]
pub(crate) fn env_count<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
