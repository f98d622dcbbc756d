#![no_main]
use libfuzzer_sys::fuzz_target;

// Reading a space declaration back from an arbitrary log payload.
fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        for kind in ["space-object", "launch", "pledge"] {
            let _ = verity_space::log_entry::from_log_entry("ppwt", kind, &v);
        }
    }
});
