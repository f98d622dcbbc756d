#![no_main]
//! tlog-witness add-checkpoint body parsing and the witness decision: never panic.
use libfuzzer_sys::fuzz_target;
use verity_log::cosignature::CosignatureSigner;
use verity_log::note::Verifier;
use verity_log::witness::{self, AddCheckpointRequest};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpointRequest::parse(data) {
        assert_eq!(
            AddCheckpointRequest::parse(&req.to_bytes()).as_ref(),
            Ok(&req)
        );
        let log = Verifier::from_vkey(
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        )
        .expect("valid test vector key");
        let w = CosignatureSigner::from_skey(
            "PRIVATE+KEY+w.example+41aab8ed+BAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB",
        )
        .expect("valid cosigner key (seed 0x01 x 32)");
        let _ = witness::add_checkpoint(Some((3, [0; 32])), &req, &log, &w, 1);
    }
});
