//! End-to-end tests of the `kuzet` binary: one module per subcommand.

mod audit;
mod backup;
mod dedup;
mod demo;
mod elections;
mod forensics;
mod import;
mod migrate_store;
mod user;
mod verify;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built `kuzet` binary with `args` and returns what it printed and its exit status.
pub fn kuzet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kuzet")).args(args).output().expect("the kuzet binary runs")
}

/// The shared data folder beside the repository, or `None` (and a line saying the test is
/// skipped) when it is absent.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} not found", path.display());
        None
    }
}
