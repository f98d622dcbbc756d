//! Space declarations as signed log entries that the treaty engine reads.
//!
//! The engine (`verity-treaty`, `declaration_from_envelope`) reads a payload
//! `{"as_of":"YYYY-MM-DD","item":"…","quantities":{…},"fields":{…},"detail":{…}}`: the
//! *counting view* (as_of, item, quantities, fields) is what the rules of the model regime
//! `ppwt` (crates/verity-treaty/regimes/ppwt.toml) evaluate, and `detail` carries the whole
//! [`SpaceDeclaration`] so that one signed entry serves both the treaty engine and the space
//! tools (`verity space reconcile --from-log`). [`to_log_entry`] derives the view from the
//! declaration; [`from_log_entry`] reads the declaration back and refuses an entry whose view
//! does not follow from its detail (a signer could otherwise show the engine one thing and the
//! space tools another).
//!
//! | declaration | entry kind | as_of | item | quantities | fields |
//! |---|---|---|---|---|---|
//! | `space-object-registration` | `space-object` | `launch_date` | designator | `objects` = 1 | `function` = `function_category` |
//! | `pre-launch-notification` | `launch` | date of `window_open` | `notification <window_open> <launch_area>` | none | `notified` = `yes` |
//! | `launch-report` | `launch` | date of `launch_time` | launch `YYYY-NNN` | `payloads` = number of payloads | `notified` = `yes` when a notification is referenced, else `no` |
//! | `pledge` | `pledge` | — | — | — | — (payload is `{"detail": …}` only) |
//!
//! Why launches look like this. The rule `pre-launch-notification` (A/68/189 para. 45) is a
//! threshold rule on kind `launch`: a declaration with `payloads` > 0 must have
//! `notified = yes`. The notification is made *before* the launch, when no payload is in orbit
//! and the COSPAR launch number is not yet assigned, so it is a `launch` declaration with
//! `notified = yes` and no payload count (the rule does not read it: it mentions no quantity
//! the rule uses). The launch itself is declared *after* the fact by a `launch-report`, which
//! counts the payloads and references the notification entry (`log:<index>`); `notified` is
//! derived from that reference, never typed in. A registration cannot be the launch
//! declaration because one entry has one kind and the registration is the `space-object`
//! declaration that `no-first-placement` reads.
//!
//! What the engine cannot check (and `verity space declare` / `reconcile --from-log` do): that
//! the referenced entry is a notification of the same party, logged before the launch, whose
//! window covers the launch time — see [`check_notification_reference`].
//!
//! A pledge has no counting view in `ppwt` (the regime's roles say who is bound); it is logged
//! for the record with a payload that has no `as_of`, which the engine counts as a skipped,
//! non-declaration entry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Result, SpaceError};
use crate::registry::{LaunchReport, PreLaunchNotification, SpaceDeclaration, TREATY};
use crate::time::Epoch;

/// Entry kind of a registration (a `ppwt` declaration kind).
pub const KIND_SPACE_OBJECT: &str = "space-object";
/// Entry kind of notifications and launch reports (a `ppwt` declaration kind).
pub const KIND_LAUNCH: &str = "launch";
/// Entry kind of a pledge (not a `ppwt` declaration kind: skipped by the engine).
pub const KIND_PLEDGE: &str = "pledge";

/// What to sign: treaty, entry kind and payload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogDeclaration {
    pub treaty: &'static str,
    pub kind: &'static str,
    pub payload: Value,
}

/// The counting view as the engine reads it.
#[derive(Debug, PartialEq, Deserialize)]
struct View {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    quantities: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

fn log_err(field: &str, reason: impl Into<String>) -> SpaceError {
    SpaceError::Declaration {
        kind: "log entry",
        field: field.to_string(),
        reason: reason.into(),
    }
}

fn date_of(iso: &str) -> String {
    // Validated ISO 8601 strings start with YYYY-MM-DD.
    iso.get(..10).unwrap_or(iso).to_string()
}

fn view(
    kind: &'static str,
    as_of: String,
    item: String,
    quantities: Value,
    fields: Value,
    d: &SpaceDeclaration,
) -> Result<LogDeclaration> {
    let detail = serde_json::to_value(d).map_err(|e| SpaceError::Invalid(e.to_string()))?;
    Ok(LogDeclaration {
        treaty: TREATY,
        kind,
        payload: json!({
            "as_of": as_of, "item": item, "quantities": quantities, "fields": fields,
            "detail": detail,
        }),
    })
}

fn notification_item(n: &PreLaunchNotification) -> String {
    format!("notification {} {}", n.window_open, n.launch_area.trim())
}

/// Maps a declaration to the entry that carries it. Validates first: a malformed declaration
/// is refused with the field and the reason, and nothing is produced.
pub fn to_log_entry(d: &SpaceDeclaration) -> Result<LogDeclaration> {
    d.validate()?;
    match d {
        SpaceDeclaration::SpaceObjectRegistration(r) => {
            let category = r.function_category.ok_or_else(|| SpaceError::Declaration {
                kind: crate::registry::SpaceObjectRegistration::KIND,
                field: "function_category".into(),
                reason: "required to log a registration: the ppwt rule no-first-placement reads \
                         it (civil, commercial, scientific, military-support, dual-use, weapon)"
                    .into(),
            })?;
            view(
                KIND_SPACE_OBJECT,
                r.launch_date.clone(),
                r.international_designator.clone(),
                json!({"objects": 1}),
                json!({"function": category.as_str()}),
                d,
            )
        }
        SpaceDeclaration::PreLaunchNotification(n) => view(
            KIND_LAUNCH,
            date_of(&n.window_open),
            notification_item(n),
            json!({}),
            json!({"notified": "yes"}),
            d,
        ),
        SpaceDeclaration::LaunchReport(l) => view(
            KIND_LAUNCH,
            date_of(&l.launch_time),
            l.launch.clone(),
            json!({"payloads": l.payloads.len()}),
            json!({"notified": if l.pre_launch_notification.is_some() { "yes" } else { "no" }}),
            d,
        ),
        SpaceDeclaration::Pledge(_) => {
            let detail = serde_json::to_value(d).map_err(|e| SpaceError::Invalid(e.to_string()))?;
            Ok(LogDeclaration {
                treaty: TREATY,
                kind: KIND_PLEDGE,
                payload: json!({ "detail": detail }),
            })
        }
    }
}

/// Reads the declaration back from an entry (`treaty`, `kind`, `payload`): parses `detail`,
/// validates it, and checks that the entry's treaty, kind and counting view are exactly the
/// ones [`to_log_entry`] derives from it.
pub fn from_log_entry(treaty: &str, kind: &str, payload: &Value) -> Result<SpaceDeclaration> {
    if treaty != TREATY {
        return Err(log_err("treaty", format!("{treaty:?} is not {TREATY:?}")));
    }
    let detail = payload
        .get("detail")
        .ok_or_else(|| log_err("payload.detail", "missing"))?;
    let d: SpaceDeclaration = serde_json::from_value(detail.clone())
        .map_err(|e| log_err("payload.detail", e.to_string()))?;
    let expected = to_log_entry(&d)?;
    if expected.kind != kind {
        return Err(log_err(
            "kind",
            format!(
                "entry kind {kind:?} but a {} is logged as {:?}",
                d.kind(),
                expected.kind
            ),
        ));
    }
    let parse = |v: &Value| -> Result<View> {
        serde_json::from_value(v.clone()).map_err(|e| log_err("payload", e.to_string()))
    };
    let (got, want) = (parse(payload)?, parse(&expected.payload)?);
    for (field, same) in [
        ("payload.as_of", got.as_of == want.as_of),
        ("payload.item", got.item == want.item),
        ("payload.quantities", got.quantities == want.quantities),
        ("payload.fields", got.fields == want.fields),
    ] {
        if !same {
            return Err(log_err(
                field,
                "does not follow from payload.detail (the counting view must be derived from the declaration)",
            ));
        }
    }
    Ok(d)
}

/// A notification entry as found in the log, for [`check_notification_reference`].
#[derive(Clone, Debug)]
pub struct LoggedNotification<'a> {
    pub index: u64,
    /// Party that signed the entry.
    pub party: &'a str,
    /// The envelope's signing time (RFC 3339), i.e. when the notification was made.
    pub time: &'a str,
    pub notification: &'a PreLaunchNotification,
}

/// Checks that a launch report's `pre_launch_notification` reference is sound: the entry is a
/// notification signed by the same party (`reporting_party`), made before the launch, by the
/// same State, whose window (± `slack_s`) covers the launch time.
pub fn check_notification_reference(
    report: &LaunchReport,
    reporting_party: &str,
    logged: &LoggedNotification<'_>,
    slack_s: f64,
) -> Result<()> {
    let bad = |reason: String| SpaceError::Declaration {
        kind: LaunchReport::KIND,
        field: "pre_launch_notification".into(),
        reason,
    };
    if report.notification_index()? != Some(logged.index) {
        return Err(bad(format!("does not reference log:{}", logged.index)));
    }
    if logged.party != reporting_party {
        return Err(bad(format!(
            "log:{} was signed by {}, not by {reporting_party}",
            logged.index, logged.party
        )));
    }
    let n = logged.notification;
    if n.notifying_state != report.launching_state {
        return Err(bad(format!(
            "log:{} notifies for {}, the launch is by {}",
            logged.index, n.notifying_state, report.launching_state
        )));
    }
    let launch = report.time()?;
    let made = Epoch::parse_iso8601(logged.time.get(..19).unwrap_or(logged.time))
        .map_err(|e| bad(format!("log:{} time: {e}", logged.index)))?;
    if launch.seconds_since(&made) <= 0.0 {
        return Err(bad(format!(
            "log:{} was made at {} — not before the launch at {}",
            logged.index, logged.time, report.launch_time
        )));
    }
    let (open, close) = n.window()?;
    if launch.seconds_since(&open) < -slack_s || close.seconds_since(&launch) < -slack_s {
        return Err(bad(format!(
            "launch at {} is outside the notified window {} – {} of log:{}",
            report.launch_time, n.window_open, n.window_close, logged.index
        )));
    }
    Ok(())
}

/// A space declaration read back from a log entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoggedDeclaration {
    pub index: u64,
    /// Party that signed the entry.
    pub party: String,
    /// The envelope's signing time (RFC 3339 UTC).
    pub time: String,
    pub declaration: SpaceDeclaration,
}

/// What the log's space declarations show about themselves, beyond the treaty engine's rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum LogFinding {
    /// An entry of a space kind whose declaration cannot be read back (bad detail, or a
    /// counting view that does not follow from it).
    UnreadableEntry { index: u64, reason: String },
    /// A launch report says `notified = yes` but its reference does not check out.
    NotificationReferenceInvalid {
        index: u64,
        launch: String,
        reason: String,
    },
    /// A registered object whose launch no launch report of the same party declares (the
    /// `pre-launch-notification` rule never sees such a launch).
    LaunchNotReported {
        index: u64,
        international_designator: String,
        launch: String,
    },
}

/// Reads the space declarations out of log entries `(index, party, treaty, kind, time,
/// payload)`: entries of other treaties or kinds are ignored; entries of a space kind that do
/// not read back become [`LogFinding::UnreadableEntry`].
pub fn read_logged<'a>(
    entries: impl IntoIterator<Item = (u64, &'a str, &'a str, &'a str, &'a str, &'a Value)>,
) -> (Vec<LoggedDeclaration>, Vec<LogFinding>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (index, party, treaty, kind, time, payload) in entries {
        if treaty != TREATY || ![KIND_SPACE_OBJECT, KIND_LAUNCH, KIND_PLEDGE].contains(&kind) {
            continue;
        }
        match from_log_entry(treaty, kind, payload) {
            Ok(declaration) => out.push(LoggedDeclaration {
                index,
                party: party.to_string(),
                time: time.to_string(),
                declaration,
            }),
            Err(e) => bad.push(LogFinding::UnreadableEntry {
                index,
                reason: e.to_string(),
            }),
        }
    }
    (out, bad)
}

/// Cross-checks the logged declarations: every launch report's notification reference
/// ([`check_notification_reference`], window slack `slack_s`), and every registration's launch
/// against the launch reports of the same party.
pub fn check_logged(logged: &[LoggedDeclaration], slack_s: f64) -> Vec<LogFinding> {
    let mut out = Vec::new();
    for l in logged {
        let SpaceDeclaration::LaunchReport(r) = &l.declaration else {
            continue;
        };
        let idx = match r.notification_index() {
            Ok(Some(i)) => i,
            Ok(None) => continue,
            Err(e) => {
                out.push(LogFinding::NotificationReferenceInvalid {
                    index: l.index,
                    launch: r.launch.clone(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let target = logged.iter().find(|n| n.index == idx);
        let result = match target {
            Some(LoggedDeclaration {
                declaration: SpaceDeclaration::PreLaunchNotification(n),
                party,
                time,
                ..
            }) => check_notification_reference(
                r,
                &l.party,
                &LoggedNotification {
                    index: idx,
                    party,
                    time,
                    notification: n,
                },
                slack_s,
            ),
            _ => Err(SpaceError::Declaration {
                kind: LaunchReport::KIND,
                field: "pre_launch_notification".into(),
                reason: format!("log:{idx} is not a pre-launch notification in this log"),
            }),
        };
        if let Err(e) = result {
            out.push(LogFinding::NotificationReferenceInvalid {
                index: l.index,
                launch: r.launch.clone(),
                reason: e.to_string(),
            });
        }
    }
    for l in logged {
        let SpaceDeclaration::SpaceObjectRegistration(reg) = &l.declaration else {
            continue;
        };
        let Some(launch) = crate::registry::launch_of_designator(&reg.international_designator)
        else {
            continue;
        };
        let reported = logged.iter().any(|x| {
            x.party == l.party
                && matches!(&x.declaration, SpaceDeclaration::LaunchReport(r) if r.launch == launch)
        });
        if !reported {
            out.push(LogFinding::LaunchNotReported {
                index: l.index,
                international_designator: reg.international_designator.clone(),
                launch: launch.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration() -> SpaceDeclaration {
        SpaceDeclaration::from_json(
            r#"{"kind":"space-object-registration","launching_states":["RUS"],
            "international_designator":"2019-039A","name":"KOSMOS 2535","launch_date":"2019-07-10",
            "launch_territory":"Plesetsk","nodal_period_min":97.3,"inclination_deg":97.9,
            "apogee_km":620,"perigee_km":590,"general_function":"Research",
            "function_category":"scientific"}"#,
        )
        .unwrap()
    }

    #[test]
    fn registration_round_trips_and_view_is_derived() {
        let d = registration();
        let e = to_log_entry(&d).unwrap();
        assert_eq!((e.treaty, e.kind), ("ppwt", "space-object"));
        assert_eq!(e.payload["quantities"]["objects"], 1);
        assert_eq!(e.payload["fields"]["function"], "scientific");
        assert_eq!(e.payload["as_of"], "2019-07-10");
        assert_eq!(
            from_log_entry("ppwt", "space-object", &e.payload).unwrap(),
            d
        );
    }

    /// Regression: an entry whose counting view says "civil" while its detail says "weapon"
    /// must not be read back as the detail's declaration.
    #[test]
    fn tampered_view_is_refused() {
        let SpaceDeclaration::SpaceObjectRegistration(mut r) = registration() else {
            unreachable!()
        };
        r.function_category = Some(crate::registry::FunctionCategory::Weapon);
        let d = SpaceDeclaration::SpaceObjectRegistration(r);
        let mut e = to_log_entry(&d).unwrap();
        e.payload["fields"]["function"] = json!("civil");
        let err = from_log_entry("ppwt", "space-object", &e.payload).unwrap_err();
        assert!(err.to_string().contains("payload.fields"), "{err}");
        let e = to_log_entry(&d).unwrap();
        let err = from_log_entry("ppwt", "launch", &e.payload).unwrap_err();
        assert!(err.to_string().contains("kind"), "{err}");
        let err = from_log_entry("new-start", "space-object", &e.payload).unwrap_err();
        assert!(err.to_string().contains("treaty"), "{err}");
    }

    #[test]
    fn registration_without_category_is_refused_for_the_log() {
        let SpaceDeclaration::SpaceObjectRegistration(mut r) = registration() else {
            unreachable!()
        };
        r.function_category = None;
        let err = to_log_entry(&SpaceDeclaration::SpaceObjectRegistration(r)).unwrap_err();
        assert!(err.to_string().contains("function_category"), "{err}");
    }

    fn notification() -> PreLaunchNotification {
        PreLaunchNotification {
            notifying_state: "RUS".into(),
            launch_vehicle: "Soyuz-2.1v".into(),
            window_open: "2019-07-09T00:00:00Z".into(),
            window_close: "2019-07-12T00:00:00Z".into(),
            launch_area: "Plesetsk".into(),
            launch_latitude_deg: 62.9,
            launch_longitude_deg: 40.6,
            planned_azimuth_deg: 5.0,
            declared_payload: None,
        }
    }

    fn report(reference: Option<&str>) -> LaunchReport {
        LaunchReport {
            launching_state: "RUS".into(),
            launch: "2019-039".into(),
            launch_time: "2019-07-10T17:14:00Z".into(),
            launch_area: "Plesetsk".into(),
            launch_vehicle: "Soyuz-2.1v".into(),
            payloads: vec!["2019-039A".into(), "2019-039B".into()],
            pre_launch_notification: reference.map(str::to_string),
        }
    }

    #[test]
    fn launch_views() {
        let n = to_log_entry(&SpaceDeclaration::PreLaunchNotification(notification())).unwrap();
        assert_eq!(n.kind, "launch");
        assert_eq!(n.payload["fields"]["notified"], "yes");
        assert_eq!(n.payload["quantities"], json!({}));
        for (reference, notified) in [(Some("log:4"), "yes"), (None, "no")] {
            let d = SpaceDeclaration::LaunchReport(report(reference));
            let e = to_log_entry(&d).unwrap();
            assert_eq!(e.kind, "launch");
            assert_eq!(e.payload["item"], "2019-039");
            assert_eq!(e.payload["quantities"]["payloads"], 2);
            assert_eq!(e.payload["fields"]["notified"], notified);
            assert_eq!(from_log_entry("ppwt", "launch", &e.payload).unwrap(), d);
        }
        let p = SpaceDeclaration::from_json(
            r#"{"kind":"pledge","state":"RUS","effective_date":"2014-12-02","text":"No first placement."}"#,
        )
        .unwrap();
        let e = to_log_entry(&p).unwrap();
        assert!(e.payload.get("as_of").is_none());
        assert_eq!(from_log_entry("ppwt", "pledge", &e.payload).unwrap(), p);
    }

    #[test]
    fn launch_report_validation_table() {
        type Mutate = fn(&mut LaunchReport);
        let cases: &[(&str, Mutate)] = &[
            ("launch", |r| r.launch = "2019-39".into()),
            ("launch", |r| r.launch = "2018-039".into()),
            ("payloads[1]", |r| r.payloads[1] = "2019-040B".into()),
            ("payloads[1]", |r| r.payloads[1] = "2019-039A".into()),
            ("pre_launch_notification", |r| {
                r.pre_launch_notification = Some("entry 4".into())
            }),
            ("launching_state", |r| r.launching_state = "RU".into()),
            ("launch_time", |r| r.launch_time = "yesterday".into()),
        ];
        for (field, mutate) in cases {
            let mut r = report(None);
            mutate(&mut r);
            let err = to_log_entry(&SpaceDeclaration::LaunchReport(r)).unwrap_err();
            assert!(
                matches!(&err, SpaceError::Declaration { field: f, .. } if f == field),
                "{field}: {err}"
            );
        }
    }

    #[test]
    fn notification_reference_checks() {
        let n = notification();
        let ok = LoggedNotification {
            index: 4,
            party: "RU",
            time: "2019-07-01T10:00:00Z",
            notification: &n,
        };
        let r = report(Some("log:4"));
        check_notification_reference(&r, "RU", &ok, 3600.0).unwrap();
        let cases: Vec<(&str, LoggedNotification<'_>, &str)> = vec![
            ("CN", ok.clone(), "signed by RU"),
            (
                "RU",
                LoggedNotification {
                    time: "2019-07-11T00:00:00Z",
                    ..ok.clone()
                },
                "not before the launch",
            ),
            (
                "RU",
                LoggedNotification {
                    index: 5,
                    ..ok.clone()
                },
                "does not reference",
            ),
        ];
        for (party, logged, want) in cases {
            let err = check_notification_reference(&r, party, &logged, 3600.0).unwrap_err();
            assert!(err.to_string().contains(want), "{want}: {err}");
        }
        let mut late = r.clone();
        late.launch_time = "2019-07-14T00:00:00Z".into();
        let err = check_notification_reference(&late, "RU", &ok, 3600.0).unwrap_err();
        assert!(
            err.to_string().contains("outside the notified window"),
            "{err}"
        );
    }

    #[test]
    fn logged_declarations_cross_checks() {
        let entry = |index: u64, party: &str, time: &str, d: &SpaceDeclaration| {
            let e = to_log_entry(d).unwrap();
            (
                index,
                party.to_string(),
                e.kind,
                time.to_string(),
                e.payload,
            )
        };
        let reg = registration();
        let note = SpaceDeclaration::PreLaunchNotification(notification());
        let good = SpaceDeclaration::LaunchReport(report(Some("log:1")));
        let wrong = SpaceDeclaration::LaunchReport(report(Some("log:0")));
        let mut tampered = to_log_entry(&good).unwrap().payload;
        tampered["quantities"]["payloads"] = json!(0);
        let rows = [
            entry(0, "RU", "2019-07-20T00:00:00Z", &reg),
            entry(1, "RU", "2019-07-01T00:00:00Z", &note),
            entry(2, "RU", "2019-07-11T00:00:00Z", &good),
            entry(3, "RU", "2019-07-11T00:00:00Z", &wrong),
            (
                4,
                "RU".into(),
                "launch",
                "2019-07-11T00:00:00Z".into(),
                tampered,
            ),
            (
                5,
                "RU".into(),
                "data-exchange",
                "2019-07-11T00:00:00Z".into(),
                json!({}),
            ),
        ];
        let (logged, unreadable) = read_logged(
            rows.iter()
                .map(|(i, p, k, t, v)| (*i, p.as_str(), "ppwt", *k, t.as_str(), v)),
        );
        assert_eq!(logged.len(), 4);
        assert!(
            matches!(
                &unreadable[..],
                [LogFinding::UnreadableEntry { index: 4, .. }]
            ),
            "{unreadable:?}"
        );
        let findings = check_logged(&logged, 3600.0);
        assert!(
            matches!(
                &findings[..],
                [LogFinding::NotificationReferenceInvalid { index: 3, .. }]
            ),
            "{findings:?}"
        );
        // Without the launch report, the registration's launch is unreported.
        let without: Vec<_> = logged.iter().filter(|l| l.index < 2).cloned().collect();
        let findings = check_logged(&without, 3600.0);
        assert!(
            findings.iter().any(|f| matches!(f, LogFinding::LaunchNotReported { index: 0, launch, .. } if launch == "2019-039")),
            "{findings:?}"
        );
    }
}
