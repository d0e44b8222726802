//! Time windows ending now (minute, hour, day) as rings of slices, in bounded memory.
//!
//! Each ring covers its span with fixed slices aligned to the epoch. A slice keeps the tally
//! as it stood before its first operation (its *base*) and the latency recorded in it as
//! sparse histograms. A window's counts are the live tally minus the base of its oldest
//! slice; its latency is the merge of its slices. Slices that saw no tick are simply absent:
//! nothing happened in them, so a long idle gap costs nothing.
//!
//! Operations between two ticks belong to the slice where the second tick lands.

use super::histogram::{Histogram, SparseHistogram};
use super::tally::Tally;

/// The shape of one ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingSpec {
    /// Length of a slice in ms; divides the next ring's slice.
    pub slice_ms: u64,
    /// Slices kept; the window is this many slices, the newest one still open.
    pub slots: usize,
}

/// `"minute"`: 12 slices of 5 s.
pub const MINUTE: RingSpec = RingSpec {
    slice_ms: 5_000,
    slots: 12,
};

/// `"hour"`: 60 slices of 1 min.
pub const HOUR: RingSpec = RingSpec {
    slice_ms: 60_000,
    slots: 60,
};

/// `"day"`: 96 slices of 15 min.
pub const DAY: RingSpec = RingSpec {
    slice_ms: 900_000,
    slots: 96,
};

/// One slice.
#[derive(Clone, Debug)]
struct Slot {
    /// Slice number (ms since the epoch / slice length); `i64::MIN` when unused.
    no: i64,
    /// The tally before the first operation of the slice.
    base: Tally,
    /// Latency recorded in the slice, per series.
    latency: Vec<SparseHistogram>,
}

/// A ring of slices for one window length.
#[derive(Clone, Debug)]
pub struct Ring {
    spec: RingSpec,
    slots: Vec<Slot>,
    open: i64,
}

/// The slice number of `now_ms` for slices of `slice_ms`.
fn slice_of(now_ms: f64, slice_ms: u64) -> i64 {
    // `as` saturates; `now` is finite and checked by the caller.
    (now_ms / slice_ms as f64).floor() as i64
}

impl Ring {
    /// A ring whose open slice holds `now_ms`, with `base` as the tally before it.
    pub fn new(spec: RingSpec, now_ms: f64, base: &Tally) -> Ring {
        let empty = Slot {
            no: i64::MIN,
            base: Tally::default(),
            latency: Vec::new(),
        };
        let mut ring = Ring {
            spec,
            slots: vec![empty; spec.slots.max(1)],
            open: i64::MIN,
        };
        ring.advance(now_ms, base);
        ring
    }

    /// The shape of the ring.
    pub fn spec(&self) -> RingSpec {
        self.spec
    }

    fn pos(&self, no: i64) -> usize {
        no.rem_euclid(self.slots.len().max(1) as i64) as usize
    }

    /// Opens the slice of `now_ms` if it is later than the open one. `base` is the tally
    /// at the previous tick: everything after it belongs to the new slice.
    pub fn advance(&mut self, now_ms: f64, base: &Tally) {
        let no = slice_of(now_ms, self.spec.slice_ms);
        if no <= self.open {
            return;
        }
        self.open = no;
        let pos = self.pos(no);
        if let Some(slot) = self.slots.get_mut(pos) {
            slot.no = no;
            slot.base.copy_from(base);
            for h in &mut slot.latency {
                h.clear();
            }
        }
    }

    /// Adds latency of series `series` to the open slice.
    pub fn fold(&mut self, series: usize, delta: &SparseHistogram) {
        if delta.is_empty() {
            return;
        }
        let pos = self.pos(self.open);
        if let Some(slot) = self.slots.get_mut(pos) {
            if slot.latency.len() <= series {
                slot.latency.resize_with(series + 1, SparseHistogram::new);
            }
            if let Some(h) = slot.latency.get_mut(series) {
                *h = h.merge(delta);
            }
        }
    }

    /// The first slice number of the window.
    fn first(&self) -> i64 {
        self.open
            .saturating_sub(self.slots.len() as i64)
            .saturating_add(1)
    }

    fn in_window(&self) -> impl Iterator<Item = &Slot> {
        let first = self.first();
        let open = self.open;
        self.slots
            .iter()
            .filter(move |s| s.no >= first && s.no <= open)
    }

    /// Start of the window in ms since the epoch (the start of its first slice).
    pub fn start_ms(&self) -> f64 {
        self.first() as f64 * self.spec.slice_ms as f64
    }

    /// The tally before the window's first operation. The open slice is always present.
    pub fn base(&self) -> Option<&Tally> {
        self.in_window().min_by_key(|s| s.no).map(|s| &s.base)
    }

    /// Adds the window's latency of series `series` to `into`.
    pub fn latency_into(&self, series: usize, into: &mut Histogram) {
        for slot in self.in_window() {
            if let Some(h) = slot.latency.get(series) {
                into.merge_sparse(h);
            }
        }
    }

    /// Slices held, used or not (for memory checks).
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Sparse buckets held across all slices and series (for memory checks).
    pub fn bins_held(&self) -> usize {
        self.slots
            .iter()
            .flat_map(|s| s.latency.iter())
            .map(SparseHistogram::len)
            .sum()
    }

    /// The largest number of series kept in one slice (for memory checks).
    pub fn series_held(&self) -> usize {
        self.slots
            .iter()
            .map(|s| s.latency.len())
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(gets: u64) -> Tally {
        let mut t = Tally::new(0);
        t.counts.gets = gets;
        t
    }

    fn one(ns: u64) -> SparseHistogram {
        let mut h = Histogram::new();
        h.record(ns);
        h.to_sparse()
    }

    #[test]
    fn window_base_and_start() {
        let t0 = 1_000_000.0; // A 5 s boundary.
        let mut r = Ring::new(MINUTE, t0, &tally(0));
        assert_eq!(r.start_ms(), t0 - 55_000.0);
        assert_eq!(r.base().unwrap().counts.gets, 0);
        // A tick 7 s later at 10 gets opens the next slice with the base of the last tick.
        r.advance(t0 + 7_000.0, &tally(0));
        r.fold(0, &one(1000));
        assert_eq!(r.base().unwrap().counts.gets, 0);
        // 61 s after t0 the first slice has left the window.
        r.advance(t0 + 61_000.0, &tally(10));
        assert_eq!(r.base().unwrap().counts.gets, 0);
        let mut h = Histogram::new();
        r.latency_into(0, &mut h);
        assert_eq!(h.count(), 1);
        // 67 s after t0 the slice at 5 s has left too.
        r.advance(t0 + 67_000.0, &tally(12));
        assert_eq!(r.base().unwrap().counts.gets, 10);
        let mut h = Histogram::new();
        r.latency_into(0, &mut h);
        assert_eq!(h.count(), 0);
    }

    #[test]
    fn time_going_back_keeps_the_open_slice() {
        let mut r = Ring::new(HOUR, 3_600_000.0, &tally(0));
        r.advance(3_000_000.0, &tally(5));
        assert_eq!(r.start_ms(), 3_600_000.0 - 59.0 * 60_000.0);
        assert_eq!(r.base().unwrap().counts.gets, 0);
    }

    #[test]
    fn slots_are_reused() {
        let mut r = Ring::new(DAY, 0.0, &tally(0));
        for k in 0..1000u64 {
            r.advance(k as f64 * 900_000.0, &tally(k));
            r.fold(2, &one(k + 1));
        }
        assert_eq!(r.slot_count(), 96);
        assert_eq!(r.series_held(), 3);
        assert!(r.bins_held() <= 96);
        assert_eq!(r.base().unwrap().counts.gets, 1000 - 96);
    }
}
