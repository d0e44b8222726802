//! Metric frames: the JSON pushed every `telemetryInterval`, and a bounded history of them.
//!
//! A frame carries the totals since creation and the window since the previous frame, so
//! the windows of successive frames partition the totals. Its JSON Schema is
//! `cache-wasm/schema/frame.schema.json`.

use std::collections::VecDeque;
use std::fmt::{self, Write};

use super::alerts::{write_events, AlertEvent, AlertState};
use super::tally::Tally;
use super::{Figures, Op, MEMORY};
use crate::core::json::Obj;
use crate::core::stats::{percent, StatsView};

/// The `schema` field of every frame.
pub const SCHEMA: &str = "cache-wasm/frame@1";

/// Frame summaries kept for the report's charts.
pub const HISTORY: usize = 120;

/// One metric frame, computed; write it with [`super::Telemetry::write_frame`].
#[derive(Clone, Debug)]
pub struct Frame {
    /// 1 for the first frame of a cache, then one more each frame.
    pub seq: u64,
    /// When it was built, ms since the epoch.
    pub ts_ms: f64,
    /// Seconds covered by `window` (since the previous frame or creation).
    pub interval_s: f64,
    /// Stats since creation (period `"all"`).
    pub totals: Figures,
    /// Stats of the interval just ended (period `"interval"`).
    pub window: Figures,
    /// Alerts that fired or resolved at this frame.
    pub alerts: Vec<AlertEvent>,
}

fn view<'a>(f: &'a Figures, names: &'a [String], states: &'a [AlertState]) -> StatsView<'a> {
    StatsView {
        period: f.period,
        window_start_ms: f.window_start_ms,
        window_end_ms: f.window_end_ms,
        tally: &f.tally,
        sizes: f.sizes,
        layer_names: names,
        latency: f.latency.as_deref(),
        alerts: states,
    }
}

impl Frame {
    /// Writes the frame as JSON. `cache` is the cache's name, `instance` the process's.
    pub fn write_json(
        &self,
        out: &mut impl Write,
        cache: &str,
        instance: &str,
        names: &[String],
        states: &[AlertState],
    ) -> fmt::Result {
        let mut o = Obj::new(out)?;
        o.str("schema", SCHEMA)?;
        o.count("seq", self.seq)?;
        o.num("ts_ms", self.ts_ms)?;
        o.str("cache", cache)?;
        o.str("instance", instance)?;
        o.num("interval_s", self.interval_s)?;
        o.raw("totals", |w| {
            view(&self.totals, names, states).write_json(w)
        })?;
        o.raw("window", |w| {
            view(&self.window, names, states).write_json(w)
        })?;
        o.raw("alerts", |w| write_events(w, &self.alerts, names))?;
        o.end()
    }
}

/// What the report draws of one frame: its window's main figures.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameSummary {
    /// The frame's `seq`.
    pub seq: u64,
    /// The frame's `ts_ms`.
    pub ts_ms: f64,
    /// Seconds covered.
    pub interval_s: f64,
    /// Lookups in the interval.
    pub gets: u64,
    /// Of which hits.
    pub hits: u64,
    /// Of which misses.
    pub misses: u64,
    /// Stores in the interval.
    pub sets: u64,
    /// Deletes in the interval.
    pub deletes: u64,
    /// Percent 0–100, 0 with no lookups.
    pub hit_rate: f64,
    /// p50, p95 and p99 in ms of the memory layer's get, set and delete; `None` with
    /// telemetry off.
    pub latency: Option<[[f64; 3]; 3]>,
    /// Live entries at the frame.
    pub entries: u64,
    /// Accounted bytes at the frame.
    pub bytes: u64,
    /// Entries evicted in the interval: for capacity, bytes or expiry.
    pub evictions: u64,
    /// Entries removed explicitly in the interval: deleted, replaced or cleared.
    pub removals: u64,
    /// Errors in the interval.
    pub errors: u64,
}

impl FrameSummary {
    /// The summary of a frame.
    pub fn of(frame: &Frame) -> FrameSummary {
        let w = &frame.window;
        let c = &w.tally.counts;
        let latency = w.latency.as_ref().map(|_| {
            Op::ALL.map(|op| {
                let l = w.latency(MEMORY, op).unwrap_or_default();
                [l.p50_ms, l.p95_ms, l.p99_ms]
            })
        });
        FrameSummary {
            seq: frame.seq,
            ts_ms: frame.ts_ms,
            interval_s: frame.interval_s,
            gets: c.gets,
            hits: c.hits,
            misses: c.misses,
            sets: c.sets,
            deletes: c.deletes,
            hit_rate: percent(c.hits, c.gets),
            latency,
            entries: w.sizes.entries,
            bytes: w.sizes.bytes,
            evictions: c.evicted_total(),
            removals: c.removed_explicitly_total(),
            errors: w.tally.errors_total(),
        }
    }

    /// Writes the summary as one JSON object.
    pub fn write_json(&self, out: &mut impl Write) -> fmt::Result {
        let mut o = Obj::new(out)?;
        o.count("seq", self.seq)?;
        o.num("ts_ms", self.ts_ms)?;
        o.num("interval_s", self.interval_s)?;
        o.count("gets", self.gets)?;
        o.count("hits", self.hits)?;
        o.count("misses", self.misses)?;
        o.count("sets", self.sets)?;
        o.count("deletes", self.deletes)?;
        o.num("hit_rate", self.hit_rate)?;
        o.count("entries", self.entries)?;
        o.count("bytes", self.bytes)?;
        o.count("evictions", self.evictions)?;
        o.count("removals", self.removals)?;
        o.count("errors", self.errors)?;
        o.raw("latency", |w| {
            let Some(ops) = &self.latency else {
                return w.write_str("null");
            };
            let mut l = Obj::new(w)?;
            for (op, [p50, p95, p99]) in Op::ALL.iter().zip(ops) {
                l.raw(op.name(), |w| {
                    let mut p = Obj::new(w)?;
                    p.num("p50_ms", *p50)?;
                    p.num("p95_ms", *p95)?;
                    p.num("p99_ms", *p99)?;
                    p.end()
                })?;
            }
            l.end()
        })?;
        o.end()
    }
}

/// Frame numbering, the totals at the previous frame and the recent summaries.
#[derive(Clone, Debug)]
pub(super) struct Frames {
    seq: u64,
    last_ms: f64,
    base: Tally,
    history: VecDeque<FrameSummary>,
}

impl Frames {
    /// No frame yet; the first one covers the time since `now_ms` with `base` as its start.
    pub(super) fn new(now_ms: f64, base: Tally) -> Frames {
        Frames {
            seq: 0,
            last_ms: now_ms,
            base,
            history: VecDeque::new(),
        }
    }

    /// The totals at the previous frame.
    pub(super) fn base(&self) -> &Tally {
        &self.base
    }

    /// The number the next frame will have and the start of its window.
    pub(super) fn next(&self) -> (u64, f64) {
        (self.seq.saturating_add(1), self.last_ms)
    }

    /// Starts the next frame at `now_ms` with totals `live`; returns its number and the
    /// start of its window.
    pub(super) fn advance(&mut self, now_ms: f64, live: &Tally) -> (u64, f64) {
        self.seq = self.seq.saturating_add(1);
        let start = self.last_ms;
        self.last_ms = now_ms;
        self.base.copy_from(live);
        (self.seq, start)
    }

    /// Keeps a summary, dropping the oldest beyond [`HISTORY`].
    pub(super) fn remember(&mut self, summary: FrameSummary) {
        while self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(summary);
    }

    /// The summaries kept, oldest first.
    pub(super) fn history(&self) -> impl Iterator<Item = &FrameSummary> {
        self.history.iter()
    }

    /// Writes the summaries as a JSON array, oldest first.
    pub(super) fn write_history(&self, out: &mut impl Write) -> fmt::Result {
        out.write_char('[')?;
        for (k, s) in self.history.iter().enumerate() {
            if k > 0 {
                out.write_char(',')?;
            }
            s.write_json(out)?;
        }
        out.write_char(']')
    }
}
