//! The stats snapshot of `getStats` and of frames: counts, rates, latency, sizes, evictions
//! (removals the cache chose), explicit removals, errors, TTL figures, layers and alerts,
//! written as JSON.

use std::fmt::{self, Write};

use super::json::Obj;
use super::store::{Counts, RemovalCause, Store};
use super::telemetry::alerts::AlertState;
use super::telemetry::histogram::SparseHistogram;
use super::telemetry::tally::{ErrorType, Tally};
use super::telemetry::{Latency, Op, MEMORY};

/// The span a stats snapshot covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// Since the cache was created.
    All,
    /// The last 60 seconds.
    Minute,
    /// The last hour.
    Hour,
    /// The last 24 hours.
    Day,
    /// The interval since the previous metric frame (a frame's `window`; not a `getStats` period).
    Interval,
}

impl Period {
    /// Parses `"all"`, `"minute"`, `"hour"` or `"day"`.
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "all" => Some(Period::All),
            "minute" => Some(Period::Minute),
            "hour" => Some(Period::Hour),
            "day" => Some(Period::Day),
            _ => None,
        }
    }

    /// The name used in stats.
    pub fn name(self) -> &'static str {
        match self {
            Period::All => "all",
            Period::Minute => "minute",
            Period::Hour => "hour",
            Period::Day => "day",
            Period::Interval => "interval",
        }
    }

    /// The window's length in ms, none for `All`.
    pub fn span_ms(self) -> Option<f64> {
        match self {
            Period::All | Period::Interval => None,
            Period::Minute => Some(60_000.0),
            Period::Hour => Some(3_600_000.0),
            Period::Day => Some(86_400_000.0),
        }
    }
}

/// A percentage of `part` in `whole`, 0 when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Sizes and limits of the store, always current.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Live entries.
    pub entries: u64,
    /// Accounted bytes.
    pub bytes: u64,
    /// The entry bound.
    pub max_entries: u64,
    /// The byte bound, 0 for none.
    pub max_bytes: u64,
    /// Entries held that have a TTL.
    pub entries_with_ttl: u64,
}

impl Sizes {
    /// The sizes of `store` now.
    pub fn of(store: &Store) -> Sizes {
        Sizes {
            entries: u64::from(store.len()),
            bytes: store.bytes(),
            max_entries: u64::from(store.max_entries()),
            max_bytes: store.max_bytes(),
            entries_with_ttl: u64::from(store.entries_with_ttl()),
        }
    }
}

/// Everything a stats snapshot reports, for one period, without telemetry figures.
#[derive(Clone, Debug)]
pub struct Snapshot<'a> {
    /// The period covered.
    pub period: Period,
    /// Start of the window in ms since the epoch.
    pub window_start_ms: f64,
    /// End of the window in ms since the epoch.
    pub window_end_ms: f64,
    /// The counts within the window.
    pub counts: Counts,
    /// The store, for sizes and limits (always current).
    pub store: &'a Store,
    /// Names of the layers below memory.
    pub layers: &'a [String],
}

impl Snapshot<'_> {
    /// Writes the snapshot in the shape `getStats` returns, latency null and no errors.
    pub fn write_json(&self, out: &mut impl Write) -> fmt::Result {
        let tally = Tally {
            counts: self.counts.clone(),
            layers: Vec::new(),
            errors: Vec::new(),
        };
        StatsView {
            period: self.period,
            window_start_ms: self.window_start_ms,
            window_end_ms: self.window_end_ms,
            tally: &tally,
            sizes: Sizes::of(self.store),
            layer_names: self.layers,
            latency: None,
            alerts: &[],
        }
        .write_json(out)
    }
}

/// A complete stats snapshot, telemetry figures included; what `getStats` and frames write.
#[derive(Clone, Copy, Debug)]
pub struct StatsView<'a> {
    /// The period covered.
    pub period: Period,
    /// Start of the window in ms since the epoch.
    pub window_start_ms: f64,
    /// End of the window in ms since the epoch.
    pub window_end_ms: f64,
    /// Counts and errors within the window.
    pub tally: &'a Tally,
    /// Sizes and limits, always current.
    pub sizes: Sizes,
    /// Names of the layers below memory.
    pub layer_names: &'a [String],
    /// Latency within the window per series (`layer * 3 + op`); `None` writes nulls.
    pub latency: Option<&'a [SparseHistogram]>,
    /// Alert states.
    pub alerts: &'a [AlertState],
}

/// Writes one latency figure: `{ count, mean_ms, p50_ms, p95_ms, p99_ms, max_ms }` or null.
fn write_latency(
    out: &mut impl Write,
    latency: Option<&[SparseHistogram]>,
    layer: usize,
    op: Op,
) -> fmt::Result {
    let Some(all) = latency else {
        return out.write_str("null");
    };
    let empty = SparseHistogram::new();
    let h = all
        .get(layer * Op::ALL.len() + op.index())
        .unwrap_or(&empty);
    let l = Latency::of(h);
    let mut o = Obj::new(out)?;
    o.count("count", l.count)?;
    o.num("mean_ms", l.mean_ms)?;
    o.num("p50_ms", l.p50_ms)?;
    o.num("p95_ms", l.p95_ms)?;
    o.num("p99_ms", l.p99_ms)?;
    o.num("max_ms", l.max_ms)?;
    o.end()
}

/// Writes `{ get, set, delete }` latency of one layer.
fn write_ops(
    out: &mut impl Write,
    latency: Option<&[SparseHistogram]>,
    layer: usize,
) -> fmt::Result {
    let mut o = Obj::new(out)?;
    for op in Op::ALL {
        o.raw(op.name(), |w| write_latency(w, latency, layer, op))?;
    }
    o.end()
}

/// Writes `{ total, by_type }`; `count` gives each type's number.
fn write_errors(out: &mut impl Write, count: impl Fn(ErrorType) -> u64) -> fmt::Result {
    let mut o = Obj::new(out)?;
    o.count("total", ErrorType::ALL.iter().map(|&t| count(t)).sum())?;
    o.raw("by_type", |w| {
        let mut b = Obj::new(w)?;
        for t in ErrorType::ALL {
            b.count(t.name(), count(t))?;
        }
        b.end()
    })?;
    o.end()
}

/// Writes `{ total, by_cause }` of the removals for `causes`; the total is their sum.
fn write_causes(out: &mut impl Write, c: &Counts, causes: &[RemovalCause]) -> fmt::Result {
    let mut o = Obj::new(out)?;
    o.count("total", causes.iter().map(|&cause| c.removed(cause)).sum())?;
    o.raw("by_cause", |w| {
        let mut b = Obj::new(w)?;
        for &cause in causes {
            b.count(cause.name(), c.removed(cause))?;
        }
        b.end()
    })?;
    o.end()
}

/// The name of layer `layer` (0 = memory).
pub fn layer_name(names: &[String], layer: usize) -> &str {
    match layer.checked_sub(1) {
        None => "memory",
        Some(k) => names.get(k).map_or("unknown", String::as_str),
    }
}

/// Writes one alert state.
fn write_alert(out: &mut impl Write, a: &AlertState, names: &[String]) -> fmt::Result {
    let mut o = Obj::new(out)?;
    o.str("type", a.kind.name())?;
    o.str("state", a.status.name())?;
    o.num("value", a.value)?;
    o.num("threshold", a.threshold)?;
    o.num("since_ms", a.since_ms)?;
    o.str("op", a.op.name())?;
    o.str("layer", layer_name(names, a.layer))?;
    o.end()
}

impl StatsView<'_> {
    /// Writes the snapshot in the shape `getStats` returns.
    pub fn write_json(&self, out: &mut impl Write) -> fmt::Result {
        let t = self.tally;
        let c = &t.counts;
        let mut o = Obj::new(out)?;
        o.str("period", self.period.name())?;
        o.num("window_start_ms", self.window_start_ms)?;
        o.num("window_end_ms", self.window_end_ms)?;
        o.count("gets", c.gets)?;
        o.count("hits", c.hits)?;
        o.count("misses", c.misses)?;
        o.count("sets", c.sets)?;
        o.count("deletes", c.deletes)?;
        o.num("hit_rate", percent(c.hits, c.gets))?;
        o.num("miss_rate", percent(c.misses, c.gets))?;
        o.raw("latency", |w| write_ops(w, self.latency, MEMORY))?;
        o.raw("size", |w| {
            let mut s = Obj::new(w)?;
            s.count("entries", self.sizes.entries)?;
            s.count("bytes", self.sizes.bytes)?;
            s.count("max_entries", self.sizes.max_entries)?;
            s.count("max_bytes", self.sizes.max_bytes)?;
            s.end()
        })?;
        o.raw("evictions", |w| {
            write_causes(w, c, &RemovalCause::EVICTIONS)
        })?;
        o.raw("removals", |w| write_causes(w, c, &RemovalCause::EXPLICIT))?;
        o.raw("errors", |w| write_errors(w, |ty| t.error_by_type(ty)))?;
        o.raw("ttl", |w| {
            let mut x = Obj::new(w)?;
            x.count("expired", c.removed(RemovalCause::Expired))?;
            x.count("expired_unread", c.expired_unread)?;
            x.count("entries_with_ttl", self.sizes.entries_with_ttl)?;
            x.num("mean_ttl_ms", c.mean_ttl_ms())?;
            x.num(
                "mean_remaining_ttl_at_hit_ms",
                c.mean_remaining_ttl_at_hit_ms(),
            )?;
            x.end()
        })?;
        o.raw("layers", |w| {
            let mut l = Obj::new(w)?;
            for layer in 0..=self.layer_names.len() {
                let (gets, hits, misses) = if layer == MEMORY {
                    (c.gets, c.hits, c.misses)
                } else {
                    let n = t.layer(layer);
                    (n.gets, n.hits, n.misses)
                };
                l.raw(layer_name(self.layer_names, layer), |w| {
                    let mut m = Obj::new(w)?;
                    m.count("gets", gets)?;
                    m.count("hits", hits)?;
                    m.count("misses", misses)?;
                    m.num("hit_rate", percent(hits, gets))?;
                    m.raw("latency", |w| write_ops(w, self.latency, layer))?;
                    m.raw("errors", |w| write_errors(w, |ty| t.error(Some(layer), ty)))?;
                    m.end()
                })?;
            }
            l.end()
        })?;
        o.raw("alerts", |w| {
            w.write_char('[')?;
            for (k, a) in self.alerts.iter().enumerate() {
                if k > 0 {
                    w.write_char(',')?;
                }
                write_alert(w, a, self.layer_names)?;
            }
            w.write_char(']')
        })?;
        o.end()
    }
}
