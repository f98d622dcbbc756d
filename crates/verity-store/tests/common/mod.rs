//! Shared test helpers: deterministic keys, declarations, and a checker that verifies a
//! store's log with verity-log's independent verification functions.
#![allow(dead_code)]

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use time::OffsetDateTime;
use verity_core::registry::{KIND_KEY_ADD, KIND_KEY_REVOKE, REGISTRY_TREATY};
use verity_core::{Envelope, SignedEnvelope};
use verity_log::checkpoint::open_checkpoint;
use verity_log::note::{Signer, Verifier};
use verity_store::{Candidate, LogStore, StoreHashReader};

pub const NOW: OffsetDateTime = time::macros::datetime!(2026-11-25 12:00:00 UTC);
pub const ORIGIN: &str = "log.example/verity";

/// A key derived from a seed, so a child process and its parent agree on it.
pub fn key(name: &str, seed: u64) -> Signer {
    Signer::generate(name, &mut StdRng::seed_from_u64(seed)).unwrap()
}

pub fn operator() -> Signer {
    key(ORIGIN, 1)
}

pub fn key_ref(s: &Signer) -> String {
    format!("{}+{:08x}", s.name(), s.key_id())
}

pub fn decl(s: &Signer, party: &str, seq: u64, payload: Value) -> SignedEnvelope {
    decl_full(s, party, "new-start", "notification", seq, NOW, payload)
}

pub fn decl_full(
    s: &Signer,
    party: &str,
    treaty: &str,
    kind: &str,
    seq: u64,
    time: OffsetDateTime,
    payload: Value,
) -> SignedEnvelope {
    Envelope::new(party, treaty, kind, seq, time, payload, &key_ref(s))
        .unwrap()
        .sign(s)
        .unwrap()
}

/// The operator's declaration registering `k` for `party`.
pub fn key_add(op: &Signer, op_seq: u64, party: &str, k: &Signer) -> SignedEnvelope {
    decl_full(
        op,
        op.name(),
        REGISTRY_TREATY,
        KIND_KEY_ADD,
        op_seq,
        NOW,
        json!({"party": party, "role": "party", "vkey": k.verifier().to_vkey()}),
    )
}

/// `signer` (speaking for `party`) revokes `target`.
pub fn key_revoke(signer: &Signer, party: &str, seq: u64, target: &Signer) -> SignedEnvelope {
    decl_full(
        signer,
        party,
        REGISTRY_TREATY,
        KIND_KEY_REVOKE,
        seq,
        NOW,
        json!({"key": key_ref(target), "reason": "test"}),
    )
}

pub fn cand(envelope: SignedEnvelope) -> Candidate {
    Candidate {
        envelope,
        verified: false,
    }
}

pub fn codes(results: &[Result<u64, verity_core::Refusal>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(i) => format!("ok:{i}"),
            Err(e) => e.code().to_owned(),
        })
        .collect()
}

/// Verifies a store's whole log from the outside: every checkpoint opens under the log key,
/// every entry is included in the latest checkpoint (RFC 9162 §2.1.3.2 verification), every
/// checkpoint is consistent with the latest (§2.1.4.2), and the root recomputed from the
/// entries equals the latest root.
pub fn check_log(store: &dyn LogStore, log_key: &Verifier) {
    let Some(latest) = store.latest_checkpoint().unwrap() else {
        assert_eq!(store.tree_size().unwrap(), 0);
        return;
    };
    let (cp, _) = open_checkpoint(latest.note.as_bytes(), log_key).unwrap();
    assert_eq!((cp.size, cp.root), (latest.size, latest.root));
    assert_eq!(cp.origin, store.origin());
    let size = latest.size;
    assert_eq!(store.tree_size().unwrap(), size);
    let reader = StoreHashReader(store);
    let entries = store.entries(0, size).unwrap();
    let mut compact = verity_log::CompactTree::new();
    for (i, e) in entries.iter().enumerate() {
        let leaf = verity_log::leaf_hash(e);
        compact.append(leaf);
        let proof = verity_log::prove_inclusion(size, i as u64, &reader).unwrap();
        verity_log::verify_inclusion(i as u64, size, &leaf, &proof, &latest.root).unwrap();
        assert_eq!(
            store.entry(i as u64).unwrap().as_deref(),
            Some(e.as_slice())
        );
    }
    assert_eq!(compact.root(), latest.root);
    assert_eq!(verity_log::tree_hash(size, &reader).unwrap(), latest.root);
    for old in 1..=size {
        if let Some(c) = store.checkpoint_at_size(old).unwrap() {
            let (body, _) = open_checkpoint(c.note.as_bytes(), log_key).unwrap();
            assert_eq!((body.size, body.root), (c.size, c.root));
            let proof = verity_log::prove_consistency(size, old, &reader).unwrap();
            verity_log::verify_consistency(old, size, &c.root, &latest.root, &proof).unwrap();
        }
    }
}
