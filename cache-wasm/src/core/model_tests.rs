//! Property tests of the store against a plain LRU reference model, and unit tests of the store.
//!
//! The driver uses the store as the JS wrapper (`js/cache.js`) does: it keeps keys and values in
//! arrays indexed by slot, walks hash chains with `get`/`get_next` and `peek`/`peek_next`, calls
//! `insert` only for keys it found absent and `update` for present ones, and after a write,
//! `size` or `keys()` drops its key and value for every slot `take_freed()` lists. Keys map to a
//! few hashes on purpose, so chains are long and tentative hits are undone often.
//!
//! The reference model is a list of entries, most recently used first. Entries that expired stay
//! in it until the store removes them: which expired entries a write purges is the store's
//! choice (its expiry heap's order), so the model takes that set from what the write freed and
//! checks that only expired entries went that way. Every other removal is predicted: chain walks
//! of `get` remove the expired candidates they pass, and a write evicts the least recently used
//! live entries, for entries first and then for bytes, and never while an expired entry is held.
//!
//! For a policy other than LRU the evictions of live entries are taken from the store instead of
//! predicted, and only the properties that hold for any policy are checked.

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use super::config::{PolicyKind, Settings};
use super::policy::Policy;
use super::slab::NIL;
use super::store::{micros, Counts, RemovalCause, Store, StoreError, MISSED, WRITTEN};

/// Hashes the keys map to; key `k` gets `HASHES[k % hashes]`. Includes 0 and `u32::MAX`.
const HASHES: [u32; 8] = [
    0x9e37_79b9,
    0,
    u32::MAX,
    1,
    0x8000_0000,
    0x7fff_ffff,
    0x1234_5678,
    0xdead_beef,
];

/// A small, seeded PRNG (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One generated cache and key space.
#[derive(Clone, Copy, Debug)]
struct Cfg {
    policy: PolicyKind,
    /// Whether evictions of live entries are predicted (LRU) or only checked for legality.
    exact: bool,
    max_entries: u32,
    max_bytes: u64,
    keys: u32,
    hashes: u32,
    start: f64,
}

impl Cfg {
    fn hash(&self, key: u32) -> u32 {
        HASHES[(key % self.hashes) as usize]
    }

    fn settings(&self) -> Settings {
        Settings {
            max_entries: self.max_entries,
            max_bytes: self.max_bytes,
            policy: self.policy,
            ..Settings::default()
        }
    }

    fn too_large(&self, size: u32) -> bool {
        self.max_bytes > 0 && u64::from(size) > self.max_bytes
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// A get; with `stray`, a `get_next` of a wrong slot is slipped in after every step of the
    /// chain walk, and must change nothing.
    Get {
        key: u32,
        stray: bool,
    },
    Peek(u32),
    Set {
        key: u32,
        size: u32,
        ttl: f64,
    },
    Delete(u32),
    /// A size estimated after the entry was stored (`setSizes`); nothing happens to a key
    /// that is absent.
    SetSize {
        key: u32,
        size: u32,
    },
    /// Moves the clock forward by this many ms.
    Advance(f64),
    /// Moves the clock to the earliest expiry still ahead, so that `now == expires_at`.
    AdvanceToExpiry,
    /// `size`/`bytes`: purges every expired entry, then reads the count.
    Size,
    /// `keys()`: purges every expired entry, then lists the keys most recent first.
    Keys,
    Clear,
}

fn generate(seed: u64, policy: PolicyKind, exact: bool) -> (Cfg, Vec<Op>) {
    let mut r = Rng(seed);
    let max_entries = 1 + r.below(8) as u32;
    let max_bytes = if r.percent(50) { 0 } else { 1 + r.below(150) };
    let keys = r.pick(&[1, 2, 3, 4, 6, 8, 12, 16, 64]);
    let hashes = if keys == 64 { 8 } else { r.pick(&[1, 2, 3, 8]) };
    let ttl_percent = r.pick(&[0, 20, 50, 90]);
    let halves = r.percent(20);
    let start = r.pick(&[0.0, 1_000.0, 1_700_000_000_000.0]);
    let cfg = Cfg {
        policy,
        exact,
        max_entries,
        max_bytes,
        keys,
        hashes,
        start,
    };
    let hot = keys.min(max_entries + 2);
    let len = 20 + r.below(281) as usize;
    // Churn sequences write many entries with a few common TTLs and then jump the clock, so
    // that writes often meet more expired entries than they purge in one go.
    let churn = r.percent(35);
    let max_size = r.pick(&[5, 10, 20, 50]);
    let ttls: [u64; 3] = [1 + r.below(100), 1 + r.below(100), 1 + r.below(100)];
    // Upper bounds of the op kinds' ranges out of 100, in the order of the match below.
    let weights: [u64; 10] = if churn {
        [25, 72, 76, 79, 82, 92, 96, 97, 99, 100]
    } else {
        [34, 62, 66, 73, 79, 89, 92, 94, 99, 100]
    };
    let size = |r: &mut Rng| {
        if max_bytes > 0 && r.percent(10) {
            // At the byte bound, or one over it.
            (max_bytes as u32).min(49) + r.below(2) as u32
        } else {
            r.below(max_size + 1) as u32
        }
    };
    let key = |r: &mut Rng| {
        if r.percent(60) {
            r.below(u64::from(hot)) as u32
        } else {
            r.below(u64::from(keys)) as u32
        }
    };
    let ops = (0..len)
        .map(|_| {
            let roll = r.below(100);
            match weights.iter().position(|w| roll < *w).unwrap() {
                0 => Op::Get {
                    key: key(&mut r),
                    stray: r.percent(10),
                },
                1 => {
                    let k = key(&mut r);
                    let size = size(&mut r);
                    let ttl = if churn && r.percent(90) {
                        r.pick(&ttls) as f64
                    } else if r.percent(ttl_percent) {
                        1.0 + r.below(100) as f64
                    } else {
                        0.0
                    };
                    Op::Set { key: k, size, ttl }
                }
                2 => Op::SetSize {
                    key: key(&mut r),
                    size: size(&mut r),
                },
                3 => Op::Delete(key(&mut r)),
                4 => Op::Peek(key(&mut r)),
                5 => {
                    let step = match r.below(20) {
                        0..=13 if !churn => r.below(5),
                        0..=9 => r.below(5),
                        10..=16 => r.below(40),
                        _ => 100 + r.below(100),
                    } as f64;
                    Op::Advance(if halves && r.percent(50) {
                        step + 0.5
                    } else {
                        step
                    })
                }
                6 => Op::AdvanceToExpiry,
                7 => Op::Size,
                8 => Op::Keys,
                _ => Op::Clear,
            }
        })
        .collect();
    (cfg, ops)
}

/// One entry of the reference model.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u32,
    value: u64,
    size: u32,
    expires_at: f64,
    /// The store slot the entry is held in (the model checks, it does not choose).
    slot: u32,
    /// Insertion order; hash chains list the newest insert first.
    seq: u64,
    read: bool,
}

impl Entry {
    fn dead(&self, now: f64) -> bool {
        now >= self.expires_at
    }
}

/// The reference: entries most recently used first, with the counts the store should show.
struct Model {
    cfg: Cfg,
    entries: Vec<Entry>,
    counts: Counts,
    seq: u64,
}

fn count(counts: &mut Counts, cause: RemovalCause, by: u64) {
    counts.removals[cause as usize] += by;
}

impl Model {
    fn new(cfg: Cfg) -> Self {
        Model {
            cfg,
            entries: Vec::new(),
            counts: Counts::default(),
            seq: 0,
        }
    }

    fn bytes(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.size)).sum()
    }

    fn at_slot(&self, slot: u32) -> Option<usize> {
        self.entries.iter().position(|e| e.slot == slot)
    }

    fn any_dead(&self, now: f64) -> bool {
        self.entries.iter().any(|e| e.dead(now))
    }

    /// The live entry for `key`; there is at most one.
    fn live(&self, key: u32, now: f64) -> Option<Entry> {
        let mut found = self.entries.iter().filter(|e| e.key == key && !e.dead(now));
        let first = found.next().copied();
        assert!(
            found.next().is_none(),
            "model holds two live entries of {key}"
        );
        first
    }

    fn remove_at(&mut self, i: usize, cause: RemovalCause) -> Entry {
        let e = self.entries.remove(i);
        count(&mut self.counts, cause, 1);
        if cause == RemovalCause::Expired && !e.read {
            self.counts.expired_unread += 1;
        }
        e
    }

    fn note_ttl(&mut self, ttl: f64) {
        if ttl > 0.0 {
            self.counts.ttl_sets += 1;
            self.counts.ttl_sum_us += u128::from(micros(ttl));
        }
    }

    fn expiry(ttl: f64, now: f64) -> f64 {
        if ttl > 0.0 {
            now + ttl
        } else {
            f64::INFINITY
        }
    }

    /// A get: walks the chain newest insert first, removing the expired candidates it passes,
    /// and refreshes the entry of `key` when it reaches it.
    fn get(&mut self, key: u32, now: f64) -> Option<Entry> {
        self.counts.gets += 1;
        let hash = self.cfg.hash(key);
        let mut chain: Vec<(u64, u32)> = self
            .entries
            .iter()
            .filter(|e| self.cfg.hash(e.key) == hash)
            .map(|e| (e.seq, e.slot))
            .collect();
        chain.sort_unstable_by(|a, b| b.cmp(a));
        for (_, slot) in chain {
            let i = self.at_slot(slot).unwrap();
            // The store may purge the expired entries it meets; the driver removes those.
            if self.entries[i].dead(now) {
                continue;
            }
            if self.entries[i].key == key {
                let mut e = self.entries.remove(i);
                e.read = true;
                self.counts.hits += 1;
                if e.expires_at.is_finite() {
                    self.counts.ttl_hits += 1;
                    self.counts.ttl_remaining_sum_us += u128::from(micros(e.expires_at - now));
                }
                self.entries.insert(0, e);
                return Some(e);
            }
        }
        self.counts.misses += 1;
        None
    }

    /// Applies the removals of one write. `removed` are the slots the write freed, as the store
    /// reports them; `incoming` is the size the write still adds and `keep` the slot it wrote.
    fn resolve_write(
        &mut self,
        removed: &[u32],
        now: f64,
        inserting: bool,
        incoming: u64,
        keep: u32,
    ) {
        let mut evicted: Vec<u32> = Vec::new();
        for &slot in removed {
            assert_ne!(slot, keep, "the write freed the slot it wrote");
            let i = self
                .at_slot(slot)
                .unwrap_or_else(|| panic!("the write freed slot {slot}, which held no entry"));
            if self.entries[i].dead(now) {
                // Purged; which expired entries a write purges is the store's choice.
                self.remove_at(i, RemovalCause::Expired);
            } else {
                evicted.push(slot);
            }
        }
        if !evicted.is_empty() {
            assert!(
                !self.any_dead(now),
                "live entries {evicted:?} were evicted while an expired one is still held"
            );
        }
        evicted.sort_unstable();
        if self.cfg.exact {
            let mut predicted: Vec<u32> = Vec::new();
            let max_entries = self.cfg.max_entries as usize;
            while inserting && self.entries.len() >= max_entries {
                let i = self.entries.len() - 1;
                assert!(
                    !self.entries[i].dead(now),
                    "LRU would evict an expired entry"
                );
                predicted.push(self.remove_at(i, RemovalCause::Capacity).slot);
            }
            while self.cfg.max_bytes > 0 && self.bytes() + incoming > self.cfg.max_bytes {
                // The least recent entry other than the one written.
                let i = self
                    .entries
                    .iter()
                    .rposition(|e| e.slot != keep)
                    .expect("an entry within the byte bound is over it alone");
                assert!(
                    !self.entries[i].dead(now),
                    "LRU would evict an expired entry"
                );
                predicted.push(self.remove_at(i, RemovalCause::Bytes).slot);
            }
            predicted.sort_unstable();
            assert_eq!(evicted, predicted, "evicted slots (store vs LRU)");
        } else {
            let cap_needed = if inserting {
                (self.entries.len() + 1).saturating_sub(self.cfg.max_entries as usize)
            } else {
                0
            };
            assert!(
                evicted.len() >= cap_needed,
                "{} evicted, {cap_needed} needed for entries",
                evicted.len()
            );
            for slot in &evicted {
                let i = self.at_slot(*slot).unwrap();
                self.entries.remove(i);
            }
            count(&mut self.counts, RemovalCause::Capacity, cap_needed as u64);
            count(
                &mut self.counts,
                RemovalCause::Bytes,
                (evicted.len() - cap_needed) as u64,
            );
        }
    }
}

/// The store driven as the JS wrapper (`js/cache.js`) drives it, beside the model.
struct Harness {
    cfg: Cfg,
    store: Store,
    model: Model,
    /// The caller's key and value arrays, indexed by slot.
    keys: Vec<Option<u32>>,
    values: Vec<Option<u64>>,
    /// The last value set for each key.
    last_set: HashMap<u32, u64>,
    now: f64,
    next_value: u64,
}

impl Harness {
    fn new(cfg: Cfg) -> Self {
        Harness {
            cfg,
            store: Store::new(&cfg.settings()),
            model: Model::new(cfg),
            keys: Vec::new(),
            values: Vec::new(),
            last_set: HashMap::new(),
            now: cfg.start,
            next_value: 1,
        }
    }

    fn key_at(&self, slot: u32) -> Option<u32> {
        self.keys.get(slot as usize).copied().flatten()
    }

    /// Checks a candidate slot the store handed out for `hash`.
    fn candidate(&self, slot: u32, hash: u32) {
        assert_eq!(self.store.hash_at(slot), Some(hash), "candidate {slot}");
        let expires_at = self.store.expires_at(slot).unwrap();
        assert!(
            self.now < expires_at,
            "candidate {slot} expired at {expires_at}, now {}",
            self.now
        );
        assert!(
            self.key_at(slot).is_some(),
            "candidate {slot} is a slot the caller holds no key for"
        );
    }

    /// The wrapper's lookup without effect: `peek` then `peek_next` until the key matches.
    fn find(&self, key: u32) -> u32 {
        let hash = self.cfg.hash(key);
        let mut slot = self.store.peek(hash, self.now);
        while slot != NIL {
            self.candidate(slot, hash);
            if self.key_at(slot) == Some(key) {
                break;
            }
            slot = self.store.peek_next(slot, self.now);
        }
        slot
    }

    /// Calls `get_next` with a slot other than the pending candidate: it must return NIL and
    /// leave the counts and the order as they are.
    fn stray_get_next(&mut self, pending: u32) {
        let counts = self.store.counts().clone();
        let order = self.store.slots_by_recency();
        assert_eq!(
            self.store.get_next(pending ^ 1, self.now),
            NIL,
            "stray get_next"
        );
        assert_eq!(
            self.store.counts(),
            &counts,
            "stray get_next changed the counts"
        );
        assert_eq!(
            self.store.slots_by_recency(),
            order,
            "stray get_next moved entries"
        );
    }

    /// Drops the caller's key and value of every slot the store lists as freed.
    fn release(&mut self) {
        for slot in self.store.take_freed() {
            if let Some(k) = self.keys.get_mut(slot as usize) {
                *k = None;
            }
            if let Some(v) = self.values.get_mut(slot as usize) {
                *v = None;
            }
        }
    }

    /// The entries a write removed: the listed freed slots that the model still holds (the
    /// others were freed earlier, by a get), and the slot an insert handed back when it held
    /// an entry before the write.
    fn removed_by_write(&self, freed_before: &[u32], handed_back: u32) -> Vec<u32> {
        let mut removed = Vec::new();
        for &slot in self.store.freed() {
            assert_ne!(slot, handed_back, "a write lists the slot it handed back");
            if self.model.at_slot(slot).is_some() {
                removed.push(slot);
            } else {
                assert!(
                    freed_before.contains(&slot),
                    "freed slot {slot} held no entry"
                );
            }
        }
        if handed_back != NIL && self.model.at_slot(handed_back).is_some() {
            removed.push(handed_back);
        }
        removed
    }

    fn step(&mut self, op: Op) {
        let now = self.now;
        match op {
            Op::Get { key, stray } => {
                let expected = self.model.get(key, now);
                let hash = self.cfg.hash(key);
                let freed_before = self.store.freed().to_vec();
                let mut slot = self.store.get(hash, now);
                if stray {
                    self.stray_get_next(slot);
                }
                while slot != NIL {
                    self.candidate(slot, hash);
                    if self.key_at(slot) == Some(key) {
                        break;
                    }
                    slot = self.store.get_next(slot, now);
                    if stray {
                        self.stray_get_next(slot);
                    }
                }
                let got = (slot != NIL).then(|| self.values[slot as usize].unwrap());
                assert_eq!(got, expected.map(|e| e.value), "get {key}");
                // A get purges only expired entries of the same hash that it met.
                let purged: Vec<u32> = self
                    .store
                    .freed()
                    .iter()
                    .copied()
                    .filter(|s| !freed_before.contains(s))
                    .collect();
                for s in purged {
                    let i = self
                        .model
                        .at_slot(s)
                        .expect("a get freed a slot the model holds");
                    let e = &self.model.entries[i];
                    assert!(e.dead(now), "a get purged live slot {s}");
                    assert_eq!(self.cfg.hash(e.key), hash, "a get purged another hash");
                    self.model.remove_at(i, RemovalCause::Expired);
                }
                if let Some(e) = expected {
                    assert_eq!(slot, e.slot, "get {key}: slot");
                    assert_eq!(Some(e.value), self.last_set.get(&key).copied());
                }
            }
            Op::Peek(key) => {
                let slot = self.find(key);
                let expected = self.model.live(key, now);
                assert_eq!(
                    (slot != NIL).then_some(slot),
                    expected.map(|e| e.slot),
                    "peek {key}"
                );
                if let Some(e) = expected {
                    assert_eq!(self.values[slot as usize], Some(e.value));
                    assert_eq!(Some(e.value), self.last_set.get(&key).copied());
                }
            }
            Op::Set { key, size, ttl } => self.set(key, size, ttl),
            Op::SetSize { key, size } => self.set_size(key, size),
            Op::Delete(key) => {
                let slot = self.find(key);
                let expected = self.model.live(key, now);
                assert_eq!((slot != NIL).then_some(slot), expected.map(|e| e.slot));
                self.model.counts.deletes += 1;
                if slot == NIL {
                    assert_eq!(self.store.delete(slot), Err(StoreError::NoSuchSlot));
                    self.store.delete_missing();
                } else {
                    self.store.delete(slot).unwrap();
                    assert_eq!(
                        self.store.freed().last(),
                        Some(&slot),
                        "delete lists its slot"
                    );
                    let i = self.model.at_slot(slot).unwrap();
                    self.model.remove_at(i, RemovalCause::Deleted);
                }
                if !self.store.freed().is_empty() {
                    self.release();
                }
            }
            Op::Advance(ms) => self.now += ms,
            Op::AdvanceToExpiry => {
                let next = self
                    .model
                    .entries
                    .iter()
                    .map(|e| e.expires_at)
                    .filter(|at| *at > now)
                    .fold(f64::INFINITY, f64::min);
                if next.is_finite() {
                    self.now = next;
                }
            }
            Op::Size | Op::Keys => {
                let freed_before = self.store.freed().to_vec();
                self.store.purge_all_expired(now);
                let mut freed = self.store.freed().to_vec();
                freed.retain(|s| !freed_before.contains(s));
                let mut dead: Vec<u32> = Vec::new();
                while let Some(i) = self.model.entries.iter().position(|e| e.dead(now)) {
                    dead.push(self.model.remove_at(i, RemovalCause::Expired).slot);
                }
                freed.sort_unstable();
                dead.sort_unstable();
                assert_eq!(freed, dead, "purge_all_expired frees the expired slots");
                assert_eq!(self.store.len() as usize, self.model.entries.len());
                let slots = self.store.slots_by_recency();
                for limit in [0, 1, slots.len() / 2, slots.len(), slots.len() + 3] {
                    let first = &slots[..limit.min(slots.len())];
                    assert_eq!(
                        self.store.most_recent(limit),
                        first,
                        "keys({limit}), the most recent first"
                    );
                }
                self.release();
                if op == Op::Keys {
                    let keys: Vec<Option<u32>> = slots.iter().map(|s| self.key_at(*s)).collect();
                    let mut expected: Vec<Option<u32>> =
                        self.model.entries.iter().map(|e| Some(e.key)).collect();
                    if self.cfg.exact {
                        assert_eq!(keys, expected, "keys(), most recent first");
                    } else {
                        let mut keys = keys;
                        keys.sort_unstable();
                        expected.sort_unstable();
                        assert_eq!(keys, expected, "keys()");
                    }
                }
            }
            Op::Clear => {
                self.store.clear(now);
                // Entries already expired leave as expired; the live ones are cleared.
                while let Some(i) = self.model.entries.iter().position(|e| e.dead(now)) {
                    self.model.remove_at(i, RemovalCause::Expired);
                }
                let n = self.model.entries.len() as u64;
                count(&mut self.model.counts, RemovalCause::Cleared, n);
                self.model.entries.clear();
                self.keys.clear();
                self.values.clear();
            }
        }
        self.check();
    }

    fn set(&mut self, key: u32, size: u32, ttl: f64) {
        let now = self.now;
        let hash = self.cfg.hash(key);
        let value = self.next_value;
        self.next_value += 1;
        let slot = self.find(key);
        let expected = self.model.live(key, now);
        assert_eq!((slot != NIL).then_some(slot), expected.map(|e| e.slot));
        assert!(key < self.cfg.keys);
        let too_large = self.cfg.too_large(size);
        let freed_before = self.store.freed().to_vec();
        let snapshot = |store: &Store| {
            (
                store.counts().clone(),
                store.slots_by_recency(),
                store.bytes(),
            )
        };
        let before = too_large.then(|| snapshot(&self.store));
        if slot != NIL {
            let result = self.store.update(slot, size, ttl, now);
            if too_large {
                assert_eq!(result, Err(StoreError::TooLarge));
            } else {
                assert_eq!(result, Ok(()));
                let removed = self.removed_by_write(&freed_before, NIL);
                let i = self.model.at_slot(slot).unwrap();
                let mut e = self.model.entries.remove(i);
                e.value = value;
                e.size = size;
                e.expires_at = Model::expiry(ttl, now);
                e.read = false;
                self.model.entries.insert(0, e);
                self.model.counts.sets += 1;
                count(&mut self.model.counts, RemovalCause::Replaced, 1);
                self.model.note_ttl(ttl);
                self.model.resolve_write(&removed, now, false, 0, slot);
                self.values[slot as usize] = Some(value);
                if !self.store.freed().is_empty() {
                    self.release();
                }
            }
        } else {
            let result = self.store.insert(hash, size, ttl, now);
            if too_large {
                assert_eq!(result, Err(StoreError::TooLarge));
            } else {
                let slot = result.unwrap();
                let removed = self.removed_by_write(&freed_before, slot);
                self.model
                    .resolve_write(&removed, now, true, u64::from(size), NIL);
                self.model.seq += 1;
                self.model.entries.insert(
                    0,
                    Entry {
                        key,
                        value,
                        size,
                        expires_at: Model::expiry(ttl, now),
                        slot,
                        seq: self.model.seq,
                        read: false,
                    },
                );
                self.model.counts.sets += 1;
                self.model.note_ttl(ttl);
                // As the wrapper: store the key and value, then release the freed slots.
                if self.keys.len() <= slot as usize {
                    self.keys.resize(slot as usize + 1, None);
                    self.values.resize(slot as usize + 1, None);
                }
                self.keys[slot as usize] = Some(key);
                self.values[slot as usize] = Some(value);
                if !self.store.freed().is_empty() {
                    self.release();
                }
            }
        }
        if too_large {
            let after = snapshot(&self.store);
            assert_eq!(before, Some(after), "a refused set changed the store");
            assert_eq!(self.store.freed(), &freed_before[..]);
        } else {
            self.last_set.insert(key, value);
        }
    }

    /// A new size for the live entry of `key`: its recency stays, and under a byte bound the
    /// least recent other entries make room.
    fn set_size(&mut self, key: u32, size: u32) {
        let now = self.now;
        let slot = self.find(key);
        let expected = self.model.live(key, now);
        assert_eq!((slot != NIL).then_some(slot), expected.map(|e| e.slot));
        if slot == NIL {
            assert_eq!(
                self.store.set_size(slot, size, now),
                Err(StoreError::NoSuchSlot)
            );
            return;
        }
        let freed_before = self.store.freed().to_vec();
        let before = (self.store.counts().clone(), self.store.slots_by_recency());
        let result = self.store.set_size(slot, size, now);
        if self.cfg.too_large(size) {
            assert_eq!(result, Err(StoreError::TooLarge));
            let after = (self.store.counts().clone(), self.store.slots_by_recency());
            assert_eq!(before, after, "a refused size changed the store");
            return;
        }
        assert_eq!(result, Ok(()));
        let removed = self.removed_by_write(&freed_before, NIL);
        let i = self.model.at_slot(slot).unwrap();
        self.model.entries[i].size = size;
        self.model.resolve_write(&removed, now, false, 0, slot);
        if !self.store.freed().is_empty() {
            self.release();
        }
    }

    /// The checks made after every step.
    fn check(&self) {
        self.store.check_invariants();
        let m = &self.model;
        let len = m.entries.len() as u32;
        assert_eq!(self.store.len(), len, "entries");
        assert!(len <= self.cfg.max_entries, "entries over maxEntries");
        assert_eq!(self.store.bytes(), m.bytes(), "accounted bytes");
        if self.cfg.max_bytes > 0 {
            assert!(m.bytes() <= self.cfg.max_bytes, "bytes over maxBytes");
        }
        let with_ttl = m
            .entries
            .iter()
            .filter(|e| e.expires_at.is_finite())
            .count();
        assert_eq!(
            self.store.entries_with_ttl() as usize,
            with_ttl,
            "entries with a TTL"
        );
        let counts = self.store.counts();
        assert_eq!(counts, &m.counts, "counts");
        assert_eq!(
            counts.hits + counts.misses,
            counts.gets,
            "hits + misses = gets"
        );
        for &slot in self.store.freed() {
            assert!(
                self.store.hash_at(slot).is_none(),
                "freed slot {slot} is live"
            );
        }
        for e in &m.entries {
            assert_eq!(self.store.hash_at(e.slot), Some(self.cfg.hash(e.key)));
            assert_eq!(self.store.expires_at(e.slot), Some(e.expires_at));
            assert_eq!(self.key_at(e.slot), Some(e.key), "key at {}", e.slot);
            assert_eq!(self.values[e.slot as usize], Some(e.value));
            if !e.dead(self.now) {
                assert_eq!(self.last_set.get(&e.key), Some(&e.value), "last value");
            }
        }
        let held: Vec<u32> = m.entries.iter().map(|e| e.slot).collect();
        let mut order = self.store.slots_by_recency();
        if self.cfg.exact {
            assert_eq!(order, held, "MRU order");
        } else {
            let mut held = held;
            held.sort_unstable();
            order.sort_unstable();
            assert_eq!(order, held, "slots by recency");
        }
    }
}

thread_local! {
    /// Set while a sequence runs, so that the failures met while shrinking print nothing.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once, a panic hook that stays silent on a thread running a sequence.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs `ops`; on failure returns the index of the failing step and the message.
fn run(cfg: Cfg, ops: &[Op]) -> Result<(), (usize, String)> {
    quiet_panics();
    let mut h = Harness::new(cfg);
    for (i, op) in ops.iter().enumerate() {
        QUIET.with(|q| q.set(true));
        let result = catch_unwind(AssertUnwindSafe(|| h.step(*op)));
        QUIET.with(|q| q.set(false));
        result.map_err(|payload| {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            (i, msg)
        })?;
    }
    Ok(())
}

/// Shrinks a failing sequence by dropping ops while it still fails.
fn shrink(cfg: Cfg, ops: &[Op]) -> (Vec<Op>, String) {
    let Err((at, mut msg)) = run(cfg, ops) else {
        unreachable!("shrink needs a failing sequence")
    };
    let mut ops = ops[..=at].to_vec();
    let mut chunk = ops.len().div_ceil(2);
    while chunk > 0 {
        let mut i = 0;
        while i + chunk <= ops.len() {
            let mut shorter = ops.clone();
            shorter.drain(i..i + chunk);
            match run(cfg, &shorter) {
                Err((at, m)) => {
                    shorter.truncate(at + 1);
                    ops = shorter;
                    msg = m;
                }
                Ok(()) => i += chunk,
            }
        }
        chunk /= 2;
    }
    (ops, msg)
}

/// Whether `tinylfu` still runs the LRU policy, so that it must agree with LRU exactly.
fn tinylfu_is_lru() -> bool {
    format!("{:?}", Policy::new(PolicyKind::TinyLfu, 8)).starts_with("Lru")
}

/// Runs the sequences of `seeds`; returns how many ran, and how many ops.
fn check_seeds(policy: PolicyKind, exact: bool, seeds: std::ops::Range<u64>) -> (u64, u64) {
    let mut sequences = 0;
    let mut ops_run = 0;
    for seed in seeds {
        let (cfg, ops) = generate(seed, policy, exact);
        if run(cfg, &ops).is_err() {
            let (ops, msg) = shrink(cfg, &ops);
            panic!(
                "seed {seed} fails: {msg}\n{cfg:?}\nshrunk to {} ops:\n{ops:#?}",
                ops.len()
            );
        }
        sequences += 1;
        ops_run += ops.len() as u64;
    }
    eprintln!("{policy:?} (exact: {exact}): {sequences} sequences, {ops_run} ops");
    (sequences, ops_run)
}

/// Sequences per test: 2,000 (12,000 over the four LRU tests and two `tinylfu` tests), or as
/// many as `CACHE_MODEL_SEQUENCES` says, for a longer run:
/// `CACHE_MODEL_SEQUENCES=200000 cargo test --release -p cache-wasm --no-default-features model`.
fn sequences() -> u64 {
    super::env_count("CACHE_MODEL_SEQUENCES", 2_000)
}

/// The seeds of the `part`th test of a policy whose seeds start at `base`.
fn part(base: u64, part: u64) -> std::ops::Range<u64> {
    let n = sequences();
    base + part * n..base + (part + 1) * n
}

#[test]
fn lru_matches_the_model_0() {
    check_seeds(PolicyKind::Lru, true, part(0, 0));
}

#[test]
fn lru_matches_the_model_1() {
    check_seeds(PolicyKind::Lru, true, part(0, 1));
}

#[test]
fn lru_matches_the_model_2() {
    check_seeds(PolicyKind::Lru, true, part(0, 2));
}

#[test]
fn lru_matches_the_model_3() {
    check_seeds(PolicyKind::Lru, true, part(0, 3));
}

#[test]
fn tinylfu_keeps_the_model_properties_0() {
    let exact = tinylfu_is_lru();
    check_seeds(PolicyKind::TinyLfu, exact, part(1 << 32, 0));
}

#[test]
fn tinylfu_keeps_the_model_properties_1() {
    let exact = tinylfu_is_lru();
    check_seeds(PolicyKind::TinyLfu, exact, part(1 << 32, 1));
}

/// Unit tests of single store behaviours.
mod units {
    use super::*;

    fn lru(max_entries: u32, max_bytes: u64) -> Store {
        Store::new(&Settings {
            max_entries,
            max_bytes,
            ..Settings::default()
        })
    }

    fn removed(s: &Store, cause: RemovalCause) -> u64 {
        s.counts().removed(cause)
    }

    #[test]
    fn evictions_are_the_removals_the_cache_chose_and_the_rest_are_explicit() {
        let all: Vec<RemovalCause> = RemovalCause::EVICTIONS
            .iter()
            .chain(&RemovalCause::EXPLICIT)
            .copied()
            .collect();
        assert_eq!(all, RemovalCause::ALL);
        let mut s = lru(3, 10);
        let a = s.insert(1, 4, 0.0, 0.0).unwrap();
        s.update(a, 5, 0.0, 0.0).unwrap();
        s.delete(a).unwrap();
        s.insert(3, 2, 0.0, 0.0).unwrap();
        s.insert(4, 2, 0.0, 0.0).unwrap();
        s.insert(2, 2, 10.0, 0.0).unwrap();
        // Full: 3, the least recent, makes room; then 2 expires.
        s.insert(5, 2, 0.0, 1.0).unwrap();
        s.purge_all_expired(20.0);
        // 8 more bytes do not fit beside 4 and 5: 4 goes.
        s.insert(6, 8, 0.0, 20.0).unwrap();
        s.clear(20.0);
        let c = s.counts();
        let each = RemovalCause::ALL.map(|cause| c.removed(cause));
        assert_eq!(each, [1, 1, 1, 1, 1, 2]);
        assert_eq!((c.evicted_total(), c.removed_explicitly_total()), (3, 4));
    }

    #[test]
    fn a_full_lru_cache_with_ttls_gives_the_least_recent_slot_to_a_new_entry() {
        let mut s = lru(3, 0);
        let a = s.insert(1, 1, 1000.0, 0.0).unwrap();
        let b = s.insert(2, 1, 0.0, 0.0).unwrap();
        let c = s.insert(3, 1, 500.0, 0.0).unwrap();
        // `a` is the least recent: the new entry takes its slot in place, with its own expiry.
        let d = s.insert(4, 1, 200.0, 10.0).unwrap();
        assert_eq!(d, a);
        assert_eq!(s.expires_at(d), Some(210.0));
        assert_eq!(s.peek(1, 10.0), NIL);
        assert_eq!(s.peek(4, 10.0), d);
        assert_eq!(s.slots_by_recency(), vec![d, c, b]);
        assert_eq!(removed(&s, RemovalCause::Capacity), 1);
        assert!(s.freed().is_empty());
        assert_eq!(s.counts().ttl_sets, 3);
        s.check_invariants();
        // At 300 `d` has expired: purging it makes room, so nothing live is evicted.
        let e = s.insert(5, 1, 0.0, 300.0).unwrap();
        assert_eq!(e, d, "the freed slot is reused");
        assert_eq!(removed(&s, RemovalCause::Expired), 1);
        assert_eq!(removed(&s, RemovalCause::Capacity), 1);
        assert_eq!(s.slots_by_recency(), vec![e, c, b]);
        assert_eq!(s.expires_at(e), Some(f64::INFINITY));
        s.check_invariants();
    }

    #[test]
    fn an_entry_is_expired_at_exactly_its_expiry() {
        let mut s = lru(4, 0);
        let a = s.insert(7, 1, 10.0, 100.0).unwrap();
        assert_eq!(s.expires_at(a), Some(110.0));
        assert_eq!(s.peek(7, 109.0), a);
        assert_eq!(s.peek(7, 109.999), a);
        assert_eq!(s.peek(7, 110.0), NIL);
        assert_eq!(s.get(7, 109.5), a);
        assert_eq!(s.get(7, 110.0), NIL);
        assert_eq!(s.counts().hits, 1);
        assert_eq!(s.counts().misses, 1);
        assert_eq!(removed(&s, RemovalCause::Expired), 1);
        assert!(s.is_empty());
        assert_eq!(s.freed(), &[a]);

        // The heap purges at the same boundary.
        let b = s.insert(8, 1, 5.0, 200.0).unwrap();
        assert_eq!(s.purge_expired(204.5, usize::MAX), 0);
        assert_eq!(s.hash_at(b), Some(8));
        assert_eq!(s.purge_expired(205.0, usize::MAX), 1);
        assert_eq!(s.hash_at(b), None);

        // And so does a write: the expired entry makes room instead of a live one.
        let mut s = lru(1, 0);
        let c = s.insert(9, 1, 5.0, 0.0).unwrap();
        let d = s.insert(10, 1, 0.0, 5.0).unwrap();
        assert_eq!(d, c, "the slot freed by the write is handed back");
        assert_eq!(removed(&s, RemovalCause::Expired), 1);
        assert_eq!(removed(&s, RemovalCause::Capacity), 0);
        s.check_invariants();
    }

    #[test]
    fn expired_unread_counts_entries_never_returned_by_a_get() {
        let mut s = lru(8, 0);
        let read = s.insert(1, 1, 10.0, 0.0).unwrap();
        let unread = s.insert(2, 1, 10.0, 0.0).unwrap();
        let rewritten = s.insert(3, 1, 10.0, 0.0).unwrap();
        // Two keys sharing hash 4: the one tried first has its hit undone.
        let older = s.insert(4, 1, 10.0, 0.0).unwrap();
        let newer = s.insert(4, 1, 10.0, 0.0).unwrap();
        assert_eq!(s.get(1, 1.0), read);
        assert_eq!(s.get(3, 1.0), rewritten);
        s.update(rewritten, 1, 10.0, 2.0).unwrap();
        let first = s.get(4, 3.0);
        let second = if first == newer { older } else { newer };
        assert!(first == newer || first == older);
        assert_eq!(s.get_next(first, 3.0), second);
        let _ = unread;
        s.purge_all_expired(20.0);
        assert_eq!(removed(&s, RemovalCause::Expired), 5);
        // `unread`, `rewritten` (read before its update only) and `first` (hit undone).
        assert_eq!(s.counts().expired_unread, 3);

        // Expiry met by a get counts the same way.
        let mut s = lru(8, 0);
        s.insert(5, 1, 10.0, 0.0).unwrap();
        assert_eq!(s.get(5, 10.0), NIL);
        assert_eq!(s.counts().expired_unread, 1);
        // Other removals of unread entries are not expiries.
        let e = s.insert(6, 1, 10.0, 0.0).unwrap();
        s.delete(e).unwrap();
        s.insert(7, 1, 10.0, 0.0).unwrap();
        s.clear(0.0);
        assert_eq!(s.counts().expired_unread, 1);
    }

    #[test]
    fn clear_counts_entries_already_expired_as_expired() {
        let mut s = lru(10, 0);
        s.insert(1, 1, 5.0, 0.0).unwrap();
        s.insert(2, 1, 5.0, 0.0).unwrap();
        s.insert(3, 1, 0.0, 0.0).unwrap();
        // Nothing has purged the two expired entries yet.
        s.clear(10.0);
        assert_eq!(removed(&s, RemovalCause::Expired), 2);
        assert_eq!(s.counts().expired_unread, 2);
        assert_eq!(removed(&s, RemovalCause::Cleared), 1);
        s.check_invariants();
    }

    #[test]
    fn ttl_sums_count_sets_with_a_ttl_and_hits_on_them() {
        let mut s = lru(8, 0);
        let forever = s.insert(1, 1, 0.0, 0.0).unwrap();
        let a = s.insert(2, 1, 30.0, 0.0).unwrap();
        let b = s.insert(3, 1, 50.0, 0.0).unwrap();
        s.update(b, 1, 20.0, 10.0).unwrap();
        s.update(forever, 1, 0.0, 10.0).unwrap();
        let c = s.counts();
        assert_eq!((c.ttl_sets, c.ttl_sum_us), (3, 100_000));
        assert_eq!(s.entries_with_ttl(), 2);

        assert_eq!(s.get(1, 12.0), forever);
        assert_eq!(s.get(2, 12.0), a);
        assert_eq!(s.get(3, 12.5), b);
        let c = s.counts();
        assert_eq!(c.ttl_hits, 2);
        assert_eq!(
            c.ttl_remaining_sum_us,
            (30_000 - 12_000) + (30_000 - 12_500)
        );

        // An undone tentative hit leaves the sums as they were.
        let older = s.insert(9, 1, 40.0, 20.0).unwrap();
        let newer = s.insert(9, 1, 0.0, 20.0).unwrap();
        let first = s.get(9, 25.0);
        let second = if first == newer { older } else { newer };
        assert_eq!(s.get_next(first, 25.0), second);
        let c = s.counts();
        // Only the hit that stands counts: `older` has 35 ms left, `newer` no TTL.
        if second == older {
            assert_eq!(c.ttl_hits, 3);
            assert_eq!(c.ttl_remaining_sum_us, 18_000 + 17_500 + 35_000);
        } else {
            assert_eq!(c.ttl_hits, 2);
            assert_eq!(c.ttl_remaining_sum_us, 18_000 + 17_500);
        }
        let before = (c.ttl_hits, c.ttl_remaining_sum_us);
        let one = s.insert(10, 1, 40.0, 30.0).unwrap();
        let two = s.insert(10, 1, 40.0, 30.0).unwrap();
        let first = s.get(10, 31.0);
        let second = if first == one { two } else { one };
        assert!(first == one || first == two);
        assert_eq!(s.get_next(first, 31.0), second);
        assert_eq!(s.get_next(second, 31.0), NIL);
        // Both tentative hits were undone: a miss leaves the sums as they were.
        let c = s.counts();
        assert_eq!((c.ttl_hits, c.ttl_remaining_sum_us), before);
        assert_eq!(c.hits + c.misses, c.gets);
    }

    #[test]
    fn an_update_that_grows_evicts_others_but_never_the_updated_entry() {
        let mut s = lru(8, 100);
        let a = s.insert(1, 30, 0.0, 0.0).unwrap();
        let b = s.insert(2, 30, 0.0, 0.0).unwrap();
        let c = s.insert(3, 30, 0.0, 0.0).unwrap();
        // `a` is least recently used, and grows to 70: `b` goes, then `c` is enough.
        s.update(a, 70, 0.0, 1.0).unwrap();
        assert_eq!(s.slots_by_recency(), vec![a, c]);
        assert_eq!(s.bytes(), 100);
        assert_eq!(s.freed(), &[b]);
        // Growing to the whole budget leaves it alone.
        s.update(a, 100, 0.0, 2.0).unwrap();
        assert_eq!(s.slots_by_recency(), vec![a]);
        assert_eq!(s.bytes(), 100);
        assert_eq!(removed(&s, RemovalCause::Bytes), 2);
        assert_eq!(removed(&s, RemovalCause::Replaced), 2);
        assert_eq!(s.hash_at(a), Some(1));
        s.check_invariants();
    }

    #[test]
    fn insert_any_takes_the_victims_slot_and_its_hash_when_indexed() {
        let mut s = lru(3, 0);
        let a = s.insert_any(1, 0.0, 0.0).unwrap();
        let b = s.insert_any(1, 0.0, 0.0).unwrap();
        let c = s.insert(77, 1, 0.0, 0.0).unwrap();
        // Entries out of the index need no hash of their own.
        assert_eq!((s.hash_at(a), s.hash_at(b)), (Some(0), Some(0)));
        // Full: the least recent entry (a) gives its slot to the new one.
        let d = s.insert_any(1, 0.0, 0.0).unwrap();
        assert_eq!((d, s.hash_at(d)), (a, Some(0)));
        // Their callers find them by slot: the index holds only the entry stored by hash.
        assert_eq!(s.peek(0, 0.0), NIL);
        assert_eq!(s.peek(77, 0.0), c);
        assert_eq!(s.counts().removed(RemovalCause::Capacity), 1);
        s.check_invariants();
        let before = s.counts().clone();
        assert!(s.peek_slot(b, 0.0));
        assert!(!s.peek_slot(NIL, 0.0));
        assert_eq!(s.counts(), &before, "peek_slot counts nothing");
        assert_eq!(s.get_slot(b, 0.0), b);
        assert_eq!(s.slots_by_recency(), vec![b, d, c]);
        assert_eq!(
            (s.counts().hits, s.counts().misses),
            (before.hits + 1, before.misses)
        );
        assert_eq!(s.get_slot(NIL, 0.0), NIL);
        assert_eq!(s.counts().misses, before.misses, "the caller counts a miss");
        s.check_invariants();
        // Order b, d, c: a store by hash takes c's slot and is found by its own hash.
        let e = s.insert(5, 1, 0.0, 0.0).unwrap();
        assert_eq!((e, s.peek(5, 0.0), s.peek(77, 0.0)), (c, c, NIL));
        s.check_invariants();
        // d's slot goes to a store by hash (into the index), then to one by slot.
        let f = s.insert(6, 1, 0.0, 0.0).unwrap();
        assert_eq!((f, s.peek(6, 0.0)), (d, d));
        let _ = s.get_slot(b, 0.0);
        let _ = s.get_slot(e, 0.0);
        let g = s.insert_any(1, 0.0, 0.0).unwrap();
        assert_eq!((g, s.hash_at(g)), (f, Some(6)));
        s.check_invariants();
        s.delete(g).unwrap();
        assert_eq!(s.peek(6, 0.0), NIL);
        s.check_invariants();
    }

    #[test]
    fn hash_and_size_columns_made_mid_life_keep_every_invariant() {
        let mut s = lru(50, 0);
        // Entries found by slot, of size 0: the slab keeps no hash or size for them.
        let by_slot: Vec<u32> = (0..30)
            .map(|_| s.insert_any(0, 0.0, 0.0).unwrap())
            .collect();
        s.check_invariants();
        // Entries of the index join them; the 21st onwards evict the oldest found by slot.
        let hash = |i: u32| (i + 1).wrapping_mul(0x9e37_79b9);
        let indexed: Vec<u32> = (0..30)
            .map(|i| s.insert(hash(i), 0, 0.0, 0.0).unwrap())
            .collect();
        s.check_invariants();
        for (i, slot) in (0..).zip(&indexed) {
            assert_eq!(
                s.peek(hash(i), 0.0),
                *slot,
                "entry {i} is found by its hash"
            );
        }
        assert_eq!(s.len(), 50);
        assert!(by_slot[..10].iter().all(|slot| indexed.contains(slot)));
        // Sizes estimated later are accounted from then on.
        for (size, slot) in (1..).zip(&by_slot[10..]) {
            s.set_size(*slot, size, 0.0).unwrap();
        }
        assert_eq!(s.bytes(), (1..=20).sum::<u64>());
        s.check_invariants();
        // Entries found by slot take the place of both kinds, in place.
        for n in 1..=60u64 {
            s.insert_any(3, 0.0, 0.0).unwrap();
            s.check_invariants();
            assert_eq!(s.len(), 50, "after {n} more");
        }
        assert_eq!(s.bytes(), 150);
        s.clear(0.0);
        s.check_invariants();
        let a = s.insert(7, 0, 0.0, 0.0).unwrap();
        assert_eq!((s.peek(7, 0.0), s.hash_at(a), s.bytes()), (a, Some(7), 0));
    }

    #[test]
    fn get_slot_of_an_expired_entry_removes_it_and_counts_nothing() {
        let mut s = lru(3, 0);
        let a = s.insert_any(1, 10.0, 0.0).unwrap();
        assert!(s.peek_slot(a, 9.0));
        assert!(!s.peek_slot(a, 10.0));
        assert_eq!(s.get_slot(a, 10.0), NIL);
        assert_eq!(s.len(), 0);
        assert_eq!(s.counts().removed(RemovalCause::Expired), 1);
        assert_eq!((s.counts().gets, s.counts().misses), (0, 0));
        assert_eq!(s.freed(), &[a]);
        s.check_invariants();
    }

    #[test]
    fn set_size_changes_the_accounted_bytes_and_nothing_else() {
        let mut s = lru(4, 0);
        let a = s.insert(1, 0, 0.0, 0.0).unwrap();
        let b = s.insert(2, 7, 0.0, 0.0).unwrap();
        let order = s.slots_by_recency();
        let counts = s.counts().clone();
        s.set_size(a, 30, 1.0).unwrap();
        assert_eq!(s.bytes(), 37);
        s.set_size(b, 0, 1.0).unwrap();
        assert_eq!(s.bytes(), 30);
        assert_eq!(s.slots_by_recency(), order);
        assert_eq!(s.counts(), &counts);
        s.check_invariants();
        s.delete(a).unwrap();
        assert_eq!(s.bytes(), 0);
        assert_eq!(s.set_size(a, 5, 1.0), Err(StoreError::NoSuchSlot));
        assert_eq!(s.bytes(), 0);
        s.check_invariants();
    }

    #[test]
    fn set_size_under_a_byte_bound_evicts_others_to_fit() {
        let mut s = lru(8, 10);
        let a = s.insert(1, 3, 0.0, 0.0).unwrap();
        let b = s.insert(2, 3, 0.0, 0.0).unwrap();
        let c = s.insert(3, 3, 0.0, 0.0).unwrap();
        assert_eq!(s.set_size(c, 11, 1.0), Err(StoreError::TooLarge));
        assert_eq!(s.bytes(), 9);
        // c needs 7 of 10: a (least recent) goes, b stays.
        s.set_size(c, 7, 1.0).unwrap();
        assert_eq!(s.slots_by_recency(), vec![c, b]);
        assert_eq!(s.bytes(), 10);
        assert_eq!(s.freed(), &[a]);
        assert_eq!(s.counts().removed(RemovalCause::Bytes), 1);
        s.check_invariants();
    }

    #[test]
    fn a_size_over_max_bytes_is_refused_and_nothing_changes() {
        let mut s = lru(4, 10);
        let a = s.insert(1, 4, 50.0, 0.0).unwrap();
        let b = s.insert(2, 6, 0.0, 0.0).unwrap();
        let snapshot = |s: &Store| {
            (
                s.counts().clone(),
                s.slots_by_recency(),
                s.len(),
                s.bytes(),
                s.expires_at(a),
                s.freed().to_vec(),
            )
        };
        let before = snapshot(&s);
        assert_eq!(s.insert(3, 11, 0.0, 1.0), Err(StoreError::TooLarge));
        assert_eq!(s.insert(3, u32::MAX, 0.0, 1.0), Err(StoreError::TooLarge));
        assert_eq!(s.update(a, 11, 0.0, 1.0), Err(StoreError::TooLarge));
        assert_eq!(s.update(b, 11, 5.0, 1.0), Err(StoreError::TooLarge));
        assert_eq!(snapshot(&s), before);
        s.check_invariants();
        // Exactly the bound fits; with no byte bound any size does.
        s.insert(3, 10, 0.0, 1.0).unwrap();
        assert_eq!(s.bytes(), 10);
        let mut s = lru(4, 0);
        s.insert(1, u32::MAX, 0.0, 0.0).unwrap();
        s.insert(2, u32::MAX, 0.0, 0.0).unwrap();
        assert_eq!(s.bytes(), 2 * u64::from(u32::MAX));
    }

    #[test]
    fn get_next_with_a_wrong_slot_does_nothing() {
        let mut s = lru(8, 0);
        let x = s.insert(5, 1, 0.0, 0.0).unwrap();
        let z = s.insert(6, 1, 0.0, 0.0).unwrap();
        let y = s.insert(5, 1, 0.0, 0.0).unwrap();
        let order = s.slots_by_recency();
        assert_eq!(order, vec![y, z, x]);
        let first = s.get(5, 1.0);
        let second = if first == y { x } else { y };
        assert!(first == x || first == y);
        let counts = s.counts().clone();
        let hit_order = s.slots_by_recency();
        for wrong in [second, z, NIL, 1_000] {
            assert_eq!(s.get_next(wrong, 1.0), NIL);
            assert_eq!(s.counts(), &counts);
            assert_eq!(s.slots_by_recency(), hit_order);
        }
        // The tentative hit can still be undone.
        assert_eq!(s.get_next(first, 1.0), second);
        let mut expected = order.clone();
        expected.retain(|s| *s != second);
        expected.insert(0, second);
        assert_eq!(s.slots_by_recency(), expected);
        assert_eq!(s.counts().hits, 1);
        assert_eq!(s.counts().misses, 0);
        // With nothing pending, get_next does nothing either.
        s.insert(7, 1, 0.0, 2.0).unwrap();
        let counts = s.counts().clone();
        let order = s.slots_by_recency();
        assert_eq!(s.get_next(second, 2.0), NIL);
        assert_eq!(s.counts(), &counts);
        assert_eq!(s.slots_by_recency(), order);
        s.check_invariants();
    }

    #[test]
    fn bytes_eviction_takes_expired_entries_before_live_ones() {
        let mut s = lru(8, 42);
        // The live entry is the least recently used; five entries expire behind it.
        let live = s.insert(1, 2, 0.0, 0.0).unwrap();
        for h in 2..7 {
            s.insert(h, 5, 10.0, 0.0).unwrap();
        }
        // 27 bytes held; 40 more need 25 freed: more expired entries than a write purges
        // by its budget alone, and all of them are needed.
        s.insert(7, 40, 0.0, 20.0).unwrap();
        assert_eq!(s.hash_at(live), Some(1), "the live entry stays");
        assert_eq!(s.len(), 2);
        assert_eq!(s.bytes(), 42);
        assert_eq!(removed(&s, RemovalCause::Expired), 5);
        assert_eq!(removed(&s, RemovalCause::Bytes), 0);
        assert_eq!(s.counts().expired_unread, 5);
        s.check_invariants();

        // The same holds for an update that grows.
        let mut s = lru(8, 42);
        let live = s.insert(1, 2, 0.0, 0.0).unwrap();
        for h in 2..7 {
            s.insert(h, 5, 10.0, 0.0).unwrap();
        }
        let grown = s.insert(7, 10, 0.0, 0.0).unwrap();
        s.update(grown, 40, 0.0, 20.0).unwrap();
        assert_eq!(s.hash_at(live), Some(1), "the live entry stays");
        assert_eq!(removed(&s, RemovalCause::Expired), 5);
        assert_eq!(removed(&s, RemovalCause::Bytes), 0);
    }

    #[test]
    fn capacity_evicts_the_least_recently_used_and_hands_its_slot_back() {
        let mut s = lru(2, 0);
        let a = s.insert(1, 1, 0.0, 0.0).unwrap();
        let b = s.insert(2, 1, 0.0, 0.0).unwrap();
        assert_eq!(s.get(1, 0.0), a);
        let c = s.insert(3, 1, 0.0, 0.0).unwrap();
        assert_eq!(c, b, "the evicted slot is handed back");
        assert!(s.freed().is_empty());
        assert_eq!(s.slots_by_recency(), vec![c, a]);
        assert_eq!(removed(&s, RemovalCause::Capacity), 1);
    }

    #[test]
    fn apply_hit_counts_and_refreshes_like_a_get() {
        let mut s = lru(3, 0);
        let a = s.insert(1, 1, 0.0, 0.0).unwrap();
        let b = s.insert(2, 1, 0.0, 0.0).unwrap();
        let t = s.insert(3, 1, 5.0, 0.0).unwrap();
        s.apply_hit(a, 1.0);
        assert_eq!(s.slots_by_recency(), vec![a, t, b]);
        assert_eq!((s.counts().gets, s.counts().hits), (1, 1));
        // A free slot, a slot out of range and an expired entry are ignored.
        s.apply_hit(99, 1.0);
        s.apply_hit(t, 5.0);
        assert_eq!((s.counts().gets, s.counts().hits), (1, 1));
        s.apply_hit(t, 2.0);
        assert_eq!(s.counts().ttl_hits, 1);
        assert_eq!(s.counts().ttl_remaining_sum_us, 3_000);
        // The new entry evicts the least recently used one, which the hits made `b`.
        let c = s.insert(4, 1, 0.0, 2.0).unwrap();
        assert_eq!(c, b);
        s.check_invariants();
    }

    #[test]
    fn a_batch_of_timed_hits_takes_each_hit_at_its_own_reading() {
        let mut s = lru(3, 0);
        let a = s.insert(1, 1, 5.0, 0.0).unwrap();
        let b = s.insert(2, 1, 0.0, 0.0).unwrap();
        // Applied at 10, after `a` expired: the caller found it alive at 2 and at 4.
        s.apply_hits(&[a, b, a], &[2.0, 3.0, 4.0], 10.0);
        assert_eq!((s.counts().gets, s.counts().hits), (3, 3));
        assert_eq!(s.counts().ttl_hits, 2);
        assert_eq!(s.counts().ttl_remaining_sum_us, 3_000 + 1_000);
        assert_eq!(s.slots_by_recency(), vec![a, b]);
        // A reading at or past the expiry is not a hit; a missing reading is taken as `now`.
        s.apply_hits(&[a, a], &[5.0], 4.5);
        assert_eq!((s.counts().gets, s.counts().hits), (4, 4));
        assert_eq!(s.counts().ttl_remaining_sum_us, 4_000 + 500);
        s.check_invariants();
    }

    #[test]
    fn a_batch_of_hits_writes_and_misses_equals_one_call_at_a_time() {
        // Seeded batches over few slots, so most batches repeat slots, applied both ways: a
        // hit as `apply_hit`, a write as `update` of size 0 without TTL, a miss as a `get` of a
        // hash no entry has. After each batch a read-through miss and its insert, and an
        // insert of a key never read: W-TinyLFU admits and evicts alike in both stores only
        // when the batch gave its frequencies the same accesses, in the same order.
        let mut seed = 0x2545_f491_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // Odd rounds give a third of the entries a TTL and each hit its own clock reading,
        // some at or past the expiry. Every fourth round runs W-TinyLFU instead of LRU.
        for round in 0..500 {
            let timed = round % 2 == 1;
            let settings = Settings {
                max_entries: 32,
                policy: if round % 4 == 2 {
                    PolicyKind::TinyLfu
                } else {
                    PolicyKind::Lru
                },
                ..Settings::default()
            };
            let mut one = Store::new(&settings);
            let mut batch = Store::new(&settings);
            for k in 0..32u32 {
                let ttl = if timed && k % 3 == 0 { 5.0 } else { 0.0 };
                one.insert(k.wrapping_mul(0x9e37_79b1), 3, ttl, 0.0)
                    .unwrap();
                batch
                    .insert(k.wrapping_mul(0x9e37_79b1), 3, ttl, 0.0)
                    .unwrap();
            }
            for batch_no in 0..4u32 {
                let len = (next() % 300) as usize;
                let mut slots: Vec<u32> = Vec::with_capacity(len + 1);
                while slots.len() < len {
                    let slot = (next() % 40) as u32;
                    match next() % 8 {
                        0 | 1 => slots.push(slot | WRITTEN),
                        // Hashes of keys 100 to 115, which are never stored.
                        2 => slots.extend([MISSED, (100 + slot % 16).wrapping_mul(0x9e37_79b1)]),
                        _ => slots.push(slot),
                    }
                }
                let times: Vec<f64> = if timed {
                    (0..slots.len()).map(|_| (next() % 8) as f64).collect()
                } else {
                    Vec::new()
                };
                let mut entries = slots.iter().copied().enumerate();
                while let Some((i, s)) = entries.next() {
                    let t = times.get(i).copied().unwrap_or(1.0);
                    if s & MISSED != 0 {
                        let (_, hash) = entries.next().unwrap();
                        assert_eq!(one.get(hash, 1.0), NIL);
                    } else if s & WRITTEN != 0 {
                        let _ = one.update(s & !WRITTEN, 0, 0.0, t);
                    } else {
                        one.apply_hit(s, t);
                    }
                }
                batch.apply_hits(&slots, &times, 1.0);
                let fresh = 1000 + (round * 4 + batch_no) * 2;
                let read = fresh.wrapping_mul(0x9e37_79b1);
                assert_eq!(one.get(read, 1.0), NIL);
                batch.apply_hits(&[MISSED, read], &[], 1.0);
                let unread = (fresh + 1).wrapping_mul(0x9e37_79b1);
                for hash in [read, unread] {
                    assert_eq!(
                        batch.insert(hash, 3, 0.0, 1.0),
                        one.insert(hash, 3, 0.0, 1.0),
                        "round {round}"
                    );
                }
                assert_eq!(
                    batch.slots_by_recency(),
                    one.slots_by_recency(),
                    "round {round}"
                );
                assert_eq!(batch.counts(), one.counts(), "round {round}");
                assert_eq!(batch.bytes(), one.bytes(), "round {round}");
                assert_eq!(batch.freed(), one.freed(), "round {round}");
            }
            batch.check_invariants();
        }
    }

    #[test]
    fn a_written_entry_in_a_batch_is_a_set_that_replaces_and_moves_to_the_front() {
        let mut s = lru(3, 0);
        let a = s.insert(1, 10, 0.0, 0.0).unwrap();
        let b = s.insert(2, 10, 0.0, 0.0).unwrap();
        let c = s.insert(3, 10, 0.0, 0.0).unwrap();
        s.apply_hits(&[a | WRITTEN, b], &[], 0.0);
        assert_eq!(s.slots_by_recency(), vec![b, a, c]);
        assert_eq!(
            (s.counts().sets, s.counts().gets, s.counts().hits),
            (4, 1, 1)
        );
        assert_eq!(removed(&s, RemovalCause::Replaced), 1);
        // The write stored size 0; its size is the caller's to set.
        assert_eq!(s.bytes(), 20);
        // A write of a slot that holds nothing changes nothing.
        s.apply_hits(&[7 | WRITTEN], &[], 0.0);
        assert_eq!(s.counts().sets, 4);
        s.check_invariants();
    }
}
