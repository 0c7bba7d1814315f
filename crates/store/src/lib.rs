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
//! PostgreSQL is chosen by a `postgres://` URL and is partial: the store is a private
//! [`Backend`] enum, and a method not yet ported returns [`StoreError::Unsupported`] naming
//! itself (never a panic, never a silent no-op). Backups of PostgreSQL are logical copies into
//! an encrypted SQLite file, and `kuzet migrate-store` copies a whole database between the
//! backends ([`transfer`]: generic over the catalogue, canonical digests equal on both).
//!
//! Most SQL is written once ([`db`]: `?` placeholders become `$n` on PostgreSQL, rows are read
//! alike); the few dialect differences are matched on the backend where they occur: FTS5 on
//! SQLite against a `pg_trgm`-indexed LIKE over the same `search_keys` on PostgreSQL,
//! `COLLATE NOCASE` against `lower(name)`, SQLite's NULL order spelled out, `PRAGMA optimize`,
//! and `setval` of the identity sequences after imports that assign ids, and a merge's
//! before-image typed by the database's own column types (NULLs typed per column). PostgreSQL has its
//! own migrations in `migrations/postgres/` (one twin per SQLite migration, `BIGINT` ids and
//! flags, `DOUBLE PRECISION` hours). A [`audit::Change`] on PostgreSQL first takes
//! `audit_head` in EXCLUSIVE mode, so writers from any number of processes queue as SQLite's
//! one writer does and the audit chain stays one chain. The integration tests take their
//! stores from `tests/it/support.rs::stores`, which adds a PostgreSQL store (a fresh
//! `C.UTF-8` database, dropped afterwards) when `KUZET_TEST_POSTGRES_URL` is set.

mod accounts;
mod audit;
pub mod backup;
mod clock;
mod db;
mod demo;
mod elections;
mod encode;
mod error;
mod facts;
mod import;
mod matching;
mod merge;
mod reads;
mod register;
mod schema;
pub mod transfer;
mod types;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::{PgPool, SqlitePool};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use accounts::{
    ABSOLUTE_SESSION_SECS, ADDRESS_FAILURE_LIMIT, ApiTokenRow, ApiTokenScope, IDLE_SESSION_SECS,
    LOGIN_FAILURE_LIMIT, LOGIN_WINDOW_SECS, LoginStep, MIN_PASSWORD_CHARS, NewApiToken, NewSession,
    PENDING_LOGIN_SECS, PendingLogin, SessionUser, TokenUser, TotpEnrolment, UserRow,
    new_totp_enrolment, totp,
};
pub use audit::{AuditFilter, AuditRecord, AuditVerdict};
pub use clock::Clock;
pub use elections::convert as election_files;
pub use elections::{
    AreaRow, ConflictRow, ElectionDataset, ElectionRow, Figures, NewElection, NewOfficialImport,
    NewPhoto, NewStation, NewSubmission, OfficialChange, OfficialFiguresRow, OfficialImportRow,
    OfficialImportSummary, OfficialLevel, OfficialRow, PhotoRow, StationDetail,
    StationImportSummary, StationRow, SubmissionOrigin, SubmissionOutcome, SubmissionRow,
    VerificationRow,
};
pub use error::StoreError;
pub use import::{ImportRecord, ImportSummary};
pub use matching::{DuplicatePair, MatchCandidate};
pub use merge::{MergeRecord, Merged};
pub use schema::LATEST_VERSION as SCHEMA_VERSION;
pub use types::*;

/// The register's storage. Cheap to clone: clones share the connection pools.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    clock: Clock,
    path: Option<PathBuf>,
    /// List totals kept between requests while the data is unchanged (see `reads.rs`).
    list_counts: std::sync::Arc<reads::ListCounts>,
}

/// The database behind a store.
#[derive(Clone)]
enum Backend {
    Sqlite {
        /// One connection: SQLite allows one writer at a time, and queueing writers here
        /// rather than in SQLite's busy loop keeps them in order and never fails with
        /// `SQLITE_BUSY`.
        write: SqlitePool,
        /// Readers; in WAL mode they never wait for the writer. For an in-memory database
        /// this is the writer's pool, since every connection would otherwise see its own
        /// empty database.
        read: SqlitePool,
    },
    /// Many writers: PostgreSQL's own locks order them.
    Postgres(PgPool),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend_name())
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How long a connection waits for SQLite's lock before giving up (another process, such as
/// a backup, may hold it for a moment).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CONNECTIONS: u32 = 4;
/// Connections to PostgreSQL per store (per `kuzet serve` process).
const POSTGRES_CONNECTIONS: u32 = 16;

impl Store {
    /// Opens (creating if needed) the database at `url_or_path` and brings its schema up to
    /// date. Accepts `sqlite://path`, `sqlite:path`, a plain file path, or a `postgres://`
    /// (`postgresql://`) URL for the partial PostgreSQL backend.
    pub async fn open(url_or_path: &str) -> Result<Store, StoreError> {
        if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
            return Store::open_postgres(url_or_path).await;
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
            .synchronous(SqliteSynchronous::Normal)
            // Pages read through a memory map instead of read() calls: on a register of
            // 1,000,000 persons (3 GB) a fifth of a search's time was the kernel copying
            // pages into SQLite's small per-connection cache. SQLite caps the map at its
            // compiled maximum (2 GB by default); the rest of a larger file is read as before.
            .pragma("mmap_size", "2147418112");
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
                    .pragma("cache_size", "-65536")
                    // Statement journals of large transactions (imports) stay in memory rather
                    // than in temporary files.
                    .pragma("temp_store", "memory"),
            )
            .await?;
        schema::migrate_sqlite(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Store {
            backend: Backend::Sqlite { write, read },
            clock: Clock::system(),
            list_counts: Default::default(),
            path: Some(path.to_owned()),
        })
    }

    async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .connect_with(options)
            .await?;
        schema::migrate_postgres(&pool).await?;
        Ok(Store {
            backend: Backend::Postgres(pool),
            clock: Clock::system(),
            list_counts: Default::default(),
            path: None,
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
        schema::migrate_sqlite(&pool).await?;
        Ok(Store {
            backend: Backend::Sqlite {
                write: pool.clone(),
                read: pool,
            },
            clock: Clock::system(),
            list_counts: Default::default(),
            path: None,
        })
    }

    /// The same store reading the time from `clock` (tests move a manual clock to expire
    /// sessions and throttles).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The database file, or `None` in memory and on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version the database is at (the number of applied migrations).
    /// Both backends count the same migrations, so the number means the same schema.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        match &self.backend {
            Backend::Sqlite { read, .. } => schema::current_version_sqlite(read).await,
            Backend::Postgres(pool) => schema::current_version_postgres(pool).await,
        }
    }

    /// Closes all connections; on SQLite this checkpoints the WAL into the main file.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }

    /// Whether this store is on PostgreSQL, for the few statements written per dialect.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The readers of either backend, for queries written once for both.
    pub(crate) fn db_read(&self) -> db::Db<'_> {
        match &self.backend {
            Backend::Sqlite { read, .. } => db::Db::Sqlite(read),
            Backend::Postgres(pool) => db::Db::Postgres(pool),
        }
    }

    /// The writer of either backend, for single statements outside a `Change` (session
    /// touches, login attempts) written once for both.
    pub(crate) fn db_write(&self) -> db::Db<'_> {
        match &self.backend {
            Backend::Sqlite { write, .. } => db::Db::Sqlite(write),
            Backend::Postgres(pool) => db::Db::Postgres(pool),
        }
    }

    /// A plain write transaction on either backend, for statements that change no audited
    /// data (pending logins).
    pub(crate) async fn db_begin(&self) -> Result<db::WriteTx, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite { write, .. } => db::WriteTx::Sqlite(write.begin().await?),
            Backend::Postgres(pool) => db::WriteTx::Postgres(pool.begin().await?),
        })
    }

    /// The SQLite writer, or `Unsupported` naming `what` on a backend where it is not ported.
    pub(crate) fn sqlite_write(&self, what: &'static str) -> Result<&SqlitePool, StoreError> {
        match &self.backend {
            Backend::Sqlite { write, .. } => Ok(write),
            Backend::Postgres(_) => Err(StoreError::not_ported(what)),
        }
    }

    /// The SQLite readers, or `Unsupported` naming `what` on a backend where it is not ported.
    // No caller at the moment (table digests now run on both backends); kept for methods
    // that start SQLite-only.
    #[allow(dead_code)]
    pub(crate) fn sqlite_read(&self, what: &'static str) -> Result<&SqlitePool, StoreError> {
        match &self.backend {
            Backend::Sqlite { read, .. } => Ok(read),
            Backend::Postgres(_) => Err(StoreError::not_ported(what)),
        }
    }
}
