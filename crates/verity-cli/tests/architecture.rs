//! ARCHITECTURE.md's invariant, checked: library crates never reach storage, HTTP, async
//! runtimes or terminal UI through their (normal, non-dev) dependency graph.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

const LIBRARY_CRATES: &[&str] = &[
    "verity-log",
    "verity-core",
    "verity-treaty",
    "verity-waveform",
    "verity-seismic",
    "verity-space",
    "verity-safeguards",
];

const FORBIDDEN: &[&str] = &[
    "tokio",
    "axum",
    "hyper",
    "rusqlite",
    "postgres",
    "ureq",
    "reqwest",
    "indicatif",
];

#[test]
fn library_crates_do_not_reach_io_crates() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");

    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or(""),
                p["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // Normal (non-dev, non-build) edges of the resolved graph.
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve nodes") {
        let id = node["id"].as_str().unwrap_or("");
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            if normal {
                edges
                    .entry(id)
                    .or_default()
                    .push(dep["pkg"].as_str().unwrap_or(""));
            }
        }
    }
    let mut violations = Vec::new();
    for lib in LIBRARY_CRATES {
        let Some((&root, _)) = names.iter().find(|(_, n)| *n == lib) else {
            panic!("{lib} is not in the workspace");
        };
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(next) = edges.get(id) {
                stack.extend(next.iter().copied());
            }
        }
        for id in seen {
            let name = names.get(id).copied().unwrap_or("");
            if FORBIDDEN.contains(&name) {
                violations.push(format!("{lib} reaches {name}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "ARCHITECTURE.md invariant broken: {violations:?}"
    );
}
