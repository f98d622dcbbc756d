//! `verity space ...` end to end (assert_cmd), on the verity-space crate's test data.

use assert_cmd::Command;
use predicates::prelude::*;

fn data(rel: &str) -> String {
    format!(
        "{}/../verity-space/testdata/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn verity() -> Command {
    Command::cargo_bin("verity").expect("the verity binary is built for tests")
}

/// Vallado's TEME example (00005) at epoch: tcppver.out gives
/// r = (7022.46529266, −1400.08296755, 0.03995155) km, v = (1.893841015, 6.405893759, 4.534807250) km/s.
#[test]
fn propagate_json_matches_vallado_at_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("sat.tle");
    std::fs::write(
        &f,
        "1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753\n2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667\n",
    )
    .unwrap();
    let out = verity()
        .args([
            "space",
            "propagate",
            f.to_str().unwrap(),
            "--start",
            "2000-06-27T18:50:19.733568Z",
            "--end",
            "2000-06-28T00:50:19.733568Z",
            "--step-min",
            "360",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let states = v["objects"][0]["states"].as_array().unwrap();
    assert_eq!(states.len(), 2);
    let r: Vec<f64> = states[0]["position_km"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let vel: Vec<f64> = states[0]["velocity_km_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    for (a, b) in r.iter().zip([7022.46529266, -1400.08296755, 0.03995155]) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    for (a, b) in vel.iter().zip([1.893841015, 6.405893759, 4.534807250]) {
        assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
    // tcppver.out at +360 min: r = (−7154.03120202, −3783.17682504, −3536.19412294).
    let r: Vec<f64> = states[1]["position_km"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    for (a, b) in r
        .iter()
        .zip([-7154.03120202, -3783.17682504, -3536.19412294])
    {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn screen_json_agrees_with_the_library() {
    let start = verity_space::Epoch::parse_iso8601("2025-03-01T00:00:00Z").unwrap();
    let cat = verity_space::catalog::synthetic_catalog(300, 5, start);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("catalog.tle");
    let text: String = cat
        .iter()
        .map(|e| {
            let (a, b) = verity_space::tle::format_tle(e).unwrap();
            format!("{}\n{a}\n{b}\n", e.name.clone().unwrap())
        })
        .collect();
    std::fs::write(&f, text).unwrap();
    let out = verity()
        .args([
            "space",
            "screen",
            f.to_str().unwrap(),
            "--days",
            "0.25",
            "--threshold-km",
            "50",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let conj = v["conjunctions"].as_array().unwrap();
    let parsed = verity_space::tle::parse_tle_text(
        &std::fs::read_to_string(&f).unwrap(),
        &Default::default(),
    )
    .unwrap();
    let lib = verity_space::screen::screen(
        &parsed,
        &start,
        0.25 * 86_400.0,
        &verity_space::screen::ScreeningOptions {
            threshold_km: 50.0,
            ..Default::default()
        },
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(conj.len(), lib.conjunctions.len());
    assert!(
        !conj.is_empty(),
        "the sample catalogue has approaches within 50 km"
    );
    for c in conj {
        assert!(c["miss_distance_km"].as_f64().unwrap() <= 50.0);
        assert!(c["relative_speed_km_s"].as_f64().unwrap() >= 0.0);
        assert!(c["tca"].as_str().unwrap().starts_with("2025-03-01T"));
        for k in ["radial", "in_track", "cross_track"] {
            assert!(c["miss_ric_km"][k].is_number());
        }
    }
}

#[test]
fn pc_reports_provider_and_computed_values() {
    let out = verity()
        .args([
            "space",
            "pc",
            &data("cdm/000038771_conj_000030802_20201216_182131_20201215_171306.cdm"),
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let (pc, provider) = (
        v["pc"].as_f64().unwrap(),
        v["provider_pc"].as_f64().unwrap(),
    );
    assert!((pc / provider - 1.0).abs() < 5e-4, "{pc} vs {provider}");
}

#[test]
fn validate_accepts_examples_and_rejects_bad_payloads() {
    for f in ["registration.json", "notification.json", "pledge.json"] {
        verity()
            .args(["space", "validate", &data(&format!("declarations/{f}"))])
            .assert()
            .success()
            .stdout(predicate::str::contains("valid"));
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        std::fs::read_to_string(data("declarations/registration.json"))
            .unwrap()
            .replace("\"USA\"", "\"U5A\""),
    )
    .unwrap();
    verity()
        .args(["space", "validate", bad.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("launching_states[0]"));
}

#[test]
fn reconcile_lists_findings() {
    let out = verity()
        .args([
            "space",
            "reconcile",
            "--declarations",
            &data("declarations/reconcile.json"),
            "--observed",
            &data("real_tles.txt"),
            "--as-of",
            "2020-08-01T00:00:00Z",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"].as_str().unwrap())
        .collect();
    for k in [
        "undeclared-object",
        "declared-not-observed",
        "orbit-differs",
        "notified-launch-did-not-occur",
        "launch-not-notified",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}

#[test]
fn plot_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("track.svg");
    verity()
        .args([
            "space",
            "plot",
            "ground-track",
            &data("real_tles.txt"),
            "--start",
            "2020-07-13T00:00:00Z",
            "--end",
            "2020-07-13T03:00:00Z",
            "--step-min",
            "2",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
}

#[test]
fn malformed_tle_is_reported_with_columns() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.tle");
    std::fs::write(&f, "1 25544U 98067A   20194.88612269 -.00002218  00000-0 -31515-4 0  9992\n2 25544  5x.6461 221.2784 0001413  89.1723 280.4612 15.49507896236008\n").unwrap();
    verity()
        .args([
            "space",
            "propagate",
            f.to_str().unwrap(),
            "--start",
            "2020-07-13T00:00:00Z",
            "--end",
            "2020-07-13T00:10:00Z",
            "--step-min",
            "5",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 2").and(predicate::str::contains("columns")));
}
