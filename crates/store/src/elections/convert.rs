//! From `kuzet_protocol` values (what `kuzet_ingest` reads from the files `kuzet verify`
//! takes) to the store's election inputs, so the CLI and the demo import the same files the
//! same way: stations with their areas and registered voters, official rows per station or
//! per area, and observers' copies as figures.

use kuzet_protocol::{AreaId, Election, StationResult};

use super::{Figures, NewStation, OfficialRow};

/// How a file's stations become codes unique in the election.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationCodes {
    /// The station's name as written (the observers' protocol tables).
    Plain,
    /// `{region}: {number}`: Russian station numbers repeat across regions.
    RegionPrefixed,
}

/// The area's names below the country.
pub fn area_path(election: &Election, area: AreaId) -> Vec<String> {
    election
        .areas
        .path(area)
        .into_iter()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// A station's code in the store.
pub fn station_code(election: &Election, station: &StationResult, codes: StationCodes) -> String {
    match codes {
        StationCodes::Plain => station.station.trim().to_owned(),
        StationCodes::RegionPrefixed => {
            let region = election
                .areas
                .region_of(station.area)
                .map_or("", |r| election.areas.name(r));
            format!("{region}: {}", station.station.trim())
        }
    }
}

/// A row's figures by key (line key or candidate), leaving out those not given.
pub fn figures_of(election: &Election, counts: &[Option<i64>]) -> Figures {
    counts
        .iter()
        .enumerate()
        .filter_map(|(column, value)| value.map(|v| (election.column_key(column).to_owned(), v)))
        .collect()
}

/// The stations of result set `set`, with the registered voters its rows give.
pub fn stations_of(election: &Election, set: usize, codes: StationCodes) -> Vec<NewStation> {
    election.results()[set]
        .stations
        .iter()
        .map(|station| NewStation {
            area_path: area_path(election, station.area),
            code: station_code(election, station, codes),
            registered_voters: election.registered(&station.counts),
        })
        .collect()
}

/// The station rows of result set `set` as official rows.
pub fn official_station_rows(
    election: &Election,
    set: usize,
    codes: StationCodes,
) -> Vec<OfficialRow> {
    election.results()[set]
        .stations
        .iter()
        .map(|station| OfficialRow {
            target: station_code(election, station, codes),
            stations: None,
            figures: figures_of(election, &station.counts),
        })
        .collect()
}

/// The area totals of result set `set` as official rows (targets are area paths joined by
/// `/`).
pub fn official_area_rows(election: &Election, set: usize) -> Vec<OfficialRow> {
    election.results()[set]
        .aggregates
        .iter()
        .map(|aggregate| OfficialRow {
            target: area_path(election, aggregate.area).join("/"),
            stations: aggregate.stations.map(i64::from),
            figures: figures_of(election, &aggregate.counts),
        })
        .collect()
}
