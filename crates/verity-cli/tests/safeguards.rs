//! CLI tests for `verity safeguards ...` (data in crates/verity-safeguards/testdata).
use assert_cmd::Command;
use predicates::prelude::*;

fn data(name: &str) -> String {
    format!(
        "{}/../verity-safeguards/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn verity() -> Command {
    Command::cargo_bin("verity").expect("binary built")
}

#[test]
fn balance_json_has_periods_and_decisions() {
    let out = verity()
        .args([
            "safeguards",
            "balance",
            &data("fuel_fab_2024.json"),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &v["balance"]["quantities"][1];
    assert_eq!(q["quantity"], "U-235");
    assert_eq!(q["periods"].as_array().unwrap().len(), 12);
    assert_eq!(q["covariance"].as_array().unwrap().len(), 12);
    assert_eq!(v["decisions"][1]["category"], "low-enriched-uranium");
    assert_eq!(v["decisions"][1]["significant_quantity_kg"], 75.0);
}

#[test]
fn balance_human_table() {
    verity()
        .args(["safeguards", "balance", &data("fuel_fab_2024.json")])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "U-235 balance (SQ LowEnrichedUranium: 75 kg)",
        ))
        .stdout(predicate::str::contains(
            "shipper/receiver difference total: 12 receipts",
        ));
}

#[test]
fn cusum_alarms_only_on_the_diversion() {
    verity()
        .args([
            "safeguards",
            "cusum",
            &data("fuel_fab_2024.json"),
            "--k",
            "0.5",
            "--h",
            "4",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("no alarm"));
    let out = verity()
        .args([
            "safeguards",
            "cusum",
            &data("fuel_fab_2024_diversion.json"),
            "--k",
            "0.5",
            "--h",
            "4",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = v["cusum"]["first_alarm"].as_u64().expect("an alarm");
    assert!(first >= 7);
}

#[test]
fn arl_is_reproducible_and_close_to_integral_equation() {
    let run = || {
        let out = verity()
            .args([
                "safeguards",
                "arl",
                "--k",
                "0.5",
                "--h",
                "4",
                "--shift",
                "1",
                "--runs",
                "4000",
                "--seed",
                "9",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let mean = a["simulation"]["mean"].as_f64().unwrap();
    let se = a["simulation"]["standard_error"].as_f64().unwrap();
    let exact = a["integral_equation"].as_f64().unwrap();
    assert!((mean - exact).abs() < 4.0 * se, "{mean} ± {se} vs {exact}");
}

#[test]
fn arl_over_balance_periods() {
    verity()
        .args([
            "safeguards",
            "arl",
            "--k",
            "0.5",
            "--h",
            "4",
            "--balance",
            &data("fuel_fab_2024.json"),
            "--quantity",
            "U-235",
            "--diversion-kg-per-period",
            "1",
            "--runs",
            "2000",
            "--seed",
            "3",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "alarm probability within the horizon",
        ));
}

/// JCPOA Annex I §56: 300 kg UF6 at 3.67 % is 202.8 kg U.
#[test]
fn convert_uf6_jcpoa_limit() {
    let out = verity()
        .args([
            "safeguards",
            "convert",
            "--form",
            "UF6",
            "--mass-kg",
            "300",
            "--enrichment-pct",
            "3.67",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["uranium_kg"].as_f64().unwrap() - 202.8).abs() < 0.05);
    verity()
        .args([
            "safeguards",
            "convert",
            "--form",
            "scrap",
            "--mass-kg",
            "10",
            "--enrichment-pct",
            "3",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("uranium mass fraction"));
}

#[test]
fn stockpile_quantities_for_treaty_engine() {
    let out = verity()
        .args([
            "safeguards",
            "stockpile",
            &data("stockpile_example.json"),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &v["data_exchange_payload"]["quantities"];
    assert_eq!(q["max_enrichment_pct"], 60.0);
    assert!(q["enriched_uranium_stockpile_kg_u"].as_f64().unwrap() > 1500.0);
    assert_eq!(v["data_exchange_payload"]["as_of"], "2024-06-30");
}

#[test]
fn weapons_outside_territory_series() {
    let out = verity()
        .args([
            "safeguards",
            "weapons",
            &data("weapons_deployments.json"),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["possessor"], "AAA");
    assert_eq!(v[0]["weapons_deployed_outside_territory"], 21);
    assert_eq!(v[0]["lower_bound"], true);
    assert_eq!(v[1]["weapons_deployed_outside_territory"], 0);
    assert_eq!(v[2]["possessor"], "DDD");
    assert_eq!(v[2]["weapons_deployed_outside_territory"], 0);
}

#[test]
fn plots_write_svg() {
    let dir = tempfile::tempdir().unwrap();
    for chart in ["muf", "cusum"] {
        let out = dir.path().join(format!("{chart}.svg"));
        verity()
            .args([
                "safeguards",
                "plot",
                &data("fuel_fab_2024_diversion.json"),
                "--chart",
                chart,
                "--out",
                out.to_str().unwrap(),
            ])
            .assert()
            .success();
        let svg = std::fs::read_to_string(&out).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
    }
}

#[test]
fn malformed_input_names_file_and_location() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"mba\": {\"code\": \"X\", \"kmps\": []},\n \"methods\": 3}",
    )
    .unwrap();
    verity()
        .args(["safeguards", "balance", bad.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.json").and(predicate::str::contains("line 2")));
    verity()
        .args(["safeguards", "balance", "/nonexistent/x.json"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("reading /nonexistent/x.json"));
}
