//! The in-memory search index: any spelling finds the person, best match first.

use kuzet_names::NameIndex;

fn index() -> NameIndex {
    let mut index = NameIndex::new();
    for (id, name) in [
        (1, "Ахметов Ерлан Серикович"),
        (2, "Ахметов Асқар"),
        (3, "Ахметова Динара"),
        (4, "Омаров Ерлан"),
        (5, "Kassymova Zhanar"),
        (6, "Щербаков Фёдор"),
        (7, "Ахмедов Ерлан"),
    ] {
        index.insert(id, name);
    }
    // An alias of record 6.
    index.insert(6, "Fedya Shcherbakov");
    index
}

/// `expected`: ids of the hits scoring at least 0.8, best first.
fn check(query: &str, expected: &[i64]) {
    let hits = index().search(query, 10, 0.8);
    let ids: Vec<i64> = hits.iter().map(|hit| hit.id).collect();
    assert_eq!(ids, expected, "search {query:?}: {hits:?}");
}

#[test]
fn any_spelling_finds_the_person() {
    check("Yerlan Akhmetov", &[1]);
    check("AKHMETOV ERLAN", &[1]);
    check("Ахметов Е.", &[1]);
    check("Жанар Қасымова", &[5]);
    check("Janar Kasimova", &[5]);
    check("Fyodor Scherbakov", &[6]);
    check("Ахметов Асқар", &[2]);
    check("Nobody Unknown", &[]);
}

#[test]
fn ranking_puts_the_closest_name_first() {
    let hits = index().search("Ерлан Ахметов", 10, 0.0);
    let ids: Vec<i64> = hits.iter().map(|hit| hit.id).collect();
    assert_eq!(ids[0], 1, "{hits:?}");
    assert!(
        hits.windows(2).all(|pair| pair[0].score >= pair[1].score),
        "{hits:?}"
    );
    assert!(ids.contains(&7) && ids.contains(&4), "{hits:?}");
}
