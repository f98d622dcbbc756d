//! Association: turn a network's picks (e.g. a day of STA/LTA onsets) into located events.
//!
//! Method (a grid-based back-projection in the spirit of the IDC's Global Association,
//! Le Bras et al. 1994, *Global association design document*, SAIC-93/1155): for every node
//! of a source grid, each P pick implies an origin time `t − T(node, station)`; picks from
//! distinct stations whose implied origin times agree within a tolerance (pick error plus the
//! travel-time change across half a grid cell) are counted in time bins. Bins reaching
//! `min_stations` are candidate events, taken greedily by support; each candidate's picks are
//! located ([`crate::locate`]) with the worst-fitting arrival removed while any residual
//! exceeds `max_residual_s`; surviving events claim their picks, and unclaimed P and S picks
//! that fit a located event are then added and the event relocated.
use crate::geodesy::{distaz, normalize_lon};
use crate::input::{Pick, Station};
use crate::locate::{
    LocateError, Location, LocatorConfig, Observation, label_arrivals, locate_observations, resolve,
};
use crate::traveltime::{Phase, table};

/// Association settings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AssociatorConfig {
    pub locator: LocatorConfig,
    /// Grid region: (min lat, max lat, min lon, max lon) in degrees; lon may exceed 180 to wrap.
    pub region: (f64, f64, f64, f64),
    /// Grid spacing in degrees of latitude (longitude spacing is widened by 1/cos(lat)).
    pub grid_spacing_deg: f64,
    /// Candidate source depths (km).
    pub depths_km: Vec<f64>,
    /// Largest station distance (deg) at which a P pick can be associated.
    pub max_distance_deg: f64,
    /// Tolerance for the pick time itself (s), added to the grid-cell term.
    pub pick_tolerance_s: f64,
    /// Minimum number of distinct stations with P picks for an event.
    pub min_stations: usize,
    /// Largest absolute residual (s) a defining arrival may keep.
    pub max_residual_s: f64,
    /// Minimum fraction of the stations within `max_distance_deg` of the located event that
    /// must contribute a defining P arrival (a simple form of the "negative evidence" used by
    /// the IDC's Global Association: a real event is seen by most stations in range). 0 disables.
    pub min_detection_fraction: f64,
}

impl AssociatorConfig {
    /// Settings for a given network: grid over the stations' bounding box widened by
    /// `margin_deg`, spacing ≈ aperture/30 (0.25°–4°).
    pub fn for_network(stations: &[Station], margin_deg: f64) -> Self {
        let (mut la0, mut la1, mut lo0, mut lo1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for s in stations {
            la0 = la0.min(s.latitude);
            la1 = la1.max(s.latitude);
            let lon = normalize_lon(s.longitude);
            lo0 = lo0.min(lon);
            lo1 = lo1.max(lon);
        }
        if stations.is_empty() {
            (la0, la1, lo0, lo1) = (-90.0, 90.0, -180.0, 180.0);
        }
        let aperture = (la1 - la0).max((lo1 - lo0) * ((la0 + la1) / 2.0).to_radians().cos());
        let region = if lo1 - lo0 + 2.0 * margin_deg >= 360.0 {
            (
                (la0 - margin_deg).max(-90.0),
                (la1 + margin_deg).min(90.0),
                -180.0,
                180.0,
            )
        } else {
            (
                (la0 - margin_deg).max(-90.0),
                (la1 + margin_deg).min(90.0),
                lo0 - margin_deg,
                lo1 + margin_deg,
            )
        };
        Self {
            locator: LocatorConfig::default(),
            region,
            grid_spacing_deg: (aperture / 30.0).clamp(0.25, 4.0),
            depths_km: vec![0.0, 300.0],
            max_distance_deg: 100.0,
            pick_tolerance_s: 3.0,
            min_stations: 4,
            max_residual_s: 4.0,
            min_detection_fraction: 0.25,
        }
    }
}

/// An associated, located event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssociatedEvent {
    pub location: Location,
    /// Indices (into the input picks) of the arrivals used.
    pub pick_indices: Vec<usize>,
}

/// Result of associating a set of picks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Association {
    pub events: Vec<AssociatedEvent>,
    /// Picks left unassociated.
    pub unassociated: Vec<usize>,
}

struct Node {
    lat: f64,
    lon: f64,
    depth: f64,
    /// Per station: (P travel time, tolerance); NaN time = unusable.
    tt: Vec<(f64, f64)>,
}

/// Associate `picks` recorded by `stations` into events.
pub fn associate(
    stations: &[Station],
    picks: &[Pick],
    cfg: &AssociatorConfig,
) -> Result<Association, LocateError> {
    if !(cfg.grid_spacing_deg > 0.0) || cfg.min_stations < 3 || cfg.depths_km.is_empty() {
        return Err(LocateError::Config(
            "grid spacing must be > 0, min_stations >= 3, at least one depth".into(),
        ));
    }
    let obs = resolve(stations, picks, &cfg.locator)?;
    let n_sta = stations.len();
    let words = n_sta.div_ceil(64).max(1);
    let t_ref = obs.iter().map(|o| o.time_ns).min().unwrap_or(0);
    let secs: Vec<f64> = obs
        .iter()
        .map(|o| (o.time_ns - t_ref) as f64 * 1e-9)
        .collect();
    let p_obs: Vec<usize> = (0..obs.len())
        .filter(|&i| obs[i].phase == Phase::P)
        .collect();

    // Grid nodes with per-station predicted P times.
    let ptab = table(cfg.locator.model, Phase::P);
    let (la0, la1, lo0, lo1) = cfg.region;
    let sp = cfg.grid_spacing_deg;
    let mut nodes = Vec::new();
    let mut lat = la0 + sp / 2.0;
    while lat < la1 {
        let lon_step = (sp / lat.to_radians().cos().max(0.05))
            .min(lo1 - lo0)
            .max(sp);
        let half_diag = 0.5 * (sp * sp + (lon_step * lat.to_radians().cos()).powi(2)).sqrt();
        let mut lon = lo0 + lon_step / 2.0;
        while lon < lo1 {
            for &depth in &cfg.depths_km {
                let tt = stations
                    .iter()
                    .map(|s| {
                        let d = distaz(lat, lon, s.latitude, s.longitude).distance_deg;
                        if d > cfg.max_distance_deg {
                            return (f64::NAN, 0.0);
                        }
                        match ptab.travel_time(d, depth) {
                            Ok(t) => (
                                t.time_s,
                                cfg.pick_tolerance_s + t.dtdd_s_per_deg.abs() * half_diag,
                            ),
                            Err(_) => (f64::NAN, 0.0),
                        }
                    })
                    .collect();
                nodes.push(Node {
                    lat,
                    lon: normalize_lon(lon),
                    depth,
                    tt,
                });
            }
            lon += lon_step;
        }
        lat += sp;
    }

    // Back-projection: bins of implied origin time per node. The bin width follows the typical
    // tolerance so that each pick touches only a few bins; exact agreement is checked later.
    let mut tols: Vec<f64> = nodes
        .iter()
        .flat_map(|n| n.tt.iter().filter(|t| !t.0.is_nan()).map(|t| t.1))
        .collect();
    tols.sort_by(f64::total_cmp);
    let median_tol = tols
        .get(tols.len() / 2)
        .copied()
        .unwrap_or(cfg.pick_tolerance_s);
    let bin = median_tol.clamp((2.0 * cfg.pick_tolerance_s).max(1.0), 30.0);
    let t_max = secs.iter().copied().fold(0.0, f64::max);
    let t_lo = -3600.0; // origin times can precede the first pick by up to the longest travel time
    let n_bins = ((t_max - t_lo) / bin).ceil() as usize + 2;
    // Candidate threshold: at least min_stations, and high enough that chance coincidences of
    // false triggers are rare. With Poisson trigger rates r_s (picks per second per station,
    // estimated from the input), the number of stations with a pick in a window of length
    // w = 2·tol + bin is approximately Poisson(Σ r_s·w); require P(count ≥ k) ≤ 1e-4.
    let span = (t_max - secs.iter().copied().fold(f64::MAX, f64::min)).max(3600.0);
    let expected = p_obs.len() as f64 / span * (2.0 * median_tol + bin);
    let threshold = cfg.min_stations.max(poisson_upper_quantile(expected, 1e-4));
    let mut bits = vec![0u64; n_bins * words];
    let mut counts = vec![0u32; n_bins];
    let mut touched: Vec<usize> = Vec::new();
    let mut hot: Vec<usize> = Vec::new();
    // candidate: (support, node index, bin centre origin time)
    let mut candidates: Vec<(usize, usize, f64)> = Vec::new();
    for (ni, node) in nodes.iter().enumerate() {
        for &oi in &p_obs {
            let o = &obs[oi];
            let (tt, tol) = node.tt[o.station];
            if tt.is_nan() {
                continue;
            }
            let origin = secs[oi] - tt;
            let b0 = ((origin - tol - t_lo) / bin).max(0.0) as usize; // truncation = floor for x >= 0
            let b1 = (((origin + tol - t_lo) / bin).max(0.0) as usize).min(n_bins - 1);
            let (word, mask) = (o.station / 64, 1u64 << (o.station % 64));
            for b in b0..=b1 {
                let w = &mut bits[b * words + word];
                if *w & mask == 0 {
                    *w |= mask;
                    if counts[b] == 0 {
                        touched.push(b);
                    }
                    counts[b] += 1;
                    if counts[b] as usize == threshold {
                        hot.push(b);
                    }
                }
            }
        }
        // Keep only local maxima in time (plateaus: their first bin).
        for &b in &hot {
            let c = counts[b];
            let before = if b > 0 { counts[b - 1] } else { 0 };
            let after = counts.get(b + 1).copied().unwrap_or(0);
            if c > before && c >= after {
                candidates.push((c as usize, ni, t_lo + (b as f64 + 0.5) * bin));
            }
        }
        for &b in &touched {
            counts[b] = 0;
            bits[b * words..(b + 1) * words].fill(0);
        }
        touched.clear();
        hot.clear();
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.total_cmp(&b.2)));

    // P picks per station sorted by time, for fast lookup of a candidate's supporting picks.
    let mut by_station: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n_sta];
    for &oi in &p_obs {
        by_station[obs[oi].station].push((secs[oi], oi));
    }
    for v in &mut by_station {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let mut used = vec![false; obs.len()];
    // Support sets already tried and rejected (neighbouring nodes often yield the same set).
    let mut rejected: std::collections::HashSet<Vec<usize>> = std::collections::HashSet::new();
    let mut events: Vec<AssociatedEvent> = Vec::new();
    for &(_, ni, origin) in &candidates {
        let node = &nodes[ni];
        // Supporting P picks: per station the unused pick closest to the prediction.
        let mut support: Vec<usize> = Vec::new();
        for (st, list) in by_station.iter().enumerate() {
            let (tt, tol) = node.tt[st];
            if tt.is_nan() || list.is_empty() {
                continue;
            }
            let pred = origin + tt;
            let lim = tol + bin;
            let k = list.partition_point(|x| x.0 < pred - lim);
            let best = list[k..]
                .iter()
                .take_while(|x| x.0 <= pred + lim)
                .filter(|x| !used[x.1])
                .min_by(|a, b| (a.0 - pred).abs().total_cmp(&(b.0 - pred).abs()));
            if let Some(&(_, oi)) = best {
                support.push(oi);
            }
        }
        if support.len() < threshold {
            continue;
        }
        // Cheap test before any least squares: on a 5 × 5 sub-grid around the node, the
        // largest set of supporting picks whose implied origin times agree within
        // ±pick_tolerance must still reach min_stations.
        support.sort_unstable();
        if rejected.contains(&support) {
            continue;
        }
        let Some((start, refined)) = refine_support(&obs, &secs, &support, node, sp, cfg) else {
            rejected.insert(support);
            continue;
        };
        let Some((loc, members)) = locate_pruned(&obs, &refined, &start, t_ref, cfg) else {
            rejected.insert(support);
            continue;
        };
        // Grow: add, per station and phase, the unused pick that best fits the current
        // solution (within 3× the residual limit, S twice that), relocate and prune; repeat
        // until the membership stops growing.
        let (mut loc, mut members) = (loc, members);
        for _ in 0..4 {
            let h = loc.hypocentre;
            let mut slot_best: std::collections::HashMap<usize, (f64, usize)> =
                std::collections::HashMap::new();
            let taken: std::collections::HashSet<usize> = members
                .iter()
                .map(|&m| obs[m].station * 2 + (obs[m].phase == Phase::S) as usize)
                .collect();
            for (oi, o) in obs.iter().enumerate() {
                let slot = o.station * 2 + (o.phase == Phase::S) as usize;
                if used[oi] || taken.contains(&slot) {
                    continue;
                }
                let d = distaz(h.latitude, h.longitude, o.lat, o.lon).distance_deg;
                if d > cfg.max_distance_deg {
                    continue;
                }
                if let Ok(tt) = table(cfg.locator.model, o.phase).travel_time(d, h.depth_km) {
                    let res = ((o.time_ns - h.origin_time_ns) as f64 * 1e-9 - tt.time_s).abs();
                    let lim =
                        3.0 * cfg.max_residual_s * if o.phase == Phase::S { 2.0 } else { 1.0 };
                    if res <= lim && slot_best.get(&slot).is_none_or(|b| res < b.0) {
                        slot_best.insert(slot, (res, oi));
                    }
                }
            }
            if slot_best.is_empty() {
                break;
            }
            let mut grown = members.clone();
            grown.extend(slot_best.values().map(|v| v.1));
            let start = Trial {
                lat: h.latitude,
                lon: h.longitude,
                depth: h.depth_km,
                origin: (h.origin_time_ns - t_ref) as f64 * 1e-9,
            };
            match locate_pruned(&obs, &grown, &start, t_ref, cfg) {
                Some((l2, m2)) if m2.len() > members.len() => {
                    loc = l2;
                    members = m2;
                }
                _ => break,
            }
        }
        if cfg.min_detection_fraction > 0.0 {
            let h = loc.hypocentre;
            let in_range = stations
                .iter()
                .filter(|s| {
                    distaz(h.latitude, h.longitude, s.latitude, s.longitude).distance_deg
                        <= cfg.max_distance_deg
                })
                .count();
            let mut p_sta: Vec<usize> = members
                .iter()
                .filter(|&&m| obs[m].phase == Phase::P)
                .map(|&m| obs[m].station)
                .collect();
            p_sta.sort_unstable();
            p_sta.dedup();
            if (p_sta.len() as f64) < cfg.min_detection_fraction * in_range as f64 {
                rejected.insert(support);
                continue;
            }
        }
        let chosen: Vec<usize> = loc.arrivals.iter().map(|a| a.pick_index).collect();
        for &i in &chosen {
            // resolve() maps pick i to observation i one-to-one.
            used[i] = true;
        }
        label_arrivals(&mut loc, picks);
        events.push(AssociatedEvent {
            location: loc,
            pick_indices: chosen,
        });
    }
    events.sort_by_key(|e| e.location.hypocentre.origin_time_ns);
    let unassociated = obs
        .iter()
        .enumerate()
        .filter(|(k, _)| !used[*k])
        .map(|(_, o)| o.pick_index)
        .collect();
    Ok(Association {
        events,
        unassociated,
    })
}

/// Smallest k with P(X ≥ k) ≤ alpha for X ~ Poisson(mean).
fn poisson_upper_quantile(mean: f64, alpha: f64) -> usize {
    if !(mean > 0.0) {
        return 0;
    }
    let mut pmf = (-mean).exp();
    let mut cdf = pmf;
    let mut k = 0usize;
    while 1.0 - cdf > alpha && k < 10_000 {
        k += 1;
        pmf *= mean / k as f64;
        cdf += pmf;
    }
    k + 1
}

/// Trial source for a candidate: (lat, lon, depth, origin time s after t_ref).
struct Trial {
    lat: f64,
    lon: f64,
    depth: f64,
    origin: f64,
}

fn refine_support(
    obs: &[Observation],
    secs: &[f64],
    support: &[usize],
    node: &Node,
    spacing: f64,
    cfg: &AssociatorConfig,
) -> Option<(Trial, Vec<usize>)> {
    let ptab = table(cfg.locator.model, Phase::P);
    let lon_scale = 1.0 / node.lat.to_radians().cos().max(0.05);
    let mut best: Option<(usize, f64, Trial, Vec<usize>)> = None;
    let mut implied: Vec<(f64, usize)> = Vec::with_capacity(support.len());
    for a in -2..=2 {
        for b in -2..=2 {
            let lat = (node.lat + a as f64 * spacing / 4.0).clamp(-89.9, 89.9);
            let lon = normalize_lon(node.lon + b as f64 * spacing / 4.0 * lon_scale);
            implied.clear();
            for &oi in support {
                let o = &obs[oi];
                let d = distaz(lat, lon, o.lat, o.lon).distance_deg;
                if let Ok(t) = ptab.travel_time(d, node.depth) {
                    implied.push((secs[oi] - t.time_s, oi));
                }
            }
            implied.sort_by(|x, y| x.0.total_cmp(&y.0));
            // Sliding window of width 2·pick_tolerance over the sorted implied origin times
            // (support has one pick per station, so counts are distinct stations).
            let mut lo = 0;
            for hi in 0..implied.len() {
                while implied[hi].0 - implied[lo].0 > 2.0 * cfg.pick_tolerance_s {
                    lo += 1;
                }
                let count = hi - lo + 1;
                let spread = implied[hi].0 - implied[lo].0;
                if best
                    .as_ref()
                    .is_none_or(|b| count > b.0 || (count == b.0 && spread < b.1))
                {
                    let members: Vec<usize> = implied[lo..=hi].iter().map(|x| x.1).collect();
                    let origin = implied[lo..=hi].iter().map(|x| x.0).sum::<f64>() / count as f64;
                    best = Some((
                        count,
                        spread,
                        Trial {
                            lat,
                            lon,
                            depth: node.depth,
                            origin,
                        },
                        members,
                    ));
                }
            }
        }
    }
    let (count, _, trial, members) = best?;
    (count >= cfg.min_stations).then_some((trial, members))
}

/// Locate the candidate's picks starting at its trial source, dropping the worst arrival while
/// any residual exceeds the limit. Returns the location and the surviving observation indices.
fn locate_pruned(
    obs: &[Observation],
    support: &[usize],
    trial: &Trial,
    t_ref: i64,
    cfg: &AssociatorConfig,
) -> Option<(Location, Vec<usize>)> {
    let mut members = support.to_vec();
    let start = crate::locate::Hypocentre {
        latitude: trial.lat,
        longitude: trial.lon,
        depth_km: trial.depth,
        origin_time_ns: t_ref + (trial.origin * 1e9).round() as i64,
    };
    loop {
        if members.len() < cfg.min_stations {
            return None;
        }
        let sub: Vec<Observation> = members.iter().map(|&i| obs[i].clone()).collect();
        let loc = locate_observations(&sub, Some(start), &cfg.locator).ok()?;
        let worst = loc
            .arrivals
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.residual_s.abs().total_cmp(&b.1.residual_s.abs()))
            .map(|(k, a)| (k, a.residual_s.abs()))?;
        if worst.1 <= cfg.max_residual_s {
            return Some((loc, members));
        }
        members.remove(worst.0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn poisson_quantile_by_hand() {
        // Poisson(1): P(X >= 5) = 1 - 0.99634 = 0.00366; P(X >= 6) = 0.000594 → alpha 1e-3 gives 6.
        assert_eq!(super::poisson_upper_quantile(1.0, 1e-3), 6);
        assert_eq!(super::poisson_upper_quantile(0.0, 1e-3), 0);
    }
}
