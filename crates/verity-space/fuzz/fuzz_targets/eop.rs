#![no_main]
use libfuzzer_sys::fuzz_target;

// IERS finals / CelesTrak EOP CSV readers, and lookups on whatever parses.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = verity_space::eop::EopTable::parse(&text) {
        let first = t.records()[0].mjd;
        for dt in [0.0, 0.5, 1.25] {
            let _ = t.at(&verity_space::Epoch::from_jd(2_400_000.5 + first, dt));
        }
    }
});
