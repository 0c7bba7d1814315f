//! A coordinator records a protest and what the authorities said about it: the event form
//! refuses a day that does not exist and keeps the rest, the claim lands on the event's page.

use crate::{PHONE, SAVE, scenario, test_name};

#[test]
fn a_coordinator_adds_an_event_and_an_official_claim() {
    scenario(test_name!(), |s| {
        let browser = s.browser(PHONE);
        browser.login("coordinator");
        browser.visit("/events");
        browser.click_through("main a[href=\"/events/new\"]");
        browser.fill("#f-title", "Rally for fair elections");
        browser.fill("#f-date", "31.09.2019");
        browser.fill("#f-city", "Shymkent");
        browser.fill("#f-place", "Al-Farabi Square");
        browser.click_through(SAVE);
        assert!(
            !browser.text("#e-date").is_empty(),
            "the day's refusal is beside it"
        );
        assert_eq!(browser.value("#f-title"), "Rally for fair elections");
        assert_eq!(browser.value("#f-place"), "Al-Farabi Square");

        browser.fill("#f-date", "22.09.2019");
        browser.click_through(SAVE);
        let page = browser.path();
        let id: i64 = page
            .strip_prefix("/events/")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("{page} is not an event's page"));
        assert!(
            browser.text("main h1").contains("Rally for fair elections"),
            "{}",
            browser.text("main h1")
        );

        browser.click_through(&format!("main a[href=\"{page}/claims/new\"]"));
        browser.fill("#f-said_by", "Police department of Shymkent");
        browser.fill("#f-said_on", "23.09.2019");
        browser.choose("#f-qualifier", "about");
        browser.fill("#f-value", "40");
        browser.fill("#f-subject", "detained in Shymkent");
        browser.fill("#f-source_url", "https://example.invalid/statement");
        browser.click_through(SAVE);
        assert_eq!(browser.path(), page);
        assert!(
            browser
                .main_text()
                .contains("Police department of Shymkent"),
            "{}",
            browser.main_text()
        );

        let claims = s
            .app
            .block_on(s.app.store.official_claims(Some(kuzet_store::EventId(id))))
            .expect("the claims");
        assert_eq!(claims.len(), 1);
        browser.visit("/events");
        assert!(
            browser.main_text().contains("Rally for fair elections"),
            "listed among the events"
        );
    });
}
