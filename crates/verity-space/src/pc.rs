//! Two-dimensional collision probability (Foster & Estes 1992, NASA JSC-25898; Alfano 2005,
//! "A numerical implementation of spherical object collision probability", J. Astronaut. Sci.
//! 53(1); Chan 2008 ch. 4), the method CARA labels FOSTER-1992.
//!
//! Assumptions (short-term encounter): rectilinear relative motion during the encounter,
//! position errors Gaussian and uncorrelated between the objects, velocity uncertainty ignored.
//! Steps: rotate each RTN position covariance to the inertial frame, add them, project onto the
//! encounter plane (normal to the relative velocity), and integrate the 2-D Gaussian over the
//! disk of the combined hard-body radius centred on the miss vector. The disk integral is
//! reduced to one dimension in the covariance's principal axes, the inner integral in closed
//! form with erf, the outer one by Gauss–Legendre quadrature in θ with ξ = R sin θ (which removes
//! the square-root end singularity).

use serde::{Deserialize, Serialize};

use crate::cdm::Cdm;
use crate::error::{Result, SpaceError};

type V3 = [f64; 3];
type M3 = [[f64; 3]; 3];

fn sub(a: &V3, b: &V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot(a: &V3, b: &V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn cross(a: &V3, b: &V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
fn unit(a: &V3) -> Option<V3> {
    let n = dot(a, a).sqrt();
    (n > 0.0 && n.is_finite()).then(|| [a[0] / n, a[1] / n, a[2] / n])
}

/// Rotates an RTN position covariance (3×3) to the inertial frame of `r`, `v`.
pub fn rtn_to_inertial(cov_rtn: &M3, r: &V3, v: &V3) -> Option<M3> {
    let rh = unit(r)?;
    let nh = unit(&cross(r, v))?;
    let th = cross(&nh, &rh);
    // Columns of the rotation are R̂, T̂, N̂: C_I = M C_RTN Mᵀ.
    let m = [
        [rh[0], th[0], nh[0]],
        [rh[1], th[1], nh[1]],
        [rh[2], th[2], nh[2]],
    ];
    let mut out = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let mut s = 0.0;
            for a in 0..3 {
                for b in 0..3 {
                    s += m[i][a] * cov_rtn[a][b] * m[j][b];
                }
            }
            out[i][j] = s;
        }
    }
    Some(out)
}

/// Encounter-plane quantities and the resulting probability.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EncounterPc {
    /// Collision probability.
    pub pc: f64,
    /// Miss distance (m) and relative speed (m/s).
    pub miss_distance_m: f64,
    pub relative_speed_m_s: f64,
    /// Combined covariance projected on the encounter plane (m²): [σx², σxz, σz²] with x along
    /// the miss vector.
    pub plane_covariance_m2: [f64; 3],
    pub hard_body_radius_m: f64,
}

/// 2-D Pc from positions (m), velocities (m/s) and inertial position covariances (m²).
pub fn pc_2d(
    r1: &V3,
    v1: &V3,
    c1: &M3,
    r2: &V3,
    v2: &V3,
    c2: &M3,
    hbr_m: f64,
) -> Result<EncounterPc> {
    if !(hbr_m > 0.0 && hbr_m.is_finite()) {
        return Err(SpaceError::Invalid(format!(
            "hard-body radius {hbr_m} m must be positive"
        )));
    }
    let r = sub(r2, r1);
    let v = sub(v2, v1);
    let vh = unit(&v).ok_or_else(|| {
        SpaceError::Invalid("relative velocity is zero: 2-D Pc needs a short-term encounter".into())
    })?;
    let miss = dot(&r, &r).sqrt();
    // x̂ along the miss vector's component normal to v, ẑ completes the plane.
    let r_perp = sub(
        &r,
        &[
            vh[0] * dot(&r, &vh),
            vh[1] * dot(&r, &vh),
            vh[2] * dot(&r, &vh),
        ],
    );
    let xh = match unit(&r_perp) {
        Some(x) => x,
        None => {
            // Zero miss: any direction normal to v.
            let trial = if vh[0].abs() < 0.9 {
                [1.0, 0.0, 0.0]
            } else {
                [0.0, 1.0, 0.0]
            };
            unit(&cross(&vh, &trial))
                .ok_or_else(|| SpaceError::Invalid("degenerate geometry".into()))?
        }
    };
    let zh = cross(&vh, &xh);
    let mut c = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            c[i][j] = c1[i][j] + c2[i][j];
        }
    }
    let proj = |a: &V3, b: &V3| -> f64 {
        let mut s = 0.0;
        for i in 0..3 {
            for j in 0..3 {
                s += a[i] * c[i][j] * b[j];
            }
        }
        s
    };
    let (sxx, sxz, szz) = (proj(&xh, &xh), proj(&xh, &zh), proj(&zh, &zh));
    let xm = dot(&r_perp, &r_perp).sqrt();
    let pc = disk_probability(xm, 0.0, sxx, sxz, szz, hbr_m)?;
    Ok(EncounterPc {
        pc,
        miss_distance_m: miss,
        relative_speed_m_s: dot(&v, &v).sqrt(),
        plane_covariance_m2: [sxx, sxz, szz],
        hard_body_radius_m: hbr_m,
    })
}

/// Probability that a 2-D Gaussian N(0, [[sxx, sxz], [sxz, szz]]) falls in the disk of radius
/// `radius` centred at (x0, z0).
pub fn disk_probability(
    x0: f64,
    z0: f64,
    sxx: f64,
    sxz: f64,
    szz: f64,
    radius: f64,
) -> Result<f64> {
    let det = sxx * szz - sxz * sxz;
    if !(sxx > 0.0 && szz > 0.0 && det > 0.0) || !det.is_finite() {
        return Err(SpaceError::Invalid(format!(
            "encounter-plane covariance is not positive definite ({sxx}, {sxz}, {szz})"
        )));
    }
    // Principal axes: rotate by φ so the covariance is diagonal (the disk stays a disk).
    let phi = 0.5 * (2.0 * sxz).atan2(sxx - szz);
    let (s, c) = phi.sin_cos();
    let l1 = sxx * c * c + 2.0 * sxz * s * c + szz * s * s;
    let l2 = sxx * s * s - 2.0 * sxz * s * c + szz * c * c;
    if !(l1 > 0.0 && l2 > 0.0) {
        return Err(SpaceError::Invalid(
            "encounter-plane covariance is not positive definite".into(),
        ));
    }
    let (sa, sb) = (l1.sqrt(), l2.sqrt());
    let a0 = c * x0 + s * z0;
    let b0 = -s * x0 + c * z0;
    // P = ∫_{-R}^{R} φ((a0+ξ)/σa)/σa · ½[erf((b0+w)/(√2σb)) − erf((b0−w)/(√2σb))] dξ, w = √(R²−ξ²),
    // with ξ = R sin θ. Gauss–Legendre on 64 nodes per panel, 16 panels.
    let inv_sqrt2 = std::f64::consts::FRAC_1_SQRT_2;
    let f = |theta: f64| -> f64 {
        let (st, ct) = theta.sin_cos();
        let xi = radius * st;
        let w = radius * ct;
        let u = (a0 + xi) / sa;
        let gauss = (-0.5 * u * u).exp() / (sa * (2.0 * std::f64::consts::PI).sqrt());
        let inner = 0.5 * erf_diff((b0 - w) * inv_sqrt2 / sb, (b0 + w) * inv_sqrt2 / sb);
        gauss * inner * radius * ct
    };
    let (nodes, weights) = gauss_legendre_64();
    let panels = 16;
    let (lo, hi) = (-std::f64::consts::FRAC_PI_2, std::f64::consts::FRAC_PI_2);
    let width = (hi - lo) / panels as f64;
    let mut total = 0.0;
    for p in 0..panels {
        let mid = lo + (p as f64 + 0.5) * width;
        for (x, w) in nodes.iter().zip(weights.iter()) {
            total += w * f(mid + 0.5 * width * x);
        }
    }
    Ok((total * 0.5 * width).clamp(0.0, 1.0))
}

/// erf(b) − erf(a) for a ≤ b without cancellation in the tails (via erfc), so that
/// probabilities down to 1e-300 keep their relative precision.
fn erf_diff(a: f64, b: f64) -> f64 {
    if a >= 0.0 {
        libm::erfc(a) - libm::erfc(b)
    } else if b <= 0.0 {
        libm::erfc(-b) - libm::erfc(-a)
    } else {
        libm::erf(b) - libm::erf(a)
    }
}

/// Gauss–Legendre nodes and weights on [−1, 1] (64 points), computed by Newton iteration on
/// Legendre polynomials (Press et al., Numerical Recipes §4.6).
fn gauss_legendre_64() -> ([f64; 64], [f64; 64]) {
    const N: usize = 64;
    let mut x = [0.0; N];
    let mut w = [0.0; N];
    for i in 0..N / 2 {
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
        let mut pp = 0.0;
        for _ in 0..100 {
            let (mut p1, mut p2) = (1.0, 0.0);
            for j in 0..N {
                let p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j as f64 + 1.0) * z * p2 - j as f64 * p3) / (j as f64 + 1.0);
            }
            pp = N as f64 * (z * p1 - p2) / (z * z - 1.0);
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() < 1e-15 {
                break;
            }
        }
        x[i] = -z;
        x[N - 1 - i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * pp * pp);
        w[N - 1 - i] = w[i];
    }
    (x, w)
}

/// Foster 2-D Pc for a CDM: states and RTN covariances of both objects, combined hard-body
/// radius from the CDM's HBR comment unless `hbr_m` is given.
pub fn pc_from_cdm(cdm: &Cdm, hbr_m: Option<f64>) -> Result<EncounterPc> {
    let hbr = hbr_m.or(cdm.hard_body_radius_m).ok_or_else(|| {
        SpaceError::Invalid(
            "no hard-body radius: the CDM has no HBR comment and none was given".into(),
        )
    })?;
    let mut pos = Vec::new();
    for o in &cdm.objects {
        let r = [
            o.position_km[0] * 1e3,
            o.position_km[1] * 1e3,
            o.position_km[2] * 1e3,
        ];
        let v = [
            o.velocity_km_s[0] * 1e3,
            o.velocity_km_s[1] * 1e3,
            o.velocity_km_s[2] * 1e3,
        ];
        let c = &o.covariance_rtn;
        let rtn = [
            [c[0][0], c[0][1], c[0][2]],
            [c[1][0], c[1][1], c[1][2]],
            [c[2][0], c[2][1], c[2][2]],
        ];
        let ci = rtn_to_inertial(&rtn, &r, &v)
            .ok_or_else(|| SpaceError::Invalid(format!("{}: degenerate state", o.object)))?;
        pos.push((r, v, ci));
    }
    pc_2d(
        &pos[0].0, &pos[0].1, &pos[0].2, &pos[1].0, &pos[1].1, &pos[1].2, hbr,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Circular covariance, miss at the centre: P = 1 − exp(−R²/(2σ²)) exactly.
    #[test]
    fn isotropic_centred_closed_form() {
        for (sigma, r) in [(100.0, 10.0), (10.0, 20.0), (5.0, 1.0)] {
            let p = disk_probability(0.0, 0.0, sigma * sigma, 0.0, sigma * sigma, r).unwrap();
            let exact = 1.0 - (-(r * r) / (2.0 * sigma * sigma)).exp();
            assert!(
                (p - exact).abs() <= 1e-12 * exact.max(1e-300) + 1e-15,
                "{p} vs {exact}"
            );
        }
    }

    /// Small disk far from a correlated covariance: P ≈ πR²·pdf(x0, z0) (Chan 2008 Eq. 4.14,
    /// first term) to relative 1e-4 when R ≪ σ.
    #[test]
    fn small_disk_limit_correlated() {
        let (sxx, sxz, szz) = (400.0_f64, 150.0_f64, 900.0_f64);
        let (x0, z0, r) = (30.0_f64, -20.0_f64, 0.05_f64);
        let det = sxx * szz - sxz * sxz;
        let q = (szz * x0 * x0 - 2.0 * sxz * x0 * z0 + sxx * z0 * z0) / det;
        let pdf = (-0.5 * q).exp() / (2.0 * std::f64::consts::PI * det.sqrt());
        let approx = std::f64::consts::PI * r * r * pdf;
        let p = disk_probability(x0, z0, sxx, sxz, szz, r).unwrap();
        assert!((p / approx - 1.0).abs() < 1e-4, "{p} vs {approx}");
    }

    #[test]
    fn rejects_bad_covariance() {
        assert!(disk_probability(0.0, 0.0, 1.0, 2.0, 1.0, 1.0).is_err());
        assert!(disk_probability(0.0, 0.0, -1.0, 0.0, 1.0, 1.0).is_err());
    }
}
