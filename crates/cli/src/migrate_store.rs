//! `kuzet migrate-store`: copies a whole database from one backend to the other (SQLite to
//! PostgreSQL, PostgreSQL to SQLite, or between two of one kind), into a new, empty database.
//!
//! The store does the work (`Store::copy_into`: every table in dependency order in one
//! transaction on the target, ids kept, identity sequences moved on, each table compared by
//! row count and canonical digest before the commit, the audit chain verified after it); this
//! module opens the two databases, draws a progress bar on the terminal and prints the
//! summary. A password in a PostgreSQL URL is never printed.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kuzet_store::transfer::{TransferError, TransferSummary};
use kuzet_store::{AuditVerdict, Store};

use crate::exit::InputError;
use crate::serve::without_password;
use crate::user::{runtime, store_error};

#[derive(clap::Args)]
pub struct Args {
    /// The database to copy: a SQLite file path, a `sqlite://` URL or a `postgres://` URL.
    #[arg(long, value_name = "URL")]
    from: String,
    /// A new, empty database to copy into (a SQLite file that does not exist yet, or a
    /// freshly created PostgreSQL database). A database holding anything is refused.
    #[arg(long, value_name = "URL")]
    to: String,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        if args.from == args.to {
            return Err(InputError("--from and --to name the same database".into()).into());
        }
        let from = open_database(&args.from, false).await?;
        let to = match open_database(&args.to, true).await {
            Ok(to) => to,
            Err(error) => {
                from.close().await;
                return Err(error);
            }
        };
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows {msg} {elapsed_precise} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let shown = bar.clone();
        let result = from
            .copy_into(&to, &move |progress| {
                shown.set_length(progress.rows_total);
                shown.set_position(progress.rows_done);
                shown.set_message(progress.table.to_owned());
            })
            .await;
        bar.finish_and_clear();
        from.close().await;
        to.close().await;
        let summary = result.map_err(transfer_error)?;
        print(&args, &summary)?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Opens a database given as a path or URL. Without `create`, a SQLite file must exist
/// already (a typo must not create an empty database to copy from).
pub(crate) async fn open_database(url: &str, create: bool) -> anyhow::Result<Store> {
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !postgres && !create {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if !std::path::Path::new(path).exists() {
            return Err(InputError(format!("{path}: no database here")).into());
        }
    }
    Store::open(url)
        .await
        .map_err(store_error)
        .with_context(|| format!("opening {}", without_password(url)))
}

/// The schema and emptiness checks are about what the user gave (exit code 2).
pub(crate) fn transfer_error(error: TransferError) -> anyhow::Error {
    match error {
        TransferError::Store(error) => store_error(error),
        error if error.is_user_error() => InputError(error.to_string()).into(),
        error => anyhow::Error::new(error),
    }
}

fn print(args: &Args, summary: &TransferSummary) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let rows: u64 = summary.tables.iter().map(|t| t.rows).sum();
    if args.json {
        let value = serde_json::json!({
            "from": without_password(&args.from),
            "to": without_password(&args.to),
            "rows": rows,
            "summary": summary,
        });
        serde_json::to_writer_pretty(&mut out, &value).context("writing JSON")?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "copied {} ({}) to {} ({}): {} tables, {rows} rows, schema version {}",
        without_password(&args.from),
        summary.source_backend,
        without_password(&args.to),
        summary.target_backend,
        summary.tables.len(),
        summary.schema_version
    )?;
    writeln!(
        out,
        "every table has the same rows and canonical digest on both sides"
    )?;
    match &summary.audit {
        AuditVerdict::Ok { records } => {
            writeln!(out, "audit log: intact on the target, {records} records")?
        }
        AuditVerdict::Broken { seq, reason } => {
            writeln!(out, "audit log: BROKEN at record {seq}: {reason}")?
        }
    }
    for table in &summary.tables {
        writeln!(
            out,
            "  {:<24} {:>9} rows  sha256 {}",
            table.table,
            table.rows,
            &table.sha256[..16]
        )?;
    }
    Ok(())
}
