//! `kuzet audit` end to end: `verify` catches an edit, a deletion and a reordering made
//! directly in the SQLite file and names the first broken record (exit code 3); `show` filters.

use std::path::{Path, PathBuf};

use sqlx::Connection;

use crate::kuzet;
use crate::user::{add_user, expect_code, outcome, path_str, scratch};

/// A database with two users and three imported persons (a log of a dozen records).
fn register_with_log(dir: &Path) -> PathBuf {
    let database = dir.join("register.db");
    add_user(&database, "coord", "coordinator");
    add_user(&database, "reader", "analyst");
    let file = dir.join("three.csv");
    std::fs::write(
        &file,
        "Name,Detained,Decision,Decision date\n\
         First Synthet,09.06.2019 14:00,arrest 15,10.06.2019\n\
         Second Synthet,09.06.2019 15:00,,\n\
         Third Synthet,10.06.2019 12:00,fine 126250,10.06.2019\n",
    )
    .unwrap();
    expect_code(&["import", path_str(&file), "--database", path_str(&database), "--as", "coord"], 0);
    database
}

/// Runs `sql` directly on the file, as someone holding it could.
fn tamper(database: &Path, statements: &[&str]) {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", database.display())).await.unwrap();
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut connection).await.unwrap();
        }
        connection.close().await.unwrap();
    });
}

/// Copies the fixture, tampers with the copy and checks `audit verify`: exit code and the line.
fn check(fixture: &Path, case: &str, statements: &[&str], expected_code: i32, expected_start: &str) {
    let copy = fixture.with_file_name(format!("{case}.db"));
    std::fs::copy(fixture, &copy).unwrap();
    tamper(&copy, statements);
    let (code, stdout, stderr) = outcome(&kuzet(&["audit", "verify", "--database", path_str(&copy)]));
    assert_eq!(code, Some(expected_code), "{case}: {stdout}{stderr}");
    assert!(stdout.starts_with(expected_start), "{case}: {stdout}");
}

#[test]
fn verify_names_the_first_record_that_was_edited_deleted_or_moved() {
    let dir = scratch("audit-verify");
    let fixture = register_with_log(&dir);
    let intact = expect_code(&["audit", "verify", "--database", path_str(&fixture)], 0);
    // Two users, then per person: person, detention, source, plus a decision for two of them.
    assert!(intact.starts_with("audit log intact: 13 records"), "{intact}");

    check(&fixture, "untouched", &[], 0, "audit log intact: 13 records");
    check(
        &fixture,
        "edited",
        &["UPDATE audit_log SET after_json = replace(after_json, 'Second', 'Other') WHERE seq = 7"],
        3,
        "audit log BROKEN at record 7:",
    );
    check(&fixture, "deleted", &["DELETE FROM audit_log WHERE seq = 5"], 3, "audit log BROKEN at record 5:");
    check(
        &fixture,
        "reordered",
        &[
            "UPDATE audit_log SET seq = -4 WHERE seq = 4",
            "UPDATE audit_log SET seq = 4 WHERE seq = 9",
            "UPDATE audit_log SET seq = 9 WHERE seq = -4",
        ],
        3,
        "audit log BROKEN at record 4:",
    );
    check(&fixture, "cut", &["DELETE FROM audit_log WHERE seq >= 12"], 3, "audit log BROKEN at record 12:");

    // Scripts read the verdict as JSON.
    let copy = fixture.with_file_name("json.db");
    std::fs::copy(&fixture, &copy).unwrap();
    tamper(&copy, &["DELETE FROM audit_log WHERE seq = 2"]);
    let (code, stdout, _) = outcome(&kuzet(&["audit", "verify", "--database", path_str(&copy), "--json"]));
    assert_eq!(code, Some(3));
    let verdict: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((verdict["verdict"].as_str(), verdict["seq"].as_i64()), (Some("broken"), Some(2)), "{stdout}");
}

#[test]
fn show_filters_by_entity_and_actor() {
    let dir = scratch("audit-show");
    let database = register_with_log(&dir);
    let db = path_str(&database);
    let records = |args: &[&str]| -> Vec<(i64, String, String)> {
        let mut all = vec!["audit", "show", "--database", db, "--json"];
        all.extend_from_slice(args);
        let json: serde_json::Value = serde_json::from_str(&expect_code(&all, 0)).unwrap();
        json.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["seq"].as_i64().unwrap(), r["entity"].as_str().unwrap().to_owned(), r["action"].as_str().unwrap().to_owned()))
            .collect()
    };
    let persons = records(&["--entity", "person"]);
    assert_eq!(persons.len(), 3, "{persons:?}");
    assert!(persons.iter().all(|(_, entity, action)| entity == "person" && action == "create"));
    assert!(persons.windows(2).all(|pair| pair[0].0 > pair[1].0), "newest first");
    let by_coordinator = records(&["--actor", "coord"]);
    assert_eq!(by_coordinator.len(), 11, "every import record, no account record: {by_coordinator:?}");
    assert!(by_coordinator.iter().all(|(_, entity, _)| entity != "user"));
    assert_eq!(records(&["--actor", "reader"]), []);
    assert_eq!(records(&["--limit", "2"]).iter().map(|r| r.0).collect::<Vec<_>>(), [13, 12]);

    let text = expect_code(&["audit", "show", "--database", db, "--entity", "decision"], 0);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two decisions: {text}");
    assert!(lines[1].contains("coord (coordinator)") && lines[1].contains("create") && lines[1].contains("decision"), "{text}");
    let (code, _, stderr) = outcome(&kuzet(&["audit", "show", "--database", db, "--actor", "ghost"]));
    assert_eq!(code, Some(2), "{stderr}");
}
