//! Volunteers' register spreadsheets: column aliases, every rejected cell named with its line,
//! column and field, and the rejection report.

use kuzet_ingest::register_import::{
    DefaultEvent, ImportField, ImportOptions, ImportPlan, KnownEvent, column_field, plan_import_bytes,
};
use kuzet_register::{City, Source, SourceKind};
use time::macros::date;

/// One line per accepted row (its parsed values) and per row error (as the user sees it).
fn render(plan: &ImportPlan) -> String {
    let mut lines = Vec::new();
    for row in &plan.accepted {
        let person = &row.person;
        let detention = &row.detention;
        let mut parts = vec![format!("ok {}: {}", row.line, person.name.as_str())];
        if let Some(birth) = person.birth {
            parts.push(format!("born {birth}"));
        }
        if let Some(city) = &person.city {
            parts.push(format!("city {}", city.as_str()));
        }
        if !person.roles.is_empty() {
            let roles: Vec<&str> = person.roles.iter().map(|r| r.as_str()).collect();
            parts.push(format!("roles {}", roles.join("+")));
        }
        if let Some(event_city) = &row.event_city {
            parts.push(format!("event city {}", event_city.as_str()));
        }
        let time = if row.detained_time_known { detention.detained_at.time().to_string() } else { "time unknown".into() };
        parts.push(format!("detained {} {time}", detention.detained_at.date()));
        if let Some(hours) = detention.hours_held() {
            parts.push(format!("held {hours} h"));
        }
        if !detention.police_station.is_empty() {
            parts.push(format!("at {}", detention.police_station));
        }
        if detention.treatment.bits() != 0 {
            parts.push(format!("treatment {}", detention.treatment));
        }
        if let Some(decision) = &row.decision {
            let article = decision.article.map(|a| format!(" under {a}")).unwrap_or_default();
            parts.push(format!("{} on {}{article}", decision.outcome, decision.decided_on));
            if let Some(lawyer) = decision.lawyer_present {
                parts.push(format!("lawyer {lawyer}"));
            }
        }
        if let Some(custody) = &row.custody {
            parts.push(format!("custody {} from {}", custody.place, custody.from));
        }
        parts.push(format!("source {} {}", row.source.kind.as_str(), row.source.reference()));
        lines.push(parts.join(" | "));
    }
    lines.extend(plan.errors().map(|error| error.to_string()));
    lines.join("\n")
}

fn check(file_name: &str, bytes: &[u8], options: &ImportOptions, expected: &str) {
    let found = match plan_import_bytes(file_name, bytes, options) {
        Ok(plan) => render(&plan),
        Err(error) => format!("file error: {error}"),
    };
    assert_eq!(found, expected.trim(), "\n--- found ---\n{found}\n");
}

fn spreadsheet_source() -> ImportOptions {
    ImportOptions {
        default_source: Some(Source::new(SourceKind::Volunteer, "spreadsheet list.csv", false).unwrap()),
        ..ImportOptions::default()
    }
}

#[test]
fn russian_headers_with_bom_and_semicolons() {
    let text = "\u{feff}ФИО;Дата рождения;Город;Роль;Дата задержания;Освобождён;ОВД;Решение суда;Статья;Дата решения;Адвокат;Источник\n\
        Синтетов Тест Тестович;14.02.1987;Алматы;журналист;09.06.2019 14:30;09.06.2019 23:00;Бостандыкское РУВД;арест 15 суток;ст. 488 КоАП;10.06.2019;нет;https://example.invalid/post/1\n\
        Пробная Айгерим;1999;Нур-Султан;;09.06.2019;;;штраф 126 250;;10.06.2019;;волонтёр Асель\n";
    check(
        "list.csv",
        text.as_bytes(),
        &ImportOptions::default(),
        "
ok 2: Синтетов Тест Тестович | born 1987-02-14 | city Алматы | roles journalist | detained 2019-06-09 14:30:00.0 | held 8.5 h | at Бостандыкское РУВД | arrest 15 days on 2019-06-10 under AC 488 | lawyer false | source post https://example.invalid/post/1
ok 3: Пробная Айгерим | born 1999 | city Нур-Султан | detained 2019-06-09 time unknown | fine 126250 KZT on 2019-06-10 | source volunteer волонтёр Асель",
    );
}

#[test]
fn every_broken_cell_is_named_with_line_column_and_field() {
    // Line 3 has three bad cells; each is reported, not just the first.
    let text = "Name,Birth,Detained,Released,Decision,Decision date,Source\n\
        Good Synthetic,1990,09.06.2019 14:00,09.06.2019 16:00,warning,09.06.2019,post\n\
        Bad Synthetic,1890,31.06.2019 14:00,,pardon,,post\n\
        ,1990,09.06.2019 14:00,,,,post\n\
        Early Release,1990,09.06.2019 14:00,09.06.2019 13:00,,,post\n\
        Too Many,1990,09.06.2019 14:00,,,,post,extra\n\
        Good Synthetic,1990,09.06.2019 18:00,,,,post again\n\
        No Time,1990,09.06.2019,10.06.2019 03:00,,,post\n";
    check(
        "list.csv",
        text.as_bytes(),
        &ImportOptions::default(),
        r#"
ok 2: Good Synthetic | born 1990 | detained 2019-06-09 14:00:00.0 | held 2 h | warning on 2019-06-09 | source volunteer post
list.csv: line 3, column B "Birth", field birth_date: year 1890 is outside 1900–2019
list.csv: line 3, column C "Detained", field detained_at: "31.06.2019" is not a real calendar date
list.csv: line 3, column E "Decision", field decision: "pardon" is not a decision Kuzet knows; write arrest 15, fine 126250, warning, released, criminal case, appeal (арест 15 суток, штраф 126250, предупреждение, освобожден, уголовное дело, апелляция)
list.csv: line 4, column A "Name", field name: is empty
list.csv: line 5, column D "Released", field released_at: 2019-06-09 13:00:00.0 is before the detention at 2019-06-09 14:00:00.0
list.csv: line 6, column H, field row: has 8 cells but the header names 7 columns; a separator inside a value needs quotes
list.csv: line 7, field row: repeats line 2 (same name, birth date and day of detention)
list.csv: line 8, column D "Released", field released_at: a release time needs the time of detention, but the detention cell gives only a day; write it as 09.06.2019 14:30"#,
    );
}

#[test]
fn windows_1251_with_semicolons() {
    let (bytes, _, _) =
        encoding_rs::WINDOWS_1251.encode("ФИО;Дата акции;Время задержания;Часов в ОВД;Источник\nТестов Синтет;09.06.2019;14:00;17,5;родственник\n");
    check(
        "list.csv",
        &bytes,
        &ImportOptions::default(),
        "ok 2: Тестов Синтет | detained 2019-06-09 14:00:00.0 | held 17.5 h | source volunteer родственник",
    );
}

#[test]
fn missing_or_conflicting_columns_stop_the_whole_file() {
    let options = ImportOptions::default();
    check(
        "list.csv",
        b"Birth,Detained\n1990,09.06.2019\n",
        &options,
        r#"file error: list.csv: no column for the field name; name a column one of: "name", "name", "full name", "person", "фио""#,
    );
    check(
        "list.csv",
        "ФИО,Город\nТест,Алматы\n".as_bytes(),
        &options,
        r#"file error: list.csv: no column gives the day of detention ("detained_at", "detained", "detention", "detained on", "detention time", or "event_date", "event date", "date of event", "rally date", "дата акции"); add one or give the event with --event"#,
    );
    check(
        "list.csv",
        "ФИО,ОВД,РУВД,Дата задержания\nТест,А,Б,09.06.2019\n".as_bytes(),
        &options,
        r#"file error: list.csv: columns B "ОВД" and C "РУВД" both fill the field police_station; rename one or map it with --column"#,
    );
    check("list.csv", "ФИО,Дата задержания\n".as_bytes(), &options, "file error: list.csv: the file has a header but no data rows");
}

#[test]
fn an_unknown_header_can_be_mapped_by_hand_and_is_otherwise_ignored() {
    let bytes = "Кто,Когда,Статус\nСинтет Тестов,09.06.2019 10:00,сидит\n".as_bytes();
    let options = ImportOptions {
        column_overrides: vec![("Кто".into(), ImportField::Name), ("когда".into(), ImportField::DetainedAt)],
        ..spreadsheet_source()
    };
    let plan = plan_import_bytes("list.csv", bytes, &options).unwrap();
    assert_eq!(plan.ignored_headers, ["Статус"]);
    assert_eq!(
        render(&plan),
        "ok 2: Синтет Тестов | detained 2019-06-09 10:00:00.0 | source volunteer spreadsheet list.csv"
    );
}

#[test]
fn a_recognised_column_can_be_ignored_by_hand_and_the_choice_is_what_the_plan_uses() {
    let bytes = "Name,Detained,City,Notes\nСинтет Тестов,09.06.2019 10:00,Almaty,private remark\n".as_bytes();
    let options = ImportOptions {
        ignored_columns: vec!["notes".into(), "City".into()],
        column_overrides: vec![("Detained".into(), ImportField::DetainedAt)],
        ..spreadsheet_source()
    };
    let headers = ["Name", "Detained", "City", "Notes"];
    let chosen: Vec<Option<&str>> = headers.iter().map(|h| column_field(h, &options).map(ImportField::key)).collect();
    assert_eq!(chosen, [Some("name"), Some("detained_at"), None, None]);
    let plan = plan_import_bytes("list.csv", bytes, &options).unwrap();
    assert_eq!(plan.ignored_headers, ["City", "Notes"]);
    assert_eq!(plan.accepted[0].person.city, None, "the ignored city column is not read");
    assert_eq!(plan.accepted[0].person.notes, "");
    let unknown = ImportOptions { ignored_columns: vec!["Colour".into()], ..spreadsheet_source() };
    let error = plan_import_bytes("list.csv", bytes, &unknown).unwrap_err().to_string();
    assert!(error.contains("Colour"), "{error}");
}

#[test]
fn every_row_needs_a_source_unless_the_caller_gives_one() {
    let bytes = b"Name,Detained\nSource Less,09.06.2019 10:00\n";
    check(
        "list.csv",
        bytes,
        &ImportOptions::default(),
        "list.csv: line 2, field source: is empty; every fact needs its source (a link, or who told you)",
    );
    check(
        "list.csv",
        bytes,
        &spreadsheet_source(),
        "ok 2: Source Less | detained 2019-06-09 10:00:00.0 | source volunteer spreadsheet list.csv",
    );
}

#[test]
fn the_event_given_by_the_caller_fills_the_day_and_must_agree_with_the_row() {
    let options = ImportOptions {
        default_event: Some(DefaultEvent { date: date!(2019 - 06 - 09), city: City::parse("Almaty").unwrap() }),
        ..spreadsheet_source()
    };
    let text = "Name,Event date,Event city,Detained\n\
        Same Day,,,\n\
        Bare Time,,Almaty,15:45\n\
        Other Day,10.06.2019,,\n\
        Other City,,Aktobe,\n";
    check(
        "list.csv",
        text.as_bytes(),
        &options,
        r#"
ok 2: Same Day | detained 2019-06-09 time unknown | source volunteer spreadsheet list.csv
ok 3: Bare Time | event city Almaty | detained 2019-06-09 15:45:00.0 | source volunteer spreadsheet list.csv
list.csv: line 4, column B "Event date", field event_date: is 2019-06-10, but the event given with --event is on 2019-06-09
list.csv: line 5, column C "Event city", field event_city: is Aktobe, but the event given with --event is in Almaty"#,
    );
}

#[test]
fn events_are_found_by_day_and_city() {
    let text = "Name,Event city,Detained\n\
        In Almaty,Almaty,09.06.2019 14:00\n\
        In Nur-Sultan,nur-sultan,09.06.2019 15:00\n\
        Ambiguous,,09.06.2019 16:00\n\
        Nowhere,Shymkent,09.06.2019 17:00\n\
        No Event That Day,,11.06.2019 10:00\n";
    let mut plan = plan_import_bytes("list.csv", text.as_bytes(), &spreadsheet_source()).unwrap();
    let events = [
        KnownEvent { key: 1, date: date!(2019 - 06 - 09), city: "Almaty".into() },
        KnownEvent { key: 2, date: date!(2019 - 06 - 09), city: "Nur-Sultan".into() },
        KnownEvent { key: 3, date: date!(2019 - 06 - 10), city: "Almaty".into() },
    ];
    let keys = plan.assign_events(&events, str::to_lowercase);
    assert_eq!(keys, [Some(1), Some(2), None]);
    let errors: Vec<String> = plan.errors().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            r#"list.csv: line 4, column C "Detained", field detained_at: the register has 2 events on 2019-06-09; add an event city column or give the event with --event"#,
            r#"list.csv: line 5, column B "Event city", field event_city: the register has no event on 2019-06-09 in Shymkent; add the event first or give it with --event"#,
        ]
    );
}

#[test]
fn decisions_custody_and_hours_must_agree() {
    let text = "ФИО;Задержан;Часов;Освобожден;Решение;Сутки;Штраф;Дата решения;Место отбывания;Отбывает до;Источник\n\
        Согласный Тест;09.06.2019 14:00;3;09.06.2019 17:00;арест;15;;10.06.2019;Спецприёмник Синтетический;25.06.2019;волонтёр\n\
        Несогласный Тест;09.06.2019 14:00;5;09.06.2019 17:00;;;;;;;волонтёр\n\
        Два Числа;09.06.2019 14:00;;;;15;5000;10.06.2019;;;волонтёр\n\
        Без Даты;09.06.2019 14:00;;;штраф 5000;;;;;;волонтёр\n\
        Раньше Времени;09.06.2019 14:00;;;предупреждение;;;08.06.2019;;;волонтёр\n\
        Без Места;09.06.2019 14:00;;;;;;;;25.06.2019;волонтёр\n";
    check(
        "list.csv",
        text.as_bytes(),
        &ImportOptions::default(),
        r#"
ok 2: Согласный Тест | detained 2019-06-09 14:00:00.0 | held 3 h | arrest 15 days on 2019-06-10 | custody Спецприёмник Синтетический from 2019-06-10 | source volunteer волонтёр
list.csv: line 3, column C "Часов", field hours_held: says 5 hours, but the detention and release times give 3.0
list.csv: line 4, column E "Решение", field decision: is empty, but the row gives both arrest days and a fine; write the decision
list.csv: line 5, column H "Дата решения", field decision_date: is empty; a decision needs its date
list.csv: line 6, column H "Дата решения", field decision_date: 2019-06-08 is before the detention on 2019-06-09
list.csv: line 7, column I "Место отбывания", field custody_place: is empty, but the row gives a custody region or dates"#,
    );
}

#[test]
fn xlsx_errors_use_the_rows_and_column_letters_excel_shows() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    for (column, header) in ["ФИО", "Дата задержания", "Решение суда", "Дата решения", "Статья", "Источник"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    let detained = ExcelDateTime::from_ymd(2019, 6, 9).unwrap().and_hms(14, 30, 0).unwrap();
    sheet.write_string(1, 0, "Эксель Синтетов").unwrap();
    sheet.write_datetime_with_format(1, 1, &detained, &date_format).unwrap();
    sheet.write_string(1, 2, "арест 10 суток").unwrap();
    sheet.write_string(1, 3, "10.06.2019").unwrap();
    sheet.write_string(1, 4, "КоАП 488").unwrap();
    sheet.write_string(1, 5, "https://example.invalid/p/2").unwrap();
    // Row 3 is left empty; row 4 is broken in two cells.
    sheet.write_string(3, 0, "Эксель Ошибкин").unwrap();
    sheet.write_string(3, 1, "вчера").unwrap();
    sheet.write_string(3, 2, "арест 10 суток").unwrap();
    sheet.write_string(3, 3, "10.06.2019").unwrap();
    sheet.write_string(3, 4, "ч.1 488").unwrap();
    sheet.write_string(3, 5, "волонтёр").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    check(
        "list.xlsx",
        &bytes,
        &ImportOptions::default(),
        r#"
ok 2: Эксель Синтетов | detained 2019-06-09 14:30:00.0 | arrest 10 days on 2019-06-10 under AC 488 | source post https://example.invalid/p/2
list.xlsx: line 4, column B "Дата задержания", field detained_at: "вчера" is not a date; write it as 09.06.2019 or 2019-06-09
list.xlsx: line 4, column E "Статья", field article: "ч.1 488" has several numbers; write the article as «ст. 488 КоАП» or «КоАП 488»"#,
    );
}

#[test]
fn the_rejection_report_keeps_the_original_cells_for_correction() {
    let text = "Name,Detained,Source\nFine Row,09.06.2019 10:00,post\nBad Row,32.06.2019,post\n\"Comma, In Name\",,post\n";
    let plan = plan_import_bytes("list.csv", text.as_bytes(), &ImportOptions::default()).unwrap();
    let report = String::from_utf8(plan.rejection_report_csv()).unwrap();
    assert_eq!(
        report,
        "line,errors,Name,Detained,Source\n\
         3,\"column B (detained_at): \"\"32.06.2019\"\" is not a real calendar date\",Bad Row,32.06.2019,post\n\
         4,\"column B (detained_at): is empty, and the row has no event date; give the day of detention\",\"Comma, In Name\",,post\n"
    );
    // The report can be imported again: its two extra columns are ignored.
    let again = plan_import_bytes("report.csv", report.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(again.ignored_headers, ["line", "errors"]);
    assert_eq!(again.rejected.len(), 2);
}

/// The volunteers' guide lists every field with every header it is recognised by, and its
/// example imports without a rejected row.
#[test]
fn the_volunteer_guide_matches_the_importer() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/volunteer-spreadsheet.md")).unwrap();
    for field in ImportField::ALL {
        let row = guide
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", field.key())))
            .unwrap_or_else(|| panic!("the guide has no row for `{}`", field.key()));
        let listed = row.split('|').nth(2).unwrap();
        let listed: Vec<&str> = listed.split(", ").map(str::trim).collect();
        assert_eq!(listed, field.aliases(), "the guide's aliases for `{}`", field.key());
    }
    let example = guide.split("## An example").nth(1).unwrap().split("```").nth(1).unwrap().trim();
    let plan = plan_import_bytes("example.csv", example.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(plan.errors().map(ToString::to_string).collect::<Vec<_>>(), Vec::<String>::new());
    assert_eq!(plan.accepted.len(), 2);
    assert!(plan.ignored_headers.is_empty(), "{:?}", plan.ignored_headers);
}
