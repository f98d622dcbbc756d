//! Association: turn a network's picks (e.g. a day of STA/LTA onsets) into located events.
//!
//! Method (a grid-based back-projection in the spirit of the IDC's Global Association,
//! Le Bras et al. 1994, *Global association design document*, SAIC-93/1155): for every node
//! of a source grid, each P pick implies an origin time `t − T(node, station)`; picks from
//! distinct stations whose implied origin times agree within a tolerance (pick error plus the
//! travel-time change across half a grid cell) are counted in time bins. Bins reaching
//! `min_stations` are candidate events, taken greedily by support; each candidate's picks are
//! located ([`crate::locate`](mod@crate::locate)) with the worst-fitting arrival removed while any residual
//! exceeds `max_residual_s`; surviving events claim their picks, and unclaimed P and S picks
//! that fit a located event are then added and the event relocated.
//!
//! ## Cost, and how it is kept down without changing the result
//! On the network-day benchmark (50 stations, 1,045 picks, 6 events) the back-projection
//! yields ~209,000 candidates, ~12,000 distinct supports are evaluated and ~6,500 of them are
//! located, grown and only then rejected by the detection-fraction test, so evaluating a
//! candidate dominates. Measures, all exact (the output is bit-for-bit that of the plain
//! sequential loop; `tests/associate_regression.rs` pins it against the pre-speed-up code):
//! * the grow step looks only at picks whose time lies within the travel-time tables' bounds
//!   (plus the residual limit) after the trial origin, instead of scanning every pick;
//! * station positions are converted to the geocentric sphere once ([`GeoPoint`]) and each
//!   trial source once per evaluation; the locator reuses the predictions of an accepted
//!   step for its normal equations and residuals, looks the depth rows up once per trial
//!   source, and takes the ν = ∞ ellipse quantiles precomputed;
//! * candidates are evaluated in parallel (rayon) speculatively: a batch is evaluated against
//!   the current set of claimed picks, assuming each earlier member fails, and committed in
//!   order up to the first success (then the walk resumes after it). Evaluation is a pure
//!   function of (node, support, claimed picks), so any thread count gives the same events.
//!   Grid nodes, the back-projection per node and candidate supports are computed in parallel
//!   too, collected in order.
use crate::geodesy::{GeoPoint, distance_deg, normalize_lon};
use crate::input::{Pick, Station};
use crate::locate::{
    CoverageQuantiles, LocateError, Location, LocatorConfig, Observation, label_arrivals,
    locate_observations_with, resolve,
};
use crate::traveltime::{Phase, table};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};

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

/// Per-worker buffers of the back-projection: per time bin, the stations seen (bit set) and
/// their count; which bins were touched (to reset) and which reached the threshold.
struct BinScratch {
    bits: Vec<u64>,
    counts: Vec<u32>,
    touched: Vec<usize>,
    hot: Vec<usize>,
}

struct Node {
    lat: f64,
    lon: f64,
    depth: f64,
    /// Per station: (P travel time, tolerance); NaN time = unusable.
    tt: Vec<(f64, f64)>,
}

/// Associate `picks` recorded by `stations` into events.
///
/// The result does not depend on the number of threads: candidates are evaluated in parallel
/// (rayon) only speculatively, and their outcomes are committed in the sequential order.
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
    let station_geo: Vec<GeoPoint> = stations
        .iter()
        .map(|s| GeoPoint::new(s.latitude, s.longitude))
        .collect();

    // Grid nodes with per-station predicted P times.
    let ptab = table(cfg.locator.model, Phase::P);
    let (la0, la1, lo0, lo1) = cfg.region;
    let sp = cfg.grid_spacing_deg;
    // (lat, lon, half cell diagonal) of every epicentre, then the nodes (× depths) in parallel.
    let mut epicentres: Vec<(f64, f64, f64)> = Vec::new();
    let mut lat = la0 + sp / 2.0;
    while lat < la1 {
        let lon_step = (sp / lat.to_radians().cos().max(0.05))
            .min(lo1 - lo0)
            .max(sp);
        let half_diag = 0.5 * (sp * sp + (lon_step * lat.to_radians().cos()).powi(2)).sqrt();
        let mut lon = lo0 + lon_step / 2.0;
        while lon < lo1 {
            epicentres.push((lat, lon, half_diag));
            lon += lon_step;
        }
        lat += sp;
    }
    let nodes: Vec<Node> = epicentres
        .par_iter()
        .flat_map_iter(|&(lat, lon, half_diag)| {
            let here = GeoPoint::new(lat, lon);
            let dist: Vec<f64> = station_geo.iter().map(|s| distance_deg(&here, s)).collect();
            cfg.depths_km
                .iter()
                .map(|&depth| {
                    let at = ptab.at_depth(depth);
                    let tt = dist
                        .iter()
                        .map(|&d| {
                            if d > cfg.max_distance_deg {
                                return (f64::NAN, 0.0);
                            }
                            match at.travel_time(d) {
                                Ok(t) => (
                                    t.time_s,
                                    cfg.pick_tolerance_s + t.dtdd_s_per_deg.abs() * half_diag,
                                ),
                                Err(_) => (f64::NAN, 0.0),
                            }
                        })
                        .collect();
                    Node {
                        lat,
                        lon: normalize_lon(lon),
                        depth,
                        tt,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();

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
    // candidate: (support, node index, bin centre origin time). Nodes are independent: each
    // worker has its own bins.
    let scratch = || BinScratch {
        bits: vec![0u64; n_bins * words],
        counts: vec![0u32; n_bins],
        touched: Vec::new(),
        hot: Vec::new(),
    };
    let per_node = |scr: &mut BinScratch, (ni, node): (usize, &Node)| {
        let BinScratch {
            bits,
            counts,
            touched,
            hot,
        } = scr;
        let mut candidates: Vec<(usize, usize, f64)> = Vec::new();
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
        for &b in hot.iter() {
            let c = counts[b];
            let before = if b > 0 { counts[b - 1] } else { 0 };
            let after = counts.get(b + 1).copied().unwrap_or(0);
            if c > before && c >= after {
                candidates.push((c as usize, ni, t_lo + (b as f64 + 0.5) * bin));
            }
        }
        for &b in touched.iter() {
            counts[b] = 0;
            bits[b * words..(b + 1) * words].fill(0);
        }
        touched.clear();
        hot.clear();
        candidates
    };
    let mut candidates: Vec<(usize, usize, f64)> = nodes
        .par_iter()
        .enumerate()
        .map_init(scratch, per_node)
        .flatten_iter()
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.total_cmp(&b.2)));

    // P picks per station sorted by time, for fast lookup of a candidate's supporting picks.
    let mut by_station: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n_sta];
    for &oi in &p_obs {
        by_station[obs[oi].station].push((secs[oi], oi));
    }
    for v in &mut by_station {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let ctx = Context::new(&obs, &secs, &station_geo, t_ref, sp, cfg);
    let mut used = vec![false; obs.len()];
    // Support sets already tried and rejected (neighbouring nodes often yield the same set).
    let mut rejected: HashSet<Vec<usize>> = HashSet::new();
    let mut events: Vec<AssociatedEvent> = Vec::new();
    // Candidates are taken greedily in order, and each accepted event changes `used`, which
    // changes every later candidate's support. Evaluating one candidate (refine, locate, grow,
    // detection fraction) is a pure function of (node, support, used), so batches are
    // evaluated in parallel against the current `used` assuming every earlier one in the batch
    // fails (then their supports join `rejected`, which is what the batch walk applies), and
    // committed in order: at the first success the rest of the batch is discarded and the walk
    // resumes after it. The outcome is that of the sequential loop, for any thread count.
    let min_batch = 2 * rayon::current_num_threads().max(1);
    let mut batch_len = min_batch;
    let mut next = 0;
    while next < candidates.len() {
        let mut batch: Vec<(usize, Vec<usize>)> = Vec::with_capacity(batch_len);
        let mut in_batch: HashSet<Vec<usize>> = HashSet::new();
        let mut k = next;
        // Supports depend only on `used`: computed in parallel a chunk at a time, filtered
        // in order.
        'walk: while k < candidates.len() && batch.len() < batch_len {
            let chunk_end = (k + SUPPORT_CHUNK).min(candidates.len());
            let supports: Vec<Vec<usize>> = candidates[k..chunk_end]
                .par_iter()
                .map(|&(_, ni, origin)| {
                    supporting_picks(&nodes[ni], origin, bin, &by_station, &used)
                })
                .collect();
            for support in supports {
                k += 1;
                if support.len() < threshold
                    || rejected.contains(&support)
                    || in_batch.contains(&support)
                {
                    continue;
                }
                in_batch.insert(support.clone());
                batch.push((k - 1, support));
                if batch.len() >= batch_len {
                    break 'walk;
                }
            }
        }
        let outcomes: Vec<Option<Location>> = batch
            .par_iter()
            .map(|(ci, support)| ctx.evaluate(&nodes[candidates[*ci].1], support, &used))
            .collect();
        next = k;
        batch_len = (batch_len * 2).min(256);
        for ((ci, support), outcome) in batch.into_iter().zip(outcomes) {
            let Some(mut loc) = outcome else {
                rejected.insert(support);
                continue;
            };
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
            next = ci + 1;
            batch_len = min_batch;
            break;
        }
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

/// Candidates whose supports are computed together (in parallel) while filling a batch.
const SUPPORT_CHUNK: usize = 256;

/// A candidate's supporting P picks: per station, the unused pick closest to the node's
/// predicted arrival for origin time `origin`, within the node's tolerance plus one bin.
/// Sorted by observation index (the form kept in the rejected set).
fn supporting_picks(
    node: &Node,
    origin: f64,
    bin: f64,
    by_station: &[Vec<(f64, usize)>],
    used: &[bool],
) -> Vec<usize> {
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
    support.sort_unstable();
    support
}

/// What evaluating a candidate needs besides the candidate itself.
struct Context<'a> {
    obs: &'a [Observation],
    secs: &'a [f64],
    stations: &'a [GeoPoint],
    t_ref: i64,
    spacing: f64,
    cfg: &'a AssociatorConfig,
    /// Observation indices sorted by (time, index).
    by_time: Vec<usize>,
    /// Arrival time minus origin time (ns) outside which a pick cannot be within the grow
    /// step's residual limit of any phase (see [`Context::new`]).
    grow_window_ns: (i64, i64),
    coverage: CoverageQuantiles,
}

impl<'a> Context<'a> {
    fn new(
        obs: &'a [Observation],
        secs: &'a [f64],
        stations: &'a [GeoPoint],
        t_ref: i64,
        spacing: f64,
        cfg: &'a AssociatorConfig,
    ) -> Self {
        let mut by_time: Vec<usize> = (0..obs.len()).collect();
        by_time.sort_by_key(|&i| (obs[i].time_ns, i));
        // A pick can join in the grow step only if |t − origin − T| ≤ lim for a table time T,
        // and every T lies within the tables' time bounds; 1 s more on each side absorbs the
        // rounding of ns → s. Non-finite limits give an unbounded window (saturating casts).
        let (mut t_min, mut t_max) = (f64::INFINITY, f64::NEG_INFINITY);
        for phase in [Phase::P, Phase::S] {
            let (lo, hi) = table(cfg.locator.model, phase).time_bounds_s();
            t_min = t_min.min(lo);
            t_max = t_max.max(hi);
        }
        let lim = grow_limit_s(cfg, Phase::S).max(grow_limit_s(cfg, Phase::P));
        let lo = ((t_min - lim - 1.0) * 1e9).floor();
        let hi = ((t_max + lim + 1.0) * 1e9).ceil();
        let grow_window_ns = if lo.is_nan() || hi.is_nan() {
            (i64::MIN, i64::MAX)
        } else {
            (lo as i64, hi as i64)
        };
        Self {
            obs,
            secs,
            stations,
            t_ref,
            spacing,
            cfg,
            by_time,
            grow_window_ns,
            coverage: CoverageQuantiles::new(cfg.locator.confidence),
        }
    }

    /// Refine, locate, grow and check one candidate; the located event if it survives.
    fn evaluate(&self, node: &Node, support: &[usize], used: &[bool]) -> Option<Location> {
        let (obs, cfg) = (self.obs, self.cfg);
        // Cheap test before any least squares: on a 5 × 5 sub-grid around the node, the
        // largest set of supporting picks whose implied origin times agree within
        // ±pick_tolerance must still reach min_stations.
        let (start, refined) = refine_support(obs, self.secs, support, node, self.spacing, cfg)?;
        let (mut loc, mut members) =
            locate_pruned(obs, &refined, &start, self.t_ref, cfg, &self.coverage)?;
        // Grow: add, per station and phase, the unused pick that best fits the current
        // solution (within 3× the residual limit, S twice that), relocate and prune; repeat
        // until the membership stops growing.
        let n_slots = 2 * self.stations.len();
        let slot = |o: &Observation| o.station * 2 + (o.phase == Phase::S) as usize;
        for _ in 0..4 {
            let h = loc.hypocentre;
            let here = GeoPoint::new(h.latitude, h.longitude);
            let mut taken = vec![false; n_slots];
            for &m in &members {
                taken[slot(&obs[m])] = true;
            }
            // BTreeMap, not HashMap: the grown set's order feeds the least squares (summation
            // order) and the pruning tie-break, so it must not depend on a random hash seed.
            let mut slot_best: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
            // Only picks inside the time window can fit (see `grow_window_ns`); ties between
            // equal residuals go to the lower index, as in a scan in index order.
            let lo = h.origin_time_ns.saturating_add(self.grow_window_ns.0);
            let hi = h.origin_time_ns.saturating_add(self.grow_window_ns.1);
            let first = self.by_time.partition_point(|&i| obs[i].time_ns < lo);
            for &oi in &self.by_time[first..] {
                let o = &obs[oi];
                if o.time_ns > hi {
                    break;
                }
                let s = slot(o);
                if used[oi] || taken[s] {
                    continue;
                }
                let d = distance_deg(&here, &o.geo);
                if d > cfg.max_distance_deg {
                    continue;
                }
                if let Ok(tt) = table(cfg.locator.model, o.phase).travel_time(d, h.depth_km) {
                    let res = ((o.time_ns - h.origin_time_ns) as f64 * 1e-9 - tt.time_s).abs();
                    if res <= grow_limit_s(cfg, o.phase)
                        && slot_best
                            .get(&s)
                            .is_none_or(|b| res < b.0 || (res == b.0 && oi < b.1))
                    {
                        slot_best.insert(s, (res, oi));
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
                origin: (h.origin_time_ns - self.t_ref) as f64 * 1e-9,
            };
            match locate_pruned(obs, &grown, &start, self.t_ref, cfg, &self.coverage) {
                Some((l2, m2)) if m2.len() > members.len() => {
                    loc = l2;
                    members = m2;
                }
                _ => break,
            }
        }
        if cfg.min_detection_fraction > 0.0 {
            let h = loc.hypocentre;
            let here = GeoPoint::new(h.latitude, h.longitude);
            let in_range = self
                .stations
                .iter()
                .filter(|s| distance_deg(&here, s) <= cfg.max_distance_deg)
                .count();
            let mut p_sta: Vec<usize> = members
                .iter()
                .filter(|&&m| obs[m].phase == Phase::P)
                .map(|&m| obs[m].station)
                .collect();
            p_sta.sort_unstable();
            p_sta.dedup();
            if (p_sta.len() as f64) < cfg.min_detection_fraction * in_range as f64 {
                return None;
            }
        }
        Some(loc)
    }
}

/// Largest residual (s) with which the grow step adds a pick: 3× the defining limit, S twice
/// that (S picks are less precise and more often mislabelled).
fn grow_limit_s(cfg: &AssociatorConfig, phase: Phase) -> f64 {
    3.0 * cfg.max_residual_s * if phase == Phase::S { 2.0 } else { 1.0 }
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
            let here = GeoPoint::new(lat, lon);
            for &oi in support {
                let o = &obs[oi];
                let d = distance_deg(&here, &o.geo);
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
    coverage: &CoverageQuantiles,
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
        let loc = locate_observations_with(&sub, Some(start), &cfg.locator, Some(coverage)).ok()?;
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
