//! Benchmark (run by bench/safeguards/run.sh in release mode):
//! 1. a facility-year with 10⁶ batch measurements (13 physical inventories × 20,000 batches,
//!    740,000 dated inventory changes, 12 monthly balances, U and U-235, 8 methods) balanced with
//!    full error propagation (validation + MUF + covariance + shipper/receiver differences);
//!    also the JSON parse of the same bundle, reported separately;
//! 2. 10,000 simulated runs of Page's test over 50 balance periods (MUF ~ N(0, Σ) drawn through
//!    the Cholesky factor, independence-transformed, standardised, CUSUM).
//!
//! Prints the median of several repetitions. Arguments: `[batches] [repeats]`.
use std::time::Instant;

use rand::{Rng, SeedableRng};
use verity_safeguards::ChaCha8Rng;
use verity_safeguards::balance::close_balances;
use verity_safeguards::model::*;
use verity_safeguards::sequential::{PageParameters, TestedSequence, simulate_horizon};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn facility_year(total: usize, rng: &mut ChaCha8Rng) -> AccountancyBundle {
    let methods: Vec<MeasurementMethod> = [
        "UF6-WT",
        "UO2-DG",
        "FA-WT",
        "SCRAP-NDA",
        "ENR-MS",
        "ENR-GAMMA",
        "PROC-DG",
        "SHIPPER",
    ]
    .iter()
    .enumerate()
    .map(|(i, id)| MeasurementMethod {
        id: id.to_string(),
        description: None,
        random_rsd_pct: 0.05 + 0.1 * i as f64,
        systematic_rsd_pct: 0.05 + 0.05 * i as f64,
        reference: None,
    })
    .collect();
    let kmps = vec![
        KeyMeasurementPoint {
            code: "A".into(),
            kind: KmpKind::Flow,
            description: None,
        },
        KeyMeasurementPoint {
            code: "B".into(),
            kind: KmpKind::Flow,
            description: None,
        },
        KeyMeasurementPoint {
            code: "1".into(),
            kind: KmpKind::Inventory,
            description: None,
        },
    ];
    let pits = 13;
    let per_pil = total * 2 / 100; // 2 % of the measurements per listing
    let flows = total - pits * per_pil;
    let date =
        |m: u8| time::Date::from_calendar_date(2024, time::Month::try_from(m).unwrap(), 1).unwrap();
    let batch = |name: String, kmp: &str, rng: &mut ChaCha8Rng| Batch {
        batch: name,
        kmp: kmp.into(),
        element: Element::U,
        element_kg: rng.gen_range(1.0..1500.0),
        method: methods[rng.gen_range(0..4)].id.clone(),
        enrichment_pct: Some(rng.gen_range(3.0..5.0)),
        u233_pct: None,
        isotope_method: Some(methods[4 + rng.gen_range(0..2)].id.clone()),
        form: None,
    };
    let pils = (0..pits)
        .map(|j| PhysicalInventoryListing {
            mba: "XBEN".into(),
            date: if j < 12 {
                date(j as u8 + 1)
            } else {
                time::Date::from_calendar_date(2024, time::Month::December, 31).unwrap()
            },
            batches: (0..per_pil)
                .map(|i| batch(format!("I{j}-{i}"), "1", rng))
                .collect(),
        })
        .collect::<Vec<_>>();
    let changes = (0..flows)
        .map(|i| {
            let month = (i % 12) as u8 + 1;
            let day = if month == 12 { 20 } else { 15 };
            let receipt = i % 2 == 0;
            InventoryChange {
                date: time::Date::from_calendar_date(
                    2024,
                    time::Month::try_from(month).unwrap(),
                    day,
                )
                .unwrap(),
                code: if receipt {
                    ChangeCode::RD
                } else {
                    ChangeCode::SD
                },
                batch: batch(format!("F{i}"), if receipt { "A" } else { "B" }, rng),
                counterpart_mba: None,
                shipper_measurement: None,
            }
        })
        .collect();
    AccountancyBundle {
        mba: MaterialBalanceArea {
            code: "XBEN".into(),
            facility: None,
            state: None,
            kmps,
        },
        methods: methods.clone(),
        physical_inventory_listings: pils,
        inventory_change_reports: vec![InventoryChangeReport {
            mba: "XBEN".into(),
            report_no: 1,
            changes,
        }],
        systematic_errors: SystematicModel::Persistent,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let repeats: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let mut rng = ChaCha8Rng::seed_from_u64(42);

    let bundle = facility_year(total, &mut rng);
    let measurements: usize = bundle
        .physical_inventory_listings
        .iter()
        .map(|p| p.batches.len())
        .sum::<usize>()
        + bundle
            .inventory_change_reports
            .iter()
            .map(|r| r.changes.len())
            .sum::<usize>();
    let mut t_balance = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let mb = close_balances(&bundle).expect("valid synthetic bundle");
        t_balance.push(t.elapsed().as_secs_f64());
        last = Some(mb);
    }
    let mb = last.expect("repeats ≥ 1");
    let json = serde_json::to_vec(&bundle).expect("serialisable");
    let mut t_parse = Vec::new();
    for _ in 0..repeats.min(3) {
        let t = Instant::now();
        let b = parse_bundle(&json).expect("round trip");
        t_parse.push(t.elapsed().as_secs_f64());
        std::hint::black_box(b);
    }

    // Page's test: 50 monthly balances; covariance from random inventory errors (tridiagonal)
    // plus a persistent systematic component.
    let n: usize = 50;
    let cov: Vec<Vec<f64>> = (0..n)
        .map(|k| (0..n).map(|l| if k == l { 2.6 } else if k.abs_diff(l) == 1 { -0.8 } else { 0.0 } + 0.3).collect())
        .collect();
    let params = PageParameters::new(0.5, 4.0).expect("valid");
    let runs = 10_000;
    let mut t_page = Vec::new();
    let mut p_alarm = 0.0;
    for r in 0..repeats {
        let mut rng = ChaCha8Rng::seed_from_u64(r as u64);
        let t = Instant::now();
        let s = simulate_horizon(
            &cov,
            &vec![0.0; n],
            params,
            TestedSequence::StandardizedItmuf,
            runs,
            &mut rng,
        )
        .expect("pd");
        t_page.push(t.elapsed().as_secs_f64());
        p_alarm = s.alarm_probability;
    }

    let q = &mb.quantities[1];
    println!("| task | size | median time (s) | target (s) | throughput |");
    println!("|---|---|---|---|---|");
    println!(
        "| balance closing + full error propagation (U and U-235) | {measurements} batch measurements, 12 periods | {:.3} | 1.0 | {:.2} M measurements/s |",
        median(t_balance.clone()),
        measurements as f64 / median(t_balance) / 1e6
    );
    println!(
        "| JSON parse + validation of the same bundle | {:.0} MB | {:.3} | - | {:.0} MB/s |",
        json.len() as f64 / 1e6,
        median(t_parse.clone()),
        json.len() as f64 / 1e6 / median(t_parse)
    );
    println!(
        "| Page's test simulation (standardised ITMUF, Cholesky) | {runs} runs × {n} periods | {:.3} | 1.0 | {:.2} M period-steps/s |",
        median(t_page.clone()),
        (runs * n as u64) as f64 / median(t_page) / 1e6
    );
    println!();
    println!(
        "(check values: U-235 σ_MUF period 1 = {:.3} kg; false-alarm probability over 50 periods = {p_alarm:.4})",
        q.periods[0].sigma_muf_kg
    );
}
