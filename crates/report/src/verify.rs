//! The verification report: arithmetic violations, observer vs official, projections, outliers.
//!
//! [`build`] turns an election and its [`Verification`] into a [`VerificationReport`], a plain
//! view model with names instead of indices. The three renderings read only that model: plain
//! text for a terminal ([`render_text`]), JSON for scripts ([`render_json`], the model as it
//! is) and a self-contained HTML page ([`render_html`]). So the three always say the same.

use crate::page::{document, escape};
use kuzet_protocol::check::{Row, Rule};
use kuzet_protocol::project::SampleWarning;
use kuzet_protocol::{Election, Verification};
use serde::Serialize;
use std::fmt::Write as _;

/// The whole report, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationReport {
    pub title: String,
    pub protocol: String,
    /// The area the verification was limited to, if any.
    pub scope: Option<String>,
    pub sources: Vec<SourceSummary>,
    pub arithmetic: ArithmeticSection,
    pub regions: Vec<RegionLine>,
    pub comparisons: Vec<ComparisonSection>,
    pub projections: Vec<ProjectionSection>,
    pub outliers: Vec<OutlierSection>,
    /// How the figures were made, in sentences.
    pub method: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    pub source: String,
    pub origin: String,
    pub stations: usize,
    pub area_totals: usize,
    /// Registered voters summed over the stations, when every station gives them.
    pub registered: Option<i64>,
    /// Ballots cast summed over the stations, when every station gives them.
    pub cast: Option<i64>,
    /// Candidates' votes summed over the stations.
    pub votes: Vec<NamedCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedCount {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArithmeticSection {
    pub rows_checked: usize,
    pub relations: Vec<RelationLine>,
    pub negative_values: usize,
    pub violations_total: usize,
    /// The first violations, in file order (all of them in JSON).
    pub violations: Vec<ViolationLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelationLine {
    pub name: String,
    pub formula: String,
    pub checked: usize,
    pub violated: usize,
    pub not_applicable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ViolationLine {
    pub source: String,
    pub area: String,
    /// The station, or `None` for area totals.
    pub station: Option<String>,
    /// The line of the input file.
    pub line: u32,
    pub origin: String,
    pub relation: String,
    pub left: i64,
    pub comparison: String,
    pub right: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionLine {
    pub source: String,
    pub region: String,
    pub stations: usize,
    pub registered: Option<i64>,
    pub cast: Option<i64>,
    /// Cast over registered, when both are complete.
    pub turnout: Option<f64>,
    pub leader: Option<String>,
    pub leader_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonSection {
    pub source: String,
    pub stations_compared: usize,
    pub stations_differing: usize,
    pub unmatched: Vec<String>,
    /// Per line: net difference (source minus official) and how often each side was larger.
    pub lines: Vec<LineNet>,
    pub by_region: Vec<RegionNet>,
    /// Stations where the figures differ (the first ones in text and HTML).
    pub stations: Vec<StationDifferences>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineNet {
    pub line: String,
    pub net: i64,
    pub source_larger: usize,
    pub official_larger: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionNet {
    pub region: String,
    pub stations_compared: usize,
    pub stations_differing: usize,
    pub lines: Vec<LineNet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StationDifferences {
    pub area: String,
    pub station: String,
    pub differences: Vec<LineDifferenceLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineDifferenceLine {
    pub line: String,
    pub source: i64,
    pub official: i64,
    pub difference: i64,
    pub larger: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectionSection {
    pub area: String,
    pub source: String,
    pub sampled: usize,
    pub total_stations: usize,
    pub projected: bool,
    pub warnings: Vec<String>,
    pub candidates: Vec<CandidateLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CandidateLine {
    pub candidate: String,
    pub observed: i64,
    pub official: Option<i64>,
    pub projection: EstimateLine,
    /// Official minus projected.
    pub difference: Option<i64>,
    /// Whether the official figure is outside the analytic 95% interval.
    pub official_outside_interval: Option<bool>,
    pub official_outside_bootstrap: Option<bool>,
    pub ratio_to_registered: Option<EstimateLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EstimateLine {
    pub value: i64,
    pub standard_error: f64,
    pub analytic_95: [i64; 2],
    pub bootstrap_95: [i64; 2],
}

#[derive(Debug, Clone, Serialize)]
pub struct OutlierSection {
    pub source: String,
    pub area: String,
    pub stations: usize,
    pub leader: Option<String>,
    pub runner_up: Option<String>,
    pub threshold: f64,
    pub measures: Vec<MeasureLine>,
    pub flagged_total: usize,
    /// Sorted by how far off they are (the first ones in text and HTML).
    pub flagged: Vec<OutlierLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasureLine {
    pub measure: &'static str,
    pub stations: usize,
    pub median: f64,
    pub scale: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutlierLine {
    pub area: String,
    pub station: String,
    pub measure: &'static str,
    pub value: f64,
    pub robust_z: f64,
}

/// Builds the report. `limit` caps each list (violations, differing stations, outliers);
/// `None` keeps everything, as JSON does.
pub fn build(election: &Election, verification: &Verification, scope: Option<&str>, limit: Option<usize>) -> VerificationReport {
    let cap = |n: usize| limit.map_or(n, |l| l.min(n));
    let areas = &election.areas;
    let results = election.results();
    let candidates = election.candidate_columns();

    let sources = verification
        .summaries
        .iter()
        .map(|summary| {
            let set = &results[summary.set];
            let total = &summary.total;
            let complete = |columns: &[usize]| -> Option<i64> {
                if columns.is_empty() {
                    return None;
                }
                columns.iter().map(|&c| total.complete_sum(c)).sum()
            };
            SourceSummary {
                source: set.source.clone(),
                origin: set.provenance.origin.clone(),
                stations: total.stations,
                area_totals: set.aggregates.len(),
                registered: complete(&election.protocol.roles.registered),
                cast: complete(&election.protocol.roles.cast),
                votes: candidates
                    .clone()
                    .filter(|&c| total.reported[c] > 0)
                    .map(|c| NamedCount { name: election.column_label(c).to_owned(), count: total.sums[c] })
                    .collect(),
            }
        })
        .collect();

    let check = &verification.arithmetic;
    let relations = election
        .protocol
        .relations
        .iter()
        .zip(&check.tallies)
        .map(|(relation, tally)| RelationLine {
            name: relation.name.clone(),
            formula: election.protocol.describe(relation),
            checked: tally.checked,
            violated: tally.violated,
            not_applicable: tally.not_applicable,
        })
        .collect();
    let violations = check.violations[..cap(check.violations.len())]
        .iter()
        .map(|v| {
            let set = &results[v.result_set];
            let (area, station, line) = match v.row {
                Row::Station(i) => (set.stations[i].area, Some(set.stations[i].station.clone()), set.stations[i].line),
                Row::Aggregate(i) => (set.aggregates[i].area, None, set.aggregates[i].line),
            };
            let (relation, comparison) = match v.rule {
                Rule::Relation(r) => {
                    let relation = &election.protocol.relations[r];
                    (relation.name.clone(), relation.comparison.symbol().to_owned())
                }
                Rule::NonNegative(column) => (format!("no negative numbers ({})", election.column_label(column)), ">=".to_owned()),
            };
            ViolationLine {
                source: set.source.clone(),
                area: areas.display(area),
                station,
                line,
                origin: set.provenance.origin.clone(),
                relation,
                left: v.left,
                comparison,
                right: v.right,
            }
        })
        .collect();
    let arithmetic = ArithmeticSection {
        rows_checked: check.rows_checked,
        relations,
        negative_values: check.negative_values,
        violations_total: check.violations.len(),
        violations,
    };

    let mut regions = Vec::new();
    for summary in &verification.summaries {
        for region in &summary.regions {
            let sum_of = |columns: &[usize]| -> Option<i64> {
                if columns.is_empty() {
                    return None;
                }
                columns.iter().map(|&c| region.complete_sum(c)).sum()
            };
            let registered = sum_of(&election.protocol.roles.registered);
            let cast = sum_of(&election.protocol.roles.cast);
            let all_votes: i64 = candidates.clone().map(|c| region.sums[c]).sum();
            let leader = candidates.clone().max_by_key(|&c| (region.sums[c], std::cmp::Reverse(c)));
            regions.push(RegionLine {
                source: results[summary.set].source.clone(),
                region: areas.display(region.area),
                stations: region.stations,
                registered,
                cast,
                turnout: match (registered, cast) {
                    (Some(r), Some(c)) if r > 0 => Some(c as f64 / r as f64),
                    _ => None,
                },
                leader: leader.filter(|_| all_votes > 0).map(|c| election.column_label(c).to_owned()),
                leader_share: leader.filter(|_| all_votes > 0).map(|c| region.sums[c] as f64 / all_votes as f64),
            });
        }
    }

    let line_nets = |net: &[i64], other: &[usize], official: &[usize]| -> Vec<LineNet> {
        (0..election.width())
            .filter(|&c| other[c] + official[c] > 0)
            .map(|c| LineNet { line: election.column_label(c).to_owned(), net: net[c], source_larger: other[c], official_larger: official[c] })
            .collect()
    };
    let comparisons = verification
        .comparisons
        .iter()
        .map(|comparison| {
            let set = &results[comparison.other_set];
            let differing: Vec<_> = comparison.stations.iter().filter(|s| !s.differences.is_empty()).collect();
            ComparisonSection {
                source: set.source.clone(),
                stations_compared: comparison.total.stations_compared,
                stations_differing: comparison.total.stations_differing,
                unmatched: comparison
                    .unmatched
                    .iter()
                    .map(|&row| format!("{} / {}", areas.display(set.stations[row].area), set.stations[row].station))
                    .collect(),
                lines: line_nets(&comparison.total.net, &comparison.total.other_larger, &comparison.total.official_larger),
                by_region: comparison
                    .by_region
                    .iter()
                    .map(|r| RegionNet {
                        region: areas.display(r.area),
                        stations_compared: r.stations_compared,
                        stations_differing: r.stations_differing,
                        lines: line_nets(&r.net, &r.other_larger, &r.official_larger),
                    })
                    .collect(),
                stations: differing[..cap(differing.len())]
                    .iter()
                    .map(|s| StationDifferences {
                        area: areas.display(s.area),
                        station: s.station.clone(),
                        differences: s
                            .differences
                            .iter()
                            .map(|d| LineDifferenceLine {
                                line: election.column_label(d.column).to_owned(),
                                source: d.other,
                                official: d.official,
                                difference: d.difference(),
                                larger: if d.other > d.official { "source" } else { "official" },
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();

    let estimate = |e: &kuzet_protocol::project::Estimate| EstimateLine {
        value: e.value.round() as i64,
        standard_error: (e.standard_error * 10.0).round() / 10.0,
        analytic_95: [e.analytic.lower.round() as i64, e.analytic.upper.round() as i64],
        bootstrap_95: [e.bootstrap.lower.round() as i64, e.bootstrap.upper.round() as i64],
    };
    let projections = verification
        .projections
        .iter()
        .map(|p| ProjectionSection {
            area: areas.display(p.area),
            source: results[p.sample_set].source.clone(),
            sampled: p.sampled,
            total_stations: p.total_stations,
            projected: !p.candidates.is_empty(),
            warnings: p.warnings.iter().map(describe_warning).collect(),
            candidates: p
                .candidates
                .iter()
                .map(|c| CandidateLine {
                    candidate: election.candidates()[c.candidate].clone(),
                    observed: c.observed,
                    official: c.official,
                    projection: estimate(&c.per_station_mean),
                    difference: c.difference().map(|d| d.round() as i64),
                    official_outside_interval: c.official_outside(),
                    official_outside_bootstrap: c.official.map(|o| !c.per_station_mean.bootstrap.contains(o as f64)),
                    ratio_to_registered: c.ratio_to_registered.as_ref().map(estimate),
                })
                .collect(),
        })
        .collect();

    let outliers = verification
        .outliers
        .iter()
        .map(|group| {
            let set = &results[group.set];
            let mut flagged: Vec<_> = group.scan.outliers.iter().collect();
            flagged.sort_by(|a, b| b.robust_z.abs().total_cmp(&a.robust_z.abs()).then(a.row.cmp(&b.row)));
            let name = |k: Option<usize>| k.map(|k| election.candidates()[k].clone());
            OutlierSection {
                source: set.source.clone(),
                area: areas.display(group.area),
                stations: group.rows.len(),
                leader: name(group.scan.leader),
                runner_up: name(group.scan.runner_up),
                threshold: group.scan.threshold,
                measures: group
                    .scan
                    .summaries
                    .iter()
                    .map(|s| MeasureLine { measure: s.measure.name(), stations: s.stations, median: round4(s.median), scale: round4(s.scale) })
                    .collect(),
                flagged_total: flagged.len(),
                flagged: flagged[..cap(flagged.len())]
                    .iter()
                    .map(|o| {
                        let station = &set.stations[group.rows[o.row]];
                        OutlierLine {
                            area: areas.display(station.area),
                            station: station.station.clone(),
                            measure: o.measure.name(),
                            value: round4(o.value),
                            robust_z: (o.robust_z * 100.0).round() / 100.0,
                        }
                    })
                    .collect(),
            }
        })
        .collect();

    VerificationReport {
        title: election.title.clone(),
        protocol: election.protocol.name.clone(),
        scope: scope.map(str::to_owned),
        sources,
        arithmetic,
        regions,
        comparisons,
        projections,
        outliers,
        method: method_notes(),
    }
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn method_notes() -> Vec<String> {
    vec![
        "Control relations come from the protocol definition; a relation whose lines a protocol does not give is counted as not applicable, never as a violation.".to_owned(),
        "Projection: the observed stations' mean per station times the area's number of stations (the observers' own method), and, when registered voters are known for the area, the ratio estimator on registered voters.".to_owned(),
        "Analytic 95% intervals use the sampling variance with the finite-population correction and Student's t; bootstrap intervals are the 2.5% and 97.5% percentiles over 2,000 resamples of the observed stations with a fixed seed, without that correction, so they are wider when the sample covers a large share of the area.".to_owned(),
        "Both intervals assume that the observed stations are a random sample of the area's stations; observers rarely choose stations at random, so a projection is evidence to weigh, not a count.".to_owned(),
        "Outliers: robust z-score (x - median) / (MAD / 0.6745) of log(leader / runner-up), the leader's share and turnout, within each source and area; listed above the threshold.".to_owned(),
    ]
}

fn describe_warning(warning: &SampleWarning) -> String {
    match warning {
        SampleWarning::TooSmall { sampled, minimum } => format!(
            "Too small to project from: {sampled} observed stations with complete figures; at least {minimum} are needed."
        ),
        SampleWarning::LargerThanArea { sampled, total } => format!(
            "Cannot project: {sampled} observed stations but the area has only {total}; the station count or the area is wrong."
        ),
        SampleWarning::IncompleteRows { left_out } => {
            format!("{left_out} observed stations lack some candidate's votes and were left out.")
        }
        SampleWarning::RegisteredDiffers { sample_mean, area_mean, z } => format!(
            "Not random enough: the observed stations average {} registered voters against {} in the area (z = {z:.2}); the projection may be biased.",
            group(sample_mean.round() as i64),
            group(area_mean.round() as i64)
        ),
        SampleWarning::TurnoutDiffers { sample, area, z } => format!(
            "Turnout at the observed stations is {:.1}% against {:.1}% officially for the area (z = {z:.2}): either the sample is not representative or the official figures are not the protocols' figures.",
            sample * 100.0,
            area * 100.0
        ),
        SampleWarning::RatioUnavailable { reason } => format!("No ratio estimate: {reason}."),
    }
}

/// The report as JSON: the model as it is.
pub fn render_json(report: &VerificationReport) -> serde_json::Value {
    serde_json::to_value(report).expect("the report model serialises")
}

/// Formats a whole number with thousands separators ("114,992").
pub fn group(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn signed(value: i64) -> String {
    if value > 0 { format!("+{}", group(value)) } else { group(value) }
}

fn maybe(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_owned(), group)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// How many outlier groups list their stations in the text report; the rest get one line.
const TEXT_OUTLIER_GROUPS: usize = 5;

/// The report as plain text for a terminal.
pub fn render_text(report: &VerificationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Verification: {}", report.title);
    let _ = writeln!(out, "Protocol: {}", report.protocol);
    if let Some(scope) = &report.scope {
        let _ = writeln!(out, "Area: {scope}");
    }

    let _ = writeln!(out, "\nSources");
    for s in &report.sources {
        let _ = write!(out, "  {}: {} stations, {} area totals, from {}", s.source, group(s.stations as i64), s.area_totals, s.origin);
        if let Some(registered) = s.registered {
            let _ = write!(out, "; {} registered voters", group(registered));
        }
        if let Some(cast) = s.cast {
            let _ = write!(out, ", {} ballots cast", group(cast));
        }
        out.push('\n');
    }

    let a = &report.arithmetic;
    let _ = writeln!(out, "\nArithmetic: {} protocols checked against {} control relations", group(a.rows_checked as i64), a.relations.len());
    let width = a.relations.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max(8);
    let _ = writeln!(out, "  {:<width$}  {:>9}  {:>9}  {:>14}", "relation", "checked", "violated", "not applicable");
    for r in &a.relations {
        let _ = writeln!(out, "  {:<width$}  {:>9}  {:>9}  {:>14}", r.name, group(r.checked as i64), group(r.violated as i64), group(r.not_applicable as i64));
    }
    if a.negative_values > 0 {
        let _ = writeln!(out, "  negative numbers: {}", group(a.negative_values as i64));
    }
    if a.violations_total == 0 {
        let _ = writeln!(out, "  No violations.");
    } else {
        let _ = writeln!(out, "  {} violations; the first {}:", group(a.violations_total as i64), a.violations.len());
        for v in &a.violations {
            let _ = writeln!(
                out,
                "    {} line {}: {} {}: {}: {} {} {} (difference {})",
                v.origin,
                v.line,
                v.area,
                v.station.as_deref().map_or_else(|| "(area totals)".to_owned(), |s| format!("station {s}")),
                v.relation,
                group(v.left),
                negate(&v.comparison),
                group(v.right),
                signed(v.left - v.right)
            );
        }
    }

    if !report.regions.is_empty() {
        let _ = writeln!(out, "\nTotals by region");
        let width = report.regions.iter().map(|r| r.region.chars().count()).max().unwrap_or(0).max(6);
        let _ = writeln!(out, "  {:<9} {:<width$}  {:>8}  {:>12}  {:>12}  {:>7}  leader", "source", "region", "stations", "registered", "cast", "turnout");
        for r in &report.regions {
            let _ = writeln!(
                out,
                "  {:<9} {:<width$}  {:>8}  {:>12}  {:>12}  {:>7}  {}",
                r.source,
                r.region,
                group(r.stations as i64),
                maybe(r.registered),
                maybe(r.cast),
                percent(r.turnout),
                r.leader.as_ref().map_or_else(|| "-".to_owned(), |l| format!("{l} ({})", percent(r.leader_share)))
            );
        }
    }

    for c in &report.comparisons {
        let _ = writeln!(
            out,
            "\n{} vs official: {} stations compared, {} differ",
            c.source,
            group(c.stations_compared as i64),
            group(c.stations_differing as i64)
        );
        if !c.unmatched.is_empty() {
            let shown: Vec<&str> = c.unmatched.iter().take(20).map(String::as_str).collect();
            let more = if c.unmatched.len() > shown.len() { ", ..." } else { "" };
            let _ = writeln!(out, "  {} stations without an official counterpart: {}{more}", c.unmatched.len(), shown.join(", "));
        }
        for l in &c.lines {
            let _ = writeln!(
                out,
                "  {}: net {} ({} stations higher in {}, {} higher officially)",
                l.line,
                signed(l.net),
                l.source_larger,
                c.source,
                l.official_larger
            );
        }
        for s in &c.stations {
            let details: Vec<String> =
                s.differences.iter().map(|d| format!("{} {} vs {} official", d.line, group(d.source), group(d.official))).collect();
            let _ = writeln!(out, "    {} / {}: {}", s.area, s.station, details.join("; "));
        }
    }

    for p in &report.projections {
        let _ = writeln!(
            out,
            "\nProjection of {} from {} {} stations of {} ({:.0}%)",
            p.area,
            p.sampled,
            p.source,
            p.total_stations,
            100.0 * p.sampled as f64 / p.total_stations.max(1) as f64
        );
        for w in &p.warnings {
            let _ = writeln!(out, "  ! {w}");
        }
        if !p.projected {
            continue;
        }
        let width = p.candidates.iter().map(|c| c.candidate.chars().count()).max().unwrap_or(0).max(9);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>9}  {:>10}  {:>19}  {:>19}  {:>10}  official outside",
            "candidate", "observed", "projected", "official", "95% interval", "95% bootstrap", "difference"
        );
        for c in &p.candidates {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>9}  {:>9}  {:>10}  {:>19}  {:>19}  {:>10}  {}",
                c.candidate,
                group(c.observed),
                group(c.projection.value),
                maybe(c.official),
                format!("{} - {}", group(c.projection.analytic_95[0]), group(c.projection.analytic_95[1])),
                format!("{} - {}", group(c.projection.bootstrap_95[0]), group(c.projection.bootstrap_95[1])),
                c.difference.map_or_else(|| "-".to_owned(), signed),
                yes_no(c.official_outside_interval)
            );
        }
        for c in p.candidates.iter().filter(|c| c.ratio_to_registered.is_some()) {
            let r = c.ratio_to_registered.as_ref().expect("filtered");
            let _ = writeln!(
                out,
                "  ratio to registered voters, {}: {} (95% {} - {}; bootstrap {} - {})",
                c.candidate,
                group(r.value),
                group(r.analytic_95[0]),
                group(r.analytic_95[1]),
                group(r.bootstrap_95[0]),
                group(r.bootstrap_95[1])
            );
        }
    }

    let flagged_groups = report.outliers.iter().filter(|o| o.flagged_total > 0).count();
    if !report.outliers.is_empty() {
        let threshold = report.outliers[0].threshold;
        let _ = writeln!(
            out,
            "\nOutlier stations (robust z-score above {threshold}): {} of {} groups have some",
            flagged_groups,
            report.outliers.len()
        );
    }
    let mut listed = 0;
    for o in report.outliers.iter().filter(|o| o.flagged_total > 0) {
        let _ = writeln!(
            out,
            "  {} {}, {} stations, leader {} vs runner-up {}: {} flagged",
            o.source,
            o.area,
            o.stations,
            o.leader.as_deref().unwrap_or("-"),
            o.runner_up.as_deref().unwrap_or("-"),
            o.flagged_total
        );
        if listed >= TEXT_OUTLIER_GROUPS {
            continue;
        }
        listed += 1;
        for m in &o.measures {
            let _ = writeln!(out, "    {}: median {:.3}, scale {:.3} over {} stations", m.measure, m.median, m.scale, m.stations);
        }
        for f in &o.flagged {
            let _ = writeln!(out, "    station {} ({}): {} = {:.3}, z = {:.2}", f.station, f.area, f.measure, f.value, f.robust_z);
        }
    }
    if flagged_groups > TEXT_OUTLIER_GROUPS {
        let _ = writeln!(out, "  (stations of the other groups: see --json or --report)");
    }

    let _ = writeln!(out, "\nMethod");
    for note in &report.method {
        let _ = writeln!(out, "  - {note}");
    }
    out
}

/// The sign that a violation shows: the relation did not hold.
fn negate(comparison: &str) -> &'static str {
    match comparison {
        "=" => "!=",
        "<=" => ">",
        ">=" => "<",
        _ => "?",
    }
}

/// The report as a complete, self-contained HTML page (no script, nothing fetched).
pub fn render_html(report: &VerificationReport) -> String {
    document("en", &format!("Verification: {}", report.title), &render_html_body(report))
}

/// The report's HTML without the document around it, for pages that have their own frame
/// (the web app). Uses the classes of [`crate::page::STYLE`]: `flag`, `ok`, `note`.
pub fn render_html_body(report: &VerificationReport) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(&report.title));
    let _ = writeln!(body, "<p>Protocol: {}{}</p>", escape(&report.protocol), report.scope.as_ref().map_or_else(String::new, |s| format!(". Area: {}", escape(s))));

    let _ = writeln!(body, "<h2>Sources</h2>\n<table><thead><tr><th>source</th><th>from</th><th>stations</th><th>area totals</th><th>registered</th><th>cast</th></tr></thead><tbody>");
    for s in &report.sources {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.source),
            escape(&s.origin),
            group(s.stations as i64),
            s.area_totals,
            maybe(s.registered),
            maybe(s.cast)
        );
    }
    body.push_str("</tbody></table>\n");

    let a = &report.arithmetic;
    let _ = writeln!(body, "<h2>Arithmetic of the protocols</h2>\n<p>{} protocols checked.</p>", group(a.rows_checked as i64));
    body.push_str("<table><thead><tr><th>control relation</th><th>checked</th><th>violated</th><th>not applicable</th></tr></thead><tbody>\n");
    for r in &a.relations {
        let class = if r.violated > 0 { " class=\"flag\"" } else { "" };
        let _ = writeln!(
            body,
            "<tr><td title=\"{}\">{}</td><td>{}</td><td{class}>{}</td><td>{}</td></tr>",
            escape(&r.formula),
            escape(&r.name),
            group(r.checked as i64),
            group(r.violated as i64),
            group(r.not_applicable as i64)
        );
    }
    body.push_str("</tbody></table>\n");
    if a.violations_total == 0 {
        body.push_str("<p class=\"ok\">No violations.</p>\n");
    } else {
        let _ = writeln!(
            body,
            "<table><caption>{} violations{}</caption><thead><tr><th>file, line</th><th>area</th><th>station</th><th>relation</th><th>left</th><th>right</th><th>difference</th></tr></thead><tbody>",
            group(a.violations_total as i64),
            if a.violations.len() < a.violations_total { format!(" (the first {})", a.violations.len()) } else { String::new() }
        );
        for v in &a.violations {
            let _ = writeln!(
                body,
                "<tr><td>{}, {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&v.origin),
                v.line,
                escape(&v.area),
                v.station.as_deref().map_or_else(|| "area totals".to_owned(), escape),
                escape(&v.relation),
                group(v.left),
                group(v.right),
                signed(v.left - v.right)
            );
        }
        body.push_str("</tbody></table>\n");
    }

    for p in &report.projections {
        let _ = writeln!(
            body,
            "<h2>Projection: {} from {} {} stations of {}</h2>",
            escape(&p.area),
            p.sampled,
            escape(&p.source),
            p.total_stations
        );
        for w in &p.warnings {
            let _ = writeln!(body, "<p class=\"flag\">{}</p>", escape(w));
        }
        if !p.projected {
            continue;
        }
        body.push_str("<table><thead><tr><th>candidate</th><th>observed</th><th>projected</th><th>95% interval</th><th>95% bootstrap</th><th>official</th><th>official − projected</th><th>official outside the interval</th></tr></thead><tbody>\n");
        for c in &p.candidates {
            let outside = c.official_outside_interval == Some(true);
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td><td>{} – {}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>",
                escape(&c.candidate),
                group(c.observed),
                group(c.projection.value),
                group(c.projection.analytic_95[0]),
                group(c.projection.analytic_95[1]),
                group(c.projection.bootstrap_95[0]),
                group(c.projection.bootstrap_95[1]),
                maybe(c.official),
                c.difference.map_or_else(|| "-".to_owned(), signed),
                if outside { " class=\"flag\"" } else { "" },
                yes_no(c.official_outside_interval)
            );
        }
        body.push_str("</tbody></table>\n");
        body.push_str(&projection_chart(p));
    }

    for c in &report.comparisons {
        let _ = writeln!(
            body,
            "<h2>{} vs official</h2>\n<p>{} stations compared, {} differ.</p>",
            escape(&c.source),
            group(c.stations_compared as i64),
            group(c.stations_differing as i64)
        );
        if !c.unmatched.is_empty() {
            let _ = writeln!(body, "<p class=\"flag\">Without an official counterpart: {}</p>", escape(&c.unmatched.join(", ")));
        }
        if !c.lines.is_empty() {
            body.push_str("<table><thead><tr><th>line</th><th>net difference</th><th>stations higher in this source</th><th>stations higher officially</th></tr></thead><tbody>\n");
            for l in &c.lines {
                let _ = writeln!(body, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", escape(&l.line), signed(l.net), l.source_larger, l.official_larger);
            }
            body.push_str("</tbody></table>\n");
        }
        if !c.stations.is_empty() {
            body.push_str("<table><thead><tr><th>station</th><th>line</th><th>this source</th><th>official</th><th>difference</th></tr></thead><tbody>\n");
            for s in &c.stations {
                for d in &s.differences {
                    let _ = writeln!(
                        body,
                        "<tr><td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&s.area),
                        escape(&s.station),
                        escape(&d.line),
                        group(d.source),
                        group(d.official),
                        signed(d.difference)
                    );
                }
            }
            body.push_str("</tbody></table>\n");
        }
    }

    let flagged: Vec<_> = report.outliers.iter().filter(|o| o.flagged_total > 0).collect();
    if !report.outliers.is_empty() {
        let _ = writeln!(body, "<h2>Stations off the trend</h2>\n<p>{} of {} groups have stations whose robust z-score exceeds {}.</p>", flagged.len(), report.outliers.len(), report.outliers[0].threshold);
    }
    for o in flagged {
        let _ = writeln!(
            body,
            "<table><caption>{} {}: {} stations, leader {} vs runner-up {}; {} flagged{}</caption><thead><tr><th>station</th><th>measure</th><th>value</th><th>robust z</th></tr></thead><tbody>",
            escape(&o.source),
            escape(&o.area),
            o.stations,
            escape(o.leader.as_deref().unwrap_or("-")),
            escape(o.runner_up.as_deref().unwrap_or("-")),
            o.flagged_total,
            if o.flagged.len() < o.flagged_total { format!(" (the first {})", o.flagged.len()) } else { String::new() }
        );
        for f in &o.flagged {
            let _ = writeln!(body, "<tr><td>{} / {}</td><td>{}</td><td>{:.3}</td><td>{:.2}</td></tr>", escape(&f.area), escape(&f.station), f.measure, f.value, f.robust_z);
        }
        body.push_str("</tbody></table>\n");
        let medians: Vec<String> = o.measures.iter().map(|m| format!("{}: median {:.3}, scale {:.3}", m.measure, m.median, m.scale)).collect();
        let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(&medians.join("; ")));
    }

    if !report.regions.is_empty() {
        body.push_str("<h2>Totals by region</h2>\n<table><thead><tr><th>region</th><th>source</th><th>stations</th><th>registered</th><th>cast</th><th>turnout</th><th>leader</th></tr></thead><tbody>\n");
        for r in &report.regions {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.region),
                escape(&r.source),
                group(r.stations as i64),
                maybe(r.registered),
                maybe(r.cast),
                percent(r.turnout),
                r.leader.as_ref().map_or_else(|| "-".to_owned(), |l| format!("{} ({})", escape(l), percent(r.leader_share)))
            );
        }
        body.push_str("</tbody></table>\n");
    }

    body.push_str("<h2>Method</h2>\n<ul>\n");
    for note in &report.method {
        let _ = writeln!(body, "<li>{}</li>", escape(note));
    }
    body.push_str("</ul>\n");
    body
}

/// A horizontal chart per candidate: the analytic interval as a bar, the projection as a tick
/// and the official figure as a diamond, on one scale.
fn projection_chart(p: &ProjectionSection) -> String {
    let rows: Vec<&CandidateLine> = p.candidates.iter().filter(|c| c.official.is_some()).collect();
    if rows.is_empty() {
        return String::new();
    }
    let max = rows
        .iter()
        .map(|c| c.projection.analytic_95[1].max(c.projection.bootstrap_95[1]).max(c.official.unwrap_or(0)))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (left, width, row_height) = (180.0, 520.0, 34.0);
    let height = 30.0 + row_height * rows.len() as f64;
    let x = |v: i64| left + width * v.max(0) as f64 / max;
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"Projection and official figures\">\n",
        left + width + 20.0
    );
    for (i, c) in rows.iter().enumerate() {
        let y = 20.0 + row_height * i as f64;
        let [lo, hi] = c.projection.analytic_95;
        let official = c.official.unwrap_or(0);
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"10\" fill=\"#9ecae1\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#08519c\" stroke-width=\"2\"/>\
             <path d=\"M{:.1} {:.1} l5 5 l-5 5 l-5 -5 z\" fill=\"#a00\"/>",
            y + 9.0,
            escape(&c.candidate),
            x(lo),
            y,
            (x(hi) - x(lo)).max(1.0),
            x(c.projection.value),
            x(c.projection.value),
            y - 3.0,
            y + 13.0,
            x(official),
            y,
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"{:.1}\" font-size=\"11\" fill=\"#555\">0</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">{}</text>",
        height - 2.0,
        left + width,
        height - 2.0,
        group(max as i64)
    );
    svg.push_str("</svg><figcaption>Blue bar: 95% interval of the projection; dark tick: projection; red diamond: official figure.</figcaption></figure>\n");
    svg
}

/// The Kazakhstan 2019 case study (`examples/kz-2019/`) as a complete HTML page, for the web
/// app's `/elections/kz-2019` and the demo.
pub fn kz_2019_case_study_html() -> String {
    let (election, verification) = kz_2019_case_study();
    render_html(&build(&election, &verification, None, Some(500)))
}

/// The Kazakhstan 2019 case study's report body (see [`render_html_body`]).
pub fn kz_2019_case_study_body_html() -> String {
    let (election, verification) = kz_2019_case_study();
    render_html_body(&build(&election, &verification, None, Some(500)))
}

/// The Kazakhstan 2019 case study and its verification with default options.
pub fn kz_2019_case_study() -> (Election, Verification) {
    let election = kuzet_ingest::election::kz_2019_case_study();
    let verification = kuzet_protocol::verify(&election, &kuzet_protocol::VerifyOptions::default());
    (election, verification)
}
