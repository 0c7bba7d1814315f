//! Official results: imports per station or per area, their history and the changes between
//! successive imports. An import is never changed or removed; the current figures of a
//! station or area are those of the latest import that has it.

use std::collections::{HashMap, HashSet};

use kuzet_register::{Action, Actor};
use sha2::{Digest, Sha256};

use super::load::{self, election_by_id, election_resource, require};
use super::{
    Figures, NewOfficialImport, OfficialChange, OfficialImportRow, OfficialImportSummary,
    OfficialLevel,
};
use crate::Store;
use crate::audit::{Cell, Change, insert_rows};
use crate::db;
use crate::error::StoreError;

/// How many unknown targets an error names before saying how many more there are.
const NAMED_UNKNOWN: usize = 200;

impl Store {
    /// Imports official figures (coordinators and admins). All or nothing: an unknown station
    /// or area, an unknown line or a target given twice is an error naming every one. One
    /// audit record per import holds its source, the file's SHA-256, the counts and the
    /// SHA-256 of the figures as stored.
    pub async fn import_official(
        &self,
        actor: &Actor,
        election_id: i64,
        import: NewOfficialImport,
    ) -> Result<OfficialImportSummary, StoreError> {
        if import.source.trim().is_empty() {
            return Err(StoreError::invalid(
                "source",
                "say where the figures come from",
            ));
        }
        if import.rows.is_empty() {
            return Err(StoreError::invalid("official", "the import has no rows"));
        }
        let mut change = Change::begin(self, *actor).await?;
        let actor_copy = change.actor;
        let election = election_by_id(&mut change.tx, &actor_copy, election_id).await?;
        require(
            actor,
            Action::Import,
            &election_resource(election.published),
        )?;
        let keys = election.figure_keys()?;
        let exact: HashMap<&str, &String> = keys.iter().map(|k| (k.as_str(), k)).collect();

        // Where each target is stored, and every problem with the rows.
        let targets: HashMap<String, i64> = match import.level {
            OfficialLevel::Station => load::stations(&mut change.tx, election_id)
                .await?
                .into_iter()
                .map(|s| (s.code, s.id))
                .collect(),
            OfficialLevel::Area => load::areas(&mut change.tx, election_id)
                .await?
                .into_iter()
                .map(|a| (load::path_key(&a.path).to_lowercase(), a.id))
                .collect(),
        };
        let target_key = |raw: &str| match import.level {
            OfficialLevel::Station => raw.trim().to_owned(),
            OfficialLevel::Area => load::path_key(&load::split_path(raw)).to_lowercase(),
        };
        let mut unknown = Vec::new();
        let mut problems = Vec::new();
        let mut seen: HashSet<i64> = HashSet::new();
        let mut resolved: Vec<(i64, Option<i64>, Figures)> = Vec::with_capacity(import.rows.len());
        for (index, row) in import.rows.iter().enumerate() {
            let Some(&id) = targets.get(&target_key(&row.target)) else {
                unknown.push(row.target.trim().to_owned());
                continue;
            };
            if !seen.insert(id) {
                problems.push(format!(
                    "row {}: `{}` is given twice",
                    index + 1,
                    row.target.trim()
                ));
            }
            let mut figures = Figures::new();
            for (key, value) in &row.figures {
                // Exact keys are the rule (files read by kuzet_ingest); other spellings of
                // a key's case are matched too.
                let found = exact
                    .get(key.as_str())
                    .copied()
                    .or_else(|| keys.iter().find(|k| k.eq_ignore_ascii_case(key.trim())));
                match found {
                    Some(k) => {
                        figures.insert(k.clone(), *value);
                    }
                    None => problems.push(format!(
                        "row {}: `{key}` is neither a line of the protocol nor a candidate",
                        index + 1
                    )),
                }
            }
            if row.stations.is_some_and(|n| n < 1) {
                problems.push(format!(
                    "row {}: the station count must be at least 1",
                    index + 1
                ));
            }
            resolved.push((id, row.stations, figures));
        }
        if !unknown.is_empty() {
            let kind = match import.level {
                OfficialLevel::Station => "stations",
                OfficialLevel::Area => "areas",
            };
            let more = unknown.len().saturating_sub(NAMED_UNKNOWN);
            let mut message = format!(
                "{} unknown {kind}: {}",
                unknown.len(),
                unknown[..unknown.len().min(NAMED_UNKNOWN)].join(", ")
            );
            if more > 0 {
                message.push_str(&format!(" and {more} more"));
            }
            problems.insert(0, message);
        }
        if !problems.is_empty() {
            return Err(StoreError::invalid("official", problems.join("; ")));
        }

        let previous = load::current_official(&mut change.tx, election_id, &keys).await?;
        let mut summary = OfficialImportSummary {
            import_id: 0,
            new: 0,
            changed: 0,
            unchanged: 0,
        };
        for (id, stations, figures) in &resolved {
            let before = match import.level {
                OfficialLevel::Station => previous.stations.get(id).map(|f| (None, f)),
                OfficialLevel::Area => previous.areas.get(id).map(|(n, f)| (*n, f)),
            };
            match before {
                None => summary.new += 1,
                Some((n, f))
                    if f == figures
                        && (import.level == OfficialLevel::Station || n == *stations) =>
                {
                    summary.unchanged += 1
                }
                Some(_) => summary.changed += 1,
            }
        }
        let import_id: i64 = db::query(
            "INSERT INTO official_imports (election_id, imported_at, source, file_sha256, level, row_count, actor_user_id)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(election_id)
        .bind(change.at.as_str())
        .bind(import.source.trim())
        .bind(import.file_sha256.trim().to_ascii_lowercase())
        .bind(import.level.as_str())
        .bind(resolved.len() as i64)
        .bind(actor.user_id.map(|u| u.0))
        .fetch_one(&mut change.tx)
        .await?
        .try_get("id")?;
        summary.import_id = import_id;
        let mut digest = Sha256::new();
        let rows: Vec<Vec<Cell>> = resolved
            .into_iter()
            .map(|(id, stations, figures)| {
                let json = load::figures_row(&keys, &figures);
                digest.update(format!("{id}\t{stations:?}\t{json}\n").as_bytes());
                let (station_id, area_id) = match import.level {
                    OfficialLevel::Station => (Some(id), None),
                    OfficialLevel::Area => (None, Some(id)),
                };
                vec![
                    Cell::Int(Some(import_id)),
                    Cell::Int(Some(election_id)),
                    Cell::Int(station_id),
                    Cell::Int(area_id),
                    Cell::Int(stations),
                    Cell::Text(Some(json)),
                ]
            })
            .collect();
        let row_count = rows.len();
        insert_rows(
            &mut change.tx,
            "official_figures",
            &[
                "import_id",
                "election_id",
                "station_id",
                "area_id",
                "stations",
                "figures",
            ],
            rows,
        )
        .await?;
        let after = serde_json::json!({
            "election_id": election_id, "source": import.source.trim(),
            "file_sha256": import.file_sha256.trim().to_ascii_lowercase(),
            "level": import.level.as_str(), "rows": row_count, "new": summary.new,
            "changed": summary.changed, "unchanged": summary.unchanged,
            "figures_sha256": hex::encode(digest.finalize()),
        });
        change
            .audit(
                "official_import",
                import_id,
                None,
                "create",
                None,
                Some(&after),
            )
            .await?;
        change.commit().await?;
        Ok(summary)
    }

    /// Every official import of the election, oldest first.
    pub async fn official_imports(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<OfficialImportRow>, StoreError> {
        let db = self.db_read();
        election_by_id(db, actor, election_id).await?;
        let rows = db::query(
            "SELECT i.id, i.imported_at, i.source, i.file_sha256, i.level, i.row_count, u.username
             FROM official_imports i LEFT JOIN users u ON u.id = i.actor_user_id
             WHERE i.election_id = ? ORDER BY i.id",
        )
        .bind(election_id)
        .fetch_all(db)
        .await?;
        let show_actor = load::shows_sender(actor);
        rows.iter()
            .map(|row| {
                let level: String = row.try_get("level")?;
                Ok(OfficialImportRow {
                    id: row.try_get("id")?,
                    imported_at: row.try_get("imported_at")?,
                    source: row.try_get("source")?,
                    file_sha256: row.try_get("file_sha256")?,
                    level: OfficialLevel::parse(&level)
                        .ok_or_else(|| StoreError::corrupt(format!("import level `{level}`")))?,
                    rows: row.try_get("row_count")?,
                    actor: if show_actor {
                        row.try_get("username")?
                    } else {
                        None
                    },
                })
            })
            .collect()
    }

    /// The figures an import changed against each target's figures just before it (from the
    /// latest earlier import that had the target), by target and key. Targets new in this
    /// import are not listed (the import's summary counts them), nor targets it leaves out
    /// (their figures stay as they were).
    pub async fn official_changes(
        &self,
        actor: &Actor,
        import_id: i64,
    ) -> Result<Vec<OfficialChange>, StoreError> {
        let db = self.db_read();
        let row = db::query("SELECT election_id FROM official_imports WHERE id = ?")
            .bind(import_id)
            .fetch_optional(db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let election_id: i64 = row.try_get("election_id")?;
        let keys = election_by_id(db, actor, election_id)
            .await?
            .figure_keys()?;
        let rows = db::query(
            "SELECT import_id, station_id, area_id, stations, figures FROM official_figures
             WHERE election_id = ? AND import_id <= ? ORDER BY import_id",
        )
        .bind(election_id)
        .bind(import_id)
        .fetch_all(db)
        .await?;
        // (is_station, id) -> the figures before this import, and this import's.
        let mut before: HashMap<(bool, i64), (Option<i64>, Figures)> = HashMap::new();
        let mut now: Vec<((bool, i64), Option<i64>, Figures)> = Vec::new();
        for row in rows {
            let station: Option<i64> = row.try_get("station_id")?;
            let area: Option<i64> = row.try_get("area_id")?;
            let target = match (station, area) {
                (Some(s), _) => (true, s),
                (None, Some(a)) => (false, a),
                (None, None) => return Err(StoreError::corrupt("official figures of no target")),
            };
            let figures = load::row_figures(&keys, &row.try_get::<String, _>("figures")?)?;
            let stations: Option<i64> = row.try_get("stations")?;
            if row.try_get::<i64, _>("import_id")? == import_id {
                now.push((target, stations, figures));
            } else {
                before.insert(target, (stations, figures));
            }
        }
        let codes: HashMap<i64, String> = load::stations(db, election_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.code))
            .collect();
        let paths: HashMap<i64, String> = load::areas(db, election_id)
            .await?
            .into_iter()
            .map(|a| (a.id, load::path_key(&a.path)))
            .collect();
        let mut changes = Vec::new();
        for (target, stations, figures) in now {
            let Some((old_stations, old)) = before.get(&target) else {
                continue;
            };
            let label = if target.0 {
                codes.get(&target.1).cloned().unwrap_or_default()
            } else {
                paths.get(&target.1).cloned().unwrap_or_default()
            };
            if !target.0 && *old_stations != stations {
                changes.push(OfficialChange {
                    target: label.clone(),
                    line_key: "stations".to_owned(),
                    before: *old_stations,
                    after: stations,
                });
            }
            let mut keys: Vec<&String> = old.keys().chain(figures.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (b, a) = (old.get(key).copied(), figures.get(key).copied());
                if b != a {
                    changes.push(OfficialChange {
                        target: label.clone(),
                        line_key: key.clone(),
                        before: b,
                        after: a,
                    });
                }
            }
        }
        changes.sort_by(|x, y| x.target.cmp(&y.target).then(x.line_key.cmp(&y.line_key)));
        Ok(changes)
    }
}
