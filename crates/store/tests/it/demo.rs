//! The demo register loaded into a store: its totals, statuses and audit log agree with what
//! the domain crate generated.

use std::collections::BTreeMap;

use kuzet_register::demo::{DEMO_NOW, generate};
use kuzet_register::{Outcome, Role, derive_status};
use kuzet_store::{AuditVerdict, PersonQuery, StoreError};

use crate::support::{admin, stores, user};

#[tokio::test]
async fn the_demo_register_loads_with_its_totals_statuses_and_audit_log() {
    let register = generate(2019);
    for test in stores().await {
        let store = &test.store;
        let summary = store.load_demo(&register).await.unwrap();
        let decisions: usize = register.people.iter().map(|p| p.decisions.len()).sum();
        let transfers = register
            .people
            .iter()
            .filter(|p| p.transfer.is_some())
            .count();
        assert_eq!(
            (
                summary.events,
                summary.claims,
                summary.persons,
                summary.detentions,
                summary.decisions,
                summary.transfers,
                summary.sources
            ),
            (
                register.events.len(),
                register.claims.len(),
                register.people.len(),
                register.people.len(),
                decisions,
                transfers,
                register.people.len()
            ),
            "{}",
            test.backend
        );
        assert!(
            matches!(
                store.load_demo(&register).await,
                Err(StoreError::Invalid { .. })
            ),
            "a second load is refused"
        );

        assert_eq!(
            store.status_as_of().await.unwrap(),
            kuzet_store::StatusMoment {
                as_of: "2019-06-12T12:00:00".into(),
                fixed: true
            }
        );
        let analyst = user(store, "analyst", Role::Analyst).await;
        let dashboard = store.dashboard(&analyst).await.unwrap();
        assert_eq!(dashboard.persons as usize, register.people.len());
        for (index, event) in dashboard.by_event.iter().enumerate() {
            let at_event: Vec<_> = register
                .people
                .iter()
                .filter(|p| p.event_index == index)
                .collect();
            let arrested = at_event
                .iter()
                .filter(|p| {
                    p.decisions
                        .iter()
                        .any(|d| matches!(d.outcome, Outcome::AdministrativeArrest { .. }))
                })
                .count();
            assert_eq!(
                (
                    event.title.as_str(),
                    event.detentions as usize,
                    event.arrests as usize
                ),
                (
                    register.events[index].title.as_str(),
                    at_event.len(),
                    arrested
                )
            );
            let claims = register
                .claims
                .iter()
                .filter(|(event, _)| *event == Some(index))
                .count();
            assert_eq!(event.claims.len(), claims, "{}", event.title);
        }
        // Statuses as of the demo's "now", derived by the domain rule from the same facts.
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        for demo in &register.people {
            let transfers: Vec<_> = demo.transfer.iter().cloned().collect();
            *expected
                .entry(
                    derive_status(&demo.detention, &demo.decisions, &transfers, DEMO_NOW)
                        .as_str()
                        .to_owned(),
                )
                .or_default() += 1;
        }
        let actual: BTreeMap<String, i64> = dashboard
            .by_status
            .iter()
            .map(|c| (c.key.clone(), c.count))
            .collect();
        assert_eq!(actual, expected, "{}", test.backend);
        assert!(actual.contains_key("serving_arrest"));

        let publishable = register
            .people
            .iter()
            .filter(|p| p.person.is_publishable())
            .count();
        assert_eq!(
            store
                .public_persons(&PersonQuery::default())
                .await
                .unwrap()
                .total as usize,
            publishable
        );

        // The status setting, each event and claim, one import record per person, the analyst.
        let records = 1 + summary.events + summary.claims + summary.persons + 1;
        assert_eq!(
            store.verify_audit().await.unwrap(),
            AuditVerdict::Ok {
                records: records as u64
            },
            "{}",
            test.backend
        );

        // What the duplicate finder gets: every person with names, birth, city, event and station.
        let candidates = store.persons_for_matching(&admin()).await.unwrap();
        assert_eq!(candidates.len(), register.people.len());
        for (candidate, demo) in candidates.iter().zip(&register.people) {
            assert_eq!(candidate.names, [demo.person.name.as_str()]);
            assert_eq!(candidate.birth, demo.person.birth);
            assert_eq!(
                candidate.city.as_deref(),
                demo.person.city.as_ref().map(|c| c.as_str())
            );
            assert_eq!(candidate.event_ids.len(), 1);
            assert_eq!(
                candidate.police_stations,
                std::slice::from_ref(&demo.detention.police_station)
            );
        }
        // Analysts may not see full birth dates: they get years.
        let for_analyst = store.persons_for_matching(&analyst).await.unwrap();
        assert!(
            for_analyst
                .iter()
                .all(|c| matches!(c.birth, Some(kuzet_register::BirthDate::Year(_)) | None))
        );
    }
}
