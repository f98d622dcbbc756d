#![no_main]
//! Treaty definitions: parse + compile must never panic; a definition that parses must evaluate.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = verity_treaty::Treaty::from_toml(&text, "fuzz.toml") {
        let _ = verity_treaty::evaluate(&t, &[], &verity_treaty::Options::default());
    }
});
