#![no_main]
//! Declaration CSVs for New START and the JCPOA: parse and evaluate, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for id in ["new-start", "jcpoa", "cwc"] {
        let Some(t) = verity_treaty::bundled_static(id) else {
            return;
        };
        if let Ok(decls) = verity_treaty::parse_csv(&text, "fuzz.csv", t) {
            let _ = verity_treaty::evaluate(t, &decls, &verity_treaty::Options::default());
        }
    }
});
