//! Account administration for admins: add an account (its first password generated and shown
//! once), change a role, disable or enable, and reset a password. Every change is in the audit
//! log; passwords never are.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kuzet_register::{Action, Resource, ResourceKind, Role, UserId};
use kuzet_store::StoreError;

use crate::forms::FormData;
use crate::viewer::Viewer;
use crate::{AppState, WebError};

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    viewer.require(Action::ManageUsers, &Resource::of(ResourceKind::User))
}

/// Twenty characters without look-alikes, from the operating system's randomness.
fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let limit = 256 - 256 % ALPHABET.len();
    let mut password = String::with_capacity(20);
    while password.len() < 20 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
        // Rejection sampling keeps every character equally likely.
        for byte in bytes {
            if usize::from(byte) < limit && password.len() < 20 {
                password.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    password
}

async fn page(state: &AppState, viewer: &Viewer, status: StatusCode, notice: serde_json::Value) -> Result<Response, WebError> {
    let users = state.store().list_users(&viewer.actor).await?;
    let roles: Vec<&str> = Role::ALL.iter().filter(|role| **role != Role::Public).map(|role| role.as_str()).collect();
    let context = serde_json::json!({ "users": users, "roles": roles, "notice": notice });
    Ok((status, state.page(viewer, "users.html", context)?).into_response())
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    page(&state, &viewer, StatusCode::OK, serde_json::Value::Null).await
}

pub async fn add(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let username = form.get("username").trim().to_owned();
    let role = match Role::parse(form.get("role")) {
        Ok(role) => role,
        Err(error) => {
            return page(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, serde_json::json!({ "error": error.to_string() })).await;
        }
    };
    let password = generated_password();
    match state.store().add_user(&viewer.actor, &username, &password, role).await {
        Ok(_) => page(&state, &viewer, StatusCode::OK, serde_json::json!({ "username": username, "password": password })).await,
        Err(StoreError::Invalid { field, message }) => {
            let error = format!("{field}: {}", state.catalogues().reason(viewer.lang, &message));
            page(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, serde_json::json!({ "error": error })).await
        }
        Err(error) => Err(error.into()),
    }
}

/// One change to an existing account: `disable`, `enable`, `reset`, `role` or `totp-disable`
/// (removes a second factor, e.g. after a lost phone; enrolling one is `kuzet user
/// totp-enable`, where the secret never passes through a page).
pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, what)): Path<(i64, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let user = UserId(id);
    let store = state.store();
    let notice = match what.as_str() {
        "disable" => {
            if viewer.actor.user_id == Some(user) {
                return Err(WebError::BadRequest("an admin cannot disable their own account".into()));
            }
            store.disable_user(&viewer.actor, user).await?;
            serde_json::Value::Null
        }
        "enable" => {
            store.enable_user(&viewer.actor, user).await?;
            serde_json::Value::Null
        }
        "reset" => {
            let password = generated_password();
            store.reset_password(&viewer.actor, user, &password).await?;
            let username =
                store.list_users(&viewer.actor).await?.into_iter().find(|row| row.id == id).map(|row| row.username).unwrap_or_default();
            serde_json::json!({ "username": username, "password": password })
        }
        "role" => {
            let role = Role::parse(form.get("role")).map_err(|error| WebError::BadRequest(error.to_string()))?;
            store.set_user_role(&viewer.actor, user, role).await?;
            serde_json::Value::Null
        }
        "totp-disable" => {
            store.disable_totp(&viewer.actor, user).await?;
            serde_json::Value::Null
        }
        _ => return Err(WebError::NotFound),
    };
    page(&state, &viewer, StatusCode::OK, notice).await
}
