//! SQLite store: the shared behaviour suite plus reopen, identity checks, several writers on
//! one data folder, and tamper detection by `audit`.

mod common;
#[path = "common/suite.rs"]
mod suite;

use std::sync::Arc;

use common::*;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, params};
use serde_json::json;
use verity_store::{LogStore, StoreError, StoreOptions, open_sqlite, open_sqlite_with};

fn open(dir: &std::path::Path) -> verity_store::SqliteStore {
    open_sqlite(dir, ORIGIN, &operator().verifier()).unwrap()
}

#[test]
fn append_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    suite::append_and_read_back(&open(dir.path()));
}

#[test]
fn refusals() {
    let dir = tempfile::tempdir().unwrap();
    suite::refusals(&open(dir.path()));
}

#[test]
fn reopen_keeps_everything_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let (latest, reg_keys) = {
        let store = open(dir.path());
        suite::refusals(&store);
        (
            store.latest_checkpoint().unwrap().unwrap(),
            store.registry().unwrap().keys().clone(),
        )
    };
    let store = open(dir.path());
    assert_eq!(store.latest_checkpoint().unwrap().unwrap(), latest);
    assert_eq!(store.registry().unwrap().keys(), &reg_keys);
    let idx = suite::fill_party(&store, "FR", 14, 10, 4);
    assert_eq!(idx, (latest.size + 1..latest.size + 11).collect::<Vec<_>>());
    check_log(&store, &operator().verifier());
    assert!(store.audit().unwrap().is_ok());
}

#[test]
fn refuses_other_log_identity() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let other = key(ORIGIN, 2).verifier();
    let err = open_sqlite(dir.path(), ORIGIN, &other).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Mismatch {
                what: "log operator key",
                ..
            }
        ),
        "{err}"
    );
    let err = open_sqlite(dir.path(), "other.example", &operator().verifier()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Mismatch {
                what: "log origin",
                ..
            }
        ),
        "{err}"
    );
    // A new log whose origin is not its key's name could never produce a checkpoint that
    // opens (C2SP: the origin line names the log, and the log key carries that name).
    let fresh = tempfile::tempdir().unwrap();
    let err = open_sqlite(fresh.path(), "not-the-key-name", &operator().verifier()).unwrap_err();
    assert!(matches!(err, StoreError::Mismatch { .. }), "{err}");
}

#[test]
fn refuses_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let c = Connection::open(dir.path().join(verity_store::SQLITE_FILE_NAME)).unwrap();
    c.pragma_update(None, "user_version", 99).unwrap();
    drop(c);
    let err = open_sqlite(dir.path(), ORIGIN, &operator().verifier()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
}

/// Two handles on one data folder (as `verity party add --data DIR` next to a running
/// server) appending concurrently produce one linear log, and each handle notices the
/// other's appends (registry and tree edge reloaded inside the write lock).
#[test]
fn two_writers_on_one_folder_make_one_linear_log() {
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(open(dir.path()));
    let b = Arc::new(open(dir.path()));
    let op = operator();
    let us = key("US", 10);
    let ru = key("RU", 11);
    a.append(&[cand(key_add(&op, 1, "US", &us))], NOW, &op)
        .unwrap();
    // b registers RU: it must see a's entry (index 0, operator seq 1) first.
    let out = b
        .append(&[cand(key_add(&op, 2, "RU", &ru))], NOW, &op)
        .unwrap();
    assert_eq!(codes(&out.results), ["ok:1"]);
    let threads: Vec<_> = [(a.clone(), us, "US"), (b.clone(), ru, "RU")]
        .into_iter()
        .map(|(store, k, party)| {
            std::thread::spawn(move || {
                let mut got = Vec::new();
                for seq in 1..=60u64 {
                    let out = store
                        .append(&[cand(decl(&k, party, seq, json!({})))], NOW, &operator())
                        .unwrap();
                    got.push(*out.results[0].as_ref().unwrap());
                }
                got
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (2..122).collect::<Vec<_>>());
    for s in [&*a, &*b] {
        assert_eq!(s.tree_size().unwrap(), 122);
        check_log(s, &op.verifier());
        assert!(s.audit().unwrap().is_ok());
    }
    // The registry seen through either handle is current.
    assert_eq!(a.registry().unwrap().last_seq("RU"), 60);
    assert_eq!(b.registry().unwrap().last_seq("US"), 60);
}

#[test]
fn hash_reads_agree_with_and_without_the_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    suite::fill(&store, 300, 37);
    let cold = open_sqlite_with(
        dir.path(),
        ORIGIN,
        &operator().verifier(),
        &StoreOptions {
            hash_mirror: false,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let lazily = open(dir.path()); // mirror filled on first use
    let n = verity_log::stored_hash_count(store.tree_size().unwrap());
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..50 {
        let idx: Vec<u64> = (0..rng.gen_range(1..20))
            .map(|_| rng.gen_range(0..n))
            .collect();
        let want = store.read_hashes(&idx).unwrap();
        assert_eq!(cold.read_hashes(&idx).unwrap(), want);
        assert_eq!(lazily.read_hashes(&idx).unwrap(), want);
    }
    let all: Vec<u64> = (0..n).collect();
    assert_eq!(
        cold.read_hashes(&all).unwrap(),
        lazily.read_hashes(&all).unwrap()
    );
    check_log(&cold, &operator().verifier());
}

/// Builds a small log for tampering tests and returns the dir and a raw connection.
fn tamper_fixture() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    suite::fill(&store, 40, 8);
    assert!(store.audit().unwrap().is_ok());
    drop(store);
    let c = Connection::open(dir.path().join(verity_store::SQLITE_FILE_NAME)).unwrap();
    (dir, c)
}

fn audit_problem(dir: &std::path::Path) -> String {
    let report = open(dir).audit().unwrap();
    let p = report.problem.expect("audit must find the tampering");
    p.to_string()
}

/// Changes the declared figure inside an entry's payload (`"payload":{"seq":17}` -> 27).
fn edit_payload(d: &mut [u8]) {
    let pat = br#""payload":{"seq":"#;
    let at = d.windows(pat.len()).position(|w| w == pat).unwrap() + pat.len();
    d[at] = if d[at] == b'9' { b'1' } else { d[at] + 1 };
}

/// Recomputes the leaf hash column and every stored hash from the entry bytes, as a forger
/// covering their tracks would.
fn rehash(c: &Connection) -> Vec<verity_log::Hash> {
    let data: Vec<Vec<u8>> = c
        .prepare("SELECT data FROM entries ORDER BY idx")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    c.execute("DELETE FROM hashes", []).unwrap();
    let mut all: Vec<verity_log::Hash> = Vec::new();
    for (i, d) in data.iter().enumerate() {
        let leaf = verity_log::leaf_hash(d);
        let hs = verity_log::stored_hashes_for_leaf(i as u64, &leaf, &all).unwrap();
        c.execute(
            "UPDATE entries SET leaf_hash = ?1 WHERE idx = ?2",
            params![leaf.as_slice(), i as i64],
        )
        .unwrap();
        c.execute(
            "INSERT INTO hashes (leaf, hashes) VALUES (?1, ?2)",
            params![i as i64, hs.concat()],
        )
        .unwrap();
        all.extend(hs);
    }
    all
}

/// Data-driven: each way of tampering with the database, and what the audit must say.
#[test]
fn audit_detects_tampering() {
    type Tamper = fn(&Connection);
    let cases: &[(&str, Tamper, &str)] = &[
        (
            "edited entry",
            |c| {
                let mut d: Vec<u8> = c
                    .query_row("SELECT data FROM entries WHERE idx = 17", [], |r| r.get(0))
                    .unwrap();
                edit_payload(&mut d);
                c.execute("UPDATE entries SET data = ?1 WHERE idx = 17", params![d])
                    .unwrap();
            },
            "entry 17: entry bytes do not match the stored leaf hash",
        ),
        (
            "edited entry with its leaf hash recomputed",
            |c| {
                let mut d: Vec<u8> = c
                    .query_row("SELECT data FROM entries WHERE idx = 17", [], |r| r.get(0))
                    .unwrap();
                edit_payload(&mut d);
                let leaf = verity_log::leaf_hash(&d);
                c.execute(
                    "UPDATE entries SET data = ?1, leaf_hash = ?2 WHERE idx = 17",
                    params![d, leaf.as_slice()],
                )
                .unwrap();
            },
            "entry 17: stored tree hashes differ",
        ),
        (
            "dropped entry",
            |c| {
                c.execute("DELETE FROM entries WHERE idx = 9", []).unwrap();
            },
            "40 entry rows",
        ),
        (
            "dropped entry and its hashes, renumbered",
            |c| {
                // A careful forger: drops entry 9, renumbers, pads the end with a copy and
                // recomputes every stored hash, keeping the old checkpoints.
                c.execute("DELETE FROM entries WHERE idx = 9", []).unwrap();
                c.execute("UPDATE entries SET idx = idx - 1 WHERE idx > 9", [])
                    .unwrap();
                c.execute("INSERT INTO entries SELECT 40, data, leaf_hash, party, seq + 1000, treaty, kind, time FROM entries WHERE idx = 39", []).unwrap();
                let _ = rehash(c);
            },
            "checkpoint 17 root",
        ),
        (
            "operator rewrites a declaration and re-signs every checkpoint",
            |c| {
                let mut d: Vec<u8> = c
                    .query_row("SELECT data FROM entries WHERE idx = 17", [], |r| r.get(0))
                    .unwrap();
                edit_payload(&mut d);
                c.execute("UPDATE entries SET data = ?1 WHERE idx = 17", params![d])
                    .unwrap();
                let all = rehash(c);
                let sizes: Vec<i64> = c
                    .prepare("SELECT size FROM checkpoints")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                for size in sizes {
                    let root = verity_log::tree_hash(size as u64, &all).unwrap();
                    let cp = verity_log::checkpoint::Checkpoint {
                        origin: ORIGIN.into(),
                        size: size as u64,
                        root,
                    };
                    let note = verity_log::checkpoint::sign_checkpoint(&cp, &operator());
                    c.execute(
                        "UPDATE checkpoints SET root = ?1, note = ?2 WHERE size = ?3",
                        params![root.as_slice(), note, size],
                    )
                    .unwrap();
                }
            },
            "entry 17: replaying the registry refuses it: signature does not verify",
        ),
        (
            "tail rewritten with the old checkpoints kept",
            |c| {
                c.execute("UPDATE entries SET data = CAST(replace(CAST(data AS TEXT), 'notification', 'notificatioN') AS BLOB) WHERE idx >= 30", []).unwrap();
                let _ = rehash(c);
            },
            "checkpoint 33 root",
        ),
        (
            "forged checkpoint signature",
            |c| {
                let note: String = c
                    .query_row("SELECT note FROM checkpoints WHERE size = 41", [], |r| {
                        r.get(0)
                    })
                    .unwrap();
                let forged = note.replacen("41\n", "42\n", 1);
                c.execute(
                    "UPDATE checkpoints SET note = ?1 WHERE size = 41",
                    params![forged],
                )
                .unwrap();
            },
            "checkpoint 41 does not verify",
        ),
        (
            "checkpoint swapped for another validly signed one",
            |c| {
                let (note, root): (String, Vec<u8>) = c
                    .query_row(
                        "SELECT note, root FROM checkpoints WHERE size = 33",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                c.execute(
                    "UPDATE checkpoints SET note = ?1, root = ?2 WHERE size = 41",
                    params![note, root],
                )
                .unwrap();
            },
            "checkpoint 41 says",
        ),
        (
            "stored root differs from the recomputed tree",
            |c| {
                // Rewrite the whole tail with different content but keep the old checkpoint:
                // here simulated by re-signing nothing and editing the stored hashes row of the
                // last leaf to claim a different tree.
                let blob: Vec<u8> = c
                    .query_row("SELECT hashes FROM hashes WHERE leaf = 40", [], |r| {
                        r.get(0)
                    })
                    .unwrap();
                let mut b = blob.clone();
                b[0] ^= 1;
                c.execute("UPDATE hashes SET hashes = ?1 WHERE leaf = 40", params![b])
                    .unwrap();
            },
            "entry 40: stored tree hashes differ",
        ),
        (
            "truncated hashes row",
            |c| {
                c.execute(
                    "UPDATE hashes SET hashes = substr(hashes, 1, 31) WHERE leaf = 5",
                    [],
                )
                .unwrap();
            },
            "entry 5: store is corrupt: hashes row of leaf 5 has 31 bytes",
        ),
        (
            "party sequence rewound",
            |c| {
                c.execute("UPDATE parties SET last_seq = 3 WHERE party = 'US'", [])
                    .unwrap();
            },
            "last sequence numbers differ",
        ),
        (
            "key un-revoked or altered",
            |c| {
                c.execute("UPDATE keys SET role = 'inspectorate'", [])
                    .unwrap();
            },
            "stored key table differs",
        ),
        (
            "index column disagrees with the entry",
            |c| {
                c.execute("UPDATE entries SET kind = 'bulletin' WHERE idx = 3", [])
                    .unwrap();
            },
            "entry 3: index columns",
        ),
    ];
    for (name, tamper, want) in cases {
        let (dir, c) = tamper_fixture();
        tamper(&c);
        drop(c);
        let got = audit_problem(dir.path());
        assert!(
            got.contains(want),
            "{name}: audit said {got:?}, expected it to mention {want:?}"
        );
    }
}

/// Regression guard for the audit as a parser of stored bytes: random corruption of any
/// stored blob or text makes it report a problem or an error, never panic.
#[test]
fn audit_never_panics_on_corrupted_rows() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let (dir, c) = tamper_fixture();
    let path = dir.path().join(verity_store::SQLITE_FILE_NAME);
    drop(c);
    let pristine = std::fs::read(&path).unwrap();
    let targets = [
        ("entries", "data", "idx"),
        ("entries", "leaf_hash", "idx"),
        ("hashes", "hashes", "leaf"),
        ("checkpoints", "note", "size"),
        ("checkpoints", "root", "size"),
    ];
    for round in 0..60 {
        std::fs::write(&path, &pristine).unwrap();
        let c = Connection::open(&path).unwrap();
        let (table, col, key) = targets[round % targets.len()];
        let keys: Vec<i64> = c
            .prepare(&format!("SELECT {key} FROM {table}"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let k = keys[rng.gen_range(0..keys.len())];
        let mut v: Vec<u8> = c
            .query_row(
                &format!("SELECT CAST({col} AS BLOB) FROM {table} WHERE {key} = ?1"),
                [k],
                |r| r.get(0),
            )
            .unwrap();
        let original = v.clone();
        match rng.gen_range(0..3) {
            0 if !v.is_empty() => {
                let i = rng.gen_range(0..v.len());
                v[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => v.truncate(rng.gen_range(0..=v.len())),
            _ => v.extend((0..rng.gen_range(1..40)).map(|_| rng.r#gen::<u8>())),
        }
        let sql = if col == "note" {
            format!("UPDATE {table} SET {col} = CAST(?1 AS TEXT) WHERE {key} = ?2")
        } else {
            format!("UPDATE {table} SET {col} = ?1 WHERE {key} = ?2")
        };
        c.execute(&sql, params![v, k]).unwrap();
        drop(c);
        let store = open(dir.path());
        if v == original {
            continue; // the mutation happened to change nothing
        }
        // An unreadable row (Err) is also a detection.
        if let Ok(r) = store.audit() {
            assert!(
                !r.is_ok(),
                "round {round}: corruption of {table}.{col} went unnoticed"
            );
        }
    }
}

/// A damaged data folder (random bytes of the database file overwritten, as after disk
/// corruption) must give errors or audit problems, never a panic: `verity serve` opens and
/// audits whatever it finds.
#[test]
fn corrupted_database_file_never_panics() {
    let (dir, c) = tamper_fixture();
    drop(c);
    let path = dir.path().join(verity_store::SQLITE_FILE_NAME);
    let pristine = std::fs::read(&path).unwrap();
    let (want_cp, want_entries) = {
        let s = open(dir.path());
        (
            s.latest_checkpoint().unwrap(),
            s.entries(0, s.tree_size().unwrap()).unwrap(),
        )
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let mut outcomes = [0usize; 3]; // open failed, audit failed or found a problem, clean
    for _ in 0..80 {
        let mut bytes = pristine.clone();
        for _ in 0..rng.gen_range(1..16) {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.r#gen();
        }
        if rng.gen_bool(0.2) {
            bytes.truncate(rng.gen_range(0..bytes.len()));
        }
        std::fs::write(&path, &bytes).unwrap();
        let _ = std::fs::remove_file(path.with_extension("sqlite3-wal"));
        let _ = std::fs::remove_file(path.with_extension("sqlite3-shm"));
        let outcome = match open_sqlite(dir.path(), ORIGIN, &operator().verifier()) {
            Err(_) => 0,
            Ok(store) => match store.audit() {
                Ok(r) if r.is_ok() => {
                    // Only acceptable if the bytes that matter were untouched (free space,
                    // unused header fields): the content must read back identical.
                    check_log(&store, &operator().verifier());
                    assert_eq!(store.latest_checkpoint().unwrap(), want_cp);
                    assert_eq!(store.entries(0, 41).unwrap(), want_entries);
                    2
                }
                _ => 1,
            },
        };
        outcomes[outcome] += 1;
    }
    eprintln!("open failed / problem found / unaffected: {outcomes:?}");
}

const WRITER_CHILD_DIR: &str = "VERITY_STORE_WRITER_CHILD_DIR";

/// Child role for the test below: appends 80 RU declarations in batches of 2, then exits.
#[test]
fn writer_child() {
    let Ok(dir) = std::env::var(WRITER_CHILD_DIR) else {
        return;
    };
    let store = open(dir.as_ref());
    // Pauses between batches, like a person or script using the CLI: SQLite's busy handler
    // backs off by sleeping, so a writer that re-takes the lock at once can starve another
    // for a while (bounded by the busy timeout), which is not what this test is about.
    for _ in 0..40 {
        assert_eq!(suite::fill_party(&store, "RU", 11, 2, 2).len(), 2);
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
}

/// Another *process* appending to the same data folder at the same time (as
/// `verity party add --data DIR` next to a running server): one linear log, and each side
/// sees the other's entries and registry changes.
#[test]
fn another_process_appending_to_the_same_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    suite::fill(&store, 1, 1); // registers US first, so the child's key-add is operator seq 2
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer_child", "--test-threads=1"])
        .env(WRITER_CHILD_DIR, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Keep appending one at a time for as long as the child runs.
    let mut mine = Vec::new();
    while child.try_wait().unwrap().is_none() {
        mine.extend(suite::fill(&store, 1, 1));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(child.wait().unwrap().success(), "writer child failed");
    let n = mine.len() as u64;
    let size = store.tree_size().unwrap();
    assert_eq!(
        size,
        2 + 1 + 80 + n,
        "US key-add + US 1, RU key-add + 80 RU, my {n} US"
    );
    let reg = store.registry().unwrap();
    assert_eq!(
        (reg.last_seq("US"), reg.last_seq("RU"), reg.last_seq(ORIGIN)),
        (1 + n, 80, 2)
    );
    assert!(mine.windows(2).all(|w| w[0] < w[1]));
    // The two processes really interleaved: some of my entries sit between the child's.
    let first_ru = store.entry_by_party_seq("RU", 1).unwrap().unwrap().0;
    let last_ru = store.entry_by_party_seq("RU", 80).unwrap().unwrap().0;
    assert!(
        mine.iter().any(|&i| first_ru < i && i < last_ru),
        "no interleaving observed (RU at {first_ru}..={last_ru}, mine {mine:?})"
    );
    check_log(&store, &operator().verifier());
    let report = store.audit().unwrap();
    assert!(report.is_ok(), "{report:?}");
}
