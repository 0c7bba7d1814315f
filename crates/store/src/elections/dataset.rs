//! An election as `kuzet_protocol` values, so that the web runs the same `verify()` and
//! forensics that `kuzet verify` runs on files: the areas in the order they were created
//! under the definition's country, the candidates in ballot order, the current official
//! figures as one `official` result set (stations, then area totals), and the observers'
//! copies as one `observer` result set.

use std::collections::HashMap;

use kuzet_protocol::{
    AreaAggregate, AreaId, Election, OBSERVER, OFFICIAL, Provenance, ResultSet, StationResult,
};
use kuzet_register::Actor;

use super::Figures;
use super::load::{self, election_by_id};
use crate::Store;
use crate::error::StoreError;

/// Everything needed to verify an election as the CLI does.
#[derive(Debug, Clone)]
pub struct ElectionDataset {
    /// The election: areas under the definition's country, candidates, and up to two result
    /// sets: the current official figures (`official`: stations and area totals) first, then
    /// the observers' copies (`observer`).
    pub election: Election,
    /// The index of the official result set, when there are official figures.
    pub official_set: Option<usize>,
    /// The index of the observers' result set, when there are copies.
    pub observer_set: Option<usize>,
    /// Per station row of the observers' set: the submission it comes from and when it was
    /// received, so that the projection can be drawn as the sample grew. Rows are in the
    /// order the chosen copies arrived.
    pub observer_submissions: Vec<(i64, String)>,
    /// Stations left out of the observers' set because their copies conflict and no
    /// coordinator has chosen one.
    pub conflicting_stations_excluded: usize,
}

fn counts(keys: &[String], figures: &Figures) -> Vec<Option<i64>> {
    keys.iter().map(|key| figures.get(key).copied()).collect()
}

impl Store {
    /// The election as `kuzet_protocol` values: per station the copy a coordinator chose
    /// where there is one, else the first copy when all copies agree; stations whose copies
    /// disagree and are unresolved are left out and counted. Those who may not see
    /// submissions (the public) get the official figures and the observers' figures alike:
    /// the copies' figures, never who sent them.
    pub async fn election_dataset(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<ElectionDataset, StoreError> {
        let db = self.db_read();
        let row = election_by_id(db, actor, election_id).await?;
        let definition = row.definition()?;
        let keys = row.figure_keys()?;
        let country = definition.country.clone();
        let mut election = Election::new(&row.name, definition, &country);
        for candidate in &row.candidates {
            election.add_candidate(candidate);
        }

        let areas = load::areas(db, election_id).await?;
        let mut area_ids: HashMap<i64, AreaId> = HashMap::with_capacity(areas.len());
        let root = election.areas.root();
        for area in &areas {
            let parent = match area.parent_id {
                Some(parent) => *area_ids
                    .get(&parent)
                    .ok_or_else(|| StoreError::corrupt("an area's parent comes after it"))?,
                None => root,
            };
            let id = election.areas.child(parent, &area.name);
            area_ids.insert(area.id, id);
        }
        let area_of = |id: i64| {
            area_ids
                .get(&id)
                .copied()
                .ok_or_else(|| StoreError::corrupt(format!("area {id} of no election area")))
        };
        let stations = load::stations(db, election_id).await?;
        let official = load::current_official(db, election_id, &keys).await?;

        let mut official_set = None;
        if !official.stations.is_empty() || !official.areas.is_empty() {
            let mut set = ResultSet::new(
                OFFICIAL,
                Provenance {
                    collected_by: None,
                    collected_at: None,
                    origin: format!("{}: official results", row.slug),
                },
            );
            for station in &stations {
                if let Some(figures) = official.stations.get(&station.id) {
                    set.stations.push(StationResult {
                        area: area_of(station.area_id)?,
                        station: station.code.clone(),
                        counts: counts(&keys, figures),
                        provenance: None,
                        line: 0,
                    });
                }
            }
            for area in &areas {
                if let Some((count, figures)) = official.areas.get(&area.id) {
                    set.aggregates.push(AreaAggregate {
                        area: area_of(area.id)?,
                        stations: count.and_then(|n| u32::try_from(n).ok()),
                        counts: counts(&keys, figures),
                        provenance: None,
                        line: 0,
                    });
                }
            }
            official_set = Some(election.add_results(set));
        }

        let copies = super::submissions::station_copies(db, election_id, None).await?;
        let verified = load::latest_verifications(db, election_id).await?;
        let mut chosen: Vec<(i64, &load::StationRec, &super::submissions::CopyRec)> = Vec::new();
        let mut excluded = 0;
        for station in &stations {
            let Some(own) = copies.get(&station.id) else {
                continue;
            };
            let pick = match verified.get(&station.id) {
                Some(v) => own.iter().find(|c| c.id == v.submission_id),
                None if load::differing_lines(own.iter().map(|c| &c.figures)).is_empty() => {
                    own.first()
                }
                None => {
                    excluded += 1;
                    None
                }
            };
            if let Some(copy) = pick {
                chosen.push((copy.id, station, copy));
            }
        }
        chosen.sort_by_key(|(id, _, _)| *id);
        let mut observer_set = None;
        let mut observer_submissions = Vec::with_capacity(chosen.len());
        if !chosen.is_empty() {
            let mut set = ResultSet::new(
                OBSERVER,
                Provenance {
                    collected_by: None,
                    collected_at: None,
                    origin: format!("{}: observers' protocols", row.slug),
                },
            );
            for (id, station, copy) in chosen {
                set.stations.push(StationResult {
                    area: area_of(station.area_id)?,
                    station: station.code.clone(),
                    counts: counts(&keys, &copy.figures),
                    provenance: None,
                    line: 0,
                });
                observer_submissions.push((id, copy.received_at.clone()));
            }
            observer_set = Some(election.add_results(set));
        }
        Ok(ElectionDataset {
            election,
            official_set,
            observer_set,
            observer_submissions,
            conflicting_stations_excluded: excluded,
        })
    }
}
