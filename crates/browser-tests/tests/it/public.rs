//! The public list shows only persons who may be published (consent given, or not asked and
//! approved by a coordinator; never refused, never drafts), and never their restricted fields.

use kuzet_register::{Actor, City, Consent, Person, PersonName};
use kuzet_store::{NewPerson, PersonId, PersonQuery};

use crate::{App, Browser, DESKTOP, PHONE, scenario, test_name};

fn add_person(app: &App, name: &str, consent: Consent, contact: &str) -> PersonId {
    let mut person = Person::new(PersonName::parse(name).expect("a valid name"));
    person.city = Some(City::parse("Almaty").expect("a valid city"));
    person.consent = consent;
    person.contact = contact.to_owned();
    app.block_on(
        app.store
            .add_person(&Actor::system(), &NewPerson::new(person)),
    )
    .expect("the person is stored")
}

/// The names the public list shows for a search, through its form.
fn public_names(browser: &Browser, words: &str) -> Vec<String> {
    browser.visit("/public");
    browser.fill("#f-q", words);
    browser.click_through("form.filters button[type=submit]");
    browser
        .find_all("main table tbody tr td:first-child")
        .iter()
        .map(|cell| {
            let text = cell.text().expect("a cell's text");
            // The first cell is the name, then the roles in brackets.
            text.split(" (").next().unwrap_or("").trim().to_owned()
        })
        .collect()
}

fn shows(browser: &Browser, name: &str) -> bool {
    public_names(browser, name)
        .iter()
        .any(|shown| shown == name)
}

#[test]
fn the_public_list_shows_only_published_persons_and_no_restricted_fields() {
    scenario(test_name!(), |s| {
        let app = &s.app;
        add_person(app, "Saule Publikova", Consent::Given, "+7 701 111 11 11");
        let refused = add_person(app, "Bolat Privatov", Consent::Refused, "+7 701 222 22 22");
        let unasked = add_person(
            app,
            "Erlan Neizvestov",
            Consent::NotAsked,
            "+7 701 333 33 33",
        );

        let visitor = s.browser(PHONE);
        assert!(
            shows(&visitor, "Saule Publikova"),
            "consent given: published"
        );
        let source = visitor.html();
        assert!(
            !source.contains("+7 701 111 11 11"),
            "the contact detail is restricted"
        );
        assert!(
            !shows(&visitor, "Bolat Privatov"),
            "consent refused: never published"
        );
        assert!(
            !shows(&visitor, "Erlan Neizvestov"),
            "consent not asked: not published until approved"
        );

        // The demo register: one published and one unpublished person with names of their own.
        let mut rows = Vec::new();
        for page in 1.. {
            let query = PersonQuery {
                page,
                per_page: 500,
                ..PersonQuery::default()
            };
            let listed = app
                .block_on(app.store.list_persons(&Actor::system(), &query))
                .expect("the register lists");
            rows.extend(listed.items);
            if page >= listed.pages {
                break;
            }
        }
        let unique = |wanted: bool| {
            rows.iter()
                .find(|row| {
                    row.publishable == wanted
                        && rows.iter().filter(|other| other.name == row.name).count() == 1
                })
                .map(|row| row.name.clone())
                .unwrap_or_else(|| {
                    panic!("the demo register has a person with publishable = {wanted}")
                })
        };
        let (published, unpublished) = (unique(true), unique(false));
        assert!(shows(&visitor, &published), "{published} is published");
        assert!(
            !shows(&visitor, &unpublished),
            "{unpublished} is not published"
        );

        // A coordinator approves both: only the one never asked appears.
        let coordinator = s.browser(DESKTOP);
        coordinator.login("coordinator");
        for person in [unasked, refused] {
            coordinator.visit(&format!("/persons/{}", person.0));
            coordinator.click_through(&format!(
                "form[action=\"/persons/{}/publication\"] button[type=submit]",
                person.0
            ));
            assert_eq!(coordinator.path(), format!("/persons/{}", person.0));
        }
        assert!(shows(&visitor, "Erlan Neizvestov"), "approved: published");
        assert!(
            !shows(&visitor, "Bolat Privatov"),
            "refused consent wins over an approval"
        );

        // A volunteer's draft is not public even with consent.
        let volunteer = s.browser(PHONE);
        volunteer.login("volunteer");
        volunteer.visit("/persons/new");
        volunteer.fill("#f-name", "Aliya Chernovikova");
        volunteer.choose("#f-consent", "given");
        volunteer.click_through(crate::SAVE);
        assert!(
            volunteer.path().starts_with("/persons/"),
            "{}",
            volunteer.path()
        );
        assert!(
            !shows(&visitor, "Aliya Chernovikova"),
            "a draft is not published"
        );
    });
}
