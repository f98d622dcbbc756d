//! miniSEED 3: any bytes, with and without CRC verification (so that mutations reach the
//! payload decoders), must not panic. Seed corpus: crates/verity-waveform/testdata/mseed3/*.ms3.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verity_waveform::mseed::{DecodeOptions, parse_mseed3};

fuzz_target!(|data: &[u8]| {
    for verify_crc in [true, false] {
        let opts = DecodeOptions {
            verify_crc,
            ..DecodeOptions::default()
        };
        let _ = parse_mseed3(data, 0, 0, &opts);
    }
});
