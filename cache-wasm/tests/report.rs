//! Golden test of the HTML report (`generateDashboard`): exact output, escaping and policy.
//!
//! Run with `UPDATE_GOLDEN=1` to rewrite `tests/golden/report.html` after an intended change,
//! then read the diff.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;

use cache_wasm::core::config::Settings;
use cache_wasm::core::report::CSP;
use cache_wasm::core::store::Store;
use cache_wasm::core::telemetry::{ErrorType, Op, Telemetry, MEMORY};

const T0: f64 = 1_700_006_400_000.0;
const HOSTILE: &str = "<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>";

/// A cache with a hostile name and layer name, a few frames of traffic, and a firing alert.
fn report() -> String {
    let settings = Settings {
        name: HOSTILE.into(),
        enable_telemetry: true,
        alert_on_high_miss_rate: true,
        alert_min_samples: 1,
        high_miss_rate_threshold: 0.5,
        layers: vec!["disk\"' onmouseover=\"x".into()],
        max_entries: 4,
        max_bytes: 4096,
        ..Settings::default()
    };
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    let mut now = T0;
    for frame in 0..5u32 {
        for k in 0..(3 + frame) {
            let hash = 10 + k;
            if store.get(hash, now) == cache_wasm::core::NIL {
                store.insert(hash, 100 * (k + 1), 30_000.0, now).unwrap();
            }
            tel.record_latency(MEMORY, Op::Get, 1_000 * u64::from(k + 1));
            tel.record_latency(MEMORY, Op::Set, 5_000);
        }
        if frame == 3 {
            tel.record_error(None, ErrorType::Subscriber);
            tel.record_layer_get(1, false);
        }
        now += 1_000.0;
        tel.frame(now, &store);
    }
    let mut out = String::new();
    tel.write_report(now, &store, &mut out).unwrap();
    out
}

#[test]
fn the_report_matches_the_golden_file() {
    let html = report();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/report.html");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&golden, &html).unwrap();
    }
    let expected = fs::read_to_string(&golden).unwrap();
    assert!(
        html == expected,
        "the report differs from {}; rerun with UPDATE_GOLDEN=1 and review the diff",
        golden.display()
    );
}

#[test]
fn user_strings_are_text_and_nothing_runs_or_loads() {
    let html = report();
    assert!(html.starts_with("<!doctype html>"));
    let csp = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        CSP.replace('\'', "&#39;")
    );
    assert!(html.contains(&csp), "the policy is in the head");
    assert!(CSP.starts_with("default-src 'none'"));
    let lower = html.to_lowercase();
    for banned in [
        "<script",
        "<img",
        "<link",
        "<iframe",
        "<object",
        " src=\"",
        " href=\"",
        "onmouseover=\"",
        "url(",
        "@import",
        "http://",
        "https://",
    ] {
        assert!(!lower.contains(banned), "the report contains {banned:?}");
    }
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
    assert!(html.contains("disk&quot;&#39; onmouseover=&quot;x"));
}

#[test]
fn the_report_shows_every_figure() {
    let html = report();
    for needle in [
        "Hit rate",
        "Miss rate",
        "Entries",
        "4 of 4",
        "Bytes against maxBytes",
        "Evictions by cause",
        "capacity",
        "Removals by cause",
        "replaced",
        "Errors by type",
        "subscriber",
        "Time to live",
        "Mean TTL set",
        "Layers",
        "memory",
        "Alerts",
        "high_miss_rate",
        "firing",
        "get latency (ms)",
        "p99",
        "Operations per second",
        "5 frames",
    ] {
        assert!(html.contains(needle), "the report lacks {needle:?}");
    }
    assert_eq!(html.matches("<polyline").count(), 2 + 1 + 3 * 3 + 2 + 3);
}

#[test]
fn without_telemetry_the_report_says_what_is_missing() {
    let settings = Settings::default();
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    store.get(1, T0);
    let mut out = String::new();
    tel.write_report(T0 + 10.0, &store, &mut out).unwrap();
    assert!(out.contains("No metric frames yet"));
    assert!(out.contains("Latency is measured with"));
    assert!(out.contains("No alert has fired."));
    assert!(!out.contains("<polyline"));
}

/// The text of the report's section headed `heading`, up to the next section.
fn section<'a>(html: &'a str, heading: &str) -> &'a str {
    let start = html.find(&format!(">{heading}</h2>")).unwrap();
    let end = html[start..].find("</section>").unwrap();
    &html[start..start + end]
}

#[test]
fn deletes_overwrites_and_clears_are_removals_not_evictions() {
    let settings = Settings {
        max_entries: 2,
        ..Settings::default()
    };
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    // One capacity eviction and one expiry.
    store.insert(1, 1, 0.0, T0).unwrap();
    store.insert(2, 1, 5.0, T0).unwrap();
    store.insert(3, 1, 0.0, T0).unwrap();
    store.purge_all_expired(T0 + 10.0);
    // An overwrite, a delete, then a clear of the one entry left.
    let slot = store.insert(4, 1, 0.0, T0 + 10.0).unwrap();
    store.update(slot, 2, 0.0, T0 + 10.0).unwrap();
    store.delete(slot).unwrap();
    store.clear(T0 + 10.0);
    let mut out = String::new();
    tel.write_report(T0 + 20.0, &store, &mut out).unwrap();
    let row = |name: &str| format!("<tr><th scope=\"row\">{name}</th><td>1</td></tr>");
    let evictions = section(&out, "Evictions by cause");
    for cause in ["capacity", "expired"] {
        assert!(evictions.contains(&row(cause)), "{cause}: {evictions}");
    }
    assert!(evictions.contains("<tr><th scope=\"row\">bytes</th><td>0</td></tr>"));
    assert!(evictions.contains("<p>Total 2.</p>"));
    assert!(!evictions.contains("deleted") && !evictions.contains("replaced"));
    let removals = section(&out, "Removals by cause");
    for cause in ["deleted", "replaced", "cleared"] {
        assert!(removals.contains(&row(cause)), "{cause}: {removals}");
    }
    assert!(removals.contains("<p>Total 3.</p>"));
}

/// The value cell of the row labelled `label` in the report's TTL table.
fn ttl_row<'a>(html: &'a str, label: &str) -> &'a str {
    let ttl = section(html, "Time to live");
    let start = ttl
        .find(&format!("<th scope=\"row\">{label}</th><td>"))
        .unwrap();
    let cell = &ttl[start..];
    let from = cell.find("<td>").unwrap() + 4;
    let to = cell.find("</td>").unwrap();
    &cell[from..to]
}

#[test]
fn ttl_figures_read_as_durations_and_none_as_a_dash() {
    // No entry has had a TTL: there is no mean to show, not a TTL of zero.
    let settings = Settings::default();
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    store.insert(1, 1, 0.0, T0).unwrap();
    store.get(1, T0);
    let mut out = String::new();
    tel.write_report(T0 + 10.0, &store, &mut out).unwrap();
    assert_eq!(ttl_row(&out, "Mean TTL set"), "–");
    assert_eq!(ttl_row(&out, "Mean TTL left at a hit"), "–");

    // TTLs of 30 days, one of them read half a day later: days, not billions of ms.
    const DAY: f64 = 86_400_000.0;
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    store.insert(1, 1, 30.0 * DAY, T0).unwrap();
    store.insert(2, 1, 30.0 * DAY, T0).unwrap();
    store.get(1, T0 + DAY / 2.0);
    let mut out = String::new();
    tel.write_report(T0 + DAY / 2.0, &store, &mut out).unwrap();
    assert_eq!(ttl_row(&out, "Mean TTL set"), "30.0 d");
    assert_eq!(ttl_row(&out, "Mean TTL left at a hit"), "29.5 d");

    // Seconds, and a TTL past 1000 days stays short.
    let mut store = Store::new(&settings);
    let mut tel = Telemetry::new(&settings, T0);
    store.insert(1, 1, 2_500.0, T0).unwrap();
    store.insert(2, 1, 9_007_199_254_740_991.0, T0).unwrap();
    store.get(1, T0 + 1_000.0);
    let mut out = String::new();
    tel.write_report(T0 + 1_000.0, &store, &mut out).unwrap();
    assert_eq!(ttl_row(&out, "Mean TTL set"), "&gt; 1000 d");
    assert_eq!(ttl_row(&out, "Mean TTL left at a hit"), "1.50 s");
}
