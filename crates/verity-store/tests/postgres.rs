//! PostgreSQL store: the shared behaviour suite, reopen/identity checks, tamper detection,
//! and several nodes appending to one database concurrently. Needs a local PostgreSQL
//! installation (`apt-get install -y postgresql`); skipped with a note when absent unless
//! VERITY_REQUIRE_ORACLES=1. One server per run (started in a temp dir, stopped on drop),
//! one database per sub-test.

mod common;
#[path = "common/suite.rs"]
mod suite;

use std::sync::Arc;

use common::*;
use serde_json::json;
use verity_store::testing::PgServer;
use verity_store::{LogStore, PostgresStore, StoreError, open_postgres};

fn open(conn: &str) -> PostgresStore {
    open_postgres(conn, ORIGIN, &operator().verifier()).unwrap()
}

#[test]
fn postgres_backend() {
    let pg = match PgServer::start_or_skip("postgres_backend") {
        Ok(Some(pg)) => pg,
        Ok(None) => return,
        Err(e) => panic!("{e}"),
    };
    let db = |name: &str| pg.create_database(name).unwrap();

    suite::append_and_read_back(&open(&db("basic")));
    suite::refusals(&open(&db("refusals")));

    // Reopen, identity checks.
    let conn = db("reopen");
    let latest = {
        let s = open(&conn);
        suite::fill(&s, 25, 6);
        s.latest_checkpoint().unwrap().unwrap()
    };
    let s = open(&conn);
    assert_eq!(s.latest_checkpoint().unwrap().unwrap(), latest);
    let idx = suite::fill(&s, 5, 5);
    assert_eq!(idx, (latest.size..latest.size + 5).collect::<Vec<_>>());
    check_log(&s, &operator().verifier());
    let err = open_postgres(&conn, ORIGIN, &key(ORIGIN, 2).verifier()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Mismatch {
                what: "log operator key",
                ..
            }
        ),
        "{err}"
    );

    // Tampering is found by the audit, as with SQLite.
    let mut raw = postgres::Client::connect(&conn, postgres::NoTls).unwrap();
    raw.execute(
        "UPDATE entries SET data = data || '\\x20'::bytea WHERE idx = 7",
        &[],
    )
    .unwrap();
    let report = s.audit().unwrap();
    assert_eq!(report.problem.unwrap().index, Some(7));
    raw.execute(
        "UPDATE entries SET data = substring(data from 1 for length(data) - 1) WHERE idx = 7",
        &[],
    )
    .unwrap();
    assert!(s.audit().unwrap().is_ok());
    raw.execute("UPDATE parties SET last_seq = 1", &[]).unwrap();
    assert!(
        s.audit()
            .unwrap()
            .problem
            .unwrap()
            .what
            .contains("last sequence numbers")
    );

    two_nodes_make_one_linear_log(&db("multinode"));
}

/// Two nodes (separate stores, separate connections) opened concurrently on an empty
/// database and appending concurrently produce one linear log; each sees the other's
/// registry changes.
fn two_nodes_make_one_linear_log(conn: &str) {
    let opened: Vec<Arc<PostgresStore>> = std::thread::scope(|s| {
        let a = s.spawn(|| open(conn));
        let b = s.spawn(|| open(conn));
        vec![Arc::new(a.join().unwrap()), Arc::new(b.join().unwrap())]
    });
    let (a, b) = (opened[0].clone(), opened[1].clone());
    let op = operator();
    let us = key("US", 10);
    let ru = key("RU", 11);
    a.append(&[cand(key_add(&op, 1, "US", &us))], NOW, &op)
        .unwrap();
    let out = b
        .append(&[cand(key_add(&op, 2, "RU", &ru))], NOW, &op)
        .unwrap();
    assert_eq!(
        codes(&out.results),
        ["ok:1"],
        "node b must see node a's operator entry"
    );
    let threads: Vec<_> = [(a.clone(), us, "US"), (b.clone(), ru, "RU")]
        .into_iter()
        .map(|(store, k, party)| {
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let mut seq = 0;
                for round in 0..30u64 {
                    let cands: Vec<_> = (0..(round % 4 + 1))
                        .map(|_| {
                            seq += 1;
                            cand(decl(&k, party, seq, json!({})))
                        })
                        .collect();
                    let out = store.append(&cands, NOW, &operator()).unwrap();
                    got.extend(out.results.into_iter().map(|r| r.unwrap()));
                }
                got
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let n = all.len() as u64;
    all.sort();
    assert_eq!(
        all,
        (2..2 + n).collect::<Vec<_>>(),
        "indexes are unique and gap-free"
    );
    for s in [&*a, &*b] {
        assert_eq!(s.tree_size().unwrap(), 2 + n);
        check_log(s, &op.verifier());
        let r = s.audit().unwrap();
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(
        a.registry().unwrap().last_seq("RU"),
        b.registry().unwrap().last_seq("RU")
    );
}
