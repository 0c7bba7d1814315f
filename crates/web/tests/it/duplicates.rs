//! The duplicate review queue: the page with both records and the evidence, merging and
//! undoing through the forms, "not the same person", refusals without a CSRF token or the
//! right role.

use axum::http::StatusCode;
use kuzet_register::{Actor, City, Consent, Person, PersonName};
use kuzet_store::{NewPerson, PersonId, StoreError};

use crate::{Fixture, TestApp};

/// A second record of the fixture's published person, in Cyrillic, and the app.
async fn with_duplicate() -> (TestApp, Fixture, PersonId) {
    let (app, fixture) = TestApp::with_fixture().await;
    let mut person = Person::new(PersonName::parse("Айгерим Тестова").unwrap());
    person.city = Some(City::parse("Almaty").unwrap());
    person.consent = Consent::NotAsked;
    person.contact = "+7 000 000 0042".into();
    let second = app.store.add_person(&Actor::system(), &NewPerson::new(person)).await.unwrap();
    (app, fixture, second)
}

/// Replaces every CSRF token in a page by a fixed mark.
fn redact(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find(marker) {
        let (head, tail) = rest.split_at(start + marker.len());
        out.push_str(head);
        out.push_str("[csrf]");
        rest = &tail[tail.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn the_queue_shows_the_pair_side_by_side_and_a_merge_is_undone_from_it() {
    let (mut app, fixture, second) = with_duplicate().await;
    let first = fixture.published;
    let before_first = app.store.person(&Actor::system(), first).await.unwrap();
    let before_second = app.store.person(&Actor::system(), second).await.unwrap();
    app.login("coordinator").await;

    let queue = app.get("/duplicates").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("href=\"/persons/{}\"", first.0)), "{}", queue.body);
    assert!(queue.body.contains(&format!("href=\"/persons/{}\"", second.0)));
    assert!(queue.body.contains("Aigerim Testova") && queue.body.contains("Айгерим Тестова"));
    assert!(queue.body.contains("same city"), "the evidence is shown");
    assert!(queue.body.contains("Merge into A (keep A)") && queue.body.contains("Not the same person"));
    assert!(!queue.body.contains("+7 000 000 0042"), "no contact data in the queue");
    insta::assert_snapshot!("duplicates_queue", redact(&queue.body));
    let russian = app.get("/duplicates?lang=ru").await;
    assert!(russian.body.contains("Возможные дубли") && russian.body.contains("один город"));
    app.get("/duplicates?lang=en").await;

    let csrf = app.csrf().await;
    let merged = app
        .post_form(
            "/duplicates/merge",
            &[
                ("csrf", &csrf),
                ("keep", &first.0.to_string()),
                ("keep_version", &before_first.person.version.to_string()),
                ("remove", &second.0.to_string()),
                ("remove_version", &before_second.person.version.to_string()),
            ],
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let location = merged.header("location").to_owned();
    assert!(location.starts_with(&format!("/duplicates?done=merged&person={}&merge=", first.0)), "{location}");
    let merge_id: i64 = location.rsplit('=').next().unwrap().parse().unwrap();
    assert!(matches!(app.store.person(&Actor::system(), second).await, Err(StoreError::NotFound)));
    let kept = app.store.person(&Actor::system(), first).await.unwrap();
    assert_eq!(kept.person.aliases, ["Айгерим Тестова"]);
    let kept_page = app.get(&format!("/persons/{}", first.0)).await;
    assert!(kept_page.body.contains("<a href=\"/duplicates#merges\">Undo merge</a>"), "{}", kept_page.body);

    let after_merge = app.get(&location).await;
    assert!(after_merge.body.contains(&format!("The records were merged (merge {merge_id})")), "{}", after_merge.body);
    assert!(after_merge.body.contains(&format!("action=\"/duplicates/merges/{merge_id}/undo\"")));
    assert!(after_merge.body.contains("No possible duplicates at this score."));

    let undone = app.post_form(&format!("/duplicates/merges/{merge_id}/undo"), &[("csrf", &csrf)]).await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    let after_undo = app.get(undone.header("location")).await;
    assert!(after_undo.body.contains(&format!("Merge {merge_id} was undone")), "{}", after_undo.body);
    assert!(!after_undo.body.contains(&format!("/duplicates/merges/{merge_id}/undo")), "no second undo offered");
    let restored_first = app.store.person(&Actor::system(), first).await.unwrap();
    let restored_second = app.store.person(&Actor::system(), second).await.unwrap();
    assert_eq!(restored_first.person, before_first.person);
    assert_eq!(restored_first.detentions, before_first.detentions);
    assert_eq!(restored_second.person, before_second.person);
    let restored_page = app.get(&format!("/persons/{}", first.0)).await;
    assert!(!restored_page.body.contains("/duplicates#merges"), "no undo pointer once undone");

    let again = app.post_form(&format!("/duplicates/merges/{merge_id}/undo"), &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("this merge was already undone"), "{}", again.body);

    // A merge based on a version the record no longer has is refused with a clear message.
    let stale = app
        .post_form(
            "/duplicates/merge",
            &[
                ("csrf", &csrf),
                ("keep", &first.0.to_string()),
                ("keep_version", "99"),
                ("remove", &second.0.to_string()),
                ("remove_version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("One of the records was changed since this page was shown"), "{}", stale.body);
    assert!(app.store.person(&Actor::system(), second).await.is_ok());
}

#[tokio::test]
async fn not_the_same_person_takes_the_pair_out_of_the_queue_for_good() {
    let (mut app, fixture, second) = with_duplicate().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let reply = app
        .post_form(
            "/duplicates/not-duplicate",
            &[("csrf", &csrf), ("a", &fixture.published.0.to_string()), ("b", &second.0.to_string()), ("reason", "sisters")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = app.get(reply.header("location")).await;
    assert!(page.body.contains("Remembered: these are two different people."), "{}", page.body);
    assert!(page.body.contains("No possible duplicates at this score."));
    let mut other = app.browser();
    other.login("admin").await;
    assert!(other.get("/duplicates").await.body.contains("No possible duplicates at this score."));
}

async fn post(app: &mut TestApp, path: &str, fields: Vec<(String, String)>) -> crate::Reply {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(path, &borrowed).await
}

#[tokio::test]
async fn merging_without_the_csrf_token_or_the_role_is_refused() {
    let (mut app, fixture, second) = with_duplicate().await;
    let fields = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("keep".to_owned(), fixture.published.0.to_string()),
            ("keep_version".to_owned(), "1".to_owned()),
            ("remove".to_owned(), second.0.to_string()),
            ("remove_version".to_owned(), "1".to_owned()),
        ]
    };

    app.login("coordinator").await;
    let forged = post(&mut app, "/duplicates/merge", fields("not-the-token")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("CSRF check failed"), "{}", forged.body);
    let missing = post(&mut app, "/duplicates/merge", fields("")).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(app.store.person(&Actor::system(), second).await.is_ok(), "nothing was merged");

    let mut volunteer = app.browser();
    volunteer.login("volunteer").await;
    assert_eq!(volunteer.get("/duplicates").await.status, StatusCode::FORBIDDEN);
    let csrf = volunteer.csrf().await;
    assert_eq!(post(&mut volunteer, "/duplicates/merge", fields(&csrf)).await.status, StatusCode::FORBIDDEN);

    let mut analyst = app.browser();
    analyst.login("analyst").await;
    let page = analyst.get("/duplicates").await;
    assert_eq!(page.status, StatusCode::OK, "analysts may look");
    assert!(page.body.contains("Айгерим Тестова"));
    assert!(!page.body.contains("/duplicates/merge") && !page.body.contains("Not the same person"), "but get no buttons");
    assert!(!page.body.contains("+7 000 000"), "and no contact data");
    let csrf = analyst.csrf().await;
    assert_eq!(post(&mut analyst, "/duplicates/merge", fields(&csrf)).await.status, StatusCode::FORBIDDEN);
    let refused = post(
        &mut analyst,
        "/duplicates/not-duplicate",
        vec![("csrf".into(), csrf.clone()), ("a".into(), fixture.published.0.to_string()), ("b".into(), second.0.to_string())],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // An undo needs the role too.
    let merged = app.store.merge(&Actor::system(), fixture.published, 1, second, 1).await.unwrap();
    let path = format!("/duplicates/merges/{}/undo", merged.merge_id);
    assert_eq!(post(&mut analyst, &path, vec![("csrf".into(), csrf)]).await.status, StatusCode::FORBIDDEN);
    assert!(app.store.person(&Actor::system(), second).await.is_err(), "still merged");

    let mut visitor = app.browser();
    let page = visitor.get("/duplicates").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.header("location").starts_with("/login"));
}

#[tokio::test]
async fn the_navigation_offers_the_queue_to_those_who_may_see_it() {
    let (app, _fixture) = TestApp::with_fixture().await;
    for (username, offered) in [("coordinator", true), ("admin", true), ("analyst", true), ("volunteer", false)] {
        let mut browser = app.browser();
        browser.login(username).await;
        let dashboard = browser.get("/dashboard").await;
        assert_eq!(dashboard.status, StatusCode::OK, "{username}");
        assert_eq!(dashboard.body.contains("<a href=\"/duplicates\">Duplicates</a>"), offered, "{username}: {}", dashboard.body);
        let russian = browser.get("/dashboard?lang=ru").await;
        assert_eq!(russian.body.contains("<a href=\"/duplicates\">Дубли</a>"), offered, "{username}");
        let queue = browser.get("/duplicates?lang=en").await;
        assert_eq!(queue.status == StatusCode::OK, offered, "{username}: the link matches the permission");
    }
}

/// The pair of `a` and `b` in an API answer, if listed.
fn api_pair(answer: &serde_json::Value, a: PersonId, b: PersonId) -> Option<serde_json::Value> {
    answer["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair["a"]["id"] == a.0 && pair["b"]["id"] == b.0)
        .cloned()
}

#[tokio::test]
async fn the_api_lists_the_queue_for_the_same_roles_without_contact_data() {
    let (app, fixture, second) = with_duplicate().await;
    // Two more records of one constructed person, with a full birth date and contact data.
    let mut ids = Vec::new();
    for name in ["Нурлан Тестов", "Nurlan Testov"] {
        let mut person = Person::new(PersonName::parse(name).unwrap());
        person.city = Some(City::parse("Almaty").unwrap());
        person.birth = Some(kuzet_register::BirthDate::parse("14.02.1987").unwrap());
        person.contact = "+7 000 000 0077".into();
        ids.push(app.store.add_person(&Actor::system(), &NewPerson::new(person)).await.unwrap());
    }
    let answer_for = |username: &'static str| {
        let mut browser = app.browser();
        async move {
            browser.login(username).await;
            browser.get("/api/v1/duplicates").await
        }
    };
    for username in ["coordinator", "admin", "analyst"] {
        let reply = answer_for(username).await;
        assert_eq!(reply.status, StatusCode::OK, "{username}: {}", reply.body);
        assert!(!reply.body.contains("+7 000 000 00"), "{username}: no contact data");
        let answer: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert!(answer["total"].as_u64().unwrap() >= 2, "{username}: {answer}");
        let first = api_pair(&answer, fixture.published, second).expect("the Aigerim pair");
        assert_eq!(first["a"]["name"], "Aigerim Testova");
        assert_eq!(first["b"]["name"], "Айгерим Тестова");
        assert!(first["evidence"].as_array().unwrap().iter().any(|e| e == "same city"), "{first}");
        let nurlan = api_pair(&answer, ids[0], ids[1]).expect("the Nurlan pair");
        let birth = nurlan["a"]["birth"].as_str().unwrap();
        if username == "analyst" {
            assert_eq!(birth, "1987", "analysts get the year only");
        } else {
            assert!(birth.contains("1987") && birth != "1987", "{username}: {birth}");
        }
    }
    assert_eq!(answer_for("volunteer").await.status, StatusCode::FORBIDDEN);

    let mut coordinator = app.browser();
    coordinator.login("coordinator").await;
    let bad = coordinator.get("/api/v1/duplicates?threshold=2&limit=0").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("\"field\":\"threshold\"") && bad.body.contains("\"field\":\"limit\""), "{}", bad.body);
    let limited: serde_json::Value = serde_json::from_str(&coordinator.get("/api/v1/duplicates?limit=1").await.body).unwrap();
    assert_eq!(limited["pairs"].as_array().unwrap().len(), 1);

    // A "not the same person" decision takes the pair out of the API's answer too.
    app.store.mark_not_duplicate(&Actor::system(), ids[0], ids[1], "checked").await.unwrap();
    let after: serde_json::Value = serde_json::from_str(&coordinator.get("/api/v1/duplicates").await.body).unwrap();
    assert!(api_pair(&after, ids[0], ids[1]).is_none(), "{after}");
    assert!(api_pair(&after, fixture.published, second).is_some());
}
