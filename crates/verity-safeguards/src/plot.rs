//! SVG plots (plotters' SVG backend, rendered into a `String`: no files, no system fonts).
//!
//! * [`muf_chart`]: the MUF sequence with ±σ_MUF error bars, the ±1σ band around zero and the
//!   one-sided alarm threshold z_{1−α}·σ_MUF of every period;
//! * [`cusum_chart`]: Page's statistic with its decision limit h and the first alarm marked.

use plotters::prelude::*;

use crate::error::{Result, SafeguardsError};

fn plot_err<E: std::fmt::Display>(e: E) -> SafeguardsError {
    SafeguardsError::Plot(e.to_string())
}

fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// Plot a MUF sequence (kg) with σ (kg) and the threshold at `z` standard deviations.
pub fn muf_chart(title: &str, muf_kg: &[f64], sigma_kg: &[f64], z: f64) -> Result<String> {
    if muf_kg.len() != sigma_kg.len() || muf_kg.is_empty() {
        return Err(SafeguardsError::parameter(
            "muf_kg",
            format!(
                "{} MUF values and {} sigmas: need equal, non-zero lengths",
                muf_kg.len(),
                sigma_kg.len()
            ),
        ));
    }
    let n = muf_kg.len();
    let (ylo, yhi) = padded_range(
        muf_kg
            .iter()
            .zip(sigma_kg)
            .flat_map(|(m, s)| [m - s, m + s, z * s, -s]),
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5f64..(n as f64 + 0.5), ylo..yhi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("balance period")
            .y_desc("MUF (kg)")
            .draw()
            .map_err(plot_err)?;
        let xs = |i: usize| (i + 1) as f64;
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|i| (xs(i), sigma_kg[i])),
                BLACK.mix(0.35),
            ))
            .map_err(plot_err)?
            .label("±1 σ_MUF")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.mix(0.35)));
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|i| (xs(i), -sigma_kg[i])),
                BLACK.mix(0.35),
            ))
            .map_err(plot_err)?;
        chart
            .draw_series(LineSeries::new(
                (0..n).map(|i| (xs(i), z * sigma_kg[i])),
                RED.stroke_width(2),
            ))
            .map_err(plot_err)?
            .label(format!("alarm threshold {z:.3} σ_MUF"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart
            .draw_series((0..n).map(|i| {
                PathElement::new(
                    [
                        (xs(i), muf_kg[i] - sigma_kg[i]),
                        (xs(i), muf_kg[i] + sigma_kg[i]),
                    ],
                    BLUE.mix(0.6),
                )
            }))
            .map_err(plot_err)?;
        chart
            .draw_series(LineSeries::new((0..n).map(|i| (xs(i), muf_kg[i])), BLUE))
            .map_err(plot_err)?
            .label("MUF ± σ_MUF")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
        chart
            .draw_series((0..n).map(|i| {
                let over = muf_kg[i] > z * sigma_kg[i];
                Circle::new(
                    (xs(i), muf_kg[i]),
                    4,
                    if over { RED.filled() } else { BLUE.filled() },
                )
            }))
            .map_err(plot_err)?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// Plot Page's statistic with decision limit `h`; `unit` labels the y axis ("kg" or "σ").
pub fn cusum_chart(title: &str, statistic: &[f64], h: f64, unit: &str) -> Result<String> {
    if statistic.is_empty() {
        return Err(SafeguardsError::parameter("statistic", "empty sequence"));
    }
    let n = statistic.len();
    let (_, yhi) = padded_range(statistic.iter().copied().chain([h, 0.0]));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5f64..(n as f64 + 0.5), 0.0..yhi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("balance period")
            .y_desc(format!("Page statistic ({unit})"))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.5, h), (n as f64 + 0.5, h)],
                RED.stroke_width(2),
            ))
            .map_err(plot_err)?
            .label(format!("decision limit h = {h}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                statistic
                    .iter()
                    .enumerate()
                    .map(|(i, s)| ((i + 1) as f64, *s)),
                BLUE,
            ))
            .map_err(plot_err)?
            .label("S_k")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
        chart
            .draw_series(statistic.iter().enumerate().map(|(i, s)| {
                Circle::new(
                    ((i + 1) as f64, *s),
                    3,
                    if *s > h { RED.filled() } else { BLUE.filled() },
                )
            }))
            .map_err(plot_err)?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_render_svg() {
        let svg = muf_chart("test", &[1.0, -2.0, 5.0], &[1.0, 1.5, 1.2], 1.645).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
        assert!(svg.contains("alarm threshold"));
        // Period 3 (5 > 1.645·1.2) is drawn as a red filled point.
        assert!(svg.contains("#FF0000"));
        let svg = cusum_chart("cusum", &[0.0, 1.0, 4.5], 4.0, "σ").unwrap();
        assert!(svg.contains("decision limit h = 4"));
        assert!(muf_chart("x", &[], &[], 1.0).is_err());
        assert!(cusum_chart("x", &[], 1.0, "kg").is_err());
    }
}
