//! Stations that break their group's trend: robust z-scores (median and median absolute
//! deviation) of the log ratio between the leader's and the runner-up's votes, of the leader's
//! share and of turnout. The median and MAD are not dragged by the outliers themselves, which
//! a mean and standard deviation would be.

use crate::election::Election;
use crate::stats::robust_z_scores;

/// The robust z-score above which a station is listed (Iglewicz and Hoaglin's 3.5).
pub const DEFAULT_THRESHOLD: f64 = 3.5;

/// What is measured at each station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// ln((leader + 0.5) / (runner-up + 0.5)); the 0.5 keeps a zero count finite.
    LeaderToRunnerUp,
    /// The leader's votes over all candidates' votes.
    LeaderShare,
    /// Ballots cast over registered voters.
    Turnout,
}

impl Measure {
    pub const ALL: [Measure; 3] = [
        Measure::LeaderToRunnerUp,
        Measure::LeaderShare,
        Measure::Turnout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Measure::LeaderToRunnerUp => "log(leader / runner-up)",
            Measure::LeaderShare => "leader's share",
            Measure::Turnout => "turnout",
        }
    }
}

/// One station flagged on one measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlier {
    /// Index into the rows given to [`find_outliers`].
    pub row: usize,
    pub measure: Measure,
    pub value: f64,
    pub robust_z: f64,
}

/// The centre and spread of one measure over the group.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSummary {
    pub measure: Measure,
    pub stations: usize,
    pub median: f64,
    /// z = (value - median) / scale.
    pub scale: f64,
}

/// The outliers of one group of stations.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierScan {
    /// Candidate indices of the group's leader and runner-up by total votes.
    pub leader: Option<usize>,
    pub runner_up: Option<usize>,
    pub threshold: f64,
    pub summaries: Vec<MeasureSummary>,
    /// Sorted by row, then measure.
    pub outliers: Vec<Outlier>,
}

/// The value of `measure` at one station, when its lines are given and it is defined.
pub fn measure_value(
    election: &Election,
    counts: &[Option<i64>],
    measure: Measure,
    leader: usize,
    runner_up: usize,
) -> Option<f64> {
    let votes = |candidate: usize| {
        counts
            .get(election.candidate_column(candidate))
            .copied()
            .flatten()
    };
    match measure {
        Measure::LeaderToRunnerUp => {
            Some(((votes(leader)? as f64 + 0.5) / (votes(runner_up)? as f64 + 0.5)).ln())
        }
        Measure::LeaderShare => {
            let mut all = 0i64;
            for c in election.candidate_columns() {
                all += counts.get(c).copied().flatten()?;
            }
            (all > 0).then(|| votes(leader).unwrap_or(0) as f64 / all as f64)
        }
        Measure::Turnout => {
            let registered = election.registered(counts)?;
            (registered > 0)
                .then(|| election.cast(counts).map(|c| c as f64 / registered as f64))
                .flatten()
        }
    }
}

/// Finds the stations among `rows` whose robust z-score on any measure exceeds `threshold`.
pub fn find_outliers(election: &Election, rows: &[&[Option<i64>]], threshold: f64) -> OutlierScan {
    let mut totals: Vec<(usize, i64)> = (0..election.candidates().len())
        .map(|k| {
            (
                k,
                rows.iter()
                    .map(|r| {
                        r.get(election.candidate_column(k))
                            .copied()
                            .flatten()
                            .unwrap_or(0)
                    })
                    .sum(),
            )
        })
        .collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut scan = OutlierScan {
        leader: totals.first().map(|t| t.0),
        runner_up: totals.get(1).map(|t| t.0),
        threshold,
        summaries: Vec::new(),
        outliers: Vec::new(),
    };
    let (Some(leader), Some(runner_up)) = (scan.leader, scan.runner_up) else {
        return scan;
    };
    for measure in Measure::ALL {
        let (indices, values): (Vec<usize>, Vec<f64>) = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                measure_value(election, row, measure, leader, runner_up).map(|v| (i, v))
            })
            .unzip();
        if values.len() < 3 {
            continue;
        }
        let Some((median, scale, scores)) = robust_z_scores(&values) else {
            continue;
        };
        scan.summaries.push(MeasureSummary {
            measure,
            stations: values.len(),
            median,
            scale,
        });
        for ((row, value), z) in indices.into_iter().zip(values).zip(scores) {
            if z.abs() > threshold {
                scan.outliers.push(Outlier {
                    row,
                    measure,
                    value,
                    robust_z: z,
                });
            }
        }
    }
    scan.outliers.sort_by_key(|o| (o.row, o.measure as u8));
    scan
}
