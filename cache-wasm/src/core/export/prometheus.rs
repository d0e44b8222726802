//! Prometheus text exposition format 0.0.4 of a cache's totals since creation.
//!
//! Names follow Micrometer's cache metrics in Prometheus form: every sample has a `cache`
//! label (the cache's name); lookups and latency have a `layer` label (`memory` or a
//! configured layer's name). Label values are escaped (`\\`, `\"`, `\n`), so no name can
//! break a line or add a label; keys never become labels.
//!
//! | family | type | labels |
//! |---|---|---|
//! | `cache_gets_total` | counter | `cache`, `layer`, `result` = `hit` or `miss` |
//! | `cache_puts_total` | counter | `cache` |
//! | `cache_deletes_total` | counter | `cache` |
//! | `cache_evictions_total` | counter | `cache`, `cause` (capacity, bytes, expired) |
//! | `cache_removals_total` | counter | `cache`, `cause` (deleted, replaced, cleared) |
//! | `cache_expired_unread_total` | counter | `cache` |
//! | `cache_errors_total` | counter | `cache`, `type` (the keys of `errors.by_type`) |
//! | `cache_size` | gauge | `cache`: live entries |
//! | `cache_bytes` | gauge | `cache`: accounted bytes |
//! | `cache_max_entries` | gauge | `cache` |
//! | `cache_max_bytes` | gauge | `cache`: 0 means no byte bound |
//! | `cache_entries_with_ttl` | gauge | `cache` |
//! | `cache_operation_duration_seconds` | histogram | `cache`, `layer`, `op` = get, set or delete |
//!
//! Evictions are the removals the cache chose (for room or by expiry), as Micrometer and
//! Caffeine count them; entries a caller removed (`delete`, a `set` over a stored key,
//! `clear`) are `cache_removals_total`, so that a sum of eviction rates never counts them.
//!
//! The histogram is written only while latency is collected (`enableTelemetry` and
//! `metricsCollection`); its `_count` counts timed operations, which with sampling is a share
//! of all operations. Buckets are [`BOUNDS`]; a value falls in the first bucket whose bound is
//! at least the top of its latency-histogram bucket (at most 1/16 above the value), so no
//! `le` bucket ever counts a value above its bound.

use std::fmt::{self, Write};

use super::Meta;
use crate::core::store::RemovalCause;
use crate::core::telemetry::histogram::{Quantiles, SparseHistogram};
use crate::core::telemetry::{ErrorType, Figures, Op, MEMORY};

/// The media type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds (`le`) of the latency buckets: the label text and the bound in ns.
pub const BOUNDS: [(&str, u64); 23] = [
    ("5e-07", 500),
    ("1e-06", 1_000),
    ("2.5e-06", 2_500),
    ("5e-06", 5_000),
    ("1e-05", 10_000),
    ("2.5e-05", 25_000),
    ("5e-05", 50_000),
    ("0.0001", 100_000),
    ("0.00025", 250_000),
    ("0.0005", 500_000),
    ("0.001", 1_000_000),
    ("0.0025", 2_500_000),
    ("0.005", 5_000_000),
    ("0.01", 10_000_000),
    ("0.025", 25_000_000),
    ("0.05", 50_000_000),
    ("0.1", 100_000_000),
    ("0.25", 250_000_000),
    ("0.5", 500_000_000),
    ("1", 1_000_000_000),
    ("2.5", 2_500_000_000),
    ("5", 5_000_000_000),
    ("10", 10_000_000_000),
];

/// Writes `s` as an escaped label value (without quotes).
pub fn escape_label(out: &mut impl Write, s: &str) -> fmt::Result {
    for c in s.chars() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '"' => out.write_str("\\\"")?,
            '\n' => out.write_str("\\n")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Writes the HELP and TYPE lines of a family.
fn header(out: &mut impl Write, name: &str, kind: &str, help: &str) -> fmt::Result {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} {kind}")
}

/// Writes `name{labels} ` (with the trailing space); labels are `(name, value)` pairs.
fn series(out: &mut impl Write, name: &str, labels: &[(&str, &str)]) -> fmt::Result {
    out.write_str(name)?;
    if !labels.is_empty() {
        out.write_char('{')?;
        for (k, (label, value)) in labels.iter().enumerate() {
            if k > 0 {
                out.write_char(',')?;
            }
            out.write_str(label)?;
            out.write_str("=\"")?;
            escape_label(out, value)?;
            out.write_char('"')?;
        }
        out.write_char('}')?;
    }
    out.write_char(' ')
}

/// One sample with an integer value.
fn sample(out: &mut impl Write, name: &str, labels: &[(&str, &str)], v: u64) -> fmt::Result {
    series(out, name, labels)?;
    writeln!(out, "{v}")
}

/// Writes a float the way Prometheus parses it (`NaN`, `+Inf`, `-Inf` included).
fn float(out: &mut impl Write, v: f64) -> fmt::Result {
    if v.is_nan() {
        out.write_str("NaN")
    } else if v.is_infinite() {
        out.write_str(if v > 0.0 { "+Inf" } else { "-Inf" })
    } else {
        write!(out, "{v}")
    }
}

/// Writes one histogram series: cumulative `_bucket`s up to `+Inf`, `_sum` in seconds, `_count`.
pub fn write_histogram(
    out: &mut impl Write,
    name: &str,
    labels: &[(&str, &str)],
    h: &SparseHistogram,
) -> fmt::Result {
    let bucket = format!("{name}_bucket");
    let mut with_le: Vec<(&str, &str)> = labels.to_vec();
    with_le.push(("le", ""));
    let last = with_le.len() - 1;
    for (text, ns) in BOUNDS {
        if let Some(le) = with_le.get_mut(last) {
            le.1 = text;
        }
        sample(out, &bucket, &with_le, h.count_le(ns))?;
    }
    if let Some(le) = with_le.get_mut(last) {
        le.1 = "+Inf";
    }
    sample(out, &bucket, &with_le, h.count())?;
    series(out, &format!("{name}_sum"), labels)?;
    float(out, h.totals().sum as f64 / 1e9)?;
    out.write_char('\n')?;
    sample(out, &format!("{name}_count"), labels, h.count())
}

/// Writes the exposition of `totals` (figures of period `"all"`).
pub fn write(out: &mut impl Write, meta: &Meta<'_>, totals: &Figures) -> fmt::Result {
    let cache = meta.cache;
    let t = &totals.tally;
    let c = &t.counts;

    let name = "cache_gets_total";
    header(out, name, "counter", "Lookups, by layer and result.")?;
    for (layer, layer_name) in meta.layer_names() {
        let (hits, misses) = if layer == MEMORY {
            (c.hits, c.misses)
        } else {
            let l = t.layer(layer);
            (l.hits, l.misses)
        };
        for (result, n) in [("hit", hits), ("miss", misses)] {
            let labels = [("cache", cache), ("layer", layer_name), ("result", result)];
            sample(out, name, &labels, n)?;
        }
    }

    let name = "cache_puts_total";
    header(out, name, "counter", "Entries stored by set calls.")?;
    sample(out, name, &[("cache", cache)], c.sets)?;

    let name = "cache_deletes_total";
    header(out, name, "counter", "Delete calls.")?;
    sample(out, name, &[("cache", cache)], c.deletes)?;

    for (name, help, causes) in [
        (
            "cache_evictions_total",
            "Entries the cache evicted from memory for room or by expiry, by cause.",
            RemovalCause::EVICTIONS,
        ),
        (
            "cache_removals_total",
            "Entries removed from memory by delete, an overwrite or clear, by cause.",
            RemovalCause::EXPLICIT,
        ),
    ] {
        header(out, name, "counter", help)?;
        for cause in causes {
            let labels = [("cache", cache), ("cause", cause.name())];
            sample(out, name, &labels, c.removed(cause))?;
        }
    }

    let name = "cache_expired_unread_total";
    header(
        out,
        name,
        "counter",
        "Entries that expired without ever being read.",
    )?;
    sample(out, name, &[("cache", cache)], c.expired_unread)?;

    let name = "cache_errors_total";
    header(
        out,
        name,
        "counter",
        "Errors counted by the cache, by type.",
    )?;
    for ty in ErrorType::ALL {
        let labels = [("cache", cache), ("type", ty.name())];
        sample(out, name, &labels, t.error_by_type(ty))?;
    }

    let s = &totals.sizes;
    for (name, help, v) in [
        ("cache_size", "Live entries in memory.", s.entries),
        (
            "cache_bytes",
            "Accounted bytes of the live entries.",
            s.bytes,
        ),
        ("cache_max_entries", "The entry bound.", s.max_entries),
        (
            "cache_max_bytes",
            "The byte bound; 0 means none.",
            s.max_bytes,
        ),
        (
            "cache_entries_with_ttl",
            "Live entries that have a TTL.",
            s.entries_with_ttl,
        ),
    ] {
        header(out, name, "gauge", help)?;
        sample(out, name, &[("cache", cache)], v)?;
    }

    if totals.latency.is_some() {
        let name = "cache_operation_duration_seconds";
        header(
            out,
            name,
            "histogram",
            "Latency of timed operations, by layer and operation.",
        )?;
        let empty = SparseHistogram::new();
        for (layer, layer_name) in meta.layer_names() {
            for op in Op::ALL {
                let h = totals.histogram(layer, op).unwrap_or(&empty);
                let labels = [("cache", cache), ("layer", layer_name), ("op", op.name())];
                write_histogram(out, name, &labels, h)?;
            }
        }
    }
    Ok(())
}
