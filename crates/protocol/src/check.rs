//! Arithmetic checks of each protocol against the control relations of its definition, and
//! the sums of results per area.
//!
//! A relation whose lines a row does not give is "not applicable" for that row, never a
//! violation: observers' copies often lack some lines.

use crate::area::AreaId;
use crate::definition::{ControlRelation, Operand, ProtocolDefinition};
use crate::election::{Election, ResultSet};
use std::collections::HashMap;
use std::ops::Range;

/// What a violation broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Index into the protocol's relations.
    Relation(usize),
    /// A negative count in this column.
    NonNegative(usize),
}

/// Which row of a result set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Station(usize),
    Aggregate(usize),
}

/// One broken rule on one protocol, with both sides as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub result_set: usize,
    pub row: Row,
    pub rule: Rule,
    pub left: i64,
    pub right: i64,
}

/// How often one relation was checked, broken, or could not be checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationTally {
    pub checked: usize,
    pub violated: usize,
    pub not_applicable: usize,
}

/// The arithmetic of every row of every result set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArithmeticCheck {
    pub violations: Vec<Violation>,
    /// One per relation of the protocol, in its order.
    pub tallies: Vec<RelationTally>,
    pub rows_checked: usize,
    pub negative_values: usize,
}

/// Both sides of `relation` for one row, or `None` when a line it needs is missing.
pub fn evaluate(
    relation: &ControlRelation,
    counts: &[Option<i64>],
    candidates: Range<usize>,
) -> Option<(i64, i64)> {
    let side = |operands: &[Operand]| -> Option<i64> {
        let mut total = 0i64;
        for operand in operands {
            match operand {
                Operand::Line(i) => total += counts.get(*i).copied().flatten()?,
                Operand::Candidates => {
                    if candidates.is_empty() {
                        return None;
                    }
                    for c in candidates.clone() {
                        total += counts.get(c).copied().flatten()?;
                    }
                }
            }
        }
        Some(total)
    };
    Some((side(&relation.left)?, side(&relation.right)?))
}

/// Checks one row: calls `found` for every broken rule and updates `tallies` (one per relation).
pub fn check_row(
    protocol: &ProtocolDefinition,
    candidates: Range<usize>,
    counts: &[Option<i64>],
    tallies: &mut [RelationTally],
    mut found: impl FnMut(Rule, i64, i64),
) {
    for (column, value) in counts.iter().enumerate() {
        if let Some(v) = *value
            && v < 0
        {
            found(Rule::NonNegative(column), v, 0);
        }
    }
    for (index, relation) in protocol.relations.iter().enumerate() {
        match evaluate(relation, counts, candidates.clone()) {
            None => tallies[index].not_applicable += 1,
            Some((left, right)) => {
                tallies[index].checked += 1;
                if !relation.comparison.holds(left, right) {
                    tallies[index].violated += 1;
                    found(Rule::Relation(index), left, right);
                }
            }
        }
    }
}

/// Checks every station and aggregate of every result set (those in `scope` only, when given).
pub fn check_arithmetic(election: &Election, scope: Option<AreaId>) -> ArithmeticCheck {
    let protocol = &election.protocol;
    let mut check = ArithmeticCheck {
        tallies: vec![RelationTally::default(); protocol.relations.len()],
        ..Default::default()
    };
    let candidates = election.candidate_columns();
    for (set_index, set) in election.results().iter().enumerate() {
        let in_scope = |area: AreaId| scope.is_none_or(|s| election.areas.is_within(area, s));
        let rows = set
            .stations
            .iter()
            .enumerate()
            .filter(|(_, s)| in_scope(s.area))
            .map(|(i, s)| (Row::Station(i), &s.counts))
            .chain(
                set.aggregates
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| in_scope(a.area))
                    .map(|(i, a)| (Row::Aggregate(i), &a.counts)),
            );
        for (row, counts) in rows {
            check.rows_checked += 1;
            check_row(
                protocol,
                candidates.clone(),
                counts,
                &mut check.tallies,
                |rule, left, right| {
                    check.violations.push(Violation {
                        result_set: set_index,
                        row,
                        rule,
                        left,
                        right,
                    });
                },
            );
        }
    }
    check.negative_values = check
        .violations
        .iter()
        .filter(|v| matches!(v.rule, Rule::NonNegative(_)))
        .count();
    check
}

/// The sums of one result set's station rows over one area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaTotals {
    pub area: AreaId,
    pub stations: usize,
    /// Per column, the sum over the stations that give it.
    pub sums: Vec<i64>,
    /// Per column, how many stations give it.
    pub reported: Vec<usize>,
}

impl AreaTotals {
    fn new(area: AreaId, width: usize) -> Self {
        AreaTotals {
            area,
            stations: 0,
            sums: vec![0; width],
            reported: vec![0; width],
        }
    }

    fn add(&mut self, counts: &[Option<i64>]) {
        self.stations += 1;
        for (column, value) in counts.iter().enumerate() {
            if let Some(v) = value {
                self.sums[column] += v;
                self.reported[column] += 1;
            }
        }
    }

    /// The sum of `column` when every station gives it.
    pub fn complete_sum(&self, column: usize) -> Option<i64> {
        (self.reported[column] == self.stations && self.stations > 0).then_some(self.sums[column])
    }
}

/// Sums a result set's stations per area at `depth` (1 = regions), in order of first
/// appearance; stations above that depth are left out. `scope` limits the stations summed.
pub fn totals_by_depth(
    election: &Election,
    set: &ResultSet,
    depth: u32,
    scope: Option<AreaId>,
) -> Vec<AreaTotals> {
    let width = election.width();
    let mut index: HashMap<AreaId, usize> = HashMap::new();
    let mut totals: Vec<AreaTotals> = Vec::new();
    // Stations of one area usually come together, so the last lookup is remembered.
    let mut last: Option<(AreaId, Option<usize>)> = None;
    for station in &set.stations {
        if scope.is_some_and(|s| !election.areas.is_within(station.area, s)) {
            continue;
        }
        let slot = match last {
            Some((area, slot)) if area == station.area => slot,
            _ => {
                let slot = election
                    .areas
                    .ancestor_at_depth(station.area, depth)
                    .map(|target| {
                        *index.entry(target).or_insert_with(|| {
                            totals.push(AreaTotals::new(target, width));
                            totals.len() - 1
                        })
                    });
                last = Some((station.area, slot));
                slot
            }
        };
        if let Some(slot) = slot {
            totals[slot].add(&station.counts);
        }
    }
    totals
}

/// Sums all of a result set's stations (within `scope`, when given) into one total.
pub fn total_of(election: &Election, set: &ResultSet, scope: Option<AreaId>) -> AreaTotals {
    let mut total = AreaTotals::new(scope.unwrap_or(election.areas.root()), election.width());
    for station in &set.stations {
        if scope.is_none_or(|s| election.areas.is_within(station.area, s)) {
            total.add(&station.counts);
        }
    }
    total
}
