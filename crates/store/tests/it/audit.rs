//! The audit log: every change appends a record in its transaction; `verify_audit` finds the
//! first record that was edited, deleted or moved directly in the database (the SQLite file,
//! or PostgreSQL through a connection of its own), on every backend.

use kuzet_register::Role;
use kuzet_store::{AuditFilter, AuditVerdict, StoreError};

use crate::support::{
    POSTGRES_URL_VAR, TestStore, admin, file_store, person, postgres_store, stores, user,
};

/// A store with a log of seven records: a user, four persons, two updates.
async fn store_with_log(test: TestStore) -> (TestStore, i64) {
    let store = &test.store;
    let coordinator = user(store, "coordinator", Role::Coordinator).await;
    let mut ids = Vec::new();
    for name in [
        "Aidar Tolymov",
        "Бекзат Жуаров",
        "Kairat Sesekov",
        "Dana Orkova",
    ] {
        ids.push(store.add_person(&coordinator, &person(name)).await.unwrap());
    }
    let mut renamed = person("Aidar Tolymbekov");
    renamed.person.contact = "+7 000 111 22 33".into();
    store
        .update_person(&coordinator, ids[0], 1, &renamed)
        .await
        .unwrap();
    store
        .set_publication(&coordinator, ids[1], true)
        .await
        .unwrap();
    let AuditVerdict::Ok { records } = store.verify_audit().await.unwrap() else {
        panic!("fresh log is broken")
    };
    (test, records as i64)
}

/// Runs `sql` on the database behind the store, as an attacker with the SQLite file or the
/// PostgreSQL owner's password would: a connection of its own, not the store's.
async fn tamper(test: &TestStore, sql: &[&str]) {
    use sqlx::Connection;
    if test.file.is_some() {
        let mut raw = test.raw().await;
        for statement in sql {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
                .execute(&mut raw)
                .await
                .unwrap();
        }
        return;
    }
    let url = test.reopen_url().expect("a file or PostgreSQL database");
    let mut raw = sqlx::PgConnection::connect(&url).await.unwrap();
    for statement in sql {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&mut raw)
            .await
            .unwrap();
    }
    raw.close().await.unwrap();
}

/// Tampers with the log using `sql` and checks the verdict: `ok` or `broken at N`, on a
/// SQLite file and on PostgreSQL (when `KUZET_TEST_POSTGRES_URL` is set).
async fn check(sql: &[&str], expected: &str) {
    let mut tests = vec![file_store().await];
    match postgres_store().await {
        Some(test) => tests.push(test),
        None => eprintln!("skipped on PostgreSQL: {POSTGRES_URL_VAR} not set"),
    }
    for test in tests {
        let (test, records) = store_with_log(test).await;
        assert_eq!(records, 7, "the fixture log");
        tamper(&test, sql).await;
        let verdict = test.store.verify_audit().await.unwrap();
        let actual = match &verdict {
            AuditVerdict::Ok { records } => format!("ok {records}"),
            AuditVerdict::Broken { seq, .. } => format!("broken at {seq}"),
        };
        assert_eq!(actual, expected, "{}: {sql:?}: {verdict:?}", test.backend);
    }
}

#[tokio::test]
async fn tampering_is_detected_at_the_first_broken_record() {
    check(&[], "ok 7").await;
    // Edits of any field.
    check(
        &["UPDATE audit_log SET after_json = replace(after_json, 'Dana', 'Dina') WHERE seq = 5"],
        "broken at 5",
    )
    .await;
    check(
        &["UPDATE audit_log SET actor_user_id = 99 WHERE seq = 3"],
        "broken at 3",
    )
    .await;
    check(
        &["UPDATE audit_log SET at = '2030-01-01T00:00:00Z' WHERE seq = 1"],
        "broken at 1",
    )
    .await;
    check(
        &["UPDATE audit_log SET action = 'create' WHERE seq = 6"],
        "broken at 6",
    )
    .await;
    check(
        &["UPDATE audit_log SET before_json = NULL WHERE seq = 6"],
        "broken at 6",
    )
    .await;
    // A hash copied from another record.
    check(
        &["UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 2) WHERE seq = 4"],
        "broken at 4",
    )
    .await;
    // Deletions: in the middle, at the start, at the end.
    check(&["DELETE FROM audit_log WHERE seq = 4"], "broken at 4").await;
    check(&["DELETE FROM audit_log WHERE seq = 1"], "broken at 1").await;
    check(&["DELETE FROM audit_log WHERE seq = 7"], "broken at 7").await;
    check(&["DELETE FROM audit_log WHERE seq >= 6"], "broken at 6").await;
    // Renumbering after a deletion leaves no gap, but the hashes were computed with the old seq.
    check(
        &[
            "DELETE FROM audit_log WHERE seq = 3",
            "UPDATE audit_log SET seq = -(seq - 1) WHERE seq > 3",
            "UPDATE audit_log SET seq = -seq WHERE seq < 0",
        ],
        "broken at 3",
    )
    .await;
    // Reordering: records 2 and 5 swap places.
    check(
        &[
            "UPDATE audit_log SET seq = -2 WHERE seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE seq = 5",
            "UPDATE audit_log SET seq = 5 WHERE seq = -2",
        ],
        "broken at 2",
    )
    .await;
    // Emptying the whole log still disagrees with its head.
    check(&["DELETE FROM audit_log"], "broken at 1").await;
}

#[tokio::test]
async fn every_change_is_recorded_with_before_and_after() {
    for test in stores().await {
        let store = &test.store;
        let coordinator = user(store, "coordinator", Role::Coordinator).await;
        let analyst = user(store, "analyst", Role::Analyst).await;
        let mut new = person("Aidar Tolymov");
        new.person.contact = "+7 000 123 45 67".into();
        let id = store.add_person(&coordinator, &new).await.unwrap();
        let renamed = {
            let mut renamed = new.clone();
            renamed.person.name = kuzet_register::PersonName::parse("Aidar Tolymbekov").unwrap();
            renamed
        };
        store
            .update_person(&coordinator, id, 1, &renamed)
            .await
            .unwrap();
        // A refused change leaves no record.
        assert!(matches!(
            store.update_person(&coordinator, id, 1, &new).await,
            Err(StoreError::Conflict { current_version: 2 })
        ));

        let filter = AuditFilter {
            entity: Some("person".into()),
            entity_id: Some(id.0),
            ..AuditFilter::default()
        };
        let records = store.audit_records(&coordinator, &filter).await.unwrap();
        let summary: Vec<String> = records
            .iter()
            .map(|r| {
                let name = |v: &Option<serde_json::Value>| {
                    v.as_ref()
                        .map(|v| v["name"].as_str().unwrap_or("?").to_owned())
                        .unwrap_or("-".into())
                };
                format!(
                    "{} {} {} -> {} by {}",
                    r.seq,
                    r.action,
                    name(&r.before),
                    name(&r.after),
                    r.actor_username.as_deref().unwrap_or("?")
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "4 update Aidar Tolymov -> Aidar Tolymbekov by coordinator",
                "3 create - -> Aidar Tolymov by coordinator"
            ],
            "{}",
            test.backend
        );
        assert_eq!(
            records[1].after.as_ref().unwrap()["contact"],
            "+7 000 123 45 67",
            "coordinators see contacts in history"
        );
        assert_eq!(records[0].prev_hash, records[1].hash, "records are chained");

        // Analysts read the log without restricted fields; volunteers do not read it.
        let for_analyst = store.audit_records(&analyst, &filter).await.unwrap();
        assert_eq!(
            for_analyst[1].after.as_ref().unwrap()["contact"],
            serde_json::Value::Null
        );
        assert_eq!(
            for_analyst[1].after.as_ref().unwrap()["name"],
            "Aidar Tolymov"
        );
        let volunteer = user(store, "volunteer", Role::Volunteer).await;
        assert!(matches!(
            store.audit_records(&volunteer, &filter).await,
            Err(StoreError::Forbidden)
        ));

        // Filter by actor: the user records were made by the system (no user id).
        let by_coordinator = AuditFilter {
            actor_user_id: coordinator.user_id,
            ..AuditFilter::default()
        };
        let actions: Vec<String> = store
            .audit_records(&admin(), &by_coordinator)
            .await
            .unwrap()
            .iter()
            .map(|r| r.action.clone())
            .collect();
        assert_eq!(actions, ["update", "create"], "{}", test.backend);
        let users = AuditFilter {
            entity: Some("user".into()),
            ..AuditFilter::default()
        };
        assert_eq!(
            store.audit_records(&admin(), &users).await.unwrap().len(),
            3
        );
        let limited = AuditFilter {
            limit: Some(2),
            ..AuditFilter::default()
        };
        let page = store.audit_records(&admin(), &limited).await.unwrap();
        let older = AuditFilter {
            before_seq: Some(page[1].seq),
            ..AuditFilter::default()
        };
        let rest = store.audit_records(&admin(), &older).await.unwrap();
        assert_eq!(page.len() + rest.len(), 5, "{}", test.backend);
        assert_eq!(
            store.verify_audit().await.unwrap(),
            AuditVerdict::Ok { records: 5 }
        );
    }
}

#[tokio::test]
async fn concurrent_changes_keep_one_unbroken_chain() {
    for test in stores().await {
        let store = &test.store;
        let coordinator = user(store, "coordinator", Role::Coordinator).await;
        let mut tasks = Vec::new();
        for n in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = store
                    .add_person(&coordinator, &person(&format!("Concurrent Person{n}")))
                    .await
                    .unwrap();
                // Readers run beside the writer.
                store.person(&coordinator, id).await.unwrap();
                store
                    .update_person(
                        &coordinator,
                        id,
                        1,
                        &person(&format!("Concurrent Renamed{n}")),
                    )
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 2);
        }
        // Two editors of one record: exactly one wins.
        let id = store
            .add_person(&coordinator, &person("Contested Record"))
            .await
            .unwrap();
        let (first_edit, second_edit) = (person("Contested First"), person("Contested Second"));
        let (first, second) = tokio::join!(
            store.update_person(&coordinator, id, 1, &first_edit),
            store.update_person(&coordinator, id, 1, &second_edit),
        );
        let outcomes = [&first, &second].map(|result| match result {
            Ok(version) => format!("ok {version}"),
            Err(StoreError::Conflict { current_version }) => format!("conflict {current_version}"),
            Err(error) => format!("error {error}"),
        });
        let mut sorted = outcomes.to_vec();
        sorted.sort();
        assert_eq!(sorted, ["conflict 2", "ok 2"], "{}", test.backend);
        assert_eq!(
            store.verify_audit().await.unwrap(),
            AuditVerdict::Ok {
                records: 1 + 24 * 2 + 2
            },
            "{}",
            test.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_writing_one_file_keep_one_chain() {
    // Two stores on one file stand for the server and a CLI command running beside it.
    let test = file_store().await;
    let other = kuzet_store::Store::open(&test.file.as_ref().unwrap().display().to_string())
        .await
        .unwrap();
    let coordinator = user(&test.store, "coordinator", Role::Coordinator).await;
    let writes = |store: kuzet_store::Store, prefix: &'static str| async move {
        for n in 0..15 {
            let id = store
                .add_person(&coordinator, &person(&format!("{prefix} Person{n}")))
                .await
                .unwrap();
            // An update reads before it writes: the case where a stale snapshot would fail.
            store
                .update_person(
                    &coordinator,
                    id,
                    1,
                    &person(&format!("{prefix} Renamed{n}")),
                )
                .await
                .unwrap();
        }
    };
    let server = tokio::spawn(writes(test.store.clone(), "Server"));
    let cli = tokio::spawn(writes(other.clone(), "Cli"));
    server.await.unwrap();
    cli.await.unwrap();
    assert_eq!(
        test.store.verify_audit().await.unwrap(),
        AuditVerdict::Ok { records: 61 }
    );
    assert_eq!(
        other.verify_audit().await.unwrap(),
        AuditVerdict::Ok { records: 61 }
    );
    other.close().await;
}
