//! The whole verification of an election: arithmetic, totals per region, source comparison,
//! projections and outliers, in one call.

use crate::area::AreaId;
use crate::check::{check_arithmetic, total_of, totals_by_depth, ArithmeticCheck, AreaTotals};
use crate::compare::{compare_sources, SourceComparison};
use crate::election::Election;
use crate::outlier::{find_outliers, OutlierScan, DEFAULT_THRESHOLD};
use crate::project::{project_sample, AreaOfficial, Projection, ProjectionOptions};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOptions {
    /// Only stations and aggregates inside this area.
    pub scope: Option<AreaId>,
    pub projection: ProjectionOptions,
    pub outlier_threshold: f64,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { scope: None, projection: ProjectionOptions::default(), outlier_threshold: DEFAULT_THRESHOLD }
    }
}

/// One result set's station totals, overall and per region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSummary {
    pub set: usize,
    pub total: AreaTotals,
    pub regions: Vec<AreaTotals>,
}

/// The outlier scan of one source's stations in one area.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierGroup {
    pub set: usize,
    pub area: AreaId,
    /// Station rows of the set, in the order the scan's `row` indices refer to.
    pub rows: Vec<usize>,
    pub scan: OutlierScan,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub arithmetic: ArithmeticCheck,
    pub summaries: Vec<SetSummary>,
    pub comparisons: Vec<SourceComparison>,
    pub projections: Vec<Projection>,
    pub outliers: Vec<OutlierGroup>,
}

/// Runs every check on `election`.
pub fn verify(election: &Election, options: &VerifyOptions) -> Verification {
    let scope = options.scope;
    let arithmetic = check_arithmetic(election, scope);
    let summaries = election
        .results()
        .iter()
        .enumerate()
        .map(|(set, results)| SetSummary {
            set,
            total: total_of(election, results, scope),
            regions: totals_by_depth(election, results, 1, scope),
        })
        .collect::<Vec<_>>();
    let comparisons = compare_sources(election, scope);
    let official_areas = official_areas(election, &summaries, scope);

    let mut projections = Vec::new();
    let mut outliers = Vec::new();
    for (set_index, set) in election.results().iter().enumerate() {
        let mut groups: Vec<(AreaId, Vec<usize>)> = Vec::new();
        if !set.is_official() {
            for (area, official) in &official_areas {
                let rows: Vec<usize> =
                    (0..set.stations.len()).filter(|&i| election.areas.is_within(set.stations[i].area, *area)).collect();
                if rows.is_empty() {
                    continue;
                }
                let counts: Vec<&[Option<i64>]> = rows.iter().map(|&i| set.stations[i].counts.as_slice()).collect();
                let (warnings, candidates) = project_sample(election, &counts, official, &options.projection);
                projections.push(Projection {
                    area: *area,
                    sample_set: set_index,
                    sampled: counts.len(),
                    total_stations: official.stations,
                    warnings,
                    candidates,
                });
                groups.push((*area, rows));
            }
        }
        if groups.is_empty() {
            // Without an official area to project to, stations are compared within their region.
            let mut by_region: HashMap<AreaId, usize> = HashMap::new();
            for (i, station) in set.stations.iter().enumerate() {
                if scope.is_some_and(|s| !election.areas.is_within(station.area, s)) {
                    continue;
                }
                let region = election.areas.region_of(station.area).unwrap_or(election.areas.root());
                let slot = *by_region.entry(region).or_insert_with(|| {
                    groups.push((region, Vec::new()));
                    groups.len() - 1
                });
                groups[slot].1.push(i);
            }
        }
        for (area, rows) in groups {
            let counts: Vec<&[Option<i64>]> = rows.iter().map(|&i| set.stations[i].counts.as_slice()).collect();
            let scan = find_outliers(election, &counts, options.outlier_threshold);
            outliers.push(OutlierGroup { set: set_index, area, rows, scan });
        }
    }
    Verification { arithmetic, summaries, comparisons, projections, outliers }
}

/// Areas with known official totals, in a stable order: published aggregates first (in file
/// order), then regions summed from official stations.
fn official_areas(election: &Election, summaries: &[SetSummary], scope: Option<AreaId>) -> Vec<(AreaId, AreaOfficial)> {
    let mut areas: Vec<(AreaId, AreaOfficial)> = Vec::new();
    for set in election.results().iter().filter(|s| s.is_official()) {
        for aggregate in &set.aggregates {
            if scope.is_some_and(|s| !election.areas.is_within(aggregate.area, s)) || areas.iter().any(|(a, _)| *a == aggregate.area) {
                continue;
            }
            if let Some(stations) = aggregate.stations {
                areas.push((aggregate.area, AreaOfficial { stations: stations as usize, counts: aggregate.counts.clone() }));
            }
        }
    }
    for summary in summaries.iter().filter(|s| election.results()[s.set].is_official()) {
        for region in &summary.regions {
            if areas.iter().any(|(a, _)| *a == region.area) {
                continue;
            }
            let counts = (0..election.width()).map(|c| region.complete_sum(c)).collect();
            areas.push((region.area, AreaOfficial { stations: region.stations, counts }));
        }
    }
    areas
}
