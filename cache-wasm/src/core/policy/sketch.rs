//! TinyLFU's frequency sketch: 4-bit count-min counters behind a doorkeeper, aged by halving.
//!
//! Keys are the store's 32-bit key hashes. The first sighting of a key only sets its bits in the
//! doorkeeper (a small Bloom filter), so keys seen once cost no counter. Later sightings
//! increment one counter in each of four rows; the estimate is the smallest of the four, plus
//! one when the doorkeeper knows the key. After `10 × capacity` increments every counter is
//! halved and the doorkeeper is cleared, so old popularity fades.
//!
//! A key's four counters lie in one block of eight words, aligned to a 64-byte cache line, and
//! its doorkeeper bits in one word: a sighting reads two lines of memory, where four rows and
//! three separate bits would read up to seven.
//!
//! Only sightings that raise a counter count towards aging: one absorbed by the doorkeeper or
//! by saturated counters adds nothing. A stable working set whose counters are all saturated
//! then stops aging, which spares it the churn that follows each aging (keys seen since the
//! aging briefly look more frequent than keys not seen yet).

/// Rows of counters; each key has one counter per row.
const ROWS: usize = 4;

/// Counters per row for each entry of capacity (rounded up to a power of two).
const WIDTH_PER_ENTRY: u64 = 2;

/// Doorkeeper bits for each entry of capacity (rounded up to a power of two).
const DOOR_BITS_PER_ENTRY: u64 = 8;

/// Where in the remixed hash each of a key's doorkeeper bits is read (6 bits each, below the
/// bits that pick its word).
const DOOR_BIT_SHIFTS: [u32; 3] = [22, 28, 34];

/// The largest capacity a sketch is sized for; larger caches share counters more.
pub(crate) const MAX_CAPACITY: u32 = 1 << 22;

/// Increments between two agings, per entry of capacity.
const SAMPLE_PER_ENTRY: u32 = 10;

/// The largest value of a counter.
const COUNTER_MAX: u64 = 15;

/// Keeps the low three bits of every counter after a right shift by one: halving.
const HALF_MASK: u64 = 0x7777_7777_7777_7777;

/// Counters are packed sixteen to a word.
const PER_WORD: u64 = 16;

/// Words in a block: a key's counters are in one block, row `r`'s in word `2r` or `2r + 1`.
const BLOCK_WORDS: usize = 2 * ROWS;

/// A block of counters, on a cache line of its own (a plain `Vec<u64>` is only 8-byte aligned,
/// and a block would then span two lines most of the time).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(64))]
struct Block([u64; BLOCK_WORDS]);

const _: () = assert!(std::mem::size_of::<Block>() == 64);

/// A count-min sketch with a doorkeeper, sized for a cache of `capacity` entries.
#[derive(Clone, Debug)]
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct Sketch {
    /// Blocks of 4-bit counters.
    table: Vec<Block>,
    /// Blocks minus one (a power of two).
    block_mask: u32,
    /// The doorkeeper's bits.
    door: Vec<u64>,
    /// Doorkeeper words minus one (a power of two).
    door_mask: u32,
    /// Increments since the last aging.
    additions: u32,
    /// Increments that trigger an aging.
    sample: u32,
    capacity: u32,
}

/// Spreads a 32-bit hash over 64 bits (the SplitMix64 finalizer).
#[inline]
fn spread(hash: u32) -> u64 {
    let mut x = u64::from(hash).wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Sketch {
    /// A sketch for a cache of `capacity` entries (clamped to 1..=`MAX_CAPACITY`).
    pub fn new(capacity: u32) -> Self {
        let capacity = capacity.clamp(1, MAX_CAPACITY);
        let width = (u64::from(capacity) * WIDTH_PER_ENTRY)
            .next_power_of_two()
            .max(PER_WORD * 4);
        let door_bits = (u64::from(capacity) * DOOR_BITS_PER_ENTRY)
            .next_power_of_two()
            .max(256);
        let words = width * ROWS as u64 / PER_WORD;
        let blocks = words / BLOCK_WORDS as u64;
        Sketch {
            table: vec![Block::default(); blocks as usize],
            block_mask: (blocks - 1) as u32,
            door: vec![0; (door_bits / 64) as usize],
            door_mask: (door_bits / 64 - 1) as u32,
            additions: 0,
            sample: capacity.saturating_mul(SAMPLE_PER_ENTRY),
            capacity,
        }
    }

    /// The capacity the sketch was sized for.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Increments between two agings, and accesses in a sample of the window's hill climber.
    pub fn sample_size(&self) -> u32 {
        self.sample
    }

    /// The block of the spread hash `x` (from its low half), and the word in the block and bit
    /// shift of each row's counter (from each byte of its high half: the word of the row's
    /// pair and the counter in it).
    #[inline]
    fn counters(&self, x: u64) -> (usize, [(usize, u32); ROWS]) {
        let block = ((x as u32) & self.block_mask) as usize;
        let c = (x >> 32) as u32;
        let mut at = [(0, 0); ROWS];
        for (row, slot) in at.iter_mut().enumerate() {
            let byte = c >> (8 * row);
            *slot = (2 * row + (byte & 1) as usize, ((byte >> 1) & 15) * 4);
        }
        (block, at)
    }

    /// The doorkeeper's word for the spread hash `x`, and the mask of its bits there, from a
    /// remix of `x` whose top bits depend on all of it.
    #[inline]
    fn door_at(&self, x: u64) -> (usize, u64) {
        let y = x.rotate_left(17).wrapping_mul(0xd6e8_feb8_6659_fd93);
        let word = ((y >> 40) as u32 & self.door_mask) as usize;
        let mask = DOOR_BIT_SHIFTS
            .iter()
            .fold(0, |m, &shift| m | (1u64 << ((y >> shift) & 63)));
        (word, mask)
    }

    fn door_contains(&self, x: u64) -> bool {
        let (word, mask) = self.door_at(x);
        self.door.get(word).is_some_and(|w| w & mask == mask)
    }

    /// Sets the key's doorkeeper bits; returns whether they were all set already.
    fn door_insert(&mut self, x: u64) -> bool {
        let (word, mask) = self.door_at(x);
        match self.door.get_mut(word) {
            Some(w) => {
                let present = *w & mask == mask;
                *w |= mask;
                present
            }
            None => false,
        }
    }

    /// The estimated number of sightings of `hash` (at most 16), never below the true count
    /// since the last aging while that count is at most 15.
    pub fn frequency(&self, hash: u32) -> u32 {
        let x = spread(hash);
        let (block, at) = self.counters(x);
        let words = self.table.get(block).map(|b| &b.0);
        let mut min = COUNTER_MAX;
        for (word, shift) in at {
            let c = words
                .and_then(|ws| ws.get(word))
                .map_or(0, |w| (w >> shift) & COUNTER_MAX);
            min = min.min(c);
        }
        min as u32 + u32::from(self.door_contains(x))
    }

    /// Records one sighting of `hash`, aging the sketch when a sample of increments is complete.
    pub fn increment(&mut self, hash: u32) {
        let x = spread(hash);
        let mut added = false;
        if self.door_insert(x) {
            let (block, at) = self.counters(x);
            if let Some(Block(words)) = self.table.get_mut(block) {
                for (word, shift) in at {
                    if let Some(w) = words.get_mut(word) {
                        if (*w >> shift) & COUNTER_MAX < COUNTER_MAX {
                            *w += 1 << shift;
                            added = true;
                        }
                    }
                }
            }
        }
        if !added {
            return;
        }
        self.additions += 1;
        if self.additions >= self.sample {
            self.age();
        }
    }

    /// Halves every counter and clears the doorkeeper.
    pub fn age(&mut self) {
        for w in self.table.iter_mut().flat_map(|b| &mut b.0) {
            *w = (*w >> 1) & HALF_MASK;
        }
        self.door.fill(0);
        self.additions = 0;
    }

    /// Forgets every sighting.
    pub fn clear(&mut self) {
        self.table.fill(Block::default());
        self.door.fill(0);
        self.additions = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Sketch {
        /// Every counter word, block after block.
        fn words(&self) -> Vec<u64> {
            self.table.iter().flat_map(|b| b.0).collect()
        }
    }

    /// Distinct well-spread test hashes.
    fn keys(n: u32) -> Vec<u32> {
        (0..n)
            .map(|i| i.wrapping_mul(0x9e37_79b9) ^ 0x5555)
            .collect()
    }

    #[test]
    fn estimates_never_fall_below_the_true_count() {
        let mut s = Sketch::new(1000);
        let ks = keys(600);
        // Key i is seen (i % 16) times: under 10 × capacity sightings, so no aging.
        for (i, k) in ks.iter().enumerate() {
            for _ in 0..i % 16 {
                s.increment(*k);
            }
        }
        assert!(ks.len() * 8 < s.sample_size() as usize);
        let mut over = 0;
        for (i, k) in ks.iter().enumerate() {
            let f = s.frequency(*k);
            assert!(f as usize >= i % 16, "key {i}: {f} < {}", i % 16);
            over += f as usize - i % 16;
        }
        // A sketch of this width errs rarely and by little.
        assert!(over < ks.len() / 4, "overestimated by {over} in total");
    }

    #[test]
    fn the_doorkeeper_absorbs_first_sightings() {
        let mut s = Sketch::new(100);
        let k = 0xdead_beef;
        assert_eq!(s.frequency(k), 0);
        s.increment(k);
        assert_eq!(s.frequency(k), 1);
        assert!(s.words().iter().all(|w| *w == 0), "no counter moved");
        s.increment(k);
        assert_eq!(s.frequency(k), 2);
        assert_eq!(s.words().iter().map(|w| w.count_ones()).sum::<u32>(), 4);
    }

    #[test]
    fn a_key_reads_one_block_of_counters_and_one_doorkeeper_word() {
        for k in keys(64) {
            let mut s = Sketch::new(1000);
            s.increment(k);
            s.increment(k);
            let door: Vec<usize> = (0..s.door.len()).filter(|&w| s.door[w] != 0).collect();
            assert_eq!(door.len(), 1, "key {k}: doorkeeper words {door:?}");
            let all = s.words();
            let words: Vec<usize> = (0..all.len()).filter(|&w| all[w] != 0).collect();
            // Four counters at 1, one in each row's pair of words of one block.
            assert_eq!(words.len(), ROWS, "key {k}: counter words {words:?}");
            let block = words[0] / BLOCK_WORDS;
            for (row, w) in words.iter().enumerate() {
                assert_eq!(
                    w / BLOCK_WORDS,
                    block,
                    "key {k}: word {w} outside block {block}"
                );
                assert_eq!(
                    w % BLOCK_WORDS / 2,
                    row,
                    "key {k}: word {w} not in row {row}'s pair"
                );
                assert_eq!(all[*w].count_ones(), 1);
            }
        }
    }

    #[test]
    fn counters_saturate_at_fifteen() {
        let mut s = Sketch::new(1000);
        for _ in 0..40 {
            s.increment(7);
        }
        assert_eq!(s.frequency(7), 16);
    }

    #[test]
    fn aging_halves_counters_and_clears_the_doorkeeper() {
        let mut s = Sketch::new(1000);
        let ks = keys(50);
        for (i, k) in ks.iter().enumerate() {
            for _ in 0..(i % 15) + 1 {
                s.increment(*k);
            }
        }
        let before: Vec<u32> = ks.iter().map(|k| s.frequency(*k)).collect();
        assert!(s.additions > 0);
        s.age();
        assert_eq!(s.additions, 0);
        for (k, f) in ks.iter().zip(&before) {
            // The doorkeeper bit is gone and the counters are halved, rounding down.
            assert_eq!(s.frequency(*k), (f - 1) / 2, "key {k}");
        }
    }

    #[test]
    fn a_full_sample_of_increments_ages_by_itself() {
        let mut s = Sketch::new(10);
        assert_eq!(s.sample_size(), 100);
        // The doorkeeper takes the first sighting; the other fifteen raise counters to 15.
        for _ in 0..16 {
            s.increment(1);
        }
        assert_eq!(s.additions, 15);
        assert_eq!(s.frequency(1), 16);
        // Saturated counters do not count.
        for _ in 0..10 {
            s.increment(1);
        }
        assert_eq!(s.additions, 15);
        let mut aged = false;
        for k in keys(200) {
            let before = s.additions;
            s.increment(k);
            s.increment(k);
            if s.additions < before {
                aged = true;
                break;
            }
        }
        assert!(aged, "a sample of increments completed");
        assert_eq!(s.additions, 0);
        assert_eq!(s.frequency(1), 7);
    }

    #[test]
    fn first_sightings_do_not_age_the_sketch() {
        let mut s = Sketch::new(1000);
        for k in keys(2000) {
            s.increment(k);
        }
        // Only doorkeeper false positives reach the counters.
        assert!(s.additions < 100, "{} increments", s.additions);
        assert!(keys(2000).iter().all(|k| s.frequency(*k) >= 1));
    }

    #[test]
    fn clear_forgets_everything() {
        let mut s = Sketch::new(10);
        for k in keys(20) {
            s.increment(k);
            s.increment(k);
        }
        s.clear();
        assert!(keys(20).iter().all(|k| s.frequency(*k) == 0));
    }
}
