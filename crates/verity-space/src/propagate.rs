//! SGP4/SDP4 propagation through the `sgp4` crate (pure-Rust port of Vallado's 2006 code).
//!
//! Constants follow Vallado et al. 2006 (AIAA 2006-6753) "improved" operation mode, the default
//! of Vallado's C++ and of python-sgp4: WGS-72 gravity, IAU-82 GMST at epoch, and the corrected
//! Lyddane choice. [`Sgp4Mode::Afspc`] reproduces the legacy AFSPC behaviour instead.
//!
//! The `sgp4` crate does not flag decay; Vallado's code does (error 6, `mrt < 1`: the satellite
//! radius is below one Earth radius), so [`Propagator`] adds that check to agree with the
//! reference on which propagations fail.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::elements::{EARTH_RADIUS_WGS72, ElementSet};
use crate::error::{Result, SpaceError};
use crate::time::Epoch;

/// Which flavour of Vallado's code to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sgp4Mode {
    /// Vallado 2006 improved mode (`opsmode = 'i'`), python-sgp4's default.
    #[default]
    Improved,
    /// Legacy AFSPC mode (`opsmode = 'a'`): AFSPC sidereal time and Lyddane choice.
    Afspc,
}

/// A position/velocity in the TEME frame of the element set (km, km/s).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateVector {
    pub position_km: [f64; 3],
    pub velocity_km_s: [f64; 3],
}

/// A ready-to-run SGP4 propagator for one element set.
#[derive(Clone, Debug)]
pub struct Propagator {
    pub elements: ElementSet,
    constants: sgp4::Constants,
    mode: Sgp4Mode,
}

impl Propagator {
    /// Initialises SGP4 for `elements` in the improved mode.
    pub fn new(elements: &ElementSet) -> Result<Propagator> {
        Self::with_mode(elements, Sgp4Mode::Improved)
    }

    /// Initialises SGP4 in the chosen mode.
    pub fn with_mode(elements: &ElementSet, mode: Sgp4Mode) -> Result<Propagator> {
        let deg = std::f64::consts::PI / 180.0;
        let err = |reason: String| SpaceError::Elements {
            object: elements.label(),
            reason,
        };
        let checks = [
            elements.eccentricity.is_finite(),
            elements.inclination_deg.is_finite(),
            elements.mean_motion_rev_per_day.is_finite(),
            elements.bstar.is_finite(),
            elements.raan_deg.is_finite(),
            elements.arg_perigee_deg.is_finite(),
            elements.mean_anomaly_deg.is_finite(),
        ];
        if checks.iter().any(|ok| !ok) {
            return Err(err("non-finite element".into()));
        }
        let orbit = sgp4::Orbit::from_kozai_elements(
            &sgp4::WGS72,
            elements.inclination_deg * deg,
            elements.raan_deg * deg,
            elements.eccentricity,
            elements.arg_perigee_deg * deg,
            elements.mean_anomaly_deg * deg,
            // rev/day → rad/min
            elements.mean_motion_rev_per_day * (std::f64::consts::PI / 720.0),
        )
        .map_err(|e| err(e.to_string()))?;
        let epoch = elements.epoch.years_since_j2000();
        let constants = match mode {
            Sgp4Mode::Improved => sgp4::Constants::new(
                sgp4::WGS72,
                sgp4::iau_epoch_to_sidereal_time,
                epoch,
                elements.bstar,
                orbit,
            ),
            Sgp4Mode::Afspc => sgp4::Constants::new(
                sgp4::WGS72,
                sgp4::afspc_epoch_to_sidereal_time,
                epoch,
                elements.bstar,
                orbit,
            ),
        }
        .map_err(|e| err(e.to_string()))?;
        Ok(Propagator {
            elements: elements.clone(),
            constants,
            mode,
        })
    }

    /// State `minutes` after the element epoch (negative = before).
    pub fn propagate_minutes(&self, minutes: f64) -> Result<StateVector> {
        let mut state = self.constants.initial_state();
        self.step(minutes, state.as_mut())
    }

    fn step(&self, minutes: f64, state: Option<&mut sgp4::ResonanceState>) -> Result<StateVector> {
        let p = self
            .constants
            .propagate_from_state(
                sgp4::MinutesSinceEpoch(minutes),
                state,
                self.mode == Sgp4Mode::Afspc,
            )
            .map_err(|e| SpaceError::Propagation {
                object: self.elements.label(),
                minutes,
                reason: e.to_string(),
            })?;
        let r = p.position;
        let radius = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
        // Vallado 2006 error 6 (mrt < 1): below the Earth's surface, the element set has decayed.
        if !(radius >= EARTH_RADIUS_WGS72) {
            return Err(SpaceError::Propagation {
                object: self.elements.label(),
                minutes,
                reason: format!(
                    "satellite has decayed (radius {radius:.3} km below one Earth radius)"
                ),
            });
        }
        Ok(StateVector {
            position_km: p.position,
            velocity_km_s: p.velocity,
        })
    }

    /// State at a UTC epoch.
    pub fn propagate_at(&self, t: &Epoch) -> Result<StateVector> {
        self.propagate_minutes(t.minutes_since(&self.elements.epoch))
    }

    /// States at increasing times (minutes since epoch). Re-uses the deep-space resonance
    /// integrator between calls, which gives the same result as independent calls for
    /// monotonic times (Vallado's `dspace` integrates in fixed 720-min steps from epoch).
    pub fn propagate_series(&self, minutes: &[f64]) -> Vec<Result<StateVector>> {
        let mut state = self.constants.initial_state();
        let mut last = f64::NEG_INFINITY;
        minutes
            .iter()
            .map(|&m| {
                if m < last {
                    state = self.constants.initial_state();
                }
                last = m;
                self.step(m, state.as_mut())
            })
            .collect()
    }
}

/// One object's states on a time grid.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ephemeris {
    pub catalog_number: u32,
    pub name: Option<String>,
    pub samples: Vec<EphemerisSample>,
}

impl Ephemeris {
    /// The JSON shape of `verity space propagate --json` and `POST /api/v1/space/propagate`:
    /// `{catalog_number, name, frame: "TEME", states: [{time, position_km, velocity_km_s} |
    /// {time, error}]}`. One definition so the CLI and the node cannot drift apart.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "catalog_number": self.catalog_number,
            "name": self.name,
            "frame": "TEME",
            "states": self.samples.iter().map(|s| match (&s.state, &s.error) {
                (Some(st), _) => serde_json::json!({"time": s.epoch.to_iso8601(), "position_km": st.position_km, "velocity_km_s": st.velocity_km_s}),
                (None, err) => serde_json::json!({"time": s.epoch.to_iso8601(), "error": err}),
            }).collect::<Vec<_>>(),
        })
    }
}

/// One TEME state, or why the propagation failed at that time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EphemerisSample {
    pub epoch: Epoch,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateVector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The times `start, start+step, …` up to and including `end`.
pub fn time_grid(start: &Epoch, end: &Epoch, step_minutes: f64) -> Result<Vec<Epoch>> {
    if !(step_minutes > 0.0) || !step_minutes.is_finite() {
        return Err(SpaceError::Invalid(format!(
            "step of {step_minutes} min must be positive"
        )));
    }
    let span = end.minutes_since(start);
    if span < 0.0 {
        return Err(SpaceError::Invalid("end is before start".into()));
    }
    let n = (span / step_minutes + 1e-9).floor() as usize + 1;
    if n > 50_000_000 {
        return Err(SpaceError::Invalid(format!("{n} time steps is too many")));
    }
    Ok((0..n)
        .map(|i| start.plus_seconds(i as f64 * step_minutes * 60.0))
        .collect())
}

/// Propagates every element set over a time grid, in parallel over objects.
pub fn ephemerides(elements: &[ElementSet], times: &[Epoch]) -> Vec<Result<Ephemeris>> {
    elements
        .par_iter()
        .map(|e| {
            let p = Propagator::new(e)?;
            let minutes: Vec<f64> = times.iter().map(|t| t.minutes_since(&e.epoch)).collect();
            let samples = p
                .propagate_series(&minutes)
                .into_iter()
                .zip(times)
                .map(|(r, t)| match r {
                    Ok(s) => EphemerisSample {
                        epoch: *t,
                        state: Some(s),
                        error: None,
                    },
                    Err(err) => EphemerisSample {
                        epoch: *t,
                        state: None,
                        error: Some(err.to_string()),
                    },
                })
                .collect();
            Ok(Ephemeris {
                catalog_number: e.catalog_number,
                name: e.name.clone(),
                samples,
            })
        })
        .collect()
}
