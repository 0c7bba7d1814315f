//! `kuzet demo`: creates a demo database with the Kazakhstan 2019 case study (events and
//! official claims from the report, synthetic people whose totals follow its figures), adds one
//! account per role with a random password printed once, and serves it on localhost.
//!
//! It also loads the elections (`elections::demo`): the Kazakhstan 2019 case study with
//! observers' protocols, conflicting and flagged copies, and the Russia 2018 station results
//! when the shared data is there.
//!
//! Run again on the same file, it keeps the data and gives the demo accounts new passwords.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use kuzet_register::{Actor, Role, UserId};
use kuzet_web::WebConfig;

use crate::elections::demo as demo_elections;
use crate::serve::{case_study_html, init_logging, serve, server_runtime};
use crate::user::{open_store, store_error};

/// The demo accounts, one per role.
pub const DEMO_ACCOUNTS: [(&str, Role); 4] =
    [("admin", Role::Admin), ("coordinator", Role::Coordinator), ("volunteer", Role::Volunteer), ("analyst", Role::Analyst)];

#[derive(clap::Args)]
pub struct Args {
    /// The address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The demo database file; created with the demo data when it does not exist.
    #[arg(long, default_value = "kuzet-demo.sqlite")]
    database: PathBuf,
    /// The seed of the synthetic register: the same seed always gives the same people.
    #[arg(long, default_value_t = 2019)]
    seed: u64,
    /// Create the database and accounts, print them, and exit without serving.
    #[arg(long)]
    no_serve: bool,
    /// The Russian CEC file of the 2018 presidential election, loaded with its official
    /// station results when it exists.
    #[arg(long, value_name = "FILE", default_value = "../shared/data/ru/2018.csv.zip")]
    russia: PathBuf,
    /// Do not load the Russian 2018 results (a faster start).
    #[arg(long)]
    skip_russia: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let runtime = server_runtime()?;
    runtime.block_on(async {
        let existed = args.database.exists();
        let store = open_store(&args.database, true).await?;
        let system = Actor::system();
        if existed {
            println!("Using the existing demo database {} (its data is kept).", args.database.display());
        } else {
            let register = kuzet_register::demo::generate(args.seed);
            let summary = store.load_demo(&register).await.map_err(store_error).context("loading the demo register")?;
            println!(
                "Created the demo database {}: {} events, {} official claims, {} persons, {} detentions, {} decisions, {} transfers, {} sources.",
                args.database.display(),
                summary.events,
                summary.claims,
                summary.persons,
                summary.detentions,
                summary.decisions,
                summary.transfers,
                summary.sources
            );
        }
        println!();
        for line in demo_elections::load(&store, &args.russia, args.skip_russia).await? {
            println!("{line}");
        }
        println!("\nDemo accounts (the passwords are shown only now):");
        for (username, role) in DEMO_ACCOUNTS {
            let password = random_password()?;
            match store.find_user(&system, username).await.map_err(store_error)? {
                Some(user) => store.reset_password(&system, UserId(user.id), &password).await.map_err(store_error)?,
                None => {
                    store.add_user(&system, username, &password, role).await.map_err(store_error)?;
                }
            }
            println!("  {username:<12} {password}");
        }
        let base = format!("http://{}", args.bind);
        println!("\nThe register:            {base}/");
        println!("The public list:         {base}/public");
        println!("Kazakhstan 2019 study:   {base}/elections/kz-2019");
        println!("API description:         {base}/api/openapi.json");
        if args.no_serve {
            store.close().await;
            return Ok(());
        }
        println!("\nServing on {base}/ (Ctrl-C stops it).");
        let config = WebConfig { case_study_html: Some(case_study_html()), ..WebConfig::default() };
        serve(args.bind, store, config).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Twenty characters from an alphabet without look-alikes, drawn from the system's randomness.
pub(crate) fn random_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut password = String::with_capacity(20);
    let mut bytes = [0u8; 32];
    while password.len() < 20 {
        getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no system randomness: {error}"))?;
        for byte in bytes {
            if usize::from(byte) < limit && password.len() < 20 {
                password.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    Ok(password)
}
