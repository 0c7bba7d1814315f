//! Elections (issue 6): stations and areas, official imports with their history and changes,
//! observers' submissions (flagged arithmetic, idempotent replays, concurrent senders),
//! conflicts and their resolution, photos, permissions, and the dataset that must verify
//! exactly as `kuzet verify` does on the same files. Every test ends by checking the audit
//! chain.

use kuzet_protocol::definition::KAZAKHSTAN_2019;
use kuzet_protocol::{Election, ProtocolDefinition, VerifyOptions, verify};
use kuzet_register::{Actor, Role};
use kuzet_store::election_files::{self, StationCodes};
use kuzet_store::{
    AuditVerdict, ElectionRow, Figures, NewElection, NewOfficialImport, NewPhoto, NewStation,
    NewSubmission, OfficialLevel, OfficialRow, Store, StoreError, SubmissionOrigin,
};

use crate::support::{admin, stores, user};

fn figures(pairs: &[(&str, i64)]) -> Figures {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// A Kazakh protocol with two candidates whose arithmetic holds.
fn good(a: i64, b: i64) -> Figures {
    let valid = a + b;
    figures(&[
        ("registered", 1000),
        ("received", 1000),
        ("issued", valid + 10),
        ("cancelled", 1000 - valid - 10),
        ("cast", valid + 10),
        ("invalid", 10),
        ("valid", valid),
        ("Alpha", a),
        ("Beta", b),
    ])
}

fn station(path: &str, code: &str, registered: i64) -> NewStation {
    NewStation {
        area_path: path.split('/').map(str::to_owned).collect(),
        code: code.to_owned(),
        registered_voters: Some(registered),
    }
}

async fn election(store: &Store, slug: &str) -> ElectionRow {
    let created = store
        .create_election(
            &admin(),
            NewElection {
                slug: slug.to_owned(),
                name: "Test election".to_owned(),
                held_on: None,
                definition_text: KAZAKHSTAN_2019.to_owned(),
                candidates: vec!["Alpha".to_owned(), "Beta".to_owned()],
            },
        )
        .await
        .expect("create election");
    store
        .import_stations(
            &admin(),
            created.id,
            vec![
                station("North/District 1", "1", 1000),
                station("North/District 1", "2", 1000),
                station("North/District 2", "3", 1000),
                station("South", "4", 1000),
            ],
        )
        .await
        .expect("import stations");
    created
}

fn submission(election_id: i64, code: &str, key: &str, figures: Figures) -> NewSubmission {
    NewSubmission {
        election_id,
        station_code: code.to_owned(),
        idempotency_key: key.to_owned(),
        figures,
        note: None,
        origin: SubmissionOrigin::Api,
        photos: Vec::new(),
    }
}

async fn assert_chain(store: &Store) {
    assert!(
        matches!(store.verify_audit().await.unwrap(), AuditVerdict::Ok { .. }),
        "the audit chain verifies"
    );
}

fn invalid_message(error: StoreError) -> String {
    match error {
        StoreError::Invalid { field, message } => format!("{field}: {message}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn stations_areas_and_reimports() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "st").await;
        let areas = store.election_areas(&admin(), row.id).await.unwrap();
        let listed: Vec<(String, i64)> = areas
            .iter()
            .map(|a| (a.path.join("/"), a.station_count))
            .collect();
        assert_eq!(
            listed,
            [
                ("North", 3),
                ("North/District 1", 2),
                ("North/District 2", 1),
                ("South", 1)
            ]
            .map(|(p, n)| (p.to_owned(), n)),
            "{}",
            test.backend
        );
        // Importing again moves a station and changes its voters; nothing is duplicated.
        let summary = store
            .import_stations(
                &admin(),
                row.id,
                vec![station("South/Town", "3", 1200), station("South", "5", 800)],
            )
            .await
            .unwrap();
        assert_eq!(
            (
                summary.areas_created,
                summary.stations_created,
                summary.stations_updated
            ),
            (1, 1, 1)
        );
        let north = areas.iter().find(|a| a.name == "North").unwrap().id;
        let codes: Vec<String> = store
            .election_stations(&admin(), row.id, Some(north))
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.code)
            .collect();
        assert_eq!(codes, ["1", "2"], "{}", test.backend);
        let bad = store
            .import_stations(
                &admin(),
                row.id,
                vec![
                    station("South", "6", 1),
                    station("South", "6", 2),
                    station("", "7", 1),
                ],
            )
            .await
            .unwrap_err();
        assert_eq!(
            invalid_message(bad),
            "stations: station 2: the code `6` is also station 1's; station 3: no area"
        );
        assert_eq!(
            store
                .election(&admin(), "st")
                .await
                .unwrap()
                .unwrap()
                .station_count,
            5
        );
        assert_chain(store).await;
    }
}

#[tokio::test]
async fn official_results_keep_history_and_show_changes() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "off").await;
        let first = NewOfficialImport {
            source: "cec-first.csv".to_owned(),
            file_sha256: "a".repeat(64),
            level: OfficialLevel::Station,
            rows: vec![
                OfficialRow {
                    target: "1".into(),
                    stations: None,
                    figures: good(400, 500),
                },
                OfficialRow {
                    target: "2".into(),
                    stations: None,
                    figures: good(300, 600),
                },
            ],
        };
        let summary = store
            .import_official(&admin(), row.id, first)
            .await
            .unwrap();
        assert_eq!(
            (summary.new, summary.changed, summary.unchanged),
            (2, 0, 0),
            "{}",
            test.backend
        );

        // The commission changes station 2 and adds station 3.
        let second = NewOfficialImport {
            source: "cec-second.csv".to_owned(),
            file_sha256: "B".repeat(64),
            level: OfficialLevel::Station,
            rows: vec![
                OfficialRow {
                    target: "1".into(),
                    stations: None,
                    figures: good(400, 500),
                },
                OfficialRow {
                    target: "2".into(),
                    stations: None,
                    figures: good(250, 650),
                },
                OfficialRow {
                    target: "3".into(),
                    stations: None,
                    figures: good(100, 100),
                },
            ],
        };
        let summary2 = store
            .import_official(&admin(), row.id, second)
            .await
            .unwrap();
        assert_eq!(
            (summary2.new, summary2.changed, summary2.unchanged),
            (1, 1, 1)
        );
        let changes: Vec<(String, String, Option<i64>, Option<i64>)> = store
            .official_changes(&admin(), summary2.import_id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.target, c.line_key, c.before, c.after))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("2".to_owned(), "Alpha".to_owned(), Some(300), Some(250)),
                ("2".to_owned(), "Beta".to_owned(), Some(600), Some(650)),
            ]
        );
        let imports = store.official_imports(&admin(), row.id).await.unwrap();
        let listed: Vec<(String, String, i64)> = imports
            .iter()
            .map(|i| (i.source.clone(), i.file_sha256.clone(), i.rows))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("cec-first.csv".to_owned(), "a".repeat(64), 2),
                ("cec-second.csv".to_owned(), "b".repeat(64), 3)
            ]
        );
        let detail = store
            .station_detail(&admin(), row.id, "2")
            .await
            .unwrap()
            .unwrap();
        let history: Vec<Option<i64>> = detail
            .official_history
            .iter()
            .map(|h| h.figures.get("Alpha").copied())
            .collect();
        assert_eq!(history, [Some(300), Some(250)]);
        assert_eq!(
            detail
                .station
                .official
                .as_ref()
                .and_then(|f| f.get("Alpha")),
            Some(&250)
        );

        // All or nothing: every unknown station is named and nothing is stored.
        let bad = NewOfficialImport {
            source: "bad.csv".to_owned(),
            file_sha256: "c".repeat(64),
            level: OfficialLevel::Station,
            rows: vec![
                OfficialRow {
                    target: "1".into(),
                    stations: None,
                    figures: good(1, 1),
                },
                OfficialRow {
                    target: "99".into(),
                    stations: None,
                    figures: good(1, 1),
                },
                OfficialRow {
                    target: "98".into(),
                    stations: None,
                    figures: figures(&[("Gamma", 1)]),
                },
            ],
        };
        assert_eq!(
            invalid_message(
                store
                    .import_official(&admin(), row.id, bad)
                    .await
                    .unwrap_err()
            ),
            "official: 2 unknown stations: 99, 98"
        );
        assert_eq!(
            store
                .official_imports(&admin(), row.id)
                .await
                .unwrap()
                .len(),
            2
        );
        let current = store
            .station_detail(&admin(), row.id, "1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            current.official_history.len(),
            2,
            "the failed import left nothing"
        );

        // Area totals, with their station counts, and unknown areas named.
        let areas = NewOfficialImport {
            source: "totals.csv".to_owned(),
            file_sha256: "d".repeat(64),
            level: OfficialLevel::Area,
            rows: vec![
                OfficialRow {
                    target: "North / District 1".into(),
                    stations: Some(2),
                    figures: figures(&[("Alpha", 700)]),
                },
                OfficialRow {
                    target: "South".into(),
                    stations: Some(1),
                    figures: figures(&[("Alpha", 5)]),
                },
            ],
        };
        store
            .import_official(&admin(), row.id, areas)
            .await
            .unwrap();
        let unknown_area = NewOfficialImport {
            source: "totals2.csv".to_owned(),
            file_sha256: "e".repeat(64),
            level: OfficialLevel::Area,
            rows: vec![
                OfficialRow {
                    target: "West".into(),
                    stations: None,
                    figures: figures(&[("Alpha", 1)]),
                },
                OfficialRow {
                    target: "North/District 9".into(),
                    stations: None,
                    figures: figures(&[("Alpha", 1)]),
                },
            ],
        };
        assert_eq!(
            invalid_message(
                store
                    .import_official(&admin(), row.id, unknown_area)
                    .await
                    .unwrap_err()
            ),
            "official: 2 unknown areas: West, North/District 9"
        );
        let district = store
            .election_areas(&admin(), row.id)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.path == ["North", "District 1"])
            .unwrap();
        assert_eq!(
            (
                district.official_stations,
                district.official.and_then(|f| f.get("Alpha").copied())
            ),
            (Some(2), Some(700))
        );
        assert_chain(store).await;
    }
}

#[tokio::test]
async fn submissions_are_flagged_and_replays_return_the_first() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "sub").await;
        let observer = user(store, "observer-1", Role::Volunteer).await;
        let ok = store
            .submit_protocol(&observer, submission(row.id, "1", "k1", good(400, 500)))
            .await
            .unwrap();
        assert!(
            ok.created && ok.submission.violations.is_empty(),
            "{}",
            test.backend
        );
        assert_eq!(
            ok.submission.submitted_by, None,
            "a volunteer does not see senders"
        );

        // A protocol with valid ballots typed wrong.
        let mut wrong = good(450, 500);
        wrong.insert("valid".to_owned(), 900);
        let flagged = store
            .submit_protocol(&observer, submission(row.id, "2", "k2", wrong.clone()))
            .await
            .unwrap();
        // 960 ballots in the boxes against 900 valid + 10 invalid; 900 valid against
        // 450 + 500 for the candidates. The other relations hold.
        assert_eq!(
            flagged.submission.violations,
            [
                "ballots in boxes = valid + invalid",
                "valid ballots = sum of candidates"
            ]
        );
        assert_eq!(
            row.violations(&wrong).unwrap(),
            flagged.submission.violations
        );

        // A replay returns the first submission; the same key for another protocol is refused.
        let replay = store
            .submit_protocol(&observer, submission(row.id, "2", "k2", wrong.clone()))
            .await
            .unwrap();
        assert!(!replay.created);
        assert_eq!(replay.submission.id, flagged.submission.id);
        let refused = store
            .submit_protocol(&observer, submission(row.id, "2", "k2", good(1, 2)))
            .await
            .unwrap_err();
        assert!(
            invalid_message(refused)
                .starts_with("idempotency_key: was already used for another protocol")
        );
        // Keys are per sender: another observer may use "k2".
        let other = user(store, "observer-2", Role::Volunteer).await;
        assert!(
            store
                .submit_protocol(&other, submission(row.id, "2", "k2", good(450, 450)))
                .await
                .unwrap()
                .created
        );

        let unknown_line = store
            .submit_protocol(
                &observer,
                submission(
                    row.id,
                    "1",
                    "k3",
                    figures(&[("Gamma", 1), ("valid", 2), ("turnout", 3)]),
                ),
            )
            .await
            .unwrap_err();
        assert_eq!(
            invalid_message(unknown_line),
            "figures: not lines of this election's protocol nor candidates: `Gamma`, `turnout`"
        );
        let unknown_station = store
            .submit_protocol(&observer, submission(row.id, "77", "k4", good(1, 1)))
            .await
            .unwrap_err();
        assert_eq!(
            invalid_message(unknown_station),
            "station_code: `77` is not a station of this election"
        );

        let stations = store
            .election_stations(&admin(), row.id, None)
            .await
            .unwrap();
        let two = stations.iter().find(|s| s.code == "2").unwrap();
        assert_eq!((two.submissions, two.flagged, two.conflict), (2, 1, true));
        let all = store.election_submissions(&admin(), row.id).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[0].submitted_by.as_deref(),
            Some("observer-1"),
            "coordinators see senders"
        );
        assert_chain(store).await;
    }
}

#[tokio::test]
async fn concurrent_submissions_are_neither_lost_nor_duplicated() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "load").await;
        let mut observers = Vec::new();
        for n in 0..4 {
            observers.push(user(store, &format!("field-{n}"), Role::Volunteer).await);
        }
        // Every observer sends 25 protocols, each twice at once (a retry racing the original).
        let mut tasks = Vec::new();
        for (o, observer) in observers.iter().enumerate() {
            for k in 0..25i64 {
                for _ in 0..2 {
                    let store = store.clone();
                    let observer = *observer;
                    let new = submission(
                        row.id,
                        &(1 + k % 4).to_string(),
                        &format!("key-{k}"),
                        good(100 + o as i64, k),
                    );
                    tasks.push(tokio::spawn(async move {
                        store.submit_protocol(&observer, new).await
                    }));
                }
            }
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap().expect("every submission is answered"));
        }
        let created = outcomes.iter().filter(|o| o.created).count();
        let mut ids: Vec<i64> = outcomes.iter().map(|o| o.submission.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!((created, ids.len()), (100, 100), "{}", test.backend);
        assert_eq!(
            store
                .election_submissions(&admin(), row.id)
                .await
                .unwrap()
                .len(),
            100
        );
        assert_chain(store).await;
    }
}

#[tokio::test]
async fn conflicts_are_resolved_by_appending() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "conf").await;
        let first = user(store, "first", Role::Volunteer).await;
        let second = user(store, "second", Role::Volunteer).await;
        let coordinator = user(store, "coord", Role::Coordinator).await;
        let a = store
            .submit_protocol(&first, submission(row.id, "1", "x", good(400, 500)))
            .await
            .unwrap()
            .submission;
        let b = store
            .submit_protocol(&second, submission(row.id, "1", "y", good(400, 520)))
            .await
            .unwrap()
            .submission;
        // Identical copies of station 2 are no conflict.
        store
            .submit_protocol(&first, submission(row.id, "2", "z", good(10, 20)))
            .await
            .unwrap();
        store
            .submit_protocol(&second, submission(row.id, "2", "z", good(10, 20)))
            .await
            .unwrap();

        let conflicts = store.conflicts(&coordinator, row.id).await.unwrap();
        assert_eq!(conflicts.len(), 1, "{}", test.backend);
        assert_eq!(conflicts[0].station_code, "1");
        assert_eq!(conflicts[0].submission_ids, [a.id, b.id]);
        assert_eq!(
            conflicts[0].differing_lines,
            ["Beta", "cancelled", "cast", "issued", "valid"]
        );
        assert!(conflicts[0].resolved_by.is_none());
        let dataset = store.election_dataset(&coordinator, row.id).await.unwrap();
        assert_eq!(dataset.conflicting_stations_excluded, 1);
        assert_eq!(
            dataset.election.results()[dataset.observer_set.unwrap()]
                .stations
                .len(),
            1
        );

        // Only a coordinator resolves; a reason is required.
        assert!(matches!(
            store
                .resolve_station(&first, a.station_id, a.id, "mine")
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(
            store
                .resolve_station(&coordinator, a.station_id, a.id, "  ")
                .await
                .is_err()
        );
        store
            .resolve_station(&coordinator, a.station_id, b.id, "photo is legible")
            .await
            .unwrap();
        let latest = store
            .resolve_station(
                &coordinator,
                a.station_id,
                a.id,
                "second look: the first photo matches",
            )
            .await
            .unwrap();
        assert_eq!(latest.actor.as_deref(), Some("coord"));

        let detail = store
            .station_detail(&coordinator, row.id, "1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(detail.submissions.len(), 2, "no copy is overwritten");
        assert_eq!(detail.verifications.len(), 2, "every resolution is kept");
        assert_eq!(detail.station.verified_submission_id, Some(a.id));
        assert_eq!(
            detail
                .submissions
                .iter()
                .filter(|s| s.verified)
                .map(|s| s.id)
                .collect::<Vec<_>>(),
            [a.id]
        );
        let conflicts = store.conflicts(&coordinator, row.id).await.unwrap();
        assert_eq!(
            conflicts[0].resolved_by.as_ref().map(|v| v.submission_id),
            Some(a.id)
        );
        let dataset = store.election_dataset(&coordinator, row.id).await.unwrap();
        assert_eq!(dataset.conflicting_stations_excluded, 0);
        let observed = &dataset.election.results()[dataset.observer_set.unwrap()].stations;
        let one = observed.iter().find(|s| s.station == "1").unwrap();
        assert_eq!(
            one.counts[dataset.election.candidate_column(1)],
            Some(500),
            "the chosen copy"
        );
        // A submission of another station is not a copy of this one.
        let other = store
            .election_submissions(&admin(), row.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.station_code == "2")
            .unwrap();
        assert!(
            store
                .resolve_station(&coordinator, a.station_id, other.id, "wrong")
                .await
                .is_err()
        );
        assert_chain(store).await;
    }
}

#[tokio::test]
async fn photos_are_kept_with_their_hashes() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "ph").await;
        let observer = user(store, "snap", Role::Volunteer).await;
        let intruder = user(store, "other", Role::Volunteer).await;
        let bytes = vec![0xFFu8, 0xD8, 0xFF, 0xD9, 1, 2, 3];
        let photo = NewPhoto {
            original_sha256: "ab".repeat(32),
            original_size: 1234,
            served_bytes: bytes.clone(),
            content_type: "image/jpeg".to_owned(),
            stripped: vec!["gps".to_owned(), "device".to_owned()],
        };
        let mut new = submission(row.id, "3", "p", good(5, 5));
        new.photos = vec![photo.clone()];
        let sent = store
            .submit_protocol(&observer, new)
            .await
            .unwrap()
            .submission;
        assert_eq!(sent.photos.len(), 1, "{}", test.backend);
        let stored = &sent.photos[0];
        assert_eq!(stored.served_sha256, sha256_hex(&bytes));
        assert_eq!(stored.size, 7);
        let (row_back, served) = store.photo(&admin(), stored.id).await.unwrap().unwrap();
        assert_eq!(served, bytes);
        assert_eq!(
            (
                row_back.original_sha256.as_str(),
                row_back.original_size,
                row_back.stripped.clone()
            ),
            (
                photo.original_sha256.as_str(),
                1234,
                vec!["gps".to_owned(), "device".to_owned()]
            )
        );
        // The sender adds a second photo; another observer may not.
        store
            .add_photo(&observer, sent.id, photo.clone())
            .await
            .unwrap();
        assert!(matches!(
            store.add_photo(&intruder, sent.id, photo.clone()).await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store.photo(&Actor::public(), stored.id).await,
            Err(StoreError::Forbidden)
        ));
        let detail = store
            .station_detail(&admin(), row.id, "3")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(detail.submissions[0].photos.len(), 2);
        assert_chain(store).await;
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn permissions_are_checked_in_the_store() {
    for test in stores().await {
        let store = &test.store;
        let row = election(store, "perm").await;
        let volunteer = user(store, "vol", Role::Volunteer).await;
        let analyst = user(store, "ana", Role::Analyst).await;
        let public = Actor::public();
        let new = || NewElection {
            slug: "x".into(),
            name: "X".into(),
            held_on: None,
            definition_text: KAZAKHSTAN_2019.into(),
            candidates: vec![],
        };
        assert!(
            matches!(
                store.create_election(&volunteer, new()).await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            test.backend
        );
        let import = NewOfficialImport {
            source: "s".into(),
            file_sha256: "f".repeat(64),
            level: OfficialLevel::Station,
            rows: vec![OfficialRow {
                target: "1".into(),
                stations: None,
                figures: good(1, 1),
            }],
        };
        assert!(matches!(
            store
                .import_official(&volunteer, row.id, import.clone())
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store
                .import_stations(&volunteer, row.id, vec![station("A", "z", 1)])
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store.set_election_published(&volunteer, row.id, true).await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store
                .submit_protocol(&analyst, submission(row.id, "1", "a", good(1, 1)))
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store
                .submit_protocol(&public, submission(row.id, "1", "a", good(1, 1)))
                .await,
            Err(StoreError::Forbidden)
        ));
        assert!(store.elections(&analyst).await.unwrap().len() == 1);

        // The public sees nothing of an unpublished election, and no copies of a published one.
        store
            .submit_protocol(&volunteer, submission(row.id, "1", "a", good(1, 1)))
            .await
            .unwrap();
        store
            .import_official(&admin(), row.id, import)
            .await
            .unwrap();
        assert!(store.elections(&public).await.unwrap().is_empty());
        assert!(store.election(&public, "perm").await.unwrap().is_none());
        assert!(matches!(
            store.election_dataset(&public, row.id).await,
            Err(StoreError::NotFound)
        ));
        store
            .set_election_published(&admin(), row.id, true)
            .await
            .unwrap();
        assert_eq!(store.elections(&public).await.unwrap().len(), 1);
        let detail = store
            .station_detail(&public, row.id, "1")
            .await
            .unwrap()
            .unwrap();
        assert!(detail.submissions.is_empty() && detail.station.submissions == 0);
        assert!(detail.station.official.is_some());
        assert!(matches!(
            store.conflicts(&public, row.id).await,
            Err(StoreError::Forbidden)
        ));
        assert!(matches!(
            store.election_submissions(&public, row.id).await,
            Err(StoreError::Forbidden)
        ));
        assert!(store.election_dataset(&public, row.id).await.is_ok());
        assert_chain(store).await;
    }
}

/// The Kazakhstan 2019 example through the store: the dataset's verification equals the one
/// of the same files read as `kuzet verify` reads them (official totals first, then the
/// observers' 74 protocols), down to the Nur-Sultan projection 114,991 / 165,246.
#[tokio::test]
async fn kz_2019_dataset_verifies_as_the_files_do() {
    use kuzet_ingest::election::{
        KZ_2019_OBSERVER_PROTOCOLS, KZ_2019_PUBLISHED_TOTALS, load_protocol_table,
    };
    // The store keeps official figures and observers' station copies; the observers' Almaty
    // area totals in the same file are neither, so both sides leave them out.
    let official_totals: String = KZ_2019_PUBLISHED_TOTALS
        .lines()
        .enumerate()
        .filter(|(i, line)| *i == 0 || line.starts_with("official,"))
        .map(|(_, line)| format!("{line}\n"))
        .collect();
    let protocol = ProtocolDefinition::kazakhstan_2019();
    let country = protocol.country.clone();
    let mut files = Election::new("kz", protocol, &country);
    load_protocol_table(
        &mut files,
        "published-totals.csv",
        official_totals.as_bytes(),
    )
    .unwrap();
    load_protocol_table(
        &mut files,
        "observer-protocols.csv",
        KZ_2019_OBSERVER_PROTOCOLS.as_bytes(),
    )
    .unwrap();
    let expected = verify(&files, &VerifyOptions::default());

    for test in stores().await {
        let store = &test.store;
        let row = store
            .create_election(
                &admin(),
                NewElection {
                    slug: "kz-2019".into(),
                    name: "Kazakhstan 2019".into(),
                    held_on: None,
                    definition_text: KAZAKHSTAN_2019.into(),
                    candidates: files.candidates().to_vec(),
                },
            )
            .await
            .unwrap();
        let (official, observer) = (0, 1);
        let areas: Vec<Vec<String>> = files.results()[official]
            .aggregates
            .iter()
            .map(|a| election_files::area_path(&files, a.area))
            .collect();
        store.import_areas(&admin(), row.id, areas).await.unwrap();
        store
            .import_stations(
                &admin(),
                row.id,
                election_files::stations_of(&files, observer, StationCodes::Plain),
            )
            .await
            .unwrap();
        store
            .import_official(
                &admin(),
                row.id,
                NewOfficialImport {
                    source: "published-totals.csv".into(),
                    file_sha256: "0".repeat(64),
                    level: OfficialLevel::Area,
                    rows: election_files::official_area_rows(&files, official),
                },
            )
            .await
            .unwrap();
        let observer_account = user(store, "synthetic-observer", Role::Volunteer).await;
        for station in &files.results()[observer].stations {
            let code = election_files::station_code(&files, station, StationCodes::Plain);
            let outcome = store
                .submit_protocol(
                    &observer_account,
                    submission(
                        row.id,
                        &code,
                        &code,
                        election_files::figures_of(&files, &station.counts),
                    ),
                )
                .await
                .unwrap();
            assert!(outcome.submission.violations.is_empty(), "{code}");
        }
        let dataset = store.election_dataset(&admin(), row.id).await.unwrap();
        assert_eq!(
            (dataset.official_set, dataset.observer_set),
            (Some(0), Some(1))
        );
        assert_eq!(dataset.observer_submissions.len(), 74);
        let actual = verify(&dataset.election, &VerifyOptions::default());
        assert_eq!(actual, expected, "{}", test.backend);
        let projection = actual
            .projections
            .iter()
            .find(|p| dataset.election.areas.name(p.area) == "Nur-Sultan")
            .unwrap();
        let projected: Vec<i64> = projection.candidates[..2]
            .iter()
            .map(|c| c.per_station_mean.value.round() as i64)
            .collect();
        assert_eq!((projection.sampled, projection.total_stations), (74, 239));
        assert_eq!(projected, [114_991, 165_246]);
        assert_chain(store).await;
    }
}

/// A token with only the `submit` scope sends protocols and sees elections, nothing else.
#[tokio::test]
async fn submit_tokens_only_submit() {
    use kuzet_register::{Action, ResourceKind};
    use kuzet_store::ApiTokenScope;
    for test in stores().await {
        let store = &test.store;
        let observer = user(store, "field", Role::Volunteer).await;
        let token = store
            .create_api_token(&observer, "phone", &[ApiTokenScope::Submit])
            .await
            .unwrap();
        let scoped = store.api_token(&token.token).await.unwrap().expect("token");
        assert_eq!(scoped.scopes, [ApiTokenScope::Submit], "{}", test.backend);
        for (action, expected) in [
            (Action::View, false),
            (Action::Export, false),
            (Action::Create, false),
            (Action::Edit, false),
        ] {
            assert_eq!(scoped.allows(action), expected, "{action:?}");
        }
        let covers = |action, kind| ApiTokenScope::Submit.covers(action, kind);
        assert!(covers(Action::Create, ResourceKind::Submission));
        assert!(covers(Action::View, ResourceKind::Election));
        assert!(!covers(Action::View, ResourceKind::Person));
        assert!(!covers(Action::View, ResourceKind::Submission));
        assert!(!covers(Action::Create, ResourceKind::Person));
        assert!(!covers(Action::Edit, ResourceKind::Submission));
        assert!(ApiTokenScope::Read.covers(Action::View, ResourceKind::Submission));
        assert!(!ApiTokenScope::Read.covers(Action::Create, ResourceKind::Submission));
        assert!(ApiTokenScope::Write.covers(Action::Create, ResourceKind::Submission));
        assert_eq!(ApiTokenScope::parse("submit"), Some(ApiTokenScope::Submit));
    }
}
