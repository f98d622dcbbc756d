//! Whole network-day benchmark for bench/seismic/run.sh (issue 4: "50 three-component
//! stations at 100 Hz, decode → filter → detect → associate → locate in ≤ 10 s").
//!
//! Subcommands (each prints one JSON object on stdout):
//!   gen DIR [STATIONS] [EVENTS]   synthetic network-day: STATIONS (default 50) three-component
//!                                 stations × 24 h at 100 Hz as Steim-2 miniSEED, a stations CSV
//!                                 and the true sources (truth.json)
//!   run DIR                       the whole chain on DIR in one process: decode every file
//!                                 record by record → band-pass → recursive STA/LTA → trigger →
//!                                 AIC pick (parallel over channels), then associate and locate
//!                                 all picks (verity-seismic), and score the events found
//!                                 against truth.json
//!
//! ## The synthetic signal (what the picker and associator are given)
//! Background on every channel: white noise (σ 40 counts), red noise (AR(1), φ = 0.995,
//! σ 8 counts per step) and a 0.2 Hz microseism of 300 counts with a random phase.
//! Stations: uniformly random over 25–55° N, 60–100° E. Sources: EVENTS (default 6) spread
//! over the day at random epicentres within 30–50° N, 65–95° E, depths cycling through 0, 10,
//! 33 and 100 km. At every station each source adds
//! * a P arrival at origin + IASP91 P travel time (verity-seismic's table for the true
//!   distance and depth): a 5 Hz sinusoid with a 50 ms rise and 4 s exponential decay,
//!   amplitude A₀·Δ^−1.3 (Δ in degrees, A₀ random between 3,000 and 30,000 counts per event),
//!   full size on Z and 0.3 on N and E;
//! * an S arrival at origin + IASP91 S time: 3 Hz, 8 s decay, 1.7 × the P amplitude, full size
//!   on N and E and 0.3 on Z.
//!
//! The arrival times are continuous (not rounded to samples). No phase is left out, so the
//! vertical channels also trigger on S and the horizontals on P: the phase labels the chain
//! gives (Z → P, N/E → S, as a single-channel picker without polarisation analysis would)
//! are therefore sometimes wrong, and the associator has to leave those picks out.
//!
//! The detector settings are the CLI defaults except the on-threshold (4 instead of 3.5),
//! the same as the ObsPy column of the benchmark: band 2–8 Hz (order 4, causal), STA 1 s,
//! LTA 30 s, recursive STA/LTA, off 1.5, AIC window 5 s before / 2 s after the trigger.
//! The associator uses `AssociatorConfig::for_network(&stations, 10.0)` unchanged.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;
use verity_seismic::geodesy::distaz;
use verity_seismic::traveltime::{EarthModel, Phase, travel_time};
use verity_seismic::{AssociatorConfig, associate, parse_picks_csv, parse_stations_csv};
use verity_waveform::mseed::{Mseed2Writer, RecordReader};
use verity_waveform::pipeline::{Detector, DetectorConfig, Method};
use verity_waveform::trace::{format_time, parse_time};

const DAY: usize = 8_640_000;
const RATE: f64 = 100.0;
/// Bump when the synthetic signal changes, so cached files are regenerated.
const VERSION: &str = "netday-v1";

struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// One arrival on one channel: onset time (s from the start of the day), amplitude (counts),
/// frequency (Hz), decay time (s), duration (s).
#[derive(Clone, Copy)]
struct Arrival {
    t: f64,
    amp: f64,
    freq: f64,
    tau: f64,
    dur: f64,
}

/// A channel-day of counts: background noise plus the arrivals.
fn synth(seed: u64, arrivals: &[Arrival]) -> Vec<i32> {
    let mut rng = Rng::new(seed);
    let mut red = 0.0;
    let phase = rng.uniform() * std::f64::consts::TAU;
    let mut out = Vec::with_capacity(DAY);
    let tau2 = std::f64::consts::TAU;
    for i in 0..DAY {
        red = 0.995 * red + 8.0 * rng.normal();
        let t = i as f64 / RATE;
        let mut v = 40.0 * rng.normal() + red + 300.0 * (tau2 * 0.2 * t + phase).sin();
        for a in arrivals {
            let dt = t - a.t;
            if dt >= 0.0 && dt < a.dur {
                v += a.amp
                    * (-dt / a.tau).exp()
                    * (tau2 * a.freq * dt).sin()
                    * (1.0 - (-dt * 20.0).exp());
            }
        }
        out.push(v.round() as i32);
    }
    out
}

fn day_start() -> i64 {
    parse_time("2024-03-01T00:00:00Z").expect("valid literal")
}

struct Source {
    lat: f64,
    lon: f64,
    depth_km: f64,
    origin_s: f64,
    a0: f64,
}

fn generate(dir: &Path, n_stations: usize, n_events: usize) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let marker = dir.join("VERSION");
    let tag = format!("{VERSION} {n_stations} {n_events}");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(tag.as_str()) {
        println!("{{\"cached\": true}}");
        return;
    }
    let mut rng = Rng::new(4242);
    let stations: Vec<(String, f64, f64)> = (0..n_stations)
        .map(|i| {
            (
                format!("S{i:03}"),
                25.0 + 30.0 * rng.uniform(),
                60.0 + 40.0 * rng.uniform(),
            )
        })
        .collect();
    let sources: Vec<Source> = (0..n_events)
        .map(|k| Source {
            lat: 30.0 + 20.0 * rng.uniform(),
            lon: 65.0 + 30.0 * rng.uniform(),
            depth_km: [0.0, 10.0, 33.0, 100.0][k % 4],
            origin_s: (k as f64 + 0.2 + 0.5 * rng.uniform()) * 86_400.0 / n_events as f64,
            a0: 3000.0 + 27_000.0 * rng.uniform(),
        })
        .collect();
    let mut csv = String::from("code,lat,lon,elev_m\n");
    for (code, lat, lon) in &stations {
        csv += &format!("{code},{lat:.4},{lon:.4},0\n");
    }
    std::fs::write(dir.join("stations.csv"), csv).expect("write stations");
    let truth: Vec<serde_json::Value> = sources
        .iter()
        .map(|s| {
            serde_json::json!({"lat": s.lat, "lon": s.lon, "depth_km": s.depth_km,
                "origin": format_time(day_start() + (s.origin_s * 1e9) as i64), "a0": s.a0})
        })
        .collect();
    std::fs::write(
        dir.join("truth.json"),
        serde_json::to_string_pretty(&truth).expect("json"),
    )
    .expect("write truth");
    let jobs: Vec<(usize, &str)> = (0..n_stations)
        .flat_map(|s| ["HHZ", "HHN", "HHE"].into_iter().map(move |c| (s, c)))
        .collect();
    jobs.par_iter().for_each(|&(s, ch)| {
        let (code, slat, slon) = &stations[s];
        let mut arrivals = Vec::new();
        for src in &sources {
            let d = distaz(src.lat, src.lon, *slat, *slon).distance_deg;
            let amp = src.a0 * d.max(0.5).powf(-1.3);
            let vertical = ch == "HHZ";
            for (phase, freq, tau, dur, size, on_z) in [
                (Phase::P, 5.0, 4.0, 30.0, 1.0, 1.0),
                (Phase::S, 3.0, 8.0, 60.0, 1.7, 0.3),
            ] {
                let Ok(tt) = travel_time(EarthModel::Iasp91, phase, d, src.depth_km) else {
                    continue;
                };
                let comp = if vertical { on_z } else { 1.3 - on_z };
                arrivals.push(Arrival {
                    t: src.origin_s + tt.time_s,
                    amp: amp * size * comp,
                    freq,
                    tau,
                    dur,
                });
            }
        }
        let seed = (s * 3 + ch.as_bytes()[2] as usize) as u64 + 17;
        let x = synth(seed, &arrivals);
        let w = Mseed2Writer::new("XX", code, "00", ch, RATE);
        let bytes = w.write(day_start(), &x, 1).expect("encode");
        std::fs::write(dir.join(format!("XX.{code}.00.{ch}.mseed")), bytes).expect("write");
    });
    std::fs::write(&marker, tag).expect("write marker");
    println!("{{\"files\": {}, \"events\": {n_events}}}", jobs.len());
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU seconds (user + system) used by this process so far, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// One channel through the streaming detector: (station, channel, samples, detections,
/// pick times in ns).
fn detect_channel(
    path: &PathBuf,
    cfg: &DetectorConfig,
) -> (String, String, usize, usize, Vec<i64>) {
    let bytes = std::fs::read(path).expect("read");
    let mut det = Detector::new(cfg, RATE).expect("config");
    let (mut start, mut sta, mut cha) = (None, String::new(), String::new());
    for r in RecordReader::new(&bytes) {
        let r = r.expect("record");
        if start.is_none() {
            start = Some(r.start);
            sta = r.station.clone();
            cha = r.channel.clone();
        }
        det.push(&r.samples.to_f64());
    }
    let n = det.samples_seen();
    let d = det.finish();
    let t0 = start.unwrap_or(0);
    let picks = d
        .iter()
        .filter_map(|d| d.pick)
        .map(|p| t0 + (p as f64 * 1e9 / RATE).round() as i64)
        .collect();
    (sta, cha, n, d.len(), picks)
}

fn run(dir: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "mseed"))
        .collect();
    files.sort();
    let cfg = DetectorConfig {
        band: Some((2.0, 8.0, 4)),
        sta: 1.0,
        lta: 30.0,
        on: 4.0,
        off: 1.5,
        method: Method::Recursive,
        pick_before: 5.0,
        pick_after: 2.0,
    };
    let cpu0 = cpu_seconds();
    let t = Instant::now();
    // 1. decode → filter → detect → pick, streaming record by record, parallel over channels.
    let per_channel: Vec<_> = files.par_iter().map(|p| detect_channel(p, &cfg)).collect();
    let t_detect = t.elapsed().as_secs_f64();
    let cpu_detect = cpu_seconds() - cpu0;
    // 2. phase labels by component; duplicate S picks on N and E within 2 s are merged.
    let stations = parse_stations_csv(
        &std::fs::read_to_string(dir.join("stations.csv")).expect("read stations"),
    )
    .expect("stations CSV");
    let mut p_picks: Vec<(String, i64)> = Vec::new();
    let mut s_picks: Vec<(String, i64)> = Vec::new();
    for (sta, cha, _, _, picks) in &per_channel {
        let dst = if cha.ends_with('Z') {
            &mut p_picks
        } else {
            &mut s_picks
        };
        dst.extend(picks.iter().map(|&t| (sta.clone(), t)));
    }
    s_picks.sort();
    s_picks.dedup_by(|b, a| a.0 == b.0 && (b.1 - a.1).abs() < 2_000_000_000);
    let mut csv = String::from("station,phase,time\n");
    for (phase, list) in [("P", &p_picks), ("S", &s_picks)] {
        for (sta, t) in list {
            csv += &format!("{sta},{phase},{}\n", format_time(*t));
        }
    }
    let picks = parse_picks_csv(&csv).expect("picks CSV");
    // Kept so that `netday associate DIR` can time the association step alone (profiling).
    std::fs::write(dir.join("picks.csv"), &csv).expect("write picks.csv");
    // 3. associate and locate.
    let t_assoc = Instant::now();
    let assoc = associate(
        &stations,
        &picks,
        &AssociatorConfig::for_network(&stations, 10.0),
    )
    .expect("associate");
    let assoc_s = t_assoc.elapsed().as_secs_f64();
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;

    // Score against the true sources: each found event is matched to the source with the
    // nearest origin time within 60 s.
    let truth: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("read truth"))
            .expect("truth JSON");
    let mut matched = vec![false; truth.len()];
    let mut events = Vec::new();
    let mut spurious = 0;
    for e in &assoc.events {
        let h = &e.location.hypocentre;
        let best = truth
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let o = parse_time(s["origin"].as_str().expect("origin")).expect("time");
                (k, (h.origin_time_ns - o) as f64 * 1e-9)
            })
            .filter(|(_, dt)| dt.abs() < 60.0)
            .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
        let ell = &e.location.ellipse;
        let area = std::f64::consts::PI * ell.semi_major_km * ell.semi_minor_km;
        match best {
            Some((k, dt)) => {
                matched[k] = true;
                let s = &truth[k];
                let (lat, lon) = (
                    s["lat"].as_f64().unwrap_or(0.0),
                    s["lon"].as_f64().unwrap_or(0.0),
                );
                let err_km = distaz(lat, lon, h.latitude, h.longitude).distance_deg * 111.195;
                events.push(serde_json::json!({
                    "source": k, "epicentre_error_km": err_km,
                    "depth_km": h.depth_km, "true_depth_km": s["depth_km"],
                    "origin_error_s": dt, "ellipse_area_km2": area,
                    "defining": e.location.n_defining, "stations": e.location.n_stations,
                }));
            }
            None => {
                spurious += 1;
                events.push(serde_json::json!({
                    "source": null, "lat": h.latitude, "lon": h.longitude,
                    "origin": format_time(h.origin_time_ns), "defining": e.location.n_defining,
                }));
            }
        }
    }
    let samples: usize = per_channel.iter().map(|c| c.2).sum();
    let detections: usize = per_channel.iter().map(|c| c.3).sum();
    let out = serde_json::json!({
        "files": files.len(),
        "stations": stations.len(),
        "samples": samples,
        "detections": detections,
        "picks_p": p_picks.len(),
        "picks_s": s_picks.len(),
        "picks_associated": picks.len() - assoc.unassociated.len(),
        "events_inserted": truth.len(),
        "events_found": assoc.events.len(),
        "sources_recovered": matched.iter().filter(|&&m| m).count(),
        "spurious_events": spurious,
        "events": events,
        "detect_s": t_detect,
        "detect_cpu_s": cpu_detect,
        "associate_cpu_s": cpu - cpu_detect,
        "associate_s": assoc_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "threads": rayon::current_num_threads(),
        "peak_rss_mb": peak_rss_mb(),
        "realtime_factor": 86400.0 / wall,
    });
    println!("{out}");
}

/// Associate + locate only, on the picks the last `run DIR` wrote to DIR/picks.csv, ROUNDS
/// times (for profiling the association step without the detection step's 2-thread load).
fn associate_only(dir: &Path, rounds: usize) {
    let stations = parse_stations_csv(
        &std::fs::read_to_string(dir.join("stations.csv")).expect("read stations"),
    )
    .expect("stations CSV");
    let picks = parse_picks_csv(
        &std::fs::read_to_string(dir.join("picks.csv")).expect("read picks.csv (run `run` first)"),
    )
    .expect("picks CSV");
    let cfg = AssociatorConfig::for_network(&stations, 10.0);
    let mut times = Vec::new();
    let mut result = None;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let a = associate(&stations, &picks, &cfg).expect("associate");
        times.push(t.elapsed().as_secs_f64());
        result = Some(a);
    }
    let a = result.expect("at least one round");
    // Full result, for checking that a faster associator gives bit-identical output.
    std::fs::write(dir.join("association.debug.txt"), format!("{a:#?}"))
        .expect("write association.debug.txt");
    let events: Vec<serde_json::Value> = a
        .events
        .iter()
        .map(|e| {
            let h = &e.location.hypocentre;
            serde_json::json!({"lat": h.latitude, "lon": h.longitude, "depth_km": h.depth_km,
                "origin": format_time(h.origin_time_ns), "defining": e.location.n_defining,
                "picks": e.pick_indices, "area_km2": e.location.ellipse.area_km2})
        })
        .collect();
    let out = serde_json::json!({
        "picks": picks.len(),
        "events_found": a.events.len(),
        "unassociated": a.unassociated.len(),
        "associate_s": times,
        "threads": rayon::current_num_threads(),
        "events": events,
    });
    println!("{out}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") if args.len() >= 2 => {
            let n_sta = args
                .get(2)
                .map(|s| s.parse().expect("station count"))
                .unwrap_or(50);
            let n_ev = args
                .get(3)
                .map(|s| s.parse().expect("event count"))
                .unwrap_or(6);
            generate(Path::new(&args[1]), n_sta, n_ev)
        }
        Some("run") if args.len() >= 2 => run(Path::new(&args[1])),
        Some("associate") if args.len() >= 2 => {
            let rounds = args
                .get(2)
                .map(|s| s.parse().expect("round count"))
                .unwrap_or(3);
            associate_only(Path::new(&args[1]), rounds)
        }
        _ => {
            eprintln!(
                "usage: verity-bench-netday gen DIR [STATIONS] [EVENTS] | run DIR | associate DIR [ROUNDS]"
            );
            std::process::exit(2);
        }
    }
}
