//! The live dashboard of cache-wasm: a Yew app drawn from metric frames.
//!
//! - [`state`]: the reducer (frames kept by source, the source shown, period, pause, clear,
//!   connection), tested natively.
//! - [`history`]: bounded points for the live, hour and day views.
//! - [`source`]: which frames are new, payload parsing, poll intervals and retries (no
//!   browser needed).
//! - [`feed`]: the pipe from sources to the mounted app.
//! - [`components`]: one component a file; [`charts`]: SVG charts and their geometry.
//! - `connect` and `mount` (wasm32 only): the browser sources and `mount()`, which the
//!   package's `dashboard.js` calls as `mountDashboard`.
//!
//! Frames are read into `cache_wasm::core::frame_types`, defined once in the core.

pub mod charts;
pub mod components;
pub mod feed;
pub mod format;
pub mod history;
pub mod source;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod connect;
#[cfg(target_arch = "wasm32")]
mod mount;
