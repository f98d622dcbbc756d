//! Mean element sets (the content of a TLE or a CCSDS OMM with `MEAN_ELEMENT_THEORY = SGP4`).

use serde::{Deserialize, Serialize};

use crate::time::Epoch;

/// WGS-72 gravitational parameter (km³/s²): SGP4 element sets are fitted with WGS-72 constants
/// (Vallado et al. 2006, AIAA 2006-6753 §"Gravitational constants").
pub const MU_WGS72: f64 = 398_600.8;
/// WGS-72 equatorial radius (km).
pub const EARTH_RADIUS_WGS72: f64 = 6378.135;

/// One SGP4 mean element set. Angles in degrees, mean motion in revolutions per day (Kozai), as
/// they appear in a TLE or OMM, so that nothing is lost in a round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElementSet {
    /// Object name (3LE line 0 / OMM `OBJECT_NAME`).
    pub name: Option<String>,
    /// Satellite catalog number (NORAD; Alpha-5 letters decoded: A0000 = 100000).
    pub catalog_number: u32,
    /// Classification letter (`U`, `C`, `S`).
    pub classification: char,
    /// International designator as in the OMM `OBJECT_ID` (`1998-067A`); TLE `98067A` is expanded.
    pub international_designator: Option<String>,
    /// Epoch of the elements (UTC).
    pub epoch: Epoch,
    /// First derivative of mean motion divided by 2 (rev/day²), TLE line 1 columns 34–43.
    pub mean_motion_dot: f64,
    /// Second derivative of mean motion divided by 6 (rev/day³).
    pub mean_motion_ddot: f64,
    /// SGP4 drag term B* (1/earth radii).
    pub bstar: f64,
    /// Ephemeris type (0 in distributed data).
    pub ephemeris_type: u8,
    /// Element set number.
    pub element_set_number: u32,
    /// Inclination (deg).
    pub inclination_deg: f64,
    /// Right ascension of the ascending node (deg).
    pub raan_deg: f64,
    /// Eccentricity.
    pub eccentricity: f64,
    /// Argument of perigee (deg).
    pub arg_perigee_deg: f64,
    /// Mean anomaly (deg).
    pub mean_anomaly_deg: f64,
    /// Mean motion (rev/day).
    pub mean_motion_rev_per_day: f64,
    /// Revolution number at epoch.
    pub revolution_number: u32,
}

impl ElementSet {
    /// Identifier used in messages and output: the catalog number, with the name when known.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) if !n.is_empty() => format!("{} ({})", self.catalog_number, n),
            _ => self.catalog_number.to_string(),
        }
    }

    /// Semi-major axis (km) from the mean motion by Kepler's third law with WGS-72 μ. This is
    /// the Kozai mean motion, so `a` is good to ~1 km: enough for filters and declarations.
    pub fn semi_major_axis_km(&self) -> f64 {
        let n = self.mean_motion_rev_per_day * std::f64::consts::TAU / 86_400.0;
        (MU_WGS72 / (n * n)).cbrt()
    }

    /// Perigee altitude above the WGS-72 equatorial radius (km).
    pub fn perigee_altitude_km(&self) -> f64 {
        self.semi_major_axis_km() * (1.0 - self.eccentricity) - EARTH_RADIUS_WGS72
    }

    /// Apogee altitude above the WGS-72 equatorial radius (km).
    pub fn apogee_altitude_km(&self) -> f64 {
        self.semi_major_axis_km() * (1.0 + self.eccentricity) - EARTH_RADIUS_WGS72
    }

    /// Orbital period (minutes).
    pub fn period_minutes(&self) -> f64 {
        1440.0 / self.mean_motion_rev_per_day
    }
}
