//! IDC-style event screening: mb:Ms and depth criteria, each decision explained.
//!
//! * mb:Ms — an event whose surface-wave magnitude is large for its body-wave magnitude is
//!   earthquake-like and *screened out*. Two lines: the revised IDC criterion Ms = mb − 0.64
//!   (Selby, Marshall & Bowers 2012, BSSA 102(1); IDC screening since then) and the
//!   older Ms = 1.25·mb − 2.2 (the original IDC mb:Ms criterion). The event is screened out
//!   when Ms exceeds the line by more than z·σ, σ² = σ_Ms² + (slope·σ_mb)², z = one-sided normal
//!   quantile of the chosen confidence (default 97.5 %, z = 1.96), so that a screened-out event
//!   is earthquake-like with that confidence.
//! * Depth — an event deeper than 10 km with confidence is screened out as natural: the lower
//!   bound depth − z·σ_depth must exceed 10 km. σ_depth is recovered from the locator's
//!   two-sided interval half-width. Fixed-depth solutions cannot be screened on depth.
//!
//! "Not screened out" means *consider further*, never "explosion".
use crate::magnitude::NetworkMagnitude;
use crate::stats::chi2_quantile;

/// Inputs to screening (only what the criteria need).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScreeningInput {
    pub mb: Option<(f64, f64)>,
    /// (Ms, σ_Ms)
    pub ms: Option<(f64, f64)>,
    pub depth_km: Option<f64>,
    /// One-sigma depth uncertainty (km); None if depth was fixed.
    pub depth_sigma_km: Option<f64>,
}

impl ScreeningInput {
    /// Build from network magnitudes (σ = standard error of the mean, floored at 0.1 magnitude
    /// units so that single-station magnitudes are not treated as exact) and a location.
    pub fn from_event(
        mb: Option<&NetworkMagnitude>,
        ms: Option<&NetworkMagnitude>,
        location: Option<&crate::locate::Location>,
    ) -> Self {
        let mag = |m: &NetworkMagnitude| (m.value, m.std_error.max(0.1));
        let (depth_km, depth_sigma_km) = match location {
            Some(l) => {
                let conf = l.ellipse.confidence;
                let z = chi2_quantile(conf, 1.0).sqrt();
                (
                    Some(l.hypocentre.depth_km),
                    l.depth_uncertainty_km.map(|u| u / z),
                )
            }
            None => (None, None),
        };
        Self {
            mb: mb.map(mag),
            ms: ms.map(mag),
            depth_km,
            depth_sigma_km,
        }
    }
}

/// Outcome of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    ScreenedOut,
    NotScreenedOut,
    NotApplicable,
}

/// One criterion's decision with its numbers and a sentence of explanation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CriterionResult {
    pub criterion: String,
    pub decision: Decision,
    /// Statistic (e.g. Ms − line, or depth lower bound) and the threshold it is compared with.
    pub statistic: Option<f64>,
    pub threshold: Option<f64>,
    pub explanation: String,
}

/// All criteria and the overall decision.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScreeningResult {
    pub decision: Decision,
    pub confidence: f64,
    pub criteria: Vec<CriterionResult>,
    pub summary: String,
}

fn mbms(
    name: &str,
    slope: f64,
    intercept: f64,
    input: &ScreeningInput,
    z: f64,
    conf: f64,
) -> CriterionResult {
    let (Some((mb, smb)), Some((ms, sms))) = (input.mb, input.ms) else {
        return CriterionResult {
            criterion: name.to_string(),
            decision: Decision::NotApplicable,
            statistic: None,
            threshold: None,
            explanation: "needs both mb and Ms".into(),
        };
    };
    let line = slope * mb + intercept;
    let sigma = (sms * sms + (slope * smb).powi(2)).sqrt();
    let excess = ms - line;
    let threshold = z * sigma;
    let out = excess > threshold;
    CriterionResult {
        criterion: name.to_string(),
        decision: if out {
            Decision::ScreenedOut
        } else {
            Decision::NotScreenedOut
        },
        statistic: Some(excess),
        threshold: Some(threshold),
        explanation: format!(
            "mb {mb:.2} ± {smb:.2}, Ms {ms:.2} ± {sms:.2}: the line gives Ms {line:.2}; Ms exceeds it by {excess:.2}, {} the {:.1} % one-sided margin {threshold:.2} (z = {z:.2}, σ = {sigma:.2}) → {}",
            if out { "more than" } else { "not more than" },
            conf * 100.0,
            if out {
                "earthquake-like, screened out"
            } else {
                "not screened out"
            }
        ),
    }
}

/// Apply the IDC screening criteria at one-sided confidence `confidence` (e.g. 0.975).
pub fn screen(input: &ScreeningInput, confidence: f64) -> ScreeningResult {
    let conf = if confidence > 0.5 && confidence < 1.0 {
        confidence
    } else {
        0.975
    };
    // one-sided z: P(Z > z) = 1 − conf  ⇔  z² = χ²₁ quantile at 2·conf − 1
    let z = chi2_quantile(2.0 * conf - 1.0, 1.0).sqrt();
    let mut criteria = vec![
        mbms(
            "mb:Ms revised (Ms = mb − 0.64; Selby et al. 2012)",
            1.0,
            -0.64,
            input,
            z,
            conf,
        ),
        mbms(
            "mb:Ms older (Ms = 1.25·mb − 2.2)",
            1.25,
            -2.2,
            input,
            z,
            conf,
        ),
    ];
    let depth = match (input.depth_km, input.depth_sigma_km) {
        (Some(h), Some(s)) => {
            let lower = h - z * s;
            let out = lower > 10.0;
            CriterionResult {
                criterion: "depth > 10 km".into(),
                decision: if out {
                    Decision::ScreenedOut
                } else {
                    Decision::NotScreenedOut
                },
                statistic: Some(lower),
                threshold: Some(10.0),
                explanation: format!(
                    "depth {h:.1} ± {s:.1} km (1σ): lower {:.1} % bound {lower:.1} km is {} 10 km → {}",
                    conf * 100.0,
                    if out {
                        "deeper than"
                    } else {
                        "not deeper than"
                    },
                    if out {
                        "too deep for an explosion, screened out"
                    } else {
                        "not screened out"
                    }
                ),
            }
        }
        (Some(h), None) => CriterionResult {
            criterion: "depth > 10 km".into(),
            decision: Decision::NotApplicable,
            statistic: None,
            threshold: Some(10.0),
            explanation: format!("depth {h:.1} km was fixed, not resolved; cannot screen on depth"),
        },
        _ => CriterionResult {
            criterion: "depth > 10 km".into(),
            decision: Decision::NotApplicable,
            statistic: None,
            threshold: Some(10.0),
            explanation: "no location".into(),
        },
    };
    criteria.push(depth);
    // The revised mb:Ms line supersedes the older one for the overall decision (IDC practice
    // since Selby et al. 2012); the older line is reported for comparison.
    let decisive = [&criteria[0], &criteria[2]];
    let decision = if decisive.iter().any(|c| c.decision == Decision::ScreenedOut) {
        Decision::ScreenedOut
    } else if decisive
        .iter()
        .all(|c| c.decision == Decision::NotApplicable)
    {
        Decision::NotApplicable
    } else {
        Decision::NotScreenedOut
    };
    let summary = match decision {
        Decision::ScreenedOut => format!(
            "screened out as natural by: {}",
            decisive.iter().filter(|c| c.decision == Decision::ScreenedOut).map(|c| c.criterion.as_str()).collect::<Vec<_>>().join("; ")
        ),
        Decision::NotScreenedOut => "not screened out: no applicable criterion shows the event to be natural; it remains for further analysis (this is not an explosion finding)".into(),
        Decision::NotApplicable => "no screening criterion applicable (needs mb and Ms, or a free depth)".into(),
    };
    ScreeningResult {
        decision,
        confidence: conf,
        criteria,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mb: f64, ms: f64, depth: Option<(f64, f64)>) -> ScreeningInput {
        ScreeningInput {
            mb: Some((mb, 0.1)),
            ms: Some((ms, 0.1)),
            depth_km: depth.map(|d| d.0),
            depth_sigma_km: depth.map(|d| d.1),
        }
    }

    /// Table of hand-worked cases: z(0.975) = 1.96; σ(revised) = √(0.1² + 0.1²) = 0.1414 → margin 0.277.
    #[test]
    fn decisions_table() {
        let cases = [
            // (mb, Ms, depth, expected overall, expected revised)
            (5.0, 4.9, None, Decision::ScreenedOut, Decision::ScreenedOut), // 4.9 − 4.36 = 0.54 > 0.277
            (
                5.0,
                4.5,
                None,
                Decision::NotScreenedOut,
                Decision::NotScreenedOut,
            ), // 0.14 < 0.277
            (
                5.0,
                3.6,
                Some((30.0, 5.0)),
                Decision::ScreenedOut,
                Decision::NotScreenedOut,
            ), // 30 − 9.8 = 20.2 > 10
            (
                5.0,
                3.6,
                Some((12.0, 5.0)),
                Decision::NotScreenedOut,
                Decision::NotScreenedOut,
            ),
        ];
        for (mb, ms, d, overall, revised) in cases {
            let r = screen(&input(mb, ms, d), 0.975);
            assert_eq!(r.decision, overall, "{mb} {ms} {d:?}: {r:#?}");
            assert_eq!(r.criteria[0].decision, revised);
            assert!(!r.criteria[0].explanation.is_empty());
        }
        // Older line: 1.25·5 − 2.2 = 4.05; σ = √(0.01 + 0.015625) = 0.16 → margin 0.314; Ms 4.5 excess 0.45 → out.
        let r = screen(&input(5.0, 4.5, None), 0.975);
        assert_eq!(r.criteria[1].decision, Decision::ScreenedOut);
        assert!((r.criteria[1].statistic.unwrap() - 0.45).abs() < 1e-12);
    }
}
