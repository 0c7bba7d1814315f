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
    }
}

impl TestStore {
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

/// Every backend to run a test against, each fresh and on a manual clock at `START`.
pub async fn stores() -> Vec<TestStore> {
    let clock = Clock::manual(START);
    let mut stores = vec![TestStore {
        backend: "sqlite-memory",
        store: Store::open_in_memory()
            .await
            .expect("in-memory store")
            .with_clock(clock.clone()),
        file: None,
        clock,
    }];
    stores.push(file_store().await);
    if std::env::var("KUZET_TEST_POSTGRES_URL").is_ok() {
        eprintln!(
            "skipped: PostgreSQL backend is not built yet; KUZET_TEST_POSTGRES_URL is ignored"
        );
    }
    stores
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
