//! Eviction policies: they order the slab's lists and choose victims; the store owns the entries.

mod lru;

use super::slab::Slab;
pub(crate) use lru::Lru;

/// The eviction policy a store runs, as chosen by `evictionPolicy`.
#[derive(Debug)]
pub(crate) enum Policy {
    Lru(Lru),
}

impl Policy {
    /// A policy of `kind` for a cache of at most `max_entries` entries.
    pub fn new(kind: super::config::PolicyKind, max_entries: u32) -> Self {
        let _ = max_entries;
        match kind {
            super::config::PolicyKind::Lru | super::config::PolicyKind::TinyLfu => Policy::Lru(Lru),
        }
    }

    /// Notes a read or write of the key with `hash`, hit or miss.
    #[inline]
    pub fn record_access(&mut self, hash: u32) {
        match self {
            Policy::Lru(_) => {
                let _ = hash;
            }
        }
    }

    /// A get returned the entry at `slot`.
    #[inline]
    pub fn on_hit(&mut self, slab: &mut Slab, slot: u32) {
        match self {
            Policy::Lru(p) => p.touch(slab, slot),
        }
    }

    /// Undoes the bookkeeping of the last `on_hit` (the slab undoes the moves).
    #[inline]
    pub fn undo_hit(&mut self) {}

    /// A set replaced the value of the entry at `slot`.
    #[inline]
    pub fn on_update(&mut self, slab: &mut Slab, slot: u32) {
        match self {
            Policy::Lru(p) => p.touch(slab, slot),
        }
    }

    /// Links the new entry at `slot` into the policy's lists.
    #[inline]
    pub fn on_insert(&mut self, slab: &mut Slab, slot: u32) {
        match self {
            Policy::Lru(p) => p.touch(slab, slot),
        }
    }

    /// The entry to evict to make room for a new entry whose key has `incoming` hash, or NIL.
    #[inline]
    pub fn victim(&mut self, slab: &mut Slab, incoming: u32) -> u32 {
        match self {
            Policy::Lru(p) => p.victim(slab, incoming),
        }
    }

    /// The entry at `slot` is about to leave the cache.
    #[inline]
    pub fn on_remove(&mut self, slab: &mut Slab, slot: u32) {
        let _ = (slab, slot);
    }

    /// Forgets all history.
    pub fn clear(&mut self) {}
}
