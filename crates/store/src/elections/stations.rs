//! Elections, their areas and stations: creation, station imports, listings and the station
//! page's detail.

use std::collections::HashMap;

use kuzet_protocol::ProtocolDefinition;
use kuzet_register::{Action, Actor, Resource, ResourceKind, can};
use sha2::{Digest, Sha256};

use super::load::{self, AreaRec, ELECTION_COLUMNS, election_by_id, election_resource, require};
use super::{
    AreaRow, ElectionRow, NewElection, NewStation, OfficialFiguresRow, StationDetail,
    StationImportSummary, StationRow,
};
use crate::audit::{Cell, Change, insert_rows};
use crate::db::{self, WriteTx};
use crate::error::StoreError;
use crate::{Store, encode};

/// Checks a new election's fields; returns the definition's line keys.
fn check_new_election(new: &NewElection) -> Result<(), StoreError> {
    let slug = new.slug.as_str();
    if slug.is_empty()
        || slug.len() > 64
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(StoreError::invalid(
            "slug",
            format!("`{slug}` must be 1 to 64 lower-case letters, digits or `-`"),
        ));
    }
    if new.name.trim().is_empty() {
        return Err(StoreError::invalid("name", "is empty"));
    }
    let definition = ProtocolDefinition::parse(&new.definition_text)
        .map_err(|e| StoreError::invalid("definition", e.to_string()))?;
    let mut seen: Vec<&str> = definition.lines.iter().map(|l| l.key.as_str()).collect();
    for candidate in &new.candidates {
        let name = candidate.trim();
        if name.is_empty() {
            return Err(StoreError::invalid(
                "candidates",
                "a candidate's name is empty",
            ));
        }
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(StoreError::invalid(
                "candidates",
                format!("`{name}` is given twice or is a line of the protocol"),
            ));
        }
        seen.push(name);
    }
    Ok(())
}

/// Finds or creates the areas of `path` under the election; `known` maps (parent, name) to
/// ids and is updated. Returns the last area's id and how many were created.
async fn ensure_path(
    tx: &mut WriteTx,
    election_id: i64,
    known: &mut HashMap<(Option<i64>, String), i64>,
    path: &[String],
) -> Result<(i64, usize), StoreError> {
    let mut parent: Option<i64> = None;
    let mut created = 0;
    for name in path {
        let name = name.trim();
        let key = (parent, name.to_owned());
        let id = match known.get(&key) {
            Some(id) => *id,
            None => {
                let id: i64 = db::query(
                    "INSERT INTO election_areas (election_id, parent_id, name) VALUES (?, ?, ?) RETURNING id",
                )
                .bind(election_id)
                .bind(&parent)
                .bind(name)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                known.insert(key, id);
                created += 1;
                id
            }
        };
        parent = Some(id);
    }
    parent
        .map(|id| (id, created))
        .ok_or_else(|| StoreError::invalid("area", "no area given"))
}

async fn known_areas(
    tx: &mut WriteTx,
    election_id: i64,
) -> Result<HashMap<(Option<i64>, String), i64>, StoreError> {
    Ok(load::areas(&mut *tx, election_id)
        .await?
        .into_iter()
        .map(|area| ((area.parent_id, area.name), area.id))
        .collect())
}

/// The election for a change that needs `action` on it.
async fn election_for_change(
    change: &mut Change,
    election_id: i64,
    action: Action,
) -> Result<ElectionRow, StoreError> {
    let actor = change.actor;
    let election = election_by_id(&mut change.tx, &actor, election_id).await?;
    require(&actor, action, &election_resource(election.published))?;
    Ok(election)
}

impl Store {
    /// Creates an election (coordinators and admins).
    pub async fn create_election(
        &self,
        actor: &Actor,
        new: NewElection,
    ) -> Result<ElectionRow, StoreError> {
        require(actor, Action::Create, &Resource::of(ResourceKind::Election))?;
        check_new_election(&new)?;
        let mut change = Change::begin(self, *actor).await?;
        let taken = db::query("SELECT 1 AS one FROM elections WHERE slug = ?")
            .bind(new.slug.as_str())
            .fetch_optional(&mut change.tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::invalid(
                "slug",
                format!("`{}` is already an election's address", new.slug),
            ));
        }
        let candidates: Vec<String> = new.candidates.iter().map(|c| c.trim().to_owned()).collect();
        let candidates_json = serde_json::to_string(&candidates).unwrap_or_default();
        let held_on = new.held_on.map(encode::date);
        let id: i64 = db::query(
            "INSERT INTO elections (slug, name, held_on, definition, candidates, published, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
        )
        .bind(new.slug.as_str())
        .bind(new.name.trim())
        .bind(&held_on)
        .bind(new.definition_text.as_str())
        .bind(candidates_json.as_str())
        .bind(actor.user_id.map(|u| u.0))
        .bind(change.at.as_str())
        .fetch_one(&mut change.tx)
        .await?
        .try_get("id")?;
        let after = serde_json::json!({
            "slug": new.slug, "name": new.name.trim(), "held_on": held_on,
            "definition_sha256": encode::sha256_hex(&new.definition_text), "candidates": candidates,
        });
        change
            .audit("election", id, None, "create", None, Some(&after))
            .await?;
        change.commit().await?;
        election_by_id(self.db_write(), actor, id).await
    }

    /// The elections the actor may see (the public: published ones), newest first.
    pub async fn elections(&self, actor: &Actor) -> Result<Vec<ElectionRow>, StoreError> {
        let rows = db::query(format!(
            "SELECT {ELECTION_COLUMNS} FROM elections e ORDER BY e.id DESC"
        ))
        .fetch_all(self.db_read())
        .await?;
        let mut elections = Vec::new();
        for row in rows {
            let election = load::election_row(&row)?;
            if can(actor, Action::View, &election_resource(election.published)) {
                elections.push(election);
            }
        }
        Ok(elections)
    }

    /// One election by its slug, when the actor may see it.
    pub async fn election(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> Result<Option<ElectionRow>, StoreError> {
        let row = db::query(format!(
            "SELECT {ELECTION_COLUMNS} FROM elections e WHERE e.slug = ?"
        ))
        .bind(slug)
        .fetch_optional(self.db_read())
        .await?;
        match row {
            Some(row) => {
                let election = load::election_row(&row)?;
                Ok(
                    can(actor, Action::View, &election_resource(election.published))
                        .then_some(election),
                )
            }
            None => Ok(None),
        }
    }

    /// Publishes an election's results on the public site, or withdraws them.
    pub async fn set_election_published(
        &self,
        actor: &Actor,
        election_id: i64,
        published: bool,
    ) -> Result<(), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let election = election_for_change(&mut change, election_id, Action::Publish).await?;
        if election.published == published {
            return Ok(());
        }
        db::query("UPDATE elections SET published = ? WHERE id = ?")
            .bind(i64::from(published))
            .bind(election_id)
            .execute(&mut change.tx)
            .await?;
        change
            .audit(
                "election",
                election_id,
                None,
                if published { "publish" } else { "unpublish" },
                Some(&serde_json::json!({ "published": election.published })),
                Some(&serde_json::json!({ "published": published })),
            )
            .await?;
        change.commit().await
    }

    /// Adds areas (names from the region down) that are not there yet, for area totals
    /// without station lists; returns how many were created.
    pub async fn import_areas(
        &self,
        actor: &Actor,
        election_id: i64,
        paths: Vec<Vec<String>>,
    ) -> Result<usize, StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        election_for_change(&mut change, election_id, Action::Edit).await?;
        let mut known = known_areas(&mut change.tx, election_id).await?;
        let mut created = 0;
        for (index, path) in paths.iter().enumerate() {
            if path.iter().all(|name| name.trim().is_empty()) {
                return Err(StoreError::invalid(
                    "area",
                    format!("area {} has no name", index + 1),
                ));
            }
            created += ensure_path(&mut change.tx, election_id, &mut known, path)
                .await?
                .1;
        }
        if created > 0 {
            let after = serde_json::json!({
                "areas_created": created,
                "paths": paths.iter().map(|p| load::path_key(p)).collect::<Vec<_>>(),
            });
            change
                .audit(
                    "election",
                    election_id,
                    None,
                    "import_areas",
                    None,
                    Some(&after),
                )
                .await?;
        }
        change.commit().await?;
        Ok(created)
    }

    /// Adds stations, creating their areas; a station already there (same code) gets the new
    /// area and registered voters. All or nothing. One audit record per import holds the
    /// counts and the SHA-256 of the rows as given, so a national list of 100,000 stations is
    /// one record rather than 100,000.
    pub async fn import_stations(
        &self,
        actor: &Actor,
        election_id: i64,
        stations: Vec<NewStation>,
    ) -> Result<StationImportSummary, StoreError> {
        let mut problems = Vec::new();
        let mut codes: HashMap<&str, usize> = HashMap::new();
        for (index, station) in stations.iter().enumerate() {
            let code = station.code.trim();
            if code.is_empty() {
                problems.push(format!("station {}: the code is empty", index + 1));
            } else if let Some(first) = codes.insert(code, index) {
                problems.push(format!(
                    "station {}: the code `{code}` is also station {}'s",
                    index + 1,
                    first + 1
                ));
            }
            if station.area_path.iter().all(|n| n.trim().is_empty()) {
                problems.push(format!("station {}: no area", index + 1));
            }
            if station.registered_voters.is_some_and(|n| n < 0) {
                problems.push(format!("station {}: registered voters below 0", index + 1));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::invalid("stations", problems.join("; ")));
        }

        let mut change = Change::begin(self, *actor).await?;
        election_for_change(&mut change, election_id, Action::Edit).await?;
        let mut known = known_areas(&mut change.tx, election_id).await?;
        let existing: HashMap<String, load::StationRec> =
            load::stations(&mut change.tx, election_id)
                .await?
                .into_iter()
                .map(|s| (s.code.clone(), s))
                .collect();
        let mut summary = StationImportSummary {
            areas_created: 0,
            stations_created: 0,
            stations_updated: 0,
        };
        let mut digest = Sha256::new();
        let mut new_rows = Vec::new();
        for station in &stations {
            let (area_id, created) =
                ensure_path(&mut change.tx, election_id, &mut known, &station.area_path).await?;
            summary.areas_created += created;
            let code = station.code.trim();
            digest.update(
                format!(
                    "{}\t{}\t{}\n",
                    load::path_key(&station.area_path),
                    code,
                    station
                        .registered_voters
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                )
                .as_bytes(),
            );
            match existing.get(code) {
                Some(old) => {
                    if old.area_id != area_id || old.registered_voters != station.registered_voters
                    {
                        db::query(
                            "UPDATE election_stations SET area_id = ?, registered_voters = ? WHERE id = ?",
                        )
                        .bind(area_id)
                        .bind(&station.registered_voters)
                        .bind(old.id)
                        .execute(&mut change.tx)
                        .await?;
                        summary.stations_updated += 1;
                    }
                }
                None => {
                    new_rows.push(vec![
                        Cell::Int(Some(election_id)),
                        Cell::Int(Some(area_id)),
                        Cell::Text(Some(code.to_owned())),
                        Cell::Int(station.registered_voters),
                    ]);
                    summary.stations_created += 1;
                }
            }
        }
        insert_rows(
            &mut change.tx,
            "election_stations",
            &["election_id", "area_id", "code", "registered_voters"],
            new_rows,
        )
        .await?;
        let after = serde_json::json!({
            "rows": stations.len(),
            "areas_created": summary.areas_created,
            "stations_created": summary.stations_created,
            "stations_updated": summary.stations_updated,
            "rows_sha256": hex::encode(digest.finalize()),
        });
        change
            .audit(
                "election",
                election_id,
                None,
                "import_stations",
                None,
                Some(&after),
            )
            .await?;
        change.commit().await?;
        Ok(summary)
    }

    /// Every area of the election, parents before children.
    pub async fn election_areas(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<AreaRow>, StoreError> {
        let db = self.db_read();
        let keys = election_by_id(db, actor, election_id)
            .await?
            .figure_keys()?;
        let areas = load::areas(db, election_id).await?;
        let stations = load::stations(db, election_id).await?;
        let official = load::current_official(db, election_id, &keys).await?;
        let index: HashMap<i64, usize> = areas.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        let mut counts = vec![0i64; areas.len()];
        for station in &stations {
            let mut at = index.get(&station.area_id).copied();
            while let Some(i) = at {
                counts[i] += 1;
                at = areas[i].parent_id.and_then(|p| index.get(&p).copied());
            }
        }
        Ok(areas
            .into_iter()
            .zip(counts)
            .map(|(area, station_count)| {
                let (official_stations, official) = match official.areas.get(&area.id) {
                    Some((stations, figures)) => (*stations, Some(figures.clone())),
                    None => (None, None),
                };
                AreaRow {
                    id: area.id,
                    parent_id: area.parent_id,
                    name: area.name,
                    code: area.code,
                    path: area.path,
                    station_count,
                    official,
                    official_stations,
                }
            })
            .collect())
    }

    /// The stations of the election, or of one area and the areas below it, in code order.
    pub async fn election_stations(
        &self,
        actor: &Actor,
        election_id: i64,
        area_id: Option<i64>,
    ) -> Result<Vec<StationRow>, StoreError> {
        let db = self.db_read();
        election_by_id(db, actor, election_id).await?;
        let areas = load::areas(db, election_id).await?;
        let within = match area_id {
            Some(area) => {
                if !areas.iter().any(|a| a.id == area) {
                    return Err(StoreError::NotFound);
                }
                Some(subtree(&areas, area))
            }
            None => None,
        };
        let mut stations: Vec<load::StationRec> = load::stations(db, election_id)
            .await?
            .into_iter()
            .filter(|s| within.as_ref().is_none_or(|w| w.contains(&s.area_id)))
            .collect();
        stations.sort_by(|a, b| a.code.cmp(&b.code));
        self.station_rows(actor, election_id, stations).await
    }

    /// Stations as listed, with their official figures, copies, flags and resolutions.
    pub(crate) async fn station_rows(
        &self,
        actor: &Actor,
        election_id: i64,
        stations: Vec<load::StationRec>,
    ) -> Result<Vec<StationRow>, StoreError> {
        let db = self.db_read();
        let keys = load::figure_keys(db, election_id).await?;
        // One station (its page) reads only its own rows.
        let only = match stations.as_slice() {
            [one] => Some(one.id),
            _ => None,
        };
        let official = load::current_official_of(db, election_id, &keys, only).await?;
        let see_copies = can(actor, Action::View, &Resource::of(ResourceKind::Submission));
        let copies = if see_copies {
            super::submissions::station_copies(db, election_id, only).await?
        } else {
            HashMap::new()
        };
        let verified = if see_copies {
            load::latest_verifications(db, election_id).await?
        } else {
            HashMap::new()
        };
        Ok(stations
            .into_iter()
            .map(|station| {
                let own = copies.get(&station.id);
                StationRow {
                    official: official.stations.get(&station.id).cloned(),
                    submissions: own.map_or(0, |c| c.len() as i64),
                    flagged: own.map_or(0, |c| c.iter().filter(|c| c.flagged).count() as i64),
                    conflict: own.is_some_and(|c| {
                        !load::differing_lines(c.iter().map(|c| &c.figures)).is_empty()
                    }),
                    verified_submission_id: verified.get(&station.id).map(|v| v.submission_id),
                    id: station.id,
                    area_id: station.area_id,
                    code: station.code,
                    registered_voters: station.registered_voters,
                }
            })
            .collect())
    }

    /// A station with every copy, its official history and its resolutions.
    pub async fn station_detail(
        &self,
        actor: &Actor,
        election_id: i64,
        code: &str,
    ) -> Result<Option<StationDetail>, StoreError> {
        let db = self.db_read();
        let keys = election_by_id(db, actor, election_id)
            .await?
            .figure_keys()?;
        let Some(row) = db::query(
            "SELECT id, area_id, code, registered_voters FROM election_stations WHERE election_id = ? AND code = ?",
        )
        .bind(election_id)
        .bind(code.trim())
        .fetch_optional(db)
        .await?
        else {
            return Ok(None);
        };
        let record = load::StationRec {
            id: row.try_get("id")?,
            area_id: row.try_get("area_id")?,
            code: row.try_get("code")?,
            registered_voters: row.try_get("registered_voters")?,
        };
        let station_id = record.id;
        let areas = load::areas(db, election_id).await?;
        let area_path = areas
            .iter()
            .find(|a| a.id == record.area_id)
            .map(|a| a.path.clone())
            .unwrap_or_default();
        let station = self
            .station_rows(actor, election_id, vec![record])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let history = db::query(
            "SELECT f.import_id, i.imported_at, i.source, f.figures FROM official_figures f
             JOIN official_imports i ON i.id = f.import_id
             WHERE f.station_id = ? ORDER BY f.import_id",
        )
        .bind(station_id)
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(OfficialFiguresRow {
                import_id: row.try_get("import_id")?,
                imported_at: row.try_get("imported_at")?,
                source: row.try_get("source")?,
                figures: load::row_figures(&keys, &row.try_get::<String, _>("figures")?)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let see_copies = can(actor, Action::View, &Resource::of(ResourceKind::Submission));
        let (submissions, verifications) = if see_copies {
            (
                self.station_submissions(actor, station_id, station.verified_submission_id)
                    .await?,
                db::query(format!(
                    "SELECT {} FROM station_verifications v LEFT JOIN users u ON u.id = v.actor_user_id
                     WHERE v.station_id = ? ORDER BY v.id",
                    load::VERIFICATION_COLUMNS
                ))
                .bind(station_id)
                .fetch_all(db)
                .await?
                .iter()
                .map(load::verification_row)
                .collect::<Result<Vec<_>, StoreError>>()?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Some(StationDetail {
            station,
            area_path,
            submissions,
            official_history: history,
            verifications,
        }))
    }
}

/// The ids of `area` and every area below it.
pub(crate) fn subtree(areas: &[AreaRec], area: i64) -> std::collections::HashSet<i64> {
    let mut within = std::collections::HashSet::from([area]);
    // Parents come before children, so one pass collects every descendant.
    for a in areas {
        if a.parent_id.is_some_and(|p| within.contains(&p)) {
            within.insert(a.id);
        }
    }
    within
}
