//! Elections in the web app (issue 6): protocol copies sent through the form and the API
//! (idempotent, flagged when the arithmetic is broken), photos served without their location
//! metadata, conflicts and their resolution, official re-imports with their history, the area
//! page's figures against the CLI's verification of the example files, the public page, the
//! exports, every election route for every role, and snapshots of the main pages.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kuzet_ingest::photo::samples::{jpeg_with, jpeg_with_gps};
use kuzet_ingest::photo::sha256_hex;
use kuzet_protocol::{AreaId, Election, VerifyOptions};
use kuzet_register::{Actor, Role, UserId};
use kuzet_store::{
    ApiTokenScope, ElectionRow, Figures, NewElection, NewOfficialImport, NewStation, NewSubmission,
    OfficialLevel, OfficialRow, Store, SubmissionOrigin,
};

use crate::{Reply, TestApp};

/// The slug of the small test election.
pub const SLUG: &str = "test-2026";
const CANDIDATES: [&str; 2] = ["Candidate A", "Candidate B"];

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|error| panic!("{error}: {} {}", reply.status, reply.body))
}

/// A protocol whose control relations hold, with `a` and `b` votes for the candidates.
fn figures(a: i64, b: i64) -> Vec<(&'static str, i64)> {
    let valid = a + b;
    vec![
        ("registered", 1000),
        ("received", 1000),
        ("issued", valid + 10),
        ("cancelled", 1000 - valid - 10),
        ("cast", valid + 10),
        ("invalid", 10),
        ("valid", valid),
        ("Candidate A", a),
        ("Candidate B", b),
    ]
}

fn as_figures(lines: &[(&str, i64)]) -> Figures {
    lines
        .iter()
        .map(|(key, value)| (key.to_string(), *value))
        .collect()
}

async fn user(store: &Store, name: &str) -> Actor {
    let row = store
        .find_user(&Actor::system(), name)
        .await
        .unwrap()
        .unwrap();
    Actor::user(UserId(row.id), Role::parse(&row.role).unwrap())
}

/// A small election: two areas, three stations, official figures for two of them.
pub async fn small_election(store: &Store) -> ElectionRow {
    let system = Actor::system();
    let election = store
        .create_election(
            &system,
            NewElection {
                slug: SLUG.into(),
                name: "Test election 2026".into(),
                held_on: Some(time::macros::date!(2026 - 11 - 22)),
                definition_text: kuzet_protocol::definition::KAZAKHSTAN_2019.into(),
                candidates: CANDIDATES.iter().map(|c| c.to_string()).collect(),
            },
        )
        .await
        .unwrap();
    let station = |path: &[&str], code: &str| NewStation {
        area_path: path.iter().map(|p| p.to_string()).collect(),
        code: code.into(),
        registered_voters: Some(1000),
    };
    store
        .import_stations(
            &system,
            election.id,
            vec![
                station(&["North", "District 1"], "101"),
                station(&["North", "District 1"], "102"),
                station(&["South"], "201"),
            ],
        )
        .await
        .unwrap();
    let row = |target: &str, a: i64, b: i64| OfficialRow {
        target: target.into(),
        stations: None,
        figures: as_figures(&figures(a, b)),
    };
    let import = NewOfficialImport {
        source: "commission site, first publication".into(),
        file_sha256: "0".repeat(64),
        level: OfficialLevel::Station,
        rows: vec![row("101", 300, 290), row("102", 310, 280)],
    };
    store
        .import_official(&system, election.id, import)
        .await
        .unwrap();
    store.election(&system, SLUG).await.unwrap().unwrap()
}

async fn app_with_election() -> (TestApp, ElectionRow) {
    let (app, _) = TestApp::with_fixture().await;
    let election = small_election(&app.store).await;
    (app, election)
}

/// A `multipart/form-data` body with text fields and files `(field, file name, bytes)`.
fn multipart(path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Request<Body> {
    let boundary = "kuzet-test-boundary-7d3f";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// The value of a hidden field in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// The form's fields for `lines`, numbered by column as the form numbers them.
fn form_fields(election: &ElectionRow, lines: &[(&str, i64)]) -> Vec<(String, String)> {
    let keys = election.figure_keys().unwrap();
    lines
        .iter()
        .map(|(key, value)| {
            (
                format!("line_{}", keys.iter().position(|k| k == key).unwrap()),
                value.to_string(),
            )
        })
        .collect()
}

/// Sends the protocol form as the signed-in browser of `app`, with the key the form page gave.
async fn send_form(
    app: &mut TestApp,
    station: &str,
    lines: &[(&str, i64)],
    key: &str,
    photos: &[(&str, &str, &[u8])],
) -> Reply {
    let election = app
        .store
        .election(&Actor::system(), SLUG)
        .await
        .unwrap()
        .unwrap();
    let csrf = app.csrf().await;
    let fields = form_fields(&election, lines);
    let mut all: Vec<(&str, &str)> = vec![("idempotency_key", key), ("station", station)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.send(multipart(
        &format!("/elections/{SLUG}/submit?csrf={}", crate::encode(&csrf)),
        &all,
        photos,
    ))
    .await
}

fn json_post(path: &str, body: &str, token: &str, key: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn the_form_flags_broken_arithmetic_and_a_resent_form_counts_once() {
    let (mut app, election) = app_with_election().await;
    app.login("volunteer").await;
    let form = app
        .get(&format!("/elections/{SLUG}/submit?station=201"))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csp = form.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.starts_with("default-src 'none'"),
        "{csp}"
    );
    assert!(
        form.body
            .contains("<script src=\"/static/protocol-check.js\" defer></script>")
    );
    assert!(!form.body.contains("<script>"), "no inline script");
    assert!(form.body.contains("data-relations=\"") && form.body.contains("inputmode=\"numeric\""));
    let key = hidden(&form.body, "idempotency_key");
    assert_eq!(key.len(), 64);
    let script = app.get("/static/protocol-check.js").await;
    assert!(
        script.header("content-type").starts_with("text/javascript")
            && script.body.contains("data-relations")
    );

    // Valid ballots 590, but the candidates' votes add up to 600.
    let mut broken = figures(300, 290);
    broken[7] = ("Candidate A", 310);
    let sent = send_form(&mut app, "201", &broken, &key, &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.header("location").to_owned();
    assert!(
        location.starts_with(&format!("/elections/{SLUG}/stations/201?received=")),
        "{location}"
    );
    let page = app.get(&location).await;
    assert!(
        page.body.contains("Your copy was received"),
        "{}",
        page.body
    );
    assert!(page.body.contains("It was accepted but flagged"));
    assert!(page.body.contains("valid ballots = sum of candidates"));

    // The same form sent again (a double tap, a reload) returns the first copy.
    let again = send_form(&mut app, "201", &broken, &key, &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(
        again.header("location").ends_with("&replayed=1"),
        "{}",
        again.header("location")
    );
    assert_eq!(
        again
            .header("location")
            .split("received=")
            .nth(1)
            .unwrap()
            .split('&')
            .next(),
        location.split("received=").nth(1)
    );
    assert!(
        app.get(again.header("location"))
            .await
            .body
            .contains("had already been received")
    );
    let detail = app
        .store
        .station_detail(&Actor::system(), election.id, "201")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.submissions.len(), 1);
    assert_eq!(
        detail.submissions[0].violations,
        vec!["valid ballots = sum of candidates".to_owned()]
    );
    assert_eq!(detail.submissions[0].origin, SubmissionOrigin::Web);

    // Letters in a figure and an unknown station come back with the input kept.
    let bad = send_form(&mut app, "999", &[("registered", 1000)], &kuzet_key(), &[]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("is not a station of this election") || bad.body.contains("999"),
        "{}",
        bad.body
    );
    let csrf = app.csrf().await;
    let letters = app
        .send(multipart(
            &format!("/elections/{SLUG}/submit?csrf={csrf}"),
            &[
                ("idempotency_key", &kuzet_key()),
                ("station", "201"),
                ("line_0", "12a"),
            ],
            &[],
        ))
        .await;
    assert_eq!(letters.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        letters
            .body
            .contains("`12a` is not a whole number of 0 or more")
            && letters.body.contains("value=\"12a\"")
    );
    // Without the CSRF token in the action, nothing is taken.
    let forged = app
        .send(multipart(
            &format!("/elections/{SLUG}/submit"),
            &[("station", "201")],
            &[],
        ))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

fn kuzet_key() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    format!("test-key-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

#[tokio::test]
async fn api_submissions_are_idempotent_and_a_submit_token_does_nothing_else() {
    let (mut app, election) = app_with_election().await;
    let volunteer = user(&app.store, "volunteer").await;
    let token = app
        .store
        .create_api_token(&volunteer, "field app", &[ApiTokenScope::Submit])
        .await
        .unwrap()
        .token;
    let path = format!("/api/v1/elections/{SLUG}/submissions");
    let body = serde_json::json!({ "station": "101", "figures": as_figures(&figures(300, 290)) })
        .to_string();

    let first = app
        .send(json_post(&path, &body, &token, Some("phone-1-0001")))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let first = json(&first);
    assert_eq!(
        (first["created"].as_bool(), first["flagged"].as_bool()),
        (Some(true), Some(false))
    );
    let replay = app
        .send(json_post(&path, &body, &token, Some("phone-1-0001")))
        .await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(json(&replay)["submission"]["id"], first["submission"]["id"]);
    // The key may come as a field instead of the header.
    let in_body = serde_json::json!({ "station": "101", "figures": as_figures(&figures(300, 290)), "idempotency_key": "phone-1-0001" });
    let replay = app
        .send(json_post(&path, &in_body.to_string(), &token, None))
        .await;
    assert_eq!(
        (replay.status, json(&replay)["submission"]["id"].clone()),
        (StatusCode::OK, first["submission"]["id"].clone())
    );
    let second = app
        .send(json_post(&path, &body, &token, Some("phone-1-0002")))
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_ne!(json(&second)["submission"]["id"], first["submission"]["id"]);

    let check = |reply: &Reply, field: &str| {
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(
            json(reply)["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{field}: {}",
            reply.body
        );
    };
    check(
        &app.send(json_post(&path, &body, &token, None)).await,
        "idempotency_key",
    );
    let unknown = serde_json::json!({ "station": "101", "figures": { "turnout": 5 } }).to_string();
    check(
        &app.send(json_post(&path, &unknown, &token, Some("k-3")))
            .await,
        "figures.turnout",
    );
    let nowhere = serde_json::json!({ "station": "999", "figures": { "valid": 5 } }).to_string();
    check(
        &app.send(json_post(&path, &nowhere, &token, Some("k-4")))
            .await,
        "station",
    );

    // A submit-only token reads nothing of the register and cannot resolve or import.
    let persons = Request::get("/api/v1/persons")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(persons).await.status, StatusCode::FORBIDDEN);
    let resolve = json_post(
        &format!("/api/v1/elections/{SLUG}/conflicts/1/resolve"),
        r#"{"submission":1,"reason":"x"}"#,
        &token,
        None,
    );
    assert_eq!(app.send(resolve).await.status, StatusCode::FORBIDDEN);
    let detail = app
        .store
        .station_detail(&Actor::system(), election.id, "101")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        detail.submissions.len(),
        2,
        "two keys, two copies; the replays added none"
    );
    assert!(
        detail
            .submissions
            .iter()
            .all(|s| s.origin == SubmissionOrigin::Api)
    );
}

#[tokio::test]
async fn photos_come_back_without_gps_and_with_the_original_hash_shown() {
    let (mut app, election) = app_with_election().await;
    app.login("volunteer").await;
    let photo = jpeg_with_gps();
    let form = app.get(&format!("/elections/{SLUG}/submit")).await;
    let key = hidden(&form.body, "idempotency_key");
    let sent = send_form(
        &mut app,
        "102",
        &figures(310, 280),
        &key,
        &[("photo", "IMG_0001.jpg", &photo)],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let page = app.get(sent.header("location")).await;
    let original_hash = sha256_hex(&photo);
    assert!(
        page.body.contains(&original_hash),
        "the page shows the original's SHA-256"
    );
    let detail = app
        .store
        .station_detail(&Actor::system(), election.id, "102")
        .await
        .unwrap()
        .unwrap();
    let stored = &detail.submissions[0].photos[0];
    assert_eq!(
        (stored.original_sha256.as_str(), stored.stripped.clone()),
        (original_hash.as_str(), vec!["exif".to_owned()])
    );
    assert!(
        page.body
            .contains(&format!("<img src=\"/photos/{}\"", stored.id))
    );

    let served = app.get(&format!("/photos/{}", stored.id)).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "image/jpeg");
    assert_eq!(served.header("x-content-type-options"), "nosniff");
    assert!(
        served
            .header("content-disposition")
            .starts_with("inline; filename=\"protocol-photo-")
    );
    assert!(
        !served.body.contains("Exif")
            && !served.body.contains("SyntheticPhone")
            && !served.body.contains("Model X-1")
    );
    assert_eq!(
        served.body,
        String::from_utf8_lossy(&jpeg_with(&[])),
        "the served copy is the original without its EXIF segment"
    );
    assert_eq!(
        served.header("x-served-sha256"),
        sha256_hex(&jpeg_with(&[]))
    );

    // A photo added through the API to the same copy; a file that is not an image is refused.
    let submission = detail.submissions[0].id;
    let csrf = app.csrf().await;
    let upload = |bytes: Vec<u8>| {
        Request::post(format!("/api/v1/submissions/{submission}/photos"))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header("x-csrf-token", csrf.clone())
            .body(Body::from(bytes))
            .unwrap()
    };
    let added = app.send(upload(photo.clone())).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(json(&added)["original_sha256"], original_hash.as_str());
    let refused = app.send(upload(b"<svg onload=alert(1)>".to_vec())).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("not a JPEG or PNG"),
        "{}",
        refused.body
    );

    // Nobody signed in sees no photo.
    let mut stranger = app.browser();
    assert_eq!(
        stranger.get(&format!("/photos/{}", stored.id)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn conflicting_copies_are_shown_side_by_side_and_resolved_without_overwriting() {
    let (mut app, election) = app_with_election().await;
    let volunteer = user(&app.store, "volunteer").await;
    let admin = user(&app.store, "admin").await;
    for (actor, a, key) in [(&volunteer, 300, "v-1"), (&admin, 305, "a-1")] {
        let new = NewSubmission {
            election_id: election.id,
            station_code: "101".into(),
            idempotency_key: key.into(),
            figures: as_figures(&figures(a, 290)),
            note: None,
            origin: SubmissionOrigin::Api,
            photos: Vec::new(),
        };
        app.store.submit_protocol(actor, new).await.unwrap();
    }
    app.login("coordinator").await;
    let page = app.get(&format!("/elections/{SLUG}/conflicts")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Station 101") && page.body.contains("class=\"num differs\""),
        "{}",
        page.body
    );
    let ids: Vec<i64> = app
        .store
        .station_detail(&Actor::system(), election.id, "101")
        .await
        .unwrap()
        .unwrap()
        .submissions
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids.len(), 2);
    let station_id = app
        .store
        .station_detail(&Actor::system(), election.id, "101")
        .await
        .unwrap()
        .unwrap()
        .station
        .id;
    let area = app
        .store
        .election_areas(&Actor::system(), election.id)
        .await
        .unwrap()[0]
        .id;
    let area_page = app.get(&format!("/elections/{SLUG}/areas/{area}")).await;
    assert!(
        area_page
            .body
            .contains("1 station(s) of this election are left out of the observed sample"),
        "{}",
        area_page.body
    );
    let csrf = app.csrf().await;
    let empty_reason = app
        .post_form(
            &format!("/elections/{SLUG}/conflicts/resolve"),
            &[
                ("csrf", &csrf),
                ("station", &station_id.to_string()),
                ("submission", &ids[0].to_string()),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(empty_reason.status, StatusCode::BAD_REQUEST);
    let resolved = app
        .post_form(
            &format!("/elections/{SLUG}/conflicts/resolve"),
            &[
                ("csrf", &csrf),
                ("station", &station_id.to_string()),
                ("submission", &ids[0].to_string()),
                ("reason", "matches the photo"),
            ],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    // A second opinion through the API: added, and in force; the first stays in the history.
    let coordinator = user(&app.store, "coordinator").await;
    let token = app
        .store
        .create_api_token(&coordinator, "desk", &[ApiTokenScope::Write])
        .await
        .unwrap()
        .token;
    let body = serde_json::json!({ "submission": ids[1], "reason": "the commission's stamp is on this one" }).to_string();
    let api = app
        .send(json_post(
            &format!("/api/v1/elections/{SLUG}/conflicts/{station_id}/resolve"),
            &body,
            &token,
            None,
        ))
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let station = app.get(&format!("/elections/{SLUG}/stations/101")).await;
    assert!(
        station.body.contains("matches the photo")
            && station
                .body
                .contains("the commission&#x27;s stamp is on this one"),
        "{}",
        station.body
    );
    let detail = app
        .store
        .station_detail(&Actor::system(), election.id, "101")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.submissions.len(), 2, "both copies are kept");
    assert_eq!(detail.verifications.len(), 2);
    assert_eq!(detail.station.verified_submission_id, Some(ids[1]));
    let conflicts = json(
        &app.send(
            Request::get(format!("/api/v1/elections/{SLUG}/conflicts"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    );
    assert_eq!(
        conflicts["conflicts"][0]["resolved_by"]["submission_id"],
        ids[1]
    );
    // The volunteer may not choose.
    let mut observer = app.browser();
    observer.login("volunteer").await;
    let csrf = observer.csrf().await;
    let refused = observer
        .post_form(
            &format!("/elections/{SLUG}/conflicts/resolve"),
            &[
                ("csrf", &csrf),
                ("station", &station_id.to_string()),
                ("submission", &ids[0].to_string()),
                ("reason", "mine"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn official_reimports_keep_the_history_and_show_the_changes() {
    let (mut app, election) = app_with_election().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let page = app.get(&format!("/elections/{SLUG}/official")).await;
    assert!(
        page.body.contains("commission site, first publication"),
        "{}",
        page.body
    );
    let upload = |csv: &str, csrf: &str| {
        multipart(
            &format!("/elections/{SLUG}/official?csrf={csrf}"),
            &[("source", "commission site, corrected")],
            &[("file", "official.csv", csv.as_bytes())],
        )
    };
    // Candidate A at station 101 goes from 300 to 350 (and valid with it).
    let corrected = "station,registered,valid,Candidate A,Candidate B\n101,1000,640,350,290\n102,1000,590,310,280\n";
    let done = app.send(upload(corrected, &csrf)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let changes = app.get(done.header("location")).await;
    assert_eq!(changes.status, StatusCode::OK);
    assert!(
        changes.body.contains("commission site, corrected"),
        "{}",
        changes.body
    );
    let changed_rows: Vec<&str> = changes
        .body
        .lines()
        .filter(|line| line.contains("<tr class=\"changed\">"))
        .collect();
    assert!(
        changed_rows.iter().any(|row| row.contains(
            "<td>101</td><td>Candidate A</td><td class=\"num\">300</td><td class=\"num\">350</td>"
        )),
        "{changed_rows:?}"
    );
    let station = app.get(&format!("/elections/{SLUG}/stations/101")).await;
    assert!(
        station.body.contains("first published figures")
            && station.body.contains("Candidate A: 300 → 350"),
        "{}",
        station.body
    );
    let imports = app
        .store
        .official_imports(&Actor::system(), election.id)
        .await
        .unwrap();
    assert_eq!(imports.len(), 2);

    // A broken file imports nothing and names every bad cell.
    let broken = "station,registered,turnout\n101,ten,5\n";
    let refused = app.send(upload(broken, &csrf)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("`turnout` is not a line")
            && refused
                .body
                .contains("line 2, column 2 (registered): `ten`"),
        "{}",
        refused.body
    );
    let unknown = app
        .send(upload("station,valid\n101,5\n777,5\n", &csrf))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("777"), "{}", unknown.body);
    assert_eq!(
        app.store
            .official_imports(&Actor::system(), election.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

/// The case study's files, read as `kuzet verify examples/kz-2019/observer-protocols.csv
/// examples/kz-2019/published-totals.csv` reads them.
fn kz_2019_from_files() -> Election {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kz-2019");
    let protocol = kuzet_protocol::ProtocolDefinition::kazakhstan_2019();
    let country = protocol.country.clone();
    let mut election = Election::new("kz-2019", protocol, &country);
    for file in ["observer-protocols.csv", "published-totals.csv"] {
        let bytes = std::fs::read(root.join(file)).unwrap();
        kuzet_ingest::election::load_protocol_table(&mut election, file, &bytes).unwrap();
    }
    election
}

/// Loads the file election into the store: its stations, the official area totals, and each
/// observer row as one volunteer's copy.
async fn store_kz_2019(store: &Store, files: &Election) -> ElectionRow {
    let system = Actor::system();
    let row = store
        .create_election(
            &system,
            NewElection {
                slug: "kz-2019".into(),
                name: files.title.clone(),
                held_on: Some(time::macros::date!(2019 - 06 - 09)),
                definition_text: kuzet_protocol::definition::KAZAKHSTAN_2019.into(),
                candidates: files.candidates().to_vec(),
            },
        )
        .await
        .unwrap();
    let path = |area: AreaId| -> Vec<String> {
        files.areas.path(area)[1..]
            .iter()
            .map(|p| p.to_string())
            .collect()
    };
    let observer = files
        .results()
        .iter()
        .find(|set| set.source == "observer")
        .unwrap();
    let official = files
        .results()
        .iter()
        .find(|set| set.source == "official")
        .unwrap();
    let stations = observer
        .stations
        .iter()
        .map(|s| NewStation {
            area_path: path(s.area),
            code: s.station.clone(),
            registered_voters: files.registered(&s.counts),
        })
        .collect();
    store
        .import_stations(&system, row.id, stations)
        .await
        .unwrap();
    store
        .import_areas(
            &system,
            row.id,
            official.aggregates.iter().map(|a| path(a.area)).collect(),
        )
        .await
        .unwrap();
    let figures_of = |counts: &[Option<i64>]| -> Figures {
        counts
            .iter()
            .enumerate()
            .filter_map(|(c, v)| v.map(|v| (files.column_key(c).to_owned(), v)))
            .collect()
    };
    let rows = official
        .aggregates
        .iter()
        .map(|a| OfficialRow {
            target: path(a.area).join("/"),
            stations: a.stations.map(i64::from),
            figures: figures_of(&a.counts),
        })
        .collect();
    store
        .import_official(
            &system,
            row.id,
            NewOfficialImport {
                source: "published-totals.csv".into(),
                file_sha256: "0".repeat(64),
                level: OfficialLevel::Area,
                rows,
            },
        )
        .await
        .unwrap();
    let volunteer = user(store, "volunteer").await;
    for (i, station) in observer.stations.iter().enumerate() {
        let new = NewSubmission {
            election_id: row.id,
            station_code: station.station.clone(),
            idempotency_key: format!("kz-{i}"),
            figures: figures_of(&station.counts),
            note: None,
            origin: SubmissionOrigin::Import,
            photos: Vec::new(),
        };
        store.submit_protocol(&volunteer, new).await.unwrap();
    }
    row
}

#[tokio::test]
async fn the_area_page_shows_the_figures_kuzet_verify_computes_from_the_files() {
    let (mut app, _) = TestApp::with_fixture().await;
    let files = kz_2019_from_files();
    let election = store_kz_2019(&app.store, &files).await;
    let areas = app
        .store
        .election_areas(&Actor::system(), election.id)
        .await
        .unwrap();
    let nur_sultan = areas
        .iter()
        .find(|a| a.path == ["Nur-Sultan"])
        .expect("the area is stored");

    // What the CLI computes: `kuzet verify --json --area Nur-Sultan` on the two files.
    let scope = files.areas.find_child(files.areas.root(), "Nur-Sultan");
    let verification = kuzet_protocol::verify(
        &files,
        &VerifyOptions {
            scope,
            ..VerifyOptions::default()
        },
    );
    let cli = kuzet_report::verify::build_in(
        &files,
        &verification,
        Some("Nur-Sultan"),
        None,
        kuzet_report::verify::Language::English,
    );
    let cli = kuzet_report::verify::render_json(&cli);
    assert!(
        !cli["projections"].as_array().unwrap().is_empty(),
        "the files give a projection for Nur-Sultan"
    );

    app.login("analyst").await;
    let web = json(
        &app.get(&format!(
            "/elections/kz-2019/areas/{}/verification.json",
            nur_sultan.id
        ))
        .await,
    );
    for section in ["projections", "regions"] {
        assert_eq!(web[section], cli[section], "{section}");
    }
    assert_eq!(
        web["arithmetic"]["relations"],
        cli["arithmetic"]["relations"]
    );
    let flagged = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["outliers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| {
                g["flagged"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| (o["station"].to_string(), o["robust_z"].to_string()))
            })
            .collect()
    };
    assert_eq!(flagged(&web), flagged(&cli));

    let page = app
        .get(&format!("/elections/kz-2019/areas/{}", nur_sultan.id))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let tokayev = verification.projections[0]
        .candidates
        .iter()
        .find(|c| files.candidates()[c.candidate] == "Kasym-Zhomart Tokayev")
        .unwrap();
    let projected = tokayev.per_station_mean.value.round() as i64;
    assert!(
        page.body
            .contains(&format!("<td class=\"num\">{projected}</td>")),
        "the page shows the projection {projected}"
    );
    assert!(
        page.body
            .contains("The projection for Kasym-Zhomart Tokayev as copies came in"),
        "the projection as the sample grew is drawn"
    );
    assert!(page.body.contains("<figure class=\"growth\">") && page.body.contains("<polyline"));
    assert!(
        page.body.contains("74 of 239 stations observed"),
        "the sample's size"
    );
}

#[tokio::test]
async fn the_public_page_shows_only_what_was_published_and_nothing_about_observers() {
    let (mut app, election) = app_with_election().await;
    let volunteer = user(&app.store, "volunteer").await;
    let new = NewSubmission {
        election_id: election.id,
        station_code: "101".into(),
        idempotency_key: "p-1".into(),
        figures: as_figures(&figures(300, 290)),
        note: Some("seen at the count myself".into()),
        origin: SubmissionOrigin::Web,
        photos: Vec::new(),
    };
    app.store.submit_protocol(&volunteer, new).await.unwrap();
    let mut public = app.browser();
    assert_eq!(
        public
            .get(&format!("/public/elections/{SLUG}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        public.get(&format!("/elections/{SLUG}")).await.status,
        StatusCode::SEE_OTHER,
        "the app's pages need a sign-in"
    );
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let published = app
        .post_form(
            &format!("/elections/{SLUG}/publication"),
            &[("csrf", &csrf), ("published", "on")],
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let page = public.get(&format!("/public/elections/{SLUG}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Test election 2026"));
    for secret in [
        "volunteer",
        "seen at the count myself",
        "/photos/",
        "idempotency",
    ] {
        assert!(
            !page.body.contains(secret),
            "the public page shows {secret}"
        );
    }
    let withdrawn = app
        .post_form(
            &format!("/elections/{SLUG}/publication"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(
        public
            .get(&format!("/public/elections/{SLUG}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn exports_give_the_verified_protocols_and_the_comparison() {
    let (mut app, election) = app_with_election().await;
    let volunteer = user(&app.store, "volunteer").await;
    // Station 102's copy differs from the official figures by 5 votes for Candidate A.
    for (code, a, key) in [("101", 300, "e-1"), ("102", 315, "e-2")] {
        let mut lines = figures(a, 280);
        if code == "101" {
            lines = figures(300, 290);
        }
        let new = NewSubmission {
            election_id: election.id,
            station_code: code.into(),
            idempotency_key: key.into(),
            figures: as_figures(&lines),
            note: None,
            origin: SubmissionOrigin::Web,
            photos: Vec::new(),
        };
        app.store.submit_protocol(&volunteer, new).await.unwrap();
    }
    app.login("analyst").await;
    let csv = app
        .get(&format!("/elections/{SLUG}/export/protocols.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.header("content-disposition")
            .contains("kuzet-test-2026-protocols.csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(
        lines[0].starts_with("area,station,submission,received_at,\"registered\""),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(
        csv.body.contains("\"North / District 1\",\"102\""),
        "{}",
        csv.body
    );
    let protocols = json(
        &app.get(&format!("/elections/{SLUG}/export/protocols.json"))
            .await,
    );
    assert_eq!(protocols.as_array().unwrap().len(), 2);
    let comparison = app
        .get(&format!("/elections/{SLUG}/export/comparison.csv"))
        .await;
    assert!(
        comparison
            .body
            .contains("\"observer\",\"North / District 1\",\"102\",\"Candidate A\",315,310,5"),
        "{}",
        comparison.body
    );
    let report = app
        .get(&format!("/elections/{SLUG}/export/report.html"))
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report
            .header("content-security-policy")
            .contains("style-src 'self' 'sha256-")
    );
    assert_eq!(
        app.get(&format!("/elections/{SLUG}/export/secrets.txt"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// What a role should get: a status, or `login` for a redirect to the sign-in page.
type Expected = [&'static str; 5];
const COLUMNS: [&str; 5] = ["admin", "coordinator", "volunteer", "analyst", "public"];
const STAFF_PAGE: Expected = ["200", "200", "200", "200", "login"];
const STAFF_API: Expected = ["200", "200", "200", "200", "401"];
const COORDINATORS_PAGE: Expected = ["200", "200", "403", "403", "login"];
const COORDINATORS_POST: Expected = ["303", "303", "403", "403", "401"];

enum Call {
    Get(&'static str),
    Form(&'static str, &'static [(&'static str, &'static str)]),
    Json(&'static str, &'static str),
    Multipart(
        &'static str,
        &'static [(&'static str, &'static str)],
        Option<&'static str>,
    ),
    Raw(&'static str, &'static str, &'static [u8]),
}

/// Every election route, reads before changes. `{area}`, `{station}`, `{submission}` and
/// `{photo}` are filled from the fixture.
const ROUTES: &[(Call, Expected)] = &[
    (Call::Get("/elections"), STAFF_PAGE),
    (Call::Get("/elections/test-2026"), STAFF_PAGE),
    (
        Call::Get("/elections/no-such-election"),
        ["404", "404", "404", "404", "login"],
    ),
    (Call::Get("/elections/test-2026/areas/{area}"), STAFF_PAGE),
    (
        Call::Get("/elections/test-2026/areas/{area}/verification.json"),
        STAFF_PAGE,
    ),
    (
        Call::Get("/elections/test-2026/areas/{area}/forensics"),
        ["404", "404", "404", "404", "login"],
    ),
    (Call::Get("/elections/test-2026/stations/101"), STAFF_PAGE),
    (
        Call::Get("/elections/test-2026/submit"),
        ["200", "200", "200", "403", "login"],
    ),
    (Call::Get("/elections/test-2026/conflicts"), STAFF_PAGE),
    (
        Call::Get("/elections/test-2026/official"),
        COORDINATORS_PAGE,
    ),
    (Call::Get("/elections/new"), COORDINATORS_PAGE),
    (
        Call::Get("/elections/test-2026/export/protocols.csv"),
        STAFF_PAGE,
    ),
    (
        Call::Get("/elections/test-2026/export/comparison.json"),
        STAFF_PAGE,
    ),
    (
        Call::Get("/elections/test-2026/export/report.html"),
        STAFF_PAGE,
    ),
    (
        Call::Get("/public/elections/test-2026"),
        ["404", "404", "404", "404", "404"],
    ),
    (Call::Get("/photos/{photo}"), STAFF_PAGE),
    (
        Call::Get("/static/protocol-check.js"),
        ["200", "200", "200", "200", "200"],
    ),
    (Call::Get("/api/v1/elections"), STAFF_API),
    (
        Call::Get("/api/v1/elections/test-2026/stations/101"),
        STAFF_API,
    ),
    (
        Call::Get("/api/v1/elections/test-2026/conflicts"),
        STAFF_API,
    ),
    (
        Call::Multipart(
            "/elections/test-2026/submit",
            &[
                ("station", "201"),
                ("line_0", "1000"),
                ("idempotency_key", "matrix-form"),
            ],
            None,
        ),
        ["303", "303", "303", "403", "401"],
    ),
    (
        Call::Json(
            "/api/v1/elections/test-2026/submissions",
            r#"{"station":"201","figures":{"registered":1000},"idempotency_key":"matrix-api"}"#,
        ),
        ["201", "201", "201", "403", "401"],
    ),
    (
        Call::Raw("/api/v1/submissions/{submission}/photos", "image/jpeg", &[]),
        ["201", "201", "201", "403", "401"],
    ),
    (
        Call::Form(
            "/elections/test-2026/conflicts/resolve",
            &[
                ("station", "{station}"),
                ("submission", "{submission}"),
                ("reason", "matrix"),
            ],
        ),
        COORDINATORS_POST,
    ),
    (
        Call::Json(
            "/api/v1/elections/test-2026/conflicts/{station}/resolve",
            r#"{"submission":{submission},"reason":"matrix"}"#,
        ),
        ["201", "201", "403", "403", "401"],
    ),
    (
        Call::Multipart(
            "/elections/test-2026/official",
            &[("source", "matrix")],
            Some("station,valid\n101,590\n"),
        ),
        COORDINATORS_POST,
    ),
    (
        Call::Raw(
            "/api/v1/elections/test-2026/official",
            "text/csv",
            b"station,valid\n102,590\n",
        ),
        ["201", "201", "403", "403", "401"],
    ),
    (
        Call::Form(
            "/elections/new",
            &[
                ("slug", "matrix-2026"),
                ("name", "Matrix"),
                ("protocol", "kz"),
                ("candidates", "A\nB"),
            ],
        ),
        COORDINATORS_POST,
    ),
    (
        Call::Multipart(
            "/elections/test-2026/stations",
            &[],
            Some("area,station,registered\nEast,301,900\n"),
        ),
        COORDINATORS_POST,
    ),
    (
        Call::Form("/elections/test-2026/publication", &[("published", "on")]),
        COORDINATORS_POST,
    ),
];

#[tokio::test]
async fn every_election_route_for_every_role() {
    let mut failures = Vec::new();
    for (column, role) in COLUMNS.iter().enumerate() {
        let (mut app, election) = app_with_election().await;
        // One copy with a photo, so the photo route and the resolution have something to act on.
        let volunteer = user(&app.store, "volunteer").await;
        let cleaned = kuzet_ingest::photo::clean_photo(&jpeg_with_gps()).unwrap();
        let photo = kuzet_store::NewPhoto {
            original_sha256: cleaned.original_sha256,
            original_size: cleaned.original_size as i64,
            served_bytes: cleaned.served,
            content_type: "image/jpeg".into(),
            stripped: cleaned.removed,
        };
        let new = NewSubmission {
            election_id: election.id,
            station_code: "101".into(),
            idempotency_key: "matrix-fixture".into(),
            figures: as_figures(&figures(300, 290)),
            note: None,
            origin: SubmissionOrigin::Web,
            photos: vec![photo],
        };
        let outcome = app.store.submit_protocol(&volunteer, new).await.unwrap();
        let area = app
            .store
            .election_areas(&Actor::system(), election.id)
            .await
            .unwrap()[0]
            .id;
        let fill = |text: &str| {
            text.replace("{area}", &area.to_string())
                .replace("{station}", &outcome.submission.station_id.to_string())
                .replace("{submission}", &outcome.submission.id.to_string())
                .replace("{photo}", &outcome.submission.photos[0].id.to_string())
        };
        if *role != "public" {
            app.login(role).await;
        }
        let csrf = app.csrf().await;
        for (call, expected) in ROUTES {
            let (label, reply) = match call {
                Call::Get(path) => {
                    let path = fill(path);
                    (format!("GET {path}"), app.get(&path).await)
                }
                Call::Form(path, fields) => {
                    let path = fill(path);
                    let values: Vec<(String, String)> = fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), fill(v)))
                        .collect();
                    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                    all.extend(values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    (format!("POST {path}"), app.post_form(&path, &all).await)
                }
                Call::Json(path, body) => {
                    let path = fill(path);
                    let request = Request::post(&path)
                        .header(header::CONTENT_TYPE, "application/json")
                        .header("x-csrf-token", &csrf)
                        .body(Body::from(fill(body)))
                        .unwrap();
                    (format!("POST {path} (JSON)"), app.send(request).await)
                }
                Call::Multipart(path, fields, file) => {
                    let path = format!("{}?csrf={}", fill(path), crate::encode(&csrf));
                    let files: Vec<(&str, &str, &[u8])> = file
                        .iter()
                        .map(|csv| ("file", "official.csv", csv.as_bytes()))
                        .collect();
                    (
                        format!("POST {path} (multipart)"),
                        app.send(multipart(&path, fields, &files)).await,
                    )
                }
                Call::Raw(path, content_type, body) => {
                    let path = fill(path);
                    let body = if body.is_empty() {
                        jpeg_with_gps()
                    } else {
                        body.to_vec()
                    };
                    let request = Request::post(&path)
                        .header(header::CONTENT_TYPE, *content_type)
                        .header("x-csrf-token", &csrf)
                        .body(Body::from(body))
                        .unwrap();
                    (
                        format!("POST {path} ({content_type})"),
                        app.send(request).await,
                    )
                }
            };
            let actual = if reply.status == StatusCode::SEE_OTHER
                && reply.header("location").starts_with("/login")
            {
                "login".to_owned()
            } else {
                reply.status.as_u16().to_string()
            };
            if actual != expected[column] {
                failures.push(format!(
                    "{role:>11} {label}: expected {}, got {actual} {}",
                    expected[column],
                    reply.body.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "route × role mismatches:\n{}",
        failures.join("\n")
    );
}

/// Replaces the random tokens of a page (CSRF, idempotency key) by fixed marks.
fn redact(page: &str) -> String {
    let mut out = page.to_owned();
    for marker in [
        "name=\"csrf\" value=\"",
        "name=\"idempotency_key\" value=\"",
        "?csrf=",
    ] {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(start) = rest.find(marker) {
            let (head, tail) = rest.split_at(start + marker.len());
            result.push_str(head);
            result.push_str("[token]");
            rest = &tail[tail.find(['"', '&']).unwrap_or(0)..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

#[tokio::test]
async fn election_pages() {
    let (mut app, election) = app_with_election().await;
    let volunteer = user(&app.store, "volunteer").await;
    let admin = user(&app.store, "admin").await;
    for (actor, a, key) in [(&volunteer, 300, "s-1"), (&admin, 305, "s-2")] {
        let new = NewSubmission {
            election_id: election.id,
            station_code: "101".into(),
            idempotency_key: key.into(),
            figures: as_figures(&figures(a, 290)),
            note: None,
            origin: SubmissionOrigin::Web,
            photos: Vec::new(),
        };
        app.store.submit_protocol(actor, new).await.unwrap();
    }
    app.login("coordinator").await;
    let check = |name: &str, reply: Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
        assert!(
            !reply.body.contains("style=") && !reply.body.contains("<script>"),
            "{name}: no inline style or script"
        );
        insta::assert_snapshot!(name, redact(&reply.body));
    };
    check("elections", app.get("/elections").await);
    check("election", app.get(&format!("/elections/{SLUG}")).await);
    check(
        "station",
        app.get(&format!("/elections/{SLUG}/stations/101")).await,
    );
    check(
        "conflicts",
        app.get(&format!("/elections/{SLUG}/conflicts")).await,
    );
    check(
        "submission_form",
        app.get(&format!("/elections/{SLUG}/submit")).await,
    );
    check(
        "submission_form_ru",
        app.get(&format!("/elections/{SLUG}/submit?lang=ru")).await,
    );
}

#[tokio::test]
async fn a_coordinator_creates_an_election_and_imports_its_stations_in_the_app() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let form = app.get("/elections/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let missing = app
        .post_form(
            "/elections/new",
            &[
                ("csrf", &csrf),
                ("slug", "new-2026"),
                ("name", "New"),
                ("protocol", "kz"),
                ("held_on", "22.11.2026"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("is not a date like 2026-11-22")
            && missing.body.contains("name at least one candidate"),
        "{}",
        missing.body
    );
    let created = app
        .post_form(
            "/elections/new",
            &[
                ("csrf", &csrf),
                ("slug", "new-2026"),
                ("name", "New election"),
                ("protocol", "kz"),
                ("held_on", "2026-11-22"),
                ("candidates", "Candidate A\r\nCandidate B\r\n"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.header("location"), "/elections/new-2026/official");
    let election = app
        .store
        .election(&Actor::system(), "new-2026")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        election.candidates,
        vec!["Candidate A".to_owned(), "Candidate B".to_owned()]
    );
    let upload = |csv: &str| {
        multipart(
            &format!("/elections/new-2026/stations?csrf={csrf}"),
            &[],
            &[("file", "stations.csv", csv.as_bytes())],
        )
    };
    let bad = app
        .send(upload(
            "area,station,registered\nNorth / District 1,101,many\n,102,\n",
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("line 2: registered `many`")
            && bad.body.contains("line 3: the station and its area"),
        "{}",
        bad.body
    );
    let done = app.send(upload("area,station,registered\nNorth / District 1,101,1000\nNorth / District 2,102,\nSouth,201,800\n")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get(done.header("location")).await;
    assert!(
        page.body
            .contains("Stations imported: 3 new, 0 updated, 4 new areas."),
        "{}",
        page.body
    );
    let stations = app
        .store
        .election_stations(&Actor::system(), election.id, None)
        .await
        .unwrap();
    assert_eq!(
        stations
            .iter()
            .map(|s| (s.code.as_str(), s.registered_voters))
            .collect::<Vec<_>>(),
        vec![("101", Some(1000)), ("102", None), ("201", Some(800))]
    );
}
