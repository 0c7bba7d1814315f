//! Elections in the app (issue 6): the list, an election's overview per area, the area page
//! (observed sample against official results, the projection as the sample grew, outlier
//! stations, forensics), the station page (every copy side by side, photos, official figures
//! and their history, resolutions), conflicts and their resolution, official result imports,
//! publication, the public results page and the exports.
//!
//! The verification is not recomputed here: the store hands over the election as
//! `kuzet_protocol` values (`Store::election_dataset`), and the pages run the same
//! `kuzet_protocol::verify` and `kuzet_report::verify` that `kuzet verify` runs on files, so a
//! figure on a page is the figure the CLI prints. Heavy work (verification, bootstrap,
//! forensics) runs on the blocking pool.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kuzet_protocol::project::{AreaOfficial, ProjectionOptions, project_sample};
use kuzet_protocol::{AreaId, Election, ProtocolDefinition, VerifyOptions};
use kuzet_register::{Action, Confidentiality, Resource, ResourceKind};
use kuzet_report::verify as report;
use kuzet_store::{
    AreaRow, ElectionDataset, ElectionRow, Figures, NewOfficialImport, OfficialLevel, OfficialRow,
    StationDetail, StationRow, SubmissionRow,
};
use serde::{Deserialize, Serialize};

use crate::forms::FormData;
use crate::i18n::Lang;
use crate::viewer::Viewer;
use crate::{AppState, WebError, security};

/// The slug of the built-in case study, served from the embedded report when no stored
/// election has taken its place.
pub const CASE_STUDY_SLUG: &str = "kz-2019";

/// Fewer official stations than this in an area, and the forensics are not offered: the
/// tests need distributions, not a handful of points.
pub const FORENSICS_MIN_STATIONS: usize = 200;

/// How many points the projection-over-time chart has at most.
const GROWTH_STEPS: usize = 24;

/// Whether `path` takes an official results upload (read with the submissions' larger limit).
pub fn takes_upload(path: &str) -> bool {
    (path.starts_with("/elections/") || path.starts_with("/api/v1/elections/"))
        && (path.ends_with("/official") || path.ends_with("/stations"))
}

pub(crate) fn view_election() -> Resource {
    Resource::of(ResourceKind::Election)
}

fn published_election() -> Resource {
    Resource::of(ResourceKind::Election)
        .published(true)
        .at_level(Confidentiality::Public)
}

/// The stored election `slug`, or not found.
pub(crate) async fn election_by_slug(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
) -> Result<ElectionRow, WebError> {
    state
        .store()
        .election(&viewer.actor, slug)
        .await?
        .ok_or(WebError::NotFound)
}

/// The report language closest to the visitor's.
pub(crate) fn report_language(lang: Lang) -> report::Language {
    match lang {
        Lang::Ru => report::Language::Russian,
        _ => report::Language::English,
    }
}

/// A protocol line's label in the visitor's language, or a candidate's name.
pub(crate) fn figure_label(definition: &ProtocolDefinition, key: &str, lang: Lang) -> String {
    match definition.lines.iter().find(|line| line.key == key) {
        Some(line) if lang == Lang::Ru => {
            line.label_ru.clone().unwrap_or_else(|| line.label.clone())
        }
        Some(line) => line.label.clone(),
        None => key.to_owned(),
    }
}

/// A control relation's name in the visitor's language.
pub(crate) fn relation_label(definition: &ProtocolDefinition, name: &str, lang: Lang) -> String {
    match definition
        .relations
        .iter()
        .find(|relation| relation.name == name)
    {
        Some(relation) if lang == Lang::Ru => relation
            .name_ru
            .clone()
            .unwrap_or_else(|| relation.name.clone()),
        _ => name.to_owned(),
    }
}

fn definition_of(election: &ElectionRow) -> Result<ProtocolDefinition, WebError> {
    election.definition().map_err(WebError::from)
}

fn keys_of(election: &ElectionRow) -> Result<Vec<String>, WebError> {
    election.figure_keys().map_err(WebError::from)
}

// ---------------------------------------------------------------------------------------------
// The list and the overview.

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    viewer.require(Action::View, &view_election())?;
    let elections = state.store().elections(&viewer.actor).await?;
    let may_submit = viewer.can(Action::Create, &Resource::of(ResourceKind::Submission));
    let may_create = viewer.can(Action::Create, &view_election());
    Ok(state
        .page(
            &viewer,
            "elections.html",
            serde_json::json!({ "elections": elections, "may_submit": may_submit, "may_create": may_create }),
        )?
        .into_response())
}

/// One area's line in the overview.
#[derive(Debug, Clone, Default, Serialize)]
struct AreaLine {
    id: i64,
    name: String,
    path: String,
    depth: usize,
    stations: i64,
    observed: i64,
    official: i64,
    flagged: i64,
    conflicts: i64,
    official_totals: bool,
}

/// Counts per area, every station counted in its area and each area above it.
fn area_lines(areas: &[AreaRow], stations: &[StationRow]) -> Vec<AreaLine> {
    let parents: HashMap<i64, Option<i64>> =
        areas.iter().map(|area| (area.id, area.parent_id)).collect();
    let mut lines: Vec<AreaLine> = areas
        .iter()
        .map(|area| AreaLine {
            id: area.id,
            name: area.name.clone(),
            path: area.path.join(" / "),
            depth: area.path.len().saturating_sub(1),
            stations: area.station_count,
            official_totals: area.official.is_some(),
            ..AreaLine::default()
        })
        .collect();
    let index: HashMap<i64, usize> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| (line.id, i))
        .collect();
    for station in stations {
        let mut current = Some(station.area_id);
        // The hierarchy is a tree; the bound guards against a cycle in damaged data.
        let mut steps = 0;
        while let Some(area) = current
            && steps < 64
        {
            if let Some(&i) = index.get(&area) {
                let line = &mut lines[i];
                line.observed += i64::from(station.submissions > 0);
                line.official += i64::from(station.official.is_some());
                line.flagged += i64::from(station.flagged > 0);
                line.conflicts +=
                    i64::from(station.conflict && station.verified_submission_id.is_none());
            }
            current = parents.get(&area).copied().flatten();
            steps += 1;
        }
    }
    lines
}

pub async fn overview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    if slug == CASE_STUDY_SLUG && !stored_election_exists(&state, &viewer, &slug).await {
        return crate::pages::case_study(State(state), viewer).await;
    }
    viewer.require(Action::View, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let areas = state
        .store()
        .election_areas(&viewer.actor, election.id)
        .await?;
    let stations = state
        .store()
        .election_stations(&viewer.actor, election.id, None)
        .await?;
    let lines = area_lines(&areas, &stations);
    let totals = serde_json::json!({
        "stations": stations.len(),
        "observed": stations.iter().filter(|s| s.submissions > 0).count(),
        "official": stations.iter().filter(|s| s.official.is_some()).count(),
        "flagged": stations.iter().filter(|s| s.flagged > 0).count(),
        "conflicts": stations.iter().filter(|s| s.conflict && s.verified_submission_id.is_none()).count(),
    });
    let may = election_offers(&viewer);
    let case_study = slug == CASE_STUDY_SLUG && state.config().case_study_html.is_some();
    Ok(state
        .page(
            &viewer,
            "election.html",
            serde_json::json!({ "election": election, "areas": lines, "totals": totals, "offers": may, "case_study": case_study }),
        )?
        .into_response())
}

/// Whether a stored election has `slug` (for the case-study address, which a stored
/// election of the same name takes over); a failing store counts as none.
async fn stored_election_exists(state: &AppState, viewer: &Viewer, slug: &str) -> bool {
    if !viewer.can(Action::View, &view_election()) {
        return false;
    }
    matches!(
        state.store().election(&viewer.actor, slug).await,
        Ok(Some(_))
    )
}

/// The case-study report at its own address once a stored election holds `kz-2019`.
pub async fn case_study_report(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    crate::pages::case_study(State(state), viewer).await
}

/// What the election pages may offer; each route still checks.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ElectionOffers {
    submit: bool,
    import: bool,
    resolve: bool,
    publish: bool,
}

pub(crate) fn election_offers(viewer: &Viewer) -> ElectionOffers {
    ElectionOffers {
        submit: viewer.can(Action::Create, &Resource::of(ResourceKind::Submission)),
        import: viewer.can(Action::Import, &view_election()),
        resolve: viewer.can(Action::Edit, &Resource::of(ResourceKind::Submission)),
        publish: viewer.can(Action::Publish, &view_election()),
    }
}

// ---------------------------------------------------------------------------------------------
// The verification of an area, shared by the area page, its JSON and the exports.

/// The dataset's area matching a stored area, found by its names from the region down.
fn protocol_area(election: &Election, path: &[String]) -> Option<AreaId> {
    let mut current = election.areas.root();
    for name in path {
        current = election.areas.find_child(current, name)?;
    }
    Some(current)
}

/// Verifies the election (or one area of it) exactly as `kuzet verify [--area]` does with
/// its default options.
fn verify_scope(dataset: &ElectionDataset, scope: Option<AreaId>) -> kuzet_protocol::Verification {
    kuzet_protocol::verify(
        &dataset.election,
        &VerifyOptions {
            scope,
            ..VerifyOptions::default()
        },
    )
}

/// The report of a verification, as `kuzet verify` builds it; `limit` caps the lists.
fn build_report(
    dataset: &ElectionDataset,
    scope: Option<AreaId>,
    limit: Option<usize>,
    lang: Lang,
) -> report::VerificationReport {
    let verification = verify_scope(dataset, scope);
    let scope_name = scope.map(|area| dataset.election.areas.display(area));
    report::build_in(
        &dataset.election,
        &verification,
        scope_name.as_deref(),
        limit,
        report_language(lang),
    )
}

/// One point of the projection as the sample grew: after `sampled` copies (by time
/// received), the leading candidate's projection and its 95% interval.
#[derive(Debug, Clone, Serialize)]
struct GrowthPoint {
    sampled: usize,
    received_at: String,
    value: i64,
    lower: i64,
    upper: i64,
}

#[derive(Debug, Clone, Serialize)]
struct Growth {
    candidate: String,
    official: Option<i64>,
    points: Vec<GrowthPoint>,
    /// The chart, built by our own SVG code (the only markup a template prints unescaped).
    svg: String,
}

/// Replays the projection of `area` for the first k copies by time received, k growing to
/// the whole sample: the same estimator (`project_sample`, per-station mean with its analytic
/// interval) the verification uses, for the candidate leading in the final projection.
fn growth(
    dataset: &ElectionDataset,
    verification: &kuzet_protocol::Verification,
    area: AreaId,
    lang: Lang,
) -> Option<Growth> {
    let election = &dataset.election;
    let observer = dataset.observer_set?;
    let projection = verification
        .projections
        .iter()
        .find(|p| p.area == area && !p.candidates.is_empty())?;
    let leader = projection.candidates.iter().max_by(|a, b| {
        a.per_station_mean
            .value
            .total_cmp(&b.per_station_mean.value)
    })?;
    let column = election.candidate_column(leader.candidate);
    // The rows of the sample, oldest first.
    let set = &election.results()[observer];
    let mut rows: Vec<(String, &[Option<i64>])> = set
        .stations
        .iter()
        .enumerate()
        .filter(|(_, station)| election.areas.is_within(station.area, area))
        .map(|(row, station)| {
            let at = dataset
                .observer_submissions
                .get(row)
                .map(|(_, at)| at.clone())
                .unwrap_or_default();
            (at, station.counts.as_slice())
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut counts = vec![None; election.width()];
    counts[column] = leader.official;
    let official = AreaOfficial {
        stations: projection.total_stations,
        counts,
    };
    // Only the analytic interval is drawn; the bootstrap is left to the full projection.
    let options = ProjectionOptions {
        bootstrap_replicates: 0,
        ..verification.options.projection.clone()
    };
    let minimum = options.minimum_stations.max(2);
    if rows.len() < minimum {
        return None;
    }
    let step = (rows.len() - minimum).div_ceil(GROWTH_STEPS).max(1);
    let mut sizes: Vec<usize> = (minimum..=rows.len()).step_by(step).collect();
    if sizes.last() != Some(&rows.len()) {
        sizes.push(rows.len());
    }
    let mut points = Vec::new();
    for size in sizes {
        let sample: Vec<&[Option<i64>]> = rows[..size].iter().map(|(_, counts)| *counts).collect();
        let (_, candidates) = project_sample(election, &sample, &official, &options);
        if let Some(estimate) = candidates.iter().find(|c| c.candidate == leader.candidate) {
            let e = estimate.per_station_mean;
            points.push(GrowthPoint {
                sampled: size,
                received_at: rows[size - 1].0.clone(),
                value: e.value.round() as i64,
                lower: e.analytic.lower.round() as i64,
                upper: e.analytic.upper.round() as i64,
            });
        }
    }
    if points.is_empty() {
        return None;
    }
    let candidate = election.candidates()[leader.candidate].clone();
    let values =
        |f: fn(&GrowthPoint) -> i64| points.iter().map(|p| f(p) as f64).collect::<Vec<f64>>();
    let (projected, lower, upper) = (
        values(|p| p.value),
        values(|p| p.lower),
        values(|p| p.upper),
    );
    let official_line: Vec<f64> = leader
        .official
        .map(|o| vec![o as f64; points.len()])
        .unwrap_or_default();
    let (projected_name, lower_name, upper_name, official_name) = match lang {
        Lang::Ru => (
            "прогноз",
            "нижняя граница 95%",
            "верхняя граница 95%",
            "официально",
        ),
        _ => (
            "projected",
            "95% lower bound",
            "95% upper bound",
            "official",
        ),
    };
    let mut series: Vec<(&str, &[f64])> = vec![
        (projected_name, &projected),
        (lower_name, &lower),
        (upper_name, &upper),
    ];
    if !official_line.is_empty() {
        series.push((official_name, &official_line));
    }
    let x_label = match lang {
        Lang::Ru => "протоколов в выборке",
        _ => "copies in the sample",
    };
    let first = points.first().map_or(0, |p| p.sampled) as f64;
    let last = points.last().map_or(0, |p| p.sampled) as f64;
    let svg = kuzet_report::svg::line_chart(&candidate, x_label, (first, last), &series);
    Some(Growth {
        candidate,
        official: leader.official,
        points,
        svg,
    })
}

/// The official stations of an area as the forensics' plain vectors (the same selection as
/// `kuzet forensics`: stations without registered voters, ballots or valid ballots left out).
fn forensic_stations(
    election: &Election,
    set: usize,
    area: AreaId,
) -> Option<kuzet_forensics::Stations> {
    use kuzet_forensics::{CandidateVotes, Stations};
    let candidates = election.candidates();
    let columns: Vec<usize> = election.candidate_columns().collect();
    let (mut registered, mut came, mut valid, mut region) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut votes: Vec<Vec<u32>> = vec![Vec::new(); candidates.len()];
    let mut region_names: Vec<String> = Vec::new();
    let count = |value: Option<i64>| value.and_then(|v| u32::try_from(v).ok());
    for station in election.results()[set]
        .stations
        .iter()
        .filter(|s| election.areas.is_within(s.area, area))
    {
        let counts = &station.counts;
        let cast = election.cast(counts).or_else(|| election.issued(counts));
        let (Some(r), Some(c), Some(v)) = (
            count(election.registered(counts)),
            count(cast),
            count(election.valid(counts)),
        ) else {
            continue;
        };
        let Some(candidate_votes) = columns
            .iter()
            .map(|&col| count(counts.get(col).copied().flatten()))
            .collect::<Option<Vec<u32>>>()
        else {
            continue;
        };
        let name = election
            .areas
            .region_of(station.area)
            .map_or("", |id| election.areas.name(id));
        let index = match region_names.iter().position(|known| known == name) {
            Some(index) => index,
            None => {
                region_names.push(name.to_owned());
                region_names.len() - 1
            }
        };
        registered.push(r);
        came.push(c);
        valid.push(v);
        region.push(u32::try_from(index).unwrap_or(0));
        for (k, n) in candidate_votes.into_iter().enumerate() {
            votes[k].push(n);
        }
    }
    if registered.len() < FORENSICS_MIN_STATIONS {
        return None;
    }
    let candidates = candidates
        .iter()
        .zip(votes)
        .map(|(name, votes)| CandidateVotes {
            name: name.clone(),
            votes,
        })
        .collect();
    Stations::new(registered, came, valid, candidates, region, region_names).ok()
}

/// The area named by a stored id, with its row.
async fn area_of(
    state: &AppState,
    viewer: &Viewer,
    election: &ElectionRow,
    area_id: i64,
) -> Result<AreaRow, WebError> {
    let areas = state
        .store()
        .election_areas(&viewer.actor, election.id)
        .await?;
    areas
        .into_iter()
        .find(|area| area.id == area_id)
        .ok_or(WebError::NotFound)
}

async fn dataset_of(
    state: &AppState,
    viewer: &Viewer,
    election: &ElectionRow,
) -> Result<std::sync::Arc<ElectionDataset>, WebError> {
    Ok(std::sync::Arc::new(
        state
            .store()
            .election_dataset(&viewer.actor, election.id)
            .await?,
    ))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WebError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| WebError::Internal(format!("verification task: {error}")))
}

pub async fn area(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, area_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let area = area_of(&state, &viewer, &election, area_id).await?;
    let stations = state
        .store()
        .election_stations(&viewer.actor, election.id, Some(area_id))
        .await?;
    let areas = state
        .store()
        .election_areas(&viewer.actor, election.id)
        .await?;
    let children: Vec<AreaLine> = area_lines(&areas, &stations)
        .into_iter()
        .filter(|line| {
            areas
                .iter()
                .any(|a| a.id == line.id && a.parent_id == Some(area_id))
        })
        .collect();
    let dataset = dataset_of(&state, &viewer, &election).await?;
    let lang = viewer.lang;
    let path = area.path.clone();
    let excluded = dataset.conflicting_stations_excluded;
    let (report_html, growth, forensics, projections) = blocking(move || {
        let scope = protocol_area(&dataset.election, &path);
        let verification = verify_scope(&dataset, scope);
        let scope_name = scope.map(|a| dataset.election.areas.display(a));
        let built = report::build_in(
            &dataset.election,
            &verification,
            scope_name.as_deref(),
            Some(50),
            report_language(lang),
        );
        let growth = scope.and_then(|a| growth(&dataset, &verification, a, lang));
        let forensics = match (scope, dataset.official_set) {
            (Some(a), Some(set)) => forensic_stations(&dataset.election, set, a).is_some(),
            _ => false,
        };
        (
            report::render_html_body(&built),
            growth,
            forensics,
            built.projections,
        )
    })
    .await?;
    let summary = serde_json::json!({
        "stations": stations.len(),
        "observed": stations.iter().filter(|s| s.submissions > 0).count(),
        "official": stations.iter().filter(|s| s.official.is_some()).count(),
        "flagged": stations.iter().filter(|s| s.flagged > 0).count(),
        "conflicts": stations.iter().filter(|s| s.conflict && s.verified_submission_id.is_none()).count(),
    });
    Ok(state
        .page(
            &viewer,
            "election_area.html",
            serde_json::json!({
                "election": election, "area": area, "children": children, "stations": stations, "summary": summary,
                "report_html": report_html, "excluded": excluded, "growth": growth, "forensics": forensics, "projections": projections,
            }),
        )?
        .into_response())
}

/// The area's verification as JSON: what `kuzet verify --json --area` prints for the same
/// data (every list complete).
pub async fn area_json(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, area_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let area = area_of(&state, &viewer, &election, area_id).await?;
    let dataset = dataset_of(&state, &viewer, &election).await?;
    let lang = viewer.lang;
    let value = blocking(move || {
        let scope = protocol_area(&dataset.election, &area.path);
        report::render_json(&build_report(&dataset, scope, None, lang))
    })
    .await?;
    Ok(axum::Json(value).into_response())
}

/// The forensics report of an area's official stations, as `kuzet forensics` writes it.
pub async fn area_forensics(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, area_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let area = area_of(&state, &viewer, &election, area_id).await?;
    let dataset = dataset_of(&state, &viewer, &election).await?;
    let title = format!("{}: {}", election.name, area.path.join(" / "));
    let html = blocking(move || {
        let scope = protocol_area(&dataset.election, &area.path)?;
        let stations = forensic_stations(&dataset.election, dataset.official_set?, scope)?;
        let suite =
            kuzet_forensics::run_suite(&stations, &kuzet_forensics::SuiteOptions::default());
        Some(kuzet_report::forensics::html(&suite, &title))
    })
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(self_contained(html))
}

/// A self-contained report page: its one inline stylesheet is allowed by hash, nothing else.
fn self_contained(html: String) -> Response {
    let style = html
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(style, _)| style)
        .unwrap_or("");
    let policy = security::policy_with_inline_style(style);
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

// ---------------------------------------------------------------------------------------------
// The station page.

/// One column of the side-by-side table: the official figures or one copy.
#[derive(Debug, Clone, Serialize)]
struct CopyColumn {
    /// `official` or `copy`.
    kind: &'static str,
    submission: Option<SubmissionRow>,
    violations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Cell {
    value: Option<i64>,
    differs: bool,
}

#[derive(Debug, Clone, Serialize)]
struct FigureRow {
    key: String,
    label: String,
    cells: Vec<Cell>,
    disagree: bool,
}

/// The rows of the side-by-side table. A row disagrees when its columns do not all give the
/// same value; a cell differs when it is not the reference value (the official figure when
/// there is one, else the verified copy's, else the first copy's).
fn figure_rows(
    keys: &[String],
    definition: &ProtocolDefinition,
    lang: Lang,
    columns: &[Option<&Figures>],
    reference: usize,
) -> Vec<FigureRow> {
    keys.iter()
        .map(|key| {
            let values: Vec<Option<i64>> = columns
                .iter()
                .map(|figures| figures.and_then(|f| f.get(key).copied()))
                .collect();
            let given: Vec<i64> = values.iter().flatten().copied().collect();
            let disagree = given.windows(2).any(|pair| pair[0] != pair[1]);
            let reference_value = values.get(reference).copied().flatten();
            let cells = values
                .iter()
                .map(|value| Cell {
                    value: *value,
                    differs: disagree && value.is_some() && *value != reference_value,
                })
                .collect();
            FigureRow {
                key: key.clone(),
                label: figure_label(definition, key, lang),
                cells,
                disagree,
            }
        })
        .collect()
}

/// One official import of the station, with the figures it changed against the one before.
#[derive(Debug, Clone, Serialize)]
struct HistoryLine {
    import_id: i64,
    imported_at: String,
    source: String,
    changes: Vec<(String, Option<i64>, Option<i64>)>,
}

pub async fn station(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, code)): Path<(String, String)>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let detail = state
        .store()
        .station_detail(&viewer.actor, election.id, &code)
        .await?
        .ok_or(WebError::NotFound)?;
    let page = station_view(&election, &detail, viewer.lang)?;
    let received = params.get("received").and_then(|id| id.parse::<i64>().ok());
    let received = received.and_then(|id| detail.submissions.iter().find(|s| s.id == id)).map(|s| {
        let definition = election.definition().ok();
        let names: Vec<String> =
            s.violations.iter().map(|v| definition.as_ref().map_or(v.clone(), |d| relation_label(d, v, viewer.lang))).collect();
        serde_json::json!({ "id": s.id, "violations": names, "replayed": params.contains_key("replayed") })
    });
    Ok(state
        .page(
            &viewer,
            "station.html",
            serde_json::json!({
                "election": election, "detail": detail, "page": page, "received": received,
                "offers": election_offers(&viewer),
            }),
        )?
        .into_response())
}

/// The side-by-side table and the official history of a station.
fn station_view(
    election: &ElectionRow,
    detail: &StationDetail,
    lang: Lang,
) -> Result<serde_json::Value, WebError> {
    let definition = definition_of(election)?;
    let keys = keys_of(election)?;
    let mut columns: Vec<CopyColumn> = Vec::new();
    let mut figures: Vec<Option<&Figures>> = Vec::new();
    if let Some(official) = &detail.station.official {
        columns.push(CopyColumn {
            kind: "official",
            submission: None,
            violations: Vec::new(),
        });
        figures.push(Some(official));
    }
    for submission in &detail.submissions {
        let violations = submission
            .violations
            .iter()
            .map(|v| relation_label(&definition, v, lang))
            .collect();
        columns.push(CopyColumn {
            kind: "copy",
            submission: Some(submission.clone()),
            violations,
        });
        figures.push(Some(&submission.figures));
    }
    let reference = if detail.station.official.is_some() {
        0
    } else {
        detail
            .submissions
            .iter()
            .position(|s| s.verified)
            .unwrap_or(0)
    };
    let rows = figure_rows(&keys, &definition, lang, &figures, reference);
    let mut history = Vec::new();
    let mut previous: Option<&Figures> = None;
    for entry in &detail.official_history {
        let mut changes = Vec::new();
        if let Some(before) = previous {
            let all: std::collections::BTreeSet<&String> =
                before.keys().chain(entry.figures.keys()).collect();
            for key in all {
                let (old, new) = (before.get(key).copied(), entry.figures.get(key).copied());
                if old != new {
                    changes.push((figure_label(&definition, key, lang), old, new));
                }
            }
        }
        history.push(HistoryLine {
            import_id: entry.import_id,
            imported_at: entry.imported_at.clone(),
            source: entry.source.clone(),
            changes,
        });
        previous = Some(&entry.figures);
    }
    Ok(serde_json::json!({ "columns": columns, "rows": rows, "history": history }))
}

/// A photo's served copy (metadata stripped), for those who may see submissions.
pub async fn photo(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Submission))?;
    let (row, bytes) = state
        .store()
        .photo(&viewer.actor, id)
        .await?
        .ok_or(WebError::NotFound)?;
    // Only the two types the upload accepts are ever served as images; anything else would
    // be a damaged row and is sent as opaque bytes.
    let content_type = match row.content_type.as_str() {
        "image/jpeg" | "image/png" => row.content_type.clone(),
        _ => "application/octet-stream".to_owned(),
    };
    let extension = if content_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    let disposition = format!("inline; filename=\"protocol-photo-{}.{extension}\"", row.id);
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Photos may show an observer's handwriting or surroundings: never kept in shared caches.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // An image needs nothing else; even opened directly it may run nothing.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    if let Ok(value) = HeaderValue::from_str(&row.served_sha256) {
        headers.insert("x-served-sha256", value);
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Conflicts.

/// A conflict as the page shows it: the copies side by side.
#[derive(Debug, Clone, Serialize)]
struct ConflictView {
    station_id: i64,
    station_code: String,
    differing_lines: Vec<String>,
    resolved_by: Option<kuzet_store::VerificationRow>,
    columns: Vec<CopyColumn>,
    rows: Vec<FigureRow>,
}

pub async fn conflicts(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &Resource::of(ResourceKind::Submission))?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let views = conflict_views(&state, &viewer, &election).await?;
    Ok(state
        .page(&viewer, "conflicts.html", serde_json::json!({ "election": election, "conflicts": views, "offers": election_offers(&viewer) }))?
        .into_response())
}

async fn conflict_views(
    state: &AppState,
    viewer: &Viewer,
    election: &ElectionRow,
) -> Result<Vec<ConflictView>, WebError> {
    let definition = definition_of(election)?;
    let keys = keys_of(election)?;
    let mut views = Vec::new();
    for conflict in state.store().conflicts(&viewer.actor, election.id).await? {
        let Some(detail) = state
            .store()
            .station_detail(&viewer.actor, election.id, &conflict.station_code)
            .await?
        else {
            continue;
        };
        let copies: Vec<&SubmissionRow> = detail
            .submissions
            .iter()
            .filter(|s| conflict.submission_ids.contains(&s.id))
            .collect();
        let columns: Vec<CopyColumn> = copies
            .iter()
            .map(|s| CopyColumn {
                kind: "copy",
                submission: Some((*s).clone()),
                violations: s
                    .violations
                    .iter()
                    .map(|v| relation_label(&definition, v, viewer.lang))
                    .collect(),
            })
            .collect();
        let figures: Vec<Option<&Figures>> = copies.iter().map(|s| Some(&s.figures)).collect();
        let reference = copies.iter().position(|s| s.verified).unwrap_or(0);
        views.push(ConflictView {
            station_id: conflict.station_id,
            station_code: conflict.station_code.clone(),
            differing_lines: conflict
                .differing_lines
                .iter()
                .map(|key| figure_label(&definition, key, viewer.lang))
                .collect(),
            resolved_by: conflict.resolved_by.clone(),
            rows: figure_rows(&keys, &definition, viewer.lang, &figures, reference),
            columns,
        });
    }
    Ok(views)
}

pub async fn resolve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Edit, &Resource::of(ResourceKind::Submission))?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let station_id: i64 = form
        .get("station")
        .parse()
        .map_err(|_| WebError::BadRequest("station: not a station".into()))?;
    let submission_id: i64 = form
        .get("submission")
        .parse()
        .map_err(|_| WebError::BadRequest("submission: choose a copy".into()))?;
    let reason = form.get("reason").trim();
    if reason.is_empty() {
        return Err(WebError::BadRequest("reason: is empty".into()));
    }
    state
        .store()
        .resolve_station(&viewer.actor, station_id, submission_id, reason)
        .await?;
    let _ = election;
    Ok(Redirect::to(&format!("/elections/{slug}/conflicts")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Official results.

pub async fn official(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    viewer.require(Action::Import, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let imported = params.get("stations_created").map(|created| {
        serde_json::json!({
            "stations_created": created,
            "stations_updated": params.get("stations_updated").cloned().unwrap_or_default(),
            "areas_created": params.get("areas_created").cloned().unwrap_or_default(),
        })
    });
    official_page_with(&state, &viewer, &election, StatusCode::OK, None, imported).await
}
/// The official results page; `stations` is the summary of a station import just made.
async fn official_page_with(
    state: &AppState,
    viewer: &Viewer,
    election: &ElectionRow,
    status: StatusCode,
    error: Option<String>,
    stations: Option<serde_json::Value>,
) -> Result<Response, WebError> {
    let imports = state
        .store()
        .official_imports(&viewer.actor, election.id)
        .await?;
    let keys = keys_of(election)?;
    Ok((
        status,
        state.page(
            viewer,
            "election_official.html",
            serde_json::json!({
                "election": election, "imports": imports, "keys": keys, "error": error, "done": null,
                "changes": null, "stations": stations,
            }),
        )?,
    )
        .into_response())
}

/// Reads an official results table: a `station` column (or `area`, with the names from the
/// region down joined by `/`, and optionally `stations`), then one column per figure key.
/// Every bad cell is reported with its line and column; nothing is imported unless all are good.
pub(crate) fn parse_official(
    file_name: &str,
    bytes: &[u8],
    keys: &[String],
) -> Result<(OfficialLevel, Vec<OfficialRow>), Vec<String>> {
    let sheet = kuzet_ingest::sheet::read_sheet(file_name, bytes)
        .map_err(|error| vec![error.to_string()])?;
    let (level, target) = match (sheet.column("station"), sheet.column("area")) {
        (Some(column), None) => (OfficialLevel::Station, column),
        (None, Some(column)) => (OfficialLevel::Area, column),
        _ => {
            return Err(vec![format!(
                "{file_name}: the first line must name a `station` column or an `area` column (not both)"
            )]);
        }
    };
    let stations_column = sheet.column("stations");
    let mut problems = Vec::new();
    let mut figure_columns = Vec::new();
    for (index, header) in sheet.headers.iter().enumerate() {
        if index == target || Some(index) == stations_column {
            continue;
        }
        match keys.iter().find(|key| key.eq_ignore_ascii_case(header.trim())) {
            Some(key) => figure_columns.push((index, key.clone())),
            None => problems.push(format!("{file_name}: line 1, column {}: `{header}` is not a line of this election's protocol or a candidate", index + 1)),
        }
    }
    let mut rows = Vec::new();
    for row in &sheet.rows {
        let name = row.cell(target).trim().to_owned();
        if name.is_empty() {
            problems.push(format!(
                "{file_name}: line {}, column {}: the {} is empty",
                row.line,
                target + 1,
                level.as_str()
            ));
            continue;
        }
        let mut figures = Figures::new();
        for (column, key) in &figure_columns {
            let cell = row.cell(*column).trim();
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<i64>() {
                Ok(value) if value >= 0 => {
                    figures.insert(key.clone(), value);
                }
                _ => problems.push(format!("{file_name}: line {}, column {} ({key}): `{cell}` is not a whole number of 0 or more", row.line, column + 1)),
            }
        }
        let stations = match stations_column.map(|column| row.cell(column).trim()) {
            None | Some("") => None,
            Some(cell) => match cell.parse::<i64>() {
                Ok(value) if value >= 0 => Some(value),
                _ => {
                    problems.push(format!(
                        "{file_name}: line {}: stations `{cell}` is not a whole number",
                        row.line
                    ));
                    None
                }
            },
        };
        rows.push(OfficialRow {
            target: name,
            stations,
            figures,
        });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(format!("{file_name}: the file has no rows"));
    }
    if problems.is_empty() {
        Ok((level, rows))
    } else {
        Err(problems)
    }
}

pub async fn import_official(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    viewer.require(Action::Import, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut source = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| WebError::BadRequest(error.body_text()))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("official.csv").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|error| WebError::BadRequest(error.body_text()))?;
                file = Some((name, bytes.to_vec()));
            }
            "source" => {
                source = field
                    .text()
                    .await
                    .map_err(|error| WebError::BadRequest(error.body_text()))?
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        return official_page_with(
            &state,
            &viewer,
            &election,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("file: choose a CSV file".into()),
            None,
        )
        .await;
    };
    match run_official_import(&state, &viewer, &election, &file_name, &bytes, &source).await? {
        Ok(summary) => Ok(Redirect::to(&format!(
            "/elections/{slug}/official/{}",
            summary.import_id
        ))
        .into_response()),
        Err(problems) => {
            official_page_with(
                &state,
                &viewer,
                &election,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problems.join("\n")),
                None,
            )
            .await
        }
    }
}

/// Parses and imports an official table; `Ok(Err(problems))` when the file is refused.
pub(crate) async fn run_official_import(
    state: &AppState,
    viewer: &Viewer,
    election: &ElectionRow,
    file_name: &str,
    bytes: &[u8],
    source: &str,
) -> Result<Result<kuzet_store::OfficialImportSummary, Vec<String>>, WebError> {
    let keys = keys_of(election)?;
    let (level, rows) = match parse_official(file_name, bytes, &keys) {
        Ok(parsed) => parsed,
        Err(problems) => return Ok(Err(problems)),
    };
    let source = if source.trim().is_empty() {
        file_name.to_owned()
    } else {
        source.trim().to_owned()
    };
    let new = NewOfficialImport {
        source,
        file_sha256: kuzet_ingest::photo::sha256_hex(bytes),
        level,
        rows,
    };
    match state
        .store()
        .import_official(&viewer.actor, election.id, new)
        .await
    {
        Ok(summary) => Ok(Ok(summary)),
        Err(kuzet_store::StoreError::Invalid { field, message }) => {
            Ok(Err(vec![format!("{field}: {message}")]))
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn official_import(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, import_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    viewer.require(Action::Import, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let imports = state
        .store()
        .official_imports(&viewer.actor, election.id)
        .await?;
    let import = imports
        .iter()
        .find(|import| import.id == import_id)
        .cloned()
        .ok_or(WebError::NotFound)?;
    let definition = definition_of(&election)?;
    let changes: Vec<serde_json::Value> = state
        .store()
        .official_changes(&viewer.actor, import_id)
        .await?
        .into_iter()
        .map(|change| {
            serde_json::json!({
                "target": change.target, "line": figure_label(&definition, &change.line_key, viewer.lang),
                "before": change.before, "after": change.after,
            })
        })
        .collect();
    let keys = keys_of(&election)?;
    Ok(state
        .page(
            &viewer,
            "election_official.html",
            serde_json::json!({
                "election": election, "imports": imports, "keys": keys, "error": null,
                "done": import, "changes": changes, "stations": null,
            }),
        )?
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Creating an election and importing its stations (coordinators).

/// The protocol definitions offered by name; anything else is pasted as a definition text.
const BUILT_IN_PROTOCOLS: [(&str, &str); 2] = [
    ("kz", kuzet_protocol::definition::KAZAKHSTAN_2019),
    ("ru", kuzet_protocol::definition::RUSSIAN_CEC),
];

pub async fn new_election_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    viewer.require(Action::Create, &view_election())?;
    let form = FormData::default();
    election_form(
        &state,
        &viewer,
        &form,
        &crate::forms::FieldErrors::new(),
        StatusCode::OK,
    )
}

fn election_form(
    state: &AppState,
    viewer: &Viewer,
    form: &FormData,
    errors: &crate::forms::FieldErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let values = serde_json::json!({
        "slug": form.get("slug"), "name": form.get("name"), "held_on": form.get("held_on"),
        "protocol": if form.get("protocol").is_empty() { "kz" } else { form.get("protocol") },
        "definition": form.get("definition"), "candidates": form.get("candidates"),
    });
    Ok((
        status,
        state.page(
            viewer,
            "election_new.html",
            serde_json::json!({ "values": values, "errors": errors }),
        )?,
    )
        .into_response())
}

pub async fn create_election(
    State(state): State<AppState>,
    viewer: Viewer,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Create, &view_election())?;
    let mut errors = crate::forms::FieldErrors::new();
    let definition_text = match BUILT_IN_PROTOCOLS
        .iter()
        .find(|(name, _)| *name == form.get("protocol"))
    {
        Some((_, text)) => (*text).to_owned(),
        None => form.get("definition").to_owned(),
    };
    let held_on = match form.get("held_on").trim() {
        "" => None,
        text => match time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        ) {
            Ok(date) => Some(date),
            Err(_) => {
                errors.insert(
                    "held_on".into(),
                    format!("`{text}` is not a date like 2026-11-22"),
                );
                None
            }
        },
    };
    let candidates: Vec<String> = form
        .get("candidates")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if candidates.is_empty() {
        errors.insert(
            "candidates".into(),
            "name at least one candidate or party, one a line".into(),
        );
    }
    if !errors.is_empty() {
        return election_form(
            &state,
            &viewer,
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let new = kuzet_store::NewElection {
        slug: form.get("slug").trim().to_owned(),
        name: form.get("name").trim().to_owned(),
        held_on,
        definition_text,
        candidates,
    };
    match state.store().create_election(&viewer.actor, new).await {
        Ok(election) => {
            Ok(Redirect::to(&format!("/elections/{}/official", election.slug)).into_response())
        }
        Err(kuzet_store::StoreError::Invalid { field, message }) => {
            errors.insert(field.to_string(), message);
            election_form(
                &state,
                &viewer,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(error) => Err(error.into()),
    }
}

/// Reads a station list: `station`, `area` (the names from the region down joined by `/`) and
/// optionally `registered`. Every bad row is reported with its line.
pub(crate) fn parse_stations(
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<kuzet_store::NewStation>, Vec<String>> {
    let sheet = kuzet_ingest::sheet::read_sheet(file_name, bytes)
        .map_err(|error| vec![error.to_string()])?;
    let (Some(station), Some(area)) = (sheet.column("station"), sheet.column("area")) else {
        return Err(vec![format!(
            "{file_name}: the first line must name a `station` column and an `area` column"
        )]);
    };
    let registered = sheet.column("registered");
    let mut problems = Vec::new();
    let mut stations = Vec::new();
    for row in &sheet.rows {
        let code = row.cell(station).trim();
        let path: Vec<String> = row
            .cell(area)
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if code.is_empty() || path.is_empty() {
            problems.push(format!(
                "{file_name}: line {}: the station and its area must both be given",
                row.line
            ));
            continue;
        }
        let registered_voters = match registered.map(|column| row.cell(column).trim()) {
            None | Some("") => None,
            Some(cell) => match cell.parse::<i64>() {
                Ok(value) if value >= 0 => Some(value),
                _ => {
                    problems.push(format!("{file_name}: line {}: registered `{cell}` is not a whole number of 0 or more", row.line));
                    None
                }
            },
        };
        stations.push(kuzet_store::NewStation {
            area_path: path,
            code: code.to_owned(),
            registered_voters,
        });
    }
    if stations.is_empty() && problems.is_empty() {
        problems.push(format!("{file_name}: the file has no rows"));
    }
    if problems.is_empty() {
        Ok(stations)
    } else {
        Err(problems)
    }
}

pub async fn import_stations(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    viewer.require(Action::Edit, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| WebError::BadRequest(error.body_text()))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("stations.csv").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|error| WebError::BadRequest(error.body_text()))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, bytes)| !bytes.is_empty()) else {
        return official_page_with(
            &state,
            &viewer,
            &election,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("file: choose a CSV file".into()),
            None,
        )
        .await;
    };
    let stations = match parse_stations(&file_name, &bytes) {
        Ok(stations) => stations,
        Err(problems) => {
            return official_page_with(
                &state,
                &viewer,
                &election,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problems.join("\n")),
                None,
            )
            .await;
        }
    };
    match state
        .store()
        .import_stations(&viewer.actor, election.id, stations)
        .await
    {
        Ok(summary) => Ok(Redirect::to(&format!(
            "/elections/{slug}/official?stations_created={}&stations_updated={}&areas_created={}",
            summary.stations_created, summary.stations_updated, summary.areas_created
        ))
        .into_response()),
        Err(kuzet_store::StoreError::Invalid { field, message }) => {
            official_page_with(
                &state,
                &viewer,
                &election,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!("{field}: {message}")),
                None,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Publication and the public page.

pub async fn set_publication(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    viewer.require(Action::Publish, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let published = form.checked("published");
    state
        .store()
        .set_election_published(&viewer.actor, election.id, published)
        .await?;
    Ok(Redirect::to(&format!("/elections/{slug}")).into_response())
}

/// What coordinators published: the official figures and the verification's comparison,
/// projections and arithmetic summary; nothing about who observed or sent what.
pub async fn public_election(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &published_election())?;
    // The public actor sees only published elections: the store refuses the rest.
    let election = state
        .store()
        .election(&viewer.actor, &slug)
        .await?
        .filter(|e| e.published)
        .ok_or(WebError::NotFound)?;
    let dataset = dataset_of(&state, &viewer, &election).await?;
    let lang = viewer.lang;
    let report_html =
        blocking(move || report::render_html_body(&build_report(&dataset, None, Some(50), lang)))
            .await?;
    Ok(state
        .page(
            &viewer,
            "election_public.html",
            serde_json::json!({ "election": election, "report_html": report_html }),
        )?
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Exports.

#[derive(Debug, Deserialize)]
pub struct ExportPath {
    slug: String,
    file: String,
}

/// One CSV cell, quoted; a text a spreadsheet would run as a formula gets a leading `'`.
pub(crate) fn csv_cell(text: &str) -> String {
    let guarded =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<i64>().is_err() {
            format!("'{text}")
        } else {
            text.to_owned()
        };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

fn attachment(content_type: &'static str, file_name: String, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `/elections/{slug}/export/{file}`: `protocols.csv`/`.json` (the verified observers'
/// protocols: the copy each station's verification uses), `comparison.csv`/`.json` (the
/// observers' figures against the official ones, station by station, as `kuzet verify`
/// compares them) and `report.html` (the verification report).
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(ExportPath { slug, file }): Path<ExportPath>,
) -> Result<Response, WebError> {
    viewer.require(Action::View, &view_election())?;
    let election = election_by_slug(&state, &viewer, &slug).await?;
    let dataset = dataset_of(&state, &viewer, &election).await?;
    let lang = viewer.lang;
    let base = format!("kuzet-{slug}");
    match file.as_str() {
        "protocols.csv" | "protocols.json" => {
            let rows = verified_protocols(&dataset);
            let keys: Vec<String> = (0..dataset.election.width())
                .map(|c| dataset.election.column_key(c).to_owned())
                .collect();
            if file.ends_with(".json") {
                let body = serde_json::to_string_pretty(&rows)
                    .map_err(|error| WebError::Internal(error.to_string()))?;
                return Ok(attachment(
                    "application/json",
                    format!("{base}-protocols.json"),
                    body,
                ));
            }
            let mut csv = String::from("area,station,submission,received_at");
            for key in &keys {
                csv.push(',');
                csv.push_str(&csv_cell(key));
            }
            csv.push_str("\r\n");
            for row in &rows {
                let mut cells = vec![
                    csv_cell(&row.area),
                    csv_cell(&row.station),
                    row.submission.to_string(),
                    csv_cell(&row.received_at),
                ];
                cells.extend(
                    keys.iter()
                        .map(|key| row.figures.get(key).map(i64::to_string).unwrap_or_default()),
                );
                csv.push_str(&cells.join(","));
                csv.push_str("\r\n");
            }
            Ok(attachment(
                "text/csv; charset=utf-8",
                format!("{base}-protocols.csv"),
                csv,
            ))
        }
        "comparison.json" => {
            let value =
                blocking(move || report::render_json(&build_report(&dataset, None, None, lang)))
                    .await?;
            let body = serde_json::to_string_pretty(&value)
                .map_err(|error| WebError::Internal(error.to_string()))?;
            Ok(attachment(
                "application/json",
                format!("{base}-comparison.json"),
                body,
            ))
        }
        "comparison.csv" => {
            let built = blocking(move || build_report(&dataset, None, None, lang)).await?;
            let mut csv = String::from("source,area,station,line,observed,official,difference\r\n");
            for comparison in &built.comparisons {
                for station in &comparison.stations {
                    for difference in &station.differences {
                        let cells = [
                            csv_cell(&comparison.source),
                            csv_cell(&station.area),
                            csv_cell(&station.station),
                            csv_cell(&difference.line),
                            difference.source.to_string(),
                            difference.official.to_string(),
                            difference.difference.to_string(),
                        ];
                        csv.push_str(&cells.join(","));
                        csv.push_str("\r\n");
                    }
                }
            }
            Ok(attachment(
                "text/csv; charset=utf-8",
                format!("{base}-comparison.csv"),
                csv,
            ))
        }
        "report.html" => {
            let html = blocking(move || {
                report::render_html(&build_report(&dataset, None, Some(500), lang))
            })
            .await?;
            Ok(self_contained(html))
        }
        _ => Err(WebError::NotFound),
    }
}

/// One verified protocol in the exports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VerifiedProtocol {
    area: String,
    station: String,
    submission: i64,
    received_at: String,
    figures: BTreeMap<String, i64>,
}

/// The observers' protocols the verification uses, with their submissions.
fn verified_protocols(dataset: &ElectionDataset) -> Vec<VerifiedProtocol> {
    let election = &dataset.election;
    let Some(set) = dataset.observer_set else {
        return Vec::new();
    };
    election.results()[set]
        .stations
        .iter()
        .enumerate()
        .map(|(row, station)| {
            let (submission, received_at) = dataset
                .observer_submissions
                .get(row)
                .cloned()
                .unwrap_or_default();
            let figures = station
                .counts
                .iter()
                .enumerate()
                .filter_map(|(column, value)| {
                    value.map(|v| (election.column_key(column).to_owned(), v))
                })
                .collect();
            VerifiedProtocol {
                area: election.areas.display(station.area),
                station: station.station.clone(),
                submission,
                received_at,
                figures,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_tables_are_read_with_every_problem_named() {
        let keys: Vec<String> = ["registered", "valid", "Candidate A"]
            .iter()
            .map(|k| k.to_string())
            .collect();
        let good = "station,registered,valid,Candidate A\n101,1000,800,500\n102,900,,400\n";
        let (level, rows) = parse_official("o.csv", good.as_bytes(), &keys).unwrap();
        assert_eq!(level, OfficialLevel::Station);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].figures,
            Figures::from([
                ("registered".to_owned(), 900),
                ("Candidate A".to_owned(), 400)
            ])
        );
        let (level, rows) =
            parse_official("a.csv", b"area,stations,valid\nNorth/East,12,5000\n", &keys).unwrap();
        assert_eq!(
            (level, rows[0].target.as_str(), rows[0].stations),
            (OfficialLevel::Area, "North/East", Some(12))
        );
        let bad = "station,registered,turnout\n101,-3,1\n,5,\n103,ten,\n";
        let problems = parse_official("b.csv", bad.as_bytes(), &keys).unwrap_err();
        assert_eq!(
            problems,
            vec![
                "b.csv: line 1, column 3: `turnout` is not a line of this election's protocol or a candidate",
                "b.csv: line 2, column 2 (registered): `-3` is not a whole number of 0 or more",
                "b.csv: line 3, column 1: the station is empty",
                "b.csv: line 4, column 2 (registered): `ten` is not a whole number of 0 or more",
            ]
        );
        assert!(
            parse_official("c.csv", b"code,valid\n1,2\n", &keys).unwrap_err()[0]
                .contains("`station` column")
        );
    }

    #[test]
    fn cells_differ_from_the_reference_only_where_copies_disagree() {
        let definition = ProtocolDefinition::kazakhstan_2019();
        let keys = vec!["registered".to_owned(), "valid".to_owned()];
        let a = Figures::from([("registered".to_owned(), 100), ("valid".to_owned(), 80)]);
        let b = Figures::from([("registered".to_owned(), 100), ("valid".to_owned(), 90)]);
        let rows = figure_rows(
            &keys,
            &definition,
            Lang::En,
            &[Some(&a), Some(&b), Some(&a)],
            0,
        );
        assert!(!rows[0].disagree && rows[0].cells.iter().all(|c| !c.differs));
        assert!(rows[1].disagree);
        assert_eq!(
            rows[1].cells.iter().map(|c| c.differs).collect::<Vec<_>>(),
            vec![false, true, false]
        );
        assert_eq!(rows[0].label, "Registered voters");
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_cell("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_cell("-5"), "\"-5\"");
    }
}
