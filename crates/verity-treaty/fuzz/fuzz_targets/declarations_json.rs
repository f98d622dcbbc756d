#![no_main]
//! JSON declaration arrays: parse and evaluate (incrementally), never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(t) = verity_treaty::bundled_static("new-start") else {
        return;
    };
    if let Ok(decls) = verity_treaty::parse_json(&text, "fuzz.json") {
        if let Ok(mut ev) = verity_treaty::Evaluator::new(t, verity_treaty::Options::default()) {
            for d in &decls {
                let _ = ev.add(d);
            }
            let _ = ev.findings();
        }
    }
});
