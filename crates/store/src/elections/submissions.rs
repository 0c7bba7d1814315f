//! Observers' protocol copies: submission with an idempotency key, photos, conflicts between
//! copies of one station and their resolution.
//!
//! `submit_protocol` is on the hot path of election night (hundreds of observers, and API
//! clients that retry): the election, station and sender are read in one query outside the
//! write transaction, the transaction itself is one `INSERT ... ON CONFLICT DO NOTHING
//! RETURNING` plus the audit record, and a replayed key is answered from the readers without
//! taking the write lock at all. The unique index on (sender, key) decides races: the loser's
//! insert does nothing and it reads the winner's row back.

use std::collections::HashMap;

use kuzet_protocol::ProtocolDefinition;
use kuzet_protocol::check::{RelationTally, Rule, check_row};
use kuzet_register::{Action, Actor, Resource, ResourceKind, can};
use sha2::{Digest, Sha256};

use super::load::{self, SUBMISSION_COLUMNS, SUBMISSION_FROM, election_resource, require};
use super::{
    ConflictRow, Figures, NewPhoto, NewSubmission, PhotoRow, SubmissionOutcome, SubmissionRow,
    VerificationRow,
};
use crate::Store;
use crate::audit::Change;
use crate::db::{self, Db, Exec, WriteTx};
use crate::error::StoreError;

/// The names of the control relations of `definition` that `figures` break, and
/// `negative: KEY` for a figure below zero. `figures` keys are matched exactly.
pub(crate) fn violations(
    definition: &ProtocolDefinition,
    candidates: &[String],
    figures: &Figures,
) -> Vec<String> {
    let keys: Vec<&str> = definition
        .lines
        .iter()
        .map(|line| line.key.as_str())
        .chain(candidates.iter().map(String::as_str))
        .collect();
    let counts: Vec<Option<i64>> = keys.iter().map(|key| figures.get(*key).copied()).collect();
    let candidate_columns = definition.lines.len()..keys.len();
    let mut tallies = vec![RelationTally::default(); definition.relations.len()];
    let mut broken = Vec::new();
    check_row(
        definition,
        candidate_columns,
        &counts,
        &mut tallies,
        |rule, _, _| match rule {
            Rule::Relation(index) => broken.push(definition.relations[index].name.clone()),
            Rule::NonNegative(column) => broken.push(format!("negative: {}", keys[column])),
        },
    );
    broken
}

/// Figures with their keys written as the election writes them; an unknown key is an error
/// naming every one.
fn normalise_figures(
    definition: &ProtocolDefinition,
    candidates: &[String],
    figures: &Figures,
) -> Result<Figures, StoreError> {
    let keys: Vec<&str> = definition
        .lines
        .iter()
        .map(|line| line.key.as_str())
        .chain(candidates.iter().map(String::as_str))
        .collect();
    let mut normalised = Figures::new();
    let mut unknown = Vec::new();
    for (key, value) in figures {
        match keys.iter().find(|k| k.eq_ignore_ascii_case(key.trim())) {
            Some(k) => {
                normalised.insert((*k).to_owned(), *value);
            }
            None => unknown.push(format!("`{key}`")),
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::invalid(
            "figures",
            format!(
                "not lines of this election's protocol nor candidates: {}",
                unknown.join(", ")
            ),
        ));
    }
    Ok(normalised)
}

/// One copy as the station listings need it.
#[derive(Debug, Clone)]
pub(crate) struct CopyRec {
    pub(crate) id: i64,
    pub(crate) figures: Figures,
    pub(crate) flagged: bool,
    pub(crate) received_at: String,
}

/// Every copy of the election's stations, by station, oldest first.
pub(crate) async fn station_copies(
    exec: impl Into<Exec<'_>>,
    election_id: i64,
    station: Option<i64>,
) -> Result<HashMap<i64, Vec<CopyRec>>, StoreError> {
    let rows = match station {
        None => db::query(
            "SELECT id, station_id, figures, violations, received_at FROM submissions
             WHERE election_id = ? ORDER BY id",
        )
        .bind(election_id),
        Some(station) => db::query(
            "SELECT id, station_id, figures, violations, received_at FROM submissions
             WHERE election_id = ? AND station_id = ? ORDER BY id",
        )
        .bind(election_id)
        .bind(station),
    }
    .fetch_all(exec)
    .await?;
    let mut copies: HashMap<i64, Vec<CopyRec>> = HashMap::new();
    for row in rows {
        let violations: String = row.try_get("violations")?;
        copies
            .entry(row.try_get("station_id")?)
            .or_default()
            .push(CopyRec {
                id: row.try_get("id")?,
                figures: load::json_figures(&row.try_get::<String, _>("figures")?)?,
                flagged: violations != "[]",
                received_at: row.try_get("received_at")?,
            });
    }
    Ok(copies)
}

const PHOTO_COLUMNS: &str =
    "p.id, p.submission_id, p.received_at, p.original_sha256, p.original_size,
    p.served_sha256, p.served_size, p.content_type, p.stripped";

fn photo_row(row: &db::DbRow) -> Result<PhotoRow, StoreError> {
    Ok(PhotoRow {
        id: row.try_get("id")?,
        submission_id: row.try_get("submission_id")?,
        received_at: row.try_get("received_at")?,
        original_sha256: row.try_get("original_sha256")?,
        original_size: row.try_get("original_size")?,
        served_sha256: row.try_get("served_sha256")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("served_size")?,
        stripped: load::json_list(&row.try_get::<String, _>("stripped")?)?,
    })
}

fn check_photo(photo: &NewPhoto) -> Result<(), StoreError> {
    let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex64(&photo.original_sha256) {
        return Err(StoreError::invalid(
            "photo",
            "the original's SHA-256 must be 64 hexadecimal digits",
        ));
    }
    if photo.served_bytes.is_empty() {
        return Err(StoreError::invalid("photo", "the photo is empty"));
    }
    if !photo.content_type.starts_with("image/") {
        return Err(StoreError::invalid(
            "photo",
            format!("`{}` is not an image type", photo.content_type),
        ));
    }
    Ok(())
}

/// Stores a photo in the change's transaction. The bytes are bound as a BLOB/BYTEA, which
/// the shared query helper does not carry, so the statement is written per backend.
async fn insert_photo(
    tx: &mut WriteTx,
    submission_id: i64,
    at: &str,
    photo: &NewPhoto,
) -> Result<PhotoRow, StoreError> {
    let served_sha256 = hex::encode(Sha256::digest(&photo.served_bytes));
    let stripped = serde_json::to_string(&photo.stripped).unwrap_or_else(|_| "[]".to_owned());
    let size = photo.served_bytes.len() as i64;
    const SQL: &str = "INSERT INTO submission_photos (submission_id, received_at, original_sha256, original_size,
        served_sha256, served_size, content_type, stripped, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    let id: i64 = match tx {
        WriteTx::Sqlite(tx) => {
            use sqlx::Row;
            sqlx::query(SQL)
                .bind(submission_id)
                .bind(at)
                .bind(photo.original_sha256.to_ascii_lowercase())
                .bind(photo.original_size)
                .bind(&served_sha256)
                .bind(size)
                .bind(&photo.content_type)
                .bind(&stripped)
                .bind(&photo.served_bytes)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?
        }
        WriteTx::Postgres(tx) => {
            use sqlx::Row;
            sqlx::query(sqlx::AssertSqlSafe(db::numbered_placeholders(SQL)))
                .bind(submission_id)
                .bind(at)
                .bind(photo.original_sha256.to_ascii_lowercase())
                .bind(photo.original_size)
                .bind(&served_sha256)
                .bind(size)
                .bind(&photo.content_type)
                .bind(&stripped)
                .bind(&photo.served_bytes)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?
        }
    };
    Ok(PhotoRow {
        id,
        submission_id,
        received_at: at.to_owned(),
        original_sha256: photo.original_sha256.to_ascii_lowercase(),
        original_size: photo.original_size,
        served_sha256,
        content_type: photo.content_type.clone(),
        size,
        stripped: photo.stripped.clone(),
    })
}

fn photo_audit(photo: &PhotoRow) -> serde_json::Value {
    serde_json::json!({
        "photo_id": photo.id, "original_sha256": photo.original_sha256,
        "original_size": photo.original_size, "served_sha256": photo.served_sha256,
        "size": photo.size, "content_type": photo.content_type, "stripped": photo.stripped,
    })
}

/// What `submit_protocol` reads before writing, in one query.
struct Target {
    published: bool,
    definition: String,
    candidates: Vec<String>,
    station_id: Option<i64>,
    username: Option<String>,
    /// The sender's earlier submission with the same key, if any.
    existing: Option<i64>,
}

async fn submit_target(
    db: Db<'_>,
    election_id: i64,
    station_code: &str,
    user_id: i64,
    key: &str,
) -> Result<Target, StoreError> {
    let row = db::query(
        "SELECT e.published, e.definition, e.candidates, s.id AS station_id,
            (SELECT username FROM users WHERE id = ?) AS username,
            (SELECT id FROM submissions WHERE submitted_by = ? AND idempotency_key = ?) AS existing
         FROM elections e LEFT JOIN election_stations s ON s.election_id = e.id AND s.code = ?
         WHERE e.id = ?",
    )
    .bind(user_id)
    .bind(user_id)
    .bind(key)
    .bind(station_code)
    .bind(election_id)
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(Target {
        published: row.try_get::<i64, _>("published")? != 0,
        definition: row.try_get("definition")?,
        candidates: load::json_list(&row.try_get::<String, _>("candidates")?)?,
        station_id: row.try_get("station_id")?,
        username: row.try_get("username")?,
        existing: row.try_get("existing")?,
    })
}

/// The submission a sender made with a key, if any.
async fn by_key(
    exec: impl Into<Exec<'_>>,
    user_id: i64,
    key: &str,
    show_sender: bool,
) -> Result<Option<SubmissionRow>, StoreError> {
    let row = db::query(format!(
        "SELECT {SUBMISSION_COLUMNS} FROM {SUBMISSION_FROM} WHERE b.submitted_by = ? AND b.idempotency_key = ?"
    ))
    .bind(user_id)
    .bind(key)
    .fetch_optional(exec)
    .await?;
    row.map(|row| load::submission_row(&row, show_sender, false))
        .transpose()
}

/// A replay must repeat the first submission: the same station and figures.
fn same_or_refuse(
    first: SubmissionRow,
    election_id: i64,
    station_code: &str,
    figures: &Figures,
) -> Result<SubmissionOutcome, StoreError> {
    if first.election_id != election_id
        || first.station_code != station_code
        || &first.figures != figures
    {
        return Err(StoreError::invalid(
            "idempotency_key",
            format!(
                "was already used for another protocol (submission {}); send a new key for a new protocol",
                first.id
            ),
        ));
    }
    Ok(SubmissionOutcome {
        submission: first,
        created: false,
    })
}

impl Store {
    /// Stores an observer's copy of a station's protocol (volunteers and up). The same sender
    /// with the same idempotency key gets the first submission back (`created: false`); the
    /// same key with another protocol is refused. Figures that break a control relation are
    /// stored and flagged.
    pub async fn submit_protocol(
        &self,
        actor: &Actor,
        new: NewSubmission,
    ) -> Result<SubmissionOutcome, StoreError> {
        require(
            actor,
            Action::Create,
            &Resource::of(ResourceKind::Submission),
        )?;
        // Idempotency keys are per sender, so a sender is needed.
        let user_id = actor.user_id.ok_or(StoreError::Forbidden)?.0;
        let key = new.idempotency_key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(StoreError::invalid(
                "idempotency_key",
                "must be 1 to 200 characters",
            ));
        }
        let station_code = new.station_code.trim();
        let show_sender = load::shows_sender(actor);
        let target =
            submit_target(self.db_read(), new.election_id, station_code, user_id, key).await?;
        if !can(actor, Action::View, &election_resource(target.published)) {
            return Err(StoreError::NotFound);
        }
        let definition = ProtocolDefinition::parse(&target.definition)
            .map_err(|e| StoreError::corrupt(format!("election definition: {e}")))?;
        let figures = normalise_figures(&definition, &target.candidates, &new.figures)?;
        if figures.is_empty() {
            return Err(StoreError::invalid("figures", "no figure is given"));
        }
        // A replay is answered from the readers without the write lock; the first read
        // already said whether the key was used, so a new submission costs no extra read.
        if target.existing.is_some()
            && let Some(first) = by_key(self.db_read(), user_id, key, show_sender).await?
        {
            return same_or_refuse(first, new.election_id, station_code, &figures);
        }
        let station_id = target.station_id.ok_or_else(|| {
            StoreError::invalid(
                "station_code",
                format!("`{station_code}` is not a station of this election"),
            )
        })?;
        for photo in &new.photos {
            check_photo(photo)?;
        }
        let violations = violations(&definition, &target.candidates, &figures);
        let figures_json = load::figures_json(&figures);
        let violations_json = serde_json::to_string(&violations).unwrap_or_else(|_| "[]".into());
        let note = new
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);

        let mut change = Change::begin(self, *actor).await?;
        let inserted = db::query(
            "INSERT INTO submissions (election_id, station_id, submitted_by, idempotency_key, received_at,
                figures, violations, note, origin)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (submitted_by, idempotency_key) DO NOTHING RETURNING id",
        )
        .bind(new.election_id)
        .bind(station_id)
        .bind(user_id)
        .bind(key)
        .bind(change.at.as_str())
        .bind(figures_json.as_str())
        .bind(violations_json.as_str())
        .bind(&note)
        .bind(new.origin.as_str())
        .fetch_optional(&mut change.tx)
        .await?;
        let Some(inserted) = inserted else {
            // Another request with the same key won the race: answer with its submission.
            let first = by_key(&mut change.tx, user_id, key, show_sender)
                .await?
                .ok_or_else(|| StoreError::corrupt("an idempotency key conflicts with no row"))?;
            return same_or_refuse(first, new.election_id, station_code, &figures);
        };
        let id: i64 = inserted.try_get("id")?;
        let mut photos = Vec::with_capacity(new.photos.len());
        for photo in &new.photos {
            photos.push(insert_photo(&mut change.tx, id, &change.at, photo).await?);
        }
        let after = serde_json::json!({
            "election_id": new.election_id, "station": station_code, "idempotency_key": key,
            "figures": figures, "violations": violations, "note": note,
            "origin": new.origin.as_str(),
            "photos": photos.iter().map(photo_audit).collect::<Vec<_>>(),
        });
        change
            .audit("submission", id, None, "create", None, Some(&after))
            .await?;
        let received_at = change.at.clone();
        change.commit().await?;
        Ok(SubmissionOutcome {
            submission: SubmissionRow {
                id,
                election_id: new.election_id,
                station_id,
                station_code: station_code.to_owned(),
                submitted_by: if show_sender { target.username } else { None },
                received_at,
                figures,
                violations,
                note,
                origin: new.origin,
                photos,
                verified: false,
            },
            created: true,
        })
    }

    /// Adds a photo to a submission (its sender, or a coordinator).
    pub async fn add_photo(
        &self,
        actor: &Actor,
        submission_id: i64,
        photo: NewPhoto,
    ) -> Result<PhotoRow, StoreError> {
        check_photo(&photo)?;
        let mut change = Change::begin(self, *actor).await?;
        let row = db::query("SELECT submitted_by FROM submissions WHERE id = ?")
            .bind(submission_id)
            .fetch_optional(&mut change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let sender: Option<i64> = row.try_get("submitted_by")?;
        let own = actor.user_id.is_some_and(|u| Some(u.0) == sender)
            && can(
                actor,
                Action::Create,
                &Resource::of(ResourceKind::Submission),
            );
        if !own {
            require(actor, Action::Edit, &Resource::of(ResourceKind::Submission))?;
        }
        let at = change.at.clone();
        let stored = insert_photo(&mut change.tx, submission_id, &at, &photo).await?;
        change
            .audit(
                "submission",
                submission_id,
                None,
                "add_photo",
                None,
                Some(&photo_audit(&stored)),
            )
            .await?;
        change.commit().await?;
        Ok(stored)
    }

    /// A photo with its served bytes (those who may see submissions).
    pub async fn photo(
        &self,
        actor: &Actor,
        photo_id: i64,
    ) -> Result<Option<(PhotoRow, Vec<u8>)>, StoreError> {
        require(actor, Action::View, &Resource::of(ResourceKind::Submission))?;
        let row = db::query(format!(
            "SELECT {PHOTO_COLUMNS}, p.bytes FROM submission_photos p WHERE p.id = ?"
        ))
        .bind(photo_id)
        .fetch_optional(self.db_read())
        .await?;
        match row {
            Some(row) => Ok(Some((photo_row(&row)?, row.try_get("bytes")?))),
            None => Ok(None),
        }
    }

    /// Submissions selected by `filter` (a condition on `b`), oldest first, with their photos.
    async fn submissions_where(
        &self,
        actor: &Actor,
        filter: &str,
        id: i64,
        verified: &(dyn Fn(i64, i64) -> bool + Send + Sync),
    ) -> Result<Vec<SubmissionRow>, StoreError> {
        let db = self.db_read();
        let show_sender = load::shows_sender(actor);
        let rows = db::query(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM {SUBMISSION_FROM} WHERE {filter} ORDER BY b.id"
        ))
        .bind(id)
        .fetch_all(db)
        .await?;
        let mut submissions = Vec::with_capacity(rows.len());
        let mut index = HashMap::new();
        for row in rows {
            let mut submission = load::submission_row(&row, show_sender, false)?;
            submission.verified = verified(submission.station_id, submission.id);
            index.insert(submission.id, submissions.len());
            submissions.push(submission);
        }
        let photos = db::query(format!(
            "SELECT {PHOTO_COLUMNS} FROM submission_photos p JOIN submissions b ON b.id = p.submission_id
             WHERE {filter} ORDER BY p.id"
        ))
        .bind(id)
        .fetch_all(db)
        .await?;
        for row in photos {
            let photo = photo_row(&row)?;
            if let Some(at) = index.get(&photo.submission_id) {
                submissions[*at].photos.push(photo);
            }
        }
        Ok(submissions)
    }

    /// Every copy of one station, oldest first.
    pub(crate) async fn station_submissions(
        &self,
        actor: &Actor,
        station_id: i64,
        verified_id: Option<i64>,
    ) -> Result<Vec<SubmissionRow>, StoreError> {
        self.submissions_where(actor, "b.station_id = ?", station_id, &|_, id| {
            Some(id) == verified_id
        })
        .await
    }

    /// Every submission of the election, oldest first, with their photos (bytes not loaded).
    pub async fn election_submissions(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<SubmissionRow>, StoreError> {
        load::election_by_id(self.db_read(), actor, election_id).await?;
        require(actor, Action::View, &Resource::of(ResourceKind::Submission))?;
        let verified = load::latest_verifications(self.db_read(), election_id).await?;
        self.submissions_where(actor, "b.election_id = ?", election_id, &|station, id| {
            verified
                .get(&station)
                .is_some_and(|v| v.submission_id == id)
        })
        .await
    }

    /// Stations whose copies differ in some line, by station code, with their latest
    /// resolution.
    pub async fn conflicts(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<ConflictRow>, StoreError> {
        let db = self.db_read();
        load::election_by_id(db, actor, election_id).await?;
        require(actor, Action::View, &Resource::of(ResourceKind::Submission))?;
        let copies = station_copies(db, election_id, None).await?;
        let mut verified = load::latest_verifications(db, election_id).await?;
        let codes: HashMap<i64, String> = load::stations(db, election_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.code))
            .collect();
        let mut conflicts: Vec<ConflictRow> = copies
            .into_iter()
            .filter_map(|(station_id, copies)| {
                let differing = load::differing_lines(copies.iter().map(|c| &c.figures));
                (!differing.is_empty()).then(|| ConflictRow {
                    station_id,
                    station_code: codes.get(&station_id).cloned().unwrap_or_default(),
                    submission_ids: copies.iter().map(|c| c.id).collect(),
                    differing_lines: differing,
                    resolved_by: verified.remove(&station_id),
                })
            })
            .collect();
        conflicts.sort_by(|a, b| a.station_code.cmp(&b.station_code));
        Ok(conflicts)
    }

    /// Marks one copy of a station as the verified one, with a reason (coordinators and
    /// admins). Appended: earlier resolutions stay, the latest is in force.
    pub async fn resolve_station(
        &self,
        actor: &Actor,
        station_id: i64,
        submission_id: i64,
        reason: &str,
    ) -> Result<VerificationRow, StoreError> {
        require(actor, Action::Edit, &Resource::of(ResourceKind::Submission))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "say why this copy is the right one",
            ));
        }
        let mut change = Change::begin(self, *actor).await?;
        let row = db::query(
            "SELECT b.station_id, b.election_id, s.code FROM submissions b
             JOIN election_stations s ON s.id = b.station_id WHERE b.id = ?",
        )
        .bind(submission_id)
        .fetch_optional(&mut change.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        if row.try_get::<i64, _>("station_id")? != station_id {
            return Err(StoreError::invalid(
                "submission",
                format!("submission {submission_id} is not a copy of this station"),
            ));
        }
        let election_id: i64 = row.try_get("election_id")?;
        let code: String = row.try_get("code")?;
        let actor_copy = change.actor;
        load::election_by_id(&mut change.tx, &actor_copy, election_id).await?;
        let id: i64 = db::query(
            "INSERT INTO station_verifications (election_id, station_id, submission_id, reason, actor_user_id, at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(election_id)
        .bind(station_id)
        .bind(submission_id)
        .bind(reason)
        .bind(actor.user_id.map(|u| u.0))
        .bind(change.at.as_str())
        .fetch_one(&mut change.tx)
        .await?
        .try_get("id")?;
        let after = serde_json::json!({
            "election_id": election_id, "station": code, "submission_id": submission_id,
            "reason": reason,
        });
        change
            .audit(
                "election_station",
                station_id,
                None,
                "resolve",
                None,
                Some(&after),
            )
            .await?;
        let row = db::query(format!(
            "SELECT {} FROM station_verifications v LEFT JOIN users u ON u.id = v.actor_user_id WHERE v.id = ?",
            load::VERIFICATION_COLUMNS
        ))
        .bind(id)
        .fetch_one(&mut change.tx)
        .await?;
        let verification = load::verification_row(&row)?;
        change.commit().await?;
        Ok(verification)
    }
}
