//! Throughput of the log primitives, printed as `metric<TAB>ops_per_second` lines for
//! bench/log/run.sh, which runs the Go x/mod and Python peers on the same workloads and prints
//! the ratios. Run: `cargo run --release -p verity-log --example log_bench [leaves]`.
//!
//! Workloads (identical in the peers):
//! * node_hash: 2,000,000 chained RFC 9162 node hashes.
//! * append: N leaves (default 1,000,000), entry i = "entry-<i>", leaf hash + stored hashes
//!   appended to an in-memory Vec (the Go sumdb/tlog design).
//! * prove_inclusion / verify_inclusion: 100,000 proofs for pseudo-random leaves at size N.
//! * ed25519_sign / ed25519_verify: 20,000 signatures of a checkpoint body (verify_strict).

use std::time::Instant;

use verity_log::note::Signer;
use verity_log::{
    Hash, leaf_hash, node_hash, prove_inclusion, stored_hashes_for_leaf, tree_hash,
    verify_inclusion,
};

/// Deterministic key material: benchmarks need no entropy.
struct Counter(u8);
impl rand_core::RngCore for Counter {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        u64::from(self.0)
    }
    fn fill_bytes(&mut self, d: &mut [u8]) {
        for b in d {
            *b = self.next_u64() as u8;
        }
    }
    fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(d);
        Ok(())
    }
}
impl rand_core::CryptoRng for Counter {}

fn report(metric: &str, ops: u64, start: Instant) {
    let secs = start.elapsed().as_secs_f64();
    println!("{metric}\t{:.0}", ops as f64 / secs);
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);

    let start = Instant::now();
    let mut h: Hash = [0; 32];
    for _ in 0..2_000_000 {
        h = node_hash(&h, &h);
    }
    std::hint::black_box(h);
    report("node_hash", 2_000_000, start);

    let start = Instant::now();
    let mut stored: Vec<Hash> = Vec::with_capacity(2 * n as usize);
    for i in 0..n {
        let lh = leaf_hash(format!("entry-{i}").as_bytes());
        let add = stored_hashes_for_leaf(i, &lh, &stored).expect("in-memory store has every hash");
        stored.extend(add);
    }
    report("append", n, start);
    let root = tree_hash(n, &stored).expect("complete store");

    const PROOFS: u64 = 100_000;
    let index = |k: u64| k.wrapping_mul(0x9E37_79B9_7F4A_7C15) % n;
    let start = Instant::now();
    let proofs: Vec<Vec<Hash>> = (0..PROOFS)
        .map(|k| prove_inclusion(n, index(k), &stored).expect("index < n"))
        .collect();
    report("prove_inclusion", PROOFS, start);
    let start = Instant::now();
    for (k, p) in proofs.iter().enumerate() {
        let i = index(k as u64);
        let leaf = stored[verity_log::stored_hash_index(0, i) as usize];
        verify_inclusion(i, n, &leaf, p, &root).expect("valid proof");
    }
    report("verify_inclusion", PROOFS, start);

    const SIGS: u64 = 20_000;
    let signer = Signer::generate("bench.example/log", &mut Counter(0)).expect("valid name");
    let verifier = signer.verifier();
    let body = format!("bench.example/log\n{n}\n{}\n", hex(&root));
    let start = Instant::now();
    let sigs: Vec<[u8; 64]> = (0..SIGS)
        .map(|_| signer.sign_raw(body.as_bytes()))
        .collect();
    report("ed25519_sign", SIGS, start);
    let start = Instant::now();
    for s in &sigs {
        assert!(verifier.verify_raw(body.as_bytes(), s));
    }
    report("ed25519_verify", SIGS, start);
}

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
