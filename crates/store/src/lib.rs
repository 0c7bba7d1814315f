//! The store: the only crate that knows SQL. SQLite by default (one file, WAL, one writer),
//! PostgreSQL for larger deployments, behind one API. Every change of stored data appends a
//! hash-chained audit record in the same transaction.
//!
//! The web and CLI crates see one cloneable [`Store`] with `async` methods. Each method that
//! reads or changes register data takes the acting [`kuzet_register::Actor`], asks
//! [`kuzet_register::can`] itself (defence in depth: the web layer asks too) and returns rows
//! with confidentiality already applied for that actor: a field the actor may not see is
//! `None`. Queries are runtime-checked sqlx queries with hand-written row mapping; migrations
//! are SQL files embedded in the binary.
//!
//! What this crate must never do: log personal data, keep a secret (password, session or API
//! token) in clear, or change stored data without an audit record in the same transaction.
//!
//! PostgreSQL is not built yet. What it needs, so that the web and CLI crates do not change:
//! `Store` gains a private backend enum (`Sqlite { write, read }`, `Postgres(PgPool)`) and each
//! method dispatches on it; `Change` gets a PostgreSQL twin (its chain head read under
//! `LOCK TABLE audit_head IN EXCLUSIVE MODE`, since PostgreSQL has many writers); migrations
//! in `migrations/postgres/` with `BIGINT` ids and flags (the row mapping reads `i64`),
//! `DOUBLE PRECISION` hours, `pg_trgm` (or a `tsvector`) over the same `search_keys` text
//! instead of FTS5, `lower(name)` instead of `COLLATE NOCASE`, `$n` placeholders; imports
//! that assign ids must `setval` the sequences. The integration tests take their stores from
//! `tests/it/support.rs::stores`, which is where a PostgreSQL store joins when
//! `KUZET_TEST_POSTGRES_URL` is set.

mod accounts;
mod audit;
pub mod backup;
mod clock;
mod demo;
mod encode;
mod error;
mod facts;
mod import;
mod matching;
mod merge;
mod reads;
mod register;
mod schema;
mod types;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use accounts::{
    ABSOLUTE_SESSION_SECS, ADDRESS_FAILURE_LIMIT, ApiTokenRow, ApiTokenScope, IDLE_SESSION_SECS,
    LOGIN_FAILURE_LIMIT, LOGIN_WINDOW_SECS, LoginStep, MIN_PASSWORD_CHARS, NewApiToken,
    NewSession, PENDING_LOGIN_SECS, PendingLogin, SessionUser, TokenUser, TotpEnrolment, UserRow,
    new_totp_enrolment, totp,
};
pub use audit::{AuditFilter, AuditRecord, AuditVerdict};
pub use clock::Clock;
pub use error::StoreError;
pub use import::{ImportRecord, ImportSummary};
pub use matching::{DuplicatePair, MatchCandidate};
pub use merge::{MergeRecord, Merged};
pub use schema::LATEST_VERSION as SCHEMA_VERSION;
pub use types::*;

/// The register's storage. Cheap to clone: clones share the connection pools.
#[derive(Clone)]
pub struct Store {
    /// One connection: SQLite allows one writer at a time, and queueing writers here rather
    /// than in SQLite's busy loop keeps them in order and never fails with `SQLITE_BUSY`.
    write: SqlitePool,
    /// Readers; in WAL mode they never wait for the writer. For an in-memory database this is
    /// the writer's pool, since every connection would otherwise see its own empty database.
    read: SqlitePool,
    clock: Clock,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How long a connection waits for SQLite's lock before giving up (another process, such as
/// a backup, may hold it for a moment).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CONNECTIONS: u32 = 4;

impl Store {
    /// Opens (creating if needed) the database at `url_or_path` and brings its schema up to
    /// date. Accepts `sqlite://path`, `sqlite:path` or a plain file path; `postgres://` URLs
    /// are refused until the PostgreSQL backend exists.
    pub async fn open(url_or_path: &str) -> Result<Store, StoreError> {
        if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
            return Err(StoreError::invalid(
                "database",
                "PostgreSQL is not supported yet; use a SQLite file path",
            ));
        }
        let path = url_or_path
            .strip_prefix("sqlite://")
            .or_else(|| url_or_path.strip_prefix("sqlite:"))
            .unwrap_or(url_or_path);
        if path.is_empty() || path == ":memory:" {
            return Store::open_in_memory().await;
        }
        Store::open_file(Path::new(path)).await
    }

    async fn open_file(path: &Path) -> Result<Store, StoreError> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            // A larger page cache for the writer: imports insert into several indexes in
            // random key order, and a 2 MB cache would write the same pages over and over.
            .connect_with(
                base.clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .pragma("cache_size", "-65536"),
            )
            .await?;
        schema::migrate(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Store {
            write,
            read,
            clock: Clock::system(),
            path: Some(path.to_owned()),
        })
    }

    /// A fresh database in memory, for tests and trials; it is gone when the last clone of the
    /// store is dropped.
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        schema::migrate(&pool).await?;
        Ok(Store {
            write: pool.clone(),
            read: pool,
            clock: Clock::system(),
            path: None,
        })
    }

    /// The same store reading the time from `clock` (tests move a manual clock to expire
    /// sessions and throttles).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version the database is at (the number of applied migrations).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        schema::current_version(&self.read).await
    }

    /// Closes all connections, checkpointing the WAL into the main file.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
