//! The JSON of a screening (one definition for `verity space screen --json` and the node's
//! `POST /api/v1/space/screen`) and the signed close-approach / manoeuvre bulletin.
//!
//! ## Bulletin schema (version [`BULLETIN_SCHEMA_VERSION`])
//! Logged as treaty [`crate::registry::TREATY`] (`ppwt`), kind `bulletin`
//! (`verity_core::kinds::BULLETIN`): it is monitoring information under the regime's
//! transparency measures (A/68/189 §IV: information on orbital parameters and on events that
//! may affect other States' objects), not a declaration the engine counts. Its payload has no
//! `as_of`, so `verity-treaty`'s `evaluate_log` counts it as a skipped entry.
//!
//! ```json
//! {
//!   "bulletin": "space-close-approaches-and-manoeuvres",
//!   "schema_version": 1,
//!   "producer": {"software": "verity-space", "version": "0.1.0"},
//!   "catalogue": {"source": "catalog.tle", "sha256": "<hex of the input text>", "objects": 120},
//!   "elements": [{"catalog_number": 25544, "name": "ISS (ZARYA)",
//!                 "international_designator": "1998-067A", "epoch": "<ISO 8601>"}],
//!   "screening": {"start": "…", "end": "…", "days": 1.0, "threshold_km": 10.0,
//!                 "excluded": [{"catalog_number": 1, "reason": "…"}],
//!                 "conjunctions": [<conjunction>]}  | null,
//!   "manoeuvres": {"threshold_m_s": 0.2, "detected": [<manoeuvre>]}  | null,
//!   "part": {"number": 1, "of": 1}
//! }
//! ```
//! `<conjunction>` is as in the screening JSON: `primary`, `secondary`, `primary_name`,
//! `secondary_name`, `tca` (ISO 8601 UTC), `miss_distance_km`, `relative_speed_km_s`,
//! `miss_ric_km` {`radial`, `in_track`, `cross_track`} (secondary minus primary in the
//! primary's RIC frame). `<manoeuvre>`: `catalog_number`, `from_epoch`, `to_epoch`,
//! `delta_a_km`, `delta_inclination_deg`, `delta_raan_deg`, `plane_change_deg`,
//! `delta_v_tangential_m_s`, `delta_v_normal_m_s`, `delta_v_m_s`, `position_residual_km`.
//! `elements` lists the element sets of the objects the bulletin names (for manoeuvres: the
//! two sets compared), so a reader can reproduce each figure; `catalogue.sha256` pins the
//! whole input without copying it into the log.
//!
//! A log entry is at most 64 KiB (`verity_core::MAX_ENTRY_BYTES`), about 150 conjunctions.
//! [`bulletin_parts`] splits a larger result into parts that each fit, every part carrying the
//! same header (catalogue hash, window, threshold) and `part` = {number, of}; together they
//! list every conjunction and manoeuvre exactly once.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::elements::ElementSet;
use crate::error::{Result, SpaceError};
use crate::manoeuvre::ManoeuvreCheck;
use crate::screen::{Conjunction, ScreeningReport};

/// Version of the bulletin payload schema.
pub const BULLETIN_SCHEMA_VERSION: u32 = 1;
/// Value of the payload's `bulletin` field.
pub const BULLETIN_TYPE: &str = "space-close-approaches-and-manoeuvres";

/// One close approach as JSON.
pub fn conjunction_json(c: &Conjunction) -> Value {
    json!({
        "primary": c.primary, "secondary": c.secondary,
        "primary_name": c.primary_name, "secondary_name": c.secondary_name,
        "tca": c.tca.to_iso8601(),
        "miss_distance_km": c.miss_distance_km,
        "relative_speed_km_s": c.relative_speed_km_s,
        "miss_ric_km": {"radial": c.miss_ric_km[0], "in_track": c.miss_ric_km[1], "cross_track": c.miss_ric_km[2]},
    })
}

fn excluded_json(r: &ScreeningReport) -> Vec<Value> {
    r.excluded
        .iter()
        .map(|(n, why)| json!({"catalog_number": n, "reason": why}))
        .collect()
}

/// The screening result as `verity space screen --json` prints it and the node answers it.
pub fn screening_json(r: &ScreeningReport) -> Value {
    json!({
        "start": r.start.to_iso8601(),
        "days": r.duration_s / 86_400.0,
        "threshold_km": r.threshold_km,
        "objects": r.objects,
        "excluded": excluded_json(r),
        "work": {
            "grid_pair_checks": r.grid_pair_checks,
            "brute_force_pair_steps": r.brute_force_pair_steps,
            "apogee_perigee_rejections": r.apogee_perigee_rejections,
            "refined": r.refined,
        },
        "conjunctions": r.conjunctions.iter().map(conjunction_json).collect::<Vec<_>>(),
    })
}

/// One detected manoeuvre as JSON.
pub fn manoeuvre_json(m: &ManoeuvreCheck) -> Value {
    json!({
        "catalog_number": m.catalog_number,
        "from_epoch": m.from_epoch.to_iso8601(),
        "to_epoch": m.to_epoch.to_iso8601(),
        "delta_a_km": m.delta_a_km,
        "delta_inclination_deg": m.delta_inclination_deg,
        "delta_raan_deg": m.delta_raan_deg,
        "plane_change_deg": m.plane_change_deg,
        "delta_v_tangential_m_s": m.delta_v_tangential_m_s,
        "delta_v_normal_m_s": m.delta_v_normal_m_s,
        "delta_v_m_s": m.delta_v_m_s,
        "position_residual_km": m.position_residual_km,
    })
}

/// What a bulletin is made from.
pub struct BulletinInput<'a> {
    /// Name of the catalogue as the producer knows it (file name).
    pub source: &'a str,
    /// The exact catalogue text (hashed, not copied).
    pub catalogue_text: &'a str,
    /// The parsed element sets of that text.
    pub sets: &'a [ElementSet],
    pub screening: Option<&'a ScreeningReport>,
    /// The comparisons and the Δv threshold; only those flagged as manoeuvres are listed.
    pub manoeuvres: Option<(&'a [ManoeuvreCheck], f64)>,
}

/// Builds the bulletin payload (see the module docs for the schema).
pub fn bulletin_json(input: &BulletinInput<'_>) -> Value {
    let digest = Sha256::digest(input.catalogue_text.as_bytes());
    let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    // Element sets the bulletin names: both objects of each conjunction (the set the screening
    // used: the latest per object), the two sets of each manoeuvre.
    let mut named: Vec<&ElementSet> = Vec::new();
    let latest = |n: u32| {
        input
            .sets
            .iter()
            .filter(|e| e.catalog_number == n)
            .max_by(|a, b| {
                a.epoch
                    .partial_cmp(&b.epoch)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    };
    let mut screening = Value::Null;
    if let Some(r) = input.screening {
        for c in &r.conjunctions {
            for n in [c.primary, c.secondary] {
                if let Some(e) = latest(n) {
                    push_unique(&mut named, e);
                }
            }
        }
        screening = json!({
            "start": r.start.to_iso8601(),
            "end": r.start.plus_seconds(r.duration_s).to_iso8601(),
            "days": r.duration_s / 86_400.0,
            "threshold_km": r.threshold_km,
            "objects": r.objects,
            "excluded": excluded_json(r),
            "conjunctions": r.conjunctions.iter().map(conjunction_json).collect::<Vec<_>>(),
        });
    }
    let mut manoeuvres = Value::Null;
    if let Some((checks, threshold)) = input.manoeuvres {
        let detected: Vec<&ManoeuvreCheck> = checks.iter().filter(|m| m.manoeuvre).collect();
        for m in &detected {
            for e in input.sets.iter().filter(|e| {
                e.catalog_number == m.catalog_number
                    && (e.epoch == m.from_epoch || e.epoch == m.to_epoch)
            }) {
                push_unique(&mut named, e);
            }
        }
        manoeuvres = json!({
            "threshold_m_s": threshold,
            "detected": detected.iter().map(|m| manoeuvre_json(m)).collect::<Vec<_>>(),
        });
    }
    json!({
        "bulletin": BULLETIN_TYPE,
        "schema_version": BULLETIN_SCHEMA_VERSION,
        "producer": {"software": "verity-space", "version": env!("CARGO_PKG_VERSION")},
        "catalogue": {"source": input.source, "sha256": sha256, "objects": count_objects(input.sets)},
        "elements": named.iter().map(|e| json!({
            "catalog_number": e.catalog_number,
            "name": e.name,
            "international_designator": e.international_designator,
            "epoch": e.epoch.to_iso8601(),
        })).collect::<Vec<_>>(),
        "screening": screening,
        "manoeuvres": manoeuvres,
        "part": {"number": 1, "of": 1},
    })
}

/// The bulletin split into parts whose JSON is at most `max_bytes` each (see the module docs).
/// Fails only when a single conjunction or manoeuvre with its header cannot fit.
pub fn bulletin_parts(input: &BulletinInput<'_>, max_bytes: usize) -> Result<Vec<Value>> {
    let conj: &[Conjunction] = input.screening.map_or(&[], |r| &r.conjunctions[..]);
    let detected: Vec<ManoeuvreCheck> = input
        .manoeuvres
        .map(|(c, _)| c.iter().filter(|m| m.manoeuvre).cloned().collect())
        .unwrap_or_default();
    let items = conj.len() + detected.len();
    let mut parts = 1usize;
    loop {
        // `parts` near-equal chunks over the concatenation conjunctions ++ manoeuvres.
        let per = items.div_ceil(parts).max(1);
        let mut out = Vec::with_capacity(parts);
        let mut fits = true;
        for k in 0..parts {
            let (lo, hi) = ((k * per).min(items), ((k + 1) * per).min(items));
            let (c_lo, c_hi) = (lo.min(conj.len()), hi.min(conj.len()));
            let (m_lo, m_hi) = (
                lo.max(conj.len()) - conj.len(),
                hi.max(conj.len()) - conj.len(),
            );
            let report = input.screening.map(|r| ScreeningReport {
                conjunctions: conj[c_lo..c_hi].to_vec(),
                ..r.clone()
            });
            let sub = BulletinInput {
                source: input.source,
                catalogue_text: input.catalogue_text,
                sets: input.sets,
                screening: report.as_ref(),
                manoeuvres: input.manoeuvres.map(|(_, t)| (&detected[m_lo..m_hi], t)),
            };
            let mut v = bulletin_json(&sub);
            v["part"] = json!({"number": k + 1, "of": parts});
            if v.to_string().len() > max_bytes {
                fits = false;
                break;
            }
            out.push(v);
        }
        if fits {
            return Ok(out);
        }
        if per == 1 {
            return Err(SpaceError::Invalid(format!(
                "one conjunction or manoeuvre with the bulletin header exceeds {max_bytes} bytes"
            )));
        }
        parts = (parts * 2).min(items.max(1));
    }
}

fn push_unique<'s>(named: &mut Vec<&'s ElementSet>, e: &'s ElementSet) {
    if !named.iter().any(|x| std::ptr::eq(*x, e)) {
        named.push(e);
    }
}

fn count_objects(sets: &[ElementSet]) -> usize {
    let mut n: Vec<u32> = sets.iter().map(|e| e.catalog_number).collect();
    n.sort_unstable();
    n.dedup();
    n.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Epoch;

    /// Regression: a week-long screening of a large catalogue has thousands of conjunctions,
    /// far more than one 64 KiB log entry holds; the parts must fit and list each one once.
    #[test]
    fn large_results_split_into_parts_that_fit() {
        let start = Epoch::parse_iso8601("2025-03-01T00:00:00Z").unwrap();
        let sets = crate::catalog::synthetic_catalog(300, 5, start);
        let report = crate::screen::screen(
            &sets,
            &start,
            0.25 * 86_400.0,
            &crate::screen::ScreeningOptions {
                threshold_km: 50.0,
                ..Default::default()
            },
            &|_, _| {},
        )
        .unwrap();
        assert!(
            report.conjunctions.len() > 200,
            "{}",
            report.conjunctions.len()
        );
        let input = BulletinInput {
            source: "synthetic",
            catalogue_text: "text",
            sets: &sets,
            screening: Some(&report),
            manoeuvres: None,
        };
        let max = 60_000;
        let parts = bulletin_parts(&input, max).unwrap();
        assert!(parts.len() > 1);
        let mut seen = Vec::new();
        for (k, p) in parts.iter().enumerate() {
            assert!(p.to_string().len() <= max);
            assert_eq!(p["part"], json!({"number": k + 1, "of": parts.len()}));
            assert_eq!(p["catalogue"], parts[0]["catalogue"]);
            seen.extend(
                p["screening"]["conjunctions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .cloned(),
            );
        }
        let all: Vec<Value> = report.conjunctions.iter().map(conjunction_json).collect();
        assert_eq!(seen, all);
        // Small enough: one part, identical to the whole bulletin.
        let one = bulletin_parts(&input, usize::MAX).unwrap();
        assert_eq!(one, vec![bulletin_json(&input)]);
        assert!(bulletin_parts(&input, 100).is_err());
    }
}
