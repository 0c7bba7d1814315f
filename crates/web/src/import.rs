//! Importing a volunteers' spreadsheet from the browser: upload, see the sheet's headers with the
//! register field each one fills and change them (a field or "not imported" per header), check
//! every row and see each rejected row with its line, column and field, then import all rows or
//! none (or, when asked, the good rows only). Parsing and the column mapping are
//! `kuzet_ingest`'s; the store writes the batch in one transaction.
//!
//! Between the steps the uploaded file stays in this process's memory ([`PendingUploads`]),
//! under a random id that only the session which uploaded it can use, for at most
//! [`PENDING_TTL`]; it is dropped after the import and never written to disk, so a sheet of
//! personal data does not outlive the server process. The client only ever sends the id back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kuzet_ingest::register_import::{
    DefaultEvent, ImportField, ImportOptions, KnownEvent, column_field, column_letters, plan_import,
};
use kuzet_ingest::sheet::{Sheet, SheetError, read_sheet};
use kuzet_register::{Action, City, Resource, ResourceKind, Source, SourceKind, parse_date};
use kuzet_store::{EventId, EventRow, ImportRecord, NewDetention, NewPerson};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::forms::FormData;
use crate::viewer::Viewer;
use crate::{AppState, WebError};

/// The largest spreadsheet accepted: 100,000 rows of a typical sheet fit well below it.
pub const UPLOAD_LIMIT_BYTES: usize = 32 * 1024 * 1024;

/// How long an uploaded sheet waits for its column mapping and import.
pub const PENDING_TTL: Duration = Duration::from_secs(30 * 60);

/// Sheets kept at once, over all sessions: with the upload limit this bounds the memory they
/// take (8 × 32 MB); the oldest is dropped first.
const MAX_PENDING: usize = 8;

/// Sheets kept per session: the latest two (a user comparing two files), older ones dropped.
const MAX_PENDING_PER_SESSION: usize = 2;

/// Uploaded sheets waiting between the steps of an import, in memory only.
#[derive(Default)]
pub(crate) struct PendingUploads {
    uploads: Mutex<HashMap<String, Pending>>,
}

struct Pending {
    /// SHA-256 of the uploading session's token: the id alone does not give the file away.
    owner: [u8; 32],
    file_name: String,
    bytes: Arc<Vec<u8>>,
    at: Instant,
}

impl PendingUploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.uploads.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps a sheet for `owner` and returns its new id.
    fn keep(&self, owner: [u8; 32], file_name: String, bytes: Arc<Vec<u8>>) -> String {
        let mut uploads = self.lock();
        uploads.retain(|_, pending| pending.at.elapsed() < PENDING_TTL);
        let drop_oldest = |uploads: &mut HashMap<String, Pending>, only_owner: bool| {
            let oldest = uploads
                .iter()
                .filter(|(_, pending)| !only_owner || pending.owner == owner)
                .min_by_key(|(_, pending)| pending.at)
                .map(|(id, _)| id.clone());
            if let Some(id) = oldest {
                uploads.remove(&id);
            }
        };
        while uploads.values().filter(|pending| pending.owner == owner).count() >= MAX_PENDING_PER_SESSION {
            drop_oldest(&mut uploads, true);
        }
        while uploads.len() >= MAX_PENDING {
            drop_oldest(&mut uploads, false);
        }
        let id = crate::cookies::random_token();
        uploads.insert(id.clone(), Pending { owner, file_name, bytes, at: Instant::now() });
        id
    }

    /// The sheet kept under `id`, if it is `owner`'s and has not expired.
    fn get(&self, id: &str, owner: &[u8; 32]) -> Option<(String, Arc<Vec<u8>>)> {
        let mut uploads = self.lock();
        uploads.retain(|_, pending| pending.at.elapsed() < PENDING_TTL);
        uploads.get(id).filter(|pending| &pending.owner == owner).map(|pending| (pending.file_name.clone(), pending.bytes.clone()))
    }

    fn forget(&self, id: &str, owner: &[u8; 32]) {
        let mut uploads = self.lock();
        if uploads.get(id).is_some_and(|pending| &pending.owner == owner) {
            uploads.remove(id);
        }
    }
}

/// Who may use a kept sheet: the session that uploaded it (or, for a request signed by an API
/// token, which has no session, the user).
fn owner_of(viewer: &Viewer) -> [u8; 32] {
    let identity = match (&viewer.session_token, &viewer.user) {
        (Some(token), _) => format!("session:{token}"),
        (None, Some(user)) => format!("user:{}", user.user_id),
        (None, None) => String::from("nobody"),
    };
    Sha256::digest(identity.as_bytes()).into()
}

fn may_import(viewer: &Viewer) -> Result<(), WebError> {
    viewer.require(Action::Import, &Resource::of(ResourceKind::Register))
}

pub async fn form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    may_import(&viewer)?;
    let events = state.store().events().await?;
    Ok(state
        .page(&viewer, "import.html", serde_json::json!({ "events": events, "result": null, "columns": null }))?
        .into_response())
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

/// The column-mapping form: one choice per header of the kept sheet.
#[derive(Debug, Serialize)]
struct MappingForm {
    upload: String,
    columns: Vec<ColumnChoice>,
    /// Every field a column can fill, by key, in the order of the register's forms.
    fields: Vec<&'static str>,
    event: String,
    skip_invalid: bool,
}

#[derive(Debug, Serialize)]
struct ColumnChoice {
    /// The form field's name: `column_0`, `column_1`...
    name: String,
    letter: String,
    header: String,
    /// The chosen field's key, or empty for "not imported".
    field: &'static str,
}

/// What the user chose besides the file.
struct Choices {
    event: String,
    mode: String,
    skip_invalid: bool,
    column_overrides: Vec<(String, ImportField)>,
    ignored_columns: Vec<String>,
}

/// Step one: the uploaded file. It is checked with the columns recognised by their headers, and
/// (unless it was imported at once) kept for the mapping step.
pub async fn upload(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> Result<Response, WebError> {
    may_import(&viewer)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut choices =
        Choices { event: String::new(), mode: String::from("check"), skip_invalid: false, column_overrides: Vec::new(), ignored_columns: Vec::new() };
    while let Some(field) = multipart.next_field().await.map_err(|error| WebError::BadRequest(error.body_text()))? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                let bytes = field.bytes().await.map_err(|error| WebError::BadRequest(error.body_text()))?;
                file = Some((name, bytes.to_vec()));
            }
            "event" => choices.event = field.text().await.map_err(|error| WebError::BadRequest(error.body_text()))?,
            "mode" => choices.mode = field.text().await.map_err(|error| WebError::BadRequest(error.body_text()))?,
            "skip_invalid" => choices.skip_invalid = true,
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        return Err(WebError::BadRequest("file: choose a spreadsheet".into()));
    };
    let sheet = read_sheet(&file_name, &bytes);
    run(&state, &viewer, None, file_name, Arc::new(bytes), sheet, choices).await
}

/// Step two, repeated as often as needed: the mapping chosen on the page for the kept sheet,
/// then a check or the import.
pub async fn mapping(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    may_import(&viewer)?;
    let upload = form.get("upload").to_owned();
    let Some((file_name, bytes)) = state.uploads().get(&upload, &owner_of(&viewer)) else {
        let events = state.store().events().await?;
        let page = state.page(
            &viewer,
            "import.html",
            serde_json::json!({ "events": events, "result": null, "columns": null, "expired": true }),
        )?;
        return Ok((StatusCode::GONE, page).into_response());
    };
    let sheet = read_sheet(&file_name, &bytes).map_err(|error| WebError::Internal(format!("a kept sheet no longer reads: {error}")))?;
    let mut choices = Choices {
        event: form.get("event").to_owned(),
        mode: form.get("mode").to_owned(),
        skip_invalid: form.checked("skip_invalid"),
        column_overrides: Vec::new(),
        ignored_columns: Vec::new(),
    };
    for (index, header) in sheet.headers.iter().enumerate() {
        match form.get(&format!("column_{index}")) {
            "" => choices.ignored_columns.push(header.clone()),
            key => {
                let field = ImportField::from_key(key)
                    .ok_or_else(|| WebError::BadRequest(format!("column {}: `{key}` is not a field", column_letters(index + 1))))?;
                choices.column_overrides.push((header.clone(), field));
            }
        }
    }
    run(&state, &viewer, Some(upload), file_name, bytes, Ok(sheet), choices).await
}

/// Checks the sheet under `choices` and imports it when asked and allowed; renders the result
/// with the mapping form for the next step (except after an import, which ends the process).
/// `sheet` is `bytes` as read by the caller, which needed its headers (or its error) already.
async fn run(
    state: &AppState,
    viewer: &Viewer,
    kept: Option<String>,
    file_name: String,
    bytes: Arc<Vec<u8>>,
    sheet: Result<Sheet, SheetError>,
    choices: Choices,
) -> Result<Response, WebError> {
    let events = state.store().events().await?;
    let owner = owner_of(viewer);
    let default_event = chosen_event(&choices.event, &events)?;
    let who = viewer.user.as_ref().map(|user| user.username.clone()).unwrap_or_default();
    let default_source = Source::new(SourceKind::Volunteer, &format!("spreadsheet {file_name}, imported by {who}"), false)
        .map_err(|error| WebError::Internal(error.to_string()))?;
    let options = ImportOptions {
        column_overrides: choices.column_overrides,
        ignored_columns: choices.ignored_columns,
        default_event: default_event.as_ref().map(|(_, event)| event.clone()),
        default_source: Some(default_source),
    };
    let refused = |error: String| ImportResult {
        file: file_name.clone(),
        mapping: Vec::new(),
        ignored_headers: Vec::new(),
        accepted: 0,
        rejected_rows: 0,
        rejections: Vec::new(),
        outcome: "refused",
        imported: 0,
        error: Some(error),
    };
    let render = |status: StatusCode, result: ImportResult, columns: Option<MappingForm>| -> Result<Response, WebError> {
        let page = state.page(viewer, "import.html", serde_json::json!({ "events": events, "result": result, "columns": columns }))?;
        Ok((status, page).into_response())
    };
    // A sheet that cannot be read at all has no headers to map: nothing is kept.
    let sheet = match sheet {
        Ok(sheet) => sheet,
        Err(error) => return render(StatusCode::UNPROCESSABLE_ENTITY, refused(error.to_string()), None),
    };
    let mapping_form = |upload: String| MappingForm {
        upload,
        columns: sheet
            .headers
            .iter()
            .enumerate()
            .map(|(index, header)| ColumnChoice {
                name: format!("column_{index}"),
                letter: column_letters(index + 1),
                header: header.clone(),
                field: column_field(header, &options).map(ImportField::key).unwrap_or(""),
            })
            .collect(),
        fields: ImportField::ALL.iter().map(|field| field.key()).collect(),
        event: choices.event.clone(),
        skip_invalid: choices.skip_invalid,
    };
    let keep = |kept: Option<String>| kept.unwrap_or_else(|| state.uploads().keep(owner, file_name.clone(), bytes.clone()));
    let mut plan = match plan_import(&file_name, &sheet, &options) {
        Ok(plan) => plan,
        // A missing or doubled column is what the mapping step is for: keep the sheet.
        Err(error) => return render(StatusCode::UNPROCESSABLE_ENTITY, refused(error.to_string()), Some(mapping_form(keep(kept)))),
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
    let refused = !plan.rejected.is_empty() && !choices.skip_invalid;
    let mut result = ImportResult {
        file: file_name.clone(),
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
        outcome: if choices.mode != "import" {
            "checked"
        } else if refused {
            "refused"
        } else {
            "imported"
        },
        imported: 0,
        error: None,
    };
    if result.outcome != "imported" {
        let status = if result.outcome == "refused" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
        return render(status, result, Some(mapping_form(keep(kept))));
    }
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
    // The sheet is in the register now; a second import of it would double every person.
    if let Some(id) = &kept {
        state.uploads().forget(id, &owner);
    }
    render(StatusCode::OK, result, None)
}

/// The event every row belongs to, when one was chosen.
fn chosen_event(event: &str, events: &[EventRow]) -> Result<Option<(EventId, DefaultEvent)>, WebError> {
    match event.trim() {
        "" => Ok(None),
        id => {
            let id: i64 = id.parse().map_err(|_| WebError::BadRequest(format!("event: `{id}` is not an event")))?;
            let row = events.iter().find(|candidate| candidate.id == EventId(id)).ok_or(WebError::NotFound)?;
            let date = parse_date(&row.date).map_err(|error| WebError::Internal(format!("stored event date: {error}")))?;
            let city = City::parse(&row.city).map_err(|error| WebError::Internal(format!("stored event city: {error}")))?;
            Ok(Some((EventId(id), DefaultEvent { date, city })))
        }
    }
}

/// Cities compare across scripts and spellings: «Алматы» and "Almaty" are one city.
fn city_key(city: &str) -> String {
    let folded = kuzet_names::fold(city).key();
    if folded.is_empty() { city.trim().to_lowercase() } else { folded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_sheet_is_only_given_to_its_owner_and_at_most_two_per_session_are_kept() {
        let uploads = PendingUploads::default();
        let (alice, bob) = ([1u8; 32], [2u8; 32]);
        let first = uploads.keep(alice, "a.csv".into(), Arc::new(b"a".to_vec()));
        assert_eq!(uploads.get(&first, &alice).map(|(name, _)| name).as_deref(), Some("a.csv"));
        assert!(uploads.get(&first, &bob).is_none(), "another session cannot use the id");
        uploads.forget(&first, &bob);
        assert!(uploads.get(&first, &alice).is_some(), "nor drop it");
        let second = uploads.keep(alice, "b.csv".into(), Arc::new(b"b".to_vec()));
        let third = uploads.keep(alice, "c.csv".into(), Arc::new(b"c".to_vec()));
        assert!(uploads.get(&first, &alice).is_none(), "the oldest of three is dropped");
        assert!(uploads.get(&second, &alice).is_some() && uploads.get(&third, &alice).is_some());
        for owner in 10..20u8 {
            uploads.keep([owner; 32], "x.csv".into(), Arc::new(Vec::new()));
        }
        assert_eq!(uploads.lock().len(), MAX_PENDING);
        uploads.forget(&third, &alice);
        assert!(uploads.get(&third, &alice).is_none());
    }
}
