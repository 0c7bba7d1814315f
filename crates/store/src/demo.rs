//! Filling an empty database with the seeded demo register (`kuzet_register::demo`), in one
//! transaction, through the same inserts and audit records as every other change.

use kuzet_register::Actor;
use kuzet_register::demo::{DEMO_NOW, DemoRegister};

use crate::audit::Change;
use crate::error::StoreError;
use crate::register::STATUS_AS_OF;
use crate::{DemoSummary, FactRef, NewDetention, NewPerson, Store, encode};

impl Store {
    /// Stores the demo register and sets the status moment to the demo's "now" (12 June
    /// 2019, noon), so that arrests show as being served. Refuses a database that already
    /// holds persons or events. The change is recorded as made by the system.
    pub async fn load_demo(&self, register: &DemoRegister) -> Result<DemoSummary, StoreError> {
        let actor = Actor::system();
        let mut change = Change::begin(self, actor).await?;
        let existing = sqlx::query("SELECT (SELECT COUNT(*) FROM persons) + (SELECT COUNT(*) FROM events) AS n")
            .fetch_one(&mut *change.tx)
            .await?;
        if sqlx::Row::try_get::<i64, _>(&existing, "n")? > 0 {
            return Err(StoreError::invalid("database", "already holds a register; the demo needs an empty database"));
        }
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(STATUS_AS_OF)
            .bind(encode::date_time(DEMO_NOW))
            .execute(&mut *change.tx)
            .await?;
        change.audit("setting", 0, None, "set", None, Some(&serde_json::json!({ STATUS_AS_OF: encode::date_time(DEMO_NOW) }))).await?;

        let mut summary = DemoSummary { events: 0, claims: 0, persons: 0, detentions: 0, decisions: 0, transfers: 0, sources: 0 };
        let mut event_ids = Vec::with_capacity(register.events.len());
        for event in &register.events {
            event_ids.push(change.insert_event(event).await?);
            summary.events += 1;
        }
        for (event_index, claim) in &register.claims {
            let event = event_index.and_then(|index| event_ids.get(index).copied());
            change.insert_claim(event, claim).await?;
            summary.claims += 1;
        }
        for demo in &register.people {
            let person = change.insert_person(&NewPerson::new(demo.person.clone()), false).await?;
            summary.persons += 1;
            let new_detention = NewDetention { event_id: event_ids.get(demo.event_index).copied(), detention: demo.detention.clone() };
            let detention = change.insert_detention(person, &new_detention, DEMO_NOW).await?;
            summary.detentions += 1;
            for decision in &demo.decisions {
                change.insert_decision(person, detention, decision).await?;
                summary.decisions += 1;
            }
            if let Some(transfer) = &demo.transfer {
                change.insert_transfer(person, detention, transfer).await?;
                summary.transfers += 1;
            }
            change.insert_source(FactRef::Detention(detention), Some(person), &demo.source).await?;
            summary.sources += 1;
            change.refresh_person(person, DEMO_NOW).await?;
        }
        change.commit().await?;
        Ok(summary)
    }
}
