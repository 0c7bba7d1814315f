//! Changes to the register: events, claims, persons, detentions, decisions, custody,
//! transfers and sources. Each public method checks `can`, then writes through a `Change` so
//! that the audit record lands in the same transaction, and refreshes the person's derived
//! status whenever one of their facts changes.

use kuzet_register::{
    Action, Actor, Article, BirthDate, City, ClaimedCount, Code, Consent, Custody, Decision,
    Detention, DetentionStatus, Event, OfficialClaim, Outcome, PersonRole, Resource, ResourceKind,
    Source, Transfer, TreatmentSet, can, derive_status,
};
use time::PrimitiveDateTime;

use crate::audit::Change;
use crate::db::{self, Exec, ReadRow, WriteTx};
use crate::error::StoreError;
use crate::{
    ClaimId, CustodyId, DecisionId, DetentionId, EventId, FactRef, NewDetention, NewPerson,
    PersonId, SourceId, Store, TransferId, encode,
};

/// The settings key of the moment statuses are derived at.
pub(crate) const STATUS_AS_OF: &str = "status_as_of";

/// The moment statuses are derived at: the `status_as_of` setting (the demo register is seen as
/// of 12 June 2019), or now in UTC.
pub(crate) async fn status_now(
    connection: impl Into<Exec<'_>>,
    store: &Store,
) -> Result<PrimitiveDateTime, StoreError> {
    let mut connection = connection.into();
    let row = db::query("SELECT value FROM settings WHERE key = ?")
        .bind(STATUS_AS_OF)
        .fetch_optional(connection.reborrow())
        .await?;
    match row {
        Some(row) => encode::parse_date_time(&row.try_get::<String, _>("value")?),
        None => {
            let now = store.clock.now();
            Ok(PrimitiveDateTime::new(now.date(), now.time()))
        }
    }
}

pub(crate) fn roles_column(roles: &[PersonRole]) -> String {
    let mut column = String::from(",");
    for role in roles {
        column.push_str(role.as_str());
        column.push(',');
    }
    column
}

pub(crate) fn roles_from_column(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The search keys of a name and its aliases: every word as written (lowercased) and the
/// folded keys of `kuzet_names`, so that `Жанар Қасымова` is found by `kasymova` and by
/// `қасым`, and two spellings of one name share keys.
pub(crate) fn search_keys(names: &[&str]) -> String {
    let mut keys: Vec<String> = Vec::new();
    let mut add = |key: String| {
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    };
    for name in names {
        for word in name.split_whitespace() {
            add(word.to_lowercase());
        }
        for key in kuzet_names::search_keys(name) {
            add(key);
        }
    }
    keys.join(" ")
}

/// The search keys of one word typed into the search box: as written and folded.
pub(crate) fn word_search_keys(word: &str) -> Vec<String> {
    let mut keys = vec![word.to_lowercase()];
    for key in kuzet_names::search_keys(word) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

pub(crate) fn person_json(new: &NewPerson, is_draft: bool, version: i64) -> serde_json::Value {
    let person = &new.person;
    serde_json::json!({
        "name": person.name.as_str(),
        "aliases": new.aliases.iter().map(|alias| alias.as_str()).collect::<Vec<_>>(),
        "birth_year": person.birth.map(BirthDate::year),
        "birth_date": person.birth.and_then(BirthDate::full).map(encode::date),
        "city": person.city.as_ref().map(City::as_str),
        "roles": person.roles.iter().map(|role| role.as_str()).collect::<Vec<_>>(),
        "contact": person.contact,
        "address": person.address,
        "consent": person.consent.as_str(),
        "publication_approved": person.publication_approved,
        "notes": person.notes,
        "is_draft": is_draft,
        "version": version,
    })
}

pub(crate) fn detention_json(person_id: PersonId, new: &NewDetention) -> serde_json::Value {
    let detention = &new.detention;
    serde_json::json!({
        "person_id": person_id.0,
        "event_id": new.event_id.map(|id| id.0),
        "detained_at": encode::date_time(detention.detained_at),
        "released_at": detention.released_at().map(encode::date_time),
        "detained_by": detention.detained_by,
        "police_station": detention.police_station,
        "treatment": detention.treatment.to_string(),
        "injuries": detention.injuries,
    })
}

pub(crate) fn decision_json(detention_id: DetentionId, decision: &Decision) -> serde_json::Value {
    serde_json::json!({
        "detention_id": detention_id.0,
        "authority": decision.authority,
        "decided_on": encode::date(decision.decided_on),
        "hearing_minutes": decision.hearing_minutes,
        "lawyer_present": decision.lawyer_present,
        "article": decision.article.map(|article| article.to_string()),
        "outcome": decision.outcome.to_string(),
    })
}

pub(crate) fn custody_json(detention: DetentionId, custody: &Custody) -> serde_json::Value {
    serde_json::json!({
        "detention_id": detention.0, "place": custody.place, "region": custody.region,
        "from": encode::date(custody.from), "until": custody.until.map(encode::date),
    })
}

pub(crate) fn transfer_json(detention: DetentionId, transfer: &Transfer) -> serde_json::Value {
    serde_json::json!({
        "detention_id": detention.0, "from_place": transfer.from_place, "to_place": transfer.to_place,
        "departed_at": transfer.departed_at.map(encode::date_time), "distance_km": transfer.distance_km,
        "hours_in_transport": transfer.hours_in_transport, "relatives_told_on": transfer.relatives_told_on.map(encode::date),
    })
}

pub(crate) fn source_json(fact: FactRef, source: &Source) -> serde_json::Value {
    serde_json::json!({
        "fact": fact.kind(), "fact_id": fact.id(), "kind": source.kind.as_str(),
        "reference": source.reference(), "anonymous": source.anonymous,
    })
}

pub(crate) fn article_code(code: Code) -> &'static str {
    match code {
        Code::Administrative => "administrative",
        Code::Criminal => "criminal",
    }
}

pub(crate) fn detention_from_row(row: &impl ReadRow) -> Result<Detention, StoreError> {
    let mut detention = Detention::new(encode::parse_date_time(
        &row.try_get::<String, _>("detained_at")?,
    )?);
    let released: Option<String> = row.try_get("released_at")?;
    detention
        .set_released_at(
            released
                .as_deref()
                .map(encode::parse_date_time)
                .transpose()?,
        )
        .map_err(|error| StoreError::corrupt(error.to_string()))?;
    detention.detained_by = row.try_get("detained_by")?;
    detention.police_station = row.try_get("police_station")?;
    detention.treatment = TreatmentSet::from_bits(row.try_get::<i64, _>("treatment_bits")? as u16);
    detention.injuries = row.try_get("injuries")?;
    Ok(detention)
}

pub(crate) fn decision_from_row(row: &impl ReadRow) -> Result<Decision, StoreError> {
    let code: Option<String> = row.try_get("article_code")?;
    let number: Option<i64> = row.try_get("article_number")?;
    let article = match (code.as_deref(), number) {
        (Some("administrative"), Some(number)) => Some(Article {
            code: Code::Administrative,
            number: number as u16,
        }),
        (Some("criminal"), Some(number)) => Some(Article {
            code: Code::Criminal,
            number: number as u16,
        }),
        _ => None,
    };
    let kind: String = row.try_get("outcome_kind")?;
    let amount: Option<i64> = row.try_get("outcome_amount")?;
    let appeal: Option<String> = row.try_get("appeal_result")?;
    let outcome = Outcome::from_parts(&kind, amount.map(|a| a as u32), appeal.as_deref())
        .map_err(|error| StoreError::corrupt(error.to_string()))?;
    Ok(Decision {
        authority: row.try_get("authority")?,
        decided_on: encode::parse_date(&row.try_get::<String, _>("decided_on")?)?,
        hearing_minutes: row
            .try_get::<Option<i64>, _>("hearing_minutes")?
            .map(|m| m as u16),
        lawyer_present: row
            .try_get::<Option<i64>, _>("lawyer_present")?
            .map(|v| v != 0),
        article,
        outcome,
    })
}

pub(crate) fn transfer_from_row(row: &impl ReadRow) -> Result<Transfer, StoreError> {
    let departed: Option<String> = row.try_get("departed_at")?;
    let told: Option<String> = row.try_get("relatives_told_on")?;
    Ok(Transfer {
        from_place: row.try_get("from_place")?,
        to_place: row.try_get("to_place")?,
        departed_at: departed
            .as_deref()
            .map(encode::parse_date_time)
            .transpose()?,
        distance_km: row
            .try_get::<Option<i64>, _>("distance_km")?
            .map(|d| d as u32),
        hours_in_transport: row.try_get("hours_in_transport")?,
        relatives_told_on: told.as_deref().map(encode::parse_date).transpose()?,
    })
}

pub(crate) fn custody_from_row(row: &impl ReadRow) -> Result<Custody, StoreError> {
    let until: Option<String> = row.try_get("until_date")?;
    Ok(Custody {
        place: row.try_get("place")?,
        region: row.try_get("region")?,
        from: encode::parse_date(&row.try_get::<String, _>("from_date")?)?,
        until: until.as_deref().map(encode::parse_date).transpose()?,
    })
}

pub(crate) const DETENTION_COLUMNS: &str = "id, person_id, event_id, detained_at, released_at, detained_by, police_station, treatment_bits, injuries";
pub(crate) const DECISION_COLUMNS: &str = "id, detention_id, authority, decided_on, hearing_minutes, lawyer_present, \
     article_code, article_number, outcome_kind, outcome_amount, appeal_result";
pub(crate) const TRANSFER_COLUMNS: &str = "id, detention_id, from_place, to_place, departed_at, distance_km, hours_in_transport, relatives_told_on";
pub(crate) const CUSTODY_COLUMNS: &str = "id, detention_id, place, region, from_date, until_date";

/// Who recorded a person, whether it is a draft, and whether it is published: what `can`
/// needs to know about a person and every fact of theirs.
pub(crate) struct PersonAccess {
    pub(crate) created_by: Option<i64>,
    pub(crate) is_draft: bool,
    pub(crate) publishable: bool,
    pub(crate) version: i64,
}

impl PersonAccess {
    pub(crate) fn resource(&self, kind: ResourceKind) -> Resource {
        Resource::of(kind)
            .owned_by(self.created_by.map(kuzet_register::UserId))
            .draft(self.is_draft)
            .published(self.publishable)
    }
}

pub(crate) fn publishable(consent: &str, approved: bool) -> bool {
    match consent {
        "given" => true,
        "refused" => false,
        _ => approved,
    }
}

pub(crate) async fn person_access(
    connection: impl Into<Exec<'_>>,
    person: PersonId,
) -> Result<PersonAccess, StoreError> {
    let mut connection = connection.into();
    let row = db::query("SELECT created_by, is_draft, consent, publication_approved, version FROM persons WHERE id = ?")
        .bind(person.0)
        .fetch_optional(connection.reborrow())
        .await?
        .ok_or(StoreError::NotFound)?;
    let consent: String = row.try_get("consent")?;
    Ok(PersonAccess {
        created_by: row.try_get("created_by")?,
        is_draft: row.try_get::<i64, _>("is_draft")? != 0,
        publishable: publishable(
            &consent,
            row.try_get::<i64, _>("publication_approved")? != 0,
        ),
        version: row.try_get("version")?,
    })
}

async fn person_of_detention(
    connection: impl Into<Exec<'_>>,
    detention: DetentionId,
) -> Result<PersonId, StoreError> {
    let mut connection = connection.into();
    let row = db::query("SELECT person_id FROM detentions WHERE id = ?")
        .bind(detention.0)
        .fetch_optional(connection.reborrow())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(PersonId(row.try_get("person_id")?))
}

/// The person a fact belongs to, or `None` for events and claims; `NotFound` when the fact
/// does not exist.
pub(crate) async fn person_of_fact(
    connection: impl Into<Exec<'_>>,
    fact: FactRef,
) -> Result<Option<PersonId>, StoreError> {
    let mut connection = connection.into();
    let sql = match fact {
        FactRef::Event(_) => "SELECT CAST(NULL AS BIGINT) AS person_id FROM events WHERE id = ?",
        FactRef::Claim(_) => {
            "SELECT CAST(NULL AS BIGINT) AS person_id FROM official_claims WHERE id = ?"
        }
        FactRef::Person(_) => "SELECT id AS person_id FROM persons WHERE id = ?",
        FactRef::Detention(_) => "SELECT person_id FROM detentions WHERE id = ?",
        FactRef::Decision(_) => {
            "SELECT d.person_id FROM decisions x JOIN detentions d ON d.id = x.detention_id WHERE x.id = ?"
        }
        FactRef::Custody(_) => {
            "SELECT d.person_id FROM custody x JOIN detentions d ON d.id = x.detention_id WHERE x.id = ?"
        }
        FactRef::Transfer(_) => {
            "SELECT d.person_id FROM transfers x JOIN detentions d ON d.id = x.detention_id WHERE x.id = ?"
        }
    };
    let row = db::query(sql)
        .bind(fact.id())
        .fetch_optional(connection.reborrow())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row.try_get::<Option<i64>, _>("person_id")?.map(PersonId))
}

/// The inserts, shared by the public methods and the demo loader. They check nothing; callers
/// check permissions first.
impl Change {
    pub(crate) async fn insert_event(&mut self, event: &Event) -> Result<EventId, StoreError> {
        let id: i64 = db::query(
            "INSERT INTO events (title, date, city, place, description, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&event.title)
        .bind(encode::date(event.date))
        .bind(event.city.as_str())
        .bind(&event.place)
        .bind(&event.description)
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        let after = serde_json::json!({
            "title": event.title, "date": encode::date(event.date), "city": event.city.as_str(),
            "place": event.place, "description": event.description,
        });
        self.audit("event", id, None, "create", None, Some(&after))
            .await?;
        Ok(EventId(id))
    }

    pub(crate) async fn insert_claim(
        &mut self,
        event: Option<EventId>,
        claim: &OfficialClaim,
    ) -> Result<ClaimId, StoreError> {
        let id: i64 = db::query(
            "INSERT INTO official_claims (event_id, said_by, said_on, count_qualifier, count_value, subject, source_url,
                created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(event.map(|id| id.0))
        .bind(&claim.said_by)
        .bind(encode::date(claim.said_on))
        .bind(claim.count.qualifier())
        .bind(i64::from(claim.count.value()))
        .bind(&claim.subject)
        .bind(&claim.source_url)
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        let after = serde_json::json!({
            "event_id": event.map(|id| id.0), "said_by": claim.said_by, "said_on": encode::date(claim.said_on),
            "count": claim.count.to_string(), "subject": claim.subject, "source_url": claim.source_url,
        });
        self.audit("claim", id, None, "create", None, Some(&after))
            .await?;
        Ok(ClaimId(id))
    }

    pub(crate) async fn insert_person(
        &mut self,
        new: &NewPerson,
        is_draft: bool,
    ) -> Result<PersonId, StoreError> {
        let person = &new.person;
        let aliases: Vec<&str> = new.aliases.iter().map(|alias| alias.as_str()).collect();
        let mut names = vec![person.name.as_str()];
        names.extend(aliases.iter().copied());
        let keys = search_keys(&names);
        let id = next_person_id(&mut self.tx).await?;
        db::query(
            "INSERT INTO persons (id, name, aliases, search_keys, birth_date, birth_year, city, roles, contact, address, consent,
                publication_approved, notes, is_draft, version, created_by, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        )
        .bind(id)
        .bind(person.name.as_str())
        .bind(serde_json::to_string(&aliases).unwrap_or_else(|_| "[]".into()))
        .bind(&keys)
        .bind(person.birth.and_then(BirthDate::full).map(encode::date))
        .bind(person.birth.map(BirthDate::year))
        .bind(person.city.as_ref().map(City::as_str))
        .bind(roles_column(&person.roles))
        .bind(&person.contact)
        .bind(&person.address)
        .bind(person.consent.as_str())
        .bind(i64::from(person.publication_approved))
        .bind(&person.notes)
        .bind(i64::from(is_draft))
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .bind(&self.at)
        .execute(&mut self.tx)
        .await?;
        // PostgreSQL searches `persons.search_keys` itself (trigram index); SQLite keeps FTS5.
        if let WriteTx::Sqlite(tx) = &mut self.tx {
            sqlx::query("INSERT INTO persons_fts (rowid, search_keys) VALUES (?, ?)")
                .bind(id)
                .bind(&keys)
                .execute(&mut **tx)
                .await?;
        }
        self.audit(
            "person",
            id,
            Some(id),
            "create",
            None,
            Some(&person_json(new, is_draft, 1)),
        )
        .await?;
        Ok(PersonId(id))
    }

    pub(crate) async fn insert_detention(
        &mut self,
        person: PersonId,
        new: &NewDetention,
        now: PrimitiveDateTime,
    ) -> Result<DetentionId, StoreError> {
        let detention = &new.detention;
        let id: i64 = db::query(
            "INSERT INTO detentions (person_id, event_id, detained_at, released_at, hours_held, over_legal_limit, detained_by,
                police_station, treatment_bits, injuries, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(person.0)
        .bind(new.event_id.map(|id| id.0))
        .bind(encode::date_time(detention.detained_at))
        .bind(detention.released_at().map(encode::date_time))
        .bind(detention.hours_held())
        .bind(i64::from(detention.exceeds_legal_limit(now)))
        .bind(&detention.detained_by)
        .bind(&detention.police_station)
        .bind(i64::from(detention.treatment.bits()))
        .bind(&detention.injuries)
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        self.audit(
            "detention",
            id,
            Some(person.0),
            "create",
            None,
            Some(&detention_json(person, new)),
        )
        .await?;
        Ok(DetentionId(id))
    }

    pub(crate) async fn insert_decision(
        &mut self,
        person: PersonId,
        detention: DetentionId,
        decision: &Decision,
    ) -> Result<DecisionId, StoreError> {
        let id: i64 = db::query(
            "INSERT INTO decisions (detention_id, authority, decided_on, hearing_minutes, lawyer_present, article_code,
                article_number, outcome_kind, outcome_amount, appeal_result, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(detention.0)
        .bind(&decision.authority)
        .bind(encode::date(decision.decided_on))
        .bind(decision.hearing_minutes.map(i64::from))
        .bind(decision.lawyer_present.map(i64::from))
        .bind(decision.article.map(|article| article_code(article.code)))
        .bind(decision.article.map(|article| i64::from(article.number)))
        .bind(decision.outcome.kind())
        .bind(decision.outcome.amount().map(i64::from))
        .bind(decision.outcome.appeal_result())
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        self.audit(
            "decision",
            id,
            Some(person.0),
            "create",
            None,
            Some(&decision_json(detention, decision)),
        )
        .await?;
        Ok(DecisionId(id))
    }

    pub(crate) async fn insert_custody(
        &mut self,
        person: PersonId,
        detention: DetentionId,
        custody: &Custody,
    ) -> Result<CustodyId, StoreError> {
        let id: i64 = db::query(
            "INSERT INTO custody (detention_id, place, region, from_date, until_date, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(detention.0)
        .bind(&custody.place)
        .bind(&custody.region)
        .bind(encode::date(custody.from))
        .bind(custody.until.map(encode::date))
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        let after = custody_json(detention, custody);
        self.audit("custody", id, Some(person.0), "create", None, Some(&after))
            .await?;
        Ok(CustodyId(id))
    }

    pub(crate) async fn insert_transfer(
        &mut self,
        person: PersonId,
        detention: DetentionId,
        transfer: &Transfer,
    ) -> Result<TransferId, StoreError> {
        let id: i64 = db::query(
            "INSERT INTO transfers (detention_id, from_place, to_place, departed_at, distance_km, hours_in_transport,
                relatives_told_on, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(detention.0)
        .bind(&transfer.from_place)
        .bind(&transfer.to_place)
        .bind(transfer.departed_at.map(encode::date_time))
        .bind(transfer.distance_km.map(i64::from))
        .bind(transfer.hours_in_transport)
        .bind(transfer.relatives_told_on.map(encode::date))
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        let after = transfer_json(detention, transfer);
        self.audit("transfer", id, Some(person.0), "create", None, Some(&after))
            .await?;
        Ok(TransferId(id))
    }

    pub(crate) async fn insert_source(
        &mut self,
        fact: FactRef,
        person: Option<PersonId>,
        source: &Source,
    ) -> Result<SourceId, StoreError> {
        let id: i64 = db::query(
            "INSERT INTO sources (fact_kind, fact_id, person_id, kind, reference, anonymous, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(fact.kind())
        .bind(fact.id())
        .bind(person.map(|id| id.0))
        .bind(source.kind.as_str())
        .bind(source.reference())
        .bind(i64::from(source.anonymous))
        .bind(self.actor.user_id.map(|id| id.0))
        .bind(&self.at)
        .fetch_one(&mut self.tx)
        .await?
        .try_get("id")?;
        let after = source_json(fact, source);
        self.audit(
            "source",
            id,
            person.map(|id| id.0),
            "create",
            None,
            Some(&after),
        )
        .await?;
        Ok(SourceId(id))
    }

    /// Recomputes a person's derived status and latest facts from their latest detention.
    pub(crate) async fn refresh_person(
        &mut self,
        person: PersonId,
        now: PrimitiveDateTime,
    ) -> Result<(), StoreError> {
        let latest = db::query(format!(
            "SELECT {DETENTION_COLUMNS} FROM detentions WHERE person_id = ? ORDER BY detained_at DESC, id DESC LIMIT 1"
        ))
        .bind(person.0)
        .fetch_optional(&mut self.tx)
        .await?;
        let Some(latest) = latest else {
            db::query(
                "UPDATE persons SET status = 'unknown', status_until = NULL, status_place = NULL, latest_outcome = NULL,
                    latest_outcome_text = NULL, latest_detention_id = NULL, latest_detained_at = NULL, latest_event_id = NULL,
                    latest_police_station = NULL, latest_hours_held = NULL WHERE id = ?",
            )
            .bind(person.0)
            .execute(&mut self.tx)
            .await?;
            return Ok(());
        };
        let detention_id: i64 = latest.try_get("id")?;
        let event_id: Option<i64> = latest.try_get("event_id")?;
        let detention = detention_from_row(&latest)?;
        let summary =
            detention_summary(&mut self.tx, DetentionId(detention_id), &detention, now).await?;
        self.set_summary(
            person,
            DetentionId(detention_id),
            event_id.map(EventId),
            &detention,
            &summary,
        )
        .await
    }

    /// Stores what the person's latest detention says now.
    pub(crate) async fn set_summary(
        &mut self,
        person: PersonId,
        detention_id: DetentionId,
        event_id: Option<EventId>,
        detention: &Detention,
        summary: &DetentionSummary,
    ) -> Result<(), StoreError> {
        db::query(
            "UPDATE persons SET status = ?, status_until = ?, status_place = ?, latest_outcome = ?, latest_outcome_text = ?,
                latest_detention_id = ?, latest_detained_at = ?, latest_event_id = ?, latest_police_station = ?,
                latest_hours_held = ? WHERE id = ?",
        )
        .bind(summary.status.as_str())
        .bind(summary.until.map(encode::date))
        .bind(&summary.place)
        .bind(summary.latest_outcome.map(Outcome::kind))
        .bind(summary.latest_outcome.map(|outcome| outcome.to_string()))
        .bind(detention_id.0)
        .bind(encode::date_time(detention.detained_at))
        .bind(event_id.map(|id| id.0))
        .bind(&detention.police_station)
        .bind(detention.hours_held())
        .bind(person.0)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }
}

/// What one detention's facts say now.
pub(crate) struct DetentionSummary {
    pub(crate) status: DetentionStatus,
    pub(crate) until: Option<time::Date>,
    pub(crate) place: Option<String>,
    pub(crate) latest_outcome: Option<Outcome>,
}

pub(crate) async fn detention_summary(
    connection: impl Into<Exec<'_>>,
    detention_id: DetentionId,
    detention: &Detention,
    now: PrimitiveDateTime,
) -> Result<DetentionSummary, StoreError> {
    let mut connection = connection.into();
    let decision_rows = db::query(format!(
        "SELECT {DECISION_COLUMNS} FROM decisions WHERE detention_id = ? ORDER BY decided_on, id"
    ))
    .bind(detention_id.0)
    .fetch_all(connection.reborrow())
    .await?;
    let decisions = decision_rows
        .iter()
        .map(decision_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let transfer_rows = db::query(format!(
        "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE detention_id = ? ORDER BY departed_at NULLS FIRST, id"
    ))
    .bind(detention_id.0)
    .fetch_all(connection.reborrow())
    .await?;
    let transfers = transfer_rows
        .iter()
        .map(transfer_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let custody_place: Option<String> = db::query(
        "SELECT place FROM custody WHERE detention_id = ? ORDER BY from_date DESC, id DESC LIMIT 1",
    )
    .bind(detention_id.0)
    .fetch_optional(connection.reborrow())
    .await?
    .map(|row| row.try_get("place"))
    .transpose()?;
    Ok(summarize(
        detention,
        &decisions,
        &transfers,
        custody_place,
        now,
    ))
}

/// What one detention's facts say at `now`. `decisions` are in the order recorded.
pub(crate) fn summarize(
    detention: &Detention,
    decisions: &[Decision],
    transfers: &[Transfer],
    custody_place: Option<String>,
    now: PrimitiveDateTime,
) -> DetentionSummary {
    let status = derive_status(detention, decisions, transfers, now);
    let (until, place) = match &status {
        DetentionStatus::ServingArrest { until, place } => {
            (Some(*until), place.clone().or(custody_place))
        }
        _ => (None, custody_place),
    };
    // The latest decision in time; among decisions of one day, the one recorded last.
    let latest_outcome = decisions
        .iter()
        .enumerate()
        .max_by_key(|(index, decision)| (decision.decided_on, *index))
        .map(|(_, d)| d.outcome);
    DetentionSummary {
        status,
        until,
        place,
        latest_outcome,
    }
}

fn consent_unchanged_unless_allowed(
    actor: &Actor,
    new: &NewPerson,
    current_approved: bool,
) -> NewPerson {
    let mut new = new.clone();
    if !can(actor, Action::Publish, &Resource::of(ResourceKind::Person)) {
        new.person.publication_approved = current_approved;
    }
    new
}

impl Store {
    fn require(actor: &Actor, action: Action, resource: &Resource) -> Result<(), StoreError> {
        if can(actor, action, resource) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    pub(crate) fn require_role(
        actor: &Actor,
        action: Action,
        resource: &Resource,
    ) -> Result<(), StoreError> {
        Store::require(actor, action, resource)
    }

    pub async fn add_event(&self, actor: &Actor, event: &Event) -> Result<EventId, StoreError> {
        Store::require(actor, Action::Create, &Resource::of(ResourceKind::Event))?;
        let mut change = Change::begin(self, *actor).await?;
        let id = change.insert_event(event).await?;
        change.commit().await?;
        Ok(id)
    }

    /// Records what an official said, about one event or (`None`) the whole country.
    pub async fn add_official_claim(
        &self,
        actor: &Actor,
        event: Option<EventId>,
        claim: &OfficialClaim,
    ) -> Result<ClaimId, StoreError> {
        Store::require(actor, Action::Create, &Resource::of(ResourceKind::Event))?;
        let mut change = Change::begin(self, *actor).await?;
        if let Some(event) = event {
            db::query("SELECT id FROM events WHERE id = ?")
                .bind(event.0)
                .fetch_optional(&mut change.tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        }
        let id = change.insert_claim(event, claim).await?;
        change.commit().await?;
        Ok(id)
    }

    /// Adds a person. A volunteer's record is a draft until a coordinator edits it; only those
    /// who may publish can set `publication_approved`.
    pub async fn add_person(&self, actor: &Actor, new: &NewPerson) -> Result<PersonId, StoreError> {
        Store::require(actor, Action::Create, &Resource::of(ResourceKind::Person))?;
        let new = consent_unchanged_unless_allowed(actor, new, false);
        let is_draft = actor.role == kuzet_register::Role::Volunteer;
        let mut change = Change::begin(self, *actor).await?;
        let id = change.insert_person(&new, is_draft).await?;
        change.commit().await?;
        Ok(id)
    }

    /// Replaces a person's own fields if the record is still at `expected_version`; otherwise
    /// `Conflict` with the version it is at. An edit by a coordinator or admin also marks the
    /// record checked (no longer a draft).
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: PersonId,
        expected_version: i64,
        new: &NewPerson,
    ) -> Result<i64, StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let access = person_access(&mut change.tx, id).await?;
        Store::require(actor, Action::Edit, &access.resource(ResourceKind::Person))?;
        if access.version != expected_version {
            return Err(StoreError::Conflict {
                current_version: access.version,
            });
        }
        let before = self.person_json_in(&mut change.tx, id).await?;
        let current_approved = before
            .get("publication_approved")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let new = consent_unchanged_unless_allowed(actor, new, current_approved);
        let is_draft = access.is_draft && actor.role == kuzet_register::Role::Volunteer;
        let person = &new.person;
        let aliases: Vec<&str> = new.aliases.iter().map(|alias| alias.as_str()).collect();
        let mut names = vec![person.name.as_str()];
        names.extend(aliases.iter().copied());
        let keys = search_keys(&names);
        let version = expected_version + 1;
        let updated = db::query(
            "UPDATE persons SET name = ?, aliases = ?, search_keys = ?, birth_date = ?, birth_year = ?, city = ?, roles = ?,
                contact = ?, address = ?, consent = ?, publication_approved = ?, notes = ?, is_draft = ?, version = ?,
                updated_at = ?
             WHERE id = ? AND version = ?",
        )
        .bind(person.name.as_str())
        .bind(serde_json::to_string(&aliases).unwrap_or_else(|_| "[]".into()))
        .bind(&keys)
        .bind(person.birth.and_then(BirthDate::full).map(encode::date))
        .bind(person.birth.map(BirthDate::year))
        .bind(person.city.as_ref().map(City::as_str))
        .bind(roles_column(&person.roles))
        .bind(&person.contact)
        .bind(&person.address)
        .bind(person.consent.as_str())
        .bind(i64::from(person.publication_approved))
        .bind(&person.notes)
        .bind(i64::from(is_draft))
        .bind(version)
        .bind(&change.at)
        .bind(id.0)
        .bind(expected_version)
        .execute(&mut change.tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                current_version: access.version,
            });
        }
        if let WriteTx::Sqlite(tx) = &mut change.tx {
            sqlx::query("UPDATE persons_fts SET search_keys = ? WHERE rowid = ?")
                .bind(&keys)
                .bind(id.0)
                .execute(&mut **tx)
                .await?;
        }
        change
            .audit(
                "person",
                id.0,
                Some(id.0),
                "update",
                Some(&before),
                Some(&person_json(&new, is_draft, version)),
            )
            .await?;
        change.commit().await?;
        Ok(version)
    }

    /// Approves or withdraws publication. A person who refused consent is never published,
    /// whatever the approval says.
    pub async fn set_publication(
        &self,
        actor: &Actor,
        id: PersonId,
        approved: bool,
    ) -> Result<i64, StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let access = person_access(&mut change.tx, id).await?;
        Store::require(
            actor,
            Action::Publish,
            &access.resource(ResourceKind::Person),
        )?;
        let before = self.person_json_in(&mut change.tx, id).await?;
        let version = access.version + 1;
        db::query(
            "UPDATE persons SET publication_approved = ?, version = ?, updated_at = ? WHERE id = ?",
        )
        .bind(i64::from(approved))
        .bind(version)
        .bind(&change.at)
        .bind(id.0)
        .execute(&mut change.tx)
        .await?;
        let after = self.person_json_in(&mut change.tx, id).await?;
        change
            .audit(
                "person",
                id.0,
                Some(id.0),
                if approved {
                    "approve_publication"
                } else {
                    "withdraw_publication"
                },
                Some(&before),
                Some(&after),
            )
            .await?;
        change.commit().await?;
        Ok(version)
    }

    /// Deletes a person and every fact of theirs; each deleted row gets its audit record.
    /// Volunteers may delete only their own drafts.
    pub async fn delete_person(
        &self,
        actor: &Actor,
        id: PersonId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let access = person_access(&mut change.tx, id).await?;
        Store::require(
            actor,
            Action::Delete,
            &access.resource(ResourceKind::Person),
        )?;
        if access.version != expected_version {
            return Err(StoreError::Conflict {
                current_version: access.version,
            });
        }
        let before = self.person_json_in(&mut change.tx, id).await?;
        for (entity, sql) in [
            (
                "source",
                "SELECT id, fact_kind || ':' || fact_id || ':' || kind AS what FROM sources WHERE person_id = ?",
            ),
            (
                "transfer",
                "SELECT t.id, t.to_place AS what FROM transfers t JOIN detentions d ON d.id = t.detention_id WHERE d.person_id = ?",
            ),
            (
                "custody",
                "SELECT c.id, c.place AS what FROM custody c JOIN detentions d ON d.id = c.detention_id WHERE d.person_id = ?",
            ),
            (
                "decision",
                "SELECT x.id, x.outcome_kind AS what FROM decisions x JOIN detentions d ON d.id = x.detention_id WHERE d.person_id = ?",
            ),
            (
                "detention",
                "SELECT id, detained_at AS what FROM detentions WHERE person_id = ?",
            ),
        ] {
            let rows = db::query(sql).bind(id.0).fetch_all(&mut change.tx).await?;
            for row in rows {
                let fact_id: i64 = row.try_get("id")?;
                let what: String = row.try_get("what")?;
                change
                    .audit(
                        entity,
                        fact_id,
                        Some(id.0),
                        "delete",
                        Some(&serde_json::json!({ "summary": what })),
                        None,
                    )
                    .await?;
            }
        }
        db::query(
            "DELETE FROM sources WHERE person_id = ? OR (fact_kind = 'person' AND fact_id = ?)",
        )
        .bind(id.0)
        .bind(id.0)
        .execute(&mut change.tx)
        .await?;
        if let WriteTx::Sqlite(tx) = &mut change.tx {
            sqlx::query("DELETE FROM persons_fts WHERE rowid = ?")
                .bind(id.0)
                .execute(&mut **tx)
                .await?;
        }
        db::query("DELETE FROM persons WHERE id = ?")
            .bind(id.0)
            .execute(&mut change.tx)
            .await?;
        retire_person_id(&mut change.tx, id).await?;
        change
            .audit("person", id.0, Some(id.0), "delete", Some(&before), None)
            .await?;
        change.commit().await
    }

    /// The person's own fields as the audit log records them.
    pub(crate) async fn person_json_in(
        &self,
        connection: impl Into<Exec<'_>>,
        id: PersonId,
    ) -> Result<serde_json::Value, StoreError> {
        let mut connection = connection.into();
        let row = db::query(
            "SELECT name, aliases, birth_date, birth_year, city, roles, contact, address, consent, publication_approved, notes,
                is_draft, version FROM persons WHERE id = ?",
        )
        .bind(id.0)
        .fetch_optional(connection.reborrow())
        .await?
        .ok_or(StoreError::NotFound)?;
        let aliases: String = row.try_get("aliases")?;
        let aliases: serde_json::Value =
            serde_json::from_str(&aliases).unwrap_or(serde_json::Value::Array(Vec::new()));
        let roles: String = row.try_get("roles")?;
        Ok(serde_json::json!({
            "name": row.try_get::<String, _>("name")?,
            "aliases": aliases,
            "birth_year": row.try_get::<Option<i64>, _>("birth_year")?,
            "birth_date": row.try_get::<Option<String>, _>("birth_date")?,
            "city": row.try_get::<Option<String>, _>("city")?,
            "roles": roles_from_column(&roles),
            "contact": row.try_get::<String, _>("contact")?,
            "address": row.try_get::<String, _>("address")?,
            "consent": row.try_get::<String, _>("consent")?,
            "publication_approved": row.try_get::<i64, _>("publication_approved")? != 0,
            "notes": row.try_get::<String, _>("notes")?,
            "is_draft": row.try_get::<i64, _>("is_draft")? != 0,
            "version": row.try_get::<i64, _>("version")?,
        }))
    }

    pub async fn add_detention(
        &self,
        actor: &Actor,
        person: PersonId,
        new: &NewDetention,
    ) -> Result<DetentionId, StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let access = person_access(&mut change.tx, person).await?;
        Store::require(
            actor,
            Action::Create,
            &access.resource(ResourceKind::Detention),
        )?;
        if let Some(event) = new.event_id {
            db::query("SELECT id FROM events WHERE id = ?")
                .bind(event.0)
                .fetch_optional(&mut change.tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("event", format!("event {event} does not exist"))
                })?;
        }
        let now = status_now(&mut change.tx, self).await?;
        let id = change.insert_detention(person, new, now).await?;
        change.refresh_person(person, now).await?;
        change.commit().await?;
        Ok(id)
    }

    /// Corrects a detention (e.g. records the release); the person's status follows.
    pub async fn update_detention(
        &self,
        actor: &Actor,
        id: DetentionId,
        new: &NewDetention,
    ) -> Result<(), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let person = person_of_detention(&mut change.tx, id).await?;
        let access = person_access(&mut change.tx, person).await?;
        Store::require(
            actor,
            Action::Edit,
            &access.resource(ResourceKind::Detention),
        )?;
        let row = db::query(format!(
            "SELECT {DETENTION_COLUMNS} FROM detentions WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_one(&mut change.tx)
        .await?;
        let before = NewDetention {
            event_id: row.try_get::<Option<i64>, _>("event_id")?.map(EventId),
            detention: detention_from_row(&row)?,
        };
        if let Some(event) = new.event_id {
            db::query("SELECT id FROM events WHERE id = ?")
                .bind(event.0)
                .fetch_optional(&mut change.tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("event", format!("event {event} does not exist"))
                })?;
        }
        let now = status_now(&mut change.tx, self).await?;
        let detention = &new.detention;
        db::query(
            "UPDATE detentions SET event_id = ?, detained_at = ?, released_at = ?, hours_held = ?, over_legal_limit = ?,
                detained_by = ?, police_station = ?, treatment_bits = ?, injuries = ? WHERE id = ?",
        )
        .bind(new.event_id.map(|id| id.0))
        .bind(encode::date_time(detention.detained_at))
        .bind(detention.released_at().map(encode::date_time))
        .bind(detention.hours_held())
        .bind(i64::from(detention.exceeds_legal_limit(now)))
        .bind(&detention.detained_by)
        .bind(&detention.police_station)
        .bind(i64::from(detention.treatment.bits()))
        .bind(&detention.injuries)
        .bind(id.0)
        .execute(&mut change.tx)
        .await?;
        change
            .audit(
                "detention",
                id.0,
                Some(person.0),
                "update",
                Some(&detention_json(person, &before)),
                Some(&detention_json(person, new)),
            )
            .await?;
        change.refresh_person(person, now).await?;
        change.commit().await
    }

    /// Opens a change that adds a fact of `kind` to a detention, once the actor may create it
    /// for that detention's person.
    async fn begin_detention_fact(
        &self,
        actor: &Actor,
        detention: DetentionId,
        kind: ResourceKind,
    ) -> Result<(Change, PersonId), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let person = person_of_detention(&mut change.tx, detention).await?;
        let access = person_access(&mut change.tx, person).await?;
        Store::require(actor, Action::Create, &access.resource(kind))?;
        Ok((change, person))
    }

    /// Recomputes the person's derived status from the facts as changed, then commits.
    pub(crate) async fn finish_person_change(
        &self,
        mut change: Change,
        person: PersonId,
    ) -> Result<(), StoreError> {
        let now = status_now(&mut change.tx, self).await?;
        change.refresh_person(person, now).await?;
        change.commit().await
    }

    pub async fn add_decision(
        &self,
        actor: &Actor,
        detention: DetentionId,
        decision: &Decision,
    ) -> Result<DecisionId, StoreError> {
        let (mut change, person) = self
            .begin_detention_fact(actor, detention, ResourceKind::Decision)
            .await?;
        let id = change.insert_decision(person, detention, decision).await?;
        self.finish_person_change(change, person).await?;
        Ok(id)
    }

    pub async fn add_custody(
        &self,
        actor: &Actor,
        detention: DetentionId,
        custody: &Custody,
    ) -> Result<CustodyId, StoreError> {
        let (mut change, person) = self
            .begin_detention_fact(actor, detention, ResourceKind::Custody)
            .await?;
        let id = change.insert_custody(person, detention, custody).await?;
        self.finish_person_change(change, person).await?;
        Ok(id)
    }

    pub async fn add_transfer(
        &self,
        actor: &Actor,
        detention: DetentionId,
        transfer: &Transfer,
    ) -> Result<TransferId, StoreError> {
        let (mut change, person) = self
            .begin_detention_fact(actor, detention, ResourceKind::Custody)
            .await?;
        let id = change.insert_transfer(person, detention, transfer).await?;
        self.finish_person_change(change, person).await?;
        Ok(id)
    }

    /// Attaches a source to a fact.
    pub async fn add_source(
        &self,
        actor: &Actor,
        fact: FactRef,
        source: &Source,
    ) -> Result<SourceId, StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let person = person_of_fact(&mut change.tx, fact).await?;
        let resource = match person {
            Some(person) => person_access(&mut change.tx, person)
                .await?
                .resource(ResourceKind::Source),
            // Sources of events and claims: whoever may create events may source them.
            None => Resource::of(ResourceKind::Event),
        };
        Store::require(actor, Action::Create, &resource)?;
        let id = change.insert_source(fact, person, source).await?;
        change.commit().await?;
        Ok(id)
    }
}

/// Parses stored claim parts back into the domain value.
pub(crate) fn claimed_count(qualifier: &str, value: i64) -> Result<ClaimedCount, StoreError> {
    ClaimedCount::from_parts(qualifier, value as u32)
        .map_err(|error| StoreError::corrupt(error.to_string()))
}

/// Whether a stored consent parses; used to reject hand-edited rows early.
pub(crate) fn consent(raw: &str) -> Result<Consent, StoreError> {
    Consent::parse(raw).map_err(|error| StoreError::corrupt(error.to_string()))
}

/// The id for a new person: above every live person and every retired id (merged away or
/// deleted), so that an id names one person for good. SQLite's own choice, max(id) + 1,
/// would hand out the id of a removed highest-numbered person again, blocking the undo of
/// its merge or attaching its audit history and decisions to a stranger.
pub(crate) async fn next_person_id(connection: impl Into<Exec<'_>>) -> Result<i64, StoreError> {
    let mut connection = connection.into();
    // Two columns rather than SQL's two-argument MAX, which PostgreSQL spells GREATEST.
    let row = db::query(
        "SELECT COALESCE((SELECT MAX(id) FROM persons), 0) AS live,
                COALESCE((SELECT MAX(id) FROM retired_person_ids), 0) AS retired",
    )
    .fetch_one(connection.reborrow())
    .await?;
    let live: i64 = row.try_get("live")?;
    let retired: i64 = row.try_get("retired")?;
    Ok(live.max(retired) + 1)
}

/// Records that `id` no longer names a live person and must not be given to a new one.
pub(crate) async fn retire_person_id(
    connection: impl Into<Exec<'_>>,
    id: PersonId,
) -> Result<(), StoreError> {
    let mut connection = connection.into();
    db::query("INSERT INTO retired_person_ids (id) VALUES (?) ON CONFLICT DO NOTHING")
        .bind(id.0)
        .execute(connection.reborrow())
        .await?;
    Ok(())
}
