//! Merging two records of one person (found by the duplicate finder): the duplicate's facts and
//! sources move to the kept record, its names become aliases, missing fields are filled in,
//! and the duplicate is deleted, all in one audited transaction.
//!
//! Every merge can be undone. The merge stores a before-image in `merges`: both persons' rows
//! with every column as stored, the detentions and sources that moved, and the "not the same
//! person" pairs it carried over. `undo_merge` puts all of that back (the removed person with
//! its id, version and fields; the kept person as it was; the facts where they were) and
//! refuses when the kept record changed after the merge, since restoring it would silently
//! lose that change. The audit log and the `merges` table keep growing: they are the record of
//! what happened, not register data.

use kuzet_register::{Action, Actor, PersonRole, Resource, ResourceKind, Role, can};
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::audit::{Cell, Change};
use crate::db::{self, DbRow, Exec, WriteTx};
use crate::error::StoreError;
use crate::register::{
    person_access, retire_person_id, roles_column, roles_from_column, search_keys, status_now,
};
use crate::{PersonId, Store};

/// What a merge produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Merged {
    /// The id to undo the merge with.
    pub merge_id: i64,
    /// The kept record's new version.
    pub version: i64,
}

/// One merge, as the review queue's history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeRecord {
    pub merge_id: i64,
    pub kept: PersonId,
    /// The kept record's name now, or `None` when it no longer exists.
    pub kept_name: Option<String>,
    pub removed: PersonId,
    /// The removed record's name at the time of the merge.
    pub removed_name: String,
    /// UTC, as the audit log writes moments.
    pub merged_at: String,
    pub merged_by: Option<String>,
    pub undone_at: Option<String>,
    pub undone_by: Option<String>,
}

/// Merging and undoing are decisions about the register as a whole (two records become one),
/// so they need the right to change the register beyond one's own drafts: coordinators and
/// admins.
pub(crate) fn require_register_edit(actor: &Actor) -> Result<(), StoreError> {
    if can(actor, Action::Edit, &Resource::of(ResourceKind::Register)) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// One stored value, tagged with SQLite's storage class so that it goes back exactly as it
/// was: integers as JSON numbers, text as strings, reals as their shortest round-trip
/// decimal text (JSON parsers may round), blobs as hex.
fn cell_json(row: &SqliteRow, index: usize) -> Result<serde_json::Value, StoreError> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(serde_json::Value::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        "INTEGER" => serde_json::json!(row.try_get::<i64, _>(index)?),
        "REAL" => serde_json::json!({ "real": format!("{:?}", row.try_get::<f64, _>(index)?) }),
        "BLOB" => serde_json::json!({ "blob": hex::encode(row.try_get::<Vec<u8>, _>(index)?) }),
        _ => serde_json::json!(row.try_get::<String, _>(index)?),
    })
}

/// The same tags from a PostgreSQL row (the persons table has only BIGINT, DOUBLE PRECISION
/// and TEXT columns there).
fn cell_json_postgres(row: &PgRow, index: usize) -> Result<serde_json::Value, StoreError> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(serde_json::Value::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        "INT8" => serde_json::json!(row.try_get::<i64, _>(index)?),
        "INT4" => serde_json::json!(row.try_get::<i32, _>(index)?),
        "FLOAT8" => serde_json::json!({ "real": format!("{:?}", row.try_get::<f64, _>(index)?) }),
        "TEXT" | "VARCHAR" => serde_json::json!(row.try_get::<String, _>(index)?),
        other => {
            return Err(StoreError::corrupt(format!(
                "persons has a {other} column, which a merge cannot keep"
            )));
        }
    })
}

/// A whole row, column name to tagged value.
fn row_image(row: &DbRow) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
    let mut image = serde_json::Map::new();
    match row {
        DbRow::Sqlite(row) => {
            for (index, column) in row.columns().iter().enumerate() {
                image.insert(column.name().to_owned(), cell_json(row, index)?);
            }
        }
        DbRow::Postgres(row) => {
            for (index, column) in row.columns().iter().enumerate() {
                image.insert(column.name().to_owned(), cell_json_postgres(row, index)?);
            }
        }
    }
    Ok(image)
}

/// The value of a tagged cell, for binding.
enum CellValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// SQLite's binary class; `persons` never holds one, so it is refused on restore.
    Blob,
}

fn cell_value(value: &serde_json::Value) -> Result<CellValue, StoreError> {
    let bad = || StoreError::corrupt("a merge's before-image holds a value it cannot restore");
    Ok(match value {
        serde_json::Value::Null => CellValue::Null,
        serde_json::Value::Number(number) => CellValue::Int(number.as_i64().ok_or_else(bad)?),
        serde_json::Value::String(text) => CellValue::Text(text.clone()),
        serde_json::Value::Object(tagged) => match (tagged.get("real"), tagged.get("blob")) {
            (Some(serde_json::Value::String(real)), _) => {
                CellValue::Real(real.parse().map_err(|_| bad())?)
            }
            (_, Some(serde_json::Value::String(blob))) => {
                hex::decode(blob).map_err(|_| bad())?;
                CellValue::Blob
            }
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    })
}

/// The value to bind for a tagged cell. A NULL is typed by its column (`kind`, as the
/// database names the type), since PostgreSQL refuses a NULL of another type.
fn bind_cell(value: CellValue, kind: &str) -> Result<Cell, StoreError> {
    Ok(match value {
        CellValue::Null => match kind.to_ascii_lowercase().as_str() {
            "integer" | "bigint" => Cell::Int(None),
            "real" | "double precision" => Cell::Real(None),
            _ => Cell::Text(None),
        },
        CellValue::Int(value) => Cell::Int(Some(value)),
        CellValue::Real(value) => Cell::Real(Some(value)),
        CellValue::Text(value) => Cell::Text(Some(value)),
        CellValue::Blob => {
            return Err(StoreError::corrupt(
                "a merge's before-image holds binary data, which persons never stores",
            ));
        }
    })
}

/// The columns of `persons` as the database has them now; an image's column names are used in
/// SQL only when they are among these, so a hand-edited image cannot inject SQL.
async fn person_columns(tx: &mut WriteTx) -> Result<Vec<(String, String)>, StoreError> {
    let sql = match tx {
        WriteTx::Sqlite(_) => "SELECT name, type AS kind FROM pragma_table_info('persons')",
        WriteTx::Postgres(_) => {
            "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS kind
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'persons'"
        }
    };
    let rows = db::query(sql).fetch_all(tx).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("name")?, row.try_get("kind")?)))
        .collect()
}

/// Writes a person's image back: inserted when `insert`, otherwise over the existing row.
async fn restore_person(
    tx: &mut WriteTx,
    image: &serde_json::Map<String, serde_json::Value>,
    insert: bool,
) -> Result<(), StoreError> {
    let known = person_columns(tx).await?;
    let kinds: std::collections::HashMap<&String, &String> =
        known.iter().map(|(name, kind)| (name, kind)).collect();
    let columns: Vec<&String> = known
        .iter()
        .map(|(name, _)| name)
        .filter(|column| image.contains_key(*column))
        .collect();
    if columns.len() != image.len() || !columns.iter().any(|column| *column == "id") {
        return Err(StoreError::invalid(
            "merge",
            "the persons table changed since the merge; it cannot be undone automatically",
        ));
    }
    let id = image
        .get("id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| StoreError::corrupt("a merge's before-image has no person id"))?;
    let sql = if insert {
        let names: Vec<&str> = columns.iter().map(|column| column.as_str()).collect();
        let marks = vec!["?"; names.len()].join(", ");
        format!(
            "INSERT INTO persons ({}) VALUES ({marks})",
            names.join(", ")
        )
    } else {
        let sets: Vec<String> = columns
            .iter()
            .filter(|column| **column != "id")
            .map(|column| format!("{column} = ?"))
            .collect();
        format!("UPDATE persons SET {} WHERE id = ?", sets.join(", "))
    };
    let mut query = db::query(sql);
    for column in &columns {
        if !insert && *column == "id" {
            continue;
        }
        let kind = kinds
            .get(column)
            .map(|kind| kind.as_str())
            .unwrap_or_default();
        query = query.bind(bind_cell(cell_value(&image[column.as_str()])?, kind)?);
    }
    if !insert {
        query = query.bind(id);
    }
    query.execute(&mut *tx).await?;
    let keys = image
        .get("search_keys")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    // PostgreSQL searches `persons.search_keys` itself; only SQLite keeps FTS5 rows.
    if let WriteTx::Sqlite(connection) = tx {
        if insert {
            sqlx::query("INSERT INTO persons_fts (rowid, search_keys) VALUES (?, ?)")
                .bind(id)
                .bind(keys)
                .execute(&mut **connection)
                .await?;
        } else {
            sqlx::query("UPDATE persons_fts SET search_keys = ? WHERE rowid = ?")
                .bind(keys)
                .bind(id)
                .execute(&mut **connection)
                .await?;
        }
    }
    Ok(())
}

async fn person_image(
    connection: impl Into<Exec<'_>>,
    id: PersonId,
) -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
    let row = db::query("SELECT * FROM persons WHERE id = ?")
        .bind(id.0)
        .fetch_optional(connection)
        .await?
        .ok_or(StoreError::NotFound)?;
    row_image(&row)
}

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

async fn stored(connection: impl Into<Exec<'_>>, id: PersonId) -> Result<Stored, StoreError> {
    let row: DbRow = db::query(
        "SELECT name, aliases, birth_date, birth_year, city, roles, contact, address, consent, publication_approved, notes, is_draft
         FROM persons WHERE id = ?",
    )
    .bind(id.0)
    .fetch_optional(connection)
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
    /// Merges `duplicate` into `keep` (see [`Store::merge`]); returns the kept record's new
    /// version.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        keep: PersonId,
        keep_version: i64,
        duplicate: PersonId,
        duplicate_version: i64,
    ) -> Result<i64, StoreError> {
        self.merge(actor, keep, keep_version, duplicate, duplicate_version)
            .await
            .map(|merged| merged.version)
    }

    /// Merges `duplicate` into `keep` if both are still at the versions the caller saw
    /// (`Conflict` otherwise). Needs the right to edit the register (coordinators and admins),
    /// `Edit` on the kept record and `Delete` on the duplicate. Returns the merge's id, with
    /// which [`Store::undo_merge`] undoes it, and the kept record's new version.
    pub async fn merge(
        &self,
        actor: &Actor,
        keep: PersonId,
        keep_version: i64,
        duplicate: PersonId,
        duplicate_version: i64,
    ) -> Result<Merged, StoreError> {
        require_register_edit(actor)?;
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
        let keep_image = person_image(&mut change.tx, keep).await?;
        let duplicate_image = person_image(&mut change.tx, duplicate).await?;
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
        let moved = db::query("SELECT id FROM detentions WHERE person_id = ? ORDER BY id")
            .bind(duplicate.0)
            .fetch_all(&mut change.tx)
            .await?;
        let sources = db::query("SELECT id, person_id, fact_kind, fact_id FROM sources WHERE person_id = ? OR (fact_kind = 'person' AND fact_id = ?) ORDER BY id")
            .bind(duplicate.0)
            .bind(duplicate.0)
            .fetch_all(&mut change.tx)
            .await?;
        let moved_detentions: Vec<i64> = moved
            .iter()
            .map(|row| row.try_get::<i64, _>("id"))
            .collect::<Result<_, _>>()?;
        let moved_sources: Vec<serde_json::Value> = sources
            .iter()
            .map(|row| -> Result<serde_json::Value, StoreError> {
                Ok(serde_json::json!({
                    "id": row.try_get::<i64, _>("id")?,
                    "person_id": row.try_get::<Option<i64>, _>("person_id")?,
                    "fact_kind": row.try_get::<String, _>("fact_kind")?,
                    "fact_id": row.try_get::<i64, _>("fact_id")?,
                }))
            })
            .collect::<Result<_, _>>()?;
        // "Not the same person" decisions about the duplicate now concern the kept record too;
        // the pairs this adds are remembered so that an undo removes exactly them.
        let carried = db::query(
            "SELECT CASE WHEN person_a = ?1 THEN person_b ELSE person_a END AS other, reason, decided_by, decided_at
             FROM not_duplicates WHERE (person_a = ?1 OR person_b = ?1) ORDER BY id",
        )
        .bind(duplicate.0)
        .fetch_all(&mut change.tx)
        .await?;
        let mut added_pairs: Vec<(i64, i64, String, Option<i64>, String)> = Vec::new();
        for row in &carried {
            let other: i64 = row.try_get("other")?;
            if other == keep.0 {
                continue;
            }
            let pair = (keep.0.min(other), keep.0.max(other));
            let exists =
                db::query("SELECT 1 FROM not_duplicates WHERE person_a = ? AND person_b = ?")
                    .bind(pair.0)
                    .bind(pair.1)
                    .fetch_optional(&mut change.tx)
                    .await?
                    .is_some();
            if !exists && !added_pairs.iter().any(|added| (added.0, added.1) == pair) {
                added_pairs.push((
                    pair.0,
                    pair.1,
                    row.try_get("reason")?,
                    row.try_get("decided_by")?,
                    row.try_get("decided_at")?,
                ));
            }
        }
        let before_image = serde_json::json!({
            "kept": keep_image,
            "removed": duplicate_image,
            "detentions": moved_detentions,
            "sources": moved_sources,
            "added_not_duplicates": added_pairs.iter().map(|(a, b, ..)| serde_json::json!([a, b])).collect::<Vec<_>>(),
        });
        let version = keep_version + 1;
        let merge_id: i64 = db::query(
            "INSERT INTO merges (kept_id, removed_id, kept_version, audit_seq, before_json, merged_by, merged_at)
             VALUES (?, ?, ?, 0, ?, ?, ?) RETURNING id",
        )
        .bind(keep.0)
        .bind(duplicate.0)
        .bind(version)
        .bind(before_image.to_string())
        .bind(actor.user_id.map(|id| id.0))
        .bind(&change.at)
        .fetch_one(&mut change.tx)
        .await?
        .try_get("id")?;
        for (a, b, reason, decided_by, decided_at) in &added_pairs {
            let id: i64 = db::query(
                "INSERT INTO not_duplicates (person_a, person_b, reason, decided_by, decided_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(a)
            .bind(b)
            .bind(reason)
            .bind(decided_by)
            .bind(decided_at)
            .fetch_one(&mut change.tx)
            .await?
            .try_get("id")?;
            let after =
                serde_json::json!({ "person_a": a, "person_b": b, "carried_by_merge": merge_id });
            change
                .audit(
                    "not_duplicate",
                    id,
                    Some(keep.0),
                    "create",
                    None,
                    Some(&after),
                )
                .await?;
        }

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
        db::query("UPDATE detentions SET person_id = ? WHERE person_id = ?")
            .bind(keep.0)
            .bind(duplicate.0)
            .execute(&mut change.tx)
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
        db::query("UPDATE sources SET fact_id = ? WHERE fact_kind = 'person' AND fact_id = ?")
            .bind(keep.0)
            .bind(duplicate.0)
            .execute(&mut change.tx)
            .await?;
        db::query("UPDATE sources SET person_id = ? WHERE person_id = ?")
            .bind(keep.0)
            .bind(duplicate.0)
            .execute(&mut change.tx)
            .await?;

        let mut names = vec![merged.name.as_str()];
        names.extend(merged.aliases.iter().map(String::as_str));
        let keys = search_keys(&names);
        let roles: Vec<PersonRole> = merged
            .roles
            .iter()
            .filter_map(|role| PersonRole::parse(role).ok())
            .collect();
        db::query(
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
        .execute(&mut change.tx)
        .await?;
        if let WriteTx::Sqlite(tx) = &mut change.tx {
            sqlx::query("UPDATE persons_fts SET search_keys = ? WHERE rowid = ?")
                .bind(&keys)
                .bind(keep.0)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM persons_fts WHERE rowid = ?")
                .bind(duplicate.0)
                .execute(&mut **tx)
                .await?;
        }
        db::query("DELETE FROM persons WHERE id = ?")
            .bind(duplicate.0)
            .execute(&mut change.tx)
            .await?;
        retire_person_id(&mut change.tx, duplicate).await?;
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
        let merged_into = serde_json::json!({ "merged_into": keep.0, "merge_id": merge_id });
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
        db::query("UPDATE merges SET audit_seq = (SELECT COALESCE(MAX(seq), 0) FROM audit_log) WHERE id = ?")
            .bind(merge_id)
            .execute(&mut change.tx)
            .await?;
        change.commit().await?;
        Ok(Merged { merge_id, version })
    }
}

impl Store {
    /// Undoes merge `merge_id`: the removed person comes back with its id, version and every
    /// column as it was, the kept person returns to its state before the merge, the moved
    /// detentions and sources go back, and the "not the same person" pairs the merge carried
    /// over are removed. Refused (`Invalid`, field `merge`) when the merge was already undone,
    /// the kept record or its facts changed after the merge (undo would lose that change;
    /// later merges into it must be undone first), or the removed record's id is taken.
    pub async fn undo_merge(&self, actor: &Actor, merge_id: i64) -> Result<(), StoreError> {
        require_register_edit(actor)?;
        let mut change = Change::begin(self, *actor).await?;
        let row = db::query(
            "SELECT kept_id, removed_id, kept_version, audit_seq, before_json, undone_at FROM merges WHERE id = ?",
        )
        .bind(merge_id)
        .fetch_optional(&mut change.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let keep = PersonId(row.try_get("kept_id")?);
        let removed = PersonId(row.try_get("removed_id")?);
        let kept_version: i64 = row.try_get("kept_version")?;
        let audit_seq: i64 = row.try_get("audit_seq")?;
        if row.try_get::<Option<String>, _>("undone_at")?.is_some() {
            return Err(StoreError::invalid(
                "merge",
                "this merge was already undone",
            ));
        }
        let access = match person_access(&mut change.tx, keep).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid(
                    "merge",
                    "the kept record was deleted after the merge; the merge cannot be undone",
                ));
            }
            other => other?,
        };
        Store::require_role(actor, Action::Edit, &access.resource(ResourceKind::Person))?;
        let later_changes: i64 = db::query(
            "SELECT COUNT(*) AS changes FROM audit_log WHERE person_id = ? AND seq > ? AND entity != 'not_duplicate'",
        )
        .bind(keep.0)
        .bind(audit_seq)
        .fetch_one(&mut change.tx)
        .await?
        .try_get("changes")?;
        if access.version != kept_version || later_changes > 0 {
            return Err(StoreError::invalid(
                "merge",
                "the kept record changed after the merge; undoing would lose that change (undo later merges into it first)",
            ));
        }
        let taken = db::query("SELECT 1 FROM persons WHERE id = ?")
            .bind(removed.0)
            .fetch_optional(&mut change.tx)
            .await?
            .is_some();
        if taken {
            return Err(StoreError::invalid(
                "merge",
                "the removed record's id is used by another record now; the merge cannot be undone",
            ));
        }
        let before: String = row.try_get("before_json")?;
        let before: serde_json::Value = serde_json::from_str(&before).map_err(|_| {
            StoreError::corrupt(format!("merge {merge_id}: the before-image is not JSON"))
        })?;
        let image = |key: &str| {
            before
                .get(key)
                .and_then(serde_json::Value::as_object)
                .cloned()
                .ok_or_else(|| {
                    StoreError::corrupt(format!("merge {merge_id}: the before-image lacks {key}"))
                })
        };
        let kept_image = image("kept")?;
        let removed_image = image("removed")?;
        let list = |key: &str| {
            before
                .get(key)
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let kept_after_merge = self.person_json_in(&mut change.tx, keep).await?;

        restore_person(&mut change.tx, &removed_image, true).await?;
        // The id is a live person's again; a later delete or merge retires it anew.
        db::query("DELETE FROM retired_person_ids WHERE id = ?")
            .bind(removed.0)
            .execute(&mut change.tx)
            .await?;
        for detention in list("detentions") {
            let detention = detention.as_i64().ok_or_else(|| {
                StoreError::corrupt(format!("merge {merge_id}: a detention id is not a number"))
            })?;
            let moved =
                db::query("UPDATE detentions SET person_id = ? WHERE id = ? AND person_id = ?")
                    .bind(removed.0)
                    .bind(detention)
                    .bind(keep.0)
                    .execute(&mut change.tx)
                    .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::invalid(
                    "merge",
                    "a detention that the merge moved is gone or elsewhere now; the merge cannot be undone",
                ));
            }
            let before = serde_json::json!({ "person_id": keep.0 });
            let after = serde_json::json!({ "person_id": removed.0 });
            change
                .audit(
                    "detention",
                    detention,
                    Some(removed.0),
                    "move",
                    Some(&before),
                    Some(&after),
                )
                .await?;
        }
        for source in list("sources") {
            let id = source.get("id").and_then(serde_json::Value::as_i64);
            let fact_id = source.get("fact_id").and_then(serde_json::Value::as_i64);
            let (Some(id), Some(fact_id)) = (id, fact_id) else {
                return Err(StoreError::corrupt(format!(
                    "merge {merge_id}: a moved source lacks its ids"
                )));
            };
            let person_id = source.get("person_id").and_then(serde_json::Value::as_i64);
            let moved = db::query("UPDATE sources SET person_id = ?, fact_id = ? WHERE id = ?")
                .bind(person_id)
                .bind(fact_id)
                .bind(id)
                .execute(&mut change.tx)
                .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::invalid(
                    "merge",
                    "a source that the merge moved is gone now; the merge cannot be undone",
                ));
            }
            let before = serde_json::json!({ "person_id": keep.0 });
            let after = serde_json::json!({ "person_id": person_id });
            change
                .audit(
                    "source",
                    id,
                    Some(removed.0),
                    "move",
                    Some(&before),
                    Some(&after),
                )
                .await?;
        }
        restore_person(&mut change.tx, &kept_image, false).await?;
        for pair in list("added_not_duplicates") {
            let (Some(a), Some(b)) = (
                pair.get(0).and_then(serde_json::Value::as_i64),
                pair.get(1).and_then(serde_json::Value::as_i64),
            ) else {
                return Err(StoreError::corrupt(format!(
                    "merge {merge_id}: a carried pair is not two ids"
                )));
            };
            let deleted = db::query(
                "DELETE FROM not_duplicates WHERE person_a = ? AND person_b = ? RETURNING id",
            )
            .bind(a)
            .bind(b)
            .fetch_optional(&mut change.tx)
            .await?;
            if let Some(deleted) = deleted {
                let id: i64 = deleted.try_get("id")?;
                let before = serde_json::json!({ "person_a": a, "person_b": b, "carried_by_merge": merge_id });
                change
                    .audit(
                        "not_duplicate",
                        id,
                        Some(keep.0),
                        "delete",
                        Some(&before),
                        None,
                    )
                    .await?;
            }
        }
        let removed_after = self.person_json_in(&mut change.tx, removed).await?;
        let undone = serde_json::json!({ "merged_into": keep.0, "merge_id": merge_id });
        change
            .audit(
                "person",
                removed.0,
                Some(removed.0),
                "unmerge",
                Some(&undone),
                Some(&removed_after),
            )
            .await?;
        let kept_after = self.person_json_in(&mut change.tx, keep).await?;
        change
            .audit(
                "person",
                keep.0,
                Some(keep.0),
                "unmerge",
                Some(&kept_after_merge),
                Some(&kept_after),
            )
            .await?;
        db::query("UPDATE merges SET undone_by = ?, undone_at = ? WHERE id = ?")
            .bind(actor.user_id.map(|id| id.0))
            .bind(&change.at)
            .bind(merge_id)
            .execute(&mut change.tx)
            .await?;
        change.commit().await
    }

    /// Remembers that `a` and `b` are two different people, so that the duplicate finder stops
    /// proposing the pair. Deciding it again keeps the first decision. Coordinators and admins.
    pub async fn mark_not_duplicate(
        &self,
        actor: &Actor,
        a: PersonId,
        b: PersonId,
        reason: &str,
    ) -> Result<(), StoreError> {
        require_register_edit(actor)?;
        if a == b {
            return Err(StoreError::invalid(
                "person",
                "a record is always the same person as itself",
            ));
        }
        let reason = reason.trim();
        if reason.chars().count() > 1000 {
            return Err(StoreError::invalid(
                "reason",
                "is longer than 1000 characters",
            ));
        }
        let (low, high) = (a.min(b), a.max(b));
        let mut change = Change::begin(self, *actor).await?;
        person_access(&mut change.tx, low).await?;
        person_access(&mut change.tx, high).await?;
        let inserted = db::query(
            "INSERT INTO not_duplicates (person_a, person_b, reason, decided_by, decided_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (person_a, person_b) DO NOTHING RETURNING id",
        )
        .bind(low.0)
        .bind(high.0)
        .bind(reason)
        .bind(actor.user_id.map(|id| id.0))
        .bind(&change.at)
        .fetch_optional(&mut change.tx)
        .await?;
        if let Some(row) = inserted {
            // One record in each person's history: either page shows the decision.
            let id: i64 = row.try_get("id")?;
            let after =
                serde_json::json!({ "person_a": low.0, "person_b": high.0, "reason": reason });
            change
                .audit(
                    "not_duplicate",
                    id,
                    Some(low.0),
                    "create",
                    None,
                    Some(&after),
                )
                .await?;
            change
                .audit(
                    "not_duplicate",
                    id,
                    Some(high.0),
                    "create",
                    None,
                    Some(&after),
                )
                .await?;
        }
        change.commit().await
    }

    /// The most recent merges, newest first, for the review queue's history. Needs the right to
    /// see the review queue (see [`Store::duplicate_candidates`]).
    pub async fn merge_history(
        &self,
        actor: &Actor,
        limit: u32,
    ) -> Result<Vec<MergeRecord>, StoreError> {
        crate::matching::require_queue(actor)?;
        let mut connection = Exec::from(self.db_read());
        let rows = db::query(
            "SELECT m.id, m.kept_id, p.name AS kept_name, m.removed_id, m.before_json, m.merged_at, m.undone_at,
                    mu.username AS merged_by, uu.username AS undone_by
             FROM merges m
             LEFT JOIN persons p ON p.id = m.kept_id
             LEFT JOIN users mu ON mu.id = m.merged_by
             LEFT JOIN users uu ON uu.id = m.undone_by
             ORDER BY m.id DESC LIMIT ?",
        )
        .bind(i64::from(limit.min(1000)))
        .fetch_all(connection.reborrow())
        .await?;
        rows.iter()
            .map(|row| {
                let merge_id: i64 = row.try_get("id")?;
                let before: String = row.try_get("before_json")?;
                let before: serde_json::Value = serde_json::from_str(&before).map_err(|_| {
                    StoreError::corrupt(format!("merge {merge_id}: the before-image is not JSON"))
                })?;
                let removed_name = before
                    .pointer("/removed/name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                Ok(MergeRecord {
                    merge_id,
                    kept: PersonId(row.try_get("kept_id")?),
                    kept_name: row.try_get("kept_name")?,
                    removed: PersonId(row.try_get("removed_id")?),
                    removed_name,
                    merged_at: row.try_get("merged_at")?,
                    merged_by: row.try_get("merged_by")?,
                    undone_at: row.try_get("undone_at")?,
                    undone_by: row.try_get("undone_by")?,
                })
            })
            .collect()
    }
}
