//! The whole suite in one call, with one seed and one set of options for every random part.

use crate::digits::{DigitOptions, Digits, digit_tests};
use crate::distribution::{DistributionOptions, TurnoutDistribution, turnout_distribution};
use crate::excess::{ExcessVotes, excess_votes};
use crate::fingerprint::{Fingerprint, fingerprint};
use crate::klimek::{FitOptions, FraudFit, fit_fraud_model};
use crate::peaks::{PeakOptions, Peaks, integer_peaks};
use crate::Stations;

/// Options of the whole suite.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteOptions {
    /// Seed of every random part (Monte-Carlo nulls, bootstrap, the dip test); the fraud-model
    /// fit is deterministic and needs none.
    pub seed: u64,
    /// Monte-Carlo draws of the integer-percentage null.
    pub draws: usize,
    /// Bootstrap replicates of the digit tests.
    pub bootstrap: usize,
    /// Bins per axis of the fingerprint overall and per region.
    pub fingerprint_bins: usize,
    pub region_bins: usize,
    /// Bins per axis of the fingerprints the fraud model is fitted to.
    pub fit_bins: usize,
    /// Uniform samples simulated for the dip test.
    pub dip_draws: usize,
    /// Smallest denominator for the integer-percentage test.
    pub min_total: u32,
}

impl Default for SuiteOptions {
    fn default() -> SuiteOptions {
        SuiteOptions {
            seed: 1,
            draws: 1000,
            bootstrap: 1000,
            fingerprint_bins: 100,
            region_bins: 20,
            fit_bins: 50,
            dip_draws: 500,
            min_total: 100,
        }
    }
}

/// One step of the suite, for progress reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteStep {
    Fingerprint,
    FraudModel,
    Peaks,
    Excess,
    Digits,
    Distribution,
}

impl SuiteStep {
    pub const ALL: [SuiteStep; 6] = [
        SuiteStep::Fingerprint,
        SuiteStep::FraudModel,
        SuiteStep::Peaks,
        SuiteStep::Excess,
        SuiteStep::Digits,
        SuiteStep::Distribution,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SuiteStep::Fingerprint => "fingerprint",
            SuiteStep::FraudModel => "fraud-model fit",
            SuiteStep::Peaks => "integer-percentage peaks",
            SuiteStep::Excess => "excess votes",
            SuiteStep::Digits => "digit tests",
            SuiteStep::Distribution => "turnout distribution",
        }
    }
}

/// Every test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteReport {
    pub stations: usize,
    pub usable_stations: usize,
    pub leader: String,
    pub options: SuiteOptions,
    pub fingerprint: Fingerprint,
    pub fraud_fit: FraudFit,
    pub peaks: Peaks,
    pub excess: ExcessVotes,
    pub digits: Digits,
    pub distribution: TurnoutDistribution,
}

/// Runs every test.
pub fn run_suite(stations: &Stations, options: &SuiteOptions) -> SuiteReport {
    run_suite_with_progress(stations, options, |_| {})
}

/// Runs every test, calling `on_step` before each one starts.
pub fn run_suite_with_progress(
    stations: &Stations,
    options: &SuiteOptions,
    mut on_step: impl FnMut(SuiteStep),
) -> SuiteReport {
    on_step(SuiteStep::Fingerprint);
    let fingerprint = fingerprint(stations, options.fingerprint_bins, options.region_bins);
    on_step(SuiteStep::FraudModel);
    let fit_options = FitOptions { bins: options.fit_bins, ..FitOptions::default() };
    let fraud_fit = fit_fraud_model(stations, &fit_options);
    on_step(SuiteStep::Peaks);
    let peaks = integer_peaks(
        stations,
        &PeakOptions { draws: options.draws, seed: options.seed, min_total: options.min_total },
    );
    on_step(SuiteStep::Excess);
    let excess = excess_votes(stations);
    on_step(SuiteStep::Digits);
    let digits = digit_tests(stations, &DigitOptions { bootstrap: options.bootstrap, seed: options.seed });
    on_step(SuiteStep::Distribution);
    let distribution = turnout_distribution(
        stations,
        &DistributionOptions { dip_draws: options.dip_draws, seed: options.seed, ..DistributionOptions::default() },
    );
    SuiteReport {
        stations: stations.len(),
        usable_stations: stations.usable_count(),
        leader: stations.leader_name().to_owned(),
        options: options.clone(),
        fingerprint,
        fraud_fit,
        peaks,
        excess,
        digits,
        distribution,
    }
}
