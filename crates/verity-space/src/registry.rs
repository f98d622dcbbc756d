//! Declarations that travel as payloads of signed log entries under treaty [`TREATY`]:
//!
//! | kind | type | source of the fields |
//! |---|---|---|
//! | `space-object-registration` | [`SpaceObjectRegistration`] | Registration Convention (1975) Art. IV(1)(a)–(e), plus the TCBM extras of the UN GGE report A/68/189 (2013) §IV: operator, manoeuvre capability, declared mission |
//! | `pre-launch-notification` | [`PreLaunchNotification`] | Hague Code of Conduct against Ballistic Missile Proliferation (2002) §4(a)(ii): launch window, launch area, planned direction |
//! | `launch-report` | [`LaunchReport`] | A/68/189 (2013) §IV para. 45: a launch that took place, its payloads, and the pre-launch notification it followed (if any) |
//! | `pledge` | [`NoFirstPlacementPledge`] | UNGA "No first placement of weapons in outer space" resolutions (e.g. A/RES/69/32) |
//!
//! [`SpaceDeclaration`] is the tagged union (`"kind"` field) that a log entry's payload
//! deserialises to. `validate` returns the first field that is wrong and why.

use serde::{Deserialize, Serialize};

use crate::error::{Result, SpaceError};
use crate::time::Epoch;

/// Treaty identifier of these declarations in the log (prevention of placement of weapons in
/// outer space).
pub const TREATY: &str = "ppwt";

/// Manoeuvre capability declared as a TCBM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManoeuvreCapability {
    None,
    StationKeeping,
    OrbitRaising,
    FullOrbitChange,
}

/// The category of a declared function, in the words of the `ppwt` regime's `function` field
/// ("weapon, civil, military-support, ..."), so that the no-first-placement rule can read it.
/// `general_function` stays the free text of Art. IV(1)(e); this is its classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionCategory {
    Civil,
    Commercial,
    Scientific,
    MilitarySupport,
    DualUse,
    Weapon,
}

impl FunctionCategory {
    /// The text the `ppwt` regime's `function` field carries.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionCategory::Civil => "civil",
            FunctionCategory::Commercial => "commercial",
            FunctionCategory::Scientific => "scientific",
            FunctionCategory::MilitarySupport => "military-support",
            FunctionCategory::DualUse => "dual-use",
            FunctionCategory::Weapon => "weapon",
        }
    }
}

/// A space object registration (Registration Convention Art. IV(1) + TCBM extras).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpaceObjectRegistration {
    /// Art. IV(1)(a): launching State(s), ISO 3166-1 alpha-3 codes; the first is the State of
    /// registry.
    pub launching_states: Vec<String>,
    /// Art. IV(1)(b): appropriate designator — COSPAR international designator `YYYY-NNNP`.
    pub international_designator: String,
    /// Art. IV(1)(b): registration number / name.
    pub name: String,
    /// Satellite catalog number when known (links the declaration to element sets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_number: Option<u32>,
    /// Art. IV(1)(c): date of launch (`YYYY-MM-DD`, UTC).
    pub launch_date: String,
    /// Art. IV(1)(c): territory or location of launch.
    pub launch_territory: String,
    /// Art. IV(1)(d): nodal period (minutes).
    pub nodal_period_min: f64,
    /// Art. IV(1)(d): inclination (degrees).
    pub inclination_deg: f64,
    /// Art. IV(1)(d): apogee altitude (km).
    pub apogee_km: f64,
    /// Art. IV(1)(d): perigee altitude (km).
    pub perigee_km: f64,
    /// Art. IV(1)(e): general function of the space object.
    pub general_function: String,
    /// Classification of the function for the `ppwt` counting view. Optional in files given
    /// to `reconcile`; required to sign a registration into the log (see [`crate::log_entry`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_category: Option<FunctionCategory>,
    /// TCBM: operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// TCBM: manoeuvre capability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manoeuvre_capability: Option<ManoeuvreCapability>,
    /// TCBM: declared mission (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_mission: Option<String>,
}

/// A pre-launch notification (HCoC style).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreLaunchNotification {
    pub notifying_state: String,
    pub launch_vehicle: String,
    /// Launch window, ISO 8601 UTC.
    pub window_open: String,
    pub window_close: String,
    /// Launch area (named site) and its coordinates.
    pub launch_area: String,
    pub launch_latitude_deg: f64,
    pub launch_longitude_deg: f64,
    /// Planned direction of flight: launch azimuth (degrees from north).
    pub planned_azimuth_deg: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_payload: Option<String>,
}

/// A launch report: the launching State declares, after the fact, that a launch took place,
/// which payloads it carried, and which pre-launch notification (a log entry of the same State)
/// announced it. This is the `launch` declaration the `ppwt` rule `pre-launch-notification`
/// counts: `payloads` = the number of payload designators, `notified` = whether a notification
/// is referenced. A registration cannot carry it because one log entry is one declaration kind
/// and the registration is the `space-object` declaration that no-first-placement reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchReport {
    /// ISO 3166-1 alpha-3 code of the launching State.
    pub launching_state: String,
    /// COSPAR launch identifier `YYYY-NNN`.
    pub launch: String,
    /// Time of launch (ISO 8601 UTC).
    pub launch_time: String,
    pub launch_area: String,
    pub launch_vehicle: String,
    /// International designators `YYYY-NNNP` of the payloads placed (empty for a failure).
    pub payloads: Vec<String>,
    /// `log:<index>` of the pre-launch notification this launch followed; absent = not notified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_launch_notification: Option<String>,
}

impl LaunchReport {
    pub const KIND: &'static str = "launch-report";

    pub fn time(&self) -> Result<Epoch> {
        Epoch::parse_iso8601(&self.launch_time)
            .map_err(|e| bad(Self::KIND, "launch_time", e.to_string()))
    }

    /// The log index of the referenced notification, if any.
    pub fn notification_index(&self) -> Result<Option<u64>> {
        let Some(r) = &self.pre_launch_notification else {
            return Ok(None);
        };
        r.strip_prefix("log:")
            .and_then(|i| i.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| {
                bad(
                    Self::KIND,
                    "pre_launch_notification",
                    format!("{r:?} is not a log reference log:<index>"),
                )
            })
    }

    pub fn validate(&self) -> Result<()> {
        let k = Self::KIND;
        check_state(k, "launching_state", &self.launching_state)?;
        if launch_of_designator(&format!("{}A", self.launch)) != Some(self.launch.as_str()) {
            return Err(bad(
                k,
                "launch",
                format!(
                    "{:?} is not a COSPAR launch identifier YYYY-NNN",
                    self.launch
                ),
            ));
        }
        let t = self.time()?;
        if self.launch[..4] != t.to_calendar().0.to_string() {
            return Err(bad(
                k,
                "launch",
                format!(
                    "launch year {} differs from launch_time {}",
                    &self.launch[..4],
                    self.launch_time
                ),
            ));
        }
        check_text(k, "launch_area", &self.launch_area, 200)?;
        check_text(k, "launch_vehicle", &self.launch_vehicle, 200)?;
        for (i, p) in self.payloads.iter().enumerate() {
            if launch_of_designator(p) != Some(self.launch.as_str()) {
                return Err(bad(
                    k,
                    &format!("payloads[{i}]"),
                    format!("{p:?} is not a designator {}P of this launch", self.launch),
                ));
            }
            if self.payloads[..i].contains(p) {
                return Err(bad(
                    k,
                    &format!("payloads[{i}]"),
                    format!("{p} listed twice"),
                ));
            }
        }
        self.notification_index()?;
        Ok(())
    }
}

/// A no-first-placement pledge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFirstPlacementPledge {
    pub state: String,
    /// Date the pledge takes effect (`YYYY-MM-DD`).
    pub effective_date: String,
    /// The pledge text.
    pub text: String,
    /// Conditions (e.g. "as long as no other State places weapons first").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
}

/// Payload of a `ppwt` log entry, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SpaceDeclaration {
    SpaceObjectRegistration(SpaceObjectRegistration),
    PreLaunchNotification(PreLaunchNotification),
    LaunchReport(LaunchReport),
    Pledge(NoFirstPlacementPledge),
}

fn bad(kind: &'static str, field: &str, reason: impl Into<String>) -> SpaceError {
    SpaceError::Declaration {
        kind,
        field: field.to_string(),
        reason: reason.into(),
    }
}

fn check_state(kind: &'static str, field: &str, s: &str) -> Result<()> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(bad(
            kind,
            field,
            format!("{s:?} is not an ISO 3166-1 alpha-3 code"),
        ))
    }
}

fn check_text(kind: &'static str, field: &str, s: &str, max: usize) -> Result<()> {
    if s.trim().is_empty() {
        return Err(bad(kind, field, "must not be empty"));
    }
    if s.len() > max {
        return Err(bad(kind, field, format!("longer than {max} bytes")));
    }
    Ok(())
}

fn check_date(kind: &'static str, field: &str, s: &str) -> Result<Epoch> {
    if s.len() != 10 {
        return Err(bad(kind, field, format!("{s:?} is not YYYY-MM-DD")));
    }
    Epoch::parse_iso8601(s).map_err(|e| bad(kind, field, e.to_string()))
}

/// Checks a COSPAR designator `YYYY-NNNP{1,3}` and returns its launch part `YYYY-NNN`.
pub fn launch_of_designator(d: &str) -> Option<&str> {
    let b = d.as_bytes();
    let ok = b.len() >= 9
        && b.len() <= 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..8].iter().all(u8::is_ascii_digit)
        && b[8..].iter().all(u8::is_ascii_uppercase);
    ok.then(|| &d[..8])
}

impl SpaceObjectRegistration {
    pub const KIND: &'static str = "space-object-registration";

    pub fn validate(&self) -> Result<()> {
        let k = Self::KIND;
        if self.launching_states.is_empty() {
            return Err(bad(
                k,
                "launching_states",
                "at least one launching State is required",
            ));
        }
        for (i, s) in self.launching_states.iter().enumerate() {
            check_state(k, &format!("launching_states[{i}]"), s)?;
        }
        if launch_of_designator(&self.international_designator).is_none() {
            return Err(bad(
                k,
                "international_designator",
                format!(
                    "{:?} is not a COSPAR designator YYYY-NNNP",
                    self.international_designator
                ),
            ));
        }
        check_text(k, "name", &self.name, 200)?;
        let date = check_date(k, "launch_date", &self.launch_date)?;
        let (y, ..) = date.to_calendar();
        if self.international_designator[..4] != y.to_string() {
            return Err(bad(
                k,
                "international_designator",
                format!(
                    "launch year {} differs from launch_date {}",
                    &self.international_designator[..4],
                    self.launch_date
                ),
            ));
        }
        check_text(k, "launch_territory", &self.launch_territory, 200)?;
        check_text(k, "general_function", &self.general_function, 2000)?;
        for (field, v) in [
            ("nodal_period_min", self.nodal_period_min),
            ("inclination_deg", self.inclination_deg),
            ("apogee_km", self.apogee_km),
            ("perigee_km", self.perigee_km),
        ] {
            if !v.is_finite() {
                return Err(bad(k, field, "must be a finite number"));
            }
        }
        if !(0.0..=180.0).contains(&self.inclination_deg) {
            return Err(bad(
                k,
                "inclination_deg",
                format!("{} outside 0–180", self.inclination_deg),
            ));
        }
        if self.perigee_km < 80.0 {
            return Err(bad(
                k,
                "perigee_km",
                format!("{} km is below any orbit", self.perigee_km),
            ));
        }
        if self.apogee_km < self.perigee_km {
            return Err(bad(
                k,
                "apogee_km",
                format!(
                    "apogee {} km below perigee {} km",
                    self.apogee_km, self.perigee_km
                ),
            ));
        }
        // Nodal period vs Kepler's third law on the declared apsides: J2 makes them differ by
        // < 1 % below GEO; 3 % flags a declaration that contradicts itself.
        let a = crate::elements::EARTH_RADIUS_WGS72 + 0.5 * (self.apogee_km + self.perigee_km);
        let kepler = std::f64::consts::TAU * (a * a * a / crate::elements::MU_WGS72).sqrt() / 60.0;
        if !(self.nodal_period_min > 0.0) || (self.nodal_period_min / kepler - 1.0).abs() > 0.03 {
            return Err(bad(
                k,
                "nodal_period_min",
                format!(
                    "{} min is inconsistent with apogee/perigee (Kepler period {kepler:.1} min)",
                    self.nodal_period_min
                ),
            ));
        }
        for (field, v) in [
            ("operator", &self.operator),
            ("declared_mission", &self.declared_mission),
        ] {
            if let Some(t) = v {
                check_text(k, field, t, 2000)?;
            }
        }
        Ok(())
    }
}

impl PreLaunchNotification {
    pub const KIND: &'static str = "pre-launch-notification";

    /// The window as epochs (validated).
    pub fn window(&self) -> Result<(Epoch, Epoch)> {
        let k = Self::KIND;
        let open = Epoch::parse_iso8601(&self.window_open)
            .map_err(|e| bad(k, "window_open", e.to_string()))?;
        let close = Epoch::parse_iso8601(&self.window_close)
            .map_err(|e| bad(k, "window_close", e.to_string()))?;
        Ok((open, close))
    }

    pub fn validate(&self) -> Result<()> {
        let k = Self::KIND;
        check_state(k, "notifying_state", &self.notifying_state)?;
        check_text(k, "launch_vehicle", &self.launch_vehicle, 200)?;
        check_text(k, "launch_area", &self.launch_area, 200)?;
        let (open, close) = self.window()?;
        let span = close.seconds_since(&open);
        if span <= 0.0 {
            return Err(bad(k, "window_close", "window closes before it opens"));
        }
        // HCoC notifications give the window of one launch; a month is generous.
        if span > 31.0 * 86_400.0 {
            return Err(bad(k, "window_close", "window longer than 31 days"));
        }
        if !(-90.0..=90.0).contains(&self.launch_latitude_deg) {
            return Err(bad(k, "launch_latitude_deg", "outside −90…90"));
        }
        if !(-180.0..=360.0).contains(&self.launch_longitude_deg) {
            return Err(bad(k, "launch_longitude_deg", "outside −180…360"));
        }
        if !(0.0..360.0).contains(&self.planned_azimuth_deg) {
            return Err(bad(k, "planned_azimuth_deg", "outside 0…360"));
        }
        Ok(())
    }
}

impl NoFirstPlacementPledge {
    pub const KIND: &'static str = "pledge";

    pub fn validate(&self) -> Result<()> {
        let k = Self::KIND;
        check_state(k, "state", &self.state)?;
        check_date(k, "effective_date", &self.effective_date)?;
        check_text(k, "text", &self.text, 10_000)?;
        Ok(())
    }
}

impl SpaceDeclaration {
    /// The entry kind string.
    pub fn kind(&self) -> &'static str {
        match self {
            SpaceDeclaration::SpaceObjectRegistration(_) => SpaceObjectRegistration::KIND,
            SpaceDeclaration::PreLaunchNotification(_) => PreLaunchNotification::KIND,
            SpaceDeclaration::LaunchReport(_) => LaunchReport::KIND,
            SpaceDeclaration::Pledge(_) => NoFirstPlacementPledge::KIND,
        }
    }

    pub fn validate(&self) -> Result<()> {
        match self {
            SpaceDeclaration::SpaceObjectRegistration(r) => r.validate(),
            SpaceDeclaration::PreLaunchNotification(n) => n.validate(),
            SpaceDeclaration::LaunchReport(l) => l.validate(),
            SpaceDeclaration::Pledge(p) => p.validate(),
        }
    }

    /// Parses and validates a JSON payload.
    pub fn from_json(text: &str) -> Result<SpaceDeclaration> {
        let d: SpaceDeclaration =
            serde_json::from_str(text).map_err(|e| SpaceError::Declaration {
                kind: "declaration",
                field: format!("line {} column {}", e.line(), e.column()),
                reason: e.to_string(),
            })?;
        d.validate()?;
        Ok(d)
    }
}
