//! Declared versus observed: reconciles registrations and pre-launch notifications with an
//! observed catalogue (element sets) and a list of observed launches.
//!
//! Findings:
//! * **undeclared object** — an observed object whose designator/catalog number no registration
//!   names (flagged `likely_debris` when its name says DEB or R/B: registration is customary for
//!   functional objects only);
//! * **declared, not observed** — a registration no element set matches;
//! * **orbit differs from declaration** — inclination beyond `inclination_tol_deg`, nodal period
//!   beyond `period_tol_frac`, or apogee/perigee beyond `altitude_tol_km + altitude_tol_frac·h`;
//! * **notified launch did not occur** — a notification whose window closed before `as_of`
//!   with no observed launch by that State from that area inside the window (± slack);
//! * **launch not notified** — an observed launch with no matching notification.

use serde::{Deserialize, Serialize};

use crate::elements::ElementSet;
use crate::error::{Result, SpaceError};
use crate::registry::{PreLaunchNotification, SpaceObjectRegistration, launch_of_designator};
use crate::time::Epoch;

/// A launch known to have happened (e.g. from a launch log or SATCAT `LAUNCH_DATE`/`SITE`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservedLaunch {
    /// COSPAR launch identifier `YYYY-NNN`.
    pub launch: String,
    pub launching_state: String,
    pub time: Epoch,
    pub launch_area: String,
}

/// Tolerances of the orbit comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReconcileOptions {
    pub inclination_tol_deg: f64,
    pub period_tol_frac: f64,
    pub altitude_tol_km: f64,
    pub altitude_tol_frac: f64,
    /// Launch time slack around notification windows (s).
    pub window_slack_s: f64,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions {
            inclination_tol_deg: 0.5,
            period_tol_frac: 0.02,
            altitude_tol_km: 25.0,
            altitude_tol_frac: 0.02,
            window_slack_s: 3600.0,
        }
    }
}

/// One reconciliation finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    UndeclaredObject {
        catalog_number: u32,
        international_designator: Option<String>,
        name: Option<String>,
        likely_debris: bool,
    },
    DeclaredNotObserved {
        international_designator: String,
        name: String,
    },
    OrbitDiffers {
        international_designator: String,
        catalog_number: u32,
        field: String,
        declared: f64,
        observed: f64,
        tolerance: f64,
    },
    NotifiedLaunchDidNotOccur {
        notifying_state: String,
        launch_area: String,
        window_open: String,
        window_close: String,
    },
    LaunchNotNotified {
        launch: String,
        launching_state: String,
        time: Epoch,
        launch_area: String,
    },
}

fn same_area(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Reconciles declarations against observations as of `as_of` (passed in: no clock here).
pub fn reconcile(
    registrations: &[SpaceObjectRegistration],
    notifications: &[PreLaunchNotification],
    observed: &[ElementSet],
    launches: &[ObservedLaunch],
    as_of: &Epoch,
    opts: &ReconcileOptions,
) -> Result<Vec<Finding>> {
    for r in registrations {
        r.validate()?;
    }
    for n in notifications {
        n.validate()?;
    }
    for l in launches {
        if launch_of_designator(&format!("{}A", l.launch)).is_none() {
            return Err(SpaceError::Invalid(format!(
                "observed launch {:?} is not a COSPAR launch identifier YYYY-NNN",
                l.launch
            )));
        }
    }
    let mut out = Vec::new();
    let matches = |r: &SpaceObjectRegistration, e: &ElementSet| {
        r.catalog_number == Some(e.catalog_number)
            || e.international_designator.as_deref() == Some(r.international_designator.as_str())
    };
    for e in observed {
        if !registrations.iter().any(|r| matches(r, e)) {
            let name = e.name.clone().unwrap_or_default().to_ascii_uppercase();
            out.push(Finding::UndeclaredObject {
                catalog_number: e.catalog_number,
                international_designator: e.international_designator.clone(),
                name: e.name.clone(),
                likely_debris: name.contains(" DEB") || name.contains("R/B"),
            });
        }
    }
    for r in registrations {
        // The latest element set of the object is the observation.
        let latest = observed.iter().filter(|e| matches(r, e)).max_by(|a, b| {
            a.epoch
                .partial_cmp(&b.epoch)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let Some(e) = latest else {
            out.push(Finding::DeclaredNotObserved {
                international_designator: r.international_designator.clone(),
                name: r.name.clone(),
            });
            continue;
        };
        let mut differ = |field: &str, declared: f64, observed: f64, tolerance: f64| {
            if (declared - observed).abs() > tolerance {
                out.push(Finding::OrbitDiffers {
                    international_designator: r.international_designator.clone(),
                    catalog_number: e.catalog_number,
                    field: field.into(),
                    declared,
                    observed,
                    tolerance,
                });
            }
        };
        differ(
            "inclination_deg",
            r.inclination_deg,
            e.inclination_deg,
            opts.inclination_tol_deg,
        );
        differ(
            "nodal_period_min",
            r.nodal_period_min,
            e.period_minutes(),
            opts.period_tol_frac * r.nodal_period_min,
        );
        differ(
            "apogee_km",
            r.apogee_km,
            e.apogee_altitude_km(),
            opts.altitude_tol_km + opts.altitude_tol_frac * r.apogee_km,
        );
        differ(
            "perigee_km",
            r.perigee_km,
            e.perigee_altitude_km(),
            opts.altitude_tol_km + opts.altitude_tol_frac * r.perigee_km,
        );
    }
    let slack = opts.window_slack_s;
    let in_window = |n: &PreLaunchNotification, l: &ObservedLaunch| -> bool {
        match n.window() {
            Ok((open, close)) => {
                n.notifying_state == l.launching_state
                    && same_area(&n.launch_area, &l.launch_area)
                    && l.time.seconds_since(&open) >= -slack
                    && close.seconds_since(&l.time) >= -slack
            }
            Err(_) => false,
        }
    };
    for n in notifications {
        let (_, close) = n.window()?;
        if as_of.seconds_since(&close) > slack && !launches.iter().any(|l| in_window(n, l)) {
            out.push(Finding::NotifiedLaunchDidNotOccur {
                notifying_state: n.notifying_state.clone(),
                launch_area: n.launch_area.clone(),
                window_open: n.window_open.clone(),
                window_close: n.window_close.clone(),
            });
        }
    }
    for l in launches {
        if !notifications.iter().any(|n| in_window(n, l)) {
            out.push(Finding::LaunchNotNotified {
                launch: l.launch.clone(),
                launching_state: l.launching_state.clone(),
                time: l.time,
                launch_area: l.launch_area.clone(),
            });
        }
    }
    Ok(out)
}
