//! Fuzz every declaration payload parser (ICR, PIL, MBR, weapons deployment) and the JCPOA
//! stockpile declaration.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (treaty, kind) in [
        ("npt-safeguards", "inventory-change-report"),
        ("npt-safeguards", "physical-inventory-listing"),
        ("npt-safeguards", "material-balance-report"),
        ("npt", "weapons-deployment-declaration"),
    ] {
        let _ = verity_safeguards::parse_payload(treaty, kind, data);
    }
    if let Ok(s) = verity_safeguards::jcpoa::parse_stockpile(data) {
        let _ = verity_safeguards::jcpoa::evaluate_stockpile(&s, &verity_safeguards::jcpoa::DEFAULT_LEVELS_PCT);
    }
});
