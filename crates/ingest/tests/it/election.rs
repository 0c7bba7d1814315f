//! The Russian CEC reader and the protocol-table reader: the real files against their
//! published totals and an independent recount, and every kind of bad input on small files.

use crate::shared_data;
use kuzet_ingest::election::{
    ElectionError, ErrorKind, load_protocol_table, looks_like_russian_cec, read_russian_cec,
    russian_line_key,
};
use kuzet_protocol::check::{Row, Rule, check_arithmetic};
use kuzet_protocol::{Election, ProtocolDefinition};
use std::io::Read;

fn load(year: &str) -> Option<Election> {
    let path = shared_data(&format!("ru/{year}.csv.zip"))?;
    let bytes = std::fs::read(&path).unwrap();
    Some(read_russian_cec(&format!("{year}.csv.zip"), bytes).unwrap())
}

fn unzipped(year: &str) -> Option<Vec<u8>> {
    let path = shared_data(&format!("ru/{year}.csv.zip"))?;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut bytes = Vec::new();
    archive
        .by_index(0)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    Some(bytes)
}

/// Station count and registered voters as the data's README publishes them.
fn check_totals(year: &str, stations: usize, registered: i64) {
    let Some(election) = load(year) else { return };
    let rows = &election.results()[0].stations;
    assert_eq!(rows.len(), stations, "{year}: stations");
    let sum: i64 = rows
        .iter()
        .filter_map(|s| election.registered(&s.counts))
        .sum();
    assert_eq!(sum, registered, "{year}: registered voters");
}

#[test]
fn reads_every_russian_file_with_its_published_totals() {
    check_totals("2012", 95_415, 109_860_331);
    check_totals("2018", 97_699, 109_008_428);
    check_totals("2021", 96_325, 109_204_662);
    check_totals("2024", 94_214, 99_764_974);
}

#[test]
fn maps_the_2018_header_to_protocol_lines_and_candidates() {
    let Some(election) = load("2018") else { return };
    assert_eq!(election.candidates().len(), 8);
    assert_eq!(election.candidates()[3], "Путин Владимир Владимирович");
    // The first row of the file: Adygea, TIK "1 Адыгейская", station 1.
    let first = &election.results()[0].stations[0];
    assert_eq!(first.station, "1");
    assert_eq!(first.line, 2);
    assert_eq!(
        election.areas.display(first.area),
        "Республика Адыгея (Адыгея) / 1 Адыгейская"
    );
    let value = |key: &str| first.counts[election.line_column(key).unwrap()];
    assert_eq!(value("registered"), Some(2256));
    assert_eq!(value("received"), Some(2181));
    assert_eq!(value("stationary_boxes"), Some(2107));
    assert_eq!(value("valid"), Some(2166));
    assert_eq!(value("absentee_received"), None);
    assert_eq!(election.issued(&first.counts), Some(2107 + 62));
    assert_eq!(first.counts[election.candidate_column(3)], Some(1977));
    // A commission name with a comma inside quotes.
    let biysk = election.results()[0]
        .stations
        .iter()
        .find(|s| election.areas.name(s.area) == "11 Бийск, Восточная");
    assert!(biysk.is_some());
}

/// Recounts the 2018 control relations straight from the CSV with the `csv` crate, by column
/// position, and compares with what the reader and the checks found.
#[test]
fn the_2018_checks_agree_with_an_independent_recount() {
    let (Some(bytes), Some(election)) = (unzipped("2018"), load("2018")) else {
        return;
    };
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let mut violated = [0usize; 5];
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let n = |i: usize| record[i].parse::<i64>().unwrap();
        let candidates: i64 = (15..23).map(n).sum();
        let holds = [
            n(4) + n(14) == n(5) + n(6) + n(7) + n(8) + n(13),
            n(9) + n(10) == n(11) + n(12),
            n(12) == candidates,
            n(5) + n(6) + n(7) <= n(3),
            n(9) + n(10) <= n(3),
        ];
        for (count, ok) in violated.iter_mut().zip(holds) {
            *count += usize::from(!ok);
        }
        rows += 1;
    }
    assert_eq!(rows, 97_699);
    let check = check_arithmetic(&election, None);
    let found: Vec<usize> = check.tallies.iter().map(|t| t.violated).collect();
    assert_eq!(found, violated);
    assert_eq!(check.violations.len(), violated.iter().sum::<usize>());
}

#[test]
fn a_changed_figure_in_the_2018_file_is_found_where_it_is() {
    let Some(mut bytes) = unzipped("2018") else {
        return;
    };
    // Line 2 ends "...,137,32,1977,14,0,1,5,http..."; make Putin's 1977 a 1987.
    let line_end = bytes.iter().skip(1).position(|&b| b == b'\n').unwrap() + 1;
    let line2_end = line_end
        + 1
        + bytes[line_end + 1..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap();
    let line2 = String::from_utf8(bytes[line_end + 1..line2_end].to_vec()).unwrap();
    let changed = line2.replacen(",1977,", ",1987,", 1);
    assert_ne!(changed, line2);
    bytes.splice(line_end + 1..line2_end, changed.into_bytes());
    let election = read_russian_cec("2018.csv", bytes).unwrap();
    let check = check_arithmetic(&election, None);
    assert_eq!(check.violations.len(), 1);
    let v = &check.violations[0];
    assert_eq!(v.row, Row::Station(0));
    assert_eq!(
        election.protocol.relations[match v.rule {
            Rule::Relation(r) => r,
            _ => panic!(),
        }]
        .name,
        "valid ballots = sum of candidates"
    );
    assert_eq!((v.left, v.right), (2166, 2176));
    assert_eq!(election.results()[0].stations[0].line, 2);
}

const RU_HEADER: &str = "region,tik,uik,Число избирателей включенных в список избирателей,Число действительных избирательных бюллетеней,Число недействительных избирательных бюллетеней,Иванов,Петров,url\n";

/// Reads a small Russian file and checks the error: (kind, line, column, field, message part).
fn check_ru_error(
    body: &str,
    expected: (ErrorKind, Option<u64>, Option<usize>, Option<&str>, &str),
) {
    let error: ElectionError =
        read_russian_cec("small.csv", body.as_bytes().to_vec()).expect_err(body);
    let (kind, line, column, field, message) = expected;
    assert_eq!(
        (error.kind, error.line, error.column, error.field.as_deref()),
        (kind, line, column, field),
        "{error}"
    );
    assert!(error.to_string().contains(message), "{error}");
    assert!(error.to_string().starts_with("small.csv"), "{error}");
}

#[test]
fn russian_files_with_bad_input() {
    check_ru_error(
        &format!(
            "{RU_HEADER}Область,ТИК 1,1,100,90,2,50,40,x\nОбласть,ТИК 1,2,100,девяносто,2,50,40,x\n"
        ),
        (
            ErrorKind::NotANumber,
            Some(3),
            Some(5),
            Some("Число действительных избирательных бюллетеней"),
            "\"девяносто\" is not a whole number",
        ),
    );
    check_ru_error(
        &format!("{RU_HEADER}Область,ТИК 1,1,100,90,2,50,40,x\nОбласть,ТИК 1,1,100,90,2,50,40,x\n"),
        (
            ErrorKind::DuplicateStation,
            Some(3),
            None,
            Some("uik"),
            "appears twice (first on line 2)",
        ),
    );
    check_ru_error(
        "region,tik,Иванов\nОбласть,ТИК 1,5\n",
        (
            ErrorKind::MissingColumn,
            Some(1),
            None,
            Some("uik"),
            "the column \"uik\" is missing",
        ),
    );
    check_ru_error(
        "region,tik,uik,Число чего-то нового,Иванов\n",
        (
            ErrorKind::UnknownColumn,
            Some(1),
            Some(4),
            Some("Число чего-то нового"),
            "not one Kuzet knows",
        ),
    );
    check_ru_error(
        &format!("{RU_HEADER}Область,ТИК 1,1,100,90,2,50,40,x,extra\n"),
        (
            ErrorKind::FieldCount,
            Some(2),
            None,
            None,
            "more than the header's 9 fields",
        ),
    );
    check_ru_error(
        &format!("{RU_HEADER}Область,\"ТИК 1,1,100,90,2,50,40,x\n"),
        (
            ErrorKind::Unreadable,
            Some(2),
            Some(2),
            Some("tik"),
            "a quote is not closed",
        ),
    );
    check_ru_error(
        &format!("{RU_HEADER}Область,ТИК 1,,100,90,2,50,40,x\n"),
        (
            ErrorKind::BadValue,
            Some(2),
            Some(3),
            Some("uik"),
            "no number or name",
        ),
    );
    check_ru_error(
        &format!("{RU_HEADER}Область,ТИК 1,1,100,90,2,50,40,x\nОбласть,ТИК 1,2,100,90\n"),
        (
            ErrorKind::FieldCount,
            Some(3),
            None,
            None,
            "the row has 5 fields but the header has 9",
        ),
    );
    check_ru_error(
        "",
        (ErrorKind::Unreadable, None, None, None, "the file is empty"),
    );
}

#[test]
fn russian_files_in_their_variants() {
    // CRLF, quotes with a comma and a doubled quote, an empty cell, a negative number kept.
    let body = format!("{RU_HEADER}Область,\"ТИК \"\"Центр\"\", 1\",1,100,90,,50,40,x\r\nОбласть,ТИК 2,7,100,-3,2,-3,0,x\r\n").replace('\n', "\r\n").replace("\r\r\n", "\r\n");
    let election = read_russian_cec("variants.csv", body.into_bytes()).unwrap();
    let stations = &election.results()[0].stations;
    assert_eq!(stations.len(), 2);
    assert_eq!(
        election.areas.display(stations[0].area),
        "Область / ТИК \"Центр\", 1"
    );
    assert_eq!(
        stations[0].counts[election.line_column("invalid").unwrap()],
        None
    );
    assert_eq!(
        stations[1].counts[election.line_column("valid").unwrap()],
        Some(-3)
    );
    assert_eq!(stations[1].line, 3);
    let check = check_arithmetic(&election, None);
    assert_eq!(check.negative_values, 2);
}

#[test]
fn line_numbers_survive_parallel_chunks() {
    // About 1.5 MB, so that the body is split into many chunks; a bad value on line 20,001.
    let mut body = String::from(RU_HEADER);
    for i in 1..=30_000 {
        let valid = if i == 20_000 {
            "9O".to_owned()
        } else {
            "90".to_owned()
        };
        body.push_str(&format!(
            "Область номер {},ТИК {},{i},100,{valid},2,50,40,http://example.invalid/{i}\n",
            i / 1000,
            i / 100
        ));
    }
    check_ru_error(
        &body,
        (
            ErrorKind::NotANumber,
            Some(20_001),
            Some(5),
            Some("Число действительных избирательных бюллетеней"),
            "\"9O\"",
        ),
    );
    let fixed = body.replace(",9O,", ",90,");
    let election = read_russian_cec("big.csv", fixed.into_bytes()).unwrap();
    let stations = &election.results()[0].stations;
    assert_eq!(stations.len(), 30_000);
    assert!(
        stations
            .iter()
            .enumerate()
            .all(|(i, s)| s.line as usize == i + 2 && s.station == (i + 1).to_string())
    );
}

#[test]
fn russian_header_names_map_to_lines() {
    for (header, key) in [
        (
            "Число избирателей, включенных в список избирателей",
            Some("registered"),
        ),
        (
            "Число избирателей, внесенных в список избирателей на момент окончания голосования",
            Some("registered"),
        ),
        (
            "Число недействительных избирательных бюллетеней",
            Some("invalid"),
        ),
        (
            "Число действительных избирательных бюллетеней",
            Some("valid"),
        ),
        (
            "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования",
            Some("mobile_boxes"),
        ),
        (
            "Число полученных открепительных  удостоверений",
            Some("absentee_received"),
        ),
        (
            "Число утраченных открепительных удостоверений",
            Some("absentee_lost"),
        ),
        ("Число утраченных избирательных бюллетеней", Some("lost")),
        (
            "Число избирательных бюллетеней, не учтённых при получении",
            Some("unaccounted"),
        ),
        ("Путин Владимир Владимирович", None),
    ] {
        assert_eq!(russian_line_key(header), key, "{header}");
    }
    assert!(looks_like_russian_cec(RU_HEADER.as_bytes()));
    assert!(!looks_like_russian_cec(b"source,area,station\n"));
}

fn kz() -> Election {
    let protocol = ProtocolDefinition::kazakhstan_2019();
    Election::new("test", protocol, "Kazakhstan")
}

#[test]
fn protocol_tables_in_csv_json_and_windows_1251() {
    let mut election = kz();
    let csv = "source;area;station;stations;registered;valid;Kosanov;Tokayev;collected_by\n\
               observer;Kazakhstan / Almaty / District 1;12;;1 000;590;300;290;volunteer 7\n\
               official;Almaty;;20;;;6 576;6 943;\n";
    let (encoded, _, _) = encoding_rs::WINDOWS_1251.encode(csv);
    let sets = load_protocol_table(&mut election, "a.csv", &encoded).unwrap();
    assert_eq!(sets, vec![0, 1]);
    let observer = &election.results()[0];
    assert_eq!(observer.stations[0].counts[0], Some(1000));
    assert_eq!(
        election.areas.display(observer.stations[0].area),
        "Almaty / District 1"
    );
    assert_eq!(
        observer.stations[0]
            .provenance
            .as_ref()
            .unwrap()
            .collected_by
            .as_deref(),
        Some("volunteer 7")
    );
    let official = &election.results()[1];
    assert_eq!(official.aggregates[0].stations, Some(20));
    assert_eq!(
        official.aggregates[0].counts[election.candidate_column(1)],
        Some(6943)
    );

    let json = r#"[{"source": "observer", "area": "Almaty", "station": "3", "valid": 10, "Kosanov": 6, "Tokayev": 4},
                   {"source": "observer", "area": "Almaty", "station": "4", "valid": 9, "Kosanov": 5, "Tokayev": 4, "Espayeva": 0}]"#;
    load_protocol_table(&mut election, "b.json", json.as_bytes()).unwrap();
    assert_eq!(election.candidates(), ["Kosanov", "Tokayev", "Espayeva"]);
    let from_json = &election.results()[2];
    assert_eq!(
        from_json.stations[0].counts[election.candidate_column(2)],
        None
    );
    assert_eq!(
        from_json.stations[1].counts[election.candidate_column(2)],
        Some(0)
    );
    // The earlier sets got the new candidate's column, empty.
    assert_eq!(
        election.results()[0].stations[0].counts.len(),
        election.width()
    );

    let bad_json = r#"[{"source": "observer", "area": "Almaty", "station": "5", "valid": "ten"}]"#;
    let error = load_protocol_table(&mut election, "c.json", bad_json.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "c.json, column 4 (valid): record 1: \"ten\" is not a whole number"
    );
}

#[test]
fn a_bad_row_leaves_the_election_as_it_was() {
    let mut election = kz();
    let table = "source,area,station,valid,New candidate\nobserver,Almaty,1,5,5\nobserver,Almaty,2,five,5\n";
    let error = load_protocol_table(&mut election, "t.csv", table.as_bytes()).unwrap_err();
    assert_eq!(
        (error.kind, error.line, error.column),
        (ErrorKind::NotANumber, Some(3), Some(4))
    );
    assert!(election.results().is_empty());
    assert!(election.candidates().is_empty());
    assert_eq!(election.areas.len(), 1);
}

#[test]
fn protocol_tables_with_bad_input() {
    for (table, kind, line, column, message) in [
        (
            "area,station,valid\nAlmaty,1,5\n",
            ErrorKind::MissingColumn,
            Some(1),
            None,
            "the column \"source\" is missing",
        ),
        (
            "source,area,station,valid\n,Almaty,1,5\n",
            ErrorKind::BadValue,
            Some(2),
            Some(1),
            "the source is empty",
        ),
        (
            "source,area,station,valid\nobserver, / ,1,5\n",
            ErrorKind::BadValue,
            Some(2),
            Some(2),
            "the area is empty",
        ),
        (
            "source,area,station,stations\nofficial,Almaty,,0\n",
            ErrorKind::BadValue,
            Some(2),
            Some(4),
            "at least one station",
        ),
        (
            "source,area,station,stations\nofficial,Almaty,,many\n",
            ErrorKind::NotANumber,
            Some(2),
            Some(4),
            "\"many\" is not a whole number",
        ),
        (
            "source,area,station,A\nofficial,Almaty,,1\nofficial,Almaty,,2\n",
            ErrorKind::DuplicateStation,
            Some(3),
            Some(2),
            "totals of Almaty appear twice (first on line 2)",
        ),
        (
            "source,area,station,A\nobserver,Almaty,1,1,2\n",
            ErrorKind::FieldCount,
            Some(2),
            None,
            "more cells than the header",
        ),
        (
            "source,area,station,valid\nobserver,Almaty,1,5.5\n",
            ErrorKind::NotANumber,
            Some(2),
            Some(4),
            "\"5.5\" is not a whole number",
        ),
    ] {
        let error = load_protocol_table(&mut kz(), "t.csv", table.as_bytes()).unwrap_err();
        assert_eq!(
            (error.kind, error.line, error.column),
            (kind, line, column),
            "{table}: {error}"
        );
        assert!(error.to_string().contains(message), "{table}: {error}");
    }
}

#[test]
fn an_xlsx_protocol_table_is_not_taken_for_a_russian_zip() {
    use rust_xlsxwriter::Workbook;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["source", "area", "station", "valid", "Kosanov", "Tokayev"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "observer").unwrap();
    sheet.write_string(1, 1, "Almaty").unwrap();
    sheet.write_number(1, 2, 12.0).unwrap();
    for (column, value) in [(3u16, 590.0), (4, 300.0), (5, 290.0)] {
        sheet.write_number(1, column, value).unwrap();
    }
    sheet.write_string(2, 0, "observer").unwrap();
    sheet.write_string(2, 1, "Almaty").unwrap();
    sheet.write_number(2, 2, 13.0).unwrap();
    sheet.write_string(2, 3, "n/a").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    assert!(!looks_like_russian_cec(&bytes));
    let mut election = kz();
    let error = load_protocol_table(&mut election, "sample.xlsx", &bytes).unwrap_err();
    assert_eq!(
        (error.line, error.column, error.field.as_deref()),
        (Some(3), Some(4), Some("valid"))
    );
    assert!(
        error.to_string().contains("\"n/a\" is not a whole number"),
        "{error}"
    );
    if let Some(path) = shared_data("ru/2018.csv.zip") {
        assert!(looks_like_russian_cec(&std::fs::read(path).unwrap()));
    }
}

#[test]
fn a_line_of_another_protocol_is_not_read_as_a_candidate() {
    let mut russian = Election::new("ru", ProtocolDefinition::russian_cec(), "Russia");
    let table =
        "source,area,station,registered,cast,valid,Kosanov\nobserver,Almaty,1,1000,600,590,300\n";
    let error = load_protocol_table(&mut russian, "kz-lines.csv", table.as_bytes()).unwrap_err();
    assert_eq!(
        (error.kind, error.line, error.column, error.field.as_deref()),
        (ErrorKind::WrongProtocol, Some(1), Some(5), Some("cast"))
    );
    assert!(error.to_string().contains("--protocol"), "{error}");
    // The same table is fine for the Kazakh protocol.
    load_protocol_table(&mut kz(), "kz-lines.csv", table.as_bytes()).unwrap();
}

#[test]
fn a_station_in_two_files_of_one_source_is_refused() {
    let mut election = kz();
    let first = "source,area,station,valid\nobserver,Almaty,1,5\nobserver,Almaty,2,6\n";
    load_protocol_table(&mut election, "volunteer-a.csv", first.as_bytes()).unwrap();
    // Another source may give the same station; the same source may not, even from another file.
    let official = "source,area,station,valid\nofficial,Almaty,1,5\nofficial,Almaty,2,6\nofficial,Almaty,3,7\n";
    load_protocol_table(&mut election, "official.csv", official.as_bytes()).unwrap();
    let second = "source,area,station,valid\nobserver,Almaty,3,7\nobserver,Almaty,2,6\n";
    let error =
        load_protocol_table(&mut election, "volunteer-b.csv", second.as_bytes()).unwrap_err();
    assert_eq!(
        (error.kind, error.line, error.column),
        (ErrorKind::DuplicateStation, Some(3), Some(3))
    );
    assert!(
        error
            .to_string()
            .contains("appears twice (first in volunteer-a.csv, line 3)"),
        "{error}"
    );
    assert_eq!(election.results().len(), 2);
}

#[test]
fn a_station_the_official_results_lack_is_unknown() {
    let mut election = kz();
    let official = "source,area,station,valid\nofficial,Almaty / District 1,1,5\nofficial,Almaty / District 1,2,6\n";
    load_protocol_table(&mut election, "official.csv", official.as_bytes()).unwrap();
    let observer = "source,area,station,valid\nobserver,Almaty / District 1,2,6\nobserver,Almaty / District 1,12,6\n";
    let error =
        load_protocol_table(&mut election, "observer.csv", observer.as_bytes()).unwrap_err();
    assert_eq!(
        (error.kind, error.line, error.column, error.field.as_deref()),
        (ErrorKind::UnknownStation, Some(3), Some(3), Some("station"))
    );
    assert!(
        error
            .to_string()
            .contains("unknown station \"12\" in Almaty / District 1"),
        "{error}"
    );
    // A region the official results do not cover is not checked: there is nothing to check against.
    let elsewhere = "source,area,station,valid\nobserver,Shymkent,12,6\n";
    load_protocol_table(&mut election, "observer.csv", elsewhere.as_bytes()).unwrap();
}
