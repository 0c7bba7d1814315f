//! What the duplicate finder needs to know about every person: names, birth, city, events and
//! police stations; and the review queue of duplicate candidates built from it, without the
//! pairs a reviewer already decided are different people. No contact data leaves through here.

use std::collections::HashSet;

use kuzet_names::{Birth, Candidate, Evidence, Options, PersonForMatching, find_candidates_except};
use kuzet_register::{Action, Actor, BirthDate, Resource, ResourceKind, can};

use crate::db::{self, Exec};
use crate::error::StoreError;
use crate::{EventId, PersonId, Store, encode};

/// The review queue compares records across the whole register, as an export does, so it is
/// open to those who may export: analysts (without restricted fields), coordinators and admins;
/// not volunteers.
pub(crate) fn require_queue(actor: &Actor) -> Result<(), StoreError> {
    if can(actor, Action::Export, &Resource::of(ResourceKind::Register)) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Two records that may be one person, with both records and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    /// The record with the smaller id.
    pub a: MatchCandidate,
    pub b: MatchCandidate,
    /// In `[0, 1]`: the name score moved by the other evidence.
    pub score: f64,
    pub evidence: Vec<Evidence>,
}

impl DuplicatePair {
    /// The pair as the duplicate finder reported it.
    pub fn candidate(&self) -> Candidate {
        Candidate {
            a: self.a.id.0,
            b: self.b.id.0,
            score: self.score,
            evidence: self.evidence.clone(),
        }
    }
}

/// One person as the duplicate finder sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchCandidate {
    pub id: PersonId,
    /// The name first, then the aliases.
    pub names: Vec<String>,
    pub birth: Option<BirthDate>,
    pub city: Option<String>,
    pub event_ids: Vec<EventId>,
    pub police_stations: Vec<String>,
    /// The record's version, for a merge based on what the reviewer saw.
    pub version: i64,
}

impl MatchCandidate {
    /// The record in the duplicate finder's terms.
    pub fn for_matching(&self) -> PersonForMatching {
        PersonForMatching {
            id: self.id.0,
            names: self.names.clone(),
            birth: self.birth.map(|birth| match birth.full() {
                Some(date) => Birth::Date {
                    year: date.year(),
                    month: u8::from(date.month()),
                    day: date.day(),
                },
                None => Birth::Year(birth.year()),
            }),
            city: self.city.clone(),
            events: self.event_ids.iter().map(|event| event.0).collect(),
            police_stations: self.police_stations.clone(),
        }
    }
}

impl Store {
    /// Every person with what duplicate finding compares, ordered by id. The full date of
    /// birth is restricted, so it is given only to actors who may see restricted fields;
    /// others get the year.
    pub async fn persons_for_matching(
        &self,
        actor: &Actor,
    ) -> Result<Vec<MatchCandidate>, StoreError> {
        if !can(actor, Action::View, &Resource::of(ResourceKind::Person)) {
            return Err(StoreError::Forbidden);
        }
        let full_birth = can(
            actor,
            Action::View,
            &Resource::of(ResourceKind::Person).field(kuzet_register::Field::BirthDateFull),
        );
        let mut connection = Exec::from(self.db_read());
        let persons = db::query(
            "SELECT id, name, aliases, birth_date, birth_year, city, version FROM persons ORDER BY id",
        )
        .fetch_all(connection.reborrow())
        .await?;
        let detentions = db::query("SELECT person_id, event_id, police_station FROM detentions ORDER BY person_id, detained_at, id")
            .fetch_all(connection.reborrow())
            .await?;
        let mut candidates = Vec::with_capacity(persons.len());
        for row in &persons {
            let id: i64 = row.try_get("id")?;
            let aliases: String = row.try_get("aliases")?;
            let aliases: Vec<String> = serde_json::from_str(&aliases).map_err(|_| {
                StoreError::corrupt(format!("aliases of person {id} are not a JSON list"))
            })?;
            let mut names = vec![row.try_get::<String, _>("name")?];
            names.extend(aliases);
            let birth_date: Option<String> = row.try_get("birth_date")?;
            let birth_year: Option<i64> = row.try_get("birth_year")?;
            let birth = match (birth_date, birth_year) {
                (Some(date), _) if full_birth => Some(BirthDate::Full(encode::parse_date(&date)?)),
                (_, Some(year)) => Some(BirthDate::Year(year as i32)),
                _ => None,
            };
            candidates.push(MatchCandidate {
                id: PersonId(id),
                names,
                birth,
                city: row.try_get("city")?,
                event_ids: Vec::new(),
                police_stations: Vec::new(),
                version: row.try_get("version")?,
            });
        }
        // Both lists are ordered by person id: one merge pass.
        let mut index = 0;
        for row in &detentions {
            let person_id: i64 = row.try_get("person_id")?;
            while index < candidates.len() && candidates[index].id.0 < person_id {
                index += 1;
            }
            let Some(candidate) = candidates
                .get_mut(index)
                .filter(|candidate| candidate.id.0 == person_id)
            else {
                continue;
            };
            if let Some(event) = row.try_get::<Option<i64>, _>("event_id")?.map(EventId)
                && !candidate.event_ids.contains(&event)
            {
                candidate.event_ids.push(event);
            }
            let station: String = row.try_get("police_station")?;
            if !station.is_empty() && !candidate.police_stations.contains(&station) {
                candidate.police_stations.push(station);
            }
        }
        Ok(candidates)
    }
}

impl Store {
    /// The review queue: pairs of records that may be one person, best first, scoring at
    /// least `threshold` (between 0 and 1), leaving out the pairs marked "not the same
    /// person". Analysts get birth years instead of full dates; volunteers are refused.
    pub async fn duplicate_candidates(
        &self,
        actor: &Actor,
        threshold: f64,
    ) -> Result<Vec<DuplicatePair>, StoreError> {
        require_queue(actor)?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(StoreError::invalid(
                "threshold",
                format!("{threshold} is not between 0 and 1"),
            ));
        }
        let persons = self.persons_for_matching(actor).await?;
        let known_different = self.not_duplicate_pairs().await?;
        let for_matching: Vec<PersonForMatching> =
            persons.iter().map(MatchCandidate::for_matching).collect();
        let options = Options {
            threshold,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            ..Options::default()
        };
        // Scoring is CPU work of seconds on a large register: off the async workers.
        let candidates = tokio::task::spawn_blocking(move || {
            find_candidates_except(&for_matching, &options, &known_different)
        })
        .await
        .map_err(|_| StoreError::corrupt("the duplicate finder stopped unexpectedly"))?;
        let by_id: std::collections::HashMap<i64, &MatchCandidate> =
            persons.iter().map(|person| (person.id.0, person)).collect();
        Ok(candidates
            .into_iter()
            .filter_map(|candidate| {
                Some(DuplicatePair {
                    a: (*by_id.get(&candidate.a)?).clone(),
                    b: (*by_id.get(&candidate.b)?).clone(),
                    score: candidate.score,
                    evidence: candidate.evidence,
                })
            })
            .collect())
    }

    /// The pairs decided to be different people, the smaller id first.
    pub(crate) async fn not_duplicate_pairs(&self) -> Result<HashSet<(i64, i64)>, StoreError> {
        let mut connection = Exec::from(self.db_read());
        let rows = db::query("SELECT person_a, person_b FROM not_duplicates")
            .fetch_all(connection.reborrow())
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("person_a")?, row.try_get("person_b")?)))
            .collect()
    }
}
