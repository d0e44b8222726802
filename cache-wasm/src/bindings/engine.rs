//! `Engine`: the store and settings of one cache, driven by the JS wrapper with numbers.

use std::fmt::Write;

use wasm_bindgen::prelude::*;

use super::convert::{config_error, range_error, to_value};
use crate::core::config::{ExportFormat, PolicyKind, Settings};
use crate::core::json::Obj;
use crate::core::stats::Period;
use crate::core::store::Store;
use crate::core::telemetry::{ErrorType, Op, Telemetry, MEMORY};

/// One cache's engine. Not part of the public API: `CacheManager` wraps it.
#[wasm_bindgen]
pub struct Engine {
    settings: Settings,
    store: Store,
    telemetry: Telemetry,
}

/// Packs a slot and the number of slots waiting to be released into one number.
#[inline]
fn with_freed(slot: u32, freed: usize) -> f64 {
    f64::from(slot) + (freed as f64) * 4_294_967_296.0
}

#[wasm_bindgen]
impl Engine {
    /// Validates `options` and builds an empty cache; throws TypeError/RangeError naming the option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, now: f64) -> Result<Engine, JsValue> {
        let value = to_value(&options)?;
        let settings = Settings::from_value(&value).map_err(|e| config_error(&e))?;
        let store = Store::new(&settings);
        let telemetry = Telemetry::new(&settings, now);
        Ok(Engine {
            settings,
            store,
            telemetry,
        })
    }

    /// The settings as a JSON object with camelCase names.
    #[wasm_bindgen(js_name = settingsJson)]
    pub fn settings_json(&self) -> String {
        let s = &self.settings;
        let mut out = String::new();
        let _ = (|| -> std::fmt::Result {
            let mut o = Obj::new(&mut out)?;
            o.str("name", &s.name)?;
            o.count("maxEntries", u64::from(s.max_entries))?;
            o.count("maxBytes", s.max_bytes)?;
            o.num("defaultTtl", s.default_ttl_ms)?;
            o.count("maxKeyLength", u64::from(s.max_key_length))?;
            o.str(
                "evictionPolicy",
                match s.policy {
                    PolicyKind::Lru => "lru",
                    PolicyKind::TinyLfu => "tinylfu",
                },
            )?;
            o.bool("enableTelemetry", s.enable_telemetry)?;
            o.num("telemetryInterval", s.telemetry_interval_s)?;
            o.bool("metricsCollection", s.metrics_collection)?;
            o.bool("telemetryExport", s.telemetry_export)?;
            o.str(
                "telemetryExportFormat",
                match s.export_format {
                    ExportFormat::Prometheus => "prometheus",
                    ExportFormat::Statsd => "statsd",
                    ExportFormat::Json => "json",
                },
            )?;
            match &s.export_endpoint {
                Some(e) => o.str("telemetryExportEndpoint", e)?,
                None => o.raw("telemetryExportEndpoint", |w| w.write_str("null"))?,
            }
            o.bool("alertOnHighMissRate", s.alert_on_high_miss_rate)?;
            o.num("highMissRateThreshold", s.high_miss_rate_threshold)?;
            o.bool("alertOnHighLatency", s.alert_on_high_latency)?;
            o.num("highLatencyThreshold", s.high_latency_threshold_ms)?;
            o.num("latencySampleRate", s.latency_sample_rate)?;
            match &s.telemetry_channel {
                Some(c) => o.str("telemetryChannel", c)?,
                None => o.raw("telemetryChannel", |w| w.write_str("null"))?,
            }
            o.end()
        })();
        out
    }

    /// Get: a tentatively hit candidate slot for `hash`, or NIL (u32::MAX) as a miss.
    pub fn get(&mut self, hash: u32, now: f64) -> u32 {
        self.store.get(hash, now)
    }

    /// The candidate `after` held another key: undo its hit and try the next one.
    #[wasm_bindgen(js_name = getNext)]
    pub fn get_next(&mut self, after: u32, now: f64) -> u32 {
        self.store.get_next(after, now)
    }

    /// The first live candidate for `hash` without touching order or counts, or NIL.
    pub fn peek(&self, hash: u32, now: f64) -> u32 {
        self.store.peek(hash, now)
    }

    /// The next live candidate after `after`, or NIL.
    #[wasm_bindgen(js_name = peekNext)]
    pub fn peek_next(&self, after: u32, now: f64) -> u32 {
        self.store.peek_next(after, now)
    }

    /// Stores a new entry; returns slot + 2^32 × (slots waiting to be released), or NaN when
    /// the size exceeds `maxBytes` (JS checks that first; a NaN leaves the store unchanged).
    pub fn insert(&mut self, hash: u32, size: u32, ttl: f64, now: f64) -> f64 {
        match self.store.insert(hash, size, ttl, now) {
            Ok(slot) => with_freed(slot, self.store.freed().len()),
            Err(_) => f64::NAN,
        }
    }

    /// Set in one call: when `hash` already has a live candidate, returns `-(slot + 1)` for JS
    /// to check (then `update`, or `insert` for a new key); else inserts like `insert`.
    pub fn set(&mut self, hash: u32, size: u32, ttl: f64, now: f64) -> f64 {
        let candidate = self.store.peek(hash, now);
        if candidate != crate::core::NIL {
            return -f64::from(candidate) - 1.0;
        }
        self.insert(hash, size, ttl, now)
    }

    /// Replaces the entry at `slot`; returns the number of slots waiting to be released, or
    /// NaN when the slot holds no entry or the size exceeds `maxBytes` (nothing changes then).
    pub fn update(&mut self, slot: u32, size: u32, ttl: f64, now: f64) -> f64 {
        match self.store.update(slot, size, ttl, now) {
            Ok(()) => self.store.freed().len() as f64,
            Err(_) => f64::NAN,
        }
    }

    /// Deletes the entry at `slot`, or counts a delete of a missing key when `slot` is NIL.
    pub fn delete(&mut self, slot: u32) -> u32 {
        if self.store.delete(slot).is_err() {
            self.store.delete_missing();
        }
        self.store.freed().len() as u32
    }

    /// The freed slots whose keys and values JS must drop; forgets them.
    #[wasm_bindgen(js_name = takeFreed)]
    pub fn take_freed(&mut self) -> Vec<u32> {
        self.store.take_freed()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.store.clear();
    }

    /// Live entries after purging the expired ones.
    pub fn size(&mut self, now: f64) -> u32 {
        self.store.purge_all_expired(now);
        self.store.len()
    }

    /// Accounted bytes after purging the expired entries.
    pub fn bytes(&mut self, now: f64) -> f64 {
        self.store.purge_all_expired(now);
        self.store.bytes() as f64
    }

    /// Live slots, most recently used first.
    pub fn slots(&mut self, now: f64) -> Vec<u32> {
        self.store.purge_all_expired(now);
        self.store.slots_by_recency()
    }

    /// The stats snapshot for `period` as JSON text; RangeError for an unknown period.
    pub fn stats(&mut self, period: &str, now: f64) -> Result<String, JsValue> {
        let Some(period) = Period::parse(period) else {
            return Err(range_error(&format!(
                "cache-wasm: getStats period must be \"all\", \"minute\", \"hour\" or \"day\", got {:?}",
                period.chars().take(40).collect::<String>()
            )));
        };
        self.store.purge_all_expired(now);
        let mut out = String::new();
        self.telemetry
            .write_stats(period, now, &self.store, &mut out)
            .map_err(|_| range_error("cache-wasm: stats could not be written"))?;
        Ok(out)
    }

    /// Records a timed memory-layer operation (0 get, 1 set, 2 delete) of `ms` milliseconds.
    #[wasm_bindgen(js_name = recordLatency)]
    pub fn record_latency(&mut self, op: u32, ms: f64) {
        if let Some(op) = Op::ALL.get(op as usize) {
            self.telemetry.record_latency_ms(MEMORY, *op, ms);
        }
    }

    /// Counts an error of `kind` (`"bad_input"`, `"subscriber"`, ...); unknown kinds count as
    /// `"internal"`.
    #[wasm_bindgen(js_name = recordError)]
    pub fn record_error(&mut self, kind: &str) {
        let ty = ErrorType::parse(kind).unwrap_or(ErrorType::Internal);
        self.telemetry.record_error(None, ty);
    }

    /// Moves recent figures into the time windows; call every few seconds.
    pub fn tick(&mut self, now: f64) {
        self.telemetry.tick(now, self.store.counts());
    }

    /// Builds the metric frame for the interval since the previous one, runs the alert rules,
    /// and returns the frame as JSON text (its `alerts` are the transitions to deliver).
    pub fn frame(&mut self, now: f64, instance: &str) -> Result<String, JsValue> {
        self.store.purge_all_expired(now);
        let frame = self.telemetry.frame(now, &self.store);
        let mut out = String::new();
        self.telemetry
            .write_frame(&frame, instance, &mut out)
            .map_err(|_| range_error("cache-wasm: the frame could not be written"))?;
        Ok(out)
    }

    /// The self-contained HTML report of `generateDashboard()`.
    pub fn report(&mut self, now: f64) -> Result<String, JsValue> {
        self.store.purge_all_expired(now);
        let mut out = String::new();
        self.telemetry
            .write_report(now, &self.store, &mut out)
            .map_err(|_| range_error("cache-wasm: the report could not be written"))?;
        Ok(out)
    }

    /// Summaries of the recent frames as a JSON array, oldest first.
    pub fn history(&self) -> String {
        let mut out = String::new();
        let _ = self.telemetry.write_history(&mut out);
        out
    }
}
