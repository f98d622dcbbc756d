//! tlog-tiles: path table (C2SP tlog-tiles v0.1.0 examples, and Go x/mod tlog_test.go
//! `tilePaths` with the height element removed), entry bundles, tile contents against the
//! reference MTH, the spec's size-70,000 example, and TileHashReader proofs equal to proofs from
//! stored hashes.

mod common;

use std::collections::BTreeSet;

use common::{Rng, build_log, mth};
use verity_log::tile::{
    self, EntryBundle, Tile, TileError, TileHashReader, decode_entry_bundle, encode_entry_bundle,
    entry_bundle_path, new_tiles, parse_entry_bundle_path, read_tile_data, tiles_for_size,
};
use verity_log::{Hash, LogError, prove_consistency, prove_inclusion, tree_hash};

#[test]
fn tile_path_table() {
    let table: &[(u8, u64, u16, &str)] = &[
        (0, 0, 256, "tile/0/000"),
        (0, 1234067, 256, "tile/0/x001/x234/067"), // tlog-tiles §Merkle Tree example
        (0, 1000, 256, "tile/0/x001/000"),
        (0, 999, 256, "tile/0/999"),
        (1, 0, 5, "tile/1/000.p/5"),
        (4, 1, 256, "tile/4/001"),                     // Go: tile/4/0/001
        (4, 1, 5, "tile/4/001.p/5"),                   // Go: tile/4/0/001.p/5
        (3, 123456078, 256, "tile/3/x123/x456/078"),   // Go: tile/3/5/x123/x456/078
        (3, 123456078, 2, "tile/3/x123/x456/078.p/2"), // Go: tile/3/5/x123/x456/078.p/2
        (1, 3057500, 255, "tile/1/x003/x057/500.p/255"),
        (
            63,
            u64::MAX,
            1,
            "tile/63/x018/x446/x744/x073/x709/x551/615.p/1",
        ),
    ];
    for &(level, index, width, path) in table {
        let t = Tile {
            level,
            index,
            width,
        };
        assert_eq!(t.path(), path);
        assert_eq!(Tile::parse_path(path).unwrap(), t, "{path}");
    }
}

#[test]
fn bad_tile_paths_name_the_element() {
    let table: &[(&str, usize, &str)] = &[
        ("tiles/0/000", 0, "prefix"),
        ("tile", 1, "level"),
        ("tile/01/000", 1, "level"),
        ("tile/-1/000", 1, "level"),
        ("tile/64/000", 1, "level"),
        ("tile/entries/000", 1, "level"),
        ("tile/0", 2, "index"),
        ("tile/0/", 2, "index"),
        ("tile/0/00", 2, "index"),
        ("tile/0/0000", 2, "index"),
        ("tile/0/x001", 2, "index"),
        ("tile/3/123/456/078", 2, "index"), // Go's bad vector: groups without x
        ("tile/0/x000/001", 2, "index"),    // non-canonical leading zero group
        ("tile/0/x001/000/", 3, "index"),
        ("tile/0/000.p/0", 3, "width"),
        ("tile/0/000.p/256", 3, "width"),
        ("tile/0/000.p/05", 3, "width"),
        ("tile/0/000.p/", 3, "width"),
        ("tile/0/x018/x446/x744/x073/x709/x551/616", 8, "index"),
        ("tile/0/x1000/000", 2, "index"),
    ];
    for &(path, element, field) in table {
        match Tile::parse_path(path) {
            Err(TileError::BadPath {
                element: e,
                field: f,
                ..
            }) => {
                assert_eq!((e, f), (element, field), "{path}")
            }
            other => panic!("{path}: expected error, got {other:?}"),
        }
    }
}

#[test]
fn entry_bundle_paths() {
    assert_eq!(entry_bundle_path(0, 256), "tile/entries/000");
    assert_eq!(
        entry_bundle_path(1234067, 7),
        "tile/entries/x001/x234/067.p/7"
    );
    assert_eq!(
        parse_entry_bundle_path("tile/entries/x001/x234/067.p/7").unwrap(),
        (1234067, 7)
    );
    assert_eq!(
        EntryBundle::parse_path("tile/entries/001").unwrap(),
        EntryBundle {
            index: 1,
            width: 256
        }
    );
    assert!(parse_entry_bundle_path("tile/0/000").is_err());
    assert!(parse_entry_bundle_path("tile/entries/000.p/256").is_err());
    assert_eq!(
        EntryBundle::for_entry(300, 70000),
        Some(EntryBundle {
            index: 1,
            width: 256
        })
    );
    assert_eq!(
        EntryBundle::for_entry(69999, 70000),
        Some(EntryBundle {
            index: 273,
            width: 112
        })
    );
    assert_eq!(EntryBundle::for_entry(70000, 70000), None);
}

#[test]
fn entry_bundles_round_trip_and_reject_bad_input() {
    let mut rng = Rng(11);
    for count in [0usize, 1, 2, 255, 256] {
        let entries: Vec<Vec<u8>> = (0..count)
            .map(|i| rng.bytes(if i == 0 { 65_535 } else { i % 300 }))
            .collect();
        let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
        let b = encode_entry_bundle(&refs).unwrap();
        assert_eq!(decode_entry_bundle(&b).unwrap(), entries);
        assert_eq!(
            tile::decode_entry_bundle_exact(&b, count as u16).unwrap(),
            entries
        );
    }
    let big = vec![0u8; 65_536];
    assert_eq!(
        encode_entry_bundle(&[b"ok", &big]),
        Err(TileError::EntryTooLarge {
            entry: 1,
            len: 65_536
        })
    );
    let too_many: Vec<&[u8]> = vec![b"x"; 257];
    assert!(matches!(
        encode_entry_bundle(&too_many),
        Err(TileError::TooManyEntries { .. })
    ));
    // Truncations report the entry and byte offset.
    assert_eq!(
        decode_entry_bundle(&[0]),
        Err(TileError::TruncatedLength {
            entry: 0,
            offset: 0
        })
    );
    assert_eq!(
        decode_entry_bundle(&[0, 1, 9, 0, 3, 1]),
        Err(TileError::TruncatedEntry {
            entry: 1,
            offset: 5,
            len: 3,
            available: 1
        })
    );
    let mut b257 = Vec::new();
    for _ in 0..257 {
        b257.extend_from_slice(&[0, 0]);
    }
    assert!(matches!(
        decode_entry_bundle(&b257),
        Err(TileError::TooManyEntries { .. })
    ));
    assert!(matches!(
        tile::decode_entry_bundle_exact(&[0, 0], 2),
        Err(TileError::WrongEntryCount {
            expected: 2,
            found: 1,
            ..
        })
    ));
}

#[test]
fn tiles_for_size_matches_the_spec_examples() {
    // tlog-tiles §Partial Tiles: "a tree of size 70,000 will be represented by 273 full level 0
    // tiles, one partial level 0 tile of width 112, one full level 1 tile, one partial level 1
    // tile of width 17, and one partial level 2 tile of width 1."
    let tiles = tiles_for_size(70_000);
    let count = |l: u8, full: bool| {
        tiles
            .iter()
            .filter(|t| t.level == l && t.is_full() == full)
            .count()
    };
    assert_eq!(
        (count(0, true), count(1, true), count(2, true)),
        (273, 1, 0)
    );
    let partial: Vec<(u8, u64, u16)> = tiles
        .iter()
        .filter(|t| !t.is_full())
        .map(|t| (t.level, t.index, t.width))
        .collect();
    assert_eq!(partial, vec![(0, 273, 112), (1, 1, 17), (2, 0, 1)]);
    assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    // of width 1."
    assert_eq!(
        tiles_for_size(256),
        vec![
            Tile {
                level: 0,
                index: 0,
                width: 256
            },
            Tile {
                level: 1,
                index: 0,
                width: 1
            }
        ]
    );
    assert!(tiles_for_size(0).is_empty());
}

#[test]
fn new_tiles_is_the_difference_of_tile_sets() {
    let sizes = [
        0u64, 1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, 140_000,
    ];
    for (i, &a) in sizes.iter().enumerate() {
        for &b in &sizes[i..] {
            let old: BTreeSet<Tile> = tiles_for_size(a).into_iter().collect();
            let want: Vec<Tile> = tiles_for_size(b)
                .into_iter()
                .filter(|t| !old.contains(t))
                .collect();
            let mut got = new_tiles(a, b);
            got.sort();
            let mut want = want;
            want.sort();
            assert_eq!(got, want, "new_tiles({a}, {b})");
        }
    }
}

fn tile_hashes(data: &[u8]) -> Vec<Hash> {
    data.chunks(32)
        .map(|c| Hash::try_from(c).unwrap())
        .collect()
}

#[test]
fn tile_bytes_equal_subtree_hashes_of_the_tree() {
    let mut rng = Rng(12);
    let n = 70_000usize;
    let entries: Vec<Vec<u8>> = (0..n).map(|_| rng.bytes(8)).collect();
    let (stored, leaves) = build_log(&entries);
    for t in tiles_for_size(n as u64) {
        let data = read_tile_data(&t, &stored).unwrap();
        assert_eq!(data.len(), usize::from(t.width) * 32);
        let span = 256usize.pow(u32::from(t.level));
        // Check the first, last and one middle hash of each tile against the reference MTH
        // (checking all 70k×levels is slow in debug builds without adding coverage).
        let hs = tile_hashes(&data);
        for i in [0, hs.len() / 2, hs.len() - 1] {
            let lo = (t.index as usize * 256 + i) * span;
            assert_eq!(hs[i], mth(&leaves[lo..lo + span]), "{} hash {i}", t.path());
        }
    }
    // A tile beyond the tree is a storage error, not a panic.
    assert!(
        read_tile_data(
            &Tile {
                level: 0,
                index: 300,
                width: 256
            },
            &stored
        )
        .is_err()
    );
    assert!(
        read_tile_data(
            &Tile {
                level: 8,
                index: 0,
                width: 1
            },
            &stored
        )
        .is_err()
    );
    assert!(
        read_tile_data(
            &Tile {
                level: 0,
                index: 0,
                width: 0
            },
            &stored
        )
        .is_err()
    );
}

#[test]
fn tile_hash_reader_proofs_match_stored_hash_proofs() {
    let mut rng = Rng(13);
    let n = 70_000u64;
    let entries: Vec<Vec<u8>> = (0..n).map(|_| rng.bytes(4)).collect();
    let (stored, _) = build_log(&entries);
    for size in [1u64, 2, 255, 256, 257, 65_536, 65_537, 69_999, 70_000] {
        let root = tree_hash(size, &stored).unwrap();
        let fetches = std::cell::Cell::new(0usize);
        let fetch = |tiles: &[Tile]| -> Result<Vec<Vec<u8>>, LogError> {
            fetches.set(fetches.get() + tiles.len());
            tiles
                .iter()
                .map(|t| {
                    // Serve only tiles the log publishes at this size.
                    assert!(tiles_for_size(size).contains(t), "unpublished {}", t.path());
                    read_tile_data(t, &stored)
                })
                .collect()
        };
        let thr = TileHashReader::new(size, root, &fetch);
        assert_eq!(tree_hash(size, &thr).unwrap(), root, "size {size}");
        for _ in 0..20 {
            let i = rng.below(size);
            assert_eq!(
                prove_inclusion(size, i, &thr).unwrap(),
                prove_inclusion(size, i, &stored).unwrap(),
                "inclusion {i} in {size}"
            );
            let m = rng.below(size + 1);
            assert_eq!(
                prove_consistency(size, m, &thr).unwrap(),
                prove_consistency(size, m, &stored).unwrap(),
                "consistency {m} -> {size}"
            );
        }
        // Verified tiles are cached: far fewer fetches than reads.
        assert!(fetches.get() <= tiles_for_size(size).len());
        // Hashes beyond the trusted size are refused.
        if size < n {
            let beyond = verity_log::stored_hash_index(0, size);
            assert!(matches!(
                verity_log::HashReader::read_hashes(&thr, &[beyond]),
                Err(LogError::HashBeyondTree { .. })
            ));
        }
    }
}

#[test]
fn tile_hash_reader_rejects_tampered_tiles() {
    let mut rng = Rng(14);
    let n = 70_000u64;
    let entries: Vec<Vec<u8>> = (0..n).map(|_| rng.bytes(4)).collect();
    let (stored, _) = build_log(&entries);
    let root = tree_hash(n, &stored).unwrap();
    // Tamper with: a full level-0 tile, the partial level-0 tile, the full level-1 tile, and the
    // top partial tile. Each must be detected when a proof needs it.
    let targets = [
        (
            Tile {
                level: 0,
                index: 5,
                width: 256,
            },
            5 * 256 + 3,
        ),
        (
            Tile {
                level: 0,
                index: 273,
                width: 112,
            },
            69_990,
        ),
        (
            Tile {
                level: 1,
                index: 0,
                width: 256,
            },
            100,
        ),
        (
            Tile {
                level: 2,
                index: 0,
                width: 1,
            },
            100,
        ),
    ];
    for (bad, leaf) in targets {
        let fetch = |tiles: &[Tile]| -> Result<Vec<Vec<u8>>, LogError> {
            tiles
                .iter()
                .map(|t| {
                    let mut d = read_tile_data(t, &stored)?;
                    if *t == bad {
                        let last = d.len() - 1;
                        d[last] ^= 1;
                    }
                    Ok(d)
                })
                .collect()
        };
        let thr = TileHashReader::new(n, root, &fetch);
        let r = prove_inclusion(n, leaf, &thr);
        assert!(
            matches!(r, Err(LogError::TileMismatch { .. })),
            "{}: {r:?}",
            bad.path()
        );
    }
    // Wrong trusted root: nothing verifies.
    let fetch = |tiles: &[Tile]| tiles.iter().map(|t| read_tile_data(t, &stored)).collect();
    let thr = TileHashReader::new(n, [0; 32], &fetch);
    assert!(tree_hash(n, &thr).is_err());
    // Wrong tile length and wrong count are reported.
    let short = |tiles: &[Tile]| -> Result<Vec<Vec<u8>>, LogError> {
        Ok(tiles.iter().map(|_| vec![0u8; 31]).collect())
    };
    assert!(matches!(
        prove_inclusion(n, 1, &TileHashReader::new(n, root, &short)),
        Err(LogError::BadTile { .. })
    ));
    let none = |_: &[Tile]| -> Result<Vec<Vec<u8>>, LogError> { Ok(vec![]) };
    assert!(matches!(
        prove_inclusion(n, 1, &TileHashReader::new(n, root, &none)),
        Err(LogError::FetchCount { .. })
    ));
}
