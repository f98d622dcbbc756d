//! OMM parsing in KVN, XML and JSON, checked against the equivalent TLE (python-sgp4's
//! MARIO example, sgp4 2.27 `tests.py::test_omm_xml_matches_old_tle`), and malformed inputs.

use verity_space::SpaceError;
use verity_space::omm::{
    ElementFormat, detect_format, parse_elements, parse_omm_json, parse_omm_kvn, parse_omm_xml,
};
use verity_space::propagate::Propagator;
use verity_space::tle::{TleOptions, parse_tle};

const XML: &str = include_str!("../testdata/omm/mario.xml");
const KVN: &str = include_str!("../testdata/omm/mario.kvn");
const JSON: &str = include_str!("../testdata/omm/mario.json");
const L1: &str = "1 55123U 98067UQ  23115.44827133  .00787702  29408-3  15680-2 0  9999";
const L2: &str = "2 55123  51.6242 216.2930 0014649 331.8976  28.1241 15.99081912 18396";

#[test]
fn three_encodings_agree_with_the_tle() {
    let tle = parse_tle(Some("MARIO"), L1, L2, &TleOptions::default(), 1, 1).unwrap();
    let tle_prop = Propagator::new(&tle).unwrap();
    for (fmt, set) in [
        ("xml", parse_omm_xml(XML).unwrap()),
        ("kvn", parse_omm_kvn(KVN).unwrap()),
        ("json", parse_omm_json(JSON).unwrap()),
    ] {
        assert_eq!(set.len(), 1, "{fmt}");
        let e = &set[0];
        assert_eq!(e.catalog_number, 55123);
        assert_eq!(e.name.as_deref(), Some("MARIO"));
        assert_eq!(e.international_designator.as_deref(), Some("1998-067UQ"));
        assert_eq!(e.bstar, 0.001568);
        assert_eq!(e.mean_motion_ddot, 0.00029408);
        // The OMM epoch has microseconds, the TLE 1e-8 day (0.864 ms): positions agree to the
        // distance covered in that rounding, < 1e-2 km.
        assert!((e.epoch.seconds_since(&tle.epoch)).abs() < 1e-3, "{fmt}");
        let p = Propagator::new(e).unwrap();
        for minutes in [0.0, 90.0, 1440.0] {
            let t = tle.epoch.plus_seconds(minutes * 60.0);
            let a = p.propagate_at(&t).unwrap();
            let b = tle_prop.propagate_at(&t).unwrap();
            let d: f64 = (0..3)
                .map(|k| (a.position_km[k] - b.position_km[k]).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(d < 1e-2, "{fmt} at {minutes} min: {d} km");
        }
    }
    assert_eq!(detect_format(XML), ElementFormat::OmmXml);
    assert_eq!(detect_format(KVN), ElementFormat::OmmKvn);
    assert_eq!(detect_format(JSON), ElementFormat::OmmJson);
    assert_eq!(parse_elements(&format!("{L1}\n{L2}\n")).unwrap().len(), 1);
}

/// Each malformed message must fail, and the message must name the keyword and where.
#[test]
fn malformed_omm_errors_name_keyword_and_place() {
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "kvn",
            KVN.replace("ECCENTRICITY = 0.0014649", "ECCENTRICITY = 1.5"),
            &["ECCENTRICITY", "line 13"],
        ),
        (
            "kvn",
            KVN.replace("INCLINATION = 51.6242 [deg]", "INCLINATION = fifty"),
            &["INCLINATION", "line 14"],
        ),
        (
            "kvn",
            KVN.replace("EPOCH = 2023-04-25T10:45:30.642912\n", ""),
            &["EPOCH", "missing"],
        ),
        (
            "kvn",
            KVN.replace("MEAN_ELEMENT_THEORY = SGP4", "MEAN_ELEMENT_THEORY = DSST"),
            &["MEAN_ELEMENT_THEORY", "line 10"],
        ),
        (
            "kvn",
            KVN.replace("REF_FRAME = TEME", "REF_FRAME TEME"),
            &["line 8", "KEYWORD = value"],
        ),
        (
            "kvn",
            KVN.replace("EPOCH = 2023-04-25", "EPOCH = 2023-14-25"),
            &["EPOCH", "month"],
        ),
        (
            "xml",
            XML.replace(
                "<MEAN_MOTION>15.99081912</MEAN_MOTION>",
                "<MEAN_MOTION>-1</MEAN_MOTION>",
            ),
            &["MEAN_MOTION", "line 4"],
        ),
        ("xml", XML.replace("</omm>", ""), &["line"]),
        (
            "xml",
            XML.replace("<NORAD_CAT_ID>55123</NORAD_CAT_ID>", ""),
            &["NORAD_CAT_ID", "missing"],
        ),
        (
            "json",
            JSON.replace("\"NORAD_CAT_ID\":55123", "\"NORAD_CAT_ID\":[1]"),
            &["NORAD_CAT_ID", "record 1"],
        ),
        (
            "json",
            JSON.replace("51.6242", "\"abc\""),
            &["INCLINATION", "record 1"],
        ),
        ("json", JSON.replace("}]", ""), &["line 2"]),
    ];
    for (fmt, text, needles) in cases {
        let r = match fmt {
            "kvn" => parse_omm_kvn(&text),
            "xml" => parse_omm_xml(&text),
            _ => parse_omm_json(&text),
        };
        let err = r.expect_err(&format!("{fmt} should fail: {needles:?}"));
        assert!(matches!(err, SpaceError::Omm { .. }));
        let msg = err.to_string();
        for n in needles {
            assert!(msg.contains(n), "{fmt}: message {msg:?} lacks {n:?}");
        }
    }
}
