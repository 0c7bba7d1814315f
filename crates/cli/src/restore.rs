//! `kuzet restore`: decrypt a backup, check it, and only then put it in place.
//!
//! The checks (SQLite integrity, a known schema version, an intact audit chain) run on a
//! decrypted temporary copy; the current database is kept as `PATH.before-restore` and the
//! restored one renamed over it in one step. Into PostgreSQL (`--database postgres://...`) the
//! checked backup is copied into a new, empty database in one transaction and compared with
//! the backup's digests table by table before it commits. A running server must be stopped first: a database
//! in use is never replaced.

use std::path::PathBuf;
use std::process::ExitCode;

use kuzet_store::backup::{RestoreKey, check_backup, restore_backup, restore_backup_into};

use crate::backup::{backup_error, print_summary, read_passphrase};
use crate::exit::InputError;
use crate::migrate_store::open_database;
use crate::serve::without_password;
use crate::user::{DatabaseArg, runtime};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("key").required(true).args(["passphrase_file", "identity"])))]
pub struct Args {
    /// The encrypted backup (FILE.age).
    backup: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
    /// A file whose first line is the passphrase.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// An age identity file (AGE-SECRET-KEY-1...).
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// Decrypt and check the backup, but replace nothing.
    #[arg(long)]
    check_only: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let key = match (&args.passphrase_file, &args.identity) {
        (Some(file), _) => RestoreKey::Passphrase(read_passphrase(file)?),
        (None, Some(file)) => RestoreKey::Identities(std::fs::read(file).map_err(|error| {
            InputError(format!(
                "{}: cannot read the identity file: {error}",
                file.display()
            ))
        })?),
        (None, None) => unreachable!("clap requires one of the two"),
    };
    runtime()?.block_on(async move {
        if args.check_only {
            let summary = check_backup(&args.backup, &key)
                .await
                .map_err(backup_error)?;
            print_summary(
                &format!(
                    "{}: the backup decrypts and passes every check",
                    args.backup.display()
                ),
                &summary,
                args.json,
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        let database = args
            .database
            .database
            .to_str()
            .ok_or_else(|| InputError("the database path is not UTF-8".into()))?;
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            // PostgreSQL: into a new, empty database (the copy refuses anything else).
            let target = open_database(database, true).await?;
            let result = restore_backup_into(&args.backup, &target, &key).await;
            target.close().await;
            let result = result.map_err(backup_error)?;
            let headline = format!(
                "restored {} from {}; every table matches the backup's digests",
                without_password(database),
                args.backup.display()
            );
            print_summary(&headline, &result.snapshot, args.json)?;
            return Ok(ExitCode::SUCCESS);
        }
        let result = restore_backup(&args.backup, &args.database.database, &key)
            .await
            .map_err(backup_error)?;
        let headline = match &result.previous {
            Some(previous) => format!(
                "restored {} from {}; the previous database is kept as {}",
                args.database.database.display(),
                args.backup.display(),
                previous.display()
            ),
            None => format!(
                "restored {} from {}",
                args.database.database.display(),
                args.backup.display()
            ),
        };
        print_summary(&headline, &result.snapshot, args.json)?;
        Ok(ExitCode::SUCCESS)
    })
}
