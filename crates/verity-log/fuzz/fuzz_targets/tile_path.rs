#![no_main]
//! Tile and entry-bundle path parsers: never panic, and parsing is canonical.
use libfuzzer_sys::fuzz_target;
use verity_log::tile::{self, Tile};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = std::str::from_utf8(data) {
        if let Ok(t) = Tile::parse_path(p) {
            assert_eq!(t.path(), p);
        }
        if let Ok((n, w)) = tile::parse_entry_bundle_path(p) {
            assert_eq!(tile::entry_bundle_path(n, w), p);
        }
    }
});
