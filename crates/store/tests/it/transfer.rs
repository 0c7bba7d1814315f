//! Copying a whole database between stores (`Store::copy_into`, behind `kuzet migrate-store`
//! and PostgreSQL backups): SQLite to PostgreSQL and back gives equal canonical digests, the
//! same ids, an intact audit chain and working search and inserts; a target that is not empty
//! or whose schema differs is refused and left unchanged.

use kuzet_register::Role;
use kuzet_register::demo::generate;
use kuzet_store::transfer::TransferError;
use kuzet_store::{AuditVerdict, PersonQuery, Store};

use crate::support::{
    POSTGRES_URL_VAR, TestStore, admin, file_store, person, postgres_store, user,
};

/// A register with something in every table kind: the demo (events, claims, persons with
/// restricted fields, detentions with fractional hours, decisions, custody, transfers,
/// sources, settings), accounts with a session and an API token, a merge and a "not the same
/// person" decision.
async fn filled(test: &TestStore) -> Vec<kuzet_store::backup::TableDigest> {
    let store = &test.store;
    store.load_demo(&generate(2019)).await.unwrap();
    let coordinator = user(store, "coordinator", Role::Coordinator).await;
    store
        .create_api_token(&coordinator, "script", &[kuzet_store::ApiTokenScope::Read])
        .await
        .unwrap();
    store
        .login("coordinator", "correct horse battery", "192.0.2.1")
        .await
        .unwrap();
    let a = store
        .add_person(&coordinator, &person("Синтет Дубликатов"))
        .await
        .unwrap();
    let b = store
        .add_person(&coordinator, &person("Sintet Dublikatov"))
        .await
        .unwrap();
    let c = store
        .add_person(&coordinator, &person("Other Probov"))
        .await
        .unwrap();
    store.merge(&coordinator, a, 1, b, 1).await.unwrap();
    store
        .mark_not_duplicate(&coordinator, a, c, "different birth years")
        .await
        .unwrap();
    store.table_digests().await.unwrap()
}

fn summary(digests: &[kuzet_store::backup::TableDigest]) -> Vec<String> {
    digests
        .iter()
        .map(|d| format!("{} {} {}", d.table, d.rows, &d.sha256[..12]))
        .collect()
}

/// `to` holds exactly what `from` held: equal digests read independently, the same audit
/// verdict, search finds a Cyrillic name, and a new person gets a fresh id.
async fn check_copy(from: &Store, to: &Store, expected: &[kuzet_store::backup::TableDigest]) {
    let copied = from.copy_into(to, &|_| {}).await.unwrap();
    let mut in_copy_order = copied.tables.clone();
    in_copy_order.sort_by(|a, b| a.table.cmp(&b.table));
    assert_eq!(
        summary(&in_copy_order),
        summary(expected),
        "{} -> {}",
        from.backend_name(),
        to.backend_name()
    );
    assert_eq!(
        summary(&to.table_digests().await.unwrap()),
        summary(expected)
    );
    assert_eq!(
        to.verify_audit().await.unwrap(),
        from.verify_audit().await.unwrap()
    );
    assert_eq!(copied.audit, from.verify_audit().await.unwrap());
    // Parents before children: persons before detentions before decisions.
    let position = |table: &str| copied.tables.iter().position(|d| d.table == table).unwrap();
    assert!(position("persons") < position("detentions"));
    assert!(position("detentions") < position("decisions"));
    assert!(position("users") < position("sessions"));

    let found = to
        .list_persons(
            &admin(),
            &PersonQuery {
                text: Some("Дубликатов".into()),
                ..PersonQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        found
            .items
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Синтет Дубликатов"],
        "search on the copy ({})",
        to.backend_name()
    );
    let highest = from
        .list_persons(&admin(), &PersonQuery::default())
        .await
        .unwrap()
        .total;
    let new = to
        .add_person(&admin(), &person("After Copy"))
        .await
        .unwrap();
    assert!(
        new.0 > highest as i64,
        "a new id after the copied ones: {new:?}"
    );
    assert_eq!(
        to.verify_audit().await.unwrap(),
        AuditVerdict::Ok {
            records: match from.verify_audit().await.unwrap() {
                AuditVerdict::Ok { records } => records + 1,
                broken => panic!("{broken:?}"),
            }
        }
    );
}

#[tokio::test]
async fn a_database_copied_to_postgresql_and_back_is_the_same_table_by_table() {
    let source = file_store().await;
    let expected = filled(&source).await;
    assert!(expected.iter().any(|d| d.table == "merges" && d.rows == 1));
    assert!(
        expected
            .iter()
            .any(|d| d.table == "sessions" && d.rows == 1)
    );
    assert!(
        !expected
            .iter()
            .any(|d| d.table.starts_with("persons_fts") || d.table == "schema_version")
    );
    let Some(postgres) = postgres_store().await else {
        eprintln!(
            "skipped the PostgreSQL legs: {POSTGRES_URL_VAR} not set; copying SQLite to SQLite only"
        );
        let target = file_store().await;
        check_copy(&source.store, &target.store, &expected).await;
        return;
    };
    // The canonical digests of the PostgreSQL copy equal the SQLite original's, so the
    // second copy has something to be compared with that did not come from SQLite.
    let back = file_store().await;
    let copied = source
        .store
        .copy_into(&postgres.store, &|_| {})
        .await
        .unwrap();
    assert_eq!(copied.source_backend, "sqlite");
    assert_eq!(copied.target_backend, "postgres");
    assert_eq!(
        summary(&postgres.store.table_digests().await.unwrap()),
        summary(&expected)
    );
    check_copy(&postgres.store, &back.store, &expected).await;
}

#[tokio::test]
async fn progress_is_reported_up_to_every_row() {
    let source = file_store().await;
    let expected = filled(&source).await;
    let rows: u64 = expected.iter().map(|d| d.rows).sum();
    let mut targets = vec![file_store().await];
    targets.extend(postgres_store().await);
    for target in targets {
        let last = std::sync::Mutex::new((0u64, 0u64, 0usize));
        source
            .store
            .copy_into(&target.store, &|p| {
                let mut last = last.lock().unwrap();
                assert!(p.rows_done >= last.0, "progress only grows");
                *last = (p.rows_done, p.rows_total, last.2 + 1);
            })
            .await
            .unwrap();
        let (done, total, calls) = *last.lock().unwrap();
        assert_eq!((done, total), (rows, rows), "{}", target.backend);
        assert!(calls >= expected.len(), "at least once per table");
    }
}

#[tokio::test]
async fn a_target_with_data_is_refused_and_left_as_it_was() {
    let source = file_store().await;
    filled(&source).await;
    let mut targets = vec![file_store().await];
    targets.extend(postgres_store().await);
    for target in targets {
        let other = target
            .store
            .add_person(&admin(), &person("Already Here"))
            .await
            .unwrap();
        let before = target.store.table_digests().await.unwrap();
        let error = source
            .store
            .copy_into(&target.store, &|_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(&error, TransferError::NotEmpty { table, rows: 1 } if table == "audit_head" || table == "audit_log" || table == "persons"),
            "{}: {error}",
            target.backend
        );
        assert!(error.is_user_error());
        assert!(error.to_string().contains("not empty"), "{error}");
        assert_eq!(
            target.store.table_digests().await.unwrap(),
            before,
            "{}",
            target.backend
        );
        assert!(target.store.person(&admin(), other).await.is_ok());
    }
}

#[tokio::test]
async fn a_table_the_other_side_does_not_know_is_named() {
    let source = file_store().await;
    filled(&source).await;
    let target = file_store().await;
    let mut raw = target.raw().await;
    sqlx::raw_sql("CREATE TABLE local_notes (id INTEGER PRIMARY KEY, note TEXT)")
        .execute(&mut raw)
        .await
        .unwrap();
    let error = source
        .store
        .copy_into(&target.store, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "table `local_notes` exists in the target database only; the schemas differ"
    );
    sqlx::raw_sql("DROP TABLE local_notes; ALTER TABLE persons ADD COLUMN nickname TEXT")
        .execute(&mut raw)
        .await
        .unwrap();
    let error = source
        .store
        .copy_into(&target.store, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "table `persons`: column `nickname` exists in the target database only; the schemas differ"
    );
}

#[tokio::test]
async fn a_digest_changes_with_any_value_of_its_table_only() {
    let test = file_store().await;
    let mut previous = filled(&test).await;
    let mut raw = test.raw().await;
    for (sql, table) in [
        // A float nudged in its last places.
        (
            "UPDATE detentions SET hours_held = hours_held + 1e-9
             WHERE id = (SELECT MIN(id) FROM detentions WHERE hours_held IS NOT NULL)",
            "detentions",
        ),
        // An empty text where there was NULL.
        (
            "UPDATE persons SET status_place = ''
             WHERE id = (SELECT MIN(id) FROM persons WHERE status_place IS NULL)",
            "persons",
        ),
        // A text that reads like the integer it replaces.
        ("UPDATE settings SET value = value || ''", ""),
        ("UPDATE audit_log SET actor_user_id = actor_user_id + 0", ""),
        (
            "UPDATE official_claims SET count_value = count_value + 1 WHERE id = 1",
            "official_claims",
        ),
        (
            "UPDATE events SET place = place || ' ' WHERE id = 1",
            "events",
        ),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut raw)
            .await
            .unwrap();
        let after = test.store.table_digests().await.unwrap();
        let changed: Vec<&str> = after
            .iter()
            .zip(&previous)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.table.as_str())
            .collect();
        let expected: Vec<&str> = [table].into_iter().filter(|t| !t.is_empty()).collect();
        assert_eq!(changed, expected, "{sql}");
        previous = after;
    }
}
