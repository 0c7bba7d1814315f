//! Speed of the store on a register of 100,000 persons: the all-or-nothing import, the list
//! page with filters and search, the public list, the dashboard and a person page.
//! Run: `cargo bench -p kuzet-store`; figures in docs/benchmarks.md.

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::counter::ItemsCount;
use kuzet_register::demo::generate;
use kuzet_register::{Actor, PersonName};
use kuzet_store::{
    ImportRecord, NewDetention, NewPerson, PersonId, PersonQuery, PersonSort, Store,
};
use tokio::runtime::Runtime;

fn main() {
    divan::main();
}

const PERSONS: usize = 100_000;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

/// A fixed name, emptied first, so that runs do not pile up databases in the temp directory.
fn temp_file(name: &str) -> PathBuf {
    let file = std::env::temp_dir().join(format!("kuzet-store-bench-{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    file
}

/// 100,000 records: the demo register's facts, cycled, under constructed names.
fn records() -> &'static [ImportRecord] {
    static RECORDS: OnceLock<Vec<ImportRecord>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let demo = generate(2019);
        let names = kuzet_names::synthetic::names(PERSONS, 11);
        names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let template = &demo.people[index % demo.people.len()];
                let mut person = template.person.clone();
                person.name = PersonName::parse(name).expect("synthetic name");
                ImportRecord {
                    person: NewPerson::new(person),
                    // Events are created by the bench store with ids 1..=11 in the demo's order.
                    detention: Some(NewDetention {
                        event_id: Some(kuzet_store::EventId(template.event_index as i64 + 1)),
                        detention: template.detention.clone(),
                    }),
                    decisions: template.decisions.clone(),
                    custody: None,
                    transfer: template.transfer.clone(),
                    source: Some(template.source.clone()),
                }
            })
            .collect()
    })
}

/// A fresh file store holding the demo's events (no persons yet).
async fn store_with_events(name: &str) -> Store {
    let store = Store::open(&temp_file(name).display().to_string())
        .await
        .expect("store");
    for event in &generate(2019).events {
        store
            .add_event(&Actor::system(), event)
            .await
            .expect("event");
    }
    store
}

/// One store with 100,000 imported persons, shared by the read benchmarks.
fn big_store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        runtime().block_on(async {
            let store = store_with_events("read").await;
            store
                .import_records(&Actor::system(), records(), |_| {})
                .await
                .expect("import");
            store
        })
    })
}

/// Importing 100,000 records in one transaction, each row audited (target: under 5 s).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn import_100k_records(bencher: divan::Bencher) {
    let records = records();
    bencher
        .counter(ItemsCount::new(records.len()))
        .with_inputs(|| runtime().block_on(store_with_events("import")))
        .bench_values(|store| {
            runtime().block_on(async {
                store
                    .import_records(&Actor::system(), records, |_| {})
                    .await
                    .expect("import");
                store.close().await;
            })
        });
}

fn list(query: PersonQuery) -> usize {
    let store = big_store();
    runtime().block_on(async {
        store
            .list_persons(&Actor::system(), &query)
            .await
            .expect("list")
            .items
            .len()
    })
}

/// The list's first page, newest first: what the list page shows by default.
#[divan::bench(sample_count = 200)]
fn list_first_page(bencher: divan::Bencher) {
    big_store();
    bencher.bench(|| list(PersonQuery::default()));
}

/// A deep page sorted by name.
#[divan::bench(sample_count = 100)]
fn list_page_1000_by_name(bencher: divan::Bencher) {
    big_store();
    bencher.bench(|| {
        list(PersonQuery {
            sort: PersonSort::NameAsc,
            page: 1000,
            per_page: 50,
            ..PersonQuery::default()
        })
    });
}

/// Filters on city, status and role together.
#[divan::bench(sample_count = 100)]
fn list_filtered(bencher: divan::Bencher) {
    big_store();
    bencher.bench(|| {
        list(PersonQuery {
            city: Some("Almaty".into()),
            status: Some("arrest_served".into()),
            outcome: Some("arrest".into()),
            ..PersonQuery::default()
        })
    });
}

/// A name search in the other script (folded keys, FTS5).
#[divan::bench(sample_count = 100)]
fn list_name_search(bencher: divan::Bencher) {
    let store = big_store();
    let name = runtime().block_on(async {
        store
            .person(&Actor::system(), PersonId(4242))
            .await
            .expect("person")
            .person
            .name
    });
    let surname = name.split(' ').next().unwrap_or("").to_owned();
    bencher.bench(|| {
        list(PersonQuery {
            text: Some(surname.clone()),
            ..PersonQuery::default()
        })
    });
}

#[divan::bench(sample_count = 100)]
fn public_list_first_page(bencher: divan::Bencher) {
    let store = big_store();
    bencher.bench(|| {
        runtime().block_on(async {
            store
                .public_persons(&PersonQuery::default())
                .await
                .expect("public")
                .items
                .len()
        })
    });
}

#[divan::bench(sample_count = 50)]
fn dashboard(bencher: divan::Bencher) {
    let store = big_store();
    bencher.bench(|| {
        runtime().block_on(async {
            store
                .dashboard(&Actor::system())
                .await
                .expect("dashboard")
                .persons
        })
    });
}

#[divan::bench(sample_count = 200)]
fn person_page(bencher: divan::Bencher) {
    let store = big_store();
    bencher.bench(|| {
        runtime().block_on(async {
            store
                .person(&Actor::system(), PersonId(777))
                .await
                .expect("person")
                .timeline
                .len()
        })
    });
}

/// Recomputing the whole audit chain of the 100,000-person register (about 450,000 records).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn verify_audit_chain(bencher: divan::Bencher) {
    let store = big_store();
    bencher.bench(|| runtime().block_on(async { store.verify_audit().await.expect("verify") }));
}
