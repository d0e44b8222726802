//! Tests of the telemetry core with a manual clock: windows, rates, latency, frames, alerts.

use serde_json::Value as Json;

use super::histogram::BUCKETS;
use super::*;
use crate::core::config::Settings;
use crate::core::store::Store;

/// A day boundary (so also a 15 min, 1 min and 5 s boundary), in ms since the epoch.
const T0: f64 = 1_700_006_400_000.0;
const SEC: f64 = 1_000.0;
const MIN: f64 = 60_000.0;
const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 86_400_000.0;

/// The key hash that is stored; any other misses.
const PRESENT: u32 = 1;
const ABSENT: u32 = 2;

struct Rig {
    store: Store,
    tel: Telemetry,
    settings: Settings,
}

fn settings(telemetry: bool) -> Settings {
    Settings {
        name: "demo".into(),
        enable_telemetry: telemetry,
        layers: vec!["disk".into()],
        ..Settings::default()
    }
}

impl Rig {
    fn new(settings: Settings) -> Rig {
        let mut store = Store::new(&settings);
        let tel = Telemetry::new(&settings, T0);
        store.insert(PRESENT, 10, 0.0, T0).unwrap();
        Rig {
            store,
            tel,
            settings,
        }
    }

    fn on() -> Rig {
        Rig::new(settings(true))
    }

    fn hits(&mut self, n: u64, at: f64) {
        for _ in 0..n {
            self.store.get(PRESENT, at);
        }
    }

    fn misses(&mut self, n: u64, at: f64) {
        for _ in 0..n {
            self.store.get(ABSENT, at);
        }
    }

    fn tick(&mut self, at: f64) {
        self.tel.tick(at, self.store.counts());
    }

    fn stats(&mut self, period: Period, at: f64) -> Json {
        let mut out = String::new();
        self.tel
            .write_stats(period, at, &self.store, &mut out)
            .unwrap();
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn gets(&mut self, period: Period, at: f64) -> u64 {
        self.stats(period, at)["gets"].as_u64().unwrap()
    }

    fn frame(&mut self, at: f64) -> (Frame, Json) {
        let frame = self.tel.frame(at, &self.store);
        let mut out = String::new();
        self.tel.write_frame(&frame, "i-1", &mut out).unwrap();
        let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        (frame, json)
    }
}

#[test]
fn minute_window_rolls_over_at_slice_boundaries() {
    let mut r = Rig::on();
    r.hits(3, T0 + SEC);
    r.tick(T0 + SEC); // Slice [T0, T0+5s).
    r.misses(2, T0 + 30.0 * SEC);
    r.tick(T0 + 30.0 * SEC); // Slice [T0+30s, T0+35s).
    let s = r.stats(Period::Minute, T0 + 40.0 * SEC);
    assert_eq!(s["period"], "minute");
    assert_eq!(s["gets"], 5);
    assert_eq!(s["hits"], 3);
    assert_eq!(s["misses"], 2);
    assert_eq!(s["hit_rate"], 60);
    assert_eq!(s["miss_rate"], 40);
    assert_eq!(s["window_start_ms"], T0); // Created at T0: never earlier.
    assert_eq!(s["window_end_ms"], T0 + 40.0 * SEC);
    // At 62 s the window is [5 s, 62 s]: the first slice has left.
    let s = r.stats(Period::Minute, T0 + 62.0 * SEC);
    assert_eq!(s["gets"], 2);
    assert_eq!(s["hits"], 0);
    assert_eq!(s["window_start_ms"], T0 + 5.0 * SEC);
    assert_eq!(s["sets"], 0);
    // At 65 s (a boundary) the window is [10 s, 65 s]; at 90 s it is empty.
    assert_eq!(r.gets(Period::Minute, T0 + 65.0 * SEC), 2);
    let s = r.stats(Period::Minute, T0 + 90.0 * SEC);
    assert_eq!(s["gets"], 0);
    assert_eq!(s["hit_rate"], 0);
    assert_eq!(s["miss_rate"], 0);
    // Sizes are always current; the hour and the totals still hold everything.
    assert_eq!(s["size"]["entries"], 1);
    assert_eq!(r.gets(Period::Hour, T0 + 90.0 * SEC), 5);
    let all = r.stats(Period::All, T0 + 90.0 * SEC);
    assert_eq!(all["gets"], 5);
    assert_eq!(all["sets"], 1);
    assert_eq!(all["window_start_ms"], T0);
}

#[test]
fn hour_and_day_windows_roll_over() {
    let mut r = Rig::on();
    r.hits(4, T0 + 10.0 * MIN);
    r.tick(T0 + 10.0 * MIN + 1.0);
    r.misses(6, T0 + HOUR + 5.0 * MIN);
    r.tick(T0 + HOUR + 5.0 * MIN);
    // The hour window at 1:09:59 starts at 0:10 and still holds the hits.
    let at = T0 + HOUR + 9.0 * MIN + 59.0 * SEC;
    let s = r.stats(Period::Hour, at);
    assert_eq!(
        (s["gets"].as_u64(), s["hits"].as_u64()),
        (Some(10), Some(4))
    );
    assert_eq!(s["window_start_ms"], T0 + 10.0 * MIN);
    // At 1:11 it starts at 0:12: only the misses.
    let s = r.stats(Period::Hour, T0 + HOUR + 11.0 * MIN);
    assert_eq!(
        (s["gets"].as_u64(), s["misses"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(s["hit_rate"], 0);
    assert_eq!(s["miss_rate"], 100);
    // The day window at 24:09 starts at 0:15: the hits at 0:10 have left, the misses stay.
    assert_eq!(r.gets(Period::Day, T0 + DAY - 1.0), 10);
    let s = r.stats(Period::Day, T0 + DAY + 9.0 * MIN);
    assert_eq!(s["gets"], 6);
    assert_eq!(s["window_start_ms"], T0 + 15.0 * MIN);
    assert_eq!(r.gets(Period::Day, T0 + DAY + HOUR + 15.0 * MIN), 0);
    assert_eq!(r.gets(Period::All, T0 + DAY + HOUR + 15.0 * MIN), 10);
}

#[test]
fn a_week_of_silence_then_a_burst() {
    let mut r = Rig::on();
    r.hits(5, T0);
    r.tel.record_latency(MEMORY, Op::Get, 1_000);
    r.tick(T0 + SEC);
    let later = T0 + 7.0 * DAY + 3.0 * HOUR + 17.0 * SEC;
    // No tick during the week; the burst comes before any tick.
    r.misses(100, later);
    for _ in 0..100 {
        r.tel.record_latency(MEMORY, Op::Get, 50_000);
    }
    for period in [Period::Minute, Period::Hour, Period::Day] {
        let s = r.stats(period, later + 2.0 * SEC);
        assert_eq!(s["gets"], 100, "{period:?}");
        assert_eq!(s["misses"], 100);
        assert_eq!(s["latency"]["get"]["count"], 100);
        let p50 = s["latency"]["get"]["p50_ms"].as_f64().unwrap();
        assert!((p50 - 0.05).abs() / 0.05 < 0.05, "{p50}");
    }
    let all = r.stats(Period::All, later + 2.0 * SEC);
    assert_eq!(all["gets"], 105);
    assert_eq!(all["latency"]["get"]["count"], 101);
    // A minute after the burst the minute window is empty again, the hour is not.
    assert_eq!(r.gets(Period::Minute, later + 70.0 * SEC), 0);
    assert_eq!(r.gets(Period::Hour, later + 70.0 * SEC), 100);
}

#[test]
fn percentiles_of_1_to_1000_us_in_stats() {
    let mut r = Rig::on();
    for us in 1..=1000u64 {
        r.tel.record_latency(MEMORY, Op::Get, us * 1000);
    }
    r.tel.record_latency(MEMORY, Op::Set, 2_500);
    for period in [Period::All, Period::Minute, Period::Hour, Period::Day] {
        let s = r.stats(period, T0 + 3.0 * SEC);
        let l = &s["latency"]["get"];
        assert_eq!(l["count"], 1000, "{period:?}");
        assert_eq!(l["mean_ms"], 0.5005);
        assert_eq!(l["max_ms"], 1.0);
        for (key, want) in [("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)] {
            let got = l[key].as_f64().unwrap();
            assert!((got - want).abs() / want < 0.05, "{key}: {got}");
        }
        assert_eq!(s["latency"]["set"]["count"], 1);
        assert_eq!(s["latency"]["set"]["max_ms"], 0.0025);
        assert_eq!(s["latency"]["delete"]["count"], 0);
        assert_eq!(s["latency"]["delete"]["p99_ms"], 0);
        assert_eq!(s["layers"]["memory"]["latency"], s["latency"]);
        assert_eq!(s["layers"]["disk"]["latency"]["get"]["count"], 0);
    }
}

#[test]
fn telemetry_off_keeps_counts_and_leaves_windows_empty() {
    let mut r = Rig::new(settings(false));
    assert!(!r.tel.collecting());
    r.hits(2, T0 + SEC);
    r.tel.record_latency(MEMORY, Op::Get, 1000);
    r.tel.record_error(Some(MEMORY), ErrorType::BadInput);
    let all = r.stats(Period::All, T0 + 2.0 * SEC);
    assert_eq!(all["gets"], 2);
    assert_eq!(all["latency"]["get"], Json::Null);
    assert_eq!(all["layers"]["memory"]["latency"]["set"], Json::Null);
    assert_eq!(all["errors"]["total"], 1);
    let m = r.stats(Period::Minute, T0 + 2.0 * SEC);
    assert_eq!(m["gets"], 0);
    assert_eq!(m["errors"]["total"], 0);
    assert_eq!(m["latency"]["delete"], Json::Null);
    assert_eq!(m["size"]["entries"], 1);
    assert_eq!(m["window_start_ms"], T0);
    let d = r.stats(Period::Day, T0 + 2.0 * DAY);
    assert_eq!(d["window_start_ms"], T0 + DAY);
    let f = r.tel.footprint();
    assert_eq!((f.series, f.slices, f.dense_histograms), (0, 0, 0));
    // metricsCollection off is the same for latency and windows.
    let mut s = settings(true);
    s.metrics_collection = false;
    assert!(!Telemetry::new(&s, T0).collecting());
}

#[test]
fn errors_and_layers() {
    let mut r = Rig::on();
    let disk = r.tel.layer_index("disk").unwrap();
    assert_eq!(disk, 1);
    assert_eq!(r.tel.layer_index("memory"), Some(MEMORY));
    assert_eq!(r.tel.layer_index("nope"), None);
    r.tel.record_error(Some(MEMORY), ErrorType::BadInput);
    r.tel.record_error(Some(disk), ErrorType::Layer);
    r.tel.record_error(Some(disk), ErrorType::Layer);
    r.tel.record_error(None, ErrorType::Export);
    r.tel.record_error(None, ErrorType::AlertHandler);
    r.tel.record_layer_get(disk, true);
    r.tel.record_layer_get(disk, false);
    r.tel.record_layer_get(disk, false);
    r.tel.record_latency_ms(disk, Op::Get, 12.5);
    r.tel.record_latency_ms(disk, Op::Get, -3.0);
    r.tel.record_latency_ms(disk, Op::Get, f64::NAN);
    r.tel.record_latency_ms(7, Op::Get, 1.0); // No such layer: ignored.
    r.misses(1, T0);
    for period in [Period::All, Period::Minute] {
        let s = r.stats(period, T0 + SEC);
        assert_eq!(s["errors"]["total"], 5);
        let by = &s["errors"]["by_type"];
        assert_eq!(
            (by["bad_input"].as_u64(), by["layer"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(
            (by["export"].as_u64(), by["alert_handler"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(by["subscriber"], 0);
        let mem = &s["layers"]["memory"];
        assert_eq!(mem["errors"]["total"], 1);
        assert_eq!(mem["gets"], 1);
        assert_eq!(mem["misses"], 1);
        let d = &s["layers"]["disk"];
        assert_eq!((d["gets"].as_u64(), d["hits"].as_u64()), (Some(3), Some(1)));
        assert_eq!(d["misses"], 2);
        let rate = d["hit_rate"].as_f64().unwrap();
        assert!((rate - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(d["errors"]["total"], 2);
        assert_eq!(d["errors"]["by_type"]["layer"], 2);
        assert_eq!(d["latency"]["get"]["count"], 2);
        assert_eq!(d["latency"]["get"]["max_ms"], 12.5);
        assert_eq!(d["latency"]["get"]["mean_ms"], 6.25);
    }
    // An hour later the windows have forgotten them; the totals have not.
    let s = r.stats(Period::Minute, T0 + HOUR);
    assert_eq!(s["errors"]["total"], 0);
    assert_eq!(s["layers"]["disk"]["gets"], 0);
    assert_eq!(s["layers"]["disk"]["latency"]["get"]["count"], 0);
    assert_eq!(r.stats(Period::All, T0 + HOUR)["errors"]["total"], 5);
}

#[test]
fn memory_stays_bounded_over_a_simulated_week() {
    let mut r = Rig::on();
    let disk = 1;
    let mut at = T0;
    let mut k = 0u64;
    while at < T0 + 7.0 * DAY {
        // Latencies spread over about 40 buckets, from 100 ns to 10 ms.
        let ns = 100u64 << (k % 17);
        r.hits(1, at);
        r.tel.record_latency(MEMORY, Op::Get, ns + k % 1000);
        r.tel.record_latency(disk, Op::Set, ns * 3);
        if k % 7 == 0 {
            r.tel.record_error(Some(disk), ErrorType::Layer);
        }
        r.tick(at);
        if k % 12 == 0 {
            r.tel.frame(at, &r.store);
        }
        k += 1;
        at += 5.0 * SEC;
    }
    let f = r.tel.footprint();
    assert_eq!(f.series, 6);
    assert!(f.dense_histograms <= 2 * f.series);
    assert_eq!(f.slices, 12 + 60 + 96);
    assert!(f.series_per_slice <= f.series);
    assert!(f.sparse_bins <= (f.slices + 1) * f.series * BUCKETS);
    // With about 40 distinct values per series the real figure is far lower.
    assert!(f.sparse_bins <= (f.slices + 1) * 2 * 64, "{f:?}");
    assert_eq!(f.history, frame::HISTORY);
    let week = r.stats(Period::All, at);
    assert_eq!(week["gets"], k);
    // `at` is a boundary: the windows hold their full slices before it (one op per 5 s).
    assert_eq!(r.gets(Period::Day, at), 95 * 180);
    assert_eq!(r.gets(Period::Hour, at), 59 * 12);
    assert_eq!(r.gets(Period::Minute, at), 11);
    let mut history = String::new();
    r.tel.write_history(&mut history).unwrap();
    let h: Json = serde_json::from_str(&history).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 120);
    assert_eq!(h[119]["gets"], 12);
    assert_eq!(h[119]["interval_s"], 60);
    assert!(h[119]["latency"]["get"]["p99_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn frame_windows_partition_the_totals() {
    let mut r = Rig::on();
    let mut frames = Vec::new();
    let mut at = T0;
    for step in 0..40u64 {
        at += (step % 5) as f64 * 731.0 + 50.0;
        r.hits(step % 3, at);
        r.misses(step % 4, at);
        if step % 6 == 0 {
            r.store.insert(100 + step as u32, 5, 0.0, at).unwrap();
        }
        r.tel.record_latency(MEMORY, Op::Get, 1_000 + step * 977);
        r.tel.record_latency_ms(1, Op::Delete, step as f64);
        if step % 9 == 0 {
            r.tel.record_error(None, ErrorType::Subscriber);
            r.tel.record_layer_get(1, step % 2 == 0);
        }
        if step % 4 == 0 {
            r.tick(at);
        }
        if step % 3 == 0 {
            frames.push(r.frame(at + 1.0));
        }
    }
    frames.push(r.frame(at + 2.0));
    let (last, _) = frames.last().unwrap();
    let mut sum = Tally::new(1);
    let mut series: Vec<histogram::SparseHistogram> = vec![Default::default(); 6];
    for (k, (f, json)) in frames.iter().enumerate() {
        assert_eq!(f.seq, k as u64 + 1);
        assert_eq!(json["seq"], k as u64 + 1);
        assert_eq!(json["window"]["period"], "interval");
        assert_eq!(json["totals"]["period"], "all");
        sum = sum.plus(&f.window.tally);
        for (acc, w) in series.iter_mut().zip(f.window.latency.as_ref().unwrap()) {
            *acc = acc.merge(w);
        }
        if k > 0 {
            let (prev, _) = &frames[k - 1];
            assert_eq!(f.window.window_start_ms, prev.ts_ms);
            assert_eq!(f.interval_s, (f.ts_ms - prev.ts_ms) / 1000.0);
        }
    }
    assert_eq!(sum, last.totals.tally);
    assert!(sum.counts.gets > 0 && sum.errors_total() > 0);
    let totals = last.totals.latency.as_ref().unwrap();
    for (acc, total) in series.iter().zip(totals) {
        assert_eq!(acc.count(), total.count());
        assert_eq!(
            acc.buckets().collect::<Vec<_>>(),
            total.buckets().collect::<Vec<_>>()
        );
        assert_eq!(acc.totals().sum, total.totals().sum);
        assert_eq!(acc.max(), total.max());
    }
}

/// `{ total, by_cause }` of `stats[field]` as the total and the causes, sorted by name.
fn causes(stats: &Json, field: &str) -> (u64, Vec<(String, u64)>) {
    let total = stats[field]["total"].as_u64().unwrap();
    let mut by_cause: Vec<(String, u64)> = stats[field]["by_cause"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    by_cause.sort();
    (total, by_cause)
}

/// The expected `{ total, by_cause }` of evictions and of removals.
fn split(evicted: [u64; 3], removed: [u64; 3]) -> [(u64, Vec<(String, u64)>); 2] {
    let named = |names: [&str; 3], n: [u64; 3]| {
        let mut v: Vec<(String, u64)> = names.iter().map(|s| s.to_string()).zip(n).collect();
        v.sort();
        (n.iter().sum(), v)
    };
    [
        named(["capacity", "bytes", "expired"], evicted),
        named(["deleted", "replaced", "cleared"], removed),
    ]
}

#[test]
fn deletes_overwrites_and_clears_are_removals_not_evictions() {
    let mut s = settings(true);
    s.max_entries = 2;
    let mut r = Rig::new(s);
    // An overwrite and a delete.
    let slot = r.store.insert(10, 5, 0.0, T0).unwrap();
    r.store.update(slot, 6, 0.0, T0).unwrap();
    r.store.delete(slot).unwrap();
    r.tick(T0 + SEC);
    let (_, first) = r.frame(T0 + SEC);
    // A capacity eviction (of PRESENT, the least recent), an expiry, then a clear.
    r.store.insert(11, 5, 100.0, T0 + SEC).unwrap();
    r.store.insert(12, 5, 0.0, T0 + SEC).unwrap();
    r.store.purge_all_expired(T0 + 2.0 * SEC);
    r.store.clear(T0 + 2.0 * SEC);
    r.tick(T0 + 3.0 * SEC);
    let (_, second) = r.frame(T0 + 3.0 * SEC);

    let both = |stats: &Json| [causes(stats, "evictions"), causes(stats, "removals")];
    assert_eq!(both(&first["window"]), split([0, 0, 0], [1, 1, 0]));
    assert_eq!(both(&second["window"]), split([1, 0, 1], [0, 0, 1]));
    assert_eq!(both(&second["totals"]), split([1, 0, 1], [1, 1, 1]));
    for period in [Period::All, Period::Minute, Period::Hour, Period::Day] {
        let stats = r.stats(period, T0 + 3.0 * SEC);
        assert_eq!(both(&stats), split([1, 0, 1], [1, 1, 1]), "{period:?}");
        assert_eq!(stats["ttl"]["expired"], 1);
        assert_eq!(stats["ttl"]["expired_unread"], 1);
    }
    let mut history = String::new();
    r.tel.write_history(&mut history).unwrap();
    let h: Json = serde_json::from_str(&history).unwrap();
    assert_eq!(
        (&h[0]["evictions"], &h[0]["removals"]),
        (&0.into(), &2.into())
    );
    assert_eq!(
        (&h[1]["evictions"], &h[1]["removals"]),
        (&2.into(), &1.into())
    );
}

#[test]
fn window_ttl_means_stay_exact_after_large_totals() {
    // The totals grow far past the point where an f64 sum can still take a few ms.
    let mut r = Rig::on();
    const LONG: u32 = 10;
    const SHORT: u32 = 11;
    r.store
        .insert(LONG, 1, 9_007_199_254_740_991.0, T0 + SEC)
        .unwrap();
    for k in 0..2000 {
        r.store.get(LONG, T0 + SEC + f64::from(k));
    }
    r.frame(T0 + 4.0 * SEC);
    r.store.insert(SHORT, 1, 1000.0, T0 + 10.0 * SEC).unwrap();
    r.store.get(SHORT, T0 + 10.0 * SEC + 1.0);
    let (_, f) = r.frame(T0 + 11.0 * SEC);
    let ttl = &f["window"]["ttl"];
    assert_eq!(ttl["mean_ttl_ms"].as_f64(), Some(1000.0), "{ttl}");
    assert_eq!(
        ttl["mean_remaining_ttl_at_hit_ms"].as_f64(),
        Some(999.0),
        "{ttl}"
    );
    // From 62 s on the minute window starts at 5 s: after the large hits, before the small.
    let s = r.stats(Period::Minute, T0 + 62.0 * SEC);
    assert_eq!(s["window_start_ms"], T0 + 5.0 * SEC);
    assert_eq!((s["sets"].as_u64(), s["hits"].as_u64()), (Some(1), Some(1)));
    assert_eq!(s["ttl"]["mean_ttl_ms"].as_f64(), Some(1000.0), "{s}");
    assert_eq!(
        s["ttl"]["mean_remaining_ttl_at_hit_ms"].as_f64(),
        Some(999.0),
        "{s}"
    );
}

#[test]
fn frame_window_max_is_the_intervals() {
    let mut r = Rig::on();
    r.tel.record_latency(MEMORY, Op::Get, 9_000_000);
    let (_, a) = r.frame(T0 + SEC);
    assert_eq!(a["window"]["latency"]["get"]["max_ms"], 9.0);
    r.tel.record_latency(MEMORY, Op::Get, 1_000);
    let (_, b) = r.frame(T0 + 2.0 * SEC);
    assert_eq!(b["window"]["latency"]["get"]["max_ms"], 0.001);
    assert_eq!(b["totals"]["latency"]["get"]["max_ms"], 9.0);
    let (_, c) = r.frame(T0 + 3.0 * SEC);
    assert_eq!(c["window"]["latency"]["get"]["count"], 0);
    assert_eq!(c["window"]["latency"]["get"]["max_ms"], 0);
}

#[test]
fn alerts_fire_and_resolve_on_frames() {
    let mut s = settings(true);
    s.alert_on_high_miss_rate = true;
    s.high_miss_rate_threshold = 0.5;
    s.alert_on_high_latency = true;
    s.high_latency_threshold_ms = 100.0;
    s.alert_min_samples = 1;
    let mut r = Rig::new(s);
    r.misses(8, T0 + SEC);
    r.hits(2, T0 + SEC);
    r.tel.record_latency_ms(1, Op::Set, 250.0);
    let (frame, json) = r.frame(T0 + 10.0 * SEC);
    assert_eq!(frame.alerts.len(), 2);
    let a = &json["alerts"];
    assert_eq!(a[0]["type"], "high_miss_rate");
    assert_eq!(a[0]["state"], "firing");
    assert_eq!(a[0]["value"], 0.8);
    assert_eq!(a[0]["threshold"], 0.5);
    assert_eq!(a[0]["samples"], 10);
    assert_eq!(a[0]["window_s"], 10);
    assert_eq!(a[0]["op"], "get");
    assert_eq!(a[0]["layer"], "memory");
    assert_eq!(a[0]["at_ms"], T0 + 10.0 * SEC);
    assert_eq!(a[1]["type"], "high_latency");
    assert_eq!(a[1]["layer"], "disk");
    assert_eq!(a[1]["op"], "set");
    assert_eq!(a[1]["value"], 250.0);
    assert_eq!(json["totals"]["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(json["totals"]["alerts"][0]["since_ms"], T0 + 10.0 * SEC);
    // No traffic: nothing changes.
    let (frame, _) = r.frame(T0 + 20.0 * SEC);
    assert!(frame.alerts.is_empty());
    // Hits only: the miss-rate alert resolves; the latency alert has no samples and stays.
    r.hits(10, T0 + 25.0 * SEC);
    let (frame, json) = r.frame(T0 + 30.0 * SEC);
    assert_eq!(frame.alerts.len(), 1);
    assert_eq!(json["alerts"][0]["state"], "resolved");
    assert_eq!(json["alerts"][0]["value"], 0);
    let states = r.tel.alert_states();
    assert_eq!(states[0].status, alerts::AlertStatus::Resolved);
    assert_eq!(states[1].status, alerts::AlertStatus::Firing);
    let stats = r.stats(Period::All, T0 + 31.0 * SEC);
    assert_eq!(stats["alerts"][0]["state"], "resolved");
    assert_eq!(stats["alerts"][1]["state"], "firing");
    // Rules that are off never fire.
    let mut quiet = Rig::on();
    quiet.misses(10, T0);
    assert!(quiet.tel.frame(T0 + SEC, &quiet.store).alerts.is_empty());
}

#[test]
fn a_p999_latency_alert_takes_the_999th_of_1000_not_the_largest() {
    let mut s = settings(true);
    s.alert_on_high_latency = true;
    s.high_latency_threshold_ms = 100.0;
    s.high_latency_percentile = 99.9;
    s.alert_min_samples = 1;
    let mut r = Rig::new(s);
    for _ in 0..999 {
        r.tel.record_latency_ms(0, Op::Get, 1.0);
    }
    r.tel.record_latency_ms(0, Op::Get, 1000.0);
    let (frame, _) = r.frame(T0 + 10.0 * SEC);
    assert!(
        frame.alerts.is_empty(),
        "one slow get in 1000 fired a p99.9 alert"
    );
    // Two in 1000 put the 999th above the threshold.
    r.tel.record_latency_ms(0, Op::Get, 1000.0);
    for _ in 0..998 {
        r.tel.record_latency_ms(0, Op::Get, 1.0);
    }
    r.tel.record_latency_ms(0, Op::Get, 1000.0);
    let (frame, json) = r.frame(T0 + 20.0 * SEC);
    assert_eq!(frame.alerts.len(), 1);
    assert_eq!(json["alerts"][0]["type"], "high_latency");
    // Its bucket's midpoint, within 5%.
    let v = json["alerts"][0]["value"].as_f64().unwrap();
    assert!((v - 1000.0).abs() <= 50.0, "p99.9 {v} ms");
}

#[test]
fn clock_steps_back_and_bad_times() {
    let mut r = Rig::on();
    r.hits(1, T0 + 10.0 * SEC);
    r.tick(T0 + 10.0 * SEC);
    r.hits(1, T0);
    r.tick(T0 + 2.0 * SEC); // Back in time: read as the latest seen.
    r.tick(f64::NAN);
    r.tick(f64::INFINITY);
    let s = r.stats(Period::Minute, f64::NAN);
    assert_eq!(s["gets"], 2);
    assert_eq!(s["window_end_ms"], T0 + 10.0 * SEC);
    let (f, _) = r.frame(T0);
    assert_eq!(f.ts_ms, T0 + 10.0 * SEC);
    assert!(f.interval_s >= 0.0);
}

#[test]
fn stats_and_frames_are_json_with_every_field() {
    let mut r = Rig::on();
    r.hits(3, T0);
    r.misses(1, T0);
    r.tel.record_latency(MEMORY, Op::Get, 700);
    let (_, f) = r.frame(T0 + 500.0);
    for key in [
        "schema",
        "seq",
        "ts_ms",
        "cache",
        "instance",
        "interval_s",
        "totals",
        "window",
        "alerts",
    ] {
        assert!(f.get(key).is_some(), "frame lacks {key}");
    }
    assert_eq!(f.as_object().unwrap().len(), 9);
    assert_eq!(f["schema"], frame::SCHEMA);
    assert_eq!(f["cache"], "demo");
    assert_eq!(f["interval_s"], 0.5);
    for period in [Period::All, Period::Minute, Period::Hour, Period::Day] {
        let s = r.stats(period, T0 + SEC);
        let mut keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = [
            "period",
            "window_start_ms",
            "window_end_ms",
            "gets",
            "hits",
            "misses",
            "sets",
            "deletes",
            "hit_rate",
            "miss_rate",
            "latency",
            "size",
            "evictions",
            "removals",
            "errors",
            "ttl",
            "layers",
            "alerts",
        ];
        want.sort_unstable();
        assert_eq!(keys, want);
        let l: Vec<&str> = s["latency"]["get"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            l,
            ["count", "max_ms", "mean_ms", "p50_ms", "p95_ms", "p99_ms"]
        );
        let layer: Vec<&str> = s["layers"]["disk"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            layer,
            ["errors", "gets", "hit_rate", "hits", "latency", "misses"]
        );
        assert_eq!(s["hit_rate"], 75);
    }
    // The settings are the ones the rig was built with.
    assert_eq!(r.settings.layers, ["disk"]);
}

#[test]
fn golden_frame() {
    let settings = Settings {
        name: "demo".into(),
        enable_telemetry: true,
        ..Settings::default()
    };
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    store.insert(PRESENT, 10, 0.0, T0 + 100.0).unwrap();
    store.get(PRESENT, T0 + 200.0);
    store.get(ABSENT, T0 + 300.0);
    tel.record_latency(MEMORY, Op::Get, 1_000);
    tel.record_latency(MEMORY, Op::Get, 3_000);
    tel.record_latency(MEMORY, Op::Set, 20);
    let frame = tel.frame(T0 + 1_500.0, &store);
    let mut out = String::new();
    tel.write_frame(&frame, "node-1", &mut out).unwrap();
    let stats = |period: &str, start: &str| {
        format!(
            concat!(
                r#"{{"period":"{}","window_start_ms":{},"window_end_ms":1700006401500,"#,
                r#""gets":2,"hits":1,"misses":1,"sets":1,"deletes":0,"hit_rate":50,"miss_rate":50,"#,
                r#""latency":{{"get":{{"count":2,"mean_ms":0.002,"p50_ms":0.001008,"p95_ms":0.003,"p99_ms":0.003,"max_ms":0.003}},"#,
                r#""set":{{"count":1,"mean_ms":0.00002,"p50_ms":0.00002,"p95_ms":0.00002,"p99_ms":0.00002,"max_ms":0.00002}},"#,
                r#""delete":{{"count":0,"mean_ms":0,"p50_ms":0,"p95_ms":0,"p99_ms":0,"max_ms":0}}}},"#,
                r#""size":{{"entries":1,"bytes":10,"max_entries":10000,"max_bytes":0}},"#,
                r#""evictions":{{"total":0,"by_cause":{{"capacity":0,"bytes":0,"expired":0}}}},"#,
                r#""removals":{{"total":0,"by_cause":{{"deleted":0,"replaced":0,"cleared":0}}}},"#,
                r#""errors":{{"total":0,"by_type":{{"bad_input":0,"layer":0,"loader":0,"export":0,"alert_handler":0,"subscriber":0,"internal":0}}}},"#,
                r#""ttl":{{"expired":0,"expired_unread":0,"entries_with_ttl":0,"mean_ttl_ms":0,"mean_remaining_ttl_at_hit_ms":0}},"#,
                r#""layers":{{"memory":{{"gets":2,"hits":1,"misses":1,"hit_rate":50,"#,
                r#""latency":{{"get":{{"count":2,"mean_ms":0.002,"p50_ms":0.001008,"p95_ms":0.003,"p99_ms":0.003,"max_ms":0.003}},"#,
                r#""set":{{"count":1,"mean_ms":0.00002,"p50_ms":0.00002,"p95_ms":0.00002,"p99_ms":0.00002,"max_ms":0.00002}},"#,
                r#""delete":{{"count":0,"mean_ms":0,"p50_ms":0,"p95_ms":0,"p99_ms":0,"max_ms":0}}}},"#,
                r#""errors":{{"total":0,"by_type":{{"bad_input":0,"layer":0,"loader":0,"export":0,"alert_handler":0,"subscriber":0,"internal":0}}}}}}}},"#,
                r#""alerts":[]}}"#
            ),
            period, start
        )
    };
    let want = format!(
        r#"{{"schema":"cache-wasm/frame@1","seq":1,"ts_ms":1700006401500,"cache":"demo","instance":"node-1","interval_s":1.5,"totals":{},"window":{},"alerts":[]}}"#,
        stats("all", "1700006400000"),
        stats("interval", "1700006400000"),
    );
    assert_eq!(out, want);
}

/// Checks `v` against `schema`, a JSON Schema using the keywords of `frame.schema.json`;
/// pushes a message per violation.
fn check(root: &Json, schema: &Json, v: &Json, path: &str, errs: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    for (k, s) in obj {
        match k.as_str() {
            "$schema" | "$id" | "title" | "description" | "$defs" => {}
            "$ref" => {
                let name = s.as_str().unwrap().strip_prefix("#/$defs/").unwrap();
                check(root, &root["$defs"][name], v, path, errs);
            }
            "type" => {
                let ok = match s.as_str().unwrap() {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "number" => v.is_number(),
                    "integer" => v.is_u64() || v.is_i64(),
                    "null" => v.is_null(),
                    t => panic!("type {t}"),
                };
                if !ok {
                    errs.push(format!("{path}: not {s}"));
                }
            }
            "const" if v != s => errs.push(format!("{path}: {v} is not {s}")),
            "enum" if !s.as_array().unwrap().contains(v) => {
                errs.push(format!("{path}: {v} not in {s}"))
            }
            "minimum" if v.as_f64().is_some_and(|x| x < s.as_f64().unwrap()) => {
                errs.push(format!("{path}: {v} < {s}"))
            }
            "maximum" if v.as_f64().is_some_and(|x| x > s.as_f64().unwrap()) => {
                errs.push(format!("{path}: {v} > {s}"))
            }
            "minLength" if v.as_str().is_some_and(|x| x.is_empty()) => {
                errs.push(format!("{path}: empty"))
            }
            "const" | "enum" | "minimum" | "maximum" | "minLength" => {}
            "required" => {
                if let Some(o) = v.as_object() {
                    for key in s.as_array().unwrap() {
                        if !o.contains_key(key.as_str().unwrap()) {
                            errs.push(format!("{path}: lacks {key}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (key, sub) in s.as_object().unwrap() {
                        if let Some(x) = o.get(key) {
                            check(root, sub, x, &format!("{path}.{key}"), errs);
                        }
                    }
                }
            }
            "additionalProperties" => {
                let known = obj.get("properties").and_then(Json::as_object);
                if let Some(o) = v.as_object() {
                    for (key, x) in o {
                        if known.is_some_and(|p| p.contains_key(key)) {
                            continue;
                        }
                        if s == &Json::Bool(false) {
                            errs.push(format!("{path}: unexpected {key}"));
                        } else {
                            check(root, s, x, &format!("{path}.{key}"), errs);
                        }
                    }
                }
            }
            "items" => {
                for (i, x) in v.as_array().into_iter().flatten().enumerate() {
                    check(root, s, x, &format!("{path}[{i}]"), errs);
                }
            }
            "allOf" => {
                for sub in s.as_array().unwrap() {
                    check(root, sub, v, path, errs);
                }
            }
            "anyOf" => {
                let fits = s.as_array().unwrap().iter().any(|sub| {
                    let mut e = Vec::new();
                    check(root, sub, v, path, &mut e);
                    e.is_empty()
                });
                if !fits {
                    errs.push(format!("{path}: fits no anyOf branch"));
                }
            }
            other => panic!("the schema uses {other}, which this check does not know"),
        }
    }
}

#[test]
fn frames_match_the_committed_schema() {
    let schema: Json =
        serde_json::from_str(include_str!("../../../schema/frame.schema.json")).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["properties"]["schema"]["const"], frame::SCHEMA);
    let mut s = settings(true);
    s.alert_on_high_miss_rate = true;
    s.alert_on_high_latency = true;
    s.alert_min_samples = 1;
    let mut frames = Vec::new();
    for s in [s, settings(false)] {
        let mut r = Rig::new(s);
        for k in 0..4u32 {
            let at = T0 + f64::from(k) * 1_500.0;
            r.misses(2, at);
            r.hits(1, at);
            r.store.insert(10 + k, 3, 200.0, at).unwrap();
            r.tel.record_latency_ms(1, Op::Get, 180.0);
            r.tel.record_latency(MEMORY, Op::Delete, 90);
            r.tel.record_error(Some(1), ErrorType::Layer);
            frames.push(r.frame(at + 700.0).1);
        }
    }
    assert!(frames
        .iter()
        .any(|f| !f["alerts"].as_array().unwrap().is_empty()));
    assert!(frames
        .iter()
        .any(|f| f["totals"]["latency"]["get"].is_null()));
    for f in &frames {
        let mut errs = Vec::new();
        check(&schema, &schema, f, "frame", &mut errs);
        assert!(errs.is_empty(), "{errs:#?}");
    }
    // The check itself rejects what the schema forbids.
    let mut bad = frames[0].clone();
    bad["totals"]["hit_rate"] = 120.into();
    bad["window"]["latency"]["set"]["p50_ms"] = Json::Null;
    bad["window"]["size"]["extra"] = 1.into();
    bad["alerts"][0].as_object_mut().unwrap().remove("samples");
    let mut errs = Vec::new();
    check(&schema, &schema, &bad, "frame", &mut errs);
    assert_eq!(errs.len(), 4, "{errs:#?}");
}
