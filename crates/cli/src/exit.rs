//! Exit codes and the one place where errors reach the terminal.

use std::process::ExitCode;

/// The command ran and found what the user asked it to fail on.
pub const FINDINGS: u8 = 3;

/// An error caused by what the user gave us (a file, a column, a value): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Prints an error once, with its chain of causes, and maps it to an exit code.
pub fn report(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.chain().any(|cause| cause.is::<InputError>()) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
