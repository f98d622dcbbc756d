//! SVG map of a location: stations, epicentre and its error ellipse (plotters, no fonts needed
//! beyond the SVG viewer's). The caller writes the returned string; this module does no I/O.
use crate::geodesy::{KM_PER_DEG, destination};
use crate::input::Station;
use crate::locate::Location;
use plotters::prelude::*;

/// Errors drawing a map.
#[derive(Debug, thiserror::Error)]
#[error("drawing the map failed: {0}")]
pub struct MapError(String);

/// Points of the error ellipse boundary (geographic lat, lon), `n` vertices.
pub fn ellipse_outline(loc: &Location, n: usize) -> Vec<(f64, f64)> {
    let h = &loc.hypocentre;
    let e = &loc.ellipse;
    (0..=n)
        .map(|k| {
            let t = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            let (u, v) = (e.semi_major_km * t.cos(), e.semi_minor_km * t.sin());
            let r = u.hypot(v);
            let az = e.major_azimuth_deg + v.atan2(u).to_degrees();
            destination(h.latitude, h.longitude, r / KM_PER_DEG, az)
        })
        .collect()
}

/// Render an SVG map (width × height pixels). With `zoom_to_ellipse`, the frame shows the
/// ellipse and epicentre only; otherwise it spans the stations too.
pub fn render_svg(
    loc: &Location,
    stations: &[Station],
    width: u32,
    height: u32,
    zoom_to_ellipse: bool,
) -> Result<String, MapError> {
    let h = &loc.hypocentre;
    let outline = ellipse_outline(loc, 90);
    let used: Vec<&Station> = stations
        .iter()
        .filter(|s| {
            loc.arrivals
                .iter()
                .any(|a| a.station == s.code || a.station == format!("{}.{}", s.network, s.code))
        })
        .collect();
    // Work in longitudes unwrapped around the epicentre.
    let unwrap = |lon: f64| h.longitude + crate::geodesy::normalize_lon(lon - h.longitude);
    let mut pts: Vec<(f64, f64)> = outline.iter().map(|&(la, lo)| (unwrap(lo), la)).collect();
    pts.push((h.longitude, h.latitude));
    if !zoom_to_ellipse {
        pts.extend(used.iter().map(|s| (unwrap(s.longitude), s.latitude)));
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let pad = ((x1 - x0).max(y1 - y0) * 0.1).max(0.05);
    let (x0, x1, y0, y1) = (
        x0 - pad,
        x1 + pad,
        (y0 - pad).max(-90.0),
        (y1 + pad).min(90.0),
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| MapError(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .caption(
                format!(
                    "{:.3}°, {:.3}°, {:.0} km — {:.0}% ellipse {:.0} km² ({} stations)",
                    h.latitude,
                    h.longitude,
                    h.depth_km,
                    loc.ellipse.confidence * 100.0,
                    loc.ellipse.area_km2,
                    loc.n_stations
                ),
                ("sans-serif", 16),
            )
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| MapError(e.to_string()))?;
        chart
            .configure_mesh()
            .x_desc("longitude (°)")
            .y_desc("latitude (°)")
            .draw()
            .map_err(|e| MapError(e.to_string()))?;
        chart
            .draw_series(LineSeries::new(
                outline.iter().map(|&(la, lo)| (unwrap(lo), la)),
                RED.stroke_width(2),
            ))
            .map_err(|e| MapError(e.to_string()))?;
        chart
            .draw_series(std::iter::once(Cross::new(
                (h.longitude, h.latitude),
                6,
                RED.stroke_width(2),
            )))
            .map_err(|e| MapError(e.to_string()))?;
        chart
            .draw_series(
                used.iter().map(|s| {
                    TriangleMarker::new((unwrap(s.longitude), s.latitude), 6, BLUE.filled())
                }),
            )
            .map_err(|e| MapError(e.to_string()))?;
        root.present().map_err(|e| MapError(e.to_string()))?;
    }
    Ok(svg)
}
