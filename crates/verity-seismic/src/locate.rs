//! Event location: grid search, then iterative linearised least squares (Geiger 1912) in
//! latitude, longitude, depth and origin time, with a 90 % error ellipse.
//!
//! * Forward model: first-arriving P/S from [`crate::traveltime`], station elevation correction
//!   `elev · sqrt(1/v² − p²)` with IASP91 surface velocities (5.8 km/s P, 3.36 km/s S).
//! * Inversion: weighted (1/σᵢ) Levenberg–Marquardt-damped Gauss–Newton on the local
//!   east/north/depth/time perturbation; partial derivatives ∂T/∂x = −(dT/dΔ)·sin(az)/111.19,
//!   ∂T/∂y = −(dT/dΔ)·cos(az)/111.19, ∂T/∂h from the table (Lee & Stewart 1981, *Principles and
//!   Applications of Microearthquake Networks*, ch. 5).
//! * Depth is free when at least 5 phases are defining; a solution pushed above the surface
//!   (or below 700 km) is fixed at that bound, as LocSAT does (Bratt & Bache 1988, BSSA 78).
//! * Uncertainty: model covariance C = (GᵀWG)⁻¹ scaled as in Jordan & Sverdrup (1981, BSSA 71,
//!   1105–1130): s² = (K·s₀² + Σ(rᵢ/σᵢ)²)/(K + N − M) and κ² = m·s²·F_p(m, K + N − M) for an
//!   m-dimensional region. The IDC (LocSAT, Bratt & Bache 1988) uses K → ∞ (a "coverage"
//!   ellipse: κ² = χ²_m(p), s = s₀ = 1), which is the default here; `apriori_dof = Some(0.0)`
//!   gives the classical confidence ellipse from the residuals alone.
use crate::geodesy::{GeoPoint, KM_PER_DEG, destination, distance_azimuth, distaz};
use crate::input::{Pick, Station};
use crate::stats::f_quantile;
use crate::traveltime::{AtDepth, EarthModel, Phase, TravelTimeError, table};
use std::collections::HashMap;

/// Errors from location.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LocateError {
    #[error("pick {index}: station {station:?} is not in the station list")]
    UnknownStation { index: usize, station: String },
    #[error("need at least {needed} usable picks to locate, have {have}")]
    TooFewPicks { needed: usize, have: usize },
    #[error("no grid point yields travel times for these picks")]
    NoGridSolution,
    #[error("normal equations are singular (network geometry cannot resolve the source)")]
    Singular,
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    TravelTime(#[from] TravelTimeError),
}

/// Locator settings.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LocatorConfig {
    pub model: EarthModel,
    /// Default a-priori standard error of a P pick, seconds (used when a pick has none).
    pub p_sigma_s: f64,
    /// Default a-priori standard error of an S pick, seconds.
    pub s_sigma_s: f64,
    /// Probability content of the reported error ellipse.
    pub confidence: f64,
    /// Jordan–Sverdrup K (degrees of freedom of the a-priori variance); `None` = ∞ (IDC coverage).
    pub apriori_dof: Option<f64>,
    /// Fix the depth (km) instead of solving for it.
    pub fixed_depth_km: Option<f64>,
    pub max_iterations: usize,
}

impl Default for LocatorConfig {
    fn default() -> Self {
        Self {
            model: EarthModel::Iasp91,
            p_sigma_s: 1.0,
            s_sigma_s: 2.0,
            confidence: 0.90,
            apriori_dof: None,
            fixed_depth_km: None,
            max_iterations: 40,
        }
    }
}

/// A hypocentre (geographic degrees, km below the surface, origin time in ns since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hypocentre {
    pub latitude: f64,
    pub longitude: f64,
    pub depth_km: f64,
    pub origin_time_ns: i64,
}

/// Epicentral error ellipse.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorEllipse {
    pub semi_major_km: f64,
    pub semi_minor_km: f64,
    /// Azimuth of the major axis, degrees clockwise from north in [0, 180).
    pub major_azimuth_deg: f64,
    pub area_km2: f64,
    /// Probability content (e.g. 0.9).
    pub confidence: f64,
}

impl ErrorEllipse {
    /// Does the point (lat, lon) lie inside the ellipse centred at (clat, clon)? Uses the local
    /// tangent plane (adequate for ellipses of at most a few hundred km).
    pub fn contains(&self, clat: f64, clon: f64, lat: f64, lon: f64) -> bool {
        let d = distaz(clat, clon, lat, lon);
        let r = d.distance_deg * KM_PER_DEG;
        let ang = (d.azimuth_deg - self.major_azimuth_deg).to_radians();
        let (a, b) = (self.semi_major_km, self.semi_minor_km);
        if a <= 0.0 || b <= 0.0 {
            return false;
        }
        (r * ang.cos() / a).powi(2) + (r * ang.sin() / b).powi(2) <= 1.0
    }
}

/// One arrival's contribution to a location.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ArrivalResidual {
    /// Index of the pick in the caller's pick list.
    pub pick_index: usize,
    pub station: String,
    pub phase: Phase,
    /// Travel-time branch name predicted at this distance (e.g. "Pn", "P").
    pub branch: String,
    pub time_ns: i64,
    pub distance_deg: f64,
    pub azimuth_deg: f64,
    pub travel_time_s: f64,
    /// Observed minus predicted arrival time, seconds.
    pub residual_s: f64,
    pub sigma_s: f64,
    /// Used in the solution (time-defining).
    pub defining: bool,
}

/// A located event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub hypocentre: Hypocentre,
    pub ellipse: ErrorEllipse,
    /// Half-width of the `confidence` interval on depth (km); None when depth was fixed.
    pub depth_uncertainty_km: Option<f64>,
    /// Half-width of the `confidence` interval on origin time (s).
    pub origin_time_uncertainty_s: f64,
    pub depth_fixed: bool,
    /// Weighted RMS of the defining residuals (s).
    pub rms_s: f64,
    /// Jordan–Sverdrup variance factor s (1 for coverage ellipses).
    pub variance_factor: f64,
    pub n_defining: usize,
    pub n_stations: usize,
    pub azimuthal_gap_deg: f64,
    pub iterations: usize,
    pub model: EarthModel,
    pub arrivals: Vec<ArrivalResidual>,
}

/// A pick resolved against its station.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    pub pick_index: usize,
    pub station: usize,
    pub lat: f64,
    pub lon: f64,
    /// The station on the geocentric sphere (its trigonometry computed once, not per trial).
    pub geo: GeoPoint,
    pub elev_km: f64,
    pub phase: Phase,
    pub time_ns: i64,
    pub sigma: f64,
}

/// Map station codes (both `STA` and `NET.STA`) to indices.
pub(crate) fn station_index(stations: &[Station]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for (i, s) in stations.iter().enumerate() {
        m.entry(s.code.clone()).or_insert(i);
        if !s.network.is_empty() {
            m.insert(format!("{}.{}", s.network, s.code), i);
        }
    }
    m
}

pub(crate) fn resolve(
    stations: &[Station],
    picks: &[Pick],
    cfg: &LocatorConfig,
) -> Result<Vec<Observation>, LocateError> {
    let idx = station_index(stations);
    picks
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let s = *idx
                .get(&p.station)
                .ok_or_else(|| LocateError::UnknownStation {
                    index: i,
                    station: p.station.clone(),
                })?;
            let st = &stations[s];
            Ok(Observation {
                pick_index: i,
                station: s,
                lat: st.latitude,
                lon: st.longitude,
                geo: GeoPoint::new(st.latitude, st.longitude),
                elev_km: st.elevation_m / 1000.0,
                phase: p.phase,
                time_ns: p.time_ns,
                sigma: p.uncertainty_s.unwrap_or(match p.phase {
                    Phase::P => cfg.p_sigma_s,
                    Phase::S => cfg.s_sigma_s,
                }),
            })
        })
        .collect()
}

#[derive(Clone, Copy)]
struct Predicted {
    time: f64,
    dtdd: f64,
    dtdh: f64,
    dist: f64,
    az: f64,
    branch: &'static str,
}

/// The P and S tables of `model` at one source depth (the depth lookup done once per trial
/// source, not once per station).
struct SourceTables<'a> {
    p: AtDepth<'a>,
    s: AtDepth<'a>,
}

impl SourceTables<'static> {
    fn new(model: EarthModel, depth: f64) -> Self {
        Self {
            p: table(model, Phase::P).at_depth(depth),
            s: table(model, Phase::S).at_depth(depth),
        }
    }
}

/// Prediction for observation `o` from a source at `src` (see [`GeoPoint`]) whose depth
/// `tables` were prepared for.
fn predict(
    o: &Observation,
    src: &GeoPoint,
    tables: &SourceTables,
) -> Result<Predicted, TravelTimeError> {
    let (dist, az) = distance_azimuth(src, &o.geo);
    let at = match o.phase {
        Phase::P => &tables.p,
        Phase::S => &tables.s,
    };
    let tt = at.travel_time(dist.min(180.0))?;
    let v = match o.phase {
        Phase::P => 5.8,
        Phase::S => 3.36,
    };
    let p_km = tt.dtdd_s_per_deg / KM_PER_DEG;
    let elev = o.elev_km * (1.0 / (v * v) - p_km * p_km).max(0.0).sqrt();
    Ok(Predicted {
        time: tt.time_s + elev,
        dtdd: tt.dtdd_s_per_deg,
        dtdh: tt.dtdh_s_per_km,
        dist,
        az,
        branch: tt.branch,
    })
}

/// Weighted misfit at a trial hypocentre with the origin time solved analytically (weighted
/// mean). Returns (misfit, origin offset in s relative to `t_ref`).
fn grid_misfit(
    model: EarthModel,
    obs: &[Observation],
    t_ref: i64,
    lat: f64,
    lon: f64,
    depth: f64,
) -> Option<(f64, f64)> {
    let mut sw = 0.0;
    let mut swo = 0.0;
    let mut buf: Vec<(f64, f64)> = Vec::with_capacity(obs.len());
    let src = GeoPoint::new(lat, lon);
    let tables = SourceTables::new(model, depth);
    for o in obs {
        let p = predict(o, &src, &tables).ok()?;
        let w = 1.0 / (o.sigma * o.sigma);
        let origin = (o.time_ns - t_ref) as f64 * 1e-9 - p.time;
        sw += w;
        swo += w * origin;
        buf.push((origin, w));
    }
    let t0 = swo / sw;
    // L1-like robust misfit (sum of |r|/σ) so that a single outlier does not steer the grid.
    let m = buf
        .iter()
        .map(|(o, w)| (o - t0).abs() * w.sqrt())
        .sum::<f64>();
    Some((m, t0))
}

/// Locate an event from picks.
pub fn locate(
    stations: &[Station],
    picks: &[Pick],
    cfg: &LocatorConfig,
) -> Result<Location, LocateError> {
    let obs = resolve(stations, picks, cfg)?;
    let mut l = locate_observations(&obs, None, cfg)?;
    label_arrivals(&mut l, picks);
    Ok(l)
}

/// Locate starting from a given hypocentre (skips the global grid search).
pub fn locate_from(
    stations: &[Station],
    picks: &[Pick],
    start: Hypocentre,
    cfg: &LocatorConfig,
) -> Result<Location, LocateError> {
    let obs = resolve(stations, picks, cfg)?;
    let mut l = locate_observations(&obs, Some(start), cfg)?;
    label_arrivals(&mut l, picks);
    Ok(l)
}

fn check_config(cfg: &LocatorConfig) -> Result<(), LocateError> {
    if !(cfg.confidence > 0.0 && cfg.confidence < 1.0) {
        return Err(LocateError::Config(format!(
            "confidence {} must be in (0, 1)",
            cfg.confidence
        )));
    }
    if !(cfg.p_sigma_s > 0.0 && cfg.s_sigma_s > 0.0) {
        return Err(LocateError::Config(
            "pick standard errors must be > 0".into(),
        ));
    }
    if let Some(h) = cfg.fixed_depth_km
        && !(0.0..=700.0).contains(&h)
    {
        return Err(LocateError::Config(format!(
            "fixed depth {h} km outside 0..700"
        )));
    }
    if cfg.apriori_dof.is_some_and(|k| !(k >= 0.0)) {
        return Err(LocateError::Config("apriori_dof must be >= 0".into()));
    }
    Ok(())
}

/// Grid search: coarse global grid plus station positions, refined twice around the best node.
fn grid_search(
    model: EarthModel,
    obs: &[Observation],
    t_ref: i64,
    depths: &[f64],
) -> Option<(f64, f64, f64, f64)> {
    let mut best: Option<(f64, f64, f64, f64, f64)> = None; // misfit, lat, lon, depth, t0
    let consider = |lat: f64, lon: f64, h: f64, best: &mut Option<(f64, f64, f64, f64, f64)>| {
        if let Some((m, t0)) = grid_misfit(model, obs, t_ref, lat, lon, h)
            && best.is_none_or(|b| m < b.0)
        {
            *best = Some((m, lat, lon, h, t0));
        }
    };
    for &h in depths {
        let mut lat: f64 = -85.0;
        while lat <= 85.0 {
            let step = (5.0 / lat.to_radians().cos()).min(60.0);
            let mut lon = -180.0;
            while lon < 180.0 {
                consider(lat, lon, h, &mut best);
                lon += step;
            }
            lat += 5.0;
        }
        for o in obs {
            consider(o.lat, o.lon, h, &mut best);
        }
    }
    for (half, step) in [(5.0, 1.0), (1.0, 0.2), (0.2, 0.05)] {
        let (_, blat, blon, _, _) = best?;
        let n = (half / step) as i32;
        for &h in depths {
            for i in -n..=n {
                for j in -n..=n {
                    let lat = (blat + i as f64 * step).clamp(-89.9, 89.9);
                    let lon = crate::geodesy::normalize_lon(
                        blon + j as f64 * step / lat.to_radians().cos().max(0.1),
                    );
                    consider(lat, lon, h, &mut best);
                }
            }
        }
    }
    best.map(|b| (b.1, b.2, b.3, b.4))
}

/// Solve the symmetric positive (semi)definite system A x = b (n ≤ 4) by Gaussian elimination
/// with partial pivoting; None if singular.
fn solve(mut a: [[f64; 4]; 4], mut b: [f64; 4], n: usize) -> Option<[f64; 4]> {
    for c in 0..n {
        let piv = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, piv);
        b.swap(c, piv);
        let (pivot_row, pivot_b) = (a[c], b[c]);
        for r in c + 1..n {
            let f = a[r][c] / pivot_row[c];
            for (x, p) in a[r][c..n].iter_mut().zip(&pivot_row[c..n]) {
                *x -= f * p;
            }
            b[r] -= f * pivot_b;
        }
    }
    let mut x = [0.0; 4];
    for r in (0..n).rev() {
        let mut s = b[r];
        for k in r + 1..n {
            s -= a[r][k] * x[k];
        }
        x[r] = s / a[r][r];
    }
    Some(x)
}

fn invert(a: [[f64; 4]; 4], n: usize) -> Option<[[f64; 4]; 4]> {
    let mut inv = [[0.0; 4]; 4];
    for c in 0..n {
        let mut e = [0.0; 4];
        e[c] = 1.0;
        let col = solve(a, e, n)?;
        for r in 0..n {
            inv[r][c] = col[r];
        }
    }
    Some(inv)
}

/// Unknown ordering: 0 = east (km), 1 = north (km), 2 = origin time (s), 3 = depth (km, if free).
struct System {
    ata: [[f64; 4]; 4],
    atb: [f64; 4],
    chi2: f64,
}

/// Normal equations at `h`, from the predictions `pred` at `h` (one per observation, from
/// [`predict_all`]).
fn build(
    obs: &[Observation],
    pred: &[Predicted],
    t_ref: i64,
    h: &(f64, f64, f64, f64),
    n_par: usize,
) -> System {
    let mut ata = [[0.0; 4]; 4];
    let mut atb = [0.0; 4];
    let mut chi2 = 0.0;
    for (o, p) in obs.iter().zip(pred) {
        let r = ((o.time_ns - t_ref) as f64 * 1e-9 - h.3 - p.time) / o.sigma;
        let az = p.az.to_radians();
        let row = [
            -p.dtdd * az.sin() / KM_PER_DEG / o.sigma,
            -p.dtdd * az.cos() / KM_PER_DEG / o.sigma,
            1.0 / o.sigma,
            p.dtdh / o.sigma,
        ];
        for i in 0..n_par {
            atb[i] += row[i] * r;
            for j in 0..n_par {
                ata[i][j] += row[i] * row[j];
            }
        }
        chi2 += r * r;
    }
    System { ata, atb, chi2 }
}

/// χ² at `h`, leaving the predictions in `pred` (reused by [`build`] and the residual table
/// when `h` is accepted, instead of being computed again). None if any observation has no
/// prediction from `h`.
fn predict_all(
    model: EarthModel,
    obs: &[Observation],
    t_ref: i64,
    h: &(f64, f64, f64, f64),
    pred: &mut Vec<Predicted>,
) -> Option<f64> {
    pred.clear();
    let mut c = 0.0;
    let src = GeoPoint::new(h.0, h.1);
    let tables = SourceTables::new(model, h.2);
    for o in obs {
        let p = predict(o, &src, &tables).ok()?;
        let r = ((o.time_ns - t_ref) as f64 * 1e-9 - h.3 - p.time) / o.sigma;
        c += r * r;
        pred.push(p);
    }
    Some(c)
}

/// The F quantiles of the ellipse and the 1-D intervals when ν = ∞ (the IDC coverage ellipse,
/// `apriori_dof = None`): they do not depend on the data, and each costs an iterative
/// inversion, so a caller that locates many times (the associator) computes them once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CoverageQuantiles {
    confidence: f64,
    two_d: f64,
    one_d: f64,
}

impl CoverageQuantiles {
    pub(crate) fn new(confidence: f64) -> Self {
        Self {
            confidence,
            two_d: f_quantile(confidence, 2.0, f64::INFINITY),
            one_d: f_quantile(confidence, 1.0, f64::INFINITY),
        }
    }
}

pub(crate) fn locate_observations(
    obs: &[Observation],
    start: Option<Hypocentre>,
    cfg: &LocatorConfig,
) -> Result<Location, LocateError> {
    locate_observations_with(obs, start, cfg, None)
}

/// [`locate_observations`] with the ν = ∞ quantiles precomputed (used when they apply).
pub(crate) fn locate_observations_with(
    obs: &[Observation],
    start: Option<Hypocentre>,
    cfg: &LocatorConfig,
    coverage: Option<&CoverageQuantiles>,
) -> Result<Location, LocateError> {
    check_config(cfg)?;
    let model = cfg.model;
    let n_sta = {
        let mut s: Vec<usize> = obs.iter().map(|o| o.station).collect();
        s.sort_unstable();
        s.dedup();
        s.len()
    };
    if obs.len() < 3 || n_sta < 3 {
        return Err(LocateError::TooFewPicks {
            needed: 3,
            have: obs.len().min(n_sta),
        });
    }
    let mut depth_free = cfg.fixed_depth_km.is_none() && obs.len() >= 5;
    let t_ref = obs.iter().map(|o| o.time_ns).min().unwrap_or(0);
    // (lat, lon, depth, origin time in s after t_ref)
    let mut h = match start {
        Some(s) => (
            s.latitude,
            s.longitude,
            s.depth_km,
            (s.origin_time_ns - t_ref) as f64 * 1e-9,
        ),
        None => {
            let depths: Vec<f64> = match cfg.fixed_depth_km {
                Some(d) => vec![d],
                None if depth_free => vec![0.0, 35.0, 120.0, 350.0, 600.0],
                None => vec![0.0],
            };
            grid_search(model, obs, t_ref, &depths).ok_or(LocateError::NoGridSolution)?
        }
    };
    if let Some(d) = cfg.fixed_depth_km {
        h.2 = d;
    } else if !depth_free {
        h.2 = h.2.clamp(0.0, 700.0);
    }
    let mut lambda = 1e-3;
    let mut iterations = 0;
    // Predictions at the current `h` (kept in step with it) and at a trial step.
    let mut pred = Vec::with_capacity(obs.len());
    let mut trial = Vec::with_capacity(obs.len());
    let mut chi2 =
        predict_all(model, obs, t_ref, &h, &mut pred).ok_or(LocateError::NoGridSolution)?;
    for it in 0..cfg.max_iterations {
        iterations = it + 1;
        let n_par = if depth_free { 4 } else { 3 };
        let sys = build(obs, &pred, t_ref, &h, n_par);
        let mut improved = false;
        let mut step_size = 0.0;
        for _ in 0..12 {
            let mut a = sys.ata;
            for (i, row) in a.iter_mut().enumerate().take(n_par) {
                row[i] *= 1.0 + lambda;
                row[i] += 1e-9;
            }
            let Some(dx) = solve(a, sys.atb, n_par) else {
                lambda *= 10.0;
                continue;
            };
            let dist_km = dx[0].hypot(dx[1]);
            let az = dx[0].atan2(dx[1]).to_degrees();
            let (lat, lon) = if dist_km > 0.0 {
                destination(h.0, h.1, dist_km / KM_PER_DEG, az)
            } else {
                (h.0, h.1)
            };
            let mut cand = (lat, lon, h.2, h.3 + dx[2]);
            let mut hit_bound = false;
            if depth_free {
                cand.2 = h.2 + dx[3];
                if cand.2 < 0.0 || cand.2 > 700.0 {
                    cand.2 = cand.2.clamp(0.0, 700.0);
                    hit_bound = true;
                }
            }
            match predict_all(model, obs, t_ref, &cand, &mut trial) {
                Some(c) if c <= chi2 * (1.0 + 1e-12) => {
                    step_size = dist_km + dx[2].abs() + if depth_free { dx[3].abs() } else { 0.0 };
                    h = cand;
                    std::mem::swap(&mut pred, &mut trial);
                    chi2 = c;
                    if hit_bound {
                        depth_free = false;
                    }
                    lambda = (lambda / 10.0).max(1e-9);
                    improved = true;
                    break;
                }
                _ => lambda *= 10.0,
            }
        }
        if !improved || step_size < 1e-4 {
            break;
        }
    }
    // Covariance at the solution.
    let n_par = if depth_free { 4 } else { 3 };
    let sys = build(obs, &pred, t_ref, &h, n_par);
    let cov = invert(sys.ata, n_par).ok_or(LocateError::Singular)?;
    let n = obs.len() as f64;
    let dof = n - n_par as f64;
    let (s2, nu) = match cfg.apriori_dof {
        None => (1.0, f64::INFINITY),
        Some(k) => {
            let nu = k + dof;
            if nu <= 0.0 {
                return Err(LocateError::TooFewPicks {
                    needed: n_par + 1,
                    have: obs.len(),
                });
            }
            ((k + sys.chi2) / nu, nu)
        }
    };
    let (q2, q1) = match coverage {
        Some(q) if nu.is_infinite() && q.confidence == cfg.confidence => (q.two_d, q.one_d),
        _ => (
            f_quantile(cfg.confidence, 2.0, nu),
            f_quantile(cfg.confidence, 1.0, nu),
        ),
    };
    let kappa2_2d = 2.0 * s2 * q2;
    let kappa_1d = (s2 * q1).sqrt();
    let (cxx, cyy, cxy) = (cov[0][0], cov[1][1], cov[0][1]);
    let tr = cxx + cyy;
    let det = cxx * cyy - cxy * cxy;
    let disc = ((tr * tr / 4.0) - det).max(0.0).sqrt();
    let (l1, l2) = (tr / 2.0 + disc, (tr / 2.0 - disc).max(0.0));
    // Eigenvector of the larger eigenvalue: angle from the east axis; convert to azimuth.
    let theta = 0.5 * (2.0 * cxy).atan2(cxx - cyy);
    let major_az = (90.0 - theta.to_degrees()).rem_euclid(180.0);
    let a = (kappa2_2d * l1).sqrt();
    let b = (kappa2_2d * l2).sqrt();
    let ellipse = ErrorEllipse {
        semi_major_km: a,
        semi_minor_km: b,
        major_azimuth_deg: major_az,
        area_km2: std::f64::consts::PI * a * b,
        confidence: cfg.confidence,
    };

    let mut arrivals = Vec::with_capacity(obs.len());
    let mut azimuths = Vec::with_capacity(obs.len());
    let mut wss = 0.0;
    let mut sw = 0.0;
    for (o, p) in obs.iter().zip(&pred) {
        let res = (o.time_ns - t_ref) as f64 * 1e-9 - h.3 - p.time;
        wss += res * res / (o.sigma * o.sigma);
        sw += 1.0 / (o.sigma * o.sigma);
        azimuths.push(p.az);
        arrivals.push(ArrivalResidual {
            pick_index: o.pick_index,
            station: String::new(),
            phase: o.phase,
            branch: p.branch.to_string(),
            time_ns: o.time_ns,
            distance_deg: p.dist,
            azimuth_deg: p.az,
            travel_time_s: p.time,
            residual_s: res,
            sigma_s: o.sigma,
            defining: true,
        });
    }
    azimuths.sort_by(f64::total_cmp);
    let mut gap: f64 = 0.0;
    for w in azimuths.windows(2) {
        gap = gap.max(w[1] - w[0]);
    }
    if let (Some(f), Some(l)) = (azimuths.first(), azimuths.last()) {
        gap = gap.max(360.0 - l + f);
    }
    let origin_time_ns = t_ref + (h.3 * 1e9).round() as i64;
    Ok(Location {
        hypocentre: Hypocentre {
            latitude: h.0,
            longitude: crate::geodesy::normalize_lon(h.1),
            depth_km: h.2,
            origin_time_ns,
        },
        ellipse,
        depth_uncertainty_km: depth_free.then(|| kappa_1d * cov[3][3].sqrt()),
        origin_time_uncertainty_s: kappa_1d * cov[2][2].sqrt(),
        depth_fixed: !depth_free,
        rms_s: (wss / sw).sqrt(),
        variance_factor: s2.sqrt(),
        n_defining: obs.len(),
        n_stations: n_sta,
        azimuthal_gap_deg: gap,
        iterations,
        model,
        arrivals,
    })
}

/// Fill station codes into residual records (kept out of the hot loop).
pub(crate) fn label_arrivals(loc: &mut Location, picks: &[Pick]) {
    for a in &mut loc.arrivals {
        if let Some(p) = picks.get(a.pick_index) {
            a.station = p.station.clone();
        }
    }
}

/// The JSON shape of `verity seismic locate --json` and `POST /api/v1/seismic/locate`: the
/// serialised [`Location`] plus `origin_time` as RFC 3339 text. One definition so the CLI and
/// the node cannot drift apart.
pub fn location_json(loc: &Location) -> serde_json::Value {
    // Serialising a Location cannot fail: plain structs of numbers and strings, no maps with
    // non-string keys.
    let mut v = serde_json::to_value(loc).unwrap_or_default();
    v["origin_time"] =
        serde_json::Value::String(crate::input::format_time_ns(loc.hypocentre.origin_time_ns));
    v
}
