//! Registry payloads (JSON) and declared-versus-observed reconciliation.

use verity_space::reconcile::{Finding, ObservedLaunch, ReconcileOptions, reconcile};
use verity_space::registry::{PreLaunchNotification, SpaceDeclaration, SpaceObjectRegistration};
use verity_space::tle::parse_tle_text;
use verity_space::{Epoch, SpaceError};

const REG: &str = include_str!("../testdata/declarations/registration.json");
const NOTE: &str = include_str!("../testdata/declarations/notification.json");
const PLEDGE: &str = include_str!("../testdata/declarations/pledge.json");
const REAL: &str = include_str!("../testdata/real_tles.txt");

#[test]
fn example_payloads_parse_validate_and_round_trip() {
    for (text, kind) in [
        (REG, "space-object-registration"),
        (NOTE, "pre-launch-notification"),
        (PLEDGE, "pledge"),
    ] {
        let d = SpaceDeclaration::from_json(text).unwrap();
        assert_eq!(d.kind(), kind);
        let again: SpaceDeclaration =
            serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(again, d);
    }
}

/// Each invalid payload must be rejected naming the offending field.
#[test]
fn invalid_declarations_name_the_field() {
    let cases: Vec<(String, &str)> = vec![
        (REG.replace("\"USA\"", "\"US\""), "launching_states[0]"),
        (
            REG.replace("1998-067A", "98067A"),
            "international_designator",
        ),
        (REG.replace("1998-11-20", "1998-13-20"), "launch_date"),
        (
            REG.replace("1998-11-20", "1999-11-20"),
            "international_designator",
        ),
        (
            REG.replace("\"perigee_km\": 410.0", "\"perigee_km\": 500.0"),
            "apogee_km",
        ),
        (
            REG.replace("\"nodal_period_min\": 92.9", "\"nodal_period_min\": 120.0"),
            "nodal_period_min",
        ),
        (
            REG.replace("\"inclination_deg\": 51.64", "\"inclination_deg\": 190.0"),
            "inclination_deg",
        ),
        (
            REG.replace(
                "\"general_function\": \"Crewed orbital research laboratory\"",
                "\"general_function\": \" \"",
            ),
            "general_function",
        ),
        (REG.replace("\"operator\"", "\"operater\""), "line"),
        (
            NOTE.replace("2020-07-22T12:00:00Z", "2020-07-19T12:00:00Z"),
            "window_close",
        ),
        (
            NOTE.replace("2020-07-22T12:00:00Z", "2020-09-22T12:00:00Z"),
            "window_close",
        ),
        (
            NOTE.replace(
                "\"planned_azimuth_deg\": 44.0",
                "\"planned_azimuth_deg\": 400.0",
            ),
            "planned_azimuth_deg",
        ),
        (PLEDGE.replace("2004-10-01", "2004-10"), "effective_date"),
        (PLEDGE.replace("\"pledge\"", "\"promise\""), "line"),
    ];
    for (text, field) in cases {
        match SpaceDeclaration::from_json(&text) {
            Err(SpaceError::Declaration { field: f, .. }) => {
                assert!(f.starts_with(field), "expected field {field}, got {f}")
            }
            other => panic!("expected a declaration error on {field}, got {other:?}"),
        }
    }
}

#[test]
fn reconciliation_finds_each_kind_of_discrepancy() {
    #[derive(serde::Deserialize)]
    struct Input {
        registrations: Vec<SpaceObjectRegistration>,
        notifications: Vec<PreLaunchNotification>,
        launches: Vec<ObservedLaunch>,
    }
    let input: Input =
        serde_json::from_str(include_str!("../testdata/declarations/reconcile.json")).unwrap();
    let observed = parse_tle_text(REAL, &Default::default()).unwrap();
    let as_of = Epoch::parse_iso8601("2020-08-01T00:00:00Z").unwrap();
    let findings = reconcile(
        &input.registrations,
        &input.notifications,
        &observed,
        &input.launches,
        &as_of,
        &ReconcileOptions::default(),
    )
    .unwrap();
    let has = |pred: &dyn Fn(&Finding) -> bool| findings.iter().any(pred);
    // FLOCK 2E-1 (41483) and the 29273/29274 pair are in the sky but not declared.
    assert!(has(&|f| matches!(
        f,
        Finding::UndeclaredObject {
            catalog_number: 41483,
            ..
        }
    )));
    // ISS declaration matches its 2020 element set: no orbit finding for it.
    assert!(
        !has(&|f| matches!(
            f,
            Finding::OrbitDiffers {
                catalog_number: 25544,
                ..
            }
        )),
        "{findings:#?}"
    );
    // Vanguard 1 was declared at 1500 km circular, its elements say 650 × 3800 km.
    assert!(has(
        &|f| matches!(f, Finding::OrbitDiffers { international_designator, field, .. } if international_designator == "1958-002B" && field == "apogee_km")
    ));
    assert!(has(
        &|f| matches!(f, Finding::DeclaredNotObserved { international_designator, .. } if international_designator == "2020-050A")
    ));
    // The French notification's window passed with no launch; the Chinese launch was not notified;
    // the US launch fell inside its notified window.
    assert!(has(
        &|f| matches!(f, Finding::NotifiedLaunchDidNotOccur { notifying_state, .. } if notifying_state == "FRA")
    ));
    assert!(has(
        &|f| matches!(f, Finding::LaunchNotNotified { launch, .. } if launch == "2020-049")
    ));
    assert!(!has(
        &|f| matches!(f, Finding::LaunchNotNotified { launch, .. } if launch == "2020-048")
    ));
    assert!(!has(
        &|f| matches!(f, Finding::NotifiedLaunchDidNotOccur { notifying_state, .. } if notifying_state == "USA")
    ));
}
