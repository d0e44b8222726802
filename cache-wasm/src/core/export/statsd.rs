//! StatsD lines: counters as deltas since the previous StatsD export, gauges, latency summaries.
//!
//! One metric a line, `name:value|type`. With the plain flavour every dimension is a path
//! segment (`cache.<cache>.gets.<layer>.hit:3|c`); with the DogStatsD flavour names are fixed
//! and dimensions are tags (`cache.gets:3|c|#cache:<cache>,layer:memory,result:hit`).
//!
//! | metric (plain, after `<prefix>.<cache>.`) | DogStatsD name and tags | type |
//! |---|---|---|
//! | `gets.<layer>.hit`, `gets.<layer>.miss` | `gets` `layer`, `result` | `c` |
//! | `puts`, `deletes`, `expired_unread` | same | `c` |
//! | `evictions.<cause>` (capacity, bytes, expired) | `evictions` `cause` | `c` |
//! | `removals.<cause>` (deleted, replaced, cleared) | `removals` `cause` | `c` |
//! | `errors.<type>` | `errors` `type` | `c` |
//! | `size`, `bytes`, `max_entries`, `max_bytes`, `entries_with_ttl` | same | `g` |
//! | `duration.<layer>.<op>.count` | `duration.count` `layer`, `op` | `c` |
//! | `duration.<layer>.<op>.{mean,p50,p95,p99,max}_ms` | `duration.…_ms` `layer`, `op` | `g` |
//!
//! Evictions are the removals the cache chose (for room or by expiry); entries a caller
//! removed (`delete`, a `set` over a stored key, `clear`) are counted under `removals`.
//!
//! Counters with a zero delta are left out. Latency is summarised per interval as gauges in
//! milliseconds, one per statistic, rather than as `|ms` timings: a StatsD daemon would treat
//! each `|ms` value as one sample and compute percentiles of percentiles. Summaries are written
//! only for series with timed operations in the interval; `max_ms` is exact to the latency
//! histogram's bucket (3.2%).
//!
//! Names are sanitised: each segment keeps ASCII letters, digits, `_` and `-` and turns
//! anything else into `_`, so no name can hold `.`, `:`, `|`, `@`, `#` or a line break and no
//! name can inject a second metric. Tag keys and values keep letters, digits, `_`, `-`, `.`,
//! `/` and `:` (the first `:` separates key and value). Lengths are capped so that every line
//! fits in one datagram of [`MAX_DATAGRAM`] bytes.

use std::fmt::{self, Write};

use super::Meta;
use crate::core::stats::Period;
use crate::core::store::RemovalCause;
use crate::core::telemetry::histogram::{bucket_range, SparseHistogram};
use crate::core::telemetry::{ErrorType, Figures, Latency, Op, Tally, MEMORY};

/// Datagram payload limit: fits an Ethernet MTU of 1500 with IPv6 and UDP headers to spare.
pub const MAX_DATAGRAM: usize = 1432;
/// The longest sanitised name segment (the cache's or a layer's name).
const MAX_SEGMENT: usize = 100;
/// The longest tag, and the most tags taken from the endpoint.
const MAX_TAG: usize = 100;
const MAX_TAGS: usize = 8;

/// StatsD output options, read from the endpoint's query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Dot-separated prefix of every name; default `cache`.
    pub prefix: String,
    /// Whether dimensions are DogStatsD tags instead of name segments.
    pub dogstatsd: bool,
    /// Extra tags (sanitised `key:value` or `key`), DogStatsD only.
    pub tags: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefix: "cache".to_string(),
            dogstatsd: false,
            tags: Vec::new(),
        }
    }
}

/// Decodes `%XX` escapes and `+` (a space) of a query component; bad escapes stay as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while let Some(&b) = bytes.get(k) {
        let hex = |i: usize| bytes.get(i).and_then(|&h| char::from(h).to_digit(16));
        match (b, hex(k + 1), hex(k + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                k += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                k += 1;
            }
            _ => {
                out.push(b);
                k += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Options {
    /// Reads `prefix`, `tags` (comma-separated `key:value`) and `flavor` (`statsd` or
    /// `dogstatsd`; `flavour` also works) from a query string; other parameters are left to
    /// the receiving server. Tags imply the DogStatsD flavour.
    pub fn from_query(query: &str) -> Result<Options, &'static str> {
        let mut o = Options::default();
        let mut flavor: Option<bool> = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v);
            match percent_decode(k).as_str() {
                "prefix" => {
                    let p: Vec<String> = v
                        .split('.')
                        .filter(|s| !s.is_empty())
                        .map(segment)
                        .collect();
                    o.prefix = if p.is_empty() {
                        "cache".to_string()
                    } else {
                        // A cut just after a dot would leave an empty segment.
                        truncate(&p.join("."), MAX_SEGMENT)
                            .trim_end_matches('.')
                            .to_string()
                    };
                }
                "tags" => {
                    for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        if o.tags.len() < MAX_TAGS {
                            o.tags.push(tag_text(t));
                        }
                    }
                }
                "flavor" | "flavour" => {
                    flavor =
                        Some(match v.as_str() {
                            "dogstatsd" => true,
                            "statsd" => false,
                            _ => return Err(
                                "a StatsD endpoint whose `flavor` is \"statsd\" or \"dogstatsd\"",
                            ),
                        });
                }
                _ => {}
            }
        }
        o.dogstatsd = match flavor {
            Some(false) if !o.tags.is_empty() => {
                return Err("a StatsD endpoint whose `tags` come with the dogstatsd flavor")
            }
            Some(f) => f,
            None => !o.tags.is_empty(),
        };
        Ok(o)
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A name segment: ASCII letters, digits, `_` and `-`; anything else becomes `_`.
pub fn segment(s: &str) -> String {
    keep(s, MAX_SEGMENT, |c| {
        c.is_ascii_alphanumeric() || c == '_' || c == '-'
    })
}

/// A tag or tag value: letters, digits, `_`, `-`, `.`, `/` and `:`; anything else becomes `_`.
pub fn tag_text(s: &str) -> String {
    keep(s, MAX_TAG, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':')
    })
}

/// The first `max` characters of `s` with every one that `allowed` refuses replaced by `_`;
/// `_` for an empty string.
fn keep(s: &str, max: usize, allowed: impl Fn(char) -> bool) -> String {
    let out: String = s
        .chars()
        .take(max)
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    if out.is_empty() {
        "_".to_string()
    } else {
        out
    }
}

/// The base of the StatsD deltas: the totals at the previous StatsD export. Each stream of
/// exports (pushes, `exportMetrics` calls) needs its own, or one would take the other's deltas.
#[derive(Clone, Debug)]
pub struct Cursor {
    since_ms: f64,
    base: Tally,
    latency: Vec<SparseHistogram>,
}

impl Cursor {
    /// A cursor for a cache created at `created_ms` with `layers` named layers.
    pub fn new(created_ms: f64, layers: usize) -> Cursor {
        Cursor {
            since_ms: created_ms,
            base: Tally::new(layers),
            latency: Vec::new(),
        }
    }

    /// The figures of the interval since the previous call (or creation), from `totals`
    /// (period `"all"`); remembers `totals` as the next base.
    pub fn advance(&mut self, totals: &Figures) -> Figures {
        let empty = SparseHistogram::new();
        let latency = totals.latency.as_ref().map(|all| {
            all.iter()
                .enumerate()
                .map(|(k, total)| {
                    let base = self.latency.get(k).unwrap_or(&empty);
                    let delta = total.subtract(base, total.max());
                    // The window's largest value is within the top bucket it holds.
                    let top = delta.buckets().last().map_or(0, |(i, _)| {
                        let (low, width) = bucket_range(i);
                        low.saturating_add(width - 1)
                    });
                    total.subtract(base, top.min(total.max()))
                })
                .collect()
        });
        let window = Figures {
            period: Period::Interval,
            window_start_ms: self.since_ms,
            window_end_ms: totals.window_end_ms,
            tally: totals.tally.since(&self.base),
            sizes: totals.sizes,
            latency,
        };
        self.since_ms = totals.window_end_ms;
        self.base.copy_from(&totals.tally);
        self.latency = totals.latency.clone().unwrap_or_default();
        window
    }
}

/// Writes lines for one interval: its counts as counters, sizes as gauges, latency summaries.
struct Lines<'a, W: Write> {
    out: &'a mut W,
    opts: &'a Options,
    /// `<prefix>.<cache>` in the plain flavour, `<prefix>` with DogStatsD.
    stem: String,
    /// The cache's tag, DogStatsD only.
    cache_tag: String,
}

impl<W: Write> Lines<'_, W> {
    /// `dims` are `(tag key, value)`: tags with DogStatsD, name segments (values) otherwise.
    fn line(&mut self, name: &str, dims: &[(&str, &str)], value: Value, kind: &str) -> fmt::Result {
        let out = &mut *self.out;
        out.write_str(&self.stem)?;
        if self.opts.dogstatsd {
            write!(out, ".{name}:")?;
        } else {
            // `name` is "gets" or "duration.count": dimensions go after its first segment.
            let (head, tail) = name
                .split_once('.')
                .map_or((name, None), |(h, t)| (h, Some(t)));
            write!(out, ".{head}")?;
            for (_, v) in dims {
                write!(out, ".{}", segment(v))?;
            }
            if let Some(t) = tail {
                write!(out, ".{t}")?;
            }
            out.write_char(':')?;
        }
        value.write(out)?;
        write!(out, "|{kind}")?;
        if self.opts.dogstatsd {
            write!(out, "|#{}", self.cache_tag)?;
            for (k, v) in dims {
                write!(out, ",{k}:{}", tag_text(v))?;
            }
            for t in &self.opts.tags {
                write!(out, ",{t}")?;
            }
        }
        out.write_char('\n')
    }

    fn counter(&mut self, name: &str, dims: &[(&str, &str)], n: u64) -> fmt::Result {
        if n == 0 {
            return Ok(());
        }
        self.line(name, dims, Value::Int(n), "c")
    }
}

#[derive(Clone, Copy)]
enum Value {
    Int(u64),
    Float(f64),
}

impl Value {
    fn write(self, out: &mut impl Write) -> fmt::Result {
        match self {
            Value::Int(n) => write!(out, "{n}"),
            Value::Float(x) if x.is_finite() => write!(out, "{x}"),
            Value::Float(_) => out.write_char('0'),
        }
    }
}

/// Writes the lines of `window` (figures since the previous StatsD export, see [`Cursor`]).
pub fn write(
    out: &mut impl Write,
    meta: &Meta<'_>,
    window: &Figures,
    opts: &Options,
) -> fmt::Result {
    let cache = segment(meta.cache);
    let mut l = Lines {
        out,
        opts,
        stem: if opts.dogstatsd {
            opts.prefix.clone()
        } else {
            format!("{}.{cache}", opts.prefix)
        },
        cache_tag: format!("cache:{}", tag_text(meta.cache)),
    };
    let t = &window.tally;
    let c = &t.counts;
    for (layer, layer_name) in meta.layer_names() {
        let (hits, misses) = if layer == MEMORY {
            (c.hits, c.misses)
        } else {
            let n = t.layer(layer);
            (n.hits, n.misses)
        };
        l.counter("gets", &[("layer", layer_name), ("result", "hit")], hits)?;
        l.counter("gets", &[("layer", layer_name), ("result", "miss")], misses)?;
    }
    l.counter("puts", &[], c.sets)?;
    l.counter("deletes", &[], c.deletes)?;
    for cause in RemovalCause::EVICTIONS {
        l.counter("evictions", &[("cause", cause.name())], c.removed(cause))?;
    }
    for cause in RemovalCause::EXPLICIT {
        l.counter("removals", &[("cause", cause.name())], c.removed(cause))?;
    }
    l.counter("expired_unread", &[], c.expired_unread)?;
    for ty in ErrorType::ALL {
        l.counter("errors", &[("type", ty.name())], t.error_by_type(ty))?;
    }
    let s = &window.sizes;
    for (name, v) in [
        ("size", s.entries),
        ("bytes", s.bytes),
        ("max_entries", s.max_entries),
        ("max_bytes", s.max_bytes),
        ("entries_with_ttl", s.entries_with_ttl),
    ] {
        l.line(name, &[], Value::Int(v), "g")?;
    }
    if window.latency.is_some() {
        for (layer, layer_name) in meta.layer_names() {
            for op in Op::ALL {
                let Some(h) = window.histogram(layer, op).filter(|h| !h.is_empty()) else {
                    continue;
                };
                let lat = Latency::of(h);
                let dims = [("layer", layer_name), ("op", op.name())];
                l.counter("duration.count", &dims, lat.count)?;
                for (name, v) in [
                    ("duration.mean_ms", lat.mean_ms),
                    ("duration.p50_ms", lat.p50_ms),
                    ("duration.p95_ms", lat.p95_ms),
                    ("duration.p99_ms", lat.p99_ms),
                    ("duration.max_ms", lat.max_ms),
                ] {
                    l.line(name, &dims, Value::Float(v), "g")?;
                }
            }
        }
    }
    Ok(())
}
