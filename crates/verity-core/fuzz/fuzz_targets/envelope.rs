//! Any bytes offered as a log entry (the body of `POST /api/v1/submit`): parsing as a signed
//! envelope, the canonical-bytes check and re-encoding must never panic, and whatever is
//! accepted as entry bytes must re-encode to exactly those bytes (RFC 8785 canonical form).
#![no_main]
use libfuzzer_sys::fuzz_target;
use verity_core::SignedEnvelope;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = SignedEnvelope::from_json(data) {
        let _ = env.envelope.validate();
        let _ = env.envelope.time();
        let _ = env.to_entry_bytes();
    }
    if let Ok(env) = SignedEnvelope::from_entry_bytes(data) {
        let again = env.to_entry_bytes().expect("an accepted entry re-encodes");
        assert_eq!(again, data, "entry bytes accepted but not canonical");
    }
});
