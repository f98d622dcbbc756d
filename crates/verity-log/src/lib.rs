//! # verity-log — a sans-IO transparency log
//!
//! The cryptographic core of Verity's ledger: an append-only Merkle tree log whose every
//! format follows the public specifications, so that anyone can verify Verity's log with
//! tools Verity did not write (CI checks this against the Go reference implementation).
//! The crate does no I/O, reads no clock and draws no randomness of its own: storage is a
//! [`HashReader`], time is a parameter, randomness is a caller's `CryptoRngCore`.
//!
//! ## What is in here, and which spec each part follows
//!
//! | module / item | specification |
//! |---|---|
//! | [`leaf_hash`], [`node_hash`], [`empty_root`], [`tree_hash`] | RFC 9162 §2.1.1 (SHA-256, `0x00`/`0x01` prefixes) |
//! | [`prove_inclusion`], [`verify_inclusion`] | RFC 9162 §2.1.3.1 / §2.1.3.2 |
//! | [`prove_consistency`], [`verify_consistency`] | RFC 9162 §2.1.4.1 / §2.1.4.2 |
//! | [`stored_hash_index`], [`stored_hashes_for_leaf`], … | the stored-hash layout of Go's `golang.org/x/mod/sumdb/tlog` (design re-derived, own code) |
//! | [`CompactTree`] | compact range `[0, n)`: the peaks of the binary decomposition of `n` |
//! | [`note`] | C2SP signed-note v1.0.0, Ed25519 (type `0x01`), Go-compatible key texts |
//! | [`checkpoint`] | C2SP tlog-checkpoint v1.0.0 (no extension lines) |
//! | [`cosignature`] | C2SP tlog-cosignature v1.0.1, Ed25519 type `0x04` |
//! | [`tile`] | C2SP tlog-tiles v0.1.0 (height 8, entry bundles) |
//! | [`witness`] | C2SP tlog-witness v1.0.0 `add-checkpoint` (sans-IO decision + status codes) |
//!
//! ## Storage model
//!
//! Every hash of a complete subtree is stored once, append-only, at a position that is a pure
//! function of `(level, n)` ([`stored_hash_index`]; a tree of `s` leaves stores
//! `2s − popcount(s)` hashes). Appending leaf `n` appends [`stored_hashes_for_leaf`]; roots and
//! proofs read the hashes they need in one [`HashReader::read_hashes`] call. A `Vec<Hash>` is a
//! `HashReader`; a database is one too; so is a [`tile::TileHashReader`] over tiles fetched from
//! a tiled log, which verifies every tile against a trusted checkpoint before answering.
//!
//! ## Decisions worth knowing
//!
//! * **Ed25519 acceptance rule**: `verify_strict` everywhere (RFC 8032 cofactorless check plus
//!   rejection of non-canonical `S` and small-order keys/`R`), never batch verification, so
//!   two Verity verifiers cannot disagree about a signature. See [`note`].
//! * A checkpoint's origin must equal the log key's name, and extension lines are refused.
//! * Proof verification binds tree sizes through the proof's shape, as RFC 9162 does: the
//!   root (signed together with the size in a checkpoint) is what binds the tree.
//! * Parsers reject malformed input with an error naming the field and the line, path element
//!   or byte offset, and never panic (property tests + cargo-fuzz targets in `fuzz/`).
//!
//! ## Correctness references (all exact: hashes and signatures have no tolerance)
//!
//! * RFC 6962 test vectors (CT test suites, via transparency-dev/merkle `proof/verify_test.go`):
//!   roots of sizes 0..=8, inclusion and consistency proofs, and their corruption probes.
//! * An RFC 9162 reference written from the recursive definitions: all roots and all proofs for
//!   every `(m, n)` up to 64, bit flips and wrong sizes.
//! * C2SP signed-note test vector; Go x/mod `note` `TestSign` output reproduced byte for byte.
//! * The tlog-tiles spec's worked examples (sizes 70,000 and 256).
//! * Go `golang.org/x/mod/sumdb/{note,tlog}` run as an independent verifier over a 1,000-entry
//!   log exported by this crate (and Go-made logs verified by this crate): `tests/interop_go.rs`
//!   with the harness in `interop/go-verifier/`.
//!
//! ## Benchmark
//!
//! `bench/log/run.sh [leaves]` builds `examples/log_bench.rs` in release and runs it beside the
//! Go x/mod reference (and Python hashlib/PyNaCl for hashing and Ed25519), printing ops/s and
//! ratios for node hashing, appends, inclusion proofs and Ed25519 sign/verify.
//!
//! ## Example
//!
//! ```
//! use verity_log::{checkpoint, leaf_hash, note, prove_inclusion, stored_hashes_for_leaf,
//!                  tree_hash, verify_inclusion, Hash};
//! # struct Zero; impl rand_core::RngCore for Zero { fn next_u32(&mut self) -> u32 { 0 }
//! # fn next_u64(&mut self) -> u64 { 0 } fn fill_bytes(&mut self, d: &mut [u8]) { d.fill(7) }
//! # fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> { d.fill(7); Ok(()) } }
//! # impl rand_core::CryptoRng for Zero {}
//! # let mut rng = Zero; // use rand_core::OsRng in real code
//! let mut stored: Vec<Hash> = Vec::new();
//! for (i, entry) in [b"first".as_slice(), b"second", b"third"].iter().enumerate() {
//!     let add = stored_hashes_for_leaf(i as u64, &leaf_hash(entry), &stored)?;
//!     stored.extend(add);
//! }
//! let root = tree_hash(3, &stored)?;
//! let proof = prove_inclusion(3, 1, &stored)?;
//! verify_inclusion(1, 3, &leaf_hash(b"second"), &proof, &root)?;
//!
//! let log_key = note::Signer::generate("verity.example/log", &mut rng)?;
//! let cp = checkpoint::Checkpoint { origin: "verity.example/log".into(), size: 3, root };
//! let signed = checkpoint::sign_checkpoint(&cp, &log_key);
//! let (opened, _) = checkpoint::open_checkpoint(signed.as_bytes(), &log_key.verifier())?;
//! assert_eq!(opened, cp);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use sha2::{Digest, Sha256};

mod proof;
mod tree;

pub mod checkpoint;
pub mod cosignature;
pub mod note;
pub mod tile;
pub mod witness;

pub use proof::{verify_consistency, verify_inclusion};
pub use tree::{
    CompactTree, HashReader, prove_consistency, prove_inclusion, split_stored_hash_index,
    stored_hash_count, stored_hash_index, stored_hashes_for_leaf, tree_hash,
};

pub use checkpoint::CheckpointError;
pub use cosignature::CosignatureError;
pub use note::NoteError;
pub use tile::TileError;
pub use witness::WitnessError;

/// A SHA-256 Merkle tree hash.
pub type Hash = [u8; 32];

/// RFC 9162 §2.1.1 leaf hash: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// RFC 9162 §2.1.1 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 9162 §2.1.1 hash of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Errors reading stored hashes or building proofs from them.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("stored hash {index} requested, but only {stored} hashes are stored")]
    HashNotStored { index: u64, stored: u64 },
    #[error("hash reader returned {returned} hashes for {requested} requested indexes")]
    ReaderCount { requested: usize, returned: usize },
    #[error("leaf index {index} is not in a tree of size {tree_size}")]
    IndexBeyondSize { index: u64, tree_size: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeGreater { old_size: u64, new_size: u64 },
    #[error(
        "stored hash index {index} (level {level}, n {n}) is not part of the tree of size {tree_size}"
    )]
    HashBeyondTree {
        index: u64,
        level: u8,
        n: u64,
        tree_size: u64,
    },
    #[error("tile {path}: {reason}")]
    BadTile { path: String, reason: String },
    #[error("tile {path} does not match the trusted tree (size {tree_size})")]
    TileMismatch { path: String, tree_size: u64 },
    #[error("tile fetch returned {returned} tiles for {requested} requested")]
    FetchCount { requested: usize, returned: usize },
    /// A storage backend failed; carries its error so callers can report the cause.
    #[error("hash storage: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of size {tree_size}")]
    IndexBeyondSize { index: u64, tree_size: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeGreater { old_size: u64, new_size: u64 },
    #[error("proof of {len} hashes is too long for these sizes")]
    ProofTooLong { len: usize },
    #[error("proof of {len} hashes is too short for these sizes")]
    ProofTooShort { len: usize },
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("consistency proof does not lead to the old root hash")]
    OldRootMismatch,
}
