//! Correcting and removing single facts of a person: a decision recorded wrongly, a detention
//! entered twice, a source that must go. Each removal records the removed rows in the audit
//! log, and the person's derived status follows.

use kuzet_register::{Action, Actor, Decision, ResourceKind, SourceKind};

use crate::audit::Change;
use crate::db::{self, Exec};
use crate::error::StoreError;
use crate::register::{
    CUSTODY_COLUMNS, DECISION_COLUMNS, DETENTION_COLUMNS, TRANSFER_COLUMNS, article_code,
    custody_from_row, custody_json, decision_from_row, decision_json, detention_from_row,
    detention_json, person_access, person_of_fact, transfer_from_row, transfer_json,
};
use crate::{
    CustodyId, DecisionId, DetentionId, EventId, FactRef, NewDetention, PersonId, SourceId, Store,
    TransferId,
};

fn resource_kind(fact: FactRef) -> Option<ResourceKind> {
    match fact {
        FactRef::Detention(_) => Some(ResourceKind::Detention),
        FactRef::Decision(_) => Some(ResourceKind::Decision),
        FactRef::Custody(_) | FactRef::Transfer(_) => Some(ResourceKind::Custody),
        FactRef::Event(_) | FactRef::Claim(_) | FactRef::Person(_) => None,
    }
}

/// The fact as the audit log records it.
async fn fact_json(
    connection: impl Into<Exec<'_>>,
    fact: FactRef,
) -> Result<serde_json::Value, StoreError> {
    let mut connection = connection.into();
    let id = fact.id();
    Ok(match fact {
        FactRef::Detention(_) => {
            let row = db::query(format!(
                "SELECT {DETENTION_COLUMNS} FROM detentions WHERE id = ?"
            ))
            .bind(id)
            .fetch_one(connection.reborrow())
            .await?;
            let new = NewDetention {
                event_id: row.try_get::<Option<i64>, _>("event_id")?.map(EventId),
                detention: detention_from_row(&row)?,
            };
            detention_json(PersonId(row.try_get("person_id")?), &new)
        }
        FactRef::Decision(_) => {
            let row = db::query(format!(
                "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = ?"
            ))
            .bind(id)
            .fetch_one(connection.reborrow())
            .await?;
            decision_json(
                DetentionId(row.try_get("detention_id")?),
                &decision_from_row(&row)?,
            )
        }
        FactRef::Custody(_) => {
            let row = db::query(format!(
                "SELECT {CUSTODY_COLUMNS} FROM custody WHERE id = ?"
            ))
            .bind(id)
            .fetch_one(connection.reborrow())
            .await?;
            custody_json(
                DetentionId(row.try_get("detention_id")?),
                &custody_from_row(&row)?,
            )
        }
        FactRef::Transfer(_) => {
            let row = db::query(format!(
                "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = ?"
            ))
            .bind(id)
            .fetch_one(connection.reborrow())
            .await?;
            transfer_json(
                DetentionId(row.try_get("detention_id")?),
                &transfer_from_row(&row)?,
            )
        }
        FactRef::Event(_) | FactRef::Claim(_) | FactRef::Person(_) => serde_json::Value::Null,
    })
}

impl Change {
    /// Deletes the sources attached to `fact`, each with its audit record.
    async fn delete_sources_of(
        &mut self,
        fact: FactRef,
        person: PersonId,
    ) -> Result<(), StoreError> {
        let rows = db::query("SELECT id, kind, reference, anonymous FROM sources WHERE fact_kind = ? AND fact_id = ? ORDER BY id")
            .bind(fact.kind())
            .bind(fact.id())
            .fetch_all(&mut self.tx)
            .await?;
        for row in &rows {
            let before = serde_json::json!({
                "fact": fact.kind(), "fact_id": fact.id(), "kind": row.try_get::<String, _>("kind")?,
                "reference": row.try_get::<String, _>("reference")?, "anonymous": row.try_get::<i64, _>("anonymous")? != 0,
            });
            self.audit(
                "source",
                row.try_get("id")?,
                Some(person.0),
                "delete",
                Some(&before),
                None,
            )
            .await?;
        }
        db::query("DELETE FROM sources WHERE fact_kind = ? AND fact_id = ?")
            .bind(fact.kind())
            .bind(fact.id())
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Deletes one fact, its sources and (for a detention) the facts that depend on it.
    async fn delete_fact_rows(
        &mut self,
        fact: FactRef,
        person: PersonId,
    ) -> Result<(), StoreError> {
        if let FactRef::Detention(detention) = fact {
            let mut children = Vec::new();
            for (table, make) in [
                (
                    "decisions",
                    (|id| FactRef::Decision(DecisionId(id))) as fn(i64) -> FactRef,
                ),
                ("custody", |id| FactRef::Custody(CustodyId(id))),
                ("transfers", |id| FactRef::Transfer(TransferId(id))),
            ] {
                let ids: Vec<i64> = db::query(format!(
                    "SELECT id FROM {table} WHERE detention_id = ? ORDER BY id"
                ))
                .bind(detention.0)
                .fetch_all(&mut self.tx)
                .await?
                .iter()
                .map(|row| row.try_get("id"))
                .collect::<Result<_, _>>()?;
                children.extend(ids.into_iter().map(make));
            }
            for child in children {
                self.delete_one(child, person).await?;
            }
        }
        self.delete_one(fact, person).await
    }

    /// Deletes one fact row and its sources.
    async fn delete_one(&mut self, fact: FactRef, person: PersonId) -> Result<(), StoreError> {
        let before = fact_json(&mut self.tx, fact).await?;
        self.delete_sources_of(fact, person).await?;
        let table = match fact {
            FactRef::Detention(_) => "detentions",
            FactRef::Decision(_) => "decisions",
            FactRef::Custody(_) => "custody",
            FactRef::Transfer(_) => "transfers",
            FactRef::Event(_) | FactRef::Claim(_) | FactRef::Person(_) => {
                return Err(StoreError::invalid("fact", "not a fact of a person"));
            }
        };
        db::query(format!("DELETE FROM {table} WHERE id = ?"))
            .bind(fact.id())
            .execute(&mut self.tx)
            .await?;
        self.audit(
            fact.kind(),
            fact.id(),
            Some(person.0),
            "delete",
            Some(&before),
            None,
        )
        .await
    }
}

impl Store {
    /// Corrects a decision in place; the person's status follows.
    pub async fn update_decision(
        &self,
        actor: &Actor,
        id: DecisionId,
        decision: &Decision,
    ) -> Result<(), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let fact = FactRef::Decision(id);
        let person = person_of_fact(&mut change.tx, fact)
            .await?
            .ok_or(StoreError::NotFound)?;
        let access = person_access(&mut change.tx, person).await?;
        Store::require_role(
            actor,
            Action::Edit,
            &access.resource(ResourceKind::Decision),
        )?;
        let before = fact_json(&mut change.tx, fact).await?;
        let detention: i64 = db::query("SELECT detention_id FROM decisions WHERE id = ?")
            .bind(id.0)
            .fetch_one(&mut change.tx)
            .await?
            .try_get("detention_id")?;
        db::query(
            "UPDATE decisions SET authority = ?, decided_on = ?, hearing_minutes = ?, lawyer_present = ?, article_code = ?,
                article_number = ?, outcome_kind = ?, outcome_amount = ?, appeal_result = ? WHERE id = ?",
        )
        .bind(&decision.authority)
        .bind(crate::encode::date(decision.decided_on))
        .bind(decision.hearing_minutes.map(i64::from))
        .bind(decision.lawyer_present.map(i64::from))
        .bind(decision.article.map(|article| article_code(article.code)))
        .bind(decision.article.map(|article| i64::from(article.number)))
        .bind(decision.outcome.kind())
        .bind(decision.outcome.amount().map(i64::from))
        .bind(decision.outcome.appeal_result())
        .bind(id.0)
        .execute(&mut change.tx)
        .await?;
        let after = decision_json(DetentionId(detention), decision);
        change
            .audit(
                "decision",
                id.0,
                Some(person.0),
                "update",
                Some(&before),
                Some(&after),
            )
            .await?;
        self.finish_person_change(change, person).await
    }

    /// Deletes a detention, decision, custody or transfer with its sources (a detention also
    /// with its decisions, custody and transfers). Volunteers may delete facts only of their
    /// own drafts. Persons are deleted with `delete_person`, events not at all.
    pub async fn delete_fact(&self, actor: &Actor, fact: FactRef) -> Result<(), StoreError> {
        let kind = resource_kind(fact).ok_or_else(|| {
            StoreError::invalid(
                "fact",
                "only detentions, decisions, custody and transfers are deleted here",
            )
        })?;
        let mut change = Change::begin(self, *actor).await?;
        let person = person_of_fact(&mut change.tx, fact)
            .await?
            .ok_or(StoreError::NotFound)?;
        let access = person_access(&mut change.tx, person).await?;
        Store::require_role(actor, Action::Delete, &access.resource(kind))?;
        change.delete_fact_rows(fact, person).await?;
        self.finish_person_change(change, person).await
    }

    /// Deletes one source.
    pub async fn delete_source(&self, actor: &Actor, id: SourceId) -> Result<(), StoreError> {
        let mut change = Change::begin(self, *actor).await?;
        let row = db::query("SELECT fact_kind, fact_id, person_id, kind, reference, anonymous FROM sources WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&mut change.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let person: Option<i64> = row.try_get("person_id")?;
        let resource = match person {
            Some(person) => person_access(&mut change.tx, PersonId(person))
                .await?
                .resource(ResourceKind::Source),
            None => kuzet_register::Resource::of(ResourceKind::Event),
        };
        Store::require_role(actor, Action::Delete, &resource)?;
        let kind: String = row.try_get("kind")?;
        SourceKind::parse(&kind)
            .map_err(|_| StoreError::corrupt(format!("source kind `{kind}` is unknown")))?;
        let before = serde_json::json!({
            "fact": row.try_get::<String, _>("fact_kind")?, "fact_id": row.try_get::<i64, _>("fact_id")?, "kind": kind,
            "reference": row.try_get::<String, _>("reference")?, "anonymous": row.try_get::<i64, _>("anonymous")? != 0,
        });
        db::query("DELETE FROM sources WHERE id = ?")
            .bind(id.0)
            .execute(&mut change.tx)
            .await?;
        change
            .audit("source", id.0, person, "delete", Some(&before), None)
            .await?;
        change.commit().await
    }
}
