//! Geodesy for seismic location: geocentric latitude, epicentral distance and azimuth.
//!
//! Travel-time tables are computed for a spherical Earth, so geographic (geodetic) latitudes
//! are first converted to geocentric latitudes (tan φc = (1 − f)² tan φg, WGS84 flattening),
//! the convention of Bullen & Bolt (1985, *An Introduction to the Theory of Seismology*, §6.4)
//! used by the ISC and the IDC. Distance uses the haversine form (well conditioned at small
//! distances, Sinnott 1984, *Sky & Telescope* 68(2)); azimuth the standard spherical formula.
//! Ellipticity corrections to the travel times themselves (Kennett & Gudmundsson 1996) are
//! NOT applied; their size (≤ ~1 s teleseismically) is below the pick uncertainties we assume.

/// WGS84 flattening.
pub const WGS84_FLATTENING: f64 = 1.0 / 298.257_223_563;
/// Mean Earth radius used to convert degrees of arc to km (IASP91 radius, Kennett & Engdahl 1991).
pub const EARTH_RADIUS_KM: f64 = 6371.0;
/// Kilometres per degree of great-circle arc on the reference sphere.
pub const KM_PER_DEG: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// Geographic (geodetic) latitude in degrees → geocentric latitude in degrees.
pub fn geocentric_latitude(geographic_deg: f64) -> f64 {
    let k = (1.0 - WGS84_FLATTENING) * (1.0 - WGS84_FLATTENING);
    if geographic_deg.abs() >= 90.0 {
        return geographic_deg;
    }
    (k * geographic_deg.to_radians().tan()).atan().to_degrees()
}

/// Geocentric latitude in degrees → geographic latitude in degrees.
pub fn geographic_latitude(geocentric_deg: f64) -> f64 {
    let k = (1.0 - WGS84_FLATTENING) * (1.0 - WGS84_FLATTENING);
    if geocentric_deg.abs() >= 90.0 {
        return geocentric_deg;
    }
    (geocentric_deg.to_radians().tan() / k).atan().to_degrees()
}

/// Epicentral distance (degrees) and azimuths between two points given in geographic degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DistAz {
    /// Great-circle distance in degrees on the geocentric sphere.
    pub distance_deg: f64,
    /// Azimuth from the first point (source) to the second (station), degrees clockwise from north.
    pub azimuth_deg: f64,
    /// Back azimuth: from the station to the source.
    pub back_azimuth_deg: f64,
}

/// Distance and azimuths from (lat1, lon1) to (lat2, lon2); all geographic degrees.
pub fn distaz(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> DistAz {
    let a = GeoPoint::new(lat1, lon1);
    let b = GeoPoint::new(lat2, lon2);
    DistAz {
        distance_deg: central_angle(&a, &b).to_degrees(),
        azimuth_deg: azimuth(&a, &b),
        back_azimuth_deg: azimuth(&b, &a),
    }
}

/// A point on the geocentric sphere with its latitude's sine and cosine, computed once.
///
/// Why: the associator and the locator evaluate distances from one trial source to every
/// station thousands of times; the geographic → geocentric conversion (a tan and an atan) and
/// the trigonometry of each end point are the same every time. [`distance_azimuth`] on two
/// `GeoPoint`s gives bit-for-bit the distance and azimuth of [`distaz`] (same operations in
/// the same order; `distaz` itself is built on it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Geocentric latitude, radians.
    phi: f64,
    /// Longitude, radians.
    lam: f64,
    sin_phi: f64,
    cos_phi: f64,
}

impl GeoPoint {
    /// From geographic (geodetic) latitude and longitude in degrees.
    pub fn new(lat_deg: f64, lon_deg: f64) -> Self {
        let phi = geocentric_latitude(lat_deg).to_radians();
        Self {
            phi,
            lam: lon_deg.to_radians(),
            sin_phi: phi.sin(),
            cos_phi: phi.cos(),
        }
    }
}

/// Great-circle distance (degrees) and azimuth from `a` to `b` (degrees clockwise from north):
/// the `distance_deg` and `azimuth_deg` of [`distaz`], without the back azimuth.
pub fn distance_azimuth(a: &GeoPoint, b: &GeoPoint) -> (f64, f64) {
    (central_angle(a, b).to_degrees(), azimuth(a, b))
}

/// Great-circle distance (degrees) from `a` to `b`: the `distance_deg` of [`distaz`].
pub fn distance_deg(a: &GeoPoint, b: &GeoPoint) -> f64 {
    central_angle(a, b).to_degrees()
}

fn central_angle(a: &GeoPoint, b: &GeoPoint) -> f64 {
    let dp = b.phi - a.phi;
    let dl = b.lam - a.lam;
    let h = (dp / 2.0).sin().powi(2) + a.cos_phi * b.cos_phi * (dl / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin()
}

fn azimuth(a: &GeoPoint, b: &GeoPoint) -> f64 {
    let dl = b.lam - a.lam;
    let y = dl.sin() * b.cos_phi;
    let x = a.cos_phi * b.sin_phi - a.sin_phi * b.cos_phi * dl.cos();
    if x == 0.0 && y == 0.0 {
        return 0.0;
    }
    y.atan2(x).to_degrees().rem_euclid(360.0)
}

/// The point reached from (lat, lon) (geographic degrees) travelling `distance_deg` along the
/// great circle with initial azimuth `azimuth_deg`; returns geographic (lat, lon), lon in [-180, 180).
pub fn destination(lat: f64, lon: f64, distance_deg: f64, azimuth_deg: f64) -> (f64, f64) {
    let p1 = geocentric_latitude(lat).to_radians();
    let l1 = lon.to_radians();
    let d = distance_deg.to_radians();
    let a = azimuth_deg.to_radians();
    let sp2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * a.cos()).clamp(-1.0, 1.0);
    let p2 = sp2.asin();
    let l2 = l1 + (a.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * sp2);
    (
        geographic_latitude(p2.to_degrees()),
        normalize_lon(l2.to_degrees()),
    )
}

/// Longitude wrapped into [-180, 180).
pub fn normalize_lon(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geocentric_round_trip_and_known_value() {
        // At 45° geographic: atan((1 − f)²) with f = 1/298.257223563 is 44.807576° (hand computation).
        assert!((geocentric_latitude(45.0) - 44.807_576).abs() < 1e-4);
        for lat in [-89.0, -45.0, 0.0, 12.3, 60.0, 89.9] {
            assert!((geographic_latitude(geocentric_latitude(lat)) - lat).abs() < 1e-9);
        }
    }

    #[test]
    fn distance_and_azimuth_on_equator_and_meridian() {
        let d = distaz(0.0, 0.0, 0.0, 90.0);
        assert!((d.distance_deg - 90.0).abs() < 1e-9);
        assert!((d.azimuth_deg - 90.0).abs() < 1e-9);
        assert!((d.back_azimuth_deg - 270.0).abs() < 1e-9);
        let d = distaz(0.0, 10.0, 30.0, 10.0);
        assert!((d.azimuth_deg).abs() < 1e-9);
        assert!((d.distance_deg - geocentric_latitude(30.0)).abs() < 1e-9);
    }

    /// The associator and locator use `GeoPoint`s instead of `distaz` and rely on getting the
    /// very same bits.
    #[test]
    fn geopoint_distance_and_azimuth_equal_distaz_bit_for_bit() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..2000 {
            let (la1, lo1) = (next() * 180.0 - 90.0, next() * 720.0 - 360.0);
            let (la2, lo2) = (next() * 180.0 - 90.0, next() * 360.0 - 180.0);
            let d = distaz(la1, lo1, la2, lo2);
            let (a, b) = (GeoPoint::new(la1, lo1), GeoPoint::new(la2, lo2));
            let (dist, az) = distance_azimuth(&a, &b);
            assert_eq!(dist.to_bits(), d.distance_deg.to_bits());
            assert_eq!(az.to_bits(), d.azimuth_deg.to_bits());
            assert_eq!(distance_deg(&a, &b).to_bits(), d.distance_deg.to_bits());
        }
    }

    #[test]
    fn destination_inverts_distaz() {
        for (lat, lon, dist, az) in [
            (10.0, 20.0, 30.0, 45.0),
            (-60.0, 170.0, 80.0, 200.0),
            (89.0, 0.0, 5.0, 180.0),
        ] {
            let (la2, lo2) = destination(lat, lon, dist, az);
            let d = distaz(lat, lon, la2, lo2);
            assert!((d.distance_deg - dist).abs() < 1e-8, "{d:?}");
            assert!(
                ((d.azimuth_deg - az + 540.0) % 360.0 - 180.0).abs() < 1e-6,
                "{d:?}"
            );
        }
    }
}
