//! A documented, seeded generator of synthetic catalogues with realistic orbit populations, for
//! screening tests and benchmarks (no public package ships a full current catalogue).
//!
//! Population shares follow the public catalogue's broad structure (ESA Space Environment
//! Report 2024: most tracked objects in LEO, concentrated at 500–900 km; ≈ 6 % near GEO; a few
//! percent in MEO navigation shells and in eccentric GTO/Molniya orbits):
//!
//! | share | population | orbit |
//! |---|---|---|
//! | 30 % | LEO constellation shells | nine Walker-delta shells modelled on filed constellations (530–1325 km, i 33–97.6°), sats evenly phased in their planes, shell size scaled to the share |
//! | 20 % | sun-synchronous | 450–850 km, i from the SSO condition, e < 0.003 |
//! | 24 % | LEO debris band | 600–1100 km, i 65–100°, e < 0.02 |
//! | 10 % | other LEO | perigee 300–1500 km, e < 0.05, i 0–110° |
//! | 6 % | MEO navigation | GPS/GLONASS/Galileo radii, i 55–65°, e < 0.01 |
//! | 6 % | GEO belt | 35,786 ± 100 km, i 0–15°, e < 0.001 |
//! | 4 % | HEO | GTO (perigee 200–600 km, apogee ≈ GEO, i 0–30°) and Molniya (e 0.72, i 63.4°, 12 h) |
//!
//! The random generator is SplitMix64 (Steele, Lea & Flood 2014), written out here so that a
//! seed gives the same catalogue on every platform and every version of this crate.

use crate::elements::{EARTH_RADIUS_WGS72, ElementSet, MU_WGS72};
use crate::time::Epoch;

/// SplitMix64: tiny, fast, fully specified PRNG. Not for cryptography.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
}

fn mean_motion_rev_day(a_km: f64) -> f64 {
    (MU_WGS72 / (a_km * a_km * a_km)).sqrt() * 86_400.0 / std::f64::consts::TAU
}

/// Sun-synchronous inclination (deg) for a circular orbit of semi-major axis `a` (km):
/// dΩ/dt = −1.5 n J2 (R/a)² cos i = 360°/365.2422 d (Vallado 2013 Eq. 11-14).
fn sso_inclination(a: f64) -> f64 {
    let j2 = 1.082_616e-3;
    let n = (MU_WGS72 / (a * a * a)).sqrt();
    let target = std::f64::consts::TAU / (365.242_2 * 86_400.0);
    let cos_i = -target / (1.5 * n * j2 * (EARTH_RADIUS_WGS72 / a).powi(2));
    cos_i.clamp(-1.0, 1.0).acos().to_degrees()
}

/// Walker-delta shells (altitude km, inclination deg, planes P, satellites per plane S,
/// phasing F), modelled on filed LEO constellations (Starlink, OneWeb, Kuiper generations).
const SHELLS: [(f64, f64, usize, usize, usize); 9] = [
    (550.0, 53.0, 72, 22, 17),
    (540.0, 53.2, 72, 22, 5),
    (570.0, 70.0, 36, 20, 3),
    (560.0, 97.6, 6, 58, 1),
    (1200.0, 87.9, 18, 36, 1),
    (1325.0, 50.0, 34, 34, 7),
    (630.0, 51.9, 34, 34, 11),
    (610.0, 42.0, 36, 36, 13),
    (590.0, 33.0, 28, 28, 9),
];

#[allow(clippy::too_many_arguments)]
fn element_set(
    k: usize,
    a: f64,
    e: f64,
    i: f64,
    raan: f64,
    argp: f64,
    m: f64,
    bstar: f64,
    epoch: Epoch,
) -> ElementSet {
    let catalog_number = 80_000 + k as u32;
    ElementSet {
        name: Some(format!("SYN-{catalog_number}")),
        catalog_number,
        classification: 'U',
        international_designator: Some(format!(
            "2024-{:03}{}",
            1 + k / 26 % 999,
            (b'A' + (k % 26) as u8) as char
        )),
        epoch,
        mean_motion_dot: 0.0,
        mean_motion_ddot: 0.0,
        bstar,
        ephemeris_type: 0,
        element_set_number: 999,
        inclination_deg: i,
        raan_deg: raan.rem_euclid(360.0),
        eccentricity: e,
        arg_perigee_deg: argp.rem_euclid(360.0),
        mean_anomaly_deg: m.rem_euclid(360.0),
        mean_motion_rev_per_day: mean_motion_rev_day(a),
        revolution_number: 1,
    }
}

/// Generates `n` element sets at `epoch` from `seed` (see the module table).
pub fn synthetic_catalog(n: usize, seed: u64, epoch: Epoch) -> Vec<ElementSet> {
    let mut rng = SplitMix64(seed);
    let re = EARTH_RADIUS_WGS72;
    let mut out = Vec::with_capacity(n);
    // Constellations: 30 % of the catalogue, shells scaled in satellites per plane.
    let n_con = (0.3 * n as f64).round() as usize;
    let full: usize = SHELLS.iter().map(|s| s.2 * s.3).sum();
    let scale = n_con as f64 / full as f64;
    let shell_base = rng.range(0.0, 360.0);
    'shells: for (alt, inc, planes, per_plane, phasing) in SHELLS {
        let s_count = ((per_plane as f64 * scale).round() as usize).max(1);
        for p in 0..planes {
            for q in 0..s_count {
                if out.len() >= n_con {
                    break 'shells;
                }
                // Walker delta i:T/P/F — RAAN 360°·p/P, argument of latitude 360°·q/S + 360°·F·p/T.
                let total = (planes * s_count) as f64;
                let u =
                    360.0 * q as f64 / s_count as f64 + 360.0 * phasing as f64 * p as f64 / total;
                let argp = rng.range(0.0, 360.0);
                let raan = shell_base + 360.0 * p as f64 / planes as f64;
                out.push(element_set(
                    out.len(),
                    re + alt,
                    1e-4,
                    inc,
                    raan,
                    argp,
                    u - argp,
                    5e-5,
                    epoch,
                ));
            }
        }
    }
    while out.len() < n {
        let k = out.len();
        // Remaining shares renormalised to the non-constellation 70 %.
        let u = 0.30 + 0.70 * rng.uniform();
        let (a, e, i, raan, bstar) = if u < 0.50 {
            let a = re + rng.range(450.0, 850.0);
            (
                a,
                rng.range(0.0, 0.003),
                sso_inclination(a),
                rng.range(0.0, 360.0),
                rng.range(1e-5, 2e-4),
            )
        } else if u < 0.74 {
            (
                re + rng.range(600.0, 1100.0),
                rng.range(0.0, 0.02),
                rng.range(65.0, 100.0),
                rng.range(0.0, 360.0),
                rng.range(1e-5, 5e-4),
            )
        } else if u < 0.84 {
            let e = rng.range(0.0, 0.05);
            let rp = re + rng.range(300.0, 1500.0);
            (
                rp / (1.0 - e),
                e,
                rng.range(0.0, 110.0),
                rng.range(0.0, 360.0),
                rng.range(1e-5, 5e-4),
            )
        } else if u < 0.90 {
            let shells = [(26_560.0, 55.0), (25_510.0, 64.8), (29_600.0, 56.0)];
            let (a, inc) = shells[(rng.uniform() * 3.0) as usize % 3];
            (
                a + rng.range(-20.0, 20.0),
                rng.range(0.0, 0.01),
                inc + rng.range(-1.0, 1.0),
                rng.range(0.0, 360.0),
                0.0,
            )
        } else if u < 0.96 {
            (
                42_164.0 + rng.range(-100.0, 100.0),
                rng.range(0.0, 0.001),
                rng.range(0.0, 15.0),
                rng.range(0.0, 360.0),
                0.0,
            )
        } else if rng.uniform() < 0.7 {
            let rp = re + rng.range(200.0, 600.0);
            let ra = 42_164.0 + rng.range(-300.0, 300.0);
            (
                (rp + ra) / 2.0,
                (ra - rp) / (ra + rp),
                rng.range(0.0, 30.0),
                rng.range(0.0, 360.0),
                rng.range(1e-5, 1e-4),
            )
        } else {
            (
                26_554.0,
                0.72,
                63.4,
                rng.range(0.0, 360.0),
                rng.range(0.0, 5e-5),
            )
        };
        let argp = rng.range(0.0, 360.0);
        let m = rng.range(0.0, 360.0);
        out.push(element_set(k, a, e, i, raan, argp, m, bstar, epoch));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 1234567 from the reference C implementation (Vigna's
        // splitmix64.c): 6457827717110365317, 3203168211198807973.
        let mut r = SplitMix64(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn catalogue_is_deterministic_and_realistic() {
        let ep = Epoch::parse_iso8601("2025-01-01T00:00:00Z").unwrap();
        let a = synthetic_catalog(3000, 7, ep);
        assert_eq!(a, synthetic_catalog(3000, 7, ep));
        let leo = a.iter().filter(|e| e.apogee_altitude_km() < 2000.0).count() as f64 / 3000.0;
        let geo = a
            .iter()
            .filter(|e| (e.semi_major_axis_km() - 42_164.0).abs() < 200.0 && e.eccentricity < 0.01)
            .count() as f64
            / 3000.0;
        assert!((0.78..0.90).contains(&leo), "LEO share {leo}");
        assert!((0.04..0.08).contains(&geo), "GEO share {geo}");
        // SSO inclination of a 700 km orbit is 98.19° (Vallado 2013 Example 11-2 gives 98.19°).
        assert!((sso_inclination(EARTH_RADIUS_WGS72 + 700.0) - 98.19).abs() < 0.02);
        assert!(a.iter().all(|e| e.perigee_altitude_km() > 150.0));
    }
}
