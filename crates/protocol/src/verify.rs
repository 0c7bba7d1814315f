//! The whole verification of an election: arithmetic, totals per region, source comparison,
//! projections and outliers, in one call.

use crate::area::AreaId;
use crate::check::{AreaTotals, ArithmeticCheck, check_arithmetic, total_of, totals_by_depth};
use crate::compare::{SourceComparison, compare_sources};
use crate::election::{Election, OFFICIAL};
use crate::outlier::{DEFAULT_THRESHOLD, OutlierScan, find_outliers};
use crate::project::{AreaOfficial, Projection, ProjectionOptions, project_sample};
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
        VerifyOptions {
            scope: None,
            projection: ProjectionOptions::default(),
            outlier_threshold: DEFAULT_THRESHOLD,
        }
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
    /// The source's label; its stations may come from several result sets (files).
    pub source: String,
    pub area: AreaId,
    /// (set, station row) of each station, in the order the scan's `row` indices refer to.
    pub rows: Vec<(usize, usize)>,
    pub scan: OutlierScan,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub arithmetic: ArithmeticCheck,
    pub summaries: Vec<SetSummary>,
    pub comparisons: Vec<SourceComparison>,
    pub projections: Vec<Projection>,
    pub outliers: Vec<OutlierGroup>,
    /// The settings used, so that a report can state its seed, replicates and thresholds.
    pub options: VerifyOptions,
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
    let official_areas = official_areas(election, scope);

    // Result sets of one source label (one per file) are taken together.
    let mut sources: Vec<(&str, Vec<usize>)> = Vec::new();
    for (index, set) in election.results().iter().enumerate() {
        match sources.iter_mut().find(|(label, _)| *label == set.source) {
            Some((_, sets)) => sets.push(index),
            None => sources.push((&set.source, vec![index])),
        }
    }
    let station = |&(set, row): &(usize, usize)| &election.results()[set].stations[row];

    let mut projections = Vec::new();
    let mut outliers = Vec::new();
    for (label, sets) in &sources {
        let all_rows: Vec<(usize, usize)> = sets
            .iter()
            .flat_map(|&set| (0..election.results()[set].stations.len()).map(move |row| (set, row)))
            .collect();
        let mut groups: Vec<(AreaId, Vec<(usize, usize)>)> = Vec::new();
        if *label != OFFICIAL {
            for (area, official) in &official_areas {
                let rows: Vec<(usize, usize)> = all_rows
                    .iter()
                    .copied()
                    .filter(|r| election.areas.is_within(station(r).area, *area))
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let counts: Vec<&[Option<i64>]> =
                    rows.iter().map(|r| station(r).counts.as_slice()).collect();
                let (warnings, candidates) =
                    project_sample(election, &counts, official, &options.projection);
                projections.push(Projection {
                    area: *area,
                    source: (*label).to_owned(),
                    sample_sets: sets.clone(),
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
            for r in &all_rows {
                let area = station(r).area;
                if scope.is_some_and(|s| !election.areas.is_within(area, s)) {
                    continue;
                }
                let region = election
                    .areas
                    .region_of(area)
                    .unwrap_or(election.areas.root());
                let slot = *by_region.entry(region).or_insert_with(|| {
                    groups.push((region, Vec::new()));
                    groups.len() - 1
                });
                groups[slot].1.push(*r);
            }
        }
        for (area, rows) in groups {
            let counts: Vec<&[Option<i64>]> =
                rows.iter().map(|r| station(r).counts.as_slice()).collect();
            let scan = find_outliers(election, &counts, options.outlier_threshold);
            outliers.push(OutlierGroup {
                source: (*label).to_owned(),
                area,
                rows,
                scan,
            });
        }
    }
    Verification {
        arithmetic,
        summaries,
        comparisons,
        projections,
        outliers,
        options: options.clone(),
    }
}

/// Areas with known official totals, in a stable order: published aggregates first (in file
/// order), then regions summed from official stations.
fn official_areas(election: &Election, scope: Option<AreaId>) -> Vec<(AreaId, AreaOfficial)> {
    let mut areas: Vec<(AreaId, AreaOfficial)> = Vec::new();
    for set in election.results().iter().filter(|s| s.is_official()) {
        for aggregate in &set.aggregates {
            if scope.is_some_and(|s| !election.areas.is_within(aggregate.area, s))
                || areas.iter().any(|(a, _)| *a == aggregate.area)
            {
                continue;
            }
            if let Some(stations) = aggregate.stations {
                areas.push((
                    aggregate.area,
                    AreaOfficial {
                        stations: stations as usize,
                        counts: aggregate.counts.clone(),
                    },
                ));
            }
        }
    }
    // Official stations are summed per region, or per the chosen area when it lies deeper, so
    // that a projection limited to a district compares with that district's totals.
    let depth = scope.map_or(1, |s| election.areas.get(s).depth.max(1));
    for set in election.results().iter().filter(|s| s.is_official()) {
        for region in &totals_by_depth(election, set, depth, scope) {
            if areas.iter().any(|(a, _)| *a == region.area) {
                continue;
            }
            let counts = (0..election.width())
                .map(|c| region.complete_sum(c))
                .collect();
            areas.push((
                region.area,
                AreaOfficial {
                    stations: region.stations,
                    counts,
                },
            ));
        }
    }
    areas
}
