//! A growable array kept in fixed-size chunks, so growing never copies or frees a block.
//!
//! WebAssembly memory only grows: a `Vec` that doubles leaves its old buffer behind as free
//! space, so a store that grew to n entries holds up to 1.5× what it needs. Chunks are
//! allocated once and kept, so memory tracks the number of slots to within one chunk.

/// Elements per chunk (a power of two).
const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;
const MASK: usize = CHUNK - 1;

/// An array of `T` in chunks of 1024, indexed like a slice. The chunk's fixed size lets the
/// compiler drop the bounds check within a chunk.
#[derive(Debug)]
pub(crate) struct Chunked<T: Copy> {
    chunks: Vec<Box<[T; CHUNK]>>,
    len: usize,
    fill: T,
}

impl<T: Copy> Chunked<T> {
    /// An empty array whose unused elements hold `fill`.
    pub fn new(fill: T) -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
            fill,
        }
    }

    /// Elements pushed so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was pushed.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element at `i`: pushed ones, and the fill value for the rest of the last chunk.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i >> CHUNK_BITS)?.get(i & MASK)
    }

    /// The element at `i`, as [`Chunked::get`] finds it.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i >> CHUNK_BITS)?.get_mut(i & MASK)
    }

    /// Appends `value`, allocating a new chunk when the last one is full.
    pub fn push(&mut self, value: T) {
        if self.len >> CHUNK_BITS >= self.chunks.len() {
            // Built on the heap: a 1024-element array on the stack could be large.
            let Ok(chunk) = vec![self.fill; CHUNK].into_boxed_slice().try_into() else {
                return;
            };
            self.chunks.push(chunk);
        }
        let i = self.len;
        self.len += 1;
        if let Some(slot) = self.get_mut(i) {
            *slot = value;
        }
    }

    /// Grows to `len` elements holding `value`.
    pub fn resize(&mut self, len: usize, value: T) {
        while self.len < len {
            self.push(value);
        }
    }

    /// Removes and returns the last element; its place holds the fill value again. The chunk
    /// stays allocated.
    pub fn pop(&mut self) -> Option<T> {
        let i = self.len.checked_sub(1)?;
        let fill = self.fill;
        let value = self.get_mut(i).map(|x| std::mem::replace(x, fill))?;
        self.len = i;
        Some(value)
    }

    /// Forgets every element and frees the chunks.
    pub fn clear(&mut self) {
        self.chunks = Vec::new();
        self.len = 0;
    }

    /// Bytes allocated for elements.
    #[cfg(test)]
    pub fn allocated_bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<T>()
    }
}

impl<T: Copy + PartialEq> Chunked<T> {
    /// Writes `value` at `i` of an array that is kept empty while every one of its `len`
    /// elements would hold the fill value: the first other value grows it to `len` first.
    /// Nothing happens when `i` is not below `len`.
    pub fn put_or_make(&mut self, len: usize, i: usize, value: T) {
        if i >= len {
            return;
        }
        if self.is_empty() {
            if value == self.fill {
                return;
            }
            self.resize(len, self.fill);
        }
        if let Some(x) = self.get_mut(i) {
            *x = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_across_chunks_and_clears() {
        let mut c = Chunked::new(0u32);
        assert_eq!(c.get(0), None);
        for i in 0..3000u32 {
            c.push(i);
        }
        assert_eq!(c.len(), 3000);
        assert_eq!(c.get(1023), Some(&1023));
        assert_eq!(c.get(1024), Some(&1024));
        assert_eq!(c.get(2999), Some(&2999));
        assert_eq!(
            c.get(3000),
            Some(&0),
            "the rest of the last chunk holds the fill"
        );
        assert_eq!(c.get(3072), None);
        *c.get_mut(2048).unwrap() = 7;
        assert_eq!(c.get(2048), Some(&7));
        assert_eq!(c.allocated_bytes(), 3 * 1024 * 4);
        c.resize(3100, 9);
        assert_eq!(c.get(3099), Some(&9));
        assert_eq!(c.pop(), Some(9));
        assert_eq!(c.len(), 3099);
        assert_eq!(c.get(3099), Some(&0), "a popped place holds the fill");
        c.clear();
        assert!(c.is_empty());
        assert_eq!(c.get(0), None);
    }
}
