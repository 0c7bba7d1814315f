//! The forensics report: one self-contained page with each test, its chart and a
//! plain-language reading; the same results as JSON for scripts; the fingerprint as PNG.
//!
//! Every test states what it shows, what it cannot show and its inputs (from
//! [`kuzet_forensics::Explanation`]), and the seed of every random part is printed, so a reader
//! can reproduce each figure.

use crate::page::{document, escape};
use crate::svg::{bar_chart, format_number, heat_colour, heat_map, histogram, line_chart};
use kuzet_forensics::fingerprint::Histogram2d;
use kuzet_forensics::{Explanation, SuiteReport};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// p-values below this are called "beyond chance" in the readings.
pub const SIGNIFICANCE: f64 = 0.01;

/// Renders the whole report as one HTML page; `source` names the data (a file name).
pub fn html(report: &SuiteReport, source: &str) -> String {
    let mut body = String::with_capacity(512 * 1024);
    let _ = writeln!(
        body,
        "<h1>Election forensics: {}</h1>\n<p class=\"note\">{} stations, {} with usable figures; \
         leader: {}; seed {}; {} Monte-Carlo draws; {} bootstrap replicates. Every test below says \
         what it shows and what it cannot show: none of them proves fraud on its own.</p>",
        escape(source),
        format_number(report.stations as f64),
        format_number(report.usable_stations as f64),
        escape(&report.leader),
        report.options.seed,
        format_number(report.options.draws as f64),
        format_number(report.options.bootstrap as f64),
    );
    fingerprint_section(&mut body, report);
    fit_section(&mut body, report);
    peaks_section(&mut body, report);
    excess_section(&mut body, report);
    digits_section(&mut body, report);
    distribution_section(&mut body, report);
    document("en", &format!("Election forensics: {source}"), &body)
}

/// The results as JSON (histograms left out except the counts a script needs).
pub fn json(report: &SuiteReport, source: &str) -> Value {
    let fit = &report.fraud_fit;
    let peaks = &report.peaks;
    let test = |t: &kuzet_forensics::peaks::RoundPercentageTest| {
        json!({
            "quantity": t.quantity, "eligible": t.eligible, "observed": t.observed,
            "null_mean": t.null_mean, "null_sd": t.null_sd, "excess": t.excess, "p_value": t.p_value,
        })
    };
    let shape = |s: &kuzet_forensics::distribution::ShapeOfTurnout| {
        json!({
            "name": s.name, "stations": s.stations, "mean_turnout": s.mean_turnout,
            "skewness": s.skewness, "kurtosis": s.kurtosis, "dip": s.dip, "dip_p_value": s.dip_p_value,
            "turnout_share_correlation": s.turnout_share_correlation,
        })
    };
    json!({
        "source": source,
        "stations": report.stations,
        "usable_stations": report.usable_stations,
        "leader": report.leader,
        "seed": report.options.seed,
        "draws": report.options.draws,
        "bootstrap": report.options.bootstrap,
        "fraud_model": {
            "incremental_fraud": fit.incremental, "extreme_fraud": fit.extreme,
            "incremental_sd": fit.incremental_sd, "extreme_sd": fit.extreme_sd,
            "honest_turnout_mean": fit.honest.turnout_mean, "honest_turnout_sd": fit.honest.turnout_sd,
            "honest_share_mean": fit.honest.share_mean, "honest_share_sd": fit.honest.share_sd,
            "distance": fit.distance, "distance_without_fraud": fit.distance_without_fraud,
        },
        "integer_peaks": {
            "min_total": peaks.min_total,
            "turnout": test(&peaks.turnout), "leader_share": test(&peaks.leader_share), "either": test(&peaks.either),
        },
        "excess_votes": {
            "leader_votes": report.excess.leader_votes,
            "excess_votes": report.excess.excess_votes,
            "by_region": report.excess.by_region.iter().map(|r| json!({
                "region": r.region, "stations": r.stations, "leader_votes": r.leader_votes,
                "reference_turnout": r.reference_turnout, "reference_ratio": finite(r.reference_ratio),
                "excess_votes": r.excess_votes,
            })).collect::<Vec<_>>(),
        },
        "digits": report.digits.candidates.iter().map(|c| json!({
            "candidate": c.candidate,
            "second_digit_counts": c.second_digit_counts,
            "second_digit_chi_square": c.second_digit_chi_square,
            "second_digit_p_value": finite(c.second_digit_p_value),
            "mean_second_digit": finite(c.mean_second_digit),
            "mean_interval": [finite(c.mean_interval.0), finite(c.mean_interval.1)],
            "last_digit_counts": c.last_digit_counts,
            "last_digit_p_value": finite(c.last_digit_p_value),
            "share_zero_or_five": finite(c.share_zero_or_five),
            "zero_or_five_p_value": finite(c.zero_or_five_p_value),
        })).collect::<Vec<_>>(),
        "turnout_distribution": {
            "overall": shape(&report.distribution.overall),
            "by_region": report.distribution.by_region.iter().map(shape).collect::<Vec<_>>(),
        },
    })
}

/// A PNG image of a fingerprint: `scale` pixels per cell, turnout to the right, the leader's
/// share upwards, logarithmic colours as in the SVG.
pub fn fingerprint_png(histogram: &Histogram2d, scale: usize) -> Vec<u8> {
    let bins = histogram.bins;
    let scale = scale.max(1);
    let side = (bins * scale) as u32;
    let max = histogram.max();
    let mut pixels = Vec::with_capacity((side * side * 3) as usize);
    for y in 0..bins * scale {
        let share_bin = bins - 1 - y / scale;
        for x in 0..bins * scale {
            let value = histogram.get(x / scale, share_bin);
            let (r, g, b) = if max > 0.0 { heat_colour(value / max) } else { (255, 255, 255) };
            pixels.extend_from_slice(&[r, g, b]);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing into a Vec cannot fail; the header and data sizes agree by construction.
    if let Ok(mut writer) = encoder.write_header() {
        let _ = writer.write_image_data(&pixels);
    }
    out
}

fn finite(value: f64) -> Value {
    if value.is_finite() { json!(value) } else { Value::Null }
}

fn explanation(body: &mut String, e: &Explanation, reading: &str) {
    let _ = writeln!(
        body,
        "<p><strong>Reading.</strong> {}</p>\n<p><strong>What it shows.</strong> {}</p>\n\
         <p><strong>What it cannot show.</strong> {}</p>\n<p class=\"note\"><strong>Inputs.</strong> {}</p>",
        escape(reading),
        escape(e.shows),
        escape(e.cannot_show),
        escape(&e.inputs)
    );
}

fn fingerprint_svg(title: &str, h: &Histogram2d, size: f64) -> String {
    heat_map(title, "turnout, %", "leader's share, %", h.bins, h.bins, &h.weights, size)
}

fn fingerprint_section(body: &mut String, report: &SuiteReport) {
    let f = &report.fingerprint;
    let total = f.overall.total();
    // Share of voters at stations above 90 % turnout and 90 % for the leader: the comet's head.
    let bins = f.overall.bins;
    let from = (bins * 9) / 10;
    let corner: f64 = (from..bins).flat_map(|t| (from..bins).map(move |s| (t, s))).map(|(t, s)| f.overall.get(t, s)).sum();
    let share = if total > 0.0 { corner / total } else { 0.0 };
    let _ = writeln!(body, "<section>\n<h2>{}</h2>", escape(f.explanation.title));
    let _ = writeln!(body, "<figure>{}<figcaption>Voters by station turnout (across) and the leader's share (up); darker = more voters (logarithmic).</figcaption></figure>",
        fingerprint_svg("Fingerprint, all stations", &f.overall, 400.0));
    explanation(
        body,
        &f.explanation,
        &format!(
            "{:.1} % of the voters who came did so at stations reporting over 90 % turnout and over 90 % \
             for the leader (the upper-right corner, where a comet tail ends).",
            share * 100.0
        ),
    );
    // Regions as small multiples, largest first.
    let mut order: Vec<usize> = (0..f.by_region.len()).filter(|&r| f.region_voters[r] > 0).collect();
    order.sort_by_key(|&r| std::cmp::Reverse(f.region_voters[r]));
    if order.len() > 1 {
        body.push_str("<details><summary>Fingerprint of each region (largest first)</summary>\n<div>");
        for r in order {
            body.push_str(&fingerprint_svg(&f.region_names[r], &f.by_region[r], 120.0));
        }
        body.push_str("</div></details>\n");
    }
    body.push_str("</section>\n");
}

fn fit_section(body: &mut String, report: &SuiteReport) {
    let fit = &report.fraud_fit;
    let _ = writeln!(body, "<section>\n<h2>{}</h2>\n<figure>{}{}<figcaption>Left: the data; right: the fitted model \
        (f_i = {:.2}, f_e = {:.3}).</figcaption></figure>",
        escape(fit.explanation.title),
        fingerprint_svg("Data", &fit.data, 260.0),
        fingerprint_svg("Fitted model", &fit.model, 260.0),
        fit.incremental,
        fit.extreme);
    let reading = if fit.incremental <= 0.02 && fit.extreme <= 0.005 {
        "The model fits best with almost no fraud: the fingerprint looks like one honest cloud.".to_owned()
    } else {
        format!(
            "The model fits best with incremental fraud at {:.0} % of stations (σ_x = {}) and extreme fraud \
             at {:.1} %; adding fraud reduces the distance between model and data from {:.2e} to {:.2e}.",
            fit.incremental * 100.0,
            fit.incremental_sd,
            fit.extreme * 100.0,
            fit.distance_without_fraud,
            fit.distance
        )
    };
    explanation(body, &fit.explanation, &reading);
    body.push_str("</section>\n");
}

fn peaks_section(body: &mut String, report: &SuiteReport) {
    let p = &report.peaks;
    let _ = writeln!(body, "<section>\n<h2>{}</h2>", escape(p.explanation.title));
    // Show 30–100 % of the leader's share in 0.1 % bins; whole percentages in red.
    let from = 300;
    let counts: Vec<f64> = p.share_histogram[from..].iter().map(|&c| c as f64).collect();
    let highlight: Vec<usize> = (0..counts.len()).filter(|i| (i + from) % 10 == 0).collect();
    let _ = writeln!(body, "<figure>{}<figcaption>Stations per 0.1 % of the leader's share; bars at whole percentages in red.</figcaption></figure>",
        histogram("Leader's share, stations per 0.1 %", "leader's share, %", (30.0, 100.0), &counts, &highlight));
    let counts: Vec<f64> = p.turnout_histogram[from..].iter().map(|&c| c as f64).collect();
    let _ = writeln!(body, "<figure>{}</figure>",
        histogram("Turnout, stations per 0.1 %", "turnout, %", (30.0, 100.0), &counts, &highlight));
    body.push_str("<table><caption>Stations at whole percentages</caption><tr><th>figure</th><th>stations tested</th>\
        <th>observed</th><th>expected by chance</th><th>excess</th><th>p-value</th></tr>\n");
    for t in [&p.turnout, &p.leader_share, &p.either] {
        let class = if t.p_value < SIGNIFICANCE { " class=\"flag\"" } else { "" };
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0} ± {:.0}</td><td>{:.0}</td><td{class}>{:.4}</td></tr>",
            escape(t.quantity),
            format_number(t.eligible as f64),
            format_number(t.observed as f64),
            t.null_mean,
            t.null_sd,
            t.excess,
            t.p_value
        );
    }
    body.push_str("</table>\n");
    let t = &p.either;
    let reading = if t.p_value < SIGNIFICANCE {
        format!(
            "{} stations report a whole-percentage turnout or leader's share, about {:.0} more than the {:.0} \
             that binomial chance gives ({} of {} random draws reached the observed count; p = {:.4}).",
            format_number(t.observed as f64),
            t.excess,
            t.null_mean,
            ((t.p_value * (p.draws as f64 + 1.0)).round() as u64).saturating_sub(1),
            p.draws,
            t.p_value
        )
    } else {
        format!(
            "{} stations at whole percentages against {:.0} ± {:.0} by chance (p = {:.3}): within what chance gives at the 1 % level.",
            format_number(t.observed as f64),
            t.null_mean,
            t.null_sd,
            t.p_value
        )
    };
    explanation(body, &p.explanation, &reading);
    body.push_str("</section>\n");
}

fn excess_section(body: &mut String, report: &SuiteReport) {
    let e = &report.excess;
    let _ = writeln!(body, "<section>\n<h2>{}</h2>", escape(e.explanation.title));
    let leader: Vec<f64> = e.leader_by_turnout.iter().map(|&v| v as f64).collect();
    let others: Vec<f64> = e.others_by_turnout.iter().map(|&v| v as f64).collect();
    let _ = writeln!(body, "<figure>{}<figcaption>Votes by station turnout. In an honest count both curves have the same shape; \
        a leader's curve with a second hump at high turnout is the excess.</figcaption></figure>",
        line_chart("Votes per 1 % of turnout", "turnout, %", (0.0, 100.0), &[(&report.leader, &leader), ("all others", &others)]));
    let mut regions: Vec<(String, f64)> =
        e.by_region.iter().filter_map(|r| r.excess_votes.map(|v| (r.region.clone(), v.round()))).collect();
    regions.sort_by(|a, b| b.1.total_cmp(&a.1));
    regions.truncate(20);
    if !regions.is_empty() {
        let _ = writeln!(body, "<figure>{}</figure>", bar_chart("Excess votes, 20 largest regions", &regions));
    }
    let share = if e.leader_votes > 0 { e.excess_votes / e.leader_votes as f64 } else { 0.0 };
    let reading = format!(
        "Under the method's assumptions about {} of the leader's {} votes ({:.1} %) are in excess of what the \
         stations with their region's usual turnout imply.",
        format_number(e.excess_votes.round()),
        format_number(e.leader_votes as f64),
        share * 100.0
    );
    explanation(body, &e.explanation, &reading);
    body.push_str("<details><summary>All regions</summary><table><tr><th>region</th><th>stations</th><th>leader's votes</th>\
        <th>usual turnout</th><th>ratio</th><th>excess votes</th></tr>\n");
    for r in &e.by_region {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1} %</td><td>{:.2}</td><td>{}</td></tr>",
            escape(&r.region),
            r.stations,
            format_number(r.leader_votes as f64),
            r.reference_turnout * 100.0,
            r.reference_ratio,
            r.excess_votes.map_or("not estimable".to_owned(), |v| format_number(v.round()))
        );
    }
    body.push_str("</table></details>\n</section>\n");
}

fn digits_section(body: &mut String, report: &SuiteReport) {
    let d = &report.digits;
    let _ = writeln!(body, "<section>\n<h2>{}</h2>", escape(d.explanation.title));
    body.push_str("<table><tr><th>candidate</th><th>2BL χ² (p)</th><th>mean 2nd digit [95 % interval]</th>\
        <th>last digit χ² (p)</th><th>ending in 0 or 5</th></tr>\n");
    let mut flagged = Vec::new();
    for c in &d.candidates {
        let benford_flag = c.mean_outside_interval();
        let last_flag = c.last_digit_p_value < SIGNIFICANCE || c.zero_or_five_p_value < SIGNIFICANCE;
        if last_flag {
            flagged.push(c.candidate.clone());
        }
        let flag = |on: bool| if on { " class=\"flag\"" } else { "" };
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{:.1} ({:.3})</td><td{}>{:.3} [{:.3}, {:.3}]</td><td{}>{:.1} ({:.3})</td><td>{:.1} %</td></tr>",
            escape(&c.candidate),
            c.second_digit_chi_square,
            c.second_digit_p_value,
            flag(benford_flag),
            c.mean_second_digit,
            c.mean_interval.0,
            c.mean_interval.1,
            flag(last_flag),
            c.last_digit_chi_square,
            c.last_digit_p_value,
            c.share_zero_or_five * 100.0
        );
    }
    body.push_str("</table>\n");
    if let Some(leader) = d.candidates.iter().find(|c| c.candidate == report.leader) {
        let bars: Vec<(String, f64)> =
            leader.last_digit_counts.iter().enumerate().map(|(digit, &n)| (format!("ends in {digit}"), n as f64)).collect();
        let _ = writeln!(body, "<figure>{}</figure>", bar_chart(&format!("Last digits of {}'s counts", report.leader), &bars));
    }
    let reading = if flagged.is_empty() {
        "No candidate's last digits depart from uniform beyond chance; Benford's mean 4.187 is compared with each \
         candidate's interval in the table."
            .to_owned()
    } else {
        format!("Last digits depart from uniform beyond chance for: {}.", flagged.join(", "))
    };
    explanation(body, &d.explanation, &reading);
    body.push_str("</section>\n");
}

fn distribution_section(body: &mut String, report: &SuiteReport) {
    let d = &report.distribution;
    let o = &d.overall;
    let _ = writeln!(body, "<section>\n<h2>{}</h2>", escape(d.explanation.title));
    let counts: Vec<f64> = d.turnout_histogram.iter().map(|&c| c as f64).collect();
    let _ = writeln!(body, "<figure>{}</figure>", histogram("Stations per 1 % of turnout", "turnout, %", (0.0, 100.0), &counts, &[]));
    let reading = format!(
        "Turnout: skewness {:.2}, excess kurtosis {:.2}; dip {:.4} (p = {:.3}{}); correlation of turnout with \
         the leader's share {:.2}.",
        o.skewness,
        o.kurtosis,
        o.dip,
        o.dip_p_value,
        if o.dip_p_value < SIGNIFICANCE { ": more than one hump" } else { ": one hump is consistent" },
        o.turnout_share_correlation
    );
    explanation(body, &d.explanation, &reading);
    body.push_str("<details><summary>Each region</summary><table><tr><th>region</th><th>stations</th><th>mean turnout</th>\
        <th>skewness</th><th>kurtosis</th><th>dip (p)</th><th>correlation</th></tr>\n");
    for s in std::iter::once(o).chain(&d.by_region) {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{:.1} %</td><td>{:.2}</td><td>{:.2}</td><td>{:.4} ({:.3})</td><td>{:.2}</td></tr>",
            escape(&s.name),
            s.stations,
            s.mean_turnout * 100.0,
            s.skewness,
            s.kurtosis,
            s.dip,
            s.dip_p_value,
            s.turnout_share_correlation
        );
    }
    body.push_str("</table></details>\n</section>\n");
}
