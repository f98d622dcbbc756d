#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = verity_space::omm::parse_omm_kvn(&text);
    let _ = verity_space::omm::parse_omm_xml(&text);
    let _ = verity_space::omm::parse_omm_json(&text);
    let _ = verity_space::omm::parse_elements(&text);
});
