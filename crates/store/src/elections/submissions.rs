//! Observers' protocol copies: submission with an idempotency key, photos, conflicts between
//! copies of one station and their resolution.

use kuzet_protocol::ProtocolDefinition;
use kuzet_register::Actor;

use super::{
    ConflictRow, Figures, NewPhoto, NewSubmission, PhotoRow, SubmissionOutcome, SubmissionRow,
    VerificationRow, not_yet,
};
use crate::Store;
use crate::error::StoreError;

/// The names of the control relations of `definition` that `figures` break.
pub(crate) fn violations(
    definition: &ProtocolDefinition,
    candidates: &[String],
    figures: &Figures,
) -> Vec<String> {
    let _ = (definition, candidates, figures);
    Vec::new()
}

impl Store {
    /// Stores an observer's copy of a station's protocol (volunteers and up). The same sender
    /// with the same idempotency key gets the first submission back (`created: false`).
    pub async fn submit_protocol(
        &self,
        actor: &Actor,
        new: NewSubmission,
    ) -> Result<SubmissionOutcome, StoreError> {
        let _ = (actor, new);
        Err(not_yet("submit_protocol"))
    }

    /// Adds a photo to a submission (its sender, or a coordinator).
    pub async fn add_photo(
        &self,
        actor: &Actor,
        submission_id: i64,
        photo: NewPhoto,
    ) -> Result<PhotoRow, StoreError> {
        let _ = (actor, submission_id, photo);
        Err(not_yet("add_photo"))
    }

    /// A photo with its served bytes.
    pub async fn photo(
        &self,
        actor: &Actor,
        photo_id: i64,
    ) -> Result<Option<(PhotoRow, Vec<u8>)>, StoreError> {
        let _ = (actor, photo_id);
        Err(not_yet("photo"))
    }

    /// Every submission of the election, oldest first (photos listed, bytes not loaded).
    pub async fn election_submissions(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<SubmissionRow>, StoreError> {
        let _ = (actor, election_id);
        Err(not_yet("election_submissions"))
    }

    /// Stations whose copies differ in some line, with their latest resolution.
    pub async fn conflicts(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<ConflictRow>, StoreError> {
        let _ = (actor, election_id);
        Err(not_yet("conflicts"))
    }

    /// Marks one copy of a station as the verified one, with a reason (coordinators and
    /// admins). Appended: earlier resolutions stay, the latest is in force.
    pub async fn resolve_station(
        &self,
        actor: &Actor,
        station_id: i64,
        submission_id: i64,
        reason: &str,
    ) -> Result<VerificationRow, StoreError> {
        let _ = (actor, station_id, submission_id, reason);
        Err(not_yet("resolve_station"))
    }
}
