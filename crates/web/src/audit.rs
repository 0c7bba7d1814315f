//! The audit log in the browser: every change, newest first, filtered by entity or person,
//! and on request the check of the whole hash chain (the same check as `kuzet audit verify`).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use kuzet_register::{Action, Resource, ResourceKind};
use kuzet_store::{AuditFilter, AuditVerdict};
use serde::{Deserialize, Serialize};

use crate::viewer::{Viewer, percent_encode};
use crate::{AppState, WebError};

/// Records shown per page.
const PER_PAGE: u32 = 100;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AuditParams {
    entity: Option<String>,
    person: Option<String>,
    before: Option<String>,
    verify: Option<String>,
}

pub async fn log(State(state): State<AppState>, viewer: Viewer, Query(params): Query<AuditParams>) -> Result<Response, WebError> {
    viewer.require(Action::ViewAudit, &Resource::of(ResourceKind::AuditLog))?;
    let number = |value: &Option<String>, name: &str| -> Result<Option<i64>, WebError> {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| WebError::BadRequest(format!("{name}: `{text}` is not a number"))),
        }
    };
    let filter = AuditFilter {
        entity: params.entity.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned),
        person_id: number(&params.person, "person")?,
        before_seq: number(&params.before, "before")?,
        limit: Some(PER_PAGE),
        ..AuditFilter::default()
    };
    let records = state.store().audit_records(&viewer.actor, &filter).await?;
    let rows = crate::persons::history_rows(&records);
    let older = (records.len() == PER_PAGE as usize).then(|| {
        let last = records.last().map(|record| record.seq).unwrap_or_default();
        let mut query = format!("/audit?before={last}");
        if let Some(entity) = &filter.entity {
            query.push_str(&format!("&entity={}", percent_encode(entity)));
        }
        if let Some(person) = filter.person_id {
            query.push_str(&format!("&person={person}"));
        }
        query
    });
    let verdict = match params.verify.as_deref() {
        Some("1") => Some(match state.store().verify_audit().await? {
            AuditVerdict::Ok { records } => serde_json::json!({ "ok": true, "records": records }),
            AuditVerdict::Broken { seq, reason } => serde_json::json!({ "ok": false, "seq": seq, "reason": reason }),
        }),
        _ => None,
    };
    let context = serde_json::json!({
        "rows": rows,
        "seqs": records.iter().map(|record| (record.seq, record.person_id)).collect::<Vec<_>>(),
        "params": params,
        "older": older,
        "verdict": verdict,
    });
    Ok(state.page(&viewer, "audit.html", context)?.into_response())
}
