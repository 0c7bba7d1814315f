//! `kuzet import` and `kuzet export` end to end: a volunteers' spreadsheet with broken rows is
//! refused whole (every row error named) or imported without them; exports (CSV, XLSX, JSON)
//! show each role only what it may see, and the public only what was consented to; text that a
//! spreadsheet would run as a formula is defused in CSV and XLSX.

use std::path::{Path, PathBuf};

use kuzet_ingest::sheet::read_sheet;
use kuzet_register::{Actor, City, Event, parse_date};
use kuzet_store::{EventId, PersonQuery};

use crate::user::{add_user, expect_code, outcome, path_str, scratch, with_store};
use crate::kuzet;

/// A database with a coordinator account and the 9 June Almaty event; returns the database
/// and the event's id.
fn register_with_event(dir: &Path) -> (PathBuf, EventId) {
    let database = dir.join("register.db");
    add_user(&database, "coord", "coordinator");
    let event = with_store(&database, async |store| {
        let event = Event::new("Election-day protest, Almaty", parse_date("2019-06-09").unwrap(), City::parse("Almaty").unwrap(), "")
            .unwrap();
        store.add_event(&Actor::system(), &event).await.unwrap()
    });
    (database, event)
}

fn persons(database: &Path, query: PersonQuery) -> u64 {
    with_store(database, async |store| store.list_persons(&Actor::system(), &query).await.unwrap().total)
}

fn audit_records(database: &Path) -> String {
    with_store(database, async |store| format!("{:?}", store.verify_audit().await.unwrap()))
}

/// Invented syllables for synthetic names: no real person is meant.
fn synthetic_name(i: usize) -> String {
    const FIRST: [&str; 10] = ["Айбар", "Дамир", "Ерлан", "Жанар", "Кайрат", "Лаура", "Мадина", "Нурлан", "Сауле", "Тимур"];
    const LAST: [&str; 5] = ["Тестбеков", "Синтетов", "Пробаев", "Выдумов", "Образцов"];
    format!("{} {}", FIRST[i % 10], LAST[i / 10])
}

/// Fifty rows in Russian with `;`, three of them broken (lines 12, 27 and 42).
fn fifty_rows() -> String {
    let mut text = String::from("ФИО;Дата рождения;Город;Дата задержания;Город акции;ОВД;Решение суда;Дата решения;Источник\n");
    for i in 0..50 {
        let birth = if i == 10 { "31.02.1990".to_owned() } else { format!("{}", 1970 + i % 30) };
        let detained = if i == 25 { "32.06.2019 10:00".to_owned() } else { format!("09.06.2019 {:02}:{:02}", 12 + i % 8, i % 60) };
        let decision = match i {
            40 => "помилован",
            i if i % 3 == 0 => "арест 15 суток",
            i if i % 3 == 1 => "штраф 126250",
            _ => "",
        };
        let decided = if decision.is_empty() { "" } else { "10.06.2019" };
        text.push_str(&format!(
            "{};{birth};Алматы;{detained};Алматы;Бостандыкское РУВД;{decision};{decided};https://example.invalid/post/{i}\n",
            synthetic_name(i)
        ));
    }
    text
}

#[test]
fn fifty_rows_with_three_broken_are_refused_whole_then_imported_without_them() {
    let dir = scratch("import-fifty");
    let (database, event) = register_with_event(&dir);
    let file = dir.join("list.csv");
    std::fs::write(&file, fifty_rows()).unwrap();
    let (db, csv) = (path_str(&database), path_str(&file));
    let log_before = audit_records(&database);

    // All or nothing: every broken row is named, and nothing is written.
    let (code, stdout, stderr) = outcome(&kuzet(&["import", csv, "--database", db, "--as", "coord"]));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("list.csv: line")).collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    let places: Vec<String> = errors.iter().map(|line| line.split(": ").take(2).collect::<Vec<_>>().join(": ")).collect();
    assert_eq!(
        places,
        [
            r#"list.csv: line 12, column B "Дата рождения", field birth_date"#,
            r#"list.csv: line 27, column D "Дата задержания", field detained_at"#,
            r#"list.csv: line 42, column G "Решение суда", field decision"#,
        ]
    );
    assert!(errors[0].contains("31.02.1990"), "{}", errors[0]);
    assert!(errors[1].contains("\"32.06.2019\" is not a real calendar date"), "{}", errors[1]);
    assert!(errors[2].contains("\"помилован\" is not a decision Kuzet knows"), "{}", errors[2]);
    assert!(stdout.contains("3 of 50 rows rejected; nothing was imported"), "{stdout}");
    assert_eq!(persons(&database, PersonQuery::default()), 0);
    assert_eq!(audit_records(&database), log_before, "not one audit record was added");

    // The same as JSON, for scripts.
    let (code, stdout, _) = outcome(&kuzet(&["import", csv, "--database", db, "--as", "coord", "--json"]));
    assert_eq!(code, Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let lines: Vec<(u64, u64, &str)> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, [(12, 2, "birth_date"), (27, 4, "detained_at"), (42, 7, "decision")]);
    assert_eq!((json["accepted"].as_u64(), json["rejected"].as_u64(), json["written"].as_u64()), (Some(47), Some(3), Some(0)));

    // A dry run with --skip-invalid writes the report but no rows.
    let report = dir.join("rejected.csv");
    let stdout = expect_code(&["import", csv, "--database", db, "--as", "coord", "--dry-run", "--skip-invalid", "--report", path_str(&report)], 0);
    assert!(stdout.contains("dry run: 47 rows would be imported, 3 rejected; nothing was written"), "{stdout}");
    assert_eq!(persons(&database, PersonQuery::default()), 0);
    assert_eq!(std::fs::read_to_string(&report).unwrap().lines().count(), 4, "a header and three rows");

    // --skip-invalid imports the good rows, each at the event of its day and city.
    let stdout = expect_code(&["import", csv, "--database", db, "--as", "coord", "--skip-invalid"], 0);
    assert!(stdout.contains("imported 47 rows; 3 rejected"), "{stdout}");
    let default_report = PathBuf::from(format!("{csv}.rejected.csv"));
    let report_text = std::fs::read_to_string(&default_report).unwrap();
    let report_lines: Vec<&str> = report_text.lines().map(|line| line.split(',').next().unwrap()).collect();
    assert_eq!(report_lines, ["line", "12", "27", "42"]);
    assert_eq!(persons(&database, PersonQuery::default()), 47);
    assert_eq!(persons(&database, PersonQuery { event: Some(event), ..PersonQuery::default() }), 47);
    assert_eq!(persons(&database, PersonQuery { outcome: Some("arrest".into()), ..PersonQuery::default() }), 17);
    expect_code(&["audit", "verify", "--database", db], 0);
}

#[test]
fn who_may_import_and_what_a_file_must_have() {
    let dir = scratch("import-refusals");
    let (database, _) = register_with_event(&dir);
    add_user(&database, "vol", "volunteer");
    let db = path_str(&database);
    let good = dir.join("good.csv");
    std::fs::write(&good, "Name,Detained\nSynthetic Person,09.06.2019 14:00\n").unwrap();
    let no_name = dir.join("no-name.csv");
    std::fs::write(&no_name, "Город,Дата задержания\nАлматы,09.06.2019\n").unwrap();
    let check = |file: &Path, user: &str, message: &str| {
        let (code, stdout, stderr) = outcome(&kuzet(&["import", path_str(file), "--database", db, "--as", user]));
        assert_eq!(code, Some(2), "{stdout}\n{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    };
    check(&good, "vol", "the role of `vol` does not allow imports");
    check(&good, "ghost", "no user named `ghost`");
    check(&no_name, "coord", "no-name.csv: no column for the field name");
    check(&dir.join("absent.csv"), "coord", "absent.csv");
    assert_eq!(persons(&database, PersonQuery::default()), 0);
}

#[test]
fn the_event_option_places_every_row_at_one_event() {
    let dir = scratch("import-event");
    let (database, event) = register_with_event(&dir);
    let file = dir.join("names.csv");
    std::fs::write(&file, "ФИО;Время задержания\nПервый Синтетов;14:30\nВторой Синтетов;\n").unwrap();
    let event_id = event.0.to_string();
    let stdout = expect_code(&["import", path_str(&file), "--database", path_str(&database), "--as", "coord", "--event", &event_id], 0);
    assert!(stdout.contains("imported 2 rows; 0 rejected"), "{stdout}");
    let detained: Vec<Option<String>> = with_store(&database, async |store| {
        let page = store.list_persons(&Actor::system(), &PersonQuery { event: Some(event), ..PersonQuery::default() }).await.unwrap();
        let mut times: Vec<Option<String>> = page.items.into_iter().map(|row| row.detained_at).collect();
        times.sort();
        times
    });
    assert_eq!(detained, [Some("2019-06-09T00:00:00".to_owned()), Some("2019-06-09T14:30:00".to_owned())]);
}

/// Three persons: one consented, one refused, one never asked; all with contact data, an
/// address, a full birth date and injuries (restricted fields), and police stations typed as
/// formulas (`=1+2`, `@A1`, `-5`).
fn register_for_export(test: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(test);
    let (database, _) = register_with_event(&dir);
    add_user(&database, "analyst", "analyst");
    add_user(&database, "vol", "volunteer");
    let file = dir.join("export.csv");
    std::fs::write(
        &file,
        "Name,Consent,Contact,Address,Birth,Injuries,Detained,Police station,Source,Anonymous source\n\
         Consenting Synthet,yes,+7 000 111 11 11,Secret street 1,14.02.1987,broken arm,09.06.2019 14:00,=1+2,lawyer of the family,yes\n\
         Refusing Synthet,no,+7 000 222 22 22,Secret street 2,15.03.1988,,09.06.2019 15:00,@A1,volunteer Asel,no\n\
         Unasked Synthet,,+7 000 333 33 33,Secret street 3,16.04.1989,,09.06.2019 16:00,-5,volunteer Asel,no\n",
    )
    .unwrap();
    expect_code(&["import", path_str(&file), "--database", path_str(&database), "--as", "coord"], 0);
    (dir, database)
}

/// A CSV or XLSX export read back as a spreadsheet program would: the header and the rows.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let sheet = read_sheet(path_str(path), &std::fs::read(path).unwrap()).unwrap();
    (sheet.headers, sheet.rows.into_iter().map(|row| row.cells).collect())
}

/// The cells of `name`'s column, one per row ("" where the row is shorter).
fn column(table: &(Vec<String>, Vec<Vec<String>>), name: &str) -> Vec<String> {
    let index = table.0.iter().position(|header| header == name).unwrap_or_else(|| panic!("no column {name}: {:?}", table.0));
    table.1.iter().map(|row| row.get(index).cloned().unwrap_or_default()).collect()
}

/// Everything an export file holds, as text to search (an XLSX is read back cell by cell).
fn export_text(path: &Path) -> String {
    if path.extension().is_some_and(|extension| extension == "xlsx") {
        let (headers, rows) = table(path);
        let mut text = headers.join("\t");
        for row in rows {
            text.push('\n');
            text.push_str(&row.join("\t"));
        }
        text
    } else {
        std::fs::read_to_string(path).unwrap()
    }
}

#[test]
fn the_public_export_holds_only_consenting_persons_and_public_fields() {
    let (dir, database) = register_for_export("export-public");
    let db = path_str(&database);
    for format in ["csv", "json", "xlsx"] {
        let out = dir.join(format!("public.{format}"));
        expect_code(&["export", "--database", db, "--public", "--format", format, "--out", path_str(&out)], 0);
        let text = export_text(&out);
        assert!(text.contains("Consenting Synthet"), "{text}");
        for secret in ["Refusing", "Unasked", "+7 000", "Secret street", "1987-02-14", "broken arm", "lawyer of the family", "consent"] {
            assert!(!text.contains(secret), "{format} export leaks {secret:?}:\n{text}");
        }
        assert!(text.contains("1987"), "the birth year is public: {text}");
    }
    let stdout = expect_code(&["export", "--database", db, "--public", "--format", "json"], 0);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["police_station"].as_str(), Some("=1+2"), "JSON keeps the text as typed");

    // The workbook holds the same table as the CSV, cell for cell, the formula defused in both.
    let (csv, xlsx) = (table(&dir.join("public.csv")), table(&dir.join("public.xlsx")));
    assert_eq!(xlsx, csv);
    assert_eq!(xlsx.1.len(), 1);
    assert_eq!(column(&xlsx, "police_station"), ["'=1+2"]);
    assert_eq!(column(&xlsx, "birth_year"), ["1987"]);

    // A workbook is not written to a terminal.
    let (code, _, stderr) = outcome(&kuzet(&["export", "--database", db, "--public", "--format", "xlsx"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--out"), "{stderr}");
}

#[test]
fn a_role_export_shows_what_the_role_may_see() {
    let (dir, database) = register_for_export("export-roles");
    let db = path_str(&database);
    let analyst = expect_code(&["export", "--database", db, "--as", "analyst", "--format", "csv"], 0);
    for name in ["Consenting Synthet", "Refusing Synthet", "Unasked Synthet"] {
        assert!(analyst.contains(name), "{analyst}");
    }
    for secret in ["+7 000", "Secret street", "1987-02-14", "broken arm", "lawyer of the family"] {
        assert!(!analyst.contains(secret), "the analyst export leaks {secret:?}:\n{analyst}");
    }
    let coordinator = expect_code(&["export", "--database", db, "--as", "coord", "--format", "json"], 0);
    for visible in ["+7 000 111 11 11", "Secret street 2", "1987-02-14", "broken arm", "lawyer of the family"] {
        assert!(coordinator.contains(visible), "the coordinator sees {visible:?}:\n{coordinator}");
    }

    // The same as workbooks: the analyst's has every person and no restricted value.
    let analyst_xlsx = dir.join("analyst.xlsx");
    expect_code(&["export", "--database", db, "--as", "analyst", "--format", "xlsx", "--out", path_str(&analyst_xlsx)], 0);
    let text = export_text(&analyst_xlsx);
    for name in ["Consenting Synthet", "Refusing Synthet", "Unasked Synthet"] {
        assert!(text.contains(name), "{text}");
    }
    for secret in ["+7 000", "Secret street", "1987-02-14", "broken arm", "lawyer of the family"] {
        assert!(!text.contains(secret), "the analyst workbook leaks {secret:?}:\n{text}");
    }
    assert_eq!(column(&table(&analyst_xlsx), "contact"), ["", "", ""], "the column is there, its cells empty");
    let coordinator_xlsx = dir.join("coordinator.xlsx");
    expect_code(&["export", "--database", db, "--as", "coord", "--format", "xlsx", "--out", path_str(&coordinator_xlsx)], 0);
    let coordinator_table = table(&coordinator_xlsx);
    assert_eq!(column(&coordinator_table, "name"), ["Consenting Synthet", "Refusing Synthet", "Unasked Synthet"]);
    // Phone numbers start with `+`, which a spreadsheet would also take for a formula.
    assert_eq!(column(&coordinator_table, "contact"), ["'+7 000 111 11 11", "'+7 000 222 22 22", "'+7 000 333 33 33"]);
    assert_eq!(column(&coordinator_table, "police_station"), ["'=1+2", "'@A1", "'-5"]);
    assert_eq!(column(&coordinator_table, "birth_date"), ["1987-02-14", "1988-03-15", "1989-04-16"]);
    let coordinator_csv = dir.join("coordinator.csv");
    expect_code(&["export", "--database", db, "--as", "coord", "--format", "csv", "--out", path_str(&coordinator_csv)], 0);
    assert_eq!(table(&coordinator_csv), coordinator_table, "CSV and XLSX hold the same cells");

    let (code, _, stderr) = outcome(&kuzet(&["export", "--database", db, "--as", "vol"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("does not allow exports"), "{stderr}");
    let (code, _, _) = outcome(&kuzet(&["export", "--database", db]));
    assert_eq!(code, Some(2), "--public or --as is required");
}
