//! The forensics report on a small synthetic election: snapshot of the page, its safety
//! properties, the JSON and the PNG.

use kuzet_forensics::synthetic::{SyntheticSpec, synthetic_election};
use kuzet_forensics::{SuiteOptions, SuiteReport, run_suite};
use kuzet_report::forensics::{fingerprint_png, html, json};

fn small_report() -> SuiteReport {
    let spec = SyntheticSpec {
        regions: 3,
        incremental_fraud: 0.2,
        extreme_fraud: 0.05,
        round_percentage_forgery: 0.1,
        ..SyntheticSpec::honest(300, 42)
    };
    let election = synthetic_election(&spec);
    let options =
        SuiteOptions { seed: 7, draws: 50, bootstrap: 50, dip_draws: 50, fit_bins: 20, ..SuiteOptions::default() };
    run_suite(&election.stations, &options)
}

/// Checks that `page` contains every needle.
fn check(page: &str, needles: &[&str]) {
    for needle in needles {
        assert!(page.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn forensics_page_snapshot() {
    let page = html(&small_report(), "synthetic <test>.csv");
    insta::assert_snapshot!(page);
}

#[test]
fn forensics_page_is_self_contained_and_explains_each_test() {
    let page = html(&small_report(), "synthetic <test>.csv");
    check(
        &page,
        &[
            "<h1>Election forensics: synthetic &lt;test&gt;.csv</h1>",
            "seed 7",
            "Election fingerprint",
            "Fraud-model fit (Klimek et al. 2012)",
            "Integer-percentage peaks",
            "Excess votes",
            "Digit tests",
            "Shape of the turnout distribution",
            "What it cannot show.",
        ],
    );
    assert_eq!(page.matches("<strong>What it shows.</strong>").count(), 6);
    for forbidden in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(forbidden), "page contains {forbidden}");
    }
}

#[test]
fn json_carries_the_figures_and_the_seed() {
    let report = small_report();
    let value = json(&report, "x.csv");
    assert_eq!(value["seed"], 7);
    assert_eq!(value["stations"], 300);
    assert_eq!(value["integer_peaks"]["either"]["observed"], report.peaks.either.observed);
    assert_eq!(value["fraud_model"]["extreme_fraud"], report.fraud_fit.extreme);
    assert_eq!(value["digits"].as_array().map(Vec::len), Some(4));
    assert_eq!(value["turnout_distribution"]["by_region"].as_array().map(Vec::len), Some(3));
}

#[test]
fn fingerprint_png_has_the_requested_size() {
    let report = small_report();
    let png = fingerprint_png(&report.fingerprint.overall, 3);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height as big-endian u32 at bytes 16..24.
    assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), 300);
    assert_eq!(u32::from_be_bytes([png[20], png[21], png[22], png[23]]), 300);
}
