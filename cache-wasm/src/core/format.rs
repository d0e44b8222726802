//! How figures are written for people: compact counts and binary byte sizes. Shared by the
//! HTML report and the live dashboard.

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
}
