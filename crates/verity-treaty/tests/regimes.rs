//! Verdicts on the bundled regimes and the real public series.
use std::collections::BTreeMap;

use verity_treaty::*;

fn d(s: &str) -> time::Date {
    parse_date(s).unwrap()
}

fn find<'a>(f: &'a [Finding], party: &str, as_of: &str, rule: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.party == party && x.as_of == as_of && x.rule == rule)
        .unwrap_or_else(|| panic!("no finding {party} {as_of} {rule}"))
}

#[test]
fn every_bundled_regime_parses_and_cites_articles() {
    let all = all_bundled().unwrap();
    assert_eq!(all.len(), 9);
    for t in &all {
        assert!(!t.rules.is_empty(), "{}", t.id);
        for r in &t.rules {
            assert!(!r.article.trim().is_empty(), "{} {}", t.id, r.id);
        }
    }
}

/// Source: data/new-start-aggregate.csv (US State Department fact sheets). Public record: both
/// parties within the central limits at every exchange from 2018-02-05; above them before.
#[test]
fn new_start_real_series_matches_public_record() {
    let t = bundled("new-start").unwrap().unwrap();
    let decls = parse_csv(NEW_START_AGGREGATE_CSV, "new-start-aggregate.csv", &t).unwrap();
    let f = evaluate(&t, &decls, &Options::default()).unwrap();
    let limits = [
        "deployed-delivery-vehicles",
        "deployed-warheads",
        "deployed-nondeployed-launchers",
    ];
    let mut before_above = 0;
    for x in f.iter().filter(|x| limits.contains(&x.rule.as_str())) {
        if x.as_of.as_str() >= "2018-02-05" {
            if x.party == "RU" && x.as_of == "2023-03-01" {
                assert_eq!(x.status, Status::Missing, "{x:?}");
                assert!(x.notes.iter().any(|n| n.contains("suspended")), "{x:?}");
            } else {
                assert_eq!(x.status, Status::Compliant, "{x:?}");
            }
        } else {
            assert_eq!(x.status, Status::NotBinding, "{x:?}");
            if x.value.unwrap() > x.limit.unwrap() {
                before_above += 1;
            }
        }
    }
    assert!(
        before_above >= 10,
        "US figures exceeded the limits before 2018"
    );
    // Equal to the limit is compliant: US launchers 800 from 2017-09-01 on.
    let x = find(&f, "US", "2018-02-05", "deployed-nondeployed-launchers");
    assert_eq!(
        (x.value, x.limit, x.margin, x.status),
        (Some(800.0), Some(800.0), Some(0.0), Status::Compliant)
    );
    let x = find(&f, "US", "2023-03-01", "deployed-warheads");
    assert_eq!((x.value, x.status), (Some(1419.0), Status::Compliant));
    // Schedule: Russia's 2023-03-01 exchange missing, the US one made; Feb 2018 counts for March.
    assert_eq!(
        find(&f, "RU", "2023-03-01", "biannual-data-exchange").status,
        Status::Missing
    );
    assert_eq!(
        find(&f, "US", "2023-03-01", "biannual-data-exchange").status,
        Status::Compliant
    );
    assert_eq!(
        find(&f, "RU", "2018-03-01", "biannual-data-exchange").status,
        Status::Compliant
    );
    assert!(
        f.iter()
            .filter(|x| x.rule == "biannual-data-exchange")
            .all(|x| x.status == Status::Compliant || (x.party == "RU" && x.as_of == "2023-03-01"))
    );
}

#[test]
fn new_start_after_expiry_is_not_in_force() {
    let t = bundled("new-start").unwrap().unwrap();
    let mut x = Declaration::new("US", d("2026-03-01"), "file:x:1");
    x.quantities
        .insert("deployed_warheads".into(), Some(1600.0));
    let f = evaluate(&t, &[x], &Options::default()).unwrap();
    let w = find(&f, "US", "2026-03-01", "deployed-warheads");
    assert_eq!(w.status, Status::NotInForce);
    assert_eq!(w.value, Some(1600.0));
    // No report is due after expiry.
    assert!(
        f.iter()
            .all(|x| x.rule != "biannual-data-exchange" || x.as_of.as_str() < "2026-02-05")
    );
}

/// Source: data/jcpoa-iaea.csv. Public record: stockpile limit (202.8 kg U) first exceeded in
/// GOV/INF/2019/8 (1 July 2019, 205.0 kg U); enrichment above 3.67 % from GOV/INF/2019/9 (4.5 %).
#[test]
fn jcpoa_real_series_first_exceedances_july_2019() {
    let t = bundled("jcpoa").unwrap().unwrap();
    let decls = parse_csv(JCPOA_IAEA_CSV, "jcpoa-iaea.csv", &t).unwrap();
    let f = evaluate(&t, &decls, &Options::default()).unwrap();
    let first = |rule: &str| {
        f.iter()
            .find(|x| x.rule == rule && x.status == Status::Violation)
            .map(|x| x.as_of.clone())
    };
    assert_eq!(
        first("enriched-uranium-stockpile").as_deref(),
        Some("2019-07-01")
    );
    assert_eq!(first("enrichment-level").as_deref(), Some("2019-07-08"));
    let s = find(&f, "IR", "2019-07-01", "enriched-uranium-stockpile");
    assert_eq!(s.limit, Some(202.8), "300 kg UF6 converted to kg U");
    assert!((s.margin.unwrap() - (202.8 - 205.0)).abs() < 1e-9);
    // Bound-valued early rows equal the limit: compliant.
    assert_eq!(
        find(&f, "IR", "2016-05-27", "enriched-uranium-stockpile").status,
        Status::Compliant
    );
    assert_eq!(
        find(&f, "IR", "2017-02-24", "enrichment-level").status,
        Status::Compliant
    );
    // Rules not covered by the CSV (centrifuges) give no findings.
    assert!(f.iter().all(|x| x.rule != "ir1-centrifuges-natanz"));
    // The IAEA-reported heavy-water excursion of February 2016 (130.9 t) is a violation.
    assert_eq!(
        find(&f, "IR", "2016-02-26", "heavy-water").status,
        Status::Violation
    );
}

#[test]
fn jcpoa_before_implementation_day_not_binding_and_after_duration_not_in_force() {
    let t = bundled("jcpoa").unwrap().unwrap();
    let mut a = Declaration::new("IR", d("2015-12-01"), "a");
    a.quantities
        .insert("ir1_centrifuges_natanz".into(), Some(9000.0));
    let mut b = Declaration::new("IR", d("2026-02-01"), "b");
    b.quantities
        .insert("ir1_centrifuges_natanz".into(), Some(9000.0));
    let f = evaluate(&t, &[a, b], &Options::default()).unwrap();
    assert_eq!(
        find(&f, "IR", "2015-12-01", "ir1-centrifuges-natanz").status,
        Status::NotBinding
    );
    assert_eq!(
        find(&f, "IR", "2026-02-01", "ir1-centrifuges-natanz").status,
        Status::NotInForce
    );
}

/// Russia's 2022 position (Russian MFA, March 2022): 56 Trident II launchers and 41 B-52H
/// converted without Russia being able to confirm, plus 4 "training silos": the 800 limit is
/// "exceeded by 101 units".
#[test]
fn dispute_shows_both_readings() {
    let t = bundled("new-start").unwrap().unwrap();
    let mut us = Declaration::new("US", d("2022-03-01"), "log:41");
    us.quantities
        .insert("deployed_nondeployed_launchers".into(), Some(800.0));
    let mut ru = Declaration::new("RU", d("2022-03-15"), "log:42");
    ru.kind = Some("dispute".into());
    ru.dispute = Some(Dispute {
        disputes: "log:41".into(),
        quantity: "deployed_nondeployed_launchers".into(),
        alternative: 901.0,
        reasoning: "56 Trident II SLBM launchers and 41 B-52H converted without confirmation; 4 training silos not counted".into(),
    });
    for order in [vec![us.clone(), ru.clone()], vec![ru.clone(), us.clone()]] {
        let f = evaluate(&t, &order, &Options::default()).unwrap();
        let x = find(&f, "US", "2022-03-01", "deployed-nondeployed-launchers");
        assert_eq!(x.status, Status::Compliant);
        assert_eq!(x.contested.len(), 1);
        let c = &x.contested[0];
        assert_eq!(
            (c.by.as_str(), c.value, c.status),
            ("RU", Some(901.0), Status::Violation)
        );
        // Other rules do not read the disputed quantity.
        assert!(
            f.iter()
                .filter(|y| y.rule != "deployed-nondeployed-launchers")
                .all(|y| y.contested.is_empty())
        );
    }
}

#[test]
fn derived_quantity_counting_rule_new_start_detail() {
    // US data as of 1 Sep 2020 (State Dept fact sheet of 1 Dec 2020): 397 ICBM + 230 SLBM + 48 HB = 675.
    let t = bundled("new-start").unwrap().unwrap();
    let mut x = Declaration::new("US", d("2020-09-01"), "r");
    x.kind = Some("database-detail".into());
    for (k, v) in [
        ("deployed_icbm", 397.0),
        ("deployed_slbm", 230.0),
        ("deployed_heavy_bombers", 48.0),
    ] {
        x.quantities.insert(k.into(), Some(v));
    }
    let f = evaluate(&t, &[x], &Options::default()).unwrap();
    let v = find(&f, "US", "2020-09-01", "detail-deployed-delivery-vehicles");
    assert_eq!((v.value, v.status), (Some(675.0), Status::Compliant));
    // Warheads need warheads_on_deployed_icbm_slbm, not given: missing.
    assert_eq!(
        find(&f, "US", "2020-09-01", "detail-deployed-warheads").status,
        Status::Missing
    );
}

#[test]
fn quota_new_start_inspections_per_treaty_year() {
    let t = bundled("new-start").unwrap().unwrap();
    let mut decls = Vec::new();
    // 11 Type One inspections by the US in treaty year 2019-02-05 .. 2020-02-04, 8 Type Two.
    for i in 0..11 {
        let mut x = Declaration::new(
            "US",
            d("2019-03-01") + time::Duration::days(i * 20),
            &format!("i1-{i}"),
        );
        x.kind = Some("inspection".into());
        x.item = Some(format!("insp-{i}"));
        x.fields.insert("inspection_type".into(), "Type One".into());
        decls.push(x);
    }
    for i in 0..8 {
        let mut x = Declaration::new(
            "US",
            d("2019-03-02") + time::Duration::days(i * 20),
            &format!("i2-{i}"),
        );
        x.kind = Some("inspection".into());
        x.item = Some(format!("insp2-{i}"));
        x.fields.insert("inspection_type".into(), "Type Two".into());
        decls.push(x);
    }
    let f = evaluate(&t, &decls, &Options::default()).unwrap();
    let one = find(&f, "US", "2019-02-05", "type-one-inspections");
    assert_eq!(
        (one.value, one.limit, one.status),
        (Some(11.0), Some(10.0), Status::Violation)
    );
    let two = find(&f, "US", "2019-02-05", "type-two-inspections");
    assert_eq!((two.value, two.status), (Some(8.0), Status::Compliant));
}

#[test]
fn inf_range_band_and_withdrawal() {
    let t = bundled("inf").unwrap().unwrap();
    let mk = |party: &str, date: &str, item: &str, basing: &str, range: f64, n: f64| {
        let mut x = Declaration::new(party, d(date), &format!("{party}-{date}-{item}"));
        x.item = Some(item.into());
        x.fields.insert("basing".into(), basing.into());
        x.fields.insert("range_km".into(), range.to_string());
        x.quantities.insert("missiles".into(), Some(n));
        x.quantities.insert("launchers".into(), Some(0.0));
        x
    };
    let decls = vec![
        mk("RU", "1990-01-01", "SS-20", "ground", 5000.0, 100.0),
        mk("RU", "1992-01-01", "SS-20", "ground", 5000.0, 0.0),
        mk("RU", "2018-01-01", "9M729", "ground", 2500.0, 64.0),
        mk("RU", "2018-01-01", "Kalibr", "sea", 2500.0, 500.0),
        mk("US", "1988-06-01", "Pershing II", "ground", 1800.0, 234.0),
        mk("US", "2020-01-01", "Tomahawk-GL", "ground", 1600.0, 8.0),
    ];
    let f = evaluate(&t, &decls, &Options::default()).unwrap();
    let st = |p: &str, date: &str, item: &str| {
        f.iter()
            .find(|x| {
                x.party == p
                    && x.as_of == date
                    && x.item.as_deref() == Some(item)
                    && x.rule == "intermediate-range-eliminated"
            })
            .map(|x| x.status)
    };
    assert_eq!(st("RU", "1990-01-01", "SS-20"), Some(Status::NotBinding));
    assert_eq!(st("RU", "1992-01-01", "SS-20"), Some(Status::Compliant));
    assert_eq!(st("RU", "2018-01-01", "9M729"), Some(Status::Violation));
    assert_eq!(
        st("RU", "2018-01-01", "Kalibr"),
        None,
        "sea-based is outside the category"
    );
    assert_eq!(
        st("US", "1988-06-01", "Pershing II"),
        Some(Status::NotBinding)
    );
    assert_eq!(
        st("US", "2020-01-01", "Tomahawk-GL"),
        Some(Status::NotInForce)
    );
}

#[test]
fn abm_deployment_area_radius_and_basing() {
    let t = bundled("abm").unwrap().unwrap();
    // Moscow A-135 area: centre Moscow (55.7558, 37.6173); a site 100 km north is inside,
    // one ~200 km away outside.
    let mk = |item: &str, lat: f64, lon: f64, basing: &str| {
        let mut x = Declaration::new("RU", d("1990-01-01"), item);
        x.item = Some(item.into());
        for (k, v) in [
            ("lat", lat),
            ("lon", lon),
            ("centre_lat", 55.7558),
            ("centre_lon", 37.6173),
        ] {
            x.fields.insert(k.into(), v.to_string());
        }
        x.fields.insert("basing".into(), basing.into());
        x.quantities.insert("launchers".into(), Some(16.0));
        x.quantities.insert("interceptors".into(), Some(16.0));
        x
    };
    let f = evaluate(
        &t,
        &[
            mk("north", 56.655, 37.6173, "fixed-land"),
            mk("far", 57.55, 37.6173, "mobile-land"),
        ],
        &Options::default(),
    )
    .unwrap();
    let g = |item: &str, rule: &str| {
        f.iter()
            .find(|x| x.item.as_deref() == Some(item) && x.rule == rule)
            .unwrap()
    };
    let n = g("north", "deployment-area-radius");
    assert!(
        (n.value.unwrap() - 100.0).abs() < 0.1 && n.status == Status::Compliant,
        "{n:?}"
    );
    assert_eq!(g("far", "deployment-area-radius").status, Status::Violation);
    assert_eq!(g("far", "prohibited-basing").status, Status::Violation);
    assert!(
        f.iter()
            .all(|x| !(x.item.as_deref() == Some("north") && x.rule == "prohibited-basing"))
    );
}

#[test]
fn ctbt_osi_area_not_in_force_but_measured() {
    let t = bundled("ctbt").unwrap().unwrap();
    // 0.25° × 0.25° box at 41°N: ≈ 27.8 km × 21.0 km ≈ 585 km², diagonal ≈ 35 km.
    let mut ok = Declaration::new("US", d("2030-01-01"), "osi-1");
    ok.fields.insert(
        "area".into(),
        "41 129; 41 129.25; 41.25 129.25; 41.25 129".into(),
    );
    // 0.5° × 0.5°: ≈ 2,330 km², diagonal ≈ 70 km: both limits exceeded.
    let mut big = Declaration::new("US", d("2030-01-02"), "osi-2");
    big.fields.insert(
        "area".into(),
        "41 129; 41 129.5; 41.5 129.5; 41.5 129".into(),
    );
    let f = evaluate(&t, &[ok, big], &Options::default()).unwrap();
    for x in &f {
        assert_eq!(x.status, Status::NotInForce, "CTBT is not in force");
    }
    let a = find(&f, "US", "2030-01-01", "osi-area");
    assert!(
        a.value.unwrap() < 1000.0 && a.value.unwrap() > 500.0,
        "{a:?}"
    );
    assert!(find(&f, "US", "2030-01-02", "osi-area").value.unwrap() > 1000.0);
    assert!(
        find(&f, "US", "2030-01-02", "osi-linear-extent")
            .value
            .unwrap()
            > 50.0
    );
}

#[test]
fn cwc_schedule_tables_and_thresholds() {
    let t = bundled("cwc").unwrap().unwrap();
    let mk = |r: &str, cas: &str, kg: f64, declared: &str| {
        let mut x = Declaration::new("DE", d("2021-12-31"), r);
        x.item = Some(r.into());
        x.fields.insert("cas".into(), cas.into());
        x.fields.insert("declared".into(), declared.into());
        x.quantities.insert("annual_quantity_kg".into(), Some(kg));
        x
    };
    let decls = vec![
        mk("novichok-undeclared", "2387496-12-8", 0.5, "no"), // 2020 Schedule 1 addition, 500 g
        mk("sarin-small", "107-44-8", 0.05, "no"),            // 50 g: below 100 g
        mk("tdg", "111-48-8", 2000.0, "yes"),                 // 2B above 1 t, declared
        mk("phosgene", "75-44-5", 40000.0, "no"),             // Schedule 3 above 30 t, undeclared
        mk("unscheduled", "64-17-5", 1e6, "no"),              // ethanol: no schedule
    ];
    let f = evaluate(&t, &decls, &Options::default()).unwrap();
    let st = |item: &str| {
        f.iter()
            .filter(|x| x.item.as_deref() == Some(item))
            .map(|x| (x.rule.clone(), x.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        st("novichok-undeclared"),
        vec![("schedule1-declaration".to_string(), Status::Violation)]
    );
    assert_eq!(
        st("sarin-small"),
        vec![("schedule1-declaration".to_string(), Status::Compliant)]
    );
    assert_eq!(
        st("tdg"),
        vec![("schedule2b-declaration".to_string(), Status::Compliant)]
    );
    assert_eq!(
        st("phosgene"),
        vec![("schedule3-declaration".to_string(), Status::Violation)]
    );
    assert!(st("unscheduled").is_empty());
    // National aggregate: 1 t limit converted to kg.
    let mut n = Declaration::new("DE", d("2021-12-31"), "agg");
    n.kind = Some("national-schedule1".into());
    n.quantities.insert("aggregate_kg".into(), Some(1000.0));
    let f = evaluate(&t, &[n], &Options::default()).unwrap();
    let a = find(&f, "DE", "2021-12-31", "schedule1-national-aggregate");
    assert_eq!((a.limit, a.status), (Some(1000.0), Status::Compliant));
}

#[test]
fn bwc_cbm_completeness_due_15_april() {
    let t = bundled("bwc").unwrap().unwrap();
    let mut decls = Vec::new();
    for (i, form) in ["A", "B", "C", "E", "F", "G"].iter().enumerate() {
        let mut x = Declaration::new("DE", d("2024-04-10"), &format!("de-{form}"));
        x.item = Some(form.to_string());
        x.fields.insert("form".into(), form.to_string());
        decls.push(x);
        if i < 3 {
            let mut y = Declaration::new("GB", d("2024-03-01"), &format!("gb-{form}"));
            y.item = Some(form.to_string());
            y.fields.insert("form".into(), form.to_string());
            decls.push(y);
        }
    }
    let opts = Options {
        horizon: Some(d("2024-04-15")),
        ..Default::default()
    };
    let f = evaluate(&t, &decls, &opts).unwrap();
    let de = find(&f, "DE", "2024-04-15", "annual-cbm");
    assert_eq!(
        (de.status, de.value, de.limit),
        (Status::Compliant, Some(6.0), Some(6.0))
    );
    let gb = find(&f, "GB", "2024-04-15", "annual-cbm");
    assert_eq!(gb.status, Status::Missing);
    assert!(gb.notes.iter().any(|n| n.contains("E, F, G")), "{gb:?}");
    assert_eq!(
        find(&f, "US", "2024-04-15", "annual-cbm").status,
        Status::Missing
    );
}

#[test]
fn npt_nuclear_sharing_is_configurable() {
    let t = bundled("npt").unwrap().unwrap();
    let mut us = Declaration::new("US", d("2023-01-01"), "us");
    us.quantities
        .insert("weapons_deployed_abroad".into(), Some(100.0));
    let f = evaluate(&t, std::slice::from_ref(&us), &Options::default()).unwrap();
    assert!(
        f.iter().all(|x| x.rule != "nuclear-sharing-deployment"),
        "disabled by default"
    );
    let opts = Options {
        enable: vec!["nuclear-sharing-deployment".into()],
        ..Default::default()
    };
    let f = evaluate(&t, &[us], &opts).unwrap();
    assert_eq!(
        find(&f, "US", "2023-01-01", "nuclear-sharing-deployment").status,
        Status::Violation
    );
    let bad = Options {
        enable: vec!["nope".into()],
        ..Default::default()
    };
    assert!(matches!(
        evaluate(&t, &[], &bad),
        Err(EvalError::UnknownRule { .. })
    ));
}

#[test]
fn npt_withdrawal_and_late_accession() {
    let t = bundled("npt").unwrap().unwrap();
    let mut kp = Declaration::new("KP", d("2006-10-09"), "kp");
    kp.quantities
        .insert("nuclear_weapons_possessed".into(), Some(1.0));
    let mut fr = Declaration::new("FR", d("1990-01-01"), "fr");
    fr.quantities
        .insert("weapons_deployed_abroad".into(), Some(0.0));
    let f = evaluate(&t, &[kp], &Options::default()).unwrap();
    assert_eq!(
        find(&f, "KP", "2006-10-09", "nnws-no-weapons").status,
        Status::NotInForce
    );
    let f = evaluate(
        &t,
        &[fr],
        &Options {
            enable: vec!["nuclear-sharing-deployment".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        find(&f, "FR", "1990-01-01", "nuclear-sharing-deployment").status,
        Status::NotInForce
    );
}

#[test]
fn ppwt_first_placement_and_pre_launch_notification() {
    let t = bundled("ppwt").unwrap().unwrap();
    let mut w = Declaration::new("RU", d("2024-02-01"), "w");
    w.fields.insert("function".into(), "weapon".into());
    w.quantities.insert("objects".into(), Some(1.0));
    let mut l = Declaration::new("CN", d("2024-03-01"), "l");
    l.kind = Some("launch".into());
    l.fields.insert("notified".into(), "no".into());
    l.quantities.insert("payloads".into(), Some(3.0));
    let f = evaluate(&t, &[w, l], &Options::default()).unwrap();
    assert_eq!(
        find(&f, "RU", "2024-02-01", "no-first-placement").status,
        Status::Violation
    );
    assert_eq!(
        find(&f, "CN", "2024-03-01", "pre-launch-notification").status,
        Status::Violation
    );
}

/// A new regime written only as a TOML file loads and evaluates with no code change.
#[test]
fn new_regime_from_file_alone() {
    let text = include_str!("data/emerging-tech.toml");
    let t = Treaty::from_toml(text, "tests/data/emerging-tech.toml").unwrap();
    let csv = "party,as_of,loitering_munitions,autonomous_targeting_systems,human_control\nAA,2031-01-15,300,100,full\nBB,2031-01-20,100,50,none\n";
    let decls = parse_csv(csv, "emt.csv", &t).unwrap();
    let f = evaluate(
        &t,
        &decls,
        &Options {
            horizon: Some(d("2031-02-01")),
            ..Default::default()
        },
    )
    .unwrap();
    let a = find(&f, "AA", "2031-01-15", "weighted-cap");
    assert_eq!((a.value, a.status), (Some(500.0), Status::Compliant));
    assert_eq!(
        find(&f, "BB", "2031-01-20", "human-control").status,
        Status::Violation
    );
    assert_eq!(
        find(&f, "AA", "2031-01-31", "annual-report").status,
        Status::Compliant
    );
    let _unused: BTreeMap<(), ()> = BTreeMap::new();
}

#[test]
fn log_envelopes_map_to_declarations() {
    let e = br#"{"v":1,"party":"US","treaty":"new-start","kind":"data-exchange","seq":5,"time":"2023-03-01T00:00:00Z","payload":{"as_of":"2023-03-01","quantities":{"deployed_warheads":1419,"deployed_icbm_slbm_hb":null}},"key":"US+1a2b3c4d","sig":"x"}"#;
    let r = declaration_from_envelope(7, e).unwrap();
    let dd = r.declaration.unwrap();
    assert_eq!(
        (r.treaty.as_str(), dd.reference.as_str(), dd.kind.as_deref()),
        ("new-start", "log:7", Some("data-exchange"))
    );
    assert_eq!(dd.quantities["deployed_icbm_slbm_hb"], None);
    // A counting view with the domain record it came from (`detail`) is still a declaration;
    // an unknown top-level field is still refused.
    let with_detail = br#"{"v":1,"party":"RU","treaty":"ppwt","kind":"space-object","seq":2,"time":"2024-01-01T00:00:00Z","payload":{"as_of":"2023-12-27","item":"2023-210A","quantities":{"objects":1},"fields":{"function":"communications"},"detail":{"kind":"space-object-registration","name":"X"}},"key":"k","sig":"s"}"#;
    let dd = declaration_from_envelope(10, with_detail)
        .unwrap()
        .declaration
        .unwrap();
    assert_eq!(dd.fields["function"], "communications");
    let unknown = br#"{"v":1,"party":"RU","treaty":"ppwt","kind":"space-object","seq":2,"time":"2024-01-01T00:00:00Z","payload":{"as_of":"2023-12-27","quantities":{"objects":1},"extra":1},"key":"k","sig":"s"}"#;
    assert!(declaration_from_envelope(11, unknown).is_err());
    let disp = br#"{"v":1,"party":"RU","treaty":"new-start","kind":"dispute","seq":1,"time":"2022-03-15T10:00:00Z","payload":{"disputes":"log:7","quantity":"deployed_nondeployed_launchers","alternative":901,"reasoning":"r"},"key":"k","sig":"s"}"#;
    let r = declaration_from_envelope(8, disp).unwrap();
    assert_eq!(r.declaration.unwrap().dispute.unwrap().alternative, 901.0);
    let err = declaration_from_envelope(9, b"{\"v\":1}").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("log entry 9: not a signed envelope"),
        "{err}"
    );
}
