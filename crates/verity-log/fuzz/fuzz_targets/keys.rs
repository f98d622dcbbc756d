#![no_main]
//! Key text parsers (vkey, skey, cosigner keys) and signature lines: never panic.
use libfuzzer_sys::fuzz_target;
use verity_log::cosignature::{CosignatureSigner, CosignatureVerifier};
use verity_log::note::{SigLine, Signer, Verifier};

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = std::str::from_utf8(data) {
        if let Ok(v) = Verifier::from_vkey(t) {
            assert_eq!(Verifier::from_vkey(&v.to_vkey()).as_ref(), Ok(&v));
        }
        let _ = Signer::from_skey(t);
        let _ = CosignatureVerifier::from_vkey(t);
        let _ = CosignatureSigner::from_skey(t);
        let _ = SigLine::parse(t, 1, 0);
    }
});
