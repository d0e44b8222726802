//! The hash index: an open-addressing table of slots, probed linearly from each hash's home.
//!
//! The table need not be a power of two: a hash's home is found by multiplying (Lemire's
//! fast range), so a full cache's table is sized to its bound at a load of 1/3.
//!
//! A bucket is 4 bytes: the slot number in the low 24 bits, the top 4 bits of the key hash as
//! a tag above it, and on top the entry's distance from its home bucket (saturating at 15).
//! A probe at distance k from its home can skip every bucket whose distance is not k or whose
//! tag differs, so it reads a slot's full hash only for about one bucket in 32; a removal
//! shifts later entries back using their distances alone, without reading their hashes. Several
//! slots may share a hash: they are all found along the probe sequence, and a lookup walks
//! them in order. The table never holds tombstones and lookups stop at the first empty bucket.

use super::slab::NIL;

/// The most slots a table can address: 2^24 − 1 (the all-ones bucket marks an empty one).
pub(crate) const MAX_SLOTS: u32 = (1 << 24) - 1;
const SLOT_MASK: u32 = (1 << 24) - 1;
const TAG_MASK: u32 = 0xf << 24;
/// The largest distance a bucket records; farther entries record this and are checked in full.
const FAR: usize = 15;

/// The bucket of `slot` with `hash` at `dist` buckets from its home.
#[inline]
fn bucket(hash: u32, slot: u32, dist: usize) -> u32 {
    with_dist(((hash >> 4) & TAG_MASK) | (slot & SLOT_MASK), dist)
}

/// Bucket `b` with its recorded distance replaced by `dist`.
#[inline]
fn with_dist(b: u32, dist: usize) -> u32 {
    ((dist.min(FAR) as u32) << 28) | (b & (TAG_MASK | SLOT_MASK))
}

/// The distance a bucket records.
#[inline]
fn dist_of(b: u32) -> usize {
    (b >> 28) as usize
}

/// What a bucket's top byte must be to hold `hash` at `dist` from its home (before the full
/// hash is compared).
#[inline]
fn probe_key(hash: u32, dist: usize) -> u32 {
    bucket(hash, 0, dist) >> 24
}

/// The table never fills beyond 1/3. A lookup of an absent hash reads buckets up to the first
/// empty one: about 1.6 on average at 1/3, against 2.5 at 1/2 (a lookup that finds its hash,
/// 1.25 against 1.5), for 4 more bytes of table per entry.
const LOAD_NUM: usize = 1;
const LOAD_DEN: usize = 3;

/// Slots by key hash.
#[derive(Debug)]
pub(crate) struct Index {
    table: Vec<u32>,
    /// Buckets in `table`.
    n: usize,
    /// The most buckets the table will grow to: enough for `max` entries at full load.
    max_buckets: usize,
    len: usize,
}

/// The home bucket of `hash` in a table of `n` buckets. The hash is mixed first, so that the
/// home does not follow the top bits that form the tag.
#[inline]
fn home(hash: u32, n: usize) -> usize {
    ((u64::from(hash.wrapping_mul(0x9e37_79b1)) * n as u64) >> 32) as usize
}

/// Buckets for `entries` at full load.
fn buckets_for(entries: usize) -> usize {
    (entries.max(6) * LOAD_DEN).div_ceil(LOAD_NUM) + 1
}

impl Index {
    /// An empty index sized for `expected` entries that will hold at most `max`.
    pub fn new(expected: usize, max: usize) -> Self {
        let max_buckets = buckets_for(max);
        let n = buckets_for(expected).min(max_buckets);
        Index {
            table: vec![NIL; n],
            n,
            max_buckets,
            len: 0,
        }
    }

    #[inline]
    fn step(&self, i: usize) -> usize {
        if i + 1 >= self.n {
            0
        } else {
            i + 1
        }
    }

    /// How far bucket `to` lies after bucket `from` along the probe order.
    #[inline]
    fn dist(&self, from: usize, to: usize) -> usize {
        if to >= from {
            to - from
        } else {
            to + self.n - from
        }
    }

    /// The buckets, for callers that probe the table themselves (the JS fast path reads
    /// them from WebAssembly memory). Empty buckets hold NIL; others the distance from home,
    /// the tag and the slot.
    pub fn buckets_slice(&self) -> &[u32] {
        &self.table
    }

    /// Entries held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Buckets allocated.
    #[cfg(test)]
    pub fn buckets(&self) -> usize {
        self.table.len()
    }

    /// The first slot at or after bucket `from` along `hash`'s probe sequence whose node has
    /// `hash`, with its bucket; NIL when the sequence ends first.
    #[inline]
    pub fn find_from(&self, hash: u32, from: usize, hash_of: impl Fn(u32) -> u32) -> (usize, u32) {
        let i = if from >= self.n { 0 } else { from };
        self.scan(hash, i, self.dist(home(hash, self.n), i), hash_of)
    }

    /// Probes from bucket `i`, which lies `k` buckets after `hash`'s home.
    #[inline]
    fn scan(
        &self,
        hash: u32,
        mut i: usize,
        mut k: usize,
        hash_of: impl Fn(u32) -> u32,
    ) -> (usize, u32) {
        let mut want = probe_key(hash, k);
        loop {
            match self.table.get(i) {
                Some(&b) if b != NIL => {
                    let slot = b & SLOT_MASK;
                    if b >> 24 == want && hash_of(slot) == hash {
                        return (i, slot);
                    }
                }
                _ => return (i, NIL),
            }
            i = self.step(i);
            if k < FAR {
                k += 1;
                want = probe_key(hash, k);
            }
        }
    }

    /// The first slot for `hash` and its bucket; NIL when there is none.
    #[inline]
    pub fn first(&self, hash: u32, hash_of: impl Fn(u32) -> u32) -> (usize, u32) {
        self.scan(hash, home(hash, self.n), 0, hash_of)
    }

    /// The next slot for `hash` after the one at bucket `pos`.
    #[inline]
    pub fn next(&self, hash: u32, pos: usize, hash_of: impl Fn(u32) -> u32) -> (usize, u32) {
        self.find_from(hash, self.step(pos), hash_of)
    }

    /// The bucket that holds `slot`, whose node has `hash`.
    pub fn position(&self, hash: u32, slot: u32) -> Option<usize> {
        let mut i = home(hash, self.n);
        loop {
            match self.table.get(i) {
                Some(&b) if b & SLOT_MASK == slot && b != NIL => return Some(i),
                Some(&b) if b != NIL => {}
                _ => return None,
            }
            i = self.step(i);
        }
    }

    /// Adds `slot` under `hash`, growing the table first when it would pass its load.
    pub fn insert(&mut self, hash: u32, slot: u32, hash_of: impl Fn(u32) -> u32) {
        if (self.len + 1) * LOAD_DEN > self.table.len() * LOAD_NUM {
            self.grow(&hash_of);
        }
        self.place(hash, slot);
        self.len += 1;
    }

    fn place(&mut self, hash: u32, slot: u32) {
        let mut i = home(hash, self.n);
        let n = self.n;
        let mut k = 0;
        while let Some(b) = self.table.get_mut(i) {
            if *b == NIL {
                *b = bucket(hash, slot, k);
                return;
            }
            i = if i + 1 >= n { 0 } else { i + 1 };
            k += 1;
        }
    }

    fn grow(&mut self, hash_of: &impl Fn(u32) -> u32) {
        let needed = buckets_for(self.len + 1);
        let buckets = (self.n * 2).min(self.max_buckets).max(needed);
        let old = std::mem::replace(&mut self.table, vec![NIL; buckets]);
        self.n = buckets;
        for b in old.into_iter().filter(|b| *b != NIL) {
            let slot = b & SLOT_MASK;
            self.place(hash_of(slot), slot);
        }
    }

    /// Removes `slot`, whose node has `hash`; later entries of the run shift back.
    pub fn remove(&mut self, hash: u32, slot: u32, hash_of: impl Fn(u32) -> u32) {
        let Some(mut hole) = self.position(hash, slot) else {
            return;
        };
        self.len = self.len.saturating_sub(1);
        let n = self.n;
        let mut j = hole;
        loop {
            j = self.step(j);
            let Some(&b) = self.table.get(j) else { break };
            if b == NIL {
                break;
            }
            // The entry at j may fill the hole when the hole lies between its home and j.
            let mut d = dist_of(b);
            if d == FAR {
                d = self.dist(home(hash_of(b & SLOT_MASK), n), j);
            }
            let gap = self.dist(hole, j);
            if d >= gap {
                if let Some(at) = self.table.get_mut(hole) {
                    *at = with_dist(b, d - gap);
                }
                hole = j;
            }
        }
        if let Some(b) = self.table.get_mut(hole) {
            *b = NIL;
        }
    }

    /// Removes every entry, keeping the buckets.
    pub fn clear(&mut self) {
        self.table.fill(NIL);
        self.len = 0;
    }

    /// Checks that every bucket records its entry's distance from home; for tests.
    #[cfg(test)]
    pub fn check_distances(&self, hash_of: impl Fn(u32) -> u32) {
        for (i, &b) in self.table.iter().enumerate() {
            if b != NIL {
                let d = self.dist(home(hash_of(b & SLOT_MASK), self.n), i);
                assert_eq!(dist_of(b), d.min(FAR), "bucket {i} records its distance");
                assert_eq!(
                    b & TAG_MASK,
                    (hash_of(b & SLOT_MASK) >> 4) & TAG_MASK,
                    "bucket {i} tag"
                );
            }
        }
    }

    /// Every slot held, in bucket order.
    #[cfg(test)]
    pub fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.table
            .iter()
            .copied()
            .filter(|b| *b != NIL)
            .map(|b| b & SLOT_MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn finds_every_slot_of_a_hash_and_survives_removals() {
        // Slot s has hash s % 7, so every hash has many slots and runs overlap.
        let hash_of = |s: u32| s % 7;
        let mut ix = Index::new(4, 1000);
        let mut live: HashMap<u32, Vec<u32>> = HashMap::new();
        for s in 0..200u32 {
            ix.insert(hash_of(s), s, hash_of);
            live.entry(hash_of(s)).or_default().push(s);
        }
        for s in (0..200u32).filter(|s| s % 3 == 0) {
            ix.remove(hash_of(s), s, hash_of);
            live.get_mut(&hash_of(s)).unwrap().retain(|x| *x != s);
        }
        ix.check_distances(hash_of);
        assert_eq!(ix.len(), live.values().map(Vec::len).sum::<usize>());
        for (h, want) in &live {
            let mut got = Vec::new();
            let (mut pos, mut slot) = ix.first(*h, hash_of);
            while slot != NIL {
                got.push(slot);
                (pos, slot) = ix.next(*h, pos, hash_of);
            }
            got.sort_unstable();
            let mut want = want.clone();
            want.sort_unstable();
            assert_eq!(got, want, "hash {h}");
        }
        assert_eq!(ix.first(99, hash_of).1, NIL);
    }

    #[test]
    fn grows_past_its_load_and_clears() {
        let hash_of = |s: u32| s.wrapping_mul(2_654_435_761);
        let mut ix = Index::new(8, 100_000);
        let start = ix.buckets();
        for s in 0..10_000 {
            ix.insert(hash_of(s), s, hash_of);
        }
        assert!(ix.buckets() > start);
        assert!(ix.len() * 4 <= ix.buckets() * 3);
        for s in 0..10_000 {
            assert_eq!(ix.first(hash_of(s), hash_of).1, s);
        }
        ix.clear();
        assert_eq!(ix.len(), 0);
        assert_eq!(ix.slots().count(), 0);
    }
}
