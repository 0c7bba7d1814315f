//! Integration tests of kuzet-report: one module per report.

mod verify;
mod forensics;
