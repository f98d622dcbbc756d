#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = verity_space::registry::SpaceDeclaration::from_json(&text);
    let _ = verity_space::Epoch::parse_iso8601(&text);
});
