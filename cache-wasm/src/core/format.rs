//! How figures are written for people: compact counts, binary byte sizes and durations.
//! Shared by the HTML report and the live dashboard.

/// Counts from this size on are written in exponent form, which stays short however large.
const COMPACT_MAX: f64 = 1e12;

/// A count or rate in few characters: 950, 12.3k, 4.5M, 950.0G, then 1.8e19; 0.007; "–" for
/// NaN and infinities.
pub fn compact(n: f64) -> String {
    let a = n.abs();
    if !n.is_finite() {
        "–".to_string()
    } else if a >= COMPACT_MAX {
        format!("{n:.1e}")
    } else if a >= 1e9 {
        format!("{:.1}G", n / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else if a >= 100.0 || n == n.trunc() {
        format!("{n:.0}")
    } else if a >= 1.0 {
        format!("{n:.1}")
    } else {
        format!("{n:.3}")
    }
}

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 86_400_000.0;
/// Durations from this one on, in ms, are written as "> 1000 d".
pub const MILLIS_MAX: f64 = 1_000.0 * DAY_MS;

/// A duration in ms with a unit and a precision that suit it, from µs to days. A negative
/// duration (never a valid one) or one that is not a number is "–"; one of 1000 days or
/// more is "> 1000 d", so that no figure breaks the layout.
pub fn millis(ms: f64) -> String {
    if !(ms.is_finite() && ms >= 0.0) {
        "–".to_string()
    } else if ms >= MILLIS_MAX {
        "> 1000 d".to_string()
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
        // Adding 0 turns -0 into 0.
        format!("{:.1} µs", ms * 1_000.0 + 0.0)
    }
}

/// A byte count in binary units: "512 B", "1.5 KiB", "3.0 MiB".
pub fn bytes(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    for unit in ["KiB", "MiB", "GiB"] {
        if v < 1024.0 {
            return format!("{v:.1} {unit}");
        }
        v /= 1024.0;
    }
    format!("{v:.1} TiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_bytes() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1234.0), "1234");
        assert_eq!(compact(12_345.0), "12.3k");
        assert_eq!(compact(4_500_000.0), "4.5M");
        assert_eq!(compact(2.25), "2.2");
        assert_eq!(compact(0.125), "0.125");
        assert_eq!(compact(f64::NAN), "–");
        assert_eq!(compact(950e9), "950.0G");
        assert_eq!(compact(u64::MAX as f64), "1.8e19");
        assert_eq!(compact(-1e300), "-1.0e300");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(bytes(5 * 1024u64.pow(4)), "5.0 TiB");
    }

    #[test]
    fn durations_from_microseconds_to_days() {
        assert_eq!(millis(0.0123), "12.3 µs");
        assert_eq!(millis(4.5), "4.50 ms");
        assert_eq!(millis(30_000.0), "30.00 s");
        assert_eq!(millis(90_000.0), "1.5 min");
        assert_eq!(millis(5_400_000.0), "1.5 h");
        assert_eq!(millis(30.0 * 86_400_000.0), "30.0 d");
        assert_eq!(millis(9_007_199_254_740_991.0), "> 1000 d");
        assert_eq!(millis(-1.0), "–");
        assert_eq!(millis(f64::NAN), "–");
    }
}
