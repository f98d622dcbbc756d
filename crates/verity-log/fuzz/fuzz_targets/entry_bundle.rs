#![no_main]
//! Entry bundle decoding: never panics, and decode/encode round-trips exactly.
use libfuzzer_sys::fuzz_target;
use verity_log::tile;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = tile::decode_entry_bundle(data) {
        let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
        assert_eq!(
            tile::encode_entry_bundle(&refs).expect("decoded entries fit"),
            data
        );
    }
});
