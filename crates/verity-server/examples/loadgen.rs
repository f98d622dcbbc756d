//! Loopback load generator for a running `verity serve` (see bench/ledger/run.sh).
//!
//! 1. registers `--parties` party keys (key-add entries signed with the log key from `--data`);
//! 2. pre-signs `--entries` declarations (spread over the parties, sequence numbers in order);
//! 3. submits them in batches of `--batch` over HTTP with `--concurrency` workers (each worker
//!    owns a set of parties so their sequence numbers arrive in order) and measures the
//!    sustained rate of entries accepted and durably sequenced (a batch is answered only after
//!    its commit and signed checkpoint) and the submission-to-checkpoint latency of each batch;
//! 4. sends `--proofs` inclusion-proof requests at random indexes with `--proof-concurrency`
//!    workers and measures requests/s; checks a sample of them against the checkpoint.
//!
//! Prints one JSON object on the last line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde_json::{Value, json};
use verity_core::{Envelope, names};
use verity_log::note::Signer;

struct Args {
    server: String,
    data: std::path::PathBuf,
    entries: u64,
    parties: u64,
    batch: usize,
    concurrency: usize,
    proofs: u64,
    proof_concurrency: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        server: "http://127.0.0.1:8080".into(),
        data: "verity-bench".into(),
        entries: 1_000_000,
        parties: 64,
        batch: 1000,
        concurrency: 16,
        proofs: 200_000,
        proof_concurrency: 32,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--server" => a.server = v,
            "--data" => a.data = v.into(),
            "--entries" => a.entries = v.parse().expect("--entries N"),
            "--parties" => a.parties = v.parse().expect("--parties N"),
            "--batch" => a.batch = v.parse().expect("--batch N"),
            "--concurrency" => a.concurrency = v.parse().expect("--concurrency N"),
            "--proofs" => a.proofs = v.parse().expect("--proofs N"),
            "--proof-concurrency" => {
                a.proof_concurrency = v.parse().expect("--proof-concurrency N")
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .max_idle_connections_per_host(4)
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut r = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .expect("POST");
    let s = r.status().as_u16();
    (
        s,
        r.body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .expect("body"),
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let a = parse_args();
    let log_key = verity_server::keys::load_log_key(&a.data).expect("log key in --data");
    let client = verity_server::client::Client::new(&a.server).expect("server URL");
    let ag = agent();

    // 1. Register the parties (one batch of operator key-add entries).
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let keys: Vec<Signer> = (0..a.parties)
        .map(|i| Signer::generate(&format!("P{i}"), &mut rand_core::OsRng).expect("key"))
        .collect();
    let op_seq = client
        .parties()
        .expect("parties")
        .last_seq
        .get(log_key.name())
        .copied()
        .unwrap_or(0);
    let now = time::OffsetDateTime::now_utc();
    let adds: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let env = Envelope::new(
                log_key.name(),
                "verity",
                "key-add",
                op_seq + 1 + i as u64,
                now,
                json!({"party": k.name(), "role": "party", "vkey": k.verifier().to_vkey()}),
                &names::key_ref(log_key.name(), log_key.key_id()),
            )
            .unwrap()
            .sign(&log_key)
            .unwrap();
            serde_json::from_slice(&env.to_entry_bytes().unwrap()).unwrap()
        })
        .collect();
    let (s, body) = post(
        &ag,
        &format!("{}/api/v1/declarations/batch?proofs=false", a.server),
        &serde_json::to_vec(&adds).unwrap(),
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        s == 200 && v["refused"] == 0,
        "registering parties: {s} {v}"
    );

    // 2. Pre-sign.
    let per_party = a.entries / a.parties;
    let total = per_party * a.parties;
    eprintln!(
        "loadgen: pre-signing {total} declarations for {} parties ...",
        a.parties
    );
    let t = Instant::now();
    let time = time::OffsetDateTime::now_utc();
    let signed: Vec<Vec<Vec<u8>>> = keys
        .par_iter()
        .map(|k| {
            let kr = names::key_ref(k.name(), k.key_id());
            (1..=per_party)
                .map(|seq| {
                    Envelope::new(k.name(), "new-start", "notification", seq, time,
                        json!({"format": "3.1", "subject": "movement of a mobile launcher", "count": seq % 7, "base": "bench"}), &kr)
                        .unwrap()
                        .sign(k)
                        .unwrap()
                        .to_entry_bytes()
                        .unwrap()
                })
                .collect()
        })
        .collect();
    let entry_bytes: usize = signed.iter().flatten().map(Vec::len).sum();
    eprintln!(
        "loadgen: pre-signed in {:.1} s (mean entry {} bytes)",
        t.elapsed().as_secs_f64(),
        entry_bytes / total.max(1) as usize
    );
    // Batches per worker: worker w owns parties w, w+C, ...; within a party, batches in order.
    let c = a.concurrency.min(a.parties as usize).max(1);
    let mut work: Vec<Vec<Vec<u8>>> = vec![Vec::new(); c];
    for (p, entries) in signed.into_iter().enumerate() {
        for chunk in entries.chunks(a.batch) {
            let mut body = Vec::with_capacity(chunk.iter().map(|e| e.len() + 1).sum::<usize>() + 2);
            body.push(b'[');
            for (i, e) in chunk.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(e);
            }
            body.push(b']');
            work[p % c].push(body);
        }
    }
    // Interleave each worker's parties so all workers stay busy to the end.
    let start_size = client.get_json::<Value>("/api/v1/checkpoint").unwrap()["size"]
        .as_u64()
        .unwrap();

    // 3. Submit.
    eprintln!(
        "loadgen: submitting with {c} workers, batches of {} ...",
        a.batch
    );
    let accepted = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let latencies: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .into_iter()
            .map(|bodies| {
                let accepted = accepted.clone();
                let url = format!("{}/api/v1/declarations/batch?proofs=false", a.server);
                scope.spawn(move || {
                    let ag = agent();
                    let mut lat = Vec::with_capacity(bodies.len());
                    for body in bodies {
                        loop {
                            let t0 = Instant::now();
                            let (s, resp) = post(&ag, &url, &body);
                            if s == 503 || s == 429 {
                                std::thread::sleep(Duration::from_millis(20));
                                continue;
                            }
                            let v: Value = serde_json::from_slice(&resp).expect("JSON");
                            assert_eq!(s, 200, "{v}");
                            assert_eq!(
                                v["refused"],
                                0,
                                "refused items: {}",
                                v["results"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .find(|r| r.get("error").is_some())
                                    .unwrap()
                            );
                            accepted.fetch_add(v["accepted"].as_u64().unwrap(), Ordering::Relaxed);
                            lat.push(t0.elapsed().as_secs_f64());
                            break;
                        }
                    }
                    lat
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = t.elapsed().as_secs_f64();
    let n = accepted.load(Ordering::Relaxed);
    let mut lat: Vec<f64> = latencies.into_iter().flatten().collect();
    lat.sort_by(|x, y| x.total_cmp(y));
    let end_size = client.get_json::<Value>("/api/v1/checkpoint").unwrap()["size"]
        .as_u64()
        .unwrap();
    assert_eq!(
        end_size - start_size,
        n,
        "the log grew by exactly the accepted entries"
    );
    let rate = n as f64 / elapsed;
    eprintln!(
        "loadgen: {n} entries in {elapsed:.1} s = {rate:.0} entries/s; batch submit->checkpoint p50 {:.3} s p99 {:.3} s",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );

    // 4. Proofs.
    let size = end_size;
    let cp_note = client.checkpoint_note().unwrap();
    let (cp, _) = verity_log::checkpoint::open_checkpoint(&cp_note, &log_key.verifier()).unwrap();
    let pc = a.proof_concurrency.max(1);
    let per = a.proofs / pc as u64;
    eprintln!(
        "loadgen: {} inclusion-proof requests with {pc} workers ...",
        per * pc as u64
    );
    let seeds: Vec<u64> = (0..pc).map(|_| rng.r#gen()).collect();
    let t = Instant::now();
    let checked: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = seeds
            .into_iter()
            .map(|seed| {
                let base = a.server.clone();
                let cp = &cp;
                scope.spawn(move || {
                    let ag = agent();
                    let mut r = rand::rngs::StdRng::seed_from_u64(seed);
                    let mut checked = 0u64;
                    for i in 0..per {
                        let idx = r.gen_range(0..size);
                        let mut resp = ag
                            .get(&format!(
                                "{base}/api/v1/proofs/inclusion?index={idx}&size={size}"
                            ))
                            .call()
                            .expect("GET proof");
                        assert_eq!(resp.status().as_u16(), 200);
                        let body = resp.body_mut().read_to_vec().unwrap();
                        if i % 64 == 0 {
                            let v: Value = serde_json::from_slice(&body).unwrap();
                            let leaf: [u8; 32] = B64
                                .decode(v["leaf_hash"].as_str().unwrap())
                                .unwrap()
                                .try_into()
                                .unwrap();
                            let proof: Vec<[u8; 32]> = v["proof"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|h| {
                                    B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap()
                                })
                                .collect();
                            verity_log::verify_inclusion(idx, size, &leaf, &proof, &cp.root)
                                .expect("proof verifies");
                            checked += 1;
                        }
                    }
                    checked
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let pe = t.elapsed().as_secs_f64();
    let prate = (per * pc as u64) as f64 / pe;
    eprintln!("loadgen: {prate:.0} proofs/s ({checked} verified against the checkpoint)");
    println!(
        "{}",
        json!({
            "entries": n, "tree_size": size, "seconds": elapsed, "entries_per_s": rate,
            "latency_p50_s": percentile(&lat, 0.5), "latency_p99_s": percentile(&lat, 0.99),
            "batches": lat.len(), "batch": a.batch, "concurrency": c,
            "proof_requests": per * pc as u64, "proofs_per_s": prate, "proof_concurrency": pc,
        })
    );
}
