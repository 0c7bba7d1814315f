//! SVG charts: histograms, heat maps, line and bar charts as standalone `<svg>` strings.
//!
//! Generic on purpose: each function takes plain numbers and labels, so the web dashboard can
//! draw the same charts as the reports. Every text is escaped; nothing refers to another file
//! or origin, and numbers are written with a fixed precision so that output is stable.

use crate::page::escape;
use std::fmt::Write as _;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;
/// Colours of successive series (dark blue, orange, green, red).
pub const SERIES_COLOURS: [&str; 4] = ["#1f4e79", "#d9731a", "#2e7d32", "#b71c1c"];

/// A vertical-bar histogram of `counts` over equal bins spanning `x_range`. Bins whose index is
/// in `highlight` are drawn in red (used for the bins at whole percentages).
pub fn histogram(title: &str, x_label: &str, x_range: (f64, f64), counts: &[f64], highlight: &[usize]) -> String {
    let mut out = open(title, WIDTH, HEIGHT);
    let max = counts.iter().copied().fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let bar_w = plot_w / counts.len().max(1) as f64;
    for (i, &count) in counts.iter().enumerate() {
        if count <= 0.0 {
            continue;
        }
        let h = count / max * plot_h;
        let colour = if highlight.contains(&i) { SERIES_COLOURS[3] } else { SERIES_COLOURS[0] };
        let _ = write!(
            out,
            "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{colour}\"/>",
            LEFT + i as f64 * bar_w,
            TOP + plot_h - h,
            bar_w.max(0.6),
            h
        );
    }
    axes(&mut out, x_label, x_range, (0.0, max), plot_w, plot_h);
    out.push_str("</svg>");
    out
}

/// A heat map of `values` on a `columns` × `rows` grid, `values[column * rows + row]`, with
/// row 0 at the bottom. Colours follow the logarithm of the value, so faint structure (a
/// fingerprint's tail) stays visible beside the peak.
pub fn heat_map(
    title: &str,
    x_label: &str,
    y_label: &str,
    columns: usize,
    rows: usize,
    values: &[f64],
    size: f64,
) -> String {
    let height = size + TOP + BOTTOM;
    let width = size + LEFT + RIGHT;
    let mut out = open(title, width, height);
    let max = values.iter().copied().fold(0.0, f64::max);
    let cell_w = size / columns.max(1) as f64;
    let cell_h = size / rows.max(1) as f64;
    let _ = write!(out, "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{size}\" height=\"{size}\" fill=\"#ffffff\" stroke=\"#999\"/>");
    for c in 0..columns {
        for r in 0..rows {
            let v = values[c * rows + r];
            if v <= 0.0 || max <= 0.0 {
                continue;
            }
            let (red, green, blue) = heat_colour(v / max);
            let _ = write!(
                out,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#{red:02x}{green:02x}{blue:02x}\"/>",
                LEFT + c as f64 * cell_w,
                TOP + size - (r + 1) as f64 * cell_h,
                cell_w + 0.05,
                cell_h + 0.05
            );
        }
    }
    // Axis ticks at 0, 50 and 100 % of each side, in percent of the range [0, 1].
    for (fraction, label) in [(0.0, "0"), (0.5, "50"), (1.0, "100")] {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{label}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{label}</text>",
            LEFT + fraction * size,
            TOP + size + 14.0,
            LEFT - 4.0,
            TOP + size - fraction * size + 4.0
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\
         <text x=\"14\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">{}</text></svg>",
        LEFT + size / 2.0,
        TOP + size + 32.0,
        escape(x_label),
        TOP + size / 2.0,
        TOP + size / 2.0,
        escape(y_label)
    );
    out
}

/// Lines over equal steps spanning `x_range`, one per series `(name, values)`, with a legend.
pub fn line_chart(title: &str, x_label: &str, x_range: (f64, f64), series: &[(&str, &[f64])]) -> String {
    let mut out = open(title, WIDTH, HEIGHT);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = series.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    for (k, (name, values)) in series.iter().enumerate() {
        let colour = SERIES_COLOURS[k % SERIES_COLOURS.len()];
        let steps = values.len().saturating_sub(1).max(1) as f64;
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.2},{:.2}", LEFT + i as f64 / steps * plot_w, TOP + plot_h - v / max * plot_h))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            points.join(" "),
            LEFT + 8.0,
            TOP + 4.0 + 14.0 * k as f64,
            LEFT + 22.0,
            TOP + 13.0 + 14.0 * k as f64,
            escape(name)
        );
    }
    axes(&mut out, x_label, x_range, (0.0, max), plot_w, plot_h);
    out.push_str("</svg>");
    out
}

/// Horizontal bars, one per `(label, value)`, longest bar at full width; negative values are
/// drawn as zero-length bars with their value printed.
pub fn bar_chart(title: &str, bars: &[(String, f64)]) -> String {
    let row = 18.0;
    let label_w = 220.0;
    let height = TOP + row * bars.len() as f64 + 12.0;
    let mut out = open(title, WIDTH, height);
    let max = bars.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let bar_space = WIDTH - label_w - 90.0;
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = TOP + i as f64 * row;
        let w = (value / max).max(0.0) * bar_space;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.2}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            label_w - 6.0,
            y + 12.0,
            escape(label),
            y + 2.0,
            row - 4.0,
            SERIES_COLOURS[0],
            label_w + w + 4.0,
            y + 12.0,
            format_number(*value)
        );
    }
    out.push_str("</svg>");
    out
}

/// The colour of a heat-map cell whose value is `fraction` of the maximum: white through
/// yellow and orange to dark red on a logarithmic scale spanning four decades.
pub fn heat_colour(fraction: f64) -> (u8, u8, u8) {
    if fraction <= 0.0 {
        return (255, 255, 255);
    }
    let t = ((fraction.log10() + 4.0) / 4.0).clamp(0.0, 1.0);
    let stops = [(255.0, 250.0, 205.0), (253.0, 174.0, 97.0), (215.0, 48.0, 39.0), (103.0, 0.0, 13.0)];
    let position = t * (stops.len() - 1) as f64;
    let i = (position.floor() as usize).min(stops.len() - 2);
    let f = position - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    (mix(stops[i].0, stops[i + 1].0), mix(stops[i].1, stops[i + 1].1), mix(stops[i].2, stops[i + 1].2))
}

/// A number for a label: integers with thin grouping, others with up to three decimals.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let digits = format!("{}", value.abs() as u64);
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if value < 0.0 { format!("-{grouped}") } else { grouped }
    } else {
        format!("{value:.3}")
    }
}

/// Round tick values (steps of 1, 2 or 5 times a power of ten) inside `range`, four to eight.
pub fn ticks(range: (f64, f64)) -> Vec<f64> {
    let span = range.1 - range.0;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return vec![range.0];
    }
    let raw = span / 8.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power);
    let first = (range.0 / step).ceil() as i64;
    let last = (range.1 / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A short label: 2.4M, 610k, 35, 0.5.
pub fn compact_number(value: f64) -> String {
    let a = value.abs();
    if a >= 1e6 {
        format!("{}M", trim(value / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(value / 1e3))
    } else {
        trim(value)
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

fn open(title: &str, width: f64, height: f64) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\">\
         <title>{t}</title><text x=\"{LEFT}\" y=\"16\" font-size=\"13\" font-weight=\"600\">{t}</text>",
        t = escape(title)
    );
    out
}

fn axes(out: &mut String, x_label: &str, x_range: (f64, f64), y_range: (f64, f64), plot_w: f64, plot_h: f64) {
    let bottom = TOP + plot_h;
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\" stroke=\"#333\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#333\"/>",
        LEFT + plot_w
    );
    let span = |range: (f64, f64)| (range.1 - range.0).max(f64::MIN_POSITIVE);
    for x in ticks(x_range) {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            LEFT + (x - x_range.0) / span(x_range) * plot_w,
            bottom + 14.0,
            compact_number(x)
        );
    }
    for y in ticks(y_range) {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            bottom - (y - y_range.0) / span(y_range) * plot_h + 4.0,
            compact_number(y)
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
        LEFT + plot_w / 2.0,
        bottom + 32.0,
        escape(x_label)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_are_closed() {
        let check = |svg: String| {
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
            assert!(svg.ends_with("</svg>"));
            assert!(svg.contains("A &lt;b&gt;"));
            assert!(!svg.contains("<b>"));
        };
        check(histogram("A <b>", "x", (0.0, 100.0), &[1.0, 2.0, 0.0], &[1]));
        check(heat_map("A <b>", "x", "y", 2, 2, &[1.0, 0.0, 3.0, 4.0], 100.0));
        check(line_chart("A <b>", "x", (0.0, 100.0), &[("s", &[1.0, 2.0])]));
        check(bar_chart("A <b>", &[("one".to_owned(), 3.0)]));
    }

    #[test]
    fn heat_colours_and_numbers() {
        assert_eq!(heat_colour(0.0), (255, 255, 255));
        assert_eq!(heat_colour(1.0), (103, 0, 13));
        assert_eq!(heat_colour(1e-4), (255, 250, 205));
        assert_eq!(format_number(1234567.0), "1,234,567");
        assert_eq!(format_number(-1000.0), "-1,000");
        assert_eq!(format_number(0.5), "0.500");
        assert_eq!(ticks((30.0, 100.0)), vec![30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]);
        assert_eq!(ticks((0.0, 2_435_106.0)), vec![0.0, 500_000.0, 1_000_000.0, 1_500_000.0, 2_000_000.0]);
        assert_eq!(compact_number(2_000_000.0), "2M");
        assert_eq!(compact_number(1_500_000.0), "1.5M");
        assert_eq!(compact_number(20_000.0), "20k");
        assert_eq!(compact_number(35.0), "35");
    }
}
