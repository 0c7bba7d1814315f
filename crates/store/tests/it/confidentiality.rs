//! Confidentiality per role: what each actor sees of one person, and what the public list
//! holds.

use kuzet_register::{Actor, Consent, Role};
use kuzet_store::{PersonPage, PersonQuery, StoreError};

use crate::register::scenario;
use crate::support::{admin, person, stores, user};

/// The fields of a person page that are filled, in a fixed order.
fn visible(page: &PersonPage) -> String {
    let person = &page.person;
    let detention = &page.detentions[0];
    let mut shown = Vec::new();
    let mut show = |name: &str, present: bool| {
        if present {
            shown.push(name.to_owned());
        }
    };
    show("birth_year", person.birth_year.is_some());
    show("birth_date", person.birth_date.is_some());
    show("contact", person.contact.is_some());
    show("consent", person.consent.is_some());
    show("notes", person.notes.is_some());
    show("detained_by", detention.detained_by.is_some());
    show("treatment", detention.treatment.is_some());
    show("injuries", detention.injuries.is_some());
    show(
        "hearing",
        page.decisions
            .first()
            .is_some_and(|d| d.hearing_minutes.is_some()),
    );
    show(
        "lawyer",
        page.decisions
            .first()
            .is_some_and(|d| d.lawyer_present.is_some()),
    );
    show("transfers", !page.transfers.is_empty());
    show("custody", !page.custody.is_empty());
    show("history", !page.history.is_empty());
    let sources: Vec<&str> = page
        .sources
        .iter()
        .map(|s| {
            if s.reference.is_some() {
                s.kind.as_str()
            } else {
                "hidden"
            }
        })
        .collect();
    format!("{} | sources: {}", shown.join(" "), sources.join(","))
}

#[tokio::test]
async fn each_role_sees_only_its_fields_of_a_person() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        let analyst = user(store, "analyst", Role::Analyst).await;
        let all = "birth_year birth_date contact consent notes detained_by treatment injuries hearing lawyer transfers custody history \
                   | sources: post,relative,lawyer";
        let cases: [(&str, Actor, &str); 5] = [
            ("admin", admin(), all),
            ("coordinator", s.coordinator, all),
            (
                "volunteer",
                volunteer,
                "birth_year consent notes detained_by treatment hearing lawyer transfers custody | sources: post,hidden,lawyer",
            ),
            (
                "analyst",
                analyst,
                "birth_year consent notes detained_by treatment hearing lawyer transfers custody history | sources: post,hidden,lawyer",
            ),
            ("public", Actor::public(), "birth_year custody | sources: "),
        ];
        for (role, actor, expected) in cases {
            let page = store.person(&actor, s.aidar).await.unwrap();
            assert_eq!(visible(&page), expected, "{}: {role}", test.backend);
            let names = page.person.name.as_str();
            assert_eq!(names, "Aidar Tolymov");
            // Hidden fields do not leak through the timeline's words either.
            let words: String = page
                .timeline
                .iter()
                .map(|entry| entry.summary.clone())
                .collect::<Vec<_>>()
                .join(" / ");
            if page.detentions[0].detained_by.is_none() {
                assert!(!words.contains("special forces"), "{role}: {words}");
                assert!(!words.contains("Transferred"), "{role}: {words}");
                assert!(
                    page.timeline.iter().all(|entry| entry.sources.is_empty()),
                    "{role}"
                );
            }
        }

        // The public never learns whether an unpublished person is in the register.
        let cases = [
            (s.aidar, "ok"),
            (s.bekzat, "ok"),
            (s.kairat, "not found"),
            (s.dana, "not found"),
        ];
        for (id, expected) in cases {
            let actual = match store.person(&Actor::public(), id).await {
                Ok(_) => "ok",
                Err(StoreError::NotFound) => "not found",
                Err(_) => "other error",
            };
            assert_eq!(actual, expected, "{}: public view of {id}", test.backend);
        }

        // A volunteer sees the restricted fields of a record they made, not of others'.
        let mut own = person("Own Record");
        own.person.contact = "+7 000 999 88 77".into();
        let id = store.add_person(&volunteer, &own).await.unwrap();
        assert_eq!(
            store
                .person(&volunteer, id)
                .await
                .unwrap()
                .person
                .contact
                .as_deref(),
            Some("+7 000 999 88 77")
        );
        assert_eq!(
            store.person(&analyst, id).await.unwrap().person.contact,
            None
        );
        let other_volunteer = user(store, "volunteer2", Role::Volunteer).await;
        assert_eq!(
            store
                .person(&other_volunteer, id)
                .await
                .unwrap()
                .person
                .contact,
            None
        );
    }
}

#[tokio::test]
async fn the_public_list_holds_only_published_checked_people_and_public_fields() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let page = store.public_persons(&PersonQuery::default()).await.unwrap();
        let rows: Vec<String> = page
            .items
            .iter()
            .map(|row| {
                format!(
                    "{} {} {} {} {}",
                    row.name,
                    row.event_date.as_deref().unwrap_or("-"),
                    row.released_at.as_deref().unwrap_or("-"),
                    row.outcome_text.as_deref().unwrap_or("-"),
                    row.custody_place.as_deref().unwrap_or("-")
                )
            })
            .collect();
        // Kairat was not asked and not approved; Dana refused (an approval does not override).
        assert_eq!(
            rows,
            [
                "Бекзат Жуаров 2019-06-09 2019-06-09T17:00:00 fine 126250 KZT -",
                "Aidar Tolymov 2019-06-09 2019-06-10T07:30:00 arrest 15 days Special detention centre, Akmola region",
            ],
            "{}",
            test.backend
        );
        assert_eq!(page.total, 2);
        // The JSON of a public row has no restricted or internal field at all.
        let json = serde_json::to_value(&page.items[1]).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        for forbidden in [
            "contact",
            "address",
            "birth_date",
            "injuries",
            "consent",
            "notes",
            "treatment",
            "detained_by",
        ] {
            assert!(
                !keys.iter().any(|key| key.as_str() == forbidden),
                "{forbidden} in {keys:?}"
            );
        }
        // Filters work on the public list too, and cannot widen it.
        let kairat = store
            .public_persons(&PersonQuery {
                text: Some("kairat".into()),
                ..PersonQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(kairat.total, 0);

        // A volunteer's consenting draft is published only once a coordinator checked it.
        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        let mut draft = person("Consenting Draft");
        draft.person.consent = Consent::Given;
        let id = store.add_person(&volunteer, &draft).await.unwrap();
        let query = PersonQuery {
            text: Some("consenting".into()),
            ..PersonQuery::default()
        };
        assert_eq!(store.public_persons(&query).await.unwrap().total, 0);
        store
            .update_person(&s.coordinator, id, 1, &draft)
            .await
            .unwrap();
        assert_eq!(store.public_persons(&query).await.unwrap().total, 1);
        // Withdrawn consent unpublishes at once.
        let mut withdrawn = draft.clone();
        withdrawn.person.consent = Consent::Refused;
        store
            .update_person(&s.coordinator, id, 2, &withdrawn)
            .await
            .unwrap();
        assert_eq!(store.public_persons(&query).await.unwrap().total, 0);
    }
}
