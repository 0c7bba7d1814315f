//! Elections in the store (issue 6): elections with their protocol definition and candidates,
//! the area hierarchy and stations, official results imported per station or per area (every
//! import kept, changes between imports computed), observers' protocol copies ("submissions")
//! with photos, conflicts between copies and their resolution, and the dataset that lets the
//! web run exactly the verification `kuzet verify` runs on files.
//!
//! Figures are a map from a protocol line key (`registered`, `valid`, ...) or a candidate's
//! name to a whole number; a line not given is absent. They are kept as JSON text on both
//! backends. A submission whose figures break the definition's control relations is accepted
//! and flagged (the names of the broken relations are stored with it). Nothing here is ever
//! overwritten: re-imports add an import, resolutions add a verification, the latest wins.

pub mod convert;
mod dataset;
mod load;
mod official;
mod stations;
mod submissions;

use std::collections::BTreeMap;

use kuzet_protocol::ProtocolDefinition;
use serde::Serialize;
use time::Date;

use crate::error::StoreError;

pub use dataset::ElectionDataset;

/// A protocol's figures: line key or candidate name -> value. A figure not given is absent.
pub type Figures = BTreeMap<String, i64>;

/// A new election. `definition_text` is a protocol definition in the `kuzet_protocol` format
/// (`crates/protocol/definitions/*.txt`); `candidates` are the columns after the protocol's
/// lines, in ballot order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewElection {
    /// Lower-case letters, digits and `-`, used in addresses.
    pub slug: String,
    pub name: String,
    pub held_on: Option<Date>,
    pub definition_text: String,
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// ISO date.
    pub held_on: Option<String>,
    pub published: bool,
    pub station_count: i64,
    pub submission_count: i64,
    pub definition_text: String,
    pub candidates: Vec<String>,
    pub created_at: String,
}

impl ElectionRow {
    /// The parsed protocol definition (it was checked when the election was created).
    pub fn definition(&self) -> Result<ProtocolDefinition, StoreError> {
        ProtocolDefinition::parse(&self.definition_text).map_err(|e| {
            StoreError::corrupt(format!(
                "election {}: its protocol definition: {e}",
                self.slug
            ))
        })
    }

    /// Every figure key a protocol of this election may have: the definition's line keys,
    /// then the candidates, in column order.
    pub fn figure_keys(&self) -> Result<Vec<String>, StoreError> {
        let definition = self.definition()?;
        Ok(definition
            .lines
            .iter()
            .map(|line| line.key.clone())
            .chain(self.candidates.iter().cloned())
            .collect())
    }

    /// The names of the control relations `figures` break (empty when the arithmetic holds
    /// or the figures needed are not given). The same check `submit_protocol` stores.
    pub fn violations(&self, figures: &Figures) -> Result<Vec<String>, StoreError> {
        let definition = self.definition()?;
        Ok(submissions::violations(
            &definition,
            &self.candidates,
            figures,
        ))
    }
}

/// A station as imported: the names of its areas from the region down, its code (unique in
/// the election: the address observers and URLs use) and registered voters when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStation {
    pub area_path: Vec<String>,
    pub code: String,
    pub registered_voters: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationImportSummary {
    pub areas_created: usize,
    pub stations_created: usize,
    pub stations_updated: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub code: Option<String>,
    /// The names from the region down to this area.
    pub path: Vec<String>,
    /// Stations in this area and all areas below it.
    pub station_count: i64,
    /// The current official area totals, when an area-level import gave them.
    pub official: Option<Figures>,
    /// How many stations the official area totals cover, when the import said.
    pub official_stations: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationRow {
    pub id: i64,
    pub area_id: i64,
    pub code: String,
    pub registered_voters: Option<i64>,
    /// The current official figures (of the latest import that has this station).
    pub official: Option<Figures>,
    pub submissions: i64,
    /// Submissions that break a control relation.
    pub flagged: i64,
    /// Two or more copies that differ in some line.
    pub conflict: bool,
    /// The copy a coordinator marked as verified (the latest resolution).
    pub verified_submission_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationDetail {
    pub station: StationRow,
    pub area_path: Vec<String>,
    pub submissions: Vec<SubmissionRow>,
    /// Every import that had this station, oldest first.
    pub official_history: Vec<OfficialFiguresRow>,
    /// Every resolution, oldest first; the last one is in force.
    pub verifications: Vec<VerificationRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialFiguresRow {
    pub import_id: i64,
    pub imported_at: String,
    pub source: String,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationRow {
    pub id: i64,
    pub station_id: i64,
    pub submission_id: i64,
    pub reason: String,
    /// The coordinator's user name; `None` for the system.
    pub actor: Option<String>,
    pub at: String,
}

/// Whether official figures are per station or per area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficialLevel {
    Station,
    Area,
}

impl OfficialLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            OfficialLevel::Station => "station",
            OfficialLevel::Area => "area",
        }
    }

    pub fn parse(raw: &str) -> Option<OfficialLevel> {
        match raw.trim() {
            "station" => Some(OfficialLevel::Station),
            "area" => Some(OfficialLevel::Area),
            _ => None,
        }
    }
}

/// One row of an official import: a station code (level station) or an area's names from the
/// region down joined by `/` (level area), with its figures; for area totals, how many
/// stations they cover when the commission says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialRow {
    pub target: String,
    pub stations: Option<i64>,
    pub figures: Figures,
}

/// Official results as published at one moment: all rows are taken or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOfficialImport {
    /// Where the figures come from (a file name, a URL).
    pub source: String,
    /// SHA-256 of the file read, hex.
    pub file_sha256: String,
    pub level: OfficialLevel,
    pub rows: Vec<OfficialRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialImportSummary {
    pub import_id: i64,
    /// Targets with no official figures before.
    pub new: usize,
    /// Targets whose figures differ from their previous ones.
    pub changed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialImportRow {
    pub id: i64,
    pub imported_at: String,
    pub source: String,
    pub file_sha256: String,
    pub level: OfficialLevel,
    pub rows: i64,
    pub actor: Option<String>,
}

/// One figure that an import changed against the previous figures of its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialChange {
    /// The station code or area path.
    pub target: String,
    pub line_key: String,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

/// How a submission came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionOrigin {
    Web,
    Api,
    /// Loaded by `kuzet import` or the demo.
    Import,
}

impl SubmissionOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionOrigin::Web => "web",
            SubmissionOrigin::Api => "api",
            SubmissionOrigin::Import => "import",
        }
    }

    pub fn parse(raw: &str) -> Option<SubmissionOrigin> {
        match raw.trim() {
            "web" => Some(SubmissionOrigin::Web),
            "api" => Some(SubmissionOrigin::Api),
            "import" => Some(SubmissionOrigin::Import),
            _ => None,
        }
    }
}

/// A photo as the web received and cleaned it: the original's hash and size (evidence), the
/// bytes to serve (metadata stripped) and which kinds of metadata were removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoto {
    pub original_sha256: String,
    pub original_size: i64,
    pub served_bytes: Vec<u8>,
    pub content_type: String,
    pub stripped: Vec<String>,
}

/// An observer's copy of a station's protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubmission {
    pub election_id: i64,
    pub station_code: String,
    /// Chosen by the sender, unique per sender: sending the same key again returns the first
    /// submission instead of adding a second.
    pub idempotency_key: String,
    pub figures: Figures,
    pub note: Option<String>,
    pub origin: SubmissionOrigin,
    pub photos: Vec<NewPhoto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionOutcome {
    pub submission: SubmissionRow,
    /// False when the idempotency key was seen before and this is the first submission.
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoRow {
    pub id: i64,
    pub submission_id: i64,
    pub received_at: String,
    pub original_sha256: String,
    pub original_size: i64,
    pub served_sha256: String,
    pub content_type: String,
    /// Size of the served bytes.
    pub size: i64,
    pub stripped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionRow {
    pub id: i64,
    pub election_id: i64,
    pub station_id: i64,
    pub station_code: String,
    /// The sender's user name, shown only to coordinators and admins.
    pub submitted_by: Option<String>,
    pub received_at: String,
    pub figures: Figures,
    /// Names of the control relations the figures break.
    pub violations: Vec<String>,
    pub note: Option<String>,
    pub origin: SubmissionOrigin,
    pub photos: Vec<PhotoRow>,
    /// The copy the latest resolution of its station chose.
    pub verified: bool,
}

/// A station with copies that disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictRow {
    pub station_id: i64,
    pub station_code: String,
    pub submission_ids: Vec<i64>,
    /// The figure keys on which some copies differ.
    pub differing_lines: Vec<String>,
    /// The latest resolution, when a coordinator chose a copy.
    pub resolved_by: Option<VerificationRow>,
}
