//! cache-wasm: a cache with built-in telemetry for web apps and edge workers.
//!
//! The [`core`] module is plain Rust (store, eviction policies, settings) and is tested
//! natively. The `bindings` module, built with the `bindings` feature, is the only code
//! that talks to JavaScript.

pub mod core;

#[cfg(feature = "bindings")]
pub mod bindings;
