//! Benchmark driver for bench/seismic/run.sh (examples may do I/O; the library does not).
//!
//! Subcommands (all print one JSON object on stdout):
//!   gen-stalta FILE            8.64 M samples (24 h at 100 Hz) of synthetic noise + events,
//!                              raw little-endian f64, for both us and ObsPy
//!   stalta FILE                best-of-N classic and recursive STA/LTA (1 s / 10 s windows)
//!   gen-day FILE               one channel-day as Steim-2 miniSEED 2 (4096-byte records)
//!   decode FILE                best-of-N decode of a miniSEED file into traces
//!
//! Times are the best of N runs, both wall-clock and CPU time of the calling thread (the
//! latter is less disturbed when other processes share the machine). The whole network-day
//! (decode → … → associate → locate) is bench/seismic/netday, a separate crate because it
//! needs verity-seismic.

use std::time::Instant;
use verity_waveform::detect::{
    classic_sta_lta, classic_sta_lta_into, recursive_sta_lta, recursive_sta_lta_into,
};
use verity_waveform::mseed::{DecodeOptions, Mseed2Writer, RecordReader, read_traces};
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

/// CPU time of the calling thread (s).
fn thread_cpu() -> f64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always valid.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    }
    #[cfg(not(target_os = "linux"))]
    f64::NAN
}

/// Best wall-clock time and best thread CPU time over `n` runs.
fn best_of2<F: FnMut()>(n: usize, mut f: F) -> (f64, f64) {
    let (mut best, mut best_cpu) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..n {
        let c = thread_cpu();
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(thread_cpu() - c);
    }
    (best, best_cpu)
}

fn best_of<F: FnMut()>(n: usize, f: F) -> f64 {
    best_of2(n, f).0
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
            let (classic, classic_cpu) = best_of2(15, || {
                sink += classic_sta_lta(&x, nsta, nlta).expect("ok")[DAY / 2]
            });
            let (recursive, recursive_cpu) = best_of2(15, || {
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
                "{{\"samples\": {}, \"classic_s\": {classic}, \"recursive_s\": {recursive}, \"classic_cpu_s\": {classic_cpu}, \"recursive_cpu_s\": {recursive_cpu}, \"classic_into_s\": {classic_into}, \"recursive_into_s\": {recursive_into}, \"checksum\": {sink}}}",
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
        _ => {
            eprintln!(
                "usage: bench_seismic gen-stalta|stalta|gen-day|decode|gen-network|network ..."
            );
            std::process::exit(2);
        }
    }
}
