//! The PostgreSQL backend itself: opening and migrating a database, and the clear refusal of
//! operations not yet ported (the backend is partial). The register, account and audit
//! behaviour is tested by the other modules on every backend `support::stores` yields.

use kuzet_store::{NewDetention, NewPerson, PersonQuery, Store, StoreError};

use crate::support::{POSTGRES_URL_VAR, admin, detention, person, postgres_store, with_database};

fn outcome<T>(result: Result<T, StoreError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(StoreError::Unsupported { what, .. }) => format!("unsupported: {what}"),
        Err(error) => format!("error: {error}"),
    }
}

#[tokio::test]
async fn a_postgres_url_opens_a_migrated_database_and_reopening_keeps_it() {
    let Some(test) = postgres_store().await else {
        eprintln!("skipped: {POSTGRES_URL_VAR} not set");
        return;
    };
    assert_eq!(test.store.backend_name(), "postgres");
    assert_eq!(test.store.path(), None);
    assert_eq!(
        test.store.schema_version().await.unwrap(),
        kuzet_store::SCHEMA_VERSION
    );
    let (server, name) = test.postgres.clone().expect("a PostgreSQL test store");
    let url = with_database(&server, &name);
    // A second process starting on the same database finds it migrated and changes nothing.
    let reopened = Store::open(&url).await.expect("reopen");
    assert_eq!(
        reopened.schema_version().await.unwrap(),
        kuzet_store::SCHEMA_VERSION
    );
    reopened.close().await;

    use sqlx::Connection;
    let mut raw = sqlx::PgConnection::connect(&url).await.unwrap();
    let versions: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, name FROM schema_version ORDER BY version")
            .fetch_all(&mut raw)
            .await
            .unwrap();
    assert_eq!(versions.len() as i64, kuzet_store::SCHEMA_VERSION);
    assert_eq!(versions.first().map(|v| v.1.as_str()), Some("register"));
    assert_eq!(versions.last().map(|v| v.1.as_str()), Some("search_words"));
    // Trigram search over Cyrillic needs the extension and a UTF-8 character type.
    let trigrams: i64 = sqlx::query_scalar("SELECT count(*) FROM show_trgm('Жанболат')")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert!(trigrams > 0, "no trigrams of a Cyrillic name");
    raw.close().await.unwrap();
}

/// Runs an operation and compares how it ended with `expected`.
async fn check<T>(operation: impl Future<Output = Result<T, StoreError>>, expected: &str) {
    assert_eq!(outcome(operation.await), expected);
}

#[tokio::test]
async fn operations_not_ported_to_postgres_say_so_by_name() {
    let Some(test) = postgres_store().await else {
        eprintln!("skipped: {POSTGRES_URL_VAR} not set");
        return;
    };
    let store = &test.store;
    let new: NewPerson = person("Aigerim Nurlanovna");
    // Everything is ported, backups and table digests included.
    let id = store.add_person(&admin(), &new).await.unwrap();
    let held = store
        .add_detention(
            &admin(),
            id,
            &NewDetention {
                event_id: None,
                detention: detention("09.06.2019 14:00", "", "Station"),
            },
        )
        .await
        .unwrap();
    check(store.person(&admin(), id), "ok").await;
    check(
        store.delete_fact(&admin(), kuzet_store::FactRef::Detention(held)),
        "ok",
    )
    .await;
    check(store.list_persons(&admin(), &PersonQuery::default()), "ok").await;
    check(store.dashboard(&admin()), "ok").await;
    // Table digests too, in the canonical form both backends share (tests/it/transfer.rs).
    check(store.table_digests(), "ok").await;
}
