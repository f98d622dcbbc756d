//! Benchmark: association + location share of the network-day pipeline.
//! `cargo run --release -p verity-seismic --example bench_locate [events] [noise/station-hour]`
//! Generates a synthetic 50-station day (tests/support/network_day.rs), then times
//! `associate()` (grid back-projection + Geiger location of every event).
#[path = "../tests/support/network_day.rs"]
mod network_day;

use std::time::Instant;
use verity_seismic::{AssociatorConfig, associate};

/// CPU time of this process so far (s), from /proc/self/stat (utime + stime, clock ticks of
/// 1/100 s): wall time on a shared, loaded machine overstates the work.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_events: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(24);
    let noise: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let (stations, picks, truth) = network_day::network_day(11, n_events, noise);
    let mut cfg = AssociatorConfig::for_network(&stations, 10.0);
    cfg.locator.p_sigma_s = 0.5;
    cfg.pick_tolerance_s = 1.5;
    cfg.max_residual_s = 1.5;
    cfg.min_stations = 8;
    let mut best = f64::MAX;
    let mut found = 0;
    let cpu0 = cpu_seconds();
    for _ in 0..3 {
        let t = Instant::now();
        let r = associate(&stations, &picks, &cfg).expect("association");
        best = best.min(t.elapsed().as_secs_f64());
        found = r.events.len();
    }
    let cpu = (cpu_seconds() - cpu0) / 3.0;
    println!(
        "stations={} picks={} true_events={} found_events={} associate_locate_wall_s={:.3} (best of 3) cpu_s={:.3} (mean of 3)",
        stations.len(),
        picks.len(),
        truth.len(),
        found,
        best,
        cpu
    );
}
