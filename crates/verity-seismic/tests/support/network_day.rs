//! Synthetic network-day generator shared by the association test and the benchmark example:
//! 50 stations over a 30° × 40° region, `n_events` sources at random times with P picks
//! (σ = 0.5 s) at stations within 100° predicted by the crate's IASP91 table, some missed picks,
//! and `noise_per_station_hour` false triggers per station-hour at uniform random times.
use rand::{Rng, SeedableRng};
use verity_seismic::geodesy::distaz;
use verity_seismic::traveltime::{EarthModel, Phase, travel_time};
use verity_seismic::{Pick, Station};

pub struct Truth {
    pub lat: f64,
    pub lon: f64,
    pub depth_km: f64,
    #[allow(dead_code)]
    pub origin_ns: i64,
}

pub const DAY_START_NS: i64 = 1_704_067_200_000_000_000;

fn gauss(rng: &mut rand::rngs::StdRng) -> f64 {
    let u1: f64 = 1.0 - rng.r#gen::<f64>();
    let u2: f64 = rng.r#gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

pub fn network_day(
    seed: u64,
    n_events: usize,
    noise_per_station_hour: f64,
) -> (Vec<Station>, Vec<Pick>, Vec<Truth>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let stations: Vec<Station> = (0..50)
        .map(|i| Station {
            network: "XX".into(),
            code: format!("S{i:02}"),
            latitude: 25.0 + rng.r#gen::<f64>() * 30.0,
            longitude: 60.0 + rng.r#gen::<f64>() * 40.0,
            elevation_m: 0.0,
            channels: vec![],
            sensitivities: vec![],
        })
        .collect();
    let mut picks = Vec::new();
    let mut truth = Vec::new();
    for k in 0..n_events {
        // Spread events over the day, at least 20 minutes apart.
        let origin_ns = DAY_START_NS
            + ((k as f64 + 0.2 + 0.5 * rng.r#gen::<f64>()) * 86_400.0 / n_events as f64 * 1e9)
                as i64;
        let t = Truth {
            lat: 30.0 + rng.r#gen::<f64>() * 20.0,
            lon: 65.0 + rng.r#gen::<f64>() * 30.0,
            depth_km: [0.0, 10.0, 33.0, 100.0][k % 4],
            origin_ns,
        };
        for s in &stations {
            if rng.r#gen::<f64>() < 0.15 {
                continue; // missed detection
            }
            let d = distaz(t.lat, t.lon, s.latitude, s.longitude).distance_deg;
            if let Ok(tt) = travel_time(EarthModel::Iasp91, Phase::P, d, t.depth_km) {
                let time = origin_ns + ((tt.time_s + 0.5 * gauss(&mut rng)) * 1e9) as i64;
                picks.push(Pick {
                    station: format!("XX.{}", s.code),
                    phase: Phase::P,
                    time_ns: time,
                    uncertainty_s: None,
                });
            }
        }
        truth.push(t);
    }
    let n_noise = (noise_per_station_hour * 24.0 * stations.len() as f64) as usize;
    for _ in 0..n_noise {
        let s = &stations[rng.gen_range(0..stations.len())];
        let time = DAY_START_NS + (rng.r#gen::<f64>() * 86_400.0 * 1e9) as i64;
        picks.push(Pick {
            station: format!("XX.{}", s.code),
            phase: Phase::P,
            time_ns: time,
            uncertainty_s: None,
        });
    }
    picks.sort_by_key(|p| p.time_ns);
    (stations, picks, truth)
}
