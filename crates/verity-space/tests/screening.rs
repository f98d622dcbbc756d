//! Catalogue screening compared with brute force on a sampled subset: no approach below the
//! threshold may be missed.
//!
//! Catalogue: 800 objects from the seeded synthetic generator (realistic LEO/SSO/MEO/GEO/HEO
//! mix), 12 hours, threshold 50 km (a large threshold gives enough approaches in a small sample).
//! Reference: `screen_brute_force` (SGP4 every 5 s for every pair of a random 150-object sample,
//! golden-section refinement) — no interpolation, grid or filters in common with `screen`.
//! Agreement required: same pairs and encounters, TCA within 0.5 s, miss distance within 1 m.

use verity_space::Epoch;
use verity_space::catalog::{SplitMix64, synthetic_catalog};
use verity_space::propagate::Propagator;
use verity_space::screen::{ScreeningOptions, screen, screen_brute_force};

#[test]
fn screening_misses_nothing_that_brute_force_finds() {
    let start = Epoch::parse_iso8601("2025-03-01T00:00:00Z").unwrap();
    let catalog = synthetic_catalog(800, 2025, start);
    let duration = 43_200.0;
    let threshold = 50.0;
    let opts = ScreeningOptions {
        threshold_km: threshold,
        ..Default::default()
    };
    let report = screen(&catalog, &start, duration, &opts, &|_, _| {}).unwrap();
    assert!(report.excluded.is_empty(), "{:?}", report.excluded);

    // Random sample of 200 objects.
    let mut rng = SplitMix64(99);
    let mut idx: Vec<usize> = (0..catalog.len()).collect();
    for k in (1..idx.len()).rev() {
        let j = (rng.next_u64() % (k as u64 + 1)) as usize;
        idx.swap(k, j);
    }
    let sample: Vec<_> = idx[..150].iter().map(|&i| catalog[i].clone()).collect();
    let ids: std::collections::HashSet<u32> = sample.iter().map(|e| e.catalog_number).collect();
    let reference = screen_brute_force(&sample, &start, duration, threshold, 5.0).unwrap();
    let ours: Vec<_> = report
        .conjunctions
        .iter()
        .filter(|c| ids.contains(&c.primary) && ids.contains(&c.secondary))
        .collect();
    println!(
        "screen: {} conjunctions over the catalogue; sample: brute force {} vs screen {}; grid checked {} pair-steps of {:.3e} brute-force pair-steps",
        report.conjunctions.len(),
        reference.len(),
        ours.len(),
        report.grid_pair_checks,
        report.brute_force_pair_steps
    );
    assert!(
        reference.len() >= 20,
        "sample too small to be meaningful: {}",
        reference.len()
    );
    for r in &reference {
        let hit = ours.iter().find(|c| {
            c.primary == r.primary
                && c.secondary == r.secondary
                && c.tca.seconds_since(&r.tca).abs() < 0.5
        });
        let hit = hit.unwrap_or_else(|| {
            panic!(
                "screen missed {}–{} at {} ({:.3} km)",
                r.primary, r.secondary, r.tca, r.miss_distance_km
            )
        });
        assert!(
            (hit.miss_distance_km - r.miss_distance_km).abs() < 1e-3,
            "{} vs {}",
            hit.miss_distance_km,
            r.miss_distance_km
        );
    }
    for c in &ours {
        // Conversely nothing spurious (brute force may only lack approaches within 1 m of the
        // threshold, where the two refinements can land on either side).
        if c.miss_distance_km < threshold - 1e-3 {
            assert!(
                reference.iter().any(|r| r.primary == c.primary
                    && r.secondary == c.secondary
                    && r.tca.seconds_since(&c.tca).abs() < 0.5),
                "screen reports {}–{} at {} that brute force does not",
                c.primary,
                c.secondary,
                c.tca
            );
        }
        assert!(c.miss_distance_km <= threshold);
    }
    // The grid examines far fewer pair-steps than all pairs at every step.
    assert!((report.grid_pair_checks as f64) < report.brute_force_pair_steps / 50.0);
}

/// Regression for the per-step cell size (cells sized for the common LEO speeds, the few faster
/// objects checked through a wider block of cells): GTO objects at perigee (10.2 km/s,
/// e = 0.73) crossing retrograde LEO objects nearly head-on at times that fall anywhere inside a step must still be
/// found in a 400-object catalogue, exactly as brute force finds them.
#[test]
fn fast_eccentric_object_crossing_leo_is_found() {
    use verity_space::elements::{EARTH_RADIUS_WGS72, ElementSet, MU_WGS72};
    let start = Epoch::parse_iso8601("2025-03-01T00:00:00Z").unwrap();
    let rev_per_day = |a: f64| (MU_WGS72 / (a * a * a)).sqrt() * 86_400.0 / std::f64::consts::TAU;
    let element = |catalog_number: u32, a: f64, e: f64, i: f64, raan: f64, t_node: f64| {
        // Perigee (or, for the circular orbits, argument of latitude 0) at the ascending node,
        // reached `t_node` seconds after the epoch: every orbit passes the same point then.
        let n_deg_s = rev_per_day(a) * 360.0 / 86_400.0;
        ElementSet {
            name: Some(format!("X-{catalog_number}")),
            catalog_number,
            classification: 'U',
            international_designator: None,
            epoch: start,
            mean_motion_dot: 0.0,
            mean_motion_ddot: 0.0,
            bstar: 0.0,
            ephemeris_type: 0,
            element_set_number: 1,
            inclination_deg: i,
            raan_deg: raan,
            eccentricity: e,
            arg_perigee_deg: 0.0,
            mean_anomaly_deg: (-n_deg_s * t_node).rem_euclid(360.0),
            mean_motion_rev_per_day: rev_per_day(a),
            revolution_number: 1,
        }
    };
    let rp = EARTH_RADIUS_WGS72 + 250.0;
    let ra = 42_164.0;
    let mut crossing = Vec::new();
    // Times of closest approach as fractions of the grid step: mid-step (the sample is h/2 away,
    // the worst case for cells) and a few others.
    let h = ScreeningOptions::default().step_s;
    let phases = [0.5, 0.5, 0.5, 0.5, 0.475, 0.525, 0.325, 0.0].map(|f| f * h);
    for (k, phase) in phases.into_iter().enumerate() {
        let t = 1200.0 + 300.0 * k as f64 + phase;
        // One GTO/LEO pair per plane, meeting at its node `t` seconds after the epoch, nearly
        // head-on (i = 7° against a retrograde 173°: ≈ 18 km/s, more than twice the LEO speeds
        // the cells are sized for). SGP4's
        // mean elements are not osculating ones, so the LEO orbit's radius and phase are then
        // tuned (grid search on SGP4 positions) to put it within a few km of the GTO object.
        // Nodes on the TEME axes make the relative velocity axis-aligned: the worst case for
        // cells (the whole 18 km/s × h/2 falls on one axis when the TCA is mid-step).
        let raan = 90.0 * (k % 4) as f64;
        let mut gto = element(
            90_001 + 2 * k as u32,
            (rp + ra) / 2.0,
            (ra - rp) / (ra + rp),
            7.0,
            raan,
            t,
        );
        // Shift the GTO phase until it crosses the LEO plane (normal from Ω, i = 173°) at `t`.
        let (o, i) = (raan.to_radians(), 173f64.to_radians());
        let normal = [o.sin() * i.sin(), -o.cos() * i.sin(), i.cos()];
        let n_deg_s = gto.mean_motion_rev_per_day * 360.0 / 86_400.0;
        for _ in 0..4 {
            let p = Propagator::new(&gto).unwrap();
            let side = |tau: f64| {
                let r = p
                    .propagate_at(&start.plus_seconds(tau))
                    .unwrap()
                    .position_km;
                r[0] * normal[0] + r[1] * normal[1] + r[2] * normal[2]
            };
            let (mut lo, mut hi) = (t - 120.0, t + 120.0);
            assert!(
                side(lo) * side(hi) < 0.0,
                "the GTO object crosses the plane near t"
            );
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if side(lo) * side(mid) <= 0.0 {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            gto.mean_anomaly_deg = (gto.mean_anomaly_deg + n_deg_s * (lo - t)).rem_euclid(360.0);
        }
        let at = start.plus_seconds(t);
        let target = Propagator::new(&gto)
            .unwrap()
            .propagate_at(&at)
            .unwrap()
            .position_km;
        let mut best = (f64::INFINITY, element(0, rp, 1e-4, 173.0, raan, t));
        for da in -60..=60 {
            for dm in -150..=150 {
                let mut leo = element(90_002 + 2 * k as u32, rp + da as f64, 1e-4, 173.0, raan, t);
                leo.mean_anomaly_deg = (leo.mean_anomaly_deg + dm as f64 * 0.01).rem_euclid(360.0);
                let p = Propagator::new(&leo)
                    .unwrap()
                    .propagate_at(&at)
                    .unwrap()
                    .position_km;
                let miss = ((p[0] - target[0]).powi(2)
                    + (p[1] - target[1]).powi(2)
                    + (p[2] - target[2]).powi(2))
                .sqrt();
                if miss < best.0 {
                    best = (miss, leo);
                }
            }
        }
        println!(
            "pair {k}: tuned LEO within {:.3} km of the GTO object at its node",
            best.0
        );
        crossing.push(gto);
        crossing.push(best.1);
    }
    // Two backgrounds: the realistic mix (cells sized for LEO speeds), and MEO/GEO only, where
    // cells are sized for ≈ 3.9 km/s and every LEO and GTO object takes the fast path — there a
    // pair 18 km/s × h/2 apart at the step's sample is several cells away, so only the wide
    // scan can find it.
    let mixed = synthetic_catalog(400, 7, start);
    let high: Vec<_> = synthetic_catalog(2000, 7, start)
        .into_iter()
        .filter(|e| e.semi_major_axis_km() > 20_000.0 && e.eccentricity < 0.1)
        .collect();
    let (duration, threshold) = (7200.0, 10.0);
    let opts = ScreeningOptions {
        threshold_km: threshold,
        ..Default::default()
    };
    let reports: Vec<_> = [mixed, high]
        .into_iter()
        .map(|mut catalog| {
            catalog.extend(crossing.iter().cloned());
            screen(&catalog, &start, duration, &opts, &|_, _| {}).unwrap()
        })
        .collect();
    let reference = screen_brute_force(&crossing, &start, duration, threshold, 1.0).unwrap();
    let gto_leo = reference
        .iter()
        .filter(|r| r.primary % 2 == 1 && r.secondary == r.primary + 1)
        .count();
    assert!(
        gto_leo >= phases.len(),
        "the construction should give {} GTO–LEO encounters, brute force found {gto_leo}: {reference:?}",
        phases.len()
    );
    assert!(
        reference
            .iter()
            .all(|r| r.relative_speed_km_s > 17.0 || r.primary % 2 == 0)
    );
    for (background, report) in ["mixed", "MEO/GEO"].iter().zip(&reports) {
        for r in &reference {
            let hit = report.conjunctions.iter().find(|c| {
                c.primary == r.primary
                    && c.secondary == r.secondary
                    && c.tca.seconds_since(&r.tca).abs() < 0.5
            });
            let hit = hit.unwrap_or_else(|| {
                panic!(
                    "{background} background: screen missed {}–{} at {} ({:.3} km, {:.2} km/s)",
                    r.primary, r.secondary, r.tca, r.miss_distance_km, r.relative_speed_km_s
                )
            });
            assert!((hit.miss_distance_km - r.miss_distance_km).abs() < 1e-3);
        }
    }
}
