//! CLI tests for `verity check`, `verity treaty list|show` and `verity report`.
use std::io::{Read, Write};
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

/// `verity report` against a minimal tlog-tiles server on 127.0.0.1 serving a log built with
/// verity-log and envelopes signed with verity-core.
#[test]
fn report_over_a_log() {
    use verity_log::note::Signer;
    // The example key of Go's golang.org/x/mod/sumdb/note documentation (test key, public).
    let log = Signer::from_skey(
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    )
    .unwrap();
    let party = Signer::from_skey(
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    )
    .unwrap();
    let mk = |kind: &str, seq: u64, payload: serde_json::Value| -> Vec<u8> {
        let env = verity_core::Envelope {
            v: 1,
            party: "US".into(),
            treaty: "new-start".into(),
            kind: kind.into(),
            seq,
            time: "2023-03-01T00:00:00Z".into(),
            payload,
            key: format!("{}+{:08x}", party.name(), party.key_id()),
        };
        env.sign(&party).unwrap().to_entry_bytes().unwrap()
    };
    let entries = vec![
        mk(
            "data-exchange",
            1,
            serde_json::json!({"as_of": "2023-03-01", "quantities": {"deployed_warheads": 1419, "deployed_icbm_slbm_hb": 662, "deployed_nondeployed_launchers": 800}}),
        ),
        mk(
            "data-exchange",
            2,
            serde_json::json!({"as_of": "2022-09-01", "quantities": {"deployed_warheads": 1600}}),
        ),
    ];
    let mut tree = verity_log::CompactTree::new();
    for e in &entries {
        tree.append(verity_log::leaf_hash(e));
    }
    let cp = verity_log::checkpoint::Checkpoint {
        origin: log.name().to_string(),
        size: entries.len() as u64,
        root: tree.root(),
    };
    let note = verity_log::checkpoint::sign_checkpoint(&cp, &log);
    let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
    let bundle = verity_log::tile::encode_entry_bundle(&refs).unwrap();
    let bundle_path = format!(
        "/log/{}",
        verity_log::tile::entry_bundle_path(0, entries.len() as u16)
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        // Bounded: checkpoint + one bundle for the first run, the checkpoint for the second.
        for _ in 0..3 {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let req = String::from_utf8_lossy(&req).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("").to_string();
            let body: Vec<u8> = if path == "/log/checkpoint" {
                note.clone().into_bytes()
            } else if path == bundle_path {
                bundle.clone()
            } else {
                Vec::new()
            };
            let status = if body.is_empty() {
                "404 Not Found"
            } else {
                "200 OK"
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("log.vkey");
    std::fs::write(&key, log.verifier().to_vkey()).unwrap();
    let url = format!("http://{addr}");
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
    assert_eq!(v["log"]["size"], 2);
    let f = v["treaties"][0]["findings"].as_array().unwrap();
    let w = f
        .iter()
        .find(|x| x["rule"] == "deployed-warheads" && x["as_of"] == "2022-09-01")
        .unwrap();
    assert_eq!(
        (w["status"].as_str(), w["references"][0].as_str()),
        (Some("violation"), Some("log:1"))
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
    server.join().unwrap();
}
