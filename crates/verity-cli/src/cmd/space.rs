//! `verity space ...`: orbit propagation, catalogue screening, collision probability,
//! manoeuvre detection, proximity operations, declared-vs-observed reconciliation, plots,
//! declarations signed into the log (`declare`) and signed close-approach/manoeuvre bulletins
//! (`screen`/`manoeuvres --submit-to`). Thin shell over `verity_space` (which does no I/O):
//! read files, call, print or write; signing and submission go through the shared
//! `ledger::sign_and_submit` path.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use verity_space::bulletin::{BulletinInput, bulletin_parts, screening_json};
use verity_space::eop::EopTable;
use verity_space::frames::{EarthOrientation, earth_fixed_json, subpoint};
use verity_space::log_entry::{
    LogFinding, LoggedNotification, check_logged, check_notification_reference, read_logged,
    to_log_entry,
};
use verity_space::omm::parse_elements;
use verity_space::propagate::{Propagator, ephemerides, time_grid};
use verity_space::reconcile::{ObservedLaunch, ReconcileOptions, reconcile};
use verity_space::registry::{PreLaunchNotification, SpaceDeclaration, SpaceObjectRegistration};
use verity_space::screen::{ScreeningOptions, screen};
use verity_space::{ElementSet, Epoch};

use super::ledger::{SubmitArgs, sign_and_submit};

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
        /// Earth-fixed output: ITRF position/velocity and WGS-84 geodetic sub-point (without
        /// --eop: xp = yp = ΔUT1 = 0).
        #[arg(long)]
        itrf: bool,
        /// Earth orientation file (IERS finals2000A.all/finals.all or CelesTrak EOP-All.csv),
        /// interpolated to each time; implies --itrf.
        #[arg(long, value_name = "FILE")]
        eop: Option<PathBuf>,
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
        /// Grid time step in seconds (default: the library's, `ScreeningOptions::default`).
        #[arg(long = "step-s")]
        step_s: Option<f64>,
        #[arg(long)]
        json: bool,
        /// Sign the close-approach bulletin and append it to a log (treaty ppwt, kind bulletin).
        #[command(flatten)]
        submit: SubmitArgs,
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
        /// Sign the manoeuvre bulletin and append it to a log (treaty ppwt, kind bulletin).
        #[command(flatten)]
        submit: SubmitArgs,
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
    /// Sign a registry declaration (space-object-registration, pre-launch-notification,
    /// launch-report, pledge) into the log under treaty ppwt, in the shape the treaty engine
    /// reads. Validated first; without --submit-to, prints the entry that would be signed.
    Declare {
        declaration: PathBuf,
        #[command(flatten)]
        submit: SubmitArgs,
        #[arg(long)]
        json: bool,
    },
    /// Reconcile declarations with an observed catalogue and launch list.
    Reconcile {
        /// JSON with "registrations", "notifications" and "launches" (observed launches).
        #[arg(long, required_unless_present = "from_log")]
        declarations: Option<PathBuf>,
        /// Read the registrations and notifications from this log node's entries (every entry,
        /// signature and sequence number verified against the signed checkpoint first).
        #[arg(long = "from-log", value_name = "URL", requires = "log_key")]
        from_log: Option<String>,
        /// The log's verifier key (file or text), for --from-log.
        #[arg(long = "log-key", value_name = "VKEY")]
        log_key: Option<String>,
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
        /// Earth orientation file (IERS finals or CelesTrak EOP CSV); default xp = yp = ΔUT1 = 0.
        #[arg(long, value_name = "FILE")]
        eop: Option<PathBuf>,
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
    /// Geometry of one close approach: the secondary's path relative to the primary in the
    /// primary's radial / in-track / cross-track frame around the time of closest approach
    /// (e.g. a `tca` from `verity space screen --json`).
    Encounter {
        catalog: PathBuf,
        #[arg(long)]
        primary: u32,
        #[arg(long)]
        secondary: u32,
        /// Time of closest approach, ISO 8601 UTC.
        #[arg(long)]
        tca: String,
        /// Half-width of the window around TCA, seconds.
        #[arg(long = "window-s", default_value_t = 60.0)]
        window_s: f64,
        #[arg(long = "step-s", default_value_t = 0.5)]
        step_s: f64,
        #[arg(long = "threshold-km")]
        threshold_km: Option<f64>,
        #[arg(long)]
        out: PathBuf,
    },
}

/// Writes a plot and says where.
fn write_svg(out: &Path, svg: &str) -> anyhow::Result<ExitCode> {
    std::fs::write(out, svg).with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// SGP4 propagators for two objects of a catalogue file, by catalogue number.
fn propagator_pair(
    catalog: &Path,
    primary: u32,
    secondary: u32,
) -> anyhow::Result<(Propagator, Propagator)> {
    let sets = load_elements(catalog)?;
    let find = |n: u32| {
        sets.iter()
            .find(|e| e.catalog_number == n)
            .with_context(|| format!("object {n} is not in {}", catalog.display()))
    };
    Ok((
        Propagator::new(find(primary)?)?,
        Propagator::new(find(secondary)?)?,
    ))
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

fn load_eop(path: &Path) -> anyhow::Result<EopTable> {
    EopTable::parse(&read(path)?)
        .with_context(|| format!("parsing Earth orientation file {}", path.display()))
}

/// Signs `payload` as treaty/kind and reports where it went; `Ok(None)` without --submit-to.
fn submit(
    target: &SubmitArgs,
    treaty: &str,
    kind: &str,
    payload: serde_json::Value,
    what: &str,
) -> anyhow::Result<Option<super::ledger::Submitted>> {
    let s = sign_and_submit(target, treaty, kind, payload)
        .with_context(|| format!("signing and submitting the {what}"))?;
    if let Some(s) = &s {
        eprintln!("{what}: {}", s.describe());
    }
    Ok(s)
}

/// Signs the bulletin in as many parts as one log entry each holds (a week of a large
/// catalogue has thousands of conjunctions); `[]` without --submit-to.
fn submit_bulletin(
    target: &SubmitArgs,
    input: &BulletinInput<'_>,
    what: &str,
) -> anyhow::Result<Vec<super::ledger::Submitted>> {
    if target.submit_to.is_none() {
        return Ok(Vec::new());
    }
    // Room for the envelope around the payload (party, treaty, kind, time, key, signature).
    let max = verity_core::MAX_ENTRY_BYTES - 4096;
    let parts = bulletin_parts(input, max).with_context(|| format!("splitting the {what}"))?;
    let n = parts.len();
    let mut out = Vec::new();
    for (k, part) in parts.into_iter().enumerate() {
        let label = if n == 1 {
            what.to_string()
        } else {
            format!("{what} part {}/{n}", k + 1)
        };
        if let Some(s) = submit(
            target,
            verity_space::registry::TREATY,
            verity_core::kinds::BULLETIN,
            part,
            &label,
        )? {
            out.push(s);
        }
    }
    Ok(out)
}

fn source_name(catalog: &Path) -> String {
    catalog
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| catalog.display().to_string())
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
            itrf,
            eop,
            json,
        } => {
            let table = eop.as_deref().map(load_eop).transpose()?;
            let sets = load_elements(&elements)?;
            let times = time_grid(&epoch(&start, "--start")?, &epoch(&end, "--end")?, step_min)
                .context("building the time grid")?;
            let eph = ephemerides(&sets, &times);
            let mut objects = Vec::new();
            for (set, e) in sets.iter().zip(eph) {
                let e = e.with_context(|| format!("initialising SGP4 for {}", set.label()))?;
                objects.push(e);
            }
            if itrf || table.is_some() {
                let lookup = |t: &Epoch| -> Result<EarthOrientation, String> {
                    match &table {
                        Some(tb) => tb.at(t).map_err(|e| e.to_string()),
                        None => Ok(EarthOrientation::default()),
                    }
                };
                let mut out = Vec::new();
                for o in &objects {
                    out.push(earth_fixed_json(o, &lookup).map_err(|e| {
                        anyhow::anyhow!(
                            "Earth orientation for {}: {e}",
                            eop.as_deref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default()
                        )
                    })?);
                }
                let eop_note = match &eop {
                    Some(p) => p.display().to_string(),
                    None => "none (xp = yp = ΔUT1 = 0)".to_string(),
                };
                if json {
                    print_json(&json!({ "eop": eop_note, "objects": out }))?;
                } else {
                    println!("# Earth-fixed (ITRF) states; EOP: {eop_note}");
                    for o in &out {
                        println!(
                            "# {} {}",
                            o["catalog_number"],
                            o["name"].as_str().unwrap_or("")
                        );
                        println!(
                            "{:<28} {:>14} {:>14} {:>14} {:>10} {:>11} {:>10}",
                            "time (UTC)", "x km", "y km", "z km", "lat deg", "lon deg", "h km"
                        );
                        for st in o["states"].as_array().into_iter().flatten() {
                            let p = &st["position_km"];
                            let g = &st["geodetic"];
                            if p.is_null() {
                                println!(
                                    "{:<28} {}",
                                    st["time"].as_str().unwrap_or(""),
                                    st["error"]
                                );
                                continue;
                            }
                            let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
                            println!(
                                "{:<28} {:>14.6} {:>14.6} {:>14.6} {:>10.5} {:>11.5} {:>10.3}",
                                st["time"].as_str().unwrap_or(""),
                                f(&p[0]),
                                f(&p[1]),
                                f(&p[2]),
                                f(&g["latitude_deg"]),
                                f(&g["longitude_deg"]),
                                f(&g["height_km"])
                            );
                        }
                    }
                }
            } else if json {
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
            submit: target,
        } => {
            let text = read(&catalog)?;
            let sets = parse_elements(&text)
                .with_context(|| format!("parsing element sets in {}", catalog.display()))?;
            if sets.is_empty() {
                bail!("{} holds no element sets", catalog.display());
            }
            let start = match start {
                Some(s) => epoch(&s, "--start")?,
                None => latest_epoch(&sets),
            };
            let defaults = ScreeningOptions::default();
            let opts = ScreeningOptions {
                threshold_km,
                step_s: step_s.unwrap_or(defaults.step_s),
                ..defaults
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
            let submitted = submit_bulletin(
                &target,
                &BulletinInput {
                    source: &source_name(&catalog),
                    catalogue_text: &text,
                    sets: &sets,
                    screening: Some(&report),
                    manoeuvres: None,
                },
                "close-approach bulletin",
            )?;
            if json {
                let mut v = screening_json(&report);
                if !submitted.is_empty() {
                    v["submitted"] = submitted.iter().map(|s| s.to_json()).collect();
                }
                print_json(&v)?;
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
            submit: target,
        } => {
            let text = read(&elements)?;
            let sets = parse_elements(&text)
                .with_context(|| format!("parsing element sets in {}", elements.display()))?;
            if sets.is_empty() {
                bail!("{} holds no element sets", elements.display());
            }
            let checks = verity_space::manoeuvre::detect_manoeuvres_catalog(&sets, threshold_m_s)
                .context("comparing successive element sets")?;
            let submitted = submit_bulletin(
                &target,
                &BulletinInput {
                    source: &source_name(&elements),
                    catalogue_text: &text,
                    sets: &sets,
                    screening: None,
                    manoeuvres: Some((&checks, threshold_m_s)),
                },
                "manoeuvre bulletin",
            )?;
            if json {
                if submitted.is_empty() {
                    // Without a submission: the plain array scripts already read.
                    print_json(&serde_json::to_value(&checks)?)?;
                } else {
                    let s: Vec<_> = submitted.iter().map(|s| s.to_json()).collect();
                    print_json(&json!({"checks": serde_json::to_value(&checks)?, "submitted": s}))?;
                }
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
        Command::Declare {
            declaration,
            submit: target,
            json,
        } => declare(&declaration, &target, json),
        Command::Reconcile {
            declarations,
            from_log,
            log_key,
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
            let mut input = match &declarations {
                Some(p) => serde_json::from_str(&read(p)?)
                    .with_context(|| format!("parsing {}", p.display()))?,
                None => Input {
                    registrations: Vec::new(),
                    notifications: Vec::new(),
                    launches: Vec::new(),
                },
            };
            let opts = ReconcileOptions::default();
            let mut log_findings: Vec<LogFinding> = Vec::new();
            let mut log_summary = serde_json::Value::Null;
            if let Some(url) = &from_log {
                let key = log_key.as_deref().context("--from-log needs --log-key")?;
                let (logged, unreadable, size) = read_space_log(url, key)?;
                for l in &logged {
                    match &l.declaration {
                        SpaceDeclaration::SpaceObjectRegistration(r) => {
                            input.registrations.push(r.clone())
                        }
                        SpaceDeclaration::PreLaunchNotification(n) => {
                            input.notifications.push(n.clone())
                        }
                        _ => {}
                    }
                }
                log_findings = unreadable;
                log_findings.extend(check_logged(&logged, opts.window_slack_s));
                log_summary = json!({"url": url, "tree_size": size, "space_declarations": logged.len(), "verified": true});
            }
            let sets = load_elements(&observed)?;
            let findings = reconcile(
                &input.registrations,
                &input.notifications,
                &sets,
                &input.launches,
                &epoch(&as_of, "--as-of")?,
                &opts,
            )
            .context("reconciling declarations with observations")?;
            if json {
                let mut v = json!({"as_of": as_of, "findings": findings});
                if from_log.is_some() {
                    v["log"] = log_summary;
                    v["log_findings"] = serde_json::to_value(&log_findings)?;
                }
                print_json(&v)?;
            } else {
                if let Some(url) = &from_log {
                    println!(
                        "log {url}: {} registrations, {} notifications read (every entry verified)",
                        input.registrations.len(),
                        input.notifications.len()
                    );
                }
                println!("{} findings as of {as_of}", findings.len());
                for f in &findings {
                    println!("  {}", serde_json::to_string(f)?);
                }
                if from_log.is_some() {
                    println!(
                        "{} findings on the log's own declarations",
                        log_findings.len()
                    );
                    for f in &log_findings {
                        println!("  {}", serde_json::to_string(f)?);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot(PlotCommand::GroundTrack {
            elements,
            start,
            end,
            step_min,
            eop,
            out,
        }) => {
            let sets = load_elements(&elements)?;
            let times = time_grid(&epoch(&start, "--start")?, &epoch(&end, "--end")?, step_min)?;
            let table = eop.as_deref().map(load_eop).transpose()?;
            let orientation: Vec<EarthOrientation> = match &table {
                Some(tb) => times
                    .iter()
                    .map(|t| tb.at(t))
                    .collect::<Result<_, _>>()
                    .with_context(|| {
                        format!(
                            "Earth orientation from {}",
                            eop.as_deref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default()
                        )
                    })?,
                None => vec![EarthOrientation::default(); times.len()],
            };
            let mut tracks = Vec::new();
            for s in &sets {
                let p = Propagator::new(s)
                    .with_context(|| format!("initialising SGP4 for {}", s.label()))?;
                let pts = times
                    .iter()
                    .zip(&orientation)
                    .filter_map(|(t, o)| p.propagate_at(t).ok().map(|st| subpoint(&st, t, o)))
                    .collect();
                tracks.push((s.label(), pts));
            }
            let svg = verity_space::plot::ground_track_svg(&tracks)?;
            write_svg(&out, &svg)
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
            let (p1, p2) = propagator_pair(&catalog, primary, secondary)?;
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
            write_svg(&out, &svg)
        }
        Command::Plot(PlotCommand::Encounter {
            catalog,
            primary,
            secondary,
            tca,
            window_s,
            step_s,
            threshold_km,
            out,
        }) => {
            if !(window_s > 0.0 && step_s > 0.0 && window_s / step_s <= 100_000.0) {
                bail!(
                    "--window-s and --step-s must be positive, with at most 100,000 steps per side"
                );
            }
            let (p1, p2) = propagator_pair(&catalog, primary, secondary)?;
            let t0 = epoch(&tca, "--tca")?;
            let n = (window_s / step_s).floor() as i64;
            let mut samples = Vec::with_capacity(2 * n as usize + 1);
            for k in -n..=n {
                let dt = k as f64 * step_s;
                let t = t0.plus_seconds(dt);
                let a = p1
                    .propagate_at(&t)
                    .with_context(|| format!("propagating {primary} at {t}"))?;
                let b = p2
                    .propagate_at(&t)
                    .with_context(|| format!("propagating {secondary} at {t}"))?;
                samples.push((dt, verity_space::screen::ric_components(&a, &b)));
            }
            let svg = verity_space::plot::encounter_svg(
                &format!("{secondary} relative to {primary} around {t0} (±{window_s} s)"),
                &samples,
                threshold_km,
            )?;
            write_svg(&out, &svg)
        }
    }
}

/// `verity space declare`: validate, map to the ppwt entry, check a launch report's
/// notification reference against the node, sign and submit.
fn declare(path: &Path, target: &SubmitArgs, json: bool) -> anyhow::Result<ExitCode> {
    let text = read(path)?;
    let d = SpaceDeclaration::from_json(&text)
        .with_context(|| format!("{} is not a valid declaration", path.display()))?;
    let entry = to_log_entry(&d).with_context(|| format!("{} cannot be logged", path.display()))?;
    if let (SpaceDeclaration::LaunchReport(r), Some(url)) = (&d, &target.submit_to) {
        // A launch report declares a launch that has happened, after a notification this
        // party made earlier: check both before signing, on the notification entry as proven
        // included in the signed log, so `notified = yes` is not a claim the log contradicts
        // (reconcile --from-log re-checks it for every reader).
        let now = Epoch::parse_iso8601(
            &verity_core::envelope::format_time(verity_server::time::OffsetDateTime::now_utc())
                .context("formatting the current time")?,
        )?;
        if r.time()?.seconds_since(&now) > 0.0 {
            bail!(
                "launch-report field launch_time: {} is in the future; report a launch after it happened",
                r.launch_time
            );
        }
        if let Some(idx) = r.notification_index()? {
            let party = match &target.party {
                Some(p) => p.clone(),
                None => {
                    let key = target.key.as_deref().context("--submit-to needs --key")?;
                    verity_server::keys::read_signer_key(key)?.name().to_owned()
                }
            };
            let env = verified_entry(url, target, idx)
                .with_context(|| format!("fetching the referenced notification log:{idx}"))?;
            let n = verity_space::log_entry::from_log_entry(&env.treaty, &env.kind, &env.payload)
                .with_context(|| format!("log:{idx} is not a readable space declaration"))?;
            let SpaceDeclaration::PreLaunchNotification(n) = n else {
                bail!(
                    "launch-report field pre_launch_notification: log:{idx} is a {}, not a pre-launch notification",
                    n.kind()
                );
            };
            check_notification_reference(
                r,
                &party,
                &LoggedNotification {
                    index: idx,
                    party: &env.party,
                    time: &env.time,
                    notification: &n,
                },
                ReconcileOptions::default().window_slack_s,
            )?;
        }
    }
    let submitted = submit(
        target,
        entry.treaty,
        entry.kind,
        entry.payload.clone(),
        d.kind(),
    )?;
    if json {
        print_json(&json!({
            "treaty": entry.treaty, "kind": entry.kind, "payload": entry.payload,
            "submitted": submitted.as_ref().map(|s| s.to_json()),
        }))?;
    } else {
        match &submitted {
            Some(s) => println!("{}", s.index),
            None => {
                println!(
                    "valid {}: would be signed as treaty {} kind {} (give --submit-to URL --key FILE to sign it)",
                    d.kind(),
                    entry.treaty,
                    entry.kind
                );
                println!("{}", serde_json::to_string_pretty(&entry.payload)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Entry `index` of the log at `url`, verified: its bytes are proven included in the tree of
/// the checkpoint signed by the log key (given with --log-key, else pinned, else pinned now on
/// first use, as `verity submit` does).
fn verified_entry(
    url: &str,
    target: &SubmitArgs,
    index: u64,
) -> anyhow::Result<verity_core::Envelope> {
    use verity_server::client;
    let c = client::Client::new(url)?;
    let note = c.checkpoint_note()?;
    let origin = std::str::from_utf8(&note)
        .ok()
        .and_then(|t| t.lines().next())
        .context("the checkpoint has no origin line")?
        .to_owned();
    let trust = client::TrustStore::open(&match &target.state {
        Some(d) => d.clone(),
        None => client::TrustStore::default_dir()?,
    });
    let given = target
        .log_key
        .as_deref()
        .map(verity_server::keys::verifier_from_arg)
        .transpose()?;
    let mut warnings = Vec::new();
    let (key, _) = client::resolve_log_key(&c, &trust, &origin, given.as_ref(), &mut warnings)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let cp = client::open_log_checkpoint(&note, &key)?;
    let bytes = client::check_inclusion(&c, &cp, index)?;
    Ok(verity_core::SignedEnvelope::from_entry_bytes(&bytes)?.envelope)
}

/// Fetches and verifies the whole log (the same audit as `verity report`: every entry against
/// the tree, the root against the signed checkpoint, every signature and sequence number by
/// replaying the registry) and reads the ppwt space declarations out of it.
fn read_space_log(
    url: &str,
    log_key: &str,
) -> anyhow::Result<(
    Vec<verity_space::log_entry::LoggedDeclaration>,
    Vec<LogFinding>,
    u64,
)> {
    let verifier = verity_server::keys::verifier_from_arg(log_key)?;
    let (cp, bytes) = super::ledger::audited_log(url, &verifier)?;
    let entries = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            verity_core::SignedEnvelope::from_entry_bytes(b)
                .map(|e| (i as u64, e))
                .map_err(|e| anyhow::anyhow!("entry {i}: {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (logged, unreadable) = read_logged(entries.iter().map(|(i, e)| {
        let v = &e.envelope;
        (
            *i,
            v.party.as_str(),
            v.treaty.as_str(),
            v.kind.as_str(),
            v.time.as_str(),
            &v.payload,
        )
    }));
    Ok((logged, unreadable, cp.size))
}
