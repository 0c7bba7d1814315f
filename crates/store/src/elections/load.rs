//! Reads shared by the election methods: the election row, its areas with their paths, its
//! stations, the current official figures, submissions and the latest resolutions. Listings
//! are assembled in Rust from a few whole-election queries rather than per-station queries,
//! so a national election (100,000 stations) is a handful of statements.

use std::collections::HashMap;

use kuzet_register::{Action, Actor, Confidentiality, Resource, ResourceKind, can};

use super::{ElectionRow, Figures, SubmissionOrigin, SubmissionRow, VerificationRow};
use crate::db::{self, DbRow, Exec};
use crate::error::StoreError;

pub(crate) const ELECTION_COLUMNS: &str =
    "e.id, e.slug, e.name, e.held_on, e.definition, e.candidates, e.published, e.created_at,
    (SELECT COUNT(*) FROM election_stations s WHERE s.election_id = e.id) AS station_count,
    (SELECT COUNT(*) FROM submissions b WHERE b.election_id = e.id) AS submission_count";

pub(crate) fn election_row(row: &DbRow) -> Result<ElectionRow, StoreError> {
    let candidates: String = row.try_get("candidates")?;
    Ok(ElectionRow {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        held_on: row.try_get("held_on")?,
        published: row.try_get::<i64, _>("published")? != 0,
        station_count: row.try_get("station_count")?,
        submission_count: row.try_get("submission_count")?,
        definition_text: row.try_get("definition")?,
        candidates: json_list(&candidates)?,
        created_at: row.try_get("created_at")?,
    })
}

/// The permission resource of an election: a published one is public.
pub(crate) fn election_resource(published: bool) -> Resource {
    let resource = Resource::of(ResourceKind::Election).published(published);
    if published {
        resource.at_level(Confidentiality::Public)
    } else {
        resource
    }
}

pub(crate) fn require(
    actor: &Actor,
    action: Action,
    resource: &Resource,
) -> Result<(), StoreError> {
    if can(actor, action, resource) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// The election with `id`, when the actor may see it (`NotFound` otherwise, so that an
/// unpublished election's existence is not told to the public).
pub(crate) async fn election_by_id(
    exec: impl Into<Exec<'_>>,
    actor: &Actor,
    id: i64,
) -> Result<ElectionRow, StoreError> {
    let row = db::query(format!(
        "SELECT {ELECTION_COLUMNS} FROM elections e WHERE e.id = ?"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .ok_or(StoreError::NotFound)?;
    let election = election_row(&row)?;
    if !can(actor, Action::View, &election_resource(election.published)) {
        return Err(StoreError::NotFound);
    }
    Ok(election)
}

pub(crate) fn json_list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("stored list: {e}")))
}

pub(crate) fn json_figures(text: &str) -> Result<Figures, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("stored figures: {e}")))
}

pub(crate) fn figures_json(figures: &Figures) -> String {
    serde_json::to_string(figures).unwrap_or_else(|_| "{}".to_owned())
}

/// Official figures are stored as a JSON array in the election's column order (lines, then
/// candidates; `null` when not given) rather than as an object: a national import holds
/// 100,000 rows, and repeating a dozen Cyrillic candidate names in every row made it eight
/// times larger and its commit I/O-bound. An election's keys never change once created.
pub(crate) fn figures_row(keys: &[String], figures: &Figures) -> String {
    let values: Vec<Option<i64>> = keys.iter().map(|key| figures.get(key).copied()).collect();
    serde_json::to_string(&values).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads a row written by [`figures_row`].
pub(crate) fn row_figures(keys: &[String], text: &str) -> Result<Figures, StoreError> {
    let values: Vec<Option<i64>> = serde_json::from_str(text)
        .map_err(|e| StoreError::corrupt(format!("stored official figures: {e}")))?;
    if values.len() != keys.len() {
        return Err(StoreError::corrupt(format!(
            "stored official figures have {} values for {} columns",
            values.len(),
            keys.len()
        )));
    }
    Ok(keys
        .iter()
        .zip(values)
        .filter_map(|(key, value)| value.map(|v| (key.clone(), v)))
        .collect())
}

/// The figure keys of an election (its definition's lines, then its candidates).
pub(crate) async fn figure_keys(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
) -> Result<Vec<String>, StoreError> {
    let row = db::query(format!(
        "SELECT {ELECTION_COLUMNS} FROM elections e WHERE e.id = ?"
    ))
    .bind(election_id)
    .fetch_optional(exec)
    .await?
    .ok_or(StoreError::NotFound)?;
    election_row(&row)?.figure_keys()
}

/// An area as stored, with its path from the region down.
#[derive(Debug, Clone)]
pub(crate) struct AreaRec {
    pub(crate) id: i64,
    pub(crate) parent_id: Option<i64>,
    pub(crate) name: String,
    pub(crate) code: Option<String>,
    pub(crate) path: Vec<String>,
}

/// Every area of the election, parents before children (ids grow as areas are created, and
/// a child is always created after its parent).
pub(crate) async fn areas(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
) -> Result<Vec<AreaRec>, StoreError> {
    let rows = db::query(
        "SELECT id, parent_id, name, code FROM election_areas WHERE election_id = ? ORDER BY id",
    )
    .bind(election_id)
    .fetch_all(exec)
    .await?;
    let mut areas: Vec<AreaRec> = Vec::with_capacity(rows.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let parent_id: Option<i64> = row.try_get("parent_id")?;
        let name: String = row.try_get("name")?;
        let mut path = match parent_id {
            Some(parent) => {
                let at = *index.get(&parent).ok_or_else(|| {
                    StoreError::corrupt(format!("area {id}: parent {parent} comes later"))
                })?;
                areas[at].path.clone()
            }
            None => Vec::new(),
        };
        path.push(name.clone());
        index.insert(id, areas.len());
        areas.push(AreaRec {
            id,
            parent_id,
            name,
            code: row.try_get("code")?,
            path,
        });
    }
    Ok(areas)
}

/// A path as written in files and forms: names joined by `/`, trimmed.
pub(crate) fn path_key(path: &[String]) -> String {
    path.iter()
        .map(|name| name.trim())
        .collect::<Vec<_>>()
        .join("/")
}

/// Splits `Almaty / Bostandyk district` into its names.
pub(crate) fn split_path(text: &str) -> Vec<String> {
    text.split('/')
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct StationRec {
    pub(crate) id: i64,
    pub(crate) area_id: i64,
    pub(crate) code: String,
    pub(crate) registered_voters: Option<i64>,
}

pub(crate) async fn stations(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
) -> Result<Vec<StationRec>, StoreError> {
    let rows = db::query(
        "SELECT id, area_id, code, registered_voters FROM election_stations WHERE election_id = ? ORDER BY id",
    )
    .bind(election_id)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StationRec {
                id: row.try_get("id")?,
                area_id: row.try_get("area_id")?,
                code: row.try_get("code")?,
                registered_voters: row.try_get("registered_voters")?,
            })
        })
        .collect()
}

/// The current official figures: per station, and per area (with the station count), each
/// from the latest import that has it.
#[derive(Debug, Default)]
pub(crate) struct CurrentOfficial {
    pub(crate) stations: HashMap<i64, Figures>,
    pub(crate) areas: HashMap<i64, (Option<i64>, Figures)>,
}

pub(crate) async fn current_official(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
    keys: &[String],
) -> Result<CurrentOfficial, StoreError> {
    current_official_of(exec, election_id, keys, None).await
}

/// [`current_official`], of one station only when `station` is given (a station's page
/// should not read a national election's every row).
pub(crate) async fn current_official_of(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
    keys: &[String],
    station: Option<i64>,
) -> Result<CurrentOfficial, StoreError> {
    let rows = match station {
        None => db::query(
            "SELECT station_id, area_id, stations, figures FROM official_figures
             WHERE election_id = ? ORDER BY import_id",
        )
        .bind(election_id),
        Some(station) => db::query(
            "SELECT station_id, area_id, stations, figures FROM official_figures
             WHERE election_id = ? AND station_id = ? ORDER BY import_id",
        )
        .bind(election_id)
        .bind(station),
    }
    .fetch_all(exec)
    .await?;
    let mut current = CurrentOfficial::default();
    for row in rows {
        let figures = row_figures(keys, &row.try_get::<String, _>("figures")?)?;
        let station: Option<i64> = row.try_get("station_id")?;
        let area: Option<i64> = row.try_get("area_id")?;
        match (station, area) {
            (Some(station), _) => {
                current.stations.insert(station, figures);
            }
            (None, Some(area)) => {
                current
                    .areas
                    .insert(area, (row.try_get("stations")?, figures));
            }
            (None, None) => return Err(StoreError::corrupt("official figures of no target")),
        }
    }
    Ok(current)
}

pub(crate) const SUBMISSION_COLUMNS: &str =
    "b.id, b.election_id, b.station_id, s.code AS station_code, u.username,
    b.received_at, b.figures, b.violations, b.note, b.origin";

pub(crate) const SUBMISSION_FROM: &str = "submissions b
    JOIN election_stations s ON s.id = b.station_id
    LEFT JOIN users u ON u.id = b.submitted_by";

/// A submission row without its photos; `show_sender` says whether the actor may see who
/// sent it.
pub(crate) fn submission_row(
    row: &DbRow,
    show_sender: bool,
    verified: bool,
) -> Result<SubmissionRow, StoreError> {
    let origin: String = row.try_get("origin")?;
    Ok(SubmissionRow {
        id: row.try_get("id")?,
        election_id: row.try_get("election_id")?,
        station_id: row.try_get("station_id")?,
        station_code: row.try_get("station_code")?,
        submitted_by: if show_sender {
            row.try_get("username")?
        } else {
            None
        },
        received_at: row.try_get("received_at")?,
        figures: json_figures(&row.try_get::<String, _>("figures")?)?,
        violations: json_list(&row.try_get::<String, _>("violations")?)?,
        note: row.try_get("note")?,
        origin: SubmissionOrigin::parse(&origin)
            .ok_or_else(|| StoreError::corrupt(format!("submission origin `{origin}`")))?,
        photos: Vec::new(),
        verified,
    })
}

/// Whether the actor may see who sent a submission: those who resolve conflicts.
pub(crate) fn shows_sender(actor: &Actor) -> bool {
    can(actor, Action::Edit, &Resource::of(ResourceKind::Submission))
}

pub(crate) const VERIFICATION_COLUMNS: &str =
    "v.id, v.station_id, v.submission_id, v.reason, u.username, v.at";

pub(crate) fn verification_row(row: &DbRow) -> Result<VerificationRow, StoreError> {
    Ok(VerificationRow {
        id: row.try_get("id")?,
        station_id: row.try_get("station_id")?,
        submission_id: row.try_get("submission_id")?,
        reason: row.try_get("reason")?,
        actor: row.try_get("username")?,
        at: row.try_get("at")?,
    })
}

/// The latest resolution of each station of the election that has one.
pub(crate) async fn latest_verifications(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
) -> Result<HashMap<i64, VerificationRow>, StoreError> {
    let rows = db::query(format!(
        "SELECT {VERIFICATION_COLUMNS} FROM station_verifications v
         LEFT JOIN users u ON u.id = v.actor_user_id
         WHERE v.election_id = ? ORDER BY v.id"
    ))
    .bind(election_id)
    .fetch_all(exec)
    .await?;
    let mut latest = HashMap::new();
    for row in rows {
        let verification = verification_row(&row)?;
        latest.insert(verification.station_id, verification);
    }
    Ok(latest)
}

/// The keys on which some of `copies` differ (a figure given in one and not in another
/// counts), sorted.
pub(crate) fn differing_lines<'a>(copies: impl IntoIterator<Item = &'a Figures>) -> Vec<String> {
    let copies: Vec<&Figures> = copies.into_iter().collect();
    let mut keys: Vec<&String> = copies.iter().flat_map(|f| f.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| {
            let first = copies.first().and_then(|f| f.get(*key));
            copies.iter().any(|f| f.get(*key) != first)
        })
        .cloned()
        .collect()
}
