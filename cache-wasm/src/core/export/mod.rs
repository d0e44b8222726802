//! Metric export: pure encoders of a cache's figures into Prometheus text, StatsD lines and
//! JSON frames, and the endpoint that pushes go to.
//!
//! Encoders write into any `fmt::Write` and never allocate per metric beyond what the writer
//! does; they are pinned by golden tests. Transport (HTTP, UDP, queues, retries) is not here:
//! the JS wrapper sends what these functions write.
//!
//! - [`prometheus`]: text exposition 0.0.4 of the totals since creation: counters with
//!   `_total`, gauges, latency as real histograms in seconds.
//! - [`statsd`]: counters as deltas since the previous StatsD export of the same stream (a
//!   [`statsd::Cursor`] keeps the base), gauges, latency summaries as `|g` gauges in
//!   milliseconds, optional DogStatsD tags.
//! - [`json`]: the metric frame, the same document `onMetrics` subscribers receive.
//! - [`endpoint`]: parses `telemetryExportEndpoint` for a format and works out where and how a
//!   push goes (Pushgateway grouping path, UDP host and port, HTTP method).
//!
//! Keys never appear in any output: only the cache's name, layer names, operation names,
//! removal causes and error types do, and each format escapes or sanitises them.

pub mod endpoint;
pub mod json;
pub mod prometheus;
pub mod statsd;

use super::stats::layer_name;

/// What every encoder needs besides figures: the cache's name and its layers.
#[derive(Clone, Copy, Debug)]
pub struct Meta<'a> {
    /// The cache's `name` option.
    pub cache: &'a str,
    /// Names of the configured layers below memory, in order.
    pub layers: &'a [String],
}

impl<'a> Meta<'a> {
    /// Layer numbers with their names: 0 is `"memory"`, then the configured layers.
    pub fn layer_names(&self) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let layers = self.layers;
        (0..=layers.len()).map(move |k| (k, layer_name(layers, k)))
    }
}

/// Base64url (RFC 4648 §5) without padding, as the Pushgateway reads `@base64` path values.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let sym = |v: u32| -> char {
        ALPHABET
            .get((v & 63) as usize)
            .map_or('A', |&b| char::from(b))
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        if chunk.len() > 1 {
            out.push(sym(n >> 6));
        }
        if chunk.len() > 2 {
            out.push(sym(n));
        }
    }
    out
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests;
