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
