//! Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency)
//! describe it, with the trivial cases (empty old tree, equal sizes) that the RFC leaves to the
//! caller made explicit.

use crate::{Hash, ProofError, node_hash};

/// Verifies that `leaf` (a leaf *hash*) is at `index` in the tree of `tree_size` leaves with
/// root `root`, following RFC 9162 §2.1.3.2 step by step.
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    // Step 1.
    if index >= tree_size {
        return Err(ProofError::IndexBeyondSize { index, tree_size });
    }
    // Step 2-3.
    let (mut fnode, mut snode) = (index, tree_size - 1);
    let mut r = *leaf;
    // Step 4.
    for p in proof {
        if snode == 0 {
            return Err(ProofError::ProofTooLong { len: proof.len() });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                // Skip the levels where this node has no right sibling (the right edge).
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    if snode != 0 {
        return Err(ProofError::ProofTooShort { len: proof.len() });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`, following RFC 9162 §2.1.4.2.
///
/// Trivial cases, which the RFC algorithm (defined for `0 < old_size < new_size`) does not
/// cover: `old_size == 0` is consistent with everything and requires an empty proof;
/// `old_size == new_size` requires an empty proof and equal roots. This matches the behaviour
/// of transparency-dev/merkle `proof.VerifyConsistency` and of `tlog.CheckTree`.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeGreater { old_size, new_size });
    }
    if old_size == new_size || old_size == 0 {
        if !proof.is_empty() {
            return Err(ProofError::ProofTooLong { len: proof.len() });
        }
        if old_size == new_size && old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // Step 1.
    if proof.is_empty() {
        return Err(ProofError::ProofTooShort { len: 0 });
    }
    // Step 2: if old_size is a power of two the old root is itself a node of the new tree and
    // the proof omits it.
    let mut path: &[Hash] = proof;
    let prepended;
    if old_size.is_power_of_two() {
        let mut v = Vec::with_capacity(proof.len() + 1);
        v.push(*old_root);
        v.extend_from_slice(proof);
        prepended = v;
        path = &prepended;
    }
    // Step 3-4.
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (path[0], path[0]);
    // Step 6.
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::ProofTooLong { len: proof.len() });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(ProofError::ProofTooShort { len: proof.len() });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}
