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
