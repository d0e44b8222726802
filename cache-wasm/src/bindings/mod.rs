//! The JS boundary: the only code that names wasm_bindgen or js_sys.
//!
//! It exports one low-level class, `Engine`, that the hand-written JS wrapper (`js/cache.js`)
//! drives with numbers: key hashes, slots, sizes and times. Keys and values stay in JS.

mod convert;
mod engine;

pub use engine::Engine;
