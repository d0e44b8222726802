//! Log-linear latency histograms in nanoseconds: a dense form to record into, a sparse form to keep.
//!
//! Values below 32 ns have a bucket each. Above, every power of two is split into 16 equal
//! sub-buckets, so a bucket is at most 1/16 of its lower bound wide. A value is reported as
//! its bucket's midpoint, which is within 1/32 (3.2%) of the true value. Values of
//! [`MAX_TRACKED`] ns (about 73 minutes) and above share the last bucket; `max` stays exact.

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 4;
/// Sub-buckets per power of two.
const SUB: u64 = 1 << SUB_BITS;
/// Values below this have a bucket each.
const LINEAR: u64 = 2 * SUB;
/// The first power of two split into sub-buckets.
const FIRST_EXP: u32 = SUB_BITS + 1;
/// Values at or above `2^MAX_EXP` ns saturate into the last bucket.
const MAX_EXP: u32 = 42;

/// The number of buckets.
pub const BUCKETS: usize = LINEAR as usize + ((MAX_EXP - FIRST_EXP) as usize) * SUB as usize;

/// The largest value with a bucket of its own range, in ns (2^42 − 1, about 73 minutes).
pub const MAX_TRACKED: u64 = (1 << MAX_EXP) - 1;

/// The bucket of a value in ns.
#[inline]
pub fn bucket_of(ns: u64) -> usize {
    if ns < LINEAR {
        return ns as usize;
    }
    let v = ns.min(MAX_TRACKED);
    let exp = 63 - v.leading_zeros();
    let sub = (v >> (exp - SUB_BITS)) & (SUB - 1);
    LINEAR as usize + ((exp - FIRST_EXP) as usize) * SUB as usize + sub as usize
}

/// The lowest value of bucket `i` and its width, in ns.
pub fn bucket_range(i: usize) -> (u64, u64) {
    let i = i.min(BUCKETS - 1) as u64;
    if i < LINEAR {
        return (i, 1);
    }
    let group = (i - LINEAR) / SUB;
    let sub = (i - LINEAR) % SUB;
    let exp = group + u64::from(FIRST_EXP);
    let width = 1u64 << (exp - u64::from(SUB_BITS));
    ((1u64 << exp) + sub * width, width)
}

/// The value bucket `i` reports: the midpoint of the integers it holds, in ns.
pub fn bucket_mid(i: usize) -> f64 {
    let (low, width) = bucket_range(i);
    low as f64 + (width - 1) as f64 / 2.0
}

/// Count, sum and max: the part of a histogram that is not buckets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Values recorded.
    pub count: u64,
    /// Their sum in ns, saturating.
    pub sum: u64,
    /// The largest, in ns; 0 when empty.
    pub max: u64,
}

/// Mean, percentile and `le` counts over any bucket sequence in ascending index order; both
/// histograms provide them through this trait.
pub trait Quantiles {
    /// Count, sum and max.
    fn totals(&self) -> Totals;
    /// The non-empty buckets, as (index, count), in ascending index order.
    fn each(&self) -> impl Iterator<Item = (usize, u64)>;

    /// Mean in ns, 0 when empty.
    fn mean(&self) -> f64 {
        let t = self.totals();
        if t.count == 0 {
            0.0
        } else {
            t.sum as f64 / t.count as f64
        }
    }

    /// The value at quantile `q` (0–1) in ns: the midpoint of its bucket, never above `max`;
    /// exactly `max` for the top rank.
    fn percentile(&self, q: f64) -> f64 {
        let t = self.totals();
        if t.count == 0 {
            return 0.0;
        }
        let rank = nearest_rank(q, t.count);
        if rank == t.count {
            // The top rank is the largest value, which is kept exactly.
            return t.max as f64;
        }
        let mut seen = 0u64;
        for (i, n) in self.each() {
            seen = seen.saturating_add(n);
            if seen >= rank {
                return bucket_mid(i).min(t.max as f64);
            }
        }
        t.max as f64
    }

    /// Values in buckets that lie wholly at or below `ns`: a Prometheus `le` bucket. It never
    /// counts a value above `ns`; values in the bucket that straddles `ns` (at most 1/16
    /// below it) are counted from the next bound up.
    fn count_le(&self, ns: u64) -> u64 {
        self.each()
            .take_while(|&(i, _)| {
                let (low, width) = bucket_range(i);
                low.saturating_add(width - 1) <= ns
            })
            .fold(0u64, |acc, (_, n)| acc.saturating_add(n))
    }
}

/// The nearest rank (1-based) of quantile `q` among `count` values: ⌈q × count⌉, within 1..count.
/// A relative 10⁻¹⁴ is taken off first, for the rounding of `q` itself: 99.9 / 100 is
/// 0.9990000000000001, which would make rank 1000 of 1000 out of 999.
fn nearest_rank(q: f64, count: u64) -> u64 {
    let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
    let x = q * count as f64;
    ((x - x * 1e-14).ceil() as u64).clamp(1, count.max(1))
}

/// A histogram with every bucket in place: O(1) to record into. Allocates on first use.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    totals: Totals,
    /// Lowest and highest bucket touched since the last clear, for cheap scans.
    lo: usize,
    hi: usize,
}

impl Histogram {
    /// An empty histogram; no memory is taken until the first value.
    pub fn new() -> Self {
        Histogram::default()
    }

    /// Records one value in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.record_n(ns, 1);
    }

    /// Records `n` values of `ns` each.
    pub fn record_n(&mut self, ns: u64, n: u64) {
        if n == 0 {
            return;
        }
        let i = bucket_of(ns);
        self.add_bucket(i, n);
        self.totals.sum = self.totals.sum.saturating_add(ns.saturating_mul(n));
        self.totals.max = self.totals.max.max(ns);
    }

    fn add_bucket(&mut self, i: usize, n: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
            self.lo = i;
            self.hi = i;
        }
        if let Some(c) = self.counts.get_mut(i) {
            *c = c.saturating_add(n);
        }
        if self.totals.count == 0 {
            self.lo = i;
            self.hi = i;
        } else {
            self.lo = self.lo.min(i);
            self.hi = self.hi.max(i);
        }
        self.totals.count = self.totals.count.saturating_add(n);
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.totals.count
    }

    /// The largest value in ns, 0 when empty.
    pub fn max(&self) -> u64 {
        self.totals.max
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (i, n) in other.each() {
            self.add_bucket(i, n);
        }
        self.merge_totals(other.totals);
    }

    /// Adds every value of a sparse histogram.
    pub fn merge_sparse(&mut self, other: &SparseHistogram) {
        for (i, n) in other.each() {
            self.add_bucket(i, n);
        }
        self.merge_totals(other.totals);
    }

    fn merge_totals(&mut self, t: Totals) {
        self.totals.sum = self.totals.sum.saturating_add(t.sum);
        self.totals.max = self.totals.max.max(t.max);
    }

    /// Forgets every value, keeping the memory for reuse.
    pub fn clear(&mut self) {
        if self.totals.count > 0 {
            if let Some(range) = self.counts.get_mut(self.lo..=self.hi) {
                range.fill(0);
            }
        }
        self.totals = Totals::default();
        self.lo = 0;
        self.hi = 0;
    }

    /// The sparse copy.
    pub fn to_sparse(&self) -> SparseHistogram {
        SparseHistogram {
            bins: self.each().map(|(i, n)| pack(i, n)).collect(),
            totals: self.totals,
        }
    }

    /// Whether the bucket array is allocated (for memory accounting).
    pub fn is_allocated(&self) -> bool {
        !self.counts.is_empty()
    }
}

impl Quantiles for Histogram {
    fn totals(&self) -> Totals {
        self.totals
    }

    fn each(&self) -> impl Iterator<Item = (usize, u64)> {
        let range = if self.totals.count == 0 {
            &[][..]
        } else {
            self.counts.get(self.lo..=self.hi).unwrap_or(&[])
        };
        let lo = self.lo;
        range
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(move |(k, &n)| (lo + k, n))
    }
}

/// Bits of a packed bin that hold the count; the bucket index sits above them.
const COUNT_BITS: u32 = 54;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

#[inline]
fn pack(i: usize, n: u64) -> u64 {
    ((i as u64) << COUNT_BITS) | n.min(COUNT_MASK)
}

#[inline]
fn unpack(bin: u64) -> (usize, u64) {
    ((bin >> COUNT_BITS) as usize, bin & COUNT_MASK)
}

/// A histogram holding only its non-empty buckets, 8 bytes each, in ascending order.
///
/// Used for per-slice deltas and snapshots. Counts in one bucket saturate at 2^54.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SparseHistogram {
    bins: Vec<u64>,
    totals: Totals,
}

impl SparseHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        SparseHistogram::default()
    }

    /// Values held.
    pub fn count(&self) -> u64 {
        self.totals.count
    }

    /// The largest value in ns, 0 when empty.
    pub fn max(&self) -> u64 {
        self.totals.max
    }

    /// Non-empty buckets held (for memory accounting).
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// Whether no value is held.
    pub fn is_empty(&self) -> bool {
        self.totals.count == 0
    }

    /// Forgets every value, keeping the memory for reuse.
    pub fn clear(&mut self) {
        self.bins.clear();
        self.totals = Totals::default();
    }

    /// `(bucket, count)` pairs in ascending bucket order.
    pub fn buckets(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.bins.iter().map(|&b| unpack(b))
    }

    /// The sum of `self` and `other`.
    pub fn merge(&self, other: &SparseHistogram) -> SparseHistogram {
        let mut out = SparseHistogram {
            bins: Vec::with_capacity(self.bins.len().max(other.bins.len())),
            totals: Totals {
                count: self.totals.count.saturating_add(other.totals.count),
                sum: self.totals.sum.saturating_add(other.totals.sum),
                max: self.totals.max.max(other.totals.max),
            },
        };
        let mut a = self.buckets().peekable();
        let mut b = other.buckets().peekable();
        loop {
            let next = match (a.peek().copied(), b.peek().copied()) {
                (None, None) => break,
                (Some(x), None) => {
                    a.next();
                    x
                }
                (None, Some(y)) => {
                    b.next();
                    y
                }
                (Some(x), Some(y)) => {
                    if x.0 < y.0 {
                        a.next();
                        x
                    } else if y.0 < x.0 {
                        b.next();
                        y
                    } else {
                        a.next();
                        b.next();
                        (x.0, x.1.saturating_add(y.1))
                    }
                }
            };
            out.bins.push(pack(next.0, next.1));
        }
        out
    }

    /// Adds the values of a dense histogram in place.
    pub fn merge_dense(&mut self, other: &Histogram) {
        if other.count() == 0 {
            return;
        }
        *self = self.merge(&other.to_sparse());
    }

    /// The values of `self` not in `base`, where `base` is an earlier snapshot of the same
    /// cumulative histogram. `max` cannot be recovered by subtraction and is taken as given.
    pub fn subtract(&self, base: &SparseHistogram, max: u64) -> SparseHistogram {
        let mut bins = Vec::with_capacity(self.bins.len());
        let mut b = base.buckets().peekable();
        for (i, n) in self.buckets() {
            let mut n = n;
            while let Some(&(j, m)) = b.peek() {
                if j > i {
                    break;
                }
                if j == i {
                    n = n.saturating_sub(m);
                }
                b.next();
            }
            if n > 0 {
                bins.push(pack(i, n));
            }
        }
        let count = bins.iter().map(|&x| unpack(x).1).sum();
        SparseHistogram {
            bins,
            totals: Totals {
                count,
                sum: self.totals.sum.saturating_sub(base.totals.sum),
                max: if count == 0 { 0 } else { max },
            },
        }
    }
}

impl Quantiles for SparseHistogram {
    fn totals(&self) -> Totals {
        self.totals
    }

    fn each(&self) -> impl Iterator<Item = (usize, u64)> {
        self.buckets()
    }
}

// Native only: proptest is a host-only dev-dependency.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout() {
        assert_eq!(BUCKETS, 624);
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(31), 31);
        assert_eq!(bucket_of(32), 32);
        assert_eq!(bucket_of(33), 32);
        assert_eq!(bucket_of(34), 33);
        assert_eq!(bucket_of(63), 47);
        assert_eq!(bucket_of(64), 48);
        assert_eq!(bucket_of(MAX_TRACKED), BUCKETS - 1);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        // An hour fits below saturation.
        const { assert!(3_600_000_000_000 < MAX_TRACKED) };
        // Buckets tile the range without gaps.
        let mut next = 0;
        for i in 0..BUCKETS {
            let (low, width) = bucket_range(i);
            assert_eq!(low, next, "bucket {i}");
            assert_eq!(bucket_of(low), i);
            assert_eq!(bucket_of(low + width - 1), i);
            next = low + width;
        }
        assert_eq!(next, MAX_TRACKED + 1);
    }

    #[test]
    fn midpoints_are_within_a_32nd() {
        for i in 0..BUCKETS {
            let (low, width) = bucket_range(i);
            let mid = bucket_mid(i);
            for v in [low, low + width - 1] {
                let err = (mid - v as f64).abs() / v.max(1) as f64;
                assert!(err <= 1.0 / 32.0 + 1e-12, "bucket {i} value {v} err {err}");
            }
        }
    }

    #[test]
    fn the_nearest_rank_of_a_percentile_in_tenths_is_exact() {
        // Every percentile an alert may use (50 to 99.9 in tenths), against integer arithmetic.
        for tenths in 500u64..=999 {
            let q = tenths as f64 / 10.0 / 100.0;
            for count in 1u64..=2000 {
                let want = (tenths * count).div_ceil(1000).max(1);
                assert_eq!(nearest_rank(q, count), want, "p{} of {count}", q * 100.0);
            }
        }
        assert_eq!(nearest_rank(0.0, 10), 1);
        assert_eq!(nearest_rank(1.0, 10), 10);
        assert_eq!(nearest_rank(f64::NAN, 10), 1);
        assert_eq!(nearest_rank(0.5, 0), 1);
    }

    #[test]
    fn one_outlier_in_a_thousand_is_not_the_999th_permille() {
        let mut h = Histogram::new();
        h.record_n(1_000_000, 999);
        h.record(1_000_000_000);
        let p = h.to_sparse().percentile(99.9 / 100.0);
        assert!(
            p < 1_100_000.0,
            "p99.9 of 999 × 1 ms and one 1 s is about 1 ms, got {p} ns"
        );
    }

    #[test]
    fn percentiles_of_1_to_1000_us() {
        let mut h = Histogram::new();
        for us in 1..=1000u64 {
            h.record(us * 1000);
        }
        assert_eq!(h.count(), 1000);
        assert_eq!(h.max(), 1_000_000);
        assert!((h.mean() - 500_500.0).abs() < 1e-6);
        for (q, want) in [(0.5, 500_000.0), (0.95, 950_000.0), (0.99, 990_000.0)] {
            let got = h.percentile(q);
            assert!((got - want).abs() / want < 0.05, "p{q}: {got} vs {want}");
        }
        assert_eq!(h.percentile(1.0), 1_000_000.0);
        let s = h.to_sparse();
        assert_eq!(s.percentile(0.99), h.percentile(0.99));
        assert_eq!(s.count(), 1000);
    }

    #[test]
    fn exact_small_values_and_saturation() {
        let mut h = Histogram::new();
        h.record(7);
        assert_eq!(h.percentile(0.5), 7.0);
        let mut big = Histogram::new();
        big.record(u64::MAX);
        big.record(10 * 3_600_000_000_000);
        assert_eq!(big.count(), 2);
        assert_eq!(big.max(), u64::MAX);
        assert!(big.percentile(0.5) >= (MAX_TRACKED / 2) as f64);
        assert!(big.percentile(0.5).is_finite());
    }

    #[test]
    fn empty_is_zero_not_nan() {
        let h = Histogram::new();
        assert_eq!(h.mean(), 0.0);
        assert_eq!(h.percentile(0.99), 0.0);
        assert_eq!(h.count_le(1000), 0);
        assert!(!h.is_allocated());
        let s = SparseHistogram::new();
        assert_eq!(s.mean(), 0.0);
        assert_eq!(s.percentile(f64::NAN), 0.0);
    }

    #[test]
    fn count_le_at_prometheus_bounds() {
        let mut h = Histogram::new();
        // 10 µs, 100 µs, 1 ms, 10 ms, 2 s.
        for ns in [10_000, 100_000, 1_000_000, 10_000_000, 2_000_000_000] {
            h.record(ns);
        }
        let le = |s: f64| h.count_le((s * 1e9) as u64);
        assert_eq!(le(0.000_005), 0);
        assert_eq!(le(0.000_011), 1);
        assert_eq!(le(0.000_25), 2);
        assert_eq!(le(0.002_5), 3);
        assert_eq!(le(0.025), 4);
        assert_eq!(le(1.0), 4);
        assert_eq!(le(2.5), 5);
        assert_eq!(h.to_sparse().count_le(2_500_000), 3);
    }

    #[test]
    fn count_le_never_counts_a_value_above_the_bound() {
        // Every value from 1 ns to 2^20 ns, and the bounds around it.
        for v in 1..(1u64 << 20) {
            let mut h = Histogram::new();
            h.record(v);
            let (low, width) = bucket_range(bucket_of(v));
            let top = low + width - 1;
            for bound in [v - 1, v, top - 1, top] {
                let counted = h.count_le(bound);
                assert_eq!(counted == 1, bound >= top, "{v} ns under le {bound} ns");
                assert!(counted == 0 || v <= bound);
            }
            // At most 1/16 of the value lies between it and the bound that counts it.
            assert!((top - v) * 16 <= v.max(16), "{v} ns, top {top} ns");
        }
        // 1.015 ms is above the 1 ms bound; 1 ms itself is in a bucket that straddles it.
        let mut h = Histogram::new();
        h.record(1_015_000);
        assert_eq!(h.count_le(1_000_000), 0);
        assert_eq!(h.count_le(2_500_000), 1);
    }

    #[test]
    fn clear_keeps_memory_and_forgets_values() {
        let mut h = Histogram::new();
        h.record(100);
        h.record(1_000_000);
        h.clear();
        assert_eq!(h.count(), 0);
        assert!(h.is_allocated());
        assert_eq!(h.to_sparse().len(), 0);
        h.record(5);
        assert_eq!(h.to_sparse().buckets().collect::<Vec<_>>(), vec![(5, 1)]);
    }

    #[test]
    fn subtract_gives_the_delta() {
        let mut h = Histogram::new();
        for v in [10, 1000, 1000, 50_000] {
            h.record(v);
        }
        let base = h.to_sparse();
        h.record(1000);
        h.record(7_000_000);
        let d = h.to_sparse().subtract(&base, 7_000_000);
        assert_eq!(d.count(), 2);
        assert_eq!(d.totals().sum, 7_001_000);
        assert_eq!(
            d.buckets().collect::<Vec<_>>(),
            vec![(bucket_of(1000), 1), (bucket_of(7_000_000), 1)]
        );
        let none = base.subtract(&base, 99);
        assert!(none.is_empty());
        assert_eq!(none.max(), 0);
    }

    fn dense(values: &[u64]) -> Histogram {
        let mut h = Histogram::new();
        for &v in values {
            h.record(v);
        }
        h
    }

    proptest! {
        #[test]
        fn merge_is_associative_and_matches_recording(
            a in prop::collection::vec(0u64..5_000_000_000_000, 0..50),
            b in prop::collection::vec(0u64..5_000_000_000_000, 0..50),
            c in prop::collection::vec(0u64..5_000_000_000_000, 0..50),
        ) {
            let (ha, hb, hc) = (dense(&a), dense(&b), dense(&c));
            let (sa, sb, sc) = (ha.to_sparse(), hb.to_sparse(), hc.to_sparse());
            prop_assert_eq!(sa.merge(&sb).merge(&sc), sa.merge(&sb.merge(&sc)));
            let mut left = ha.clone();
            left.merge(&hb);
            left.merge(&hc);
            let mut bc = hb.clone();
            bc.merge(&hc);
            let mut right = ha.clone();
            right.merge(&bc);
            prop_assert_eq!(left.to_sparse(), right.to_sparse());
            let all: Vec<u64> = a.iter().chain(&b).chain(&c).copied().collect();
            prop_assert_eq!(left.to_sparse(), dense(&all).to_sparse());
            prop_assert_eq!(sa.merge(&sb).merge(&sc), left.to_sparse());
            let mut from_sparse = Histogram::new();
            from_sparse.merge_sparse(&sa);
            from_sparse.merge_sparse(&sb);
            from_sparse.merge_sparse(&sc);
            prop_assert_eq!(from_sparse.to_sparse(), left.to_sparse());
        }

        #[test]
        fn percentiles_are_within_5_percent(
            mut values in prop::collection::vec(1u64..4_000_000_000_000, 1..300),
            q in 0.0f64..=1.0,
        ) {
            let h = dense(&values);
            values.sort_unstable();
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            let exact = values[rank - 1] as f64;
            let got = h.percentile(q);
            prop_assert!((got - exact).abs() / exact < 0.05, "q {} got {} exact {}", q, got, exact);
        }
    }
}
