//! The memory store: entries found by key hash, bounded by count and bytes, expiring by TTL.
//!
//! Keys and values live with the caller (the JS wrapper keeps them in arrays indexed by slot);
//! the store sees a 32-bit seeded hash of each key. Several keys may share a hash, so lookups
//! return a candidate slot that the caller checks against its key, asking for the next
//! candidate when it does not match. A tentative hit is undone exactly in that case.

use super::chunked::Chunked;
use super::config::{PolicyKind, Settings};
use super::expiries::{Expiry, ExpiryQueue};
use super::index::Index;
use super::policy::Policy;
use super::slab::{Node, Slab, NIL};

/// Why an entry left the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovalCause {
    /// Evicted to stay within `maxEntries`.
    Capacity,
    /// Evicted to stay within `maxBytes`.
    Bytes,
    /// Its TTL ran out.
    Expired,
    /// Removed by `delete`.
    Deleted,
    /// Its value was replaced by a `set` of the same key.
    Replaced,
    /// Removed by `clear`.
    Cleared,
}

impl RemovalCause {
    /// Every cause, in the order of [`Counts::removals`].
    pub const ALL: [RemovalCause; 6] = [
        RemovalCause::Capacity,
        RemovalCause::Bytes,
        RemovalCause::Expired,
        RemovalCause::Deleted,
        RemovalCause::Replaced,
        RemovalCause::Cleared,
    ];

    /// The causes that are evictions: removals the cache chose, to stay within its bounds or
    /// because a TTL ran out. Stats, frames and exports count these as `evictions`.
    pub const EVICTIONS: [RemovalCause; 3] = [
        RemovalCause::Capacity,
        RemovalCause::Bytes,
        RemovalCause::Expired,
    ];

    /// The causes that are explicit removals: a caller's `delete`, a `set` over a stored key,
    /// or `clear`. Stats, frames and exports count these as `removals`, apart from evictions.
    pub const EXPLICIT: [RemovalCause; 3] = [
        RemovalCause::Deleted,
        RemovalCause::Replaced,
        RemovalCause::Cleared,
    ];

    /// The cause's name in stats and exports.
    pub fn name(self) -> &'static str {
        match self {
            RemovalCause::Capacity => "capacity",
            RemovalCause::Bytes => "bytes",
            RemovalCause::Expired => "expired",
            RemovalCause::Deleted => "deleted",
            RemovalCause::Replaced => "replaced",
            RemovalCause::Cleared => "cleared",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Counts kept for every cache, telemetry on or off. All are totals since creation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// Lookups through `get`.
    pub gets: u64,
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found none.
    pub misses: u64,
    /// Values stored through `set`.
    pub sets: u64,
    /// Calls to `delete`, whether or not the key was there.
    pub deletes: u64,
    /// Entries that left, by [`RemovalCause`] index.
    pub removals: [u64; 6],
    /// Entries that expired without ever being read.
    pub expired_unread: u64,
    /// Sets that gave the entry a TTL.
    pub ttl_sets: u64,
    /// Sum of the TTLs of those sets, in whole µs (see [`micros`]).
    pub ttl_sum_us: u128,
    /// Hits on entries with a TTL.
    pub ttl_hits: u64,
    /// Sum of the TTL left at those hits, in whole µs (see [`micros`]).
    pub ttl_remaining_sum_us: u128,
}

/// A duration in ms as whole µs, rounded; 0 for a negative or NaN one, `u64::MAX` past it.
///
/// The TTL sums are kept in this unit: integer sums are exact, so the figures of a window,
/// which subtract two totals, do not depend on how large the totals have grown. Every TTL
/// up to 2^53 ms fits.
#[inline]
pub fn micros(ms: f64) -> u64 {
    // The cast saturates, and maps NaN to 0.
    (ms * 1000.0).round_ties_even() as u64
}

/// The mean of `n` durations that sum to `sum_us` µs, in ms; 0 when `n` is 0.
fn mean_ms(sum_us: u128, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        // One division: a sum of whole ms gives the same mean as dividing the ms.
        sum_us as f64 / (n as f64 * 1000.0)
    }
}

impl Counts {
    /// Entries that left for `cause`.
    pub fn removed(&self, cause: RemovalCause) -> u64 {
        self.removals.get(cause.index()).copied().unwrap_or(0)
    }

    /// Entries evicted: those that left for one of [`RemovalCause::EVICTIONS`].
    pub fn evicted_total(&self) -> u64 {
        RemovalCause::EVICTIONS
            .iter()
            .map(|&c| self.removed(c))
            .sum()
    }

    /// Entries removed explicitly: those that left for one of [`RemovalCause::EXPLICIT`].
    pub fn removed_explicitly_total(&self) -> u64 {
        RemovalCause::EXPLICIT
            .iter()
            .map(|&c| self.removed(c))
            .sum()
    }

    /// The mean TTL given by sets, in ms; 0 when no set gave one.
    pub fn mean_ttl_ms(&self) -> f64 {
        mean_ms(self.ttl_sum_us, self.ttl_sets)
    }

    /// The mean TTL left at hits on entries with a TTL, in ms; 0 with no such hit.
    pub fn mean_remaining_ttl_at_hit_ms(&self) -> f64 {
        mean_ms(self.ttl_remaining_sum_us, self.ttl_hits)
    }

    /// Counts a set that gave its entry a TTL of `ttl_ms`.
    #[inline]
    pub(crate) fn add_ttl_set(&mut self, ttl_ms: f64) {
        self.ttl_sets += 1;
        self.ttl_sum_us = self.ttl_sum_us.saturating_add(u128::from(micros(ttl_ms)));
    }

    /// Counts a hit on an entry with `remaining_us` of its TTL left.
    #[inline]
    pub(crate) fn add_ttl_hit(&mut self, remaining_us: u64) {
        self.ttl_hits += 1;
        self.ttl_remaining_sum_us = self
            .ttl_remaining_sum_us
            .saturating_add(u128::from(remaining_us));
    }

    /// Takes back a hit counted by [`Counts::add_ttl_hit`].
    fn undo_ttl_hit(&mut self, remaining_us: u64) {
        self.ttl_hits = self.ttl_hits.saturating_sub(1);
        self.ttl_remaining_sum_us = self
            .ttl_remaining_sum_us
            .saturating_sub(u128::from(remaining_us));
    }
}

/// Why a store call was refused. The store is unchanged when one is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// A size larger than `maxBytes`: the entry could never fit.
    TooLarge,
    /// A slot that holds no entry.
    NoSuchSlot,
}

/// The undo record of a tentative hit.
#[derive(Clone, Copy, Debug)]
struct Pending {
    slot: u32,
    /// The bucket where the slot was found, to continue the probe from.
    pos: usize,
    hash: u32,
    read: bool,
    stamp: u32,
    /// The TTL left at the hit in µs, when the entry has one.
    ttl_remaining_us: Option<u64>,
}

/// Whether a write's `ttl_ms` gives the entry an expiry (0, negative or infinite: none).
#[inline]
pub(crate) fn has_ttl(ttl_ms: f64) -> bool {
    ttl_ms > 0.0 && ttl_ms.is_finite()
}

/// How many expired entries a write purges at most, beside the one it may replace.
const PURGE_PER_WRITE: usize = 4;

/// The memory store of one cache.
#[derive(Debug)]
pub struct Store {
    slab: Slab,
    index: Index,
    policy: Policy,
    kind: PolicyKind,
    max_entries: u32,
    max_bytes: u64,
    len: u32,
    bytes: u64,
    ttl_live: u32,
    /// One expiry per TTL write; stale ones (the entry left or was rewritten) are skipped when
    /// popped.
    expiries: ExpiryQueue,
    stamp: u32,
    /// Access stamps by slot, kept for W-TinyLFU only, whose lists are not one recency order.
    stamps: Chunked<u32>,
    pending: Option<Pending>,
    /// The hash of the last get when it missed: the insert that follows is the same access.
    missed: Option<u32>,
    freed: Vec<u32>,
    counts: Counts,
}

/// Marks an entry of [`Store::apply_hits`] as a write of the slot below it rather than a hit.
/// Slots stay below 2^24, so the bit is free.
pub const WRITTEN: u32 = 1 << 31;

/// An entry of [`Store::apply_hits`] that is a get which found no entry for its key; the entry
/// after it is the key's hash. No slot or written slot has this bit.
pub const MISSED: u32 = 1 << 30;

impl Store {
    /// An empty store bounded as `settings` say.
    pub fn new(settings: &Settings) -> Self {
        Store {
            slab: Slab::new(),
            index: Index::new(
                settings.max_entries.min(4096) as usize,
                settings.max_entries as usize,
            ),
            policy: Policy::new(settings.policy, settings.max_entries),
            kind: settings.policy,
            max_entries: settings.max_entries.max(1),
            max_bytes: settings.max_bytes,
            len: 0,
            bytes: 0,
            ttl_live: 0,
            expiries: ExpiryQueue::new(),
            stamp: 0,
            stamps: Chunked::new(0),
            pending: None,
            missed: None,
            freed: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// Live entries, counting those expired but not yet purged (see [`Store::purge_expired`]).
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Accounted bytes of the entries held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Entries held that have a TTL.
    pub fn entries_with_ttl(&self) -> u32 {
        self.ttl_live
    }

    /// The entry bound.
    pub fn max_entries(&self) -> u32 {
        self.max_entries
    }

    /// The byte bound, 0 for none.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The counts since creation.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// The hash stored at `slot`, when it holds an entry.
    pub fn hash_at(&self, slot: u32) -> Option<u32> {
        self.live(slot).map(|_| self.slab.hash(slot))
    }

    /// The absolute expiry of the entry at `slot` (infinite when none).
    pub fn expires_at(&self, slot: u32) -> Option<f64> {
        self.live(slot).map(|_| self.slab.expires_at(slot))
    }

    fn live(&self, slot: u32) -> Option<&Node> {
        self.slab.live(slot)
    }

    #[inline]
    fn expired(&self, slot: u32, now: f64) -> bool {
        now >= self.slab.expires_at(slot)
    }

    /// Accounts an entry of `old_size` bytes that now takes `size`.
    #[inline]
    fn rebill(&mut self, old_size: u32, size: u32) {
        self.bytes = self.bytes.saturating_sub(u64::from(old_size)) + u64::from(size);
    }

    /// Takes the next access stamp for `slot`.
    #[inline]
    fn touch_stamp(&mut self, slot: u32) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.kind == PolicyKind::TinyLfu {
            let i = slot as usize;
            if i >= self.stamps.len() {
                self.stamps.resize(i + 1, 0);
            }
            if let Some(s) = self.stamps.get_mut(i) {
                *s = self.stamp;
            }
        }
    }

    #[inline]
    fn stamp_of(&self, slot: u32) -> u32 {
        self.stamps.get(slot as usize).copied().unwrap_or(0)
    }

    /// Counts a get that the caller resolved itself to the live entry at `slot` (it probed the
    /// index and compared keys), and refreshes the entry. Other slots are ignored.
    pub fn apply_hit(&mut self, slot: u32, now: f64) {
        if !self.slab.is_live(slot) {
            return;
        }
        let hash = self.slab.hash(slot);
        if self.ttl_live > 0 {
            let expires_at = self.slab.expires_at(slot);
            if now >= expires_at {
                return;
            }
            self.count_ttl_hit(expires_at, now);
        }
        self.pending = None;
        self.missed = None;
        self.counts.gets += 1;
        self.counts.hits += 1;
        self.policy.record_access(hash);
        self.touch_stamp(slot);
        self.policy.on_hit(&mut self.slab, slot);
    }

    /// Counts a hit at `t` on an entry that expires at `expires_at` in the TTL figures; an
    /// entry without a TTL is not counted there.
    #[inline]
    fn count_ttl_hit(&mut self, expires_at: f64, t: f64) {
        if expires_at.is_finite() {
            self.counts.add_ttl_hit(micros(expires_at - t));
        }
    }

    /// Applies, in order, gets the caller resolved itself (see [`Store::apply_hit`] and
    /// [`Store::apply_miss`]) and writes over stored keys it made itself. An entry with
    /// [`WRITTEN`] set is such a write of its slot, taken as `update(slot, 0, no TTL)`; one
    /// with [`MISSED`] set is a get that missed, and the entry after it the key's hash. With
    /// TTLs in play `times` holds the clock reading of each get, at the same index, at which
    /// the caller found the entry alive, and each hit is taken at its own reading (at `now`
    /// where one is missing). For LRU a hit is only a count, a flag, a move to the front and,
    /// with TTLs, an expiry check, done here in one loop; the result is the same as one
    /// `apply_hit` per slot.
    pub fn apply_hits(&mut self, slots: &[u32], times: &[f64], now: f64) {
        let timed = self.ttl_live > 0;
        let at = |i: usize| {
            if timed {
                times.get(i).copied().unwrap_or(now)
            } else {
                now
            }
        };
        // LRU takes its hits in this loop (see `Slab::hit_front`); W-TinyLFU through `apply_hit`.
        let lru = self.kind == PolicyKind::Lru;
        if lru {
            self.pending = None;
            self.missed = None;
        }
        let mut hits = 0;
        let mut entries = slots.iter().copied().enumerate();
        while let Some((i, slot)) = entries.next() {
            if slot & MISSED != 0 {
                if let Some((_, hash)) = entries.next() {
                    self.apply_miss(hash);
                }
            } else if slot & WRITTEN != 0 {
                self.apply_write(slot & !WRITTEN, at(i));
            } else if !lru {
                self.apply_hit(slot, at(i));
            } else if !timed {
                hits += u64::from(self.slab.hit_front(slot));
            } else {
                let (t, expires_at) = (at(i), self.slab.expires_at(slot));
                if t < expires_at && self.slab.hit_front(slot) {
                    hits += 1;
                    self.count_ttl_hit(expires_at, t);
                }
            }
        }
        self.counts.gets += hits;
        self.counts.hits += hits;
    }

    /// A write of size 0 without TTL over the entry at `slot`, which the caller found stored;
    /// nothing when it no longer is. Callers send writes only where an update frees no slot
    /// (a store without TTLs or a byte bound): a batch reports no freed slots.
    fn apply_write(&mut self, slot: u32, now: f64) {
        // The only refusals are a slot not live and a size over the bound; neither leaves
        // anything to do.
        let _ = self.update(slot, 0, 0.0, now);
    }

    /// A get of the key with `hash` that the caller found missing on its own (it probed the
    /// index, or its own map): the same as a [`Store::get`] that found no entry. The policy
    /// sees the access, and an insert of `hash` that follows is the same access.
    pub fn apply_miss(&mut self, hash: u32) {
        self.pending = None;
        self.counts.gets += 1;
        self.counts.misses += 1;
        self.policy.record_access(hash);
        self.missed = Some(hash);
    }

    /// The index's buckets: NIL when empty, else the entry's distance from its home (4 bits,
    /// saturating at 15) and the hash's top 4 bits above a 24-bit slot.
    /// A caller may probe them from the hash's home bucket on (as `Index` computes it, and
    /// `cache.js` after it), wrapping at the end, until an empty bucket, to find the slots of a
    /// hash without a call.
    pub fn index_buckets(&self) -> &[u32] {
        self.index.buckets_slice()
    }

    /// Looks up `hash` for a get: the first live candidate is counted as a hit and refreshed,
    /// tentatively until the next call; NIL is a counted miss. Expired candidates are purged.
    #[inline]
    pub fn get(&mut self, hash: u32, now: f64) -> u32 {
        self.pending = None;
        self.counts.gets += 1;
        self.policy.record_access(hash);
        let slab = &self.slab;
        let (pos, first) = self.index.first(hash, |s| slab.hash(s));
        let slot = self.hit_from(hash, pos, first, now);
        self.missed = (slot == NIL).then_some(hash);
        slot
    }

    /// The caller's key did not match the candidate `after`: undoes that hit and returns the
    /// next candidate for the same hash, tentatively hit, or NIL as a counted miss.
    pub fn get_next(&mut self, after: u32, now: f64) -> u32 {
        match self.pending {
            Some(p) if p.slot == after => {
                self.pending = None;
                self.slab.undo_journal();
                self.policy.undo_hit();
                self.counts.hits = self.counts.hits.saturating_sub(1);
                if let Some(us) = p.ttl_remaining_us {
                    self.counts.undo_ttl_hit(us);
                }
                if let Some(n) = self.slab.get_mut(after) {
                    n.set_read(p.read);
                }
                if let Some(s) = self.stamps.get_mut(after as usize) {
                    *s = p.stamp;
                }
                let slab = &self.slab;
                let (pos, next) = self.index.next(p.hash, p.pos, |s| slab.hash(s));
                let slot = self.hit_from(p.hash, pos, next, now);
                self.missed = (slot == NIL).then_some(p.hash);
                slot
            }
            _ => NIL,
        }
    }

    /// Hits the first live candidate from bucket `pos` on (`at` is the slot found there).
    fn hit_from(&mut self, hash: u32, mut pos: usize, mut at: u32, now: f64) -> u32 {
        while at != NIL {
            let expires_at = self.slab.expires_at(at);
            if now >= expires_at {
                // Removal shifts later candidates back, never before `pos`: look there again.
                self.remove(at, RemovalCause::Expired);
                let slab = &self.slab;
                (pos, at) = self.index.find_from(hash, pos, |s| slab.hash(s));
                continue;
            }
            let stamp = self.stamp_of(at);
            let Some(n) = self.slab.get(at) else {
                break;
            };
            let pending = Pending {
                slot: at,
                pos,
                hash,
                read: n.read(),
                stamp,
                ttl_remaining_us: expires_at.is_finite().then(|| micros(expires_at - now)),
            };
            self.touch_stamp(at);
            if let Some(us) = pending.ttl_remaining_us {
                self.counts.add_ttl_hit(us);
            }
            self.slab.begin_journal();
            self.policy.on_hit(&mut self.slab, at);
            self.slab.end_journal();
            self.counts.hits += 1;
            self.pending = Some(pending);
            return at;
        }
        self.counts.misses += 1;
        NIL
    }

    /// The first live candidate for `hash`, with no effect on order or counts; NIL if none.
    #[inline]
    pub fn peek(&self, hash: u32, now: f64) -> u32 {
        let slab = &self.slab;
        let (pos, first) = self.index.first(hash, |s| slab.hash(s));
        self.live_from(hash, pos, first, now)
    }

    /// Whether `slot` holds an entry that has not expired; no effect. For a caller that keeps
    /// its own map from keys to slots (see [`Store::insert_any`]).
    pub fn peek_slot(&self, slot: u32, now: f64) -> bool {
        self.live(slot).is_some() && !self.expired(slot, now)
    }

    /// A get of the entry the caller found at `slot` itself (by its own map, or by probing
    /// the index): counted as a hit and refreshed when it holds an entry that has not expired,
    /// and the slot is returned. Else NIL, and nothing is counted, since the caller may find
    /// the key at another slot: an expired entry is removed, and the caller counts the miss
    /// ([`Store::apply_miss`]) once it knows.
    pub fn get_slot(&mut self, slot: u32, now: f64) -> u32 {
        if self.live(slot).is_some() {
            if !self.expired(slot, now) {
                self.apply_hit(slot, now);
                return slot;
            }
            self.remove(slot, RemovalCause::Expired);
        }
        NIL
    }

    /// The live candidate after `after` for the same hash, with no effect; NIL if none.
    pub fn peek_next(&self, after: u32, now: f64) -> u32 {
        let Some(hash) = self.hash_at(after) else {
            return NIL;
        };
        let Some(pos) = self.index.position(hash, after) else {
            return NIL;
        };
        let slab = &self.slab;
        let (pos, next) = self.index.next(hash, pos, |s| slab.hash(s));
        self.live_from(hash, pos, next, now)
    }

    fn live_from(&self, hash: u32, mut pos: usize, mut at: u32, now: f64) -> u32 {
        let slab = &self.slab;
        while at != NIL {
            if !self.expired(at, now) {
                return at;
            }
            (pos, at) = self.index.next(hash, pos, |s| slab.hash(s));
        }
        NIL
    }

    /// Stores a new entry for a key the caller knows is absent and finds by slot itself, never
    /// by hash: the store picks the hash, and the index need not hold the entry. On a full
    /// cache it takes the least recent entry's hash. That entry is usually the one evicted for
    /// it, and then (on a cache without a byte bound, when no expired entry was purged first)
    /// its slot passes to the new entry in place and, when the index held the old entry, the
    /// index does not change at all (a bucket the old entry had now leads to the new one,
    /// whose key the caller's comparison rejects). Otherwise the entry gets the hash 0, which
    /// takes no memory until some entry of the index needs a hash (see `Slab::hash`), and
    /// stays out of the index. Only for LRU, where no decision depends on a key's hash, so two
    /// entries may share one. Returns the slot, like [`Store::insert`].
    pub fn insert_any(&mut self, size: u32, ttl_ms: f64, now: f64) -> Result<u32, StoreError> {
        let victim = self.slab.tail(0);
        let hash = match self.live(victim) {
            Some(n) if n.indexed() && self.len >= self.max_entries => self.slab.hash(victim),
            _ => 0,
        };
        self.insert_with(hash, size, ttl_ms, now, false)
    }

    /// Stores a new entry for a key the caller knows is absent, evicting to make room.
    /// Returns its slot. `ttl_ms` of 0 means no expiry.
    pub fn insert(
        &mut self,
        hash: u32,
        size: u32,
        ttl_ms: f64,
        now: f64,
    ) -> Result<u32, StoreError> {
        self.insert_with(hash, size, ttl_ms, now, true)
    }

    /// `insert`, putting the entry in the index when `index` says so.
    fn insert_with(
        &mut self,
        hash: u32,
        size: u32,
        ttl_ms: f64,
        now: f64,
        index: bool,
    ) -> Result<u32, StoreError> {
        if self.max_bytes > 0 && u64::from(size) > self.max_bytes {
            return Err(StoreError::TooLarge);
        }
        self.pending = None;
        self.counts.sets += 1;
        // A get that just missed this hash already counted the access.
        if self.missed.take() != Some(hash) {
            self.policy.record_access(hash);
        }
        self.purge_expired(now, PURGE_PER_WRITE);
        if let Some(slot) = self.recycle_lru(hash, size, ttl_ms, now, index) {
            return Ok(slot);
        }
        while self.len >= self.max_entries {
            if !self.evict_one(RemovalCause::Capacity, NIL) {
                break;
            }
        }
        self.make_room_for_bytes(u64::from(size), NIL, now);
        let expires_at = self.expiry(ttl_ms, now);
        let slot = self.slab.alloc(hash, size, index);
        self.slab.set_expires(slot, expires_at);
        self.touch_stamp(slot);
        if index {
            let slab = &self.slab;
            self.index.insert(hash, slot, |s| slab.hash(s));
        }
        self.policy.on_insert(&mut self.slab, slot);
        self.len += 1;
        self.bytes += u64::from(size);
        self.note_ttl(slot, expires_at, ttl_ms);
        if self.freed.last() == Some(&slot) {
            self.freed.pop();
        }
        Ok(slot)
    }

    /// The common write of a full LRU cache without a byte bound, after expired entries were
    /// purged: the least recent entry's slot takes the new entry in place. Evicting it and
    /// allocating would give the same slot (freed slots are reused last-freed-first) and the
    /// same counts; this does it without the free list, and moves the node once. None when
    /// the case does not apply.
    #[inline]
    fn recycle_lru(
        &mut self,
        hash: u32,
        size: u32,
        ttl_ms: f64,
        now: f64,
        index: bool,
    ) -> Option<u32> {
        if self.kind != PolicyKind::Lru || self.len < self.max_entries || self.max_bytes != 0 {
            return None;
        }
        let victim = self.slab.tail(0);
        let old = *self.live(victim)?;
        let old_size = self.slab.size(victim);
        // An indexed entry's bucket serves the new one when the hash is the same.
        let old_hash = if old.indexed() {
            self.slab.hash(victim)
        } else {
            0
        };
        let keep = old.indexed() && old_hash == hash;
        if old.indexed() && !keep {
            let slab = &self.slab;
            self.index.remove(old_hash, victim, |s| slab.hash(s));
        }
        self.slab.recycle_tail(hash, size, keep || index)?;
        if let Some(c) = self.counts.removals.get_mut(RemovalCause::Capacity.index()) {
            *c += 1;
        }
        self.touch_stamp(victim);
        if index && !keep {
            let slab = &self.slab;
            self.index.insert(hash, victim, |s| slab.hash(s));
        }
        self.rebill(old_size, size);
        // Without TTLs in play both expiries are none: nothing to read or write.
        if self.ttl_live != 0 || has_ttl(ttl_ms) {
            self.replace_expiry(victim, ttl_ms, now);
        }
        Some(victim)
    }

    /// Replaces the value of the entry at `slot` (same key): new size and TTL, refreshed.
    pub fn update(
        &mut self,
        slot: u32,
        size: u32,
        ttl_ms: f64,
        now: f64,
    ) -> Result<(), StoreError> {
        if !self.slab.is_live(slot) {
            return Err(StoreError::NoSuchSlot);
        }
        if self.max_bytes > 0 && u64::from(size) > self.max_bytes {
            return Err(StoreError::TooLarge);
        }
        let old_size = self.slab.size(slot);
        self.pending = None;
        self.missed = None;
        self.counts.sets += 1;
        if let Some(c) = self.counts.removals.get_mut(RemovalCause::Replaced.index()) {
            *c += 1;
        }
        // The common case of an LRU cache without TTLs or a byte bound: a size and a move.
        if self.kind == PolicyKind::Lru
            && self.ttl_live == 0
            && self.max_bytes == 0
            && !has_ttl(ttl_ms)
            && self.slab.rewrite_front(slot, size)
        {
            self.touch_stamp(slot);
            self.rebill(old_size, size);
            return Ok(());
        }
        self.policy.record_access(self.slab.hash(slot));
        self.touch_stamp(slot);
        if let Some(n) = self.slab.get_mut(slot) {
            n.set_read(false);
        }
        self.slab.set_size(slot, size);
        self.rebill(old_size, size);
        self.replace_expiry(slot, ttl_ms, now);
        self.policy.on_update(&mut self.slab, slot);
        self.purge_expired(now, PURGE_PER_WRITE);
        self.make_room_for_bytes(0, slot, now);
        Ok(())
    }

    /// Sets the accounted size of the entry at `slot`, estimated after it was stored; nothing
    /// else about the entry changes. Under a byte bound other entries may be evicted to fit.
    pub fn set_size(&mut self, slot: u32, size: u32, now: f64) -> Result<(), StoreError> {
        if !self.slab.is_live(slot) {
            return Err(StoreError::NoSuchSlot);
        }
        if self.max_bytes > 0 && u64::from(size) > self.max_bytes {
            return Err(StoreError::TooLarge);
        }
        let old_size = self.slab.size(slot);
        self.slab.set_size(slot, size);
        self.rebill(old_size, size);
        self.make_room_for_bytes(0, slot, now);
        Ok(())
    }

    /// Removes the entry at `slot` for `delete`.
    pub fn delete(&mut self, slot: u32) -> Result<(), StoreError> {
        if self.live(slot).is_none() {
            return Err(StoreError::NoSuchSlot);
        }
        self.pending = None;
        self.missed = None;
        self.counts.deletes += 1;
        self.remove(slot, RemovalCause::Deleted);
        Ok(())
    }

    /// Counts a `delete` of a key that was not there.
    pub fn delete_missing(&mut self) {
        self.pending = None;
        self.missed = None;
        self.counts.deletes += 1;
    }

    /// Removes every entry; counts stay. Entries already expired at `now` are counted as
    /// expired, as any reading of the store would have found them, and only the live ones as
    /// cleared.
    pub fn clear(&mut self, now: f64) {
        self.purge_expired(now, usize::MAX);
        if let Some(c) = self.counts.removals.get_mut(RemovalCause::Cleared.index()) {
            *c += u64::from(self.len);
        }
        self.slab.clear();
        self.index.clear();
        self.policy.clear();
        self.expiries.clear();
        self.stamps.clear();
        self.len = 0;
        self.bytes = 0;
        self.ttl_live = 0;
        self.pending = None;
        self.missed = None;
        self.freed.clear();
    }

    /// Slots freed since the last [`Store::take_freed`] and not handed out again: the caller
    /// drops its key and value for each. A reused slot leaves this list when it is reused.
    pub fn freed(&self) -> &[u32] {
        &self.freed
    }

    /// Returns and forgets the freed slots.
    pub fn take_freed(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.freed)
    }

    /// Removes entries whose expiry is at or before `now`, at most `budget` of them.
    /// Returns how many were removed. Freed slots are listed by [`Store::freed`].
    #[inline]
    pub fn purge_expired(&mut self, now: f64, budget: usize) -> usize {
        if self.ttl_live == 0 {
            return 0;
        }
        let mut removed = 0;
        while removed < budget {
            let Some(top) = self.expiries.peek() else {
                break;
            };
            if top.at > now {
                break;
            }
            self.expiries.pop();
            if self.slab.is_live(top.slot) && self.expired(top.slot, now) {
                self.remove(top.slot, RemovalCause::Expired);
                removed += 1;
            }
        }
        removed
    }

    /// Purges every expired entry; call before reading `len` as a count of live entries.
    pub fn purge_all_expired(&mut self, now: f64) {
        self.pending = None;
        self.missed = None;
        self.purge_expired(now, usize::MAX);
    }

    /// Live slots, most recently used first.
    pub fn slots_by_recency(&self) -> Vec<u32> {
        self.most_recent(usize::MAX)
    }

    /// The `limit` most recently used live slots, most recent first. An LRU cache walks only
    /// as far as `limit`; W-TinyLFU orders its three segments by access stamp, and sorts only
    /// the `limit` it keeps.
    pub fn most_recent(&self, limit: usize) -> Vec<u32> {
        match self.kind {
            PolicyKind::Lru => self.slab.iter(0).take(limit).collect(),
            PolicyKind::TinyLfu => {
                let mut slots: Vec<(u32, u32)> = (0..3u8)
                    .flat_map(|seg| self.slab.iter(seg))
                    .map(|s| (self.stamp.wrapping_sub(self.stamp_of(s)), s))
                    .collect();
                if limit == 0 {
                    return Vec::new();
                }
                if limit < slots.len() {
                    slots.select_nth_unstable(limit - 1);
                    slots.truncate(limit);
                }
                slots.sort_unstable();
                slots.into_iter().map(|(_, s)| s).collect()
            }
        }
    }

    fn expiry(&self, ttl_ms: f64, now: f64) -> f64 {
        if has_ttl(ttl_ms) {
            now + ttl_ms
        } else {
            f64::INFINITY
        }
    }

    /// Gives the live entry at `slot` the expiry of a write with `ttl_ms` at `now`, in place
    /// of its own, and accounts both.
    fn replace_expiry(&mut self, slot: u32, ttl_ms: f64, now: f64) {
        if self.slab.expires_at(slot).is_finite() {
            self.ttl_live = self.ttl_live.saturating_sub(1);
        }
        let expires_at = self.expiry(ttl_ms, now);
        self.slab.set_expires(slot, expires_at);
        self.note_ttl(slot, expires_at, ttl_ms);
    }

    fn note_ttl(&mut self, slot: u32, expires_at: f64, ttl_ms: f64) {
        if !expires_at.is_finite() {
            return;
        }
        self.ttl_live += 1;
        self.counts.add_ttl_set(ttl_ms);
        self.expiries.push(Expiry {
            at: expires_at,
            slot,
        });
        // Stale heap entries pile up when entries are rewritten; rebuild when they dominate.
        if self.expiries.len() > 2 * self.ttl_live as usize + 1024 {
            self.rebuild_expiries();
        }
    }

    fn rebuild_expiries(&mut self) {
        let slab = &self.slab;
        self.expiries
            .rebuild((0..slab.capacity() as u32).filter_map(|slot| {
                slab.live(slot)
                    .map(|_| slab.expires_at(slot))
                    .filter(|at| at.is_finite())
                    .map(|at| Expiry { at, slot })
            }));
    }

    /// Evicts until `size` more bytes fit. Expired entries go first, one at a time: evicting
    /// the policy's victim while one is held would drop a live entry to keep a dead one, and
    /// would count an expired entry as a bytes eviction.
    fn make_room_for_bytes(&mut self, size: u64, keep: u32, now: f64) {
        if self.max_bytes == 0 {
            return;
        }
        while self.bytes + size > self.max_bytes {
            if self.purge_expired(now, 1) == 0 && !self.evict_one(RemovalCause::Bytes, keep) {
                break;
            }
        }
    }

    /// Evicts the policy's victim unless it is `keep`; false when nothing could go.
    fn evict_one(&mut self, cause: RemovalCause, keep: u32) -> bool {
        let victim = self.policy.victim(&mut self.slab, keep);
        if victim == NIL || victim == keep || !self.slab.is_live(victim) {
            return false;
        }
        self.remove(victim, cause);
        true
    }

    fn remove(&mut self, slot: u32, cause: RemovalCause) {
        let Some(&n) = self.live(slot) else { return };
        self.policy.on_remove(&mut self.slab, slot);
        if n.indexed() {
            let slab = &self.slab;
            self.index.remove(slab.hash(slot), slot, |s| slab.hash(s));
        }
        self.len = self.len.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(u64::from(self.slab.size(slot)));
        if self.slab.expires_at(slot).is_finite() {
            self.ttl_live = self.ttl_live.saturating_sub(1);
        }
        if cause == RemovalCause::Expired && !n.read() {
            self.counts.expired_unread += 1;
        }
        if let Some(c) = self.counts.removals.get_mut(cause.index()) {
            *c += 1;
        }
        self.slab.release(slot);
        self.freed.push(slot);
    }

    /// Checks every structural invariant; for tests.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let live: Vec<u32> = (0..self.slab.capacity() as u32)
            .filter(|s| self.slab.is_live(*s))
            .collect();
        assert_eq!(live.len() as u32, self.len, "len");
        assert!(self.len <= self.max_entries, "entries over the bound");
        let bytes: u64 = live.iter().map(|s| u64::from(self.slab.size(*s))).sum();
        assert_eq!(bytes, self.bytes, "bytes");
        if self.max_bytes > 0 {
            assert!(self.bytes <= self.max_bytes, "bytes over the bound");
        }
        let listed: usize = (0..3u8).map(|seg| self.slab.iter(seg).count()).sum();
        assert_eq!(listed, live.len(), "every live slot is in exactly one list");
        let want: Vec<u32> = live
            .iter()
            .copied()
            .filter(|s| self.slab.get(*s).unwrap().indexed())
            .collect();
        if self.kind != PolicyKind::Lru {
            assert_eq!(want, live, "only an LRU cache has entries out of the index");
        }
        assert_eq!(
            self.index.len(),
            want.len(),
            "the index holds every indexed slot"
        );
        self.index.check_distances(|x| self.slab.hash(x));
        let mut indexed: Vec<u32> = self.index.slots().collect();
        indexed.sort_unstable();
        assert_eq!(
            indexed, want,
            "the index holds exactly the indexed live slots"
        );
        for s in &want {
            let h = self.slab.hash(*s);
            let slab = &self.slab;
            let (mut pos, mut at) = self.index.first(h, |x| slab.hash(x));
            while at != *s {
                assert_ne!(at, NIL, "slot {s} is reachable from its hash");
                (pos, at) = self.index.next(h, pos, |x| slab.hash(x));
            }
        }
        let ttl = live
            .iter()
            .filter(|s| self.slab.expires_at(**s).is_finite())
            .count();
        assert_eq!(ttl as u32, self.ttl_live, "ttl count");
        self.policy.check_invariants(&self.slab);
    }

    /// The policy and the slab it orders; for tests.
    #[cfg(test)]
    pub(crate) fn policy_parts(&self) -> (&Policy, &Slab) {
        (&self.policy, &self.slab)
    }
}
