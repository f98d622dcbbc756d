//! `verity space ...`: orbit propagation, catalogue screening, collision probability,
//! manoeuvre detection, proximity operations, declared-vs-observed reconciliation and plots.
//! Thin shell over `verity_space` (which does no I/O): read files, call, print or write.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use verity_space::frames::{EarthOrientation, subpoint};
use verity_space::omm::parse_elements;
use verity_space::propagate::{Propagator, ephemerides, time_grid};
use verity_space::reconcile::{ObservedLaunch, ReconcileOptions, reconcile};
use verity_space::registry::{PreLaunchNotification, SpaceDeclaration, SpaceObjectRegistration};
use verity_space::screen::{ScreeningOptions, screen};
use verity_space::{ElementSet, Epoch};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Propagate element sets (TLE/3LE, OMM KVN/XML/JSON) with SGP4: TEME position (km) and
    /// velocity (km/s) per object and time.
    Propagate {
        /// Element file (format detected from content).
        elements: PathBuf,
        /// Start time, ISO 8601 UTC.
        #[arg(long)]
        start: String,
        /// End time, ISO 8601 UTC (inclusive).
        #[arg(long)]
        end: String,
        /// Step in minutes.
        #[arg(long = "step-min")]
        step_min: f64,
        #[arg(long)]
        json: bool,
    },
    /// Screen every pair of a catalogue for close approaches.
    Screen {
        /// Catalogue file (TLE/3LE or OMM).
        catalog: PathBuf,
        /// Screening span in days.
        #[arg(long)]
        days: f64,
        /// Report approaches closer than this (km).
        #[arg(long = "threshold-km")]
        threshold_km: f64,
        /// Start of the span (ISO 8601); default: the latest element-set epoch in the catalogue.
        #[arg(long)]
        start: Option<String>,
        /// Grid time step in seconds.
        #[arg(long = "step-s", default_value_t = 40.0)]
        step_s: f64,
        #[arg(long)]
        json: bool,
    },
    /// Detect manoeuvres from successive element sets of the same objects.
    Manoeuvres {
        /// Element file with several sets per object.
        elements: PathBuf,
        /// Implied Δv above which a change is called a manoeuvre (m/s).
        #[arg(long = "threshold-m-s", default_value_t = 0.2)]
        threshold_m_s: f64,
        #[arg(long)]
        json: bool,
    },
    /// Pairs that stay within a distance for at least a duration (rendezvous/proximity).
    Proximity {
        catalog: PathBuf,
        #[arg(long)]
        days: f64,
        #[arg(long = "distance-km")]
        distance_km: f64,
        #[arg(long = "min-duration-min", default_value_t = 60.0)]
        min_duration_min: f64,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Foster-1992 2-D collision probability of a CCSDS CDM (KVN), next to the provider's value.
    Pc {
        cdm: PathBuf,
        /// Combined hard-body radius (m); default: the CDM's `COMMENT HBR` line.
        #[arg(long = "hbr-m")]
        hbr_m: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Validate a registry payload (space-object-registration, pre-launch-notification, pledge).
    Validate {
        declaration: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Reconcile declarations with an observed catalogue and launch list.
    Reconcile {
        /// JSON with "registrations", "notifications" and "launches".
        #[arg(long)]
        declarations: PathBuf,
        /// Observed catalogue (TLE/3LE or OMM).
        #[arg(long)]
        observed: PathBuf,
        /// Reconciliation date (ISO 8601).
        #[arg(long = "as-of")]
        as_of: String,
        #[arg(long)]
        json: bool,
    },
    /// SVG plots.
    #[command(subcommand)]
    Plot(PlotCommand),
}

#[derive(clap::Subcommand)]
pub enum PlotCommand {
    /// Ground tracks (WGS-84 sub-satellite points) of every object in a file.
    GroundTrack {
        elements: PathBuf,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        #[arg(long = "step-min", default_value_t = 1.0)]
        step_min: f64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Range between two objects over time.
    Range {
        catalog: PathBuf,
        #[arg(long)]
        primary: u32,
        #[arg(long)]
        secondary: u32,
        #[arg(long)]
        start: String,
        #[arg(long)]
        hours: f64,
        #[arg(long = "step-s", default_value_t = 10.0)]
        step_s: f64,
        #[arg(long = "threshold-km")]
        threshold_km: Option<f64>,
        #[arg(long)]
        out: PathBuf,
    },
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn load_elements(path: &Path) -> anyhow::Result<Vec<ElementSet>> {
    let text = read(path)?;
    let sets = parse_elements(&text)
        .with_context(|| format!("parsing element sets in {}", path.display()))?;
    if sets.is_empty() {
        bail!("{} holds no element sets", path.display());
    }
    Ok(sets)
}

fn epoch(text: &str, what: &str) -> anyhow::Result<Epoch> {
    Epoch::parse_iso8601(text).with_context(|| format!("parsing {what}"))
}

fn latest_epoch(sets: &[ElementSet]) -> Epoch {
    sets.iter()
        .map(|e| e.epoch)
        .fold(sets[0].epoch, |a, b| if b > a { b } else { a })
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Propagate {
            elements,
            start,
            end,
            step_min,
            json,
        } => {
            let sets = load_elements(&elements)?;
            let times = time_grid(&epoch(&start, "--start")?, &epoch(&end, "--end")?, step_min)
                .context("building the time grid")?;
            let eph = ephemerides(&sets, &times);
            let mut objects = Vec::new();
            for (set, e) in sets.iter().zip(eph) {
                let e = e.with_context(|| format!("initialising SGP4 for {}", set.label()))?;
                objects.push(e);
            }
            if json {
                let out: Vec<_> = objects.iter().map(|o| o.to_json()).collect();
                print_json(&json!({ "objects": out }))?;
            } else {
                for o in &objects {
                    println!("# {} {}", o.catalog_number, o.name.as_deref().unwrap_or(""));
                    println!(
                        "{:<28} {:>14} {:>14} {:>14} {:>11} {:>11} {:>11}",
                        "time (UTC)", "x km", "y km", "z km", "vx km/s", "vy km/s", "vz km/s"
                    );
                    for s in &o.samples {
                        match &s.state {
                            Some(st) => println!(
                                "{:<28} {:>14.6} {:>14.6} {:>14.6} {:>11.6} {:>11.6} {:>11.6}",
                                s.epoch.to_iso8601(),
                                st.position_km[0],
                                st.position_km[1],
                                st.position_km[2],
                                st.velocity_km_s[0],
                                st.velocity_km_s[1],
                                st.velocity_km_s[2]
                            ),
                            None => println!(
                                "{:<28} {}",
                                s.epoch.to_iso8601(),
                                s.error.as_deref().unwrap_or("")
                            ),
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Screen {
            catalog,
            days,
            threshold_km,
            start,
            step_s,
            json,
        } => {
            let sets = load_elements(&catalog)?;
            let start = match start {
                Some(s) => epoch(&s, "--start")?,
                None => latest_epoch(&sets),
            };
            let opts = ScreeningOptions {
                threshold_km,
                step_s,
                ..Default::default()
            };
            let bar = indicatif::ProgressBar::new(1);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "screening {bar:40} {pos}/{len} steps ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let report = screen(&sets, &start, days * 86_400.0, &opts, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .with_context(|| format!("screening {}", catalog.display()))?;
            bar.finish_and_clear();
            if json {
                let conj: Vec<_> = report
                    .conjunctions
                    .iter()
                    .map(|c| {
                        json!({
                            "primary": c.primary, "secondary": c.secondary,
                            "primary_name": c.primary_name, "secondary_name": c.secondary_name,
                            "tca": c.tca.to_iso8601(),
                            "miss_distance_km": c.miss_distance_km,
                            "relative_speed_km_s": c.relative_speed_km_s,
                            "miss_ric_km": {"radial": c.miss_ric_km[0], "in_track": c.miss_ric_km[1], "cross_track": c.miss_ric_km[2]},
                        })
                    })
                    .collect();
                print_json(&json!({
                    "start": report.start.to_iso8601(),
                    "days": days,
                    "threshold_km": threshold_km,
                    "objects": report.objects,
                    "excluded": report.excluded.iter().map(|(n, r)| json!({"catalog_number": n, "reason": r})).collect::<Vec<_>>(),
                    "work": {"grid_pair_checks": report.grid_pair_checks, "brute_force_pair_steps": report.brute_force_pair_steps, "apogee_perigee_rejections": report.apogee_perigee_rejections, "refined": report.refined},
                    "conjunctions": conj,
                }))?;
            } else {
                println!(
                    "{} objects, {} days from {}, threshold {} km: {} close approaches",
                    report.objects,
                    days,
                    report.start,
                    threshold_km,
                    report.conjunctions.len()
                );
                for (n, r) in &report.excluded {
                    println!("  excluded {n}: {r}");
                }
                println!(
                    "{:>9} {:>9} {:<28} {:>10} {:>10} {:>9} {:>9} {:>9}",
                    "primary",
                    "secondary",
                    "TCA (UTC)",
                    "miss km",
                    "v_rel km/s",
                    "R km",
                    "I km",
                    "C km"
                );
                for c in &report.conjunctions {
                    println!(
                        "{:>9} {:>9} {:<28} {:>10.3} {:>10.3} {:>9.3} {:>9.3} {:>9.3}",
                        c.primary,
                        c.secondary,
                        c.tca.to_iso8601(),
                        c.miss_distance_km,
                        c.relative_speed_km_s,
                        c.miss_ric_km[0],
                        c.miss_ric_km[1],
                        c.miss_ric_km[2]
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Manoeuvres {
            elements,
            threshold_m_s,
            json,
        } => {
            let sets = load_elements(&elements)?;
            let checks = verity_space::manoeuvre::detect_manoeuvres_catalog(&sets, threshold_m_s)
                .context("comparing successive element sets")?;
            if json {
                print_json(&serde_json::to_value(&checks)?)?;
            } else {
                println!(
                    "{:>9} {:<28} {:<28} {:>9} {:>9} {:>9} {:>10} {:>6}",
                    "object", "from", "to", "Δa km", "Δi deg", "ΔΩ deg", "Δv m/s", "flag"
                );
                for c in &checks {
                    println!(
                        "{:>9} {:<28} {:<28} {:>9.3} {:>9.4} {:>9.4} {:>10.3} {:>6}",
                        c.catalog_number,
                        c.from_epoch.to_iso8601(),
                        c.to_epoch.to_iso8601(),
                        c.delta_a_km,
                        c.delta_inclination_deg,
                        c.delta_raan_deg,
                        c.delta_v_m_s,
                        if c.manoeuvre { "BURN" } else { "" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Proximity {
            catalog,
            days,
            distance_km,
            min_duration_min,
            start,
            json,
        } => {
            let sets = load_elements(&catalog)?;
            let start = match start {
                Some(s) => epoch(&s, "--start")?,
                None => latest_epoch(&sets),
            };
            let found = verity_space::manoeuvre::proximity_operations(
                &sets,
                &start,
                days * 86_400.0,
                distance_km,
                min_duration_min * 60.0,
                30.0,
            )
            .context("searching for proximity operations")?;
            if json {
                print_json(&serde_json::to_value(&found)?)?;
            } else {
                println!(
                    "{} pairs within {distance_km} km for ≥ {min_duration_min} min",
                    found.len()
                );
                for p in &found {
                    println!(
                        "  {}–{}: {} → {} ({:.1} h), closest {:.3} km",
                        p.primary,
                        p.secondary,
                        p.start,
                        p.end,
                        p.duration_s / 3600.0,
                        p.min_range_km
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pc { cdm, hbr_m, json } => {
            let text = read(&cdm)?;
            let msg = verity_space::cdm::parse_cdm_kvn(&text)
                .with_context(|| format!("parsing CDM {}", cdm.display()))?;
            let pc = verity_space::pc::pc_from_cdm(&msg, hbr_m)
                .with_context(|| format!("computing Pc for {}", cdm.display()))?;
            if json {
                print_json(&json!({
                    "message_id": msg.message_id,
                    "tca": msg.tca.to_iso8601(),
                    "objects": [msg.objects[0].designator, msg.objects[1].designator],
                    "pc": pc.pc,
                    "method": "FOSTER-1992 (2-D)",
                    "provider_pc": msg.collision_probability,
                    "provider_method": msg.collision_probability_method,
                    "hard_body_radius_m": pc.hard_body_radius_m,
                    "miss_distance_m": pc.miss_distance_m,
                    "relative_speed_m_s": pc.relative_speed_m_s,
                    "encounter_plane_covariance_m2": pc.plane_covariance_m2,
                }))?;
            } else {
                println!(
                    "{} ({} vs {}), TCA {}",
                    msg.message_id, msg.objects[0].designator, msg.objects[1].designator, msg.tca
                );
                println!(
                    "  miss {:.1} m, relative speed {:.1} m/s, HBR {} m",
                    pc.miss_distance_m, pc.relative_speed_m_s, pc.hard_body_radius_m
                );
                println!("  Pc (Foster 2-D) = {:.6e}", pc.pc);
                if let Some(p) = msg.collision_probability {
                    println!(
                        "  provider Pc     = {:.4e} ({})",
                        p,
                        msg.collision_probability_method
                            .as_deref()
                            .unwrap_or("method not stated")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { declaration, json } => {
            let text = read(&declaration)?;
            match SpaceDeclaration::from_json(&text) {
                Ok(d) => {
                    if json {
                        print_json(
                            &json!({"valid": true, "treaty": verity_space::registry::TREATY, "kind": d.kind()}),
                        )?;
                    } else {
                        println!(
                            "valid {} payload (treaty {})",
                            d.kind(),
                            verity_space::registry::TREATY
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if json {
                        print_json(&json!({"valid": false, "error": e.to_string()}))?;
                    } else {
                        println!("invalid: {e}");
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Reconcile {
            declarations,
            observed,
            as_of,
            json,
        } => {
            #[derive(serde::Deserialize)]
            struct Input {
                #[serde(default)]
                registrations: Vec<SpaceObjectRegistration>,
                #[serde(default)]
                notifications: Vec<PreLaunchNotification>,
                #[serde(default)]
                launches: Vec<ObservedLaunch>,
            }
            let input: Input = serde_json::from_str(&read(&declarations)?)
                .with_context(|| format!("parsing {}", declarations.display()))?;
            let sets = load_elements(&observed)?;
            let findings = reconcile(
                &input.registrations,
                &input.notifications,
                &sets,
                &input.launches,
                &epoch(&as_of, "--as-of")?,
                &ReconcileOptions::default(),
            )
            .context("reconciling declarations with observations")?;
            if json {
                print_json(&json!({"as_of": as_of, "findings": findings}))?;
            } else {
                println!("{} findings as of {as_of}", findings.len());
                for f in &findings {
                    println!("  {}", serde_json::to_string(f)?);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot(PlotCommand::GroundTrack {
            elements,
            start,
            end,
            step_min,
            out,
        }) => {
            let sets = load_elements(&elements)?;
            let times = time_grid(&epoch(&start, "--start")?, &epoch(&end, "--end")?, step_min)?;
            let mut tracks = Vec::new();
            for s in &sets {
                let p = Propagator::new(s)
                    .with_context(|| format!("initialising SGP4 for {}", s.label()))?;
                let pts = times
                    .iter()
                    .filter_map(|t| {
                        p.propagate_at(t)
                            .ok()
                            .map(|st| subpoint(&st, t, &EarthOrientation::default()))
                    })
                    .collect();
                tracks.push((s.label(), pts));
            }
            let svg = verity_space::plot::ground_track_svg(&tracks)?;
            std::fs::write(&out, svg).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot(PlotCommand::Range {
            catalog,
            primary,
            secondary,
            start,
            hours,
            step_s,
            threshold_km,
            out,
        }) => {
            let sets = load_elements(&catalog)?;
            let find = |n: u32| {
                sets.iter()
                    .find(|e| e.catalog_number == n)
                    .with_context(|| format!("object {n} is not in {}", catalog.display()))
            };
            let (p1, p2) = (
                Propagator::new(find(primary)?)?,
                Propagator::new(find(secondary)?)?,
            );
            let t0 = epoch(&start, "--start")?;
            let n = (hours * 3600.0 / step_s).floor() as usize + 1;
            let samples: Vec<(f64, f64)> = (0..n)
                .filter_map(|k| {
                    let t = t0.plus_seconds(k as f64 * step_s);
                    let (a, b) = (p1.propagate_at(&t).ok()?, p2.propagate_at(&t).ok()?);
                    let d = (0..3)
                        .map(|i| (a.position_km[i] - b.position_km[i]).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    Some((k as f64 * step_s / 3600.0, d))
                })
                .collect();
            let svg = verity_space::plot::range_svg(
                &format!("range {primary}–{secondary} from {t0}"),
                &samples,
                threshold_km,
            )?;
            std::fs::write(&out, svg).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
