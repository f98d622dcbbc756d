//! Fuzz the accountancy-bundle parser and the balance closing behind it: any input must give
//! Ok or a typed error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = verity_safeguards::model::parse_bundle(data)
        && let Ok(mb) = verity_safeguards::balance::close_balances(&bundle)
    {
        for q in &mb.quantities {
            let _ = verity_safeguards::sequential::independence_transform(&q.muf_sequence(), &q.covariance);
        }
        let _ = verity_safeguards::decision::evaluate_balances(&mb, 0.05, bundle.max_enrichment_pct(), false);
    }
});
