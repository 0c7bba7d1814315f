//! Resolving a duplicate: one person recorded twice, once in Cyrillic and once in Latin
//! letters, each record with a detention of its own. The review queue shows the pair with its
//! evidence; a coordinator merges it, the kept record's page shows the facts of both, and the
//! merge's undo brings both records back as they were.

use kuzet_register::{Actor, BirthDate, City, Detention, Person, PersonName, parse_date_time};
use kuzet_store::{NewDetention, NewPerson, PersonId};

use crate::{Browser, DESKTOP, scenario, test_name};

const CYRILLIC: &str = "Жанар Дубликатова";
const LATIN: &str = "Zhanar Dublikatova";
const CYRILLIC_STATION: &str = "Медеуский РУВД";
const LATIN_STATION: &str = "Bostandyk district police";

/// The queue's section showing both records, found by their names.
fn pair_section(browser: &Browser) -> Option<String> {
    browser
        .find_all("section.duplicate-pair")
        .iter()
        .map(|section| section.text().unwrap_or_default())
        .find(|text| text.contains(CYRILLIC) && text.contains(LATIN))
}

#[test]
fn a_duplicate_in_two_scripts_is_merged_with_the_facts_of_both_and_the_merge_undone() {
    scenario(test_name!(), |s| {
        let app = &s.app;
        let add = |name: &str, station: &str, detained: &str| -> PersonId {
            let mut person = Person::new(PersonName::parse(name).expect("a valid name"));
            person.birth = Some(BirthDate::parse("1994").expect("a year"));
            person.city = Some(City::parse("Almaty").expect("a valid city"));
            let id = app
                .block_on(
                    app.store
                        .add_person(&Actor::system(), &NewPerson::new(person)),
                )
                .expect("the person is stored");
            let mut detention = Detention::new(parse_date_time(detained).expect("a moment"));
            detention.police_station = station.to_owned();
            app.block_on(app.store.add_detention(
                &Actor::system(),
                id,
                &NewDetention {
                    event_id: None,
                    detention,
                },
            ))
            .expect("the detention is stored");
            id
        };
        let kept = add(CYRILLIC, CYRILLIC_STATION, "09.06.2019 14:00");
        let removed = add(LATIN, LATIN_STATION, "12.06.2019 18:30");

        let browser = s.browser(DESKTOP);
        browser.login("coordinator");
        browser.visit("/duplicates");
        let section = pair_section(&browser).expect("the queue shows the pair");
        // The evidence: why the two records may be one person.
        assert!(section.contains("1994"), "{section}");
        assert!(
            browser.has("section.duplicate-pair ul li"),
            "the pair comes with its evidence"
        );

        // Merge the Latin record into the Cyrillic one.
        browser.click_through(&format!(
            "form[action=\"/duplicates/merge\"]:has(input[name=keep][value=\"{}\"]):has(input[name=remove][value=\"{}\"]) button",
            kept.0, removed.0
        ));
        let path = browser.path();
        assert!(
            path.starts_with(&format!("/duplicates?done=merged&person={}", kept.0)),
            "{path}"
        );
        let merge_id: i64 = path
            .rsplit_once("merge=")
            .and_then(|(_, id)| id.split('&').next()?.parse().ok())
            .expect("the merge's id in the address");
        assert!(pair_section(&browser).is_none(), "the pair left the queue");

        browser.click_through(&format!("p.notice a[href=\"/persons/{}\"]", kept.0));
        assert_eq!(browser.path(), format!("/persons/{}", kept.0));
        let page = browser.main_text();
        for expected in [CYRILLIC, LATIN, CYRILLIC_STATION, LATIN_STATION] {
            assert!(
                page.contains(expected),
                "the merged record shows {expected}: {page}"
            );
        }
        let gone = app.block_on(app.store.person(&Actor::system(), removed));
        assert!(gone.is_err(), "the merged-away record is gone: {gone:?}");

        // Undo: both records are back, each with its own detention only.
        browser.visit("/duplicates");
        browser.click_through(&format!(
            "form[action=\"/duplicates/merges/{merge_id}/undo\"] button"
        ));
        assert!(
            browser.path().starts_with("/duplicates?done=undone"),
            "{}",
            browser.path()
        );
        assert!(
            pair_section(&browser).is_some(),
            "the pair is back in the queue"
        );
        browser.visit(&format!("/persons/{}", kept.0));
        let page = browser.main_text();
        assert!(page.contains(CYRILLIC_STATION), "{page}");
        assert!(!page.contains(LATIN_STATION), "{page}");
        browser.visit(&format!("/persons/{}", removed.0));
        let page = browser.main_text();
        assert!(
            page.contains(LATIN) && page.contains(LATIN_STATION),
            "{page}"
        );
        assert!(!page.contains(CYRILLIC_STATION), "{page}");
    });
}
