//! Every parser fed random, truncated and mutated bytes must return (Ok or a typed error),
//! never panic. Seeds are real inputs from testdata; proptest drives the mutations. The same
//! entry points are cargo-fuzz targets in fuzz/.

use proptest::prelude::*;
use verity_space::Epoch;
use verity_space::cdm::parse_cdm_kvn;
use verity_space::omm::{parse_elements, parse_omm_json, parse_omm_kvn, parse_omm_xml};
use verity_space::propagate::Propagator;
use verity_space::registry::SpaceDeclaration;
use verity_space::tle::{TleOptions, parse_tle_text};

const SEEDS: &[&str] = &[
    include_str!("../testdata/real_tles.txt"),
    include_str!("../testdata/omm/mario.kvn"),
    include_str!("../testdata/omm/mario.xml"),
    include_str!("../testdata/omm/mario.json"),
    include_str!("../testdata/cdm/000020580_conj_000002017_20230613_001923_20230608_063715.cdm"),
    include_str!("../testdata/declarations/registration.json"),
    include_str!("../testdata/declarations/notification.json"),
    include_str!("../testdata/declarations/launch-report.json"),
    include_str!("../testdata/eop/finals2000A.sample"),
    include_str!("../testdata/eop/EOP-All.sample.csv"),
];

fn all_parsers(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = parse_tle_text(&text, &TleOptions::default());
    let lenient = parse_tle_text(
        &text,
        &TleOptions {
            verify_checksum: false,
            allow_trailing_text: true,
        },
    );
    // Whatever parses must also initialise or fail SGP4 cleanly.
    if let Ok(sets) = lenient {
        for s in sets.iter().take(3) {
            if let Ok(p) = Propagator::new(s) {
                let _ = p.propagate_minutes(1440.0);
            }
        }
    }
    let _ = parse_omm_kvn(&text);
    let _ = parse_omm_xml(&text);
    let _ = parse_omm_json(&text);
    let _ = parse_elements(&text);
    let _ = parse_cdm_kvn(&text);
    let _ = SpaceDeclaration::from_json(&text);
    // The log reader on arbitrary payload JSON, and the EOP readers (whatever parses must
    // answer lookups without panicking).
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        let _ = verity_space::log_entry::from_log_entry("ppwt", "launch", &v);
        let _ = verity_space::log_entry::from_log_entry("ppwt", "space-object", &v);
    }
    for parsed in [
        verity_space::eop::EopTable::parse(&text),
        verity_space::eop::EopTable::parse_finals(&text),
        verity_space::eop::EopTable::parse_celestrak_csv(&text),
    ]
    .into_iter()
    .flatten()
    {
        let first = parsed.records()[0].mjd;
        for dt in [-1.0, 0.0, 0.37, 1.5, 1e9] {
            let t = Epoch::from_jd(2_400_000.5 + first, dt);
            let _ = parsed.at(&t);
        }
    }
    let _ = Epoch::parse_iso8601(&text);
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b'-'),
                Just(b'.'),
                Just(b'='),
                Just(b'<'),
                Just(b' '),
                Just(b'9'),
                Just(b'\n'),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        all_parsers(&bytes);
    }

    #[test]
    fn mutated_real_inputs_never_panic(seed in 0..SEEDS.len(), muts in proptest::collection::vec(mutation(), 1..8)) {
        let mut b = SEEDS[seed].as_bytes().to_vec();
        for m in muts {
            let n = b.len().max(1);
            match m {
                Mutation::Truncate(i) => b.truncate(i % n),
                Mutation::Flip(i, x) => { if !b.is_empty() { let k = i % b.len(); b[k] = x; } }
                Mutation::Insert(i, x) => { let k = i % (b.len() + 1); b.insert(k, x); }
                Mutation::Delete(i) => { if !b.is_empty() { let k = i % b.len(); b.remove(k); } }
            }
        }
        all_parsers(&b);
    }

    /// Any TLE whose digits are replaced position by position stays panic-free, and a valid
    /// checksum is enforced.
    #[test]
    fn tle_digit_mutations(pos in 0usize..69, digit in b'0'..=b'9', line in 0usize..2) {
        let l1 = "1 25544U 98067A   20194.88612269 -.00002218  00000-0 -31515-4 0  9992";
        let l2 = "2 25544  51.6461 221.2784 0001413  89.1723 280.4612 15.49507896236008";
        let mut lines = [l1.as_bytes().to_vec(), l2.as_bytes().to_vec()];
        let before = lines[line][pos];
        lines[line][pos] = digit;
        let text = format!("{}\n{}\n", String::from_utf8_lossy(&lines[0]), String::from_utf8_lossy(&lines[1]));
        let r = parse_tle_text(&text, &TleOptions::default());
        if pos < 68 && before.is_ascii_digit() && before != digit {
            // A changed digit breaks the checksum (or another field) — never accepted silently.
            prop_assert!(r.is_err());
        }
    }
}
