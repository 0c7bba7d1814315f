//! The signed-in user's API tokens: create one (shown once), list, revoke. Scripts and field
//! apps use them in `Authorization: Bearer`; a token can never manage tokens itself, so a
//! leaked token cannot make itself permanent.
//!
//! And their TOTP second factor: the page shows a fresh secret with its `otpauth://` URI, and
//! the form sends it back with the user's password and a code from their app. The secret
//! travels in a hidden field rather than being kept server-side: it is the user's own, shown
//! to them anyway, and the store takes it only with a code that matches it now; the password
//! is asked so that a stolen session alone cannot swap the second factor.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_register::UserId;
use kuzet_store::{ApiTokenId, ApiTokenScope, StoreError, totp};

use crate::forms::FormData;
use crate::viewer::Viewer;
use crate::{AppState, WebError};

/// Only a person signed in with a session manages tokens.
fn require_session(viewer: &Viewer) -> Result<(), WebError> {
    match (&viewer.user, &viewer.token_scopes) {
        (None, _) => Err(WebError::NeedLogin),
        (Some(_), Some(_)) => Err(WebError::Forbidden),
        (Some(_), None) => Ok(()),
    }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let tokens = state.store().list_api_tokens(&viewer.actor).await?;
    let context = serde_json::json!({ "tokens": tokens, "new_token": new_token, "error": error });
    Ok((status, state.page(viewer, "tokens.html", context)?).into_response())
}

pub async fn tokens(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    require_session(&viewer)?;
    page(&state, &viewer, StatusCode::OK, None, None).await
}

pub async fn create_token(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    require_session(&viewer)?;
    let scopes: Vec<ApiTokenScope> = form.all("scopes").into_iter().filter_map(ApiTokenScope::parse).collect();
    match state.store().create_api_token(&viewer.actor, form.get("name"), &scopes).await {
        Ok(created) => page(&state, &viewer, StatusCode::OK, Some(created.token), None).await,
        Err(StoreError::Invalid { field, message }) => {
            page(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, None, Some(format!("{field}: {message}"))).await
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn revoke_token(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    require_session(&viewer)?;
    state.store().revoke_api_token(&viewer.actor, ApiTokenId(id)).await?;
    Ok(Redirect::to("/account/tokens").into_response())
}

/// The TOTP page: whether the account has a second factor, and a fresh secret to enrol (or
/// replace it) with.
async fn totp_page(state: &AppState, viewer: &Viewer, status: StatusCode, secret: Option<&str>, error: Option<String>) -> Result<Response, WebError> {
    let user = viewer.user.as_ref().ok_or(WebError::NeedLogin)?;
    let enabled = state.store().totp_enabled(UserId(user.user_id)).await?;
    let secret = match secret {
        Some(secret) => secret.to_owned(),
        None => kuzet_store::new_totp_enrolment(&user.username)?.secret,
    };
    let uri = totp::uri(&user.username, &secret);
    let context = serde_json::json!({ "enabled": enabled, "secret": secret, "uri": uri, "error": error, "done": false });
    Ok((status, state.page(viewer, "totp.html", context)?).into_response())
}

pub async fn totp_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    require_session(&viewer)?;
    totp_page(&state, &viewer, StatusCode::OK, None, None).await
}

/// Enrols the secret of the form when the password and a current code confirm it.
pub async fn enable_totp(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    require_session(&viewer)?;
    let user = viewer.user.as_ref().ok_or(WebError::NeedLogin)?;
    let secret = form.get("secret").trim().to_owned();
    let text = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    match state.store().confirm_password(UserId(user.user_id), form.get("password"), &viewer.client_addr).await {
        Ok(()) => {}
        Err(StoreError::WrongCredentials) => {
            return totp_page(&state, &viewer, StatusCode::UNAUTHORIZED, Some(&secret), Some(text("totp_wrong_password"))).await;
        }
        Err(StoreError::Throttled { retry_after_secs }) => {
            let message = state.catalogues().text(viewer.lang, "login_throttled", &[("secs", &retry_after_secs.to_string())]);
            return totp_page(&state, &viewer, StatusCode::TOO_MANY_REQUESTS, Some(&secret), Some(message)).await;
        }
        Err(error) => return Err(error.into()),
    }
    let code: String = form.get("code").chars().filter(|c| !c.is_whitespace()).collect();
    match state.store().enable_totp(&viewer.actor, UserId(user.user_id), &secret, &code).await {
        Ok(()) => {
            let context = serde_json::json!({ "enabled": true, "done": true });
            Ok(state.page(&viewer, "totp.html", context)?.into_response())
        }
        Err(StoreError::Invalid { field, .. }) if field == "code" => {
            totp_page(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(&secret), Some(text("totp_wrong_code"))).await
        }
        Err(StoreError::Invalid { .. }) => totp_page(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, None, Some(text("totp_bad_secret"))).await,
        Err(error) => Err(error.into()),
    }
}
