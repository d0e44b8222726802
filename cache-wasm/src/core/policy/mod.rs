//! Eviction policies: they order the slab's lists and choose victims; the store owns the entries.

mod lru;
#[cfg(test)]
mod replay;
mod sketch;
mod tinylfu;

use super::slab::Slab;
pub(crate) use lru::Lru;
pub(crate) use tinylfu::TinyLfu;

/// The eviction policy a store runs, as chosen by `evictionPolicy`.
#[derive(Debug)]
pub(crate) enum Policy {
    Lru(Lru),
    TinyLfu(TinyLfu),
}

impl Policy {
    /// A policy of `kind` for a cache of at most `max_entries` entries.
    pub fn new(kind: super::config::PolicyKind, max_entries: u32) -> Self {
        match kind {
            super::config::PolicyKind::Lru => Policy::Lru(Lru),
            super::config::PolicyKind::TinyLfu => Policy::TinyLfu(TinyLfu::new(max_entries)),
        }
    }

    /// Notes a read or write of the key with `hash`, hit or miss.
    #[inline]
    pub fn record_access(&mut self, hash: u32) {
        match self {
            Policy::Lru(_) => {
                let _ = hash;
            }
            Policy::TinyLfu(p) => p.record_access(hash),
        }
    }

    /// A get returned the entry at `slot`: flags it read and moves it as the policy does.
    #[inline]
    pub fn on_hit(&mut self, slab: &mut Slab, slot: u32) {
        match self {
            Policy::Lru(p) => {
                if let Some(n) = slab.get_mut(slot) {
                    n.set_read(true);
                }
                p.touch(slab, slot);
            }
            Policy::TinyLfu(p) => p.on_hit(slab, slot),
        }
    }

    /// Undoes the bookkeeping of the last `on_hit` (the slab undoes the moves).
    #[inline]
    pub fn undo_hit(&mut self) {
        match self {
            Policy::Lru(_) => {}
            Policy::TinyLfu(p) => p.undo_hit(),
        }
    }

    /// A set replaced the value of the entry at `slot`.
    #[inline]
    pub fn on_update(&mut self, slab: &mut Slab, slot: u32) {
        match self {
            Policy::Lru(p) => p.touch(slab, slot),
            Policy::TinyLfu(p) => p.on_update(slab, slot),
        }
    }

    /// Links the new entry at `slot` into the policy's lists.
    #[inline]
    pub fn on_insert(&mut self, slab: &mut Slab, slot: u32) {
        match self {
            Policy::Lru(p) => p.touch(slab, slot),
            Policy::TinyLfu(p) => p.on_insert(slab, slot),
        }
    }

    /// The entry to evict to make room, or NIL: for a new entry when `keep` is NIL, else for
    /// the entry at `keep`, which a set or a new size made larger and which stays unless
    /// nothing else is left.
    #[inline]
    pub fn victim(&mut self, slab: &mut Slab, keep: u32) -> u32 {
        match self {
            Policy::Lru(p) => p.victim(slab, keep),
            Policy::TinyLfu(p) => p.victim(slab, keep),
        }
    }

    /// The entry at `slot` is about to leave the cache.
    #[inline]
    pub fn on_remove(&mut self, slab: &mut Slab, slot: u32) {
        let _ = (slab, slot);
    }

    /// Checks the policy's invariants over `slab`; for tests.
    #[cfg(test)]
    pub fn check_invariants(&self, slab: &Slab) {
        match self {
            Policy::Lru(_) => {
                for seg in 1..super::slab::LISTS as u8 {
                    assert_eq!(slab.list(seg).len, 0, "LRU uses list 0 only");
                }
            }
            Policy::TinyLfu(p) => p.check_invariants(slab),
        }
    }

    /// Forgets all history.
    pub fn clear(&mut self) {
        match self {
            Policy::Lru(_) => {}
            Policy::TinyLfu(p) => p.clear(),
        }
    }
}
