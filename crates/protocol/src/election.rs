//! An election and its results: candidates, areas, and result sets from named sources.
//!
//! Every count lives in a row of `Option<i64>` laid out as the protocol's lines followed by the
//! candidates, so one index (a "column") addresses either. `None` means the source does not
//! give that figure; negative numbers are kept so that the checks can report them.

use crate::area::{AreaId, AreaTree};
use crate::definition::ProtocolDefinition;

/// The source label of results published by the election commission.
pub const OFFICIAL: &str = "official";
/// The source label of protocol copies collected by observers.
pub const OBSERVER: &str = "observer";

/// Who supplied a result, when, and where it comes from. Free text: a person's name here is
/// the observer's own choice of how to be credited and is never logged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    pub collected_by: Option<String>,
    pub collected_at: Option<String>,
    /// A file, a URL, "photo of the protocol posted on ...".
    pub origin: String,
}

/// One polling station's protocol as one source reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationResult {
    /// The area the station belongs to (usually a district).
    pub area: AreaId,
    /// The station's number or name, unique within its area for one source.
    pub station: String,
    pub counts: Vec<Option<i64>>,
    /// Set when this row's provenance differs from its result set's.
    pub provenance: Option<Box<Provenance>>,
    /// The line of the input file the row came from, for messages; 0 when not from a file.
    pub line: u32,
}

/// Totals for a whole area, as commissions often publish them instead of station results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaAggregate {
    pub area: AreaId,
    /// How many stations the totals cover, when known.
    pub stations: Option<u32>,
    pub counts: Vec<Option<i64>>,
    pub provenance: Option<Box<Provenance>>,
    pub line: u32,
}

/// The results one source gives for one election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultSet {
    /// `official`, `observer` or any other label.
    pub source: String,
    pub provenance: Provenance,
    pub stations: Vec<StationResult>,
    pub aggregates: Vec<AreaAggregate>,
}

impl ResultSet {
    pub fn new(source: &str, provenance: Provenance) -> Self {
        ResultSet {
            source: source.to_owned(),
            provenance,
            stations: Vec::new(),
            aggregates: Vec::new(),
        }
    }

    pub fn is_official(&self) -> bool {
        self.source == OFFICIAL
    }
}

/// An election: its protocol, candidates (or parties), areas and every source's results.
#[derive(Debug, Clone)]
pub struct Election {
    pub title: String,
    pub protocol: ProtocolDefinition,
    candidates: Vec<String>,
    pub areas: AreaTree,
    results: Vec<ResultSet>,
}

impl Election {
    pub fn new(title: &str, protocol: ProtocolDefinition, country: &str) -> Self {
        Election {
            title: title.to_owned(),
            protocol,
            candidates: Vec::new(),
            areas: AreaTree::new(country),
            results: Vec::new(),
        }
    }

    /// Candidates or parties, in the order of their columns.
    pub fn candidates(&self) -> &[String] {
        &self.candidates
    }

    pub fn results(&self) -> &[ResultSet] {
        &self.results
    }

    /// The number of columns in every counts row: lines, then candidates.
    pub fn width(&self) -> usize {
        self.protocol.lines.len() + self.candidates.len()
    }

    /// The column of the `index`th candidate.
    pub fn candidate_column(&self, index: usize) -> usize {
        self.protocol.lines.len() + index
    }

    /// The column range holding candidates' votes.
    pub fn candidate_columns(&self) -> std::ops::Range<usize> {
        self.protocol.lines.len()..self.width()
    }

    /// The column of the line with `key`.
    pub fn line_column(&self, key: &str) -> Option<usize> {
        self.protocol.line_index(key)
    }

    /// What a person calls a column: the line's label or the candidate's name.
    pub fn column_label(&self, column: usize) -> &str {
        let lines = self.protocol.lines.len();
        if column < lines {
            &self.protocol.lines[column].label
        } else {
            &self.candidates[column - lines]
        }
    }

    /// The stable key of a column: the line key or the candidate's name.
    pub fn column_key(&self, column: usize) -> &str {
        let lines = self.protocol.lines.len();
        if column < lines {
            &self.protocol.lines[column].key
        } else {
            &self.candidates[column - lines]
        }
    }

    pub fn candidate_index(&self, name: &str) -> Option<usize> {
        self.candidates.iter().position(|c| c == name)
    }

    /// The index of candidate `name`, adding it (and an empty column to every existing row)
    /// when it is new.
    pub fn add_candidate(&mut self, name: &str) -> usize {
        if let Some(index) = self.candidate_index(name) {
            return index;
        }
        self.candidates.push(name.to_owned());
        for set in &mut self.results {
            for station in &mut set.stations {
                station.counts.push(None);
            }
            for aggregate in &mut set.aggregates {
                aggregate.counts.push(None);
            }
        }
        self.candidates.len() - 1
    }

    /// Adds a result set whose rows have [`Election::width`] columns. Returns its index.
    ///
    /// # Panics
    /// When a row has another width: that is a bug in the caller, not bad input.
    pub fn add_results(&mut self, set: ResultSet) -> usize {
        let width = self.width();
        assert!(
            set.stations.iter().all(|s| s.counts.len() == width)
                && set.aggregates.iter().all(|a| a.counts.len() == width),
            "every row of a result set must have the election's width"
        );
        self.results.push(set);
        self.results.len() - 1
    }

    /// Sums the columns `columns` of `counts`; `None` when any of them is missing.
    pub fn sum(counts: &[Option<i64>], columns: &[usize]) -> Option<i64> {
        if columns.is_empty() {
            return None;
        }
        columns.iter().try_fold(0i64, |total, &c| {
            counts.get(c).copied().flatten().map(|v| total + v)
        })
    }

    /// Registered voters of a row, by the protocol's `registered` role.
    pub fn registered(&self, counts: &[Option<i64>]) -> Option<i64> {
        Self::sum(counts, &self.protocol.roles.registered)
    }

    /// Ballots issued to voters, by the `issued` role.
    pub fn issued(&self, counts: &[Option<i64>]) -> Option<i64> {
        Self::sum(counts, &self.protocol.roles.issued)
    }

    /// Ballots found in the boxes, by the `cast` role.
    pub fn cast(&self, counts: &[Option<i64>]) -> Option<i64> {
        Self::sum(counts, &self.protocol.roles.cast)
    }

    /// Valid ballots, by the `valid` role.
    pub fn valid(&self, counts: &[Option<i64>]) -> Option<i64> {
        Self::sum(counts, &self.protocol.roles.valid)
    }
}
