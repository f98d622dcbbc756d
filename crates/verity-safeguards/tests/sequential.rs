//! Monte Carlo checks of Page's test: run lengths against the integral equation, and the
//! independence transformation's false-alarm behaviour on correlated MUF sequences.

use rand::SeedableRng;
use verity_safeguards::ChaCha8Rng;
use verity_safeguards::sequential::*;

/// Simulated ARL (fixed seed) within 4 standard errors of the integral-equation ARL, for
/// in-control and shifted means. Table: (k, h, shift, runs).
#[test]
fn simulated_arl_matches_integral_equation() {
    let table = [
        (0.5, 4.0, 1.0, 20_000u64),
        (0.5, 4.0, 0.0, 4_000),
        (0.5, 2.0, 0.5, 10_000),
        (1.0, 3.0, 2.0, 20_000),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_601);
    for (k, h, shift, runs) in table {
        let p = PageParameters::new(k, h).unwrap();
        let exact = arl_integral_equation(p, shift, 64).unwrap();
        let sim = simulate_arl(p, shift, runs, 1_000_000, &mut rng).unwrap();
        assert_eq!(sim.censored, 0);
        assert!(
            (sim.mean - exact).abs() < 4.0 * sim.standard_error,
            "k={k} h={h} δ={shift}: simulated {} ± {}, integral equation {exact}",
            sim.mean,
            sim.standard_error
        );
    }
}

/// MUF covariance of a sequence with random inventory errors (tridiagonal: Var(I) enters
/// consecutive balances with opposite signs) plus a persistent systematic part (all entries).
fn correlated_cov(n: usize) -> Vec<Vec<f64>> {
    let (flow_var, inv_var, sys) = (1.0, 0.8, 0.3);
    (0..n)
        .map(|k| {
            (0..n)
                .map(|l| {
                    let random = if k == l {
                        flow_var + 2.0 * inv_var
                    } else if k.abs_diff(l) == 1 {
                        -inv_var
                    } else {
                        0.0
                    };
                    random + sys
                })
                .collect()
        })
        .collect()
}

/// Under no diversion the standardised ITMUF is i.i.d. N(0, 1), so Page's test on it has the
/// same false-alarm probability over the horizon whatever the MUF covariance: compare the
/// correlated case with the identity covariance (two independent simulations; 4 combined SE).
/// Also: Page's test on the raw MUF with the same k, h in σ units would not have that property.
#[test]
fn itmuf_false_alarm_rate_is_covariance_free() {
    let n = 24;
    let p = PageParameters::new(0.5, 3.0).unwrap();
    let runs = 20_000;
    let identity: Vec<Vec<f64>> = (0..n)
        .map(|k| (0..n).map(|l| if k == l { 1.0 } else { 0.0 }).collect())
        .collect();
    let zero = vec![0.0; n];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let corr = simulate_horizon(
        &correlated_cov(n),
        &zero,
        p,
        TestedSequence::StandardizedItmuf,
        runs,
        &mut rng,
    )
    .unwrap();
    let iid = simulate_horizon(
        &identity,
        &zero,
        p,
        TestedSequence::StandardizedItmuf,
        runs,
        &mut rng,
    )
    .unwrap();
    let se = (corr.alarm_probability_se.powi(2) + iid.alarm_probability_se.powi(2)).sqrt();
    assert!(
        (corr.alarm_probability - iid.alarm_probability).abs() < 4.0 * se,
        "correlated {} vs iid {}",
        corr.alarm_probability,
        iid.alarm_probability
    );
    assert!(corr.alarm_probability > 0.0 && corr.alarm_probability < 1.0);
    assert_eq!(corr.first_alarm_counts.iter().sum::<u64>(), corr.alarms);
}

/// A protracted diversion raises the detection probability above the false-alarm probability,
/// and an abrupt diversion of the same total is found earlier on average.
#[test]
fn diversion_is_detected() {
    let n = 12;
    let cov = correlated_cov(n);
    let p = PageParameters::new(0.5, 4.0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let none = simulate_horizon(
        &cov,
        &vec![0.0; n],
        p,
        TestedSequence::StandardizedItmuf,
        10_000,
        &mut rng,
    )
    .unwrap();
    let protracted = simulate_horizon(
        &cov,
        &vec![1.5; n],
        p,
        TestedSequence::StandardizedItmuf,
        10_000,
        &mut rng,
    )
    .unwrap();
    let mut abrupt_div = vec![0.0; n];
    abrupt_div[0] = 18.0;
    let abrupt = simulate_horizon(
        &cov,
        &abrupt_div,
        p,
        TestedSequence::StandardizedItmuf,
        10_000,
        &mut rng,
    )
    .unwrap();
    assert!(
        protracted.alarm_probability
            > none.alarm_probability + 10.0 * none.alarm_probability_se.max(0.003)
    );
    assert!(abrupt.alarm_probability > 0.99);
    assert!(
        abrupt.mean_run_length_given_alarm.unwrap()
            < protracted.mean_run_length_given_alarm.unwrap()
    );
    // Raw-MUF version runs too (k, h in kg).
    let raw = simulate_horizon(
        &cov,
        &vec![1.5; n],
        PageParameters::new(1.0, 8.0).unwrap(),
        TestedSequence::Muf,
        2_000,
        &mut rng,
    )
    .unwrap();
    assert!(raw.alarm_probability > 0.0);
}

/// Same seed, same result (the generator is the only source of randomness).
#[test]
fn simulations_are_reproducible() {
    let p = PageParameters::new(0.5, 4.0).unwrap();
    let a = simulate_arl(p, 0.5, 500, 10_000, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
    let b = simulate_arl(p, 0.5, 500, 10_000, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
    assert_eq!(a, b);
    assert!(simulate_arl(p, 0.5, 1, 10, &mut ChaCha8Rng::seed_from_u64(3)).is_err());
    assert!(
        simulate_horizon(
            &correlated_cov(3),
            &[0.0; 2],
            p,
            TestedSequence::Muf,
            10,
            &mut ChaCha8Rng::seed_from_u64(3)
        )
        .is_err()
    );
}
