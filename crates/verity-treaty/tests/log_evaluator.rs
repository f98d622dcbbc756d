//! The node's running evaluation (`LogEvaluator`, fed as the log grows) gives exactly what a
//! from-scratch `evaluate_log` gives over the same entries, whatever the points at which the
//! node caught up. Entries: the bundled New START and JCPOA public series as signed
//! envelopes, interleaved with entries that are not declarations (bad bytes, bulletins,
//! a treaty no regime exists for) and a dispute.

use rand::{Rng, SeedableRng};
use verity_core::{Envelope, names};
use verity_log::note::Signer;
use verity_treaty::log::{LogEvaluator, evaluate_log};

fn signed(s: &Signer, treaty: &str, kind: &str, seq: u64, payload: serde_json::Value) -> Vec<u8> {
    let t = time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + seq as i64).unwrap();
    Envelope::new(
        s.name(),
        treaty,
        kind,
        seq,
        t,
        payload,
        &names::key_ref(s.name(), s.key_id()),
    )
    .unwrap()
    .sign(s)
    .unwrap()
    .to_entry_bytes()
    .unwrap()
}

fn log_entries() -> Vec<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut keys = std::collections::BTreeMap::new();
    let mut seqs = std::collections::BTreeMap::<String, u64>::new();
    let mut out = Vec::new();
    for (id, csv) in verity_treaty::PUBLIC_DATA {
        let t = verity_treaty::bundled(id).unwrap().unwrap();
        for d in verity_treaty::parse_csv(csv, id, &t).unwrap() {
            let key = keys
                .entry(d.party.clone())
                .or_insert_with(|| Signer::generate(&d.party, &mut rng).unwrap());
            let seq = seqs.entry(d.party.clone()).or_default();
            *seq += 1;
            let payload = serde_json::json!({
                "as_of": d.as_of.to_string(), "quantities": d.quantities,
            });
            out.push(signed(key, id, "data-exchange", *seq, payload));
            if out.len() % 7 == 0 {
                out.push(b"not an envelope".to_vec());
                out.push(signed(
                    key,
                    "ctbt",
                    "bulletin",
                    10_000 + *seq,
                    serde_json::json!({"events": []}),
                ));
                out.push(signed(
                    key,
                    "no-such-regime",
                    "data-exchange",
                    20_000 + *seq,
                    serde_json::json!({"as_of": "2020-01-01", "quantities": {}}),
                ));
            }
        }
    }
    let ru = keys.get("RU").unwrap();
    out.push(signed(ru, "new-start", "dispute", 99_999, serde_json::json!({
        "disputes": "log:3", "quantity": "deployed_warheads", "alternative": 1, "reasoning": "test",
    })));
    out
}

#[test]
fn running_evaluation_equals_evaluation_from_scratch() {
    let entries = log_entries();
    let scratch = |only| {
        serde_json::to_value(
            evaluate_log(
                entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (i as u64, e.as_slice())),
                only,
            )
            .unwrap(),
        )
        .unwrap()
    };
    let all = scratch(None);
    assert_eq!(all["treaties"].as_array().unwrap().len(), 2, "{all}");
    assert!(all["skipped_entries"].as_u64().unwrap() > 10);
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    for _ in 0..20 {
        let mut ev = LogEvaluator::bundled();
        let mut at = 0usize;
        while at < entries.len() {
            let next = (at + rng.gen_range(1..=40)).min(entries.len());
            for (i, e) in entries.iter().enumerate().take(next).skip(at) {
                ev.add_entry(i as u64, e).unwrap();
            }
            at = next;
            assert_eq!(ev.next_index(), at as u64);
        }
        assert_eq!(serde_json::to_value(ev.evaluation()).unwrap(), all);
    }
    // One treaty: the same as evaluating that treaty alone, and as picking it from the whole.
    let ns = verity_treaty::bundled("new-start").unwrap().unwrap();
    let only = scratch(Some(&ns));
    let mut ev = LogEvaluator::only(&ns).unwrap();
    for (i, e) in entries.iter().enumerate() {
        ev.add_entry(i as u64, e).unwrap();
    }
    assert_eq!(serde_json::to_value(ev.evaluation()).unwrap(), only);
    let mut whole = LogEvaluator::bundled();
    for (i, e) in entries.iter().enumerate() {
        whole.add_entry(i as u64, e).unwrap();
    }
    assert_eq!(
        serde_json::to_value(whole.treaty_findings(&ns).unwrap()).unwrap(),
        only["treaties"][0]
    );
    // A treaty no entry names: its (empty) findings, not an error.
    let inf = verity_treaty::bundled("inf").unwrap().unwrap();
    assert!(whole.treaty_findings(&inf).unwrap().findings.is_empty());
}
