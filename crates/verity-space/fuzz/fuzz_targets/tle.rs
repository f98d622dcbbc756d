#![no_main]
use libfuzzer_sys::fuzz_target;
use verity_space::tle::{parse_tle_text, TleOptions};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_tle_text(&text, &TleOptions::default());
    if let Ok(sets) = parse_tle_text(&text, &TleOptions { verify_checksum: false, allow_trailing_text: true }) {
        for s in sets.iter().take(2) {
            if let Ok(p) = verity_space::propagate::Propagator::new(s) {
                let _ = p.propagate_minutes(720.0);
            }
        }
    }
});
