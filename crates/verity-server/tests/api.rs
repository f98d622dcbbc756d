//! The HTTP API against a real node: every refusal with its status and code and nothing
//! partially written; batches; entries and proofs verified against the signed checkpoint;
//! tiles and their cache headers; the OpenAPI document covering every route.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use serde_json::{Value, json};
use verity_log::checkpoint::open_checkpoint;
use verity_log::tile::{Tile, decode_entry_bundle};

fn hashes(v: &Value) -> Vec<[u8; 32]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

#[test]
fn every_refusal_has_its_status_and_code_and_writes_nothing() {
    let node = TestNode::start();
    let us = key("US");
    let ru = key("RU");
    let stranger = key("US");
    let old = key("US-old");
    node.register("US", &us, "party");
    node.register("RU", &ru, "party");
    node.register("US", &old, "party");
    node.revoke(&old);
    let u = &node.url;
    let (s, v) = post(
        u,
        "/api/v1/declarations",
        &sign(&us, "US", "new-start", "notification", 1, json!({"n": 1})),
    );
    assert_eq!(s, 201, "{v}");

    let mut tampered: Value = serde_json::from_slice(&sign(
        &us,
        "US",
        "new-start",
        "notification",
        2,
        json!({"n": 2}),
    ))
    .unwrap();
    tampered["payload"] = json!({"n": 3});
    let future = sign_at(
        &us,
        "US",
        "new-start",
        "notification",
        2,
        time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        json!({}),
    );
    let too_big_entry = serde_json::to_vec(&json!({
        "v": 1, "party": "US", "treaty": "new-start", "kind": "notification", "seq": 2,
        "time": "2026-01-01T00:00:00Z", "payload": {"text": "x".repeat(70_000)},
        "key": "US+00000000", "sig": B64.encode([0u8; 64]),
    }))
    .unwrap();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "bad signature",
            serde_json::to_vec(&tampered).unwrap(),
            403,
            "bad-signature",
        ),
        (
            "unknown key",
            sign(&stranger, "US", "new-start", "notification", 2, json!({})),
            403,
            "unknown-key",
        ),
        (
            "revoked key",
            sign(&old, "US", "new-start", "notification", 2, json!({})),
            403,
            "revoked-key",
        ),
        (
            "party mismatch",
            sign(&ru, "US", "new-start", "notification", 2, json!({})),
            403,
            "party-mismatch",
        ),
        (
            "replay",
            sign(&us, "US", "new-start", "notification", 1, json!({"n": 1})),
            409,
            "replayed-sequence",
        ),
        (
            "gap",
            sign(&us, "US", "new-start", "notification", 5, json!({})),
            409,
            "sequence-gap",
        ),
        ("clock skew", future, 400, "clock-skew"),
        ("oversized body", vec![b' '; 300 * 1024], 413, "too-large"),
        ("oversized entry", too_big_entry, 413, "too-large"),
        ("malformed JSON", b"{\"v\":1,".to_vec(), 400, "malformed"),
        ("not an envelope", b"[1,2,3]".to_vec(), 400, "malformed"),
        ("missing field", br#"{"v":1}"#.to_vec(), 400, "malformed"),
    ];
    let before = node.tree_size();
    for (what, body, status, code) in cases {
        let (s, v) = post(u, "/api/v1/declarations", &body);
        assert_eq!(s, status, "{what}: {v}");
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
        assert!(
            !v["error"]["message"].as_str().unwrap().is_empty(),
            "{what}"
        );
        assert_eq!(node.tree_size(), before, "{what} changed the tree");
    }
    assert_eq!(
        node.last_seq("US"),
        1,
        "no refusal consumed a sequence number"
    );
    // The next good one still gets seq 2.
    let (s, v) = post(
        u,
        "/api/v1/declarations",
        &sign(&us, "US", "new-start", "notification", 2, json!({})),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(node.tree_size(), before + 1);
}

#[test]
fn batch_with_bad_items_appends_only_the_good_ones() {
    let node = TestNode::start();
    let us = key("US");
    node.register("US", &us, "party");
    let before = node.tree_size();
    let good1: Value =
        serde_json::from_slice(&sign(&us, "US", "t", "notification", 1, json!({"i": 1}))).unwrap();
    let replay = good1.clone();
    let good2: Value =
        serde_json::from_slice(&sign(&us, "US", "t", "notification", 2, json!({"i": 2}))).unwrap();
    let mut bad_sig: Value =
        serde_json::from_slice(&sign(&us, "US", "t", "notification", 3, json!({}))).unwrap();
    bad_sig["kind"] = json!("bulletin");
    let good3: Value =
        serde_json::from_slice(&sign(&us, "US", "t", "notification", 3, json!({"i": 3}))).unwrap();
    let batch = json!([good1, replay, json!({"v": 1}), good2, bad_sig, good3]);
    let (s, v) = post(
        &node.url,
        "/api/v1/declarations/batch",
        &serde_json::to_vec(&batch).unwrap(),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["accepted"], 3);
    assert_eq!(v["refused"], 3);
    let r = v["results"].as_array().unwrap();
    let codes: Vec<&str> = r
        .iter()
        .map(|x| x["error"]["code"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "ok",
            "replayed-sequence",
            "malformed",
            "ok",
            "bad-signature",
            "ok"
        ]
    );
    let indexes: Vec<u64> = r.iter().filter_map(|x| x["index"].as_u64()).collect();
    assert_eq!(indexes, [before, before + 1, before + 2]);
    assert_eq!(node.tree_size(), before + 3);
    // Every accepted item's proof leads to the batch's checkpoint.
    let cp_note = v["checkpoint"].as_str().unwrap();
    let (cp, _) = open_checkpoint(cp_note.as_bytes(), &node.log_key.verifier()).unwrap();
    for x in r.iter().filter(|x| x["index"].is_u64()) {
        let leaf: [u8; 32] = B64
            .decode(x["leaf_hash"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        verity_log::verify_inclusion(
            x["index"].as_u64().unwrap(),
            cp.size,
            &leaf,
            &hashes(&x["inclusion_proof"]),
            &cp.root,
        )
        .unwrap();
    }
    // Limits: empty, too many, not an array.
    let (s, v) = post(&node.url, "/api/v1/declarations/batch", b"[]");
    assert_eq!((s, v["error"]["code"].as_str()), (400, Some("malformed")));
    let many = format!("[{}]", vec!["{}"; 1001].join(","));
    let (s, v) = post(&node.url, "/api/v1/declarations/batch", many.as_bytes());
    assert_eq!((s, v["error"]["code"].as_str()), (413, Some("too-large")));
    let (s, v) = post(&node.url, "/api/v1/declarations/batch", b"{\"a\":1}");
    assert_eq!((s, v["error"]["code"].as_str()), (400, Some("malformed")));
    assert_eq!(node.tree_size(), before + 3);
}

#[test]
fn entries_proofs_checkpoints_and_tiles() {
    let node = TestNode::start();
    let us = key("US");
    node.register("US", &us, "party");
    // 300 entries: one full level-0 tile and a partial one.
    let mut seq = 0;
    for chunk in 0..3 {
        let items: Vec<Value> = (0..100)
            .map(|_| {
                seq += 1;
                serde_json::from_slice(&sign(
                    &us,
                    "US",
                    "t",
                    "notification",
                    seq,
                    json!({"chunk": chunk}),
                ))
                .unwrap()
            })
            .collect();
        let (s, v) = post(
            &node.url,
            "/api/v1/declarations/batch",
            &serde_json::to_vec(&items).unwrap(),
        );
        assert_eq!((s, v["accepted"].as_u64()), (200, Some(100)), "{v}");
    }
    let size = node.tree_size();
    assert_eq!(size, 301);
    let c = node.client();
    let note = c.checkpoint_note().unwrap();
    let (cp, _) = open_checkpoint(&note, &node.log_key.verifier()).unwrap();
    assert_eq!(cp.size, size);

    // Entry by index and by (party, seq) are the same bytes, included in the tree.
    let e: Value = c.get_json("/api/v1/entries/150").unwrap();
    let e2: Value = c.get_json("/api/v1/parties/US/declarations/150").unwrap();
    assert_eq!(e, e2);
    let bytes = B64.decode(e["entry"].as_str().unwrap()).unwrap();
    let leaf = verity_log::leaf_hash(&bytes);
    let p: Value = c
        .get_json(&format!("/api/v1/proofs/inclusion?index=150&size={size}"))
        .unwrap();
    assert_eq!(p["leaf_hash"].as_str().unwrap(), B64.encode(leaf));
    verity_log::verify_inclusion(150, size, &leaf, &hashes(&p["proof"]), &cp.root).unwrap();

    // Consistency between a historical checkpoint and the latest.
    let old: Value = c.get_json("/api/v1/checkpoints/101").unwrap();
    let (old_cp, _) = open_checkpoint(
        old["note"].as_str().unwrap().as_bytes(),
        &node.log_key.verifier(),
    )
    .unwrap();
    let q: Value = c
        .get_json(&format!("/api/v1/proofs/consistency?old=101&new={size}"))
        .unwrap();
    verity_log::verify_consistency(101, size, &old_cp.root, &cp.root, &hashes(&q["proof"]))
        .unwrap();

    // Tiles: full tile immutable, partial short-lived, beyond the tree 404.
    let (s, h, full) = get(&node.url, "/log/tile/0/000");
    assert_eq!(s, 200);
    assert_eq!(full.len(), 256 * 32);
    assert_eq!(
        header(&h, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let (s, h, part) = get(&node.url, "/log/tile/0/001.p/45");
    assert_eq!(s, 200);
    assert_eq!(part.len(), 45 * 32);
    assert_ne!(
        header(&h, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(&part[..32], &leaf_at(&node, 256));
    for beyond in [
        "/log/tile/0/001",
        "/log/tile/0/001.p/46",
        "/log/tile/1/000",
        "/log/tile/0/002.p/1",
        "/log/tile/entries/001",
        "/log/tile/entries/001.p/46",
    ] {
        let (s, _, _) = get(&node.url, beyond);
        assert_eq!(s, 404, "{beyond}");
    }
    for bad in [
        "/log/tile/0/1",
        "/log/tile/x/000",
        "/log/tile/0/000.p/0",
        "/log/tile/entries/000.p/300",
    ] {
        let (s, _, _) = get(&node.url, bad);
        assert_eq!(s, 404, "{bad}");
    }
    // Entry bundle holds the exact entry bytes.
    let (s, h, bundle) = get(&node.url, "/log/tile/entries/000");
    assert_eq!(s, 200);
    assert_eq!(
        header(&h, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let entries = decode_entry_bundle(&bundle).unwrap();
    assert_eq!(entries.len(), 256);
    assert_eq!(entries[150], bytes);
    // Level-0 tile hashes are the leaf hashes of the bundle.
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(&full[i * 32..i * 32 + 32], &verity_log::leaf_hash(e));
    }
    // The checkpoint is text/plain and short-lived; the key is the log's.
    let (_, h, _) = get(&node.url, "/log/checkpoint");
    assert!(
        header(&h, "content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(c.log_key().unwrap(), node.log_key.verifier());
    assert_eq!(Tile::parse_path("tile/0/001.p/45").unwrap().width, 45);

    // 404s and 400s are JSON.
    for (path, status, code) in [
        ("/api/v1/entries/999", 404, "not-found"),
        ("/api/v1/entries/abc", 400, "bad-request"),
        ("/api/v1/parties/US/declarations/999", 404, "not-found"),
        (
            "/api/v1/proofs/inclusion?index=5&size=99999",
            404,
            "not-found",
        ),
        ("/api/v1/proofs/inclusion?index=500", 400, "bad-request"),
        ("/api/v1/proofs/inclusion", 400, "bad-request"),
        ("/api/v1/proofs/consistency?old=9&new=3", 400, "bad-request"),
        ("/api/v1/checkpoints/7", 404, "not-found"),
        ("/nope", 404, "not-found"),
    ] {
        let (s, _, body) = get(&node.url, path);
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code)),
            "{path}"
        );
    }
}

fn leaf_at(node: &TestNode, i: u64) -> [u8; 32] {
    let e: Value = node
        .client()
        .get_json(&format!("/api/v1/entries/{i}"))
        .unwrap();
    verity_log::leaf_hash(&B64.decode(e["entry"].as_str().unwrap()).unwrap())
}

#[test]
fn openapi_describes_every_route_and_every_route_answers() {
    let node = TestNode::start();
    let us = key("US");
    node.register("US", &us, "party");
    post(
        &node.url,
        "/api/v1/declarations",
        &sign(&us, "US", "t", "notification", 1, json!({})),
    );
    let (s, h, body) = get(&node.url, "/openapi.json");
    assert_eq!(s, 200);
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in verity_server::openapi::ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} missing from openapi.json"
        );
    }
    assert_eq!(
        paths.len(),
        verity_server::openapi::ROUTES.len(),
        "openapi.json documents a route the list lacks"
    );
    // Every route is served (not the 404 fallback, not 405).
    for (method, path) in verity_server::openapi::ROUTES {
        let concrete = path
            .replace("{index}", "000")
            .replace("{level}", "0")
            .replace("{party}", "US")
            .replace("{seq}", "1")
            .replace("{size}", "2")
            .replace("{id}", "new-start");
        let concrete = match *path {
            "/api/v1/proofs/inclusion" => format!("{concrete}?index=0"),
            "/api/v1/proofs/consistency" => format!("{concrete}?old=1"),
            "/api/v1/entries/{index}" => "/api/v1/entries/0".into(),
            // The tree has 2 entries: its tiles are partial.
            "/log/tile/{level}/{index}" | "/log/tile/entries/{index}" => format!("{concrete}.p/2"),
            _ => concrete,
        };
        let status = if *method == "get" {
            get(&node.url, &concrete).0
        } else {
            post(&node.url, &concrete, b"[]").0
        };
        assert!(
            status != 404 && status != 405,
            "{method} {concrete}: {status}"
        );
    }
}

#[test]
fn wrong_method_is_a_json_error() {
    let node = TestNode::start();
    let (s, _, body) = get(&node.url, "/api/v1/declarations");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (405, Some("method-not-allowed"))
    );
}

/// xorshift64*: deterministic bytes for the robustness test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_and_mutated_bodies_never_crash_the_node() {
    let node = TestNode::start();
    let us = key("US");
    node.register("US", &us, "party");
    let good = sign(
        &us,
        "US",
        "t",
        "notification",
        1,
        json!({"a": [1, 2.5, "x"], "b": {"c": null}}),
    );
    let batch = format!("[{}]", String::from_utf8(good.clone()).unwrap());
    let mut rng = Rng(42);
    let before = node.tree_size();
    for i in 0..300 {
        let (path, base) = if i % 2 == 0 {
            ("/api/v1/declarations", good.clone())
        } else {
            ("/api/v1/declarations/batch", batch.clone().into_bytes())
        };
        let mut body = base;
        match i % 3 {
            0 => {
                // Flip a few random bytes.
                for _ in 0..1 + rng.next() % 4 {
                    let at = (rng.next() as usize) % body.len();
                    body[at] = rng.next() as u8;
                }
            }
            1 => body.truncate((rng.next() as usize) % body.len()),
            _ => body = (0..rng.next() % 200).map(|_| rng.next() as u8).collect(),
        }
        let (s, v) = post(&node.url, path, &body);
        // Either refused with a JSON error (4xx) or, for a batch, answered per item; never 5xx.
        assert!(
            s < 500,
            "{path} body {:?}: {s} {v}",
            String::from_utf8_lossy(&body)
        );
        if s >= 400 {
            assert!(v["error"]["code"].is_string(), "{v}");
        }
    }
    // A mutation can at most turn the one good declaration into an admitted variant of itself
    // (seq 1 is then used and the rest are replays): the log grew by at most one.
    assert!(node.tree_size() <= before + 1);
    let (s, _, _) = get(&node.url, "/healthz");
    assert_eq!(s, 200);
}
