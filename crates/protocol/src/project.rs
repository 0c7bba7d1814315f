//! Projection of an area's totals from an observed sample of its stations, with honest
//! uncertainty.
//!
//! Two estimators: the per-station mean scaled to the area's number of stations (what the
//! observers' reports do by hand, so their published numbers are reproduced), and the ratio
//! estimator on registered voters when the area's registered voters are known. Each comes with
//! a 95% interval from the usual survey-sampling variance (with the finite-population
//! correction) and a percentile bootstrap with a fixed seed, so every run gives the same
//! figures. Both assume that the observed stations are a random sample of the area's; the
//! checks in [`SampleWarning`] say when that is doubtful.

use crate::area::AreaId;
use crate::election::Election;
use crate::stats::{mean, quantile_of_sorted, sample_variance, t_quantile_975};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Settings of a projection; [`ProjectionOptions::default`] is what reports use.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionOptions {
    /// Below this many observed stations no projection is made.
    pub minimum_stations: usize,
    pub bootstrap_replicates: usize,
    pub seed: u64,
    /// |z| above which the sample is called unlike its area (1.96: a 5% two-sided test).
    pub balance_z: f64,
}

impl Default for ProjectionOptions {
    fn default() -> Self {
        ProjectionOptions {
            minimum_stations: 10,
            bootstrap_replicates: 2000,
            seed: 20_190_609,
            balance_z: 1.96,
        }
    }
}

/// A closed interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// A projected total with its standard error and two 95% intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub standard_error: f64,
    /// value ± t(0.975, n - 1) × standard error.
    pub analytic: Interval,
    /// The 2.5% and 97.5% percentiles of the estimate over bootstrap resamples of the stations.
    pub bootstrap: Interval,
}

/// One candidate's projection in an area.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateProjection {
    pub candidate: usize,
    /// The candidate's votes summed over the observed stations.
    pub observed: i64,
    /// The official total for the whole area, when published.
    pub official: Option<i64>,
    pub per_station_mean: Estimate,
    pub ratio_to_registered: Option<Estimate>,
}

impl CandidateProjection {
    /// Official minus projected (per-station mean): negative when the official count is lower.
    pub fn difference(&self) -> Option<f64> {
        self.official
            .map(|o| o as f64 - self.per_station_mean.value)
    }

    /// Whether the official figure lies outside the analytic interval of the per-station mean.
    pub fn official_outside(&self) -> Option<bool> {
        self.official
            .map(|o| !self.per_station_mean.analytic.contains(o as f64))
    }
}

/// Why a sample may not support a projection. The first two stop it; the others are printed
/// beside it.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleWarning {
    /// Fewer stations than [`ProjectionOptions::minimum_stations`]: no projection is made.
    TooSmall { sampled: usize, minimum: usize },
    /// More observed stations than the area has: the station count or the area is wrong.
    LargerThanArea { sampled: usize, total: usize },
    /// Observed rows without every candidate's votes, left out of the projection.
    IncompleteRows { left_out: usize },
    /// The observed stations' mean registered voters differ significantly from the area's.
    RegisteredDiffers {
        sample_mean: f64,
        area_mean: f64,
        z: f64,
    },
    /// The observed stations' turnout differs significantly from the official turnout of the
    /// area. Either the sample is not representative or the official figures are not the
    /// protocols' figures: this test cannot tell which.
    TurnoutDiffers { sample: f64, area: f64, z: f64 },
    /// The ratio estimator needs every observed station's registered voters and the area's.
    RatioUnavailable { reason: &'static str },
}

impl SampleWarning {
    /// Whether the warning stops the projection.
    pub fn prevents_projection(&self) -> bool {
        matches!(
            self,
            SampleWarning::TooSmall { .. } | SampleWarning::LargerThanArea { .. }
        )
    }
}

/// The official totals of an area: its station count and counts in election columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaOfficial {
    pub stations: usize,
    pub counts: Vec<Option<i64>>,
}

/// A projection of one area from one source's observed stations.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub area: AreaId,
    /// The label of the source whose stations are the sample.
    pub source: String,
    /// The result sets (files) the sample comes from.
    pub sample_sets: Vec<usize>,
    /// Observed stations used.
    pub sampled: usize,
    pub total_stations: usize,
    pub warnings: Vec<SampleWarning>,
    /// Empty when a warning prevents the projection.
    pub candidates: Vec<CandidateProjection>,
}

/// The per-station mean scaled to `total_stations`, and its standard error with the
/// finite-population correction: N · sqrt((1 - n/N) · s² / n).
pub fn mean_scaling(values: &[f64], total_stations: usize) -> (f64, f64) {
    let n = values.len() as f64;
    let big_n = total_stations as f64;
    let value = big_n * mean(values);
    let fpc = (1.0 - n / big_n).max(0.0);
    (value, big_n * (fpc * sample_variance(values) / n).sqrt())
}

/// The ratio estimator X · Σy / Σx (x = registered voters, X = the area's), and its standard
/// error: N · sqrt((1 - n/N) · s_d² / n) with d = y - R·x.
pub fn ratio_estimate(
    votes: &[f64],
    registered: &[f64],
    area_registered: f64,
    total_stations: usize,
) -> (f64, f64) {
    let ratio = votes.iter().sum::<f64>() / registered.iter().sum::<f64>();
    let residuals: Vec<f64> = votes
        .iter()
        .zip(registered)
        .map(|(y, x)| y - ratio * x)
        .collect();
    let n = votes.len() as f64;
    let big_n = total_stations as f64;
    let fpc = (1.0 - n / big_n).max(0.0);
    let s2 = residuals.iter().map(|d| d * d).sum::<f64>() / (n - 1.0).max(1.0);
    (area_registered * ratio, big_n * (fpc * s2 / n).sqrt())
}

/// Projects an area's candidates from observed rows (counts in election columns).
pub fn project_sample(
    election: &Election,
    sample: &[&[Option<i64>]],
    official: &AreaOfficial,
    options: &ProjectionOptions,
) -> (Vec<SampleWarning>, Vec<CandidateProjection>) {
    let candidates = election.candidate_columns();
    let complete: Vec<&[Option<i64>]> = sample
        .iter()
        .copied()
        .filter(|row| {
            candidates
                .clone()
                .all(|c| row.get(c).copied().flatten().is_some())
        })
        .collect();
    let mut warnings = Vec::new();
    if complete.len() < sample.len() {
        warnings.push(SampleWarning::IncompleteRows {
            left_out: sample.len() - complete.len(),
        });
    }
    let n = complete.len();
    let big_n = official.stations;
    if n < options.minimum_stations.max(2) {
        warnings.push(SampleWarning::TooSmall {
            sampled: n,
            minimum: options.minimum_stations.max(2),
        });
        return (warnings, Vec::new());
    }
    if n > big_n {
        warnings.push(SampleWarning::LargerThanArea {
            sampled: n,
            total: big_n,
        });
        return (warnings, Vec::new());
    }
    let fpc = 1.0 - n as f64 / big_n as f64;

    let registered: Option<Vec<f64>> = complete
        .iter()
        .map(|row| election.registered(row).map(|v| v as f64))
        .collect();
    let area_registered = election.registered(&official.counts).map(|v| v as f64);
    let ratio_inputs = match (&registered, area_registered) {
        (Some(x), Some(big_x)) if x.iter().all(|v| *v > 0.0) => Some((x.clone(), big_x)),
        (None, _) => {
            warnings.push(SampleWarning::RatioUnavailable {
                reason: "some observed stations lack registered voters",
            });
            None
        }
        (Some(_), None) => {
            warnings.push(SampleWarning::RatioUnavailable {
                reason: "the area's registered voters are not known",
            });
            None
        }
        (Some(_), Some(_)) => {
            warnings.push(SampleWarning::RatioUnavailable {
                reason: "an observed station has no registered voters",
            });
            None
        }
    };

    // Balance: are the observed stations like the area's in size and turnout?
    if let Some((x, big_x)) = &ratio_inputs {
        let area_mean = big_x / big_n as f64;
        let se = (fpc * sample_variance(x) / n as f64).sqrt();
        let z = balance_z(mean(x) - area_mean, se);
        if z.abs() > options.balance_z {
            warnings.push(SampleWarning::RegisteredDiffers {
                sample_mean: mean(x),
                area_mean,
                z,
            });
        }
        let cast: Option<Vec<f64>> = complete
            .iter()
            .map(|row| election.cast(row).map(|v| v as f64))
            .collect();
        if let (Some(c), Some(area_cast)) = (cast, election.cast(&official.counts)) {
            let ratio = c.iter().sum::<f64>() / x.iter().sum::<f64>();
            let area = area_cast as f64 / big_x;
            let residuals: Vec<f64> = c.iter().zip(x).map(|(c, x)| c - ratio * x).collect();
            let s2 = residuals.iter().map(|d| d * d).sum::<f64>() / (n - 1) as f64;
            let se = (fpc * s2 / n as f64).sqrt() / mean(x);
            let z = balance_z(ratio - area, se);
            if z.abs() > options.balance_z {
                warnings.push(SampleWarning::TurnoutDiffers {
                    sample: ratio,
                    area,
                    z,
                });
            }
        }
    }

    let t = t_quantile_975(n - 1);
    let columns: Vec<usize> = candidates.collect();
    let votes: Vec<Vec<f64>> = columns
        .iter()
        .map(|&c| {
            complete
                .iter()
                .map(|row| row[c].unwrap_or(0) as f64)
                .collect()
        })
        .collect();
    let (mean_boot, ratio_boot) = bootstrap(&votes, ratio_inputs.as_ref(), big_n, options);
    let interval = |value: f64, se: f64| Interval {
        lower: value - t * se,
        upper: value + t * se,
    };
    let projections = columns
        .iter()
        .enumerate()
        .map(|(k, &column)| {
            let (value, se) = mean_scaling(&votes[k], big_n);
            let per_station_mean = Estimate {
                value,
                standard_error: se,
                analytic: interval(value, se),
                bootstrap: mean_boot[k],
            };
            let ratio_to_registered = ratio_inputs.as_ref().map(|(x, big_x)| {
                let (value, se) = ratio_estimate(&votes[k], x, *big_x, big_n);
                Estimate {
                    value,
                    standard_error: se,
                    analytic: interval(value, se),
                    bootstrap: ratio_boot[k],
                }
            });
            CandidateProjection {
                candidate: column - election.protocol.lines.len(),
                observed: votes[k].iter().sum::<f64>() as i64,
                official: official.counts.get(column).copied().flatten(),
                per_station_mean,
                ratio_to_registered,
            }
        })
        .collect();
    (warnings, projections)
}

fn balance_z(difference: f64, standard_error: f64) -> f64 {
    if standard_error > 0.0 {
        difference / standard_error
    } else if difference == 0.0 {
        0.0
    } else {
        difference.signum() * f64::INFINITY
    }
}

/// Percentile bootstrap over stations, resampling the same stations for every candidate.
/// Returns, per candidate, the interval of the per-station mean and of the ratio estimator
/// (the latter only meaningful when `ratio_inputs` is given).
fn bootstrap(
    votes: &[Vec<f64>],
    ratio_inputs: Option<&(Vec<f64>, f64)>,
    total_stations: usize,
    options: &ProjectionOptions,
) -> (Vec<Interval>, Vec<Interval>) {
    let n = votes.first().map_or(0, Vec::len);
    let replicates = options.bootstrap_replicates.max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut mean_draws = vec![Vec::with_capacity(replicates); votes.len()];
    let mut ratio_draws = vec![Vec::with_capacity(replicates); votes.len()];
    let mut sums = vec![0.0; votes.len()];
    for _ in 0..replicates {
        sums.iter_mut().for_each(|s| *s = 0.0);
        let mut registered = 0.0;
        for _ in 0..n {
            let i = rng.random_range(0..n);
            for (sum, candidate) in sums.iter_mut().zip(votes) {
                *sum += candidate[i];
            }
            if let Some((x, _)) = ratio_inputs {
                registered += x[i];
            }
        }
        for (k, sum) in sums.iter().enumerate() {
            mean_draws[k].push(total_stations as f64 * sum / n as f64);
            if let Some((_, big_x)) = ratio_inputs {
                ratio_draws[k].push(big_x * sum / registered);
            }
        }
    }
    let percentile_interval = |mut draws: Vec<f64>| {
        if draws.is_empty() {
            return Interval {
                lower: f64::NAN,
                upper: f64::NAN,
            };
        }
        draws.sort_by(f64::total_cmp);
        Interval {
            lower: quantile_of_sorted(&draws, 0.025),
            upper: quantile_of_sorted(&draws, 0.975),
        }
    };
    (
        mean_draws.into_iter().map(percentile_interval).collect(),
        ratio_draws.into_iter().map(percentile_interval).collect(),
    )
}
