#![no_main]
//! note::open with a fixed Ed25519 log key and a cosignature key: never panics.
use libfuzzer_sys::fuzz_target;
use verity_log::note::{self, Verifier};

fuzz_target!(|data: &[u8]| {
    // The C2SP signed-note test vector key (see tests/note.rs).
    let v = Verifier::from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .expect("valid test vector key");
    let _ = note::open(data, &[&v]);
});
