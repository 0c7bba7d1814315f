//! Merging duplicate records and undoing the merge; "not the same person" decisions; the
//! review queue's permissions.
//!
//! "Exactly as before" is checked on every table of the database except the logs, which grow
//! by design: the audit log and its head, `merges` (the record of merges, undone or not) and
//! `schema_version`. The FTS index is compared by its content (rowid and search keys); its
//! internal segment tables depend on the order of inserts, not on what is indexed.

use std::collections::BTreeMap;

use kuzet_register::{
    Actor, City, Decision, Outcome, PersonName, Role, Source, SourceKind, Transfer,
};
use kuzet_store::{
    AuditFilter, AuditVerdict, FactRef, NewDetention, PersonId, PersonQuery, Store, StoreError,
};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::register::{Scenario, scenario};
use crate::support::{TestStore, date, date_time, detention, file_store, person, stores, user};

/// Tables that record history rather than the register, and FTS internals.
const NOT_COMPARED: &[&str] = &[
    "audit_log",
    "audit_head",
    "merges",
    "schema_version",
    "persons_fts_data",
    "persons_fts_idx",
];

/// Every row of every compared table, every column with its storage class, rows sorted.
async fn snapshot(test: &TestStore) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut raw = test.raw().await;
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get::<String, _>("name"))
    .filter(|name| !NOT_COMPARED.contains(&name.as_str()))
    .collect();
    assert!(tables.iter().any(|t| t == "persons") && tables.iter().any(|t| t == "not_duplicates"));
    let mut snapshot = BTreeMap::new();
    for table in tables {
        // The FTS table's rowid is the person's id; other tables carry their keys as columns
        // (some FTS internals have no rowid), so rows are compared sorted.
        let sql = if table == "persons_fts" {
            format!("SELECT rowid AS row_id, * FROM {table}")
        } else {
            format!("SELECT * FROM {table}")
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut raw)
            .await
            .unwrap();
        let mut rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                (0..row.columns().len())
                    .map(|i| {
                        let name = row.columns()[i].name().to_owned();
                        let value = row.try_get_raw(i).unwrap();
                        let cell = if value.is_null() {
                            "NULL".to_owned()
                        } else {
                            match value.type_info().name() {
                                "INTEGER" => format!("i:{}", row.get::<i64, _>(i)),
                                "REAL" => format!("r:{:?}", row.get::<f64, _>(i)),
                                "BLOB" => format!("b:{:?}", row.get::<Vec<u8>, _>(i)),
                                _ => format!("t:{}", row.get::<String, _>(i)),
                            }
                        };
                        format!("{name}={cell}")
                    })
                    .collect()
            })
            .collect();
        rows.sort();
        snapshot.insert(table, rows);
    }
    snapshot
}

/// Aidar's second record, in Cyrillic, with facts of every kind, sources on the person and on
/// facts, and a "not the same person" decision about Kairat (carried over by a merge).
async fn duplicate_of_aidar(test: &TestStore, s: &Scenario) -> PersonId {
    let store = &test.store;
    let mut second = person("Айдар Толымов");
    second.aliases = vec![PersonName::parse("Aydar Tolimov").unwrap()];
    second.person.city = Some(City::parse("Almaty").unwrap());
    second.person.address = "Almaty, a street".into();
    second.person.notes = "From a volunteer's phone call.".into();
    second.person.birth = Some(kuzet_register::BirthDate::parse("14.02.1987").unwrap());
    let second = store.add_person(&s.coordinator, &second).await.unwrap();
    let held = store
        .add_detention(
            &s.coordinator,
            second,
            &NewDetention {
                event_id: Some(s.nur_sultan),
                detention: detention("10.06.2019 18:00", "", "Yesil district police department"),
            },
        )
        .await
        .unwrap();
    let fine = Decision {
        authority: "Court of Nur-Sultan".into(),
        decided_on: date("11.06.2019"),
        hearing_minutes: Some(7),
        lawyer_present: Some(false),
        article: None,
        outcome: Outcome::Fine { amount: 126_250 },
    };
    let fine = store
        .add_decision(&s.coordinator, held, &fine)
        .await
        .unwrap();
    store
        .add_transfer(
            &s.coordinator,
            held,
            &Transfer {
                from_place: "Yesil district police department".into(),
                to_place: "Temporary detention facility".into(),
                departed_at: Some(date_time("10.06.2019 23:00")),
                distance_km: Some(12),
                hours_in_transport: Some(0.75),
                relatives_told_on: None,
            },
        )
        .await
        .unwrap();
    let media = Source::new(SourceKind::Media, "https://example.invalid/news/9", false).unwrap();
    store
        .add_source(&s.coordinator, FactRef::Person(second), &media)
        .await
        .unwrap();
    let lawyer = Source::new(SourceKind::Lawyer, "the lawyer, in person", true).unwrap();
    store
        .add_source(&s.coordinator, FactRef::Decision(fine), &lawyer)
        .await
        .unwrap();
    store
        .mark_not_duplicate(
            &s.coordinator,
            second,
            s.kairat,
            "different birth years, checked",
        )
        .await
        .unwrap();
    second
}

#[tokio::test]
async fn a_merge_followed_by_an_undo_leaves_every_register_table_exactly_as_before() {
    let test = file_store().await;
    let store = &test.store;
    let s = scenario(&test).await;
    let second = duplicate_of_aidar(&test, &s).await;
    let before = snapshot(&test).await;
    let audit_before = store
        .audit_records(
            &s.coordinator,
            &AuditFilter {
                limit: Some(10_000),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap()
        .len();

    let version = store
        .person(&s.coordinator, s.aidar)
        .await
        .unwrap()
        .person
        .version;
    let merged = store
        .merge(&s.coordinator, s.aidar, version, second, 1)
        .await
        .unwrap();
    assert_eq!(merged.version, version + 1);

    // The merge did change the register: one person fewer, facts and names moved, the
    // decision about Kairat carried over to the kept record.
    let during = snapshot(&test).await;
    assert_eq!(during["persons"].len(), before["persons"].len() - 1);
    assert_ne!(during["detentions"], before["detentions"]);
    assert_ne!(during["sources"], before["sources"]);
    assert_eq!(
        during["not_duplicates"].len(),
        before["not_duplicates"].len() + 1
    );
    let page = store.person(&s.coordinator, s.aidar).await.unwrap();
    assert_eq!(page.detentions.len(), 2);
    assert!(
        page.person
            .aliases
            .iter()
            .any(|alias| alias == "Aydar Tolimov"),
        "{:?}",
        page.person.aliases
    );
    assert!(matches!(
        store.person(&s.coordinator, second).await,
        Err(StoreError::NotFound)
    ));

    store
        .undo_merge(&s.coordinator, merged.merge_id)
        .await
        .unwrap();
    let after = snapshot(&test).await;
    for table in before.keys() {
        assert_eq!(
            after[table], before[table],
            "table {table} after merge and undo"
        );
    }
    assert_eq!(after, before);

    // The search index answers as before, and the undo is on the record.
    let found = store
        .list_persons(
            &s.coordinator,
            &PersonQuery {
                text: Some("tolimov".into()),
                ..PersonQuery::default()
            },
        )
        .await
        .unwrap();
    let mut ids: Vec<PersonId> = found.items.iter().map(|row| row.id).collect();
    ids.sort();
    assert_eq!(ids, [s.aidar, second]);
    let records = store
        .audit_records(
            &s.coordinator,
            &AuditFilter {
                limit: Some(10_000),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
    assert!(records.len() > audit_before, "the audit log grows");
    let actions: Vec<String> = records
        .iter()
        .take(2)
        .map(|r| format!("{} {} {}", r.entity, r.entity_id, r.action))
        .collect();
    assert_eq!(
        actions,
        [
            format!("person {} unmerge", s.aidar),
            format!("person {second} unmerge")
        ]
    );
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        AuditVerdict::Ok { .. }
    ));
    let history = store.merge_history(&s.coordinator, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].removed, second);
    assert_eq!(history[0].removed_name, "Айдар Толымов");
    assert!(history[0].undone_at.is_some());
    assert_eq!(history[0].merged_by.as_deref(), Some("coordinator"));

    // The same merge the other way round is undone exactly too.
    let merged = store
        .merge(&s.coordinator, second, 1, s.aidar, version)
        .await
        .unwrap();
    store
        .undo_merge(&s.coordinator, merged.merge_id)
        .await
        .unwrap();
    assert_eq!(snapshot(&test).await, before);
}

#[tokio::test]
async fn an_undo_is_refused_when_it_would_lose_a_later_change() {
    let test = file_store().await;
    let store = &test.store;
    let s = scenario(&test).await;
    let second = duplicate_of_aidar(&test, &s).await;
    let version = store
        .person(&s.coordinator, s.aidar)
        .await
        .unwrap()
        .person
        .version;
    let reason = |result: Result<(), StoreError>| match result {
        Err(StoreError::Invalid { field, message }) => format!("{field}: {message}"),
        other => format!("{other:?}"),
    };

    // A fact added to the kept record after the merge.
    let merged = store
        .merge(&s.coordinator, s.aidar, version, second, 1)
        .await
        .unwrap();
    store
        .add_detention(
            &s.coordinator,
            s.aidar,
            &NewDetention {
                event_id: None,
                detention: detention("12.06.2019 10:00", "", ""),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        reason(store.undo_merge(&s.coordinator, merged.merge_id).await),
        "merge: the kept record changed after the merge; undoing would lose that change (undo later merges into it first)"
    );

    // A new record added after the merge does not take the removed record's id (see
    // `the_id_of_a_merged_away_or_deleted_person_is_never_reused`), so the undo goes
    // through, and only once.
    let test = file_store().await;
    let store = &test.store;
    let s = scenario(&test).await;
    let second = duplicate_of_aidar(&test, &s).await;
    let version = store
        .person(&s.coordinator, s.aidar)
        .await
        .unwrap()
        .person
        .version;
    let merged = store
        .merge(&s.coordinator, s.aidar, version, second, 1)
        .await
        .unwrap();
    let newcomer = store
        .add_person(&s.coordinator, &person("Serik Zhanov"))
        .await
        .unwrap();
    assert_ne!(newcomer, second);
    store
        .undo_merge(&s.coordinator, merged.merge_id)
        .await
        .unwrap();
    assert_eq!(
        reason(store.undo_merge(&s.coordinator, merged.merge_id).await),
        "merge: this merge was already undone"
    );
    assert!(matches!(
        store.undo_merge(&s.coordinator, 999).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn not_the_same_person_is_remembered_and_leaves_the_queue() {
    for test in stores().await {
        let s = scenario(&test).await;
        let second = duplicate_of_aidar(&test, &s).await;
        let pairs = |store: Store| async move {
            store
                .duplicate_candidates(&Actor::system(), 0.8)
                .await
                .unwrap()
                .iter()
                .map(|pair| (pair.a.id, pair.b.id))
                .collect::<Vec<_>>()
        };
        let found = pairs(test.store.clone()).await;
        assert!(found.contains(&(s.aidar, second)), "{found:?}");
        let pair = test
            .store
            .duplicate_candidates(&s.coordinator, 0.8)
            .await
            .unwrap();
        let pair = pair
            .iter()
            .find(|pair| (pair.a.id, pair.b.id) == (s.aidar, second))
            .unwrap();
        assert!(pair.score >= 0.8);
        assert!(
            pair.evidence
                .contains(&kuzet_names::Evidence::SameBirthDate),
            "{:?}",
            pair.evidence
        );

        // Decided in either order; deciding again changes nothing.
        test.store
            .mark_not_duplicate(&s.coordinator, second, s.aidar, "twins, checked by phone")
            .await
            .unwrap();
        test.store
            .mark_not_duplicate(&s.coordinator, s.aidar, second, "again")
            .await
            .unwrap();
        assert!(!pairs(test.store.clone()).await.contains(&(s.aidar, second)));

        // Remembered in the database: a new process sees the decision.
        if let Some(url) = test.reopen_url() {
            let reopened = Store::open(&url).await.unwrap();
            assert!(!pairs(reopened.clone()).await.contains(&(s.aidar, second)));
            reopened.close().await;
        }
        let records = test
            .store
            .audit_records(
                &s.coordinator,
                &AuditFilter {
                    limit: Some(10_000),
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            records
                .iter()
                .filter(|r| r.entity == "not_duplicate" && r.action == "create")
                .count(),
            4
        );

        assert!(matches!(
            test.store
                .mark_not_duplicate(&s.coordinator, s.aidar, s.aidar, "")
                .await,
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(
            test.store
                .mark_not_duplicate(&s.coordinator, s.aidar, PersonId(999), "")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            test.store.duplicate_candidates(&s.coordinator, 1.5).await,
            Err(StoreError::Invalid { .. })
        ));
    }
}

#[tokio::test]
async fn coordinators_and_admins_merge_analysts_only_view_volunteers_neither() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let second = duplicate_of_aidar(&test, &s).await;
        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        let analyst = user(store, "analyst", Role::Analyst).await;
        let admin = user(store, "admin", Role::Admin).await;
        let outcome = |result: Result<(), StoreError>| match result {
            Ok(()) => "ok".to_owned(),
            Err(error) => error.to_string(),
        };
        let mut actual = Vec::new();
        for (who, actor) in [
            ("volunteer", volunteer),
            ("analyst", analyst),
            ("public", Actor::public()),
        ] {
            actual.push(format!(
                "{who} queue: {}",
                outcome(store.duplicate_candidates(&actor, 0.8).await.map(|_| ()))
            ));
            actual.push(format!(
                "{who} history: {}",
                outcome(store.merge_history(&actor, 10).await.map(|_| ()))
            ));
            actual.push(format!(
                "{who} merge: {}",
                outcome(store.merge(&actor, s.aidar, 1, second, 1).await.map(|_| ()))
            ));
            actual.push(format!(
                "{who} not same: {}",
                outcome(store.mark_not_duplicate(&actor, s.aidar, second, "").await)
            ));
        }
        let merged = store.merge(&admin, s.aidar, 1, second, 1).await.unwrap();
        actual.push(format!(
            "volunteer undo: {}",
            outcome(store.undo_merge(&volunteer, merged.merge_id).await)
        ));
        actual.push(format!(
            "analyst undo: {}",
            outcome(store.undo_merge(&analyst, merged.merge_id).await)
        ));
        actual.push(format!(
            "coordinator undo: {}",
            outcome(store.undo_merge(&s.coordinator, merged.merge_id).await)
        ));
        assert_eq!(
            actual,
            [
                "volunteer queue: forbidden",
                "volunteer history: forbidden",
                "volunteer merge: forbidden",
                "volunteer not same: forbidden",
                "analyst queue: ok",
                "analyst history: ok",
                "analyst merge: forbidden",
                "analyst not same: forbidden",
                "public queue: forbidden",
                "public history: forbidden",
                "public merge: forbidden",
                "public not same: forbidden",
                "volunteer undo: forbidden",
                "analyst undo: forbidden",
                "coordinator undo: ok",
            ]
        );

        // Analysts see birth years, not the restricted full dates.
        let for_analyst = store.duplicate_candidates(&analyst, 0.8).await.unwrap();
        let pair = for_analyst
            .iter()
            .find(|pair| (pair.a.id, pair.b.id) == (s.aidar, second))
            .unwrap();
        assert!(
            pair.a.birth.is_some_and(|birth| birth.full().is_none()),
            "{:?}",
            pair.a.birth
        );
        let for_coordinator = store
            .duplicate_candidates(&s.coordinator, 0.8)
            .await
            .unwrap();
        let pair = for_coordinator
            .iter()
            .find(|pair| (pair.a.id, pair.b.id) == (s.aidar, second))
            .unwrap();
        assert!(pair.a.birth.is_some_and(|birth| birth.full().is_some()));
    }
}

/// A removed person's id is never given to a new person: a merged-away highest id stays free
/// for the undo, and a deleted highest id is not inherited by a stranger.
#[tokio::test]
async fn the_id_of_a_merged_away_or_deleted_person_is_never_reused() {
    for test in stores().await {
        let store = &test.store;
        let s = scenario(&test).await;
        let second = duplicate_of_aidar(&test, &s).await;
        let highest = store
            .list_persons(&s.coordinator, &PersonQuery::default())
            .await
            .unwrap()
            .items
            .iter()
            .map(|row| row.id)
            .max()
            .unwrap();
        assert_eq!(highest, second, "the duplicate is the newest record");

        let version = store
            .person(&s.coordinator, s.aidar)
            .await
            .unwrap()
            .person
            .version;
        let merged = store
            .merge(&s.coordinator, s.aidar, version, second, 1)
            .await
            .unwrap();
        let newcomer = store
            .add_person(&s.coordinator, &person("Bolat Serikov"))
            .await
            .unwrap();
        assert!(newcomer > second, "{newcomer} reuses or precedes {second}");
        store
            .undo_merge(&s.coordinator, merged.merge_id)
            .await
            .unwrap();
        assert_eq!(
            store
                .person(&s.coordinator, second)
                .await
                .unwrap()
                .person
                .name,
            "Айдар Толымов"
        );

        // Deleting the highest id, then adding a person: the new one gets a fresh id.
        store
            .delete_person(&s.coordinator, newcomer, 1)
            .await
            .unwrap();
        let after_delete = store
            .add_person(&s.coordinator, &person("Dana Yesenova"))
            .await
            .unwrap();
        assert!(
            after_delete > newcomer,
            "{after_delete} reuses or precedes the deleted {newcomer}"
        );
        assert!(matches!(
            store.person(&s.coordinator, newcomer).await,
            Err(StoreError::NotFound)
        ));
    }
}
