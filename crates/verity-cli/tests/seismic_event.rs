//! CLI tests for the event-level `verity seismic` commands. Data: crates/verity-seismic/testdata
//! (picks from TauP IASP91 for a known source, see that folder's file headers).
use assert_cmd::Command;
use std::path::PathBuf;

#[path = "ledger_support/mod.rs"]
mod ledger_support;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../verity-seismic/testdata")
        .join(name)
}

/// Runs a `verity ... --json` command that must succeed and returns its JSON output.
fn json_of(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn verity() -> Command {
    Command::cargo_bin("verity").unwrap()
}

#[test]
fn traveltime_prints_taup_seconds() {
    // IASP91 P at 30° from a surface source: 370.264 s (TauP, /work/shared/reference.md).
    let out = verity()
        .args([
            "seismic",
            "traveltime",
            "--model",
            "iasp91",
            "--phase",
            "P",
            "--distance",
            "30",
            "--depth",
            "0",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let t: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((t - 370.264).abs() < 0.002, "{t}");
    let out = verity()
        .args([
            "seismic",
            "traveltime",
            "--model",
            "ak135",
            "--phase",
            "S",
            "--distance",
            "60",
            "--depth",
            "100",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["time_s"].as_f64().unwrap() > 900.0 && v["phase"] == "S");
    let out = verity()
        .args(["seismic", "traveltime", "--distance", "200"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn locate_json_recovers_the_source() {
    let v = json_of(
        verity()
            .args(["seismic", "locate"])
            .arg(data("picks_L03.csv"))
            .arg("--stations")
            .arg(data("stations.csv"))
            .arg("--json"),
    );
    // Source L03: 41.4071 N, 8.2311 E, 25 km, 2024-01-01T00:00:00Z.
    let h = &v["hypocentre"];
    assert!(
        (h["latitude"].as_f64().unwrap() - 41.4071).abs() < 0.02,
        "{h}"
    );
    assert!(
        (h["longitude"].as_f64().unwrap() - 8.2311).abs() < 0.02,
        "{h}"
    );
    assert!((h["depth_km"].as_f64().unwrap() - 25.0).abs() < 3.0, "{h}");
    assert!(
        v["origin_time"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-01T00:00:00")
            || v["origin_time"]
                .as_str()
                .unwrap()
                .starts_with("2023-12-31T23:59:59")
    );
    assert!(v["ellipse"]["area_km2"].as_f64().unwrap() > 0.0);
    assert_eq!(v["arrivals"].as_array().unwrap().len(), 40);
}

#[test]
fn bulletin_writes_quakeml_and_json_and_map_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let q = dir.path().join("b.xml");
    let v = json_of(
        verity()
            .args(["seismic", "bulletin"])
            .arg(data("picks_L03.csv"))
            .arg("--stations")
            .arg(data("stations.csv"))
            .args(["--agency", "NDC-TEST", "--quakeml"])
            .arg(&q)
            .arg("--json"),
    );
    assert_eq!(v["kind"], "bulletin");
    assert_eq!(v["treaty"], "ctbt");
    assert_eq!(v["events"].as_array().unwrap().len(), 1);
    let xml = std::fs::read_to_string(&q).unwrap();
    assert!(xml.contains("<originUncertainty>") && xml.contains("quakeml/1.2"));

    let svg = dir.path().join("map.svg");
    let out = verity()
        .args(["seismic", "map", "--picks"])
        .arg(data("picks_L03.csv"))
        .arg("--stations")
        .arg(data("stations.csv"))
        .arg("--out")
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

#[test]
fn magnitude_screen_and_xenon() {
    let v = json_of(
        verity()
            .args(["seismic", "magnitude", "--amplitudes"])
            .arg(data("amplitudes.csv"))
            .arg("--stations")
            .arg(data("stations.csv"))
            .args(["--lat", "0", "--lon", "100", "--depth", "10", "--q-table"])
            .arg(data("q_table_test.csv"))
            .arg("--json"),
    );
    let nets = v["network_magnitudes"].as_array().unwrap();
    assert_eq!(nets.len(), 2, "{v}");

    let out = verity()
        .args(["seismic", "screen", "--mb", "5.0", "--ms", "4.9", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "screened_out");

    let v = json_of(
        verity()
            .args(["seismic", "xenon"])
            .arg(data("xenon_explosion_like.csv"))
            .arg("--json"),
    );
    assert_eq!(v["source"], "explosion_like");

    let out = verity()
        .args(["seismic", "locate"])
        .arg(data("xenon_explosion_like.csv"))
        .arg("--stations")
        .arg(data("stations.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line"));
}

/// A synthetic vertical velocity record of a P wave (0.8 s period, 30 nm displacement) at a
/// station 40° north of an event at (0°, 0°), written as miniSEED (FLOAT64) and measured by
/// `seismic magnitude --waveforms`. Expectation: A = 30 nm, T = 0.8 s,
/// mb = log10(30/0.8) + Q_VC72(Δ, 0 km) with Δ the geocentric distance (39.81°). Tolerance
/// 0.02 magnitude units (half-sample extremum timing at 40 Hz, see verity-seismic's amplitude
/// tests). The onset is predicted from IASP91.
#[test]
fn magnitude_from_waveforms_synthetic_miniseed() {
    use verity_seismic::magnitude::AttenuationTable;
    let dir = tempfile::tempdir().unwrap();
    let fs = 40.0;
    let w = 2.0 * std::f64::consts::PI / 0.8;
    let origin_ns: i64 = 1_700_000_000_000_000_000; // 2023-11-14T22:13:20Z
    let d = verity_seismic::geodesy::distaz(0.0, 0.0, 40.0, 0.0).distance_deg;
    let tt = verity_seismic::travel_time(
        verity_seismic::EarthModel::Iasp91,
        verity_seismic::Phase::P,
        d,
        0.0,
    )
    .unwrap()
    .time_s;
    let start = origin_ns + ((tt - 100.0) * 1e9) as i64;
    let samples: Vec<f64> = (0..(200.0 * fs) as usize)
        .map(|i| {
            let t = i as f64 / fs - 100.0;
            // smooth 3 s rise from 10 s before the onset so the causal filter is settled
            let env = if !(-10.0..20.0).contains(&t) {
                0.0
            } else if t < -7.0 {
                0.5 * (1.0 - (std::f64::consts::PI * (t + 10.0) / 3.0).cos())
            } else {
                1.0
            };
            2e9 * 30e-9 * w * (w * t).cos() * env
        })
        .collect();
    let ms = verity_waveform::mseed::Mseed2Writer::new("XX", "N40", "", "BHZ", fs)
        .write_f64(start, &samples, 1)
        .unwrap();
    let wf = dir.path().join("n40.mseed");
    std::fs::write(&wf, ms).unwrap();
    let st = dir.path().join("stations.csv");
    std::fs::write(
        &st,
        "code,lat,lon,elev_m,sensitivity\nXX.N40,40,0,0,2e9\nXX.FAR,0,150,0,2e9\n",
    )
    .unwrap();
    let v = json_of(
        verity()
            .args(["seismic", "magnitude", "--waveforms"])
            .arg(&wf)
            .arg("--stations")
            .arg(&st)
            .args(["--lat", "0", "--lon", "0", "--depth", "0"])
            .args(["--origin-time", "2023-11-14T22:13:20Z", "--json"]),
    );
    let nm = &v["network_magnitudes"][0];
    assert_eq!(nm["kind"], "mb", "{v}");
    let q = AttenuationTable::veith_clawson_1972().q(d, 0.0).unwrap();
    let expect = (30.0f64 / 0.8).log10() + q;
    let got = nm["value"].as_f64().unwrap();
    assert!((got - expect).abs() < 0.02, "mb {got} vs {expect}: {v}");
    let m = &v["waveform_measurements"][0];
    assert_eq!(m["channel"], "XX.N40..BHZ");
    assert_eq!(m["onset"], "predicted");
    assert!(
        (m["amplitude"]["period_s"].as_f64().unwrap() - 0.8).abs() <= 0.026,
        "{v}"
    );
    assert!(v["q_table"].as_str().unwrap().contains("Veith"), "{v}");
}

/// The real II.TLY.00.BHZ recording of the 2011 Tohoku earthquake (ObsPy test data) carries
/// no instrument response, and none ships with ObsPy: the CLI must say so per channel rather
/// than invent a magnitude. Event: USGS origin 2011-03-11T05:46:24Z, 38.32°N 142.37°E, 24 km.
#[test]
fn magnitude_from_real_sac_without_sensitivity_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("stations.csv");
    std::fs::write(&st, "II.TLY,51.6807,103.6438,579\n").unwrap();
    let v = json_of(
        verity()
            .args(["seismic", "magnitude", "--waveforms"])
            .arg(data("II.TLY.BHZ.SAC"))
            .arg("--stations")
            .arg(&st)
            .args(["--lat", "38.3215", "--lon", "142.3693", "--depth", "24.4"])
            .args(["--origin-time", "2011-03-11T05:46:24.12Z", "--json"]),
    );
    assert_eq!(v["network_magnitudes"].as_array().unwrap().len(), 0, "{v}");
    let skipped = v["skipped"].to_string();
    assert!(
        skipped.contains("TLY") && skipped.contains("no instrument sensitivity"),
        "{v}"
    );
}

/// `seismic bulletin --submit-to`: a data centre's key signs the bulletin, the node appends it,
/// the inclusion proof is checked; `verity get` returns it and `verity verify` proves it. A key
/// the registry does not know is refused and nothing is appended.
#[test]
fn bulletin_signed_appended_fetched_and_verified_and_unknown_key_refused() {
    use ledger_support::{Proc, run};
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data_dir = dir.join("data");
    let state = dir.join("state");
    let env = [("VERITY_STATE", state.as_path())];
    let p = |s: &str| dir.join(s).to_str().unwrap().to_owned();
    let (ok, vkey, err) = run(&["keygen", "--name", "NDC", "--out", &p("ndc.key")], &[]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &["keygen", "--name", "ROGUE", "--out", &p("rogue.key")],
        &[],
    );
    assert!(ok, "{err}");
    let server = Proc::serve(&data_dir, &[]);
    let url = server.url.clone();
    let d = data_dir.to_str().unwrap();
    let (ok, _, err) = run(
        &[
            "party",
            "add",
            "--data",
            d,
            "NDC",
            vkey.trim(),
            "--role",
            "data-centre",
        ],
        &[],
    );
    assert!(ok, "{err}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.tree_size() < 1 {
        assert!(
            Instant::now() < deadline,
            "server did not see the party entry"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let picks = data("picks_L03.csv");
    let stations = data("stations.csv");
    let bulletin = |key: &str| {
        run(
            &[
                "seismic",
                "bulletin",
                picks.to_str().unwrap(),
                "--stations",
                stations.to_str().unwrap(),
                "--agency",
                "NDC-XX",
                "--submit-to",
                &url,
                "--key",
                key,
                "--json",
            ],
            &env,
        )
    };
    let (ok, out, err) = bulletin(&p("ndc.key"));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "bulletin");
    assert_eq!(v["submitted"]["inclusion_verified"], true, "{v}");
    assert_eq!(v["submitted"]["party"], "NDC");
    let index = v["submitted"]["index"].as_u64().unwrap();
    assert_eq!(server.tree_size(), index + 1);

    let (ok, out, err) = run(
        &["get", "--server", &url, &index.to_string(), "--json"],
        &[],
    );
    assert!(ok, "{err}");
    assert!(out.contains("NDC-XX") && out.contains("bulletin"), "{out}");
    let (ok, out, err) = run(
        &["verify", "--server", &url, "--party", "NDC", "--seq", "1"],
        &env,
    );
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("entry {index}: included")) && out.contains("OK"),
        "{out}"
    );

    // Not registered: refused with a clear error, the log does not grow.
    let before = server.tree_size();
    let (ok, _, err) = bulletin(&p("rogue.key"));
    assert!(!ok, "an unregistered key must be refused");
    assert!(
        err.contains("submitting the bulletin") && err.contains("not registered"),
        "{err}"
    );
    assert_eq!(server.tree_size(), before);
}
