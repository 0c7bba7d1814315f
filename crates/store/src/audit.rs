//! The hash-chained audit log, and `Change`: the write transaction that every change of stored
//! data goes through, so that no change can be committed without its audit record.
//!
//! Record `n` stores `hash = SHA-256(canonical fields of n ‖ hash of n-1)`. Editing a record
//! breaks its own hash; deleting one leaves a gap in `seq`; moving one changes the `seq` its
//! hash was computed with; cutting records off the end disagrees with `audit_head`. An
//! attacker who can rewrite the whole file can recompute the chain: the chain makes tampering
//! evident against a copy of an earlier head (a backup, a printed `kuzet audit verify`), not
//! impossible.

use kuzet_register::{Action, Actor, Confidentiality, Resource, ResourceKind, Role, UserId, can};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Postgres, Sqlite};

use crate::db::{self, DbRow, WriteTx};
use crate::error::StoreError;
use crate::{Backend, Store, encode};

/// The `prev_hash` of the first record.
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record of the audit log. `before` and `after` are the entity as JSON (`None` when it
/// did not exist before or after the change); restricted fields are removed for actors who may
/// not see them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// UTC, `2026-11-25T09:00:00Z`.
    pub at: String,
    pub actor_user_id: Option<i64>,
    /// The acting user's name at the time of reading, when the user exists.
    pub actor_username: Option<String>,
    pub actor_role: String,
    pub entity: String,
    pub entity_id: i64,
    pub person_id: Option<i64>,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

/// Which audit records to read. Empty filter: all, newest first, at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `person`, `detention`, `decision`, `custody`, `transfer`, `source`, `event`, `claim`, `user`.
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// Everything that concerns one person (the person and their facts).
    pub person_id: Option<i64>,
    pub actor_user_id: Option<UserId>,
    /// At most this many records (default 100, at most 10,000).
    pub limit: Option<u32>,
    /// Only records with `seq` below this, for paging back through the log.
    pub before_seq: Option<i64>,
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum AuditVerdict {
    /// Every record is intact and in order.
    Ok { records: u64 },
    /// The first record at which the chain breaks, and why.
    Broken { seq: i64, reason: String },
}

/// A write transaction with its audit chain. Every change of stored data goes through one.
pub(crate) struct Change {
    pub(crate) tx: WriteTx,
    pub(crate) actor: Actor,
    /// The moment of the change, UTC, as stored.
    pub(crate) at: String,
    /// The last record's seq and hash, once read.
    chain: Option<(i64, String)>,
    chain_moved: bool,
}

impl Change {
    /// A write transaction with its audit chain, on either backend. On SQLite, IMMEDIATE
    /// takes the write lock at once: another process writing the same file (the CLI beside the
    /// server) is waited for (busy timeout) instead of failing later, when this transaction's
    /// first read would be stale and its chain head wrong. On PostgreSQL the transaction first takes `audit_head` in EXCLUSIVE
    /// mode: writers queue there one at a time, as SQLite's one writer does, so the chain head
    /// read later is the latest and two changes never append the same `seq`. Readers are not
    /// blocked (plain reads take no lock that conflicts with EXCLUSIVE).
    pub(crate) async fn begin(store: &Store, actor: Actor) -> Result<Change, StoreError> {
        let tx = match &store.backend {
            Backend::Sqlite { write, .. } => {
                WriteTx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("LOCK TABLE audit_head IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
                WriteTx::Postgres(tx)
            }
        };
        Ok(Change {
            tx,
            actor,
            at: encode::moment(store.clock.now()),
            chain: None,
            chain_moved: false,
        })
    }

    /// Appends one audit record in this transaction.
    pub(crate) async fn audit(
        &mut self,
        entity: &str,
        entity_id: i64,
        person_id: Option<i64>,
        action: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry {
            entity: entity.to_owned(),
            entity_id,
            person_id,
            action: action.to_owned(),
            before_json: before.map(|value| value.to_string()),
            after_json: after.map(|value| value.to_string()),
        };
        self.audit_many(vec![entry]).await
    }

    /// Appends audit records in order, in as few statements as the database allows.
    pub(crate) async fn audit_many(&mut self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (mut last_seq, mut prev_hash) = match self.chain.take() {
            Some(chain) => chain,
            None => {
                let row = db::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut self.tx)
                    .await?;
                match row {
                    Some(row) => (row.try_get("seq")?, row.try_get("hash")?),
                    None => (0, GENESIS_HASH.to_owned()),
                }
            }
        };
        let mut rows = Vec::with_capacity(entries.len());
        for entry in entries {
            let record = RawRecord {
                seq: last_seq + 1,
                at: self.at.clone(),
                actor_user_id: self.actor.user_id.map(|id| id.0),
                actor_role: self.actor.role.as_str().to_owned(),
                entity: entry.entity,
                entity_id: entry.entity_id,
                person_id: entry.person_id,
                action: entry.action,
                before_json: entry.before_json,
                after_json: entry.after_json,
                prev_hash,
            };
            let hash = record.hash();
            last_seq = record.seq;
            prev_hash = hash.clone();
            rows.push(vec![
                Cell::Int(Some(record.seq)),
                Cell::Text(Some(record.at)),
                Cell::Int(record.actor_user_id),
                Cell::Text(Some(record.actor_role)),
                Cell::Text(Some(record.entity)),
                Cell::Int(Some(record.entity_id)),
                Cell::Int(record.person_id),
                Cell::Text(Some(record.action)),
                Cell::Text(record.before_json),
                Cell::Text(record.after_json),
                Cell::Text(Some(record.prev_hash)),
                Cell::Text(Some(hash)),
            ]);
        }
        insert_rows(
            &mut self.tx,
            "audit_log",
            &[
                "seq",
                "at",
                "actor_user_id",
                "actor_role",
                "entity",
                "entity_id",
                "person_id",
                "action",
                "before_json",
                "after_json",
                "prev_hash",
                "hash",
            ],
            rows,
        )
        .await?;
        self.chain = Some((last_seq, prev_hash));
        self.chain_moved = true;
        Ok(())
    }

    /// Commits the change and its audit records, moving the head of the chain.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        if self.chain_moved
            && let Some((seq, hash)) = &self.chain
        {
            db::query(
                "INSERT INTO audit_head (id, last_seq, hash) VALUES (1, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, hash = excluded.hash",
            )
            .bind(seq)
            .bind(hash)
            .execute(&mut self.tx)
            .await?;
        }
        self.tx.commit().await
    }
}

/// An audit record to append: what changed, before and after as JSON text.
pub(crate) struct AuditEntry {
    pub(crate) entity: String,
    pub(crate) entity_id: i64,
    pub(crate) person_id: Option<i64>,
    pub(crate) action: String,
    pub(crate) before_json: Option<String>,
    pub(crate) after_json: Option<String>,
}

/// One value of a row for `insert_rows`.
pub(crate) enum Cell {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

/// SQLite allows 32,766 bound values in one statement (PostgreSQL 65,535); stay below.
const MAX_BOUND_VALUES: usize = 30_000;

/// Inserts `rows` into `table` with multi-row `INSERT` statements, on either backend.
/// `table` and `columns` are constants of this crate, never user input.
pub(crate) async fn insert_rows(
    tx: &mut WriteTx,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), StoreError> {
    match tx {
        WriteTx::Sqlite(tx) => insert_rows_sqlite(tx, table, columns, rows).await,
        WriteTx::Postgres(tx) => insert_rows_postgres(tx, table, columns, rows).await,
    }
}

async fn insert_rows_postgres(
    connection: &mut sqlx::PgConnection,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), StoreError> {
    let per_statement = (MAX_BOUND_VALUES / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
        let mut builder = sqlx::QueryBuilder::<Postgres>::new(format!(
            "INSERT INTO {table} ({}) ",
            columns.join(", ")
        ));
        builder.push_values(chunk, |mut values, row| {
            debug_assert_eq!(row.len(), columns.len(), "{table}");
            for cell in row {
                match cell {
                    Cell::Int(value) => values.push_bind(value),
                    Cell::Real(value) => values.push_bind(value),
                    Cell::Text(value) => values.push_bind(value),
                };
            }
        });
        builder.build().execute(&mut *connection).await?;
    }
    Ok(())
}

/// Inserts `rows` on a SQLite connection (imports insert into `persons_fts`, which only
/// SQLite has).
pub(crate) async fn insert_rows_sqlite(
    connection: &mut sqlx::SqliteConnection,
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), StoreError> {
    let per_statement = (MAX_BOUND_VALUES / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
        let mut builder = sqlx::QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO {table} ({}) ",
            columns.join(", ")
        ));
        builder.push_values(chunk, |mut values, row| {
            debug_assert_eq!(row.len(), columns.len(), "{table}");
            for cell in row {
                match cell {
                    Cell::Int(value) => values.push_bind(value),
                    Cell::Real(value) => values.push_bind(value),
                    Cell::Text(value) => values.push_bind(value),
                };
            }
        });
        builder.build().execute(&mut *connection).await?;
    }
    Ok(())
}

/// A record as stored, before its hash.
struct RawRecord {
    seq: i64,
    at: String,
    actor_user_id: Option<i64>,
    actor_role: String,
    entity: String,
    entity_id: i64,
    person_id: Option<i64>,
    action: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
}

impl RawRecord {
    fn from_row(row: &DbRow) -> Result<RawRecord, StoreError> {
        Ok(RawRecord {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor_user_id: row.try_get("actor_user_id")?,
            actor_role: row.try_get("actor_role")?,
            entity: row.try_get("entity")?,
            entity_id: row.try_get("entity_id")?,
            person_id: row.try_get("person_id")?,
            action: row.try_get("action")?,
            before_json: row.try_get("before_json")?,
            after_json: row.try_get("after_json")?,
            prev_hash: row.try_get("prev_hash")?,
        })
    }

    /// SHA-256 over every field, each length-prefixed so that no two different records share
    /// an encoding (`"ab" + "c"` is not `"a" + "bc"`), and an absent value differs from an
    /// empty one.
    fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |value: Option<&str>| match value {
            None => hasher.update(u64::MAX.to_be_bytes()),
            Some(text) => {
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
        };
        field(Some(&self.seq.to_string()));
        field(Some(&self.at));
        field(self.actor_user_id.map(|id| id.to_string()).as_deref());
        field(Some(&self.actor_role));
        field(Some(&self.entity));
        field(Some(&self.entity_id.to_string()));
        field(self.person_id.map(|id| id.to_string()).as_deref());
        field(Some(&self.action));
        field(self.before_json.as_deref());
        field(self.after_json.as_deref());
        field(Some(&self.prev_hash));
        hex::encode(hasher.finalize())
    }
}

/// JSON keys of audited entities that hold restricted fields.
const RESTRICTED_KEYS: &[&str] = &[
    "contact",
    "address",
    "birth_date",
    "injuries",
    "password_hash",
];

/// Removes restricted fields (and references of anonymous sources) from an entity's JSON, at
/// any depth: an import record nests the person and their facts.
fn redact(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            for key in RESTRICTED_KEYS {
                if object.contains_key(*key) {
                    object.insert((*key).to_owned(), serde_json::Value::Null);
                }
            }
            if object.get("anonymous").and_then(serde_json::Value::as_bool) == Some(true)
                && object.contains_key("reference")
            {
                object.insert("reference".to_owned(), serde_json::Value::Null);
            }
            object.values_mut().for_each(redact);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

const VERIFY_BATCH: i64 = 5_000;

impl Store {
    /// Recomputes the whole chain and names the first record that was edited, deleted or
    /// moved. Needs no actor: it reveals nothing but sequence numbers.
    pub async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let mut expected_seq = 1i64;
        let mut prev_hash = GENESIS_HASH.to_owned();
        loop {
            let rows = db::query(
                "SELECT seq, at, actor_user_id, actor_role, entity, entity_id, person_id, action,
                    before_json, after_json, prev_hash, hash
                 FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
            )
            .bind(expected_seq)
            .bind(VERIFY_BATCH)
            .fetch_all(self.db_read())
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let record = RawRecord::from_row(row)?;
                let stored_hash: String = row.try_get("hash")?;
                if record.seq != expected_seq {
                    return Ok(AuditVerdict::Broken {
                        seq: expected_seq,
                        reason: format!(
                            "record {expected_seq} is missing (the next record is {}): records were deleted",
                            record.seq
                        ),
                    });
                }
                if record.hash() != stored_hash {
                    return Ok(AuditVerdict::Broken {
                        seq: record.seq,
                        reason: format!(
                            "record {} does not match its hash: it was edited or moved",
                            record.seq
                        ),
                    });
                }
                if record.prev_hash != prev_hash {
                    return Ok(AuditVerdict::Broken {
                        seq: record.seq,
                        reason: format!(
                            "record {} does not follow the record before it: records before it were edited, deleted or replaced",
                            record.seq
                        ),
                    });
                }
                prev_hash = stored_hash;
                expected_seq += 1;
            }
        }
        let last_seq = expected_seq - 1;
        let head = db::query("SELECT last_seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(self.db_read())
            .await?;
        let (head_seq, head_hash): (i64, String) = match head {
            Some(row) => (row.try_get("last_seq")?, row.try_get("hash")?),
            None => (0, GENESIS_HASH.to_owned()),
        };
        if head_seq != last_seq || head_hash != prev_hash {
            let seq = if head_seq > last_seq {
                last_seq + 1
            } else {
                head_seq.max(1)
            };
            return Ok(AuditVerdict::Broken {
                seq,
                reason: format!(
                    "the log ends at record {last_seq} but its head was recorded at record {head_seq}: records were cut off the end or the head was altered"
                ),
            });
        }
        Ok(AuditVerdict::Ok {
            records: last_seq as u64,
        })
    }

    /// Audit records matching `filter`, newest first. Needs `ViewAudit`; restricted fields in
    /// `before`/`after` are removed for actors who may not see restricted data.
    pub async fn audit_records(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        if !can(
            actor,
            Action::ViewAudit,
            &Resource::of(ResourceKind::AuditLog),
        ) {
            return Err(StoreError::Forbidden);
        }
        self.audit_records_unchecked(actor, filter).await
    }

    /// The audit records for a person page: the actor already passed the page's check.
    pub(crate) async fn audit_records_unchecked(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = String::from(
            "SELECT a.seq, a.at, a.actor_user_id, u.username AS actor_username, a.actor_role, a.entity, a.entity_id,
                a.person_id, a.action, a.before_json, a.after_json, a.prev_hash, a.hash
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id WHERE 1 = 1",
        );
        if filter.entity.is_some() {
            sql.push_str(" AND a.entity = ?");
        }
        if filter.entity_id.is_some() {
            sql.push_str(" AND a.entity_id = ?");
        }
        if filter.person_id.is_some() {
            sql.push_str(" AND a.person_id = ?");
        }
        if filter.actor_user_id.is_some() {
            sql.push_str(" AND a.actor_user_id = ?");
        }
        if filter.before_seq.is_some() {
            sql.push_str(" AND a.seq < ?");
        }
        sql.push_str(" ORDER BY a.seq DESC LIMIT ?");
        // The SQL text is assembled from fixed fragments only; every value is bound.
        let mut query = db::query(sql);
        if let Some(entity) = &filter.entity {
            query = query.bind(entity.clone());
        }
        if let Some(entity_id) = filter.entity_id {
            query = query.bind(entity_id);
        }
        if let Some(person_id) = filter.person_id {
            query = query.bind(person_id);
        }
        if let Some(user) = filter.actor_user_id {
            query = query.bind(user.0);
        }
        if let Some(before) = filter.before_seq {
            query = query.bind(before);
        }
        query = query.bind(i64::from(filter.limit.unwrap_or(100).min(10_000)));
        let rows = query.fetch_all(self.db_read()).await?;
        let sees_restricted = can(
            actor,
            Action::View,
            &Resource::of(ResourceKind::Person).at_level(Confidentiality::Restricted),
        ) && actor.role != Role::Volunteer;
        rows.iter()
            .map(|row| {
                let parse = |column: &str| -> Result<Option<serde_json::Value>, StoreError> {
                    let text: Option<String> = row.try_get(column)?;
                    text.map(|text| {
                        let mut value: serde_json::Value =
                            serde_json::from_str(&text).map_err(|_| {
                                StoreError::corrupt(format!("audit {column} is not JSON"))
                            })?;
                        if !sees_restricted {
                            redact(&mut value);
                        }
                        Ok(value)
                    })
                    .transpose()
                };
                Ok(AuditRecord {
                    seq: row.try_get("seq")?,
                    at: row.try_get("at")?,
                    actor_user_id: row.try_get("actor_user_id")?,
                    actor_username: row.try_get("actor_username")?,
                    actor_role: row.try_get("actor_role")?,
                    entity: row.try_get("entity")?,
                    entity_id: row.try_get("entity_id")?,
                    person_id: row.try_get("person_id")?,
                    action: row.try_get("action")?,
                    before: parse("before_json")?,
                    after: parse("after_json")?,
                    prev_hash: row.try_get("prev_hash")?,
                    hash: row.try_get("hash")?,
                })
            })
            .collect()
    }
}
