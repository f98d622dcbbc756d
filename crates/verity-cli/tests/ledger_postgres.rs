//! Two `verity serve --postgres` processes on one PostgreSQL database (sharing the log key):
//! submissions to both form one linear log that verifies in full through either node.

mod ledger_support;

use std::time::{Duration, Instant};

use ledger_support::*;
use serde_json::{Value, json};

#[test]
fn two_nodes_on_one_postgres_database_make_one_log() {
    let pg = match verity_store::testing::PgServer::start_or_skip(
        "two_nodes_on_one_postgres_database_make_one_log",
    ) {
        Ok(Some(pg)) => pg,
        Ok(None) => return,
        Err(e) => panic!("{e}"),
    };
    let conn = pg.create_database("multinode").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d1 = tmp.path().join("n1");
    let d2 = tmp.path().join("n2");
    let n1 = Proc::serve(&d1, &["--postgres", &conn]);
    // The second node signs with the same log key.
    std::fs::create_dir_all(&d2).unwrap();
    std::fs::copy(d1.join("log.key"), d2.join("log.key")).unwrap();
    let n2 = Proc::serve(&d2, &["--postgres", &conn]);

    let us = key("US");
    let ru = key("RU");
    for k in [&us, &ru] {
        let (ok, _, err) = run(
            &[
                "party",
                "add",
                "--data",
                d1.to_str().unwrap(),
                "--postgres",
                &conn,
                k.name(),
                &k.verifier().to_vkey(),
            ],
            &[],
        );
        assert!(ok, "{err}");
    }
    // Alternate nodes; each party's declarations go to both nodes, concurrently.
    let handles: Vec<_> = [
        (us, n1.url.clone(), n2.url.clone()),
        (ru, n2.url.clone(), n1.url.clone()),
    ]
    .into_iter()
    .map(|(k, a, b)| {
        std::thread::spawn(move || {
            let mut indexes = Vec::new();
            for seq in 1..=30u64 {
                let url = if seq % 2 == 0 { &a } else { &b };
                let c = verity_server::client::Client::new(url).unwrap();
                let r = c.submit(&sign(&k, seq, json!({"seq": seq}))).unwrap();
                indexes.push(r.index);
            }
            indexes
        })
    })
    .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 60, "every admitted entry has its own index");
    assert_eq!(
        all,
        (2..62).collect::<Vec<u64>>(),
        "indexes are dense: one linear log"
    );

    // Both nodes converge on the same checkpoint, and each verifies in full.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (a, b): (Value, Value) = (
            n1.client().get_json("/api/v1/checkpoint").unwrap(),
            n2.client().get_json("/api/v1/checkpoint").unwrap(),
        );
        if a["size"] == 62 && b["size"] == 62 {
            assert_eq!(a["root"], b["root"]);
            break;
        }
        assert!(Instant::now() < deadline, "nodes did not converge: {a} {b}");
        std::thread::sleep(Duration::from_millis(100));
    }
    for (i, n) in [&n1, &n2].into_iter().enumerate() {
        let state = tmp.path().join(format!("state{i}"));
        let (ok, out, err) = run(
            &[
                "verify",
                "--server",
                &n.url,
                "--full",
                "--log-key",
                d1.join("log.vkey").to_str().unwrap(),
            ],
            &[("VERITY_STATE", state.as_path())],
        );
        assert!(ok, "node {i}: {out}\n{err}");
    }
    drop((n1, n2));
}
