//! Similarity: same person across spellings, different people however alike their names.

use kuzet_names::{NAME_MATCH_THRESHOLD, jaro_winkler, similarity};

fn check(a: &str, b: &str, expected: &str) {
    let score = similarity(a, b);
    let verdict = if score >= NAME_MATCH_THRESHOLD {
        "same"
    } else {
        "different"
    };
    assert_eq!(verdict, expected, "{a:?} ~ {b:?} scored {score:.3}");
    assert_eq!(
        score.to_bits(),
        similarity(b, a).to_bits(),
        "similarity is symmetric for {a:?} and {b:?}"
    );
    assert!((0.0..=1.0).contains(&score));
}

#[test]
fn one_person_across_scripts_orders_and_patronymics() {
    check("Жанар Қасымова", "Zhanar Kassymova", "same");
    check("Жанар Қасымова", "KASYMOVA ZHANAR", "same");
    check("Жанар Қасымова", "Janar Kasimova", "same");
    check("Ерлан Серікұлы Ахметов", "Yerlan Akhmetov", "same");
    check("Ахметов Ерлан Серикович", "Ерлан Серікұлы Ахметов", "same");
    check("Ахметов Е. С.", "Yerlan Serikovich Akhmetov", "same");
    check("Ахметов Е.", "Yerlan Akhmetov", "same");
    check("Чернышёва Ксения", "Xenia Chernysheva", "same");
    // A typing slip in a long surname.
    check("Құдайбергенов Ерлан", "Yerlan Kudaibergnov", "same");
}

#[test]
fn relatives_and_namesakes_are_different_people() {
    check("Ерлан Ахметов", "Асқар Ахметов", "different");
    check("Ерлан Ахметов", "Ерлан Омаров", "different");
    check("Ахметов Ерлан", "Ахметова Динара", "different");
    check("Евгений Ахметов", "Евгения Ахметова", "different");
    check("Александр Иванов", "Alexandra Ivanova", "different");
    check("Нұрлан Ахметов", "Nurzhan Akhmetov", "different");
    check(
        "Ахметов Ерлан Серикович",
        "Ахметов Асқар Серикович",
        "different",
    );
    check(
        "Ахметов Ерлан Серикович",
        "Ахметов Ерлан Болатович",
        "different",
    );
    check("Ахметов Ерлан Б.", "Ахметов Ерлан Серикович", "different");
    check("Ахметов А.", "Ерлан Ахметов", "different");
    check("Ахметов", "Ерлан Ахметов", "different");
    check("Ахметов Ерлан", "Ахмедов Ерлан", "different");
}

#[test]
fn edge_cases() {
    assert_eq!(similarity("", "Ерлан Ахметов"), 0.0);
    assert_eq!(similarity("Ерлан Ахметов", "Ерлан Ахметов"), 1.0);
    assert_eq!(similarity("Ерлан Ахметов", "Ахметов Ерлан"), 1.0);
    // One word matching says less than two.
    assert!(similarity("Ерлан", "Ерлан") < 1.0);
}

#[test]
fn jaro_winkler_matches_published_examples() {
    let check_jw = |a: &str, b: &str, expected: f64| {
        let value = jaro_winkler(a.as_bytes(), b.as_bytes());
        assert!(
            (value - expected).abs() < 0.0005,
            "{a} {b}: {value:.4}, expected {expected}"
        );
    };
    // Winkler (1990) and the usual textbook examples.
    check_jw("martha", "marhta", 0.9611);
    check_jw("dwayne", "duane", 0.8400);
    check_jw("dixon", "dicksonx", 0.8133);
    check_jw("abc", "xyz", 0.0);
    check_jw("same", "same", 1.0);
}
