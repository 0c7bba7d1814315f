//! The server side of the submissions benchmark (not a divan benchmark: `wrk` drives it).
//!
//!     cargo bench -p kuzet-web --bench submissions -- <database-url-or-path> <port> [stations]
//!
//! Prepares the database when it has no `bench` election yet (an observer account, a
//! submit-only API token, an election with the Kazakhstan 2019 protocol and two candidates, and
//! `stations` stations, 1000 by default), prints `KUZET_TOKEN=...`, and serves the app on
//! 127.0.0.1:<port> until Ctrl-C. Then run `wrk` with `submissions.lua` and check with
//! `submissions_check.py` (see docs/benchmarks.md, "Submissions").

use kuzet_register::{Actor, Role, UserId};
use kuzet_store::{ApiTokenScope, NewElection, NewStation, Store};
use kuzet_web::{AppState, WebConfig};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| arg != "--bench").collect();
    let (Some(database), Some(port)) = (args.first(), args.get(1).and_then(|p| p.parse::<u16>().ok())) else {
        eprintln!("usage: submissions <database-url-or-path> <port> [stations]");
        std::process::exit(2);
    };
    let stations: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let store = Store::open(database).await.expect("the database opens");
    let system = Actor::system();
    if store.election(&system, "bench").await.expect("the store answers").is_none() {
        let observer = store.add_user(&system, "bench-observer", "bench password 2026", Role::Volunteer).await.expect("the user is added");
        let election = store
            .create_election(
                &system,
                NewElection {
                    slug: "bench".into(),
                    name: "Benchmark election".into(),
                    held_on: None,
                    definition_text: kuzet_protocol::definition::KAZAKHSTAN_2019.into(),
                    candidates: vec!["Candidate A".into(), "Candidate B".into()],
                },
            )
            .await
            .expect("the election is created");
        let rows = (1..=stations)
            .map(|n| NewStation {
                area_path: vec![format!("Region {}", n % 10), format!("District {}", n % 50)],
                code: n.to_string(),
                registered_voters: Some(1500),
            })
            .collect();
        store.import_stations(&system, election.id, rows).await.expect("the stations are imported");
        let actor = Actor::user(UserId(observer.0), Role::Volunteer);
        let token = store.create_api_token(&actor, "wrk", &[ApiTokenScope::Submit]).await.expect("the token is created");
        println!("KUZET_TOKEN={}", token.token);
    } else {
        println!("the database already holds the bench election; reuse the token printed when it was prepared");
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("the port is free");
    println!("serving on http://127.0.0.1:{port}");
    kuzet_web::serve_on(listener, AppState::new(store, WebConfig::default())).await.expect("the server runs");
}
