//! Opening and auditing a damaged data folder must never panic (`verity serve` does both at
//! start). The input is a list of patches `(u32 offset, u8 value)` applied to a small valid
//! database built once per process.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use verity_core::Envelope;
use verity_log::note::Signer;
use verity_store::{Candidate, LogStore, open_sqlite};

struct Fixture {
    _dir: tempfile::TempDir,
    work: PathBuf,
    pristine: Vec<u8>,
    op: Signer,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let op = Signer::generate("fuzz.example", &mut rng).unwrap();
        let us = Signer::generate("US", &mut rng).unwrap();
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join("build");
        {
            let store = open_sqlite(&build, "fuzz.example", &op.verifier()).unwrap();
            let kref = |s: &Signer| format!("{}+{:08x}", s.name(), s.key_id());
            let add = Envelope::new("fuzz.example", "verity", "key-add", 1, now,
                serde_json::json!({"party": "US", "role": "party", "vkey": us.verifier().to_vkey()}), &kref(&op))
                .unwrap().sign(&op).unwrap();
            store.append(&[Candidate { envelope: add, verified: false }], now, &op).unwrap();
            for seq in 1..=20 {
                let e = Envelope::new("US", "new-start", "notification", seq, now, serde_json::json!({"n": seq}), &kref(&us))
                    .unwrap().sign(&us).unwrap();
                store.append(&[Candidate { envelope: e, verified: false }], now, &op).unwrap();
            }
        }
        let pristine = std::fs::read(build.join(verity_store::SQLITE_FILE_NAME)).unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        Fixture { _dir: dir, work, pristine, op }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let mut bytes = f.pristine.clone();
    for p in data.chunks_exact(5) {
        let at = u32::from_le_bytes([p[0], p[1], p[2], p[3]]) as usize % bytes.len();
        bytes[at] = p[4];
    }
    let path = f.work.join(verity_store::SQLITE_FILE_NAME);
    let _ = std::fs::remove_file(path.with_extension("sqlite3-wal"));
    let _ = std::fs::remove_file(path.with_extension("sqlite3-shm"));
    std::fs::write(&path, &bytes).unwrap();
    if let Ok(store) = open_sqlite(&f.work, "fuzz.example", &f.op.verifier()) {
        let _ = store.audit();
        let _ = store.latest_checkpoint();
        let _ = store.registry();
        if let Ok(size) = store.tree_size() {
            let _ = verity_log::prove_inclusion(size, 0, &verity_store::StoreHashReader(&store));
            let _ = store.entries(0, size);
        }
    }
});
