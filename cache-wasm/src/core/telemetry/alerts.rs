//! Alert rules, run on each frame's window: high miss rate and high latency.
//!
//! `high_miss_rate` watches the memory layer's gets: its value is misses / gets as a
//! fraction. `high_latency` watches every op of every layer: its value is the window's p95
//! in ms. A rule fires when its value exceeds the threshold and resolves when it no longer
//! does; a window with fewer than `min_samples` samples leaves the state unchanged. Only
//! changes are reported as events.

use std::fmt::{self, Write};

use super::{Figures, Op, MEMORY};
use crate::core::config::Settings;
use crate::core::json::Obj;
use crate::core::stats::layer_name;

/// A kind of alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    /// Misses / gets above `highMissRateThreshold`.
    HighMissRate,
    /// p95 latency above `highLatencyThreshold` ms.
    HighLatency,
}

impl AlertKind {
    /// The `alertType` passed to handlers.
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::HighMissRate => "high_miss_rate",
            AlertKind::HighLatency => "high_latency",
        }
    }
}

/// Whether an alert is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertStatus {
    /// The condition holds.
    Firing,
    /// It held and no longer does.
    Resolved,
}

impl AlertStatus {
    /// The `state` field.
    pub fn name(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }
}

/// Which rules run, with their thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlertRules {
    /// The miss-rate threshold as a fraction, when that rule runs.
    pub miss_rate: Option<f64>,
    /// The latency threshold in ms, when that rule runs.
    pub latency_ms: Option<f64>,
    /// Fewest samples (gets, or timed ops) a window needs to change a state.
    pub min_samples: u64,
}

impl AlertRules {
    /// The rules `settings` turn on.
    pub fn from_settings(s: &Settings) -> AlertRules {
        AlertRules {
            miss_rate: s
                .alert_on_high_miss_rate
                .then_some(s.high_miss_rate_threshold),
            latency_ms: s
                .alert_on_high_latency
                .then_some(s.high_latency_threshold_ms),
            min_samples: 1,
        }
    }
}

/// The current state of one alert (one kind, op and layer), as stats report it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlertState {
    /// The kind.
    pub kind: AlertKind,
    /// The op watched.
    pub op: Op,
    /// The layer watched (0 = memory).
    pub layer: usize,
    /// Firing or resolved.
    pub status: AlertStatus,
    /// The value at the last change.
    pub value: f64,
    /// The threshold.
    pub threshold: f64,
    /// When the state last changed, ms since the epoch.
    pub since_ms: f64,
}

/// A change of state, carried by the frame and passed to alert handlers as `details`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlertEvent {
    /// The kind (`alertType`).
    pub kind: AlertKind,
    /// Firing or resolved.
    pub status: AlertStatus,
    /// A fraction for miss rate, ms for latency.
    pub value: f64,
    /// Same unit as `value`.
    pub threshold: f64,
    /// Seconds of the window evaluated.
    pub window_s: f64,
    /// Gets or timed ops in the window.
    pub samples: u64,
    /// The op watched.
    pub op: Op,
    /// The layer watched (0 = memory).
    pub layer: usize,
    /// When, ms since the epoch.
    pub at_ms: f64,
}

impl AlertEvent {
    /// Writes `{ type, state, value, threshold, window_s, samples, op, layer, at_ms }`.
    pub fn write_json(&self, out: &mut impl Write, names: &[String]) -> fmt::Result {
        let mut o = Obj::new(out)?;
        o.str("type", self.kind.name())?;
        o.str("state", self.status.name())?;
        o.num("value", self.value)?;
        o.num("threshold", self.threshold)?;
        o.num("window_s", self.window_s)?;
        o.count("samples", self.samples)?;
        o.str("op", self.op.name())?;
        o.str("layer", layer_name(names, self.layer))?;
        o.num("at_ms", self.at_ms)?;
        o.end()
    }
}

/// The rules and the state of every alert that has fired.
#[derive(Clone, Debug)]
pub struct Alerts {
    rules: AlertRules,
    states: Vec<AlertState>,
}

impl Alerts {
    /// No alert yet.
    pub fn new(rules: AlertRules) -> Alerts {
        Alerts {
            rules,
            states: Vec::new(),
        }
    }

    /// The state of every alert that has fired, in first-fired order.
    pub fn states(&self) -> &[AlertState] {
        &self.states
    }

    /// Runs the rules on a frame's window; returns the changes.
    pub fn evaluate(&mut self, window: &Figures, window_s: f64, now_ms: f64) -> Vec<AlertEvent> {
        let mut events = Vec::new();
        if let Some(threshold) = self.rules.miss_rate {
            let c = &window.tally.counts;
            let value = if c.gets == 0 {
                0.0
            } else {
                c.misses as f64 / c.gets as f64
            };
            let check = Check {
                kind: AlertKind::HighMissRate,
                op: Op::Get,
                layer: MEMORY,
                value,
                threshold,
                samples: c.gets,
            };
            self.apply(check, window_s, now_ms, &mut events);
        }
        if let (Some(threshold), Some(all)) = (self.rules.latency_ms, &window.latency) {
            let layers = all.len() / Op::ALL.len();
            for layer in 0..layers {
                for op in Op::ALL {
                    let Some(l) = window.latency(layer, op) else {
                        continue;
                    };
                    let check = Check {
                        kind: AlertKind::HighLatency,
                        op,
                        layer,
                        value: l.p95_ms,
                        threshold,
                        samples: l.count,
                    };
                    self.apply(check, window_s, now_ms, &mut events);
                }
            }
        }
        events
    }

    fn apply(&mut self, c: Check, window_s: f64, now_ms: f64, events: &mut Vec<AlertEvent>) {
        if c.samples < self.rules.min_samples.max(1) {
            return;
        }
        let firing = c.value > c.threshold;
        let found = self
            .states
            .iter_mut()
            .find(|s| s.kind == c.kind && s.op == c.op && s.layer == c.layer);
        let was_firing = found
            .as_ref()
            .is_some_and(|s| s.status == AlertStatus::Firing);
        if firing == was_firing {
            return;
        }
        let status = if firing {
            AlertStatus::Firing
        } else {
            AlertStatus::Resolved
        };
        let state = AlertState {
            kind: c.kind,
            op: c.op,
            layer: c.layer,
            status,
            value: c.value,
            threshold: c.threshold,
            since_ms: now_ms,
        };
        match found {
            Some(s) => *s = state,
            None => self.states.push(state),
        }
        events.push(AlertEvent {
            kind: c.kind,
            status,
            value: c.value,
            threshold: c.threshold,
            window_s,
            samples: c.samples,
            op: c.op,
            layer: c.layer,
            at_ms: now_ms,
        });
    }
}

/// One rule's reading of a window.
struct Check {
    kind: AlertKind,
    op: Op,
    layer: usize,
    value: f64,
    threshold: f64,
    samples: u64,
}
