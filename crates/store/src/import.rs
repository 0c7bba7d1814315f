//! Importing many records at once, all or nothing: one transaction for the whole batch, so a
//! failure anywhere leaves the register as it was. Each stored row still gets its own audit
//! record. The demo loader goes through the same path.

use std::collections::HashSet;

use kuzet_register::{Action, Actor, Custody, Decision, Resource, ResourceKind, Source, Transfer, can};
use serde::Serialize;
use time::PrimitiveDateTime;

use crate::audit::Change;
use crate::error::StoreError;
use crate::register::{status_now, summarize};
use crate::{FactRef, NewDetention, NewPerson, Store};

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
        ImportRecord { person, detention: None, decisions: Vec::new(), custody: None, transfer: None, source: None }
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

/// How often `import_records` reports progress, in records.
const PROGRESS_EVERY: usize = 500;

impl Store {
    /// Stores every record or none (needs `Import`). Records are stored as checked (not
    /// drafts). `progress` is called with the number of records stored so far, every few
    /// hundred records and at the end, for a progress bar. A record whose facts need an item
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
        let known_events: HashSet<i64> = sqlx::query_scalar::<_, i64>("SELECT id FROM events").fetch_all(&mut *change.tx).await?.into_iter().collect();
        for (index, record) in records.iter().enumerate() {
            let number = index + 1;
            match &record.detention {
                None if !record.decisions.is_empty() || record.custody.is_some() || record.transfer.is_some() => {
                    return Err(StoreError::invalid(
                        "detention",
                        format!("record {number} has decisions, custody or a transfer but no detention"),
                    ));
                }
                Some(NewDetention { event_id: Some(event), .. }) if !known_events.contains(&event.0) => {
                    return Err(StoreError::invalid("event", format!("record {number} names event {event}, which does not exist")));
                }
                _ => {}
            }
        }
        let now = status_now(&mut change.tx, self).await?;
        let mut summary = ImportSummary::default();
        for (index, record) in records.iter().enumerate() {
            change.import_record(record, now, &mut summary).await?;
            if (index + 1) % PROGRESS_EVERY == 0 {
                progress(index + 1);
            }
        }
        change.commit().await?;
        progress(records.len());
        Ok(summary)
    }
}

impl Change {
    pub(crate) async fn import_record(&mut self, record: &ImportRecord, now: PrimitiveDateTime, summary: &mut ImportSummary) -> Result<(), StoreError> {
        let person = self.insert_person(&record.person, false).await?;
        summary.persons += 1;
        let Some(new_detention) = &record.detention else {
            if let Some(source) = &record.source {
                self.insert_source(FactRef::Person(person), Some(person), source).await?;
                summary.sources += 1;
            }
            return Ok(());
        };
        let detention = self.insert_detention(person, new_detention, now).await?;
        summary.detentions += 1;
        for decision in &record.decisions {
            self.insert_decision(person, detention, decision).await?;
            summary.decisions += 1;
        }
        if let Some(custody) = &record.custody {
            self.insert_custody(person, detention, custody).await?;
            summary.custody += 1;
        }
        if let Some(transfer) = &record.transfer {
            self.insert_transfer(person, detention, transfer).await?;
            summary.transfers += 1;
        }
        if let Some(source) = &record.source {
            self.insert_source(FactRef::Detention(detention), Some(person), source).await?;
            summary.sources += 1;
        }
        // The person is new, so this detention is their latest and its facts are all in hand.
        let transfers: Vec<Transfer> = record.transfer.iter().cloned().collect();
        let custody_place = record.custody.as_ref().map(|custody| custody.place.clone());
        let facts = summarize(&new_detention.detention, &record.decisions, &transfers, custody_place, now);
        self.set_summary(person, detention, new_detention.event_id, &new_detention.detention, &facts).await
    }
}
