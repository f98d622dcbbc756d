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

/// Independent chains processed in lockstep. The running sums are serial recurrences (one
/// floating-point add of latency per sample); splitting the series into `LANES` segments whose
/// start states are computed exactly lets the CPU overlap four chains.
const LANES: usize = 4;
/// Samples per block between the recurrence pass and the (vectorisable) division pass.
const BLOCK: usize = 2048;
/// Below this many samples the plain single-chain loop is used.
const MIN_SPLIT: usize = LANES * BLOCK * 4;

/// `out[i] ← out[i] / max(den[i], tiny) · scale` (the STA holds the numerator).
#[inline]
fn divide(out: &mut [f64], den: &[f64], scale: f64) {
    for (o, &d) in out.iter_mut().zip(den) {
        *o = *o / d.max(f64::MIN_POSITIVE) * scale;
    }
}

/// A zeroed output vector of `n` values (huge-page backed when large; see [`crate::mem`]).
fn alloc_output(n: usize) -> Vec<f64> {
    crate::mem::zeroed(n)
}

/// Classic STA/LTA (ObsPy `classic_sta_lta`). Running sums of squares: O(n).
pub fn classic_sta_lta(x: &[f64], nsta: usize, nlta: usize) -> Result<Vec<f64>, DetectError> {
    let mut out = alloc_output(x.len());
    classic_sta_lta_into(x, nsta, nlta, &mut out)?;
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
    check(x.len(), nsta, nlta)?;
    let n = x.len();
    if out.len() != n {
        return Err(DetectError::Output {
            len: out.len(),
            expected: n,
        });
    }
    out[..nlta - 1].iter_mut().for_each(|v| *v = 0.0);
    let window = |end: usize, len: usize| x[end - len..end].iter().map(|v| v * v).sum::<f64>();
    // Ratio of means = (sta / nsta) / (lta / nlta) = sta / lta · (nlta / nsta).
    let scale = nlta as f64 / nsta as f64;
    let (sta0, lta0) = (window(nlta, nsta), window(nlta, nlta));
    out[nlta - 1] = sta0 / lta0.max(f64::MIN_POSITIVE) * scale;
    let m = n - nlta; // updates at indices nlta..n
    let seg = if m >= MIN_SPLIT { m / LANES } else { 0 };
    let mut sta = [0.0f64; LANES];
    let mut lta = [0.0f64; LANES];
    if seg > 0 {
        // Exact window sums at each segment start (for lane 0 these are sta0 and lta0).
        for k in 0..LANES {
            let s = nlta + k * seg;
            sta[k] = if k == 0 { sta0 } else { window(s, nsta) };
            lta[k] = if k == 0 { lta0 } else { window(s, nlta) };
        }
        let (head, _) = out[nlta..].split_at_mut(LANES * seg);
        let mut outs: Vec<&mut [f64]> = head.chunks_exact_mut(seg).collect();
        let mut den = [[0.0f64; BLOCK]; LANES];
        let mut j0 = 0;
        while j0 < seg {
            let len = BLOCK.min(seg - j0);
            // Equal-length per-lane slices let the compiler drop bounds checks.
            let cur: [&[f64]; LANES] = std::array::from_fn(|k| &x[nlta + k * seg + j0..][..len]);
            let old_s: [&[f64]; LANES] =
                std::array::from_fn(|k| &x[nlta + k * seg + j0 - nsta..][..len]);
            let old_l: [&[f64]; LANES] =
                std::array::from_fn(|k| &x[nlta + k * seg + j0 - nlta..][..len]);
            let mut dst: Vec<&mut [f64]> = outs.iter_mut().map(|o| &mut o[j0..j0 + len]).collect();
            for j in 0..len {
                for k in 0..LANES {
                    let s = cur[k][j] * cur[k][j];
                    let os = old_s[k][j];
                    let ol = old_l[k][j];
                    sta[k] += s - os * os;
                    lta[k] += s - ol * ol;
                    dst[k][j] = sta[k];
                    den[k][j] = lta[k];
                }
            }
            for k in 0..LANES {
                divide(&mut outs[k][j0..j0 + len], &den[k][..len], scale);
            }
            j0 += len;
        }
    }
    // Tail (or everything, for short series): one chain continuing from the last lane.
    let (mut s_acc, mut l_acc) = if seg > 0 {
        (sta[LANES - 1], lta[LANES - 1])
    } else {
        (sta0, lta0)
    };
    for i in nlta + LANES * seg..n {
        let s = x[i] * x[i];
        s_acc += s - x[i - nsta] * x[i - nsta];
        l_acc += s - x[i - nlta] * x[i - nlta];
        // Guard against a zero or (through rounding) negative long-term sum in dead channels.
        out[i] = s_acc / l_acc.max(f64::MIN_POSITIVE) * scale;
    }
    Ok(())
}

/// Recursive STA/LTA (ObsPy `recursive_sta_lta`).
///
/// The averages are linear recurrences `y[i] = a·y[i−1] + c·x[i]²`. For long series the
/// samples are split into `LANES` segments: a first pass finds each segment's end state when
/// started from zero, the exact start states follow from `y_end = local_end + a^len · y_start`,
/// and a second pass runs all segments from their exact start states in lockstep.
pub fn recursive_sta_lta(x: &[f64], nsta: usize, nlta: usize) -> Result<Vec<f64>, DetectError> {
    let mut out = alloc_output(x.len());
    recursive_sta_lta_into(x, nsta, nlta, &mut out)?;
    Ok(out)
}

/// [`recursive_sta_lta`] into a caller-provided buffer of `x.len()` values.
pub fn recursive_sta_lta_into(
    x: &[f64],
    nsta: usize,
    nlta: usize,
    out: &mut [f64],
) -> Result<(), DetectError> {
    check(x.len(), nsta, nlta)?;
    let n = x.len();
    if out.len() != n {
        return Err(DetectError::Output {
            len: out.len(),
            expected: n,
        });
    }
    if n > 0 {
        out[0] = 0.0;
    }
    let csta = 1.0 / nsta as f64;
    let clta = 1.0 / nlta as f64;
    let (icsta, iclta) = (1.0 - csta, 1.0 - clta);
    // ObsPy runs the recursion from sample 1 (sample 0 never enters the averages).
    let m = n.saturating_sub(1);
    let seg = if m >= MIN_SPLIT { m / LANES } else { 0 };
    let mut sta = [0.0f64; LANES];
    let mut lta = [0.0f64; LANES];
    if seg > 0 {
        // Pass 1: local end states of segments 0..LANES-1 started from zero.
        let mut ls = [0.0f64; LANES];
        let mut ll = [0.0f64; LANES];
        for j in 0..seg {
            for k in 0..LANES - 1 {
                let v = x[1 + k * seg + j];
                let s = v * v;
                ls[k] = csta * s + icsta * ls[k];
                ll[k] = clta * s + iclta * ll[k];
            }
        }
        // Exact start states: y_start(k+1) = local_end(k) + a^seg · y_start(k).
        let (ps, pl) = (icsta.powi(seg as i32), iclta.powi(seg as i32));
        for k in 1..LANES {
            sta[k] = ls[k - 1] + ps * sta[k - 1];
            lta[k] = ll[k - 1] + pl * lta[k - 1];
        }
        // Pass 2: all segments from their exact start states.
        let (head, _) = out[1..].split_at_mut(LANES * seg);
        let mut outs: Vec<&mut [f64]> = head.chunks_exact_mut(seg).collect();
        let mut den = [[0.0f64; BLOCK]; LANES];
        let mut j0 = 0;
        while j0 < seg {
            let len = BLOCK.min(seg - j0);
            let cur: [&[f64]; LANES] = std::array::from_fn(|k| &x[1 + k * seg + j0..][..len]);
            let mut dst: Vec<&mut [f64]> = outs.iter_mut().map(|o| &mut o[j0..j0 + len]).collect();
            for j in 0..len {
                for k in 0..LANES {
                    let v = cur[k][j];
                    let s = v * v;
                    sta[k] = csta * s + icsta * sta[k];
                    lta[k] = clta * s + iclta * lta[k];
                    dst[k][j] = sta[k];
                    den[k][j] = lta[k];
                }
            }
            for k in 0..LANES {
                divide(&mut outs[k][j0..j0 + len], &den[k][..len], 1.0);
            }
            j0 += len;
        }
    }
    let (mut s_acc, mut l_acc) = if seg > 0 {
        (sta[LANES - 1], lta[LANES - 1])
    } else {
        (0.0, 0.0)
    };
    for i in 1 + LANES * seg..n {
        let s = x[i] * x[i];
        s_acc = csta * s + icsta * s_acc;
        l_acc = clta * s + iclta * l_acc;
        out[i] = s_acc / l_acc;
    }
    // The first nlta values are defined as zero.
    out[..nlta.min(n)].iter_mut().for_each(|v| *v = 0.0);
    Ok(())
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
