//! `kuzet demo` end to end: `--no-serve` creates a database that `kuzet serve` can open, with
//! the demo register's totals and one account per role.

use kuzet_register::{Actor, Role};
use kuzet_store::Store;

use crate::kuzet;

/// A fresh path in the system's temporary folder, removed with its WAL files on drop.
struct TempDatabase(std::path::PathBuf);

impl TempDatabase {
    fn new(name: &str) -> TempDatabase {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        TempDatabase(std::env::temp_dir().join(format!("kuzet-{name}-{}-{nanos}.sqlite", std::process::id())))
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The `  name  password` lines of the demo's output.
fn printed_passwords(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (name, password, rest) = (words.next()?, words.next()?, words.next());
            (line.starts_with("  ") && rest.is_none() && password.len() == 20).then(|| (name.to_owned(), password.to_owned()))
        })
        .collect()
}

#[test]
fn demo_creates_a_database_that_serve_can_open() {
    let database = TempDatabase::new("demo");
    let output = kuzet(&["demo", "--no-serve", "--database", database.path(), "--bind", "127.0.0.1:18080"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("http://127.0.0.1:18080/elections/kz-2019"), "{stdout}");
    let passwords = printed_passwords(&stdout);
    let names: Vec<&str> = passwords.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["admin", "coordinator", "volunteer", "analyst"]);

    let expected = kuzet_register::demo::generate(2019);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = Store::open(database.path()).await.expect("the demo database opens");
        let dashboard = store.dashboard(&Actor::system()).await.unwrap();
        assert_eq!(dashboard.persons as usize, expected.people.len());
        assert_eq!(dashboard.by_event.len(), expected.events.len());
        assert_eq!(dashboard.official_claims.len(), expected.claims.len());
        let users = store.list_users(&Actor::system()).await.unwrap();
        let roles: Vec<(String, String)> = users.iter().map(|user| (user.username.clone(), user.role.clone())).collect();
        for (name, role) in [("admin", Role::Admin), ("coordinator", Role::Coordinator), ("volunteer", Role::Volunteer), ("analyst", Role::Analyst)] {
            assert!(roles.contains(&(name.to_owned(), role.as_str().to_owned())), "{name} missing from {roles:?}");
        }
        // The printed passwords are the accounts' real ones.
        for (name, password) in &passwords {
            store.login(name, password, "test").await.unwrap_or_else(|error| panic!("{name} cannot sign in: {error}"));
        }
        store.close().await;
    });

    // A second run keeps the data and gives new passwords; the old ones stop working.
    let again = kuzet(&["demo", "--no-serve", "--database", database.path()]);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success() && stdout.contains("Using the existing demo database"), "{stdout}");
    let new_passwords = printed_passwords(&stdout);
    runtime.block_on(async {
        let store = Store::open(database.path()).await.unwrap();
        assert_eq!(store.dashboard(&Actor::system()).await.unwrap().persons as usize, expected.people.len(), "nothing loaded twice");
        assert!(store.login("admin", &passwords[0].1, "test").await.is_err());
        store.login("admin", &new_passwords[0].1, "test").await.unwrap();
        store.close().await;
    });
}

#[test]
fn serve_refuses_a_database_that_does_not_exist() {
    let database = TempDatabase::new("missing");
    let output = kuzet(&["serve", "--database", database.path(), "--bind", "127.0.0.1:0"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database here"));
    assert!(!database.0.exists(), "no empty database is created");
}
