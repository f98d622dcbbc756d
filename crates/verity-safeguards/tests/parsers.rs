//! Parsers: precise error messages (what and where) and robustness (never panic on random,
//! truncated or mutated input; the cargo-fuzz targets in fuzz/ do the same at scale).

mod common;

use common::*;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use verity_safeguards::ChaCha8Rng;
use verity_safeguards::model::*;

fn small_bundle() -> Value {
    let methods = vec![method("A", 1.0, 0.5), method("ISO", 0.2, 0.1)];
    let pils = vec![
        pil(
            "2024-01-01",
            vec![leu_batch("b1", "I", 100.0, "A", 4.0, "ISO")],
        ),
        pil(
            "2024-02-01",
            vec![leu_batch("e1", "I", 90.0, "A", 4.0, "ISO")],
        ),
    ];
    let mut c = change(
        "2024-01-10",
        ChangeCode::RD,
        leu_batch("r1", "R", 50.0, "A", 4.0, "ISO"),
    );
    c.shipper_measurement = Some(leu_batch("r1", "X", 50.2, "A", 4.0, "ISO"));
    let changes = vec![
        c,
        change(
            "2024-01-20",
            ChangeCode::SD,
            leu_batch("s1", "S", 60.0, "A", 4.0, "ISO"),
        ),
    ];
    serde_json::to_value(bundle(methods, pils, changes, SystematicModel::Persistent)).unwrap()
}

/// Each row: (JSON pointer, new value, expected fragments of the error message).
#[test]
fn validation_errors_name_what_and_where() {
    let table: Vec<(&str, Value, &[&str])> = vec![
        (
            "/physical_inventory_listings/1/batches/0/element_kg",
            json!(-5.0),
            &[
                "physical_inventory_listings[1].batches[0] (batch \"e1\").element_kg",
                "non-negative",
            ],
        ),
        (
            "/physical_inventory_listings/0/batches/0/enrichment_pct",
            json!(130.0),
            &[
                "physical_inventory_listings[0].batches[0] (batch \"b1\").enrichment_pct",
                "0..=100",
            ],
        ),
        (
            "/physical_inventory_listings/0/batches/0/kmp",
            json!("R"),
            &[
                "batches[0] (batch \"b1\").kmp",
                "is a flow KMP, expected a KMP of kind inventory",
            ],
        ),
        (
            "/physical_inventory_listings/0/batches/0/method",
            json!("NOPE"),
            &[
                "(batch \"b1\").method",
                "unknown measurement method \"NOPE\"",
            ],
        ),
        (
            "/physical_inventory_listings/1/date",
            json!("2023-12-01"),
            &["physical_inventory_listings[1].date", "not after"],
        ),
        (
            "/physical_inventory_listings/1/mba",
            json!("XOTH"),
            &["physical_inventory_listings[1].mba", "XOTH"],
        ),
        (
            "/inventory_change_reports/0/changes/1/date",
            json!("2024-03-01"),
            &[
                "inventory_change_reports[0].changes[1].date",
                "outside every balance period",
            ],
        ),
        (
            "/inventory_change_reports/0/changes/1/batch/kmp",
            json!("Q"),
            &[
                "inventory_change_reports[0].changes[1].batch (batch \"s1\").kmp",
                "not a KMP of MBA",
            ],
        ),
        (
            "/inventory_change_reports/0/changes/0/shipper_measurement/isotope_method",
            json!("NOPE"),
            &["changes[0].shipper_measurement.isotope_method", "unknown"],
        ),
        (
            "/methods/0/random_rsd_pct",
            json!(-1.0),
            &["methods[0] (\"A\").random_rsd_pct", "0..=100"],
        ),
        (
            "/methods/1/id",
            json!("A"),
            &["methods[1] (\"A\").id", "twice"],
        ),
        (
            "/physical_inventory_listings/0/batches/0/isotope_method",
            Value::Null,
            &["(batch \"b1\").isotope_method", "no isotope_method"],
        ),
    ];
    for (pointer, value, fragments) in table {
        let mut v = small_bundle();
        *v.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("pointer {pointer}")) = value;
        let bytes = serde_json::to_vec(&v).unwrap();
        let err = parse_bundle(&bytes).expect_err(pointer).to_string();
        for f in fragments {
            assert!(err.contains(f), "{pointer}: {err:?} lacks {f:?}");
        }
    }
    assert!(parse_bundle(&serde_json::to_vec(&small_bundle()).unwrap()).is_ok());
}

/// serde-level errors carry line and column.
#[test]
fn json_errors_carry_line_and_column() {
    let text = "{\n \"mba\": {\"code\": \"X\", \"kmps\": []},\n \"methods\": [], \"physical_inventory_listings\": [],\n \"bogus\": 1\n}";
    let e = parse_bundle(text.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("line 4") && e.contains("bogus"), "{e}");
    let e = parse_bundle(
        b"{\"mba\": {\"code\": \"X\", \"kmps\": [{\"code\": \"1\", \"kind\": \"sideways\"}]}}",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 1") && e.contains("sideways"), "{e}");
    let e = verity_safeguards::parse_payload(
        "npt-safeguards",
        "physical-inventory-listing",
        br#"{"mba":"X","date":"2024-02-30","batches":[]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("2024-02-30") && e.contains("column"), "{e}");
    let e = verity_safeguards::parse_payload("npt-safeguards", "nonsense", b"{}")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nonsense") && e.contains("inventory-change-report"),
        "{e}"
    );
}

/// Feed every parser random bytes, truncations and byte mutations of valid documents: each call
/// must return (Ok or Err) without panicking. Seeded for reproducibility.
#[test]
fn parsers_never_panic_on_mutated_input() {
    let bundle = serde_json::to_vec(&small_bundle()).unwrap();
    let pil_payload =
        serde_json::to_vec(&small_bundle()["physical_inventory_listings"][0]).unwrap();
    let icr_payload = serde_json::to_vec(&small_bundle()["inventory_change_reports"][0]).unwrap();
    let mbr = br#"{"mba":"X","period_start":"2024-01-01","period_end":"2024-02-01","lines":[{"quantity":"U-235","beginning_inventory_kg":4,"increases_kg":2,"decreases_kg":2.4,"ending_book_inventory_kg":3.6,"physical_ending_inventory_kg":3.6,"muf_kg":0}]}"#.to_vec();
    let weapons = br#"{"possessor":"A","as_of":"2024-01-01","territories":["B"],"deployments":[{"host_state":"C","site":"s","count":"undisclosed"},{"host_state":"D","site":"t","count":3}]}"#.to_vec();
    let stockpile = br#"{"party":"IR","as_of":"2019-07-01","items":[{"item":"c1","form":"UF6","mass_kg":300,"enrichment_pct":3.67},{"item":"s","form":"scrap","uranium_mass_fraction":0.4,"mass_kg":10,"enrichment_pct":4.5,"exempt":"JC decision"}]}"#.to_vec();
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("bundle", bundle),
        ("pil", pil_payload),
        ("icr", icr_payload),
        ("mbr", mbr),
        ("weapons", weapons),
        ("stockpile", stockpile),
    ];
    let parse_all = |bytes: &[u8]| {
        let _ = parse_bundle(bytes).map(|b| verity_safeguards::balance::close_balances(&b));
        for (t, k) in [
            ("npt-safeguards", "inventory-change-report"),
            ("npt-safeguards", "physical-inventory-listing"),
            ("npt-safeguards", "material-balance-report"),
            ("npt", "weapons-deployment-declaration"),
        ] {
            let _ = verity_safeguards::parse_payload(t, k, bytes);
        }
        if let Ok(s) = verity_safeguards::jcpoa::parse_stockpile(bytes) {
            let _ = verity_safeguards::jcpoa::evaluate_stockpile(
                &s,
                &verity_safeguards::jcpoa::DEFAULT_LEVELS_PCT,
            );
        }
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0xf022);
    for (name, seed) in &seeds {
        for cut in 0..seed.len() {
            parse_all(&seed[..cut]);
        }
        for _ in 0..600 {
            let mut m = seed.clone();
            for _ in 0..rng.gen_range(1..6) {
                let i = rng.gen_range(0..m.len());
                match rng.gen_range(0..4) {
                    0 => m[i] = rng.r#gen(),
                    1 => m[i] = *b"{}[]\",:0-.e9 \\nu".get(rng.gen_range(0..16)).unwrap(),
                    2 => {
                        m.remove(i);
                    }
                    _ => m.insert(i, rng.r#gen()),
                }
                if m.is_empty() {
                    break;
                }
            }
            parse_all(&m);
        }
        let _ = name;
    }
    for _ in 0..500 {
        let len = rng.gen_range(0..200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
        parse_all(&bytes);
    }
}
