//! Benchmark driver for bench/space/run.sh (examples may do I/O).
//!
//! `space_bench propagate TLE_FILE TIMES_MINUTES_STEP N_TIMES` — prints satellite-epochs/s.
//! `space_bench screen N DAYS THRESHOLD_KM SEED [SAMPLE]` — screens a synthetic catalogue and,
//! if SAMPLE > 0, checks against brute force on a random SAMPLE-object subset over one day.
//! `space_bench catalog N SEED` — prints the synthetic catalogue as TLEs (for the Python peer).

use std::time::Instant;

use rayon::prelude::*;
use verity_space::Epoch;
use verity_space::catalog::{SplitMix64, synthetic_catalog};
use verity_space::propagate::Propagator;
use verity_space::screen::{ScreeningOptions, screen, screen_brute_force};
use verity_space::tle::format_tle;

fn epoch() -> Epoch {
    Epoch::parse_iso8601("2025-03-01T00:00:00Z").expect("constant date parses")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("catalog") => {
            let n: usize = args[2].parse().expect("N");
            let seed: u64 = args[3].parse().expect("SEED");
            for e in synthetic_catalog(n, seed, epoch()) {
                let (a, b) = format_tle(&e).expect("synthetic numbers fit a TLE");
                println!("{a}\n{b}");
            }
        }
        Some("propagate") => {
            let n: usize = args[2].parse().expect("N objects");
            let times: usize = args[3].parse().expect("N times");
            let threads: usize = args
                .get(4)
                .map(|s| s.parse().expect("threads"))
                .unwrap_or(1);
            let cat = synthetic_catalog(n, 42, epoch());
            // Round-trip through TLE text so both sides propagate identical element sets.
            let cat: Vec<_> = cat
                .iter()
                .map(|e| {
                    let (a, b) = format_tle(e).expect("fits");
                    verity_space::tle::parse_tle(None, &a, &b, &Default::default(), 1, 1)
                        .expect("own TLE parses")
                })
                .collect();
            let props: Vec<Propagator> = cat
                .iter()
                .map(|e| Propagator::new(e).expect("init"))
                .collect();
            let minutes: Vec<f64> = (0..times).map(|k| k as f64 * 10.0).collect();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let t0 = Instant::now();
            let sum: f64 = pool.install(|| {
                props
                    .par_iter()
                    .map(|p| {
                        p.propagate_series(&minutes)
                            .iter()
                            .map(|r| r.as_ref().map(|s| s.position_km[0]).unwrap_or(0.0))
                            .sum::<f64>()
                    })
                    .sum()
            });
            let dt = t0.elapsed().as_secs_f64();
            let rate = (n * times) as f64 / dt;
            println!(
                "{{\"objects\": {n}, \"times\": {times}, \"threads\": {threads}, \"seconds\": {dt:.4}, \"sat_epochs_per_s\": {rate:.1}, \"checksum\": {sum:.6}}}"
            );
        }
        Some("screen") => {
            let n: usize = args[2].parse().expect("N");
            let days: f64 = args[3].parse().expect("DAYS");
            let threshold: f64 = args[4].parse().expect("THRESHOLD");
            let seed: u64 = args[5].parse().expect("SEED");
            let sample: usize = args.get(6).map(|s| s.parse().expect("SAMPLE")).unwrap_or(0);
            let cat = synthetic_catalog(n, seed, epoch());
            let mut opts = ScreeningOptions {
                threshold_km: threshold,
                ..Default::default()
            };
            if let Ok(step) = std::env::var("SCREEN_STEP_S") {
                opts.step_s = step.parse().expect("SCREEN_STEP_S");
            }
            let t0 = Instant::now();
            let report =
                screen(&cat, &epoch(), days * 86_400.0, &opts, &|_, _| {}).expect("screen");
            let dt = t0.elapsed().as_secs_f64();
            println!(
                "{{\"objects\": {n}, \"days\": {days}, \"threshold_km\": {threshold}, \"step_s\": {}, \"seconds\": {dt:.2}, \"conjunctions\": {}, \"grid_pair_checks\": {}, \"brute_force_pair_steps\": {:.3e}, \"refined\": {}, \"excluded\": {}}}",
                opts.step_s,
                report.conjunctions.len(),
                report.grid_pair_checks,
                report.brute_force_pair_steps,
                report.refined,
                report.excluded.len()
            );
            if sample > 0 {
                let mut rng = SplitMix64(seed ^ 0x5eed);
                let mut idx: Vec<usize> = (0..cat.len()).collect();
                for k in (1..idx.len()).rev() {
                    let j = (rng.next_u64() % (k as u64 + 1)) as usize;
                    idx.swap(k, j);
                }
                let sub: Vec<_> = idx[..sample].iter().map(|&i| cat[i].clone()).collect();
                let ids: std::collections::HashSet<u32> =
                    sub.iter().map(|e| e.catalog_number).collect();
                let span = (days * 86_400.0).min(86_400.0);
                let t1 = Instant::now();
                let reference =
                    screen_brute_force(&sub, &epoch(), span, threshold, 5.0).expect("brute force");
                let missed = reference
                    .iter()
                    .filter(|r| {
                        !report.conjunctions.iter().any(|c| {
                            c.primary == r.primary
                                && c.secondary == r.secondary
                                && c.tca.seconds_since(&r.tca).abs() < 0.5
                        })
                    })
                    .count();
                let ours = report
                    .conjunctions
                    .iter()
                    .filter(|c| {
                        ids.contains(&c.primary)
                            && ids.contains(&c.secondary)
                            && c.tca.seconds_since(&epoch()) <= span
                    })
                    .count();
                println!(
                    "{{\"brute_force_sample\": {sample}, \"brute_force_days\": {}, \"brute_force_conjunctions\": {}, \"screen_conjunctions_in_sample\": {ours}, \"missed\": {missed}, \"brute_force_seconds\": {:.1}}}",
                    span / 86_400.0,
                    reference.len(),
                    t1.elapsed().as_secs_f64()
                );
                if missed > 0 {
                    std::process::exit(1);
                }
            }
        }
        _ => {
            eprintln!(
                "usage: space_bench catalog N SEED | propagate N TIMES [THREADS] | screen N DAYS THRESHOLD_KM SEED [SAMPLE]"
            );
            std::process::exit(2);
        }
    }
}
