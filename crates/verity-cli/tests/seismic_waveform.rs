//! CLI tests for the waveform-level `verity seismic` commands (trigger, inspect, detect,
//! resample, plot).
//! Data: crates/verity-waveform/testdata (files from the ObsPy 1.5.1 wheel, see its README).
use assert_cmd::Command;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../verity-waveform/testdata")
        .join(name)
}

fn verity() -> Command {
    Command::cargo_bin("verity").unwrap()
}

const ULN: &str = "real/IU_ULN_00_LH1_2015-07-18T02.mseed";

#[test]
fn trigger_json_matches_obspy() {
    // Reference from ObsPy 1.5.1 on the same file:
    //   tr = obspy.read(ULN)[0]; tr.detrend('demean')  (demeaning does not change a band-pass)
    //   tr.filter('bandpass', freqmin=0.05, freqmax=0.4, corners=4, zerophase=False)
    //   trigger_onset(classic_sta_lta(tr.data, 10, 100), 3.0, 1.5)[:5]
    //   -> [[208, 217], [500, 506], [554, 563], [717, 753], [1316, 1337]]
    let out = verity()
        .args(["seismic", "trigger"])
        .arg(data(ULN))
        .args([
            "--sta", "10", "--lta", "100", "--on", "3", "--off", "1.5", "--band", "0.05-0.4",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tr = &v["traces"][0];
    assert_eq!(tr["id"], "IU.ULN.00.LH1");
    assert_eq!(tr["nsta"], 10);
    assert_eq!(tr["nlta"], 100);
    let pairs: Vec<(u64, u64)> = tr["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["on"].as_u64().unwrap(), t["off"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        &pairs[..5],
        &[(208, 217), (500, 506), (554, 563), (717, 753), (1316, 1337)]
    );
    assert_eq!(tr["triggers"][3]["on_time"], "2015-07-18T02:39:30.069538Z");
    // Recursive method runs too, and human output names the trace.
    let out = verity()
        .args(["seismic", "trigger"])
        .arg(data(ULN))
        .args([
            "--sta",
            "10",
            "--lta",
            "100",
            "--on",
            "3",
            "--off",
            "1.5",
            "--method",
            "recursive",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("IU.ULN.00.LH1"));
}

#[test]
fn inspect_reports_gaps_with_times_and_sizes() {
    let out = verity()
        .args(["seismic", "inspect"])
        .arg(data("obspy-mseed/gaps.mseed"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"], 128);
    assert_eq!(v["traces"].as_array().unwrap().len(), 4);
    let d = v["discontinuities"].as_array().unwrap();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0]["kind"], "gap");
    assert_eq!(d[0]["from"], "2008-01-01T00:00:01.975000Z");
    assert_eq!(d[0]["to"], "2008-01-01T00:00:04.035000Z");
    assert!((d[2]["shift_s"].as_f64().unwrap() - 4.12).abs() < 1e-9);
}

#[test]
fn inspect_names_record_and_offset_of_corrupt_data() {
    let out = verity()
        .args(["seismic", "inspect"])
        .arg(data("libmseed/invalid-blockette-offset.mseed"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("record 1 at byte offset 512"), "{s}");
    let out = verity()
        .args(["seismic", "trigger"])
        .arg(data("obspy-mseed/not.mseed"))
        .args(["--sta", "1", "--lta", "10", "--on", "3", "--off", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("not.mseed") && e.contains("byte offset 0"),
        "{e}"
    );
}

#[test]
fn detect_writes_picks_for_locate() {
    // IASP91 P for this path: 716.12 s after the 02:27:33 origin (obspy.taup), i.e.
    // 02:39:29.12; allow 3 s on 1 Hz data.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("picks.csv");
    let out = verity()
        .args(["seismic", "detect"])
        .arg(data(ULN))
        .args([
            "--band", "0.05-0.4", "--sta", "10", "--lta", "100", "--on", "4", "--off", "1.5",
        ])
        .args(["--pick-before", "60", "--pick-after", "20", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("station,phase,time"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&first[..2], &["ULN", "P"]);
    assert!(first[2].starts_with("2015-07-18T02:39:"), "{}", first[2]);
    let secs: f64 = first[2][17..first[2].len() - 1].parse().unwrap();
    assert!((secs - 29.12).abs() <= 3.0, "{secs}");
    // JSON output carries the trigger window too.
    let out = verity()
        .args(["seismic", "detect"])
        .arg(data(ULN))
        .arg(data("real/CRLZ.HHZ.10.NZ.SAC"))
        .args([
            "--band", "0.05-0.4", "--sta", "10", "--lta", "100", "--on", "4", "--off", "1.5",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["picks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["station"] == "ULN" && p["phase"] == "P")
    );
}

#[test]
fn plot_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("x.svg");
    let out = verity()
        .args(["seismic", "plot"])
        .arg(data("real/CRLZ.HHZ.10.NZ.SAC"))
        .arg("--out")
        .arg(&svg)
        .args([
            "--band", "1-10", "--sta", "1", "--lta", "10", "--on", "2", "--off", "1.2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.contains("NZ.CRLZ.10.HHZ"));
}

/// `resample` writes FLOAT64 miniSEED holding exactly what the library computes (the
/// library is checked against ObsPy/SciPy in verity-waveform/tests/resample_oracle.rs), for
/// each method; bad rate ratios are refused with a message naming the trace.
#[test]
fn resample_writes_float64_mseed_for_each_method() {
    use verity_waveform::mseed::{DecodeOptions, read_traces};
    use verity_waveform::resample::{SpectralWindow, decimate_obspy, resample_poly, resample_rate};
    let src = data("real/CRLZ.HHZ.10.NZ.SAC");
    let (input, _) = verity_waveform::sac::read_sac(&std::fs::read(&src).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, Vec<f64>); 3] = [
        (
            "fft",
            "40",
            resample_rate(&input.samples, 100.0, 40.0, SpectralWindow::Hann).unwrap(),
        ),
        ("poly", "40", resample_poly(&input.samples, 2, 5).unwrap()),
        (
            "decimate",
            "20",
            decimate_obspy(&input.samples, 100.0, 5).unwrap(),
        ),
    ];
    for (method, rate, want) in cases {
        let out_path = dir.path().join(format!("{method}.mseed"));
        let out = verity()
            .args(["seismic", "resample"])
            .arg(&src)
            .args(["--rate", rate, "--method", method, "--json", "--out"])
            .arg(&out_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{method}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["traces"][0]["id"], "NZ.CRLZ.10.HHZ");
        assert_eq!(v["traces"][0]["output_samples"], want.len());
        let a = read_traces(&std::fs::read(&out_path).unwrap(), DecodeOptions::default()).unwrap();
        assert_eq!(a.traces.len(), 1, "{method}");
        let t = &a.traces[0];
        assert_eq!(t.sample_rate, rate.parse::<f64>().unwrap(), "{method}");
        assert_eq!(t.start, input.start, "{method}");
        assert_eq!(t.samples, want, "{method}");
    }
    // 100 Hz -> 30 Hz is not an integer decimation.
    let out = verity()
        .args(["seismic", "resample"])
        .arg(&src)
        .args(["--rate", "30", "--method", "decimate", "--out"])
        .arg(dir.path().join("bad.mseed"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NZ.CRLZ.10.HHZ") && err.contains("not an integer"),
        "{err}"
    );
}
