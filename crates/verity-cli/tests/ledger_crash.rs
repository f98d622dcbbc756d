//! Kill -9: a real `verity serve` under load from several client threads is SIGKILLed at
//! pseudo-random moments (fixed seed), several rounds, and restarted on the same data folder.
//! At the end every acknowledged entry must be present byte-identical, `verity verify --full`
//! must pass, and every checkpoint a client saw must be consistent with the final one.

mod ledger_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ledger_support::*;
use serde_json::{Value, json};

/// xorshift64*: a fixed-seed generator for the kill moments and batch sizes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Seen {
    acked: Vec<(u64, Vec<u8>)>,
    checkpoints: Vec<String>,
}

#[test]
fn acknowledged_entries_survive_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut server = Proc::serve(&data, &[]);
    let d = data.to_str().unwrap();
    let parties: Vec<_> = (0..3).map(|i| key(&format!("P{i}"))).collect();
    for p in &parties {
        let (ok, _, err) = run(
            &[
                "party",
                "add",
                "--data",
                d,
                p.name(),
                &p.verifier().to_vkey(),
            ],
            &[],
        );
        assert!(ok, "{err}");
    }
    let url = Arc::new(Mutex::new(server.url.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen {
        acked: Vec::new(),
        checkpoints: Vec::new(),
    }));

    let workers: Vec<_> = parties
        .into_iter()
        .enumerate()
        .map(|(w, k)| {
            let (url, stop, seen) = (url.clone(), stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
                let mut next_seq: Option<u64> = None;
                while !stop.load(Ordering::Relaxed) {
                    let base = url.lock().unwrap().clone();
                    let Ok(client) = verity_server::client::Client::new(&base) else {
                        continue;
                    };
                    let seq = match next_seq {
                        Some(s) => s,
                        None => match client.parties() {
                            // After a crash the last batch may or may not have been committed:
                            // ask the log where this party stands.
                            Ok(p) => p.last_seq.get(k.name()).copied().unwrap_or(0) + 1,
                            Err(_) => {
                                std::thread::sleep(Duration::from_millis(30));
                                continue;
                            }
                        },
                    };
                    let n = 1 + rng.below(20);
                    let entries: Vec<Vec<u8>> = (0..n)
                        .map(|i| sign(&k, seq + i, json!({"w": w, "s": seq + i})))
                        .collect();
                    let body = format!(
                        "[{}]",
                        entries
                            .iter()
                            .map(|e| String::from_utf8_lossy(e).into_owned())
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                    match client.post_json::<Value>("/api/v1/declarations/batch", body.as_bytes()) {
                        Ok(v) => {
                            assert_eq!(v["refused"], 0, "{v}");
                            let mut s = seen.lock().unwrap();
                            for (e, r) in entries.into_iter().zip(v["results"].as_array().unwrap())
                            {
                                s.acked.push((r["index"].as_u64().unwrap(), e));
                            }
                            s.checkpoints
                                .push(v["checkpoint"].as_str().unwrap().to_owned());
                            next_seq = Some(seq + n);
                        }
                        Err(_) => {
                            next_seq = None;
                            std::thread::sleep(Duration::from_millis(30));
                        }
                    }
                }
            })
        })
        .collect();

    let mut rng = Rng(20261125);
    for round in 0..5 {
        std::thread::sleep(Duration::from_millis(150 + rng.below(500)));
        server.kill9();
        let before = seen.lock().unwrap().acked.len();
        eprintln!("round {round}: killed after {before} acknowledged entries");
        server = Proc::serve(&data, &[]);
        *url.lock().unwrap() = server.url.clone();
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }

    let seen = seen.lock().unwrap();
    assert!(
        seen.acked.len() > 50,
        "too little load: {}",
        seen.acked.len()
    );
    let client = server.client();
    for (index, bytes) in &seen.acked {
        let e: Value = client
            .get_json(&format!("/api/v1/entries/{index}"))
            .unwrap();
        let stored = verity_server::client::decode_b64(e["entry"].as_str().unwrap()).unwrap();
        assert_eq!(&stored, bytes, "acknowledged entry {index} changed or lost");
    }
    // Every checkpoint seen is signed by the log key and consistent with the final one.
    let log_key = verity_server::keys::read_verifier_key(&data.join("log.vkey")).unwrap();
    let (final_cp, _) =
        verity_log::checkpoint::open_checkpoint(&client.checkpoint_note().unwrap(), &log_key)
            .unwrap();
    let b64 = |v: &Value| verity_server::client::decode_hashes(v).unwrap();
    for note in &seen.checkpoints {
        let (cp, _) = verity_log::checkpoint::open_checkpoint(note.as_bytes(), &log_key).unwrap();
        let p: Value = client
            .get_json(&format!(
                "/api/v1/proofs/consistency?old={}&new={}",
                cp.size, final_cp.size
            ))
            .unwrap();
        if cp.size == final_cp.size {
            assert_eq!(cp.root, final_cp.root);
        } else {
            verity_log::verify_consistency(
                cp.size,
                final_cp.size,
                &cp.root,
                &final_cp.root,
                &b64(&p["proof"]),
            )
            .unwrap_or_else(|e| {
                panic!(
                    "checkpoint {} inconsistent with final {}: {e}",
                    cp.size, final_cp.size
                )
            });
        }
    }
    // And the independent client-side audit of the whole log passes.
    let state = tmp.path().join("state");
    let (ok, out, err) = run(
        &[
            "verify",
            "--server",
            &server.url,
            "--full",
            "--log-key",
            data.join("log.vkey").to_str().unwrap(),
        ],
        &[("VERITY_STATE", state.as_path())],
    );
    assert!(ok, "{out}\n{err}");
    eprintln!(
        "{} acknowledged entries, {} checkpoints seen, final size {}",
        seen.acked.len(),
        seen.checkpoints.len(),
        final_cp.size
    );
}
