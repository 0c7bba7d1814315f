//! Importing many records at once, all or nothing: one transaction for the whole batch, so a
//! failure anywhere leaves the register as it was. Each stored row still gets its own audit
//! record. The demo loader goes through the same path.

use std::collections::HashSet;

use kuzet_register::{
    Action, Actor, BirthDate, Custody, Decision, Resource, ResourceKind, Source, Transfer, can,
};
use serde::Serialize;
use time::PrimitiveDateTime;

use crate::audit::{AuditEntry, Cell, Change, insert_rows, insert_rows_sqlite};
use crate::db::{self, WriteTx};
use crate::error::StoreError;
use crate::register::{
    article_code, custody_json, decision_json, detention_json, person_json, roles_column,
    search_keys, source_json, status_now, summarize, transfer_json,
};
use crate::{DetentionId, FactRef, NewDetention, NewPerson, PersonId, Store, encode};
use sqlx::Row;

/// One record of an import: a person and, when known, one detention with what followed.
/// `source` is attached to the detention, or to the person when there is no detention.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    pub person: NewPerson,
    pub detention: Option<NewDetention>,
    /// In the order they were decided or recorded.
    pub decisions: Vec<Decision>,
    pub custody: Option<Custody>,
    pub transfer: Option<Transfer>,
    pub source: Option<Source>,
}

impl ImportRecord {
    pub fn new(person: NewPerson) -> ImportRecord {
        ImportRecord {
            person,
            detention: None,
            decisions: Vec::new(),
            custody: None,
            transfer: None,
            source: None,
        }
    }
}

/// What an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ImportSummary {
    pub persons: usize,
    pub detentions: usize,
    pub decisions: usize,
    pub custody: usize,
    pub transfers: usize,
    pub sources: usize,
}

impl Store {
    /// Stores every record or none (needs `Import`), with one audit record per person. Records
    /// are stored as checked (not
    /// drafts). `progress` is called with the number of records stored so far, every thousand
    /// records and at the end, for a progress bar. A record whose facts need an item
    /// without a detention (decisions, custody, transfer) or names an unknown event is refused
    /// as `Invalid` with its 1-based number, and nothing is stored.
    pub async fn import_records(
        &self,
        actor: &Actor,
        records: &[ImportRecord],
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<ImportSummary, StoreError> {
        if !can(actor, Action::Import, &Resource::of(ResourceKind::Register)) {
            return Err(StoreError::Forbidden);
        }
        let mut change = Change::begin(self, *actor).await?;
        let known_events: HashSet<i64> = db::query("SELECT id FROM events")
            .fetch_all(&mut change.tx)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        for (index, record) in records.iter().enumerate() {
            let number = index + 1;
            match &record.detention {
                None if !record.decisions.is_empty()
                    || record.custody.is_some()
                    || record.transfer.is_some() =>
                {
                    return Err(StoreError::invalid(
                        "detention",
                        format!(
                            "record {number} has decisions, custody or a transfer but no detention"
                        ),
                    ));
                }
                Some(NewDetention {
                    event_id: Some(event),
                    ..
                }) if !known_events.contains(&event.0) => {
                    return Err(StoreError::invalid(
                        "event",
                        format!("record {number} names event {event}, which does not exist"),
                    ));
                }
                _ => {}
            }
        }
        let now = status_now(&mut change.tx, self).await?;
        let summary = change.import_bulk(records, now, &mut progress).await?;
        change.commit().await?;
        self.optimize_after_bulk().await?;
        Ok(summary)
    }
}

/// Records stored per round of multi-row statements: large enough that statement overhead
/// vanishes, small enough to report progress often.
const RECORDS_PER_ROUND: usize = 1_000;

/// Rows and audit records of one round, table by table.
#[derive(Default)]
struct Round {
    persons: Vec<Vec<Cell>>,
    search: Vec<Vec<Cell>>,
    detentions: Vec<Vec<Cell>>,
    decisions: Vec<Vec<Cell>>,
    custody: Vec<Vec<Cell>>,
    transfers: Vec<Vec<Cell>>,
    sources: Vec<Vec<Cell>>,
    audit: Vec<AuditEntry>,
}

/// The next free id of each table; the single writer assigns ids itself so that rows of many
/// records go into one statement and still reference each other.
struct NextIds {
    person: i64,
    detention: i64,
    decision: i64,
    custody: i64,
    transfer: i64,
    source: i64,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(Some(value.into()))
}

/// A fact's JSON with the id it was stored under.
fn with_id(id: i64, mut value: serde_json::Value) -> serde_json::Value {
    if let Some(object) = value.as_object_mut() {
        object.insert("id".to_owned(), serde_json::Value::from(id));
    }
    value
}

impl Store {
    /// After a large batch on SQLite: let it refresh its statistics so that the planner picks
    /// the right index for filtered lists. PostgreSQL's autovacuum analyzes by itself.
    pub(crate) async fn optimize_after_bulk(&self) -> Result<(), StoreError> {
        if !self.is_postgres() {
            sqlx::query("PRAGMA optimize")
                .execute(self.sqlite_write("optimize_after_bulk")?)
                .await?;
        }
        Ok(())
    }
}

/// SQLite's trigger that adds each new person's words to the search vocabulary
/// (`search_words`, migration 0015).
const VOCABULARY_TRIGGER: &str = "search_words_insert";

/// The register's tables an import writes rows of, with ids it assigns itself; it also writes
/// `audit_log`.
const RECORD_TABLES: &[&str] = &[
    "persons",
    "detentions",
    "decisions",
    "custody",
    "transfers",
    "sources",
];

/// SQLite's per-row work set aside for the length of an import's transaction, and the
/// statements that bring it back (read from the schema itself, so they are the migrations'
/// own). A failed import rolls the drops back with everything else, and no other connection
/// sees them.
///
/// The vocabulary's per-row trigger took a sixth of a 100,000-row import; it is replaced by
/// one statement at the end ([`add_vocabulary_since`]). When the import at least doubles the
/// register (a first import, the demo), the secondary indexes of the tables it writes are
/// also dropped and built again at the end: building an index from sorted rows is cheaper
/// than inserting each row into each index, but on a large register rebuilding would cost
/// more than it saves.
struct SetAside {
    trigger: Option<String>,
    indexes: Vec<String>,
}

impl SetAside {
    async fn begin(
        tx: &mut sqlx::SqliteConnection,
        importing: usize,
    ) -> Result<SetAside, StoreError> {
        let trigger: Option<String> =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
                .bind(VOCABULARY_TRIGGER)
                .fetch_optional(&mut *tx)
                .await?;
        if trigger.is_some() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP TRIGGER {VOCABULARY_TRIGGER}"
            )))
            .execute(&mut *tx)
            .await?;
        }
        let persons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons")
            .fetch_one(&mut *tx)
            .await?;
        let mut indexes = Vec::new();
        if importing as i64 >= persons {
            // Indexes without SQL are those of primary keys and UNIQUE constraints: kept.
            let written: Vec<&str> = RECORD_TABLES.iter().copied().chain(["audit_log"]).collect();
            let tables = vec!["?"; written.len()].join(", ");
            let sql = format!(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})
                 ORDER BY name"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for table in written {
                query = query.bind(table);
            }
            for row in query.fetch_all(&mut *tx).await? {
                let name: String = row.try_get("name")?;
                let create: String = row.try_get("sql")?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                    .execute(&mut *tx)
                    .await?;
                indexes.push(create);
            }
        }
        Ok(SetAside { trigger, indexes })
    }

    /// Brings back what was set aside, after the vocabulary has the words of the persons
    /// stored from id `first_person` on.
    async fn end(
        self,
        tx: &mut sqlx::SqliteConnection,
        first_person: i64,
    ) -> Result<(), StoreError> {
        if let Some(trigger) = self.trigger {
            add_vocabulary_since(tx, first_person).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(trigger))
                .execute(&mut *tx)
                .await?;
        }
        for create in self.indexes {
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }
}

/// Adds the words of the persons from id `first` on to the search vocabulary, counted as the
/// per-row trigger would have counted them (once per person having the word).
async fn add_vocabulary_since(
    tx: &mut sqlx::SqliteConnection,
    first: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO search_words (word, head, tail, length, persons)
         SELECT word, substr(word, 1, 2), substr(word, -2), length(word), COUNT(*)
         FROM (SELECT DISTINCT person_id, word FROM person_search_words WHERE person_id >= ?)
         WHERE true
         GROUP BY word
         ON CONFLICT (word) DO UPDATE SET persons = persons + excluded.persons",
    )
    .bind(first)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What every row of an import shares: who stored it, when, and the moment statuses are
/// derived at.
struct Planner {
    user_id: Option<i64>,
    at: String,
    now: PrimitiveDateTime,
}

impl Planner {
    fn plan_record(
        &self,
        record: &ImportRecord,
        ids: &mut NextIds,
        round: &mut Round,
        summary: &mut ImportSummary,
    ) {
        let created_by = Cell::Int(self.user_id);
        let created_by = || match &created_by {
            Cell::Int(value) => Cell::Int(*value),
            _ => Cell::Int(None),
        };
        let person_id = ids.person;
        ids.person += 1;
        summary.persons += 1;
        let person = &record.person.person;
        let aliases: Vec<&str> = record
            .person
            .aliases
            .iter()
            .map(|alias| alias.as_str())
            .collect();
        let mut names = vec![person.name.as_str()];
        names.extend(aliases.iter().copied());
        let keys = search_keys(&names);
        // One audit record per imported person holds the person and every fact imported with
        // them (with the ids they got): a quarter of the records per-row entries would need,
        // and the person page's history shows the import as one change.
        let mut imported = serde_json::Map::new();
        imported.insert("person".to_owned(), person_json(&record.person, false, 1));

        // The person is new, so this detention is their latest and its facts are all in hand.
        let mut latest = (None, None, None, None, None, None, None, None, None);
        if let Some(new_detention) = &record.detention {
            let detention_id = DetentionId(ids.detention);
            ids.detention += 1;
            summary.detentions += 1;
            let detention = &new_detention.detention;
            round.detentions.push(vec![
                Cell::Int(Some(detention_id.0)),
                Cell::Int(Some(person_id)),
                Cell::Int(new_detention.event_id.map(|id| id.0)),
                text(encode::date_time(detention.detained_at)),
                Cell::Text(detention.released_at().map(encode::date_time)),
                Cell::Real(detention.hours_held()),
                Cell::Int(Some(i64::from(detention.exceeds_legal_limit(self.now)))),
                text(detention.detained_by.clone()),
                text(detention.police_station.clone()),
                Cell::Int(Some(i64::from(detention.treatment.bits()))),
                text(detention.injuries.clone()),
                created_by(),
                text(self.at.clone()),
            ]);
            imported.insert(
                "detention".to_owned(),
                with_id(
                    detention_id.0,
                    detention_json(PersonId(person_id), new_detention),
                ),
            );
            let mut decisions = Vec::new();
            for decision in &record.decisions {
                let id = ids.decision;
                ids.decision += 1;
                summary.decisions += 1;
                round.decisions.push(vec![
                    Cell::Int(Some(id)),
                    Cell::Int(Some(detention_id.0)),
                    text(decision.authority.clone()),
                    text(encode::date(decision.decided_on)),
                    Cell::Int(decision.hearing_minutes.map(i64::from)),
                    Cell::Int(decision.lawyer_present.map(i64::from)),
                    Cell::Text(
                        decision
                            .article
                            .map(|article| article_code(article.code).to_owned()),
                    ),
                    Cell::Int(decision.article.map(|article| i64::from(article.number))),
                    text(decision.outcome.kind()),
                    Cell::Int(decision.outcome.amount().map(i64::from)),
                    Cell::Text(decision.outcome.appeal_result().map(str::to_owned)),
                    created_by(),
                    text(self.at.clone()),
                ]);
                decisions.push(with_id(id, decision_json(detention_id, decision)));
            }
            if !decisions.is_empty() {
                imported.insert("decisions".to_owned(), serde_json::Value::Array(decisions));
            }
            if let Some(custody) = &record.custody {
                let id = ids.custody;
                ids.custody += 1;
                summary.custody += 1;
                round.custody.push(vec![
                    Cell::Int(Some(id)),
                    Cell::Int(Some(detention_id.0)),
                    text(custody.place.clone()),
                    text(custody.region.clone()),
                    text(encode::date(custody.from)),
                    Cell::Text(custody.until.map(encode::date)),
                    created_by(),
                    text(self.at.clone()),
                ]);
                imported.insert(
                    "custody".to_owned(),
                    with_id(id, custody_json(detention_id, custody)),
                );
            }
            if let Some(transfer) = &record.transfer {
                let id = ids.transfer;
                ids.transfer += 1;
                summary.transfers += 1;
                round.transfers.push(vec![
                    Cell::Int(Some(id)),
                    Cell::Int(Some(detention_id.0)),
                    text(transfer.from_place.clone()),
                    text(transfer.to_place.clone()),
                    Cell::Text(transfer.departed_at.map(encode::date_time)),
                    Cell::Int(transfer.distance_km.map(i64::from)),
                    Cell::Real(transfer.hours_in_transport),
                    Cell::Text(transfer.relatives_told_on.map(encode::date)),
                    created_by(),
                    text(self.at.clone()),
                ]);
                imported.insert(
                    "transfer".to_owned(),
                    with_id(id, transfer_json(detention_id, transfer)),
                );
            }
            let transfers: Vec<Transfer> = record.transfer.iter().cloned().collect();
            let custody_place = record.custody.as_ref().map(|custody| custody.place.clone());
            let facts = summarize(
                detention,
                &record.decisions,
                &transfers,
                custody_place,
                self.now,
            );
            latest = (
                Some(facts.status.as_str().to_owned()),
                facts.until.map(encode::date),
                facts.place,
                facts
                    .latest_outcome
                    .map(|outcome| outcome.kind().to_owned()),
                facts.latest_outcome.map(|outcome| outcome.to_string()),
                Some(detention_id.0),
                Some(encode::date_time(detention.detained_at)),
                new_detention.event_id.map(|id| id.0),
                Some((detention.police_station.clone(), detention.hours_held())),
            );
        }
        if let Some(source) = &record.source {
            let id = ids.source;
            ids.source += 1;
            summary.sources += 1;
            let fact = match latest.5 {
                Some(detention) => FactRef::Detention(DetentionId(detention)),
                None => FactRef::Person(PersonId(person_id)),
            };
            round.sources.push(vec![
                Cell::Int(Some(id)),
                text(fact.kind()),
                Cell::Int(Some(fact.id())),
                Cell::Int(Some(person_id)),
                text(source.kind.as_str()),
                text(source.reference()),
                Cell::Int(Some(i64::from(source.anonymous))),
                created_by(),
                text(self.at.clone()),
            ]);
            imported.insert("source".to_owned(), with_id(id, source_json(fact, source)));
        }
        let (
            status,
            until,
            place,
            outcome,
            outcome_text,
            detention_id,
            detained_at,
            event_id,
            station_hours,
        ) = latest;
        let (station, hours) = match station_hours {
            Some((station, hours)) => (Some(station), hours),
            None => (None, None),
        };
        round.persons.push(vec![
            Cell::Int(Some(person_id)),
            text(person.name.as_str()),
            text(serde_json::to_string(&aliases).unwrap_or_else(|_| "[]".into())),
            text(keys.clone()),
            Cell::Text(person.birth.and_then(BirthDate::full).map(encode::date)),
            Cell::Int(person.birth.map(|birth| i64::from(birth.year()))),
            Cell::Text(person.city.as_ref().map(|city| city.as_str().to_owned())),
            text(roles_column(&person.roles)),
            text(person.contact.clone()),
            text(person.address.clone()),
            text(person.consent.as_str()),
            Cell::Int(Some(i64::from(person.publication_approved))),
            text(person.notes.clone()),
            Cell::Int(Some(0)),
            Cell::Int(Some(1)),
            created_by(),
            text(self.at.clone()),
            text(self.at.clone()),
            text(status.unwrap_or_else(|| "unknown".to_owned())),
            Cell::Text(until),
            Cell::Text(place),
            Cell::Text(outcome),
            Cell::Text(outcome_text),
            Cell::Int(detention_id),
            Cell::Text(detained_at),
            Cell::Int(event_id),
            Cell::Text(station),
            Cell::Real(hours),
        ]);
        round
            .search
            .push(vec![Cell::Int(Some(person_id)), text(keys)]);
        round.audit.push(AuditEntry {
            entity: "person".to_owned(),
            entity_id: person_id,
            person_id: Some(person_id),
            action: "import".to_owned(),
            before_json: None,
            after_json: Some(serde_json::Value::Object(imported).to_string()),
        });
    }
}

impl Change {
    async fn next_id(&mut self, table: &'static str) -> Result<i64, StoreError> {
        let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM {table}");
        Ok(db::query(sql)
            .fetch_one(&mut self.tx)
            .await?
            .try_get("next")?)
    }

    /// Stores `records` as new, checked persons with their facts, each row with its audit
    /// record, statuses derived at `now`.
    pub(crate) async fn import_bulk(
        &mut self,
        records: &[ImportRecord],
        now: PrimitiveDateTime,
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<ImportSummary, StoreError> {
        let mut ids = NextIds {
            person: crate::register::next_person_id(&mut self.tx).await?,
            detention: self.next_id("detentions").await?,
            decision: self.next_id("decisions").await?,
            custody: self.next_id("custody").await?,
            transfer: self.next_id("transfers").await?,
            source: self.next_id("sources").await?,
        };
        let first_person = ids.person;
        let set_aside = match &mut self.tx {
            WriteTx::Sqlite(tx) => Some(SetAside::begin(tx, records.len()).await?),
            WriteTx::Postgres(_) => None,
        };
        let mut summary = ImportSummary::default();
        let mut done = 0;
        let planner = Planner {
            user_id: self.actor.user_id.map(|id| id.0),
            at: self.at.clone(),
            now,
        };
        let plan = |chunk: &[ImportRecord], ids: &mut NextIds, summary: &mut ImportSummary| {
            let mut round = Round::default();
            for record in chunk {
                planner.plan_record(record, ids, &mut round, summary);
            }
            (chunk.len(), round)
        };
        let mut chunks = records.chunks(RECORDS_PER_ROUND);
        let mut next = chunks
            .next()
            .map(|chunk| plan(chunk, &mut ids, &mut summary));
        while let Some((count, round)) = next.take() {
            let following = chunks.next();
            // The next round is planned while this one is stored: the database (SQLite's
            // worker thread, or the PostgreSQL server) and this thread work at once.
            let (stored, planned) = tokio::join!(self.store_round(round), async {
                following.map(|chunk| plan(chunk, &mut ids, &mut summary))
            });
            stored?;
            next = planned;
            done += count;
            progress(done);
        }
        if let (WriteTx::Sqlite(tx), Some(set_aside)) = (&mut self.tx, set_aside) {
            set_aside.end(tx, first_person).await?;
        }
        // The rows were given ids here, not by PostgreSQL's identity sequences: move each
        // sequence past the highest id, or the next single insert would take a used id.
        if let WriteTx::Postgres(tx) = &mut self.tx {
            for table in RECORD_TABLES {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )))
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(summary)
    }

    async fn store_round(&mut self, round: Round) -> Result<(), StoreError> {
        insert_rows(
            &mut self.tx,
            "persons",
            &[
                "id",
                "name",
                "aliases",
                "search_keys",
                "birth_date",
                "birth_year",
                "city",
                "roles",
                "contact",
                "address",
                "consent",
                "publication_approved",
                "notes",
                "is_draft",
                "version",
                "created_by",
                "created_at",
                "updated_at",
                "status",
                "status_until",
                "status_place",
                "latest_outcome",
                "latest_outcome_text",
                "latest_detention_id",
                "latest_detained_at",
                "latest_event_id",
                "latest_police_station",
                "latest_hours_held",
            ],
            round.persons,
        )
        .await?;
        // PostgreSQL searches `persons.search_keys` itself; only SQLite keeps FTS5 rows.
        if let WriteTx::Sqlite(tx) = &mut self.tx {
            insert_rows_sqlite(tx, "persons_fts", &["rowid", "search_keys"], round.search).await?;
        }
        insert_rows(
            &mut self.tx,
            "detentions",
            &[
                "id",
                "person_id",
                "event_id",
                "detained_at",
                "released_at",
                "hours_held",
                "over_legal_limit",
                "detained_by",
                "police_station",
                "treatment_bits",
                "injuries",
                "created_by",
                "created_at",
            ],
            round.detentions,
        )
        .await?;
        insert_rows(
            &mut self.tx,
            "decisions",
            &[
                "id",
                "detention_id",
                "authority",
                "decided_on",
                "hearing_minutes",
                "lawyer_present",
                "article_code",
                "article_number",
                "outcome_kind",
                "outcome_amount",
                "appeal_result",
                "created_by",
                "created_at",
            ],
            round.decisions,
        )
        .await?;
        insert_rows(
            &mut self.tx,
            "custody",
            &[
                "id",
                "detention_id",
                "place",
                "region",
                "from_date",
                "until_date",
                "created_by",
                "created_at",
            ],
            round.custody,
        )
        .await?;
        insert_rows(
            &mut self.tx,
            "transfers",
            &[
                "id",
                "detention_id",
                "from_place",
                "to_place",
                "departed_at",
                "distance_km",
                "hours_in_transport",
                "relatives_told_on",
                "created_by",
                "created_at",
            ],
            round.transfers,
        )
        .await?;
        insert_rows(
            &mut self.tx,
            "sources",
            &[
                "id",
                "fact_kind",
                "fact_id",
                "person_id",
                "kind",
                "reference",
                "anonymous",
                "created_by",
                "created_at",
            ],
            round.sources,
        )
        .await?;
        self.audit_many(round.audit).await
    }
}
