//! `kuzet`: the command line. The only crate that knows argv and terminals.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run` function.
//! Exit codes: 0 success; 1 an unexpected failure; 2 bad input (a file, a column, a value);
//! 3 the command ran and found what it checks for (only where a flag such as `--fail-on`
//! asks for it).

mod audit;
mod backup;
mod dedup;
mod demo;
mod elections;
mod exit;
mod export;
mod forensics;
mod import;
mod migrate_store;
mod restore;
mod serve;
mod user;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kuzet", version, about = "Verify elections and keep the register of the persecuted")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a demo database (Kazakhstan 2019 case study, synthetic people) and serve it.
    Demo(demo::Args),
    /// Serve the web app and the JSON API.
    Serve(serve::Args),
    /// Check protocol arithmetic, compare sources, project area totals from an observed sample.
    Verify(verify::Args),
    /// Run the election-forensics tests on station-level results.
    Forensics(forensics::Args),
    /// Import volunteers' spreadsheets into the register, or elections, official results and
    /// observers' protocols (`kuzet import election|official|protocols`).
    Import(elections::ImportArgs),
    /// Export the register (published view or full, by role).
    Export(export::Args),
    /// Manage accounts: add, list, disable, reset a password.
    User(user::Args),
    /// Verify or show the tamper-evident audit log.
    Audit(audit::Args),
    /// Write an encrypted, consistent snapshot of the database.
    Backup(backup::Args),
    /// Check an encrypted snapshot and restore it.
    Restore(restore::Args),
    /// List duplicate-person candidates with their scores.
    Dedup(dedup::Args),
    /// Copy a whole database into a new, empty one (SQLite to PostgreSQL or back), verified.
    MigrateStore(migrate_store::Args),
}

/// See the note on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Forensics(args) => forensics::run(args),
        Command::Import(args) => elections::run(args),
        Command::Export(args) => export::run(args),
        Command::User(args) => user::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Backup(args) => backup::run(args),
        Command::Restore(args) => restore::run(args),
        Command::Dedup(args) => dedup::run(args),
        Command::MigrateStore(args) => migrate_store::run(args),
    };
    exit::report(result)
}
