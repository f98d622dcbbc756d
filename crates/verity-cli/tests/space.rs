//! `verity space ...` end to end (assert_cmd), on the verity-space crate's test data.

use assert_cmd::Command;
use predicates::prelude::*;

fn data(rel: &str) -> String {
    format!(
        "{}/../verity-space/testdata/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A synthetic catalogue (verity-space's generator, seed 5) as 3LE text.
fn catalog_tle(n: usize, start: verity_space::Epoch) -> String {
    verity_space::catalog::synthetic_catalog(n, 5, start)
        .iter()
        .map(|e| {
            let (a, b) = verity_space::tle::format_tle(e).unwrap();
            format!("{}\n{a}\n{b}\n", e.name.clone().unwrap())
        })
        .collect()
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
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("catalog.tle");
    std::fs::write(&f, catalog_tle(300, start)).unwrap();
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
    // One definition of the JSON for the CLI and the node.
    assert_eq!(v, verity_space::bulletin::screening_json(&lib));
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
    // The geometry of the first approach, plotted from the screening's own answer.
    let c = &conj[0];
    let svg_path = dir.path().join("encounter.svg");
    let (p, s2, tca) = (
        c["primary"].to_string(),
        c["secondary"].to_string(),
        c["tca"].as_str().unwrap().to_owned(),
    );
    let plot = |extra: &[&str]| {
        let mut args = vec![
            "space",
            "plot",
            "encounter",
            f.to_str().unwrap(),
            "--primary",
            &p,
            "--secondary",
            &s2,
            "--tca",
            &tca,
            "--threshold-km",
            "50",
            "--out",
            svg_path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        verity().args(args).assert()
    };
    plot(&[]).success();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("in-track (km)"));
    assert!(
        svg.matches("<polyline").count() >= 4,
        "path and threshold in both panels"
    );
    plot(&["--step-s", "0"])
        .failure()
        .stderr(predicates::str::contains("--step-s must be positive"));
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

#[path = "ledger_support/mod.rs"]
mod ledger_support;

/// `verity space declare` into a real node: a pre-launch notification, a launch report that
/// references it, registrations (one of a declared weapon), an unnotified launch; then
/// `verity report` shows the ppwt findings referencing `log:<index>`, `reconcile --from-log`
/// reads the registrations back, close-approach and manoeuvre bulletins are signed in and
/// skipped by the treaty engine, and forged keys, malformed declarations and unsound
/// notification references are refused with nothing submitted.
#[test]
fn declarations_and_bulletins_into_a_real_node() {
    use ledger_support::{Proc, run};
    use serde_json::{Value, json};
    use std::time::{Duration, Instant};

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data_dir = dir.join("node");
    let state = dir.join("state");
    let env = [("VERITY_STATE", state.as_path())];
    let p = |s: &str| dir.join(s).to_str().unwrap().to_owned();
    let (ok, ru_vkey, err) = run(&["keygen", "--name", "RU", "--out", &p("ru.key")], &[]);
    assert!(ok, "{err}");
    // A second key under the same party name that is never registered: a forgery.
    let (ok, _, err) = run(&["keygen", "--name", "RU", "--out", &p("forged.key")], &[]);
    assert!(ok, "{err}");
    let node = Proc::serve(&data_dir, &[]);
    let url = node.url.clone();
    let (ok, _, err) = run(
        &[
            "party",
            "add",
            "--data",
            data_dir.to_str().unwrap(),
            "RU",
            ru_vkey.trim(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while node.tree_size() < 1 {
        assert!(Instant::now() < deadline, "the node did not see the party");
        std::thread::sleep(Duration::from_millis(50));
    }
    let vkey = data_dir.join("log.vkey").to_str().unwrap().to_owned();

    let declare = |file: &str, key: &str| -> (bool, String, String) {
        run(
            &[
                "space",
                "declare",
                &p(file),
                "--submit-to",
                &url,
                "--key",
                &p(key),
                "--json",
            ],
            &env,
        )
    };
    let write = |file: &str, v: &Value| std::fs::write(p(file), v.to_string()).unwrap();
    let now =
        verity_core::envelope::format_time(verity_server::time::OffsetDateTime::now_utc()).unwrap();
    let t0 = verity_space::Epoch::parse_iso8601(&now).unwrap();
    let year = &now[..4];

    // 1. The notification (entry 1).
    write(
        "notification.json",
        &json!({"kind": "pre-launch-notification", "notifying_state": "RUS",
            "launch_vehicle": "Soyuz-2.1v",
            "window_open": t0.plus_seconds(-3600.0).to_iso8601(),
            "window_close": t0.plus_seconds(86_400.0).to_iso8601(),
            "launch_area": "Plesetsk", "launch_latitude_deg": 62.9, "launch_longitude_deg": 40.6,
            "planned_azimuth_deg": 5.0}),
    );
    let (ok, out, err) = declare("notification.json", "ru.key");
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["treaty"].as_str(), v["kind"].as_str()),
        (Some("ppwt"), Some("launch"))
    );
    let notification_index = v["submitted"]["index"].as_u64().unwrap();
    assert_eq!(notification_index, 1);
    // The launch happens after the notification was logged; the report comes after it.
    let made = node.client().entry(notification_index).unwrap().envelope["time"]
        .as_str()
        .unwrap()
        .to_owned();
    let launch_time = verity_space::Epoch::parse_iso8601(&made)
        .unwrap()
        .plus_seconds(2.0);
    std::thread::sleep(Duration::from_millis(3500));

    let registration = |designator: &str, category: &str| {
        json!({"kind": "space-object-registration", "launching_states": ["RUS"],
            "international_designator": designator, "name": format!("OBJECT {designator}"),
            "launch_date": &now[..10], "launch_territory": "Plesetsk",
            "nodal_period_min": 97.3, "inclination_deg": 97.9, "apogee_km": 620.0,
            "perigee_km": 590.0, "general_function": "declared for the test",
            "function_category": category})
    };
    let report = |launch: &str, payloads: Vec<String>, reference: Option<String>| {
        let mut v = json!({"kind": "launch-report", "launching_state": "RUS", "launch": launch,
            "launch_time": launch_time.to_iso8601(), "launch_area": "Plesetsk",
            "launch_vehicle": "Soyuz-2.1v", "payloads": payloads});
        if let Some(r) = reference {
            v["pre_launch_notification"] = json!(r);
        }
        v
    };
    let l1 = format!("{year}-901");
    let l2 = format!("{year}-902");

    // Refusals first: nothing may reach the log.
    let size = node.tree_size();
    // An unsound reference (entry 0 is the key registration, not a notification).
    write(
        "bad-ref.json",
        &report(&l1, vec![format!("{l1}A")], Some("log:0".into())),
    );
    let (ok, _, err) = declare("bad-ref.json", "ru.key");
    assert!(!ok && err.contains("log:0"), "{err}");
    // A malformed declaration: the field and the reason are named.
    write("bad.json", &registration(&format!("{year}-1A"), "civil"));
    let (ok, _, err) = declare("bad.json", "ru.key");
    assert!(!ok && err.contains("international_designator"), "{err}");
    // A registration without the category the engine needs.
    let mut no_cat = registration(&format!("{l1}A"), "civil");
    no_cat.as_object_mut().unwrap().remove("function_category");
    write("no-cat.json", &no_cat);
    let (ok, _, err) = declare("no-cat.json", "ru.key");
    assert!(!ok && err.contains("function_category"), "{err}");
    // A key the registry does not know.
    write("weapon.json", &registration(&format!("{l1}A"), "weapon"));
    let (ok, _, err) = declare("weapon.json", "forged.key");
    assert!(!ok, "a forged key was accepted");
    assert!(err.to_lowercase().contains("key"), "{err}");
    assert_eq!(
        node.tree_size(),
        size,
        "a refused declaration reached the log"
    );

    // 2. The declarations.
    let mut index = std::collections::BTreeMap::new();
    write("civil.json", &registration(&format!("{l1}B"), "civil"));
    write(
        "report-1.json",
        &report(
            &l1,
            vec![format!("{l1}A"), format!("{l1}B")],
            Some(format!("log:{notification_index}")),
        ),
    );
    write("report-2.json", &report(&l2, vec![format!("{l2}A")], None));
    write(
        "pledge.json",
        &json!({"kind": "pledge", "state": "RUS", "effective_date": "2014-12-02",
            "text": "No first placement of weapons in outer space."}),
    );
    for f in [
        "weapon.json",
        "civil.json",
        "report-1.json",
        "report-2.json",
        "pledge.json",
    ] {
        let (ok, out, err) = declare(f, "ru.key");
        assert!(ok, "{f}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["submitted"]["inclusion_verified"], true, "{out}");
        index.insert(f, v["submitted"]["index"].as_u64().unwrap());
    }

    // 3. Bulletins: a screening and a manoeuvre comparison, signed in.
    let start = verity_space::Epoch::parse_iso8601("2025-03-01T00:00:00Z").unwrap();
    let text = catalog_tle(150, start);
    std::fs::write(p("catalog.tle"), &text).unwrap();
    let (ok, out, err) = run(
        &[
            "space",
            "screen",
            &p("catalog.tle"),
            "--days",
            "0.1",
            "--threshold-km",
            "50",
            "--json",
            "--submit-to",
            &url,
            "--key",
            &p("ru.key"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    let screened: Value = serde_json::from_str(&out).unwrap();
    // 150 objects over 0.1 day fit one entry: one part.
    assert_eq!(screened["submitted"].as_array().unwrap().len(), 1, "{out}");
    let bulletin_index = screened["submitted"][0]["index"].as_u64().unwrap();
    let entry = node.client().entry(bulletin_index).unwrap().envelope;
    assert_eq!(
        (entry["treaty"].as_str(), entry["kind"].as_str()),
        (Some("ppwt"), Some("bulletin"))
    );
    let b = &entry["payload"];
    assert_eq!(b["schema_version"], 1);
    assert_eq!(b["part"], json!({"number": 1, "of": 1}));
    assert_eq!(b["catalogue"]["objects"], 150);
    assert_eq!(b["catalogue"]["source"], "catalog.tle");
    assert_eq!(b["screening"]["threshold_km"], 50.0);
    assert_eq!(b["screening"]["conjunctions"], screened["conjunctions"]);
    for c in b["screening"]["conjunctions"].as_array().unwrap() {
        for n in [&c["primary"], &c["secondary"]] {
            assert!(
                b["elements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| &e["catalog_number"] == n)
            );
        }
    }
    // A larger result (hundreds of conjunctions) exceeds one 64 KiB entry: signed in parts
    // that together list every conjunction once.
    let big = catalog_tle(300, start);
    std::fs::write(p("big.tle"), &big).unwrap();
    let (ok, out, err) = run(
        &[
            "space",
            "screen",
            &p("big.tle"),
            "--days",
            "0.25",
            "--threshold-km",
            "50",
            "--json",
            "--submit-to",
            &url,
            "--key",
            &p("ru.key"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    let screened: Value = serde_json::from_str(&out).unwrap();
    let parts = screened["submitted"].as_array().unwrap();
    assert!(
        parts.len() > 1,
        "{} conjunctions in one part?",
        screened["conjunctions"]
    );
    let mut listed = Vec::new();
    for (k, s) in parts.iter().enumerate() {
        let e = node
            .client()
            .entry(s["index"].as_u64().unwrap())
            .unwrap()
            .envelope;
        assert_eq!(
            e["payload"]["part"],
            json!({"number": k + 1, "of": parts.len()})
        );
        listed.extend(
            e["payload"]["screening"]["conjunctions"]
                .as_array()
                .unwrap()
                .clone(),
        );
    }
    assert_eq!(Value::Array(listed), screened["conjunctions"]);
    let bulletin_parts = parts.len();

    let (ok, out, err) = run(
        &[
            "space",
            "manoeuvres",
            &data("real_tles.txt"),
            "--json",
            "--submit-to",
            &url,
            "--key",
            &p("ru.key"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    let m: Value = serde_json::from_str(&out).unwrap();
    let entry = node
        .client()
        .entry(m["submitted"][0]["index"].as_u64().unwrap())
        .unwrap()
        .envelope;
    assert_eq!(entry["payload"]["manoeuvres"]["threshold_m_s"], 0.2);
    assert!(entry["payload"]["screening"].is_null());
    let flagged = m["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["manoeuvre"] == true)
        .count();
    assert_eq!(
        entry["payload"]["manoeuvres"]["detected"]
            .as_array()
            .unwrap()
            .len(),
        flagged
    );

    // 4. The treaty engine over the verified log.
    let (ok, out, err) = run(
        &["report", "--server", &url, "--log-key", &vkey, "--json"],
        &env,
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ppwt = v["treaties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["treaty"] == "ppwt")
        .expect("ppwt findings");
    assert_eq!(ppwt["rejected"], json!([]), "{ppwt}");
    // Key registration, pledge and the bulletins are not counting declarations.
    assert_eq!(v["skipped_entries"], 4 + bulletin_parts, "{out}");
    let findings = ppwt["findings"].as_array().unwrap();
    let find = |rule: &str, file: &str| {
        let r = format!("log:{}", index[file]);
        findings
            .iter()
            .find(|f| {
                f["rule"] == rule
                    && f["references"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|x| x == &json!(r))
            })
            .unwrap_or_else(|| panic!("no {rule} finding on {r}: {ppwt}"))
            .clone()
    };
    assert_eq!(
        find("no-first-placement", "weapon.json")["status"],
        "violation"
    );
    assert!(
        !findings.iter().any(|f| f["rule"] == "no-first-placement"
            && f["references"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == &json!(format!("log:{}", index["civil.json"])))),
        "a civil object must not be a no-first-placement finding"
    );
    assert_eq!(
        find("pre-launch-notification", "report-1.json")["status"],
        "compliant"
    );
    assert_eq!(
        find("pre-launch-notification", "report-2.json")["status"],
        "violation"
    );

    // A launch report signed around `declare` (plain `verity submit`) with a reference that
    // does not check out: the engine cannot tell, reconcile --from-log must.
    let l3 = format!("{year}-903");
    let sneaky = verity_space::log_entry::to_log_entry(
        &verity_space::registry::SpaceDeclaration::from_json(
            &report(&l3, vec![format!("{l3}A")], Some("log:0".into())).to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    std::fs::write(p("sneaky.json"), sneaky.payload.to_string()).unwrap();
    let (ok, out, err) = run(
        &[
            "submit",
            "--server",
            &url,
            "--key",
            &p("ru.key"),
            "--treaty",
            "ppwt",
            "--kind",
            "launch",
            &p("sneaky.json"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    let sneaky_index: u64 = out.trim().parse().unwrap();

    // 5. Declared versus observed, with the declarations read back from the log.
    let (ok, out, err) = run(
        &[
            "space",
            "reconcile",
            "--from-log",
            &url,
            "--log-key",
            &vkey,
            "--observed",
            &data("real_tles.txt"),
            "--as-of",
            &now,
            "--json",
        ],
        &env,
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["log"]["space_declarations"], 7, "{out}");
    let not_observed: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["finding"] == "declared-not-observed")
        .map(|f| f["international_designator"].as_str().unwrap())
        .collect();
    assert_eq!(not_observed, [format!("{l1}A"), format!("{l1}B")]);
    // Both registered objects' launch is reported and the declared report's reference checks
    // out; only the one signed around `declare` is flagged.
    let lf = v["log_findings"].as_array().unwrap();
    assert_eq!(lf.len(), 1, "{out}");
    assert_eq!(lf[0]["finding"], "notification-reference-invalid");
    assert_eq!(lf[0]["index"], sneaky_index);
    assert!(lf[0]["reason"].as_str().unwrap().contains("log:0"), "{out}");
}

/// `propagate --eop` converts each SGP4 state to ITRF with the EOP interpolated from the file
/// (the conversion itself is checked against Vallado 2013 Example 3-15 in verity-space's
/// tests/eop.rs); both published formats give the same states; an instant outside the table
/// is refused naming the file and the table's range; `plot ground-track --eop` draws.
#[test]
fn propagate_and_plot_with_earth_orientation_files() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("sat.tle");
    std::fs::write(
        &f,
        "1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753\n2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667\n",
    )
    .unwrap();
    let run = |eop: &str, start: &str| {
        verity()
            .args([
                "space",
                "propagate",
                f.to_str().unwrap(),
                "--start",
                start,
                "--end",
                "2004-04-06T12:00:00Z",
                "--step-min",
                "240",
                "--eop",
                &data(eop),
                "--json",
            ])
            .output()
            .unwrap()
    };
    let finals = run("eop/finals2000A.sample", "2004-04-06T00:00:00Z");
    assert!(
        finals.status.success(),
        "{}",
        String::from_utf8_lossy(&finals.stderr)
    );
    let csv = run("eop/EOP-All.sample.csv", "2004-04-06T00:00:00Z");
    assert!(csv.status.success());
    let a: serde_json::Value = serde_json::from_slice(&finals.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&csv.stdout).unwrap();
    assert_eq!(a["objects"], b["objects"]);
    let states = a["objects"][0]["states"].as_array().unwrap();
    assert_eq!(states.len(), 4);
    assert_eq!(a["objects"][0]["frame"], "ITRF");
    // Library path: SGP4 → EopTable::at → teme_to_itrf, to 1e-9 km.
    let set = &verity_space::tle::parse_tle_text(
        &std::fs::read_to_string(&f).unwrap(),
        &Default::default(),
    )
    .unwrap()[0];
    let prop = verity_space::propagate::Propagator::new(set).unwrap();
    let table = verity_space::eop::EopTable::parse(
        &std::fs::read_to_string(data("eop/finals2000A.sample")).unwrap(),
    )
    .unwrap();
    for s in states {
        let t = verity_space::Epoch::parse_iso8601(s["time"].as_str().unwrap()).unwrap();
        let itrf = verity_space::frames::teme_to_itrf(
            &prop.propagate_at(&t).unwrap(),
            &t,
            &table.at(&t).unwrap(),
        );
        for k in 0..3 {
            let got = s["position_km"][k].as_f64().unwrap();
            assert!((got - itrf.position_km[k]).abs() < 1e-9, "{s}");
        }
        assert!(s["geodetic"]["latitude_deg"].as_f64().unwrap().abs() <= 90.0);
    }
    let outside = run("eop/finals2000A.sample", "2004-04-01T00:00:00Z");
    assert!(!outside.status.success());
    let err = String::from_utf8_lossy(&outside.stderr);
    assert!(
        err.contains("finals2000A.sample") && err.contains("outside the EOP table"),
        "{err}"
    );

    let svg = dir.path().join("track.svg");
    verity()
        .args([
            "space",
            "plot",
            "ground-track",
            f.to_str().unwrap(),
            "--start",
            "2004-04-06T00:00:00Z",
            "--end",
            "2004-04-06T03:00:00Z",
            "--eop",
            &data("eop/EOP-All.sample.csv"),
            "--out",
            svg.to_str().unwrap(),
        ])
        .assert()
        .success();
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}
