//! Importing a spreadsheet through the browser: check, refuse, import all or the good rows.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kuzet_register::Actor;

use crate::TestApp;

const BOUNDARY: &str = "kuzet-test-boundary";

/// A `multipart/form-data` body with one file and some text fields.
fn multipart(file_name: &str, content: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
    );
    for (name, value) in fields {
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

async fn upload(app: &mut TestApp, csrf: &str, content: &str, fields: &[(&str, &str)]) -> crate::Reply {
    let request = Request::post(format!("/import?csrf={csrf}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(multipart("list.csv", content, fields)))
        .unwrap();
    app.send(request).await
}

/// Line 1 is the header; lines 3 and 4 are broken.
const SHEET: &str = "name;detained;event city;birth\n\
                     Imported Person;09.06.2019 14:00;Almaty;1990\n\
                     Broken Date;31.02.2019;Almaty;1990\n\
                     Too Old;09.06.2019 15:00;Almaty;1850\n";

async fn persons(app: &TestApp) -> i64 {
    app.store.dashboard(&Actor::system()).await.unwrap().persons
}

#[tokio::test]
async fn a_check_lists_every_refused_row_and_an_import_is_all_or_nothing() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let page = app.get("/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = app.csrf().await;
    assert!(page.body.contains(&format!("action=\"/import?csrf={csrf}\"")), "{}", page.body);

    let checked = upload(&mut app, &csrf, SHEET, &[("mode", "check"), ("event", "")]).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains("1 rows can be imported") && checked.body.contains("2 rows are refused"), "{}", checked.body);
    assert!(checked.body.contains("Nothing was written: this was a check."));
    assert!(checked.body.contains("<td class=\"num\">3</td><td>B “detained”</td>"), "{}", checked.body);
    assert!(checked.body.contains("<td class=\"num\">4</td><td>D “birth”</td>"));
    assert!(
        checked.body.contains("&quot;31.02.2019&quot; is not a real calendar date")
            && checked.body.contains("year 1850 is outside 1900–2019")
    );
    assert_eq!(persons(&app).await, 2);

    let refused = upload(&mut app, &csrf, SHEET, &[("mode", "import")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Nothing was imported"));
    assert_eq!(persons(&app).await, 2, "nothing is written while a row is refused");

    let imported = upload(&mut app, &csrf, SHEET, &[("mode", "import"), ("skip_invalid", "on")]).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert!(imported.body.contains("1 persons were imported."));
    assert_eq!(persons(&app).await, 3);
    let list = app.get("/persons?q=Imported").await.body;
    assert!(list.contains("Imported Person") && list.contains("Rally on election day"), "matched to the Almaty event: {list}");
}

#[tokio::test]
async fn an_unreadable_sheet_is_explained_and_uploads_need_the_csrf_token_and_the_role() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let reply = upload(&mut app, &csrf, "colour;size\r\nred;2\r\n", &[("mode", "check")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("list.csv: no column for the field name"), "{}", reply.body);
    let forged = upload(&mut app, "not-the-token", SHEET, &[("mode", "import"), ("skip_invalid", "on")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(persons(&app).await, 2);

    let mut volunteer = app.browser();
    volunteer.login("volunteer").await;
    let csrf = volunteer.csrf().await;
    assert_eq!(volunteer.get("/import").await.status, StatusCode::FORBIDDEN);
    let reply = upload(&mut volunteer, &csrf, SHEET, &[("mode", "import"), ("skip_invalid", "on")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(persons(&app).await, 2);
}

/// The page with its random tokens replaced: the CSRF token (in the mapping form and in the
/// upload form's address) and the kept upload's id.
fn redact(page: &str) -> String {
    let mut out = page.to_owned();
    for marker in ["name=\"csrf\" value=\"", "name=\"upload\" value=\"", "/import?csrf="] {
        let mut redacted = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(start) = rest.find(marker) {
            let (head, tail) = rest.split_at(start + marker.len());
            redacted.push_str(head);
            redacted.push_str("[random]");
            rest = &tail[tail.find('"').unwrap_or(0)..];
        }
        redacted.push_str(rest);
        out = redacted;
    }
    out
}

/// The id under which the server keeps the uploaded sheet, from the mapping form.
fn upload_id(page: &str) -> String {
    let marker = "name=\"upload\" value=\"";
    let start = page.find(marker).unwrap_or_else(|| panic!("no mapping form: {page}")) + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// "Кто" is no header the import knows; "notes" is one, but this sheet's notes must stay out.
const UNKNOWN_HEADERS: &str = "Кто;detained;event city;notes\n\
                               Mapped Person;09.06.2019 14:00;Almaty;not for the register\n";

#[tokio::test]
async fn the_columns_are_mapped_on_the_page_checked_again_and_then_imported_once() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let first = upload(&mut app, &csrf, UNKNOWN_HEADERS, &[("mode", "check")]).await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", first.body);
    assert!(first.body.contains("list.csv: no column for the field name"), "{}", first.body);
    assert!(first.body.contains("<option value=\"detained_at\" selected>"), "recognised headers are preselected: {}", first.body);
    assert!(first.body.contains("<option value=\"notes\" selected>"));
    insta::assert_snapshot!("import_mapping", redact(&first.body));
    let id = upload_id(&first.body);
    let mapped = |mode: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("upload", id.clone()),
            ("column_0", "name".to_owned()),
            ("column_1", "detained_at".to_owned()),
            ("column_2", "event_city".to_owned()),
            ("column_3", String::new()),
            ("mode", mode.to_owned()),
        ]
    };
    fn post<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    let checked = app.post_form("/import/mapping", &post(&mapped("check"))).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains("1 rows can be imported") && checked.body.contains("Nothing was written: this was a check."));
    assert!(checked.body.contains("<option value=\"name\" selected>"), "the page keeps the user's choice");
    assert!(checked.body.contains("<option value=\"\" selected>not imported</option>"), "{}", checked.body);
    assert_eq!(upload_id(&checked.body), id, "the same kept sheet");
    assert_eq!(persons(&app).await, 2);

    let imported = app.post_form("/import/mapping", &post(&mapped("import"))).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert!(imported.body.contains("1 persons were imported."), "{}", imported.body);
    assert!(!imported.body.contains("name=\"upload\""), "no mapping form after the import");
    assert_eq!(persons(&app).await, 3);
    let list = app.get("/persons?q=Mapped").await.body;
    assert!(list.contains("Mapped Person") && list.contains("Rally on election day"), "{list}");
    let system = Actor::system();
    let audit = app.store.audit_records(&system, &Default::default()).await.unwrap();
    assert!(
        !audit.iter().any(|record| record.after.as_ref().is_some_and(|after| after.to_string().contains("not for the register"))),
        "the ignored column was not imported"
    );

    let again = app.post_form("/import/mapping", &post(&mapped("import"))).await;
    assert_eq!(again.status, StatusCode::GONE, "an imported sheet is not kept: {}", again.body);
    assert!(again.body.contains("The uploaded file is no longer kept"));
    assert_eq!(persons(&app).await, 3, "the sheet is not imported twice");
}

#[tokio::test]
async fn a_kept_sheet_is_only_for_the_session_that_uploaded_it_and_choices_are_checked() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let csrf = app.csrf().await;
    let first = upload(&mut app, &csrf, UNKNOWN_HEADERS, &[("mode", "check")]).await;
    let id = upload_id(&first.body);

    let mut admin = app.browser();
    admin.login("admin").await;
    let admin_csrf = admin.csrf().await;
    let stolen = admin
        .post_form("/import/mapping", &[("csrf", &admin_csrf), ("upload", &id), ("column_0", "name"), ("column_1", "detained_at"), ("mode", "import")])
        .await;
    assert_eq!(stolen.status, StatusCode::GONE);
    assert_eq!(persons(&app).await, 2);

    let bad = app.post_form("/import/mapping", &[("csrf", &csrf), ("upload", &id), ("column_0", "shoe_size"), ("mode", "check")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let doubled = app
        .post_form("/import/mapping", &[("csrf", &csrf), ("upload", &id), ("column_0", "name"), ("column_1", "name"), ("mode", "import")])
        .await;
    assert_eq!(doubled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(doubled.body.contains("name=\"upload\""), "the mapping form stays to correct it: {}", doubled.body);
    assert_eq!(persons(&app).await, 2);
    let forged = app.post_form("/import/mapping", &[("csrf", "wrong"), ("upload", &id), ("column_0", "name"), ("mode", "import")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
