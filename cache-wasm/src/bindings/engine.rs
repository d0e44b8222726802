//! `Engine`: the store and settings of one cache, driven by the JS wrapper with numbers.

use std::fmt::Write;

use wasm_bindgen::prelude::*;

use super::convert::{config_error, range_error, to_value};
use crate::core::config::{self, ExportFormat, PolicyKind, Settings};
use crate::core::export::endpoint::Endpoint;
use crate::core::export::{self, statsd, Meta};
use crate::core::json::Obj;
use crate::core::layers::{expires_at, Found, Keyed, Role, Verdict, Walk};
use crate::core::stats::Period;
use crate::core::store::{Store, StoreError};
use crate::core::telemetry::{ErrorType, Op, Telemetry, MEMORY};

/// One cache's engine. Not part of the public API: `CacheManager` wraps it.
#[wasm_bindgen]
pub struct Engine {
    settings: Settings,
    store: Store,
    telemetry: Telemetry,
    /// The totals at the previous StatsD push: each push sends every change since the last.
    statsd_push: statsd::Cursor,
    /// The totals at the previous `exportMetrics("statsd")`, apart from the pushes' so that
    /// neither takes the other's deltas.
    statsd_manual: statsd::Cursor,
    /// StatsD options from the endpoint's query string.
    statsd_options: statsd::Options,
    /// Layer walks in progress, by id; each remembers its key.
    walks: Vec<Option<(String, Walk)>>,
    free_walks: Vec<u32>,
    /// Generations and loads of the keys with async work in progress.
    keyed: Keyed<String>,
    shared: Shared,
    /// The layers' entries as the options gave them, read once, until the wrapper takes them.
    layer_entries: js_sys::Array,
}

/// Words of the header JS reads from WebAssembly memory (see [`Shared`]).
const HEADER_WORDS: usize = 6;
/// Words of hits, writes and misses JS may record before it asks the engine to apply them.
const READS: usize = 256;
const H_TABLE_PTR: usize = 0;
const H_TABLE_LEN: usize = 1;
const H_READS_PTR: usize = 2;
const H_READS_COUNT: usize = 3;
const H_READS_CAP: usize = 4;
/// Where the clock readings of the recorded hits are (one `f64` per hit, with TTLs in play).
const H_TIMES_PTR: usize = 5;

/// Memory shared with the JS fast path. JS probes the index's buckets itself for a get; on a
/// hit it appends the slot to `reads` and bumps the count in the header, and on a miss the
/// word `MISSED` and the key's hash. With TTLs in play JS also checks the entry's expiry
/// against its own copy and writes its clock reading beside the slot in `times`. Every engine
/// call that reads or changes entries, counts or the policy first applies those entries in
/// order (see [`Store::apply_hits`]), so counts, recency, frequencies and evictions come out
/// exactly as if each get had been a call. The header says where the buckets and the buffers
/// are; it is rewritten whenever the table moves.
struct Shared {
    header: Box<[u32; HEADER_WORDS]>,
    reads: Box<[u32; READS]>,
    times: Box<[f64; READS]>,
}

impl Shared {
    fn new() -> Self {
        let mut s = Shared {
            header: Box::new([0; HEADER_WORDS]),
            reads: Box::new([0; READS]),
            times: Box::new([0.0; READS]),
        };
        if let Some(h) = s.header.get_mut(H_READS_PTR) {
            *h = s.reads.as_ptr() as usize as u32;
        }
        if let Some(h) = s.header.get_mut(H_TIMES_PTR) {
            *h = s.times.as_ptr() as usize as u32;
        }
        if let Some(h) = s.header.get_mut(H_READS_CAP) {
            *h = READS as u32;
        }
        s
    }
}

/// Packs a slot and the number of slots waiting to be released into one number.
#[inline]
fn with_freed(slot: u32, freed: usize) -> f64 {
    f64::from(slot) + (freed as f64) * 4_294_967_296.0
}

impl Engine {
    /// Applies the gets and writes JS recorded since the last call.
    #[inline]
    fn sync(&mut self, now: f64) {
        let count = self.shared.header.get(H_READS_COUNT).copied().unwrap_or(0) as usize;
        if count == 0 {
            return;
        }
        let n = count.min(READS);
        if let (Some(slots), Some(times)) = (self.shared.reads.get(..n), self.shared.times.get(..n))
        {
            self.store.apply_hits(slots, times, now);
        }
        if let Some(h) = self.shared.header.get_mut(H_READS_COUNT) {
            *h = 0;
        }
    }

    /// The answer to an insert: slot + 2^32 × (slots waiting to be released), or NaN when it
    /// was refused; the index may have moved, so it is published again.
    fn inserted(&mut self, inserted: Result<u32, StoreError>) -> f64 {
        let out = match inserted {
            Ok(slot) => with_freed(slot, self.store.freed().len()),
            Err(_) => f64::NAN,
        };
        self.publish();
        out
    }

    /// Tells JS where the index's buckets are now.
    #[inline]
    fn publish(&mut self) {
        let buckets = self.store.index_buckets();
        let (ptr, len) = (buckets.as_ptr() as usize as u32, buckets.len() as u32);
        if let Some(h) = self.shared.header.get_mut(H_TABLE_PTR) {
            *h = ptr;
        }
        if let Some(h) = self.shared.header.get_mut(H_TABLE_LEN) {
            *h = len;
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// Where the shared header is in WebAssembly memory (a byte offset).
    #[wasm_bindgen(js_name = sharedPtr)]
    pub fn shared_ptr(&self) -> u32 {
        self.shared.header.as_ptr() as usize as u32
    }

    /// Applies the gets and writes recorded by JS; JS calls it when the buffer has no room
    /// left for a two-word entry.
    #[wasm_bindgen(js_name = applyReads)]
    pub fn apply_reads(&mut self, now: f64) {
        self.sync(now);
    }

    /// Validates `options` and builds an empty cache; throws TypeError/RangeError naming the option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, now: f64) -> Result<Engine, JsValue> {
        let (value, layer_entries) = to_value(&options)?;
        let settings = Settings::from_value(&value).map_err(|e| config_error(&e))?;
        let store = Store::new(&settings);
        let telemetry = Telemetry::new(&settings, now);
        let statsd_push = statsd::Cursor::new(telemetry.created_ms(), settings.layers.len());
        let statsd_manual = statsd_push.clone();
        // The endpoint was checked with the settings; a query without StatsD options gives the defaults.
        let statsd_options = settings
            .export_endpoint
            .as_deref()
            .and_then(|e| Endpoint::parse(settings.export_format, e).ok())
            .and_then(|e| statsd::Options::from_query(&e.query).ok())
            .unwrap_or_default();
        let mut engine = Engine {
            settings,
            store,
            telemetry,
            statsd_push,
            statsd_manual,
            statsd_options,
            walks: Vec::new(),
            free_walks: Vec::new(),
            keyed: Keyed::new(),
            shared: Shared::new(),
            layer_entries,
        };
        engine.publish();
        Ok(engine)
    }

    /// The layers' `{ name, store, timeoutMs }` entries as they were read and validated, in
    /// order; they are handed over once (later calls give an empty array).
    #[wasm_bindgen(js_name = takeLayers)]
    pub fn take_layers(&mut self) -> js_sys::Array {
        std::mem::replace(&mut self.layer_entries, js_sys::Array::new())
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
            o.str("ttlClock", s.ttl_clock.as_str())?;
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
            o.num("highLatencyPercentile", s.high_latency_percentile)?;
            o.count("alertMinSamples", s.alert_min_samples)?;
            o.num("alertCooldown", s.alert_cooldown_s)?;
            o.num("alertHysteresis", s.alert_hysteresis)?;
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
        self.sync(now);
        self.store.get(hash, now)
    }

    /// The candidate `after` held another key: undo its hit and try the next one.
    #[wasm_bindgen(js_name = getNext)]
    pub fn get_next(&mut self, after: u32, now: f64) -> u32 {
        self.store.get_next(after, now)
    }

    /// The first live candidate for `hash` without touching order or counts, or NIL.
    pub fn peek(&mut self, hash: u32, now: f64) -> u32 {
        self.sync(now);
        self.store.peek(hash, now)
    }

    /// The next live candidate after `after`, or NIL.
    #[wasm_bindgen(js_name = peekNext)]
    pub fn peek_next(&mut self, after: u32, now: f64) -> u32 {
        self.store.peek_next(after, now)
    }

    /// Stores a new entry; returns slot + 2^32 × (slots waiting to be released), or NaN when
    /// the size exceeds `maxBytes` (JS checks that first; a NaN leaves the store unchanged).
    pub fn insert(&mut self, hash: u32, size: u32, ttl: f64, now: f64) -> f64 {
        self.sync(now);
        let inserted = self.store.insert(hash, size, ttl, now);
        self.inserted(inserted)
    }

    /// Inserts like `insert` with a hash the engine picks, for a key JS finds by slot itself
    /// (an LRU cache's long keys).
    #[wasm_bindgen(js_name = insertAny)]
    pub fn insert_any(&mut self, size: u32, ttl: f64, now: f64) -> f64 {
        self.sync(now);
        let inserted = self.store.insert_any(size, ttl, now);
        self.inserted(inserted)
    }

    /// A get of the entry JS found at `slot`: the slot on a hit; NIL when it holds no live
    /// entry (an expired one is removed), counting nothing: JS counts the miss.
    #[wasm_bindgen(js_name = getSlot)]
    pub fn get_slot(&mut self, slot: u32, now: f64) -> u32 {
        self.sync(now);
        self.store.get_slot(slot, now)
    }

    /// Whether `slot` holds an entry that has not expired; counts nothing.
    #[wasm_bindgen(js_name = peekSlot)]
    pub fn peek_slot(&mut self, slot: u32, now: f64) -> bool {
        self.sync(now);
        self.store.peek_slot(slot, now)
    }

    /// Set in one call: when `hash` already has a live candidate, returns `-(slot + 1)` for JS
    /// to check (then `update`, or `insert` for a new key); else inserts like `insert`.
    pub fn set(&mut self, hash: u32, size: u32, ttl: f64, now: f64) -> f64 {
        self.sync(now);
        let candidate = self.store.peek(hash, now);
        if candidate != crate::core::NIL {
            return -f64::from(candidate) - 1.0;
        }
        self.insert(hash, size, ttl, now)
    }

    /// Replaces the entry at `slot`; returns the number of slots waiting to be released, or
    /// NaN when the slot holds no entry or the size exceeds `maxBytes` (nothing changes then).
    pub fn update(&mut self, slot: u32, size: u32, ttl: f64, now: f64) -> f64 {
        self.sync(now);
        match self.store.update(slot, size, ttl, now) {
            Ok(()) => self.store.freed().len() as f64,
            Err(_) => f64::NAN,
        }
    }

    /// Accounts estimated sizes: `pairs` holds slot, size, slot, size, ... Slots that hold no
    /// entry are skipped. Returns the number of slots waiting to be released.
    #[wasm_bindgen(js_name = setSizes)]
    pub fn set_sizes(&mut self, pairs: &[u32], now: f64) -> u32 {
        self.sync(now);
        for pair in pairs.chunks_exact(2) {
            if let [slot, size] = *pair {
                // A slot freed meanwhile, or a size past the bound, keeps what it had.
                let _ = self.store.set_size(slot, size, now);
            }
        }
        self.publish();
        self.store.freed().len() as u32
    }

    /// Deletes the entry at `slot`, or counts a delete of a missing key when `slot` is NIL.
    pub fn delete(&mut self, slot: u32) -> u32 {
        self.sync(f64::NEG_INFINITY);
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

    /// Removes every entry; those expired at `now` leave as expired.
    pub fn clear(&mut self, now: f64) {
        self.sync(now);
        self.store.clear(now);
        // Loads and layer reads in progress must not bring back what the clear removed.
        self.keyed.touched_all();
        self.publish();
    }

    /// Live entries after purging the expired ones.
    pub fn size(&mut self, now: f64) -> u32 {
        self.sync(now);
        self.store.purge_all_expired(now);
        self.store.len()
    }

    /// Accounted bytes after purging the expired entries.
    pub fn bytes(&mut self, now: f64) -> f64 {
        self.sync(now);
        self.store.purge_all_expired(now);
        self.store.bytes() as f64
    }

    /// The `limit` most recently used live slots, most recent first.
    pub fn slots(&mut self, now: f64, limit: u32) -> Vec<u32> {
        self.sync(now);
        self.store.purge_all_expired(now);
        self.store.most_recent(limit as usize)
    }

    /// The stats snapshot for `period` as JSON text; RangeError for an unknown period.
    pub fn stats(&mut self, period: &str, now: f64) -> Result<String, JsValue> {
        let Some(period) = Period::parse(period) else {
            return Err(range_error(&format!(
                "cache-wasm: getStats period must be \"all\", \"minute\", \"hour\" or \"day\", got {}",
                config::quote(period)
            )));
        };
        self.sync(now);
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
        self.sync(now);
        self.telemetry.tick(now, self.store.counts());
    }

    /// Builds the metric frame for the interval since the previous one, runs the alert rules,
    /// and returns the frame as JSON text (its `alerts` are the transitions to deliver).
    pub fn frame(&mut self, now: f64, instance: &str) -> Result<String, JsValue> {
        self.sync(now);
        self.store.purge_all_expired(now);
        let frame = self.telemetry.frame(now, &self.store);
        let mut out = String::new();
        self.telemetry
            .write_frame(&frame, instance, &mut out)
            .map_err(|_| range_error("cache-wasm: the frame could not be written"))?;
        Ok(out)
    }

    /// The metrics in `format` (`"prometheus"`, `"statsd"` or `"json"`) as text; RangeError
    /// for another format. StatsD counters are deltas since the previous StatsD text of the
    /// same stream: pushes (`push` true) and `exportMetrics` calls each keep their own base.
    #[wasm_bindgen(js_name = exportMetrics)]
    pub fn export_metrics(
        &mut self,
        format: &str,
        now: f64,
        instance: &str,
        push: bool,
    ) -> Result<String, JsValue> {
        let Some(format) = ExportFormat::parse(format) else {
            return Err(range_error(&format!(
                "cache-wasm: exportMetrics format must be \"prometheus\", \"statsd\" or \"json\", got {}",
                config::quote(format)
            )));
        };
        self.sync(now);
        self.store.purge_all_expired(now);
        let mut out = String::new();
        let meta = Meta {
            cache: &self.settings.name,
            layers: &self.settings.layers,
        };
        let written = match format {
            ExportFormat::Prometheus => {
                let totals = self.telemetry.figures(Period::All, now, &self.store);
                export::prometheus::write(&mut out, &meta, &totals)
            }
            ExportFormat::Statsd => {
                let totals = self.telemetry.figures(Period::All, now, &self.store);
                let cursor = if push {
                    &mut self.statsd_push
                } else {
                    &mut self.statsd_manual
                };
                let window = cursor.advance(&totals);
                export::statsd::write(&mut out, &meta, &window, &self.statsd_options)
            }
            ExportFormat::Json => {
                let frame = self.telemetry.peek_frame(now, &self.store);
                export::json::write(&mut out, &self.telemetry, &frame, instance)
            }
        };
        written.map_err(|_| range_error("cache-wasm: the metrics could not be written"))?;
        Ok(out)
    }

    /// Where pushes go, as JSON (`{ transport: "http", url, method, contentType }` or
    /// `{ transport: "udp", host, port }`), or `undefined` without an endpoint.
    #[wasm_bindgen(js_name = exportTarget)]
    pub fn export_target(&self, instance: &str) -> Option<String> {
        let s = &self.settings;
        let endpoint = Endpoint::parse(s.export_format, s.export_endpoint.as_deref()?).ok()?;
        let mut out = String::new();
        endpoint
            .target(s.export_format, &s.name, instance)
            .write_json(&mut out)
            .ok()?;
        Some(out)
    }

    /// The last alert transitions as a JSON array of events, oldest first.
    #[wasm_bindgen(js_name = alertHistory)]
    pub fn alert_history(&self) -> String {
        let mut out = String::new();
        let _ = self.telemetry.write_alert_history(&mut out);
        out
    }

    /// The self-contained HTML report of `generateDashboard()`.
    pub fn report(&mut self, now: f64) -> Result<String, JsValue> {
        self.sync(now);
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

    /// The absolute expiry of a value written at `now` with `ttl` ms (0 for none).
    #[wasm_bindgen(js_name = expiresAt)]
    pub fn expires_at(&self, now: f64, ttl: f64) -> f64 {
        expires_at(now, ttl)
    }

    /// Starts a read of `key` below memory; returns the walk's id for `walkNext`,
    /// `walkObserve` and `walkEnd` (which must follow, also on error).
    #[wasm_bindgen(js_name = walkBegin)]
    pub fn walk_begin(&mut self, key: String) -> u32 {
        let generation = self.keyed.begin_read(&key);
        let walk = Walk::new(self.settings.layers.len(), generation);
        match self.free_walks.pop() {
            Some(id) => {
                if let Some(w) = self.walks.get_mut(id as usize) {
                    *w = Some((key, walk));
                }
                id
            }
            None => {
                self.walks.push(Some((key, walk)));
                (self.walks.len() - 1) as u32
            }
        }
    }

    /// The layer the walk asks next (1-based), or 0 when it is over.
    #[wasm_bindgen(js_name = walkNext)]
    pub fn walk_next(&self, id: u32) -> u32 {
        self.walks
            .get(id as usize)
            .and_then(|w| w.as_ref())
            .and_then(|(_, w)| w.next_layer())
            .map_or(0, |l| l as u32)
    }

    /// Takes what the walk's next layer answered after `ms` milliseconds: `kind` 0 absent,
    /// 1 an envelope expiring at `exp` (0 none), 2 not an envelope, 3 a failure. Counts the
    /// lookup (a failure or a corrupt record is a miss and an error) and its latency, and
    /// returns the verdict: the remaining TTL (≥ 0, Infinity for none) for a hit, -1 miss,
    /// -2 expired (remove it), -3 corrupt (remove it), -4 failed.
    #[wasm_bindgen(js_name = walkObserve)]
    pub fn walk_observe(&mut self, id: u32, kind: u32, exp: f64, now: f64, ms: f64) -> f64 {
        let Some(Some((_, walk))) = self.walks.get_mut(id as usize) else {
            return Verdict::Fault.code();
        };
        let Some(layer) = walk.next_layer() else {
            return Verdict::Miss.code();
        };
        let verdict = walk.observe(Found::from_code(kind, exp), now);
        let t = &mut self.telemetry;
        t.record_latency_ms(layer, Op::Get, ms);
        t.record_layer_get(layer, matches!(verdict, Verdict::Hit { .. }));
        if verdict.is_error() {
            t.record_error(Some(layer), ErrorType::Layer);
        }
        verdict.code()
    }

    /// Ends a walk: returns `[current]`, or `[current, ttl, exp, mask]` when the hit is to be
    /// promoted, or `[]` for an unknown walk. `current` is 1 when no write or delete of the key
    /// began since the walk did (only then may expired or corrupt records be removed); a
    /// promotion puts the value with `ttl` ms left (Infinity for none) and absolute expiry
    /// `exp` into memory (bit 0 of `mask`) and the layers whose bits are set.
    #[wasm_bindgen(js_name = walkEnd)]
    pub fn walk_end(&mut self, id: u32, now: f64) -> Vec<f64> {
        let Some((key, walk)) = self.walks.get_mut(id as usize).and_then(Option::take) else {
            return Vec::new();
        };
        self.free_walks.push(id);
        let current = self.keyed.current(&key, walk.generation());
        self.keyed.end(&key);
        let flag = if current { 1.0 } else { 0.0 };
        match walk.promotion(now, current) {
            Some(p) => vec![flag, p.ttl_ms, p.exp, f64::from(p.into)],
            None => vec![flag],
        }
    }

    /// A write or delete of `key` through the layers begins; pair with `asyncEnd`.
    #[wasm_bindgen(js_name = writeBegin)]
    pub fn write_begin(&mut self, key: String) {
        self.keyed.begin_write(&key);
    }

    /// An operation begun with `writeBegin` is over.
    #[wasm_bindgen(js_name = asyncEnd)]
    pub fn async_end(&mut self, key: String) {
        self.keyed.end(&key);
    }

    /// A synchronous set or delete of `key` happened while async work was in progress.
    #[wasm_bindgen(js_name = keyTouched)]
    pub fn key_touched(&mut self, key: String) {
        self.keyed.touched(&key);
    }

    /// A fetch of `key` missed: returns a positive flight id to lead a new load (end it with
    /// `fetchLand`), or minus the id of the load in flight to wait for.
    #[wasm_bindgen(js_name = fetchJoin)]
    pub fn fetch_join(&mut self, key: String) -> f64 {
        match self.keyed.join(&key) {
            Role::Lead(id) => f64::from(id),
            Role::Follow(id) => -f64::from(id),
        }
    }

    /// Load `id` of `key` is over; true when its value may be stored (no write of the key
    /// began since it started).
    #[wasm_bindgen(js_name = fetchLand)]
    pub fn fetch_land(&mut self, key: String, id: u32) -> bool {
        self.keyed.land(&key, id)
    }

    /// Counts a layer's `set` (op 1) or `delete` (op 2) that took `ms` milliseconds, and an
    /// error when it failed (`ok` false).
    #[wasm_bindgen(js_name = layerOp)]
    pub fn layer_op(&mut self, layer: u32, op: u32, ms: f64, ok: bool) {
        let layer = layer as usize;
        if layer == MEMORY || layer > self.settings.layers.len() {
            return;
        }
        if let Some(op) = Op::ALL.get(op as usize) {
            self.telemetry.record_latency_ms(layer, *op, ms);
        }
        if !ok {
            self.telemetry.record_error(Some(layer), ErrorType::Layer);
        }
    }

    /// Each layer's timeout in ms, in order.
    #[wasm_bindgen(js_name = layerTimeouts)]
    pub fn layer_timeouts(&self) -> Vec<f64> {
        self.settings.layer_timeouts_ms.clone()
    }
}
