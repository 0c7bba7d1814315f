//! `kuzet backup`: an encrypted, consistent snapshot of a running database.
//!
//! The snapshot is taken while the app keeps serving (`VACUUM INTO` on SQLite, a logical copy
//! into a SQLite file on PostgreSQL, so `--database postgres://...` works too), encrypted in the age
//! format with a passphrase (read from a file, never from the command line, where other users
//! of the machine could see it) or to one or more public keys, and renamed into place only
//! when complete. The unencrypted snapshot is removed at once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kuzet_store::AuditVerdict;
use kuzet_store::backup::{BackupError, BackupKey, SecretString, SnapshotSummary};

use crate::exit::InputError;
use crate::migrate_store::open_database;
use crate::user::{DatabaseArg, runtime, store_error};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["passphrase_file", "recipient"])))]
pub struct Args {
    #[command(flatten)]
    database: DatabaseArg,
    /// Where to write the encrypted backup (conventionally FILE.age).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// A file whose first line is the passphrase.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// An age public key (age1...); repeat for several holders.
    #[arg(long, value_name = "AGE_PUBLIC_KEY")]
    recipient: Vec<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let key = match &args.passphrase_file {
        Some(file) => BackupKey::Passphrase(read_passphrase(file)?),
        None => BackupKey::Recipients(args.recipient.clone()),
    };
    runtime()?.block_on(async move {
        let database = args
            .database
            .database
            .to_str()
            .ok_or_else(|| InputError("the database path is not UTF-8".into()))?;
        let store = open_database(database, false).await?;
        let result = store.write_backup(&args.out, &key).await;
        store.close().await;
        let summary = result.map_err(backup_error)?;
        print_summary(
            &format!("backup written to {}", args.out.display()),
            &summary,
            args.json,
        )?;
        if let AuditVerdict::Broken { seq, reason } = &summary.audit {
            eprintln!(
                "warning: the database's audit log is broken at record {seq} ({reason}); \
                 `kuzet restore` will refuse this backup until the log is repaired"
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The first line of `file`, without its line break. An empty passphrase is refused.
pub(crate) fn read_passphrase(file: &Path) -> anyhow::Result<SecretString> {
    let text = std::fs::read_to_string(file).map_err(|error| {
        InputError(format!(
            "{}: cannot read the passphrase file: {error}",
            file.display()
        ))
    })?;
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(InputError(format!("{}: the passphrase file is empty", file.display())).into());
    }
    Ok(SecretString::from(line.to_owned()))
}

/// Key, file and check failures exit with 2; the rest with 1.
pub(crate) fn backup_error(error: BackupError) -> anyhow::Error {
    match error {
        BackupError::Store(error) => store_error(error),
        BackupError::Transfer(error) => crate::migrate_store::transfer_error(error),
        error if error.is_user_error() => InputError(error.to_string()).into(),
        error => anyhow::Error::new(error),
    }
}

pub(crate) fn print_summary(
    headline: &str,
    summary: &SnapshotSummary,
    json: bool,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, summary).context("writing JSON")?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{headline} ({} bytes, schema version {})",
        summary.encrypted_bytes, summary.schema_version
    )?;
    match &summary.audit {
        AuditVerdict::Ok { records } => writeln!(out, "audit log: intact, {records} records")?,
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
