//! Small SVG bar charts drawn inline in pages: no script, no external files, and only
//! presentation attributes (no `style`), so that the strict Content-Security-Policy holds.

use std::fmt::Write as _;

/// One bar: a label, the register's count, and optionally an official figure to compare.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub claim: Option<i64>,
}

/// A horizontal bar chart; `legend` names the two series when claims are present.
pub fn horizontal_bars(title: &str, bars: &[Bar], legend: (&str, &str)) -> String {
    const LABEL_WIDTH: f64 = 210.0;
    const BAR_AREA: f64 = 330.0;
    const ROW: f64 = 22.0;
    let has_claims = bars.iter().any(|bar| bar.claim.is_some());
    let max = bars.iter().map(|bar| bar.value.max(bar.claim.unwrap_or(0))).max().unwrap_or(0).max(1) as f64;
    let legend_height = if has_claims { 22.0 } else { 0.0 };
    let height = legend_height + ROW * bars.len() as f64 + 8.0;
    let width = LABEL_WIDTH + BAR_AREA + 60.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\" font-size=\"12\">",
        escape(title)
    );
    let _ = write!(svg, "<title>{}</title>", escape(title));
    if has_claims {
        let _ = write!(
            svg,
            "<rect x=\"{LABEL_WIDTH}\" y=\"5\" width=\"12\" height=\"12\" fill=\"#0b5394\"/><text x=\"{}\" y=\"15\">{}</text>\
             <rect x=\"{}\" y=\"9\" width=\"12\" height=\"4\" fill=\"#a40000\"/><text x=\"{}\" y=\"15\">{}</text>",
            LABEL_WIDTH + 16.0,
            escape(legend.0),
            LABEL_WIDTH + 150.0,
            LABEL_WIDTH + 166.0,
            escape(legend.1)
        );
    }
    for (index, bar) in bars.iter().enumerate() {
        let y = legend_height + ROW * index as f64 + 4.0;
        let length = BAR_AREA * bar.value as f64 / max;
        let label: String = bar.label.chars().take(32).collect();
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{length:.1}\" height=\"14\" fill=\"#0b5394\"/>\
             <text x=\"{:.1}\" y=\"{}\">{}</text>",
            LABEL_WIDTH - 6.0,
            y + 11.0,
            escape(&label),
            LABEL_WIDTH + length + 4.0,
            y + 11.0,
            bar.value
        );
        if let Some(claim) = bar.claim {
            let x = LABEL_WIDTH + BAR_AREA * claim as f64 / max;
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{}\" width=\"3\" height=\"20\" fill=\"#a40000\"><title>{}: {claim}</title></rect>",
                x - 1.5,
                y - 3.0,
                escape(legend.1)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_largest_value() {
        let svg = horizontal_bars(
            "By city",
            &[
                Bar { label: "<b>Almaty</b>".into(), value: 50, claim: Some(100) },
                Bar { label: "Nur-Sultan".into(), value: 100, claim: None },
            ],
            ("register", "official"),
        );
        assert!(svg.contains("&lt;b&gt;Almaty&lt;/b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("width=\"165.0\""), "half of the bar area: {svg}");
        assert!(svg.contains("width=\"330.0\""));
        assert!(!svg.contains("style="));
    }
}
