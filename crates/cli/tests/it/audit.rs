//! `kuzet audit` end to end: `verify` catches an edit, a deletion and a reordering made
//! directly in the SQLite file and names the first broken record (exit code 3); `show` filters.

use std::path::{Path, PathBuf};

use sqlx::Connection;

use crate::kuzet;
use crate::user::{add_user, expect_code, outcome, path_str, scratch};

/// A database with two users, three imported persons and a third user added afterwards. The
/// log: 1–2 the first two accounts, 3–5 one import record per person (First, Second, Third),
/// each holding the person and the facts imported with them, 6 the late account.
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
    add_user(&database, "late", "analyst");
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
    // Two users, one record per imported person (with its facts), the late user.
    assert!(intact.starts_with("audit log intact: 6 records"), "{intact}");

    check(&fixture, "untouched", &[], 0, "audit log intact: 6 records");
    // Record 4 is Second's import; the edit renames them in the record only.
    check(
        &fixture,
        "edited",
        &["UPDATE audit_log SET after_json = replace(after_json, 'Second', 'Other') WHERE seq = 4"],
        3,
        "audit log BROKEN at record 4:",
    );
    // Changing a fact nested in an import record (First's arrest into a warning) is caught too.
    check(
        &fixture,
        "edited-fact",
        &["UPDATE audit_log SET after_json = replace(after_json, 'arrest 15 days', 'warning') WHERE seq = 3"],
        3,
        "audit log BROKEN at record 3:",
    );
    check(&fixture, "deleted", &["DELETE FROM audit_log WHERE seq = 4"], 3, "audit log BROKEN at record 4:");
    check(
        &fixture,
        "reordered",
        &[
            "UPDATE audit_log SET seq = -3 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = 5",
            "UPDATE audit_log SET seq = 5 WHERE seq = -3",
        ],
        3,
        "audit log BROKEN at record 3:",
    );
    check(&fixture, "cut", &["DELETE FROM audit_log WHERE seq >= 5"], 3, "audit log BROKEN at record 5:");

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
    let json = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["audit", "show", "--database", db, "--json"];
        all.extend_from_slice(args);
        let json: serde_json::Value = serde_json::from_str(&expect_code(&all, 0)).unwrap();
        json.as_array().unwrap().clone()
    };
    let records = |args: &[&str]| -> Vec<(i64, String, String)> {
        json(args)
            .iter()
            .map(|r| (r["seq"].as_i64().unwrap(), r["entity"].as_str().unwrap().to_owned(), r["action"].as_str().unwrap().to_owned()))
            .collect()
    };
    let persons = records(&["--entity", "person"]);
    assert_eq!(persons.iter().map(|r| r.0).collect::<Vec<_>>(), [5, 4, 3], "newest first: {persons:?}");
    assert!(persons.iter().all(|(_, entity, action)| entity == "person" && action == "import"), "{persons:?}");
    let users = records(&["--entity", "user"]);
    assert_eq!(users.iter().map(|r| r.0).collect::<Vec<_>>(), [6, 2, 1], "{users:?}");
    let by_coordinator = records(&["--actor", "coord"]);
    assert_eq!(by_coordinator, persons, "every import record, no account record");
    assert_eq!(records(&["--actor", "reader"]), []);
    assert_eq!(records(&["--limit", "2"]).iter().map(|r| r.0).collect::<Vec<_>>(), [6, 5]);

    // One person's history: their import record holds the facts imported with them.
    let first = json(&["--person", "1"]);
    assert_eq!(first.len(), 1, "{first:?}");
    let after = &first[0]["after"];
    assert_eq!(after["person"]["name"].as_str(), Some("First Synthet"), "{after}");
    assert_eq!(after["detention"]["detained_at"].as_str(), Some("2019-06-09T14:00:00"), "{after}");
    let outcomes: Vec<&str> = after["decisions"].as_array().unwrap().iter().map(|d| d["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["arrest 15 days"]);
    let second = json(&["--person", "2"]);
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(second[0]["after"].get("decisions").is_none(), "Second had no decision: {}", second[0]["after"]);

    let text = expect_code(&["audit", "show", "--database", db, "--entity", "person", "--entity-id", "3"], 0);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "a header and Third's import: {text}");
    assert!(lines[1].contains("coord (coordinator)") && lines[1].contains("import") && lines[1].ends_with("person 3"), "{text}");
    let (code, _, stderr) = outcome(&kuzet(&["audit", "show", "--database", db, "--actor", "ghost"]));
    assert_eq!(code, Some(2), "{stderr}");
}
