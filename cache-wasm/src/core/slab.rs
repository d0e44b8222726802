//! Entry slots with intrusive doubly linked lists: the storage every eviction policy orders.

use super::chunked::Chunked;
use super::index::MAX_SLOTS;

/// The "no slot" marker used for list ends, empty buckets and missing answers.
pub const NIL: u32 = u32::MAX;

/// Segment tag of a slot on the free list.
pub(crate) const FREE: u8 = u8::MAX;

/// Number of ordered lists a policy may use (LRU uses one, W-TinyLFU three).
pub(crate) const LISTS: usize = 3;

/// Low 24 bits of a link word: a slot number (slots are below `MAX_SLOTS`, the most entries a
/// cache may hold), or all ones for NIL.
const LINK: u32 = MAX_SLOTS;
/// The read flag's bit in the `next` word.
const READ: u32 = 1 << 31;
/// The bit in the `next` word of an entry the hash index does not hold.
const UNINDEXED: u32 = 1 << 30;

/// One entry's list links, segment and flags in 8 bytes (eight nodes to a cache line), so
/// that moving an entry up touches as little memory as possible. The segment shares a word
/// with the previous slot, the flags with the next. Key hashes, sizes and expiry times live
/// beside the nodes, each in a column that exists once some entry needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// Previous slot in the low 24 bits, the segment above them.
    prev_seg: u32,
    /// Next slot in the low 24 bits, the read flag in the top bit and the unindexed flag
    /// below it.
    next_read: u32,
}

/// A link word's slot: NIL for all ones.
#[inline]
fn unpack(word: u32) -> u32 {
    let s = word & LINK;
    s | u32::from(s == LINK).wrapping_neg()
}

impl Node {
    pub(crate) const EMPTY: Node = Node {
        prev_seg: ((FREE as u32) << 24) | LINK,
        next_read: LINK,
    };

    #[inline]
    pub fn prev(&self) -> u32 {
        unpack(self.prev_seg)
    }

    #[inline]
    pub fn next(&self) -> u32 {
        unpack(self.next_read)
    }

    /// The list the node is in, or FREE.
    #[inline]
    pub fn seg(&self) -> u8 {
        (self.prev_seg >> 24) as u8
    }

    /// Whether a get has returned this entry since it was set.
    #[inline]
    pub fn read(&self) -> bool {
        self.next_read & READ != 0
    }

    /// Whether the hash index holds this entry (entries a caller finds by slot need not be).
    #[inline]
    pub fn indexed(&self) -> bool {
        self.next_read & UNINDEXED == 0
    }

    #[inline]
    pub fn set_indexed(&mut self, indexed: bool) {
        self.next_read = (self.next_read & !UNINDEXED) | if indexed { 0 } else { UNINDEXED };
    }

    #[inline]
    pub fn set_prev(&mut self, slot: u32) {
        self.prev_seg = (self.prev_seg & !LINK) | (slot & LINK);
    }

    #[inline]
    pub fn set_next(&mut self, slot: u32) {
        self.next_read = (self.next_read & !LINK) | (slot & LINK);
    }

    #[inline]
    pub fn set_read(&mut self, read: bool) {
        self.next_read = (self.next_read & !READ) | if read { READ } else { 0 };
    }

    /// Sets the links and the segment at once.
    #[inline]
    fn link(&mut self, prev: u32, next: u32, seg: u8) {
        self.prev_seg = (u32::from(seg) << 24) | (prev & LINK);
        self.next_read = (self.next_read & !LINK) | (next & LINK);
    }
}

/// Head (most recent), tail (least recent) and length of one list.
#[derive(Clone, Copy, Debug)]
pub(crate) struct List {
    pub head: u32,
    pub tail: u32,
    pub len: u32,
}

impl List {
    const EMPTY: List = List {
        head: NIL,
        tail: NIL,
        len: 0,
    };
}

/// A move that can be undone: the slot, the list it was in and the slot before it there.
#[derive(Clone, Copy, Debug)]
struct Move {
    slot: u32,
    seg: u8,
    prev: u32,
}

/// The slot arena. Slots are reused last-freed-first, so a slot freed by an eviction is the one
/// the insert that caused it receives.
#[derive(Debug)]
pub(crate) struct Slab {
    nodes: Chunked<Node>,
    /// Key hash per slot; empty until an entry the index holds has a hash other than 0 (an
    /// LRU cache of keys its caller finds by slot never needs one).
    hashes: Chunked<u32>,
    /// Accounted size per slot; empty until an entry has a size other than 0 (a cache without
    /// a byte bound whose sizes nobody has asked for never needs one).
    sizes: Chunked<u32>,
    /// Absolute expiry per slot in ms since the epoch, infinite for none; empty until needed.
    expires: Chunked<f64>,
    lists: [List; LISTS],
    free: u32,
    journal: [Move; 4],
    journal_len: usize,
    journaling: bool,
}

impl Slab {
    pub fn new() -> Self {
        Slab {
            nodes: Chunked::new(Node::EMPTY),
            hashes: Chunked::new(0),
            sizes: Chunked::new(0),
            expires: Chunked::new(f64::INFINITY),
            lists: [List::EMPTY; LISTS],
            free: NIL,
            journal: [Move {
                slot: NIL,
                seg: 0,
                prev: NIL,
            }; 4],
            journal_len: 0,
            journaling: false,
        }
    }

    /// The node at `slot`, when the slot exists.
    #[inline]
    pub fn get(&self, slot: u32) -> Option<&Node> {
        self.nodes.get(slot as usize)
    }

    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Node> {
        self.nodes.get_mut(slot as usize)
    }

    /// The node of `slot` when it holds a live entry.
    #[inline]
    pub fn live(&self, slot: u32) -> Option<&Node> {
        self.get(slot).filter(|n| n.seg() != FREE)
    }

    /// Whether `slot` holds a live entry.
    #[inline]
    pub fn is_live(&self, slot: u32) -> bool {
        self.live(slot).is_some()
    }

    #[inline]
    pub fn list(&self, seg: u8) -> List {
        self.lists.get(seg as usize).copied().unwrap_or(List::EMPTY)
    }

    /// Number of slots ever allocated (live and free).
    pub fn capacity(&self) -> usize {
        self.nodes.len()
    }

    /// Takes a free slot (or a new one) for an entry with `hash` and `size`, held by the index
    /// or not as `indexed` says; it is in no list, not read. The new slot has no expiry until
    /// [`Slab::set_expires`]. Free slots are taken first, so slot numbers stay below the most
    /// entries a cache may hold (`MAX_SLOTS`) and a link fits in 24 bits.
    pub fn alloc(&mut self, hash: u32, size: u32, indexed: bool) -> u32 {
        let mut node = Node::EMPTY;
        node.set_indexed(indexed);
        let mut slot = NIL;
        if self.free != NIL {
            if let Some(n) = self.nodes.get_mut(self.free as usize) {
                slot = self.free;
                self.free = n.next();
                *n = node;
                if let Some(e) = self.expires.get_mut(slot as usize) {
                    *e = f64::INFINITY;
                }
            }
        }
        if slot == NIL {
            slot = self.nodes.len() as u32;
            self.nodes.push(node);
            for column in [&mut self.hashes, &mut self.sizes] {
                if !column.is_empty() {
                    column.push(0);
                }
            }
            if !self.expires.is_empty() {
                self.expires.push(f64::INFINITY);
            }
        }
        self.put_hash(slot, hash, indexed);
        self.set_size(slot, size);
        slot
    }

    /// Gives the least recent slot of list 0 to a new entry with `hash` and `size` (held by the
    /// index or not, as `indexed` says), which becomes the most recent: what evicting it and
    /// inserting would do, in one move. Returns the slot; None (nothing changes) when list 0
    /// is empty.
    pub fn recycle_tail(&mut self, hash: u32, size: u32, indexed: bool) -> Option<u32> {
        let tail = self.lists.first()?.tail;
        let filled = self.front0(tail, |n| {
            n.set_read(false);
            n.set_indexed(indexed);
        });
        if filled {
            self.put_hash(tail, hash, indexed);
            self.set_size(tail, size);
        }
        filled.then_some(tail)
    }

    /// Writes the key hash of `slot`. Only an entry the index holds needs one: the column is
    /// made for the first such hash other than 0, and until then every hash reads as 0.
    #[inline]
    fn put_hash(&mut self, slot: u32, hash: u32, indexed: bool) {
        if indexed || !self.hashes.is_empty() {
            self.hashes
                .put_or_make(self.nodes.len(), slot as usize, hash);
        }
    }

    /// The accounted size of `slot` (0 for a slot that does not exist).
    #[inline]
    pub fn size(&self, slot: u32) -> u32 {
        self.sizes.get(slot as usize).copied().unwrap_or(0)
    }

    /// Sets the accounted size of `slot`. The column is made for the first size other than 0;
    /// until then every size reads as 0.
    #[inline]
    pub fn set_size(&mut self, slot: u32, size: u32) {
        self.sizes
            .put_or_make(self.nodes.len(), slot as usize, size);
    }

    /// The absolute expiry of `slot`, infinite when it has none.
    #[inline]
    pub fn expires_at(&self, slot: u32) -> f64 {
        self.expires
            .get(slot as usize)
            .copied()
            .unwrap_or(f64::INFINITY)
    }

    /// Sets the absolute expiry of `slot`.
    pub fn set_expires(&mut self, slot: u32, at: f64) {
        if (slot as usize) >= self.nodes.len() {
            return;
        }
        if self.expires.is_empty() {
            if !at.is_finite() {
                return;
            }
            self.expires.resize(self.nodes.len(), f64::INFINITY);
        }
        if let Some(e) = self.expires.get_mut(slot as usize) {
            *e = at;
        }
    }

    /// The key hash of `slot` (0 for a slot that does not exist, and for an entry the index
    /// does not hold while no entry needs a hash).
    #[inline]
    pub fn hash(&self, slot: u32) -> u32 {
        self.hashes.get(slot as usize).copied().unwrap_or(0)
    }

    /// Unlinks `slot` from its list and puts it on the free list. Its hash and size stay until
    /// the slot is taken again, which writes both.
    pub fn release(&mut self, slot: u32) {
        self.unlink(slot);
        let free = self.free;
        if let Some(n) = self.get_mut(slot) {
            *n = Node::EMPTY;
            n.set_next(free);
            self.free = slot;
        }
        if let Some(e) = self.expires.get_mut(slot as usize) {
            *e = f64::INFINITY;
        }
    }

    /// Drops every slot.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.hashes.clear();
        self.sizes.clear();
        self.expires.clear();
        self.lists = [List::EMPTY; LISTS];
        self.free = NIL;
        self.journal_len = 0;
    }

    /// Removes `slot` from the list it is in; a free slot is left as it is.
    pub fn unlink(&mut self, slot: u32) {
        let Some(&n) = self.get(slot) else { return };
        if n.seg() == FREE {
            return;
        }
        if let Some(p) = self.get_mut(n.prev()) {
            p.set_next(n.next());
        }
        if let Some(x) = self.get_mut(n.next()) {
            x.set_prev(n.prev());
        }
        if let Some(list) = self.lists.get_mut(n.seg() as usize) {
            if list.head == slot {
                list.head = n.next();
            }
            if list.tail == slot {
                list.tail = n.prev();
            }
            list.len = list.len.saturating_sub(1);
        }
        if let Some(m) = self.get_mut(slot) {
            m.link(NIL, NIL, FREE);
        }
    }

    /// Links an unlinked `slot` into list `seg` right after `after` (at the head when `after` is NIL).
    fn link_after(&mut self, slot: u32, seg: u8, after: u32) {
        let Some(list) = self.lists.get(seg as usize).copied() else {
            return;
        };
        let next = if after == NIL {
            list.head
        } else {
            self.get(after).map_or(NIL, |a| a.next())
        };
        if let Some(n) = self.get_mut(slot) {
            n.link(after, next, seg);
        } else {
            return;
        }
        if let Some(a) = self.get_mut(after) {
            a.set_next(slot);
        }
        if let Some(x) = self.get_mut(next) {
            x.set_prev(slot);
        }
        if let Some(list) = self.lists.get_mut(seg as usize) {
            if after == NIL {
                list.head = slot;
            }
            if next == NIL {
                list.tail = slot;
            }
            list.len += 1;
        }
    }

    /// Makes `slot` the most recent entry of list `seg`, recording the move while journaling.
    #[inline]
    pub fn move_to_front(&mut self, slot: u32, seg: u8) {
        let (old_seg, prev, next) = match self.nodes.get(slot as usize) {
            Some(n) => (n.seg(), n.prev(), n.next()),
            None => return,
        };
        // The head of a list is the one node of it without a predecessor.
        if old_seg == seg && prev == NIL {
            return;
        }
        if old_seg != FREE {
            if self.journaling {
                if let Some(m) = self.journal.get_mut(self.journal_len) {
                    *m = Move {
                        slot,
                        seg: old_seg,
                        prev,
                    };
                    self.journal_len += 1;
                }
            }
            match self.nodes.get_mut(prev as usize) {
                Some(p) => p.set_next(next),
                None => {
                    if let Some(l) = self.lists.get_mut(old_seg as usize) {
                        l.head = next;
                    }
                }
            }
            match self.nodes.get_mut(next as usize) {
                Some(x) => x.set_prev(prev),
                None => {
                    if let Some(l) = self.lists.get_mut(old_seg as usize) {
                        l.tail = prev;
                    }
                }
            }
            if let Some(l) = self.lists.get_mut(old_seg as usize) {
                l.len = l.len.saturating_sub(1);
            }
        }
        let head = match self.lists.get_mut(seg as usize) {
            Some(l) => {
                let head = l.head;
                l.head = slot;
                if head == NIL {
                    l.tail = slot;
                }
                l.len += 1;
                head
            }
            None => {
                // No such list: leave the node unlinked, as `unlink` does.
                if let Some(n) = self.nodes.get_mut(slot as usize) {
                    n.link(NIL, NIL, FREE);
                }
                return;
            }
        };
        if let Some(h) = self.nodes.get_mut(head as usize) {
            h.set_prev(slot);
        }
        if let Some(n) = self.nodes.get_mut(slot as usize) {
            n.link(NIL, head, seg);
        }
    }

    /// A hit on the live entry at `slot`: flags it read and, unless its list is `except`, makes
    /// it the most recent entry of that list, as `move_to_front(slot, seg)` of its own list
    /// does (journaled the same way). Returns the list, or None (nothing changes) when the slot
    /// is free or does not exist.
    #[inline]
    pub fn hit_in_list(&mut self, slot: u32, except: u8) -> Option<u8> {
        let n = self.nodes.get_mut(slot as usize)?;
        let seg = n.seg();
        // A free slot's segment (FREE) names no list.
        let head = self.lists.get(seg as usize)?.head;
        n.set_read(true);
        if seg == except {
            return Some(seg);
        }
        let (prev, next) = (n.prev(), n.next());
        // The head of a list is the one node of it without a predecessor.
        if prev == NIL {
            return Some(seg);
        }
        n.link(NIL, head, seg);
        if self.journaling {
            if let Some(m) = self.journal.get_mut(self.journal_len) {
                *m = Move { slot, seg, prev };
                self.journal_len += 1;
            }
        }
        if let Some(p) = self.nodes.get_mut(prev as usize) {
            p.set_next(next);
        }
        match self.nodes.get_mut(next as usize) {
            Some(x) => x.set_prev(prev),
            None => {
                if let Some(l) = self.lists.get_mut(seg as usize) {
                    l.tail = prev;
                }
            }
        }
        if let Some(h) = self.nodes.get_mut(head as usize) {
            h.set_prev(slot);
        }
        if let Some(l) = self.lists.get_mut(seg as usize) {
            l.head = slot;
        }
        Some(seg)
    }

    /// An LRU hit: moves the node of `slot`, in list 0, to the front of it and flags it read.
    /// Not journaled. False (and nothing changes) when the slot is not in list 0.
    #[inline]
    pub fn hit_front(&mut self, slot: u32) -> bool {
        self.front0(slot, |n| n.set_read(true))
    }

    /// An LRU write over the entry at `slot`, in list 0: it moves to the front with `size`,
    /// not yet read. Not journaled. False (and nothing changes) when the slot is not in list 0.
    #[inline]
    pub fn rewrite_front(&mut self, slot: u32, size: u32) -> bool {
        let moved = self.front0(slot, |n| n.set_read(false));
        if moved {
            self.set_size(slot, size);
        }
        moved
    }

    /// Moves the node of `slot`, in list 0, to the front of it, after `fill` has written the
    /// node's other fields; false (and nothing changes) when the slot is not in list 0.
    #[inline]
    fn front0(&mut self, slot: u32, fill: impl FnOnce(&mut Node)) -> bool {
        let Some(head) = self.lists.first().map(|l| l.head) else {
            return false;
        };
        let Some(n) = self.nodes.get_mut(slot as usize) else {
            return false;
        };
        if n.seg() != 0 {
            return false;
        }
        fill(n);
        let (prev, next) = (n.prev(), n.next());
        // The head of a list is the one node of it without a predecessor.
        if prev == NIL {
            return true;
        }
        n.link(NIL, head, 0);
        if let Some(p) = self.nodes.get_mut(prev as usize) {
            p.set_next(next);
        }
        match self.nodes.get_mut(next as usize) {
            Some(x) => x.set_prev(prev),
            None => {
                if let Some(l) = self.lists.first_mut() {
                    l.tail = prev;
                }
            }
        }
        if let Some(h) = self.nodes.get_mut(head as usize) {
            h.set_prev(slot);
        }
        if let Some(l) = self.lists.first_mut() {
            l.head = slot;
        }
        true
    }

    /// Starts recording moves so that they can be undone.
    pub fn begin_journal(&mut self) {
        self.journal_len = 0;
        self.journaling = true;
    }

    /// Stops recording; the moves recorded so far stay undoable until the next `begin_journal`.
    pub fn end_journal(&mut self) {
        self.journaling = false;
    }

    /// Puts every journaled slot back where it was, newest move first.
    pub fn undo_journal(&mut self) {
        while self.journal_len > 0 {
            self.journal_len -= 1;
            let Some(&m) = self.journal.get(self.journal_len) else {
                break;
            };
            self.unlink(m.slot);
            self.link_after(m.slot, m.seg, m.prev);
        }
    }

    /// Slots of list `seg` from most to least recent.
    pub fn iter(&self, seg: u8) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.list(seg).head;
        std::iter::from_fn(move || {
            if at == NIL {
                return None;
            }
            let here = at;
            at = self.get(here).map_or(NIL, |n| n.next());
            Some(here)
        })
    }

    /// The least recent slot of list `seg`, or NIL.
    #[inline]
    pub fn tail(&self, seg: u8) -> u32 {
        self.list(seg).tail
    }

    /// The least recent slot of list `seg` other than `keep`, or NIL.
    #[inline]
    pub fn tail_except(&self, seg: u8, keep: u32) -> u32 {
        let tail = self.tail(seg);
        if tail != NIL && tail == keep {
            return self.get(tail).map_or(NIL, |n| n.prev());
        }
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new indexed slot of `hash` and size 0.
    fn alloc(s: &mut Slab, hash: u32) -> u32 {
        s.alloc(hash, 0, true)
    }

    #[test]
    fn a_node_packs_links_segment_and_flags_into_8_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 8);
        let mut n = Node::EMPTY;
        assert_eq!(
            (n.prev(), n.next(), n.seg(), n.read()),
            (NIL, NIL, FREE, false)
        );
        n.link(LINK - 1, 0, 2);
        n.set_read(true);
        assert_eq!(
            (n.prev(), n.next(), n.seg(), n.read()),
            (LINK - 1, 0, 2, true)
        );
        n.set_next(NIL);
        n.set_prev(5);
        assert_eq!((n.prev(), n.next(), n.seg(), n.read()), (5, NIL, 2, true));
        assert!(n.indexed());
        n.set_indexed(false);
        n.link(NIL, 7, 0);
        n.set_read(false);
        assert_eq!((n.prev(), n.next(), n.seg(), n.read()), (NIL, 7, 0, false));
        assert!(!n.indexed());
        n.set_next(3);
        n.set_indexed(true);
        assert_eq!((n.next(), n.indexed(), n.read()), (3, true, false));
    }

    #[test]
    fn hashes_and_sizes_take_memory_only_once_an_entry_needs_them() {
        let mut s = Slab::new();
        // Entries the index does not hold, of size 0: links only.
        let slots: Vec<u32> = (0..3000).map(|h| s.alloc(h, 0, false)).collect();
        assert_eq!(
            (s.hashes.allocated_bytes(), s.sizes.allocated_bytes()),
            (0, 0)
        );
        assert_eq!((s.hash(slots[7]), s.size(slots[7])), (0, 0));
        assert!(
            s.recycle_tail(5, 0, false).is_none(),
            "no entry is in a list yet"
        );
        s.move_to_front(slots[9], 0);
        assert_eq!(s.recycle_tail(5, 0, false), Some(slots[9]));
        assert_eq!(s.hashes.allocated_bytes(), 0);
        // The first indexed hash makes the hash column, the first size the size column; both
        // cover every slot, and slots made later extend them.
        let a = s.alloc(77, 0, true);
        assert_eq!(
            (s.hash(a), s.hashes.len(), s.sizes.allocated_bytes()),
            (77, 3001, 0)
        );
        s.set_size(slots[2], 40);
        assert_eq!((s.size(slots[2]), s.sizes.len()), (40, 3001));
        let b = s.alloc(78, 6, false);
        assert_eq!(
            (s.hash(b), s.size(b), s.hashes.len(), s.sizes.len()),
            (78, 6, 3002, 3002)
        );
        // A reused slot gets its new hash and size, 0 included.
        s.release(b);
        assert_eq!(s.alloc(0, 0, false), b);
        assert_eq!((s.hash(b), s.size(b)), (0, 0));
        assert!(s.rewrite_front(slots[9], 12));
        assert_eq!(s.size(slots[9]), 12);
        // Slots that do not exist read as 0 and take no writes.
        s.set_size(9999, 3);
        assert_eq!((s.size(9999), s.hash(9999), s.sizes.len()), (0, 0, 3002));
        s.clear();
        assert_eq!(
            (s.hashes.allocated_bytes(), s.sizes.allocated_bytes()),
            (0, 0)
        );
    }

    #[test]
    fn lists_keep_order_and_undo_restores_it() {
        let mut s = Slab::new();
        let a = alloc(&mut s, 1);
        let b = alloc(&mut s, 2);
        let c = alloc(&mut s, 3);
        for x in [a, b, c] {
            s.move_to_front(x, 0);
        }
        assert_eq!(s.iter(0).collect::<Vec<_>>(), vec![c, b, a]);
        s.begin_journal();
        s.move_to_front(a, 0);
        s.move_to_front(b, 1);
        s.end_journal();
        assert_eq!(s.iter(0).collect::<Vec<_>>(), vec![a, c]);
        assert_eq!(s.iter(1).collect::<Vec<_>>(), vec![b]);
        s.undo_journal();
        assert_eq!(s.iter(0).collect::<Vec<_>>(), vec![c, b, a]);
        assert_eq!(s.list(1).len, 0);
        assert_eq!(s.tail(0), a);
    }

    #[test]
    fn an_lru_hit_moves_like_move_to_front() {
        let mut a = Slab::new();
        let mut b = Slab::new();
        for s in [&mut a, &mut b] {
            for h in 0..9 {
                let slot = alloc(s, h);
                s.move_to_front(slot, 0);
            }
        }
        let mut x = 7u32;
        for _ in 0..500 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let slot = (x >> 16) % 10;
            assert_eq!(a.hit_front(slot), slot < 9, "slot {slot}");
            if slot < 9 {
                b.move_to_front(slot, 0);
            }
            assert_eq!(a.iter(0).collect::<Vec<_>>(), b.iter(0).collect::<Vec<_>>());
            assert_eq!(a.tail(0), b.tail(0));
            assert_eq!(a.list(0).len, 9);
        }
        assert!((0..9).all(|s| a.get(s).unwrap().read()));
        // A slot on another list, or free, is not an LRU hit.
        a.move_to_front(3, 1);
        assert!(!a.hit_front(3));
        a.release(4);
        assert!(!a.hit_front(4));
    }

    #[test]
    fn a_hit_in_its_list_moves_like_move_to_front_and_undoes_alike() {
        let mut a = Slab::new();
        let mut b = Slab::new();
        for s in [&mut a, &mut b] {
            for h in 0..12 {
                let slot = alloc(s, h);
                s.move_to_front(slot, (h % 3) as u8);
            }
        }
        let lists = |s: &Slab| {
            (0..3u8)
                .map(|l| s.iter(l).collect())
                .collect::<Vec<Vec<u32>>>()
        };
        let mut x = 11u32;
        for _ in 0..300 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let slot = (x >> 16) % 13;
            let seg = b.get(slot).map(|n| n.seg());
            let before = lists(&a);
            a.begin_journal();
            let got = a.hit_in_list(slot, FREE);
            a.end_journal();
            assert_eq!(got, seg.filter(|s| *s != FREE), "slot {slot}");
            if let Some(seg) = got {
                b.move_to_front(slot, seg);
                assert!(a.get(slot).unwrap().read());
            }
            assert_eq!(lists(&a), lists(&b));
            for l in 0..3u8 {
                assert_eq!((a.tail(l), a.list(l).len), (b.tail(l), b.list(l).len));
            }
            // Undone, the lists are as they were; done again, as `move_to_front` left them.
            a.undo_journal();
            assert_eq!(lists(&a), before);
            a.hit_in_list(slot, FREE);
            assert_eq!(lists(&a), lists(&b));
        }
        // A slot of the excepted list is flagged read and stays where it is.
        let tail = a.tail(1);
        let before = lists(&a);
        assert_eq!(a.hit_in_list(tail, 1), Some(1));
        assert_eq!(lists(&a), before);
        assert!(a.get(tail).unwrap().read());
        // A free slot or one that does not exist changes nothing.
        a.release(tail);
        let before = lists(&a);
        assert_eq!(a.hit_in_list(tail, FREE), None);
        assert_eq!(a.hit_in_list(999, FREE), None);
        assert_eq!(lists(&a), before);
        assert!(!a.get(tail).unwrap().read());
    }

    #[test]
    fn recycling_the_tail_is_evicting_it_and_inserting() {
        let mut a = Slab::new();
        assert_eq!(a.recycle_tail(1, 1, true), None);
        let mut b = Slab::new();
        for s in [&mut a, &mut b] {
            for h in 0..4 {
                let slot = alloc(s, h);
                s.move_to_front(slot, 0);
            }
        }
        for h in 10..20 {
            let slot = a.recycle_tail(h, 7, true).unwrap();
            let tail = b.tail(0);
            b.release(tail);
            assert_eq!(b.alloc(h, 7, true), tail);
            b.move_to_front(tail, 0);
            assert_eq!(slot, tail);
            assert_eq!(a.iter(0).collect::<Vec<_>>(), b.iter(0).collect::<Vec<_>>());
            assert_eq!((a.tail(0), a.list(0).len), (b.tail(0), b.list(0).len));
            assert_eq!((a.hash(slot), a.size(slot)), (h, 7));
        }
        let mut one = Slab::new();
        let only = alloc(&mut one, 1);
        one.move_to_front(only, 0);
        assert_eq!(one.recycle_tail(2, 3, true), Some(only));
        assert_eq!(
            (one.hash(only), one.list(0).head, one.list(0).tail),
            (2, only, only)
        );
    }

    #[test]
    fn freed_slots_are_reused_last_first() {
        let mut s = Slab::new();
        let a = alloc(&mut s, 1);
        let b = alloc(&mut s, 2);
        s.move_to_front(a, 0);
        s.move_to_front(b, 0);
        s.release(a);
        s.release(b);
        assert_eq!(alloc(&mut s, 3), b);
        assert_eq!(alloc(&mut s, 4), a);
        assert!(!s.is_live(a));
        assert_eq!(s.list(0).len, 0);
    }
}
