//! Serde types of a metric frame as JSON (`cache-wasm/frame@1`), for Rust readers of frames.
//!
//! The cache writes frames with its own JSON writer ([`super::telemetry::frame`]); these types
//! read them back, for the live dashboard and any other Rust consumer. They follow
//! `schema/frame.schema.json`; a test below parses frames the telemetry writes. Missing
//! fields take their defaults, so a reader keeps working when fields are added.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A JSON object read in document order, as `(key, value)` pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<V> Ordered<V> {
    /// The value under `key`, if any.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The pairs in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    pairs.push((k, v));
                }
                Ok(Ordered(pairs))
            }
        }
        d.deserialize_map(Pairs(PhantomData))
    }
}

/// One metric frame.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct FrameDoc {
    /// `"cache-wasm/frame@1"`.
    pub schema: String,
    /// 1 for a cache's first frame, then one more each frame.
    pub seq: u64,
    /// When it was built, ms since the epoch.
    pub ts_ms: f64,
    /// The cache's name.
    pub cache: String,
    /// The process or isolate that built it.
    pub instance: String,
    /// Seconds covered by `window`.
    pub interval_s: f64,
    /// Stats since creation.
    pub totals: StatsDoc,
    /// Stats of the interval just ended.
    pub window: StatsDoc,
    /// Alert transitions at this frame.
    pub alerts: Vec<AlertEventDoc>,
}

/// A stats snapshot (`getStats` and a frame's `totals` and `window`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct StatsDoc {
    /// `"all"`, `"minute"`, `"hour"`, `"day"` or `"interval"`.
    pub period: String,
    /// Start of the window, ms since the epoch.
    pub window_start_ms: f64,
    /// End of the window, ms since the epoch.
    pub window_end_ms: f64,
    /// Lookups.
    pub gets: u64,
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Stores.
    pub sets: u64,
    /// Deletes.
    pub deletes: u64,
    /// Percent 0–100.
    pub hit_rate: f64,
    /// Percent 0–100.
    pub miss_rate: f64,
    /// Memory-layer latency per op.
    pub latency: OpsLatencyDoc,
    /// Sizes and limits.
    pub size: SizeDoc,
    /// Evictions (removals the cache chose: capacity, bytes, expired) by cause.
    pub evictions: CausesDoc,
    /// Explicit removals (deleted, replaced, cleared) by cause.
    pub removals: CausesDoc,
    /// Errors by type.
    pub errors: ErrorsDoc,
    /// TTL figures.
    pub ttl: TtlDoc,
    /// Per layer, memory first.
    pub layers: Ordered<LayerDoc>,
    /// The state of every alert that has fired.
    pub alerts: Vec<AlertStateDoc>,
}

/// Latency of get, set and delete; `None` with telemetry off.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OpsLatencyDoc {
    /// Lookups.
    pub get: Option<LatencyDoc>,
    /// Stores.
    pub set: Option<LatencyDoc>,
    /// Deletes.
    pub delete: Option<LatencyDoc>,
}

/// Latency figures of one op, in ms.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LatencyDoc {
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

/// Sizes and limits.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SizeDoc {
    /// Live entries.
    pub entries: u64,
    /// Accounted bytes.
    pub bytes: u64,
    /// The entry bound.
    pub max_entries: u64,
    /// The byte bound, 0 for none.
    pub max_bytes: u64,
}

/// Evictions or removals: a total and counts by cause.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CausesDoc {
    /// Sum over causes.
    pub total: u64,
    /// Count per cause, in the cache's order.
    pub by_cause: Ordered<u64>,
}

/// Errors: a total and counts by type.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ErrorsDoc {
    /// Sum over types.
    pub total: u64,
    /// Count per type, in the cache's order.
    pub by_type: Ordered<u64>,
}

/// TTL figures.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct TtlDoc {
    /// Entries that expired.
    pub expired: u64,
    /// Of which never read.
    pub expired_unread: u64,
    /// Entries held with a TTL.
    pub entries_with_ttl: u64,
    /// Mean TTL given by sets, ms.
    pub mean_ttl_ms: f64,
    /// Mean TTL left at hits, ms.
    pub mean_remaining_ttl_at_hit_ms: f64,
}

/// One layer's figures.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LayerDoc {
    /// Lookups that reached it.
    pub gets: u64,
    /// Of which hits.
    pub hits: u64,
    /// Of which misses.
    pub misses: u64,
    /// Percent 0–100.
    pub hit_rate: f64,
    /// Latency per op.
    pub latency: OpsLatencyDoc,
    /// Errors in the layer.
    pub errors: ErrorsDoc,
}

/// The current state of one alert.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct AlertStateDoc {
    /// `alertType`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `"firing"` or `"resolved"`.
    pub state: String,
    /// At the last change: a fraction for miss rate, ms for latency.
    pub value: f64,
    /// Same unit as `value`.
    pub threshold: f64,
    /// When the state last changed.
    pub since_ms: f64,
    /// The op watched.
    pub op: String,
    /// The layer watched.
    pub layer: String,
}

/// An alert transition carried by a frame (the `details` given to alert handlers, plus `type`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct AlertEventDoc {
    /// `alertType`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `"firing"` or `"resolved"`.
    pub state: String,
    /// A fraction for miss rate, ms for latency.
    pub value: f64,
    /// Same unit as `value`.
    pub threshold: f64,
    /// Seconds of the window evaluated.
    pub window_s: f64,
    /// Gets or timed ops in the window.
    pub samples: u64,
    /// The op watched.
    pub op: String,
    /// The layer watched.
    pub layer: String,
    /// When, ms since the epoch.
    pub at_ms: f64,
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::config::Settings;
    use crate::core::store::Store;
    use crate::core::telemetry::{ErrorType, Op, Telemetry, MEMORY};

    const T0: f64 = 1_700_006_400_000.0;

    #[test]
    fn reads_the_frames_the_telemetry_writes() {
        let settings = Settings {
            name: "shop <main>".into(),
            enable_telemetry: true,
            alert_on_high_miss_rate: true,
            alert_min_samples: 1,
            layers: vec!["disk".into(), "kv".into()],
            max_entries: 100,
            ..Settings::default()
        };
        let mut store = Store::new(&settings);
        let mut tel = Telemetry::new(&settings, T0);
        store.insert(1, 10, 5_000.0, T0).unwrap();
        store.get(1, T0);
        store.get(2, T0);
        store.get(3, T0);
        tel.record_latency(MEMORY, Op::Get, 20_000);
        tel.record_layer_get(2, true);
        tel.record_error(Some(1), ErrorType::Layer);
        let frame = tel.frame(T0 + 1_000.0, &store);
        let mut json = String::new();
        tel.write_frame(&frame, "abc", &mut json).unwrap();
        let doc: FrameDoc = serde_json::from_str(&json).unwrap();

        assert_eq!(doc.schema, "cache-wasm/frame@1");
        assert_eq!((doc.seq, doc.ts_ms, doc.interval_s), (1, T0 + 1_000.0, 1.0));
        assert_eq!(
            (doc.cache.as_str(), doc.instance.as_str()),
            ("shop <main>", "abc")
        );
        let w = &doc.window;
        assert_eq!(w.period, "interval");
        assert_eq!((w.gets, w.hits, w.misses, w.sets), (3, 1, 2, 1));
        assert_eq!(w.size.entries, 1);
        assert_eq!(w.size.max_entries, 100);
        assert_eq!(w.latency.get.map(|l| l.count), Some(1));
        assert_eq!(w.latency.set.map(|l| l.count), Some(0));
        let layers: Vec<&str> = w.layers.iter().map(|(k, _)| k).collect();
        assert_eq!(layers, ["memory", "disk", "kv"], "document order is kept");
        assert_eq!(w.layers.get("kv").map(|l| l.hits), Some(1));
        assert_eq!(w.layers.get("disk").map(|l| l.errors.total), Some(1));
        assert_eq!(w.errors.by_type.get("layer"), Some(&1));
        fn causes(c: &CausesDoc) -> Vec<&str> {
            c.by_cause.iter().map(|(k, _)| k).collect()
        }
        assert_eq!(causes(&w.evictions), ["capacity", "bytes", "expired"]);
        assert_eq!(causes(&w.removals), ["deleted", "replaced", "cleared"]);
        assert_eq!(w.ttl.entries_with_ttl, 1);
        assert_eq!(doc.alerts.len(), 1);
        let a = doc.alerts.first().unwrap();
        assert_eq!(
            (a.kind.as_str(), a.state.as_str()),
            ("high_miss_rate", "firing")
        );
        assert_eq!(
            (a.op.as_str(), a.layer.as_str(), a.samples),
            ("get", "memory", 3)
        );
        assert!((a.value - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(doc.totals.alerts.len(), 1);
        assert_eq!(
            doc.totals.alerts.first().map(|s| s.since_ms),
            Some(T0 + 1_000.0)
        );
    }

    #[test]
    fn missing_fields_take_defaults() {
        let doc: FrameDoc = serde_json::from_str(r#"{"seq":4,"window":{"gets":2}}"#).unwrap();
        assert_eq!(doc.seq, 4);
        assert_eq!(doc.window.gets, 2);
        assert!(doc.window.latency.get.is_none());
        assert!(doc.alerts.is_empty());
    }
}
