#![no_main]
//! Log entries read as treaty records: never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = verity_treaty::declaration_from_envelope(0, data);
});
