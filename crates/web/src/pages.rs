//! Page handlers other than the person forms: sign-in, dashboard, events, the public list and
//! the case study. Thin functions: check `can`, call the store, render.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_register::{Action, Confidentiality, Resource, ResourceKind};
use kuzet_store::{Dashboard, EventId, LoginStep, NewSession, PersonQuery, StoreError};
use serde::{Deserialize, Serialize};

use crate::cookies;
use crate::forms::FormData;
use crate::persons::{ListParams, paging_links};
use crate::templates::STYLESHEET;
use crate::viewer::Viewer;
use crate::{AppState, WebError, security};

/// `/`: staff go to the dashboard; everyone else sees the public landing page.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    if viewer.offers().view_register {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    Ok(state.page(&viewer, "home.html", ())?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_form(State(state): State<AppState>, viewer: Viewer, Query(query): Query<LoginQuery>) -> Result<Response, WebError> {
    let next = safe_next(query.next.as_deref());
    Ok(state.page(&viewer, "login.html", serde_json::json!({ "next": next, "username": "", "failure": null }))?.into_response())
}

/// Signs in. A new session token is issued at every sign-in and any session the browser had
/// is ended, so a token planted before sign-in (session fixation) is worthless.
///
/// Accounts with a TOTP second factor sign in in two steps through this one route: the
/// password form gives a code form carrying a pending-login token (a hidden field; the store
/// keeps only its digest, for 5 minutes, and it opens nothing else), and the code form, which
/// posts that token back with the code, gives the session.
pub async fn login(State(state): State<AppState>, viewer: Viewer, form: FormData) -> Result<Response, WebError> {
    let next = safe_next(Some(form.get("next")));
    let pending = form.get("pending").trim().to_owned();
    if !pending.is_empty() {
        return login_code(&state, &viewer, &form, &next, &pending).await;
    }
    let username = form.get("username").trim().to_owned();
    let failure = |status: StatusCode, message: String| -> Result<Response, WebError> {
        let page = state.page(&viewer, "login.html", serde_json::json!({ "next": next, "username": username, "failure": message }))?;
        Ok((status, page).into_response())
    };
    match state.store().begin_login(&username, form.get("password"), &viewer.client_addr).await {
        Ok(LoginStep::Session(session)) => signed_in(&state, &viewer, &session, &next).await,
        Ok(LoginStep::CodeNeeded(pending)) => {
            let page = state.page(&viewer, "login.html", serde_json::json!({ "next": next, "pending": pending.token, "failure": null }))?;
            Ok(page.into_response())
        }
        Ok(LoginStep::TotpEnrolmentRequired) => {
            failure(StatusCode::FORBIDDEN, state.catalogues().text(viewer.lang, "login_totp_required", &[("user", &username)]))
        }
        Err(StoreError::WrongCredentials) => failure(StatusCode::UNAUTHORIZED, state.catalogues().text(viewer.lang, "login_failed", &[])),
        Err(StoreError::Throttled { retry_after_secs }) => failure(
            StatusCode::TOO_MANY_REQUESTS,
            state.catalogues().text(viewer.lang, "login_throttled", &[("secs", &retry_after_secs.to_string())]),
        ),
        Err(other) => Err(other.into()),
    }
}

/// The second step of signing in: the TOTP code for a pending login. A wrong or used code shows
/// the code form again (the pending login stays until it expires); an expired or unknown one
/// sends the visitor back to the password form.
async fn login_code(state: &AppState, viewer: &Viewer, form: &FormData, next: &str, pending: &str) -> Result<Response, WebError> {
    let code: String = form.get("code").chars().filter(|c| !c.is_whitespace()).collect();
    let code_form = |status: StatusCode, message: String| -> Result<Response, WebError> {
        let page = state.page(viewer, "login.html", serde_json::json!({ "next": next, "pending": pending, "failure": message }))?;
        Ok((status, page).into_response())
    };
    match state.store().finish_login(pending, &code, &viewer.client_addr).await {
        Ok(session) => signed_in(state, viewer, &session, next).await,
        Err(StoreError::WrongCredentials) => code_form(StatusCode::UNAUTHORIZED, state.catalogues().text(viewer.lang, "login_code_failed", &[])),
        Err(StoreError::Throttled { retry_after_secs }) => code_form(
            StatusCode::TOO_MANY_REQUESTS,
            state.catalogues().text(viewer.lang, "login_throttled", &[("secs", &retry_after_secs.to_string())]),
        ),
        Err(StoreError::NotFound) => {
            let message = state.catalogues().text(viewer.lang, "login_pending_expired", &[]);
            let page = state.page(viewer, "login.html", serde_json::json!({ "next": next, "username": "", "failure": message }))?;
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends the browser's previous session, sets the new session cookie and goes to `next`.
async fn signed_in(state: &AppState, viewer: &Viewer, session: &NewSession, next: &str) -> Result<Response, WebError> {
    if let Some(old) = &viewer.session_token {
        state.store().logout(old).await?;
    }
    let secure = state.config().secure_cookies;
    let mut response = Redirect::to(next).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookies::set(cookies::SESSION, &session.token, secure, None));
    headers.append(header::SET_COOKIE, cookies::set(cookies::ANONYMOUS_CSRF, "", secure, Some(0)));
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    if let Some(token) = &viewer.session_token {
        state.store().logout(token).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookies::set(cookies::SESSION, "", state.config().secure_cookies, Some(0)));
    Ok(response)
}

/// Only local paths may be a redirect target after sign-in, so that a link cannot send a
/// visitor to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The dashboard's charts, drawn from the store's counts with the report crate's SVG charts.
#[derive(Debug, Serialize)]
struct DashboardCharts {
    by_event: String,
    by_city: String,
    by_day: String,
    by_outcome: String,
}

fn dashboard_charts(state: &AppState, viewer: &Viewer, dashboard: &Dashboard) -> DashboardCharts {
    use kuzet_report::svg::bar_chart;
    let text = |key: &str| state.catalogues().text(viewer.lang, key, &[]);
    let (register, claims) = (text("dashboard_register_count"), text("dashboard_claims"));
    // Each event's count in the register, and under it the largest number an official gave.
    let mut events: Vec<(String, f64)> = Vec::new();
    for event in &dashboard.by_event {
        events.push((format!("{} {} · {register}", event.date, event.city), event.detentions as f64));
        if let Some(claim) = event.claims.iter().map(|claim| claim.value).max() {
            events.push((format!("{} {} · {claims}", event.date, event.city), f64::from(claim)));
        }
    }
    let counts = |counts: &[kuzet_store::Count], prefix: &str| -> Vec<(String, f64)> {
        counts.iter().map(|count| (crate::persons::label(state, viewer, prefix, &count.key), count.count as f64)).collect()
    };
    DashboardCharts {
        by_event: bar_chart(&text("dashboard_by_event"), &events),
        by_city: bar_chart(&text("dashboard_by_city"), &counts(&dashboard.by_city, "-")),
        by_day: bar_chart(&text("dashboard_by_day"), &counts(&dashboard.by_day, "-")),
        by_outcome: bar_chart(&text("dashboard_by_outcome"), &counts(&dashboard.by_outcome, "outcome")),
    }
}

pub async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Register))?;
    let dashboard = state.store().dashboard(&viewer.actor).await?;
    let charts = dashboard_charts(&state, &viewer, &dashboard);
    Ok(state.page(&viewer, "dashboard.html", serde_json::json!({ "dashboard": dashboard, "charts": charts }))?.into_response())
}

pub async fn events(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Event))?;
    let events = state.store().events().await?;
    Ok(state.page(&viewer, "events.html", serde_json::json!({ "events": events }))?.into_response())
}

pub async fn event(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Event))?;
    let page = state.store().event_page(&viewer.actor, EventId(id)).await?;
    let query = PersonQuery { event: Some(EventId(id)), per_page: 20, ..PersonQuery::default() };
    let persons = state.store().list_persons(&viewer.actor, &query).await?;
    Ok(state.page(&viewer, "event.html", serde_json::json!({ "page": page, "persons": persons }))?.into_response())
}

/// The public list: published persons' public fields, for anyone.
pub async fn public_list(State(state): State<AppState>, viewer: Viewer, Query(params): Query<ListParams>) -> Result<Response, WebError> {
    let published = Resource::of(ResourceKind::Person).published(true).at_level(Confidentiality::Public);
    viewer.require(Action::View, &published)?;
    let (query, filter_errors) = params.to_query();
    let persons = state.store().public_persons(&query).await?;
    let paging = paging_links("/public", &params, persons.page, persons.pages);
    Ok(state
        .page(
            &viewer,
            "public.html",
            serde_json::json!({ "persons": persons, "params": params, "paging": paging, "filter_errors": filter_errors }),
        )?
        .into_response())
}

/// The public list as CSV: every published person's public fields, all pages, for anyone. The
/// body is streamed a page (500 persons) at a time, so the server holds one page, not the list.
/// The first page is read before the response starts, so that a failing store still gets an
/// error page; a failure later cuts the download short (the client sees an incomplete body).
pub async fn public_csv(State(state): State<AppState>, viewer: Viewer, Query(params): Query<ListParams>) -> Result<Response, WebError> {
    let published = Resource::of(ResourceKind::Person).published(true).at_level(Confidentiality::Public);
    viewer.require(Action::View, &published)?;
    let (mut query, filter_errors) = params.to_query();
    if let Some((field, message)) = filter_errors.into_iter().next() {
        return Err(WebError::BadRequest(format!("{field}: {message}")));
    }
    query.per_page = 500;
    query.page = 1;
    let first = state.store().public_persons(&query).await?;
    let mut csv = String::from(
        "name,birth_year,city,roles,event,event_date,event_city,detained_at,released_at,hours_held,police_station,outcome,status,custody_place\r\n",
    );
    public_csv_rows(&first.items, &mut csv);
    let more = first.page < first.pages;
    let rest = futures_util::stream::unfold((state, query, more), |(state, mut query, more)| async move {
        if !more {
            return None;
        }
        query.page += 1;
        match state.store().public_persons(&query).await {
            Ok(page) => {
                let mut csv = String::new();
                public_csv_rows(&page.items, &mut csv);
                let more = page.page < page.pages;
                Some((Ok::<_, StoreError>(axum::body::Bytes::from(csv)), (state, query, more)))
            }
            Err(error) => {
                tracing::error!(%error, "public CSV export: reading a page failed");
                Some((Err(error), (state, query, false)))
            }
        }
    });
    let body = futures_util::stream::once(std::future::ready(Ok(axum::body::Bytes::from(csv))));
    let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(body, rest));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"kuzet-public-list.csv\""),
        ],
        body,
    )
        .into_response())
}

/// Appends one CSV line per person.
fn public_csv_rows(persons: &[kuzet_store::PublicPersonRow], csv: &mut String) {
    for person in persons {
        let cells = [
            person.name.clone(),
            person.birth_year.map(|year| year.to_string()).unwrap_or_default(),
            person.city.clone().unwrap_or_default(),
            person.roles.join(";"),
            person.event_title.clone().unwrap_or_default(),
            person.event_date.clone().unwrap_or_default(),
            person.event_city.clone().unwrap_or_default(),
            person.detained_at.clone().unwrap_or_default(),
            person.released_at.clone().unwrap_or_default(),
            person.hours_held.map(|hours| hours.to_string()).unwrap_or_default(),
            person.police_station.clone().unwrap_or_default(),
            person.outcome_text.clone().unwrap_or_default(),
            person.status.clone(),
            person.custody_place.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        csv.push_str(&row.join(","));
        csv.push_str("\r\n");
    }
}

/// One CSV cell, quoted; a text that a spreadsheet would run as a formula is prefixed with `'`.
fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The Kazakhstan 2019 case study: a self-contained report with its own inline stylesheet,
/// allowed by hash in this page's policy and nowhere else.
pub async fn case_study(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    match &state.config().case_study_html {
        Some(html) => {
            let style = html.split_once("<style>").and_then(|(_, rest)| rest.split_once("</style>")).map(|(style, _)| style).unwrap_or("");
            let policy = security::policy_with_inline_style(style);
            let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html.clone()).into_response();
            if let Ok(value) = HeaderValue::from_str(&policy) {
                response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
            }
            Ok(response)
        }
        None => Ok((StatusCode::NOT_FOUND, state.page(&viewer, "case_study_missing.html", ())?).into_response()),
    }
}

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], STYLESHEET).into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}
