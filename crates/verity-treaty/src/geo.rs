//! Geometry on a spherical Earth for treaty areas.
//!
//! Treaty geometry limits are coarse (ABM Treaty Protocol 1974: a deployment area of 150 km
//! radius; CTBT Protocol Part II para 3: an on-site-inspection area of no more than 1,000 km²
//! with no linear distance over 50 km), so a sphere of the IUGG mean radius
//! R₁ = 6371.0088 km (Moritz 2000, Geodetic Reference System 1980) is adequate: the sphere's
//! great-circle distance differs from the WGS-84 geodesic by at most ~0.5 %.
//!
//! * distance: haversine formula (Sinnott 1984, Sky & Telescope 68(2):159), stable for small
//!   separations;
//! * polygon area: the vertex formula of Chamberlain & Duquette (2007, JPL Publication 07-03,
//!   "Some algorithms for polygons on a sphere"), A = R²/2 · |Σ (λᵢ₊₁ − λᵢ₋₁) sin φᵢ|. It is
//!   exact for a latitude–longitude rectangle (edges along meridians and parallels, which is
//!   how inspection areas are usually drawn) and, for other polygons of inspection size
//!   (edges of tens of km), differs from the geodesic-edge area by far less than 0.1 %;
//! * maximum linear extent: the largest great-circle distance between two vertices (the diameter
//!   of a polygon is attained at vertices).

/// IUGG mean Earth radius R₁ in km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point in decimal degrees (latitude north, longitude east).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// Great-circle distance in km on a sphere of radius `radius_km` (haversine).
pub fn haversine_km(a: LatLon, b: LatLon, radius_km: f64) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * radius_km * h.sqrt().min(1.0).asin()
}

/// Great-circle distance in km on the mean-radius sphere.
pub fn distance_km(a: LatLon, b: LatLon) -> f64 {
    haversine_km(a, b, EARTH_RADIUS_KM)
}

/// Area in km² of a simple polygon given by its vertices (closing edge implied).
pub fn polygon_area_km2(vertices: &[LatLon]) -> f64 {
    let n = vertices.len();
    if n < 3 {
        return 0.0;
    }
    let mut sum = 0.0;
    for i in 0..n {
        let prev = vertices[(i + n - 1) % n];
        let next = vertices[(i + 1) % n];
        let mut dl = next.lon - prev.lon;
        // Take the short way round across the antimeridian.
        if dl > 180.0 {
            dl -= 360.0;
        } else if dl < -180.0 {
            dl += 360.0;
        }
        sum += dl.to_radians() * vertices[i].lat.to_radians().sin();
    }
    (sum * EARTH_RADIUS_KM * EARTH_RADIUS_KM / 2.0).abs()
}

/// Largest great-circle distance in km between any two vertices.
pub fn max_extent_km(vertices: &[LatLon]) -> f64 {
    let mut best = 0.0f64;
    for (i, a) in vertices.iter().enumerate() {
        for b in &vertices[i + 1..] {
            best = best.max(distance_km(*a, *b));
        }
    }
    best
}

/// Parse a polygon written `lat lon; lat lon; ...` (decimal degrees). At least 3 vertices.
/// Errors name the vertex (1-based) and what is wrong.
pub fn parse_polygon(text: &str) -> Result<Vec<LatLon>, String> {
    let mut out = Vec::new();
    for (i, part) in text.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let mut it = part.split_whitespace();
        let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!(
                "vertex {}: expected `lat lon`, found `{part}`",
                i + 1
            ));
        };
        let lat = parse_coord(a, 90.0).map_err(|e| format!("vertex {}: latitude {e}", i + 1))?;
        let lon = parse_coord(b, 180.0).map_err(|e| format!("vertex {}: longitude {e}", i + 1))?;
        out.push(LatLon { lat, lon });
    }
    if out.len() < 3 {
        return Err(format!(
            "a polygon needs at least 3 vertices, found {}",
            out.len()
        ));
    }
    Ok(out)
}

/// Parse one coordinate in degrees and check |v| ≤ bound.
pub fn parse_coord(s: &str, bound: f64) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !v.is_finite() || v.abs() > bound {
        return Err(format!("{v} is outside ±{bound}°"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosetta Code "Haversine formula" task: Nashville BNA (36.12, −86.67) to Los Angeles LAX
    /// (33.94, −118.40) with R = 6372.8 km is 2887.2599506071106 km (every listed language agrees
    /// to 1e-9 km).
    #[test]
    fn haversine_matches_rosetta_code_reference() {
        let d = haversine_km(
            LatLon {
                lat: 36.12,
                lon: -86.67,
            },
            LatLon {
                lat: 33.94,
                lon: -118.40,
            },
            6372.8,
        );
        assert!((d - 2887.2599506071106).abs() < 1e-6, "{d}");
    }

    /// Analytic: a quarter meridian is πR/2; one degree along the equator is πR/180.
    #[test]
    fn haversine_analytic_arcs() {
        let q = distance_km(
            LatLon { lat: 0.0, lon: 0.0 },
            LatLon {
                lat: 90.0,
                lon: 0.0,
            },
        );
        assert!((q - std::f64::consts::PI * EARTH_RADIUS_KM / 2.0).abs() < 1e-6);
        let e = distance_km(
            LatLon {
                lat: 0.0,
                lon: 10.0,
            },
            LatLon {
                lat: 0.0,
                lon: 11.0,
            },
        );
        assert!((e - std::f64::consts::PI * EARTH_RADIUS_KM / 180.0).abs() < 1e-9);
    }

    /// Analytic reference: the area of a latitude-longitude rectangle on a sphere is exactly
    /// R²·Δλ·(sin φ₂ − sin φ₁). The vertex formula is exact for such rectangles; tolerance 1e-9
    /// relative.
    #[test]
    fn polygon_area_matches_analytic_lat_lon_rectangle() {
        for (lat1, lat2, lon1, lon2) in [
            (0.0, 1.0, 0.0, 1.0),
            (45.0, 45.2, 10.0, 10.3),
            (-60.0, -59.9, 170.0, -179.9),
        ] {
            let poly = [
                LatLon {
                    lat: lat1,
                    lon: lon1,
                },
                LatLon {
                    lat: lat1,
                    lon: lon2,
                },
                LatLon {
                    lat: lat2,
                    lon: lon2,
                },
                LatLon {
                    lat: lat2,
                    lon: lon1,
                },
            ];
            let mut dl = lon2 - lon1;
            if dl < -180.0 {
                dl += 360.0;
            }
            let want = EARTH_RADIUS_KM.powi(2)
                * dl.to_radians()
                * (lat2.to_radians().sin() - lat1.to_radians().sin());
            let got = polygon_area_km2(&poly);
            assert!(((got - want) / want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn polygon_parse_errors_name_the_vertex() {
        assert!(
            parse_polygon("1 2; 3 4")
                .unwrap_err()
                .contains("at least 3")
        );
        assert!(
            parse_polygon("1 2; 3 x; 5 6")
                .unwrap_err()
                .contains("vertex 2: longitude")
        );
        assert!(
            parse_polygon("1 2; 95 4; 5 6")
                .unwrap_err()
                .contains("vertex 2: latitude")
        );
        assert!(
            parse_polygon("1 2 3; 3 4; 5 6")
                .unwrap_err()
                .contains("vertex 1")
        );
    }
}
