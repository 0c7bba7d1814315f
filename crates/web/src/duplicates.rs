//! The duplicate review queue at `/duplicates`: pairs of records that may be one person, side
//! by side with the evidence, and the reviewer's three answers: merge into the first record,
//! merge into the second, or "not the same person" (remembered, so the pair leaves the queue).
//! Below the queue, the recent merges, each with an undo button until it is undone.
//!
//! Analysts may look at the queue (the store gives them birth years, never contact data);
//! coordinators and admins decide; volunteers see nothing. Every answer is a POST form with
//! the session's CSRF token (checked by the viewer middleware) and ends in a redirect back to
//! the queue with a message, so that reloading the page never repeats a merge.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_names::Evidence;
use kuzet_register::{Action, Resource, ResourceKind};
use kuzet_store::{DuplicatePair, MatchCandidate, PersonId, StoreError};
use serde::{Deserialize, Serialize};

use crate::forms::FormData;
use crate::i18n::{Catalogues, Lang};
use crate::viewer::Viewer;
use crate::{AppState, WebError};

/// At most this many pairs on the page, best first; the rest wait for these to be decided.
const SHOWN_PAIRS: usize = 50;
/// How many recent merges the history lists.
const SHOWN_MERGES: u32 = 20;

/// What the queue page was asked to say after an answer.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// `merged`, `not_duplicate` or `undone`.
    done: Option<String>,
    /// The record the message is about.
    person: Option<i64>,
    /// The merge the message is about.
    merge: Option<i64>,
    threshold: Option<String>,
}

fn require_view(viewer: &Viewer) -> Result<(), WebError> {
    viewer.require(Action::Export, &Resource::of(ResourceKind::Register))
}

fn may_decide(viewer: &Viewer) -> bool {
    viewer.can(Action::Edit, &Resource::of(ResourceKind::Register))
}

/// One record of a pair, as the page shows it.
#[derive(Debug, Serialize)]
struct Side {
    id: i64,
    version: i64,
    name: String,
    aliases: Vec<String>,
    birth: Option<String>,
    city: Option<String>,
    events: Vec<String>,
    police_stations: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PairView {
    a: Side,
    b: Side,
    score: String,
    names: Option<String>,
    evidence: Vec<String>,
}

fn side(record: &MatchCandidate, event_titles: &impl Fn(i64) -> String) -> Side {
    Side {
        id: record.id.0,
        version: record.version,
        name: record.names.first().cloned().unwrap_or_default(),
        aliases: record.names.iter().skip(1).cloned().collect(),
        birth: record.birth.map(|birth| birth.to_string()),
        city: record.city.clone(),
        events: record.event_ids.iter().map(|event| event_titles(event.0)).collect(),
        police_stations: record.police_stations.clone(),
    }
}

/// One piece of evidence in the visitor's language.
fn evidence_text(catalogues: &Catalogues, lang: Lang, evidence: &Evidence) -> String {
    let text = |key: &str, args: &[(&str, &str)]| catalogues.text(lang, key, args);
    match evidence {
        Evidence::Names { a, b, score } => text("dup_ev_names", &[("score", &format!("{score:.2}")), ("a", a), ("b", b)]),
        Evidence::SameBirthDate => text("dup_ev_same_birth_date", &[]),
        Evidence::SameBirthYear => text("dup_ev_same_birth_year", &[]),
        Evidence::DifferentBirthDates => text("dup_ev_different_birth_dates", &[]),
        Evidence::BirthYearsDiffer { by } => text("dup_ev_birth_years_differ", &[("by", &by.to_string())]),
        Evidence::SameCity => text("dup_ev_same_city", &[]),
        Evidence::DifferentCities => text("dup_ev_different_cities", &[]),
        Evidence::SharedEvents { count } => text("dup_ev_shared_events", &[("count", &count.to_string())]),
        Evidence::SharedPoliceStation => text("dup_ev_shared_police_station", &[]),
        Evidence::CommonName { records } => text("dup_ev_common_name", &[("records", &records.to_string())]),
    }
}

fn threshold_of(query: &QueueQuery) -> f64 {
    query
        .threshold
        .as_deref()
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|value| (0.0..=1.0).contains(value))
        .unwrap_or(kuzet_names::DEFAULT_THRESHOLD)
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    query: &QueueQuery,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let threshold = threshold_of(query);
    let pairs: Vec<DuplicatePair> = state.store().duplicate_candidates(&viewer.actor, threshold).await?;
    let events = state.event_choices().await?;
    let event_titles = |id: i64| {
        events
            .iter()
            .find(|event| event.id.0 == id)
            .map(|event| format!("{} ({}, {})", event.title, event.city, event.date))
            .unwrap_or_else(|| id.to_string())
    };
    let catalogues = state.catalogues();
    let shown: Vec<PairView> = pairs
        .iter()
        .take(SHOWN_PAIRS)
        .map(|pair| PairView {
            a: side(&pair.a, &event_titles),
            b: side(&pair.b, &event_titles),
            score: format!("{:.2}", pair.score),
            names: pair
                .evidence
                .iter()
                .find(|evidence| matches!(evidence, Evidence::Names { .. }))
                .map(|evidence| evidence_text(catalogues, viewer.lang, evidence)),
            evidence: pair
                .evidence
                .iter()
                .filter(|evidence| !matches!(evidence, Evidence::Names { .. }))
                .map(|evidence| evidence_text(catalogues, viewer.lang, evidence))
                .collect(),
        })
        .collect();
    let history = state.store().merge_history(&viewer.actor, SHOWN_MERGES).await?;
    let notice = match query.done.as_deref() {
        Some("merged") => Some(catalogues.text(
            viewer.lang,
            "dup_done_merged",
            &[("person", &query.person.unwrap_or_default().to_string()), ("merge", &query.merge.unwrap_or_default().to_string())],
        )),
        Some("not_duplicate") => Some(catalogues.text(viewer.lang, "dup_done_not_duplicate", &[])),
        Some("undone") => Some(catalogues.text(viewer.lang, "dup_done_undone", &[("merge", &query.merge.unwrap_or_default().to_string())])),
        _ => None,
    };
    let context = serde_json::json!({
        "pairs": shown,
        "total": pairs.len(),
        "shown": shown.len(),
        "threshold": format!("{threshold:.2}"),
        "history": history,
        "may_decide": may_decide(viewer),
        "notice": notice,
        "merged_person": query.person.filter(|_| query.done.as_deref() == Some("merged")),
        "error": error,
    });
    Ok((status, state.page(viewer, "duplicates.html", context)?).into_response())
}

pub async fn queue(State(state): State<AppState>, viewer: Viewer, Query(query): Query<QueueQuery>) -> Result<Response, WebError> {
    require_view(&viewer)?;
    render(&state, &viewer, &query, StatusCode::OK, None).await
}

/// A refusal the reviewer can act on (the record changed, the undo would lose a change) is
/// shown on the queue page itself; anything else is an error page.
async fn refused(state: &AppState, viewer: &Viewer, error: StoreError) -> Result<Response, WebError> {
    let message = match error {
        StoreError::Invalid { message, .. } => state.catalogues().reason(viewer.lang, &message),
        StoreError::Conflict { .. } => state.catalogues().text(viewer.lang, "dup_conflict", &[]),
        StoreError::NotFound => state.catalogues().text(viewer.lang, "dup_gone", &[]),
        other => return Err(other.into()),
    };
    render(state, viewer, &QueueQuery::default(), StatusCode::CONFLICT, Some(message)).await
}

fn number(form: &FormData, field: &str) -> Result<i64, WebError> {
    form.get(field).trim().parse().map_err(|_| WebError::BadRequest(format!("{field}: is not a number")))
}

/// `keep` and `remove` with the versions the reviewer saw.
pub async fn merge(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    require_view(&viewer)?;
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Register))?;
    let keep = PersonId(number(&form, "keep")?);
    let remove = PersonId(number(&form, "remove")?);
    let keep_version = number(&form, "keep_version")?;
    let remove_version = number(&form, "remove_version")?;
    match state.store().merge(&viewer.actor, keep, keep_version, remove, remove_version).await {
        Ok(merged) => Ok(Redirect::to(&format!("/duplicates?done=merged&person={}&merge={}", keep.0, merged.merge_id)).into_response()),
        Err(StoreError::Forbidden) => Err(WebError::Forbidden),
        Err(error) => refused(&state, &viewer, error).await,
    }
}

/// `a`, `b` and an optional `reason`.
pub async fn not_duplicate(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    require_view(&viewer)?;
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Register))?;
    let a = PersonId(number(&form, "a")?);
    let b = PersonId(number(&form, "b")?);
    match state.store().mark_not_duplicate(&viewer.actor, a, b, form.get("reason")).await {
        Ok(()) => Ok(Redirect::to("/duplicates?done=not_duplicate").into_response()),
        Err(StoreError::Forbidden) => Err(WebError::Forbidden),
        Err(error) => refused(&state, &viewer, error).await,
    }
}

pub async fn undo(State(state): State<AppState>, viewer: Viewer, Path(merge_id): Path<i64>) -> Result<Response, WebError> {
    require_view(&viewer)?;
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Register))?;
    match state.store().undo_merge(&viewer.actor, merge_id).await {
        Ok(()) => Ok(Redirect::to(&format!("/duplicates?done=undone&merge={merge_id}")).into_response()),
        Err(StoreError::Forbidden) => Err(WebError::Forbidden),
        Err(error) => refused(&state, &viewer, error).await,
    }
}

/// `GET /api/v1/duplicates?threshold=&limit=`: the review queue as JSON.
#[derive(Debug, Default, Deserialize)]
pub struct ApiQueueQuery {
    threshold: Option<String>,
    limit: Option<String>,
}

/// At most this many pairs in one API answer, whatever `limit` asks.
const API_MAX_PAIRS: usize = 1000;

/// One record of a pair as the API gives it: ids rather than event titles, so that scripts
/// can join with `/api/v1/events`.
#[derive(Debug, Serialize)]
struct ApiRecord {
    id: i64,
    version: i64,
    name: String,
    aliases: Vec<String>,
    /// A full date for those who may see restricted fields, otherwise the year.
    birth: Option<String>,
    city: Option<String>,
    event_ids: Vec<i64>,
    police_stations: Vec<String>,
}

fn api_record(record: &MatchCandidate) -> ApiRecord {
    ApiRecord {
        id: record.id.0,
        version: record.version,
        name: record.names.first().cloned().unwrap_or_default(),
        aliases: record.names.iter().skip(1).cloned().collect(),
        birth: record.birth.map(|birth| birth.to_string()),
        city: record.city.clone(),
        event_ids: record.event_ids.iter().map(|event| event.0).collect(),
        police_stations: record.police_stations.clone(),
    }
}

/// The queue for scripts, best first; the same pairs as the page (without those marked "not
/// the same person"), open to the same roles. The store gives no contact data at all and
/// analysts birth years only.
pub async fn api_queue(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ApiQueueQuery>) -> Result<Response, WebError> {
    require_view(&viewer)?;
    let mut errors = Vec::new();
    let threshold = match query.threshold.as_deref().map(str::trim) {
        None | Some("") => kuzet_names::DEFAULT_THRESHOLD,
        Some(text) => match text.parse::<f64>() {
            Ok(value) if (0.0..=1.0).contains(&value) => value,
            _ => {
                errors.push(("threshold", format!("\"{text}\" is not a number between 0 and 1")));
                0.0
            }
        },
    };
    let limit = match query.limit.as_deref().map(str::trim) {
        None | Some("") => 100,
        Some(text) => match text.parse::<usize>() {
            Ok(value) if (1..=API_MAX_PAIRS).contains(&value) => value,
            _ => {
                errors.push(("limit", format!("\"{text}\" is not a whole number from 1 to {API_MAX_PAIRS}")));
                0
            }
        },
    };
    if !errors.is_empty() {
        let errors: Vec<serde_json::Value> =
            errors.iter().map(|(field, detail)| serde_json::json!({ "status": 422, "field": field, "detail": detail })).collect();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(serde_json::json!({ "errors": errors }))).into_response());
    }
    let pairs = state.store().duplicate_candidates(&viewer.actor, threshold).await?;
    let items: Vec<serde_json::Value> = pairs
        .iter()
        .take(limit)
        .map(|pair| {
            serde_json::json!({
                "a": api_record(&pair.a),
                "b": api_record(&pair.b),
                "score": (pair.score * 1000.0).round() / 1000.0,
                "evidence": pair.evidence.iter().map(ToString::to_string).collect::<Vec<String>>(),
            })
        })
        .collect();
    Ok(axum::Json(serde_json::json!({
        "threshold": threshold,
        "total": pairs.len(),
        "pairs": items,
    }))
    .into_response())
}
