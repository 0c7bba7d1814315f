//! Page handlers: thin functions from a request to a rendered template.

use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::templates::STYLESHEET;
use crate::viewer::Viewer;
use crate::{AppState, WebError};
use axum::extract::State;

/// `/`: staff go to the dashboard; everyone else sees the public landing page.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    if viewer.offers().view_register {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    Ok(state.page(&viewer, "home.html", ())?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_form(State(state): State<AppState>, viewer: Viewer, Query(query): Query<LoginQuery>) -> Result<Response, WebError> {
    let next = safe_next(query.next.as_deref());
    Ok(state.page(&viewer, "login.html", serde_json::json!({ "next": next, "username": "", "failure": null }))?.into_response())
}

/// Only local paths may be a redirect target after sign-in, so that a link cannot send a
/// visitor to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], STYLESHEET).into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}
