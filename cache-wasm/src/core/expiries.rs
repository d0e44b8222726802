//! The expiry queue: a binary min-heap of (expiry, slot) pairs kept in chunks.
//!
//! A `Vec` that doubles leaves its old buffers behind in WebAssembly memory, which only grows,
//! so a heap of n expiries would hold up to twice its size. In chunks of [`Chunked`] it grows
//! without copying, and a rebuild gives its chunks back.

use std::cmp::Ordering;

use super::chunked::Chunked;

/// An expiry waiting in the queue. Packed to 12 bytes (an `f64` beside a `u32` would otherwise
/// take 16): the queue holds one per TTL write.
#[derive(Clone, Copy, Debug)]
#[repr(C, packed(4))]
pub(crate) struct Expiry {
    pub at: f64,
    pub slot: u32,
}

impl Expiry {
    /// Earlier expiries first, then lower slots, so the order never depends on the heap's shape.
    #[inline]
    fn before(self, other: Expiry) -> bool {
        // Fields of a packed struct are copied out, never borrowed in place.
        let (a, b) = ((self.at, self.slot), (other.at, other.slot));
        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)) == Ordering::Less
    }
}

const NONE: Expiry = Expiry { at: 0.0, slot: 0 };

/// Expiries, the earliest on top.
#[derive(Debug)]
pub(crate) struct ExpiryQueue {
    heap: Chunked<Expiry>,
}

impl ExpiryQueue {
    pub fn new() -> Self {
        ExpiryQueue {
            heap: Chunked::new(NONE),
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// The earliest expiry.
    #[inline]
    pub fn peek(&self) -> Option<Expiry> {
        if self.heap.is_empty() {
            return None;
        }
        self.heap.get(0).copied()
    }

    pub fn push(&mut self, e: Expiry) {
        self.heap.push(e);
        if let Some(last) = self.heap.len().checked_sub(1) {
            self.sift_up(last);
        }
    }

    /// Removes and returns the earliest expiry.
    pub fn pop(&mut self) -> Option<Expiry> {
        let top = self.peek()?;
        let last = self.heap.pop()?;
        if !self.heap.is_empty() {
            self.set(0, last);
            self.sift_down(0);
        }
        Some(top)
    }

    /// Replaces the contents with `items`, in O(n).
    pub fn rebuild(&mut self, items: impl Iterator<Item = Expiry>) {
        self.heap.clear();
        for e in items {
            self.heap.push(e);
        }
        for i in (0..self.heap.len() / 2).rev() {
            self.sift_down(i);
        }
    }

    pub fn clear(&mut self) {
        self.heap.clear();
    }

    #[inline]
    fn at(&self, i: usize) -> Expiry {
        self.heap.get(i).copied().unwrap_or(NONE)
    }

    #[inline]
    fn set(&mut self, i: usize, e: Expiry) {
        if let Some(x) = self.heap.get_mut(i) {
            *x = e;
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        let e = self.at(i);
        while i > 0 {
            let parent = (i - 1) / 2;
            let p = self.at(parent);
            if !e.before(p) {
                break;
            }
            self.set(i, p);
            i = parent;
        }
        self.set(i, e);
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        let e = self.at(i);
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            let mut child = left;
            if left + 1 < n && self.at(left + 1).before(self.at(left)) {
                child = left + 1;
            }
            let c = self.at(child);
            if !c.before(e) {
                break;
            }
            self.set(i, c);
            i = child;
        }
        self.set(i, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &mut ExpiryQueue) -> Vec<(f64, u32)> {
        std::iter::from_fn(|| q.pop().map(|e| (e.at, e.slot))).collect()
    }

    #[test]
    fn pops_in_expiry_then_slot_order_across_chunks() {
        // A seeded shuffle of 5000 expiries with ties, more than four chunks' worth.
        let mut seed = 0x9e37_79b9_u32;
        let mut items: Vec<(f64, u32)> = (0..5000u32)
            .map(|slot| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (f64::from(seed % 700), slot)
            })
            .collect();
        let mut q = ExpiryQueue::new();
        for &(at, slot) in &items {
            q.push(Expiry { at, slot });
        }
        assert_eq!(q.len(), 5000);
        items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(drain(&mut q), items);
        assert!(q.peek().is_none());
        assert!(q.pop().is_none());
    }

    #[test]
    fn interleaved_pushes_and_pops_match_a_sorted_list() {
        let mut q = ExpiryQueue::new();
        let mut model: Vec<(f64, u32)> = Vec::new();
        let mut seed = 12345u32;
        for step in 0..20_000u32 {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            if seed % 3 == 0 {
                model.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want = (!model.is_empty()).then(|| model.remove(0));
                assert_eq!(q.pop().map(|e| (e.at, e.slot)), want, "step {step}");
            } else {
                let e = (f64::from(seed >> 20) + 0.5, step);
                model.push(e);
                q.push(Expiry { at: e.0, slot: e.1 });
            }
            assert_eq!(q.len(), model.len());
        }
    }

    #[test]
    fn rebuild_replaces_the_contents_and_keeps_the_order() {
        let mut q = ExpiryQueue::new();
        for slot in 0..3000 {
            q.push(Expiry { at: 1.0, slot });
        }
        q.rebuild((0..1500u32).rev().map(|slot| Expiry {
            at: f64::from(slot % 10),
            slot,
        }));
        assert_eq!(q.len(), 1500);
        let mut want: Vec<(f64, u32)> = (0..1500u32).map(|s| (f64::from(s % 10), s)).collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(drain(&mut q), want);
    }
}
