//! Observer (or any other source) versus official results, station by station: line-by-line
//! differences, which side is larger, and the totals of the differences per area.

use crate::area::AreaId;
use crate::election::Election;
use std::collections::HashMap;

/// One line on which two sources disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDifference {
    pub column: usize,
    pub other: i64,
    pub official: i64,
}

impl LineDifference {
    /// The other source's figure minus the official one: positive when the other is larger.
    pub fn difference(&self) -> i64 {
        self.other - self.official
    }
}

/// One station present in both sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationComparison {
    pub area: AreaId,
    pub station: String,
    /// The set and row of the other source's protocol.
    pub other_set: usize,
    pub other_row: usize,
    pub official_set: usize,
    pub official_row: usize,
    /// How many lines both sources give.
    pub lines_compared: usize,
    /// Only the lines where they differ.
    pub differences: Vec<LineDifference>,
}

/// Differences summed over an area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaDifferences {
    pub area: AreaId,
    pub stations_compared: usize,
    pub stations_differing: usize,
    /// Per column: the sum of (other - official), and how many stations the other / the
    /// official source shows larger.
    pub net: Vec<i64>,
    pub other_larger: Vec<usize>,
    pub official_larger: Vec<usize>,
}

impl AreaDifferences {
    fn new(area: AreaId, width: usize) -> Self {
        AreaDifferences {
            area,
            stations_compared: 0,
            stations_differing: 0,
            net: vec![0; width],
            other_larger: vec![0; width],
            official_larger: vec![0; width],
        }
    }

    fn add(&mut self, comparison: &StationComparison) {
        self.stations_compared += 1;
        if !comparison.differences.is_empty() {
            self.stations_differing += 1;
        }
        for d in &comparison.differences {
            self.net[d.column] += d.difference();
            if d.other > d.official {
                self.other_larger[d.column] += 1;
            } else {
                self.official_larger[d.column] += 1;
            }
        }
    }
}

/// One non-official source (all its result sets, from however many files) compared with the
/// official results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceComparison {
    /// The source's label.
    pub source: String,
    pub other_sets: Vec<usize>,
    pub stations: Vec<StationComparison>,
    /// (set, row) of the other source's stations with no official station of the same area
    /// and name.
    pub unmatched: Vec<(usize, usize)>,
    /// Per region (depth 1), in order of first appearance.
    pub by_region: Vec<AreaDifferences>,
    pub total: AreaDifferences,
}

/// The differences between two rows of counts, on the columns both give.
pub fn compare_counts(
    other: &[Option<i64>],
    official: &[Option<i64>],
) -> (usize, Vec<LineDifference>) {
    let mut compared = 0;
    let mut differences = Vec::new();
    for (column, (a, b)) in other.iter().zip(official).enumerate() {
        if let (Some(a), Some(b)) = (a, b) {
            compared += 1;
            if a != b {
                differences.push(LineDifference {
                    column,
                    other: *a,
                    official: *b,
                });
            }
        }
    }
    (compared, differences)
}

/// Compares every non-official source with the official stations (of all official sets),
/// matching stations by area and trimmed name; the result sets of one source label are taken
/// together. `scope` limits the stations compared.
pub fn compare_sources(election: &Election, scope: Option<AreaId>) -> Vec<SourceComparison> {
    let mut official: HashMap<(AreaId, &str), (usize, usize)> = HashMap::new();
    for (set_index, set) in election
        .results()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_official())
    {
        for (row, station) in set.stations.iter().enumerate() {
            official
                .entry((station.area, station.station.trim()))
                .or_insert((set_index, row));
        }
    }
    if official.is_empty() {
        // Without official station results there is nothing to compare station by station.
        return Vec::new();
    }
    let width = election.width();
    let mut comparisons: Vec<SourceComparison> = Vec::new();
    let mut regions: Vec<HashMap<AreaId, usize>> = Vec::new();
    for (set_index, set) in election
        .results()
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_official())
    {
        let slot = match comparisons.iter().position(|c| c.source == set.source) {
            Some(slot) => slot,
            None => {
                comparisons.push(SourceComparison {
                    source: set.source.clone(),
                    other_sets: Vec::new(),
                    stations: Vec::new(),
                    unmatched: Vec::new(),
                    by_region: Vec::new(),
                    total: AreaDifferences::new(scope.unwrap_or(election.areas.root()), width),
                });
                regions.push(HashMap::new());
                comparisons.len() - 1
            }
        };
        let result = &mut comparisons[slot];
        let regions = &mut regions[slot];
        result.other_sets.push(set_index);
        for (row, station) in set.stations.iter().enumerate() {
            if scope.is_some_and(|s| !election.areas.is_within(station.area, s)) {
                continue;
            }
            let Some(&(official_set, official_row)) =
                official.get(&(station.area, station.station.trim()))
            else {
                result.unmatched.push((set_index, row));
                continue;
            };
            let official_counts = &election.results()[official_set].stations[official_row].counts;
            let (lines_compared, differences) = compare_counts(&station.counts, official_counts);
            let comparison = StationComparison {
                area: station.area,
                station: station.station.clone(),
                other_set: set_index,
                other_row: row,
                official_set,
                official_row,
                lines_compared,
                differences,
            };
            result.total.add(&comparison);
            if let Some(region) = election.areas.region_of(station.area) {
                let slot = *regions.entry(region).or_insert_with(|| {
                    result.by_region.push(AreaDifferences::new(region, width));
                    result.by_region.len() - 1
                });
                result.by_region[slot].add(&comparison);
            }
            result.stations.push(comparison);
        }
    }
    comparisons.retain(|c| !c.stations.is_empty() || !c.unmatched.is_empty());
    comparisons
}
