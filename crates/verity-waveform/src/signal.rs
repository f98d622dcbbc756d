//! Signal processing: detrending, tapering, Butterworth filters as second-order sections,
//! and decimation.
//!
//! The filter design follows the textbook route that `scipy.signal.butter(..., output='sos')`
//! takes, so results can be compared with SciPy coefficient for coefficient:
//! analog Butterworth prototype (poles `-exp(iπm/2N)`), pre-warping of the corner frequencies
//! (`ω = 2·fs·tan(π f / fs)`), low-pass → band-pass/high-pass frequency transformation,
//! bilinear transform (Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., §7.2),
//! then pairing of poles and zeros into second-order sections with the "nearest" strategy
//! (the pole closest to the unit circle is paired with its nearest zero and placed last, which
//! keeps the high-Q sections at the end of the cascade where they see the least gain).
//!
//! Filtering runs each section in transposed direct form II, sample-outer/section-inner, the
//! order SciPy's `sosfilt` uses (one addition in the state update is regrouped to shorten the
//! loop-carried dependency, so values differ from SciPy's by rounding only). Zero-phase filtering is offered two ways:
//! [`Phase::ZeroPhase`] reproduces `scipy.signal.sosfiltfilt` (odd extension of the ends and
//! steady-state initial conditions, which suppresses edge transients), and
//! [`Phase::ForwardBackward`] reproduces ObsPy's `zerophase=True` (plain forward pass then
//! backward pass from rest, no padding).

use num_complex::Complex64;
use std::f64::consts::PI;

/// Errors from filter design and signal operations.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SignalError {
    /// A corner frequency was not strictly between 0 and the Nyquist frequency.
    #[error(
        "corner frequency {freq} Hz is not within (0, Nyquist = {nyquist} Hz) for sample rate {sample_rate} Hz"
    )]
    CornerOutOfRange {
        freq: f64,
        nyquist: f64,
        sample_rate: f64,
    },
    /// Band-pass corners in the wrong order.
    #[error("band-pass low corner {low} Hz is not below high corner {high} Hz")]
    BadBand { low: f64, high: f64 },
    /// Filter order outside the supported range.
    #[error("filter order {0} is not within 1..=24")]
    BadOrder(usize),
    /// The sample rate is not a positive finite number.
    #[error("sample rate {0} Hz is not a positive finite number")]
    BadSampleRate(f64),
    /// A taper fraction outside [0, 0.5].
    #[error("taper fraction {0} is not within [0, 0.5]")]
    BadTaper(f64),
    /// Pass-band loss and stop-band attenuation inconsistent.
    #[error(
        "pass-band loss {gpass} dB must be positive and not above the stop-band attenuation {gstop} dB"
    )]
    BadRipple { gpass: f64, gstop: f64 },
    /// Decimation factor of zero.
    #[error("decimation factor must be at least 1")]
    BadFactor,
}

/// How to remove a trend before filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detrend {
    /// Subtract the mean (ObsPy `detrend('demean')`).
    Demean,
    /// Subtract the least-squares straight line (ObsPy `detrend('linear')`, i.e.
    /// `scipy.signal.detrend(type='linear')`).
    Linear,
    /// Subtract the straight line through the first and last sample (ObsPy `'simple'`).
    Simple,
}

/// Remove a trend in place.
pub fn detrend(samples: &mut [f64], kind: Detrend) {
    let n = samples.len();
    if n == 0 {
        return;
    }
    match kind {
        Detrend::Demean => {
            let mean = samples.iter().sum::<f64>() / n as f64;
            samples.iter_mut().for_each(|s| *s -= mean);
        }
        Detrend::Simple => {
            let first = samples[0];
            let slope = if n > 1 {
                (samples[n - 1] - first) / (n - 1) as f64
            } else {
                0.0
            };
            for (i, s) in samples.iter_mut().enumerate() {
                *s -= first + slope * i as f64;
            }
        }
        Detrend::Linear => {
            // Centred abscissa keeps the normal equations well conditioned for long series.
            let xm = (n as f64 - 1.0) / 2.0;
            let ym = samples.iter().sum::<f64>() / n as f64;
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for (i, &y) in samples.iter().enumerate() {
                let dx = i as f64 - xm;
                sxy += dx * (y - ym);
                sxx += dx * dx;
            }
            let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
            for (i, s) in samples.iter_mut().enumerate() {
                *s -= ym + slope * (i as f64 - xm);
            }
        }
    }
}

/// Apply a symmetric Hann (cosine) taper to both ends, ObsPy `Trace.taper(max_percentage,
/// type='hann')` semantics: each end of `floor(fraction·n)` samples is multiplied by the
/// rising/falling half of a Hann window `0.5 − 0.5·cos(2πk/(M−1))`.
pub fn taper(samples: &mut [f64], fraction: f64) -> Result<(), SignalError> {
    if !(0.0..=0.5).contains(&fraction) {
        return Err(SignalError::BadTaper(fraction));
    }
    let n = samples.len();
    if n <= 1 {
        return Ok(());
    }
    let wlen = (fraction * n as f64) as usize;
    if wlen == 0 {
        return Ok(());
    }
    let m = if 2 * wlen == n {
        2 * wlen
    } else {
        2 * wlen + 1
    };
    let hann = |k: usize| 0.5 - 0.5 * (2.0 * PI * k as f64 / (m - 1) as f64).cos();
    for k in 0..wlen {
        samples[k] *= hann(k);
        // The falling half is the last `wlen` values of the window.
        samples[n - wlen + k] *= hann(m - wlen + k);
    }
    Ok(())
}

/// Second-order sections `[b0, b1, b2, a0, a1, a2]` with `a0 = 1`, in cascade order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sos {
    /// The sections, applied first to last.
    pub sections: Vec<[f64; 6]>,
}

/// Which response a Butterworth design has.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Band {
    /// Pass below the corner (Hz).
    Lowpass(f64),
    /// Pass above the corner (Hz).
    Highpass(f64),
    /// Pass between the corners (Hz).
    Bandpass(f64, f64),
}

/// How a filter is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// One forward pass (`scipy.signal.sosfilt`): causal, so onsets are never moved earlier.
    Causal,
    /// `scipy.signal.sosfiltfilt`: forward-backward with odd end extension and steady-state
    /// initial conditions. Zero phase, squared magnitude response.
    ZeroPhase,
    /// ObsPy's `zerophase=True`: forward pass, then backward pass, both from rest, no padding.
    ForwardBackward,
}

/// Design a digital Butterworth filter of order `order` (the order of the low-pass prototype;
/// a band-pass has `2·order` poles, as in SciPy and ObsPy's `corners`).
pub fn butterworth(order: usize, band: Band, sample_rate: f64) -> Result<Sos, SignalError> {
    if !(1..=24).contains(&order) {
        return Err(SignalError::BadOrder(order));
    }
    if !(sample_rate.is_finite() && sample_rate > 0.0) {
        return Err(SignalError::BadSampleRate(sample_rate));
    }
    let nyquist = sample_rate / 2.0;
    let check = |f: f64| {
        if f.is_finite() && f > 0.0 && f < nyquist {
            Ok(f)
        } else {
            Err(SignalError::CornerOutOfRange {
                freq: f,
                nyquist,
                sample_rate,
            })
        }
    };
    // Frequencies normalised to Nyquist with fs = 2, exactly as scipy.signal.iirfilter does
    // when given normalised Wn, so that coefficients agree to rounding.
    let fs = 2.0;
    let warp = |f: f64| 2.0 * fs * (PI * (f / nyquist) / fs).tan();
    // Analog prototype: N poles on the left half unit circle, no zeros, unit gain.
    let n = order as i64;
    let proto: Vec<Complex64> = (0..n)
        .map(|i| {
            let m = (-n + 1 + 2 * i) as f64;
            -(Complex64::new(0.0, PI * m / (2.0 * order as f64))).exp()
        })
        .collect();
    let (z, p, k) = match band {
        Band::Lowpass(f) => {
            let wo = warp(check(f)?);
            let p: Vec<_> = proto.iter().map(|&p| p * wo).collect();
            (Vec::new(), p, wo.powi(order as i32))
        }
        Band::Highpass(f) => {
            let wo = warp(check(f)?);
            let p: Vec<_> = proto.iter().map(|&p| wo / p).collect();
            // k·Re(Π(−z)/Π(−p)) with no zeros.
            let prod = proto.iter().fold(Complex64::new(1.0, 0.0), |a, &p| a * -p);
            let z = vec![Complex64::new(0.0, 0.0); order];
            (z, p, (Complex64::new(1.0, 0.0) / prod).re)
        }
        Band::Bandpass(lo, hi) => {
            let (lo, hi) = (check(lo)?, check(hi)?);
            if lo >= hi {
                return Err(SignalError::BadBand { low: lo, high: hi });
            }
            let (w1, w2) = (warp(lo), warp(hi));
            let bw = w2 - w1;
            let wo = (w1 * w2).sqrt();
            let mut p = Vec::with_capacity(2 * order);
            let lp: Vec<_> = proto.iter().map(|&p| p * (bw / 2.0)).collect();
            for &q in &lp {
                p.push(q + (q * q - wo * wo).sqrt());
            }
            for &q in &lp {
                p.push(q - (q * q - wo * wo).sqrt());
            }
            let z = vec![Complex64::new(0.0, 0.0); order];
            (z, p, bw.powi(order as i32))
        }
    };
    // Bilinear transform s = 2fs (z−1)/(z+1); zeros at infinity map to z = −1.
    let fs2 = Complex64::new(2.0 * fs, 0.0);
    let degree = p.len() - z.len();
    let mut zz: Vec<Complex64> = z.iter().map(|&z| (fs2 + z) / (fs2 - z)).collect();
    let pz: Vec<Complex64> = p.iter().map(|&p| (fs2 + p) / (fs2 - p)).collect();
    zz.extend(std::iter::repeat_n(Complex64::new(-1.0, 0.0), degree));
    let num = z
        .iter()
        .fold(Complex64::new(1.0, 0.0), |a, &z| a * (fs2 - z));
    let den = p
        .iter()
        .fold(Complex64::new(1.0, 0.0), |a, &p| a * (fs2 - p));
    let kz = k * (num / den).re;
    Ok(Sos {
        sections: zpk_to_sos(zz, pz, kz),
    })
}

/// Minimum order and natural frequency of a digital Chebyshev type II low-pass
/// (`scipy.signal.cheb2ord(wp, ws, gpass, gstop)` for `wp < ws`, frequencies relative to
/// Nyquist): pass band edge `wp` with at most `gpass` dB loss, stop band from `ws` with at
/// least `gstop` dB attenuation. Returns `(order, wn)`.
pub fn cheb2ord_lowpass(
    wp: f64,
    ws: f64,
    gpass: f64,
    gstop: f64,
) -> Result<(usize, f64), SignalError> {
    if !(wp > 0.0 && wp < ws && ws <= 1.0) {
        return Err(SignalError::BadBand { low: wp, high: ws });
    }
    if !(gpass > 0.0 && gpass <= gstop) {
        return Err(SignalError::BadRipple { gpass, gstop });
    }
    // Pre-warp (bilinear transform with fs = 2).
    let passb = (PI * wp / 2.0).tan();
    let stopb = (PI * ws / 2.0).tan();
    let nat = stopb / passb;
    let g_stop = 10f64.powf(0.1 * gstop.abs());
    let g_pass = 10f64.powf(0.1 * gpass.abs());
    let v_pass_stop = ((g_stop - 1.0) / (g_pass - 1.0)).sqrt().acosh();
    let order = (v_pass_stop / nat.acosh()).ceil();
    if !(order.is_finite() && (1.0..=1e6).contains(&order)) {
        return Err(SignalError::BadOrder(usize::MAX));
    }
    let order = order as usize;
    // Frequency where the analog response is −gpass dB, mapped back.
    let new_freq = 1.0 / (v_pass_stop / order as f64).cosh();
    let nat = passb / new_freq;
    Ok((order, nat.atan() * 2.0 / PI))
}

/// Digital Chebyshev type II low-pass (`scipy.signal.cheby2(order, rs, wn, 'low',
/// output='sos')`, `wn` relative to Nyquist): analog prototype with equiripple stop band
/// `rs` dB down (zeros at `i / sin(mπ/2N)`, poles `−1 / sinh(μ + iθ)`), frequency scaling,
/// bilinear transform and "nearest" section pairing as for [`butterworth`].
pub fn cheby2_lowpass(order: usize, rs: f64, wn: f64) -> Result<Sos, SignalError> {
    if !(1..=24).contains(&order) {
        return Err(SignalError::BadOrder(order));
    }
    if !(wn > 0.0 && wn < 1.0) {
        return Err(SignalError::CornerOutOfRange {
            freq: wn,
            nyquist: 1.0,
            sample_rate: 2.0,
        });
    }
    let n = order as i64;
    let nf = order as f64;
    let de = 1.0 / (10f64.powf(0.1 * rs) - 1.0).sqrt();
    let mu = (1.0 / de).asinh() / nf;
    let ms: Vec<f64> = if order % 2 == 1 {
        (-n + 1..0)
            .step_by(2)
            .chain((2..n).step_by(2))
            .map(|m| m as f64)
            .collect()
    } else {
        (-n + 1..n).step_by(2).map(|m| m as f64).collect()
    };
    let z: Vec<Complex64> = ms
        .iter()
        .map(|&m| Complex64::new(0.0, 1.0) / (m * PI / (2.0 * nf)).sin())
        .collect();
    let p: Vec<Complex64> = (-n + 1..n)
        .step_by(2)
        .map(|m| {
            let theta = PI * m as f64 / (2.0 * nf);
            -Complex64::new(1.0, 0.0) / Complex64::new(mu, theta).sinh()
        })
        .collect();
    let prod = |v: &[Complex64]| v.iter().fold(Complex64::new(1.0, 0.0), |a, &c| a * -c);
    let k = (prod(&p) / prod(&z)).re;
    // Low-pass to low-pass at the pre-warped corner (fs = 2).
    let fs = 2.0;
    let wo = 2.0 * fs * (PI * wn / fs).tan();
    let z: Vec<Complex64> = z.iter().map(|&c| c * wo).collect();
    let p: Vec<Complex64> = p.iter().map(|&c| c * wo).collect();
    let degree = p.len() - z.len();
    let k = k * wo.powi(degree as i32);
    // Bilinear transform; zeros at infinity map to z = −1.
    let fs2 = Complex64::new(2.0 * fs, 0.0);
    let mut zz: Vec<Complex64> = z.iter().map(|&c| (fs2 + c) / (fs2 - c)).collect();
    let pz: Vec<Complex64> = p.iter().map(|&c| (fs2 + c) / (fs2 - c)).collect();
    zz.extend(std::iter::repeat_n(Complex64::new(-1.0, 0.0), degree));
    let num = z
        .iter()
        .fold(Complex64::new(1.0, 0.0), |a, &c| a * (fs2 - c));
    let den = p
        .iter()
        .fold(Complex64::new(1.0, 0.0), |a, &c| a * (fs2 - c));
    let kz = k * (num / den).re;
    Ok(Sos {
        sections: zpk_to_sos(zz, pz, kz),
    })
}

fn is_real(c: Complex64) -> bool {
    // The tolerance SciPy's _cplxreal uses: 100·eps relative to the magnitude.
    c.im.abs() <= 100.0 * f64::EPSILON * c.norm()
}

/// Pair poles and zeros into sections ("nearest" pairing, worst pole last, gain in the first
/// section). Inputs have equal length after padding; complex values appear with conjugates.
fn zpk_to_sos(mut z: Vec<Complex64>, mut p: Vec<Complex64>, k: f64) -> Vec<[f64; 6]> {
    let zero = Complex64::new(0.0, 0.0);
    while z.len() < p.len() {
        z.push(zero);
    }
    while p.len() < z.len() {
        p.push(zero);
    }
    if p.len() % 2 == 1 {
        p.push(zero);
        z.push(zero);
    }
    let n_sections = p.len() / 2;
    // Keep one representative (non-negative imaginary part) of each conjugate pair; real values
    // are snapped to the real axis.
    let reduce = |v: Vec<Complex64>| -> Vec<Complex64> {
        let mut out: Vec<Complex64> = Vec::new();
        for c in v {
            if is_real(c) {
                out.push(Complex64::new(c.re, 0.0));
            } else if c.im > 0.0 {
                out.push(c);
            }
        }
        out
    };
    let mut z = reduce(z);
    let mut p = reduce(p);
    let worst = |v: &[Complex64]| -> usize {
        let mut best = 0;
        for i in 1..v.len() {
            if (1.0 - v[i].norm()).abs() < (1.0 - v[best].norm()).abs() {
                best = i;
            }
        }
        best
    };
    let nearest = |v: &[Complex64], to: Complex64, want: Option<bool>| -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, &c) in v.iter().enumerate() {
            if let Some(r) = want
                && (c.im == 0.0) != r
            {
                continue;
            }
            if best.is_none_or(|b| (c - to).norm() < (v[b] - to).norm()) {
                best = Some(i);
            }
        }
        best
    };
    let mut sos = vec![[0.0; 6]; n_sections];
    for si in (0..n_sections).rev() {
        if p.is_empty() {
            break;
        }
        let p1 = p.remove(worst(&p));
        let (zs, ps): (Vec<Complex64>, Vec<Complex64>);
        if p1.im == 0.0 && p.iter().all(|c| c.im != 0.0) {
            // Last remaining real pole: pair with the nearest real zero and a pole/zero at 0.
            let zi = nearest(&z, p1, Some(true));
            let z1 = zi.map(|i| z.remove(i)).unwrap_or(zero);
            zs = vec![z1, zero];
            ps = vec![p1, zero];
        } else if p1.im != 0.0
            && p.len() + 1 == z.len()
            && p.iter().filter(|c| c.im == 0.0).count() == 1
            && z.iter().filter(|c| c.im == 0.0).count() == 1
        {
            let zi = nearest(&z, p1, Some(false));
            let z1 = zi.map(|i| z.remove(i)).unwrap_or(zero);
            zs = vec![z1, z1.conj()];
            ps = vec![p1, p1.conj()];
        } else {
            let p2 = if p1.im == 0.0 {
                let reals: Vec<usize> = (0..p.len()).filter(|&i| p[i].im == 0.0).collect();
                let sub: Vec<Complex64> = reals.iter().map(|&i| p[i]).collect();
                let idx = reals[worst(&sub)];
                p.remove(idx)
            } else {
                p1.conj()
            };
            if let Some(zi) = nearest(&z, p1, None) {
                let z1 = z.remove(zi);
                if z1.im != 0.0 {
                    zs = vec![z1, z1.conj()];
                } else if let Some(zj) = nearest(&z, p1, Some(true)) {
                    zs = vec![z1, z.remove(zj)];
                } else {
                    zs = vec![z1];
                }
            } else {
                zs = vec![];
            }
            ps = vec![p1, p2];
        }
        let b = poly(&zs);
        let a = poly(&ps);
        let mut s = [0.0; 6];
        s[3 - b.len()..3].copy_from_slice(&b);
        s[6 - a.len()..6].copy_from_slice(&a);
        sos[si] = s;
    }
    for c in &mut sos[0][..3] {
        *c *= k;
    }
    sos
}

/// Transposed direct form II over `N` sections, sample-outer/section-inner (SciPy's order).
fn run_fixed<const N: usize>(sections: &[[f64; 6]], x: &mut [f64], zi: &mut [[f64; 2]]) {
    let mut c = [[0.0; 6]; N];
    c.copy_from_slice(&sections[..N]);
    let mut z = [[0.0; 2]; N];
    z.copy_from_slice(&zi[..N]);
    for v in x.iter_mut() {
        let mut cur = *v;
        for k in 0..N {
            let y = c[k][0] * cur + z[k][0];
            // (b1·x + z1) − a1·y rather than SciPy's b1·x − a1·y + z1: the same value up to
            // rounding, but the loop-carried path y → z0 → y is one addition shorter
            // (mul, sub, add instead of mul, sub, add, add), which is what limits speed.
            z[k][0] = (c[k][1] * cur + z[k][1]) - c[k][4] * y;
            z[k][1] = c[k][2] * cur - c[k][5] * y;
            cur = y;
        }
        *v = cur;
    }
    zi[..N].copy_from_slice(&z);
}

/// Real coefficients of Π(x − rᵢ), highest power first.
fn poly(roots: &[Complex64]) -> Vec<f64> {
    let mut c = vec![Complex64::new(1.0, 0.0)];
    for &r in roots {
        let mut next = vec![Complex64::new(0.0, 0.0); c.len() + 1];
        for (i, &ci) in c.iter().enumerate() {
            next[i] += ci;
            next[i + 1] -= ci * r;
        }
        c = next;
    }
    c.into_iter().map(|x| x.re).collect()
}

impl Sos {
    /// Filter in place with the given initial state (`zi[s] = [z0, z1]`), returning the final
    /// state. Transposed direct form II, a0 assumed 1.
    pub fn filter_with_state(&self, x: &mut [f64], zi: &mut [[f64; 2]]) {
        debug_assert_eq!(zi.len(), self.sections.len());
        // Copying coefficients and state into fixed-size arrays lets the compiler keep them in
        // registers for the common cascade lengths; the arithmetic (and so every rounding) is
        // the same as the generic loop.
        match self.sections.len() {
            1 => run_fixed::<1>(&self.sections, x, zi),
            2 => run_fixed::<2>(&self.sections, x, zi),
            3 => run_fixed::<3>(&self.sections, x, zi),
            4 => run_fixed::<4>(&self.sections, x, zi),
            5 => run_fixed::<5>(&self.sections, x, zi),
            6 => run_fixed::<6>(&self.sections, x, zi),
            8 => run_fixed::<8>(&self.sections, x, zi),
            _ => {
                for v in x.iter_mut() {
                    let mut cur = *v;
                    for (s, st) in self.sections.iter().zip(zi.iter_mut()) {
                        let y = s[0] * cur + st[0];
                        st[0] = (s[1] * cur + st[1]) - s[4] * y;
                        st[1] = s[2] * cur - s[5] * y;
                        cur = y;
                    }
                    *v = cur;
                }
            }
        }
    }

    /// Causal filtering from rest (`scipy.signal.sosfilt(sos, x)`).
    pub fn filter(&self, x: &mut [f64]) {
        let mut zi = vec![[0.0; 2]; self.sections.len()];
        self.filter_with_state(x, &mut zi);
    }

    /// Steady-state initial conditions for a unit step (`scipy.signal.sosfilt_zi`).
    pub fn steady_state(&self) -> Vec<[f64; 2]> {
        let mut scale = 1.0;
        let mut out = Vec::with_capacity(self.sections.len());
        for s in &self.sections {
            let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
            // Solve (I − Aᵀ) zi = b[1:] − a[1:]·b0 for the 2×2 companion form.
            let r0 = b1 - a1 * b0;
            let r1 = b2 - a2 * b0;
            // [[1 + a1, −1], [a2, 1]] · [z0, z1] = [r0, r1]
            let det = (1.0 + a1) + a2;
            let z0 = (r0 + r1) / det;
            let z1 = r1 - a2 * z0;
            out.push([scale * z0, scale * z1]);
            scale *= (b0 + b1 + b2) / (1.0 + a1 + a2);
        }
        out
    }

    /// Number of samples `scipy.signal.sosfiltfilt` pads each end with by default.
    pub fn default_padlen(&self) -> usize {
        let zb = self.sections.iter().filter(|s| s[2] == 0.0).count();
        let za = self.sections.iter().filter(|s| s[5] == 0.0).count();
        3 * (2 * self.sections.len() + 1 - zb.min(za))
    }

    /// Zero-phase filtering as `scipy.signal.sosfiltfilt(sos, x)` (odd padding, steady-state
    /// initial conditions). Series no longer than the pad length are padded by `len − 1`.
    pub fn filtfilt(&self, x: &mut [f64]) {
        let n = x.len();
        if n == 0 {
            return;
        }
        let edge = self.default_padlen().min(n - 1);
        let mut ext = Vec::with_capacity(n + 2 * edge);
        let (first, last) = (x[0], x[n - 1]);
        for i in (1..=edge).rev() {
            ext.push(2.0 * first - x[i]);
        }
        ext.extend_from_slice(x);
        for i in 1..=edge {
            ext.push(2.0 * last - x[n - 1 - i]);
        }
        let zi = self.steady_state();
        let mut st: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * ext[0], z[1] * ext[0]]).collect();
        self.filter_with_state(&mut ext, &mut st);
        ext.reverse();
        let y0 = ext[0];
        let mut st: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * y0, z[1] * y0]).collect();
        self.filter_with_state(&mut ext, &mut st);
        ext.reverse();
        x.copy_from_slice(&ext[edge..edge + n]);
    }

    /// ObsPy-style forward-backward filtering from rest without padding.
    pub fn forward_backward(&self, x: &mut [f64]) {
        self.filter(x);
        x.reverse();
        self.filter(x);
        x.reverse();
    }

    /// Apply with the chosen phase behaviour.
    pub fn apply(&self, x: &mut [f64], phase: Phase) {
        match phase {
            Phase::Causal => self.filter(x),
            Phase::ZeroPhase => self.filtfilt(x),
            Phase::ForwardBackward => self.forward_backward(x),
        }
    }
}

/// Butterworth band-pass in place (`order` = ObsPy `corners`).
pub fn bandpass(
    samples: &mut [f64],
    sample_rate: f64,
    freqmin: f64,
    freqmax: f64,
    order: usize,
    phase: Phase,
) -> Result<(), SignalError> {
    butterworth(order, Band::Bandpass(freqmin, freqmax), sample_rate)?.apply(samples, phase);
    Ok(())
}

/// Butterworth low-pass in place.
pub fn lowpass(
    samples: &mut [f64],
    sample_rate: f64,
    freq: f64,
    order: usize,
    phase: Phase,
) -> Result<(), SignalError> {
    butterworth(order, Band::Lowpass(freq), sample_rate)?.apply(samples, phase);
    Ok(())
}

/// Butterworth high-pass in place.
pub fn highpass(
    samples: &mut [f64],
    sample_rate: f64,
    freq: f64,
    order: usize,
    phase: Phase,
) -> Result<(), SignalError> {
    butterworth(order, Band::Highpass(freq), sample_rate)?.apply(samples, phase);
    Ok(())
}

/// Order of the anti-alias low-pass used by [`decimate`].
pub const DECIMATE_ORDER: usize = 10;

/// Decimate by an integer factor: zero-phase ([`Phase::ZeroPhase`]) order-10 Butterworth
/// low-pass at 0.8 × the new Nyquist frequency, then keep every `factor`-th sample starting
/// with the first. With the forward-backward pass the attenuation at the new Nyquist is
/// 2 × 10·log10(1 + 1.25²⁰) ≈ 39 dB. Returns the new samples; the new rate is
/// `sample_rate / factor`.
pub fn decimate(samples: &[f64], sample_rate: f64, factor: usize) -> Result<Vec<f64>, SignalError> {
    if factor == 0 {
        return Err(SignalError::BadFactor);
    }
    if factor == 1 {
        return Ok(samples.to_vec());
    }
    let new_nyquist = sample_rate / factor as f64 / 2.0;
    let mut x = samples.to_vec();
    butterworth(
        DECIMATE_ORDER,
        Band::Lowpass(0.8 * new_nyquist),
        sample_rate,
    )?
    .filtfilt(&mut x);
    Ok(x.into_iter().step_by(factor).collect())
}
