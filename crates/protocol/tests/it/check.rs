//! Every control relation of the Kazakh and Russian protocols on hand-computed rows, and the
//! sums per area.

use crate::{add_set, kz_election, kz_row, station};
use kuzet_protocol::check::{RelationTally, Rule, check_arithmetic, check_row, totals_by_depth};
use kuzet_protocol::{Election, ProtocolDefinition};

/// Checks one row and compares the broken rules with `expected`: (relation name or
/// "negative <column key>", left side, right side).
fn check(election: &Election, counts: &[Option<i64>], expected: &[(&str, i64, i64)]) {
    let protocol = &election.protocol;
    let mut tallies = vec![RelationTally::default(); protocol.relations.len()];
    let mut found = Vec::new();
    check_row(
        protocol,
        election.candidate_columns(),
        counts,
        &mut tallies,
        |rule, left, right| {
            let name = match rule {
                Rule::Relation(r) => protocol.relations[r].name.clone(),
                Rule::NonNegative(column) => format!("negative {}", election.column_key(column)),
            };
            found.push((name, left, right));
        },
    );
    let expected: Vec<(String, i64, i64)> = expected
        .iter()
        .map(|(n, l, r)| (n.to_string(), *l, *r))
        .collect();
    assert_eq!(found, expected, "row {counts:?}");
}

#[test]
fn kazakh_control_relations() {
    let e = kz_election();
    //          registered received issued cancelled cast invalid valid  A    B
    check(
        &e,
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        &[],
    );
    check(
        &e,
        &kz_row([1000, 1000, 600, 390, 600, 10, 590, 300, 290]),
        &[("ballots received = issued + cancelled", 1000, 990)],
    );
    check(
        &e,
        &kz_row([1000, 1000, 600, 400, 600, 10, 580, 300, 280]),
        &[("ballots in boxes = valid + invalid", 600, 590)],
    );
    check(
        &e,
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 280]),
        &[("valid ballots = sum of candidates", 590, 580)],
    );
    check(
        &e,
        &kz_row([500, 1000, 600, 400, 600, 10, 590, 300, 290]),
        &[
            ("ballots issued <= registered voters", 600, 500),
            ("turnout <= 100%", 600, 500),
        ],
    );
    // Ballots in the boxes beyond those issued: stuffing, the case the OSCE reported.
    check(
        &e,
        &kz_row([1000, 1000, 590, 410, 600, 10, 590, 300, 290]),
        &[("ballots in boxes <= ballots issued", 600, 590)],
    );
    // Turnout above 100% without more ballots issued than voters: only the turnout relation.
    check(
        &e,
        &kz_row([550, 1000, 540, 460, 560, 10, 550, 300, 250]),
        &[
            ("turnout <= 100%", 560, 550),
            ("ballots in boxes <= ballots issued", 560, 540),
        ],
    );
}

#[test]
fn negative_numbers_are_violations() {
    let e = kz_election();
    check(
        &e,
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 595, -5]),
        &[("negative B", -5, 0)],
    );
}

#[test]
fn relations_with_missing_lines_are_not_applicable() {
    let e = kz_election();
    let mut row = kz_row([1000, 1000, 600, 390, 600, 10, 590, 300, 290]);
    row[1] = None; // received: the ballot balance cannot be checked
    check(&e, &row, &[]);
    let protocol = &e.protocol;
    let mut tallies = vec![RelationTally::default(); protocol.relations.len()];
    let row = vec![
        None,
        None,
        None,
        None,
        None,
        None,
        Some(590),
        Some(300),
        Some(290),
    ];
    check_row(
        protocol,
        e.candidate_columns(),
        &row,
        &mut tallies,
        |_, _, _| panic!("nothing can be broken"),
    );
    let checked: Vec<usize> = tallies.iter().map(|t| t.checked).collect();
    assert_eq!(checked, [0, 0, 1, 0, 0, 0]);
    assert_eq!(tallies.iter().map(|t| t.not_applicable).sum::<usize>(), 5);
}

#[test]
fn russian_control_relations() {
    let protocol = ProtocolDefinition::russian_cec();
    let mut e = Election::new("ru", protocol, "Russia");
    e.add_candidate("A");
    e.add_candidate("B");
    let mut row = vec![None; e.width()];
    let mut set = |key: &str, value: i64| row[e.line_column(key).unwrap()] = Some(value);
    set("registered", 2000);
    set("received", 1800);
    set("issued_early", 10);
    set("issued_in_station", 1000);
    set("issued_outside", 90);
    set("cancelled", 698);
    set("lost", 2);
    set("unaccounted", 0);
    set("mobile_boxes", 90);
    set("stationary_boxes", 1010);
    set("invalid", 20);
    set("valid", 1080);
    let row_with = |a: i64, b: i64| {
        let mut r = row.clone();
        r[e.candidate_column(0)] = Some(a);
        r[e.candidate_column(1)] = Some(b);
        r
    };
    check(&e, &row_with(700, 380), &[]);
    check(
        &e,
        &row_with(700, 381),
        &[("valid ballots = sum of candidates", 1080, 1081)],
    );
    // One ballot found on receipt that was not on the list: received + unaccounted must match.
    let mut unbalanced = row_with(700, 380);
    unbalanced[e.line_column("unaccounted").unwrap()] = Some(1);
    check(
        &e,
        &unbalanced,
        &[(
            "ballots received = issued + cancelled + lost - unaccounted",
            1801,
            1800,
        )],
    );
    let mut crowded = row_with(700, 380);
    crowded[e.line_column("registered").unwrap()] = Some(1050);
    check(
        &e,
        &crowded,
        &[
            ("ballots issued <= registered voters", 1100, 1050),
            ("turnout <= 100%", 1100, 1050),
        ],
    );
}

#[test]
fn check_arithmetic_names_the_row_and_tallies_everything() {
    let mut e = kz_election();
    let good = station(
        &mut e,
        &["North"],
        "1",
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
    );
    let bad = station(
        &mut e,
        &["South"],
        "2",
        &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 280]),
    );
    add_set(&mut e, "official", vec![good, bad]);
    let result = check_arithmetic(&e, None);
    assert_eq!(result.rows_checked, 2);
    assert_eq!(result.violations.len(), 1);
    let v = &result.violations[0];
    assert_eq!(
        (v.row, v.left, v.right),
        (kuzet_protocol::check::Row::Station(1), 590, 580)
    );
    assert_eq!(
        result.tallies[2],
        RelationTally {
            checked: 2,
            violated: 1,
            not_applicable: 0
        }
    );
    // Limited to the North, the broken southern station is not checked.
    let north = e.areas.find_child(e.areas.root(), "North").unwrap();
    assert!(check_arithmetic(&e, Some(north)).violations.is_empty());
}

#[test]
fn totals_per_region_sum_what_is_given() {
    let mut e = kz_election();
    let mut partial = kz_row([100, 100, 50, 50, 50, 0, 50, 30, 20]);
    partial[0] = None;
    let rows = vec![
        station(
            &mut e,
            &["North", "District 1"],
            "1",
            &kz_row([1000, 1000, 600, 400, 600, 10, 590, 300, 290]),
        ),
        station(&mut e, &["North", "District 2"], "2", &partial),
        station(
            &mut e,
            &["South", "District 3"],
            "3",
            &kz_row([10, 10, 5, 5, 5, 0, 5, 3, 2]),
        ),
    ];
    let set = add_set(&mut e, "official", rows);
    let totals = totals_by_depth(&e, &e.results()[set], 1, None);
    assert_eq!(totals.len(), 2);
    assert_eq!(e.areas.name(totals[0].area), "North");
    assert_eq!(totals[0].stations, 2);
    assert_eq!(totals[0].sums[0], 1000);
    assert_eq!(totals[0].reported[0], 1);
    assert_eq!(totals[0].complete_sum(0), None);
    assert_eq!(totals[0].complete_sum(7), Some(330));
    assert_eq!(totals[1].complete_sum(8), Some(2));
}
