//! Migrations: SQL files embedded in the binary, applied in order, each in its own transaction
//! together with its row in `schema_version`. An applied migration is never edited; a change
//! is a new file. PostgreSQL has one twin file per SQLite migration (`migrations/postgres/`,
//! same numbers and names) and its own `schema_version` table, so that a version number means
//! the same schema on both backends.

use sqlx::{PgPool, Row, SqlitePool};

use crate::error::StoreError;

/// The SQLite migrations, in order; migration `n` is at index `n - 1`.
const SQLITE_MIGRATIONS: &[(&str, &str)] = &[
    (
        "register",
        include_str!("../migrations/sqlite/0001_register.sql"),
    ),
    (
        "accounts",
        include_str!("../migrations/sqlite/0002_accounts.sql"),
    ),
    ("audit", include_str!("../migrations/sqlite/0003_audit.sql")),
    (
        "list_indexes",
        include_str!("../migrations/sqlite/0004_list_indexes.sql"),
    ),
    (
        "published_index",
        include_str!("../migrations/sqlite/0005_published_index.sql"),
    ),
    (
        "drop_redundant_indexes",
        include_str!("../migrations/sqlite/0006_drop_redundant_indexes.sql"),
    ),
    (
        "city_status_index",
        include_str!("../migrations/sqlite/0007_city_status_index.sql"),
    ),
    ("totp", include_str!("../migrations/sqlite/0008_totp.sql")),
    (
        "merges",
        include_str!("../migrations/sqlite/0009_merges.sql"),
    ),
    (
        "retired_person_ids",
        include_str!("../migrations/sqlite/0010_retired_person_ids.sql"),
    ),
    (
        "elections",
        include_str!("../migrations/sqlite/0011_elections.sql"),
    ),
    (
        "search_trigrams",
        include_str!("../migrations/sqlite/0012_search_trigrams.sql"),
    ),
    (
        "detained_order",
        include_str!("../migrations/sqlite/0013_detained_order.sql"),
    ),
    (
        "name_order",
        include_str!("../migrations/sqlite/0014_name_order.sql"),
    ),
    (
        "search_words",
        include_str!("../migrations/sqlite/0015_search_words.sql"),
    ),
];

/// The PostgreSQL twins of [`SQLITE_MIGRATIONS`], in the same order.
const POSTGRES_MIGRATIONS: &[(&str, &str)] = &[
    (
        "register",
        include_str!("../migrations/postgres/0001_register.sql"),
    ),
    (
        "accounts",
        include_str!("../migrations/postgres/0002_accounts.sql"),
    ),
    (
        "audit",
        include_str!("../migrations/postgres/0003_audit.sql"),
    ),
    (
        "list_indexes",
        include_str!("../migrations/postgres/0004_list_indexes.sql"),
    ),
    (
        "published_index",
        include_str!("../migrations/postgres/0005_published_index.sql"),
    ),
    (
        "drop_redundant_indexes",
        include_str!("../migrations/postgres/0006_drop_redundant_indexes.sql"),
    ),
    (
        "city_status_index",
        include_str!("../migrations/postgres/0007_city_status_index.sql"),
    ),
    ("totp", include_str!("../migrations/postgres/0008_totp.sql")),
    (
        "merges",
        include_str!("../migrations/postgres/0009_merges.sql"),
    ),
    (
        "retired_person_ids",
        include_str!("../migrations/postgres/0010_retired_person_ids.sql"),
    ),
    (
        "elections",
        include_str!("../migrations/postgres/0011_elections.sql"),
    ),
    (
        "search_trigrams",
        include_str!("../migrations/postgres/0012_search_trigrams.sql"),
    ),
    (
        "detained_order",
        include_str!("../migrations/postgres/0013_detained_order.sql"),
    ),
    (
        "name_order",
        include_str!("../migrations/postgres/0014_name_order.sql"),
    ),
    (
        "search_words",
        include_str!("../migrations/postgres/0015_search_words.sql"),
    ),
];

/// The version a fully migrated database is at.
pub const LATEST_VERSION: i64 = SQLITE_MIGRATIONS.len() as i64;

// Both backends must have the same number of migrations, or a version would mean two schemas.
const _: () = assert!(SQLITE_MIGRATIONS.len() == POSTGRES_MIGRATIONS.len());

pub(crate) async fn migrate_sqlite(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .execute(pool)
    .await?;
    let current = current_version_sqlite(pool).await?;
    check_not_newer(current)?;
    for (index, (name, sql)) in SQLITE_MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, datetime('now'))",
        )
        .bind(version)
        .bind(*name)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

pub(crate) async fn current_version_sqlite(pool: &SqlitePool) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("version")?)
}

/// Refuses a database migrated by a newer program.
fn check_not_newer(current: i64) -> Result<(), StoreError> {
    if current > LATEST_VERSION {
        return Err(StoreError::invalid(
            "database",
            format!(
                "the database is at schema version {current}, newer than this program ({LATEST_VERSION}); upgrade Kuzet"
            ),
        ));
    }
    Ok(())
}

/// PostgreSQL: the same steps, each migration in a transaction with its version row. Several
/// `kuzet serve` processes may start at once on one database, so the whole run holds an
/// advisory lock and reads the version only once it has the lock.
pub(crate) async fn migrate_postgres(pool: &PgPool) -> Result<(), StoreError> {
    let mut connection = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *connection)
        .await?;
    let result = migrate_postgres_locked(&mut connection).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *connection)
        .await;
    result?;
    unlocked?;
    Ok(())
}

/// The advisory lock key of migrations ("kuzet" in ASCII).
const MIGRATION_LOCK: i64 = 0x6b757a6574;

async fn migrate_postgres_locked(connection: &mut sqlx::PgConnection) -> Result<(), StoreError> {
    use sqlx::Connection;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    BIGINT PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .execute(&mut *connection)
    .await?;
    let current = current_version_postgres_on(&mut *connection).await?;
    check_not_newer(current)?;
    for (index, (name, sql)) in POSTGRES_MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        let mut tx = connection.begin().await?;
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO schema_version (version, name) VALUES ($1, $2)")
            .bind(version)
            .bind(*name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

pub(crate) async fn current_version_postgres(pool: &PgPool) -> Result<i64, StoreError> {
    let mut connection = pool.acquire().await?;
    current_version_postgres_on(&mut connection).await
}

async fn current_version_postgres_on(
    connection: &mut sqlx::PgConnection,
) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(version), 0)::BIGINT AS version FROM schema_version")
            .fetch_one(&mut *connection)
            .await?;
    Ok(row.try_get("version")?)
}
