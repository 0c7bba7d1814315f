//! The web app and JSON API: the only crate that knows HTTP, HTML and JSON view types.
//! Handlers are thin: they parse input into domain types, ask `kuzet_register::can`, call the
//! store, render.
//!
//! Pages are server-rendered (minijinja templates embedded in the binary) and work with
//! JavaScript off; the only script is one vendored file that checks a protocol's arithmetic
//! as it is typed (`submissions`), served from our origin. Every response carries strict security headers
//! (`security`), every unsafe request is CSRF-checked (`viewer`), and every page is offered in
//! English and Russian, with Kazakh started (`i18n`). It must never build SQL or log personal
//! data.

mod account;
mod api;
mod audit;
mod cookies;
mod duplicates;
mod elections;
mod error;
mod events;
mod forms;
mod i18n;
mod import;
mod pages;
mod persons;
mod security;
mod submissions;
mod templates;
mod users;
mod viewer;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Html;
use axum::routing::{get, post};
use kuzet_register::Role;
use kuzet_store::{ApiTokenScope, Store};
use serde::Serialize;
use tower_http::limit::RequestBodyLimitLayer;

pub use error::WebError;
pub use i18n::Lang;
pub use security::CONTENT_SECURITY_POLICY;
pub use viewer::BODY_LIMIT_BYTES;

use i18n::Catalogues;
use templates::Templates;
use viewer::Viewer;

/// How the app is deployed.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure`: set when served over TLS or behind a TLS-terminating proxy.
    pub secure_cookies: bool,
    /// Take the client address for login throttling from `X-Forwarded-For` (only behind a
    /// proxy that sets it; otherwise a visitor could choose their own address).
    pub behind_proxy: bool,
    /// The Kazakhstan 2019 case-study page, rendered once at start-up, served at
    /// `/elections/kz-2019`.
    pub case_study_html: Option<String>,
}

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    store: Store,
    config: WebConfig,
    templates: Templates,
    catalogues: Catalogues,
    /// Each language's messages as a template value, built once: pages render them on every request.
    messages: Vec<(Lang, minijinja::Value)>,
    /// The events for filter and form choices, kept a few seconds: counting every event's
    /// detentions on each list request would cost more than the list itself.
    event_choices: std::sync::Mutex<Option<(std::time::Instant, Arc<Vec<kuzet_store::EventRow>>)>>,
    /// Spreadsheets uploaded for import, waiting for their column mapping.
    uploads: import::PendingUploads,
}

/// How long the event choices are kept.
const EVENT_CHOICES_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// A live session or API token, as the viewer middleware needs it.
#[derive(Debug, Clone)]
pub(crate) struct LiveSession {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub csrf_token: String,
    /// Set when the request was authenticated by an API token rather than a session.
    pub token_scopes: Option<Vec<ApiTokenScope>>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        let catalogues = Catalogues::load();
        let messages = Lang::ALL.iter().map(|lang| (*lang, minijinja::Value::from_serialize(&**catalogues.messages(*lang)))).collect();
        let shared =
            Shared { store, config, templates: Templates::load(), catalogues, messages, event_choices: std::sync::Mutex::new(None), uploads: Default::default() };
        AppState { shared: Arc::new(shared) }
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn config(&self) -> &WebConfig {
        &self.shared.config
    }

    pub(crate) fn catalogues(&self) -> &Catalogues {
        &self.shared.catalogues
    }

    /// The events, for choices in filters and forms; at most a few seconds old.
    pub(crate) async fn event_choices(&self) -> Result<Arc<Vec<kuzet_store::EventRow>>, WebError> {
        let cached = |slot: &Option<(std::time::Instant, Arc<Vec<kuzet_store::EventRow>>)>| {
            slot.as_ref().filter(|(at, _)| at.elapsed() < EVENT_CHOICES_TTL).map(|(_, events)| events.clone())
        };
        if let Some(events) = cached(&self.shared.event_choices.lock().unwrap_or_else(|poisoned| poisoned.into_inner())) {
            return Ok(events);
        }
        let events = Arc::new(self.store().events().await?);
        *self.shared.event_choices.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((std::time::Instant::now(), events.clone()));
        Ok(events)
    }

    /// Spreadsheets uploaded for import, between the steps of the import.
    pub(crate) fn uploads(&self) -> &import::PendingUploads {
        &self.shared.uploads
    }

    /// Drops the cached event choices after an event was added.
    pub(crate) fn forget_event_choices(&self) {
        *self.shared.event_choices.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    pub(crate) async fn session(&self, token: &str) -> Result<Option<LiveSession>, WebError> {
        Ok(self.store().session(token).await?.map(|user| LiveSession {
            user_id: user.user_id.0,
            username: user.username,
            role: user.role,
            csrf_token: user.csrf_token,
            token_scopes: None,
        }))
    }

    pub(crate) async fn api_token(&self, token: &str) -> Result<Option<LiveSession>, WebError> {
        Ok(self.store().api_token(token).await?.map(|user| LiveSession {
            user_id: user.user_id.0,
            username: user.username,
            role: user.role,
            csrf_token: String::new(),
            token_scopes: Some(user.scopes),
        }))
    }

    /// Renders `template` for `viewer` with the shared layout context plus `extra`.
    pub(crate) fn page(&self, viewer: &Viewer, template: &str, extra: impl Serialize) -> Result<Html<String>, WebError> {
        let languages: Vec<serde_json::Value> =
            Lang::ALL.iter().map(|lang| serde_json::json!({ "code": lang.code(), "name": lang.native_name() })).collect();
        let base = minijinja::context! {
            t => self.shared.messages.iter().find(|(lang, _)| *lang == viewer.lang).map(|(_, messages)| messages.clone()).unwrap_or_default(),
            lang => viewer.lang.code(),
            languages => languages,
            user => viewer.user.clone(),
            csrf => viewer.csrf.clone(),
            may => viewer.offers(),
        };
        let context = minijinja::context! { ..minijinja::Value::from_serialize(&extra), ..base };
        self.shared.templates.render(template, &context).map(Html)
    }
}

/// The whole app: pages, the JSON API, the stylesheet, with security headers, body limits and
/// the visitor/CSRF middleware around every route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/dashboard", get(pages::dashboard))
        .route("/audit", get(audit::log))
        .route("/admin/users", get(users::list).post(users::add))
        .route("/admin/users/{id}/{change}", post(users::change))
        .route("/account/tokens", get(account::tokens).post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/totp", get(account::totp_form).post(account::enable_totp))
        .route("/events", get(pages::events))
        .route("/events/new", get(events::new_event_form).post(events::create_event))
        .route("/events/{id}", get(pages::event))
        .route("/events/{id}/claims/new", get(events::new_claim_form))
        .route("/events/{id}/claims", post(events::create_claim))
        .route("/public", get(pages::public_list))
        .route("/public.csv", get(pages::public_csv))
        .route("/elections", get(elections::list))
        .route("/elections/new", get(elections::new_election_form).post(elections::create_election))
        .route("/elections/{slug}", get(elections::overview))
        .route("/elections/{slug}/stations", post(elections::import_stations))
        .route("/elections/{slug}/case-study", get(elections::case_study_report))
        .route("/elections/{slug}/areas/{id}", get(elections::area))
        .route("/elections/{slug}/areas/{id}/verification.json", get(elections::area_json))
        .route("/elections/{slug}/areas/{id}/forensics", get(elections::area_forensics))
        .route("/elections/{slug}/stations/{code}", get(elections::station))
        .route("/elections/{slug}/submit", get(submissions::form).post(submissions::submit))
        .route("/elections/{slug}/conflicts", get(elections::conflicts))
        .route("/elections/{slug}/conflicts/resolve", post(elections::resolve))
        .route("/elections/{slug}/official", get(elections::official).post(elections::import_official))
        .route("/elections/{slug}/official/{id}", get(elections::official_import))
        .route("/elections/{slug}/publication", post(elections::set_publication))
        .route("/elections/{slug}/export/{file}", get(elections::export))
        .route("/public/elections/{slug}", get(elections::public_election))
        .route("/photos/{id}", get(elections::photo))
        .route("/import", get(import::form).post(import::upload))
        .route("/import/mapping", post(import::mapping))
        .route("/duplicates", get(duplicates::queue))
        .route("/duplicates/merge", post(duplicates::merge))
        .route("/duplicates/not-duplicate", post(duplicates::not_duplicate))
        .route("/duplicates/merges/{id}/undo", post(duplicates::undo))
        .route("/persons", get(persons::list).post(persons::create))
        .route("/persons/new", get(persons::new_form))
        .route("/persons/{id}", get(persons::show))
        .route("/persons/{id}/edit", get(persons::edit_form).post(persons::update))
        .route("/persons/{id}/publication", post(persons::set_publication))
        .route("/persons/{id}/delete", get(persons::delete_form).post(persons::delete))
        .route("/persons/{id}/detentions/new", get(persons::new_detention_form))
        .route("/persons/{id}/detentions", post(persons::create_detention))
        .route("/persons/{id}/detentions/{detention}/edit", get(persons::edit_detention_form).post(persons::update_detention))
        .route("/persons/{id}/detentions/{detention}/{fact}/new", get(persons::new_custody_form))
        .route("/persons/{id}/detentions/{detention}/{fact}", post(persons::create_custody))
        .route("/persons/{id}/detentions/{detention}/decisions/new", get(persons::new_decision_form))
        .route("/persons/{id}/detentions/{detention}/decisions", post(persons::create_decision))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/persons", get(api::persons).post(api::create_person))
        .route("/api/v1/persons/{id}", get(api::person))
        .route("/api/v1/events", get(api::events))
        .route("/api/v1/events/{id}", get(api::event))
        .route("/api/v1/dashboard", get(api::dashboard))
        .route("/api/v1/duplicates", get(duplicates::api_queue))
        .route("/api/v1/public/persons", get(api::public_persons))
        .route("/api/v1/elections", get(submissions::api_elections))
        .route("/api/v1/elections/{slug}/stations/{code}", get(submissions::api_station))
        .route("/api/v1/elections/{slug}/submissions", post(submissions::api_submit))
        .route("/api/v1/submissions/{id}/photos", post(submissions::api_add_photo))
        .route("/api/v1/elections/{slug}/conflicts", get(submissions::api_conflicts))
        .route("/api/v1/elections/{slug}/conflicts/{station}/resolve", post(submissions::api_resolve))
        .route("/api/v1/elections/{slug}/official", post(submissions::api_official))
        .route("/static/kuzet.css", get(pages::stylesheet))
        .route("/static/protocol-check.js", get(submissions::script))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), viewer::middleware))
        .layer(DefaultBodyLimit::max(import::UPLOAD_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(import::UPLOAD_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .with_state(state)
}

/// Serves `store` on `addr` with the default configuration until Ctrl-C.
pub async fn serve(addr: SocketAddr, store: Store) -> std::io::Result<()> {
    serve_app(addr, AppState::new(store, WebConfig::default())).await
}

/// Serves `state` on `addr` until Ctrl-C.
pub async fn serve_app(addr: SocketAddr, state: AppState) -> std::io::Result<()> {
    serve_on(tokio::net::TcpListener::bind(addr).await?, state).await
}

/// Serves `state` on a bound listener (port 0 in tests) until Ctrl-C.
pub async fn serve_on(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // When the signal handler cannot be installed the server still runs; it stops with the process.
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
