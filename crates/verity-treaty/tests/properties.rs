//! Property tests: incremental = full evaluation; per-rule-kind laws; parsers never panic.
use proptest::prelude::*;
use verity_treaty::*;

fn date(days: i64) -> time::Date {
    parse_date("2010-01-01").unwrap() + time::Duration::days(days)
}

/// A random declaration for New START (any kind, incl. disputes and empty "not provided" rows).
fn arb_decl(i: usize) -> impl Strategy<Value = Declaration> {
    (
        0..2usize,
        0..6000i64,
        0..5u8,
        proptest::option::of(0..2000u32),
        0..3usize,
        0..(i + 1),
    )
        .prop_map(move |(p, day, kind, v, item, target)| {
            let party = ["US", "RU"][p];
            let mut d = Declaration::new(party, date(day), &format!("log:{i}"));
            match kind {
                0 | 1 => {
                    for q in [
                        "deployed_icbm_slbm_hb",
                        "deployed_warheads",
                        "deployed_nondeployed_launchers",
                    ] {
                        d.quantities.insert(q.into(), v.map(f64::from));
                    }
                    // Snap half of them onto due dates so schedules and supersession are exercised.
                    if kind == 1 {
                        d.as_of = parse_date(&format!(
                            "{}-{}",
                            2011 + (day % 14),
                            if day % 2 == 0 { "03-01" } else { "09-01" }
                        ))
                        .unwrap();
                    }
                }
                2 => {
                    d.kind = Some("inspection".into());
                    d.item = Some(format!("i{item}"));
                    d.fields.insert(
                        "inspection_type".into(),
                        ["Type One", "Type Two", "Other"][item].into(),
                    );
                }
                3 => {
                    d.kind = Some("database-detail".into());
                    d.quantities
                        .insert("deployed_icbm".into(), v.map(f64::from));
                    d.quantities
                        .insert("deployed_heavy_bombers".into(), Some(50.0));
                }
                _ => {
                    d.kind = Some("dispute".into());
                    d.dispute = Some(Dispute {
                        disputes: format!("log:{target}"),
                        quantity: "deployed_nondeployed_launchers".into(),
                        alternative: f64::from(v.unwrap_or(900)),
                        reasoning: "r".into(),
                    });
                }
            }
            d
        })
}

fn arb_seq() -> impl Strategy<Value = Vec<Declaration>> {
    (1..40usize).prop_flat_map(|n| (0..n).map(arb_decl).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_equals_full_reevaluation(seq in arb_seq()) {
        let t = bundled("new-start").unwrap().unwrap();
        let mut ev = Evaluator::new(&t, Options::default()).unwrap();
        for (k, d) in seq.iter().enumerate() {
            ev.add(d).unwrap();
            // Compare at a few prefixes, not only at the end.
            if k % 7 == 0 || k + 1 == seq.len() {
                let full = evaluate(&t, &seq[..=k], &Options::default()).unwrap();
                prop_assert_eq!(ev.findings(), full);
            }
        }
    }

    /// limit: status agrees with the comparison once binding; equal is compliant.
    #[test]
    fn limit_rule_law(v in 0u32..3000, day in 2600i64..5800) {
        let t = bundled("new-start").unwrap().unwrap();
        let mut d = Declaration::new("US", date(day), "x");
        d.quantities.insert("deployed_warheads".into(), Some(f64::from(v)));
        let f = evaluate(&t, &[d.clone()], &Options::default()).unwrap();
        let x = f.iter().find(|x| x.rule == "deployed-warheads").unwrap();
        let binding = d.as_of >= parse_date("2018-02-05").unwrap();
        let want = if !binding { Status::NotBinding } else if v <= 1550 { Status::Compliant } else { Status::Violation };
        prop_assert_eq!(x.status, want);
        prop_assert_eq!(x.margin, Some(1550.0 - f64::from(v)));
    }

    /// prohibited: a matching category is a violation iff its count is positive; a
    /// non-matching range yields no finding.
    #[test]
    fn prohibited_rule_law(range in 100.0f64..8000.0, n in 0u32..5) {
        let t = bundled("inf").unwrap().unwrap();
        let mut d = Declaration::new("US", parse_date("1995-01-01").unwrap(), "x");
        d.fields.insert("basing".into(), "ground".into());
        d.fields.insert("range_km".into(), range.to_string());
        d.quantities.insert("missiles".into(), Some(f64::from(n)));
        d.quantities.insert("launchers".into(), Some(0.0));
        let f = evaluate(&t, &[d], &Options::default()).unwrap();
        let in_band = (500.0..=5500.0).contains(&range);
        prop_assert_eq!(!f.is_empty(), in_band);
        for x in &f {
            prop_assert_eq!(x.status, if n == 0 { Status::Compliant } else { Status::Violation });
        }
    }

    /// geometry: distance from the centre is symmetric and status follows the 150 km radius.
    #[test]
    fn geometry_rule_law(dlat in -3.0f64..3.0, dlon in -3.0f64..3.0) {
        let t = bundled("abm").unwrap().unwrap();
        let mut d = Declaration::new("RU", parse_date("1990-01-01").unwrap(), "x");
        for (k, v) in [("lat", 55.0 + dlat), ("lon", 37.0 + dlon), ("centre_lat", 55.0), ("centre_lon", 37.0)] {
            d.fields.insert(k.into(), v.to_string());
        }
        d.fields.insert("basing".into(), "fixed-land".into());
        let f = evaluate(&t, &[d], &Options::default()).unwrap();
        let x = f.iter().find(|x| x.rule == "deployment-area-radius").unwrap();
        let dist = geo::distance_km(geo::LatLon { lat: 55.0, lon: 37.0 }, geo::LatLon { lat: 55.0 + dlat, lon: 37.0 + dlon });
        prop_assert!((x.value.unwrap() - dist).abs() < 1e-9);
        prop_assert_eq!(x.status, if dist <= 150.0 { Status::Compliant } else { Status::Violation });
    }

    /// quota: count per treaty year, violation iff above 10.
    #[test]
    fn quota_rule_law(n in 0usize..15) {
        let t = bundled("new-start").unwrap().unwrap();
        let decls: Vec<Declaration> = (0..n).map(|i| {
            let mut d = Declaration::new("RU", parse_date("2012-02-05").unwrap() + time::Duration::days(i as i64 * 20), &format!("r{i}"));
            d.kind = Some("inspection".into());
            d.item = Some(format!("{i}"));
            d.fields.insert("inspection_type".into(), "Type One".into());
            d
        }).collect();
        let f = evaluate(&t, &decls, &Options::default()).unwrap();
        let x = f.iter().find(|x| x.rule == "type-one-inspections");
        match x {
            None => prop_assert_eq!(n, 0),
            Some(x) => {
                prop_assert_eq!(x.value, Some(n as f64));
                prop_assert_eq!(x.status, if n <= 10 { Status::Compliant } else { Status::Violation });
            }
        }
    }

    /// schedule: a BWC slot is complete iff all six forms arrived in the window.
    #[test]
    fn schedule_rule_law(mask in 0u8..64) {
        let t = bundled("bwc").unwrap().unwrap();
        let forms = ["A", "B", "C", "E", "F", "G"];
        let decls: Vec<Declaration> = forms.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, f)| {
            let mut d = Declaration::new("US", parse_date("2020-04-01").unwrap(), &format!("f{f}"));
            d.item = Some(f.to_string());
            d.fields.insert("form".into(), f.to_string());
            d
        }).collect();
        let opts = Options { horizon: Some(parse_date("2020-04-15").unwrap()), ..Default::default() };
        let f = evaluate(&t, &decls, &opts).unwrap();
        let x = f.iter().find(|x| x.party == "US" && x.as_of == "2020-04-15").unwrap();
        prop_assert_eq!(x.value, Some(mask.count_ones() as f64));
        prop_assert_eq!(x.status, if mask == 63 { Status::Compliant } else { Status::Missing });
    }

    /// threshold: violation iff above threshold and undeclared.
    #[test]
    fn threshold_rule_law(kg in 0.0f64..3000.0, declared in any::<bool>()) {
        let t = bundled("cwc").unwrap().unwrap();
        let mut d = Declaration::new("US", parse_date("2020-12-31").unwrap(), "x");
        d.fields.insert("cas".into(), "111-48-8".into());
        d.fields.insert("declared".into(), if declared { "yes" } else { "no" }.into());
        d.quantities.insert("annual_quantity_kg".into(), Some(kg));
        let f = evaluate(&t, &[d], &Options::default()).unwrap();
        prop_assert_eq!(f.len(), 1);
        prop_assert_eq!(f[0].status, if kg > 1000.0 && !declared { Status::Violation } else { Status::Compliant });
    }

    /// Parsers never panic on mutated treaty files, CSVs, JSON and log entries.
    #[test]
    fn parsers_never_panic(seed_idx in 0usize..9, muts in proptest::collection::vec((any::<u32>(), any::<u8>(), 0u8..3), 1..8), cut in any::<u32>()) {
        let (_, text) = BUNDLED[seed_idx];
        let mut bytes = text.as_bytes().to_vec();
        for (pos, b, op) in &muts {
            if bytes.is_empty() { break; }
            let p = *pos as usize % bytes.len();
            match op { 0 => bytes[p] = *b, 1 => { bytes.remove(p); }, _ => bytes.insert(p, *b) }
        }
        let cut = cut as usize % (bytes.len() + 1);
        let s = String::from_utf8_lossy(&bytes[..cut]).into_owned();
        let _ = Treaty::from_toml(&s, "m.toml");
        let _ = Treaty::from_toml(&String::from_utf8_lossy(&bytes), "m.toml");
        let t = bundled("new-start").unwrap().unwrap();
        let mut csv = NEW_START_AGGREGATE_CSV.as_bytes().to_vec();
        for (pos, b, op) in &muts {
            let p = *pos as usize % csv.len();
            match op { 0 => csv[p] = *b, 1 => { csv.remove(p); }, _ => csv.insert(p, *b) }
        }
        let csv = String::from_utf8_lossy(&csv).into_owned();
        if let Ok(decls) = parse_csv(&csv, "m.csv", &t) {
            let _ = evaluate(&t, &decls, &Options::default());
        }
        let _ = parse_json(&s, "m.json");
        let _ = declaration_from_envelope(0, &bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = Treaty::from_toml(&s, "r.toml");
        let t = bundled("jcpoa").unwrap().unwrap();
        let _ = parse_csv(&format!("party,as_of,max_enrichment\n{s}"), "r.csv", &t);
        let _ = parse_json(&s, "r.json");
        let _ = declaration_from_envelope(1, &bytes);
        let _ = geo::parse_polygon(&s);
    }
}

/// Regression: a report dated 29 February was never re-attached to its schedule slot by the
/// incremental evaluator (the next due date was searched up to "the same day next year", which
/// does not exist), so incremental and full evaluation disagreed on the slot's references.
#[test]
fn regression_leap_day_report_recomputes_its_schedule_slot() {
    let t = bundled("new-start").unwrap().unwrap();
    let mut seq = Vec::new();
    for (i, day) in ["2012-03-01", "2012-02-29", "2015-06-11"]
        .iter()
        .enumerate()
    {
        let mut d = Declaration::new("US", parse_date(day).unwrap(), &format!("log:{i}"));
        d.quantities
            .insert("deployed_warheads".into(), Some(1500.0));
        seq.push(d);
    }
    let mut ev = Evaluator::new(&t, Options::default()).unwrap();
    for d in &seq {
        ev.add(d).unwrap();
    }
    let full = evaluate(&t, &seq, &Options::default()).unwrap();
    assert_eq!(ev.findings(), full);
    let slot = full
        .iter()
        .find(|f| f.rule == "biannual-data-exchange" && f.party == "US" && f.as_of == "2012-03-01")
        .expect("the 2012-03-01 exchange slot");
    assert!(slot.references.contains(&"log:1".to_string()), "{slot:?}");
}
