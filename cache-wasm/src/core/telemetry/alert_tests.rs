//! Tests of the alert rules with a manual clock: every transition, per op and layer, percentiles.

use serde_json::Value as Json;

use super::alerts::{AlertKind, AlertStatus, HISTORY};
use super::*;
use crate::core::config::{Settings, Value};
use crate::core::store::Store;

/// A day boundary, in ms since the epoch.
const T0: f64 = 1_700_006_400_000.0;
const SEC: f64 = 1_000.0;

/// The key hash that is stored; any other misses.
const PRESENT: u32 = 1;
const ABSENT: u32 = 2;
const DISK: usize = 1;

struct Rig {
    store: Store,
    tel: Telemetry,
    /// The time of the next frame.
    at: f64,
}

/// Telemetry on, one layer named "disk", both rules off until a test turns them on.
fn base() -> Settings {
    Settings {
        name: "alerts".into(),
        enable_telemetry: true,
        layers: vec!["disk".into()],
        ..Settings::default()
    }
}

/// The miss-rate rule at 0.5 with no cooldown and the default hysteresis and minimum.
fn miss_rule() -> Settings {
    Settings {
        alert_on_high_miss_rate: true,
        high_miss_rate_threshold: 0.5,
        alert_cooldown_s: 0.0,
        ..base()
    }
}

/// The latency rule at 100 ms with no cooldown and a minimum of 10 samples.
fn latency_rule() -> Settings {
    Settings {
        alert_on_high_latency: true,
        high_latency_threshold_ms: 100.0,
        alert_cooldown_s: 0.0,
        alert_min_samples: 10,
        ..base()
    }
}

impl Rig {
    fn new(settings: Settings) -> Rig {
        let mut store = Store::new(&settings);
        let tel = Telemetry::new(&settings, T0);
        store.insert(PRESENT, 10, 0.0, T0).unwrap();
        Rig { store, tel, at: T0 }
    }

    /// A window of `misses` misses and `hits` hits.
    fn gets(&mut self, misses: u64, hits: u64) {
        for _ in 0..misses {
            self.store.get(ABSENT, self.at);
        }
        for _ in 0..hits {
            self.store.get(PRESENT, self.at);
        }
    }

    /// `n` timed ops of `ms` each in `layer`.
    fn timed(&mut self, layer: usize, op: Op, n: u64, ms: f64) {
        for _ in 0..n {
            self.tel.record_latency_ms(layer, op, ms);
        }
    }

    /// Builds the frame 10 s after the previous one; returns its alerts as JSON.
    fn frame(&mut self) -> Vec<Json> {
        self.at += 10.0 * SEC;
        let frame = self.tel.frame(self.at, &self.store);
        let mut out = String::new();
        self.tel.write_frame(&frame, "i-1", &mut out).unwrap();
        let json: Json = serde_json::from_str(&out).unwrap();
        assert_eq!(json["alerts"].as_array().unwrap().len(), frame.alerts.len());
        json["alerts"].as_array().unwrap().clone()
    }

    /// A frame over a window of `misses` misses and `hits` hits.
    fn window(&mut self, misses: u64, hits: u64) -> Vec<Json> {
        self.gets(misses, hits);
        self.frame()
    }

    fn stats_alerts(&mut self) -> Vec<Json> {
        let mut out = String::new();
        self.tel
            .write_stats(Period::All, self.at, &self.store, &mut out)
            .unwrap();
        let json: Json = serde_json::from_str(&out).unwrap();
        json["alerts"].as_array().unwrap().clone()
    }

    fn status(&self, kind: AlertKind, op: Op, layer: usize) -> Option<AlertStatus> {
        self.tel
            .alert_states()
            .iter()
            .find(|s| s.kind == kind && s.op == op && s.layer == layer)
            .map(|s| s.status)
    }

    fn miss_status(&self) -> Option<AlertStatus> {
        self.status(AlertKind::HighMissRate, Op::Get, MEMORY)
    }
}

/// Percentiles are bucket midpoints, within 3.2% of the true value.
fn near(v: &Json, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= want * 0.032)
}

fn states(events: &[Json]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect()
}

#[test]
fn defaults_are_documented_ones() {
    let s = Settings::default();
    assert_eq!(s.alert_min_samples, 20);
    assert_eq!(s.alert_cooldown_s, 300.0);
    assert_eq!(s.alert_hysteresis, 0.1);
    assert_eq!(s.high_latency_percentile, 95.0);
}

#[test]
fn fires_stays_firing_then_resolves() {
    let mut r = Rig::new(miss_rule());
    let fired = r.window(80, 20);
    assert_eq!(fired.len(), 1);
    let e = &fired[0];
    assert_eq!(e["type"], "high_miss_rate");
    assert_eq!(e["state"], "firing");
    assert_eq!(e["value"], 0.8);
    assert_eq!(e["threshold"], 0.5);
    assert_eq!(e["samples"], 100);
    assert_eq!(e["window_s"], 10);
    assert_eq!(e["op"], "get");
    assert_eq!(e["layer"], "memory");
    assert_eq!(e["at_ms"], T0 + 10.0 * SEC);
    // Still above: no event, the state keeps its start and shows the latest value.
    assert!(r.window(90, 10).is_empty());
    assert_eq!(r.miss_status(), Some(AlertStatus::Firing));
    let s = r.stats_alerts();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["state"], "firing");
    assert_eq!(s[0]["value"], 0.9);
    assert_eq!(s[0]["since_ms"], T0 + 10.0 * SEC);
    assert_eq!(s[0]["op"], "get");
    assert_eq!(s[0]["layer"], "memory");
    // Well below: resolves.
    let resolved = r.window(10, 90);
    assert_eq!(states(&resolved), ["resolved"]);
    assert_eq!(resolved[0]["value"], 0.1);
    assert_eq!(resolved[0]["at_ms"], T0 + 30.0 * SEC);
    assert_eq!(r.miss_status(), Some(AlertStatus::Resolved));
    assert_eq!(r.stats_alerts()[0]["since_ms"], T0 + 30.0 * SEC);
    // Staying below reports nothing more.
    assert!(r.window(0, 100).is_empty());
}

#[test]
fn a_value_at_the_threshold_does_not_fire() {
    let mut r = Rig::new(miss_rule());
    assert!(r.window(50, 50).is_empty());
    assert_eq!(r.miss_status(), None);
    assert_eq!(states(&r.window(51, 49)), ["firing"]);
}

#[test]
fn min_samples_keep_a_cold_cache_quiet() {
    let mut r = Rig::new(miss_rule());
    // 19 misses out of 19 gets: all misses, but too few.
    assert!(r.window(19, 0).is_empty());
    assert!(r.stats_alerts().is_empty());
    assert_eq!(states(&r.window(20, 0)), ["firing"]);
    // Too few samples to resolve either: a quiet window is no evidence.
    assert!(r.window(0, 19).is_empty());
    assert!(r.window(0, 0).is_empty());
    assert_eq!(r.miss_status(), Some(AlertStatus::Firing));
    assert_eq!(states(&r.window(0, 20)), ["resolved"]);
    // A configured minimum.
    let mut few = Rig::new(Settings {
        alert_min_samples: 3,
        ..miss_rule()
    });
    assert!(few.window(2, 0).is_empty());
    assert_eq!(states(&few.window(3, 0)), ["firing"]);
}

#[test]
fn hysteresis_band_holds_a_firing_alert() {
    // Threshold 0.5, hysteresis 0.1: resolves at or below 0.45.
    let mut r = Rig::new(miss_rule());
    assert_eq!(states(&r.window(60, 40)), ["firing"]);
    for (misses, hits) in [(50, 50), (48, 52), (46, 54)] {
        assert!(r.window(misses, hits).is_empty(), "{misses} misses");
        assert_eq!(r.miss_status(), Some(AlertStatus::Firing));
    }
    assert_eq!(states(&r.window(45, 55)), ["resolved"]);
    // Inside the band a resolved alert does not fire again either.
    assert!(r.window(50, 50).is_empty());
    assert_eq!(states(&r.window(51, 49)), ["firing"]);

    // A wider band from the option; with none, the threshold itself resolves.
    let mut wide = Rig::new(Settings {
        alert_hysteresis: 0.5,
        ..miss_rule()
    });
    assert_eq!(states(&wide.window(60, 40)), ["firing"]);
    assert!(wide.window(30, 70).is_empty());
    assert_eq!(states(&wide.window(25, 75)), ["resolved"]);
    let mut none = Rig::new(Settings {
        alert_hysteresis: 0.0,
        ..miss_rule()
    });
    assert_eq!(states(&none.window(60, 40)), ["firing"]);
    assert_eq!(states(&none.window(50, 50)), ["resolved"]);
}

#[test]
fn cooldown_suppresses_a_refire_after_a_resolve() {
    let mut r = Rig::new(Settings {
        alert_cooldown_s: 25.0,
        ..miss_rule()
    });
    assert_eq!(states(&r.window(100, 0)), ["firing"]); // T0 + 10 s
    assert_eq!(states(&r.window(0, 100)), ["resolved"]); // T0 + 20 s
                                                         // 10 s and 20 s after the resolve: above the threshold but cooling down.
    assert!(r.window(100, 0).is_empty());
    assert!(r.window(100, 0).is_empty());
    assert_eq!(r.miss_status(), Some(AlertStatus::Resolved));
    let s = r.stats_alerts();
    assert_eq!(s[0]["state"], "resolved");
    assert_eq!(s[0]["value"], 1);
    assert_eq!(s[0]["since_ms"], T0 + 20.0 * SEC);
    // 30 s after: the cooldown is over and the value is still high.
    let refired = r.window(100, 0);
    assert_eq!(states(&refired), ["firing"]);
    assert_eq!(refired[0]["at_ms"], T0 + 50.0 * SEC);
    // Cooldown only follows a resolve: a firing alert still resolves at once.
    assert_eq!(states(&r.window(0, 100)), ["resolved"]);

    // Without a cooldown a flapping value is reported every time.
    let mut flapping = Rig::new(miss_rule());
    for _ in 0..3 {
        assert_eq!(states(&flapping.window(100, 0)), ["firing"]);
        assert_eq!(states(&flapping.window(0, 100)), ["resolved"]);
    }
    // The default cooldown (300 s) holds for 30 frames of 10 s.
    let mut default = Rig::new(Settings {
        alert_cooldown_s: Settings::default().alert_cooldown_s,
        ..miss_rule()
    });
    assert_eq!(states(&default.window(100, 0)), ["firing"]);
    assert_eq!(states(&default.window(0, 100)), ["resolved"]);
    for _ in 0..29 {
        assert!(default.window(100, 0).is_empty());
    }
    assert_eq!(states(&default.window(100, 0)), ["firing"]);
}

#[test]
fn latency_is_watched_per_op_and_per_layer() {
    let mut r = Rig::new(latency_rule());
    // Memory gets fast, disk sets slow, disk gets slow but too few.
    r.timed(MEMORY, Op::Get, 50, 0.01);
    r.timed(DISK, Op::Set, 20, 250.0);
    r.timed(DISK, Op::Get, 5, 900.0);
    let fired = r.frame();
    assert_eq!(fired.len(), 1, "{fired:?}");
    let e = &fired[0];
    assert_eq!(e["type"], "high_latency");
    assert_eq!(e["state"], "firing");
    assert_eq!(e["op"], "set");
    assert_eq!(e["layer"], "disk");
    assert!(near(&e["value"], 250.0), "{}", e["value"]);
    assert_eq!(e["threshold"], 100.0);
    assert_eq!(e["samples"], 20);
    // Memory deletes slow now, disk sets still slow: only the new series fires.
    r.timed(MEMORY, Op::Delete, 10, 150.0);
    r.timed(DISK, Op::Set, 10, 300.0);
    let fired = r.frame();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0]["op"], "delete");
    assert_eq!(fired[0]["layer"], "memory");
    assert_eq!(
        r.status(AlertKind::HighLatency, Op::Set, DISK),
        Some(AlertStatus::Firing)
    );
    assert_eq!(
        r.status(AlertKind::HighLatency, Op::Delete, MEMORY),
        Some(AlertStatus::Firing)
    );
    assert_eq!(r.status(AlertKind::HighLatency, Op::Get, DISK), None);
    assert_eq!(r.status(AlertKind::HighLatency, Op::Get, MEMORY), None);
    // Disk sets recover; memory deletes have no samples and stay firing.
    r.timed(DISK, Op::Set, 10, 2.0);
    let resolved = r.frame();
    assert_eq!(states(&resolved), ["resolved"]);
    assert_eq!(resolved[0]["layer"], "disk");
    assert_eq!(resolved[0]["op"], "set");
    let s = r.stats_alerts();
    let find = |op: &str, layer: &str| {
        s.iter()
            .find(|a| a["op"] == op && a["layer"] == layer)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(find("set", "disk"), "resolved");
    assert_eq!(find("delete", "memory"), "firing");
}

#[test]
fn latency_rule_watches_the_configured_percentile() {
    // 90 fast ops and 10 slow ones: p50 and p90 are fast, p95 and p99.9 slow.
    let run = |percentile: f64| {
        let mut r = Rig::new(Settings {
            high_latency_percentile: percentile,
            ..latency_rule()
        });
        r.timed(MEMORY, Op::Get, 90, 1.0);
        r.timed(MEMORY, Op::Get, 10, 500.0);
        r.frame()
    };
    for quiet in [50.0, 90.0] {
        assert!(run(quiet).is_empty(), "p{quiet}");
    }
    for loud in [95.0, 99.9] {
        let e = run(loud);
        assert_eq!(states(&e), ["firing"], "p{loud}");
        assert!(near(&e[0]["value"], 500.0), "{}", e[0]["value"]);
    }
    // The default is p95.
    assert_eq!(
        Rig::new(latency_rule()).tel.alerts.rules().latency_quantile,
        0.95
    );
}

#[test]
fn latency_hysteresis_and_min_samples() {
    let mut r = Rig::new(latency_rule());
    r.timed(MEMORY, Op::Get, 9, 500.0);
    assert!(r.frame().is_empty(), "9 samples are fewer than 10");
    r.timed(MEMORY, Op::Get, 10, 500.0);
    assert_eq!(states(&r.frame()), ["firing"]);
    // 95 ms is below the threshold but inside the 10% band.
    r.timed(MEMORY, Op::Get, 10, 95.0);
    assert!(r.frame().is_empty());
    r.timed(MEMORY, Op::Get, 10, 80.0);
    assert_eq!(states(&r.frame()), ["resolved"]);
}

#[test]
fn history_keeps_the_last_transitions_in_order() {
    let mut r = Rig::new(Settings {
        alert_min_samples: 1,
        ..miss_rule()
    });
    let rounds = HISTORY + 30;
    for _ in 0..rounds / 2 {
        r.window(1, 0);
        r.window(0, 1);
    }
    let history: Vec<_> = r.tel.alert_history().collect();
    assert_eq!(history.len(), HISTORY);
    assert_eq!(r.tel.footprint().alert_history, HISTORY);
    // Oldest first, alternating, ending with the latest resolve.
    for w in history.windows(2) {
        assert!(w[0].at_ms < w[1].at_ms);
        assert_ne!(w[0].status, w[1].status);
    }
    let last = history.last().unwrap();
    assert_eq!(last.status, AlertStatus::Resolved);
    assert_eq!(last.at_ms, r.at);
    let mut out = String::new();
    r.tel.write_alert_history(&mut out).unwrap();
    let json: Json = serde_json::from_str(&out).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), HISTORY);
    assert_eq!(arr[0]["type"], "high_miss_rate");
    assert_eq!(arr[HISTORY - 1]["state"], "resolved");
    assert_eq!(arr[HISTORY - 1]["at_ms"], r.at);
    // One state per alert however many transitions.
    assert_eq!(r.tel.alert_states().len(), 1);
}

#[test]
fn rules_that_are_off_never_fire() {
    let mut r = Rig::new(Settings {
        alert_min_samples: 1,
        ..base()
    });
    r.timed(MEMORY, Op::Get, 100, 5_000.0);
    assert!(r.window(100, 0).is_empty());
    assert!(r.stats_alerts().is_empty());
    assert_eq!(r.tel.alert_history().count(), 0);
}

#[test]
fn options_reach_the_rules() {
    let options = Value::Object(vec![
        ("enableTelemetry".into(), Value::Bool(true)),
        ("alertOnHighLatency".into(), Value::Bool(true)),
        ("high_latency_percentile".into(), Value::Number(99.0)),
        ("alert_min_samples".into(), Value::Number(5.0)),
        ("alertCooldown".into(), Value::Number(1.5)),
        ("alert_hysteresis".into(), Value::Number(0.25)),
    ]);
    let s = Settings::from_value(&options).unwrap();
    let rules = Rig::new(s).tel.alerts.rules().to_owned();
    assert_eq!(rules.miss_rate, None);
    assert_eq!(rules.latency_ms, Some(100.0));
    assert_eq!(rules.latency_quantile, 0.99);
    assert_eq!(rules.min_samples, 5);
    assert_eq!(rules.cooldown_ms, 1_500.0);
    assert_eq!(rules.hysteresis, 0.25);
}
