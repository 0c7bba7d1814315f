//! Who is asking, in which language, and whether an unsafe request carries the right CSRF
//! token. One middleware resolves this once per request and stores a `Viewer` in the request's
//! extensions; handlers take it with the `Viewer` extractor.
//!
//! Every POST (and any other unsafe method) must carry the CSRF token of the visitor: the
//! session's token once signed in, or the `kuzet_csrf` cookie's token on the sign-in form. It
//! comes as the form field `csrf` or, for JSON calls, the `X-CSRF-Token` header. The check
//! lives here, not in handlers, so that no route can forget it.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_register::{Action, Actor, Resource, ResourceKind, UserId, can};
use kuzet_store::ApiTokenScope;
use serde::Serialize;

use crate::cookies;
use crate::i18n::Lang;
use crate::{AppState, WebError};

/// The largest request body any route accepts: forms and JSON records are small.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The visitor of one request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub user: Option<SignedIn>,
    pub lang: Lang,
    /// The token that this visitor's forms carry.
    pub csrf: String,
    /// The session token from the cookie, when it named a live session.
    pub session_token: Option<String>,
    /// The scopes of the API token that authenticated this request, if one did.
    pub token_scopes: Option<Vec<ApiTokenScope>>,
    /// The client's address, for login throttling (never logged).
    pub client_addr: String,
}

/// A signed-in user, as pages show them.
#[derive(Debug, Clone, Serialize)]
pub struct SignedIn {
    pub user_id: i64,
    pub username: String,
    pub role: &'static str,
}

/// What the navigation and pages may offer this visitor; every route still asks `can` itself.
#[derive(Debug, Clone, Serialize)]
pub struct Offers {
    pub view_register: bool,
    pub import: bool,
    pub create_event: bool,
    pub manage_users: bool,
    pub create_person: bool,
    pub publish: bool,
    pub view_audit: bool,
    /// The duplicate review queue, open to those who may export the register.
    pub review_duplicates: bool,
    pub view_restricted: bool,
}

impl Viewer {
    /// The role's permission, narrowed by the API token's scopes when a token is used.
    pub fn can(&self, action: Action, resource: &Resource) -> bool {
        let scope_allows = match &self.token_scopes {
            None => true,
            Some(scopes) => scopes.iter().any(|scope| scope.covers(action, resource.kind)),
        };
        scope_allows && can(&self.actor, action, resource)
    }

    /// `Ok` when allowed; otherwise the error that fits: a sign-in for anonymous visitors, a
    /// refusal for signed-in users whose role does not allow it.
    pub fn require(&self, action: Action, resource: &Resource) -> Result<(), WebError> {
        if self.can(action, resource) {
            Ok(())
        } else if self.user.is_none() {
            Err(WebError::NeedLogin)
        } else {
            Err(WebError::Forbidden)
        }
    }

    pub fn offers(&self) -> Offers {
        use kuzet_register::Confidentiality;
        let person = Resource::of(ResourceKind::Person);
        Offers {
            view_register: self.can(Action::View, &Resource::of(ResourceKind::Register)),
            import: self.can(Action::Import, &Resource::of(ResourceKind::Register)),
            create_event: self.can(Action::Create, &Resource::of(ResourceKind::Event)),
            manage_users: self.can(Action::ManageUsers, &Resource::of(ResourceKind::User)),
            create_person: self.can(Action::Create, &person),
            publish: self.can(Action::Publish, &person),
            view_audit: self.can(Action::ViewAudit, &Resource::of(ResourceKind::AuditLog)),
            review_duplicates: self.can(Action::Export, &Resource::of(ResourceKind::Register)),
            view_restricted: self.can(Action::View, &person.at_level(Confidentiality::Restricted)),
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Viewer, WebError> {
        parts.extensions.get::<Viewer>().cloned().ok_or_else(|| WebError::Internal("the viewer middleware did not run".into()))
    }
}

/// Resolves the visitor, checks CSRF on unsafe methods, and renders errors as pages.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let query_lang = query_param(parts.uri.query().unwrap_or(""), "lang").and_then(|code| Lang::from_code(&code));
    let lang = query_lang
        .or_else(|| cookies::get(&parts.headers, cookies::LANG).and_then(|code| Lang::from_code(&code)))
        .or_else(|| parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language))
        .unwrap_or(Lang::En);
    let is_api = parts.uri.path().starts_with("/api/");

    let client_addr = client_addr(&parts, state.config().behind_proxy);
    // An API token in `Authorization: Bearer` wins over cookies: scripts send no cookies, and
    // a browser cannot be made to send this header cross-site, so such calls need no CSRF token.
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    let session_token = if bearer.is_some() { None } else { cookies::get(&parts.headers, cookies::SESSION) };
    let found = match (&bearer, &session_token) {
        (Some(token), _) => state.api_token(token).await,
        (None, Some(token)) => state.session(token).await,
        (None, None) => Ok(None),
    };
    let session = match found {
        Ok(session) => session,
        Err(error) => {
            let viewer = anonymous(lang, String::new(), client_addr);
            return render_error(&state, &viewer, is_api, &parts.method, &parts.uri, error);
        }
    };
    if bearer.is_some() && session.is_none() {
        let viewer = anonymous(lang, String::new(), client_addr);
        return render_error(&state, &viewer, is_api, &parts.method, &parts.uri, WebError::NeedLogin);
    }
    let mut new_anonymous_csrf = None;
    let mut stale_session_cookie = false;
    let viewer = match session {
        Some(session) => Viewer {
            actor: Actor::user(UserId(session.user_id), session.role),
            user: Some(SignedIn { user_id: session.user_id, username: session.username, role: session.role.as_str() }),
            lang,
            csrf: session.csrf_token,
            session_token: session_token.clone(),
            token_scopes: session.token_scopes,
            client_addr,
        },
        None => {
            stale_session_cookie = session_token.is_some();
            let csrf = cookies::get(&parts.headers, cookies::ANONYMOUS_CSRF).unwrap_or_else(|| {
                let token = cookies::random_token();
                new_anonymous_csrf = Some(token.clone());
                token
            });
            anonymous(lang, csrf, client_addr)
        }
    };

    let body = if is_safe(&parts.method) || viewer.token_scopes.is_some() {
        body
    } else {
        // Only the import takes a spreadsheet; every other form and JSON body is small.
        let limit = if parts.uri.path() == "/import" {
            crate::import::UPLOAD_LIMIT_BYTES
        } else if crate::submissions::takes_photos(parts.uri.path()) || crate::elections::takes_upload(parts.uri.path()) {
            // A protocol with its photos, or an official results table.
            crate::submissions::SUBMISSION_LIMIT_BYTES
        } else {
            BODY_LIMIT_BYTES
        };
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(bytes) => bytes,
            Err(_) => return render_error(&state, &viewer, is_api, &parts.method, &parts.uri, WebError::TooLarge),
        };
        let provided = parts
            .headers
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| is_form(&parts.headers).then(|| query_param(&String::from_utf8_lossy(&bytes), "csrf")).flatten())
            // A file upload carries the token in its action URL, so the body need not be parsed here.
            .or_else(|| is_multipart(&parts.headers).then(|| query_param(parts.uri.query().unwrap_or(""), "csrf")).flatten());
        let valid = provided.is_some_and(|token| cookies::same_secret(&token, &viewer.csrf));
        if !valid || new_anonymous_csrf.is_some() {
            return render_error(&state, &viewer, is_api, &parts.method, &parts.uri, WebError::Csrf);
        }
        Body::from(bytes)
    };

    parts.extensions.insert(viewer.clone());
    let error_parts = (parts.method.clone(), parts.uri.clone());
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(error) = response.extensions().get::<WebError>().cloned() {
        let (method, uri) = error_parts;
        let rendered = render_error(&state, &viewer, is_api, &method, &uri, error);
        // Cookies set by the handler (a cleared session, for one) still apply.
        let set_cookies: Vec<_> = response.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
        response = rendered;
        for cookie in set_cookies {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    let secure = state.config().secure_cookies;
    if stale_session_cookie && !response.headers().contains_key(header::SET_COOKIE) {
        // An expired or unknown session cookie is cleared so that the browser stops sending it.
        response.headers_mut().append(header::SET_COOKIE, cookies::set(cookies::SESSION, "", secure, Some(0)));
    }
    if let Some(token) = new_anonymous_csrf {
        response.headers_mut().append(header::SET_COOKIE, cookies::set(cookies::ANONYMOUS_CSRF, &token, secure, None));
    }
    if let Some(lang) = query_lang {
        response.headers_mut().append(header::SET_COOKIE, cookies::set(cookies::LANG, lang.code(), secure, Some(365 * 24 * 3600)));
    }
    response
}

fn anonymous(lang: Lang, csrf: String, client_addr: String) -> Viewer {
    Viewer { actor: Actor::public(), user: None, lang, csrf, session_token: None, token_scopes: None, client_addr }
}

/// The address login throttling counts against: the socket's peer, or the first address of
/// `X-Forwarded-For` when configured to trust a proxy.
fn client_addr(parts: &Parts, behind_proxy: bool) -> String {
    if behind_proxy
        && let Some(forwarded) = parts.headers.get("x-forwarded-for").and_then(|value| value.to_str().ok())
        && let Some(first) = forwarded.split(',').next().map(str::trim).filter(|first| !first.is_empty())
    {
        return first.to_owned();
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(|value| value.starts_with("multipart/form-data"))
}

/// The first value of `name` in a URL-encoded string, decoded.
pub fn query_param(encoded: &str, name: &str) -> Option<String> {
    encoded.split('&').filter_map(|pair| pair.split_once('=')).find(|(key, _)| *key == name).map(|(_, value)| percent_decode(value))
}

/// Every `name=value` pair of a URL-encoded string, decoded, in order.
pub fn query_param_pairs(encoded: &str) -> Vec<(String, String)> {
    encoded
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Turns an error into what the visitor sees: a sign-in redirect, a page in their language,
/// or the JSON error envelope under `/api/`.
fn render_error(state: &AppState, viewer: &Viewer, is_api: bool, method: &Method, uri: &Uri, error: WebError) -> Response {
    let status = error.status();
    let message = match &error {
        WebError::Throttled { retry_after_secs } => {
            state.catalogues().text(viewer.lang, error.message_key(), &[("secs", &retry_after_secs.to_string())])
        }
        // Our own words about what was wrong with the request; never internal details.
        WebError::BadRequest(detail) => {
            format!("{} {}", state.catalogues().text(viewer.lang, error.message_key(), &[]), state.catalogues().reason(viewer.lang, detail))
        }
        _ => state.catalogues().text(viewer.lang, error.message_key(), &[]),
    };
    if is_api {
        let body = serde_json::json!({ "errors": [{ "status": status.as_u16(), "detail": message }] });
        return (status, axum::Json(body)).into_response();
    }
    if matches!(error, WebError::NeedLogin) && *method == Method::GET {
        let next = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
        return Redirect::to(&format!("/login?next={}", percent_encode(next))).into_response();
    }
    match state.page(viewer, "error.html", serde_json::json!({ "status": status.as_u16(), "message": message })) {
        Ok(page) => (status, page).into_response(),
        Err(_) => (status, message).into_response(),
    }
}

/// Percent-encodes everything but unreserved characters, for a value inside a query string.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_decode() {
        assert_eq!(query_param("a=1&csrf=ab%2Fc+d&b=2", "csrf").as_deref(), Some("ab/c d"));
        assert_eq!(query_param("a=1", "csrf"), None);
        assert_eq!(query_param("name=%D0%90", "name").as_deref(), Some("А"));
        assert_eq!(query_param("name=100%", "name").as_deref(), Some("100%"));
        assert_eq!(percent_encode("/persons?page=2&x=а"), "/persons%3Fpage%3D2%26x%3D%D0%B0");
    }
}
