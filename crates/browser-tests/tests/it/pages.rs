//! Every page of the app, as a coordinator and as a visitor, in English and Russian: each one
//! requests nothing outside its origin and fits a phone's screen (`Browser::check_page` runs on
//! every visit).

use kuzet_register::Actor;
use kuzet_store::PersonQuery;

use crate::{Browser, DESKTOP, PHONE, scenario, test_name};

/// Visits `path` and checks that it is a real page rather than an error.
fn visit_page(browser: &Browser, path: &str) {
    browser.visit(path);
    let heading = browser.text("h1");
    assert!(
        !heading.starts_with("Error") && !heading.starts_with("Ошибка"),
        "{path} shows {heading}: {}",
        browser.main_text()
    );
}

#[test]
fn every_page_stays_on_its_origin_and_fits_a_phone() {
    scenario(test_name!(), |s| {
        let app = &s.app;
        let system = Actor::system();
        // A demo person with a detention and a court decision, and an event.
        let listed = app
            .block_on(app.store.list_persons(
                &system,
                &PersonQuery {
                    per_page: 100,
                    ..PersonQuery::default()
                },
            ))
            .expect("a list");
        let (person, detention) = listed
            .items
            .iter()
            .find_map(|row| {
                let page = app.block_on(app.store.person(&system, row.id)).ok()?;
                let detention = page.detentions.first()?.id;
                (!page.decisions.is_empty()).then_some((row.id, detention))
            })
            .expect("a demo person with a decision");
        let event = app.block_on(app.store.events()).expect("the events")[0].id;
        let (p, d, e) = (person.0, detention.0, event.0);

        let browser = s.browser(PHONE);
        browser.visit("/");
        // The checks see requests: the stylesheet, fetched from the app itself.
        let fetched = browser
            .script("return performance.getEntriesByType('resource').map(entry => entry.name);");
        let stylesheet = format!("{}/static/kuzet.css", app.origin);
        assert!(
            fetched
                .as_array()
                .is_some_and(|names| names.iter().any(|name| name == &stylesheet)),
            "{fetched}"
        );

        browser.login("coordinator");
        let pages = [
            "/dashboard".to_owned(),
            "/persons".to_owned(),
            "/persons?status=serving_arrest&sort=name".to_owned(),
            "/persons/new".to_owned(),
            format!("/persons/{p}"),
            format!("/persons/{p}/edit"),
            format!("/persons/{p}/delete"),
            format!("/persons/{p}/detentions/new"),
            format!("/persons/{p}/detentions/{d}/edit"),
            format!("/persons/{p}/detentions/{d}/decisions/new"),
            format!("/persons/{p}/detentions/{d}/custody/new"),
            format!("/persons/{p}/detentions/{d}/transfers/new"),
            "/events".to_owned(),
            "/events/new".to_owned(),
            format!("/events/{e}"),
            format!("/events/{e}/claims/new"),
            "/import".to_owned(),
            "/audit".to_owned(),
            "/account/tokens".to_owned(),
            "/public".to_owned(),
            "/elections/kz-2019".to_owned(),
        ];
        for page in &pages {
            visit_page(&browser, page);
        }
        // Russian words are longer: the main pages again in Russian.
        for page in [
            "/dashboard?lang=ru",
            "/persons",
            "/persons/new",
            &format!("/persons/{p}"),
            "/import",
            "/public",
        ] {
            visit_page(&browser, page);
            assert_eq!(
                browser.attribute("html", "lang").as_deref(),
                Some("ru"),
                "{page}"
            );
        }
        browser.visit("/persons?lang=en");
        browser.visit("/no/such/page");
        assert!(
            browser.text("main h1").contains("404"),
            "{}",
            browser.main_text()
        );

        browser.logout();
        browser.login("admin");
        visit_page(&browser, "/admin/users");
        visit_page(&browser, "/admin/users?lang=ru");
        browser.visit("/admin/users?lang=en");
        browser.logout();
        for page in [
            "/",
            "/login",
            "/public",
            "/public?q=a",
            "/elections/kz-2019",
        ] {
            visit_page(&browser, page);
        }
    });
}

/// The page checks are not vacuous: a reference to another host and a box wider than a phone,
/// added to a page that passes, are both reported.
#[test]
fn the_page_checks_catch_a_foreign_reference_and_a_page_too_wide() {
    scenario(test_name!(), |s| {
        let browser = s.browser(DESKTOP);
        browser.visit("/login");
        assert_eq!(
            browser.page_faults(),
            Vec::<String>::new(),
            "the login page passes"
        );

        // The app's policy blocks the fetch itself; the reference alone is a fault.
        browser.script(
            "const image = document.createElement('img'); \
             image.src = 'http://192.0.2.1/pixel.png'; image.alt = ''; document.body.append(image);",
        );
        let faults = browser.page_faults();
        assert_eq!(faults.len(), 1, "{faults:?}");
        assert!(
            faults[0].contains("img http://192.0.2.1/pixel.png"),
            "{faults:?}"
        );

        browser.visit("/login");
        browser.script(
            "const wide = document.createElement('div'); wide.id = 'too-wide'; \
             wide.style.width = '900px'; wide.style.height = '10px'; document.querySelector('main').append(wide);",
        );
        let faults = browser.page_faults();
        assert_eq!(faults.len(), 1, "{faults:?}");
        assert!(faults[0].contains("div#too-wide (900 px)"), "{faults:?}");

        // A form field pushed out of the screen inside a box that clips it cannot be reached.
        browser.visit("/login");
        browser.script(
            "const form = document.querySelector('form[action=\"/login\"]'); \
             form.style.overflow = 'hidden'; form.querySelector('#f-username').style.marginLeft = '600px';",
        );
        let faults = browser.page_faults();
        assert!(
            faults.iter().any(
                |fault| fault.contains("form controls out of a phone's screen")
                    && fault.contains("username")
            ),
            "{faults:?}"
        );
    });
}
