//! CLI tests for the event-level `verity seismic` commands. Data: crates/verity-seismic/testdata
//! (picks from TauP IASP91 for a known source, see that folder's file headers).
use assert_cmd::Command;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../verity-seismic/testdata")
        .join(name)
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
    let out = verity()
        .args(["seismic", "locate"])
        .arg(data("picks_L03.csv"))
        .arg("--stations")
        .arg(data("stations.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    let out = verity()
        .args(["seismic", "bulletin"])
        .arg(data("picks_L03.csv"))
        .arg("--stations")
        .arg(data("stations.csv"))
        .args(["--agency", "NDC-TEST", "--quakeml"])
        .arg(&q)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    let out = verity()
        .args(["seismic", "magnitude", "--amplitudes"])
        .arg(data("amplitudes.csv"))
        .arg("--stations")
        .arg(data("stations.csv"))
        .args(["--lat", "0", "--lon", "100", "--depth", "10", "--q-table"])
        .arg(data("q_table_test.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nets = v["network_magnitudes"].as_array().unwrap();
    assert_eq!(nets.len(), 2, "{v}");

    let out = verity()
        .args(["seismic", "screen", "--mb", "5.0", "--ms", "4.9", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "screened_out");

    let out = verity()
        .args(["seismic", "xenon"])
        .arg(data("xenon_explosion_like.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
