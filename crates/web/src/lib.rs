//! The web app and JSON API: the only crate that knows HTTP, HTML and JSON view types.
//! Handlers are thin: they parse input into domain types, ask `kuzet_register::can`, call the
//! store, render.
//!
//! Pages are server-rendered (minijinja templates embedded in the binary) and work with
//! JavaScript off; there is no script at all. Every response carries strict security headers
//! (`security`), every unsafe request is CSRF-checked (`viewer`), and every page is offered in
//! English and Russian, with Kazakh started (`i18n`). It must never build SQL or log personal
//! data.

mod cookies;
mod error;
mod i18n;
mod pages;
mod security;
mod templates;
mod viewer;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Html;
use axum::routing::get;
use kuzet_register::Role;
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
}

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    config: WebConfig,
    templates: Templates,
    catalogues: Catalogues,
}

/// A live session, as the viewer middleware needs it.
#[derive(Debug, Clone)]
pub(crate) struct LiveSession {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub csrf_token: String,
}

impl AppState {
    pub fn new(config: WebConfig) -> AppState {
        AppState { shared: Arc::new(Shared { config, templates: Templates::load(), catalogues: Catalogues::load() }) }
    }

    pub fn config(&self) -> &WebConfig {
        &self.shared.config
    }

    pub(crate) fn catalogues(&self) -> &Catalogues {
        &self.shared.catalogues
    }

    pub(crate) async fn session(&self, _token: &str) -> Result<Option<LiveSession>, WebError> {
        Ok(None)
    }

    /// Renders `template` for `viewer` with the shared layout context plus `extra`.
    pub(crate) fn page(&self, viewer: &Viewer, template: &str, extra: impl Serialize) -> Result<Html<String>, WebError> {
        let languages: Vec<serde_json::Value> =
            Lang::ALL.iter().map(|lang| serde_json::json!({ "code": lang.code(), "name": lang.native_name() })).collect();
        let base = minijinja::context! {
            t => minijinja::Value::from_serialize(&**self.shared.catalogues.messages(viewer.lang)),
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
        .route("/login", get(pages::login_form))
        .route("/static/kuzet.css", get(pages::stylesheet))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), viewer::middleware))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Serves `state` on `addr` until Ctrl-C.
pub async fn serve(addr: SocketAddr, state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // When the signal handler cannot be installed the server still runs; it stops with the process.
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
