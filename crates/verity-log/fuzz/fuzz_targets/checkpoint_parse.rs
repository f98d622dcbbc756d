#![no_main]
//! Checkpoint::parse_body: never panics, and what parses formats back to the same text.
use libfuzzer_sys::fuzz_target;
use verity_log::checkpoint::Checkpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse_body(text) {
            assert_eq!(cp.to_body(), text);
        }
    }
});
