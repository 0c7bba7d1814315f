//! `kuzet import election|official|protocols` and the demo's elections end to end: the
//! Kazakhstan 2019 example imported through the CLI verifies in the store as `kuzet verify`
//! does on the files; official re-imports keep their history and list their changes; bad
//! input is refused whole with every problem named; the demo's conflicting copies, once
//! resolved, give the report's projection; the Russia 2018 file imports every station with
//! its official figures.

use std::path::Path;

use kuzet_protocol::{VerifyOptions, verify};
use kuzet_register::{Actor, Role, UserId};
use kuzet_store::Store;
use serde_json::Value;

use crate::user::{add_user, expect_code, outcome, path_str, scratch, with_store};
use crate::{kuzet, shared_data};

const OBSERVERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/kz-2019/observer-protocols.csv"
);
const TOTALS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/kz-2019/published-totals.csv"
);

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Nur-Sultan's projected Kosanov and Tokayev (rounded) and how many stations it uses.
async fn nur_sultan(store: &Store, slug: &str) -> (usize, i64, i64) {
    let system = Actor::system();
    let row = store.election(&system, slug).await.unwrap().unwrap();
    let dataset = store.election_dataset(&system, row.id).await.unwrap();
    let verification = verify(&dataset.election, &VerifyOptions::default());
    let projection = verification
        .projections
        .iter()
        .find(|p| dataset.election.areas.name(p.area) == "Nur-Sultan")
        .expect("a Nur-Sultan projection");
    let point = |i: usize| projection.candidates[i].per_station_mean.value.round() as i64;
    (projection.sampled, point(0), point(1))
}

#[test]
fn the_kz_example_imports_and_verifies_as_the_files_do() {
    let dir = scratch("elections-kz");
    let database = dir.join("kz.db");
    let db = path_str(&database);
    add_user(&database, "coord", "coordinator");
    add_user(&database, "watcher", "volunteer");

    let created = json(&expect_code(
        &[
            "import",
            "election",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "kz",
            "--held-on",
            "2019-06-09",
            OBSERVERS,
            "--json",
        ],
        0,
    ));
    assert_eq!(
        (
            created["created"].as_bool(),
            created["stations_created"].as_i64()
        ),
        (Some(true), Some(74))
    );
    assert_eq!(created["candidates"][1], "Kasym-Zhomart Tokayev");
    // The published totals add their areas; their official rows are area totals.
    let areas = json(&expect_code(
        &[
            "import",
            "election",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "kz",
            TOTALS,
            "--json",
        ],
        0,
    ));
    assert_eq!(
        (
            areas["created"].as_bool(),
            areas["areas_created"].as_i64(),
            areas["stations_created"].as_i64()
        ),
        (Some(false), Some(2), Some(0))
    );
    let official = json(&expect_code(
        &[
            "import",
            "official",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "kz",
            TOTALS,
            "--json",
        ],
        0,
    ));
    assert_eq!(
        (
            official["level"].as_str(),
            official["new"].as_i64(),
            official["rows"].as_i64()
        ),
        (Some("area"), Some(2), Some(2))
    );

    let first = expect_code(
        &[
            "import",
            "protocols",
            "--database",
            db,
            "--as",
            "watcher",
            "--slug",
            "kz",
            OBSERVERS,
        ],
        0,
    );
    assert!(
        first.contains("74 submitted, 0 were already there, 0 flagged"),
        "{first}"
    );
    let again = json(&expect_code(
        &[
            "import",
            "protocols",
            "--database",
            db,
            "--as",
            "watcher",
            "--slug",
            "kz",
            OBSERVERS,
            "--json",
        ],
        0,
    ));
    assert_eq!(
        (again["submitted"].as_i64(), again["already_there"].as_i64()),
        (Some(0), Some(74)),
        "a second run adds nothing"
    );

    let (sampled, kosanov, tokayev) =
        with_store(&database, async |store| nur_sultan(store, "kz").await);
    assert_eq!((sampled, kosanov, tokayev), (74, 114_991, 165_246));
    let audit = with_store(&database, async |store| {
        format!("{:?}", store.verify_audit().await.unwrap())
    });
    assert!(audit.starts_with("Ok"), "{audit}");
}

/// A protocol table of official station results for stations 1 to 3.
fn official_table(dir: &Path, name: &str, beta_at_2: i64) -> String {
    let path = dir.join(name);
    let text = format!(
        "source,area,station,registered,valid,Alpha,Beta\n\
         official,North / One,1,1000,900,400,500\n\
         official,North / One,2,1000,{},300,{beta_at_2}\n\
         official,South,3,800,200,100,100\n",
        300 + beta_at_2
    );
    std::fs::write(&path, text).unwrap();
    path_str(&path).to_owned()
}

#[test]
fn official_reimports_keep_history_and_list_changes() {
    let dir = scratch("elections-official");
    let database = dir.join("off.db");
    let db = path_str(&database);
    add_user(&database, "coord", "coordinator");
    add_user(&database, "watcher", "volunteer");
    let first = official_table(&dir, "first.csv", 600);
    let second = official_table(&dir, "second.csv", 650);

    let created = expect_code(
        &[
            "import",
            "election",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "t",
            "--name",
            "Test",
            "--with-official",
            &first,
        ],
        0,
    );
    assert!(
        created.starts_with("Created election `t` (Test): 3 areas and 3 stations added"),
        "{created}"
    );
    assert!(
        created.contains("Official figures imported (import 1): 3 new, 0 changed, 0 unchanged."),
        "{created}"
    );
    let text = expect_code(
        &[
            "import",
            "official",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "t",
            "--source",
            "CEC, 10 June",
            &second,
        ],
        0,
    );
    assert!(text.starts_with("Official station figures for `t` imported (import 2): 3 rows, 0 new, 1 changed, 2 unchanged."), "{text}");
    assert!(
        text.contains("\n  2: Beta 600 -> 650\n") && text.contains("\n  2: valid 900 -> 950\n"),
        "{text}"
    );

    let (sources, history) = with_store(&database, async |store| {
        let system = Actor::system();
        let row = store.election(&system, "t").await.unwrap().unwrap();
        let imports = store.official_imports(&system, row.id).await.unwrap();
        let detail = store
            .station_detail(&system, row.id, "2")
            .await
            .unwrap()
            .unwrap();
        (
            imports
                .iter()
                .map(|i| (i.source.clone(), i.file_sha256.len()))
                .collect::<Vec<_>>(),
            detail
                .official_history
                .iter()
                .map(|h| h.figures["Beta"])
                .collect::<Vec<_>>(),
        )
    });
    assert_eq!(
        sources,
        [
            ("first.csv".to_owned(), 64),
            ("CEC, 10 June".to_owned(), 64)
        ]
    );
    assert_eq!(history, [600, 650]);

    // A volunteer may not import official results.
    let (code, _, stderr) = outcome(&kuzet(&[
        "import",
        "official",
        "--database",
        db,
        "--as",
        "watcher",
        "--slug",
        "t",
        &second,
    ]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("does not allow"), "{stderr}");
}

#[test]
fn bad_election_input_is_refused_whole_and_named() {
    let dir = scratch("elections-bad");
    let database = dir.join("bad.db");
    let db = path_str(&database);
    add_user(&database, "coord", "coordinator");
    let first = official_table(&dir, "first.csv", 600);
    expect_code(
        &[
            "import",
            "election",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "t",
            &first,
        ],
        0,
    );

    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "unknown.csv",
            "source,area,station,Alpha,Beta\nofficial,North / One,1,1,1\nofficial,North / One,9,1,1\nofficial,West,8,1,1\n",
            &["official: 2 unknown stations: 9, 8"],
        ),
        (
            "number.csv",
            "source,area,station,Alpha,Beta\nofficial,South,3,1,many\n",
            &["number.csv, line 2, column 5 (Beta)", "not a whole number"],
        ),
        (
            "protocol.csv",
            "source,area,station,issued_early,Alpha\nofficial,South,3,1,1\n",
            &[
                "protocol.csv, line 1, column 4 (issued_early)",
                "not one of",
            ],
        ),
        (
            "candidate.csv",
            "source,area,station,Alpha,Gamma\nofficial,South,3,1,1\n",
            &["`Gamma` is neither a line of the protocol nor a candidate"],
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let (code, stdout, stderr) = outcome(&kuzet(&[
            "import",
            "official",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "t",
            path_str(&path),
        ]));
        assert_eq!(code, Some(2), "{name}: {stdout}{stderr}");
        for part in expected {
            assert!(
                stderr.contains(part),
                "{name}: expected {part:?} in {stderr}"
            );
        }
    }
    let imports = with_store(&database, async |store| {
        let row = store
            .election(&Actor::system(), "t")
            .await
            .unwrap()
            .unwrap();
        store
            .official_imports(&Actor::system(), row.id)
            .await
            .unwrap()
            .len()
    });
    assert_eq!(imports, 0, "nothing was imported");
    let (code, _, stderr) = outcome(&kuzet(&[
        "import",
        "official",
        "--database",
        db,
        "--as",
        "coord",
        "--slug",
        "nope",
        &first,
    ]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--slug: no election `nope`"), "{stderr}");
    let (code, _, stderr) = outcome(&kuzet(&[
        "import",
        "election",
        "--database",
        db,
        "--as",
        "coord",
        "--slug",
        "Bad Slug",
        &first,
    ]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("slug: `Bad Slug` must be 1 to 64 lower-case letters, digits or `-`"),
        "{stderr}"
    );
}

#[test]
fn the_demo_shows_conflicts_whose_resolution_restores_the_projection() {
    let dir = scratch("elections-demo");
    let database = dir.join("demo.sqlite");
    let stdout = expect_code(
        &[
            "demo",
            "--no-serve",
            "--skip-russia",
            "--database",
            path_str(&database),
        ],
        0,
    );
    assert!(
        stdout.contains("Kazakhstan 2019 (kz-2019): 74 stations of Nur-Sultan, official area totals for 2 areas (import 1), 74 observer protocols from demo-observer-1 and 3 copies from demo-observer-2 (2 conflicting: synthetic-07, synthetic-31; 1 flagged"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Russia 2018: skipped (--skip-russia)."),
        "{stdout}"
    );
    with_store(&database, async |store| {
        // Until a coordinator chooses, the two conflicting stations are left out.
        assert_eq!(nur_sultan(store, "kz-2019").await.0, 72);
        let coordinator = store
            .find_user(&Actor::system(), "coordinator")
            .await
            .unwrap()
            .unwrap();
        let coordinator = Actor::user(UserId(coordinator.id), Role::Coordinator);
        let row = store
            .election(&coordinator, "kz-2019")
            .await
            .unwrap()
            .unwrap();
        let conflicts = store.conflicts(&coordinator, row.id).await.unwrap();
        for conflict in &conflicts {
            store
                .resolve_station(
                    &coordinator,
                    conflict.station_id,
                    conflict.submission_ids[0],
                    "matches the photo",
                )
                .await
                .unwrap();
        }
        assert_eq!(nur_sultan(store, "kz-2019").await, (74, 114_991, 165_246));
    });
    // Run again, the database and its elections are kept.
    let again = expect_code(
        &[
            "demo",
            "--no-serve",
            "--skip-russia",
            "--database",
            path_str(&database),
        ],
        0,
    );
    assert!(
        again.contains("Kazakhstan 2019 (kz-2019): already in the database, kept as it is."),
        "{again}"
    );
}

#[test]
fn russia_2018_imports_every_station_with_official_figures() {
    let Some(file) = shared_data("ru/2018.csv.zip") else {
        return;
    };
    let dir = scratch("elections-ru");
    let database = dir.join("ru.db");
    let db = path_str(&database);
    add_user(&database, "coord", "coordinator");
    let created = json(&expect_code(
        &[
            "import",
            "election",
            "--database",
            db,
            "--as",
            "coord",
            "--slug",
            "ru-2018",
            "--with-official",
            path_str(&file),
            "--json",
        ],
        0,
    ));
    assert_eq!(
        (
            created["stations_created"].as_i64(),
            created["official"]["new"].as_i64()
        ),
        (Some(97_699), Some(97_699))
    );
    // The store's dataset verifies as the file does: the same national totals.
    let file_election =
        kuzet_ingest::election::read_russian_cec("2018.csv.zip", std::fs::read(&file).unwrap())
            .unwrap();
    let expected = verify(&file_election, &VerifyOptions::default());
    let actual = with_store(&database, async |store| {
        let row = store
            .election(&Actor::system(), "ru-2018")
            .await
            .unwrap()
            .unwrap();
        let dataset = store
            .election_dataset(&Actor::system(), row.id)
            .await
            .unwrap();
        verify(&dataset.election, &VerifyOptions::default())
    });
    assert_eq!(actual.summaries[0].total, expected.summaries[0].total);
    assert_eq!(actual.summaries[0].regions, expected.summaries[0].regions);
    assert_eq!(actual.arithmetic, expected.arithmetic);
}
