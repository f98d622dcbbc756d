//! Independent verification by the Go reference implementation of the design
//! (golang.org/x/mod/sumdb/{note,tlog}, Debian `golang-golang-x-mod-dev`), through the harness
//! in interop/go-verifier (a small Go program of ours using only the standard library and x/mod).
//!
//! Forward: a 1,000-entry log built by this crate is exported as C2SP files (verifier key,
//! checkpoints, tiles, entry bundles, entry list); Go's `note.Open` must accept the checkpoint
//! signatures and Go's `TileHashReader`/`ReadTileData`/`ProveRecord`/`CheckRecord`/`ProveTree`/
//! `CheckTree`/`RecordHash` must agree on every tile, entry and the consistency of the older
//! checkpoint. Then one tile byte, one entry byte, one signature byte and a forked old checkpoint
//! are each tampered with and Go must FAIL.
//!
//! Reverse: Go signs checkpoints and produces tiles, bundles and proofs with x/mod; this crate
//! must verify all of them.
//!
//! Needs `go` and x/mod under GOPATH (default /usr/share/gocode; override with
//! VERITY_GO_GOPATH). Without them the test prints a note and passes, unless
//! VERITY_REQUIRE_ORACLES=1 (CI), where it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::{Rng, build_log};
use verity_log::checkpoint::{self, Checkpoint};
use verity_log::note::{Signer, Verifier};
use verity_log::tile::{self, Tile, TileHashReader, encode_entry_bundle, read_tile_data};
use verity_log::{Hash, LogError, leaf_hash, tree_hash, verify_consistency, verify_inclusion};

fn gopath() -> PathBuf {
    std::env::var_os("VERITY_GO_GOPATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/gocode"))
}

/// Builds the harness, or explains why it cannot (then skip or fail per VERITY_REQUIRE_ORACLES).
fn harness() -> Option<PathBuf> {
    let required = std::env::var("VERITY_REQUIRE_ORACLES").as_deref() == Ok("1");
    let missing = |why: String| {
        if required {
            panic!("VERITY_REQUIRE_ORACLES=1 but the Go oracle is unavailable: {why}");
        }
        eprintln!(
            "NOTE: skipping Go interop test: {why} (apt-get install -y golang-go golang-golang-x-mod-dev)"
        );
        None
    };
    if Command::new("go").arg("version").output().is_err() {
        return missing("`go` not found".into());
    }
    if !gopath().join("src/golang.org/x/mod/sumdb/tlog").is_dir() {
        return missing(format!("x/mod not found under {}", gopath().display()));
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/go-verifier");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let bin = tmp.join("go-verifier");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath())
        .env("GOCACHE", tmp.join("gocache"))
        .env("GOFLAGS", "")
        .output()
        .expect("running go build");
    assert!(
        out.status.success(),
        "go build of the harness failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(bin)
}

fn run(bin: &Path, cmd: &str, dir: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new(bin)
        .arg(cmd)
        .arg(dir)
        .args(extra)
        .output()
        .expect("running go-verifier");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// Publishes a log as a tiled log would at each checkpoint size.
fn export(dir: &Path, entries: &[Vec<u8>], stored: &[Hash], log: &Signer, sizes: (u64, u64)) {
    let (old, new) = sizes;
    write(
        dir,
        "log.vkey",
        format!("{}\n", log.verifier().to_vkey()).as_bytes(),
    );
    for (file, size) in [("old-checkpoint", old), ("checkpoint", new)] {
        let cp = Checkpoint {
            origin: log.name().to_string(),
            size,
            root: tree_hash(size, stored).unwrap(),
        };
        write(dir, file, checkpoint::sign_checkpoint(&cp, log).as_bytes());
        for t in tile::tiles_for_size(size) {
            write(dir, &t.path(), &read_tile_data(&t, stored).unwrap());
        }
        for start in (0..size).step_by(256) {
            let end = (start + 256).min(size);
            let refs: Vec<&[u8]> = entries[start as usize..end as usize]
                .iter()
                .map(|e| e.as_slice())
                .collect();
            let path = tile::entry_bundle_path(start / 256, (end - start) as u16);
            write(dir, &path, &encode_entry_bundle(&refs).unwrap());
        }
    }
    let list: String = entries[..new as usize]
        .iter()
        .enumerate()
        .step_by(7)
        .map(|(i, e)| format!("{i} {}\n", B64.encode(e)))
        .collect();
    write(dir, "entries.txt", list.as_bytes());
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn tampered(base: &Path, name: &str, f: impl FnOnce(&Path)) -> tempfile::TempDir {
    let d = tempfile::Builder::new().prefix(name).tempdir().unwrap();
    copy_dir(base, d.path());
    f(d.path());
    d
}

fn flip(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    b[at] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

#[test]
fn go_reference_verifies_our_log_and_rejects_tampering() {
    let Some(bin) = harness() else { return };
    let mut rng = Rng(2024);
    let entries: Vec<Vec<u8>> = (0..1000)
        .map(|_| {
            let len = rng.below(300) as usize;
            rng.bytes(len)
        })
        .collect();
    let (stored, _) = build_log(&entries);
    let log = Signer::generate("verity.example/interop", &mut rng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), &entries, &stored, &log, (517, 1000));

    let (ok, out) = run(&bin, "verify", dir.path(), &[]);
    assert!(ok, "Go verifier rejected our log:\n{out}");
    assert!(out.contains("size 1000"), "{out}");
    assert!(out.contains("consistent with size 517"), "{out}");
    eprintln!("Go verifier: {out}");

    // One flipped bit in a full level-0 tile.
    let t = tampered(dir.path(), "tile", |d| flip(&d.join("tile/0/001"), 100));
    let (ok, out) = run(&bin, "verify", t.path(), &[]);
    assert!(!ok, "Go accepted a tampered tile:\n{out}");

    // One flipped bit inside an entry of a bundle (byte 2 is the first entry's first byte).
    let t = tampered(dir.path(), "entry", |d| {
        flip(&d.join("tile/entries/001"), 2)
    });
    let (ok, out) = run(&bin, "verify", t.path(), &[]);
    assert!(!ok, "Go accepted a tampered entry:\n{out}");
    assert!(out.contains("does not hash to the leaf hash"), "{out}");

    // One flipped bit in the checkpoint signature (inside the base64 of the signature).
    let t = tampered(dir.path(), "sig", |d| {
        let p = d.join("checkpoint");
        let s = std::fs::read_to_string(&p).unwrap();
        let at = s.rfind(' ').unwrap() + 20;
        let mut b = s.into_bytes();
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(&p, b).unwrap();
    });
    let (ok, out) = run(&bin, "verify", t.path(), &[]);
    assert!(!ok, "Go accepted a tampered signature:\n{out}");
    assert!(out.contains("note.Open"), "{out}");

    // A validly signed older checkpoint from a fork (different entry 3): not consistent.
    let t = tampered(dir.path(), "fork", |d| {
        let mut forked = entries.clone();
        forked[3].push(0xff);
        let (fstored, _) = build_log(&forked[..517]);
        let cp = Checkpoint {
            origin: log.name().to_string(),
            size: 517,
            root: tree_hash(517, &fstored).unwrap(),
        };
        std::fs::write(
            d.join("old-checkpoint"),
            checkpoint::sign_checkpoint(&cp, &log),
        )
        .unwrap();
    });
    let (ok, out) = run(&bin, "verify", t.path(), &[]);
    assert!(!ok, "Go accepted a forked old checkpoint:\n{out}");
    assert!(out.contains("CheckTree"), "{out}");
}

#[test]
fn we_verify_what_the_go_reference_produces() {
    let Some(bin) = harness() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = run(&bin, "produce", dir.path(), &["1000", "517"]);
    assert!(ok, "Go produce failed:\n{out}");
    let d = dir.path();
    let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    let vkey = Verifier::from_vkey(&read("log.vkey")).unwrap();
    let (cp, _) = checkpoint::open_checkpoint(read("checkpoint").as_bytes(), &vkey).unwrap();
    let (old, _) = checkpoint::open_checkpoint(read("old-checkpoint").as_bytes(), &vkey).unwrap();
    assert_eq!((cp.size, old.size), (1000, 517));

    // Go's consistency proof.
    let proof: Vec<Hash> = read("consistency.txt").lines().map(hash64).collect();
    verify_consistency(old.size, cp.size, &old.root, &cp.root, &proof).unwrap();
    let mut bad = proof.clone();
    bad[0][0] ^= 1;
    assert!(verify_consistency(old.size, cp.size, &old.root, &cp.root, &bad).is_err());

    // Go's entries and inclusion proofs.
    let entries: Vec<Vec<u8>> = read("entries.txt")
        .lines()
        .map(|l| B64.decode(l.split_once(' ').unwrap().1).unwrap())
        .collect();
    for line in read("inclusion.txt").lines() {
        let (i, hs) = line.split_once(' ').unwrap();
        let i: u64 = i.parse().unwrap();
        let p: Vec<Hash> = hs
            .split(',')
            .filter(|s| !s.is_empty())
            .map(hash64)
            .collect();
        verify_inclusion(i, cp.size, &leaf_hash(&entries[i as usize]), &p, &cp.root).unwrap();
    }

    // Go's tiles, through our verifying TileHashReader: root, proofs and leaf hashes agree.
    let fetch = |tiles: &[Tile]| -> Result<Vec<Vec<u8>>, LogError> {
        Ok(tiles
            .iter()
            .map(|t| std::fs::read(d.join(t.path())).unwrap())
            .collect())
    };
    let thr = TileHashReader::new(cp.size, cp.root, &fetch);
    assert_eq!(tree_hash(cp.size, &thr).unwrap(), cp.root);
    assert_eq!(
        verity_log::prove_consistency(cp.size, old.size, &thr).unwrap(),
        proof
    );
    for b in 0..4u64 {
        let bundle = tile::EntryBundle::for_entry(b * 256, cp.size).unwrap();
        let data = std::fs::read(d.join(bundle.path())).unwrap();
        let got = tile::decode_entry_bundle_exact(&data, bundle.width).unwrap();
        for (j, e) in got.iter().enumerate() {
            let i = b * 256 + j as u64;
            assert_eq!(e, &entries[i as usize]);
            let leaf =
                verity_log::HashReader::read_hashes(&thr, &[verity_log::stored_hash_index(0, i)])
                    .unwrap()[0];
            assert_eq!(leaf, leaf_hash(e));
        }
    }
}

fn hash64(s: &str) -> Hash {
    Hash::try_from(B64.decode(s).unwrap().as_slice()).unwrap()
}
