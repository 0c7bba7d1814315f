//! The signed-in user's API tokens: create one (shown once), list, revoke. Scripts and field
//! apps use them in `Authorization: Bearer`; a token can never manage tokens itself, so a
//! leaked token cannot make itself permanent.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_store::{ApiTokenId, ApiTokenScope, StoreError};

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
