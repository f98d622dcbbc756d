//! Material balance closing and σ_MUF propagation against hand computations and Monte Carlo
//! simulation of the measurement process.

mod common;

use common::*;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use verity_safeguards::ChaCha8Rng;
use verity_safeguards::balance::close_balances;
use verity_safeguards::decision;
use verity_safeguards::model::*;
use verity_safeguards::normal;

/// One balance period, computed by hand (the layout of the worked examples in Avenhaus & Canty
/// 1996 §3.2 and Jaech 1973 §3.4: BI and EI by one method, receipts and shipments by others):
///
/// * method A (random 1 %, systematic 0.5 %): BI = 2 × 100 kg, EI = 2 × 90 kg;
/// * method B (random 0.5 %, systematic 0.2 %): receipts 3 × 50 kg;
/// * method C (random 2 %, systematic 1 %): shipments 4 × 40 kg.
///
/// MUF = 200 + 150 − 160 − 180 = 10 kg.
/// Random variance: A (2·100² + 2·90²)·1e-4 = 3.62; B 3·50²·0.5²e-4 = 0.1875; C 4·40²·4e-4 = 2.56.
/// Systematic, persistent (BI and EI share A's error and cancel): A (200 − 180)²·0.25e-4 = 0.01;
/// B 150²·0.04e-4 = 0.09; C 160²·1e-4 = 2.56. Total 9.0275 kg², σ = 3.004 580 kg.
/// Per-period model (BI carries the previous calibration's error): A (200² + 180²)·0.25e-4 = 1.81
/// instead of 0.01: total 10.8275 kg².
fn textbook(model: SystematicModel) -> AccountancyBundle {
    let methods = vec![
        method("A", 1.0, 0.5),
        method("B", 0.5, 0.2),
        method("C", 2.0, 1.0),
    ];
    let pils = vec![
        pil(
            "2024-01-01",
            vec![
                u_batch("b1", "I", 100.0, "A"),
                u_batch("b2", "I", 100.0, "A"),
            ],
        ),
        pil(
            "2024-02-01",
            vec![u_batch("e1", "I", 90.0, "A"), u_batch("e2", "I", 90.0, "A")],
        ),
    ];
    let mut changes: Vec<_> = (0..3)
        .map(|i| {
            change(
                "2024-01-10",
                ChangeCode::RD,
                u_batch(&format!("r{i}"), "R", 50.0, "B"),
            )
        })
        .collect();
    changes.extend((0..4).map(|i| {
        change(
            "2024-01-20",
            ChangeCode::SD,
            u_batch(&format!("s{i}"), "S", 40.0, "C"),
        )
    }));
    bundle(methods, pils, changes, model)
}

#[test]
fn textbook_single_period_by_hand() {
    let table = [
        (SystematicModel::Persistent, 6.3675, 2.66, 9.0275),
        (SystematicModel::PerPeriod, 6.3675, 4.46, 10.8275),
    ];
    for (model, random_var, sys_var, total_var) in table {
        let mb = close_balances(&textbook(model)).unwrap();
        let p = &mb.quantity(BalanceQuantity::Uranium).unwrap().periods[0];
        assert_eq!(p.muf_kg, 10.0);
        assert_eq!(p.beginning_inventory_kg, 200.0);
        assert_eq!(p.increases_kg, 150.0);
        assert_eq!(p.decreases_kg, 160.0);
        assert_eq!(p.ending_inventory_kg, 180.0);
        let rel = |a: f64, b: f64| ((a - b) / b).abs();
        assert!(
            rel(p.sigma_random_kg.powi(2), random_var) < 1e-12,
            "{model:?} random"
        );
        assert!(
            rel(p.sigma_systematic_kg.powi(2), sys_var) < 1e-12,
            "{model:?} systematic"
        );
        assert!(
            rel(p.sigma_muf_kg.powi(2), total_var) < 1e-12,
            "{model:?} total"
        );
        assert!(mb.quantity(BalanceQuantity::Uranium235).is_none());
    }
    // The IAEA test on this balance: 10 kg > 1.645 · 3.0046 kg → alarm at α = 5 %.
    let mb = close_balances(&textbook(SystematicModel::Persistent)).unwrap();
    let p = &mb.quantities[0].periods[0];
    let t = decision::muf_test(p.muf_kg, p.sigma_muf_kg, 0.05).unwrap();
    assert!(t.alarm && (t.threshold_kg - 1.644_853_626_951_472_7 * 9.0275f64.sqrt()).abs() < 1e-12);
}

/// U-235 balance: relative errors of element and isotope measurements add in quadrature
/// (first-order propagation for a product): one inventory batch of 1000 kg U at 4 % measured by
/// E (0.1 %, 0.1 %) and isotope method M (0.2 %, 0.05 %) at PIT 1, nothing else:
/// MUF_1 = −40 kg U-235 (all of EI), random var = 40²(0.1² + 0.2²)e-4 % = 1600·5e-6 = 0.008,
/// systematic var = 40²(0.1² + 0.05²)e-4 % = 1600·1.25e-6 = 0.002; MUF_2 = +40 with the same
/// variances and covariance −0.008 (random) + (−40·40)·1.25e-6 = −0.008 − 0.002 = −0.010.
#[test]
fn isotope_balance_combines_element_and_isotopic_errors() {
    let methods = vec![method("E", 0.1, 0.1), method("M", 0.2, 0.05)];
    let pils = vec![
        pil("2024-01-01", vec![]),
        pil(
            "2024-02-01",
            vec![leu_batch("x", "I", 1000.0, "E", 4.0, "M")],
        ),
        pil("2024-03-01", vec![]),
    ];
    let mb = close_balances(&bundle(methods, pils, vec![], SystematicModel::Persistent)).unwrap();
    let q = mb.quantity(BalanceQuantity::Uranium235).unwrap();
    assert_eq!(q.muf_sequence(), vec![-40.0, 40.0]);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(q.periods[0].sigma_random_kg.powi(2), 0.008));
    assert!(close(q.periods[0].sigma_systematic_kg.powi(2), 0.002));
    assert!(close(q.covariance[0][1], -0.010), "{}", q.covariance[0][1]);
    // Cumulative over both periods: the intermediate inventory cancels exactly.
    assert!(q.periods[1].cumulative_muf_kg.abs() < 1e-12);
    assert!(q.periods[1].cumulative_sigma_kg < 1e-6);
}

/// σ_MUF grows as √n for n batches with random errors only and as n with systematic errors only
/// (Jaech 1973 §3.4): data-driven over n.
#[test]
fn sigma_scaling_random_sqrt_n_systematic_n() {
    for n in [1usize, 4, 16, 64, 256] {
        for (random, systematic, expected) in [
            (1.0, 0.0, 0.01 * 10.0 * (n as f64).sqrt()),
            (0.0, 1.0, 0.01 * 10.0 * n as f64),
        ] {
            let methods = vec![method("M", random, systematic), method("P", 0.0, 0.0)];
            let pils = vec![pil("2024-01-01", vec![]), pil("2024-02-01", vec![])];
            let changes = (0..n)
                .map(|i| {
                    change(
                        "2024-01-15",
                        ChangeCode::RD,
                        u_batch(&format!("r{i}"), "R", 10.0, "M"),
                    )
                })
                .collect();
            let mb = close_balances(&bundle(methods, pils, changes, SystematicModel::Persistent))
                .unwrap();
            let p = &mb.quantities[0].periods[0];
            assert!(
                (p.sigma_muf_kg - expected).abs() < 1e-12 * expected.max(1.0),
                "n={n} r={random} s={systematic}: {}",
                p.sigma_muf_kg
            );
        }
    }
}

/// Property: a closed balance (EI = BI + R − S batch by batch) measured perfectly has MUF = 0
/// in every period and σ = 0; the cumulative MUF is 0 too.
mod closed_balance {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn perfect_closed_balance_has_zero_muf(
            periods in 1usize..6,
            flows in proptest::collection::vec((0usize..6, 0.0f64..5000.0, any::<bool>()), 0..40),
            initial in proptest::collection::vec(0.0f64..5000.0, 0..10),
        ) {
            let methods = vec![method("P", 0.0, 0.0)];
            let dates: Vec<String> = (0..=periods).map(|k| format!("2024-{:02}-01", k + 1)).collect();
            // Book inventory tracked as a multiset of masses.
            let mut stock: Vec<f64> = initial.clone();
            let mut pils = vec![pil(&dates[0], stock.iter().enumerate().map(|(i, m)| u_batch(&format!("i{i}"), "I", *m, "P")).collect())];
            let mut changes = Vec::new();
            let mut serial = 0;
            for k in 0..periods {
                for (fk, mass, receipt) in &flows {
                    if fk % periods != k { continue; }
                    serial += 1;
                    let date = format!("2024-{:02}-15", k + 1);
                    if *receipt || stock.is_empty() {
                        stock.push(*mass);
                        changes.push(change(&date, ChangeCode::RD, u_batch(&format!("r{serial}"), "R", *mass, "P")));
                    } else {
                        let m = stock.pop().unwrap();
                        changes.push(change(&date, ChangeCode::SF, u_batch(&format!("s{serial}"), "S", m, "P")));
                    }
                }
                pils.push(pil(&dates[k + 1], stock.iter().enumerate().map(|(i, m)| u_batch(&format!("i{i}"), "I", *m, "P")).collect()));
            }
            let any_u = !initial.is_empty() || !flows.is_empty();
            let mb = close_balances(&bundle(methods, pils, changes, SystematicModel::Persistent)).unwrap();
            prop_assert_eq!(mb.quantities.len(), usize::from(any_u));
            for q in &mb.quantities {
                for p in &q.periods {
                    let scale = p.beginning_inventory_kg + p.increases_kg + 1.0;
                    prop_assert!(p.muf_kg.abs() <= 1e-9 * scale, "MUF {} in period {}", p.muf_kg, p.period);
                    prop_assert!(p.cumulative_muf_kg.abs() <= 1e-9 * scale * periods as f64);
                    prop_assert_eq!(p.sigma_muf_kg, 0.0);
                }
            }
        }
    }
}

/// Monte Carlo simulation of the measurement process (independent of the propagation code):
/// measured = true·(1 + ε_r + ε_s) with ε_s drawn per method (persistent) or per method and
/// calibration epoch (per-period), MUF computed directly from the simulated values. The sample
/// variance of each MUF and the covariance of consecutive MUFs must match the propagated ones
/// within 4 standard errors; the one-sided test's false-alarm rate must match α and its
/// detection rate Φ(M/σ − z) within 4 binomial standard errors. Seeded: fixed outcome.
#[test]
#[allow(clippy::needless_range_loop)]
fn monte_carlo_measurement_process_matches_propagation() {
    // (name, random %, systematic %)
    let specs = [("INV", 1.0, 0.5), ("REC", 0.5, 0.3), ("SHP", 2.0, 1.0)];
    // True values: 3 periods; inventories at PIT 0..3, receipts and shipments per period.
    let inv: [&[f64]; 4] = [
        &[100.0, 120.0],
        &[90.0, 100.0, 30.0],
        &[150.0],
        &[80.0, 85.0],
    ];
    let rec: [&[f64]; 3] = [&[50.0, 60.0, 40.0], &[70.0], &[45.0, 55.0]];
    // Shipments chosen so that every true MUF is 0.
    let mut shp: Vec<Vec<f64>> = Vec::new();
    for k in 0..3 {
        let total = inv[k].iter().sum::<f64>() + rec[k].iter().sum::<f64>()
            - inv[k + 1].iter().sum::<f64>();
        shp.push(vec![total / 2.0, total / 2.0]);
    }
    let dates = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"];
    for model in [SystematicModel::Persistent, SystematicModel::PerPeriod] {
        let methods = specs.iter().map(|(n, r, s)| method(n, *r, *s)).collect();
        let pils = (0..4)
            .map(|j| {
                pil(
                    dates[j],
                    inv[j]
                        .iter()
                        .enumerate()
                        .map(|(i, m)| u_batch(&format!("i{j}-{i}"), "I", *m, "INV"))
                        .collect(),
                )
            })
            .collect();
        let mut changes = Vec::new();
        for k in 0..3 {
            let date = format!("2024-{:02}-15", k + 1);
            for (i, m) in rec[k].iter().enumerate() {
                changes.push(change(
                    &date,
                    ChangeCode::RD,
                    u_batch(&format!("r{k}-{i}"), "R", *m, "REC"),
                ));
            }
            for (i, m) in shp[k].iter().enumerate() {
                changes.push(change(
                    &date,
                    ChangeCode::SD,
                    u_batch(&format!("s{k}-{i}"), "S", *m, "SHP"),
                ));
            }
        }
        let mb = close_balances(&bundle(methods, pils, changes, model)).unwrap();
        let q = &mb.quantities[0];
        let cov = &q.covariance;

        let mut rng = ChaCha8Rng::seed_from_u64(0x5afe_6a4d);
        let reps = 40_000;
        let mut muf_samples = vec![[0.0f64; 3]; reps];
        for sample in muf_samples.iter_mut() {
            // Systematic errors: [method][epoch]; persistent uses epoch 0 only.
            let mut sys = [[0.0f64; 4]; 3];
            for (m, (_, _, s)) in specs.iter().enumerate() {
                for e in 0..4 {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    sys[m][e] = z * s / 100.0;
                }
            }
            let epoch = |e: usize| {
                if model == SystematicModel::Persistent {
                    0
                } else {
                    e
                }
            };
            let measure = |truth: f64, m: usize, e: usize, rng: &mut ChaCha8Rng| {
                let z: f64 = StandardNormal.sample(rng);
                truth * (1.0 + z * specs[m].1 / 100.0 + sys[m][epoch(e)])
            };
            let inv_meas: Vec<f64> = (0..4)
                .map(|j| inv[j].iter().map(|t| measure(*t, 0, j, &mut rng)).sum())
                .collect();
            for k in 0..3 {
                // Flows of period k belong to epoch k+1 (closed by PIT k+1).
                let r: f64 = rec[k].iter().map(|t| measure(*t, 1, k + 1, &mut rng)).sum();
                let s: f64 = shp[k].iter().map(|t| measure(*t, 2, k + 1, &mut rng)).sum();
                sample[k] = inv_meas[k] + r - s - inv_meas[k + 1];
            }
        }
        let n = reps as f64;
        let mean = |k: usize| muf_samples.iter().map(|s| s[k]).sum::<f64>() / n;
        let means: Vec<f64> = (0..3).map(mean).collect();
        for k in 0..3 {
            for l in k..3.min(k + 2) {
                let c: f64 = muf_samples
                    .iter()
                    .map(|s| (s[k] - means[k]) * (s[l] - means[l]))
                    .sum::<f64>()
                    / (n - 1.0);
                // SE of a sample covariance of normals: sqrt((σ_k²σ_l² + c²)/n).
                let se = ((cov[k][k] * cov[l][l] + cov[k][l] * cov[k][l]) / n).sqrt();
                assert!(
                    (c - cov[k][l]).abs() < 4.0 * se,
                    "{model:?} cov[{k}][{l}]: simulated {c}, propagated {}, se {se}",
                    cov[k][l]
                );
            }
            // Mean is zero (no diversion).
            assert!(
                means[k].abs() < 4.0 * (cov[k][k] / n).sqrt(),
                "{model:?} mean {k}"
            );
        }
        // One-sided test at α = 0.05 on period 2: false alarms, and detection of M = 2σ
        // (shift the simulated MUF by M: a diversion removes M from the ending inventory).
        let sigma = q.periods[1].sigma_muf_kg;
        let alpha = 0.05;
        let z = normal::upper_critical(alpha).unwrap();
        let m = 2.0 * sigma;
        let fa = muf_samples.iter().filter(|s| s[1] > z * sigma).count() as f64 / n;
        let pd = muf_samples.iter().filter(|s| s[1] + m > z * sigma).count() as f64 / n;
        let pd_expected = decision::detection_probability(m, sigma, alpha).unwrap();
        assert!(
            (fa - alpha).abs() < 4.0 * (alpha * (1.0 - alpha) / n).sqrt(),
            "{model:?} false alarm {fa}"
        );
        assert!(
            (pd - pd_expected).abs() < 4.0 * (pd_expected * (1.0 - pd_expected) / n).sqrt(),
            "{model:?} detection {pd} vs {pd_expected}"
        );
    }
}

/// Shipper/receiver difference by hand: shipper states 1000 kg (method SH: 0.2 %, 0.1 %), receiver
/// measures 997 kg (RC: 0.1 %, 0.1 %). SRD = 3 kg; var = 1000²(0.2² + 0.1²)e-4 + 997²(0.1² + 0.1²)e-4
/// = 5.0 + 1.988018 = 6.988018 kg².
#[test]
fn shipper_receiver_difference_by_hand() {
    let methods = vec![method("SH", 0.2, 0.1), method("RC", 0.1, 0.1)];
    let mut c = change(
        "2024-01-05",
        ChangeCode::RF,
        u_batch("c1", "R", 997.0, "RC"),
    );
    c.shipper_measurement = Some(u_batch("c1", "ship", 1000.0, "SH"));
    c.counterpart_mba = Some("XSHP".into());
    let pils = vec![
        pil("2024-01-01", vec![]),
        pil("2024-02-01", vec![u_batch("c1", "I", 997.0, "RC")]),
    ];
    let mb = close_balances(&bundle(methods, pils, vec![c], SystematicModel::Persistent)).unwrap();
    let q = &mb.quantities[0];
    let b = &q.shipper_receiver_batches[0];
    assert!((b.difference_kg - 3.0).abs() < 1e-12);
    assert!(
        (b.sigma_kg.powi(2) - 6.988018).abs() < 1e-9,
        "{}",
        b.sigma_kg.powi(2)
    );
    assert_eq!(q.shipper_receiver.len(), 2); // period 1 and the total
    assert_eq!(q.shipper_receiver[1].period, None);
    assert!((q.shipper_receiver[1].sigma_kg - b.sigma_kg).abs() < 1e-12);
}

/// The material balance report implied by the balance validates, and tampering is detected.
#[test]
fn material_balance_report_round_trip_and_check() {
    let mb = close_balances(&textbook(SystematicModel::Persistent)).unwrap();
    let report = mb.report(1).unwrap();
    report.validate("report").unwrap();
    assert!(mb.check_report(&report, 1e-9).is_empty());
    let json = serde_json::to_vec(&report).unwrap();
    let parsed =
        verity_safeguards::parse_payload("npt-safeguards", "material-balance-report", &json)
            .unwrap();
    assert_eq!(
        parsed,
        verity_safeguards::Payload::MaterialBalanceReport(report.clone())
    );
    let mut tampered = report.clone();
    tampered.lines[0].physical_ending_inventory_kg += 5.0;
    tampered.lines[0].muf_kg -= 5.0;
    let issues = mb.check_report(&tampered, 1e-6);
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(issues[0].contains("physical_ending_inventory_kg"));
    let mut inconsistent = report;
    inconsistent.lines[0].muf_kg += 1.0;
    let e = inconsistent.validate("payload").unwrap_err().to_string();
    assert!(e.contains("payload.lines[0] (U).muf_kg"), "{e}");
}

/// The synthetic fuel-fabrication year (testdata/generate_fuel_fab.py): no diversion gives no
/// alarm from Page's test on the standardised ITMUF; the protracted diversion gives one.
#[test]
fn fuel_fabrication_year_no_alarm_then_alarm() {
    use verity_safeguards::sequential::{PageParameters, independence_transform, page_cusum};
    let params = PageParameters::new(0.5, 4.0).unwrap();
    for (file, expect_alarm) in [
        ("fuel_fab_2024.json", false),
        ("fuel_fab_2024_diversion.json", true),
    ] {
        let bundle = parse_bundle(&testdata(file)).unwrap();
        let mb = close_balances(&bundle).unwrap();
        let q = mb.quantity(BalanceQuantity::Uranium235).unwrap();
        assert_eq!(q.periods.len(), 12);
        let t = independence_transform(&q.muf_sequence(), &q.covariance).unwrap();
        let r = page_cusum(&t.standardized, params).unwrap();
        assert_eq!(
            r.first_alarm.is_some(),
            expect_alarm,
            "{file}: {:?}",
            r.statistic
        );
        if expect_alarm {
            assert!(r.first_alarm.unwrap() >= 7, "diversion starts in period 7");
        }
        // Monthly balances meet the 1-year LEU timeliness goal.
        let p = &q.periods[0];
        assert!(
            decision::check_timeliness(
                decision::MaterialCategory::LowEnrichedUranium,
                false,
                p.start,
                p.end
            )
            .met
        );
    }
}
