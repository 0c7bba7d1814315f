//! Observer versus official, station by station and per area.

use crate::{add_set, kz_election, kz_row, station};
use kuzet_protocol::compare::{LineDifference, compare_counts, compare_sources};

/// Compares two rows and checks the differing columns as (column, other, official).
fn check(
    other: &[Option<i64>],
    official: &[Option<i64>],
    compared: usize,
    expected: &[(usize, i64, i64)],
) {
    let (lines, differences) = compare_counts(other, official);
    assert_eq!(lines, compared);
    let expected: Vec<LineDifference> = expected
        .iter()
        .map(|&(column, other, official)| LineDifference {
            column,
            other,
            official,
        })
        .collect();
    assert_eq!(differences, expected);
}

#[test]
fn line_by_line_differences() {
    check(&[Some(1), Some(2)], &[Some(1), Some(2)], 2, &[]);
    check(&[Some(1), Some(2)], &[Some(1), Some(5)], 2, &[(1, 2, 5)]);
    check(&[None, Some(9)], &[Some(1), None], 0, &[]);
    check(
        &[Some(7), Some(0), Some(3)],
        &[Some(4), Some(0), Some(3)],
        3,
        &[(0, 7, 4)],
    );
    assert_eq!(
        LineDifference {
            column: 0,
            other: 300,
            official: 450
        }
        .difference(),
        -150
    );
}

#[test]
fn sources_are_matched_by_area_and_station() {
    let mut e = kz_election();
    let official = vec![
        station(
            &mut e,
            &["North", "D1"],
            "1",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 200, 390]),
        ),
        station(
            &mut e,
            &["North", "D1"],
            "2",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        ),
        station(
            &mut e,
            &["South", "D2"],
            "3",
            &kz_row([900, 900, 500, 400, 500, 10, 490, 250, 240]),
        ),
    ];
    add_set(&mut e, "official", official);
    let observer = vec![
        // Station 1: officially 100 votes moved from A to B.
        station(
            &mut e,
            &["North", "D1"],
            " 1 ",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        ),
        station(
            &mut e,
            &["North", "D1"],
            "2",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        ),
        station(
            &mut e,
            &["South", "D2"],
            "3",
            &kz_row([900, 900, 450, 450, 450, 10, 440, 250, 190]),
        ),
        station(
            &mut e,
            &["South", "D2"],
            "99",
            &kz_row([1, 1, 1, 0, 1, 0, 1, 1, 0]),
        ),
    ];
    let observer_set = add_set(&mut e, "observer", observer);
    let comparisons = compare_sources(&e, None);
    assert_eq!(comparisons.len(), 1);
    let c = &comparisons[0];
    assert_eq!(
        (c.source.as_str(), c.other_sets.as_slice()),
        ("observer", [observer_set].as_slice())
    );
    assert_eq!(c.unmatched, vec![(observer_set, 3)]);
    assert_eq!(c.stations.len(), 3);
    assert_eq!(c.stations[0].lines_compared, 9);
    let a = e.candidate_column(0);
    let b = e.candidate_column(1);
    assert_eq!(
        c.stations[0].differences,
        vec![
            LineDifference {
                column: a,
                other: 300,
                official: 200
            },
            LineDifference {
                column: b,
                other: 290,
                official: 390
            }
        ]
    );
    assert!(c.stations[1].differences.is_empty());
    assert_eq!(
        (c.total.stations_compared, c.total.stations_differing),
        (3, 2)
    );
    // Net over the country: A +100; B -100 at station 1 and -50 at station 3.
    assert_eq!(c.total.net[a], 100);
    assert_eq!(c.total.net[b], -150);
    assert_eq!(
        (c.total.other_larger[a], c.total.official_larger[b]),
        (1, 2)
    );
    assert_eq!(c.by_region.len(), 2);
    assert_eq!(e.areas.name(c.by_region[1].area), "South");
    assert_eq!(c.by_region[1].net[b], -50);
    assert_eq!(c.by_region[1].net[e.line_column("issued").unwrap()], -50);
}

#[test]
fn without_official_stations_there_is_nothing_to_compare() {
    let mut e = kz_election();
    let rows = vec![station(
        &mut e,
        &["North"],
        "1",
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
    )];
    add_set(&mut e, "observer", rows);
    assert!(compare_sources(&e, None).is_empty());
}

#[test]
fn one_source_in_several_files_is_compared_as_one() {
    let mut e = kz_election();
    let official = vec![
        station(
            &mut e,
            &["North"],
            "1",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        ),
        station(
            &mut e,
            &["North"],
            "2",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        ),
    ];
    add_set(&mut e, "official", official);
    let first = vec![station(
        &mut e,
        &["North"],
        "1",
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 310, 280]),
    )];
    let first = add_set(&mut e, "observer", first);
    let second = vec![station(
        &mut e,
        &["North"],
        "2",
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 320, 270]),
    )];
    let second = add_set(&mut e, "observer", second);
    let comparisons = compare_sources(&e, None);
    assert_eq!(comparisons.len(), 1);
    assert_eq!(comparisons[0].other_sets, vec![first, second]);
    assert_eq!(comparisons[0].total.stations_differing, 2);
    assert_eq!(comparisons[0].total.net[e.candidate_column(0)], 10 + 20);
    assert_eq!(
        (
            comparisons[0].stations[1].other_set,
            comparisons[0].stations[1].other_row
        ),
        (second, 0)
    );
}
