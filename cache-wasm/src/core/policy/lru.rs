//! Least recently used: one list, hits move to the front, the tail is evicted.

use crate::core::slab::Slab;

/// The LRU policy; all its state is the order of list 0.
#[derive(Debug, Default)]
pub(crate) struct Lru;

impl Lru {
    /// Makes `slot` the most recently used entry.
    #[inline]
    pub fn touch(&mut self, slab: &mut Slab, slot: u32) {
        slab.move_to_front(slot, 0);
    }

    /// The least recently used entry other than `keep`.
    #[inline]
    pub fn victim(&mut self, slab: &mut Slab, keep: u32) -> u32 {
        slab.tail_except(0, keep)
    }
}
