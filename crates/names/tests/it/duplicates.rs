//! Duplicate candidates: blocking finds the pairs, evidence moves the score.

use kuzet_names::{Birth, Evidence, Options, PersonForMatching, find_candidates, fold, synthetic};

fn person(
    id: i64,
    name: &str,
    birth: Option<Birth>,
    city: &str,
    events: &[i64],
    station: &str,
) -> PersonForMatching {
    PersonForMatching {
        id,
        names: name.split('|').map(str::to_owned).collect(),
        birth,
        city: Some(city.to_owned()).filter(|city| !city.is_empty()),
        events: events.to_vec(),
        police_stations: vec![station.to_owned()]
            .into_iter()
            .filter(|station| !station.is_empty())
            .collect(),
    }
}

fn date(year: i32, month: u8, day: u8) -> Option<Birth> {
    Some(Birth::Date { year, month, day })
}

/// Renders candidates as `a-b score: evidence; evidence` lines.
fn check(persons: &[PersonForMatching], expected: &str) {
    let options = Options {
        threads: 1,
        ..Options::default()
    };
    let rendered: Vec<String> = find_candidates(persons, &options)
        .iter()
        .map(|candidate| {
            let evidence: Vec<String> =
                candidate.evidence.iter().map(ToString::to_string).collect();
            format!(
                "{}-{} {:.2}: {}",
                candidate.a,
                candidate.b,
                candidate.score,
                evidence.join("; ")
            )
        })
        .collect();
    assert_eq!(rendered.join("\n"), expected);
}

#[test]
fn same_person_in_two_scripts_is_a_candidate_with_evidence() {
    check(
        &[
            person(
                1,
                "Жанар Қасымова",
                date(1990, 6, 9),
                "Алматы",
                &[1],
                "Алматы ОП-3",
            ),
            person(
                2,
                "KASYMOVA ZHANAR",
                date(1990, 6, 9),
                "Almaty",
                &[1],
                "Almaty OP-3",
            ),
            person(
                3,
                "Асқар Қасымов",
                date(1990, 6, 9),
                "Алматы",
                &[1],
                "Алматы ОП-3",
            ),
        ],
        "1-2 1.00: names 1.00: Жанар Қасымова ~ KASYMOVA ZHANAR; same birth date; same city; 1 shared event(s); shared police station",
    );
}

#[test]
fn birth_years_separate_namesakes() {
    check(
        &[
            person(1, "Ерлан Ахметов", Some(Birth::Year(1985)), "", &[], ""),
            person(2, "Yerlan Akhmetov", Some(Birth::Year(1962)), "", &[], ""),
            person(3, "Akhmetov Ye.", Some(Birth::Year(1985)), "", &[], ""),
            person(4, "Ахметов Ерлан", date(1985, 3, 1), "", &[], ""),
        ],
        "1-3 1.00: names 0.95: Ерлан Ахметов ~ Akhmetov Ye.; same birth year\n\
         1-4 1.00: names 1.00: Ерлан Ахметов ~ Ахметов Ерлан; same birth year\n\
         3-4 1.00: names 0.95: Akhmetov Ye. ~ Ахметов Ерлан; same birth year",
    );
}

#[test]
fn aliases_and_unknown_birth() {
    check(
        &[
            person(10, "Фёдор Щербаков|Fedya", None, "Алматы", &[], ""),
            person(11, "Fyodor Shcherbakov", None, "Almaty", &[], ""),
            person(12, "Fedor Sherbakov", None, "Shymkent", &[], ""),
        ],
        "10-11 1.00: names 1.00: Фёдор Щербаков ~ Fyodor Shcherbakov; same city\n\
         10-12 0.95: names 1.00: Фёдор Щербаков ~ Fedor Sherbakov; different cities\n\
         11-12 0.95: names 1.00: Fyodor Shcherbakov ~ Fedor Sherbakov; different cities",
    );
}

#[test]
fn different_dates_in_one_year_lower_the_score_below_the_threshold() {
    check(
        &[
            person(1, "Ерлан Ахметов", date(1985, 1, 2), "", &[], ""),
            person(2, "Yerlan Akhmetov", date(1985, 7, 30), "", &[], ""),
        ],
        "",
    );
}

#[test]
fn synthetic_duplicates_are_found_and_threads_do_not_change_results() {
    let records = synthetic::persons_with_originals(3_000, 0.1, 11);
    let persons: Vec<PersonForMatching> =
        records.iter().map(|(person, _)| person.clone()).collect();
    let one = find_candidates(
        &persons,
        &Options {
            threads: 1,
            ..Options::default()
        },
    );
    let two = find_candidates(
        &persons,
        &Options {
            threads: 2,
            ..Options::default()
        },
    );
    assert_eq!(one, two);
    let quality = kuzet_names::synthetic::match_quality(&records, &one);
    assert!(quality.true_pairs >= 250, "{quality:?}");
    assert!(quality.recall() >= 0.95, "{quality:?}");
    // The generator draws from a few thousand name combinations, so it makes many namesakes.
    // A pair of different people may be reported only when it is such a namesake: the same
    // folded name and nothing in the birth data against it.
    let root: std::collections::HashMap<i64, i64> = records
        .iter()
        .map(|(person, root)| (person.id, *root))
        .collect();
    for candidate in one
        .iter()
        .filter(|candidate| root[&candidate.a] != root[&candidate.b])
    {
        let Some(Evidence::Names { a, b, .. }) = candidate.evidence.first() else {
            panic!("{candidate:?}")
        };
        assert_eq!(fold(a).key(), fold(b).key(), "{candidate:?}");
        assert!(
            !candidate.evidence.iter().any(
                |evidence| matches!(evidence, Evidence::BirthYearsDiffer { by } if *by > 1)
                    || *evidence == Evidence::DifferentBirthDates
            ),
            "{candidate:?}"
        );
    }
}

#[test]
fn oversized_blocks_are_split_by_birth_year_without_losing_same_year_pairs() {
    let mut persons = Vec::new();
    for id in 0..30 {
        persons.push(person(
            id,
            "Ерлан Ахметов",
            Some(Birth::Year(1960 + id as i32)),
            "",
            &[],
            "",
        ));
    }
    persons.push(person(
        100,
        "Yerlan Akhmetov",
        Some(Birth::Year(1970)),
        "",
        &[],
        "",
    ));
    let small_blocks = Options {
        threads: 1,
        max_block_size: 5,
        ..Options::default()
    };
    let found = find_candidates(&persons, &small_blocks);
    let ids: Vec<(i64, i64)> = found
        .iter()
        .map(|candidate| (candidate.a, candidate.b))
        .collect();
    assert_eq!(ids, vec![(10, 100)]);
}

#[test]
fn a_common_name_alone_is_not_enough_but_a_shared_event_is() {
    let mut persons: Vec<PersonForMatching> = (1..=7)
        .map(|id| person(id, "Ерлан Ахметов", None, &format!("Город {id}"), &[id], ""))
        .collect();
    persons.push(person(8, "Yerlan Akhmetov", None, "Город 9", &[3], ""));
    check(
        &persons,
        "3-8 1.00: names 1.00: Ерлан Ахметов ~ Yerlan Akhmetov; different cities; 1 shared event(s)",
    );
    let options = Options {
        threads: 1,
        threshold: 0.0,
        ..Options::default()
    };
    let all = find_candidates(&persons, &options);
    let one_two = all
        .iter()
        .find(|candidate| (candidate.a, candidate.b) == (1, 2))
        .expect("scored below the threshold");
    assert_eq!(
        one_two.evidence[1..],
        [
            Evidence::DifferentCities,
            Evidence::CommonName { records: 8 }
        ]
    );
    assert!((one_two.score - 0.70).abs() < 1e-9, "{one_two:?}");
}

#[test]
fn pairs_decided_as_different_people_are_not_proposed_again() {
    let persons = [
        person(1, "Ерлан Ахметов", Some(Birth::Year(1985)), "", &[], ""),
        person(2, "Yerlan Akhmetov", Some(Birth::Year(1985)), "", &[], ""),
        person(3, "AKHMETOV ERLAN", Some(Birth::Year(1985)), "", &[], ""),
    ];
    let options = Options {
        threads: 1,
        ..Options::default()
    };
    let pairs = |known: &[(i64, i64)]| -> Vec<(i64, i64)> {
        kuzet_names::find_candidates_except(&persons, &options, &known.iter().copied().collect())
            .iter()
            .map(|candidate| (candidate.a, candidate.b))
            .collect()
    };
    assert_eq!(pairs(&[]), [(1, 2), (1, 3), (2, 3)]);
    assert_eq!(pairs(&[(1, 3)]), [(1, 2), (2, 3)]);
}
