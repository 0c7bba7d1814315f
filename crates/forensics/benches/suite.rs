//! The whole forensics suite on a national election: the 2018 Russian presidential file when
//! `../shared/data/ru/2018.csv.zip` is present, otherwise a synthetic election of the same size.
//!
//! Run: `cargo bench -p kuzet-forensics --bench suite` (figures in docs/benchmarks.md).

use kuzet_forensics::digits::{DigitOptions, digit_tests};
use kuzet_forensics::distribution::{DistributionOptions, turnout_distribution};
use kuzet_forensics::excess::excess_votes;
use kuzet_forensics::fingerprint::fingerprint;
use kuzet_forensics::klimek::{FitOptions, fit_fraud_model};
use kuzet_forensics::peaks::{PeakOptions, integer_peaks};
use kuzet_forensics::synthetic::{SyntheticSpec, synthetic_election};
use kuzet_forensics::{Stations, SuiteOptions, run_suite};
use std::path::PathBuf;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

fn stations() -> &'static Stations {
    static STATIONS: OnceLock<Stations> = OnceLock::new();
    STATIONS.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ru/2018.csv.zip");
        match std::fs::read(&path) {
            Ok(bytes) => {
                eprintln!("benchmarking on {}", path.display());
                load(kuzet_ingest::election::read_russian_cec("2018.csv.zip", bytes).expect("the 2018 file reads"))
            }
            Err(_) => {
                eprintln!("../shared/data/ru/2018.csv.zip not found: benchmarking a synthetic election of 97,699 stations");
                synthetic_election(&SyntheticSpec { incremental_fraud: 0.2, extreme_fraud: 0.03, ..SyntheticSpec::honest(97_699, 1) })
                    .stations
            }
        }
    })
}

fn load(election: kuzet_protocol::Election) -> Stations {
    kuzet_forensics::election::stations_of(&election).expect("the 2018 stations are consistent").0
}

/// Every test, 1,000 Monte-Carlo draws and 1,000 bootstrap replicates.
#[divan::bench(sample_count = 10)]
fn whole_suite_1000_draws() -> kuzet_forensics::SuiteReport {
    run_suite(stations(), &SuiteOptions::default())
}

#[divan::bench(sample_count = 10)]
fn fingerprint_100_bins() -> kuzet_forensics::fingerprint::Fingerprint {
    fingerprint(stations(), 100, 20)
}

#[divan::bench(sample_count = 10)]
fn fraud_model_fit() -> kuzet_forensics::klimek::FraudFit {
    fit_fraud_model(stations(), &FitOptions::default())
}

#[divan::bench(sample_count = 10)]
fn integer_peaks_1000_draws() -> kuzet_forensics::peaks::Peaks {
    integer_peaks(stations(), &PeakOptions::default())
}

#[divan::bench(sample_count = 10)]
fn excess() -> kuzet_forensics::excess::ExcessVotes {
    excess_votes(stations())
}

#[divan::bench(sample_count = 10)]
fn digits_1000_bootstrap() -> kuzet_forensics::digits::Digits {
    digit_tests(stations(), &DigitOptions::default())
}

#[divan::bench(sample_count = 10)]
fn turnout_distribution_with_dip() -> kuzet_forensics::distribution::TurnoutDistribution {
    turnout_distribution(stations(), &DistributionOptions::default())
}
