//! In-memory mirror of a committed prefix of the stored hashes (see the crate docs, "Reads").

use verity_log::{Hash, stored_hash_count};

/// Hashes per chunk: 2 MiB of hashes; growing the mirror allocates a new chunk instead of
/// copying the whole mirror, so readers holding the lock briefly never wait for a big memcpy.
const CHUNK: usize = 1 << 16;

#[derive(Default)]
pub(crate) struct HashMirror {
    chunks: Vec<Vec<Hash>>,
    /// Number of flat hashes held (= `stored_hash_count(leaves)`).
    len: u64,
    /// Number of leaves whose stored hashes are all held.
    leaves: u64,
}

impl HashMirror {
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn leaves(&self) -> u64 {
        self.leaves
    }

    pub(crate) fn get(&self, index: u64) -> Option<&Hash> {
        if index >= self.len {
            return None;
        }
        let i = index as usize; // index < len, which fits in memory, hence in usize.
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    /// Adds the stored hashes of leaves `first_leaf..end_leaf`, given as the flat run
    /// `stored_hash_count(first_leaf)..stored_hash_count(end_leaf)`. Parts already held are
    /// skipped; a run that does not join the held prefix is ignored (the mirror only ever holds
    /// a contiguous prefix).
    pub(crate) fn extend(&mut self, first_leaf: u64, end_leaf: u64, flat: &[Hash]) {
        if first_leaf > self.leaves || end_leaf <= self.leaves {
            return;
        }
        let expected = stored_hash_count(end_leaf) - stored_hash_count(first_leaf);
        if flat.len() as u64 != expected {
            return; // Caller bug or corrupt rows; never mirror something inconsistent.
        }
        let skip = (stored_hash_count(self.leaves) - stored_hash_count(first_leaf)) as usize;
        for h in &flat[skip..] {
            match self.chunks.last_mut() {
                Some(c) if c.len() < CHUNK => c.push(*h),
                _ => {
                    let mut c = Vec::with_capacity(CHUNK);
                    c.push(*h);
                    self.chunks.push(c);
                }
            }
        }
        self.len = stored_hash_count(end_leaf);
        self.leaves = end_leaf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_only_contiguously_and_skips_overlap() {
        let mut m = HashMirror::default();
        let all: Vec<Hash> = (0..stored_hash_count(300)).map(|i| [i as u8; 32]).collect();
        let c = |n| stored_hash_count(n) as usize;
        m.extend(10, 20, &all[c(10)..c(20)]); // does not join: ignored
        assert_eq!(m.leaves(), 0);
        m.extend(0, 100, &all[..c(100)]);
        m.extend(50, 200, &all[c(50)..c(200)]); // overlaps: the new part is added
        m.extend(0, 150, &all[..c(150)]); // already held
        assert_eq!(m.leaves(), 200);
        assert_eq!(m.len(), stored_hash_count(200));
        for i in 0..m.len() {
            assert_eq!(m.get(i), Some(&all[i as usize]));
        }
        assert_eq!(m.get(m.len()), None);
    }
}
