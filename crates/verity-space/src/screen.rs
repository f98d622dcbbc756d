//! All-vs-all close-approach screening of a catalogue.
//!
//! Pipeline (Hoots, Crawford & Roehrich 1984, "An analytic method to determine future close
//! approaches between satellites", Celest. Mech. 33, for the filter idea; grid screening after
//! Budianto-Ho et al. 2014, AMOS, "Efficient all-vs-all collision risk analyses"):
//!
//! 1. **SGP4 knots.** Each object is propagated with SGP4 on its own knot spacing `H_i`, chosen
//!    so the cubic Hermite interpolant of positions+velocities stays within ε =
//!    `interpolation_tolerance_km` of SGP4: the Hermite remainder is ≤ H⁴/384·max|r⁗| with
//!    max|r⁗| ≤ C·μv_p²/r_p⁴ at perigee. For Kepler orbits the ratio is 1.00 at e = 0 (exact for
//!    circles), 1.18 at e = 0.1, 1.67 at 0.5, 1.84 at 0.72 — below 1 + 2e everywhere — so
//!    C = 1.5·(1 + 2e), the 1.5 being headroom for SGP4's perturbations (checked against SGP4
//!    itself by the `knot_spacing_keeps_interpolation_within_tolerance` test). Objects share
//!    knot spacings on rungs H₀·1.05^g so that one Hermite basis serves a whole group per step.
//! 2. **Apogee/perigee filter** (Hoots 1984 filter 1): a pair whose radial bands
//!    [perigee − m, apogee + m] are further apart than the threshold never meets. The margin m
//!    covers SGP4 short-period terms and drag decay over the window.
//! 3. **Straight-line test over each step** (replaces Hoots' orbit-path and time filters). At
//!    fine steps t_j = start + j·h each step is responsible for [t_j − h/2, t_j + h/2]. With
//!    interpolated positions p̂ and velocities v̂ at t_j, the true relative position of a pair
//!    at t_j + τ differs from the straight line Δp̂ + Δv̂·τ by at most
//!    2ε (positions) + δv = 2·3.1ε/H₀·h/2 (Hermite velocity error, H₀ the smallest knot
//!    spacing) + A·(h/2)²/2 (Taylor remainder at the closest approach τ*; the relative
//!    acceleration A is at most the gravity gradient 2μ/R⊕³, +10 %, times the separation, which
//!    stays ≤ D + v_max·h between t_j and τ* for a pair that comes within D at τ*). So a pair that comes within D in the interval
//!    has a straight-line miss min_{|τ|≤h/2} |Δp̂ + Δv̂τ| ≤ R = D + 2ε + δv + curvature. The
//!    test evaluates exactly that minimum (|Δp̂ × Δv̂|²/|Δv̂|² when the unconstrained minimum
//!    falls inside the interval, else the nearer end), vectorised over eight f32 lanes (AVX2
//!    when the CPU has it) with a 0.05 km allowance for f32 rounding, then again in f64.
//! 4. **Spatio-temporal grid** so that the test only meets pairs that can pass it. A pair that
//!    passes has |Δp̂| ≤ R + |Δv̂|·h/2 ≤ R + (|v̂_i| + |v̂_j|)·h/2. Per step, a speed histogram
//!    picks v_c so that at most max(16, n/128) objects are faster (in practice GTO/Molniya
//!    objects near perigee); cells have side L = R + v_c·h, so two objects no faster than v_c
//!    that pass the test are in the same or adjacent cells. Objects are radix-sorted by a
//!    compact cell key and one sweep with monotone pointers (recomputed once per occupied cell)
//!    visits each cell's forward half-neighbourhood (13 cells + own). Each faster object is
//!    tested against every object in the block of cells within R + (|v̂_i| + v̂_max)·h/2 of it,
//!    in both directions, so its pairs are covered whatever the partner. Sizing the cells for the
//!    common LEO speeds (≈ 8 km/s) instead of the fastest object (10.4 km/s at GTO perigee) halves
//!    the pair tests. Nothing below the threshold can be missed; the cost per step is
//!    O(n + close pairs) instead of O(n²).
//! 5. **Candidates** are the pairs whose f64 straight-line miss is ≤ R and whose radial bands
//!    overlap, at τ = −Δp̂·Δv̂/|Δv̂|² clamped to the interval. Candidates of one pair within 2h
//!    are merged into one encounter.
//! 6. **SGP4 refinement**: Newton on Δr·Δv = 0 with SGP4 states (f′ = |Δv|² + Δr·Δa, two-body
//!    Δa), falling back to golden-section search on the SGP4 range; report miss distance,
//!    relative speed and radial/in-track/cross-track components in the primary's RIC frame.
//!
//! ## Cost (30,000 objects, 7 days, 10 km; `bash bench/space/run.sh`)
//! Profile (`perf`, one thread): pair sweep ≈ 45 % of the CPU time, SGP4 knots ≈ 20 %, cell
//! keys, radix sort and f32 copies ≈ 12 %, Hermite interpolation ≈ 7 %, SGP4 refinement ≈ 3–6 %.
//! Measured on the shared 2-core machine (CPU = user + sys, back to back, load average ≈ 3–4):
//! 121.5 s CPU before this method (one cell size from the fastest object, sphere pre-check, scalar
//! slow path) against 88.1 s now at the default 40-s step and 76.0 s at a 60-s step, with the
//! same 1,441,000 conjunctions and none missed against brute force on a 300-object sample. The
//! wall time on a quiet machine is about CPU/2 (63.7 s was measured quietly for the old method).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::elements::{ElementSet, MU_WGS72};
use crate::error::{Result, SpaceError};
use crate::propagate::{Propagator, StateVector};
use crate::time::Epoch;

/// Tuning of the screening. Defaults suit catalogue screening at 1–50 km.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScreeningOptions {
    /// Report approaches with miss distance ≤ this (km).
    pub threshold_km: f64,
    /// Grid time step h (s).
    pub step_s: f64,
    /// Allowed Hermite interpolation error ε (km).
    pub interpolation_tolerance_km: f64,
    /// Length of a processing chunk (s); bounds memory for the SGP4 knots.
    pub chunk_s: f64,
    /// Extra margin of the apogee/perigee filter (km), on top of the drag-decay estimate.
    pub radial_margin_km: f64,
}

impl Default for ScreeningOptions {
    fn default() -> Self {
        ScreeningOptions {
            threshold_km: 10.0,
            // 40 s is the CLI's `--step-s` default too. On large catalogues 60 s is ≈ 17 % cheaper
            // (the per-step cost is dominated by interpolation, sorting and the sweep's
            // per-object work) with the straight-line margins (δv, curvature) still ≈ 1 km each.
            step_s: 40.0,
            interpolation_tolerance_km: 2.0,
            chunk_s: 4.0 * 3600.0,
            radial_margin_km: 30.0,
        }
    }
}

/// One close approach.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Conjunction {
    /// Catalog number of the primary (the lower catalog number of the pair).
    pub primary: u32,
    pub secondary: u32,
    pub primary_name: Option<String>,
    pub secondary_name: Option<String>,
    /// Time of closest approach (UTC).
    pub tca: Epoch,
    /// Miss distance at TCA (km).
    pub miss_distance_km: f64,
    /// |v2 − v1| at TCA (km/s).
    pub relative_speed_km_s: f64,
    /// Secondary minus primary position in the primary's radial/in-track/cross-track frame (km).
    pub miss_ric_km: [f64; 3],
    /// TEME states of both objects at TCA.
    pub primary_state: StateVector,
    pub secondary_state: StateVector,
}

/// Output of a screening run with the work counters that show how much the filters pruned.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScreeningReport {
    pub start: Epoch,
    pub duration_s: f64,
    pub threshold_km: f64,
    pub objects: usize,
    /// Objects left out because SGP4 could not initialise or propagate them, with the reason.
    pub excluded: Vec<(u32, String)>,
    /// n(n−1)/2 × steps: what a brute-force sampler at the same step would examine.
    pub brute_force_pair_steps: f64,
    /// Pair-steps that reached the distance check in the grid.
    pub grid_pair_checks: u64,
    /// Pair-steps rejected by the apogee/perigee filter.
    pub apogee_perigee_rejections: u64,
    /// Candidates refined with SGP4.
    pub refined: u64,
    pub conjunctions: Vec<Conjunction>,
}

/// SGP4 knots of the objects that share one knot spacing, stored time-major
/// (`states[m * members.len() + q]` = member q at knot `k0 + m`), so that interpolating every
/// object at one instant reads memory sequentially.
struct KnotGroup {
    spacing: f64,
    members: Vec<usize>,
    k0: i64,
    rows: usize,
    states: Vec<[f64; 6]>,
}

#[cfg(test)]
fn hermite(s0: &[f64; 6], s1: &[f64; 6], h: f64, u: f64) -> ([f64; 3], [f64; 3]) {
    let b = HermiteBasis::new(h, u);
    b.eval(s0, s1)
}

/// Cubic Hermite basis on [0, h] at u ∈ [0, 1], for positions and their derivative.
#[derive(Clone, Copy)]
struct HermiteBasis {
    h00: f64,
    h10: f64,
    h01: f64,
    h11: f64,
    d00: f64,
    d10: f64,
    d01: f64,
    d11: f64,
}

impl HermiteBasis {
    #[inline]
    fn new(h: f64, u: f64) -> Self {
        let u2 = u * u;
        let u3 = u2 * u;
        HermiteBasis {
            h00: 2.0 * u3 - 3.0 * u2 + 1.0,
            h10: (u3 - 2.0 * u2 + u) * h,
            h01: -2.0 * u3 + 3.0 * u2,
            h11: (u3 - u2) * h,
            d00: (6.0 * u2 - 6.0 * u) / h,
            d10: 3.0 * u2 - 4.0 * u + 1.0,
            d01: (-6.0 * u2 + 6.0 * u) / h,
            d11: 3.0 * u2 - 2.0 * u,
        }
    }

    #[inline]
    fn eval(&self, s0: &[f64; 6], s1: &[f64; 6]) -> ([f64; 3], [f64; 3]) {
        let mut p = [0.0; 3];
        let mut v = [0.0; 3];
        for k in 0..3 {
            p[k] =
                self.h00 * s0[k] + self.h10 * s0[3 + k] + self.h01 * s1[k] + self.h11 * s1[3 + k];
            v[k] =
                self.d00 * s0[k] + self.d10 * s0[3 + k] + self.d01 * s1[k] + self.d11 * s1[3 + k];
        }
        (p, v)
    }
}

/// Per-object constants used by the filters.
struct ObjectInfo {
    /// Upper bound of the speed (km/s): perigee speed from vis-viva, +2 %.
    max_speed: f64,
    rmin: f64,
    rmax: f64,
    knot_spacing: f64,
}

fn object_info(e: &ElementSet, duration_s: f64, opts: &ScreeningOptions) -> ObjectInfo {
    let a = e.semi_major_axis_km();
    let rp = a * (1.0 - e.eccentricity);
    let ra = a * (1.0 + e.eccentricity);
    let vp = (MU_WGS72 * (2.0 / rp - 1.0 / a)).sqrt();
    // Drag decay over the window: ṅ (rev/day², TLE field is ṅ/2) → Δa/a = −(2/3)Δn/n; B*
    // alone bounds it poorly, so add the fixed margin.
    let days = duration_s / 86_400.0;
    let dn =
        (2.0 * e.mean_motion_dot * days).abs() + (6.0 * e.mean_motion_ddot * days * days).abs();
    let da = 2.0 / 3.0 * a * dn / e.mean_motion_rev_per_day;
    let margin = opts.radial_margin_km + 1.5 * da + 1e-3 * a;
    // Hermite remainder ≤ H⁴/384 · max|r⁗| ≤ ε with max|r⁗| ≤ C·μv_p²/r_p⁴. For Kepler orbits
    // the ratio max|r⁗|/(μv_p²/r_p⁴) is 1.00 (e = 0), 1.18 (0.1), 1.67 (0.5), 1.84 (0.72),
    // 1.89 (0.8) — below 1 + 2e everywhere (fourth differences of sampled Kepler orbits); the
    // factor 1.5 is headroom for the SGP4 perturbations (J2 short-period terms are ~1e-3).
    let jerk4 = 1.5 * (1.0 + 2.0 * e.eccentricity) * MU_WGS72 * vp * vp / rp.powi(4);
    let h = (384.0 * opts.interpolation_tolerance_km / jerk4).powf(0.25);
    ObjectInfo {
        max_speed: vp * 1.02,
        rmin: rp - margin,
        rmax: ra + margin,
        knot_spacing: h.clamp(20.0, 900.0),
    }
}

/// Apogee/perigee filter (Hoots et al. 1984, filter 1): can these radial bands come within `d`?
#[inline]
fn radial_overlap(a: &ObjectInfo, b: &ObjectInfo, d: f64) -> bool {
    a.rmin <= b.rmax + d && b.rmin <= a.rmax + d
}

fn sub(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn norm(a: &[f64; 3]) -> f64 {
    dot(a, a).sqrt()
}
fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Secondary-minus-primary position in the primary's RIC frame (radial, in-track, cross-track).
pub fn ric_components(primary: &StateVector, secondary: &StateVector) -> [f64; 3] {
    let r = primary.position_km;
    let v = primary.velocity_km_s;
    let rn = norm(&r);
    let radial = [r[0] / rn, r[1] / rn, r[2] / rn];
    let h = cross(&r, &v);
    let hn = norm(&h);
    let cross_track = [h[0] / hn, h[1] / hn, h[2] / hn];
    let in_track = cross(&cross_track, &radial);
    let d = sub(&secondary.position_km, &primary.position_km);
    [dot(&d, &radial), dot(&d, &in_track), dot(&d, &cross_track)]
}

fn two_body_acc(r: &[f64; 3]) -> [f64; 3] {
    let rn = norm(r);
    let k = -MU_WGS72 / (rn * rn * rn);
    [k * r[0], k * r[1], k * r[2]]
}

/// Refines a time of closest approach between two SGP4 objects near `t_guess` (seconds after
/// `start`), searching no further than `half_window` seconds away. Returns (t, s1, s2).
pub fn refine_tca(
    p1: &Propagator,
    p2: &Propagator,
    start: &Epoch,
    t_guess: f64,
    half_window: f64,
) -> Result<(f64, StateVector, StateVector)> {
    let state = |t: f64| -> Result<(StateVector, StateVector)> {
        let e = start.plus_seconds(t);
        Ok((p1.propagate_at(&e)?, p2.propagate_at(&e)?))
    };
    let lo = t_guess - half_window;
    let hi = t_guess + half_window;
    let mut t = t_guess;
    for _ in 0..8 {
        let (a, b) = state(t)?;
        let dr = sub(&b.position_km, &a.position_km);
        let dv = sub(&b.velocity_km_s, &a.velocity_km_s);
        let da = sub(&two_body_acc(&b.position_km), &two_body_acc(&a.position_km));
        let f = dot(&dr, &dv);
        let fp = dot(&dv, &dv) + dot(&dr, &da);
        if fp <= 0.0 {
            break;
        }
        let step = f / fp;
        t -= step;
        if !(lo..=hi).contains(&t) {
            break;
        }
        if step.abs() < 1e-5 {
            let (a, b) = state(t)?;
            return Ok((t, a, b));
        }
    }
    // Newton failed (slow relative motion, or the minimum lies outside the window):
    // golden-section search on the SGP4 range; when the minimum sits on a window edge the range
    // is still falling there, so slide the window that way (slow, co-orbiting pairs).
    let range = |t: f64| -> Result<f64> {
        let (a, b) = state(t)?;
        Ok(norm(&sub(&b.position_km, &a.position_km)))
    };
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let width = hi - lo;
    let (mut lo, mut hi) = (lo, hi);
    let mut t = t_guess;
    for _ in 0..64 {
        let (mut a, mut b) = (lo, hi);
        let mut c = b - g * (b - a);
        let mut d = a + g * (b - a);
        let (mut fc, mut fd) = (range(c)?, range(d)?);
        while b - a > 1e-4 {
            if fc < fd {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = range(c)?;
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = range(d)?;
            }
        }
        t = 0.5 * (a + b);
        if t - lo < 1e-3 {
            lo -= 0.9 * width;
            hi -= 0.9 * width;
        } else if hi - t < 1e-3 {
            lo += 0.9 * width;
            hi += 0.9 * width;
        } else {
            break;
        }
    }
    let (s1, s2) = state(t)?;
    Ok((t, s1, s2))
}

fn make_conjunction(
    p1: &Propagator,
    p2: &Propagator,
    start: &Epoch,
    t: f64,
    s1: StateVector,
    s2: StateVector,
) -> Conjunction {
    let (p1, p2, s1, s2) = if p1.elements.catalog_number <= p2.elements.catalog_number {
        (p1, p2, s1, s2)
    } else {
        (p2, p1, s2, s1)
    };
    Conjunction {
        primary: p1.elements.catalog_number,
        secondary: p2.elements.catalog_number,
        primary_name: p1.elements.name.clone(),
        secondary_name: p2.elements.name.clone(),
        tca: start.plus_seconds(t),
        miss_distance_km: norm(&sub(&s2.position_km, &s1.position_km)),
        relative_speed_km_s: norm(&sub(&s2.velocity_km_s, &s1.velocity_km_s)),
        miss_ric_km: ric_components(&s1, &s2),
        primary_state: s1,
        secondary_state: s2,
    }
}

/// Cell coordinate along one axis: floor(x/L) offset by 2¹⁵ and clamped to [2, 65533]. Clamping
/// only merges far-out cells (a superset of neighbours, never fewer). The value is positive
/// before the cast, so truncation is the floor.
#[inline]
fn cell_coord(x: f64, inv: f64) -> u32 {
    (x * inv + 32_768.0).clamp(2.0, 65_533.0) as u32
}

/// LSD radix sort of (key, object) by the low `bits` bits of key, in passes of ≤ 11 bits.
fn radix_sort(items: &mut Vec<(u64, u32)>, tmp: &mut Vec<(u64, u32)>, bits: u32) {
    let bits = bits.max(1);
    let passes = bits.div_ceil(11);
    let digit = bits.div_ceil(passes);
    let mask = (1u64 << digit) - 1;
    tmp.clear();
    tmp.resize(items.len(), (0, 0));
    let mut counts = vec![0usize; 1 << digit];
    for pass in 0..passes {
        let shift = pass * digit;
        counts.iter_mut().for_each(|c| *c = 0);
        for it in items.iter() {
            counts[((it.0 >> shift) & mask) as usize] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let x = *c;
            *c = sum;
            sum += x;
        }
        for it in items.iter() {
            let b = ((it.0 >> shift) & mask) as usize;
            tmp[counts[b]] = *it;
            counts[b] += 1;
        }
        std::mem::swap(items, tmp);
    }
}

/// Lanes of the vectorisable pair test (one AVX register of f32).
const LANES: usize = 8;
/// Speed histogram resolution for choosing the cell size of a step (bins per km/s).
const SPEED_BINS_PER_KM_S: f64 = 20.0;
/// Speeds up to 16 km/s are binned; faster (non-physical) ones share the overflow bin.
const SPEED_BINS: usize = 320;
/// Allowance for the f32 pair test: positions up to 47,000 km are rounded to 2⁻²⁴ relative
/// (≤ 0.003 km per coordinate, ≤ 0.01 km on a difference) and the test's products to a few
/// 1e-7 relative (≤ 0.003 km on the miss at 20 km); 0.05 km covers both with room.
const F32_SLACK_KM: f64 = 0.05;

/// Constants of the fine-step pair test, the same for every step.
struct StepGeometry {
    h: f64,
    /// R = D + 2ε + δv + curvature: a pair that comes within D inside a step's interval has a
    /// straight-line (interpolated position + velocity) miss ≤ R over |τ| ≤ h/2.
    reach: f64,
    threshold: f64,
}

/// Per-thread buffers reused from step to step.
#[derive(Default)]
struct StepScratch {
    pos: Vec<[f64; 3]>,
    vel: Vec<[f64; 3]>,
    speed: Vec<f64>,
    bin: Vec<u16>,
    coords: Vec<[u32; 3]>,
    active: Vec<u32>,
    keyed: Vec<(u64, u32)>,
    tmp: Vec<(u64, u32)>,
    /// The sorted keys alone, followed by a `u64::MAX` sentinel.
    keys: Vec<u64>,
    /// x, y, z, vx, vy, vz in key order as f32, padded with `LANES` NaN sentinels.
    soa: [Vec<f32>; 6],
    fast: Vec<usize>,
    hits: Vec<(u32, u32)>,
}

/// The straight-line pair test on the f32 copies: does object `k` come within `r2.sqrt()` of
/// any object `from..to` (key order) over |τ| ≤ `half_h`, assuming both move on straight lines?
/// Pushes (k, q) for every q that does. Reads whole blocks of `LANES`; the sentinels (NaN fail
/// every comparison) and a lane mask keep the tail correct.
#[inline(always)]
fn test_range(
    soa: &[Vec<f32>; 6],
    k: usize,
    from: usize,
    to: usize,
    r2: f32,
    half_h: f32,
    hits: &mut Vec<(u32, u32)>,
) {
    let [xs, ys, zs, us, vs, ws] = soa;
    let (xa, ya, za, ua, va, wa) = (xs[k], ys[k], zs[k], us[k], vs[k], ws[k]);
    let mut q0 = from;
    while q0 < to {
        let (bx, by, bz) = (
            &xs[q0..q0 + LANES],
            &ys[q0..q0 + LANES],
            &zs[q0..q0 + LANES],
        );
        let (bu, bv, bw) = (
            &us[q0..q0 + LANES],
            &vs[q0..q0 + LANES],
            &ws[q0..q0 + LANES],
        );
        let mut mask = 0u32;
        for l in 0..LANES {
            let (dx, dy, dz) = (bx[l] - xa, by[l] - ya, bz[l] - za);
            let (du, dv, dw) = (bu[l] - ua, bv[l] - va, bw[l] - wa);
            let pp = dx * dx + dy * dy + dz * dz;
            let pv = dx * du + dy * dv + dz * dw;
            let vv = du * du + dv * dv + dw * dw;
            // Closest approach inside the interval: miss² = |Δr × Δv|²/|Δv|² (no cancellation);
            // otherwise at the nearer end τ = ±h/2.
            let (cx, cy, cz) = (dy * dw - dz * dv, dz * du - dx * dw, dx * dv - dy * du);
            let cc = cx * cx + cy * cy + cz * cz;
            let apv = pv.abs();
            let inside = apv < half_h * vv;
            let at_min = cc <= r2 * vv;
            let at_end = pp - 2.0 * half_h * apv + half_h * half_h * vv <= r2;
            mask |= (((inside & at_min) | (!inside & at_end)) as u32) << l;
        }
        if to - q0 < LANES {
            mask &= (1u32 << (to - q0)) - 1;
        }
        while mask != 0 {
            let l = mask.trailing_zeros() as usize;
            hits.push((k as u32, (q0 + l) as u32));
            mask &= mask - 1;
        }
        q0 += LANES;
    }
}

/// Interpolates every object with valid knots at `t` into the scratch arrays (by object index)
/// and returns the speed histogram and the largest speed.
#[inline(never)]
fn interpolate_step(
    t: f64,
    groups: &[KnotGroup],
    n: usize,
    s: &mut StepScratch,
) -> ([u32; SPEED_BINS + 1], f64) {
    s.pos.resize(n, [0.0; 3]);
    s.vel.resize(n, [0.0; 3]);
    s.speed.resize(n, 0.0);
    s.bin.resize(n, 0);
    s.active.clear();
    let mut hist = [0u32; SPEED_BINS + 1];
    let mut step_max_speed: f64 = 0.0;
    for g in groups.iter() {
        let m = g.members.len();
        if m == 0 {
            continue;
        }
        let kf = (t / g.spacing).floor();
        let row = (kf as i64 - g.k0) as usize;
        let basis = HermiteBasis::new(g.spacing, t / g.spacing - kf);
        let r0 = &g.states[row * m..(row + 1) * m];
        let r1 = &g.states[(row + 1) * m..(row + 2) * m];
        for q in 0..m {
            let i = g.members[q];
            if r0[q][0].is_nan() || r1[q][0].is_nan() {
                continue;
            }
            let (p, v) = basis.eval(&r0[q], &r1[q]);
            let sp = norm(&v);
            let b = ((sp * SPEED_BINS_PER_KM_S) as usize).min(SPEED_BINS);
            s.pos[i] = p;
            s.vel[i] = v;
            s.speed[i] = sp;
            s.bin[i] = b as u16;
            hist[b] += 1;
            step_max_speed = step_max_speed.max(sp);
            s.active.push(i as u32);
        }
    }
    (hist, step_max_speed)
}

/// Cell keys, the radix sort, the f32 copies in key order and the list of fast objects.
/// Returns the key box dimensions and the x and y strides of the packed key.
#[inline(never)]
fn build_cells(inv: f64, top: usize, s: &mut StepScratch) -> ([u64; 3], u64, u64) {
    // Compact keys over the occupied box, with two spare cells on each side so that
    // neighbour keys (±1 in x, y; −1…+2 in z) are plain offsets and never wrap.
    let (mut lo, mut hi) = ([u32::MAX; 3], [0u32; 3]);
    s.coords.clear();
    for &i in &s.active {
        let p = &s.pos[i as usize];
        let c = [
            cell_coord(p[0], inv),
            cell_coord(p[1], inv),
            cell_coord(p[2], inv),
        ];
        for a in 0..3 {
            lo[a] = lo[a].min(c[a]);
            hi[a] = hi[a].max(c[a]);
        }
        s.coords.push(c);
    }
    let dims = [
        (hi[0] - lo[0] + 5) as u64,
        (hi[1] - lo[1] + 5) as u64,
        (hi[2] - lo[2] + 5) as u64,
    ];
    let (sx, sy) = (dims[1] * dims[2], dims[2]);
    s.keyed.clear();
    for (&i, c) in s.active.iter().zip(&s.coords) {
        let (x, y, z) = (
            (c[0] - lo[0] + 2) as u64,
            (c[1] - lo[1] + 2) as u64,
            (c[2] - lo[2] + 2) as u64,
        );
        s.keyed.push((x * sx + y * sy + z, i));
    }
    let bits = 64 - (dims[0] * sx).leading_zeros();
    radix_sort(&mut s.keyed, &mut s.tmp, bits);
    s.keys.clear();
    s.keys.extend(s.keyed.iter().map(|e| e.0));
    s.keys.push(u64::MAX);

    // f32 structure-of-arrays copies in key order for the vectorisable test.
    for (c, arr) in s.soa.iter_mut().enumerate() {
        arr.clear();
        let src = if c < 3 { &s.pos } else { &s.vel };
        arr.extend(s.keyed.iter().map(|&(_, i)| src[i as usize][c % 3] as f32));
        arr.extend(std::iter::repeat_n(f32::NAN, LANES));
    }
    s.fast.clear();
    for (k, &(_, i)) in s.keyed.iter().enumerate() {
        if s.bin[i as usize] as usize > top {
            s.fast.push(k);
        }
    }

    (dims, sx, sy)
}

/// Cell geometry of one step, shared by the two sweeps.
struct CellGrid {
    dims: [u64; 3],
    /// Key strides of x and y (z has stride 1).
    sx: u64,
    sy: u64,
    cell: f64,
    r2: f32,
    half_h: f32,
    /// h/2 in f64, for the fast objects' reach (kept out of f32 rounding).
    half_step: f64,
}

/// Both sweeps (cells, then fast objects); returns the number of pair tests. Runs them compiled
/// for AVX2 when the CPU has it (eight f32 lanes per instruction instead of four); the
/// arithmetic, and so every rounding, is identical — no FMA contraction is enabled.
fn sweep_pairs(s: &mut StepScratch, grid: &CellGrid, fast_reach: f64, step_max_speed: f64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the function only differs from the baseline one by using AVX2 instructions,
        // and the CPU was just checked to support AVX2.
        return unsafe { sweep_pairs_avx2(s, grid, fast_reach, step_max_speed) };
    }
    sweep_pairs_core(s, grid, fast_reach, step_max_speed)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sweep_pairs_avx2(
    s: &mut StepScratch,
    grid: &CellGrid,
    fast_reach: f64,
    step_max_speed: f64,
) -> u64 {
    sweep_pairs_core(s, grid, fast_reach, step_max_speed)
}

#[inline(always)]
fn sweep_pairs_core(
    s: &mut StepScratch,
    grid: &CellGrid,
    fast_reach: f64,
    step_max_speed: f64,
) -> u64 {
    s.hits.clear();
    let mut checks = sweep_cells_core(&s.keys, &s.soa, grid, &mut s.hits);
    // Fast objects: every cell within reach, both directions (pairs met twice are merged later).
    let keys = &s.keyed;
    let (sx, sy, dims) = (grid.sx, grid.sy, grid.dims);
    for &k in &s.fast {
        let key = keys[k].0;
        let (cx, cy, cz) = (key / sx, key % sx / sy, key % sy);
        let reach = fast_reach + (s.speed[keys[k].1 as usize] + step_max_speed) * grid.half_step;
        let w = (reach / grid.cell).ceil() as u64;
        let (z0, z1) = (cz.saturating_sub(w), (cz + w).min(dims[2] - 1));
        for x in cx.saturating_sub(w)..=(cx + w).min(dims[0] - 1) {
            for y in cy.saturating_sub(w)..=(cy + w).min(dims[1] - 1) {
                let column = x * sx + y * sy;
                let from = keys.partition_point(|e| e.0 < column + z0);
                let to = keys.partition_point(|e| e.0 <= column + z1);
                checks += (to - from) as u64;
                let before = s.hits.len();
                test_range(&s.soa, k, from, to, grid.r2, grid.half_h, &mut s.hits);
                // The object itself passes its own test; drop that one.
                let mut idx = before;
                while idx < s.hits.len() {
                    if s.hits[idx].1 as usize == k {
                        s.hits.swap_remove(idx);
                    } else {
                        idx += 1;
                    }
                }
            }
        }
    }
    checks
}

/// Moves `p` to the first key ≥ `bound`. The keys end with a `u64::MAX` sentinel, so no length
/// check is needed; the first step is branch-free because most moves are of zero or one place.
#[inline(always)]
fn advance(keys: &[u64], p: &mut usize, bound: u64) {
    *p += (keys[*p] < bound) as usize;
    while keys[*p] < bound {
        *p += 1;
    }
}

/// The forward half-neighbourhood sweep over the occupied cells; returns the number of tests.
#[inline(always)]
fn sweep_cells_core(
    keys: &[u64],
    soa: &[Vec<f32>; 6],
    grid: &CellGrid,
    hits: &mut Vec<(u32, u32)>,
) -> u64 {
    let (sx, sy, r2, hh) = (grid.sx, grid.sy, grid.r2, grid.half_h);
    let len = keys.len() - 1;
    let mut checks = 0u64;
    // Forward half-neighbourhood of each occupied cell: the same column (z, z+1), then four
    // columns (0,+1), (+1,−1), (+1,0), (+1,+1) over z−1..z+1. Translation preserves key order,
    // so every bound only moves forward: one sweep, bounds recomputed once per occupied cell.
    let cols: [u64; 4] = [sy, sx - sy, sx, sx + sy];
    let mut ptr_lo = [0usize; 4];
    let mut ptr_hi = [0usize; 5];
    let mut ranges = [(0usize, 0usize); 4];
    let mut own_hi = 0usize;
    let mut current = u64::MAX;
    for k in 0..len {
        let key = keys[k];
        if key != current {
            current = key;
            ptr_hi[0] = ptr_hi[0].max(k + 1);
            advance(keys, &mut ptr_hi[0], key + 2);
            own_hi = ptr_hi[0];
            for (c, &off) in cols.iter().enumerate() {
                advance(keys, &mut ptr_lo[c], key + off - 1);
                ptr_hi[c + 1] = ptr_hi[c + 1].max(ptr_lo[c]);
                advance(keys, &mut ptr_hi[c + 1], key + off + 2);
                ranges[c] = (ptr_lo[c], ptr_hi[c + 1]);
            }
        }
        checks += (own_hi - k - 1) as u64;
        test_range(soa, k, k + 1, own_hi, r2, hh, hits);
        for &(from, to) in &ranges {
            checks += (to - from) as u64;
            test_range(soa, k, from, to, r2, hh, hits);
        }
    }
    checks
}

/// One fine step at time `t`: interpolate every object, bin them in cells, and return the
/// candidate pairs of the step's interval [t − h/2, t + h/2] with the number of pair tests and
/// apogee/perigee rejections.
///
/// Cell size. Let U = v_c·h/2 where v_c is chosen per step so that at most max(16, n/128)
/// objects are faster than v_c (a speed histogram; GTO/Molniya objects near perigee). For two
/// "normal" objects (speeds ≤ v_c) that pass the straight-line test, |Δr(t)| ≤ R + |Δv|·h/2 ≤
/// R + 2U, so with cells of side L = R + 2U they sit in the same or adjacent cells and the
/// forward half-neighbourhood sweep meets them. Each "fast" object is instead checked against
/// every object within R + (v_fast + v_max,step)·h/2 through a wider block of cells, so its
/// pairs are covered whatever the partner. Duplicates are merged with the other candidates.
fn grid_step(
    t: f64,
    groups: &[KnotGroup],
    infos: &[ObjectInfo],
    geo: &StepGeometry,
    s: &mut StepScratch,
) -> (Vec<Candidate>, u64, u64) {
    let n = infos.len();
    let h = geo.h;
    let half_h = 0.5 * h;
    let (hist, step_max_speed) = interpolate_step(t, groups, n, s);
    let len = s.active.len();
    if len < 2 {
        return (Vec::new(), 0, 0);
    }
    // Highest bins become "fast" while their total stays within the allowance.
    let allowance = (len / 128).max(16) as u32;
    let mut top = SPEED_BINS;
    let mut above = 0u32;
    while top > 0 && above + hist[top] <= allowance {
        above += hist[top];
        top -= 1;
    }
    let v_c = if top == SPEED_BINS {
        step_max_speed
    } else {
        (top + 1) as f64 / SPEED_BINS_PER_KM_S
    };
    // Relative margins keep the floor of x/L of two points ≤ L apart within one of each other
    // despite rounding.
    let cell = ((geo.reach + v_c * h) * (1.0 + 1e-9) + 1e-6).max(2.0);
    let inv = 1.0 / cell;

    let (dims, sx, sy) = build_cells(inv, top, s);
    let grid = CellGrid {
        dims,
        sx,
        sy,
        cell,
        r2: ((geo.reach + F32_SLACK_KM) * (geo.reach + F32_SLACK_KM)) as f32,
        half_h: half_h as f32,
        half_step: half_h,
    };
    let checks = sweep_pairs(s, &grid, geo.reach + F32_SLACK_KM, step_max_speed);
    let keys = &s.keyed;
    // Exact re-check in f64 (straight-line TCA over the interval) and the apogee/perigee filter.
    let mut found = Vec::new();
    let mut rejects = 0u64;
    for &(ka, kb) in &s.hits {
        let (a, b) = (keys[ka as usize].1 as usize, keys[kb as usize].1 as usize);
        if !radial_overlap(&infos[a], &infos[b], geo.threshold) {
            rejects += 1;
            continue;
        }
        let dp = sub(&s.pos[b], &s.pos[a]);
        let dv = sub(&s.vel[b], &s.vel[a]);
        let vv = dot(&dv, &dv);
        let tau = if vv > 0.0 {
            (-dot(&dp, &dv) / vv).clamp(-half_h, half_h)
        } else {
            0.0
        };
        let rel = [
            dp[0] + dv[0] * tau,
            dp[1] + dv[1] * tau,
            dp[2] + dv[2] * tau,
        ];
        let miss = norm(&rel);
        if miss <= geo.reach {
            let (x, y) = if a < b { (a, b) } else { (b, a) };
            found.push((x as u32, y as u32, t + tau, miss));
        }
    }
    (found, checks, rejects)
}

/// A candidate from the grid after the linear-motion TCA filter: (i, j, t, estimated miss).
type Candidate = (u32, u32, f64, f64);

/// Screens every pair of `elements` for approaches within `opts.threshold_km` during
/// [`start`, `start + duration_s`]. `progress(done, total)` is called as fine steps complete.
pub fn screen(
    elements: &[ElementSet],
    start: &Epoch,
    duration_s: f64,
    opts: &ScreeningOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ScreeningReport> {
    if !(opts.threshold_km > 0.0 && opts.threshold_km.is_finite()) {
        return Err(SpaceError::Invalid(format!(
            "threshold {} km must be positive",
            opts.threshold_km
        )));
    }
    if !(duration_s > 0.0 && duration_s.is_finite()) || duration_s > 366.0 * 86_400.0 {
        return Err(SpaceError::Invalid(format!(
            "screening duration {duration_s} s must be positive and at most a year"
        )));
    }
    if !(opts.step_s > 0.0
        && opts.interpolation_tolerance_km > 0.0
        && opts.chunk_s >= opts.step_s
        && opts.step_s.is_finite())
    {
        return Err(SpaceError::Invalid(
            "step, interpolation tolerance and chunk must be positive".into(),
        ));
    }
    let d = opts.threshold_km;
    let h = opts.step_s;
    let eps = opts.interpolation_tolerance_km;

    let built: Vec<std::result::Result<Propagator, (u32, String)>> = elements
        .par_iter()
        .map(|e| Propagator::new(e).map_err(|err| (e.catalog_number, err.to_string())))
        .collect();
    let mut excluded = Vec::new();
    let mut props = Vec::new();
    for b in built {
        match b {
            Ok(p) => props.push(p),
            Err(x) => excluded.push(x),
        }
    }
    let infos: Vec<ObjectInfo> = props
        .iter()
        .map(|p| object_info(&p.elements, duration_s, opts))
        .collect();
    let n = props.len();
    if n < 2 {
        return Ok(ScreeningReport {
            start: *start,
            duration_s,
            threshold_km: d,
            objects: n,
            excluded,
            brute_force_pair_steps: 0.0,
            grid_pair_checks: 0,
            apogee_perigee_rejections: 0,
            refined: 0,
            conjunctions: Vec::new(),
        });
    }
    // Knot groups: spacing H0·1.05^g, H0 = the smallest spacing any object needs; each object
    // joins the largest rung not above its own spacing (groups need no common time grid).
    let h0 = infos
        .iter()
        .map(|i| i.knot_spacing)
        .fold(f64::INFINITY, f64::min);
    let mut group_of = vec![0usize; n];
    let mut group_spacing: Vec<f64> = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        let g = (((info.knot_spacing / h0).ln() / 1.05f64.ln())
            .floor()
            .max(0.0) as usize)
            .min(100);
        group_of[i] = g;
    }
    let n_groups = group_of.iter().copied().max().unwrap_or(0) + 1;
    for g in 0..n_groups {
        group_spacing.push(h0 * 1.05f64.powi(g as i32));
    }
    let v_max = infos.iter().map(|i| i.max_speed).fold(0.0, f64::max);
    // Interpolation errors: each position within ε, each velocity within 3.1ε/H₀ (derivative of
    // the Hermite remainder, H₀ the smallest knot spacing), acting for up to h/2.
    let vel_margin = 2.0 * 3.1 * eps / h0 * 0.5 * h;
    // Departure from straight-line relative motion at the closest approach τ* (|τ*| ≤ h/2):
    // Taylor's remainder is A·τ*²/2 ≤ A·h²/8 with A the largest relative acceleration on
    // [0, τ*]. Two objects |Δr| apart accelerate relative to each other by at most the gravity
    // gradient 2μ/r³·|Δr| ≤ 2μ/R⊕³·|Δr| (+10 % for J2 and the rest), and on [0, τ*] a pair that
    // is within D at τ* is at most D + 2·v_max·h/2 apart.
    let tidal = 1.1 * 2.0 * MU_WGS72 / 6378.0f64.powi(3);
    let curvature = tidal * (d + v_max * h) * h * h / 8.0;
    let geometry = StepGeometry {
        h,
        reach: d + 2.0 * eps + vel_margin + curvature,
        threshold: d,
    };

    let total_steps = (duration_s / h).floor() as i64 + 1;
    let steps_per_chunk = ((opts.chunk_s / h).floor() as i64).max(1);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut grid_checks = 0u64;
    let mut ap_rejects = 0u64;
    let mut propagation_failures: Vec<Option<String>> = vec![None; n];
    let done = std::sync::atomic::AtomicU64::new(0);

    let mut j0 = 0i64;
    while j0 < total_steps {
        let j1 = (j0 + steps_per_chunk).min(total_steps);
        let t_lo = j0 as f64 * h - h;
        let t_hi = (j1 - 1) as f64 * h + h;
        let per_object: Vec<(i64, Vec<[f64; 6]>, Option<String>)> = props
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let hk = group_spacing[group_of[i]];
                let k0 = (t_lo / hk).floor() as i64;
                let k1 = (t_hi / hk).ceil() as i64 + 1;
                let minutes: Vec<f64> = (k0..=k1)
                    .map(|k| {
                        start
                            .plus_seconds(k as f64 * hk)
                            .minutes_since(&p.elements.epoch)
                    })
                    .collect();
                let mut fail = None;
                let states = p
                    .propagate_series(&minutes)
                    .into_iter()
                    .map(|r| match r {
                        Ok(s) => [
                            s.position_km[0],
                            s.position_km[1],
                            s.position_km[2],
                            s.velocity_km_s[0],
                            s.velocity_km_s[1],
                            s.velocity_km_s[2],
                        ],
                        Err(e) => {
                            if fail.is_none() {
                                fail = Some(e.to_string());
                            }
                            [f64::NAN; 6]
                        }
                    })
                    .collect();
                (k0, states, fail)
            })
            .collect();
        let mut groups: Vec<KnotGroup> = group_spacing
            .iter()
            .map(|&sp| KnotGroup {
                spacing: sp,
                members: Vec::new(),
                k0: (t_lo / sp).floor() as i64,
                rows: 0,
                states: Vec::new(),
            })
            .collect();
        for i in 0..n {
            groups[group_of[i]].members.push(i);
        }
        // Transposing to time-major is a ~50 MB copy per chunk at 30,000 objects: in parallel.
        groups.par_iter_mut().for_each(|g| {
            let rows = g
                .members
                .first()
                .map(|&i| per_object[i].1.len())
                .unwrap_or(0);
            g.rows = rows;
            g.states = vec![[f64::NAN; 6]; rows * g.members.len()];
            let m = g.members.len();
            for (q, &i) in g.members.iter().enumerate() {
                debug_assert_eq!(per_object[i].0, g.k0);
                for (r, st) in per_object[i].1.iter().enumerate() {
                    g.states[r * m + q] = *st;
                }
            }
        });
        for (i, (_, _, fail)) in per_object.into_iter().enumerate() {
            if let Some(f) = fail {
                propagation_failures[i].get_or_insert(f);
            }
        }

        let results: Vec<(Vec<Candidate>, u64, u64)> = (j0..j1)
            .into_par_iter()
            .map_init(StepScratch::default, |scratch, j| {
                let out = grid_step(j as f64 * h, &groups, &infos, &geometry, scratch);
                let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if k.is_multiple_of(64) {
                    progress(k, total_steps as u64);
                }
                out
            })
            .collect();
        for (f, c, r) in results {
            candidates.extend(f);
            grid_checks += c;
            ap_rejects += r;
        }
        j0 = j1;
    }
    progress(total_steps as u64, total_steps as u64);

    // One encounter can be flagged by neighbouring steps: keep the best candidate per pair and
    // encounter (candidates of a pair closer in time than two steps are one encounter).
    candidates.par_sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.total_cmp(&b.3))
    });
    let mut encounters: Vec<Candidate> = Vec::new();
    for c in candidates {
        match encounters.last_mut() {
            Some(last) if last.0 == c.0 && last.1 == c.1 && c.2 - last.2 <= 2.0 * h => {
                if c.3 < last.3 {
                    *last = (c.0, c.1, c.2, c.3);
                }
            }
            _ => encounters.push(c),
        }
    }
    let refined = encounters.len() as u64;
    let mut conjunctions: Vec<Conjunction> = encounters
        .par_iter()
        .filter_map(|&(i, j, t, _)| {
            let (p1, p2) = (&props[i as usize], &props[j as usize]);
            let (tca, s1, s2) = refine_tca(p1, p2, start, t, h).ok()?;
            if !(0.0..=duration_s).contains(&tca) {
                return None;
            }
            let c = make_conjunction(p1, p2, start, tca, s1, s2);
            (c.miss_distance_km <= d).then_some(c)
        })
        .collect();
    conjunctions.par_sort_by(|a, b| {
        (a.primary, a.secondary)
            .cmp(&(b.primary, b.secondary))
            .then(
                a.tca
                    .partial_cmp(&b.tca)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    // Two candidates a little more than 2h apart can still refine to the same TCA.
    conjunctions.dedup_by(|b, a| {
        a.primary == b.primary
            && a.secondary == b.secondary
            && b.tca.seconds_since(&a.tca).abs() < 1.0
    });
    for (idx, f) in propagation_failures.into_iter().enumerate() {
        if let Some(f) = f {
            excluded.push((
                props[idx].elements.catalog_number,
                format!("partly screened: {f}"),
            ));
        }
    }
    Ok(ScreeningReport {
        start: *start,
        duration_s,
        threshold_km: d,
        objects: n,
        excluded,
        brute_force_pair_steps: (n as f64) * (n as f64 - 1.0) / 2.0 * total_steps as f64,
        grid_pair_checks: grid_checks,
        apogee_perigee_rejections: ap_rejects,
        refined,
        conjunctions,
    })
}

/// Independent reference: SGP4 at every `step_s` for every pair (no interpolation, no grid,
/// no filters), local minima of the sampled range refined by golden-section search on the SGP4
/// range. O(n² · steps): for validating [`screen`] on small samples only.
pub fn screen_brute_force(
    elements: &[ElementSet],
    start: &Epoch,
    duration_s: f64,
    threshold_km: f64,
    step_s: f64,
) -> Result<Vec<Conjunction>> {
    let props: Vec<Propagator> = elements
        .iter()
        .map(Propagator::new)
        .collect::<Result<_>>()?;
    let steps = (duration_s / step_s).floor() as usize + 1;
    let states: Vec<Vec<Option<StateVector>>> = props
        .par_iter()
        .map(|p| {
            (0..steps)
                .map(|k| p.propagate_at(&start.plus_seconds(k as f64 * step_s)).ok())
                .collect()
        })
        .collect();
    let pairs: Vec<(usize, usize)> = (0..props.len())
        .flat_map(|i| (i + 1..props.len()).map(move |j| (i, j)))
        .collect();
    let out: Vec<Conjunction> = pairs
        .par_iter()
        .flat_map_iter(|&(i, j)| {
            let range = |k: usize| -> f64 {
                match (&states[i][k], &states[j][k]) {
                    (Some(a), Some(b)) => norm(&sub(&b.position_km, &a.position_km)),
                    _ => f64::INFINITY,
                }
            };
            let mut found = Vec::new();
            let r: Vec<f64> = (0..steps).map(range).collect();
            for k in 0..steps {
                let left = if k == 0 { f64::INFINITY } else { r[k - 1] };
                let right = if k + 1 == steps {
                    f64::INFINITY
                } else {
                    r[k + 1]
                };
                if !(r[k] <= left && r[k] <= right) || !r[k].is_finite() {
                    continue;
                }
                // The sampled minimum can exceed the true one by at most v_rel·step/2.
                let vrel = match (&states[i][k], &states[j][k]) {
                    (Some(a), Some(b)) => norm(&sub(&b.velocity_km_s, &a.velocity_km_s)),
                    _ => continue,
                };
                if r[k] > threshold_km + vrel * step_s {
                    continue;
                }
                // Golden-section on the SGP4 range over [t_{k−1}, t_{k+1}].
                let f = |t: f64| -> f64 {
                    let e = start.plus_seconds(t);
                    match (props[i].propagate_at(&e), props[j].propagate_at(&e)) {
                        (Ok(a), Ok(b)) => norm(&sub(&b.position_km, &a.position_km)),
                        _ => f64::INFINITY,
                    }
                };
                let g = 0.5 * (5f64.sqrt() - 1.0);
                let (mut a, mut b) = (
                    ((k as f64) - 1.0).max(0.0) * step_s,
                    ((k + 1).min(steps - 1)) as f64 * step_s,
                );
                let mut c = b - g * (b - a);
                let mut dd = a + g * (b - a);
                let (mut fc, mut fd) = (f(c), f(dd));
                while b - a > 1e-4 {
                    if fc < fd {
                        b = dd;
                        dd = c;
                        fd = fc;
                        c = b - g * (b - a);
                        fc = f(c);
                    } else {
                        a = c;
                        c = dd;
                        fc = fd;
                        dd = a + g * (b - a);
                        fd = f(dd);
                    }
                }
                let t = 0.5 * (a + b);
                let e = start.plus_seconds(t);
                if let (Ok(s1), Ok(s2)) = (props[i].propagate_at(&e), props[j].propagate_at(&e)) {
                    let c = make_conjunction(&props[i], &props[j], start, t, s1, s2);
                    if c.miss_distance_km <= threshold_km {
                        found.push(c);
                    }
                }
            }
            found.into_iter()
        })
        .collect();
    let mut out = out;
    out.sort_by(|a, b| {
        (a.primary, a.secondary)
            .cmp(&(b.primary, b.secondary))
            .then(
                a.tca
                    .partial_cmp(&b.tca)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    out.dedup_by(|b, a| {
        a.primary == b.primary
            && a.secondary == b.secondary
            && b.tca.seconds_since(&a.tca).abs() < 1.0
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::synthetic_catalog;

    /// The knot spacing rule must keep the cubic Hermite interpolant within ε of SGP4 for every
    /// population of the synthetic catalogue (LEO, SSO, MEO, GEO, GTO, Molniya), checked at
    /// knot midpoints (where the remainder peaks) over one day.
    #[test]
    fn knot_spacing_keeps_interpolation_within_tolerance() {
        let start = Epoch::parse_iso8601("2025-01-01T00:00:00Z").unwrap();
        let opts = ScreeningOptions::default();
        let cat = synthetic_catalog(300, 11, start);
        let mut worst: f64 = 0.0;
        for e in &cat {
            let p = Propagator::new(e).unwrap();
            let info = object_info(e, 86_400.0, &opts);
            let hk = info.knot_spacing;
            let at = |t: f64| p.propagate_at(&start.plus_seconds(t)).unwrap();
            let mut k = 0.0;
            while k * hk < 86_400.0 {
                let (a, b) = (at(k * hk), at((k + 1.0) * hk));
                let s0 = [
                    a.position_km[0],
                    a.position_km[1],
                    a.position_km[2],
                    a.velocity_km_s[0],
                    a.velocity_km_s[1],
                    a.velocity_km_s[2],
                ];
                let s1 = [
                    b.position_km[0],
                    b.position_km[1],
                    b.position_km[2],
                    b.velocity_km_s[0],
                    b.velocity_km_s[1],
                    b.velocity_km_s[2],
                ];
                for u in [0.25, 0.5, 0.75] {
                    let (ip, _) = hermite(&s0, &s1, hk, u);
                    let truth = at((k + u) * hk);
                    worst = worst.max(norm(&sub(&ip, &truth.position_km)));
                }
                k += 1.0;
            }
        }
        println!(
            "worst Hermite interpolation error {worst:.4} km (tolerance {} km)",
            opts.interpolation_tolerance_km
        );
        assert!(worst <= opts.interpolation_tolerance_km, "{worst}");
    }

    #[test]
    fn ric_of_known_geometry() {
        // Primary on +x moving +y; secondary 1 km up, 2 km ahead, 3 km along +z (orbit normal).
        let p = StateVector {
            position_km: [7000.0, 0.0, 0.0],
            velocity_km_s: [0.0, 7.5, 0.0],
        };
        let s = StateVector {
            position_km: [7001.0, 2.0, 3.0],
            velocity_km_s: [0.0, 7.5, 0.0],
        };
        let ric = ric_components(&p, &s);
        assert!(
            (ric[0] - 1.0).abs() < 1e-12
                && (ric[1] - 2.0).abs() < 1e-12
                && (ric[2] - 3.0).abs() < 1e-12
        );
    }

    #[test]
    fn rejects_bad_options() {
        let start = Epoch::parse_iso8601("2025-01-01T00:00:00Z").unwrap();
        let cat = synthetic_catalog(3, 1, start);
        let bad = ScreeningOptions {
            threshold_km: -1.0,
            ..Default::default()
        };
        assert!(screen(&cat, &start, 3600.0, &bad, &|_, _| {}).is_err());
        assert!(
            screen(
                &cat,
                &start,
                f64::NAN,
                &ScreeningOptions::default(),
                &|_, _| {}
            )
            .is_err()
        );
    }
}
