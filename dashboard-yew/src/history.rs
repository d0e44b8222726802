//! The dashboard's memory of past frames: recent frames as they came, and minute and
//! quarter-hour buckets for the last hour and the last day. Bounded; pure Rust.

use std::collections::VecDeque;

use cache_wasm::core::frame_types::{FrameDoc, Ordered};
use cache_wasm::core::store::RemovalCause;

/// Frames kept as they came, for the live view.
pub const LIVE_POINTS: usize = 120;
/// One-minute buckets kept, for the last hour.
pub const HOUR_POINTS: usize = 60;
/// Fifteen-minute buckets kept, for the last day.
pub const DAY_POINTS: usize = 96;

const MINUTE_MS: f64 = 60_000.0;
const QUARTER_MS: f64 = 900_000.0;

/// The ops whose latency is charted, in order.
pub const OPS: [&str; 3] = ["get", "set", "delete"];

/// What one frame, or a bucket of frames, adds up to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Point {
    /// The end of the last frame in it, ms since the epoch.
    pub ts_ms: f64,
    /// The bucket start for buckets, the frame's window start for single frames.
    pub start_ms: f64,
    /// Seconds of frames summed into it.
    pub span_s: f64,
    /// Lookups.
    pub gets: u64,
    /// Hits.
    pub hits: u64,
    /// Misses.
    pub misses: u64,
    /// Stores.
    pub sets: u64,
    /// Deletes.
    pub deletes: u64,
    /// Evictions (capacity, bytes, expired) by cause, in the cache's order.
    pub evictions: Vec<(String, u64)>,
    /// Explicit removals (deleted, replaced, cleared) by cause, in the cache's order.
    pub removals: Vec<(String, u64)>,
    /// Errors by type, in the cache's order.
    pub errors: Vec<(String, u64)>,
    /// Entries that expired.
    pub expired: u64,
    /// p50, p95 and p99 of get, set and delete in ms; the largest of a bucket's frames.
    /// `None` when no frame in it timed anything.
    pub latency: [Option<[f64; 3]>; 3],
    /// Entries at the last frame.
    pub entries: u64,
    /// Accounted bytes at the last frame.
    pub bytes: u64,
}

/// Adds `from` into `into` name by name, keeping first-seen order.
fn add_named(into: &mut Vec<(String, u64)>, from: impl IntoIterator<Item = (String, u64)>) {
    for (name, n) in from {
        match into.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => *v = v.saturating_add(n),
            None => into.push((name, n)),
        }
    }
}

fn pairs(o: &Ordered<u64>) -> impl Iterator<Item = (String, u64)> + '_ {
    o.iter().map(|(k, v)| (k.to_string(), *v))
}

/// Whether `cause` names an explicit removal rather than an eviction.
fn is_explicit(cause: &str) -> bool {
    RemovalCause::EXPLICIT.iter().any(|c| c.name() == cause)
}

impl Point {
    /// The point of one frame's window.
    pub fn of(frame: &FrameDoc) -> Point {
        let w = &frame.window;
        let lat = [&w.latency.get, &w.latency.set, &w.latency.delete].map(|l| {
            l.filter(|l| l.count > 0)
                .map(|l| [l.p50_ms, l.p95_ms, l.p99_ms])
        });
        // Frames of earlier versions listed explicit removals among evictions.
        let (listed, evictions): (Vec<_>, Vec<_>) =
            pairs(&w.evictions.by_cause).partition(|(k, _)| is_explicit(k));
        let mut removals = Vec::new();
        add_named(
            &mut removals,
            listed.into_iter().chain(pairs(&w.removals.by_cause)),
        );
        Point {
            ts_ms: frame.ts_ms,
            start_ms: w.window_start_ms,
            span_s: frame.interval_s.max(0.0),
            gets: w.gets,
            hits: w.hits,
            misses: w.misses,
            sets: w.sets,
            deletes: w.deletes,
            evictions,
            removals,
            errors: pairs(&w.errors.by_type).collect(),
            expired: w.ttl.expired,
            latency: lat,
            entries: w.size.entries,
            bytes: w.size.bytes,
        }
    }

    /// Folds another point into this one; sizes are those of the later of the two.
    pub fn merge(&mut self, p: &Point) {
        if p.ts_ms >= self.ts_ms {
            self.entries = p.entries;
            self.bytes = p.bytes;
        }
        self.ts_ms = self.ts_ms.max(p.ts_ms);
        self.span_s += p.span_s;
        self.gets = self.gets.saturating_add(p.gets);
        self.hits = self.hits.saturating_add(p.hits);
        self.misses = self.misses.saturating_add(p.misses);
        self.sets = self.sets.saturating_add(p.sets);
        self.deletes = self.deletes.saturating_add(p.deletes);
        add_named(&mut self.evictions, p.evictions.iter().cloned());
        add_named(&mut self.removals, p.removals.iter().cloned());
        add_named(&mut self.errors, p.errors.iter().cloned());
        self.expired = self.expired.saturating_add(p.expired);
        for (mine, theirs) in self.latency.iter_mut().zip(p.latency.iter()) {
            *mine = match (*mine, *theirs) {
                (Some(a), Some(b)) => Some([a[0].max(b[0]), a[1].max(b[1]), a[2].max(b[2])]),
                (a, b) => a.or(b),
            };
        }
    }

    /// Hit rate in percent, 0 with no lookups.
    pub fn hit_rate(&self) -> f64 {
        percent(self.hits, self.gets)
    }

    /// Miss rate in percent, 0 with no lookups.
    pub fn miss_rate(&self) -> f64 {
        percent(self.misses, self.gets)
    }

    /// Gets, sets and deletes per second.
    pub fn ops_per_s(&self) -> f64 {
        let ops = self
            .gets
            .saturating_add(self.sets)
            .saturating_add(self.deletes) as f64;
        if self.span_s > 0.0 {
            ops / self.span_s
        } else {
            0.0
        }
    }

    /// Evictions for any cause.
    pub fn evictions_total(&self) -> u64 {
        self.evictions.iter().map(|(_, n)| n).sum()
    }

    /// Explicit removals for any cause.
    pub fn removals_total(&self) -> u64 {
        self.removals.iter().map(|(_, n)| n).sum()
    }
}

/// `part` in percent of `whole`, 0 when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// A period the charts cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The recent frames, one point each.
    Live,
    /// The last hour in minutes.
    Hour,
    /// The last day in quarter hours.
    Day,
}

impl Period {
    /// Every period, in the switch's order.
    pub const ALL: [Period; 3] = [Period::Live, Period::Hour, Period::Day];

    /// The switch's label.
    pub fn label(self) -> &'static str {
        match self {
            Period::Live => "Live",
            Period::Hour => "Last hour",
            Period::Day => "Last day",
        }
    }
}

/// Points of recent frames, minutes and quarter hours.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    live: VecDeque<Point>,
    minutes: VecDeque<Point>,
    quarters: VecDeque<Point>,
}

/// Adds `p` to the bucket of width `width_ms` its time falls in, opening one when needed.
///
/// Buckets stay in time order whatever order frames come in: a frame from a clock that
/// stepped (ahead or back) gets a bucket of its own time, so it never takes in the frames
/// that follow it. When the ring is full, the oldest bucket goes.
fn bucket(ring: &mut VecDeque<Point>, p: &Point, width_ms: f64, cap: usize) {
    if !p.ts_ms.is_finite() {
        return;
    }
    let start = (p.ts_ms / width_ms).floor() * width_ms;
    let at = ring.partition_point(|b| b.start_ms < start);
    match ring.get_mut(at) {
        Some(b) if b.start_ms == start => b.merge(p),
        _ => {
            let mut fresh = p.clone();
            fresh.start_ms = start;
            ring.insert(at, fresh);
            while ring.len() > cap {
                ring.pop_front();
            }
        }
    }
}

impl History {
    /// Records one frame.
    pub fn push(&mut self, frame: &FrameDoc) {
        let p = Point::of(frame);
        bucket(&mut self.minutes, &p, MINUTE_MS, HOUR_POINTS);
        bucket(&mut self.quarters, &p, QUARTER_MS, DAY_POINTS);
        self.live.push_back(p);
        while self.live.len() > LIVE_POINTS {
            self.live.pop_front();
        }
    }

    /// Whether no frame was recorded.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// The points of `period`, oldest first: recent frames, or the buckets within the last
    /// hour or day up to the frame recorded last.
    ///
    /// The period ends at the time of the frame recorded last, not at the latest time seen:
    /// one frame from a clock far ahead would otherwise leave every other frame out until
    /// real time caught up with it. Buckets after that end wait until it reaches them.
    pub fn points(&self, period: Period) -> Vec<&Point> {
        let (ring, span) = match period {
            Period::Live => return self.live.iter().collect(),
            Period::Hour => (&self.minutes, 3_600_000.0),
            Period::Day => (&self.quarters, 86_400_000.0),
        };
        let end = self.live.back().map_or(0.0, |p| p.ts_ms);
        ring.iter()
            .filter(|p| p.ts_ms > end - span && p.start_ms <= end)
            .collect()
    }

    /// Everything in `period` added up, or `None` with no point.
    pub fn total(&self, period: Period) -> Option<Point> {
        let points = self.points(period);
        let mut it = points.into_iter();
        let mut sum = it.next()?.clone();
        for p in it {
            sum.merge(p);
        }
        Some(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cache_wasm::core::frame_types::LatencyDoc;

    const T0: f64 = 1_700_006_400_000.0;

    pub(crate) fn frame(seq: u64, ts_ms: f64, gets: u64, hits: u64) -> FrameDoc {
        let mut f = FrameDoc {
            seq,
            ts_ms,
            interval_s: 1.0,
            cache: "c".into(),
            instance: "i".into(),
            ..FrameDoc::default()
        };
        f.window.gets = gets;
        f.window.hits = hits;
        f.window.misses = gets - hits;
        f.window.window_start_ms = ts_ms - 1_000.0;
        f.window.evictions.by_cause = Ordered(vec![("capacity".into(), 2), ("expired".into(), 1)]);
        f.window.removals.by_cause = Ordered(vec![("deleted".into(), 1), ("replaced".into(), 4)]);
        f.window.ttl.expired = 1;
        f.window.size.entries = seq;
        f.window.latency.get = Some(LatencyDoc {
            count: 1,
            p50_ms: seq as f64,
            p95_ms: 2.0 * seq as f64,
            p99_ms: 3.0 * seq as f64,
            ..LatencyDoc::default()
        });
        f
    }

    #[test]
    fn a_point_reads_rates_and_latency() {
        let p = Point::of(&frame(3, T0, 10, 4));
        assert_eq!(p.hit_rate(), 40.0);
        assert_eq!(p.miss_rate(), 60.0);
        assert_eq!(p.ops_per_s(), 10.0);
        assert_eq!(p.evictions_total(), 3);
        assert_eq!(p.removals_total(), 5);
        assert_eq!(p.latency[0], Some([3.0, 6.0, 9.0]));
        assert_eq!(p.latency[1], None, "nothing timed is no latency, not zero");
        assert_eq!(Point::default().hit_rate(), 0.0);
        assert_eq!(Point::default().ops_per_s(), 0.0);
    }

    #[test]
    fn merging_sums_counts_and_keeps_the_worst_latency() {
        let mut a = Point::of(&frame(1, T0, 10, 10));
        a.merge(&Point::of(&frame(2, T0 + 1_000.0, 10, 0)));
        assert_eq!((a.gets, a.hits, a.misses), (20, 10, 10));
        assert_eq!(a.span_s, 2.0);
        assert_eq!(
            a.evictions,
            vec![("capacity".into(), 4), ("expired".into(), 2)]
        );
        assert_eq!(
            a.removals,
            vec![("deleted".into(), 2), ("replaced".into(), 8)]
        );
        assert_eq!(a.latency[0], Some([2.0, 4.0, 6.0]));
        assert_eq!(a.entries, 2, "sizes are the last frame's");
        assert_eq!(a.ts_ms, T0 + 1_000.0);
    }

    #[test]
    fn explicit_causes_listed_among_evictions_count_as_removals() {
        // The shape of frames before evictions and removals were apart.
        let mut f = frame(1, T0, 1, 1);
        f.window.evictions.by_cause = Ordered(vec![
            ("capacity".into(), 2),
            ("deleted".into(), 3),
            ("cleared".into(), 7),
        ]);
        f.window.removals.by_cause = Ordered(Vec::new());
        let p = Point::of(&f);
        assert_eq!(p.evictions, vec![("capacity".into(), 2)]);
        assert_eq!(p.evictions_total(), 2);
        assert_eq!(
            p.removals,
            vec![("deleted".into(), 3), ("cleared".into(), 7)]
        );
    }

    #[test]
    fn frames_fall_into_minute_and_quarter_buckets() {
        let mut h = History::default();
        for k in 0..180u64 {
            h.push(&frame(k + 1, T0 + k as f64 * 1_000.0, 1, 1));
        }
        assert_eq!(
            h.points(Period::Live).len(),
            LIVE_POINTS,
            "live keeps the newest frames"
        );
        assert_eq!(
            h.points(Period::Live).first().map(|p| p.ts_ms),
            Some(T0 + 60_000.0)
        );
        let minutes = h.points(Period::Hour);
        assert_eq!(minutes.len(), 3);
        assert_eq!(
            minutes.iter().map(|p| p.gets).collect::<Vec<_>>(),
            [60, 60, 60]
        );
        assert_eq!(h.points(Period::Day).len(), 1);
        assert_eq!(h.total(Period::Day).map(|p| p.gets), Some(180));
        assert_eq!(h.total(Period::Live).map(|p| p.gets), Some(120));
    }

    #[test]
    fn buckets_are_bounded_and_windows_end_at_the_newest_frame() {
        let mut h = History::default();
        // One frame every 10 minutes for two days.
        for k in 0..288u64 {
            h.push(&frame(k + 1, T0 + k as f64 * 600_000.0, 1, 0));
        }
        let hour = h.points(Period::Hour);
        assert_eq!(hour.len(), 6, "the last hour holds six 10-minute frames");
        let day = h.points(Period::Day);
        assert!(day.len() <= DAY_POINTS);
        assert_eq!(
            day.iter().map(|p| p.gets).sum::<u64>(),
            144,
            "one day of frames"
        );
        assert!(h.minutes.len() <= HOUR_POINTS && h.quarters.len() <= DAY_POINTS);
        assert_eq!(History::default().total(Period::Hour), None);
    }

    #[test]
    fn a_frame_from_a_clock_far_ahead_does_not_swallow_the_frames_after_it() {
        const DAY: f64 = 86_400_000.0;
        let mut h = History::default();
        for k in 1..=5u64 {
            h.push(&frame(k, T0 + k as f64 * 1_000.0, 10, 5));
        }
        h.push(&frame(6, T0 + DAY, 10, 5));
        // Frames 7 to 30, 10 s apart: four minutes.
        for k in 7..=30u64 {
            h.push(&frame(k, T0 + k as f64 * 10_000.0, 10, 5));
        }
        for period in [Period::Hour, Period::Day] {
            let total = h.total(period);
            assert_eq!(
                total.as_ref().map(|p| p.gets),
                Some(290),
                "{period:?} holds frames 1-5 and 7-30, not the one a day ahead"
            );
            assert_eq!(total.map(|p| p.ts_ms), Some(T0 + 300_000.0));
        }
        let minutes = h.points(Period::Hour);
        assert_eq!(
            minutes.iter().map(|p| p.start_ms).collect::<Vec<_>>(),
            [
                T0,
                T0 + 60_000.0,
                T0 + 120_000.0,
                T0 + 180_000.0,
                T0 + 240_000.0,
                T0 + 300_000.0
            ],
            "one bucket a minute, in time order"
        );
        // Once the clock reaches it, the frame from ahead is in its own bucket.
        h.push(&frame(31, T0 + DAY + 5_000.0, 10, 5));
        assert_eq!(h.total(Period::Hour).map(|p| p.gets), Some(20));
        assert_eq!(h.points(Period::Hour).len(), 1);
    }

    #[test]
    fn a_late_frame_joins_the_bucket_of_its_own_time() {
        let mut h = History::default();
        h.push(&frame(1, T0 + 1_000.0, 1, 1));
        h.push(&frame(2, T0 + 181_000.0, 2, 2));
        // A frame from two minutes back: its own minute, placed in order.
        h.push(&frame(3, T0 + 61_000.0, 4, 4));
        h.push(&frame(4, T0 + 182_000.0, 8, 8));
        let minutes = h.points(Period::Hour);
        assert_eq!(
            minutes
                .iter()
                .map(|p| (p.start_ms, p.gets))
                .collect::<Vec<_>>(),
            [(T0, 1), (T0 + 60_000.0, 4), (T0 + 180_000.0, 10)]
        );
        assert_eq!(
            minutes.last().map(|p| p.entries),
            Some(4),
            "sizes are the latest frame's"
        );
    }
}
