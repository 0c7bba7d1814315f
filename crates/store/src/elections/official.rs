//! Official results: imports per station or per area, their history and the changes between
//! successive imports.

use kuzet_register::Actor;

use super::{NewOfficialImport, OfficialChange, OfficialImportRow, OfficialImportSummary, not_yet};
use crate::Store;
use crate::error::StoreError;

impl Store {
    /// Imports official figures (coordinators and admins). All or nothing: an unknown station
    /// or area is an error naming every one.
    pub async fn import_official(
        &self,
        actor: &Actor,
        election_id: i64,
        import: NewOfficialImport,
    ) -> Result<OfficialImportSummary, StoreError> {
        let _ = (actor, election_id, import);
        Err(not_yet("import_official"))
    }

    /// Every official import of the election, oldest first.
    pub async fn official_imports(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<OfficialImportRow>, StoreError> {
        let _ = (actor, election_id);
        Err(not_yet("official_imports"))
    }

    /// The figures an import changed against each target's previous official figures
    /// (a target new in this import is listed with `before: None`).
    pub async fn official_changes(
        &self,
        actor: &Actor,
        import_id: i64,
    ) -> Result<Vec<OfficialChange>, StoreError> {
        let _ = (actor, import_id);
        Err(not_yet("official_changes"))
    }
}
