//! Merkle tree hashing, stored-hash layout and proofs against independent references:
//!
//! * The RFC 6962 test vectors used across the Certificate Transparency test suites, as
//!   published in transparency-dev/merkle `proof/verify_test.go` (Apache-2.0; data only):
//!   the 8 reference leaves, the roots of sizes 1..=8, and inclusion/consistency proofs.
//!   (Exact equality; hashes have no tolerance.)
//! * An RFC 9162 reference implementation written from the recursive definitions
//!   (tests/common), for every tree size and every (m, n) up to 64.

mod common;

use common::{Rng, build_log, consistency, h, mth, path, unhex};
use verity_log::{
    CompactTree, Hash, LogError, ProofError, empty_root, leaf_hash, node_hash, prove_consistency,
    prove_inclusion, split_stored_hash_index, stored_hash_count, stored_hash_index, tree_hash,
    verify_consistency, verify_inclusion,
};

/// transparency-dev/merkle proof/verify_test.go `leaves`.
const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// transparency-dev/merkle proof/verify_test.go `roots` (tree sizes 1..=8).
const CT_ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// transparency-dev/merkle proof/verify_test.go `inclusionProofs` (leaf numbers there are
/// 1-based; converted to 0-based indexes here).
fn ct_inclusion() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (
            0,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            5,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            1,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

/// transparency-dev/merkle proof/verify_test.go `consistencyProofs` (size1, size2, proof).
fn ct_consistency() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

fn ct_log() -> (Vec<Hash>, Vec<Hash>) {
    let entries: Vec<Vec<u8>> = CT_LEAVES.iter().map(|s| unhex(s)).collect();
    build_log(&entries)
}

#[test]
fn empty_root_is_sha256_of_nothing() {
    assert_eq!(
        hex::encode(empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(tree_hash(0, &Vec::<Hash>::new()).unwrap(), empty_root());
    assert_eq!(CompactTree::new().root(), empty_root());
}

#[test]
fn ct_reference_roots_for_sizes_1_to_8() {
    let (stored, leaves) = ct_log();
    let mut compact = CompactTree::new();
    for (i, want) in CT_ROOTS.iter().enumerate() {
        let size = i as u64 + 1;
        compact.append(leaves[i]);
        assert_eq!(
            hex::encode(tree_hash(size, &stored).unwrap()),
            *want,
            "tree_hash size {size}"
        );
        assert_eq!(
            hex::encode(compact.root()),
            *want,
            "CompactTree size {size}"
        );
        assert_eq!(
            hex::encode(mth(&leaves[..=i])),
            *want,
            "reference MTH size {size}"
        );
    }
}

#[test]
fn ct_reference_inclusion_proofs() {
    let (stored, leaves) = ct_log();
    for (index, size, want) in ct_inclusion() {
        let got = prove_inclusion(size, index, &stored).unwrap();
        assert_eq!(got, want, "prove_inclusion({size}, {index})");
        let root = h(CT_ROOTS[size as usize - 1]);
        verify_inclusion(index, size, &leaves[index as usize], &want, &root).unwrap();
        // The corruptions of transparency-dev/merkle's corruptInclusionProof all fail.
        let bad_index = [index.wrapping_sub(1), index + 1, index ^ 2];
        for bi in bad_index {
            assert!(verify_inclusion(bi, size, &leaves[index as usize], &want, &root).is_err());
        }
        for bs in [size * 2, size / 2] {
            assert!(verify_inclusion(index, bs, &leaves[index as usize], &want, &root).is_err());
        }
        assert!(verify_inclusion(index, size, &leaf_hash(b"WrongLeaf"), &want, &root).is_err());
        assert!(
            verify_inclusion(index, size, &leaves[index as usize], &want, &empty_root()).is_err()
        );
        let mut longer = want.clone();
        longer.push(root);
        assert!(verify_inclusion(index, size, &leaves[index as usize], &longer, &root).is_err());
        let mut prefixed = vec![root];
        prefixed.extend(&want);
        assert!(verify_inclusion(index, size, &leaves[index as usize], &prefixed, &root).is_err());
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 8;
            assert_eq!(
                verify_inclusion(index, size, &leaves[index as usize], &p, &root),
                Err(ProofError::RootMismatch)
            );
        }
        if !want.is_empty() {
            let short = &want[..want.len() - 1];
            assert!(verify_inclusion(index, size, &leaves[index as usize], short, &root).is_err());
        }
    }
}

#[test]
fn ct_reference_consistency_proofs() {
    let (stored, _) = ct_log();
    for (m, n, want) in ct_consistency() {
        let got = prove_consistency(n, m, &stored).unwrap();
        assert_eq!(got, want, "prove_consistency({n}, {m})");
        let (r1, r2) = (h(CT_ROOTS[m as usize - 1]), h(CT_ROOTS[n as usize - 1]));
        verify_consistency(m, n, &r1, &r2, &want).unwrap();
        if want.is_empty() {
            continue;
        }
        // transparency-dev/merkle corruptConsistencyProof probes.
        for (bm, bn) in [(m - 1, n), (m + 1, n), (m ^ 2, n), (m, n * 2), (m, n / 2)] {
            assert!(
                verify_consistency(bm, bn, &r1, &r2, &want).is_err(),
                "{bm},{bn}"
            );
        }
        assert!(verify_consistency(m, n, &leaf_hash(b"x"), &r2, &want).is_err());
        assert!(verify_consistency(m, n, &r1, &leaf_hash(b"x"), &want).is_err());
        assert!(verify_consistency(m, n, &r2, &r1, &want).is_err());
        assert!(verify_consistency(m, n, &r1, &r2, &[]).is_err());
        for extra in [r1, r2] {
            let mut p = want.clone();
            p.push(extra);
            assert!(verify_consistency(m, n, &r1, &r2, &p).is_err());
            let mut p = vec![extra];
            p.extend(&want);
            assert!(verify_consistency(m, n, &r1, &r2, &p).is_err());
        }
        assert!(verify_consistency(m, n, &r1, &r2, &want[..want.len() - 1]).is_err());
        for i in 0..want.len() {
            let mut p = want.clone();
            p[i][0] ^= 16;
            assert!(verify_consistency(m, n, &r1, &r2, &p).is_err());
        }
    }
}

/// transparency-dev/merkle TestVerifyConsistency's trivial-size table.
#[test]
fn consistency_trivial_sizes_table() {
    let (a, b) = (leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2"));
    let e = empty_root();
    type Case<'a> = (u64, u64, Hash, Hash, &'a [Hash], bool);
    let cases: &[Case] = &[
        (0, 0, a, b, &[], false),
        (1, 1, a, b, &[], false),
        (0, 0, a, a, &[], true),
        (0, 1, a, b, &[], true),
        (1, 1, b, b, &[], true),
        (1, 0, a, b, &[], false),
        (2, 1, a, b, &[], false),
        (1, 2, a, b, &[], false),
        (0, 0, e, b, &[], false),
        (1, 1, e, b, &[], false),
        (0, 0, e, e, &[e], false),
        (0, 1, e, e, &[e], false),
        (1, 1, e, e, &[e], false),
    ];
    for (i, (m, n, r1, r2, p, ok)) in cases.iter().enumerate() {
        assert_eq!(
            verify_consistency(*m, *n, r1, r2, p).is_ok(),
            *ok,
            "case {i}"
        );
    }
}

#[test]
fn stored_hash_index_round_trips_and_is_append_order() {
    for level in 0..12u8 {
        for n in 0..300u64 {
            let i = stored_hash_index(level, n);
            assert_eq!(split_stored_hash_index(i), (level, n), "index {i}");
        }
    }
    // Every index is hit exactly once, in order, by appending leaves.
    let mut next = 0u64;
    for leaf in 0..2000u64 {
        assert_eq!(stored_hash_index(0, leaf), next);
        next += 1;
        for level in 1..=leaf.trailing_ones() as u8 {
            assert_eq!(stored_hash_index(level, ((leaf + 1) >> level) - 1), next);
            next += 1;
        }
        assert_eq!(stored_hash_count(leaf + 1), next);
    }
    // Large values near the top of the domain.
    for &(level, n) in &[(0u8, (1u64 << 62) - 1), (40, 12345), (62, 0), (61, 1)] {
        assert_eq!(
            split_stored_hash_index(stored_hash_index(level, n)),
            (level, n)
        );
    }
}

#[test]
fn stored_hashes_are_the_complete_subtree_hashes() {
    let mut rng = Rng(7);
    let entries: Vec<Vec<u8>> = (0..300)
        .map(|_| {
            let l = rng.below(40) as usize;
            rng.bytes(l)
        })
        .collect();
    let (stored, leaves) = build_log(&entries);
    assert_eq!(stored.len() as u64, stored_hash_count(300));
    for (i, hsh) in stored.iter().enumerate() {
        let (level, n) = split_stored_hash_index(i as u64);
        let lo = (n << level) as usize;
        assert_eq!(*hsh, mth(&leaves[lo..lo + (1 << level)]), "stored hash {i}");
    }
}

#[test]
fn roots_and_proofs_match_reference_for_all_sizes_up_to_64() {
    let mut rng = Rng(64);
    let entries: Vec<Vec<u8>> = (0..64)
        .map(|_| {
            let l = rng.below(20) as usize;
            rng.bytes(l)
        })
        .collect();
    let (stored, leaves) = build_log(&entries);
    let mut compact = CompactTree::new();
    for n in 1..=64usize {
        compact.append(leaves[n - 1]);
        let root = mth(&leaves[..n]);
        assert_eq!(tree_hash(n as u64, &stored).unwrap(), root);
        assert_eq!(compact.root(), root);
        assert_eq!(compact.size(), n as u64);
        for m in 0..n {
            let p = prove_inclusion(n as u64, m as u64, &stored).unwrap();
            assert_eq!(p, path(m, &leaves[..n]), "PATH({m}, {n})");
            verify_inclusion(m as u64, n as u64, &leaves[m], &p, &root).unwrap();
            // Any flipped bit, wrong index, wrong size fails.
            for (i, _) in p.iter().enumerate() {
                let mut q = p.clone();
                q[i][rng.below(32) as usize] ^= 1 << rng.below(8);
                assert!(verify_inclusion(m as u64, n as u64, &leaves[m], &q, &root).is_err());
            }
            let mut wrong_leaf = leaves[m];
            wrong_leaf[rng.below(32) as usize] ^= 1 << rng.below(8);
            assert!(verify_inclusion(m as u64, n as u64, &wrong_leaf, &p, &root).is_err());
            let other = (m + 1 + rng.below(n as u64) as usize) % n;
            if other != m && leaves[other] != leaves[m] {
                assert!(verify_inclusion(other as u64, n as u64, &leaves[m], &p, &root).is_err());
            }
            // An inclusion proof binds the size only through its shape (the root is what binds
            // the tree, and a checkpoint signs size and root together): a wrong size must fail
            // exactly when it changes the left/right shape of the audit path.
            for wrong_size in [n as u64 + 1, n as u64 * 2, (n as u64).saturating_sub(1)] {
                if wrong_size > m as u64 && wrong_size != n as u64 {
                    let same = path_shape(m as u64, wrong_size) == path_shape(m as u64, n as u64);
                    assert_eq!(
                        verify_inclusion(m as u64, wrong_size, &leaves[m], &p, &root).is_ok(),
                        same,
                        "PATH({m}, {n}) checked as size {wrong_size}"
                    );
                }
            }
        }
        for m in 0..=n {
            let old_root = mth(&leaves[..m]);
            let p = prove_consistency(n as u64, m as u64, &stored).unwrap();
            assert_eq!(p, consistency(m, &leaves[..n]), "PROOF({m}, {n})");
            verify_consistency(m as u64, n as u64, &old_root, &root, &p).unwrap();
            for (i, _) in p.iter().enumerate() {
                let mut q = p.clone();
                q[i][rng.below(32) as usize] ^= 1 << rng.below(8);
                assert!(verify_consistency(m as u64, n as u64, &old_root, &root, &q).is_err());
            }
            if m > 0 && m < n {
                for (wm, wn) in [(m - 1, n), (m + 1, n), (m, n + 1), (m, n - 1)] {
                    if wm == m && wn == n || wm > wn || wm == 0 {
                        continue;
                    }
                    // As for inclusion, sizes are bound through the proof's shape (the roots
                    // bind the trees): a wrong size fails exactly when it changes the shape.
                    let same = consistency_shape(wm as u64, wn as u64, p.len())
                        == consistency_shape(m as u64, n as u64, p.len());
                    assert_eq!(
                        verify_consistency(wm as u64, wn as u64, &old_root, &root, &p).is_ok(),
                        same,
                        "PROOF({m},{n}) checked as ({wm},{wn})"
                    );
                }
            }
        }
    }
}

#[test]
fn proof_generation_rejects_bad_requests() {
    let (stored, _) = ct_log();
    assert!(matches!(
        prove_inclusion(8, 8, &stored),
        Err(LogError::IndexBeyondSize {
            index: 8,
            tree_size: 8
        })
    ));
    assert!(matches!(
        prove_consistency(3, 5, &stored),
        Err(LogError::OldSizeGreater { .. })
    ));
    // Asking for a tree larger than what is stored is a storage error, not a panic.
    assert!(matches!(
        tree_hash(9, &stored),
        Err(LogError::HashNotStored { .. })
    ));
    assert!(verify_inclusion(0, 0, &empty_root(), &[], &empty_root()).is_err());
}

#[test]
fn compact_tree_matches_stored_hashes_for_a_long_log() {
    let mut rng = Rng(99);
    let mut stored: Vec<Hash> = Vec::new();
    let mut compact = CompactTree::new();
    for i in 0..5000u64 {
        let lh = leaf_hash(&rng.bytes(16));
        stored.extend(verity_log::stored_hashes_for_leaf(i, &lh, &stored).unwrap());
        compact.append(lh);
        if i % 97 == 0 || i.is_power_of_two() {
            assert_eq!(
                compact.root(),
                tree_hash(i + 1, &stored).unwrap(),
                "size {}",
                i + 1
            );
        }
    }
    assert_eq!(compact.peaks().len() as u32, 5000u64.count_ones());
}

#[test]
fn node_hash_is_domain_separated_from_leaf_hash() {
    // A 64-byte leaf equal to two hashes must not collide with their parent (RFC 9162 §2.1.1's
    // reason for the 0x00/0x01 prefixes).
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut concat = a.to_vec();
    concat.extend_from_slice(&b);
    assert_ne!(leaf_hash(&concat), node_hash(&a, &b));
}

/// Left/right sequence of an audit path, from the RFC 9162 §2.1.3.1 recursion (true = the
/// sibling is on the left).
fn path_shape(m: u64, n: u64) -> Vec<bool> {
    let (mut m, mut n) = (m, n);
    let mut shape = Vec::new();
    while n > 1 {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        if m < k {
            shape.push(false);
            n = k;
        } else {
            shape.push(true);
            m -= k;
            n -= k;
        }
    }
    shape
}

/// How RFC 9162 §2.1.4.2 combines a proof of `len` hashes for sizes (m, n): whether the old root
/// is prepended, then per element whether it is hashed on the left of both running roots or on
/// the right of the new one. `None` if the sizes do not fit that length. Two size pairs with the
/// same shape perform identical hash computations.
fn consistency_shape(m: u64, n: u64, len: usize) -> Option<(bool, Vec<bool>)> {
    let prepend = m.is_power_of_two();
    let total = len + usize::from(prepend);
    let (mut f, mut s) = (m - 1, n - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut ops = Vec::new();
    for _ in 1..total {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            ops.push(true);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            ops.push(false);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some((prepend, ops))
}
