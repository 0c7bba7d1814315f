//! Shared test helpers: the stores to test, actors, and builders of domain values.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use kuzet_register::{
    Actor, Detention, Person, PersonName, Role, UserId, parse_date, parse_date_time,
};
use kuzet_store::{Clock, NewPerson, Store};
use time::macros::datetime;

/// A store under test and, for file databases, the file (removed on drop) so that tests can
/// reach into it with SQL the way an attacker with the file would.
pub struct TestStore {
    pub backend: &'static str,
    pub store: Store,
    pub file: Option<PathBuf>,
    /// For PostgreSQL: the server's URL and the test database's name (dropped on drop).
    pub postgres: Option<(String, String)>,
    /// The store's clock, starting at `START`.
    pub clock: Clock,
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((server, name)) = self.postgres.take() {
            // Drop is not async and runs inside the test's runtime: drop the database from a
            // thread with its own runtime. FORCE ends the store's pooled connections.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    use sqlx::Connection;
                    let mut admin = sqlx::PgConnection::connect(&server).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await?;
                    admin.close().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop a PostgreSQL test database");
            }
        }
    }
}

impl TestStore {
    /// What `Store::open` takes to open this database again (a second process), or `None`
    /// in memory, where nothing outlives the store.
    pub fn reopen_url(&self) -> Option<String> {
        match (&self.file, &self.postgres) {
            (Some(file), _) => Some(file.display().to_string()),
            (None, Some((server, name))) => Some(with_database(server, name)),
            (None, None) => None,
        }
    }

    /// A direct connection to the database file, bypassing the store.
    pub async fn raw(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        let file = self.file.as_ref().expect("a file database");
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("raw connection")
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn temp_file() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("kuzet-store-test-{}-{n}.db", std::process::id()))
}

/// The moment manual clocks start at: the evening of 9 June 2019 in UTC.
pub const START: time::OffsetDateTime = datetime!(2019-06-09 18:00 UTC);

/// The environment variable naming a PostgreSQL server for tests (trust auth; the tests
/// create and drop a database of their own per store).
pub const POSTGRES_URL_VAR: &str = "KUZET_TEST_POSTGRES_URL";

/// Every backend to run a test against, each fresh and on a manual clock at `START`: SQLite
/// in memory, SQLite in a file, and PostgreSQL when `KUZET_TEST_POSTGRES_URL` is set. For
/// tests whose methods are ported to PostgreSQL.
pub async fn stores() -> Vec<TestStore> {
    let mut stores = sqlite_stores().await;
    match postgres_store().await {
        Some(store) => stores.push(store),
        None => eprintln!("skipped: {POSTGRES_URL_VAR} not set"),
    }
    stores
}

/// The SQLite stores only, for tests that use a method not yet ported to PostgreSQL (the
/// PostgreSQL backend is partial; see the store's `StoreError::Unsupported`).
pub async fn sqlite_stores() -> Vec<TestStore> {
    let clock = Clock::manual(START);
    let mut stores = vec![TestStore {
        backend: "sqlite-memory",
        store: Store::open_in_memory()
            .await
            .expect("in-memory store")
            .with_clock(clock.clone()),
        file: None,
        postgres: None,
        clock,
    }];
    stores.push(file_store().await);
    stores
}

/// A fresh PostgreSQL store in a database of its own, created with `LC_CTYPE 'C.UTF-8'` so
/// that trigram search keeps Cyrillic letters; `None` when `KUZET_TEST_POSTGRES_URL` is not
/// set. The database is dropped with the `TestStore`.
pub async fn postgres_store() -> Option<TestStore> {
    use sqlx::Connection;
    let server = std::env::var(POSTGRES_URL_VAR).ok()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!("kuzet_test_{}_{n}_{nanos}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to KUZET_TEST_POSTGRES_URL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
    )))
    .execute(&mut admin)
    .await
    .expect("create a test database");
    admin.close().await.expect("close");
    let clock = Clock::manual(START);
    let store = Store::open(&with_database(&server, &name))
        .await
        .expect("PostgreSQL store")
        .with_clock(clock.clone());
    Some(TestStore {
        backend: "postgres",
        store,
        file: None,
        postgres: Some((server, name)),
        clock,
    })
}

/// `url` with its database replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URL");
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}/{name}{query}")
}

/// A fresh SQLite file store on a manual clock.
pub async fn file_store() -> TestStore {
    let file = temp_file();
    let clock = Clock::manual(START);
    let store = Store::open(&file.display().to_string())
        .await
        .expect("file store")
        .with_clock(clock.clone());
    TestStore {
        backend: "sqlite-file",
        store,
        file: Some(file),
        postgres: None,
        clock,
    }
}

pub fn admin() -> Actor {
    Actor::system()
}

pub fn actor(role: Role, id: i64) -> Actor {
    Actor::user(UserId(id), role)
}

/// Creates a user of `role` and returns the actor acting as them.
pub async fn user(store: &Store, name: &str, role: Role) -> Actor {
    let id = store
        .add_user(&admin(), name, "correct horse battery", role)
        .await
        .expect("add user");
    Actor::user(id, role)
}

pub fn person(name: &str) -> NewPerson {
    NewPerson::new(Person::new(PersonName::parse(name).expect("name")))
}

pub fn date(text: &str) -> time::Date {
    parse_date(text).expect("date")
}

pub fn date_time(text: &str) -> time::PrimitiveDateTime {
    parse_date_time(text).expect("date-time")
}

/// A detention at `detained`, released at `released` when not empty.
pub fn detention(detained: &str, released: &str, station: &str) -> Detention {
    let mut detention = Detention::new(date_time(detained));
    if !released.is_empty() {
        detention
            .set_released_at(Some(date_time(released)))
            .expect("release after detention");
    }
    detention.police_station = station.to_owned();
    detention
}
