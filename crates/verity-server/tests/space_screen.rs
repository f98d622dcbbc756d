//! `POST /api/v1/space/screen` against a real node: the answer is the library's screening
//! (`verity_space::bulletin::screening_json`, the same JSON as `verity space screen --json`)
//! on the same catalogue, and the work bounds are enforced with 413/400 naming the limit.

mod common;

use common::*;
use serde_json::Value;
use verity_space::Epoch;

fn catalogue(n: usize, seed: u64, start: &Epoch) -> String {
    verity_space::catalog::synthetic_catalog(n, seed, *start)
        .iter()
        .map(|e| {
            // synthetic_catalog makes valid, named element sets (its own tests check them).
            let (a, b) = verity_space::tle::format_tle(e).expect("formattable element set");
            format!("{}\n{a}\n{b}\n", e.name.clone().unwrap_or_default())
        })
        .collect()
}

#[test]
fn screen_answers_the_library_result_and_enforces_bounds() {
    let node = TestNode::start();
    let start = Epoch::parse_iso8601("2025-03-01T00:00:00Z").unwrap();
    let text = catalogue(300, 5, &start);
    let (s, v) = post(
        &node.url,
        "/api/v1/space/screen?days=0.25&threshold_km=25&start=2025-03-01T00:00:00Z",
        text.as_bytes(),
    );
    assert_eq!(s, 200, "{v}");
    // The same call through the library, with the same parsing.
    let sets = verity_space::omm::parse_elements(&text).unwrap();
    let lib = verity_space::screen::screen(
        &sets,
        &start,
        0.25 * 86_400.0,
        &verity_space::screen::ScreeningOptions {
            threshold_km: 25.0,
            ..Default::default()
        },
        &|_, _| {},
    )
    .unwrap();
    let want = verity_space::bulletin::screening_json(&lib);
    assert_eq!(v, want);
    let conj = v["conjunctions"].as_array().unwrap();
    assert!(
        !conj.is_empty(),
        "the sample catalogue has approaches within 25 km"
    );
    for c in conj {
        assert!(c["miss_distance_km"].as_f64().unwrap() <= 25.0, "{c}");
        assert!(c["tca"].as_str().unwrap().starts_with("2025-03-01T"), "{c}");
    }
    assert_eq!(v["objects"], 300);

    // Default start: the latest element-set epoch (no clock on the node's side either).
    let (s, v2) = post(
        &node.url,
        "/api/v1/space/screen?days=0.25&threshold_km=25",
        text.as_bytes(),
    );
    assert_eq!(s, 200, "{v2}");
    assert_eq!(v2["start"], v["start"]);

    // Bounds.
    let big = catalogue(2_001, 7, &start);
    let (s, v) = post(
        &node.url,
        "/api/v1/space/screen?days=1&threshold_km=10",
        big.as_bytes(),
    );
    assert_eq!(s, 413, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("2001 objects") && msg.contains("2000"),
        "{msg}"
    );
    for (query, what) in [
        ("days=8&threshold_km=10", "days = 8"),
        ("days=0&threshold_km=10", "days = 0"),
        ("days=1&threshold_km=500", "threshold_km = 500"),
        ("days=NaN&threshold_km=10", "days = NaN"),
        ("days=1&threshold_km=10&step_s=0.01", "step_s = 0.01"),
    ] {
        let (s, v) = post(
            &node.url,
            &format!("/api/v1/space/screen?{query}"),
            text.as_bytes(),
        );
        assert_eq!(s, 400, "{query}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(what), "{query}: {msg}");
    }
    // Malformed input names where.
    let (s, v) = post(
        &node.url,
        "/api/v1/space/screen?days=1&threshold_km=10",
        b"1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753\n2 00005  3x.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667\n",
    );
    assert_eq!(s, 422, "{v}");
    let msg: &Value = &v["error"]["message"];
    assert!(
        msg.as_str()
            .unwrap()
            .contains("TLE record 1, line 2, columns"),
        "{msg}"
    );
}
