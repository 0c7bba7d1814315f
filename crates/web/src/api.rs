//! The JSON API under `/api/v1`, authenticated by the session cookie (with the CSRF token in
//! `X-CSRF-Token` for changes) or by an API token in `Authorization: Bearer`. Errors use one
//! envelope: `{"errors":[{"status":…,"detail":"…","field":"…"}]}`. The OpenAPI 3 document at
//! `/api/openapi.json` is written by hand and snapshot-tested.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kuzet_register::{Action, Confidentiality, Resource, ResourceKind};
use kuzet_store::{EventId, PersonId, StoreError};
use serde::Deserialize;

use crate::forms::FieldErrors;
use crate::persons::ListParams;
use crate::viewer::Viewer;
use crate::{AppState, WebError};

/// The OpenAPI 3.0 description of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The error envelope for field validation failures.
fn invalid(errors: &FieldErrors) -> Response {
    let errors: Vec<serde_json::Value> =
        errors.iter().map(|(field, detail)| serde_json::json!({ "status": 422, "field": field, "detail": detail })).collect();
    (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({ "errors": errors }))).into_response()
}

pub async fn persons(State(state): State<AppState>, viewer: Viewer, Query(params): Query<ListParams>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Person))?;
    let (query, errors) = params.to_query();
    if !errors.is_empty() {
        return Ok(invalid(&errors));
    }
    Ok(Json(state.store().list_persons(&viewer.actor, &query).await?).into_response())
}

pub async fn person(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Person))?;
    Ok(Json(state.store().person(&viewer.actor, PersonId(id)).await?).into_response())
}

/// A person as the API accepts it; the same rules as the form apply.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonInputJson {
    name: String,
    aliases: Vec<String>,
    birth: Option<String>,
    city: Option<String>,
    roles: Vec<String>,
    contact: Option<String>,
    address: Option<String>,
    consent: Option<String>,
    notes: Option<String>,
}

pub async fn create_person(State(state): State<AppState>, viewer: Viewer, body: Bytes) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Person))?;
    let input: PersonInputJson = match serde_json::from_slice(&body) {
        Ok(input) => input,
        Err(error) => return Ok(invalid(&FieldErrors::from([("body".to_owned(), error.to_string())]))),
    };
    let form = crate::forms::FormData::from_pairs(
        [
            ("name", input.name),
            ("aliases", input.aliases.join("\n")),
            ("birth", input.birth.unwrap_or_default()),
            ("city", input.city.unwrap_or_default()),
            ("contact", input.contact.unwrap_or_default()),
            ("address", input.address.unwrap_or_default()),
            ("consent", input.consent.unwrap_or_default()),
            ("notes", input.notes.unwrap_or_default()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .chain(input.roles.into_iter().map(|role| ("roles".to_owned(), role)))
        .collect(),
    );
    let new = match crate::persons::parse_person_form(&form) {
        Ok(new) => new,
        Err(errors) => return Ok(invalid(&errors)),
    };
    match state.store().add_person(&viewer.actor, &new).await {
        Ok(id) => {
            let location = format!("/api/v1/persons/{}", id.0);
            Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(serde_json::json!({ "id": id }))).into_response())
        }
        Err(StoreError::Invalid { field, message }) => Ok(invalid(&FieldErrors::from([(field, message)]))),
        Err(error) => Err(error.into()),
    }
}

pub async fn events(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Event))?;
    Ok(Json(state.store().events().await?).into_response())
}

pub async fn event(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Event))?;
    Ok(Json(state.store().event_page(&viewer.actor, EventId(id)).await?).into_response())
}

pub async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Register))?;
    Ok(Json(state.store().dashboard(&viewer.actor).await?).into_response())
}

pub async fn public_persons(State(state): State<AppState>, viewer: Viewer, Query(params): Query<ListParams>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Person).published(true).at_level(Confidentiality::Public))?;
    let (query, errors) = params.to_query();
    if !errors.is_empty() {
        return Ok(invalid(&errors));
    }
    Ok(Json(state.store().public_persons(&query).await?).into_response())
}
