//! Batch imports: all records or none, each stored row audited, statuses derived.

use kuzet_register::{Custody, Decision, Outcome, Role, Source, SourceKind};
use kuzet_store::{AuditVerdict, EventId, ImportRecord, NewDetention, PersonQuery, StoreError};

use crate::register::scenario;
use crate::support::{date, detention, person, stores, user};

fn arrest(days: u16) -> Decision {
    Decision {
        authority: "Court".into(),
        decided_on: date("10.06.2019"),
        hearing_minutes: None,
        lawyer_present: None,
        article: None,
        outcome: Outcome::AdministrativeArrest { days },
    }
}

fn records(event: EventId) -> Vec<ImportRecord> {
    let source = Source::new(
        SourceKind::Volunteer,
        "spreadsheet of the volunteers",
        false,
    )
    .unwrap();
    let mut arrested = ImportRecord::new(person("Imported Arrested"));
    arrested.person.person.contact = "+7 000 222 33 44".into();
    let mut beaten = detention("09.06.2019 13:00", "09.06.2019 23:00", "Station A");
    beaten.injuries = "broken rib".into();
    arrested.detention = Some(NewDetention {
        event_id: Some(event),
        detention: beaten,
    });
    arrested.decisions = vec![arrest(10)];
    arrested.custody = Some(Custody {
        place: "Detention centre".into(),
        region: String::new(),
        from: date("10.06.2019"),
        until: None,
    });
    arrested.source = Some(source.clone());
    let mut named_only = ImportRecord::new(person("Imported Name Only"));
    named_only.source = Some(source.clone());
    let mut held = ImportRecord::new(person("Импортированный Задержанный"));
    held.detention = Some(NewDetention {
        event_id: None,
        detention: detention("09.06.2019 20:00", "", "Station B"),
    });
    vec![arrested, named_only, held]
}

#[tokio::test]
async fn an_import_stores_every_record_with_audit_and_statuses() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let AuditVerdict::Ok { records: before } = store.verify_audit().await.unwrap() else {
            panic!("broken log")
        };
        let mut reported = Vec::new();
        let summary = store
            .import_records(&s.coordinator, &records(s.almaty), |done| {
                reported.push(done)
            })
            .await
            .unwrap();
        assert_eq!(
            (
                summary.persons,
                summary.detentions,
                summary.decisions,
                summary.custody,
                summary.transfers,
                summary.sources
            ),
            (3, 2, 1, 1, 0, 2),
            "{}",
            test.backend
        );
        assert_eq!(reported, [3]);
        let AuditVerdict::Ok { records: after } = store.verify_audit().await.unwrap() else {
            panic!("broken log")
        };
        assert_eq!(after - before, 3, "one audit record per imported person");

        let found = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    text: Some("imported".into()),
                    sort: kuzet_store::PersonSort::NameAsc,
                    ..PersonQuery::default()
                },
            )
            .await
            .unwrap();
        let rows: Vec<String> = found
            .items
            .iter()
            .map(|r| format!("{} {}", r.name, r.status))
            .collect();
        assert_eq!(
            rows,
            [
                "Imported Arrested serving_arrest",
                "Imported Name Only unknown"
            ]
        );
        // Cyrillic query for the Cyrillic name; the status of someone still held.
        let held = store
            .list_persons(
                &s.coordinator,
                &PersonQuery {
                    text: Some("задержанный".into()),
                    ..PersonQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            held.items
                .iter()
                .map(|r| r.status.as_str())
                .collect::<Vec<_>>(),
            ["held"]
        );
        let page = store
            .person(&s.coordinator, found.items[0].id)
            .await
            .unwrap();
        assert_eq!(
            page.person.status_place.as_deref(),
            Some("Detention centre")
        );
        assert!(!page.person.is_draft);
        assert_eq!(page.sources.len(), 1);

        // The import record holds the person and their facts; analysts read it without the
        // restricted fields nested inside.
        let record = &page.history[0];
        assert_eq!(
            (record.entity.as_str(), record.action.as_str()),
            ("person", "import")
        );
        let after = record.after.as_ref().unwrap();
        assert_eq!(after["person"]["contact"], "+7 000 222 33 44");
        assert_eq!(after["detention"]["injuries"], "broken rib");
        assert_eq!(after["decisions"][0]["outcome"], "arrest 10 days");
        assert_eq!(after["custody"]["place"], "Detention centre");
        let analyst = user(store, "analyst", Role::Analyst).await;
        let for_analyst = store.person(&analyst, found.items[0].id).await.unwrap();
        let after = for_analyst.history[0].after.as_ref().unwrap();
        assert_eq!(
            (
                after["person"]["contact"].clone(),
                after["detention"]["injuries"].clone()
            ),
            (serde_json::Value::Null, serde_json::Value::Null)
        );
        assert_eq!(after["person"]["name"], "Imported Arrested");
    }
}

#[tokio::test]
async fn an_import_with_one_bad_record_stores_nothing() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let before = store
            .list_persons(&s.coordinator, &PersonQuery::default())
            .await
            .unwrap()
            .total;
        let verdict = store.verify_audit().await.unwrap();

        let mut unknown_event = records(s.almaty);
        unknown_event[2].detention.as_mut().unwrap().event_id = Some(EventId(999));
        let error = store
            .import_records(&s.coordinator, &unknown_event, |_| {})
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "event: record 3 names event 999, which does not exist",
            "{}",
            test.backend
        );

        let mut decision_without_detention = records(s.almaty);
        decision_without_detention[1].decisions = vec![arrest(5)];
        let error = store
            .import_records(&s.coordinator, &decision_without_detention, |_| {})
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "detention: record 2 has decisions, custody or a transfer but no detention"
        );

        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        let analyst = user(store, "analyst", Role::Analyst).await;
        for actor in [volunteer, analyst] {
            assert!(matches!(
                store
                    .import_records(&actor, &records(s.almaty), |_| {})
                    .await,
                Err(StoreError::Forbidden)
            ));
        }
        assert_eq!(
            store
                .list_persons(&s.coordinator, &PersonQuery::default())
                .await
                .unwrap()
                .total,
            before,
            "{}",
            test.backend
        );
        // Only the two new users were logged; no import record was.
        match (verdict, store.verify_audit().await.unwrap()) {
            (AuditVerdict::Ok { records: earlier }, AuditVerdict::Ok { records: later }) => {
                assert_eq!(later, earlier + 2)
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The list's total is remembered between requests; every change, here or by another process
/// on the same database, must show in the next total.
#[tokio::test]
async fn list_totals_follow_every_change_here_and_in_another_store_on_the_same_database() {
    for test in stores().await {
        let store = &test.store;
        let coordinator = user(store, "counter", Role::Coordinator).await;
        let totals = |store: kuzet_store::Store| async move {
            let all = store
                .list_persons(&coordinator, &PersonQuery::default())
                .await
                .unwrap()
                .total;
            let public = store
                .public_persons(&PersonQuery::default())
                .await
                .unwrap()
                .total;
            (all, public)
        };
        let before = totals(store.clone()).await;
        assert_eq!(totals(store.clone()).await, before, "{}", test.backend);
        let mut consenting = person("Counted Once");
        consenting.person.consent = kuzet_register::Consent::Given;
        store.add_person(&coordinator, &consenting).await.unwrap();
        assert_eq!(
            totals(store.clone()).await,
            (before.0 + 1, before.1 + 1),
            "{}",
            test.backend
        );
        store
            .add_person(&coordinator, &person("Counted Privately"))
            .await
            .unwrap();
        assert_eq!(
            totals(store.clone()).await,
            (before.0 + 2, before.1 + 1),
            "{}",
            test.backend
        );
        if let Some(url) = test.reopen_url() {
            let other = kuzet_store::Store::open(&url).await.unwrap();
            other.add_person(&coordinator, &consenting).await.unwrap();
            other.close().await;
            assert_eq!(
                totals(store.clone()).await,
                (before.0 + 3, before.1 + 2),
                "{}: a change by another process shows",
                test.backend
            );
        }
    }
}

/// The schema's indexes and triggers, and the search vocabulary with its counts, read
/// directly from the file.
async fn schema_and_vocabulary(test: &crate::support::TestStore) -> (Vec<String>, Vec<String>) {
    let mut raw = test.raw().await;
    let schema = sqlx::query_scalar(
        "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master
         WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap();
    let vocabulary =
        sqlx::query_scalar("SELECT word || ' ' || persons FROM search_words ORDER BY word")
            .fetch_all(&mut raw)
            .await
            .unwrap();
    (schema, vocabulary)
}

/// An import sets SQLite's per-row work aside (the vocabulary's trigger; the indexes when it
/// at least doubles the register) and brings it back exactly, with the vocabulary counted as
/// the trigger would have; an import failing half-way leaves schema and vocabulary as they were.
#[tokio::test]
async fn an_import_brings_back_the_indexes_and_triggers_it_set_aside() {
    let test = crate::support::file_store().await;
    let store = &test.store;
    let coordinator = user(store, "coordinator", Role::Coordinator).await;
    store
        .add_person(&coordinator, &person("Тестбеков Марат"))
        .await
        .unwrap();
    let (schema, vocabulary) = schema_and_vocabulary(&test).await;
    assert!(
        schema
            .iter()
            .any(|line| line.contains("search_words_insert"))
    );
    assert!(
        schema
            .iter()
            .any(|line| line.contains("persons_city_status"))
    );
    assert_eq!(vocabulary, ["marat 1", "testbekov 1"]);

    // Two records for one person: the indexes are rebuilt; then one for ten: they are not.
    for names in [
        &["Тестбеков Ерик", "Пробаев Марат"][..],
        &["Тестбеков Ерик"][..],
    ] {
        let records: Vec<ImportRecord> = names
            .iter()
            .map(|name| ImportRecord::new(person(name)))
            .collect();
        store
            .import_records(&coordinator, &records, |_| {})
            .await
            .unwrap();
        assert_eq!(schema_and_vocabulary(&test).await.0, schema);
    }
    let (_, vocabulary) = schema_and_vocabulary(&test).await;
    assert_eq!(
        vocabulary,
        ["erik 2", "marat 2", "probaev 1", "testbekov 3"]
    );

    // A source that the database refuses half-way through the import.
    {
        use sqlx::Executor;
        let mut raw = test.raw().await;
        raw.execute(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON sources WHEN new.reference = 'boom'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        )
        .await
        .unwrap();
    }
    let (schema, vocabulary) = schema_and_vocabulary(&test).await;
    let mut records: Vec<ImportRecord> = (0..20)
        .map(|_| ImportRecord::new(person("Выдумов Сергей")))
        .collect();
    records[19].source = Some(Source::new(SourceKind::Volunteer, "boom", false).unwrap());
    let failed = store.import_records(&coordinator, &records, |_| {}).await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(schema_and_vocabulary(&test).await, (schema, vocabulary));
    let page = store
        .list_persons(&coordinator, &PersonQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 4);
}
