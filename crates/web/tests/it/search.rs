//! The search box of the register list: the "relevance" sort offered (and the default) only
//! with search text, in English and Russian; places in the box; and the list and the API
//! saying when more persons matched than were ranked.

use kuzet_register::{Actor, Person, PersonName};
use kuzet_store::{ImportRecord, NewPerson};

use crate::TestApp;

/// The options of the sort select, in order, as `(value, label)`.
fn sort_options(page: &str) -> Vec<(String, String)> {
    let start = page.find("<select id=\"f-sort\"").expect("the sort select");
    let select = &page[start..start + page[start..].find("</select>").expect("its end")];
    select
        .split("<option value=\"")
        .skip(1)
        .map(|option| {
            let value = option[..option.find('"').unwrap()].to_owned();
            let label = option[option.find('>').unwrap() + 1..option.find("</option>").unwrap()].to_owned();
            (value, label)
        })
        .collect()
}

#[tokio::test]
async fn relevance_is_offered_first_with_search_text_only() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("analyst").await;
    let with_text = sort_options(&app.get("/persons?q=Testova").await.body);
    assert_eq!(with_text[0], ("relevance".to_owned(), "relevance (best match first)".to_owned()));
    assert_eq!(with_text[1], ("detained_desc".to_owned(), "newest detention first".to_owned()));
    let without = sort_options(&app.get("/persons").await.body);
    assert_eq!(without.len(), with_text.len() - 1);
    assert!(without.iter().all(|(value, _)| value != "relevance"), "{without:?}");
    let russian = sort_options(&app.get("/persons?q=Testova&lang=ru").await.body);
    assert_eq!(russian[0], ("relevance".to_owned(), "релевантности (лучшие совпадения первыми)".to_owned()));
    // A chosen sort stays selected.
    let chosen = app.get("/persons?q=Testova&sort=name_asc&lang=en").await.body;
    assert!(chosen.contains("<option value=\"name_asc\" selected>"), "{chosen}");
}

#[tokio::test]
async fn a_place_in_the_box_finds_its_persons() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("analyst").await;
    // The fixture's cities are written in Latin letters; typed in Cyrillic they still match.
    let almaty = app.get("/persons?q=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B").await.body;
    assert!(almaty.contains("Aigerim Testova") && !almaty.contains("Bolat Sampleuly"), "{almaty}");
    let both = app.get("/persons?q=Testova+Nur-Sultan").await.body;
    let (aigerim, bolat) = (both.find("Aigerim Testova"), both.find("Bolat Sampleuly"));
    assert!(aigerim.is_some() && bolat.is_none(), "{both}");
}

#[tokio::test]
async fn more_matches_than_ranked_are_said_to_be_capped() {
    let (mut app, _) = TestApp::with_fixture().await;
    let records: Vec<ImportRecord> = (0..2_050)
        .map(|_| ImportRecord::new(NewPerson::new(Person::new(PersonName::parse("Testova Dana").unwrap()))))
        .collect();
    app.store.import_records(&Actor::system(), &records, |_| {}).await.unwrap();
    app.login("analyst").await;
    let page = app.get("/persons?q=Testova").await.body;
    assert!(page.contains("More than 2000 persons match; the 2000 best matches are listed."), "{page}");
    let russian = app.get("/persons?q=Testova&lang=ru").await.body;
    assert!(russian.contains("Совпадений больше 2000"), "{russian}");
    let narrow = app.get("/persons?q=Aigerim+Testova&lang=en").await.body;
    assert!(!narrow.contains("More than") && narrow.contains("Aigerim Testova"), "{narrow}");
    let json: serde_json::Value = serde_json::from_str(&app.get("/api/v1/persons?q=Testova").await.body).unwrap();
    assert_eq!((json["capped"].as_bool(), json["total"].as_u64()), (Some(true), Some(2000)));
    let json: serde_json::Value = serde_json::from_str(&app.get("/api/v1/persons?q=Aigerim+Testova").await.body).unwrap();
    assert_eq!(json["capped"].as_bool(), Some(false));
}
