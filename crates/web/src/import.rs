//! Importing a volunteers' spreadsheet from the browser: upload, check every row, see each
//! rejected row with its line, column and field, then import all rows or none (or, when asked,
//! the good rows only). Parsing and the column mapping are `kuzet_ingest`'s; the store writes
//! the batch in one transaction.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kuzet_ingest::register_import::{DefaultEvent, ImportOptions, KnownEvent, column_letters, plan_import_bytes};
use kuzet_register::{Action, City, Resource, ResourceKind, Source, SourceKind, parse_date};
use kuzet_store::{EventId, ImportRecord, NewDetention, NewPerson};
use serde::Serialize;

use crate::viewer::Viewer;
use crate::{AppState, WebError};

/// The largest spreadsheet accepted: 100,000 rows of a typical sheet fit well below it.
pub const UPLOAD_LIMIT_BYTES: usize = 32 * 1024 * 1024;

fn may_import(viewer: &Viewer) -> Result<(), WebError> {
    viewer.require(Action::Import, &Resource::of(ResourceKind::Register))
}

pub async fn form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    may_import(&viewer)?;
    let events = state.store().events().await?;
    Ok(state.page(&viewer, "import.html", serde_json::json!({ "events": events, "result": null }))?.into_response())
}

/// One refused cell or row, as the page lists it.
#[derive(Debug, Serialize)]
struct RejectionLine {
    line: usize,
    column: String,
    header: String,
    field: &'static str,
    reason: String,
}

/// What the check (and the import, if any) found.
#[derive(Debug, Serialize)]
struct ImportResult {
    file: String,
    mapping: Vec<(String, &'static str)>,
    ignored_headers: Vec<String>,
    accepted: usize,
    rejected_rows: usize,
    rejections: Vec<RejectionLine>,
    /// `checked`, `imported` or `refused`.
    outcome: &'static str,
    imported: usize,
    error: Option<String>,
}

pub async fn upload(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> Result<Response, WebError> {
    may_import(&viewer)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let (mut event, mut mode, mut skip_invalid) = (String::new(), String::from("check"), false);
    while let Some(field) = multipart.next_field().await.map_err(|error| WebError::BadRequest(error.body_text()))? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                let bytes = field.bytes().await.map_err(|error| WebError::BadRequest(error.body_text()))?;
                file = Some((name, bytes.to_vec()));
            }
            "event" => event = field.text().await.map_err(|error| WebError::BadRequest(error.body_text()))?,
            "mode" => mode = field.text().await.map_err(|error| WebError::BadRequest(error.body_text()))?,
            "skip_invalid" => skip_invalid = true,
            _ => {}
        }
    }
    let events = state.store().events().await?;
    let render = |status: StatusCode, result: ImportResult| -> Result<Response, WebError> {
        Ok((status, state.page(&viewer, "import.html", serde_json::json!({ "events": events, "result": result }))?).into_response())
    };
    let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        return Err(WebError::BadRequest("file: choose a spreadsheet".into()));
    };
    let default_event = match event.trim() {
        "" => None,
        id => {
            let id: i64 = id.parse().map_err(|_| WebError::BadRequest(format!("event: `{id}` is not an event")))?;
            let row = events.iter().find(|candidate| candidate.id == EventId(id)).ok_or(WebError::NotFound)?;
            let date = parse_date(&row.date).map_err(|error| WebError::Internal(format!("stored event date: {error}")))?;
            let city = City::parse(&row.city).map_err(|error| WebError::Internal(format!("stored event city: {error}")))?;
            Some((EventId(id), DefaultEvent { date, city }))
        }
    };
    let who = viewer.user.as_ref().map(|user| user.username.clone()).unwrap_or_default();
    let default_source = Source::new(SourceKind::Volunteer, &format!("spreadsheet {file_name}, imported by {who}"), false)
        .map_err(|error| WebError::Internal(error.to_string()))?;
    let options = ImportOptions {
        column_overrides: Vec::new(),
        default_event: default_event.as_ref().map(|(_, event)| event.clone()),
        default_source: Some(default_source),
    };
    let mut plan = match plan_import_bytes(&file_name, &bytes, &options) {
        Ok(plan) => plan,
        Err(error) => {
            let result = ImportResult {
                file: file_name,
                mapping: Vec::new(),
                ignored_headers: Vec::new(),
                accepted: 0,
                rejected_rows: 0,
                rejections: Vec::new(),
                outcome: "refused",
                imported: 0,
                error: Some(error.to_string()),
            };
            return render(StatusCode::UNPROCESSABLE_ENTITY, result);
        }
    };
    let event_ids: Vec<Option<EventId>> = match &default_event {
        Some((id, _)) => vec![Some(*id); plan.accepted.len()],
        None => {
            let known: Vec<KnownEvent<EventId>> = events
                .iter()
                .filter_map(|event| Some(KnownEvent { key: event.id, date: parse_date(&event.date).ok()?, city: event.city.clone() }))
                .collect();
            plan.assign_events(&known, city_key)
        }
    };
    let rejections: Vec<RejectionLine> = plan
        .errors()
        .map(|error| RejectionLine {
            line: error.line,
            column: error.column.map(column_letters).unwrap_or_default(),
            header: error.header.clone().unwrap_or_default(),
            field: error.field,
            reason: error.reason.clone(),
        })
        .collect();
    let refused = !plan.rejected.is_empty() && !skip_invalid;
    let mut result = ImportResult {
        file: file_name,
        mapping: plan
            .mapping
            .fields()
            .into_iter()
            .map(|(column, field)| (plan.headers.get(column).cloned().unwrap_or_default(), field.key()))
            .collect(),
        ignored_headers: plan.ignored_headers.clone(),
        accepted: plan.accepted.len(),
        rejected_rows: plan.rejected.len(),
        rejections,
        outcome: if mode != "import" {
            "checked"
        } else if refused {
            "refused"
        } else {
            "imported"
        },
        imported: 0,
        error: None,
    };
    if result.outcome == "imported" {
        let records: Vec<ImportRecord> = plan
            .accepted
            .iter()
            .zip(&event_ids)
            .map(|(row, event_id)| ImportRecord {
                person: NewPerson::new(row.person.clone()),
                detention: Some(NewDetention { event_id: *event_id, detention: row.detention.clone() }),
                decisions: row.decision.iter().cloned().collect(),
                custody: row.custody.clone(),
                transfer: None,
                source: Some(row.source.clone()),
            })
            .collect();
        let summary = state.store().import_records(&viewer.actor, &records, |_| {}).await?;
        result.imported = summary.persons;
    }
    let status = if result.outcome == "refused" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(status, result)
}

/// Cities compare across scripts and spellings: «Алматы» and "Almaty" are one city.
fn city_key(city: &str) -> String {
    let folded = kuzet_names::fold(city).key();
    if folded.is_empty() { city.trim().to_lowercase() } else { folded }
}
