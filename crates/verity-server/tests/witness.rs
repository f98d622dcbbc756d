//! Witnessing in process: a witness node (C2SP tlog-witness) and a log node configured to ask
//! it for cosignatures; the 409 resynchronisation after the log node restarts; and the
//! witness's own answers over HTTP (404 unknown origin, 409 with its size, 422 bad proof).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use verity_log::checkpoint::open_cosigned_checkpoint;
use verity_log::cosignature::CosignatureSigner;
use verity_log::witness::AddCheckpointRequest;
use verity_server::witness::{WitnessNode, witness_router};
use verity_server::{WitnessTarget, keys};

struct TestWitness {
    url: String,
    node: WitnessNode,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn start_witness(
    dir: &std::path::Path,
    logs: Vec<verity_log::note::Verifier>,
) -> (TestWitness, CosignatureSigner) {
    let signer =
        keys::load_or_create_witness_key(dir, "witness.test/w1", &mut rand::rngs::OsRng).unwrap();
    let node = WitnessNode::open(dir, signer.clone(), logs).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let n2 = node.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            axum::serve(l, witness_router(n2))
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    (
        TestWitness {
            url: format!("http://{addr}"),
            node,
            _stop: stop_tx,
        },
        signer,
    )
}

fn wait_cosigned(node: &TestNode, witness: &CosignatureSigner, size: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let note = node.client().checkpoint_note().unwrap();
        if let Ok((cp, n)) =
            open_cosigned_checkpoint(&note, &node.log_key.verifier(), &[&witness.verifier()])
            && cp.size == size
            && n.verified.iter().any(|s| s.name == witness.name())
        {
            return String::from_utf8(note).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no cosignature at size {size}; last note:\n{}",
            String::from_utf8_lossy(&note)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn log_node_collects_cosignatures_and_resyncs_after_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("log");
    // The log key is created by the first start; start once to learn it.
    let (log_signer, _) =
        keys::load_or_create_log_key(&data, Some("test.example/log"), &mut rand::rngs::OsRng)
            .unwrap();
    let (w, wkey) = start_witness(&tmp.path().join("witness"), vec![log_signer.verifier()]);
    let target: WitnessTarget = format!("{}={}", w.url, wkey.verifier().to_vkey())
        .parse()
        .unwrap();

    let mut node = TestNode::start_in(&data, vec![target.clone()], test_limits());
    let us = key("US");
    node.register("US", &us, "party");
    wait_cosigned(&node, &wkey, 1);
    let (s, _) = post(
        &node.url,
        "/api/v1/declarations",
        &sign(&us, "US", "t", "notification", 1, json!({})),
    );
    assert_eq!(s, 201);
    let note = wait_cosigned(&node, &wkey, 2);
    // The served note is a valid signed note: log signature first, then the cosignature.
    assert_eq!(note.matches("\n— ").count(), 2, "{note}");
    assert_eq!(w.node.state().unwrap()[0].1, 2);

    // Restart: the new process does not know the witness's size, gets 409 and retries.
    node.stop();
    let node = TestNode::start_in(&data, vec![target], test_limits());
    let (s, _) = post(
        &node.url,
        "/api/v1/declarations",
        &sign(&us, "US", "t", "notification", 2, json!({})),
    );
    assert_eq!(s, 201);
    wait_cosigned(&node, &wkey, 3);
    assert_eq!(w.node.state().unwrap()[0].1, 3);

    // A client that trusts the witness checks its cosignature; a quorum it cannot reach (a
    // second trusted witness that never saw this checkpoint) is a named failure.
    let trust = verity_server::client::TrustStore::open(&tmp.path().join("client"));
    let verify = |req: &verity_server::client::VerifyRequest| {
        verity_server::client::verify(&node.client(), &trust, req, &mut |_, _| {})
    };
    let r = verify(&verity_server::client::VerifyRequest {
        log_key: Some(log_signer.verifier()),
        witnesses: vec![wkey.verifier()],
        quorum: 1,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(r.witnesses.len(), 1, "{:?}", r.witnesses);
    assert!(
        r.witnesses[0].contains("cosignature verified"),
        "{:?}",
        r.witnesses
    );
    let absent = CosignatureSigner::generate("absent.example/w", &mut rand::rngs::OsRng).unwrap();
    let err = verify(&verity_server::client::VerifyRequest {
        log_key: Some(log_signer.verifier()),
        witnesses: vec![wkey.verifier(), absent.verifier()],
        quorum: 2,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err.downcast_ref::<verity_server::client::VerifyError>(),
            Some(verity_server::client::VerifyError::WitnessQuorum {
                have: 1,
                need: 2,
                ..
            })
        ),
        "{err:#}"
    );
}

#[test]
fn witness_answers_follow_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let node = TestNode::start();
    let other_log = key("other.example/log");
    let (w, _wkey) = start_witness(tmp.path(), vec![node.log_key.verifier()]);
    let us = key("US");
    node.register("US", &us, "party");
    post(
        &node.url,
        "/api/v1/declarations",
        &sign(&us, "US", "t", "notification", 1, json!({})),
    );
    let note = node.client().checkpoint_note().unwrap();
    let send = |req: &AddCheckpointRequest| {
        let (s, h, body) = post_text(&w.url, &req.to_bytes());
        (s, h, String::from_utf8(body).unwrap())
    };
    // Unknown origin: 404.
    let foreign = verity_log::checkpoint::sign_checkpoint(
        &verity_log::checkpoint::Checkpoint {
            origin: other_log.name().into(),
            size: 1,
            root: [0; 32],
        },
        &other_log,
    );
    let (s, _, _) = send(&AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: foreign.into_bytes(),
    });
    assert_eq!(s, 404);
    // Malformed: 400.
    let (s, _, _) = post_text(&w.url, b"hello");
    assert_eq!(s, 400);
    // First cosignature from 0.
    let (s, _, body) = send(&AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: note.clone(),
    });
    assert_eq!(s, 200, "{body}");
    assert!(body.starts_with("— witness.test/w1 "), "{body}");
    // Old size mismatch: 409 with the witness's size, as text/x.tlog.size.
    let (s, h, body) = send(&AddCheckpointRequest {
        old_size: 1,
        proof: vec![],
        checkpoint: note.clone(),
    });
    assert_eq!((s, body.as_str()), (409, "2\n"));
    assert_eq!(header(&h, "content-type"), Some("text/x.tlog.size"));
    // A bad consistency proof: 422.
    post(
        &node.url,
        "/api/v1/declarations",
        &sign(&us, "US", "t", "notification", 2, json!({})),
    );
    let note3 = node.client().checkpoint_note().unwrap();
    let (s, _, _) = send(&AddCheckpointRequest {
        old_size: 2,
        proof: vec![[7; 32]],
        checkpoint: note3,
    });
    assert_eq!(s, 422);
    assert_eq!(w.node.state().unwrap()[0].1, 2, "nothing stored on failure");
}

fn post_text(url: &str, body: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(&format!("{url}/add-checkpoint"))
        .send(body)
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    (status, headers, resp.body_mut().read_to_vec().unwrap())
}

#[test]
fn witness_handler_never_panics_on_random_or_mutated_bodies() {
    let tmp = tempfile::tempdir().unwrap();
    let log = key("fuzz.example/log");
    let w = CosignatureSigner::generate("fuzz.example/w", &mut rand::rngs::OsRng).unwrap();
    let node = WitnessNode::open(tmp.path(), w, vec![log.verifier()]).unwrap();
    let cp = verity_log::checkpoint::sign_checkpoint(
        &verity_log::checkpoint::Checkpoint {
            origin: log.name().into(),
            size: 3,
            root: [1; 32],
        },
        &log,
    );
    let good = AddCheckpointRequest {
        old_size: 0,
        proof: vec![],
        checkpoint: cp.into_bytes(),
    }
    .to_bytes();
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut cosigned = 0;
    for i in 0..2000 {
        let mut body = good.clone();
        match i % 3 {
            0 => {
                let at = (next() as usize) % body.len();
                body[at] = next() as u8;
            }
            1 => body.truncate((next() as usize) % body.len()),
            _ => body = (0..next() % 300).map(|_| next() as u8).collect(),
        }
        let (status, _, _) = node.handle(&body, 1_700_000_000);
        assert!(
            [200, 400, 403, 404, 409, 422].contains(&status),
            "status {status}"
        );
        if status == 200 {
            cosigned += 1;
        }
    }
    // Only an unmodified-in-meaning request can be cosigned, and only once (then 409).
    assert!(cosigned <= 1, "{cosigned}");
}
