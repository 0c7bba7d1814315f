//! Snapshots of the key pages, with the random CSRF tokens redacted. The store runs on a
//! manual clock, so dates in the history and derived statuses are stable.

use kuzet_store::Store;
use kuzet_web::{AppState, WebConfig};

use crate::TestApp;

/// Replaces every CSRF token in a page by a fixed mark.
fn redact(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find(marker) {
        let (head, tail) = rest.split_at(start + marker.len());
        out.push_str(head);
        out.push_str("[csrf]");
        rest = &tail[tail.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn key_pages() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    insta::assert_snapshot!("public", redact(&app.get("/public").await.body));
    insta::assert_snapshot!("login_ru", redact(&app.get("/login?lang=ru").await.body));
    app.get("/login?lang=en").await;
    app.login("coordinator").await;
    let dashboard = app.get("/dashboard").await.body;
    assert!(!dashboard.contains("style=") && !dashboard.contains("<script"), "the CSP forbids inline styles and scripts");
    insta::assert_snapshot!("dashboard", redact(&dashboard));
    insta::assert_snapshot!("persons", redact(&app.get("/persons?sort=name_asc").await.body));
    insta::assert_snapshot!("person", redact(&app.get(&format!("/persons/{}", fixture.published.0)).await.body));
    insta::assert_snapshot!("person_new", redact(&app.get("/persons/new").await.body));
    insta::assert_snapshot!("event", redact(&app.get(&format!("/events/{}", fixture.almaty.0)).await.body));
    insta::assert_snapshot!("person_ru", redact(&app.get(&format!("/persons/{}?lang=ru", fixture.published.0)).await.body));
}

#[tokio::test]
async fn the_case_study_keeps_its_inline_style_allowed_by_hash_only() {
    let store = Store::open_in_memory().await.unwrap();
    let html = "<!DOCTYPE html><html><head><style>body{color:#111}</style></head><body><h1>Case</h1></body></html>".to_owned();
    let config = WebConfig { case_study_html: Some(html.clone()), ..WebConfig::default() };
    let mut app = TestApp::on(store.clone(), kuzet_store::Clock::system());
    let router = kuzet_web::router(AppState::new(store, config));
    let _ = &mut app;
    use tower::ServiceExt;
    let reply = router.oneshot(axum::http::Request::get("/elections/kz-2019").body(axum::body::Body::empty()).unwrap()).await.unwrap();
    assert_eq!(reply.status(), 200);
    let csp = reply.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"));
    let body = axum::body::to_bytes(reply.into_body(), usize::MAX).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&body), html);

    let mut without = TestApp::new().await;
    let missing = without.get("/elections/kz-2019").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("The case-study report is not available in this build."));
}
