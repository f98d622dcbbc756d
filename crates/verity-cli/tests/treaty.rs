//! CLI tests for `verity check`, `verity treaty list|show` and `verity report`.
mod ledger_support;

use std::path::PathBuf;

use assert_cmd::Command;

fn data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/treaty")
        .join(p)
}

fn treaty_data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../verity-treaty/data")
        .join(p)
}

fn verity() -> Command {
    Command::cargo_bin("verity").unwrap()
}

fn findings(out: &[u8]) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn check_new_start_real_series_json() {
    let out = verity()
        .args(["check", "--treaty", "new-start"])
        .arg(treaty_data("new-start-aggregate.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = findings(&out.stdout);
    let limits = [
        "deployed-delivery-vehicles",
        "deployed-warheads",
        "deployed-nondeployed-launchers",
    ];
    for x in f
        .iter()
        .filter(|x| limits.contains(&x["rule"].as_str().unwrap()))
    {
        for k in ["party", "as_of", "rule", "status", "value", "limit"] {
            assert!(x.get(k).is_some(), "{k} in {x}");
        }
        let as_of = x["as_of"].as_str().unwrap();
        let st = x["status"].as_str().unwrap();
        if as_of < "2018-02-05" {
            assert_eq!(st, "not_binding");
        } else if x["party"] == "RU" && as_of == "2023-03-01" {
            assert_eq!(st, "missing");
        } else {
            assert_eq!(st, "compliant", "{x}");
        }
    }
}

#[test]
fn check_jcpoa_real_series_json() {
    let out = verity()
        .args(["check", "--treaty", "jcpoa", "--json"])
        .arg(treaty_data("jcpoa-iaea.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let f = findings(&out.stdout);
    let first = |rule: &str| {
        f.iter()
            .find(|x| x["rule"] == rule && x["status"] == "violation")
            .map(|x| x["as_of"].as_str().unwrap().to_string())
    };
    assert_eq!(
        first("enriched-uranium-stockpile").as_deref(),
        Some("2019-07-01")
    );
    assert_eq!(first("enrichment-level").as_deref(), Some("2019-07-08"));
}

#[test]
fn check_human_table_shows_both_readings_of_a_dispute() {
    let out = verity()
        .args(["check", "--treaty", "new-start"])
        .arg(data("dispute.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("deployed-nondeployed-launchers"), "{s}");
    assert!(
        s.contains(
            "contested by RU (log:43): deployed_nondeployed_launchers = 901 → 901 violation"
        ),
        "{s}"
    );
    assert!(s.contains("summary:"), "{s}");
}

#[test]
fn check_reports_precise_errors() {
    let out = verity()
        .args(["check", "--treaty", "new-start"])
        .arg(data("bad.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 4, column `deployed_warheads`: `lots` is not a number"),
        "{err}"
    );
    let out = verity()
        .args(["check", "--treaty", "nope"])
        .arg(data("bad.csv"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown treaty `nope`"));
}

#[test]
fn treaty_list_and_show() {
    let out = verity().args(["treaty", "list"]).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    for id in [
        "new-start",
        "inf",
        "abm",
        "jcpoa",
        "npt",
        "cwc",
        "bwc",
        "ctbt",
        "ppwt",
    ] {
        assert!(s.contains(id), "{id}: {s}");
    }
    let out = verity()
        .args(["treaty", "show", "new-start"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("CSV header for `data-exchange`: party,as_of,deployed_icbm_slbm_hb,deployed_warheads,deployed_nondeployed_launchers"), "{s}");
    assert!(s.contains("Art. II.1(b)"), "{s}");
    let out = verity().args(["treaty", "show", "cwc"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("2387496-12-8"));
}

#[test]
fn check_accepts_a_treaty_file_path() {
    let toml = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../verity-treaty/tests/data/emerging-tech.toml");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("emt.csv");
    std::fs::write(
        &csv,
        "party,as_of,loitering_munitions,autonomous_targeting_systems\nAA,2031-01-15,300,101\n",
    )
    .unwrap();
    let out = verity()
        .args(["check", "--json", "--treaty"])
        .arg(&toml)
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = findings(&out.stdout);
    let x = f.iter().find(|x| x["rule"] == "weighted-cap").unwrap();
    assert_eq!(
        (x["status"].as_str(), x["value"].as_f64()),
        (Some("violation"), Some(502.0))
    );
}

/// `verity report` against a real node (`verity serve`): a party key registered with
/// `verity party add`, two signed data exchanges submitted over HTTP. The report audits the
/// whole log (every signature) before it evaluates.
#[test]
fn report_over_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("node");
    let node = ledger_support::Proc::serve(&data_dir, &[]);
    let party = ledger_support::key("US");
    let (ok, _, err) = ledger_support::run(
        &[
            "party",
            "add",
            "--data",
            data_dir.to_str().unwrap(),
            "US",
            &party.verifier().to_vkey(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let mk = |seq: u64, payload: serde_json::Value| -> Vec<u8> {
        verity_core::Envelope {
            v: 1,
            party: "US".into(),
            treaty: "new-start".into(),
            kind: "data-exchange".into(),
            seq,
            time: "2023-03-01T00:00:00Z".into(),
            payload,
            key: format!("{}+{:08x}", party.name(), party.key_id()),
        }
        .sign(&party)
        .unwrap()
        .to_entry_bytes()
        .unwrap()
    };
    let client = node.client();
    for env in [
        mk(
            1,
            serde_json::json!({"as_of": "2023-03-01", "quantities": {"deployed_warheads": 1419, "deployed_icbm_slbm_hb": 662, "deployed_nondeployed_launchers": 800}}),
        ),
        mk(
            2,
            serde_json::json!({"as_of": "2022-09-01", "quantities": {"deployed_warheads": 1600}}),
        ),
    ] {
        client.submit(&env).unwrap();
    }
    let key = data_dir.join("log.vkey");
    let url = node.url.clone();
    let out = verity()
        .args(["report", "--server", &url, "--log-key"])
        .arg(&key)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Entry 0 is the key registration; the exchanges are entries 1 and 2.
    assert_eq!(v["log"]["size"], 3);
    let f = v["treaties"][0]["findings"].as_array().unwrap();
    let w = f
        .iter()
        .find(|x| x["rule"] == "deployed-warheads" && x["as_of"] == "2022-09-01")
        .unwrap();
    assert_eq!(
        (w["status"].as_str(), w["references"][0].as_str()),
        (Some("violation"), Some("log:2"))
    );
    // A wrong log key is refused.
    // The C2SP signed-note test vector's key: not the log's key.
    std::fs::write(
        &key,
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .unwrap();
    let out = verity()
        .args(["report", "--server", &url, "--log-key"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
}
