//! Alert rules, run on each frame's window: high miss rate and high latency.
//!
//! The rules are pure: [`Alerts::evaluate`] reads a window and returns the transitions as
//! data ([`AlertEvent`]); the JS wrapper hands them to the registered handlers.
//!
//! # What is watched
//!
//! - `high_miss_rate` watches the memory layer's gets (`op` `"get"`, `layer` `"memory"`):
//!   its value is misses / gets in the window, as a fraction; its samples are the gets.
//! - `high_latency` watches every op (get, set, delete) of every layer separately: its value
//!   is the window's `highLatencyPercentile` (p95 by default) in ms; its samples are the
//!   timed operations (with `latencySampleRate` below 1, a share of the operations).
//!
//! # Transitions
//!
//! Each alert (one kind, op and layer) is either firing or not:
//!
//! - **Minimum samples.** A window with fewer than `alertMinSamples` samples is no evidence
//!   either way: the state stays as it is (no fire on a cold cache, no resolve on silence).
//! - **Fire** when the value is above the threshold, unless the alert resolved less than
//!   `alertCooldown` seconds ago: a flapping value then stays quiet until the cooldown is
//!   over, and fires at the first window after it that is still above the threshold.
//! - **Stay firing** while the value is above `threshold × (1 − alertHysteresis)`.
//! - **Resolve** at the first window whose value is at or below that level.
//!
//! Only transitions are reported. The states of every alert that has fired are kept (at most
//! 1 + 3 × layers of them), and so are the last [`HISTORY`] transitions.

use std::collections::VecDeque;
use std::fmt::{self, Write};

use super::histogram::Quantiles;
use super::{ms, Figures, Op, MEMORY};
use crate::core::config::Settings;
use crate::core::json::Obj;
use crate::core::stats::layer_name;

/// Transitions kept in the history.
pub const HISTORY: usize = 100;

/// A kind of alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    /// Misses / gets above `highMissRateThreshold`.
    HighMissRate,
    /// A latency percentile above `highLatencyThreshold` ms.
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

/// Which rules run, with their thresholds and the transition settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlertRules {
    /// The miss-rate threshold as a fraction, when that rule runs.
    pub miss_rate: Option<f64>,
    /// The latency threshold in ms, when that rule runs.
    pub latency_ms: Option<f64>,
    /// The latency percentile watched, as a fraction (0.95 = p95).
    pub latency_quantile: f64,
    /// Fewest samples (gets, or timed ops) a window needs to change a state.
    pub min_samples: u64,
    /// A firing alert resolves at or below `threshold × (1 − hysteresis)`.
    pub hysteresis: f64,
    /// After a resolve, the same alert cannot fire again for this many ms.
    pub cooldown_ms: f64,
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
            latency_quantile: s.high_latency_percentile / 100.0,
            min_samples: s.alert_min_samples,
            hysteresis: s.alert_hysteresis,
            cooldown_ms: s.alert_cooldown_s * 1000.0,
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
    /// The value of the latest window with enough samples.
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

/// Writes events as a JSON array.
pub fn write_events<'a>(
    out: &mut impl Write,
    events: impl IntoIterator<Item = &'a AlertEvent>,
    names: &[String],
) -> fmt::Result {
    out.write_char('[')?;
    for (k, e) in events.into_iter().enumerate() {
        if k > 0 {
            out.write_char(',')?;
        }
        e.write_json(out, names)?;
    }
    out.write_char(']')
}

/// One alert's state and when it last resolved, for the cooldown.
#[derive(Clone, Copy, Debug)]
struct Tracked {
    state: AlertState,
    resolved_at_ms: Option<f64>,
}

/// The rules, the state of every alert that has fired and the recent transitions.
#[derive(Clone, Debug)]
pub struct Alerts {
    rules: AlertRules,
    tracked: Vec<Tracked>,
    /// `tracked`'s states, in the same order, for stats.
    states: Vec<AlertState>,
    history: VecDeque<AlertEvent>,
}

impl Alerts {
    /// No alert yet.
    pub fn new(rules: AlertRules) -> Alerts {
        Alerts {
            rules,
            tracked: Vec::new(),
            states: Vec::new(),
            history: VecDeque::new(),
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> &AlertRules {
        &self.rules
    }

    /// The state of every alert that has fired, in first-fired order.
    pub fn states(&self) -> &[AlertState] {
        &self.states
    }

    /// The last [`HISTORY`] transitions, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &AlertEvent> {
        self.history.iter()
    }

    /// Runs the rules on a frame's window of `window_s` seconds ending at `now_ms`; returns
    /// the transitions.
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
                    let Some(h) = window.histogram(layer, op) else {
                        continue;
                    };
                    let check = Check {
                        kind: AlertKind::HighLatency,
                        op,
                        layer,
                        value: ms(h.percentile(self.rules.latency_quantile)),
                        threshold,
                        samples: h.count(),
                    };
                    self.apply(check, window_s, now_ms, &mut events);
                }
            }
        }
        for e in &events {
            while self.history.len() >= HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(*e);
        }
        self.states.clear();
        self.states.extend(self.tracked.iter().map(|t| t.state));
        events
    }

    fn apply(&mut self, c: Check, window_s: f64, now_ms: f64, events: &mut Vec<AlertEvent>) {
        if c.samples < self.rules.min_samples.max(1) || !c.value.is_finite() {
            return;
        }
        let rules = self.rules;
        let found = self
            .tracked
            .iter_mut()
            .find(|t| t.state.kind == c.kind && t.state.op == c.op && t.state.layer == c.layer);
        let status = match &found {
            Some(t) if t.state.status == AlertStatus::Firing => {
                let resolve_at = c.threshold * (1.0 - rules.hysteresis);
                (c.value <= resolve_at).then_some(AlertStatus::Resolved)
            }
            _ => {
                let cooling = found
                    .as_ref()
                    .and_then(|t| t.resolved_at_ms)
                    .is_some_and(|at| now_ms < at + rules.cooldown_ms);
                (c.value > c.threshold && !cooling).then_some(AlertStatus::Firing)
            }
        };
        let Some(status) = status else {
            // No transition: keep the latest value for stats.
            if let Some(t) = found {
                t.state.value = c.value;
            }
            return;
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
        let resolved_at_ms = (status == AlertStatus::Resolved).then_some(now_ms);
        match found {
            Some(t) => {
                t.state = state;
                t.resolved_at_ms = resolved_at_ms;
            }
            None => self.tracked.push(Tracked {
                state,
                resolved_at_ms,
            }),
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
