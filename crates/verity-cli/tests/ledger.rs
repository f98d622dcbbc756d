//! End to end with the real `verity` binary: keys, a served log, party registration while the
//! server runs, submission, retrieval and verification; readable CLI errors; a witness in a
//! second process.

mod ledger_support;

use std::time::{Duration, Instant};

use ledger_support::*;
use serde_json::Value;

#[test]
fn keygen_serve_party_add_submit_get_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = dir.join("data");
    let state = dir.join("state");
    let env = [("VERITY_STATE", state.as_path())];
    let p = |s: &str| dir.join(s).to_str().unwrap().to_owned();

    // Two parties' keys: the verifier key is printed, the signer key file is 0600.
    let (ok, us_vkey, err) = run(&["keygen", "--name", "US", "--out", &p("us.key")], &[]);
    assert!(ok, "{err}");
    let us_vkey = us_vkey.trim().to_owned();
    assert!(us_vkey.starts_with("US+"), "{us_vkey}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(p("us.key")).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (ok, ru_json, _) = run(
        &["keygen", "--name", "RU", "--out", &p("ru.key"), "--json"],
        &[],
    );
    assert!(ok);
    let ru: Value = serde_json::from_str(&ru_json).unwrap();
    // keygen refuses to overwrite a key.
    let (ok, _, err) = run(&["keygen", "--name", "US", "--out", &p("us.key")], &[]);
    assert!(!ok && err.contains("already exists"), "{err}");

    let server = Proc::serve(&data, &[]);
    let url = server.url.clone();
    assert!(data.join("log.key").exists() && data.join("log.vkey").exists());

    // Register both parties while the server runs (the CLI writes to the store directly).
    let d = data.to_str().unwrap();
    let (ok, out, err) = run(&["party", "add", "--data", d, "US", &us_vkey], &[]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "0");
    let (ok, _, err) = run(
        &[
            "party",
            "add",
            "--data",
            d,
            "RU",
            ru["vkey"].as_str().unwrap(),
            "--role",
            "party",
        ],
        &[],
    );
    assert!(ok, "{err}");
    // The running node picks them up.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.tree_size() < 2 {
        assert!(
            Instant::now() < deadline,
            "server did not see the party entries"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (ok, out, _) = run(&["party", "list", "--server", &url], &[]);
    assert!(ok && out.contains("US+") && out.contains("RU+"), "{out}");

    // Submit: prints the index; the seq comes from the server.
    std::fs::write(
        p("p1.json"),
        r#"{"as_of": "2023-03-01", "deployed_warheads": 1419}"#,
    )
    .unwrap();
    let (ok, out, err) = run(
        &[
            "submit",
            "--server",
            &url,
            "--key",
            &p("us.key"),
            "--treaty",
            "new-start",
            "--kind",
            "data-exchange",
            &p("p1.json"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "2");
    assert!(err.contains("inclusion proof verified"), "{err}");
    let (ok, out, err) = run(
        &[
            "submit",
            "--server",
            &url,
            "--key",
            &p("ru.key"),
            "--treaty",
            "new-start",
            "--kind",
            "data-exchange",
            &p("p1.json"),
            "--json",
        ],
        &env,
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            v["index"].as_u64(),
            v["seq"].as_u64(),
            v["inclusion_verified"].as_bool()
        ),
        (Some(3), Some(1), Some(true))
    );
    let (ok, out, err) = run(
        &[
            "submit",
            "--server",
            &url,
            "--key",
            &p("us.key"),
            "--treaty",
            "new-start",
            "--kind",
            "notification",
            &p("p1.json"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "4");

    // Get by index and by (party, seq).
    let (ok, out, _) = run(&["get", "--server", &url, "2"], &[]);
    assert!(
        ok && out.contains("1419") && out.contains("\"party\": \"US\""),
        "{out}"
    );
    let (ok, out, _) = run(
        &[
            "get", "--server", &url, "--party", "US", "--seq", "2", "--json",
        ],
        &[],
    );
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["index"], 4);

    // Verify: inclusion, then the full audit; both consistent with what submit trusted.
    let (ok, out, err) = run(
        &["verify", "--server", &url, "--party", "US", "--seq", "2"],
        &env,
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("entry 4: included") && out.contains("OK"),
        "{out}"
    );
    let (ok, out, err) = run(
        &[
            "verify",
            "--server",
            &url,
            "--full",
            "--json",
            "--log-key",
            &p("data/log.vkey"),
        ],
        &env,
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["report"]["full"]["entries"], 5);
    assert_eq!(v["report"]["consistency"], "unchanged");

    // Revoke US's key; its next submission is refused with the code.
    let (ok, _, err) = run(
        &[
            "party",
            "revoke",
            "--data",
            d,
            &key_ref_of(&us_vkey),
            "--reason",
            "rotation",
        ],
        &[],
    );
    assert!(ok, "{err}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.tree_size() < 6 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(50));
    }
    let (ok, _, err) = run(
        &[
            "submit",
            "--server",
            &url,
            "--key",
            &p("us.key"),
            "--treaty",
            "new-start",
            "--kind",
            "notification",
            &p("p1.json"),
        ],
        &env,
    );
    assert!(!ok && err.contains("revoked-key"), "{err}");
}

#[test]
fn cli_errors_are_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let p = |s: &str| dir.join(s).to_str().unwrap().to_owned();
    std::fs::write(p("garbage.key"), "not a key\n").unwrap();
    std::fs::write(p("payload.json"), "{\"a\": }").unwrap();
    std::fs::write(p("ok.json"), "{}").unwrap();
    let (ok, vkey, _) = run(&["keygen", "--name", "US", "--out", &p("us.key")], &[]);
    assert!(ok);
    std::fs::write(p("us.vkey"), vkey).unwrap();
    let env = [("VERITY_STATE", dir)];
    // A port nothing listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "submit".into(),
                "--server".into(),
                dead.clone(),
                "--key".into(),
                p("garbage.key"),
                "--treaty".into(),
                "t".into(),
                "--kind".into(),
                "k".into(),
                p("ok.json"),
            ],
            "is not a signer key",
        ),
        (
            vec![
                "submit".into(),
                "--server".into(),
                dead.clone(),
                "--key".into(),
                p("us.vkey"),
                "--treaty".into(),
                "t".into(),
                "--kind".into(),
                "k".into(),
                p("ok.json"),
            ],
            "verifier (public) key",
        ),
        (
            vec![
                "submit".into(),
                "--server".into(),
                dead.clone(),
                "--key".into(),
                p("missing.key"),
                "--treaty".into(),
                "t".into(),
                "--kind".into(),
                "k".into(),
                p("ok.json"),
            ],
            "cannot read signer key file",
        ),
        (
            vec![
                "submit".into(),
                "--server".into(),
                dead.clone(),
                "--key".into(),
                p("us.key"),
                "--treaty".into(),
                "t".into(),
                "--kind".into(),
                "k".into(),
                p("payload.json"),
            ],
            "is not valid JSON",
        ),
        (
            vec![
                "submit".into(),
                "--server".into(),
                dead.clone(),
                "--key".into(),
                p("us.key"),
                "--treaty".into(),
                "t".into(),
                "--kind".into(),
                "k".into(),
                p("nope.json"),
            ],
            "cannot read payload file",
        ),
        (
            vec![
                "submit".into(),
                "--server".into(),
                dead.clone(),
                "--key".into(),
                p("us.key"),
                "--treaty".into(),
                "t".into(),
                "--kind".into(),
                "k".into(),
                p("ok.json"),
            ],
            "cannot reach the Verity server",
        ),
        (
            vec!["verify".into(), "--server".into(), dead.clone()],
            "cannot reach the Verity server",
        ),
        (
            vec![
                "get".into(),
                "--server".into(),
                "localhost:1".into(),
                "0".into(),
            ],
            "must start with http://",
        ),
        (
            vec![
                "party".into(),
                "add".into(),
                "--data".into(),
                p("nodata"),
                "US".into(),
                p("us.vkey"),
            ],
            "has no log key",
        ),
        (
            vec![
                "party".into(),
                "add".into(),
                "--data".into(),
                p("nodata"),
                "US".into(),
                "nonsense".into(),
            ],
            "neither a verifier key",
        ),
    ];
    for (args, expected) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, _, err) = run(&a, &env);
        assert!(!ok, "{args:?} succeeded");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn witness_in_a_second_process_cosigns_the_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("log");
    let wdata = tmp.path().join("witness");
    // First start creates the log key; stop it.
    let mut first = Proc::serve(&data, &[]);
    first.terminate();
    let w = Proc::spawn(&[
        "witness",
        "serve",
        "--data",
        wdata.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--log",
        data.join("log.vkey").to_str().unwrap(),
    ]);
    let wvkey = wdata.join("witness.vkey");
    let witness_arg = format!("{}={}", w.url, wvkey.display());
    let server = Proc::serve(&data, &["--witness", &witness_arg]);
    let (ok, out, err) = run(
        &[
            "keygen",
            "--name",
            "US",
            "--out",
            tmp.path().join("us.key").to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &[
            "party",
            "add",
            "--data",
            data.to_str().unwrap(),
            "US",
            out.trim(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let wv = verity_server::keys::cosignature_verifier_from_arg(wvkey.to_str().unwrap()).unwrap();
    let lv = verity_server::keys::read_verifier_key(&data.join("log.vkey")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let note = server.client().checkpoint_note().unwrap();
        if let Ok((cp, n)) = verity_log::checkpoint::open_cosigned_checkpoint(&note, &lv, &[&wv])
            && cp.size == 1
            && n.verified.len() == 2
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no cosignature: {}",
            String::from_utf8_lossy(&note)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // verify reports the cosigning witness.
    let state = tmp.path().join("state");
    let (ok, out, err) = run(
        &["verify", "--server", &server.url, "--json"],
        &[("VERITY_STATE", state.as_path())],
    );
    assert!(ok, "{err}");
    assert!(out.contains("verity-witness"), "{out}");
}

/// `name+keyid` of a verifier key text. Regression: splitting on the last '+' broke whenever the
/// base64 public key itself contained a '+'.
fn key_ref_of(vkey: &str) -> String {
    vkey.splitn(3, '+').take(2).collect::<Vec<_>>().join("+")
}

#[test]
fn regression_key_ref_of_vkey_with_plus_in_base64() {
    assert_eq!(
        key_ref_of("US+45efc09c+AddVI1XHQdQDR6LP+hfWjkzrQOgivo68yBLPbHqb5M"),
        "US+45efc09c"
    );
}
