//! SVG waveform plot with trigger windows and picks (plotters SVG backend, rendered to a
//! string: the caller writes it, this module does no I/O). Long traces are reduced to a
//! min/max envelope per pixel column, so a channel-day plots as fast as a minute and every
//! peak stays visible.

use crate::trace::{Trace, format_time};
use plotters::prelude::*;

/// Errors drawing a plot.
#[derive(Debug, thiserror::Error)]
#[error("drawing the waveform plot failed: {0}")]
pub struct PlotError(String);

/// A vertical marker on the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Time (ns since the epoch).
    pub time: i64,
    /// Short label, e.g. `P`.
    pub label: String,
}

/// Render `trace` with shaded trigger windows `(on, off)` (sample indices) and `picks` as an
/// SVG document of `width` × `height` pixels.
pub fn render_svg(
    trace: &Trace,
    triggers: &[(usize, usize)],
    picks: &[Marker],
    width: u32,
    height: u32,
) -> Result<String, PlotError> {
    let err = |e: &dyn std::fmt::Display| PlotError(e.to_string());
    if trace.samples.is_empty() || trace.sample_rate <= 0.0 {
        return Err(PlotError(format!(
            "trace {} has no samples to plot",
            trace.id()
        )));
    }
    let n = trace.samples.len();
    let secs = |i: usize| i as f64 / trace.sample_rate;
    let t_end = secs(n - 1).max(1.0 / trace.sample_rate);
    // Envelope: min and max of each of `cols` buckets.
    let cols = (width as usize).max(1) * 2;
    let step = n.div_ceil(cols).max(1);
    let mut pts = Vec::with_capacity(2 * cols + 2);
    for (b, chunk) in trace.samples.chunks(step).enumerate() {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in chunk {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if lo.is_finite() {
            let t = secs(b * step);
            pts.push((t, lo));
            pts.push((t, hi));
        }
    }
    let (ymin, ymax) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let (ymin, ymax) = if ymin.is_finite() && ymax > ymin {
        (ymin, ymax)
    } else {
        (ymin.min(0.0) - 1.0, ymax.max(0.0) + 1.0)
    };
    let pad = 0.05 * (ymax - ymin);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(15)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .caption(
                format!("{}  from {}", trace.id(), format_time(trace.start)),
                ("sans-serif", 16),
            )
            .build_cartesian_2d(0.0..t_end, (ymin - pad)..(ymax + pad))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("seconds after start")
            .y_desc("amplitude")
            .draw()
            .map_err(|e| err(&e))?;
        for &(on, off) in triggers {
            let (a, b) = (secs(on.min(n - 1)), secs(off.min(n - 1)));
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (a, ymin - pad),
                        (b.max(a + 0.5 / trace.sample_rate), ymax + pad),
                    ],
                    RGBColor(255, 220, 150).filled(),
                )))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), BLACK.stroke_width(1)))
            .map_err(|e| err(&e))?;
        for p in picks {
            let t = (p.time - trace.start) as f64 / 1e9;
            chart
                .draw_series(LineSeries::new(
                    [(t, ymin - pad), (t, ymax + pad)],
                    RED.stroke_width(2),
                ))
                .map_err(|e| err(&e))?
                .label(p.label.clone())
                .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], RED.stroke_width(2)));
        }
        if !picks.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_contains_trace_picks_and_triggers() {
        let tr = Trace {
            network: "XX".into(),
            station: "PLOT".into(),
            location: "".into(),
            channel: "HHZ".into(),
            start: 1_700_000_000_000_000_000,
            sample_rate: 100.0,
            samples: (0..100_000)
                .map(|i| ((i as f64) * 0.05).sin() * if i > 50_000 { 10.0 } else { 1.0 })
                .collect(),
        };
        let picks = [Marker {
            time: tr.time_of(50_000),
            label: "P".into(),
        }];
        let svg = render_svg(&tr, &[(50_010, 52_000)], &picks, 800, 300).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("XX.PLOT..HHZ"));
        assert!(svg.contains("<polyline") || svg.contains("<path"));
        assert!(svg.contains("<rect"));
        // An empty trace is an error, not a panic.
        let empty = Trace {
            samples: vec![],
            ..tr
        };
        assert!(render_svg(&empty, &[], &[], 100, 100).is_err());
    }
}
