//! The register's person pages: the filtered list, the person page (timeline with sources,
//! change history), and the forms to add and edit persons, detentions and decisions.
//!
//! Forms are parsed into domain values with `kuzet_register`'s constructors; each refusal is
//! shown beside its field with the visitor's input kept. An edit carries the version it
//! started from, and a save over a newer version is shown as a conflict, never applied.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_register::{
    Action, Article, BirthDate, City, Consent, Decision, Detention, DetentionStatus, Outcome, Person, PersonName, PersonRole, Resource,
    ResourceKind, Source, SourceKind, Treatment, TreatmentSet, UserId, parse_date, parse_date_time,
};
use kuzet_store::{
    DetentionId, DetentionView, EventId, FactRef, NewDetention, NewPerson, PersonId, PersonPage, PersonQuery, PersonSort, PersonView,
    StoreError,
};
use serde::{Deserialize, Serialize};

use crate::forms::{Choice, FieldErrors, FormData, FormField, attach_errors};
use crate::viewer::{Viewer, percent_encode};
use crate::{AppState, WebError};

/// The list's query string, as typed; `to_query` parses it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListParams {
    pub event: Option<String>,
    pub city: Option<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub role: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

pub const OUTCOME_KINDS: [&str; 6] = ["arrest", "fine", "warning", "released", "criminal_case", "appeal"];

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

impl ListParams {
    /// The store query, and a message for each filter that did not parse (it is then ignored).
    pub fn to_query(&self) -> (PersonQuery, FieldErrors) {
        let mut errors = FieldErrors::new();
        let mut query = PersonQuery::default();
        if let Some(event) = given(&self.event) {
            match event.parse::<i64>() {
                Ok(id) => query.event = Some(EventId(id)),
                Err(_) => {
                    errors.insert("event".into(), format!("`{event}` is not an event number"));
                }
            }
        }
        query.city = given(&self.city).map(str::to_owned);
        for (name, raw, slot) in [("date_from", &self.date_from, &mut query.date_from), ("date_to", &self.date_to, &mut query.date_to)] {
            if let Some(text) = given(raw) {
                match parse_date(text) {
                    Ok(date) => *slot = Some(date),
                    Err(error) => {
                        errors.insert(name.into(), error.reason);
                    }
                }
            }
        }
        if let Some(status) = given(&self.status) {
            if DetentionStatus::ALL_NAMES.contains(&status) {
                query.status = Some(status.to_owned());
            } else {
                errors.insert("status".into(), format!("`{status}` is not a status"));
            }
        }
        if let Some(outcome) = given(&self.outcome) {
            if OUTCOME_KINDS.contains(&outcome) || outcome == "none" {
                query.outcome = Some(outcome.to_owned());
            } else {
                errors.insert("outcome".into(), format!("`{outcome}` is not an outcome"));
            }
        }
        if let Some(role) = given(&self.role) {
            match PersonRole::parse(role) {
                Ok(role) => query.role = Some(role),
                Err(error) => {
                    errors.insert("role".into(), error.reason);
                }
            }
        }
        query.text = given(&self.q).map(str::to_owned);
        if let Some(sort) = given(&self.sort) {
            match PersonSort::parse(sort) {
                Some(sort) => query.sort = sort,
                None => {
                    errors.insert("sort".into(), format!("`{sort}` is not a sort order"));
                }
            }
        }
        query.page = given(&self.page).and_then(|page| page.parse().ok()).unwrap_or(1).max(1);
        query.per_page = given(&self.per_page).and_then(|n| n.parse().ok()).unwrap_or(50).clamp(1, 500);
        (query, errors)
    }

    /// The query string of these filters at another page.
    fn at_page(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let fields = [
            ("event", &self.event),
            ("city", &self.city),
            ("date_from", &self.date_from),
            ("date_to", &self.date_to),
            ("status", &self.status),
            ("outcome", &self.outcome),
            ("role", &self.role),
            ("q", &self.q),
            ("sort", &self.sort),
            ("per_page", &self.per_page),
        ];
        for (name, value) in fields {
            if let Some(value) = given(value) {
                pairs.push((name, value));
            }
        }
        let page = page.to_string();
        pairs.push(("page", &page));
        pairs.iter().map(|(name, value)| format!("{name}={}", percent_encode(value))).collect::<Vec<_>>().join("&")
    }
}

/// Links to the previous and next page, keeping the filters.
#[derive(Debug, Serialize)]
pub struct Paging {
    pub previous: Option<String>,
    pub next: Option<String>,
}

pub fn paging_links(path: &str, params: &ListParams, page: u32, pages: u32) -> Paging {
    Paging {
        previous: (page > 1).then(|| format!("{path}?{}", params.at_page(page - 1))),
        next: (page < pages).then(|| format!("{path}?{}", params.at_page(page + 1))),
    }
}

/// The choices of a filter: "any", then each value labelled from the catalogue (`{prefix}_{value}`).
fn choices(state: &AppState, viewer: &Viewer, prefix: &str, values: impl IntoIterator<Item = &'static str>) -> Vec<Choice> {
    let any = state.catalogues().text(viewer.lang, "filter_any", &[]);
    std::iter::once(Choice::new("", any))
        .chain(values.into_iter().map(|value| Choice::new(value, label(state, viewer, prefix, value))))
        .collect()
}

/// The catalogue's words for a machine value, or the value itself.
pub fn label(state: &AppState, viewer: &Viewer, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}_{value}");
    state.catalogues().messages(viewer.lang).get(&key).cloned().unwrap_or_else(|| value.to_owned())
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(params): Query<ListParams>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Person))?;
    let (query, mut filter_errors) = params.to_query();
    for message in filter_errors.values_mut() {
        *message = state.catalogues().reason(viewer.lang, message);
    }
    let persons = state.store().list_persons(&viewer.actor, &query).await?;
    let events = state.event_choices().await?;
    let paging = paging_links("/persons", &params, persons.page, persons.pages);
    let context = serde_json::json!({
        "persons": persons,
        "params": params,
        "filter_errors": filter_errors,
        "paging": paging,
        "events": events.as_slice(),
        "statuses": choices(&state, &viewer, "status", DetentionStatus::ALL_NAMES),
        "outcomes": choices(&state, &viewer, "outcome", OUTCOME_KINDS.into_iter().chain(["none"])),
        "roles": choices(&state, &viewer, "role", PersonRole::ALL.map(PersonRole::as_str)),
        "sorts": sort_choices(&state, &viewer, query.text.is_some()),
    });
    Ok(state.page(&viewer, "persons.html", context)?.into_response())
}

/// The sort orders the list offers, labelled: "relevance" (best match first, the default)
/// only when there is search text, since without it relevance is newest detention first.
fn sort_choices(state: &AppState, viewer: &Viewer, has_text: bool) -> Vec<Choice> {
    PersonSort::ALL
        .into_iter()
        .filter(|sort| has_text || *sort != PersonSort::Relevance)
        .map(|sort| Choice::new(sort.as_str(), label(state, viewer, "sort", sort.as_str())))
        .collect()
}

/// The resource `can` judges for an edit of this person.
fn person_resource(person: &PersonView) -> Resource {
    Resource::of(ResourceKind::Person).owned_by(person.created_by.map(UserId)).draft(person.is_draft).published(person.publishable)
}

/// One audit record as the history table shows it.
#[derive(Debug, Serialize)]
pub struct HistoryRow {
    at: String,
    who: String,
    action: String,
    entity: String,
    changes: Vec<String>,
}

pub fn history_rows(records: &[kuzet_store::AuditRecord]) -> Vec<HistoryRow> {
    records
        .iter()
        .map(|record| {
            let empty = serde_json::Map::new();
            let before = record.before.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
            let after = record.after.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
            let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
            keys.sort();
            keys.dedup();
            let show = |value: Option<&serde_json::Value>| match value {
                None | Some(serde_json::Value::Null) => "—".to_owned(),
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
            };
            let changes = keys
                .into_iter()
                .filter(|key| before.get(*key) != after.get(*key))
                .map(|key| format!("{key}: {} → {}", show(before.get(key)), show(after.get(key))))
                .collect();
            HistoryRow {
                at: record.at.clone(),
                who: record.actor_username.clone().unwrap_or_else(|| record.actor_role.clone()),
                action: record.action.clone(),
                entity: format!("{} {}", record.entity, record.entity_id),
                changes,
            }
        })
        .collect()
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Person))?;
    let page = state.store().person(&viewer.actor, PersonId(id)).await?;
    let resource = person_resource(&page.person);
    // A merge into this record that is not undone yet: the page points to the undo in the
    // review queue. Read from the person's history, which those who may undo can see.
    let merges_here = |action: &str| {
        page.history
            .iter()
            .filter(|record| record.entity == "person" && record.entity_id == id && record.action == action)
            .count()
    };
    let may_undo_merge = viewer.can(Action::Edit, &Resource::of(ResourceKind::Register)) && merges_here("merge") > merges_here("unmerge");
    let context = serde_json::json!({
        "page": page,
        "history": history_rows(&page.history),
        "may_undo_merge": may_undo_merge,
        "may_edit": viewer.can(Action::Edit, &resource),
        "may_add": viewer.can(Action::Create, &Resource::of(ResourceKind::Detention)),
        "may_add_decision": viewer.can(Action::Create, &Resource::of(ResourceKind::Decision)),
        "may_add_custody": viewer.can(Action::Create, &Resource::of(ResourceKind::Custody)),
        "may_edit_detention": viewer.can(Action::Edit, &fact_resource(ResourceKind::Detention, &page.person)),
        "may_publish": viewer.can(Action::Publish, &resource),
        "may_delete": viewer.can(Action::Delete, &resource),
        "saved": false,
    });
    Ok(state.page(&viewer, "person.html", context)?.into_response())
}

/// The values of the person form, as typed or as stored.
#[derive(Debug, Clone, Default)]
struct PersonInput {
    name: String,
    aliases: String,
    birth: String,
    city: String,
    roles: Vec<String>,
    contact: String,
    address: String,
    consent: String,
    notes: String,
    source_kind: String,
    source_reference: String,
    source_anonymous: bool,
}

impl PersonInput {
    fn from_form(form: &FormData) -> PersonInput {
        PersonInput {
            name: form.get("name").to_owned(),
            aliases: form.get("aliases").to_owned(),
            birth: form.get("birth").to_owned(),
            city: form.get("city").to_owned(),
            roles: form.all("roles").into_iter().map(str::to_owned).collect(),
            contact: form.get("contact").to_owned(),
            address: form.get("address").to_owned(),
            consent: form.get("consent").to_owned(),
            notes: form.get("notes").to_owned(),
            source_kind: form.get("source_kind").to_owned(),
            source_reference: form.get("source_reference").to_owned(),
            source_anonymous: form.checked("source_anonymous"),
        }
    }

    fn from_view(person: &PersonView) -> PersonInput {
        PersonInput {
            name: person.name.clone(),
            aliases: person.aliases.join("\n"),
            birth: person.birth_date.clone().or_else(|| person.birth_year.map(|year| year.to_string())).unwrap_or_default(),
            city: person.city.clone().unwrap_or_default(),
            roles: person.roles.clone(),
            contact: person.contact.clone().unwrap_or_default(),
            address: person.address.clone().unwrap_or_default(),
            consent: person.consent.clone().unwrap_or_else(|| "not_asked".into()),
            notes: person.notes.clone().unwrap_or_default(),
            ..PersonInput::default()
        }
    }

    /// The domain person, or every field's refusal.
    fn parse(&self) -> Result<(NewPerson, Option<Source>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut note = |field: &str, reason: String| {
            errors.entry(field.to_owned()).or_insert(reason);
        };
        let name = PersonName::parse(&self.name).map_err(|e| note("name", e.reason)).ok();
        let mut aliases = Vec::new();
        for alias in self.aliases.lines().map(str::trim).filter(|line| !line.is_empty()) {
            match PersonName::parse(alias) {
                Ok(alias) => aliases.push(alias),
                Err(error) => note("aliases", format!("`{alias}`: {}", error.reason)),
            }
        }
        let birth =
            if self.birth.trim().is_empty() { None } else { BirthDate::parse(&self.birth).map_err(|e| note("birth", e.reason)).ok() };
        let city = if self.city.trim().is_empty() { None } else { City::parse(&self.city).map_err(|e| note("city", e.reason)).ok() };
        let roles = PersonRole::parse_list(&self.roles.join(",")).map_err(|e| note("roles", e.reason)).unwrap_or_default();
        let consent = Consent::parse(&self.consent).map_err(|e| note("consent", e.reason)).unwrap_or(Consent::NotAsked);
        let source = parse_source(&self.source_kind, &self.source_reference, self.source_anonymous, false, &mut note);
        match name {
            Some(name) if errors.is_empty() => {
                let mut person = Person::new(name);
                person.birth = birth;
                person.city = city;
                person.roles = roles;
                person.contact = self.contact.trim().to_owned();
                person.address = self.address.trim().to_owned();
                person.consent = consent;
                person.notes = self.notes.trim().to_owned();
                Ok((NewPerson { person, aliases }, source))
            }
            _ => Err(errors),
        }
    }

    fn fields(&self, state: &AppState, viewer: &Viewer, with_source: bool) -> Vec<FormField> {
        let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
        let mut fields = vec![
            FormField::new("name", t("field_name"), "text", &self.name).required(),
            FormField::new("aliases", t("field_aliases"), "textarea", &self.aliases),
            FormField::new("birth", t("field_birth"), "text", &self.birth).hint("1990, 14.02.1990 or 1990-02-14"),
            FormField::new("city", t("field_city"), "text", &self.city),
            FormField::new("roles", t("field_roles"), "checkboxes", "")
                .options(
                    PersonRole::ALL.iter().map(|role| Choice::new(role.as_str(), label(state, viewer, "role", role.as_str()))).collect(),
                )
                .values(self.roles.clone()),
            FormField::new("contact", t("field_contact"), "text", &self.contact),
            FormField::new("address", t("field_address"), "text", &self.address),
            FormField::new("consent", t("field_consent"), "select", &self.consent).options(vec![
                Choice::new("not_asked", t("consent_not_asked")),
                Choice::new("given", t("consent_given")),
                Choice::new("refused", t("consent_refused")),
            ]),
            FormField::new("notes", t("field_notes"), "textarea", &self.notes),
        ];
        if with_source {
            fields.extend(source_fields(state, viewer, &self.source_kind, &self.source_reference, self.source_anonymous, false));
        }
        fields
    }
}

/// Parses the person fields of a form (or of the API's JSON turned into form pairs).
pub fn parse_person_form(form: &FormData) -> Result<NewPerson, FieldErrors> {
    PersonInput::from_form(form).parse().map(|(new, _)| new)
}

/// Parses the optional or required source of a fact, noting errors under the source fields.
fn parse_source(kind: &str, reference: &str, anonymous: bool, required: bool, note: &mut impl FnMut(&str, String)) -> Option<Source> {
    if reference.trim().is_empty() {
        if required {
            note("source_reference", "is empty: every fact needs its source".into());
        }
        return None;
    }
    let kind =
        SourceKind::parse(if kind.trim().is_empty() { "volunteer" } else { kind }).map_err(|e| note("source_kind", e.reason)).ok()?;
    Source::new(kind, reference, anonymous).map_err(|e| note("source_reference", e.reason)).ok()
}

fn source_fields(state: &AppState, viewer: &Viewer, kind: &str, reference: &str, anonymous: bool, required: bool) -> Vec<FormField> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let reference = FormField::new("source_reference", t("field_source_reference"), "text", reference)
        .hint("URL of the post, name of the media, \"lawyer of the family\"…");
    vec![
        FormField::new("source_kind", t("field_source_kind"), "select", kind)
            .options(SourceKind::ALL.iter().map(|kind| Choice::new(kind.as_str(), kind.as_str())).collect()),
        if required { reference.required() } else { reference },
        FormField::new("source_anonymous", t("field_source_anonymous"), "checkbox", if anonymous { "on" } else { "" }),
    ]
}

/// Everything the one form template needs.
#[derive(Debug, Serialize)]
struct FormPage {
    title: String,
    action: String,
    cancel: String,
    fields: Vec<FormField>,
    /// Hidden fields besides the CSRF token.
    hidden: Vec<(String, String)>,
    /// Errors not beside a field.
    general_errors: Vec<String>,
    has_errors: bool,
    conflict: Option<Conflict>,
}

/// A save over a newer version: what is stored now, beside what the visitor typed.
#[derive(Debug, Serialize)]
struct Conflict {
    yours: i64,
    current: i64,
    message: String,
    differences: Vec<(String, String, String)>,
}

fn form_page(state: &AppState, viewer: &Viewer, status: StatusCode, form: FormPage) -> Result<Response, WebError> {
    Ok((status, state.page(viewer, "form.html", serde_json::json!({ "form": form }))?).into_response())
}

fn store_error_to_fields(error: StoreError) -> Result<FieldErrors, WebError> {
    match error {
        StoreError::Invalid { field, message } => Ok(FieldErrors::from([(field, message)])),
        other => Err(other.into()),
    }
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Person))?;
    let input = PersonInput { consent: "not_asked".into(), source_kind: "volunteer".into(), ..PersonInput::default() };
    person_form(&state, &viewer, StatusCode::OK, &input, FieldErrors::new(), None, None)
}

fn person_form(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    input: &PersonInput,
    errors: FieldErrors,
    editing: Option<(i64, i64)>,
    conflict: Option<Conflict>,
) -> Result<Response, WebError> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let mut fields = input.fields(state, viewer, editing.is_none());
    let general_errors = attach_errors(&mut fields, &errors, |message| state.catalogues().reason(viewer.lang, message));
    let (title, action, cancel, hidden) = match editing {
        Some((id, version)) => (
            t("person_edit_title"),
            format!("/persons/{id}/edit"),
            format!("/persons/{id}"),
            vec![("version".to_owned(), version.to_string())],
        ),
        None => (t("person_new_title"), "/persons".to_owned(), "/persons".to_owned(), Vec::new()),
    };
    let has_errors = !errors.is_empty();
    form_page(state, viewer, status, FormPage { title, action, cancel, fields, hidden, general_errors, has_errors, conflict })
}

pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Person))?;
    let input = PersonInput::from_form(&form);
    let errors = match input.parse() {
        Ok((new, source)) => match state.store().add_person(&viewer.actor, &new).await {
            Ok(id) => {
                if let Some(source) = source {
                    state.store().add_source(&viewer.actor, FactRef::Person(id), &source).await?;
                }
                return Ok(Redirect::to(&format!("/persons/{}", id.0)).into_response());
            }
            Err(error) => store_error_to_fields(error)?,
        },
        Err(errors) => errors,
    };
    person_form(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, &input, errors, None, None)
}

pub async fn edit_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Person).draft(true).owned_by(viewer.actor.user_id))?;
    let page = state.store().person(&viewer.actor, PersonId(id)).await?;
    viewer.require(Action::Edit, &person_resource(&page.person))?;
    let input = PersonInput::from_view(&page.person);
    person_form(&state, &viewer, StatusCode::OK, &input, FieldErrors::new(), Some((id, page.person.version)), None)
}

pub async fn update(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, form: FormData) -> Result<Response, WebError> {
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Person).draft(true).owned_by(viewer.actor.user_id))?;
    let current = state.store().person(&viewer.actor, PersonId(id)).await?;
    viewer.require(Action::Edit, &person_resource(&current.person))?;
    let input = PersonInput::from_form(&form);
    let version: i64 = form.get("version").parse().map_err(|_| WebError::BadRequest("version: missing".into()))?;
    let errors = match input.parse() {
        Ok((mut new, _)) => {
            // Approval has its own button; the edit form keeps whatever was decided.
            new.person.publication_approved = current.person.publication_approved;
            match state.store().update_person(&viewer.actor, PersonId(id), version, &new).await {
                Ok(_) => return Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
                Err(StoreError::Conflict { current_version }) => {
                    let now = state.store().person(&viewer.actor, PersonId(id)).await?;
                    let stored = PersonInput::from_view(&now.person);
                    let conflict = Conflict {
                        yours: version,
                        current: current_version,
                        message: state.catalogues().text(
                            viewer.lang,
                            "conflict_body",
                            &[("current", &current_version.to_string()), ("yours", &version.to_string())],
                        ),
                        differences: differences(&stored, &input),
                    };
                    // The form now carries the current version: saving again is a deliberate overwrite.
                    return person_form(
                        &state,
                        &viewer,
                        StatusCode::CONFLICT,
                        &input,
                        FieldErrors::new(),
                        Some((id, current_version)),
                        Some(conflict),
                    );
                }
                Err(error) => store_error_to_fields(error)?,
            }
        }
        Err(errors) => errors,
    };
    person_form(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, &input, errors, Some((id, version)), None)
}

/// Field by field, where the stored record and the visitor's input differ.
fn differences(stored: &PersonInput, yours: &PersonInput) -> Vec<(String, String, String)> {
    let pairs = [
        ("name", &stored.name, &yours.name),
        ("aliases", &stored.aliases, &yours.aliases),
        ("birth", &stored.birth, &yours.birth),
        ("city", &stored.city, &yours.city),
        ("contact", &stored.contact, &yours.contact),
        ("address", &stored.address, &yours.address),
        ("consent", &stored.consent, &yours.consent),
        ("notes", &stored.notes, &yours.notes),
    ];
    let mut out: Vec<(String, String, String)> =
        pairs.into_iter().filter(|(_, a, b)| a.trim() != b.trim()).map(|(name, a, b)| (name.to_owned(), a.clone(), b.clone())).collect();
    let (mut a, mut b) = (stored.roles.clone(), yours.roles.clone());
    a.sort();
    b.sort();
    if a != b {
        out.push(("roles".into(), a.join(", "), b.join(", ")));
    }
    out
}

pub async fn set_publication(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Publish, &Resource::of(ResourceKind::Person))?;
    let approved = form.get("approved") == "true";
    state.store().set_publication(&viewer.actor, PersonId(id), approved).await?;
    Ok(Redirect::to(&format!("/persons/{id}")).into_response())
}

/// The values of the detention form.
#[derive(Debug, Clone, Default)]
struct DetentionInput {
    event: String,
    detained_at: String,
    released_at: String,
    detained_by: String,
    police_station: String,
    treatment: Vec<String>,
    injuries: String,
    source_kind: String,
    source_reference: String,
    source_anonymous: bool,
}

impl DetentionInput {
    fn from_view(detention: &DetentionView) -> DetentionInput {
        DetentionInput {
            event: detention.event_id.map(|id| id.0.to_string()).unwrap_or_default(),
            detained_at: detention.detained_at.replace('T', " "),
            released_at: detention.released_at.as_deref().map(|at| at.replace('T', " ")).unwrap_or_default(),
            detained_by: detention.detained_by.clone().unwrap_or_default(),
            police_station: detention.police_station.clone(),
            treatment: detention.treatment.clone().unwrap_or_default(),
            injuries: detention.injuries.clone().unwrap_or_default(),
            source_kind: "volunteer".into(),
            ..DetentionInput::default()
        }
    }

    fn from_form(form: &FormData) -> DetentionInput {
        DetentionInput {
            event: form.get("event").to_owned(),
            detained_at: form.get("detained_at").to_owned(),
            released_at: form.get("released_at").to_owned(),
            detained_by: form.get("detained_by").to_owned(),
            police_station: form.get("police_station").to_owned(),
            treatment: form.all("treatment").into_iter().map(str::to_owned).collect(),
            injuries: form.get("injuries").to_owned(),
            source_kind: form.get("source_kind").to_owned(),
            source_reference: form.get("source_reference").to_owned(),
            source_anonymous: form.checked("source_anonymous"),
        }
    }

    fn parse(&self, source_required: bool) -> Result<(NewDetention, Option<Source>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut note = |field: &str, reason: String| {
            errors.entry(field.to_owned()).or_insert(reason);
        };
        let event_id = match self.event.trim() {
            "" => None,
            text => text.parse::<i64>().map(EventId).map_err(|_| note("event", format!("`{text}` is not an event"))).ok(),
        };
        let detained_at = parse_date_time(&self.detained_at).map_err(|e| note("detained_at", e.reason)).ok();
        let released_at = if self.released_at.trim().is_empty() {
            None
        } else {
            parse_date_time(&self.released_at).map_err(|e| note("released_at", e.reason)).ok()
        };
        let treatment = TreatmentSet::parse(&self.treatment.join(";")).map_err(|e| note("treatment", e.reason)).unwrap_or_default();
        let mut detention = detained_at.map(Detention::new);
        let source = parse_source(&self.source_kind, &self.source_reference, self.source_anonymous, source_required, &mut note);
        if let (Some(detention), Some(released)) = (detention.as_mut(), released_at)
            && let Err(error) = detention.set_released_at(Some(released))
        {
            note("released_at", error.reason);
        }
        match detention {
            Some(mut detention) if errors.is_empty() => {
                detention.detained_by = self.detained_by.trim().to_owned();
                detention.police_station = self.police_station.trim().to_owned();
                detention.treatment = treatment;
                detention.injuries = self.injuries.trim().to_owned();
                Ok((NewDetention { event_id, detention }, source))
            }
            _ => Err(errors),
        }
    }
}

async fn detention_form(
    state: &AppState,
    viewer: &Viewer,
    (person_id, editing): (i64, Option<i64>),
    status: StatusCode,
    input: &DetentionInput,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let events = state.event_choices().await?;
    let mut event_choices = vec![Choice::new("", "—")];
    event_choices.extend(
        events.iter().map(|event| Choice::new(event.id.0.to_string(), format!("{} · {} · {}", event.date, event.city, event.title))),
    );
    let mut fields = vec![
        FormField::new("event", t("field_event"), "select", &input.event).options(event_choices),
        FormField::new("detained_at", t("field_detained_at"), "text", &input.detained_at).required().hint("09.06.2019 14:30"),
        FormField::new("released_at", t("field_released_at"), "text", &input.released_at).hint("09.06.2019 23:10"),
        FormField::new("detained_by", t("field_detained_by"), "text", &input.detained_by),
        FormField::new("police_station", t("field_police_station"), "text", &input.police_station),
        FormField::new("treatment", t("field_treatment"), "checkboxes", "")
            .options(
                Treatment::ALL.iter().map(|item| Choice::new(item.as_str(), label(state, viewer, "treatment", item.as_str()))).collect(),
            )
            .values(input.treatment.clone()),
        FormField::new("injuries", t("field_injuries"), "textarea", &input.injuries),
    ];
    fields.extend(source_fields(state, viewer, &input.source_kind, &input.source_reference, input.source_anonymous, editing.is_none()));
    let general_errors = attach_errors(&mut fields, &errors, |message| state.catalogues().reason(viewer.lang, message));
    let (title, action) = match editing {
        Some(detention) => (t("person_edit_detention"), format!("/persons/{person_id}/detentions/{detention}/edit")),
        None => (t("person_add_detention"), format!("/persons/{person_id}/detentions")),
    };
    let form = FormPage {
        title,
        action,
        cancel: format!("/persons/{person_id}"),
        fields,
        hidden: Vec::new(),
        general_errors,
        has_errors: !errors.is_empty(),
        conflict: None,
    };
    form_page(state, viewer, status, form)
}

pub async fn new_detention_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Detention))?;
    state.store().person(&viewer.actor, PersonId(id)).await?;
    let input = DetentionInput { source_kind: "volunteer".into(), ..DetentionInput::default() };
    detention_form(&state, &viewer, (id, None), StatusCode::OK, &input, FieldErrors::new()).await
}

pub async fn create_detention(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Detention))?;
    let input = DetentionInput::from_form(&form);
    let errors = match input.parse(true) {
        Ok((new, source)) => match state.store().add_detention(&viewer.actor, PersonId(id), &new).await {
            Ok(detention) => {
                if let Some(source) = source {
                    state.store().add_source(&viewer.actor, FactRef::Detention(detention), &source).await?;
                }
                return Ok(Redirect::to(&format!("/persons/{id}")).into_response());
            }
            Err(error) => store_error_to_fields(error)?,
        },
        Err(errors) => errors,
    };
    detention_form(&state, &viewer, (id, None), StatusCode::UNPROCESSABLE_ENTITY, &input, errors).await
}

/// The values of the decision form.
#[derive(Debug, Clone, Default)]
struct DecisionInput {
    authority: String,
    decided_on: String,
    hearing_minutes: String,
    lawyer_present: String,
    article: String,
    outcome: String,
    amount: String,
    appeal_result: String,
    source_kind: String,
    source_reference: String,
    source_anonymous: bool,
}

impl DecisionInput {
    fn from_form(form: &FormData) -> DecisionInput {
        DecisionInput {
            authority: form.get("authority").to_owned(),
            decided_on: form.get("decided_on").to_owned(),
            hearing_minutes: form.get("hearing_minutes").to_owned(),
            lawyer_present: form.get("lawyer_present").to_owned(),
            article: form.get("article").to_owned(),
            outcome: form.get("outcome").to_owned(),
            amount: form.get("amount").to_owned(),
            appeal_result: form.get("appeal_result").to_owned(),
            source_kind: form.get("source_kind").to_owned(),
            source_reference: form.get("source_reference").to_owned(),
            source_anonymous: form.checked("source_anonymous"),
        }
    }

    fn parse(&self) -> Result<(Decision, Option<Source>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut note = |field: &str, reason: String| {
            errors.entry(field.to_owned()).or_insert(reason);
        };
        let authority = self.authority.trim();
        if authority.is_empty() {
            note("authority", "is empty".into());
        }
        let decided_on = parse_date(&self.decided_on).map_err(|e| note("decided_on", e.reason)).ok();
        let hearing_minutes = match self.hearing_minutes.trim() {
            "" => None,
            text => text.parse::<u16>().map_err(|_| note("hearing_minutes", format!("`{text}` is not a number of minutes"))).ok(),
        };
        let lawyer_present = match self.lawyer_present.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let article = match self.article.trim() {
            "" => None,
            text => Article::parse(text).map_err(|e| note("article", e.reason)).ok(),
        };
        let amount = match self.amount.trim() {
            "" => None,
            text => text.parse::<u32>().map_err(|_| note("amount", format!("`{text}` is not a whole number"))).ok(),
        };
        let appeal_result = Some(self.appeal_result.as_str()).filter(|value| !value.is_empty());
        let outcome = Outcome::from_parts(&self.outcome, amount, appeal_result).map_err(|e| note("outcome", e.reason)).ok();
        let source = parse_source(&self.source_kind, &self.source_reference, self.source_anonymous, true, &mut note);
        match (decided_on, outcome) {
            (Some(decided_on), Some(outcome)) if errors.is_empty() => {
                Ok((Decision { authority: authority.to_owned(), decided_on, hearing_minutes, lawyer_present, article, outcome }, source))
            }
            _ => Err(errors),
        }
    }
}

fn decision_form(
    state: &AppState,
    viewer: &Viewer,
    person_id: i64,
    detention_id: i64,
    status: StatusCode,
    input: &DecisionInput,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let mut fields = vec![
        FormField::new("authority", t("field_authority"), "text", &input.authority).required(),
        FormField::new("decided_on", t("field_decided_on"), "text", &input.decided_on).required().hint("10.06.2019"),
        FormField::new("hearing_minutes", t("field_hearing_minutes"), "number", &input.hearing_minutes),
        FormField::new("lawyer_present", t("field_lawyer_present"), "select", &input.lawyer_present).options(vec![
            Choice::new("", "—"),
            Choice::new("yes", t("yes")),
            Choice::new("no", t("no")),
        ]),
        FormField::new("article", t("field_article"), "text", &input.article).hint("AC 488, CC 405"),
        FormField::new("outcome", t("field_outcome"), "select", &input.outcome)
            .options(OUTCOME_KINDS.iter().map(|kind| Choice::new(*kind, label(state, viewer, "outcome", kind))).collect())
            .required(),
        FormField::new("amount", t("field_amount"), "number", &input.amount).hint("arrest: days; fine: KZT; appeal reduced: days"),
        FormField::new("appeal_result", t("field_appeal_result"), "select", &input.appeal_result).options(
            ["", "pending", "upheld", "reduced", "overturned"]
                .iter()
                .map(|value| Choice::new(*value, if value.is_empty() { "—" } else { value }))
                .collect(),
        ),
    ];
    fields.extend(source_fields(state, viewer, &input.source_kind, &input.source_reference, input.source_anonymous, true));
    let general_errors = attach_errors(&mut fields, &errors, |message| state.catalogues().reason(viewer.lang, message));
    let form = FormPage {
        title: t("person_add_decision"),
        action: format!("/persons/{person_id}/detentions/{detention_id}/decisions"),
        cancel: format!("/persons/{person_id}"),
        fields,
        hidden: Vec::new(),
        general_errors,
        has_errors: !errors.is_empty(),
        conflict: None,
    };
    form_page(state, viewer, status, form)
}

/// The person page and one of the person's detentions, so that a URL cannot reach someone
/// else's detention through another person.
async fn detention_of(
    state: &AppState,
    viewer: &Viewer,
    person_id: i64,
    detention_id: i64,
) -> Result<(PersonPage, DetentionView), WebError> {
    let page = state.store().person(&viewer.actor, PersonId(person_id)).await?;
    let detention =
        page.detentions.iter().find(|detention| detention.id == DetentionId(detention_id)).cloned().ok_or(WebError::NotFound)?;
    Ok((page, detention))
}

pub async fn new_decision_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, detention)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Decision))?;
    detention_of(&state, &viewer, id, detention).await?;
    let input = DecisionInput { outcome: "arrest".into(), source_kind: "volunteer".into(), ..DecisionInput::default() };
    decision_form(&state, &viewer, id, detention, StatusCode::OK, &input, FieldErrors::new())
}

pub async fn create_decision(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, detention)): Path<(i64, i64)>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Create, &Resource::of(ResourceKind::Decision))?;
    detention_of(&state, &viewer, id, detention).await?;
    let input = DecisionInput::from_form(&form);
    let errors = match input.parse() {
        Ok((decision, source)) => match state.store().add_decision(&viewer.actor, DetentionId(detention), &decision).await {
            Ok(decision_id) => {
                if let Some(source) = source {
                    state.store().add_source(&viewer.actor, FactRef::Decision(decision_id), &source).await?;
                }
                return Ok(Redirect::to(&format!("/persons/{id}")).into_response());
            }
            Err(error) => store_error_to_fields(error)?,
        },
        Err(errors) => errors,
    };
    decision_form(&state, &viewer, id, detention, StatusCode::UNPROCESSABLE_ENTITY, &input, errors)
}

/// The resource `can` judges for a change of a fact of this person's record.
fn fact_resource(kind: ResourceKind, person: &PersonView) -> Resource {
    Resource { kind, ..person_resource(person) }
}

pub async fn edit_detention_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, detention)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Detention).draft(true).owned_by(viewer.actor.user_id))?;
    let (page, view) = detention_of(&state, &viewer, id, detention).await?;
    viewer.require(Action::Edit, &fact_resource(ResourceKind::Detention, &page.person))?;
    // A form that cannot show the restricted injuries would erase them on saving.
    if view.injuries.is_none() || view.treatment.is_none() || view.detained_by.is_none() {
        return Err(WebError::Forbidden);
    }
    detention_form(&state, &viewer, (id, Some(detention)), StatusCode::OK, &DetentionInput::from_view(&view), FieldErrors::new()).await
}

pub async fn update_detention(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, detention)): Path<(i64, i64)>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Detention).draft(true).owned_by(viewer.actor.user_id))?;
    let (page, view) = detention_of(&state, &viewer, id, detention).await?;
    viewer.require(Action::Edit, &fact_resource(ResourceKind::Detention, &page.person))?;
    if view.injuries.is_none() || view.treatment.is_none() || view.detained_by.is_none() {
        return Err(WebError::Forbidden);
    }
    let input = DetentionInput::from_form(&form);
    let errors = match input.parse(false) {
        Ok((new, source)) => match state.store().update_detention(&viewer.actor, DetentionId(detention), &new).await {
            Ok(()) => {
                if let Some(source) = source {
                    state.store().add_source(&viewer.actor, FactRef::Detention(DetentionId(detention)), &source).await?;
                }
                return Ok(Redirect::to(&format!("/persons/{id}")).into_response());
            }
            Err(error) => store_error_to_fields(error)?,
        },
        Err(errors) => errors,
    };
    detention_form(&state, &viewer, (id, Some(detention)), StatusCode::UNPROCESSABLE_ENTITY, &input, errors).await
}

/// A transfer or a custody placement: the two custody facts share one form handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CustodyFact {
    Transfer,
    Custody,
}

impl CustodyFact {
    fn from_path(segment: &str) -> Result<CustodyFact, WebError> {
        match segment {
            "transfers" => Ok(CustodyFact::Transfer),
            "custody" => Ok(CustodyFact::Custody),
            _ => Err(WebError::NotFound),
        }
    }

    fn segment(self) -> &'static str {
        match self {
            CustodyFact::Transfer => "transfers",
            CustodyFact::Custody => "custody",
        }
    }

    fn field_names(self) -> &'static [&'static str] {
        match self {
            CustodyFact::Transfer => &["from_place", "to_place", "departed_at", "distance_km", "hours_in_transport", "relatives_told_on"],
            CustodyFact::Custody => &["place", "region", "from", "until"],
        }
    }
}

/// Parses a custody fact's fields; every refusal is noted under its field.
fn parse_custody_fact(fact: CustodyFact, form: &FormData) -> Result<(CustodyValue, Source), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut note = |field: &str, reason: String| {
        errors.entry(field.to_owned()).or_insert(reason);
    };
    let text = |name: &str, required: bool, note: &mut dyn FnMut(&str, String)| -> String {
        let value = form.get(name).trim().to_owned();
        if required && value.is_empty() {
            note(name, "is empty".into());
        } else if value.chars().count() > 300 {
            note(name, "is longer than 300 characters".into());
        }
        value
    };
    let optional_date = |name: &str, note: &mut dyn FnMut(&str, String)| match form.get(name).trim() {
        "" => None,
        raw => parse_date(raw).map_err(|e| note(name, e.reason)).ok(),
    };
    let value = match fact {
        CustodyFact::Transfer => {
            let from_place = text("from_place", true, &mut note);
            let to_place = text("to_place", true, &mut note);
            let departed_at = match form.get("departed_at").trim() {
                "" => None,
                raw => parse_date_time(raw).map_err(|e| note("departed_at", e.reason)).ok(),
            };
            let distance_km = match form.get("distance_km").trim() {
                "" => None,
                raw => raw.parse::<u32>().map_err(|_| note("distance_km", format!("`{raw}` is not a whole number of kilometres"))).ok(),
            };
            let hours_in_transport = match form.get("hours_in_transport").trim() {
                "" => None,
                raw => {
                    raw.replace(',', ".").parse::<f64>().ok().filter(|hours| hours.is_finite() && (0.0..=240.0).contains(hours)).or_else(
                        || {
                            note("hours_in_transport", format!("`{raw}` is not a number of hours between 0 and 240"));
                            None
                        },
                    )
                }
            };
            let relatives_told_on = optional_date("relatives_told_on", &mut note);
            CustodyValue::Transfer(kuzet_register::Transfer {
                from_place,
                to_place,
                departed_at,
                distance_km,
                hours_in_transport,
                relatives_told_on,
            })
        }
        CustodyFact::Custody => {
            let place = text("place", true, &mut note);
            let region = text("region", false, &mut note);
            let from = match form.get("from").trim() {
                "" => {
                    note("from", "is empty".into());
                    None
                }
                raw => parse_date(raw).map_err(|e| note("from", e.reason)).ok(),
            };
            let until = optional_date("until", &mut note);
            if let (Some(from), Some(until)) = (from, until)
                && until < from
            {
                note("until", format!("{until} is before {from}"));
            }
            CustodyValue::Custody(from.map(|from| kuzet_register::Custody { place, region, from, until }))
        }
    };
    let source = parse_source(form.get("source_kind"), form.get("source_reference"), form.checked("source_anonymous"), true, &mut note);
    match (value, source) {
        (CustodyValue::Custody(None), _) | (_, None) => Err(errors),
        (value, Some(source)) if errors.is_empty() => Ok((value, source)),
        _ => Err(errors),
    }
}

/// A parsed custody fact.
enum CustodyValue {
    Transfer(kuzet_register::Transfer),
    Custody(Option<kuzet_register::Custody>),
}

fn custody_form(
    state: &AppState,
    viewer: &Viewer,
    (person_id, detention_id, fact): (i64, i64, CustodyFact),
    status: StatusCode,
    form: &FormData,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let t = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let value = |name: &str| form.get(name).to_owned();
    let mut fields: Vec<FormField> = match fact {
        CustodyFact::Transfer => vec![
            FormField::new("from_place", t("field_from_place"), "text", value("from_place")).required(),
            FormField::new("to_place", t("field_to_place"), "text", value("to_place")).required(),
            FormField::new("departed_at", t("field_departed_at"), "text", value("departed_at")).hint("10.06.2019 08:00"),
            FormField::new("distance_km", t("field_distance_km"), "number", value("distance_km")),
            FormField::new("hours_in_transport", t("field_hours_in_transport"), "text", value("hours_in_transport")),
            FormField::new("relatives_told_on", t("field_relatives_told_on"), "text", value("relatives_told_on")).hint("13.06.2019"),
        ],
        CustodyFact::Custody => vec![
            FormField::new("place", t("field_custody_place"), "text", value("place")).required(),
            FormField::new("region", t("field_region"), "text", value("region")),
            FormField::new("from", t("field_custody_from"), "text", value("from")).required().hint("10.06.2019"),
            FormField::new("until", t("field_custody_until"), "text", value("until")).hint("25.06.2019"),
        ],
    };
    let kind = if form.get("source_kind").is_empty() { "volunteer" } else { form.get("source_kind") };
    fields.extend(source_fields(state, viewer, kind, form.get("source_reference"), form.checked("source_anonymous"), true));
    debug_assert!(fact.field_names().iter().all(|name| fields.iter().any(|field| field.name == *name)));
    let general_errors = attach_errors(&mut fields, &errors, |message| state.catalogues().reason(viewer.lang, message));
    let page = FormPage {
        title: t(match fact {
            CustodyFact::Transfer => "person_add_transfer",
            CustodyFact::Custody => "person_add_custody",
        }),
        action: format!("/persons/{person_id}/detentions/{detention_id}/{}", fact.segment()),
        cancel: format!("/persons/{person_id}"),
        fields,
        hidden: Vec::new(),
        general_errors,
        has_errors: !errors.is_empty(),
        conflict: None,
    };
    form_page(state, viewer, status, page)
}

pub async fn new_custody_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, detention, segment)): Path<(i64, i64, String)>,
) -> Result<Response, WebError> {
    let fact = CustodyFact::from_path(&segment)?;
    viewer.require(Action::Create, &Resource::of(ResourceKind::Custody))?;
    detention_of(&state, &viewer, id, detention).await?;
    custody_form(&state, &viewer, (id, detention, fact), StatusCode::OK, &FormData::default(), FieldErrors::new())
}

pub async fn create_custody(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, detention, segment)): Path<(i64, i64, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let fact = CustodyFact::from_path(&segment)?;
    viewer.require(Action::Create, &Resource::of(ResourceKind::Custody))?;
    detention_of(&state, &viewer, id, detention).await?;
    let errors = match parse_custody_fact(fact, &form) {
        Ok((value, source)) => {
            let stored = match &value {
                CustodyValue::Transfer(transfer) => {
                    state.store().add_transfer(&viewer.actor, DetentionId(detention), transfer).await.map(FactRef::Transfer)
                }
                CustodyValue::Custody(Some(custody)) => {
                    state.store().add_custody(&viewer.actor, DetentionId(detention), custody).await.map(FactRef::Custody)
                }
                CustodyValue::Custody(None) => Err(StoreError::Invalid { field: "from".into(), message: "is empty".into() }),
            };
            match stored {
                Ok(fact) => {
                    state.store().add_source(&viewer.actor, fact, &source).await?;
                    return Ok(Redirect::to(&format!("/persons/{id}")).into_response());
                }
                Err(error) => store_error_to_fields(error)?,
            }
        }
        Err(errors) => errors,
    };
    custody_form(&state, &viewer, (id, detention, fact), StatusCode::UNPROCESSABLE_ENTITY, &form, errors)
}

pub async fn delete_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::Delete, &Resource::of(ResourceKind::Person).draft(true).owned_by(viewer.actor.user_id))?;
    let page = state.store().person(&viewer.actor, PersonId(id)).await?;
    viewer.require(Action::Delete, &person_resource(&page.person))?;
    Ok(state.page(&viewer, "delete.html", serde_json::json!({ "person": page.person, "conflict": false }))?.into_response())
}

/// Deletes a person's record; the version guards against deleting what someone just changed.
pub async fn delete(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, form: FormData) -> Result<Response, WebError> {
    viewer.require(Action::Delete, &Resource::of(ResourceKind::Person).draft(true).owned_by(viewer.actor.user_id))?;
    let version: i64 = form.get("version").parse().map_err(|_| WebError::BadRequest("version: missing".into()))?;
    match state.store().delete_person(&viewer.actor, PersonId(id), version).await {
        Ok(()) => Ok(Redirect::to("/persons").into_response()),
        Err(StoreError::Conflict { .. }) => {
            let page = state.store().person(&viewer.actor, PersonId(id)).await?;
            let body = state.page(&viewer, "delete.html", serde_json::json!({ "person": page.person, "conflict": true }))?;
            Ok((StatusCode::CONFLICT, body).into_response())
        }
        Err(error) => Err(error.into()),
    }
}
