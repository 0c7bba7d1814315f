//! Projections: the two estimators and their intervals by hand, the sample warnings, and the
//! bootstrap's reproducibility.

use crate::kz_election;
use kuzet_protocol::project::{
    AreaOfficial, ProjectionOptions, SampleWarning, mean_scaling, project_sample, ratio_estimate,
};
use kuzet_protocol::stats::t_quantile_975;

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

/// Checks the mean-scaling estimator: (values, stations in the area) -> (total, standard error).
fn check_mean(values: &[f64], total_stations: usize, expected: (f64, f64)) {
    let (value, se) = mean_scaling(values, total_stations);
    close(value, expected.0, 1e-9);
    close(se, expected.1, 1e-3);
}

/// Checks the ratio estimator: (votes, registered, area registered, stations) -> (total, se).
fn check_ratio(
    votes: &[f64],
    registered: &[f64],
    area_registered: f64,
    stations: usize,
    expected: (f64, f64),
) {
    let (value, se) = ratio_estimate(votes, registered, area_registered, stations);
    close(value, expected.0, 1e-9);
    close(se, expected.1, 1e-3);
}

#[test]
fn per_station_mean_scaling_by_hand() {
    // Mean 20 over 6 stations = 120; s² = 100, f = 1/2: SE = 6 √(0.5 · 100 / 3) = 24.495.
    check_mean(&[10.0, 20.0, 30.0], 6, (120.0, 24.4949));
    // The whole area observed: no sampling error.
    check_mean(&[10.0, 20.0, 30.0], 3, (60.0, 0.0));
    // The observers' own arithmetic for Nur-Sultan: 35,604 over 74 stations, scaled to 239.
    let mut kosanov = vec![481.0; 73];
    kosanov.push(35_604.0 - 481.0 * 73.0);
    check_mean(
        &kosanov,
        239,
        (35_604.0 * 239.0 / 74.0, mean_scaling(&kosanov, 239).1),
    );
    close(mean_scaling(&kosanov, 239).0.round(), 114_991.0, 0.0);
}

#[test]
fn ratio_estimator_by_hand() {
    // Votes proportional to registered voters: R = 0.1 exactly, no residual.
    check_ratio(
        &[10.0, 20.0, 30.0],
        &[100.0, 200.0, 300.0],
        1200.0,
        6,
        (120.0, 0.0),
    );
    // R = 65/600; residuals -0.8333, 3.3333, -2.5; s_d² = 9.02778; SE = 6 √(0.5 · 9.02778 / 3) = 7.3598.
    check_ratio(
        &[10.0, 25.0, 30.0],
        &[100.0, 200.0, 300.0],
        1200.0,
        6,
        (130.0, 7.3598),
    );
}

/// Rows of the Kazakh protocol with two candidates: (registered, cast, A, B).
fn rows(values: &[(i64, i64, i64, i64)]) -> Vec<Vec<Option<i64>>> {
    values
        .iter()
        .map(|&(registered, cast, a, b)| {
            vec![
                Some(registered),
                Some(registered),
                Some(cast),
                Some(registered - cast),
                Some(cast),
                Some(cast - a - b),
                Some(a + b),
                Some(a),
                Some(b),
            ]
        })
        .collect()
}

fn area(
    stations: usize,
    registered: Option<i64>,
    cast: Option<i64>,
    a: Option<i64>,
    b: Option<i64>,
) -> AreaOfficial {
    AreaOfficial {
        stations,
        counts: vec![registered, None, None, None, cast, None, None, a, b],
    }
}

#[test]
fn projection_with_intervals_by_hand() {
    let e = kz_election();
    // Twelve stations, A = 10, 20, 30 four times each; the area has 24 stations.
    let sample = rows(
        &[(1000, 500, 10, 100); 4]
            .iter()
            .chain(&[(1000, 500, 20, 100); 4])
            .chain(&[(1000, 500, 30, 100); 4])
            .copied()
            .collect::<Vec<_>>(),
    );
    let sample: Vec<&[Option<i64>]> = sample.iter().map(Vec::as_slice).collect();
    let options = ProjectionOptions::default();
    let (warnings, projections) = project_sample(
        &e,
        &sample,
        &area(24, None, None, Some(900), Some(2400)),
        &options,
    );
    assert_eq!(
        warnings,
        vec![SampleWarning::RatioUnavailable {
            reason: "the area's registered voters are not known"
        }]
    );
    let a = &projections[0];
    assert_eq!((a.candidate, a.observed, a.official), (0, 240, Some(900)));
    // Mean 20 × 24 = 480; s² = 800/11; SE = 24 √(0.5 · 72.727 / 12) = 41.778; t(11) = 2.2010.
    close(a.per_station_mean.value, 480.0, 1e-9);
    close(a.per_station_mean.standard_error, 41.778, 1e-3);
    let half = t_quantile_975(11) * a.per_station_mean.standard_error;
    close(a.per_station_mean.analytic.lower, 480.0 - half, 1e-9);
    close(a.per_station_mean.analytic.upper, 480.0 + half, 1e-9);
    assert!(
        a.per_station_mean.bootstrap.lower < 480.0 && 480.0 < a.per_station_mean.bootstrap.upper
    );
    close(a.difference().unwrap(), 420.0, 1e-9);
    assert_eq!(a.official_outside(), Some(true));
    // B is 100 everywhere: no spread, the interval is the point, and 2,400 is right on it.
    let b = &projections[1];
    assert_eq!(
        (
            b.per_station_mean.analytic.lower,
            b.per_station_mean.analytic.upper
        ),
        (2400.0, 2400.0)
    );
    assert_eq!(
        (
            b.per_station_mean.bootstrap.lower,
            b.per_station_mean.bootstrap.upper
        ),
        (2400.0, 2400.0)
    );
    assert_eq!(b.official_outside(), Some(false));

    // The same seed gives the same bootstrap; another seed another one.
    let (_, again) = project_sample(
        &e,
        &sample,
        &area(24, None, None, Some(900), Some(2400)),
        &options,
    );
    assert_eq!(
        again[0].per_station_mean.bootstrap,
        a.per_station_mean.bootstrap
    );
    let other_seed = ProjectionOptions {
        seed: 7,
        ..options.clone()
    };
    let (_, other) = project_sample(
        &e,
        &sample,
        &area(24, None, None, Some(900), Some(2400)),
        &other_seed,
    );
    assert_ne!(
        other[0].per_station_mean.bootstrap,
        a.per_station_mean.bootstrap
    );
}

#[test]
fn ratio_estimate_when_registered_voters_are_known() {
    let e = kz_election();
    let values: Vec<(i64, i64, i64, i64)> = (0..10)
        .map(|i| (1000 + 100 * (i % 2), 500, 100 + 10 * (i % 2), 50))
        .collect();
    let sample = rows(&values);
    let sample: Vec<&[Option<i64>]> = sample.iter().map(Vec::as_slice).collect();
    // The area: 20 stations, 21,000 registered voters (the sample's mean of 1,050 per station).
    let (warnings, projections) = project_sample(
        &e,
        &sample,
        &area(20, Some(21_000), Some(10_000), Some(2_100), None),
        &ProjectionOptions::default(),
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let ratio = projections[0].ratio_to_registered.unwrap();
    // Σvotes / Σregistered = 1050 / 10500 = 0.1, times 21,000.
    close(ratio.value, 2_100.0, 1e-9);
    // Votes exactly 10% of registered voters at every station: no residual.
    close(ratio.standard_error, 0.0, 1e-9);
    assert_eq!(projections[1].official, None);
    assert_eq!(projections[1].difference(), None);
}

#[test]
fn warnings_say_when_not_to_project() {
    let e = kz_election();
    let few = rows(&[(1000, 500, 10, 20); 9]);
    let few: Vec<&[Option<i64>]> = few.iter().map(Vec::as_slice).collect();
    let (warnings, projections) = project_sample(
        &e,
        &few,
        &area(100, None, None, None, None),
        &ProjectionOptions::default(),
    );
    assert!(projections.is_empty());
    assert!(warnings.contains(&SampleWarning::TooSmall {
        sampled: 9,
        minimum: 10
    }));
    assert!(warnings[0].prevents_projection());

    let many = rows(&[(1000, 500, 10, 20); 12]);
    let many: Vec<&[Option<i64>]> = many.iter().map(Vec::as_slice).collect();
    let (warnings, projections) = project_sample(
        &e,
        &many,
        &area(11, None, None, None, None),
        &ProjectionOptions::default(),
    );
    assert!(projections.is_empty());
    assert!(warnings.contains(&SampleWarning::LargerThanArea {
        sampled: 12,
        total: 11
    }));

    let mut incomplete = rows(&[(1000, 500, 10, 20); 11]);
    incomplete[0][8] = None;
    let incomplete: Vec<&[Option<i64>]> = incomplete.iter().map(Vec::as_slice).collect();
    let (warnings, projections) = project_sample(
        &e,
        &incomplete,
        &area(50, None, None, None, None),
        &ProjectionOptions::default(),
    );
    assert_eq!(warnings[0], SampleWarning::IncompleteRows { left_out: 1 });
    assert_eq!(projections[0].observed, 100);
}

#[test]
fn samples_unlike_their_area_are_called_so() {
    let e = kz_election();
    // Registered 900 and 1,100 alternating: mean 1,000, s² = 11,111; the area averages 2,000
    // over 100 stations. SE = √(0.9 · 11,111 / 10) = 31.62, z = -1,000 / 31.62 = -31.62.
    let values: Vec<(i64, i64, i64, i64)> = (0..10)
        .map(|i| (900 + 200 * (i % 2), 450 + 100 * (i % 2), 100, 50))
        .collect();
    let sample = rows(&values);
    let sample: Vec<&[Option<i64>]> = sample.iter().map(Vec::as_slice).collect();
    let (warnings, _) = project_sample(
        &e,
        &sample,
        &area(100, Some(200_000), Some(100_000), None, None),
        &ProjectionOptions::default(),
    );
    let SampleWarning::RegisteredDiffers {
        sample_mean,
        area_mean,
        z,
    } = warnings[0]
    else {
        panic!("{warnings:?}")
    };
    assert_eq!((sample_mean, area_mean), (1000.0, 2000.0));
    close(z, -31.623, 1e-3);
    // Turnout: exactly 50% at every observed station, also 50% in the area: no warning.
    assert_eq!(warnings.len(), 1);

    // Same stations, the area's official turnout 80%: the turnout test speaks.
    let (warnings, _) = project_sample(
        &e,
        &sample,
        &area(100, Some(10_000 * 10), Some(80_000), None, None),
        &ProjectionOptions::default(),
    );
    let SampleWarning::TurnoutDiffers { sample, area, z } = warnings[0] else {
        panic!("{warnings:?}")
    };
    close(sample, 0.5, 1e-12);
    close(area, 0.8, 1e-12);
    assert!(
        z.is_infinite() && z < 0.0,
        "no spread in the sample's turnout: {z}"
    );
}
