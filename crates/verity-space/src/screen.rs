//! All-vs-all close-approach screening of a catalogue.
//!
//! Pipeline (Hoots, Crawford & Roehrich 1984, "An analytic method to determine future close
//! approaches between satellites", Celest. Mech. 33, for the filter idea; grid screening after
//! Budianto-Ho et al. 2014, AMOS, "Efficient all-vs-all collision risk analyses"):
//!
//! 1. **SGP4 knots.** Each object is propagated with SGP4 on its own knot spacing `H_i`, chosen
//!    so the cubic Hermite interpolant of positions+velocities stays within
//!    `interpolation_tolerance_km` of SGP4: the Hermite remainder is ≤ H⁴/384·max|r⁗| and
//!    |r⁗| ≈ μv²/r⁴ at perigee (exact for circular orbits; ×3 safety for eccentric ones).
//! 2. **Apogee/perigee filter** (Hoots 1984 filter 1): a pair whose radial bands
//!    [perigee − m, apogee + m] are further apart than the threshold never meets. The margin m
//!    covers SGP4 short-period terms and drag decay over the window.
//! 3. **Spatio-temporal grid** (replaces Hoots' orbit-path and time filters): at fine steps
//!    t_j = start + j·h every object's interpolated position gets a cubic cell of side
//!    `D + 2ε + δv + v_max·h` (δv: the Hermite velocity-error allowance); objects are radix-sorted
//!    by packed cell key and one sweep with monotone column pointers visits the forward
//!    half-neighbourhood (13 cells + own), with a vectorisable f32 distance pre-check. Each step is responsible for [t_j − h/2, t_j + h/2]; an object moves
//!    at most |v|·h/2 from its sampled position in that interval (chord ≤ arc), so any pair that
//!    comes within D in the interval is within D + 2ε + (v_i + v_j)·h/2 at t_j and therefore in
//!    the same or an adjacent cell. Nothing below the threshold can be missed; the cost per
//!    step is O(n + close pairs) instead of O(n²).
//! 4. **Linear-motion TCA** per pair within reach: τ = −Δr·Δv/|Δv|² clamped to the step's
//!    interval; keep if the miss ≤ D + 2ε + δv + the tidal-curvature bound 2.2μ/R⊕³·|Δr|·h²/8
//!    (relative acceleration of two nearby objects is at most the tidal gradient times their
//!    separation). Candidates of one pair within 2h are merged into one encounter.
//! 5. **SGP4 refinement**: Newton on Δr·Δv = 0 with SGP4 states (f′ = |Δv|² + Δr·Δa, two-body
//!    Δa), falling back to golden-section search on the SGP4 range; report miss distance,
//!    relative speed and radial/in-track/cross-track components in the primary's RIC frame.

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
    // Hermite remainder ≤ H⁴/384 · C·μv²/r⁴ ≤ ε (C = 3).
    let jerk4 = 3.0 * MU_WGS72 * vp * vp / rp.powi(4);
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

/// Cell coordinates are packed as three 16-bit fields (x major, z minor) so that translating a
/// cell preserves key order; coordinates are clamped to [2, 65533], which only merges far-out
/// cells (a superset of neighbours, never fewer).
#[inline]
fn cell_key(p: &[f64; 3], inv: f64) -> u64 {
    let c = |x: f64| -> u64 { ((x * inv).floor() + 32_768.0).clamp(2.0, 65_533.0) as u64 };
    (c(p[0]) << 32) | (c(p[1]) << 16) | c(p[2])
}

/// LSD radix sort of (key, object) by the low 48 bits of key, 4 passes of 12 bits.
fn radix_sort(items: &mut Vec<(u64, u32)>, tmp: &mut Vec<(u64, u32)>) {
    tmp.clear();
    tmp.resize(items.len(), (0, 0));
    let mut counts = [0usize; 4096];
    for pass in 0..4 {
        let shift = pass * 12;
        counts.iter_mut().for_each(|c| *c = 0);
        for it in items.iter() {
            counts[((it.0 >> shift) & 0xFFF) as usize] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let x = *c;
            *c = sum;
            sum += x;
        }
        for it in items.iter() {
            let b = ((it.0 >> shift) & 0xFFF) as usize;
            tmp[counts[b]] = *it;
            counts[b] += 1;
        }
        std::mem::swap(items, tmp);
    }
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
    // Knot groups: spacing H0·1.2^g, H0 = the smallest spacing any object needs; each object
    // joins the largest rung not above its own spacing (groups need no common time grid).
    let h0 = infos
        .iter()
        .map(|i| i.knot_spacing)
        .fold(f64::INFINITY, f64::min);
    let mut group_of = vec![0usize; n];
    let mut group_spacing: Vec<f64> = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        let g = (((info.knot_spacing / h0).ln() / 1.2f64.ln())
            .floor()
            .max(0.0) as usize)
            .min(24);
        group_of[i] = g;
    }
    let n_groups = group_of.iter().copied().max().unwrap_or(0) + 1;
    for g in 0..n_groups {
        group_spacing.push(h0 * 1.2f64.powi(g as i32));
    }
    let v_max = infos.iter().map(|i| i.max_speed).fold(0.0, f64::max);
    // Velocity error of the Hermite derivative ≤ 3.1 ε / H (from the remainder bound), acting
    // for up to h/2 on both objects; relative acceleration ≤ 2μ/R⊕³·|Δr| (tidal) with 10 % slack.
    let vel_margin = 2.0 * 3.1 * eps / h0 * 0.5 * h;
    let tidal = 1.1 * 2.0 * MU_WGS72 / 6378.0f64.powi(3);
    let cell = (d + 2.0 * eps + vel_margin + v_max * h).max(2.0);
    let inv_cell = 1.0 / cell;

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
        for g in groups.iter_mut() {
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
        }
        for (i, (_, _, fail)) in per_object.into_iter().enumerate() {
            if let Some(f) = fail {
                propagation_failures[i].get_or_insert(f);
            }
        }

        let results: Vec<(Vec<Candidate>, u64, u64)> = (j0..j1)
            .into_par_iter()
            .map_init(
                || {
                    (
                        vec![[0.0f64; 3]; n],
                        vec![[0.0f64; 3]; n],
                        Vec::<(u64, u32)>::with_capacity(n),
                        Vec::<(u64, u32)>::with_capacity(n),
                        Vec::<[f64; 4]>::with_capacity(n),
                        [Vec::<f32>::new(), Vec::new(), Vec::new(), Vec::new()],
                        Vec::<u32>::new(),
                    )
                },
                |(pos, vel, keyed, tmp, sorted, soa, hits), j| {
                    let t = j as f64 * h;
                    keyed.clear();
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
                            pos[i] = p;
                            vel[i] = v;
                            keyed.push((cell_key(&p, inv_cell), i as u32));
                        }
                    }
                    radix_sort(keyed, tmp);
                    let len = keyed.len();
                    // Positions and speed bounds in key order, so the column scans below read
                    // memory sequentially.
                    sorted.clear();
                    sorted.extend(keyed.iter().map(|&(_, i)| {
                        let p = pos[i as usize];
                        [p[0], p[1], p[2], infos[i as usize].max_speed]
                    }));
                    // f32 copies for the vectorisable distance pre-check (km-scale rounding of
                    // 0.004 km at GEO radius is covered by the 0.05 km slack added to reach).
                    for (c, arr) in soa.iter_mut().enumerate() {
                        arr.clear();
                        arr.extend(sorted.iter().map(|e| {
                            if c == 3 {
                                (e[3] * 0.5 * h) as f32
                            } else {
                                e[c] as f32
                            }
                        }));
                    }
                    hits.resize(len, 0);
                    // Forward half-neighbourhood: same column (z, z+1), then four columns
                    // (0,+1), (+1,−1), (+1,0), (+1,+1) over z−1..z+1. Translation preserves the
                    // key order, so each column's lower bound only moves forward: one sweep.
                    const COLS: [(i64, i64); 4] = [(0, 1), (1, -1), (1, 0), (1, 1)];
                    let mut ptr = [0usize; 4];
                    let mut found = Vec::new();
                    let (mut checks, mut rejects) = (0u64, 0u64);
                    let base = d + 2.0 * eps + vel_margin;
                    let half_h = 0.5 * h;
                    // Slow path, taken only for pairs within reach: apogee/perigee filter and
                    // linear-motion TCA over the step's interval.
                    let near = |ka: usize,
                                kb: usize,
                                reach: f64,
                                found: &mut Vec<Candidate>,
                                rejects: &mut u64| {
                        let (a, b) = (keyed[ka].1 as usize, keyed[kb].1 as usize);
                        if !radial_overlap(&infos[a], &infos[b], d) {
                            *rejects += 1;
                            return;
                        }
                        let (sa, sb) = (&sorted[ka], &sorted[kb]);
                        let dp = [sb[0] - sa[0], sb[1] - sa[1], sb[2] - sa[2]];
                        let dv = sub(&vel[b], &vel[a]);
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
                        let curvature = tidal * reach * 0.125 * h * h;
                        if miss <= base + curvature {
                            let (x, y) = if a < b { (a, b) } else { (b, a) };
                            found.push((x as u32, y as u32, t + tau, miss));
                        }
                    };
                    let keys: &[(u64, u32)] = keyed;
                    let (xs, ys, zs, ss) = (&soa[0], &soa[1], &soa[2], &soa[3]);
                    let mut ptr_hi = [0usize; 5];
                    for k in 0..len {
                        let key = keys[k].0;
                        let (cx, cy, cz) = (
                            (key >> 32) as i64,
                            ((key >> 16) & 0xFFFF) as i64,
                            (key & 0xFFFF) as i64,
                        );
                        let pack = |x: i64, y: i64, z: i64| {
                            ((x as u64) << 32) | ((y as u64) << 16) | (z as u64)
                        };
                        // Same column, cells z and z+1, objects after k; then the four forward
                        // columns over z−1..z+1. Both bounds of every range move forward only.
                        let mut ranges = [(0usize, 0usize); 5];
                        let hi0 = pack(cx, cy, cz + 2);
                        ptr_hi[0] = ptr_hi[0].max(k + 1);
                        while ptr_hi[0] < len && keys[ptr_hi[0]].0 < hi0 {
                            ptr_hi[0] += 1;
                        }
                        ranges[0] = (k + 1, ptr_hi[0]);
                        for (c, &(dx, dy)) in COLS.iter().enumerate() {
                            let lo = pack(cx + dx, cy + dy, cz - 1);
                            let hi = pack(cx + dx, cy + dy, cz + 2);
                            while ptr[c] < len && keys[ptr[c]].0 < lo {
                                ptr[c] += 1;
                            }
                            ptr_hi[c + 1] = ptr_hi[c + 1].max(ptr[c]);
                            while ptr_hi[c + 1] < len && keys[ptr_hi[c + 1]].0 < hi {
                                ptr_hi[c + 1] += 1;
                            }
                            ranges[c + 1] = (ptr[c], ptr_hi[c + 1]);
                        }
                        let (xa, ya, za) = (xs[k], ys[k], zs[k]);
                        let ra = (base + 0.05) as f32 + ss[k];
                        for &(from, to) in ranges.iter() {
                            if from >= to {
                                continue;
                            }
                            checks += (to - from) as u64;
                            // Blocks of 8 lanes reduced to a bit mask (SIMD-friendly), then the few
                            // set bits are collected.
                            let mut cnt = 0usize;
                            let (bx, by, bz, bs) =
                                (&xs[from..to], &ys[from..to], &zs[from..to], &ss[from..to]);
                            let out = &mut hits[..to - from];
                            let m = bx.len();
                            let mut q0 = 0;
                            while q0 + 8 <= m {
                                let mut mask = 0u32;
                                for l in 0..8 {
                                    let q = q0 + l;
                                    let (dx, dy, dz) = (bx[q] - xa, by[q] - ya, bz[q] - za);
                                    let r = ra + bs[q];
                                    mask |= ((dx * dx + dy * dy + dz * dz <= r * r) as u32) << l;
                                }
                                while mask != 0 {
                                    let l = mask.trailing_zeros() as usize;
                                    out[cnt] = (q0 + l) as u32;
                                    cnt += 1;
                                    mask &= mask - 1;
                                }
                                q0 += 8;
                            }
                            for q in q0..m {
                                let (dx, dy, dz) = (bx[q] - xa, by[q] - ya, bz[q] - za);
                                let r = ra + bs[q];
                                out[cnt] = q as u32;
                                cnt += (dx * dx + dy * dy + dz * dz <= r * r) as usize;
                            }
                            for &q in &out[..cnt] {
                                let q = from + q as usize;
                                let reach = base + (sorted[k][3] + sorted[q][3]) * half_h;
                                near(k, q, reach, &mut found, &mut rejects);
                            }
                        }
                    }
                    let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if k.is_multiple_of(64) {
                        progress(k, total_steps as u64);
                    }
                    (found, checks, rejects)
                },
            )
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
    candidates.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
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
    conjunctions.sort_by(|a, b| {
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
