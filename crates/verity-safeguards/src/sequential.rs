//! Near-real-time accountancy: sequences of balances, the independence transformation of the
//! MUF sequence, Page's CUSUM test, and its run lengths.
//!
//! # Independence transformation (Avenhaus & Canty 1996, §4.2; Seifert 1986; Avenhaus 1986
//! "Safeguards Systems Analysis", ch. 4)
//! Consecutive MUFs are correlated (an inventory enters one balance with + and the next with −;
//! persistent systematic errors correlate all of them). The *independence-transformed MUF* is the
//! innovation ITMUF_k = MUF_k − E[MUF_k | MUF_1..MUF_{k−1}] under the null hypothesis, with
//! variance σ_k². With the Cholesky factorisation Σ = L·Lᵀ of the MUF covariance, the
//! standardised innovations are z = L⁻¹·MUF (forward substitution; this is Gram–Schmidt on the
//! sequence), ITMUF_k = L_kk·z_k and σ_k = L_kk. Under the null hypothesis z is i.i.d. N(0, 1).
//!
//! # Page's test (Page 1954, Biometrika 41; Avenhaus & Canty 1996 §4.3)
//! S_0 = 0, S_k = max(0, S_{k−1} + x_k − k_ref); alarm at the first k with S_k > h. Applied to the
//! raw MUF sequence (k_ref, h in kg) or to the standardised ITMUF sequence (k_ref, h in σ units;
//! k_ref = δ/2 is optimal against a shift δ).
//!
//! # Run lengths
//! By Monte Carlo with a caller-supplied generator (reproducible with a seeded `ChaCha8Rng`), and,
//! for i.i.d. normal input, by the integral equation of the one-sided CUSUM (Goel & Wu 1971;
//! Vance 1986) solved by Gauss–Legendre Nyström discretisation:
//! L(u) = 1 + L(0)·Φ(k − u − δ) + ∫₀ʰ L(y) φ(y − u + k − δ) dy.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::error::{Result, SafeguardsError};
use crate::normal;

/// Lower-triangular Cholesky factor L of a covariance matrix Σ = L·Lᵀ.
#[derive(Debug, Clone, PartialEq)]
pub struct Cholesky {
    n: usize,
    /// Row-major n×n, upper triangle zero.
    l: Vec<f64>,
}

impl Cholesky {
    /// Factorise a symmetric positive-definite matrix given as rows.
    pub fn new(cov: &[Vec<f64>]) -> Result<Self> {
        let n = cov.len();
        for (i, row) in cov.iter().enumerate() {
            if row.len() != n {
                return Err(SafeguardsError::parameter(
                    "covariance",
                    format!(
                        "row {} has {} entries, expected {n} (square matrix)",
                        i + 1,
                        row.len()
                    ),
                ));
            }
            if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                return Err(SafeguardsError::parameter(
                    "covariance",
                    format!("entry ({}, {}) is not finite", i + 1, j + 1),
                ));
            }
        }
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut sum = cov[i][j];
                for p in 0..j {
                    sum -= l[i * n + p] * l[j * n + p];
                }
                if i == j {
                    // Relative tolerance: a pivot lost to rounding is as singular as a zero one.
                    // NaN-safe: anything not clearly positive is rejected.
                    if sum.partial_cmp(&(1e-13 * cov[i][i].abs()))
                        != Some(std::cmp::Ordering::Greater)
                        || sum <= 0.0
                    {
                        return Err(SafeguardsError::NotPositiveDefinite {
                            period: i + 1,
                            pivot: sum,
                        });
                    }
                    l[i * n + i] = sum.sqrt();
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        Ok(Cholesky { n, l })
    }

    /// Dimension.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the matrix is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// L_ij (0-based).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.l[i * self.n + j]
    }

    /// z = L⁻¹·x (forward substitution), written into `out`; `x` and `out` have length n.
    pub fn whiten_into(&self, x: &[f64], out: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let row = &self.l[i * n..i * n + i];
            let mut s = x[i];
            for (lij, zj) in row.iter().zip(out[..i].iter()) {
                s -= lij * zj;
            }
            out[i] = s / self.l[i * n + i];
        }
    }

    /// x = L·z written into `out`.
    pub fn color_into(&self, z: &[f64], out: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let row = &self.l[i * n..=i * n + i];
            out[i] = row.iter().zip(z[..=i].iter()).map(|(a, b)| a * b).sum();
        }
    }
}

/// The independence-transformed MUF sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndependenceTransform {
    /// ITMUF_k = MUF_k − E[MUF_k | MUF_1..k−1], kg.
    pub itmuf_kg: Vec<f64>,
    /// Standard deviation of ITMUF_k, kg.
    pub sigma_kg: Vec<f64>,
    /// ITMUF_k / σ_k: i.i.d. N(0,1) under the null hypothesis.
    pub standardized: Vec<f64>,
}

/// Independence-transform a MUF sequence with covariance `cov` (kg²).
pub fn independence_transform(muf_kg: &[f64], cov: &[Vec<f64>]) -> Result<IndependenceTransform> {
    if muf_kg.len() != cov.len() {
        return Err(SafeguardsError::parameter(
            "covariance",
            format!(
                "{} MUF values but a {}×{} covariance",
                muf_kg.len(),
                cov.len(),
                cov.len()
            ),
        ));
    }
    let chol = Cholesky::new(cov)?;
    let mut z = vec![0.0; muf_kg.len()];
    chol.whiten_into(muf_kg, &mut z);
    let sigma: Vec<f64> = (0..z.len()).map(|i| chol.get(i, i)).collect();
    Ok(IndependenceTransform {
        itmuf_kg: z.iter().zip(&sigma).map(|(a, b)| a * b).collect(),
        sigma_kg: sigma,
        standardized: z,
    })
}

/// Parameters of Page's test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageParameters {
    /// Reference value k subtracted at every step.
    pub k: f64,
    /// Decision limit h (> 0).
    pub h: f64,
}

impl PageParameters {
    /// Validate k finite and h positive and finite.
    pub fn new(k: f64, h: f64) -> Result<Self> {
        if !k.is_finite() {
            return Err(SafeguardsError::parameter(
                "k",
                format!("{k} is not finite"),
            ));
        }
        if !(h.is_finite() && h > 0.0) {
            return Err(SafeguardsError::parameter(
                "h",
                format!("decision limit {h} must be positive"),
            ));
        }
        Ok(PageParameters { k, h })
    }

    /// One CUSUM step.
    #[inline]
    pub fn step(&self, s: f64, x: f64) -> f64 {
        (s + x - self.k).max(0.0)
    }
}

/// Page's statistic over a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CusumResult {
    /// Parameters used.
    pub parameters: PageParameters,
    /// S_1..S_n.
    pub statistic: Vec<f64>,
    /// 1-based periods where S_k > h.
    pub alarms: Vec<usize>,
    /// First alarm (the run length), if any.
    pub first_alarm: Option<usize>,
}

/// Run Page's test over `x` (the statistic is not reset after an alarm, so the whole path shows).
pub fn page_cusum(x: &[f64], params: PageParameters) -> Result<CusumResult> {
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(SafeguardsError::parameter(
            "sequence",
            format!("value {} is not finite", i + 1),
        ));
    }
    let mut s = 0.0;
    let mut statistic = Vec::with_capacity(x.len());
    let mut alarms = Vec::new();
    for (i, &xi) in x.iter().enumerate() {
        s = params.step(s, xi);
        statistic.push(s);
        if s > params.h {
            alarms.push(i + 1);
        }
    }
    Ok(CusumResult {
        parameters: params,
        first_alarm: alarms.first().copied(),
        statistic,
        alarms,
    })
}

/// Which sequence Page's test is applied to in a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestedSequence {
    /// The MUF sequence itself (k, h in kg).
    Muf,
    /// The standardised independence-transformed MUF (k, h in σ units).
    StandardizedItmuf,
}

/// Run-length distribution of Page's test on simulated MUF sequences over a finite horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonSummary {
    /// Simulated sequences.
    pub runs: u64,
    /// Sequences with an alarm within the horizon.
    pub alarms: u64,
    /// alarms / runs: the false-alarm probability (no diversion) or detection probability.
    pub alarm_probability: f64,
    /// Binomial standard error of `alarm_probability`.
    pub alarm_probability_se: f64,
    /// Mean first-alarm period among sequences that alarmed.
    pub mean_run_length_given_alarm: Option<f64>,
    /// Counts of first alarms per period (index 0 = period 1).
    pub first_alarm_counts: Vec<u64>,
}

/// Simulate `runs` MUF sequences MUF ~ N(diversion, Σ) and apply Page's test to `tested`.
///
/// `diversion_kg[k]` is the mean loss in period k (e.g. one SQ spread over the periods for a
/// protracted diversion, or concentrated in one period for an abrupt one).
pub fn simulate_horizon<R: Rng + ?Sized>(
    cov: &[Vec<f64>],
    diversion_kg: &[f64],
    params: PageParameters,
    tested: TestedSequence,
    runs: u64,
    rng: &mut R,
) -> Result<HorizonSummary> {
    let n = cov.len();
    if diversion_kg.len() != n {
        return Err(SafeguardsError::parameter(
            "diversion_kg",
            format!("{} values for {n} balance periods", diversion_kg.len()),
        ));
    }
    if runs == 0 {
        return Err(SafeguardsError::parameter("runs", "must be at least 1"));
    }
    let chol = Cholesky::new(cov)?;
    let mut z = vec![0.0; n];
    let mut muf = vec![0.0; n];
    let mut w = vec![0.0; n];
    let mut counts = vec![0u64; n];
    let mut alarms = 0u64;
    let mut sum_rl = 0u64;
    for _ in 0..runs {
        for zi in z.iter_mut() {
            *zi = rng.sample(StandardNormal);
        }
        chol.color_into(&z, &mut muf);
        for (m, d) in muf.iter_mut().zip(diversion_kg) {
            *m += d;
        }
        let seq: &[f64] = match tested {
            TestedSequence::Muf => &muf,
            TestedSequence::StandardizedItmuf => {
                chol.whiten_into(&muf, &mut w);
                &w
            }
        };
        let mut s = 0.0;
        for (i, &x) in seq.iter().enumerate() {
            s = params.step(s, x);
            if s > params.h {
                alarms += 1;
                counts[i] += 1;
                sum_rl += i as u64 + 1;
                break;
            }
        }
    }
    let p = alarms as f64 / runs as f64;
    Ok(HorizonSummary {
        runs,
        alarms,
        alarm_probability: p,
        alarm_probability_se: (p * (1.0 - p) / runs as f64).sqrt(),
        mean_run_length_given_alarm: (alarms > 0).then(|| sum_rl as f64 / alarms as f64),
        first_alarm_counts: counts,
    })
}

/// Monte Carlo estimate of the average run length of Page's test on i.i.d. N(shift, 1) input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArlEstimate {
    /// Parameters.
    pub parameters: PageParameters,
    /// Mean shift δ in σ units.
    pub shift: f64,
    /// Simulated runs.
    pub runs: u64,
    /// Mean run length (censored runs count as `max_len`).
    pub mean: f64,
    /// Standard error of the mean.
    pub standard_error: f64,
    /// Runs that reached `max_len` without an alarm (then `mean` is biased low).
    pub censored: u64,
    /// Censoring length.
    pub max_len: u64,
}

/// Simulate the ARL of Page's test on i.i.d. N(shift, 1) observations.
pub fn simulate_arl<R: Rng + ?Sized>(
    params: PageParameters,
    shift: f64,
    runs: u64,
    max_len: u64,
    rng: &mut R,
) -> Result<ArlEstimate> {
    if !shift.is_finite() {
        return Err(SafeguardsError::parameter(
            "shift",
            format!("{shift} is not finite"),
        ));
    }
    if runs < 2 {
        return Err(SafeguardsError::parameter(
            "runs",
            "need at least 2 runs for a standard error",
        ));
    }
    if max_len == 0 {
        return Err(SafeguardsError::parameter("max_len", "must be at least 1"));
    }
    let mut sum = 0.0;
    let mut sum_sq = 0.0;
    let mut censored = 0;
    for _ in 0..runs {
        let mut s = 0.0;
        let mut len = max_len;
        for t in 1..=max_len {
            let x: f64 = rng.sample(StandardNormal);
            s = params.step(s, x + shift);
            if s > params.h {
                len = t;
                break;
            }
        }
        if len == max_len && s <= params.h {
            censored += 1;
        }
        let l = len as f64;
        sum += l;
        sum_sq += l * l;
    }
    let r = runs as f64;
    let mean = sum / r;
    let var = ((sum_sq - r * mean * mean) / (r - 1.0)).max(0.0);
    Ok(ArlEstimate {
        parameters: params,
        shift,
        runs,
        mean,
        standard_error: (var / r).sqrt(),
        censored,
        max_len,
    })
}

/// Gauss–Legendre nodes and weights on [a, b] (Newton iteration on P_n; Golub–Welsch-free).
fn gauss_legendre(n: usize, a: f64, b: f64) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let half = (b - a) / 2.0;
    let mid = (b + a) / 2.0;
    for i in 0..n.div_ceil(2) {
        // Initial guess (Tricomi): cos(π(i + 3/4)/(n + 1/2)).
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let mut p0 = 1.0;
            let mut p1 = 0.0;
            for j in 0..n {
                let p2 = p1;
                p1 = p0;
                p0 = ((2 * j + 1) as f64 * z * p1 - j as f64 * p2) / (j + 1) as f64;
            }
            dp = n as f64 * (z * p0 - p1) / (z * z - 1.0);
            let dz = p0 / dp;
            z -= dz;
            if dz.abs() < 1e-15 {
                break;
            }
        }
        x[i] = mid - half * z;
        x[n - 1 - i] = mid + half * z;
        w[i] = 2.0 * half / ((1.0 - z * z) * dp * dp);
        w[n - 1 - i] = w[i];
    }
    (x, w)
}

/// Solve A·x = b in place by Gaussian elimination with partial pivoting (A row-major m×m).
fn solve_linear(a: &mut [f64], b: &mut [f64], m: usize) -> Result<()> {
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))
            .unwrap_or(col);
        if a[pivot * m + col].abs() < 1e-300 {
            return Err(SafeguardsError::parameter(
                "h",
                "integral equation is singular for these parameters",
            ));
        }
        if pivot != col {
            for c in 0..m {
                a.swap(col * m + c, pivot * m + c);
            }
            b.swap(col, pivot);
        }
        for r in col + 1..m {
            let f = a[r * m + col] / a[col * m + col];
            if f == 0.0 {
                continue;
            }
            for c in col..m {
                a[r * m + c] -= f * a[col * m + c];
            }
            b[r] -= f * b[col];
        }
    }
    for r in (0..m).rev() {
        let mut s = b[r];
        for c in r + 1..m {
            s -= a[r * m + c] * b[c];
        }
        b[r] = s / a[r * m + r];
    }
    Ok(())
}

/// Average run length of the one-sided Page test started at S_0 = 0 on i.i.d. N(shift, 1) input,
/// from the integral equation (Nyström method with `nodes` Gauss–Legendre points; 64 gives
/// about five significant digits for h ≤ 10).
pub fn arl_integral_equation(params: PageParameters, shift: f64, nodes: usize) -> Result<f64> {
    if !shift.is_finite() {
        return Err(SafeguardsError::parameter(
            "shift",
            format!("{shift} is not finite"),
        ));
    }
    if !(4..=1000).contains(&nodes) {
        return Err(SafeguardsError::parameter(
            "nodes",
            format!("{nodes} is outside 4..=1000"),
        ));
    }
    let (k, h) = (params.k, params.h);
    let (y, w) = gauss_legendre(nodes, 0.0, h);
    // Unknowns: L(0) then L(y_1..y_N). Equation at u: L(u) − L(0)Φ(k−u−δ) − Σ w_j L(y_j) φ(y_j−u+k−δ) = 1.
    let m = nodes + 1;
    let mut a = vec![0.0; m * m];
    let mut b = vec![1.0; m];
    let points: Vec<f64> = std::iter::once(0.0).chain(y.iter().copied()).collect();
    for (r, &u) in points.iter().enumerate() {
        a[r * m + r] += 1.0;
        a[r * m] -= normal::cdf(k - u - shift);
        for j in 0..nodes {
            a[r * m + j + 1] -= w[j] * normal::pdf(y[j] - u + k - shift);
        }
    }
    solve_linear(&mut a, &mut b, m)?;
    Ok(b[0])
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        let (x, w) = gauss_legendre(10, 0.0, 2.0);
        // ∫₀² t^p dt = 2^{p+1}/(p+1), exact for p ≤ 19.
        for p in 0..19 {
            let got: f64 = x.iter().zip(&w).map(|(t, wt)| wt * t.powi(p)).sum();
            let want = 2f64.powi(p + 1) / (p + 1) as f64;
            assert!((got - want).abs() < 1e-12 * want, "p={p}: {got} vs {want}");
        }
    }

    #[test]
    fn cholesky_round_trip() {
        let cov = vec![
            vec![4.0, -1.0, 0.5],
            vec![-1.0, 3.0, -0.8],
            vec![0.5, -0.8, 2.0],
        ];
        let c = Cholesky::new(&cov).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|p| c.get(i, p) * c.get(j, p)).sum();
                assert!((s - cov[i][j]).abs() < 1e-14);
            }
        }
        let x = [1.0, -2.0, 0.3];
        let mut z = [0.0; 3];
        let mut back = [0.0; 3];
        c.whiten_into(&x, &mut z);
        c.color_into(&z, &mut back);
        for i in 0..3 {
            assert!((back[i] - x[i]).abs() < 1e-14);
        }
        assert!(matches!(
            Cholesky::new(&[vec![1.0, 1.0], vec![1.0, 1.0]]),
            Err(SafeguardsError::NotPositiveDefinite { period: 2, .. })
        ));
        assert!(Cholesky::new(&[vec![1.0, 0.0]]).is_err());
    }

    /// ITMUF by hand for two periods: Σ = [[a, c], [c, b]]: ITMUF_1 = MUF_1, σ_1² = a;
    /// ITMUF_2 = MUF_2 − (c/a)·MUF_1, σ_2² = b − c²/a (conditional normal; Avenhaus & Canty §4.2).
    #[test]
    fn itmuf_two_periods_by_hand() {
        let (a, b, c) = (4.0, 9.0, -2.0);
        let t = independence_transform(&[3.0, 5.0], &[vec![a, c], vec![c, b]]).unwrap();
        assert!((t.itmuf_kg[0] - 3.0).abs() < 1e-14);
        assert!((t.sigma_kg[0] - 2.0).abs() < 1e-14);
        assert!((t.itmuf_kg[1] - (5.0 - (c / a) * 3.0)).abs() < 1e-14);
        assert!((t.sigma_kg[1] - (b - c * c / a).sqrt()).abs() < 1e-14);
        assert!((t.standardized[1] - 6.5 / 8.0f64.sqrt()).abs() < 1e-14);
    }

    /// S_k by hand: k = 1, h = 3 on (2, 2, 0, 3, 1): 1, 2, 1, 3, 3 → no alarm (S > h is strict);
    /// then a 2.5 gives 4.5 > 3 at period 6.
    #[test]
    fn page_by_hand() {
        let p = PageParameters::new(1.0, 3.0).unwrap();
        let r = page_cusum(&[2.0, 2.0, 0.0, 3.0, 1.0, 2.5], p).unwrap();
        assert_eq!(r.statistic, vec![1.0, 2.0, 1.0, 3.0, 3.0, 4.5]);
        assert_eq!(r.first_alarm, Some(6));
        assert!(PageParameters::new(0.5, 0.0).is_err());
        assert!(page_cusum(&[f64::NAN], p).is_err());
    }

    /// One-sided CUSUM ARLs for k = 0.5 from the literature: h = 4: ARL(0) ≈ 336, ARL(1) ≈ 8.38;
    /// h = 5: ARL(0) ≈ 930, ARL(1) ≈ 10.4 (Hawkins & Olwell 1998, "Cumulative Sum Charts and
    /// Charting for Quality Improvement", Table 3.x; Montgomery 2009 Table 9.3 lists the two-sided
    /// in-control values 168 and 465, half of these). Tolerance 0.5 %.
    #[test]
    fn integral_equation_matches_literature() {
        let table = [
            (4.0, 0.0, 336.0),
            (4.0, 1.0, 8.38),
            (5.0, 0.0, 930.0),
            (5.0, 1.0, 10.4),
        ];
        for (h, shift, want) in table {
            let p = PageParameters::new(0.5, h).unwrap();
            let got = arl_integral_equation(p, shift, 64).unwrap();
            assert!(
                ((got - want) / want).abs() < 0.005,
                "h={h} δ={shift}: {got} vs {want}"
            );
        }
    }

    /// Siegmund's (1985) approximation ARL ≈ (e^{−2Δb} + 2Δb − 1)/(2Δ²), Δ = δ − k, b = h + 1.166,
    /// is accurate to a few percent for h ≥ 3 and small shifts: an independent check over a grid.
    #[test]
    fn integral_equation_close_to_siegmund() {
        for h in [3.0, 4.0, 5.0, 6.0, 8.0] {
            for shift in [0.0, 0.25, 1.0] {
                let k = 0.5;
                let d: f64 = shift - k;
                let b = h + 1.166;
                let siegmund = ((-2.0 * d * b).exp() + 2.0 * d * b - 1.0) / (2.0 * d * d);
                let got =
                    arl_integral_equation(PageParameters::new(k, h).unwrap(), shift, 64).unwrap();
                assert!(
                    ((got - siegmund) / siegmund).abs() < 0.03,
                    "h={h} δ={shift}: {got} vs {siegmund}"
                );
            }
        }
    }
}
