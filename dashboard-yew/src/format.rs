//! How the dashboard writes numbers, sizes, durations and times. Pure and tested.

pub use cache_wasm::core::format::{bytes, compact};

/// A percentage with one decimal.
pub fn pct(p: f64) -> String {
    if p.is_finite() {
        format!("{p:.1}%")
    } else {
        "–".to_string()
    }
}

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 86_400_000.0;

/// A duration in ms with a unit and a precision that suit it, from µs to days.
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() {
        "–".to_string()
    } else if ms >= DAY_MS {
        format!("{:.1} d", ms / DAY_MS)
    } else if ms >= HOUR_MS {
        format!("{:.1} h", ms / HOUR_MS)
    } else if ms >= 60_000.0 {
        format!("{:.1} min", ms / 60_000.0)
    } else if ms >= 1_000.0 {
        format!("{:.2} s", ms / 1_000.0)
    } else if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{:.1} µs", ms * 1_000.0)
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
}
