//! Event detection: STA/LTA characteristic functions, trigger on/off, and AIC onset picking.
//!
//! Definitions follow ObsPy's `obspy.signal.trigger` (Beyreuther et al. 2010, SRL 81(3)),
//! whose results are the reference in the tests, sample for sample:
//!
//! * classic STA/LTA: mean of squares over the last `nsta` samples divided by the mean of
//!   squares over the last `nlta` samples (the long window contains the short one); the first
//!   `nlta − 1` values are zero, the first ratio is at index `nlta − 1` (Allen 1978, BSSA 68(5)).
//! * recursive STA/LTA: exponentially weighted averages `sta ← x²/nsta + (1 − 1/nsta)·sta`
//!   (likewise for the LTA), run from sample 1; the first `nlta` values are zero
//!   (Withers et al. 1998, BSSA 88(1)).
//! * trigger on/off: on where the function reaches the on-threshold (`≥`), off at the last
//!   sample still at or above the off-threshold; a trigger still on at the end is closed at the
//!   last sample above the off-threshold, or at the last sample.
//! * AIC picker (Maeda 1985, J. Seismol. Soc. Jpn. 38): `AIC(k) = k·ln var(x[0..=k]) +
//!   (N − k − 1)·ln var(x[k+1..N])`; the onset is the first sample after the minimum. Same
//!   indexing as ObsPy's `aic_simple`.

use std::collections::VecDeque;

/// Errors from detection routines.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DetectError {
    /// Window lengths unusable.
    #[error(
        "STA window ({nsta} samples) must be at least 1 and shorter than the LTA window ({nlta} samples)"
    )]
    Windows { nsta: usize, nlta: usize },
    /// Series shorter than the LTA window.
    #[error("series of {len} samples is shorter than the LTA window of {nlta} samples")]
    TooShort { len: usize, nlta: usize },
    /// Output buffer of the wrong length.
    #[error("output buffer holds {len} values but the series has {expected}")]
    Output { len: usize, expected: usize },
    /// Threshold not finite.
    #[error("trigger threshold {0} is not a finite number")]
    Threshold(f64),
}

fn check(len: usize, nsta: usize, nlta: usize) -> Result<(), DetectError> {
    if nsta == 0 || nsta >= nlta {
        return Err(DetectError::Windows { nsta, nlta });
    }
    if len < nlta {
        return Err(DetectError::TooShort { len, nlta });
    }
    Ok(())
}

/// [`check`] for the `_into` variants, which also need an output of the input's length.
fn check_into(len: usize, out_len: usize, nsta: usize, nlta: usize) -> Result<(), DetectError> {
    check(len, nsta, nlta)?;
    if out_len != len {
        return Err(DetectError::Output {
            len: out_len,
            expected: len,
        });
    }
    Ok(())
}

/// Interleaved recurrence chains. A running sum `s[i] = s[i−1] + d[i]` costs one
/// floating-point add of latency per sample; rewritten as
/// `s[i] = s[i−4] + ((d[i] + d[i−1]) + (d[i−2] + d[i−3]))` it becomes four independent chains
/// over neighbouring samples, so the CPU advances four outputs per add latency and the
/// divisions of a group of four can be issued as vector instructions.
const CHAINS: usize = 4;
/// Samples per block (a multiple of [`CHAINS`]); the block's increments stay in L1 cache.
const BLOCK: usize = 1024;

/// One STA/LTA ratio `s / max(l, tiny) · scale`. The guard keeps dead (all-zero) channels at
/// zero instead of NaN; for any positive long-term sum it changes nothing. Written as a
/// compare-and-select rather than `f64::max` so that the group loop vectorises.
#[inline(always)]
fn ratio(s: f64, l: f64, scale: f64) -> f64 {
    let l = if l < f64::MIN_POSITIVE {
        f64::MIN_POSITIVE
    } else {
        l
    };
    s / l * scale
}

/// Classic STA/LTA (ObsPy `classic_sta_lta`). Running sums of squares: O(n).
pub fn classic_sta_lta(x: &[f64], nsta: usize, nlta: usize) -> Result<Vec<f64>, DetectError> {
    check(x.len(), nsta, nlta)?;
    let mut out = crate::mem::zeroed(x.len());
    classic_dispatch(x, nsta, nlta, &mut out);
    Ok(out)
}

/// [`classic_sta_lta`] into a caller-provided buffer of `x.len()` values (reusing one buffer
/// per channel avoids faulting in fresh pages for every day of data).
pub fn classic_sta_lta_into(
    x: &[f64],
    nsta: usize,
    nlta: usize,
    out: &mut [f64],
) -> Result<(), DetectError> {
    check_into(x.len(), out.len(), nsta, nlta)?;
    classic_dispatch(x, nsta, nlta, out);
    Ok(())
}

/// Runs [`classic_core`] compiled for AVX2 when the CPU has it (four divisions per
/// instruction instead of two); the arithmetic, and so every rounding, is identical — no FMA
/// contraction is enabled.
fn classic_dispatch(x: &[f64], nsta: usize, nlta: usize, out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the function only differs from the baseline one by using AVX2
        // instructions, and the CPU was just checked to support AVX2.
        unsafe { classic_avx2(x, nsta, nlta, out) };
        return;
    }
    classic_core(x, nsta, nlta, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn classic_avx2(x: &[f64], nsta: usize, nlta: usize, out: &mut [f64]) {
    classic_core(x, nsta, nlta, out);
}

/// Caller has checked `1 ≤ nsta < nlta ≤ x.len() = out.len()`.
#[inline(always)]
fn classic_core(x: &[f64], nsta: usize, nlta: usize, out: &mut [f64]) {
    let n = x.len();
    // Ratio of means = (sta / nsta) / (lta / nlta) = sta / lta · (nlta / nsta).
    let scale = nlta as f64 / nsta as f64;
    let window = |end: usize, len: usize| x[end - len..end].iter().map(|v| v * v).sum::<f64>();
    out[..nlta - 1].iter_mut().for_each(|v| *v = 0.0);
    // Chain k holds the window sums ending at indices first + k, first + k + 4, ...; each
    // starts from the exact sums (the first output is at index nlta − 1).
    let first = nlta - 1;
    let heads = CHAINS.min(n - first);
    let mut sta = [0.0f64; CHAINS];
    let mut lta = [0.0f64; CHAINS];
    for k in 0..heads {
        sta[k] = window(first + k + 1, nsta);
        lta[k] = window(first + k + 1, nlta);
        out[first + k] = ratio(sta[k], lta[k], scale);
    }
    // Per-sample increments x[j]² − x[j−nsta]² (STA) and x[j]² − x[j−nlta]² (LTA) for
    // j = i−3 .. i+len, block by block: three samples of overlap so that each group of four
    // outputs finds its four-sample windows in the block (read with unaligned vector loads).
    let mut ds = [0.0f64; BLOCK + CHAINS - 1];
    let mut dl = [0.0f64; BLOCK + CHAINS - 1];
    let mut i = first + CHAINS;
    while i + CHAINS <= n {
        let len = BLOCK.min((n - i) / CHAINS * CHAINS);
        let w = len + CHAINS - 1;
        let cur = &x[i + 1 - CHAINS..][..w];
        let old_s = &x[i + 1 - CHAINS - nsta..][..w];
        let old_l = &x[i + 1 - CHAINS - nlta..][..w];
        for (((a, b), (&c, &os)), &ol) in ds[..w]
            .iter_mut()
            .zip(&mut dl[..w])
            .zip(cur.iter().zip(old_s))
            .zip(old_l)
        {
            let q = c * c;
            *a = q - os * os;
            *b = q - ol * ol;
        }
        // Local copies keep the chain states in registers across the loop.
        let (mut sc, mut lc) = (sta, lta);
        let (d0, d1, d2, d3) = (
            &ds[..len],
            &ds[1..1 + len],
            &ds[2..2 + len],
            &ds[3..3 + len],
        );
        let (e0, e1, e2, e3) = (
            &dl[..len],
            &dl[1..1 + len],
            &dl[2..2 + len],
            &dl[3..3 + len],
        );
        for (g, o4) in out[i..i + len].chunks_exact_mut(CHAINS).enumerate() {
            let u = g * CHAINS;
            for k in 0..CHAINS {
                let j = u + k;
                sc[k] += (d3[j] + d2[j]) + (d1[j] + d0[j]);
                lc[k] += (e3[j] + e2[j]) + (e1[j] + e0[j]);
            }
            for k in 0..CHAINS {
                o4[k] = ratio(sc[k], lc[k], scale);
            }
        }
        (sta, lta) = (sc, lc);
        i += len;
    }
    // Fewer than four samples left: chain k continues at index i + k.
    for k in 0..n - i.min(n) {
        let j = i + k;
        for t in j + 1 - CHAINS..=j {
            let q = x[t] * x[t];
            sta[k] += q - x[t - nsta] * x[t - nsta];
            lta[k] += q - x[t - nlta] * x[t - nlta];
        }
        out[j] = ratio(sta[k], lta[k], scale);
    }
}

/// Recursive STA/LTA (ObsPy `recursive_sta_lta`).
///
/// The averages are linear recurrences `y[i] = a·y[i−1] + c·x[i]²`, unrolled to
/// `y[i] = a⁴·y[i−4] + c·(x[i]² + a·x[i−1]² + a²·x[i−2]² + a³·x[i−3]²)` so that four
/// independent chains advance together (see [`CHAINS`]). The recurrence is contractive
/// (`a < 1`), so the different rounding stays at the 1e-13 level (tests compare with ObsPy).
pub fn recursive_sta_lta(x: &[f64], nsta: usize, nlta: usize) -> Result<Vec<f64>, DetectError> {
    check(x.len(), nsta, nlta)?;
    let mut out = crate::mem::zeroed(x.len());
    recursive_dispatch(x, nsta, nlta, &mut out);
    Ok(out)
}

/// [`recursive_sta_lta`] into a caller-provided buffer of `x.len()` values.
pub fn recursive_sta_lta_into(
    x: &[f64],
    nsta: usize,
    nlta: usize,
    out: &mut [f64],
) -> Result<(), DetectError> {
    check_into(x.len(), out.len(), nsta, nlta)?;
    recursive_dispatch(x, nsta, nlta, out);
    Ok(())
}

/// As [`classic_dispatch`].
fn recursive_dispatch(x: &[f64], nsta: usize, nlta: usize, out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the function only differs from the baseline one by using AVX2
        // instructions, and the CPU was just checked to support AVX2.
        unsafe { recursive_avx2(x, nsta, nlta, out) };
        return;
    }
    recursive_core(x, nsta, nlta, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn recursive_avx2(x: &[f64], nsta: usize, nlta: usize, out: &mut [f64]) {
    recursive_core(x, nsta, nlta, out);
}

/// Caller has checked `1 ≤ nsta < nlta ≤ x.len() = out.len()` (so `x.len() ≥ 2`).
#[inline(always)]
fn recursive_core(x: &[f64], nsta: usize, nlta: usize, out: &mut [f64]) {
    let n = x.len();
    let csta = 1.0 / nsta as f64;
    let clta = 1.0 / nlta as f64;
    let (icsta, iclta) = (1.0 - csta, 1.0 - clta);
    // ObsPy runs the recursion from sample 1 (sample 0 never enters the averages); the first
    // CHAINS states (indices 1..=4) are computed exactly as ObsPy does.
    let heads = CHAINS.min(n - 1);
    let mut sta = [0.0f64; CHAINS];
    let mut lta = [0.0f64; CHAINS];
    let (mut s, mut l) = (0.0, 0.0);
    for k in 0..heads {
        let q = x[1 + k] * x[1 + k];
        s = csta * q + icsta * s;
        l = clta * q + iclta * l;
        sta[k] = s;
        lta[k] = l;
    }
    let pow = |a: f64| [a, a * a, a * a * a, a * a * a * a];
    let (ps, pl) = (pow(icsta), pow(iclta));
    // c·(q[j] + a·q[j−1] + a²·q[j−2] + a³·q[j−3]) over the window q[j−3..=j].
    let step =
        |q: &[f64], c: f64, a: &[f64; 4]| c * ((q[3] + a[0] * q[2]) + (a[1] * q[1] + a[2] * q[0]));
    let mut q = [0.0f64; BLOCK + CHAINS - 1];
    let mut i = 1 + CHAINS;
    while i + CHAINS <= n {
        let len = BLOCK.min((n - i) / CHAINS * CHAINS);
        let w = len + CHAINS - 1;
        for (d, &v) in q[..w].iter_mut().zip(&x[i + 1 - CHAINS..][..w]) {
            *d = v * v;
        }
        let (mut sc, mut lc) = (sta, lta);
        // Offset views q[j−3], q[j−2], q[j−1], q[j] (unaligned vector loads, no shuffles).
        let (q0, q1, q2, q3) = (&q[..len], &q[1..1 + len], &q[2..2 + len], &q[3..3 + len]);
        for (g, o4) in out[i..i + len].chunks_exact_mut(CHAINS).enumerate() {
            let u = g * CHAINS;
            for k in 0..CHAINS {
                let j = u + k;
                let e = [q0[j], q1[j], q2[j], q3[j]];
                sc[k] = ps[3] * sc[k] + step(&e, csta, &ps);
                lc[k] = pl[3] * lc[k] + step(&e, clta, &pl);
            }
            for k in 0..CHAINS {
                o4[k] = ratio(sc[k], lc[k], 1.0);
            }
        }
        (sta, lta) = (sc, lc);
        i += len;
    }
    // Fewer than four samples left: chain k continues at index i + k (one step of four).
    for k in 0..n - i.min(n) {
        let j = i + k;
        let e = [
            x[j - 3] * x[j - 3],
            x[j - 2] * x[j - 2],
            x[j - 1] * x[j - 1],
            x[j] * x[j],
        ];
        sta[k] = ps[3] * sta[k] + step(&e, csta, &ps);
        lta[k] = pl[3] * lta[k] + step(&e, clta, &pl);
        out[j] = ratio(sta[k], lta[k], 1.0);
    }
    // The first nlta values are defined as zero (this also covers the head states above).
    out[..nlta].iter_mut().for_each(|v| *v = 0.0);
}

/// Trigger on/off sample index pairs (ObsPy `trigger_onset` with `max_len` unlimited unless
/// given; `max_len_delete` drops over-long triggers instead of cutting them).
pub fn trigger_onset(
    cf: &[f64],
    on: f64,
    off: f64,
    max_len: Option<usize>,
    max_len_delete: bool,
) -> Result<Vec<(usize, usize)>, DetectError> {
    for t in [on, off] {
        if !t.is_finite() {
            return Err(DetectError::Threshold(t));
        }
    }
    let above_on: Vec<i64> = (0..cf.len())
        .filter(|&i| cf[i] >= on)
        .map(|i| i as i64)
        .collect();
    if above_on.is_empty() {
        return Ok(Vec::new());
    }
    let above_off: Vec<i64> = (0..cf.len())
        .filter(|&i| cf[i] >= off)
        .map(|i| i as i64)
        .collect();
    // Candidate "on" times: the first sample of every run above the on-threshold.
    let mut ons: VecDeque<i64> = VecDeque::new();
    ons.push_back(above_on[0]);
    for w in above_on.windows(2) {
        if w[1] - w[0] > 1 {
            ons.push_back(w[1]);
        }
    }
    // Candidate "off" times: the last sample of every run above the off-threshold.
    let mut offs: VecDeque<i64> = VecDeque::new();
    offs.push_back(-1);
    for (k, &i) in above_off.iter().enumerate() {
        if k + 1 == above_off.len() || above_off[k + 1] - i > 1 {
            offs.push_back(i);
        }
    }
    const NEVER: i64 = i64::MAX / 4;
    if max_len_delete {
        offs.push_back(NEVER);
        // The last trigger still on is dropped: repeat its on time so it cannot close.
        if let Some(&last) = ons.back() {
            ons.push_back(last);
        }
    } else if let Some(&last) = above_off.last() {
        offs.push_back(last);
    }
    // Close any trigger still on at the end of the series.
    offs.push_back(cf.len() as i64);
    let max_len = max_len.map(|m| m as i64).unwrap_or(NEVER);
    let mut picks = Vec::new();
    while let (Some(&last_on), Some(&first_off)) = (ons.back(), offs.front()) {
        if last_on <= first_off {
            break;
        }
        while ons
            .front()
            .is_some_and(|&o| o <= offs.front().copied().unwrap_or(NEVER))
        {
            ons.pop_front();
        }
        let Some(&o) = ons.front() else { break };
        while offs.front().is_some_and(|&f| f < o) {
            offs.pop_front();
        }
        let Some(&f) = offs.front() else { break };
        if f - o > max_len {
            if max_len_delete {
                ons.pop_front();
                continue;
            }
            offs.push_front(o + max_len);
        }
        let f = offs.front().copied().unwrap_or(f);
        picks.push((o as usize, f.min(cf.len() as i64) as usize));
    }
    Ok(picks)
}

/// Akaike Information Criterion of every split point (ObsPy `aic_simple` layout: `n` values,
/// the last repeating the one before). A variance of zero contributes zero, as in ObsPy.
pub fn aic(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    if n <= 2 {
        return vec![0.0; n];
    }
    // Prefix sums of x and x² give each segment's variance in O(1) (population variance).
    // Values are centred on the mean first to limit cancellation.
    let mean = x.iter().sum::<f64>() / n as f64;
    let mut s1 = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for i in 0..n {
        let v = x[i] - mean;
        s1[i + 1] = s1[i] + v;
        s2[i + 1] = s2[i] + v * v;
    }
    let var = |a: usize, b: usize| {
        let m = (b - a) as f64;
        let mu = (s1[b] - s1[a]) / m;
        ((s2[b] - s2[a]) / m - mu * mu).max(0.0)
    };
    let term = |count: usize, v: f64| {
        if count == 0 || v <= 0.0 {
            0.0
        } else {
            count as f64 * v.ln()
        }
    };
    let mut out = vec![0.0; n];
    for (k, o) in out.iter_mut().enumerate().take(n - 1) {
        let left = term(k + 1, var(0, k + 1));
        let right = term(n - k - 2, var(k + 1, n));
        *o = left + right;
    }
    out[n - 1] = out[n - 2];
    out
}

/// AIC onset pick within `x`: index of the first sample after the AIC minimum, searching
/// split points 1..n−3 (both segments at least two samples long). `None` if `x` is too short.
pub fn aic_pick(x: &[f64]) -> Option<usize> {
    if x.len() < 6 {
        return None;
    }
    let a = aic(x);
    let mut best = 1;
    for k in 1..x.len() - 2 {
        if a[k] < a[best] {
            best = k;
        }
    }
    Some(best + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ObsPy's C loops written out literally (serial sums, one division per sample): the
    /// definition the blocked/chained implementation must reproduce.
    fn classic_reference(x: &[f64], nsta: usize, nlta: usize) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        for i in nlta - 1..x.len() {
            let win = |len: usize| x[i + 1 - len..=i].iter().map(|v| v * v).sum::<f64>();
            out[i] = win(nsta) / win(nlta) * (nlta as f64 / nsta as f64);
        }
        out
    }

    fn recursive_reference(x: &[f64], nsta: usize, nlta: usize) -> Vec<f64> {
        let (cs, cl) = (1.0 / nsta as f64, 1.0 / nlta as f64);
        let (mut s, mut l) = (0.0, 0.0);
        let mut out = vec![0.0; x.len()];
        for i in 1..x.len() {
            s = cs * x[i] * x[i] + (1.0 - cs) * s;
            l = cl * x[i] * x[i] + (1.0 - cl) * l;
            out[i] = if i < nlta { 0.0 } else { s / l };
        }
        out
    }

    fn signal(n: usize) -> Vec<f64> {
        // Deterministic non-integer samples with bursts (so ratios vary widely).
        (0..n)
            .map(|i| {
                let t = i as f64;
                (t * 0.37).sin() * 3.1
                    + (t * 0.011).cos() * 0.7
                    + if i % 97 < 9 { 5.5 } else { 0.0 }
            })
            .collect()
    }

    /// Every length around the block and chain boundaries: heads only, heads + tail,
    /// one block, one block plus a partial group, several blocks.
    #[test]
    fn chained_sta_lta_matches_serial_definition_at_every_boundary() {
        let (nsta, nlta) = (3, 11);
        let mut lengths: Vec<usize> = (nlta..nlta + 24).collect();
        for b in [BLOCK, 2 * BLOCK, 3 * BLOCK + 5] {
            lengths.extend(b - 3..b + 14);
        }
        for n in lengths {
            let x = signal(n);
            type Fun = fn(&[f64], usize, usize) -> Result<Vec<f64>, DetectError>;
            type IntoFun = fn(&[f64], usize, usize, &mut [f64]) -> Result<(), DetectError>;
            let cases: [(&str, Fun, IntoFun, Vec<f64>); 2] = [
                (
                    "classic",
                    classic_sta_lta,
                    classic_sta_lta_into,
                    classic_reference(&x, nsta, nlta),
                ),
                (
                    "recursive",
                    recursive_sta_lta,
                    recursive_sta_lta_into,
                    recursive_reference(&x, nsta, nlta),
                ),
            ];
            for (name, f, f_into, want) in cases {
                let got = f(&x, nsta, nlta).unwrap();
                assert_eq!(got.len(), n, "{name} n={n}");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    // Tolerance: 1e-12 relative (chained vs serial rounding only).
                    assert!(
                        (g - w).abs() <= 1e-12 * w.abs().max(1e-300),
                        "{name} n={n} i={i}: {g} vs {w}"
                    );
                }
                let mut buf = vec![f64::NAN; n];
                f_into(&x, nsta, nlta, &mut buf).unwrap();
                assert_eq!(
                    buf, got,
                    "{name} n={n}: _into differs from the allocating call"
                );
            }
        }
    }

    #[test]
    fn dead_channel_gives_zero_not_nan() {
        let x = vec![0.0; 5000];
        assert!(
            classic_sta_lta(&x, 10, 100)
                .unwrap()
                .iter()
                .all(|&v| v == 0.0)
        );
        assert!(
            recursive_sta_lta(&x, 10, 100)
                .unwrap()
                .iter()
                .all(|&v| v == 0.0)
        );
    }
}
