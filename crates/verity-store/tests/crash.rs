//! Crash safety: a child process appends in a loop and reports every acknowledged entry and
//! checkpoint; it is SIGKILLed at random moments (several rounds, fixed seed). After each
//! kill the parent reopens the store and checks that nothing acknowledged was lost or
//! changed and that the log is consistent with every checkpoint ever reported.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use rand::{Rng, SeedableRng};
use serde_json::json;
use verity_store::{LogStore, StoreHashReader, open_sqlite};

const CHILD_DIR: &str = "VERITY_STORE_CRASH_CHILD_DIR";
const CHILD_SEED: &str = "VERITY_STORE_CRASH_CHILD_SEED";

/// The child role: only does something when started by the parent test below.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let seed: u64 = std::env::var(CHILD_SEED).unwrap().parse().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let op = operator();
    let us = key("US", 10);
    let store = open_sqlite(dir.as_ref(), ORIGIN, &op.verifier()).unwrap();
    let mut out = std::io::stdout().lock();
    let reg = store.registry().unwrap();
    if !reg.keys().contains_key(&key_ref(&us)) {
        let r = store
            .append(
                &[cand(key_add(&op, reg.last_seq(op.name()) + 1, "US", &us))],
                NOW,
                &op,
            )
            .unwrap();
        assert!(r.results[0].is_ok());
    }
    let mut seq = store.registry().unwrap().last_seq("US");
    writeln!(out, "@@READY").unwrap();
    out.flush().unwrap();
    loop {
        let n = rng.gen_range(1..=300);
        let mut batch = Vec::with_capacity(n + 1);
        for _ in 0..n {
            seq += 1;
            batch.push(cand(decl(
                &us,
                "US",
                seq,
                json!({"seq": seq, "pad": "x".repeat(rng.gen_range(0..400))}),
            )));
        }
        // A replay in the middle: refused, must not disturb anything.
        batch.insert(
            n / 2,
            cand(decl(
                &us,
                "US",
                seq.saturating_sub(n as u64).max(1),
                json!({"replay": true}),
            )),
        );
        let res = store.append(&batch, NOW, &op).unwrap();
        // Only now, after COMMIT, is anything acknowledged.
        for (c, r) in batch.iter().zip(&res.results) {
            if let Ok(i) = r {
                writeln!(
                    out,
                    "@@ACK {i} {}",
                    hex::encode(c.envelope.to_entry_bytes().unwrap())
                )
                .unwrap();
            }
        }
        let cp = res.checkpoint.unwrap();
        writeln!(out, "@@CP {} {}", cp.size, hex::encode(cp.root)).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let mut acked: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut seen: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
    let op = operator();
    let rounds = 8;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_SEED, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match r.read_line(&mut line) {
                    // A line cut short by the kill is not an acknowledgement.
                    Ok(n) if n > 0 && line.ends_with('\n') => {
                        if tx.send(line).is_err() {
                            return;
                        }
                    }
                    _ => return,
                }
            }
        });
        // The test harness prints its own lines; the child's protocol lines start with "@@".
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("child did not start");
            if line.contains("@@READY") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(20..600)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        let mut acks_this_round = 0;
        for line in rx.try_iter() {
            let Some(at) = line.find("@@") else { continue };
            let mut parts = line[at + 2..].split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some("ACK"), Some(i), Some(h)) => {
                    acked.insert(i.parse().unwrap(), hex::decode(h).unwrap());
                    acks_this_round += 1;
                }
                (Some("CP"), Some(s), Some(h)) => {
                    seen.insert(
                        s.parse().unwrap(),
                        hex::decode(h).unwrap().try_into().unwrap(),
                    );
                }
                _ => panic!("unexpected child output {line:?}"),
            }
        }
        eprintln!("round {round}: {acks_this_round} entries acknowledged before the kill");

        // Reopen as a fresh process would.
        let store = open_sqlite(dir.path(), ORIGIN, &op.verifier()).unwrap();
        let size = store.tree_size().unwrap();
        let latest = store.latest_checkpoint().unwrap().unwrap();
        for (i, bytes) in &acked {
            assert_eq!(
                store.entry(*i).unwrap().as_ref(),
                Some(bytes),
                "round {round}: acknowledged entry {i}"
            );
        }
        let reader = StoreHashReader(&store);
        for (s, root) in &seen {
            let stored = store
                .checkpoint_at_size(*s)
                .unwrap()
                .expect("reported checkpoint is stored");
            assert_eq!(&stored.root, root, "round {round}: checkpoint {s} changed");
            let proof = verity_log::prove_consistency(size, *s, &reader).unwrap();
            verity_log::verify_consistency(*s, size, root, &latest.root, &proof).unwrap();
        }
        let mut tree = verity_log::CompactTree::new();
        for e in store.entries(0, size).unwrap() {
            tree.append(verity_log::leaf_hash(&e));
        }
        assert_eq!(tree.root(), latest.root);
        let report = store.audit().unwrap();
        assert!(report.is_ok(), "round {round}: {report:?}");
    }
    assert!(
        acked.len() > 100,
        "the children acknowledged too little to test anything"
    );
    let store = open_sqlite(dir.path(), ORIGIN, &op.verifier()).unwrap();
    check_log(&store, &op.verifier());
}
