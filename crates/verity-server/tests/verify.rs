//! Client-side verification against a real node whose database is tampered with while it is
//! stopped: an edited entry, dropped entries (the log shrinks), a rewritten tail (a fork), and
//! a wrong log key. Each must be detected with a message saying what is wrong.

mod common;

use common::*;
use serde_json::{Value, json};
use verity_server::client::{Client, TrustStore, VerifyError, VerifyRequest, verify};

fn submit_batch(
    node: &TestNode,
    k: &verity_log::note::Signer,
    seqs: std::ops::RangeInclusive<u64>,
    tag: &str,
) {
    let items: Vec<Value> = seqs
        .map(|s| {
            serde_json::from_slice(&sign(
                k,
                k.name(),
                "new-start",
                "notification",
                s,
                json!({"tag": tag, "s": s}),
            ))
            .unwrap()
        })
        .collect();
    let (s, v) = post(
        &node.url,
        "/api/v1/declarations/batch",
        &serde_json::to_vec(&items).unwrap(),
    );
    assert_eq!((s, v["refused"].as_u64()), (200, Some(0)), "{v}");
}

fn run(
    node: &TestNode,
    trust: &TrustStore,
    req: &VerifyRequest,
) -> anyhow::Result<verity_server::client::VerifyReport> {
    verify(&Client::new(&node.url).unwrap(), trust, req, &mut |_, _| {})
}

fn expect_err(r: anyhow::Result<verity_server::client::VerifyReport>) -> (VerifyError, String) {
    let e = r.expect_err("verification must fail");
    let msg = format!("{e:#}");
    (
        e.downcast::<VerifyError>()
            .unwrap_or_else(|e| panic!("not a VerifyError: {e:#}")),
        msg,
    )
}

fn db(data: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join(verity_store::SQLITE_FILE_NAME)).unwrap()
}

#[test]
fn tampering_is_detected_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let state = tmp.path().join("state");
    let trust = TrustStore::open(&state);
    let us = key("US");
    let mut node = TestNode::start_in(&data, Vec::new(), test_limits());
    node.register("US", &us, "party");
    for b in 0..4 {
        submit_batch(&node, &us, b * 5 + 1..=b * 5 + 5, "original");
    }
    assert_eq!(node.tree_size(), 21);

    // A clean log verifies: first use pins the key, then inclusion and the full audit pass.
    let r = run(&node, &trust, &VerifyRequest::default()).unwrap();
    assert!(r.pinned_now && r.previous_size.is_none() && r.tree_size == 21);
    let r = run(
        &node,
        &trust,
        &VerifyRequest {
            index: Some(7),
            full: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.consistency, "unchanged");
    assert_eq!(r.entry.as_ref().unwrap().seq, 7);
    assert_eq!(r.full.as_ref().unwrap().entries, 21);
    let r = run(
        &node,
        &trust,
        &VerifyRequest {
            party_seq: Some(("US".into(), 6)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.entry.unwrap().index, 6);

    // A wrong log key: the checkpoint signature does not verify.
    let (e, msg) = expect_err(run(
        &node,
        &trust,
        &VerifyRequest {
            log_key: Some(key("test.example/log").verifier()),
            ..Default::default()
        },
    ));
    assert!(
        matches!(e, VerifyError::BadCheckpointSignature { .. }),
        "{msg}"
    );

    // (a) An edited entry: same length, one payload byte changed.
    node.stop();
    let original: Vec<u8> = db(&data)
        .query_row("SELECT data FROM entries WHERE idx = 7", [], |r| r.get(0))
        .unwrap();
    let edited = String::from_utf8(original.clone())
        .unwrap()
        .replace("\"s\":7", "\"s\":9")
        .into_bytes();
    assert_ne!(edited, original);
    db(&data)
        .execute("UPDATE entries SET data = ?1 WHERE idx = 7", [&edited])
        .unwrap();
    let node2 = TestNode::start_in(&data, Vec::new(), test_limits());
    let (e, msg) = expect_err(run(
        &node2,
        &trust,
        &VerifyRequest {
            index: Some(7),
            ..Default::default()
        },
    ));
    assert!(
        matches!(e, VerifyError::EntryMismatch { index: 7, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("entry 7's bytes do not match the tree"),
        "{msg}"
    );
    let (e, msg) = expect_err(run(
        &node2,
        &trust,
        &VerifyRequest {
            full: true,
            ..Default::default()
        },
    ));
    assert!(
        matches!(e, VerifyError::EntryMismatch { index: 7, .. }),
        "{msg}"
    );
    drop(node2);
    db(&data)
        .execute("UPDATE entries SET data = ?1 WHERE idx = 7", [&original])
        .unwrap();

    // (b) Dropped entries: the operator truncates to the checkpoint at 16 (signed by the log
    // key) and serves that. The client trusted 21: the log shrank.
    {
        let c = db(&data);
        c.execute_batch(
            "DELETE FROM entries WHERE idx >= 16; DELETE FROM hashes WHERE leaf >= 16;
             DELETE FROM checkpoints WHERE size > 16;
             UPDATE parties SET last_seq = (SELECT MAX(seq) FROM entries WHERE entries.party = parties.party);",
        )
        .unwrap();
    }
    let node3 = TestNode::start_in(&data, Vec::new(), test_limits());
    assert_eq!(node3.tree_size(), 16);
    let (e, msg) = expect_err(run(&node3, &trust, &VerifyRequest::default()));
    assert!(
        matches!(
            e,
            VerifyError::Shrank {
                old_size: 21,
                new_size: 16,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("the log shrank"), "{msg}");

    // (c) A rewritten tail: the operator appends different entries past the old size and
    // signs new checkpoints with the log key. Inconsistent with the trusted checkpoint.
    submit_batch(&node3, &us, 16..=25, "rewritten");
    assert_eq!(node3.tree_size(), 26);
    let (e, msg) = expect_err(run(&node3, &trust, &VerifyRequest::default()));
    assert!(
        matches!(
            e,
            VerifyError::Inconsistent {
                old_size: 21,
                new_size: 26,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("forked or rewritten"), "{msg}");
    // The evidence was kept, and the trusted checkpoint did not move.
    let (e, _) = expect_err(run(&node3, &trust, &VerifyRequest::default()));
    assert!(matches!(e, VerifyError::Inconsistent { old_size: 21, .. }));
    let evidence: Vec<_> = walk(&state)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("evidence-checkpoint-26"))
        .collect();
    assert_eq!(evidence.len(), 1);
    // A new client without history sees a self-consistent log (what witnesses are for).
    let fresh = TrustStore::open(&tmp.path().join("fresh"));
    run(
        &node3,
        &fresh,
        &VerifyRequest {
            full: true,
            ..Default::default()
        },
    )
    .unwrap();
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(d) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn submission_answer_is_checked_against_the_log_key() {
    let node = TestNode::start();
    let us = key("US");
    node.register("US", &us, "party");
    let tmp = tempfile::tempdir().unwrap();
    let trust = TrustStore::open(tmp.path());
    let c = node.client();
    let bytes = sign(&us, "US", "new-start", "notification", 1, json!({}));
    let resp = c.submit(&bytes).unwrap();
    let (cp, warnings) =
        verity_server::client::check_submission(&c, &trust, None, &bytes, &resp).unwrap();
    assert_eq!(cp.size, resp.tree_size);
    assert!(
        warnings.iter().any(|w| w.contains("first use")),
        "{warnings:?}"
    );
    // A forged answer (proof for other bytes) is rejected.
    let other = sign(&us, "US", "new-start", "notification", 2, json!({"x": 1}));
    let err = verity_server::client::check_submission(&c, &trust, None, &other, &resp).unwrap_err();
    assert!(format!("{err:#}").contains("leaf hash"), "{err:#}");
    // The same answer checked against another log key fails on the signature.
    let err = verity_server::client::check_submission(
        &c,
        &trust,
        Some(&key("test.example/log").verifier()),
        &bytes,
        &resp,
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("not validly signed"), "{err:#}");
}
