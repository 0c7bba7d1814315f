//! What the duplicate finder needs to know about every person: names, birth, city, events and
//! police stations. No contact data leaves through here.

use kuzet_register::{Action, Actor, BirthDate, Resource, ResourceKind, can};
use sqlx::Row;

use crate::error::StoreError;
use crate::{EventId, PersonId, Store, encode};

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
        let mut connection = self.read.acquire().await?;
        let persons = sqlx::query(
            "SELECT id, name, aliases, birth_date, birth_year, city FROM persons ORDER BY id",
        )
        .fetch_all(&mut *connection)
        .await?;
        let detentions = sqlx::query("SELECT person_id, event_id, police_station FROM detentions ORDER BY person_id, detained_at, id")
            .fetch_all(&mut *connection)
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
