//! The search box on every backend: names in any script, typing slips, Latin-typed
//! patronymics and initials, places (cities and police stations, under their other names)
//! and a name with a place; over the cap, the best kind of match is kept and the page says it
//! is capped.

use std::collections::{BTreeSet, HashMap};

use kuzet_register::{Actor, City, Role};
use kuzet_store::{ImportRecord, NewDetention, PersonId, PersonQuery, PersonSort, Store};

use crate::support::{TestStore, detention, person, stores, user};

/// The people of these tests: (key, name, city, police station of their detention).
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("zhanbota", "Алжанова Жанбота Сериковна", "Almaty", ""),
    (
        "zhanbota_astana",
        "Алжанова Жанбота Маратовна",
        "Nur-Sultan",
        "",
    ),
    ("aigerim", "Алжанова Айгерим", "Almaty", ""),
    (
        "nurlan",
        "Ахметов Нурлан Болатович",
        "Shymkent",
        "Al-Farabi district police department",
    ),
    (
        "yerlan",
        "Ахметов Ерлан",
        "Almaty",
        "Bostandyk district police department",
    ),
    ("yerlan_latin", "Yerlan Akhmetov", "Aktobe", ""),
    ("mukhtar", "Сейтқали Мұхтар", "Almaty", ""),
    ("dana", "Dana Tolymova", "Pavlodar", "ОП-5"),
    ("dana6", "Dana Tolymbekova", "Pavlodar", "ОП-6"),
];

async fn people(store: &Store, actor: &Actor) -> HashMap<&'static str, PersonId> {
    let mut ids = HashMap::new();
    for (key, name, city, station) in PEOPLE {
        let mut new = person(name);
        new.person.city = Some(City::parse(city).unwrap());
        let id = store.add_person(actor, &new).await.unwrap();
        if !station.is_empty() {
            store
                .add_detention(
                    actor,
                    id,
                    &NewDetention {
                        event_id: None,
                        detention: detention("09.06.2019 13:00", "", station),
                    },
                )
                .await
                .unwrap();
        }
        ids.insert(*key, id);
    }
    ids
}

/// The search for `text` (ranked, 50 a page): the first `expected.len()` persons are exactly
/// `expected`, in any order (persons equally good may come in either order).
async fn check(
    store: &Store,
    actor: &Actor,
    ids: &HashMap<&str, PersonId>,
    text: &str,
    expected: &[&str],
) {
    let page = store
        .list_persons(
            actor,
            &PersonQuery {
                text: Some(text.into()),
                ..PersonQuery::default()
            },
        )
        .await
        .unwrap();
    let names: HashMap<PersonId, &str> = ids.iter().map(|(key, id)| (*id, *key)).collect();
    let first: BTreeSet<&str> = page
        .items
        .iter()
        .take(expected.len())
        .map(|row| names.get(&row.id).copied().unwrap_or("(other)"))
        .collect();
    let listed: Vec<&str> = page
        .items
        .iter()
        .map(|row| names.get(&row.id).copied().unwrap_or("(other)"))
        .collect();
    assert_eq!(
        first,
        expected.iter().copied().collect::<BTreeSet<_>>(),
        "search {text:?} listed {listed:?}"
    );
    assert!(!page.capped, "{text:?}");
}

#[tokio::test]
async fn the_search_box_finds_names_slips_patronymics_and_places() {
    for test in stores().await {
        let store = &test.store;
        let coordinator = user(store, "coordinator", Role::Coordinator).await;
        let ids = people(store, &coordinator).await;
        let check = |text: &'static str, expected: &'static [&'static str]| {
            check(store, &coordinator, &ids, text, expected)
        };
        // Names across scripts.
        check("Алжанова Жанбота Сериковна", &["zhanbota"]).await;
        check("Akhmetov Nurlan", &["nurlan"]).await;
        // A Latin-typed patronymic, and initials of the given name and the patronymic.
        check("Zhanbota Serikovna Alzhanova", &["zhanbota"]).await;
        check("Alzhanova Zh. S.", &["zhanbota"]).await;
        check("Alzhanova Zh. M.", &["zhanbota_astana"]).await;
        check("Алжанова Ж.", &["zhanbota", "zhanbota_astana"]).await;
        check("Serikovna Alzhanova", &["zhanbota"]).await;
        // One typing slip in a surname or a given name: missing, extra, wrong and swapped
        // letters, in either script.
        check("Ахмтов Нурлан", &["nurlan"]).await;
        check("Ахметоов Нурлан", &["nurlan"]).await;
        check("Ахмедов Нурлан", &["nurlan"]).await;
        check("Ахметов Нурлна", &["nurlan"]).await;
        check("Akhmetvo Nurlan", &["nurlan"]).await;
        check("Alzhanvoa Aigerim", &["aigerim"]).await;
        check("Сейткали Мухтра", &["mukhtar"]).await;
        // Two slips in the folded key of a long word: `ю` folds to `yu`.
        check("Ахметюов Нурлан", &["nurlan"]).await;
        check("Алжанюова Айгерим", &["aigerim"]).await;
        // A place alone, in either script or under its former name; police stations too.
        check("Алматы", &["zhanbota", "aigerim", "yerlan", "mukhtar"]).await;
        check("Alma-Ata", &["zhanbota", "aigerim", "yerlan", "mukhtar"]).await;
        check("Астана", &["zhanbota_astana"]).await;
        check("Шымкент", &["nurlan"]).await;
        check("Al-Farabi district police department", &["nurlan"]).await;
        check("op 5", &["dana"]).await;
        check("ОП-6", &["dana6"]).await;
        // A name with a place: those matching both first.
        check("Алжанова Алматы", &["zhanbota", "aigerim"]).await;
        check("Alzhanova Astana", &["zhanbota_astana"]).await;
        check("Ахметов Ерлан Актобе", &["yerlan_latin"]).await;
        check("Ахметов Ерлан Алматы", &["yerlan"]).await;
        check("Tolymova Pavlodar", &["dana"]).await;
        // Nothing close: nothing found.
        check("Qwertyuiop", &[]).await;
        let nothing = store
            .list_persons(
                &coordinator,
                &PersonQuery {
                    text: Some("Qwertyuiop".into()),
                    ..PersonQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(nothing.total, 0, "{}", test.backend);
    }
}

/// Over the cap, exact matches are kept before prefix matches, persons of a typed place before
/// others, and the page says it is capped; an explicit sort other than relevance keeps its
/// order.
#[tokio::test]
async fn over_the_cap_the_best_are_kept_and_the_page_says_so() {
    for test in stores().await {
        let store = &test.store;
        let coordinator = user(store, "coordinator", Role::Coordinator).await;
        // 2,100 persons whose surname only starts with the one typed, imported first so that
        // the index would return them first.
        let records: Vec<ImportRecord> = (0..2_100)
            .map(|_| ImportRecord::new(person("Ахметовабек Ерлан")))
            .collect();
        store
            .import_records(&coordinator, &records, |_| {})
            .await
            .unwrap();
        let exact = store
            .add_person(&coordinator, &person("Ахметова Айгуль"))
            .await
            .unwrap();
        let mut in_almaty = person("Ахметовабек Ерлан");
        in_almaty.person.city = Some(City::parse("Almaty").unwrap());
        let in_almaty = store.add_person(&coordinator, &in_almaty).await.unwrap();
        let coordinator = &coordinator;
        let search = |text: &'static str, sort: PersonSort| async move {
            let query = PersonQuery {
                text: Some(text.into()),
                sort,
                ..PersonQuery::default()
            };
            store.list_persons(coordinator, &query).await
        };
        let page = search("Ахметова", PersonSort::Relevance).await.unwrap();
        assert_eq!(page.items[0].id, exact, "{}", test.backend);
        assert!(page.capped, "{}", test.backend);
        assert_eq!(page.total, 2_000, "{}", test.backend);
        let page = search("Ахметовабек Алматы", PersonSort::Relevance)
            .await
            .unwrap();
        assert_eq!(page.items[0].id, in_almaty, "{}", test.backend);
        assert!(page.capped, "{}", test.backend);
        // Under the cap, not capped.
        let page = search("Ахметова Айгуль", PersonSort::Relevance)
            .await
            .unwrap();
        assert_eq!(page.items[0].id, exact, "{}", test.backend);
        assert!(!page.capped, "{}", test.backend);
        // Newest first with text filters without ranking: the newest person comes first.
        let page = search("Ахметов", PersonSort::DetainedDesc).await.unwrap();
        assert!(!page.capped, "{}", test.backend);
        assert_eq!(page.total, 2_102, "{}", test.backend);
        assert_eq!(page.items[0].id, in_almaty, "{}", test.backend);
    }
}

/// The ids the search for `text` finds (ranked, first page).
async fn found(store: &Store, actor: &Actor, text: &str) -> Vec<PersonId> {
    let query = PersonQuery {
        text: Some(text.into()),
        ..PersonQuery::default()
    };
    let page = store.list_persons(actor, &query).await.unwrap();
    page.items.iter().map(|row| row.id).collect()
}

/// The search vocabulary (`search_words`: word and number of persons), read directly from a
/// file or PostgreSQL database; `None` in memory.
async fn vocabulary(test: &TestStore) -> Option<Vec<(String, i64)>> {
    use sqlx::Connection;
    let sql = "SELECT word, persons FROM search_words ORDER BY word";
    let rows = if test.file.is_some() {
        let mut raw = test.raw().await;
        sqlx::query_as(sql).fetch_all(&mut raw).await
    } else {
        let mut raw = sqlx::PgConnection::connect(&test.reopen_url()?)
            .await
            .unwrap();
        sqlx::query_as(sql).fetch_all(&mut raw).await
    };
    Some(rows.unwrap())
}

fn words(pairs: &[(&str, i64)]) -> Option<Vec<(String, i64)>> {
    Some(
        pairs
            .iter()
            .map(|(word, n)| (word.to_string(), *n))
            .collect(),
    )
}

/// A typing slip finds a name only while some person has it: the vocabulary the slip tier
/// reads follows additions, renames and deletions (a word shared by two persons stays while
/// one of them has it), the same on every backend.
#[tokio::test]
async fn a_slip_finds_a_name_while_someone_has_it() {
    for test in stores().await {
        let store = &test.store;
        let backend = test.backend;
        let admin = user(store, "admin", Role::Admin).await;
        let first = store
            .add_person(&admin, &person("Тестбеков Марат"))
            .await
            .unwrap();
        let second = store
            .add_person(&admin, &person("Тестбеков Ерик"))
            .await
            .unwrap();
        let expected = words(&[("erik", 1), ("marat", 1), ("testbekov", 2)]);
        if let Some(found) = vocabulary(&test).await {
            assert_eq!(Some(found), expected, "{backend}");
        }
        let expect = |checks: Vec<(&'static str, Vec<PersonId>)>| async {
            for (text, ids) in checks {
                assert_eq!(found(store, &admin, text).await, ids, "{backend}: {text}");
            }
        };
        // A wrong letter in the surname, a missing one in the other name.
        expect(vec![
            ("Тестбеклв Марат", vec![first]),
            ("Testbekv Marat", vec![first]),
        ])
        .await;
        // Renamed: the old surname is still the other person's, the new one is found.
        store
            .update_person(&admin, first, 1, &person("Пробаев Марат"))
            .await
            .unwrap();
        expect(vec![
            ("Тестбеклв Ерик", vec![second]),
            ("Пробаевв Марат", vec![first]),
            ("Тестбеклв Марат", vec![]),
        ])
        .await;
        // Deleted: the other person's names are one slip from no one now.
        store.delete_person(&admin, second, 1).await.unwrap();
        expect(vec![
            ("Тестбеклв Ерик", vec![]),
            ("Пробаеу Марат", vec![first]),
        ])
        .await;
        if let Some(found) = vocabulary(&test).await {
            assert_eq!(
                Some(found),
                words(&[("marat", 1), ("probaev", 1)]),
                "{backend}"
            );
        }
    }
}
