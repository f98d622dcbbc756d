//! Shared test helpers: a deterministic PRNG (no test depends on OS randomness, so failures
//! reproduce) and an RFC 9162 reference implementation written straight from the recursive
//! definitions in §2.1.1–§2.1.4, independent of the crate's stored-hash code.
#![allow(dead_code)]

use verity_log::{Hash, leaf_hash, node_hash};

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, good enough to drive test inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        Rng::next_u64(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = Rng::next_u64(self) as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
// Test-only: deterministic keys are what we want in tests.
impl rand_core::CryptoRng for Rng {}

fn k(n: usize) -> usize {
    // Largest power of two strictly less than n.
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 9162 §2.1.1 MTH over leaf hashes.
pub fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => verity_log::empty_root(),
        1 => leaves[0],
        n => {
            let k = k(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// RFC 9162 §2.1.3.1 PATH(m, D[n]).
pub fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = k(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

/// RFC 9162 §2.1.4.1 PROOF(m, D[n]) via SUBPROOF.
pub fn consistency(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    fn sub(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![mth(d)] };
        }
        let k = k(n);
        if m <= k {
            let mut p = sub(m, &d[..k], b);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = sub(m - k, &d[k..], false);
            p.push(mth(&d[..k]));
            p
        }
    }
    if m == 0 || m == leaves.len() {
        return vec![];
    }
    sub(m, leaves, true)
}

/// Builds the stored-hash array of a log from leaf data, with the crate's append path.
pub fn build_log(entries: &[Vec<u8>]) -> (Vec<Hash>, Vec<Hash>) {
    let mut stored: Vec<Hash> = Vec::new();
    let mut leaves = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let lh = leaf_hash(e);
        leaves.push(lh);
        let add = verity_log::stored_hashes_for_leaf(i as u64, &lh, &stored).unwrap();
        stored.extend(add);
    }
    (stored, leaves)
}

pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

pub fn h(s: &str) -> Hash {
    Hash::try_from(unhex(s).as_slice()).unwrap()
}
