//! SVG plots (plotters' SVG backend, rendered to a string: no files, no system fonts).
//!
//! * [`ground_track_svg`]: sub-satellite points (WGS-84 geodetic) on a longitude/latitude grid,
//!   split where a track crosses the antimeridian.
//! * [`range_svg`]: range between two objects over time, with the screening threshold.
//! * [`encounter_svg`]: the geometry of one close approach: the secondary's path relative to
//!   the primary in the primary's radial / in-track / cross-track (RIC) frame around the time of
//!   closest approach, in two projections, with the screening threshold drawn as a circle — the
//!   view conjunction analysts use to see whether a miss is mostly radial (robust to
//!   along-track timing errors) or mostly in-track.

use plotters::prelude::*;

use crate::error::{Result, SpaceError};
use crate::frames::Geodetic;

fn perr<E: std::fmt::Display>(e: E) -> SpaceError {
    SpaceError::Invalid(format!("plotting failed: {e}"))
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Ground tracks, one polyline per object (label, points).
pub fn ground_track_svg(tracks: &[(String, Vec<Geodetic>)]) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(perr)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(-180.0..180.0, -90.0..90.0)
            .map_err(perr)?;
        chart
            .configure_mesh()
            .x_desc("longitude (deg)")
            .y_desc("geodetic latitude (deg)")
            .x_labels(13)
            .y_labels(7)
            .draw()
            .map_err(perr)?;
        for (k, (label, pts)) in tracks.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            // Split the track where longitude jumps across ±180°.
            let mut segment: Vec<(f64, f64)> = Vec::new();
            let mut first = true;
            let mut flush = |seg: &mut Vec<(f64, f64)>, first: &mut bool| -> Result<()> {
                if seg.len() > 1 {
                    let s = chart
                        .draw_series(LineSeries::new(seg.clone(), color.stroke_width(2)))
                        .map_err(perr)?;
                    if *first {
                        s.label(label.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color)
                        });
                        *first = false;
                    }
                }
                seg.clear();
                Ok(())
            };
            for p in pts {
                if let Some(&(lon, _)) = segment.last()
                    && (p.longitude_deg - lon).abs() > 180.0
                {
                    flush(&mut segment, &mut first)?;
                }
                segment.push((p.longitude_deg, p.latitude_deg));
            }
            flush(&mut segment, &mut first)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(perr)?;
        root.present().map_err(perr)?;
    }
    Ok(svg)
}

/// Range (km) against time (hours from the first sample), with an optional threshold line.
pub fn range_svg(title: &str, samples: &[(f64, f64)], threshold_km: Option<f64>) -> Result<String> {
    if samples.is_empty() {
        return Err(SpaceError::Invalid("no samples to plot".into()));
    }
    let (t0, t1) = (
        samples[0].0,
        samples[samples.len() - 1].0.max(samples[0].0 + 1e-6),
    );
    let rmax = samples
        .iter()
        .map(|s| s.1)
        .fold(threshold_km.unwrap_or(0.0), f64::max)
        * 1.05
        + 1e-6;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(perr)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(20)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(t0..t1, 0.0..rmax)
            .map_err(perr)?;
        chart
            .configure_mesh()
            .x_desc("hours")
            .y_desc("range (km)")
            .draw()
            .map_err(perr)?;
        chart
            .draw_series(LineSeries::new(
                samples.iter().copied(),
                COLORS[0].stroke_width(2),
            ))
            .map_err(perr)?;
        if let Some(th) = threshold_km {
            chart
                .draw_series(LineSeries::new(
                    vec![(t0, th), (t1, th)],
                    COLORS[1].stroke_width(1),
                ))
                .map_err(perr)?;
        }
        root.present().map_err(perr)?;
    }
    Ok(svg)
}

/// Close-approach geometry: `samples` are (seconds from TCA, secondary − primary in the
/// primary's RIC frame, km), as from [`crate::screen::ric_components`]. Left panel in-track
/// (x) against radial (y); right panel cross-track (x) against radial (y); the TCA sample is
/// marked and the threshold drawn as a circle about the primary.
pub fn encounter_svg(
    title: &str,
    samples: &[(f64, [f64; 3])],
    threshold_km: Option<f64>,
) -> Result<String> {
    if samples.is_empty() {
        return Err(SpaceError::Invalid("no samples to plot".into()));
    }
    // The sample nearest TCA (time 0) is the one marked.
    let tca = samples
        .iter()
        .min_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
        .map(|s| s.1)
        .unwrap_or([0.0; 3]);
    // One symmetric scale for all axes, so the picture is not distorted: the larger of the
    // threshold and the path's extent within the window.
    let extent = samples
        .iter()
        .flat_map(|s| s.1)
        .fold(threshold_km.unwrap_or(0.0), |m, x| m.max(x.abs()))
        * 1.1
        + 1e-6;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(perr)?;
        let root = root.titled(title, ("sans-serif", 18)).map_err(perr)?;
        let (left, right) = root.split_horizontally(500);
        for (area, axis, name) in [
            (left, 1usize, "in-track (km)"),
            (right, 2, "cross-track (km)"),
        ] {
            let mut chart = ChartBuilder::on(&area)
                .margin(15)
                .x_label_area_size(35)
                .y_label_area_size(55)
                .build_cartesian_2d(-extent..extent, -extent..extent)
                .map_err(perr)?;
            chart
                .configure_mesh()
                .x_desc(name)
                .y_desc("radial (km)")
                .draw()
                .map_err(perr)?;
            chart
                .draw_series(LineSeries::new(
                    samples.iter().map(|(_, d)| (d[axis], d[0])),
                    COLORS[0].stroke_width(2),
                ))
                .map_err(perr)?
                .label("secondary relative to primary")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[0]));
            if let Some(th) = threshold_km {
                let circle: Vec<(f64, f64)> = (0..=180)
                    .map(|k| {
                        let a = k as f64 * std::f64::consts::TAU / 180.0;
                        (th * a.cos(), th * a.sin())
                    })
                    .collect();
                chart
                    .draw_series(LineSeries::new(circle, COLORS[1].stroke_width(1)))
                    .map_err(perr)?
                    .label(format!("threshold {th} km"))
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[1]));
            }
            chart
                .draw_series([
                    Circle::new((0.0, 0.0), 4, BLACK.filled()),
                    Circle::new((tca[axis], tca[0]), 5, COLORS[1].filled()),
                ])
                .map_err(perr)?;
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(perr)?;
        }
        root.present().map_err(perr)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_one_polyline_per_segment() {
        let track: Vec<Geodetic> = (0..50)
            .map(|k| Geodetic {
                latitude_deg: 40.0 * (k as f64 / 8.0).sin(),
                longitude_deg: ((k as f64 * 10.0 + 180.0) % 360.0) - 180.0,
                height_km: 400.0,
            })
            .collect();
        let svg = ground_track_svg(&[("SAT".into(), track)]).unwrap();
        assert!(svg.starts_with("<svg"));
        // 50 points × 10° cross the antimeridian once per 36 points: 2 segments.
        let ours = svg
            .lines()
            .filter(|l| l.contains("<polyline") && l.contains("#1F77B4"))
            .count();
        assert_eq!(ours, 2 + 1, "two track segments and the legend swatch");
        let r = range_svg("A–B", &[(0.0, 50.0), (1.0, 5.0), (2.0, 40.0)], Some(10.0)).unwrap();
        assert!(r.contains("<polyline"));
    }

    #[test]
    fn encounter_draws_the_path_in_both_projections_with_the_threshold() {
        // A straight pass 2 km above the primary, crossing in-track at 10 km/s.
        let samples: Vec<(f64, [f64; 3])> = (-30..=30)
            .map(|k| (k as f64, [2.0, 10.0 * k as f64, 0.5]))
            .collect();
        let svg = encounter_svg("pass", &samples, Some(5.0)).unwrap();
        assert!(svg.starts_with("<svg"));
        let paths = |color: &str| {
            svg.lines()
                .filter(|l| l.contains("<polyline") && l.contains(color))
                .count()
        };
        // Path and threshold circle in each of the two panels, plus a legend swatch for each.
        assert_eq!(paths("#1F77B4"), 4, "{svg}");
        assert_eq!(paths("#D62728"), 4);
        assert!(svg.contains("in-track (km)") && svg.contains("cross-track (km)"));
        assert!(encounter_svg("none", &[], None).is_err());
    }
}
