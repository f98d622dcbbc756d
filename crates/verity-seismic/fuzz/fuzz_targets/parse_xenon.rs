#![no_main]
//! cargo fuzz run parse_xenon — the parser must return Ok/Err, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verity_seismic::xenon::parse_xenon_csv(text);
    }
});
