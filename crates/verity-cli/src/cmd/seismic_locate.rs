//! `verity seismic traveltime|locate|associate|magnitude|screen|xenon|bulletin|map`:
//! event-level CTBT commands over `verity-seismic` (flattened into `verity seismic` by seismic.rs).
//! This module reads files, reads the clock for bulletin creation times, and prints; all
//! computation is in the library.
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_seismic::amplitude::{MbAmplitudeConfig, WaveformMb, station_mb_from_trace};
use verity_seismic::bulletin::{Bulletin, BulletinEvent};
use verity_seismic::geodesy::distaz;
use verity_seismic::input::format_time_ns;
use verity_seismic::magnitude::{
    AttenuationTable, MagnitudeType, StationMagnitude, network_magnitude, station_mb, station_ms20,
};
use verity_seismic::screening::{ScreeningInput, screen};
use verity_seismic::{AssociatorConfig, EarthModel, Location, LocatorConfig, Phase, Station};
use verity_waveform::Trace;
use verity_waveform::mseed::DecodeOptions;

/// Which Q table was used, for the output.
fn q_source(path: Option<&Path>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "Veith & Clawson (1972), IDC tabulation (embedded)".into(),
    }
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Travel time (seconds) of the first-arriving P or S from the embedded TauP tables.
    Traveltime {
        #[arg(long, default_value = "iasp91")]
        model: String,
        #[arg(long, default_value = "P")]
        phase: String,
        /// Epicentral distance, degrees.
        #[arg(long)]
        distance: f64,
        /// Source depth, km.
        #[arg(long, default_value_t = 0.0)]
        depth: f64,
        #[arg(long)]
        json: bool,
    },
    /// Locate one event from picks (CSV: station,phase,time[,sigma_s]).
    Locate {
        picks: PathBuf,
        /// Stations: CSV code,lat,lon,elev_m or FDSN StationXML (.xml).
        #[arg(long)]
        stations: PathBuf,
        #[arg(long, default_value = "iasp91")]
        model: String,
        /// Fix the depth (km) instead of solving for it.
        #[arg(long)]
        fixed_depth: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Associate a network's picks (e.g. a day of detections) into located events.
    Associate {
        picks: PathBuf,
        #[arg(long)]
        stations: PathBuf,
        /// Minimum number of stations with P picks per event.
        #[arg(long, default_value_t = 5)]
        min_stations: usize,
        #[arg(long)]
        json: bool,
    },
    /// Station and network magnitudes: mb and Ms_20 from measured amplitudes (--amplitudes)
    /// and/or IDC-style mb measured on vertical waveforms (--waveforms, miniSEED or SAC).
    Magnitude {
        /// Amplitudes CSV: station,type(mb|Ms),amplitude_nm,period_s.
        #[arg(long, required_unless_present = "waveforms")]
        amplitudes: Option<PathBuf>,
        /// miniSEED or SAC files with the stations' vertical channels (counts); mb is measured
        /// 0.8–4.5 Hz in 5.5 s after the P onset. Needs sensitivities in --stations.
        #[arg(long, num_args = 1..)]
        waveforms: Vec<PathBuf>,
        /// P picks (station,phase,time) to start the windows at; default the predicted P time.
        #[arg(long)]
        picks: Option<PathBuf>,
        #[arg(long)]
        stations: PathBuf,
        /// Event JSON written by `locate --json`; or give --lat/--lon/--depth.
        #[arg(long)]
        event: Option<PathBuf>,
        #[arg(long, allow_hyphen_values = true)]
        lat: Option<f64>,
        #[arg(long, allow_hyphen_values = true)]
        lon: Option<f64>,
        #[arg(long, default_value_t = 0.0)]
        depth: f64,
        /// Origin time (RFC 3339) with --lat/--lon, needed for predicted P onsets.
        #[arg(long)]
        origin_time: Option<String>,
        /// Q(Δ,h) table for mb (CSV distance_deg,depth_km,q); default the embedded
        /// Veith & Clawson (1972) table as tabulated by the IDC.
        #[arg(long)]
        q_table: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// IDC-style screening (mb:Ms and depth) with explanations.
    Screen {
        #[arg(long)]
        mb: Option<f64>,
        #[arg(long, default_value_t = 0.1)]
        mb_sigma: f64,
        #[arg(long)]
        ms: Option<f64>,
        #[arg(long, default_value_t = 0.1)]
        ms_sigma: f64,
        #[arg(long)]
        depth: Option<f64>,
        /// One-sigma depth uncertainty (km); omit if the depth was fixed.
        #[arg(long)]
        depth_sigma: Option<f64>,
        /// One-sided confidence of each criterion.
        #[arg(long, default_value_t = 0.975)]
        confidence: f64,
        #[arg(long)]
        json: bool,
    },
    /// Radioxenon screening against the Kalinowski et al. (2010) line.
    Xenon {
        /// CSV isotope,activity_mbq_m3,uncertainty_mbq_m3,time.
        sample: PathBuf,
        /// Common reference time (RFC 3339); default the earliest measurement time.
        #[arg(long)]
        reference_time: Option<String>,
        /// Monte Carlo draws (0 = analytic only).
        #[arg(long, default_value_t = 10000)]
        draws: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Associate and locate picks, add magnitudes and screening, write QuakeML and print the
    /// bulletin JSON payload (document kind "bulletin", treaty "ctbt"); with --submit-to, sign
    /// it as the data centre's party and append it to the log.
    Bulletin {
        picks: PathBuf,
        #[arg(long)]
        stations: PathBuf,
        #[arg(long)]
        amplitudes: Option<PathBuf>,
        /// miniSEED or SAC vertical channels: mb measured on them for every located event.
        #[arg(long, num_args = 1..)]
        waveforms: Vec<PathBuf>,
        /// Q(Δ,h) table for mb; default the embedded Veith & Clawson (1972) table.
        #[arg(long)]
        q_table: Option<PathBuf>,
        #[arg(long, default_value = "NDC")]
        agency: String,
        #[arg(long, default_value_t = 5)]
        min_stations: usize,
        /// Write QuakeML 1.2 here.
        #[arg(long)]
        quakeml: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        submit: super::ledger::SubmitArgs,
    },
    /// SVG map of a location and its error ellipse.
    Map {
        /// Event JSON from `locate --json`; or give --picks to locate first.
        #[arg(long)]
        event: Option<PathBuf>,
        #[arg(long)]
        picks: Option<PathBuf>,
        #[arg(long)]
        stations: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Frame only the ellipse instead of the whole network.
        #[arg(long)]
        zoom: bool,
    },
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn load_stations(path: &Path) -> Result<Vec<Station>> {
    let text = read(path)?;
    let xml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
        || text.trim_start().starts_with('<');
    let r = if xml {
        verity_seismic::parse_stationxml(&text)
    } else {
        verity_seismic::parse_stations_csv(&text)
    };
    r.with_context(|| format!("parsing stations {}", path.display()))
}

fn load_picks(path: &Path) -> Result<Vec<verity_seismic::Pick>> {
    verity_seismic::parse_picks_csv(&read(path)?)
        .with_context(|| format!("parsing picks {}", path.display()))
}

fn print_location(loc: &Location) {
    let h = &loc.hypocentre;
    let e = &loc.ellipse;
    println!(
        "origin time  {}  ± {:.2} s",
        format_time_ns(h.origin_time_ns),
        loc.origin_time_uncertainty_s
    );
    println!("epicentre    {:.4}°, {:.4}°", h.latitude, h.longitude);
    match loc.depth_uncertainty_km {
        Some(u) => println!("depth        {:.1} ± {:.1} km", h.depth_km, u),
        None => println!("depth        {:.1} km (fixed)", h.depth_km),
    }
    println!(
        "{:.0}% ellipse  {:.1} × {:.1} km, major axis azimuth {:.0}°, area {:.0} km²",
        e.confidence * 100.0,
        e.semi_major_km,
        e.semi_minor_km,
        e.major_azimuth_deg,
        e.area_km2
    );
    println!(
        "phases {}  stations {}  gap {:.0}°  rms {:.2} s  ({})",
        loc.n_defining, loc.n_stations, loc.azimuthal_gap_deg, loc.rms_s, loc.model
    );
    println!(
        "{:<10} {:<5} {:<6} {:>8} {:>7} {:>9} {:>8}",
        "station", "phase", "branch", "dist°", "az°", "tt s", "res s"
    );
    for a in &loc.arrivals {
        println!(
            "{:<10} {:<5} {:<6} {:>8.3} {:>7.1} {:>9.2} {:>8.2}",
            a.station,
            a.phase,
            a.branch,
            a.distance_deg,
            a.azimuth_deg,
            a.travel_time_s,
            a.residual_s
        );
    }
}

struct Amplitude {
    station: String,
    kind: MagnitudeType,
    amplitude_nm: f64,
    period_s: f64,
}

fn load_amplitudes(path: &Path) -> Result<Vec<Amplitude>> {
    let mut out = Vec::new();
    for (i, raw) in read(path)?.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with("station") {
            continue;
        }
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        let ctx = || format!("{} line {}", path.display(), i + 1);
        if f.len() != 4 {
            bail!("{}: expected station,type,amplitude_nm,period_s", ctx());
        }
        let kind = match f[1] {
            "mb" => MagnitudeType::Mb,
            "Ms" | "Ms_20" | "MS" => MagnitudeType::Ms20,
            other => bail!("{}: unknown magnitude type {other:?} (mb or Ms)", ctx()),
        };
        let amplitude_nm: f64 = f[2]
            .parse()
            .with_context(|| format!("{}: amplitude_nm", ctx()))?;
        let period_s: f64 = f[3]
            .parse()
            .with_context(|| format!("{}: period_s", ctx()))?;
        out.push(Amplitude {
            station: f[0].to_string(),
            kind,
            amplitude_nm,
            period_s,
        });
    }
    Ok(out)
}

fn find_station<'a>(stations: &'a [Station], code: &str) -> Option<&'a Station> {
    stations
        .iter()
        .find(|s| s.code == code || format!("{}.{}", s.network, s.code) == code)
}

/// Station magnitudes for an event; stations out of range are reported and skipped.
fn magnitudes(
    lat: f64,
    lon: f64,
    depth: f64,
    amps: &[Amplitude],
    stations: &[Station],
    q: &AttenuationTable,
) -> Result<(Vec<StationMagnitude>, Vec<String>)> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for a in amps {
        let s = find_station(stations, &a.station)
            .with_context(|| format!("amplitude for unknown station {}", a.station))?;
        let d = distaz(lat, lon, s.latitude, s.longitude).distance_deg;
        let r = match a.kind {
            MagnitudeType::Mb => station_mb(a.amplitude_nm, a.period_s, d, depth, q),
            MagnitudeType::Ms20 => station_ms20(a.amplitude_nm, a.period_s, d, depth),
        };
        match r {
            Ok(value) => out.push(StationMagnitude {
                station: a.station.clone(),
                kind: a.kind,
                value,
                amplitude_nm: a.amplitude_nm,
                period_s: a.period_s,
                distance_deg: d,
            }),
            Err(e) => skipped.push(format!("{} {}: {e}", a.station, a.kind.as_str())),
        }
    }
    Ok((out, skipped))
}

/// The Q table: the user's CSV, or the embedded Veith & Clawson (1972) table.
fn load_q(path: Option<&Path>) -> Result<AttenuationTable> {
    match path {
        Some(p) => AttenuationTable::from_csv(&read(p)?)
            .with_context(|| format!("parsing Q table {}", p.display())),
        None => Ok(AttenuationTable::veith_clawson_1972().clone()),
    }
}

/// Vertical channels (channel code ending in Z) from miniSEED 2/3 or SAC files.
fn load_vertical_traces(paths: &[PathBuf]) -> Result<(Vec<Trace>, Vec<String>)> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let traces = if verity_waveform::mseed::detect(&bytes).is_some() {
            let a = verity_waveform::mseed::read_traces(&bytes, DecodeOptions::default())
                .with_context(|| format!("decoding miniSEED file {}", path.display()))?;
            for d in &a.discontinuities {
                notes.push(format!("{}: {d:?}", path.display()));
            }
            a.traces
        } else {
            let (t, _) = verity_waveform::sac::read_sac(&bytes)
                .with_context(|| format!("{}: neither miniSEED nor SAC", path.display()))?;
            vec![t]
        };
        let n = traces.len();
        let z: Vec<Trace> = traces
            .into_iter()
            .filter(|t| t.channel.to_ascii_uppercase().ends_with('Z'))
            .collect();
        if z.is_empty() {
            notes.push(format!(
                "{}: no vertical (…Z) channel among {n} traces",
                path.display()
            ));
        }
        out.extend(z);
    }
    Ok((out, notes))
}

/// IDC-style mb on each vertical trace for one event. Onsets: the P pick of the station if
/// given, else predicted (IASP91). Traces that cannot give an mb are reported, not fatal.
fn waveform_magnitudes(
    hypo: &verity_seismic::Hypocentre,
    p_picks: &[(String, i64)],
    traces: &[Trace],
    stations: &[Station],
    q: &AttenuationTable,
) -> (Vec<WaveformMb>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for t in traces {
        let Some(st) = stations
            .iter()
            .find(|s| s.code == t.station && (s.network.is_empty() || s.network == t.network))
        else {
            skipped.push(format!("{}: station not in --stations", t.id()));
            continue;
        };
        let full = format!("{}.{}", st.network, st.code);
        let pick = p_picks
            .iter()
            .filter(|(s, _)| *s == st.code || *s == full)
            .map(|p| p.1)
            .min();
        match station_mb_from_trace(
            t,
            st,
            hypo,
            pick,
            EarthModel::Iasp91,
            q,
            &MbAmplitudeConfig::default(),
        ) {
            Ok(m) => out.push(m),
            Err(e) => skipped.push(format!("{} mb: {e}", t.id())),
        }
    }
    (out, skipped)
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Traveltime {
            model,
            phase,
            distance,
            depth,
            json,
        } => {
            let model: EarthModel = model.parse()?;
            let phase: Phase = phase.parse()?;
            let tt = verity_seismic::travel_time(model, phase, distance, depth)
                .with_context(|| format!("{model} {phase} at {distance}° from {depth} km"))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"model": model, "phase": phase, "distance_deg": distance, "depth_km": depth,
                        "time_s": tt.time_s, "dtdd_s_per_deg": tt.dtdd_s_per_deg, "dtdh_s_per_km": tt.dtdh_s_per_km, "branch": tt.branch})
                );
            } else {
                println!("{:.3}", tt.time_s);
            }
        }
        Command::Locate {
            picks,
            stations,
            model,
            fixed_depth,
            json,
        } => {
            let st = load_stations(&stations)?;
            let pk = load_picks(&picks)?;
            let cfg = LocatorConfig {
                model: model.parse()?,
                fixed_depth_km: fixed_depth,
                ..LocatorConfig::default()
            };
            let loc = verity_seismic::locate(&st, &pk, &cfg)
                .with_context(|| format!("locating {}", picks.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&verity_seismic::location_json(&loc))?
                );
            } else {
                print_location(&loc);
            }
        }
        Command::Associate {
            picks,
            stations,
            min_stations,
            json,
        } => {
            let st = load_stations(&stations)?;
            let pk = load_picks(&picks)?;
            let mut cfg = AssociatorConfig::for_network(&st, 10.0);
            cfg.min_stations = min_stations;
            let bar = indicatif::ProgressBar::new_spinner().with_message(format!(
                "associating {} picks from {} stations",
                pk.len(),
                st.len()
            ));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let r = verity_seismic::associate(&st, &pk, &cfg)
                .with_context(|| format!("associating {}", picks.display()));
            bar.finish_and_clear();
            let r = r?;
            if json {
                let events: Vec<_> = r
                    .events
                    .iter()
                    .map(|e| verity_seismic::location_json(&e.location))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"events": events, "unassociated_picks": r.unassociated})
                    )?
                );
            } else {
                println!(
                    "{} events, {} unassociated picks",
                    r.events.len(),
                    r.unassociated.len()
                );
                for e in &r.events {
                    let h = e.location.hypocentre;
                    println!(
                        "{}  {:8.3} {:9.3} {:6.1} km  {:3} phases  ellipse {:.0} km²",
                        format_time_ns(h.origin_time_ns),
                        h.latitude,
                        h.longitude,
                        h.depth_km,
                        e.location.n_defining,
                        e.location.ellipse.area_km2
                    );
                }
            }
        }
        Command::Magnitude {
            amplitudes,
            waveforms,
            picks,
            stations,
            event,
            lat,
            lon,
            depth,
            origin_time,
            q_table,
            json,
        } => {
            let st = load_stations(&stations)?;
            let (lat, lon, depth, origin_time_ns) = match (event, lat, lon) {
                (Some(p), _, _) => {
                    let loc: Location = serde_json::from_str(&read(&p)?)
                        .with_context(|| format!("parsing event JSON {}", p.display()))?;
                    (
                        loc.hypocentre.latitude,
                        loc.hypocentre.longitude,
                        loc.hypocentre.depth_km,
                        loc.hypocentre.origin_time_ns,
                    )
                }
                (None, Some(la), Some(lo)) => {
                    let t = match &origin_time {
                        Some(t) => verity_seismic::input::parse_time_ns(t)
                            .map_err(anyhow::Error::msg)
                            .context("--origin-time")?,
                        None => i64::MIN,
                    };
                    (la, lo, depth, t)
                }
                _ => bail!("give --event EVENT.json or --lat and --lon"),
            };
            let q = load_q(q_table.as_deref())?;
            let amps = match &amplitudes {
                Some(p) => load_amplitudes(p)?,
                None => Vec::new(),
            };
            let (mut sm, mut skipped) = magnitudes(lat, lon, depth, &amps, &st, &q)?;
            let (traces, notes) = load_vertical_traces(&waveforms)?;
            skipped.extend(notes);
            let p_picks: Vec<(String, i64)> = match &picks {
                Some(p) => load_picks(p)?
                    .into_iter()
                    .filter(|k| k.phase == Phase::P)
                    .map(|k| (k.station, k.time_ns))
                    .collect(),
                None => Vec::new(),
            };
            let hypo = verity_seismic::Hypocentre {
                latitude: lat,
                longitude: lon,
                depth_km: depth,
                origin_time_ns,
            };
            if !traces.is_empty() && origin_time_ns == i64::MIN {
                bail!(
                    "waveform mb needs the origin time: give --event EVENT.json or --origin-time"
                );
            }
            let (wf, wf_skipped) = if traces.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                waveform_magnitudes(&hypo, &p_picks, &traces, &st, &q)
            };
            skipped.extend(wf_skipped);
            sm.extend(wf.iter().map(|w| w.magnitude.clone()));
            let nets: Vec<_> = [MagnitudeType::Mb, MagnitudeType::Ms20]
                .iter()
                .filter_map(|k| network_magnitude(*k, &sm))
                .collect();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "network_magnitudes": nets,
                        "waveform_measurements": wf,
                        "skipped": skipped,
                        "q_table": q_source(q_table.as_deref()),
                    }))?
                );
            } else {
                for n in &nets {
                    println!(
                        "{:<6} {:.2} (median {:.2}, sd {:.2}, {} stations)",
                        n.kind.as_str(),
                        n.value,
                        n.median,
                        n.std_dev,
                        n.station_count
                    );
                    for s in &n.stations {
                        println!(
                            "   {:<10} {:.2}  A {:.4} nm  T {:.3} s  Δ {:.1}°",
                            s.station, s.value, s.amplitude_nm, s.period_s, s.distance_deg
                        );
                    }
                }
                for w in &wf {
                    println!(
                        "   {} measured {:.1} counts at T {:.2} s (filter gain {:.3}), onset {} ({:?})",
                        w.channel,
                        w.amplitude.amplitude_counts,
                        w.amplitude.period_s,
                        w.amplitude.filter_gain,
                        format_time_ns(w.onset_ns),
                        w.onset
                    );
                }
                for s in &skipped {
                    println!("skipped: {s}");
                }
                println!("Q(Δ,h): {}", q_source(q_table.as_deref()));
            }
        }
        Command::Screen {
            mb,
            mb_sigma,
            ms,
            ms_sigma,
            depth,
            depth_sigma,
            confidence,
            json,
        } => {
            let input = ScreeningInput {
                mb: mb.map(|m| (m, mb_sigma)),
                ms: ms.map(|m| (m, ms_sigma)),
                depth_km: depth,
                depth_sigma_km: depth_sigma,
            };
            let r = screen(&input, confidence);
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!("{}", r.summary);
                for c in &r.criteria {
                    println!("  [{:?}] {}: {}", c.decision, c.criterion, c.explanation);
                }
            }
        }
        Command::Xenon {
            sample,
            reference_time,
            draws,
            seed,
            json,
        } => {
            let m = verity_seismic::xenon::parse_xenon_csv(&read(&sample)?)
                .with_context(|| format!("parsing {}", sample.display()))?;
            let reference = match reference_time {
                Some(t) => Some(
                    verity_seismic::input::parse_time_ns(&t)
                        .map_err(anyhow::Error::msg)
                        .context("--reference-time")?,
                ),
                None => None,
            };
            let r = verity_seismic::xenon::screen_xenon_seeded(&m, reference, draws, seed);
            if json {
                let mut v = serde_json::to_value(&r)?;
                v["reference_time"] =
                    serde_json::Value::String(format_time_ns(r.reference_time_ns));
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{:?}: {}", r.source, r.explanation);
                if let Some(p) = r.p_explosion_monte_carlo {
                    println!(
                        "P(explosion side) Monte Carlo: {p:.3} ({} draws, seed {seed})",
                        r.monte_carlo_draws
                    );
                }
            }
        }
        Command::Bulletin {
            picks,
            stations,
            amplitudes,
            waveforms,
            q_table,
            agency,
            min_stations,
            quakeml,
            json,
            submit,
        } => {
            let st = load_stations(&stations)?;
            let pk = load_picks(&picks)?;
            let mut cfg = AssociatorConfig::for_network(&st, 10.0);
            cfg.min_stations = min_stations;
            let r = verity_seismic::associate(&st, &pk, &cfg)
                .with_context(|| format!("associating {}", picks.display()))?;
            let amps = match &amplitudes {
                Some(p) => load_amplitudes(p)?,
                None => Vec::new(),
            };
            let q = load_q(q_table.as_deref())?;
            let (traces, mut notes) = load_vertical_traces(&waveforms)?;
            let bar = indicatif::ProgressBar::new(r.events.len() as u64);
            let mut events = Vec::new();
            for (k, e) in r.events.iter().enumerate() {
                let h = e.location.hypocentre;
                // Amplitudes in the file are attributed to the first event only when there is one event.
                let (mut sm, _) = if r.events.len() == 1 {
                    magnitudes(h.latitude, h.longitude, h.depth_km, &amps, &st, &q)?
                } else {
                    (Vec::new(), Vec::new())
                };
                if !traces.is_empty() {
                    // The event's own P arrivals start the windows; other stations use the
                    // predicted P time. Traces that do not cover an event's window are skipped.
                    let p_picks: Vec<(String, i64)> = e
                        .location
                        .arrivals
                        .iter()
                        .filter(|a| a.phase == Phase::P)
                        .map(|a| (a.station.clone(), a.time_ns))
                        .collect();
                    let (wf, skipped) = waveform_magnitudes(&h, &p_picks, &traces, &st, &q);
                    sm.extend(wf.into_iter().map(|w| w.magnitude));
                    notes.extend(skipped.into_iter().map(|s| format!("event {}: {s}", k + 1)));
                }
                let nets: Vec<_> = [MagnitudeType::Mb, MagnitudeType::Ms20]
                    .iter()
                    .filter_map(|t| network_magnitude(*t, &sm))
                    .collect();
                let mb = nets.iter().find(|n| n.kind == MagnitudeType::Mb);
                let ms = nets.iter().find(|n| n.kind == MagnitudeType::Ms20);
                let screening = screen(
                    &ScreeningInput::from_event(mb, ms, Some(&e.location)),
                    0.975,
                );
                events.push(BulletinEvent {
                    id: format!(
                        "{}.{:04}",
                        &format_time_ns(h.origin_time_ns)[..10].replace('-', ""),
                        k + 1
                    ),
                    location: e.location.clone(),
                    magnitudes: nets,
                    screening: Some(screening),
                });
                bar.inc(1);
            }
            bar.finish_and_clear();
            let b = Bulletin {
                agency,
                creation_time_ns: now_ns(),
                events,
            };
            if let Some(path) = &quakeml {
                let x = b.to_quakeml().context("building QuakeML")?;
                std::fs::write(path, x).with_context(|| format!("writing {}", path.display()))?;
            }
            let payload = b.to_json();
            let submitted = super::ledger::sign_and_submit(
                &submit,
                verity_seismic::bulletin::TREATY,
                verity_seismic::bulletin::DOCUMENT_KIND,
                payload.clone(),
            )
            .context("signing and submitting the bulletin")?;
            for n in &notes {
                eprintln!("note: {n}");
            }
            if json {
                let mut v = payload;
                if let Some(s) = &submitted {
                    v["submitted"] = s.to_json();
                }
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("bulletin of {} with {} events", b.agency, b.events.len());
                for e in &b.events {
                    print_location(&e.location);
                    for m in &e.magnitudes {
                        println!(
                            "{:<6} {:.2} (median {:.2}, sd {:.2}, {} stations)",
                            m.kind.as_str(),
                            m.value,
                            m.median,
                            m.std_dev,
                            m.station_count
                        );
                    }
                    if let Some(s) = &e.screening {
                        println!("screening: {}", s.summary);
                    }
                }
                if let Some(s) = &submitted {
                    println!("signed bulletin appended: {}", s.describe());
                }
            }
        }
        Command::Map {
            event,
            picks,
            stations,
            out,
            zoom,
        } => {
            let st = load_stations(&stations)?;
            let loc: Location = match (event, picks) {
                (Some(p), _) => serde_json::from_str(&read(&p)?)
                    .with_context(|| format!("parsing event JSON {}", p.display()))?,
                (None, Some(p)) => {
                    verity_seismic::locate(&st, &load_picks(&p)?, &LocatorConfig::default())
                        .with_context(|| format!("locating {}", p.display()))?
                }
                _ => bail!("give --event EVENT.json or --picks PICKS.csv"),
            };
            let svg = verity_seismic::map::render_svg(&loc, &st, 800, 640, zoom)?;
            std::fs::write(&out, svg).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
