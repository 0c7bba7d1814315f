//! Many writers at once, on every backend: nothing is lost, ids are never shared, the audit
//! chain stays whole, and two coordinators saving the same record never silently overwrite
//! each other (the second gets a conflict naming the version the record is at now).

use std::collections::HashSet;

use kuzet_register::Role;
use kuzet_store::{
    AuditFilter, AuditVerdict, ImportRecord, NewDetention, PersonId, PersonQuery, StoreError,
};

use crate::support::{admin, detention, person, stores, user};

const WRITERS: usize = 8;
const PERSONS_PER_WRITER: usize = 10;

/// How many audit records of `entity` the store holds.
async fn audited(store: &kuzet_store::Store, entity: &str) -> usize {
    let filter = AuditFilter {
        entity: Some(entity.to_owned()),
        limit: Some(10_000),
        ..AuditFilter::default()
    };
    store.audit_records(&admin(), &filter).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_writers_lose_nothing_and_the_chain_verifies() {
    for test in stores().await {
        let coordinator = user(&test.store, "coordinator", Role::Coordinator).await;
        let mut writers = Vec::new();
        for writer in 0..WRITERS {
            let store = test.store.clone();
            writers.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..PERSONS_PER_WRITER {
                    let id = store
                        .add_person(&coordinator, &person(&format!("Writer{writer} Person{n}")))
                        .await?;
                    store
                        .add_detention(
                            &coordinator,
                            id,
                            &NewDetention {
                                event_id: None,
                                detention: detention("09.06.2019 14:00", "", "Station"),
                            },
                        )
                        .await?;
                    ids.push(id);
                }
                Ok::<Vec<PersonId>, StoreError>(ids)
            }));
        }
        let mut ids = HashSet::new();
        for writer in writers {
            for id in writer.await.unwrap().unwrap() {
                assert!(ids.insert(id), "{}: id {id:?} given twice", test.backend);
            }
        }
        let expected = WRITERS * PERSONS_PER_WRITER;
        assert_eq!(ids.len(), expected, "{}", test.backend);
        assert_eq!(
            audited(&test.store, "person").await,
            expected,
            "{}",
            test.backend
        );
        assert_eq!(
            audited(&test.store, "detention").await,
            expected,
            "{}",
            test.backend
        );
        // One record for the coordinator's account, two per person.
        assert_eq!(
            test.store.verify_audit().await.unwrap(),
            AuditVerdict::Ok {
                records: 1 + 2 * expected as u64
            },
            "{}",
            test.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_coordinators_saving_the_same_version_one_gets_a_conflict() {
    for test in stores().await {
        let first = user(&test.store, "first", Role::Coordinator).await;
        let second = user(&test.store, "second", Role::Coordinator).await;
        let id = test
            .store
            .add_person(&first, &person("Edited Twice"))
            .await
            .unwrap();
        let saves =
            [(first, "Edited By First"), (second, "Edited By Second")].map(|(actor, name)| {
                let store = test.store.clone();
                tokio::spawn(async move { store.update_person(&actor, id, 1, &person(name)).await })
            });
        let mut saved = 0;
        let mut conflicts = Vec::new();
        for save in saves {
            match save.await.unwrap() {
                Ok(version) => {
                    assert_eq!(version, 2, "{}", test.backend);
                    saved += 1;
                }
                Err(StoreError::Conflict { current_version }) => conflicts.push(current_version),
                Err(other) => panic!("{}: {other}", test.backend),
            }
        }
        assert_eq!((saved, conflicts), (1, vec![2]), "{}", test.backend);
        // The one save is audited once; the refused one left nothing.
        let updates = test
            .store
            .audit_records(
                &admin(),
                &AuditFilter {
                    entity: Some("person".into()),
                    ..AuditFilter::default()
                },
            )
            .await
            .unwrap()
            .iter()
            .filter(|record| record.action == "update")
            .count();
        assert_eq!(updates, 1, "{}", test.backend);
        assert!(matches!(
            test.store.verify_audit().await.unwrap(),
            AuditVerdict::Ok { records: 4 }
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_imports_beside_single_writers_lose_nothing() {
    const IMPORTERS: usize = 4;
    const RECORDS_PER_IMPORT: usize = 25;
    for test in stores().await {
        let coordinator = user(&test.store, "coordinator", Role::Coordinator).await;
        let mut tasks = Vec::new();
        for importer in 0..IMPORTERS {
            let store = test.store.clone();
            tasks.push(tokio::spawn(async move {
                let records: Vec<ImportRecord> = (0..RECORDS_PER_IMPORT)
                    .map(|n| {
                        let mut record =
                            ImportRecord::new(person(&format!("Imported{importer} Person{n}")));
                        record.detention = Some(NewDetention {
                            event_id: None,
                            detention: detention("09.06.2019 14:00", "", "Station"),
                        });
                        record
                    })
                    .collect();
                store
                    .import_records(&admin(), &records, |_| {})
                    .await
                    .map(|summary| summary.persons)
            }));
            // A single writer beside each import: its detention takes an id from the
            // database's own sequence, which the imports moved past the ids they assigned.
            let store = test.store.clone();
            tasks.push(tokio::spawn(async move {
                let id = store
                    .add_person(&coordinator, &person(&format!("Single{importer} Writer")))
                    .await?;
                store
                    .add_detention(
                        &coordinator,
                        id,
                        &NewDetention {
                            event_id: None,
                            detention: detention("10.06.2019 09:00", "", "Station"),
                        },
                    )
                    .await?;
                Ok(1)
            }));
        }
        let mut stored = 0;
        for task in tasks {
            stored += task.await.unwrap().unwrap();
        }
        // And one after all imports, whatever order the tasks ran in.
        let last = test
            .store
            .add_person(&coordinator, &person("Last Writer"))
            .await
            .unwrap();
        test.store
            .add_detention(
                &coordinator,
                last,
                &NewDetention {
                    event_id: None,
                    detention: detention("11.06.2019 09:00", "", "Station"),
                },
            )
            .await
            .unwrap();
        stored += 1;
        let expected = IMPORTERS * RECORDS_PER_IMPORT + IMPORTERS + 1;
        assert_eq!(stored, expected, "{}", test.backend);
        let list = test
            .store
            .list_persons(&admin(), &PersonQuery::default())
            .await
            .unwrap();
        assert_eq!(list.total, expected as u64, "{}", test.backend);
        assert_eq!(
            audited(&test.store, "detention").await,
            IMPORTERS + 1,
            "{}",
            test.backend
        );
        assert!(
            matches!(
                test.store.verify_audit().await.unwrap(),
                AuditVerdict::Ok { .. }
            ),
            "{}",
            test.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_in_two_processes_on_one_database_keep_one_chain() {
    for test in stores().await {
        // A second store on the same database stands for a second `kuzet serve` process.
        let Some(url) = test.reopen_url() else {
            continue;
        };
        let other = kuzet_store::Store::open(&url).await.unwrap();
        let coordinator = user(&test.store, "coordinator", Role::Coordinator).await;
        let mut writers = Vec::new();
        for (process, store) in [test.store.clone(), other.clone()].into_iter().enumerate() {
            for writer in 0..4 {
                let store = store.clone();
                writers.push(tokio::spawn(async move {
                    for n in 0..5 {
                        store
                            .add_person(
                                &coordinator,
                                &person(&format!("Process{process} Writer{writer} Person{n}")),
                            )
                            .await?;
                    }
                    Ok::<(), StoreError>(())
                }));
            }
        }
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        assert_eq!(audited(&test.store, "person").await, 40, "{}", test.backend);
        for store in [&test.store, &other] {
            assert_eq!(
                store.verify_audit().await.unwrap(),
                AuditVerdict::Ok { records: 41 },
                "{}",
                test.backend
            );
        }
        other.close().await;
    }
}
