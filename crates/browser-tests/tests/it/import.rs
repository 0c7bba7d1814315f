//! Importing a volunteers' spreadsheet through the upload form: a check lists every broken row
//! by line and column, an import is all-or-nothing unless the broken rows are left out on
//! purpose.

use kuzet_register::Actor;

use crate::{Browser, DESKTOP, scenario, test_name};

/// Line 1 is the header; lines 3 and 4 are broken (a date that does not exist, a birth year
/// outside the register's range).
const SHEET: &str = "name;detained;event city;birth\n\
                     Marat Importov;09.06.2019 14:00;Almaty;1990\n\
                     Broken Datov;31.02.2019;Almaty;1991\n\
                     Too Oldov;09.06.2019 15:00;Almaty;1850\n";

fn upload(browser: &Browser, file: &std::path::Path, mode: &str, skip_invalid: bool) {
    browser.visit("/import");
    browser
        .find("#f-file")
        .send_keys(file.to_str().expect("a UTF-8 path"))
        .expect("the file is chosen");
    if skip_invalid {
        browser.click("input[name=skip_invalid]");
    }
    browser.click_through(&format!("button[name=mode][value={mode}]"));
}

/// The refused rows' line numbers as the page lists them.
fn refused_lines(browser: &Browser) -> Vec<String> {
    browser
        .find_all("main table:has(thead) tbody tr td:first-child")
        .iter()
        .map(|cell| cell.text().expect("a cell"))
        .collect()
}

#[test]
fn importing_a_sheet_lists_its_broken_rows_and_writes_only_when_told() {
    scenario(test_name!(), |s| {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let sheet = folder.path().join("volunteers.csv");
        std::fs::write(&sheet, SHEET).expect("the sheet is written");
        let persons = || {
            s.app
                .block_on(s.app.store.dashboard(&Actor::system()))
                .expect("the dashboard counts")
                .persons
        };
        let before = persons();

        let browser = s.browser(DESKTOP);
        browser.login("coordinator");
        upload(&browser, &sheet, "check", false);
        let summary = browser.text("main section[role=status]");
        assert!(summary.contains("volunteers.csv"), "{summary}");
        assert!(
            summary.contains("1 rows can be imported") && summary.contains("2 rows are refused"),
            "{summary}"
        );
        assert_eq!(refused_lines(&browser), ["3", "4"]);
        let reasons = browser.text("main table:has(thead) tbody");
        assert!(
            reasons.contains("31.02.2019") && reasons.contains("1850"),
            "{reasons}"
        );
        assert_eq!(persons(), before, "a check writes nothing");

        upload(&browser, &sheet, "import", false);
        assert!(
            browser
                .text("main section[role=status]")
                .contains("Nothing was imported"),
            "{}",
            browser.main_text()
        );
        assert_eq!(refused_lines(&browser), ["3", "4"]);
        assert_eq!(
            persons(),
            before,
            "all or nothing: nothing while a row is refused"
        );

        upload(&browser, &sheet, "import", true);
        assert!(
            browser
                .text("main section[role=status]")
                .contains("1 persons were imported."),
            "{}",
            browser.main_text()
        );
        assert_eq!(persons(), before + 1);

        browser.visit("/persons?q=Importov");
        let rows = browser.find_all("main table tbody tr");
        assert_eq!(rows.len(), 1, "{}", browser.main_text());
        assert!(rows[0].text().expect("the row").contains("Marat Importov"));
        browser.visit("/persons?q=Datov");
        assert!(
            browser.find_all("main table tbody tr").is_empty(),
            "a refused row is not imported"
        );
    });
}
