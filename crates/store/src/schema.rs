//! Migrations: SQL files embedded in the binary, applied in order, each in its own transaction
//! together with its row in `schema_version`. An applied migration is never edited; a change
//! is a new file.

use sqlx::{Row, SqlitePool};

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
];

/// The version a fully migrated database is at.
pub const LATEST_VERSION: i64 = SQLITE_MIGRATIONS.len() as i64;

pub(crate) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .execute(pool)
    .await?;
    let current = current_version(pool).await?;
    if current > LATEST_VERSION {
        return Err(StoreError::invalid(
            "database",
            format!(
                "the database is at schema version {current}, newer than this program ({LATEST_VERSION}); upgrade Kuzet"
            ),
        ));
    }
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

pub(crate) async fn current_version(pool: &SqlitePool) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("version")?)
}
