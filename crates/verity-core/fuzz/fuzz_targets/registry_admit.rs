//! The registry's admission rules on validly signed declarations with arbitrary payloads:
//! the fuzzer controls the kind, sequence number, party and payload (including `key-add` /
//! `key-revoke` registry changes signed by the operator), so it reaches the rules beyond the
//! signature check. Admission must refuse with a `Refusal`, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use verity_core::{Envelope, Registry};
use verity_log::note::Signer;

const KINDS: [&str; 4] = ["key-add", "key-revoke", "notification", "data-exchange"];

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    // Invariant: the names are valid key names, so generation cannot fail.
    let operator = Signer::generate("log.example/op", &mut rng).expect("valid key name");
    let party = Signer::generate("US", &mut rng).expect("valid key name");
    let mut reg = Registry::new(operator.verifier());
    let signer = if data[0] & 1 == 0 { &operator } else { &party };
    let kind = KINDS[(data[1] as usize) % KINDS.len()];
    let seq = u64::from(data[2]);
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&data[3..]) else {
        return;
    };
    let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("in range");
    let Ok(env) = Envelope::new(
        signer.name(),
        "new-start",
        kind,
        seq,
        now,
        payload,
        &verity_core::names::key_ref(signer.name(), signer.key_id()),
    ) else {
        return;
    };
    let Ok(signed) = env.sign(signer) else {
        return;
    };
    let _ = reg.admit(&signed, 0, now);
    let _ = reg.admit(&signed, 1, now);
});
