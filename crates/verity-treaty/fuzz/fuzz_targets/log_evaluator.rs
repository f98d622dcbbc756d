#![no_main]
//! The node's running evaluation (`LogEvaluator`) over arbitrary log entries (the input split
//! at NUL bytes), caught up in two steps like a node between two requests: never panics.
use libfuzzer_sys::fuzz_target;
use verity_treaty::log::LogEvaluator;

fuzz_target!(|data: &[u8]| {
    let entries: Vec<&[u8]> = data.split(|b| *b == 0).collect();
    let mut ev = LogEvaluator::bundled();
    let half = entries.len() / 2;
    for (i, e) in entries.iter().enumerate() {
        if ev.add_entry(i as u64, e).is_err() {
            return;
        }
        if i == half {
            let _ = ev.evaluation();
        }
    }
    let _ = ev.evaluation();
});
