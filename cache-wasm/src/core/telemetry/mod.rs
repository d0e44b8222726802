//! Telemetry: latency histograms, time windows, error counts, metric frames and alert rules.
//!
//! One [`Telemetry`] sits beside each cache's [`Store`]. The store keeps its always-kept
//! totals in [`Counts`]; telemetry adds what the store cannot know and turns both into the
//! figures of `getStats(period)` and of metric frames. Time is an input (`now`, ms since the
//! epoch), as everywhere in the core.
//!
//! # Using it
//!
//! ```text
//! let mut tel = Telemetry::new(&settings, now);        // beside Store::new(&settings)
//! tel.record_latency(MEMORY, Op::Get, ns);              // a sampled sync op, O(1)
//! tel.record_latency_ms(layer, Op::Set, ms);            // a timed layer op (layer 1..)
//! tel.record_layer_get(layer, hit);                     // a layer lookup (layer 1..)
//! tel.record_error(Some(layer), ErrorType::Layer);      // None: the cache itself
//! tel.tick(now, store.counts());                        // from a timer; cheap
//! tel.write_stats(Period::Hour, now, &store, &mut out); // getStats (ticks first)
//! let frame = tel.frame(now, &store);                   // every telemetryInterval (ticks first)
//! tel.write_frame(&frame, instance, &mut out);          // the frame as JSON
//! for event in &frame.alerts { /* call the alert handlers */ }
//! tel.write_alert_history(&mut out);                   // the last transitions, oldest first
//! ```
//!
//! Layers are numbered: [`MEMORY`] is 0, the configured layers are 1, 2, … in order.
//!
//! # What the figures mean
//!
//! - Stats' top-level `latency` is the memory layer's (the sync path); each layer's is under
//!   `layers.<name>.latency`. A latency `count` is the number of timed operations, so with
//!   sampling it is a fraction of the gets, sets or deletes.
//! - Percentiles are bucket midpoints (within 3.2% of the true value); the top rank and
//!   `max_ms` are exact. Figures are in ms rounded to the nanosecond; never NaN.
//! - A frame's `window` has period `"interval"` and covers exactly the time since the
//!   previous frame, so successive windows add up to the totals.
//! - Operations between two ticks belong to the slice where the second tick lands; tick
//!   every few seconds (the minute ring's slice is 5 s) to keep windows sharp.
//!
//! # Cost
//!
//! Recording is O(1): one bucket increment in a dense histogram of pending values. A tick
//! moves pending values into the cumulative histogram and into the open slice of each
//! window ring, costing the number of buckets touched since the last tick. A query costs
//! the number of slices times the buckets they hold, never the number of entries.
//!
//! # Windows and memory
//!
//! `minute` is 12 slices of 5 s, `hour` 60 of 1 min, `day` 96 of 15 min (see [`windows`]);
//! a window is the open slice plus the slices before it, so it spans between
//! `span − slice` and `span`, and `window_start_ms` says exactly where it starts. Memory is
//! fixed by the number of series (3 ops × (1 + layers)): per series two dense histograms of
//! [`histogram::BUCKETS`] `u64`s (allocated on first use), a sparse snapshot for frames, and
//! in each of the 168 slices one sparse histogram of at most `BUCKETS` 8-byte bins plus one
//! [`Tally`]. The frame history keeps the last [`frame::HISTORY`] summaries.
//!
//! With `enableTelemetry` or `metricsCollection` off, latency is not recorded and windows
//! stay empty (zero counts, latency null); layer lookups and errors are still counted.

pub mod alerts;
pub mod frame;
pub mod histogram;
pub mod tally;
pub mod windows;

use std::fmt::{self, Write};

use super::config::Settings;
use super::report::Report;
use super::stats::{Period, Sizes, StatsView};
use super::store::{Counts, Store};
use alerts::{AlertEvent, AlertRules, AlertState, Alerts};
use frame::{Frame, FrameSummary, Frames};
use histogram::{Histogram, Quantiles, SparseHistogram};
pub use tally::{ErrorType, LayerCounts, Tally};
use windows::Ring;

/// The layer number of the memory layer; configured layers follow from 1.
pub const MEMORY: usize = 0;

/// A timed cache operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// A lookup.
    Get,
    /// A store.
    Set,
    /// A removal.
    Delete,
}

impl Op {
    /// Every operation, in output order.
    pub const ALL: [Op; 3] = [Op::Get, Op::Set, Op::Delete];

    /// The name in stats and exports.
    pub fn name(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::Set => "set",
            Op::Delete => "delete",
        }
    }

    /// The operation named `s`, if any.
    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s)
    }

    /// The position in [`Op::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Latency figures of one series in ms, as stats report them. Never NaN.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    /// Timed operations.
    pub count: u64,
    /// Mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

/// Nanoseconds to ms, rounded to the nanosecond.
fn ms(ns: f64) -> f64 {
    ns.round() / 1e6
}

impl Latency {
    /// The figures of a histogram; all zero when it is empty.
    pub fn of(h: &SparseHistogram) -> Latency {
        Latency {
            count: h.count(),
            mean_ms: ms(h.mean()),
            p50_ms: ms(h.percentile(0.50)),
            p95_ms: ms(h.percentile(0.95)),
            p99_ms: ms(h.percentile(0.99)),
            max_ms: ms(h.max() as f64),
        }
    }
}

/// Everything one stats snapshot reports, computed; write it with [`Telemetry::write_figures`].
#[derive(Clone, Debug)]
pub struct Figures {
    /// The period covered.
    pub period: Period,
    /// Start of the window in ms since the epoch.
    pub window_start_ms: f64,
    /// End of the window in ms since the epoch.
    pub window_end_ms: f64,
    /// Counts, layer lookups and errors within the window.
    pub tally: Tally,
    /// Sizes and limits at the end of the window.
    pub sizes: Sizes,
    /// Latency within the window per series (`layer * 3 + op`); `None` with telemetry off.
    pub latency: Option<Vec<SparseHistogram>>,
}

impl Figures {
    /// The window's latency histogram of `op` in `layer`, for exports (`count_le`).
    pub fn histogram(&self, layer: usize, op: Op) -> Option<&SparseHistogram> {
        self.latency.as_ref()?.get(series_index(layer, op))
    }

    /// The window's latency figures of `op` in `layer`; `None` with telemetry off.
    pub fn latency(&self, layer: usize, op: Op) -> Option<Latency> {
        let all = self.latency.as_ref()?;
        Some(
            all.get(series_index(layer, op))
                .map(Latency::of)
                .unwrap_or_default(),
        )
    }
}

/// The series of `op` in `layer`.
fn series_index(layer: usize, op: Op) -> usize {
    layer
        .saturating_mul(Op::ALL.len())
        .saturating_add(op.index())
}

/// Latency of one operation in one layer.
#[derive(Clone, Debug, Default)]
struct Series {
    /// Everything moved in by ticks.
    total: Histogram,
    /// Recorded since the last tick.
    pending: Histogram,
    /// `total` at the last frame.
    frame_base: SparseHistogram,
    /// The largest value moved in since the last frame.
    frame_max: u64,
}

/// The telemetry of one cache. See the module documentation.
#[derive(Debug)]
pub struct Telemetry {
    collect: bool,
    created_ms: f64,
    now_ms: f64,
    name: String,
    layer_names: Vec<String>,
    /// Totals now: layer lookups and errors as recorded, store counts as of the last tick.
    live: Tally,
    /// `live` at the last tick.
    last_tick: Tally,
    series: Vec<Series>,
    /// Minute, hour and day rings; empty when not collecting.
    rings: Vec<Ring>,
    frames: Frames,
    alerts: Alerts,
}

impl Telemetry {
    /// Telemetry for a cache built now with `settings` (its store's counts all zero).
    pub fn new(settings: &Settings, now_ms: f64) -> Telemetry {
        let now_ms = if now_ms.is_finite() { now_ms } else { 0.0 };
        let collect = settings.enable_telemetry && settings.metrics_collection;
        let layers = settings.layers.len();
        let zero = Tally::new(layers);
        let series_count = if collect {
            (layers + 1) * Op::ALL.len()
        } else {
            0
        };
        let rings = if collect {
            [windows::MINUTE, windows::HOUR, windows::DAY]
                .into_iter()
                .map(|spec| Ring::new(spec, now_ms, &zero))
                .collect()
        } else {
            Vec::new()
        };
        Telemetry {
            collect,
            created_ms: now_ms,
            now_ms,
            name: settings.name.clone(),
            layer_names: settings.layers.clone(),
            live: zero.clone(),
            last_tick: zero.clone(),
            series: vec![Series::default(); series_count],
            rings,
            frames: Frames::new(now_ms, zero),
            alerts: Alerts::new(AlertRules::from_settings(settings)),
        }
    }

    /// Whether latency and windows are kept (`enableTelemetry` and `metricsCollection`).
    pub fn collecting(&self) -> bool {
        self.collect
    }

    /// The cache's name, as configured.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The configured layers below memory; layer `k` is `layer_names()[k - 1]`.
    pub fn layer_names(&self) -> &[String] {
        &self.layer_names
    }

    /// The number of layer `name`: 0 for `"memory"`, 1… for configured layers.
    pub fn layer_index(&self, name: &str) -> Option<usize> {
        if name == "memory" {
            return Some(MEMORY);
        }
        self.layer_names
            .iter()
            .position(|n| n == name)
            .map(|k| k + 1)
    }

    /// Records one timed operation of `ns` nanoseconds. O(1); ignored when not collecting
    /// or for an unknown layer.
    #[inline]
    pub fn record_latency(&mut self, layer: usize, op: Op, ns: u64) {
        if let Some(s) = self.series.get_mut(series_index(layer, op)) {
            s.pending.record(ns);
        }
    }

    /// Records one timed operation of `ms` milliseconds (a JS duration). Negative durations
    /// (a clock step) count as 0; NaN is ignored.
    pub fn record_latency_ms(&mut self, layer: usize, op: Op, ms: f64) {
        if ms.is_nan() {
            return;
        }
        // `as` saturates: negative becomes 0, huge becomes u64::MAX.
        self.record_latency(layer, op, (ms * 1e6).round() as u64);
    }

    /// Counts one lookup in configured layer `layer` (1…). Memory lookups are the store's.
    pub fn record_layer_get(&mut self, layer: usize, hit: bool) {
        self.live.add_layer_get(layer, hit);
    }

    /// Counts one error in `layer` (0 = memory, 1… configured layers), or in the cache
    /// itself (`None`: export, alert handlers, subscribers).
    pub fn record_error(&mut self, layer: Option<usize>, ty: ErrorType) {
        self.live.add_error(layer, ty);
    }

    /// Moves time forward; a `now` that is not finite or goes back is read as the latest seen.
    fn clock(&mut self, now_ms: f64) -> f64 {
        if now_ms.is_finite() && now_ms > self.now_ms {
            self.now_ms = now_ms;
        }
        self.now_ms
    }

    /// Closes the slices `now` has left, opens the one it is in, and moves pending latency
    /// into it. Everything since the previous tick belongs to the slice of this one, so call
    /// it often (a timer of a few seconds); queries and frames call it themselves.
    pub fn tick(&mut self, now_ms: f64, counts: &Counts) {
        let now = self.clock(now_ms);
        self.live.counts.clone_from(counts);
        if !self.collect {
            return;
        }
        for ring in &mut self.rings {
            ring.advance(now, &self.last_tick);
        }
        for (k, s) in self.series.iter_mut().enumerate() {
            if s.pending.count() == 0 {
                continue;
            }
            let delta = s.pending.to_sparse();
            for ring in &mut self.rings {
                ring.fold(k, &delta);
            }
            s.total.merge(&s.pending);
            s.frame_max = s.frame_max.max(s.pending.max());
            s.pending.clear();
        }
        self.last_tick.copy_from(&self.live);
    }

    /// The figures of `period` ending now. Ticks first.
    pub fn figures(&mut self, period: Period, now_ms: f64, store: &Store) -> Figures {
        self.tick(now_ms, store.counts());
        let now = self.now_ms;
        let sizes = Sizes::of(store);
        let ring = match period {
            Period::Minute => self.rings.first(),
            Period::Hour => self.rings.get(1),
            Period::Day => self.rings.get(2),
            Period::All | Period::Interval => {
                return Figures {
                    period: Period::All,
                    window_start_ms: self.created_ms,
                    window_end_ms: now,
                    tally: self.live.clone(),
                    sizes,
                    latency: self.total_latency(),
                };
            }
        };
        match ring.and_then(|r| Some((r, r.base()?))) {
            Some((ring, base)) => Figures {
                period,
                window_start_ms: ring.start_ms().max(self.created_ms),
                window_end_ms: now,
                tally: self.live.since(base),
                sizes,
                latency: Some(
                    (0..self.series.len())
                        .map(|k| {
                            let mut h = Histogram::new();
                            ring.latency_into(k, &mut h);
                            h.to_sparse()
                        })
                        .collect(),
                ),
            },
            None => Figures {
                period,
                window_start_ms: (now - period.span_ms().unwrap_or(0.0)).max(self.created_ms),
                window_end_ms: now,
                tally: Tally::new(self.layer_names.len()),
                sizes,
                latency: None,
            },
        }
    }

    /// Cumulative latency of every series, `None` when not collecting.
    fn total_latency(&self) -> Option<Vec<SparseHistogram>> {
        self.collect
            .then(|| self.series.iter().map(|s| s.total.to_sparse()).collect())
    }

    /// Writes figures in the `getStats` shape, with the current alert states.
    pub fn write_figures(&self, figures: &Figures, out: &mut impl Write) -> fmt::Result {
        StatsView {
            period: figures.period,
            window_start_ms: figures.window_start_ms,
            window_end_ms: figures.window_end_ms,
            tally: &figures.tally,
            sizes: figures.sizes,
            layer_names: &self.layer_names,
            latency: figures.latency.as_deref(),
            alerts: self.alerts.states(),
        }
        .write_json(out)
    }

    /// Writes `getStats(period)` as JSON. Ticks first.
    pub fn write_stats(
        &mut self,
        period: Period,
        now_ms: f64,
        store: &Store,
        out: &mut impl Write,
    ) -> fmt::Result {
        let f = self.figures(period, now_ms, store);
        self.write_figures(&f, out)
    }

    /// Builds the metric frame for the interval since the previous one (or since creation),
    /// runs the alert rules on it and keeps its summary in the history. Ticks first.
    pub fn frame(&mut self, now_ms: f64, store: &Store) -> Frame {
        let totals = self.figures(Period::All, now_ms, store);
        let now = totals.window_end_ms;
        let window_latency = self.collect.then(|| {
            self.series
                .iter_mut()
                .zip(totals.latency.iter().flatten())
                .map(|(s, total)| {
                    let w = total.subtract(&s.frame_base, s.frame_max);
                    s.frame_base.clone_from(total);
                    s.frame_max = 0;
                    w
                })
                .collect()
        });
        let tally = self.live.since(self.frames.base());
        let (seq, start) = self.frames.advance(now, &self.live);
        let window = Figures {
            period: Period::Interval,
            window_start_ms: start,
            window_end_ms: now,
            tally,
            sizes: totals.sizes,
            latency: window_latency,
        };
        let interval_s = ((now - start) / 1000.0).max(0.0);
        let alerts = self.alerts.evaluate(&window, interval_s, now);
        let frame = Frame {
            seq,
            ts_ms: now,
            interval_s,
            totals,
            window,
            alerts,
        };
        self.frames.remember(FrameSummary::of(&frame));
        frame
    }

    /// The frame the next [`Telemetry::frame`] call would build now, without building it:
    /// the same `seq` and window, no alert transitions (rules run only on built frames), and
    /// nothing advanced, so the frames that follow are unchanged. Ticks first.
    pub fn peek_frame(&mut self, now_ms: f64, store: &Store) -> Frame {
        let totals = self.figures(Period::All, now_ms, store);
        let now = totals.window_end_ms;
        let window_latency = self.collect.then(|| {
            self.series
                .iter()
                .zip(totals.latency.iter().flatten())
                .map(|(s, total)| total.subtract(&s.frame_base, s.frame_max))
                .collect()
        });
        let (seq, start) = self.frames.next();
        let window = Figures {
            period: Period::Interval,
            window_start_ms: start,
            window_end_ms: now,
            tally: self.live.since(self.frames.base()),
            sizes: totals.sizes,
            latency: window_latency,
        };
        Frame {
            seq,
            ts_ms: now,
            interval_s: ((now - start) / 1000.0).max(0.0),
            totals,
            window,
            alerts: Vec::new(),
        }
    }

    /// The time the telemetry started, ms since the epoch.
    pub fn created_ms(&self) -> f64 {
        self.created_ms
    }

    /// Writes a frame as JSON: `{ schema, seq, ts_ms, cache, instance, interval_s, totals,
    /// window, alerts }`. `instance` names this process or isolate.
    pub fn write_frame(&self, frame: &Frame, instance: &str, out: &mut impl Write) -> fmt::Result {
        frame.write_json(
            out,
            &self.name,
            instance,
            &self.layer_names,
            self.alerts.states(),
        )
    }

    /// Summaries of the recent frames, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &FrameSummary> {
        self.frames.history()
    }

    /// Writes the recent frame summaries as a JSON array, oldest first.
    pub fn write_history(&self, out: &mut impl Write) -> fmt::Result {
        self.frames.write_history(out)
    }

    /// Writes the HTML report of `generateDashboard()`: the figures since creation and charts
    /// of the recent frames. Ticks first.
    pub fn write_report(
        &mut self,
        now_ms: f64,
        store: &Store,
        out: &mut impl Write,
    ) -> fmt::Result {
        let totals = self.figures(Period::All, now_ms, store);
        let history: Vec<FrameSummary> = self.frames.history().cloned().collect();
        Report {
            cache: &self.name,
            generated_ms: totals.window_end_ms,
            totals: &totals,
            layer_names: &self.layer_names,
            alerts: self.alerts.states(),
            history: &history,
        }
        .write_html(out)
    }

    /// The state of every alert that has fired.
    pub fn alert_states(&self) -> &[AlertState] {
        self.alerts.states()
    }

    /// The last [`alerts::HISTORY`] alert transitions, oldest first.
    pub fn alert_history(&self) -> impl Iterator<Item = &AlertEvent> {
        self.alerts.history()
    }

    /// Writes the alert history as a JSON array of events, oldest first.
    pub fn write_alert_history(&self, out: &mut impl Write) -> fmt::Result {
        alerts::write_events(out, self.alerts.history(), &self.layer_names)
    }

    /// Element counts of the bounded structures, for memory checks.
    pub fn footprint(&self) -> Footprint {
        Footprint {
            series: self.series.len(),
            dense_histograms: self
                .series
                .iter()
                .map(|s| {
                    usize::from(s.total.is_allocated()) + usize::from(s.pending.is_allocated())
                })
                .sum(),
            slices: self.rings.iter().map(Ring::slot_count).sum(),
            sparse_bins: self.rings.iter().map(Ring::bins_held).sum::<usize>()
                + self
                    .series
                    .iter()
                    .map(|s| s.frame_base.len())
                    .sum::<usize>(),
            series_per_slice: self.rings.iter().map(Ring::series_held).max().unwrap_or(0),
            history: self.frames.history().count(),
            alert_states: self.alerts.states().len(),
            alert_history: self.alerts.history().count(),
        }
    }
}

/// Sizes of the bounded structures of a [`Telemetry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Latency series (3 per layer, memory included).
    pub series: usize,
    /// Dense histograms allocated, [`histogram::BUCKETS`] `u64`s each.
    pub dense_histograms: usize,
    /// Window slices across the three rings.
    pub slices: usize,
    /// Sparse bins (8 bytes each) across slices and frame snapshots.
    pub sparse_bins: usize,
    /// The most series one slice holds.
    pub series_per_slice: usize,
    /// Frame summaries kept.
    pub history: usize,
    /// Alert states kept.
    pub alert_states: usize,
    /// Alert transitions kept, at most [`alerts::HISTORY`].
    pub alert_history: usize,
}

// Native only: they read frames back with serde_json, a host-only dev-dependency.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod alert_tests;
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests;
