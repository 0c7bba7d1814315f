//! Outlier stations: the three measures by hand, and a group with one station off the trend.

use crate::kz_election;
use kuzet_protocol::outlier::{DEFAULT_THRESHOLD, Measure, find_outliers, measure_value};

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

/// A Kazakh row with registered voters, ballots cast and votes for A and B.
fn row(registered: i64, cast: i64, a: i64, b: i64) -> Vec<Option<i64>> {
    vec![
        Some(registered),
        None,
        None,
        None,
        Some(cast),
        None,
        None,
        Some(a),
        Some(b),
    ]
}

/// Checks one measure at one row with A as leader and B as runner-up.
fn check(counts: &[Option<i64>], measure: Measure, expected: Option<f64>) {
    let e = kz_election();
    match (measure_value(&e, counts, measure, 0, 1), expected) {
        (Some(actual), Some(expected)) => close(actual, expected, 1e-12),
        (actual, expected) => assert_eq!(actual, expected, "{measure:?} of {counts:?}"),
    }
}

#[test]
fn measures_by_hand() {
    check(
        &row(1000, 500, 300, 100),
        Measure::LeaderToRunnerUp,
        Some((300.5f64 / 100.5).ln()),
    );
    check(
        &row(1000, 500, 300, 0),
        Measure::LeaderToRunnerUp,
        Some((300.5f64 / 0.5).ln()),
    );
    check(&row(1000, 500, 300, 100), Measure::LeaderShare, Some(0.75));
    check(&row(1000, 500, 0, 0), Measure::LeaderShare, None);
    check(&row(1000, 500, 300, 100), Measure::Turnout, Some(0.5));
    check(&row(0, 0, 0, 0), Measure::Turnout, None);
    check(
        &[
            None,
            None,
            None,
            None,
            Some(1),
            None,
            None,
            Some(1),
            Some(1),
        ],
        Measure::Turnout,
        None,
    );
}

#[test]
fn a_station_far_off_its_group_is_listed() {
    let e = kz_election();
    // Eleven stations with B slightly ahead (B = A + 10 .. A + 30), one with B ten times A.
    let mut group: Vec<Vec<Option<i64>>> = (0..11)
        .map(|i| row(1000, 400 + i, 150 + i, 170 + 2 * i))
        .collect();
    group.push(row(1000, 400, 40, 400));
    let group: Vec<&[Option<i64>]> = group.iter().map(Vec::as_slice).collect();
    let scan = find_outliers(&e, &group, DEFAULT_THRESHOLD);
    assert_eq!((scan.leader, scan.runner_up), (Some(1), Some(0)));
    let flagged: Vec<(usize, Measure)> = scan.outliers.iter().map(|o| (o.row, o.measure)).collect();
    assert_eq!(
        flagged,
        vec![(11, Measure::LeaderToRunnerUp), (11, Measure::LeaderShare)]
    );
    let ratio = &scan.outliers[0];
    close(ratio.value, (400.5f64 / 40.5).ln(), 1e-12);
    let summary = &scan.summaries[0];
    assert_eq!(
        (summary.measure, summary.stations),
        (Measure::LeaderToRunnerUp, 12)
    );
    close(
        ratio.robust_z,
        (ratio.value - summary.median) / summary.scale,
        1e-12,
    );
    assert!(ratio.robust_z > DEFAULT_THRESHOLD);
}

#[test]
fn identical_stations_have_no_outliers() {
    let e = kz_election();
    let group: Vec<Vec<Option<i64>>> = (0..5).map(|_| row(1000, 500, 200, 100)).collect();
    let group: Vec<&[Option<i64>]> = group.iter().map(Vec::as_slice).collect();
    let scan = find_outliers(&e, &group, DEFAULT_THRESHOLD);
    assert!(scan.outliers.is_empty());
    assert!(scan.summaries.is_empty());
}
