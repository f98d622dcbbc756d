#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cdm) = verity_space::cdm::parse_cdm_kvn(&text) {
        let _ = verity_space::pc::pc_from_cdm(&cdm, Some(10.0));
    }
});
