//! The JSON API: session and token authentication, CSRF on changes, the error envelope and
//! the OpenAPI document.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kuzet_register::Actor;
use kuzet_store::ApiTokenScope;

use crate::TestApp;

fn json(reply: &crate::Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|error| panic!("{error}: {}", reply.body))
}

fn post_json(path: &str, body: &str, csrf: Option<&str>, bearer: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn a_session_reads_and_creates_with_the_csrf_header() {
    let (mut app, fixture) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let list = app.get("/api/v1/persons?sort=name_asc").await;
    assert_eq!(list.header("content-type"), "application/json");
    let list = json(&list);
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["name"], "Aigerim Testova");
    let events = json(&app.get("/api/v1/events").await);
    assert_eq!(events.as_array().unwrap().len(), 2);
    let event = json(&app.get(&format!("/api/v1/events/{}", fixture.almaty.0)).await);
    assert_eq!(event["claims"][0]["shown"], "≈500");
    let dashboard = json(&app.get("/api/v1/dashboard").await);
    assert_eq!(dashboard["persons"], 2);

    let forged = app.send(post_json("/api/v1/persons", r#"{"name":"No Token"}"#, None, None)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(json(&forged)["errors"][0]["detail"].as_str().unwrap().contains("CSRF"));

    let csrf = app.csrf().await;
    let created =
        app.send(post_json("/api/v1/persons", r#"{"name":"Api Person","birth":"1990","roles":["observer"]}"#, Some(&csrf), None)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = json(&created)["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), format!("/api/v1/persons/{id}"));
    let person = json(&app.get(&format!("/api/v1/persons/{id}")).await);
    assert_eq!(person["person"]["birth_year"], 1990);
    assert_eq!(person["person"]["roles"][0], "observer");
}

#[tokio::test]
async fn invalid_input_gets_every_field_error_in_the_envelope() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("volunteer").await;
    let csrf = app.csrf().await;
    let reply = app.send(post_json("/api/v1/persons", r#"{"name":"","birth":"1850","roles":["spy"]}"#, Some(&csrf), None)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = json(&reply)["errors"].clone();
    let fields: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["birth", "name", "roles"]);
    let unknown = app.send(post_json("/api/v1/persons", r#"{"name":"X","password":"y"}"#, Some(&csrf), None)).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(&unknown)["errors"][0]["detail"].as_str().unwrap().contains("unknown field `password`"));
    let filters = app.get("/api/v1/persons?date_to=yesterday").await;
    assert_eq!(filters.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = app.get("/public.csv?date_from=someday").await;
    assert_eq!(csv.status, StatusCode::BAD_REQUEST);
    assert!(
        csv.body.contains("The request is not valid. date_from: `someday` is not a date like 09.06.2019 or 2019-06-09"),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn api_tokens_authenticate_scripts_within_their_scopes() {
    let (mut app, _) = TestApp::with_fixture().await;
    let coordinator = app.store.find_user(&Actor::system(), "coordinator").await.unwrap().unwrap();
    let actor = Actor::user(kuzet_register::UserId(coordinator.id), kuzet_register::Role::Coordinator);
    let reader = app.store.create_api_token(&actor, "reader", &[ApiTokenScope::Read]).await.unwrap();
    let writer = app.store.create_api_token(&actor, "writer", &[ApiTokenScope::Read, ApiTokenScope::Write]).await.unwrap();

    let mut script = app.browser();
    let list =
        Request::get("/api/v1/persons").header(header::AUTHORIZATION, format!("Bearer {}", reader.token)).body(Body::empty()).unwrap();
    assert_eq!(script.send(list).await.status, StatusCode::OK);
    let read_only = script.send(post_json("/api/v1/persons", r#"{"name":"By Reader"}"#, None, Some(&reader.token))).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN, "a read token cannot write");
    let written = script.send(post_json("/api/v1/persons", r#"{"name":"By Writer"}"#, None, Some(&writer.token))).await;
    assert_eq!(written.status, StatusCode::CREATED, "a token needs no CSRF header: {}", written.body);

    app.store.revoke_api_token(&actor, reader.id).await.unwrap();
    let list =
        Request::get("/api/v1/persons").header(header::AUTHORIZATION, format!("Bearer {}", reader.token)).body(Body::empty()).unwrap();
    assert_eq!(script.send(list).await.status, StatusCode::UNAUTHORIZED);
    let forged = Request::get("/api/v1/persons").header(header::AUTHORIZATION, "Bearer not-a-token").body(Body::empty()).unwrap();
    assert_eq!(script.send(forged).await.status, StatusCode::UNAUTHORIZED);
    assert!(script.cookie("kuzet_session").is_none());
    let _ = app.get("/").await;
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routed_api() {
    let (mut app, _) = TestApp::with_fixture().await;
    let reply = app.get("/api/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = json(&reply);
    assert_eq!(document["openapi"], "3.0.3");
    insta::assert_json_snapshot!("openapi", document);
    app.login("admin").await;
    let election = crate::elections::small_election(&app.store).await;
    for (path, methods) in document["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "1").replace("{slug}", &election.slug).replace("{code}", "101");
        for method in methods.as_object().unwrap().keys() {
            if method == "get" {
                let reply = app.get(&concrete).await;
                assert_eq!(reply.status, StatusCode::OK, "GET {concrete}: {}", reply.body);
            }
        }
    }
}

#[tokio::test]
async fn a_user_creates_a_token_in_the_browser_uses_it_and_revokes_it() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("analyst").await;
    let csrf = app.csrf().await;
    let page = app.post_form("/account/tokens", &[("csrf", &csrf), ("name", "laptop script"), ("scopes", "read")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find("<code>").expect("the new token is shown") + "<code>".len();
    let token = page.body[start..].split("</code>").next().unwrap().to_owned();
    assert!(token.starts_with("kzt_"), "{token}");
    assert!(page.body.contains("laptop script") && page.body.contains("shown only once"));
    assert!(!app.get("/account/tokens").await.body.contains(&token), "the token is never shown again");

    let mut script = app.browser();
    let bearer = |path: &str| Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    assert_eq!(script.send(bearer("/api/v1/persons")).await.status, StatusCode::OK);
    assert_eq!(script.send(bearer("/account/tokens")).await.status, StatusCode::FORBIDDEN, "a token cannot manage tokens");

    let empty = app.post_form("/account/tokens", &[("csrf", &csrf), ("name", "no scopes")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("scopes: give at least one of read, write"));

    let id = app.store.list_api_tokens(&Actor::system()).await.unwrap()[0].id.0;
    let mut stranger = app.browser();
    stranger.login("volunteer").await;
    let stranger_csrf = stranger.csrf().await;
    let refused = stranger.post_form(&format!("/account/tokens/{id}/revoke"), &[("csrf", &stranger_csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "only the owner or an admin revokes");
    let revoked = app.post_form(&format!("/account/tokens/{id}/revoke"), &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(script.send(bearer("/api/v1/persons")).await.status, StatusCode::UNAUTHORIZED);
    assert!(app.get("/account/tokens").await.body.contains("revoked"));
}
