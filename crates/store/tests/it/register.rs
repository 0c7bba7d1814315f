//! Register reads and writes: events and claims, persons with versions, detentions, decisions,
//! custody, transfers and sources, derived statuses, the filtered list and the dashboard.

use kuzet_register::{
    Actor, Article, City, ClaimedCount, Code, Custody, Decision, Event, OfficialClaim, Outcome,
    PersonName, PersonRole, Role, Source, SourceKind, Transfer, TreatmentSet,
};
use kuzet_store::{
    AuditFilter, AuditVerdict, DetentionId, EventId, FactRef, NewDetention, PersonId, PersonQuery,
    PersonSort, Store, StoreError,
};
use time::Duration;

use crate::support::{TestStore, admin, date, date_time, detention, person, stores, user};

/// The ids of the small register every test here starts from.
pub struct Scenario {
    pub coordinator: Actor,
    pub almaty: EventId,
    pub nur_sultan: EventId,
    /// Aidar Tolymov: journalist, arrested for 15 days, transferred, with sources.
    pub aidar: PersonId,
    pub aidar_detention: DetentionId,
    /// Бекзат Жуаров: fined.
    pub bekzat: PersonId,
    /// Kairat Sesekov: still held in Nur-Sultan.
    pub kairat: PersonId,
    pub kairat_detention: DetentionId,
    /// Dana Orkova: a minor who refused publication, warned.
    pub dana: PersonId,
}

fn decision(on: &str, outcome: Outcome) -> Decision {
    Decision {
        authority: "Specialised administrative court".into(),
        decided_on: date(on),
        hearing_minutes: Some(4),
        lawyer_present: Some(false),
        article: Some(Article {
            code: Code::Administrative,
            number: 488,
        }),
        outcome,
    }
}

/// Builds the scenario as of 12 June 2019, noon (the store's clock is moved there).
pub async fn scenario(test: &TestStore) -> Scenario {
    test.clock.advance(Duration::hours(2 * 24 + 18));
    let store = &test.store;
    let coordinator = user(store, "coordinator", Role::Coordinator).await;
    let almaty = store
        .add_event(
            &coordinator,
            &Event::new(
                "Election-day protest, Almaty",
                date("09.06.2019"),
                City::parse("Almaty").unwrap(),
                "Astana Square",
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let nur_sultan = store
        .add_event(
            &coordinator,
            &Event::new(
                "Protest, Nur-Sultan",
                date("10.06.2019"),
                City::parse("Nur-Sultan").unwrap(),
                "",
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let claim = |count, subject: &str| OfficialClaim {
        said_by: "Ministry of Internal Affairs".into(),
        said_on: date("09.06.2019"),
        count,
        subject: subject.into(),
        source_url: String::new(),
    };
    store
        .add_official_claim(
            &coordinator,
            Some(almaty),
            &claim(ClaimedCount::About(500), "detained"),
        )
        .await
        .unwrap();
    store
        .add_official_claim(
            &coordinator,
            None,
            &claim(ClaimedCount::About(4000), "detained in Kazakhstan"),
        )
        .await
        .unwrap();

    let mut aidar = person("Aidar Tolymov");
    aidar.aliases = vec![PersonName::parse("Айдар Толымов").unwrap()];
    aidar.person.city = Some(City::parse("Almaty").unwrap());
    aidar.person.roles = vec![PersonRole::Journalist];
    aidar.person.contact = "+7 000 111 22 33".into();
    aidar.person.birth = Some(kuzet_register::BirthDate::parse("14.02.1987").unwrap());
    aidar.person.consent = kuzet_register::Consent::Given;
    let aidar = store.add_person(&coordinator, &aidar).await.unwrap();
    let mut held = detention(
        "09.06.2019 14:00",
        "10.06.2019 07:30",
        "Bostandyk district police department",
    );
    held.detained_by = "special forces".into();
    held.treatment = TreatmentSet::parse("beaten; injured; denied_lawyer").unwrap();
    held.injuries = "bruised hands".into();
    let aidar_detention = store
        .add_detention(
            &coordinator,
            aidar,
            &NewDetention {
                event_id: Some(almaty),
                detention: held,
            },
        )
        .await
        .unwrap();
    let arrest = store
        .add_decision(
            &coordinator,
            aidar_detention,
            &decision("10.06.2019", Outcome::AdministrativeArrest { days: 15 }),
        )
        .await
        .unwrap();
    let transfer = store
        .add_transfer(
            &coordinator,
            aidar_detention,
            &Transfer {
                from_place: "Bostandyk district police department".into(),
                to_place: "Special detention centre, Akmola region".into(),
                departed_at: Some(date_time("11.06.2019 08:00")),
                distance_km: Some(150),
                hours_in_transport: Some(5.0),
                relatives_told_on: Some(date("13.06.2019")),
            },
        )
        .await
        .unwrap();
    store
        .add_custody(
            &coordinator,
            aidar_detention,
            &Custody {
                place: "Special detention centre, Akmola region".into(),
                region: "Akmola region".into(),
                from: date("11.06.2019"),
                until: None,
            },
        )
        .await
        .unwrap();
    let post = Source::new(SourceKind::Post, "https://example.invalid/posts/1", false).unwrap();
    store
        .add_source(&coordinator, FactRef::Detention(aidar_detention), &post)
        .await
        .unwrap();
    let relative = Source::new(SourceKind::Relative, "sister, by phone", true).unwrap();
    store
        .add_source(&coordinator, FactRef::Decision(arrest), &relative)
        .await
        .unwrap();
    let lawyer = Source::new(SourceKind::Lawyer, "lawyer of the family", false).unwrap();
    store
        .add_source(&coordinator, FactRef::Transfer(transfer), &lawyer)
        .await
        .unwrap();

    let mut bekzat = person("Бекзат Жуаров");
    bekzat.person.city = Some(City::parse("Almaty").unwrap());
    bekzat.person.publication_approved = true;
    let bekzat = store.add_person(&coordinator, &bekzat).await.unwrap();
    let fined = store
        .add_detention(
            &coordinator,
            bekzat,
            &NewDetention {
                event_id: Some(almaty),
                detention: detention(
                    "09.06.2019 15:00",
                    "09.06.2019 17:00",
                    "Almaly district police department",
                ),
            },
        )
        .await
        .unwrap();
    store
        .add_decision(
            &coordinator,
            fined,
            &decision("10.06.2019", Outcome::Fine { amount: 126_250 }),
        )
        .await
        .unwrap();

    let mut kairat = person("Kairat Sesekov");
    kairat.person.city = Some(City::parse("Nur-Sultan").unwrap());
    kairat.person.roles = vec![PersonRole::Activist];
    let kairat = store.add_person(&coordinator, &kairat).await.unwrap();
    let kairat_detention = store
        .add_detention(
            &coordinator,
            kairat,
            &NewDetention {
                event_id: Some(nur_sultan),
                detention: detention("10.06.2019 12:00", "", "Yesil district police department"),
            },
        )
        .await
        .unwrap();

    let mut dana = person("Dana Orkova");
    dana.person.city = Some(City::parse("Almaty").unwrap());
    dana.person.roles = vec![PersonRole::Minor];
    dana.person.consent = kuzet_register::Consent::Refused;
    dana.person.publication_approved = true;
    let dana = store.add_person(&coordinator, &dana).await.unwrap();
    let warned = store
        .add_detention(
            &coordinator,
            dana,
            &NewDetention {
                event_id: Some(almaty),
                detention: detention(
                    "09.06.2019 16:00",
                    "09.06.2019 18:00",
                    "Almaly district police department",
                ),
            },
        )
        .await
        .unwrap();
    store
        .add_decision(
            &coordinator,
            warned,
            &decision("10.06.2019", Outcome::Warning),
        )
        .await
        .unwrap();

    Scenario {
        coordinator,
        almaty,
        nur_sultan,
        aidar,
        aidar_detention,
        bekzat,
        kairat,
        kairat_detention,
        dana,
    }
}

/// Lists with `query` as a coordinator and compares the names in list order.
async fn check(store: &Store, scenario: &Scenario, query: PersonQuery, expected: &str) {
    let page = store
        .list_persons(&scenario.coordinator, &query)
        .await
        .unwrap();
    let names: Vec<&str> = page.items.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names.join(", "), expected, "{query:?}");
    if query.per_page == 0 {
        assert_eq!(page.total as usize, page.items.len(), "{query:?}");
    }
}

#[tokio::test]
async fn the_list_filters_searches_sorts_and_pages() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let q = PersonQuery::default;
        check(
            store,
            &s,
            q(),
            "Kairat Sesekov, Dana Orkova, Бекзат Жуаров, Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                event: Some(s.almaty),
                ..q()
            },
            "Dana Orkova, Бекзат Жуаров, Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                event: Some(s.nur_sultan),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                city: Some("Nur-Sultan".into()),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                date_from: Some(date("10.06.2019")),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                date_to: Some(date("09.06.2019")),
                ..q()
            },
            "Dana Orkova, Бекзат Жуаров, Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                date_from: Some(date("11.06.2019")),
                ..q()
            },
            "",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                status: Some("serving_arrest".into()),
                ..q()
            },
            "Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                status: Some("held".into()),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                status: Some("fined".into()),
                ..q()
            },
            "Бекзат Жуаров",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                outcome: Some("arrest".into()),
                ..q()
            },
            "Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                outcome: Some("none".into()),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                role: Some(PersonRole::Journalist),
                ..q()
            },
            "Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                role: Some(PersonRole::Minor),
                ..q()
            },
            "Dana Orkova",
        )
        .await;
        // Search in any script, by alias, by word prefix, case-insensitive.
        check(
            store,
            &s,
            PersonQuery {
                text: Some("айдар".into()),
                ..q()
            },
            "Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("TOLYM".into()),
                ..q()
            },
            "Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("жуаров".into()),
                ..q()
            },
            "Бекзат Жуаров",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("kairat ses".into()),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("Dana Tolymov".into()),
                ..q()
            },
            "",
        )
        .await;
        // Across scripts through the folded keys: a Latin query finds a Cyrillic name and back.
        check(
            store,
            &s,
            PersonQuery {
                text: Some("Zhuarov".into()),
                ..q()
            },
            "Бекзат Жуаров",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("Бекзат".into()),
                ..q()
            },
            "Бекзат Жуаров",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("Сесеков Кайрат".into()),
                ..q()
            },
            "Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("ОРКОВА".into()),
                ..q()
            },
            "Dana Orkova",
        )
        .await;
        // Query syntax and SQL in the search box are text, not commands.
        check(
            store,
            &s,
            PersonQuery {
                text: Some("\"*".into()),
                ..q()
            },
            "Kairat Sesekov, Dana Orkova, Бекзат Жуаров, Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("x' OR 1=1; DROP TABLE persons; --".into()),
                ..q()
            },
            "",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                text: Some("Aidar OR Dana".into()),
                ..q()
            },
            "",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                city: Some("' OR '1'='1".into()),
                ..q()
            },
            "",
        )
        .await;
        // Combined filters.
        check(
            store,
            &s,
            PersonQuery {
                event: Some(s.almaty),
                outcome: Some("warning".into()),
                ..q()
            },
            "Dana Orkova",
        )
        .await;
        // Sorting.
        check(
            store,
            &s,
            PersonQuery {
                sort: PersonSort::NameAsc,
                ..q()
            },
            "Aidar Tolymov, Dana Orkova, Kairat Sesekov, Бекзат Жуаров",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                sort: PersonSort::NameDesc,
                ..q()
            },
            "Бекзат Жуаров, Kairat Sesekov, Dana Orkova, Aidar Tolymov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                sort: PersonSort::DetainedAsc,
                ..q()
            },
            "Aidar Tolymov, Бекзат Жуаров, Dana Orkova, Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                sort: PersonSort::HoursHeldDesc,
                ..q()
            },
            "Aidar Tolymov, Бекзат Жуаров, Dana Orkova, Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                sort: PersonSort::CityAsc,
                ..q()
            },
            "Aidar Tolymov, Dana Orkova, Бекзат Жуаров, Kairat Sesekov",
        )
        .await;
        check(
            store,
            &s,
            PersonQuery {
                sort: PersonSort::StatusAsc,
                ..q()
            },
            "Бекзат Жуаров, Kairat Sesekov, Aidar Tolymov, Dana Orkova",
        )
        .await;
        assert_eq!(
            PersonSort::ALL.map(|sort| PersonSort::parse(sort.as_str())),
            PersonSort::ALL.map(Some)
        );
        assert_eq!(PersonSort::parse("bogus"), None);
        // Pages.
        let page = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    per_page: 3,
                    page: 2,
                    ..q()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (
                page.total,
                page.page,
                page.per_page,
                page.pages,
                page.items.len()
            ),
            (4, 2, 3, 2, 1),
            "{}",
            test.backend
        );
        assert_eq!(page.items[0].name, "Aidar Tolymov");
        let beyond = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    per_page: 3,
                    page: 9,
                    ..q()
                },
            )
            .await
            .unwrap();
        assert!(beyond.items.is_empty());

        let row = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    text: Some("aidar".into()),
                    ..q()
                },
            )
            .await
            .unwrap()
            .items
            .remove(0);
        assert_eq!(
            (
                row.event_title.as_deref(),
                row.detained_at.as_deref(),
                row.hours_held,
                row.outcome_text.as_deref(),
                row.roles.clone()
            ),
            (
                Some("Election-day protest, Almaty"),
                Some("2019-06-09T14:00:00"),
                Some(17.5),
                Some("arrest 15 days"),
                vec!["journalist".to_owned()]
            )
        );
    }
}

#[tokio::test]
async fn the_person_page_has_a_timeline_with_sources_and_a_history() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let page = store.person(&s.coordinator, s.aidar).await.unwrap();
        let timeline: Vec<String> = page
            .timeline
            .iter()
            .map(|entry| {
                format!(
                    "{} {} [{}]",
                    entry.at,
                    entry.kind,
                    entry
                        .sources
                        .iter()
                        .map(|s| s.kind.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .collect();
        assert_eq!(
            timeline,
            [
                "2019-06-09T14:00:00 detained [post]",
                "2019-06-10 decision [relative]",
                "2019-06-10T07:30:00 released []",
                "2019-06-11 custody []",
                "2019-06-11T08:00:00 transfer [lawyer]",
                "2019-06-13 relatives_told []",
            ],
            "{}",
            test.backend
        );
        assert_eq!(
            page.timeline[0].summary,
            "Detained by special forces at Election-day protest, Almaty; taken to Bostandyk district police department"
        );
        assert_eq!(
            page.timeline[5].summary,
            "Relatives told where the person is, 2 days after the transfer"
        );
        assert_eq!(page.person.status, "serving_arrest");
        assert_eq!(page.person.status_until.as_deref(), Some("2019-06-25"));
        assert_eq!(
            page.person.status_place.as_deref(),
            Some("Special detention centre, Akmola region")
        );
        assert_eq!(page.person.aliases, ["Айдар Толымов"]);
        assert_eq!(page.detentions[0].hours_held, Some(17.5));
        assert!(page.detentions[0].over_legal_limit);
        assert_eq!(page.decisions[0].article.as_deref(), Some("AC 488"));
        assert_eq!(page.transfers[0].days_until_relatives_told, Some(2));
        assert_eq!(page.sources.len(), 3);
        // History: the person and each fact, newest first.
        let history: Vec<String> = page
            .history
            .iter()
            .map(|r| format!("{} {}", r.entity, r.action))
            .collect();
        assert_eq!(
            history,
            [
                "source create",
                "source create",
                "source create",
                "custody create",
                "transfer create",
                "decision create",
                "detention create",
                "person create"
            ],
            "{}",
            test.backend
        );
        // The record for exports is the same page without the history.
        let record = store.person_record(&s.coordinator, s.aidar).await.unwrap();
        assert!(record.history.is_empty());
        assert_eq!(
            kuzet_store::PersonPage {
                history: page.history.clone(),
                ..record
            },
            page
        );
        // Kairat is still held: over the three-hour limit at the status moment.
        let kairat = store.person(&s.coordinator, s.kairat).await.unwrap();
        assert_eq!(
            (
                kairat.person.status.as_str(),
                kairat.detentions[0].over_legal_limit
            ),
            ("held", true)
        );
        assert!(matches!(
            store.person(&s.coordinator, PersonId(999)).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn statuses_follow_new_facts_and_time() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let coordinator = s.coordinator;
        let status =
            |id| async move { store.person(&coordinator, id).await.unwrap().person.status };
        assert_eq!(status(s.kairat).await, "held");
        // The release is recorded: released without a decision.
        let mut released = detention(
            "10.06.2019 12:00",
            "11.06.2019 09:00",
            "Yesil district police department",
        );
        released.detained_by = "police".into();
        store
            .update_detention(
                &s.coordinator,
                s.kairat_detention,
                &NewDetention {
                    event_id: Some(s.nur_sultan),
                    detention: released,
                },
            )
            .await
            .unwrap();
        assert_eq!(status(s.kairat).await, "released_without_decision");
        let page = store.person(&s.coordinator, s.kairat).await.unwrap();
        assert_eq!(page.detentions[0].hours_held, Some(21.0));
        let history = store
            .audit_records(
                &s.coordinator,
                &AuditFilter {
                    entity: Some("detention".into()),
                    entity_id: Some(s.kairat_detention.0),
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            history[0].before.as_ref().unwrap()["released_at"],
            serde_json::Value::Null
        );
        assert_eq!(
            history[0].after.as_ref().unwrap()["released_at"],
            "2019-06-11T09:00:00"
        );
        // An appeal reduces Aidar's arrest to 3 days: served by 13 June.
        let appeal = Decision {
            authority: "Appeal court".into(),
            decided_on: date("11.06.2019"),
            hearing_minutes: None,
            lawyer_present: None,
            article: None,
            outcome: Outcome::Appeal {
                result: kuzet_register::AppealResult::Reduced { days: 3 },
            },
        };
        store
            .add_decision(&s.coordinator, s.aidar_detention, &appeal)
            .await
            .unwrap();
        assert_eq!(status(s.aidar).await, "serving_arrest");
        // Time passes: the arrest ends on 13 June and the status follows without a new fact.
        test.clock.advance(Duration::days(1));
        assert_eq!(status(s.aidar).await, "arrest_served", "{}", test.backend);
        let served = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    status: Some("arrest_served".into()),
                    ..PersonQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            served.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [s.aidar]
        );
        // The status moment can be fixed (as the demo does) and released again.
        assert_eq!(
            store.status_as_of().await.unwrap(),
            kuzet_store::StatusMoment {
                as_of: "2019-06-13T12:00:00".into(),
                fixed: false
            }
        );
        assert!(matches!(
            store.set_status_as_of(&s.coordinator, None).await,
            Err(StoreError::Forbidden)
        ));
        store
            .set_status_as_of(&admin(), Some(date_time("11.06.2019 12:00")))
            .await
            .unwrap();
        assert_eq!(
            store.status_as_of().await.unwrap(),
            kuzet_store::StatusMoment {
                as_of: "2019-06-11T12:00:00".into(),
                fixed: true
            }
        );
        assert_eq!(status(s.aidar).await, "serving_arrest");
        store.set_status_as_of(&admin(), None).await.unwrap();
        assert_eq!(status(s.aidar).await, "arrest_served");
        // Facts for unknown ids.
        assert!(matches!(
            store
                .add_decision(&s.coordinator, DetentionId(999), &appeal)
                .await,
            Err(StoreError::NotFound)
        ));
        let orphan = NewDetention {
            event_id: Some(EventId(999)),
            detention: detention("09.06.2019 12:00", "", ""),
        };
        assert!(matches!(
            store.add_detention(&s.coordinator, s.aidar, &orphan).await,
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(
            store
                .add_detention(&s.coordinator, PersonId(999), &orphan)
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn concurrent_edits_conflict_with_the_current_version() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let page = store.person(&s.coordinator, s.bekzat).await.unwrap();
        assert_eq!(page.person.version, 1);
        let mut first = person("Бекзат Жуаров");
        first.person.notes = "first editor".into();
        let mut second = person("Bekzat Kamarov");
        second.person.notes = "second editor".into();
        assert_eq!(
            store
                .update_person(&s.coordinator, s.bekzat, 1, &first)
                .await
                .unwrap(),
            2
        );
        let conflict = store
            .update_person(&s.coordinator, s.bekzat, 1, &second)
            .await;
        assert!(
            matches!(conflict, Err(StoreError::Conflict { current_version: 2 })),
            "{}: {conflict:?}",
            test.backend
        );
        assert_eq!(
            store
                .update_person(&s.coordinator, s.bekzat, 2, &second)
                .await
                .unwrap(),
            3
        );
        let page = store.person(&s.coordinator, s.bekzat).await.unwrap();
        assert_eq!(
            (
                page.person.name.as_str(),
                page.person.notes.as_deref(),
                page.person.version
            ),
            ("Bekzat Kamarov", Some("second editor"), 3)
        );
        // The new name is searchable, the old one is not.
        let coordinator = s.coordinator;
        let found = |text: &str| {
            let query = PersonQuery {
                text: Some(text.into()),
                ..PersonQuery::default()
            };
            async move {
                store
                    .list_persons(&coordinator, &query)
                    .await
                    .unwrap()
                    .total
            }
        };
        assert_eq!(
            (
                found("kamarov").await,
                found("камаров").await,
                found("жуаров").await
            ),
            (1, 1, 0)
        );
        // Publication changes bump the version too.
        assert_eq!(
            store
                .set_publication(&s.coordinator, s.bekzat, false)
                .await
                .unwrap(),
            4
        );
        assert!(matches!(
            store
                .update_person(&s.coordinator, s.bekzat, 3, &second)
                .await,
            Err(StoreError::Conflict { current_version: 4 })
        ));
        assert!(matches!(
            store
                .update_person(&s.coordinator, PersonId(999), 1, &second)
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

/// Runs one operation as `role` and says `ok` or the error.
fn outcome<T>(result: Result<T, StoreError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(StoreError::Forbidden) => "forbidden",
        Err(StoreError::NotFound) => "not found",
        Err(StoreError::Conflict { .. }) => "conflict",
        Err(_) => "error",
    }
}

#[tokio::test]
async fn permissions_are_checked_by_the_store() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        let other_volunteer = user(store, "volunteer2", Role::Volunteer).await;
        let analyst = user(store, "analyst", Role::Analyst).await;
        let public = Actor::public();
        let event = Event::new(
            "Rally",
            date("12.06.2019"),
            City::parse("Uralsk").unwrap(),
            "",
        )
        .unwrap();

        let checks: Vec<(&str, &str, &'static str)> = vec![
            (
                "volunteer",
                "add_event",
                outcome(store.add_event(&volunteer, &event).await),
            ),
            (
                "analyst",
                "add_event",
                outcome(store.add_event(&analyst, &event).await),
            ),
            (
                "coordinator",
                "add_event",
                outcome(store.add_event(&s.coordinator, &event).await),
            ),
            (
                "analyst",
                "add_person",
                outcome(store.add_person(&analyst, &person("Analyst Entry")).await),
            ),
            (
                "public",
                "add_person",
                outcome(store.add_person(&public, &person("Public Entry")).await),
            ),
            (
                "public",
                "list_persons",
                outcome(store.list_persons(&public, &PersonQuery::default()).await),
            ),
            (
                "public",
                "dashboard",
                outcome(store.dashboard(&public).await),
            ),
            (
                "analyst",
                "list_persons",
                outcome(store.list_persons(&analyst, &PersonQuery::default()).await),
            ),
            (
                "analyst",
                "dashboard",
                outcome(store.dashboard(&analyst).await),
            ),
            (
                "volunteer",
                "edit others' record",
                outcome(
                    store
                        .update_person(&volunteer, s.bekzat, 1, &person("X Y"))
                        .await,
                ),
            ),
            (
                "volunteer",
                "publish",
                outcome(store.set_publication(&volunteer, s.bekzat, true).await),
            ),
            (
                "analyst",
                "add_decision",
                outcome(
                    store
                        .add_decision(
                            &analyst,
                            s.aidar_detention,
                            &decision("12.06.2019", Outcome::Warning),
                        )
                        .await,
                ),
            ),
            (
                "volunteer",
                "add_decision",
                outcome(
                    store
                        .add_decision(
                            &volunteer,
                            s.aidar_detention,
                            &decision("12.06.2019", Outcome::Warning),
                        )
                        .await,
                ),
            ),
            (
                "volunteer",
                "matching",
                outcome(store.persons_for_matching(&volunteer).await),
            ),
            (
                "public",
                "matching",
                outcome(store.persons_for_matching(&public).await),
            ),
        ];
        let actual: Vec<String> = checks
            .iter()
            .map(|(who, what, result)| format!("{who} {what}: {result}"))
            .collect();
        assert_eq!(
            actual,
            [
                "volunteer add_event: forbidden",
                "analyst add_event: forbidden",
                "coordinator add_event: ok",
                "analyst add_person: forbidden",
                "public add_person: forbidden",
                "public list_persons: forbidden",
                "public dashboard: forbidden",
                "analyst list_persons: ok",
                "analyst dashboard: ok",
                "volunteer edit others' record: forbidden",
                "volunteer publish: forbidden",
                "analyst add_decision: forbidden",
                "volunteer add_decision: ok",
                "volunteer matching: ok",
                "public matching: forbidden",
            ],
            "{}",
            test.backend
        );

        // A volunteer's record is a draft they may edit until a coordinator edits it; they
        // cannot approve publication through the form.
        let mut draft = person("Volunteer Entry");
        draft.person.publication_approved = true;
        let id = store.add_person(&volunteer, &draft).await.unwrap();
        let page = store.person(&volunteer, id).await.unwrap();
        assert_eq!(
            (page.person.is_draft, page.person.publication_approved),
            (true, false)
        );
        assert_eq!(
            outcome(store.update_person(&other_volunteer, id, 1, &draft).await),
            "forbidden"
        );
        assert_eq!(
            outcome(store.update_person(&volunteer, id, 1, &draft).await),
            "ok"
        );
        assert_eq!(
            outcome(store.update_person(&s.coordinator, id, 2, &draft).await),
            "ok"
        );
        let page = store.person(&volunteer, id).await.unwrap();
        assert_eq!(
            (
                page.person.is_draft,
                page.person.publication_approved,
                page.person.version
            ),
            (false, true, 3)
        );
        assert_eq!(
            outcome(store.update_person(&volunteer, id, 3, &draft).await),
            "forbidden"
        );
        assert_eq!(
            outcome(store.delete_person(&volunteer, id, 3).await),
            "forbidden"
        );

        // Deleting a draft with its facts: each deleted row is in the audit log.
        let second = store
            .add_person(&volunteer, &person("Second Entry"))
            .await
            .unwrap();
        let held = store
            .add_detention(
                &volunteer,
                second,
                &NewDetention {
                    event_id: None,
                    detention: detention("12.06.2019 10:00", "", ""),
                },
            )
            .await
            .unwrap();
        store
            .add_source(
                &volunteer,
                FactRef::Detention(held),
                &Source::new(SourceKind::Volunteer, "at the station", false).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            outcome(store.delete_person(&other_volunteer, second, 1).await),
            "forbidden"
        );
        assert_eq!(
            outcome(store.delete_person(&volunteer, second, 7).await),
            "conflict"
        );
        assert_eq!(
            outcome(store.delete_person(&volunteer, second, 1).await),
            "ok"
        );
        assert_eq!(
            outcome(store.person(&s.coordinator, second).await),
            "not found"
        );
        let deleted = store
            .audit_records(
                &admin(),
                &AuditFilter {
                    person_id: Some(second.0),
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap();
        let actions: Vec<String> = deleted
            .iter()
            .map(|r| format!("{} {}", r.entity, r.action))
            .collect();
        assert_eq!(
            actions,
            [
                "person delete",
                "detention delete",
                "source delete",
                "source create",
                "detention create",
                "person create"
            ]
        );
        assert!(matches!(
            store.verify_audit().await.unwrap(),
            AuditVerdict::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn events_claims_and_the_dashboard_count_the_register() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let events = store.events().await.unwrap();
        let shown: Vec<String> = events
            .iter()
            .map(|e| format!("{} {} {} {}", e.date, e.city, e.title, e.detentions))
            .collect();
        assert_eq!(
            shown,
            [
                "2019-06-09 Almaty Election-day protest, Almaty 3",
                "2019-06-10 Nur-Sultan Protest, Nur-Sultan 1"
            ]
        );
        assert_eq!(store.event(s.almaty).await.unwrap().place, "Astana Square");
        let choices = store.event_choices().await.unwrap();
        assert_eq!(
            choices
                .iter()
                .map(|e| (e.id, e.title.as_str(), e.detentions))
                .collect::<Vec<_>>(),
            [
                (s.almaty, "Election-day protest, Almaty", 0),
                (s.nur_sultan, "Protest, Nur-Sultan", 0)
            ]
        );
        assert!(matches!(
            store.event(EventId(999)).await,
            Err(StoreError::NotFound)
        ));
        let claims = store.official_claims(Some(s.almaty)).await.unwrap();
        assert_eq!(
            claims.iter().map(|c| c.shown.as_str()).collect::<Vec<_>>(),
            ["≈500"]
        );
        assert_eq!(store.official_claims(None).await.unwrap().len(), 2);
        assert!(matches!(
            store
                .add_official_claim(
                    &s.coordinator,
                    Some(EventId(999)),
                    &OfficialClaim {
                        said_by: "x".into(),
                        said_on: date("09.06.2019"),
                        count: ClaimedCount::None,
                        subject: "x".into(),
                        source_url: String::new()
                    }
                )
                .await,
            Err(StoreError::NotFound)
        ));

        let event_page = store.event_page(&s.coordinator, s.almaty).await.unwrap();
        let counts = |counts: &[kuzet_store::Count]| {
            counts
                .iter()
                .map(|c| format!("{}={}", c.key, c.count))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(counts(&event_page.by_outcome), "arrest=1 fine=1 warning=1");
        assert_eq!(
            counts(&event_page.by_status),
            "fined=1 serving_arrest=1 warned=1"
        );
        assert_eq!(
            counts(&event_page.by_police_station),
            "Almaly district police department=2 Bostandyk district police department=1"
        );
        assert!(matches!(
            store.event_page(&Actor::public(), s.almaty).await,
            Err(StoreError::Forbidden)
        ));

        let dashboard = store.dashboard(&s.coordinator).await.unwrap();
        assert_eq!(
            (
                dashboard.persons,
                dashboard.detentions,
                dashboard.over_legal_limit
            ),
            (4, 4, 2),
            "{}",
            test.backend
        );
        let by_event: Vec<String> = dashboard
            .by_event
            .iter()
            .map(|e| {
                format!(
                    "{}: {} detained, {} arrested, claims {}",
                    e.title,
                    e.detentions,
                    e.arrests,
                    e.claims
                        .iter()
                        .map(|c| c.shown.clone())
                        .collect::<Vec<_>>()
                        .join("/")
                )
            })
            .collect();
        assert_eq!(
            by_event,
            [
                "Election-day protest, Almaty: 3 detained, 1 arrested, claims ≈500",
                "Protest, Nur-Sultan: 1 detained, 0 arrested, claims "
            ]
        );
        assert_eq!(counts(&dashboard.by_city), "Almaty=3 Nur-Sultan=1");
        assert_eq!(counts(&dashboard.by_day), "2019-06-09=3 2019-06-10=1");
        assert_eq!(
            counts(&dashboard.by_outcome),
            "arrest=1 fine=1 none=1 warning=1"
        );
        assert_eq!(
            counts(&dashboard.by_status),
            "fined=1 held=1 serving_arrest=1 warned=1"
        );
        assert_eq!(
            counts(&dashboard.by_role),
            "journalist=1 human_rights_defender=0 observer=0 activist=1 minor=1 passer_by=0"
        );
        assert_eq!(dashboard.official_claims.len(), 2);

        // A detention at no known event counts under `unknown`.
        let nowhere = store
            .add_person(&s.coordinator, &person("Nowhere Person"))
            .await
            .unwrap();
        store
            .add_detention(
                &s.coordinator,
                nowhere,
                &NewDetention {
                    event_id: None,
                    detention: detention("11.06.2019 10:00", "", ""),
                },
            )
            .await
            .unwrap();
        let dashboard = store.dashboard(&s.coordinator).await.unwrap();
        assert_eq!(
            counts(&dashboard.by_city),
            "Almaty=3 Nur-Sultan=1 unknown=1"
        );
        assert_eq!(
            counts(&dashboard.by_day),
            "2019-06-09=3 2019-06-10=1 2019-06-11=1"
        );
    }
}

#[tokio::test]
async fn a_file_database_keeps_its_data_and_schema_across_reopening() {
    let test = crate::support::file_store().await;
    let file = test.file.clone().unwrap();
    assert_eq!(
        test.store.schema_version().await.unwrap(),
        kuzet_store::SCHEMA_VERSION
    );
    let id = test
        .store
        .add_person(&admin(), &person("Persisted Person"))
        .await
        .unwrap();
    test.store.close().await;
    let reopened = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(
        reopened.schema_version().await.unwrap(),
        kuzet_store::SCHEMA_VERSION
    );
    assert_eq!(
        reopened.person(&admin(), id).await.unwrap().person.name,
        "Persisted Person"
    );
    assert_eq!(reopened.path(), Some(file.as_path()));
    assert!(matches!(
        reopened.verify_audit().await.unwrap(),
        AuditVerdict::Ok { records: 1 }
    ));
    reopened.close().await;

    // A database written by a newer Kuzet is refused rather than misread.
    let mut raw = test.raw().await;
    sqlx::query("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', '2030-01-01')").execute(&mut raw).await.unwrap();
    drop(raw);
    let refused = Store::open(&file.display().to_string()).await;
    assert_eq!(
        refused.map(|_| ()).unwrap_err().to_string(),
        format!(
            "database: the database is at schema version 99, newer than this program ({}); upgrade Kuzet",
            kuzet_store::SCHEMA_VERSION
        )
    );
}

#[tokio::test]
async fn merging_a_duplicate_moves_its_facts_and_keeps_its_names() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let mut duplicate = person("Bekzat Zhuarov");
        duplicate.aliases = vec![PersonName::parse("Бекзат Жуаров").unwrap()];
        duplicate.person.contact = "+7 000 555 00 11".into();
        duplicate.person.roles = vec![PersonRole::Observer];
        let duplicate = store.add_person(&s.coordinator, &duplicate).await.unwrap();
        let held = store
            .add_detention(
                &s.coordinator,
                duplicate,
                &NewDetention {
                    event_id: Some(s.nur_sultan),
                    detention: detention(
                        "10.06.2019 18:00",
                        "",
                        "Yesil district police department",
                    ),
                },
            )
            .await
            .unwrap();
        store
            .add_source(
                &s.coordinator,
                FactRef::Detention(held),
                &Source::new(SourceKind::Media, "https://example.invalid/news/7", false).unwrap(),
            )
            .await
            .unwrap();

        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        assert!(matches!(
            store
                .merge_persons(&volunteer, s.bekzat, 1, duplicate, 1)
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store
                .merge_persons(&s.coordinator, s.bekzat, 1, s.bekzat, 1)
                .await,
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(
            store
                .merge_persons(&s.coordinator, s.bekzat, 1, duplicate, 9)
                .await,
            Err(StoreError::Conflict { current_version: 1 })
        ));
        assert_eq!(
            store
                .merge_persons(&s.coordinator, s.bekzat, 1, duplicate, 1)
                .await
                .unwrap(),
            2,
            "{}",
            test.backend
        );

        let page = store.person(&s.coordinator, s.bekzat).await.unwrap();
        assert_eq!(
            page.person.aliases,
            ["Bekzat Zhuarov"],
            "the kept name is not repeated as an alias"
        );
        assert_eq!(page.person.contact.as_deref(), Some("+7 000 555 00 11"));
        assert_eq!(page.person.roles, ["observer"]);
        assert!(page.person.publication_approved);
        assert_eq!(page.detentions.len(), 2);
        assert_eq!(page.person.status, "held", "the latest detention decides");
        assert_eq!(
            page.sources
                .iter()
                .map(|s| s.kind.as_str())
                .collect::<Vec<_>>(),
            ["media"]
        );
        let history: Vec<String> = page
            .history
            .iter()
            .take(3)
            .map(|r| format!("{} {}", r.entity, r.action))
            .collect();
        assert_eq!(history, ["person merge", "source move", "detention move"]);
        assert!(matches!(
            store.person(&s.coordinator, duplicate).await,
            Err(StoreError::NotFound)
        ));
        let found = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    text: Some("zhuarov".into()),
                    ..PersonQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            found.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            [s.bekzat]
        );

        // A refusal in either record wins over a consent in the other.
        let mut refusing = person("Айдар Толымов");
        refusing.person.consent = kuzet_register::Consent::Refused;
        let refusing = store.add_person(&s.coordinator, &refusing).await.unwrap();
        let public_before = store
            .public_persons(&PersonQuery::default())
            .await
            .unwrap()
            .total;
        store
            .merge_persons(&s.coordinator, s.aidar, 1, refusing, 1)
            .await
            .unwrap();
        assert_eq!(
            store
                .public_persons(&PersonQuery::default())
                .await
                .unwrap()
                .total,
            public_before - 1
        );
        assert_eq!(
            store
                .person(&s.coordinator, s.aidar)
                .await
                .unwrap()
                .person
                .consent
                .as_deref(),
            Some("refused")
        );
        assert!(matches!(
            store.verify_audit().await.unwrap(),
            AuditVerdict::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn facts_are_corrected_and_removed_with_their_sources_and_audit_records() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        let page = store.person(&s.coordinator, s.aidar).await.unwrap();
        let arrest = page.decisions[0].id;

        // A decision recorded wrongly: corrected in place, the status follows.
        assert!(matches!(
            store
                .update_decision(
                    &volunteer,
                    arrest,
                    &decision("10.06.2019", Outcome::Warning)
                )
                .await,
            Err(StoreError::Forbidden)
        ));
        store
            .update_decision(
                &s.coordinator,
                arrest,
                &decision("10.06.2019", Outcome::Fine { amount: 63_125 }),
            )
            .await
            .unwrap();
        let page = store.person(&s.coordinator, s.aidar).await.unwrap();
        assert_eq!(
            (
                page.person.status.as_str(),
                page.decisions[0].outcome.as_str()
            ),
            ("fined", "fine 63125 KZT"),
            "{}",
            test.backend
        );
        assert_eq!(page.history[0].action, "update");
        assert_eq!(
            page.history[0].before.as_ref().unwrap()["outcome"],
            "arrest 15 days"
        );

        // Removing the decision leaves the released detention without one; its source goes too.
        store
            .delete_fact(&s.coordinator, FactRef::Decision(arrest))
            .await
            .unwrap();
        let page = store.person(&s.coordinator, s.aidar).await.unwrap();
        assert_eq!(page.person.status, "released_without_decision");
        assert_eq!(
            page.sources
                .iter()
                .map(|s| s.kind.as_str())
                .collect::<Vec<_>>(),
            ["post", "lawyer"]
        );
        let removed: Vec<String> = page
            .history
            .iter()
            .take(2)
            .map(|r| format!("{} {}", r.entity, r.action))
            .collect();
        assert_eq!(removed, ["decision delete", "source delete"]);

        // Removing a source alone.
        let lawyer = page.sources.iter().find(|s| s.kind == "lawyer").unwrap().id;
        assert!(matches!(
            store.delete_source(&volunteer, lawyer).await,
            Err(StoreError::Forbidden)
        ));
        store.delete_source(&s.coordinator, lawyer).await.unwrap();
        assert!(matches!(
            store.delete_source(&s.coordinator, lawyer).await,
            Err(StoreError::NotFound)
        ));

        // Removing the detention takes its custody, transfer and remaining source with it.
        assert!(matches!(
            store
                .delete_fact(&volunteer, FactRef::Detention(s.aidar_detention))
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store
                .delete_fact(&s.coordinator, FactRef::Person(s.aidar))
                .await,
            Err(StoreError::Invalid { .. })
        ));
        store
            .delete_fact(&s.coordinator, FactRef::Detention(s.aidar_detention))
            .await
            .unwrap();
        let page = store.person(&s.coordinator, s.aidar).await.unwrap();
        assert!(
            page.detentions.is_empty()
                && page.custody.is_empty()
                && page.transfers.is_empty()
                && page.sources.is_empty()
        );
        assert_eq!(page.person.status, "unknown");
        let removed: Vec<String> = page
            .history
            .iter()
            .take(5)
            .map(|r| format!("{} {}", r.entity, r.action))
            .collect();
        assert_eq!(
            removed,
            [
                "detention delete",
                "source delete",
                "transfer delete",
                "custody delete",
                "source delete"
            ],
            "{}",
            test.backend
        );
        assert!(matches!(
            store
                .delete_fact(&s.coordinator, FactRef::Detention(s.aidar_detention))
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.verify_audit().await.unwrap(),
            AuditVerdict::Ok { .. }
        ));
    }
}

/// Searches `text` with the default sort (ranked by similarity) and compares the first name
/// of the list.
async fn check_ranked(store: &Store, actor: &Actor, text: &str, expected_first: &str) {
    let query = PersonQuery {
        text: Some(text.into()),
        ..PersonQuery::default()
    };
    let page = store.list_persons(actor, &query).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(
        names.first().copied(),
        Some(expected_first),
        "{text}: {names:?}"
    );
    assert!(page.total as usize >= page.items.len(), "{text}");
}

#[tokio::test]
async fn a_search_ranks_the_closest_name_first_among_namesakes() {
    for test in stores().await {
        let store = &test.store;
        let coordinator = user(store, "coordinator", Role::Coordinator).await;
        // Added first, so that the newest-first order would put them last.
        for name in ["Ахметов Ерлан Серикович", "Ахметов Нурлан Болатович"]
        {
            store.add_person(&coordinator, &person(name)).await.unwrap();
        }
        let firsts = [
            "Ерлан",
            "Ерболат",
            "Ержан",
            "Ерлан",
            "Еркин",
            "Бауыржан",
            "Ерик",
            "Айдос",
            "Ерлан",
            "Ернар",
        ];
        let patronymics = [
            "Болатович",
            "Сериков",
            "Серикбаевич",
            "Ерланович",
            "Маратович",
        ];
        for (i, first) in firsts.iter().enumerate() {
            for (j, patronymic) in patronymics.iter().enumerate() {
                let surname = if (i + j) % 3 == 0 {
                    "Ахметова"
                } else {
                    "Ахметов"
                };
                let name = format!("{surname} {first} {patronymic}");
                store
                    .add_person(&coordinator, &person(&name))
                    .await
                    .unwrap();
            }
        }
        let mut alias = person("Yerlan Akhmetov");
        alias.aliases = vec![PersonName::parse("Ерлан Ахметжанов").unwrap()];
        store.add_person(&coordinator, &alias).await.unwrap();

        check_ranked(
            store,
            &coordinator,
            "Ахметов Ерлан Серикович",
            "Ахметов Ерлан Серикович",
        )
        .await;
        check_ranked(
            store,
            &coordinator,
            "ахметов ерлан серикович",
            "Ахметов Ерлан Серикович",
        )
        .await;
        // Typed in Latin letters, the Cyrillic record ranks first.
        check_ranked(
            store,
            &coordinator,
            "Akhmetov Nurlan",
            "Ахметов Нурлан Болатович",
        )
        .await;
        // A surname and an initial: the initial must start a word of the name.
        check_ranked(
            store,
            &coordinator,
            "Ахметов Н.",
            "Ахметов Нурлан Болатович",
        )
        .await;
        check_ranked(
            store,
            &coordinator,
            "Akhmetov N",
            "Ахметов Нурлан Болатович",
        )
        .await;
        // An alias counts as the name.
        check_ranked(store, &coordinator, "Ахметжанов Ерлан", "Yerlan Akhmetov").await;
        // A surname typed in part and an initial: the whole-key match finds nothing, the
        // words do.
        check_ranked(store, &coordinator, "Ахмет Н.", "Ахметов Нурлан Болатович").await;
        // Pages follow the ranked order: together they list every match once.
        let mut seen = Vec::new();
        let mut total;
        let mut page = 1;
        loop {
            let query = PersonQuery {
                text: Some("Ахметов Ерлан".into()),
                page,
                per_page: 7,
                ..PersonQuery::default()
            };
            let listed = store.list_persons(&coordinator, &query).await.unwrap();
            total = listed.total;
            seen.extend(listed.items.into_iter().map(|row| row.id));
            if page >= listed.pages {
                break;
            }
            page += 1;
        }
        assert!(total > 14, "{total}");
        assert_eq!(seen.len() as u64, total);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len() as u64, total);
        // An explicit sort keeps its order.
        let page = store
            .list_persons(
                &coordinator,
                &PersonQuery {
                    text: Some("Ахметов Ерлан Серикович".into()),
                    sort: PersonSort::NameAsc,
                    ..PersonQuery::default()
                },
            )
            .await
            .unwrap();
        let names: Vec<&str> = page.items.iter().map(|row| row.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|name| name.to_lowercase());
        assert_eq!(names, sorted);
    }
}
