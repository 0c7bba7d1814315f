//! The register's forms: a coordinator adds a person, a detention and a court decision (seeing
//! each refusal beside its field with the typed input kept) and finds the person by search, in
//! Latin and Cyrillic; a volunteer adds a draft at a phone's width.

use kuzet_register::Actor;
use kuzet_store::PersonId;

use crate::{DESKTOP, PHONE, SAVE, scenario, test_name};

/// The person's number in a `/persons/{id}` path.
fn person_id(path: &str) -> PersonId {
    let id = path
        .strip_prefix("/persons/")
        .and_then(|rest| rest.parse().ok());
    PersonId(id.unwrap_or_else(|| panic!("{path} is not a person's page")))
}

#[test]
fn a_coordinator_adds_a_person_a_detention_and_a_decision_and_finds_them_by_search() {
    scenario(test_name!(), |s| {
        let browser = s.browser(PHONE);
        browser.login("coordinator");
        browser.visit("/persons");
        browser.click_through("main a[href=\"/persons/new\"]");

        // No name and an impossible birthday: both refused, everything typed kept.
        browser.fill("#f-birth", "31.02.1990");
        browser.fill("#f-city", "Almaty");
        browser.fill("#f-contact", "+7 700 000 00 00");
        browser.choose("#f-consent", "given");
        browser.fill("#f-notes", "Met at the district court.");
        browser.fill("#f-source_reference", "lawyer of the family");
        browser.click_through(SAVE);
        assert_eq!(browser.path(), "/persons", "the form came back");
        assert_eq!(
            browser.attribute("p.notice.error", "role").as_deref(),
            Some("alert")
        );
        assert!(
            !browser.text("#e-name").is_empty(),
            "the name's refusal is beside it"
        );
        assert_eq!(
            browser.attribute("#f-name", "aria-invalid").as_deref(),
            Some("true")
        );
        assert!(
            browser.text("#e-birth").contains("31.02.1990"),
            "{}",
            browser.text("#e-birth")
        );
        for (field, typed) in [
            ("#f-birth", "31.02.1990"),
            ("#f-city", "Almaty"),
            ("#f-contact", "+7 700 000 00 00"),
            ("#f-consent", "given"),
            ("#f-notes", "Met at the district court."),
            ("#f-source_reference", "lawyer of the family"),
        ] {
            assert_eq!(browser.value(field), typed, "{field} keeps what was typed");
        }

        browser.fill("#f-name", "Zhanar Brauzerova");
        browser.fill("#f-birth", "14.02.1990");
        browser.click_through(SAVE);
        let person_page = browser.path();
        let person = person_id(&person_page);
        assert_eq!(browser.text("main h1"), "Zhanar Brauzerova");
        assert!(
            browser.main_text().contains("lawyer of the family"),
            "the source is on the timeline"
        );

        // A detention on a day that does not exist: refused, the rest kept.
        browser.click_through(&format!("main a[href=\"{person_page}/detentions/new\"]"));
        let event = browser.find_all("#f-event option")[1]
            .attribute("value")
            .expect("an event option")
            .expect("a value");
        browser.choose("#f-event", &event);
        browser.fill("#f-detained_at", "31.06.2019 14:00");
        browser.fill("#f-released_at", "09.06.2019 22:30");
        browser.fill("#f-police_station", "Almaly district police");
        browser.fill("#f-source_reference", "volunteer at the station");
        browser.click_through(SAVE);
        assert!(
            !browser.text("#e-detained_at").is_empty(),
            "the time's refusal is beside it"
        );
        assert_eq!(browser.value("#f-police_station"), "Almaly district police");
        assert_eq!(browser.value("#f-released_at"), "09.06.2019 22:30");
        assert_eq!(browser.value("#f-event"), event);

        browser.fill("#f-detained_at", "09.06.2019 14:00");
        browser.click_through(SAVE);
        assert_eq!(browser.path(), person_page);
        assert!(
            browser.main_text().contains("Almaly district police"),
            "{}",
            browser.main_text()
        );

        // The court's decision on that detention.
        browser.click_through("main a[href$=\"/decisions/new\"]");
        browser.fill("#f-authority", "Almaly district court");
        browser.fill("#f-decided_on", "10.06.2019");
        browser.choose("#f-lawyer_present", "no");
        browser.fill("#f-article", "AC 488");
        browser.choose("#f-outcome", "arrest");
        browser.fill("#f-amount", "15");
        browser.fill("#f-source_reference", "copy of the ruling");
        browser.click_through(SAVE);
        assert_eq!(browser.path(), person_page);
        assert!(
            browser.main_text().contains("Almaly district court"),
            "{}",
            browser.main_text()
        );
        let stored = s
            .app
            .block_on(s.app.store.person(&Actor::system(), person))
            .expect("the person is stored");
        assert_eq!(stored.person.city.as_deref(), Some("Almaty"));
        assert_eq!(stored.detentions.len(), 1);
        assert_eq!(
            stored.detentions[0].police_station,
            "Almaly district police"
        );
        assert_eq!(stored.detentions[0].hours_held, Some(8.5));
        assert_eq!(stored.decisions.len(), 1);
        assert_eq!(stored.decisions[0].outcome_kind, "arrest");
        assert_eq!(stored.decisions[0].outcome_amount, Some(15));
        assert_eq!(stored.decisions[0].lawyer_present, Some(false));
        assert_eq!(stored.decisions[0].article.as_deref(), Some("AC 488"));

        // Found by a prefix of the surname through the list's search form, among the demo register.
        browser.visit("/persons");
        let everyone = browser.find_all("main table tbody tr").len();
        assert!(everyone > 1, "the demo register is listed");
        browser.fill("#f-q", "brauzer");
        browser.click_through("form.filters button[type=submit]");
        let rows = browser.find_all("main table tbody tr");
        assert_eq!(rows.len(), 1, "{}", browser.main_text());
        let row = rows[0].text().expect("the row's text");
        assert!(
            row.contains("Zhanar Brauzerova") && row.contains("Almaly district police"),
            "{row}"
        );
        assert_eq!(
            browser.value("#f-q"),
            "brauzer",
            "the search stays in its field"
        );
        // The same person typed in Cyrillic, as a Russian-speaking volunteer would.
        browser.fill("#f-q", "Браузерова");
        browser.click_through("form.filters button[type=submit]");
        let rows = browser.find_all("main table tbody tr");
        assert_eq!(rows.len(), 1, "{}", browser.main_text());
        assert!(
            rows[0]
                .text()
                .expect("the row's text")
                .contains("Zhanar Brauzerova")
        );
        browser.click_through(&format!("main table tbody a[href=\"{person_page}\"]"));
        assert_eq!(browser.path(), person_page);
    });
}

#[test]
fn a_volunteer_adds_a_draft_and_may_edit_only_their_own() {
    scenario(test_name!(), |s| {
        let browser = s.browser(PHONE);
        browser.login("volunteer");
        browser.visit("/persons/new");
        browser.fill("#f-name", "Dana Telefonova");
        browser.fill("#f-city", "Nur-Sultan");
        browser.click("input[name=roles][value=journalist]");
        browser.click_through(SAVE);
        let page = browser.path();
        let person = person_id(&page);
        assert_eq!(browser.text("main h1"), "Dana Telefonova");
        assert!(
            browser.text("main p").contains("draft"),
            "{}",
            browser.text("main p")
        );
        assert!(
            browser.has(&format!("main a[href=\"{page}/edit\"]")),
            "the volunteer may edit their draft"
        );
        let stored = s
            .app
            .block_on(s.app.store.person(&Actor::system(), person))
            .expect("the person is stored");
        assert!(stored.person.is_draft);
        assert_eq!(stored.person.roles, ["journalist"]);

        // Someone else's record: readable, not editable.
        let other = s
            .app
            .block_on(
                s.app
                    .store
                    .list_persons(&Actor::system(), &kuzet_store::PersonQuery::default()),
            )
            .expect("a list");
        let other = other
            .items
            .iter()
            .find(|row| row.id != person && !row.is_draft)
            .expect("a demo person");
        browser.visit(&format!("/persons/{}", other.id.0));
        assert_eq!(browser.text("main h1"), other.name);
        assert!(
            !browser.has(&format!("main a[href=\"/persons/{}/edit\"]", other.id.0)),
            "no edit link on another's record"
        );

        // The same draft on a laptop's screen.
        browser.resize(DESKTOP);
        browser.visit(&page);
        assert_eq!(browser.text("main h1"), "Dana Telefonova");
    });
}
