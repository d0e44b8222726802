//! How the dashboard writes numbers, sizes, durations and times. Pure and tested.

use cache_wasm::core::format::MILLIS_MAX;
pub use cache_wasm::core::format::{bytes, compact, millis};

/// Percentages above this are written as "> 1000%" (a rate read from a frame can be any
/// number).
const PCT_MAX: f64 = 1_000.0;

/// A percentage with one decimal; "–" when negative or not a number.
pub fn pct(p: f64) -> String {
    if !(p.is_finite() && p >= 0.0) {
        "–".to_string()
    } else if p >= PCT_MAX {
        "> 1000%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

/// A frame interval in seconds: "1.0 s" under a minute, else as [`millis`] writes it;
/// "–" when negative or not a number.
pub fn seconds(s: f64) -> String {
    if !(s.is_finite() && s >= 0.0) {
        "–".to_string()
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else {
        // Capped first: a huge interval times 1000 would overflow to infinity.
        millis((s * 1_000.0).min(MILLIS_MAX))
    }
}

/// A mean TTL from a frame: "–" when it is 0 (a TTL is never 0, so no entry had one, or no
/// hit met one: there is no mean, not a mean of 0) or not a number, else as [`millis`] writes it.
pub fn mean_ttl(ms: f64) -> String {
    if ms.is_finite() && ms > 0.0 {
        millis(ms)
    } else {
        "–".to_string()
    }
}

/// The UTC time of day of a time in ms since the epoch, `HH:MM:SS`.
pub fn clock(ms: f64) -> String {
    if !ms.is_finite() {
        return "–".to_string();
    }
    let s = (ms / 1000.0).floor().rem_euclid(86_400.0) as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// An alert's value or threshold: a fraction as a percentage for miss rate, else ms.
pub fn alert_value(kind: &str, v: f64) -> String {
    if kind == "high_miss_rate" {
        pct(v * 100.0)
    } else {
        millis(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(12_345.0), "12.3k");
        assert_eq!(compact(4_500_000.0), "4.5M");
        assert_eq!(compact(2.25), "2.2");
        assert_eq!(compact(0.125), "0.125");
        assert_eq!(compact(f64::NAN), "–");
        assert_eq!(pct(12.345), "12.3%");
        assert_eq!(bytes(100), "100 B");
        assert_eq!(bytes(2048), "2.0 KiB");
        assert_eq!(bytes(5 << 30), "5.0 GiB");
    }

    #[test]
    fn mean_ttls() {
        assert_eq!(mean_ttl(0.0), "–", "no TTL: no mean");
        assert_eq!(mean_ttl(-1.0), "–");
        assert_eq!(mean_ttl(f64::NAN), "–");
        assert_eq!(mean_ttl(60_000.0), "1.0 min");
        assert_eq!(mean_ttl(0.5), "500.0 µs");
    }

    #[test]
    fn durations_and_times() {
        assert_eq!(millis(0.0123), "12.3 µs");
        assert_eq!(millis(4.5), "4.50 ms");
        assert_eq!(millis(2_500.0), "2.50 s");
        assert_eq!(millis(90_000.0), "1.5 min");
        assert_eq!(millis(3_540_000.0), "59.0 min");
        assert_eq!(millis(3_600_000.0), "1.0 h");
        assert_eq!(millis(5_400_000.0), "1.5 h");
        assert_eq!(millis(86_400_000.0), "1.0 d", "a one-day TTL");
        assert_eq!(millis(30.0 * 86_400_000.0), "30.0 d");
        assert_eq!(millis(f64::INFINITY), "–");
        assert_eq!(clock(1_700_006_400_000.0 + 3_723_000.0), "01:02:03");
        assert_eq!(alert_value("high_miss_rate", 0.75), "75.0%");
        assert_eq!(alert_value("high_latency", 120.0), "120.00 ms");
    }

    #[test]
    fn negative_durations_are_unknown() {
        assert_eq!(millis(-5.0), "–");
        assert_eq!(millis(-0.001), "–");
        assert_eq!(millis(-3.0 * 86_400_000.0), "–");
        assert_eq!(millis(-0.0), "0.0 µs");
        assert_eq!(millis(0.0), "0.0 µs");
        assert_eq!(seconds(-3.0), "–");
        assert_eq!(seconds(f64::NAN), "–");
        assert_eq!(seconds(1.0), "1.0 s");
        assert_eq!(seconds(0.25), "0.2 s");
        assert_eq!(seconds(90.0), "1.5 min");
        assert_eq!(pct(-1.0), "–");
        assert_eq!(alert_value("high_latency", -1.0), "–");
    }

    #[test]
    fn huge_values_stay_short() {
        assert_eq!(millis(999.0 * 86_400_000.0), "999.0 d");
        assert_eq!(millis(1_000.0 * 86_400_000.0), "> 1000 d");
        assert_eq!(millis(1e308), "> 1000 d");
        assert_eq!(millis(f64::MAX), "> 1000 d");
        assert_eq!(seconds(1e308), "> 1000 d");
        assert_eq!(pct(100.0), "100.0%");
        assert_eq!(pct(1e308), "> 1000%");
        assert_eq!(alert_value("high_miss_rate", 1e306), "> 1000%");
        assert_eq!(compact(9.5e11), "950.0G");
        assert_eq!(compact(1e12), "1.0e12");
        assert_eq!(compact(u64::MAX as f64), "1.8e19");
        assert_eq!(compact(1e308), "1.0e308");
        assert_eq!(compact(-1e308), "-1.0e308");
        for s in [millis(1e308), pct(1e308), compact(1e308), seconds(f64::MAX)] {
            assert!(s.chars().count() <= 10, "{s}");
        }
    }
}
