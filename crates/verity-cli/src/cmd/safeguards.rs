//! `verity safeguards ...`: nuclear material accountancy. Thin shell over `verity_safeguards`:
//! reads files, calls the library, prints a table or `--json`.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use verity_safeguards::balance::{MaterialBalance, close_balances};
use verity_safeguards::model::{AccountancyBundle, BalanceQuantity, parse_bundle};
use verity_safeguards::sequential::{self, PageParameters, TestedSequence};
use verity_safeguards::{ChaCha8Rng, SeedableRng, decision, jcpoa, normal, plot, weapons};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Close the material balances of an accountancy bundle: MUF, σ_MUF, one-sided tests,
    /// SQ detection probability, timeliness, shipper/receiver differences.
    Balance {
        /// Accountancy bundle (JSON: mba, methods, physical_inventory_listings, inventory_change_reports).
        file: PathBuf,
        /// False-alarm probability of the one-sided MUF test.
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Material is irradiated (3-month instead of 1-month timeliness for direct-use material).
        #[arg(long)]
        irradiated: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Page's CUSUM over the balance sequence (standardised ITMUF by default).
    Cusum {
        /// Accountancy bundle.
        file: PathBuf,
        /// Reference value k (σ units; kg with --raw).
        #[arg(long)]
        k: f64,
        /// Decision limit h (σ units; kg with --raw).
        #[arg(long)]
        h: f64,
        /// Quantity: U, U-235, U-233, Pu, Th (default: U-235 if present, else the first).
        #[arg(long)]
        quantity: Option<String>,
        /// Apply the test to the raw MUF sequence (kg) instead of the standardised ITMUF.
        #[arg(long)]
        raw: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Average run length of Page's test by simulation (seeded) and by the integral equation;
    /// with --balance, detection probability over the bundle's periods for a given diversion.
    Arl {
        /// Reference value k (σ units).
        #[arg(long)]
        k: f64,
        /// Decision limit h (σ units).
        #[arg(long)]
        h: f64,
        /// Mean shift in σ units (i.i.d. mode).
        #[arg(long, default_value_t = 0.0)]
        shift: f64,
        /// Simulated runs.
        #[arg(long, default_value_t = 10_000)]
        runs: u64,
        /// Seed of the ChaCha8 generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Censoring length of a run (i.i.d. mode).
        #[arg(long, default_value_t = 1_000_000)]
        max_len: u64,
        /// Use the MUF covariance of this accountancy bundle (finite-horizon mode).
        #[arg(long)]
        balance: Option<PathBuf>,
        /// Quantity of the bundle (finite-horizon mode).
        #[arg(long)]
        quantity: Option<String>,
        /// Diversion per balance period, kg (finite-horizon mode).
        #[arg(long, default_value_t = 0.0)]
        diversion_kg_per_period: f64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Convert a uranium compound to kg U, kg U-235 and UF6 equivalent.
    Convert {
        /// UF6, UF4, UO2, UO3, U3O8, UO2F2, U-metal, UNH, ADU, or other/scrap (with --uranium-fraction).
        #[arg(long)]
        form: String,
        /// Compound mass, kg.
        #[arg(long)]
        mass_kg: f64,
        /// U-235 weight percent.
        #[arg(long)]
        enrichment_pct: f64,
        /// Declared uranium mass fraction for other/scrap forms.
        #[arg(long)]
        uranium_fraction: Option<f64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// JCPOA enriched-uranium stockpile of a declaration (kg U, UF6 equivalent, by enrichment).
    Stockpile {
        /// Stockpile declaration (JSON: party, as_of, items).
        file: PathBuf,
        /// Print JSON (includes the treaty data-exchange payload).
        #[arg(long)]
        json: bool,
    },
    /// Weapons deployed outside the possessor's territory, from NPT deployment declarations.
    Weapons {
        /// JSON array of weapons-deployment-declaration payloads.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// SVG plot of the MUF sequence with thresholds, or of Page's statistic.
    Plot {
        /// Accountancy bundle.
        file: PathBuf,
        /// Output SVG file.
        #[arg(long)]
        out: PathBuf,
        /// `muf` or `cusum`.
        #[arg(long, default_value = "muf")]
        chart: String,
        /// Quantity (default: U-235 if present, else the first).
        #[arg(long)]
        quantity: Option<String>,
        /// False-alarm probability for the MUF threshold.
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Page k (σ units) for the cusum chart.
        #[arg(long, default_value_t = 0.5)]
        k: f64,
        /// Page h (σ units) for the cusum chart.
        #[arg(long, default_value_t = 4.0)]
        h: f64,
    },
}

fn load_bundle(path: &Path) -> Result<(AccountancyBundle, MaterialBalance)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bundle = parse_bundle(&bytes)
        .with_context(|| format!("parsing accountancy bundle {}", path.display()))?;
    let mb = close_balances(&bundle)
        .with_context(|| format!("closing balances of {}", path.display()))?;
    Ok((bundle, mb))
}

fn pick_quantity<'a>(
    mb: &'a MaterialBalance,
    quantity: Option<&str>,
) -> Result<&'a verity_safeguards::balance::QuantityBalance> {
    match quantity {
        Some(label) => {
            let q = BalanceQuantity::from_label(label)?;
            mb.quantity(q)
                .with_context(|| format!("no {label} balance in this bundle"))
        }
        None => mb
            .quantity(BalanceQuantity::Uranium235)
            .or(mb.quantities.first())
            .context("the bundle has no nuclear material to balance"),
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Balance {
            file,
            alpha,
            irradiated,
            json,
        } => {
            let (bundle, mb) = load_bundle(&file)?;
            let decisions =
                decision::evaluate_balances(&mb, alpha, bundle.max_enrichment_pct(), irradiated)?;
            if json {
                print_json(
                    &serde_json::json!({ "balance": mb, "decisions": decisions, "alpha": alpha }),
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "MBA {}  ({} balance periods, systematic errors: {:?}, α = {alpha})",
                mb.mba,
                mb.quantities.first().map_or(0, |q| q.periods.len()),
                mb.systematic_errors
            );
            for (q, d) in mb.quantities.iter().zip(&decisions) {
                println!();
                match (d.category, d.significant_quantity_kg) {
                    (Some(c), Some(sq)) => {
                        println!("{} balance (SQ {:?}: {sq} kg)", q.quantity.label(), c)
                    }
                    _ => println!("{} balance", q.quantity.label()),
                }
                println!(
                    "{:>3} {:>10} {:>10} {:>12} {:>12} {:>12} {:>10} {:>9} {:>5} {:>12} {:>10} {:>6} {:>7}",
                    "per",
                    "start",
                    "end",
                    "BI kg",
                    "R-S kg",
                    "EI kg",
                    "MUF kg",
                    "σ kg",
                    "alarm",
                    "cum MUF kg",
                    "cum σ kg",
                    "P(SQ)",
                    "timely"
                );
                for p in &q.periods {
                    let pd = d.periods.iter().find(|x| x.period == p.period);
                    println!(
                        "{:>3} {:>10} {:>10} {:>12.3} {:>12.3} {:>12.3} {:>10.3} {:>9.3} {:>5} {:>12.3} {:>10.3} {:>6} {:>7}",
                        p.period,
                        verity_safeguards::model::format_date(p.start),
                        verity_safeguards::model::format_date(p.end),
                        p.beginning_inventory_kg,
                        p.increases_kg - p.decreases_kg,
                        p.ending_inventory_kg,
                        p.muf_kg,
                        p.sigma_muf_kg,
                        pd.map_or("-", |x| if x.test.alarm { "YES" } else { "no" }),
                        p.cumulative_muf_kg,
                        p.cumulative_sigma_kg,
                        pd.and_then(|x| x.detection_probability_one_sq)
                            .map_or("-".into(), |v| format!("{v:.3}")),
                        pd.and_then(|x| x.timeliness.as_ref())
                            .map_or("-", |t| if t.met { "yes" } else { "NO" }),
                    );
                }
                for s in &q.shipper_receiver {
                    let z = if s.sigma_kg > 0.0 {
                        s.difference_kg / s.sigma_kg
                    } else {
                        f64::NAN
                    };
                    println!(
                        "  shipper/receiver difference {}: {} receipts, S−R = {:.3} kg ± {:.3} kg ({z:+.2} σ)",
                        s.period
                            .map_or("total".to_string(), |p| format!("period {p}")),
                        s.receipts,
                        s.difference_kg,
                        s.sigma_kg
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Cusum {
            file,
            k,
            h,
            quantity,
            raw,
            json,
        } => {
            let (_, mb) = load_bundle(&file)?;
            let q = pick_quantity(&mb, quantity.as_deref())?;
            let params = PageParameters::new(k, h)?;
            let muf = q.muf_sequence();
            let transform = sequential::independence_transform(&muf, &q.covariance)
                .context("independence transformation of the MUF sequence")?;
            let input = if raw { &muf } else { &transform.standardized };
            let result = sequential::page_cusum(input, params)?;
            if json {
                print_json(&serde_json::json!({
                    "quantity": q.quantity,
                    "tested": if raw { "muf" } else { "standardized-itmuf" },
                    "muf_kg": muf,
                    "itmuf": transform,
                    "cusum": result,
                }))?;
                return Ok(ExitCode::SUCCESS);
            }
            let unit = if raw { "kg" } else { "σ" };
            println!(
                "Page's test on {} of {} (k = {k} {unit}, h = {h} {unit})",
                if raw { "MUF" } else { "standardised ITMUF" },
                q.quantity.label()
            );
            println!(
                "{:>3} {:>10} {:>10} {:>8} {:>9} {:>5}",
                "per", "MUF kg", "ITMUF kg", "z", "S", "alarm"
            );
            for i in 0..muf.len() {
                println!(
                    "{:>3} {:>10.3} {:>10.3} {:>8.3} {:>9.3} {:>5}",
                    i + 1,
                    muf[i],
                    transform.itmuf_kg[i],
                    transform.standardized[i],
                    result.statistic[i],
                    if result.statistic[i] > h { "YES" } else { "" }
                );
            }
            match result.first_alarm {
                Some(p) => println!("first alarm: period {p}"),
                None => println!("no alarm"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Arl {
            k,
            h,
            shift,
            runs,
            seed,
            max_len,
            balance,
            quantity,
            diversion_kg_per_period,
            json,
        } => {
            let params = PageParameters::new(k, h)?;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            if let Some(path) = balance {
                let (_, mb) = load_bundle(&path)?;
                let q = pick_quantity(&mb, quantity.as_deref())?;
                let n = q.periods.len();
                let diversion = vec![diversion_kg_per_period; n];
                let bar = indicatif::ProgressBar::new_spinner()
                    .with_message(format!("simulating {runs} sequences"));
                let muf = sequential::simulate_horizon(
                    &q.covariance,
                    &diversion,
                    params,
                    TestedSequence::StandardizedItmuf,
                    runs,
                    &mut rng,
                )?;
                bar.finish_and_clear();
                if json {
                    print_json(
                        &serde_json::json!({"quantity": q.quantity, "periods": n, "diversion_kg_per_period": diversion_kg_per_period, "seed": seed, "result": muf}),
                    )?;
                } else {
                    println!(
                        "Page's test (k = {k}, h = {h}) on standardised ITMUF of {} over {n} periods, diversion {diversion_kg_per_period} kg/period, {runs} runs, seed {seed}",
                        q.quantity.label()
                    );
                    println!(
                        "alarm probability within the horizon: {:.4} ± {:.4}",
                        muf.alarm_probability, muf.alarm_probability_se
                    );
                    if let Some(m) = muf.mean_run_length_given_alarm {
                        println!("mean first-alarm period given an alarm: {m:.2}");
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let bar = indicatif::ProgressBar::new_spinner()
                .with_message(format!("simulating {runs} runs"));
            let sim = sequential::simulate_arl(params, shift, runs, max_len, &mut rng)?;
            bar.finish_and_clear();
            let exact = sequential::arl_integral_equation(params, shift, 64)?;
            if json {
                print_json(
                    &serde_json::json!({"simulation": sim, "integral_equation": exact, "seed": seed}),
                )?;
            } else {
                println!(
                    "Page's test k = {k}, h = {h}, shift δ = {shift} σ (i.i.d. normal observations)"
                );
                println!(
                    "simulated ARL:        {:.3} ± {:.3} ({runs} runs, seed {seed}, {} censored at {max_len})",
                    sim.mean, sim.standard_error, sim.censored
                );
                println!("integral-equation ARL: {exact:.3}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Convert {
            form,
            mass_kg,
            enrichment_pct,
            uranium_fraction,
            json,
        } => {
            let f = jcpoa::ChemicalForm::parse_with_fraction(&form, uranium_fraction)?;
            let c = jcpoa::convert(f, mass_kg, enrichment_pct)?;
            if json {
                print_json(&c)?;
            } else {
                println!("{mass_kg} kg {} at {enrichment_pct} % U-235", c.form);
                println!("  uranium mass fraction {:.6}", c.uranium_mass_fraction);
                println!("  uranium               {:.3} kg", c.uranium_kg);
                println!("  U-235                 {:.3} kg", c.u235_kg);
                println!("  UF6 equivalent        {:.3} kg", c.uf6_equivalent_kg);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stockpile { file, json } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let decl = jcpoa::parse_stockpile(&bytes)
                .with_context(|| format!("parsing stockpile declaration {}", file.display()))?;
            let s = jcpoa::evaluate_stockpile(&decl, &jcpoa::DEFAULT_LEVELS_PCT)?;
            if json {
                print_json(
                    &serde_json::json!({"summary": s, "data_exchange_payload": s.data_exchange_payload()}),
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} enriched-uranium stockpile as of {}",
                s.party,
                verity_safeguards::model::format_date(s.as_of)
            );
            println!(
                "  enriched_uranium_stockpile_kg_u   {:.3}",
                s.quantities.enriched_uranium_stockpile_kg_u
            );
            println!(
                "  enriched_uranium_stockpile_kg_uf6 {:.3}",
                s.quantities.enriched_uranium_stockpile_kg_uf6
            );
            println!(
                "  max_enrichment_pct                {}",
                s.quantities.max_enrichment_pct
            );
            println!("  by enrichment level:");
            for b in &s.by_enrichment {
                println!(
                    "    {:<18} {:>4} items {:>12.3} kg U {:>12.3} kg UF6 eq.",
                    b.label, b.items, b.uranium_kg, b.uf6_equivalent_kg
                );
            }
            println!(
                "  exempt: {:.3} kg U; natural/depleted: {:.3} kg U",
                s.exempt_kg_u, s.non_enriched_kg_u
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Weapons { file, json } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let values: Vec<serde_json::Value> =
                serde_json::from_slice(&bytes).with_context(|| {
                    format!("{}: expected a JSON array of declarations", file.display())
                })?;
            let mut decls = Vec::with_capacity(values.len());
            for (i, v) in values.iter().enumerate() {
                let d = weapons::parse_weapons_declaration(v.to_string().as_bytes())
                    .with_context(|| format!("{}: declaration [{i}]", file.display()))?;
                decls.push(d);
            }
            let rows = weapons::outside_territory_series(&decls)?;
            if json {
                print_json(&rows)?;
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<10} {:>10} {:>34} {:<}",
                "possessor", "as_of", "weapons_deployed_outside_territory", "host states"
            );
            for r in rows {
                println!(
                    "{:<10} {:>10} {:>34} {}",
                    r.possessor,
                    verity_safeguards::model::format_date(r.date),
                    format!(
                        "{}{}",
                        if r.lower_bound { "≥ " } else { "" },
                        r.weapons_deployed_outside_territory
                    ),
                    r.host_states.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot {
            file,
            out,
            chart,
            quantity,
            alpha,
            k,
            h,
        } => {
            let (_, mb) = load_bundle(&file)?;
            let q = pick_quantity(&mb, quantity.as_deref())?;
            let muf = q.muf_sequence();
            let svg = match chart.as_str() {
                "muf" => {
                    let sigma: Vec<f64> = q.periods.iter().map(|p| p.sigma_muf_kg).collect();
                    let z = normal::upper_critical(alpha)?;
                    plot::muf_chart(
                        &format!("MBA {}: {} MUF (α = {alpha})", mb.mba, q.quantity.label()),
                        &muf,
                        &sigma,
                        z,
                    )?
                }
                "cusum" => {
                    let t = sequential::independence_transform(&muf, &q.covariance)?;
                    let r = sequential::page_cusum(&t.standardized, PageParameters::new(k, h)?)?;
                    plot::cusum_chart(
                        &format!(
                            "MBA {}: Page's test on standardised ITMUF of {} (k = {k})",
                            mb.mba,
                            q.quantity.label()
                        ),
                        &r.statistic,
                        h,
                        "σ",
                    )?
                }
                other => anyhow::bail!("unknown chart {other:?}: expected muf or cusum"),
            };
            std::fs::write(&out, svg).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
