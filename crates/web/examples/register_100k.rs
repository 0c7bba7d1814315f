//! Builds a large register for the web benchmarks: the demo register, then further synthetic
//! people (other seeds of the demo generator) imported onto the same events until the register
//! holds about `COUNT` detentions, and a coordinator account `bench` with password
//! `bench-password-1`.
//!
//! `cargo run --release -p kuzet-web --example register_100k -- /tmp/kuzet-100k.sqlite [COUNT]`
//! then `kuzet serve --database /tmp/kuzet-100k.sqlite` and `wrk` against `/persons` (see
//! docs/benchmarks.md).

use kuzet_register::{Actor, Role};
use kuzet_store::{ImportRecord, NewDetention, NewPerson, Store};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: register_100k DATABASE [COUNT]")?;
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    if std::path::Path::new(&path).exists() {
        return Err(format!("{path} exists; give a new file").into());
    }
    let store = Store::open(&path).await?;
    let system = Actor::system();
    let first = kuzet_register::demo::generate(1);
    store.load_demo(&first).await?;
    let events = store.events().await?;
    let mut stored = first.people.len();
    let mut seed = 2;
    while stored < count {
        let register = kuzet_register::demo::generate(seed);
        let records: Vec<ImportRecord> = register
            .people
            .iter()
            .take(count - stored)
            .map(|demo| ImportRecord {
                person: NewPerson::new(demo.person.clone()),
                detention: Some(NewDetention { event_id: events.get(demo.event_index).map(|event| event.id), detention: demo.detention.clone() }),
                decisions: demo.decisions.clone(),
                custody: None,
                transfer: demo.transfer.clone(),
                source: Some(demo.source.clone()),
            })
            .collect();
        let summary = store.import_records(&system, &records, |_| {}).await?;
        stored += summary.persons;
        seed += 1;
        eprintln!("{stored} persons");
    }
    store.add_user(&system, "bench", "bench-password-1", Role::Coordinator).await?;
    store.close().await;
    println!("{path}: {stored} persons and detentions");
    Ok(())
}
