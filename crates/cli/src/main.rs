//! `kuzet`: the command line. The only crate that knows argv and terminals.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run` function.
//! Exit codes: 0 success; 1 an unexpected failure; 2 bad input (a file, a column, a value);
//! 3 the command ran and found what it checks for (only where a flag such as `--fail-on`
//! asks for it).

mod exit;
mod forensics;
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
    /// Check protocol arithmetic, compare sources, project area totals from an observed sample.
    Verify(verify::Args),
    /// Run the election-forensics tests on station-level results.
    Forensics(forensics::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Forensics(args) => forensics::run(args),
    };
    exit::report(result)
}
