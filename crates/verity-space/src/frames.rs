//! TEME → PEF → ITRF and ITRF ↔ WGS-84 geodetic coordinates, for ground tracks.
//!
//! SGP4 states are in TEME (true equator, mean equinox). Following Vallado et al. 2006
//! (AIAA 2006-6753 §"Coordinate systems") and Vallado 2013 §3.7: the TEME→PEF rotation is about
//! the z axis by GMST (IAU-82, no equation of the equinoxes), velocity picks up −ω×r, and
//! polar motion (xp, yp) takes PEF to ITRF. Without Earth-orientation parameters (ΔUT1 = 0,
//! xp = yp = 0) the error is ≤ 0.9 s of Earth rotation (≤ 0.42 km at the equator's surface
//! speed... scaled by r) plus ≤ 0.3″ of polar motion (≈ 15 m at GEO).
//!
//! Geodetic latitude/height on WGS-84 by Vallado 2013 Algorithm 12 (iteration on the latitude).
//!
//! Earth orientation values come from [`crate::eop::EopTable`] (IERS finals or CelesTrak CSV,
//! interpolated to the instant); [`EarthOrientation::default`] is the no-EOP approximation.

use serde::{Deserialize, Serialize};

use crate::propagate::StateVector;
use crate::time::{Epoch, gmst_1982};

/// Earth's nominal rotation rate (rad/s), Vallado 2013 Eq. 3-82 (IERS).
pub const EARTH_ROTATION_RAD_S: f64 = 7.292_115_146_706_979e-5;
/// WGS-84 semi-major axis (km).
pub const WGS84_A_KM: f64 = 6378.137;
/// WGS-84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// Earth orientation parameters for one day (IERS Bulletin A/B values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EarthOrientation {
    /// UT1 − UTC (s).
    pub dut1_s: f64,
    /// Polar motion x (arcseconds).
    pub xp_arcsec: f64,
    /// Polar motion y (arcseconds).
    pub yp_arcsec: f64,
    /// Excess length of day (s).
    pub lod_s: f64,
}

/// A point on the WGS-84 ellipsoid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Geodetic {
    pub latitude_deg: f64,
    pub longitude_deg: f64,
    pub height_km: f64,
}

fn mat_vec(m: &[[f64; 3]; 3], v: &[f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn transpose_vec(m: &[[f64; 3]; 3], v: &[f64; 3]) -> [f64; 3] {
    [
        m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
        m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
        m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
    ]
}

/// TEME state at UTC `t` → ITRF (Earth-fixed) state, km and km/s.
pub fn teme_to_itrf(state: &StateVector, t: &Epoch, eop: &EarthOrientation) -> StateVector {
    let ut1 = t.plus_seconds(eop.dut1_s);
    let theta = gmst_1982(&ut1);
    let (s, c) = theta.sin_cos();
    // r_PEF = R3(θ) r_TEME.
    let r = state.position_km;
    let v = state.velocity_km_s;
    let r_pef = [c * r[0] + s * r[1], -s * r[0] + c * r[1], r[2]];
    let omega = EARTH_ROTATION_RAD_S * (1.0 - eop.lod_s / 86_400.0);
    let v_rot = [c * v[0] + s * v[1], -s * v[0] + c * v[1], v[2]];
    // v_PEF = R3(θ) v_TEME − ω × r_PEF
    let v_pef = [
        v_rot[0] + omega * r_pef[1],
        v_rot[1] - omega * r_pef[0],
        v_rot[2],
    ];
    // Polar motion matrix of Vallado 2013 Eq. 3-77 (IAU-76/FK5): r_PEF = W r_ITRF.
    let arcsec = std::f64::consts::PI / (180.0 * 3600.0);
    let (sx, cx) = (eop.xp_arcsec * arcsec).sin_cos();
    let (sy, cy) = (eop.yp_arcsec * arcsec).sin_cos();
    let w = [
        [cx, 0.0, -sx],
        [sx * sy, cy, cx * sy],
        [sx * cy, -sy, cx * cy],
    ];
    StateVector {
        position_km: transpose_vec(&w, &r_pef),
        velocity_km_s: transpose_vec(&w, &v_pef),
    }
}

/// ITRF → TEME, the inverse of [`teme_to_itrf`].
pub fn itrf_to_teme(state: &StateVector, t: &Epoch, eop: &EarthOrientation) -> StateVector {
    let arcsec = std::f64::consts::PI / (180.0 * 3600.0);
    let (sx, cx) = (eop.xp_arcsec * arcsec).sin_cos();
    let (sy, cy) = (eop.yp_arcsec * arcsec).sin_cos();
    let w = [
        [cx, 0.0, -sx],
        [sx * sy, cy, cx * sy],
        [sx * cy, -sy, cx * cy],
    ];
    let r_pef = mat_vec(&w, &state.position_km);
    let v_pef = mat_vec(&w, &state.velocity_km_s);
    let omega = EARTH_ROTATION_RAD_S * (1.0 - eop.lod_s / 86_400.0);
    let v_in = [
        v_pef[0] - omega * r_pef[1],
        v_pef[1] + omega * r_pef[0],
        v_pef[2],
    ];
    let theta = gmst_1982(&t.plus_seconds(eop.dut1_s));
    let (s, c) = theta.sin_cos();
    let back = |x: [f64; 3]| [c * x[0] - s * x[1], s * x[0] + c * x[1], x[2]];
    StateVector {
        position_km: back(r_pef),
        velocity_km_s: back(v_in),
    }
}

/// Earth-fixed position → WGS-84 geodetic (Vallado 2013 Alg. 12).
pub fn itrf_to_geodetic(r: &[f64; 3]) -> Geodetic {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let rxy = (r[0] * r[0] + r[1] * r[1]).sqrt();
    let lon = r[1].atan2(r[0]);
    let norm = (rxy * rxy + r[2] * r[2]).sqrt();
    if norm == 0.0 {
        return Geodetic {
            latitude_deg: 0.0,
            longitude_deg: 0.0,
            height_km: -WGS84_A_KM,
        };
    }
    let mut lat = r[2].atan2(rxy);
    let mut c;
    for _ in 0..20 {
        let s = lat.sin();
        c = WGS84_A_KM / (1.0 - e2 * s * s).sqrt();
        let next = (r[2] + c * e2 * s).atan2(rxy);
        let done = (next - lat).abs() < 1e-14;
        lat = next;
        if done {
            break;
        }
    }
    let s = lat.sin();
    c = WGS84_A_KM / (1.0 - e2 * s * s).sqrt();
    let h = if lat.cos().abs() > 1e-10 {
        rxy / lat.cos() - c
    } else {
        // At the poles use the z form (Vallado 2013 Alg. 12 note).
        r[2].abs() / s.abs() - c * (1.0 - e2)
    };
    Geodetic {
        latitude_deg: lat.to_degrees(),
        longitude_deg: lon.to_degrees(),
        height_km: h,
    }
}

/// WGS-84 geodetic → Earth-fixed position (km), Vallado 2013 Eq. 3-7.
pub fn geodetic_to_itrf(g: &Geodetic) -> [f64; 3] {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let (sl, cl) = g.latitude_deg.to_radians().sin_cos();
    let (so, co) = g.longitude_deg.to_radians().sin_cos();
    let c = WGS84_A_KM / (1.0 - e2 * sl * sl).sqrt();
    let s = c * (1.0 - e2);
    [
        (c + g.height_km) * cl * co,
        (c + g.height_km) * cl * so,
        (s + g.height_km) * sl,
    ]
}

/// Sub-satellite point of a TEME state at `t`.
pub fn subpoint(state: &StateVector, t: &Epoch, eop: &EarthOrientation) -> Geodetic {
    itrf_to_geodetic(&teme_to_itrf(state, t, eop).position_km)
}

/// An ephemeris in the Earth-fixed frame, as `verity space propagate --itrf/--eop --json`
/// prints it: `{catalog_number, name, frame: "ITRF", states: [{time, position_km,
/// velocity_km_s, geodetic: {latitude_deg, longitude_deg, height_km}} | {time, error}]}`.
/// `eop` gives the Earth orientation at each instant (an error message names why it cannot,
/// e.g. an instant outside the EOP table) and fails the whole conversion.
pub fn earth_fixed_json(
    e: &crate::propagate::Ephemeris,
    eop: &dyn Fn(&Epoch) -> Result<EarthOrientation, String>,
) -> Result<serde_json::Value, String> {
    let mut states = Vec::with_capacity(e.samples.len());
    for s in &e.samples {
        let t = s.epoch.to_iso8601();
        match &s.state {
            Some(st) => {
                let o = eop(&s.epoch)?;
                let f = teme_to_itrf(st, &s.epoch, &o);
                let g = itrf_to_geodetic(&f.position_km);
                states.push(serde_json::json!({
                    "time": t, "position_km": f.position_km, "velocity_km_s": f.velocity_km_s,
                    "geodetic": {"latitude_deg": g.latitude_deg, "longitude_deg": g.longitude_deg, "height_km": g.height_km},
                }));
            }
            None => states.push(serde_json::json!({"time": t, "error": s.error})),
        }
    }
    Ok(serde_json::json!({
        "catalog_number": e.catalog_number,
        "name": e.name,
        "frame": "ITRF",
        "states": states,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vallado 2013 Example 3-15 / AIAA 2006-6753 Appendix: TEME → ITRF on 2004-04-06
    /// 07:51:28.386009 UTC, ΔUT1 = −0.4399619 s, xp = −0.140682″, yp = 0.333309″,
    /// LOD = 0.0015563 s. Published ITRF r = (−1033.4793830, 7901.2952754, 6380.3565958) km,
    /// v = (−3.225636520, −2.872451450, 5.531924446) km/s. Tolerance 2e-5 km / 1e-8 km/s
    /// (the published values carry 7 decimals; skyfield's TEME_to_ITRF gives the same to 1e-5 km).
    #[test]
    fn vallado_example_3_15() {
        let t = Epoch::parse_iso8601("2004-04-06T07:51:28.386009Z").unwrap();
        let eop = EarthOrientation {
            dut1_s: -0.439_961_9,
            xp_arcsec: -0.140_682,
            yp_arcsec: 0.333_309,
            lod_s: 0.001_556_3,
        };
        let teme = StateVector {
            position_km: [5094.18016210, 6127.64465950, 6380.34453270],
            velocity_km_s: [-4.746_131_487, 0.785_818_041, 5.531_931_288],
        };
        let itrf = teme_to_itrf(&teme, &t, &eop);
        let r_ref = [-1033.4793830, 7901.2952754, 6380.3565958];
        let v_ref = [-3.225_636_520, -2.872_451_450, 5.531_924_446];
        for k in 0..3 {
            assert!(
                (itrf.position_km[k] - r_ref[k]).abs() < 2e-5,
                "r[{k}] {} vs {}",
                itrf.position_km[k],
                r_ref[k]
            );
            assert!(
                (itrf.velocity_km_s[k] - v_ref[k]).abs() < 1e-8,
                "v[{k}] {} vs {}",
                itrf.velocity_km_s[k],
                v_ref[k]
            );
        }
        let back = itrf_to_teme(&itrf, &t, &eop);
        for k in 0..3 {
            assert!((back.position_km[k] - teme.position_km[k]).abs() < 1e-9);
            assert!((back.velocity_km_s[k] - teme.velocity_km_s[k]).abs() < 1e-12);
        }
    }

    /// Vallado 2013 Example 3-3: r_ECEF = (6524.834, 6862.875, 6448.296) km →
    /// φ_gd = 34.352496°, λ = 46.4464°, h_ellp = 5085.22 km (published digits = tolerance).
    #[test]
    fn vallado_example_3_3_geodetic() {
        let g = itrf_to_geodetic(&[6524.834, 6862.875, 6448.296]);
        assert!((g.latitude_deg - 34.352_496).abs() < 1e-6, "{g:?}");
        assert!((g.longitude_deg - 46.4464).abs() < 1e-4, "{g:?}");
        assert!((g.height_km - 5085.22).abs() < 0.01, "{g:?}");
    }

    #[test]
    fn geodetic_round_trip_table() {
        for (lat, lon, h) in [
            (0.0, 0.0, 0.0),
            (89.9999, 10.0, 400.0),
            (-45.0, -170.0, 35786.0),
            (12.3, 179.9, -0.5),
            (90.0, 0.0, 100.0),
        ] {
            let g = Geodetic {
                latitude_deg: lat,
                longitude_deg: lon,
                height_km: h,
            };
            let back = itrf_to_geodetic(&geodetic_to_itrf(&g));
            assert!((back.latitude_deg - lat).abs() < 1e-9, "{lat}");
            assert!(
                (back.height_km - h).abs() < 1e-6,
                "{h} vs {}",
                back.height_km
            );
            if lat.abs() < 90.0 {
                assert!((back.longitude_deg - lon).abs() < 1e-9);
            }
        }
    }
}
