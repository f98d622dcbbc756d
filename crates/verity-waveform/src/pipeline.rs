//! Streaming detection: band-pass → STA/LTA → trigger → AIC pick, one sample block at a time,
//! so a channel-day is processed in memory bounded by the window lengths, not by the day.
//!
//! Every stage is the streaming form of the batch function it is tested against:
//! the causal [`Sos`] filter (started from its steady state for the first sample, so a DC
//! offset does not ring — the batch equivalent is `sosfilt` with `zi = sosfilt_zi·x₀`), the
//! STA/LTA of [`crate::detect`] (identical values), [`crate::detect::trigger_onset`] without a
//! maximum length (identical on/off pairs), and [`crate::detect::aic_pick`] over the window
//! `[on − pre, on + post]` of filtered samples.

use crate::detect::{DetectError, aic_pick};
use crate::signal::{Band, SignalError, Sos, butterworth};
use serde::Serialize;

/// Which STA/LTA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Sliding windows (ObsPy `classic_sta_lta`).
    Classic,
    /// Exponential averages (ObsPy `recursive_sta_lta`).
    Recursive,
}

/// Detector settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorConfig {
    /// Band-pass corners (Hz) and Butterworth order; `None` for no filter.
    pub band: Option<(f64, f64, usize)>,
    /// STA window (s).
    pub sta: f64,
    /// LTA window (s).
    pub lta: f64,
    /// Trigger-on threshold.
    pub on: f64,
    /// Trigger-off threshold.
    pub off: f64,
    /// STA/LTA flavour.
    pub method: Method,
    /// AIC window before the trigger (s).
    pub pick_before: f64,
    /// AIC window after the trigger (s).
    pub pick_after: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            band: Some((2.0, 8.0, 4)),
            sta: 1.0,
            lta: 30.0,
            on: 3.5,
            off: 1.5,
            method: Method::Recursive,
            pick_before: 5.0,
            pick_after: 2.0,
        }
    }
}

/// Errors configuring a detector.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PipelineError {
    /// Filter design failed.
    #[error(transparent)]
    Filter(#[from] SignalError),
    /// Window lengths or thresholds unusable.
    #[error(transparent)]
    Detect(#[from] DetectError),
    /// Pick window negative or not finite.
    #[error("pick window {0} s is not a non-negative finite number")]
    PickWindow(f64),
}

/// One detection: trigger on/off sample indices (from the start of the stream) and the AIC
/// onset pick, if the pick window could be filled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// First sample at or above the on-threshold.
    pub on: usize,
    /// Last sample at or above the off-threshold.
    pub off: usize,
    /// Largest STA/LTA value during the trigger.
    pub peak: f64,
    /// AIC onset sample index.
    pub pick: Option<usize>,
}

/// Streaming detector for one continuous channel.
pub struct Detector {
    sos: Option<Sos>,
    zi: Vec<[f64; 2]>,
    steady: Vec<[f64; 2]>,
    started: bool,
    method: Method,
    nsta: usize,
    nlta: usize,
    on: f64,
    off: f64,
    // Classic: ring of the last nlta squares and running sums. Recursive: the averages.
    ring: Vec<f64>,
    sta: f64,
    lta: f64,
    head: usize,
    csta: f64,
    clta: f64,
    // Filtered samples for the AIC windows: `history[0]` is sample `history_start`.
    history: Vec<f64>,
    history_start: usize,
    pre: usize,
    post: usize,
    n: usize,
    open: Option<(usize, f64)>,
    detections: Vec<Detection>,
    pending_picks: Vec<usize>,
    picked: Vec<(usize, Option<usize>)>,
}

impl Detector {
    /// A detector for data at `sample_rate` Hz.
    pub fn new(cfg: &DetectorConfig, sample_rate: f64) -> Result<Self, PipelineError> {
        let sos = match cfg.band {
            Some((lo, hi, order)) => Some(butterworth(order, Band::Bandpass(lo, hi), sample_rate)?),
            None => None,
        };
        let nsta = (cfg.sta * sample_rate).round() as usize;
        let nlta = (cfg.lta * sample_rate).round() as usize;
        if nsta == 0 || nsta >= nlta {
            return Err(DetectError::Windows { nsta, nlta }.into());
        }
        for t in [cfg.on, cfg.off] {
            if !t.is_finite() {
                return Err(DetectError::Threshold(t).into());
            }
        }
        for w in [cfg.pick_before, cfg.pick_after] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(PipelineError::PickWindow(w));
            }
        }
        let steady = sos.as_ref().map(|s| s.steady_state()).unwrap_or_default();
        let pre = (cfg.pick_before * sample_rate).round() as usize;
        let post = (cfg.pick_after * sample_rate).round() as usize;
        Ok(Detector {
            zi: vec![[0.0; 2]; steady.len()],
            steady,
            sos,
            started: false,
            method: cfg.method,
            nsta,
            nlta,
            on: cfg.on,
            off: cfg.off,
            ring: if cfg.method == Method::Classic {
                vec![0.0; nlta]
            } else {
                Vec::new()
            },
            sta: 0.0,
            lta: 0.0,
            head: 0,
            csta: 1.0 / nsta as f64,
            clta: 1.0 / nlta as f64,
            history: Vec::new(),
            history_start: 0,
            pre,
            post,
            n: 0,
            open: None,
            detections: Vec::new(),
            pending_picks: Vec::new(),
            picked: Vec::new(),
        })
    }

    /// Number of samples consumed so far.
    pub fn samples_seen(&self) -> usize {
        self.n
    }

    /// Feed the next block of raw samples.
    pub fn push(&mut self, block: &[f64]) {
        if block.is_empty() {
            return;
        }
        let mut buf = block.to_vec();
        if let Some(sos) = &self.sos {
            if !self.started {
                let x0 = buf[0];
                for (z, s) in self.zi.iter_mut().zip(&self.steady) {
                    *z = [s[0] * x0, s[1] * x0];
                }
            }
            sos.filter_with_state(&mut buf, &mut self.zi);
        }
        self.started = true;
        let cf = self.characteristic(&buf);
        // Keep the filtered samples the pending and future AIC windows need: drop the front
        // in one go once it is twice as long as required (amortised O(1) per sample).
        self.history.extend_from_slice(&buf);
        // Triggers in this block need `pre` samples before the block; pending ones need at
        // most `pre + post + 1` before its end.
        let keep = self.pre + self.post + 1 + buf.len();
        if self.history.len() > 2 * keep {
            let drop = self.history.len() - keep;
            self.history.drain(..drop);
            self.history_start += drop;
        }
        let base = self.n;
        self.n += buf.len();
        for (k, &c) in cf.iter().enumerate() {
            let i = base + k;
            match self.open {
                None => {
                    if c >= self.on {
                        self.open = Some((i, c));
                        self.pending_picks.push(i);
                    }
                }
                Some((on, peak)) => {
                    if c < self.off {
                        self.close(on, i - 1, peak);
                    } else if c > peak {
                        self.open = Some((on, c));
                    }
                }
            }
        }
        // A pick is due once `post` samples after the trigger have been seen. Pending picks
        // are in increasing order, so only the first needs checking.
        while let Some(&on) = self.pending_picks.first() {
            if on + self.post < self.n {
                self.pick(on);
            } else {
                break;
            }
        }
    }

    /// STA/LTA values for the next filtered block (same arithmetic as `crate::detect`).
    fn characteristic(&mut self, y: &[f64]) -> Vec<f64> {
        let mut cf = vec![0.0; y.len()];
        let (nsta, nlta) = (self.nsta, self.nlta);
        match self.method {
            Method::Classic => {
                let scale = nlta as f64 / nsta as f64;
                for (k, &v) in y.iter().enumerate() {
                    let i = self.n + k;
                    let s = v * v;
                    // Ring of the last nlta squares; `head` is where sample i goes.
                    let head = self.head;
                    let old_l = self.ring[head];
                    let ss = if head >= nsta {
                        head - nsta
                    } else {
                        head + nlta - nsta
                    };
                    let old_s = self.ring[ss];
                    self.ring[head] = s;
                    self.head = if head + 1 == nlta { 0 } else { head + 1 };
                    if i < nlta {
                        self.lta += s;
                        if i >= nlta - nsta {
                            self.sta += s;
                        }
                        if i + 1 == nlta {
                            cf[k] = self.sta / self.lta.max(f64::MIN_POSITIVE) * scale;
                        }
                    } else {
                        self.sta += s - old_s;
                        self.lta += s - old_l;
                        cf[k] = self.sta / self.lta.max(f64::MIN_POSITIVE) * scale;
                    }
                }
            }
            Method::Recursive => {
                let (cs, cl) = (self.csta, self.clta);
                let (ics, icl) = (1.0 - cs, 1.0 - cl);
                let (mut sta, mut lta) = (self.sta, self.lta);
                for (k, &v) in y.iter().enumerate() {
                    let i = self.n + k;
                    if i == 0 {
                        continue; // ObsPy starts the recursion at sample 1
                    }
                    let s = v * v;
                    sta = cs * s + ics * sta;
                    lta = cl * s + icl * lta;
                    if i >= nlta {
                        cf[k] = sta / lta;
                    }
                }
                self.sta = sta;
                self.lta = lta;
            }
        }
        cf
    }

    fn close(&mut self, on: usize, off: usize, peak: f64) {
        self.detections.push(Detection {
            on,
            off,
            peak,
            pick: None,
        });
        self.open = None;
        self.attach_picks();
    }

    fn pick(&mut self, on: usize) {
        self.pending_picks.retain(|&p| p != on);
        let first = self.history_start;
        let lo = on.saturating_sub(self.pre).max(first);
        let hi = (on + self.post + 1).min(self.n);
        let p = aic_pick(&self.history[lo - first..hi - first]).map(|k| lo + k);
        self.picked.push((on, p));
        self.attach_picks();
    }

    fn attach_picks(&mut self) {
        for d in self.detections.iter_mut().filter(|d| d.pick.is_none()) {
            if let Some(&(_, p)) = self.picked.iter().find(|(on, _)| *on == d.on) {
                d.pick = p;
            }
        }
    }

    /// End of data: close an open trigger at the last sample, pick what can be picked, and
    /// return every detection.
    pub fn finish(mut self) -> Vec<Detection> {
        if let Some((on, peak)) = self.open.take() {
            self.close(on, self.n.saturating_sub(1), peak);
        }
        for on in self.pending_picks.clone() {
            self.pick(on);
        }
        self.attach_picks();
        self.detections
    }
}
