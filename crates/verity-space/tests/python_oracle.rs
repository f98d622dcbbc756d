//! SGP4 propagation compared with python-sgp4 (PyPI `sgp4`, Vallado's C++ wrapped; the
//! reference implementation of record) over a real catalogue of element sets: the 33 sets of
//! Vallado's verification file plus 6 operational sets from PyPI packages' test suites
//! (testdata/README.md), 81 times each from −2 to +3 days around epoch.
//!
//! Tolerance: 1e-4 km (10 cm) in position and 1e-8 km/s in velocity per component; both sides
//! must agree on which propagations fail. Measured (sgp4 crate 2.4.0 vs python-sgp4 2.27):
//! ≤ 5e-6 km everywhere except 29141, a re-entering object (B* = 4e-4, decays at +3 days), where
//! round-off grows to 5e-5 km in the last hours before decay; velocities agree to 2e-9 km/s.

mod common;

use verity_space::propagate::Propagator;
use verity_space::tle::{TleOptions, parse_tle_text};

const SCRIPT: &str = r#"
import sys, json
from sgp4.api import Satrec
cases = json.load(sys.stdin)
out = []
for l1, l2, times in cases:
    s = Satrec.twoline2rv(l1, l2)
    res = []
    for t in times:
        e, r, v = s.sgp4_tsince(t)
        res.append([e, list(r) if e == 0 else [0.0]*3, list(v) if e == 0 else [0.0]*3])
    out.append(res)
json.dump(out, sys.stdout)
"#;

#[test]
fn propagation_matches_python_sgp4_over_real_catalogue() {
    let text = format!(
        "{}\n{}",
        include_str!("../testdata/SGP4-VER.TLE")
            .lines()
            .map(|l| if l.starts_with('2') { &l[..69] } else { l })
            .collect::<Vec<_>>()
            .join("\n"),
        include_str!("../testdata/real_tles.txt")
    );
    let opts = TleOptions {
        verify_checksum: false,
        allow_trailing_text: false,
    };
    let sets = parse_tle_text(&text, &opts).expect("catalogue parses");
    assert_eq!(sets.len(), 39);
    let raw_pairs: Vec<(String, String)> = text
        .lines()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0].starts_with("1 ") && w[1].starts_with("2 "))
        .map(|w| (w[0].to_string(), w[1].to_string()))
        .collect();
    assert_eq!(raw_pairs.len(), sets.len());
    let times: Vec<f64> = (0..81).map(|i| -2880.0 + i as f64 * 90.0).collect();
    let input = serde_json::to_string(
        &raw_pairs
            .iter()
            .map(|(a, b)| (a, b, &times))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let Some(out) = common::python_oracle("sgp4", SCRIPT, &input) else {
        return;
    };
    type Row = (i32, [f64; 3], [f64; 3]);
    let reference: Vec<Vec<Row>> = serde_json::from_str(&out).unwrap();
    let (mut max_dr, mut max_dv, mut compared, mut failures) = (0.0f64, 0.0f64, 0, 0);
    for (set, rows) in sets.iter().zip(&reference) {
        let prop = Propagator::new(set);
        for (t, (err, r, v)) in times.iter().zip(rows) {
            let ours = prop.as_ref().ok().map(|p| p.propagate_minutes(*t));
            match (ours, *err) {
                (Some(Ok(s)), 0) => {
                    for k in 0..3 {
                        max_dr = max_dr.max((s.position_km[k] - r[k]).abs());
                        max_dv = max_dv.max((s.velocity_km_s[k] - v[k]).abs());
                    }
                    compared += 1;
                }
                (Some(Err(_)) | None, e) if e != 0 => failures += 1,
                (ours, e) => {
                    // python-sgp4 reports the decay (6) at the first step below the surface and
                    // we do too; any other disagreement is a bug.
                    panic!(
                        "{}: t = {t} min: python error {e}, ours {ours:?}",
                        set.label()
                    )
                }
            }
        }
    }
    println!(
        "python-sgp4 oracle: {compared} states compared, {failures} agreed failures, max |dr| = {max_dr:.3e} km, max |dv| = {max_dv:.3e} km/s"
    );
    assert!(compared > 2500);
    assert!(max_dr < 1e-4, "position differs by {max_dr} km");
    assert!(max_dv < 1e-8, "velocity differs by {max_dv} km/s");
}
