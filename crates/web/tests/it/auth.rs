//! Sign-in, sign-out, session cookies, rotation, expiry and throttling.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kuzet_store::Store;
use kuzet_web::{AppState, WebConfig};
use tower::ServiceExt;

use crate::{TestApp, csrf_in};

fn session_cookie(reply: &crate::Reply) -> String {
    reply.set_cookies().into_iter().find(|cookie| cookie.starts_with("kuzet_session=")).expect("a session cookie is set")
}

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_lands_on_the_dashboard() {
    let (mut app, _) = TestApp::with_fixture().await;
    let reply = app.login("coordinator").await;
    let cookie = session_cookie(&reply);
    assert!(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict") && cookie.contains("; Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP on localhost: {cookie}");
    assert_eq!(reply.header("location"), "/");
    let dashboard = app.get("/dashboard").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("coordinator"));
}

#[tokio::test]
async fn cookies_are_secure_when_configured_for_tls() {
    let store = Store::open_in_memory().await.unwrap();
    store.add_user(&kuzet_register::Actor::system(), "admin", crate::PASSWORD, kuzet_register::Role::Admin).await.unwrap();
    let config = WebConfig { secure_cookies: true, ..WebConfig::default() };
    let router = kuzet_web::router(AppState::new(store, config));
    let page = router.clone().oneshot(Request::get("/login").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(page.headers().get(header::STRICT_TRANSPORT_SECURITY).unwrap(), "max-age=31536000");
    let anonymous = page.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(anonymous.ends_with("; Secure"), "{anonymous}");
    let token = anonymous.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let body = format!("csrf={token}&username=admin&password={}", crate::encode(crate::PASSWORD));
    let request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("kuzet_csrf={token}"))
        .body(Body::from(body))
        .unwrap();
    let reply = router.oneshot(request).await.unwrap();
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    let session = reply
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kuzet_session="))
        .unwrap();
    assert!(session.ends_with("; Secure"), "{session}");
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_ends_the_previous_one() {
    let (mut app, _) = TestApp::with_fixture().await;
    // A token planted by someone else before sign-in is never adopted.
    app.cookies.push(("kuzet_session".into(), "planted-by-an-attacker".into()));
    app.login("volunteer").await;
    let first = app.cookie("kuzet_session").unwrap();
    assert_ne!(first, "planted-by-an-attacker");

    // Signing in again from the same browser gives a new token and ends the old session.
    let page = app.get("/login").await;
    let csrf = csrf_in(&page.body);
    app.post_form("/login", &[("csrf", &csrf), ("username", "volunteer"), ("password", crate::PASSWORD)]).await;
    let second = app.cookie("kuzet_session").unwrap();
    assert_ne!(first, second);
    assert!(app.store.session(&first).await.unwrap().is_none(), "the old session is ended");
    assert!(app.store.session(&second).await.unwrap().is_some());
}

#[tokio::test]
async fn wrong_passwords_are_refused_with_a_message_and_then_throttled() {
    let (mut app, _) = TestApp::with_fixture().await;
    let page = app.get("/login").await;
    let csrf = csrf_in(&page.body);
    let attempt = |password: &'static str| [("csrf", csrf.clone()), ("username", "analyst".to_owned()), ("password", password.to_owned())];
    let first = attempt("wrong password 1");
    let fields: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = app.post_form("/login", &fields).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains("The user name or password is wrong."), "{}", reply.body);
    assert!(reply.body.contains("value=\"analyst\""), "the user name is kept");
    assert!(app.cookie("kuzet_session").is_none());

    let mut last = None;
    for _ in 0..kuzet_store::LOGIN_FAILURE_LIMIT {
        let fields: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
        last = Some(app.post_form("/login", &fields).await);
    }
    let throttled = last.unwrap();
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.body.contains("Too many failed attempts. Try again in"), "{}", throttled.body);
    // Even the right password waits until the throttle ends.
    let right = app.post_form("/login", &[("csrf", &csrf), ("username", "analyst"), ("password", crate::PASSWORD)]).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(time::Duration::seconds(kuzet_store::LOGIN_WINDOW_SECS + 1));
    let later = app.post_form("/login", &[("csrf", &csrf), ("username", "analyst"), ("password", crate::PASSWORD)]).await;
    assert_eq!(later.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_idle_session_expires_and_the_visitor_is_sent_to_sign_in() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("analyst").await;
    assert_eq!(app.get("/dashboard").await.status, StatusCode::OK);
    app.clock.advance(time::Duration::seconds(kuzet_store::IDLE_SESSION_SECS + 1));
    let reply = app.get("/dashboard").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/login?next=/dashboard");
    assert!(app.cookie("kuzet_session").is_none(), "the dead cookie is cleared");
}

#[tokio::test]
async fn sign_out_needs_the_csrf_token_and_ends_the_session() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("admin").await;
    let token = app.cookie("kuzet_session").unwrap();
    let forged = app.post_form("/logout", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.store.session(&token).await.unwrap().is_some(), "a forged sign-out changes nothing");
    let csrf = app.csrf().await;
    let reply = app.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(app.store.session(&token).await.unwrap().is_none());
    assert_eq!(app.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn after_sign_in_only_local_paths_are_followed() {
    let (app, _) = TestApp::with_fixture().await;
    for (next, expected) in
        [("/persons?page=2", "/persons?page=2"), ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\\evil", "/")]
    {
        let mut browser = app.browser();
        let page = browser.get("/login").await;
        let csrf = csrf_in(&page.body);
        let reply =
            browser.post_form("/login", &[("csrf", &csrf), ("username", "admin"), ("password", crate::PASSWORD), ("next", next)]).await;
        assert_eq!(reply.header("location"), expected, "next={next}");
    }
    assert!(app.cookie("kuzet_session").is_none());
}

#[tokio::test]
async fn a_sign_in_link_remembers_where_the_visitor_was_going() {
    let (mut app, _) = TestApp::with_fixture().await;
    let reply = app.get("/persons?city=Almaty").await;
    assert_eq!(reply.header("location"), "/login?next=/persons%3Fcity%3DAlmaty");
    let page = app.get(reply.header("location")).await;
    assert!(page.body.contains("name=\"next\" value=\"&#x2f;persons?city=Almaty\""), "{}", page.body);
}

#[tokio::test]
async fn a_busy_session_still_ends_at_the_absolute_limit() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.login("coordinator").await;
    let step = time::Duration::seconds(kuzet_store::IDLE_SESSION_SECS - 60);
    let mut elapsed = time::Duration::ZERO;
    while elapsed + step < time::Duration::seconds(kuzet_store::ABSOLUTE_SESSION_SECS) {
        app.clock.advance(step);
        elapsed += step;
        assert_eq!(app.get("/dashboard").await.status, StatusCode::OK, "active after {elapsed}");
    }
    app.clock.advance(step);
    assert_eq!(app.get("/dashboard").await.status, StatusCode::SEE_OTHER, "ended after {}", elapsed + step);
}

#[tokio::test]
async fn an_admin_manages_accounts_and_passwords_are_shown_once() {
    let (mut admin, _) = TestApp::with_fixture().await;
    admin.login("admin").await;
    let csrf = admin.csrf().await;
    let added = admin.post_form("/admin/users", &[("csrf", &csrf), ("username", "field.worker"), ("role", "volunteer")]).await;
    assert_eq!(added.status, StatusCode::OK);
    let start = added.body.find("<code>").expect("the password is shown") + "<code>".len();
    let password = added.body[start..].split("</code>").next().unwrap().to_owned();
    assert_eq!(password.len(), 20);
    assert!(!admin.get("/admin/users").await.body.contains(&password), "shown only once");
    admin.store.login("field.worker", &password, "test").await.expect("the shown password works");

    let taken = admin.post_form("/admin/users", &[("csrf", &csrf), ("username", "field.worker"), ("role", "analyst")]).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("username: `field.worker` is taken"), "{}", taken.body);

    let user = admin.store.find_user(&kuzet_register::Actor::system(), "field.worker").await.unwrap().unwrap();
    let mut worker = admin.browser();
    let page = worker.get("/login").await;
    worker.post_form("/login", &[("csrf", &csrf_in(&page.body)), ("username", "field.worker"), ("password", &password)]).await;
    assert_eq!(worker.get("/dashboard").await.status, StatusCode::OK);
    admin.post_form(&format!("/admin/users/{}/disable", user.id), &[("csrf", &csrf)]).await;
    assert_eq!(worker.get("/dashboard").await.status, StatusCode::SEE_OTHER, "a disabled account's session ends");
    admin.post_form(&format!("/admin/users/{}/enable", user.id), &[("csrf", &csrf)]).await;
    admin.post_form(&format!("/admin/users/{}/role", user.id), &[("csrf", &csrf), ("role", "analyst")]).await;
    let reset = admin.post_form(&format!("/admin/users/{}/reset", user.id), &[("csrf", &csrf)]).await;
    assert!(reset.body.contains("The password of field.worker, shown only now"), "{}", reset.body);
    assert!(admin.store.login("field.worker", &password, "test").await.is_err(), "the old password is gone");
    let listed = admin.store.find_user(&kuzet_register::Actor::system(), "field.worker").await.unwrap().unwrap();
    assert_eq!((listed.role.as_str(), listed.disabled), ("analyst", false));
    let own = admin.store.find_user(&kuzet_register::Actor::system(), "admin").await.unwrap().unwrap();
    let refused = admin.post_form(&format!("/admin/users/{}/disable", own.id), &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "an admin cannot lock themselves out");
}

// TOTP second factor: password first, then a code form; the pending state is no session.

/// Enrols `username` with a fresh secret through the store; returns the secret's bytes.
async fn enrol_totp(app: &TestApp, username: &str) -> Vec<u8> {
    let system = kuzet_register::Actor::system();
    let user = app.store.find_user(&system, username).await.unwrap().expect("the account exists");
    let enrolment = kuzet_store::new_totp_enrolment(username).unwrap();
    let secret = kuzet_store::totp::base32_decode(&enrolment.secret).unwrap();
    let code = totp_now(app, &secret);
    app.store.enable_totp(&system, kuzet_register::UserId(user.id), &enrolment.secret, &code).await.expect("enrolment");
    // The confirming code's step is used up; the next sign-in uses the next step's code.
    app.clock.advance(time::Duration::seconds(30));
    secret
}

fn totp_now(app: &TestApp, secret: &[u8]) -> String {
    let step = kuzet_store::totp::step_at(app.clock.now().unix_timestamp());
    kuzet_store::totp::code(secret, step as u64, 6)
}

/// Posts the password form; returns the reply (a code form when the account has TOTP).
async fn post_password(app: &mut TestApp, username: &str) -> crate::Reply {
    let form = app.get("/login").await;
    let csrf = csrf_in(&form.body);
    app.post_form("/login", &[("csrf", &csrf), ("username", username), ("password", crate::PASSWORD), ("next", "/dashboard")]).await
}

/// The hidden pending-login token of a code form.
fn pending_in(page: &str) -> String {
    let marker = "name=\"pending\" value=\"";
    let start = page.find(marker).expect("the page is the code form") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn post_code(app: &mut TestApp, page: &str, code: &str) -> crate::Reply {
    let csrf = csrf_in(page);
    let pending = pending_in(page);
    app.post_form("/login", &[("csrf", &csrf), ("pending", &pending), ("code", code), ("next", "/dashboard")]).await
}

fn other_code(code: &str) -> &'static str {
    if code == "000000" { "999999" } else { "000000" }
}

#[tokio::test]
async fn an_account_with_totp_signs_in_with_password_then_code() {
    let (mut app, _) = TestApp::with_fixture().await;
    let secret = enrol_totp(&app, "coordinator").await;
    let code_form = post_password(&mut app, "coordinator").await;
    assert_eq!(code_form.status, StatusCode::OK, "{}", code_form.body);
    assert!(code_form.body.contains("autocomplete=\"one-time-code\""), "{}", code_form.body);
    assert!(!code_form.body.contains("name=\"password\""), "the code form asks no password again");
    assert!(app.cookie("kuzet_session").is_none(), "the password alone gives no session");
    assert_ne!(app.get("/dashboard").await.status, StatusCode::OK, "a pending login opens nothing");

    let current = totp_now(&app, &secret);
    let wrong = post_code(&mut app, &code_form.body, other_code(&current)).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The code is wrong or was already used."), "{}", wrong.body);
    assert!(app.cookie("kuzet_session").is_none());

    let code = totp_now(&app, &secret);
    let signed_in = post_code(&mut app, &wrong.body, &code).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert_eq!(signed_in.header("location"), "/dashboard");
    assert!(app.cookie("kuzet_session").is_some());
    assert_eq!(app.get("/dashboard").await.status, StatusCode::OK);

    // The same code again, from another browser that knows the password: refused.
    let mut thief = app.browser();
    let second = post_password(&mut thief, "coordinator").await;
    let replayed = post_code(&mut thief, &second.body, &code).await;
    assert_eq!(replayed.status, StatusCode::UNAUTHORIZED, "a replayed code is refused");
    assert!(thief.cookie("kuzet_session").is_none());
}

#[tokio::test]
async fn accounts_without_totp_still_sign_in_with_the_password_alone() {
    let (mut app, _) = TestApp::with_fixture().await;
    enrol_totp(&app, "coordinator").await;
    let reply = post_password(&mut app, "volunteer").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(app.cookie("kuzet_session").is_some());
}

#[tokio::test]
async fn an_expired_pending_login_goes_back_to_the_password_in_both_languages() {
    let (mut app, _) = TestApp::with_fixture().await;
    let secret = enrol_totp(&app, "analyst").await;
    let code_form = post_password(&mut app, "analyst").await;
    app.clock.advance(time::Duration::seconds(kuzet_store::PENDING_LOGIN_SECS));
    let code = totp_now(&app, &secret);
    let expired = post_code(&mut app, &code_form.body, &code).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(expired.body.contains("The sign-in took too long"), "{}", expired.body);
    assert!(expired.body.contains("name=\"password\""), "back to the password form");
    assert!(app.cookie("kuzet_session").is_none());

    let mut russian = app.browser();
    russian.get("/login?lang=ru").await;
    let code_form = post_password(&mut russian, "analyst").await;
    assert!(code_form.body.contains("Код из приложения-аутентификатора"), "{}", code_form.body);
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let (mut app, _) = TestApp::with_fixture().await;
    let secret = enrol_totp(&app, "coordinator").await;
    let mut page = post_password(&mut app, "coordinator").await.body;
    for _ in 0..kuzet_store::LOGIN_FAILURE_LIMIT {
        let current = totp_now(&app, &secret);
        let reply = post_code(&mut app, &page, other_code(&current)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        page = reply.body;
    }
    let current = totp_now(&app, &secret);
    let throttled = post_code(&mut app, &page, &current).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.body);
    assert!(app.cookie("kuzet_session").is_none());
}

#[tokio::test]
async fn admins_without_totp_are_refused_when_it_is_required() {
    let (mut app, _) = TestApp::with_fixture().await;
    app.store.set_require_admin_totp(&kuzet_register::Actor::system(), true).await.unwrap();
    let refused = post_password(&mut app, "admin").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("kuzet user totp-enable admin"), "the page says how to enrol: {}", refused.body);
    assert!(app.cookie("kuzet_session").is_none());

    let mut coordinator = app.browser();
    assert_eq!(post_password(&mut coordinator, "coordinator").await.status, StatusCode::SEE_OTHER, "other roles need no TOTP");

    let secret = enrol_totp(&app, "admin").await;
    let code_form = post_password(&mut app, "admin").await;
    let current = totp_now(&app, &secret);
    let signed_in = post_code(&mut app, &code_form.body, &current).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert_eq!(app.get("/admin/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_admin_removes_a_lost_second_factor_on_the_accounts_page() {
    let (mut admin, _) = TestApp::with_fixture().await;
    enrol_totp(&admin, "analyst").await;
    let analyst_id = admin.store.find_user(&kuzet_register::Actor::system(), "analyst").await.unwrap().unwrap().id;
    let path = format!("/admin/users/{analyst_id}/totp-disable");

    let mut coordinator = admin.browser();
    coordinator.login("coordinator").await;
    let csrf = coordinator.csrf().await;
    assert_eq!(coordinator.post_form(&path, &[("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    assert!(admin.store.find_user(&kuzet_register::Actor::system(), "analyst").await.unwrap().unwrap().totp);

    // The admin signs in through both steps (they have TOTP too), sees who has it, removes it.
    let admin_secret = enrol_totp(&admin, "admin").await;
    let code_form = post_password(&mut admin, "admin").await;
    let current = totp_now(&admin, &admin_secret);
    assert_eq!(post_code(&mut admin, &code_form.body, &current).await.status, StatusCode::SEE_OTHER);
    let page = admin.get("/admin/users").await;
    assert_eq!(page.body.matches("/totp-disable\"").count(), 2, "a removal button for each enrolled account: {}", page.body);
    let csrf = admin.csrf().await;
    let removed = admin.post_form(&path, &[("csrf", &csrf)]).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert!(!removed.body.contains(&path), "{}", removed.body);
    assert!(!admin.store.find_user(&kuzet_register::Actor::system(), "analyst").await.unwrap().unwrap().totp);

    let mut analyst = admin.browser();
    assert_eq!(post_password(&mut analyst, "analyst").await.status, StatusCode::SEE_OTHER, "the password alone signs in again");
}

/// The value of the hidden `secret` field of the TOTP page.
fn secret_in(page: &str) -> String {
    let marker = "name=\"secret\" value=\"";
    let start = page.find(marker).expect("the page has an enrolment form") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_user_enrols_their_own_authenticator_with_password_and_code() {
    let (mut app, _) = TestApp::with_fixture().await;
    assert_eq!(app.get("/account/totp").await.status, StatusCode::SEE_OTHER, "visitors are sent to sign in");
    app.login("volunteer").await;
    let page = app.get("/account/totp").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("no second factor yet"), "{}", page.body);
    let secret = secret_in(&page.body);
    let shown = page.body.replace("&#x2f;", "/").replace("&amp;", "&");
    assert!(shown.contains(&format!("otpauth://totp/Kuzet:volunteer?secret={secret}&issuer=Kuzet")), "{}", page.body);
    let bytes = kuzet_store::totp::base32_decode(&secret).unwrap();
    let csrf = csrf_in(&page.body);

    let code = totp_now(&app, &bytes);
    let wrong_password = app.post_form("/account/totp", &[("csrf", &csrf), ("secret", &secret), ("code", &code), ("password", "not my password")]).await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED, "a stolen session alone cannot enrol");
    assert_eq!(secret_in(&wrong_password.body), secret, "the same secret is offered again");
    let wrong_code = app.post_form("/account/totp", &[("csrf", &csrf), ("secret", &secret), ("code", other_code(&code)), ("password", crate::PASSWORD)]).await;
    assert_eq!(wrong_code.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong_code.body);
    assert!(wrong_code.body.contains("does not match this secret now"), "{}", wrong_code.body);
    let volunteer = kuzet_register::Actor::system();
    assert!(!app.store.find_user(&volunteer, "volunteer").await.unwrap().unwrap().totp, "nothing stored yet");

    let done = app.post_form("/account/totp", &[("csrf", &csrf), ("secret", &secret), ("code", &code), ("password", crate::PASSWORD)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("The second factor is enabled"), "{}", done.body);
    assert!(!done.body.contains(&secret), "the secret is not shown again");
    assert!(app.store.find_user(&volunteer, "volunteer").await.unwrap().unwrap().totp);

    // The next sign-in asks for a code from that secret.
    app.clock.advance(time::Duration::seconds(30));
    let mut again = app.browser();
    let code_form = post_password(&mut again, "volunteer").await;
    let current = totp_now(&app, &bytes);
    assert_eq!(post_code(&mut again, &code_form.body, &current).await.status, StatusCode::SEE_OTHER);
    let status = again.get("/account/totp").await;
    assert!(status.body.contains("Your account has a second factor"), "{}", status.body);
}
