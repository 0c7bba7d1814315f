//! The register pages: forms and their validation, escaping of hostile text, literal storage of
//! SQL-like text, version conflicts, filters, confidentiality and the public list.

use axum::http::StatusCode;
use kuzet_register::Actor;

use crate::{TestApp, csrf_in};

/// The id in a `Location: /persons/{id}` header.
fn created_id(reply: &crate::Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    reply.header("location").trim_start_matches("/persons/").parse().expect("a person id")
}

#[tokio::test]
async fn hostile_markup_in_every_text_field_is_shown_as_text() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let script = "<script>alert(1)</script>";
    let attribute = "\" onmouseover=\"alert(2)";
    let reply = app
        .post_form(
            "/persons",
            &[
                ("csrf", &csrf),
                ("name", script),
                ("aliases", attribute),
                ("city", "<img src=x onerror=alert(3)>"),
                ("contact", script),
                ("address", script),
                ("notes", "</textarea><script>alert(4)</script>"),
                ("consent", "given"),
                ("source_kind", "media"),
                ("source_reference", script),
            ],
        )
        .await;
    let id = created_id(&reply);
    for path in
        [format!("/persons/{id}"), "/persons".to_owned(), format!("/persons/{id}/edit"), "/public".to_owned(), "/dashboard".to_owned()]
    {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script"), "{path} contains a live script element");
        assert!(!page.body.contains("<img src=x"), "{path} contains a live image");
        assert!(!page.body.contains("\" onmouseover"), "{path} lets an attribute break out");
    }
    let person = app.get(&format!("/persons/{id}")).await.body;
    assert!(person.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "the name is shown as text: {person}");
    let api = app.get(&format!("/api/v1/persons/{id}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["person"]["name"], script, "stored exactly as typed");
}

#[tokio::test]
async fn sql_like_text_is_stored_literally_and_matches_nothing_else() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let name = "Robert'); DROP TABLE persons;--";
    let city = "' OR '1'='1";
    let id = created_id(&app.post_form("/persons", &[("csrf", &csrf), ("name", name), ("city", city), ("consent", "not_asked")]).await);
    let page = app.store.person(&Actor::system(), kuzet_store::PersonId(id)).await.unwrap();
    assert_eq!(page.person.name, name);
    assert_eq!(page.person.city.as_deref(), Some(city));
    let all: serde_json::Value = serde_json::from_str(&app.get("/api/v1/persons").await.body).unwrap();
    assert_eq!(all["total"], 3, "the table is intact");
    // The search box also searches places, so `' OR 1=1 --` finds the one person whose city
    // holds the words "OR" and "1" (as text), not every person as an injection would.
    for (query, expected) in [("city=%27+OR+%271%27%3D%271", vec![id]), ("q=%27+OR+1%3D1+--", vec![id]), ("city=Almaty%27--", vec![])] {
        let found: serde_json::Value = serde_json::from_str(&app.get(&format!("/api/v1/persons?{query}")).await.body).unwrap();
        let ids: Vec<i64> = found["items"].as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, expected, "{query}");
        assert_eq!(found["total"], expected.len(), "{query}");
    }
}

#[tokio::test]
async fn validation_messages_stand_beside_their_fields_and_input_is_kept() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("volunteer").await;
    let csrf = app.csrf().await;
    let reply = app
        .post_form(
            "/persons",
            &[
                ("csrf", &csrf),
                ("name", "  "),
                ("birth", "31.02.1990"),
                ("city", "Almaty"),
                ("roles", "journalist"),
                ("consent", "not_asked"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Please correct the fields marked below."));
    assert!(reply.body.contains("<p class=\"error\" id=\"e-name\">is empty</p>"), "{}", reply.body);
    assert!(reply.body.contains("<p class=\"error\" id=\"e-birth\">`31.02.1990` is not a day of the calendar</p>"));
    assert!(reply.body.contains("value=\"31.02.1990\"") && reply.body.contains("value=\"Almaty\""), "input kept");
    assert!(reply.body.contains("value=\"journalist\" checked"), "ticked roles kept");

    let path = format!("/persons/{}/detentions", fixture.published.0);
    let reply = app.post_form(&path, &[("csrf", &csrf), ("detained_at", "09.06.2019 14:00"), ("released_at", "09.06.2019 13:00")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("id=\"e-released_at\">2019-06-09 13:00:00.0 is before the detention at 2019-06-09 14:00:00.0"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("id=\"e-source_reference\">is empty: every fact needs its source"));

    let path = format!("/persons/{}/detentions/{}/decisions", fixture.published.0, fixture.detention.0);
    let reply = app
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("authority", "Court"),
                ("decided_on", "2019-06-10"),
                ("outcome", "arrest"),
                ("article", "XYZ"),
                ("source_reference", "x"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("id=\"e-outcome\">`arrest` needs a number of days"), "{}", reply.body);
    assert!(reply.body.contains("id=\"e-article\">`XYZ` is not an article like AC 488 or CC 405"));
}

#[tokio::test]
async fn facts_added_through_forms_appear_on_the_timeline_with_their_sources_and_history() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let path = format!("/persons/{}/detentions/{}/decisions", fixture.published.0, fixture.detention.0);
    let reply = app
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("authority", "Almaty city court"),
                ("decided_on", "12.06.2019"),
                ("outcome", "appeal"),
                ("appeal_result", "reduced"),
                ("amount", "5"),
                ("source_kind", "lawyer"),
                ("source_reference", "lawyer of the family"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = app.get(&format!("/persons/{}", fixture.published.0)).await.body;
    assert!(page.contains("appeal: reduced to 5 days"), "{page}");
    assert!(page.contains("lawyer: lawyer of the family"));
    assert!(page.contains("post: https:&#x2f;&#x2f;example.invalid&#x2f;post&#x2f;1"));
    assert!(page.contains("Change history") && page.contains("create decision"), "{page}");
}

#[tokio::test]
async fn the_second_editor_sees_a_conflict_and_keeps_their_input() {
    let (mut first, fixture) = TestApp::with_fixture().await;
    let mut second = first.browser();
    first.login("coordinator").await;
    second.login("admin").await;
    let path = format!("/persons/{}/edit", fixture.published.0);
    let form_one = first.get(&path).await.body;
    let form_two = second.get(&path).await.body;
    assert!(form_one.contains("name=\"version\" value=\"1\""));

    let saved = first
        .post_form(
            &path,
            &[
                ("csrf", &csrf_in(&form_one)),
                ("version", "1"),
                ("name", "Aigerim Testova"),
                ("city", "Almaty"),
                ("notes", "first edit"),
                ("consent", "given"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let clash = second
        .post_form(
            &path,
            &[
                ("csrf", &csrf_in(&form_two)),
                ("version", "1"),
                ("name", "Aigerim Testova"),
                ("city", "Taraz"),
                ("notes", "second edit"),
                ("consent", "given"),
            ],
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(clash.body.contains("This record changed while you were editing"), "{}", clash.body);
    assert!(clash.body.contains("saved version 2 of this record after you opened version 1"));
    assert!(clash.body.contains("value=\"Taraz\"") && clash.body.contains("second edit"), "input kept");
    assert!(clash.body.contains("<th>notes</th><td>first edit</td><td>second edit</td>"), "{}", clash.body);
    assert!(clash.body.contains("name=\"version\" value=\"2\""), "saving again is a deliberate overwrite");
    let stored = first.store.person(&Actor::system(), fixture.published).await.unwrap().person;
    assert_eq!(stored.notes.as_deref(), Some("first edit"));
    assert_eq!(stored.city.as_deref(), Some("Almaty"));
}

#[tokio::test]
async fn volunteers_edit_their_own_drafts_only() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("volunteer").await;
    let csrf = app.csrf().await;
    let id = created_id(
        &app.post_form("/persons", &[("csrf", &csrf), ("name", "Draft Person"), ("contact", "+7 000 111 2233"), ("consent", "not_asked")])
            .await,
    );
    let own = app.get(&format!("/persons/{id}/edit")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("+7 000 111 2233"), "a volunteer sees the contact they recorded");
    assert_eq!(app.get(&format!("/persons/{}/edit", fixture.published.0)).await.status, StatusCode::FORBIDDEN);
    let other = app.get(&format!("/persons/{}", fixture.private.0)).await;
    assert!(!other.body.contains("+7 000 000 0001"), "no contact details of others' records");
}

#[tokio::test]
async fn analysts_never_see_contact_details_and_coordinators_do() {
    let (mut analyst, fixture) = TestApp::with_fixture().await;
    let mut coordinator = analyst.browser();
    analyst.login("analyst").await;
    coordinator.login("coordinator").await;
    let path = format!("/persons/{}", fixture.private.0);
    assert!(!analyst.get(&path).await.body.contains("+7 000 000 0001"));
    assert!(!analyst.get(&format!("/api/v1/persons/{}", fixture.private.0)).await.body.contains("+7 000 000 0001"));
    assert!(coordinator.get(&path).await.body.contains("+7 000 000 0001"));
}

#[tokio::test]
async fn the_public_list_shows_only_published_persons_and_public_fields() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    let page = app.get("/public").await.body;
    assert!(page.contains("Aigerim Testova"));
    assert!(!page.contains("Bolat Sampleuly"), "refused consent is never published");
    assert!(!page.contains("+7 000"));
    // A coordinator's approval does not override a refusal.
    let mut coordinator = app.browser();
    coordinator.login("coordinator").await;
    let csrf = coordinator.csrf().await;
    let reply =
        coordinator.post_form(&format!("/persons/{}/publication", fixture.private.0), &[("csrf", &csrf), ("approved", "true")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/public").await.body.contains("Bolat Sampleuly"));
    // A person who was not asked appears once approved.
    let id = created_id(&coordinator.post_form("/persons", &[("csrf", &csrf), ("name", "Public Figure"), ("consent", "not_asked")]).await);
    assert!(!app.get("/public").await.body.contains("Public Figure"));
    coordinator.post_form(&format!("/persons/{id}/publication"), &[("csrf", &csrf), ("approved", "true")]).await;
    assert!(app.get("/public").await.body.contains("Public Figure"));
    let json: serde_json::Value = serde_json::from_str(&app.get("/api/v1/public/persons").await.body).unwrap();
    assert_eq!(json["total"], 2);
    assert!(json["items"][0].get("contact").is_none() && json["items"][0].get("notes").is_none());
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("analyst").await;
    let check = |body: &str, expected: &[&str], absent: &[&str]| {
        for name in expected {
            assert!(body.contains(name), "{name} missing");
        }
        for name in absent {
            assert!(!body.contains(name), "{name} should be filtered out");
        }
    };
    let both = ["Aigerim Testova", "Bolat Sampleuly"];
    check(&app.get("/persons").await.body, &both, &[]);
    check(&app.get(&format!("/persons?event={}", fixture.almaty.0)).await.body, &both[..1], &both[1..]);
    check(&app.get("/persons?city=Nur-Sultan").await.body, &both[1..], &both[..1]);
    check(&app.get("/persons?outcome=arrest").await.body, &both[..1], &both[1..]);
    check(&app.get("/persons?status=held").await.body, &both[1..], &both[..1]);
    check(&app.get("/persons?q=bolat").await.body, &both[1..], &both[..1]);
    check(&app.get("/persons?date_from=10.06.2019").await.body, &[], &both);
    let bad = app.get("/persons?date_from=31.02.2019&role=spy").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("`31.02.2019` is not a day of the calendar"), "{}", bad.body);
    assert!(bad.body.contains("`spy` is not one of"));

    let first = app.get("/persons?sort=name_asc&per_page=1&city=").await;
    assert!(first.body.contains("Aigerim Testova") && !first.body.contains("Bolat Sampleuly"));
    assert!(first.body.contains("Page 1 of 2"));
    assert!(first.body.contains("href=\"&#x2f;persons?sort=name_asc&amp;per_page=1&amp;page=2\""), "{}", first.body);
    let second = app.get("/persons?sort=name_asc&per_page=1&page=2").await;
    assert!(second.body.contains("Bolat Sampleuly") && !second.body.contains("Aigerim Testova"));
    let reversed = app.get("/persons?sort=name_desc&per_page=1").await;
    assert!(reversed.body.contains("Bolat Sampleuly"));
}

#[tokio::test]
async fn a_coordinator_corrects_a_status_by_recording_the_release() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let page = app.get(&format!("/persons/{}", fixture.private.0)).await.body;
    assert!(page.contains("Status: <strong>held at the police station</strong>"), "{page}");
    let detention = app.store.person(&Actor::system(), fixture.private).await.unwrap().detentions[0].id.0;
    let path = format!("/persons/{}/detentions/{detention}/edit", fixture.private.0);
    let form = app.get(&path).await.body;
    assert!(form.contains("value=\"2019-06-09 16:00:00\""), "the stored time is in the form: {form}");
    let csrf = csrf_in(&form);
    let bad = app.post_form(&path, &[("csrf", &csrf), ("detained_at", "2019-06-09 16:00"), ("released_at", "10.06.2019 25:00")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-released_at\">`25:00` is not a time like 14:30"), "{}", bad.body);
    let saved = app
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("detained_at", "2019-06-09 16:00"),
                ("released_at", "10.06.2019 02:00"),
                ("source_kind", "relative"),
                ("source_reference", "sister"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app.get(&format!("/persons/{}", fixture.private.0)).await.body;
    assert!(page.contains("Status: <strong>released without a decision</strong>"), "{page}");
    assert!(page.contains("relative: sister"));
}

#[tokio::test]
async fn transfers_and_custody_are_recorded_with_their_sources() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("volunteer").await;
    let csrf = app.csrf().await;
    let base = format!("/persons/{}/detentions/{}", fixture.published.0, fixture.detention.0);
    let bad = app
        .post_form(
            &format!("{base}/transfers"),
            &[("csrf", &csrf), ("from_place", ""), ("to_place", "Karaganda"), ("hours_in_transport", "many"), ("source_reference", "x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-from_place\">is empty"));
    assert!(bad.body.contains("id=\"e-hours_in_transport\">`many` is not a number of hours between 0 and 240"));
    assert!(bad.body.contains("value=\"Karaganda\""), "input kept");
    let saved = app
        .post_form(
            &format!("{base}/transfers"),
            &[
                ("csrf", &csrf),
                ("from_place", "Bostandyk police"),
                ("to_place", "Special detention centre, Karaganda region"),
                ("departed_at", "10.06.2019 08:00"),
                ("distance_km", "200"),
                ("hours_in_transport", "6,5"),
                ("relatives_told_on", "13.06.2019"),
                ("source_kind", "relative"),
                ("source_reference", "mother"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let bad = app
        .post_form(
            &format!("{base}/custody"),
            &[("csrf", &csrf), ("place", "Centre"), ("from", "20.06.2019"), ("until", "10.06.2019"), ("source_reference", "x")],
        )
        .await;
    assert!(bad.body.contains("id=\"e-until\">2019-06-10 is before 2019-06-20"), "{}", bad.body);
    let saved = app
        .post_form(
            &format!("{base}/custody"),
            &[
                ("csrf", &csrf),
                ("place", "Special detention centre"),
                ("region", "Karaganda"),
                ("from", "10.06.2019"),
                ("source_reference", "mother"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app.get(&format!("/persons/{}", fixture.published.0)).await.body;
    assert!(page.contains("Bostandyk police → Special detention centre, Karaganda region · 200 km · 6.5 h"), "{page}");
    assert!(page.contains("(+3 d)"), "days until relatives were told");
    assert!(page.contains("Special detention centre, Karaganda · 2019-06-10 – …"), "{page}");
}

#[tokio::test]
async fn the_public_csv_has_public_fields_only_and_defuses_formulas() {
    let (mut app, _) = TestApp::with_fixture().await;
    let mut coordinator = app.browser();
    coordinator.login("coordinator").await;
    let csrf = coordinator.csrf().await;
    created_id(
        &coordinator
            .post_form(
                "/persons",
                &[("csrf", &csrf), ("name", "=HYPERLINK(\"http://x\")"), ("consent", "given"), ("contact", "+7 000 999")],
            )
            .await,
    );
    let reply = app.get("/public.csv").await;
    assert_eq!(reply.header("content-type"), "text/csv; charset=utf-8");
    assert!(reply.header("content-disposition").starts_with("attachment"));
    let lines: Vec<&str> = reply.body.lines().collect();
    assert!(lines[0].starts_with("name,birth_year,city,roles,event"));
    assert_eq!(lines.len(), 3, "{}", reply.body);
    assert!(reply.body.contains("\"Aigerim Testova\""));
    assert!(reply.body.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{}", reply.body);
    assert!(!reply.body.contains("Bolat") && !reply.body.contains("+7 000"));
}

#[tokio::test]
async fn a_coordinator_records_an_event_and_an_official_claim() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    // The list page fills the cache of event choices before the new event exists.
    assert!(!app.get("/persons").await.body.contains("Shymkent"));
    let csrf = app.csrf().await;
    let bad = app.post_form("/events/new", &[("csrf", &csrf), ("title", ""), ("date", "12/06/2019"), ("city", "Shymkent")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-date\">`12&#x2f;06&#x2f;2019` is not a date like 09.06.2019 or 2019-06-09"), "{}", bad.body);
    assert!(bad.body.contains("id=\"e-title\">is empty") && bad.body.contains("value=\"Shymkent\""));
    let saved = app
        .post_form(
            "/events/new",
            &[
                ("csrf", &csrf),
                ("title", "Rally after the election"),
                ("date", "12.06.2019"),
                ("city", "Shymkent"),
                ("place", "Al-Farabi Square"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let event_path = saved.header("location").to_owned();
    assert!(app.get("/persons").await.body.contains("2019-06-12 Shymkent"), "the new event is a filter choice at once");

    let claims = format!("{event_path}/claims");
    let bad = app
        .post_form(
            &claims,
            &[("csrf", &csrf), ("said_by", "Akimat"), ("said_on", "13.06.2019"), ("qualifier", "about"), ("value", ""), ("source_url", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-value\">is empty: give the number that was said"));
    assert!(bad.body.contains("id=\"e-source_url\">is empty: every claim needs its source"));
    for (qualifier, value) in [("about", "300"), ("none", "")] {
        let saved = app
            .post_form(
                &claims,
                &[
                    ("csrf", &csrf),
                    ("said_by", "Akimat"),
                    ("said_on", "13.06.2019"),
                    ("qualifier", qualifier),
                    ("value", value),
                    ("source_url", "https://example.invalid/akimat"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let page = app.get(&event_path).await.body;
    assert!(page.contains("<td class=\"num\">≈300</td>") && page.contains("<td class=\"num\">none</td>"), "{page}");
    let _ = fixture;
}

#[tokio::test]
async fn validation_messages_follow_the_interface_language() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    app.get("/persons?lang=ru").await;
    let csrf = app.csrf().await;
    let reply = app.post_form("/persons", &[("csrf", &csrf), ("name", ""), ("birth", "31.02.1990")]).await;
    assert!(reply.body.contains("id=\"e-name\">не заполнено</p>"), "{}", reply.body);
    assert!(reply.body.contains("id=\"e-birth\">«31.02.1990» — такого дня нет в календаре</p>"));
    assert!(reply.body.contains("Исправьте отмеченные ниже поля."));
    let list = app.get("/persons?date_to=32.01.2019").await;
    assert!(list.body.contains("«32.01.2019» — такого дня нет в календаре"), "{}", list.body);
}

#[tokio::test]
async fn the_audit_log_shows_changes_and_checks_its_chain() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let path = format!("/persons/{}/edit", fixture.private.0);
    let form = app.get(&path).await.body;
    let saved = app
        .post_form(
            &path,
            &[("csrf", &csrf_in(&form)), ("version", "1"), ("name", "Bolat Sampleuly"), ("city", "Astana"), ("consent", "refused")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let log = app.get(&format!("/audit?person={}", fixture.private.0)).await.body;
    assert!(log.contains("update person") && log.contains("city: Nur-Sultan → Astana"), "{log}");
    assert!(!log.contains("Aigerim"), "filtered to one person");
    let checked = app.get("/audit?verify=1").await.body;
    assert!(checked.contains("The chain is intact:"), "{checked}");
    let mut analyst = app.browser();
    analyst.login("analyst").await;
    let seen = analyst.get(&format!("/audit?person={}", fixture.private.0)).await.body;
    assert!(!seen.contains("+7 000 000 0001"), "no contact details in the log for an analyst");
}

#[tokio::test]
async fn a_volunteer_deletes_an_own_draft_and_a_stale_delete_is_refused() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("volunteer").await;
    let csrf = app.csrf().await;
    let id = created_id(&app.post_form("/persons", &[("csrf", &csrf), ("name", "Mistaken Entry"), ("consent", "not_asked")]).await);
    let page = app.get(&format!("/persons/{id}")).await.body;
    assert!(page.contains(&format!("href=\"/persons/{id}/delete\"")));
    assert!(!app.get(&format!("/persons/{}", fixture.published.0)).await.body.contains("/delete\""), "no delete link on others' records");
    let form = app.get(&format!("/persons/{id}/delete")).await;
    assert!(form.body.contains("Delete Mistaken Entry with every detention"), "{}", form.body);
    let stale = app.post_form(&format!("/persons/{id}/delete"), &[("csrf", &csrf), ("version", "0")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let deleted = app.post_form(&format!("/persons/{id}/delete"), &[("csrf", &csrf), ("version", "1")]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/persons/{id}")).await.status, StatusCode::NOT_FOUND);
    let mut coordinator = app.browser();
    coordinator.login("coordinator").await;
    assert!(coordinator.get(&format!("/audit?person={id}")).await.body.contains("delete person"), "the log keeps the deletion");
}
