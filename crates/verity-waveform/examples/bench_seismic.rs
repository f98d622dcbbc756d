//! Benchmark driver for bench/seismic/run.sh (examples may do I/O; the library does not).
//!
//! Subcommands (all print one JSON object on stdout):
//!   gen-stalta FILE            8.64 M samples (24 h at 100 Hz) of synthetic noise + events,
//!                              raw little-endian f64, for both us and ObsPy
//!   stalta FILE                best-of-N classic and recursive STA/LTA (1 s / 10 s windows)
//!   gen-day FILE               one channel-day as Steim-2 miniSEED 2 (4096-byte records)
//!   decode FILE                best-of-N decode of a miniSEED file into traces
//!   gen-network DIR STATIONS   STATIONS × 3 components × 24 h at 100 Hz, Steim-2 files
//!   network DIR                decode → band-pass → recursive STA/LTA → trigger → AIC pick
//!                              for every file in DIR, in parallel over files (rayon), streaming
//!                              record by record; reports wall time and peak resident memory

use rayon::prelude::*;
use std::time::Instant;
use verity_waveform::detect::{
    classic_sta_lta, classic_sta_lta_into, recursive_sta_lta, recursive_sta_lta_into,
};
use verity_waveform::mseed::{DecodeOptions, Mseed2Writer, RecordReader, read_traces};
use verity_waveform::pipeline::{Detector, DetectorConfig, Method};
use verity_waveform::trace::parse_time;

const DAY: usize = 8_640_000;
const RATE: f64 = 100.0;

struct Rng(u64);
impl Rng {
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

/// Realistic-looking broadband counts: white instrument noise, red (AR(1)) ground noise, a
/// 0.2 Hz microseism, and a few local/regional events (5 Hz decaying bursts) at `events`
/// (sample index, amplitude).
fn synth(n: usize, seed: u64, events: &[(usize, f64)]) -> Vec<i32> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut red = 0.0;
    let phase = rng.uniform() * std::f64::consts::TAU;
    let mut out = Vec::with_capacity(n);
    let mut ev = events.to_vec();
    ev.sort_by_key(|e| e.0);
    for i in 0..n {
        red = 0.995 * red + 8.0 * rng.normal();
        let t = i as f64 / RATE;
        let mut v = 40.0 * rng.normal()
            + red
            + 300.0 * (2.0 * std::f64::consts::PI * 0.2 * t + phase).sin();
        for &(at, amp) in &ev {
            if i >= at && i < at + 3000 {
                let dt = (i - at) as f64 / RATE;
                v += amp
                    * (-dt / 4.0).exp()
                    * (2.0 * std::f64::consts::PI * 5.0 * dt).sin()
                    * (1.0 - (-dt * 20.0).exp());
            }
        }
        out.push(v.round() as i32);
    }
    out
}

fn best_of<F: FnMut()>(n: usize, mut f: F) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..n {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
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
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn day_start() -> i64 {
    parse_time("2024-03-01T00:00:00Z").expect("valid literal")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().map(String::as_str).unwrap_or("");
    match cmd {
        "gen-stalta" => {
            let x = synth(DAY, 1, &[(3_000_000, 4000.0), (6_000_000, 20000.0)]);
            let bytes: Vec<u8> = x.iter().flat_map(|&v| (v as f64).to_le_bytes()).collect();
            std::fs::write(&args[1], bytes).expect("write");
            println!("{{\"samples\": {}}}", x.len());
        }
        "stalta" => {
            let x: Vec<f64> = std::fs::read(&args[1])
                .expect("read")
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            let (nsta, nlta) = (100, 1000);
            let mut sink = 0.0;
            let classic = best_of(15, || {
                sink += classic_sta_lta(&x, nsta, nlta).expect("ok")[DAY / 2]
            });
            let recursive = best_of(15, || {
                sink += recursive_sta_lta(&x, nsta, nlta).expect("ok")[DAY / 2]
            });
            // Same computation into one reused output buffer (no fresh pages per call).
            let mut buf = vec![0.0; x.len()];
            let classic_into = best_of(15, || {
                classic_sta_lta_into(&x, nsta, nlta, &mut buf).expect("ok");
                sink += buf[DAY / 2];
            });
            let recursive_into = best_of(15, || {
                recursive_sta_lta_into(&x, nsta, nlta, &mut buf).expect("ok");
                sink += buf[DAY / 2];
            });
            println!(
                "{{\"samples\": {}, \"classic_s\": {classic}, \"recursive_s\": {recursive}, \"classic_into_s\": {classic_into}, \"recursive_into_s\": {recursive_into}, \"checksum\": {sink}}}",
                x.len()
            );
        }
        "gen-day" => {
            let x = synth(DAY, 2, &[(4_000_000, 8000.0)]);
            let w = Mseed2Writer::new("XX", "BENCH", "00", "HHZ", RATE);
            let bytes = w.write(day_start(), &x, 1).expect("encode");
            std::fs::write(&args[1], &bytes).expect("write");
            println!("{{\"samples\": {}, \"bytes\": {}}}", x.len(), bytes.len());
        }
        "decode" => {
            let bytes = std::fs::read(&args[1]).expect("read");
            let mut n = 0;
            // Records decoded to native integer samples, streaming (what a pipeline consumes).
            let records = best_of(7, || {
                n = RecordReader::new(&bytes)
                    .map(|r| r.expect("decode").samples.len())
                    .sum();
            });
            // Full read: decode + assemble one contiguous f64 trace with gap analysis.
            let t = best_of(7, || {
                let a = read_traces(&bytes, DecodeOptions::default()).expect("decode");
                n = a.traces.iter().map(|t| t.samples.len()).sum();
            });
            println!(
                "{{\"samples\": {n}, \"bytes\": {}, \"decode_s\": {t}, \"records_s\": {records}}}",
                bytes.len()
            );
        }
        "gen-network" => {
            let dir = std::path::Path::new(&args[1]);
            let stations: usize = args[2].parse().expect("station count");
            std::fs::create_dir_all(dir).expect("mkdir");
            let jobs: Vec<(usize, &str)> = (0..stations)
                .flat_map(|s| ["HHZ", "HHN", "HHE"].into_iter().map(move |c| (s, c)))
                .collect();
            jobs.par_iter().for_each(|&(s, ch)| {
                let sta = format!("S{s:03}");
                let path = dir.join(format!("XX.{sta}.00.{ch}.mseed"));
                if path.exists() {
                    return;
                }
                // Four events a day; arrival moveout grows with station number.
                let events: Vec<(usize, f64)> = [1_000_000usize, 3_100_000, 5_500_000, 7_900_000]
                    .iter()
                    .enumerate()
                    .map(|(k, &t)| (t + s * 250 + k * 37, 3000.0 + 2000.0 * k as f64))
                    .collect();
                let seed = (s * 3 + ch.len() + ch.as_bytes()[2] as usize) as u64 + 17;
                let x = synth(DAY, seed, &events);
                let w = Mseed2Writer::new("XX", &sta, "00", ch, RATE);
                let bytes = w.write(day_start(), &x, 1).expect("encode");
                std::fs::write(&path, bytes).expect("write");
            });
            println!("{{\"files\": {}}}", jobs.len());
        }
        "network" => {
            let mut files: Vec<_> = std::fs::read_dir(&args[1])
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
            let results: Vec<(usize, usize, usize)> = files
                .par_iter()
                .map(|p| {
                    let bytes = std::fs::read(p).expect("read");
                    let mut det = Detector::new(&cfg, RATE).expect("config");
                    for r in RecordReader::new(&bytes) {
                        let r = r.expect("record");
                        det.push(&r.samples.to_f64());
                    }
                    let n = det.samples_seen();
                    let d = det.finish();
                    let picks = d.iter().filter(|d| d.pick.is_some()).count();
                    (n, d.len(), picks)
                })
                .collect();
            let wall = t.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu0;
            let samples: usize = results.iter().map(|r| r.0).sum();
            let detections: usize = results.iter().map(|r| r.1).sum();
            let picks: usize = results.iter().map(|r| r.2).sum();
            println!(
                "{{\"files\": {}, \"samples\": {samples}, \"detections\": {detections}, \"picks\": {picks}, \"wall_s\": {wall}, \"cpu_s\": {cpu}, \"threads\": {}, \"peak_rss_mb\": {:.1}, \"realtime_factor\": {:.0}}}",
                files.len(),
                rayon::current_num_threads(),
                peak_rss_mb(),
                86400.0 / wall
            );
        }
        _ => {
            eprintln!(
                "usage: bench_seismic gen-stalta|stalta|gen-day|decode|gen-network|network ..."
            );
            std::process::exit(2);
        }
    }
}
