//! Merging two records of one person (found by the duplicate finder): the duplicate's facts and
//! sources move to the kept record, its names become aliases, missing fields are filled in,
//! and the duplicate is deleted, all in one audited transaction.

use kuzet_register::{Action, Actor, PersonRole, ResourceKind, Role};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit::Change;
use crate::error::StoreError;
use crate::register::{person_access, roles_column, roles_from_column, search_keys, status_now};
use crate::{PersonId, Store};

/// The stored fields of a person that a merge combines.
struct Stored {
    name: String,
    aliases: Vec<String>,
    birth_date: Option<String>,
    birth_year: Option<i64>,
    city: Option<String>,
    roles: Vec<String>,
    contact: String,
    address: String,
    consent: String,
    publication_approved: bool,
    notes: String,
    is_draft: bool,
}

async fn stored(connection: &mut SqliteConnection, id: PersonId) -> Result<Stored, StoreError> {
    let row: SqliteRow = sqlx::query(
        "SELECT name, aliases, birth_date, birth_year, city, roles, contact, address, consent, publication_approved, notes, is_draft
         FROM persons WHERE id = ?",
    )
    .bind(id.0)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or(StoreError::NotFound)?;
    let aliases: String = row.try_get("aliases")?;
    let roles: String = row.try_get("roles")?;
    Ok(Stored {
        name: row.try_get("name")?,
        aliases: serde_json::from_str(&aliases).map_err(|_| {
            StoreError::corrupt(format!("aliases of person {id} are not a JSON list"))
        })?,
        birth_date: row.try_get("birth_date")?,
        birth_year: row.try_get("birth_year")?,
        city: row.try_get("city")?,
        roles: roles_from_column(&roles),
        contact: row.try_get("contact")?,
        address: row.try_get("address")?,
        consent: row.try_get("consent")?,
        publication_approved: row.try_get::<i64, _>("publication_approved")? != 0,
        notes: row.try_get("notes")?,
        is_draft: row.try_get::<i64, _>("is_draft")? != 0,
    })
}

/// The kept record with what the duplicate adds. A refusal of publication in either record
/// wins: nobody is published against a will they stated once.
fn combine(keep: Stored, duplicate: Stored) -> Stored {
    let mut aliases = keep.aliases.clone();
    for name in std::iter::once(&duplicate.name).chain(&duplicate.aliases) {
        if *name != keep.name && !aliases.contains(name) {
            aliases.push(name.clone());
        }
    }
    let mut roles: Vec<PersonRole> = keep
        .roles
        .iter()
        .chain(&duplicate.roles)
        .filter_map(|role| PersonRole::parse(role).ok())
        .collect();
    roles.sort();
    roles.dedup();
    let consents = [keep.consent.as_str(), duplicate.consent.as_str()];
    let consent = if consents.contains(&"refused") {
        "refused"
    } else if consents.contains(&"given") {
        "given"
    } else {
        "not_asked"
    };
    let (birth_date, birth_year) = if keep.birth_year.is_some() || keep.birth_date.is_some() {
        (
            keep.birth_date.or_else(|| {
                duplicate
                    .birth_date
                    .filter(|_| keep.birth_year == duplicate.birth_year)
            }),
            keep.birth_year,
        )
    } else {
        (duplicate.birth_date, duplicate.birth_year)
    };
    let either = |kept: String, other: String| if kept.trim().is_empty() { other } else { kept };
    let notes = match (
        keep.notes.trim().is_empty(),
        duplicate.notes.trim().is_empty(),
    ) {
        (false, false) => format!("{}\n{}", keep.notes, duplicate.notes),
        (true, _) => duplicate.notes,
        (false, true) => keep.notes,
    };
    Stored {
        name: keep.name,
        aliases,
        birth_date,
        birth_year,
        city: keep.city.or(duplicate.city),
        roles: roles.iter().map(|role| role.as_str().to_owned()).collect(),
        contact: either(keep.contact, duplicate.contact),
        address: either(keep.address, duplicate.address),
        consent: consent.to_owned(),
        publication_approved: keep.publication_approved || duplicate.publication_approved,
        notes,
        is_draft: keep.is_draft && duplicate.is_draft,
    }
}

impl Store {
    /// Merges `duplicate` into `keep` if both are still at the versions the caller saw
    /// (`Conflict` otherwise). Needs `Edit` on the kept record and `Delete` on the duplicate.
    /// Returns the kept record's new version.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        keep: PersonId,
        keep_version: i64,
        duplicate: PersonId,
        duplicate_version: i64,
    ) -> Result<i64, StoreError> {
        if keep == duplicate {
            return Err(StoreError::invalid(
                "duplicate",
                "a record cannot be merged into itself",
            ));
        }
        let mut change = Change::begin(self, *actor).await?;
        let keep_access = person_access(&mut change.tx, keep).await?;
        let duplicate_access = person_access(&mut change.tx, duplicate).await?;
        Store::require_role(
            actor,
            Action::Edit,
            &keep_access.resource(ResourceKind::Person),
        )?;
        Store::require_role(
            actor,
            Action::Delete,
            &duplicate_access.resource(ResourceKind::Person),
        )?;
        if keep_access.version != keep_version {
            return Err(StoreError::Conflict {
                current_version: keep_access.version,
            });
        }
        if duplicate_access.version != duplicate_version {
            return Err(StoreError::Conflict {
                current_version: duplicate_access.version,
            });
        }
        let keep_before = self.person_json_in(&mut change.tx, keep).await?;
        let duplicate_before = self.person_json_in(&mut change.tx, duplicate).await?;
        let mut merged = combine(
            stored(&mut change.tx, keep).await?,
            stored(&mut change.tx, duplicate).await?,
        );
        if actor.role != Role::Volunteer {
            merged.is_draft = false;
        }

        // Facts move with their audit records: the duplicate's history stays readable under
        // its own id, and the kept person's history shows what arrived.
        let moved = sqlx::query("SELECT id FROM detentions WHERE person_id = ? ORDER BY id")
            .bind(duplicate.0)
            .fetch_all(&mut *change.tx)
            .await?;
        for row in &moved {
            let detention: i64 = row.try_get("id")?;
            let before = serde_json::json!({ "person_id": duplicate.0 });
            let after = serde_json::json!({ "person_id": keep.0 });
            change
                .audit(
                    "detention",
                    detention,
                    Some(keep.0),
                    "move",
                    Some(&before),
                    Some(&after),
                )
                .await?;
        }
        sqlx::query("UPDATE detentions SET person_id = ? WHERE person_id = ?")
            .bind(keep.0)
            .bind(duplicate.0)
            .execute(&mut *change.tx)
            .await?;
        let sources = sqlx::query("SELECT id FROM sources WHERE person_id = ? OR (fact_kind = 'person' AND fact_id = ?) ORDER BY id")
            .bind(duplicate.0)
            .bind(duplicate.0)
            .fetch_all(&mut *change.tx)
            .await?;
        for row in &sources {
            let source: i64 = row.try_get("id")?;
            let before = serde_json::json!({ "person_id": duplicate.0 });
            let after = serde_json::json!({ "person_id": keep.0 });
            change
                .audit(
                    "source",
                    source,
                    Some(keep.0),
                    "move",
                    Some(&before),
                    Some(&after),
                )
                .await?;
        }
        sqlx::query("UPDATE sources SET fact_id = ? WHERE fact_kind = 'person' AND fact_id = ?")
            .bind(keep.0)
            .bind(duplicate.0)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("UPDATE sources SET person_id = ? WHERE person_id = ?")
            .bind(keep.0)
            .bind(duplicate.0)
            .execute(&mut *change.tx)
            .await?;

        let mut names = vec![merged.name.as_str()];
        names.extend(merged.aliases.iter().map(String::as_str));
        let keys = search_keys(&names);
        let roles: Vec<PersonRole> = merged
            .roles
            .iter()
            .filter_map(|role| PersonRole::parse(role).ok())
            .collect();
        let version = keep_version + 1;
        sqlx::query(
            "UPDATE persons SET aliases = ?, search_keys = ?, birth_date = ?, birth_year = ?, city = ?, roles = ?, contact = ?,
                address = ?, consent = ?, publication_approved = ?, notes = ?, is_draft = ?, version = ?, updated_at = ?
             WHERE id = ?",
        )
        .bind(serde_json::to_string(&merged.aliases).unwrap_or_else(|_| "[]".into()))
        .bind(&keys)
        .bind(&merged.birth_date)
        .bind(merged.birth_year)
        .bind(&merged.city)
        .bind(roles_column(&roles))
        .bind(&merged.contact)
        .bind(&merged.address)
        .bind(&merged.consent)
        .bind(i64::from(merged.publication_approved))
        .bind(&merged.notes)
        .bind(i64::from(merged.is_draft))
        .bind(version)
        .bind(&change.at)
        .bind(keep.0)
        .execute(&mut *change.tx)
        .await?;
        sqlx::query("UPDATE persons_fts SET search_keys = ? WHERE rowid = ?")
            .bind(&keys)
            .bind(keep.0)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM persons_fts WHERE rowid = ?")
            .bind(duplicate.0)
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM persons WHERE id = ?")
            .bind(duplicate.0)
            .execute(&mut *change.tx)
            .await?;
        let keep_after = self.person_json_in(&mut change.tx, keep).await?;
        change
            .audit(
                "person",
                keep.0,
                Some(keep.0),
                "merge",
                Some(&keep_before),
                Some(&keep_after),
            )
            .await?;
        let merged_into = serde_json::json!({ "merged_into": keep.0 });
        change
            .audit(
                "person",
                duplicate.0,
                Some(duplicate.0),
                "merge_into",
                Some(&duplicate_before),
                Some(&merged_into),
            )
            .await?;
        let now = status_now(&mut change.tx, self).await?;
        change.refresh_person(keep, now).await?;
        change.commit().await?;
        Ok(version)
    }
}
