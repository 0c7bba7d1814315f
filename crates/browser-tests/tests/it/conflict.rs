//! Two coordinators edit the same person: the second save is refused with a clear message and
//! the typed input kept, and saving again is a deliberate overwrite.

use kuzet_register::{Actor, City, Person, PersonName};
use kuzet_store::NewPerson;

use crate::{DESKTOP, PHONE, SAVE, scenario, test_name};

#[test]
fn two_coordinators_editing_one_person_get_a_conflict_not_a_silent_overwrite() {
    scenario(test_name!(), |s| {
        let app = &s.app;
        let mut person = Person::new(PersonName::parse("Ainur Konfliktova").expect("a valid name"));
        person.city = Some(City::parse("Almaty").expect("a valid city"));
        let id = app
            .block_on(
                app.store
                    .add_person(&Actor::system(), &NewPerson::new(person)),
            )
            .expect("the person is stored");
        let stored = || {
            app.block_on(app.store.person(&Actor::system(), id))
                .expect("the person is readable")
                .person
        };
        let opened = stored().version;
        let edit = format!("/persons/{}/edit", id.0);

        let first = s.browser(PHONE);
        first.login("coordinator");
        first.visit(&edit);
        let second = s.browser(DESKTOP);
        second.login("coordinator2");
        second.visit(&edit);
        assert_eq!(first.value("input[name=version]"), opened.to_string());

        second.fill("#f-city", "Nur-Sultan");
        second.click_through(SAVE);
        assert_eq!(second.path(), format!("/persons/{}", id.0));
        assert_eq!(stored().city.as_deref(), Some("Nur-Sultan"));

        first.fill("#f-notes", "Held overnight at the district station.");
        first.click_through(SAVE);
        assert_eq!(
            first.attribute("section.conflict", "role").as_deref(),
            Some("alert"),
            "the conflict is announced"
        );
        let message = first.text("section.conflict");
        assert!(
            message.contains(&format!("version {}", opened + 1)),
            "{message}"
        );
        assert!(
            message.contains("Nur-Sultan") && message.contains("Almaty"),
            "the differing city is shown: {message}"
        );
        assert_eq!(
            first.value("#f-notes"),
            "Held overnight at the district station.",
            "the typed notes are kept"
        );
        let after_conflict = stored();
        assert_eq!(after_conflict.version, opened + 1, "nothing was saved");
        assert_eq!(after_conflict.notes.as_deref().unwrap_or(""), "");
        assert_eq!(after_conflict.city.as_deref(), Some("Nur-Sultan"));
        assert_eq!(
            first.value("input[name=version]"),
            (opened + 1).to_string(),
            "the form now builds on the current version"
        );

        first.click_through(SAVE);
        assert_eq!(first.path(), format!("/persons/{}", id.0));
        let overwritten = stored();
        assert_eq!(overwritten.version, opened + 2);
        assert_eq!(
            overwritten.notes.as_deref(),
            Some("Held overnight at the district station.")
        );
        assert_eq!(
            overwritten.city.as_deref(),
            Some("Almaty"),
            "saving again keeps what the form showed"
        );
    });
}
