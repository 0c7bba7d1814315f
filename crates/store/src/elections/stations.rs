//! Elections, their areas and stations: creation, station imports, listings and the station
//! page's detail.

use kuzet_register::Actor;

use super::{
    AreaRow, ElectionRow, NewElection, NewStation, StationDetail, StationImportSummary, StationRow,
    not_yet,
};
use crate::Store;
use crate::error::StoreError;

impl Store {
    /// Creates an election (coordinators and admins).
    pub async fn create_election(
        &self,
        actor: &Actor,
        new: NewElection,
    ) -> Result<ElectionRow, StoreError> {
        let _ = (actor, new);
        Err(not_yet("create_election"))
    }

    /// The elections the actor may see (the public: published ones), newest first.
    pub async fn elections(&self, actor: &Actor) -> Result<Vec<ElectionRow>, StoreError> {
        let _ = actor;
        Err(not_yet("elections"))
    }

    /// One election by its slug, when the actor may see it.
    pub async fn election(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> Result<Option<ElectionRow>, StoreError> {
        let _ = (actor, slug);
        Err(not_yet("election"))
    }

    /// Publishes an election's results on the public site, or withdraws them.
    pub async fn set_election_published(
        &self,
        actor: &Actor,
        election_id: i64,
        published: bool,
    ) -> Result<(), StoreError> {
        let _ = (actor, election_id, published);
        Err(not_yet("set_election_published"))
    }

    /// Adds areas (names from the region down) that are not there yet, for area totals
    /// without station lists; returns how many were created.
    pub async fn import_areas(
        &self,
        actor: &Actor,
        election_id: i64,
        paths: Vec<Vec<String>>,
    ) -> Result<usize, StoreError> {
        let _ = (actor, election_id, paths);
        Err(not_yet("import_areas"))
    }

    /// Adds stations, creating their areas; a station already there (same code) gets the new
    /// area and registered voters. All or nothing.
    pub async fn import_stations(
        &self,
        actor: &Actor,
        election_id: i64,
        stations: Vec<NewStation>,
    ) -> Result<StationImportSummary, StoreError> {
        let _ = (actor, election_id, stations);
        Err(not_yet("import_stations"))
    }

    /// Every area of the election, parents before children.
    pub async fn election_areas(
        &self,
        actor: &Actor,
        election_id: i64,
    ) -> Result<Vec<AreaRow>, StoreError> {
        let _ = (actor, election_id);
        Err(not_yet("election_areas"))
    }

    /// The stations of the election, or of one area and the areas below it, by code.
    pub async fn election_stations(
        &self,
        actor: &Actor,
        election_id: i64,
        area_id: Option<i64>,
    ) -> Result<Vec<StationRow>, StoreError> {
        let _ = (actor, election_id, area_id);
        Err(not_yet("election_stations"))
    }

    /// A station with every copy, its official history and its resolutions.
    pub async fn station_detail(
        &self,
        actor: &Actor,
        election_id: i64,
        code: &str,
    ) -> Result<Option<StationDetail>, StoreError> {
        let _ = (actor, election_id, code);
        Err(not_yet("station_detail"))
    }
}
