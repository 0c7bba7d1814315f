//! `kuzet dedup` end to end: a spreadsheet in, candidates with scores and evidence out.

use std::path::PathBuf;

use crate::kuzet;

/// Writes `content` to a fresh file for one test and returns its path.
fn write_input(test: &str, content: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dedup");
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let path = dir.join(format!("{test}.csv"));
    std::fs::write(&path, content).expect("input file");
    path
}

/// Runs `kuzet dedup FILE args…` and compares exit code, stdout and (a part of) stderr.
fn check(
    test: &str,
    input: &str,
    args: &[&str],
    expected_code: i32,
    expected_stdout: &str,
    stderr_contains: &[&str],
) {
    let path = write_input(test, input);
    let mut all = vec!["dedup", path.to_str().expect("UTF-8 path")];
    all.extend_from_slice(args);
    let output = kuzet(&all);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(stdout, expected_stdout, "stderr:\n{stderr}");
    for part in stderr_contains {
        assert!(stderr.contains(part), "stderr lacks {part:?}:\n{stderr}");
    }
}

// Constructed names, no real persons.
const REGISTER: &str = "\
id,name,birth,city,event,police_station
1,Жанар Қасымова,09.06.1990,Алматы,9 June march,ОП-3
2,KASYMOVA ZHANAR,1990,Almaty,9 June march,
3,Асқар Қасымов,1990-06-09,Алматы,9 June march,ОП-3
4,Ерлан Серікұлы Ахметов,1985,Нур-Султан,,
5,\"Akhmetov, Ye.\",,Nur-Sultan,,
6,Ахметов Ерлан|Yerlan Akhmetoff,1962,Нур-Султан,,
";

#[test]
fn csv_lists_candidates_best_first_with_evidence() {
    check(
        "csv",
        REGISTER,
        &[],
        0,
        "a,b,score,name_score,name_a,name_b,evidence\n\
         1,2,1.000,1.000,Жанар Қасымова,KASYMOVA ZHANAR,same birth year; same city; 1 shared event(s)\n\
         4,5,0.970,0.950,Ерлан Серікұлы Ахметов,\"Akhmetov, Ye.\",same city\n\
         5,6,0.970,0.950,\"Akhmetov, Ye.\",Ахметов Ерлан,same city\n",
        &[],
    );
}

#[test]
fn json_has_the_same_candidates() {
    let path = write_input("json", REGISTER);
    let output = kuzet(&["dedup", path.to_str().expect("UTF-8 path"), "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let candidates = value["candidates"]
        .as_array()
        .expect("a list of candidates");
    let pairs: Vec<(String, String)> = candidates
        .iter()
        .map(|candidate| {
            (
                candidate["a"].as_str().unwrap().to_owned(),
                candidate["b"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("1", "2"), ("4", "5"), ("5", "6")].map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(candidates[0]["score"], 1.0);
    assert_eq!(candidates[0]["name_a"], "Жанар Қасымова");
    assert_eq!(candidates[0]["evidence"][0], "same birth year");
}

#[test]
fn a_lower_threshold_lets_weaker_pairs_through_and_findings_can_fail_the_run() {
    let path = write_input("threshold", REGISTER);
    let count = |threshold: &str| {
        let output = kuzet(&["dedup", path.to_str().unwrap(), "--threshold", threshold]);
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8_lossy(&output.stdout).lines().count() - 1
    };
    assert_eq!(count("0.8"), 3);
    // Ахметов Ерлан born 1962 against the one born 1985: birth years differ.
    assert!(count("0.4") > 3);
    assert_eq!(count("1.0"), 1);
    let output = kuzet(&["dedup", path.to_str().unwrap(), "--fail-on-candidates"]);
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn no_candidates_gives_just_the_header() {
    check(
        "none",
        "id,name\n1,Жанар Қасымова\n2,Асқар Қасымов\n",
        &[],
        0,
        "a,b,score,name_score,name_a,name_b,evidence\n",
        &[],
    );
}

#[test]
fn every_bad_row_is_reported_with_line_column_and_field() {
    check(
        "bad-rows",
        "id,name,birth\nx1,Жанар Қасымова,1990\n2,,1990\n3,Асқар Қасымов,31.02.1990\n3,Ерлан Ахметов,\n",
        &[],
        2,
        "",
        &[
            "line 2, column 1, field id: \"x1\" is not a whole number",
            "line 3, column 2, field name: is empty",
            "line 4, column 3, field birth:",
            "line 5, column 1, field id: 3 was already used on line 4",
            "4 row problem(s), nothing was matched",
        ],
    );
}

#[test]
fn missing_columns_and_bad_options_are_bad_input() {
    check(
        "no-name",
        "id,fullname\n1,Жанар Қасымова\n",
        &[],
        2,
        "",
        &["the column(s) name are missing"],
    );
    check(
        "threshold-range",
        "id,name\n1,Жанар Қасымова\n",
        &["--threshold", "1.5"],
        2,
        "",
        &["--threshold 1.5 is not between 0 and 1"],
    );
    let output = kuzet(&["dedup", "/nonexistent/kuzet-dedup.csv"]);
    assert_eq!(output.status.code(), Some(2));
    let output = kuzet(&["dedup", "--database", "/nonexistent/kuzet.sqlite"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no such database file"));
}

#[test]
fn database_persons_are_matched_like_the_library_matches_them() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dedup");
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("demo.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let persons = runtime.block_on(async {
        let store = kuzet_store::Store::open(database.to_str().unwrap())
            .await
            .unwrap();
        store
            .load_demo(&kuzet_register::demo::generate(8))
            .await
            .unwrap();
        let persons = store
            .persons_for_matching(&kuzet_register::Actor::system())
            .await
            .unwrap();
        store.close().await;
        persons
    });
    assert!(!persons.is_empty());
    let expected: Vec<(String, String)> = kuzet_names::find_candidates(
        &persons
            .into_iter()
            .map(|person| kuzet_names::PersonForMatching {
                id: person.id.0,
                names: person.names,
                birth: person.birth.map(|birth| match birth.full() {
                    Some(date) => kuzet_names::Birth::Date {
                        year: date.year(),
                        month: u8::from(date.month()),
                        day: date.day(),
                    },
                    None => kuzet_names::Birth::Year(birth.year()),
                }),
                city: person.city,
                events: person.event_ids.into_iter().map(|event| event.0).collect(),
                police_stations: person.police_stations,
            })
            .collect::<Vec<_>>(),
        &kuzet_names::Options::default(),
    )
    .into_iter()
    .map(|candidate| (candidate.a.to_string(), candidate.b.to_string()))
    .collect();
    let output = kuzet(&["dedup", "--database", database.to_str().unwrap(), "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let found: Vec<(String, String)> = value["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|candidate| {
            (
                candidate["a"].as_str().unwrap().to_owned(),
                candidate["b"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(found, expected);
}

/// The (a, b) pairs `kuzet dedup --database PATH --json` lists.
fn database_pairs(database: &std::path::Path) -> Vec<(String, String)> {
    let output = kuzet(&["dedup", "--database", database.to_str().unwrap(), "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    value["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|candidate| {
            (
                candidate["a"].as_str().unwrap().to_owned(),
                candidate["b"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn database_pairs_marked_not_the_same_person_are_left_out() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dedup");
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("decided.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = kuzet_store::Store::open(database.to_str().unwrap())
            .await
            .unwrap();
        // Constructed names, no real persons: two pairs of spellings of one name each.
        for (name, city) in [
            ("Жанар Қасымова", "Almaty"),
            ("Kasymova Zhanar", "Almaty"),
            ("Ерлан Ахметов", "Astana"),
            ("Yerlan Akhmetov", "Astana"),
        ] {
            let mut person =
                kuzet_register::Person::new(kuzet_register::PersonName::parse(name).unwrap());
            person.city = Some(kuzet_register::City::parse(city).unwrap());
            store
                .add_person(
                    &kuzet_register::Actor::system(),
                    &kuzet_store::NewPerson::new(person),
                )
                .await
                .unwrap();
        }
        store.close().await;
    });
    let before = database_pairs(&database);
    assert_eq!(before.len(), 2, "{before:?}");
    let (a, b) = before[0].clone();

    // A reviewer decides the best candidate pair is two different people, as the web queue's
    // "not the same person" button does.
    runtime.block_on(async {
        let store = kuzet_store::Store::open(database.to_str().unwrap())
            .await
            .unwrap();
        store
            .mark_not_duplicate(
                &kuzet_register::Actor::system(),
                kuzet_store::PersonId(a.parse().unwrap()),
                kuzet_store::PersonId(b.parse().unwrap()),
                "checked with the family",
            )
            .await
            .unwrap();
        store.close().await;
    });
    let after = database_pairs(&database);
    let expected: Vec<(String, String)> = before
        .iter()
        .filter(|pair| **pair != (a.clone(), b.clone()))
        .cloned()
        .collect();
    assert_eq!(after, expected);
}
