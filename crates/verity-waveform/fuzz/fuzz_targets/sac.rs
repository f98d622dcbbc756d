//! SAC binary: any bytes must not panic. Seed corpus: crates/verity-waveform/testdata/sac/*.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = verity_waveform::sac::read_sac(data);
});
