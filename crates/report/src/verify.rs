//! The verification report: arithmetic violations, observer vs official, projections, outliers.
//!
//! [`build`] turns an election and its [`Verification`] into a [`VerificationReport`], a plain
//! view model with names instead of indices. The three renderings read only that model: plain
//! text for a terminal ([`render_text`]), JSON for scripts ([`render_json`], the model as it
//! is) and a self-contained HTML page ([`render_html`]). So the three always say the same.

use crate::page::{document, escape};
use kuzet_protocol::check::{Row, Rule};
use kuzet_protocol::outlier::{self, Measure};
use kuzet_protocol::project::SampleWarning;
use kuzet_protocol::{Election, Provenance, Verification};
use serde::Serialize;
use std::fmt::Write as _;

/// The language a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    English,
    Russian,
}

impl Language {
    /// The language's code as HTML and the command line write it (`en`, `ru`).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Russian => "ru",
        }
    }

    /// The language with code `code`, if it is one a report can be written in.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "en" => Some(Language::English),
            "ru" => Some(Language::Russian),
            _ => None,
        }
    }
}

/// The whole report, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationReport {
    pub title: String,
    /// `en` or `ru`: the language of the names and sentences below.
    pub language: String,
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
    /// The input file.
    pub origin: String,
    /// Where the protocol itself comes from and when, when the file says (see [`provenance`]).
    pub provenance: Option<String>,
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
    /// The other source's file and line, and the protocol's provenance when given.
    pub origin: String,
    pub line: u32,
    pub provenance: Option<String>,
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
    /// For the chart: every station's log(leader / runner-up) and whether it is flagged on it,
    /// for groups small enough to draw (not in JSON).
    #[serde(skip)]
    pub chart: Option<OutlierChart>,
}

/// The points of an outlier group's strip chart.
#[derive(Debug, Clone)]
pub struct OutlierChart {
    pub median: f64,
    pub scale: f64,
    /// (value, flagged) per station, in row order.
    pub points: Vec<(f64, bool)>,
}

/// Groups with more stations than this get no strip chart: it would be a smear.
const CHART_STATIONS: usize = 2_000;
/// Above this many groups (a national file scanned region by region) no strip charts are
/// drawn, so that the page stays small.
const CHART_GROUPS: usize = 20;

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
    pub origin: String,
    pub line: u32,
    pub provenance: Option<String>,
    pub measure: &'static str,
    pub value: f64,
    pub robust_z: f64,
}

/// Builds the report in English. `limit` caps each list (violations, differing stations,
/// outliers); `None` keeps everything, as JSON does.
pub fn build(
    election: &Election,
    verification: &Verification,
    scope: Option<&str>,
    limit: Option<usize>,
) -> VerificationReport {
    build_in(election, verification, scope, limit, Language::English)
}

/// Builds the report in `language`: line labels and relation names come from the protocol
/// definition's translations, sentences from this module. Candidates' and areas' names stay
/// as the files give them.
pub fn build_in(
    election: &Election,
    verification: &Verification,
    scope: Option<&str>,
    limit: Option<usize>,
    language: Language,
) -> VerificationReport {
    let russian = language == Language::Russian;
    let cap = |n: usize| limit.map_or(n, |l| l.min(n));
    let line_label = |line: &kuzet_protocol::LineDefinition| -> String {
        match (&line.label_ru, russian) {
            (Some(ru), true) => ru.clone(),
            _ => line.label.clone(),
        }
    };
    let column_label = |column: usize| -> String {
        let lines = &election.protocol.lines;
        if column < lines.len() {
            line_label(&lines[column])
        } else {
            election.column_label(column).to_owned()
        }
    };
    let relation_name = |relation: &kuzet_protocol::ControlRelation| -> String {
        match (&relation.name_ru, russian) {
            (Some(ru), true) => ru.clone(),
            _ => relation.name.clone(),
        }
    };
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
                    .map(|c| NamedCount {
                        name: column_label(c),
                        count: total.sums[c],
                    })
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
            name: relation_name(relation),
            formula: if russian {
                election.protocol.describe_with(
                    relation,
                    |l| l.label_ru.as_deref().unwrap_or(&l.label),
                    "сумма голосов за кандидатов",
                )
            } else {
                election.protocol.describe(relation)
            },
            checked: tally.checked,
            violated: tally.violated,
            not_applicable: tally.not_applicable,
        })
        .collect();
    let violations = check.violations[..cap(check.violations.len())]
        .iter()
        .map(|v| {
            let set = &results[v.result_set];
            let (area, station, line, row_provenance) = match v.row {
                Row::Station(i) => {
                    let s = &set.stations[i];
                    (
                        s.area,
                        Some(s.station.clone()),
                        s.line,
                        s.provenance.as_deref(),
                    )
                }
                Row::Aggregate(i) => {
                    let a = &set.aggregates[i];
                    (a.area, None, a.line, a.provenance.as_deref())
                }
            };
            let (relation, comparison) = match v.rule {
                Rule::Relation(r) => {
                    let relation = &election.protocol.relations[r];
                    (
                        relation_name(relation),
                        relation.comparison.symbol().to_owned(),
                    )
                }
                Rule::NonNegative(column) => {
                    let rule = if russian {
                        "нет отрицательных чисел"
                    } else {
                        "no negative numbers"
                    };
                    (
                        format!("{rule} ({})", column_label(column)),
                        ">=".to_owned(),
                    )
                }
            };
            ViolationLine {
                source: set.source.clone(),
                area: areas.display(area),
                station,
                line,
                origin: set.provenance.origin.clone(),
                provenance: row_provenance.and_then(provenance),
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
            let leader = candidates
                .clone()
                .max_by_key(|&c| (region.sums[c], std::cmp::Reverse(c)));
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
                leader: leader.filter(|_| all_votes > 0).map(column_label),
                leader_share: leader
                    .filter(|_| all_votes > 0)
                    .map(|c| region.sums[c] as f64 / all_votes as f64),
            });
        }
    }

    let line_nets = |net: &[i64], other: &[usize], official: &[usize]| -> Vec<LineNet> {
        (0..election.width())
            .filter(|&c| other[c] + official[c] > 0)
            .map(|c| LineNet {
                line: column_label(c),
                net: net[c],
                source_larger: other[c],
                official_larger: official[c],
            })
            .collect()
    };
    let comparisons = verification
        .comparisons
        .iter()
        .map(|comparison| {
            let differing: Vec<_> = comparison
                .stations
                .iter()
                .filter(|s| !s.differences.is_empty())
                .collect();
            ComparisonSection {
                source: comparison.source.clone(),
                stations_compared: comparison.total.stations_compared,
                stations_differing: comparison.total.stations_differing,
                unmatched: comparison
                    .unmatched
                    .iter()
                    .map(|&(set, row)| {
                        let station = &results[set].stations[row];
                        format!("{} / {}", areas.display(station.area), station.station)
                    })
                    .collect(),
                lines: line_nets(
                    &comparison.total.net,
                    &comparison.total.other_larger,
                    &comparison.total.official_larger,
                ),
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
                        origin: results[s.other_set].provenance.origin.clone(),
                        line: results[s.other_set].stations[s.other_row].line,
                        provenance: results[s.other_set].stations[s.other_row]
                            .provenance
                            .as_deref()
                            .and_then(provenance),
                        differences: s
                            .differences
                            .iter()
                            .map(|d| LineDifferenceLine {
                                line: column_label(d.column),
                                source: d.other,
                                official: d.official,
                                difference: d.difference(),
                                larger: if d.other > d.official {
                                    "source"
                                } else {
                                    "official"
                                },
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
        analytic_95: [
            e.analytic.lower.round() as i64,
            e.analytic.upper.round() as i64,
        ],
        bootstrap_95: [
            e.bootstrap.lower.round() as i64,
            e.bootstrap.upper.round() as i64,
        ],
    };
    let projections = verification
        .projections
        .iter()
        .map(|p| ProjectionSection {
            area: areas.display(p.area),
            source: p.source.clone(),
            sampled: p.sampled,
            total_stations: p.total_stations,
            projected: !p.candidates.is_empty(),
            warnings: p
                .warnings
                .iter()
                .map(|w| describe_warning(w, language))
                .collect(),
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
                    official_outside_bootstrap: c
                        .official
                        .map(|o| !c.per_station_mean.bootstrap.contains(o as f64)),
                    ratio_to_registered: c.ratio_to_registered.as_ref().map(estimate),
                })
                .collect(),
        })
        .collect();

    let outliers = verification
        .outliers
        .iter()
        .map(|group| {
            let mut flagged: Vec<_> = group.scan.outliers.iter().collect();
            flagged.sort_by(|a, b| {
                b.robust_z
                    .abs()
                    .total_cmp(&a.robust_z.abs())
                    .then(a.row.cmp(&b.row))
            });
            let name = |k: Option<usize>| k.map(|k| election.candidates()[k].clone());
            let chart = match (group.scan.leader, group.scan.runner_up) {
                (Some(leader), Some(runner_up))
                    if group.rows.len() <= CHART_STATIONS
                        && verification.outliers.len() <= CHART_GROUPS =>
                {
                    group
                        .scan
                        .summaries
                        .iter()
                        .find(|m| m.measure == Measure::LeaderToRunnerUp)
                        .map(|summary| OutlierChart {
                            median: summary.median,
                            scale: summary.scale,
                            points: group
                                .rows
                                .iter()
                                .enumerate()
                                .filter_map(|(i, &(set, row))| {
                                    let counts = &results[set].stations[row].counts;
                                    let value = outlier::measure_value(
                                        election,
                                        counts,
                                        Measure::LeaderToRunnerUp,
                                        leader,
                                        runner_up,
                                    )?;
                                    let flagged = group.scan.outliers.iter().any(|o| {
                                        o.row == i && o.measure == Measure::LeaderToRunnerUp
                                    });
                                    Some((value, flagged))
                                })
                                .collect(),
                        })
                }
                _ => None,
            };
            OutlierSection {
                chart,
                source: group.source.clone(),
                area: areas.display(group.area),
                stations: group.rows.len(),
                leader: name(group.scan.leader),
                runner_up: name(group.scan.runner_up),
                threshold: group.scan.threshold,
                measures: group
                    .scan
                    .summaries
                    .iter()
                    .map(|s| MeasureLine {
                        measure: measure_name(s.measure, language),
                        stations: s.stations,
                        median: round4(s.median),
                        scale: round4(s.scale),
                    })
                    .collect(),
                flagged_total: flagged.len(),
                flagged: flagged[..cap(flagged.len())]
                    .iter()
                    .map(|o| {
                        let (set, row) = group.rows[o.row];
                        let station = &results[set].stations[row];
                        OutlierLine {
                            area: areas.display(station.area),
                            station: station.station.clone(),
                            origin: results[set].provenance.origin.clone(),
                            line: station.line,
                            provenance: station.provenance.as_deref().and_then(provenance),
                            measure: measure_name(o.measure, language),
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
        language: language.code().to_owned(),
        protocol: election.protocol.name.clone(),
        scope: scope.map(str::to_owned),
        sources,
        arithmetic,
        regions,
        comparisons,
        projections,
        outliers,
        method: method_notes(language, &verification.options),
    }
}

/// A protocol's provenance for a report: where it comes from and when. Who collected it is
/// left out on purpose: reports are published, and an observer's name in one can put that
/// person in danger; the name stays in the data, for those allowed to see it.
pub fn provenance(provenance: &Provenance) -> Option<String> {
    let parts: Vec<&str> = [
        Some(provenance.origin.as_str()),
        provenance.collected_at.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.is_empty())
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn measure_name(measure: Measure, language: Language) -> &'static str {
    match (language, measure) {
        (Language::English, m) => m.name(),
        (Language::Russian, Measure::LeaderToRunnerUp) => "log(лидер / второй)",
        (Language::Russian, Measure::LeaderShare) => "доля лидера",
        (Language::Russian, Measure::Turnout) => "явка",
    }
}

fn method_notes(language: Language, options: &kuzet_protocol::VerifyOptions) -> Vec<String> {
    let projection = &options.projection;
    let notes: [String; 5] = match language {
        Language::English => [
            "Control relations come from the protocol definition; a relation whose lines a protocol does not give is counted as not applicable, never as a violation.".to_owned(),
            "Projection: the observed stations' mean per station times the area's number of stations (the observers' own method), and, when registered voters are known for the area, the ratio estimator on registered voters.".to_owned(),
            format!("Analytic 95% intervals use the sampling variance with the finite-population correction and Student's t; bootstrap intervals are the 2.5% and 97.5% percentiles over {replicates} resamples of the observed stations with seed {seed}, without that correction, so they are wider when the sample covers a large share of the area.", replicates = projection.bootstrap_replicates, seed = projection.seed),
            "Both intervals assume that the observed stations are a random sample of the area's stations; observers rarely choose stations at random, so a projection is evidence to weigh, not a count.".to_owned(),
            format!("Outliers: robust z-score (x - median) / (MAD / 0.6745) of log(leader / runner-up), the leader's share and turnout, within each source and area; listed above |z| = {threshold}; no projection from fewer than {minimum} stations.", threshold = options.outlier_threshold, minimum = projection.minimum_stations),
        ],
        Language::Russian => [
            "Контрольные соотношения берутся из описания протокола; соотношение, строк которого в протоколе нет, считается неприменимым, а не нарушенным.".to_owned(),
            "Проекция: среднее по наблюдённым участкам, умноженное на число участков территории (метод самих наблюдателей), и, если известно число избирателей территории, оценка отношением к числу избирателей.".to_owned(),
            format!("Аналитические 95% интервалы учитывают выборочную дисперсию с поправкой на конечную совокупность и распределение Стьюдента; бутстрэп-интервалы — 2,5% и 97,5% процентили по {replicates} повторным выборкам участков с зерном {seed}, без этой поправки, поэтому они шире, когда выборка покрывает большую долю территории.", replicates = projection.bootstrap_replicates, seed = projection.seed),
            "Оба интервала предполагают, что наблюдённые участки — случайная выборка участков территории; наблюдатели редко выбирают участки случайно, поэтому проекция — довод для оценки, а не подсчёт.".to_owned(),
            format!("Участки вне тренда: робастная z-оценка (x - медиана) / (MAD / 0,6745) для log(лидер / второй), доли лидера и явки внутри каждого источника и территории; перечислены участки с |z| выше {threshold}; проекция не строится менее чем по {minimum} участкам.", threshold = options.outlier_threshold, minimum = projection.minimum_stations),
        ],
    };
    notes.into_iter().collect()
}

fn describe_warning(warning: &SampleWarning, language: Language) -> String {
    let russian = language == Language::Russian;
    match warning {
        SampleWarning::TooSmall { sampled, minimum } if russian => format!(
            "Выборка слишком мала для проекции: участков с полными данными {sampled}, нужно не меньше {minimum}."
        ),
        SampleWarning::TooSmall { sampled, minimum } => format!(
            "Too small to project from: {sampled} observed stations with complete figures; at least {minimum} are needed."
        ),
        SampleWarning::LargerThanArea { sampled, total } if russian => format!(
            "Проекция невозможна: наблюдённых участков {sampled}, а на территории всего {total}; неверно число участков или территория."
        ),
        SampleWarning::LargerThanArea { sampled, total } => format!(
            "Cannot project: {sampled} observed stations but the area has only {total}; the station count or the area is wrong."
        ),
        SampleWarning::IncompleteRows { left_out } if russian => {
            format!("Участков без голосов за кого-то из кандидатов: {left_out}; они не учтены.")
        }
        SampleWarning::IncompleteRows { left_out } => {
            format!("{left_out} observed stations lack some candidate's votes and were left out.")
        }
        SampleWarning::RegisteredDiffers {
            sample_mean,
            area_mean,
            z,
        } if russian => format!(
            "Выборка недостаточно случайна: на наблюдённых участках в среднем {} избирателей, на территории {} (z = {z:.2}); проекция может быть смещена.",
            group(sample_mean.round() as i64),
            group(area_mean.round() as i64)
        ),
        SampleWarning::RegisteredDiffers {
            sample_mean,
            area_mean,
            z,
        } => format!(
            "Not random enough: the observed stations average {} registered voters against {} in the area (z = {z:.2}); the projection may be biased.",
            group(sample_mean.round() as i64),
            group(area_mean.round() as i64)
        ),
        SampleWarning::TurnoutDiffers { sample, area, z } if russian => format!(
            "Явка на наблюдённых участках {:.1}%, официально по территории {:.1}% (z = {z:.2}): либо выборка не представительна, либо официальные цифры не совпадают с протоколами.",
            sample * 100.0,
            area * 100.0
        ),
        SampleWarning::TurnoutDiffers { sample, area, z } => format!(
            "Turnout at the observed stations is {:.1}% against {:.1}% officially for the area (z = {z:.2}): either the sample is not representative or the official figures are not the protocols' figures.",
            sample * 100.0,
            area * 100.0
        ),
        SampleWarning::RatioUnavailable { reason } if russian => {
            format!("Оценки отношением нет: {}.", ratio_reason_ru(reason))
        }
        SampleWarning::RatioUnavailable { reason } => format!("No ratio estimate: {reason}."),
    }
}

fn ratio_reason_ru(reason: &str) -> &'static str {
    match reason {
        "some observed stations lack registered voters" => {
            "у части наблюдённых участков нет числа избирателей"
        }
        "the area's registered voters are not known" => "число избирателей территории неизвестно",
        _ => "на одном из наблюдённых участков нет избирателей",
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
    if value > 0 {
        format!("+{}", group(value))
    } else {
        group(value)
    }
}

fn maybe(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_owned(), group)
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// The words of the text and HTML renderings in one language. `{}` marks where [`fill`] puts
/// a value, in order.
struct Words {
    verification: &'static str,
    protocol: &'static str,
    area: &'static str,
    sources: &'static str,
    source_line: &'static str,
    registered_voters: &'static str,
    ballots_cast: &'static str,
    arithmetic_title: &'static str,
    relation: &'static str,
    checked: &'static str,
    violated: &'static str,
    not_applicable: &'static str,
    negative_numbers: &'static str,
    no_violations: &'static str,
    violations_first: &'static str,
    violation_line: &'static str,
    area_totals_row: &'static str,
    area_heading: &'static str,
    station_row: &'static str,
    totals_by_region: &'static str,
    source: &'static str,
    region: &'static str,
    stations: &'static str,
    registered: &'static str,
    cast: &'static str,
    turnout: &'static str,
    leader: &'static str,
    versus_official: &'static str,
    without_counterpart: &'static str,
    line_net: &'static str,
    station_difference: &'static str,
    projection_of: &'static str,
    candidate: &'static str,
    observed: &'static str,
    projected: &'static str,
    official: &'static str,
    interval: &'static str,
    bootstrap: &'static str,
    difference: &'static str,
    official_outside: &'static str,
    ratio_line: &'static str,
    outliers_title: &'static str,
    outlier_group: &'static str,
    measure_line: &'static str,
    outlier_line: &'static str,
    other_groups: &'static str,
    method: &'static str,
    yes: &'static str,
    no: &'static str,
    from: &'static str,
    area_totals: &'static str,
    arithmetic_heading: &'static str,
    protocols_checked: &'static str,
    control_relation: &'static str,
    violations_caption: &'static str,
    the_first: &'static str,
    file_line: &'static str,
    station: &'static str,
    left: &'static str,
    right: &'static str,
    projection_heading: &'static str,
    official_minus_projected: &'static str,
    official_outside_interval: &'static str,
    compared_differ: &'static str,
    line: &'static str,
    net_difference: &'static str,
    higher_here: &'static str,
    higher_officially: &'static str,
    this_source: &'static str,
    off_trend: &'static str,
    off_trend_summary: &'static str,
    outlier_caption: &'static str,
    measure: &'static str,
    value: &'static str,
    robust_z: &'static str,
    median_scale: &'static str,
    chart_caption: &'static str,
    chart_label: &'static str,
    strip_label: &'static str,
    strip_caption: &'static str,
}

const ENGLISH: Words = Words {
    verification: "Verification: {}",
    protocol: "Protocol: {}",
    area: "Area: {}",
    sources: "Sources",
    source_line: "  {}: {} stations, {} area totals, from {}",
    registered_voters: "; {} registered voters",
    ballots_cast: ", {} ballots cast",
    arithmetic_title: "Arithmetic: {} protocols checked against {} control relations",
    relation: "relation",
    checked: "checked",
    violated: "violated",
    not_applicable: "not applicable",
    negative_numbers: "  negative numbers: {}",
    no_violations: "No violations.",
    violations_first: "  {} violations; the first {}:",
    violation_line: "    {} line {}: {} {}: {}: {} {} {} (difference {})",
    area_totals_row: "(area totals)",
    area_heading: "area",
    station_row: "station {}",
    totals_by_region: "Totals by region",
    source: "source",
    region: "region",
    stations: "stations",
    registered: "registered",
    cast: "cast",
    turnout: "turnout",
    leader: "leader",
    versus_official: "{} vs official: {} stations compared, {} differ",
    without_counterpart: "  {} stations without an official counterpart: {}",
    line_net: "  {}: net {} ({} stations higher in {}, {} higher officially)",
    station_difference: "{} {} vs {} official",
    projection_of: "Projection of {} from {} {} stations of {} ({}%)",
    candidate: "candidate",
    observed: "observed",
    projected: "projected",
    official: "official",
    interval: "95% interval",
    bootstrap: "95% bootstrap",
    difference: "difference",
    official_outside: "official outside",
    ratio_line: "  ratio to registered voters, {}: {} (95% {} - {}; bootstrap {} - {})",
    outliers_title: "Outlier stations (robust z-score above {}): {} of {} groups have some",
    outlier_group: "  {} {}, {} stations, leader {} vs runner-up {}: {} flagged",
    measure_line: "    {}: median {}, scale {} over {} stations",
    outlier_line: "    station {} ({}): {} = {}, z = {}",
    other_groups: "  (stations of the other groups: see --json or --report)",
    method: "Method",
    yes: "yes",
    no: "no",
    from: "from",
    area_totals: "area totals",
    arithmetic_heading: "Arithmetic of the protocols",
    protocols_checked: "{} protocols checked.",
    control_relation: "control relation",
    violations_caption: "{} violations{}",
    the_first: " (the first {})",
    file_line: "file, line",
    station: "station",
    left: "left",
    right: "right",
    projection_heading: "Projection: {} from {} {} stations of {}",
    official_minus_projected: "official − projected",
    official_outside_interval: "official outside the interval",
    compared_differ: "{} stations compared, {} differ.",
    line: "line",
    net_difference: "net difference",
    higher_here: "stations higher in this source",
    higher_officially: "stations higher officially",
    this_source: "this source",
    off_trend: "Stations off the trend",
    off_trend_summary: "{} of {} groups have stations whose robust z-score exceeds {}.",
    outlier_caption: "{} {}: {} stations, leader {} vs runner-up {}; {} flagged{}",
    measure: "measure",
    value: "value",
    robust_z: "robust z",
    median_scale: "{}: median {}, scale {}",
    chart_caption: "Blue bar: 95% interval of the projection; dark tick: projection; red diamond: official figure.",
    chart_label: "Projection and official figures",
    strip_label: "Stations by log(leader / runner-up)",
    strip_caption: "One dot per station by log(leader / runner-up), from left to right; grey line: median; red lines: the threshold; red dots: flagged stations.",
};

const RUSSIAN: Words = Words {
    verification: "Проверка: {}",
    protocol: "Протокол: {}",
    area: "Территория: {}",
    sources: "Источники",
    source_line: "  {}: участков {}, итогов по территориям {}, из {}",
    registered_voters: "; избирателей в списках {}",
    ballots_cast: ", бюллетеней в ящиках {}",
    arithmetic_title: "Арифметика: проверено протоколов {}, контрольных соотношений {}",
    relation: "соотношение",
    checked: "проверено",
    violated: "нарушено",
    not_applicable: "неприменимо",
    negative_numbers: "  отрицательных чисел: {}",
    no_violations: "Нарушений нет.",
    violations_first: "  нарушений {}; первые {}:",
    violation_line: "    {}, строка {}: {} {}: {}: {} {} {} (разница {})",
    area_totals_row: "(итоги по территории)",
    area_heading: "территория",
    station_row: "участок {}",
    totals_by_region: "Итоги по регионам",
    source: "источник",
    region: "регион",
    stations: "участков",
    registered: "в списках",
    cast: "в ящиках",
    turnout: "явка",
    leader: "лидер",
    versus_official: "{} и официальные данные: сравнено участков {}, расходятся {}",
    without_counterpart: "  участков без официальной пары: {}: {}",
    line_net: "  {}: итог {} (больше у источника «{}» на {} участках, больше официально на {})",
    station_difference: "{} {} против {} официально",
    projection_of: "Проекция: {} по {} участкам источника «{}» из {} ({}%)",
    candidate: "кандидат",
    observed: "наблюдено",
    projected: "проекция",
    official: "официально",
    interval: "95% интервал",
    bootstrap: "95% бутстрэп",
    difference: "разница",
    official_outside: "официальное вне интервала",
    ratio_line: "  отношение к числу избирателей, {}: {} (95% {} - {}; бутстрэп {} - {})",
    outliers_title: "Участки вне тренда (робастная z-оценка выше {}): есть в {} из {} групп",
    outlier_group: "  {} {}, участков {}, лидер {}, второй {}: отмечено {}",
    measure_line: "    {}: медиана {}, масштаб {} по {} участкам",
    outlier_line: "    участок {} ({}): {} = {}, z = {}",
    other_groups: "  (участки остальных групп: см. --json или --report)",
    method: "Метод",
    yes: "да",
    no: "нет",
    from: "откуда",
    area_totals: "итоги по территориям",
    arithmetic_heading: "Арифметика протоколов",
    protocols_checked: "Проверено протоколов: {}.",
    control_relation: "контрольное соотношение",
    violations_caption: "Нарушений: {}{}",
    the_first: " (первые {})",
    file_line: "файл, строка",
    station: "участок",
    left: "слева",
    right: "справа",
    projection_heading: "Проекция: {} по {} участкам источника «{}» из {}",
    official_minus_projected: "официально − проекция",
    official_outside_interval: "официальное вне интервала",
    compared_differ: "Сравнено участков: {}, расходятся: {}.",
    line: "строка",
    net_difference: "итоговая разница",
    higher_here: "участков, где больше у источника",
    higher_officially: "участков, где больше официально",
    this_source: "источник",
    off_trend: "Участки вне тренда",
    off_trend_summary: "Участки с робастной z-оценкой выше {} есть в {} из {} групп.",
    outlier_caption: "{} {}: участков {}, лидер {}, второй {}; отмечено {}{}",
    measure: "мера",
    value: "значение",
    robust_z: "робастная z",
    median_scale: "{}: медиана {}, масштаб {}",
    chart_caption: "Синяя полоса: 95% интервал проекции; тёмная черта: проекция; красный ромб: официальная цифра.",
    chart_label: "Проекция и официальные цифры",
    strip_label: "Участки по log(лидер / второй)",
    strip_caption: "Точка — участок, слева направо по log(лидер / второй); серая линия: медиана; красные линии: порог; красные точки: отмеченные участки.",
};

fn words(report: &VerificationReport) -> &'static Words {
    if report.language == "ru" {
        &RUSSIAN
    } else {
        &ENGLISH
    }
}

/// Puts `values` into the `{}` of `template`, in order.
fn fill(template: &str, values: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * values.len());
    let mut values = values.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        if let Some(value) = values.next() {
            let _ = write!(out, "{value}");
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

fn yes_no(w: &Words, value: Option<bool>) -> &'static str {
    match value {
        Some(true) => w.yes,
        Some(false) => w.no,
        None => "-",
    }
}

/// How many outlier groups list their stations in the text report; the rest get one line.
const TEXT_OUTLIER_GROUPS: usize = 5;

/// The report as plain text for a terminal, in the report's language.
pub fn render_text(report: &VerificationReport) -> String {
    let w = words(report);
    let mut out = String::new();
    let _ = writeln!(out, "{}", fill(w.verification, &[&report.title]));
    let _ = writeln!(out, "{}", fill(w.protocol, &[&report.protocol]));
    if let Some(scope) = &report.scope {
        let _ = writeln!(out, "{}", fill(w.area, &[scope]));
    }

    let _ = writeln!(out, "\n{}", w.sources);
    for s in &report.sources {
        out.push_str(&fill(
            w.source_line,
            &[
                &s.source,
                &group(s.stations as i64),
                &s.area_totals,
                &s.origin,
            ],
        ));
        if let Some(registered) = s.registered {
            out.push_str(&fill(w.registered_voters, &[&group(registered)]));
        }
        if let Some(cast) = s.cast {
            out.push_str(&fill(w.ballots_cast, &[&group(cast)]));
        }
        out.push('\n');
    }

    let a = &report.arithmetic;
    let _ = writeln!(
        out,
        "\n{}",
        fill(
            w.arithmetic_title,
            &[&group(a.rows_checked as i64), &a.relations.len()]
        )
    );
    let width = a
        .relations
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>9}  {:>9}  {:>14}",
        w.relation, w.checked, w.violated, w.not_applicable
    );
    for r in &a.relations {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>9}  {:>14}",
            r.name,
            group(r.checked as i64),
            group(r.violated as i64),
            group(r.not_applicable as i64)
        );
    }
    if a.negative_values > 0 {
        let _ = writeln!(
            out,
            "{}",
            fill(w.negative_numbers, &[&group(a.negative_values as i64)])
        );
    }
    if a.violations_total == 0 {
        let _ = writeln!(out, "  {}", w.no_violations);
    } else {
        let _ = writeln!(
            out,
            "{}",
            fill(
                w.violations_first,
                &[&group(a.violations_total as i64), &a.violations.len()]
            )
        );
        for v in &a.violations {
            let row = v.station.as_deref().map_or_else(
                || w.area_totals_row.to_owned(),
                |s| fill(w.station_row, &[&s]),
            );
            let _ = writeln!(
                out,
                "{}",
                fill(
                    w.violation_line,
                    &[
                        &v.origin,
                        &v.line,
                        &v.area,
                        &row,
                        &v.relation,
                        &group(v.left),
                        &negate(&v.comparison),
                        &group(v.right),
                        &signed(v.left - v.right)
                    ]
                )
            );
        }
    }

    if !report.regions.is_empty() {
        let _ = writeln!(out, "\n{}", w.totals_by_region);
        let width = report
            .regions
            .iter()
            .map(|r| r.region.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        let _ = writeln!(
            out,
            "  {:<9} {:<width$}  {:>8}  {:>12}  {:>12}  {:>7}  {}",
            w.source, w.region, w.stations, w.registered, w.cast, w.turnout, w.leader
        );
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
                r.leader.as_ref().map_or_else(
                    || "-".to_owned(),
                    |l| format!("{l} ({})", percent(r.leader_share))
                )
            );
        }
    }

    for c in &report.comparisons {
        let _ = writeln!(
            out,
            "\n{}",
            fill(
                w.versus_official,
                &[
                    &c.source,
                    &group(c.stations_compared as i64),
                    &group(c.stations_differing as i64)
                ]
            )
        );
        if !c.unmatched.is_empty() {
            let shown: Vec<&str> = c.unmatched.iter().take(20).map(String::as_str).collect();
            let more = if c.unmatched.len() > shown.len() {
                ", ..."
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{}{more}",
                fill(
                    w.without_counterpart,
                    &[&c.unmatched.len(), &shown.join(", ")]
                )
            );
        }
        for l in &c.lines {
            let _ = writeln!(
                out,
                "{}",
                fill(
                    w.line_net,
                    &[
                        &l.line,
                        &signed(l.net),
                        &l.source_larger,
                        &c.source,
                        &l.official_larger
                    ]
                )
            );
        }
        for s in &c.stations {
            let details: Vec<String> = s
                .differences
                .iter()
                .map(|d| {
                    fill(
                        w.station_difference,
                        &[&d.line, &group(d.source), &group(d.official)],
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "    {} / {}: {}",
                s.area,
                s.station,
                details.join("; ")
            );
        }
    }

    for p in &report.projections {
        let share = format!(
            "{:.0}",
            100.0 * p.sampled as f64 / p.total_stations.max(1) as f64
        );
        let _ = writeln!(
            out,
            "\n{}",
            fill(
                w.projection_of,
                &[&p.area, &p.sampled, &p.source, &p.total_stations, &share]
            )
        );
        for warning in &p.warnings {
            let _ = writeln!(out, "  ! {warning}");
        }
        if !p.projected {
            continue;
        }
        let width = p
            .candidates
            .iter()
            .map(|c| c.candidate.chars().count())
            .max()
            .unwrap_or(0)
            .max(9);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>9}  {:>10}  {:>19}  {:>19}  {:>10}  {}",
            w.candidate,
            w.observed,
            w.projected,
            w.official,
            w.interval,
            w.bootstrap,
            w.difference,
            w.official_outside
        );
        for c in &p.candidates {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>9}  {:>9}  {:>10}  {:>19}  {:>19}  {:>10}  {}",
                c.candidate,
                group(c.observed),
                group(c.projection.value),
                maybe(c.official),
                format!(
                    "{} - {}",
                    group(c.projection.analytic_95[0]),
                    group(c.projection.analytic_95[1])
                ),
                format!(
                    "{} - {}",
                    group(c.projection.bootstrap_95[0]),
                    group(c.projection.bootstrap_95[1])
                ),
                c.difference.map_or_else(|| "-".to_owned(), signed),
                yes_no(w, c.official_outside_interval)
            );
        }
        for c in p
            .candidates
            .iter()
            .filter(|c| c.ratio_to_registered.is_some())
        {
            let r = c.ratio_to_registered.as_ref().expect("filtered");
            let _ = writeln!(
                out,
                "{}",
                fill(
                    w.ratio_line,
                    &[
                        &c.candidate,
                        &group(r.value),
                        &group(r.analytic_95[0]),
                        &group(r.analytic_95[1]),
                        &group(r.bootstrap_95[0]),
                        &group(r.bootstrap_95[1])
                    ]
                )
            );
        }
    }

    let flagged_groups = report
        .outliers
        .iter()
        .filter(|o| o.flagged_total > 0)
        .count();
    if !report.outliers.is_empty() {
        let threshold = report.outliers[0].threshold;
        let _ = writeln!(
            out,
            "\n{}",
            fill(
                w.outliers_title,
                &[&threshold, &flagged_groups, &report.outliers.len()]
            )
        );
    }
    let mut listed = 0;
    for o in report.outliers.iter().filter(|o| o.flagged_total > 0) {
        let leader = o.leader.as_deref().unwrap_or("-");
        let runner_up = o.runner_up.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "{}",
            fill(
                w.outlier_group,
                &[
                    &o.source,
                    &o.area,
                    &o.stations,
                    &leader,
                    &runner_up,
                    &o.flagged_total
                ]
            )
        );
        if listed >= TEXT_OUTLIER_GROUPS {
            continue;
        }
        listed += 1;
        for m in &o.measures {
            let (median, scale) = (format!("{:.3}", m.median), format!("{:.3}", m.scale));
            let _ = writeln!(
                out,
                "{}",
                fill(w.measure_line, &[&m.measure, &median, &scale, &m.stations])
            );
        }
        for f in &o.flagged {
            let (value, z) = (format!("{:.3}", f.value), format!("{:.2}", f.robust_z));
            let _ = writeln!(
                out,
                "{}",
                fill(
                    w.outlier_line,
                    &[&f.station, &f.area, &f.measure, &value, &z]
                )
            );
        }
    }
    if flagged_groups > TEXT_OUTLIER_GROUPS {
        let _ = writeln!(out, "{}", w.other_groups);
    }

    let _ = writeln!(out, "\n{}", w.method);
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

/// The report as a complete, self-contained HTML page (no script, nothing fetched), in the
/// report's language.
pub fn render_html(report: &VerificationReport) -> String {
    let w = words(report);
    document(
        &report.language,
        &fill(w.verification, &[&report.title]),
        &render_html_body(report),
    )
}

/// The report's HTML without the document around it, for pages that have their own frame
/// (the web app). Uses the classes of [`crate::page::STYLE`]: `flag`, `ok`, `note`.
pub fn render_html_body(report: &VerificationReport) -> String {
    let w = words(report);
    let e = |text: &str| escape(text);
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", e(&report.title));
    let scope = report
        .scope
        .as_ref()
        .map_or_else(String::new, |s| format!(". {}", e(&fill(w.area, &[s]))));
    let _ = writeln!(
        body,
        "<p>{}{scope}</p>",
        e(&fill(w.protocol, &[&report.protocol]))
    );

    let _ = writeln!(
        body,
        "<h2>{}</h2>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        w.sources, w.source, w.from, w.stations, w.area_totals, w.registered, w.cast
    );
    for s in &report.sources {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&s.source),
            e(&s.origin),
            group(s.stations as i64),
            s.area_totals,
            maybe(s.registered),
            maybe(s.cast)
        );
    }
    body.push_str("</tbody></table>\n");

    let a = &report.arithmetic;
    let _ = writeln!(
        body,
        "<h2>{}</h2>\n<p>{}</p>",
        w.arithmetic_heading,
        fill(w.protocols_checked, &[&group(a.rows_checked as i64)])
    );
    let _ = writeln!(
        body,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        w.control_relation, w.checked, w.violated, w.not_applicable
    );
    for r in &a.relations {
        let class = if r.violated > 0 {
            " class=\"flag\""
        } else {
            ""
        };
        let _ = writeln!(
            body,
            "<tr><td title=\"{}\">{}</td><td>{}</td><td{class}>{}</td><td>{}</td></tr>",
            e(&r.formula),
            e(&r.name),
            group(r.checked as i64),
            group(r.violated as i64),
            group(r.not_applicable as i64)
        );
    }
    body.push_str("</tbody></table>\n");
    if a.violations_total == 0 {
        let _ = writeln!(body, "<p class=\"ok\">{}</p>", w.no_violations);
    } else {
        let first = if a.violations.len() < a.violations_total {
            fill(w.the_first, &[&a.violations.len()])
        } else {
            String::new()
        };
        let _ = writeln!(
            body,
            "<table><caption>{}</caption><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            fill(
                w.violations_caption,
                &[&group(a.violations_total as i64), &first]
            ),
            w.file_line,
            w.area_heading,
            w.station,
            w.relation,
            w.left,
            w.right,
            w.difference
        );
        for v in &a.violations {
            let _ = writeln!(
                body,
                "<tr><td>{}, {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&v.origin),
                v.line,
                e(&v.area),
                v.station.as_deref().map_or_else(|| e(w.area_totals_row), e),
                e(&v.relation),
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
            "<h2>{}</h2>",
            e(&fill(
                w.projection_heading,
                &[&p.area, &p.sampled, &p.source, &p.total_stations]
            ))
        );
        for warning in &p.warnings {
            let _ = writeln!(body, "<p class=\"flag\">{}</p>", e(warning));
        }
        if !p.projected {
            continue;
        }
        let _ = writeln!(
            body,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            w.candidate,
            w.observed,
            w.projected,
            w.interval,
            w.bootstrap,
            w.official,
            w.official_minus_projected,
            w.official_outside_interval
        );
        for c in &p.candidates {
            let outside = c.official_outside_interval == Some(true);
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td><td>{} – {}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>",
                e(&c.candidate),
                group(c.observed),
                group(c.projection.value),
                group(c.projection.analytic_95[0]),
                group(c.projection.analytic_95[1]),
                group(c.projection.bootstrap_95[0]),
                group(c.projection.bootstrap_95[1]),
                maybe(c.official),
                c.difference.map_or_else(|| "-".to_owned(), signed),
                if outside { " class=\"flag\"" } else { "" },
                yes_no(w, c.official_outside_interval)
            );
        }
        body.push_str("</tbody></table>\n");
        body.push_str(&projection_chart(w, p));
    }

    for c in &report.comparisons {
        let title = fill(
            w.versus_official,
            &[
                &c.source,
                &group(c.stations_compared as i64),
                &group(c.stations_differing as i64),
            ],
        );
        let (heading, _) = title.split_once(':').unwrap_or((&title, ""));
        let _ = writeln!(
            body,
            "<h2>{}</h2>\n<p>{}</p>",
            e(heading),
            fill(
                w.compared_differ,
                &[
                    &group(c.stations_compared as i64),
                    &group(c.stations_differing as i64)
                ]
            )
        );
        if !c.unmatched.is_empty() {
            let _ = writeln!(
                body,
                "<p class=\"flag\">{}</p>",
                e(fill(
                    w.without_counterpart,
                    &[&c.unmatched.len(), &c.unmatched.join(", ")]
                )
                .trim())
            );
        }
        if !c.lines.is_empty() {
            let _ = writeln!(
                body,
                "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                w.line, w.net_difference, w.higher_here, w.higher_officially
            );
            for l in &c.lines {
                let _ = writeln!(
                    body,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    e(&l.line),
                    signed(l.net),
                    l.source_larger,
                    l.official_larger
                );
            }
            body.push_str("</tbody></table>\n");
        }
        if !c.stations.is_empty() {
            let _ = writeln!(
                body,
                "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                w.station, w.line, w.this_source, w.official, w.difference
            );
            for s in &c.stations {
                for d in &s.differences {
                    let _ = writeln!(
                        body,
                        "<tr><td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        e(&s.area),
                        e(&s.station),
                        e(&d.line),
                        group(d.source),
                        group(d.official),
                        signed(d.difference)
                    );
                }
            }
            body.push_str("</tbody></table>\n");
        }
    }

    let flagged: Vec<_> = report
        .outliers
        .iter()
        .filter(|o| o.flagged_total > 0)
        .collect();
    if !report.outliers.is_empty() {
        let _ = writeln!(
            body,
            "<h2>{}</h2>\n<p>{}</p>",
            w.off_trend,
            fill(
                w.off_trend_summary,
                &[
                    &flagged.len(),
                    &report.outliers.len(),
                    &report.outliers[0].threshold
                ]
            )
        );
    }
    for o in flagged {
        let first = if o.flagged.len() < o.flagged_total {
            fill(w.the_first, &[&o.flagged.len()])
        } else {
            String::new()
        };
        let leader = o.leader.as_deref().unwrap_or("-");
        let runner_up = o.runner_up.as_deref().unwrap_or("-");
        let _ = writeln!(
            body,
            "<table><caption>{}</caption><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            e(&fill(
                w.outlier_caption,
                &[
                    &o.source,
                    &o.area,
                    &o.stations,
                    &leader,
                    &runner_up,
                    &o.flagged_total,
                    &first
                ]
            )),
            w.station,
            w.measure,
            w.value,
            w.robust_z
        );
        for f in &o.flagged {
            let _ = writeln!(
                body,
                "<tr><td>{} / {}</td><td>{}</td><td>{:.3}</td><td>{:.2}</td></tr>",
                e(&f.area),
                e(&f.station),
                e(f.measure),
                f.value,
                f.robust_z
            );
        }
        body.push_str("</tbody></table>\n");
        let medians: Vec<String> = o
            .measures
            .iter()
            .map(|m| {
                fill(
                    w.median_scale,
                    &[
                        &m.measure,
                        &format!("{:.3}", m.median),
                        &format!("{:.3}", m.scale),
                    ],
                )
            })
            .collect();
        let _ = writeln!(body, "<p class=\"note\">{}</p>", e(&medians.join("; ")));
        if let Some(chart) = &o.chart {
            body.push_str(&outlier_chart(w, chart, o.threshold));
        }
    }

    if !report.regions.is_empty() {
        let _ = writeln!(
            body,
            "<h2>{}</h2>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            w.totals_by_region,
            w.region,
            w.source,
            w.stations,
            w.registered,
            w.cast,
            w.turnout,
            w.leader
        );
        for r in &report.regions {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&r.region),
                e(&r.source),
                group(r.stations as i64),
                maybe(r.registered),
                maybe(r.cast),
                percent(r.turnout),
                r.leader.as_ref().map_or_else(
                    || "-".to_owned(),
                    |l| format!("{} ({})", e(l), percent(r.leader_share))
                )
            );
        }
        body.push_str("</tbody></table>\n");
    }

    let _ = writeln!(body, "<h2>{}</h2>\n<ul>", w.method);
    for note in &report.method {
        let _ = writeln!(body, "<li>{}</li>", e(note));
    }
    body.push_str("</ul>\n");
    body
}

/// A strip chart of log(leader / runner-up): one dot per station (flagged ones red), the
/// median and the thresholds as vertical lines.
fn outlier_chart(w: &Words, chart: &OutlierChart, threshold: f64) -> String {
    if chart.points.is_empty() {
        return String::new();
    }
    let (low_line, high_line) = (
        chart.median - threshold * chart.scale,
        chart.median + threshold * chart.scale,
    );
    let values = chart.points.iter().map(|p| p.0);
    let low = values.clone().fold(low_line, f64::min);
    let high = values.fold(high_line, f64::max);
    let span = (high - low).max(1e-9);
    let (left, width, height) = (10.0, 680.0, 90.0);
    let x = |v: f64| left + width * (v - low) / span;
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 700 {height}\" role=\"img\" aria-label=\"{}\">\n",
        w.strip_label
    );
    for (line, colour) in [
        (chart.median, "#555"),
        (low_line, "#a00"),
        (high_line, "#a00"),
    ] {
        let _ = writeln!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"5\" y2=\"70\" stroke=\"{colour}\" stroke-dasharray=\"4 3\"/>",
            x(line)
        );
    }
    for (i, (value, flagged)) in chart.points.iter().enumerate() {
        // Spread the dots over the height by their order, so that equal values stay visible.
        let y = 12.0 + (i * 37 % 53) as f64;
        let colour = if *flagged { "#a00" } else { "#08519c" };
        let _ = writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{colour}\" fill-opacity=\"0.7\"/>",
            x(*value)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"85\" font-size=\"11\" fill=\"#555\">{:.2}</text><text x=\"{:.1}\" y=\"85\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">{:.2}</text>",
        low,
        left + width,
        high
    );
    let _ = writeln!(
        svg,
        "</svg><figcaption>{}</figcaption></figure>",
        w.strip_caption
    );
    svg
}

/// A horizontal chart per candidate: the analytic interval as a bar, the projection as a tick
/// and the official figure as a diamond, on one scale.
fn projection_chart(w: &Words, p: &ProjectionSection) -> String {
    let rows: Vec<&CandidateLine> = p
        .candidates
        .iter()
        .filter(|c| c.official.is_some())
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let max = rows
        .iter()
        .map(|c| {
            c.projection.analytic_95[1]
                .max(c.projection.bootstrap_95[1])
                .max(c.official.unwrap_or(0))
        })
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (left, width, row_height) = (180.0, 520.0, 34.0);
    let height = 30.0 + row_height * rows.len() as f64;
    let x = |v: i64| left + width * v.max(0) as f64 / max;
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"{}\">\n",
        left + width + 20.0,
        w.chart_label
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
    let _ = writeln!(
        svg,
        "</svg><figcaption>{}</figcaption></figure>",
        w.chart_caption
    );
    svg
}

/// The Kazakhstan 2019 case study (`examples/kz-2019/`) as a complete HTML page, for the web
/// app's `/elections/kz-2019` and the demo.
pub fn kz_2019_case_study_html() -> String {
    kz_2019_case_study_html_in(Language::English)
}

/// The case study page in `language`.
pub fn kz_2019_case_study_html_in(language: Language) -> String {
    let (election, verification) = kz_2019_case_study();
    render_html(&build_in(
        &election,
        &verification,
        None,
        Some(500),
        language,
    ))
}

/// The Kazakhstan 2019 case study's report body (see [`render_html_body`]).
pub fn kz_2019_case_study_body_html() -> String {
    kz_2019_case_study_body_html_in(Language::English)
}

/// The case study's report body in `language`.
pub fn kz_2019_case_study_body_html_in(language: Language) -> String {
    let (election, verification) = kz_2019_case_study();
    render_html_body(&build_in(
        &election,
        &verification,
        None,
        Some(500),
        language,
    ))
}

/// The Kazakhstan 2019 case study and its verification with default options.
pub fn kz_2019_case_study() -> (Election, Verification) {
    let election = kuzet_ingest::election::kz_2019_case_study();
    let verification = kuzet_protocol::verify(&election, &kuzet_protocol::VerifyOptions::default());
    (election, verification)
}
