//! The stats snapshot of `getStats`: counts, rates, sizes, evictions and TTL figures as JSON.

use std::fmt::{self, Write};

use super::json::Obj;
use super::store::{Counts, RemovalCause, Store};

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
        }
    }

    /// The window's length in ms, none for `All`.
    pub fn span_ms(self) -> Option<f64> {
        match self {
            Period::All => None,
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

/// Everything a stats snapshot reports, for one period.
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
    /// Writes the snapshot in the shape `getStats` returns.
    pub fn write_json(&self, out: &mut impl Write) -> fmt::Result {
        let c = &self.counts;
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
        o.raw("latency", |w| {
            w.write_str(r#"{"get":null,"set":null,"delete":null}"#)
        })?;
        o.raw("size", |w| {
            let mut s = Obj::new(w)?;
            s.count("entries", u64::from(self.store.len()))?;
            s.count("bytes", self.store.bytes())?;
            s.count("max_entries", u64::from(self.store.max_entries()))?;
            s.count("max_bytes", self.store.max_bytes())?;
            s.end()
        })?;
        o.raw("evictions", |w| {
            let mut e = Obj::new(w)?;
            e.count("total", c.removed_total())?;
            e.raw("by_cause", |w| {
                let mut b = Obj::new(w)?;
                for cause in RemovalCause::ALL {
                    b.count(cause.name(), c.removed(cause))?;
                }
                b.end()
            })?;
            e.end()
        })?;
        o.raw("errors", |w| w.write_str(r#"{"total":0,"by_type":{}}"#))?;
        o.raw("ttl", |w| {
            let mut t = Obj::new(w)?;
            t.count("expired", c.removed(RemovalCause::Expired))?;
            t.count("expired_unread", c.expired_unread)?;
            t.count("entries_with_ttl", u64::from(self.store.entries_with_ttl()))?;
            t.num(
                "mean_ttl_ms",
                if c.ttl_sets == 0 {
                    0.0
                } else {
                    c.ttl_sum_ms / c.ttl_sets as f64
                },
            )?;
            t.num(
                "mean_remaining_ttl_at_hit_ms",
                if c.ttl_hits == 0 {
                    0.0
                } else {
                    c.ttl_remaining_sum_ms / c.ttl_hits as f64
                },
            )?;
            t.end()
        })?;
        o.raw("layers", |w| {
            let mut l = Obj::new(w)?;
            l.raw("memory", |w| {
                let mut m = Obj::new(w)?;
                m.count("gets", c.gets)?;
                m.count("hits", c.hits)?;
                m.count("misses", c.misses)?;
                m.num("hit_rate", percent(c.hits, c.gets))?;
                m.raw("latency", |w| w.write_str(r#"{"get":null,"set":null,"delete":null}"#))?;
                m.raw("errors", |w| w.write_str(r#"{"total":0,"by_type":{}}"#))?;
                m.end()
            })?;
            for name in self.layers {
                l.raw(name, |w| {
                    w.write_str(r#"{"gets":0,"hits":0,"misses":0,"hit_rate":0,"latency":{"get":null,"set":null,"delete":null},"errors":{"total":0,"by_type":{}}}"#)
                })?;
            }
            l.end()
        })?;
        o.raw("alerts", |w| w.write_str("[]"))?;
        o.end()
    }
}
