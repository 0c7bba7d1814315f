//! Filling an empty database with the seeded demo register (`kuzet_register::demo`), in one
//! transaction, through the same import path and audit records as every other change.

use kuzet_register::Actor;
use kuzet_register::demo::{DEMO_NOW, DemoRegister};

use crate::audit::Change;
use crate::error::StoreError;
use crate::import::ImportRecord;
use crate::register::STATUS_AS_OF;
use crate::{DemoSummary, NewDetention, NewPerson, Store, encode};

impl Store {
    /// Stores the demo register and sets the status moment to the demo's "now" (12 June
    /// 2019, noon), so that arrests show as being served. Refuses a database that already
    /// holds persons or events. The change is recorded as made by the system.
    pub async fn load_demo(&self, register: &DemoRegister) -> Result<DemoSummary, StoreError> {
        let actor = Actor::system();
        let mut change = Change::begin(self, actor).await?;
        let existing = crate::db::query(
            "SELECT (SELECT COUNT(*) FROM persons) + (SELECT COUNT(*) FROM events) AS n",
        )
        .fetch_one(&mut change.tx)
        .await?;
        if existing.try_get::<i64, _>("n")? > 0 {
            return Err(StoreError::invalid(
                "database",
                "already holds a register; the demo needs an empty database",
            ));
        }
        crate::db::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(STATUS_AS_OF)
            .bind(encode::date_time(DEMO_NOW))
            .execute(&mut change.tx)
            .await?;
        change
            .audit(
                "setting",
                0,
                None,
                "set",
                None,
                Some(&serde_json::json!({ STATUS_AS_OF: encode::date_time(DEMO_NOW) })),
            )
            .await?;

        let mut event_ids = Vec::with_capacity(register.events.len());
        for event in &register.events {
            event_ids.push(change.insert_event(event).await?);
        }
        for (event_index, claim) in &register.claims {
            let event = event_index.and_then(|index| event_ids.get(index).copied());
            change.insert_claim(event, claim).await?;
        }
        let records: Vec<ImportRecord> = register
            .people
            .iter()
            .map(|demo| ImportRecord {
                person: NewPerson::new(demo.person.clone()),
                detention: Some(NewDetention {
                    event_id: event_ids.get(demo.event_index).copied(),
                    detention: demo.detention.clone(),
                }),
                decisions: demo.decisions.clone(),
                custody: None,
                transfer: demo.transfer.clone(),
                source: Some(demo.source.clone()),
            })
            .collect();
        let imported = change.import_bulk(&records, DEMO_NOW, |_| {}).await?;
        change.commit().await?;
        self.optimize_after_bulk().await?;
        Ok(DemoSummary {
            events: register.events.len(),
            claims: register.claims.len(),
            persons: imported.persons,
            detentions: imported.detentions,
            decisions: imported.decisions,
            transfers: imported.transfers,
            sources: imported.sources,
        })
    }
}
