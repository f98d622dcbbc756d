//! RFC 9162 §2.1 Merkle tree hashing over a flat "stored hash" array.
//!
//! Layout (the design of Go's `golang.org/x/mod/sumdb/tlog`, re-derived here): every hash of a
//! *complete* subtree — a subtree of `2^level` leaves starting at a multiple of `2^level` — is
//! appended to storage exactly once, at the moment its last leaf arrives. Appending leaf `m`
//! stores the leaf hash and then the hashes of every subtree that leaf `m` completes, lowest
//! level first. So the storage is append-only, and the position of every hash is a pure function
//! of `(level, n)`:
//!
//! * the hashes stored for a tree of `s` leaves number `Σ_{l≥0} ⌊s/2^l⌋ = 2s − popcount(s)`;
//! * subtree `(level, n)` is completed by leaf `m = (n+1)·2^level − 1`, so it is stored at
//!   `stored_hash_count(m) + level`.
//!
//! Proof and root computations first collect every index they need, then ask the
//! [`HashReader`] for all of them in one call (one round trip to a database or tile fetcher),
//! then hash.

use crate::{Hash, LogError, node_hash};

/// Something that returns stored hashes by their flat index (see [`stored_hash_index`]).
///
/// Implementations backed by storage should read all requested indexes in one round trip.
/// The returned vector must have exactly one hash per requested index, in the same order.
pub trait HashReader {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError>;
}

/// An in-memory store: the hash with flat index `i` is `self[i]`.
impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|u| self.get(u))
                    .copied()
                    .ok_or(LogError::HashNotStored {
                        index: i,
                        stored: self.len() as u64,
                    })
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<T: HashReader + ?Sized> HashReader for &T {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        (**self).read_hashes(indexes)
    }
}

/// Flat index of the hash of complete subtree `(level, n)`: the subtree of `2^level` leaves
/// starting at leaf `n · 2^level`.
///
/// Defined for `level <= 63` and `(n+1)·2^level <= 2^64` (every subtree of a tree whose size
/// fits in `u64`); outside that domain the arithmetic wraps and the result is meaningless but
/// never panics.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // The last leaf of the subtree; its arrival completes the subtree.
    let last_leaf = n
        .wrapping_add(1)
        .wrapping_shl(u32::from(level))
        .wrapping_sub(1);
    stored_hash_count(last_leaf).wrapping_add(u64::from(level))
}

/// Inverse of [`stored_hash_index`]: `(level, n)` of the hash stored at `index`.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // Find the leaf m whose arrival stored this hash: the largest m with
    // stored_hash_count(m) <= index. Since stored_hash_count(m) = 2m - popcount(m) lies in
    // [2m - 64, 2m], m is within 33 of index/2; start at index/2 (which never overshoots)
    // and step up. u128 keeps every input, even u64::MAX, free of overflow.
    let count = |m: u128| 2 * m - u128::from(m.count_ones());
    let index = u128::from(index);
    let mut m = index / 2;
    while count(m + 1) <= index {
        m += 1;
    }
    // index < count(m + 1) = count(m) + 1 + trailing_ones(m), so level <= trailing_ones(m) <= 64
    // and (m + 1) is a multiple of 2^level.
    let level = (index - count(m)) as u8;
    let n = ((m + 1) >> level) - 1;
    (level, n as u64)
}

/// Number of hashes stored for a tree of `tree_size` leaves (`2·size − popcount(size)`).
pub fn stored_hash_count(tree_size: u64) -> u64 {
    // 2*size can exceed u64 for sizes >= 2^63; wrap (documented domain: sizes < 2^63).
    tree_size
        .wrapping_mul(2)
        .wrapping_sub(u64::from(tree_size.count_ones()))
}

/// The hashes to append to storage when adding leaf number `n` (whose hash is `leaf`): the leaf
/// hash first, then the hashes of the subtrees it completes, lowest level first. `r` reads the
/// stored hashes of the tree of size `n`.
pub fn stored_hashes_for_leaf(
    n: u64,
    leaf: &Hash,
    r: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    // Leaf n completes one subtree per trailing 1 bit of n (n+1 gains a trailing zero for each);
    // their left siblings are the already-stored subtrees (l, (n >> l) - 1).
    let completed = n.trailing_ones();
    let mut siblings = Vec::with_capacity(completed as usize);
    for l in 0..completed {
        siblings.push(stored_hash_index(l as u8, (n >> l) - 1));
    }
    let sibling_hashes = read_exact(r, &siblings)?;
    let mut out = Vec::with_capacity(1 + siblings.len());
    let mut h = *leaf;
    out.push(h);
    for s in &sibling_hashes {
        h = node_hash(s, &h);
        out.push(h);
    }
    Ok(out)
}

/// Reads and checks the reader honoured the one-hash-per-index contract.
pub(crate) fn read_exact(
    r: &(impl HashReader + ?Sized),
    indexes: &[u64],
) -> Result<Vec<Hash>, LogError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(LogError::ReaderCount {
            requested: indexes.len(),
            returned: hashes.len(),
        });
    }
    Ok(hashes)
}

/// Decomposes leaf range `[lo, hi)` into maximal complete subtrees, left to right, pushing their
/// `(level, n)`. Every range that RFC 9162's recursive definitions hash (`D[k:n]` after a split
/// at the largest power of two) decomposes this way into the subtrees the RFC recursion visits.
fn subtrees(mut lo: u64, hi: u64, out: &mut Vec<(u8, u64)>) {
    while lo < hi {
        // Largest power of two that is both an alignment of lo and fits in the range.
        let by_align = if lo == 0 { 63 } else { lo.trailing_zeros() };
        let by_len = 63 - (hi - lo).leading_zeros();
        let level = by_align.min(by_len);
        out.push((level as u8, lo >> level));
        lo += 1u64 << level;
    }
}

/// MTH of a range given the hashes of its `subtrees` decomposition: RFC 9162 MTH splits at the
/// largest power of two, so the left subtrees are the big complete ones and the fold runs from
/// the right.
fn fold_right(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(last) = iter.next() else {
        return crate::empty_root();
    };
    let mut h = *last;
    for left in iter {
        h = node_hash(left, &h);
    }
    h
}

/// A plan: several leaf ranges whose MTHs are wanted, read in one batch.
struct RangePlan {
    /// For each range, how many subtree hashes it folds.
    counts: Vec<usize>,
    indexes: Vec<u64>,
}

impl RangePlan {
    fn new(ranges: &[(u64, u64)]) -> Self {
        let mut counts = Vec::with_capacity(ranges.len());
        let mut indexes = Vec::new();
        let mut buf = Vec::new();
        for &(lo, hi) in ranges {
            buf.clear();
            subtrees(lo, hi, &mut buf);
            counts.push(buf.len());
            indexes.extend(buf.iter().map(|&(l, n)| stored_hash_index(l, n)));
        }
        RangePlan { counts, indexes }
    }

    fn run(&self, r: &(impl HashReader + ?Sized)) -> Result<Vec<Hash>, LogError> {
        let hashes = read_exact(r, &self.indexes)?;
        let mut out = Vec::with_capacity(self.counts.len());
        let mut at = 0;
        for &c in &self.counts {
            out.push(fold_right(&hashes[at..at + c]));
            at += c;
        }
        Ok(out)
    }
}

/// Root hash (RFC 9162 §2.1.1 MTH) of the tree of `tree_size` leaves.
pub fn tree_hash(tree_size: u64, r: &(impl HashReader + ?Sized)) -> Result<Hash, LogError> {
    if tree_size == 0 {
        return Ok(crate::empty_root());
    }
    let plan = RangePlan::new(&[(0, tree_size)]);
    Ok(plan.run(r)?[0])
}

/// Inclusion proof (RFC 9162 §2.1.3.1 PATH) for leaf `index` in the tree of `tree_size` leaves.
pub fn prove_inclusion(
    tree_size: u64,
    index: u64,
    r: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    if index >= tree_size {
        return Err(LogError::IndexBeyondSize { index, tree_size });
    }
    let mut ranges = Vec::new();
    inclusion_ranges(index, 0, tree_size, &mut ranges);
    RangePlan::new(&ranges).run(r)
}

/// Ranges whose MTHs form PATH(m, D[lo:hi]), in proof order (leaf side first).
fn inclusion_ranges(m: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
    // Iterative form of the RFC recursion: collect splits top-down, emit bottom-up.
    let (mut lo, mut hi) = (lo, hi);
    let mut top_down = Vec::new();
    while hi - lo > 1 {
        let k = largest_power_of_two_below(hi - lo);
        if m < lo + k {
            top_down.push((lo + k, hi));
            hi = lo + k;
        } else {
            top_down.push((lo, lo + k));
            lo += k;
        }
    }
    out.extend(top_down.into_iter().rev());
}

/// Consistency proof (RFC 9162 §2.1.4.1 PROOF(m, D[n])) from `old_size` to `new_size`.
/// Empty when `old_size` is 0 or equal to `new_size` (nothing to prove).
pub fn prove_consistency(
    new_size: u64,
    old_size: u64,
    r: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    if old_size > new_size {
        return Err(LogError::OldSizeGreater { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    let mut ranges = Vec::new();
    // SUBPROOF(m, D[lo:hi], b), iteratively; the RFC emits the recursive part first, then the
    // sibling, so collect siblings top-down and reverse.
    let (m, mut lo, mut hi, mut complete) = (old_size, 0u64, new_size, true);
    let mut top_down = Vec::new();
    loop {
        if m == hi {
            if !complete {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = largest_power_of_two_below(hi - lo);
        if m <= lo + k {
            top_down.push((lo + k, hi));
            hi = lo + k;
        } else {
            top_down.push((lo, lo + k));
            lo += k;
            complete = false;
        }
    }
    ranges.extend(top_down.into_iter().rev());
    RangePlan::new(&ranges).run(r)
}

/// Largest power of two strictly less than `n` (`n >= 2`): RFC 9162's split point `k`.
pub(crate) fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// An in-memory incremental Merkle tree that keeps only the roots of the complete subtrees of
/// the current size (one per set bit of the size; a "compact range" `[0, size)` in
/// transparency-dev terms). Appending is amortised O(1) hashes; `root` is O(log n).
///
/// Auditors use it to recompute a log's root from its entries without storing every hash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactTree {
    size: u64,
    /// Complete subtree hashes, left (largest) to right (smallest).
    peaks: Vec<Hash>,
}

impl CompactTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf *hash* (use [`crate::leaf_hash`] on the entry first).
    pub fn append(&mut self, leaf: Hash) {
        let mut h = leaf;
        // Each trailing one bit of the old size is a peak that merges with the new node.
        for _ in 0..self.size.trailing_ones() {
            // Invariant: the number of peaks equals popcount(size) >= trailing_ones(size),
            // so a peak is present for every merge.
            let left = self.peaks.pop().expect("one peak per set bit of size");
            h = node_hash(&left, &h);
        }
        self.peaks.push(h);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// RFC 9162 MTH of the leaves appended so far.
    pub fn root(&self) -> Hash {
        fold_right(&self.peaks)
    }

    /// The complete-subtree hashes, largest first (what [`stored_hash_index`] would hold for
    /// the subtrees of the size's binary decomposition).
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }
}
