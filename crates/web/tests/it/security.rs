//! Security headers, body limits, CSRF and language choice on every response.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::{TestApp, csrf_in};

/// Asserts the hardening headers of one reply.
fn check_headers(path: &str, reply: &crate::Reply) {
    let csp = reply.header("content-security-policy");
    for directive in ["default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"] {
        assert!(csp.contains(directive), "{path}: CSP {csp:?} lacks {directive}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("http"), "{path}: CSP {csp:?} allows inline code or other origins");
    assert_eq!(reply.header("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(reply.header("referrer-policy"), "no-referrer", "{path}");
    assert_eq!(reply.header("x-frame-options"), "DENY", "{path}");
    assert_eq!(reply.header("strict-transport-security"), "", "{path}: no HSTS on plain HTTP");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let mut app = TestApp::new().await;
    for path in ["/", "/login", "/static/kuzet.css", "/no-such-page", "/public"] {
        let reply = app.get(path).await;
        check_headers(path, &reply);
    }
    let rejected = app.post_form("/login", &[("username", "x")]).await;
    assert_eq!(rejected.status, StatusCode::FORBIDDEN);
    check_headers("POST /login without CSRF", &rejected);
}

#[tokio::test]
async fn pages_are_not_cached_and_the_stylesheet_is() {
    let mut app = TestApp::new().await;
    assert_eq!(app.get("/login").await.header("cache-control"), "no-store");
    let css = app.get("/static/kuzet.css").await;
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").starts_with("public"));
}

#[tokio::test]
async fn pages_reference_nothing_from_another_origin_and_carry_no_script() {
    let mut app = TestApp::new().await;
    for path in ["/", "/login"] {
        let body = app.get(path).await.body;
        assert!(!body.contains("<script"), "{path} has a script element");
        assert!(!body.contains("src=\"http") && !body.contains("href=\"http"), "{path} links another origin");
    }
}

#[tokio::test]
async fn a_post_without_the_right_csrf_token_is_refused() {
    let mut app = TestApp::new().await;
    let page = app.get("/login").await;
    let token = csrf_in(&page.body);
    assert_eq!(app.cookie("kuzet_csrf").as_deref(), Some(token.as_str()), "the form token is the cookie's");
    for (label, fields) in [
        ("no token", vec![("username", "a"), ("password", "b")]),
        ("wrong token", vec![("csrf", "0000"), ("username", "a"), ("password", "b")]),
    ] {
        let reply = app.post_form("/login", &fields).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}");
        assert!(reply.body.contains("CSRF"), "{label}: {}", reply.body);
    }
    // A forged cross-site request has no cookie at all, so no token can match.
    let mut stranger = TestApp::new().await;
    let reply = stranger.post_form("/login", &[("csrf", &token), ("username", "a"), ("password", "b")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let mut app = TestApp::new().await;
    let big = "x".repeat(kuzet_web::BODY_LIMIT_BYTES + 10);
    let reply = app.post_form("/login", &[("csrf", "t"), ("notes", &big)]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn language_follows_query_then_cookie_then_accept_language() {
    let mut app = TestApp::new().await;
    let english = app.get("/login").await;
    assert!(english.body.contains("<html lang=\"en\">") && english.body.contains("Sign in"));

    let request = Request::get("/login").header(header::ACCEPT_LANGUAGE, "ru-RU,ru;q=0.9,en;q=0.5").body(Body::empty()).unwrap();
    let russian = app.send(request).await;
    assert!(russian.body.contains("<html lang=\"ru\">") && russian.body.contains("Вход"), "{}", russian.body);

    let kazakh = app.get("/login?lang=kk").await;
    assert!(kazakh.body.contains("<html lang=\"kk\">") && kazakh.body.contains("Кіру"));
    assert_eq!(app.cookie("kuzet_lang").as_deref(), Some("kk"));
    // The cookie now wins over the browser's header.
    let request = Request::get("/login").header(header::ACCEPT_LANGUAGE, "ru").body(Body::empty()).unwrap();
    assert!(app.send(request).await.body.contains("<html lang=\"kk\">"));
}

#[tokio::test]
async fn unknown_pages_are_404_pages_in_the_visitors_language() {
    let mut app = TestApp::new().await;
    let reply = app.get("/nowhere?lang=ru").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Такой страницы нет."));
    let api = app.get("/api/v1/nowhere?lang=en").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.header("content-type"), "application/json");
    assert!(api.body.starts_with("{\"errors\":["), "{}", api.body);
}

/// Sends one raw HTTP/1.1 request and returns the whole response as text.
async fn raw_request(address: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn the_app_serves_on_a_real_socket_with_its_headers() {
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = kuzet_web::AppState::new(app.store.clone(), kuzet_web::WebConfig::default());
    let server = tokio::spawn(kuzet_web::serve_on(listener, state));
    let response = raw_request(address, "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAccept-Language: ru\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("content-security-policy: default-src 'none'"), "{response}");
    assert!(response.contains("<html lang=\"ru\">"));
    let too_big = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        kuzet_web::BODY_LIMIT_BYTES + 1,
        "x".repeat(kuzet_web::BODY_LIMIT_BYTES + 1)
    );
    assert!(raw_request(address, &too_big).await.starts_with("HTTP/1.1 413"));
    server.abort();
}
