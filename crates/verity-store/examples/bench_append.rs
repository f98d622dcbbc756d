//! Sequencing throughput of the SQLite store, the way the server drives it.
//!
//! `cargo run --release -p verity-store --example bench_append -- [ENTRIES] [BATCH] [--json]`
//! (defaults: 1,000,000 entries, batches of 2,000).
//!
//! 1. Clients (not timed): 100 parties sign ENTRIES declarations; the submitted JSON bytes are
//!    kept in memory.
//! 2. Timed, "accepted and durably sequenced": parse each submission
//!    (`SignedEnvelope::from_json`), verify its signature against a registry snapshot
//!    (`Registry::check_signature`, Ed25519 verify_strict) on both cores, and append the
//!    verified candidates in batches of BATCH, each one fsync'd SQLite transaction
//!    (WAL, synchronous=FULL) that also signs a checkpoint. Verification of batch k+1
//!    overlaps the append of batch k.
//!    "append alone" is the time spent inside `append` (admission, hashing, inserts,
//!    checkpoint signing, fsync'd commit), measured in the same run.
//! 3. Inclusion proofs: `prove_inclusion` over `read_hashes` at the final size, and the
//!    same with verification, for random leaves.
//! 4. `audit()` of the whole log.
//!
//! Prints a table; with `--json` also a last line `JSON {...}` for scripts.
//! bench/store/run.sh runs it next to a plain Python sequencer on the same SQLite settings.

use std::sync::mpsc;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use serde_json::json;
use verity_core::registry::{KIND_KEY_ADD, REGISTRY_TREATY};
use verity_core::{Envelope, SignedEnvelope};
use verity_log::note::Signer;
use verity_store::{Candidate, LogStore, StoreHashReader, open_sqlite};

const PARTIES: usize = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json_out = args.iter().any(|a| a == "--json");
    let nums: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let entries = nums.first().copied().unwrap_or(1_000_000);
    let batch = nums.get(1).copied().unwrap_or(2_000) as usize;

    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let now = time::OffsetDateTime::now_utc();
    let op = Signer::generate("bench.example/log", &mut rng)?;
    let parties: Vec<Signer> = (0..PARTIES)
        .map(|i| Signer::generate(&format!("P{i:03}"), &mut rng))
        .collect::<Result<_, _>>()?;
    let kref = |s: &Signer| format!("{}+{:08x}", s.name(), s.key_id());

    let dir = tempfile::tempdir()?;
    let store = open_sqlite(dir.path(), op.name(), &op.verifier())?;
    let regs: Vec<Candidate> = parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let env = Envelope::new(
                op.name(),
                REGISTRY_TREATY,
                KIND_KEY_ADD,
                i as u64 + 1,
                now,
                json!({"party": p.name(), "role": "party", "vkey": p.verifier().to_vkey()}),
                &kref(&op),
            )?
            .sign(&op)?;
            Ok(Candidate {
                envelope: env,
                verified: false,
            })
        })
        .collect::<Result<_, verity_core::EnvelopeError>>()?;
    store.append(&regs, now, &op)?;

    // 1. Clients sign (two threads, not timed).
    eprintln!("signing {entries} declarations ...");
    let t = Instant::now();
    let half = entries / 2;
    let make = |range: std::ops::Range<u64>| {
        range
            .map(|i| {
                // Interleave parties so every batch holds many parties; party p's k-th
                // entry is global number k*PARTIES + p, so seq order is preserved.
                let p = (i % PARTIES as u64) as usize;
                let seq = i / PARTIES as u64 + 1;
                let env = Envelope::new(
                    parties[p].name(),
                    "new-start",
                    "notification",
                    seq,
                    now,
                    json!({"facility": "Pantex", "warheads": i % 1550, "note": "bench"}),
                    &kref(&parties[p]),
                )
                .and_then(|e| e.sign(&parties[p]))
                .and_then(|e| e.to_entry_bytes());
                // Invariant: every field above is valid by construction.
                env.expect("valid declaration")
            })
            .collect::<Vec<_>>()
    };
    let submissions: Vec<Vec<u8>> = std::thread::scope(|s| {
        let make = &make;
        let a = s.spawn(move || make(0..half));
        let b = make(half..entries);
        // Invariant: the signing thread does not panic (its inputs are valid).
        let mut v = a.join().expect("signing thread");
        v.extend(b);
        v
    });
    eprintln!("signed in {:.1} s", t.elapsed().as_secs_f64());

    // 2. Parse + verify on two threads, pipelined with the appends.
    let registry = store.registry()?;
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    let (tx, rx) = mpsc::sync_channel::<Vec<Candidate>>(2);
    let mut appended = 0u64;
    let mut refused = 0u64;
    let mut append_secs = 0.0;
    let mut append_cpu = 0.0;
    std::thread::scope(|s| -> Result<(), verity_store::StoreError> {
        let chunks: Vec<&[Vec<u8>]> = submissions.chunks(batch).collect();
        let registry = &registry;
        s.spawn(move || {
            for chunk in chunks {
                let verify = |part: &[Vec<u8>]| -> Vec<Candidate> {
                    part.iter()
                        .filter_map(|b| SignedEnvelope::from_json(b).ok())
                        .map(|env| {
                            let verified = registry.check_signature(&env).is_ok();
                            Candidate {
                                envelope: env,
                                verified,
                            }
                        })
                        .collect()
                };
                let (l, r) = chunk.split_at(chunk.len() / 2);
                let cands = std::thread::scope(|s2| {
                    let h = s2.spawn(|| verify(l));
                    let mut b = verify(r);
                    // Invariant: verify() does not panic.
                    let mut a = h.join().expect("verify thread");
                    a.append(&mut b);
                    a
                });
                if tx.send(cands).is_err() {
                    return;
                }
            }
        });
        for cands in rx {
            let ta = Instant::now();
            let ca = cpu_seconds_of("/proc/thread-self/stat");
            let out = store.append(&cands, time::OffsetDateTime::now_utc(), &op)?;
            append_secs += ta.elapsed().as_secs_f64();
            append_cpu += cpu_seconds_of("/proc/thread-self/stat") - ca;
            for r in out.results {
                match r {
                    Ok(_) => appended += 1,
                    Err(_) => refused += 1,
                }
            }
        }
        Ok(())
    })?;
    let total_secs = t.elapsed().as_secs_f64();
    let total_cpu = cpu_seconds() - cpu0;
    assert_eq!(refused, 0, "bench declarations must all be admitted");
    let size = store.tree_size()?;

    // 3. Proofs.
    let reader = StoreHashReader(&store);
    let latest = store.latest_checkpoint()?.ok_or("no checkpoint")?;
    verity_log::prove_inclusion(size, 0, &reader)?; // fills the mirror
    let n_proofs = 200_000u64;
    let t = Instant::now();
    for _ in 0..n_proofs {
        let i = rng.gen_range(0..size);
        std::hint::black_box(verity_log::prove_inclusion(size, i, &reader)?);
    }
    let prove_per_s = n_proofs as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..n_proofs / 4 {
        let i = rng.gen_range(0..size);
        let entry = store.entry(i)?.ok_or("entry missing")?;
        let proof = verity_log::prove_inclusion(size, i, &reader)?;
        verity_log::verify_inclusion(
            i,
            size,
            &verity_log::leaf_hash(&entry),
            &proof,
            &latest.root,
        )?;
    }
    let fetch_prove_per_s = (n_proofs / 4) as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = store.audit()?;
    assert!(report.is_ok(), "audit: {:?}", report.problem);
    let audit_per_s = size as f64 / t.elapsed().as_secs_f64();
    let db_bytes = std::fs::metadata(store.path())?.len()
        + std::fs::metadata(store.path().with_extension("sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);

    let accepted_per_s = appended as f64 / total_secs;
    let sequence_per_s = appended as f64 / append_secs;
    let per_cpu_s = appended as f64 / total_cpu;
    let append_per_cpu_s = appended as f64 / append_cpu;
    {
        println!(
            "verity-store SQLite (WAL, synchronous=FULL), {appended} entries, batches of {batch}"
        );
        println!("{:<58} {:>12}", "measure", "per second");
        println!(
            "{:<58} {:>12.0}",
            "accepted + durably sequenced (parse, verify, append)", accepted_per_s
        );
        println!(
            "{:<58} {:>12.0}",
            "  same, per CPU-second used (all threads)", per_cpu_s
        );
        println!(
            "{:<58} {:>12.0}",
            "append alone (admit, hash, insert, checkpoint, fsync)", sequence_per_s
        );
        println!(
            "{:<58} {:>12.0}",
            "  same, per CPU-second of the appending thread", append_per_cpu_s
        );
        println!(
            "{:<58} {:>12.0}",
            "inclusion proofs (prove_inclusion over read_hashes)", prove_per_s
        );
        println!(
            "{:<58} {:>12.0}",
            "entry fetch + proof + verify", fetch_prove_per_s
        );
        println!(
            "{:<58} {:>12.0}",
            "audit (recompute tree, verify checkpoints, replay), entries", audit_per_s
        );
        println!(
            "database size: {:.1} MB ({:.0} bytes/entry)",
            db_bytes as f64 / 1e6,
            db_bytes as f64 / size as f64
        );
        println!(
            "target >= 10000 entries/s: ratio {:.2}; proofs target >= 20000/s: ratio {:.2}",
            accepted_per_s / 10_000.0,
            prove_per_s / 20_000.0
        );
    }
    if json_out {
        println!(
            "JSON {}",
            json!({
                "entries": appended, "batch": batch, "tree_size": size,
                "accepted_per_s": accepted_per_s, "accepted_per_cpu_s": per_cpu_s, "sequenced_only_per_s": sequence_per_s, "append_per_cpu_s": append_per_cpu_s,
                "proofs_per_s": prove_per_s, "entry_and_proof_verified_per_s": fetch_prove_per_s,
                "db_bytes": db_bytes, "audit_entries_per_s": audit_per_s,
            })
        );
    }
    Ok(())
}

/// CPU time (user + system, all threads) of this process so far, from /proc/self/stat
/// (fields 14 and 15, in clock ticks of 1/100 s). The machine is shared, so wall-clock
/// rates depend on the load; CPU-second rates much less so. 0 where /proc is unavailable.
fn cpu_seconds() -> f64 {
    cpu_seconds_of("/proc/self/stat")
}

/// As [`cpu_seconds`] for a process or thread stat file.
fn cpu_seconds_of(path: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // The command name (field 2) is parenthesised and may contain spaces; fields after it
    // are space-separated, utime being the 12th after the closing parenthesis.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
