//! Integration tests of kuzet-ingest: one module per area.

mod election;
mod kz_2019_example;
mod register_import;

use std::path::PathBuf;

/// A file of the shared data folder beside the repository, or `None` (and a line saying the
/// test is skipped) when it is absent.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: ../shared/data/ru not found ({})", path.display());
        None
    }
}
