//! The whole verification on a small election: which areas are projected, from which
//! stations, and how `scope` narrows it.

use crate::{add_set, kz_election, kz_row, station};
use kuzet_protocol::{Election, VerifyOptions, verify};

/// Region "R" with districts D1 and D2 of 20 official stations each, and an observer sample of
/// 12 stations of D1 (the same numbers, A and B as officially).
fn election() -> Election {
    let mut e = kz_election();
    let mut official = Vec::new();
    for (district, offset) in [("D1", 0), ("D2", 100)] {
        for i in 0..20 {
            let a = 300 + i;
            official.push(station(
                &mut e,
                &["R", district],
                &(offset + i).to_string(),
                &kz_row([1000, 1000, 600, 400, 600, 10, 590, a, 590 - a]),
            ));
        }
    }
    add_set(&mut e, "official", official);
    let sample: Vec<_> = (0..12)
        .map(|i| {
            let a = 300 + i;
            station(
                &mut e,
                &["R", "D1"],
                &i.to_string(),
                &kz_row([1000, 1000, 600, 400, 600, 10, 590, a, 590 - a]),
            )
        })
        .collect();
    add_set(&mut e, "observer", sample);
    e
}

/// Checks the projections as (area path, sampled, stations in the area).
fn check(e: &Election, scope: Option<&[&str]>, expected: &[(&str, usize, usize)]) {
    let scope = scope.map(|path| {
        let mut id = e.areas.root();
        for name in path {
            id = e.areas.find_child(id, name).unwrap();
        }
        id
    });
    let verification = verify(
        e,
        &VerifyOptions {
            scope,
            ..VerifyOptions::default()
        },
    );
    let found: Vec<(String, usize, usize)> = verification
        .projections
        .iter()
        .map(|p| (e.areas.display(p.area), p.sampled, p.total_stations))
        .collect();
    let expected: Vec<(String, usize, usize)> = expected
        .iter()
        .map(|(a, s, t)| (a.to_string(), *s, *t))
        .collect();
    assert_eq!(found, expected, "scope {scope:?}");
}

#[test]
fn projections_follow_the_scope() {
    let e = election();
    check(&e, None, &[("R", 12, 40)]);
    check(&e, Some(&["R"]), &[("R", 12, 40)]);
    check(&e, Some(&["R", "D1"]), &[("R / D1", 12, 20)]);
    check(&e, Some(&["R", "D2"]), &[]);
}

#[test]
fn one_verification_runs_every_check() {
    let e = election();
    let v = verify(&e, &VerifyOptions::default());
    assert_eq!(v.arithmetic.rows_checked, 52);
    assert!(v.arithmetic.violations.is_empty());
    assert_eq!(v.summaries.len(), 2);
    assert_eq!(v.summaries[0].total.stations, 40);
    assert_eq!(v.summaries[0].regions.len(), 1);
    assert_eq!(v.comparisons[0].total.stations_compared, 12);
    assert_eq!(v.comparisons[0].total.stations_differing, 0);
    // The sample's projection of A: mean 305.5 over 12 stations, times 40; officially 6,390 (300..=319 twice).
    let a = &v.projections[0].candidates[0];
    assert_eq!(a.observed, (300..312).sum::<i64>());
    assert!((a.per_station_mean.value - 305.5 * 40.0).abs() < 1e-9);
    assert_eq!(a.official, Some(2 * (300..320).sum::<i64>()));
    // Outliers: the observers' stations in the projected area, the official ones per region.
    let groups: Vec<(&str, usize)> = v
        .outliers
        .iter()
        .map(|o| (o.source.as_str(), o.rows.len()))
        .collect();
    assert_eq!(groups, [("official", 40), ("observer", 12)]);
}
