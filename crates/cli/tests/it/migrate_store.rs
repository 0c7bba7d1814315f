//! `kuzet migrate-store` end to end: a register copied into a new database has the same
//! canonical digests, a target holding anything is refused with exit code 2, and, when
//! `KUZET_TEST_POSTGRES_URL` is set, SQLite -> PostgreSQL -> SQLite gives the original back and
//! `kuzet backup`/`kuzet restore` work on PostgreSQL URLs.

use std::path::Path;

use kuzet_store::backup::TableDigest;

use crate::backup::register;
use crate::kuzet;
use crate::user::{expect_code, outcome, path_str, scratch, with_store};

fn digests(database: &str) -> Vec<TableDigest> {
    with_store(Path::new(database), async |store| {
        store.table_digests().await.unwrap()
    })
}

#[test]
fn a_register_is_copied_into_a_new_database_and_not_over_an_existing_one() {
    let dir = scratch("migrate-store");
    let database = register(&dir);
    let copy = dir.join("copy.db");
    let stdout = expect_code(
        &[
            "migrate-store",
            "--from",
            path_str(&database),
            "--to",
            path_str(&copy),
            "--json",
        ],
        0,
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("JSON summary");
    let original = digests(path_str(&database));
    // One account, two persons with a detention, a decision and a source each, their three
    // audit records and the chain head.
    assert_eq!(summary["rows"], 1 + 2 * 4 + 3 + 1, "{stdout}");
    assert_eq!(
        summary["summary"]["audit"],
        serde_json::json!({"verdict": "ok", "records": 3})
    );
    assert_eq!(
        summary["summary"]["tables"].as_array().unwrap().len(),
        original.len()
    );
    assert_eq!(digests(path_str(&copy)), original);

    // Text output names both ends and says what was checked.
    let again = dir.join("again.db");
    let stdout = expect_code(
        &[
            "migrate-store",
            "--from",
            path_str(&copy),
            "--to",
            path_str(&again),
        ],
        0,
    );
    assert!(stdout.contains("(sqlite) to "), "{stdout}");
    assert!(
        stdout.contains("same rows and canonical digest"),
        "{stdout}"
    );
    assert!(
        stdout.contains("audit log: intact on the target, 3 records"),
        "{stdout}"
    );

    // Into a database that holds anything: refused, exit 2, nothing changed.
    let (code, _, stderr) = outcome(&kuzet(&[
        "migrate-store",
        "--from",
        path_str(&database),
        "--to",
        path_str(&copy),
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(digests(path_str(&copy)), original);
    // A source that does not exist is not created.
    let missing = dir.join("missing.db");
    let (code, _, stderr) = outcome(&kuzet(&[
        "migrate-store",
        "--from",
        path_str(&missing),
        "--to",
        path_str(&again),
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no database here"), "{stderr}");
    assert!(!missing.exists());
}

/// A new PostgreSQL database on the test server, dropped on drop.
struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    fn create(server: &str, name: &str) -> PgDatabase {
        let database = PgDatabase {
            server: server.to_owned(),
            name: name.to_owned(),
        };
        database.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        database.admin(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        ));
        database
    }

    fn url(&self) -> String {
        let (scheme, rest) = self.server.split_once("://").expect("a postgres:// URL");
        let host = rest.split('/').next().unwrap_or(rest);
        format!("{scheme}://{host}/{}", self.name)
    }

    fn admin(&self, sql: &str) {
        use sqlx::Connection;
        let server = self.server.clone();
        let sql = sql.to_owned();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
            });
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        self.admin(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

#[test]
fn sqlite_to_postgres_and_back_and_postgres_backups() {
    let Ok(server) = std::env::var("KUZET_TEST_POSTGRES_URL") else {
        eprintln!("skipped: KUZET_TEST_POSTGRES_URL not set");
        return;
    };
    let dir = scratch("migrate-store-postgres");
    let database = register(&dir);
    let original = digests(path_str(&database));
    let pid = std::process::id();
    let postgres = PgDatabase::create(&server, &format!("kuzet_cli_migrate_{pid}"));
    let stdout = expect_code(
        &[
            "migrate-store",
            "--from",
            path_str(&database),
            "--to",
            &postgres.url(),
        ],
        0,
    );
    assert!(
        stdout.contains("(sqlite) to ") && stdout.contains("(postgres)"),
        "{stdout}"
    );
    let back = dir.join("back.db");
    expect_code(
        &[
            "migrate-store",
            "--from",
            &postgres.url(),
            "--to",
            path_str(&back),
        ],
        0,
    );
    assert_eq!(digests(path_str(&back)), original);

    // A backup of the PostgreSQL database, restored into a new PostgreSQL database and into
    // a SQLite file: the same rows everywhere.
    let passphrase = dir.join("passphrase.txt");
    std::fs::write(&passphrase, "correct horse battery staple\n").unwrap();
    let backup = dir.join("postgres.age");
    let stdout = expect_code(
        &[
            "backup",
            "--database",
            &postgres.url(),
            "--out",
            path_str(&backup),
            "--passphrase-file",
            path_str(&passphrase),
        ],
        0,
    );
    assert!(stdout.contains("audit log: intact, 3 records"), "{stdout}");
    let restored = PgDatabase::create(&server, &format!("kuzet_cli_restored_{pid}"));
    let stdout = expect_code(
        &[
            "restore",
            path_str(&backup),
            "--database",
            &restored.url(),
            "--passphrase-file",
            path_str(&passphrase),
        ],
        0,
    );
    assert!(
        stdout.contains("every table matches the backup's digests"),
        "{stdout}"
    );
    let from_postgres = dir.join("from-postgres.db");
    expect_code(
        &[
            "migrate-store",
            "--from",
            &restored.url(),
            "--to",
            path_str(&from_postgres),
        ],
        0,
    );
    assert_eq!(digests(path_str(&from_postgres)), original);
    let restored_file = dir.join("restored.db");
    expect_code(
        &[
            "restore",
            path_str(&backup),
            "--database",
            path_str(&restored_file),
            "--passphrase-file",
            path_str(&passphrase),
        ],
        0,
    );
    assert_eq!(digests(path_str(&restored_file)), original);
    // Restoring over a PostgreSQL database that holds data is refused.
    let (code, _, stderr) = outcome(&kuzet(&[
        "restore",
        path_str(&backup),
        "--database",
        &postgres.url(),
        "--passphrase-file",
        path_str(&passphrase),
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");
}
