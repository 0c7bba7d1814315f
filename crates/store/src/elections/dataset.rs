//! An election as `kuzet_protocol` values, so that the web runs the same `verify()` and
//! forensics that `kuzet verify` runs on files.

use kuzet_protocol::Election;
use kuzet_register::Actor;

use super::not_yet;
use crate::Store;
use crate::error::StoreError;

/// Everything needed to verify an election as the CLI does.
#[derive(Debug, Clone)]
pub struct ElectionDataset {
    /// The election: areas under the definition's country, candidates, and up to two result
    /// sets: the current official figures (`official`: stations and area totals) first, then
    /// the observers' copies (`observer`).
    pub election: Election,
    /// The index of the official result set, when there are official figures.
    pub official_set: Option<usize>,
    /// The index of the observers' result set, when there are copies.
    pub observer_set: Option<usize>,
    /// Per station row of the observers' set: the submission it comes from and when it was
    /// received, so that the projection can be drawn as the sample grew.
    pub observer_submissions: Vec<(i64, String)>,
    /// Stations left out of the observers' set because their copies conflict and no
    /// coordinator has chosen one.
    pub conflicting_stations_excluded: usize,
}

impl Store {
    /// The election as `kuzet_protocol` values: the verified copy per station where a
    /// coordinator chose one, else the copies when they agree (one per station).
    pub async fn election_dataset(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<ElectionDataset, StoreError> {
        let _ = (actor, election_id);
        Err(not_yet("election_dataset"))
    }
}
