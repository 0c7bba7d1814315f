//! `kuzet verify` end to end: the case study, the Russian 2018 file, the output formats, exit
//! codes, and every kind of bad input named with its file, line, column and field.

use crate::{kuzet, shared_data};
use std::path::PathBuf;
use std::process::Output;

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/kz-2019")
        .join(name)
        .display()
        .to_string()
}

/// Writes `content` to a fresh file in the temporary folder and returns its path.
fn temp_file(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kuzet-verify-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `kuzet verify` on `files` (plus `flags`) and checks the exit code and that stderr
/// contains every one of `messages`.
fn check(files: &[&str], flags: &[&str], code: i32, messages: &[&str]) -> Output {
    let mut args = vec!["verify"];
    args.extend_from_slice(files);
    args.extend_from_slice(flags);
    let output = kuzet(&args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    for message in messages {
        assert!(
            stderr(&output).contains(message),
            "{args:?}: stderr lacks {message:?}:\n{}",
            stderr(&output)
        );
    }
    output
}

const KZ_HEADER: &str =
    "source,area,station,registered,received,issued,cancelled,cast,invalid,valid,Kosanov,Tokayev\n";

#[test]
fn kz_2019_case_study_reproduces_the_report() {
    let sample = example("observer-protocols.csv");
    let totals = example("published-totals.csv");
    let output = check(&[&sample, &totals], &[], 0, &[]);
    let text = stdout(&output);
    assert!(
        text.contains("Projection of Nur-Sultan from 74 observer stations of 239"),
        "{text}"
    );
    // 35,604 × 239 / 74 and 51,164 × 239 / 74, and official minus projected.
    for figure in [
        "114,991",
        "165,246",
        "-23,953",
        "+110,100",
        "No violations.",
    ] {
        assert!(text.contains(figure), "{figure} missing:\n{text}");
    }

    let output = check(&[&sample, &totals], &["--json"], 0, &[]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let projection = &json["projections"][0];
    assert_eq!(projection["sampled"], 74);
    assert_eq!(projection["total_stations"], 239);
    let kosanov = &projection["candidates"][0];
    assert_eq!(kosanov["candidate"], "Amirzhan Kosanov");
    assert_eq!(
        kosanov["projection"]["value"],
        (35_604.0f64 * 239.0 / 74.0).round() as i64
    );
    assert_eq!(kosanov["official"], 91_038);
    assert_eq!(kosanov["official_outside_interval"], true);
    assert_eq!(
        json["outliers"][0]["flagged"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["measure"] == "log(leader / runner-up)")
            .count(),
        8
    );
}

#[test]
fn a_sample_split_over_files_is_projected_as_one() {
    let sample = std::fs::read_to_string(example("observer-protocols.csv")).unwrap();
    let lines: Vec<&str> = sample.lines().collect();
    let first = temp_file("sample-a.csv", &(lines[..41].join("\n") + "\n"));
    let second = temp_file(
        "sample-b.csv",
        &(format!("{}\n", lines[0]) + &lines[41..].join("\n") + "\n"),
    );
    let output = check(
        &[&first, &second, &example("published-totals.csv")],
        &["--json"],
        0,
        &[],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["projections"].as_array().unwrap().len(), 1);
    assert_eq!(json["projections"][0]["sampled"], 74);
    assert_eq!(
        json["projections"][0]["candidates"][0]["projection"]["value"],
        (35_604.0f64 * 239.0 / 74.0).round() as i64
    );
    assert_eq!(json["outliers"][0]["stations"], 74);
}

#[test]
fn another_countrys_protocol_is_a_definition_file() {
    let definition = temp_file(
        "testland.txt",
        "name: Testland ward protocol\ncountry: Testland\nline voters: Voters on the roll\nline papers: Ballot papers in the box\n\
         relation papers fit the roll: papers <= voters\nrelation every paper is a vote: papers = candidates\n\
         role registered: voters\nrole cast: papers\n",
    );
    let results = temp_file(
        "testland.csv",
        "source,area,station,voters,papers,Ada,Bo\nobserver,North,1,100,90,50,40\nobserver,North,2,100,120,60,60\n",
    );
    let output = check(
        &[&results],
        &["--protocol", &definition, "--fail-on", "violations"],
        3,
        &[],
    );
    let text = stdout(&output);
    assert!(text.contains("Protocol: Testland ward protocol"), "{text}");
    assert!(
        text.contains("line 3: North station 2: papers fit the roll: 120 > 100 (difference +20)"),
        "{text}"
    );
    // The built-in Kazakh protocol is itself such a file.
    let kazakh = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../protocol/definitions/kazakhstan-2019.txt")
        .display()
        .to_string();
    let files = [
        example("observer-protocols.csv"),
        example("published-totals.csv"),
    ];
    let built_in = check(&[&files[0], &files[1]], &[], 0, &[]);
    let from_file = check(&[&files[0], &files[1]], &["--protocol", &kazakh], 0, &[]);
    assert_eq!(stdout(&built_in), stdout(&from_file));
    let broken = temp_file(
        "broken-definition.txt",
        "name: X\nline a: A\nrelation r: a = b\n",
    );
    check(
        &[&results],
        &["--protocol", &broken],
        2,
        &["broken-definition.txt: protocol definition, line 3: unknown line \"b\""],
    );
}

#[test]
fn reports_in_russian() {
    let output = check(
        &[
            &example("observer-protocols.csv"),
            &example("published-totals.csv"),
        ],
        &["--lang", "ru"],
        0,
        &[],
    );
    let text = stdout(&output);
    assert!(
        text.contains("Проекция: Nur-Sultan по 74 участкам источника «observer» из 239"),
        "{text}"
    );
    assert!(text.contains("114,991"), "{text}");
    check(
        &[&example("published-totals.csv")],
        &["--lang", "kk"],
        2,
        &["--lang: \"kk\" is not a report language"],
    );
}

#[test]
fn writes_a_self_contained_html_report() {
    let out = std::env::temp_dir().join(format!("kuzet-verify-report-{}.html", std::process::id()));
    let out_text = out.display().to_string();
    check(
        &[
            &example("observer-protocols.csv"),
            &example("published-totals.csv"),
        ],
        &["--report", &out_text],
        0,
        &[],
    );
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Projection: Nur-Sultan from 74 observer stations of 239"));
    assert!(!page.contains("<script"));
    std::fs::remove_file(out).unwrap();
}

#[test]
fn fail_on_gives_exit_code_3_only_for_what_was_found() {
    let sample = example("observer-protocols.csv");
    let totals = example("published-totals.csv");
    check(&[&sample, &totals], &["--fail-on", "violations"], 0, &[]);
    check(&[&sample, &totals], &["--fail-on", "projections"], 3, &[]);
    check(&[&sample, &totals], &["--fail-on", "outliers"], 3, &[]);
    // One station whose candidates add up to 10 more than its valid ballots.
    let broken = temp_file(
        "broken.csv",
        &format!("{KZ_HEADER}observer,Almaty,12,1000,1000,600,400,600,10,590,300,300\n"),
    );
    let output = check(&[&broken], &["--fail-on", "violations"], 3, &[]);
    let text = stdout(&output);
    assert!(text.contains("line 2: Almaty station 12: valid ballots = sum of candidates: 590 != 600 (difference -10)"), "{text}");
}

#[test]
fn area_limits_the_verification() {
    let sample = example("observer-protocols.csv");
    let totals = example("published-totals.csv");
    let output = check(
        &[&sample, &totals],
        &["--area", "Nur-Sultan", "--json"],
        0,
        &[],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["scope"], "Nur-Sultan");
    assert_eq!(
        json["arithmetic"]["rows_checked"], 75,
        "74 stations and the official Nur-Sultan totals"
    );
    check(
        &[&sample, &totals],
        &["--area", "Atyrau"],
        2,
        &["--area: no area \"Atyrau\"", "known: Nur-Sultan"],
    );
}

#[test]
fn bad_input_is_named_with_file_line_column_and_field() {
    let text_in_number = temp_file(
        "text.csv",
        &format!("{KZ_HEADER}observer,Almaty,1,1000,1000,600,400,600,10,590,three hundred,290\n"),
    );
    check(
        &[&text_in_number],
        &[],
        2,
        &["text.csv, line 2, column 11 (Kosanov): \"three hundred\" is not a whole number"],
    );

    let missing = temp_file("missing.csv", "source,station,valid\nobserver,1,5\n");
    check(
        &[&missing],
        &[],
        2,
        &["missing.csv, line 1 (area): the column \"area\" is missing"],
    );

    let duplicate = temp_file(
        "duplicate.csv",
        &format!(
            "{KZ_HEADER}observer,Almaty,7,1000,1000,600,400,600,10,590,300,290\nobserver,Almaty,7,1000,1000,600,400,600,10,590,300,290\n"
        ),
    );
    check(
        &[&duplicate],
        &[],
        2,
        &[
            "duplicate.csv, line 3, column 3 (station)",
            "appears twice (first on line 2)",
        ],
    );

    let aggregate_with_station_count = temp_file(
        "count.csv",
        "source,area,station,stations,A\nofficial,Almaty,5,3,10\n",
    );
    check(
        &[&aggregate_with_station_count],
        &[],
        2,
        &["count.csv, line 2, column 4 (stations): a station row cannot give a number of stations"],
    );

    check(
        &["/nonexistent/results.csv"],
        &[],
        2,
        &["/nonexistent/results.csv: cannot read the file"],
    );
    check(
        &[&text_in_number],
        &["--protocol", "/nonexistent/definition.txt"],
        2,
        &["--protocol"],
    );
}

#[test]
fn russian_2018_totals_and_checks() {
    let Some(path) = shared_data("ru/2018.csv.zip") else {
        return;
    };
    let path = path.display().to_string();
    let output = check(&[&path], &["--json"], 0, &[]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let source = &json["sources"][0];
    assert_eq!(source["stations"], 97_699);
    assert_eq!(source["registered"], 109_008_428_i64);
    let relations = json["arithmetic"]["relations"].as_array().unwrap();
    assert_eq!(relations.len(), 5);
    for relation in relations {
        assert_eq!(relation["checked"], 97_699, "{relation}");
    }
    // The file as published satisfies every control relation (recomputed independently in
    // kuzet-ingest's tests); the report must say so rather than invent violations.
    assert_eq!(json["arithmetic"]["violations_total"], 0);
    assert_eq!(
        json["regions"].as_array().unwrap().len(),
        87,
        "85 subjects, Baikonur and stations abroad"
    );
}

#[test]
fn observers_are_compared_with_the_russian_official_file() {
    let Some(path) = shared_data("ru/2018.csv.zip") else {
        return;
    };
    let path = path.display().to_string();
    // Station 1 of TIK "1 Адыгейская": officially Putin 1,977 and Grudinin 137; an observer's
    // copy says 1,900 and 214.
    let observer = temp_file(
        "observer-ru.csv",
        "source,area,station,registered,Путин Владимир Владимирович,Грудинин Павел Николаевич\n\
         observer,Республика Адыгея (Адыгея) / 1 Адыгейская,1,2256,1900,214\n\
         observer,Республика Адыгея (Адыгея) / 1 Адыгейская,2,2700,2389,86\n",
    );
    let output = check(
        &[&observer, &path],
        &[
            "--protocol",
            "ru",
            "--json",
            "--area",
            "Республика Адыгея (Адыгея)",
        ],
        0,
        &[],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let comparison = &json["comparisons"][0];
    assert_eq!(comparison["source"], "observer");
    assert_eq!(comparison["stations_compared"], 2);
    assert_eq!(comparison["stations_differing"], 1);
    let differences = &comparison["stations"][0]["differences"];
    assert_eq!(differences[0]["line"], "Грудинин Павел Николаевич");
    assert_eq!(differences[0]["difference"], 214 - 137);
    assert_eq!(differences[1]["line"], "Путин Владимир Владимирович");
    assert_eq!(differences[1]["difference"], 1900 - 1977);
    assert_eq!(differences[1]["larger"], "official");

    let unknown = temp_file(
        "unknown-ru.csv",
        "source,area,station,Путин Владимир Владимирович\nobserver,Республика Адыгея (Адыгея) / 1 Адыгейская,9999,10\n",
    );
    check(
        &[&unknown, &path],
        &["--protocol", "ru"],
        2,
        &["unknown-ru.csv, line 2, column 3 (station): unknown station \"9999\""],
    );
}

#[test]
fn projection_settings_come_from_the_command_line() {
    let sample = example("observer-protocols.csv");
    let totals = example("published-totals.csv");
    let json_of = |flags: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(flags);
        serde_json::from_slice(&check(&[&sample, &totals], &all, 0, &[]).stdout).unwrap()
    };
    let bootstrap = |json: &serde_json::Value| json["projections"][0]["candidates"][0]["projection"]["bootstrap_95"].clone();

    // The same seed gives the same bootstrap interval; another seed moves it.
    let seeded = json_of(&["--seed", "7", "--replicates", "500"]);
    assert_eq!(bootstrap(&seeded), bootstrap(&json_of(&["--seed", "7", "--replicates", "500"])));
    assert_ne!(bootstrap(&seeded), bootstrap(&json_of(&["--seed", "8", "--replicates", "500"])));
    let notes = seeded["method"].to_string();
    assert!(notes.contains("500 resamples") && notes.contains("seed 7"), "{notes}");

    // 74 observed stations are too few when at least 100 are asked for.
    let strict = json_of(&["--min-stations", "100"]);
    assert_eq!(strict["projections"][0]["projected"], false, "{strict}");
    assert_eq!(json_of(&[])["projections"][0]["projected"], true);

    // A higher outlier threshold flags fewer stations.
    let flagged = |json: &serde_json::Value| json["outliers"][0]["flagged_total"].as_u64().unwrap();
    assert!(flagged(&json_of(&["--outlier-threshold", "50"])) < flagged(&json_of(&[])));
}
