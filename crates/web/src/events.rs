//! Forms to record an event (a rally on a day in a city) and an official claim about it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_register::{Action, City, ClaimedCount, Event, OfficialClaim, Resource, ResourceKind, parse_date};
use kuzet_store::{EventId, StoreError};
use serde::Serialize;

use crate::forms::{Choice, FieldErrors, FormData, FormField, attach_errors};
use crate::viewer::Viewer;
use crate::{AppState, WebError};

/// The one form template's input, as in `persons`.
#[derive(Debug, Serialize)]
struct FormPage {
    title: String,
    action: String,
    cancel: String,
    fields: Vec<FormField>,
    hidden: Vec<(String, String)>,
    general_errors: Vec<String>,
    has_errors: bool,
    conflict: Option<()>,
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    (title, action, cancel): (String, String, String),
    mut fields: Vec<FormField>,
    errors: &FieldErrors,
) -> Result<Response, WebError> {
    let general_errors = attach_errors(&mut fields, errors, |message| state.catalogues().reason(viewer.lang, message));
    let form =
        FormPage { title, action, cancel, fields, hidden: Vec::new(), general_errors, has_errors: !errors.is_empty(), conflict: None };
    Ok((status, state.page(viewer, "form.html", serde_json::json!({ "form": form }))?).into_response())
}

fn note(errors: &mut FieldErrors, field: &str, reason: String) {
    errors.entry(field.to_owned()).or_insert(reason);
}

fn event_fields(state: &AppState, viewer: &Viewer, form: &FormData) -> Vec<FormField> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    vec![
        FormField::new("title", t("field_title"), "text", form.get("title")).required(),
        FormField::new("date", t("field_date"), "text", form.get("date")).required().hint("09.06.2019"),
        FormField::new("city", t("field_city"), "text", form.get("city")).required(),
        FormField::new("place", t("field_place"), "text", form.get("place")),
        FormField::new("description", t("field_notes"), "textarea", form.get("description")),
    ]
}

fn parse_event(form: &FormData) -> Result<Event, FieldErrors> {
    let mut errors = FieldErrors::new();
    let date = parse_date(form.get("date")).map_err(|e| note(&mut errors, "date", e.reason)).ok();
    let city = City::parse(form.get("city")).map_err(|e| note(&mut errors, "city", e.reason)).ok();
    if form.get("description").chars().count() > 2000 {
        note(&mut errors, "description", "is longer than 2,000 characters".into());
    }
    let (Some(date), Some(city)) = (date, city) else {
        if form.get("title").trim().is_empty() {
            note(&mut errors, "title", "is empty".into());
        }
        return Err(errors);
    };
    match Event::new(form.get("title"), date, city, form.get("place")) {
        Ok(mut event) if errors.is_empty() => {
            event.description = form.get("description").trim().to_owned();
            Ok(event)
        }
        Ok(_) => Err(errors),
        Err(error) => {
            note(&mut errors, error.field, error.reason);
            Err(errors)
        }
    }
}

fn event_labels(state: &AppState, viewer: &Viewer) -> (String, String, String) {
    (state.catalogues().text(viewer.lang, "event_new", &[]), "/events/new".to_owned(), "/events".to_owned())
}

pub async fn new_event_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Event))?;
    let fields = event_fields(&state, &viewer, &FormData::default());
    render(&state, &viewer, StatusCode::OK, event_labels(&state, &viewer), fields, &FieldErrors::new())
}

pub async fn create_event(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Event))?;
    let errors = match parse_event(&form) {
        Ok(event) => match state.store().add_event(&viewer.actor, &event).await {
            Ok(id) => {
                state.forget_event_choices();
                return Ok(Redirect::to(&format!("/events/{}", id.0)).into_response());
            }
            Err(StoreError::Invalid { field, message }) => FieldErrors::from([(field, message)]),
            Err(error) => return Err(error.into()),
        },
        Err(errors) => errors,
    };
    let fields = event_fields(&state, &viewer, &form);
    render(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, event_labels(&state, &viewer), fields, &errors)
}

const QUALIFIERS: [&str; 4] = ["exactly", "about", "at_least", "none"];

fn claim_fields(state: &AppState, viewer: &Viewer, form: &FormData) -> Vec<FormField> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let qualifier = if form.get("qualifier").is_empty() { "about" } else { form.get("qualifier") };
    vec![
        FormField::new("said_by", t("dashboard_claim_said_by"), "text", form.get("said_by")).required(),
        FormField::new("said_on", t("dashboard_claim_said_on"), "text", form.get("said_on")).required().hint("10.06.2019"),
        FormField::new("qualifier", t("claim_qualifier"), "select", qualifier)
            .options(QUALIFIERS.iter().map(|value| Choice::new(*value, crate::persons::label(state, viewer, "claim", value))).collect()),
        FormField::new("value", t("dashboard_claim_count"), "number", form.get("value")),
        FormField::new("subject", t("dashboard_claim_subject"), "text", form.get("subject")).hint("detained in Almaty and Nur-Sultan"),
        FormField::new("source_url", t("field_source_reference"), "text", form.get("source_url")).required(),
    ]
}

fn parse_claim(form: &FormData) -> Result<OfficialClaim, FieldErrors> {
    let mut errors = FieldErrors::new();
    let said_by = form.get("said_by").trim();
    if said_by.is_empty() {
        note(&mut errors, "said_by", "is empty".into());
    }
    let said_on = parse_date(form.get("said_on")).map_err(|e| note(&mut errors, "said_on", e.reason)).ok();
    let value = match (form.get("qualifier"), form.get("value").trim()) {
        ("none", _) => Some(0),
        (_, "") => {
            note(&mut errors, "value", "is empty: give the number that was said".into());
            None
        }
        (_, raw) => raw.parse::<u32>().map_err(|_| note(&mut errors, "value", format!("`{raw}` is not a whole number"))).ok(),
    };
    let count = value.and_then(|value| {
        ClaimedCount::from_parts(form.get("qualifier"), value).map_err(|e| note(&mut errors, "qualifier", e.reason)).ok()
    });
    let source_url = form.get("source_url").trim();
    if source_url.is_empty() {
        note(&mut errors, "source_url", "is empty: every claim needs its source".into());
    }
    match (said_on, count) {
        (Some(said_on), Some(count)) if errors.is_empty() => Ok(OfficialClaim {
            said_by: said_by.to_owned(),
            said_on,
            count,
            subject: form.get("subject").trim().to_owned(),
            source_url: source_url.to_owned(),
        }),
        _ => Err(errors),
    }
}

fn claim_labels(state: &AppState, viewer: &Viewer, id: i64) -> (String, String, String) {
    (state.catalogues().text(viewer.lang, "claim_new", &[]), format!("/events/{id}/claims"), format!("/events/{id}"))
}

pub async fn new_claim_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Event))?;
    state.store().event(EventId(id)).await?;
    let fields = claim_fields(&state, &viewer, &FormData::default());
    render(&state, &viewer, StatusCode::OK, claim_labels(&state, &viewer, id), fields, &FieldErrors::new())
}

pub async fn create_claim(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Event))?;
    state.store().event(EventId(id)).await?;
    let errors = match parse_claim(&form) {
        Ok(claim) => match state.store().add_official_claim(&viewer.actor, Some(EventId(id)), &claim).await {
            Ok(_) => return Ok(Redirect::to(&format!("/events/{id}")).into_response()),
            Err(StoreError::Invalid { field, message }) => FieldErrors::from([(field, message)]),
            Err(error) => return Err(error.into()),
        },
        Err(errors) => errors,
    };
    let fields = claim_fields(&state, &viewer, &form);
    render(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, claim_labels(&state, &viewer, id), fields, &errors)
}
