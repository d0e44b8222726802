//! The JSON export: a metric frame, the document `onMetrics` subscribers receive.
//!
//! `exportMetrics("json")` writes a preview of the next frame (see
//! [`Telemetry::peek_frame`]): the same `seq` and window start the next frame will have, the
//! window ending now, and no alert transitions, since alert rules run only when a frame is
//! built. Pushes send the frames themselves. Either validates against
//! `cache-wasm/schema/frame.schema.json`.

use std::fmt::{self, Write};

use crate::core::telemetry::frame::Frame;
use crate::core::telemetry::Telemetry;

/// The media type of a frame.
pub const CONTENT_TYPE: &str = "application/json";

/// Writes `frame` of `telemetry`'s cache, built in process or isolate `instance`.
pub fn write(
    out: &mut impl Write,
    telemetry: &Telemetry,
    frame: &Frame,
    instance: &str,
) -> fmt::Result {
    telemetry.write_frame(frame, instance, out)
}
