//! `kuzet serve`: the web app and JSON API on one address, over an existing database.
//!
//! The server prints where it listens and nothing about requests: URLs and forms carry names of
//! persecuted people, so no request is logged.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use kuzet_store::Store;
use kuzet_web::{AppState, WebConfig};

use crate::exit::InputError;
use crate::user::{open_store, store_error};

#[derive(clap::Args)]
pub struct Args {
    /// The database: a SQLite file path, a `sqlite://` URL or a `postgres://` URL.
    #[arg(long, env = "KUZET_DATABASE", value_name = "PATH_OR_URL")]
    database: String,
    /// The address to listen on. Keep it on 127.0.0.1 unless a TLS proxy sits in front.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Served behind a TLS-terminating proxy: mark cookies `Secure` and take the client address
    /// for login throttling from `X-Forwarded-For`.
    #[arg(long)]
    behind_proxy: bool,
    /// Mark cookies `Secure` (implied by `--behind-proxy`).
    #[arg(long)]
    secure_cookies: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let runtime = server_runtime()?;
    runtime.block_on(async {
        let store = open_database(&args.database).await?;
        let config = WebConfig {
            secure_cookies: args.secure_cookies || args.behind_proxy,
            behind_proxy: args.behind_proxy,
            case_study_html: Some(case_study_html()),
        };
        println!("Kuzet is serving {} on http://{}/ (Ctrl-C stops it)", without_password(&args.database), args.bind);
        serve(args.bind, store, config).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Failures inside the server go to standard error, once each; `KUZET_LOG` (an `env_logger`-style
/// filter such as `debug`) chooses more. Nothing about requests is logged.
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUZET_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A second initialisation (tests, embedding) keeps the first subscriber.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// A runtime with a worker per core: the server answers many visitors at once.
pub(crate) fn server_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

/// Opens an existing database given as a path or a URL; a mistyped path is an input error, not
/// a new empty database.
async fn open_database(database: &str) -> anyhow::Result<Store> {
    if database.contains("://") || database.starts_with("sqlite:") {
        return Store::open(database).await.map_err(store_error).with_context(|| format!("opening {database}"));
    }
    if database.trim().is_empty() {
        return Err(InputError("--database: give a SQLite file path".into()).into());
    }
    open_store(Path::new(database), false).await
}

/// The Kazakhstan 2019 case-study page, rendered once at start-up.
pub(crate) fn case_study_html() -> String {
    kuzet_report::verify::kz_2019_case_study_html()
}

/// Serves until Ctrl-C, then closes the database cleanly.
pub(crate) async fn serve(bind: SocketAddr, store: Store, config: WebConfig) -> anyhow::Result<()> {
    let result = kuzet_web::serve_app(bind, AppState::new(store.clone(), config)).await;
    store.close().await;
    result.with_context(|| format!("serving on {bind}"))
}

/// The database URL as it may be printed: a password in it (`postgres://user:secret@host/db`)
/// is replaced by `***`, since terminals are logged and screens are photographed.
pub(crate) fn without_password(database: &str) -> String {
    let Some((scheme, rest)) = database.split_once("://") else { return database.to_owned() };
    let Some((credentials, host)) = rest.rsplit_once('@') else { return database.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => database.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn printed_database_urls_hide_passwords() {
        let check = |input: &str, expected: &str| assert_eq!(without_password(input), expected, "{input}");
        check("postgres://kuzet:s3cr@t@db.example/kuzet", "postgres://kuzet:***@db.example/kuzet");
        check("postgres://kuzet@127.0.0.1/kuzet", "postgres://kuzet@127.0.0.1/kuzet");
        check("kuzet.sqlite", "kuzet.sqlite");
        check("sqlite://data/kuzet.sqlite", "sqlite://data/kuzet.sqlite");
    }
}
