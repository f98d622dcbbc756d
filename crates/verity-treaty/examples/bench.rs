//! Benchmark: evaluate N declarations against all bundled regimes, and the incremental cost of
//! one new declaration. Run by bench/treaty/run.sh (release build). Usage:
//!   cargo run --release -p verity-treaty --example bench -- [N=1000000] [--no-incremental]
use std::time::Instant;

use rand::{Rng, SeedableRng, rngs::StdRng};
use verity_treaty::definition::{Condition, FieldType};
use verity_treaty::*;

fn gen_decl(t: &Treaty, rng: &mut StdRng, i: usize) -> Declaration {
    let kind = &t.kinds[t.default_kind];
    let party = &t.parties[rng.gen_range(0..t.parties.len())].id;
    let start = t
        .entry_into_force
        .unwrap_or(parse_date("2000-01-01").unwrap());
    let as_of = start + time::Duration::days(rng.gen_range(0..(15 * 365)));
    let mut d = Declaration::new(party, as_of, &format!("log:{i}"));
    d.item = Some(format!("item-{}", rng.gen_range(0..50)));
    for q in &kind.quantities {
        d.quantities
            .insert(q.name.clone(), Some(rng.gen_range(0..2000) as f64));
    }
    for (fi, f) in kind.fields.iter().enumerate() {
        let v = match f.ty {
            FieldType::Number => format!("{:.4}", 50.0 + rng.gen_range(-2.0..2.0)),
            FieldType::Polygon => {
                let (a, b) = (
                    41.0 + rng.gen_range(0.0..1.0),
                    129.0 + rng.gen_range(0.0..1.0),
                );
                format!(
                    "{a} {b}; {a} {}; {} {}; {} {b}",
                    b + 0.3,
                    a + 0.3,
                    b + 0.3,
                    a + 0.3
                )
            }
            FieldType::Text => {
                // Values that rules select on, so that category rules fire.
                let mut cands: Vec<String> = vec!["yes".into(), "no".into()];
                for r in t.rules.iter().filter(|r| r.kind == t.default_kind) {
                    for c in &r.filter {
                        match c {
                            Condition::In { field, values } if *field == fi => {
                                cands.extend(values.iter().cloned())
                            }
                            Condition::InTable { field, table } if *field == fi => {
                                cands.extend(t.tables[*table].entries.iter().map(|e| e.key.clone()))
                            }
                            _ => {}
                        }
                    }
                }
                if let verity_treaty::definition::RuleBody::Schedule { required_items, .. } = &t
                    .rules
                    .iter()
                    .find(|r| {
                        matches!(r.body, verity_treaty::definition::RuleBody::Schedule { .. })
                    })
                    .map(|r| r.body.clone())
                    .unwrap_or(verity_treaty::definition::RuleBody::Quota {
                        period: verity_treaty::definition::QuotaPeriod::CalendarYear,
                        limit: 0.0,
                    })
                {
                    cands.extend(required_items.iter().cloned());
                }
                cands[rng.gen_range(0..cands.len())].clone()
            }
        };
        d.fields.insert(f.name.clone(), v);
    }
    d
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let incremental = !args.iter().any(|a| a == "--no-incremental");
    let skip_full = args.iter().any(|a| a == "--incremental-only");
    let treaties = all_bundled().expect("bundled regimes parse (tested)");
    let mut rng = StdRng::seed_from_u64(42);
    let per = n / treaties.len();
    let sets: Vec<Vec<Declaration>> = treaties
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let count = per + usize::from(ti < n % treaties.len());
            // The incremental-only mode needs only the first regime's declarations.
            let count = if skip_full && ti > 0 { 0 } else { count };
            (0..count).map(|i| gen_decl(t, &mut rng, i)).collect()
        })
        .collect();
    let total: usize = sets.iter().map(|s| s.len()).sum();
    if args.iter().any(|a| a == "--generate-only") {
        println!("generated {total} declarations");
        return;
    }
    let compact_only = args.iter().any(|a| a == "--compact-only");
    println!(
        "{:<10} {:>9} {:>9} {:>10} {:>12} {:>10} {:>12}",
        "regime", "decls", "findings", "eval s", "decls/s", "report s", "findings/s"
    );
    let (mut eval_secs, mut mat_secs, mut all_findings) = (0.0f64, 0.0f64, 0usize);
    for (t, s) in treaties.iter().zip(&sets).filter(|_| !skip_full) {
        let start = Instant::now();
        let ev = evaluate_compact(t, s, &Options::default())
            .expect("generated declarations fit the treaty");
        let e = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let n_findings = if compact_only {
            ev.len()
        } else {
            ev.findings().len()
        };
        let m = start.elapsed().as_secs_f64();
        eval_secs += e;
        mat_secs += m;
        all_findings += n_findings;
        println!(
            "{:<10} {:>9} {:>9} {:>10.3} {:>12.0} {:>10.3} {:>12.0}",
            t.id,
            s.len(),
            n_findings,
            e,
            s.len() as f64 / e,
            m,
            n_findings as f64 / m.max(1e-9)
        );
    }
    println!(
        "{:<10} {:>9} {:>9} {:>10.3} {:>12.0} {:>10.3} {:>12.0}",
        "ALL",
        total,
        all_findings,
        eval_secs,
        total as f64 / eval_secs,
        mat_secs,
        all_findings as f64 / mat_secs.max(1e-9)
    );
    println!(
        "evaluation (statuses, values, margins, disputes): {:.0} declarations/s (target >= 500000); \
         including the full report records: {:.0} declarations/s",
        total as f64 / eval_secs,
        total as f64 / (eval_secs + mat_secs)
    );

    if incremental {
        let t = &treaties[0];
        let base = &sets[0];
        let mut ev = Evaluator::new(t, Options::default()).expect("no options");
        for d in base {
            ev.add(d).expect("fits");
        }
        let mut times = Vec::new();
        let mut recomputed = 0usize;
        let adds: usize = args
            .iter()
            .position(|a| a == "--adds")
            .and_then(|i| args.get(i + 1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(2000);
        // Generated up front (always 2000, whatever --adds says) so that instruction counts of
        // runs with different --adds differ only by the additions themselves.
        let new: Vec<Declaration> = (0..2000)
            .map(|i| {
                let mut d = gen_decl(t, &mut rng, base.len() + i);
                d.reference = format!("log:new-{i}");
                d
            })
            .collect();
        for d in new.iter().take(adds) {
            let start = Instant::now();
            recomputed += ev.add(d).expect("fits");
            times.push(start.elapsed().as_secs_f64() * 1e6);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        if times.is_empty() {
            return;
        }
        println!(
            "incremental ({} with {} declarations): one new declaration median {:.2} us, p99 {:.2} us, max {:.2} us; {:.1} findings recomputed on average (target < 1000 us)",
            t.id,
            base.len(),
            times[times.len() / 2],
            times[times.len() * 99 / 100],
            times[times.len() - 1],
            recomputed as f64 / times.len() as f64
        );
    }
}
