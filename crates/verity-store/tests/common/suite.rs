//! Behaviour every `LogStore` implementation must have; run by tests/sqlite.rs and
//! tests/postgres.rs against each backend.

use serde_json::json;
use time::Duration;
use verity_core::{Refusal, SignedEnvelope};
use verity_store::{Candidate, LogStore, StoreError};

use crate::common::*;
use verity_log::note::Signer;

/// Appends, reads back by index and by (party, seq), and verifies proofs and checkpoints.
pub fn append_and_read_back(store: &dyn LogStore) {
    let op = operator();
    let us = key("US", 10);
    let ru = key("RU", 11);
    assert_eq!(store.tree_size().unwrap(), 0);
    assert!(store.latest_checkpoint().unwrap().is_none());

    let out = store
        .append(
            &[
                cand(key_add(&op, 1, "US", &us)),
                cand(key_add(&op, 2, "RU", &ru)),
            ],
            NOW,
            &op,
        )
        .unwrap();
    assert_eq!(codes(&out.results), ["ok:0", "ok:1"]);
    let cp = out.checkpoint.unwrap();
    assert_eq!((cp.size, cp.time), (2, NOW.unix_timestamp()));
    assert_eq!(store.latest_checkpoint().unwrap(), Some(cp.clone()));

    let mut expect_entries: Vec<SignedEnvelope> = Vec::new();
    let mut us_seq = 0;
    let mut ru_seq = 0;
    for round in 0..5u64 {
        let mut batch = Vec::new();
        for i in 0..(round * 7 + 1) {
            if i % 3 == 0 {
                ru_seq += 1;
                batch.push(decl(&ru, "RU", ru_seq, json!({"round": round, "i": i})));
            } else {
                us_seq += 1;
                batch.push(decl(&us, "US", us_seq, json!({"round": round, "i": i})));
            }
        }
        // Pre-verified candidates take the admit_preverified path.
        let cands: Vec<Candidate> = batch
            .iter()
            .map(|e| Candidate {
                envelope: e.clone(),
                verified: round % 2 == 0,
            })
            .collect();
        let before = store.tree_size().unwrap();
        let out = store.append(&cands, NOW, &op).unwrap();
        for (k, r) in out.results.iter().enumerate() {
            assert_eq!(*r.as_ref().unwrap(), before + k as u64);
        }
        assert_eq!(out.checkpoint.unwrap().size, before + batch.len() as u64);
        expect_entries.extend(batch);
    }
    let size = store.tree_size().unwrap();
    assert_eq!(size, 2 + expect_entries.len() as u64);
    for (k, env) in expect_entries.iter().enumerate() {
        let idx = 2 + k as u64;
        let bytes = env.to_entry_bytes().unwrap();
        assert_eq!(store.entry(idx).unwrap(), Some(bytes.clone()));
        let e = &env.envelope;
        assert_eq!(
            store.entry_by_party_seq(&e.party, e.seq).unwrap(),
            Some((idx, bytes))
        );
    }
    assert_eq!(store.entry(size).unwrap(), None);
    assert_eq!(store.entry(u64::MAX).unwrap(), None);
    assert_eq!(store.entry_by_party_seq("US", us_seq + 1).unwrap(), None);
    assert_eq!(store.entry_by_party_seq("FR", 1).unwrap(), None);
    assert_eq!(store.entries(3, 6).unwrap().len(), 3);
    assert!(store.entries(5, 5).unwrap().is_empty());
    assert!(matches!(
        store.entries(0, size + 1),
        Err(StoreError::OutOfRange { .. })
    ));
    assert!(matches!(
        store.entries(4, 3),
        Err(StoreError::OutOfRange { .. })
    ));
    assert!(matches!(
        store.read_hashes(&[verity_log::stored_hash_count(size)]),
        Err(StoreError::HashNotStored { .. })
    ));
    assert_eq!(
        store.checkpoint_at_size(3).unwrap(),
        Some(store.checkpoint_at_size(3).unwrap().unwrap())
    );
    assert_eq!(
        store.checkpoint_at_size(4).unwrap(),
        None,
        "no checkpoint was made at size 4"
    );

    let reg = store.registry().unwrap();
    assert_eq!(reg.last_seq("US"), us_seq);
    assert_eq!(reg.last_seq("RU"), ru_seq);
    assert_eq!(reg.last_seq(op.name()), 2);
    assert_eq!(reg.keys().len(), 3);

    check_log(store, &op.verifier());
    let report = store.audit().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.tree_size, size);
    assert_eq!(report.entries_checked, size);
    assert_eq!(report.checkpoints_checked, 6);
    assert_eq!((report.keys, report.parties), (3, 3));
}

/// Every refusal path: refused candidates write nothing and consume no index or sequence
/// number; a mixed batch admits exactly the good ones, in order.
pub fn refusals(store: &dyn LogStore) {
    let op = operator();
    let us = key("US", 10);
    let us2 = key("US-2027", 12);
    let ru = key("RU", 11);
    let stranger = key("US", 99); // same name as US's key, not registered
    store
        .append(
            &[
                cand(key_add(&op, 1, "US", &us)),
                cand(key_add(&op, 2, "RU", &ru)),
            ],
            NOW,
            &op,
        )
        .unwrap();
    // US rotates to a new key, then the new key revokes the old one.
    let out = store
        .append(
            &[
                cand(key_add_self(&us, 1, &us2)),
                cand(key_revoke(&us2, "US", 2, &us)),
            ],
            NOW,
            &op,
        )
        .unwrap();
    assert_eq!(codes(&out.results), ["ok:2", "ok:3"]);

    let size0 = store.tree_size().unwrap();
    let cp0 = store.latest_checkpoint().unwrap();

    let mut tampered = decl(&us2, "US", 3, json!({"n": 1}));
    tampered.envelope.payload = json!({"n": 2});
    let future = decl_full(
        &us2,
        "US",
        "new-start",
        "notification",
        3,
        NOW + Duration::hours(1),
        json!({}),
    );
    let mut bad_time = decl(&us2, "US", 3, json!({}));
    bad_time.envelope.time = "yesterday".into();
    let mut too_large = decl(&us2, "US", 3, json!({}));
    too_large.envelope.payload = json!({"blob": "x".repeat(70_000)});
    let bad_batch: Vec<(Candidate, &str)> = vec![
        (cand(decl(&stranger, "US", 3, json!({}))), "unknown-key"),
        (cand(decl(&us, "US", 3, json!({}))), "revoked-key"),
        (cand(decl(&ru, "US", 3, json!({}))), "party-mismatch"),
        (cand(tampered), "bad-signature"),
        (cand(decl(&us2, "US", 2, json!({}))), "replayed-sequence"),
        (cand(decl(&us2, "US", 5, json!({}))), "sequence-gap"),
        (cand(future), "clock-skew"),
        (cand(too_large), "too-large"),
        // Fields are validated when parsed; a candidate built in code with a bad time is
        // still refused at admission (here on the pre-verified path, so the signature check
        // does not catch it first).
        (
            Candidate {
                envelope: bad_time,
                verified: true,
            },
            "malformed",
        ),
        (
            cand(decl_full(
                &us2,
                "US",
                "verity",
                "key-add",
                3,
                NOW,
                json!({"party": "US"}),
            )),
            "invalid-registry-change",
        ),
        (
            cand(decl_full(
                &ru,
                "RU",
                "verity",
                "key-add",
                1,
                NOW,
                json!({"party": "US", "role": "party", "vkey": key("US-X", 13).verifier().to_vkey()}),
            )),
            "unauthorized",
        ),
    ];
    let (cands, want): (Vec<Candidate>, Vec<&str>) = bad_batch.into_iter().unzip();
    let out = store.append(&cands, NOW, &op).unwrap();
    assert_eq!(codes(&out.results), want);
    assert!(
        out.checkpoint.is_none(),
        "an all-refused batch writes no checkpoint"
    );
    assert_eq!(store.tree_size().unwrap(), size0);
    assert_eq!(store.latest_checkpoint().unwrap(), cp0);
    assert_eq!(store.entry(size0).unwrap(), None);
    let reg = store.registry().unwrap();
    assert_eq!((reg.last_seq("US"), reg.last_seq("RU")), (2, 0));

    // Mixed: good ones get consecutive indexes; bad ones in between take none. The replay
    // of seq 3 inside the same batch is caught against the batch's own admissions.
    let mixed = vec![
        cand(decl(&us2, "US", 3, json!({}))),
        cand(decl(&us, "US", 4, json!({}))),
        cand(decl(&ru, "RU", 1, json!({}))),
        cand(decl(&us2, "US", 3, json!({"again": true}))),
        cand(decl(&us2, "US", 4, json!({}))),
        cand(decl(&stranger, "RU", 2, json!({}))),
        cand(decl(&ru, "RU", 2, json!({}))),
    ];
    let out = store.append(&mixed, NOW, &op).unwrap();
    let s = size0;
    assert_eq!(
        codes(&out.results),
        [
            format!("ok:{s}"),
            "revoked-key".into(),
            format!("ok:{}", s + 1),
            "replayed-sequence".into(),
            format!("ok:{}", s + 2),
            "unknown-key".into(),
            format!("ok:{}", s + 3),
        ]
    );
    assert_eq!(out.checkpoint.unwrap().size, s + 4);
    let reg = store.registry().unwrap();
    assert_eq!((reg.last_seq("US"), reg.last_seq("RU")), (4, 2));
    assert_eq!(reg.keys()[&key_ref(&us)].revoked_at, Some(3));

    // A signer other than the log's operator key is refused outright, writing nothing.
    let impostor = key(ORIGIN, 2);
    let err = store
        .append(&[cand(decl(&us2, "US", 5, json!({})))], NOW, &impostor)
        .unwrap_err();
    assert!(matches!(err, StoreError::Mismatch { .. }), "{err}");
    // ... and the handle still works afterwards (its caches were reset, not corrupted).
    let out = store
        .append(&[cand(decl(&us2, "US", 5, json!({})))], NOW, &op)
        .unwrap();
    assert_eq!(codes(&out.results), [format!("ok:{}", s + 4)]);

    check_log(store, &op.verifier());
    let report = store.audit().unwrap();
    assert!(report.is_ok(), "{report:?}");
}

/// `party` rotates: its key `old` registers `new` for the same party.
pub fn key_add_self(old: &Signer, seq: u64, new: &Signer) -> SignedEnvelope {
    decl_full(
        old,
        old.name(),
        "verity",
        "key-add",
        seq,
        NOW,
        json!({"party": old.name(), "role": "party", "vkey": new.verifier().to_vkey()}),
    )
}

/// Appends `n` entries for party `party` (key seed `seed`, registered by the operator if
/// needed) in batches of `batch`, returning the indexes.
pub fn fill_party(store: &dyn LogStore, party: &str, seed: u64, n: u64, batch: u64) -> Vec<u64> {
    let op = operator();
    let us = key(party, seed);
    let reg = store.registry().unwrap();
    if !reg.keys().contains_key(&key_ref(&us)) {
        let op_seq = reg.last_seq(op.name()) + 1;
        store
            .append(&[cand(key_add(&op, op_seq, party, &us))], NOW, &op)
            .unwrap();
    }
    let mut out = Vec::new();
    let mut seq = store.registry().unwrap().last_seq(party);
    let mut left = n;
    while left > 0 {
        let k = left.min(batch);
        let cands: Vec<Candidate> = (0..k)
            .map(|_| {
                seq += 1;
                cand(decl(&us, party, seq, json!({"seq": seq})))
            })
            .collect();
        let res = store.append(&cands, NOW, &op).unwrap();
        for r in res.results {
            out.push(r.map_err(|e: Refusal| e.to_string()).unwrap());
        }
        left -= k;
    }
    out
}

/// [`fill_party`] for party US.
pub fn fill(store: &dyn LogStore, n: u64, batch: u64) -> Vec<u64> {
    fill_party(store, "US", 10, n, batch)
}
