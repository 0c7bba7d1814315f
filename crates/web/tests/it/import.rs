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
