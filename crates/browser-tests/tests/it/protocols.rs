//! An observer sends a station's protocol from a phone: the figures are checked as they are
//! typed (by the one script the page may run), a photo is attached, the copy is accepted and
//! flagged because its arithmetic is wrong, and the photo shown is the copy without its GPS data.

use kuzet_register::Actor;
use kuzet_store::{NewElection, NewStation};

use crate::{PHONE, scenario, test_name};

/// Figures of the Kazakhstan 2019 protocol in form order; the candidates' votes (310 + 290)
/// do not add up to the valid ballots (590).
const FIGURES: [(&str, &str); 9] = [
    ("registered", "1000"),
    ("received", "1000"),
    ("issued", "600"),
    ("cancelled", "400"),
    ("cast", "600"),
    ("invalid", "10"),
    ("valid", "590"),
    ("Candidate A", "310"),
    ("Candidate B", "290"),
];

#[test]
fn an_observer_sends_a_protocol_with_a_photo_from_a_phone_and_sees_it_flagged() {
    scenario(test_name!(), |s| {
        let app = &s.app;
        let system = Actor::system();
        let election = app
            .block_on(app.store.create_election(
                &system,
                NewElection {
                    slug: "phone-2026".into(),
                    name: "Election seen from a phone".into(),
                    held_on: None,
                    definition_text: kuzet_protocol::definition::KAZAKHSTAN_2019.into(),
                    candidates: vec!["Candidate A".into(), "Candidate B".into()],
                },
            ))
            .expect("the election is created");
        let station = NewStation {
            area_path: vec!["North".into()],
            code: "101".into(),
            registered_voters: Some(1000),
        };
        app.block_on(
            app.store
                .import_stations(&system, election.id, vec![station]),
        )
        .expect("the station is imported");
        let folder = tempfile::tempdir().expect("a temporary folder");
        let photo = folder.path().join("IMG_0001.jpg");
        let original = kuzet_ingest::photo::samples::jpeg_with_gps();
        std::fs::write(&photo, &original).expect("the photo is written");

        let browser = s.browser(PHONE);
        browser.login("volunteer");
        browser.visit("/elections/phone-2026/submit");
        browser.fill("#f-station", "101");
        for (column, (_, value)) in FIGURES.iter().enumerate() {
            browser.fill(&format!("#f-line_{column}"), value);
        }
        // The script, allowed by the page's policy, names the broken relation before sending.
        let status = browser.text("#relation-status");
        assert!(
            status.contains("do not hold")
                && status.contains("valid ballots = sum of candidates: 590 = 600"),
            "{status}"
        );
        browser
            .find("#f-photo")
            .send_keys(photo.to_str().expect("a UTF-8 path"))
            .expect("the photo is chosen");
        browser.click_through("form.protocol button[type=submit]");

        assert!(
            browser
                .path()
                .starts_with("/elections/phone-2026/stations/101?received="),
            "{}",
            browser.path()
        );
        let notice = browser.text("main section[role=status]");
        assert!(
            notice.contains("Your copy was received") && notice.contains("accepted but flagged"),
            "{notice}"
        );
        assert!(
            notice.contains("valid ballots = sum of candidates"),
            "{notice}"
        );
        let hash = kuzet_ingest::photo::sha256_hex(&original);
        assert!(
            browser.main_text().contains(&hash),
            "the original's SHA-256 is shown"
        );
        // The photo shown decodes (it is an image, not an error page) and carries no EXIF.
        let width =
            browser.script("return document.querySelector('img.protocol-photo').naturalWidth;");
        assert_eq!(width, 8, "the served photo is the 8x8 test image");
        let detail = app
            .block_on(app.store.station_detail(&system, election.id, "101"))
            .expect("the store answers")
            .expect("the station exists");
        assert_eq!(detail.submissions.len(), 1);
        assert_eq!(
            detail.submissions[0].photos[0].stripped,
            vec!["exif".to_owned()]
        );
    });
}
