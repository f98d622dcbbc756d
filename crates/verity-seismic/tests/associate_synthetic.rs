//! Association on a synthetic network day (see tests/support/network_day.rs): 12 events and
//! 1 false trigger per station-hour (1,200 noise picks). Claims: every event is found once,
//! located within 25 km and 2 s of the truth, and no spurious event is declared.
#[path = "support/network_day.rs"]
mod network_day;

use verity_seismic::geodesy::{KM_PER_DEG, distaz};
use verity_seismic::{AssociatorConfig, associate};

#[test]
fn network_day_events_are_associated_and_located() {
    let (stations, picks, truth) = network_day::network_day(11, 12, 1.0);
    let mut cfg = AssociatorConfig::for_network(&stations, 10.0);
    cfg.locator.p_sigma_s = 0.5;
    cfg.pick_tolerance_s = 1.5;
    cfg.max_residual_s = 1.5;
    cfg.min_stations = 8;
    let r = associate(&stations, &picks, &cfg).unwrap();
    println!(
        "{} picks -> {} events, {} unassociated",
        picks.len(),
        r.events.len(),
        r.unassociated.len()
    );
    let mut matched = vec![false; truth.len()];
    for e in &r.events {
        let h = e.location.hypocentre;
        let (k, t) = truth
            .iter()
            .enumerate()
            .min_by_key(|(_, t)| (t.origin_ns - h.origin_time_ns).abs())
            .unwrap();
        let err_km = distaz(t.lat, t.lon, h.latitude, h.longitude).distance_deg * KM_PER_DEG;
        let dt = (h.origin_time_ns - t.origin_ns) as f64 * 1e-9;
        println!(
            "event {k}: {} arrivals, error {err_km:.1} km, {dt:+.2} s, depth {:.0} vs {}",
            e.pick_indices.len(),
            h.depth_km,
            t.depth_km
        );
        assert!(
            err_km < 25.0 && dt.abs() < 2.0 + t.depth_km / 50.0,
            "event {k} badly located: {err_km} km {dt} s"
        );
        assert!(!matched[k], "event {k} declared twice");
        matched[k] = true;
    }
    assert!(
        matched.iter().all(|m| *m),
        "missed events: {:?}",
        matched
            .iter()
            .enumerate()
            .filter(|m| !*m.1)
            .map(|m| m.0)
            .collect::<Vec<_>>()
    );
}
